"""The playground in a real browser: Voila serves notebook 01, headless Chromium drives it.

What a unit test cannot see: that the widgets render in a page (no "Loading widget" left), that a
slider moved in the browser reaches the kernel and rebuilds the network, and that "play" runs the
training loop on the kernel's event loop while the page keeps receiving frames.  Screenshots before
and after go to build/browser/.

The notebook's layout study is skipped in the served copy (environment NNLIB_SKIP_STUDY=1), so the
page is ready in seconds; the notebook as a whole is executed by the nbval run of ``make test``.
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
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = ROOT / "notebooks" / "01_playground.ipynb"
BUILD = ROOT / "build" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fallback_notebook():
    """A minimal notebook with only the playground, used while notebook 01 does not exist yet."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from nnlib.playground import Playground\n"
                                          "pg = Playground(seed=0)\npg")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = ROOT / "build" / "browser_test" / "playground_min.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@contextlib.contextmanager
def voila_server(notebook):
    port = _free_port()
    env = dict(os.environ, NNLIB_SKIP_STUDY="1", PYTHONUNBUFFERED="1")
    BUILD.mkdir(parents=True, exist_ok=True)
    log = open(BUILD / "voila.log", "wb")
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True",
           f"--Voila.root_dir={notebook.parent}"]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited with code {proc.returncode}; see {BUILD / 'voila.log'}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("voila did not start listening within 60 s")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _epoch(root):
    text = root.locator(".nnpg-epoch-value").first.inner_text()
    return int(text.replace(",", ""))


def _png_pixels(data):
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(data), format="png")


def test_playground_in_headless_chromium():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it, so in CI this is an error")
        pytest.skip(message)
    pytest.importorskip("voila")
    sync_api = pytest.importorskip("playwright.sync_api")

    notebook = NOTEBOOK if NOTEBOOK.exists() else _fallback_notebook()
    with voila_server(notebook) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url, timeout=180_000, wait_until="domcontentloaded")
            # widgets rendered: the map and the diagram are there and no placeholder is left
            page.wait_for_selector(".nnpg-heatmap img, img.nnpg-heatmap", timeout=180_000)
            page.wait_for_selector(".nnpg-diagram svg", timeout=60_000)
            page.wait_for_function(
                "() => !document.body.innerText.includes('Loading widget')", timeout=60_000)
            root = page.locator(".nnpg-root").first
            root.scroll_into_view_if_needed()
            # notebook 01 shows two playgrounds; drive the first one
            heat = root.locator(".nnpg-heatmap").first
            diagram = root.locator(".nnpg-diagram").first
            play = root.locator(".nnpg-play button, button.nnpg-play").first
            epoch_before = _epoch(root)          # notebook 01 has already stepped it 150 epochs
            before_svg = diagram.inner_html()
            before_heat = heat.screenshot()
            root.screenshot(path=str(BUILD / "playground_before.png"))
            n_paths = before_svg.count("<path")

            # move the neurons slider of layer 1 one step to the right (4 -> 5 neurons)
            handle = root.locator(".nnpg-neurons-1 .noUi-handle").first
            handle.focus()
            handle.press("ArrowRight")
            page.wait_for_function(
                "(n) => document.querySelector('.nnpg-root .nnpg-diagram svg').innerHTML"
                ".split('<path').length - 1 != n", arg=n_paths, timeout=30_000)
            after_slider_svg = diagram.inner_html()
            # one more neuron in layer 1 of [2, 4, 2, 1]: 2 + 2 = 4 more links
            assert after_slider_svg.count("<path") == n_paths + 4
            # a layout change starts over (as in the original), the counter shows it
            page.wait_for_function(
                "() => document.querySelector('.nnpg-root .nnpg-epoch-value').innerText"
                " == '000,000'", timeout=30_000)
            assert _epoch(root) == 0 < epoch_before

            # press play: the epoch counter advances, the diagram and the map change
            t_play = time.perf_counter()
            play.click()
            page.wait_for_function(
                "() => parseInt(document.querySelector('.nnpg-root .nnpg-epoch-value').innerText"
                ".replace(/,/g, '')) >= 20", timeout=60_000)
            t_20 = time.perf_counter()
            play.click()                                                          # pause
            time.sleep(0.5)
            epoch = _epoch(root)
            assert epoch >= 20
            # frames seen by the browser per second (information, not a pass/fail criterion)
            (BUILD / "browser_fps.txt").write_text(
                f"{epoch} epochs drawn in the browser; about {20 / (t_20 - t_play):.1f} frames/s "
                "from pressing play to epoch 20 (includes the first frame's latency)\n")
            after_svg = diagram.inner_html()
            after_heat = heat.screenshot()
            root.screenshot(path=str(BUILD / "playground_after.png"))
            (BUILD / "heatmap_before.png").write_bytes(before_heat)
            (BUILD / "heatmap_after.png").write_bytes(after_heat)
            assert after_svg != after_slider_svg != before_svg
            a, b = _png_pixels(before_heat), _png_pixels(after_heat)
            assert a.shape == b.shape
            assert np.abs(a - b).max() > 0.1
            # paused: the counter stays
            time.sleep(1.0)
            assert _epoch(root) == epoch
        finally:
            browser.close()
