"""The instructor's make targets: `make student` (the nbgrader release) and `make autograde` (a folder of
submissions in, scores and feedback out).  They run the real nbgrader through the Makefile, on a course
directory in a temporary folder."""

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n\1raise NotImplementedError\(\)$", re.M)   # at the region's indentation
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


def make(*args, timeout=600):
    env = dict(os.environ, MAKEFLAGS="")
    done = subprocess.run(["make", "-s", "-C", str(ROOT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"make {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("make")
    course, dest = tmp / "course", tmp / "student"
    make("student", f"COURSE={course}", f"STUDENT={dest}")
    return course, dest


def test_make_student_is_the_nbgrader_release(student):
    course, dest = student
    assert sorted(p.name for p in dest.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]
    for original in NOTEBOOKS:
        before, after = cells(original), cells(dest / original.name)
        assert len(after) == len(before), original.name
        for i, (b, a) in enumerate(zip(before, after)):
            meta, where = nbgrader_meta(b), f"{original.name} cell {i}"
            if meta.get("solution") and b["cell_type"] == "code":
                regions = source(b).count("### BEGIN SOLUTION")
                assert regions and "SOLUTION" not in source(a), where
                assert len(STUB.findall(source(a))) == regions, f"{where}: each solution region becomes the stub"
            elif meta.get("solution"):
                assert source(a) == "YOUR ANSWER HERE", f"{where}: a written answer becomes the prompt"
            elif meta.get("grade"):
                assert source(a) == HIDDEN.sub("", source(b)), f"{where}: only the hidden tests go"
                assert a["metadata"].get("editable") is False and a["metadata"].get("deletable") is False, \
                    f"{where}: a test cell is locked for the student"
            else:
                assert source(a) == strip_markers(source(b)), \
                    f"{where}: a cell without metadata is released unchanged (but for nbval's markers)"
            if a["cell_type"] == "code":
                assert a["outputs"] == [] and a["execution_count"] is None, f"{where}: outputs are removed"


def strip_markers(text):
    """The release drops nbval's marker comments (tools/nbval_markers.py, issue 19)."""
    return re.sub(r"^[ \t]*# NBVAL_[A-Z_]+[ \t]*(\n|$)", "", text, flags=re.M)


def test_the_student_copy_has_no_nbval_markers(student):
    course, dest = student
    assert any("# NBVAL_CHECK_OUTPUT" in source(c) for nb in NOTEBOOKS for c in cells(nb))   # the originals do
    for notebook in [*dest.glob("*.ipynb"), *(course / "release").rglob("*.ipynb")]:
        for i, cell in enumerate(cells(notebook)):
            assert "NBVAL" not in source(cell), f"{notebook.name} cell {i}: {source(cell)[:200]}"
    for original in NOTEBOOKS:                                                  # the instructor's source keeps them
        copy = next((course / "source").rglob(original.name))
        assert ("NBVAL_" in copy.read_text()) == ("NBVAL_" in original.read_text()), original.name


def points(notebook):
    return sum(nbgrader_meta(c)["points"] for c in cells(notebook)
               if nbgrader_meta(c).get("grade") and c["cell_type"] == "code")


def test_make_autograde_grades_a_folder_of_submissions(student, tmp_path):
    course, dest = student
    name = "02_mnist_data.ipynb"
    # both layouts: SUBMISSIONS/STUDENT/*.ipynb and SUBMISSIONS/STUDENT/sheet11/*.ipynb
    (tmp_path / "alice").mkdir()
    shutil.copy(ROOT / "notebooks" / name, tmp_path / "alice" / name)              # solved
    (tmp_path / "bob" / "sheet11").mkdir(parents=True)
    shutil.copy(dest / name, tmp_path / "bob" / "sheet11" / name)                  # handed in unsolved
    make("autograde", f"COURSE={course}", f"SUBMISSIONS={tmp_path}")
    rows = {row["student_id"]: row for row in csv.DictReader((course / "grades.csv").open())}
    assert set(rows) == {"alice", "bob"}, rows
    assert points(ROOT / "notebooks" / name) > 0
    assert float(rows["alice"]["raw_score"]) == points(ROOT / "notebooks" / name), rows["alice"]
    assert float(rows["bob"]["raw_score"]) == 0, rows["bob"]
    for who in ("alice", "bob"):
        feedback = course / "feedback" / who / "sheet11" / "02_mnist_data.html"
        assert feedback.is_file() and "decode" in feedback.read_text(), f"no feedback for {who}"


def test_make_autograde_refuses_an_empty_submissions_folder(student, tmp_path):
    course, _ = student
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "autograde", f"COURSE={course}",
                           f"SUBMISSIONS={tmp_path}"], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "no student folders in SUBMISSIONS" in done.stderr, done.stderr[-2000:]


def test_the_students_lab_copy_is_nbgrader_release(student):
    """make lab's exercise versions (tools/work_copy.py) are what nbgrader's release gives, cell for cell."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("work_copy", ROOT / "tools" / "work_copy.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    course, dest = student
    preprocessors = tool.release_preprocessors()
    for original in NOTEBOOKS:
        mine = json.loads(tool.exercise_version(original, preprocessors))["cells"]
        released = cells(dest / original.name)
        assert [(c["cell_type"], source(c), c["metadata"]) for c in mine] == \
               [(c["cell_type"], source(c), c["metadata"]) for c in released], original.name
    assert (dest / "network.py").read_bytes() == (ROOT / "notebooks" / "network.py").read_bytes()


def test_make_student_keeps_what_was_saved_there(student):
    course, dest = student
    saved = dest / "02_mnist_data.ipynb"
    saved.write_text(saved.read_text().replace("YOUR CODE HERE", "MY CODE HERE"))
    make("student", f"COURSE={course}", f"STUDENT={dest}")
    assert "MY CODE HERE" in saved.read_text()
    assert sorted(p.name for p in dest.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]
