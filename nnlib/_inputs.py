"""Input checking and conversion for ``nnlib.Network``, kept out of ``network.py``.

Every public method of the network accepts the course's format (column vectors, lists of
``(x, y)`` tuples) and arrays with one sample per row; the functions here turn either into
checked arrays, and raise a ``ValueError`` that names the argument and says what was expected
when something does not fit (wrong length, labels out of range, NaN, ...).
"""

import math
import weakref
from numbers import Integral, Real

import numpy as np


def check_columns(net, a, name):
    """An input column (n_in, 1), a matrix of input columns, or a flat (n_in,) vector."""
    a = np.asarray(a)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2 or a.shape[0] != net.sizes[0]:
        raise ValueError("%s must have shape (%d, 1) (a column with one entry per input "
                         "neuron), got shape %s" % (name, net.sizes[0], np.shape(a)))
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError("%s must hold real numbers, got dtype %s" % (name, a.dtype))
    return a

def target_column(net, y):
    """A desired-output column (n_out, 1); an int label becomes the one-hot column."""
    n_out = net.sizes[-1]
    if isinstance(y, Integral) and not isinstance(y, bool) and n_out > 1:
        label = check_labels(np.array([y]), n_out, "y")
        return np.eye(n_out, dtype=net.dtype)[:, label]
    y = np.asarray(y, dtype=float).reshape(-1, 1) if np.ndim(y) <= 1 else np.asarray(y)
    if y.shape != (n_out, 1):
        raise ValueError("y must be a column of shape (%d, 1) or an int label, got shape %s"
                         % (n_out, y.shape))
    return y

def check_rows(net, X, name):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise ValueError("%s must have shape (n_samples, %d), one input per row, got %s"
                         % (name, net.sizes[0], X.shape))
    if len(X) == 0:
        raise ValueError("%s is empty" % name)
    if X.dtype == bool or not np.issubdtype(X.dtype, np.number) \
            or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError("%s must hold real numbers, got dtype %s" % (name, X.dtype))
    if not all_finite(X):
        raise ValueError("%s contains NaN or infinite values" % name)
    return X

def training_arrays(net, data, name):
    """(X, Y) with X (n, n_in) rows and Y (n, n_out) targets, from either input format."""
    X, Y, rows = training_source(net, data, name)
    return (X if rows is None else X[rows]), Y

def training_source(net, data, name):
    """(X, Y, rows): example i is (X[i], Y[i]), or (X[rows[i]], Y[i]) if rows is not None.

    For a list of tuples the inputs are stacked once into one matrix, keeping their dtype
    (MNIST's float32 stays float32: half the memory, and widening is exact), unless they
    are all rows of one array already (as ``nnlib.data.load_data_wrapper`` makes them):
    then that array is used in place and ``rows`` says which row is which example."""
    n_out = net.sizes[-1]
    if is_array_pair(data):
        X, y = data
        X = check_rows(net, X, name + "[0]")
        Y = targets(net, np.asarray(y), len(X), name + "[1]")
        return X, Y, None
    data = as_list(data, name)
    xs, ys = unzip(data, name)
    X, rows = stack_inputs(net, xs, name)
    if n_out > 1 and all(isinstance(y, Integral) and not isinstance(y, bool) for y in ys):
        return X, targets(net, np.asarray(ys, dtype=np.int64), len(ys), name + " labels"), rows
    if shapes(ys) <= {(n_out, 1), (n_out,)}:  # the usual: one column per example
        Y = np.concatenate([y.reshape(1, n_out) if isinstance(y, np.ndarray)
                            else np.reshape(y, (1, n_out)) for y in ys]).astype(np.float64)
    else:
        Y = np.empty((len(ys), n_out))
        for i, y in enumerate(ys):
            try:
                Y[i] = target_column(net, y)[:, 0]
            except ValueError as err:
                raise ValueError("%s[%d]: %s" % (name, i, err)) from None
    if not np.all(np.isfinite(Y)):
        raise ValueError("%s targets contain NaN or infinite values" % name)
    return X, Y, rows

def stack_inputs(net, xs, name):
    """(X, rows) from a list of input columns, as in ``_training_source``; names the first
    bad input."""
    n_in = net.sizes[0]
    bad = {s for s in shapes(xs) if len(s) > 2 or math.prod(s) != n_in}
    if bad:
        i = next(i for i, x in enumerate(xs) if np.shape(x) in bad)
        raise ValueError("%s[%d]: input x has shape %s, expected (%d, 1)"
                         % (name, i, np.shape(xs[i]), n_in))
    found = rows_of_one_array(xs, n_in)
    if found is not None:
        X, rows = found
        if not (all_finite(X) or all_finite(X[rows])):  # unused rows may hold anything
            raise ValueError("%s inputs contain NaN or infinite values" % name)
        if len(rows) == len(X) and np.array_equal(rows, np.arange(len(X))):
            rows = None
        return X, rows
    stacked = [x.reshape(1, n_in) if isinstance(x, np.ndarray) else np.reshape(x, (1, n_in))
               for x in xs]
    return check_rows(net, np.concatenate(stacked), name + " inputs"), None

def targets(net, y, n, name):
    """Targets (n, n_out) from int labels (one-hot), an (n, n_out) array, or (n,) reals."""
    n_out = net.sizes[-1]
    if len(y) != n:
        raise ValueError("%s has %d entries but there are %d samples" % (name, len(y), n))
    if y.ndim == 1 and n_out > 1:
        labels = check_labels(y, n_out, name)
        Y = np.zeros((n, n_out))
        Y[np.arange(n), labels] = 1.0
        return Y
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_out:
        raise ValueError("%s must be int labels of shape (n,) or targets of shape (n, %d), "
                         "got shape %s" % (name, n_out, y.shape))
    if not np.issubdtype(y.dtype, np.number) and y.dtype != bool:
        raise ValueError("%s must hold numbers, got dtype %s" % (name, y.dtype))
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError("%s contains NaN or infinite values" % name)
    return y

def evaluation_arrays(net, data, name):
    """(X, labels) for measuring accuracy: labels are ints (several outputs) or reals."""
    n_out = net.sizes[-1]
    if is_array_pair(data):
        X, y = data
        X = check_rows(net, X, name + "[0]")
        y = np.asarray(y)
    else:
        xs, ys = unzip(as_list(data, name), name)
        X, rows = stack_inputs(net, xs, name)
        if rows is not None:
            X = X[rows]
        y = np.asarray(ys) if all(np.ndim(v) == 0 for v in ys) \
            else np.stack([np.reshape(v, -1) for v in ys])
    if len(y) != len(X):
        raise ValueError("%s has %d labels for %d samples" % (name, len(y), len(X)))
    if n_out > 1:
        if y.ndim == 2 and y.shape[1] == n_out:
            y = np.argmax(y, axis=1)
        return X, check_labels(y, n_out, name + " labels")
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if len(y) != len(X) or not np.all(np.isfinite(y)):
        raise ValueError("%s: targets must be one finite number per sample" % name)
    return X, y



def check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise ValueError("sizes must be a list of layer sizes like [784, 30, 10], got %r"
                         % (sizes,))
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError("sizes needs at least two layers (inputs and outputs), got %r"
                         % (sizes,))
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
            raise ValueError("sizes must be positive integers, got %r" % (sizes,))
    return [int(s) for s in sizes]


def check_choice(value, choices, name):
    if not isinstance(value, str) or value not in choices:
        raise ValueError("%s must be one of %s, got %r" % (name, choices, value))
    return value


def check_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError("dtype must be np.float64 or np.float32, got %r" % (dtype,)) from None
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError("dtype must be np.float64 or np.float32, got %r" % (dtype,))
    return dtype.type


def make_rng(seed):
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError("seed must be None or a non-negative int, got %r" % (seed,))
    return np.random.default_rng(int(seed))


def check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError("%s must be an integer >= %d, got %r" % (name, minimum, value))
    return int(value)


def check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or value <= 0:
        raise ValueError("%s must be a positive finite number, got %r" % (name, value))
    return float(value)


def check_regularisation(lmbda, l1, momentum):
    for value, name in ((lmbda, "lmbda"), (l1, "l1"), (momentum, "momentum")):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
                or value < 0:
            raise ValueError("%s must be a finite number >= 0, got %r" % (name, value))
    if momentum >= 1:
        raise ValueError("momentum must be in [0, 1) (1 never forgets old steps), got %r"
                         % (momentum,))
    return float(lmbda), float(l1), float(momentum)


def check_labels(y, n_out, name):
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
        raise ValueError("%s must be integer class labels (n,), got dtype %s and shape %s"
                         % (name, y.dtype, y.shape))
    if len(y) and (y.min() < 0 or y.max() >= n_out):
        raise ValueError("%s must lie in 0..%d (one per output neuron), found %d..%d"
                         % (name, n_out - 1, y.min(), y.max()))
    return y.astype(np.int64)


def is_array_pair(data):
    return (isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray)
            and data[0].ndim == 2)


def as_list(data, name):
    try:
        data = list(data)
    except TypeError:
        raise ValueError("%s must be a list of (x, y) tuples or a tuple (X, y) of arrays, "
                         "got %s" % (name, type(data).__name__)) from None
    if not data:
        raise ValueError("%s is empty" % name)
    return data


def all_finite(X):
    """No NaN or inf in X: min and max are NaN if any entry is, +-inf if any entry is
    (two fast reductions instead of a boolean array as large as X)."""
    return X.dtype.kind in "iub" or (math.isfinite(X.min()) and math.isfinite(X.max()))


def rows_of_one_array(xs, n_in):
    """(A, rows) if every x is the contiguous row A[rows[i]] of one float array A, else None.

    Lets SGD use the data where they are instead of copying 150 MB (MNIST) per call.  Finding
    ``rows`` means asking every x for its address; the answer for the last list is remembered
    (through weak references, so nothing is kept alive) and reused while the list holds the very
    same array objects, whose addresses cannot have changed."""
    cached = _ROWS_CACHE.get("last")
    if cached is not None and len(cached[0]) == len(xs):
        refs, base_ref, rows = cached
        base = base_ref()
        if base is not None and all(r() is x for r, x in zip(refs, xs)):
            return base.reshape(-1, n_in), rows
    base = getattr(xs[0], "base", None)
    if not (isinstance(base, np.ndarray) and base.dtype in (np.float32, np.float64)
            and base.flags.c_contiguous and base.size % n_in == 0
            and all(getattr(x, "base", None) is base for x in xs)):
        return None
    item = base.itemsize
    if any(s[0] != item for s in {x.strides for x in xs}):  # each x contiguous
        return None
    start = base.__array_interface__["data"][0]
    offsets = np.fromiter((x.__array_interface__["data"][0] for x in xs), dtype=np.int64,
                          count=len(xs)) - start
    A = base.reshape(-1, n_in)
    rows, remainder = np.divmod(offsets, n_in * item)
    if np.any(remainder) or rows.min() < 0 or rows.max() >= len(A):
        return None
    _ROWS_CACHE["last"] = ([weakref.ref(x) for x in xs], weakref.ref(base), rows)
    return A, rows


_ROWS_CACHE = {}


def shapes(items):
    """The set of shapes of a list of arrays (fast path: attribute access, no np.shape calls)."""
    try:
        return {item.shape for item in items}
    except AttributeError:
        return set(map(np.shape, items))


def unzip(data, name):
    """[(x, y), ...] -> ([x, ...], [y, ...]), naming the first item that is not a pair."""
    if not all(isinstance(item, (tuple, list)) and len(item) == 2 for item in data):
        i, item = next((i, item) for i, item in enumerate(data)
                       if not (isinstance(item, (tuple, list)) and len(item) == 2))
        raise ValueError("%s[%d] must be an (x, y) tuple, got %r" % (name, i, type(item)))
    return [item[0] for item in data], [item[1] for item in data]
