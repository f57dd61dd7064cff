"""Exercise 11.1 answered with data: which way of spreading N hidden neurons over layers works best?

For a fixed budget of N hidden neurons, :func:`compositions` lists every way of splitting them
into 1-4 ordered hidden layers (8 -> (8,), (7, 1), (1, 7), (4, 4), (2, 3, 3), ...), and
:func:`run_study` trains each layout on the playground's data sets (several seeds, a fixed number
of epochs, the same hyper-parameters) and records the final test loss.

N = 8 and N = 12 together have 296 layouts; times 4 data sets and 3 seeds that is 3552 trainings
of 200 epochs, 700 000 epochs in all.  They go through the one kernel of nnlib,
``nnlib.core.kernel.train_epoch``, the very function behind ``Network.SGD``, so the study trains
exactly the course's networks.  What this module adds is only the loop around it: a compiled
loop over trainings and epochs, the trainings spread over the cores.  (``Network.SGD`` would do
the same epochs, but its Python bookkeeping per epoch, negligible for MNIST, costs more than an
epoch of these tiny networks.)  The settings are the playground's (TensorFlow Playground's
``nn.ts``): tanh (or another) hidden neurons, tanh output, square loss 1/2 (a - y)^2, mini-batch
gradient descent with the step eta/m * sum of per-point gradients, weights starting uniform in
[-0.5, 0.5] and biases at 0.1.  A test checks that one training here equals
``nnlib.Network.train_epoch`` run on the same mini-batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numba
import numpy as np

from ..core import activations, kernel
from . import toydata
from ..core.checks import check_int, check_positive, check_rows
from ..core.optim import initial_parameters

__all__ = ["compositions", "partitions", "init_parameters", "train_networks", "make_problems",
           "run_study", "StudyResult"]


# ------------------------------------------------------------------------------------------------
def compositions(n, max_layers=4, min_width=1):
    """All ordered ways to write ``n`` as a sum of 1..max_layers parts, each >= min_width.

    These are the hidden-layer layouts with n neurons in total; order matters ((7, 1) is not
    (1, 7)).  There are sum_k C(n - 1, k - 1) of them for min_width = 1 (64 for n = 8 and
    max_layers = 4, 232 for n = 12).  Sorted by number of layers, then lexicographically.
    """
    n = check_int(n, "n", minimum=1)
    max_layers = check_int(max_layers, "max_layers", minimum=1)
    min_width = check_int(min_width, "min_width", minimum=1)
    out = []

    def rec(left, parts):
        if left == 0:
            out.append(tuple(parts))
            return
        if len(parts) == max_layers:
            return
        for first in range(min_width, left + 1):
            rec(left - first, parts + [first])

    rec(n, [])
    return sorted(out, key=lambda c: (len(c), c))


def partitions(n, max_layers=4):
    """Layouts with non-increasing widths only (one representative per multiset of widths)."""
    return [c for c in compositions(n, max_layers) if list(c) == sorted(c, reverse=True)]


def init_parameters(sizes, seed):
    """The playground's initial parameters, flat in the kernel's layout (``kernel.pack``).

    Weights uniform in [-0.5, 0.5], biases 0.1 (TensorFlow Playground).  The generator is seeded
    by ``(seed, sizes)``, so a layout gets the same start whatever else is trained with it.
    """
    rng = np.random.default_rng([int(seed), 7919] + [int(s) for s in sizes])
    biases, weights = initial_parameters(sizes, "uniform", rng, np.float64)
    return kernel.pack(weights, biases, np.float64)[0]


# ------------------------------------------------------------------------------------------------
# numba's cache keys this compiled caller on this file alone: it does not notice edits of
# nnlib/core/kernel.py, whose functions are compiled into it.  make check, make test and make
# notebooks keep their cache in a folder named by a hash of the kernel's source (NUMBA_CACHE_DIR in
# the Makefile), so they compile afresh after a change; elsewhere, delete the stale copy,
# nnlib/studies/__pycache__/layout_study._train_jobs-*.  (tests/test_layout_study.py, which
# compares this trainer with Network.train_epoch, catches a stale one.)
@numba.njit(cache=True, parallel=True)
def _train_jobs(Xs, Ys, orders, Xts, Yts, job_problem, job_sizes, job_depth, job_offsets, params,
                hidden_code, output_code, batch, eta, results):
    """Train job j = (layout, problem) for every epoch of ``orders[problem]``, in place on its
    slice of ``params``; results[j] = (train loss, test loss, train accuracy, test accuracy)."""
    for j in numba.prange(len(job_problem)):
        d, depth = job_problem[j], job_depth[j]
        sizes = job_sizes[j, :depth].copy()
        codes = np.full(depth - 1, hidden_code, dtype=np.int64)
        codes[-1] = output_code
        # private copies: the threads then share no array, hence no reference counts either
        p = params[job_offsets[j]:job_offsets[j + 1]].copy()
        X, Y, order = Xs[d].copy(), Ys[d].copy(), orders[d].copy()
        no_momentum = p[:0]
        for e in range(order.shape[0]):
            kernel.train_epoch(X, Y, order[e], p, no_momentum, sizes, codes,
                               kernel.QUADRATIC, batch, eta, 0.0, 0.0, 0.0)
        params[job_offsets[j]:job_offsets[j + 1]] = p
        for which in range(2):
            XX, YY = (X, Y) if which == 0 else (Xts[d], Yts[d])
            a = kernel.forward(XX, p, sizes, codes)[-1]
            results[j, which] = 0.5 * np.mean((a - YY) ** 2)
            results[j, 2 + which] = np.mean(((a > 0.0) == (YY > 0.0)) * 1.0)


def _stack(problems, k, name, dtype=np.float64):
    try:
        return np.ascontiguousarray(np.stack([p[k] for p in problems]), dtype=dtype)
    except ValueError as err:
        raise ValueError("problems must all have the same shapes (%s: %s)" % (name, err)) from None


def train_networks(problems, layouts, *, epochs, batch_size=10, learning_rate=0.03,
                   activation="tanh", seed=0, progress=False, chunk=64):
    """Train many small networks (every layout on every problem) and return their final losses.

    Parameters
    ----------
    problems : list of (X_train, y_train, X_test, y_test, order)
        Inputs already turned into features (n, k), labels +-1, and ``order`` an int array
        (epochs, n_train) with the points of each epoch's pass (one shuffle per epoch).
        All problems must have the same numbers of features and of training and test points.
    layouts : list of tuples of hidden-layer widths (0 or more layers, 1 or more neurons each)
    epochs, batch_size, learning_rate : training settings, shared by all
    activation : the hidden neurons, a name in ``nnlib.core.activations.HIDDEN`` (the output is tanh)
    seed : int, seeds the initial weights (with the layout, see :func:`init_parameters`)
    progress : bool, show a tqdm bar over chunks of ``chunk`` trainings

    Returns
    -------
    results : ndarray (len(layouts), len(problems), 4)
        train loss, test loss, train accuracy, test accuracy after the last epoch.
    params : list (per layout) of lists (per problem) of flat parameter vectors after training
        (``nnlib.core.kernel.unpack(params, sizes)`` gives the weights and biases).
    """
    hidden = activations.get(activation)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    chunk = check_int(chunk, "chunk", minimum=1)
    learning_rate = check_positive(learning_rate, "learning_rate")
    if not problems:
        raise ValueError("problems must hold at least one "
                         "(X_train, y_train, X_test, y_test, order)")
    for k, name in ((0, "X_train"), (2, "X_test")):
        for p in problems:
            check_rows(p[k], None, name)
    Xs, Xts = _stack(problems, 0, "X_train"), _stack(problems, 2, "X_test")
    Ys, Yts = _stack(problems, 1, "y_train")[..., None], _stack(problems, 3, "y_test")[..., None]
    orders = _stack(problems, 4, "order", np.int64)
    n_features, n_train = Xs.shape[2], Xs.shape[1]
    if Ys.shape[1] != n_train or Yts.shape[1] != Xts.shape[1]:
        raise ValueError("each y_train, y_test must hold one label per row of X_train, X_test")
    if orders.shape[1:] != (epochs, n_train):
        raise ValueError(f"each order must have shape (epochs, n_train) = ({epochs}, {n_train}), "
                         f"got {orders.shape[1:]}")
    if orders.min() < 0 or orders.max() >= n_train:
        raise ValueError("order holds indices outside the training set")
    layouts = [tuple(lay) for lay in layouts]
    for lay in layouts:
        try:
            [check_int(w, "a layer width", minimum=1) for w in lay]
        except ValueError:
            raise ValueError(f"layouts must be tuples of positive ints, got {lay!r}") from None

    jobs = [(li, pi) for li in range(len(layouts)) for pi in range(len(problems))]
    results = np.zeros((len(layouts), len(problems), 4))
    trained = [[None] * len(problems) for _ in layouts]
    depth_max = 2 + max((len(lay) for lay in layouts), default=0)
    bar = None
    if progress:
        from ..core.progress import tqdm     # a stored notebook keeps its final line
        bar = tqdm(total=len(jobs), desc="training", unit="net")
    try:
        for c0 in range(0, len(jobs), chunk):
            part = jobs[c0:c0 + chunk]
            sizes = np.zeros((len(part), depth_max), dtype=np.int64)
            depth = np.zeros(len(part), dtype=np.int64)
            offsets = np.zeros(len(part) + 1, dtype=np.int64)
            flat = []
            for j, (li, pi) in enumerate(part):
                s = [n_features] + list(layouts[li]) + [1]
                sizes[j, :len(s)] = s
                depth[j] = len(s)
                flat.append(init_parameters(s, seed))
                offsets[j + 1] = offsets[j] + len(flat[-1])
            params = np.concatenate(flat)
            res = np.zeros((len(part), 4))
            with np.errstate(all="ignore"):
                _train_jobs(Xs, Ys, orders, Xts, Yts,
                            np.array([pi for _, pi in part], dtype=np.int64), sizes, depth,
                            offsets, params, hidden.code, activations.ACTIVATIONS["tanh"].code,
                            batch_size, learning_rate, res)
            for j, (li, pi) in enumerate(part):
                results[li, pi] = res[j]
                trained[li][pi] = params[offsets[j]:offsets[j + 1]].copy()
            if bar is not None:
                bar.update(len(part))
    finally:
        if bar is not None:
            bar.close()
    return results, trained


# ------------------------------------------------------------------------------------------------
@dataclass
class StudyResult:
    """Final losses of every layout on every data set and seed.

    ``test_loss[i, j, s]`` is layout ``layouts[i]`` on ``datasets[j]`` with seed ``seeds[s]``;
    ``train_loss`` and ``test_accuracy`` alike.  ``settings`` records how they were trained.
    """
    layouts: list
    datasets: list
    seeds: list
    test_loss: np.ndarray
    train_loss: np.ndarray
    test_accuracy: np.ndarray
    settings: dict = field(default_factory=dict)

    def select(self, n_neurons):
        """The part of the result with ``n_neurons`` hidden neurons in total."""
        idx = [i for i, lay in enumerate(self.layouts) if sum(lay) == n_neurons]
        return StudyResult([self.layouts[i] for i in idx], self.datasets, self.seeds,
                           self.test_loss[idx], self.train_loss[idx], self.test_accuracy[idx],
                           dict(self.settings))

    def mean(self):
        """Test loss averaged over seeds: (layouts, datasets)."""
        return self.test_loss.mean(axis=2)

    def spread(self):
        """Standard deviation over seeds of the test loss: (layouts, datasets)."""
        return self.test_loss.std(axis=2, ddof=1) if len(self.seeds) > 1 else \
            np.zeros(self.test_loss.shape[:2])

    def ranking(self, dataset=None):
        """Layout indices sorted from best to worst mean test loss.

        ``dataset`` None ranks by the mean over data sets of the seed-averaged test loss."""
        m = self.mean()
        score = m.mean(axis=1) if dataset is None else m[:, self.datasets.index(dataset)]
        return list(np.argsort(score, kind="stable"))

    def by_depth(self):
        """{number of layers: (mean over layouts and seeds, min over layouts) per data set}."""
        out = {}
        m = self.mean()
        for depth in sorted({len(lay) for lay in self.layouts}):
            idx = [i for i, lay in enumerate(self.layouts) if len(lay) == depth]
            out[depth] = (m[idx].mean(axis=0), m[idx].min(axis=0), len(idx))
        return out

    def grouped(self, key):
        """{key(layout): (mean test loss per data set over those layouts and seeds, count)}.

        E.g. ``key=len`` groups by depth, ``key=min`` by the narrowest layer (the bottleneck)."""
        groups = {}
        for i, lay in enumerate(self.layouts):
            groups.setdefault(key(lay), []).append(i)
        m = self.mean()
        return {k: (m[idx].mean(axis=0), len(idx)) for k, idx in sorted(groups.items())}

    def table_html(self, rows=None, title=None):
        """An HTML table: layouts x data sets, "mean +- spread over seeds" of the test loss."""
        rows = range(len(self.layouts)) if rows is None else rows
        m, s = self.mean(), self.spread()
        head = "".join(f"<th>{d}</th>" for d in self.datasets)
        lines = [f"<table><caption>{title or ''}</caption><tr><th>layout</th>{head}"
                 "<th>mean</th></tr>"]
        best = m.min(axis=0)
        for i in rows:
            cells = []
            for j in range(len(self.datasets)):
                txt = f"{m[i, j]:.3f} &plusmn; {s[i, j]:.3f}"
                if np.isclose(m[i, j], best[j]):
                    txt = f"<b>{txt}</b>"
                cells.append(f"<td>{txt}</td>")
            lay = "(" + ", ".join(map(str, self.layouts[i])) + ")"
            lines.append(f"<tr><td>{lay}</td>{''.join(cells)}<td>{m[i].mean():.3f}</td></tr>")
        lines.append("</table>")
        return "".join(lines)


def make_problems(datasets, seeds, *, epochs, features=("x1", "x2"), noise=0.0,
                  train_fraction=0.5):
    """Training problems for :func:`train_networks`: one per (data set, seed).

    The seed fixes the data, the train/test split and the order of the points in every epoch,
    and the same (data set, seed) problem is given to every layout, so layouts are compared on
    identical data and identical mini-batches.
    """
    problems = []
    for d, name in enumerate(datasets):
        for seed in seeds:
            X, y = toydata.make_dataset(name, noise=noise, seed=[int(seed), d])
            Xtr, ytr, Xte, yte = toydata.split(X, y, train_fraction, seed=[int(seed), d, 1])
            rng = np.random.default_rng([int(seed), d, 2])
            order = np.stack([rng.permutation(len(Xtr)) for _ in range(epochs)])
            problems.append((toydata.features(Xtr, features), ytr,
                             toydata.features(Xte, features), yte, order))
    return problems


def run_study(n_neurons=(8, 12), datasets=("circle", "xor", "gauss", "spiral"), seeds=(0, 1, 2),
              *, max_layers=4, min_width=1, epochs=200, batch_size=10, learning_rate=0.03,
              activation="tanh", features=("x1", "x2"), noise=0.0, train_fraction=0.5,
              progress=True):
    """Train every layout of ``n_neurons`` hidden neurons (1..max_layers layers) on every data set.

    Returns a :class:`StudyResult`.  All layouts share the hyper-parameters, the data, the
    mini-batch order and the number of epochs; only the seeds vary the data and the start.
    """
    if isinstance(n_neurons, Integral):
        n_neurons = (n_neurons,)
    bad = [d for d in datasets if d not in toydata.CLASSIFICATION_DATASETS]
    if bad:
        raise ValueError(f"datasets must be classification sets "
                         f"{toydata.CLASSIFICATION_DATASETS}, got {bad}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    layouts = [lay for n in n_neurons for lay in compositions(n, max_layers, min_width)]
    problems = make_problems(datasets, seeds, epochs=epochs, features=features, noise=noise,
                             train_fraction=train_fraction)
    res, _ = train_networks(problems, layouts, epochs=epochs, batch_size=batch_size,
                            learning_rate=learning_rate, activation=activation, seed=0,
                            progress=progress)
    shape = (len(layouts), len(datasets), len(seeds))
    settings = dict(n_neurons=list(n_neurons), max_layers=max_layers, min_width=min_width,
                    epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                    activation=activation, output="tanh", loss="square",
                    features=list(features), noise=noise, train_fraction=train_fraction)
    return StudyResult(layouts, list(datasets), seeds, res[:, :, 1].reshape(shape),
                       res[:, :, 0].reshape(shape), res[:, :, 3].reshape(shape), settings)
