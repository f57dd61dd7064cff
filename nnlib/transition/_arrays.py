"""Array helpers shared by the analysis modules (``phases``, ``crossing``, ``scaling``,
``confusion``, ``pca``); scalar arguments are checked with :mod:`nnlib.core.checks`.

Arrays in, clear errors out: every message names the argument and what was expected.
"""

import numpy as np

from ..core import checks


def as_float_array(values, name):
    """A finite float array of any shape, or a ValueError naming ``name``."""
    if isinstance(values, (str, bytes)) or values is None:
        raise ValueError(f"{name} must be an array of numbers, got {type(values).__name__}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_1d(values, name, min_size=1):
    """A finite float 1-D array of at least ``min_size`` values (:func:`nnlib.core.checks.check_1d`)."""
    if isinstance(values, (str, bytes)) or values is None:
        raise ValueError(f"{name} must be a 1-D array of numbers, got {type(values).__name__}")
    return checks.check_1d(values, name, min_size=min_size)


def strictly_increasing(arr, name):
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


def groups(T):
    """The distinct values of T (increasing) and, for each, the indices of the samples that have it."""
    grid, inverse = np.unique(T, return_inverse=True)
    return grid, [np.flatnonzero(inverse == k) for k in range(grid.size)]


def progress_bar(iterable, progress, **kwargs):
    """``progress``: False (no bar), True (``tqdm.auto``) or a tqdm-like class to use instead
    (e.g. the plain-text ``tqdm.tqdm``, whose final state a stored notebook keeps as text)."""
    if not progress:
        return iterable
    if callable(progress):
        return progress(iterable, **kwargs)
    from tqdm.auto import tqdm
    return tqdm(iterable, **kwargs)
