"""The playground's state and guards: JSON round trips (replaying the changes made during a run),
weight export, the play loop, divergence, and the refusal of bad settings and bad JSON.

References: a second playground built from the JSON (it must land on the same weights), numpy's
.npz reader with a forward pass written out here, and ``nnlib.core.activations``.  The controls, the
training rule and the view's arrays are tested in tests/test_playground.py.
"""

import asyncio
import json
import time

import numpy as np
import pytest

from nnlib import Network
from nnlib.core import activations
from nnlib.studies import toydata
from nnlib.widgets.playground import Playground


def weights_of(pg):
    return [w.copy() for w in pg.net.weights] + [b.copy() for b in pg.net.biases]


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.fixture
def pg():
    return Playground(seed=3)


def test_json_round_trip_restores_state_and_replays_training():
    pg = Playground(seed=5, dataset="xor", hidden=(3, 5, 2), activation="swish",
                    learning_rate=0.01, momentum=0.5, regularization="L1", reg_rate=0.003,
                    batch_size=7, noise_percent=15, train_percent=60,
                    features=("x1", "x2", "x1x2"), discretize=True, show_test=True)
    s = pg.to_json()
    assert json.loads(s)["hidden"] == [3, 5, 2] and json.loads(s)["version"] == 2
    pg2 = Playground.from_json(s)
    assert pg2.state == pg.state
    np.testing.assert_array_equal(pg2.X_train, pg.X_train)
    assert same_weights(weights_of(pg2), weights_of(pg))
    pg.step(3)
    pg2.step(3)
    assert same_weights(weights_of(pg2), weights_of(pg))
    pg3 = Playground()
    pg3.step(2)
    pg3.load_json(s)
    assert pg3.state == pg.state and pg3.epoch == 0
    assert pg3.controls["neurons"][1].value == 5 and pg3.controls["layers"].value == 3
    assert pg3.controls["features"]["x1x2"].value is True
    assert pg3.controls["learning_rate"].value == 0.01 and pg3.controls["momentum"].value == 0.5


def test_json_replays_the_changes_made_during_training():
    pg = Playground(seed=7, dataset="spiral", hidden=(6, 4), learning_rate=0.03)
    pg.step(4)
    pg.set_weight(0, 2, 1, 1.5)
    pg.step(3)
    pg.set_learning_rate(0.1)
    pg.set_momentum(0.9)
    pg.step(2)
    pg.set_bias(1, 3, -0.4)
    pg.controls["momentum"].value = 0.5
    pg.step(5)
    s = pg.to_json()
    assert len(json.loads(s)["events"]) == 5 and json.loads(s)["learning_rate"] == 0.03
    copy = Playground.from_json(s)
    assert copy.to_json() == s                  # not yet replayed, the same run
    copy.step(14)                               # one call: it stops at each change
    assert copy.epoch == 14 and copy.state == pg.state
    assert same_weights(weights_of(copy), weights_of(pg))
    np.testing.assert_array_equal(copy.test_losses, pg.test_losses)
    assert copy.to_json() == s
    # a change by hand ends the replay: the rest of the recording is dropped
    other = Playground.from_json(s)
    other.step(5)
    other.controls["learning_rate"].value = 1.0
    assert [e["epoch"] for e in json.loads(other.to_json())["events"]] == [4, 5]


def test_version_1_state_still_loads():
    old = {"activation": "relu", "batch_size": 10, "dataset": "xor", "discretize": False,
           "features": ["x1", "x2"], "hidden": [4], "learning_rate": 0.03, "loss": "square",
           "noise_percent": 0, "problem": "classification", "reg_rate": 0.0,
           "regularization": "none", "seed": 4, "show_test": False, "train_percent": 50,
           "version": 1}
    pg = Playground.from_json(json.dumps(old))
    assert pg.net.sizes == [2, 4, 1] and pg.state["momentum"] == 0.0
    assert same_weights(weights_of(pg), weights_of(Playground(seed=4, dataset="xor",
                                                              hidden=(4,), activation="relu")))


def test_json_round_trip_with_own_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2)) * 3
    pg = Playground(data=(X, np.sin(X[:, 0])), seed=4)            # real values: regression
    assert pg.state["problem"] == "regression" and pg.state["dataset"] == "custom"
    assert pg.net.output == "linear"
    pg2 = Playground.from_json(pg.to_json())
    assert pg2.state == pg.state
    np.testing.assert_allclose(pg2.X_train, pg.X_train)
    assert pg.controls["problem"].disabled and pg.controls["noise_percent"].disabled
    names = np.where(X[:, 1] > 0, "north", "south")
    pg3 = Playground(data=(X, names), seed=1)
    assert pg3.classes == ["north", "south"] and pg3.state["problem"] == "classification"
    pg4 = Playground.from_json(pg3.to_json())
    assert pg4.classes == ["north", "south"]
    np.testing.assert_array_equal(pg4.y_test, pg3.y_test)
    # back to a built-in data set from the drop-down
    assert pg3.controls["dataset"].options[0] == "custom"
    pg3.controls["dataset"].value = "xor"
    assert pg3.state["dataset"] == "xor" and pg3._custom is None and len(pg3.X_train) == 250


def test_divergence_stops_with_a_visible_message():
    pg = Playground(dataset="reg-plane", activation="linear", hidden=(8, 8, 8),
                    learning_rate=10, seed=0)
    ok = [pg.step() for _ in range(20)]
    assert False in ok
    assert pg.diverged and not pg.playing
    assert "diverged" in pg.message and pg.view.readout["message"] == pg.message
    epoch = pg.epoch
    assert pg.step() is False and pg.epoch == epoch
    assert np.all(np.isfinite(pg.heatmap)) and np.isfinite(pg.test_losses[-1])
    assert len(pg.test_losses) == epoch + 1
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
    assert pg.epoch >= 3 and not pg.playing and pg.play_button.description == "play"
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
    pg.set_weight(1, 0, 3, -2.0)
    path = pg.export_weights(tmp_path / "w.npz")
    with np.load(path, allow_pickle=False) as f:
        sizes = list(f["sizes"])
        assert sizes == pg.net.sizes and str(f["problem"]) == "classification"
        assert list(f["features"]) == ["x1", "x2"] and str(f["activation"]) == "tanh"
        assert int(f["epoch"]) == 4 and list(f["classes"]) == ["-1", "+1"]
        a = toydata.features(pg.X_test, list(f["features"]))
        for k in range(len(sizes) - 1):
            a = np.tanh(a @ f[f"w{k}"].T + f[f"b{k}"].reshape(1, -1))
        np.testing.assert_allclose(a.reshape(-1), pg.predict(pg.X_test), rtol=1e-12)
        replay = Playground.from_json(str(f["state"]))
        replay.step(4)
        assert same_weights(weights_of(replay), weights_of(pg))
    assert not [p for p in tmp_path.iterdir() if p.name != "w.npz"]     # no temp files left
    # the one file format of a network: Network.load reads the export back
    net = Network.load(path, sizes=pg.net.sizes)
    assert same_weights(net.weights + net.biases, pg.net.weights + pg.net.biases)
    assert (net.activation, net.output) == ("tanh", "tanh")
    pg._offer_download()
    assert "download" in pg._download_w.value and "base64," in pg._download_w.value


def test_export_of_a_multi_class_network(tmp_path):
    pg = Playground(dataset="spiral-3", activation="elu", seed=0)
    pg.step(3)
    with np.load(pg.export_weights(tmp_path / "m.npz")) as f:
        assert str(f["output"]) == "softmax" and list(f["classes"]) == ["0", "1", "2"]
        a = toydata.features(pg.X_test, list(f["features"]))
        for k in range(len(f["sizes"]) - 1):
            z = a @ f[f"w{k}"].T + f[f"b{k}"].reshape(1, -1)
            a = activations.elu(z) if k < len(f["sizes"]) - 2 else activations.softmax(z, axis=1)
        np.testing.assert_allclose(a, pg.predict(pg.X_test), rtol=1e-10)


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"learning_rate": 0.05}, ValueError, "learning_rate"),
    ({"momentum": 0.7}, ValueError, "momentum"),
    ({"momentum": "fast"}, TypeError, "momentum"),
    ({"stop_accuracy": 0.5}, ValueError, "stop_accuracy"),
    ({"hidden": (9,)}, ValueError, "no_limits"),
    ({"hidden": (1,) * 7}, ValueError, "hidden"),
    ({"hidden": (33,), "no_limits": True}, ValueError, "hidden"),
    ({"hidden": (2,) * 11, "no_limits": True}, ValueError, "hidden"),
    ({"no_limits": 1}, TypeError, "no_limits"),
    ({"batch_size": 31}, ValueError, "batch_size"),
    ({"batch_size": 2.0}, ValueError, "batch_size"),
    ({"noise_percent": 60}, ValueError, "noise_percent"),
    ({"dataset": "moons"}, ValueError, "dataset"),
    ({"dataset": "blobs-3", "problem": "classification"}, ValueError, "problem"),
    ({"dataset": "blobs-3", "loss": "square"}, ValueError, "loss"),
    ({"dataset": "reg-plane", "loss": "cross-entropy"}, ValueError, "cross-entropy"),
    ({"features": ("x3",)}, ValueError, "features"),
    ({"activation": "softmax"}, ValueError, "activation"),
    ({"activation": "step"}, ValueError, "activation"),
    ({"seed": -1}, ValueError, "seed"),
    ({"fps": 0}, ValueError, "fps"),
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
    with pytest.raises(ValueError, match="version"):
        Playground.from_json(json.dumps({"version": 9}))
    with pytest.raises(ValueError, match="events"):
        Playground.from_json(json.dumps({"events": [{"epoch": 1, "value": 2}]}))
    with pytest.raises(ValueError, match="does not exist"):
        Playground.from_json(json.dumps({"events": [{"epoch": 1, "weight": [0, 9, 0],
                                                     "value": 2}]}))
    with pytest.raises(ValueError, match="learning_rate"):
        pg.load_json(json.dumps({"learning_rate": 0.5}))
    assert pg.state["learning_rate"] == 0.03                  # unchanged after a refused load
    pg._json_w.value = "{broken"
    pg.buttons["load"].click()
    assert "Could not load" in pg.message and pg.state["learning_rate"] == 0.03
    pg.buttons["save"].click()
    assert Playground.from_json(pg._json_w.value).state == pg.state
