"""One student's solution cell in a bubblewrap sandbox (Debian's ``bwrap``): the only place student code runs.

What the sandbox sees (everything else of the machine does not exist in it):

* read-only: the system's /usr (and /lib, /bin through it), the Python installation and the course
  environment (the virtualenv), ``grading/inside`` at /grader, the exercise's hidden inputs at /inputs,
  and what the exercise has of the course: the two packages nnlib and isingmc, with the folders that hold
  the exercise's answer replaced by a stub (``inside/hidden``, which names what a solution used of them),
  or, for backprop, numpy and the sheet's network.py only (at /sheet);
* read-write: an empty scratch folder, its working directory and HOME, deleted after the run;
* no network (a network namespace of its own), no other process (a PID namespace of its own), no
  course directory, no gradebook, no other student, no repository files, no data/ folder.

Limits, set by ``prlimit`` before bwrap starts and inherited by everything inside: address space
(memory), CPU seconds (SIGXCPU, then SIGKILL a few seconds later) and file size; plus a wall-clock limit
at which the whole sandbox is killed with SIGKILL, whatever signals the student's code ignores.

``run`` is a plain function of plain data, so a Dask worker can call it as well as a local thread pool;
it returns the bytes of the result file and never interprets them (the grader does, see checks.py).
"""

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSIDE = Path(__file__).resolve().parent / "inside"
PACKAGES = Path(__file__).resolve().parent.parent           # where nnlib/ and isingmc/ live
SHEET_NETWORK = PACKAGES / "notebooks" / "network.py"       # the exercise sheet's network, without backprop
MAX_RESULT_BYTES = 64 * 2**20
MAX_LOG_BYTES = 8 * 2**10


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot create its namespaces here: nothing can be graded safely."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per sandbox.  The CPU limit (default: twice the wall limit) catches runaway threads; the wall
    limit is the one a hang meets."""
    wall_seconds: float = 120.0
    cpu_seconds: float = None
    memory_mb: int = 6144
    file_mb: int = 256

    def __post_init__(self):
        if self.cpu_seconds is None:
            object.__setattr__(self, "cpu_seconds", 2.0 * self.wall_seconds)


@dataclasses.dataclass
class Outcome:
    """What came out of one sandbox: the result file's bytes (or None), and why it ended."""
    result: bytes = None
    returncode: int = None
    killed: str = None            # "wall" or "cpu" when a limit ended the run
    seconds: float = 0.0
    log: str = ""                 # the end of what the run printed (stdout and stderr)


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable("bwrap (Debian's package bubblewrap) is not installed: grading runs every "
                                 "submission in it and will not run student code without it "
                                 "(apt-get install bubblewrap)")
    return path


def _python_roots():
    """The folders the interpreter needs: the base installation and the virtualenv (if any)."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
             Path(sys.executable).resolve().parent.parent}
    # a venv's bin/python is a symlink into the base installation; keep both sides
    return sorted(roots, key=str)


def command(scratch, inputs, *, library="nnlib", hides=()):
    """The bwrap command line that runs grading/inside/runner.py on scratch/job.json.

    ``library``: "nnlib" (the course's packages, each folder of ``hides``, e.g. "nnlib/transition", replaced
    by the stub inside/hidden), "sheet" (the sheet's network.py at /sheet, no nnlib) or None (neither)."""
    cmd = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
           "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for name in ("bin", "lib", "lib64", "lib32", "sbin"):        # merged /usr: symlinks; else binds
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    for root in _python_roots():
        cmd += ["--ro-bind", str(root), str(root)]
    if library == "nnlib":
        for package in ("nnlib", "isingmc"):
            cmd += ["--ro-bind", str(PACKAGES / package), str(PACKAGES / package)]
        for folder in hides:                # bound over the real folder: its code is not in the sandbox
            cmd += ["--ro-bind", str(INSIDE / "hidden"), str(PACKAGES / folder)]
    elif library == "sheet":
        cmd += ["--ro-bind", str(SHEET_NETWORK), "/sheet/network.py"]
    elif library is not None:
        raise ValueError(f"library must be 'nnlib', 'sheet' or None, got {library!r}")
    cmd += ["--ro-bind", str(INSIDE), "/grader", "--bind", str(scratch), "/scratch"]
    if inputs is not None:
        cmd += ["--ro-bind", str(inputs), "/inputs/" + Path(inputs).name]
    cmd += ["--chdir", "/scratch", "--clearenv", "--setenv", "HOME", "/scratch", "--setenv", "TMPDIR", "/tmp",
            "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/scratch/.matplotlib",
            "--setenv", "NUMBA_CACHE_DIR", "/scratch/.numba_cache"]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        cmd += ["--setenv", var, "1"]
    if os.geteuid() == 0:           # never root inside: an unprivileged user in a user namespace
        cmd += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    cmd += [sys.executable, "-I", "-B", "/grader/runner.py", "/scratch/job.json"]
    return cmd


def _limits_prefix(limits):
    """``prlimit`` (util-linux) sets the limits and then runs bwrap: setrlimit in a preexec_fn is not safe
    in a process with threads (a local pool runs several sandboxes from threads)."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise SandboxUnavailable("prlimit (util-linux) is not installed: it sets the sandbox's limits")
    memory, size = limits.memory_mb * 2**20, limits.file_mb * 2**20
    cpu = int(limits.cpu_seconds)
    return [prlimit, f"--as={memory}", f"--cpu={cpu}:{cpu + 5}", f"--fsize={size}", "--core=0", "--"]


def _read_regular(path, limit):
    """The bytes of ``path`` if it is a regular file no larger than ``limit``: never follows a symlink
    (a student could leave one pointing at a file of the grader's machine)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return f.read(limit + 1)[:limit]


def _tail(path):
    data = _read_regular(path, 2**30) or b""
    return data[-MAX_LOG_BYTES:].decode("utf-8", "replace")


def input_file(name, data, cache_dir):
    """The hidden inputs ``data`` (bytes of an .npz) as a read-only file in ``cache_dir``, named by their
    sha256, written once per machine (a Dask worker gets the bytes and keeps them here)."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    path = Path(cache_dir) / f"{name}-{digest}.npz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)
    return path


def run(job, inputs_path, limits, *, numba_cache=None, work_dir=None):
    """Run one job in a fresh sandbox.

    ``job``: {"code": the student's solution cell, "driver": its grade_id in inside/drivers, "library" and
    "hides": what the sandbox has of the course (see :func:`command`)}; ``inputs_path``: the hidden
    inputs (.npz) or None; ``numba_cache``: a
    folder of compiled kernels made by a trusted process, copied into the scratch folder (never shared
    writable: a student could otherwise plant code that later students load).
    """
    scratch = Path(tempfile.mkdtemp(prefix="grading-", dir=work_dir))
    try:
        # mode 0700 (mkdtemp's): the sandbox's user is this user, seen through a user namespace
        if numba_cache and Path(numba_cache).is_dir():
            shutil.copytree(numba_cache, scratch / ".numba_cache", symlinks=False)
        inside_inputs = "/inputs/" + Path(inputs_path).name if inputs_path else None
        library = job.get("library", "nnlib")
        path = ["/grader", "/sheet"] if library == "sheet" else ["/grader"]
        (scratch / "job.json").write_text(json.dumps({"code": job["code"], "driver": job["driver"],
                                                      "inputs": inside_inputs, "path": path}))
        cmd = command(scratch, inputs_path, library=library, hides=tuple(job.get("hides", ())))
        log_path = scratch.parent / (scratch.name + ".log")
        outcome = Outcome()
        start = time.monotonic()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(_limits_prefix(limits) + cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                outcome.returncode = proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                outcome.killed = "wall"
                os.killpg(proc.pid, signal.SIGKILL)     # bwrap and, with its PID namespace, all inside
                outcome.returncode = proc.wait()
        outcome.seconds = time.monotonic() - start
        if outcome.returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU,
                                  128 + signal.SIGKILL) and outcome.killed is None:
            outcome.killed = "cpu"
        outcome.result = _read_regular(scratch / "result.npz", MAX_RESULT_BYTES)
        outcome.log = _tail(log_path)
        os.unlink(log_path)
        return outcome
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_available():
    """Raise SandboxUnavailable unless a sandbox starts here (run once before a batch)."""
    with tempfile.TemporaryDirectory() as scratch:
        cmd = command(scratch, None, library=None)
        # the same namespaces and binds, running `true` instead of the runner
        cmd = cmd[:cmd.index(sys.executable)] + ["/usr/bin/true"]
        result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SandboxUnavailable("bwrap cannot start a sandbox here: " + result.stderr.strip()[-300:])
