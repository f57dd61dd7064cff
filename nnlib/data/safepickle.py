"""Load pickles that may only contain numpy arrays and plain containers.

A pickle is a small program: ``pickle.load`` will call whatever function the file names, so a data file
from the internet could run ``os.system`` on the student's machine.  The course's data files
(``mnist.pkl.gz``, ``mcIsing.pkl.gz``) only ever need numpy arrays inside tuples and lists, so we load
them with an *allow-list*: the unpickler may look up the handful of numpy helpers that rebuild an array,
and nothing else.  Anything else stops the load before it is called, with an error that names the file
and the refused global.
"""

import codecs
import pickle

import numpy as np

__all__ = ["UnsafePickleError", "safe_load"]


class UnsafePickleError(pickle.UnpicklingError):
    """The file references something outside the allow-list; nothing of it was executed."""


def _allowed_globals():
    """(module, name) -> object for every global a data pickle may reference.

    Arrays pickled by numpy 1.x name ``numpy.core.multiarray``, numpy 2.x names ``numpy._core``;
    both resolve to the same safe functions.  ``_codecs.encode`` turns a str back into bytes in
    protocol-2 pickles written by Python 3.
    """
    from numpy._core import multiarray, numeric

    allowed = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = multiarray._reconstruct
        allowed[(module, "scalar")] = multiarray.scalar
    for module in ("numpy.core.numeric", "numpy._core.numeric"):
        allowed[(module, "_frombuffer")] = numeric._frombuffer
    return allowed


class _AllowListUnpickler(pickle.Unpickler):
    def __init__(self, file, source, **kwargs):
        super().__init__(file, **kwargs)
        self._source = source
        self._allowed = _allowed_globals()

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self._source}: refused to load {module}.{name}; a data file may only contain numpy "
                "arrays, dtypes, tuples and lists (nothing in the file was executed)"
            ) from None


def _check_no_objects(obj, source):
    """Object arrays could smuggle arbitrary Python objects; data files never need them."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise UnsafePickleError(f"{source}: contains an array of Python objects (dtype=object); "
                                    "expected numeric arrays")
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            _check_no_objects(item, source)


def safe_load(file, source="<pickle>"):
    """Unpickle from the binary file object `file` through the allow-list.

    `source` names the file in error messages.  ``encoding='latin1'`` reads the Python 2 pickles of
    the classic ``mnist.pkl.gz`` (numpy stored its raw bytes as Python 2 ``str``).
    """
    try:
        obj = _AllowListUnpickler(file, source, encoding="latin1").load()
    except UnsafePickleError:
        raise
    except pickle.UnpicklingError as exc:            # random bytes: say which file
        raise pickle.UnpicklingError(f"{source}: not a valid pickle ({exc})") from exc
    _check_no_objects(obj, source)
    return obj
