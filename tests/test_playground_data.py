"""The playground's data: CSV files (good and bad, read and uploaded), your own arrays, and the
data sets with three or more classes.

A bad file must be explained (which row, which column, what was expected) and must change
nothing: the state, the data and the weights stay as they were.
"""

import datetime

import numpy as np
import pytest

from nnlib.widgets.playground import Playground
from nnlib.widgets.playground import multiclass
from nnlib.widgets.playground.csvdata import MAX_POINTS, read_csv
from nnlib.widgets.playground.settings import prepare_data


def csv_of(rows, header="x1,x2,label", sep=","):
    lines = ([header] if header else []) + [sep.join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def grid_rows(label, n=30, seed=0):
    X = np.random.default_rng(seed).uniform(-4, 4, (n, 2))
    return [(round(a, 4), round(b, 4), label(a, b)) for a, b in X]


def upload(pg, content, name="data.csv"):
    pg.controls["upload"].value = ({"name": name, "type": "text/csv", "size": len(content),
                                    "content": memoryview(content),
                                    "last_modified": datetime.datetime(2026, 1, 1)},)


# ---------------------------------------------------------------- reading CSV files

def test_two_classes_with_a_header():
    rows = grid_rows(lambda a, b: 1 if a > 0 else -1)
    data = read_csv(csv_of(rows))
    assert data["problem"] == "classification" and data["classes"] == ["-1", "1"]
    np.testing.assert_allclose(data["X"], [r[:2] for r in rows])
    np.testing.assert_array_equal(data["y"], [r[2] for r in rows])


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_separators_no_header_comments_and_bom(sep):
    rows = grid_rows(lambda a, b: int(a > 0))
    text = "# my points\n\n" + csv_of(rows, header=None, sep=sep).decode()
    data = read_csv(b"\xef\xbb\xbf" + text.encode())
    assert data["problem"] == "classification" and len(data["X"]) == 30
    np.testing.assert_array_equal(data["y"], [1.0 if r[2] else -1.0 for r in rows])


def test_class_names_integer_classes_and_regression():
    names = read_csv(csv_of(grid_rows(lambda a, b: "cat" if a > 0 else "dog" if b > 0
                                      else "emu")))
    assert names["problem"] == "multi-class" and names["classes"] == ["cat", "dog", "emu"]
    assert set(names["y"]) == {0, 1, 2}
    ints = read_csv(csv_of(grid_rows(lambda a, b: 3 + int(a > 0) + 2 * int(b > 0))))
    assert ints["problem"] == "multi-class" and ints["classes"] == ["3", "4", "5", "6"]
    real = read_csv(csv_of(grid_rows(lambda a, b: round(a * b / 16, 3))))
    assert real["problem"] == "regression" and real["classes"] is None


@pytest.mark.parametrize("content, words", [
    (b"", ["no data"]),
    (b"\xff\xfe\x00garbage", ["UTF-8"]),
    (b"x1,x2,label\n1,2\n", ["row 2", "2 columns", "expected 3"]),
    (b"x1,x2,label\n1,2,1\n3,4,0,9\n", ["row 3", "4 columns"]),
    (b"x1,x2,label\n1,2,1\n3,oops,0\n", ["row 3", "column x2", "'oops'", "not a number"]),
    (b"1,2,1\n3,4,0\nnan,1,1\n2,2,0\n", ["row 3", "column x1", "finite"]),
    (b"1,2,1\n3,4,0\n1,1,\n2,2,0\n", ["row 3", "label", "empty"]),
    (b"1,2,1\n3,4,0\n1,1,inf\n2,2,0\n", ["row 3", "label", "finite"]),
    (b"x1,x2,label\n1,2,1\n3,4,0\n", ["2 data rows", "at least 4"]),
    (b"1,2,5\n3,4,5\n1,1,5\n2,2,5\n", ["all labels are equal"]),
    (b"1,2,a\n3,4,a\n1,1,a\n2,2,a\n", ["1 classes"]),
    (b"".join(b"%d,%d,c%d\n" % (k, k, k) for k in range(12)), ["12 classes", "2 to 8"]),
])
def test_bad_files_are_explained(content, words):
    with pytest.raises(ValueError) as err:
        read_csv(content)
    for word in words:
        assert word in str(err.value)


def test_too_many_points_or_bytes_are_refused():
    many = csv_of([(k % 7, k % 5, k % 2) for k in range(MAX_POINTS + 1)])
    with pytest.raises(ValueError, match="more than %d points" % MAX_POINTS):
        read_csv(many)
    with pytest.raises(ValueError, match="at most"):
        read_csv(b"1,2,3\n" * 400_000)
    with pytest.raises(TypeError, match="content"):
        read_csv(12)


# ---------------------------------------------------------------- the upload control

def test_uploading_a_good_file_uses_its_points():
    pg = Playground(seed=0)
    pg.step(5)
    rows = grid_rows(lambda a, b: "in" if a * a + b * b < 6 else "out", n=80)
    upload(pg, csv_of(rows), "rings.csv")
    assert "loaded 80 points from rings.csv" in pg._upload_w.value
    assert pg.state["dataset"] == "custom" and pg.epoch == 0 and pg.classes == ["in", "out"]
    assert len(pg.X_train) + len(pg.X_test) == 80 and pg.controls["dataset"].value == "custom"
    assert pg.controls["upload"].value == ()          # the same file can be chosen again
    assert pg.step(10)
    assert '"classes": ["in", "out"]' in pg.to_json()


def test_uploading_a_bad_file_says_why_and_changes_nothing():
    pg = Playground(seed=0, hidden=(3,))
    pg.step(5)
    state, json_before = pg.state, pg.to_json()
    weights = [w.copy() for w in pg.net.weights]
    X_train = pg.X_train.copy()
    upload(pg, b"x1,x2,label\n1,2,1\n3,oops,0\n", "broken.csv")
    assert "broken.csv was not loaded" in pg._upload_w.value and "row 3" in pg._upload_w.value
    assert "row 3" in pg.message and pg.view.readout["message"] == pg.message
    assert pg.state == state and pg.to_json() == json_before and pg.epoch == 5
    assert all(np.array_equal(a, b) for a, b in zip(weights, pg.net.weights))
    np.testing.assert_array_equal(X_train, pg.X_train)
    upload(pg, b"\x00\xff\xfe", "binary.csv")
    assert "UTF-8" in pg._upload_w.value and pg.to_json() == json_before


def test_load_csv_from_a_path(tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(csv_of(grid_rows(lambda a, b: round(a + b, 2))))
    pg = Playground(seed=2)
    pg.load_csv(path)
    assert pg.state["problem"] == "regression" and pg.net.output == "linear"
    with pytest.raises(ValueError, match="row 2"):
        pg.load_csv(b"x1,x2,label\n1,2\n")
    assert pg.state["problem"] == "regression"                  # unchanged


# ---------------------------------------------------------------- your own arrays

def test_own_data_with_01_labels_is_classification():
    rng = np.random.default_rng(2)
    X = rng.uniform(-3, 3, (80, 2))
    pg = Playground(data=(X, (X[:, 0] > 0).astype(int)))
    assert pg.state["problem"] == "classification"
    assert set(np.unique(np.concatenate([pg.y_train, pg.y_test]))) == {-1.0, 1.0}
    pg.step(30)
    assert pg.test_accuracies[-1] > 0.9


def test_own_multi_class_data_and_an_explicit_problem():
    rng = np.random.default_rng(3)
    X = rng.uniform(-3, 3, (90, 2))
    y = np.digitize(X[:, 0], [-1, 1])                       # labels 0, 1, 2
    pg = Playground(data=(X, y), seed=0)
    assert pg.state["problem"] == "multi-class" and pg.net.sizes[-1] == 3
    as_numbers = Playground(data=(X, y), problem="regression")
    assert as_numbers.net.sizes[-1] == 1 and as_numbers.net.output == "linear"
    with pytest.raises(ValueError, match="two classes"):
        Playground(data=(X, y), problem="classification")
    with pytest.raises(ValueError, match="class labels"):
        prepare_data(X, X[:, 0], "multi-class")
    with pytest.raises(ValueError, match="finite"):
        prepare_data(np.full((5, 2), np.nan), np.arange(5))
    with pytest.raises(ValueError, match="at least 4"):
        prepare_data(X[:3], y[:3])


# ---------------------------------------------------------------- data sets with more classes

@pytest.mark.parametrize("name", multiclass.DATASETS)
def test_multi_class_data_sets(name):
    X, y = multiclass.make_dataset(name, seed=0)
    k = multiclass.N_CLASSES[name]
    assert X.shape == (500, 2) and y.shape == (500,) and y.dtype == np.int64
    assert set(y) == set(range(k))
    assert np.bincount(y).min() >= 500 // k - 60           # roughly balanced
    X2, y2 = multiclass.make_dataset(name, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    Xn, yn = multiclass.make_dataset(name, noise=0.5, seed=0)
    assert not (np.array_equal(X, Xn) and np.array_equal(y, yn))
    if name != "blobs-3":
        assert np.abs(X).max() <= 6.0


def test_multi_class_labels_follow_their_rule():
    X, y = multiclass.make_dataset("quadrants-4", seed=1)
    expected = np.where(X[:, 1] >= 0, np.where(X[:, 0] >= 0, 0, 1),
                        np.where(X[:, 0] >= 0, 3, 2))
    np.testing.assert_array_equal(y, expected)
    X, y = multiclass.make_dataset("rings-3", seed=1)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 0].max() < r[y == 1].min() and r[y == 1].max() < r[y == 2].min()
    X, y = multiclass.make_dataset("blobs-3", seed=1)
    centres = np.array([X[y == c].mean(axis=0) for c in range(3)])
    np.testing.assert_allclose(np.hypot(*centres.T), 3.0, atol=0.3)


@pytest.mark.parametrize("kwargs, word", [({"name": "moons"}, "name"),
                                          ({"name": "rings-3", "noise": 0.6}, "noise"),
                                          ({"name": "rings-3", "n": 2}, "n")])
def test_multi_class_data_sets_refuse_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        multiclass.make_dataset(**kwargs)
