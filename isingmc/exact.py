"""Exact results of the 2D Ising model (J = k_B = 1), the references of every Monte Carlo test.

* Onsager (infinite lattice): energy and specific heat per site, spontaneous magnetisation (Yang).
* Kaufman (1949): the partition function of the finite periodic L x L lattice as a sum of four
  products; its first and second derivatives with respect to K = 1/T give the exact energy and
  specific heat per site of exactly the lattices the Monte Carlo simulates, so a simulation at
  L = 16 can be checked without any finite-size extrapolation.  Everything is done in logarithms
  (relative to the largest of the four terms) so that L = 128 does not overflow.
* :func:`density_of_states` counts all 2**(L*L) configurations of a small lattice; it is an
  independent check of Kaufman's formula and gives the full Boltzmann distribution of the energy.

Energies are those of ``E = -sum_i s_i (s_right(i) + s_down(i))`` (each bond once).
"""

import math

import numpy as np

from .checks import check_L, check_temperature_array

__all__ = [
    "T_C",
    "energy_per_site",
    "specific_heat_per_site",
    "log_partition_function",
    "spontaneous_magnetization",
    "density_of_states",
    "boltzmann_energy_distribution",
]

T_C = 2.0 / math.log(1.0 + math.sqrt(2.0))
"""Critical temperature 2 / ln(1 + sqrt 2) = 2.269185..., where sinh(2 / T_C) = 1."""


def _check_temperature(T):
    """Temperatures as a float array; scalars stay recognisable through ``np.ndim``."""
    return check_temperature_array(T, "T")


def _check_L(L, name="L", minimum=2):
    return check_L(L, name=name, minimum=minimum, lattice=False)


# ----------------------------------------------------------------------------------------------
# Onsager


def _agm_elliptic(k):
    """Complete elliptic integrals K(k), E(k) (modulus k, 0 <= k < 1) by the arithmetic-geometric mean.

    K = pi / (2 AGM(1, k')), and E = K (1 - sum_n 2^(n-1) c_n^2) with c_0 = k; converges
    quadratically, so a dozen iterations reach machine precision even close to k = 1.
    """
    a = np.ones_like(k)
    b = np.sqrt(1.0 - k * k)
    c = k.copy()
    total = 0.5 * c * c
    power = 0.5
    for _ in range(60):
        a_next = 0.5 * (a + b)
        c = 0.5 * (a - b)
        b = np.sqrt(a * b)
        a = a_next
        power *= 2.0
        total = total + power * c * c
        if np.all(np.abs(c) <= 1e-17 * a):
            break
    K = np.pi / (2.0 * a)
    return K, K * (1.0 - total)


def _onsager(T):
    """(u, c) per site of the infinite lattice for T != T_C (arrays)."""
    K = 1.0 / T
    t2 = np.tanh(2 * K)
    kappa = 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    K1, E1 = _agm_elliptic(np.minimum(kappa, 1.0 - 1e-16))
    coth = 1.0 / t2
    u = -coth * (1.0 + (2.0 / np.pi) * (2.0 * t2 * t2 - 1.0) * K1)
    c = (4.0 / np.pi) * (K * coth) ** 2 * (
        K1 - E1 - (1.0 - t2 * t2) * (np.pi / 2.0 + (2.0 * t2 * t2 - 1.0) * K1))
    return u, c


def _scalar_or_array(arr, like):
    return float(arr) if np.ndim(like) == 0 else arr


# ----------------------------------------------------------------------------------------------
# Kaufman


def _kaufman_derivatives(K, L):
    """(d ln Z / dK, d^2 ln Z / dK^2, ln Z) of the periodic L x L lattice at one coupling K = 1/T.

    Z = 1/2 (2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4) with, for n = m = L,
      Z1 = prod_r 2 cosh(m g_{2r+1} / 2),   Z2 = prod_r 2 sinh(m g_{2r+1} / 2),
      Z3 = prod_r 2 cosh(m g_{2r} / 2),     Z4 = prod_r 2 sinh(m g_{2r} / 2),   r = 0 .. n-1,
    cosh g_k = cosh 2K coth 2K - cos(pi k / n) (g_k > 0) for k > 0, and g_0 = 2K + ln tanh K, which
    changes sign at T_C (so Z4 < 0 above T_C and Z4 = 0 at T_C).  Each Z_i is written as
    exp(l_i) f_i with f_i the g_0 factor (1 for Z1, Z2), so the derivatives stay finite at T_C.
    """
    n = m = L
    N = L * L
    s2, c2 = math.sinh(2 * K), math.cosh(2 * K)
    # a(K) = cosh 2K coth 2K = cosh^2 2K / sinh 2K and its derivatives
    a = c2 * c2 / s2
    da = 2.0 * c2 * (2.0 - c2 * c2 / (s2 * s2))      # = 4 c2 - 2 c2^3 / s2^2
    dda = 8.0 * s2 - 2.0 * (6.0 * c2 * c2 * s2 * s2 * s2 - 4.0 * c2 ** 4 * s2) / s2 ** 4
    k = np.arange(2 * n)
    ck = a - np.cos(np.pi * k / n)
    # g_k for k >= 1, with derivatives from cosh g = a - cos(...)
    g = np.arccosh(ck[1:])
    sg = np.sinh(g)
    dg = da / sg
    ddg = (dda - ck[1:] * dg * dg) / sg
    x = 0.5 * m * g
    dx = 0.5 * m * dg
    ddx = 0.5 * m * ddg
    # log 2cosh(x), log 2sinh(x) and derivatives (x > 0)
    lc = x + np.log1p(np.exp(-2 * x))
    ls = x + np.log1p(-np.exp(-2 * x))
    th = np.tanh(x)
    cth = 1.0 / th
    dlc = th * dx
    dls = cth * dx
    ddlc = (1 - th * th) * dx * dx + th * ddx
    ddls = (1 - cth * cth) * dx * dx + cth * ddx
    odd = (k[1:] % 2) == 1
    even = ~odd
    # g_0 factor
    g0 = 2 * K + math.log(math.tanh(K))
    dg0 = 2.0 + 2.0 / s2
    ddg0 = -4.0 * c2 / (s2 * s2)
    x0, dx0, ddx0 = 0.5 * m * g0, 0.5 * m * dg0, 0.5 * m * ddg0
    # f = 2 cosh x0 and 2 sinh x0, scaled by exp(-|x0|) to avoid overflow; the scale is put into l.
    e0 = math.exp(-2 * abs(x0))
    ch = 1.0 + e0                    # 2 cosh(x0) e^{-|x0|}
    sh = math.copysign(1.0 - e0, x0)  # 2 sinh(x0) e^{-|x0|}
    # derivatives of 2cosh(x0(K)) and 2sinh(x0(K)) with the same scale:
    # (2cosh x0)' = 2 sinh x0 dx0,  (2cosh x0)'' = 2 cosh x0 dx0^2 + 2 sinh x0 ddx0
    f3 = (ch, sh * dx0, ch * dx0 * dx0 + sh * ddx0)
    f4 = (sh, ch * dx0, sh * dx0 * dx0 + ch * ddx0)
    terms = [
        (lc[odd].sum(), dlc[odd].sum(), ddlc[odd].sum(), (1.0, 0.0, 0.0)),
        (ls[odd].sum(), dls[odd].sum(), ddls[odd].sum(), (1.0, 0.0, 0.0)),
        (lc[even].sum() + abs(x0), dlc[even].sum(), ddlc[even].sum(), f3),
        (ls[even].sum() + abs(x0), dls[even].sum(), ddls[even].sum(), f4),
    ]
    lmax = max(t[0] for t in terms)
    z = dz = ddz = 0.0
    for l, dl, ddl, (f, df, ddf) in terms:
        w = math.exp(l - lmax)
        z += w * f
        dz += w * (dl * f + df)
        ddz += w * ((ddl + dl * dl) * f + 2 * dl * df + ddf)
    # prefactor (2 sinh 2K)^(N/2)
    dpre = N * c2 / s2
    ddpre = -2.0 * N / (s2 * s2)
    d1 = dpre + dz / z
    d2 = ddpre + ddz / z - (dz / z) ** 2
    log_z = -math.log(2.0) + 0.5 * N * math.log(2.0 * s2) + lmax + math.log(z)
    return d1, d2, log_z


def _kaufman(T, L):
    Ts = np.atleast_1d(T)
    u = np.empty(Ts.shape)
    c = np.empty(Ts.shape)
    for i, t in enumerate(Ts.flat):
        d1, d2, _ = _kaufman_derivatives(1.0 / t, L)
        u.flat[i] = -d1 / (L * L)
        c.flat[i] = d2 / (L * L) / (t * t)
    return u.reshape(np.shape(T)), c.reshape(np.shape(T))


# ----------------------------------------------------------------------------------------------
# public functions


def _exact(T, L, which, at_tc):
    """Kaufman's (finite L) or Onsager's (L=None) result number `which` (0: energy, 1: specific heat)
    at temperature(s) `T`; Onsager's formulas are evaluated apart from T_C, where the value is `at_tc`."""
    arr = _check_temperature(T)
    if L is not None:
        return _scalar_or_array(_kaufman(arr, _check_L(L))[which], arr)
    on_tc = np.isclose(arr, T_C, rtol=1e-12, atol=0)
    value = _onsager(np.where(on_tc, 1.0, arr))[which]
    return _scalar_or_array(np.where(on_tc, at_tc, value), arr)


def energy_per_site(T, L=None):
    """Exact mean energy per site at temperature(s) `T`.

    ``L=None``: Onsager's infinite lattice (-sqrt 2 at T_C).  ``L``: Kaufman's exact result for the
    periodic L x L lattice, the value a correct simulation of that lattice converges to.
    """
    return _exact(T, L, 0, -math.sqrt(2.0))


def specific_heat_per_site(T, L=None):
    """Exact specific heat per site, C / N = Var(E) / (N T^2), at temperature(s) `T`.

    ``L=None``: Onsager (logarithmically divergent: ``inf`` at T_C).  ``L``: Kaufman's finite lattice.
    """
    return _exact(T, L, 1, np.inf)


def log_partition_function(T, L):
    """ln Z of the periodic L x L lattice at temperature(s) `T` (Kaufman's exact result).

    Z = sum over all 2^(L*L) configurations of exp(-E/T).  Kept in logarithms throughout, so
    L = 128 (ln Z ~ 10^4) does not overflow.  With ln Z, the probability of one configuration is
    exact: p(s | T) = exp(-E(s)/T - ln Z(T)); notebook 06 builds the Bayes-optimal classifier of
    snapshots from it.
    """
    arr = _check_temperature(T)
    L = _check_L(L)
    out = np.array([_kaufman_derivatives(1.0 / t, L)[2] for t in np.atleast_1d(arr).flat])
    return _scalar_or_array(out.reshape(np.shape(arr)), arr)


def spontaneous_magnetization(T):
    """Spontaneous magnetisation per site of the infinite lattice (Onsager-Yang).

    m = (1 - sinh(2/T)^-4)^(1/8) below T_C and 0 above.  A finite lattice in zero field has <m> = 0
    by symmetry; compare this with <|m|> of large lattices.
    """
    arr = _check_temperature(T)
    x = 1.0 - np.sinh(2.0 / arr) ** -4.0
    m = np.where(arr < T_C, np.clip(x, 0.0, None) ** 0.125, 0.0)
    return _scalar_or_array(m, arr)


def density_of_states(L):
    """Number of configurations g(E) of each energy of the periodic L x L lattice, by enumeration.

    Returns a dict {E: g(E)} sorted by E (integer keys and values), for 2 <= L <= 4 (2**16 states at
    L = 4; L = 5 would be 2**25).  The 2**(L*L) configurations are the bits of the integers
    0 .. 2**(L*L) - 1, processed in vectorised blocks.
    """
    L = _check_L(L)
    if L > 4:
        raise ValueError(f"L must be <= 4 for enumeration (2**(L*L) states), got {L}")
    N = L * L
    counts = {}
    block = 1 << min(N, 16)
    sites = np.arange(N)
    rt = (sites // L) * L + (sites % L + 1) % L
    dn = (sites + L) % N
    for start in range(0, 1 << N, block):
        states = np.arange(start, start + block, dtype=np.int64)
        spins = (((states[:, None] >> sites) & 1) * 2 - 1).astype(np.int8)
        e = -(spins * (spins[:, rt] + spins[:, dn])).sum(axis=1, dtype=np.int64)
        values, c = np.unique(e, return_counts=True)
        for v, n in zip(values.tolist(), c.tolist()):
            counts[v] = counts.get(v, 0) + n
    return dict(sorted(counts.items()))


def boltzmann_energy_distribution(L, T):
    """(energies, probabilities) of the total energy of the L x L lattice at temperature T (L <= 4).

    P(E) = g(E) exp(-E/T) / Z from :func:`density_of_states`, computed with the largest exponent
    factored out.
    """
    arr = _check_temperature(T)
    if np.ndim(arr) != 0:
        raise TypeError(f"T must be a single temperature, got an array of shape {np.shape(arr)}")
    g = density_of_states(L)
    energies = np.array(list(g), dtype=float)
    logw = np.log(np.array(list(g.values()), dtype=float)) - energies / float(arr)
    w = np.exp(logw - logw.max())
    return energies, w / w.sum()
