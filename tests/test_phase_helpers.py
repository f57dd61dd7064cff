"""The helpers that notebook 07 calls instead of holding the logic itself:
isingmc.phase_data.sweeps_between_for_grid (the autocorrelation probe), nnlib.transition.scaling.fit_collapse_sizes
(one curve per size -> collapse fit), nnlib.transition.phases.threshold_crossing (a one-number classifier measured
like the network) and nnlib.transition.tables.format_table (tables aligned from their values)."""

import math

import numpy as np
import pytest

import isingmc
from isingmc.phase_data import SpacingProbe, sweeps_between_for_grid
from nnlib.transition import crossing, phases, scaling
from nnlib.transition.pca import BinderRatio
from nnlib.transition.tables import format_table

T0 = 2.3           # critical temperature of the synthetic curves


# ------------------------------------------------------------------------------------------------
# isingmc.phase_data.sweeps_between_for_grid

def test_probe_measures_the_four_temperatures_like_simulate_and_applies_the_rule():
    grid = np.array([1.6, 1.9, 2.1, 2.2, 2.25, 2.3, 2.4, 2.6, 2.9])
    probe = sweeps_between_for_grid(8, grid, T_c=2.27, window=0.35, seed=3)
    assert isinstance(probe, SpacingProbe)
    # next to T_c, then the grid points nearest T_c -+ window (1.92 -> 1.9, 2.62 -> 2.6)
    np.testing.assert_array_equal(probe.temperatures, [2.25, 2.3, 1.9, 2.6])
    for k, T in enumerate(probe.temperatures):          # independent reference: simulate itself
        _, info = isingmc.simulate(8, float(T), 1, seed=3, return_info=True)
        assert probe.tau_abs_m[k] == info["tau_abs_m"]
        assert probe.tau_energy[k] == info["tau_energy"]
    tau = np.maximum(probe.tau_abs_m, probe.tau_energy)
    assert probe.critical == max(2, math.ceil(2 * max(tau[0], tau[1])))
    assert probe.outside == max(2, math.ceil(2 * max(tau[2], tau[3])))
    expected = [probe.critical if abs(T - 2.27) < 0.35 else probe.outside for T in grid]
    assert probe.sweeps_between == expected
    assert probe.sweeps_between[0] == probe.outside and probe.sweeps_between[4] == probe.critical
    # the result feeds labelled_snapshots
    data = isingmc.labelled_snapshots(8, grid, 2, seed=0, T_c=2.27,
                                      sweeps_between=probe.sweeps_between, n_equilibration=5)
    assert len(data) == 2 * grid.size


def test_probe_minimum_and_factor():
    grid = np.array([2.0, 2.2, 2.35, 2.6])
    probe = sweeps_between_for_grid(8, grid, T_c=2.27, window=0.3, seed=1, factor=0.01, minimum=7)
    assert probe.critical == probe.outside == 7
    assert probe.sweeps_between == [7, 7, 7, 7]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(temperatures=[1.5, 2.0]), ValueError, "both sides of T_c"),
    (dict(temperatures=[2.5, 3.0]), ValueError, "both sides of T_c"),
    (dict(temperatures=[2.5, 2.0]), ValueError, "increasing"),
    (dict(window=0), ValueError, "window"),
    (dict(factor=-1.0), ValueError, "factor"),
    (dict(minimum=0), ValueError, "minimum"),
    (dict(seed=None), ValueError, "seed"),
    (dict(L=8.5), TypeError, "L"),
    (dict(temperatures="2.0"), TypeError, "temperatures"),
])
def test_probe_refuses_bad_arguments(kwargs, error, match):
    args = dict(L=8, temperatures=[2.0, 2.5], seed=0)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        sweeps_between_for_grid(args.pop("L"), args.pop("temperatures"), **args)


# ------------------------------------------------------------------------------------------------
# nnlib.transition.scaling.fit_collapse_sizes

def _binder_like(sizes, grid, T_c, rng, n_boot=30, noise=0.003):
    """Curves y_L(T) = f((T - T_c)/T_c L) with a known f, their errors and bootstrap rows."""
    curves = {}
    for L in sizes:
        x = (grid - T_c) / T_c * L
        y = 0.6 / (1 + np.exp(2 * x)) + rng.normal(0, noise, grid.size)
        boot = y + rng.normal(0, noise, (n_boot, grid.size))
        curves[L] = BinderRatio(T=grid.copy(), U=y, error=np.full(grid.size, noise), boot=boot)
    return curves


def test_fit_collapse_sizes_equals_stacking_by_hand_and_finds_T_c():
    rng = np.random.default_rng(2)
    grid = np.linspace(2.0, 2.6, 41)
    curves = _binder_like([16, 24, 32, 64], grid, T0, rng)
    fit = scaling.fit_collapse_sizes(curves, window=1.0, degree=3)
    # the reference: what notebook 07 did by hand (stack the sizes, start at the crossing of the
    # smallest and largest size)
    order = sorted(curves)
    guess = crossing.find_crossing(grid, curves[16].U, curves[64].U)
    ref = scaling.fit_collapse(np.concatenate([curves[L].T for L in order]),
                               np.concatenate([np.full(grid.size, L) for L in order]),
                               np.concatenate([curves[L].U for L in order]),
                               np.concatenate([curves[L].error for L in order]),
                               T_c_guess=guess, window=1.0, degree=3, nu=1.0,
                               boot=np.concatenate([curves[L].boot for L in order], axis=1))
    assert fit.T_c == ref.T_c and fit.T_c_error == ref.T_c_error and fit.chi2 == ref.chi2
    np.testing.assert_array_equal(fit.used, ref.used)
    assert abs(fit.T_c - T0) < 4 * fit.T_c_error + 1e-3
    # the order of the mapping does not matter; tuples work like BinderRatio objects
    shuffled = {L: (c.T, c.U, c.error, c.boot) for L, c in reversed(list(curves.items()))}
    assert scaling.fit_collapse_sizes(shuffled, window=1.0, degree=3).T_c == fit.T_c
    # without bootstrap rows the error is the curvature error
    plain = {L: (c.T, c.U, c.error) for L, c in curves.items()}
    no_boot = scaling.fit_collapse_sizes(plain, window=1.0, degree=3)
    assert no_boot.T_c == pytest.approx(fit.T_c, abs=1e-12)
    assert no_boot.per_boot is None and no_boot.T_c_error == no_boot.curvature_error
    # an explicit guess replaces the crossing
    assert scaling.fit_collapse_sizes(plain, T_c_guess=2.31, window=1.0, degree=3).T_c == \
        pytest.approx(T0, abs=0.01)


def test_fit_collapse_sizes_refuses_bad_arguments():
    rng = np.random.default_rng(3)
    grid = np.linspace(2.0, 2.6, 31)
    curves = _binder_like([16, 32], grid, T0, rng)
    with pytest.raises(TypeError, match="mapping"):
        scaling.fit_collapse_sizes([curves[16], curves[32]])
    with pytest.raises(ValueError, match="at least 2"):
        scaling.fit_collapse_sizes({16: curves[16]})
    with pytest.raises(TypeError, match=r"curves\[32\]"):
        scaling.fit_collapse_sizes({16: curves[16], 32: "U"})
    with pytest.raises(ValueError, match="L"):
        scaling.fit_collapse_sizes({-16: curves[16], 32: curves[32]})
    mixed = {16: curves[16], 32: (curves[32].T, curves[32].U, curves[32].error)}
    with pytest.raises(ValueError, match="all carry bootstrap"):
        scaling.fit_collapse_sizes(mixed)
    short = {16: (grid, curves[16].U[:-1], curves[16].error), 32: curves[32]}
    with pytest.raises(ValueError, match="same length"):
        scaling.fit_collapse_sizes(short)
    other_T = {16: curves[16], 32: BinderRatio(T=grid + 0.001, U=curves[32].U,
                                               error=curves[32].error, boot=curves[32].boot)}
    with pytest.raises(ValueError, match="share their temperatures"):
        scaling.fit_collapse_sizes(other_T)
    bad_boot = {16: curves[16], 32: BinderRatio(T=grid, U=curves[32].U, error=curves[32].error,
                                                boot=curves[32].boot[:, :-1])}
    with pytest.raises(ValueError, match="boot must have shape"):
        scaling.fit_collapse_sizes(bad_boot)


# ------------------------------------------------------------------------------------------------
# nnlib.transition.phases.threshold_crossing

def test_threshold_crossing_matches_the_analysis_by_hand():
    rng = np.random.default_rng(4)
    grid = np.linspace(1.8, 2.8, 21)
    T_train, T_test = np.repeat(grid, 40), np.repeat(grid, 60)

    def feature(T):                    # an |m|-like number that falls through T0
        return 1 / (1 + np.exp((T - T0) / 0.05)) + rng.normal(0, 0.1, T.size)

    v_train, v_test = feature(T_train), feature(T_test)
    y_train, y_test = (T_train > T0).astype(int), (T_test > T0).astype(int)
    res = phases.threshold_crossing(v_train, y_train, v_test, y_test, T_test, n_boot=50, seed=8)
    clf = phases.fit_threshold(v_train, y_train)
    assert res.classifier == clf
    pred = np.where(v_test > clf.threshold, clf.high_label, 1 - clf.high_label)
    assert res.accuracy == np.mean(pred == y_test)
    outputs = np.zeros((T_test.size, 2))
    outputs[np.arange(T_test.size), pred] = 1.0          # one-hot by indexing, not by stacking
    ref = crossing.crossing_with_error(T_test, outputs, n_boot=50, seed=8)
    assert res.crossing.T_star == ref.T_star and res.crossing.error == ref.error
    assert abs(res.crossing.T_star - T0) < 0.05
    # the fraction predicted ordered at each temperature is the averaged first output
    frac = np.array([np.mean(pred[T_test == T] == 0) for T in grid])
    np.testing.assert_allclose(res.crossing.mean_outputs[:, 0], frac)


def test_threshold_crossing_refuses_mismatched_test_data():
    v = np.linspace(0, 1, 20)
    y = (v > 0.5).astype(int)
    T = np.repeat([1.0, 2.0], 10)
    with pytest.raises(ValueError, match="test_labels"):
        phases.threshold_crossing(v, y, v, y[:-1], T)
    with pytest.raises(ValueError, match="temperatures|outputs"):
        phases.threshold_crossing(v, y, v, y, T[:-1])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        phases.threshold_crossing(v, y + 2, v, y, T)


# ------------------------------------------------------------------------------------------------
# nnlib.transition.tables.format_table

def test_format_table_aligns_columns_from_the_values():
    text = format_table([(8, 2.2664, 0.853, "a"), (16, 2.28891, 0.9, None)],
                        [("L", "d"), ("T*(L)", ".4f"), ("accuracy", ".1%"), "note"])
    assert text.split("\n") == [
        " L   T*(L)  accuracy  note",
        " 8  2.2664     85.3%  a",
        "16  2.2889     90.0%",
    ]


def test_format_table_callables_alignment_and_separator():
    rows = [("x", 1.5), ("longer", -0.25)]
    text = format_table(rows, [("name", "", ">"), ("v", lambda v: f"{v:+.2f} s", "<")], sep=" | ")
    assert text.split("\n") == ["  name | v", "     x | +1.50 s", "longer | -0.25 s"]
    # every line but trailing blanks has the same width: the widths follow the widest cell
    assert format_table([], ["a", "bb"]) == "a  bb"


@pytest.mark.parametrize("rows, columns, error, match", [
    ([(1,)], [], TypeError, "columns"),
    ([(1,)], "ab", TypeError, "columns"),
    ([(1,)], [(3, "d")], TypeError, "header"),
    ([(1,)], [("a", 5)], TypeError, "fmt"),
    ([(1,)], [("a", "d", "^")], ValueError, "align"),
    ([(1, 2)], ["a"], ValueError, r"rows\[0\] has 2 values"),
    ([1], ["a"], TypeError, r"rows\[0\]"),
    (5, ["a"], TypeError, "rows"),
    ([("text",)], [("a", ".3f")], ValueError, r"rows\[0\], column 'a'"),
    ([(1,)], [("a", lambda v: 3)], TypeError, "not a string"),
])
def test_format_table_refuses_bad_arguments(rows, columns, error, match):
    with pytest.raises(error, match=match):
        format_table(rows, columns)


# ------------------------------------------------------------------------------------------------
# nnlib.transition.phases.what_training_changed

def test_what_training_changed_is_zero_before_training_and_ranks_by_vote():
    net = phases.phase_network(16, hidden=5, seed=11)
    units = phases.what_training_changed(net, seed=11)
    assert units.weight_change.shape == (5, 16) and not np.any(units.weight_change)
    W2 = net.weights[1]
    np.testing.assert_array_equal(units.influence, [W2[0, j] - W2[1, j] for j in range(5)])
    assert sorted(units.ranking.tolist()) == list(range(5))
    votes = np.abs(units.influence)[units.ranking]
    assert np.all(np.diff(votes) <= 0)
    # another seed is another start: the "change" is then not zero
    assert np.any(phases.what_training_changed(net, seed=12).weight_change)


def test_what_training_changed_after_training():
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], (400, 16)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)                    # the first input decides the label
    start = phases.phase_network(16, hidden=6, seed=4).weights[0].copy()
    net = phases.train_phase_network(X, y, hidden=6, epochs=3, seed=4)
    units = phases.what_training_changed(net, seed=4)
    np.testing.assert_allclose(units.weight_change, net.weights[0] - start, rtol=0, atol=0)
    # the units that vote most changed their weight on input 0 more than on the others
    top = units.ranking[0]
    assert np.abs(units.weight_change[top, 0]) > np.abs(units.weight_change[top, 1:]).max()


def test_what_training_changed_refuses_other_networks():
    from nnlib import Network
    with pytest.raises(TypeError, match="net"):
        phases.what_training_changed("net", seed=0)
    with pytest.raises(ValueError, match="sizes"):
        phases.what_training_changed(Network([4, 3, 3], seed=0), seed=0)
    with pytest.raises(ValueError, match="sizes"):
        phases.what_training_changed(Network([4, 2], seed=0), seed=0)
