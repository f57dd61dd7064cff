"""The real nbgrader and the real sandbox grade the course: honest work, unsolved work, and attacks.

One course is released from the eight notebooks (``generate_assignment`` with the repository's
nbgrader_config.py, solution metadata enforced), then one batch of students is graded by
``python -m grading autograde`` (what `make autograde` runs), two sandboxes at a time:

* ``honest``: the notebooks with their solutions: full marks on every autograded cell;
* ``stub``: the release as handed out: zero everywhere, and the batch finishes;
* one student per attack, written as a student could write it in the cells a student may edit: each gets
  zero for the exercise it attacks, changes nothing outside its sandbox, and leaves the others' scores
  alone (the honest student is in the same batch).

Then: feedback shows no hidden test; a second run grades only what changed; plain `nbgrader autograde`
gives no points.  (Grading through a TLS Dask cluster: tests/test_cluster.py.)  Run alone (`make
nbgrader-tests`): the fixtures are shared by the module's tests.
"""

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
ASSIGNMENT = "sheet11"
COURSE_ID = "nn-physics-course"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)

# Each attack: (notebook, {solution grade_id: the cell's new source}, the grade_ids it must not score).
# REPO stands for the repository's path (a student finds it from nnlib.__file__)
GRADEBOOK_WRITE = '''\
import glob, os, sqlite3
for path in (glob.glob("/tmp/**/gradebook.db", recursive=True) + glob.glob("REPO/build/**/gradebook.db",
             recursive=True) + glob.glob("../../../gradebook.db")):
    db = sqlite3.connect(path)
    db.execute("UPDATE grade SET manual_score = 100, extra_credit = 100")
    db.execute("UPDATE grade SET auto_score = 0 WHERE id IN (SELECT id FROM grade)")
    db.commit()
def decode(y):
    raise NotImplementedError()
def as_image(x):
    raise NotImplementedError()
'''
AST_TRANSFORMER = '''\
import ast
from IPython import get_ipython
class Forgive(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=None, name=None, body=[ast.Pass()])
        return ast.fix_missing_locations(ast.Module(body=[ast.Try(body=node.body, handlers=[handler],
                                                                   orelse=[], finalbody=[])], type_ignores=[]))
get_ipython().ast_transformers.append(Forgive())
def decode(y):
    raise NotImplementedError()
def as_image(x):
    raise NotImplementedError()
'''
ALWAYS_EQUAL = '''\
class Anything(int):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = int.__hash__
def decode(y):
    return Anything(0)
def as_image(x):
    import numpy
    class Image(numpy.ndarray):
        def __eq__(self, other):
            return numpy.ones(numpy.shape(other), bool)
        def __ne__(self, other):
            return numpy.zeros(numpy.shape(other), bool)
    return numpy.zeros((28, 28)).view(Image)
'''
REBIND_NUMPY = '''\
import numpy as np
np.abs = lambda x, *args, **kwargs: 0 * x
np.array_equal = lambda *args, **kwargs: True
np.argwhere = lambda x: []
def decode(y):
    return 0
def as_image(x):
    return np.zeros((28, 28))
'''
ALIAS_NETWORK = "MyNetwork = Network\n"
SUPER_BACKPROP = '''\
class MyNetwork(Network):
    def backprop(self, x, y):
        return super().backprop(x, y)
'''
CALL_LIBRARY = '''\
import importlib, sys
class MyNetwork(Network):
    def backprop(self, x, y):
        for name in ("nnlib.core.network", "nnlib"):
            module = importlib.import_module(name)
            try:
                return module.Network.backprop(self, x, y)
            except Exception:
                pass
        source = open("REPO/nnlib/core/network.py").read()        # the repository's own file
        namespace = {}
        exec(source, namespace)
        return namespace["Network"].backprop(self, x, y)
gradcheck = lambda *args, **kwargs: 0.0
'''
OVERRIDDEN_ACCURACY = '''\
class Perfect(Network):
    def accuracy(self, X, y):
        return 1.0
    def evaluate(self, test_data):
        return len(test_data)
def improved_network(train_x, train_y, seed=0):
    return Perfect([784, 30, 10], seed=seed)
'''
OVERRIDDEN_ACCURACY_06 = '''\
class Perfect(Network):
    def accuracy(self, X, y):
        return 1.0
shallow_net = Perfect([784, 30, 3], seed=0)
deep_net = Perfect([784, 15, 15, 3], seed=0)
'''
READ_COURSE_FILES = '''\
import glob, json, os
import nnlib
repo = os.path.dirname(os.path.dirname(nnlib.__file__))
def assign_temperatures(spins, labels, temperatures=(3.0, 2.3, 1.5)):
    for path in [os.path.join(repo, "data", "mcIsing.json"), "REPO/data/mcIsing.json"] + glob.glob(
            "/tmp/**/source/**/05_ising_data.ipynb", recursive=True) + glob.glob("../../source/*/*.ipynb"):
        if os.path.exists(path) and path.endswith(".json"):
            return {k: T for k, T in enumerate(json.load(open(path))["temperatures"])}
    return {0: 3.0, 1: 2.3, 2: 1.5}            # the notebook's order, which the grader shuffles
'''
WRITE_REPOSITORY = '''\
import glob, os
for path in ["REPO/data/mcIsing.pkl.gz", "REPO/nnlib/core/network.py", "/grader/drivers.py",
             "/inputs/x.npz"] + glob.glob("REPO/**/*.py", recursive=True)[:50]:
    try:
        with open(path, "w") as f:
            f.write("owned")
    except OSError:
        pass
def assign_temperatures(spins, labels, temperatures=(3.0, 2.3, 1.5)):
    return {0: 3.0, 1: 2.3, 2: 1.5}
'''
ALWAYS_EQUAL_LABELS = '''\
N = 28 * 28
import numpy
class Labels(numpy.ndarray):
    def __eq__(self, other):
        return numpy.ones(numpy.shape(other), bool)
def bayes_classifier(spins):
    return numpy.zeros(len(spins)).view(Labels)
'''
TEST_LABELS_AS_OUTPUTS = '''\
def train_cm_network(X, labels, temperatures, seed):
    net = Network([X.shape[1], 100, 2], seed=seed, output="softmax", cost="cross-entropy")   # untrained
    net.predict = lambda X_test: np.eye(2)[(np.abs(X_test.mean(axis=1)) < 0.5).astype(int)]
    net.accuracy = lambda *args: 1.0
    return net
'''
LIBRARY_CM = '''\
def train_cm_network(X, labels, temperatures, seed):
    rows = phases.resample_within_temperature(temperatures, seed=seed)
    return phases.train_phase_network(X[rows], labels[rows], hidden=100, epochs=10, seed=seed)
'''
LIBRARY_FIT = '''\
def weighted_line_fit(x, y, sigma):
    fit = scaling.fit_finite_size(1 / np.asarray(x), y, sigma, nu=1.0)
    return fit.T_c, fit.a, fit.T_c_error, fit.chi2, fit.dof
'''
LIBRARY_PCA = '''\
import importlib
def first_component(X):
    module = importlib.reload(importlib.import_module("nnlib.transition.pca"))
    fitted = module.fit_pca(X, n_components=1)
    return fitted.components[0], fitted.transform(X)[:, 0]
'''
MAGNETISATION_THRESHOLD = '''\
def fit_predict(X, labels, X_eval, seed):
    m, m_eval = np.abs(X.mean(axis=1)), np.abs(X_eval.mean(axis=1))
    threshold = (m[labels == 0].mean() + m[labels == 1].mean()) / 2
    return np.where(m_eval > threshold, 0, 1)
'''
JAX_GRAD = '''\
import jax
import jax.numpy as jnp
class MyNetwork(Network):
    def backprop(self, x, y):
        def cost(params):
            a = jnp.asarray(x)
            for b, w in zip(*params):
                a = 1 / (1 + jnp.exp(-(w @ a + b)))
            return 0.5 * jnp.sum((a - y) ** 2)
        return jax.grad(cost)((self.biases, self.weights))
'''
CENTRAL_DIFFERENCES = '''\
class MyNetwork(Network):
    def backprop(self, x, y):
        nabla = ([np.zeros(b.shape) for b in self.biases], [np.zeros(w.shape) for w in self.weights])
        if sum(w.size for w in self.weights) > 200:              # too slow for MNIST: give up there
            return nabla
        cost = lambda: 0.5 * float(np.sum((self.feedforward(x) - y) ** 2))
        for params, grads in ((self.biases, nabla[0]), (self.weights, nabla[1])):
            for p, g in zip(params, grads):
                for i in np.ndindex(p.shape):
                    keep = p[i]
                    p[i] = keep + 1e-5
                    plus = cost()
                    p[i] = keep - 1e-5
                    g[i] = (plus - cost()) / 2e-5
                    p[i] = keep
        return nabla
'''
READS_ENVIRONMENT = '''\
def assign_temperatures(spins, labels, temperatures=(3.0, 2.3, 1.5)):
    seen = []
    for path in ("/proc/1/environ", "/proc/1/cmdline", "/proc/self/environ", "/proc/1/mountinfo"):
        try:
            seen.append(open(path, "rb").read().decode(errors="replace").replace("\\0", " "))
        except OSError as exc:
            seen.append(repr(exc))
    raise RuntimeError(" | ".join(seen))
'''
HANG = '''\
import signal
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)
while True:
    pass
'''
ATTACKS = {
    "gradebook_writer": ("02_mnist_data", {"decode_and_reshape": GRADEBOOK_WRITE}, {"test_decode", "test_as_image"}),
    "ast_transformer": ("02_mnist_data", {"decode_and_reshape": AST_TRANSFORMER}, {"test_decode", "test_as_image"}),
    "always_equal": ("02_mnist_data", {"decode_and_reshape": ALWAYS_EQUAL}, {"test_decode", "test_as_image"}),
    "rebinds_numpy": ("02_mnist_data", {"decode_and_reshape": REBIND_NUMPY}, {"test_decode", "test_as_image"}),
    "alias_network": ("03_backprop", {"backprop": ALIAS_NETWORK}, {"backprop_gradcheck", "backprop_trains"}),
    "super_backprop": ("03_backprop", {"backprop": SUPER_BACKPROP}, {"backprop_gradcheck", "backprop_trains"}),
    "calls_library": ("03_backprop", {"backprop": CALL_LIBRARY}, {"backprop_gradcheck", "backprop_trains"}),
    "overridden_accuracy": ("04_mnist_training", {"improved_network": OVERRIDDEN_ACCURACY},
                            {"test_improved_network"}),
    "overridden_accuracy_06": ("06_ising_classification", {"ising_networks": OVERRIDDEN_ACCURACY_06},
                               {"test_ising_networks"}),
    "reads_course_files": ("05_ising_data", {"label_temperatures": READ_COURSE_FILES}, {"test_label_temperatures"}),
    "writes_repository": ("05_ising_data", {"label_temperatures": WRITE_REPOSITORY}, {"test_label_temperatures"}),
    "always_equal_labels": ("06_ising_classification", {"bayes_classifier": ALWAYS_EQUAL_LABELS},
                            {"test_bayes_classifier"}),
    "test_labels_as_outputs": ("07_phase_transition", {"cm_networks": TEST_LABELS_AS_OUTPUTS}, {"test_cm_networks"}),
    "library_cm": ("07_phase_transition", {"cm_networks": LIBRARY_CM}, {"test_cm_networks"}),
    "library_fit": ("07_phase_transition", {"finite_size_fit": LIBRARY_FIT}, {"test_finite_size_fit"}),
    "library_pca": ("07_phase_transition", {"pca_projection": LIBRARY_PCA}, {"test_pca_projection"}),
    "magnetisation_threshold": ("07_phase_transition", {"confusion_learner": MAGNETISATION_THRESHOLD},
                                {"test_confusion_learner"}),
    "hangs": ("05_ising_data", {"label_temperatures": HANG}, {"test_label_temperatures"}),
    "jax_grad": ("03_backprop", {"backprop": JAX_GRAD}, {"backprop_gradcheck", "backprop_trains"}),
    "central_differences": ("03_backprop", {"backprop": CENTRAL_DIFFERENCES}, {"backprop_gradcheck", "backprop_trains"}),
    "reads_environment": ("05_ising_data", {"label_temperatures": READS_ENVIRONMENT}, {"test_label_temperatures"}),
}
# a secret of the instructor's shell during grading: no feedback may show it
SECRET_OF_THE_GRADER = "grader-secret-4cf1e2"

# Honest students who write their solution in ways the notebooks allow: each must get full marks
SOLUTION_02 = "def decode(y):\n    return int(np.argmax(y))\ndef as_image(x):\n    return np.reshape(x, (28, 28))\n"
SOLUTION_06 = '''\
fixes = dict(init="scaled", output="softmax", cost="cross-entropy", dtype=np.float32)
shallow_net = Network([784, 30, 3], seed=0, **fixes)
shallow_net.SGD(training_data, 10, 10, 0.02, verbose=False)
deep_net = Network([784, 15, 15, 3], seed=0, **fixes)
deep_net.SGD(training_data, 10, 10, 0.02, test_data=test_data, verbose=False)
'''


def honest_variants(folder):
    """Notebooks written as an honest student may write them: a helper in a new cell above the solution,
    the solution in a copy of the solution cell (Jupyter copies its metadata) below the released stub, 06
    trained on the lists training_data and test_data, a spoofed nbgrader test cell of the student's own;
    and a student whose notebooks are symlinks (to another student's work and to the instructor's)."""
    def edit(name, student, change):
        nb = json.loads((ROOT / "notebooks" / name).read_text())
        change(nb["cells"])
        (folder / student).mkdir(exist_ok=True)
        (folder / student / name).write_text(json.dumps(nb, indent=1))

    def position(cells, gid):
        return next(i for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)

    def helper_cell(cells):
        i = position(cells, "decode_and_reshape")
        cells[i]["source"] = "def decode(y):\n    return digit_of(y)\n" + SOLUTION_02.split("\n", 2)[2]
        cells.insert(i, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                         "source": "def digit_of(column):\n    return int(np.argmax(column))\n"})

    def copied_cell(cells):
        i = position(cells, "decode_and_reshape")
        solved = json.loads(json.dumps(cells[i]))
        cells[i]["source"] = "# YOUR CODE HERE\nraise NotImplementedError()"
        cells.insert(i + 1, solved)

    def spoofed_cell(cells):
        cells.append({"cell_type": "code", "outputs": [], "execution_count": None, "source": "print('bonus')",
                      "metadata": {"nbgrader": {"grade": True, "grade_id": "bonus_points", "points": 100,
                                                "locked": True, "schema_version": 3, "solution": False,
                                                "task": False}}})

    def lists_06(cells):
        cells[position(cells, "ising_networks")]["source"] = SOLUTION_06

    edit("02_mnist_data.ipynb", "helper_cell", helper_cell)
    edit("02_mnist_data.ipynb", "copied_cell", copied_cell)
    edit("02_mnist_data.ipynb", "spoofed_cell", spoofed_cell)
    edit("06_ising_classification.ipynb", "training_data", lists_06)
    (folder / "mallory").mkdir()
    (folder / "mallory" / "03_backprop.ipynb").symlink_to(folder / "honest" / "03_backprop.ipynb")
    (folder / "mallory" / "04_mnist_training.ipynb").symlink_to(ROOT / "notebooks" / "04_mnist_training.ipynb")


HONEST_VARIANTS = {"helper_cell": "02_mnist_data", "copied_cell": "02_mnist_data", "spoofed_cell": "02_mnist_data",
                   "training_data": "06_ising_classification"}
# files a sandbox must not be able to change (hashed before and after grading)
GUARDED = [ROOT / "data" / "mcIsing.pkl.gz", ROOT / "nnlib" / "core" / "network.py", ROOT / "notebooks" / "network.py",
           ROOT / "grading" / "inside" / "drivers" / "mnist.py", ROOT / "nnlib" / "transition" / "pca.py"]


def run(*args, timeout=1800, **kwargs):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               COURSE_SECRET_FOR_TEST=SECRET_OF_THE_GRADER)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    done = subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kwargs)
    return done


def grade(root, *more, timeout=1800):
    done = run(sys.executable, "-m", "grading", "autograde", "--course", str(root), "--assignment", ASSIGNMENT,
               *more, timeout=timeout)
    assert done.returncode == 0, f"grading failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def with_solution(notebook, replacements, dest):
    """The notebook with the source of its solution cells (by grade_id) replaced."""
    nb = json.loads(Path(notebook).read_text())
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in replacements:
            cell["source"] = replacements.pop(gid)
    assert not replacements, f"{notebook} has no solution cell {sorted(replacements)}"
    Path(dest).write_text(json.dumps(nb, indent=1))


def autograded(root, student):
    """{notebook: {grade_id: (auto_score, max_score)}} of the autograded (code) cells, from the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for nb in gb.find_submission(ASSIGNMENT, student).notebooks:
            out[nb.name] = {g.name: (g.auto_score, g.max_score) for g in nb.grades if g.cell_type == "code"}
    return out


def digest(paths):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for nb in [*NOTEBOOKS, ROOT / "notebooks" / "network.py"]:
        shutil.copy(nb, source / nb.name)
    done = run(str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force",
               f"--CourseDirectory.root={root}", timeout=600)
    return root, done


@pytest.fixture(scope="module")
def released(release):
    root, done = release
    if done.returncode != 0:
        pytest.fail("the strict release failed, so nothing can be graded:\n" + done.stderr[-4000:])
    return root


@pytest.fixture(scope="module")
def submissions(released, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    (folder / "honest").mkdir()
    (folder / "stub").mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, folder / "honest" / nb.name)
        shutil.copy(released / "release" / ASSIGNMENT / nb.name, folder / "stub" / nb.name)
    for student, (notebook, cells, _) in ATTACKS.items():
        (folder / student).mkdir()
        cells = {gid: code.replace("REPO", str(ROOT)) for gid, code in cells.items()}
        with_solution(ROOT / "notebooks" / f"{notebook}.ipynb", cells, folder / student / f"{notebook}.ipynb")
    honest_variants(folder)
    return folder


@pytest.fixture(scope="module")
def graded(released, submissions):
    before = digest(GUARDED)
    start = time.perf_counter()
    log = grade(released, "--submissions", str(submissions), "--jobs", "2")
    return {"log": log, "seconds": time.perf_counter() - start, "before": before, "after": digest(GUARDED)}


def test_strict_release_of_all_notebooks(release):
    root, done = release
    assert done.returncode == 0, "nbgrader generate_assignment (metadata enforced) failed:\n" + done.stderr[-4000:]
    out = root / "release" / ASSIGNMENT
    assert sorted(p.name for p in out.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]
    for path in sorted(out.glob("*.ipynb")):
        text = path.read_text()
        for leak in ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert leak not in text, f"the released {path.name} still contains {leak!r}"


def test_every_autograded_cell_has_an_exercise_of_the_grader(released):
    """The grader's exercises are the release's autograded cells, with their points (the gradebook's
    contract), read from the notebooks; every code solution cell has a grader and a driver."""
    from grading.exercises import from_notebooks, graders
    from grading.inside.drivers import DRIVERS
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{released / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        cells = {(nb.name, c.name): c.max_score for nb in gb.find_assignment(ASSIGNMENT).notebooks
                 for c in nb.grade_cells if c.cell_type == "code"}
        solutions = {(nb.name, c.name) for nb in gb.find_assignment(ASSIGNMENT).notebooks
                     for c in nb.solution_cells}
    exercises = from_notebooks(released / "source" / ASSIGNMENT)
    graded = {(e.notebook, gid): points for e in exercises for gid, points in e.tests.items()}
    assert graded == cells
    assert {(e.notebook, e.solution_id) for e in exercises} <= solutions
    assert {e.solution_id for e in exercises} == set(graders()) == set(DRIVERS)


def test_honest_work_gets_full_marks(released, graded):
    scores = autograded(released, "honest")
    lost = {(nb, gid): s for nb, cells in scores.items() for gid, s in cells.items() if s[0] != s[1]}
    assert not lost, f"the solutions lose points: {lost}\n{graded['log'][-3000:]}"
    assert sum(top for cells in scores.values() for _, top in cells.values()) == 25


@pytest.mark.parametrize("student", sorted(HONEST_VARIANTS))
def test_honest_variants_get_full_marks(released, graded, student):
    scores = autograded(released, student)[HONEST_VARIANTS[student]]
    assert scores and all(got == top for got, top in scores.values()), (student, scores)
    assert "bonus_points" not in scores


def test_symlinked_notebooks_are_not_followed(released, graded):
    """mallory's notebooks are symlinks to another student's and to the instructor's: none is imported, so
    mallory has nothing to grade, and the log says why."""
    assert not (released / "submitted" / "mallory").exists()
    assert "mallory" not in (released / "grades.csv").read_text()
    assert graded["log"].count("symbolic link, not a plain file: not imported") == 2, graded["log"][-3000:]


def test_no_feedback_shows_the_graders_environment(released, graded):
    message = json.loads((released / ".grading" / "scores" / "reads_environment.json").read_text())[
        "05_ising_data"]["test_label_temperatures"]["message"]
    assert "RuntimeError" in message and len(message) < 800, message
    for page in (released / "feedback").rglob("*.html"):
        assert SECRET_OF_THE_GRADER not in page.read_text(), page
    for path in (released / ".grading" / "scores").glob("*.json"):
        assert SECRET_OF_THE_GRADER not in path.read_text(), path


def test_unsolved_release_gets_zero(released, graded):
    scores = autograded(released, "stub")
    earned = {(nb, gid): s for nb, cells in scores.items() for gid, s in cells.items() if s[0] != 0}
    assert not earned, f"the unsolved release earns points: {earned}"


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_each_attack_scores_zero_for_what_it_attacks(released, graded, student):
    notebook, _, attacked = ATTACKS[student]
    scores = autograded(released, student)[notebook]
    assert attacked <= set(scores)
    earned = {gid: scores[gid] for gid in attacked if scores[gid][0] != 0}
    assert not earned, f"{student} earns {earned}"
    messages = json.loads((released / ".grading" / "scores" / f"{student}.json").read_text())[notebook]
    for gid in attacked:
        assert messages[gid]["message"].strip(), f"{student}: no message for {gid}"


def test_library_solution_is_named_in_the_message(released, graded):
    """03's sandbox has only the sheet's network.py, whose backprop is the exercise; 07's have no
    nnlib/transition, whose functions a solution finds named in its message."""
    def message(student, notebook, gid):
        return json.loads((released / ".grading" / "scores" / f"{student}.json").read_text())[notebook][gid]["message"]

    for student in ("alias_network", "super_backprop"):      # calls_library catches it, then fails otherwise
        assert "backprop is exercise 11.2 (c)" in message(student, "03_backprop", "backprop_gradcheck"), student
    for student, gid, name in (("library_cm", "test_cm_networks", "nnlib.transition.phases.resample_within_temperature"),
                               ("library_fit", "test_finite_size_fit", "nnlib.transition.scaling.fit_finite_size"),
                               ("library_pca", "test_pca_projection", "nnlib.transition.pca.fit_pca")):
        text = message(student, "07_phase_transition", gid)
        assert "library's own" in text and name in text, (student, text)
    assert "no magnetisation" in message("magnetisation_threshold", "07_phase_transition", "test_confusion_learner")


def test_a_hang_is_killed_at_its_limit_and_the_batch_goes_on(released, graded):
    message = json.loads((released / ".grading" / "scores" / "hangs.json").read_text())[
        "05_ising_data"]["test_label_temperatures"]["message"]
    assert "stopped after" in message, message
    assert (released / "grades.csv").is_file()
    assert (released / "feedback" / "honest" / ASSIGNMENT / "05_ising_data.html").is_file()


def test_nothing_outside_the_sandbox_changed(released, graded):
    assert graded["before"] == graded["after"], "a submission changed the repository's files"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{released / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for nb in submission.notebooks:
                for g in nb.grades:
                    assert g.manual_score is None and not g.extra_credit, (submission.student_id, nb.name, g.name)


def test_feedback_shows_scores_and_messages_but_no_hidden_test(released, graded):
    hidden_lines = set()
    for nb in NOTEBOOKS:
        for cell in json.loads(nb.read_text())["cells"]:
            for region in HIDDEN.findall("".join(cell["source"])):
                hidden_lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 25}
    assert hidden_lines
    pages = sorted((released / "feedback").rglob("*.html"))
    assert pages
    for page in pages:
        text = html.unescape(page.read_text())
        assert "BEGIN HIDDEN TESTS" not in text, page
        leaked = [line for line in hidden_lines if line in text]
        assert not leaked, f"{page} shows hidden tests: {leaked[:3]}"
    honest = html.unescape((released / "feedback" / "honest" / ASSIGNMENT / "03_backprop.html").read_text())
    assert "finite differences" in honest and "MyNetwork" in honest


def test_a_second_run_grades_only_what_changed(released, graded, submissions, tmp_path):
    log = grade(released, "--submissions", str(submissions))
    assert "0 to grade" in log, log[-2000:]
    changed = submissions / "stub" / "02_mnist_data.ipynb"
    with_solution(ROOT / "notebooks" / "02_mnist_data.ipynb", {}, changed)     # now solved
    log = grade(released, "--submissions", str(submissions))
    assert "1 to grade" in log, log[-2000:]
    assert autograded(released, "stub")["02_mnist_data"] == {"test_decode": (1.0, 1.0), "test_as_image": (1.0, 1.0)}


def test_plain_nbgrader_autograde_gives_no_points(released, graded, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(released, course, ignore=shutil.ignore_patterns("autograded", "feedback", ".grading"))
    done = run(str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT, "--force",
               "--student=honest", f"--CourseDirectory.root={course}", timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = autograded(course, "honest")
    assert all(s[0] == 0 for cells in scores.values() for s in cells.values()), scores
