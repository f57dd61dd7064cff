"""Symmetries of the periodic Ising lattice, for data augmentation.

The energy E = -sum_<ij> s_i s_j of the periodic L x L lattice is unchanged by every translation
(L^2 of them), the eight rotations and reflections of the square, and flipping all spins: 16 L^2
symmetries, 12 544 for L = 28.  A configuration and its image under any of them are equally probable
at every temperature, so they carry the same label.  A fully connected network does not know this;
showing it random images of the training data (``random_symmetry``) teaches it, and is a cheap way to
multiply the training set.
"""

import numba
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
    if not isinstance(rng, (np.random.Generator, type(None))):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    check_spins(lattice[:1], "spins")  # dtype and shape; the values are checked while copying
    if rng is None:
        rng = np.random.default_rng(seed)
    n, L, _ = lattice.shape
    dy, dx = rng.integers(0, L, n), rng.integers(0, L, n)  # translation
    transpose = rng.random(n) < 0.5                          # the dihedral group of the square:
    quarter_turns = rng.integers(0, 4, n)                    # transpose or not, then 0-3 turns
    flip = rng.random(n) < 0.5                               # global spin flip
    out = np.empty_like(lattice)
    if not _apply_symmetries(lattice, dy, dx, transpose, quarter_turns, flip, out):
        raise ValueError("spins must contain only the values +1 and -1")
    return out.reshape(spins.shape)


@numba.njit(cache=True, nogil=True)
def _apply_symmetries(s, dy, dx, transpose, quarter_turns, flip, out):
    """out[k] = the image of s[k] under its symmetry; False if a value is not +-1.

    Output site (i, j) reads input site (r, c) = ((p + dy) % L, (q + dx) % L), where (p, q) is
    (i, j) moved back through k quarter turns (numpy's rot90) and the optional transpose; both
    are affine in (i, j) with coefficients 0 or +-1, so r and c step by a constant along a row."""
    n, L, _ = s.shape
    for k in range(n):
        sign = -1 if flip[k] else 1
        t = quarter_turns[k]
        # (p, q) = (pi * i + pj * j + p0, qi * i + qj * j + q0)
        if t == 0:
            pi, pj, p0, qi, qj, q0 = 1, 0, 0, 0, 1, 0
        elif t == 1:
            pi, pj, p0, qi, qj, q0 = 0, 1, 0, -1, 0, L - 1
        elif t == 2:
            pi, pj, p0, qi, qj, q0 = -1, 0, L - 1, 0, -1, L - 1
        else:
            pi, pj, p0, qi, qj, q0 = 0, -1, L - 1, 1, 0, 0
        if transpose[k]:
            pi, pj, p0, qi, qj, q0 = qi, qj, q0, pi, pj, p0
        for i in range(L):
            r = (pi * i + p0 + dy[k]) % L
            c = (qi * i + q0 + dx[k]) % L
            for j in range(L):
                v = s[k, r, c]
                if v != 1 and v != -1:
                    return False
                out[k, i, j] = sign * v
                r += pj
                c += qj
                if r == L:
                    r = 0
                elif r < 0:
                    r = L - 1
                if c == L:
                    c = 0
                elif c < 0:
                    c = L - 1
    return True
