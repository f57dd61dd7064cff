"""The step-by-step view of backprop: the numbers of every step are the library's, the student's
values sit beside them, and the step with the first wrong quantity is the one diagnose names."""

import json

import numpy as np
import pytest

from nnlib import Network
from nnlib.core.gradcheck import diagnose
from nnlib.widgets.backprop_steps import BackpropSteps, steps
from test_diagnose import network_with


def forward(net, x):
    """a^0 .. a^L of the library's network."""
    a = [np.asarray(x, dtype=float).reshape(-1, 1)]
    for b, w in zip(net.biases, net.weights):
        a.append(1 / (1 + np.exp(-(w @ a[-1] + b))))
    return a


@pytest.mark.parametrize("sizes", [[2, 3, 2], [3, 4, 3, 2]])
def test_the_steps_show_the_librarys_numbers(sizes):
    net = Network(sizes, seed=4)
    x, y = np.linspace(-1, 1, sizes[0]), 1
    out, verdict = steps(net, x, y)
    L = len(sizes) - 1
    assert verdict is None
    assert [(s["equation"], s["layer"]) for s in out] == (
        [("(1)", l) for l in range(1, L + 1)] + [("(2)", L)]
        + [("(3)", l) for l in range(L - 1, 0, -1)] + [("(4)-(5)", l) for l in range(L, 0, -1)])
    a = forward(net, x)
    nabla_b, nabla_w = net.backprop(x, y)
    for s in out:
        l = s["layer"]
        want = a[l] if s["equation"] == "(1)" else nabla_b[l - 1]
        assert sorted(s["neurons"]) == ["%d,%d" % (l, j) for j in range(sizes[l])]
        for j in range(sizes[l]):
            entry = s["neurons"]["%d,%d" % (l, j)]
            assert entry["ref"] == pytest.approx(want[j, 0], rel=1e-12, abs=1e-15)
            assert float(entry["text"]) == pytest.approx(want[j, 0], rel=1e-3)
            assert "mine" not in entry and not s["first"]
        if s["equation"] == "(4)-(5)":
            assert len(s["links"]) == sizes[l] * sizes[l - 1]
            for key, entry in s["links"].items():
                _, j, k = map(int, key.split(","))
                assert entry["ref"] == pytest.approx(nabla_w[l - 1][j, k], rel=1e-12, abs=1e-15)
        per_neuron = 1 + (sizes[l - 1] if s["equation"] == "(4)-(5)" else 0)
        assert len(s["lines"]) == sizes[l] * per_neuron
    # one line by hand: z^1_1 = w^1_11 x_1 + ... + b^1_1, written with the numbers
    first, w = out[0]["lines"][0], net.weights[0][0, 0]
    assert first.startswith("z^1_1 = %s*" % ("(%.4g)" % w if w < 0 else "%.4g" % w))
    z11 = (net.weights[0] @ a[0] + net.biases[0])[0, 0]
    assert first.endswith("a^1_1 = sigma(%.4g) = %.4g" % (z11, a[1][0, 0]))


@pytest.mark.parametrize("slip, sizes, first", [
    ("no sigma' in (3)", [2, 3, 2], ("(3)", 1)),
    ("no sigma' in (3)", [3, 4, 3, 2], ("(3)", 2)),
    ("sign of a - y", [2, 3, 2], ("(2)", 2)),
    ("outer product transposed", [3, 4, 3, 2], ("(4)-(5)", 3)),
    ("nabla_b not set", [3, 4, 3, 2], ("(4)-(5)", 2)),
])
def test_the_students_values_and_the_first_difference(slip, sizes, first):
    net = network_with(slip, sizes)
    x, y = np.linspace(-1, 1, sizes[0]), 0
    out, verdict = steps(net, x, y)
    assert verdict == diagnose(net, x, y) and not verdict.correct
    marked = [(s["equation"], s["layer"]) for s in out if s["first"]]
    assert marked == [first]
    nabla_b, _ = net.backprop(np.reshape(x, (-1, 1)), np.eye(sizes[-1])[:, [y]])
    for s in out:
        for key, entry in s["neurons"].items():
            if s["equation"] == "(1)":
                assert "mine" not in entry  # backprop does not return z and a
            elif "mine" in entry:
                l, j = map(int, key.split(","))
                assert entry["mine"] == pytest.approx(np.ravel(nabla_b[l - 1])[j], rel=1e-12)
    step = out[[(s["equation"], s["layer"]) for s in out].index(first)]
    shown = list(step["neurons"].values()) + list(step["links"].values())
    if slip == "outer product transposed":  # another shape: no values to set beside the reference
        assert not any("mine" in e for e in step["links"].values())
    else:
        assert any(e.get("differs") for e in shown)


def test_a_correct_student_backprop_differs_nowhere():
    out, verdict = steps(network_with(None, [3, 4, 3, 2]), np.ones(3), 1)
    assert verdict.correct and not any(s["first"] for s in out)
    for s in out[3:]:
        assert all(e["mine"] == pytest.approx(e["ref"]) and not e["differs"]
                   for e in list(s["neurons"].values()) + list(s["links"].values()))


def test_the_widget_carries_json_state():
    view = BackpropSteps(network_with("no sigma' in (3)", [2, 3, 2]), np.array([0.5, -1.0]), 0)
    state = json.loads(json.dumps({k: getattr(view, k) for k in
                                   ("sizes", "weights", "biases", "steps", "step", "diagnosis",
                                    "student", "x")}))
    assert state["sizes"] == [2, 3, 2] and state["step"] == 0 and state["student"]
    assert state["diagnosis"].startswith("equation (3), layer 1:")
    assert len(state["steps"]) == 6 and state["x"] == [0.5, -1.0]
    assert "export default" in str(BackpropSteps._esm)
    assert repr(view).startswith("BackpropSteps: 6 steps through equations (1)-(5) on a [2, 3, 2]")
    with pytest.raises(TypeError, match="nnlib.Network"):
        BackpropSteps("net", np.ones(2), 0)
    with pytest.raises(ValueError, match="at most 8 neurons"):
        BackpropSteps(Network([784, 30, 10], seed=0), np.zeros(784), 3)
