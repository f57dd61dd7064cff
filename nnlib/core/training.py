"""The one training loop of nnlib: what ``Network.SGD`` does around the course's inner loop.

``Network.SGD`` reads like the course's: for every epoch, shuffle, cut into mini-batches and call
``update_mini_batch`` for each.  A ``Run`` holds everything else an epoch needs, so that every
trainer in nnlib (``SGD`` itself, ``recipes.train_best``, the phase networks, the training panel and
the playground) shares one loop:

- before an epoch: the learning rate from the schedule, and the ``augment(X, rng)`` hook that
  makes this epoch's variant of the training inputs;
- the epoch itself: the course's loop through the network's own ``update_mini_batch`` and
  ``backprop`` (always, when a subclass overrides either), or else the same steps in one call of
  ``nnlib.core.kernel`` (same order of examples, same weights to rounding, many times faster);
- after an epoch: the guard against a diverging cost, the history, the line the course prints
  ("Epoch j: k / n"), ``callback(epoch, history)`` (return False to stop), "halve" and early
  stopping.
"""

import math
import time
import warnings

import numpy as np

from . import examples, kernel
from .checks import check_int, check_positive
from .optim import GradientStep, check_schedule, learning_rate

__all__ = ["Run", "DivergenceWarning", "uses_course_methods", "fast_epoch"]


class DivergenceWarning(RuntimeWarning):
    """Training stopped because it diverged (usually: eta too large): the cost became NaN or
    infinite, grew far past its value at the start, or the outputs saturated at chance level."""


GROWTH = 100.0     # a cost above GROWTH * max(its value at the start of SGD, 0.1) means divergence
PROBE_ROWS = 256   # training rows on which the start cost and saturation are measured
SATURATED = 1e-3   # outputs this close to the bounds of sigmoid, tanh or softmax are saturated


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


def uses_course_methods(net):
    """True when the network's ``backprop`` and ``update_mini_batch`` are nnlib's own, so that
    the kernel computes exactly what they would."""
    from .network import Network
    cls = type(net)
    return (cls.backprop is Network.backprop and cls.update_mini_batch is Network.update_mini_batch)


def fast_epoch(net, X, Y, order, mini_batch_size, eta):
    """One epoch of the course's steps in ``nnlib.core.kernel``: example k is (X[order[k]],
    Y[order[k]]); ``net.step_rule`` gives L2, L1 and momentum.  Returns the mean cost per
    example (each measured before its mini-batch's step), NaN if it diverged."""
    rule = net.step_rule
    params, sizes = kernel.pack(net.weights, net.biases, net.dtype)
    momentum = rule.momentum
    if momentum:
        velocity_b, velocity_w = rule.start_velocities(net.biases, net.weights)
        velocity, _ = kernel.pack(velocity_w, velocity_b, net.dtype)
    else:
        velocity = params[:0]
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(net.dtype)
    X = np.ascontiguousarray(X)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    order = np.ascontiguousarray(order, dtype=np.int64)
    decay, l1_step, momentum = rule.kernel_arguments(eta)
    with np.errstate(all="ignore"):
        total = kernel.train_epoch(X, Y, order, params, velocity, sizes,
                                   kernel.codes_for(net.layer_activations),
                                   net.cost_function.code, mini_batch_size, eta, decay,
                                   l1_step, momentum)
    net.weights, net.biases = kernel.unpack(params, sizes)
    if momentum:
        rule.velocity_w, rule.velocity_b = kernel.unpack(velocity, sizes)
    return total / len(order)


class Run:
    """One call of ``SGD``: the checked data and settings, the history, and the epoch loop.

    Keywords (n = number of training examples; Nielsen, chapter 3):

    - ``lmbda``: L2 regularisation, C = C_0 + lmbda/(2n) sum w^2, i.e. each step first shrinks
      the weights, w -> (1 - eta lmbda/n) w ("weight decay"); biases are not regularised.
    - ``l1``: L1 regularisation, C = C_0 + l1/n sum |w|, i.e. w -> w - eta l1/n sgn(w).
    - ``momentum``: mu in [0, 1); v -> mu v - eta grad C, w -> w + v, so that steps build up
      along directions the gradient keeps pointing.  ``warm_start=True`` keeps the velocity of
      the previous call (the playground's step button), otherwise each call starts at rest.
    - ``schedule``: eta per epoch: a callable ``schedule(epoch, eta)``; "cosine",
      eta_j = eta (1 + cos(pi j / epochs)) / 2; or "halve": halve eta after every epoch in which
      the monitored accuracy (``evaluation_data``, else ``test_data``) did not beat its best.
    - ``evaluation_data``: a validation set, its accuracy recorded every epoch;
      ``early_stopping``: an int p, stop when that accuracy has not improved for p epochs and
      restore the weights of the best epoch.
    - ``augment(X, rng) -> X``: called before every epoch with the original training inputs
      (rows) and a generator spawned from the network's seed; the epoch trains on what it returns
      (e.g. shifted digits, or symmetric copies of Ising lattices).
    - ``callback(epoch, history)``: called after every epoch; returning False stops training.
    - ``verbose`` (print the course's lines), ``progress`` (a tqdm bar over the epochs).

    If the cost becomes NaN or infinite (usually eta too large), training stops with a
    ``DivergenceWarning`` naming the epoch and eta, and the weights from the start of that
    epoch are restored.  The history holds per epoch ``train_cost`` (on the fast path the mean
    cost of the examples, each measured just before its mini-batch's step, which is free; on the
    course's path the cost after the epoch), ``eta``, ``seconds`` (cumulative training time,
    evaluation excluded), ``test_accuracy`` / ``evaluation_accuracy`` (fractions) when those sets
    are given, and ``stopped`` (None, or why training ended early) and ``best_epoch``.
    """

    def __init__(self, net, training_data, epochs, mini_batch_size, eta, test_data=None, *,
                 lmbda=0.0, l1=0.0, momentum=0.0, schedule=None, evaluation_data=None,
                 early_stopping=None, augment=None, callback=None, verbose=True,
                 progress=False, warm_start=False):
        n_in, n_out = net.sizes[0], net.sizes[-1]
        self.net = net
        self.fast = uses_course_methods(net)
        self.X, self.Y = examples.training_arrays(training_data, n_in, n_out)
        self.tuples = None if self.fast else examples.as_tuples(training_data, n_in, n_out)
        self.test = (None if test_data is None
                     else examples.evaluation_arrays(test_data, n_in, n_out, "test_data"))
        self.evaluation = (None if evaluation_data is None else examples.evaluation_arrays(
            evaluation_data, n_in, n_out, "evaluation_data"))
        self.n_epochs = check_int(epochs, "epochs", minimum=0)
        self.mini_batch_size = check_int(mini_batch_size, "mini_batch_size", minimum=1)
        self.eta0 = self.eta = check_positive(eta, "eta")
        self.schedule = check_schedule(schedule)
        self.monitor = self.evaluation if self.evaluation is not None else self.test
        if schedule == "halve" and self.monitor is None:
            raise ValueError("schedule='halve' needs evaluation_data or test_data to monitor")
        if early_stopping is not None:
            early_stopping = check_int(early_stopping, "early_stopping", minimum=1)
            if self.evaluation is None:
                raise ValueError("early_stopping needs evaluation_data (a validation set): "
                                 "stopping on the test set would tune on the test set")
        self.early_stopping = early_stopping
        for hook, name in ((augment, "augment"), (callback, "callback")):
            if hook is not None and not callable(hook):
                raise TypeError("%s must be a function or None, got %s"
                                % (name, type(hook).__name__))
        self.augment, self.callback = augment, callback
        # augmentation draws from its own generator, spawned from the network's seed (without
        # drawing from the network's generator, so the shuffles stay those of a run without it)
        self.augment_rng = net.rng.spawn(1)[0] if augment else None
        previous = getattr(net, "step_rule", None)
        net.step_rule = GradientStep(lmbda, l1, momentum, n=len(self.Y))
        if warm_start and previous is not None and previous.momentum == net.step_rule.momentum:
            net.step_rule.velocity_b = previous.velocity_b
            net.step_rule.velocity_w = previous.velocity_w
        self.history = {"train_cost": [], "eta": [], "stopped": None, "best_epoch": None,
                        "seconds": []}
        if self.test is not None:
            self.history["test_accuracy"] = []
        if self.evaluation is not None:
            self.history["evaluation_accuracy"] = []
        self.verbose, self.progress = verbose, progress
        self.best_accuracy, self.best_parameters = -1.0, None
        self.X_epoch, self.cost = self.X, None
        every = max(1, len(self.Y) // PROBE_ROWS)               # for the divergence guard
        self.probe = (self.X[::every][:PROBE_ROWS], self.Y[::every][:PROBE_ROWS])
        self.start_cost = None

    # ------------------------------------------------------------------ the loop
    def epochs(self):
        """Yield 0, 1, ..., epochs - 1; the caller runs one epoch at each, and the run stops
        early on divergence, early stopping or a callback that returns False."""
        epoch_range = range(self.n_epochs)
        if self.progress:
            from tqdm.auto import tqdm
            epoch_range = tqdm(epoch_range, desc="SGD", unit="epoch")
        trained = 0.0  # seconds of training (augmentation included, evaluation excluded)
        if self.n_epochs:
            with np.errstate(all="ignore"):
                self.start_cost = (self.net.total_cost(*self.probe)
                                   + self.net.regularisation_cost(self.net.step_rule))
        try:
            for j in epoch_range:
                started = time.perf_counter()
                if self.schedule != "halve":
                    self.eta = learning_rate(self.schedule, j, self.n_epochs, self.eta0)
                if self.augment is not None:
                    self.X_epoch = np.asarray(self.augment(self.X, self.augment_rng))
                    if self.X_epoch.shape != self.X.shape:
                        raise ValueError("augment must return an array of shape %s, got %s"
                                         % (self.X.shape, self.X_epoch.shape))
                    if self.tuples is not None:
                        self.tuples = examples.Examples(self.X_epoch, self.Y)
                start = ([w.copy() for w in self.net.weights],
                         [b.copy() for b in self.net.biases])
                self.cost = None
                yield j
                trained += time.perf_counter() - started
                if self._end_of_epoch(j, start, trained):
                    break
                if self.progress and self.monitor is not None:
                    epoch_range.set_postfix(accuracy="%.4f" % self._accuracy(self.monitor))
        finally:
            if self.progress:
                epoch_range.close()

    def shuffled(self):
        """The training examples in this epoch's random order (the course's random.shuffle,
        drawn from the network's own seeded generator, so the fast path sees the same order)."""
        order = self.net.rng.permutation(len(self.tuples))
        return [self.tuples[k] for k in order]

    def fast_epoch(self):
        """This epoch in ``nnlib.core.kernel``: the same shuffle, the same steps."""
        order = self.net.rng.permutation(len(self.Y))
        self.cost = fast_epoch(self.net, self.X_epoch, self.Y, order, self.mini_batch_size,
                               self.eta)

    # ------------------------------------------------------------------ bookkeeping
    def _accuracy(self, data):
        return self.net._count_correct(*data) / len(data[0])

    def _say(self, line):
        if not self.verbose:
            return
        if self.progress:
            from tqdm.auto import tqdm
            tqdm.write(line)
        else:
            print(line, flush=True)

    def _end_of_epoch(self, j, start, seconds):
        """Record epoch j; return True when training must stop."""
        net, history = self.net, self.history
        if self.cost is None:  # the course's loop ran: measure the cost after the epoch
            with np.errstate(all="ignore"):
                self.cost = net.total_cost(self.X_epoch, self.Y)
        self.cost += net.regularisation_cost(net.step_rule)
        reason = None
        if not math.isfinite(self.cost):
            reason = "the cost became %s" % self.cost
        elif self.start_cost is not None and math.isfinite(self.start_cost) \
                and self.cost > GROWTH * max(self.start_cost, 0.1):
            reason = ("the cost grew from %.3g at the start to %.3g"
                      % (self.start_cost, self.cost))
        else:
            reason = saturated_at_chance(net, *self.probe)
        if reason is not None:
            message = ("Training stopped in epoch %d: %s with eta = %g. "
                       "The steps are too large for this network; try a smaller eta. "
                       "The weights from the start of epoch %d were restored."
                       % (j, reason, self.eta, j))
            net.weights, net.biases = start
            net.step_rule.velocity_b = net.step_rule.velocity_w = None
            history["stopped"] = message
            warnings.warn(message, DivergenceWarning, stacklevel=4)
            self._say(message)
            return True
        history["train_cost"].append(float(self.cost))
        history["eta"].append(self.eta)
        history["seconds"].append(seconds)
        line = "Epoch %d complete" % j
        if self.test is not None:
            k = net._count_correct(*self.test)
            history["test_accuracy"].append(k / len(self.test[0]))
            line = "Epoch %d: %d / %d" % (j, k, len(self.test[0]))
        if self.evaluation is not None:
            k = net._count_correct(*self.evaluation)
            history["evaluation_accuracy"].append(k / len(self.evaluation[0]))
            line += ("%s validation %d / %d" % ("," if self.test is not None else ";", k,
                                                 len(self.evaluation[0])))
        self._say(line)
        if self.monitor is not None:
            accuracy = history["evaluation_accuracy" if self.evaluation is not None
                               else "test_accuracy"][-1]
            if accuracy > self.best_accuracy:
                self.best_accuracy = accuracy
                history["best_epoch"] = j
                if self.early_stopping is not None:
                    self.best_parameters = ([w.copy() for w in net.weights],
                                            [b.copy() for b in net.biases])
            elif self.schedule == "halve":
                self.eta /= 2
        if self.callback is not None and self.callback(j, history) is False:
            history["stopped"] = "Stopped by the callback after epoch %d." % j
            return True
        if self.early_stopping is not None and j - history["best_epoch"] >= self.early_stopping:
            net.weights, net.biases = self.best_parameters
            message = ("Early stopping after epoch %d: validation accuracy has not improved "
                       "for %d epochs; restored the weights of epoch %d (validation accuracy "
                       "%.4f)." % (j, self.early_stopping, history["best_epoch"],
                                   self.best_accuracy))
            history["stopped"] = message
            self._say(message)
            return True
        return False
