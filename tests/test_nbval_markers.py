"""tools/nbval_markers.py: the release drops nbval's marker comments and nothing else (issue 19).  The real
nbgrader release is checked in tests/test_student.py (make student)."""

import importlib.util
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")
ROOT = Path(__file__).resolve().parent.parent


def load():
    spec = importlib.util.spec_from_file_location("nbval_markers_under_test", ROOT / "tools" / "nbval_markers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("before, after", [
    ("# NBVAL_CHECK_OUTPUT\nprint(1)", "print(1)"),
    ("print(1)\n# NBVAL_CHECK_OUTPUT", "print(1)\n"),
    ("x = f()   # NBVAL_IGNORE_OUTPUT\nprint(x)", "x = f()\nprint(x)"),
    ("  # NBVAL_SKIP  \nif a:\n    b()", "if a:\n    b()"),
    ("# a comment about NBVAL_CHECK_OUTPUT in prose stays\nprint('# NBVAL')", None),
    ("print(1)", None),
])
def test_strip_markers(before, after):
    assert load().strip_markers(before) == (before if after is None else after)


def test_the_preprocessor_changes_code_cells_only_and_comes_first_in_generate_assignment():
    markers = load()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# NBVAL_CHECK_OUTPUT is a marker"),
                                         nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(2)")])
    nb, _ = markers.StripNbvalMarkers().preprocess(nb, {})
    assert [c.source for c in nb.cells] == ["# NBVAL_CHECK_OUTPUT is a marker", "print(2)"]
    chain = markers.generate_assignment_preprocessors()
    assert chain[0] is markers.StripNbvalMarkers and len(chain) > 5        # then nbgrader's own, unchanged
    names = [p.__name__ for p in chain[1:]]
    assert names.index("ClearSolutions") < names.index("SaveCells") < names.index("ClearHiddenTests")


def test_nbgrader_config_uses_it():
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert isinstance(config, Config)
    assert config.GenerateAssignment.preprocessors[0].__name__ == "StripNbvalMarkers"
