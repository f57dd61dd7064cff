"""`make lab` starts JupyterLab on 127.0.0.1 with its token on, in work/: the exercise versions of notebooks/
(made by tools/work_copy.py with nbgrader's release preprocessors) that autosave may rewrite without touching
the tracked notebooks, and that no make target overwrites once saved; LAB_ROOT picks another folder; the
startup log has no error or warning; `make solutions` serves the solved notebooks read-only; `make
instructor-lab` serves nbgrader's formgrader; `make clean` keeps everyone's work."""

import contextlib
import functools
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.server          # JupyterLab servers started through make: make test, not make check

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_make_lab_serves_with_token(tmp_path):
    port, token = free_port(), "course-test-token"
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_RUNTIME_DIR=str(tmp_path))
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_PORT={port}", "LAB_ARGS=--no-browser",
                             f"WORK={tmp_path / 'work'}"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/api/status"
        deadline = time.time() + 120
        while True:
            try:
                status, body = get(url, token)
                break
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                assert proc.poll() is None, (tmp_path / "lab.log").read_text()
                assert time.time() < deadline, "JupyterLab did not answer within 120 s"
                time.sleep(0.5)
        assert status == 200 and "started" in json.loads(body)
        assert get(url)[0] == 403                         # the token is on: no token, no access
        assert get(f"http://127.0.0.1:{port}/lab", token)[0] == 200
    finally:
        stop(proc)


def stop(proc):
    """Stop make and the server it started (one process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=20)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


# -- the student's work copy and the lab's root folder ------------------------------------------------------

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
ALARMS = re.compile(r"^\[E |Warning|Traceback|nbgrader will not work", re.M)


@contextlib.contextmanager
def lab(tmp_path, *make_args, target="lab"):
    """Run `make TARGET make_args...` on a free port; yield (base url, token, log path) once it answers."""
    port, token = free_port(), "course-test-token"
    runtime = tmp_path / f"runtime-{port}"
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_RUNTIME_DIR=str(runtime), MAKEFLAGS="")
    log_path = tmp_path / f"{target}-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(["make", "-s", target, f"LAB_PORT={port}", "LAB_ARGS=--no-browser", *make_args],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            try:
                if get(f"{base}/api/status", token)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.time() < deadline, "JupyterLab did not answer within 180 s"
            time.sleep(0.5)
        yield base, token, log_path
    finally:
        stop(proc)


INSTRUCTOR_PLUGINS = ("formgrader", "create-assignment", "course-list")


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def assert_exercise_version(copy, original):
    """``copy`` is ``original`` as a student gets it: the same cells, every solution block replaced by the stub,
    no hidden test, no nbval marker, no output, check cells locked."""
    before, after = cells(original), cells(copy)
    assert len(after) == len(before), copy.name
    solved = 0
    for i, (b, a) in enumerate(zip(before, after)):
        where, meta = f"{copy.name} cell {i}", b["metadata"].get("nbgrader", {})
        for secret in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "NBVAL_"):
            assert secret not in text(a), f"{where}: {secret!r} in the student's copy"
        if a["cell_type"] == "code":
            assert a["outputs"] == [] and a["execution_count"] is None, f"{where}: a stored output"
        if meta.get("solution") and b["cell_type"] == "code":
            solved += 1
            assert "# YOUR CODE HERE\n" in text(a) and "raise NotImplementedError()" in text(a), where
        if meta.get("grade") and not meta.get("solution"):
            assert a["metadata"]["nbgrader"].get("locked") and a["metadata"].get("editable") is False, where
    assert solved == sum(c["metadata"].get("nbgrader", {}).get("solution", False) and c["cell_type"] == "code"
                         for c in before)


def page_config(base, token):
    """The page config JupyterLab's /lab page hands to the front end (which plugins are disabled)."""
    status, body = get(f"{base}/lab", token)
    assert status == 200
    data = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', body, re.S)
    config = json.loads(data.group(1))
    disabled = config.get("disabledExtensions", [])
    config["disabledExtensions"] = {name: True for name in disabled} if isinstance(disabled, list) else disabled
    return config


def put(url, token, model):
    request = urllib.request.Request(url, data=json.dumps(model).encode(), method="PUT",
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def listing(base, token, path=""):
    status, body = get(f"{base}/api/contents/{path}", token)
    assert status == 200, status
    return {item["name"] for item in json.loads(body)["content"]}


def test_make_lab_works_in_a_copy_and_leaves_the_tracked_notebooks_alone(tmp_path):
    work = tmp_path / "work"
    tracked = {nb: nb.read_bytes() for nb in NOTEBOOKS}
    with lab(tmp_path, f"WORK={work}") as (base, token, log_path):
        # the copy is made, it is the exercise version, and it is what the lab serves
        assert sorted(p.name for p in work.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]
        for nb in NOTEBOOKS:
            assert_exercise_version(work / nb.name, nb)
        assert (work / "network.py").read_bytes() == (ROOT / "notebooks" / "network.py").read_bytes()
        assert {nb.name for nb in NOTEBOOKS} | {"network.py"} <= listing(base, token)
        # a save from the lab (what autosave does) goes to the copy
        name = NOTEBOOKS[0].name
        status, body = get(f"{base}/api/contents/{name}", token)
        model = json.loads(body)
        model["content"]["cells"][0]["source"] += "\n\nA student's note."
        assert put(f"{base}/api/contents/{name}", token, {"type": "notebook", "content": model["content"]}) == 200
        assert "A student's note." in (work / name).read_text()
        # no instructor tools: nbgrader's lab plugins for them are off (when make test installed nbgrader)
        disabled = page_config(base, token)["disabledExtensions"]
        assert all(disabled.get(f"@jupyter/nbgrader:{name}") for name in INSTRUCTOR_PLUGINS), disabled
        assert not disabled.get("@jupyter/nbgrader:assignment-list")              # the student's tools stay
        # the startup log does not alarm (no nbgrader error, no Runtime/DeprecationWarning)
        log = log_path.read_text()
        assert f"{base}/lab?token=" in log
        assert not ALARMS.findall(log), log
    assert {nb: nb.read_bytes() for nb in NOTEBOOKS} == tracked, "make lab modified notebooks/"
    # the next make lab keeps the student's copy
    with lab(tmp_path, f"WORK={work}"):
        assert "A student's note." in (work / name).read_text()
    # the copy imports the installed nnlib and finds the course's data folder, as a kernel started there would
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c",
                           "import nnlib.data as d; print(d.DATA_DIR, d.MNIST_PATH.exists())"],
                          cwd=work, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [str(ROOT / "data"), "True"], done.stderr


def test_lab_root_is_a_make_variable(tmp_path):
    """`make lab LAB_ROOT=DIR` serves another folder: one root_dir, ours."""
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "only_here.ipynb").write_text(NOTEBOOKS[0].read_text())
    with lab(tmp_path, f"WORK={tmp_path / 'work'}", f"LAB_ROOT={folder}") as (base, token, log_path):
        assert "only_here.ipynb" in listing(base, token)


def test_make_instructor_lab_serves_the_formgrader(tmp_path):
    pytest.importorskip("nbgrader")
    with lab(tmp_path, target="instructor-lab") as (base, token, log_path):
        assert {"notebooks", "nbgrader_config.py"} <= listing(base, token)      # the repository root
        assert get(f"{base}/formgrader", token)[0] == 200
        disabled = page_config(base, token)["disabledExtensions"]
        assert not any(disabled.get(f"@jupyter/nbgrader:{name}") for name in INSTRUCTOR_PLUGINS), disabled
        assert not ALARMS.findall(log_path.read_text()), log_path.read_text()


# -- tools/work_copy.py: the rule for course updates -------------------------------------------------------

def work_copy():
    spec = importlib.util.spec_from_file_location("work_copy", ROOT / "tools" / "work_copy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_work_copy_updates_only_notebooks_the_student_never_saved(tmp_path):
    update = functools.partial(work_copy().update, exercises=False)     # the rule, on files of any content
    course, work = tmp_path / "notebooks", tmp_path / "work"
    course.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb", "03_c.ipynb"):
        (course / name).write_text(f'{{"v": 1, "name": "{name}"}}')
    (course / "README.md").write_text("not a notebook")
    assert update(course, work) == {n: "copied" for n in ("01_a.ipynb", "02_b.ipynb", "03_c.ipynb")}
    assert not (work / "README.md").exists()
    assert set(update(course, work).values()) == {"unchanged"}

    (work / "02_b.ipynb").write_text('{"v": 1, "mine": true}')         # the student saved 02
    (work / "03_c.ipynb").unlink()                                      # and deleted 03 (to get it afresh)
    for name in ("01_a.ipynb", "02_b.ipynb"):                           # the course updates 01 and 02
        (course / name).write_text(f'{{"v": 2, "name": "{name}"}}')
    assert update(course, work) == {"01_a.ipynb": "updated", "02_b.ipynb": "kept", "03_c.ipynb": "copied"}
    assert (work / "01_a.ipynb").read_text() == (course / "01_a.ipynb").read_text()
    assert (work / "02_b.ipynb").read_text() == '{"v": 1, "mine": true}'
    assert update(course, work)["02_b.ipynb"] == "kept"                 # never overwritten, later either
    (work / "02_b.ipynb").unlink()
    assert update(course, work)["02_b.ipynb"] == "copied"


def test_work_copy_gives_the_exercise_versions_and_replaces_an_old_unsaved_solved_copy(tmp_path):
    """make lab used to copy the solved notebooks: a copy the student never saved becomes the exercise
    version; one the student saved is kept; the exercise versions are the same bytes at every run."""
    tool = work_copy()
    work = tmp_path / "work"
    work.mkdir()
    first, second = NOTEBOOKS[1], NOTEBOOKS[2]
    for nb in (first, second):                                       # what the old make lab left behind
        (work / nb.name).write_bytes(nb.read_bytes())
    (work / tool.MANIFEST).write_text(json.dumps({nb.name: tool.sha256(nb.read_bytes()) for nb in (first, second)}))
    (work / second.name).write_text((work / second.name).read_text().replace("Goal", "My goal"))   # saved
    done = tool.update(ROOT / "notebooks", work)
    assert done[first.name] == "updated" and done[second.name] == "kept", done
    assert {done[nb.name] for nb in NOTEBOOKS if nb not in (first, second)} == {"copied"}
    for nb in NOTEBOOKS:
        if nb != second:
            assert_exercise_version(work / nb.name, nb)
    assert "My goal" in (work / second.name).read_text()
    assert set(tool.update(ROOT / "notebooks", work).values()) <= {"unchanged", "kept"}


def test_make_solutions_serves_the_solved_notebooks_read_only(tmp_path):
    solutions = tmp_path / "solutions"
    with lab(tmp_path, f"WORK={tmp_path / 'work'}", f"SOLUTIONS={solutions}", target="solutions") as (base, token, _):
        assert {nb.name for nb in NOTEBOOKS} <= listing(base, token)
        for nb in NOTEBOOKS:
            copy = solutions / nb.name
            assert copy.read_bytes() == nb.read_bytes(), copy
            assert not copy.stat().st_mode & 0o222, f"{copy} is writable"
        assert not (tmp_path / "work").exists(), "make solutions touched the student's work copy"


def test_make_clean_removes_only_what_a_run_makes_again():
    done = subprocess.run(["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    removed = [word for line in done.stdout.splitlines() if line.startswith("rm ")
               for word in line.split()[2:]]
    assert removed and set(removed) <= {"build/lockenv", ".pytest_cache"}, removed
    assert "kept: work/" in done.stdout and "build/course/" in done.stdout
