"""nnlib.phases against independent references: analytic crossings, numpy.polyfit, brute force,
synthetic data with a known answer."""

import math

import numpy as np
import pytest

import isingmc
from nnlib import phases as ph


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------------------------------------
# constants, grid, labels

def test_T_C_is_onsagers():
    assert ph.T_C == pytest.approx(isingmc.exact.T_C, rel=1e-15)
    # Kramers-Wannier self-duality: sinh(2/T_C) = 1
    assert math.sinh(2.0 / ph.T_C) == pytest.approx(1.0, rel=1e-14)


def test_temperature_grid_is_dense_near_the_centre():
    T = ph.temperature_grid(40, 1.0, 3.5)
    assert T.shape == (40,)
    assert T[0] == 1.0 and T[-1] == 3.5
    assert np.all(np.diff(T) > 0)
    gaps = np.diff(T)
    near = gaps[np.argmin(np.abs(0.5 * (T[1:] + T[:-1]) - ph.T_C))]
    assert near < 0.05 < 2 * near < gaps[0] and 2 * near < gaps[-1]
    assert np.mean(np.abs(T - ph.T_C) < 0.3) > 0.35    # a uniform grid: 0.6 / 2.5 = 24 %


@pytest.mark.parametrize("kwargs, err", [
    (dict(n=1), ValueError), (dict(n=2.5), TypeError), (dict(T_min=3.0, T_max=2.0), ValueError),
    (dict(T_min=-1.0), ValueError), (dict(width=0.0), ValueError),
    (dict(center=float("nan")), ValueError),
])
def test_temperature_grid_bad_input(kwargs, err):
    with pytest.raises(err):
        ph.temperature_grid(**kwargs)


def test_phase_labels():
    labels = ph.phase_labels([1.0, 2.2, 2.3, 3.0])
    assert labels.tolist() == [ph.ORDERED, ph.ORDERED, ph.DISORDERED, ph.DISORDERED] == [0, 0, 1, 1]
    assert ph.phase_labels([1.0, 2.0], T_c=1.5).tolist() == [0, 1]
    with pytest.raises(ValueError, match="T_c"):
        ph.phase_labels([1.0, ph.T_C])
    with pytest.raises(ValueError, match="finite"):
        ph.phase_labels([1.0, float("nan")])


# ------------------------------------------------------------------------------------------------
# averaging and the crossing

def test_mean_by_temperature_matches_a_loop():
    rng = np.random.default_rng(0)
    T = rng.choice([1.0, 2.0, 3.0], size=50)
    v = rng.normal(size=(50, 2))
    grid, means = ph.mean_by_temperature(T, v)
    assert grid.tolist() == [1.0, 2.0, 3.0]
    for k, t in enumerate(grid):
        np.testing.assert_allclose(means[k], v[T == t].mean(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="first axis"):
        ph.mean_by_temperature(T, v[:10])


def test_crossing_of_two_straight_lines_is_exact():
    # y1 = 3 - T, y2 = 0.5 T: they cross at T = 2 (between grid points 1.9 and 2.15)
    T = np.array([1.0, 1.5, 1.9, 2.15, 2.8, 3.3])
    assert ph.find_crossing(T, 3 - T, 0.5 * T) == pytest.approx(2.0, abs=1e-12)
    # with y2 = None the level is 1/2: 3 - T = 1/2 at T = 2.5
    assert ph.find_crossing(T, 3 - T) == pytest.approx(2.5, abs=1e-12)
    # orientation does not matter
    assert ph.find_crossing(T, 0.5 * T, 3 - T) == pytest.approx(2.0, abs=1e-12)


def test_crossing_of_noiseless_sigmoids():
    T0, w = 2.2917, 0.08
    T = ph.temperature_grid(40)
    p = sigmoid((T0 - T) / w)
    assert ph.find_crossing(T, p, 1 - p) == pytest.approx(T0, abs=2e-3)


def test_crossing_ignores_isolated_noisy_sign_changes():
    T = np.linspace(1.0, 3.0, 21)                    # crossing of d = 2.0 - T at T = 2.0 ...
    d = 2.0 - T + 1e-9
    d[3] = -0.1                                      # ... plus two outliers far from it
    d[17] = 0.2
    assert ph.find_crossing(T, d, np.zeros_like(d)) == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize("args, err, match", [
    (([1.0, 2.0, 3.0], [0.9, 0.8, 0.7], [0.1, 0.2, 0.3]), ValueError, "do not cross"),
    (([1.0, 2.0, 3.0], [0.9, 0.1]), ValueError, "same length"),
    (([1.0, 3.0, 2.0], [0.9, 0.5, 0.1]), ValueError, "increasing"),
    (([1.0, 2.0, 3.0], [0.9, float("nan"), 0.1]), ValueError, "finite"),
    (([1.0], [0.9]), ValueError, "at least 2"),
    (("abc", [0.9]), TypeError, "1-D"),
])
def test_find_crossing_bad_input(args, err, match):
    with pytest.raises(err, match=match):
        ph.find_crossing(*args)


def synthetic_outputs(rng, T0=2.30, w=0.06, n_per_T=60, n_seeds=3, seed_shift=0.0, noise=0.25):
    """Outputs (n_seeds, n, 2) of imaginary networks: a sigmoid in T centred at T0 (per seed
    shifted by N(0, seed_shift)) plus per-sample noise, clipped to [0, 1]."""
    grid = ph.temperature_grid(40)
    T = np.repeat(grid, n_per_T)
    outs = []
    for _ in range(n_seeds):
        centre = T0 + rng.normal(0.0, seed_shift) if seed_shift else T0
        p = np.clip(sigmoid((centre - T) / w) + rng.normal(0.0, noise, T.size), 0.0, 1.0)
        outs.append(np.stack([p, 1 - p], axis=1))
    return T, np.array(outs)


def test_crossing_with_error_recovers_the_known_crossing():
    rng = np.random.default_rng(1)
    T, outs = synthetic_outputs(rng)
    res = ph.crossing_with_error(T, outs, n_boot=300, seed=0)
    assert 0.0 < res.error < 0.02
    assert abs(res.T_star - 2.30) < 4 * res.error
    assert res.per_seed.shape == (3,)
    assert res.mean_outputs.shape == (40, 2)
    np.testing.assert_allclose(res.mean_outputs.sum(axis=1), 1.0)
    assert res.error == pytest.approx(math.hypot(res.bootstrap_error, res.seed_error))
    # same seed, same answer; one network: no seed error
    assert ph.crossing_with_error(T, outs, n_boot=300, seed=0).error == res.error
    single = ph.crossing_with_error(T, outs[0], n_boot=50, seed=0)
    assert single.seed_error == 0.0 and single.error == single.bootstrap_error


def test_crossing_error_bar_has_the_right_size():
    """Over independent synthetic test sets, |T* - T0| < error about 68 % of the time."""
    rng = np.random.default_rng(2)
    hits, n_rep = 0, 60
    for _ in range(n_rep):
        T, outs = synthetic_outputs(rng, n_seeds=1, n_per_T=30, noise=0.35)
        res = ph.crossing_with_error(T, outs, n_boot=100, seed=rng)
        hits += abs(res.T_star - 2.30) < res.error
    assert 0.45 < hits / n_rep < 0.9


def test_seed_error_measures_the_spread_between_networks():
    rng = np.random.default_rng(3)
    # per-seed curves shifted by 0.02 (std), almost no test noise: seed_error ~ 0.02 / sqrt(12)
    T, outs = synthetic_outputs(rng, n_seeds=12, seed_shift=0.02, noise=0.01, n_per_T=20)
    res = ph.crossing_with_error(T, outs, n_boot=50, seed=0)
    assert 0.5 * 0.02 / math.sqrt(12) < res.seed_error < 2.0 * 0.02 / math.sqrt(12)
    assert res.bootstrap_error < res.seed_error
    assert np.std(res.per_seed, ddof=1) == pytest.approx(res.seed_error * math.sqrt(12))


def test_resample_within_temperature():
    T = np.repeat([1.0, 2.0, 3.0], [5, 7, 9])
    idx = ph.resample_within_temperature(T, seed=0)
    assert idx.shape == (21,)
    np.testing.assert_array_equal(T[idx], T)              # every row keeps its temperature
    assert len(np.unique(idx)) < 21                       # with replacement: some repeats
    np.testing.assert_array_equal(idx, ph.resample_within_temperature(T, seed=0))
    counts = np.bincount(np.concatenate([ph.resample_within_temperature(T, seed=s) for s in range(400)]),
                         minlength=21)
    assert counts.min() > 300 and counts.max() < 500      # each sample drawn ~ once per resample


def test_crossing_with_error_bad_input():
    T, outs = synthetic_outputs(np.random.default_rng(4), n_per_T=5)
    with pytest.raises(ValueError, match="shape"):
        ph.crossing_with_error(T, outs[..., :1])
    with pytest.raises(ValueError, match="shape"):
        ph.crossing_with_error(T[:-1], outs)
    with pytest.raises(ValueError, match="n_boot"):
        ph.crossing_with_error(T, outs, n_boot=1)
    with pytest.raises(ValueError, match="seed"):
        ph.crossing_with_error(T, outs, seed=-3)
    with pytest.raises(ValueError, match="distinct"):
        ph.crossing_with_error(np.full(10, 2.0), np.full((10, 2), 0.5))


# ------------------------------------------------------------------------------------------------
# finite-size extrapolation and collapse

def test_finite_size_fit_matches_numpy_polyfit():
    rng = np.random.default_rng(5)
    L = np.array([8, 16, 24, 32, 48, 64])
    err = np.array([0.02, 0.01, 0.008, 0.005, 0.004, 0.003])
    T_star = ph.T_C + 0.6 / L + rng.normal(0, err)
    fit = ph.fit_finite_size(L, T_star, err, scale_errors=False)
    (a, c), cov = np.polyfit(1.0 / L, T_star, 1, w=1 / err, cov="unscaled")
    assert fit.T_c == pytest.approx(c, rel=1e-12)
    assert fit.a == pytest.approx(a, rel=1e-9)
    assert fit.T_c_error == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-9)
    assert fit.a_error == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-9)
    assert fit.chi2 == pytest.approx(np.sum(((T_star - c - a / L) / err) ** 2), rel=1e-9)
    assert fit.dof == 4
    assert abs(fit.T_c - ph.T_C) < 4 * fit.T_c_error
    np.testing.assert_allclose(fit(L), c + a / L)


def test_finite_size_fit_scales_errors_when_points_scatter():
    rng = np.random.default_rng(6)
    L = np.array([8, 16, 24, 32, 48, 64])
    err = np.full(6, 0.001)
    T_star = ph.T_C + 0.6 / L + rng.normal(0, 0.01, 6)     # scatter 10x the stated errors
    fit = ph.fit_finite_size(L, T_star, err)
    assert fit.scaled and fit.chi2 / fit.dof > 1
    _, cov = np.polyfit(1.0 / L, T_star, 1, w=1 / err, cov=True)   # numpy scales by chi2/dof
    assert fit.T_c_error == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-9)


def test_finite_size_fit_exact_line_and_other_nu():
    L = np.array([10.0, 20.0, 40.0])
    T_star = 2.0 + 0.3 * L ** (-1 / 0.8)
    fit = ph.fit_finite_size(L, T_star, [0.01] * 3, nu=0.8)
    assert fit.T_c == pytest.approx(2.0, abs=1e-12)
    assert fit.a == pytest.approx(0.3, abs=1e-10)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-18) and not fit.scaled


@pytest.mark.parametrize("args, match", [
    (([8], [2.3], [0.01]), "at least 2"),
    (([8, 16], [2.3, 2.28], [0.01, 0.01, 0.01]), "same length"),
    (([8, 16], [2.3, 2.28], [0.01, 0.0]), "errors must be > 0"),
    (([8, -16], [2.3, 2.28], [0.01, 0.01]), "L must be > 0"),
    (([16, 16], [2.3, 2.28], [0.01, 0.01]), "two different"),
])
def test_finite_size_fit_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ph.fit_finite_size(*args)


def test_scaling_variable_collapses_finite_size_curves():
    # curves that depend on T and L only through t L (nu = 1) coincide against t L
    x = np.linspace(-2, 2, 9)
    for L in (8, 32, 64):
        T = ph.T_C * (1 + x / L)
        np.testing.assert_allclose(ph.scaling_variable(T, L), x, atol=1e-12)
    assert ph.reduced_temperature(2 * ph.T_C) == pytest.approx(1.0)
    assert ph.scaling_variable(ph.T_C * 1.01, 16, nu=0.5) == pytest.approx(0.01 * 256)
    with pytest.raises(ValueError, match="L"):
        ph.scaling_variable(2.0, 0)
    with pytest.raises(TypeError, match="nu"):
        ph.scaling_variable(2.0, 8, nu="one")


# ------------------------------------------------------------------------------------------------
# threshold classifier

def brute_force_best_accuracy(v, y):
    cands = np.concatenate([[v.min() - 1], v])
    return max(max(np.mean((v > c) == y), np.mean((v <= c) == y)) for c in cands)


@pytest.mark.parametrize("seed", range(5))
def test_fit_threshold_is_the_best_single_threshold(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    v = np.round(rng.normal(size=200) + (1.5 if seed % 2 else -1.5) * y, 1)   # ties included
    clf = ph.fit_threshold(v, y)
    assert clf.accuracy(v, y) == pytest.approx(brute_force_best_accuracy(v, y))
    assert clf.high_label == (1 if seed % 2 else 0)


def test_fit_threshold_bad_input():
    with pytest.raises(ValueError, match="labels"):
        ph.fit_threshold([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="shape"):
        ph.fit_threshold([0.1, 0.2], [0, 1, 1])


# ------------------------------------------------------------------------------------------------
# symmetry augmentation

def phase_only_data(rng, grid, n_per_T, T_c, noise=0.6):
    """One feature that only knows the phase (+1 ordered, -1 disordered, plus noise)."""
    T = np.repeat(grid, n_per_T)
    x = np.where(T < T_c, 1.0, -1.0) + rng.normal(0.0, noise, T.size)
    return x[:, None], T


def threshold_fit_predict(X_train, labels, X_test, seed):
    return ph.fit_threshold(X_train[:, 0], labels).predict(X_test[:, 0])


def test_confusion_scan_finds_the_middle_peak_of_the_w():
    rng = np.random.default_rng(7)
    grid = np.linspace(1.0, 3.5, 26)                 # T_c = 2.27 lies between 2.2 and 2.3
    T_c = 2.27
    X_train, T_train = phase_only_data(rng, grid, 100, T_c)
    X_test, T_test = phase_only_data(rng, grid, 100, T_c)
    trial = ph.trial_temperatures(grid)
    scan = ph.confusion_scan(X_train, T_train, X_test, T_test, trial, threshold_fit_predict,
                             seeds=(0, 1))
    acc = scan.accuracy
    assert acc[0] == 1.0 and acc[-1] == 1.0          # one class only: the trivial ends
    k = int(np.argmin(np.abs(trial - 2.25)))         # the trial between 2.2 and 2.3
    assert trial[k] == pytest.approx(2.25)
    assert ph.confusion_peak(trial, acc) == pytest.approx(2.25)
    assert acc[k] > acc[k - 5] and acc[k] > acc[k + 5]   # dips on both sides: the W
    res = ph.confusion_peak_with_error(scan, n_boot=100, seed=0)
    assert res.T_c == pytest.approx(2.25)
    assert res.resolution == pytest.approx(0.1 / math.sqrt(12))
    assert res.error >= res.resolution and abs(res.T_c - T_c) < 3 * res.error


def test_confusion_peak_on_an_explicit_w():
    x = np.linspace(0, 10, 11)
    w = np.array([1.0, 0.9, 0.8, 0.7, 0.8, 0.95, 0.8, 0.7, 0.75, 0.9, 1.0])
    assert ph.confusion_peak(x, w) == 5.0
    with pytest.raises(ValueError, match="no middle peak"):
        ph.confusion_peak(x, np.linspace(1.0, 0.5, 11))        # monotone: no W
    with pytest.raises(ValueError, match="no middle peak"):
        ph.confusion_peak(x, np.abs(x - 5) / 5)                # a V without middle peak
    with pytest.raises(ValueError, match="same length"):
        ph.confusion_peak(x, w[:-1])


def test_confusion_peak_uses_topographic_prominence():
    # a bump (index 3) on the left arm and the middle peak (index 6) between the two deep dips
    x = np.arange(11.0)
    a = np.array([1.0, 0.9, 0.8, 0.96, 0.92, 0.93, 0.95, 0.87, 0.8, 0.9, 1.0])
    # by hand: index 3 rises 0.16 above its higher base (0.8 on both sides: the walk to the right
    # reaches the end 1.0); the lower middle peak only 0.03 above the dip 0.92 between them
    np.testing.assert_allclose(ph._prominence(a), [0, 0, 0, 0.16, 0, 0, 0.03, 0, 0, 0, 0], atol=1e-12)
    assert ph.confusion_peak(x, a) == 3.0
    a[3] = 0.94                      # a bump lower than the middle peak: only 0.94 - 0.92 = 0.02
    np.testing.assert_allclose(ph._prominence(a), [0, 0, 0, 0.02, 0, 0, 0.15, 0, 0, 0, 0], atol=1e-12)
    assert ph.confusion_peak(x, a) == 6.0


def test_trial_temperatures_are_midpoints_plus_the_ends():
    trial = ph.trial_temperatures([1.0, 2.0, 4.0])
    np.testing.assert_allclose(trial, [0.5, 1.5, 3.0, 5.0])


def test_confusion_scan_bad_input():
    rng = np.random.default_rng(8)
    grid = np.linspace(1.0, 3.0, 5)
    X, T = phase_only_data(rng, grid, 4, 2.2)
    with pytest.raises(ValueError, match="data temperature"):
        ph.confusion_scan(X, T, X, T, [1.5, 2.0], threshold_fit_predict)
    with pytest.raises(ValueError, match="rows"):
        ph.confusion_scan(X[:-1], T, X, T, [1.25], threshold_fit_predict)
    with pytest.raises(TypeError, match="callable"):
        ph.confusion_scan(X, T, X, T, [1.25], "fit")
    with pytest.raises(ValueError, match="return"):
        ph.confusion_scan(X, T, X, T, [1.25], lambda a, b, c, s: np.zeros(3))
    with pytest.raises(TypeError, match="ConfusionScan"):
        ph.confusion_peak_with_error(np.zeros(3))


# ------------------------------------------------------------------------------------------------
# data set and network

def test_ising_phase_data_shapes_labels_and_seeds():
    grid = [1.5, 2.0, 3.0]
    a = ph.ising_phase_data(6, grid, 5, seed=1, sweeps_between=2, n_equilibration=20)
    assert a.spins.shape == (15, 6, 6) and a.spins.dtype == np.int8 and a.L == 6 and len(a) == 15
    assert a.temperatures.tolist() == [1.5] * 5 + [2.0] * 5 + [3.0] * 5
    assert a.labels.tolist() == [0] * 10 + [1] * 5
    assert a.X.shape == (15, 36) and a.X.dtype == np.float32
    assert set(np.unique(a.spins)) <= {-1, 1}
    assert len(a.info) == 3 and a.info[0]["sweeps_between"] == 2
    b = ph.ising_phase_data(6, grid, 5, seed=1, sweeps_between=[2, 2, 2], n_equilibration=20, n_jobs=2)
    np.testing.assert_array_equal(a.spins, b.spins)         # reproducible, independent of n_jobs
    c = ph.ising_phase_data(6, grid, 5, seed=2, sweeps_between=2, n_equilibration=20)
    assert not np.array_equal(a.spins[10:], c.spins[10:])  # another seed: other chains
    # physics sanity: ordered at T = 1.5, nearly disordered at T = 3 (L = 6)
    m = np.abs(isingmc.magnetization_per_site(a.spins))
    assert m[:5].mean() > 0.9 and m[10:].mean() < 0.6


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(temperatures=[2.0, ph.T_C]), ValueError, "T_c"),
    (dict(temperatures=[2.0, 1.0]), ValueError, "increasing"),
    (dict(seed=None), ValueError, "seed"),
    (dict(n_per_T=0), ValueError, "n_per_T"),
    (dict(sweeps_between=[1]), ValueError, "one value per temperature"),
    (dict(L=1), ValueError, "L"),
])
def test_ising_phase_data_bad_input(kwargs, err, match):
    args = dict(L=4, temperatures=[1.5, 3.0], n_per_T=2, seed=0)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        ph.ising_phase_data(**args)


def test_train_phase_network_learns_ordered_vs_disordered():
    rng = np.random.default_rng(9)
    n, L = 400, 8
    ordered = np.where(rng.random((n, L * L)) < 0.95, 1.0, -1.0) * rng.choice([-1.0, 1.0], (n, 1))
    disordered = rng.choice([-1.0, 1.0], (n, L * L))
    X = np.concatenate([ordered, disordered]).astype(np.float32)
    y = np.repeat([0, 1], n)
    net = ph.train_phase_network(X, y, epochs=10, seed=0)
    assert net.sizes == [64, 100, 2]
    assert net.accuracy(X, y) > 0.97
    out = net.predict(X)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)   # softmax outputs
    net2 = ph.train_phase_network(X, y, epochs=10, seed=0)
    np.testing.assert_array_equal(net2.predict(X), out)            # same seed, same network


def test_phase_network_is_the_starting_point_of_training():
    from nnlib import Network
    net0 = ph.phase_network(36, seed=4)
    ref = Network([36, 100, 2], seed=4, activation="sigmoid", output="softmax", cost="cross-entropy",
                  init="scaled", dtype=np.float32)
    for a, b in zip(net0.weights + net0.biases, ref.weights + ref.biases):
        np.testing.assert_array_equal(a, b)
    assert np.std(net0.weights[0]) == pytest.approx(1 / 6, rel=0.1)      # N(0, 1/n_in)
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], (50, 36)).astype(np.float32)
    barely = ph.train_phase_network(X, np.arange(50) % 2, epochs=1, eta=1e-12, seed=4)
    np.testing.assert_allclose(barely.weights[0], net0.weights[0], atol=1e-9)


def test_train_phase_network_bad_input():
    X = np.ones((4, 9), np.float32)
    with pytest.raises(ValueError, match="labels must be 0"):
        ph.train_phase_network(X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="shape"):
        ph.train_phase_network(X, np.array([0, 1]))
    with pytest.raises(ValueError, match="L\\*L"):
        ph.train_phase_network(np.ones((4, 10)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="epochs"):
        ph.train_phase_network(X, np.array([0, 1, 0, 1]), epochs=0)
