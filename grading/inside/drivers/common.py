"""What the drivers share: the registry, reading answers as arrays, recording a part's failure."""

import numpy as np

DRIVERS = {}
MAX_TEXT = 400


def driver(grade_id, *, prelude):
    """Register ``drive`` (the decorated function) and its ``prelude`` for the solution cell ``grade_id``."""
    def register(drive):
        if grade_id in DRIVERS:
            raise ValueError(f"a driver for {grade_id!r} is registered twice")
        DRIVERS[grade_id] = (prelude, drive)
        return drive
    return register


class ExerciseError(Exception):
    """A reason, in words for the student, why an answer could not be read."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def function(namespace, name):
    f = namespace.get(name)
    if not callable(f):
        raise ExerciseError("missing", f"your solution cell does not define the function {name}")
    return f


def array(value, what, shape=None):
    """``value`` as a float64 array (of ``shape``), or an ExerciseError that says what was expected."""
    try:
        a = np.array(value, dtype=np.float64)
    except Exception as exc:
        raise ExerciseError("type", f"{what} should be numbers, got {type(value).__name__} "
                                    f"({type(exc).__name__})") from None
    if shape is not None and a.shape != tuple(shape):
        raise ExerciseError("shape", f"{what} should have shape {tuple(shape)}, got {a.shape}")
    return a


def part(out, name, compute):
    """Run one part of a driver; its arrays go to ``out``, its failure to error_/kind_<name>."""
    try:
        out.update(compute())
    except ExerciseError as exc:
        out["kind_" + name], out["error_" + name] = np.array(exc.kind), np.array(str(exc)[:MAX_TEXT])
    except BaseException as exc:   # the student's code raised (or reached the library's solution)
        kind = "library" if type(exc).__name__ == "LibrarySolutionUsed" else "call"
        try:
            text = "%s: %s" % (type(exc).__name__, exc)
        except BaseException:
            text = type(exc).__name__
        out["kind_" + name], out["error_" + name] = np.array(kind), np.array(text[:MAX_TEXT])


def network_file(net, key, what):
    """{key: the bytes of ``net``'s network file} (``nnlib.data.network_file``, the one format of a network).

    The grader reads them back with that module's checks and measures the network on data this sandbox
    never saw; no method of the student's object is called here (the format reads its attributes)."""
    from nnlib.data import network_file as files

    if net is None:
        raise ExerciseError("missing", f"{what} is not defined")
    try:
        data = files.to_bytes(net)
    except Exception:
        raise ExerciseError("type", f"{what} should be an nnlib Network (with sizes, activation, output, cost, "
                                    f"weights and biases), got {type(net).__name__}") from None
    return {key: np.frombuffer(data, dtype=np.uint8)}
