"""Classifying phases: labels, Carrasquilla and Melko's network, and the one-number yardstick.

Carrasquilla and Melko ("Machine learning phases of matter", Nature Physics 13, 431 (2017),
arXiv:1605.01735) train a network on samples labelled by which side of a transition temperature
T_c they were taken at, then read the transition off the network's output (:mod:`nnlib.transition.crossing`).
This module holds the pieces that need labels:

* :func:`phase_labels`: 0 below ``T_c``, 1 above (which temperature is critical is the caller's
  business: nnlib knows no model);
* :func:`resample_within_temperature`: bootstrap resamples that keep the temperature grid;
* :func:`phase_network`, :func:`train_phase_network`: one hidden layer of sigmoid units and two
  softmax outputs, trained with :meth:`nnlib.Network.SGD` (cosine schedule, optional per-epoch
  augmentation such as random lattice symmetries); :func:`what_training_changed` opens a trained one;
* :func:`fit_threshold`: the best classifier that sees one number per sample (e.g. |m|), the fair
  comparison for what the network learned; :func:`threshold_crossing` measures it like the network
  (test accuracy and the crossing of its outputs).

Label 0 is the low-temperature side (output neuron 0), label 1 the high-temperature side.  Every
random step takes a ``seed``; the same seed gives the same result.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ._arrays import as_1d, as_float_array, groups, progress_bar
from ..core.checks import check_int, check_positive, make_rng
from .crossing import CrossingResult, crossing_with_error

__all__ = ["phase_labels", "resample_within_temperature", "phase_network", "train_phase_network",
           "HiddenUnits", "what_training_changed", "ThresholdClassifier", "fit_threshold",
           "ThresholdResult", "threshold_crossing"]


def phase_labels(temperatures, T_c):
    """Labels 0 where T < T_c and 1 where T > T_c.

    A temperature exactly at T_c belongs to neither side and is refused.
    """
    T = as_float_array(temperatures, "temperatures")
    T_c = check_positive(T_c, "T_c")
    if np.any(T == T_c):
        raise ValueError(f"temperatures must not contain T_c = {T_c} itself (its side is undefined)")
    return np.where(T < T_c, 0, 1).astype(np.int64)


def resample_within_temperature(temperatures, seed=None):
    """Indices of a bootstrap resample: at each temperature, as many samples as there are, drawn
    with replacement from those at that temperature (the temperature grid and counts stay fixed).

    Training each network of an ensemble on its own resample makes the spread of their results
    include the noise of the finite training set, not only the randomness of the training run.
    """
    T = as_1d(temperatures, "temperatures")
    rng = make_rng(seed)
    _, members = groups(T)
    idx = np.empty(T.size, np.int64)
    for g in members:
        idx[g] = g[rng.integers(0, g.size, g.size)]
    return idx


def phase_network(n_in, *, hidden=100, seed=None, dtype=np.float32):
    """The untrained network of :func:`train_phase_network`: ``Network([n_in, hidden, 2])`` with
    sigmoid hidden units, softmax output, cross-entropy cost and scaled initialisation.

    With the same ``seed`` it holds exactly the initial weights that training starts from, so
    ``trained.weights[0] - phase_network(n_in, seed=s).weights[0]`` is what training changed.
    """
    from ..core.network import Network

    n_in = check_int(n_in, "n_in", 1)
    hidden = check_int(hidden, "hidden", 1)
    return Network([n_in, hidden, 2], seed=seed, activation="sigmoid", output="softmax",
                   cost="cross-entropy", init="scaled", dtype=dtype)


def train_phase_network(X, labels, *, hidden=100, epochs=10, mini_batch_size=32, eta=0.3,
                        lmbda=0.0, augment=None, seed=None, dtype=np.float32, progress=False):
    """Carrasquilla and Melko's network, trained on labels 0 (below T_c) / 1 (above).

    One hidden layer of ``hidden`` sigmoid units and two outputs, as in the paper.  Choices (ours):

    * softmax output with the cross-entropy cost: the two outputs sum to one, so they cross where
      each is 1/2, and delta^L = a - y keeps learning even when the outputs saturate;
    * scaled initialisation N(0, 1/n_in): with up to 4096 inputs, N(0, 1) weights would saturate
      every hidden unit from the start;
    * ``augment(X, rng) -> X``, called by :meth:`nnlib.Network.SGD` at the start of every epoch:
      e.g. ``isingmc.random_symmetry`` shows every epoch a fresh copy of the training lattices
      under random symmetries of the lattice, so the network cannot memorise them;
    * the cosine learning-rate schedule of ``SGD``, eta_e = eta (1 + cos(pi e / epochs)) / 2: with
      a constant eta the last mini-batches move the decision boundary by a few hundredths in T from
      epoch to epoch; annealing eta lets it settle;
    * float32 arithmetic on the array path of :class:`nnlib.Network`.

    Returns the trained network; ``net.predict(X)[:, 0]`` is its output for label 0.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    labels = np.asarray(labels)
    if labels.shape != (len(X),):
        raise ValueError(f"labels must have shape ({len(X)},), got {labels.shape}")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must be 0 (below T_c) or 1 (above T_c)")
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be None or a callable augment(X, rng) -> X, got {augment!r}")
    epochs = check_int(epochs, "epochs", 1)
    eta = check_positive(eta, "eta")
    net = phase_network(X.shape[1], hidden=hidden, seed=seed, dtype=dtype)
    net.SGD((X.astype(dtype, copy=False), labels.astype(np.int64)), epochs, mini_batch_size, eta,
            lmbda=lmbda, schedule="cosine", augment=augment, verbose=False, progress=progress)
    return net


@dataclass
class HiddenUnits:
    """:func:`what_training_changed`: ``weight_change`` (hidden, n_in) the input weights minus their
    initial values; ``influence`` (hidden,) the difference of each unit's two output weights (> 0:
    the unit votes for label 0 when it fires); ``ranking`` the units by decreasing |influence|."""
    weight_change: np.ndarray
    influence: np.ndarray
    ranking: np.ndarray


def what_training_changed(net, *, seed):
    """What training added to a network of :func:`train_phase_network` trained with ``seed``.

    Why the difference: the input weights start random (N(0, 1/n_in)) and training moves them
    little, so a trained unit's weights look mostly like that random start; :func:`phase_network`
    rebuilds the untrained network from the same seed, and subtracting it leaves what the data
    taught.  Which units matter for the decision: a unit that fires pushes output 0 up by its output
    weight to neuron 0 and neuron 1 by the other, so their difference is its vote.
    """
    if not (hasattr(net, "sizes") and hasattr(net, "weights")):
        raise TypeError(f"net must be a trained nnlib.Network, got {type(net).__name__}")
    sizes = list(net.sizes)
    if len(sizes) != 3 or sizes[2] != 2:
        raise ValueError(f"net must have one hidden layer and 2 outputs (sizes [n_in, hidden, 2], as "
                         f"train_phase_network builds it), got sizes {sizes}")
    W1, W2 = np.asarray(net.weights[0]), np.asarray(net.weights[1])
    start = phase_network(sizes[0], hidden=sizes[1], seed=seed, dtype=W1.dtype.type)
    influence = W2[0] - W2[1]
    return HiddenUnits(weight_change=W1 - start.weights[0], influence=influence,
                       ranking=np.argsort(-np.abs(influence)))


@dataclass
class ThresholdClassifier:
    """Predicts ``high_label`` where feature > threshold, the other label below."""
    threshold: float
    high_label: int

    def predict(self, values):
        v = as_float_array(values, "values")
        return np.where(v > self.threshold, self.high_label, 1 - self.high_label).astype(np.int64)

    def accuracy(self, values, labels):
        labels = np.asarray(labels)
        pred = self.predict(values)
        if pred.shape != labels.shape:
            raise ValueError("values and labels must have the same shape, "
                             f"got {pred.shape}, {labels.shape}")
        return float(np.mean(pred == labels))


def fit_threshold(values, labels):
    """The threshold on one feature (e.g. |m| or the energy) that classifies ``labels`` (0/1) best.

    Exact: every split between consecutive distinct values is tried in both orientations, and the
    one with the most correct training samples wins (the threshold sits midway between the two
    values).  For a feature whose distribution shifts monotonically with the phase this is the best
    any classifier restricted to that single number can do, so it is the fair yardstick for asking
    whether the network learned more than |m| or the energy.
    """
    v = as_1d(values, "values")
    y = np.asarray(labels)
    if y.shape != v.shape:
        raise ValueError(f"labels must have the shape of values {v.shape}, got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 or 1")
    order = np.argsort(v, kind="stable")
    v, y = v[order], y[order].astype(np.int64)
    n = v.size
    ones_below = np.concatenate([[0], np.cumsum(y)])            # ones among the first k values
    k = np.arange(n + 1)
    zeros_below = k - ones_below
    ones_total, zeros_total = ones_below[-1], n - ones_below[-1]
    # high_label = 1: correct = zeros below + ones above; high_label = 0: the reverse
    correct_1 = zeros_below + (ones_total - ones_below)
    correct_0 = ones_below + (zeros_total - zeros_below)
    # a split after position k is only possible between distinct values (or at either end)
    valid = np.ones(n + 1, bool)
    valid[1:n] = v[1:] > v[:-1]
    best1 = np.where(valid, correct_1, -1)
    best0 = np.where(valid, correct_0, -1)
    high_label = 1 if best1.max() >= best0.max() else 0
    kk = int(np.argmax(best1 if high_label == 1 else best0))
    if kk == 0:
        threshold = v[0] - 1.0
    elif kk == n:
        threshold = v[-1]
    else:
        threshold = 0.5 * (v[kk - 1] + v[kk])
    return ThresholdClassifier(threshold=float(threshold), high_label=high_label)


@dataclass
class ThresholdResult:
    """:func:`threshold_crossing`: the fitted classifier, its test accuracy and its crossing."""
    classifier: ThresholdClassifier
    accuracy: float
    crossing: CrossingResult


def threshold_crossing(train_values, train_labels, test_values, test_labels, test_temperatures, *,
                       n_boot=200, seed=None):
    """A one-number classifier measured like the network: fit on the training set, then the test
    accuracy and the crossing T* of its outputs with an error (:func:`nnlib.transition.crossing.crossing_with_error`).

    Why: to ask whether a network learned more than |m| (or the energy), the threshold on that number
    (:func:`fit_threshold`) is put through the same analysis.  A threshold has no probabilities, so
    its two "outputs" are hard: (1, 0) where it predicts label 0 and (0, 1) where it predicts 1;
    their averages over the test samples at each temperature are the fractions predicted in each
    phase, which cross where half the samples are called ordered.
    """
    classifier = fit_threshold(train_values, train_labels)
    v = as_1d(test_values, "test_values")
    y = np.asarray(test_labels)
    if y.shape != v.shape:
        raise ValueError(f"test_labels must have the shape of test_values {v.shape}, got {y.shape}")
    pred = classifier.predict(v)
    outputs = np.stack([pred == 0, pred == 1], axis=1).astype(float)
    return ThresholdResult(classifier=classifier, accuracy=float(np.mean(pred == y)),
                           crossing=crossing_with_error(test_temperatures, outputs, n_boot=n_boot,
                                                        seed=seed))


def map_in_threads(function, items, n_jobs=2, *, progress=False, desc=None):
    """``[function(item) for item in items]``, with ``n_jobs`` calls at a time in threads.

    nnlib's kernel releases the GIL (numba's ``nogil``), so networks trained in threads use
    several cores: notebook 07 trains two seeds at a time on two cores, about 1.8 times faster.
    Each call must stand on its own (its own network and seed, as ``train_phase_network``'s);
    then the results are exactly those of the loop, in the order of ``items``.  ``progress``
    as in :func:`nnlib.transition.confusion.confusion_scan`."""
    items = list(items)
    n_jobs = check_int(n_jobs, "n_jobs", minimum=1)
    if not callable(function):
        raise TypeError("function must be callable, got %s" % type(function).__name__)
    if n_jobs == 1 or len(items) < 2:
        return [function(item) for item in progress_bar(items, progress, desc=desc)]
    with ThreadPoolExecutor(max_workers=min(n_jobs, len(items))) as pool:
        return list(progress_bar(pool.map(function, items), progress, total=len(items),
                                 desc=desc))
