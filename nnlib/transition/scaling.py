"""Finite-size scaling: from lattices of a few sizes to the infinite lattice.

Near a critical point the only length that matters is the correlation length
xi ~ |T - T_c|^{-nu}.  A finite lattice of L x L sites therefore depends on T and L only through
L / xi, i.e. through the scaling variable x = t L^{1/nu} with t = (T - T_c) / T_c.  Two uses:

* a finite-size "transition temperature" (a classifier's crossing, a peak) sits at fixed x, so it
  shifts like T*(L) = T_c + a L^{-1/nu}: :func:`fit_finite_size` extrapolates it to L -> infinity;
* a dimensionless quantity (a Binder ratio, an averaged classifier output) is one function of x for
  every L, but only with the right T_c: :func:`fit_collapse` finds the T_c for which the curves of
  all sizes fall onto one.

:func:`fit_collapse_sizes` does the same from one curve per lattice size (e.g. the Binder
ratios of :func:`nnlib.transition.pca.binder_ratio`), starting from the crossing of the smallest and largest
size.  :func:`reduced_temperature` and :func:`scaling_variable` give t and x.  Everything takes plain
arrays and an explicit T_c.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._arrays import as_1d, as_float_array
from ..core.checks import check_int, check_positive
from .crossing import find_crossing

__all__ = ["FiniteSizeFit", "fit_finite_size", "reduced_temperature", "scaling_variable",
           "CollapseFit", "fit_collapse", "fit_collapse_sizes"]


@dataclass
class FiniteSizeFit:
    """Result of T*(L) = T_c + a L^{-1/nu}: parameters, their errors and the fit quality."""
    T_c: float
    T_c_error: float
    a: float
    a_error: float
    chi2: float
    dof: int
    nu: float
    scaled: bool          # errors multiplied by sqrt(chi2/dof) because chi2/dof > 1

    def __call__(self, L):
        """The fitted T*(L)."""
        return self.T_c + self.a * np.asarray(L, dtype=float) ** (-1.0 / self.nu)

    def __str__(self):
        return f"{self.T_c:.4f} ± {self.T_c_error:.4f}"


def fit_finite_size(L, T_star, errors, *, nu=1.0, scale_errors=True):
    """Weighted least-squares fit of T*(L) = T_c + a L^{-1/nu} (a straight line in x = L^{-1/nu}).

    Why a straight line: near a critical point the only length that matters is the correlation
    length xi ~ |T - T_c|^{-nu}; a finite lattice looks critical once xi ~ L, which shifts every
    finite-size "transition temperature" by ~ L^{-1/nu}.  Weights are 1 / errors**2.  The parameter
    errors come from the covariance (A^T W A)^{-1}; when the points scatter more than their error
    bars say (chi2/dof > 1) and ``scale_errors`` is true they are multiplied by sqrt(chi2/dof) (the
    Birge ratio), so an underestimated error bar does not make the extrapolation look more precise
    than it is.  Needs at least two lattice sizes.
    """
    L = as_1d(L, "L", min_size=2)
    y = as_1d(T_star, "T_star", min_size=2)
    s = as_1d(errors, "errors", min_size=2)
    if not (L.size == y.size == s.size):
        raise ValueError("L, T_star and errors must have the same length, "
                         f"got {L.size}, {y.size}, {s.size}")
    if np.any(L <= 0):
        raise ValueError("L must be > 0")
    if np.any(s <= 0):
        raise ValueError("errors must be > 0 (they are the weights 1/error^2 of the fit)")
    nu = check_positive(nu, "nu")
    x = L ** (-1.0 / nu)
    if np.unique(x).size < 2:
        raise ValueError("L must hold at least two different lattice sizes")
    A = np.stack([np.ones_like(x), x], axis=1)
    w = 1.0 / s ** 2
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    params = cov @ (A.T @ (w * y))
    chi2 = float(np.sum(w * (y - A @ params) ** 2))
    dof = L.size - 2
    scaled = bool(scale_errors and dof > 0 and chi2 / dof > 1.0)
    if scaled:
        cov = cov * (chi2 / dof)
    return FiniteSizeFit(T_c=float(params[0]), T_c_error=float(math.sqrt(cov[0, 0])),
                         a=float(params[1]), a_error=float(math.sqrt(cov[1, 1])), chi2=chi2,
                         dof=dof, nu=nu, scaled=scaled)


def reduced_temperature(T, T_c):
    """t = (T - T_c) / T_c."""
    T = as_float_array(T, "T")
    T_c = check_positive(T_c, "T_c")
    return (T - T_c) / T_c


def scaling_variable(T, L, T_c, nu=1.0):
    """t L^{1/nu}: curves measured on different L collapse onto one when plotted against it.

    Why: near T_c, a finite lattice's observables depend on T and L only through L / xi, and
    xi ~ |t|^{-nu}; so L / xi ~ (|t| L^{1/nu})^nu.
    """
    L = check_positive(L, "L")
    nu = check_positive(nu, "nu")
    return reduced_temperature(T, T_c) * L ** (1.0 / nu)


@dataclass
class CollapseFit:
    """Result of :func:`fit_collapse`: y_L(T) = f(x) with x = t L^{1/nu}, f a polynomial.

    ``T_c_error``: the standard deviation of T_c over the bootstrap rows when they were given,
    else ``curvature_error`` (from chi2(T_c) = chi2_min + 1, multiplied by sqrt(chi2/dof) when
    that exceeds 1).  ``used``: which points lay inside the scaling window.
    """
    T_c: float
    T_c_error: float
    curvature_error: float
    chi2: float
    dof: int
    nu: float
    window: float
    coefficients: np.ndarray        # of f, highest power first (numpy.polyval order)
    used: np.ndarray
    per_boot: np.ndarray = None

    def __call__(self, x):
        """The fitted scaling function f(x)."""
        return np.polyval(self.coefficients, np.asarray(x, dtype=float))

    def __str__(self):
        return f"{self.T_c:.4f} ± {self.T_c_error:.4f}"


def _collapse_chi2(T_c, T, L, y, w, nu, degree):
    """chi2 of the best polynomial f(x) through the points, and its coefficients."""
    x = _scaling_x(T, L, T_c, nu)
    A = np.vander(x, degree + 1)
    coef, *_ = np.linalg.lstsq(A * w[:, None], y * w, rcond=None)
    return float(np.sum(((A @ coef - y) * w) ** 2)), coef


def _scaling_x(T, L, T_c, nu):
    """x = t L^{1/nu} for arrays T and L of the same shape (no checks; see :func:`scaling_variable`)."""
    return (T - T_c) / T_c * L ** (1.0 / nu)


def _best_T_c(T, L, y, w, nu, degree, centre, search):
    """Minimise chi2(T_c) over centre +- search: on a grid of 41 points, then on 21 points around
    the lowest, then by a parabola through the lowest point and its neighbours; returns
    (T_c, chi2, coefficients, d2 chi2 / dT_c^2)."""
    def chi2_on(scan):
        return np.array([_collapse_chi2(tc, T, L, y, w, nu, degree)[0] for tc in scan])

    scan = np.linspace(centre - search, centre + search, 41)
    k = int(np.argmin(chi2_on(scan)))
    if k == 0 or k == scan.size - 1:
        raise ValueError(f"chi2(T_c) has no minimum within T_c_guess ± search = {centre:.4g} ± "
                         f"{search:.4g}; pass a better T_c_guess or a larger search")
    scan = np.linspace(scan[k - 1], scan[k + 1], 21)
    chi2 = chi2_on(scan)
    k = min(max(int(np.argmin(chi2)), 1), scan.size - 2)
    c_left, c_mid, c_right = chi2[k - 1:k + 2]
    h = scan[1] - scan[0]
    curv = (c_left - 2 * c_mid + c_right) / h ** 2
    shift = 0.5 * h * (c_left - c_right) / (c_left - 2 * c_mid + c_right) if curv > 0 else 0.0
    T_c = float(scan[k] + np.clip(shift, -h, h))
    chi2_min, coef = _collapse_chi2(T_c, T, L, y, w, nu, degree)
    return T_c, chi2_min, coef, curv


def fit_collapse(T, L, y, errors, *, T_c_guess, window=1.0, nu=1.0, degree=4, search=0.1,
                 boot=None):
    """The T_c for which the curves y_L(T) of all lattice sizes collapse onto one curve f(x).

    Points (T[i], L[i], y[i] +- errors[i]), any number of sizes mixed (flat arrays of equal
    length).  For a trial T_c every point gets its scaling variable x = (T - T_c) / T_c L^{1/nu};
    the points with |x| <= ``window`` (chosen once around ``T_c_guess``, then once more around the
    first estimate, and kept fixed while T_c varies, so that chi2(T_c) is smooth) are fitted by one
    polynomial f(x) of ``degree`` by weighted least squares, and T_c minimises the chi2 of that
    fit.  Why a window: the scaling form holds near T_c, and a low-order polynomial only describes
    f over a limited range of x.  ``boot`` (n_boot, n): resampled y values (e.g.
    :attr:`nnlib.transition.pca.BinderRatio.boot` of every size, stacked like y); each row is refitted with the
    same points and weights, and the spread of the results is the error.
    """
    T = as_1d(T, "T")
    L = as_1d(L, "L")
    y = as_1d(y, "y")
    s = as_1d(errors, "errors")
    if not (T.size == L.size == y.size == s.size):
        raise ValueError(f"T, L, y and errors must have the same length, got {T.size}, {L.size}, "
                         f"{y.size}, {s.size}")
    if np.any(L <= 0) or np.any(s < 0):
        raise ValueError("L must be > 0 and errors >= 0")
    T_c_guess = check_positive(T_c_guess, "T_c_guess")
    window = check_positive(window, "window")
    nu = check_positive(nu, "nu")
    degree = check_int(degree, "degree", 0)
    search = check_positive(search, "search")
    if boot is not None:
        boot = as_float_array(boot, "boot")
        if boot.ndim != 2 or boot.shape[1] != y.size or boot.shape[0] < 2:
            raise ValueError(f"boot must have shape (n_boot >= 2, {y.size}), got {boot.shape}")
    w = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
    centre = T_c_guess
    for _ in range(2):
        used = np.abs(_scaling_x(T, L, centre, nu)) <= window
        if used.sum() < degree + 3 or np.unique(L[used]).size < 2:
            raise ValueError(f"only {used.sum()} points (from {np.unique(L[used]).size} sizes) lie "
                             f"within the window |x| <= {window}: need at least {degree + 3} from 2 "
                             "sizes (widen the window or lower the degree)")
        if np.any(s[used] <= 0):
            raise ValueError("errors must be > 0 inside the window (they are the weights 1/error "
                             "of the fit)")
        args = (T[used], L[used], y[used], w[used], nu, degree)
        centre, chi2, coef, curv = _best_T_c(*args, centre, search)
    dof = int(used.sum()) - (degree + 1) - 1
    curvature_error = math.sqrt(2.0 / curv) if curv > 0 else float("inf")
    if dof > 0 and chi2 / dof > 1:
        curvature_error *= math.sqrt(chi2 / dof)
    per_boot = None
    error = curvature_error
    if boot is not None:
        per_boot = []
        for row in boot:
            try:
                per_boot.append(_best_T_c(T[used], L[used], row[used], w[used], nu, degree,
                                          centre, search)[0])
            except ValueError:                 # a resample without a minimum in range: skip
                pass
        per_boot = np.array(per_boot)
        if per_boot.size < 2:
            raise ValueError("chi2(T_c) has no minimum in (almost) any bootstrap row")
        error = float(np.std(per_boot, ddof=1))
    return CollapseFit(T_c=centre, T_c_error=error, curvature_error=curvature_error, chi2=chi2,
                       dof=dof, nu=nu, window=window, coefficients=coef, used=used,
                       per_boot=per_boot)


def _curve(curve, L):
    """(T, y, errors, boot or None) of one size's curve: an object with attributes ``T``, ``U``,
    ``error`` and ``boot`` (:class:`nnlib.transition.pca.BinderRatio`) or a tuple (T, y, errors[, boot])."""
    if all(hasattr(curve, a) for a in ("T", "U", "error")):
        parts = (curve.T, curve.U, curve.error, getattr(curve, "boot", None))
    elif isinstance(curve, (tuple, list)) and len(curve) in (3, 4):
        parts = tuple(curve) + (None,) * (4 - len(curve))
    else:
        raise TypeError(f"curves[{L}] must be a BinderRatio-like object (T, U, error, boot) or a "
                        f"tuple (T, y, errors[, boot]), got {type(curve).__name__}")
    T = as_1d(parts[0], f"curves[{L}].T", min_size=2)
    y = as_1d(parts[1], f"curves[{L}].y")
    s = as_1d(parts[2], f"curves[{L}].errors")
    if not T.size == y.size == s.size:
        raise ValueError(f"curves[{L}]: T, y and errors must have the same length, got {T.size}, "
                         f"{y.size}, {s.size}")
    boot = None
    if parts[3] is not None:
        boot = as_float_array(parts[3], f"curves[{L}].boot")
        if boot.ndim != 2 or boot.shape[1] != T.size:
            raise ValueError(f"curves[{L}].boot must have shape (n_boot, {T.size}), got {boot.shape}")
    return T, y, s, boot


def fit_collapse_sizes(curves, *, T_c_guess=None, window=1.0, nu=1.0, degree=4, search=0.1):
    """:func:`fit_collapse` of one curve per lattice size: ``curves`` maps L -> curve.

    A curve is what :func:`nnlib.transition.pca.binder_ratio` returns (attributes ``T``, ``U``, ``error``,
    ``boot``) or a tuple (T, y, errors) or (T, y, errors, boot).  The points of all sizes are
    stacked in increasing L, each with its L, and so are the bootstrap rows (then every curve needs
    them, with the same number of rows), so the error of T_c is the spread over the resamples.

    Why a starting point from a crossing: a dimensionless quantity (a Binder ratio) takes the same
    value on every lattice at T_c, so the curves of the smallest and the largest size cross close
    to it (:func:`nnlib.transition.crossing.find_crossing`, which needs both sizes on the same temperatures);
    that crossing is the ``T_c_guess`` unless one is given.  It uses no prior knowledge of T_c.
    """
    if not hasattr(curves, "items"):
        raise TypeError(f"curves must be a mapping {{L: curve}}, got {type(curves).__name__}")
    if len(curves) < 2:
        raise ValueError(f"curves must hold at least 2 lattice sizes, got {len(curves)}")
    for L in curves:
        check_positive(L, "every L (key of curves)")
    sizes = sorted(curves)
    parts = {L: _curve(curves[L], L) for L in sizes}
    boots = [parts[L][3] for L in sizes]
    if any(b is None for b in boots) and not all(b is None for b in boots):
        raise ValueError("curves must either all carry bootstrap rows (boot) or none")
    if boots[0] is not None and len({b.shape[0] for b in boots}) > 1:
        raise ValueError("the curves' bootstrap rows must be equally many for every size, got "
                         f"{[b.shape[0] for b in boots]}")
    if T_c_guess is None:
        (T1, y1, _, _), (T2, y2, _, _) = parts[sizes[0]], parts[sizes[-1]]
        if T1.shape != T2.shape or np.any(T1 != T2):
            raise ValueError(f"the curves of L = {sizes[0]} and L = {sizes[-1]} must share their "
                             "temperatures to give a starting point; pass T_c_guess")
        T_c_guess = find_crossing(T1, y1, y2)
    return fit_collapse(np.concatenate([parts[L][0] for L in sizes]),
                        np.concatenate([np.full(parts[L][0].size, float(L)) for L in sizes]),
                        np.concatenate([parts[L][1] for L in sizes]),
                        np.concatenate([parts[L][2] for L in sizes]), T_c_guess=T_c_guess,
                        window=window, nu=nu, degree=degree, search=search,
                        boot=None if boots[0] is None else np.concatenate(boots, axis=1))
