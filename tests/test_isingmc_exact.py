"""isingmc.exact against independent references: the issue's g(E) for L = 4, brute-force enumeration
written here for L = 2, 3, low-temperature expansions, and Onsager vs Kaufman at L = 128."""

import itertools
import math

import numpy as np
import pytest

from isingmc import exact

# g(E) of the periodic 4 x 4 lattice, as given in the issue (symmetric in E).
G4_HALF = {-32: 2, -24: 32, -20: 64, -16: 424, -12: 1728, -8: 6688, -4: 13568, 0: 20524}
G4 = {**G4_HALF, **{-e: g for e, g in G4_HALF.items()}}


def brute_force_g(L):
    """Count energies of all configurations with plain Python loops (independent of exact.py)."""
    g = {}
    for bits in itertools.product((-1, 1), repeat=L * L):
        s = [bits[i * L:(i + 1) * L] for i in range(L)]
        e = -sum(s[i][j] * (s[i][(j + 1) % L] + s[(i + 1) % L][j]) for i in range(L) for j in range(L))
        g[e] = g.get(e, 0) + 1
    return g


def thermal(g, T, L):
    """Energy and specific heat per site from a density of states, with exact integer weights."""
    E = np.array(sorted(g), dtype=float)
    w = np.array([g[e] for e in sorted(g)], dtype=float) * np.exp(-(E - E.min()) / T)
    p = w / w.sum()
    mean = (p * E).sum()
    var = (p * (E - mean) ** 2).sum()
    return mean / L**2, var / L**2 / T**2


def test_critical_temperature():
    assert exact.T_C == pytest.approx(2.269185314213022, abs=1e-14)
    assert math.sinh(2 / exact.T_C) == pytest.approx(1.0, abs=1e-14)


def test_density_of_states_L4_matches_issue():
    assert exact.density_of_states(4) == dict(sorted(G4.items()))
    assert sum(G4.values()) == 2**16


@pytest.mark.parametrize("L", [2, 3])
def test_density_of_states_small_matches_brute_force(L):
    assert exact.density_of_states(L) == dict(sorted(brute_force_g(L).items()))


TEMPS = [0.7, 1.5, 2.0, exact.T_C, 2.5, 3.0, 5.0, 50.0]


@pytest.mark.parametrize("T", TEMPS)
def test_kaufman_equals_enumeration_L4(T):
    u, c = thermal(G4, T, 4)
    assert abs(exact.energy_per_site(T, L=4) - u) < 1e-10
    assert abs(exact.specific_heat_per_site(T, L=4) - c) < 1e-10


@pytest.mark.parametrize("L", [2, 3])
def test_kaufman_equals_enumeration_small_and_odd(L):
    g = brute_force_g(L)
    for T in TEMPS:
        u, c = thermal(g, T, L)
        assert abs(exact.energy_per_site(T, L=L) - u) < 1e-10
        assert abs(exact.specific_heat_per_site(T, L=L) - c) < 1e-10


def test_array_temperatures():
    T = np.array([1.5, 2.5, 3.0])
    u = exact.energy_per_site(T, L=4)
    assert u.shape == (3,)
    assert u[1] == exact.energy_per_site(2.5, L=4)
    assert exact.specific_heat_per_site(T).shape == (3,)
    assert isinstance(exact.energy_per_site(2.0), float)


@pytest.mark.parametrize("T", [1.0, 1.5, 2.0, 2.6, 3.0, 4.0])
def test_onsager_equals_kaufman_L128_away_from_tc(T):
    # Away from T_C the finite-size corrections decay like exp(-L / xi): invisible at L = 128.
    assert abs(exact.energy_per_site(T, L=128) - exact.energy_per_site(T)) < 1e-9
    assert abs(exact.specific_heat_per_site(T, L=128) - exact.specific_heat_per_site(T)) < 1e-7


def test_finite_size_shift_at_tc():
    # At T_C the torus energy approaches -sqrt(2) like 1/L (Ferdinand & Fisher 1969), and the
    # specific heat grows like (8 / pi) K_c^2 ln L.
    assert exact.energy_per_site(exact.T_C) == pytest.approx(-math.sqrt(2), abs=1e-15)
    d64 = exact.energy_per_site(exact.T_C, L=64) + math.sqrt(2)
    d128 = exact.energy_per_site(exact.T_C, L=128) + math.sqrt(2)
    assert 0 < -d128 < 1.0 / 128
    assert d64 / d128 == pytest.approx(2.0, rel=0.02)
    kc = 1 / exact.T_C
    dc = exact.specific_heat_per_site(exact.T_C, L=128) - exact.specific_heat_per_site(exact.T_C, L=64)
    assert dc == pytest.approx(8 / math.pi * kc**2 * math.log(2), rel=0.02)
    assert exact.specific_heat_per_site(exact.T_C) == math.inf


def test_onsager_specific_heat_is_derivative_of_energy():
    for T in (1.2, 2.0, 2.4, 3.5):
        h = 1e-5
        dudt = (exact.energy_per_site(T + h) - exact.energy_per_site(T - h)) / (2 * h)
        assert exact.specific_heat_per_site(T) == pytest.approx(dudt, rel=1e-6)


def test_low_temperature_expansions():
    # x = exp(-2/T): one flipped spin (N ways) costs 8, an adjacent pair (2N ways) 12, so
    # ln Z / N = 2/T + x^4 + 2 x^6 + O(x^8), u = -2 + 8 x^4 + 24 x^6 + O(x^8);
    # m = 1 - 2 x^4 - 8 x^6 + O(x^8) (Domb's series).
    T = 0.8
    x = math.exp(-2 / T)
    assert exact.energy_per_site(T) == pytest.approx(-2 + 8 * x**4 + 24 * x**6, abs=200 * x**8)
    assert exact.spontaneous_magnetization(T) == pytest.approx(1 - 2 * x**4 - 8 * x**6, abs=200 * x**8)
    # High temperature, t = tanh(1/T): ln Z / N = ln 2 + 2 ln cosh(1/T) + t^4 + O(t^6) (plaquettes),
    # so u = -2 t - 4 t^3 (1 - t^2) + O(t^5).
    T = 20.0
    t = math.tanh(1 / T)
    assert exact.energy_per_site(T) == pytest.approx(-2 * t - 4 * t**3 * (1 - t * t), abs=50 * t**5)


def test_spontaneous_magnetization_shape():
    assert exact.spontaneous_magnetization(exact.T_C * 1.01) == 0.0
    assert exact.spontaneous_magnetization(3.0) == 0.0
    m = exact.spontaneous_magnetization(np.array([1.0, 2.0, 2.2, 2.26]))
    assert np.all(np.diff(m) < 0) and 0 < m[-1] < m[0] < 1
    # critical exponent beta = 1/8: m ~ (T_C - T)^(1/8) close to T_C
    t1, t2 = exact.T_C * (1 - 1e-6), exact.T_C * (1 - 1e-8)
    slope = math.log(exact.spontaneous_magnetization(t1) / exact.spontaneous_magnetization(t2)) / math.log(100)
    assert slope == pytest.approx(1 / 8, rel=1e-3)


def test_boltzmann_distribution_sums_to_one():
    e, p = exact.boltzmann_energy_distribution(4, 2.0)
    assert p.sum() == pytest.approx(1.0)
    assert list(e) == sorted(G4)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), -math.inf])
def test_bad_temperature(bad):
    with pytest.raises(ValueError, match="T"):
        exact.energy_per_site(bad)
    with pytest.raises(ValueError, match="T"):
        exact.specific_heat_per_site(bad, L=8)
    with pytest.raises(ValueError, match="T"):
        exact.spontaneous_magnetization(bad)


def test_bad_temperature_type():
    with pytest.raises(TypeError, match="T"):
        exact.energy_per_site("hot")
    with pytest.raises(TypeError, match="T"):
        exact.energy_per_site(True)


@pytest.mark.parametrize("L, err", [(1, ValueError), (0, ValueError), (-4, ValueError), (4.0, TypeError),
                                    ("4", TypeError), (True, TypeError)])
def test_bad_L(L, err):
    with pytest.raises(err, match="L"):
        exact.energy_per_site(2.0, L=L)
    with pytest.raises(err, match="L"):
        exact.density_of_states(L)


def test_density_of_states_refuses_large_L():
    with pytest.raises(ValueError, match="L must be <= 4"):
        exact.density_of_states(5)
