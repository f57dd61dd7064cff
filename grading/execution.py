"""Where the sandboxes run: N at a time on this machine, or on the workers of a Dask cluster.

Both ways call the same :func:`run_job` with plain data (the solution cell's source, the driver's name,
the bytes of the hidden inputs, the limits) and get back an :class:`~grading.sandbox.Outcome` holding the
bytes of the result file.  No score is computed here: the caller (the instructor's process) reads and
judges the results.  A Dask worker only starts sandboxes; it never imports or runs student code itself.
"""

import concurrent.futures
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import sandbox

WARM_UP = """
import numpy as np
import isingmc
from nnlib import Network
from nnlib.transition import phases

rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64):
    X = rng.normal(size=(40, 6)).astype(dtype)
    y = np.arange(40) % 3
    for keywords in ({}, {"init": "scaled", "output": "softmax", "cost": "cross-entropy"},
                     {"activation": "relu", "output": "softmax", "cost": "cross-entropy", "init": "he"}):
        net = Network([6, 5, 4, 3], seed=0, dtype=dtype, **keywords)
        net.SGD((X, y), 1, 10, 0.1, verbose=False)
        net.SGD((X, y), 2, 10, 0.1, momentum=0.9, lmbda=1.0, schedule="cosine", verbose=False)
        net.accuracy(X, y)
spins = isingmc.simulate(8, 2.0, 4, seed=0)
isingmc.energy_per_site(spins), isingmc.magnetization_per_site(spins)
data = isingmc.labelled_snapshots(8, [1.5, 3.0], 8, seed=0)
phases.train_phase_network(data.X, data.labels, hidden=4, epochs=1, augment=isingmc.random_symmetry, seed=0)
"""

_warm_lock = threading.Lock()
_warm_dirs = {}


def warm_numba_cache(cache_dir):
    """Compile the library's kernels once into ``cache_dir``, in a trusted process (library code only).

    Each sandbox gets a private copy, so the first call of a kernel in a student's run loads it instead
    of spending seconds compiling; a student's run can change its copy, never this one."""
    cache_dir = str(cache_dir)
    with _warm_lock:
        if cache_dir in _warm_dirs:
            return cache_dir
        os.makedirs(cache_dir, exist_ok=True)
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        result = subprocess.run([sys.executable, "-c", WARM_UP], env=env, capture_output=True, text=True,
                                cwd=tempfile.gettempdir())
        if result.returncode != 0:
            raise RuntimeError("compiling the library's kernels for the sandboxes failed:\n"
                               + result.stderr[-2000:])
        _warm_dirs[cache_dir] = True
        return cache_dir


def _machine_dir():
    return Path(tempfile.gettempdir()) / f"course-grading-{os.getuid()}"


def run_job(job, input_name, input_bytes, limits, numba_cache=None):
    """One sandbox run: the hidden inputs are written once per machine (by content), the kernels
    compiled once per machine, then :func:`grading.sandbox.run`.  Runs in a local thread or a Dask
    worker alike."""
    machine = _machine_dir()
    path = sandbox.input_file(input_name, input_bytes, machine / "inputs") if input_bytes else None
    cache = numba_cache or warm_numba_cache(machine / "numba-cache")
    return sandbox.run(job, path, limits, numba_cache=cache)


class LocalPool:
    """``jobs`` sandboxes at a time on this machine (threads that wait for their sandbox)."""

    def __init__(self, jobs, numba_cache):
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        self.numba_cache = numba_cache

    def submit(self, job, input_name, input_bytes, limits):
        return self.executor.submit(run_job, job, input_name, input_bytes, limits, self.numba_cache)

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def close(self):
        self.executor.shutdown(wait=True)


class DaskPool:
    """The same jobs on a Dask distributed cluster (``tcp://HOST:PORT`` of a running scheduler).

    The hidden inputs are sent to every worker once (scattered); each worker compiles the kernels once
    into its own temporary folder.  Workers need the course environment (this repository, installed as
    by ``make setup``) and ``bwrap``."""

    def __init__(self, scheduler):
        from distributed import Client

        self.client = Client(scheduler, timeout="30s")
        self._scattered = {}

    def _data(self, input_name, input_bytes):
        if input_name not in self._scattered:
            self._scattered[input_name] = self.client.scatter(input_bytes, broadcast=True, hash=False)
        return self._scattered[input_name]

    def submit(self, job, input_name, input_bytes, limits):
        data = self._data(input_name, input_bytes) if input_bytes else None
        return self.client.submit(run_job, job, input_name, data, limits, pure=False, retries=1)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def close(self):
        self.client.close()
