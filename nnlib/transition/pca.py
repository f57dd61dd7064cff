"""Principal component analysis with numpy's SVD, and the Binder-like ratio of a projection.

L. Wang ("Discovering phase transitions with unsupervised learning", PRB 94, 195105 (2016),
arXiv:1606.00318) finds the order of a spin model without labels: the principal components of raw
snapshots are the directions in which the snapshots vary most, and for a ferromagnet the first one is
uniform, so the projection on it is the magnetisation.  Its finite-size behaviour then locates the
transition like any order parameter, e.g. through the temperature where the Binder-like ratio
U = 1 - <p^4> / (3 <p^2>^2) of the projection p no longer depends on the lattice size
(:func:`nnlib.transition.scaling.fit_collapse`).  Everything here takes plain arrays:

* :func:`fit_pca` -> :class:`PCA`: components, explained variance, projections (``transform``);
* :func:`binder_ratio`: U at each temperature, with a bootstrap error.
"""

from dataclasses import dataclass

import numpy as np

from ._arrays import as_1d, groups
from ..core.checks import check_int, check_rows, make_rng

__all__ = ["PCA", "fit_pca", "BinderRatio", "binder_ratio"]


@dataclass
class PCA:
    """Principal components of a data matrix (one sample per row).

    ``components`` (k, n_features): orthonormal rows, in order of decreasing variance, each with its
    sign chosen so that its entries sum to >= 0 (the SVD leaves the sign open; fixing it makes the
    projections of two runs comparable).  ``explained_variance`` (k,): the variance of the data
    along each component; ``total_variance``: the sum of the variances of all features, so
    ``explained_variance_ratio`` is the fraction of the total that each component carries.
    """
    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    total_variance: float

    @property
    def explained_variance_ratio(self):
        return self.explained_variance / self.total_variance

    def transform(self, X):
        """Projections (n, k) of the rows of X on the components (after subtracting the mean)."""
        X = _data_matrix(X, "X")
        if X.shape[1] != self.mean.size:
            raise ValueError(f"X must have shape (n, {self.mean.size}), got {X.shape}")
        C = self.components.astype(X.dtype, copy=False)
        return X @ C.T - self.mean @ self.components.T


def _data_matrix(X, name):
    """A finite 2-D float array (:func:`nnlib.core.checks.check_rows`); float32 stays float32 (half the
    memory of a float64 copy), integers become float64."""
    X = check_rows(X, None, name)
    return X if np.issubdtype(X.dtype, np.floating) else X.astype(np.float64)


def fit_pca(X, n_components=None, *, center=True, n_iter=4, oversample=10, seed=None):
    """Principal components of the rows of X from a singular value decomposition.

    Why the SVD: with the centred data A = X - mean = U S V^T, the covariance matrix is
    A^T A / (n - 1) = V S^2 V^T / (n - 1), so the rows of V^T are its eigenvectors (the principal
    directions) and S^2 / (n - 1) the variances along them, without ever forming the
    n_features x n_features covariance matrix.

    ``n_components=None``: the full thin SVD (``numpy.linalg.svd``), every component.  An integer k
    asks only for the first k, found by the randomized range finder of Halko, Martinsson and Tropp
    (SIAM Review 53, 217 (2011)): project A on k + ``oversample`` random directions, sharpen with
    ``n_iter`` power iterations (A A^T)^q, orthonormalise, and take the exact SVD of the small
    matrix Q^T A; far cheaper than the full SVD when k is small (an 8000 x 4096 matrix: about a
    second instead of tens), and accurate to rounding when the leading variances stand out
    (``seed`` makes it reproducible).  ``center=False`` skips subtracting the mean.  Arithmetic
    in the dtype of X when it is a float type (float32 data: float32 products).
    """
    X = _data_matrix(X, "X")
    if X.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows (samples), got shape {X.shape}")
    n, d = X.shape
    rank = min(n, d)
    if n_components is not None:
        n_components = check_int(n_components, "n_components", 1)
        if n_components > rank:
            raise ValueError(f"n_components must be <= min(n_samples, n_features) = {rank}, "
                             f"got {n_components}")
    n_iter = check_int(n_iter, "n_iter", 0)
    oversample = check_int(oversample, "oversample", 0)
    mean = X.mean(axis=0, dtype=np.float64) if center else np.zeros(d)
    m = mean.astype(X.dtype)
    total = (np.einsum("ij,ij->", X, X, dtype=np.float64) - n * float(mean @ mean)) / (n - 1)
    k = rank if n_components is None else n_components
    if n_components is None or k + oversample >= rank:
        _, S, Vt = np.linalg.svd(X - m, full_matrices=False)
    else:
        # products with A = X - 1 m^T without forming A: A M = X M - 1 (m^T M), A^T Q = ...
        rng = make_rng(seed)
        omega = rng.standard_normal((d, k + oversample)).astype(X.dtype)
        Q, _ = np.linalg.qr(X @ omega - m @ omega)
        for _ in range(n_iter):           # re-orthonormalise each time: keeps small directions
            Q, _ = np.linalg.qr(X.T @ Q - np.outer(m, Q.sum(axis=0)))
            Q, _ = np.linalg.qr(X @ Q - m @ Q)
        _, S, Vt = np.linalg.svd(Q.T @ X - np.outer(Q.sum(axis=0), m), full_matrices=False)
    S, Vt = S[:k].astype(np.float64), Vt[:k].astype(np.float64)
    signs = np.where(Vt.sum(axis=1) < 0, -1.0, 1.0)
    return PCA(mean=mean, components=Vt * signs[:, None], explained_variance=S ** 2 / (n - 1),
               total_variance=float(total))


@dataclass
class BinderRatio:
    """U = 1 - <p^4> / (3 <p^2>^2) at each distinct temperature ``T``, with its bootstrap
    ``error``; ``boot`` (n_boot, n_T) holds the resampled values (for propagating the error)."""
    T: np.ndarray
    U: np.ndarray
    error: np.ndarray
    boot: np.ndarray


def _ratio(p2, p4):
    return 1.0 - p4 / (3.0 * p2 ** 2)


def binder_ratio(temperatures, values, *, n_boot=200, seed=None):
    """The Binder-like ratio U = 1 - <p^4> / (3 <p^2>^2) of ``values`` p at each temperature.

    Why this ratio: it is dimensionless and needs no normalisation of p.  If p has a single
    Gaussian peak at 0 (disorder), <p^4> = 3 <p^2>^2 and U = 0; if p sits at +-c (order), U = 2/3.
    In between it depends on the lattice only through L / xi, so near a critical point the curves
    of different lattice sizes cross (K. Binder, Z. Phys. B 43, 119 (1981)).  The error is the
    standard deviation over ``n_boot`` resamples of the values, drawn with replacement within each
    temperature.
    """
    T = as_1d(temperatures, "temperatures")
    p = as_1d(values, "values")
    if p.size != T.size:
        raise ValueError(f"temperatures and values must have the same length, got {T.size}, {p.size}")
    n_boot = check_int(n_boot, "n_boot", 2)
    rng = make_rng(seed)
    grid, members = groups(T)
    U = np.empty(grid.size)
    boot = np.empty((n_boot, grid.size))
    for k, g in enumerate(members):
        q = p[g] ** 2
        if np.all(q == 0):
            raise ValueError(f"values at temperature {grid[k]} are all 0: the ratio is undefined")
        U[k] = _ratio(q.mean(), (q * q).mean())
        draw = q[rng.integers(0, g.size, size=(n_boot, g.size))]
        with np.errstate(divide="ignore", invalid="ignore"):
            boot[:, k] = _ratio(draw.mean(axis=1), (draw * draw).mean(axis=1))
    boot = np.where(np.isfinite(boot), boot, U)            # a resample of only zeros: keep U
    return BinderRatio(T=grid, U=U, error=boot.std(axis=0, ddof=1), boot=boot)
