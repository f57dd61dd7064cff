"""Snapshots in the critical window of each lattice size, measured as they are made (notebook 08).

Finite-size scaling needs, for every L, temperatures where the lattice is neither ordered nor
disordered: within a few times L^{-1/nu} of T_C (the width of the window over which a finite
lattice's observables change; nu = 1 here sets only *where* we look, every analysis fits nu).  The
analysis needs per snapshot only a few numbers (the total energy for histogram reweighting, the
magnetisation and, e.g., a network's outputs), so the snapshots need not be kept: at L = 128 the
28 000 snapshots of a study would take 460 MB as int8, the numbers a few hundred kB.

* :func:`critical_temperatures`: T = T_C (1 + x / L) for scaling variables x, staggered per size;
* :func:`sample_critical_window`: independent Wolff chains, one per temperature; every snapshot is
  reduced at once to its energy, magnetisation and whatever ``observe(spins)`` returns
  (:class:`WindowSamples`).

``observe`` is any function of a batch of lattices (n, L, L) int8 returning an array with the
samples on the last axis, e.g. the outputs of trained networks: isingmc needs to know nothing about
them.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .checks import check_count, check_L, check_seed, check_temperatures
from .exact import T_C
from .observables import energy_per_site, magnetization_per_site
from .phase_data import _progress, sweeps_between_for_grid
from .simulate import plan_chain

__all__ = ["DEFAULT_X", "critical_temperatures", "WindowSamples", "sample_critical_window"]

#: Scaling variables x = t L of the default temperatures: 14 points, 0.5 apart (before staggering).
DEFAULT_X = tuple(np.round(np.arange(-3.25, 3.26, 0.5), 2))
_GOLDEN = (5 ** 0.5 - 1) / 2


def critical_temperatures(L, x=DEFAULT_X, *, stagger=True):
    """Temperatures T_C (1 + (x + shift) / L) (increasing x gives increasing T).

    Why scaled with L: the window in which an L x L lattice changes from ordered to disordered
    narrows like L^{-1/nu} = 1/L, so a fixed set of x gives every size the same number of points
    inside its window.  Why ``stagger``: with the same x for every size, the points of all sizes
    would sit at exactly the same scaling variable when a collapse tries T_c = T_C and nu = 1,
    and a collapse measure that compares neighbouring points (no interpolation error where
    points coincide) would be drawn to precisely the values used to place them.  So each size's
    x are shifted by its own fraction of their spacing, shift = spacing (frac(L phi) - 1/2) / 2
    (phi the golden ratio: different for every L, spread evenly).  Refuses T <= 0 and a T that
    lands exactly on T_C (no phase).
    """
    L = check_L(L, lattice=False)
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a 1-D array of at least 2 finite numbers, got {x!r}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    if stagger:
        x = x + 0.5 * float(np.min(np.diff(x))) * ((L * _GOLDEN) % 1.0 - 0.5)
    if np.any(x == 0):
        raise ValueError("x must not contain 0 (T exactly at T_C has no phase)")
    T = T_C * (1.0 + x / L)
    if np.any(T <= 0):
        raise ValueError(f"x = {x.min():g} gives T <= 0 at L = {L}")
    return T


@dataclass
class WindowSamples:
    """Per snapshot: ``temperatures``, total ``energies`` E = N * energy_per_site (integers,
    J = 1), ``magnetisation`` per site (signed) and ``observed`` (what ``observe`` returned,
    samples on the last axis; None without ``observe``).  ``sweeps_between`` the Wolff steps
    between snapshots; ``seconds`` {'probe', 'chains'}: wall time of the autocorrelation probe
    and of the chains (with the observation)."""
    L: int
    temperatures: np.ndarray
    energies: np.ndarray
    magnetisation: np.ndarray
    observed: np.ndarray = None
    sweeps_between: int = 0
    seconds: dict = field(default_factory=dict)


def sample_critical_window(L, temperatures, n_per_T, *, seed, observe=None, sweeps_between=None,
                           n_equilibration=100, chunk=500, n_jobs=1, progress=False):
    """``n_per_T`` snapshots per temperature from independent Wolff chains, reduced at once.

    Each temperature gets its own chain seeded by a child of ``numpy.random.SeedSequence(seed)``
    (results do not depend on ``n_jobs``; ``n_jobs`` > 1 runs chains in threads: the kernels and a
    numba network release the GIL).  ``sweeps_between=None``: one probe of the autocorrelation
    times on this lattice next to T_C (:func:`isingmc.phase_data.sweeps_between_for_grid`, where
    tau is largest), and that spacing, about 2 tau_int, for every chain.  Every chain starts
    ordered and discards ``n_equilibration`` steps after Wolff's calibration, as
    :func:`isingmc.simulate` does.  Snapshots are made and observed ``chunk`` at a time (the chain
    continues between chunks), so memory stays at chunk * L^2 bytes per chain.
    """
    L = check_L(L, "wolff")
    grid = check_temperatures(temperatures, increasing=True)
    n_per_T = check_count(n_per_T, "n_per_T")
    seed = check_seed(seed, allow_none=False)
    chunk = check_count(chunk, "chunk")
    n_jobs = check_count(n_jobs, "n_jobs")
    n_equilibration = check_count(n_equilibration, "n_equilibration", 0)
    if observe is not None and not callable(observe):
        raise TypeError(f"observe must be None or a callable observe(spins) -> array, got {observe!r}")
    t0 = time.perf_counter()
    if sweeps_between is None:
        if not grid.min() < T_C < grid.max():
            raise ValueError("temperatures must lie on both sides of T_C to probe the spacing; "
                             "pass sweeps_between")
        window = 2.0 * float(np.max(np.abs(grid - T_C)))      # every temperature counts as critical
        sweeps_between = sweeps_between_for_grid(L, grid, window=window, seed=seed).critical
    sweeps_between = check_count(sweeps_between, "sweeps_between")
    probe_seconds = time.perf_counter() - t0
    children = np.random.SeedSequence(seed).spawn(grid.size)

    def one(k):
        plan, chain = plan_chain(L, float(grid[k]), "wolff", children[k], sweeps_between,
                                 n_equilibration)
        parts = []
        for start in range(0, n_per_T, chunk):
            n = min(chunk, n_per_T - start)
            spins, _, _ = chain.run(n, plan.sweeps_between, store=True, global_flip=True)
            obs = None if observe is None else np.asarray(observe(spins), dtype=float)
            if obs is not None and (obs.ndim == 0 or obs.shape[-1] != n):
                raise ValueError(f"observe must return the samples on the last axis ({n}), got "
                                 f"shape {obs.shape}")
            parts.append((np.rint(energy_per_site(spins) * L * L), magnetization_per_site(spins), obs))
        return parts

    bar = _progress(range(grid.size), progress, desc=f"Monte Carlo L={L}", leave=False)
    t1 = time.perf_counter()
    if n_jobs == 1:
        results = [one(k) for k in bar]
    else:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            results = [r for _, r in zip(bar, pool.map(one, range(grid.size)))]
    flat = [p for parts in results for p in parts]
    observed = None if observe is None else np.concatenate([p[2] for p in flat], axis=-1)
    return WindowSamples(L=L, temperatures=np.repeat(grid, n_per_T),
                         energies=np.concatenate([p[0] for p in flat]),
                         magnetisation=np.concatenate([p[1] for p in flat]), observed=observed,
                         sweeps_between=sweeps_between,
                         seconds={"probe": probe_seconds, "chains": time.perf_counter() - t1})
