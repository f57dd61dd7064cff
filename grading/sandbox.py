"""One student's solution cell in a bubblewrap sandbox (Debian's ``bwrap``): the only place student code runs.

What the sandbox sees (everything else of the machine does not exist in it):

* read-only: the system's /usr (and /lib, /bin through it), the Python installation and the course
  environment (the virtualenv), ``grading/inside`` at /grader, the job at /job.json, the exercise's hidden
  inputs at /inputs, and what the exercise has of the course: the two packages nnlib and isingmc, with the
  folders that hold the exercise's answer replaced by a stub (``inside/hidden``, which names what a
  solution used of them), or, for backprop, numpy and the sheet's network.py (at /sheet) and no other
  package of the environment (no jax, torch or autograd);
* writable: size-limited tmpfs folders in memory: /scratch (the working directory and HOME), /tmp and
  /dev/shm; the root is read-only; on the grader's disk only the one result file /scratch/result.npz
  (at most the file-size limit);
* no network (a network namespace of its own), no other process (a PID namespace of its own), no
  course directory, no gradebook, no other student, no repository files, no data/ folder, and nothing of
  the grader's environment: bwrap starts with a minimal one, and its arguments (host paths) come through
  a file descriptor, not a command line a student could read in /proc/1/cmdline.

Limits for the whole sandbox: a cgroup of its own with memory (tmpfs included) and process limits where
the machine allows one (grading/cgroups.py), else the process limit of ``prlimit`` (binding for a grader
that is not root) and the tmpfs sizes; per process, set by ``prlimit`` before bwrap starts: address space,
CPU seconds (SIGXCPU, then SIGKILL a few seconds later) and file size; and a wall-clock limit at which the
whole sandbox is killed with SIGKILL, whatever signals the student's code ignores.

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

from . import cgroups

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
    limit is the one a hang meets.  ``memory_mb`` holds for the whole sandbox where it has a cgroup (and
    per process always), ``processes`` the number of processes and threads, ``file_mb`` each file and
    each tmpfs folder (/scratch, /tmp; /dev/shm gets ``shm_mb``)."""
    wall_seconds: float = 120.0
    cpu_seconds: float = None
    memory_mb: int = 6144
    file_mb: int = 256
    processes: int = 64
    shm_mb: int = 64

    def __post_init__(self):
        if self.cpu_seconds is None:
            object.__setattr__(self, "cpu_seconds", 2.0 * self.wall_seconds)


@dataclasses.dataclass
class Outcome:
    """What came out of one sandbox: the result file's bytes (or None), and why it ended."""
    result: bytes = None
    returncode: int = None
    killed: str = None            # "wall", "cpu" or "memory" when a limit ended the run
    seconds: float = 0.0
    log: str = ""                 # the end of what the run printed (stdout and stderr)
    memory_peak: int = None       # the most memory the whole sandbox held, in bytes (with a cgroup)


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


# packages that compute gradients: not in the sheet's sandbox, where backprop is the exercise
AUTODIFF = ("jax", "jaxlib", "torch", "autograd", "tensorflow", "theano", "pytensor", "mxnet")
MINIMAL_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def _site_packages():
    """The site-packages folders of the environment and of the base installation."""
    import sysconfig

    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
               sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})["purelib"]}
    return sorted(Path(f) for f in folders if Path(f).is_dir())


def _numpy_only():
    """bwrap arguments that leave of the environment's packages numpy only (the sheet's sandbox)."""
    import numpy

    numpy_dir = Path(numpy.__file__).resolve().parent
    args = []
    for folder in _site_packages():
        args += ["--tmpfs", str(folder)]
    for keep in (numpy_dir, numpy_dir.with_name("numpy.libs")):
        if keep.is_dir():
            args += ["--ro-bind", str(keep), str(keep)]
    return args


def command(job_dir, inputs, *, library="nnlib", hides=(), numba_cache=None, limits=None):
    """The options of bwrap for a sandbox that runs ``RUNNER`` (grading/inside/runner.py) on the job in
    ``job_dir`` (job.json; result.npz, the one file the sandbox may write on the grader's disk).

    ``library``: "nnlib" (the course's packages, each folder of ``hides``, e.g. "nnlib/transition", replaced
    by the stub inside/hidden), "sheet" (the sheet's network.py at /sheet, numpy and no other package) or
    None (neither)."""
    limits = limits or Limits()
    args = ["--unshare-all", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.shm_mb * 2**20), "--tmpfs", "/dev/shm",
            "--size", str(limits.file_mb * 2**20), "--tmpfs", "/tmp"]
    for name in ("bin", "lib", "lib64", "lib32", "sbin"):        # merged /usr: symlinks; else binds
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    for root in _python_roots():
        args += ["--ro-bind", str(root), str(root)]
    if library == "nnlib":
        for package in ("nnlib", "isingmc"):
            args += ["--ro-bind", str(PACKAGES / package), str(PACKAGES / package)]
        for folder in hides:                # bound over the real folder: its code is not in the sandbox
            args += ["--ro-bind", str(INSIDE / "hidden"), str(PACKAGES / folder)]
    elif library == "sheet":
        args += _numpy_only() + ["--ro-bind", str(SHEET_NETWORK), "/sheet/network.py"]
    elif library is not None:
        raise ValueError(f"library must be 'nnlib', 'sheet' or None, got {library!r}")
    args += ["--ro-bind", str(INSIDE), "/grader", "--ro-bind", str(Path(job_dir) / "job.json"), "/job.json",
             "--size", str(limits.file_mb * 2**20), "--tmpfs", "/scratch",
             "--bind", str(Path(job_dir) / "result.npz"), "/scratch/result.npz"]
    if numba_cache is not None:
        args += ["--ro-bind", str(numba_cache), "/numba-cache"]
    if inputs is not None:
        args += ["--ro-bind", str(inputs), "/inputs/" + Path(inputs).name]
    args += ["--remount-ro", "/", "--chdir", "/scratch", "--clearenv", "--setenv", "HOME", "/scratch",
             "--setenv", "TMPDIR", "/tmp", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
             "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/scratch/.matplotlib",
             "--setenv", "NUMBA_CACHE_DIR", "/scratch/.numba_cache", "--setenv", "COURSE_PYTHON", sys.executable]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        args += ["--setenv", var, "1"]
    if os.geteuid() == 0:           # never root inside: an unprivileged user in a user namespace
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    return args


# bwrap's command line (the options come through a file descriptor): no host path a student could read back;
# the interpreter's path comes in an environment variable that the shell removes before it starts Python
RUNNER = ["/bin/sh", "-c", 'python="$COURSE_PYTHON"; unset COURSE_PYTHON; '
          'exec "$python" -I -B /grader/runner.py /job.json']


def _limits_prefix(limits, whole_sandbox):
    """``prlimit`` (util-linux) sets the limits and then runs bwrap: setrlimit in a preexec_fn is not safe
    in a process with threads (a local pool runs several sandboxes from threads).  Without a cgroup
    (``whole_sandbox`` False) the process limit is prlimit's, which binds a grader that is not root."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise SandboxUnavailable("prlimit (util-linux) is not installed: it sets the sandbox's limits")
    memory, size = limits.memory_mb * 2**20, limits.file_mb * 2**20
    cpu = int(limits.cpu_seconds)
    nproc = [] if whole_sandbox else [f"--nproc={limits.processes}"]
    return [prlimit, f"--as={memory}", f"--cpu={cpu}:{cpu + 5}", f"--fsize={size}", "--core=0", *nproc, "--"]


def _start(args, limits, log, cgroup, program=RUNNER):
    """Start ``program`` in bwrap with the options ``args`` read from a pipe (``--args FD``) and a minimal
    environment."""
    read_end, write_end = os.pipe()
    try:
        data = b"".join(a.encode() + b"\0" for a in args)
        if len(data) > 60_000:                        # a pipe holds 64 KB before a writer blocks
            raise ValueError("bwrap's arguments do not fit in a pipe")
        os.write(write_end, data)
        os.close(write_end)
        write_end = None
        cmd = cgroups.enter_prefix(cgroup) + _limits_prefix(limits, cgroup is not None) + \
            [bwrap_path(), "--args", str(read_end), *program]
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env=MINIMAL_ENV, pass_fds=(read_end,), cwd="/")
    finally:
        os.close(read_end)
        if write_end is not None:
            os.close(write_end)


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

    ``job``: {"code": the student's solution cell, "helpers": the cells the student added above it (their
    definitions run first), "driver": its grade_id in inside/drivers, "library" and "hides": what the
    sandbox has of the course (see :func:`command`)}; ``inputs_path``: the hidden
    inputs (.npz) or None; ``numba_cache``: a folder of compiled kernels made by a trusted process, bound
    read-only and copied into the sandbox's own /scratch before the student's code runs (never shared
    writable: a student could otherwise plant code that later students load); ``work_dir``: a private
    folder of the grader's for the job's files.
    """
    job_dir = Path(tempfile.mkdtemp(prefix="sandbox-", dir=work_dir))   # 0700; the sandbox's user is this
    cgroup = None                                                       # user, seen through its namespace
    try:
        inside_inputs = "/inputs/" + Path(inputs_path).name if inputs_path else None
        library = job.get("library", "nnlib")
        path = ["/grader", "/sheet"] if library == "sheet" else ["/grader"]
        cache = numba_cache if numba_cache and Path(numba_cache).is_dir() else None
        (job_dir / "job.json").write_text(json.dumps({"code": job["code"], "driver": job["driver"],
                                                      "helpers": list(job.get("helpers", ())),
                                                      "inputs": inside_inputs, "path": path,
                                                      "numba_cache": "/numba-cache" if cache else None}))
        (job_dir / "result.npz").touch(mode=0o600)
        args = command(job_dir, inputs_path, library=library, hides=tuple(job.get("hides", ())),
                       numba_cache=cache, limits=limits)
        try:
            cgroup = cgroups.Cgroup(limits.memory_mb * 2**20, limits.processes)
        except OSError:
            cgroup = None                       # per-process limits and tmpfs sizes only (README)
        log_path = job_dir / "log"
        outcome = Outcome()
        start = time.monotonic()
        with open(log_path, "wb") as log:
            proc = _start(args, limits, log, cgroup)
            try:
                outcome.returncode = proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                outcome.killed = "wall"
                os.killpg(proc.pid, signal.SIGKILL)     # bwrap and, with its PID namespace, all inside
                outcome.returncode = proc.wait()
        outcome.seconds = time.monotonic() - start
        if cgroup is not None:
            outcome.memory_peak = cgroup.peak_memory()
            if outcome.killed is None and cgroup.out_of_memory():
                outcome.killed = "memory"
        if outcome.returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU,
                                  128 + signal.SIGKILL) and outcome.killed is None:
            outcome.killed = "cpu"
        outcome.result = _read_regular(job_dir / "result.npz", MAX_RESULT_BYTES) or None
        outcome.log = _tail(log_path)
        return outcome
    finally:
        if cgroup is not None:
            cgroup.remove()
        shutil.rmtree(job_dir, ignore_errors=True)


def check_available():
    """Raise SandboxUnavailable unless a sandbox starts here (run once before a batch)."""
    with tempfile.TemporaryDirectory() as job_dir:
        for name in ("job.json", "result.npz"):
            (Path(job_dir) / name).touch()
        # the same namespaces and binds, running `true` instead of the runner
        cmd = [bwrap_path()] + command(job_dir, None, library=None) + ["/usr/bin/true"]
        result = subprocess.run(cmd, capture_output=True, text=True, env=MINIMAL_ENV)
    if result.returncode != 0:
        raise SandboxUnavailable("bwrap cannot start a sandbox here: " + result.stderr.strip()[-300:])
