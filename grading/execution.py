"""Where the sandboxes run: N at a time on this machine, or on the workers of a Dask cluster.

Both ways call the same :func:`run_job` with plain data (the solution cell's source, the driver's name,
the bytes of the hidden inputs, the limits) and get back an :class:`~grading.sandbox.Outcome` holding the
bytes of the result file.  No score is computed here: the caller (the instructor's process) reads and
judges the results.  A Dask worker only starts sandboxes; it never imports or runs student code itself.
"""

import collections
import concurrent.futures
import dataclasses
import os
import shutil
import stat
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
    """Compile the library's kernels once into ``cache_dir`` (a private folder), in a trusted process
    (library code only).

    Each sandbox sees it read-only and starts from a copy in its own /scratch, so the first call of a kernel
    in a student's run loads it instead of spending seconds compiling; a student's run can change its copy,
    never this one."""
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


# One folder of compiled kernels for every course and run on this machine (make sets it beside its own
# cache, named by the kernels' hash); unset, each course keeps its own and each Dask worker process its own
CACHE_VARIABLE = "GRADING_NUMBA_CACHE"


def kernel_cache(default):
    """The sandboxes' compiled kernels, ready: ``$GRADING_NUMBA_CACHE`` when it is set, else ``default``.

    Either way the folder must be this user's own (:func:`private_folder`) and only
    :func:`warm_numba_cache` writes to it, so what the sandboxes load was compiled by library code only.
    With the variable set, a new course or a new Dask worker loads the kernels in a second instead of
    compiling them for half a minute."""
    folder = Path(os.environ.get(CACHE_VARIABLE) or default)
    folder.parent.mkdir(parents=True, exist_ok=True)
    return warm_numba_cache(private_folder(folder))


def private_folder(path):
    """``path`` as a folder that only this user can enter, made with mode 0700 if missing.  An existing one
    must be a real folder (not a symlink) of this user; access for others is taken away.  Anything else
    (another user's folder, planted where ours should be) is refused: the grader keeps hidden inputs and
    compiled kernels there, which it trusts."""
    path = Path(path)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise PermissionError(f"{path} is not a folder of this user's: the grader will not keep its files there")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


_process_dir = None
_process_lock = threading.Lock()


def process_folder():
    """A private folder of this process (``mkdtemp``: an unpredictable name, mode 0700), removed at exit:
    where a Dask worker keeps the hidden inputs it received and the kernels it compiled."""
    global _process_dir
    with _process_lock:
        if _process_dir is None:
            import atexit

            _process_dir = Path(tempfile.mkdtemp(prefix="course-grading-"))
            atexit.register(shutil.rmtree, _process_dir, ignore_errors=True)
        return _process_dir


def run_job(job, input_name, input_bytes, limits, numba_cache=None, work_dir=None):
    """One sandbox run: the hidden inputs written once per folder (by content), the kernels compiled once
    per folder, then :func:`grading.sandbox.run`.  ``work_dir``: a private folder (default: this process's).
    Runs in a local thread or a Dask worker alike."""
    work = Path(work_dir) if work_dir else process_folder()
    path = sandbox.input_file(input_name, input_bytes, private_folder(work / "inputs")) if input_bytes else None
    cache = numba_cache or kernel_cache(work / "numba-cache")
    return sandbox.run(job, path, limits, numba_cache=cache, work_dir=work)


# the sandbox time one student's exercises may take together (an honest student's take about 20 s)
STUDENT_BUDGET_SECONDS = 600.0


class LocalPool:
    """``jobs`` sandboxes at a time on this machine, fair to the class.

    Each free slot takes the next exercise of the student who has used the least sandbox time so far, so
    a submission that runs slowly (or sleeps up to its limits) waits behind everyone else's next exercise
    instead of holding their records back; and the exercises of one student share a time budget: a run's
    wall limit is cut to what is left of it, and what finds it spent scores nothing (Outcome.killed
    "budget")."""

    def __init__(self, jobs, numba_cache, *, budget=STUDENT_BUDGET_SECONDS):
        self.numba_cache = numba_cache
        self.budget = budget
        self.work_dir = Path(tempfile.mkdtemp(prefix="course-grading-"))      # private: 0700
        self._pending = {}            # student -> deque of (future, job, input name, input bytes, limits)
        self._spent = {}              # student -> sandbox seconds
        self._cond = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, daemon=True, name=f"sandbox-{i}")
                         for i in range(jobs)]
        for thread in self._threads:
            thread.start()

    def submit(self, job, input_name, input_bytes, limits, student=""):
        future = concurrent.futures.Future()
        with self._cond:
            self._pending.setdefault(student, collections.deque()).append(
                (future, job, input_name, input_bytes, limits))
            self._spent.setdefault(student, 0.0)
            self._cond.notify()
        return future

    def _take(self):
        """(student, job) of the student with pending work who used the least time (under the lock)."""
        waiting = [s for s, queue in self._pending.items() if queue]
        if not waiting:
            return None
        student = min(waiting, key=lambda s: self._spent[s])      # ties: the order of submission
        return student, self._pending[student].popleft()

    def _work(self):
        while True:
            with self._cond:
                taken = self._take()
                while taken is None and not self._closed:
                    self._cond.wait()
                    taken = self._take()
                if taken is None:
                    return
                student, (future, job, input_name, input_bytes, limits) = taken
                left = self.budget - self._spent[student]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if left < 1.0:
                    outcome = sandbox.Outcome(killed="budget")
                else:
                    cut = dataclasses.replace(limits, wall_seconds=min(limits.wall_seconds, left))
                    outcome = run_job(job, input_name, input_bytes, cut, self.numba_cache, self.work_dir)
                    if outcome.killed == "wall" and cut.wall_seconds < limits.wall_seconds:
                        outcome.killed = "budget"
                with self._cond:
                    self._spent[student] += outcome.seconds
                future.set_result(outcome)
            except BaseException as exc:                 # the sandbox could not run: the caller decides
                future.set_exception(exc)

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        shutil.rmtree(self.work_dir, ignore_errors=True)


# DaskPool, the same jobs on a (secured) Dask cluster, is in grading/cluster.py
