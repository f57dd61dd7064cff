"""gradcheck: small for a correct backprop, large for a wrong one, for every configuration."""

import numpy as np
import pytest

from nnlib import Network, gradcheck

CONFIGS = [
    dict(),
    dict(activation="tanh"),
    dict(activation="relu", output="linear", init="he"),
    dict(activation="sigmoid", cost="cross-entropy"),
    dict(activation="relu", output="softmax", cost="cross-entropy", init="scaled"),
    dict(activation="tanh", output="softmax", cost="cross-entropy", dtype=np.float32),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_backprop_passes_gradcheck(config):
    net = Network([4, 6, 5, 3], seed=1, **config)
    x = np.random.default_rng(2).normal(size=(4, 1))
    assert gradcheck(net, x, 2) < 1e-5
    y = np.array([[0.2], [0.7], [0.1]])  # real targets too
    assert gradcheck(net, x.ravel(), y, eps=1e-4) < 1e-5


def test_gradcheck_catches_a_wrong_gradient(monkeypatch):
    net = Network([3, 4, 2], seed=0)
    x, y = np.ones((3, 1)), 1
    assert gradcheck(net, x, y) < 1e-7
    original = Network.backprop

    def off_by_factor(self, x, y):  # a classic bug: delta scaled wrongly in one layer
        nb, nw = original(self, x, y)
        nw[0] = 2 * nw[0]
        return nb, nw

    monkeypatch.setattr(Network, "backprop", off_by_factor)
    assert gradcheck(net, x, y) > 0.3

    def forgot_sigma_prime(self, x, y):
        nb, nw = original(self, x, y)
        nb[-1] = nb[-1] / (0.25 + 1e-3)
        return nb, nw

    monkeypatch.setattr(Network, "backprop", forgot_sigma_prime)
    assert gradcheck(net, x, y) > 0.5


def test_gradcheck_leaves_the_network_alone():
    net = Network([3, 4, 2], seed=0, dtype=np.float32)
    before = [w.copy() for w in net.weights + net.biases]
    gradcheck(net, np.ones(3), 0)
    for a, b in zip(before, net.weights + net.biases):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_gradcheck_bad_input():
    net = Network([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="eps"):
        gradcheck(net, np.ones(3), 0, eps=0)
    with pytest.raises(ValueError, match="eps"):
        gradcheck(net, np.ones(3), 0, eps=float("nan"))
    with pytest.raises(ValueError, match=r"\(3, 1\)"):
        gradcheck(net, np.ones(4), 0)
    with pytest.raises(ValueError, match="single input column"):
        gradcheck(net, np.ones((3, 2)), 0)
    with pytest.raises(ValueError, match="NaN"):
        gradcheck(net, np.array([1.0, np.nan, 0.0]), 0)
    with pytest.raises(ValueError, match=r"0\.\.1"):
        gradcheck(net, np.ones(3), 2)
    with pytest.raises(TypeError, match="nnlib.Network"):
        gradcheck("net", np.ones(3), 0)
