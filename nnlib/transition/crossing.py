"""Where two curves cross, with an error bar.

Carrasquilla and Melko ("Machine learning phases of matter", Nature Physics 13, 431 (2017),
arXiv:1605.01735) average a classifier's two outputs over the test samples at each temperature; the
averages cross at a temperature T*(L) that approaches the critical temperature as the lattice grows,
and a fit T*(L) = T_c + a L^{-1/nu} extrapolates to the infinite lattice
(:func:`nnlib.transition.scaling.fit_finite_size`).  Everything here takes plain arrays:

* :func:`mean_by_temperature`: average over the samples at each temperature;
* :func:`find_crossing`, :func:`crossing_with_error`: T* and its error (bootstrap over test samples
  within each temperature, spread over training seeds);
"""

import math
from dataclasses import dataclass

import numpy as np

from ._arrays import as_1d, as_float_array, groups, strictly_increasing
from ..core.checks import check_int, make_rng

__all__ = ["mean_by_temperature", "find_crossing", "CrossingResult", "crossing_with_error"]


def mean_by_temperature(temperatures, values):
    """Average ``values`` over the samples at each distinct temperature.

    ``values`` has the samples on its first axis, e.g. (n,) or (n, 2) network outputs.
    Returns (T, means) with T the distinct temperatures in increasing order and
    ``means[k]`` the average over the samples at T[k].
    """
    T = as_1d(temperatures, "temperatures")
    v = as_float_array(values, "values")
    if v.ndim == 0 or v.shape[0] != T.size:
        raise ValueError(f"values must have the samples on the first axis ({T.size} of them), "
                         f"got shape {v.shape}")
    grid, inverse = np.unique(T, return_inverse=True)
    counts = np.bincount(inverse)
    sums = np.zeros((grid.size,) + v.shape[1:])
    np.add.at(sums, inverse, v)
    return grid, sums / counts.reshape((-1,) + (1,) * (v.ndim - 1))


def find_crossing(T, y1, y2=None):
    """The temperature where the curves y1(T) and y2(T) cross (y2 = None: where y1 crosses 1/2).

    The curves are known at the points T (strictly increasing).  Noise can make the difference
    d = y1 - y2 change sign more than once, so the crossing is the *split* of the points into a
    left part with one sign and a right part with the other that puts the fewest points on the
    wrong side (either orientation); ties between equally good splits are averaged.  Inside the
    chosen interval the crossing is found by linear interpolation of d.  Curves that never cross
    raise ValueError.
    """
    T = strictly_increasing(as_1d(T, "T", min_size=2), "T")
    y1 = as_1d(y1, "y1")
    y2 = np.full_like(y1, 0.5) if y2 is None else as_1d(y2, "y2")
    if not (y1.size == y2.size == T.size):
        raise ValueError(f"T, y1 and y2 must have the same length, got {T.size}, {y1.size}, {y2.size}")
    return float(crossing_of_difference(T, (y1 - y2)[None, :])[0])


def crossing_of_difference(T, d):
    """Vectorised core of :func:`find_crossing` for rows d (m, n) of differences; returns (m,)."""
    pos = (d > 0).astype(np.int64)
    neg = (d < 0).astype(np.int64)
    n = d.shape[1]
    # cost of splitting after point k (k = 0 .. n-2), for "positive left, negative right" (a) and
    # the reverse (b): the number of points on the wrong side.
    left_neg = np.cumsum(neg, axis=1)[:, :-1]
    left_pos = np.cumsum(pos, axis=1)[:, :-1]
    right_pos = pos.sum(axis=1, keepdims=True) - left_pos
    right_neg = neg.sum(axis=1, keepdims=True) - left_neg
    cost_a = left_neg + right_pos
    cost_b = left_pos + right_neg
    dk, dk1 = d[:, :-1], d[:, 1:]
    # only intervals where d really changes sign (or touches zero) can hold the crossing
    change = (dk * dk1 < 0) | (dk == 0) | (dk1 == 0)
    big = n + 1
    cost = np.where(change, np.minimum(cost_a, cost_b), big)
    best = cost.min(axis=1)
    out = np.empty(d.shape[0])
    for i in range(d.shape[0]):
        if best[i] >= big:
            raise ValueError("the curves do not cross within the temperature range "
                             f"[{T[0]:.6g}, {T[-1]:.6g}]")
        ks = np.flatnonzero(cost[i] == best[i])
        a, b = dk[i, ks], dk1[i, ks]
        denom = a - b
        frac = np.where(denom != 0, a / np.where(denom != 0, denom, 1.0), 0.5)
        out[i] = float(np.mean(T[ks] + frac * (T[ks + 1] - T[ks])))
    return out


def crossings_of_rows(T, d):
    """:func:`crossing_of_difference` for each row, dropping rows without a crossing (a rare bootstrap
    resample of very noisy data); ValueError if fewer than two rows cross."""
    try:
        return crossing_of_difference(T, d)
    except ValueError:
        rows = []
        for row in d:
            try:
                rows.append(crossing_of_difference(T, row[None])[0])
            except ValueError:
                pass
        if len(rows) < 2:
            raise ValueError("the curves do not cross in (almost) any bootstrap resample") from None
        return np.array(rows)


@dataclass
class CrossingResult:
    """T* with its error: ``error`` combines the bootstrap over test samples and the spread over
    training seeds in quadrature (``error**2 = bootstrap_error**2 + seed_error**2``)."""
    T_star: float
    error: float
    bootstrap_error: float
    seed_error: float
    per_seed: np.ndarray
    T: np.ndarray              # the distinct temperatures
    mean_outputs: np.ndarray   # (n_T, 2) seed-averaged mean outputs at each temperature

    def __str__(self):
        return f"{self.T_star:.4f} ± {self.error:.4f}"


def crossing_with_error(temperatures, outputs, *, n_boot=200, seed=None):
    """Crossing T* of the two averaged outputs, with an error bar.

    ``outputs``: a classifier's two outputs per test sample, shape (n_samples, 2), or
    (n_seeds, n_samples, 2) for networks trained with different seeds on the same data (the same
    test samples in the same order).  ``temperatures`` (n_samples,): the temperature of each sample.

    * T*: crossing of the seed-averaged mean outputs (:func:`find_crossing`).
    * bootstrap_error: standard deviation of T* over ``n_boot`` resamplings of the test samples,
      drawn with replacement *within each temperature* (the grid stays fixed): the test-set noise.
    * seed_error: standard deviation of the per-seed crossings divided by sqrt(n_seeds), the error
      of their mean (0 with one seed): the randomness of training (initial weights, order of the
      mini-batches) and, if each network was trained on its own
      :func:`nnlib.transition.phases.resample_within_temperature` of the training set, the noise of the
      training set.  The per-seed networks share the test set, so this spread excludes test noise
      and the two add in quadrature.
    """
    T = as_1d(temperatures, "temperatures")
    out = as_float_array(outputs, "outputs")
    if out.ndim == 2:
        out = out[None]
    if out.ndim != 3 or out.shape[-1] != 2 or out.shape[1] != T.size:
        raise ValueError(f"outputs must have shape ({T.size}, 2) or (n_seeds, {T.size}, 2), "
                         f"got {np.shape(outputs)}")
    n_boot = check_int(n_boot, "n_boot", 2)
    rng = make_rng(seed)
    grid, members = groups(T)
    if grid.size < 2:
        raise ValueError("temperatures must hold at least 2 distinct values")
    diff = out[..., 0] - out[..., 1]                        # (n_seeds, n)
    mean_diff = diff.mean(axis=0)
    seed_curves = np.stack([diff[:, g].mean(axis=1) for g in members], axis=1)  # (n_seeds, n_T)
    per_seed = crossing_of_difference(grid, seed_curves)
    T_star = float(crossing_of_difference(grid, seed_curves.mean(axis=0)[None])[0])
    boot = np.empty((n_boot, grid.size))
    for k, g in enumerate(members):
        draw = g[rng.integers(0, g.size, size=(n_boot, g.size))]
        boot[:, k] = mean_diff[draw].mean(axis=1)
    bootstrap_error = float(np.std(crossings_of_rows(grid, boot), ddof=1))
    n_seeds = out.shape[0]
    seed_error = float(np.std(per_seed, ddof=1) / math.sqrt(n_seeds)) if n_seeds > 1 else 0.0
    mean_outputs = np.stack([out[:, g].mean(axis=(0, 1)) for g in members])
    return CrossingResult(T_star=T_star, error=math.hypot(bootstrap_error, seed_error),
                          bootstrap_error=bootstrap_error, seed_error=seed_error, per_seed=per_seed,
                          T=grid, mean_outputs=mean_outputs)
