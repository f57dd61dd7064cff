"""The shape of the house: folders by concern, no import circles, a cheap core, modules of a
readable size, and one set of books (history and stop reasons) for every trainer."""

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from nnlib import Network
from nnlib.core.training import STOP_REASONS, DivergenceWarning

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("nnlib", "isingmc", "grading")
MAX_LINES = 410  # "no module over about 400 lines"


def modules():
    """{dotted name: path} of every module of the course's packages."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "stub" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name, path, known):
    """The course modules that ``name`` imports, at its top or inside a function (an import
    put inside a function to break a circle is still a circle)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[:len(parent) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            # "from package import module" needs the module; anything else needs ``base``
            targets = [("%s.%s" % (base, alias.name)) if "%s.%s" % (base, alias.name) in known
                       else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def test_nnlib_is_in_folders_by_concern():
    folders = {p.name for p in (ROOT / "nnlib").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {"core", "data", "widgets", "studies", "transition"}
    loose = {p.name for p in (ROOT / "nnlib").glob("*.py")}
    assert loose == {"__init__.py"}, "modules belong in a folder by concern: %s" % loose


def find_cycles(graph):
    """Every import circle of ``graph`` ({module: modules it imports}) found by a depth-first
    walk, as lists [a, b, ..., a].  A package importing its own submodule from __init__ is one
    arrow; a circle needs the submodule (or anything it imports) to import the package back."""
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"
    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return cycles


def test_the_circle_finder_finds_circles_through_a_package():
    graph = {"pkg": {"pkg.a"}, "pkg.a": {"pkg"}, "other": {"pkg"}}
    assert find_cycles(graph) == [["pkg", "pkg.a", "pkg"]]
    graph = {"pkg": {"pkg.a", "pkg.b"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.c"}, "pkg.c": {"pkg.a"}}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert find_cycles({"pkg": {"pkg.a"}, "pkg.a": set()}) == []


def test_no_import_circles():
    """No module imports, at its top or in a function, one that imports it back, a package and
    its own submodules included (``from . import __version__`` in a submodule is a circle)."""
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert not find_cycles(graph)


def test_no_folder_of_nnlib_imports_one_that_imports_it_back():
    """The folders by concern depend on each other one way: core uses nothing of the others;
    data, studies and transition use core; widgets use core, data and studies."""
    known = modules()
    folders = {}
    for name, path in known.items():
        parts = name.split(".")
        if parts[0] != "nnlib" or len(parts) < 3:
            continue
        for target in imports(name, path, known):
            other = target.split(".")
            if other[0] == "nnlib" and len(other) >= 2 and other[1] != parts[1]:
                folders.setdefault(parts[1], set()).add(other[1])
    for folder in folders:
        folders[folder].discard(folder)
    assert "core" not in folders, folders.get("core")
    assert not find_cycles({f: folders.get(f, set()) for f in
                            {"core", "data", "widgets", "studies", "transition"}}), folders


def test_files_and_progress_bars_keep_their_names():
    """Network files and progress bars live in core (the arrows point one way); notebooks and the
    grader reach them under their names in data and widgets."""
    from nnlib.core import network_file, progress
    from nnlib.data import network_file as data_file
    from nnlib.widgets import progress as widget_progress
    for name in ("arrays", "to_bytes", "save", "load"):
        assert getattr(data_file, name) is getattr(network_file, name)
    assert widget_progress.tqdm is progress.tqdm


def test_the_kernel_returns_parameters_and_sets_none():
    """``kernel.fast_epoch`` returns the new weights; ``network.py`` assigns them: nothing in the
    kernel module assigns an attribute of another object."""
    tree = ast.parse((ROOT / "nnlib" / "core" / "kernel.py").read_text())
    assigned = [ast.unparse(target) for node in ast.walk(tree)
                if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                for t in ast.walk(target) if isinstance(t, ast.Attribute)]
    assert not assigned, assigned


def test_training_is_bookkeeping_and_imports_no_network():
    known = modules()
    imported = imports("nnlib.core.training", known["nnlib.core.training"], known)
    assert "nnlib.core.network" not in imported and "nnlib.core.kernel" not in imported
    source = known["nnlib.core.training"].read_text()
    assert "import Network" not in source and "kernel" not in imported


def test_no_module_is_too_long():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_importing_the_network_is_cheap():
    """``from nnlib import Network`` loads no network, subprocess, progress-bar or widget module,
    and not numba (compiled code is loaded when the fast branch first runs)."""
    code = ("import sys; from nnlib import Network; import nnlib; "
            "print(' '.join(sorted(m for m in sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout.split())
    for heavy in ("subprocess", "urllib.request", "http.client", "zipfile", "tqdm", "numba",
                  "ipywidgets", "matplotlib", "nnlib.widgets", "nnlib.data.mnist"):
        assert heavy not in loaded, heavy


# ---------------------------------------------------------------- one set of books

def toy(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("course_path", [False, True])
def test_every_stop_reason_is_in_the_history(course_path):
    class Course(Network):
        def update_mini_batch(self, mini_batch, eta):
            return Network.update_mini_batch(self, mini_batch, eta)
    cls = Course if course_path else Network
    X, y = toy()
    kwargs = dict(test_data=(X, y), verbose=False)
    # a target reached
    h = cls([4, 6, 2], seed=0).SGD((X, y), 50, 10, 2.0, target_accuracy=0.8, **kwargs)
    assert h["stop_reason"] == "target" and h["test_accuracy"][-1] >= 0.8
    assert all(a < 0.8 for a in h["test_accuracy"][:-1]) and "target 0.8" in h["stopped"]
    # a callback that says stop
    h = cls([4, 6, 2], seed=0).SGD((X, y), 9, 10, 2.0, callback=lambda j, h: j < 2, **kwargs)
    assert h["stop_reason"] == "callback" and len(h["train_cost"]) == 3
    # early stopping
    h = cls([4, 6, 2], seed=0).SGD((X, y), 40, 10, 1e-9, evaluation_data=(X, y),
                                   early_stopping=2, **kwargs)
    assert h["stop_reason"] == "early stopping" and len(h["train_cost"]) == 3
    # divergence: warned once, attributed to the caller of SGD, weights restored
    net = cls([4, 30, 2], seed=0, activation="relu", output="softmax", cost="cross-entropy")
    start = net.parameters()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = net.SGD((X * 100, y), 5, 10, 1e4, **kwargs)
    assert h["stop_reason"] == "diverged" and h["stop_cause"] in h["stopped"]
    assert [w.filename for w in caught if w.category is DivergenceWarning] == [__file__]
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters()[0], start[0]))
    # a complete run
    h = cls([4, 6, 2], seed=0).SGD((X, y), 2, 10, 0.5, **kwargs)
    assert h["stop_reason"] is None and h["stopped"] is None
    assert set(STOP_REASONS) == {"diverged", "callback", "early stopping", "target"}


def test_target_needs_a_set_to_monitor():
    X, y = toy()
    with pytest.raises(ValueError, match="target_accuracy needs evaluation_data or test_data"):
        Network([4, 3, 2]).SGD((X, y), 1, 10, 1.0, target_accuracy=0.9)
    with pytest.raises(ValueError, match="target_accuracy"):
        Network([4, 3, 2]).SGD((X, y), 1, 10, 1.0, test_data=(X, y), target_accuracy=1.5)


def test_large_training_sets_are_measured_on_an_even_sample():
    from nnlib.core.training import SAMPLE_ROWS, training_sample
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3 * SAMPLE_ROWS + 7, 3))
    y = (X[:, 0] > 0).astype(int)
    net = Network([3, 2], seed=0)
    h = net.SGD((X, y), 1, 100, 0.1, verbose=False)
    rows = training_sample(len(X))
    assert len(X[rows]) == SAMPLE_ROWS and X[rows][0] is not None
    assert h["train_accuracy"][0] == net.accuracy(X[rows], y[rows])
    assert h["train_cost"][0] == pytest.approx(net.total_cost(X[rows], y[rows]), rel=1e-12)


def test_parameters_copy_out_and_in():
    net = Network([3, 4, 2], seed=0, dtype=np.float32)
    weights, biases = net.parameters()
    weights[0][0, 0] = 99.0
    assert net.weights[0][0, 0] != 99.0                   # a copy, not a view
    net.set_parameters(weights, biases)
    assert net.weights[0][0, 0] == 99.0 and net.weights[0].dtype == np.float32
    weights[0][0, 0] = 5.0
    assert net.weights[0][0, 0] == 99.0                   # copied in
    with pytest.raises(ValueError, match=r"shapes .* of sizes \[3, 4, 2\]"):
        net.set_parameters(weights[::-1], biases)


def test_momentum_hands_over_its_velocity_one_way():
    """SGD(warm_start=True) and repeated train_epoch calls carry the velocity over under the
    same condition (both runs have momentum); SGD without warm_start starts at rest."""
    import copy
    X, y = toy()

    def sgd(net, mu, warm=True):
        net.SGD((X, y), 1, 10, 0.5, momentum=mu, warm_start=warm, verbose=False)

    def epoch(net, mu):
        net.train_epoch(X, y, 10, 0.5, momentum=mu)
    for go_on in (sgd, epoch):
        net = Network([4, 5, 2], seed=0)
        go_on(net, 0.9)
        cold = copy.deepcopy(net)       # with the velocity of the first run
        at_rest = copy.deepcopy(net)
        at_rest.step_rule.rest()
        go_on(net, 0.5)                 # another momentum: the velocity is kept ...
        go_on(at_rest, 0.5)             # ... which differs from starting at rest
        assert not np.allclose(net.weights[0], at_rest.weights[0])
        if go_on is sgd:
            sgd(cold, 0.5, warm=False)  # no warm start: at rest, whatever came before
            np.testing.assert_array_equal(cold.weights[0], at_rest.weights[0])
        go_on(net, 0.0)                 # no momentum: no velocity to keep
        assert net.step_rule.velocity_w is None
