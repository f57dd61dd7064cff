"""nnlib.studies.layout_study: layouts enumerated correctly, and its trainer (nnlib.core.kernel.train_epoch in
a compiled loop over trainings and epochs) equals nnlib.Network."""

import math

import numpy as np
import pytest

from nnlib import Network
from nnlib.core import kernel
from nnlib.studies import toydata
from nnlib.studies import layout_study as ls


@pytest.mark.parametrize("n, max_layers", [(8, 4), (12, 4), (5, 2), (6, 6)])
def test_compositions_are_all_ordered_splits(n, max_layers):
    comps = ls.compositions(n, max_layers)
    assert len(comps) == sum(math.comb(n - 1, k - 1) for k in range(1, max_layers + 1))
    assert len(set(comps)) == len(comps)
    assert all(sum(c) == n and 1 <= len(c) <= max_layers and min(c) >= 1 for c in comps)
    # brute force: every tuple of widths 1..n with up to max_layers entries summing to n
    import itertools
    brute = {c for k in range(1, max_layers + 1)
             for c in itertools.product(range(1, n + 1), repeat=k) if sum(c) == n}
    assert set(comps) == brute


def test_compositions_with_min_width_and_partitions():
    comps = ls.compositions(8, 4, min_width=2)
    assert all(min(c) >= 2 for c in comps)
    assert len(comps) == sum(math.comb(8 - k - 1, k - 1) for k in range(1, 5))   # 13
    assert len(ls.partitions(8)) == 15 and len(ls.partitions(12)) == 34
    assert (4, 2, 2) in ls.partitions(8) and (2, 4, 2) not in ls.partitions(8)
    with pytest.raises(ValueError, match="max_layers"):
        ls.compositions(8, 0)


def _reference_network(sizes, params, activation):
    net = Network(sizes, activation=activation, output="tanh", cost="quadratic", seed=0)
    W, B = kernel.unpack(params, sizes)
    for w, b, w0, b0 in zip(net.weights, net.biases, W, B):
        w[...] = w0
        b[...] = b0
    return net


@pytest.mark.parametrize("layout, activation, batch", [((3, 2), "tanh", 7), ((4,), "relu", 10),
                                                       ((2, 1, 3), "tanh", 1), ((), "tanh", 4),
                                                       ((3, 3), "swish", 10),
                                                       ((2, 2, 2, 2, 2, 2, 2), "sigmoid", 6)])
def test_trainer_equals_network_train_epoch(layout, activation, batch):
    epochs = 6
    X, y = toydata.make_dataset("xor", n=60, noise=0.1, seed=3)
    Xtr, ytr, Xte, yte = toydata.split(X, y, 0.5, seed=4)
    feats = ["x1", "x2", "x1x2"]
    Ftr, Fte = toydata.features(Xtr, feats), toydata.features(Xte, feats)
    rng = np.random.default_rng(5)
    order = np.stack([rng.permutation(len(Ftr)) for _ in range(epochs)])
    res, trained = ls.train_networks([(Ftr, ytr, Fte, yte, order)], [layout], epochs=epochs,
                                     batch_size=batch, learning_rate=0.1, activation=activation,
                                     seed=9)
    sizes = [3] + list(layout) + [1]
    p0 = ls.init_parameters(sizes, 9)
    net = _reference_network(sizes, p0, activation)
    for e in range(epochs):
        net.train_epoch(Ftr[order[e]], ytr[order[e]], batch, 0.1, shuffle=False)
    W, B = kernel.unpack(trained[0][0], sizes)
    for w, wr in zip(W, net.weights):
        np.testing.assert_allclose(w, wr, rtol=1e-9, atol=1e-12)
    for b, br in zip(B, net.biases):
        np.testing.assert_allclose(b, br, rtol=1e-9, atol=1e-12)
    train_loss, test_loss, train_acc, test_acc = res[0, 0]
    assert train_loss == pytest.approx(net.total_cost(Ftr, ytr), rel=1e-9)
    assert test_loss == pytest.approx(net.total_cost(Fte, yte), rel=1e-9)
    assert test_acc == pytest.approx(net.accuracy(Fte, yte))
    assert train_acc == pytest.approx(net.accuracy(Ftr, ytr))


def test_initial_parameters_are_the_playgrounds():
    p = ls.init_parameters([2, 4, 2, 1], seed=0)
    assert p.shape == (4 * 3 + 2 * 5 + 1 * 3,)          # the kernel's flat layout
    W, B = kernel.unpack(p, [2, 4, 2, 1])
    assert [w.shape for w in W] == [(4, 2), (2, 4), (1, 2)]
    assert all(np.all(np.abs(w) <= 0.5) for w in W) and all(np.all(b == 0.1) for b in B)
    np.testing.assert_array_equal(p, ls.init_parameters([2, 4, 2, 1], seed=0))
    assert not np.array_equal(p, ls.init_parameters([2, 4, 2, 1], seed=1))


def test_run_study_shapes_reproducibility_and_learning():
    kw = dict(n_neurons=3, datasets=("circle", "gauss"), seeds=(0, 1), epochs=30, progress=False)
    r = ls.run_study(**kw)
    assert r.layouts == ls.compositions(3)
    assert r.test_loss.shape == (4, 2, 2) and r.test_accuracy.shape == (4, 2, 2)
    r2 = ls.run_study(**kw)
    np.testing.assert_array_equal(r.test_loss, r2.test_loss)
    # gauss is separable by a line: every layout learns it
    assert np.all(r.test_accuracy[:, 1, :] > 0.95)
    # an untrained net has loss ~0.5 on +-1 labels; trained ones are below
    assert r.mean()[:, 1].max() < 0.1
    assert r.settings["epochs"] == 30 and r.settings["features"] == ["x1", "x2"]


def test_study_result_summaries():
    lay = [(2,), (1, 1)]
    tl = np.array([[[0.1, 0.3], [0.2, 0.2]], [[0.5, 0.7], [0.0, 0.2]]])
    r = ls.StudyResult(lay, ["circle", "xor"], [0, 1], tl, tl, 1 - tl)
    np.testing.assert_allclose(r.mean(), [[0.2, 0.2], [0.6, 0.1]])
    np.testing.assert_allclose(r.spread()[0, 0], np.std([0.1, 0.3], ddof=1))
    assert r.ranking() == [0, 1] and r.ranking("xor") == [1, 0]
    depth = r.by_depth()
    np.testing.assert_allclose(depth[2][0], [0.6, 0.1])
    assert r.select(2).layouts == lay and r.select(3).layouts == []
    g = r.grouped(min)
    assert set(g) == {1, 2} and g[2][1] == 1
    np.testing.assert_allclose(g[1][0], [0.6, 0.1])
    html = r.table_html(title="t")
    assert html.count("<tr>") == 3 and "(1, 1)" in html and "<b>0.200" in html


def test_bad_arguments_are_refused():
    X = np.zeros((4, 2))
    y = np.ones(4)
    order = np.zeros((2, 4), dtype=int)
    with pytest.raises(ValueError, match="order"):
        ls.train_networks([(X, y, X, y, order)], [(2,)], epochs=3)
    with pytest.raises(ValueError, match="activation"):
        ls.train_networks([(X, y, X, y, order)], [(2,)], epochs=2, activation="softsign")
    with pytest.raises(ValueError, match="activation"):   # the table's hidden neurons only
        ls.train_networks([(X, y, X, y, order)], [(2,)], epochs=2, activation="softmax")
    with pytest.raises(ValueError, match="learning_rate"):
        ls.train_networks([(X, y, X, y, order)], [(2,)], epochs=2, learning_rate=0)
    with pytest.raises(ValueError, match="NaN"):
        ls.train_networks([(X * np.nan, y, X, y, order)], [(2,)], epochs=2)
    with pytest.raises(ValueError, match="same shapes"):
        ls.train_networks([(X, y, X, y, order), (X[:3], y[:3], X, y, order[:, :3])], [(2,)],
                          epochs=2)
    with pytest.raises(ValueError, match="layouts"):
        ls.train_networks([(X, y, X, y, order)], [(0,)], epochs=2)
    with pytest.raises(ValueError, match="datasets"):
        ls.run_study(3, datasets=("reg-plane",), epochs=1)


def test_many_trainings_in_parallel_equal_one_at_a_time():
    """The trainings of one call share nothing: each equals the same training run alone, in
    any company (the threads of the parallel loop neither mix nor race)."""
    problems = ls.make_problems(("xor", "circle"), (0, 1), epochs=5)
    layouts = ls.compositions(4)
    res, trained = ls.train_networks(problems, layouts, epochs=5, chunk=5, seed=2)
    for li in (0, 3, 7):
        for pi in (1, 3):
            alone, params = ls.train_networks([problems[pi]], [layouts[li]], epochs=5, seed=2)
            np.testing.assert_array_equal(res[li, pi], alone[0, 0])
            np.testing.assert_array_equal(trained[li][pi], params[0][0])
