"""Labelled Ising snapshots on a temperature grid: the data of the phase-transition study (notebook 07).

Carrasquilla and Melko ("Machine learning phases of matter", Nature Physics 13, 431 (2017)) train a
network on snapshots labelled *ordered* (T < T_C) or *disordered* (T > T_C) at many temperatures
around Onsager's T_C; the unsupervised methods (principal components, learning by confusion) use the
same snapshots without the labels.  This module makes that data set:

* :func:`temperature_grid`: temperatures dense near T_C (``isingmc.exact.T_C``), sparse far from it;
* :func:`phase_labels`: 0 (ordered) below T_C, 1 (disordered) above;
* :func:`labelled_snapshots`: independent Markov chains (:func:`isingmc.simulate`), one per
  temperature, returning a :class:`PhaseData` (spins, temperature and label of every snapshot);
* :func:`sweeps_between_for_grid`: the spacing between snapshots for every temperature of a grid,
  from the autocorrelation times measured once on the largest lattice (:class:`SpacingProbe`).

The analysis of such data (crossings, finite-size fits, confusion scans, principal components) lives in
``nnlib``, which takes plain arrays and knows nothing about the Ising model.
"""

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .exact import T_C
from .checks import (check_count, check_L, check_memory, check_real, check_seed, check_T,
                     check_temperatures)
from .simulate import simulate

__all__ = ["ORDERED", "DISORDERED", "temperature_grid", "phase_labels", "PhaseData",
           "labelled_snapshots", "SpacingProbe", "sweeps_between_for_grid"]

#: Label of the ordered phase (T < T_C), output neuron 0 of the phase networks.
ORDERED = 0
#: Label of the disordered phase (T > T_C), output neuron 1.
DISORDERED = 1


def temperature_grid(n=40, T_min=1.0, T_max=3.5, *, center=T_C, width=0.3):
    """``n`` temperatures from ``T_min`` to ``T_max``, dense near ``center`` (Onsager's T_C), sparse
    far from it.

    Why not uniform: a classifier's output changes over a window of width ~ 1/L around T_C and is
    flat elsewhere, so the temperatures near T_C carry the information about the transition.  The
    grid is uniform in u with T = center + width * sinh(u): spacing ~ width * du near the centre and
    ~ |T - center| * du far away.  A smaller ``width`` concentrates more points near the centre.
    (Centring on the known T_C is a choice of the supervised study; a blind study would pass its own
    ``center``, e.g. the peak of a first coarse scan.)
    """
    n = check_count(n, "n", minimum=2)
    T_min = check_real(T_min, "T_min", positive=True)
    T_max = check_real(T_max, "T_max", positive=True)
    if T_max <= T_min:
        raise ValueError(f"T_max must be > T_min, got T_min={T_min}, T_max={T_max}")
    center = check_real(center, "center")
    width = check_real(width, "width", positive=True)
    u = np.linspace(np.arcsinh((T_min - center) / width), np.arcsinh((T_max - center) / width), n)
    T = center + width * np.sinh(u)
    T[0], T[-1] = T_min, T_max          # exact end points despite rounding
    return T


def phase_labels(temperatures, T_c=T_C):
    """0 (``ORDERED``) where T < T_c, 1 (``DISORDERED``) where T > T_c.

    A temperature exactly at T_c has no phase to learn and is refused.
    """
    T = check_temperatures(np.atleast_1d(temperatures))
    T_c = check_real(T_c, "T_c", positive=True)
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


def _per_temperature(value, n, name):
    """None, one int >= 1, or a sequence of n of them -> a list of n values (None or int)."""
    if value is None or isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return [None if value is None else check_count(value, name)] * n
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be None, an integer or a sequence of integers, got {value!r}")
    if len(value) != n:
        raise ValueError(f"{name} must hold one value per temperature ({n}), got {len(value)}")
    return [check_count(v, f"{name}[{i}]") for i, v in enumerate(value)]


def _progress(iterable, progress, **kwargs):
    """``progress``: False, True (``tqdm.auto``) or a tqdm-like class (e.g. plain-text ``tqdm.tqdm``)."""
    if not progress:
        return iterable
    if callable(progress):
        return progress(iterable, **kwargs)
    from tqdm.auto import tqdm
    return tqdm(iterable, **kwargs)


def labelled_snapshots(L, temperatures, n_per_T, *, seed, T_c=T_C, algorithm="wolff",
                       sweeps_between=None, n_equilibration=None, n_jobs=1, progress=False):
    """``n_per_T`` equilibrium snapshots from :func:`isingmc.simulate` at every temperature, labelled
    by phase (:func:`phase_labels` with ``T_c``, Onsager's by default).

    Each temperature gets its own Markov chain, seeded by a child of ``numpy.random.SeedSequence(seed)``
    (so a training set and a test set made with different seeds come from independent chains, and the
    result does not depend on ``n_jobs``).  ``algorithm``, ``sweeps_between`` and ``n_equilibration``
    are passed on (``None`` lets ``simulate`` choose the spacing from the measured autocorrelation
    time; ``sweeps_between`` may also be a sequence with one value per temperature, since the
    autocorrelation time peaks at T_C and a single value would either waste steps far from T_C or
    correlate the samples near it).  ``n_jobs`` > 1 runs chains in threads: the Monte Carlo kernels
    release the GIL.
    """
    L = check_L(L, algorithm)
    grid = check_temperatures(temperatures, increasing=True)
    n_per_T = check_count(n_per_T, "n_per_T")
    check_memory(grid.size * n_per_T * (L * L + 16), f"n_per_T={n_per_T}",
                 f"{grid.size * n_per_T} snapshots of {L} x {L} spins")
    n_jobs = check_count(n_jobs, "n_jobs")
    seed = check_seed(seed, allow_none=False)
    T_c = check_T(T_c, "T_c")
    phase_labels(grid, T_c)               # refuses T == T_c before any simulation
    spacing = _per_temperature(sweeps_between, grid.size, "sweeps_between")
    children = np.random.SeedSequence(int(seed)).spawn(len(grid))

    def one(k):
        return simulate(L, float(grid[k]), n_per_T, algorithm=algorithm, sweeps_between=spacing[k],
                        n_equilibration=n_equilibration, seed=children[k], return_info=True)

    bar = _progress(range(len(grid)), progress, desc=f"Monte Carlo L={L}", leave=False)
    if n_jobs == 1:
        results = [one(k) for k in bar]
    else:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            results = [res for _, res in zip(bar, pool.map(one, range(len(grid))))]
    spins = np.concatenate([r[0] for r in results])
    T = np.repeat(grid, n_per_T)
    return PhaseData(spins=spins, temperatures=T, labels=phase_labels(T, T_c), grid=grid,
                     T_c=T_c, info=[r[1] for r in results])


@dataclass
class SpacingProbe:
    """What :func:`sweeps_between_for_grid` measured and chose.

    ``temperatures`` the probed grid temperatures (the two next to T_c, then the two nearest
    T_c - window and T_c + window); ``tau_abs_m``, ``tau_energy`` their integrated autocorrelation
    times in steps of the algorithm; ``critical`` / ``outside`` the steps between snapshots for
    |T - T_c| < window and elsewhere; ``sweeps_between`` one spacing per grid temperature, ready for
    :func:`labelled_snapshots`.
    """
    L: int
    window: float
    temperatures: np.ndarray
    tau_abs_m: np.ndarray
    tau_energy: np.ndarray
    critical: int
    outside: int
    sweeps_between: list


def sweeps_between_for_grid(L, temperatures, *, T_c=T_C, window=0.35, seed=7, algorithm="wolff",
                            factor=2.0, minimum=2):
    """Steps between snapshots for every temperature of a grid, from one probe on lattice ``L``.

    Why: left alone (``sweeps_between=None``), :func:`isingmc.simulate` runs a pilot of thousands of
    steps for *every* chain to measure tau_int; for a study with dozens of temperatures, several
    sizes and separate training and test chains those pilots cost more than the snapshots.  The
    autocorrelation time is largest on the largest lattice and next to T_c (critical slowing down),
    so one probe there bounds it for every chain.  Four pilot chains (seeded with ``seed``) measure
    tau_int of |m| and of the energy: at the grid temperatures just below and just above ``T_c``,
    and at those nearest ``T_c - window`` and ``T_c + window``.  Temperatures with
    |T - T_c| < ``window`` get ``max(minimum, ceil(factor * tau))`` steps with tau the larger time
    measured next to T_c; the others the same with the larger time measured at the window's edges.
    With ``factor = 2`` successive snapshots are correlated by at most about e^-2 in the slowest
    observable.  Pass ``L`` = the largest lattice of the study.
    """
    L = check_L(L, algorithm)
    grid = check_temperatures(temperatures, increasing=True)
    T_c = check_T(T_c, "T_c")
    window = check_real(window, "window", positive=True)
    factor = check_real(factor, "factor", positive=True)
    minimum = check_count(minimum, "minimum")
    seed = check_seed(seed, allow_none=False)
    below, above = grid[grid < T_c], grid[grid > T_c]
    if below.size == 0 or above.size == 0:
        raise ValueError(f"temperatures must hold grid points on both sides of T_c = {T_c:.5g}, "
                         f"got {grid.min():.5g} .. {grid.max():.5g}")
    probe_T = np.array([below.max(), above.min(), grid[np.argmin(np.abs(grid - (T_c - window)))],
                        grid[np.argmin(np.abs(grid - (T_c + window)))]])
    tau_m, tau_e = np.empty(4), np.empty(4)
    for k, T in enumerate(probe_T):
        _, info = simulate(L, float(T), 1, algorithm=algorithm, seed=seed, return_info=True)
        tau_m[k], tau_e[k] = info["tau_abs_m"], info["tau_energy"]
    tau = np.maximum(tau_m, tau_e)
    critical = max(minimum, math.ceil(factor * tau[:2].max()))
    outside = max(minimum, math.ceil(factor * tau[2:].max()))
    spacing = [critical if abs(T - T_c) < window else outside for T in grid]
    return SpacingProbe(L=L, window=window, temperatures=probe_T, tau_abs_m=tau_m, tau_energy=tau_e,
                        critical=critical, outside=outside, sweeps_between=spacing)
