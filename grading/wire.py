"""What travels between the grader and a Dask cluster's workers: plain data, checked, never unpickled.

A job's outcome leaves the worker as msgpack data (a dict of bytes, str, int, float and None:
:func:`outcome_data`) and becomes an :class:`~grading.sandbox.Outcome` in the grader only after every
field's type and size is checked (:func:`outcome_from_data`).  While a pool is open, the entry points
through which ``distributed`` would unpickle what it receives raise :class:`UnpicklingRefused`
(:class:`_Refusal`), and the client (:func:`_client_class`) reads no type, exception or event it is sent.
See grading/cluster.py for the pool, grading/certificates.py for the course's TLS certificates.
"""

import dataclasses
import math
import threading

from . import sandbox

MAX_ERROR_CHARS = 2000


class JobFailed(RuntimeError):
    """A job came back without a usable outcome (failed or refused): its student is graded again next run."""


class JobTimeout(JobFailed):
    """No outcome before the job's deadline (a hung worker, or one that vanished)."""


class UnpicklingRefused(TypeError):
    """Raised instead of unpickling anything received from the cluster (TypeError: distributed's own
    fallbacks treat it as data it cannot read)."""


# ---------------------------------------------------------------------------------------------- outcomes
def _fields():
    return [field.name for field in dataclasses.fields(sandbox.Outcome)]


def outcome_data(outcome):
    """On the worker: an Outcome as msgpack data, {field: value}."""
    return {field: getattr(outcome, field) for field in _fields()}


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
