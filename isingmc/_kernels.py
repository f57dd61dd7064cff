"""Numba kernels of the three Monte Carlo algorithms (internal; use :func:`isingmc.simulate`).

Conventions (J = k_B = 1, periodic L x L lattice, spins int8 +-1):
``E = -sum_i s_i (s_right(i) + s_down(i))``, i.e. every nearest-neighbour bond counted once (for L = 2
the right and left neighbour are the same site, so that pair is joined by two bonds, exactly as in
Kaufman's formula and in the enumeration of :mod:`isingmc.exact`).

Random numbers.  Every chain owns one 64-bit counter ``ctr``; its n-th random number is
``mix(G * (ctr + n))`` with SplitMix64's finaliser ``mix`` and golden-ratio increment ``G``.  That *is*
the SplitMix64 generator (which passes BigCrush), written as a counter-based generator: the random
number of a site in a Metropolis half-sweep depends only on (counter, site), not on the order of the
loop, so LLVM can vectorise the whole update (AVX2/AVX-512) instead of waiting on a serial RNG state.
Chains get their starting counters from ``numpy.random.SeedSequence``; two chains would only share
numbers if their counters came within a few billion of each other in 2**64.

Acceptance tests compare the upper 32 bits of a random number with integer thresholds
``floor(p * 2**32)``, precomputed once per temperature, so no floating point or ``exp`` is evaluated
in the inner loops.  Every kernel is compiled with ``cache=True`` (compilation costs seconds; the
cache makes it a one-off) and ``nogil=True`` (independent chains run in parallel Python threads).
"""

import numpy as np
from numba import njit, uint32, uint64

_G = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S63 = np.uint64(63)
_ONE = np.uint64(1)
_TWO = np.uint64(2)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO32 = 4294967296.0

# Width of the vector loop of the Metropolis kernel: each row of a sublattice is padded to a multiple
# of this many sites (the padding holds junk that is never read back), so that LLVM's vectorised loop,
# not its scalar remainder loop, does the work even for small L such as 28.
_PAD = 16


@njit(inline="always")
def _mix(z):
    """SplitMix64 finaliser: a bijective 64-bit hash with full avalanche."""
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


@njit(inline="always")
def _rand(ctr):
    """The random number of counter value `ctr` (uniform on 0 .. 2**64 - 1)."""
    return _mix(ctr * _G)


@njit(cache=True, nogil=True)
def random_uint64(ctr0, n):
    """The first `n` numbers of the stream starting at counter `ctr` (used by the tests of the RNG)."""
    ctr = uint64(ctr0)  # a Python int would be typed int64 and turn the RNG into float arithmetic
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = _rand(ctr + uint64(i))
    return out


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
