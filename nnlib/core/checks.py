"""Argument checks shared by every part of nnlib.

Each function returns the checked (and normalised) value, or raises a ``ValueError`` (a
``TypeError`` for a value of the wrong kind altogether) whose message names the argument and says
what was expected, so that a mistake in a notebook is explained where it was made instead of
failing later deep inside numpy.
"""

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["check_int", "check_positive", "check_real", "check_choice", "check_sizes",
           "check_dtype", "make_rng", "check_regularisation", "check_labels", "check_rows",
           "all_finite", "check_1d", "MAX_BYTES", "check_memory"]

# Largest array (or set of arrays) a public function agrees to allocate from its arguments or from
# what a file claims: 2 GiB.  Above it a mistake (Network([30000, 30000]), n_labels=10**6, a label
# of 10**9 in a file) is answered with a ValueError naming the argument, not a MemoryError or a
# machine that starts swapping.
MAX_BYTES = 2 * 1024 ** 3


def check_int(value, name, minimum=None, maximum=None):
    """An integer (bools refused) in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError("%s must be an integer, got %r" % (name, value))
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = ("in %s..%s" % (minimum, maximum) if maximum is not None
                  else ">= %s" % minimum)
        raise ValueError("%s must be an integer %s, got %r" % (name, bounds, value))
    return int(value)


def check_real(value, name, minimum=None, maximum=None, *, open_min=False, open_max=False):
    """A finite real number (bools refused) in the given, optionally open, interval."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError("%s must be a finite number, got %r" % (name, value))
    below = minimum is not None and (value <= minimum if open_min else value < minimum)
    above = maximum is not None and (value >= maximum if open_max else value > maximum)
    if below or above:
        lo = "(-inf" if minimum is None else ("(" if open_min else "[") + "%g" % minimum
        hi = "inf)" if maximum is None else "%g" % maximum + (")" if open_max else "]")
        raise ValueError("%s must lie in %s, %s, got %r" % (name, lo, hi, value))
    return float(value)


def check_positive(value, name):
    """A finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or value <= 0:
        raise ValueError("%s must be a positive finite number, got %r" % (name, value))
    return float(value)


def check_choice(value, choices, name):
    if not isinstance(value, str) or value not in choices:
        raise ValueError("%s must be one of %s, got %r" % (name, tuple(choices), value))
    return value


def check_memory(n_bytes, name, what):
    """Refuse to allocate more than ``MAX_BYTES``: ``name`` is the argument (or file) to blame,
    ``what`` says what would be allocated."""
    if n_bytes > MAX_BYTES:
        raise ValueError("%s would need %.3g GB for %s; the limit is %.3g GB (nnlib.core.checks."
                         "MAX_BYTES)" % (name, n_bytes / 1e9, what, MAX_BYTES / 1e9))
    return n_bytes


def check_sizes(sizes, name="sizes"):
    """Layer sizes like [784, 30, 10]: at least two positive integers, whose weights and biases
    (as float64) fit in ``MAX_BYTES``."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise ValueError("sizes must be a list of layer sizes like [784, 30, 10], got %r"
                         % (sizes,))
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError("sizes needs at least two layers (inputs and outputs), got %r"
                         % (sizes,))
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
            raise ValueError("%s must be positive integers, got %r" % (name, sizes))
    sizes = [int(s) for s in sizes]
    n_parameters = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    check_memory(8 * n_parameters, "%s=%r" % (name, sizes),
                 "%d weights and biases" % n_parameters)
    return sizes


def check_dtype(dtype):
    """np.float64 or np.float32 (returned as the numpy scalar type)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError("dtype must be np.float64 or np.float32, got %r" % (dtype,)) from None
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError("dtype must be np.float64 or np.float32, got %r" % (dtype,))
    return dtype.type


def make_rng(seed):
    """A numpy Generator from ``seed`` (None: fresh entropy; a non-negative int, or a sequence of
    them, as numpy's SeedSequence takes; or a Generator, used as it is, so that a caller can draw
    several results from one stream)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (list, tuple)) and seed and all(
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 0 for s in seed):
        return np.random.default_rng([int(s) for s in seed])
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError("seed must be None or a non-negative int, got %r" % (seed,))
    return np.random.default_rng(int(seed))


def check_regularisation(lmbda, l1, momentum):
    """(lmbda, l1, momentum) as floats: L2 and L1 strengths >= 0, momentum in [0, 1)."""
    for value, name in ((lmbda, "lmbda"), (l1, "l1"), (momentum, "momentum")):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
                or value < 0:
            raise ValueError("%s must be a finite number >= 0, got %r" % (name, value))
    if momentum >= 1:
        raise ValueError("momentum must be in [0, 1) (1 never forgets old steps), got %r"
                         % (momentum,))
    return float(lmbda), float(l1), float(momentum)


def check_labels(y, n_classes, name):
    """Integer class labels of shape (n,) in 0..n_classes-1, as int64."""
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
        raise ValueError("%s must be integer class labels (n,), got dtype %s and shape %s"
                         % (name, y.dtype, y.shape))
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError("%s must lie in 0..%d (one per output neuron), found %d..%d"
                         % (name, n_classes - 1, y.min(), y.max()))
    return y.astype(np.int64)


def all_finite(X):
    """No NaN or inf in X.  One fast reduction: a NaN or inf anywhere makes the sum NaN or inf
    (no boolean array as large as X).  Only when the sum is not finite, which a sum of huge
    finite numbers can also be, do min and max decide exactly."""
    X = np.asarray(X)
    if X.size == 0 or X.dtype.kind in "iub":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(np.sum(X)):
            return True
    return math.isfinite(X.min()) and math.isfinite(X.max())


def check_rows(X, n_features, name):
    """A real, finite, non-empty 2-D array with one sample per row and ``n_features`` columns
    (``None``: any number of columns)."""
    X = np.asarray(X)
    if X.ndim != 2 or (n_features is not None and X.shape[1] != n_features):
        raise ValueError("%s must have shape (n_samples, %s), one sample per row, got %s"
                         % (name, "n_features" if n_features is None else n_features,
                            X.shape))
    if len(X) == 0:
        raise ValueError("%s is empty" % name)
    if X.dtype == bool or not np.issubdtype(X.dtype, np.number) \
            or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError("%s must hold real numbers, got dtype %s" % (name, X.dtype))
    if not all_finite(X):
        raise ValueError("%s contains NaN or infinite values" % name)
    return X


def check_1d(values, name, min_size=1):
    """A finite float64 array of shape (n,) with n >= min_size."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("%s must be a 1-D array of numbers" % name) from None
    if arr.ndim != 1 or arr.size < min_size:
        raise ValueError("%s must be a 1-D array with at least %d entries, got shape %s"
                         % (name, min_size, arr.shape))
    if not np.all(np.isfinite(arr)):
        raise ValueError("%s contains NaN or infinite values" % name)
    return arr
