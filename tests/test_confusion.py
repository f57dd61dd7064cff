"""nnlib.transition.confusion: the W of learning by confusion on synthetic data with a known transition, the
middle peak (prominence, parabola) and its error bar."""

import math

import numpy as np
import pytest

from nnlib.transition import confusion as cf
from nnlib.transition.phases import fit_threshold


def phase_only_data(rng, grid, n_per_T, T_c, noise=0.6):
    """One feature that only knows the phase (+1 below T_c, -1 above, plus noise)."""
    T = np.repeat(grid, n_per_T)
    x = np.where(T < T_c, 1.0, -1.0) + rng.normal(0.0, noise, T.size)
    return x[:, None], T


def threshold_fit_predict(X_train, labels, X_test, seed):
    return fit_threshold(X_train[:, 0], labels).predict(X_test[:, 0])


def test_confusion_scan_finds_the_middle_peak_of_the_w():
    rng = np.random.default_rng(7)
    grid = np.linspace(1.0, 3.5, 26)                 # T_c = 2.27 lies between 2.2 and 2.3
    T_c = 2.27
    X_train, T_train = phase_only_data(rng, grid, 100, T_c)
    X_test, T_test = phase_only_data(rng, grid, 100, T_c)
    trial = cf.trial_temperatures(grid)
    scan = cf.confusion_scan(X_train, T_train, X_test, T_test, trial, threshold_fit_predict,
                             seeds=(0, 1))
    acc = scan.accuracy
    assert scan.correct.shape == (2, trial.size, T_test.size)
    assert acc[0] == 1.0 and acc[-1] == 1.0          # one class only: the trivial ends
    k = int(np.argmin(np.abs(trial - 2.25)))         # the trial between 2.2 and 2.3
    assert trial[k] == pytest.approx(2.25)
    assert cf.confusion_peak(trial, acc, half_width=0) == pytest.approx(2.25)
    assert acc[k] > acc[k - 5] and acc[k] > acc[k + 5]   # dips on both sides: the W
    best = cf.confusion_peak_with_error(scan, half_width=0, n_boot=100, seed=0)
    assert best.T_c == pytest.approx(2.25)
    assert best.resolution == pytest.approx(0.1 / math.sqrt(12))
    assert best.error >= best.resolution and abs(best.T_c - T_c) < 3 * best.error
    refined = cf.confusion_peak_with_error(scan, half_width=2, n_boot=100, seed=0)
    assert refined.resolution == 0.0 and abs(refined.T_c - T_c) < 0.05
    assert refined.error == pytest.approx(math.hypot(refined.bootstrap_error, refined.seed_error))
    assert refined.per_seed.shape == (2,) and str(refined) == f"{refined.T_c:.4f} ± {refined.error:.4f}"


def test_confusion_peak_on_an_explicit_w():
    x = np.linspace(0, 10, 11)
    w = np.array([1.0, 0.9, 0.8, 0.7, 0.8, 0.95, 0.8, 0.7, 0.75, 0.9, 1.0])
    assert cf.confusion_peak(x, w, half_width=0) == 5.0
    assert cf.confusion_peak(x, w, half_width=1) == pytest.approx(5.0)   # symmetric top
    with pytest.raises(ValueError, match="no middle peak"):
        cf.confusion_peak(x, np.linspace(1.0, 0.5, 11))        # monotone: no W
    with pytest.raises(ValueError, match="no middle peak"):
        cf.confusion_peak(x, np.abs(x - 5) / 5)                # a V without middle peak
    with pytest.raises(ValueError, match="same length"):
        cf.confusion_peak(x, w[:-1])
    with pytest.raises(ValueError, match="half_width"):
        cf.confusion_peak(x, w, half_width=-1)


def test_confusion_peak_uses_topographic_prominence():
    # a bump (index 3) on the left arm and the middle peak (index 6) between the two deep dips
    x = np.arange(11.0)
    a = np.array([1.0, 0.9, 0.8, 0.96, 0.92, 0.93, 0.95, 0.87, 0.8, 0.9, 1.0])
    # by hand: index 3 rises 0.16 above its higher base (0.8 on both sides: the walk to the right
    # reaches the end 1.0); the lower middle peak only 0.03 above the dip 0.92 between them
    np.testing.assert_allclose(cf._prominence(a), [0, 0, 0, 0.16, 0, 0, 0.03, 0, 0, 0, 0], atol=1e-12)
    assert cf.confusion_peak(x, a, half_width=0) == 3.0
    a[3] = 0.94                      # a bump lower than the middle peak: only 0.94 - 0.92 = 0.02
    np.testing.assert_allclose(cf._prominence(a), [0, 0, 0, 0.02, 0, 0, 0.15, 0, 0, 0, 0], atol=1e-12)
    assert cf.confusion_peak(x, a, half_width=0) == 6.0


def test_parabola_finds_the_vertex_between_trials():
    # the top of the W is the parabola 0.95 - 2 (x - 2.287)^2 sampled on an uneven grid of trials
    x = np.array([1.0, 1.6, 2.0, 2.1, 2.2, 2.25, 2.3, 2.36, 2.42, 2.5, 2.9, 3.4, 4.0])
    a = 0.95 - 2.0 * (x - 2.287) ** 2
    a[[0, -1]] = 1.0                                  # the trivial ends
    a[[1, -2]] = 0.5                                  # the two dips
    assert cf.confusion_peak(x, a, half_width=0) == 2.3
    assert cf.confusion_peak(x, a, half_width=2) == pytest.approx(2.287, abs=1e-9)
    assert cf.confusion_peak(x, a, half_width=3) == pytest.approx(2.287, abs=1e-9)
    # a top that does not bend downwards over the window: the best trial itself
    x = np.arange(11.0)
    a = np.array([1.0, 0.8, 0.7, 0.91, 0.8, 0.92, 0.8, 0.91, 0.7, 0.8, 1.0])
    assert cf.confusion_peak(x, a, half_width=2) == 5.0
    # a vertex outside the window is kept at its edge
    a = np.array([1.0, 0.8, 0.7, 0.85, 0.9, 0.93, 0.929, 0.928, 0.7, 0.8, 1.0])
    assert 5.0 < cf.confusion_peak(x, a, half_width=1) <= 6.0


def synthetic_scan(rng, peak=2.287, n_per_T=200, curvature=3.0):
    """A scan whose accuracy has a known vertex: each test sample is right with probability
    0.95 - curvature (trial - peak)^2, independently for every trial (a stand-in for retraining)."""
    grid = np.linspace(2.0, 2.6, 16)
    trial = cf.trial_temperatures(grid)
    T = np.repeat(grid, n_per_T)
    p = np.clip(0.95 - curvature * (trial - peak) ** 2, 0.0, 1.0)
    correct = rng.random((1, trial.size, T.size)) < p[None, :, None]
    return cf.ConfusionScan(trial_T=trial, correct=correct, test_temperatures=T)


def test_peak_error_bar_has_the_right_size():
    """Over independent synthetic scans, |peak - truth| < error about 68 % of the time."""
    rng = np.random.default_rng(12)
    hits, n_rep = 0, 40
    for _ in range(n_rep):
        res = cf.confusion_peak_with_error(synthetic_scan(rng), half_width=3, n_boot=100, seed=rng)
        hits += abs(res.T_c - 2.287) < res.error
        assert res.seed_error == 0.0                  # one seed
    assert 0.45 < hits / n_rep < 0.9


def test_trial_temperatures_are_midpoints_plus_the_ends():
    trial = cf.trial_temperatures([1.0, 2.0, 4.0])
    np.testing.assert_allclose(trial, [0.5, 1.5, 3.0, 5.0])
    with pytest.raises(ValueError, match="increasing"):
        cf.trial_temperatures([1.0, 3.0, 2.0])


def test_confusion_scan_bad_input():
    rng = np.random.default_rng(8)
    grid = np.linspace(1.0, 3.0, 5)
    X, T = phase_only_data(rng, grid, 4, 2.2)
    with pytest.raises(ValueError, match="data temperature"):
        cf.confusion_scan(X, T, X, T, [1.5, 2.0], threshold_fit_predict)
    with pytest.raises(ValueError, match="rows"):
        cf.confusion_scan(X[:-1], T, X, T, [1.25], threshold_fit_predict)
    with pytest.raises(TypeError, match="callable"):
        cf.confusion_scan(X, T, X, T, [1.25], "fit")
    with pytest.raises(ValueError, match="return"):
        cf.confusion_scan(X, T, X, T, [1.25], lambda a, b, c, s: np.zeros(3))
    with pytest.raises(ValueError, match="seeds"):
        cf.confusion_scan(X, T, X, T, [1.25], threshold_fit_predict, seeds=())
    with pytest.raises(TypeError, match="ConfusionScan"):
        cf.confusion_peak_with_error(np.zeros(3))


def test_scans_in_threads_equal_the_loop():
    """n_jobs trainings at a time (phases.map_in_threads): the very same scan as one at a time,
    with real networks (whose kernel releases the GIL) as the classifier."""
    from nnlib.transition import phases
    rng = np.random.default_rng(3)
    grid = np.linspace(1.5, 3.0, 7)
    X_train, T_train = phase_only_data(rng, grid, 30, 2.27)
    X_test, T_test = phase_only_data(rng, grid, 20, 2.27)
    X_train, X_test = np.hstack([X_train, -X_train]), np.hstack([X_test, -X_test])
    calls = []

    def network_fit_predict(X, labels, X_eval, seed):
        calls.append(seed)
        net = phases.train_phase_network(X, labels, hidden=4, epochs=2, mini_batch_size=8,
                                         eta=0.3, seed=seed)
        return net.predict(X_eval).argmax(axis=1)
    trial = cf.trial_temperatures(grid)
    one = cf.confusion_scan(X_train, T_train, X_test, T_test, trial, network_fit_predict,
                            seeds=(0, 1))
    two = cf.confusion_scan(X_train, T_train, X_test, T_test, trial, network_fit_predict,
                            seeds=(0, 1), n_jobs=2)
    np.testing.assert_array_equal(one.correct, two.correct)
    assert len(calls) == 2 * 2 * (trial.size - 2)    # the two trivial ends train nothing
    # and the helper itself: results in the order of the items, errors raised, n_jobs checked
    assert phases.map_in_threads(lambda k: k * k, range(7), n_jobs=3) == [k * k for k in range(7)]
    with pytest.raises(ZeroDivisionError):
        phases.map_in_threads(lambda k: 1 / (k - 3), range(6), n_jobs=2)
    with pytest.raises(ValueError, match="n_jobs"):
        cf.confusion_scan(X_train, T_train, X_test, T_test, trial, network_fit_predict, n_jobs=0)
