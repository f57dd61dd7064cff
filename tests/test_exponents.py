"""nnlib.transition.exponents and .reweighting: collapses of synthetic curves with known exponents,
power laws, exact results of the 2D Ising model (Kaufman's finite lattices, enumeration of L = 4)."""

import math

import numpy as np
import pytest

from isingmc import exact
from nnlib.transition import exponents as ex
from nnlib.transition.reweighting import MultiHistogram

SIZES = (16, 24, 32, 48, 64)
X_GRID = np.arange(-3.25, 3.3, 0.5)


def synthetic_curves(nu, T_c=2.3, noise=0.01, seed=0, sizes=SIZES, shape=1.5):
    """A dimensionless observable y_L(T) = F(t L^{1/nu}) + noise, F a logistic step."""
    rng = np.random.default_rng(seed)
    T, L, y = [], [], []
    for size in sizes:
        Tk = T_c * (1 + X_GRID / size ** (1 / nu))
        x = (Tk - T_c) / T_c * size ** (1 / nu)
        T += list(Tk)
        L += [size] * Tk.size
        y += list(1 / (1 + np.exp(shape * x)) + rng.normal(0, noise, Tk.size))
    return np.array(T), np.array(L, float), np.array(y), np.full(len(T), noise)


# ------------------------------------------------------------------------------------------------
# the quality of a collapse and its fit

@pytest.mark.parametrize("nu", [0.7, 1.3])
def test_collapse_fit_recovers_nu_and_T_c_within_the_error(nu):
    T, L, y, s = synthetic_curves(nu, seed=1)
    fit = ex.fit_collapse_quality(T, L, y, s, T_c_guess=2.28, window=2.0)
    # its error: the spread of fits to independent noisy copies of the same curves
    copies = [ex.fit_collapse_quality(*synthetic_curves(nu, seed=10 + k), T_c_guess=None,
                                      start=(fit.T_c, fit.nu)) for k in range(30)]
    nu_err = np.std([f.nu for f in copies], ddof=1)
    T_err = np.std([f.T_c for f in copies], ddof=1)
    assert abs(fit.nu - nu) < 3 * nu_err, (fit.nu, nu_err)
    assert abs(fit.T_c - 2.3) < 3 * T_err, (fit.T_c, T_err)
    assert abs(np.mean([f.nu for f in copies]) - nu) < 3 * nu_err / math.sqrt(30) + 0.005 * nu
    assert nu_err < 0.05 * nu
    assert 0.5 < fit.S < 2.0                # deviations as large as the error bars: a good collapse
    assert fit.tested.sum() >= 2 * len(SIZES) and fit.n_terms > 0
    np.testing.assert_allclose(fit.x(T, L), (T - fit.T_c) / fit.T_c * L ** (1 / fit.nu))


def test_quality_is_about_one_at_the_truth_and_large_away_from_it():
    T, L, y, s = synthetic_curves(1.0, seed=3, sizes=(16, 24, 32, 48, 64, 96, 128))
    at_truth = ex.collapse_quality(T, L, y, s, 2.3, 1.0)
    assert 0.6 < at_truth < 1.6
    assert ex.collapse_quality(T, L, y, s, 2.3, 0.8) > 5 * at_truth
    assert ex.collapse_quality(T, L, y, s, 2.31, 1.0) > 5 * at_truth


def test_collapse_of_kaufmans_exact_specific_heat_gives_nu_one():
    """C_L(T) - C_L(T_C) depends on T and L only through t L (Ferdinand and Fisher 1969), up to
    corrections of order ln L / L: the exact finite lattices collapse with nu = 1 at Onsager's T_C."""
    T, L, y = [], [], []
    for size in (16, 24, 32, 48, 64, 96, 128):
        Tk = exact.T_C * (1 + X_GRID / size)
        T += list(Tk)
        L += [size] * Tk.size
        y += list(exact.specific_heat_per_site(Tk, L=size) - exact.specific_heat_per_site(exact.T_C, L=size))
    fit = ex.fit_collapse_quality(T, L, y, np.full(len(T), 0.01), T_c_guess=2.25, window=2.0)
    assert fit.nu == pytest.approx(1.0, abs=0.01)
    assert fit.T_c == pytest.approx(exact.T_C, abs=5e-4)


def test_collapse_refuses_bad_input():
    T, L, y, s = synthetic_curves(1.0)
    with pytest.raises(ValueError, match="same length"):
        ex.fit_collapse_quality(T, L[:-1], y, s, T_c_guess=2.3)
    with pytest.raises(ValueError, match="errors must be > 0"):
        ex.fit_collapse_quality(T, L, y, np.zeros_like(s), T_c_guess=2.3)
    with pytest.raises(ValueError, match="two lattice sizes"):
        ex.fit_collapse_quality(T, np.full_like(L, 16), y, s, T_c_guess=2.3)
    with pytest.raises(ValueError, match="nu_range"):
        ex.fit_collapse_quality(T, L, y, s, T_c_guess=2.3, nu_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="T_c_guess"):
        ex.fit_collapse_quality(T, L, y, s, T_c_guess=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        ex.collapse_quality(T, L, np.full_like(y, np.nan), s, 2.3, 1.0)
    with pytest.raises(ValueError, match="points from"):           # nothing inside the window
        ex.fit_collapse_quality(T, L, y, s, T_c_guess=None, start=(2.3, 1.0), window=1e-4)


# ------------------------------------------------------------------------------------------------
# power laws and peaks

def test_power_law_is_exact_for_a_power_law_and_within_error_with_noise():
    L = np.array(SIZES, float)
    fit = ex.fit_power_law(L, 0.3 * L ** 1.75, 0.01 * L ** 1.75)
    assert fit.exponent == pytest.approx(1.75, abs=1e-12) and fit.amplitude == pytest.approx(0.3)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-18) and fit.dof == 3 and not fit.scaled
    np.testing.assert_allclose(fit(L), 0.3 * L ** 1.75)
    rng = np.random.default_rng(4)
    pulls = []
    for _ in range(200):
        y = 0.3 * L ** 1.75 * (1 + rng.normal(0, 0.02, L.size))
        f = ex.fit_power_law(L, y, 0.02 * y, scale_errors=False)
        pulls.append((f.exponent - 1.75) / f.exponent_error)
    assert abs(np.mean(pulls)) < 0.25 and 0.8 < np.std(pulls) < 1.2


def test_power_law_of_the_exact_energy_at_T_C():
    """Kaufman: u_L(T_C) - u(T_C) ~ L^{-(1 - alpha)/nu} = 1/L for the 2D Ising model (alpha = 0)."""
    L = np.array([16, 24, 32, 48, 64, 96, 128])
    du = np.array([exact.energy_per_site(exact.T_C, L=size) for size in L]) - exact.energy_per_site(exact.T_C)
    fit = ex.fit_power_law(L, -du, -du * 1e-3)
    assert fit.exponent == pytest.approx(-1.0, abs=0.002)


@pytest.mark.parametrize("args, match", [
    (([16, 32], [1.0, -2.0], [0.1, 0.1]), "must be > 0"),
    (([16], [1.0], [0.1]), "at least 2"),
    (([16, 16], [1.0, 2.0], [0.1, 0.1]), "two different"),
    (([16, 32], [1.0, 2.0], [0.1, 0.1, 0.1]), "same length"),
])
def test_power_law_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ex.fit_power_law(*args)


def test_curve_peak_is_exact_for_a_parabola_and_refuses_a_peak_at_the_edge():
    x = np.linspace(0, 1, 11)
    xp, yp = ex.curve_peak(x, 2.0 - 3.0 * (x - 0.437) ** 2)
    assert xp == pytest.approx(0.437) and yp == pytest.approx(2.0)
    with pytest.raises(ValueError, match="end of the range"):
        ex.curve_peak(x, x)


def test_combine_adds_statistics_and_fit_choices():
    est = ex.combine(1.0, [0.9, 1.1, 1.0, np.nan], {"a": 1.03, "b": 0.96})
    assert est.statistical == pytest.approx(0.1)
    assert est.systematic == pytest.approx(math.sqrt((0.03 ** 2 + 0.04 ** 2) / 2))
    assert est.error == pytest.approx(math.hypot(est.statistical, est.systematic))
    assert str(est) == "1.00 ± 0.11" and est.pulls(1.22) == pytest.approx(0.22 / est.error)
    with pytest.raises(ValueError, match="at least 2"):
        ex.combine(1.0, [np.nan, 1.0])


# ------------------------------------------------------------------------------------------------
# histogram reweighting against the exact L = 4 lattice

def exact_moments(T):
    g = exact.density_of_states(4)
    E, n = np.array(list(g), float), np.array(list(g.values()), float)
    w = n * np.exp(-(E - E.mean()) / T)
    w /= w.sum()
    mean = float(w @ E)
    return mean, float(w @ (E - mean) ** 2)


def boltzmann_samples(temperatures, n, seed=0):
    rng = np.random.default_rng(seed)
    E, b = [], []
    for T in temperatures:
        levels, p = exact.boltzmann_energy_distribution(4, T)
        E.append(rng.choice(levels, size=n, p=p))
        b.append(np.full(n, 1.0 / T))
    return np.concatenate(E), np.concatenate(b)


def test_multiple_histograms_reproduce_the_exact_energy_between_the_runs():
    E, betas = boltzmann_samples([2.0, 2.3, 2.6, 3.0], 20000)
    mh = MultiHistogram(E, betas)
    assert mh.iterations > 1 and mh.free_energies[0] == 0.0
    for T in (2.1, 2.45, 2.8):
        mean, var = exact_moments(T)
        m, dm = mh.expectation(E, 1.0 / T, derivative=True)
        # statistical error of a mean of ~ 40 000 samples with weights spread over two runs
        assert m == pytest.approx(mean, abs=4 * math.sqrt(var / 20000))
        assert -dm == pytest.approx(var, rel=0.03)                     # d<E>/d beta = -Var(E)
        got_mean, got_var = mh.energy_moments(1.0 / T)
        assert got_mean == pytest.approx(m) and got_var == pytest.approx(-dm)


def test_one_run_reweighted_to_its_own_temperature_is_the_plain_average():
    E, betas = boltzmann_samples([2.3], 5000, seed=3)
    values = np.stack([E ** 2, np.sin(E)], axis=1)
    mh = MultiHistogram(E, betas)
    assert mh.iterations == 0
    np.testing.assert_allclose(mh.expectation(values, 1 / 2.3), values.mean(axis=0), rtol=1e-12)
    _, d = mh.expectation(values, [1 / 2.3], derivative=True)
    cov = ((values - values.mean(axis=0)) * (E - E.mean())[:, None]).mean(axis=0)
    np.testing.assert_allclose(d[0], -cov, rtol=1e-9)


def test_sample_weights_are_multiplicities_and_free_energies_seed_a_resample():
    E, betas = boltzmann_samples([2.2, 2.5], 3000, seed=5)
    rng = np.random.default_rng(6)
    draw = np.concatenate([rng.integers(0, 3000, 3000), 3000 + rng.integers(0, 3000, 3000)])
    weights = np.bincount(draw, minlength=6000).astype(float)
    full = MultiHistogram(E, betas)
    weighted = MultiHistogram(E, betas, sample_weights=weights, f_start=full.free_energies)
    explicit = MultiHistogram(E[draw], betas[draw])
    def absolute(mh):        # free energies of the unshifted energies, f_0 = 0
        f = mh.free_energies + mh.run_betas * mh.energy_shift
        return f - f[0]
    np.testing.assert_allclose(absolute(weighted), absolute(explicit), atol=1e-8)
    assert weighted.expectation(E, 0.42) == pytest.approx(explicit.expectation(E[draw], 0.42), rel=1e-9)
    again = MultiHistogram(E, betas, sample_weights=weights, f_start=weighted.free_energies)
    assert again.iterations == 1             # started at the solution


@pytest.mark.parametrize("kwargs, match", [
    (dict(energies=[1.0, 2.0], betas=[0.4]), "same length"),
    (dict(energies=[1.0, 2.0], betas=[0.4, -0.4]), "betas must be > 0"),
    (dict(energies=[1.0, 2.0], betas=[0.4, 0.5], sample_weights=[1.0, 0.0]), "positive weight"),
    (dict(energies=[1.0, 2.0], betas=[0.4, 0.4], sample_weights=[1.0, -1.0]), ">= 0"),
    (dict(energies=[1.0, np.inf], betas=[0.4, 0.4]), "NaN or infinite"),
    (dict(energies=[1.0, 2.0], betas=[0.4, 0.5], f_start=[0.0]), "one free energy per run"),
])
def test_reweighting_refuses_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultiHistogram(**kwargs)
