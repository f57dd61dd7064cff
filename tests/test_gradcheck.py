"""gradcheck: small for a correct backprop, large for a wrong one, for every configuration."""

import numpy as np
import pytest

import nnlib

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


# the exercise sheet's plain network.py (notebook 03's MyNetwork(Network)) ------------------------

def test_the_sheets_plain_class_is_checked_too():
    from test_diagnose import SheetNetwork, example, network_with

    sizes = [4, 6, 5, 3]
    x, y = example(sizes)
    right = network_with(None, sizes, base=SheetNetwork)
    assert not isinstance(right, Network)
    assert gradcheck(right, x, y) < 1e-7
    assert gradcheck(network_with("no sigma' in (3)", sizes, base=SheetNetwork), x, y) > 0.1
    # the same number as for the nnlib subclass with the same weights
    assert gradcheck(right, x, y) == pytest.approx(gradcheck(network_with(None, sizes), x, y),
                                                   rel=1e-6, abs=1e-12)


def test_gradcheck_leaves_a_plain_network_alone_whatever_backprop_does():
    """A backprop that writes into self.weights and draws from self.rng works on the copy."""
    from test_diagnose import SheetNetwork, student_backprop

    class Meddling(SheetNetwork):
        def backprop(self, x, y):
            result = student_backprop(self, x, y)
            self.weights[0][...] = 0.0
            self.rng.standard_normal(10)
            return result
    net = Meddling([3, 4, 2], seed=5)
    before = [p.copy() for p in net.weights + net.biases]
    state = net.rng.bit_generator.state
    gradcheck(net, np.ones(3), 1)  # (its number is large: the copy's w^1 is zeroed mid-check)
    nnlib.gradcheck.diagnose(net, np.ones(3), 1)
    for a, b in zip(before, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    assert net.rng.bit_generator.state == state


def test_a_crashing_backprop_raises_its_own_exception_with_the_diagnosis_as_a_note():
    """gradcheck returns a number, and a crash has none: the student's exception reaches them
    unchanged (type, message, traceback down to their line), with diagnose's finding noted."""
    from test_diagnose import SheetNetwork, example, network_with

    for base in (Network, SheetNetwork):
        net = network_with("w not transposed in (3)", [4, 5, 3], base=base)
        with pytest.raises(ValueError, match=r"shapes \(3,5\) and \(3,1\) not aligned") as info:
            gradcheck(net, *example([4, 5, 3]))
        notes = getattr(info.value, "__notes__", [])
        assert len(notes) == 1 and notes[0].startswith(
            "diagnose: equation (3), layer 1: your backprop raised ValueError"), notes
        assert "(3) needs the transpose (w^2)^T delta^2" in notes[0]
        assert info.traceback[-1].name == "student_backprop"  # the student's line, last
