"""Critical exponents from finite lattices: a data collapse with a quality function, power laws of
peaks, and error bars that include the choices of the fit.

Finite-size scaling (Fisher and Barber): near T_c a dimensionless observable of an L x L lattice
depends on T and L only through the scaling variable

    x = t L^{1/nu},   t = (T - T_c) / T_c,                                               (1)

so y_L(T) = F(x): the curves of all sizes *collapse* onto one when plotted against x, but only for
the right T_c *and* nu.  Observables with a dimension pick up a power of L, e.g. the height of a
susceptibility peak, chi_max(L) ~ L^{gamma/nu}, and the slope of a dimensionless curve at a fixed
x, dy/dT ~ L^{1/nu}.

* :func:`collapse_quality`, :func:`fit_collapse_quality`: the quality S of a collapse of
  Houdayer and Hartmann (PRB 70, 014418 (2004), appendix), minimised over (T_c, nu).  S needs no
  model of F: every point is compared with a local fit (their straight line, or by default a
  parabola) through the points of the *other* sizes next to it.  S ~ 1 for a collapse within the
  error bars, >> 1 for a bad one (Bhattacharjee and Seno, J. Phys. A 34, 6375 (2001), define a
  similar measure);
* :func:`fit_power_law`: y = a L^kappa by weighted least squares in ln y;
* :func:`curve_peak`: the top of a finely sampled curve (e.g. a reweighted susceptibility);
* :class:`Estimate`, :func:`combine`: a value whose error adds in quadrature the bootstrap spread
  (statistics: snapshots and trainings) and the spread of the fit choices (dropping the smallest
  sizes, narrowing the window): a number that depends on which points were fitted is no more
  precise than that dependence.

Plain arrays in, results with errors out; no temperature or exponent is special to this module.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._arrays import as_1d
from ..core.checks import check_positive

__all__ = ["scaling_x", "collapse_quality", "QualityCollapse", "fit_collapse_quality",
           "PowerLaw", "fit_power_law", "curve_peak", "Estimate", "combine"]


def scaling_x(T, L, T_c, nu):
    """x = (T - T_c) / T_c * L^{1/nu} (eq. 1) for arrays T and L of the same shape."""
    return (np.asarray(T, float) - T_c) / T_c * np.asarray(L, float) ** (1.0 / nu)


def _check_points(T, L, y, errors):
    T, L, y, s = (as_1d(a, n) for a, n in ((T, "T"), (L, "L"), (y, "y"), (errors, "errors")))
    if not (T.size == L.size == y.size == s.size):
        raise ValueError(f"T, L, y and errors must have the same length, got {T.size}, {L.size}, "
                         f"{y.size}, {s.size}")
    if np.any(L <= 0):
        raise ValueError("L must be > 0")
    if np.any(s <= 0):
        raise ValueError("errors must be > 0 (the quality weighs every point by its error)")
    if np.unique(L).size < 2:
        raise ValueError("a collapse needs at least two lattice sizes")
    return T, L, y, s


def _quality_loops(x, y, s, order, starts, group, tested, degree):
    """Sum and number of the quality's terms (compiled by numba in :func:`_quality`)."""
    total, count = 0.0, 0
    for i in tested:
        xi = x[i]
        S0 = S1 = S2 = S3 = S4 = B0 = B1 = B2 = 0.0   # sums of w u^k and w u^k y, u = x - x_i
        for j in range(starts.size - 1):
            if j == group[i]:
                continue
            lo, hi = starts[j], starts[j + 1]
            a, b = lo, hi                     # first point of size j with x > x_i
            while a < b:
                mid = (a + b) // 2
                if x[order[mid]] > xi:
                    b = mid
                else:
                    a = mid + 1
            if a == lo or a == hi:            # x_i not bracketed by size j
                continue
            for q in range(max(lo, a - degree), min(hi, a + degree)):
                nb = order[q]
                w = 1.0 / s[nb] ** 2
                u = x[nb] - xi
                S0 += w
                S1 += w * u
                S2 += w * u * u
                S3 += w * u ** 3
                S4 += w * u ** 4
                B0 += w * y[nb]
                B1 += w * u * y[nb]
                B2 += w * u * u * y[nb]
        if degree == 1:
            det = S0 * S2 - S1 * S1
            if S0 == 0.0 or det <= 1e-12 * S0 * S2:
                continue
            Y, var = (S2 * B0 - S1 * B1) / det, S2 / det
        else:
            c0, c1, c2 = S2 * S4 - S3 * S3, S2 * S3 - S1 * S4, S1 * S3 - S2 * S2
            det = S0 * c0 + S1 * c1 + S2 * c2
            if S0 == 0.0 or det <= 1e-10 * S0 * S2 * S4:
                continue
            Y, var = (c0 * B0 + c1 * B1 + c2 * B2) / det, c0 / det
        total += (y[i] - Y) ** 2 / (s[i] ** 2 + var)
        count += 1
    return total, count


_compiled = []


def _quality(x, y, s, group, order, starts, tested, degree=2):
    """The quality S of the points ``tested`` (bool mask) against the other sizes.

    For a tested point i of size p, each other size j contributes its ``degree`` points on
    either side of x_i (when it has points on both sides); a weighted least-squares polynomial of
    ``degree`` through all of them is the master curve Y_i, with variance dY_i^2 (the fit's, at
    x_i), and S = mean over the points with neighbours of (y_i - Y_i)^2 / (s_i^2 + dY_i^2).
    ``degree=1`` is Houdayer and Hartmann's straight line through the bracketing pairs.  Why
    ``degree=2`` by default: with precise data the bending of the scaling function between two
    neighbours (F'' dx^2 / 8, ~0.003 for a Binder ratio with dx = 0.5) is as large as the error
    bars, a straight line then misses the curve, and since trial exponents that bring the points
    of some sizes closer together shrink that miss, S is pulled towards them; a parabola through
    two points on either side bends with the curve.  ``order`` lists the points size by size in
    increasing T (hence x), ``starts`` where each size begins.  Returns (S, number of terms).
    Compiled with numba on first use: a bootstrap refits the collapse hundreds of times."""
    if not _compiled:
        import numba
        _compiled.append(numba.njit(cache=True, nogil=True)(_quality_loops))
    total, count = _compiled[0](x, y, s, order, starts, group, np.flatnonzero(tested), int(degree))
    return (total / count if count else math.inf), int(count)


def _check_degree(degree):
    if degree not in (1, 2) or isinstance(degree, bool):
        raise ValueError(f"degree must be 1 (Houdayer and Hartmann's straight line) or 2 (a "
                         f"parabola), got {degree!r}")
    return int(degree)


def _layout(T, L):
    """(group of each point, points ordered by size then T, start of each size in that order)."""
    group = np.unique(L, return_inverse=True)[1]
    order = np.lexsort((T, group))
    starts = np.searchsorted(group[order], np.arange(group.max() + 2))
    return group, order, starts


def collapse_quality(T, L, y, errors, T_c, nu, *, window=2.0, degree=2):
    """Houdayer and Hartmann's quality S of the collapse of y_L(T) for trial (T_c, nu).

    Points with |x| <= ``window`` are tested against their neighbours (in x) among the other sizes;
    a perfect collapse gives S ~ 1 (the deviations are as large as the error bars), a wrong T_c or
    nu gives S >> 1.  Why this measure: it assumes no form of the scaling function, only that it is
    smooth on the scale of the spacing of the points.  ``degree``: 2 (default) compares each point
    with a local parabola through two neighbours on either side from every other size, 1 with
    Houdayer and Hartmann's straight line through the bracketing pair (see :func:`_quality`).
    """
    T, L, y, s = _check_points(T, L, y, errors)
    T_c, nu, window = (check_positive(v, n) for v, n in ((T_c, "T_c"), (nu, "nu"), (window, "window")))
    degree = _check_degree(degree)
    x = scaling_x(T, L, T_c, nu)
    return _quality(x, y, s, *_layout(T, L), np.abs(x) <= window, degree)[0]


@dataclass
class QualityCollapse:
    """Result of :func:`fit_collapse_quality`: the (T_c, nu) of the best collapse, its quality
    ``S`` (~1 when the curves agree within their errors), the number of points compared and which
    points were tested (``tested``: |x| <= window at the optimum)."""
    T_c: float
    nu: float
    S: float
    n_terms: int
    window: float
    tested: np.ndarray

    def x(self, T, L):
        """The scaling variable of points (T, L) with the fitted T_c and nu."""
        return scaling_x(T, L, self.T_c, self.nu)


def _minimise(fun, start, scales):
    """Nelder-Mead (scipy) on a 2-parameter function from ``start``, initial steps ``scales``."""
    from scipy.optimize import minimize

    simplex = np.array([start, start + [scales[0], 0.0], start + [0.0, scales[1]]])
    res = minimize(fun, start, method="Nelder-Mead",
                   options=dict(initial_simplex=simplex, xatol=2e-5, fatol=1e-5, maxiter=2000))
    return res.x, float(res.fun)


def fit_collapse_quality(T, L, y, errors, *, T_c_guess, window=2.0, search=0.1,
                         nu_range=(0.4, 2.5), start=None, degree=2):
    """The (T_c, nu) that minimise Houdayer and Hartmann's quality S (:func:`collapse_quality`).

    Why fixed tested points: which points lie in the window |x| <= ``window`` depends on (T_c, nu),
    and a point leaving the window makes S jump.  So the points are chosen at a starting point and
    kept while S is minimised (Nelder-Mead in T_c and ln nu), then chosen again at the optimum and
    S minimised once more.  The starting point is the best of a coarse grid over
    T_c_guess +- ``search`` and ``nu_range`` (log-spaced): no value of nu is assumed; or ``start``
    = (T_c, nu) (e.g. the full sample's optimum, when a bootstrap resample is refitted).  The
    search stays inside T_c_guess (or start[0]) +- ``search`` and ``nu_range``.
    """
    T, L, y, s = _check_points(T, L, y, errors)
    window = check_positive(window, "window")
    degree = _check_degree(degree)
    layout = _layout(T, L)
    min_terms = 2 * np.unique(L).size           # two points per size on average, at least

    def S_at(p, tested=None):
        T_c, nu = p[0], math.exp(p[1])
        if not (bounds[0] <= T_c <= bounds[1] and bounds[2] <= p[1] <= bounds[3]):
            return math.inf
        x = scaling_x(T, L, T_c, nu)
        mask = np.abs(x) <= window if tested is None else tested
        S, n = _quality(x, y, s, *layout, mask, degree)
        # a trial that compares only a few points (its window holds hardly any, or their x ranges
        # lie apart) is no collapse at all, however small the mean over the few remaining terms
        return S if n >= max(min_terms, 0.5 * mask.sum()) else math.inf

    search = check_positive(search, "search")
    lo, hi = (check_positive(v, "nu_range") for v in nu_range)
    if not lo < hi:
        raise ValueError(f"nu_range must be (low, high) with low < high, got {nu_range}")
    centre = check_positive(T_c_guess if start is None else start[0], "T_c_guess")
    bounds = (centre - search, centre + search, math.log(lo), math.log(hi))   # S = inf outside
    if start is None:
        grid = [(tc, ln) for tc in np.linspace(T_c_guess - search, T_c_guess + search, 21)
                for ln in np.linspace(math.log(lo), math.log(hi), 21)]
        p = np.array(min(grid, key=S_at))
        steps = [search / 10, (math.log(hi) - math.log(lo)) / 20]
    else:
        p = np.array([check_positive(start[0], "start[0]"), math.log(check_positive(start[1], "start[1]"))])
        steps = [0.002, 0.02]
    for _ in range(2):
        tested = np.abs(scaling_x(T, L, p[0], math.exp(p[1]))) <= window
        if tested.sum() < 3 or np.unique(L[tested]).size < 2:
            raise ValueError(f"only {tested.sum()} points from {np.unique(L[tested]).size} sizes lie "
                             f"within |x| <= {window}: widen the window or add temperatures")
        p, _ = _minimise(lambda q: S_at(q, tested), p, steps)
    tested = np.abs(scaling_x(T, L, p[0], math.exp(p[1]))) <= window
    S, n = _quality(scaling_x(T, L, p[0], math.exp(p[1])), y, s, *layout, tested, degree)
    return QualityCollapse(T_c=float(p[0]), nu=float(math.exp(p[1])), S=S, n_terms=n,
                           window=window, tested=tested)


@dataclass
class PowerLaw:
    """y = amplitude * L^exponent, fitted in ln y; errors scaled by sqrt(chi2/dof) when that exceeds
    1 (``scaled``), as in :func:`nnlib.transition.scaling.fit_finite_size`."""
    exponent: float
    exponent_error: float
    amplitude: float
    chi2: float
    dof: int
    scaled: bool

    def __call__(self, L):
        return self.amplitude * np.asarray(L, float) ** self.exponent


def fit_power_law(L, y, errors, *, scale_errors=True):
    """Weighted least-squares fit of ln y = ln a + kappa ln L (a straight line on log-log axes).

    Why in logarithms: a power law is a straight line there, and the error of ln y is the relative
    error errors / y, so large and small lattices are weighed by their relative precision.
    """
    L, y, s = as_1d(L, "L", 2), as_1d(y, "y", 2), as_1d(errors, "errors", 2)
    if not L.size == y.size == s.size:
        raise ValueError(f"L, y and errors must have the same length, got {L.size}, {y.size}, {s.size}")
    if np.any(L <= 0) or np.any(y <= 0) or np.any(s <= 0):
        raise ValueError("L, y and errors must be > 0 (a power law is fitted in logarithms)")
    if np.unique(L).size < 2:
        raise ValueError("L must hold at least two different lattice sizes")
    X, Y, w = np.log(L), np.log(y), (y / s) ** 2
    A = np.stack([np.ones_like(X), X], axis=1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    (ln_a, kappa) = cov @ (A.T @ (w * Y))
    chi2 = float(np.sum(w * (Y - ln_a - kappa * X) ** 2))
    dof = L.size - 2
    scaled = bool(scale_errors and dof > 0 and chi2 / dof > 1.0)
    if scaled:
        cov = cov * (chi2 / dof)
    return PowerLaw(exponent=float(kappa), exponent_error=float(math.sqrt(cov[1, 1])),
                    amplitude=float(math.exp(ln_a)), chi2=chi2, dof=dof, scaled=scaled)


def curve_peak(x, y):
    """(x_peak, y_peak) of a finely sampled curve: the largest point, refined by the parabola
    through it and its two neighbours.  Raises ValueError when the largest point is at an end (the
    peak lies outside the sampled range)."""
    x, y = as_1d(x, "x", 3), as_1d(y, "y", 3)
    if x.size != y.size:
        raise ValueError(f"x and y must have the same length, got {x.size}, {y.size}")
    k = int(np.argmax(y))
    if k == 0 or k == y.size - 1:
        raise ValueError(f"the maximum lies at the end of the range (x = {x[k]:.5g}): the peak is "
                         "not inside the sampled range")
    (x0, x1, x2), (y0, y1, y2) = x[k - 1:k + 2], y[k - 1:k + 2]
    denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom
    b = (x2 ** 2 * (y0 - y1) + x1 ** 2 * (y2 - y0) + x0 ** 2 * (y1 - y2)) / denom
    if a >= 0:
        return float(x1), float(y1)
    xp = float(np.clip(-b / (2 * a), x0, x2))
    c = y1 - a * x1 ** 2 - b * x1
    return xp, float(a * xp ** 2 + b * xp + c)


@dataclass
class Estimate:
    """A measured number: ``value`` from all the data with the main fit; ``statistical`` the
    bootstrap standard deviation; ``systematic`` the root mean square deviation of the fit
    variants from ``value``; ``error`` both in quadrature; ``variants`` {name: value}."""
    value: float
    error: float
    statistical: float
    systematic: float
    variants: dict = field(default_factory=dict)
    boot: np.ndarray = None

    def __str__(self):
        digits = max(0, 1 - int(math.floor(math.log10(self.error)))) if self.error > 0 else 4
        return f"{self.value:.{digits}f} ± {self.error:.{digits}f}"

    def pulls(self, exact):
        """|value - exact| in units of the error."""
        return abs(self.value - exact) / self.error if self.error > 0 else math.inf


def combine(value, boot, variants=None):
    """An :class:`Estimate`: the bootstrap values ``boot`` give the statistical error (their
    standard deviation), the ``variants`` {name: value} of the fit choices the systematic one."""
    boot = np.asarray([b for b in np.ravel(boot) if np.isfinite(b)], float)
    if boot.size < 2:
        raise ValueError("combine needs at least 2 finite bootstrap values")
    variants = dict(variants or {})
    stat = float(np.std(boot, ddof=1))
    syst = (math.sqrt(np.mean([(v - value) ** 2 for v in variants.values()])) if variants else 0.0)
    return Estimate(value=float(value), error=math.hypot(stat, syst), statistical=stat,
                    systematic=syst, variants=variants, boot=boot)
