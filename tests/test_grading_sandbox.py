"""The grader's parts without nbgrader: the bubblewrap sandbox, the reading of results, the scorers.

The sandbox tests run real ``bwrap`` (Debian's bubblewrap, installed by .ci/run).  A "solution cell" here
reports what it saw by raising SystemExit with a message, which the runner records as the cell's error.
"""

import io
import json
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grading import checks, sandbox, submissions
from grading.exercises import mnist
from grading.hidden import Course
from grading.nbgrader_scores import visible_part

pytestmark = pytest.mark.sandbox      # real bubblewrap sandboxes: make test, not make check

ROOT = Path(__file__).resolve().parent.parent
FAST = sandbox.Limits(wall_seconds=60)


def npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    data = npz(one_hot=np.eye(10)[:, :, None], images=np.arange(2 * 784.0).reshape(2, 784, 1))
    return sandbox.input_file("decode_and_reshape", data, tmp_path_factory.mktemp("inputs"))


def run_cell(code, inputs, limits=FAST, library="nnlib", hides=()):
    outcome = sandbox.run({"code": code, "driver": "decode_and_reshape", "library": library, "hides": hides},
                          inputs, limits)
    return outcome, checks.load_result(outcome.result)


def reported(code, inputs, **kwargs):
    """What a cell reported with `raise SystemExit(repr(...))`."""
    outcome, result = run_cell(code, inputs, **kwargs)
    text = checks.text(result, "error")
    assert text and text.startswith("SystemExit: "), (text, outcome.log)
    return eval(text[len("SystemExit: "):])                 # noqa: S307  (our own repr of a dict)


def test_a_driver_returns_plain_arrays(inputs):
    code = "def decode(y):\n    return int(np.argmax(y))\ndef as_image(x):\n    return np.reshape(x, (28, 28))\n"
    outcome, result = run_cell(code, inputs)
    assert outcome.returncode == 0 and outcome.killed is None, outcome.log
    assert np.array_equal(result["decode"], np.arange(10.0))
    assert np.array_equal(result["as_image"], np.arange(2 * 784.0).reshape(2, 28, 28))


def test_the_sandbox_sees_nothing_of_the_course(inputs):
    code = f'''
import os
seen = {{p: os.path.exists(p) for p in [{str(ROOT / "data")!r}, {str(ROOT / "build")!r}, {str(ROOT / "tests")!r},
        {str(ROOT / "grading" / "autograde.py")!r}, {str(ROOT / "notebooks")!r}, "/grader/runner.py",
        {str(ROOT / "nnlib" / "core" / "network.py")!r}, {str(Path.home() / ".ssh")!r}]}}
seen["uid"] = os.getuid()
seen["cwd"] = os.getcwd()
seen["processes"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
raise SystemExit(repr(seen))
'''
    seen = reported(code, inputs)
    assert not seen[str(ROOT / "data")] and not seen[str(ROOT / "build")] and not seen[str(ROOT / "tests")]
    assert not seen[str(ROOT / "grading" / "autograde.py")] and not seen[str(ROOT / "notebooks")]
    assert not seen[str(Path.home() / ".ssh")]
    assert seen["/grader/runner.py"] and seen[str(ROOT / "nnlib" / "core" / "network.py")]
    assert seen["uid"] != 0 and seen["cwd"] == "/scratch"
    assert len(seen["processes"]) <= 3, seen["processes"]          # its own PID namespace


def test_the_course_packages_are_read_only_and_absent_for_backprop(inputs):
    code = f'''
import os
result = {{}}
for path in [{str(ROOT / "nnlib" / "core" / "network.py")!r}, "/grader/drivers/mnist.py", "/sheet/network.py",
             "{inputs}".replace("{inputs.parent}", "/inputs")]:
    try:
        open(path, "a").close()
        result[path] = "written"
    except OSError as exc:
        result[path] = type(exc).__name__
try:
    import nnlib
    result["nnlib"] = nnlib.__file__
except ImportError as exc:
    result["nnlib"] = type(exc).__name__
try:
    import network
    result["network"] = network.__file__
except ImportError as exc:
    result["network"] = type(exc).__name__
raise SystemExit(repr(result))
'''
    seen = reported(code, inputs)
    assert "written" not in seen.values(), seen
    assert seen["nnlib"] == str(ROOT / "nnlib" / "__init__.py") and seen["network"] == "ModuleNotFoundError"
    sheet = reported(code, inputs, library="sheet")       # 03: the sheet's network.py, no nnlib
    assert sheet["nnlib"] == "ModuleNotFoundError" and sheet["network"] == "/sheet/network.py", sheet
    assert "written" not in sheet.values(), sheet


def test_a_hidden_library_folder_is_a_stub_that_names_what_was_used(inputs):
    """07's sandboxes have no nnlib/transition: importing works, using it names the function, and the real
    code is not there to be read or re-imported."""
    code = f'''
import importlib, os
from nnlib.transition import pca
import nnlib.transition.scaling as scaling
result = {{"files": sorted(os.listdir({str(ROOT / "nnlib" / "transition")!r}))}}
for name, call in (("fit_pca", lambda: pca.fit_pca(np.zeros((3, 3)))), ("fit_finite_size", lambda: scaling.fit_finite_size),
                   ("reload", lambda: importlib.reload(importlib.import_module("nnlib.transition.phases")).train_phase_network)):
    try:
        call()
        result[name] = "ran"
    except Exception as exc:
        result[name] = str(exc)[15:80]                 # the name (the result keeps 400 characters)
from nnlib import Network
result["network"] = Network([2, 2]).sizes
raise SystemExit(repr(result))
'''
    seen = reported(code, inputs, hides=("nnlib/transition",))
    assert seen["files"] == ["__init__.py"] or set(seen["files"]) <= {"__init__.py", "__pycache__"}, seen["files"]
    assert "nnlib.transition.pca.fit_pca," in seen["fit_pca"], seen
    assert "nnlib.transition.scaling.fit_finite_size," in seen["fit_finite_size"], seen
    assert "nnlib.transition.phases.train_phase_network," in seen["reload"], seen
    assert seen["network"] == [2, 2]                       # the rest of nnlib is there


def test_no_network(inputs):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    code = f'''
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    outcome = "connected"
except OSError as exc:
    outcome = type(exc).__name__
raise SystemExit(repr({{"outcome": outcome}}))
'''
    try:
        assert reported(code, inputs)["outcome"] != "connected"
        time.sleep(0.2)
        assert not accepted
    finally:
        server.close()


def test_a_hang_that_ignores_signals_is_killed_at_the_wall_limit(inputs):
    code = ("import signal\nfor s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGXCPU):\n"
            "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n")
    start = time.monotonic()
    outcome, result = run_cell(code, inputs, sandbox.Limits(wall_seconds=3))
    assert outcome.killed == "wall" and result == {}
    assert time.monotonic() - start < 30


def test_memory_is_limited(inputs):
    code = ("try:\n    block = bytearray(3 * 2**30)\n    got = 'allocated'\nexcept MemoryError:\n"
            "    got = 'MemoryError'\nraise SystemExit(repr({'got': got}))\n")
    assert reported(code, inputs, limits=sandbox.Limits(wall_seconds=60, memory_mb=2048))["got"] == "MemoryError"


def test_a_symlinked_result_is_not_followed(inputs, tmp_path):
    secret = tmp_path / "secret.npz"
    secret.write_bytes(npz(decode=np.arange(10.0)))
    code = (f"import os\ntry:\n    os.unlink('result.npz')\nexcept OSError:\n    pass\n"
            f"os.symlink({str(secret)!r}, 'result.npz')\nos._exit(0)\n")
    outcome, result = run_cell(code, inputs)
    assert "decode" not in result, "the grader read the file a student's symlink pointed at"


def test_results_are_plain_arrays_only():
    with_object = io.BytesIO()
    np.save(with_object, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert checks.load_result(b"not a zip") == {}
    assert checks.load_result(npz(x=np.array([object()], dtype=object))) == {}
    loaded = checks.load_result(npz(x=np.ones(3), name=np.array("relu")))
    assert set(loaded) == {"x", "name"} and checks.text(loaded, "name") == "relu"
    with pytest.raises(checks.Missing):
        checks.floats({"x": np.array([1.0, np.nan])}, "x", (2,))
    with pytest.raises(checks.Missing):
        checks.floats({"x": np.ones(3)}, "x", (2,))


def test_a_result_that_inflates_or_claims_huge_layers_allocates_nothing():
    """A compressed member that inflates past the result limit is refused unread; layer sizes that the
    file does not back with arrays are refused before a network of those sizes is made."""
    bomb = io.BytesIO()
    np.savez_compressed(bomb, x=np.zeros(100 * 2**20, dtype=np.uint8))      # 100 MB of zeros, ~100 KB on disk
    assert len(bomb.getvalue()) < sandbox.MAX_RESULT_BYTES and checks.load_result(bomb.getvalue()) == {}
    for sizes, refusal in (([10_000] * 12, "would need"), ([3000] * 4, "b0")):     # no arrays behind the sizes
        huge = io.BytesIO()
        np.savez(huge, format=np.array("nnlib.Network 1"), sizes=np.array(sizes), activation=np.array("sigmoid"),
                 output=np.array("sigmoid"), cost=np.array("quadratic"), init=np.array("normal"),
                 dtype=np.array("float64"))
        with pytest.raises(checks.Missing, match=refusal):
            checks.network({"n": np.frombuffer(huge.getvalue(), np.uint8)}, "n", "net")


def test_a_network_is_read_from_its_network_file_only():
    from nnlib import Network
    from nnlib.data import network_file

    net = Network([4, 3, 2], seed=0, output="softmax", cost="cross-entropy")
    file = np.frombuffer(network_file.to_bytes(net), np.uint8)
    rebuilt = checks.network(checks.load_result(npz(n=file)), "n", "net")
    X = np.random.default_rng(1).normal(size=(5, 4))
    assert type(rebuilt) is Network and np.allclose(rebuilt.predict(X), net.predict(X))
    strange = io.BytesIO()
    np.savez(strange, **dict(network_file.arrays(net), activation=np.array("__import__('os')")))
    strange = np.frombuffer(strange.getvalue(), np.uint8)
    with pytest.raises(checks.Missing, match="the network you returned"):
        checks.network({"n": strange}, "n", "the network you returned")
    with pytest.raises(checks.Missing, match="not a network file"):
        checks.network({"n": np.ones(3)}, "n", "net")
    with pytest.raises(checks.Missing, match="the network you returned"):
        checks.network({"n": file[:200]}, "n", "the network you returned")


def test_backprop_scorer_against_its_own_reference():
    """Right gradients score, gradients with a sign error do not (no sandbox: the scorer alone)."""
    public, private = mnist.backprop_inputs(Course(seed=7))
    result = {}
    for k in range(int(public["n_cases"])):
        p = "case%d_" % k
        net = mnist._reference_network(public, p)
        nabla_b, nabla_w = net.backprop(public[p + "x"], public[p + "y"])
        for i, (gb, gw) in enumerate(zip(nabla_b, nabla_w)):
            result[p + "nb%d" % i], result[p + "nw%d" % i] = gb, gw
    for i, p in enumerate(mnist._reference_training(public)):
        n = len(public["train_sizes"]) - 1
        result[("trained_w%d" if i < n else "trained_b%d") % (i % n)] = p
    scores = mnist.backprop_score(public, private, result)
    assert scores["backprop_gradcheck"].fraction == 1 and scores["backprop_trains"].fraction == 1, scores
    flipped = {k: -v if k.startswith("case") else v for k, v in result.items()}
    wrong = mnist.backprop_score(public, private, flipped)["backprop_gradcheck"]
    assert wrong.fraction == 0 and "equation (2)" in wrong.message, wrong     # the diagnosis: the sign of (a - y)
    shifted = dict(result, trained_w0=result["trained_w0"] + 1e-3)
    assert mnist.backprop_score(public, private, shifted)["backprop_trains"].fraction == 0


def test_solution_code_is_read_as_data(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "a"}}, "source": ["x = 1\n", "y"]},
                    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "a"}}, "source": "second"},
                    {"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": "b"}}, "source": "text"}]}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb))
    parsed = submissions.read_notebook(path)
    assert submissions.solution_code(parsed, "a") == "second"          # of copies, the last that is not a stub
    assert submissions.solution_code(parsed, "b") is None and submissions.solution_code(parsed, "c") is None
    path.write_text("{not json")
    assert submissions.read_notebook(path) is None and submissions.solution_code(None, "a") is None


def test_hidden_tests_are_cut_from_test_cells():
    cell = "visible()\n### BEGIN HIDDEN TESTS\nsecret_check()\n### END HIDDEN TESTS\nprint('ok')\n"
    out = visible_part(cell)
    assert "secret_check" not in out and "visible()" in out and "print('ok')" in out


def test_hidden_inputs_depend_on_the_course_seed_only():
    a, _ = mnist.decode_inputs(Course(seed=1))
    b, _ = mnist.decode_inputs(Course(seed=1))
    c, _ = mnist.decode_inputs(Course(seed=2))
    assert np.array_equal(a["one_hot"], b["one_hot"]) and not np.array_equal(a["one_hot"], c["one_hot"])


def test_input_files_are_written_once_read_only(tmp_path):
    path = sandbox.input_file("x", npz(a=np.ones(2)), tmp_path)
    assert path == sandbox.input_file("x", npz(a=np.ones(2)), tmp_path)
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert oct(path.stat().st_mode & 0o777) == "0o444"


def test_nothing_of_the_graders_environment_or_paths_on_the_command_line(inputs, monkeypatch):
    """bwrap starts with a minimal environment and takes its options (host paths) through a file
    descriptor: /proc/1 shows neither the instructor's variables nor the repository's path."""
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-token-of-the-instructor")
    monkeypatch.setenv("COURSE_TEST_SECRET", "s3cr3t-value")
    code = '''
import os
seen = {}
for name in ("1/environ", "1/cmdline", "self/environ"):
    with open("/proc/" + name, "rb") as f:
        seen[name] = f.read().decode(errors="replace").replace("\\0", " ")
raise SystemExit(repr({k: v[:120] for k, v in seen.items()}))
'''
    seen = reported(code, inputs)
    text = " ".join(seen.values())
    assert "s3cr3t-value" not in text and "hub-token" not in text, seen
    assert str(ROOT) not in seen["1/cmdline"] and "--args" in seen["1/cmdline"], seen
    assert str(ROOT) not in seen["1/environ"], seen


def test_disk_and_the_root_are_closed(inputs):
    """The root is read-only, and what the sandbox writes lives in size-limited tmpfs folders: /scratch,
    /tmp and /dev/shm stop at their sizes; on the grader's disk there is only the result file."""
    code = '''
import os
def fill(path, mb):
    written = 0
    try:
        with open(path, "wb") as f:
            for _ in range(mb):
                f.write(b"x" * 2**20)
                f.flush()
                written += 1
    except OSError:
        pass
    os.unlink(path)
    return written
seen = {p: fill(p, 120) for p in ("/tmp/big", "/dev/shm/big", "/scratch/big")}
try:
    open("/planted", "w").close()
    seen["/"] = "written"
except OSError as exc:
    seen["/"] = type(exc).__name__
raise SystemExit(repr(seen))
'''
    seen = reported(code, inputs, limits=sandbox.Limits(wall_seconds=60, file_mb=64, shm_mb=16))
    assert seen["/"] == "OSError", seen
    assert seen["/tmp/big"] <= 64 and seen["/scratch/big"] <= 64 and seen["/dev/shm/big"] <= 16, seen


@pytest.mark.skipif(not __import__("grading.cgroups").cgroups.available(),
                    reason="no cgroup can be made here: the per-process limits hold, not these")
def test_memory_and_processes_are_limited_for_the_whole_sandbox(inputs):
    """Four children of 150 MB each do not take more than a 400 MB limit of the machine's memory together
    (the cgroup's peak, as the host counts it), nor 400 MB of tmpfs files; 200 forks do not get past the
    process limit (counted inside the sandbox)."""
    code = '''
import os, time
held = 0
pids = []
for i in range(4):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        block = os.urandom(150 * 2**20)              # pages the kernel cannot merge
        os.write(w, b"x")
        time.sleep(3)
        os._exit(0)
    os.close(w)
    held += len(os.read(r, 1))
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
forked = 0
try:
    for i in range(200):
        if os.fork() == 0:
            time.sleep(2)
            os._exit(0)
        forked += 1
except OSError:
    pass
raise SystemExit(repr({"children holding 150 MB at once": held, "forked": forked}))
'''
    limits = sandbox.Limits(wall_seconds=60, memory_mb=400, processes=32)
    outcome, result = run_cell(code, inputs, limits)
    assert 300 * 2**20 < outcome.memory_peak <= 400 * 2**20, (outcome.memory_peak, outcome.log)
    seen = eval(checks.text(result, "error")[len("SystemExit: "):])     # noqa: S307  (our own repr)
    assert seen["forked"] < 32, seen
    tmpfs = ("import os\nfor path in ('/tmp/a', '/scratch/a', '/dev/shm/a'):\n    with open(path, 'wb') as f:\n"
             "        for _ in range(250):\n            f.write(os.urandom(2**20))\n")
    outcome, _ = run_cell(tmpfs, inputs, sandbox.Limits(wall_seconds=60, memory_mb=400, file_mb=250, shm_mb=250))
    assert outcome.memory_peak <= 400 * 2**20, outcome
    assert outcome.killed == "memory" or "No space" in outcome.log or "MemoryError" in outcome.log, outcome


# -- a batch that always finishes, submissions read as plain files, scores that need the exercise -------------

def test_a_corrupt_or_hostile_result_scores_like_no_result():
    good = npz(decode=np.arange(10.0))
    method_99 = bytearray(good)
    method_99[8:10] = (99).to_bytes(2, "little")                   # the local header's compression method
    central = good.rfind(b"PK\x01\x02")
    method_99[central + 10:central + 12] = (99).to_bytes(2, "little")
    deflated = io.BytesIO()
    np.savez_compressed(deflated, decode=np.arange(1000.0))
    broken = bytearray(deflated.getvalue())
    broken[60:90] = b"\xff" * 30                                    # inside the deflate stream
    for data in (bytes(method_99), bytes(broken), b"PK\x03\x04" + b"\0" * 100):
        assert checks.load_result(data) == {}


def test_an_unreadable_notebook_is_none_whatever_is_wrong(tmp_path):
    nested = tmp_path / "nested.ipynb"
    nested.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")       # beyond the parser's recursion
    assert submissions.read_notebook(nested) is None
    target = tmp_path / "other.ipynb"
    target.write_text(json.dumps({"cells": []}))
    (tmp_path / "link.ipynb").symlink_to(target)
    assert submissions.read_notebook(target) == {"cells": []}
    assert submissions.read_notebook(tmp_path / "link.ipynb") is None
    os.mkfifo(tmp_path / "fifo.ipynb")
    assert submissions.read_notebook(tmp_path / "fifo.ipynb") is None


def test_submissions_are_imported_as_plain_files_only(tmp_path):
    """An LMS archive keeps symlinks: to another student's notebook, or to the instructor's source."""
    folder, submitted = tmp_path / "in", tmp_path / "submitted"
    honest = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}}]}
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "02_mnist_data.ipynb").write_text(json.dumps(honest))
    (folder / "mallory").mkdir()
    (folder / "mallory" / "02_mnist_data.ipynb").symlink_to(folder / "alice" / "02_mnist_data.ipynb")
    (folder / "mallory" / "04_mnist_training.ipynb").symlink_to(ROOT / "notebooks" / "04_mnist_training.ipynb")
    (folder / "eve").symlink_to(folder / "alice", target_is_directory=True)
    (folder / "<img src=x onerror=alert(1)>").mkdir()
    said = []
    students = submissions.import_submissions(folder, submitted, "sheet11", log=said.append)
    assert students == ["alice"]                          # mallory has no plain notebook: nothing to grade
    assert (submitted / "alice" / "sheet11" / "02_mnist_data.ipynb").is_file()
    assert not (submitted / "mallory").exists()
    assert sum("symbolic link" in line for line in said) == 2, said
    assert any("not a plain student id" in line for line in said), said


def test_the_solution_is_found_by_its_grade_id_and_the_students_helpers_come_with_it():
    def cell(source, grade_id=None):
        meta = {"nbgrader": {"grade_id": grade_id, "solution": True}} if grade_id else {}
        return {"cell_type": "code", "source": source, "metadata": meta}

    instructor = {"cells": [cell("import numpy as np"), cell("# YOUR CODE HERE\nraise NotImplementedError()", "a")]}
    nb = {"cells": [cell("import numpy as np"), cell("def helper(x):\n    return 2 * x"),
                    cell("# YOUR CODE HERE\nraise NotImplementedError()", "a"),     # the released stub, kept
                    cell("def f(x):\n    return helper(x)", "a"),                   # a copy of it, solved
                    cell("later = 1")]}
    assert submissions.solution_code(nb, "a") == "def f(x):\n    return helper(x)"
    sources = submissions.instructor_sources(instructor)
    assert submissions.added_cells(nb, "a", sources) == ["def helper(x):\n    return 2 * x"]
    only_stub = {"cells": [cell("# YOUR CODE HERE\nraise NotImplementedError()", "a")]}
    assert "NotImplementedError" in submissions.solution_code(only_stub, "a")


def test_a_helper_cell_above_the_solution_runs_its_definitions_only(inputs):
    job = {"code": "def decode(y):\n    return helper(y)\ndef as_image(x):\n    return np.reshape(x, (28, 28))\n",
           "helpers": ["import numpy\ndef helper(y):\n    return int(numpy.argmax(y))\nwhile True:\n    pass\n",
                       "def broken(:\n"],
           "driver": "decode_and_reshape"}
    outcome = sandbox.run(job, inputs, FAST)
    result = checks.load_result(outcome.result)
    assert outcome.killed is None and np.array_equal(result["decode"], np.arange(10.0)), outcome.log


def test_finite_differences_do_not_pass_as_backprop():
    """Central differences of the cost get the gradient to about 1e-10, not exactly: they score nothing."""
    public, private = mnist.backprop_inputs(Course(seed=7))
    result = {}
    for k in range(int(public["n_cases"])):
        p = "case%d_" % k
        net = mnist._reference_network(public, p)
        x, y = public[p + "x"], public[p + "y"]
        for params, name in ((net.biases, "nb"), (net.weights, "nw")):
            for i, param in enumerate(params):
                grad = np.zeros_like(param)
                for index in np.ndindex(param.shape):
                    keep = param[index]
                    costs = []
                    for step in (1e-5, -1e-5):
                        param[index] = keep + step
                        costs.append(0.5 * float(np.sum((net.feedforward(x) - y) ** 2)))
                    param[index] = keep
                    grad[index] = (costs[0] - costs[1]) / 2e-5
                result[p + name + str(i)] = grad
    check = mnist.backprop_score(public, private, result)["backprop_gradcheck"]
    assert check.fraction == 0, check


def test_a_network_trained_offline_does_not_follow_the_renamed_digits():
    """improved_network is graded on digits renamed by the grader: a network trained on MNIST's own labels
    (and ignoring what it is given) scores nothing, one trained on what it is given scores."""
    from nnlib import Network
    from nnlib.data import network_file

    public, private = mnist.improved_inputs(Course(seed=3))
    (train_x, train_y), _, _ = Course(seed=3).mnist()
    for labels, expected in ((train_y[:10_000], 0.0), (None, 1.0)):
        net = Network([784, 100, 10], seed=1, activation="relu", output="softmax", cost="cross-entropy",
                      init="he", dtype=np.float32)
        X, y = (train_x[:10_000], labels) if labels is not None else (public["train_x"], public["train_y"])
        net.SGD((X, y), 3, 20, 0.05, momentum=0.9, verbose=False)
        file = {"net": np.frombuffer(network_file.to_bytes(net), np.uint8)}
        check = mnist.improved_score(public, private, file)
        assert (check.fraction > 0) == (expected > 0), check


def test_the_backprop_sandbox_has_numpy_and_no_autodiff(inputs):
    code = '''
found = {}
for name in ("jax", "torch", "autograd", "scipy", "nnlib", "numpy"):
    try:
        __import__(name)
        found[name] = "imported"
    except ImportError:
        found[name] = "missing"
raise SystemExit(repr(found))
'''
    found = reported(code, inputs, library="sheet")
    assert found == {"jax": "missing", "torch": "missing", "autograd": "missing", "scipy": "missing",
                     "nnlib": "missing", "numpy": "imported"}, found


def test_the_course_secret_is_made_once_and_kept_private(tmp_path):
    from grading import autograde

    course = tmp_path / "course"
    course.mkdir()
    first = autograde.course_secret(course)
    assert first == autograde.course_secret(course) and first > 2**64
    secret = course / ".grading" / "secret"
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    assert oct((course / ".grading").stat().st_mode & 0o777) == "0o700"
    secret.chmod(0o644)                                   # readable by others: refused, not used
    with pytest.raises(PermissionError):
        autograde.course_secret(course)
    other = tmp_path / "other"
    other.mkdir()
    (other / ".grading").symlink_to(tmp_path)             # planted where the grader keeps its files
    with pytest.raises(PermissionError):
        autograde.course_secret(other)


def test_the_kernel_cache_is_one_private_folder_of_the_graders(tmp_path, monkeypatch):
    """GRADING_NUMBA_CACHE names one folder for every course and Dask worker (make sets it); it must be
    the grader's own, as the per-course default must; only the trusted warm-up writes there."""
    from grading import execution

    warmed = []
    monkeypatch.setattr(execution, "warm_numba_cache", lambda folder: warmed.append(Path(folder)) or str(folder))
    monkeypatch.delenv(execution.CACHE_VARIABLE, raising=False)
    course_default = tmp_path / "course" / ".grading" / "numba-cache"
    assert execution.kernel_cache(course_default) == str(course_default)
    shared = tmp_path / "machine" / "kernels-grading"
    monkeypatch.setenv(execution.CACHE_VARIABLE, str(shared))
    assert execution.kernel_cache(tmp_path / "other-course") == str(shared)
    assert not (tmp_path / "other-course").exists()
    assert oct(shared.stat().st_mode & 0o777) == "0o700"
    shared.chmod(0o777)                                    # opened up: closed again before it is used
    execution.kernel_cache(tmp_path / "x")
    assert oct(shared.stat().st_mode & 0o777) == "0o700"
    # a Dask worker's jobs (no cache handed over) use it too
    ran = []
    monkeypatch.setattr(sandbox, "run", lambda job, path, limits, numba_cache, work_dir: ran.append(numba_cache))
    execution.run_job({"code": ""}, "x", None, sandbox.Limits(), work_dir=tmp_path / "worker")
    assert ran == [str(shared)]
    planted = tmp_path / "planted"                        # a symlink where the folder should be: refused
    planted.symlink_to(tmp_path / "machine")
    monkeypatch.setenv(execution.CACHE_VARIABLE, str(planted))
    with pytest.raises(PermissionError, match="not a folder of this user's"):
        execution.kernel_cache(tmp_path / "y")
    assert warmed == [course_default, shared, shared, shared]


def test_one_slow_student_does_not_hold_back_the_others(monkeypatch):
    """One sandbox slot: the slow student's second exercise waits until the quick student is done, and the
    slow student's exercises share a time budget."""
    from grading import execution

    finished = []

    def fake_run_job(job, input_name, input_bytes, limits, numba_cache=None, work_dir=None):
        seconds = min(float(job["code"]), limits.wall_seconds)
        time.sleep(seconds)
        finished.append(input_name)
        return sandbox.Outcome(result=b"", returncode=0, seconds=seconds,
                               killed="wall" if seconds < float(job["code"]) else None)

    monkeypatch.setattr(execution, "run_job", fake_run_job)
    pool = execution.LocalPool(1, None, budget=2.0)
    try:
        futures = [pool.submit({"code": "0.8"}, f"slow{i}", b"", sandbox.Limits(wall_seconds=10), student="slow")
                   for i in range(3)]
        futures += [pool.submit({"code": "0.05"}, f"quick{i}", b"", sandbox.Limits(wall_seconds=10),
                                student="quick") for i in range(3)]
        outcomes = [f.result(timeout=30) for f in futures]
    finally:
        pool.close()
    assert finished.index("quick2") < finished.index("slow1"), finished
    assert outcomes[2].killed == "budget" and all(o.killed is None for o in outcomes[3:]), outcomes
