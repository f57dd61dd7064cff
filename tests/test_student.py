"""`make student`: every solution block replaced; notebook 03's exercise fails only where it should."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    dest = tmp_path_factory.mktemp("student")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_student.py"), str(ROOT / "notebooks"), str(dest)],
                   check=True, capture_output=True)
    return dest


def code_sources(path):
    nb = json.loads(Path(path).read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_block_is_replaced(student_dir):
    assert NOTEBOOKS, "no notebooks found"
    for original in NOTEBOOKS:
        student = student_dir / original.name
        before, after = code_sources(original), code_sources(student)
        n_blocks = sum(s.count("### BEGIN SOLUTION") for s in before)
        assert sum(s.count("### END SOLUTION") for s in before) == n_blocks
        assert not any("SOLUTION" in s for s in after), original.name
        assert sum(s.count("raise NotImplementedError()") for s in after) == \
            n_blocks + sum(s.count("raise NotImplementedError()") for s in before)
    assert sum(s.count("### BEGIN SOLUTION") for s in code_sources(ROOT / "notebooks" / "03_backprop.ipynb")) >= 1


def test_student_notebook_03_fails_only_in_the_backprop_cell(student_dir):
    nb = nbformat.read(student_dir / "03_backprop.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    errors = [(cell.source, out) for cell in nb.cells if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "error"]
    assert len(errors) == 1, [out["ename"] for _, out in errors]
    source, out = errors[0]
    assert out["ename"] == "NotImplementedError"
    assert "def backprop(self, x, y)" in source and "# YOUR CODE HERE" in source
