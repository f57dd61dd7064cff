""""Try your own layout": an ipywidgets panel that trains an :class:`nnlib.Network` on arrays.

Notebooks 04 (MNIST) and 06 (Ising snapshots) end their studies with this panel, so that a
student can try a layout of their own without editing code::

    from nnlib.data import load_arrays
    from nnlib.trainpanel import TrainPanel
    train, validation, test = load_arrays()              # MNIST: 784 pixels, labels 0..9
    TrainPanel(train, test, input_shape=(28, 28))

Sliders choose the number of hidden layers and the neurons in each (one slider per hidden layer,
shown as layers are added), the hidden activation, the output layer with its cost, the
initialisation, the learning rate, the epochs, the mini-batch size and the seed.  *Train* builds a
fresh network with these settings and trains it; a progress bar, a status line and a live
learning curve (accuracy and training cost per epoch) follow the run; *Stop* ends it after the
current epoch.  A cost that turns NaN or infinite (a learning rate too large for the network) is
not an error but a lesson: training stops and the status line says what happened and what to try.

Design choices, and why:

- **A seeded random subset** of the data (``max_train``, ``max_test``) keeps one epoch well
  under a second even on the 2-core machine, so the curve moves while the student watches.
  Everything random derives from seeds: the subset from ``seed``, the network's initial weights
  and mini-batch order from the *seed* control, so the same settings replay the same history.
- **The array path** of :class:`nnlib.Network` (``train_epoch``, ``total_cost``, ``accuracy``)
  with float32 parameters: the fast code, and the same mathematics as ``SGD``.
- **Training runs in a background thread** when started by the button, so the kernel stays free
  to receive the *Stop* click and slider moves; :meth:`TrainPanel.train` is the same work run
  synchronously (tests and scripts call it directly and get the history back).
- **The learning curve is an SVG string** in an ``ipywidgets.HTML`` and the sample pictures a PNG
  made with zlib: a background thread may set a widget's value safely, whereas matplotlib is not
  thread-safe and an ``Output`` widget does not reliably capture what a thread draws.  Redrawing
  a few hundred characters per epoch is also far cheaper than redrawing a figure.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import threading
import time
import zlib
from numbers import Integral

import numpy as np

from .network import Network

__all__ = ["TrainPanel", "OUTPUT_CHOICES", "ACTIVATION_CHOICES", "INIT_CHOICES"]

#: The hidden activations offered (names as in :class:`nnlib.Network`).
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
#: Output layer and cost, as ``"output/cost"``; the first is the course's network.
OUTPUT_CHOICES = {
    "sigmoid/quadratic": "sigmoid + quadratic (course)",
    "sigmoid/cross-entropy": "sigmoid + cross-entropy",
    "softmax/cross-entropy": "softmax + cross-entropy",
}
#: Initialisations: N(0, 1) (course), N(0, 1/n_in), N(0, 2/n_in) (He, for ReLU).
INIT_CHOICES = {
    "normal": "N(0, 1) (course)",
    "scaled": "N(0, 1/n_in) (scaled)",
    "he": "N(0, 2/n_in) (He)",
}

MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 200
ETA_RANGE = (-3, 3)          # learning-rate slider from 10^-3 to 10^3
MAX_EPOCHS = 60
MAX_MINI_BATCH = 100
N_SAMPLE_PICTURES = 10

_BLUE, _ORANGE, _GREY, _RED = "#1f77b4", "#ff7f0e", "#888888", "#c62828"


class TrainPanel:
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
        Size of the random subsets trained on and tested on (None: all samples).  Small subsets
        keep an epoch short enough to watch the curve grow.
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
    widget : ipywidgets.VBox
        The whole panel (displaying the ``TrainPanel`` object displays it).
    sizes : list of int
        The layout the controls describe now, e.g. ``[784, 30, 10]``.
    history : dict or None
        The last run (see :meth:`train`).
    network : nnlib.Network or None
        The network of the last run, trained as far as it got.
    X_train, y_train, X_test, y_test : ndarray
        The subsets actually used (float32 inputs, int64 labels).
    hidden_layers, neuron_sliders, activation_dropdown, output_dropdown, init_dropdown,
    eta_slider, epochs_slider, batch_slider, seed_input, train_button, stop_button, progress,
    status, curve, samples :
        The individual widgets, for tests and for notebooks that want to preset them.
    """

    def __init__(self, train, test, *, n_labels=None, input_shape=None, label_names=None,
                 max_train=5000, max_test=1000, seed=0, title="Try your own layout",
                 hidden=(30,), activation="sigmoid", output="sigmoid/quadratic", init="normal",
                 eta=3.0, epochs=10, mini_batch_size=10):
        import ipywidgets as widgets

        X_train, y_train = _check_pair(train, "train")
        X_test, y_test = _check_pair(test, "test")
        if X_test.shape[1] != X_train.shape[1]:
            raise ValueError("test inputs have %d features but train inputs have %d; both must "
                             "describe the same kind of input"
                             % (X_test.shape[1], X_train.shape[1]))
        largest = int(max(y_train.max(), y_test.max()))
        if n_labels is None:
            n_labels = largest + 1
        n_labels = _check_int(n_labels, "n_labels", 2)
        if largest >= n_labels:
            raise ValueError("labels must lie in 0..%d for n_labels=%d, found label %d"
                             % (n_labels - 1, n_labels, largest))
        self.n_features = X_train.shape[1]
        self.n_labels = n_labels
        if input_shape is not None:
            input_shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
            if (input_shape is None or len(input_shape) != 2
                    or not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                               for s in input_shape)
                    or input_shape[0] * input_shape[1] != self.n_features):
                raise ValueError("input_shape must be a pair (rows, columns) of positive ints "
                                 "with rows * columns = %d features" % self.n_features)
        self.input_shape = input_shape
        if label_names is not None:
            label_names = [str(s) for s in label_names]
            if len(label_names) != n_labels:
                raise ValueError("label_names needs one name per label (%d), got %d"
                                 % (n_labels, len(label_names)))
        self.label_names = label_names
        seed = _check_int(seed, "seed", 0)
        if not isinstance(title, str):
            raise TypeError("title must be a str, got %s" % type(title).__name__)
        hidden = _check_hidden(hidden)
        activation = _check_choice(activation, ACTIVATION_CHOICES, "activation")
        output = _check_choice(output, tuple(OUTPUT_CHOICES), "output")
        init = _check_choice(init, tuple(INIT_CHOICES), "init")
        eta = _check_eta(eta)
        epochs = _check_int(epochs, "epochs", 1, MAX_EPOCHS)
        mini_batch_size = _check_int(mini_batch_size, "mini_batch_size", 1, MAX_MINI_BATCH)

        rng = np.random.default_rng(seed)
        self.X_train, self.y_train = _subset(X_train, y_train, max_train, "max_train", rng)
        self.X_test, self.y_test = _subset(X_test, y_test, max_test, "max_test", rng)

        self.history = None
        self.network = None
        self.error = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

        # ---- controls
        wide = widgets.Layout(width="360px")
        style = {"description_width": "130px"}
        self.hidden_layers = widgets.IntSlider(
            value=len(hidden), min=0, max=MAX_HIDDEN_LAYERS, description="hidden layers",
            style=style, layout=wide, continuous_update=False)
        self.neuron_sliders = [
            widgets.IntSlider(value=hidden[i] if i < len(hidden) else 30, min=1, max=MAX_NEURONS,
                              description="neurons in layer %d" % (i + 1), style=style,
                              layout=widgets.Layout(width="360px"), continuous_update=False)
            for i in range(MAX_HIDDEN_LAYERS)]
        self.activation_dropdown = widgets.Dropdown(
            options=list(ACTIVATION_CHOICES), value=activation, description="hidden activation",
            style=style, layout=wide)
        self.output_dropdown = widgets.Dropdown(
            options=[(label, key) for key, label in OUTPUT_CHOICES.items()], value=output,
            description="output / cost", style=style, layout=wide)
        self.init_dropdown = widgets.Dropdown(
            options=[(label, key) for key, label in INIT_CHOICES.items()], value=init,
            description="initial weights", style=style, layout=wide)
        self.eta_slider = widgets.FloatLogSlider(
            value=eta, base=10, min=ETA_RANGE[0], max=ETA_RANGE[1], step=0.1,
            description="learning rate η", readout_format=".3g", style=style, layout=wide,
            continuous_update=False)
        self.epochs_slider = widgets.IntSlider(
            value=epochs, min=1, max=MAX_EPOCHS, description="epochs", style=style, layout=wide,
            continuous_update=False)
        self.batch_slider = widgets.IntSlider(
            value=mini_batch_size, min=1, max=MAX_MINI_BATCH, description="mini-batch size",
            style=style, layout=wide, continuous_update=False)
        self.seed_input = widgets.BoundedIntText(
            value=seed, min=0, max=2**31 - 1, description="seed", style=style, layout=wide)
        self.train_button = widgets.Button(description="Train", button_style="success",
                                           icon="play", tooltip="train a fresh network")
        self.stop_button = widgets.Button(description="Stop", button_style="warning",
                                          icon="stop", disabled=True,
                                          tooltip="stop after the current epoch")
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="progress",
                                            layout=widgets.Layout(width="360px"))
        self.status = widgets.HTML()
        self.curve = widgets.HTML()
        self.samples = widgets.HTML()
        self._controls = ([self.hidden_layers] + self.neuron_sliders
                          + [self.activation_dropdown, self.output_dropdown, self.init_dropdown,
                             self.eta_slider, self.epochs_slider, self.batch_slider,
                             self.seed_input])

        self.hidden_layers.observe(self._on_layout_change, names="value")
        for slider in self.neuron_sliders:
            slider.observe(self._on_layout_change, names="value")
        self.epochs_slider.observe(self._on_epochs_change, names="value")
        self.train_button.on_click(self._on_train_click)
        self.stop_button.on_click(lambda _button: self.stop())

        data_line = ("%d training and %d test samples (random subsets), %d features, %d classes"
                     % (len(self.X_train), len(self.X_test), self.n_features, self.n_labels))
        header = widgets.HTML("<h3 style='margin:4px 0'>%s</h3><div style='color:#555'>%s</div>"
                              % (html.escape(title), html.escape(data_line)))
        self.widget = widgets.VBox([
            header,
            widgets.HBox([
                widgets.VBox([self.hidden_layers] + self.neuron_sliders),
                widgets.VBox([self.activation_dropdown, self.output_dropdown,
                              self.init_dropdown]),
                widgets.VBox([self.eta_slider, self.epochs_slider, self.batch_slider,
                              self.seed_input]),
            ], layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.train_button, self.stop_button, self.progress]),
            self.status, self.curve, self.samples,
        ])
        self._on_layout_change()
        self.curve.value = self._curve_svg()

    # ------------------------------------------------------------------ what the controls say
    @property
    def hidden(self):
        """Neurons per hidden layer, as chosen by the sliders (only the visible ones count)."""
        return [s.value for s in self.neuron_sliders[:self.hidden_layers.value]]

    @property
    def sizes(self):
        """The layout: inputs, the hidden layers, one output neuron per class."""
        return [self.n_features] + self.hidden + [self.n_labels]

    def settings(self):
        """The training settings the controls hold now, as a plain dict (recorded in history)."""
        output, cost = self.output_dropdown.value.split("/")
        return {"sizes": self.sizes, "activation": self.activation_dropdown.value,
                "output": output, "cost": cost, "init": self.init_dropdown.value,
                "eta": float(self.eta_slider.value), "epochs": int(self.epochs_slider.value),
                "mini_batch_size": int(self.batch_slider.value),
                "seed": int(self.seed_input.value)}

    @property
    def training(self):
        """True while a run is going on (started by the button or by :meth:`train`)."""
        return self._lock.locked() or (self._thread is not None and self._thread.is_alive())

    # ------------------------------------------------------------------ training
    def train(self):
        """Train a fresh network with the current settings; return the history.

        Synchronous: the Train button runs this same method in a background thread.  The
        returned (and stored) ``history`` holds per-epoch lists ``"epoch"`` (1, 2, ...),
        ``"train_cost"`` (mean cost per sample on the training subset after the epoch),
        ``"train_accuracy"`` and ``"test_accuracy"`` (fractions), plus ``"settings"`` (see
        :meth:`settings`), ``"stopped"`` (None after a complete run, else why it ended: the
        Stop button, or a cost that became NaN/infinite) and ``"diverged"`` (bool).
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
            self.status.value = _status_html("Training failed: %s: %s"
                                             % (type(err).__name__, err), colour=_RED)

    def _run(self):
        s = self.settings()
        self._stop.clear()
        net = Network(s["sizes"], seed=s["seed"], activation=s["activation"],
                      output=s["output"], cost=s["cost"], init=s["init"], dtype=np.float32)
        self.network = net
        history = {"epoch": [], "train_cost": [], "train_accuracy": [], "test_accuracy": [],
                   "settings": s, "stopped": None, "diverged": False}
        self.history = history
        self.progress.max = s["epochs"]
        self.progress.value = 0
        self.progress.bar_style = "info"
        self._set_running(True)
        started = time.perf_counter()
        try:
            self.status.value = self._status_line(history, "starting...")
            self.curve.value = self._curve_svg()
            for epoch in range(1, s["epochs"] + 1):
                if self._stop.is_set():
                    history["stopped"] = "Stopped by the user after epoch %d." % (epoch - 1)
                    break
                # Overflow inside a diverging network is expected and reported below, so numpy
                # need not warn about it on the way.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore",
                                 under="ignore"):
                    net.train_epoch(self.X_train, self.y_train, s["mini_batch_size"], s["eta"])
                    cost = net.total_cost(self.X_train, self.y_train)
                    finite = math.isfinite(cost) and all(
                        np.all(np.isfinite(p)) for p in net.weights + net.biases)
                    if finite:
                        train_acc = net.accuracy(self.X_train, self.y_train)
                        test_acc = net.accuracy(self.X_test, self.y_test)
                if not finite:
                    history["diverged"] = True
                    history["stopped"] = (
                        "Diverged in epoch %d: the training cost became %s. The learning rate "
                        "η = %.3g is too large for this network, so the steps overshoot and "
                        "grow without bound. Try a smaller η, e.g. %.3g."
                        % (epoch, "NaN" if math.isnan(cost) else cost, s["eta"], s["eta"] / 10))
                    break
                history["epoch"].append(epoch)
                history["train_cost"].append(float(cost))
                history["train_accuracy"].append(float(train_acc))
                history["test_accuracy"].append(float(test_acc))
                self.progress.value = epoch
                self.status.value = self._status_line(
                    history, "%.1f s" % (time.perf_counter() - started))
                self.curve.value = self._curve_svg()
                if self.input_shape is not None:
                    self.samples.value = self._samples_html()
        finally:
            self._set_running(False)
        elapsed = "%.1f s" % (time.perf_counter() - started)
        if history["diverged"]:
            self.progress.bar_style = "danger"
            self.status.value = self._status_line(history, elapsed, history["stopped"], _RED)
        elif history["stopped"]:
            self.progress.bar_style = "warning"
            self.status.value = self._status_line(history, elapsed, history["stopped"])
        else:
            self.progress.bar_style = "success"
            self.status.value = self._status_line(history, elapsed + ", done")
        return history

    def _set_running(self, running):
        for control in self._controls:
            control.disabled = running
        self.train_button.disabled = running
        self.stop_button.disabled = not running

    # ------------------------------------------------------------------ reactions
    def _on_layout_change(self, _change=None):
        n = self.hidden_layers.value
        for i, slider in enumerate(self.neuron_sliders):
            slider.layout.display = "" if i < n else "none"
        if not self._lock.locked():
            note = "press Train"
            h = self.history
            if h is not None and h["epoch"]:
                note += " (last run %s: test accuracy %.1f %%)" % (
                    h["settings"]["sizes"], 100 * h["test_accuracy"][-1])
            self.status.value = self._status_line(None, note)

    def _on_epochs_change(self, change):
        if not self._lock.locked():
            self.progress.max = change["new"]
            self.progress.value = 0
            self.progress.bar_style = ""

    # ------------------------------------------------------------------ display
    def display(self):
        """Show the panel in the notebook (same as leaving the object last in a cell)."""
        from IPython.display import display
        display(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return "TrainPanel(sizes=%r, %d training / %d test samples)" % (
            self.sizes, len(self.X_train), len(self.X_test))

    # ------------------------------------------------------------------ drawing
    def _status_line(self, history, note, message=None, colour=None):
        """The layout of ``history``'s run (or of the sliders when None) and its latest numbers."""
        sizes = history["settings"]["sizes"] if history is not None else self.sizes
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        parts = ["layout <b>%s</b>" % html.escape(str(sizes)), "%d parameters" % n_params]
        if history is not None and history["epoch"]:
            parts.append("epoch %d/%d" % (history["epoch"][-1], history["settings"]["epochs"]))
            parts.append("test accuracy <b>%.1f %%</b>" % (100 * history["test_accuracy"][-1]))
            parts.append("training accuracy %.1f %%" % (100 * history["train_accuracy"][-1]))
            parts.append("training cost %.4g" % history["train_cost"][-1])
        if note:
            parts.append(html.escape(note))
        line = " · ".join(parts)
        if message:
            line += "<br>" + _status_html(message, colour)
        return "<div style='font-family:sans-serif;font-size:13px'>%s</div>" % line

    def _curve_svg(self):
        """Two small charts: accuracy (test and training, %) and training cost, per epoch."""
        h = self.history
        epochs = h["settings"]["epochs"] if h else self.epochs_slider.value
        ep = h["epoch"] if h else []
        chance = 100.0 / self.n_labels
        left = _svg_chart(
            "accuracy", "epoch", "accuracy (%)", epochs, [0, 25, 50, 75, 100],
            [("test_accuracy", "test", [100 * a for a in h["test_accuracy"]] if h else [],
              _BLUE, None),
             ("train_accuracy", "training", [100 * a for a in h["train_accuracy"]] if h else [],
              _ORANGE, "5,3")],
            ep, reference=(chance, "chance %.0f %%" % chance))
        costs = h["train_cost"] if h else []
        top = max(costs) if costs else 0.0
        right = _svg_chart(
            "training cost", "epoch", "cost per sample", epochs,
            _nice_ticks(top) if top > 0 else [0, 0.25, 0.5, 0.75, 1],
            [("train_cost", "training", list(costs), _ORANGE, None)], ep)
        return "<div style='display:flex;flex-wrap:wrap;gap:8px'>%s%s</div>" % (left, right)

    def _samples_html(self):
        """The first test inputs drawn as pictures, captioned 'guess (true)', wrong ones red."""
        n = min(N_SAMPLE_PICTURES, len(self.X_test))
        X = self.X_test[:n]
        with np.errstate(over="ignore", invalid="ignore"):
            guesses = np.argmax(self.network.predict(X), axis=1)
        rows, cols = self.input_shape
        name = (lambda k: self.label_names[k]) if self.label_names else str
        cells = []
        for x, guess, true in zip(X, guesses, self.y_test[:n]):
            img = x.reshape(rows, cols).astype(np.float64)
            lo, hi = float(img.min()), float(img.max())
            grey = np.zeros_like(img) if hi == lo else (img - lo) / (hi - lo)
            png = _png_gray((255 * (1 - grey)).round().astype(np.uint8))  # dark = large
            colour = "#222" if guess == true else _RED
            cells.append(
                "<div style='text-align:center;font-size:11px;color:%s'>"
                "<img src='data:image/png;base64,%s' width='%d' height='%d' "
                "style='image-rendering:pixelated;border:1px solid #ccc'><br>%s (%s)</div>"
                % (colour, base64.b64encode(png).decode("ascii"), 2 * cols, 2 * rows,
                   html.escape(name(int(guess))), html.escape(name(int(true)))))
        return ("<div style='font-size:12px;color:#555'>test inputs: the network's guess "
                "(true label)</div><div style='display:flex;gap:6px;flex-wrap:wrap'>%s</div>"
                % "".join(cells))


# ---------------------------------------------------------------------- helpers

def _status_html(message, colour=None):
    return "<span style='color:%s'>%s</span>" % (colour or "#8a6d00", html.escape(message))


def _nice_ticks(hi):
    """Ticks 0, d, 2d, ... with d = 1, 2 or 5 times a power of ten, the last one >= hi."""
    raw = hi / 4
    power = 10.0 ** math.floor(math.log10(raw))
    d = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [d * k for k in range(int(math.ceil(hi / d - 1e-9)) + 1)]


def _svg_chart(title, xlabel, ylabel, epochs, ticks, series, epoch_values, reference=None):
    """A line chart as an SVG string; each series is (key, label, values, colour, dasharray).

    ``ticks`` are the y ticks (the first and last set the range).  Every polyline carries
    ``data-series="key"`` so that tests can read the plotted points."""
    width, height = 330, 220
    x0, x1, y0, y1 = 62, width - 12, 40, height - 40
    lo, hi = ticks[0], ticks[-1]
    x_of = lambda e: x0 + (x1 - x0) * e / max(epochs, 1)
    y_of = lambda v: y1 - (y1 - y0) * (min(max(v, lo), hi) - lo) / (hi - lo)
    dashed = lambda dash: ' stroke-dasharray="%s"' % dash if dash else ""
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<text x="%d" y="15" text-anchor="middle" font-size="13">%s</text>'
           % ((x0 + x1) // 2, html.escape(title)),
           '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>'
           % (x0, y0, x1 - x0, y1 - y0)]
    for v in ticks:                                       # y ticks
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>'
                   % (x0, x1, y_of(v), y_of(v)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                   % (x0 - 4, y_of(v) + 4, "%.4g" % v))
    step = max(1, int(math.ceil(epochs / 6)))
    for e in range(0, epochs + 1, step):                  # x ticks
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x_of(e), y1 + 14, e))
    out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>'
               % ((x0 + x1) // 2, height - 8, html.escape(xlabel)))
    out.append('<text x="12" y="%d" text-anchor="middle" transform="rotate(-90 12 %d)">%s</text>'
               % ((y0 + y1) // 2, (y0 + y1) // 2, html.escape(ylabel)))
    if reference is not None:
        value, label = reference
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="2,3"/>'
                   % (x0, x1, y_of(value), y_of(value), _GREY))
        out.append('<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>'
                   % (x1 - 3, y_of(value) - 3, _GREY, html.escape(label)))
    lx = x0
    for key, label, values, colour, dash in series:
        points = " ".join("%.1f,%.1f" % (x_of(e), y_of(v)) for e, v in zip(epoch_values, values))
        out.append('<polyline data-series="%s" points="%s" fill="none" stroke="%s" '
                   'stroke-width="2"%s/>' % (key, points, colour, dashed(dash)))
        if len(values) == 1:                              # a single point still shows
            out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>'
                       % (x_of(epoch_values[0]), y_of(values[0]), colour))
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                   % (lx, lx + 18, y0 - 10, y0 - 10, colour, dashed(dash)))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 22, y0 - 6, html.escape(label)))
        lx += 30 + 7 * len(label)
    out.append("</svg>")
    return "".join(out)


def _png_gray(img):
    """Encode a 2-D uint8 array as a greyscale PNG (zlib and the PNG chunk format only)."""
    rows, cols = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(rows))  # filter type 0 per row

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def _check_pair(data, name):
    """(X float32 (n, n_features), y int64 (n,)) from a pair of arrays, with clear errors."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError("%s must be a pair (X, y) of arrays, got %s"
                        % (name, type(data).__name__))
    X, y = np.asarray(data[0]), np.asarray(data[1])
    if X.ndim != 2:
        raise ValueError("%s X must be 2-D (n_samples, n_features), one sample per row, got "
                         "shape %s" % (name, X.shape))
    if X.dtype == bool or not np.issubdtype(X.dtype, np.number) \
            or np.issubdtype(X.dtype, np.complexfloating):
        raise TypeError("%s X must hold real numbers, got dtype %s" % (name, X.dtype))
    if y.ndim != 1:
        raise ValueError("%s y must be 1-D integer labels (n_samples,), got shape %s"
                         % (name, y.shape))
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise TypeError("%s y must be integer class labels, got dtype %s (one-hot targets or "
                        "float labels: convert with argmax or .astype(int) first)"
                        % (name, y.dtype))
    if len(X) != len(y):
        raise ValueError("%s has %d inputs X but %d labels y; they must match"
                         % (name, len(X), len(y)))
    if len(X) == 0 or X.shape[1] == 0:
        raise ValueError("%s is empty: X has shape %s" % (name, X.shape))
    if not np.all(np.isfinite(X)):
        raise ValueError("%s X contains NaN or infinite values" % name)
    if y.min() < 0:
        raise ValueError("%s y must be labels 0, 1, 2, ..., found %d" % (name, y.min()))
    return X, y.astype(np.int64)


def _subset(X, y, size, name, rng):
    """A random subset of ``size`` rows (all when None or larger), kept in the original order."""
    if size is not None:
        size = _check_int(size, name, 1)
    if size is None or size >= len(X):
        index = np.arange(len(X))
    else:
        index = np.sort(rng.choice(len(X), size=size, replace=False))
    return np.ascontiguousarray(X[index], dtype=np.float32), y[index]


def _check_int(value, name, minimum, maximum=None):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError("%s must be an int, got %r" % (name, value))
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError("%s must be an int in %s, got %r"
                         % (name, ">= %d" % minimum if maximum is None
                            else "%d..%d" % (minimum, maximum), value))
    return int(value)


def _check_hidden(hidden):
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__len__"):
        raise TypeError("hidden must be a list of neurons per hidden layer, e.g. [30], got %r"
                        % (hidden,))
    hidden = list(hidden)
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError("hidden allows at most %d hidden layers, got %r"
                         % (MAX_HIDDEN_LAYERS, hidden))
    return [_check_int(n, "hidden[%d]" % i, 1, MAX_NEURONS) for i, n in enumerate(hidden)]


def _check_choice(value, choices, name):
    if value not in choices:
        raise ValueError("%s must be one of %s, got %r" % (name, list(choices), value))
    return value


def _check_eta(eta):
    if isinstance(eta, bool) or not isinstance(eta, (Integral, float)) or not math.isfinite(eta):
        raise TypeError("eta must be a finite number, got %r" % (eta,))
    lo, hi = 10.0 ** ETA_RANGE[0], 10.0 ** ETA_RANGE[1]
    if not lo <= eta <= hi:
        raise ValueError("eta must lie in [%g, %g] (the slider's range), got %r" % (lo, hi, eta))
    return float(eta)
