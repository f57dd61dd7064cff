"""The step-by-step backprop view in JupyterLab, as a student uses it, driven by headless Chromium.

JupyterLab (not only Voila) is where notebook 03 runs: the test starts a lab on 127.0.0.1 with a
token, opens a notebook holding a student's backprop with a slip (sigma' missing in (3)), runs it,
then walks Forward and Back through the steps and checks what is drawn: the view opens at the step
of the first difference, marked with the diagnosis; the numbers at the neurons equal the library's
(a^l in the forward steps, delta^l = nabla_b in the backward ones) and the student's values sit
beside them.  A second cell holds a backprop that crashes (the transpose missing in (3)), written
as notebook 03 has it, ``class MyNetwork(Network)`` on the sheet's own network.py: its view opens
at the step where it crashed, the last one, with the diagnosis of the crash.
Screenshots go to build/browser/.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "browser"
SIZES, X, Y = [2, 3, 2], [0.5, -1.0], 0
CELL = f'''\
import numpy as np
from nnlib import Network
from nnlib.core.network import sigmoid, sigmoid_prime
from nnlib.widgets.backprop_steps import BackpropSteps


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
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1], nabla_w[-1] = delta, np.dot(delta, activations[-2].T)
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].T, delta)          # sigma'(z) forgotten
            nabla_b[-l], nabla_w[-l] = delta, np.dot(delta, activations[-l - 1].T)
        return nabla_b, nabla_w


BackpropSteps(MyNetwork({SIZES}, seed=0), np.array({X}), {Y})
'''
CRASHING = f'''\
from network import Network as SheetNetwork, sigmoid, sigmoid_prime


class MyCrashingNetwork(SheetNetwork):
    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1], nabla_w[-1] = delta, np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l+1], delta) * sigmoid_prime(zs[-l])   # no transpose
            nabla_b[-l], nabla_w[-l] = delta, np.dot(delta, activations[-l-1].transpose())
        return (nabla_b, nabla_w)


crashing = MyCrashingNetwork({SIZES})
crashing.weights, crashing.biases = MyNetwork({SIZES}, seed=0).weights, MyNetwork({SIZES}, seed=0).biases
BackpropSteps(crashing, np.array({X}), {Y})
'''


def _notebook(folder):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL), nbformat.v4.new_code_cell(CRASHING)]
    shutil.copy(ROOT / "notebooks" / "network.py", Path(folder) / "network.py")  # as in work/
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = Path(folder) / "steps.ipynb"
    nbformat.write(nb, str(path))
    return path


def _reference():
    """What the page must show: a^l (forward steps) and delta^l (backward), the library's, and
    the student's delta^1 (without sigma'(z^1))."""
    from nnlib import Network

    net = Network(SIZES, seed=0)
    x, y = np.reshape(X, (-1, 1)), np.eye(SIZES[-1])[:, [Y]]
    a = [x]
    for b, w in zip(net.biases, net.weights):
        a.append(1 / (1 + np.exp(-(w @ a[-1] + b))))
    nabla_b, _ = net.backprop(x, y)
    mine1 = net.weights[1].T @ nabla_b[1]
    return a, nabla_b, mine1


@pytest.fixture
def lab(tmp_path, jupyter_lab):
    """The address of the test's notebook in a JupyterLab (tests/conftest.py) on ``tmp_path``."""
    _notebook(tmp_path)
    return jupyter_lab(tmp_path, log="lab_backprop_steps.log").url("steps.ipynb")


def run_cell(page, k):
    """Run the k-th cell as a student does (click it, Ctrl+Enter) and wait for its prompt."""
    cell = page.locator(".jp-Notebook .jp-Cell >> nth=%d" % k)
    prompt = cell.locator(".jp-InputPrompt")
    for attempt in range(3):  # a run sent while the kernel still connects can be lost
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_function("p => p.innerText.trim() !== '[ ]:'",
                                   arg=prompt.element_handle(), timeout=20_000)
            return
        except Exception:
            if attempt == 2:
                raise


def _shown(view, cls):
    """{key: text} of the SVG texts of class ``cls`` in the view."""
    return view.evaluate("(v, cls) => Object.fromEntries([...v.querySelectorAll('text.' + cls)]"
                         ".map(t => [t.getAttribute('data-key'), t.textContent]))", cls)


def test_backprop_steps_in_jupyterlab(lab, chromium):
    a, nabla_b, mine1 = _reference()
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(lab, timeout=180_000, wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=180_000)
    page.wait_for_function("() => document.body.innerText.includes('(ipykernel) | Idle')",
                           timeout=180_000)
    run_cell(page, 0)
    try:
        page.wait_for_selector(".nnbp-view svg.nnbp-network", timeout=120_000)
    except Exception:
        page.screenshot(path=str(BUILD / "backprop_steps_timeout.png"))
        raise AssertionError("the view did not appear; page errors: %s; console: %s"
                             % (errors, console[-20:]))
    first = page.locator(".nnbp-view >> nth=0")
    view = first.element_handle()
    counter = first.locator(".nnbp-counter")
    title = first.locator(".nnbp-title")
    L = len(SIZES) - 1
    forward = first.locator(".nnbp-forward")
    back = first.locator(".nnbp-back")
    # it opens at the first difference, (3) at layer 1, the 4th of 3 L steps
    assert counter.inner_text() == "step %d of %d" % (L + 2, 3 * L)
    assert "first difference" in title.inner_text()
    assert first.locator(".nnbp-diagnosis").inner_text().startswith("equation (3), layer 1:")
    for _ in range(L + 1):
        back.click()
    assert counter.inner_text() == "step 1 of %d" % (3 * L)
    assert back.is_disabled()
    first.screenshot(path=str(BUILD / "backprop_steps_start.png"))

    def expect(values, mine=None):
        shown = _shown(view, "nnbp-value")
        assert sorted(shown) == sorted(values), shown
        for key, want in values.items():
            assert float(shown[key]) == pytest.approx(want, rel=2e-3), (key, shown)
        if mine is not None:
            got = _shown(view, "nnbp-mine")
            for key, want in mine.items():
                assert float(got[key].split()[-1]) == pytest.approx(want, rel=2e-3), got

    # (1), layer 1 and 2: a^l at each neuron
    for l in range(1, L + 1):
        assert title.inner_text().startswith("(1) feedforward, layer %d" % l)
        expect({"%d,%d" % (l, j): a[l][j, 0] for j in range(SIZES[l])})
        forward.click()
    # (2) at the output: delta^L, the student's equal to it
    assert title.inner_text().startswith("(2) output error")
    expect({"%d,%d" % (L, j): nabla_b[-1][j, 0] for j in range(SIZES[L])},
           {"%d,%d" % (L, j): nabla_b[-1][j, 0] for j in range(SIZES[L])})
    assert not first.locator("text.nnbp-differs").count()
    forward.click()
    # (3) at layer 1: the first difference, marked, with the diagnosis
    assert title.inner_text().startswith("(3) error one layer back: delta^1")
    assert "first difference" in title.inner_text()
    expect({"1,%d" % j: nabla_b[0][j, 0] for j in range(SIZES[1])},
           {"1,%d" % j: mine1[j, 0] for j in range(SIZES[1])})
    assert first.locator("text.nnbp-mine.nnbp-differs").count() == SIZES[1]
    assert first.locator(".nnbp-diagnosis").inner_text().startswith(
        "equation (3), layer 1: your delta^1 equals (w^2)^T delta^2 without the factor "
        "sigma'(z^1)")
    first.screenshot(path=str(BUILD / "backprop_steps_first_difference.png"))
    # Back returns to (2), where nothing differs; Forward to the end, then it stops
    back.click()
    assert title.inner_text().startswith("(2) output error")
    assert first.locator(".nnbp-diagnosis").inner_text() == ""
    for _ in range(3 * L):
        if forward.is_disabled():
            break
        forward.click()
    assert counter.inner_text() == "step %d of %d" % (3 * L, 3 * L)
    assert title.inner_text().startswith("(4), (5) gradients, layer 1")
    expect({"1,%d" % j: nabla_b[0][j, 0] for j in range(SIZES[1])})
    links = first.locator("path.nnbp-link.nnbp-differs")
    assert links.count() == SIZES[1] * SIZES[0]
    # nothing overflows the notebook at laptop width
    box = first.locator("svg.nnbp-network").bounding_box()
    panel = page.locator(".jp-NotebookPanel").bounding_box()
    assert box["x"] + box["width"] <= panel["x"] + panel["width"], (box, panel)

    # the crashing backprop: the steps up to (3) at layer 1, where it crashed, open there
    run_cell(page, 1)
    page.wait_for_selector(".nnbp-view >> nth=1", timeout=120_000)
    crashed = page.locator(".nnbp-view >> nth=1")
    crashed.scroll_into_view_if_needed()
    assert crashed.locator(".nnbp-counter").inner_text() == "step %d of %d" % (L + 2, L + 2)
    assert crashed.locator(".nnbp-forward").is_disabled()
    heading = crashed.locator(".nnbp-title").inner_text()
    assert heading.startswith("(3) error one layer back: delta^1") and \
        "your backprop stopped here" in heading
    shown = crashed.locator(".nnbp-diagnosis").inner_text()
    assert shown.startswith("equation (3), layer 1: your backprop raised ValueError: "
                            "shapes (2,3) and (2,1) not aligned"), shown
    assert "(3) needs the transpose (w^2)^T delta^2: w^2 has shape (2, 3), delta^2 (2, 1)" \
        in shown
    assert "raised an exception" in crashed.locator(".nnbp-who").inner_text()
    values = _shown(crashed.element_handle(), "nnbp-value")  # the reference delta^1
    assert sorted(values) == ["1,%d" % j for j in range(SIZES[1])]
    for j in range(SIZES[1]):
        assert float(values["1,%d" % j]) == pytest.approx(nabla_b[0][j, 0], rel=2e-3)
    assert not _shown(crashed.element_handle(), "nnbp-mine")  # nothing returned
    crashed.locator(".nnbp-back").click()
    assert crashed.locator(".nnbp-title").inner_text().startswith("(2) output error")
    assert crashed.locator(".nnbp-diagnosis").inner_text() == ""
    crashed.locator(".nnbp-forward").click()
    crashed.screenshot(path=str(BUILD / "backprop_steps_crash.png"))
    assert not errors, errors
