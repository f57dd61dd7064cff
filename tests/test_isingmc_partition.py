"""isingmc.exact.log_partition_function against enumeration and thermodynamics."""

import math

import numpy as np
import pytest

from isingmc import exact


@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("T", [0.8, 1.5, exact.T_C, 3.0, 10.0])
def test_matches_enumeration(L, T):
    g = exact.density_of_states(L)
    E = np.array(list(g), float)
    log_w = np.log(np.array(list(g.values()), float)) - E / T
    reference = log_w.max() + math.log(np.exp(log_w - log_w.max()).sum())
    assert exact.log_partition_function(T, L) == pytest.approx(reference, rel=1e-12, abs=1e-10)


def test_thermodynamic_consistency_at_L28():
    """d ln Z / d beta = -<E>: ln Z between two temperatures equals the integral of the exact energy."""
    L, N = 28, 28 * 28
    beta = np.linspace(1 / 3.0, 1 / 1.5, 2001)
    U = exact.energy_per_site(1 / beta, L=L) * N
    integral = np.sum((U[1:] + U[:-1]) / 2 * np.diff(beta))          # trapezoid
    difference = exact.log_partition_function(1.5, L) - exact.log_partition_function(3.0, L)
    assert difference == pytest.approx(-integral, rel=1e-6)


def test_limits_and_no_overflow():
    N = 128 * 128
    assert exact.log_partition_function(1e6, 8) == pytest.approx(64 * math.log(2), rel=1e-5)  # T -> inf: 2^N
    assert exact.log_partition_function(0.2, 8) == pytest.approx(math.log(2) + 2 * 64 / 0.2, rel=1e-9)
    value = exact.log_partition_function(exact.T_C, 128)
    assert math.isfinite(value) and N * math.log(2) < value < N * (math.log(2) + 2 / exact.T_C)
    arr = exact.log_partition_function(np.array([1.5, 2.3, 3.0]), 28)
    assert arr.shape == (3,) and np.all(np.diff(arr) < 0)            # d ln Z / dT = <E> / T^2 < 0
    np.testing.assert_allclose(arr, [exact.log_partition_function(T, 28) for T in (1.5, 2.3, 3.0)], rtol=1e-15)


def test_bad_input():
    with pytest.raises(ValueError):
        exact.log_partition_function(-1.0, 4)
    with pytest.raises(ValueError):
        exact.log_partition_function(2.0, 1)
