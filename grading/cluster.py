"""Grading on a Dask distributed cluster, which has to be secured: the same jobs as ``LocalPool``.

``DaskPool`` sends each sandbox job (:func:`grading.execution.run_job` with plain data) to the workers of a
running scheduler and gives back :class:`~grading.sandbox.Outcome` objects, as ``LocalPool`` does.  What
stops what (README, "On a Dask cluster"; tests/test_cluster.py shows each):

* **Nobody without the course's certificates connects.**  ``tls://HOST:PORT`` is Dask's mutual TLS: the
  scheduler, every worker and the instructor's client hold a certificate signed by the course's own CA
  (``python -m grading certificates DIR``, grading/certificates.py) and accept only peers with one;
  Dask checks the signature, not host names.  A plain ``tcp://`` address is refused unless it is this
  machine's loopback (``--insecure`` lets it through with a warning): on a network anyone who reaches
  the port could run code on the workers outside the sandbox and send the grader results.
* **Nothing a worker (or the scheduler) sends runs code in the grader's process.**  A job's outcome travels
  as msgpack data (grading/wire.py: a dict of bytes, str, int, float and None, made on the worker);
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
import ipaddress
import math
import os
import queue
import sys
import threading
import time
import uuid
from pathlib import Path

from . import sandbox
from .certificates import CA, KEY_SUFFIX, make_certificates  # noqa: F401  (`python -m grading certificates`)
from .execution import run_job
from .wire import (MAX_ERROR_CHARS, JobFailed, JobTimeout, UnpicklingRefused, WorkerError,  # noqa: F401
                   _client_class, _fields, _Refusal, outcome_data, outcome_from_data)   # (the pool's API)

DEFAULT_MARGIN = 120.0          # s beyond a job's wall limit (a worker's first job compiles the kernels)
NO_WORKER_SECONDS = 300.0       # a batch with jobs left and no worker for this long gives them up
FETCH_SECONDS = 60.0            # fetching one finished job's outcome
POLL_SECONDS = 0.5
TLS_DIR_VARIABLE = "GRADING_TLS_DIR"


class ClusterError(RuntimeError):
    """The cluster cannot be used as asked: an address refused, certificates missing, no connection."""


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


# ---------------------------------------------------------------------------------------------- the worker's side
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
