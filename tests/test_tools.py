"""tools/strip_widget_state.py: `make notebooks` stores no widget state, and keeps everything else."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("strip_widget_state", ROOT / "tools" / "strip_widget_state.py")
strip = importlib.util.module_from_spec(spec)
spec.loader.exec_module(strip)

VIEW = "application/vnd.jupyter.widget-view+json"


def notebook():
    return {"metadata": {"kernelspec": {"name": "python3"},
                         "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"m1": {}}}}},
            "nbformat": 4, "nbformat_minor": 5,
            "cells": [{"cell_type": "code", "source": ["pg = Playground()\n", "pg"], "metadata": {},
                       "execution_count": 1,
                       "outputs": [{"output_type": "display_data", "metadata": {},
                                    "data": {VIEW: {"model_id": "m1", "version_major": 2, "version_minor": 0},
                                             "text/plain": ["Playground(...)"]}},
                                   {"output_type": "display_data", "metadata": {},
                                    "data": {VIEW: {"model_id": "m2", "version_major": 2, "version_minor": 0}}},
                                   {"output_type": "stream", "name": "stdout", "text": ["epoch 1\n"]},
                                   {"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]}}]},
                      {"cell_type": "markdown", "source": "widgets: text stays", "metadata": {}}]}


def test_widget_state_and_views_go_the_rest_stays():
    nb = notebook()
    assert strip.strip_widget_state(nb) == 3          # metadata.widgets and two views
    assert "widgets" not in nb["metadata"] and nb["metadata"]["kernelspec"] == {"name": "python3"}
    outputs = nb["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["display_data", "stream", "display_data"]
    assert outputs[0]["data"] == {"text/plain": ["Playground(...)"]}      # the repr stays
    assert outputs[2]["data"]["image/png"] == "iVBORw0KGgo="               # plots stay
    assert nb["cells"][1]["source"] == "widgets: text stays"


def test_a_clean_notebook_is_left_alone(tmp_path):
    nb = notebook()
    strip.strip_widget_state(nb)
    path = tmp_path / "clean.ipynb"
    path.write_text(json.dumps(nb))
    before = path.stat().st_mtime_ns, path.read_text()
    assert strip.strip_file(path) == 0
    assert (path.stat().st_mtime_ns, path.read_text()) == before


def test_file_is_rewritten_without_state(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook()))
    path.chmod(0o644)
    assert strip.strip_file(path) == 3
    assert path.stat().st_mode & 0o777 == 0o644, "the notebook keeps its permissions"
    text = path.read_text()
    assert "widget-state" not in text and VIEW not in text and "Playground(...)" in text
    assert text.endswith("\n") and not list(tmp_path.glob("*.part"))


def test_not_a_notebook_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="broken.ipynb: expected a readable notebook"):
        strip.strip_file(path)
