"""Locating a phase transition with a classifier: the reusable pieces of notebook 07.

Carrasquilla and Melko ("Machine learning phases of matter", Nature Physics 13, 431 (2017),
arXiv:1605.01735) train a network on Ising snapshots labelled *ordered* (T < T_C) or *disordered*
(T > T_C).  Averaged over the test snapshots at each temperature, the two outputs cross at a
temperature T*(L) that approaches T_C as the lattice grows; a fit T*(L) = T_C + a L^{-1/nu}
extrapolates to the infinite lattice.  Van Nieuwenburg, Liu and Huber ("Learning phase transitions by
confusion", Nature Physics 13, 435 (2017), arXiv:1610.02048) need no labels at all: relabel with a
*trial* critical temperature, train, and record the test accuracy; it is high at both ends of the scan
(one class only) and at the true T_C (labels agree with what the data show), lower in between, so the
accuracy against the trial temperature draws a W whose middle peak marks T_C.

This module holds those steps as small functions so that the notebook only calls and plots them and
the tests can check each one against a known answer:

* :func:`temperature_grid`, :func:`phase_labels`, :func:`ising_phase_data`: the labelled data set;
* :func:`phase_network`, :func:`train_phase_network`: the C&M network (one hidden layer of sigmoid
  units, two outputs) and its training, with random lattice symmetries
  (:func:`isingmc.random_symmetry`) giving fresh, equally probable training lattices every epoch;
* :func:`mean_by_temperature`, :func:`find_crossing`, :func:`crossing_with_error`,
  :func:`resample_within_temperature`: T*(L) and its error;
* :func:`fit_finite_size`: T_C from T*(L) by a weighted linear fit in L^{-1/nu};
* :func:`reduced_temperature`, :func:`scaling_variable`: the data collapse;
* :func:`fit_threshold`: the best one-feature classifier (|m| only, energy only) for comparison;
* :func:`trial_temperatures`, :func:`confusion_scan`, :func:`confusion_peak`,
  :func:`confusion_peak_with_error`: learning by confusion.

Units: J = k_B = 1, so temperatures are in units of J/k_B.  Label 0 means ordered (T < T_c), label 1
disordered (T > T_c), matching output neuron 0 and 1 of the network.  Every random step takes a
``seed``; the same seed gives the same result.
"""

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

__all__ = [
    "T_C", "ORDERED", "DISORDERED",
    "temperature_grid", "phase_labels", "PhaseData", "ising_phase_data",
    "resample_within_temperature",
    "phase_network", "train_phase_network",
    "mean_by_temperature", "find_crossing", "CrossingResult", "crossing_with_error",
    "FiniteSizeFit", "fit_finite_size", "reduced_temperature", "scaling_variable",
    "ThresholdClassifier", "fit_threshold",
    "trial_temperatures", "ConfusionScan", "confusion_scan", "confusion_peak", "PeakResult",
    "confusion_peak_with_error",
]

#: Onsager's critical temperature of the square-lattice Ising model, 2 / ln(1 + sqrt 2) = 2.26918...
T_C = 2.0 / math.log(1.0 + math.sqrt(2.0))
ORDERED = 0
DISORDERED = 1


# ------------------------------------------------------------------------------------------------
# argument checks (clear messages name the argument and what was expected)

def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_real(value, name, positive=False):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _as_1d(values, name, min_size=1):
    """A finite float 1-D array, or a clear error."""
    arr = _as_float_array(values, name, kind="a 1-D array")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} values, got {arr.size}")
    return arr


def _as_float_array(values, name, kind="an array"):
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be {kind} of numbers, got {type(values).__name__}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be {kind} of real numbers") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def _strictly_increasing(arr, name):
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0):
        raise ValueError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)


def _progress(iterable, progress, **kwargs):
    """``progress``: False (no bar), True (``tqdm.auto``) or a tqdm-like class to use instead
    (e.g. the plain-text ``tqdm.tqdm``, whose final state a stored notebook keeps as text)."""
    if not progress:
        return iterable
    if callable(progress):
        return progress(iterable, **kwargs)
    from tqdm.auto import tqdm
    return tqdm(iterable, **kwargs)


# ------------------------------------------------------------------------------------------------
# the labelled data set

def temperature_grid(n=40, T_min=1.0, T_max=3.5, *, center=T_C, width=0.3):
    """``n`` temperatures from ``T_min`` to ``T_max``, dense near ``center``, sparse far from it.

    Why not uniform: the network's output changes over a window of width ~ 1/L around T_C and is
    flat elsewhere, so the temperatures near T_C carry the information about the crossing.  The grid
    is uniform in u with T = center + width * sinh(u): spacing ~ width * du near the centre and
    ~ |T - center| * du far away.  A smaller ``width`` concentrates more points near the centre.
    """
    n = _check_int(n, "n", 2)
    T_min = _check_real(T_min, "T_min", positive=True)
    T_max = _check_real(T_max, "T_max", positive=True)
    if T_max <= T_min:
        raise ValueError(f"T_max must be > T_min, got T_min={T_min}, T_max={T_max}")
    center = _check_real(center, "center")
    width = _check_real(width, "width", positive=True)
    u = np.linspace(np.arcsinh((T_min - center) / width), np.arcsinh((T_max - center) / width), n)
    T = center + width * np.sinh(u)
    T[0], T[-1] = T_min, T_max          # exact end points despite rounding
    return T


def phase_labels(temperatures, T_c=T_C):
    """Labels of the phases: 0 (ordered) where T < T_c, 1 (disordered) where T > T_c.

    A temperature exactly at T_c has no phase to learn and is refused.
    """
    T = _as_float_array(temperatures, "temperatures")
    T_c = _check_real(T_c, "T_c", positive=True)
    if np.any(T == T_c):
        raise ValueError(f"temperatures must not contain T_c = {T_c} itself (its phase is undefined)")
    return np.where(T < T_c, ORDERED, DISORDERED).astype(np.int64)


@dataclass
class PhaseData:
    """Snapshots with their temperature and phase label (one row per snapshot).

    ``spins`` (n, L, L) int8 +-1; ``temperatures`` (n,); ``labels`` (n,) (0 ordered, 1 disordered);
    ``grid`` the distinct temperatures in increasing order; ``info`` what :func:`isingmc.simulate`
    chose per temperature (algorithm, steps between samples, measured tau_int).
    """
    spins: np.ndarray
    temperatures: np.ndarray
    labels: np.ndarray
    grid: np.ndarray
    T_c: float = T_C
    info: list = field(default_factory=list)

    @property
    def L(self):
        return self.spins.shape[-1]

    @property
    def X(self):
        """Network inputs: one row of L*L spins (float32 +-1) per snapshot."""
        return self.spins.reshape(len(self.spins), -1).astype(np.float32)

    def __len__(self):
        return len(self.spins)


def ising_phase_data(L, temperatures, n_per_T, *, seed, T_c=T_C, algorithm="wolff",
                     sweeps_between=None, n_equilibration=None, n_jobs=1, progress=False):
    """Equilibrium snapshots from :func:`isingmc.simulate` at every temperature, labelled by phase.

    Each temperature gets its own Markov chain, seeded by a child of ``numpy.random.SeedSequence(seed)``
    (so a training set and a test set made with different seeds come from independent chains, and the
    result does not depend on ``n_jobs``).  ``algorithm``, ``sweeps_between`` and ``n_equilibration``
    are passed on (``None`` lets ``simulate`` choose the spacing from the measured autocorrelation
    time; ``sweeps_between`` may also be a sequence with one value per temperature, since the
    autocorrelation time peaks at T_C and a single value would either waste steps far from T_C or
    correlate the samples near it).  ``n_jobs`` > 1 runs chains in threads: the Monte Carlo
    kernels release the GIL.
    """
    from isingmc import simulate          # imported here: nnlib does not need isingmc otherwise

    L = _check_int(L, "L", 2)
    grid = _strictly_increasing(_as_1d(temperatures, "temperatures"), "temperatures")
    if np.any(grid <= 0):
        raise ValueError("temperatures must be > 0")
    n_per_T = _check_int(n_per_T, "n_per_T", 1)
    n_jobs = _check_int(n_jobs, "n_jobs", 1)
    if seed is None or isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError("seed must be a non-negative integer (data sets must be reproducible), "
                         f"got {seed!r}")
    phase_labels(grid, T_c)               # refuses T == T_c before any simulation
    spacing = _per_temperature(sweeps_between, grid.size, "sweeps_between")
    children = np.random.SeedSequence(seed).spawn(len(grid))

    def one(k):
        return simulate(L, float(grid[k]), n_per_T, algorithm=algorithm, sweeps_between=spacing[k],
                        n_equilibration=n_equilibration, seed=children[k], return_info=True)

    results = [None] * len(grid)
    bar = _progress(range(len(grid)), progress, desc=f"Monte Carlo L={L}", leave=False)
    if n_jobs == 1:
        for k in bar:
            results[k] = one(k)
    else:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            for k, res in zip(bar, pool.map(one, range(len(grid)))):
                results[k] = res
    spins = np.concatenate([r[0] for r in results])
    T = np.repeat(grid, n_per_T)
    return PhaseData(spins=spins, temperatures=T, labels=phase_labels(T, T_c), grid=grid,
                     T_c=float(T_c), info=[r[1] for r in results])


def _per_temperature(value, n, name):
    """None, one int >= 1, or a sequence of n of them -> a list of n values (None or int)."""
    if value is None or isinstance(value, Integral):
        if value is not None:
            _check_int(value, name, 1)
        return [None if value is None else int(value)] * n
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be None, an integer or a sequence of integers, got {value!r}")
    if len(value) != n:
        raise ValueError(f"{name} must hold one value per temperature ({n}), got {len(value)}")
    return [_check_int(v, f"{name}[{i}]", 1) for i, v in enumerate(value)]


def resample_within_temperature(temperatures, seed=None):
    """Indices of a bootstrap resample: at each temperature, as many samples as there are, drawn
    with replacement from those at that temperature (the temperature grid and counts stay fixed).

    Training each network of an ensemble on its own resample makes the spread of their results
    include the noise of the finite training set, not only the randomness of the training run.
    """
    T = _as_1d(temperatures, "temperatures")
    rng = _rng(seed)
    _, groups = _groups(T)
    idx = np.empty(T.size, np.int64)
    for g in groups:
        idx[g] = g[rng.integers(0, g.size, g.size)]
    return idx


def phase_network(n_in, *, hidden=100, seed=None, dtype=np.float32):
    """The untrained network of :func:`train_phase_network`: ``Network([n_in, hidden, 2])`` with
    sigmoid hidden units, softmax output, cross-entropy cost and scaled initialisation.

    With the same ``seed`` it holds exactly the initial weights that training starts from, so
    ``trained.weights[0] - phase_network(n_in, seed=s).weights[0]`` is what training changed.
    """
    from .network import Network

    n_in = _check_int(n_in, "n_in", 1)
    hidden = _check_int(hidden, "hidden", 1)
    return Network([n_in, hidden, 2], seed=seed, activation="sigmoid", output="softmax",
                   cost="cross-entropy", init="scaled", dtype=dtype)


def train_phase_network(X, labels, *, hidden=100, epochs=10, mini_batch_size=32, eta=0.3,
                        lmbda=0.0, augment=True, seed=None, dtype=np.float32, progress=False):
    """Carrasquilla and Melko's network, trained on ordered (0) / disordered (1) labels.

    One hidden layer of ``hidden`` sigmoid units and two outputs, as in the paper.  Choices (ours):

    * softmax output with the cross-entropy cost: the two outputs sum to one, so they cross where
      each is 1/2, and delta^L = a - y keeps learning even when the outputs saturate;
    * scaled initialisation N(0, 1/n_in): with up to 4096 inputs, N(0, 1) weights would saturate
      every hidden unit from the start;
    * ``augment``: every epoch sees a fresh copy of the training lattices under random symmetries of
      the lattice (:func:`isingmc.random_symmetry`: translations, rotations, reflections, spin flip;
      needs rows of L*L spins), so the network cannot memorise them;
    * a cosine learning-rate schedule, eta_e = eta (1 + cos(pi e / epochs)) / 2 for epoch e: with a
      constant eta the last mini-batches move the decision boundary by a few hundredths in T from
      epoch to epoch; annealing eta lets it settle;
    * float32 arithmetic on the array path of :class:`nnlib.Network`.

    Returns the trained network; ``net.predict(X)[:, 0]`` is its "ordered" output.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    labels = np.asarray(labels)
    if labels.shape != (len(X),):
        raise ValueError(f"labels must have shape ({len(X)},), got {labels.shape}")
    if not np.all((labels == ORDERED) | (labels == DISORDERED)):
        raise ValueError("labels must be 0 (ordered) or 1 (disordered)")
    hidden = _check_int(hidden, "hidden", 1)
    epochs = _check_int(epochs, "epochs", 1)
    eta = _check_real(eta, "eta", positive=True)
    if augment and math.isqrt(X.shape[1]) ** 2 != X.shape[1]:
        raise ValueError(f"augment=True needs rows of L*L spins (a square lattice), got {X.shape[1]} "
                         "features; pass augment=False for other inputs")
    from isingmc import random_symmetry

    net = phase_network(X.shape[1], hidden=hidden, seed=seed, dtype=dtype)
    aug_rng = np.random.default_rng(None if seed is None else [int(seed), 0xA06])
    X = X.astype(dtype, copy=False)
    labels = labels.astype(np.int64)
    for e in _progress(range(epochs), progress, desc="epochs", leave=False):
        eta_e = eta * 0.5 * (1.0 + math.cos(math.pi * e / epochs))
        net.train_epoch(random_symmetry(X, aug_rng) if augment else X, labels, mini_batch_size,
                        eta_e, lmbda=lmbda)
    return net


# ------------------------------------------------------------------------------------------------
# averaged outputs and their crossing

def mean_by_temperature(temperatures, values):
    """Average ``values`` over the samples at each distinct temperature.

    ``values`` has the samples on its first axis, e.g. (n,) or (n, 2) network outputs.
    Returns (T, means) with T the distinct temperatures in increasing order and
    ``means[k]`` the average over the samples at T[k].
    """
    T = _as_1d(temperatures, "temperatures")
    v = _as_float_array(values, "values")
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
    T = _strictly_increasing(_as_1d(T, "T", min_size=2), "T")
    y1 = _as_1d(y1, "y1")
    y2 = np.full_like(y1, 0.5) if y2 is None else _as_1d(y2, "y2")
    if not (y1.size == y2.size == T.size):
        raise ValueError(f"T, y1 and y2 must have the same length, got {T.size}, {y1.size}, {y2.size}")
    d = y1 - y2
    return _crossing_of_difference(T, d[None, :])[0]


def _crossing_of_difference(T, d):
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


def _groups(T):
    grid, inverse = np.unique(T, return_inverse=True)
    return grid, [np.flatnonzero(inverse == k) for k in range(grid.size)]


def crossing_with_error(temperatures, outputs, *, n_boot=200, seed=None):
    """Crossing T* of the two averaged outputs, with an error bar.

    ``outputs``: the network's two outputs per test sample, shape (n_samples, 2), or
    (n_seeds, n_samples, 2) for networks trained with different seeds on the same data (the same
    test samples in the same order).  ``temperatures`` (n_samples,): the temperature of each sample.

    * T*: crossing of the seed-averaged mean outputs (:func:`find_crossing`).
    * bootstrap_error: standard deviation of T* over ``n_boot`` resamplings of the test samples,
      drawn with replacement *within each temperature* (the grid stays fixed): the test-set noise.
    * seed_error: standard deviation of the per-seed crossings divided by sqrt(n_seeds), the error
      of their mean (0 with one seed): the randomness of training (initial weights, order of the
      mini-batches) and, if each network was trained on its own
      :func:`resample_within_temperature` of the training set, the noise of the training set.
      The per-seed networks share the test set, so this spread excludes test noise and the two
      add in quadrature.
    """
    T = _as_1d(temperatures, "temperatures")
    out = _as_float_array(outputs, "outputs")
    if out.ndim == 2:
        out = out[None]
    if out.ndim != 3 or out.shape[-1] != 2 or out.shape[1] != T.size:
        raise ValueError(f"outputs must have shape ({T.size}, 2) or (n_seeds, {T.size}, 2), "
                         f"got {np.shape(outputs)}")
    n_boot = _check_int(n_boot, "n_boot", 2)
    rng = _rng(seed)
    grid, groups = _groups(T)
    if grid.size < 2:
        raise ValueError("temperatures must hold at least 2 distinct values")
    diff = out[..., 0] - out[..., 1]                        # (n_seeds, n)
    mean_diff = diff.mean(axis=0)
    seed_curves = np.stack([diff[:, g].mean(axis=1) for g in groups], axis=1)  # (n_seeds, n_T)
    per_seed = _crossing_of_difference(grid, seed_curves)
    T_star = float(_crossing_of_difference(grid, seed_curves.mean(axis=0)[None])[0])
    boot = np.empty((n_boot, grid.size))
    for k, g in enumerate(groups):
        draw = g[rng.integers(0, g.size, size=(n_boot, g.size))]
        boot[:, k] = mean_diff[draw].mean(axis=1)
    try:
        boot_T = _crossing_of_difference(grid, boot)
    except ValueError:
        # a resampling without a crossing: keep those that have one (rare; only very noisy data)
        rows = []
        for row in boot:
            try:
                rows.append(_crossing_of_difference(grid, row[None])[0])
            except ValueError:
                pass
        if len(rows) < 2:
            raise ValueError("the averaged outputs do not cross in (almost) any bootstrap resample")
        boot_T = np.array(rows)
    bootstrap_error = float(np.std(boot_T, ddof=1))
    n_seeds = out.shape[0]
    seed_error = float(np.std(per_seed, ddof=1) / math.sqrt(n_seeds)) if n_seeds > 1 else 0.0
    mean_outputs = np.stack([out[:, g].mean(axis=(0, 1)) for g in groups])
    return CrossingResult(T_star=T_star, error=math.hypot(bootstrap_error, seed_error),
                          bootstrap_error=bootstrap_error, seed_error=seed_error, per_seed=per_seed,
                          T=grid, mean_outputs=mean_outputs)


# ------------------------------------------------------------------------------------------------
# finite-size extrapolation and data collapse

@dataclass
class FiniteSizeFit:
    """Result of T*(L) = T_c + a L^{-1/nu}: parameters, their errors and the fit quality."""
    T_c: float
    T_c_error: float
    a: float
    a_error: float
    chi2: float
    dof: int
    nu: float
    scaled: bool          # errors multiplied by sqrt(chi2/dof) because chi2/dof > 1

    def __call__(self, L):
        """The fitted T*(L)."""
        return self.T_c + self.a * np.asarray(L, dtype=float) ** (-1.0 / self.nu)

    def __str__(self):
        return f"{self.T_c:.4f} ± {self.T_c_error:.4f}"


def fit_finite_size(L, T_star, errors, *, nu=1.0, scale_errors=True):
    """Weighted least-squares fit of T*(L) = T_c + a L^{-1/nu} (a straight line in x = L^{-1/nu}).

    Why a straight line: near T_C the only length that matters is the correlation length
    xi ~ |T - T_C|^{-nu}; a finite lattice looks critical once xi ~ L, which shifts every finite-size
    "transition temperature" by ~ L^{-1/nu} (nu = 1 for the 2D Ising model).  Weights are
    1 / errors**2.  The parameter errors come from the covariance (A^T W A)^{-1}; when the points
    scatter more than their error bars say (chi2/dof > 1) and ``scale_errors`` is true they are
    multiplied by sqrt(chi2/dof) (the Birge ratio), so an underestimated error bar does not make the
    extrapolation look more precise than it is.  Needs at least two lattice sizes.
    """
    L = _as_1d(L, "L", min_size=2)
    y = _as_1d(T_star, "T_star", min_size=2)
    s = _as_1d(errors, "errors", min_size=2)
    if not (L.size == y.size == s.size):
        raise ValueError("L, T_star and errors must have the same length, "
                         f"got {L.size}, {y.size}, {s.size}")
    if np.any(L <= 0):
        raise ValueError("L must be > 0")
    if np.any(s <= 0):
        raise ValueError("errors must be > 0 (they are the weights 1/error^2 of the fit)")
    nu = _check_real(nu, "nu", positive=True)
    x = L ** (-1.0 / nu)
    if np.unique(x).size < 2:
        raise ValueError("L must hold at least two different lattice sizes")
    A = np.stack([np.ones_like(x), x], axis=1)
    w = 1.0 / s ** 2
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    params = cov @ (A.T @ (w * y))
    chi2 = float(np.sum(w * (y - A @ params) ** 2))
    dof = L.size - 2
    scaled = bool(scale_errors and dof > 0 and chi2 / dof > 1.0)
    if scaled:
        cov = cov * (chi2 / dof)
    return FiniteSizeFit(T_c=float(params[0]), T_c_error=float(math.sqrt(cov[0, 0])),
                         a=float(params[1]), a_error=float(math.sqrt(cov[1, 1])), chi2=chi2,
                         dof=dof, nu=nu, scaled=scaled)


def reduced_temperature(T, T_c=T_C):
    """t = (T - T_c) / T_c."""
    T = _as_float_array(T, "T")
    T_c = _check_real(T_c, "T_c", positive=True)
    return (T - T_c) / T_c


def scaling_variable(T, L, T_c=T_C, nu=1.0):
    """t L^{1/nu}: curves measured on different L collapse onto one when plotted against it.

    Why: near T_C, a finite lattice's observables depend on T and L only through L / xi, and
    xi ~ |t|^{-nu}; so L / xi ~ (|t| L^{1/nu})^nu.
    """
    L = _check_real(L, "L", positive=True)
    nu = _check_real(nu, "nu", positive=True)
    return reduced_temperature(T, T_c) * L ** (1.0 / nu)


# ------------------------------------------------------------------------------------------------
# one-feature classifier (|m| only, energy only)

@dataclass
class ThresholdClassifier:
    """Predicts ``high_label`` where feature > threshold, the other label below."""
    threshold: float
    high_label: int

    def predict(self, values):
        v = _as_float_array(values, "values")
        return np.where(v > self.threshold, self.high_label, 1 - self.high_label).astype(np.int64)

    def accuracy(self, values, labels):
        labels = np.asarray(labels)
        pred = self.predict(values)
        if pred.shape != labels.shape:
            raise ValueError("values and labels must have the same shape, "
                             f"got {pred.shape}, {labels.shape}")
        return float(np.mean(pred == labels))


def fit_threshold(values, labels):
    """The threshold on one feature (e.g. |m| or the energy) that classifies ``labels`` (0/1) best.

    Exact: every split between consecutive distinct values is tried in both orientations, and the
    one with the most correct training samples wins (the threshold sits midway between the two
    values).  For a feature whose distribution shifts monotonically with the phase this is the best
    any classifier restricted to that single number can do, so it is the fair yardstick for asking
    whether the network learned more than |m| or the energy.
    """
    v = _as_1d(values, "values")
    y = np.asarray(labels)
    if y.shape != v.shape:
        raise ValueError(f"labels must have the shape of values {v.shape}, got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 or 1")
    order = np.argsort(v, kind="stable")
    v, y = v[order], y[order].astype(np.int64)
    n = v.size
    ones_below = np.concatenate([[0], np.cumsum(y)])            # ones among the first k values
    k = np.arange(n + 1)
    zeros_below = k - ones_below
    ones_total, zeros_total = ones_below[-1], n - ones_below[-1]
    # high_label = 1: correct = zeros below + ones above; high_label = 0: the reverse
    correct_1 = zeros_below + (ones_total - ones_below)
    correct_0 = ones_below + (zeros_total - zeros_below)
    # a split after position k is only possible between distinct values (or at either end)
    valid = np.ones(n + 1, bool)
    valid[1:n] = v[1:] > v[:-1]
    best1 = np.where(valid, correct_1, -1)
    best0 = np.where(valid, correct_0, -1)
    high_label = 1 if best1.max() >= best0.max() else 0
    kk = int(np.argmax(best1 if high_label == 1 else best0))
    if kk == 0:
        threshold = v[0] - 1.0
    elif kk == n:
        threshold = v[-1]
    else:
        threshold = 0.5 * (v[kk - 1] + v[kk])
    return ThresholdClassifier(threshold=float(threshold), high_label=high_label)


# ------------------------------------------------------------------------------------------------
# learning by confusion

def trial_temperatures(grid):
    """Trial critical temperatures for a confusion scan on data at the temperatures ``grid``.

    Relabelling only changes when the trial value passes a grid temperature, so one trial per gap
    (the midpoints) plus one below and one above the grid (all samples in one class: the trivial
    outer ends of the W, accuracy 1) covers every distinct labelling.
    """
    g = _strictly_increasing(_as_1d(grid, "grid", min_size=2), "grid")
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
                   progress=False):
    """Learning by confusion: relabel with each trial T_c, train, record which test samples are right.

    ``fit_predict(X_train, labels_train, X_test, seed) -> predicted labels of X_test`` trains any
    classifier (a network, or :func:`fit_threshold` for a quick look) on the relabelled training set.
    A trial below or above every training temperature leaves one class only; then there is
    nothing to learn and every test sample gets that class without calling ``fit_predict``.
    """
    T_train = _as_1d(T_train, "T_train")
    T_test = _as_1d(T_test, "T_test")
    trial = _as_1d(trial_T, "trial_T")
    if len(X_train) != T_train.size:
        raise ValueError(f"X_train has {len(X_train)} rows but T_train {T_train.size} values")
    if len(X_test) != T_test.size:
        raise ValueError(f"X_test has {len(X_test)} rows but T_test {T_test.size} values")
    if not callable(fit_predict):
        raise TypeError("fit_predict must be a callable fit_predict(X_train, labels, X_test, seed)")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    correct = np.zeros((len(seeds), trial.size, T_test.size), bool)
    jobs = [(i, j) for j in range(trial.size) for i in range(len(seeds))]
    for i, j in _progress(jobs, progress, desc="confusion scan"):
        if np.any(T_train == trial[j]) or np.any(T_test == trial[j]):
            raise ValueError(f"trial_T[{j}] = {trial[j]} equals a data temperature; use "
                             "trial_temperatures(grid) (midpoints between grid temperatures)")
        y_train = phase_labels(T_train, trial[j])
        y_test = phase_labels(T_test, trial[j])
        if np.all(y_train == y_train[0]):
            pred = np.full(T_test.size, y_train[0])
        else:
            pred = np.asarray(fit_predict(X_train, y_train, X_test, seeds[i]))
            if pred.shape != (T_test.size,):
                raise ValueError(f"fit_predict must return {T_test.size} labels, got shape {pred.shape}")
        correct[i, j] = pred == y_test
    return ConfusionScan(trial_T=trial, correct=correct, test_temperatures=T_test)


def confusion_peak(trial_T, accuracy):
    """Position of the middle peak of the W (the confusion estimate of T_c).

    The middle peak is the point with the largest topographic *prominence* that has a dip on both
    sides.  The prominence of point i (as in topography and ``scipy.signal.peak_prominences``): on
    each side, walk outwards until a strictly higher point (or the end of the scan); the lowest
    accuracy passed is that side's base; the prominence is the height of i above the higher of
    its two bases.  The rising outer arms of the W have no dip on their outer side (prominence 0),
    and a noise bump on an arm is only as prominent as the small dip next to it, while the middle
    peak rises above the two deep dips of the W.  Raises ValueError when no point has a dip on both
    sides (no W).
    """
    x = _strictly_increasing(_as_1d(trial_T, "trial_T", min_size=3), "trial_T")
    a = _as_1d(accuracy, "accuracy")
    if a.size != x.size:
        raise ValueError(f"trial_T and accuracy must have the same length, got {x.size}, {a.size}")
    return float(x[_peak_index(a[None])[0]])


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


def _peak_index(acc):
    """Index of the middle peak of each row of acc (m, n); ValueError if a row has none."""
    out = np.empty(acc.shape[0], np.int64)
    for r, a in enumerate(acc):
        prom = _prominence(a)
        if not np.any(prom > 0):
            raise ValueError("no middle peak: the accuracy has no point with a dip on both sides "
                             "(expected a W shape)")
        best = np.flatnonzero(prom == prom.max())
        out[r] = best[np.argmax(a[best])]          # ties: the higher point, then the first
    return out


@dataclass
class PeakResult:
    """The confusion estimate of T_c.  ``error`` combines in quadrature the bootstrap over test
    samples, the spread over training seeds and the grid resolution (the true T_c can sit
    anywhere in the gap between the two grid temperatures around the peak: gap / sqrt(12))."""
    T_c: float
    error: float
    bootstrap_error: float
    seed_error: float
    resolution: float
    per_seed: np.ndarray

    def __str__(self):
        return f"{self.T_c:.4f} ± {self.error:.4f}"


def confusion_peak_with_error(scan, *, n_boot=200, seed=None):
    """Middle peak of a :class:`ConfusionScan` with its error (see :class:`PeakResult`).

    The bootstrap resamples the test samples with replacement within each temperature and locates
    the peak of the seed-averaged accuracy each time; the seed error is the standard deviation of
    the per-seed peaks over sqrt(n_seeds).
    """
    if not isinstance(scan, ConfusionScan):
        raise TypeError(f"scan must be a ConfusionScan (from confusion_scan), got {type(scan).__name__}")
    n_boot = _check_int(n_boot, "n_boot", 2)
    rng = _rng(seed)
    x = scan.trial_T
    k = _peak_index(scan.accuracy[None])[0]
    T_c = float(x[k])
    per_seed_idx = []
    for acc in scan.accuracy_per_seed:
        try:
            per_seed_idx.append(_peak_index(acc[None])[0])
        except ValueError:
            pass
    per_seed = x[np.array(per_seed_idx, dtype=np.int64)]
    seed_error = float(np.std(per_seed, ddof=1) / math.sqrt(len(per_seed))) if len(per_seed) > 1 else 0.0
    correct = scan.correct.mean(axis=0)                            # (n_trials, n_test)
    _, groups = _groups(scan.test_temperatures)
    sums = np.zeros((n_boot, x.size))
    for g in groups:
        draw = g[rng.integers(0, g.size, size=(n_boot, g.size))]  # (n_boot, g.size)
        sums += correct[:, draw].sum(axis=2).T
    boot_acc = sums / scan.test_temperatures.size
    peaks = []
    for row in boot_acc:
        try:
            peaks.append(x[_peak_index(row[None])[0]])
        except ValueError:
            pass
    bootstrap_error = float(np.std(peaks, ddof=1)) if len(peaks) > 1 else 0.0
    # the true T_c can be anywhere between the two data temperatures that bracket the peak
    T_data = np.unique(scan.test_temperatures)
    below, above = T_data[T_data < T_c], T_data[T_data > T_c]
    gap = (above[0] - below[-1]) if below.size and above.size else 0.0
    resolution = float(gap / math.sqrt(12.0))
    return PeakResult(T_c=T_c, error=float(math.sqrt(bootstrap_error ** 2 + seed_error ** 2
                                                      + resolution ** 2)),
                      bootstrap_error=bootstrap_error, seed_error=seed_error,
                      resolution=resolution, per_seed=per_seed)
