"""diagnose: a wrong backprop is told which equation, in which layer, it gets wrong.

Each slip is written as a student writes it in notebook 03 (a subclass of Network overriding
``backprop``, the solution cell's lines with one of them changed), on networks of different
depths; layers use the exercise sheet's numbering (a^0 = x, output layer L = len(sizes) - 1).
"""

import numpy as np
import pytest

import nnlib
from nnlib import Network
from nnlib.core.gradcheck import Diagnosis, diagnose
from nnlib.core.network import sigmoid, sigmoid_prime


def student_backprop(self, x, y, slip=None):
    """Notebook 03's solution; ``slip`` names the one line a student got wrong."""
    nabla_b = [np.zeros(b.shape) for b in self.biases]
    nabla_w = [np.zeros(w.shape) for w in self.weights]
    activation = x
    activations = [x]
    zs = []
    for b, w in zip(self.biases, self.weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    if slip == "no sigma' in (2)":
        delta = self.cost_derivative(activations[-1], y)
    elif slip == "sigma'(a) in (2)":
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(activations[-1])
    elif slip == "sign of a - y":
        delta = (y - activations[-1]) * sigmoid_prime(zs[-1])
    else:
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta.ravel() if slip == "nabla_b flat" else delta
    if slip == "a^l in (5)":
        nabla_w[-1] = np.dot(delta, activations[-1].transpose())
    elif slip == "outer product transposed":
        nabla_w[-1] = np.dot(activations[-2], delta.transpose())
    elif slip == "nabla_w flat":
        nabla_w[-1] = np.dot(delta, activations[-2].transpose()).ravel()
    else:
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    last = self.num_layers - 1 if slip == "loop stops early" else self.num_layers
    for l in range(2, last):
        if slip == "no sigma' in (3)":
            delta = np.dot(self.weights[-l + 1].transpose(), delta)
        elif slip == "sigma'(a) in (3)":
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(activations[-l])
        elif slip == "w not transposed in (3)":
            delta = np.dot(self.weights[-l + 1], delta) * sigmoid_prime(zs[-l])
        elif slip == "wrong layer's w in (3)":
            delta = np.dot(self.weights[-l].transpose(), delta) * sigmoid_prime(zs[-l])
        elif slip == "half delta in (3)":  # no named slip: still equation and layer
            delta = 0.5 * np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])
        else:
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])
        if slip != "nabla_b not set":
            nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    if slip == "no return":
        return None
    if slip == "swapped":
        return (nabla_w, nabla_b)
    if slip == "only nabla_b":
        return nabla_b
    return (nabla_b, nabla_w)


def network_with(slip, sizes, seed=1):
    class StudentNetwork(Network):
        def backprop(self, x, y):
            return student_backprop(self, x, y, slip)
    return StudentNetwork(sizes, seed=seed)


def example(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(sizes[0], 1)), np.eye(sizes[-1])[:, [1]]


# slip -> (equation, layer: "L", "L-1" or "1"), words the message has
SLIPS = {
    "no sigma' in (2)": (2, "L", "without the factor sigma'(z^{L})"),
    "sigma'(a) in (2)": (2, "L", "sigma'(a^{L})"),
    "sign of a - y": (2, "L", "wrong sign"),
    "no sigma' in (3)": (3, "L-1", "(w^{L})^T delta^{L} without the factor sigma'(z^{L-1})"),
    "sigma'(a) in (3)": (3, "L-1", "sigma'(a^{L-1})"),
    "a^l in (5)": (5, "L", "uses a^{L} where (5) has a^{L-1}"),
    "outer product transposed": (5, "L", "transposed outer product"),
    "nabla_b not set": (4, "L-1", "never set"),
    "nabla_b flat": (4, "L", "expected ({n_L}, 1)"),
    "nabla_w flat": (5, "L", "expected ({n_L}, {n_L-1})"),
    "loop stops early": (3, "1", "never computed"),
    "half delta in (3)": (3, "L-1",
                          "differs from delta^{L-1} = ((w^{L})^T delta^{L}) * sigma'(z^{L-1})"),
}


def fill(words, sizes):
    L = len(sizes) - 1
    return words.format(**{"L": L, "L-1": L - 1, "n_L": sizes[-1], "n_L-1": sizes[-2]})


@pytest.mark.parametrize("sizes", [[4, 5, 3], [6, 5, 4, 3], [3, 6, 5, 4, 2]])
@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_each_slip_is_named_with_its_equation_and_layer(slip, sizes):
    equation, where, words = SLIPS[slip]
    x, y = example(sizes)
    found = diagnose(network_with(slip, sizes), x, y)
    L = len(sizes) - 1
    layer = {"L": L, "L-1": L - 1, "1": 1}[where]
    assert (found.equation, found.layer, found.correct) == (equation, layer, False), found.message
    assert found.message.startswith("equation (%d), layer %d:" % (equation, layer)), found.message
    assert fill(words, sizes) in found.message


# (3) with the weights untransposed or of the wrong layer only runs where the shapes allow it
@pytest.mark.parametrize("slip, sizes, layer, words", [
    ("w not transposed in (3)", [5, 4, 4], 1, "w^2 delta^2 without the transpose"),
    ("w not transposed in (3)", [3, 4, 4, 4], 2, "w^3 delta^3 without the transpose"),
    ("wrong layer's w in (3)", [4, 4, 4], 1, "(w^1)^T where (3) has (w^2)^T"),
    ("wrong layer's w in (3)", [4, 4, 4, 4], 2, "(w^2)^T where (3) has (w^3)^T"),
])
def test_wrong_weights_in_equation_3(slip, sizes, layer, words):
    x, y = example(sizes)
    found = diagnose(network_with(slip, sizes), x, y)
    assert (found.equation, found.layer) == (3, layer), found.message
    assert words in found.message


@pytest.mark.parametrize("sizes", [[4, 5, 3], [6, 5, 4, 3]])
@pytest.mark.parametrize("slip, words", [
    ("no return", "return statement missing"),
    ("swapped", "swapped"),
    ("only nabla_b", "only nabla_b"),
])
def test_wrong_return_structure(slip, words, sizes):
    x, y = example(sizes)
    found = diagnose(network_with(slip, sizes), x, y)
    assert (found.equation, found.layer, found.correct) == (None, None, False)
    assert words in found.message and "(nabla_b, nabla_w)" in found.message


def test_the_issue_example_reads_as_promised():
    sizes = [6, 5, 4, 3]
    found = diagnose(network_with("no sigma' in (3)", sizes), *example(sizes))
    assert found.message.startswith("equation (3), layer 2: your delta^2 equals (w^3)^T delta^3 "
                                    "without the factor sigma'(z^2)")
    assert str(found) == found.message and isinstance(found, Diagnosis)


@pytest.mark.parametrize("sizes", [[4, 5, 3], [6, 5, 4, 3], [8, 1, 3], [5, 4, 4, 4, 2]])
def test_a_correct_backprop_is_correct(sizes):
    x, y = example(sizes)
    for net in (network_with(None, sizes), Network(sizes, seed=3)):
        found = diagnose(net, x, y)
        assert (found.equation, found.layer, found.correct) == (None, None, True), found.message


CONFIGS = [dict(), dict(activation="tanh"), dict(activation="relu", output="linear", init="he"),
           dict(cost="cross-entropy"),
           dict(activation="relu", output="softmax", cost="cross-entropy"), dict(dtype=np.float32)]


def test_random_correct_networks_never_raise_a_false_alarm():
    rng = np.random.default_rng(2026)
    for trial in range(300):
        depth = rng.integers(2, 6)
        sizes = [int(n) for n in rng.integers(1, 9, size=depth)]
        sizes[-1] = max(sizes[-1], 2)
        config = CONFIGS[trial % len(CONFIGS)]
        scale = [0.1, 1.0, 5.0][trial % 3]  # 5: saturated sigmoids, tiny sigma'
        x = scale * rng.normal(size=(sizes[0], 1))
        y = rng.random((sizes[-1], 1)) if trial % 2 else int(rng.integers(sizes[-1]))
        net = Network(sizes, seed=int(rng.integers(1 << 30)), **config)
        found = diagnose(net, x, y)
        assert found.correct and found.equation is None, (sizes, config, found.message)
        if not config:
            found = diagnose(network_with(None, sizes, seed=trial), x, y)
            assert found.correct, (sizes, found.message)


def test_non_default_cost_and_activation_are_respected():
    """With the cross-entropy cost delta^L = a - y: a sigma' there is the slip."""
    class ExtraSigmaPrime(Network):
        def backprop(self, x, y):
            nabla_b, nabla_w = Network.backprop(self, x, y)
            z = np.dot(self.weights[-1], sigmoid(np.dot(self.weights[0], x) + self.biases[0])) \
                + self.biases[-1]
            delta = (sigmoid(z) - y) * sigmoid_prime(z)  # the quadratic cost's (2)
            a1 = sigmoid(np.dot(self.weights[0], x) + self.biases[0])
            nabla_b[-1], nabla_w[-1] = delta, np.dot(delta, a1.T)
            return nabla_b, nabla_w
    x, y = example([4, 5, 3])
    found = diagnose(ExtraSigmaPrime([4, 5, 3], seed=1, cost="cross-entropy"), x, y)
    assert (found.equation, found.layer) == (2, 2) and "too many" in found.message, found.message
    assert "a^2 - y" in found.message
    assert diagnose(Network([4, 5, 3], seed=1, activation="tanh"), x, y).correct


def test_reachable_as_nnlib_gradcheck_diagnose_and_calls_backprop_once():
    calls = []

    class Counting(Network):
        def backprop(self, x, y):
            calls.append(1)
            return Network.backprop(self, x, y)
    net = Counting([3, 4, 2], seed=0, dtype=np.float32)
    before = [p.copy() for p in net.weights + net.biases]
    assert nnlib.core.gradcheck.diagnose(net, np.ones(3), 0).correct
    assert len(calls) == 1
    for a, b in zip(before, net.weights + net.biases):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_bad_arguments():
    net = Network([3, 4, 2], seed=0)
    with pytest.raises(TypeError, match="nnlib.Network"):
        diagnose("net", np.ones(3), 0)
    with pytest.raises(ValueError, match=r"\(3, 1\)"):
        diagnose(net, np.ones(4), 0)
    with pytest.raises(ValueError, match="single input column"):
        diagnose(net, np.ones((3, 2)), 0)
    with pytest.raises(ValueError, match="NaN"):
        diagnose(net, np.array([1.0, np.inf, 0.0]), 0)
    with pytest.raises(ValueError, match=r"0\.\.1"):
        diagnose(net, np.ones(3), 2)
    with pytest.raises(ValueError, match=r"\(2, 1\)"):
        diagnose(net, np.ones(3), np.ones(5))
