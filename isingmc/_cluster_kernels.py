"""Numba kernels of the two cluster algorithms, Wolff and Swendsen-Wang (internal; use
:func:`isingmc.simulate`, which reaches them through ``_kernels``).

Both work on the flat (L * L) lattice and grow clusters of bonds occupied with probability
p = 1 - exp(-2/T); neither shares code with the checkerboard Metropolis kernels, so they are a
module of their own.  Conventions (lattice, energy, integer thresholds, ``cache=True`` and
``nogil=True``) are those of :mod:`isingmc._kernels`; the random numbers come from ``_rng``.
``lattice_energy_magnetization`` (the observables of a full lattice) is here because only the
cluster kernels use it; the Metropolis kernels measure on their sublattices.
"""

import numpy as np
from numba import njit, uint64

from ._rng import _LOW32, _ONE, _S32, _S63, _TWO, _TWO32, _rand


# ----------------------------------------------------------------------------------------------
# observables of a full lattice


@njit(cache=True, nogil=True)
def lattice_energy_magnetization(s):
    """(energy per site, magnetisation per site) of one (L, L) lattice."""
    L = s.shape[0]
    e = 0
    m = 0
    for i in range(L):
        dn = i + 1 if i < L - 1 else 0
        for j in range(L):
            rt = j + 1 if j < L - 1 else 0
            si = np.int64(s[i, j])
            e -= si * (np.int64(s[i, rt]) + np.int64(s[dn, j]))
            m += si
    n = L * L
    return e / n, m / n


# ----------------------------------------------------------------------------------------------
# Wolff single-cluster algorithm


@njit(inline="always")
def _add_threshold(T):
    """Integer threshold of the bond probability p = 1 - exp(-2/T) of both cluster algorithms."""
    p = -np.expm1(-2.0 / T)
    return uint64(min(p * _TWO32, _TWO32))


@njit(cache=True, nogil=True)
def neighbour_table(L):
    """(N, 4) int32 table of the right, left, down and up neighbours of each site of the flat lattice.

    Looking neighbours up is much cheaper than recomputing them with an integer division by L for
    every site a cluster reaches.
    """
    N = L * L
    nbr = np.empty((N, 4), np.int32)
    for r in range(L):
        for c in range(L):
            i = r * L + c
            nbr[i, 0] = r * L + (c + 1 if c < L - 1 else 0)
            nbr[i, 1] = r * L + (c - 1 if c > 0 else L - 1)
            nbr[i, 2] = (r + 1 if r < L - 1 else 0) * L + c
            nbr[i, 3] = (r - 1 if r > 0 else L - 1) * L + c
    return nbr


@njit(inline="always")
def _wolff_cluster(s, N, nbr, thr, ctr, stack):
    """Grow and flip one Wolff cluster on the flat lattice `s`; returns (counter, cluster size).

    Sites are flipped when they join, so "aligned with the seed's old spin" also means "not yet in
    the cluster".  Each of the four bonds of a cluster site is tried once, with its own 32-bit half
    of two random numbers; the test is written without branches (always store the neighbour on the
    stack, advance the stack pointer by 0 or 1), which halves the time lost to mispredicted
    branches, since a bond is accepted with a probability near 1/2.
    """
    z = _rand(ctr)
    ctr += _ONE
    seed = np.int32(((z >> _S32) * uint64(N)) >> _S32)
    s0 = s[seed]
    s[seed] = -s0
    stack[0] = seed
    top = 1
    size = 1
    while top > 0:
        top -= 1
        i = stack[top]
        z1 = _rand(ctr)
        z2 = _rand(ctr + _ONE)
        ctr += _TWO
        for d in range(4):
            if d == 0:
                r = z1 >> _S32
            elif d == 1:
                r = z1 & _LOW32
            elif d == 2:
                r = z2 >> _S32
            else:
                r = z2 & _LOW32
            nb = nbr[i, d]
            join = (s[nb] == s0) & (r < thr)
            s[nb] = -s0 if join else s[nb]
            stack[top] = nb
            top += np.int32(join)
            size += np.int32(join)
    return ctr, size


@njit(cache=True, nogil=True)
def wolff_calibrate(s, T, ctr0, min_sites, min_clusters, max_clusters):
    """Grow clusters until `min_sites` sites flipped and `min_clusters` clusters (or `max_clusters`).

    Used only while equilibrating, to measure the mean cluster size; the stopping rule depends on
    the state, which is why no sample is ever taken from this phase.
    Returns (counter, number of clusters, total of their sizes).
    """
    ctr = uint64(ctr0)  # a Python int would be typed int64 and turn the RNG into float arithmetic
    L = s.shape[0]
    flat = s.reshape(L * L)
    stack = np.empty(L * L, np.int32)
    nbr = neighbour_table(L)
    thr = _add_threshold(T)
    n = 0
    total = 0
    while n < max_clusters and (total < min_sites or n < min_clusters):
        ctr, size = _wolff_cluster(flat, L * L, nbr, thr, ctr, stack)
        n += 1
        total += size
    return ctr, n, total


@njit(cache=True, nogil=True)
def wolff_run(s, T, ctr0, n_records, steps_between, clusters_per_step, out, energies, mags,
              global_flip):
    """Like :func:`metropolis_run`, one step = `clusters_per_step` Wolff clusters (fixed in advance).

    Returns (counter, total size of all clusters grown).
    """
    ctr = uint64(ctr0)  # a Python int would be typed int64 and turn the RNG into float arithmetic
    L = s.shape[0]
    flat = s.reshape(L * L)
    stack = np.empty(L * L, np.int32)
    nbr = neighbour_table(L)
    thr = _add_threshold(T)
    store = out.shape[0] == n_records
    total = 0
    for r in range(n_records):
        for _ in range(steps_between * clusters_per_step):
            ctr, size = _wolff_cluster(flat, L * L, nbr, thr, ctr, stack)
            total += size
        if global_flip:
            z = _rand(ctr)
            ctr += _ONE
            if (z >> _S63) == _ONE:
                for i in range(L * L):
                    flat[i] = -flat[i]
        e, m = lattice_energy_magnetization(s)
        energies[r] = e
        mags[r] = m
        if store:
            out[r, :, :] = s
    return ctr, total


# ----------------------------------------------------------------------------------------------
# Swendsen-Wang with union-find


@njit(inline="always")
def _find(parent, i):
    """Root of i, halving the path on the way (amortised near-constant time)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(inline="always")
def _union(parent, a, b):
    ra = _find(parent, a)
    rb = _find(parent, b)
    if ra < rb:
        parent[rb] = ra
    elif rb < ra:
        parent[ra] = rb


@njit(inline="always")
def _sw_update(s, L, thr, ctr, parent, flip):
    """One Swendsen-Wang update of the flat lattice `s`.

    Every bond between equal spins is occupied with probability p = 1 - exp(-2/T) (the right and
    down bond of a site use the two 32-bit halves of one random number); the clusters of occupied
    bonds (union-find) are flipped independently with probability 1/2.
    """
    N = L * L
    for i in range(N):
        parent[i] = i
    for row in range(L):
        for col in range(L):
            i = row * L + col
            rt = i + 1 if col < L - 1 else i - (L - 1)
            dn = i + L if row < L - 1 else col
            z = _rand(ctr)
            ctr += _ONE
            if (s[i] == s[rt]) & ((z >> _S32) < thr):
                _union(parent, i, rt)
            if (s[i] == s[dn]) & ((z & _LOW32) < thr):
                _union(parent, i, dn)
    # Union links the larger root below the smaller one and path halving only moves links to
    # smaller indices, so parent[i] <= i everywhere, with equality exactly at the roots.  In
    # increasing order of i the coin of parent[i] is therefore already known (a root tosses its own,
    # every other site copies its parent's): no find needed.
    for i in range(N):
        p = parent[i]
        if p == i:
            z = _rand(ctr)
            ctr += _ONE
            flip[i] = np.int8(z >> _S63)
        else:
            flip[i] = flip[p]
        s[i] = s[i] * np.int8(1 - 2 * flip[i])
    return ctr


@njit(cache=True, nogil=True)
def sw_run(s, T, ctr0, n_records, steps_between, out, energies, mags, global_flip):
    """Like :func:`metropolis_run`, one step = one Swendsen-Wang update."""
    ctr = uint64(ctr0)  # a Python int would be typed int64 and turn the RNG into float arithmetic
    L = s.shape[0]
    N = L * L
    flat = s.reshape(N)
    parent = np.empty(N, np.int32)
    flip = np.zeros(N, np.int8)
    thr = _add_threshold(T)
    store = out.shape[0] == n_records
    for r in range(n_records):
        for _ in range(steps_between):
            ctr = _sw_update(flat, L, thr, ctr, parent, flip)
        if global_flip:
            z = _rand(ctr)
            ctr += _ONE
            if (z >> _S63) == _ONE:
                for i in range(N):
                    flat[i] = -flat[i]
        e, m = lattice_energy_magnetization(s)
        energies[r] = e
        mags[r] = m
        if store:
            out[r, :, :] = s
    return ctr
