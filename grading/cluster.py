"""Grading on a Dask distributed cluster, which has to be secured: the same jobs as ``LocalPool``.

``DaskPool`` sends each sandbox job (:func:`grading.execution.run_job` with plain data) to the workers of a
running scheduler and gives back :class:`~grading.sandbox.Outcome` objects, as ``LocalPool`` does.  What
stops what (README, "On a Dask cluster"; tests/test_cluster.py shows each):

* **Nobody without the course's certificates connects.**  ``tls://HOST:PORT`` is Dask's mutual TLS: the
  scheduler, every worker and the instructor's client hold a certificate signed by the course's own CA
  (``python -m grading certificates DIR``, :func:`make_certificates`) and accept only peers with one;
  Dask checks the signature, not host names.  A plain ``tcp://`` address is refused unless it is this
  machine's loopback (``--insecure`` lets it through with a warning): on a network anyone who reaches
  the port could run code on the workers outside the sandbox and send the grader results.
* **Nothing a worker (or the scheduler) sends runs code in the grader's process.**  A job's outcome travels
  as msgpack data (a dict of bytes, str, int, float and None, made by :func:`outcome_data` on the worker);
  the client deserialises replies with msgpack only and leaves what the scheduler's stream carries
  serialised undecoded, and while a pool is open the entry points through which ``distributed`` unpickles
  what it receives raise :class:`UnpicklingRefused` (``_Refusal``, ``_client_class``): pickled results,
  the pickled result types of finished tasks, the pickled exceptions of erred tasks, pickled ``warn``
  events.  :func:`outcome_from_data` checks every field's type and size before an ``Outcome`` is made.  A
  worker with a course certificate can still send a wrong result file (it runs the sandbox): the
  certificates are what keeps strangers' machines out.
* **A hung or broken worker does not hang the batch.**  At most as many jobs as the workers have threads
  are on the cluster at a time, each with a deadline (its wall limit plus ``margin``, which covers a
  worker's first compilation of the kernels); a job past it, or one that fails on its worker, raises
  :class:`JobFailed` from ``result()``, so autograde leaves its student to be graded again at the next run,
  and that worker gets no more jobs in this batch.  If the stream from the scheduler breaks, every job
  left fails at once.

Fair to the class as ``LocalPool`` is: the next job sent is the next exercise of the student who has used
the least sandbox time, and one student's exercises share ``execution.STUDENT_BUDGET_SECONDS``.
"""

import collections
import dataclasses
import datetime
import ipaddress
import math
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from . import sandbox
from .execution import run_job

DEFAULT_MARGIN = 120.0          # s beyond a job's wall limit (a worker's first job compiles the kernels)
NO_WORKER_SECONDS = 300.0       # a batch with jobs left and no worker for this long gives them up
FETCH_SECONDS = 60.0            # fetching one finished job's outcome
POLL_SECONDS = 0.5
MAX_ERROR_CHARS = 2000
CA, KEY_SUFFIX = "ca.pem", ".key"
ROLES = ("scheduler", "worker", "client")       # DIR/ROLE.pem and DIR/ROLE.key
TLS_DIR_VARIABLE = "GRADING_TLS_DIR"


class ClusterError(RuntimeError):
    """The cluster cannot be used as asked: an address refused, certificates missing, no connection."""


class JobFailed(RuntimeError):
    """A job came back without a usable outcome (failed or refused): its student is graded again next run."""


class JobTimeout(JobFailed):
    """No outcome before the job's deadline (a hung worker, or one that vanished)."""


class UnpicklingRefused(TypeError):
    """Raised instead of unpickling anything received from the cluster (TypeError: distributed's own
    fallbacks treat it as data it cannot read)."""


# ---------------------------------------------------------------------------------------------- addresses
@dataclasses.dataclass(frozen=True)
class Connection:
    """A checked scheduler address and how to reach it (made by :func:`connection`)."""
    address: str
    tls_dir: str = None
    margin: float = DEFAULT_MARGIN

    def __str__(self):
        return self.address

    def security(self):
        if self.tls_dir is None:
            return None
        from distributed.security import Security

        files = tls_files(self.tls_dir)
        return Security(tls_ca_file=files["ca"], tls_client_cert=files["cert"], tls_client_key=files["key"],
                        require_encryption=True)


def tls_files(tls_dir):
    """The instructor's files in a folder made by ``python -m grading certificates``."""
    folder = Path(tls_dir)
    files = {"ca": folder / CA, "cert": folder / "client.pem", "key": folder / ("client" + KEY_SUFFIX)}
    missing = [path.name for path in files.values() if not path.is_file()]
    if missing:
        raise ClusterError(f"{folder} lacks {', '.join(missing)}: give --tls-dir (or ${TLS_DIR_VARIABLE}) the "
                           "folder made by `python -m grading certificates DIR` for this cluster")
    return {name: str(path) for name, path in files.items()}


def _split(address):
    scheme, _, location = address.rpartition("://")
    scheme = scheme or "tcp"
    host, _, port = location.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"{address!r} is not a scheduler address: give tls://HOST:PORT")
    return scheme, host.strip("[]"), int(port)


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connection(address, *, tls_dir=None, insecure=False, margin=DEFAULT_MARGIN, warn=None):
    """Check a scheduler address before anything connects.

    ``tls://HOST:PORT`` needs the course's certificates (``tls_dir``, default ``$GRADING_TLS_DIR``);
    ``tcp://`` is accepted for this machine's loopback only, anywhere else only with ``insecure`` (and a
    warning through ``warn``, default: standard error).  Raises :class:`ClusterError`."""
    address = str(address).strip()
    tls_dir = tls_dir or os.environ.get(TLS_DIR_VARIABLE) or None
    scheme, host, port = _split(address)
    if not (margin >= 0 and math.isfinite(margin)):
        raise ClusterError(f"the deadline margin must be a number of seconds >= 0, got {margin!r}")
    if scheme == "tls":
        if tls_dir is None:
            raise ClusterError(f"{address} is a TLS scheduler: give --tls-dir DIR (or ${TLS_DIR_VARIABLE}), the "
                               "folder with ca.pem, client.pem and client.key made by "
                               "`python -m grading certificates DIR`")
        tls_files(tls_dir)
        return Connection(address, str(tls_dir), float(margin))
    if scheme != "tcp":
        raise ClusterError(f"{address}: only tls:// schedulers (or tcp:// on this machine) are supported")
    if not is_loopback(host):
        message = (f"{address} is plain TCP on the network: anyone who reaches that port can run code on the "
                   "workers outside the sandbox and send this process results.  Use tls:// with the "
                   "course's certificates (README, 'On a Dask cluster')")
        if not insecure:
            raise ClusterError(message + ", or --insecure if you accept that.")
        (warn or (lambda text: print(text, file=sys.stderr)))("WARNING: " + message + "; going on (--insecure).")
    return Connection(address, None, float(margin))


# ---------------------------------------------------------------------------------------------- certificates
def _write_atomic(path, data, mode):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")   # created 0600
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def make_certificates(folder, hosts=(), days=365, force=False):
    """A course CA and a certificate with its key for the scheduler, the workers and the instructor's
    client, in ``folder``: ca.pem, scheduler.pem/.key, worker.pem/.key, client.pem/.key (keys 0600, every
    file written atomically).  ``hosts`` (names or IP addresses) go into the scheduler's and workers'
    certificates as subject alternative names (Dask itself checks the CA's signature, not names).  The CA's
    private key is not kept: nobody can sign another certificate for this cluster; run this again (into a
    new folder, or with ``force``) to renew or replace them all.  Returns {file name: Path}."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(folder)
    days = int(days)
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    names = [CA] + [role + ext for role in ROLES for ext in (".pem", KEY_SUFFIX)]
    existing = [name for name in names if (folder / name).exists()]
    if existing and not force:
        raise FileExistsError(f"{folder} already has {', '.join(existing)} (give --force to replace them all; "
                              "a running cluster then needs the new files)")
    alt_names = []
    for host in dict.fromkeys(["localhost", "127.0.0.1", *hosts]):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days)
    tag = uuid.uuid4().hex[:8]

    def name(common):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nn-physics-course grading"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"course CA {tag}")
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=True, crl_sign=True, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = {CA: folder / CA}
    pairs = {}
    for role in ROLES:
        key = ec.generate_private_key(ec.SECP256R1())
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if role == "client" else \
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]   # workers connect too
        builder = (x509.CertificateBuilder().subject_name(name(f"{role} {tag}")).issuer_name(ca_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if role != "client":
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        key_bytes = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        pairs[role] = (cert.public_bytes(pem), key_bytes)
    # keys first, the CA last: a folder with ca.pem is complete
    for role, (cert_bytes, key_bytes) in pairs.items():
        _write_atomic(folder / (role + KEY_SUFFIX), key_bytes, 0o600)
        _write_atomic(folder / (role + ".pem"), cert_bytes, 0o644)
        written[role + KEY_SUFFIX], written[role + ".pem"] = folder / (role + KEY_SUFFIX), folder / (role + ".pem")
    _write_atomic(folder / CA, ca_cert.public_bytes(pem), 0o644)
    return written


# ---------------------------------------------------------------------------------------------- outcomes
def _fields():
    return [field.name for field in dataclasses.fields(sandbox.Outcome)]


def outcome_data(outcome):
    """On the worker: an Outcome as msgpack data, {field: value}."""
    return {field: getattr(outcome, field) for field in _fields()}


def work(job, input_name, input_bytes, limits):
    """What a Dask worker runs for one job: :func:`grading.execution.run_job`, its outcome as plain data;
    a failure to run the sandbox (no bwrap, ...) comes back as {"error": text, "worker": address}, not as
    a pickled exception."""
    try:
        return outcome_data(run_job(job, input_name, input_bytes, limits))
    except Exception as exc:
        try:
            from distributed import get_worker

            address = get_worker().address
        except Exception:
            address = None
        return {"error": f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS], "worker": address}


class WorkerError(JobFailed):
    """The worker reported that it could not run the sandbox."""

    def __init__(self, message, worker=None):
        super().__init__(message)
        self.worker = worker


def _small_int(value):
    return type(value) is int and -2**63 <= value < 2**63


def _plain(value):
    """What a field without a rule of its own may hold: None, a 64-bit int, a finite float, a short str."""
    return (value is None or _small_int(value) or type(value) is float and math.isfinite(value)
            or type(value) is str and len(value) <= sandbox.MAX_LOG_BYTES)


# what each field of an Outcome may be (exact types: no subclass, so no object of the worker's making)
FIELD_RULES = {
    "result": (lambda v: v is None or type(v) is bytes and len(v) <= sandbox.MAX_RESULT_BYTES,
               f"None or bytes, at most {sandbox.MAX_RESULT_BYTES}"),
    "returncode": (lambda v: v is None or _small_int(v) and -2**31 <= v < 2**31, "None or a small int"),
    "killed": (lambda v: v is None or type(v) is str and 0 < len(v) <= 16, "None or a short str"),
    "seconds": (lambda v: type(v) in (int, float) and math.isfinite(v) and 0 <= v < 1e7, "seconds"),
    "log": (lambda v: type(v) is str and len(v) <= sandbox.MAX_LOG_BYTES,
            f"a str of at most {sandbox.MAX_LOG_BYTES} characters"),
    "memory_peak": (lambda v: v is None or _small_int(v) and v >= 0, "None or a number of bytes"),
}


def _refuse(what):
    raise JobFailed(f"refused what the worker sent: {what}")


def outcome_from_data(data):
    """In the grader: an :class:`~grading.sandbox.Outcome` from what a worker sent, after checking every
    field's type and size (never unpickled); raises :class:`JobFailed` (or :class:`WorkerError`)."""
    if type(data) is not dict:
        _refuse(f"a {type(data).__name__} instead of a dict")
    if set(data) == {"error", "worker"}:
        error, worker = data["error"], data["worker"]
        if type(error) is not str or not (worker is None or type(worker) is str and len(worker) < 300):
            _refuse("a malformed error report")
        raise WorkerError(f"the sandbox could not run on the worker {worker}: {error[:MAX_ERROR_CHARS]}", worker)
    fields = _fields()
    if set(data) != set(fields):
        _refuse(f"the fields {sorted(str(key)[:40] for key in data)[:12]} instead of {fields} (does the worker "
                "run another version of the grader?)")
    for field in fields:
        rule, wanted = FIELD_RULES.get(field, (_plain, "None, a number or a short str"))
        if not rule(data[field]):
            _refuse(f"{field} is not {wanted} (a {type(data[field]).__name__})")
    if type(data["seconds"]) is int:
        data["seconds"] = float(data["seconds"])
    return sandbox.Outcome(**data)


# ---------------------------------------------------------------------------------------------- no unpickling
class _Refusal:
    """While a pool is open (counted), the names through which ``distributed`` unpickles what it receives
    raise UnpicklingRefused in this process: ``distributed.protocol.pickle.loads`` (pickled messages,
    the "pickle" and "dask" serialisers, erred tasks' exceptions in ``clean_exception``) and
    ``distributed.client.loads`` (a finished task's result type).  The client class below also drops the
    types and exceptions it is sent and subscribes to no events (the ``warn`` handler unpickles)."""
    PATCHED = (("distributed.protocol.pickle", "loads"), ("distributed.client", "loads"))
    _lock = threading.Lock()
    _depth = 0
    _saved = {}

    @staticmethod
    def refuse(*args, **kwargs):
        raise UnpicklingRefused("the grader unpickles nothing it receives from the cluster")

    @classmethod
    def enter(cls):
        import importlib

        with cls._lock:
            if cls._depth == 0:
                for module_name, attribute in cls.PATCHED:
                    module = importlib.import_module(module_name)
                    cls._saved[module_name, attribute] = getattr(module, attribute)
                    setattr(module, attribute, cls.refuse)
            cls._depth += 1

    @classmethod
    def exit(cls):
        import importlib

        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0:
                for (module_name, attribute), original in cls._saved.items():
                    setattr(importlib.import_module(module_name), attribute, original)
                cls._saved.clear()


def _client_class():
    from distributed import Client

    class GraderClient(Client):
        """A Client that reads no type, exception or event it is sent (each would be unpickled), and whose
        stream from the scheduler decodes msgpack only: what the stream carries serialised (erred tasks'
        exceptions) stays undecoded bytes, so nothing there needs a serialiser family."""

        async def _ensure_connected(self, timeout=None):
            await super()._ensure_connected(timeout=timeout)
            comm = getattr(self.scheduler_comm, "comm", None)
            if comm is not None:
                comm.deserialize = False

        def stream_alive(self):
            task = getattr(self, "_handle_report_task", None)
            return task is None or not task.done()

        def _handle_key_in_memory(self, key=None, type=None, workers=None, **kwargs):
            return super()._handle_key_in_memory(key=key, type=None, workers=workers)

        def _handle_task_erred(self, key=None, exception=None, traceback=None, **kwargs):
            return super()._handle_task_erred(key=key, exception=RuntimeError(
                "the job failed on its worker (its exception is not read here: see the worker's log)"))

        def subscribe_topic(self, topic, handler):
            return None                 # not even the default "print" and "warn" topics

        async def _handle_event(self, topic, event):
            return None

    return GraderClient


# ---------------------------------------------------------------------------------------------- the pool
class _Job:
    """What ``DaskPool.submit`` returns: ``result()`` gives the Outcome or raises JobFailed."""

    def __init__(self, args, limits, student):
        self.args, self.limits, self.student = args, limits, student
        self.cut = limits                # the limits it runs with (the wall limit cut to the student's budget)
        self.deadline = None
        self.future = None
        self.started = None
        self.outcome = None
        self.error = None

    def result(self):
        if self.error is not None:
            raise self.error
        if self.outcome is None:
            raise JobFailed("this job has not run (the pool was closed)")
        return self.outcome


class DaskPool:
    """The sandbox jobs on a Dask cluster, like ``execution.LocalPool``: ``submit(job, input_name,
    input_bytes, limits, student="")``, ``as_completed(jobs)`` (each job's ``result()`` is an Outcome or
    raises :class:`JobFailed`), ``close()``.  Fair to the class as LocalPool is: the next job sent is the
    next exercise of the student who has used the least sandbox time, and one student's exercises share
    ``budget`` seconds (a wall limit is cut to what is left; none left: Outcome.killed "budget").

    ``scheduler``: a :class:`Connection`, or an address checked by :func:`connection` (with ``options``:
    tls_dir, insecure, margin).  The hidden inputs are scattered to every worker once; each worker compiles
    the kernels once into a private folder of its own.  Workers need the course environment (this
    repository, installed as by ``make setup``) and ``bwrap``."""

    def __init__(self, scheduler, *, budget=None, connect_timeout=30.0, worker_timeout=NO_WORKER_SECONDS,
                 poll=POLL_SECONDS, **options):
        from . import execution

        self.connection = scheduler if isinstance(scheduler, Connection) else connection(scheduler, **options)
        self.budget = float(execution.STUDENT_BUDGET_SECONDS if budget is None else budget)
        self.worker_timeout, self.poll = float(worker_timeout), float(poll)
        self._scattered = {}
        self._spent = {}                # student: sandbox seconds so far
        self._excluded = {}             # worker address: why it gets no more jobs in this batch
        self._stop = threading.Event()
        _Refusal.enter()
        try:
            self.client = _client_class()(self.connection.address, security=self.connection.security(),
                                          timeout=connect_timeout, deserializers=["msgpack"],
                                          direct_to_workers=False, set_as_default=False)
        except Exception as exc:
            _Refusal.exit()
            raise ClusterError(f"could not connect to the Dask scheduler at {self.connection.address} "
                               f"({type(exc).__name__}: {exc}); a tls:// scheduler accepts only the "
                               "certificates of its course (--tls-dir)") from exc
        try:
            self.client.wait_for_workers(1, timeout=self.worker_timeout)
        except Exception as exc:
            self.close()
            raise ClusterError(f"no worker joined the scheduler at {self.connection.address} within "
                               f"{self.worker_timeout:.0f} s") from exc

    def _data(self, input_name, input_bytes):
        if input_name not in self._scattered:
            self._scattered[input_name] = self.client.scatter(input_bytes, broadcast=True, hash=False)
        return self._scattered[input_name]

    def submit(self, job, input_name, input_bytes, limits, student=""):
        """A job to run (sent to the cluster by ``as_completed``, at most one per worker thread at a time)."""
        task = _Job(None, limits, student)
        self._spent.setdefault(student, 0.0)
        try:
            data = self._data(input_name, input_bytes) if input_bytes else None
        except Exception as exc:        # no worker took the hidden inputs: this job cannot run now
            task.error = JobFailed(f"could not send the hidden inputs of {input_name} to the workers "
                                   f"({type(exc).__name__}: {exc})")
        else:
            task.args = (job, input_name, data)
        return task

    def as_completed(self, jobs):
        """Yield each job once it has an outcome or an error, in the order they finish; every job is
        yielded, whatever the workers do."""
        jobs = list(jobs)
        done = queue.Queue()
        thread = threading.Thread(target=self._dispatch, args=(jobs, done), name="grading-dask-dispatch",
                                  daemon=True)
        thread.start()
        try:
            for _ in jobs:
                yield done.get()
        finally:
            self._stop.set()
            thread.join()
            self._stop.clear()

    # the dispatcher thread -------------------------------------------------------------------------
    def _next(self, pending):
        """The next job of the student with pending jobs who used the least time (ties: submission order)."""
        student = min((s for s, jobs in pending.items() if jobs), key=lambda s: self._spent[s])
        return pending[student].popleft()

    def _dispatch(self, jobs, done):
        pending = {}                    # student: deque of jobs, in the order of submission
        running = []
        for job in jobs:
            if job.error is not None:
                done.put(job)
            else:
                pending.setdefault(job.student, collections.deque()).append(job)
        waiting = sum(map(len, pending.values()))
        alone_since = None
        workers, checked = {}, 0.0
        try:
            while (waiting or running) and not self._stop.is_set():
                now = time.monotonic()
                for job in list(running):
                    if job.future.done():
                        running.remove(job)
                        self._collect(job)
                        done.put(job)
                    elif now >= job.started + job.deadline:
                        running.remove(job)
                        self._expire(job)
                        done.put(job)
                if not self.client.stream_alive():
                    raise ClusterError("the stream from the scheduler broke (it sent something this process "
                                       "does not read)")
                if now - checked > 2 or not workers:
                    workers = {w: n for w, n in self.client.nthreads().items() if w not in self._excluded}
                    checked = now
                capacity = sum(workers.values())
                while waiting and len(running) < capacity:
                    job = self._next(pending)
                    waiting -= 1
                    if self._start(job, sorted(workers)):
                        running.append(job)
                    else:
                        done.put(job)
                if waiting and not running and capacity == 0:
                    alone_since = alone_since or now
                    if self._excluded or now - alone_since > self.worker_timeout:
                        why = (f"every worker was left out of this batch ({self._why()})" if self._excluded
                               else f"no worker for {self.worker_timeout:.0f} s")
                        for queued in pending.values():
                            while queued:
                                job = queued.popleft()
                                job.error = JobFailed(f"not run: {why}")
                                done.put(job)
                        waiting = 0
                else:
                    alone_since = None
                soonest = [job.started + job.deadline - now for job in running]
                self._stop.wait(max(0.05, min([self.poll, *soonest])))
        except Exception as exc:        # the dispatcher must give every job back, whatever happened
            for job in [*running, *(job for queued in pending.values() for job in queued)]:
                job.error = JobFailed(f"the cluster failed ({type(exc).__name__}: {exc})")
                done.put(job)
            running.clear()
            pending.clear()
        finally:
            leftovers = [job.future for job in running if job.future is not None]
            if leftovers:
                try:
                    self.client.cancel(leftovers, force=True)
                except Exception:
                    pass

    def _start(self, job, workers):
        """Send one job (False: it needs no worker, its student's budget is spent)."""
        left = self.budget - self._spent[job.student]
        if left < 1.0:
            job.outcome = sandbox.Outcome(killed="budget")
            return False
        job.cut = dataclasses.replace(job.limits, wall_seconds=min(job.limits.wall_seconds, left))
        job.deadline = float(job.cut.wall_seconds) + self.connection.margin
        # once a worker is left out, every job names the others (and may run nowhere else)
        restrict = workers if self._excluded else None
        job.future = self.client.submit(work, *job.args, job.cut, key=f"grading-{job.args[1]}-{uuid.uuid4().hex}",
                                        pure=False, workers=restrict, allow_other_workers=False)
        job.started = time.monotonic()
        return True

    def _collect(self, job):
        future, job.future = job.future, None
        status = future.status
        if status == "finished":
            try:
                data = future.result(timeout=FETCH_SECONDS)
            except Exception as exc:        # a pickle refused, a worker gone while sending...
                job.error = JobFailed(f"refused or lost what the cluster sent ({type(exc).__name__}: "
                                      f"{str(exc)[:300]})")
                return
            try:
                job.outcome = outcome_from_data(data)
            except WorkerError as exc:
                if exc.worker in self.client.nthreads():
                    self._excluded.setdefault(exc.worker, "could not run a sandbox")
                job.error = exc
                return
            except JobFailed as exc:
                job.error = exc
                return
            self._spent[job.student] += job.outcome.seconds
            if job.outcome.killed == "wall" and job.cut.wall_seconds < job.limits.wall_seconds:
                job.outcome.killed = "budget"
        elif status == "error":
            job.error = JobFailed("the job failed on its worker (its exception is not read here: see the "
                                  "worker's log)")
        else:
            job.error = JobFailed(f"the job was {status} on the cluster (a worker left, or the scheduler "
                                  "restarted)")

    def _expire(self, job):
        future, job.future = job.future, None
        where = []
        try:
            where = [w for w, keys in self.client.processing().items() if future.key in keys]
        except Exception:
            pass
        for worker in where:
            self._excluded.setdefault(worker, "hung")
        try:
            self.client.cancel([future], force=True)
        except Exception:
            pass
        job.error = JobTimeout(
            f"no outcome from the Dask worker {', '.join(where) or '(unknown)'} within {job.deadline:.0f} s "
            f"(the exercise's wall limit, {float(job.cut.wall_seconds):.0f} s, + {self.connection.margin:.0f} "
            "s); that worker gets no more jobs in this batch")

    def _why(self):
        return "; ".join(f"{worker}: {why}" for worker, why in sorted(self._excluded.items()))

    def close(self):
        self._stop.set()
        client, self.client = getattr(self, "client", None), None
        try:
            if client is not None:
                client.close(timeout=10)
        except Exception:
            pass
        finally:
            if client is not None:
                _Refusal.exit()
