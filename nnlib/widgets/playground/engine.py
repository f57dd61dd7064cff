"""The playground without its widgets: data, network, training, and the values that are drawn.

Semantics follow the original (its ``playground.ts`` and ``nn.ts``):

* one "step" is one epoch, one pass over the training data in mini-batches, run by the one epoch
  loop of nnlib, ``Network.SGD`` (with ``warm_start=True``, so momentum's velocity carries over
  from one step to the next exactly as within one long call);
* two classes: a tanh output compared with labels +-1 under the square loss 1/2 (a - y)^2, or a
  sigmoid output with the cross-entropy; more classes: a softmax output with the cross-entropy;
  regression: a linear output and the square loss; the loss shown is the mean over the points;
* weights start uniform in [-0.5, 0.5] and biases at 0.1;
* regularisation (L1 or L2) with rate r moves every weight by eta r dR/dw after each mini-batch,
  which is Nielsen's lmbda (or l1) = r n for a training set of n points;
* after each epoch ``Network.SGD`` measures the training and test loss (and accuracy) on all their
  points (1024 evenly spaced ones of a larger training set), and the playground shows them.

What the widget draws comes from ``Network.layer_outputs`` on a grid of 100 x 100 points (50 x 50
for networks of more than 2000 weights): every neuron's output over the square, the output's being
the large map.
"""

import math
import threading
import warnings

import numpy as np

from ...studies import toydata
from ...core.checks import check_int, check_real
from ...core.network import Network
from ...core.optim import initial_parameters
from ...core.training import DivergenceWarning
from . import multiclass, settings
from .outputs import Outputs, density_for

__all__ = ["Engine", "sizes_for"]

def sizes_for(state, custom):
    """The layer sizes a state gives: features, hidden layers, outputs."""
    if state["problem"] == "multi-class":
        n_out = (len(custom["classes"]) if custom is not None
                 else multiclass.N_CLASSES[state["dataset"]])
    else:
        n_out = 1
    return [len(state["features"])] + list(state["hidden"]) + [n_out]


class Engine(Outputs):
    """Training and measuring, shared by the widget and by code; see ``Playground``."""

    def _start_engine(self, state, custom):
        self._lock = threading.RLock()
        self._custom, self._state = custom, state
        self._events, self._pending = [], []
        self.message, self.diverged = "", False
        self._make_data()

    # ------------------------------------------------------------------ data
    def _seed(self, k):
        """Independent integer seeds for the parts of the playground, all from the one seed."""
        return int(np.random.SeedSequence([self._state["seed"], k]).generate_state(1)[0])

    def _make_data(self):
        st, custom = self._state, self._custom
        if custom is not None:
            X, y = custom["X"], custom["y"]
            self.domain = max(6.0, float(np.ceil(float(np.max(np.abs(X))) * 1.05)))
        else:
            make = (multiclass.make_dataset if st["problem"] == "multi-class"
                    else toydata.make_dataset)
            X, y = make(st["dataset"], noise=st["noise_percent"] / 100.0, seed=self._seed(0))
            self.domain = 6.0
        self.X_train, self.y_train, self.X_test, self.y_test = toydata.split(
            X, y, st["train_percent"] / 100.0, seed=self._seed(1))

    @property
    def classes(self):
        """The class names (None for regression): first the -1 class, then +1, for two."""
        if self._custom is not None:
            return self._custom["classes"]
        if self._state["problem"] == "regression":
            return None
        if self._state["problem"] == "classification":
            return ["-1", "+1"]
        return [str(c) for c in range(multiclass.N_CLASSES[self._state["dataset"]])]

    # ------------------------------------------------------------------ the network
    def _net_kind(self):
        """(output activation, cost) for the problem type and the loss."""
        st = self._state
        if st["problem"] == "regression":
            return "linear", "quadratic"
        if st["problem"] == "multi-class":
            return "softmax", "cross-entropy"
        if st["loss"] == "cross-entropy":
            return "sigmoid", "cross-entropy"        # targets (y + 1) / 2 in {0, 1}
        return "tanh", "quadratic"

    def _labels(self, y):
        """What the network is trained on and measured against: class indices for softmax,
        (y + 1)/2 for a sigmoid output, the labels themselves otherwise."""
        if self._state["problem"] == "multi-class":
            return y.astype(np.int64)
        if self._net_kind()[0] == "sigmoid":
            return (y + 1.0) / 2.0
        return y

    def _reset_network(self, pending=()):
        """A fresh network (epoch 0) for the current state; ``pending`` events (from JSON) are
        replayed when training reaches their epochs."""
        with self._lock:
            st = self._state
            sizes = sizes_for(st, self._custom)
            pending = sorted((settings.check_event(e, sizes) for e in pending),
                             key=lambda e: e["epoch"])
            feats = st["features"]
            self.density = density_for(sizes)
            xs = np.linspace(-self.domain, self.domain, self.density)
            g1, g2 = np.meshgrid(xs, xs[::-1])                # row 0 is the top: x2 = +domain
            self.grid = np.column_stack([g1.ravel(), g2.ravel()])
            self.F_train = toydata.features(self.X_train, feats)
            self.F_test = toydata.features(self.X_test, feats)
            self.F_grid = toydata.features(self.grid, feats)
            self.F_scale = np.maximum(np.max(np.abs(self.F_grid), axis=0), 1e-12)
            self.T_train, self.T_test = self._labels(self.y_train), self._labels(self.y_test)
            output, cost = self._net_kind()
            self.net = Network(sizes, seed=self._seed(3), activation=st["activation"],
                               output=output, cost=cost)
            # the original's initialisation, from a generator of its own (the network's shuffles)
            biases, weights = initial_parameters(
                sizes, "uniform", np.random.default_rng(self._seed(2)), self.net.dtype)
            self.net.set_parameters(weights, biases)
            self.epoch = 0
            self.train_losses, self.test_losses = [], []
            self.train_accuracies, self.test_accuracies = [], []
            self.diverged, self.message, self.stopped_by = False, "", None
            self._start = dict(st)
            self._events, self._pending = [], pending
            self._target_armed = True
            self._record()
            self._apply_due_events()
            self._changed()

    def _changed(self):
        """The weights changed: the cached grid outputs are stale (the widget redraws)."""
        self._acts = None

    def grid_outputs(self):
        """Every layer's activations on the grid, [A^1, ..., A^L] (rows: grid points)."""
        if self._acts is None:
            with np.errstate(all="ignore"):
                self._acts = self.net.layer_outputs(self.F_grid)
        return self._acts

    # ------------------------------------------------------------------ training
    def _reg_kwargs(self):
        """The original's per-mini-batch decay eta r dR/dw as Network's lmbda or l1 (= r n)."""
        st = self._state
        rate = st["reg_rate"] * len(self.y_train)
        return {"lmbda": rate if st["regularization"] == "L2" else 0.0,
                "l1": rate if st["regularization"] == "L1" else 0.0}

    def step(self, epochs=1, redraw=True):
        """Train ``epochs`` epochs (one pass over the training data each), then redraw.

        Stops early when the test accuracy reaches ``stop_accuracy`` (once per run; the message
        says so) or when training diverges: then it returns False, the last finite weights stay,
        and the message says what to do."""
        epochs = check_int(epochs, "epochs", 1, 10**6)
        with self._lock:
            self.stopped_by = None                 # "target" or "diverged" when it stops early
            left = epochs
            while left > 0 and not self.diverged:
                chunk = left
                if self._pending:              # stop at the next recorded change
                    chunk = min(chunk, self._pending[0]["epoch"] - self.epoch)
                start = self.epoch
                self.stopped_by = self._train(chunk)
                left -= self.epoch - start
                self._apply_due_events()
                if self.stopped_by is not None:
                    break
            if redraw:
                self._redraw()
            return not self.diverged

    def _train(self, epochs):
        """``epochs`` epochs of ``Network.SGD``; returns None, "target" or "diverged".

        SGD keeps the books: it measures the losses and accuracies after every epoch, stops at
        the target accuracy, and on divergence restores the weights of the epoch's start and
        says why.  The playground appends what it measured and shows why it stopped."""
        st = self._state
        target = st["stop_accuracy"] if self._target_armed else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # the message says it instead
            history = self.net.SGD((self.F_train, self.T_train), epochs, st["batch_size"],
                                   st["learning_rate"], test_data=(self.F_test, self.T_test),
                                   momentum=st["momentum"], warm_start=True, verbose=False,
                                   target_accuracy=target, **self._reg_kwargs())
        self._changed()
        regression = st["problem"] == "regression"
        for j in range(len(history["train_cost"])):
            self.epoch += 1
            self.train_losses.append(history["train_cost"][j])
            self.test_losses.append(history["test_cost"][j])
            self.train_accuracies.append(None if regression else history["train_accuracy"][j])
            self.test_accuracies.append(None if regression else history["test_accuracy"][j])
        if history["stop_reason"] == "diverged":
            self.diverged = True
            self.message = ("Training diverged at epoch %d: %s (learning rate %g is too large "
                            "for this network). Lower the learning rate and press reset."
                            % (self.epoch + 1, history["stop_cause"], st["learning_rate"]))
            return "diverged"
        if history["stop_reason"] == "target":
            self._target_armed = False
            self.message = ("Test accuracy %.1f %% reached the target %g %% at epoch %d: "
                            "training paused (play goes on)."
                            % (100 * self.test_accuracies[-1], 100 * st["stop_accuracy"],
                               self.epoch))
            return "target"
        return None

    def _measure(self, F, T):
        with np.errstate(all="ignore"):
            loss = float(self.net.total_cost(F, T))
        if self._state["problem"] == "regression" or not math.isfinite(loss):
            return loss, None
        return loss, float(self.net.accuracy(F, T))

    def _record(self):
        """Append the losses and accuracies of the network as it is now, outside training: at
        epoch 0 and after a weight set by hand (after an epoch, SGD's history has them)."""
        train_loss, train_acc = self._measure(self.F_train, self.T_train)
        test_loss, test_acc = self._measure(self.F_test, self.T_test)
        self.train_losses.append(train_loss)
        self.test_losses.append(test_loss)
        self.train_accuracies.append(train_acc)
        self.test_accuracies.append(test_acc)

    # ------------------------------------------------------------------ changes during a run
    def _apply_due_events(self):
        while self._pending and self._pending[0]["epoch"] <= self.epoch:
            self._apply(self._pending.pop(0))

    def _apply(self, event):
        """Carry out one change and log it (the JSON state replays the log)."""
        if "set" in event:
            self._state[event["set"]] = event["value"]
        else:
            if "weight" in event:
                layer, to, frm = event["weight"]
                self.net.weights[layer][to, frm] = event["value"]
            else:
                layer, to = event["bias"]
                self.net.biases[layer][to, 0] = event["value"]
            for series in (self.train_losses, self.test_losses, self.train_accuracies,
                           self.test_accuracies):
                series.pop()                   # this epoch's numbers are of the new weights
            self._record()
            self._changed()
        self._events.append(event)

    def _user_change(self, event):
        """A change made by hand: it ends a replay (the recorded future no longer applies)."""
        with self._lock:
            self._pending = []
            if "set" in event and self.epoch == 0 and not self._events:
                self._state[event["set"]] = self._start[event["set"]] = event["value"]
                return
            self._apply(settings.check_event(dict(event, epoch=self.epoch), self.net.sizes))

    def set_weight(self, layer, to, frm, value):
        """Set the weight from neuron ``frm`` of layer ``layer`` to neuron ``to`` of the next
        layer (``net.weights[layer][to, frm]``), as clicking a link in the widget does."""
        self._check_index(layer, to, frm)
        self._user_change({"weight": [layer, to, frm], "value": self._check_value(value)})
        self._redraw()

    def set_bias(self, layer, to, value):
        """Set the bias of neuron ``to`` of layer ``layer + 1`` (``net.biases[layer][to]``)."""
        self._check_index(layer, to)
        self._user_change({"bias": [layer, to], "value": self._check_value(value)})
        self._redraw()

    def _check_index(self, layer, to, frm=None):
        sizes = self.net.sizes
        layer = check_int(layer, "layer", 0, len(sizes) - 2)
        check_int(to, "to", 0, sizes[layer + 1] - 1)
        if frm is not None:
            check_int(frm, "frm", 0, sizes[layer] - 1)

    @staticmethod
    def _check_value(value):
        return check_real(value, "value", -1000.0, 1000.0)

    def set_learning_rate(self, value):
        """Change the learning rate; training goes on from the current weights (as in the
        original: every other network control starts over)."""
        value = settings.validate_state(dict(self._state, learning_rate=value),
                                        self._custom)["learning_rate"]
        self._user_change({"set": "learning_rate", "value": value})

    def set_momentum(self, value):
        """Change the momentum; training goes on from the current weights."""
        value = settings.validate_state(dict(self._state, momentum=value),
                                        self._custom)["momentum"]
        self._user_change({"set": "momentum", "value": value})
