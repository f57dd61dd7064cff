"""``Playground``: the engine with its controls, its drawing surface and the play loop.

The page of controls is built and set from the state by ``ui``; this module holds the class, the
JSON and data loading, the play loop and the kernel's warm-up."""

import asyncio
import base64
import os
import threading
import time
from numbers import Real

from . import presets, settings, ui
from .csvdata import read_csv
from .engine import Engine
from .snapshot import snapshot_png
from .view import push_data, push_frame, readout

__all__ = ["Playground"]

# The compiled training kernel is built (or loaded from numba's cache) on its first use, which takes
# a few seconds in a fresh clone.  The first playground of a process builds it in a thread while the
# student reads; a play pressed before it is ready says "preparing..." and waits for that thread.
_WARM = threading.Event()
_WARM_LOCK = threading.Lock()
_WARM_THREAD = None
PREPARING = ("Preparing: the training kernel is being compiled (once per session, a few "
             "seconds)\u2026")


def _warm_kernel(engine):
    """Train a throwaway copy of ``engine``'s network for one epoch on a few points and draw it
    on a few grid points: this compiles every kernel a frame uses."""
    try:
        from ...core.network import Network

        output, cost = engine._net_kind()
        st = engine._state
        net = Network(engine.net.sizes, seed=0, activation=st["activation"], output=output,
                      cost=cost)
        F, T = engine.F_train[:12].copy(), engine.T_train[:12].copy()
        import numpy as np
        with np.errstate(all="ignore"):
            net.SGD((F, T), 1, 4, 0.01, momentum=0.5, warm_start=True, verbose=False)
            net.layer_outputs(engine.F_grid[:16])
            net.total_cost(F, T)
    except Exception:                       # a warm-up must never break the widget
        pass
    finally:
        _WARM.set()


def warm_up(engine):
    """Start compiling the kernel in a background thread (once per process); returns the thread
    or None when it is ready or already being built."""
    global _WARM_THREAD
    with _WARM_LOCK:
        if _WARM.is_set() or _WARM_THREAD is not None:
            return _WARM_THREAD
        _WARM_THREAD = threading.Thread(target=_warm_kernel, args=(engine,), daemon=True,
                                        name="nnlib-playground-warm-up")
        _WARM_THREAD.start()
        return _WARM_THREAD


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
        ``nnlib.core.activations`` (sigmoid, tanh, relu, linear, elu, swish).
    preset : str or None
        Start from one of the guided set-ups (``Playground.PRESETS``: key, title, settings,
        commentary); settings given as keywords override the preset's.
    hide, lock : sequences of control names (``Playground.CONTROL_NAMES``)
        Controls not shown, and controls shown but frozen (an exercise can pose one question at
        a time: e.g. ``lock=["dataset", "features"]``).  Both are part of the JSON state.
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
                 no_limits=None, preset=None, hide=(), lock=(), fps=30.0):
        given = dict(dataset=dataset, problem=problem, hidden=hidden, activation=activation,
                     learning_rate=learning_rate, momentum=momentum,
                     regularization=regularization, reg_rate=reg_rate, batch_size=batch_size,
                     noise_percent=noise_percent, train_percent=train_percent,
                     features=features, loss=loss, discretize=discretize, show_test=show_test,
                     stop_accuracy=stop_accuracy, no_limits=no_limits)
        st = dict(settings.DEFAULTS, seed=seed)
        if preset is not None:
            st.update(settings.preset_settings(preset)[0])
        st.update({k: v for k, v in given.items() if v is not None})
        st.update(hide=hide, lock=lock)
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
        ui.build_ui(self)
        self._reset_network()
        warm_up(self)

    PRESETS = presets.PRESETS
    CONTROL_NAMES = settings.CONTROL_NAMES

    def load_preset(self, key):
        """Load the guided set-up ``key`` (one of ``Playground.PRESETS``): its settings (the
        others at their defaults; the seed, ``hide`` and ``lock`` stay), at epoch 0, and its
        commentary under the menu."""
        st, _, _ = settings.preset_settings(key)
        st = dict(st, seed=self._state["seed"], hide=self._state["hide"],
                  lock=self._state["lock"])
        self._replace(settings.validate_state(st, None), None)

    def preset_note(self):
        """The commentary of the loaded preset ("" without one)."""
        key = self._state.get("preset")
        return "" if key is None else settings.preset_settings(key)[2]

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

    def _prepare(self):
        """Before the first frame: wait for the kernel's warm-up, saying so (True: go on)."""
        if _WARM.is_set():
            return None
        self._say_preparing(True)
        return warm_up(self)

    def _say_preparing(self, on):
        b = getattr(self, "play_button", None)
        if on:
            if b is not None:
                b.description, b.icon, b.button_style = "preparing\u2026", "hourglass", "info"
            self._say(PREPARING)
        else:
            if self.message == PREPARING:
                self._say("")
            self._update_play_button()

    async def _play_async(self):
        try:
            thread = self._prepare()
            if thread is not None:
                await asyncio.get_running_loop().run_in_executor(None, thread.join)
                self._say_preparing(False)
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
            thread = self._prepare()
            if thread is not None:
                thread.join()
                self._say_preparing(False)
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
    def _repr_mimebundle_(self, **kwargs):
        """The live widget's view, and beside it a PNG picture of the playground as it is
        (``snapshot.snapshot_png``) that a notebook read without a kernel shows instead."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            try:
                data["image/png"] = snapshot_png(self)
            except Exception:             # a picture must never hide the widget
                pass
        return bundle

    def _offer_download(self):
        data = base64.b64encode(self.weights_npz_bytes()).decode("ascii")
        self._download_w.value = ('<a download="playground_weights_epoch%d.npz" '
                                  'href="data:application/octet-stream;base64,%s">download the '
                                  'weights (epoch %d)</a>' % (self.epoch, data, self.epoch))

    def _sync_widgets_from_state(self):
        """Set every control to the state's value without triggering the observers."""
        ui.sync_widgets_from_state(self)

    def _say(self, text):
        self.message = text
        self._update_readout()

