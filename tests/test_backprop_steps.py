"""The step-by-step view of backprop: the numbers of every step are the library's, the student's
values sit beside them, the step with the first wrong quantity is the one diagnose names and the
view opens there; a backprop that crashes gets the steps up to its crash, and the crash."""

import json

import numpy as np
import pytest

from nnlib import Network
from nnlib.core.gradcheck import diagnose
from nnlib.widgets.backprop_steps import BackpropSteps, steps
from test_diagnose import SheetNetwork, network_with


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
    # it opens at the first difference: (1) layer 1, (1) layer 2, (2), then (3) at layer 1
    assert state["sizes"] == [2, 3, 2] and state["step"] == 3 and state["student"]
    assert state["steps"][3]["first"] and (state["steps"][3]["equation"],
                                           state["steps"][3]["layer"]) == ("(3)", 1)
    assert state["diagnosis"].startswith("equation (3), layer 1:")
    assert len(state["steps"]) == 6 and state["x"] == [0.5, -1.0]
    assert "export default" in str(BackpropSteps._esm)
    assert repr(view).startswith("BackpropSteps: 6 steps through equations (1)-(5) on a [2, 3, 2]")
    with pytest.raises(TypeError, match="nnlib.Network"):
        BackpropSteps("net", np.ones(2), 0)
    with pytest.raises(ValueError, match="at most 8 neurons"):
        BackpropSteps(Network([784, 30, 10], seed=0), np.zeros(784), 3)


def test_a_correct_backprop_opens_at_the_first_step():
    for net in (network_with(None, [2, 3, 2]), Network([2, 3, 2], seed=0)):
        view = BackpropSteps(net, np.array([0.5, -1.0]), 0)
        assert view.step == 0 and not view.crashed and view.diagnosis in (
            "", "backprop agrees with equations (1)-(5) in every layer.")


# slip -> (sizes, the (equation, layer) of the steps up to the crash, the crash's own step last)
CRASHES = {
    "w not transposed in (3)": ([2, 3, 2], [("(1)", 1), ("(1)", 2), ("(2)", 2), ("(3)", 1)]),
    "w not transposed in (3) ": ([3, 4, 3, 2], [("(1)", 1), ("(1)", 2), ("(1)", 3), ("(2)", 3),
                                                ("(3)", 2)]),
    "no transpose in (5) at L": ([2, 3, 2], [("(1)", 1), ("(1)", 2), ("(2)", 2), ("(3)", 1),
                                             ("(4)-(5)", 2)]),
    "np.dot for * in (2)": ([3, 4, 3, 2], [("(1)", 1), ("(1)", 2), ("(1)", 3), ("(2)", 3)]),
    "a w in (1)": ([2, 3, 2], [("(1)", 1)]),
    "loop goes one too far": ([2, 3, 2], [("(1)", 1), ("(1)", 2), ("(2)", 2), ("(3)", 1),
                                          ("(3)", 0)]),
}


@pytest.mark.parametrize("base", [Network, SheetNetwork], ids=["nnlib", "sheet"])
@pytest.mark.parametrize("slip", sorted(CRASHES))
def test_a_crashing_backprop_gets_the_steps_up_to_its_crash(slip, base):
    sizes, expected = CRASHES[slip]
    net = network_with(slip.strip(), sizes, base=base)
    x, y = np.linspace(-1, 1, sizes[0]), 1
    with pytest.raises((ValueError, IndexError)):  # it does crash
        net.backprop(x.reshape(-1, 1), np.eye(sizes[-1])[:, [y]])
    before = [p.copy() for p in net.weights + net.biases]
    out, verdict = steps(net, x, y)
    assert verdict == diagnose(net, x, y) and verdict.crashed
    assert [(s["equation"], s["layer"]) for s in out] == expected
    assert [s["crash"] for s in out] == [False] * (len(out) - 1) + [True]
    assert [s["first"] for s in out] == [False] * (len(out) - 1) + [True]
    assert "(%d)" % verdict.equation in expected[-1][0] and verdict.layer == expected[-1][1]
    # the steps before show the library's numbers, and nothing of the student's
    library = Network(sizes, seed=1)
    library.weights, library.biases = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    nabla_b, _ = library.backprop(x.reshape(-1, 1), y)
    for s in out:
        for key, entry in s["neurons"].items():
            assert "mine" not in entry
            l, j = map(int, key.split(","))
            if s["equation"] in ("(2)", "(3)"):
                assert entry["ref"] == pytest.approx(nabla_b[l - 1][j, 0], rel=1e-12)
    view = BackpropSteps(net, x, y)
    assert view.crashed and view.student and view.step == len(expected) - 1
    assert view.diagnosis == verdict.message and view.diagnosis.startswith(
        "equation (%d), layer %d: your backprop raised" % (verdict.equation, verdict.layer))
    assert "up to where your backprop crashed" in repr(view)
    for a, b in zip(before, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)


def test_a_crash_no_step_holds_gets_a_step_of_its_own():
    """The loop past layer 1 and the sheet's NotImplementedError: a last step says so."""
    out, verdict = steps(network_with("loop goes one too far", [2, 3, 2]), np.ones(2), 0)
    assert out[-1]["title"].startswith("(3) layer 0: your backprop stopped with IndexError")
    assert out[-1]["lines"][0] == verdict.error and verdict.line in out[-1]["lines"][1]
    out, verdict = steps(SheetNetwork([2, 3, 2], seed=0), np.ones(2), 0)
    assert [(s["equation"], s["layer"]) for s in out] == [("(1)", 1), ("(1)", 2), ("crash", None)]
    assert out[-1]["crash"] and "NotImplementedError" in out[-1]["title"]
    assert BackpropSteps(SheetNetwork([2, 3, 2], seed=0), np.ones(2), 0).step == 2


def test_the_sheets_plain_class_with_a_correct_backprop():
    net = network_with(None, [3, 4, 3, 2], base=SheetNetwork)
    out, verdict = steps(net, np.ones(3), 1)
    assert verdict.correct and not any(s["first"] or s["crash"] for s in out)
    library = Network([3, 4, 3, 2], seed=1)  # network_with gave the sheet's class its weights
    library_b, _ = library.backprop(np.ones((3, 1)), 1)
    for s in out[3:]:
        for key, entry in s["neurons"].items():
            l, j = map(int, key.split(","))
            assert entry["mine"] == pytest.approx(library_b[l - 1][j, 0], rel=1e-12)
            assert not entry["differs"]
