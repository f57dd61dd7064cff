"""nnlib.transition.pca: principal components against planted directions and the full SVD; the Binder-like ratio
against distributions whose ratio is known."""

import numpy as np
import pytest

from nnlib.transition import pca


def planted(rng, n=600, d=40, scale=3.0, noise=0.5):
    """Rows z u scale + noise: the first principal direction is u (unit vector), its variance
    scale^2 + noise^2, every other direction noise^2."""
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    X = rng.normal(size=(n, 1)) * scale * u + rng.normal(0, noise, (n, d)) + 5.0   # a mean to remove
    return X, u


def test_first_component_is_the_planted_direction():
    rng = np.random.default_rng(0)
    X, u = planted(rng)
    p = pca.fit_pca(X)
    assert p.components.shape == (40, 40)
    assert abs(p.components[0] @ u) > 0.99
    assert p.explained_variance[0] == pytest.approx(9.25, rel=0.15)
    np.testing.assert_allclose(p.explained_variance[1:].mean(), 0.25, rtol=0.1)
    np.testing.assert_allclose(p.components @ p.components.T, np.eye(40), atol=1e-10)
    assert np.all(np.diff(p.explained_variance) <= 0)
    assert np.all(p.components.sum(axis=1) >= 0)                      # the sign convention
    # the variance along a component is the variance of the projections on it
    proj = p.transform(X)
    np.testing.assert_allclose(proj.var(axis=0, ddof=1), p.explained_variance, rtol=1e-9)
    np.testing.assert_allclose(proj.mean(axis=0), 0.0, atol=1e-9)
    assert p.total_variance == pytest.approx(X.var(axis=0, ddof=1).sum(), rel=1e-12)
    assert p.explained_variance_ratio.sum() == pytest.approx(1.0, rel=1e-12)   # all components kept
    np.testing.assert_allclose(p.mean, X.mean(axis=0))


def test_randomized_components_match_the_full_svd():
    rng = np.random.default_rng(1)
    X, _ = planted(rng, n=800, d=120)
    X[:, :3] += rng.normal(size=(800, 3)) * [2.0, 1.5, 1.2]     # a few more leading directions
    full = pca.fit_pca(X)
    fast = pca.fit_pca(X, n_components=4, n_iter=6, seed=0)
    assert fast.components.shape == (4, 120)
    np.testing.assert_allclose(fast.explained_variance, full.explained_variance[:4], rtol=1e-6)
    np.testing.assert_allclose(np.abs(np.sum(fast.components * full.components[:4], axis=1)), 1.0,
                               atol=1e-6)
    assert fast.total_variance == pytest.approx(full.total_variance, rel=1e-12)
    again = pca.fit_pca(X, n_components=4, n_iter=6, seed=0)
    np.testing.assert_array_equal(again.components, fast.components)          # reproducible
    f32 = pca.fit_pca(X.astype(np.float32), n_components=2, seed=0)           # float32 data
    np.testing.assert_allclose(f32.explained_variance, full.explained_variance[:2], rtol=1e-4)


def test_first_component_of_ferromagnetic_snapshots_is_uniform():
    # snapshots with a magnetisation of random sign and size: the widest direction is (1, ..., 1)
    rng = np.random.default_rng(2)
    n, N = 1000, 64
    m = rng.uniform(-1, 1, (n, 1))
    spins = np.where(rng.random((n, N)) < (1 + m) / 2, 1.0, -1.0)
    p = pca.fit_pca(spins, n_components=2, seed=0)
    np.testing.assert_allclose(p.components[0], 1 / np.sqrt(N), atol=0.02)
    proj = p.transform(spins)[:, 0] / np.sqrt(N)
    np.testing.assert_allclose(proj, spins.mean(axis=1) - p.mean.mean(), atol=0.05)
    uncentred = pca.fit_pca(spins, center=False)
    assert np.all(uncentred.mean == 0)


@pytest.mark.parametrize("args, kwargs, match", [
    ((np.ones(5),), {}, "shape"),
    ((np.ones((1, 5)),), {}, "at least 2 rows"),
    ((np.full((3, 2), np.nan),), {}, "NaN"),
    ((np.ones((4, 3)),), dict(n_components=4), "n_components"),
    ((np.ones((4, 3)),), dict(n_components=0), "n_components"),
    ((np.array([["a", "b"], ["c", "d"]]),), {}, "real numbers"),
])
def test_fit_pca_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pca.fit_pca(*args, **kwargs)


def test_transform_bad_input():
    p = pca.fit_pca(np.random.default_rng(3).normal(size=(10, 4)))
    with pytest.raises(ValueError, match="shape"):
        p.transform(np.ones((3, 5)))


# ------------------------------------------------------------------------------------------------
# Binder-like ratio

def test_binder_ratio_of_known_distributions():
    rng = np.random.default_rng(4)
    n = 20_000
    T = np.repeat([1.0, 2.0, 3.0], n)
    values = np.concatenate([rng.choice([-0.7, 0.7], n),        # two sharp peaks: U = 2/3
                             rng.uniform(-1, 1, n),             # <p^2> = 1/3, <p^4> = 1/5: U = 0.4
                             rng.normal(0, 0.3, n)])            # one Gaussian: U = 0
    b = pca.binder_ratio(T, values, n_boot=100, seed=0)
    assert b.T.tolist() == [1.0, 2.0, 3.0] and b.boot.shape == (100, 3)
    assert b.U[0] == pytest.approx(2 / 3, abs=1e-12) and b.error[0] < 1e-12
    assert abs(b.U[1] - 0.4) < 4 * b.error[1] and abs(b.U[2]) < 4 * b.error[2]
    assert 0 < b.error[1] < 0.01 and 0 < b.error[2] < 0.02       # Gaussian: sqrt(24 / n) / 3 = 0.012


def test_binder_ratio_error_is_the_spread_over_independent_samples():
    rng = np.random.default_rng(5)
    T = np.repeat([1.0], 400)
    draws = [pca.binder_ratio(T, rng.uniform(-1, 1, 400), n_boot=200, seed=k) for k in range(60)]
    spread = np.std([d.U[0] for d in draws], ddof=1)
    mean_error = np.mean([d.error[0] for d in draws])
    assert 0.75 < mean_error / spread < 1.33


def test_binder_ratio_bad_input():
    with pytest.raises(ValueError, match="same length"):
        pca.binder_ratio([1.0, 2.0], [0.1])
    with pytest.raises(ValueError, match="all 0"):
        pca.binder_ratio([1.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="n_boot"):
        pca.binder_ratio([1.0, 1.0], [0.5, 0.1], n_boot=1)
