"""nu, gamma/nu and T_c from snapshots near T_c: from a network's output and, beside it, from the
magnetisation (notebook 08, ``benchmarks/critical_exponents.py``).

Per lattice size the caller hands over plain arrays (:class:`SizeSamples`): the temperature, total
energy and magnetisation per site of every snapshot, and the "ordered" output P of each of several
networks trained with different seeds.  Then, per size, with histogram reweighting between the
simulated temperatures (:class:`nnlib.transition.reweighting.MultiHistogram`), N = L^2, beta = 1/T:

network         <P>(T)                        collapse over (T_c, nu)                -> nu, T_c
                dP/dT = -beta^2 d<P>/dbeta    at the crossing <P> = 1/2, ~ L^{1/nu}   -> nu (check)
                chi_P = beta^2 N Cov(P, m^2)  peak height ~ L^{gamma/nu}              -> gamma/nu
                N Var(P)                      peak height ~ L^d (see below)           (diagnostic)
magnetisation   U = 1 - <m^4> / (3 <m^2>^2)   collapse over (T_c, nu)                 -> nu, T_c
                dU/dT                         largest |slope| ~ L^{1/nu}              -> nu (check)
                chi' = beta N (<m^2> - <|m|>^2)  peak height ~ L^{gamma/nu}           -> gamma/nu

Why chi_P and not the variance of P: a network trained at each L separately learns that lattice's
scale of the magnetisation, so P is a *dimensionless* scaling function, P = G(t L^{1/nu}, m L^{beta/nu})
like a Binder ratio: its variance has no power of L at all, and N Var(P) grows like L^d.  The
magnetic exponent enters through the response to the field h conjugate to M = N m: with
<P>_h = <P exp(beta h M)> / <exp(beta h M)>, the curvature (1/N) d^2<P>/dh^2 at h = 0 is
beta^2 N Cov(P, m^2) (<P M> = 0 by symmetry), and since M^2 carries 2 y_h = d + gamma/nu, chi_P ~
L^{2 y_h - d} = L^{gamma/nu}.  It is measured at h = 0 from the same snapshots, like chi from <m^2>.

Errors (:func:`nnlib.transition.exponents.combine`): a bootstrap that redraws, for every size, the
networks (seeds, with replacement) and the snapshots (within each temperature), and refits
everything; plus the spread of the fit variants (smallest size dropped, narrower collapse window,
two smallest sizes dropped for the power laws).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._arrays import as_1d, as_float_array, groups, progress_bar
from ..core.checks import check_int, check_positive, make_rng
from .crossing import find_crossing
from .exponents import combine, curve_peak, fit_collapse_quality, fit_power_law
from .reweighting import MultiHistogram

__all__ = ["SizeSamples", "ExponentStudy", "measure_exponents"]

_CURVES = ("P", "dP_dT", "chi_P", "var_P", "U", "dU_dT", "chi_m")
_SCALARS = ("T_star", "slope_P", "chi_P_max", "T_chi_P", "var_P_max", "slope_U_max", "chi_m_max",
            "T_chi_m")


@dataclass
class SizeSamples:
    """The snapshots of one lattice size: ``temperatures``, ``energies`` (total energy E, in the
    units of T) and ``magnetisation`` (per site) of each, and ``outputs`` (n_seeds, n): the
    ordered-phase output of each trained network on each snapshot (None: magnetisation only)."""
    L: int
    temperatures: np.ndarray
    energies: np.ndarray
    magnetisation: np.ndarray
    outputs: np.ndarray = None

    def __post_init__(self):
        self.L = check_int(self.L, "L", 2)
        self.temperatures = as_1d(self.temperatures, "temperatures")
        n = self.temperatures.size
        self.energies = as_1d(self.energies, "energies")
        self.magnetisation = as_1d(self.magnetisation, "magnetisation")
        if np.any(self.temperatures <= 0):
            raise ValueError("temperatures must be > 0")
        if not self.energies.size == self.magnetisation.size == n:
            raise ValueError(f"L = {self.L}: temperatures, energies and magnetisation must have the "
                             f"same length, got {n}, {self.energies.size}, {self.magnetisation.size}")
        if self.outputs is not None:
            self.outputs = as_float_array(self.outputs, "outputs")
            if self.outputs.ndim == 1:
                self.outputs = self.outputs[None]
            if self.outputs.ndim != 2 or self.outputs.shape[1] != n:
                raise ValueError(f"L = {self.L}: outputs must have shape (n_seeds, {n}), got "
                                 f"{self.outputs.shape}")
        grid, members = groups(self.temperatures)
        if grid.size < 3 or min(g.size for g in members) < 2:
            raise ValueError(f"L = {self.L}: need at least 3 temperatures with 2 snapshots each")


class _Size:
    """What one size's measurement reuses in every bootstrap resample."""

    def __init__(self, s, n_fine):
        self.s, self.N = s, float(s.L) ** 2
        self.grid, self.members = groups(s.temperatures)
        self.run = np.empty(s.temperatures.size, np.int64)
        for k, g in enumerate(self.members):
            self.run[g] = k
        m = s.magnetisation
        self.m2, self.m4, self.abs_m = m * m, m ** 4, np.abs(m)
        self.betas = 1.0 / s.temperatures
        self.T_fine = np.linspace(self.grid[0], self.grid[-1], n_fine)
        self.full = MultiHistogram(s.energies, self.betas)

    def measure(self, weights=None, seeds=None):
        """Curves, peak values and per-temperature points of one (re)sample; NaN where a peak or a
        crossing falls outside the simulated range."""
        s, N = self.s, self.N
        w = np.ones(self.run.size) if weights is None else weights
        mh = self.full if weights is None else MultiHistogram(
            s.energies, self.betas, sample_weights=w, f_start=self.full.free_energies)
        beta = 1.0 / self.T_fine
        net = s.outputs is not None
        P = (s.outputs if seeds is None else s.outputs[seeds]).mean(axis=0) if net else None
        cols = [self.m2, self.m4, self.abs_m] + ([P, P * P, P * self.m2] if net else [])
        mean, d_beta = mh.expectation(np.stack(cols, axis=1), beta, derivative=True)
        m2, m4, am = mean[:, 0], mean[:, 1], mean[:, 2]
        dm2, dm4 = d_beta[:, 0], d_beta[:, 1]
        out = {"U": 1.0 - m4 / (3.0 * m2 ** 2),
               "dU_dT": beta ** 2 * (dm4 / m2 ** 2 - 2.0 * m4 * dm2 / m2 ** 3) / 3.0,
               "chi_m": beta * N * (m2 - am ** 2)}
        n_run = np.bincount(self.run, weights=w, minlength=self.grid.size)

        def per_T(v):
            return np.bincount(self.run, weights=w * v, minlength=self.grid.size) / n_run
        pm2, pm4 = per_T(self.m2), per_T(self.m4)
        out["points_U"] = 1.0 - pm4 / (3.0 * pm2 ** 2)
        out["T_chi_m"], out["chi_m_max"] = _peak(self.T_fine, out["chi_m"])
        out["slope_U_max"] = _peak(self.T_fine, np.abs(out["dU_dT"]))[1]
        if net:
            Pm, P2, Pm2 = mean[:, 3], mean[:, 4], mean[:, 5]
            out.update(P=Pm, dP_dT=-beta ** 2 * d_beta[:, 3], var_P=N * (P2 - Pm ** 2),
                       chi_P=beta ** 2 * N * (Pm2 - Pm * m2), points_P=per_T(P))
            out["T_chi_P"], out["chi_P_max"] = _peak(self.T_fine, out["chi_P"])
            out["var_P_max"] = _peak(self.T_fine, out["var_P"])[1]
            try:
                out["T_star"] = find_crossing(self.T_fine, Pm)
                out["slope_P"] = abs(float(np.interp(out["T_star"], self.T_fine, out["dP_dT"])))
            except ValueError:
                out["T_star"] = out["slope_P"] = math.nan
        return out


def _peak(x, y):
    try:
        return curve_peak(x, y)
    except ValueError:
        return math.nan, math.nan


def _resample_weights(members, n, rng):
    """Bootstrap multiplicities: as many draws as samples, with replacement, within each temperature."""
    draws = np.concatenate([g[rng.integers(0, g.size, g.size)] for g in members])
    return np.bincount(draws, minlength=n).astype(float)


@dataclass
class ExponentStudy:
    """What :func:`measure_exponents` found.

    ``network`` and ``magnetisation``: {name: :class:`nnlib.transition.exponents.Estimate`} with
    names ``nu`` (collapse), ``T_c`` (collapse), ``nu_slope`` (slope power law), ``gamma_over_nu``
    (peak heights) and, for the network, ``variance_exponent`` (of N Var(P), expected d).
    ``per_size`` {L: {quantity: (value, error)}}; ``curves`` {L: {name: array}} of the full sample
    on ``T_fine[L]``; ``points`` {L: (T, y_P, dy_P, y_U, dy_U)} the per-temperature values fitted
    by the collapses; ``fits`` the main fits (collapses and power laws) of the full sample.
    """
    sizes: list
    network: dict
    magnetisation: dict
    per_size: dict
    curves: dict
    T_fine: dict
    points: dict
    fits: dict = field(default_factory=dict)
    n_boot: int = 0


def _collapse(study_points, sizes, key, window, guess, degree, start=None):
    T = np.concatenate([study_points[L][0] for L in sizes])
    Ls = np.concatenate([np.full(study_points[L][0].size, float(L)) for L in sizes])
    y = np.concatenate([study_points[L][key][0] for L in sizes])
    dy = np.concatenate([study_points[L][key][1] for L in sizes])
    return fit_collapse_quality(T, Ls, y, dy, T_c_guess=guess, window=window, start=start,
                                degree=degree)


def _power(per_size, sizes, key):
    vals = np.array([per_size[L][key] for L in sizes])
    return fit_power_law(sizes, vals[:, 0], vals[:, 1])


def _curve_crossing(T1, y1, T2, y2):
    """Crossing of two curves sampled on different temperature ranges (on their overlap)."""
    T = np.linspace(max(T1[0], T2[0]), min(T1[-1], T2[-1]), 401)
    return find_crossing(T, np.interp(T, T1, y1), np.interp(T, T2, y2))


def measure_exponents(samples, *, n_boot=200, seed=0, window=2.0, narrow_window=1.25, degree=2,
                      n_fine=121, progress=False):
    """Every estimate of the module docstring, with bootstrap and fit-variant errors.

    ``samples``: :class:`SizeSamples` of at least 4 sizes (a power law with two sizes dropped
    still needs 2).  ``window``: the collapse tests the points with |t| L^{1/nu} <= window;
    ``narrow_window`` is its variant; ``degree`` that of the collapse's local master curve
    (:func:`nnlib.transition.exponents.collapse_quality`).  ``n_boot`` bootstrap resamples
    (``seed``); ``n_fine`` temperatures per size for the reweighted curves.  ``progress`` as in
    :func:`nnlib.transition.confusion.confusion_scan`.  The collapses start their search at
    the crossing of the two largest sizes' Binder ratios and at the largest size's crossing
    <P> = 1/2 (no T_c is given); a bootstrap resample whose collapse finds no minimum is left
    out of the spread (``Estimate.boot`` holds the ones used).
    """
    samples = sorted(samples, key=lambda s: s.L)
    if not all(isinstance(s, SizeSamples) for s in samples):
        raise TypeError("samples must be SizeSamples (one per lattice size)")
    sizes = [s.L for s in samples]
    if len(set(sizes)) != len(sizes) or len(sizes) < 4:
        raise ValueError(f"need at least 4 different lattice sizes, got {sizes}")
    net = all(s.outputs is not None for s in samples)
    if not net and any(s.outputs is not None for s in samples):
        raise ValueError("either every size carries network outputs or none")
    n_boot = check_int(n_boot, "n_boot", 2)
    n_fine = check_int(n_fine, "n_fine", 11)
    window, narrow_window = check_positive(window, "window"), check_positive(narrow_window,
                                                                              "narrow_window")
    rng = make_rng(seed)
    size = {s.L: _Size(s, n_fine) for s in samples}
    full = {L: size[L].measure() for L in sizes}
    boot = []
    for _ in progress_bar(range(n_boot), progress, desc="bootstrap"):
        rep = {}
        for L in sizes:
            sz = size[L]
            seeds = rng.integers(0, sz.s.outputs.shape[0], sz.s.outputs.shape[0]) if net else None
            rep[L] = sz.measure(_resample_weights(sz.members, sz.run.size, rng), seeds)
        boot.append(rep)
    keys = [k for k in _SCALARS if k in full[sizes[0]]]
    per_size = {L: {k: (full[L][k], float(np.nanstd([b[L][k] for b in boot], ddof=1)))
                    for k in keys} for L in sizes}
    point_keys = ["points_U"] + (["points_P"] if net else [])
    points = {L: {"T": size[L].grid} for L in sizes}
    for L in sizes:
        for k in point_keys:
            points[L][k] = (full[L][k], np.std([b[L][k] for b in boot], axis=0, ddof=1))

    def study_points(src):
        return {L: (size[L].grid,) + tuple(
            (src[L][k], points[L][k][1]) for k in point_keys) for L in sizes}
    index = {"points_U": 1, "points_P": 2}

    def estimates(key_collapse, guess, keys_power):
        pts = study_points(full)
        main = _collapse(pts, sizes, index[key_collapse], window, guess, degree)
        variants = {"without L = %d" % sizes[0]: _collapse(pts, sizes[1:], index[key_collapse],
                                                            window, guess, degree),
                    "window %g" % narrow_window: _collapse(pts, sizes, index[key_collapse],
                                                           narrow_window, guess, degree)}
        boot_fits = []
        for b in boot:
            try:
                boot_fits.append(_collapse(study_points(b), sizes, index[key_collapse], window,
                                           guess, degree, start=(main.T_c, main.nu)))
            except ValueError:
                pass
        out = {"nu": combine(main.nu, [f.nu for f in boot_fits],
                             {k: v.nu for k, v in variants.items()}),
               "T_c": combine(main.T_c, [f.T_c for f in boot_fits],
                              {k: v.T_c for k, v in variants.items()})}
        fits = {"collapse": main}
        for name, key, invert in keys_power:
            value = _power(per_size, sizes, key)
            fits[name] = value

            def exponent(ps, subset, invert=invert, key=key):
                e = _power(ps, subset, key).exponent
                return 1.0 / e if invert else e
            var = {"without L = %d" % sizes[0]: exponent(per_size, sizes[1:]),
                   "without L = %d, %d" % tuple(sizes[:2]): exponent(per_size, sizes[2:])}
            bvals = []
            for b in boot:
                ps = {L: {key: (b[L][key], per_size[L][key][1])} for L in sizes}
                bvals.append(exponent(ps, sizes) if all(np.isfinite(ps[L][key][0]) and
                                                        ps[L][key][0] > 0 for L in sizes)
                             else math.nan)
            out[name] = combine(exponent(per_size, sizes), bvals, var)
        return out, fits

    largest = sizes[-1]
    guess_U = _curve_crossing(size[sizes[-2]].T_fine, full[sizes[-2]]["U"], size[largest].T_fine,
                              full[largest]["U"])
    mag, mag_fits = estimates("points_U", guess_U, [("nu_slope", "slope_U_max", True),
                                                     ("gamma_over_nu", "chi_m_max", False)])
    network, net_fits = {}, {}
    if net:
        guess_P = full[largest]["T_star"]
        network, net_fits = estimates("points_P", guess_P if np.isfinite(guess_P) else guess_U,
                                      [("nu_slope", "slope_P", True),
                                       ("gamma_over_nu", "chi_P_max", False),
                                       ("variance_exponent", "var_P_max", False)])
    curves = {L: {k: full[L][k] for k in _CURVES if k in full[L]} for L in sizes}
    flat_points = {L: (points[L]["T"],) + tuple(x for k in ("points_P", "points_U")
                                                 if k in points[L] for x in points[L][k])
                   for L in sizes}
    return ExponentStudy(sizes=sizes, network=network, magnetisation=mag, per_size=per_size,
                         curves=curves, T_fine={L: size[L].T_fine for L in sizes},
                         points=flat_points, fits={"network": net_fits, "magnetisation": mag_fits},
                         n_boot=n_boot)
