"""The course's data format, and arrays for the fast path.

The course hands a network lists of ``(x, y)`` tuples: ``x`` an input column (n_in, 1), ``y`` the
desired output column (n_out, 1) or an int label.  Fast code wants one matrix with a sample per
row instead.  ``Examples`` is a list of tuples that also carries those matrices (the tuples are
views of their rows), so that training on ``load_data_wrapper``'s 50 000 MNIST tuples does not have
to stack them again; any change to the list (``random.shuffle``, ``append``, ...) drops the
matrices, and they are then stacked anew from the tuples.

The functions here turn either format into checked arrays, with errors that name the argument and
the first bad item.
"""

import math
from numbers import Integral

import numpy as np

from .checks import all_finite, check_labels, check_rows

__all__ = ["Examples", "column", "target_column", "training_arrays", "evaluation_arrays",
           "targets_of", "as_tuples", "course_example"]


def _dropping_arrays(name):
    method = getattr(list, name)

    def changed(self, *args, **kwargs):
        self.arrays = None  # the tuples no longer match the rows of the matrices
        return method(self, *args, **kwargs)
    changed.__name__ = name
    return changed


class Examples(list):
    """A list of ``(x, y)`` tuples carrying ``arrays = (X, Y)``: tuple i is (X[i] as a column,
    Y[i] as a column or an int label).  ``arrays`` becomes None when the list is changed."""

    def __init__(self, X, Y):
        X, Y = np.asarray(X), np.asarray(Y)
        xs = X.reshape(len(X), -1, 1)
        ys = (Y.reshape(len(Y), -1, 1) if Y.ndim == 2 else [int(label) for label in Y])
        super().__init__(zip(xs, ys))
        self.arrays = (X, Y)

    def __getitem__(self, index):
        if isinstance(index, slice) and self.arrays is not None:
            X, Y = self.arrays
            return Examples(X[index], Y[index])
        return list.__getitem__(self, index)


for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert",
              "pop", "remove", "clear", "sort", "reverse"):
    setattr(Examples, _name, _dropping_arrays(_name))
del _name


def column(a, n_in, name):
    """An input column (n_in, 1), a matrix of input columns, or a flat (n_in,) vector."""
    a = np.asarray(a)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2 or a.shape[0] != n_in:
        raise ValueError("%s must have shape (%d, 1) (a column with one entry per input "
                         "neuron), got shape %s" % (name, n_in, np.shape(a)))
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError("%s must hold real numbers, got dtype %s" % (name, a.dtype))
    if not all_finite(a):
        raise ValueError("%s contains NaN or infinite values; expected finite inputs" % name)
    return a


def target_column(y, n_out, dtype=np.float64):
    """A desired-output column (n_out, 1); an int label becomes the one-hot column."""
    if isinstance(y, Integral) and not isinstance(y, bool) and n_out > 1:
        label = check_labels(np.array([y]), n_out, "y")
        return np.eye(n_out, dtype=dtype)[:, label]
    y = np.asarray(y, dtype=float).reshape(-1, 1) if np.ndim(y) <= 1 else np.asarray(y)
    if y.shape != (n_out, 1):
        raise ValueError("y must be a column of shape (%d, 1) or an int label, got shape %s"
                         % (n_out, y.shape))
    return y


def _is_array_pair(data):
    return (isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray)
            and data[0].ndim == 2)


def _as_list(data, name):
    try:
        data = list(data)
    except TypeError:
        raise ValueError("%s must be a list of (x, y) tuples or a tuple (X, y) of arrays, "
                         "got %s" % (name, type(data).__name__)) from None
    if not data:
        raise ValueError("%s is empty" % name)
    bad = next((i for i, item in enumerate(data)
                if not (isinstance(item, (tuple, list)) and len(item) == 2)), None)
    if bad is not None:
        raise ValueError("%s[%d] must be an (x, y) tuple, got %s"
                         % (name, bad, type(data[bad]).__name__))
    return data


def _shapes(items):
    """The set of shapes (attribute access when they are arrays: 50 000 np.shape calls are slow)."""
    try:
        return {item.shape for item in items}
    except AttributeError:
        return {np.shape(item) for item in items}


def _stack_inputs(xs, n_in, name):
    bad = {s for s in _shapes(xs) if len(s) > 2 or math.prod(s) != n_in}
    if bad:
        i = next(i for i, x in enumerate(xs) if np.shape(x) in bad)
        raise ValueError("%s[%d]: input x has shape %s, expected (%d, 1)"
                         % (name, i, np.shape(xs[i]), n_in))
    X = np.concatenate([np.asarray(x).reshape(1, n_in) for x in xs])
    return check_rows(X, n_in, name + " inputs")


def _targets(y, n, n_out, name):
    """Targets (n, n_out) from int labels (one-hot), an (n, n_out) array, or (n,) reals."""
    y = np.asarray(y)
    if len(y) != n:
        raise ValueError("%s has %d entries but there are %d samples" % (name, len(y), n))
    if y.ndim == 1 and n_out > 1:
        Y = np.zeros((n, n_out))
        Y[np.arange(n), check_labels(y, n_out, name)] = 1.0
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


def training_arrays(data, n_in, n_out, name="training_data"):
    """(X, Y): inputs (n, n_in) and targets (n, n_out), from a tuple (X, y) of arrays, an
    ``Examples`` list, or any list of (x, y) tuples."""
    if _is_array_pair(data):
        X = check_rows(data[0], n_in, name + "[0]")
        return X, _targets(data[1], len(X), n_out, name + "[1]")
    if isinstance(data, Examples) and data.arrays is not None:
        X, Y = data.arrays
        X = check_rows(X, n_in, name + " inputs")
        return X, _targets(Y, len(X), n_out, name + " targets")
    data = _as_list(data, name)
    X = _stack_inputs([x for x, _ in data], n_in, name)
    ys = [y for _, y in data]
    if n_out > 1 and all(isinstance(y, Integral) and not isinstance(y, bool) for y in ys):
        return X, _targets(np.asarray(ys, dtype=np.int64), len(ys), n_out, name + " labels")
    if all(isinstance(y, np.ndarray) for y in ys) and _shapes(ys) <= {(n_out, 1), (n_out,)}:
        # the usual: one target column per example
        Y = np.concatenate([y.reshape(1, n_out) for y in ys]).astype(np.float64)
        if not np.issubdtype(Y.dtype, np.number) or not np.all(np.isfinite(Y)):
            raise ValueError("%s targets contain NaN or infinite values (or are not numbers)"
                             % name)
        return X, Y
    Y = np.empty((len(ys), n_out))
    for i, y in enumerate(ys):
        try:
            Y[i] = target_column(y, n_out)[:, 0]
        except ValueError as err:
            raise ValueError("%s[%d]: %s" % (name, i, err)) from None
    if not np.all(np.isfinite(Y)):
        raise ValueError("%s targets contain NaN or infinite values" % name)
    return X, Y


def evaluation_arrays(data, n_in, n_out, name="test_data"):
    """(X, labels) for measuring accuracy: int labels (several outputs; one-hot rows are
    turned into labels) or one real target per sample (one output)."""
    if _is_array_pair(data):
        X, y = check_rows(data[0], n_in, name + "[0]"), np.asarray(data[1])
    elif isinstance(data, Examples) and data.arrays is not None:
        X, y = check_rows(data.arrays[0], n_in, name + " inputs"), np.asarray(data.arrays[1])
    else:
        data = _as_list(data, name)
        X = _stack_inputs([x for x, _ in data], n_in, name)
        ys = [y for _, y in data]
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


def targets_of(labels, n_out):
    """The targets (n, n_out) that ``evaluation_arrays``' labels stand for: one-hot rows of int
    labels, or (one output) each sample's real target as a column."""
    labels = np.asarray(labels)
    return labels.reshape(-1, 1) if n_out == 1 else np.eye(n_out)[labels]


def as_tuples(data, X, Y, n_in, n_out):
    """The course's list of (x, y) column tuples for ``update_mini_batch``: the list given when it
    already is one (every x an array (n_in, 1), every y an array (n_out, 1)), so that a student's
    own ``backprop`` sees exactly the tuples it was given; otherwise (arrays, flat inputs, int
    labels) the rows of ``X`` and ``Y``, the arrays ``training_arrays`` checked, as such columns."""
    if isinstance(data, list) and all(type(x) is np.ndarray and type(y) is np.ndarray
                                      for x, y in data):
        if _shapes([x for x, _ in data]) == {(n_in, 1)} and \
                _shapes([y for _, y in data]) == {(n_out, 1)}:
            return data
    return Examples(X, Y)


def course_example(x, y, n_in, n_out, dtype=np.float64):
    """(x, y) for ``backprop``: an input column (n_in, 1) and a target column (n_out, 1) pass as
    they are (``SGD`` hands over nothing else, and checked its data once, at its start); a direct
    call's flat input or int label is checked here and made the course's column."""
    if type(x) is np.ndarray and type(y) is np.ndarray and x.shape == (n_in, 1) \
            and y.shape == (n_out, 1):
        return x, y
    return column(x, n_in, "x"), target_column(y, n_out, dtype)
