"""Reading what a sandbox returned, in the grader's process: plain arrays only, each one checked.

The result file was written by a process that ran student code, so nothing in it is trusted: it is
opened with ``allow_pickle=False`` (no code can come out of it), every array must be a finite float array
of the shape the grader expects (or a short string where a name is expected), and networks are rebuilt
here from their numbers, with the library's own class, before anything is measured.
"""

import dataclasses
import io
import zipfile

import numpy as np

from .sandbox import MAX_RESULT_BYTES


@dataclasses.dataclass(frozen=True)
class Score:
    """Points for one test cell, and the message its feedback shows."""
    points: float
    max_points: float
    message: str


MAX_ARRAYS = 400
MAX_TEXT = 400


class Missing(Exception):
    """An answer the grader needs is not in the result, or not in the expected form.  With a message,
    the message says what was wrong; without, :func:`failure` tells why the driver's part failed."""


def load_result(data):
    """The arrays of a result file (bytes), or {} when there is none or it is not an .npz of arrays."""
    if not data:
        return {}
    from nnlib.data import npz_member

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            # a compressed member could inflate far beyond the file: bound what the archive declares,
            # and read each array only after its header agrees with that (nnlib.data.npz_member)
            declared = sum(info.file_size for info in npz.zip.infolist())
            if len(npz.files) > MAX_ARRAYS or declared > MAX_RESULT_BYTES:     # the same bound as on disk
                return {}
            arrays = {}
            for name in npz.files:
                a = npz_member(npz, name, "the sandbox's result")
                if a.dtype.kind in "fiub" or (a.dtype.kind == "U" and a.ndim == 0):
                    arrays[name] = a
            return arrays
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError):
        return {}


def text(result, name):
    a = result.get(name)
    return str(a)[:MAX_TEXT] if a is not None and a.dtype.kind == "U" else None


def floats_or_nan(result, name, shape):
    """``result[name]`` as float64 of ``shape`` (NaN allowed: the driver's mark of a wrong type)."""
    a = result.get(name)
    if a is None or a.dtype.kind not in "fiu" or a.shape != tuple(shape):
        raise Missing()
    return a.astype(np.float64)


def floats(result, name, shape):
    """``result[name]`` as finite float64 of ``shape``; Missing (no message: the caller asks
    :func:`failure` why the part produced nothing) otherwise."""
    a = floats_or_nan(result, name, shape)
    if not np.all(np.isfinite(a)):
        raise Missing()
    return a


def failure(result, part, what):
    """Why a part of the driver produced nothing, in words for the student."""
    kind, error = text(result, "kind_" + part), text(result, "error_" + part)
    if kind is None:
        kind, error = text(result, "error_kind"), text(result, "error")
    if kind == "library":
        return ("your code reached the library's own solution of this exercise (e.g. MyNetwork = Network, "
                "super().backprop or Network.backprop), which is not available while it is graded: "
                "the exercise is to write it yourself")
    if kind == "syntax":
        return f"your solution cell does not compile: {error}"
    if kind == "cell":
        return f"your solution cell raised an error when run on its own: {error}"
    if kind == "setup":
        return "the grader could not prepare this exercise (not your fault; tell your instructor)"
    if kind in ("missing", "type", "shape"):
        return error
    if kind == "call":
        return f"{what} raised an error: {error}"
    return f"{what} returned nothing the grader could read"


def network(result, prefix, what):
    """Rebuild the nnlib Network described by ``prefix``sizes/activation/output/w<i>/b<i>, in float64.

    Raises Missing with a message when the numbers do not describe a network."""
    from nnlib import Network

    sizes_a = result.get(prefix + "sizes")
    if sizes_a is None:
        raise Missing()
    if sizes_a.dtype.kind not in "fiu" or sizes_a.ndim != 1 or not 2 <= sizes_a.size <= 12:
        raise Missing(f"{what}: expected a list of 2 to 12 layer sizes")
    if not np.all(np.isfinite(sizes_a)) or np.any(sizes_a != np.round(sizes_a)) or np.any(sizes_a < 1) \
            or np.any(sizes_a > 10_000):
        raise Missing(f"{what}: layer sizes {sizes_a.tolist()} are not whole numbers between 1 and 10 000")
    sizes = [int(n) for n in sizes_a]
    # the layers first: the claimed sizes allocate nothing until the file holds arrays of those shapes
    weights, biases = [], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        try:
            weights.append(floats(result, prefix + "w%d" % i, (n_out, n_in)))
            biases.append(floats(result, prefix + "b%d" % i, (n_out, 1)))
        except Missing:
            raise Missing(f"{what}: layer {i + 1}'s weights or biases are missing, misshapen or not finite") \
                from None
    activation, output, cost = (text(result, prefix + key) for key in ("activation", "output", "cost"))
    try:
        net = Network(sizes, activation=activation, output=output, cost=cost, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise Missing(f"{what}: activation {activation!r}, output {output!r}, cost {cost!r}: {exc}") from None
    net.set_parameters(weights, biases)
    return net
