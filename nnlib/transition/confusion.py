"""Learning by confusion: a transition temperature without labels.

Van Nieuwenburg, Liu and Huber ("Learning phase transitions by confusion", Nature Physics 13, 435
(2017), arXiv:1610.02048): relabel the samples with a *trial* critical temperature T_c' (0 below,
1 above), train a classifier, and record its test accuracy.  At both ends of the scan every sample has
the same label (accuracy 1); at the true transition the labels agree with what the data show (high
accuracy again); in between they contradict the data.  The accuracy against T_c' draws a W, and its
middle peak marks the transition.

* :func:`trial_temperatures`: one trial per gap of the temperature grid, plus one beyond each end;
* :func:`confusion_scan`: train with every trial (any classifier, through a
  ``fit_predict`` function) and keep which test samples came out right;
* :func:`confusion_peak`, :func:`confusion_peak_with_error`: the middle peak, refined between the
  trial temperatures by a parabola through its top, with a bootstrap and seed error.

Everything takes plain arrays; no temperature is special to this module.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._arrays import as_1d, groups, strictly_increasing
from ..core.checks import check_int, make_rng
from .phases import map_in_threads, phase_labels

__all__ = ["trial_temperatures", "ConfusionScan", "confusion_scan", "confusion_peak",
           "PeakResult", "confusion_peak_with_error"]


def trial_temperatures(grid):
    """Trial critical temperatures for a confusion scan on data at the temperatures ``grid``.

    Relabelling only changes when the trial value passes a grid temperature, so one trial per gap
    (the midpoints) plus one below and one above the grid (all samples in one class: the trivial
    outer ends of the W, accuracy 1) covers every distinct labelling.
    """
    g = strictly_increasing(as_1d(grid, "grid", min_size=2), "grid")
    mid = 0.5 * (g[1:] + g[:-1])
    return np.concatenate([[g[0] - 0.5 * (g[1] - g[0])], mid, [g[-1] + 0.5 * (g[-1] - g[-2])]])


@dataclass
class ConfusionScan:
    """Test accuracy against the trial critical temperature.

    ``correct`` (n_seeds, n_trials, n_test) bool: whether each test sample was classified as its
    trial label; ``accuracy`` (n_trials,) its mean over seeds and samples.
    """
    trial_T: np.ndarray
    correct: np.ndarray
    test_temperatures: np.ndarray

    @property
    def accuracy(self):
        return self.correct.mean(axis=(0, 2))

    @property
    def accuracy_per_seed(self):
        return self.correct.mean(axis=2)


def confusion_scan(X_train, T_train, X_test, T_test, trial_T, fit_predict, *, seeds=(0,),
                   progress=False, n_jobs=1):
    """Learning by confusion: relabel with each trial T_c, train, record which test samples are right.

    ``fit_predict(X_train, labels_train, X_test, seed) -> predicted labels of X_test`` trains any
    classifier (a network, or :func:`nnlib.transition.phases.fit_threshold` for a quick look) on the
    relabelled training set.  A trial below or above every training temperature leaves one class
    only; then there is nothing to learn and every test sample gets that class without calling
    ``fit_predict``.  With several ``seeds`` every trial is trained once per seed (the spread
    between them is the randomness of training).  ``n_jobs`` trainings run at a time in threads
    (:func:`nnlib.transition.phases.map_in_threads`; the same results as one at a time).
    """
    T_train = as_1d(T_train, "T_train")
    T_test = as_1d(T_test, "T_test")
    trial = as_1d(trial_T, "trial_T")
    if len(X_train) != T_train.size:
        raise ValueError(f"X_train has {len(X_train)} rows but T_train {T_train.size} values")
    if len(X_test) != T_test.size:
        raise ValueError(f"X_test has {len(X_test)} rows but T_test {T_test.size} values")
    if not callable(fit_predict):
        raise TypeError("fit_predict must be a callable fit_predict(X_train, labels, X_test, seed)")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    for j, t in enumerate(trial):
        if np.any(T_train == t) or np.any(T_test == t):
            raise ValueError(f"trial_T[{j}] = {t} equals a data temperature; use "
                             "trial_temperatures(grid) (midpoints between grid temperatures)")
    n_jobs = check_int(n_jobs, "n_jobs", minimum=1)

    def right(job):
        """Which test samples one training (seed i, trial j) gets right."""
        i, j = job
        y_train = phase_labels(T_train, trial[j])
        y_test = phase_labels(T_test, trial[j])
        if np.all(y_train == y_train[0]):
            pred = np.full(T_test.size, y_train[0])
        else:
            pred = np.asarray(fit_predict(X_train, y_train, X_test, seeds[i]))
            if pred.shape != (T_test.size,):
                raise ValueError(f"fit_predict must return {T_test.size} labels, got shape {pred.shape}")
        return pred == y_test
    jobs = [(i, j) for j in range(trial.size) for i in range(len(seeds))]
    correct = np.zeros((len(seeds), trial.size, T_test.size), bool)
    for (i, j), ok in zip(jobs, map_in_threads(right, jobs, n_jobs, progress=progress,
                                               desc="confusion scan")):
        correct[i, j] = ok
    return ConfusionScan(trial_T=trial, correct=correct, test_temperatures=T_test)


def _prominence(a):
    """Topographic prominence of every point of the 1-D array a (0 at the two ends)."""
    n = a.size
    prom = np.zeros(n)
    for i in range(1, n - 1):
        higher = np.flatnonzero(a[:i] > a[i])
        left_base = a[(higher[-1] if higher.size else 0):i].min()
        higher = np.flatnonzero(a[i + 1:] > a[i])
        right_base = a[i + 1:(i + 1 + higher[0] + 1) if higher.size else n].min()
        prom[i] = max(0.0, a[i] - max(left_base, right_base))
    return prom


def _peak_index(a):
    """Index of the middle peak of the 1-D accuracy a; ValueError if it has none."""
    prom = _prominence(a)
    if not np.any(prom > 0):
        raise ValueError("no middle peak: the accuracy has no point with a dip on both sides "
                         "(expected a W shape)")
    best = np.flatnonzero(prom == prom.max())
    return int(best[np.argmax(a[best])])          # ties: the higher point, then the first


def _vertex(x, a, k, half_width):
    """Vertex of the least-squares parabola through the points k - half_width .. k + half_width,
    kept inside their range; x[k] when they do not bend downwards."""
    lo, hi = max(0, k - half_width), min(x.size, k + half_width + 1)
    if hi - lo < 3:
        return float(x[k])
    xs = x[lo:hi] - x[k]
    c2, c1, _ = np.polyfit(xs, a[lo:hi], 2)
    if c2 >= 0:
        return float(x[k])
    return float(x[k] + np.clip(-c1 / (2 * c2), xs[0], xs[-1]))


def confusion_peak(trial_T, accuracy, *, half_width=2):
    """Position of the middle peak of the W (the confusion estimate of T_c).

    The middle peak is the point with the largest topographic *prominence* that has a dip on both
    sides.  The prominence of point i (as in topography and ``scipy.signal.peak_prominences``): on
    each side, walk outwards until a strictly higher point (or the end of the scan); the lowest
    accuracy passed is that side's base; the prominence is the height of i above the higher of
    its two bases.  The rising outer arms of the W have no dip on their outer side (prominence 0),
    and a noise bump on an arm is only as prominent as the small dip next to it, while the middle
    peak rises above the two deep dips of the W.

    Then, between the trial temperatures: the vertex of the parabola fitted by least squares to
    the peak and its ``half_width`` neighbours on each side.  Why: the middle peak is broad and flat
    on top, so which trial happens to score highest is decided by noise; the parabola uses the
    shape of the whole top, moves continuously with the data and is not tied to the grid.
    ``half_width=0`` returns the best trial itself.  Raises ValueError when no point has a dip on
    both sides (no W).
    """
    x = strictly_increasing(as_1d(trial_T, "trial_T", min_size=3), "trial_T")
    a = as_1d(accuracy, "accuracy")
    if a.size != x.size:
        raise ValueError(f"trial_T and accuracy must have the same length, got {x.size}, {a.size}")
    half_width = check_int(half_width, "half_width", minimum=0)
    return _vertex(x, a, _peak_index(a), half_width)


@dataclass
class PeakResult:
    """The confusion estimate of T_c.  ``error`` combines in quadrature the bootstrap over test
    samples, the spread over training seeds and, for ``half_width=0`` (the best trial itself), the
    grid resolution (the peak can sit anywhere in the gap between the two data temperatures around
    the best trial: gap / sqrt(12)); the parabola is not tied to the grid and has no such term."""
    T_c: float
    error: float
    bootstrap_error: float
    seed_error: float
    resolution: float
    per_seed: np.ndarray

    def __str__(self):
        return f"{self.T_c:.4f} ± {self.error:.4f}"


def _peaks_of_rows(x, rows, half_width):
    """confusion_peak of each row of accuracies; rows without a W are skipped."""
    out = []
    for a in rows:
        try:
            out.append(_vertex(x, a, _peak_index(a), half_width))
        except ValueError:
            pass
    return np.array(out)


def confusion_peak_with_error(scan, *, half_width=2, n_boot=200, seed=None):
    """Middle peak of a :class:`ConfusionScan` (:func:`confusion_peak`) with its error.

    The bootstrap resamples the test samples with replacement within each temperature and
    locates the peak of the seed-averaged accuracy each time (the noise of the test set); the
    seed error is the standard deviation of the per-seed peaks over sqrt(n_seeds) (the randomness
    of training; 0 with one seed).
    """
    if not isinstance(scan, ConfusionScan):
        raise TypeError(f"scan must be a ConfusionScan (from confusion_scan), got {type(scan).__name__}")
    n_boot = check_int(n_boot, "n_boot", minimum=2)
    half_width = check_int(half_width, "half_width", minimum=0)
    rng = make_rng(seed)
    x = scan.trial_T
    T_c = confusion_peak(x, scan.accuracy, half_width=half_width)
    per_seed = _peaks_of_rows(x, scan.accuracy_per_seed, half_width)
    seed_error = (float(np.std(per_seed, ddof=1) / math.sqrt(per_seed.size))
                  if per_seed.size > 1 else 0.0)
    correct = scan.correct.mean(axis=0)                            # (n_trials, n_test)
    _, members = groups(scan.test_temperatures)
    sums = np.zeros((n_boot, x.size))
    for g in members:
        draw = g[rng.integers(0, g.size, size=(n_boot, g.size))]  # (n_boot, g.size)
        sums += correct[:, draw].sum(axis=2).T
    peaks = _peaks_of_rows(x, sums / scan.test_temperatures.size, half_width)
    bootstrap_error = float(np.std(peaks, ddof=1)) if peaks.size > 1 else 0.0
    resolution = 0.0
    if half_width == 0:
        T_data = np.unique(scan.test_temperatures)
        below, above = T_data[T_data < T_c], T_data[T_data > T_c]
        gap = (above[0] - below[-1]) if below.size and above.size else 0.0
        resolution = float(gap / math.sqrt(12.0))
    return PeakResult(T_c=T_c, error=math.sqrt(bootstrap_error ** 2 + seed_error ** 2
                                               + resolution ** 2),
                      bootstrap_error=bootstrap_error, seed_error=seed_error,
                      resolution=resolution, per_seed=per_seed)
