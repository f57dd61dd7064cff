"""autocorrelation_time recovers the exact tau_int of AR(1) processes."""

import numpy as np
import pytest

from isingmc import autocorrelation_time
from isingmc.autocorr import autocorrelation_function


def ar1(phi, n, seed):
    """x_t = phi x_{t-1} + noise, started in its stationary distribution; rho(t) = phi^t exactly."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=n)
    x = np.empty(n)
    x[0] = noise[0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


@pytest.mark.parametrize("phi, seed", [(0.5, 1), (0.8, 2), (0.9, 3), (0.95, 4)])
def test_ar1_tau_within_10_percent(phi, seed):
    tau = (1 + phi) / (2 * (1 - phi))   # 1/2 + sum_t phi^t
    x = ar1(phi, 200_000, seed)
    assert autocorrelation_time(x) == pytest.approx(tau, rel=0.10)


def test_white_noise_and_constant():
    x = np.random.default_rng(5).normal(size=50_000)
    assert autocorrelation_time(x) == pytest.approx(0.5, abs=0.03)
    assert autocorrelation_time(np.full(100, 3.0)) == 0.5


def test_acf_matches_direct_sum():
    x = ar1(0.7, 500, 6)
    d = x - x.mean()
    direct = np.array([(d[:len(d) - t] * d[t:]).sum() for t in range(20)]) / (d * d).sum()
    assert np.allclose(autocorrelation_function(x)[:20], direct)


def test_shift_and_scale_invariant():
    x = ar1(0.8, 20_000, 7)
    assert autocorrelation_time(3 * x + 100) == pytest.approx(autocorrelation_time(x), rel=1e-9)


@pytest.mark.parametrize("bad, err, msg", [
    (np.ones((10, 2)), ValueError, "1-D"),
    ([1.0, 2.0, 3.0], ValueError, "at least 4"),
    ([1.0, np.nan, 2.0, 3.0, 4.0], ValueError, "finite"),
    ("abcdef", TypeError, "series"),
    (5.0, TypeError, "series"),
    (["a", "b", "c", "d"], TypeError, "series"),
])
def test_bad_series(bad, err, msg):
    with pytest.raises(err, match=msg):
        autocorrelation_time(bad)


@pytest.mark.parametrize("c", [0, -1, float("nan"), "5"])
def test_bad_window_factor(c):
    with pytest.raises(ValueError, match="c must be"):
        autocorrelation_time(np.arange(10.0), c=c)
