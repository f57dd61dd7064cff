"""`make lab` starts JupyterLab on 127.0.0.1 with its token on, in work/: copies of notebooks/ (made by
tools/work_copy.py) that autosave may rewrite without touching the tracked notebooks; LAB_ROOT picks
another folder (build/student); the startup log has no error or warning; `make instructor-lab` serves
nbgrader's formgrader."""

import contextlib
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
        # the copy is made, and it is what the lab serves
        assert sorted(p.name for p in work.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]
        for nb in NOTEBOOKS:
            assert (work / nb.name).read_bytes() == nb.read_bytes()
        assert {nb.name for nb in NOTEBOOKS} <= listing(base, token)
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
    """`make lab LAB_ROOT=build/student` (the README's command after make student): one root_dir, ours."""
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
    update = work_copy().update
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
