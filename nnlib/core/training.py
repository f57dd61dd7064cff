"""The bookkeeping around ``Network.SGD``'s epochs: everything but the training itself.

``Network.SGD`` owns its loop (shuffle, mini-batches, ``update_mini_batch``; or its one fast branch
in ``kernel.fast_epoch``) and calls a ``Run`` at the start and at the end of every epoch, so that
every trainer in nnlib (``SGD`` itself, ``recipes.train_best``, the phase networks, the training
panel and the playground) keeps one set of books:

- the checked data and settings: the training examples as arrays (and as the course's tuples,
  built only for the course's loop), the test and validation sets, the hooks;
- ``start_epoch``: the learning rate from the schedule, and the ``augment(X, rng)`` hook that
  makes this epoch's variant of the training inputs;
- ``end_epoch``: the cost and accuracy on the training data (measured the same way on both
  paths), the test and validation sets, the guard against divergence, the line the course prints
  ("Epoch j: k / n"), ``callback(epoch, history)``, "halve", a target accuracy and early stopping;
- why a run stopped: ``history["stop_reason"]`` is None or one of ``STOP_REASONS``, with a
  sentence in ``history["stopped"]`` and its cause in ``history["stop_cause"]``.

It imports no ``Network``: it calls only the network's measuring methods and ``parameters``/
``set_parameters``.
"""

import math
import time

import numpy as np

from . import examples
from .checks import check_int, check_positive, check_real
from .optim import check_schedule, learning_rate

__all__ = ["Run", "DivergenceWarning", "STOP_REASONS", "training_sample"]

STOP_REASONS = ("diverged", "callback", "early stopping", "target")


class DivergenceWarning(RuntimeWarning):
    """Training stopped because it diverged (usually: eta too large): the cost became NaN or
    infinite, grew far past its value at the start, or the outputs saturated at chance level."""


GROWTH = 100.0      # a cost above GROWTH * max(its value at the start of SGD, 0.1) means divergence
SAMPLE_ROWS = 1024  # training rows measured after every epoch (all of them in smaller sets); on
                    # MNIST or the Ising sets that forward pass is ~3 % of an epoch, or less
PROBE_ROWS = 256    # of those, the rows on which saturation is checked
SATURATED = 1e-3    # outputs this close to the bounds of sigmoid, tanh or softmax are saturated


def training_sample(n):
    """The rows of a training set of ``n`` on which every epoch is measured: all of them, or
    ``SAMPLE_ROWS`` evenly spaced ones of a larger set (an index for the rows of X and Y)."""
    if n <= SAMPLE_ROWS:
        return slice(None)
    return np.linspace(0, n - 1, SAMPLE_ROWS).round().astype(np.int64)


def saturated_at_chance(net, X, Y):
    """A reason (str) when every output of the network on the rows of ``X`` sits at a bound of its
    activation (stuck: the gradients vanish, so training cannot leave) and its answers are no
    better than always answering the most frequent class of ``Y`` (chance); else None."""
    top = net.layer_activations[-1].name
    if top not in ("sigmoid", "tanh", "softmax") or len(X) < 2:
        return None
    with np.errstate(all="ignore"):
        out = net.predict(X)
    if not np.all(np.isfinite(out)):
        return None
    if out.shape[1] == 1:
        middle = 0.5 if top == "sigmoid" else 0.0
        answers, truth = out[:, 0] > middle, Y[:, 0] > middle
        low = 0.0 if top == "sigmoid" else -1.0
        stuck = np.all((out - low < SATURATED) | (1.0 - out < SATURATED))
    else:
        answers, truth = out.argmax(axis=1), Y.argmax(axis=1)
        stuck = (np.all(out.max(axis=1) > 1.0 - SATURATED) if top == "softmax"
                 else np.all((out < SATURATED) | (1.0 - out < SATURATED)))
    if not stuck:
        return None
    accuracy = np.mean(answers == truth)
    chance = np.max(np.unique(truth, return_counts=True)[1]) / len(truth)
    if accuracy <= chance:
        return ("the outputs saturated: every output sits at a bound of %s and the accuracy on "
                "the training data (%.3f) is at chance (%.3f)" % (top, accuracy, chance))
    return None


class Run:
    """One call of ``SGD``: the checked data and settings, the history, and the epochs.

    Keywords (Nielsen, chapter 3, and a few more):

    - ``schedule``: eta per epoch: a callable ``schedule(epoch, eta)``; "cosine",
      eta_j = eta (1 + cos(pi j / epochs)) / 2; or "halve": halve eta after every epoch in which
      the monitored accuracy (``evaluation_data``, else ``test_data``) did not beat its best.
    - ``evaluation_data``: a validation set, its cost and accuracy recorded every epoch;
      ``early_stopping``: an int p, stop when that accuracy has not improved for p epochs and
      restore the weights of the best epoch.
    - ``target_accuracy``: stop once the monitored accuracy reaches it (a fraction).
    - ``augment(X, rng) -> X``: called before every epoch with the original training inputs
      (rows) and a generator spawned from the network's seed; the epoch trains on what it returns
      (e.g. shifted digits, or symmetric copies of Ising lattices).
    - ``callback(epoch, history)``: called after every epoch; returning False stops training.
    - ``verbose`` (print the course's lines), ``progress`` (a tqdm bar over the epochs).

    If the cost becomes NaN or infinite, grows far past its start, or the outputs saturate at
    chance (usually eta too large), training stops: the weights from the start of that epoch are
    restored and ``SGD`` warns with a ``DivergenceWarning`` naming the epoch and eta.

    The history holds per epoch ``train_cost`` and ``train_accuracy`` (after the epoch, on the
    training data, not on its augmented variant: all of it, or the evenly spaced sample
    ``training_sample`` of larger sets), ``eta``, ``seconds`` (cumulative training time,
    measuring excluded), ``test_cost``/``test_accuracy`` and
    ``evaluation_cost``/``evaluation_accuracy`` when those sets are given; and ``best_epoch``,
    ``stop_reason``, ``stop_cause``, ``stopped`` (see the module's docstring).  Every cost is the
    mean cost per sample of the data, measured the same way on every set; the regularisation
    term, the same for every set, is not in it (``net.regularisation_cost(net.step_rule)``).
    """

    def __init__(self, net, training_data, epochs, mini_batch_size, eta, test_data=None, *,
                 schedule=None, evaluation_data=None, early_stopping=None,
                 target_accuracy=None, augment=None, callback=None, verbose=True,
                 progress=False):
        n_in, n_out = net.sizes[0], net.sizes[-1]
        self.net = net
        self.n_epochs = check_int(epochs, "epochs", minimum=0)
        self.mini_batch_size = check_int(mini_batch_size, "mini_batch_size", minimum=1)
        self.eta0 = self.eta = check_positive(eta, "eta")
        self.schedule = check_schedule(schedule)
        for hook, name in ((augment, "augment"), (callback, "callback")):
            if hook is not None and not callable(hook):
                raise TypeError("%s must be a function or None, got %s"
                                % (name, type(hook).__name__))
        self.augment, self.callback = augment, callback
        if target_accuracy is not None:
            target_accuracy = check_real(target_accuracy, "target_accuracy", 0.0, 1.0)
        self.target_accuracy = target_accuracy
        self.monitor = ("evaluation" if evaluation_data is not None
                        else "test" if test_data is not None else None)
        if self.monitor is None and (schedule == "halve" or target_accuracy is not None):
            raise ValueError("%s needs evaluation_data or test_data to monitor"
                             % ("schedule='halve'" if schedule == "halve" else "target_accuracy"))
        if early_stopping is not None:
            early_stopping = check_int(early_stopping, "early_stopping", minimum=1)
            if evaluation_data is None:
                raise ValueError("early_stopping needs evaluation_data (a validation set): "
                                 "stopping on the test set would tune on the test set")
        self.early_stopping = early_stopping
        # the data, checked: the training arrays, and the sets measured after every epoch as
        # name -> (X, labels, targets), the training set by an even sample of its rows
        self.X, self.Y = examples.training_arrays(training_data, n_in, n_out)
        self.X_given, self.n = self.X, len(self.Y)
        self.training_data, self._examples = training_data, None
        sample = training_sample(self.n)
        self.sets = {"train": (self.X[sample], None, self.Y[sample])}
        for name, data in (("test", test_data), ("evaluation", evaluation_data)):
            if data is not None:
                X, labels = examples.evaluation_arrays(data, n_in, n_out, name + "_data")
                self.sets[name] = (X, labels, examples.targets_of(labels, n_out))  # once
        # augmentation draws from its own generator, spawned from the network's seed (without
        # drawing from the network's generator, so the shuffles stay those of a run without it)
        self.augment_rng = net.rng.spawn(1)[0] if augment else None
        self.history = {"train_cost": [], "train_accuracy": [], "eta": [], "seconds": [],
                        "best_epoch": None, "stop_reason": None, "stop_cause": None,
                        "stopped": None}
        for name in self.sets:
            if name != "train":
                self.history[name + "_cost"], self.history[name + "_accuracy"] = [], []
        self.verbose, self.progress, self.bar = verbose, progress, None
        self.best_accuracy, self.best_parameters = -1.0, None
        self.start, self.start_cost = None, None  # the parameters SGD began with, their cost
        self.epoch_start, self.clock, self.seconds = None, None, 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.bar is not None:
            self.bar.close()

    @property
    def examples(self):
        """This epoch's training examples as the course's list of ``(x, y)`` tuples (the list
        given, when it is one and not augmented), built when the course's loop first asks."""
        if self._examples is None:
            n_in, n_out = self.net.sizes[0], self.net.sizes[-1]
            self._examples = (examples.as_tuples(self.training_data, self.X, self.Y, n_in, n_out)
                              if self.augment is None else examples.Examples(self.X, self.Y))
        return self._examples

    # ------------------------------------------------------------------ the epochs
    def start_epoch(self, j):
        """Before epoch j: start the clock, keep the parameters (restored if the epoch diverges),
        make the epoch's augmented inputs; return the epoch's learning rate."""
        self.clock = time.perf_counter()  # training time: augmentation in, measuring out
        if j == 0:
            self.start = self.net.parameters()
            if self.progress:
                from .progress import tqdm
                self.bar = tqdm(total=self.n_epochs, desc="SGD", unit="epoch")
        if self.schedule != "halve":
            self.eta = learning_rate(self.schedule, j, self.n_epochs, self.eta0)
        if self.augment is not None:
            self.X = np.asarray(self.augment(self.X_given, self.augment_rng))
            if self.X.shape != self.X_given.shape:
                raise ValueError("augment must return an array of shape %s, got %s"
                                 % (self.X_given.shape, self.X.shape))
            self._examples = None
        self.epoch_start = self.net.parameters()
        return self.eta

    def end_epoch(self, j):
        """After epoch j: record it (see the class); True when training must stop, with the
        parameters to keep already in the network (restored after divergence or early
        stopping)."""
        self.seconds += time.perf_counter() - self.clock
        stop = self._end_of_epoch(j, self.epoch_start, self.seconds)
        if self.bar is not None:
            self.bar.update(1)
            if self.monitor is not None and self.history[self.monitor + "_accuracy"]:
                self.bar.set_postfix(
                    accuracy="%.4f" % self.history[self.monitor + "_accuracy"][-1])
        return stop

    # ------------------------------------------------------------------ bookkeeping
    def _measure(self, name):
        """(mean cost per sample, accuracy) of the network on set ``name`` now."""
        X, labels, targets = self.sets[name]
        with np.errstate(all="ignore"):
            cost, correct = self.net.measure(X, labels, targets)
        return cost, correct / max(len(X), 1)

    def _say(self, line):
        if not self.verbose:
            return
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line, flush=True)

    def _stop(self, reason, cause, sentence):
        self.history["stop_reason"], self.history["stop_cause"] = reason, cause
        self.history["stopped"] = sentence
        return True

    def _cost_at_start(self):
        """The training cost of the parameters SGD began with (measured only when a cost looks
        large enough to have grown GROWTH-fold: a course network's never does)."""
        if self.start_cost is None:
            now = self.net.parameters()
            self.net.set_parameters(*self.start)
            self.start_cost = self._measure("train")[0]
            self.net.set_parameters(*now)
        return self.start_cost if math.isfinite(self.start_cost) else math.inf  # no guard

    def _divergence(self, cost):
        """Why the run diverged, or None."""
        if not math.isfinite(cost):
            return "the cost became %s" % cost
        if cost > GROWTH * 0.1 and cost > GROWTH * max(self._cost_at_start(), 0.1):
            return "the cost grew from %.3g at the start to %.3g" % (self.start_cost, cost)
        X, _, Y = self.sets["train"]
        return saturated_at_chance(self.net, X[:PROBE_ROWS], Y[:PROBE_ROWS])

    def _end_of_epoch(self, j, start, seconds):
        """Record epoch j; return True when training must stop."""
        net, history = self.net, self.history
        cost, accuracy = self._measure("train")
        cause = self._divergence(cost)
        if cause is not None:
            net.set_parameters(*start)
            net.step_rule.rest()
            message = ("Training stopped in epoch %d: %s with eta = %g. "
                       "The steps are too large for this network; try a smaller eta. "
                       "The weights from the start of epoch %d were restored."
                       % (j, cause, self.eta, j))
            self._say(message)
            return self._stop("diverged", cause, message)
        history["train_cost"].append(float(cost))
        history["train_accuracy"].append(accuracy)
        history["eta"].append(self.eta)
        history["seconds"].append(seconds)
        line = "Epoch %d complete" % j
        for name in ("test", "evaluation"):
            if name in self.sets:
                cost, accuracy = self._measure(name)
                history[name + "_cost"].append(float(cost))
                history[name + "_accuracy"].append(accuracy)
                n = len(self.sets[name][0])
                k = int(round(accuracy * n))
                line = ("Epoch %d: %d / %d" % (j, k, n) if name == "test" else
                        line + "%s validation %d / %d" % ("," if "test" in self.sets else ";",
                                                           k, n))
        self._say(line)
        if self.monitor is not None:
            accuracy = history[self.monitor + "_accuracy"][-1]
            if accuracy > self.best_accuracy:
                self.best_accuracy = accuracy
                history["best_epoch"] = j
                if self.early_stopping is not None:
                    self.best_parameters = net.parameters()
            elif self.schedule == "halve":
                self.eta /= 2
            if self.target_accuracy is not None and accuracy >= self.target_accuracy - 1e-12:
                return self._stop("target", "the %s accuracy reached %g" % (
                    self.monitor, self.target_accuracy),
                    "Stopped after epoch %d: the %s accuracy %.4f reached the target %g."
                    % (j, self.monitor, accuracy, self.target_accuracy))
        if self.callback is not None and self.callback(j, history) is False:
            return self._stop("callback", "the callback returned False",
                              "Stopped by the callback after epoch %d." % j)
        if self.early_stopping is not None and j - history["best_epoch"] >= self.early_stopping:
            net.set_parameters(*self.best_parameters)
            message = ("Early stopping after epoch %d: validation accuracy has not improved "
                       "for %d epochs; restored the weights of epoch %d (validation accuracy "
                       "%.4f)." % (j, self.early_stopping, history["best_epoch"],
                                   self.best_accuracy))
            self._say(message)
            return self._stop("early stopping", "the validation accuracy stopped improving",
                              message)
        return False
