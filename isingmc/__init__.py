"""isingmc: Monte Carlo of the 2D Ising model (J = k_B = 1, periodic L x L lattice, spins int8 +-1).

    import isingmc
    spins = isingmc.simulate(28, 2.3, 100, seed=0)      # 100 independent snapshots, (100, 28, 28) int8
    isingmc.energy_per_site(spins).mean()               # close to isingmc.exact.energy_per_site(2.3, L=28)

``simulate`` (Wolff, Swendsen-Wang or checkerboard Metropolis, numba), observables, the integrated
autocorrelation time, exact results (``isingmc.exact``: Onsager, Kaufman, enumeration) and the course's
data set (``generate_dataset``, ``save_dataset``, ``python -m isingmc generate``), and the labelled
snapshots on a temperature grid of the phase-transition study (``labelled_snapshots``, ``temperature_grid``).
"""
from ._version import __version__  # noqa: F401

from . import exact
from .autocorr import autocorrelation_time
from .dataset import generate_dataset, save_dataset
from .exact import T_C
from .observables import energy_per_site, magnetization_per_site
from .phase_data import DISORDERED, ORDERED, PhaseData, labelled_snapshots, phase_labels, temperature_grid
from .simulate import ALGORITHMS, simulate
from .symmetry import random_symmetry

__all__ = [
    "ALGORITHMS",
    "DISORDERED",
    "ORDERED",
    "PhaseData",
    "T_C",
    "autocorrelation_time",
    "energy_per_site",
    "exact",
    "generate_dataset",
    "labelled_snapshots",
    "magnetization_per_site",
    "phase_labels",
    "random_symmetry",
    "save_dataset",
    "simulate",
    "temperature_grid",
]
