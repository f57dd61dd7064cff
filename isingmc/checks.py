"""Argument checks at the public boundary of isingmc (``simulate``, ``generate_dataset``,
``labelled_snapshots``, ``isingmc.exact``, the command line).

Each function returns the checked (normalised) value or raises a ``TypeError`` (a value of the
wrong kind) or ``ValueError`` (the right kind, out of range) whose message names the argument and
says what was expected.  Sizes are also checked against a memory budget, ``MAX_BYTES``, so that
``simulate(L=10**6, ...)`` or ``n_samples=10**12`` is refused before anything is allocated.
"""

import math
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["MAX_BYTES", "ALGORITHMS", "check_L", "check_T", "check_real", "check_temperatures",
           "check_temperature_array", "check_algorithm", "check_count", "check_seed",
           "seed_sequence", "check_memory", "check_output_path"]

ALGORITHMS = ("wolff", "swendsen-wang", "metropolis")

# The largest block of snapshots (int8, one byte per spin) a call agrees to allocate: 2 GiB.
MAX_BYTES = 2 * 1024 ** 3


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_memory(n_bytes, name, what):
    """Refuse more than ``MAX_BYTES``; ``name`` is the argument to blame, ``what`` the allocation."""
    if n_bytes > MAX_BYTES:
        raise ValueError(f"{name} would need {n_bytes / 1e9:.3g} GB for {what}; the limit is "
                         f"{MAX_BYTES / 1e9:.3g} GB (isingmc.checks.MAX_BYTES)")
    return n_bytes


def check_L(L, algorithm=None, *, name="L", minimum=2, lattice=True):
    """A lattice size >= ``minimum`` (even for 'metropolis'); with ``lattice`` one L x L lattice
    of int8 spins must fit in ``MAX_BYTES``."""
    if not _is_int(L):
        raise TypeError(f"{name} must be an integer lattice size, got {L!r}")
    if L < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {L}")
    if lattice:
        check_memory(int(L) ** 2, f"{name}={L}", "one lattice of int8 spins")
    if algorithm == "metropolis" and L % 2:
        raise ValueError(f"{name} must be even for algorithm='metropolis' (the checkerboard update "
                         f"needs two sublattices on the torus), got {name}={L}; use 'wolff' or "
                         "'swendsen-wang'")
    return int(L)


def check_real(value, name, positive=False):
    """A finite real number (> 0 with ``positive``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                        np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def check_T(T, name="T"):
    """One temperature: a finite real number > 0."""
    if isinstance(T, (bool, np.bool_)) or not isinstance(T, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a temperature (a real number), got {T!r}")
    if not math.isfinite(T) or T <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {T!r}")
    return float(T)


def check_temperature_array(T, name="T"):
    """Temperatures of any shape as a float array (scalars stay scalars through ``np.ndim``)."""
    if isinstance(T, (bool, np.bool_, str, bytes)) or T is None:
        raise TypeError(f"{name} must be a positive temperature (a real number or array), got {T!r}")
    try:
        arr = np.asarray(T, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive temperature (a real number or array), "
                        f"got {T!r}") from None
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {T!r}")
    return arr


def check_temperatures(values, name="temperatures", *, distinct=False, increasing=False):
    """A non-empty 1-D sequence of temperatures (finite, > 0) as a float64 array."""
    if isinstance(values, (str, bytes)) or values is None or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence of positive temperatures, got {values!r}")
    if not (isinstance(values, np.ndarray) and values.dtype.kind in "fiu") and any(
            isinstance(t, (bool, np.bool_)) for t in np.ravel(np.asarray(values, dtype=object))):
        raise TypeError(f"{name} must hold real numbers, got {values!r}")
    try:
        temps = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of real numbers, got {values!r}") from None
    if temps.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of temperatures, got shape {temps.shape}")
    if temps.size == 0:
        raise ValueError(f"{name} must contain at least one temperature")
    bad = np.flatnonzero(~np.isfinite(temps) | (temps <= 0))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] must be finite and > 0, got {temps[bad[0]]!r}")
    if distinct and np.unique(temps).size != temps.size:
        values, counts = np.unique(temps, return_counts=True)
        raise ValueError(f"{name} must be distinct (each is one label), got duplicates "
                         f"{values[counts > 1].tolist()}")
    if increasing and np.any(np.diff(temps) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return temps


def check_algorithm(algorithm):
    if not isinstance(algorithm, str) or algorithm.lower() not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    return algorithm.lower()


def check_count(n, name, minimum=1, allow_none=False):
    """An integer >= ``minimum`` (or None with ``allow_none``)."""
    if n is None and allow_none:
        return None
    if not _is_int(n):
        raise TypeError(f"{name} must be an integer, got {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return int(n)


def check_seed(seed, name="seed", *, allow_none=True):
    """A non-negative integer seed (None for fresh entropy when ``allow_none``)."""
    if seed is None and allow_none:
        return None
    if not _is_int(seed) or seed < 0:
        what = "None or a non-negative integer" if allow_none else \
            "a non-negative integer (data sets must be reproducible)"
        raise ValueError(f"{name} must be {what}, got {seed!r}")
    return int(seed)


def seed_sequence(seed):
    """A SeedSequence from None, an int >= 0 or a SeedSequence (children of spawn stay usable)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise ValueError(f"seed must be None, a non-negative integer or a numpy SeedSequence, "
                         f"got {seed!r}")
    return np.random.SeedSequence(seed)


def check_output_path(path, name="--out"):
    """A file path whose folder can be written (created if missing), checked before any work.

    Nothing is created: the probe is an anonymous temporary file in the nearest existing folder."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path, got {path!r}")
    text = os.fspath(path)
    path = Path(path)
    example = "data/mcIsing.pkl.gz"
    if not text.strip():
        raise ValueError(f"{name} is empty; expected a file path such as {example}")
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise ValueError(f"{name} {text} is a folder; expected a file path such as "
                         f"{path / 'mcIsing.pkl.gz'}")
    folder = path.parent
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{name} {text}: {existing} is a file, not a folder; expected a path "
                         f"in a writable folder, such as {example}")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise ValueError(f"{name} {text}: cannot write to the folder {existing} "
                         f"({exc.strerror or exc}); expected a path in a writable folder") from None
    return path
