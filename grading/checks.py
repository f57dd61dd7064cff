"""Reading what a sandbox returned, in the grader's process: plain arrays only, each one checked.

The result file was written by a process that ran student code, so nothing in it is trusted: it is
opened with ``allow_pickle=False`` (no code can come out of it), every array must be a finite float array
of the shape the grader expects (or a short string where a name is expected), and networks come as network
files (``nnlib.data.network_file``), read with its checks and built with the library's own class before
anything is measured.
"""

import dataclasses
import io

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
    except Exception:          # noqa: BLE001  (a corrupt or hostile file: compression method 99, a broken
        return {}              # deflate stream, ...; whatever it is, it scores like no result)


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
    if kind == "library":      # the hidden folder's own words, which name what was used (inside/hidden)
        return (error or "").partition(": ")[2] or "your code used the library's own answer to this exercise"
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


class _Named(io.BytesIO):
    """The bytes of a network file, named in the messages of ``network_file.load`` by what they are."""

    def __init__(self, data, name):
        super().__init__(data)
        self.name = name

    def __str__(self):
        return self.name


def network(result, key, what):
    """The nnlib Network whose network file (``nnlib.data.network_file``, the one format of a network)
    the driver returned as the bytes ``result[key]``, read with that module's checks: each array's header
    before the array, the layers against the sizes, finite floats; then built with the library's own class.

    Raises Missing with a message when the bytes are not such a network."""
    from nnlib import Network
    from nnlib.data import DataFileError, network_file

    data = result.get(key)
    if data is None:
        raise Missing()
    if data.dtype != np.uint8 or data.ndim != 1:
        raise Missing(f"{what}: not a network file")
    try:
        return network_file.load(Network, _Named(data.tobytes(), what))
    except (DataFileError, ValueError, TypeError) as exc:
        raise Missing(f"{what}: {str(exc)[:MAX_TEXT]}") from None
