""""Try your own layout": an ipywidgets panel that trains an :class:`nnlib.Network` on arrays.

Notebooks 04 (MNIST) and 06 (Ising snapshots) end their studies with this panel, so that a
student can try a layout of their own without editing code::

    from nnlib.data import load_arrays
    from nnlib.widgets.trainpanel import TrainPanel
    train, validation, test = load_arrays()              # MNIST: 784 pixels, labels 0..9
    TrainPanel(train, test, input_shape=(28, 28))

Sliders choose the number of hidden layers and the neurons in each (one slider per hidden layer,
shown as layers are added), the hidden activation, the output layer with its cost, the
initialisation, the learning rate, the epochs, the mini-batch size and the seed.  *Train* builds a
fresh network with these settings and trains it; a progress bar, a status line and a live
learning curve (accuracy and training cost per epoch) follow the run; *Stop* ends it after the
current epoch.  A run that diverges (a learning rate too large for the network) is not an error
but a lesson: SGD stops it, and the status line shows SGD's sentence on what happened and what to
try.

Design choices, and why:

- **Training is ``Network.SGD``**, the one epoch loop of nnlib, with float32 parameters; the
  panel only listens: its ``callback`` draws SGD's history after every epoch (nothing is
  measured twice) and returns False when *Stop* was pressed.  SGD's guard against divergence
  restores the weights of the epoch's start and says why; the panel shows it.
- **A seeded random subset** of the data (``max_train``, ``max_test``) keeps one epoch well
  under a second even on the 2-core machine, so the curve moves while the student watches.
  Everything random derives from seeds: the subset from ``seed``, the network's initial weights
  and mini-batch order from the *seed* control, so the same settings replay the same history.
- **Training runs in a background thread** when started by the button, so the kernel stays free
  to receive the *Stop* click and slider moves; :meth:`TrainPanel.train` is the same work run
  synchronously (tests and scripts call it directly and get the history back).
- **The learning curve and the sample pictures are strings** (SVG, PNG data URIs;
  ``nnlib.widgets.charts``), which a background thread may set as widget values safely.
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from numbers import Integral

import numpy as np

from ..core.checks import check_choice, check_int, check_labels, check_real, check_rows
from ..core.network import DivergenceWarning, Network
from .trainpanel_view import (ACTIVATION_CHOICES, ETA_RANGE, INIT_CHOICES, MAX_EPOCHS,
                              MAX_HIDDEN_LAYERS, MAX_MINI_BATCH, MAX_NEURONS, OUTPUT_CHOICES, RED,
                              PanelView, coloured)

__all__ = ["TrainPanel", "OUTPUT_CHOICES", "ACTIVATION_CHOICES", "INIT_CHOICES", "failure_hint",
           "in_percent"]

#: A run "sits at chance" when its test accuracy is within this of the commonest class's share.
CHANCE_MARGIN = 0.03
#: Above these learning rates a run that does not learn is most likely overshooting: the course's
#: sigmoid + quadratic network trains at eta = 3, the others (cross-entropy, softmax) need less.
TOO_LARGE = {"sigmoid/quadratic": 10.0, "sigmoid/cross-entropy": 0.5,
             "softmax/cross-entropy": 0.3}
SAFE_ETA = {"sigmoid/quadratic": 3.0, "sigmoid/cross-entropy": 0.1,
            "softmax/cross-entropy": 0.1}


def failure_hint(history, chance):
    """What to try when a run failed, read from its own history (nothing is re-measured):
    None when it learns.  ``chance``: the test accuracy of always guessing the commonest class.

    A diverged run has its message already (``history["stopped"]``); a run whose test accuracy
    is still at chance after two epochs or more (or after its only epoch) gets a hint: a layer
    too narrow to carry the classes, or a learning rate too large (the first steps saturate or
    kill the neurons, and the cost stops falling) or too small."""
    if history["diverged"] or not history["epoch"]:
        return None
    s, acc = history["settings"], history["test_accuracy"]
    if len(acc) < min(2, s["epochs"]) or acc[-1] > chance + CHANCE_MARGIN:
        return None
    key = s["output"] + "/" + s["cost"]
    eta, hidden = s["eta"], list(s["sizes"][1:-1])
    said = ("The test accuracy is at chance (%.1f %%; always guessing the commonest class "
            "gives %.1f %%): the network is not learning. " % (100 * acc[-1], 100 * chance))
    if hidden and min(hidden) < 2:
        return said + ("A hidden layer of %d neuron cannot carry %d classes: give every layer "
                       "at least a few neurons." % (min(hidden), s["sizes"][-1]))
    if eta > TOO_LARGE.get(key, 1.0):
        return said + ("The learning rate η = %.3g may be too large for %s with %s neurons "
                       "(the first steps overshoot and saturate or silence the neurons); "
                       "try η = %g." % (eta, key.replace("/", " + "), s["activation"],
                                        SAFE_ETA.get(key, 0.1)))
    if eta < 0.01:
        return said + ("The learning rate η = %.3g may be too small to move the weights in %d "
                       "epochs; try η = %g." % (eta, len(acc), SAFE_ETA.get(key, 0.1)))
    return said + ("Try another learning rate (e.g. η = %g), the scaled initialisation, or "
                   "more epochs." % SAFE_ETA.get(key, 0.1))


#: An accuracy (or chance) that SGD's sentences give as a fraction in brackets: "(0.078)".
FRACTION = re.compile(r"\b(accuracy\b[^()]*|chance )\((\d*\.\d+)\)")


def in_percent(sentence):
    """SGD's sentence as the panel says it: every accuracy in percent, as everywhere else in the
    panel ("the accuracy on the training data (0.078) is at chance (0.100)" -> "... (7.8 %) is
    at chance (10.0 %)"); costs stay numbers."""
    return FRACTION.sub(lambda m: "%s(%.1f %%)" % (m.group(1), 100 * float(m.group(2))),
                        sentence)


class TrainPanel(PanelView):
    """Train a network of your own layout on ``train``, measured on ``test``, from sliders.

    Parameters
    ----------
    train, test : tuple (X, y)
        ``X`` of shape (n_samples, n_features) with real, finite entries (pixels in [0, 1), spins
        +-1, ...), ``y`` integer class labels of shape (n_samples,) -- the arrays of
        :func:`nnlib.data.load_arrays`.  ``test`` must have the same number of features.
    n_labels : int, optional
        Number of classes (output neurons); default: 1 + the largest label seen.
    input_shape : tuple of int, optional
        Shape of one input as a picture, e.g. ``(28, 28)``; when given, the panel shows a strip
        of test inputs with the network's guesses after every epoch.
    label_names : sequence of str, optional
        Names of the classes for those captions, e.g. ``["T=3.0", "T=2.3", "T=1.5"]``.
    max_train, max_test : int or None
        Size of the random subsets trained on and tested on (None: all samples).
    seed : int
        Chooses the subsets and is the initial value of the *seed* control (which seeds the
        network's initial weights and mini-batch order).
    title : str
        Heading shown above the controls.
    hidden, activation, output, init, eta, epochs, mini_batch_size :
        Initial values of the controls: ``hidden`` lists the neurons per hidden layer (at most
        4 layers of at most 200); ``output`` is a key of :data:`OUTPUT_CHOICES`.  The defaults are
        the course's ``Network([n, 30, n_labels])`` with eta = 3.0 and mini-batches of 10.

    Attributes
    ----------
    widget : the whole panel (an ``ipywidgets.VBox``; displaying the object displays it);
    sizes : the layout the controls describe now, e.g. ``[784, 30, 10]``;
    history : the last run (see :meth:`train`), or None; network : its ``nnlib.Network``;
    X_train, y_train, X_test, y_test : the subsets actually used (float32 inputs, int64 labels);
    hidden_layers, neuron_sliders, activation_dropdown, output_dropdown, init_dropdown,
    eta_slider, epochs_slider, batch_slider, seed_input, train_button, stop_button, progress,
    status, curve, samples : the individual widgets, for tests and notebooks that preset them.
    """

    def __init__(self, train, test, *, n_labels=None, input_shape=None, label_names=None,
                 max_train=5000, max_test=1000, seed=0, title="Try your own layout",
                 hidden=(30,), activation="sigmoid", output="sigmoid/quadratic", init="normal",
                 eta=3.0, epochs=10, mini_batch_size=10):
        X_train, y_train = _check_pair(train, "train")
        X_test, y_test = _check_pair(test, "test")
        if X_test.shape[1] != X_train.shape[1]:
            raise ValueError("test inputs have %d features but train inputs have %d; both must "
                             "describe the same kind of input"
                             % (X_test.shape[1], X_train.shape[1]))
        n_labels = _n_labels(n_labels, {"train y": y_train, "test y": y_test})
        y_train = check_labels(y_train, n_labels, "train y")
        y_test = check_labels(y_test, n_labels, "test y")
        self.n_features, self.n_labels = X_train.shape[1], n_labels
        self.input_shape = _check_input_shape(input_shape, self.n_features)
        if label_names is not None:
            label_names = [str(s) for s in label_names]
            if len(label_names) != n_labels:
                raise ValueError("label_names needs one name per label (%d), got %d"
                                 % (n_labels, len(label_names)))
        self.label_names = label_names
        seed = check_int(seed, "seed", minimum=0)
        if not isinstance(title, str):
            raise TypeError("title must be a str, got %s" % type(title).__name__)
        initial = dict(
            hidden=_check_hidden(hidden),
            activation=check_choice(activation, ACTIVATION_CHOICES, "activation"),
            output=check_choice(output, OUTPUT_CHOICES, "output"),
            init=check_choice(init, INIT_CHOICES, "init"),
            eta=check_real(eta, "eta", 10.0 ** ETA_RANGE[0], 10.0 ** ETA_RANGE[1]),
            epochs=check_int(epochs, "epochs", 1, MAX_EPOCHS),
            mini_batch_size=check_int(mini_batch_size, "mini_batch_size", 1, MAX_MINI_BATCH),
            seed=seed)

        rng = np.random.default_rng(seed)
        self.X_train, self.y_train = _subset(X_train, y_train, max_train, "max_train", rng)
        self.X_test, self.y_test = _subset(X_test, y_test, max_test, "max_test", rng)

        self.history = self.network = self.error = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._build_widgets(title, **initial)

    @property
    def training(self):
        """True while a run is going on (started by the button or by :meth:`train`)."""
        return self._lock.locked() or (self._thread is not None and self._thread.is_alive())


    # ------------------------------------------------------------------ training
    def train(self):
        """Train a fresh network with the current settings; return the history.

        Synchronous: the Train button runs this same method in a background thread.  The
        returned (and stored) ``history`` is ``Network.SGD``'s (``train_cost``,
        ``train_accuracy``, ``test_cost``, ``test_accuracy`` per epoch, ``stop_reason``, ...;
        see ``nnlib.core.training.Run``), plus ``"epoch"`` (1, 2, ...), ``"settings"`` (see
        :meth:`settings`), ``"diverged"`` (bool) and ``"hint"`` (what to try when the run sits
        at chance, from :func:`failure_hint`, else None).  ``"stopped"`` is None after a
        complete run, else why it ended: SGD's sentence, or the Stop button.
        """
        if not self._lock.acquire(blocking=False):
            raise RuntimeError("the panel is already training; press Stop or wait for the run "
                               "to finish")
        try:
            return self._run()
        finally:
            self._lock.release()

    def stop(self):
        """Ask a running training to stop after its current epoch."""
        self._stop.set()

    def wait(self, timeout=None):
        """Wait for a run started by the button to finish; return its history.

        Re-raises an exception the run ended with (it is also shown in the status line)."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError("training still running after %s s" % timeout)
        if self.error is not None:
            raise self.error
        return self.history

    def _on_train_click(self, _button=None):
        if self.training:
            return
        self.error = None
        self._stop.clear()
        self._thread = threading.Thread(target=self._train_in_background, daemon=True,
                                        name="TrainPanel")
        self._thread.start()

    def _train_in_background(self):
        try:
            self.train()
        except Exception as err:  # shown to the student instead of lost in a thread
            self.error = err
            self.status.value = coloured("Training failed: %s: %s"
                                          % (type(err).__name__, err), RED)

    def _run(self):
        s = self.settings()
        self._stop.clear()
        net = Network(s["sizes"], seed=s["seed"], activation=s["activation"],
                      output=s["output"], cost=s["cost"], init=s["init"], dtype=np.float32)
        self.network = net
        chance = self.chance
        self.history = self._panel_history({"train_cost": [], "train_accuracy": [],
                                            "test_accuracy": [], "stop_reason": None,
                                            "stopped": None}, s, chance)
        self.progress.max, self.progress.value, self.progress.bar_style = s["epochs"], 0, "info"
        self._set_running(True)
        started = time.perf_counter()

        def after_epoch(epoch, history):
            """SGD's per-epoch hook: show what the run measured, and say whether to go on."""
            self.history = self._panel_history(history, s, chance)
            self.progress.value = epoch + 1
            self.status.value = self._status_line(
                self.history, "%.1f s" % (time.perf_counter() - started), self.history["hint"])
            self.curve.value = self._curve_svg()
            if self.input_shape is not None:
                self.samples.value = self._samples_html()
            return not self._stop.is_set()

        try:
            self.status.value = self._status_line(self.history, "starting...")
            self.curve.value = self._curve_svg()
            # SGD warns when a run diverges, attributing the warning to its caller (this
            # module); the status line explains it instead, so no warning text lands in some
            # notebook cell.  (Set per run: pytest, for one, resets the filters between tests.)
            warnings.filterwarnings("ignore", category=DivergenceWarning,
                                    module=r"nnlib\.widgets\.trainpanel$")
            with np.errstate(all="ignore"):  # overflow in a diverging network is expected
                sgd = net.SGD((self.X_train, self.y_train), s["epochs"], s["mini_batch_size"],
                              s["eta"], test_data=(self.X_test, self.y_test),
                              callback=after_epoch, verbose=False)
        finally:
            self._set_running(False)
        history = self.history = self._panel_history(sgd, s, chance)
        if history["stop_reason"] == "callback":  # the panel's callback: the Stop button
            history["stopped"] = "Stopped by the user after epoch %d." % len(history["epoch"])
        elapsed = "%.1f s" % (time.perf_counter() - started)
        if history["diverged"]:
            self.progress.bar_style = "danger"
            self.status.value = self._status_line(history, elapsed,
                                                  in_percent(history["stopped"]), RED)
        elif history["stopped"]:
            self.progress.bar_style = "warning"
            self.status.value = self._status_line(history, elapsed, in_percent(history["stopped"]))
        elif history["hint"]:
            self.progress.bar_style = "warning"
            self.status.value = self._status_line(history, elapsed + ", done", history["hint"],
                                                  RED)
        else:
            self.progress.bar_style = "success"
            self.status.value = self._status_line(history, elapsed + ", done")
        return history

    @staticmethod
    def _panel_history(sgd, settings, chance):
        """SGD's history as the panel shows it: the same lists (nothing re-measured), plus the
        epochs counted from 1, the settings, whether it diverged and a hint when it fails."""
        history = dict(sgd, epoch=list(range(1, len(sgd["train_cost"]) + 1)),
                       settings=settings, diverged=sgd["stop_reason"] == "diverged")
        history["hint"] = failure_hint(history, chance)
        return history

# ---------------------------------------------------------------------- helpers

def _check_pair(data, name):
    """(X (n, n_features), y) from a pair of arrays: X checked, y one entry per row (the
    labels themselves are checked once their number is known)."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError("%s must be a pair (X, y) of arrays, got %s"
                        % (name, type(data).__name__))
    X = check_rows(data[0], None, name + " X")
    y = np.asarray(data[1])
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError("%s has %d inputs X but %s labels y; they must match"
                         % (name, len(X), len(y) if y.ndim else "no array of"))
    return X, y


def _n_labels(n_labels, labels):
    """The number of classes: as given, or 1 + the largest label seen (``labels``: the label
    arrays by name, whose kind is checked first)."""
    for name, y in labels.items():
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            check_labels(y, 2, name)  # says what is wrong with them
    if n_labels is None:
        n_labels = 1 + max(int(y.max()) for y in labels.values())
    return check_int(n_labels, "n_labels", minimum=2)


def _check_input_shape(input_shape, n_features):
    if input_shape is None:
        return None
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    if (len(shape) != 2 or not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                                   for s in shape) or shape[0] * shape[1] != n_features):
        raise ValueError("input_shape must be a pair (rows, columns) of positive ints with "
                         "rows * columns = %d features, got %r" % (n_features, input_shape))
    return shape


def _check_hidden(hidden):
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__len__"):
        raise TypeError("hidden must be a list of neurons per hidden layer, e.g. [30], got %r"
                        % (hidden,))
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError("hidden allows at most %d hidden layers, got %r"
                         % (MAX_HIDDEN_LAYERS, list(hidden)))
    return [check_int(n, "hidden[%d]" % i, 1, MAX_NEURONS) for i, n in enumerate(hidden)]


def _subset(X, y, size, name, rng):
    """A random subset of ``size`` rows (all when None or larger), kept in the original order."""
    if size is not None:
        size = check_int(size, name, minimum=1)
    if size is None or size >= len(X):
        index = np.arange(len(X))
    else:
        index = np.sort(rng.choice(len(X), size=size, replace=False))
    return np.ascontiguousarray(X[index], dtype=np.float32), y[index]
