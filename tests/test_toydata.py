"""nnlib.studies.toydata against an independent, literal per-point transcription of TensorFlow Playground's
``dataset.ts`` generators (written below with Python's ``random`` module, one point at a time).

The random streams differ, so deterministic parts (noise-free spiral, label rules) are compared
exactly and the random parts through their statistics (class balance, radii, variances, label-flip
rates), with tolerances of several standard errors.
"""

import math
import random

import numpy as np
import pytest

from nnlib.studies import toydata


# ----------------------------------------------------------------------------------------------
# Reference: the original generators, point by point (dataset.ts, Apache-2.0, re-expressed)
# ----------------------------------------------------------------------------------------------
class Ref:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def unif(self, a, b):
        return self.r.random() * (b - a) + a

    def normal(self, mean, variance):
        # Marsaglia's polar method, as normalRandom() in the original
        while True:
            v1 = 2 * self.r.random() - 1
            v2 = 2 * self.r.random() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s <= 1:
                break
        return mean + math.sqrt(variance) * math.sqrt(-2 * math.log(s) / s) * v1

    def circle(self, n, noise):
        pts = []
        radius = 5
        for lo, hi in ((0, radius * 0.5), (radius * 0.7, radius)):
            for _ in range(n // 2):
                r = self.unif(lo, hi)
                a = self.unif(0, 2 * math.pi)
                x, y = r * math.sin(a), r * math.cos(a)
                nx = self.unif(-radius, radius) * noise
                ny = self.unif(-radius, radius) * noise
                lab = 1 if math.hypot(x + nx, y + ny) < radius * 0.5 else -1
                pts.append((x, y, lab))
        return pts

    def xor(self, n, noise):
        pts = []
        for _ in range(n):
            x = self.unif(-5, 5)
            x += 0.3 if x > 0 else -0.3
            y = self.unif(-5, 5)
            y += 0.3 if y > 0 else -0.3
            nx = self.unif(-5, 5) * noise
            ny = self.unif(-5, 5) * noise
            pts.append((x, y, 1 if (x + nx) * (y + ny) >= 0 else -1))
        return pts

    def gauss(self, n, noise):
        var = 0.5 + noise / 0.5 * (4 - 0.5)
        pts = []
        for cx, lab in ((2, 1), (-2, -1)):
            for _ in range(n // 2):
                pts.append((self.normal(cx, var), self.normal(cx, var), lab))
        return pts

    def spiral(self, n, noise):
        pts = []
        half = n / 2
        for dt, lab in ((0, 1), (math.pi, -1)):
            for i in range(n // 2):
                r = i / half * 5
                t = 1.75 * i / half * 2 * math.pi + dt
                x = r * math.sin(t) + self.unif(-1, 1) * noise
                y = r * math.cos(t) + self.unif(-1, 1) * noise
                pts.append((x, y, lab))
        return pts

    @staticmethod
    def reg_gauss_label(x, y):
        gs = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
        label = 0
        for cx, cy, sign in gs:
            d = math.hypot(x - cx, y - cy)
            scaled = min(1.0, max(0.0, 1 - d / 2))      # d3 scale [0,2] -> [1,0], clamped
            new = sign * scaled
            if abs(new) > abs(label):
                label = new
        return label

    def reg_gauss(self, n, noise):
        pts = []
        for _ in range(n):
            x, y = self.unif(-6, 6), self.unif(-6, 6)
            nx, ny = self.unif(-6, 6) * noise, self.unif(-6, 6) * noise
            pts.append((x, y, self.reg_gauss_label(x + nx, y + ny)))
        return pts

    def reg_plane(self, n, noise):
        pts = []
        for _ in range(n):
            x, y = self.unif(-6, 6), self.unif(-6, 6)
            nx, ny = self.unif(-6, 6) * noise, self.unif(-6, 6) * noise
            pts.append((x, y, (x + nx + y + ny) / 10))
        return pts


def ref_arrays(name, n, noise, seed=123):
    gen = {"circle": "circle", "xor": "xor", "gauss": "gauss", "spiral": "spiral",
           "reg-gauss": "reg_gauss", "reg-plane": "reg_plane"}[name]
    pts = np.array(getattr(Ref(seed), gen)(n, noise), dtype=float)
    return pts[:, :2], pts[:, 2]


def close_fraction(a, b, n_a, n_b, k=5.0):
    """|a - b| within k standard errors of a difference of two binomial fractions."""
    p = 0.5 * (a + b)
    se = math.sqrt(max(p * (1 - p), 1e-4) * (1 / n_a + 1 / n_b))
    return abs(a - b) <= k * se


# ----------------------------------------------------------------------------------------------
def test_default_sizes_shapes_and_labels():
    for name in toydata.DATASETS:
        X, y = toydata.make_dataset(name, seed=0)
        n = 500 if name in toydata.CLASSIFICATION_DATASETS else 1200
        assert X.shape == (n, 2) and y.shape == (n,)
        assert X.dtype == np.float64 and y.dtype == np.float64
        if name in toydata.CLASSIFICATION_DATASETS:
            assert set(np.unique(y)) <= {-1.0, 1.0}
        else:
            assert np.all(np.abs(y) <= 1.2 + 1e-12)


def test_same_seed_same_data_other_seed_other_data():
    for name in toydata.DATASETS:
        a = toydata.make_dataset(name, noise=0.2, seed=7)
        b = toydata.make_dataset(name, noise=0.2, seed=7)
        c = toydata.make_dataset(name, noise=0.2, seed=8)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert not np.array_equal(a[0], c[0])


def test_spiral_without_noise_is_exactly_the_reference():
    X, y = toydata.make_dataset("spiral", noise=0.0, seed=1)
    Xr, yr = ref_arrays("spiral", 500, 0.0)
    np.testing.assert_allclose(X, Xr, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(y, yr)
    assert np.hypot(*X.T).max() < 5.0


def test_spiral_noise_is_a_bounded_jitter():
    X0, _ = toydata.make_dataset("spiral", noise=0.0, seed=1)
    X, _ = toydata.make_dataset("spiral", noise=0.5, seed=1)
    d = X - X0
    assert np.abs(d).max() <= 0.5 + 1e-12
    # uniform in [-0.5, 0.5]: variance 1/12
    assert abs(d.var() - 1 / 12) < 0.2 / 12


def test_circle_radii_balance_and_noise_free_labels():
    X, y = toydata.make_dataset("circle", n=4000, seed=3)
    r = np.hypot(*X.T)
    assert (y == 1).sum() == 2000
    assert np.all(r[y == 1] < 2.5) and np.all((r[y == -1] >= 3.5) & (r[y == -1] <= 5.0))
    # radius uniform in [0, 2.5] for the inner half, [3.5, 5] for the outer, as in the reference
    Xr, yr = ref_arrays("circle", 4000, 0.0)
    rr = np.hypot(*Xr.T)
    assert abs(r[:2000].mean() - rr[:2000].mean()) < 5 * 2.5 / math.sqrt(12 * 2000)
    assert abs(r[2000:].mean() - rr[2000:].mean()) < 5 * 1.5 / math.sqrt(12 * 2000)


@pytest.mark.parametrize("noise", [0.1, 0.3, 0.5])
def test_circle_noise_flips_labels_like_the_reference(noise):
    n = 20000
    X, y = toydata.make_dataset("circle", n=n, noise=noise, seed=5)
    Xr, yr = ref_arrays("circle", n, noise)
    for half in (slice(0, n // 2), slice(n // 2, n)):
        ours = np.mean(y[half] == 1)
        ref = np.mean(yr[half] == 1)
        assert close_fraction(ours, ref, n // 2, n // 2), (noise, ours, ref)


@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
def test_xor_padding_balance_and_noise(noise):
    n = 20000
    X, y = toydata.make_dataset("xor", n=n, noise=noise, seed=2)
    Xr, yr = ref_arrays("xor", n, noise)
    assert np.all((np.abs(X) >= 0.3) & (np.abs(X) <= 5.3))
    agree = np.mean(y == np.where(X[:, 0] * X[:, 1] >= 0, 1, -1))
    agree_ref = np.mean(yr == np.where(Xr[:, 0] * Xr[:, 1] >= 0, 1, -1))
    if noise == 0.0:
        assert agree == 1.0
    else:
        assert agree < 0.97
    assert close_fraction(agree, agree_ref, n, n)
    assert close_fraction(np.mean(y == 1), np.mean(yr == 1), n, n)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_gauss_means_and_variance_follow_the_noise(noise):
    n = 20000
    X, y = toydata.make_dataset("gauss", n=n, noise=noise, seed=4)
    Xr, yr = ref_arrays("gauss", n, noise)
    for lab in (1, -1):
        ours, ref = X[y == lab], Xr[yr == lab]
        assert len(ours) == len(ref) == n // 2
        np.testing.assert_allclose(ours.mean(0), ref.mean(0), atol=0.1)
        np.testing.assert_allclose(ours.var(0), ref.var(0), rtol=0.06)
        np.testing.assert_allclose(ours.mean(0), [2 * lab] * 2, atol=0.1)
    var = 0.5 + noise * 7.0
    np.testing.assert_allclose(X[y == 1].var(0), [var, var], rtol=0.06)


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_reg_plane_label_and_noise_variance(noise):
    n = 20000
    X, y = toydata.make_dataset("reg-plane", n=n, noise=noise, seed=6)
    assert np.all(np.abs(X) <= 6)
    resid = y - (X[:, 0] + X[:, 1]) / 10
    Xr, yr = ref_arrays("reg-plane", n, noise)
    resid_ref = yr - (Xr[:, 0] + Xr[:, 1]) / 10
    if noise == 0:
        np.testing.assert_allclose(resid, 0, atol=1e-12)
    else:
        # (s1 + s2) / 10 with s uniform in [-6 noise, 6 noise]: variance 2 * (12 noise)^2 / 12 / 100
        expected = 2 * (12 * noise) ** 2 / 12 / 100
        assert abs(resid.var() - expected) < 0.05 * expected
        assert abs(resid_ref.var() - expected) < 0.05 * expected


def test_reg_gauss_labels_match_reference_rule():
    X, y = toydata.make_dataset("reg-gauss", n=3000, seed=8)
    ref = np.array([Ref.reg_gauss_label(a, b) for a, b in X])
    np.testing.assert_allclose(y, ref, atol=1e-12)
    # noise: labels are taken at shifted points, so they deviate from the noise-free rule
    Xn, yn = toydata.make_dataset("reg-gauss", n=3000, noise=0.5, seed=8)
    refn = np.array([Ref.reg_gauss_label(a, b) for a, b in Xn])
    assert np.mean(np.abs(yn - refn) > 1e-9) > 0.3


def test_features_match_formulas():
    rng = np.random.default_rng(0)
    X = rng.uniform(-6, 6, (50, 2))
    F = toydata.features(X, list(toydata.FEATURES))
    x1, x2 = X.T
    expected = np.column_stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(F, expected, rtol=1e-15)
    np.testing.assert_allclose(toydata.features(X, ["sin(x2)", "x1"]), expected[:, [6, 0]])


def test_split_is_a_reproducible_partition():
    X, y = toydata.make_dataset("circle", seed=0)
    Xtr, ytr, Xte, yte = toydata.split(X, y, 0.3, seed=1)
    assert len(Xtr) == 150 and len(Xte) == 350
    both = np.concatenate([Xtr, Xte])
    assert sorted(map(tuple, both)) == sorted(map(tuple, X))
    again = toydata.split(X, y, 0.3, seed=1)
    np.testing.assert_array_equal(again[0], Xtr)
    # labels stay attached to their points
    lookup = {tuple(p): lab for p, lab in zip(X, y)}
    assert all(lookup[tuple(p)] == lab for p, lab in zip(Xtr, ytr))


@pytest.mark.parametrize("call, exc, word", [
    (lambda: toydata.make_dataset("moons"), ValueError, "name"),
    (lambda: toydata.make_dataset("circle", noise=0.7), ValueError, "noise"),
    (lambda: toydata.make_dataset("circle", noise=-0.1), ValueError, "noise"),
    (lambda: toydata.make_dataset("circle", noise="a"), TypeError, "noise"),
    (lambda: toydata.make_dataset("circle", n=1), ValueError, "n must"),
    (lambda: toydata.make_dataset("circle", n=2.5), TypeError, "n must"),
    (lambda: toydata.features(np.zeros((3, 3)), ["x1"]), ValueError, "X must"),
    (lambda: toydata.features(np.zeros((3, 2)), ["x3"]), ValueError, "x3"),
    (lambda: toydata.features(np.zeros((3, 2)), []), ValueError, "at least one"),
    (lambda: toydata.features(np.zeros((3, 2)), "x1"), TypeError, "names"),
    (lambda: toydata.split(np.zeros((4, 2)), np.zeros(3)), ValueError, "same number"),
    (lambda: toydata.split(np.zeros((4, 2)), np.zeros(4), 1.0), ValueError, "train_fraction"),
])
def test_bad_input_is_refused_clearly(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
