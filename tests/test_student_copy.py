"""A student's copy is an exercise: 03's exercise version, run up to the exercise as a student runs it, shows
no line of the library's backprop (nor of the solution), and no student copy links or prints it."""

import importlib.util
import inspect
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SHEET = ROOT / "notebooks" / "network.py"


def work_copy():
    spec = importlib.util.spec_from_file_location("work_copy", ROOT / "tools" / "work_copy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def code_lines(source):
    """The lines of code of ``source`` (no comments, docstrings or short lines such as `return x`)."""
    lines, in_docstring = set(), False
    for line in source.splitlines():
        text = line.split("#")[0].strip()
        if text.startswith(("'''", '"""')):
            in_docstring = not (text.count(text[:3]) >= 2 and len(text) > 3) and not in_docstring
            continue
        if not in_docstring and len(text) >= 20:
            lines.add(text)
    return lines


def answer_lines():
    """Lines of the library's backprop and of the notebook's solution that the sheet's network.py (which a
    student is meant to read) does not have."""
    import nnlib

    solution = next("".join(c["source"]) for c in json.loads((ROOT / "notebooks" / "03_backprop.ipynb").read_text())
                    ["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "backprop")
    solution = solution.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    lines = code_lines(inspect.getsource(nnlib.Network.backprop)) | code_lines(solution)
    return lines - code_lines(SHEET.read_text())


def outputs_text(nb):
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str) else json.dumps(value))
            parts.extend(output.get("traceback", []))
    return "\n".join(parts)


@pytest.mark.slow
def test_the_exercise_version_of_03_run_up_to_the_exercise_shows_no_line_of_the_answer(tmp_path):
    import nbclient
    import nbformat

    tool = work_copy()
    source = ROOT / "notebooks" / "03_backprop.ipynb"
    nb = nbformat.reads(tool.exercise_version(source, tool.release_preprocessors()).decode(), as_version=4)
    exercise = next(i for i, c in enumerate(nb.cells)
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "backprop")
    nb.cells = nb.cells[:exercise]
    shutil.copy(SHEET, tmp_path / "network.py")
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = outputs_text(nb)
    assert "def feedforward(self, a):" in text and "def SGD(" in text      # the student reads the sheet's file
    answer = answer_lines()
    assert len(answer) >= 5, answer                                       # what the check looks for
    shown = sorted(line for line in answer if line in text)
    assert not shown, f"the student's copy of 03 shows lines of the answer above the exercise: {shown}"


def test_no_student_copy_prints_or_links_the_library_backprop():
    tool = work_copy()
    preprocessors = tool.release_preprocessors()
    for original in NOTEBOOKS:
        text = tool.exercise_version(original, preprocessors).decode()
        for leak in ("nnlib/core/network.py", "getsource(nnlib.core.network)", "getsource(Network.backprop",
                     "getsource(nnlib.Network.backprop)", "BEGIN SOLUTION"):
            assert leak not in text, f"{original.name}: {leak!r} in the student's copy"
    sheet = SHEET.read_text()
    assert "def backprop(self, x, y):" in sheet and "raise NotImplementedError" in sheet
    assert not code_lines(sheet) & answer_lines()
