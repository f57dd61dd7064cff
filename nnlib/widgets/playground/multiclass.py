"""Data sets with three or more classes, in the style of the playground's own.

The original has only two classes (issue #68 of its tracker asks for softmax); these sets follow
``nnlib.studies.toydata``'s conventions: 500 points on the square [-6, 6]^2, ``noise`` a fraction in
[0, 0.5], everything drawn from a numpy generator seeded by ``seed``.  Labels are the class
indices 0, 1, ..., k-1.

- ``blobs-3``: three Gaussian blobs at 120 degrees on a circle of radius 3; noise widens them
  (variance 0.5 to 4, as the two blobs of 'gauss').
- ``spiral-3``: three interleaved spiral arms (the 'spiral' of the original, one arm more).
- ``quadrants-4``: one class per quadrant, the four-class 'xor'.
- ``rings-3``: a disc and two rings around it.

For 'quadrants-4' and 'rings-3' the label is decided at a randomly shifted copy of the point, as
'xor' and 'circle' do: noise mixes the classes near their borders without moving the points.
"""

import numpy as np

from ...core.checks import check_choice, check_int, check_real, make_rng

__all__ = ["DATASETS", "CLASS_COLOURS", "N_CLASSES", "make_dataset"]

DATASETS = ("blobs-3", "spiral-3", "quadrants-4", "rings-3")
N_CLASSES = {"blobs-3": 3, "spiral-3": 3, "quadrants-4": 4, "rings-3": 3}
#: One colour per class, the first two the original's (orange -1, blue +1).
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#17becf")


def _counts(n, k):
    """n points in k classes of (nearly) equal size."""
    return [n // k + (c < n % k) for c in range(k)]


def _blobs(n, noise, rng):
    sd = np.sqrt(0.5 + (4.0 - 0.5) * noise / 0.5)
    parts = []
    for c, m in enumerate(_counts(n, 3)):
        angle = np.pi / 2 + 2 * np.pi * c / 3
        centre = 3.0 * np.array([np.cos(angle), np.sin(angle)])
        parts.append(rng.normal(centre, sd, (m, 2)))
    return np.concatenate(parts), np.repeat(np.arange(3), _counts(n, 3))


def _spiral(n, noise, rng):
    parts = []
    for c, m in enumerate(_counts(n, 3)):
        i = np.arange(m)
        r = i / m * 5.0
        t = 1.25 * i / m * 2 * np.pi + 2 * np.pi * c / 3
        jitter = rng.uniform(-1.0, 1.0, (m, 2)) * noise
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) + jitter)
    return np.concatenate(parts), np.repeat(np.arange(3), _counts(n, 3))


def _quadrants(n, noise, rng):
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    noisy = X + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    # counter-clockwise from the upper right: (+, +) 0, (-, +) 1, (-, -) 2, (+, -) 3
    right, up = noisy[:, 0] >= 0, noisy[:, 1] >= 0
    y = np.where(up, np.where(right, 0, 1), np.where(right, 3, 2))
    return X, y


def _rings(n, noise, rng):
    bands = ((0.0, 1.6), (2.2, 3.4), (4.0, 5.2))
    r = np.concatenate([rng.uniform(lo, hi, m) for (lo, hi), m in zip(bands, _counts(n, 3))])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    radius = np.hypot(*(X + rng.uniform(-5.0, 5.0, (n, 2)) * noise).T)
    return X, np.digitize(radius, [1.9, 3.7])


_GENERATORS = {"blobs-3": _blobs, "spiral-3": _spiral, "quadrants-4": _quadrants,
               "rings-3": _rings}


def make_dataset(name, n=500, noise=0.0, seed=None):
    """(X, y): points (n, 2) and class labels (n,) in 0..k-1 of the multi-class set ``name``."""
    check_choice(name, DATASETS, "name")
    n = check_int(n, "n", minimum=N_CLASSES[name])
    noise = check_real(noise, "noise", 0.0, 0.5)
    X, y = _GENERATORS[name](n, noise, make_rng(seed))
    return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
