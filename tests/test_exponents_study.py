"""isingmc.critical_window and nnlib.transition.exponent_study: snapshots in each size's critical
window, and the whole measurement on real Ising snapshots with a stand-in for a trained network
whose output is a known function of the scaled magnetisation."""

import numpy as np
import pytest

import isingmc
from isingmc.critical_window import DEFAULT_X, critical_temperatures, sample_critical_window
from isingmc.exact import T_C
from nnlib.transition.exponent_study import ExponentStudy, SizeSamples, measure_exponents

SIZES = (8, 12, 16, 24)


def stand_in_network(m, L):
    """The ordered output of an ideal network trained at size L: a step in |m| L^{beta/nu}
    (beta/nu = 1/8), so a dimensionless function of the scaled magnetisation; two "seeds" that
    differ a little."""
    u = np.abs(m) * L ** 0.125
    return np.stack([1 / (1 + np.exp(-8.0 * (u - c))) for c in (0.75, 0.78)])


@pytest.fixture(scope="module")
def windows():
    return {L: sample_critical_window(L, critical_temperatures(L), 400, seed=L, n_jobs=2)
            for L in SIZES}


@pytest.fixture(scope="module")
def study(windows):
    samples = [SizeSamples(L, w.temperatures, w.energies, w.magnetisation,
                           stand_in_network(w.magnetisation, L)) for L, w in windows.items()]
    return measure_exponents(samples, n_boot=20, seed=1)


# ------------------------------------------------------------------------------------------------
# isingmc.critical_window

def test_critical_temperatures_scale_with_one_over_L_and_are_staggered():
    T = critical_temperatures(32, stagger=False)
    np.testing.assert_allclose(T, T_C * (1 + np.array(DEFAULT_X) / 32))
    assert T.size == 14 and np.all(np.diff(T) > 0) and not np.any(T == T_C)
    assert critical_temperatures(8, [-1.0, 2.0], stagger=False)[1] == pytest.approx(T_C * 1.25)
    # staggered: each size's x shifted by less than a quarter of the spacing, no two sizes alike
    shifts = [(critical_temperatures(L) / T_C - 1) * L - np.array(DEFAULT_X) for L in SIZES + (32, 48, 64, 96, 128)]
    assert all(np.ptp(s) < 1e-9 and abs(s[0]) < 0.125 for s in shifts)
    assert len({round(s[0], 6) for s in shifts}) == len(shifts)


@pytest.mark.parametrize("args, err, match", [
    ((16, [0.0, 1.0]), ValueError, "must not contain 0"),
    ((16, [1.0, -1.0]), ValueError, "strictly increasing"),
    ((16, [-20.0, 1.0]), ValueError, "T <= 0"),
    ((16, [1.0]), ValueError, "at least 2"),
    ((16.5, [1.0, 2.0]), TypeError, "integer"),
])
def test_critical_temperatures_refuse_bad_input(args, err, match):
    with pytest.raises(err, match=match):
        critical_temperatures(*args, stagger=False)


def test_window_samples_are_the_snapshots_reduced(windows):
    w = windows[12]
    assert w.L == 12 and w.temperatures.size == 14 * 400 == w.energies.size == w.magnetisation.size
    assert np.all(w.energies == np.rint(w.energies)) and np.all(np.abs(w.magnetisation) <= 1)
    assert w.observed is None and w.sweeps_between >= 1 and set(w.seconds) == {"probe", "chains"}
    # the same chains, observed: observe sees exactly the snapshots whose energies were recorded
    seen = sample_critical_window(12, critical_temperatures(12)[:3], 7, seed=5, chunk=3,
                                  sweeps_between=w.sweeps_between,
                                  observe=lambda s: np.stack([isingmc.energy_per_site(s) * 144,
                                                              s.mean(axis=(1, 2))]))
    np.testing.assert_allclose(seen.observed[0], seen.energies)
    np.testing.assert_allclose(seen.observed[1], seen.magnetisation)
    again = sample_critical_window(12, critical_temperatures(12)[:3], 7, seed=5, chunk=7, n_jobs=2,
                                   sweeps_between=w.sweeps_between)
    np.testing.assert_array_equal(again.energies, seen.energies)     # chunks and threads: same chains


def test_window_energies_agree_with_kaufman():
    """The mean energy at each temperature matches Kaufman's exact finite lattice."""
    w = sample_critical_window(16, critical_temperatures(16, [-2.0, 2.0]), 3000, seed=9, n_jobs=2)
    for T in np.unique(w.temperatures):
        e = w.energies[w.temperatures == T] / 256
        assert abs(e.mean() - isingmc.exact.energy_per_site(T, L=16)) < 4 * e.std() / np.sqrt(e.size / 2)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(n_per_T=0), ValueError, "n_per_T"),
    (dict(seed=None), ValueError, "seed"),
    (dict(observe=3), TypeError, "observe"),
    (dict(observe=lambda s: np.zeros(2)), ValueError, "last axis"),
    (dict(temperatures=[2.5, 2.6]), ValueError, "both sides"),
])
def test_window_refuses_bad_input(kwargs, err, match):
    args = dict(L=8, temperatures=critical_temperatures(8), n_per_T=3, seed=0)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        sample_critical_window(**args)


# ------------------------------------------------------------------------------------------------
# nnlib.transition.exponent_study

def test_study_measures_every_estimate_with_an_error(study):
    assert isinstance(study, ExponentStudy) and study.sizes == list(SIZES) and study.n_boot == 20
    assert set(study.network) == {"nu", "T_c", "nu_slope", "gamma_over_nu", "variance_exponent"}
    assert set(study.magnetisation) == {"nu", "T_c", "nu_slope", "gamma_over_nu"}
    for est in list(study.network.values()) + list(study.magnetisation.values()):
        assert est.error > 0 and est.statistical > 0 and len(est.variants) == 2
    for L in SIZES:
        assert set(study.curves[L]) == {"P", "dP_dT", "chi_P", "var_P", "U", "dU_dT", "chi_m"}
        assert all(c.shape == study.T_fine[L].shape for c in study.curves[L].values())
        T, yP, dyP, yU, dyU = study.points[L]
        assert T.size == 14 and np.all(dyP > 0) and np.all(dyU > 0)
        assert all(v[1] > 0 for v in study.per_size[L].values())
    assert set(study.fits["network"]) == {"collapse", "nu_slope", "gamma_over_nu", "variance_exponent"}


def test_study_sees_the_dimensions_of_the_ising_model(study):
    """Small lattices, few snapshots: loose bounds, but the stand-in network's variance scales
    like L^d = L^2, its field response like L^{gamma/nu} = L^1.75, as does the susceptibility."""
    net, mag = study.network, study.magnetisation
    assert abs(net["variance_exponent"].value - 2.0) < 0.2
    assert abs(net["gamma_over_nu"].value - 1.75) < 0.15
    assert abs(mag["gamma_over_nu"].value - 1.75) < 0.15
    for est in (net["nu"], mag["nu"]):
        assert abs(est.value - 1.0) < 0.25
    for est in (net["T_c"], mag["T_c"]):
        assert abs(est.value - T_C) < 0.05


def test_study_without_network_outputs_measures_the_magnetisation(windows):
    samples = [SizeSamples(L, w.temperatures, w.energies, w.magnetisation) for L, w in windows.items()]
    study = measure_exponents(samples, n_boot=3, seed=0)
    assert study.network == {} and set(study.magnetisation) == {"nu", "T_c", "nu_slope",
                                                                "gamma_over_nu"}
    assert "P" not in study.curves[8]


def test_study_refuses_bad_input(windows):
    w = windows[8]
    with pytest.raises(ValueError, match="same length"):
        SizeSamples(8, w.temperatures, w.energies[:-1], w.magnetisation)
    with pytest.raises(ValueError, match="outputs must have shape"):
        SizeSamples(8, w.temperatures, w.energies, w.magnetisation, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="at least 3 temperatures"):
        SizeSamples(8, np.full(4, 2.3), np.zeros(4), np.zeros(4))
    ok = [SizeSamples(L, v.temperatures, v.energies, v.magnetisation) for L, v in windows.items()]
    with pytest.raises(ValueError, match="at least 4 different"):
        measure_exponents(ok[:3])
    with pytest.raises(TypeError, match="SizeSamples"):
        measure_exponents(ok[:3] + [w])
    mixed = ok[:3] + [SizeSamples(24, windows[24].temperatures, windows[24].energies,
                                  windows[24].magnetisation, np.zeros(windows[24].energies.size))]
    with pytest.raises(ValueError, match="either every size"):
        measure_exponents(mixed)
