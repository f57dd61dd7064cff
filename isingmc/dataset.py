"""The course's data set of Ising snapshots: generate, save (pickle or npz, atomically), load.

Format (the course's ``mcIsing.pkl.gz``): a gzip'd pickle of ``(training, validation, test)``, each
``(images, labels)`` with ``images`` int8 of shape (n, L*L) holding spins +-1 (row-major lattice) and
``labels`` int64 of shape (n,); label k means ``temperatures[k]`` (by default 0: T = 3.0, 1: 2.3,
2: 1.5, as in the course).  The three splits come from separate, independently seeded Markov chains
(the course used one chain for all three, so its test snapshots were correlated with training ones),
and each split is shuffled.  A JSON sidecar next to the file records how it was made.
"""

import contextlib
import gzip
import json
import math
import os
import pickle
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from ._version import __version__
from .checks import (ALGORITHMS, check_algorithm, check_count, check_L, check_memory,
                     check_output_path, check_seed, check_temperatures)
from .simulate import COST_PER_SITE, RECORD_COST, fresh_chain, plan_chain

__all__ = ["generate_dataset", "save_dataset", "sidecar_path", "DEFAULT_TEMPERATURES"]

DEFAULT_TEMPERATURES = (3.0, 2.3, 1.5)
SPLITS = ("training", "validation", "test")
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_CHUNK = 500  # snapshots per kernel call: granularity of the progress bar (results do not depend on it)
_CHAIN_SAMPLES = 2000  # snapshots per independent chain


def _choose_plan(L, T, algorithm, plan_seed, cancel=None):
    """The plan of one temperature: the given algorithm, or the cheapest per independent sample.

    The choice uses the measured tau_int (deterministic for a given seed) and a fixed cost model,
    never wall time, so the same seed always gives the same data set.  The candidates are
    Metropolis (even L) and Wolff; Wolff is only piloted if it could win with one step between
    samples.  Swendsen-Wang is not a candidate: it builds the same clusters as Wolff but spends its
    time on all of them, small ones included, and was slower per independent sample than Wolff at
    every L and T measured (benchmarks/bench_isingmc.py); it remains available by name.
    """
    if algorithm is not None:
        plan, _ = plan_chain(L, T, algorithm, plan_seed, cancel=cancel)
        return plan, {}
    seeds = dict(zip(ALGORITHMS, plan_seed.spawn(len(ALGORITHMS))))
    plans = {}
    best = None
    for a in ("metropolis", "wolff"):
        if a == "metropolis" and L % 2:
            continue
        if best is not None and (COST_PER_SITE[a] + RECORD_COST) * L * L >= best.cost_per_sample:
            continue
        plans[a] = plan_chain(L, T, a, seeds[a], cancel=cancel)[0]
        if best is None or plans[a].cost_per_sample < best.cost_per_sample:
            best = plans[a]
    return best, plans


def generate_dataset(L=28, temperatures=DEFAULT_TEMPERATURES, n_train=10_000, n_val=None, n_test=None,
                     *, seed=0, algorithm=None, progress=False, n_threads=None, return_info=False):
    """Snapshots at each temperature, split into (training, validation, test) in the course's format.

    Parameters
    ----------
    L : lattice size (>= 2; even if algorithm='metropolis').
    temperatures : distinct temperatures; label k is temperatures[k].
    n_train, n_val, n_test : snapshots per temperature in each split; n_val and n_test default to
        n_train // 5, as in the course.
    seed : int >= 0 (or None for fresh entropy, recorded in the info); one
        ``numpy.random.SeedSequence`` is spawned into independent streams for every (temperature,
        split) chain and the shuffles, so the result does not depend on `n_threads`.
    algorithm : None (per temperature the cheaper per independent sample of Metropolis and Wolff,
        from pilot runs; see :func:`_choose_plan`) or one of 'wolff', 'swendsen-wang', 'metropolis'
        for all temperatures.
    progress : show a progress bar of the snapshots made: True (``tqdm.auto``) or a tqdm-like class
        (e.g. ``nnlib.widgets.progress.tqdm``, whose bar a stored notebook keeps finished).
    n_threads : chains run in parallel threads (the kernels release the GIL); default: CPU count.
    return_info : also return a dict describing the run (for the JSON sidecar).
    """
    L = check_L(L, algorithm if isinstance(algorithm, str) else None)
    temps = tuple(check_temperatures(temperatures, distinct=True).tolist())
    n_train = check_count(n_train, "n_train", 1)
    n_val = n_train // 5 if n_val is None else check_count(n_val, "n_val", 0)
    n_test = n_train // 5 if n_test is None else check_count(n_test, "n_test", 0)
    n_total = len(temps) * (n_train + n_val + n_test)
    check_memory(n_total * (L * L + 8), f"n_train={n_train}, n_val={n_val}, n_test={n_test}",
                 f"{n_total} snapshots of {L} x {L} spins")
    if algorithm is not None:
        algorithm = check_algorithm(algorithm)
        check_L(L, algorithm)
    if n_threads is None:
        n_threads = os.cpu_count() or 1
    n_threads = check_count(n_threads, "n_threads", 1)
    seed = check_seed(seed)
    root = np.random.SeedSequence(seed)
    children = root.spawn(len(temps) + 1)
    per_temp = [c.spawn(1 + len(SPLITS)) for c in children[:-1]]
    counts = dict(zip(SPLITS, (n_train, n_val, n_test)))
    # A split of n snapshots comes from ceil(n / 2000) independent chains (more work to share
    # between cores; the count depends only on n, so the data do not depend on n_threads).
    chain_seeds = [[per_temp[k][1 + s].spawn(-(-counts[name] // _CHAIN_SAMPLES))
                    for s, name in enumerate(SPLITS)] for k in range(len(temps))]
    shuffle_seed = children[-1]

    bar = None
    if progress:
        if callable(progress):
            tqdm = progress
        else:
            from tqdm.auto import tqdm
        bar = tqdm(total=len(temps) * sum(counts.values()), unit="snapshot", desc="isingmc")
    lock = threading.Lock()
    cancel = threading.Event()   # Ctrl-C: the worker threads stop at their next chunk

    def tick(n):
        if bar is not None:
            with lock:
                bar.update(n)

    # Shuffle by placement: sample j of the concatenation (temperature-major) of a split goes to row
    # perm[j], so each chain writes straight into the final arrays and no copy of the data is made.
    rng = np.random.default_rng(shuffle_seed)
    K = len(temps)
    perms = [rng.permutation(counts[name] * K) for name in SPLITS]
    data = []
    for s, name in enumerate(SPLITS):
        labels = np.empty(counts[name] * K, np.int64)
        labels[perms[s]] = np.repeat(np.arange(K, dtype=np.int64), counts[name])
        data.append((np.empty((counts[name] * K, L * L), np.int8), labels))

    def run(k, s, c, plan):
        """Chain c of split s at temperature k: its share of the split, written in place."""
        n = counts[SPLITS[s]]
        lo, hi = c * _CHAIN_SAMPLES, min(n, (c + 1) * _CHAIN_SAMPLES)
        images = data[s][0]
        rows = perms[s][k * n + lo:k * n + hi]
        chain = fresh_chain(plan, chain_seeds[k][s][c], cancel=cancel)
        for start in range(0, hi - lo, _CHUNK):
            m = min(_CHUNK, hi - lo - start)
            snaps, _, _ = chain.run(m, plan.sweeps_between, store=True, global_flip=True)
            images[rows[start:start + m]] = snaps.reshape(m, L * L)
            tick(m)

    try:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            try:
                plan_jobs = {pool.submit(_choose_plan, L, T, algorithm, per_temp[k][0], cancel): k
                             for k, T in enumerate(temps)}
                plans = [None] * K
                jobs = []
                for job in as_completed(plan_jobs):      # start sampling as soon as a plan is ready
                    k = plan_jobs[job]
                    plans[k] = job.result()
                    for s in range(len(SPLITS)):
                        for c in range(len(chain_seeds[k][s])):
                            jobs.append(pool.submit(run, k, s, c, plans[k][0]))
                for job in jobs:
                    job.result()
            except BaseException:                        # Ctrl-C or a failed chain: stop the others
                cancel.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        if bar is not None:
            bar.close()

    data = tuple(data)
    if not return_info:
        return data
    info = {
        "L": L,
        "temperatures": list(temps),
        "labels": {str(k): T for k, T in enumerate(temps)},
        "counts_per_temperature": dict(counts),
        "chains_per_split": {name: -(-counts[name] // _CHAIN_SAMPLES) for name in SPLITS},
        "algorithm": [p.algorithm for p, _ in plans],
        "sweeps_between": [p.sweeps_between for p, _ in plans],
        "n_equilibration": [p.n_equilibration for p, _ in plans],
        "clusters_per_step": [p.clusters_per_step for p, _ in plans],
        "tau_int_abs_m": [p.tau_abs_m for p, _ in plans],
        "tau_int_energy": [p.tau_energy for p, _ in plans],
        "candidates": [{a: c.as_dict() for a, c in cands.items()} for _, cands in plans],  # pilots run
        "seed": seed if seed is not None else int(root.entropy),
        "isingmc_version": __version__,
    }
    return data, info


# ----------------------------------------------------------------------------------------------
# files


def sidecar_path(path):
    """``data/mcIsing.pkl.gz`` -> ``data/mcIsing.json`` (also for .npz, .pkl, .pickle)."""
    path = Path(path)
    name = path.name
    for suffix in (".pkl.gz", ".pickle.gz", ".npz", ".pkl", ".pickle", ".gz"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(name + ".json")


def _link(fd, named):
    """Name the O_TMPFILE file `fd`: linkat(AT_FDCWD, "/proc/self/fd/N", ..., AT_SYMLINK_FOLLOW)
    (os.link would link the /proc symlink itself); a copy where that is not possible."""
    src = f"/proc/self/fd/{fd}"
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(-100, os.fsencode(src), -100, os.fsencode(named), 0x400) == 0:
            return
    except (OSError, AttributeError):
        pass
    shutil.copyfile(src, named)


def _remove_stale(path):
    """Remove ``.<name>.<pid>.*.tmp`` beside `path` whose writing process is gone (killed)."""
    for part in path.parent.glob(f".{path.name}.*.tmp"):
        pid = part.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                part.unlink()
        except (PermissionError, OverflowError):
            pass


# Linux: temporary files without a name (O_TMPFILE), linked into place when complete
_USE_O_TMPFILE = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


@contextlib.contextmanager
def _atomic(path):
    """Yield a binary file in `path`'s folder; it becomes `path` only if the block completes.

    On Linux the file is made with O_TMPFILE: it has no name until it is complete (then it is
    linked under a hidden name and renamed over `path`), so not even SIGKILL leaves a partial file.
    Elsewhere it is ``.<name>.<pid>.XXXX.tmp``, removed by the next write to `path` once its
    process is gone.  Either way the file gets the permissions the umask gives a new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    fd = tmp = None
    if _USE_O_TMPFILE:
        with contextlib.suppress(OSError):
            fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)   # the umask applies
    if fd is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                   dir=path.parent)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
    named = None
    try:
        with os.fdopen(fd, "wb", closefd=False) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if tmp is None:
            named = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
            _link(fd, named)
            tmp = named
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        os.close(fd)


def _check_data(data):
    if not isinstance(data, (tuple, list)) or len(data) != 3:
        raise TypeError("data must be a (training, validation, test) triple of (images, labels) pairs")
    out = []
    L2 = None
    for name, split in zip(SPLITS, data):
        if not isinstance(split, (tuple, list)) or len(split) != 2:
            raise TypeError(f"data[{name}] must be an (images, labels) pair")
        images, labels = (np.asarray(a) for a in split)
        if images.ndim != 2 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(f"{name}: images must have shape (n, L*L) and labels shape (n,), got "
                             f"{images.shape} and {labels.shape}")
        if L2 is not None and images.shape[1] != L2:
            raise ValueError(f"{name}: images have {images.shape[1]} sites, other splits {L2}")
        L2 = images.shape[1]
        if not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"{name}: labels must be integers, got {labels.dtype}")
        out.append((images, labels))
    return tuple(out)


def save_dataset(data, path, *, format=None, **metadata):
    """Write `data` atomically to `path` and a JSON sidecar (:func:`sidecar_path`) next to it.

    format : 'pickle' (gzip'd pickle, protocol 5, the course's format) or 'npz' (compressed numpy
        archive); None: 'npz' if `path` ends in .npz, else 'pickle'.
    metadata : JSON-serialisable facts recorded in the sidecar (e.g. the info of
        :func:`generate_dataset`); L, the counts and the file format are added.
    Returns the path of the data file.
    """
    data = _check_data(data)
    path = check_output_path(path, "path")
    if format is None:
        format = "npz" if path.name.endswith(".npz") else "pickle"
    if format not in ("pickle", "npz"):
        raise ValueError(f"format must be 'pickle' or 'npz', got {format!r}")
    if format == "pickle":
        # Protocol 5 writes the arrays' memory as it is (protocol 4 first copies it into a bytes
        # object: +24 MB peak for the default data set); gzip level 1 is 7x faster than gzip's
        # default level 6, for a file 40 % larger (4.5 MB by default).
        with _atomic(path) as f:
            with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1, mtime=0) as gz:
                pickle.dump(data, gz, protocol=5)
    else:
        arrays = {}
        for name, (images, labels) in zip(SPLITS, data):
            arrays[f"{name}_images"] = images
            arrays[f"{name}_labels"] = labels
        with _atomic(path) as f:
            np.savez_compressed(f, **arrays)
    L = int(round(math.sqrt(data[0][0].shape[1])))
    sidecar = {"file": path.name, "format": format}
    sidecar.update(metadata)
    sidecar.setdefault("L", L)
    sidecar["counts"] = {name: int(images.shape[0]) for name, (images, _) in zip(SPLITS, data)}
    sidecar.setdefault("isingmc_version", __version__)
    text = json.dumps(sidecar, indent=2, default=_json_default) + "\n"
    with _atomic(sidecar_path(path)) as f:
        f.write(text.encode())
    return path


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"metadata value {obj!r} is not JSON serialisable")
