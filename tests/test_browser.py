"""The playground in a real browser: Voila serves a small app notebook, headless Chromium drives it.

What a unit test cannot see: that the anywidget front end (nnlib/widgets/playground/playground.js) renders
in a page served offline, that the mouse on a neuron makes the kernel send that neuron's map and
the large map changes, that clicking a link opens a box whose value reaches the network (and comes
back drawn), that a CSV file chosen in the browser is read (and a bad one explained), that the
problem drop-down switches to a multi-class set drawn by class colour, and how many frames per
second the page draws while playing (printed and written to build/browser/browser_fps.txt, not
asserted).  Screenshots go to build/browser/.  Chromium is the ``chromium`` fixture of
tests/conftest.py.

The app notebook is written to a temporary folder by the test: the default playground, and the
largest one "no limits" allows (7 features, 10 hidden layers of 32 neurons).
"""

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "browser"
APP = """\
from nnlib.studies import toydata
from nnlib.widgets.playground import Playground

pg = Playground(seed=0)
pg
---
big = Playground(seed=0, dataset="spiral", features=toydata.FEATURES, hidden=(32,) * 10,
                 no_limits=True)
big
"""
GOOD_CSV = "x1,x2,label\n" + "".join(
    "%.3f,%.3f,%s\n" % (x1, x2, "a" if x1 * x2 > 0 else "b")
    for x1, x2 in np.random.default_rng(0).uniform(-5, 5, (120, 2)))
BAD_CSV = "x1,x2,label\n1.0,2.0,1\n3.0,oops,0\n"


def _app_notebook(folder):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in APP.split("---\n")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = Path(folder) / "playground_app.ipynb"
    nbformat.write(nb, str(path))
    return path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def voila_server(notebook):
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1")
    BUILD.mkdir(parents=True, exist_ok=True)
    log = open(BUILD / "voila.log", "wb")
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True",
           f"--Voila.root_dir={notebook.parent}"]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited with code {proc.returncode}; see "
                                   f"{BUILD / 'voila.log'}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("voila did not start listening within 60 s")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _pixels(png):
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


def _changed(a, b):
    return a.shape == b.shape and float(np.abs(a - b).max()) > 0.1


def choose_file(page, button, name, text):
    """Click the upload button and pick a file in the browser's file chooser."""
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(files=[{"name": name, "mimeType": "text/csv",
                                    "buffer": text.encode()}])


class Surface:
    """One playground on the page: its controls, its canvases and the view's test hooks."""

    def __init__(self, page, index):
        self.page = page
        self.root = page.locator(".nnpg-root").nth(index)
        self.view = self.root.locator(".nnpg-view")
        self.map = self.root.locator(".nnpg-heatmap")

    def hook(self, expression):
        return self.view.evaluate(f"v => v.__nnpg.{expression}")

    def frames(self):
        return int(self.hook("frames()"))

    def wait_frame_after(self, frames, timeout=30_000):
        self.view.evaluate("(v, n) => new Promise((ok, fail) => { const t0 = Date.now(); "
                           "(function wait() { if (v.__nnpg.frames() > n) ok(); "
                           f"else if (Date.now() - t0 > {timeout}) fail('no new frame'); "
                           "else setTimeout(wait, 20); })(); })", frames)

    def map_pixels(self):
        return _pixels(self.map.screenshot())

    def label(self):
        return self.root.locator(".nnpg-map-label").inner_text()

    def epoch(self):
        return int(self.root.locator(".nnpg-epoch-value").inner_text().replace(",", ""))

    def play_for(self, seconds):
        """Frames per second drawn by the browser while playing (and epochs trained)."""
        button = self.root.locator(".nnpg-play button, button.nnpg-play").first
        start_epoch = self.epoch()
        button.click()
        self.page.wait_for_function("v => v.__nnpg.frames() > 0", arg=self.view.element_handle())
        deadline = time.perf_counter() + 180   # a fresh clone compiles the kernel at its first epoch
        while self.epoch() <= start_epoch and time.perf_counter() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)                                   # past the first frames' latency
        f0, e0, t0 = self.frames(), self.epoch(), time.perf_counter()
        time.sleep(seconds)
        f1, e1, t1 = self.frames(), self.epoch(), time.perf_counter()
        button.click()
        time.sleep(0.5)
        return (f1 - f0) / (t1 - t0), e1 - e0


def test_playground_in_headless_chromium(tmp_path, chromium):
    pytest.importorskip("voila")
    pytest.importorskip("anywidget")

    with voila_server(_app_notebook(tmp_path)) as url:
        page = chromium.new_page(viewport={"width": 1500, "height": 1200})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, timeout=180_000, wait_until="domcontentloaded")
        page.wait_for_selector(".nnpg-root >> nth=1", timeout=180_000)
        page.wait_for_function("() => document.querySelectorAll('.nnpg-network').length == 2",
                               timeout=120_000)
        pg = Surface(page, 0)
        pg.root.scroll_into_view_if_needed()
        assert pg.hook("sizes()") == [2, 4, 2, 1]
        pg.root.screenshot(path=str(BUILD / "playground_start.png"))

        # hover a neuron: the kernel sends its map, the large map shows it
        before = pg.map_pixels()
        frames = pg.frames()
        where = pg.hook("neuron(1, 0)")
        page.mouse.move(where["x"], where["y"])
        page.wait_for_function("v => v.querySelector('.nnpg-map-label').innerText"
                               ".includes('layer 1, neuron 1')", arg=pg.view.element_handle(),
                               timeout=30_000)
        pg.wait_frame_after(frames)
        hovered = pg.map_pixels()
        assert _changed(before, hovered)
        page.mouse.move(5, 5)                          # off the network: the output again
        page.wait_for_function("v => v.querySelector('.nnpg-map-label').innerText"
                               ".endsWith('output')", arg=pg.view.element_handle())

        # hover a link: its weight; click it: type a new weight, the map redraws
        where = pg.hook("link(0, 0, 0)")
        page.mouse.move(where["x"], where["y"])
        tip = pg.root.locator(".nnpg-tip")
        tip.wait_for(state="visible")
        w0 = pg.hook("weight(0, 0, 0)")
        assert f"w = {w0:.3f}" in tip.inner_text()
        before = pg.map_pixels()
        page.mouse.click(where["x"], where["y"])
        editor = pg.root.locator(".nnpg-edit")
        editor.wait_for(state="visible")
        editor.fill("4.5")
        editor.press("Enter")
        page.wait_for_function("v => v.__nnpg.weight(0, 0, 0) == 4.5",
                               arg=pg.view.element_handle(), timeout=30_000)
        time.sleep(0.3)
        assert _changed(before, pg.map_pixels())

        # play: frames per second of the default network; the loss curve's hover
        fps_default, epochs_default = pg.play_for(4.0)
        assert epochs_default > 0
        curve = pg.root.locator(".nnpg-loss-curve")
        box = curve.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
        page.wait_for_function("c => c.title.includes('epoch')",
                               arg=curve.element_handle())
        assert "test loss" in curve.get_attribute("title")

        # a bad CSV file: a message in the widget, nothing changes; then a good one
        upload = pg.root.locator("button.nnpg-upload, .nnpg-upload button").first
        status = pg.root.locator(".nnpg-upload-status")
        epoch = pg.epoch()
        choose_file(page, upload, "bad.csv", BAD_CSV)
        page.wait_for_function("s => s.innerText.includes('was not loaded')",
                               arg=status.element_handle(), timeout=30_000)
        assert "row 3" in status.inner_text() and "not a number" in status.inner_text()
        assert pg.epoch() == epoch and pg.hook("sizes()") == [2, 4, 2, 1]
        before = pg.map_pixels()
        choose_file(page, upload, "mine.csv", GOOD_CSV)
        page.wait_for_function("s => s.innerText.includes('loaded 120 points')",
                               arg=status.element_handle(), timeout=30_000)
        assert pg.root.locator(".nnpg-dataset select").input_value() == "custom"
        page.wait_for_function("v => v.__nnpg.frames() > 0", arg=pg.view.element_handle())
        time.sleep(0.3)
        assert pg.epoch() == 0 and _changed(before, pg.map_pixels())

        # switch to a multi-class data set: softmax outputs, map by class, 3 x 3 matrix
        pg.root.locator(".nnpg-dataset select").select_option("circle")
        pg.root.locator(".nnpg-problem select").select_option("multi-class")
        page.wait_for_function("v => v.__nnpg.sizes().slice(-1)[0] == 3",
                               arg=pg.view.element_handle(), timeout=30_000)
        pg.play_for(1.5)
        time.sleep(0.3)
        assert pg.root.locator(".nnpg-confusion tr").count() == 4
        rgb = pg.map_pixels()
        green = (rgb[..., 1] > rgb[..., 0] + 0.15) & (rgb[..., 1] > rgb[..., 2] + 0.1)
        assert green.mean() > 0.02                     # class 2 is drawn green
        pg.root.screenshot(path=str(BUILD / "playground_multiclass.png"))

        # the largest network: frames per second
        big = Surface(page, 1)
        big.root.scroll_into_view_if_needed()
        assert big.hook("sizes()") == [7] + [32] * 10 + [1]
        fps_big, epochs_big = big.play_for(4.0)
        ms_default, ms_big = pg.hook("drawMs()"), big.hook("drawMs()")
        big.root.screenshot(path=str(BUILD / "playground_largest.png"))
        report = (f"frames per second drawn in headless Chromium while playing (cap 30): "
                  f"default [2, 4, 2, 1]: {fps_default:.1f} ({epochs_default} epochs in 4 s);"
                  f" largest [7, 32 x 10, 1]: {fps_big:.1f} ({epochs_big} epochs in 4 s); "
                  f"drawing one frame takes the browser {ms_default:.1f} ms and "
                  f"{ms_big:.1f} ms\n")
        (BUILD / "browser_fps.txt").write_text(report)
        print(report)
        assert not errors, errors
