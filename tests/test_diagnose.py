"""diagnose: a wrong backprop is told which equation, in which layer, it gets wrong, and a
crashing one where it crashed.

Each slip is written as a student writes it in notebook 03 (a subclass of Network overriding
``backprop``, the solution cell's lines with one of them changed), on networks of different
depths; layers use the exercise sheet's numbering (a^0 = x, output layer L = len(sizes) - 1).
The student's class is a subclass of the library's ``nnlib.Network`` or of the exercise sheet's
plain ``notebooks/network.py`` (imported from its path, as notebook 03 does), with the same
diagnoses.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import Network
from nnlib.core.gradcheck import Diagnosis, diagnose
from nnlib.core.network import sigmoid, sigmoid_prime

ROOT = Path(__file__).resolve().parents[1]


def sheet_module():
    """The exercise sheet's network.py, imported from its path."""
    spec = importlib.util.spec_from_file_location("sheet_network", ROOT / "notebooks" / "network.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SheetNetwork = sheet_module().Network


def student_backprop(self, x, y, slip=None):
    """Notebook 03's solution; ``slip`` names the one line a student got wrong."""
    nabla_b = [np.zeros(b.shape) for b in self.biases]
    nabla_w = [np.zeros(w.shape) for w in self.weights]
    activation = x
    activations = [x]
    zs = []
    for b, w in zip(self.biases, self.weights):
        if slip == "a w in (1)":
            z = np.dot(activation, w) + b
        else:
            z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    if slip == "np.dot for * in (2)":
        delta = np.dot(self.cost_derivative(activations[-1], y), sigmoid_prime(zs[-1]))
    elif slip == "no sigma' in (2)":
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
    elif slip == "no transpose in (5) at L":
        nabla_w[-1] = np.dot(delta, activations[-2])
    else:
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    if slip == "weights[l+1] in (3)":  # the sheet's layer numbers as indices, one too high
        for l in range(self.num_layers - 2, 0, -1):
            delta = np.dot(self.weights[l + 1].transpose(), delta) * sigmoid_prime(zs[l - 1])
            nabla_b[l - 1], nabla_w[l - 1] = delta, np.dot(delta, activations[l - 1].T)
        return (nabla_b, nabla_w)
    if slip == "deltas.pop()":  # a crash whose line names no quantity
        deltas = []
        for l in range(2, self.num_layers):
            delta = deltas.pop()
        return (nabla_b, nabla_w)
    last = {"loop stops early": self.num_layers - 1,
            "loop goes one too far": self.num_layers + 1}.get(slip, self.num_layers)
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
        elif slip == "misspelt sigmoid_prime in (3)":
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_primes(zs[-l])  # noqa: F821
        else:
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])
        if slip != "nabla_b not set":
            nabla_b[-l] = delta
        if slip == "no transpose in (5)":
            nabla_w[-l] = np.dot(delta, activations[-l - 1])
        else:
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    if slip == "no return":
        return None
    if slip == "swapped":
        return (nabla_w, nabla_b)
    if slip == "only nabla_b":
        return nabla_b
    return (nabla_b, nabla_w)


def network_with(slip, sizes, seed=1, base=Network):
    """A student's network with ``slip``: a subclass of ``base`` (nnlib's Network or the sheet's),
    with the weights of ``nnlib.Network(sizes, seed=seed)`` either way."""
    class StudentNetwork(base):
        def backprop(self, x, y):
            return student_backprop(self, x, y, slip)
    net = StudentNetwork(sizes, seed=seed)
    if base is not Network:
        library = Network(sizes, seed=seed)
        net.weights, net.biases = library.weights, library.biases
    return net


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
    return words.format(**{"L": L, "L-1": L - 1, "L-2": L - 2, "n_L": sizes[-1],
                           "n_L-1": sizes[-2]})


def layer_of(where, sizes):
    L = len(sizes) - 1
    return {"L": L, "L-1": L - 1, "1": 1, "0": 0}[where]


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


# slip -> (the exception it raises, equation, layer), words the message has
CRASHES = {
    "w not transposed in (3)": (ValueError, 3, "L-1", "(3) needs the transpose (w^{L})^T "
                                "delta^{L}: w^{L} has shape ({n_L}, {n_L-1}), delta^{L} ({n_L}, 1)"),
    "no transpose in (5) at L": (ValueError, 5, "L", "(5) needs the transpose (a^{L-1})^T"),
    "no transpose in (5)": (ValueError, 5, "L-1", "(5) needs the transpose (a^{L-2})^T"),
    "loop goes one too far": (IndexError, 3, "0", "past layer 1 to layer 0"),
    "weights[l+1] in (3)": (IndexError, 3, "L-1",
                            "`self.weights[l + 1]`: the index {L} is out of range"),
    "np.dot for * in (2)": (ValueError, 2, "L", "with * elementwise"),
    "a w in (1)": (ValueError, 1, "1", "(1) reads z^1 = w^1 a^0 + b^1"),
    "misspelt sigmoid_prime in (3)": (NameError, 3, "L-1", "'sigmoid_primes' is not defined"),
    "deltas.pop()": (IndexError, 3, "L-1", "the next quantity is delta^{L-1} of (3)"),
}


@pytest.mark.parametrize("base", [Network, SheetNetwork], ids=["nnlib", "sheet"])
@pytest.mark.parametrize("sizes", [[4, 5, 3], [6, 5, 4, 3], [3, 6, 5, 4, 2]])
@pytest.mark.parametrize("slip", sorted(CRASHES))
def test_a_crash_is_placed_at_its_equation_and_layer(slip, sizes, base):
    error, equation, where, words = CRASHES[slip]
    net = network_with(slip, sizes, base=base)
    x, y = example(sizes)
    with pytest.raises(error):  # the slip does crash, with that exception
        net.backprop(x, y)
    before = [p.copy() for p in net.weights + net.biases]
    found = diagnose(net, x, y)
    layer = layer_of(where, sizes)
    assert (found.equation, found.layer, found.correct, found.crashed) == (
        equation, layer, False, True), found.message
    assert found.message.startswith("equation (%d), layer %d: your backprop raised %s"
                                    % (equation, layer, error.__name__)), found.message
    assert found.error.startswith(error.__name__ + ":") and found.error in found.message
    assert found.line and "`%s`" % found.line in found.message
    assert fill(words, sizes) in found.message, found.message
    for a, b in zip(before, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)


def test_the_missing_transpose_reads_as_the_issue_asks():
    found = diagnose(network_with("w not transposed in (3)", [4, 5, 3]), *example([4, 5, 3]))
    assert found.message.startswith(
        "equation (3), layer 1: your backprop raised ValueError: shapes (3,5) and (3,1) not "
        "aligned: 5 (dim 1) != 3 (dim 0) in the line `delta = np.dot(self.weights[-l + 1], "
        "delta) * sigmoid_prime(zs[-l])`"), found.message
    assert "; (3) needs the transpose (w^2)^T delta^2: w^2 has shape (3, 5), delta^2 (3, 1)." \
        in found.message
    assert found.line == "delta = np.dot(self.weights[-l + 1], delta) * sigmoid_prime(zs[-l])"
    assert "`self.weights[-l + 1]` is w^2, `delta` is delta^2, `zs[-l]` is z^1" in found.message


def test_a_crash_after_a_silent_slip_names_the_slip_too():
    """With square weights w^3 the untransposed product runs (and is wrong) at layer 2; numpy
    refuses it only at layer 1, where the delta that comes in is already wrong."""
    sizes = [3, 5, 4, 4]
    found = diagnose(network_with("w not transposed in (3)", sizes), *example(sizes))
    assert (found.equation, found.layer, found.crashed) == (3, 1, True), found.message
    assert "`delta` is not delta^2: a line before this one is already wrong (it uses w^3 " \
        "delta^3 without the transpose" in found.message


CELL = """\
import numpy as np
from sheet_network import Network, sigmoid, sigmoid_prime


class MyNetwork(Network):
    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * \\
            sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l+1], delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l-1].transpose())
        return (nabla_b, nabla_w)
"""


def cell_class(filename, monkeypatch, source=CELL):
    """MyNetwork as notebook 03 defines it, compiled under ``filename`` (a Jupyter kernel puts
    each cell's source in linecache under a file name of its own; "<string>" has none)."""
    import linecache
    import sys

    monkeypatch.setitem(sys.modules, "sheet_network", sheet_module())
    if not filename.startswith("<"):
        lines = source.splitlines(keepends=True)
        monkeypatch.setitem(linecache.cache, filename, (len(source), None, lines, filename))
    scope = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), scope)
    return scope["MyNetwork"]


def test_a_crash_in_a_notebook_cell(monkeypatch):
    """The sheet's MyNetwork(Network) of notebook 03, as a kernel runs it: the line is found in
    the cell's source, and a statement over two lines or with sigma' in a variable is read too."""
    MyNetwork = cell_class("/tmp/ipykernel_1/3141592.py", monkeypatch)
    sizes = [6, 5, 4, 3]
    found = diagnose(MyNetwork(sizes, seed=2), *example(sizes))
    assert (found.equation, found.layer) == (3, 2), found.message
    assert found.line == "delta = np.dot(self.weights[-l+1], delta) * sp"
    assert "(3) needs the transpose (w^3)^T delta^3: w^3 has shape (3, 4), delta^3 (3, 1)" \
        in found.message
    assert "`sp` is sigma'(z^2)" in found.message


def test_a_crash_without_source_is_placed_by_what_was_computed(monkeypatch):
    """Code without a source (exec of a string) still crashes at (3), layer 2: z^1..z^3, a^1..a^3,
    delta^3 and dC/dw^3 are in its variables, right, and delta^2 is the next quantity."""
    MyNetwork = cell_class("<string>", monkeypatch)
    sizes = [6, 5, 4, 3]
    found = diagnose(MyNetwork(sizes, seed=2), *example(sizes))
    assert (found.equation, found.layer, found.crashed) == (3, 2, True), found.message
    assert found.line is None and "the next quantity is delta^2 of (3)" in found.message


HELPER = CELL.replace("""        delta = self.cost_derivative(activations[-1], y) * \\
            sigmoid_prime(zs[-1])""", """        delta = self.cost_derivative(activations[-1], y) * my_prime(zs[-1])""") + """

def my_prime(z):
    return sigmoid(z) * (1 - sigmoid(q))
"""
ROW_Y = CELL.replace("self.cost_derivative(activations[-1], y)", "(activations[-1] - y.T)")


@pytest.mark.parametrize("source, equation, words", [
    (HELPER, 2, "NameError: name 'q' is not defined in the line `return sigmoid(z) * (1 - "
     "sigmoid(q))` (at `q`) of my_prime; (2) reads delta^3 = (a^3 - y) * sigma'(z^3)"),
    (ROW_Y, 5, "`delta` has shape (3, 3) where delta^3 has (3, 1): a line before this one is "
     "already wrong"),
])
def test_a_crash_in_a_helper_or_after_a_silent_slip(monkeypatch, source, equation, words):
    """A crash in a helper of the student's is placed by the line that called it (a^L and y:
    (2)); a y taken as a row makes delta^L a matrix, and the crash comes only in (5)."""
    MyNetwork = cell_class("/tmp/ipykernel_1/2718281.py", monkeypatch, source)
    sizes = [6, 5, 4, 3]
    found = diagnose(MyNetwork(sizes, seed=2), *example(sizes))
    assert (found.equation, found.layer, found.crashed) == (equation, 3, True), found.message
    assert words in found.message, found.message


def test_the_sheets_network_without_backprop():
    found = diagnose(SheetNetwork([4, 5, 3], seed=0), np.ones(4), 1)
    assert (found.equation, found.layer, found.correct) == (None, None, False)
    assert found.error.startswith("NotImplementedError: backprop is exercise 11.2 (c)")
    assert "backprop is not written yet" in found.message


def test_a_backprop_that_calls_itself_is_no_equations_fault():
    class Recursive(SheetNetwork):
        def backprop(self, x, y):
            return self.backprop(x, y)
    found = diagnose(Recursive([3, 4, 2], seed=0), np.ones(3), 0)
    assert (found.equation, found.layer, found.crashed) == (None, None, True)
    assert found.error.startswith("RecursionError") and "calls itself without end" in found.message


@pytest.mark.parametrize("sizes", [[4, 5, 3], [6, 5, 4, 3], [3, 6, 5, 4, 2]])
@pytest.mark.parametrize("slip", [None] + sorted(SLIPS))
def test_the_sheets_plain_class_gets_the_same_diagnoses(slip, sizes):
    x, y = example(sizes)
    mine = network_with(slip, sizes, base=SheetNetwork)
    assert not isinstance(mine, Network)
    assert diagnose(mine, x, y) == diagnose(network_with(slip, sizes), x, y)


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
    with pytest.raises(TypeError, match="network must be a network: an nnlib.Network"):
        diagnose("net", np.ones(3), 0)

    class NoBackprop:
        sizes, weights, biases = [3, 2], [np.ones((2, 3))], [np.ones((2, 1))]
    with pytest.raises(TypeError, match="without backprop"):
        diagnose(NoBackprop(), np.ones(3), 0)
    with pytest.raises(TypeError, match="network must be a network"):
        diagnose(SheetNetwork, np.ones(3), 0)  # the class, not a network
    sheet = SheetNetwork([3, 4, 2], seed=0)
    sheet.weights = [sheet.weights[0].T, sheet.weights[1]]
    with pytest.raises(ValueError, match=r"network.weights\[0\] must be a finite array of shape "
                       r"\(4, 3\)"):
        diagnose(sheet, np.ones(3), 0)
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
