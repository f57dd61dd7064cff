"""Grading on a secured Dask cluster (grading/cluster.py): it grades like this machine, and it keeps out
what it must.

A small course (notebooks 02 and 05, four students) is released with the real nbgrader and graded on this
machine for reference.  Certificates come from ``python -m grading certificates``; a TLS scheduler and two
workers on 127.0.0.1 (mutual TLS, encryption required) then grade the same students through ``python -m
grading autograde --scheduler tls://... --tls-dir ...`` and must give the same scores.  Then:

* nobody without a certificate of the course connects: a TLS client without one, one signed by another
  CA, a plain TCP client, a worker with another CA's certificate, the grader given another course's folder;
* a plain ``tcp://`` scheduler on another machine is refused (loopback is fine, ``--insecure`` warns);
* a rogue worker's answers (a pickled result, a pickled ``Outcome``, a result whose type runs code when
  unpickled, an exception whose pickle runs code, a pickled ``warn`` event) run no code in the grader's
  process, while the same answers do run code in a plain ``distributed.Client`` (the control);
* a worker that hangs costs its jobs their deadline (wall limit + ``--deadline-margin``), not the batch:
  the batch finishes, the students whose jobs it held are left for the next run, which grades them.
"""

import json
import math
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import stop_process_group

from test_nbgrader import ALWAYS_EQUAL, ASSIGNMENT, READ_COURSE_FILES, ROOT, autograded, grade, run, with_solution

pytestmark = pytest.mark.nbgrader

BIN = Path(sys.executable).parent
NOTEBOOKS = [ROOT / "notebooks" / f"{name}.ipynb" for name in ("02_mnist_data", "05_ising_data")]
SEED = "2026"
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1",
           DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")
ATTACKS = ("rogue: pickled result", "rogue: forged outcome", "rogue: result type", "rogue: exception",
           "rogue: warn event")
TAGS = {"rogue: pickled result": "result", "rogue: forged outcome": "outcome", "rogue: result type": "type",
        "rogue: exception": "exception", "rogue: warn event": "warn"}

# A worker's --preload: it answers the attack jobs with payloads that run code wherever they are unpickled
# (each leaves a file named by its tag and the id of the process that ran it), and hangs on any other job.
ROGUE = '''\
import os
import pickle
import time

import grading.cluster
from distributed.protocol.serialize import Serialized

MARK = os.environ["ROGUE_MARK_DIR"]


def code(tag):
    return f"import os; open(os.path.join({MARK!r}, '{tag}-ran-in-%d' % os.getpid()), 'w').close()"


class Payload:
    def __init__(self, tag):
        self.tag = tag

    def __reduce__(self):
        return (exec, (code(self.tag),))


def pickled(obj):                # sent as it is, whatever serialiser the client asked for
    return Serialized({"serializer": "pickle", "writeable": ()}, [pickle.dumps(obj)])


def value_of_an_evil_type():     # the class travels by value; its metaclass runs code when it is rebuilt
    source = code("type")

    class Meta(type):
        def __new__(mcls, name, bases, namespace, **kwargs):
            exec(source)
            return super().__new__(mcls, name, bases, namespace)

    class Result(metaclass=Meta):
        pass

    return Result()


def rogue_work(job, input_name, input_bytes, limits):
    kind = job["code"]
    if kind == "rogue: pickled result":
        return pickled(Payload("result"))
    if kind == "rogue: forged outcome":
        from grading.sandbox import Outcome
        return pickled(Outcome(result=b"forged", returncode=0, log=Payload("outcome")))
    if kind == "rogue: result type":
        return value_of_an_evil_type()
    if kind == "rogue: exception":
        raise RuntimeError(Payload("exception"))
    if kind == "rogue: warn event":
        from distributed import get_worker
        get_worker().log_event("warn", {"message": pickle.dumps(Payload("warn"))})
        time.sleep(1)
        return {"result": None, "returncode": 0, "killed": None, "seconds": 0.0, "log": "warned",
                "memory_peak": None}
    time.sleep(3600)             # a hung worker


grading.cluster.work = rogue_work
'''

# The control: the same attacks through a plain distributed.Client with the course's client certificate
CONTROL = '''\
import os, sys, time
from distributed import Client
from grading import cluster, sandbox

address, tls_dir, deserializers = sys.argv[1], sys.argv[2], sys.argv[3]
security = cluster.Connection(address, tls_dir).security()
with Client(address, security=security, timeout=20, set_as_default=False,
            deserializers=None if deserializers == "all" else deserializers.split(",")) as client:
    for kind in {attacks!r}:
        future = client.submit(cluster.work, {{"code": kind}}, "x", None, sandbox.Limits(wall_seconds=5), pure=False)
        try:
            future.result(timeout=30)
        except Exception:
            pass
    time.sleep(2)
print(os.getpid())
'''.format(attacks=ATTACKS)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dask:
    """Dask schedulers and workers started for these tests, each in a session of its own (stopped with its
    process group), logs in ``folder``."""

    def __init__(self, folder):
        self.folder = folder
        self.procs = {}

    def _start(self, name, args, env):
        log = open(self.folder / f"{name}.log", "w")
        self.procs[name] = subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT,
                                            env=env or ENV, cwd=ROOT, start_new_session=True)
        log.close()

    def scheduler(self, name, port, certs):
        self._start(name, ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--protocol", "tls",
                           "--tls-ca-file", str(certs / "ca.pem"), "--tls-cert", str(certs / "scheduler.pem"),
                           "--tls-key", str(certs / "scheduler.key"), "--no-dashboard"], None)
        return f"tls://127.0.0.1:{port}"

    def worker(self, name, address, certs, *more, env=None):
        self._start(name, ["worker", address, "--tls-ca-file", str(certs / "ca.pem"), "--tls-cert",
                           str(certs / "worker.pem"), "--tls-key", str(certs / "worker.key"), "--nthreads", "1",
                           "--no-nanny", "--no-dashboard", "--name", name, *more], env)

    def log(self, name):
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def registered(self, scheduler):
        return set(re.findall(r"Register worker addr: \S+ name: (\S+)", self.log(scheduler)))

    def wait_for(self, scheduler, names, seconds=180):
        deadline = time.monotonic() + seconds
        while not set(names) <= self.registered(scheduler):
            for name in [scheduler, *names]:
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name)[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{sorted(names)} did not join {scheduler} in {seconds} s:\n"
                                   + self.log(scheduler)[-3000:])
            time.sleep(0.3)

    def stop(self, name):
        stop_process_group(self.procs.pop(name))

    def stop_all(self):
        for name in reversed(list(self.procs)):
            self.stop(name)


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls") / "course"
    done = run(sys.executable, "-m", "grading", "certificates", str(folder), "--hosts", "127.0.0.1", "grader.test",
               timeout=120)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """Certificates of another course (another CA)."""
    from grading import cluster

    folder = tmp_path_factory.mktemp("tls") / "foreign"
    cluster.make_certificates(folder)
    return folder


@pytest.fixture(scope="module")
def dask(tmp_path_factory):
    processes = Dask(tmp_path_factory.mktemp("dask"))
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def tls_cluster(dask, certs, foreign):
    """A TLS scheduler, two workers of the course, and a stranger: a worker with another CA's certificate."""
    address = dask.scheduler("scheduler", free_port(), certs)
    for name in ("worker1", "worker2"):
        dask.worker(name, address, certs)
    dask.worker("stranger", address, foreign)
    return address


@pytest.fixture(scope="module")
def marks(tmp_path_factory):
    return tmp_path_factory.mktemp("marks")


@pytest.fixture(scope="module")
def rogue_preload(tmp_path_factory):
    path = tmp_path_factory.mktemp("rogue") / "rogue_worker.py"
    path.write_text(ROGUE)
    return path


@pytest.fixture(scope="module")
def rogue_cluster(dask, certs, marks, rogue_preload):
    """A TLS scheduler whose only worker (with the course's certificate) is a rogue."""
    address = dask.scheduler("rogue-scheduler", free_port(), certs)
    dask.worker("rogue", address, certs, "--nthreads", "2", "--preload", str(rogue_preload),
                env=dict(ENV, ROGUE_MARK_DIR=str(marks)))
    return address


@pytest.fixture(scope="module")
def course(tmp_path_factory, tls_cluster, rogue_cluster):
    """Notebooks 02 and 05 released with the real nbgrader (the clusters start meanwhile), and four students:
    the solutions, the release as handed out, and an attack on each notebook."""
    root = tmp_path_factory.mktemp("course") / "released"
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy(nb, source / nb.name)
    done = run(str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force", f"--CourseDirectory.root={root}",
               timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = root.parent / "submissions"
    for student in ("honest", "stub", "always_equal", "reads_course_files"):
        (folder / student).mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy(nb, folder / "honest" / nb.name)
        shutil.copy(root / "release" / ASSIGNMENT / nb.name, folder / "stub" / nb.name)
    with_solution(NOTEBOOKS[0], {"decode_and_reshape": ALWAYS_EQUAL}, folder / "always_equal" / NOTEBOOKS[0].name)
    with_solution(NOTEBOOKS[1], {"label_temperatures": READ_COURSE_FILES.replace("REPO", str(ROOT))},
                  folder / "reads_course_files" / NOTEBOOKS[1].name)
    return root, folder


def copy_of(course, dest, students=None):
    """A fresh copy of the released course and a folder of (some of) its submissions."""
    root, folder = course
    shutil.copytree(root, dest / "course")
    for student in students or [p.name for p in folder.iterdir()]:
        shutil.copytree(folder / student, dest / "submissions" / student)
    return dest / "course", dest / "submissions"


@pytest.fixture(scope="module")
def local(course, tmp_path_factory):
    """The reference: the four students graded on this machine."""
    root, folder = copy_of(course, tmp_path_factory.mktemp("local"))
    grade(root, "--submissions", str(folder), "--jobs", "2", "--seed", SEED)
    return root


@pytest.fixture(scope="module")
def tls_graded(course, local, dask, tls_cluster, certs, tmp_path_factory):
    """The same students graded on the TLS cluster (its workers compile their kernels here)."""
    dask.wait_for("scheduler", ["worker1", "worker2"])
    root, folder = copy_of(course, tmp_path_factory.mktemp("on-cluster"))
    start = time.perf_counter()
    log = grade(root, "--submissions", str(folder), "--scheduler", tls_cluster, "--tls-dir", str(certs),
                "--seed", SEED)
    return root, log, time.perf_counter() - start


def pool_on(address, certs, **options):
    from grading import cluster

    return cluster.DaskPool(address, tls_dir=str(certs), **options)


# ---------------------------------------------------------------------------------------------- tests
def test_certificates_are_signed_by_the_course_ca_and_keys_are_private(certs):
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    names = sorted(p.name for p in certs.iterdir())
    assert names == ["ca.pem", "client.key", "client.pem", "scheduler.key", "scheduler.pem", "worker.key",
                     "worker.pem"], names                        # no CA key kept, no temporary file left
    assert certs.stat().st_mode & 0o777 == 0o700
    ca = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for role in ("scheduler", "worker", "client"):
        assert (certs / f"{role}.key").stat().st_mode & 0o777 == 0o600, role
        assert (certs / f"{role}.pem").stat().st_mode & 0o777 == 0o644, role
        cert = x509.load_pem_x509_certificate((certs / f"{role}.pem").read_bytes())
        cert.verify_directly_issued_by(ca)
        usages = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        assert ExtendedKeyUsageOID.CLIENT_AUTH in usages
        assert (ExtendedKeyUsageOID.SERVER_AUTH in usages) == (role != "client"), role
    scheduler = x509.load_pem_x509_certificate((certs / "scheduler.pem").read_bytes())
    alt = scheduler.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "grader.test" in alt.get_values_for_type(x509.DNSName)
    before = {p.name: p.read_bytes() for p in certs.iterdir()}
    again = run(sys.executable, "-m", "grading", "certificates", str(certs), timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr, again.stderr
    assert before == {p.name: p.read_bytes() for p in certs.iterdir()}


def test_a_tls_cluster_grades_like_this_machine(local, tls_graded, dask):
    root, log, seconds = tls_graded
    assert "Dask cluster at tls://127.0.0.1:" in log, log[-2000:]
    for student in ("honest", "stub", "always_equal", "reads_course_files"):
        assert autograded(root, student) == autograded(local, student), (student, log[-3000:])
    assert sum(s for s, _ in autograded(root, "honest")["05_ising_data"].values()) > 0
    print(f"graded on the TLS cluster in {seconds:.0f} s")


def test_nobody_without_a_course_certificate_connects(tls_cluster, certs, foreign, dask, course, tmp_path):
    dask.wait_for("scheduler", ["worker1", "worker2"])
    port = int(tls_cluster.rsplit(":", 1)[1])

    def tls_hello(cert=None):
        """What a TLS client gets from the scheduler's port: its first bytes, or the error."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(certs / "ca.pem")
        context.check_hostname = False
        if cert is not None:
            context.load_cert_chain(cert / "client.pem", cert / "client.key")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, context.wrap_socket(raw) as s:
                return s.recv(4096)
        except OSError as exc:                    # ssl.SSLError is an OSError
            return exc

    assert b"compression" in tls_hello(certs)                   # the course's client: Dask's handshake
    refused = tls_hello()
    assert isinstance(refused, ssl.SSLError) and "CERTIFICATE_REQUIRED" in str(refused), refused
    refused = tls_hello(foreign)
    assert isinstance(refused, ssl.SSLError) and "UNKNOWN_CA" in str(refused), refused
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
        plain.sendall(b"\x00" * 64)               # a plain TCP client gets no Dask message
        try:
            answer = plain.recv(4096)
        except OSError:
            answer = b""
    assert b"compression" not in answer
    # the worker with another course's certificate never joined; the scheduler turned it away
    deadline = time.monotonic() + 60
    while "TLS handshake failed" not in dask.log("scheduler") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "TLS handshake failed" in dask.log("scheduler")
    assert "stranger" not in dask.registered("scheduler")
    assert dask.procs["stranger"].poll() is None         # still knocking
    # the grader given another course's folder stops before grading anyone
    root, folder = copy_of(course, tmp_path, ["honest"])
    done = run(sys.executable, "-m", "grading", "autograde", "--course", str(root), "--assignment", ASSIGNMENT,
               "--submissions", str(folder), "--scheduler", tls_cluster, "--tls-dir", str(foreign), "--seed", SEED,
               timeout=300)
    assert done.returncode == 2 and "could not connect to the Dask scheduler" in done.stderr, done.stderr[-2000:]
    assert not autograded_students(root)


def autograded_students(root):
    return sorted(p.name for p in (root / "autograded").iterdir()) if (root / "autograded").is_dir() else []


def test_plain_tcp_to_another_machine_is_refused(tmp_path, certs, monkeypatch):
    from grading import cluster

    monkeypatch.delenv("GRADING_TLS_DIR", raising=False)
    for address in ("tcp://10.0.0.5:8786", "192.0.2.1:8786", "tcp://grader.example.org:8786"):
        with pytest.raises(cluster.ClusterError, match="plain TCP on the network"):
            cluster.connection(address)
    for address in ("tcp://127.0.0.1:8786", "tcp://localhost:8786", "tcp://[::1]:8786", "127.0.0.2:1"):
        assert cluster.connection(address).tls_dir is None
    warnings = []
    assert cluster.connection("tcp://10.0.0.5:8786", insecure=True, warn=warnings.append).address
    assert len(warnings) == 1 and "WARNING" in warnings[0]
    with pytest.raises(cluster.ClusterError, match="--tls-dir"):
        cluster.connection("tls://10.0.0.5:8786")
    with pytest.raises(cluster.ClusterError, match="lacks"):
        cluster.connection("tls://10.0.0.5:8786", tls_dir=str(tmp_path))
    assert cluster.connection("tls://10.0.0.5:8786", tls_dir=str(certs)).security().require_encryption
    with pytest.raises(cluster.ClusterError, match="only tls://"):
        cluster.connection("ws://10.0.0.5:8786")
    # the command refuses before it reads or grades anything
    course = tmp_path / "course"
    done = run(sys.executable, "-m", "grading", "autograde", "--course", str(course), "--scheduler",
               "tcp://192.0.2.1:8786", timeout=120)
    assert done.returncode == 2 and "--insecure" in done.stderr, done.stderr
    assert not course.exists()
    # make autograde passes TLS_DIR on
    dry = subprocess.run(["make", "-n", "autograde", "SCHEDULER=tls://10.0.0.5:8786", "TLS_DIR=/the/certs"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert '--scheduler tls://10.0.0.5:8786 --tls-dir "/the/certs"' in dry.stdout, dry.stdout[-2000:]


def test_nothing_a_rogue_worker_sends_runs_code_in_the_grader(dask, rogue_cluster, certs, marks):
    import distributed.client
    import distributed.protocol.pickle
    from grading import cluster, sandbox

    dask.wait_for("rogue-scheduler", ["rogue"])
    originals = distributed.protocol.pickle.loads, distributed.client.loads
    pool = pool_on(rogue_cluster, certs, margin=20)
    try:
        jobs = {pool.submit({"code": kind}, "x", None, sandbox.Limits(wall_seconds=5), student=kind): kind
                for kind in ATTACKS}
        answers = {}
        for job in pool.as_completed(list(jobs)):
            try:
                answers[jobs[job]] = job.result()
            except cluster.JobFailed as exc:
                answers[jobs[job]] = exc
        time.sleep(2)                             # the warn event would arrive after its result
    finally:
        pool.close()
    assert (distributed.protocol.pickle.loads, distributed.client.loads) == originals     # restored
    for kind in ("rogue: pickled result", "rogue: forged outcome", "rogue: result type"):
        assert isinstance(answers[kind], cluster.JobFailed) and "refused" in str(answers[kind]), answers[kind]
    assert isinstance(answers["rogue: exception"], cluster.JobFailed), answers["rogue: exception"]
    assert answers["rogue: warn event"].log == "warned"
    ran_here = sorted(p.name for p in marks.iterdir() if p.name.endswith(f"-ran-in-{os.getpid()}"))
    assert not ran_here, ran_here
    # the control: the same answers run code in a plain distributed.Client, and three of the five even in
    # one that deserialises msgpack only (the result type, the exception and the warn event)
    for deserializers, expected in (("all", set(TAGS.values())), ("msgpack", {"type", "exception", "warn"})):
        done = run(sys.executable, "-c", CONTROL, rogue_cluster, str(certs), deserializers, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        pid = done.stdout.split()[-1]
        ran = {p.name.split("-ran-in-")[0] for p in marks.iterdir() if p.name.endswith(f"-ran-in-{pid}")}
        assert ran == expected, (deserializers, ran, done.stderr[-2000:])


def test_a_hung_worker_costs_its_jobs_their_deadline_not_the_batch(tls_graded, local, course, dask, tls_cluster,
                                                                  certs, rogue_preload, marks, tmp_path,
                                                                  monkeypatch):
    """A third worker hangs on every job; the deadline is the exercise's wall limit + 15 s."""
    dask.worker("hangs", tls_cluster, certs, "--preload", str(rogue_preload),
                env=dict(ENV, ROGUE_MARK_DIR=str(marks)))
    try:
        dask.wait_for("scheduler", ["worker1", "worker2", "hangs"])
        root, folder = copy_of(course, tmp_path, ["honest", "stub", "always_equal"])
        monkeypatch.setenv("GRADING_TLS_DIR", str(certs))      # the certificates' folder from the environment
        start = time.perf_counter()
        log = grade(root, "--submissions", str(folder), "--scheduler", tls_cluster, "--deadline-margin", "15",
                    "--seed", SEED, timeout=900)
        seconds = time.perf_counter() - start
    finally:
        dask.stop("hangs")
    timeouts = re.findall(r"could not run \S+ of (\S+): JobTimeout: no outcome from the Dask worker", log)
    assert timeouts, log[-3000:]
    assert seconds < 2 * (60 + 15) + 90, seconds              # at most two deadlines in a row, not a hang
    state = json.loads((root / ".grading" / "state.json").read_text())
    left = sorted({"honest", "stub", "always_equal"} - set(state))
    assert left == sorted(set(timeouts)), (state, log[-3000:])
    for student in state:
        assert autograded(root, student) == autograded(local, student), student
    # the next run grades the students left, and gives them their scores
    again = grade(root, "--scheduler", tls_cluster, "--seed", SEED)
    assert f"{len(left)} to grade" in again, again[-2000:]
    for student in left:
        assert autograded(root, student) == autograded(local, student), student
    print(f"batch with a hung worker: {seconds:.0f} s")


def test_only_plain_checked_data_becomes_an_outcome(monkeypatch):
    from grading import cluster, sandbox

    good = {"result": b"PK\x03\x04", "returncode": 0, "killed": None, "seconds": 1.5, "log": "ok",
            "memory_peak": 123}
    good = {field: good.get(field) for field in cluster._fields()}
    assert cluster.outcome_from_data(dict(good)) == sandbox.Outcome(**good)
    assert cluster.outcome_from_data(dict(good, seconds=2)).seconds == 2.0
    wrong = [dict(good, returncode=True), dict(good, result="text"), dict(good, log="x" * (sandbox.MAX_LOG_BYTES + 1)),
             dict(good, seconds=math.nan), dict(good, seconds=-1.0), dict(good, killed="k" * 100),
             dict(good, memory_peak=-1), dict(good, extra=1), {k: v for k, v in good.items() if k != "log"},
             dict(good, result=b"x" * (sandbox.MAX_RESULT_BYTES + 1)), [good], None]

    class Bytes(bytes):
        pass

    wrong.append(dict(good, result=Bytes(b"x")))
    for data in wrong:
        with pytest.raises(cluster.JobFailed, match="refused"):
            cluster.outcome_from_data(data)
    with pytest.raises(cluster.WorkerError, match="bwrap is missing"):
        cluster.outcome_from_data({"error": "SandboxUnavailable: bwrap is missing", "worker": "tls://w:1"})

    def broken(*args, **kwargs):
        raise sandbox.SandboxUnavailable("bwrap is missing")

    monkeypatch.setattr(cluster, "run_job", broken)
    report = cluster.work({"code": ""}, "x", None, sandbox.Limits())
    assert report == {"error": "SandboxUnavailable: bwrap is missing", "worker": None}
