"""The data the hidden inputs are drawn from, and the seed that draws them.

Inputs are made in the instructor's process, once per grading run and course seed, from the course's
data files (``data/mnist.pkl.gz``, ``data/mcIsing.pkl.gz``) and from fresh Monte Carlo runs; the
sandboxes receive only the public part, as .npz files (see exercises/).
"""

import functools
import zlib

import numpy as np


class Course:
    """Where the hidden inputs come from: ``seed`` (the course's, never shown to students) and the data."""

    def __init__(self, seed, data_dir=None):
        self.seed = int(seed)
        self.data_dir = data_dir

    def rng(self, name):
        """A generator for one exercise, independent of every other exercise's."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def _path(self, name):
        from nnlib.data import DATA_DIR

        return (self.data_dir or DATA_DIR) / name

    @functools.cache
    def mnist(self):
        from nnlib.data import load_arrays

        return load_arrays(self._path("mnist.pkl.gz"))

    @functools.cache
    def ising(self):
        from nnlib.data import load_arrays

        return load_arrays(self._path("mcIsing.pkl.gz"))

    @functools.cache
    def phase_snapshots(self, L, n_per_T, stream):
        """Labelled snapshots (X, labels, temperatures) of an L x L lattice on the course's 40-point grid,
        from chains seeded by the course seed (``stream`` keeps training and test chains apart)."""
        import isingmc

        grid = isingmc.temperature_grid(40, 1.0, 3.5)
        data = isingmc.labelled_snapshots(L, grid, n_per_T, seed=self.seed * 1000 + stream,
                                          n_equilibration=100, n_jobs=2)
        return data.X.astype(np.float32), data.labels.astype(np.int64), data.temperatures.astype(np.float64)
