"""No student HTML or script runs for the instructor: the formgrader and the feedback in headless Chromium.

A one-notebook course (notebooks/01_playground.ipynb, whose written answer ``best_layout`` is graded by
hand) is released with the repository's nbgrader_config.py and graded by ``python -m grading autograde``:

* ``mallory`` wrote her answer with scripts in it (``<script>``, ``<img onerror>``, ``<svg onload>``,
  ``<details ontoggle>``, an ``<iframe srcdoc>``, two mutation-XSS forms, ``javascript:`` links in
  markdown and in HTML), added a markdown cell and a raw HTML cell with more, and a code cell whose stored
  outputs carry scripts (``text/html``, ``application/javascript``, ``image/svg+xml``, ``text/markdown``, a
  widget view, an image whose width smuggles an ``onerror``) and a widget state in the notebook's metadata
  (nbgrader's autograde empties a submission's outputs itself; legacy's reach the renderers);
* ``legacy``: the same, and then their autograded notebook is replaced by the submission as it came (as
  if autograded before the sanitiser existed), and ``nbgrader generate_feedback`` (what `make feedback`
  runs) writes their feedback again: the formgrader and the feedback must sanitise on their own;
* ``blank`` handed in the release unchanged: the sanitiser runs after nbgrader's checksums, so the
  unchanged answer still scores 0 ("No response") while mallory's waits for manual grading.

Every script, if it ran, would record itself in ``window.__pwned``, change the page's title, write a file
through ``/api/contents`` with the instructor's session and open an alert.  A control shows that the same
submission, rendered by plain nbconvert (no sanitiser), runs them, and that the payload, run by hand in the
formgrader's page, does write its file.  The instructor's lab is JupyterLab with nbgrader's server
extensions as `make instructor-lab` starts it (from the repository root, so it reads nbgrader_config.py),
on a free port of 127.0.0.1, with a token; nothing outside 127.0.0.1 is loaded.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BIN, BROWSER_BUILD, free_port, stop_process_group, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader]

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "sheet11"
NOTEBOOK = "01_playground"
COURSE_ID = "nn-physics-course"
TOKEN = "formgrader-test-token"
ANSWER = "Narrow first layers lose information that no later layer can recover"
ADDED = "A note the student added below the answer"

# what every payload runs: visible in the page (a window variable, the title, an alert) and outside it
# (a file written through the contents API with the session's cookie and XSRF token)
CANARY = ("(window.__pwned = window.__pwned || []).push('TAG'); document.title = 'PWNED TAG';"
          "var x = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';"
          "fetch('/api/contents/pwned-TAG.txt', {method: 'PUT', headers: {'Content-Type': 'application/json',"
          " 'X-XSRFToken': x}, body: JSON.stringify({type: 'file', format: 'text', content: 'TAG'})});"
          "alert('TAG');")


def js(tag):
    """The canary as an expression without quotes or spaces of its own (fits an attribute or a URL)."""
    return "eval(atob('" + base64.b64encode(CANARY.replace("TAG", tag).encode()).decode() + "'))"


def answer_cell_source():
    return f"""**{ANSWER}**, and the tables above show it.

<script>{js("answer-script")}</script>
<img src=x onerror="{js("answer-img")}">
<svg onload="{js("answer-svg")}"><circle r="3"/></svg>
<details open ontoggle="{js("answer-details")}"><summary>more</summary>details</details>
<iframe srcdoc="<script>parent.{js("answer-iframe")}</script>"></iframe>
<math><mtext><table><mglyph><style><img src=x onerror="{js("answer-mxss")}"></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror={js("answer-noscript")}>"></p></noscript>

See [click-me](javascript:{js("answer-link")}) and <a href="javascript:{js("answer-href")}">click-me-too</a>.
"""


def outputs():
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{js("out-svg")}"><circle r="3"/></svg>'
    return [
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": f'<b>a table</b><img src=x onerror="{js("out-html")}"><script>{js("out-html-script")}'
                               '</script>', "text/plain": "a table"}},
        {"output_type": "display_data", "metadata": {}, "data": {"application/javascript": js("out-js")}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": svg}},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/markdown": f'[click-md](javascript:{js("out-md-link")}) <img src=x onerror="{js("out-md")}">'}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2,
                                                               "version_minor": 0}, "text/plain": "a widget"}},
        {"output_type": "display_data", "data": {"image/png": "AAAA"},
         "metadata": {"image/png": {"width": f"1 onerror={js('out-png-width')}"}}},
    ]


def widget_state():
    html = f'<img src=x onerror="{js("widget-state")}">'
    return {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {
        "m1": {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
               "state": {"value": html}}}}}


def malicious(release_nb):
    """The released notebook with the written answer, added cells, outputs and widget state above."""
    nb = json.loads(Path(release_nb).read_text())
    cells = nb["cells"]
    at = next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == "best_layout")
    cells[at]["source"] = answer_cell_source()
    cells[at + 1:at + 1] = [
        {"cell_type": "markdown", "metadata": {}, "id": "added-md",
         "source": f'{ADDED} <img src=x onerror="{js("added-md")}">'},
        {"cell_type": "raw", "metadata": {"raw_mimetype": "text/html"}, "id": "added-raw",
         "source": f'raw cell <img src=x onerror="{js("raw")}"><script>{js("raw-script")}</script>'},
        {"cell_type": "code", "metadata": {}, "id": "added-code", "execution_count": 1,
         "source": "print('outputs')", "outputs": outputs()},
    ]
    nb["metadata"]["widgets"] = widget_state()
    return nb


def run(*args, timeout=900, env=None):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", OPENBLAS_NUM_THREADS="1",
               **(env or {}))
    done = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The served folder (server root) with the graded course in it, and how long each step took."""
    start = time.perf_counter()
    served = tmp_path_factory.mktemp("instructor")
    root = served / "course"
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", source)
    run(BIN / "nbgrader", "generate_assignment", ASSIGNMENT, "--force", f"--CourseDirectory.root={root}")
    released = root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    submissions = served.parent / f"{served.name}-submissions"
    for student in ("mallory", "legacy", "blank"):
        (submissions / student).mkdir(parents=True)
        target = submissions / student / released.name
        if student == "blank":
            shutil.copy(released, target)
        else:
            target.write_text(json.dumps(malicious(released), indent=1))
    run(sys.executable, "-m", "grading", "autograde", "--course", root, "--assignment", ASSIGNMENT,
        "--submissions", submissions, "--jobs", "1", timeout=1800)
    graded = time.perf_counter() - start
    # legacy: an autograded notebook from before the sanitiser, and `make feedback`'s command on it
    shutil.copy(submissions / "legacy" / released.name, root / "autograded" / "legacy" / ASSIGNMENT / released.name)
    run(BIN / "nbgrader", "generate_feedback", ASSIGNMENT, "--force", "--student=legacy",
        f"--CourseDirectory.root={root}")
    return {"served": served, "root": root, "submissions": submissions, "graded_seconds": graded,
            "seconds": time.perf_counter() - start}


def submission_id(root, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        return gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).id


def answer_grade(root, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        grade = next(g for g in nb.grades if g.name == "best_layout")
        comment = next(c for c in nb.comments if c.name == "best_layout")
        return grade.auto_score, grade.needs_manual_grade, comment.auto_comment


class Watch:
    """A page with everything but 127.0.0.1 and file:// blocked, and every dialog recorded and dismissed."""

    def __init__(self, context):
        self.dialogs = []
        self.page = context.new_page()
        self.page.route("**/*", lambda route: route.continue_()
                        if route.request.url.startswith(("http://127.0.0.1", "file://", "data:"))
                        else route.abort())
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(1500)          # timers, image errors, fetches
        return self

    def fired(self):
        return self.page.evaluate("window.__pwned || []")

    def click_links(self, *names):
        for name in names:
            for link in self.page.get_by_text(name, exact=True).all():
                link.click(no_wait_after=True)
        self.page.wait_for_timeout(500)


def assert_nothing_ran(watch, served, what):
    page = watch.page
    assert watch.fired() == [], f"{what}: scripts ran: {watch.fired()}"
    assert watch.dialogs == [], f"{what}: dialogs opened: {watch.dialogs}"
    assert "PWNED" not in page.title(), f"{what}: the title became {page.title()!r}"
    assert not list(served.rglob("pwned-*")), f"{what}: a script wrote {list(served.rglob('pwned-*'))}"
    cells = page.eval_on_selector_all(".cell", "cells => cells.map((c) => c.outerHTML).join('')")
    assert ANSWER in cells
    for active in ("<script", "onerror", "onload", "ontoggle", "javascript:", "<iframe", "<svg"):
        assert active not in cells, f"{what}: the notebook's cells still hold {active!r}"
    for active in ("atob(", "widget-state+json", "widget-view+json"):
        assert active not in page.content(), f"{what}: the page still holds {active!r}"


def test_unchanged_answer_still_scores_zero_and_written_one_waits_for_the_grader(course):
    assert answer_grade(course["root"], "blank") == (0.0, False, "No response.")
    assert answer_grade(course["root"], "mallory")[:2] == (None, True)
    autograded = json.loads((course["root"] / "autograded" / "mallory" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    text = json.dumps(autograded)
    assert ANSWER in text and ADDED in text
    assert "atob(" not in text and "widgets" not in autograded["metadata"]


@pytest.fixture
def instructor_lab(course, tmp_path):
    """JupyterLab with nbgrader's formgrader, as `make instructor-lab` starts it, serving the course's folder."""
    port = free_port()
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1", NBGRADER_COURSE_ROOT=str(course["root"]),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("JUPYTER_TOKEN", None)
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--ServerApp.root_dir={course['served']}",
           f"--IdentityProvider.token={TOKEN}", "--ServerApp.jpserver_extensions=notebook_shim=False",
           f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    BROWSER_BUILD.mkdir(parents=True, exist_ok=True)
    log = BROWSER_BUILD / "formgrader.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_for_port(proc, port, "the instructor's jupyter lab", log, 90)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process_group(proc)


def test_the_formgrader_runs_no_student_script(course, instructor_lab, chromium):
    start = time.perf_counter()
    served, base = course["served"], instructor_lab
    context = chromium.new_context()
    login = Watch(context).open(f"{base}/lab?token={TOKEN}")         # the instructor's session (a cookie)
    assert any(c["name"] == "_xsrf" for c in context.cookies()), "the token did not log in"
    login.page.close()
    for student in ("mallory", "legacy"):
        watch = Watch(context).open(f"{base}/formgrader/submissions/{submission_id(course['root'], student)}/")
        page = watch.page
        assert page.locator(".nbgrader_cell").count() >= 1, f"{student}: not the manual-grading page"
        assert page.get_by_text(ANSWER).first.is_visible(), f"{student}: the written answer is not shown"
        assert page.get_by_text(ADDED).first.is_visible(), f"{student}: the added markdown cell is not shown"
        watch.click_links("click-me", "click-me-too", "click-md")
        assert_nothing_ran(watch, served, f"formgrader, {student}")
        page.screenshot(path=str(BROWSER_BUILD / f"formgrader_{student}.png"), full_page=True)
    # control: the payload itself works in this page with this session
    page.evaluate(CANARY.replace("TAG", "control").replace("alert('control');", ""))
    deadline = time.time() + 10
    while not (served / "pwned-control.txt").exists() and time.time() < deadline:
        time.sleep(0.2)
    assert (served / "pwned-control.txt").read_text() == "control", "the payload cannot write: the check proves nothing"
    assert watch.fired() == ["control"] and page.title() == "PWNED control"
    (served / "pwned-control.txt").unlink()
    context.close()
    print(f"\ncourse released and graded in {course['graded_seconds']:.0f} s; formgrader checks in "
          f"{time.perf_counter() - start:.0f} s")


def test_the_feedback_runs_no_student_script(course, chromium, tmp_path):
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    context = chromium.new_context()
    served = course["served"]
    for student in ("mallory", "legacy"):
        page_path = course["root"] / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        watch = Watch(context).open(page_path.as_uri())
        assert watch.page.get_by_text(ANSWER).first.is_visible(), f"{student}: the answer is not in the feedback"
        watch.click_links("click-me", "click-me-too", "click-md")
        assert_nothing_ran(watch, served, f"feedback of {student}")
    # control: the same submission through plain nbconvert (no sanitiser) runs the scripts
    submitted = course["root"] / "autograded" / "legacy" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"     # as it came
    plain, _ = HTMLExporter(config=Config()).from_filename(str(submitted))
    (tmp_path / "plain.html").write_text(plain)
    watch = Watch(context).open((tmp_path / "plain.html").as_uri())
    watch.click_links("click-me", "click-me-too")
    fired = set(watch.fired())
    assert {"answer-script", "answer-img", "answer-svg", "answer-details", "answer-link", "answer-href",
            "added-md", "out-html", "out-png-width"} <= fired, f"the control ran only {sorted(fired)}"
    assert watch.dialogs
    print(f"\nunsanitised, plain nbconvert ran: {sorted(fired)}")
    context.close()
