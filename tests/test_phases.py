"""nnlib.transition.phases: labels, bootstrap resamples, the phase network (trained through Network.SGD) and the
one-number threshold classifier; and that nnlib stays free of the Ising model."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import nnlib
from nnlib.transition import phases as ph

NNLIB = pathlib.Path(nnlib.__file__).parent


def nnlib_modules():
    """Every module of nnlib, in all its folders (the phase analysis lives in nnlib/transition)."""
    paths = sorted(NNLIB.rglob("*.py"))
    assert NNLIB / "transition" / "phases.py" in paths and len(paths) > 30, paths
    return paths


# ------------------------------------------------------------------------------------------------
# packages stay apart

def test_nnlib_imports_nothing_from_isingmc():
    code = ("import sys, nnlib, nnlib.transition.phases, nnlib.transition.crossing, nnlib.transition.scaling, nnlib.transition.confusion, "
            "nnlib.transition.pca; print('isingmc' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    for path in nnlib_modules():
        text = path.read_text()
        assert "import isingmc" not in text and "from isingmc" not in text, path.name


def test_nnlib_names_no_ising_constant():
    for path in nnlib_modules():
        text = path.read_text()
        for needle in ("T_C =", "2.269", "log(1.0 + math.sqrt(2", "log(1 + sqrt", "ORDERED ="):
            assert needle not in text, f"{path.relative_to(NNLIB)} contains {needle!r}"


# ------------------------------------------------------------------------------------------------
# labels and resampling

def test_phase_labels():
    assert ph.phase_labels([1.0, 2.2, 2.3, 3.0], T_c=2.25).tolist() == [0, 0, 1, 1]
    assert ph.phase_labels([1.0, 2.0], T_c=1.5).tolist() == [0, 1]
    assert ph.phase_labels(np.array([[1.0, 3.0]]), 2.0).tolist() == [[0, 1]]
    with pytest.raises(ValueError, match="T_c"):
        ph.phase_labels([1.0, 1.5], 1.5)
    with pytest.raises(ValueError, match="NaN"):
        ph.phase_labels([1.0, float("nan")], 1.5)
    with pytest.raises(ValueError, match="T_c"):
        ph.phase_labels([1.0, 2.0], -1.0)
    with pytest.raises(TypeError):
        ph.phase_labels([1.0, 2.0])                  # T_c is the caller's: no default


def test_resample_within_temperature():
    T = np.repeat([1.0, 2.0, 3.0], [5, 7, 9])
    idx = ph.resample_within_temperature(T, seed=0)
    assert idx.shape == (21,)
    np.testing.assert_array_equal(T[idx], T)              # every row keeps its temperature
    assert len(np.unique(idx)) < 21                       # with replacement: some repeats
    np.testing.assert_array_equal(idx, ph.resample_within_temperature(T, seed=0))
    counts = np.bincount(np.concatenate([ph.resample_within_temperature(T, seed=s) for s in range(400)]),
                         minlength=21)
    assert counts.min() > 300 and counts.max() < 500      # each sample drawn ~ once per resample
    with pytest.raises(ValueError, match="seed"):
        ph.resample_within_temperature(T, seed=-1)


# ------------------------------------------------------------------------------------------------
# threshold classifier

def brute_force_best_accuracy(v, y):
    cands = np.concatenate([[v.min() - 1], v])
    return max(max(np.mean((v > c) == y), np.mean((v <= c) == y)) for c in cands)


@pytest.mark.parametrize("seed", range(5))
def test_fit_threshold_is_the_best_single_threshold(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    v = np.round(rng.normal(size=200) + (1.5 if seed % 2 else -1.5) * y, 1)   # ties included
    clf = ph.fit_threshold(v, y)
    assert clf.accuracy(v, y) == pytest.approx(brute_force_best_accuracy(v, y))
    assert clf.high_label == (1 if seed % 2 else 0)


def test_fit_threshold_bad_input():
    with pytest.raises(ValueError, match="labels"):
        ph.fit_threshold([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="shape"):
        ph.fit_threshold([0.1, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match="shape"):
        ph.ThresholdClassifier(0.0, 1).accuracy([0.1, 0.2], [0, 1, 1])


# ------------------------------------------------------------------------------------------------
# the network

def toy_phases(rng, n=400, L=8):
    """'Ordered' lattices (95 % of the spins aligned, either sign) and random ones."""
    ordered = np.where(rng.random((n, L * L)) < 0.95, 1.0, -1.0) * rng.choice([-1.0, 1.0], (n, 1))
    disordered = rng.choice([-1.0, 1.0], (n, L * L))
    return np.concatenate([ordered, disordered]).astype(np.float32), np.repeat([0, 1], n)


def flip(X, rng):
    return X * rng.choice(np.array([-1, 1], X.dtype), (len(X), 1))


def test_train_phase_network_learns_ordered_vs_disordered():
    X, y = toy_phases(np.random.default_rng(9))
    net = ph.train_phase_network(X, y, epochs=10, seed=0, augment=flip)
    assert net.sizes == [64, 100, 2]
    assert net.accuracy(X, y) > 0.97
    out = net.predict(X)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)   # softmax outputs
    net2 = ph.train_phase_network(X, y, epochs=10, seed=0, augment=flip)
    np.testing.assert_array_equal(net2.predict(X), out)            # same seed, same network
    plain = ph.train_phase_network(X, y, epochs=10, seed=0)        # without augmentation: other run
    assert not np.array_equal(plain.predict(X), out)


def test_train_phase_network_trains_through_SGD(monkeypatch):
    """The one epoch loop: Network.SGD with the cosine schedule and the augment hook."""
    calls = []
    original = nnlib.Network.SGD

    def spy(self, training_data, epochs, mini_batch_size, eta, *args, **kwargs):
        calls.append((epochs, mini_batch_size, eta, kwargs))
        return original(self, training_data, epochs, mini_batch_size, eta, *args, **kwargs)

    monkeypatch.setattr(nnlib.Network, "SGD", spy)
    seen = []

    def augment(X, rng):
        seen.append(X.shape)
        return X

    X, y = toy_phases(np.random.default_rng(1), n=20)
    ph.train_phase_network(X, y, epochs=3, mini_batch_size=8, eta=0.2, lmbda=0.5, augment=augment,
                           seed=0)
    (epochs, mbs, eta, kwargs), = calls
    assert (epochs, mbs, eta) == (3, 8, 0.2)
    assert kwargs["schedule"] == "cosine" and kwargs["augment"] is augment and kwargs["lmbda"] == 0.5
    assert seen == [(40, 64)] * 3                          # called once per epoch on all inputs


def test_phase_network_is_the_starting_point_of_training():
    from nnlib import Network
    net0 = ph.phase_network(36, seed=4)
    ref = Network([36, 100, 2], seed=4, activation="sigmoid", output="softmax", cost="cross-entropy",
                  init="scaled", dtype=np.float32)
    for a, b in zip(net0.weights + net0.biases, ref.weights + ref.biases):
        np.testing.assert_array_equal(a, b)
    assert np.std(net0.weights[0]) == pytest.approx(1 / 6, rel=0.1)      # N(0, 1/n_in)
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], (50, 36)).astype(np.float32)
    barely = ph.train_phase_network(X, np.arange(50) % 2, epochs=1, eta=1e-12, seed=4)
    np.testing.assert_allclose(barely.weights[0], net0.weights[0], atol=1e-9)


def test_train_phase_network_bad_input():
    X = np.ones((4, 9), np.float32)
    with pytest.raises(ValueError, match="labels must be 0"):
        ph.train_phase_network(X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="shape"):
        ph.train_phase_network(X, np.array([0, 1]))
    with pytest.raises(ValueError, match="2-D"):
        ph.train_phase_network(X[0], np.array([0]))
    with pytest.raises(ValueError, match="epochs"):
        ph.train_phase_network(X, np.array([0, 1, 0, 1]), epochs=0)
    with pytest.raises(TypeError, match="augment"):
        ph.train_phase_network(X, np.array([0, 1, 0, 1]), augment=True)
    with pytest.raises(ValueError, match="hidden"):
        ph.train_phase_network(X, np.array([0, 1, 0, 1]), hidden=0)
