"""The counter-based random numbers that every Ising kernel draws (internal).

Every chain owns one 64-bit counter ``ctr``; its n-th random number is ``mix(G * (ctr + n))``
with SplitMix64's finaliser ``mix`` and golden-ratio increment ``G``.  That *is* the SplitMix64
generator (which passes BigCrush), written as a counter-based generator: the random number of a
site in a Metropolis half-sweep depends only on (counter, site), not on the order of the loop, so
LLVM can vectorise the whole update (AVX2/AVX-512) instead of waiting on a serial RNG state.  Chains
get their starting counters from ``numpy.random.SeedSequence``; two chains would only share numbers
if their counters came within a few billion of each other in 2**64.

Its own module because both kernel modules use it (``_kernels``: Metropolis; ``_cluster_kernels``:
Wolff and Swendsen-Wang), together with the integer constants of the acceptance tests.  ``_rand`` is
inlined into the kernels, and numba's on-disk cache of a kernel is keyed on the kernel's own file
only: after changing this module, delete the ``__pycache__`` folder of ``isingmc`` so that the
kernels are recompiled.
"""

import numpy as np
from numba import njit, uint64

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
