"""Shared fixtures of the test suite.

Browser tests (tests/test_browser*.py, tests/test_backprop_steps_browser.py): ``chromium`` is
headless Debian Chromium driven by Playwright, ``jupyter_lab`` starts JupyterLab on 127.0.0.1 the
way ``make lab`` starts it for a student (token on, nbgrader's instructor tools off, nothing read
from or written to the user's Jupyter settings).

Unit tests: ``nielsen`` is M. Nielsen's network code written out independently of nnlib, the one
reference backprop they compare with.  Test files carry their markers themselves (pytestmark: slow,
browser, sandbox, server, nbgrader: what make check leaves out).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------- browser tests
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BROWSER_BUILD = ROOT / "build" / "browser"        # screenshots and server logs
LAB_TOKEN = "browser-test-token"
BIN = Path(sys.executable).parent                  # the environment's bin (.venv/bin)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc, port, what, log, seconds):
    """Wait until ``proc`` listens on ``port``; raise (pointing to ``log``) if it exits first."""
    deadline = time.time() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.time() > deadline:
                raise RuntimeError(f"{what} did not start listening within {seconds} s; see {log}")
            time.sleep(0.3)


def stop_process_group(proc):
    """Stop a server started with ``start_new_session=True`` and what it started (kernels)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture
def chromium():
    """Headless Chromium (Debian's, through Playwright's ``executable_path``): a Playwright
    ``Browser``, closed after the test.  Skips when Chromium or Playwright is missing (an error in
    CI, where .ci/run installs them)."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it, so in CI this is an error")
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Lab:
    """A running JupyterLab: ``url(path)`` is the address that opens ``path`` (relative to the
    lab's root) with the token."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    def url(self, path=""):
        return f"{self.base}/lab/tree/{path}?token={self.token}"


@pytest.fixture
def jupyter_lab(tmp_path_factory):
    """``start(root_dir, log="lab.log") -> Lab``: JupyterLab as ``make lab`` starts it (127.0.0.1,
    token on, the student's lab configuration of tools/student-lab, nbgrader's server extensions
    off), on ``root_dir``, with its settings, workspaces and runtime files in a temporary folder
    of their own; its output goes to build/browser/<log>.  Stopped, with its kernels, after the
    test."""
    started = []

    def start(root_dir, log="lab.log"):
        home = tmp_path_factory.mktemp("lab-home")
        port = free_port()
        env = dict(os.environ, PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1",
                   JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_CONFIG_PATH=os.pathsep.join(
                       [str(ROOT / "tools" / "student-lab")]
                       + [p for p in [os.environ.get("JUPYTER_CONFIG_PATH")] if p]),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        env.pop("JUPYTER_TOKEN", None)
        BROWSER_BUILD.mkdir(parents=True, exist_ok=True)
        log_path = BROWSER_BUILD / log
        cmd = [str(BIN / "jupyter"), "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root_dir}",
               f"--IdentityProvider.token={LAB_TOKEN}",
               "--ServerApp.jpserver_extensions=notebook_shim=False",
               "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False",
               "--ServerApp.jpserver_extensions=nbgrader.server_extensions.course_list=False",
               f"--LabApp.user_settings_dir={home / 'settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}",
               "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")         # containers and CI runners
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        started.append(proc)
        wait_for_port(proc, port, "jupyter lab", log_path, 90)
        return Lab(f"http://127.0.0.1:{port}", LAB_TOKEN)

    try:
        yield start
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                stop_process_group(proc)


# ---------------------------------------------------------------------- the reference backprop
class Nielsen:
    """M. Nielsen's ``network.py`` written out again, independently of nnlib: the one reference
    backprop the unit tests hold ``nnlib.Network`` against (fixture ``nielsen``).

    A network is anything with ``weights``, ``biases`` and nnlib's configuration names
    (``activation`` of the hidden layers, ``output``, ``cost``); the course's is sigmoid,
    sigmoid, quadratic.  Columns are examples, as in the course."""

    @staticmethod
    def sigma(name, z):
        if name == "sigmoid":
            return 1.0 / (1.0 + np.exp(-z))
        if name == "tanh":
            return np.tanh(z)
        if name == "relu":
            return np.where(z > 0, z, 0.0)
        if name == "linear":
            return z
        if name == "softmax":
            e = np.exp(z - z.max(axis=0))
            return e / e.sum(axis=0)
        raise AssertionError("the reference has no activation %r" % name)

    @staticmethod
    def sigma_prime(name, z):
        if name == "sigmoid":
            s = 1.0 / (1.0 + np.exp(-z))
            return s * (1 - s)
        if name == "tanh":
            return 1 - np.tanh(z) ** 2
        if name == "relu":
            return (z > 0).astype(float)
        if name == "linear":
            return np.ones_like(z)
        raise AssertionError("the reference has no derivative of %r" % name)

    @classmethod
    def feedforward(cls, net, x):
        """Equation (1), layer by layer: (zs, activations) with activations[0] = x."""
        zs, activations = [], [x]
        L = len(net.weights)
        for i, (b, w) in enumerate(zip(net.biases, net.weights)):
            zs.append(w.astype(float) @ activations[-1] + b)
            activations.append(cls.sigma(net.output if i == L - 1 else net.activation, zs[-1]))
        return zs, activations

    @classmethod
    def backprop(cls, net, x, y, forget_sigma_prime=False):
        """(nabla_b, nabla_w) of one example by equations (1)-(5); ``forget_sigma_prime``: the
        classic slip, sigma'(z^l) left out of equation (3)."""
        zs, activations = cls.feedforward(net, x)
        L = len(net.weights)
        if net.cost == "quadratic":  # (2)
            delta = (activations[-1] - y) * cls.sigma_prime(net.output, zs[-1])
        else:  # cross-entropy with sigmoid or softmax outputs: sigma' cancels
            delta = activations[-1] - y
        nabla_b, nabla_w = [None] * L, [None] * L
        nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T  # (4), (5)
        for l in range(2, L + 1):
            delta = net.weights[-l + 1].T @ delta  # (3)
            if not forget_sigma_prime:
                delta = delta * cls.sigma_prime(net.activation, zs[-l])
            nabla_b[-l], nabla_w[-l] = delta, delta @ activations[-l - 1].T
        return nabla_b, nabla_w

    @classmethod
    def cost(cls, net, x, y):
        """C_x of one example."""
        a = cls.feedforward(net, x)[1][-1]
        if net.cost == "quadratic":
            return 0.5 * np.sum((a - y) ** 2)
        if net.output == "softmax":
            return -np.sum(y * np.log(a))
        return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))


@pytest.fixture
def nielsen():
    """The reference network code of the course (``Nielsen``): ``nielsen.backprop(net, x, y)``,
    ``nielsen.cost(net, x, y)``, ``nielsen.feedforward(net, x)``."""
    return Nielsen
