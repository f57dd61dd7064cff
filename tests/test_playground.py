"""The playground widget driven without a browser: controls, training, drawing, state, guards.

References used: ``Network.predict`` / ``total_cost`` (for the map and the readouts), a literal
per-sample transcription of TensorFlow Playground's ``nn.ts`` update (for the training rule with
regularisation), matplotlib's PNG reader (for the PNG encoder), and numpy's own .npz reader.
"""

import asyncio
import io
import json
import time

import matplotlib.image as mpimg
import numpy as np
import pytest

from nnlib import toydata
from nnlib.playground import (LEARNING_RATES, Playground, colorize, png_bytes)


def weights_of(pg):
    return [w.copy() for w in pg.net.weights] + [b.copy() for b in pg.net.biases]


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.fixture
def pg():
    return Playground(seed=3)


# ----------------------------------------------------------------------------------------------
def test_default_playground_matches_the_original_start_page(pg):
    assert pg.net.sizes == [2, 4, 2, 1]
    assert pg.state["dataset"] == "circle" and pg.state["learning_rate"] == 0.03
    assert pg.state["batch_size"] == 10 and pg.state["activation"] == "tanh"
    assert len(pg.X_train) == 250 and len(pg.X_test) == 250
    assert pg.epoch == 0 and len(pg.train_losses) == 1 and len(pg.test_accuracies) == 1
    assert pg.heatmap.shape == (100, 100)
    # the original's initialisation: weights uniform in [-0.5, 0.5], biases 0.1
    assert all(np.all(np.abs(w) <= 0.5) for w in pg.net.weights)
    assert all(np.all(b == 0.1) for b in pg.net.biases)
    assert pg.net.output == "tanh" and pg.net.cost == "quadratic"


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
    assert pg.net.sizes == [2] + [2] * 6 + [1]          # layers added back start with 2
    pg.controls["features"]["x1^2"].value = True
    pg.controls["features"]["sin(x2)"].value = True
    assert pg.net.sizes[0] == 4
    assert pg.state["features"] == ["x1", "x2", "x1^2", "sin(x2)"]
    # the diagram shows one link per weight
    n_links = sum(w.size for w in pg.net.weights)
    assert pg.diagram_svg.count("<path") == n_links


def test_step_advances_epoch_and_changes_map_and_diagram(pg):
    heat0, png0, svg0 = pg.heatmap.copy(), pg.heatmap_png, pg.diagram_svg
    epoch_html0 = pg._epoch_w.value
    assert pg.step() is True
    assert pg.epoch == 1 and len(pg.train_losses) == 2
    pg.step(epochs=4)
    assert pg.epoch == 5 and len(pg.test_losses) == 6
    assert np.abs(pg.heatmap - heat0).max() > 1e-3
    assert pg.heatmap_png != png0 and pg._heatmap_w.value == pg.heatmap_png
    assert pg.diagram_svg != svg0 and pg._diagram_w.value == pg.diagram_svg
    assert pg._epoch_w.value != epoch_html0 and "000,005" in pg._epoch_w.value


def test_step_and_reset_buttons(pg):
    pg.step_button.click()
    pg.step_button.click()
    assert pg.epoch == 2
    w_trained = weights_of(pg)
    pg.reset_button.click()
    assert pg.epoch == 0 and len(pg.train_losses) == 1
    assert not same_weights(w_trained, weights_of(pg))
    # reset is reproducible: same seed, same starting weights
    assert same_weights(weights_of(pg), weights_of(Playground(seed=3)))


def test_heatmap_is_the_network_output_on_the_grid(pg):
    pg.step(3)
    rows, cols = np.meshgrid(np.arange(100), np.arange(100), indexing="ij")
    x1 = -6 + 12 * cols / 99            # column 0 at the left edge x1 = -6
    x2 = 6 - 12 * rows / 99             # row 0 at the top edge x2 = +6
    P = np.column_stack([x1.ravel(), x2.ravel()])
    expected = pg.net.predict(toydata.features(P, ["x1", "x2"])).reshape(100, 100)
    np.testing.assert_allclose(pg.heatmap, expected, rtol=1e-10, atol=1e-12)


def test_readouts_agree_with_network_cost_and_accuracy(pg):
    pg.step(10)
    F_test = toydata.features(pg.X_test, ["x1", "x2"])
    F_train = toydata.features(pg.X_train, ["x1", "x2"])
    assert pg.test_losses[-1] == pytest.approx(pg.net.total_cost(F_test, pg.y_test), rel=1e-10)
    assert pg.train_losses[-1] == pytest.approx(pg.net.total_cost(F_train, pg.y_train), rel=1e-10)
    assert pg.test_accuracies[-1] == pytest.approx(pg.net.accuracy(F_test, pg.y_test))
    assert "Test accuracy" in pg._readout_w.value


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


def test_learning_rate_change_keeps_training_other_controls_reset(pg):
    pg.step(5)
    before = weights_of(pg)
    pg.controls["learning_rate"].value = 0.1
    assert pg.epoch == 5 and same_weights(before, weights_of(pg))
    assert pg.state["learning_rate"] == 0.1
    pg.step()
    assert pg.epoch == 6
    # view toggles redraw but do not reset
    png = pg.heatmap_png
    pg.controls["discretize"].value = True
    assert pg.epoch == 6 and pg.heatmap_png != png
    pg.controls["show_test"].value = True
    assert pg.epoch == 6
    # every other control starts over
    for key, value in [("activation", "relu"), ("batch_size", 5), ("regularization", "L2"),
                       ("reg_rate", 0.01), ("noise_percent", 20), ("train_percent", 70),
                       ("seed", 11), ("loss", "cross-entropy")]:
        pg.step(2)
        assert pg.epoch > 0
        pg.controls[key].value = value
        assert pg.epoch == 0, key
        assert pg.state[key] == value
    assert len(pg.X_train) == 350


def test_data_controls_regenerate_the_data(pg):
    X0, y0 = pg.X_train.copy(), pg.y_train.copy()
    pg.controls["noise_percent"].value = 30
    # circle: noise flips labels near the boundary, the points stay (as in the original)
    np.testing.assert_array_equal(X0, pg.X_train)
    assert 0 < np.sum(y0 != pg.y_train) < 0.5 * len(y0)
    pg.controls["dataset"].value = "spiral"
    Xs, ys = toydata.make_dataset("spiral", noise=0.3, seed=pg._seed(0))
    assert sorted(map(tuple, np.concatenate([pg.X_train, pg.X_test]))) == sorted(map(tuple, Xs))
    seed = pg.state["seed"]
    pg.regen_button.click()
    assert pg.state["seed"] == seed + 1 and pg.controls["seed"].value == seed + 1
    pg.controls["problem"].value = "regression"
    assert pg.state["dataset"] == "reg-plane" and pg.net.output == "linear"
    assert len(pg.X_train) + len(pg.X_test) == 1200
    assert pg.test_accuracies[-1] is None
    assert pg.controls["loss"].disabled


def test_features_cannot_all_be_switched_off(pg):
    pg.controls["features"]["x1"].value = False
    assert pg.net.sizes[0] == 1
    pg.controls["features"]["x2"].value = False
    assert pg.net.sizes[0] == 1 and pg.controls["features"]["x2"].value is True
    assert "at least one input" in pg.message


def nn_ts_epoch(W, B, X, y, lr, rate, reg, batch, act):
    """One epoch of the original's nn.ts, point by point (forwardProp, backProp, updateWeights)."""
    f, fp = {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}[act]
    W = [w.copy() for w in W]
    B = [b.copy().reshape(-1) for b in B]
    accW = [np.zeros_like(w) for w in W]
    accB = [np.zeros_like(b) for b in B]
    count = 0
    for i in range(len(X)):
        a, zs, acts = X[i], [], [X[i]]
        for k in range(len(W)):
            z = W[k] @ a + B[k]
            a = np.tanh(z)                       # tanh hidden and output
            zs.append(z)
            acts.append(a)
        out_der = acts[-1] - y[i]                # SQUARE error derivative
        for k in range(len(W) - 1, -1, -1):
            input_der = out_der * fp(zs[k])
            accB[k] += input_der
            accW[k] += np.outer(input_der, acts[k])
            out_der = W[k].T @ input_der
        count += 1
        if (i + 1) % batch == 0:
            for k in range(len(W)):
                reg_der = {"L2": W[k], "L1": np.sign(W[k]), "none": 0 * W[k]}[reg]
                B[k] -= lr * accB[k] / count
                W[k] = W[k] - lr / count * accW[k] - lr * rate * reg_der
                accW[k][:] = 0
                accB[k][:] = 0
            count = 0
    return W, B


@pytest.mark.parametrize("reg, rate", [("none", 0.0), ("L2", 0.03), ("L1", 0.001)])
def test_training_rule_is_the_originals(reg, rate):
    # one mini-batch holding the whole training set: the result does not depend on the order
    rng = np.random.default_rng(0)
    X = rng.uniform(-6, 6, (40, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    pg = Playground(data=(X, y), hidden=(3, 2), batch_size=30, train_percent=50,
                    regularization=reg, reg_rate=rate, learning_rate=0.1, seed=2)
    assert len(pg.X_train) == 20 and pg.state["batch_size"] == 30
    W0 = [w.copy() for w in pg.net.weights]
    B0 = [b.copy() for b in pg.net.biases]
    pg.step()
    W_ref, B_ref = nn_ts_epoch(W0, B0, pg.X_train, pg.y_train, 0.1, rate, reg, 20, "tanh")
    for w, wr in zip(pg.net.weights, W_ref):
        np.testing.assert_allclose(w, wr, rtol=1e-10, atol=1e-12)
    for b, br in zip(pg.net.biases, B_ref):
        np.testing.assert_allclose(b.reshape(-1), br, rtol=1e-10, atol=1e-12)


def test_json_round_trip_restores_state_and_replays_training():
    pg = Playground(seed=5, dataset="xor", hidden=(3, 5, 2), activation="relu",
                    learning_rate=0.01, regularization="L1", reg_rate=0.003, batch_size=7,
                    noise_percent=15, train_percent=60, features=("x1", "x2", "x1x2"),
                    discretize=True, show_test=True)
    s = pg.to_json()
    assert json.loads(s)["hidden"] == [3, 5, 2]
    pg2 = Playground.from_json(s)
    assert pg2.state == pg.state
    np.testing.assert_array_equal(pg2.X_train, pg.X_train)
    assert same_weights(weights_of(pg2), weights_of(pg))
    pg.step(3)
    pg2.step(3)
    assert same_weights(weights_of(pg2), weights_of(pg))
    # load_json into an existing widget: controls follow, training starts over
    pg3 = Playground()
    pg3.step(2)
    pg3.load_json(s)
    assert pg3.state == pg.state and pg3.epoch == 0
    assert pg3.controls["neurons"][1].value == 5 and pg3.controls["layers"].value == 3
    assert pg3.controls["features"]["x1x2"].value is True
    assert pg3.controls["learning_rate"].value == 0.01


def test_json_round_trip_with_own_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2)) * 3
    y = np.sin(X[:, 0])                                   # real values: regression
    pg = Playground(data=(X, y), seed=4)
    assert pg.state["problem"] == "regression" and pg.state["dataset"] == "custom"
    assert pg.net.output == "linear"
    pg2 = Playground.from_json(pg.to_json())
    assert pg2.state == pg.state
    np.testing.assert_allclose(pg2.X_train, pg.X_train)
    assert pg.controls["dataset"].disabled and pg.controls["noise_percent"].disabled


def test_own_data_with_01_labels_is_classification():
    rng = np.random.default_rng(2)
    X = rng.uniform(-3, 3, (80, 2))
    y = (X[:, 0] > 0).astype(int)
    pg = Playground(data=(X, y))
    assert pg.state["problem"] == "classification"
    assert set(np.unique(np.concatenate([pg.y_train, pg.y_test]))) == {-1.0, 1.0}
    pg.step(30)
    assert pg.test_accuracies[-1] > 0.9


def test_divergence_stops_with_a_visible_message():
    pg = Playground(dataset="reg-plane", activation="linear", hidden=(8, 8, 8),
                    learning_rate=10, seed=0)
    ok = [pg.step() for _ in range(20)]
    assert False in ok
    assert pg.diverged and not pg.playing
    assert "diverged" in pg.message and "diverged" in pg._message_w.value
    epoch = pg.epoch
    assert pg.step() is False and pg.epoch == epoch
    assert np.all(np.isfinite(pg.heatmap))               # the last finite picture stays
    pg.play()
    assert not pg.playing                                 # nothing to play until reset
    pg.controls["learning_rate"].value = 0.001
    pg.reset_button.click()
    assert not pg.diverged and pg.message == "" and pg.step()


def test_play_and_pause_in_a_thread(pg):
    pg.fps = 200.0
    pg.play()
    assert pg.playing and pg.play_button.description == "pause"
    deadline = time.time() + 30
    while pg.epoch < 3 and time.time() < deadline:
        time.sleep(0.01)
    pg.pause()
    pg._thread.join(timeout=10)
    assert pg.epoch >= 3 and not pg.playing
    assert pg.play_button.description == "play"
    epoch = pg.epoch
    time.sleep(0.05)
    assert pg.epoch == epoch


def test_play_and_pause_on_an_asyncio_loop(pg):
    pg.fps = 200.0

    async def main():
        pg.play()
        assert pg._task is not None and pg._thread is None
        for _ in range(3000):
            if pg.epoch >= 3:
                break
            await asyncio.sleep(0.005)
        pg.play_button.click()                     # the button pauses while playing
        await asyncio.wait_for(pg._task, 10)

    asyncio.run(main())
    assert pg.epoch >= 3 and not pg.playing


def test_export_weights_npz(tmp_path, pg):
    pg.step(4)
    path = pg.export_weights(tmp_path / "w.npz")
    with np.load(path, allow_pickle=False) as f:
        sizes = list(f["sizes"])
        assert sizes == pg.net.sizes
        assert list(f["features"]) == ["x1", "x2"] and str(f["activation"]) == "tanh"
        assert int(f["epoch"]) == 4
        a = toydata.features(pg.X_test, list(f["features"]))
        for k in range(len(sizes) - 1):
            a = np.tanh(a @ f[f"W{k}"].T + f[f"b{k}"].reshape(1, -1))
        np.testing.assert_allclose(a.reshape(-1), pg.predict(pg.X_test), rtol=1e-12)
        assert Playground.from_json(str(f["state"])).state == pg.state
    assert not [p for p in tmp_path.iterdir() if p.name != "w.npz"]     # no temp files left
    pg._offer_download()
    assert "download" in pg._download_w.value and "base64," in pg._download_w.value


def test_png_encoder_round_trip_and_colours():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (7, 13, 3), dtype=np.uint8)
    back = mpimg.imread(io.BytesIO(png_bytes(img)), format="png")
    np.testing.assert_array_equal(np.rint(back[..., :3] * 255).astype(np.uint8), img)
    c = colorize(np.array([-5.0, -1.0, 0.0, 1.0, 3.0, np.nan]))
    assert c[0].tolist() == c[1].tolist() == [245, 147, 34]      # clamped orange
    assert c[2].tolist() == [232, 234, 235]
    assert c[3].tolist() == c[4].tolist() == [8, 119, 189]
    assert c[5].tolist() == [232, 234, 235]
    half = colorize(np.array([0.5]))[0].astype(int)
    np.testing.assert_allclose(half, (np.array([232, 234, 235]) + [8, 119, 189]) / 2, atol=1)


def test_heatmap_image_is_the_network_map_with_points(pg):
    img = mpimg.imread(io.BytesIO(pg.heatmap_png), format="png")
    assert img.shape[:2] == (300, 300)
    # a pixel far from all points has the colour of the map there
    P = 300
    px = np.rint((pg.X_train[:, 0] + 6) / 12 * (P - 1))
    py = np.rint((6 - pg.X_train[:, 1]) / 12 * (P - 1))
    for r, c in [(5, 5), (150, 150), (290, 10)]:
        if np.min((px - c) ** 2 + (py - r) ** 2) > 50:
            x1, x2 = -6 + 12 * (c + 0.5) / P, 6 - 12 * (r + 0.5) / P
            v = pg.predict(np.array([[x1, x2]]))
            expected = colorize(v)[0]
            np.testing.assert_allclose(img[r, c, :3] * 255, expected, atol=12)


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"learning_rate": 0.05}, ValueError, "learning_rate"),
    ({"hidden": (9,)}, ValueError, "hidden"),
    ({"hidden": (1,) * 7}, ValueError, "hidden"),
    ({"batch_size": 31}, ValueError, "batch_size"),
    ({"batch_size": 2.0}, TypeError, "batch_size"),
    ({"noise_percent": 60}, ValueError, "noise_percent"),
    ({"dataset": "moons"}, ValueError, "dataset"),
    ({"dataset": "reg-plane", "loss": "cross-entropy"}, ValueError, "cross-entropy"),
    ({"features": ("x3",)}, ValueError, "features"),
    ({"activation": "softmax"}, ValueError, "activation"),
    ({"seed": -1}, ValueError, "seed"),
    ({"data": (np.zeros((10, 3)), np.zeros(10))}, ValueError, "data"),
    ({"data": (np.zeros((10, 2)), np.zeros(9))}, ValueError, "data"),
    ({"data": np.zeros((10, 2))}, TypeError, "data"),
])
def test_bad_settings_are_refused_clearly(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        Playground(**kwargs)


def test_bad_json_is_refused_clearly(pg):
    with pytest.raises(ValueError, match="JSON"):
        Playground.from_json("{not json")
    with pytest.raises(ValueError, match="unknown key"):
        Playground.from_json(json.dumps({"colour": "red"}))
    with pytest.raises(ValueError, match="learning_rate"):
        pg.load_json(json.dumps({"learning_rate": 0.5}))
    assert pg.state["learning_rate"] == 0.03                  # unchanged after a refused load


def test_all_learning_rates_are_offered(pg):
    assert [v for _, v in pg.controls["learning_rate"].options] == list(LEARNING_RATES)
