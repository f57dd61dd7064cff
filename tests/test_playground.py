"""The playground driven without a browser: every control, training, the view's arrays.

References: ``Network.predict`` / ``total_cost`` / ``accuracy`` (for the maps and readouts), the
shared activation table, and a literal per-sample transcription of TensorFlow Playground's
``nn.ts`` update (the training rule, with regularisation, and with momentum added as
v -> mu v - step).  Messages from the browser are fed in as the front end sends them
(``view._handle_custom_msg``).  State, export and guards: tests/test_playground_state.py; data
files and data sets: tests/test_playground_data.py.
"""

import json

import numpy as np
import pytest

from nnlib.core import activations
from nnlib.studies import toydata
from nnlib.widgets.playground import LEARNING_RATES, MOMENTA, Playground
from nnlib.widgets.playground.view import quantize


def weights_of(pg):
    return [w.copy() for w in pg.net.weights] + [b.copy() for b in pg.net.biases]


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def browser_says(pg, **content):
    pg.view._handle_custom_msg(content, [])


@pytest.fixture
def pg():
    return Playground(seed=3)


def test_default_playground_matches_the_original_start_page(pg):
    assert pg.net.sizes == [2, 4, 2, 1]
    assert pg.state["dataset"] == "circle" and pg.state["learning_rate"] == 0.03
    assert pg.state["batch_size"] == 10 and pg.state["activation"] == "tanh"
    assert pg.state["momentum"] == 0.0 and pg.state["stop_accuracy"] is None
    assert len(pg.X_train) == 250 and len(pg.X_test) == 250
    assert pg.epoch == 0 and len(pg.train_losses) == 1 and len(pg.test_accuracies) == 1
    assert pg.heatmap.shape == (100, 100)
    assert all(np.all(np.abs(w) <= 0.5) for w in pg.net.weights)    # uniform [-0.5, 0.5]
    assert all(np.all(b == 0.1) for b in pg.net.biases)
    assert pg.net.output == "tanh" and pg.net.cost == "quadratic"
    # the controls offer the shared activation table and every learning rate
    assert tuple(pg.controls["activation"].options) == activations.HIDDEN
    assert [v for _, v in pg.controls["learning_rate"].options] == list(LEARNING_RATES)
    assert [v for _, v in pg.controls["momentum"].options] == list(MOMENTA)


def test_view_gets_the_networks_arrays(pg):
    v = pg.view
    assert v.network["sizes"] == [2, 4, 2, 1] and v.network["inputs"] == ["x1", "x2"]
    params = np.frombuffer(v.params, dtype=np.float64)
    expected = np.concatenate([np.concatenate([w.ravel(), b.ravel()])
                               for w, b in zip(pg.net.weights, pg.net.biases)])
    np.testing.assert_array_equal(params, expected)
    assert v.network["density"] == 100 and v.network["thumb"] == 20
    assert len(v.thumbs) == sum(pg.net.sizes) * 20 * 20
    np.testing.assert_array_equal(np.frombuffer(v.heat, np.uint8), quantize(pg.heatmap).ravel())
    points = np.frombuffer(v.points, np.float32).reshape(-1, 4)
    assert len(points) == 500 and points[:, 3].sum() == 250      # the last column: test point
    np.testing.assert_allclose(points[:250, :2], pg.X_train, rtol=1e-6)
    assert v.readout["epoch"] == 0 and v.heat_info["label"] == "output"
    assert np.array(v.confusion).sum() == len(pg.X_test)


def test_sliders_change_the_network_shape(pg):
    pg.controls["neurons"][0].value = 6
    assert pg.net.sizes == [2, 6, 2, 1]
    pg.controls["layers"].value = 3               # a new layer starts with 2 neurons
    assert pg.net.sizes == [2, 6, 2, 2, 1]
    assert pg.controls["neurons"][2].layout.display is None
    assert pg.controls["neurons"][3].layout.display == "none"
    pg.controls["neurons"][2].value = 8
    assert pg.net.sizes == [2, 6, 2, 8, 1]
    pg.controls["layers"].value = 0
    assert pg.net.sizes == [2, 1]
    pg.controls["layers"].value = 6
    assert pg.net.sizes == [2] + [2] * 6 + [1]
    pg.controls["features"]["x1^2"].value = True
    pg.controls["features"]["sin(x2)"].value = True
    assert pg.net.sizes[0] == 4 and pg.state["features"] == ["x1", "x2", "x1^2", "sin(x2)"]
    assert pg.view.network["sizes"] == pg.net.sizes
    assert len(np.frombuffer(pg.view.params)) == sum(w.size + b.size for w, b in
                                                     zip(pg.net.weights, pg.net.biases))


def test_no_limits_switch_raises_the_caps(pg):
    assert pg.controls["layers"].max == 6 and pg.controls["neurons"][0].max == 8
    assert pg._speed_w.value == ""
    pg.controls["no_limits"].value = True
    assert pg.controls["layers"].max == 10 and pg.controls["neurons"][0].max == 32
    assert "slower" in pg._speed_w.value
    pg.controls["layers"].value = 10
    for slider in pg.controls["neurons"]:
        slider.value = 32
    assert pg.net.sizes == [2] + [32] * 10 + [1]
    assert pg.step(2) and pg.epoch == 2
    # more than 2000 weights: the maps on a 50 x 50 grid, 10 x 10 for each neuron
    assert pg.heatmap.shape == (50, 50) and pg.view.network["density"] == 50
    assert len(pg.view.thumbs) == sum(pg.net.sizes) * 10 * 10
    xs = np.linspace(-6, 6, 50)
    F = np.column_stack([np.tile(xs, 50), np.repeat(xs[::-1], 50)])
    np.testing.assert_allclose(pg.heatmap.ravel(), pg.net.predict(F)[:, 0], atol=1e-12)
    pg.controls["no_limits"].value = False          # back to the caps: the layout is clipped
    assert pg.net.sizes == [2] + [8] * 6 + [1] and pg.epoch == 0


def test_step_advances_epoch_and_changes_what_is_drawn(pg):
    heat0, thumbs0, frame0 = pg.view.heat, pg.view.thumbs, pg.view.frame
    assert pg.step() is True
    assert pg.epoch == 1 and len(pg.train_losses) == 2
    pg.step(epochs=4)
    assert pg.epoch == 5 and len(pg.test_losses) == 6
    assert pg.view.heat != heat0 and pg.view.thumbs != thumbs0 and pg.view.frame > frame0
    assert pg.view.readout["epoch"] == 5
    assert pg.view.readout["test_loss"] == pytest.approx(pg.test_losses[-1])
    curve = np.frombuffer(pg.view.curve).reshape(-1, 3)
    np.testing.assert_array_equal(curve[:, 0], np.arange(6))
    np.testing.assert_allclose(curve[:, 1], pg.train_losses)
    np.testing.assert_allclose(curve[:, 2], pg.test_losses)


def test_loss_curve_keeps_at_most_500_epochs_and_the_last(pg):
    pg.step(620, redraw=False)
    pg.step()
    curve = np.frombuffer(pg.view.curve).reshape(-1, 3)
    assert len(curve) <= 500 and curve[-1, 0] == 621 and curve[0, 0] == 0
    epochs = curve[:, 0].astype(int)
    np.testing.assert_allclose(curve[:, 2], np.asarray(pg.test_losses)[epochs])


def test_step_and_reset_buttons(pg):
    pg.step_button.click()
    pg.step_button.click()
    assert pg.epoch == 2
    w_trained = weights_of(pg)
    pg.reset_button.click()
    assert pg.epoch == 0 and len(pg.train_losses) == 1
    assert not same_weights(w_trained, weights_of(pg))
    assert same_weights(weights_of(pg), weights_of(Playground(seed=3)))


def test_heatmap_and_neuron_maps_are_the_network_on_the_grid(pg):
    pg.step(3)
    rows, cols = np.meshgrid(np.arange(100), np.arange(100), indexing="ij")
    P = np.column_stack([(-6 + 12 * cols / 99).ravel(), (6 - 12 * rows / 99).ravel()])
    F = toydata.features(P, ["x1", "x2"])
    np.testing.assert_allclose(pg.heatmap, pg.net.predict(F).reshape(100, 100), rtol=1e-10,
                               atol=1e-12)
    a1 = np.tanh(F @ pg.net.weights[0].T + pg.net.biases[0].T)         # layer 1 by hand
    np.testing.assert_allclose(pg.neuron_map(1, 2), a1[:, 2].reshape(100, 100), atol=1e-12)
    np.testing.assert_allclose(pg.neuron_map(0, 1), F[:, 1].reshape(100, 100) / 6)


def test_hovering_a_neuron_shows_it_in_the_large_map(pg):
    browser_says(pg, type="hover", neuron=[1, 2])
    assert pg.shown == (1, 2) and pg.view.heat_info["label"] == "layer 1, neuron 3"
    np.testing.assert_array_equal(np.frombuffer(pg.view.heat, np.uint8),
                                  quantize(pg.neuron_map(1, 2)).ravel())
    pg.step()                                      # while playing, the hovered map follows
    np.testing.assert_array_equal(np.frombuffer(pg.view.heat, np.uint8),
                                  quantize(pg.neuron_map(1, 2)).ravel())
    browser_says(pg, type="hover", neuron=[0, 0])
    assert pg.view.heat_info["label"] == "input x1"
    browser_says(pg, type="hover", neuron=None)
    assert pg.shown is None and pg.view.heat_info["label"] == "output"
    browser_says(pg, type="hover", neuron=[1, 9])
    assert pg.shown is None and "i must be" in pg.message


def test_clicking_a_link_sets_the_weight_and_redraws(pg):
    pg.step(2)
    heat = pg.view.heat
    browser_says(pg, type="set_weight", layer=0, to=1, **{"from": 0}, value=3.25)
    assert pg.net.weights[0][1, 0] == 3.25 and pg.epoch == 2
    assert pg.view.heat != heat
    assert np.frombuffer(pg.view.params)[1 * 2 + 0] == 3.25     # w^0 row by row
    F_test = toydata.features(pg.X_test, ["x1", "x2"])
    assert pg.test_losses[-1] == pytest.approx(pg.net.total_cost(F_test, pg.y_test), rel=1e-12)
    assert len(pg.test_losses) == 3                 # this epoch's numbers, replaced
    browser_says(pg, type="set_bias", layer=2, to=0, value=-0.75)
    assert pg.net.biases[2][0, 0] == -0.75
    events = json.loads(pg.to_json())["events"]
    assert events == [{"epoch": 2, "weight": [0, 1, 0], "value": 3.25},
                      {"epoch": 2, "bias": [2, 0], "value": -0.75}]


@pytest.mark.parametrize("content, word", [
    ({"type": "set_weight", "layer": 0, "to": 1, "from": 0, "value": float("nan")}, "value"),
    ({"type": "set_weight", "layer": 0, "to": 1, "from": 0, "value": "abc"}, "value"),
    ({"type": "set_weight", "layer": 0, "to": 1, "from": 0, "value": 1e9}, "value"),
    ({"type": "set_weight", "layer": 3, "to": 0, "from": 0, "value": 1.0}, "layer"),
    ({"type": "set_weight", "layer": 0, "to": 4, "from": 0, "value": 1.0}, "to"),
    ({"type": "set_bias", "layer": 0, "to": 0}, "value"),
])
def test_bad_edits_from_the_browser_change_nothing(pg, content, word):
    before, json_before = weights_of(pg), pg.to_json()
    pg.view._handle_custom_msg(content, [])
    assert same_weights(before, weights_of(pg)) and pg.to_json() == json_before
    assert pg.message.startswith("Not changed") and word in pg.message
    assert pg.view.readout["message"] == pg.message


def test_readouts_agree_with_network_cost_and_accuracy(pg):
    pg.step(10)
    F_test = toydata.features(pg.X_test, ["x1", "x2"])
    F_train = toydata.features(pg.X_train, ["x1", "x2"])
    assert pg.test_losses[-1] == pytest.approx(pg.net.total_cost(F_test, pg.y_test), rel=1e-10)
    assert pg.train_losses[-1] == pytest.approx(pg.net.total_cost(F_train, pg.y_train), rel=1e-10)
    assert pg.test_accuracies[-1] == pytest.approx(pg.net.accuracy(F_test, pg.y_test))
    # the confusion matrix counts the same test points
    out = pg.net.predict(F_test)[:, 0]
    truth, guess = pg.y_test > 0, out > 0
    expected = [[np.sum(~truth & ~guess), np.sum(~truth & guess)],
                [np.sum(truth & ~guess), np.sum(truth & guess)]]
    assert pg.view.confusion == expected
    assert np.trace(expected) / len(pg.y_test) == pytest.approx(pg.test_accuracies[-1])


def test_cross_entropy_option_uses_sigmoid_output_and_learns():
    pg = Playground(dataset="gauss", loss="cross-entropy", seed=1)
    assert pg.net.output == "sigmoid" and pg.net.cost == "cross-entropy"
    pg.step(20)
    F_test = toydata.features(pg.X_test, ["x1", "x2"])
    t = (pg.y_test + 1) / 2
    assert pg.test_losses[-1] == pytest.approx(pg.net.total_cost(F_test, t), rel=1e-9)
    assert pg.test_losses[-1] < 0.5 * pg.test_losses[0]
    assert pg.test_accuracies[-1] > 0.95
    assert np.all(np.abs(pg.heatmap) <= 1.0)          # shown on the +-1 scale: 2 a - 1


@pytest.mark.parametrize("activation", ["elu", "swish", "relu", "sigmoid"])
def test_every_activation_of_the_shared_table_trains(activation):
    pg = Playground(dataset="gauss", activation=activation, seed=2, learning_rate=0.1)
    assert pg.net.activation == activation
    pg.step(30)
    assert pg.test_losses[-1] < 0.5 * pg.test_losses[0]
    # the hidden neurons are the table's function (one neuron by hand)
    F = pg.F_grid[:7]
    z = F @ pg.net.weights[0].T + pg.net.biases[0].T
    np.testing.assert_allclose(pg.grid_outputs()[0][:7], activations.get(activation).fn(z),
                               atol=1e-12)


def test_in_place_controls_keep_training_the_rest_start_over(pg):
    pg.step(5)
    before = weights_of(pg)
    pg.controls["learning_rate"].value = 0.1
    pg.controls["momentum"].value = 0.9
    assert pg.epoch == 5 and same_weights(before, weights_of(pg))
    assert pg.state["learning_rate"] == 0.1 and pg.state["momentum"] == 0.9
    pg.step()
    assert pg.epoch == 6
    heat = pg.view.heat
    pg.controls["discretize"].value = True           # view toggles: no reset
    pg.controls["show_test"].value = True
    pg.controls["stop_accuracy"].value = 0.99
    assert pg.epoch == 6 and pg.view.discretize and pg.view.show_test and pg.view.heat == heat
    assert pg.state["stop_accuracy"] == 0.99
    for key, value in [("activation", "elu"), ("batch_size", 5), ("regularization", "L2"),
                       ("reg_rate", 0.01), ("noise_percent", 20), ("train_percent", 70),
                       ("seed", 11), ("loss", "cross-entropy")]:
        pg.controls["stop_accuracy"].value = 0.0
        pg.step(2)
        assert pg.epoch > 0
        pg.controls[key].value = value
        assert pg.epoch == 0, key
        assert pg.state[key] == value
    assert len(pg.X_train) == 350


def test_data_controls_regenerate_the_data(pg):
    X0, y0 = pg.X_train.copy(), pg.y_train.copy()
    pg.controls["noise_percent"].value = 30
    np.testing.assert_array_equal(X0, pg.X_train)      # circle: noise flips labels only
    assert 0 < np.sum(y0 != pg.y_train) < 0.5 * len(y0)
    pg.controls["dataset"].value = "spiral"
    Xs, _ = toydata.make_dataset("spiral", noise=0.3, seed=pg._seed(0))
    assert sorted(map(tuple, np.concatenate([pg.X_train, pg.X_test]))) == sorted(map(tuple, Xs))
    seed = pg.state["seed"]
    pg.regen_button.click()
    assert pg.state["seed"] == seed + 1 and pg.controls["seed"].value == seed + 1
    pg.controls["problem"].value = "regression"
    assert pg.state["dataset"] == "reg-plane" and pg.net.output == "linear"
    assert len(pg.X_train) + len(pg.X_test) == 1200
    assert pg.test_accuracies[-1] is None and pg.view.confusion == []
    assert pg.controls["loss"].disabled


def test_multi_class_problem_uses_softmax_and_colours_by_class(pg):
    pg.controls["problem"].value = "multi-class"
    assert pg.state["dataset"] == "blobs-3" and pg.state["loss"] == "cross-entropy"
    assert pg.net.sizes == [2, 4, 2, 3] and pg.net.output == "softmax"
    assert pg.controls["loss"].disabled
    pg.step(40)
    assert pg.test_accuracies[-1] > 0.9
    assert pg.heatmap.shape == (100, 100, 3)
    np.testing.assert_allclose(pg.heatmap.sum(axis=2), 1.0)
    assert pg.view.heat_info["kind"] == "classes" and len(pg.view.heat) == 3 * 100 * 100
    np.testing.assert_array_equal(np.frombuffer(pg.view.heat, np.uint8).reshape(100, 100, 3),
                                  quantize(pg.heatmap, signed=False))
    assert pg.view.network["colours"][:2] == ["#f59322", "#0877bd"]
    confusion = np.array(pg.view.confusion)
    assert confusion.shape == (3, 3) and confusion.sum() == len(pg.y_test)
    guess = np.argmax(pg.predict(pg.X_test), axis=1)
    assert confusion[1, 2] == np.sum((pg.y_test == 1) & (guess == 2))
    browser_says(pg, type="hover", neuron=[3, 2])
    assert pg.view.heat_info == {"kind": "class", "cls": 2, "label": "output: class 2"}
    pg.controls["dataset"].value = "quadrants-4"
    assert pg.net.sizes[-1] == 4


def test_features_cannot_all_be_switched_off(pg):
    pg.controls["features"]["x1"].value = False
    assert pg.net.sizes[0] == 1
    pg.controls["features"]["x2"].value = False
    assert pg.net.sizes[0] == 1 and pg.controls["features"]["x2"].value is True
    assert "at least one input" in pg.message


def nn_ts_epochs(W, B, X, y, lr, rate, reg, epochs, momentum=0.0):
    """The original's nn.ts, point by point (forwardProp, backProp, updateWeights), with the
    whole training set as one mini-batch; momentum added as v -> mu v - step, w -> w + v."""
    W = [w.copy() for w in W]
    B = [b.copy().reshape(-1) for b in B]
    vW = [np.zeros_like(w) for w in W]
    vB = [np.zeros_like(b) for b in B]
    for _ in range(epochs):
        accW = [np.zeros_like(w) for w in W]
        accB = [np.zeros_like(b) for b in B]
        for i in range(len(X)):
            a, zs, acts = X[i], [], [X[i]]
            for k in range(len(W)):
                z = W[k] @ a + B[k]
                a = np.tanh(z)                       # tanh hidden and output
                zs.append(z)
                acts.append(a)
            out_der = acts[-1] - y[i]                # SQUARE error derivative
            for k in range(len(W) - 1, -1, -1):
                input_der = out_der * (1 - np.tanh(zs[k]) ** 2)
                accB[k] += input_der
                accW[k] += np.outer(input_der, acts[k])
                out_der = W[k].T @ input_der
        n = len(X)
        for k in range(len(W)):
            reg_der = {"L2": W[k], "L1": np.sign(W[k]), "none": 0 * W[k]}[reg]
            stepB, stepW = lr * accB[k] / n, lr / n * accW[k] + lr * rate * reg_der
            vB[k], vW[k] = momentum * vB[k] - stepB, momentum * vW[k] - stepW
            B[k], W[k] = B[k] + vB[k], W[k] + vW[k]
    return W, B


@pytest.mark.parametrize("reg, rate, momentum", [("none", 0.0, 0.0), ("L2", 0.03, 0.0),
                                                 ("L1", 0.001, 0.0), ("none", 0.0, 0.9),
                                                 ("L2", 0.01, 0.5)])
def test_training_rule_is_the_originals_and_momentum_carries_over(reg, rate, momentum):
    rng = np.random.default_rng(0)
    X = rng.uniform(-6, 6, (40, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    pg = Playground(data=(X, y), hidden=(3, 2), batch_size=30, train_percent=50,
                    regularization=reg, reg_rate=rate, learning_rate=0.1, momentum=momentum,
                    seed=2)
    assert len(pg.X_train) == 20
    W0, B0 = [w.copy() for w in pg.net.weights], [b.copy() for b in pg.net.biases]
    for _ in range(3):
        pg.step()                                   # three calls: the velocity carries over
    W_ref, B_ref = nn_ts_epochs(W0, B0, pg.X_train, pg.y_train, 0.1, rate, reg, 3, momentum)
    for w, wr in zip(pg.net.weights, W_ref):
        np.testing.assert_allclose(w, wr, rtol=1e-10, atol=1e-12)
    for b, br in zip(pg.net.biases, B_ref):
        np.testing.assert_allclose(b.reshape(-1), br, rtol=1e-10, atol=1e-12)


def test_stop_when_test_accuracy_reaches_the_target():
    pg = Playground(dataset="gauss", seed=1, stop_accuracy=0.95)
    assert pg.step(500) is True
    reached = [k for k, a in enumerate(pg.test_accuracies) if a >= 0.95]
    assert 0 < pg.epoch < 500 and reached[0] == pg.epoch       # stopped at the first one
    assert "reached the target 95 %" in pg.message and pg.stopped_by == "target"
    pg.step(3)                                   # once reached, training goes on
    assert pg.epoch == reached[0] + 3
    pg.fps = 500.0
    pg.controls["stop_accuracy"].value = 0.8    # a new target re-arms the stop: play pauses
    pg.play()
    pg._thread.join(timeout=30)
    assert not pg.playing and pg.epoch == reached[0] + 4


def test_quantize_for_the_colour_table():
    q = quantize(np.array([-5.0, -1.0, 0.0, 1.0, 3.0, np.nan]))
    assert q.tolist() == [0, 0, 128, 255, 255, 128]
    assert quantize(np.array([0.0, 0.5, 1.0, 2.0]), signed=False).tolist() == [0, 128, 255, 255]
