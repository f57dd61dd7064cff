"""Numba kernels of the Ising model (internal; use :func:`isingmc.simulate`).

Conventions (J = k_B = 1, periodic L x L lattice, spins int8 +-1):
``E = -sum_i s_i (s_right(i) + s_down(i))``, i.e. every nearest-neighbour bond counted once (for L = 2
the right and left neighbour are the same site, so that pair is joined by two bonds, exactly as in
Kaufman's formula and in the enumeration of :mod:`isingmc.exact`).

This module holds the checkerboard Metropolis kernels.  The cluster algorithms (Wolff,
Swendsen-Wang) are in ``_cluster_kernels`` and the counter-based random numbers (SplitMix64 as a
counter-based generator, one 64-bit counter per chain) in ``_rng``; their public kernels are
imported here, so that ``_kernels`` stays the one module :mod:`isingmc.simulate` calls.

Acceptance tests compare the upper 32 bits of a random number with integer thresholds
``floor(p * 2**32)``, precomputed once per temperature, so no floating point or ``exp`` is evaluated
in the inner loops.  Every kernel is compiled with ``cache=True`` (compilation costs seconds; the
cache makes it a one-off) and ``nogil=True`` (independent chains run in parallel Python threads).
"""

import numpy as np
from numba import njit, uint32, uint64

from ._cluster_kernels import (lattice_energy_magnetization, neighbour_table, sw_run,
                               wolff_calibrate, wolff_run)
from ._rng import _ONE, _S32, _S63, _TWO32, _rand, random_uint64

__all__ = ["random_uint64", "checker_width", "to_checker", "from_checker", "metropolis_sweeps",
           "metropolis_run", "lattice_energy_magnetization", "neighbour_table", "wolff_calibrate",
           "wolff_run", "sw_run"]

# Width of the vector loop of the Metropolis kernel: each row of a sublattice is padded to a multiple
# of this many sites (the padding holds junk that is never read back), so that LLVM's vectorised loop,
# not its scalar remainder loop, does the work even for small L such as 28.
_PAD = 16


# ----------------------------------------------------------------------------------------------
# checkerboard Metropolis
#
# The lattice is kept as two sublattices, black (i + j even) and white (i + j odd), each an array of
# shape (L, Mp + 2) with M = L // 2 real sites per row in columns 1..M, a ghost column on each side
# (column 0 mirrors column M, column M + 1 mirrors column 1) and padding up to Mp.  Site (i, k) of
# the black array is spin (i, 2k + i % 2); of the white array spin (i, 2k + 1 - i % 2).  A black site's
# four neighbours are then white sites (i - 1, k), (i + 1, k), (i, k) and (i, k - 1 + 2 (i % 2)):
# contiguous rows, no modulo in the inner loop.  The same holds for white sites with the parity of
# the row shifted by one.  On a torus this colouring needs even L.


def checker_width(L):
    """Padded row width Mp of a sublattice array."""
    m = L // 2
    return ((m + _PAD - 1) // _PAD) * _PAD


@njit(cache=True, nogil=True)
def to_checker(s, black, white):
    """Copy the (L, L) lattice `s` into the sublattice arrays (ghost columns included)."""
    L = s.shape[0]
    M = L // 2
    black[:, :] = 0
    white[:, :] = 0
    for i in range(L):
        p = i & 1
        for k in range(M):
            black[i, k + 1] = s[i, 2 * k + p]
            white[i, k + 1] = s[i, 2 * k + 1 - p]
        black[i, 0] = black[i, M]
        black[i, M + 1] = black[i, 1]
        white[i, 0] = white[i, M]
        white[i, M + 1] = white[i, 1]


@njit(cache=True, nogil=True)
def from_checker(black, white, s):
    """Copy the sublattice arrays back into the (L, L) lattice `s`."""
    L = s.shape[0]
    M = L // 2
    for i in range(L):
        p = i & 1
        for k in range(M):
            s[i, 2 * k + p] = black[i, k + 1]
            s[i, 2 * k + 1 - p] = white[i, k + 1]


@njit(inline="always")
def _half_sweep(a, b, parity, M, ctr, thr2, thr4):
    """Metropolis update of every site of sublattice `a` given the other sublattice `b`.

    For a site with spin s and neighbour sum h the energy change of a flip is 2 s h; s h <= 0 is
    always accepted, s h = 2 and 4 with probabilities exp(-4/T) and exp(-8/T), i.e. when the
    site's 32-bit random number is below the threshold thr2 or thr4.  The update is branch-free.
    """
    L = a.shape[0]
    Mp = a.shape[1] - 2
    for i in range(L):
        up = i - 1 if i > 0 else L - 1
        dn = i + 1 if i < L - 1 else 0
        off = 2 * ((i + parity) & 1)  # column offset of the second horizontal neighbour
        base = ctr + uint64(i * Mp)
        row = a[i, 1:Mp + 1]
        nu = b[up, 1:Mp + 1]
        nd = b[dn, 1:Mp + 1]
        ns = b[i, 1:Mp + 1]
        nh = b[i, off:off + Mp]
        for k in range(Mp):
            s = np.int32(row[k])
            h = np.int32(nu[k]) + np.int32(nd[k]) + np.int32(ns[k]) + np.int32(nh[k])
            sh = s * h
            r = uint32(_rand(base + uint64(k)) >> _S32)
            t = thr4 if sh == 4 else thr2
            acc = np.int32((sh <= 0) | (r < t))
            row[k] = np.int8(s * (1 - 2 * acc))
        a[i, 0] = a[i, M]
        a[i, M + 1] = a[i, 1]
    return ctr + uint64(L * Mp)


@njit(inline="always")
def _checker_energy_magnetization(black, white, M):
    """(E / N, M / N) from the sublattices: every bond has exactly one black end."""
    L = black.shape[0]
    e = 0
    m = 0
    for i in range(L):
        up = i - 1 if i > 0 else L - 1
        dn = i + 1 if i < L - 1 else 0
        off = 2 * (i & 1)
        for k in range(M):
            b = np.int32(black[i, k + 1])
            h = (np.int32(white[up, k + 1]) + np.int32(white[dn, k + 1]) + np.int32(white[i, k + 1])
                 + np.int32(white[i, k + off]))
            e -= b * h
            m += b + np.int32(white[i, k + 1])
    n = L * L
    return e / n, m / n


@njit(cache=True, nogil=True)
def metropolis_sweeps(black, white, n_sweeps, T, ctr0):
    """`n_sweeps` checkerboard sweeps (black then white half-sweep); returns the new counter."""
    ctr = uint64(ctr0)  # a Python int would be typed int64 and turn the RNG into float arithmetic
    M = (black.shape[0]) // 2
    thr2, thr4 = _metropolis_thresholds(T)
    for _ in range(n_sweeps):
        ctr = _half_sweep(black, white, 0, M, ctr, thr2, thr4)
        ctr = _half_sweep(white, black, 1, M, ctr, thr2, thr4)
    return ctr


@njit(inline="always")
def _metropolis_thresholds(T):
    p2 = np.exp(-4.0 / T) * _TWO32
    p4 = np.exp(-8.0 / T) * _TWO32
    top = _TWO32 - 1.0
    return uint32(min(p2, top)), uint32(min(p4, top))


@njit(cache=True, nogil=True)
def metropolis_run(s, T, ctr0, n_records, steps_between, out, energies, mags, global_flip):
    """Run a Metropolis chain from lattice `s` (updated in place); returns the new counter.

    Before each of the `n_records` records: `steps_between` sweeps, then (if `global_flip`) the
    global spin flip s -> -s with probability 1/2.  Each record stores energy and magnetisation per
    site in `energies[r]`, `mags[r]`, and the lattice in `out[r]` when `out` has `n_records` rows
    (pass an array with 0 rows to store nothing).
    """
    ctr = uint64(ctr0)  # a Python int would be typed int64 and turn the RNG into float arithmetic
    L = s.shape[0]
    Mp = ((L // 2 + 15) // 16) * 16
    M = L // 2
    black = np.zeros((L, Mp + 2), np.int8)
    white = np.zeros((L, Mp + 2), np.int8)
    to_checker(s, black, white)
    thr2, thr4 = _metropolis_thresholds(T)
    store = out.shape[0] == n_records
    for r in range(n_records):
        for _ in range(steps_between):
            ctr = _half_sweep(black, white, 0, M, ctr, thr2, thr4)
            ctr = _half_sweep(white, black, 1, M, ctr, thr2, thr4)
        if global_flip:
            z = _rand(ctr)
            ctr += _ONE
            if (z >> _S63) == _ONE:
                for i in range(L):
                    for k in range(Mp + 2):
                        black[i, k] = -black[i, k]
                        white[i, k] = -white[i, k]
        e, m = _checker_energy_magnetization(black, white, M)
        energies[r] = e
        mags[r] = m
        if store:
            from_checker(black, white, out[r])
    from_checker(black, white, s)
    return ctr
