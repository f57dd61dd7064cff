"""nnlib.transition.crossing against analytic crossings and synthetic classifier outputs with a known crossing."""

import math

import numpy as np
import pytest

from nnlib.transition import crossing as cr


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sinh_grid(n=40, T_min=1.0, T_max=3.5, center=2.27, width=0.3):
    """Temperatures dense near ``center`` (as the notebook's grid)."""
    u = np.linspace(np.arcsinh((T_min - center) / width), np.arcsinh((T_max - center) / width), n)
    return center + width * np.sinh(u)


def test_mean_by_temperature_matches_a_loop():
    rng = np.random.default_rng(0)
    T = rng.choice([1.0, 2.0, 3.0], size=50)
    v = rng.normal(size=(50, 2))
    grid, means = cr.mean_by_temperature(T, v)
    assert grid.tolist() == [1.0, 2.0, 3.0]
    for k, t in enumerate(grid):
        np.testing.assert_allclose(means[k], v[T == t].mean(axis=0), rtol=1e-12)
    grid1, means1 = cr.mean_by_temperature(T, v[:, 0])
    np.testing.assert_allclose(means1, means[:, 0])
    with pytest.raises(ValueError, match="first axis"):
        cr.mean_by_temperature(T, v[:10])


def test_crossing_of_two_straight_lines_is_exact():
    # y1 = 3 - T, y2 = 0.5 T: they cross at T = 2 (between grid points 1.9 and 2.15)
    T = np.array([1.0, 1.5, 1.9, 2.15, 2.8, 3.3])
    assert cr.find_crossing(T, 3 - T, 0.5 * T) == pytest.approx(2.0, abs=1e-12)
    # with y2 = None the level is 1/2: 3 - T = 1/2 at T = 2.5
    assert cr.find_crossing(T, 3 - T) == pytest.approx(2.5, abs=1e-12)
    # orientation does not matter
    assert cr.find_crossing(T, 0.5 * T, 3 - T) == pytest.approx(2.0, abs=1e-12)


def test_crossing_of_noiseless_sigmoids():
    T0, w = 2.2917, 0.08
    T = sinh_grid()
    p = sigmoid((T0 - T) / w)
    assert cr.find_crossing(T, p, 1 - p) == pytest.approx(T0, abs=2e-3)


def test_crossing_ignores_isolated_noisy_sign_changes():
    T = np.linspace(1.0, 3.0, 21)                    # crossing of d = 2.0 - T at T = 2.0 ...
    d = 2.0 - T + 1e-9
    d[3] = -0.1                                      # ... plus two outliers far from it
    d[17] = 0.2
    assert cr.find_crossing(T, d, np.zeros_like(d)) == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize("args, match", [
    (([1.0, 2.0, 3.0], [0.9, 0.8, 0.7], [0.1, 0.2, 0.3]), "do not cross"),
    (([1.0, 2.0, 3.0], [0.9, 0.1]), "same length"),
    (([1.0, 3.0, 2.0], [0.9, 0.5, 0.1]), "increasing"),
    (([1.0, 2.0, 3.0], [0.9, float("nan"), 0.1]), "NaN"),
    (([1.0], [0.9]), "at least 2"),
    (("abc", [0.9]), "1-D"),
])
def test_find_crossing_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        cr.find_crossing(*args)


def synthetic_outputs(rng, T0=2.30, w=0.06, n_per_T=60, n_seeds=3, seed_shift=0.0, noise=0.25):
    """Outputs (n_seeds, n, 2) of imaginary networks: a sigmoid in T centred at T0 (per seed
    shifted by N(0, seed_shift)) plus per-sample noise, clipped to [0, 1]."""
    T = np.repeat(sinh_grid(), n_per_T)
    outs = []
    for _ in range(n_seeds):
        centre = T0 + rng.normal(0.0, seed_shift) if seed_shift else T0
        p = np.clip(sigmoid((centre - T) / w) + rng.normal(0.0, noise, T.size), 0.0, 1.0)
        outs.append(np.stack([p, 1 - p], axis=1))
    return T, np.array(outs)


def test_crossing_with_error_recovers_the_known_crossing():
    rng = np.random.default_rng(1)
    T, outs = synthetic_outputs(rng)
    res = cr.crossing_with_error(T, outs, n_boot=300, seed=0)
    assert 0.0 < res.error < 0.02
    assert abs(res.T_star - 2.30) < 4 * res.error
    assert res.per_seed.shape == (3,)
    assert res.mean_outputs.shape == (40, 2)
    np.testing.assert_allclose(res.mean_outputs.sum(axis=1), 1.0)
    assert res.error == pytest.approx(math.hypot(res.bootstrap_error, res.seed_error))
    assert str(res) == f"{res.T_star:.4f} ± {res.error:.4f}"
    # same seed, same answer; one network: no seed error
    assert cr.crossing_with_error(T, outs, n_boot=300, seed=0).error == res.error
    single = cr.crossing_with_error(T, outs[0], n_boot=50, seed=0)
    assert single.seed_error == 0.0 and single.error == single.bootstrap_error


@pytest.mark.slow
def test_crossing_error_bar_has_the_right_size():
    """Over independent synthetic test sets, |T* - T0| < error about 68 % of the time."""
    rng = np.random.default_rng(2)
    hits, n_rep = 0, 60
    for _ in range(n_rep):
        T, outs = synthetic_outputs(rng, n_seeds=1, n_per_T=30, noise=0.35)
        res = cr.crossing_with_error(T, outs, n_boot=100, seed=rng)
        hits += abs(res.T_star - 2.30) < res.error
    assert 0.45 < hits / n_rep < 0.9


def test_seed_error_measures_the_spread_between_networks():
    rng = np.random.default_rng(3)
    # per-seed curves shifted by 0.02 (std), almost no test noise: seed_error ~ 0.02 / sqrt(12)
    T, outs = synthetic_outputs(rng, n_seeds=12, seed_shift=0.02, noise=0.01, n_per_T=20)
    res = cr.crossing_with_error(T, outs, n_boot=50, seed=0)
    assert 0.5 * 0.02 / math.sqrt(12) < res.seed_error < 2.0 * 0.02 / math.sqrt(12)
    assert res.bootstrap_error < res.seed_error
    assert np.std(res.per_seed, ddof=1) == pytest.approx(res.seed_error * math.sqrt(12))


def test_crossing_with_error_bad_input():
    T, outs = synthetic_outputs(np.random.default_rng(4), n_per_T=5)
    with pytest.raises(ValueError, match="shape"):
        cr.crossing_with_error(T, outs[..., :1])
    with pytest.raises(ValueError, match="shape"):
        cr.crossing_with_error(T[:-1], outs)
    with pytest.raises(ValueError, match="n_boot"):
        cr.crossing_with_error(T, outs, n_boot=1)
    with pytest.raises(ValueError, match="seed"):
        cr.crossing_with_error(T, outs, seed=-3)
    with pytest.raises(ValueError, match="distinct"):
        cr.crossing_with_error(np.full(10, 2.0), np.full((10, 2), 0.5))
