"""Bad input, tried as a user would (issue 17): every case ends in a clear error that names the
argument or the file, raised at the public boundary before anything large is allocated."""

import gzip
import os
import pickle
import re
import stat
import tracemalloc

import numpy as np
import pytest

from nnlib import Network
from nnlib.data import DataFileError, atomic_write, load_arrays, load_data, load_data_wrapper


def _small_triple(n=6, width=4, labels=None):
    x = np.linspace(0, 1, n * width, dtype=np.float32).reshape(n, width)
    y = np.arange(n) % 3 if labels is None else np.asarray(labels)
    return ((x, y), (x[:2], y[:2]), (x[:2], y[:2]))


def _write_pickle(path, data):
    with gzip.open(path, "wb") as f:
        pickle.dump(data, f, protocol=4)
    return path


@pytest.fixture
def datafile(tmp_path):
    return _write_pickle(tmp_path / "small.pkl.gz", _small_triple())


# ------------------------------------------------------------------ sizes and memory
def test_network_too_large_is_refused_before_allocating():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"sizes=\[30000, 30000\].*GB"):
            Network([30000, 30000])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50e6


def test_fractional_sizes_are_refused():
    with pytest.raises(ValueError, match="sizes must be positive integers"):
        Network([2.5, 3])


def test_n_labels_huge_is_refused(tmp_path):
    path = _write_pickle(tmp_path / "many.pkl.gz", _small_triple(n=3000, width=1))
    with pytest.raises(ValueError, match=r"n_labels=1000000 would need 24 GB"):
        load_data_wrapper(path, n_labels=10**6)


def test_n_labels_not_an_int_is_refused(datafile):
    with pytest.raises(ValueError, match="n_labels must be a positive integer"):
        load_data_wrapper(datafile, n_labels=2.5)


def test_label_1e9_in_a_file_is_refused(tmp_path):
    path = _write_pickle(tmp_path / "big_label.pkl.gz",
                         _small_triple(labels=[0, 1, 2, 10**9, 0, 1]))
    with pytest.raises(DataFileError, match=r"big_label.pkl.gz: found label 1000000000"):
        load_data_wrapper(path)


def test_one_hot_targets_unchanged(datafile):
    training, _, _ = load_data_wrapper(datafile)
    y = _small_triple()[0][1]
    for (_, target), label in zip(training, y):
        np.testing.assert_array_equal(target, np.eye(3)[:, [label]])


# ------------------------------------------------------------------ data files
def test_load_arrays_refuses_integer_dtype(datafile):
    with pytest.raises(ValueError, match=r"dtype must be a float type.*int8"):
        load_arrays(datafile, dtype=np.int8)


def test_all_empty_splits(tmp_path):
    empty = (np.zeros((0, 4), np.float32), np.zeros(0, np.int64))
    path = _write_pickle(tmp_path / "empty.pkl.gz", (empty, empty, empty))
    with pytest.raises(DataFileError, match=r"empty.pkl.gz: .*all empty"):
        load_data_wrapper(path)
    with pytest.raises(DataFileError, match=r"empty.pkl.gz: .*all empty"):
        load_arrays(path)


def test_gzip_of_random_bytes_names_the_file(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(20):
        path = tmp_path / ("random%d.pkl.gz" % k)
        path.write_bytes(gzip.compress(rng.bytes(3000)))
        with pytest.raises(DataFileError, match="random%d.pkl.gz" % k):
            load_data(path)


def test_safe_load_names_the_source_on_garbage():
    import io

    from nnlib.data.safepickle import safe_load
    with pytest.raises(pickle.UnpicklingError, match="somefile"):
        safe_load(io.BytesIO(b"\x80\x04garbage-not-a-pickle"), source="somefile")


def _npz_dataset(path):
    (x, y), _, _ = _small_triple()
    np.savez(path, training_images=x, training_labels=y, validation_images=x,
             validation_labels=y, test_images=x, test_labels=y)
    return path


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_npz_data_file(tmp_path, cut):
    good = _npz_dataset(tmp_path / "good.npz").read_bytes()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good[:int(len(good) * cut)])
    with pytest.raises(DataFileError, match="bad.npz"):
        load_data(bad)


# ------------------------------------------------------------------ Network.load
def _saved(tmp_path, **change):
    net = Network([3, 4, 2], seed=0)
    path = net.save(tmp_path / "net.npz")
    with np.load(path) as f:
        arrays = dict(f)
    arrays.update(change)
    for k, v in list(arrays.items()):
        if v is None:
            del arrays[k]
    bad = tmp_path / "bad_net.npz"
    np.savez(bad, **arrays)
    return bad


def test_load_nan_weights(tmp_path):
    w = np.full((4, 3), np.nan)
    with pytest.raises(DataFileError, match=r"bad_net.npz: .*layer 0 are not finite"):
        Network.load(_saved(tmp_path, w0=w))


def test_load_huge_sizes_refused_before_allocating(tmp_path):
    path = _saved(tmp_path, sizes=np.array([100000, 100000, 2]))
    with pytest.raises(DataFileError, match=r"sizes stored in .*bad_net.npz.* GB"):
        Network.load(path)


def test_load_fractional_sizes(tmp_path):
    with pytest.raises(DataFileError, match=r"bad_net.npz: sizes must be a list of integers"):
        Network.load(_saved(tmp_path, sizes=np.array([3.5, 4, 2])))


def test_load_sizes_disagree_with_layers(tmp_path):
    with pytest.raises(DataFileError, match=r"bad_net.npz is inconsistent: layer 1"):
        Network.load(_saved(tmp_path, sizes=np.array([3, 4, 3])))
    with pytest.raises(DataFileError, match=r"bad_net.npz: sizes \[3, 4\] need"):
        Network.load(_saved(tmp_path, sizes=np.array([3, 4])))


def test_load_requested_sizes_disagree(tmp_path):
    path = Network([3, 4, 2], seed=0).save(tmp_path / "net.npz")
    with pytest.raises(ValueError, match=r"net.npz holds a network with sizes \[3, 4, 2\]"):
        Network.load(path, sizes=[3, 5, 2])
    with pytest.raises(ValueError, match="sizes must be positive integers"):
        Network.load(path, sizes=[3.0, 4, 2.5])


@pytest.mark.parametrize("cut", [0.2, 0.5, 0.8, 0.97])
def test_load_truncated_network(tmp_path, cut):
    good = Network([3, 4, 2], seed=0).save(tmp_path / "net.npz")
    data = open(good, "rb").read()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(DataFileError, match="cut.npz"):
        Network.load(bad)


def test_load_corrupt_network(tmp_path):
    good = Network([3, 4, 2], seed=0).save(tmp_path / "net.npz")
    data = bytearray(open(good, "rb").read())
    data[100:400] = bytes(300)
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match="corrupt.npz"):
        Network.load(bad)


def test_load_round_trip_still_works(tmp_path):
    net = Network([3, 4, 2], seed=0)
    other = Network.load(net.save(tmp_path / "net.npz"), sizes=[3, 4, 2])
    for a, b in zip(net.weights + net.biases, other.weights + other.biases):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ feedforward
def test_feedforward_nan_input():
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match="a contains NaN or infinite"):
        net.feedforward(np.array([[0.0], [np.nan], [1.0]]))


# ------------------------------------------------------------------ files and permissions
def _with_umask(mask, fn):
    old = os.umask(mask)
    try:
        return fn()
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_write_follows_umask(tmp_path, mask, mode):
    def write():
        with atomic_write(tmp_path / "f.bin") as tmp:
            tmp.write_bytes(b"data")
    _with_umask(mask, write)
    assert stat.S_IMODE(os.stat(tmp_path / "f.bin").st_mode) == mode
    assert (tmp_path / "f.bin").read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_saved_network_is_readable_by_others(tmp_path):
    path = _with_umask(0o022, lambda: Network([2, 2], seed=0).save(tmp_path / "n.npz"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_atomic_write_failure_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "f.bin") as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_removes_parts_of_dead_writers(tmp_path, monkeypatch):
    import nnlib.core.files as data
    stale = tmp_path / (".f.bin.%d.abc123.part" % 2**22 + "")      # a pid that cannot be alive
    stale.write_bytes(b"partial")
    alive = tmp_path / (".f.bin.%d.abc123.part" % os.getpid())
    alive.write_bytes(b"in progress")
    monkeypatch.setattr(data, "USE_O_TMPFILE", False)             # the named fallback
    with atomic_write(tmp_path / "f.bin") as tmp:
        tmp.write_bytes(b"data")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["f.bin", alive.name])


# ------------------------------------------------------------------ diverging training
def _three_classes(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8)).astype(np.float32)
    y = np.argmax(X[:, :3] @ rng.normal(size=(3, 3)), axis=1)
    return X, np.eye(3)[y], y


@pytest.mark.parametrize("keywords,eta", [({}, 1e6), ({}, 1e9),
                                          (dict(output="softmax", cost="cross-entropy"), 1e300)])
def test_diverging_run_warns(keywords, eta):
    from nnlib.core.training import DivergenceWarning
    X, Y, y = _three_classes()
    net = Network([8, 20, 3], seed=0, **keywords)
    expected = r"Training stopped in epoch 0: .*eta = %s" % re.escape("%g" % eta)
    with pytest.warns(DivergenceWarning, match=expected):
        history = net.SGD((X, Y), 5, 10, eta, test_data=(X, y), verbose=False)
    assert history["stopped"].startswith("Training stopped in epoch 0")
    assert all(np.all(np.isfinite(w)) and np.abs(w).max() < 100 for w in net.weights)


@pytest.mark.parametrize("keywords,eta", [({}, 3.0), (dict(output="softmax", cost="cross-entropy"), 0.5),
                                          (dict(init="scaled"), 1e-4)])
def test_healthy_run_does_not_warn(keywords, eta):
    import warnings
    X, Y, y = _three_classes()
    net = Network([8, 20, 3], seed=0, **keywords)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = net.SGD((X, Y), 5, 10, eta, test_data=(X, y), verbose=False)
    assert history["stopped"] is None and len(history["train_cost"]) == 5


def test_diverging_course_loop_warns_too():
    """A subclass with its own backprop trains through the course's loop: same guard."""
    from nnlib.core.training import DivergenceWarning

    class Mine(Network):
        def backprop(self, x, y):
            return super().backprop(x, y)
    X, Y, y = _three_classes(n=120)
    net = Mine([8, 20, 3], seed=0)
    with pytest.warns(DivergenceWarning, match="saturated"):
        net.SGD([(x[:, None], t[:, None]) for x, t in zip(X, Y)], 3, 10, 1e6, verbose=False)


# ------------------------------------------------------------------ isingmc
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402

import isingmc  # noqa: E402
from isingmc import checks as ising_checks  # noqa: E402


def test_simulate_huge_L_refused_before_allocating():
    with pytest.raises(ValueError, match=r"L=1000000 would need 1e\+03 GB"):
        isingmc.simulate(L=10**6, T=2.0, n_samples=1)


def test_simulate_huge_n_samples_refused():
    with pytest.raises(ValueError, match=r"n_samples=1000000000000 would need .* GB"):
        isingmc.simulate(L=28, T=2.0, n_samples=10**12)


def test_generate_dataset_huge_counts_refused():
    with pytest.raises(ValueError, match=r"n_train=1000000000.* would need .* GB"):
        isingmc.generate_dataset(L=28, n_train=10**9)


def test_labelled_snapshots_huge_count_refused():
    with pytest.raises(ValueError, match=r"n_per_T=1000000000 would need .* GB"):
        isingmc.labelled_snapshots(28, [1.5, 3.0], 10**9, seed=0)


@pytest.mark.parametrize("bad,err,msg", [
    (dict(T=float("nan")), ValueError, "T must be finite"),
    (dict(T=True), TypeError, "T must be a temperature"),
    (dict(L=2.5), TypeError, "L must be an integer"),
    (dict(n_samples=0), ValueError, "n_samples must be >= 1"),
    (dict(seed=-1), ValueError, "seed must be"),
    (dict(seed=1.5), ValueError, "seed must be"),
])
def test_simulate_checks(bad, err, msg):
    args = dict(L=8, T=2.0, n_samples=2)
    args.update(bad)
    with pytest.raises(err, match=msg):
        isingmc.simulate(**args)


def _module(name):
    """isingmc.simulate is also the function's name: take the module from sys.modules."""
    import importlib
    importlib.import_module(name)
    return sys.modules[name]


def test_one_checks_module_is_used():
    for name in ("isingmc.simulate", "isingmc.dataset", "isingmc.phase_data", "isingmc.exact"):
        module = vars(_module(name))
        assert module["check_L"] is ising_checks.check_L
        for check in ("check_T", "check_count", "seed_sequence", "_check_temperatures", "_real",
                      "_temperatures"):
            assert check not in module or module[check] is getattr(ising_checks, check)
    with pytest.raises(ValueError, match=r"temperatures\[1\] must be finite and > 0"):
        isingmc.labelled_snapshots(4, [1.5, -2.0], 2, seed=0)
    with pytest.raises(ValueError, match=r"T must be finite and > 0"):
        isingmc.exact.energy_per_site([1.0, float("nan")])


@pytest.mark.parametrize("algorithm", ["metropolis", "wolff", "swendsen-wang"])
@pytest.mark.parametrize("sweeps_between", [2, 7])
def test_chunked_kernel_calls_give_the_same_samples(monkeypatch, algorithm, sweeps_between):
    sim = _module("isingmc.simulate")
    args = dict(algorithm=algorithm, sweeps_between=sweeps_between, n_equilibration=11, seed=3)
    whole = isingmc.simulate(8, 2.3, 9, **args)
    monkeypatch.setattr(sim, "CHUNK_SITE_UPDATES", 3 * 64)      # 3 steps per compiled call
    pieces = isingmc.simulate(8, 2.3, 9, **args)
    np.testing.assert_array_equal(whole, pieces)


def _python(code, **kwargs):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=os.path.dirname(__file__),
                            env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), **kwargs)


@pytest.mark.slow
def test_huge_sweeps_between_can_be_interrupted():
    proc = _python("""
        import isingmc
        isingmc.simulate(8, 2.3, 1, algorithm='metropolis', sweeps_between=2, n_equilibration=1)
        print('ready', flush=True)
        isingmc.simulate(64, 2.3, 1, algorithm='metropolis', sweeps_between=10**12,
                         n_equilibration=0)
        print('finished', flush=True)
    """)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "finished" not in out and "KeyboardInterrupt" in err


def test_generate_out_is_a_folder_fails_before_generating(tmp_path, monkeypatch, capsys):
    import isingmc.__main__ as cli

    def never(*args, **kwargs):
        raise AssertionError("generated although --out cannot be written")
    monkeypatch.setattr(cli, "generate_dataset", never)
    assert cli.main(["generate", "--out", str(tmp_path), "--quiet"]) == 2
    assert "--out %s is a folder" % tmp_path in capsys.readouterr().err
    (tmp_path / "afile").write_text("x")
    assert cli.main(["generate", "--out", str(tmp_path / "afile" / "d.pkl.gz")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert cli.main(["generate", "--out", "/proc/mcIsing.pkl.gz"]) == 2
    assert "--out /proc/mcIsing.pkl.gz: cannot write to the folder /proc" in capsys.readouterr().err
    assert cli.main(["generate", "--out", ""]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_save_dataset_into_a_folder(tmp_path):
    from isingmc.dataset import save_dataset
    with pytest.raises(ValueError, match="path %s is a folder" % tmp_path):
        save_dataset(_tiny_data(), tmp_path)


def _tiny_data():
    x = np.ones((4, 16), np.int8)
    y = np.arange(4) % 2
    return ((x, y), (x, y), (x, y))


def test_ising_files_follow_umask(tmp_path):
    from isingmc.dataset import save_dataset, sidecar_path
    path = _with_umask(0o022, lambda: save_dataset(_tiny_data(), tmp_path / "d.pkl.gz"))
    for p in (path, sidecar_path(path)):
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json", "d.pkl.gz"]
    assert load_data(path)[0][0].shape == (4, 16)


@pytest.mark.skipif(not __import__("nnlib.core.files").core.files.USE_O_TMPFILE,
                    reason="without O_TMPFILE the next write removes the part file instead")
@pytest.mark.parametrize("writer", ["isingmc", "nnlib"])
def test_sigkill_while_writing_leaves_no_file(tmp_path, writer):
    code = {
        "isingmc": """
            import sys, time, numpy as np
            import isingmc.dataset as d
            def slow(obj, f, protocol):
                f.write(b'x' * 100000); f.flush()
                print('writing', flush=True); time.sleep(60)
            d.pickle.dump = slow
            x = np.ones((4, 16), np.int8); y = np.arange(4) % 2
            d.save_dataset(((x, y), (x, y), (x, y)), sys.argv[1])
        """,
        "nnlib": """
            import sys, time
            from nnlib.data import atomic_write
            with atomic_write(sys.argv[1]) as tmp:
                with open(tmp, 'wb') as f:
                    f.write(b'x' * 100000); f.flush()
                    print('writing', flush=True); time.sleep(60)
        """}[writer]
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code),
                             str(tmp_path / "out.pkl.gz")], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(tmp_path.iterdir()) == []


def test_stale_ising_temp_files_are_removed(tmp_path, monkeypatch):
    import isingmc.dataset as d
    stale = tmp_path / (".d.pkl.gz.%d.abcd.tmp" % 2**22)
    stale.write_bytes(b"partial")
    monkeypatch.setattr(d, "_USE_O_TMPFILE", False)
    d.save_dataset(_tiny_data(), tmp_path / "d.pkl.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json", "d.pkl.gz"]


# ------------------------------------------------------------------ playground CSV
@pytest.mark.parametrize("x", ["1e308", "-1e308", "1e7"])
def test_playground_csv_huge_x_leaves_the_widget_unchanged(x):
    from nnlib.widgets.playground import Playground
    pg = Playground()
    before = pg.to_json()
    content = ("x1,x2,label\n%s,1,a\n-1,2,b\n3,4,a\n5,6,b\n" % x).encode()
    with pytest.raises(ValueError, match=r"row 2, column x1: '%s' is too large" % re.escape(x)):
        pg.load_csv(content)
    assert pg.to_json() == before
    pg.step()                                  # still trains on the old data


def test_playground_csv_nul_after_a_label_is_refused():
    from nnlib.widgets.playground.csvdata import read_csv
    content = b"x1,x2,label\n1,1,a\n2,2,a\x00\n3,4,b\n5,6,b\n"
    with pytest.raises(ValueError, match=r"row 3, column label: 'a\\x00' contains the control"):
        read_csv(content)


def test_playground_csv_huge_regression_label_is_refused():
    from nnlib.widgets.playground import Playground
    pg = Playground()
    before = pg.to_json()
    with pytest.raises(ValueError, match=r"row 3, column label: '-1e308' is too large"):
        pg.load_csv(b"x1,x2,label\n1,1,1\n2,2,-1e308\n3,4,0.5\n5,6,0.25\n1,3,2\n")
    assert pg.to_json() == before


def test_playground_csv_large_but_allowed_coordinates_train():
    from nnlib.widgets.playground import Playground
    pg = Playground()
    pg.load_csv(b"x1,x2,label\n1e6,1,a\n-1e6,2,b\n3,4,a\n5,6,b\n2,2,b\n1,0,a\n")
    pg.step()


# ------------------------------------------------------------------ files that claim huge arrays
def _npy_header_only(shape, descr):
    import io
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + bytes(64)


def test_npz_data_file_claiming_huge_arrays(tmp_path):
    import zipfile
    path = tmp_path / "claims.npz"
    with zipfile.ZipFile(path, "w") as z:
        for name in ("training", "validation", "test"):
            z.writestr(name + "_images.npy", _npy_header_only((10**7, 784), "<f4"))
            z.writestr(name + "_labels.npy", _npy_header_only((10**7,), "<i8"))
    with pytest.raises(DataFileError, match=r"claims.npz: the array training_images claims shape "
                                            r"\(10000000, 784\) .*31.4 GB"):
        load_data(path)


def test_npz_data_file_claiming_more_than_it_holds(tmp_path):
    import zipfile
    path = tmp_path / "short.npz"
    with zipfile.ZipFile(path, "w") as z:
        for name in ("training", "validation", "test"):
            z.writestr(name + "_images.npy", _npy_header_only((1000, 784), "<f4"))
            z.writestr(name + "_labels.npy", _npy_header_only((1000,), "<i8"))
    with pytest.raises(DataFileError, match=r"short.npz: .*training_images.*holds .* bytes"):
        load_data(path)


def test_network_file_claiming_a_huge_layer(tmp_path):
    import io
    import zipfile
    path = Network([3, 4, 2], seed=0).save(tmp_path / "net.npz")
    with np.load(path) as f:
        arrays = dict(f)
    bad = tmp_path / "huge_layer.npz"
    with zipfile.ZipFile(bad, "w") as z:
        for key, value in arrays.items():
            buf = io.BytesIO()
            np.save(buf, value)
            z.writestr(key + ".npy", _npy_header_only((100000, 100000), "<f8") if key == "w0"
                       else buf.getvalue())
    with pytest.raises(DataFileError, match=r"huge_layer.npz: the array w0 claims shape "
                                            r"\(100000, 100000\) of float64 \(80 GB"):
        Network.load(bad)


def test_pickle_claiming_a_huge_object(tmp_path):
    path = tmp_path / "bomb.pkl.gz"
    path.write_bytes(gzip.compress(b"\x80\x04\x8e" + (10**13).to_bytes(8, "little") + b"abc"))
    with pytest.raises(DataFileError, match="bomb.pkl.gz"):
        load_data(path)


def test_nan_images_in_a_data_file(tmp_path):
    (x, y), val, test = _small_triple()
    x = x.copy()
    x[2, 1] = np.nan
    path = _write_pickle(tmp_path / "nan.pkl.gz", ((x, y), val, test))
    with pytest.raises(DataFileError, match=r"nan.pkl.gz: training images contain NaN"):
        load_data(path)


def test_vectorized_result_checks():
    from nnlib.data import vectorized_result
    with pytest.raises(ValueError, match=r"j must be a label in 0..9, got 10"):
        vectorized_result(10)
    with pytest.raises(ValueError, match=r"n_labels=1000000000000 would need"):
        vectorized_result(0, n_labels=10**12)
    np.testing.assert_array_equal(vectorized_result(3, 5)[:, 0], [0, 0, 0, 1, 0])


@pytest.mark.slow
def test_generate_can_be_interrupted_and_writes_nothing(tmp_path):
    """Ctrl-C reaches the chains running in worker threads: they stop at their next chunk."""
    out = tmp_path / "k" / "x.pkl.gz"
    proc = subprocess.Popen([sys.executable, "-m", "isingmc", "generate", "--L", "64",
                             "--n-train", "20000", "--out", str(out), "--quiet"],
                            stderr=subprocess.PIPE, text=True, cwd=os.path.dirname(__file__),
                            env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    try:
        time.sleep(3)
        proc.send_signal(signal.SIGINT)
        started = time.perf_counter()
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and time.perf_counter() - started < 15
    assert "interrupted; nothing was written to %s" % out in err
    assert not out.exists() and not out.with_suffix("").with_suffix(".json").exists()


def test_toy_data_set_too_large_is_refused_before_allocating():
    from nnlib.studies import toydata
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"^n would need .* GB for 1000000000000 points"):
            toydata.make_dataset("spiral", n=10**12)
        assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    finally:
        tracemalloc.stop()
