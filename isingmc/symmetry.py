"""Symmetries of the periodic Ising lattice, for data augmentation.

The energy E = -sum_<ij> s_i s_j of the periodic L x L lattice is unchanged by every translation
(L^2 of them), the eight rotations and reflections of the square, and flipping all spins: 16 L^2
symmetries, 12 544 for L = 28.  A configuration and its image under any of them are equally probable
at every temperature, so they carry the same label.  A fully connected network does not know this;
showing it random images of the training data (``random_symmetry``) teaches it, and is a cheap way to
multiply the training set.
"""

import numpy as np

from .observables import check_spins

__all__ = ["random_symmetry"]


def random_symmetry(spins, rng=None, *, seed=None):
    """Apply an independent random lattice symmetry to each configuration of a batch.

    ``spins``: a batch of shape (n, L, L) or flattened (n, L*L), any numeric dtype holding +-1
    (floats from ``nnlib.data.load_arrays`` are fine); the result has the same shape and dtype.
    Each configuration gets a random translation, one of the 8 rotations/reflections of the square and
    a global spin flip with probability 1/2.  ``rng`` (a ``numpy.random.Generator``) or ``seed`` makes
    it reproducible.
    """
    spins = np.asarray(spins)
    flat = spins.ndim == 2
    if flat:
        L = int(round(np.sqrt(spins.shape[1])))
        if spins.shape[0] == 0 or L * L != spins.shape[1]:
            raise ValueError(f"spins must have shape (n, L*L) or (n, L, L); got {spins.shape}")
        lattice = spins.reshape(-1, L, L)
    elif spins.ndim == 3:
        lattice = spins
    else:
        raise ValueError(f"spins must be a batch of shape (n, L, L) or (n, L*L); got shape {spins.shape}")
    check_spins(lattice, "spins")
    if rng is None:
        rng = np.random.default_rng(seed)
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n, L, _ = lattice.shape
    # translation: out[k, i, j] = s[k, (i + dy) % L, (j + dx) % L]
    dy, dx = rng.integers(0, L, n), rng.integers(0, L, n)
    rows = (np.arange(L)[None, :, None] + dy[:, None, None]) % L
    cols = (np.arange(L)[None, None, :] + dx[:, None, None]) % L
    out = lattice[np.arange(n)[:, None, None], rows, cols]
    # the dihedral group of the square: transpose or not, then rotate by 0, 90, 180 or 270 degrees
    transpose = rng.random(n) < 0.5
    out[transpose] = out[transpose].transpose(0, 2, 1)
    quarter_turns = rng.integers(0, 4, n)
    for k in (1, 2, 3):
        sel = quarter_turns == k
        out[sel] = np.rot90(out[sel], k, axes=(1, 2))
    # global spin flip
    out[rng.random(n) < 0.5] *= -1
    return out.reshape(spins.shape)
