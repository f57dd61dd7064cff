"""The toy data sets of TensorFlow Playground (playground.tensorflow.org), with the same generators.

Why the same generators: exercise 11.1 of the course sends students to the TensorFlow Playground.
Reproducing its data (radius 5, the same noise model, the same label rules, 500 points for
classification and 1200 for regression on the square [-6, 6]^2) means that what students see in
our playground (`nnlib.widgets.playground`) can be compared one to one with the web original.

Conventions copied from the original ``dataset.ts``:

* ``noise`` is a fraction in [0, 0.5] (the web slider shows it in percent, 0-50).
* Classification labels are +1 / -1 (the original's tanh output is compared against them).
* For 'circle', 'xor', 'reg-plane' and 'reg-gauss' the *label* is computed at a randomly shifted
  copy of the point (shift uniform in [-r, r]^2 times ``noise``, r = 5 or 6) while the point itself
  is not moved: noise flips labels near the boundary instead of blurring the point cloud.
  For 'spiral' the point itself is shifted (uniform in [-1, 1]^2 times ``noise``), and for 'gauss'
  the noise widens the two Gaussians (variance from 0.5 at noise 0 to 4 at noise 0.5).
* The points of 'circle', 'xor' and 'spiral' lie inside [-6, 6]^2; the two Gaussian blobs of
  'gauss' are not clipped (as in the original), so at high noise a few points fall outside the
  plotted square.

Only the random number generator differs (numpy's PCG64 seeded by ``seed`` instead of the
browser's ``Math.random``), so the same statistics, not the same points, are reproduced.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.checks import check_memory

__all__ = [
    "CLASSIFICATION_DATASETS",
    "REGRESSION_DATASETS",
    "DATASETS",
    "DEFAULT_SIZES",
    "FEATURES",
    "make_dataset",
    "features",
    "split",
]

#: Classification data sets (labels +-1), in the order of the original's thumbnails.
CLASSIFICATION_DATASETS = ("circle", "xor", "gauss", "spiral")
#: Regression data sets (real labels in [-1, 1]).
REGRESSION_DATASETS = ("reg-plane", "reg-gauss")
DATASETS = CLASSIFICATION_DATASETS + REGRESSION_DATASETS
#: Number of points the original generates (NUM_SAMPLES_CLASSIFY / NUM_SAMPLES_REGRESS).
DEFAULT_SIZES = {**{name: 500 for name in CLASSIFICATION_DATASETS},
                 **{name: 1200 for name in REGRESSION_DATASETS}}
#: The seven input features of the original, in its order.
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)")

_RADIUS = 5.0          # radius of the classification data (circle, spiral)
_REG_RADIUS = 6.0      # half-width of the regression square
_XOR_PADDING = 0.3     # gap the original leaves around the axes in 'xor'
# The six Gaussian bumps of 'reg-gauss': (centre x, centre y, sign).
_REG_GAUSSIANS = np.array([[-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
                           [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0]])


def _check_name(name):
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"name must be one of {DATASETS}, got {name!r}")


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number in [0, 0.5], got {type(noise).__name__}")
    noise = float(noise)
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be in [0, 0.5] (a fraction, not percent), got {noise}")
    return noise


def _check_n(n, name):
    if n is None:
        return DEFAULT_SIZES[name]
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be a positive int or None, got {type(n).__name__}")
    if n < 2:
        raise ValueError(f"n must be at least 2 (one point per class), got {n}")
    check_memory(8 * 4 * int(n), "n", f"{n} points (x, y and label, float64)")
    return int(n)


def _halves(n):
    """Sizes of the positive and negative halves; equal to the original's n/2 for even n."""
    first = (n + 1) // 2
    return first, n - first


def _circle(n, noise, rng):
    n_pos, n_neg = _halves(n)
    # Positive points inside radius 2.5, negative ones in the ring 3.5 < r < 5 (the original's
    # r * 0.5 and 0.7 r ... r); the label is decided by the (noisy) distance to the centre.
    r = np.concatenate([rng.uniform(0.0, _RADIUS * 0.5, n_pos),
                        rng.uniform(_RADIUS * 0.7, _RADIUS, n_neg)])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shift = rng.uniform(-_RADIUS, _RADIUS, (n, 2)) * noise
    y = np.where(np.hypot(*(X + shift).T) < _RADIUS * 0.5, 1.0, -1.0)
    return X, y


def _xor(n, noise, rng):
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, _XOR_PADDING, -_XOR_PADDING)
    shift = rng.uniform(-5.0, 5.0, (n, 2)) * noise
    noisy = X + shift
    y = np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1.0, -1.0)
    return X, y


def _gauss(n, noise, rng):
    n_pos, n_neg = _halves(n)
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5     # the original's linear scale [0, .5] -> [.5, 4]
    sd = np.sqrt(variance)
    X = np.concatenate([rng.normal(2.0, sd, (n_pos, 2)), rng.normal(-2.0, sd, (n_neg, 2))])
    y = np.concatenate([np.ones(n_pos), -np.ones(n_neg)])
    return X, y


def _spiral(n, noise, rng):
    n_pos, n_neg = _halves(n)
    parts_X, parts_y = [], []
    # Each arm: radius grows linearly to 5 while the angle turns 1.75 times around; the second arm
    # is the first rotated by pi.  The original uses n/2 for the step of both arms.
    half = n / 2.0
    for count, delta_t, label in ((n_pos, 0.0, 1.0), (n_neg, np.pi, -1.0)):
        i = np.arange(count)
        r = i / half * _RADIUS
        t = 1.75 * i / half * 2.0 * np.pi + delta_t
        jitter = rng.uniform(-1.0, 1.0, (count, 2)) * noise
        parts_X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) + jitter)
        parts_y.append(np.full(count, label))
    return np.concatenate(parts_X), np.concatenate(parts_y)


def _reg_plane(n, noise, rng):
    X = rng.uniform(-_REG_RADIUS, _REG_RADIUS, (n, 2))
    shift = rng.uniform(-_REG_RADIUS, _REG_RADIUS, (n, 2)) * noise
    noisy = X + shift
    # The original maps x + y from [-10, 10] linearly to [-1, 1] (not clamped).
    y = (noisy[:, 0] + noisy[:, 1]) / 10.0
    return X, y


def _reg_gauss_label(P):
    """Label of 'reg-gauss' at points P (m, 2): the signed bump that is largest in absolute value.

    Each bump is sign * clamp(1 - d / 2, 0, 1) with d the distance to its centre; on ties the
    first bump in the original's order wins (it only replaces on a strictly larger value).
    """
    d = np.hypot(P[:, None, 0] - _REG_GAUSSIANS[None, :, 0], P[:, None, 1] - _REG_GAUSSIANS[None, :, 1])
    height = np.clip(1.0 - d / 2.0, 0.0, 1.0)
    best = np.argmax(height, axis=1)
    return _REG_GAUSSIANS[best, 2] * height[np.arange(len(P)), best] + 0.0   # + 0.0: no -0.0


def _reg_gauss(n, noise, rng):
    X = rng.uniform(-_REG_RADIUS, _REG_RADIUS, (n, 2))
    shift = rng.uniform(-_REG_RADIUS, _REG_RADIUS, (n, 2)) * noise
    return X, _reg_gauss_label(X + shift)


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
               "reg-plane": _reg_plane, "reg-gauss": _reg_gauss}


def make_dataset(name, n=None, noise=0.0, seed=None):
    """Generate one of the playground's data sets.

    Parameters
    ----------
    name : {'circle', 'xor', 'gauss', 'spiral', 'reg-plane', 'reg-gauss'}
    n : int or None
        Number of points; None gives the original's 500 (classification) or 1200 (regression).
    noise : float in [0, 0.5]
        The original's noise level as a fraction (its slider's percent / 100).
    seed : int, numpy Generator or None
        Seeds numpy's generator; the same seed gives the same points.

    Returns
    -------
    X : ndarray (n, 2) float64
        The points (x1, x2).
    y : ndarray (n,) float64
        +1 / -1 for the classification sets, a real number in [-1, 1] for the regression sets.
        Classification points come ordered (positive half first), as in the original, which
        shuffles only when splitting into training and test data (see :func:`split`).
    """
    _check_name(name)
    n = _check_n(n, name)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[name](n, noise, rng)
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64)


_FEATURE_FUNCS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


def features(X, names):
    """The network inputs computed from the points: one column per name, in the order given.

    ``names`` is a sequence from :data:`FEATURES` ('x1', 'x2', 'x1^2', 'x2^2', 'x1x2', 'sin(x1)',
    'sin(x2)'), as the seven input toggles of the original.  Products and squares are not
    rescaled, exactly as in the original (x1^2 reaches 36 on the plotted square).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) (columns x1, x2), got {X.shape}")
    if isinstance(names, str):
        raise TypeError("names must be a sequence of feature names, e.g. ['x1', 'x2'], not a string")
    names = list(names)
    if not names:
        raise ValueError(f"names must contain at least one of {FEATURES}")
    unknown = [nm for nm in names if nm not in _FEATURE_FUNCS]
    if unknown:
        raise ValueError(f"unknown feature name(s) {unknown}; expected names from {FEATURES}")
    x1, x2 = X[:, 0], X[:, 1]
    out = np.empty((X.shape[0], len(names)), dtype=np.float64)
    for k, nm in enumerate(names):
        out[:, k] = _FEATURE_FUNCS[nm](x1, x2)
    return out


def split(X, y, train_fraction=0.5, seed=None):
    """Shuffle and split into training and test data, as the original does after generating.

    The first ``floor(n * train_fraction)`` shuffled points are the training data.

    Returns
    -------
    X_train, y_train, X_test, y_test
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.ndim < 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {X.shape} and {y.shape}")
    if isinstance(train_fraction, bool) or not isinstance(train_fraction, numbers.Real):
        raise TypeError(f"train_fraction must be a real number in (0, 1), got {type(train_fraction).__name__}")
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1) (the original allows 0.1 ... 0.9), got {train_fraction}")
    n = X.shape[0]
    n_train = int(np.floor(n * train_fraction))
    if n_train < 1 or n_train >= n:
        raise ValueError(f"train_fraction={train_fraction} leaves an empty training or test set for n={n}")
    order = np.random.default_rng(seed).permutation(n)
    tr, te = order[:n_train], order[n_train:]
    return X[tr], y[tr], X[te], y[te]
