"""Exercise 11.1 answered with data: which way of spreading N hidden neurons over layers works best?

For a fixed budget of N hidden neurons, :func:`compositions` lists every way of splitting them
into 1-4 ordered hidden layers (8 -> (8,), (7, 1), (1, 7), (4, 4), (2, 3, 3), ...), and
:func:`run_study` trains each layout on the playground's data sets (several seeds, a fixed number
of epochs, the same hyper-parameters) and records the final test loss.

Why a separate trainer: N = 8 and N = 12 together have 296 layouts; times 4 data sets and
3 seeds that is 3552 trainings of a few hundred epochs.  ``Network.train_epoch`` spends most of
an epoch of these tiny networks in Python (~0.4 ms per epoch, ~25 minutes in all), too slow for
a notebook that must run in under 3 minutes on two cores.  Here each training runs entirely
inside one numba function, the trainings run in parallel, and the arithmetic is exactly the
playground's (TensorFlow Playground's ``nn.ts``): tanh (or another) hidden neurons, tanh output,
square loss 1/2 (a - y)^2, mini-batch gradient descent with the step eta/m * sum of per-point
gradients, weights starting uniform in [-0.5, 0.5] and biases at 0.1.  A test checks that one
training here equals ``nnlib.Network.train_epoch`` run on the same mini-batches.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numba
import numpy as np

from . import toydata

__all__ = ["compositions", "partitions", "init_parameters", "train_networks", "run_study",
           "StudyResult"]

_ACT_CODES = {"tanh": 0, "relu": 1, "sigmoid": 2, "linear": 3}
MAX_LAYERS = 6            # hidden layers the kernel accepts (the playground's limit)


# ------------------------------------------------------------------------------------------------
def compositions(n, max_layers=4, min_width=1):
    """All ordered ways to write ``n`` as a sum of 1..max_layers parts, each >= min_width.

    These are the hidden-layer layouts with n neurons in total; order matters ((7, 1) is not
    (1, 7)).  There are sum_k C(n - 1, k - 1) of them for min_width = 1 (64 for n = 8 and
    max_layers = 4, 232 for n = 12).  Sorted by number of layers, then lexicographically.
    """
    for name, v, lo in (("n", n, 1), ("max_layers", max_layers, 1), ("min_width", min_width, 1)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
            raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
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
    """The playground's initial parameters as one flat float64 vector.

    Weights uniform in [-0.5, 0.5], biases 0.1 (TensorFlow Playground).  Layer after layer:
    W_l (row-major, shape (sizes[l], sizes[l-1])) followed by b_l.  The generator is seeded by
    ``(seed, sizes)``, so a layout gets the same start whatever else is trained with it.
    """
    rng = np.random.default_rng([int(seed), 7919] + [int(s) for s in sizes])
    parts = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        parts.append(rng.uniform(-0.5, 0.5, n_out * n_in))
        parts.append(np.full(n_out, 0.1))
    return np.concatenate(parts)


def unflatten(params, sizes):
    """(weights, biases) lists, shapes (n_out, n_in) and (n_out, 1), from a flat vector."""
    weights, biases, pos = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(params[pos:pos + n_in * n_out].reshape(n_out, n_in))
        pos += n_in * n_out
        biases.append(params[pos:pos + n_out].reshape(n_out, 1))
        pos += n_out
    return weights, biases


# ------------------------------------------------------------------------------------------------
@numba.njit(cache=True, inline="always")
def _act(z, code):
    if code == 0:
        # tanh(z) = 1 - 2 / (e^{2z} + 1): the same function (to ~1 ulp), about twice as fast as
        # libm's tanh here, and tanh is a large part of the work for networks this small.
        return 1.0 - 2.0 / (np.exp(2.0 * z) + 1.0)
    if code == 1:
        return z if z > 0.0 else 0.0
    if code == 2:
        return 1.0 / (1.0 + np.exp(-z)) if z >= 0 else np.exp(z) / (1.0 + np.exp(z))
    return z


@numba.njit(cache=True, inline="always")
def _act_prime_from_a(a, code):
    if code == 0:
        return 1.0 - a * a
    if code == 1:
        return 1.0 if a > 0.0 else 0.0
    if code == 2:
        return a * (1.0 - a)
    return 1.0


@numba.njit(cache=True)
def _forward(x, params, sizes, n_layers, A, code_hidden, code_out):
    """Activations of every layer into A (n_layers, max width); returns the output a^L[0]."""
    for j in range(sizes[0]):
        A[0, j] = x[j]
    pos = 0
    for l in range(1, n_layers):
        n_in, n_out = sizes[l - 1], sizes[l]
        code = code_out if l == n_layers - 1 else code_hidden
        bpos = pos + n_in * n_out
        for j in range(n_out):
            z = params[bpos + j]
            row = pos + j * n_in
            for i in range(n_in):
                z += params[row + i] * A[l - 1, i]
            A[l, j] = _act(z, code)
        pos = bpos + n_out
    return A[n_layers - 1, 0]


@numba.njit(cache=True)
def _train_one(X, y, order, params, sizes, n_layers, epochs, batch, eta, code_hidden, code_out,
               X_test, y_test, out):
    """Train one network in place (mini-batch SGD, square loss); write final losses to ``out``.

    order[e] lists the training points of epoch e; consecutive ``batch`` of them form one
    mini-batch (the last one may be smaller), whose summed gradient is applied times eta/m.
    out = (train loss, test loss, train accuracy, test accuracy) at the end.
    """
    width = 0
    for l in range(n_layers):
        width = max(width, sizes[l])
    A = np.zeros((n_layers, width))
    D = np.zeros((n_layers, width))
    grad = np.zeros(params.shape[0])
    # start offsets of W_l in params
    offs = np.zeros(n_layers, dtype=np.int64)
    pos = 0
    for l in range(1, n_layers):
        offs[l] = pos
        pos += sizes[l - 1] * sizes[l] + sizes[l]
    n = order.shape[1]
    for e in range(epochs):
        start = 0
        while start < n:
            stop = min(start + batch, n)
            grad[:] = 0.0
            for s in range(start, stop):
                i = order[e, s]
                a_out = _forward(X[i], params, sizes, n_layers, A, code_hidden, code_out)
                L = n_layers - 1
                D[L, 0] = (a_out - y[i]) * _act_prime_from_a(a_out, code_out)
                for l in range(L, 0, -1):
                    n_in, n_out = sizes[l - 1], sizes[l]
                    w0 = offs[l]
                    b0 = w0 + n_in * n_out
                    for j in range(n_out):
                        d = D[l, j]
                        grad[b0 + j] += d
                        row = w0 + j * n_in
                        for k in range(n_in):
                            grad[row + k] += d * A[l - 1, k]
                    if l > 1:
                        for k in range(n_in):
                            acc = 0.0
                            for j in range(n_out):
                                acc += params[w0 + j * n_in + k] * D[l, j]
                            D[l - 1, k] = acc * _act_prime_from_a(A[l - 1, k], code_hidden)
            scale = eta / (stop - start)
            for p in range(params.shape[0]):
                params[p] -= scale * grad[p]
            start = stop
    # final losses and accuracies (sign of the output against the +-1 label)
    for which in range(2):
        XX = X if which == 0 else X_test
        yy = y if which == 0 else y_test
        loss = 0.0
        correct = 0.0
        for i in range(XX.shape[0]):
            a_out = _forward(XX[i], params, sizes, n_layers, A, code_hidden, code_out)
            loss += 0.5 * (a_out - yy[i]) ** 2
            if (a_out >= 0.0) == (yy[i] >= 0.0):
                correct += 1.0
        out[which] = loss / XX.shape[0]
        out[2 + which] = correct / XX.shape[0]


@numba.njit(cache=True, parallel=True)
def _train_jobs(Xs, ys, orders, Xts, yts, job_data, job_sizes, job_nlayers, job_offsets, params,
                epochs, batch, eta, code_hidden, code_out, results):
    for j in numba.prange(job_data.shape[0]):
        d = job_data[j]
        p0, p1 = job_offsets[j], job_offsets[j + 1]
        _train_one(Xs[d], ys[d], orders[d], params[p0:p1], job_sizes[j], job_nlayers[j], epochs,
                   batch, eta, code_hidden, code_out, Xts[d], yts[d], results[j])


def train_networks(problems, layouts, *, epochs, batch_size=10, learning_rate=0.03,
                   activation="tanh", seed=0, progress=False, chunk=64):
    """Train many small networks (every layout on every problem) and return their final losses.

    Parameters
    ----------
    problems : list of (X_train, y_train, X_test, y_test, order)
        Inputs already turned into features (n, k), labels +-1, and ``order`` an int array
        (epochs, n_train) with the points of each epoch's pass (one shuffle per epoch).
        All problems must have the same numbers of features and of training and test points.
    layouts : list of tuples of hidden-layer widths (0 to 6 layers, 1 or more neurons each)
    epochs, batch_size, learning_rate, activation : training settings, shared by all
    seed : int, seeds the initial weights (with the layout, see :func:`init_parameters`)
    progress : bool, show a tqdm bar over chunks of ``chunk`` trainings

    Returns
    -------
    results : ndarray (len(layouts), len(problems), 4)
        train loss, test loss, train accuracy, test accuracy after the last epoch.
    params : list (per layout) of lists (per problem) of flat parameter vectors after training.
    """
    if activation not in _ACT_CODES:
        raise ValueError(f"activation must be one of {tuple(_ACT_CODES)}, got {activation!r}")
    for name, v in (("epochs", epochs), ("batch_size", batch_size), ("chunk", chunk)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) \
            or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    if not problems:
        raise ValueError("problems must hold at least one (X_train, y_train, X_test, y_test, order)")
    Xs = np.ascontiguousarray(np.stack([p[0] for p in problems]), dtype=np.float64)
    ys = np.ascontiguousarray(np.stack([p[1] for p in problems]), dtype=np.float64)
    Xts = np.ascontiguousarray(np.stack([p[2] for p in problems]), dtype=np.float64)
    yts = np.ascontiguousarray(np.stack([p[3] for p in problems]), dtype=np.float64)
    orders = np.ascontiguousarray(np.stack([p[4] for p in problems]), dtype=np.int64)
    n_features, n_train = Xs.shape[2], Xs.shape[1]
    if orders.shape[1:] != (epochs, n_train):
        raise ValueError(f"each order must have shape (epochs, n_train) = ({epochs}, {n_train}), "
                         f"got {orders.shape[1:]}")
    if orders.min() < 0 or orders.max() >= n_train:
        raise ValueError("order holds indices outside the training set")
    for lay in layouts:
        if len(lay) > MAX_LAYERS or any((not isinstance(w, numbers.Integral)) or w < 1 for w in lay):
            raise ValueError(f"layouts must be tuples of 0-{MAX_LAYERS} positive ints, got {lay!r}")

    jobs = [(li, pi) for li in range(len(layouts)) for pi in range(len(problems))]
    results = np.zeros((len(layouts), len(problems), 4))
    trained = [[None] * len(problems) for _ in layouts]
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(jobs), desc="training", unit="net")
    code = _ACT_CODES[activation]
    try:
        for c0 in range(0, len(jobs), chunk):
            part = jobs[c0:c0 + chunk]
            sizes = np.zeros((len(part), MAX_LAYERS + 2), dtype=np.int64)
            nlayers = np.zeros(len(part), dtype=np.int64)
            offsets = np.zeros(len(part) + 1, dtype=np.int64)
            flat = []
            for j, (li, pi) in enumerate(part):
                s = [n_features] + list(layouts[li]) + [1]
                sizes[j, :len(s)] = s
                nlayers[j] = len(s)
                p = init_parameters(s, seed)
                flat.append(p)
                offsets[j + 1] = offsets[j] + len(p)
            params = np.concatenate(flat)
            res = np.zeros((len(part), 4))
            _train_jobs(Xs, ys, orders, Xts, yts, np.array([pi for _, pi in part], dtype=np.int64),
                        sizes, nlayers, offsets, params, epochs, batch_size, float(learning_rate),
                        code, 0, res)
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
    if isinstance(n_neurons, numbers.Integral):
        n_neurons = (n_neurons,)
    bad = [d for d in datasets if d not in toydata.CLASSIFICATION_DATASETS]
    if bad:
        raise ValueError(f"datasets must be classification sets {toydata.CLASSIFICATION_DATASETS}, got {bad}")
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
