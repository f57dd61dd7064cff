"""``Playground``: the engine with its controls, its drawing surface and the play loop."""

import asyncio
import base64
import html
import os
import threading
import time
from numbers import Real

from . import controls as ui
from . import handlers, settings
from .csvdata import read_csv
from .engine import Engine
from .view import PlaygroundView, push_data, push_frame, readout

__all__ = ["Playground"]


class Playground(Engine):
    """The playground widget.  Display it in a notebook (``pg`` as the last line of a cell).

    Parameters
    ----------
    data : (X, y) or None
        Your own data: X with two columns (x1, x2); y with labels +-1 or 0/1 (two classes), 3 to
        8 integer labels or class names (several classes, softmax output), or real values
        (regression).  None uses the built-in data sets.  The widget's "upload CSV" does the
        same from a file (``load_csv`` from code).
    seed : int
        Seeds the data, the train/test split, the initial weights and the mini-batch order.
    dataset, problem, hidden, activation, learning_rate, momentum, regularization, reg_rate,
    batch_size, noise_percent, train_percent, features, loss, discretize, show_test,
    stop_accuracy, no_limits :
        The controls' starting values (defaults: the original's start page: circle, hidden
        layers (4, 2), tanh, learning rate 0.03, batch size 10, noise 0 %, 50 % training data,
        features x1 and x2, square loss; momentum 0, no stopping, the original's limits of 6
        layers of 8 neurons).  ``activation`` is any hidden activation of
        ``nnlib.activations`` (sigmoid, tanh, relu, linear, elu, swish).
    fps : float
        Upper limit of frames per second while playing (one frame = one epoch + redraw).

    Attributes useful in code and tests: ``epoch``, ``train_losses``, ``test_losses``,
    ``train_accuracies``, ``test_accuracies`` (one entry per epoch, index 0 = before training),
    ``heatmap``, ``net`` (the ``nnlib.Network``), ``message``, ``diverged``, ``playing``,
    ``controls`` (dict of widgets), ``view`` (the drawing surface), ``widget`` (the whole UI).
    """

    def __init__(self, data=None, seed=0, *, dataset=None, problem=None, hidden=None,
                 activation=None, learning_rate=None, momentum=None, regularization=None,
                 reg_rate=None, batch_size=None, noise_percent=None, train_percent=None,
                 features=None, loss=None, discretize=None, show_test=None, stop_accuracy=None,
                 no_limits=None, fps=30.0):
        given = dict(dataset=dataset, problem=problem, hidden=hidden, activation=activation,
                     learning_rate=learning_rate, momentum=momentum,
                     regularization=regularization, reg_rate=reg_rate, batch_size=batch_size,
                     noise_percent=noise_percent, train_percent=train_percent,
                     features=features, loss=loss, discretize=discretize, show_test=show_test,
                     stop_accuracy=stop_accuracy, no_limits=no_limits)
        st = dict(settings.DEFAULTS, seed=seed)
        st.update({k: v for k, v in given.items() if v is not None})
        custom = None
        if data is not None:
            if not (isinstance(data, (tuple, list)) and len(data) == 2):
                raise TypeError("data must be a pair (X, y) with X of shape (n, 2) and y of "
                                "shape (n,)")
            if dataset not in (None, "custom"):
                raise ValueError("dataset=%r cannot be combined with data=(X, y)" % (dataset,))
            custom = settings.prepare_data(data[0], data[1], problem)
        if isinstance(fps, bool) or not isinstance(fps, Real) or not fps > 0:
            raise ValueError("fps must be a positive number, got %r" % (fps,))
        self.fps = float(fps)
        self._start_engine(settings.validate_state(st, custom), custom)
        self.playing, self.shown = False, None
        self._task = self._thread = None
        self._mute = 0                 # > 0 while code (not the user) sets widget values
        self._build_ui()
        self._reset_network()

    # ------------------------------------------------------------------ JSON
    @classmethod
    def from_json(cls, s, **kwargs):
        """A new playground from a string made by ``to_json``, at epoch 0; stepping replays the
        recorded changes at their epochs."""
        st, custom, events = settings.parse_json(s)
        seed = st.pop("seed", 0)
        data = None
        if custom is not None:
            st.pop("dataset", None)
            st["problem"] = custom["problem"]
            data = (custom["X"], custom["y"])
        pg = cls(data=data, seed=seed, **st, **kwargs)
        if custom is not None:
            pg._custom = custom            # keeps the class names
        if events or custom is not None:
            pg._reset_network(events)
        return pg

    def load_json(self, s):
        """Restore a state made by ``to_json`` into this widget (at epoch 0)."""
        st, custom, events = settings.parse_json(s)
        full = dict(settings.DEFAULTS, seed=0)
        full.update(st)
        if custom is None and full.get("dataset") == "custom":
            custom = self._custom
        state = settings.validate_state(full, custom)
        self._replace(state, custom, events)

    def load_csv(self, source):
        """Use the points of a CSV file (columns x1, x2, label): ``source`` is a path or the
        file's bytes.  A bad file raises ValueError and changes nothing."""
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as f:
                source = f.read()
        custom = read_csv(source)
        state = settings.validate_state(dict(self._state), custom)
        self._replace(state, custom)

    def use_dataset(self, name):
        """Go back to a built-in data set (of any problem type)."""
        problem = next(p for p in settings.PROBLEMS if name in settings.datasets_for(p))
        st = dict(self._state, dataset=name, problem=problem, loss=None)
        self._replace(settings.validate_state(st, None), None)

    def _replace(self, state, custom, events=()):
        with self._lock:
            self.pause()
            self._custom, self._state = custom, state
            self._make_data()
            self._reset_network(events)

    # ------------------------------------------------------------------ network and frames
    def _reset_network(self, pending=()):
        with self._lock:
            self.pause()
            self.shown = None
            super()._reset_network(pending)
            if hasattr(self, "view"):
                self._sync_widgets_from_state()
                push_data(self.view, self)
            self._redraw()

    def _redraw(self):
        if hasattr(self, "view"):
            push_frame(self.view, self)

    def _update_readout(self):
        self.view.readout = readout(self)

    def hover(self, column=None, i=None):
        """Show neuron ``i`` of ``column`` (0: the inputs, then the layers) in the large map, as
        the mouse on a neuron does; ``hover()`` goes back to the output."""
        shown = None
        if column is not None:
            self.neuron_map(column, i)             # checks the indices
            shown = (int(column), int(i))
        if shown != self.shown:
            self.shown = shown
            self._redraw()

    def _on_view_msg(self, _widget, content, _buffers):
        """Messages from the browser: the mouse on a neuron, a weight or bias typed in."""
        try:
            kind = content.get("type")
            if kind == "hover":
                self.hover(*(content.get("neuron") or (None, None)))
            elif kind == "set_weight":
                self.set_weight(content["layer"], content["to"], content["from"],
                                content["value"])
            elif kind == "set_bias":
                self.set_bias(content["layer"], content["to"], content["value"])
        except (ValueError, TypeError, KeyError) as exc:
            self.message = "Not changed: %s" % exc
            self._update_readout()

    # ------------------------------------------------------------------ play loop
    def play(self):
        """Train continuously (about ``fps`` epochs per second, each redrawn).  In Jupyter and
        Voila the loop is an asyncio task on the kernel's event loop, so clicks are handled
        between frames; without a running loop (a script) a thread is used instead."""
        with self._lock:
            if self.playing or self.diverged:
                return
            self.playing = True
            self._update_play_button()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._task = loop.create_task(self._play_async())
        else:
            self._thread = threading.Thread(target=self._play_thread, daemon=True)
            self._thread.start()

    def pause(self):
        """Stop playing after the current frame."""
        self.playing = False
        self._update_play_button()

    def _frame(self):
        t0 = time.perf_counter()
        ok = self.step() and self.stopped_by is None and self.playing   # the target pauses
        return ok, max(1.0 / self.fps - (time.perf_counter() - t0), 0.002)

    async def _play_async(self):
        try:
            while self.playing:
                ok, wait = self._frame()
                if not ok:
                    break
                await asyncio.sleep(wait)
        finally:
            self.playing = False
            self._update_play_button()

    def _play_thread(self):
        try:
            while self.playing:
                ok, wait = self._frame()
                if not ok:
                    break
                time.sleep(wait)
        finally:
            self.playing = False
            self._update_play_button()

    def _update_play_button(self):
        b = getattr(self, "play_button", None)
        if b is not None:
            b.description, b.icon, b.button_style = (("pause", "pause", "warning")
                                                     if self.playing
                                                     else ("play", "play", "success"))

    # ------------------------------------------------------------------ widgets
    def _build_ui(self):
        import ipywidgets as W

        c, b = ui.build_controls(), ui.build_buttons()
        self.controls, self.buttons = c, b
        self.play_button, self.step_button = b["play"], b["step"]
        self.reset_button, self.regen_button = b["reset"], b["regenerate"]
        self.view = PlaygroundView()
        self.view.on_msg(self._on_view_msg)
        self._json_w = W.Textarea(placeholder="state as JSON",
                                  layout=W.Layout(width="95%", height="70px"))
        self._download_w = W.HTML()
        self._upload_w = W.HTML()
        self._upload_w.add_class("nnpg-upload-status")
        self._speed_w = W.HTML(layout=W.Layout(max_width="560px"))
        self._speed_w.add_class("nnpg-speed-note")
        self.widget = ui.build_layout(c, b, self.view, {
            "json": self._json_w, "download": self._download_w,
            "upload_status": self._upload_w, "speed_note": self._speed_w})
        self._sync_widgets_from_state()
        handlers.connect(self)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _offer_download(self):
        data = base64.b64encode(self.weights_npz_bytes()).decode("ascii")
        self._download_w.value = ('<a download="playground_weights_epoch%d.npz" '
                                  'href="data:application/octet-stream;base64,%s">download the '
                                  'weights (epoch %d)</a>' % (self.epoch, data, self.epoch))

    def _sync_widgets_from_state(self):
        """Set every control to the state's value without triggering the observers."""
        st, c = self._state, self.controls
        max_layers, max_neurons = settings.LIMITS[st["no_limits"]]
        self._mute += 1
        try:
            custom = self._custom is not None
            builtin = settings.datasets_for(st["problem"])
            c["dataset"].options = (("custom",) + builtin) if custom else builtin
            c["dataset"].value = st["dataset"]
            c["problem"].value = st["problem"]
            c["problem"].disabled = custom
            c["noise_percent"].disabled = custom
            for key in ("noise_percent", "train_percent", "batch_size", "seed", "learning_rate",
                        "momentum", "activation", "regularization", "reg_rate", "loss",
                        "discretize", "show_test", "no_limits"):
                c[key].value = st[key]
            c["stop_accuracy"].value = st["stop_accuracy"] or 0.0
            c["loss"].disabled = st["problem"] != "classification"
            c["layers"].max = max_layers
            c["layers"].value = len(st["hidden"])
            for k, s in enumerate(c["neurons"]):
                s.max = max_neurons
                if k < len(st["hidden"]):
                    s.value = st["hidden"][k]
                s.layout.display = None if k < len(st["hidden"]) else "none"
            for name, tb in c["features"].items():
                tb.value = name in st["features"]
                tb.button_style = "info" if tb.value else ""
            self._speed_w.value = ("<small>%s</small>" % html.escape(ui.SPEED_NOTE)
                                   if st["no_limits"] else "")
        finally:
            self._mute -= 1

    def _say(self, text):
        self.message = text
        self._update_readout()

