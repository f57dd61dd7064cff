"""Tests of nnlib.widgets.trainpanel.TrainPanel, driven without a browser.

The data are three Gaussian blobs in 20 dimensions whose centres are 4 standard deviations apart
along different axes: the nearest-centre rule (Bayes-optimal for equal spherical Gaussians)
classifies ~99 % correctly, which is the independent reference the trained network is held to.
"""

import base64
import io
import re
import warnings

import numpy as np
import pytest

from nnlib import Network
from nnlib.core import activations, optim
from nnlib.widgets import charts
from nnlib.core.network import DivergenceWarning
from nnlib.widgets.trainpanel import ACTIVATION_CHOICES, INIT_CHOICES, OUTPUT_CHOICES, TrainPanel

N_FEATURES, N_LABELS = 20, 3


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N_LABELS, n)
    X = rng.standard_normal((n, N_FEATURES)) + 4.0 * np.eye(N_FEATURES)[y]
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def data():
    return blobs(600, seed=1), blobs(300, seed=2)


def make_panel(data, **kwargs):
    train, test = data
    kwargs.setdefault("epochs", 5)
    return TrainPanel(train, test, **kwargs)


def nearest_centre_accuracy(train, test):
    (X, y), (Xt, yt) = train, test
    centres = np.stack([X[y == k].mean(axis=0) for k in range(N_LABELS)])
    d = ((Xt[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return float(np.mean(np.argmin(d, axis=1) == yt))


def polyline(svg, key):
    """The (x, y) pixel points of the polyline tagged data-series=key."""
    match = re.search(r'data-series="%s" points="([^"]*)"' % key, svg)
    assert match, "no polyline %s in the learning curve" % key
    text = match.group(1).strip()
    return np.array([[float(v) for v in p.split(",")] for p in text.split()]) if text \
        else np.zeros((0, 2))


def test_sizes_follow_the_sliders(data):
    panel = make_panel(data)
    assert panel.sizes == [N_FEATURES, 30, N_LABELS]          # the course's one hidden layer
    panel.hidden_layers.value = 3
    for slider, n in zip(panel.neuron_sliders, (5, 7, 9)):
        slider.value = n
    assert panel.sizes == [N_FEATURES, 5, 7, 9, N_LABELS]
    shown = [s.layout.display != "none" for s in panel.neuron_sliders]
    assert shown == [True, True, True, False]
    assert "[20, 5, 7, 9, 3]" in panel.status.value
    panel.hidden_layers.value = 0
    assert panel.sizes == [N_FEATURES, N_LABELS]
    assert not any(s.layout.display != "none" for s in panel.neuron_sliders)
    panel.train()
    assert panel.network.sizes == [N_FEATURES, N_LABELS]
    assert panel.history["settings"]["sizes"] == [N_FEATURES, N_LABELS]


def test_train_button_trains_to_high_accuracy(data):
    panel = make_panel(data, epochs=8)
    panel.train_button.click()                 # runs in a background thread
    history = panel.wait(timeout=60)
    assert history is panel.history
    assert history["stopped"] is None and not history["diverged"]
    assert history["epoch"] == list(range(1, 9))
    assert len(history["test_accuracy"]) == len(history["train_cost"]) == 8
    assert panel.progress.max == 8 and panel.progress.value == panel.progress.max
    assert not panel.train_button.disabled and panel.stop_button.disabled

    # accuracy recomputed here from the network's outputs, against the Bayes-like reference
    X_test, y_test = panel.X_test, panel.y_test
    accuracy = float(np.mean(np.argmax(panel.network.predict(X_test), axis=1) == y_test))
    assert accuracy == pytest.approx(history["test_accuracy"][-1])
    reference = nearest_centre_accuracy(*data)
    assert reference > 0.97
    assert accuracy > 0.9 and accuracy > reference - 0.05
    # the quadratic cost recomputed from the outputs and one-hot targets
    out = panel.network.predict(panel.X_train).astype(np.float64)
    target = np.eye(N_LABELS)[panel.y_train]
    cost = 0.5 * np.mean(np.sum((out - target) ** 2, axis=1))
    assert cost == pytest.approx(history["train_cost"][-1], rel=1e-4)
    assert history["train_cost"][-1] < history["train_cost"][0]
    assert "%.1f %%" % (100 * accuracy) in panel.status.value


def test_learning_curve_shows_the_history(data):
    panel = make_panel(data, epochs=6)
    empty = polyline(panel.curve.value, "test_accuracy")
    assert len(empty) == 0
    history = panel.train()
    for key in ("test_accuracy", "train_accuracy", "train_cost"):
        points = polyline(panel.curve.value, key)
        values = np.array(history[key])
        assert len(points) == len(values) == 6
        dx = np.diff(points[:, 0])
        assert np.all(dx > 0) and np.allclose(dx, dx[0], atol=0.11)   # one point per epoch
        # SVG y grows downwards: pixel height must be a decreasing affine function of the value
        slope, offset = np.polyfit(values, points[:, 1], 1)
        assert slope < 0
        assert np.max(np.abs(points[:, 1] - (slope * values + offset))) < 0.2
    # the cost chart spans at least the largest cost and the accuracy chart 0..100 %
    acc_points = polyline(panel.curve.value, "test_accuracy")
    slope, offset = np.polyfit(100 * np.array(history["test_accuracy"]), acc_points[:, 1], 1)
    assert offset > slope * 100 + offset               # 0 % drawn below 100 %


def test_huge_learning_rate_shows_divergence(data):
    panel = make_panel(data, epochs=5, hidden=(30, 30), activation="relu",
                       output="softmax/cross-entropy")
    panel.eta_slider.value = 10.0 ** panel.eta_slider.max  # the top of the slider: 10^3
    assert panel.eta_slider.value == pytest.approx(1000.0)
    panel.train_button.click()
    history = panel.wait(timeout=60)                        # no exception escapes
    assert history["diverged"] is True
    assert len(history["epoch"]) < 5
    assert history["stop_reason"] == "diverged" and "smaller eta" in history["stopped"]
    assert "Training stopped in epoch 0" in panel.status.value
    assert panel.progress.bar_style == "danger"
    assert panel.error is None
    assert not panel.train_button.disabled                  # the student can try again
    assert not panel.eta_slider.disabled
    # with a sane learning rate the same layout trains
    panel.eta_slider.value = 0.1
    assert not panel.train()["diverged"]


def test_same_seed_same_history(data):
    a = make_panel(data, epochs=4).train()
    b = make_panel(data, epochs=4).train()
    assert a["train_cost"] == b["train_cost"]
    assert a["test_accuracy"] == b["test_accuracy"]
    panel = make_panel(data, epochs=4)
    panel.seed_input.value = 1
    c = panel.train()
    assert c["train_cost"] != a["train_cost"]


def test_subset_is_seeded_and_drawn_from_the_data(data):
    train, test = data
    p1 = TrainPanel(train, test, max_train=100, max_test=50, seed=3)
    p2 = TrainPanel(train, test, max_train=100, max_test=50, seed=3)
    p3 = TrainPanel(train, test, max_train=100, max_test=50, seed=4)
    assert p1.X_train.shape == (100, N_FEATURES) and p1.X_test.shape == (50, N_FEATURES)
    np.testing.assert_array_equal(p1.X_train, p2.X_train)
    assert not np.array_equal(p1.X_train, p3.X_train)
    # every chosen row is a distinct row of the original data, with its own label
    rows = {tuple(x): label for x, label in zip(train[0], train[1])}
    assert len({tuple(x) for x in p1.X_train}) == 100
    assert all(rows[tuple(x)] == label for x, label in zip(p1.X_train, p1.y_train))
    everything = TrainPanel(train, test, max_train=None, max_test=10_000)
    assert len(everything.X_train) == 600 and len(everything.X_test) == 300


def test_stop_ends_after_the_current_epoch(data):
    panel = make_panel(data, epochs=40)

    def stop_at_two(change):
        if change["new"] == 2:
            panel.stop()

    panel.progress.observe(stop_at_two, names="value")
    panel.train_button.click()
    history = panel.wait(timeout=60)
    assert history["epoch"] == [1, 2]
    assert "Stopped" in history["stopped"] and not history["diverged"]
    assert panel.progress.bar_style == "warning"


def test_no_second_run_while_training(data):
    panel = make_panel(data, epochs=3)
    errors = []

    def try_again(change):
        if change["new"] == 1:
            try:
                panel.train()
            except RuntimeError as err:
                errors.append(err)

    panel.progress.observe(try_again, names="value")
    history = panel.train()
    assert len(errors) == 1 and "already training" in str(errors[0])
    assert history["epoch"] == [1, 2, 3]


def test_sample_pictures_are_the_test_inputs():
    # 4x5 "pictures": a bright pixel whose position encodes the label
    rng = np.random.default_rng(0)

    def pictures(n):
        y = rng.integers(0, 4, n)
        X = np.full((n, 20), -1.0)
        X[np.arange(n), 5 * y + 2] = 1.0
        return X, y

    panel = TrainPanel(pictures(200), pictures(50), input_shape=(4, 5),
                       label_names=["a", "b", "c", "d"], epochs=2)
    panel.train()
    sources = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", panel.samples.value)
    assert len(sources) == 10
    import matplotlib.image as mpimg
    for src, x in zip(sources, panel.X_test):
        img = mpimg.imread(io.BytesIO(base64.b64decode(src)), format="png")
        assert img.shape[:2] == (4, 5)
        grey = img if img.ndim == 2 else img[..., 0]
        # large values drawn dark, small ones light
        expected = (x.reshape(4, 5) < 0).astype(float)
        np.testing.assert_allclose(grey, expected, atol=1 / 255)
    captions = re.findall(r"<br>(\w+) \((\w+)\)</div>", panel.samples.value)
    assert [true for _, true in captions] == ["abcd"[k] for k in panel.y_test[:10]]


def test_display_is_the_widget(data):
    panel = make_panel(data)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id


@pytest.mark.parametrize("train, test, kwargs, error, words", [
    ((np.zeros((10, 4)), np.zeros(9, int)), None, {}, ValueError, "10 inputs X but 9 labels"),
    ((np.zeros(10), np.zeros(10, int)), None, {}, ValueError, "one sample per row"),
    ((np.zeros((10, 4)), np.zeros(10)), None, {}, ValueError, "integer class labels"),
    ((np.zeros((10, 4)), np.zeros((10, 2), int)), None, {}, ValueError, "integer class labels"),
    ((np.zeros((10, 4)), np.arange(10) - 1), None, {}, ValueError, "found -1..8"),
    ([np.zeros((10, 4))], None, {}, TypeError, "pair (X, y)"),
    ((np.full((10, 4), np.nan), np.zeros(10, int)), None, {}, ValueError, "NaN"),
    ((np.zeros((10, 4)), np.arange(10) % 3), (np.zeros((5, 3)), np.zeros(5, int)), {},
     ValueError, "features"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"n_labels": 2}, ValueError, "0..1"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"input_shape": (3, 3)}, ValueError,
     "input_shape"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"max_train": 0}, ValueError, "max_train"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"hidden": [30] * 5}, ValueError, "hidden"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"output": "softmax"}, ValueError, "output"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"activation": "softsign"}, ValueError,
     "activation"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"init": "zeros"}, ValueError, "init"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"epochs": 0}, ValueError, "epochs"),
    ((np.zeros((10, 4)), np.arange(10) % 3), None, {"eta": 1e4}, ValueError, "eta"),
])
def test_bad_input_is_refused_clearly(train, test, kwargs, error, words):
    if test is None:
        test = (np.zeros((5, 4)), np.zeros(5, int))
    with pytest.raises(error, match=re.escape(words)):
        TrainPanel(train, test, **kwargs)


# ---------------------------------------------------------------- the wiring: SGD, tables, Pillow
def test_training_is_network_sgd_with_the_panels_settings(data):
    """The panel trains through Network.SGD: the same network, seed and data give the very same
    weights and test accuracies as calling SGD directly."""
    panel = make_panel(data, epochs=3, hidden=(7, 5), activation="tanh",
                       output="softmax/cross-entropy", init="scaled", eta=0.5,
                       mini_batch_size=13)
    panel.seed_input.value = 4
    history = panel.train()
    s = history["settings"]
    net = Network(s["sizes"], seed=4, activation="tanh", output="softmax", cost="cross-entropy",
                  init="scaled", dtype=np.float32)
    sgd = net.SGD((panel.X_train, panel.y_train), 3, 13, 0.5,
                  test_data=(panel.X_test, panel.y_test), verbose=False)
    for w, w_ref in zip(panel.network.weights + panel.network.biases, net.weights + net.biases):
        np.testing.assert_array_equal(w, w_ref)
    assert history["test_accuracy"] == sgd["test_accuracy"]
    assert history["train_cost"][-1] == pytest.approx(net.total_cost(panel.X_train,
                                                                      panel.y_train))


def test_divergence_is_explained_not_warned_and_the_weights_are_restored(data):
    panel = make_panel(data, epochs=3, hidden=(30, 30), activation="relu",
                       output="softmax/cross-entropy", eta=1000.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = panel.train()
    assert history["diverged"]
    assert not [w for w in caught if issubclass(w.category, DivergenceWarning)]
    # SGD's guard put back the weights of the start of the diverging epoch: finite ones
    assert all(np.all(np.isfinite(p)) for p in panel.network.weights + panel.network.biases)


def test_choices_come_from_the_tables(data):
    assert ACTIVATION_CHOICES == activations.HIDDEN
    assert tuple(INIT_CHOICES) == optim.INITS
    assert tuple(panel_key.split("/")[0] for panel_key in OUTPUT_CHOICES) == \
        ("sigmoid", "sigmoid", "softmax")
    panel = make_panel(data, epochs=2, activation="swish", init="he")
    assert panel.activation_dropdown.options == ACTIVATION_CHOICES
    history = panel.train()
    assert panel.network.activation == "swish" and panel.network.init == "he"
    assert history["test_accuracy"][-1] > 0.9


def test_charts_png_round_trip_and_ticks():
    import matplotlib.image as mpimg
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    rgb = np.stack([grey, 255 - grey, np.full_like(grey, 7)], axis=2)
    for image in (grey, rgb):
        uri = charts.png_data_uri(image)
        assert uri.startswith("data:image/png;base64,")
        back = mpimg.imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), format="png")
        np.testing.assert_allclose(back * 255, image, atol=0.5)
    np.testing.assert_array_equal(charts.grey_image([[0.0, 0.5], [1.0, 1.0]]),
                                  [[255, 128], [0, 0]])          # large values dark
    assert charts.grey_image(np.ones((2, 2))).tolist() == [[255, 255], [255, 255]]
    for hi in (0.37, 1.0, 2.3, 47.0):
        ticks = charts.nice_ticks(hi)
        assert ticks[0] == 0 and ticks[-1] >= hi and len(ticks) <= 6
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0])
        assert round(steps[0] / 10 ** np.floor(np.log10(steps[0])), 6) in (1, 2, 5)


# ---------------------------------------------------------------- hints when a run fails

def _history(acc, eta=0.794, output="softmax", cost="cross-entropy", sizes=(784, 100, 10),
             activation="relu", epochs=10, diverged=False):
    return {"epoch": list(range(1, len(acc) + 1)), "test_accuracy": list(acc),
            "train_accuracy": list(acc), "train_cost": [1.0] * len(acc),
            "settings": {"sizes": list(sizes), "activation": activation, "output": output,
                         "cost": cost, "eta": eta, "epochs": epochs},
            "stopped": None, "diverged": diverged}


def test_failure_hint_reads_the_runs_own_history():
    from nnlib.widgets.trainpanel import failure_hint

    # the run: ReLU + softmax at eta = 0.794 sits at 11.6 % on MNIST (chance 11.35 %)
    hint = failure_hint(_history([0.113, 0.116, 0.116]), chance=0.1135)
    assert "at chance" in hint and "too large" in hint and "η = 0.1" in hint
    assert "11.6 %" in hint
    assert failure_hint(_history([0.6, 0.9]), chance=0.1135) is None        # it learns
    assert failure_hint(_history([0.11]), chance=0.1135) is None           # wait for epoch 2
    assert "at chance" in failure_hint(_history([0.11], epochs=1), chance=0.1135)
    assert failure_hint(_history([], diverged=True), chance=0.1) is None   # has its message
    small = failure_hint(_history([0.34, 0.35], eta=0.001), chance=0.34)
    assert "too small" in small
    narrow = failure_hint(_history([0.34, 0.35], sizes=(20, 1, 3)), chance=0.34)
    assert "1 neuron" in narrow
    # the course's network trains at eta = 3: no "too large" for it there
    course = failure_hint(_history([0.11, 0.11], eta=3.0, output="sigmoid", cost="quadratic",
                                   activation="sigmoid"), chance=0.1135)
    assert "too large" not in course and "at chance" in course


def test_panel_shows_the_hint_of_a_run_at_chance(data):
    panel = make_panel(data, activation="sigmoid", output="softmax/cross-entropy", eta=0.001,
                       epochs=2)
    history = panel.train()
    assert not history["diverged"] and history["test_accuracy"][-1] < 0.40
    assert history["hint"] is not None and "too small" in history["hint"]
    assert "at chance" in panel.status.value and panel.progress.bar_style == "warning"
    good = make_panel(data, eta=3.0, epochs=2).train()
    assert good["hint"] is None


def test_one_unit_per_quantity_in_every_message(data):
    """Accuracies (and chance) in percent everywhere, with one decimal; costs as numbers; the
    chance of the learning curve is the chance of the hint (the commonest class's share)."""
    from nnlib.core.training import saturated_at_chance
    from nnlib.widgets.trainpanel import in_percent

    net = Network([2, 2], seed=0)                  # every output at the sigmoid's bound 1
    net.weights[0][:], net.biases[0][:] = 0.0, 100.0
    cause = saturated_at_chance(net, np.zeros((4, 2)), np.eye(2)[[0, 1, 1, 1]])
    said = in_percent("Training stopped in epoch 2: %s with eta = 3." % cause)
    assert "(25.0 %) is at chance (75.0 %)" in said and "0.250" not in said
    grew = "Training stopped in epoch 1: the cost grew from 0.25 at the start to 45.3."
    assert in_percent(grew) == grew
    panel = make_panel(data, activation="sigmoid", output="softmax/cross-entropy", eta=0.001,
                       epochs=2)
    counts = np.bincount(panel.y_test, minlength=N_LABELS)
    assert panel.chance == pytest.approx(counts.max() / counts.sum())
    panel.train()
    chance = "%.1f %%" % (100 * panel.chance)
    assert "chance " + chance in panel.curve.value
    assert "gives " + chance in panel.status.value
    text = re.sub(r"<[^>]+>", "", panel.status.value)
    shares = re.findall(r"(?:accuracy|chance|gives)\D*?(\d+\.\d+)( %)?", text)
    assert len(shares) >= 4 and all(unit for _, unit in shares), text
    assert re.search(r"training cost \d\.\d+ ·", text), text


def test_panel_carries_a_picture_for_notebooks_read_without_a_kernel(data):
    from PIL import Image

    panel = make_panel(data, epochs=2)
    for trained in (False, True):
        if trained:
            panel.train()
        bundle = panel._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        assert "application/vnd.jupyter.widget-view+json" in bundle
        img = Image.open(io.BytesIO(bundle["image/png"])).convert("RGB")
        assert img.size == (620, 190) and len(bundle["image/png"]) < 30_000
        blue = (np.abs(np.asarray(img).astype(int) - [31, 119, 180]).sum(axis=2) < 30).sum()
        assert (blue > 20) == trained                   # the test accuracy's line once trained


def test_stored_notebooks_show_pictures_of_their_widgets():
    """Every stored output of a playground or training panel (notebooks 01, 04, 06) carries the
    picture of ``_repr_mimebundle_``, so a reader without a kernel sees it, not VBox(...) text."""
    import json
    from pathlib import Path

    found = 0
    for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                text = "".join(output.get("data", {}).get("text/plain", ""))
                if text.startswith("VBox(children"):
                    found += 1
                    assert "image/png" in output["data"], (path.name, "".join(cell["source"]))
    assert found >= 5                         # three playgrounds (01), two panels (04, 06)
