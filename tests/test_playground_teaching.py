"""The playground as a teaching tool: guided presets with commentary, instructor-locked views
(``hide`` / ``lock``), the "preparing" note while the kernel compiles, and the static picture a
stored notebook shows in place of the live widget."""

import json
import threading
import time

import numpy as np
import pytest

from nnlib.widgets.playground import Playground, settings, widget


@pytest.fixture
def pg():
    return Playground(seed=2)


# ---------------------------------------------------------------- presets

def test_there_are_about_a_dozen_presets_with_two_line_notes():
    keys = [p[0] for p in Playground.PRESETS]
    assert 10 <= len(keys) <= 16 and len(set(keys)) == len(keys)
    for key, title, changes, note in Playground.PRESETS:
        assert title and len(title) <= 50, key              # fits the menu
        assert note.count("\n") == 1 and len(note) < 300, key
        assert set(changes) <= set(settings.DEFAULTS), key


@pytest.mark.parametrize("key", [p[0] for p in settings.PRESETS])
def test_each_preset_loads_valid_settings_and_trains(pg, key):
    pg.load_preset(key)
    _, _, changes, note = settings.PRESETS[settings.PRESET_KEYS.index(key)]
    st = pg.state
    assert st["preset"] == key and pg.epoch == 0 and st["seed"] == 2
    for name, value in changes.items():
        want = list(value) if isinstance(value, tuple) else value
        assert st[name] == want, (key, name)
    assert settings.validate_state(dict(st)) == st          # a valid state as it is
    assert pg.controls["presets"].value == key
    assert pg.preset_note() == note
    assert note.split("\n")[0][:30] in pg._preset_w.value.replace("&#x27;", "'")
    assert pg.controls["dataset"].value == st["dataset"]
    assert pg.controls["layers"].value == len(st["hidden"])
    assert [n for n, b in pg.controls["features"].items() if b.value] == st["features"]
    pg.step(2)
    assert pg.epoch == 2 or pg.diverged


def test_the_menu_loads_a_preset_and_keeps_seed_hide_and_lock():
    pg = Playground(seed=5, hide=["state"], lock=["seed"])
    pg.controls["presets"].value = "xor-product"
    st = pg.state
    assert st["dataset"] == "xor" and st["features"] == ["x1x2"] and st["hidden"] == []
    assert st["seed"] == 5 and st["hide"] == ["state"] and st["lock"] == ["seed"]
    pg.step(30)
    assert pg.test_accuracies[-1] > 0.95                     # what the note promises
    pg.controls["presets"].value = "circle-line"
    pg.step(30)
    assert pg.test_losses[-1] > 0.3                          # one line cannot separate a ring


def test_preset_in_the_constructor_and_the_json_state():
    pg = Playground(preset="spiral-deep", learning_rate=0.1)
    assert pg.state["hidden"] == [6, 6, 6] and pg.state["learning_rate"] == 0.1
    s = pg.to_json()
    assert json.loads(s)["preset"] == "spiral-deep"
    copy = Playground.from_json(s)
    assert copy.state == pg.state and copy.preset_note() == pg.preset_note()
    with pytest.raises(ValueError, match="preset"):
        Playground(preset="no-such-thing")


# ---------------------------------------------------------------- hide and lock

def test_hide_and_lock_any_control():
    pg = Playground(hide=["dataset", "features", "state", "neurons"],
                    lock=["layers", "learning_rate", "play", "regenerate"])
    c, b = pg.controls, pg.buttons
    assert c["dataset"].layout.display == "none"
    assert pg._groups["features"].layout.display == "none"
    assert pg._groups["state"].layout.display == "none"
    assert all(s.layout.display == "none" for s in c["neurons"])
    assert c["layers"].disabled and c["learning_rate"].disabled
    assert b["play"].disabled and b["regenerate"].disabled
    assert not c["noise_percent"].disabled and c["noise_percent"].layout.display is None
    assert not b["step"].disabled
    # a reset or a new data set keeps the view as the instructor made it
    pg.controls["noise_percent"].value = 20
    pg._reset_network()
    assert c["layers"].disabled and c["dataset"].layout.display == "none"
    assert all(s.layout.display == "none" for s in c["neurons"])


def test_every_control_name_can_be_hidden_and_locked():
    names = list(Playground.CONTROL_NAMES)
    pg = Playground(hide=names, lock=names)
    assert pg.state["hide"] == names and pg.state["lock"] == names
    for name in names:
        group = pg._groups.get(name)
        from nnlib.widgets.playground.controls import widgets_named
        shown = [group] if group is not None else widgets_named(name, pg.controls, pg.buttons)
        assert all(w.layout.display == "none" for w in shown), name


def test_what_is_hidden_hides_with_its_hint_and_title():
    """Notebook 01's layout exercise hides the upload: its status and its CSV hint go with it;
    a title goes when every control under it is hidden, and comes back with one of them."""
    pg = Playground(hide=["presets", "upload", "regenerate", "stop_accuracy", "state"])
    group = pg._groups["upload"]
    assert group.layout.display == "none"
    inside = [w for box in group.children for w in getattr(box, "children", (box,))]
    assert pg.controls["upload"] in inside and pg._upload_w in inside
    assert any("CSV: columns" in getattr(w, "value", "") for w in inside)
    titles = {w.value: w for w, _ in pg._titles if hasattr(w, "value")}
    assert titles["<b>Training</b>"].layout.display is None
    pg = Playground(hide=["loss", "regularization", "reg_rate", "stop_accuracy"])
    titles = {w.value: w for w, _ in pg._titles if hasattr(w, "value")}
    assert titles["<b>Training</b>"].layout.display == "none"
    assert titles["<b>Data</b>"].layout.display is None
    pg.load_json(json.dumps(dict(json.loads(pg.to_json()), hide=["loss"])))
    assert titles["<b>Training</b>"].layout.display is None


def test_locked_problem_stays_locked_with_custom_data_rules():
    X = np.random.default_rng(0).normal(size=(40, 2))
    pg = Playground(data=(X, np.sign(X[:, 0])), lock=["loss"])
    assert pg.controls["problem"].disabled and pg.controls["loss"].disabled
    pg = Playground()
    assert not pg.controls["loss"].disabled and not pg.controls["problem"].disabled


def test_hide_and_lock_are_part_of_the_json_state():
    pg = Playground(seed=1, hide=["seed"], lock=["dataset", "features"])
    s = pg.to_json()
    assert json.loads(s)["hide"] == ["seed"]
    assert json.loads(s)["lock"] == ["dataset", "features"]
    copy = Playground.from_json(s)
    assert copy.controls["dataset"].disabled and copy.controls["seed"].layout.display == "none"
    other = Playground()
    other.load_json(s)
    assert other.controls["features"]["x1"].disabled
    assert Playground.from_json(json.dumps({"dataset": "xor"})).state["lock"] == []


@pytest.mark.parametrize("bad, error", [(["datset"], ValueError), ("dataset", TypeError),
                                        ([3], ValueError)])
def test_unknown_controls_are_refused(bad, error):
    with pytest.raises(error, match="hide"):
        Playground(hide=bad)
    with pytest.raises(error, match="lock"):
        Playground(lock=bad)


# ---------------------------------------------------------------- preparing

def test_play_says_preparing_while_the_kernel_compiles(monkeypatch):
    pg = Playground(seed=0)
    release = threading.Event()

    def slow_warm_up(engine):
        release.wait(10)
        widget._WARM.set()

    monkeypatch.setattr(widget, "_WARM", threading.Event())
    monkeypatch.setattr(widget, "_WARM_THREAD", None)
    monkeypatch.setattr(widget, "_warm_kernel", slow_warm_up)
    pg.play()                                        # no event loop here: a thread plays
    try:
        time.sleep(0.2)
        assert pg.play_button.description.startswith("preparing")
        assert pg.message == widget.PREPARING and pg.view.readout["message"] == widget.PREPARING
        assert pg.epoch == 0
        release.set()
        deadline = time.time() + 20
        while pg.epoch < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert pg.epoch >= 2 and pg.message == ""
        assert pg.play_button.description == "pause"
    finally:
        release.set()
        pg.pause()
        if pg._thread is not None:
            pg._thread.join(5)


def test_the_warm_up_compiles_without_touching_the_widget():
    pg = Playground(seed=4, dataset="blobs-3")
    before = [w.copy() for w in pg.net.weights]
    widget._warm_kernel(pg)
    assert widget._WARM.is_set()
    assert all(np.array_equal(a, b) for a, b in zip(before, pg.net.weights)) and pg.epoch == 0


# ---------------------------------------------------------------- the picture of a stored notebook

@pytest.mark.parametrize("kwargs", [{}, {"preset": "multi-class"}, {"preset": "regression"},
                                    {"hidden": (32,) * 10, "no_limits": True}])
def test_the_widget_carries_a_picture_for_notebooks_read_without_a_kernel(kwargs):
    import io

    from PIL import Image

    pg = Playground(**kwargs)
    pg.step(5)
    bundle = pg._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data      # the live widget first
    png = data["image/png"]
    assert 2_000 < len(png) < 80_000
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size[0] >= 560 and img.size[1] >= 300
    pixels = np.asarray(img).reshape(-1, 3).astype(int)
    drawn = (pixels.sum(axis=1) < 740).mean()              # not white: maps, links, points
    assert drawn > 0.25 and len(np.unique(pixels, axis=0)) > 30


def test_the_picture_survives_stripping_the_widget_state():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from strip_widget_state import strip_widget_state

    pg = Playground()
    data = pg._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    nb = {"metadata": {"widgets": {}}, "cells": [{"cell_type": "code", "outputs": [
        {"output_type": "execute_result", "data": dict(data), "metadata": {}}]}]}
    strip_widget_state(nb)
    assert set(nb["cells"][0]["outputs"][0]["data"]) == {"text/plain", "image/png"}


# ---------------------------------------------------------------- notebook 01's JSON replay cell

def test_replay_to_the_widgets_epoch_after_a_student_played():
    """Notebook 01 replays the JSON state to the widget's epoch, whatever the student did
    before: played (here 456 epochs), changed the learning rate, typed in a weight, reached a
    "stop at test accuracy" target."""
    pg = Playground(seed=0, stop_accuracy=0.9)
    pg.step(100)
    pg.controls["learning_rate"].value = 0.1
    pg.step(100)
    pg.set_weight(0, 1, 0, 0.7)
    pg.step(256)
    pg.step(150)                                            # the cell's own 150 epochs
    copy = Playground.from_json(pg.to_json())
    while copy.epoch < pg.epoch and not copy.diverged:
        copy.step(epochs=pg.epoch - copy.epoch)
    assert copy.epoch == pg.epoch
    assert all(np.array_equal(a, b) for a, b in zip(copy.net.weights + copy.net.biases,
                                                     pg.net.weights + pg.net.biases))


# ---------------------------------------------------------------- progress bars

def test_progress_bar_outside_a_notebook_writes_text_to_stdout(capsys):
    from nnlib.widgets.progress import in_notebook, tqdm

    assert not in_notebook()
    for _ in tqdm(range(5), desc="steps"):
        pass
    out, err = capsys.readouterr()
    assert "steps: 100%" in out and "5/5" in out and err == ""


def test_progress_bar_in_a_stored_notebook_keeps_its_final_line(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from nnlib.widgets.progress import tqdm\nbar = tqdm(total=40, desc='training', unit='net')\n"
        "for _ in range(4):\n    bar.update(10)\nbar.close()")]
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    texts = [o["data"]["text/plain"] for o in nb.cells[0].outputs if "data" in o]
    assert len(texts) == 1 and "training: 100%" in texts[0] and "40/40" in texts[0], texts
    assert not [o for o in nb.cells[0].outputs if o.get("name") == "stderr"]
