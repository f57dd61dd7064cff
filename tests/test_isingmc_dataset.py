"""The data set: course format and label order, independent splits, seeds, files, CLI, bad input."""

import gzip
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import isingmc
from isingmc.dataset import generate_dataset, save_dataset, sidecar_path
from nnlib.data.safepickle import UnsafePickleError
from nnlib.data import load_data as load_dataset  # the files are read by nnlib (isingmc only writes)


@pytest.fixture(scope="module")
def small():
    return generate_dataset(L=8, temperatures=(3.0, 2.3, 1.5), n_train=60, seed=4, return_info=True)


def test_format_counts_and_labels(small):
    data, info = small
    assert len(data) == 3
    for (images, labels), n in zip(data, (60, 12, 12)):
        assert images.shape == (3 * n, 64) and images.dtype == np.int8
        assert labels.shape == (3 * n,) and labels.dtype == np.int64
        assert set(np.unique(images)) == {-1, 1}
        assert np.array_equal(np.bincount(labels, minlength=3), [n, n, n])
        assert not np.all(np.diff(labels) >= 0)          # shuffled, not sorted by label
    assert info["temperatures"] == [3.0, 2.3, 1.5] and info["L"] == 8


def test_labels_follow_temperatures(small):
    # label 0 (T = 3.0) is disordered, label 2 (T = 1.5) ordered; energies agree with Kaufman
    (images, labels), _, _ = small[0]
    lattices = images.reshape(-1, 8, 8)
    for k, T in enumerate((3.0, 2.3, 1.5)):
        e = isingmc.energy_per_site(lattices[labels == k])
        assert abs(e.mean() - isingmc.exact.energy_per_site(T, L=8)) < 5 * e.std() / np.sqrt(e.size) + 1e-3
    absm = np.abs(isingmc.magnetization_per_site(lattices))
    assert absm[labels == 2].mean() > 0.9 > absm[labels == 0].mean()


def test_seeded_and_splits_independent(small):
    data, _ = small
    again = generate_dataset(L=8, n_train=60, seed=4, n_threads=1)   # other thread count, same data
    for (a, la), (b, lb) in zip(data, again):
        assert np.array_equal(a, b) and np.array_equal(la, lb)
    other = generate_dataset(L=8, n_train=60, seed=5)
    assert not np.array_equal(data[0][0], other[0][0])
    # no snapshot of the disordered phase repeats across splits (separate chains)
    train = {row.tobytes() for row, lab in zip(*data[0]) if lab == 0}
    test = {row.tobytes() for row, lab in zip(*data[2]) if lab == 0}
    assert not train & test


def test_explicit_counts_and_algorithm():
    data, info = generate_dataset(L=6, temperatures=(2.0, 4.0), n_train=10, n_val=0, n_test=3, seed=1,
                                  algorithm="swendsen-wang", return_info=True)
    assert [d[0].shape[0] for d in data] == [20, 0, 6]
    assert info["algorithm"] == ["swendsen-wang", "swendsen-wang"]
    data = generate_dataset(L=5, temperatures=(2.0,), n_train=5, seed=1)   # odd L: no Metropolis
    assert data[0][0].shape == (5, 25)


def test_pickle_roundtrip_and_sidecar(small, tmp_path):
    data, info = small
    path = tmp_path / "sub" / "mcIsing.pkl.gz"
    assert save_dataset(data, path, **info) == path
    with gzip.open(path, "rb") as f:
        raw = pickle.load(f)
    back = load_dataset(path)
    for (a, la), (b, lb), (c, lc) in zip(data, back, raw):
        assert np.array_equal(a, b) and np.array_equal(la, lb) and np.array_equal(a, c)
        assert b.dtype == np.int8 and lb.dtype == np.int64
    side = json.loads(sidecar_path(path).read_text())
    assert sidecar_path(path).name == "mcIsing.json"
    assert side["L"] == 8 and side["temperatures"] == [3.0, 2.3, 1.5] and side["seed"] == 4
    assert side["counts"] == {"training": 180, "validation": 36, "test": 36}
    assert side["isingmc_version"] == isingmc.__version__ and side["format"] == "pickle"
    assert len(side["algorithm"]) == 3 and len(side["sweeps_between"]) == 3
    assert sorted(os.listdir(path.parent)) == ["mcIsing.json", "mcIsing.pkl.gz"]   # no temp files left


def test_loadable_by_nnlib_allow_list(small, tmp_path):
    nnlib_data = pytest.importorskip("nnlib.data")
    data, _ = small
    path = save_dataset(data, tmp_path / "mcIsing.pkl.gz")
    loaded = nnlib_data.load_data(path)
    assert np.array_equal(loaded[1][0], data[1][0]) and np.array_equal(loaded[2][1], data[2][1])


def test_npz_roundtrip(small, tmp_path):
    data, _ = small
    path = save_dataset(data, tmp_path / "mcIsing.npz", seed=4)
    assert sidecar_path(path) == tmp_path / "mcIsing.json"
    back = load_dataset(path)
    for (a, la), (b, lb) in zip(data, back):
        assert np.array_equal(a, b) and np.array_equal(la, lb)


def test_failed_write_leaves_nothing(tmp_path):
    bad = ((np.ones((2, 4), np.int8), np.zeros(2, np.int64)),) * 3
    with pytest.raises(TypeError, match="not JSON serialisable"):
        save_dataset(bad, tmp_path / "x.pkl.gz", note=object())
    assert [p.name for p in tmp_path.iterdir()] == ["x.pkl.gz"]   # the data file is complete ...
    assert load_dataset(tmp_path / "x.pkl.gz")[0][0].shape == (2, 4)  # ... and no half-written sidecar


def test_load_refuses_code(tmp_path):
    path = tmp_path / "evil.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump((os.system, ("true",)), f)
    with pytest.raises(UnsafePickleError, match="refused"):
        load_dataset(path)
    with pytest.raises(FileNotFoundError, match="make data"):
        load_dataset(tmp_path / "missing.pkl.gz")


@pytest.mark.slow
def test_cli_generate(tmp_path):
    out = tmp_path / "mc.npz"
    cmd = [sys.executable, "-m", "isingmc", "generate", "--L", "6", "--temperatures", "3.0", "1.5",
           "--n-train", "20", "--seed", "2", "--out", str(out), "--format", "npz"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    data = load_dataset(out)
    assert data[0][0].shape == (40, 36) and data[1][0].shape == (8, 36)
    assert np.array_equal(data[0][0], generate_dataset(L=6, temperatures=(3.0, 1.5), n_train=20, seed=2)[0][0])
    assert json.loads((tmp_path / "mc.json").read_text())["seed"] == 2
    bad = subprocess.run(cmd[:4] + ["--L", "1", "--out", str(tmp_path / "b.pkl.gz")], capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 2 and "L must be >= 2" in bad.stderr
    assert not (tmp_path / "b.pkl.gz").exists()


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(L=1), ValueError, "L must be >= 2"),
    (dict(L=7, algorithm="metropolis"), ValueError, "L must be even"),
    (dict(temperatures=(2.0, 2.0)), ValueError, "distinct"),
    (dict(temperatures=(3.0, 2.3, 3.0)), ValueError, "duplicates"),
    (dict(temperatures=()), ValueError, "at least one"),
    (dict(temperatures=(2.0, -1.0)), ValueError, r"temperatures\[1\] must be finite and > 0"),
    (dict(temperatures=(2.0, float("inf"))), ValueError, "finite"),
    (dict(temperatures=2.0), TypeError, "temperatures must be a sequence"),
    (dict(n_train=0), ValueError, "n_train must be >= 1"),
    (dict(n_val=-1), ValueError, "n_val must be >= 0"),
    (dict(n_test=1.5), TypeError, "n_test must be an integer"),
    (dict(algorithm="glauber"), ValueError, "algorithm must be one of"),
    (dict(seed=-2), ValueError, "seed"),
])
def test_bad_input(kwargs, err, msg):
    args = dict(L=4, temperatures=(2.0,), n_train=5)
    args.update(kwargs)
    with pytest.raises(err, match=msg):
        generate_dataset(**args)


def test_save_bad_input(tmp_path):
    with pytest.raises(TypeError, match="triple"):
        save_dataset([1, 2], tmp_path / "x.pkl.gz")
    bad = ((np.ones((2, 4)), np.zeros(3, np.int64)),) * 3
    with pytest.raises(ValueError, match="shape"):
        save_dataset(bad, tmp_path / "x.pkl.gz")
    ok = ((np.ones((2, 4), np.int8), np.zeros(2, np.int64)),) * 3
    with pytest.raises(ValueError, match="format must be"):
        save_dataset(ok, tmp_path / "x.pkl.gz", format="hdf5")
    assert list(tmp_path.iterdir()) == []


def test_progress_may_be_a_tqdm_like_class():
    """generate_dataset(progress=cls) draws its bar with cls (e.g. nnlib.widgets.progress.tqdm, whose bar a stored
    notebook keeps finished), counting every snapshot made."""
    from isingmc import generate_dataset

    bars = []

    class Bar:
        def __init__(self, total, **kwargs):
            self.total, self.n = total, 0
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    generate_dataset(L=8, temperatures=(3.0, 1.5), n_train=10, seed=0, progress=Bar, algorithm="wolff")
    assert len(bars) == 1 and bars[0].total == 2 * (10 + 2 + 2) and bars[0].n == bars[0].total
