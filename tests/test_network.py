"""Tests of nnlib.Network against an independent per-sample reference (Nielsen's code, written
out again in conftest.py: the fixture ``nielsen``) and against plain formulas.  Small random data
only: no MNIST needed."""

import copy
import math
import os
import re
import warnings

import numpy as np
import pytest

import nnlib
import nnlib.core.examples
from nnlib import Network
from nnlib.core.network import DivergenceWarning, sigmoid


# ---------------------------------------------------------------- independent reference
class RefTrainer:
    """Per-sample SGD steps with L2, L1 and momentum as in Nielsen ch. 3 (network2.py), with the
    reference backprop ``nielsen.backprop``."""

    def __init__(self, net, nielsen):
        self.net, self.nielsen = net, nielsen
        self.vb = [np.zeros_like(b) for b in net.biases]
        self.vw = [np.zeros_like(w) for w in net.weights]

    def step(self, batch, eta, lmbda=0.0, l1=0.0, momentum=0.0, n=1):
        net = self.net
        gb = [np.zeros(b.shape) for b in net.biases]
        gw = [np.zeros(w.shape) for w in net.weights]
        for x, y in batch:
            db, dw = self.nielsen.backprop(net, x, y)
            gb = [a + b for a, b in zip(gb, db)]
            gw = [a + b for a, b in zip(gw, dw)]
        m = len(batch)
        for i in range(len(gw)):
            grad_w = gw[i] / m + lmbda / n * net.weights[i] + l1 / n * np.sign(net.weights[i])
            self.vw[i] = momentum * self.vw[i] - eta * grad_w
            self.vb[i] = momentum * self.vb[i] - eta * gb[i] / m
        net.weights = [w + v for w, v in zip(net.weights, self.vw)]
        net.biases = [b + v for b, v in zip(net.biases, self.vb)]


def toy(n=37, n_in=5, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    y = rng.integers(0, n_out, size=n)
    return X, y


def one_hot(y, k):
    e = np.zeros((len(y), k))
    e[np.arange(len(y)), y] = 1
    return e


def as_tuples(X, y, k, labels_as_int=False):
    if labels_as_int:
        return [(x.reshape(-1, 1), int(t)) for x, t in zip(X, y)]
    return [(x.reshape(-1, 1), np.eye(k)[t].reshape(-1, 1)) for x, t in zip(X, y)]


def rel_diff(a_list, b_list):
    return max(float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))
               for a, b in zip(a_list, b_list))


CONFIGS = [
    dict(),  # the course
    dict(activation="tanh", output="sigmoid", cost="cross-entropy", init="scaled"),
    dict(activation="relu", output="softmax", cost="cross-entropy", init="he"),
    dict(activation="relu", output="linear", init="scaled"),
    dict(activation="sigmoid", output="tanh"),
]


# ---------------------------------------------------------------- construction, defaults
def test_defaults_are_the_course_network():
    net = Network([4, 3, 2], seed=7)
    assert (net.activation, net.output, net.cost, net.init) == \
        ("sigmoid", "sigmoid", "quadratic", "normal")
    assert net.sizes == [4, 3, 2] and net.num_layers == 3
    rng = np.random.default_rng(7)  # N(0, 1): all biases first, then all weights
    expect_b = [rng.standard_normal((3, 1)), rng.standard_normal((2, 1))]
    expect_w = [rng.standard_normal((3, 4)), rng.standard_normal((2, 3))]
    for got, want in zip(net.biases + net.weights, expect_b + expect_w):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)


def test_feedforward_matches_reference():
    net = Network([5, 4, 3], seed=1)
    x = np.random.default_rng(2).normal(size=(5, 1))
    a = x
    for b, w in zip(net.biases, net.weights):
        a = 1 / (1 + np.exp(-(w @ a + b)))
    np.testing.assert_allclose(net.feedforward(x), a, rtol=1e-14)
    assert net.feedforward(x).shape == (3, 1)
    np.testing.assert_allclose(net.feedforward(x.ravel()), a, rtol=1e-14)


def test_seed_makes_training_reproducible():
    X, y = toy()
    nets = [Network([5, 4, 3], seed=s) for s in (3, 3, 4)]
    for net in nets:
        net.SGD((X, y), 2, 5, 1.0, verbose=False)
    for a, b in zip(nets[0].weights, nets[1].weights):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(nets[0].weights[0], nets[2].weights[0])


def test_scaled_and_he_initialisation_have_the_right_spread():
    scaled = Network([400, 300, 10], seed=0, init="scaled")
    he = Network([400, 300, 10], seed=0, init="he", activation="relu")
    assert abs(scaled.weights[0].std() - 1 / 20) < 0.05 / 20
    assert abs(scaled.weights[1].std() - 1 / math.sqrt(300)) < 0.1 / math.sqrt(300)
    assert abs(he.weights[0].std() - math.sqrt(2 / 400)) < 0.05 * math.sqrt(2 / 400)
    assert abs(scaled.biases[0].std() - 1) < 0.2  # scaled: biases stay N(0, 1)
    assert all(np.all(b == 0) for b in he.biases)  # He: biases start at 0
    normal = Network([400, 300, 10], seed=0)
    assert abs(normal.weights[0].std() - 1) < 0.05


def test_float32_network_keeps_float32_and_tracks_float64():
    X, y = toy(n=64)
    n64 = Network([5, 6, 3], seed=5)
    n32 = Network([5, 6, 3], seed=5, dtype=np.float32)
    assert all(w.dtype == np.float32 for w in n32.weights + n32.biases)
    np.testing.assert_allclose(n32.weights[0], n64.weights[0], rtol=1e-7)
    for net in (n64, n32):
        net.train_epoch(X, y, 8, 0.5)
    assert all(w.dtype == np.float32 for w in n32.weights + n32.biases)
    assert n32.predict(X).dtype == np.float32
    np.testing.assert_allclose(n32.predict(X), n64.predict(X), atol=1e-4)


# ---------------------------------------------------------------- backprop and its matrix form
@pytest.mark.parametrize("config", CONFIGS)
def test_backprop_matches_reference(config, nielsen):
    net = Network([4, 5, 3], seed=2, **config)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 1))
    y = np.eye(3)[:, [1]] if config.get("cost") == "cross-entropy" else rng.random((3, 1))
    nb, nw = net.backprop(x, y)
    rb, rw = nielsen.backprop(net, x, y)
    assert rel_diff(nb + nw, rb + rw) < 1e-12


def test_backprop_accepts_int_label():
    net = Network([4, 5, 3], seed=2)
    x = np.ones((4, 1))
    a = net.backprop(x, 2)
    b = net.backprop(x, np.array([[0.0], [0.0], [1.0]]))
    for u, v in zip(a[0] + a[1], b[0] + b[1]):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("config", CONFIGS)
def test_update_mini_batch_equals_summed_backprop(config):
    """The matrix form gives the same step as looping backprop over the examples (1e-12)."""
    X, y = toy(n=10, n_in=6, n_out=4)
    batch = as_tuples(X, y, 4)
    net = Network([6, 7, 5, 4], seed=11, **config)
    ref = copy.deepcopy(net)
    net.update_mini_batch(batch, 0.7)
    gb = [np.zeros(b.shape) for b in ref.biases]
    gw = [np.zeros(w.shape) for w in ref.weights]
    for x, t in batch:
        db, dw = ref.backprop(x, t)
        gb = [a + b for a, b in zip(gb, db)]
        gw = [a + b for a, b in zip(gw, dw)]
    want_w = [w - 0.7 / 10 * g for w, g in zip(ref.weights, gw)]
    want_b = [b - 0.7 / 10 * g for b, g in zip(ref.biases, gb)]
    assert rel_diff(net.weights + net.biases, want_w + want_b) < 1e-12
    # and the step itself (the summed gradient) agrees to 1e-12 relative
    steps = [a - b for a, b in zip(net.weights, ref.weights)]
    want_steps = [-0.7 / 10 * g for g in gw]
    assert rel_diff(steps, want_steps) < 1e-12


FAST_CONFIGS = CONFIGS + [dict(activation="elu", output="sigmoid", cost="cross-entropy"),
                          dict(activation="swish", output="softmax", cost="cross-entropy",
                               init="he")]


@pytest.mark.parametrize("config", FAST_CONFIGS)
@pytest.mark.parametrize("m", [1, 4, 37])
@pytest.mark.parametrize("sizes", [[5, 4, 3], [5, 3], [5, 6, 4, 3]])
def test_fast_epoch_equals_update_mini_batch_steps(config, m, sizes):
    """The kernel's epoch does what consecutive update_mini_batch calls do (incl. a short last
    batch)."""
    X, y = toy(n=37, n_in=5, n_out=3)
    net = Network(sizes, seed=1, **config)
    ref = copy.deepcopy(net)
    net.train_epoch(X, y, m, 0.3, shuffle=False)
    data = as_tuples(X, y, 3)
    for k in range(0, len(data), m):
        ref.update_mini_batch(data[k:k + m], 0.3)
    assert rel_diff(net.weights + net.biases, ref.weights + ref.biases) < 1e-12


def test_sgd_shuffles_with_the_network_generator_and_records_the_cost_after_each_epoch(nielsen):
    X, y = toy(n=30)
    net = Network([5, 4, 3], seed=9)
    ref = copy.deepcopy(net)  # same generator state
    hist = net.SGD((X, y), 2, 7, 2.0, test_data=(X[:12], y[:12]), verbose=False)
    data = as_tuples(X, y, 3)
    for epoch in range(2):
        order = ref.rng.permutation(len(data))
        for k in range(0, len(data), 7):
            ref.update_mini_batch([data[i] for i in order[k:k + 7]], 2.0)
        # every cost and accuracy of the history: the network after the epoch, one example at a time
        cost = sum(nielsen.cost(ref, x, t) for x, t in data) / len(data)
        assert hist["train_cost"][epoch] == pytest.approx(cost, rel=1e-10)
        assert hist["train_accuracy"][epoch] == ref.evaluate(data) / len(data)
        test = data[:12]
        assert hist["test_cost"][epoch] == pytest.approx(
            sum(nielsen.cost(ref, x, t) for x, t in test) / 12, rel=1e-10)
        assert hist["test_accuracy"][epoch] == ref.evaluate(test) / 12
    assert rel_diff(net.weights, ref.weights) < 1e-10
    assert hist["eta"] == [2.0, 2.0]


def test_history_means_the_same_on_the_course_path_and_the_fast_branch():
    """A subclass that overrides backprop (by calling the course's) takes the course's loop;
    the history it gets is measured exactly as the fast branch's."""
    class Course(Network):
        def backprop(self, x, y):
            return Network.backprop(self, x, y)
    X, y = toy(n=40)
    fast, slow = Network([5, 6, 3], seed=3), Course([5, 6, 3], seed=3)
    assert fast.takes_fast_branch() and not slow.takes_fast_branch()
    kwargs = dict(test_data=(X[:10], y[:10]), evaluation_data=(X[10:20], y[10:20]),
                  lmbda=0.5, momentum=0.5, verbose=False)
    a, b = fast.SGD((X, y), 3, 8, 1.0, **kwargs), slow.SGD((X, y), 3, 8, 1.0, **kwargs)
    for key in ("train_cost", "test_cost", "evaluation_cost"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-10)
    for key in ("train_accuracy", "test_accuracy", "evaluation_accuracy", "eta"):
        assert a[key] == b[key]
    assert rel_diff(fast.weights + fast.biases, slow.weights + slow.biases) < 1e-12


# ---------------------------------------------------------------- SGD interface and printing
def test_sgd_prints_the_course_lines(capsys):
    X, y = toy(n=40)
    train = as_tuples(X, y, 3)
    test = as_tuples(X[:15], y[:15], 3, labels_as_int=True)
    net = Network([5, 4, 3], seed=0)
    hist = net.SGD(train, 3, 10, 3.0, test_data=test)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [re.sub(r": \d+ / 15$", ": k / 15", s) for s in lines] == \
        ["Epoch %d: k / 15" % j for j in range(3)]
    k_last = int(lines[-1].split(": ")[1].split(" /")[0])
    manual = sum(int(np.argmax(net.feedforward(x)) == t) for x, t in test)
    assert k_last == manual == net.evaluate(test)
    assert hist["test_accuracy"][-1] == manual / 15
    net.SGD(train, 2, 10, 3.0)
    assert capsys.readouterr().out.strip().splitlines() == ["Epoch 0 complete", "Epoch 1 complete"]
    net.SGD(train, 2, 10, 3.0, test_data=test, verbose=False)
    assert capsys.readouterr().out == ""


def test_sgd_accepts_zip_like_the_python3_course_loader(capsys):
    X, y = toy(n=20)
    net = Network([5, 4, 3], seed=0)
    net.SGD(zip([x.reshape(-1, 1) for x in X], [np.eye(3)[t].reshape(-1, 1) for t in y]),
            1, 5, 1.0)
    assert capsys.readouterr().out.strip() == "Epoch 0 complete"


def test_array_input_equals_list_of_tuples():
    X, y = toy(n=33)
    a = Network([5, 4, 3], seed=4)
    b = Network([5, 4, 3], seed=4)
    c = Network([5, 4, 3], seed=4)
    ha = a.SGD((X, y), 2, 6, 1.5, test_data=(X, y), verbose=False)
    hb = b.SGD(as_tuples(X, y, 3), 2, 6, 1.5, test_data=as_tuples(X, y, 3, True), verbose=False)
    c.SGD(as_tuples(X, y, 3, labels_as_int=True), 2, 6, 1.5, verbose=False)
    for u, v, w in zip(a.weights, b.weights, c.weights):
        np.testing.assert_array_equal(u, v)
        np.testing.assert_array_equal(u, w)
    assert ha["test_accuracy"] == hb["test_accuracy"]


def test_examples_carry_their_arrays_and_give_the_same_training(monkeypatch):
    """load_data_wrapper's lists carry the arrays their tuples are views of: SGD uses them
    without stacking the tuples again, and any change to the list drops them."""
    X, y = toy(n=40)
    data = nnlib.core.examples.Examples(X.astype(np.float32), one_hot(y, 3))
    assert np.shares_memory(data[3][0], data.arrays[0]) and data[3][0].shape == (5, 1)
    stacked = []
    real_stack = nnlib.core.examples._stack_inputs
    monkeypatch.setattr(nnlib.core.examples, "_stack_inputs",
                        lambda *args: stacked.append(1) or real_stack(*args))
    a, b = Network([5, 4, 3], seed=4), Network([5, 4, 3], seed=4)
    a.SGD(data, 2, 4, 1.0, verbose=False)
    assert stacked == []
    b.SGD((X.astype(np.float32), y), 2, 4, 1.0, verbose=False)
    for u, v in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(u, v)
    part = data[:30]  # a slice keeps its arrays
    assert isinstance(part, nnlib.core.examples.Examples) and part.arrays[0].shape == (30, 5)
    data.reverse()  # a change to the list: the tuples are stacked again, in the new order
    assert data.arrays is None
    c, d = Network([5, 4, 3], seed=4), Network([5, 4, 3], seed=4)
    c.SGD(data, 1, 4, 1.0, verbose=False)
    assert stacked
    d.SGD((X[::-1].astype(np.float32), y[::-1]), 1, 4, 1.0, verbose=False)
    np.testing.assert_array_equal(c.weights[0], d.weights[0])
    data[0] = (np.full((5, 1), np.nan), data[0][1])
    with pytest.raises(ValueError, match="NaN"):
        c.SGD(data, 1, 4, 1.0)


def test_data_changed_in_place_are_seen():
    X, y = toy(n=30)
    data = nnlib.core.examples.Examples(X.copy(), y)
    data.arrays[0][:] *= 2  # the same arrays, new values: the tuples see them too
    a, b = Network([5, 4, 3], seed=1), Network([5, 4, 3], seed=1)
    a.SGD(data, 1, 6, 1.0, verbose=False)
    b.SGD((2 * X, y), 1, 6, 1.0, verbose=False)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])


def test_progress_bar_runs(capsys):
    X, y = toy(n=20)
    hist = Network([5, 3], seed=0).SGD((X, y), 2, 5, 1.0, test_data=(X, y), progress=True)
    assert len(hist["train_cost"]) == 2
    assert "Epoch 1:" in capsys.readouterr().out


# ---------------------------------------------------------------- the array path
def test_predict_accuracy_total_cost(nielsen):
    X, y = toy(n=25)
    net = Network([5, 4, 3], seed=3, activation="tanh", output="softmax", cost="cross-entropy")
    P = net.predict(X)
    cols = np.hstack([net.feedforward(x.reshape(-1, 1)) for x in X]).T
    np.testing.assert_allclose(P, cols, rtol=1e-13)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert net.accuracy(X, y) == np.mean(np.argmax(cols, axis=1) == y)
    assert net.accuracy(X, one_hot(y, 3)) == net.accuracy(X, y)
    want = np.mean([nielsen.cost(net, x.reshape(-1, 1), np.eye(3)[t].reshape(-1, 1))
                    for x, t in zip(X, y)])
    assert net.total_cost(X, y) == pytest.approx(want, rel=1e-12)
    reg = 0.5 * 0.3 / 25 * sum(np.sum(w ** 2) for w in net.weights) \
        + 0.2 / 25 * sum(np.sum(np.abs(w)) for w in net.weights)
    assert net.total_cost(X, y, lmbda=0.3, l1=0.2) == pytest.approx(want + reg, rel=1e-12)


def test_total_cost_quadratic_and_binary_cross_entropy(nielsen):
    X, y = toy(n=12)
    for cost in ("quadratic", "cross-entropy"):
        net = Network([5, 4, 3], seed=3, cost=cost)
        want = np.mean([nielsen.cost(net, x.reshape(-1, 1), np.eye(3)[t].reshape(-1, 1))
                        for x, t in zip(X, y)])
        assert net.total_cost(X, y) == pytest.approx(want, rel=1e-12)


def test_one_output_regression_and_sign_accuracy():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    target = X[:, 0] - 0.5 * X[:, 1]  # a plane: learnable by a linear output
    net = Network([2, 8, 1], seed=0, activation="tanh", output="linear", init="scaled")
    before = net.total_cost(X, target)
    for _ in range(30):
        net.train_epoch(X, target, 10, 0.05)
    assert net.total_cost(X, target) < 0.05 * before
    labels = np.sign(target)
    out = net.predict(X)[:, 0]
    assert net.accuracy(X, labels) == np.mean(np.sign(out) == labels)
    sig = Network([2, 1], seed=0)  # sigmoid output: threshold 1/2, labels 0/1
    lab01 = (target > 0).astype(int)
    assert sig.accuracy(X, lab01) == np.mean((sig.predict(X)[:, 0] > 0.5) == (lab01 > 0.5))


# ---------------------------------------------------------------- extensions
@pytest.mark.parametrize("opts", [dict(lmbda=0.5), dict(l1=0.3), dict(momentum=0.9),
                                  dict(lmbda=0.5, l1=0.3, momentum=0.5)])
@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[2]])
def test_regularisation_and_momentum_follow_nielsen(opts, config, nielsen):
    X, y = toy(n=23)
    net = Network([5, 6, 3], seed=8, **config)
    ref = RefTrainer(copy.deepcopy(net), nielsen)
    data = as_tuples(X, y, 3)
    for _ in range(2):  # momentum's velocity carries over between train_epoch calls
        net.train_epoch(X, y, 5, 0.4, shuffle=False, **opts)
        for k in range(0, len(data), 5):
            ref.step(data[k:k + 5], 0.4, n=len(data), **opts)
    assert rel_diff(net.weights + net.biases, ref.net.weights + ref.net.biases) < 1e-10


def test_l2_shrinks_weights():
    X, y = toy(n=50)
    plain, reg = Network([5, 10, 3], seed=1), Network([5, 10, 3], seed=1)
    plain.SGD((X, y), 5, 10, 0.5, verbose=False)
    reg.SGD((X, y), 5, 10, 0.5, lmbda=20.0, verbose=False)
    assert np.sum(reg.weights[0] ** 2) < 0.7 * np.sum(plain.weights[0] ** 2)


def test_sgd_momentum_and_the_history_cost_without_regularisation(nielsen):
    X, y = toy(n=20)
    net = Network([5, 4, 3], seed=2)
    ref = RefTrainer(copy.deepcopy(net), nielsen)
    ref_rng = copy.deepcopy(net.rng)
    hist = net.SGD((X, y), 2, 4, 0.5, lmbda=1.0, momentum=0.8, verbose=False)
    data = as_tuples(X, y, 3)
    for epoch in range(2):
        order = ref_rng.permutation(20)
        for k in range(0, 20, 4):
            ref.step([data[i] for i in order[k:k + 4]], 0.5, lmbda=1.0, momentum=0.8, n=20)
        cost = sum(nielsen.cost(ref.net, x, t) for x, t in data) / 20  # the data's cost alone
        assert hist["train_cost"][epoch] == pytest.approx(cost, rel=1e-9)
    reg = 0.5 * 1.0 / 20 * sum(np.sum(w ** 2) for w in ref.net.weights)
    assert net.regularisation_cost(net.step_rule) == pytest.approx(reg, rel=1e-9)
    assert rel_diff(net.weights, ref.net.weights) < 1e-10


def test_schedules():
    X, y = toy(n=30)
    net = Network([5, 4, 3], seed=0)
    hist = net.SGD((X, y), 4, 10, 1.0, schedule=lambda j, eta: eta * 0.5 ** j, verbose=False)
    assert hist["eta"] == [1.0, 0.5, 0.25, 0.125]
    hist = net.SGD((X, y), 4, 10, 2.0, schedule="cosine", verbose=False)
    assert hist["eta"] == pytest.approx([2 * (1 + math.cos(math.pi * j / 4)) / 2
                                         for j in range(4)])
    hist = Network([5, 4, 3], seed=0).SGD((X, y), 8, 10, 4.0, schedule="halve",
                                          evaluation_data=(X[:10], y[:10]), verbose=False)
    acc, eta = hist["evaluation_accuracy"], hist["eta"]
    for j in range(1, 8):  # halved exactly after the epochs that did not beat the best so far
        improved = acc[j - 1] > max(acc[:j - 1], default=-1)
        assert eta[j] == (eta[j - 1] if improved else eta[j - 1] / 2)
    # eta too small to change anything: epoch 0 sets the best, then eta halves every epoch
    hist = Network([5, 4, 3], seed=0).SGD((X, y), 4, 10, 1e-12, schedule="halve",
                                          test_data=(X, y), verbose=False)
    assert hist["eta"] == [1e-12, 1e-12, 5e-13, 2.5e-13]


def test_early_stopping_restores_the_best_weights():
    X, y = toy(n=60)
    Xv, yv = toy(n=30, seed=1)
    net = Network([5, 8, 3], seed=0)
    hist = net.SGD((X, y), 50, 10, 1e-12, evaluation_data=(Xv, yv), early_stopping=3,
                   verbose=False)  # eta tiny: accuracy never improves after epoch 0
    assert len(hist["evaluation_accuracy"]) == 4
    assert hist["best_epoch"] == 0 and "Early stopping after epoch 3" in hist["stopped"]
    # with a real eta: the final weights are those of the best epoch
    net = Network([5, 8, 3], seed=0)
    hist = net.SGD((X, y), 40, 5, 3.0, evaluation_data=(Xv, yv), early_stopping=2,
                   verbose=False)
    best = max(hist["evaluation_accuracy"])
    assert hist["evaluation_accuracy"][hist["best_epoch"]] == best
    assert net.accuracy(Xv, yv) == best
    if hist["stopped"]:
        assert len(hist["evaluation_accuracy"]) == hist["best_epoch"] + 3


def test_divergence_guard_stops_with_a_clear_message(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 10
    target = rng.normal(size=40) * 10
    net = Network([3, 20, 1], seed=0, activation="relu", output="linear")
    before = copy.deepcopy(net)
    with pytest.warns(DivergenceWarning, match=r"epoch 0.*eta = 1e\+06"):
        hist = net.SGD((X, target), 5, 4, 1e6)
    assert "epoch 0" in hist["stopped"] and "eta = 1e+06" in hist["stopped"]
    assert hist["train_cost"] == []
    assert "Training stopped in epoch 0" in capsys.readouterr().out
    for a, b in zip(net.weights + net.biases, before.weights + before.biases):
        np.testing.assert_array_equal(a, b)  # restored, usable, finite


# ---------------------------------------------------------------- numerical stability
def test_sigmoid_is_stable_and_accurate():
    z = np.linspace(-30, 30, 101)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
        np.testing.assert_array_equal(sigmoid(big), [0.0, 0.0, 0.5, 1.0, 1.0])
        net = Network([3, 4, 2], seed=0)
        X = np.array([[1e4, -1e4, 5e3], [-1e4, 1e4, 0.0]])
        assert np.all(np.isfinite(net.predict(X)))
        net.SGD((X, np.array([0, 1])), 2, 1, 1.0, verbose=False)
        nb, nw = net.backprop(X[0], 1)
        assert all(np.all(np.isfinite(g)) for g in nb + nw)
        ce = Network([3, 4, 2], seed=0, output="softmax", cost="cross-entropy")
        assert np.isfinite(ce.total_cost(X, np.array([0, 1])))
        bce = Network([3, 4, 2], seed=0, cost="cross-entropy")
        bce.weights[-1][:] = 1e4
        assert np.isfinite(bce.total_cost(X, np.array([0, 1])))


# ---------------------------------------------------------------- save / load
def test_save_and_load_round_trip(tmp_path):
    X, _ = toy(n=10)
    net = Network([5, 4, 3], seed=1, activation="relu", output="softmax", cost="cross-entropy",
                  init="he", dtype=np.float32)
    path = net.save(tmp_path / "net")
    assert path.endswith("net.npz") and os.listdir(tmp_path) == ["net.npz"]
    with np.load(path, allow_pickle=False) as f:  # plain arrays only
        assert all(f[k].dtype != object for k in f.files)
    back = Network.load(path)
    assert (back.activation, back.output, back.cost, back.init, back.dtype) == \
        ("relu", "softmax", "cross-entropy", "he", np.float32)
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    assert Network.load(path, sizes=[5, 4, 3]).sizes == [5, 4, 3]


def test_load_refuses_other_sizes_and_foreign_files(tmp_path):
    path = Network([5, 4, 3], seed=1).save(tmp_path / "a.npz")
    with pytest.raises(ValueError, match=r"sizes \[5, 4, 3\].*requested sizes \[5, 6, 3\]"):
        Network.load(path, sizes=[5, 6, 3])
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a network saved by nnlib"):
        Network.load(tmp_path / "other.npz")


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("sizes", [[], [5], [5, 0], [5, 2.5], [5, -1], "abc", 5, [True, 2],
                                   [5, "3"]])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        Network(sizes)


@pytest.mark.parametrize("kwargs, word", [
    (dict(activation="softmax"), "activation"), (dict(activation="gelu"), "activation"),
    (dict(output="step"), "output"), (dict(cost="hinge"), "cost"), (dict(init="zeros"), "init"),
    (dict(dtype=np.int32), "dtype"), (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"),
    (dict(output="softmax"), "cross-entropy"), (dict(cost="cross-entropy", output="relu"),
                                                "cross-entropy")])
def test_bad_configuration(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Network([4, 3], **kwargs)


def test_wrong_input_length():
    net = Network([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match=r"shape \(5, 1\)"):
        net.feedforward(np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"\(5, 1\)"):
        net.backprop(np.ones((6, 1)), 0)
    with pytest.raises(ValueError, match=r"training_data\[1\]: input x has shape \(4, 1\)"):
        net.SGD([(np.ones((5, 1)), 0), (np.ones((4, 1)), 1)], 1, 1, 1.0)
    with pytest.raises(ValueError, match=r"\(n_samples, 5\)"):
        net.predict(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"\(n_samples, 5\)"):
        net.train_epoch(np.ones((3, 6)), [0, 1, 2], 1, 1.0)
    with pytest.raises(ValueError, match="3 samples"):
        net.train_epoch(np.ones((3, 5)), np.array([0, 1]), 1, 1.0)
    with pytest.raises(ValueError, match="y must be a column"):
        net.backprop(np.ones((5, 1)), np.ones((4, 1)))


def test_labels_out_of_range():
    X, y = toy(n=10)
    net = Network([5, 4, 3], seed=0)
    bad = y.copy()
    bad[3] = 3
    for call in (lambda: net.SGD((X, bad), 1, 2, 1.0),
                 lambda: net.SGD((X, y), 1, 2, 1.0, test_data=(X, bad)),
                 lambda: net.train_epoch(X, bad, 2, 1.0),
                 lambda: net.accuracy(X, bad),
                 lambda: net.accuracy(X, -y - 1),
                 lambda: net.evaluate(as_tuples(X, bad, 4, labels_as_int=True)),
                 lambda: net.backprop(X[0], 5)):
        with pytest.raises(ValueError, match=r"0\.\.2"):
            call()
    with pytest.raises(ValueError, match="integer class labels"):
        net.train_epoch(X, y.astype(float), 2, 1.0)


@pytest.mark.parametrize("eta", [0, -1.0, float("nan"), float("inf"), "3"])
def test_bad_eta(eta):
    X, y = toy(n=10)
    net = Network([5, 4, 3], seed=0)
    # checked once at the public boundary; not again by update_mini_batch, once per mini-batch
    for call in (lambda: net.SGD((X, y), 1, 2, eta), lambda: net.train_epoch(X, y, 2, eta)):
        with pytest.raises(ValueError, match="eta"):
            call()


@pytest.mark.parametrize("m", [0, -3, 2.5, None])
def test_bad_mini_batch_size(m):
    X, y = toy(n=10)
    net = Network([5, 4, 3], seed=0)
    for call in (lambda: net.SGD((X, y), 1, m, 1.0), lambda: net.train_epoch(X, y, m, 1.0)):
        with pytest.raises(ValueError, match="mini_batch_size"):
            call()


def test_nan_in_data():
    X, y = toy(n=10)
    net = Network([5, 4, 3], seed=0)
    Xn = X.copy()
    Xn[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        net.SGD((Xn, y), 1, 2, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        net.SGD(as_tuples(Xn, y, 3), 1, 2, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        net.SGD((X, y), 1, 2, 1.0, test_data=(Xn, y))
    with pytest.raises(ValueError, match="NaN"):
        net.predict(Xn)
    Yn = one_hot(y, 3)
    Yn[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN"):
        net.train_epoch(X, Yn, 2, 1.0)
    reg = Network([5, 1], seed=0, output="linear")
    with pytest.raises(ValueError, match="NaN"):
        reg.train_epoch(X, np.full(10, np.nan), 2, 1.0)
    columns = as_tuples(X, y, 3)  # the course's format: one-hot target columns
    columns[4] = (columns[4][0], np.full((3, 1), np.nan))
    with pytest.raises(ValueError, match="training_data targets contain NaN"):
        net.SGD(columns, 1, 2, 1.0)


def test_other_bad_arguments():
    X, y = toy(n=10)
    net = Network([5, 4, 3], seed=0)
    cases = [
        (lambda: net.SGD([], 1, 2, 1.0), "empty"),
        (lambda: net.SGD((X, y), -1, 2, 1.0), "epochs"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, lmbda=-1), "lmbda"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, l1=np.nan), "l1"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, momentum=1.0), "momentum"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, schedule="exp"), "schedule"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, schedule="halve"), "halve"),
        (lambda: net.SGD((X, y), 2, 2, 1.0, schedule=lambda j, eta: -eta, verbose=False),
         "schedule"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, early_stopping=3), "evaluation_data"),
        (lambda: net.SGD((X, y), 1, 2, 1.0, early_stopping=0,
                         evaluation_data=(X, y)), "early_stopping"),
        (lambda: net.SGD(42, 1, 2, 1.0), "training_data"),
        (lambda: net.SGD([np.ones(5)], 1, 2, 1.0), r"\(x, y\) tuple"),
        (lambda: net.predict(np.ones((0, 5))), "empty"),
        (lambda: net.predict(np.array([["a"] * 5])), "real numbers"),
    ]
    for call, word in cases:
        with pytest.raises(ValueError, match=word):
            call()
    with pytest.raises(ZeroDivisionError):  # the course's method, unchecked: eta / len(mini_batch)
        net.update_mini_batch([], 1.0)


def test_package_exports():
    assert nnlib.Network is Network and callable(nnlib.gradcheck)


def test_all_finite_is_exact_for_huge_finite_values():
    from nnlib.core.checks import all_finite

    huge = np.full(10, np.finfo(np.float32).max, dtype=np.float32)  # the sum overflows to inf
    assert all_finite(huge) and all_finite(np.ones((3, 3)))
    for bad in (np.nan, np.inf, -np.inf):
        x = np.ones(7)
        x[4] = bad
        assert not all_finite(x)
    assert not all_finite(np.array([np.inf, -np.inf]))  # inf - inf = NaN in the sum
