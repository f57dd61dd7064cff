"""The real nbgrader releases and grades the course: what `make release` and `make autograde` do.

One course directory is made in a temporary folder, as `make release` makes build/course:
``generate_assignment`` with the repository's nbgrader_config.py (solution metadata enforced) on all seven
notebooks.  Then three kinds of submission are graded, two nbgrader processes at a time (one per core):

* ``solution``: the notebooks as stored, with their solutions: every autograded cell gets full marks;
* ``stub``: the released notebooks, unchanged: every autograded cell gets zero, and grading finishes;
* ``wrong_backprop``: notebook 03 with a sign error in the student's ``backprop``: it loses exactly the
  points of the gradient check and of the training test, nothing else.

Grading runs every notebook top to bottom, so `make test` grades a reduced set: the solutions of 02-07
(01 has only a hand-graded answer, nothing to autograde) and the stubs of 02, 03, 05, 06, 07 (04's stub
would spend three minutes on the notebook's own studies to fail its one test cell with a NameError).
NBGRADER_TEST_NOTEBOOKS=all grades all seven both ways; NBGRADER_TEST_NOTEBOOKS=02,05 only those.
Run alone (`make nbgrader-tests`): the module's fixtures are shared by its tests, so pytest-xdist would
repeat them on every worker.
"""

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
ASSIGNMENT = "sheet11"
COURSE_ID = "nn-physics-course"
# a grading run executes every notebook; past this the run counts as hung (each cell also has
# Execute.timeout from nbgrader_config.py)
GRADING_TIMEOUT_S = 1200
# notebook 03: the solution cell of backprop, and the two graded cells that a wrong backprop must fail
BACKPROP_SOLUTION = "backprop"
BACKPROP_TESTS = {"backprop_gradcheck", "backprop_trains"}
# A sign error, y - a instead of a - y: every gradient flips, gradient descent climbs.  Added as a cell of
# its own after the student's solution cell (students may add cells), so it works whatever that cell holds.
WRONG_BACKPROP = '''\
_correct_backprop = MyNetwork.backprop


def _backprop_with_a_sign_error(self, x, y):
    nabla_b, nabla_w = _correct_backprop(self, x, y)
    return [-nb for nb in nabla_b], [-nw for nw in nabla_w]


MyNetwork.backprop = _backprop_with_a_sign_error
'''


# what `make test` grades (prefixes of notebook names); see the module docstring
SOLUTIONS = ("02", "03", "04", "05", "06", "07")
STUBS = ("02", "03", "05", "06", "07")
# rough grading cost, to start the longest jobs first: the notebooks' own trainings and studies
COST = {"01": 80, "02": 10, "03": 45, "04": 180, "05": 10, "06": 90, "07": 90}


def selected(default):
    """The notebook names to grade: `default` prefixes, or those of NBGRADER_TEST_NOTEBOOKS ('all': every one)."""
    wanted = os.environ.get("NBGRADER_TEST_NOTEBOOKS", "").strip()
    prefixes = default if not wanted else [p.strip() for p in wanted.split(",") if p.strip()]
    names = [nb.name for nb in NOTEBOOKS if wanted == "all" or any(nb.name.startswith(p) for p in prefixes)]
    assert names, f"NBGRADER_TEST_NOTEBOOKS={wanted!r} selects no notebook"
    return names


def nbgrader(*args, root, timeout=300):
    """Run an nbgrader command on the course at `root`, from the repository root (so that its
    nbgrader_config.py applies); return the completed process."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    command = [str(Path(sys.executable).parent / "nbgrader"), *args, f"--CourseDirectory.root={root}"]
    try:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        log = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        pytest.fail(f"`nbgrader {' '.join(args)}` did not finish within {timeout} s; its log ends with:\n{log[-3000:]}")


def grades(root, student, notebook):
    """{grade_id: (cell_type, score, max_score)} of one graded notebook, from the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        submitted = gb.find_submission_notebook(Path(notebook).stem, ASSIGNMENT, student)
        rows = [grade.to_dict() for grade in submitted.grades]
    return {row["name"]: (row["cell_type"], row["auto_score"], row["max_score"]) for row in rows}


def autograded(root, student, notebook):
    """Only the autograded (code) cells of grades()."""
    return {name: (score, top) for name, (kind, score, top) in grades(root, student, notebook).items()
            if kind == "code"}


def autograded_in_release(root, notebook):
    """The grade_ids of the autograded (code) cells that the release of `notebook` holds."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        cells = gb.find_notebook(Path(notebook).stem, ASSIGNMENT).grade_cells
        return {cell.name for cell in cells if cell.cell_type == "code"}


def cell_errors(root, student, notebook):
    """{grade_id: (ename, evalue)} of the graded cells that raised, in the autograded notebook."""
    nb = json.loads((root / "autograded" / student / ASSIGNMENT / notebook).read_text())
    errors = {}
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and grade_id:
                errors[grade_id] = (out["ename"], out["evalue"])
    return errors


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A course with the seven notebooks as its source, and the result of generate_assignment."""
    root = tmp_path_factory.mktemp("course")
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy(nb, source / nb.name)
    done = nbgrader("generate_assignment", ASSIGNMENT, "--force", root=root)
    return root, done


@pytest.fixture(scope="module")
def released(release):
    root, done = release
    if done.returncode != 0:
        pytest.fail("the strict release failed, so nothing can be graded:\n" + done.stderr[-4000:])
    return root


def submit(root, student, notebooks):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for nb in notebooks:
        shutil.copy(nb, folder / Path(nb).name)


def wrong_backprop_notebook(path, dest):
    """Notebook 03 with solutions, plus a cell that gives MyNetwork a backprop with a sign error."""
    nb = json.loads(Path(path).read_text())
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    assert BACKPROP_SOLUTION in ids, f"notebook 03 has no cell with grade_id {BACKPROP_SOLUTION!r}; its ids: {ids}"
    at = ids.index(BACKPROP_SOLUTION) + 1
    nb["cells"].insert(at, {"cell_type": "code", "execution_count": None, "id": "wrong-backprop",
                            "metadata": {}, "outputs": [], "source": WRONG_BACKPROP})
    Path(dest).write_text(json.dumps(nb, indent=1))
    return dest


@pytest.fixture(scope="module")
def graded(released, tmp_path_factory):
    """Grade every (student, notebook) submission in a course copy of its own (sqlite has one writer),
    two at a time, the longest first; return {(student, notebook): course root}."""
    jobs = [("solution", ROOT / "notebooks" / n) for n in selected(SOLUTIONS)]
    jobs += [("stub", released / "release" / ASSIGNMENT / n) for n in selected(STUBS)]
    three = [n for n in selected(SOLUTIONS) if n.startswith("03")]
    if three:
        jobs.append(("wrong_backprop", wrong_backprop_notebook(
            ROOT / "notebooks" / three[0], tmp_path_factory.mktemp("wrong") / three[0])))
    where = {}
    for student, notebook in jobs:
        copy = tmp_path_factory.mktemp("grading") / "course"
        shutil.copytree(released, copy, ignore=shutil.ignore_patterns("submitted", "autograded"))
        submit(copy, student, [notebook])
        where[student, Path(notebook).name] = copy
    order = sorted(where, key=lambda key: -COST.get(key[1][:2], 60))

    def grade(key):
        return key, nbgrader("autograde", ASSIGNMENT, "--force", f"--student={key[0]}", root=where[key],
                             timeout=GRADING_TIMEOUT_S)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(grade, order))
    for (student, notebook), run in runs:
        assert run.returncode == 0, f"nbgrader autograde of {student}'s {notebook} failed:\n{run.stderr[-4000:]}"
    return where


def test_strict_release_of_all_seven_notebooks(release):
    root, done = release
    assert done.returncode == 0, "nbgrader generate_assignment (metadata enforced) failed:\n" + done.stderr[-4000:]
    out = root / "release" / ASSIGNMENT
    assert sorted(p.name for p in out.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]
    for path in sorted(out.glob("*.ipynb")):
        text = path.read_text()
        for leak in ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert leak not in text, f"the released {path.name} still contains {leak!r}"
        nb = json.loads(text)
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), \
            f"the released {path.name} keeps outputs"


def test_release_has_points_for_the_exercises(released):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{released / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        points = {nb.name: nb.max_score for nb in assignment.notebooks}
    assert set(points) == {nb.stem for nb in NOTEBOOKS}
    for name, top in points.items():
        assert top > 0, f"{name} has no graded cell (max score {top})"


def test_solutions_get_full_marks(released, graded):
    names = [name for student, name in graded if student == "solution"]
    assert names
    for name in names:
        root = graded["solution", name]
        cells = autograded(root, "solution", name)
        assert set(cells) == autograded_in_release(released, name), f"{name}: not every autograded cell was graded"
        lost = {gid: f"{score} of {top}" for gid, (score, top) in cells.items() if score != top}
        assert not lost, f"{name}: the solution loses points in {lost}; errors: {cell_errors(root, 'solution', name)}"


def test_stubs_get_zero_and_grading_finishes(released, graded):
    names = [name for student, name in graded if student == "stub"]
    assert names
    for name in names:
        cells = autograded(graded["stub", name], "stub", name)
        assert set(cells) == autograded_in_release(released, name), f"{name}: not every autograded cell was graded"
        earned = {gid: score for gid, (score, top) in cells.items() if score != 0}
        assert not earned, f"{name}: the unsolved release earns points in {earned}"


def test_wrong_backprop_loses_exactly_the_backprop_and_training_points(graded):
    keys = [key for key in graded if key[0] == "wrong_backprop"]
    if not keys:
        pytest.skip("notebook 03 is not selected in NBGRADER_TEST_NOTEBOOKS")
    (_, three), = keys
    root = graded[keys[0]]
    cells = autograded(root, "wrong_backprop", three)
    assert BACKPROP_TESTS <= set(cells), \
        f"notebook 03 should have the graded cells {sorted(BACKPROP_TESTS)}, has {sorted(cells)}"
    lost = {gid for gid, (score, top) in cells.items() if score != top}
    assert lost == BACKPROP_TESTS, f"a wrong backprop should lose exactly {sorted(BACKPROP_TESTS)}, lost {sorted(lost)}"
    assert all(cells[gid][0] == 0 for gid in BACKPROP_TESTS), {gid: cells[gid] for gid in BACKPROP_TESTS}
    errors = cell_errors(root, "wrong_backprop", three)
    for gid in BACKPROP_TESTS:
        ename, evalue = errors.get(gid, ("", ""))
        assert ename and evalue.strip(), \
            f"{gid} should fail with a message saying what was expected, got {ename}: {evalue!r}"
