"""The stored notebooks stay light and gradable: under 1 MB, no widget state, well-formed nbgrader cells.

These read the files only (no kernel, no nbgrader): a quick first line of defence before
tests/test_nbgrader.py releases and grades them with the real nbgrader.
"""

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
MAX_BYTES = 1_000_000
WIDGET_MIMETYPES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def test_the_eight_notebooks_are_there():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08"], \
        [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_under_1_mb(path):
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size / 1e6:.2f} MB; expected under 1 MB (images too large? widget state?)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_stores_no_widget_state(path):
    nb = load(path)
    assert "widgets" not in nb["metadata"], (
        f"{path.name} stores widget state in metadata.widgets; run tools/strip_widget_state.py on it")
    found = [(i, m) for i, cell in enumerate(nb["cells"]) for out in cell.get("outputs", [])
             for m in WIDGET_MIMETYPES if m in out.get("data", {})]
    assert not found, f"{path.name}: outputs with widget data (cell, mimetype): {found}; run tools/strip_widget_state.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_regions_sit_in_solution_cells(path):
    """nbgrader's strict release refuses a solution region in a cell not marked as a solution."""
    for i, cell in enumerate(load(path)["cells"]):
        text, meta = source(cell), nbgrader_meta(cell)
        counts = [text.count(marker) for marker in MARKERS]
        assert counts[0] == counts[1] and counts[2] == counts[3], \
            f"{path.name} cell {i}: unbalanced markers {dict(zip(MARKERS, counts))}"
        if counts[0]:
            assert meta.get("solution") is True, \
                f"{path.name} cell {i} has a solution region but not nbgrader metadata solution: true ({meta})"
        if counts[2]:
            assert meta.get("grade") is True and not meta.get("solution"), \
                f"{path.name} cell {i} has hidden tests but is not a graded test cell ({meta})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbgrader_cells_are_well_formed(path):
    ids = []
    for i, cell in enumerate(load(path)["cells"]):
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        where = f"{path.name} cell {i} ({meta.get('grade_id')})"
        assert meta.get("schema_version") == 3, f"{where}: schema_version should be 3, got {meta.get('schema_version')}"
        assert meta.get("grade_id"), f"{where}: no grade_id"
        ids.append(meta["grade_id"])
        if meta.get("grade"):
            assert isinstance(meta.get("points"), (int, float)) and meta["points"] > 0, \
                f"{where}: a graded cell needs points > 0, got {meta.get('points')}"
        if meta.get("grade") and not meta.get("solution"):
            assert cell["cell_type"] == "code" and meta.get("locked") is True, \
                f"{where}: a test cell should be a locked code cell"
        if meta.get("solution"):
            assert meta.get("locked") is False, f"{where}: a solution cell must stay editable (locked: false)"
    assert len(ids) == len(set(ids)), f"{path.name}: grade_ids repeat: {sorted(ids)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_assert_in_a_test_cell_says_what_went_wrong(path):
    """A student who fails a test should read what was expected and what came, not a bare AssertionError."""
    for i, cell in enumerate(load(path)["cells"]):
        meta = nbgrader_meta(cell)
        if not (meta.get("grade") and cell["cell_type"] == "code"):
            continue
        text = "\n".join(line for line in source(cell).splitlines() if not line.lstrip().startswith(("%", "!")))
        bare = [node.lineno for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Assert) and node.msg is None]
        assert not bare, f"{path.name} cell {i} ({meta['grade_id']}): assert without a message on lines {bare}"


def test_every_test_cell_follows_its_exercise():
    """Each graded test cell comes after at least one solution cell of the same notebook."""
    for path in NOTEBOOKS:
        seen_solution = False
        for i, cell in enumerate(load(path)["cells"]):
            meta = nbgrader_meta(cell)
            if meta.get("solution"):
                seen_solution = True
            elif meta.get("grade"):
                assert seen_solution, f"{path.name} cell {i} ({meta['grade_id']}) tests before any solution cell"
