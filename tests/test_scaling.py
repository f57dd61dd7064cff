"""nnlib.transition.scaling: the finite-size fit against numpy.polyfit, and the collapse fit on synthetic curves
with a known critical temperature."""

import math

import numpy as np
import pytest

from nnlib.transition import scaling as sc

T0 = 2.3          # the critical temperature of the synthetic data (any value would do)


# ------------------------------------------------------------------------------------------------
# T*(L) = T_c + a L^(-1/nu)

def test_finite_size_fit_matches_numpy_polyfit():
    rng = np.random.default_rng(5)
    L = np.array([8, 16, 24, 32, 48, 64])
    err = np.array([0.02, 0.01, 0.008, 0.005, 0.004, 0.003])
    T_star = T0 + 0.6 / L + rng.normal(0, err)
    fit = sc.fit_finite_size(L, T_star, err, scale_errors=False)
    (a, c), cov = np.polyfit(1.0 / L, T_star, 1, w=1 / err, cov="unscaled")
    assert fit.T_c == pytest.approx(c, rel=1e-12)
    assert fit.a == pytest.approx(a, rel=1e-9)
    assert fit.T_c_error == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-9)
    assert fit.a_error == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-9)
    assert fit.chi2 == pytest.approx(np.sum(((T_star - c - a / L) / err) ** 2), rel=1e-9)
    assert fit.dof == 4
    assert abs(fit.T_c - T0) < 4 * fit.T_c_error
    np.testing.assert_allclose(fit(L), c + a / L)
    assert str(fit) == f"{fit.T_c:.4f} ± {fit.T_c_error:.4f}"


def test_finite_size_fit_scales_errors_when_points_scatter():
    rng = np.random.default_rng(6)
    L = np.array([8, 16, 24, 32, 48, 64])
    err = np.full(6, 0.001)
    T_star = T0 + 0.6 / L + rng.normal(0, 0.01, 6)     # scatter 10x the stated errors
    fit = sc.fit_finite_size(L, T_star, err)
    assert fit.scaled and fit.chi2 / fit.dof > 1
    _, cov = np.polyfit(1.0 / L, T_star, 1, w=1 / err, cov=True)   # numpy scales by chi2/dof
    assert fit.T_c_error == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-9)


def test_finite_size_fit_exact_line_and_other_nu():
    L = np.array([10.0, 20.0, 40.0])
    T_star = 2.0 + 0.3 * L ** (-1 / 0.8)
    fit = sc.fit_finite_size(L, T_star, [0.01] * 3, nu=0.8)
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
        sc.fit_finite_size(*args)


def test_scaling_variable_collapses_finite_size_curves():
    # curves that depend on T and L only through t L (nu = 1) coincide against t L
    x = np.linspace(-2, 2, 9)
    for L in (8, 32, 64):
        T = T0 * (1 + x / L)
        np.testing.assert_allclose(sc.scaling_variable(T, L, T0), x, atol=1e-12)
    assert sc.reduced_temperature(2 * T0, T0) == pytest.approx(1.0)
    assert sc.scaling_variable(T0 * 1.01, 16, T0, nu=0.5) == pytest.approx(0.01 * 256)
    with pytest.raises(ValueError, match="L"):
        sc.scaling_variable(2.0, 0, T0)
    with pytest.raises(ValueError, match="nu"):
        sc.scaling_variable(2.0, 8, T0, nu="one")
    with pytest.raises(ValueError, match="T_c"):
        sc.reduced_temperature(2.0, 0.0)


# ------------------------------------------------------------------------------------------------
# collapse fit

def f_true(x):
    """A scaling function shaped like a Binder ratio (2/3 deep in the ordered phase, falling)."""
    return 0.61 - 0.12 * x - 0.03 * x ** 2 + 0.01 * x ** 3


def synthetic_curves(Ls=(16, 24, 32, 48, 64), T_c=T0, nu=1.0, sigma=0.0, rng=None, n_T=40):
    T = np.linspace(T_c - 0.3, T_c + 0.3, n_T) + 0.0031          # the grid misses T_c itself
    rows = [(np.full(n_T, L), T, f_true((T - T_c) / T_c * L ** (1 / nu))) for L in Ls]
    L_all, T_all, y = (np.concatenate(a) for a in zip(*rows))
    if sigma:
        y = y + rng.normal(0, sigma, y.size)
    return T_all, L_all, y


def test_collapse_of_exact_polynomial_curves_finds_T_c():
    T, L, y = synthetic_curves()
    fit = sc.fit_collapse(T, L, y, np.full(y.size, 0.01), T_c_guess=2.25, window=1.0, degree=3)
    assert fit.T_c == pytest.approx(T0, abs=1e-5)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(fit(np.linspace(-1, 1, 5)), f_true(np.linspace(-1, 1, 5)), atol=1e-5)
    x_used = (T[fit.used] - T0) / T0 * L[fit.used]
    assert np.all(np.abs(x_used) <= 1.0 + 1e-3) and fit.used.sum() == fit.dof + 5
    assert fit.per_boot is None and fit.T_c_error == fit.curvature_error
    # another exponent: the collapse needs the right nu
    T, L, y = synthetic_curves(nu=0.8)
    good = sc.fit_collapse(T, L, y, np.full(y.size, 0.01), T_c_guess=2.28, nu=0.8, degree=3)
    bad = sc.fit_collapse(T, L, y, np.full(y.size, 0.01), T_c_guess=2.28, nu=1.0, degree=3)
    assert good.T_c == pytest.approx(T0, abs=1e-5) and bad.chi2 > 100 * max(good.chi2, 1e-6)


def test_collapse_error_bar_has_the_right_size():
    """Noisy curves: |T_c - T0| < error about 68 % of the time, for the curvature error and for the
    bootstrap error (rows of freshly drawn noise stand in for resampled data)."""
    rng = np.random.default_rng(11)
    sigma, n_rep = 0.01, 30
    hits_curv = hits_boot = 0
    for _ in range(n_rep):
        T, L, y = synthetic_curves(sigma=sigma, rng=rng)
        boot = y + rng.normal(0, sigma, (30, y.size))
        fit = sc.fit_collapse(T, L, y, np.full(y.size, sigma), T_c_guess=2.28, degree=3, boot=boot)
        hits_curv += abs(fit.T_c - T0) < fit.curvature_error
        hits_boot += abs(fit.T_c - T0) < fit.T_c_error
        assert fit.T_c_error == pytest.approx(np.std(fit.per_boot, ddof=1))
    assert 0.45 < hits_curv / n_rep < 0.9
    assert 0.45 < hits_boot / n_rep < 0.95


@pytest.mark.parametrize("kwargs, match", [
    (dict(window=0.01), "within the window"),
    (dict(T_c_guess=2.2, search=0.03), "no minimum"),
    (dict(errors="short"), "errors"),
    (dict(errors=-1.0), "errors"),
    (dict(boot=np.zeros((1, 3))), "boot"),
    (dict(degree=-1), "degree"),
    (dict(T_c_guess=0.0), "T_c_guess"),
])
def test_fit_collapse_bad_input(kwargs, match):
    T, L, y = synthetic_curves()
    args = dict(T=T, L=L, y=y, errors=np.full(y.size, 0.01), T_c_guess=2.28)
    if kwargs.get("errors") == "short":
        kwargs["errors"] = np.full(3, 0.01)
    elif kwargs.get("errors") == -1.0:
        kwargs["errors"] = np.full(y.size, -0.01)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sc.fit_collapse(args.pop("T"), args.pop("L"), args.pop("y"), args.pop("errors"), **args)
