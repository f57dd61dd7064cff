"""Histogram reweighting: expectation values at temperatures between (and a little beyond) those
simulated, from the energies of the samples.

A sample drawn at inverse temperature beta_k has probability ~ g(E) exp(-beta_k E).  Multiplying its
weight by exp(-(beta - beta_k) E) turns it into a sample of beta (Ferrenberg and Swendsen, PRL 61,
2635 (1988): *single*-histogram reweighting).  Runs at several beta_k are combined by the
*multiple*-histogram method (Ferrenberg and Swendsen, PRL 63, 1195 (1989)): every sample, whichever
run it came from, gets the weight

    w_i(beta) = exp(-beta E_i) / sum_k n_k exp(f_k - beta_k E_i),                        (1)

with n_k the number of samples of run k and f_k = -ln Z(beta_k) the runs' free energies, fixed by
self-consistency

    exp(-f_k) = sum_i exp(-beta_k E_i) / sum_j n_j exp(f_j - beta_j E_i).                (2)

Then <O>(beta) = sum_i w_i O_i / sum_i w_i for *any* function O of the configuration: a network's
output is reweighted exactly like the magnetisation (Bachtis, Aarts and Lucini, PRE 102, 033303
(2020), arXiv:2004.14341).  Derivatives come for free:

    d<O>/d beta = -(<O E> - <O><E>),                                                     (3)

the fluctuation relation behind the specific heat, the slope of a Binder ratio or of a network's output.

Everything takes plain arrays (total energies E_i in the units of 1/beta, the beta of each sample's
run, observables); single-histogram reweighting is the case of one run.  Samples are grouped by
energy level first (an Ising lattice has a few hundred distinct energies near T_c), so a bootstrap
resample, given as multiplicities ``sample_weights``, costs a few milliseconds.
"""

import numpy as np

from ._arrays import as_1d, as_float_array
from ..core.checks import check_int, check_positive

__all__ = ["MultiHistogram"]


def _logsumexp(a, axis):
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(a - top), axis=axis))


class MultiHistogram:
    """Multiple-histogram reweighting of samples drawn at several inverse temperatures (eq. 1, 2).

    ``energies`` (n,): total energy of each sample; ``betas`` (n,): the inverse temperature of the
    run it was drawn in (samples with equal beta form one run); ``sample_weights`` (n,): how many
    times each sample counts (bootstrap multiplicities; default 1).  ``free_energies`` (f_0 = 0)
    are those of the energies minus ``energy_shift``, the mean energy of the samples (no overflow
    in exp(-beta E)): add ``run_betas * energy_shift`` for those of the energies themselves.
    ``f_start``: where to start solving eq. (2) (Newton steps; ``iterations`` counts them), e.g.
    the ``free_energies`` of the full sample when a bootstrap resample of it is fitted.  The
    samples of a run are taken as independent (thin a Markov chain to ~2 tau_int first).
    """

    def __init__(self, energies, betas, *, sample_weights=None, f_start=None, tol=1e-10,
                 max_iter=200):
        E = as_1d(energies, "energies")
        b = as_1d(betas, "betas")
        if b.size != E.size:
            raise ValueError(f"energies and betas must have the same length, got {E.size}, {b.size}")
        if np.any(b <= 0):
            raise ValueError("betas must be > 0")
        w = np.ones(E.size) if sample_weights is None else as_1d(sample_weights, "sample_weights")
        if w.size != E.size or np.any(w < 0):
            raise ValueError(f"sample_weights must be {E.size} numbers >= 0")
        check_positive(tol, "tol")
        max_iter = check_int(max_iter, "max_iter", 1)
        self.run_betas, run = np.unique(b, return_inverse=True)
        self.n_per_run = np.bincount(run, weights=w, minlength=self.run_betas.size)
        if np.any(self.n_per_run <= 0):
            raise ValueError("every run (distinct beta) needs samples of positive weight")
        # energies relative to their unweighted mean: the same shift for every resample of the same
        # samples, so their free energies can seed each other
        self.energy_shift = float(E.mean())
        levels, self._level = np.unique(E - self.energy_shift, return_inverse=True)
        self.levels = levels
        self._weights = w
        self._counts = np.bincount(self._level, weights=w, minlength=levels.size)
        self.free_energies, self.iterations = self._solve(f_start, tol, max_iter)
        # ln of the denominator of eq. (1) per level
        self._log_denominator = _logsumexp(np.log(self.n_per_run)[:, None] + self.free_energies[:, None]
                                           - self.run_betas[:, None] * levels[None, :], axis=0)

    def _solve(self, f_start, tol, max_iter):
        """Solve eq. (2) (gauge f_0 = 0) by Newton's method.

        Why Newton: eq. (2) is the stationarity condition of the convex function
        Phi(f) = sum_E H(E) ln D(E) - sum_k n_k f_k, D(E) = sum_k n_k exp(f_k - beta_k E)
        (the likelihood of the multistate estimator, Shirts and Chodera, JCP 129, 124105
        (2008)); with its gradient and Hessian it converges in a handful of steps, where the
        plain iteration of eq. (2) needs hundreds when the runs' histograms overlap little.
        A step that does not lower Phi is halved."""
        R = self.run_betas.size
        f = np.zeros(R) if f_start is None else as_1d(f_start, "f_start").copy()
        if f.size != R:
            raise ValueError(f"f_start must hold one free energy per run ({R}), got {f.size}")
        if R == 1:
            return np.zeros(1), 0
        occupied = self._counts > 0
        h, E = self._counts[occupied], self.levels[occupied]
        log_n = np.log(self.n_per_run)
        bE = self.run_betas[:, None] * E[None, :]                          # (R, levels)

        def phi_and_W(f):
            a = log_n[:, None] + f[:, None] - bE
            log_D = _logsumexp(a, axis=0)
            return float(h @ log_D - self.n_per_run @ f), np.exp(a - log_D[None, :])

        f = f - f[0]
        phi, W = phi_and_W(f)
        for it in range(1, max_iter + 1):
            HW = W * h[None, :]
            grad = HW.sum(axis=1) - self.n_per_run
            hess = np.diag(HW.sum(axis=1)) - HW @ W.T
            step = np.zeros(R)
            step[1:] = -np.linalg.solve(hess[1:, 1:], grad[1:])
            for _ in range(60):
                phi_new, W_new = phi_and_W(f + step)
                if phi_new <= phi + 1e-12 * abs(phi):
                    break
                step *= 0.5
            f, phi, W = f + step, phi_new, W_new
            if np.max(np.abs(step)) < tol:
                return f, it
        raise RuntimeError(f"the free energies did not converge in {max_iter} iterations "
                           "(do the energy histograms of neighbouring runs overlap?)")

    def _log_weights(self, beta):
        """ln of the weights of eq. (1) per energy level, for each beta: (n_beta, levels)."""
        beta = np.atleast_1d(as_float_array(beta, "beta"))
        return -beta[:, None] * self.levels[None, :] - self._log_denominator[None, :]

    def level_sums(self, values):
        """Sum over the samples at each energy level of sample_weight * value: (levels, n_obs)."""
        v = as_float_array(values, "values")
        v = v[:, None] if v.ndim == 1 else v
        if v.ndim != 2 or v.shape[0] != self._level.size:
            raise ValueError(f"values must have the samples on the first axis ({self._level.size}), "
                             f"got shape {np.shape(values)}")
        return np.stack([np.bincount(self._level, weights=self._weights * v[:, j],
                                     minlength=self.levels.size) for j in range(v.shape[1])], axis=1)

    def expectation(self, values, beta, *, derivative=False):
        """<O>(beta) for each column O of ``values`` (n,) or (n, n_obs), at each ``beta``.

        Returns an array (n_beta, n_obs) (1-D inputs give 1-D or scalar results), and with
        ``derivative=True`` also d<O>/d beta from eq. (3) (same shape).  Reliable where the runs
        sampled the energies that matter at ``beta``: between the simulated temperatures, and
        about one energy standard deviation beyond the outermost ones.
        """
        scalar_beta = np.ndim(beta) == 0
        one_obs = np.ndim(values) == 1
        S = self.level_sums(values)                                     # (levels, n_obs)
        logw = self._log_weights(beta)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))              # (n_beta, levels)
        Z = w @ self._counts
        mean = (w @ S) / Z[:, None]
        out = [mean]
        if derivative:
            E = self.levels
            mean_E = (w @ (self._counts * E)) / Z
            mean_OE = (w @ (S * E[:, None])) / Z[:, None]
            out.append(-(mean_OE - mean * mean_E[:, None]))
        out = [o[:, 0] if one_obs else o for o in out]
        out = [o[0] if scalar_beta else o for o in out]
        return tuple(out) if derivative else out[0]

    def energy_moments(self, beta):
        """<E> and <E^2> - <E>^2 at each beta (total energy; the specific heat per site is
        beta^2 (<E^2> - <E>^2) / N)."""
        logw = self._log_weights(beta)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        Z = w @ self._counts
        E = self.levels
        m1 = (w @ (self._counts * E)) / Z
        m2 = (w @ (self._counts * E * E)) / Z
        mean = m1 + self.energy_shift
        var = m2 - m1 ** 2
        if np.ndim(beta) == 0:
            return float(mean[0]), float(var[0])
        return mean, var
