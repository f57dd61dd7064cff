"""A TensorFlow-Playground-like neural-network playground in Jupyter, built with ipywidgets.

Exercise 11.1 of the course sends students to playground.tensorflow.org.  This module rebuilds
that playground inside the course so that it runs offline, trains an :class:`nnlib.Network`
(the same code the later notebooks use) and adds what the original lacks: an accuracy readout,
cross-entropy loss, a divergence guard, a seed, the whole state as a JSON string, weight export
and your own data.

Semantics follow the original (its ``playground.ts`` and ``nn.ts``):

* one "step" is one epoch: one pass over the training data in mini-batches;
* classification: tanh output compared with labels +-1 under the square loss 1/2 (a - y)^2
  (the "loss" shown is its mean over the points); regression: linear output;
* weights start uniform in [-0.5, 0.5] and biases at 0.1;
* regularisation (L1 or L2) with rate r moves every weight by eta * r * dR/dw after each
  mini-batch;
* changing the learning rate keeps training where it is; changing any other control rebuilds the
  network (and the data, for data controls) and sets the epoch counter back to 0;
* "show test data" and "discretize output" only change the picture.

Everything random (data, train/test split, initial weights, mini-batch order) derives from the one
``seed``, so a state saved with :meth:`Playground.to_json` replays identically.

Drawing is done without matplotlib figures (too slow to re-create 30 times a second): the decision
map is a numpy RGB array encoded to PNG with zlib (:func:`png_bytes`) and shown in an
``ipywidgets.Image``; the network is an SVG string (links with width ~ |w| and colour by sign,
a small PNG heatmap inside every neuron) in an ``ipywidgets.HTML``; the loss curve is a small SVG.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import json
import numbers
import os
import struct
import threading
import time
import zlib

import numpy as np

from . import toydata
from .data import atomic_write
from .network import Network

__all__ = ["Playground", "png_bytes", "colorize", "LEARNING_RATES", "REGULARIZATION_RATES"]

#: The eleven learning rates of the original's drop-down.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: The original's regularisation rates.
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
LOSSES = ("square", "cross-entropy")
PROBLEMS = ("classification", "regression")
MAX_LAYERS = 6
MAX_NEURONS = 8
DENSITY = 100          # the decision map is evaluated on a DENSITY x DENSITY grid (as the original)
HEATMAP_PX = 300       # size of the shown decision map (bilinear upsampling of the grid)
THUMB = 20             # per-neuron heatmaps: the grid averaged down to THUMB x THUMB
STATE_VERSION = 1

# The original's colour scale: -1 orange, 0 light grey, +1 blue (clamped).
_C_NEG = np.array([245.0, 147.0, 34.0])
_C_MID = np.array([232.0, 234.0, 235.0])
_C_POS = np.array([8.0, 119.0, 189.0])

_DEFAULTS = dict(
    dataset="circle", problem=None, hidden=(4, 2), activation="tanh", learning_rate=0.03,
    regularization="none", reg_rate=0.0, batch_size=10, noise_percent=0, train_percent=50,
    features=("x1", "x2"), loss="square", discretize=False, show_test=False,
)


# ------------------------------------------------------------------------------------------------
# Small drawing helpers (module level so that they can be tested on their own)
# ------------------------------------------------------------------------------------------------
def _colour_table(levels=511):
    t = np.linspace(-1.0, 1.0, levels)[:, None]
    rgb = _C_MID + np.where(t < 0, (_C_MID - _C_NEG) * t, (_C_POS - _C_MID) * t)
    return np.rint(rgb).astype(np.uint8)


_LUT = _colour_table()


def _colour_index(values):
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        idx = np.rint((np.clip(v, -1.0, 1.0) + 1.0) * ((len(_LUT) - 1) / 2.0))
    return np.where(np.isnan(idx), (len(_LUT) - 1) // 2, idx).astype(np.intp)


def colorize(values):
    """Map values to RGB uint8 with the original's scale (-1 orange, 0 grey, +1 blue), clamped.

    A lookup table with 511 steps (the original uses 30): a table lookup is ~5x faster than
    interpolating each channel, which matters for the 300 x 300 map drawn every frame.
    NaN is drawn as the middle grey.
    """
    return _LUT[_colour_index(values)]


_HEX = ["#%02x%02x%02x" % tuple(int(c) for c in rgb) for rgb in _LUT]


def _hex_colours(values):
    """SVG colour strings for an array of values (same scale as :func:`colorize`)."""
    idx = _colour_index(values)
    return np.array(_HEX, dtype=object)[idx] if idx.ndim else _HEX[int(idx)]


def png_bytes(rgb, level=1):
    """Encode an (h, w, 3) uint8 array as a PNG file (8-bit truecolour, no filter).

    Why hand-made: it is a dozen lines with zlib, needs no figure, and takes about a millisecond
    for the 300 x 300 decision map, so a frame stays cheap.
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must have shape (h, w, 3), got {rgb.shape}")
    h, w, _ = rgb.shape
    raw = np.empty((h, 1 + 3 * w), dtype=np.uint8)
    raw[:, 0] = 0                                   # filter type "None" for every row
    raw[:, 1:] = rgb.reshape(h, 3 * w)

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), level))
            + chunk(b"IEND", b""))


def _data_uri(rgb):
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")


def _bilinear_weights(n_out, n_in):
    """Where each of n_out pixels falls between the n_in grid values: (lo, hi, fraction)."""
    pos = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    pos = np.clip(pos, 0, n_in - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, pos - lo


def _upsample(values, n_out):
    """Bilinear resampling of a square grid to n_out x n_out pixels.

    Done with gathers and elementwise arithmetic on purpose: the equivalent matrix products go
    to a multithreaded BLAS, which on a busy two-core machine (another notebook, the browser)
    can take ten times longer than the arithmetic itself.
    """
    lo, hi, f = _bilinear_weights(n_out, values.shape[0])
    rows = values[lo] * (1 - f)[:, None] + values[hi] * f[:, None]
    return rows[:, lo] * (1 - f)[None, :] + rows[:, hi] * f[None, :]


def _dense(a, w, b):
    """z = a w^T + b for rows a (n, n_in).

    np.einsum without ``optimize`` runs its own C loop instead of a multithreaded BLAS, which on
    a busy two-core machine is several times faster for these thin (10000 x 8) products.
    """
    return np.einsum("ni,ji->nj", a, w) + np.asarray(b).reshape(1, -1)


_ACT = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
}


def _atomic_write_bytes(path, data):
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return os.fspath(path)


# ------------------------------------------------------------------------------------------------
# Validation of the state
# ------------------------------------------------------------------------------------------------
def _int_in(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int in [{lo}, {hi}], got {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
    return int(value)


def _choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def _rate_in(name, value, options):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, one of {options}, got {type(value).__name__}")
    for opt in options:
        if np.isclose(float(value), opt, rtol=1e-9, atol=1e-15):
            return opt
    raise ValueError(f"{name} must be one of {options} (the original's values), got {value}")


def _validate_state(st, custom):
    """Check and normalise a state dict (raises ValueError/TypeError naming the key)."""
    out = {}
    if custom:
        out["dataset"] = "custom"
        out["problem"] = _choice("problem", st["problem"], PROBLEMS)
    else:
        out["dataset"] = _choice("dataset", st["dataset"], toydata.DATASETS)
        implied = ("classification" if out["dataset"] in toydata.CLASSIFICATION_DATASETS
                   else "regression")
        problem = st.get("problem") or implied
        _choice("problem", problem, PROBLEMS)
        if problem != implied:
            raise ValueError(f"problem={problem!r} does not fit dataset={out['dataset']!r} "
                             f"(a {implied} data set)")
        out["problem"] = problem
    hidden = st["hidden"]
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__len__"):
        raise TypeError(f"hidden must be a sequence of neuron counts, e.g. (4, 2), got {hidden!r}")
    if len(hidden) > MAX_LAYERS:
        raise ValueError(f"hidden must have at most {MAX_LAYERS} layers, got {len(hidden)}")
    out["hidden"] = [_int_in("hidden[%d]" % k, h, 1, MAX_NEURONS) for k, h in enumerate(hidden)]
    out["activation"] = _choice("activation", st["activation"], ACTIVATIONS)
    out["learning_rate"] = _rate_in("learning_rate", st["learning_rate"], LEARNING_RATES)
    out["regularization"] = _choice("regularization", st["regularization"], REGULARIZATIONS)
    out["reg_rate"] = _rate_in("reg_rate", st["reg_rate"], REGULARIZATION_RATES)
    out["batch_size"] = _int_in("batch_size", st["batch_size"], 1, 30)
    out["noise_percent"] = _int_in("noise_percent", st["noise_percent"], 0, 50)
    out["train_percent"] = _int_in("train_percent", st["train_percent"], 10, 90)
    feats = st["features"]
    if isinstance(feats, str) or not hasattr(feats, "__iter__"):
        raise TypeError(f"features must be a sequence of names from {toydata.FEATURES}, got {feats!r}")
    feats = list(feats)
    bad = [f for f in feats if f not in toydata.FEATURES]
    if bad or not feats:
        raise ValueError(f"features must be a non-empty subset of {toydata.FEATURES}, got {feats}")
    out["features"] = [f for f in toydata.FEATURES if f in feats]      # canonical order
    out["loss"] = _choice("loss", st["loss"], LOSSES)
    if out["loss"] == "cross-entropy" and out["problem"] != "classification":
        raise ValueError("loss='cross-entropy' needs problem='classification' (labels +-1)")
    for key in ("discretize", "show_test"):
        if not isinstance(st[key], (bool, np.bool_)):
            raise TypeError(f"{key} must be True or False, got {st[key]!r}")
        out[key] = bool(st[key])
    out["seed"] = _int_in("seed", st["seed"], 0, 2**31 - 1)
    return out


def _check_custom_data(data):
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError("data must be a pair (X, y) with X of shape (n, 2) and y of shape (n,)")
    X = np.asarray(data[0], dtype=np.float64)
    y = np.asarray(data[1], dtype=np.float64).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"data: X must have shape (n, 2) (two input columns x1, x2), got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"data: y must have one value per row of X ({X.shape[0]}), got {y.shape[0]}")
    if X.shape[0] < 4:
        raise ValueError(f"data: need at least 4 points (to split into training and test), got {X.shape[0]}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("data: X and y must be finite (no NaN or inf)")
    values = set(np.unique(y).tolist())
    if values <= {-1.0, 1.0}:
        problem = "classification"
    elif values <= {0.0, 1.0}:
        y = 2.0 * y - 1.0                 # 0/1 labels -> the playground's -1/+1
        problem = "classification"
    else:
        problem = "regression"
    return X.copy(), y, problem


# ------------------------------------------------------------------------------------------------
class Playground:
    """The playground widget.  Display it in a notebook (``pg`` as the last line of a cell).

    Parameters
    ----------
    data : (X, y) or None
        Your own data: X with two columns (x1, x2), y with labels +-1 (or 0/1) for classification
        or real values for regression.  None uses the built-in data sets.
    seed : int
        Seeds the data, the train/test split, the initial weights and the mini-batch order.
    dataset, problem, hidden, activation, learning_rate, regularization, reg_rate, batch_size,
    noise_percent, train_percent, features, loss, discretize, show_test :
        The controls' starting values (defaults: the original's start page: circle, hidden
        layers (4, 2), tanh, learning rate 0.03, batch size 10, noise 0 %, 50 % training data,
        features x1 and x2, square loss).
    fps : float
        Upper limit of frames per second while playing (one frame = one epoch + redraw).

    Attributes useful in code and tests: ``epoch``, ``train_losses``, ``test_losses``,
    ``train_accuracies``, ``test_accuracies`` (one entry per epoch, index 0 = before training),
    ``heatmap`` (output on the DENSITY x DENSITY grid, row 0 at x2 = +domain), ``diagram_svg``,
    ``net`` (the :class:`nnlib.Network`), ``message`` (shown under the map; set on divergence),
    ``diverged``, ``playing``, ``controls`` (dict of widgets), ``widget`` (the whole UI).
    """

    def __init__(self, data=None, seed=0, *, dataset=None, problem=None, hidden=None,
                 activation=None, learning_rate=None, regularization=None, reg_rate=None,
                 batch_size=None, noise_percent=None, train_percent=None, features=None,
                 loss=None, discretize=None, show_test=None, fps=30.0):
        given = dict(dataset=dataset, problem=problem, hidden=hidden, activation=activation,
                     learning_rate=learning_rate, regularization=regularization,
                     reg_rate=reg_rate, batch_size=batch_size, noise_percent=noise_percent,
                     train_percent=train_percent, features=features, loss=loss,
                     discretize=discretize, show_test=show_test)
        st = dict(_DEFAULTS)
        st.update({k: v for k, v in given.items() if v is not None})
        st["seed"] = seed
        self._custom = None
        if data is not None:
            X, y, inferred = _check_custom_data(data)
            self._custom = (X, y)
            if dataset not in (None, "custom"):
                raise ValueError(f"dataset={dataset!r} cannot be combined with data=(X, y)")
            if st.get("problem") is None:
                st["problem"] = inferred
            if st["problem"] == "classification" and inferred != "classification":
                raise ValueError("data: problem='classification' needs labels +-1 (or 0/1)")
        if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not fps > 0:
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        self.fps = float(fps)
        self._state = _validate_state(st, custom=self._custom is not None)
        self._lock = threading.RLock()
        self._mute = 0                 # > 0 while code (not the user) sets widget values
        self._task = None
        self._thread = None
        self.playing = False
        self.diverged = False
        self.message = ""
        self._make_data()
        self._build_ui()
        self._reset_network()

    # -------------------------------------------------------------------------------- state
    @property
    def state(self):
        """A copy of the current settings (what :meth:`to_json` saves, without custom data)."""
        st = dict(self._state)
        st["hidden"] = list(st["hidden"])
        st["features"] = list(st["features"])
        return st

    def to_json(self):
        """The whole state (data set, features, layout, hyper-parameters, seed) as a JSON string.

        With your own data the points themselves are included, so the string alone restores the
        playground.  Trained weights are not part of it (the seed reproduces the training; use
        :meth:`export_weights` for the weights).
        """
        st = self.state
        st["version"] = STATE_VERSION
        if self._custom is not None:
            st["data"] = {"X": self._custom[0].tolist(), "y": self._custom[1].tolist()}
        return json.dumps(st, sort_keys=True)

    @staticmethod
    def _parse_json(s):
        if not isinstance(s, (str, bytes)):
            raise TypeError(f"s must be a JSON string, got {type(s).__name__}")
        try:
            st = json.loads(s)
        except json.JSONDecodeError as exc:
            raise ValueError(f"s is not valid JSON: {exc}") from None
        if not isinstance(st, dict):
            raise ValueError("s must hold a JSON object with the playground's state")
        version = st.pop("version", STATE_VERSION)
        if version != STATE_VERSION:
            raise ValueError(f"state version {version} is not supported (expected {STATE_VERSION})")
        data = st.pop("data", None)
        if data is not None:
            if not (isinstance(data, dict) and {"X", "y"} <= set(data)):
                raise ValueError('s: "data" must be an object {"X": [[x1, x2], ...], "y": [...]}')
            data = (np.asarray(data["X"], dtype=float), np.asarray(data["y"], dtype=float))
        unknown = set(st) - set(_DEFAULTS) - {"seed"}
        if unknown:
            raise ValueError(f"unknown key(s) in the state: {sorted(unknown)}")
        return st, data

    @classmethod
    def from_json(cls, s, **kwargs):
        """A new playground from a string made by :meth:`to_json`."""
        st, data = cls._parse_json(s)
        seed = st.pop("seed", 0)
        if data is not None:
            st.pop("dataset", None)
        return cls(data=data, seed=seed, **st, **kwargs)

    def load_json(self, s):
        """Restore the state from a string made by :meth:`to_json` into this widget (resets it)."""
        st, data = self._parse_json(s)
        full = dict(_DEFAULTS)
        full["seed"] = 0
        full.update(st)
        custom = self._custom
        if data is not None:
            X, y, inferred = _check_custom_data(data)
            custom = (X, y)
            if full.get("problem") is None:
                full["problem"] = inferred
        elif full.get("dataset") != "custom":
            custom = None
        new_state = _validate_state(full, custom=custom is not None)
        with self._lock:
            self.pause()
            self._custom = custom
            self._state = new_state
            self._make_data()
            self._sync_widgets_from_state()
            self._reset_network()

    # -------------------------------------------------------------------------------- data
    def _seed(self, k):
        """Independent integer seeds for the parts of the playground, all from the one seed."""
        return int(np.random.SeedSequence([self._state["seed"], k]).generate_state(1)[0])

    def _make_data(self):
        st = self._state
        if self._custom is not None:
            X, y = self._custom
            lim = float(np.max(np.abs(X)))
            self.domain = max(6.0, float(np.ceil(lim * 1.05)))
        else:
            X, y = toydata.make_dataset(st["dataset"], noise=st["noise_percent"] / 100.0,
                                        seed=self._seed(0))
            self.domain = 6.0
        self.X_train, self.y_train, self.X_test, self.y_test = toydata.split(
            X, y, st["train_percent"] / 100.0, seed=self._seed(1))
        d = self.domain
        xs = np.linspace(-d, d, DENSITY)
        g1, g2 = np.meshgrid(xs, xs[::-1])                # row 0 is the top: x2 = +d
        self.grid = np.column_stack([g1.ravel(), g2.ravel()])
        self._points_layer = None

    def _features_changed(self):
        feats = self._state["features"]
        self.F_train = toydata.features(self.X_train, feats)
        self.F_test = toydata.features(self.X_test, feats)
        self.F_grid = toydata.features(self.grid, feats)

    # -------------------------------------------------------------------------------- network
    def _net_kind(self):
        """(output activation, Network cost) for the current problem type and loss."""
        st = self._state
        if st["problem"] == "regression":
            return "linear", "quadratic"
        if st["loss"] == "cross-entropy":
            return "sigmoid", "cross-entropy"        # targets (y + 1) / 2 in {0, 1}
        return "tanh", "quadratic"

    def _targets(self, y):
        if self._state["problem"] == "classification" and self._state["loss"] == "cross-entropy":
            return ((y + 1.0) / 2.0).reshape(-1, 1)
        return y.reshape(-1, 1)

    def _reset_network(self):
        """Build a fresh network (epoch 0) for the current state and redraw everything."""
        with self._lock:
            self.pause()
            st = self._state
            self._features_changed()
            sizes = [len(st["features"])] + list(st["hidden"]) + [1]
            out_act, cost = self._net_kind()
            self.net = Network(sizes, seed=self._seed(3), activation=st["activation"],
                               output=out_act, cost=cost)
            # The original's initialisation: weights uniform in [-0.5, 0.5], biases 0.1.
            rng = np.random.default_rng(self._seed(2))
            for w, b in zip(self.net.weights, self.net.biases):
                w[...] = rng.uniform(-0.5, 0.5, w.shape)
                b[...] = 0.1
            self.Y_train = self._targets(self.y_train)
            self.Y_test = self._targets(self.y_test)
            self.epoch = 0
            self.train_losses, self.test_losses = [], []
            self.train_accuracies, self.test_accuracies = [], []
            self.diverged = False
            self.message = ""
            self._record()
            self._redraw()

    def _layer_outputs(self, F):
        """Activations of every layer after the input for inputs F (n, k), from net's weights.

        The diagram needs the hidden neurons' outputs on the grid, which ``predict`` does not
        return; the output layer computed here equals ``net.predict`` (a test checks it).
        """
        acts = []
        a = F
        n_layers = len(self.net.weights)
        out_act, _ = self._net_kind()
        for k, (w, b) in enumerate(zip(self.net.weights, self.net.biases)):
            z = _dense(a, w, b)
            f = _ACT[out_act] if k == n_layers - 1 else _ACT[self._state["activation"]]
            a = f(z)
            acts.append(a)
        return acts

    def _display_scale(self, out):
        """Network output -> the shown value: +-1 scale for classification (sigmoid: 2a - 1)."""
        if self._state["problem"] == "classification" and self._state["loss"] == "cross-entropy":
            return 2.0 * out - 1.0
        return out

    def predict(self, X):
        """The network's output at points X (n, 2), on the shown scale ([-1, 1] for classes)."""
        X = np.asarray(X, dtype=np.float64)
        F = toydata.features(X, self._state["features"])
        return self._display_scale(np.asarray(self.net.predict(F)).reshape(-1))

    def _loss(self, F, y):
        """Mean loss per point: 1/2 (a - y)^2, or the binary cross-entropy on targets (y+1)/2."""
        out = self._layer_outputs(F)[-1].reshape(-1)
        if self._state["problem"] == "classification" and self._state["loss"] == "cross-entropy":
            t = (y + 1.0) / 2.0
            a = np.clip(out, 1e-12, 1 - 1e-12)
            loss = float(np.mean(-(t * np.log(a) + (1 - t) * np.log(1 - a))))
            if not np.all(np.isfinite(out)):
                loss = float("nan")
        else:
            loss = float(np.mean(0.5 * (out - y) ** 2))
        shown = self._display_scale(out)
        acc = (float(np.mean(np.where(shown >= 0, 1.0, -1.0) == y))
               if self._state["problem"] == "classification" else None)
        return loss, acc

    def _record(self):
        with np.errstate(all="ignore"):
            ltr, atr = self._loss(self.F_train, self.y_train)
            lte, ate = self._loss(self.F_test, self.y_test)
        self.train_losses.append(ltr)
        self.test_losses.append(lte)
        self.train_accuracies.append(atr)
        self.test_accuracies.append(ate)
        return np.isfinite(ltr) and np.isfinite(lte)

    def _reg_kwargs(self):
        """Translate the original's per-mini-batch decay eta * rate * dR/dw to Network's keywords.

        Network follows Nielsen (ch. 3): after each mini-batch w -> w - eta * (lmbda / n) * w for
        L2 and w -> w - eta * (l1 / n) * sign(w) for L1, with n the size of the training set.
        The original applies w -> w - eta * rate * w (resp. sign(w)), so lmbda = rate * n.
        """
        st = self._state
        rate = st["reg_rate"] * len(self.y_train)
        if st["regularization"] == "L2":
            return {"lmbda": rate, "l1": 0.0}
        if st["regularization"] == "L1":
            return {"lmbda": 0.0, "l1": rate}
        return {"lmbda": 0.0, "l1": 0.0}

    def step(self, epochs=1, redraw=True):
        """Train ``epochs`` epochs (one pass over the training data each), then redraw.

        Returns False (and stops playing) when the loss or the weights became NaN or infinite:
        the message says so instead of showing a blank picture.
        """
        epochs = _int_in("epochs", epochs, 1, 10**6)
        with self._lock:
            if self.diverged:
                return False
            st = self._state
            for _ in range(epochs):
                with np.errstate(all="ignore"):
                    self.net.train_epoch(self.F_train, self.Y_train, st["batch_size"],
                                         st["learning_rate"], **self._reg_kwargs())
                self.epoch += 1
                finite = self._record() and all(
                    np.all(np.isfinite(w)) and np.all(np.isfinite(b))
                    for w, b in zip(self.net.weights, self.net.biases))
                if not finite:
                    self._diverge()
                    return False
            if redraw:
                self._redraw()
            return True

    def _diverge(self):
        self.diverged = True
        self.playing = False
        self.message = (f"Training diverged at epoch {self.epoch}: the loss is no longer a finite "
                        f"number (learning rate {self._state['learning_rate']:g} is too large for "
                        "this network). Lower the learning rate and press reset.")
        self._update_readout()

    # -------------------------------------------------------------------------------- play loop
    def play(self):
        """Start training continuously (about ``fps`` epochs per second, each redrawn).

        Inside Jupyter/Voila the loop is an asyncio task on the kernel's event loop, so clicks and
        slider moves are handled between frames; without a running loop (a script) a thread is
        used instead.
        """
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
        if hasattr(self, "controls"):
            self._update_play_button()

    def _frame(self):
        t0 = time.perf_counter()
        ok = self.step()
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

    # -------------------------------------------------------------------------------- export
    def weights_npz_bytes(self):
        """The trained network as the bytes of a .npz file (no pickles).

        Arrays: ``sizes``, ``W0``, ``b0``, ``W1``, ... (W: (n_out, n_in), b: (n_out, 1)),
        ``features``, ``activation``, ``output_activation``, ``epoch`` and ``state`` (the JSON of
        :meth:`to_json`), so the file alone says how to feed the network.
        """
        out_act, _ = self._net_kind()
        arrays = {"sizes": np.array(self.net.sizes, dtype=np.int64),
                  "features": np.array(self._state["features"]),
                  "activation": np.array(self._state["activation"]),
                  "output_activation": np.array(out_act),
                  "epoch": np.array(self.epoch),
                  "state": np.array(self.to_json())}
        for k, (w, b) in enumerate(zip(self.net.weights, self.net.biases)):
            arrays[f"W{k}"] = np.asarray(w)
            arrays[f"b{k}"] = np.asarray(b)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def export_weights(self, path):
        """Write :meth:`weights_npz_bytes` to ``path`` (atomically); returns the path."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        return _atomic_write_bytes(path, self.weights_npz_bytes())

    # -------------------------------------------------------------------------------- drawing
    def _points_rgb_layer(self):
        """Pixel indices and colours of the data points on the map (cached until data change)."""
        if self._points_layer is not None:
            return self._points_layer
        P, d = HEATMAP_PX, self.domain
        idx_parts, col_parts = [], []
        oy, ox = np.mgrid[-4:5, -4:5]
        r2 = ox ** 2 + oy ** 2
        ring = (r2 <= 13) & (r2 > 5)
        core = r2 <= 5
        sets = [(self.X_train, self.y_train, np.array([255, 255, 255]))]
        if self._state["show_test"]:
            sets.append((self.X_test, self.y_test, np.array([0, 0, 0])))
        for X, y, edge in sets:
            px = np.rint((X[:, 0] + d) / (2 * d) * (P - 1)).astype(int)
            py = np.rint((d - X[:, 1]) / (2 * d) * (P - 1)).astype(int)
            fill = colorize(y)
            for mask, colour in ((ring, None), (core, fill)):
                xx = px[:, None] + ox[mask][None, :]
                yy = py[:, None] + oy[mask][None, :]
                ok = (xx >= 0) & (xx < P) & (yy >= 0) & (yy < P)
                idx_parts.append((yy * P + xx)[ok])
                if colour is None:
                    col_parts.append(np.broadcast_to(edge, (int(ok.sum()), 3)))
                else:
                    col_parts.append(np.repeat(colour[:, None, :], mask.sum(), axis=1)[ok])
        self._points_layer = (np.concatenate(idx_parts), np.concatenate(col_parts).astype(np.uint8))
        return self._points_layer

    def _redraw(self):
        """Recompute the map, the per-neuron maps and the diagram; push them to the widgets."""
        st = self._state
        with np.errstate(all="ignore"):
            acts = self._layer_outputs(self.F_grid)
        out = self._display_scale(acts[-1].reshape(DENSITY, DENSITY))
        self.heatmap = out
        big = _upsample(out, HEATMAP_PX)
        if st["discretize"]:
            big = np.where(big >= 0, 1.0, -1.0)
        img = colorize(big)
        idx, cols = self._points_rgb_layer()
        img.reshape(-1, 3)[idx] = cols
        self.heatmap_png = png_bytes(img)
        self.diagram_svg = self._diagram_svg(acts)
        if hasattr(self, "controls"):
            self._heatmap_w.value = self.heatmap_png
            self._diagram_w.value = self.diagram_svg
            self._update_readout()

    def _thumb(self, values, scale=1.0):
        v = values.reshape(DENSITY, DENSITY) / scale
        f = DENSITY // THUMB
        v = v[f // 2::f, f // 2::f]              # every 5th grid point: cheaper than averaging
        if self._state["discretize"]:
            v = np.where(v >= 0, 1.0, -1.0)
        return _data_uri(colorize(v))

    def _input_thumbs(self):
        key = (tuple(self._state["features"]), self.domain, self._state["discretize"])
        if getattr(self, "_input_thumb_key", None) != key:
            thumbs = []
            for k in range(self.F_grid.shape[1]):
                col = self.F_grid[:, k]
                thumbs.append(self._thumb(col, scale=max(float(np.abs(col).max()), 1e-12)))
            self._input_thumb_cache = thumbs
            self._input_thumb_key = key
        return self._input_thumb_cache

    def _diagram_svg(self, acts):
        """The network as SVG: inputs, hidden layers, output; links coloured by sign, width ~ |w|."""
        st = self._state
        sizes = [len(st["features"])] + list(st["hidden"]) + [1]
        node, dx, dy, left, top = 30, 95, 42, 70, 34
        width = left + dx * (len(sizes) - 1) + node + 20
        height = top + dy * max(sizes) + 10
        pos = []
        for col, n in enumerate(sizes):
            x = left + dx * col
            y0 = top + (dy * max(sizes) - dy * n) / 2
            pos.append([(x, y0 + dy * i) for i in range(n)])
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'viewBox="0 0 {width} {height}" class="nnpg-network" '
                 'style="font-family:sans-serif;font-size:11px">']
        names = ["inputs"] + [f"{n} neuron{'s' if n > 1 else ''}" for n in st["hidden"]] + ["output"]
        for col, name in enumerate(names):
            cx = left + dx * col + node / 2
            parts.append(f'<text x="{cx:.0f}" y="14" text-anchor="middle" fill="#555">{name}</text>')
        # links, drawn first so that the neurons sit on top of them
        for k, w in enumerate(self.net.weights):
            w = np.asarray(w)
            widths = np.clip(np.abs(w) / 5.0 * 9.0 + 1.0, 1.0, 10.0)
            colours = _hex_colours(w)
            src, dst = pos[k], pos[k + 1]
            for j, (xd, yd) in enumerate(dst):
                for i, (xs, ys) in enumerate(src):
                    x0, y0 = xs + node, ys + node / 2
                    x1, y1 = xd, yd + node / 2
                    xm = (x0 + x1) / 2
                    parts.append(f'<path d="M{x0:.1f},{y0:.1f}C{xm:.1f},{y0:.1f} {xm:.1f},{y1:.1f} '
                                 f'{x1:.1f},{y1:.1f}" fill="none" stroke="{colours[j, i]}" '
                                 f'stroke-width="{widths[j, i]:.2f}" stroke-opacity="0.85">'
                                 f'<title>w = {w[j, i]:.3f}</title></path>')
        # neurons with their own small heatmap
        thumbs_in = self._input_thumbs()
        for i, (x, y) in enumerate(pos[0]):
            parts.append(f'<image x="{x}" y="{y:.1f}" width="{node}" height="{node}" '
                         f'href="{thumbs_in[i]}"/><rect x="{x}" y="{y:.1f}" width="{node}" '
                         f'height="{node}" fill="none" stroke="#999"/>')
            parts.append(f'<text x="{x - 6}" y="{y + node / 2 + 4:.1f}" text-anchor="end">'
                         f'{html.escape(st["features"][i])}</text>')
        for col in range(1, len(sizes)):
            a = acts[col - 1]
            b = np.asarray(self.net.biases[col - 1]).reshape(-1)
            for i, (x, y) in enumerate(pos[col]):
                vals = a[:, i]
                if col == len(sizes) - 1:
                    vals = self._display_scale(vals)
                parts.append(f'<image x="{x}" y="{y:.1f}" width="{node}" height="{node}" '
                             f'href="{self._thumb(vals)}"/><rect x="{x}" y="{y:.1f}" '
                             f'width="{node}" height="{node}" fill="none" stroke="#666"/>'
                             f'<rect x="{x - 7}" y="{y + node - 5:.1f}" width="5" height="5" '
                             f'fill="{_hex_colours(b[i])}" stroke="#666" stroke-width="0.5">'
                             f'<title>b = {b[i]:.3f}</title></rect>')
        parts.append("</svg>")
        return "".join(parts)

    def _loss_svg(self):
        w, h, l, b, t = 300, 120, 42, 28, 18
        tr, te = np.asarray(self.train_losses), np.asarray(self.test_losses)
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                 'style="font-family:sans-serif;font-size:10px">',
                 f'<text x="{w / 2}" y="11" text-anchor="middle" font-weight="bold">'
                 'Loss per epoch: training (grey), test (black)</text>',
                 f'<line x1="{l}" y1="{h - b}" x2="{w - 5}" y2="{h - b}" stroke="#444"/>',
                 f'<line x1="{l}" y1="{t}" x2="{l}" y2="{h - b}" stroke="#444"/>',
                 f'<text x="{(l + w) / 2}" y="{h - 4}" text-anchor="middle">epoch</text>',
                 f'<text x="10" y="{(t + h - b) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {(t + h - b) / 2})">loss</text>']
        finite = np.concatenate([tr[np.isfinite(tr)], te[np.isfinite(te)]])
        ymax = float(finite.max()) if finite.size else 1.0
        ymax = ymax if ymax > 0 else 1.0
        n = len(tr)
        parts.append(f'<text x="{l - 3}" y="{t + 4}" text-anchor="end">{ymax:.3g}</text>'
                     f'<text x="{l - 3}" y="{h - b}" text-anchor="end">0</text>'
                     f'<text x="{w - 5}" y="{h - b + 11}" text-anchor="end">{max(n - 1, 0)}</text>')
        if n >= 2:
            keep = np.unique(np.linspace(0, n - 1, min(n, 300)).astype(int))
            xs = l + (w - 5 - l) * keep / (n - 1)
            for series, colour in ((tr, "#999"), (te, "#000")):
                ys = (h - b) - (h - b - t) * np.nan_to_num(series[keep] / ymax, nan=1.0)
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
                parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        parts.append("</svg>")
        return "".join(parts)

    # -------------------------------------------------------------------------------- widgets
    def _build_ui(self):
        import ipywidgets as W

        st = self._state
        lay = W.Layout
        style = {"description_width": "110px"}
        c = {}
        c["dataset"] = W.Dropdown(description="data set", style=style, layout=lay(width="260px"))
        c["problem"] = W.Dropdown(options=PROBLEMS, description="problem type", style=style,
                                  layout=lay(width="260px"))
        c["noise_percent"] = W.IntSlider(min=0, max=50, step=5, description="noise %", style=style)
        c["train_percent"] = W.IntSlider(min=10, max=90, step=10, description="training data %",
                                         style=style)
        c["batch_size"] = W.IntSlider(min=1, max=30, description="batch size", style=style)
        c["seed"] = W.BoundedIntText(min=0, max=2**31 - 1, description="seed", style=style,
                                     layout=lay(width="260px"))
        c["learning_rate"] = W.Dropdown(options=[(f"{v:g}", v) for v in LEARNING_RATES],
                                        description="learning rate", style=style,
                                        layout=lay(width="260px"))
        c["activation"] = W.Dropdown(options=ACTIVATIONS, description="activation", style=style,
                                     layout=lay(width="260px"))
        c["regularization"] = W.Dropdown(options=REGULARIZATIONS, description="regularization",
                                         style=style, layout=lay(width="260px"))
        c["reg_rate"] = W.Dropdown(options=[(f"{v:g}", v) for v in REGULARIZATION_RATES],
                                   description="regul. rate", style=style, layout=lay(width="260px"))
        c["loss"] = W.Dropdown(options=LOSSES, description="loss", style=style,
                               layout=lay(width="260px"))
        c["layers"] = W.IntSlider(min=0, max=MAX_LAYERS, description="hidden layers", style=style)
        c["layers"].add_class("nnpg-layers")
        c["neurons"] = []
        for k in range(MAX_LAYERS):
            s = W.IntSlider(min=1, max=MAX_NEURONS, value=2, description=f"layer {k + 1} neurons",
                            style=style)
            s.add_class(f"nnpg-neurons-{k + 1}")
            c["neurons"].append(s)
        c["features"] = {}
        for name in toydata.FEATURES:
            tb = W.ToggleButton(description=name, layout=lay(width="64px"),
                                tooltip=f"use {name} as a network input")
            tb.add_class("nnpg-feature")
            c["features"][name] = tb
        c["discretize"] = W.Checkbox(description="discretize output", indent=False)
        c["show_test"] = W.Checkbox(description="show test data", indent=False)
        self.controls = c

        self.play_button = W.Button(description="play", icon="play", button_style="success",
                                    layout=lay(width="90px"))
        self.play_button.add_class("nnpg-play")
        self.step_button = W.Button(description="step", icon="step-forward", layout=lay(width="80px"))
        self.step_button.add_class("nnpg-step")
        self.reset_button = W.Button(description="reset", icon="undo", layout=lay(width="80px"))
        self.reset_button.add_class("nnpg-reset")
        self.regen_button = W.Button(description="regenerate", tooltip="new data: seed + 1",
                                     layout=lay(width="110px"))
        self._epoch_w = W.HTML()
        self._epoch_w.add_class("nnpg-epoch")
        self._readout_w = W.HTML()
        self._readout_w.add_class("nnpg-readout")
        self._message_w = W.HTML()
        self._message_w.add_class("nnpg-message")
        self._loss_w = W.HTML()
        self._loss_w.add_class("nnpg-loss")
        self._heatmap_w = W.Image(format="png", layout=lay(width=f"{HEATMAP_PX}px",
                                                           height=f"{HEATMAP_PX}px"))
        self._heatmap_w.add_class("nnpg-heatmap")
        self._diagram_w = W.HTML()
        self._diagram_w.add_class("nnpg-diagram")

        self._json_w = W.Textarea(placeholder="state as JSON", layout=lay(width="95%", height="70px"))
        save_b = W.Button(description="state -> JSON")
        load_b = W.Button(description="JSON -> state")
        export_b = W.Button(description="export weights (.npz)")
        self._download_w = W.HTML()
        save_b.on_click(lambda _: setattr(self._json_w, "value", self.to_json()))
        load_b.on_click(lambda _: self._safe(lambda: self.load_json(self._json_w.value)))
        export_b.on_click(lambda _: self._offer_download())

        self._sync_widgets_from_state()

        # observers
        for key in ("noise_percent", "train_percent", "dataset", "seed"):
            c[key].observe(lambda ch, key=key: self._on_data_control(key, ch["new"]), names="value")
        c["problem"].observe(lambda ch: self._on_problem(ch["new"]), names="value")
        for key in ("batch_size", "activation", "regularization", "reg_rate", "loss"):
            c[key].observe(lambda ch, key=key: self._on_net_control(key, ch["new"]), names="value")
        c["learning_rate"].observe(lambda ch: self._on_learning_rate(ch["new"]), names="value")
        c["layers"].observe(lambda ch: self._on_layers(ch["new"]), names="value")
        for k, s in enumerate(c["neurons"]):
            s.observe(lambda ch, k=k: self._on_neurons(k, ch["new"]), names="value")
        for name, tb in c["features"].items():
            tb.observe(lambda ch, name=name: self._on_feature(name, ch["new"]), names="value")
            tb.observe(lambda ch, tb=tb: setattr(tb, "button_style", "info" if ch["new"] else ""),
                       names="value")
            tb.button_style = "info" if tb.value else ""
        for key in ("discretize", "show_test"):
            c[key].observe(lambda ch, key=key: self._on_view(key, ch["new"]), names="value")
        self.play_button.on_click(lambda _: self.pause() if self.playing else self.play())
        self.step_button.on_click(lambda _: self._on_step())
        self.reset_button.on_click(lambda _: self._reset_network())
        self.regen_button.on_click(lambda _: self._regenerate())

        top = W.HBox([self.play_button, self.step_button, self.reset_button, self._epoch_w,
                      c["learning_rate"], c["activation"]])
        data_box = W.VBox([W.HTML("<b>Data</b>"), c["problem"], c["dataset"], c["noise_percent"],
                           c["train_percent"], c["batch_size"], W.HBox([c["seed"], self.regen_button]),
                           W.HTML("<b>Features</b> (network inputs)"),
                           W.HBox(list(c["features"].values())[:4]),
                           W.HBox(list(c["features"].values())[4:]),
                           W.HTML("<b>Training</b>"), c["loss"], c["regularization"], c["reg_rate"]],
                          layout=lay(width="380px"))
        net_box = W.VBox([W.HTML("<b>Network</b>"), c["layers"], *c["neurons"], self._diagram_w],
                         layout=lay(min_width="380px"))
        out_box = W.VBox([W.HTML("<b>Output</b>"), self._readout_w, self._loss_w, self._heatmap_w,
                          W.HBox([c["show_test"], c["discretize"]]), self._message_w],
                         layout=lay(width="330px"))
        state_box = W.Accordion(children=[W.VBox([self._json_w, W.HBox([save_b, load_b, export_b]),
                                                  self._download_w])])
        state_box.set_title(0, "save / load state, export weights")
        self.widget = W.VBox([top, W.HBox([data_box, net_box, out_box]), state_box])
        self.widget.add_class("nnpg-root")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _safe(self, fn):
        try:
            fn()
        except (ValueError, TypeError) as exc:
            self.message = f"Could not load the state: {exc}"
            self._update_readout()

    def _offer_download(self):
        data = base64.b64encode(self.weights_npz_bytes()).decode("ascii")
        self._download_w.value = (f'<a download="playground_weights_epoch{self.epoch}.npz" '
                                  f'href="data:application/octet-stream;base64,{data}">'
                                  f'download the weights (epoch {self.epoch})</a>')

    def _sync_widgets_from_state(self):
        """Set every control to the state's value without triggering the observers."""
        st, c = self._state, self.controls
        self._mute += 1
        try:
            if self._custom is not None:
                c["dataset"].options = ["custom"]
            else:
                c["dataset"].options = (toydata.CLASSIFICATION_DATASETS
                                        if st["problem"] == "classification"
                                        else toydata.REGRESSION_DATASETS)
            c["dataset"].value = st["dataset"]
            c["problem"].value = st["problem"]
            for key in ("dataset", "problem", "noise_percent"):
                c[key].disabled = self._custom is not None
            for key in ("noise_percent", "train_percent", "batch_size", "seed", "learning_rate",
                        "activation", "regularization", "reg_rate", "loss", "discretize",
                        "show_test"):
                c[key].value = st[key]
            c["loss"].disabled = st["problem"] != "classification"
            c["layers"].value = len(st["hidden"])
            for k, s in enumerate(c["neurons"]):
                if k < len(st["hidden"]):
                    s.value = st["hidden"][k]
                s.layout.display = None if k < len(st["hidden"]) else "none"
            for name, tb in c["features"].items():
                tb.value = name in st["features"]
        finally:
            self._mute -= 1

    # -------------------------------------------------------------------------------- handlers
    def _set(self, key, value):
        new = dict(self._state)
        new[key] = value
        self._state = _validate_state(new, custom=self._custom is not None)

    def _on_data_control(self, key, value):
        if self._mute:
            return
        with self._lock:
            self._set(key, value)
            self._make_data()
            self._reset_network()

    def _on_problem(self, value):
        if self._mute or self._custom is not None:
            return
        with self._lock:
            new = dict(self._state)
            new["problem"] = value
            new["dataset"] = ("circle" if value == "classification" else "reg-plane")
            if value == "regression":
                new["loss"] = "square"
            self._state = _validate_state(new, custom=False)
            self._make_data()
            self._sync_widgets_from_state()
            self._reset_network()

    def _on_net_control(self, key, value):
        if self._mute:
            return
        with self._lock:
            self._set(key, value)
            self._reset_network()

    def _on_learning_rate(self, value):
        """The learning rate changes in place: training goes on from the current weights."""
        if self._mute:
            return
        with self._lock:
            self._set("learning_rate", value)

    def _on_layers(self, n):
        if self._mute:
            return
        with self._lock:
            hidden = list(self._state["hidden"])
            if n > len(hidden):
                hidden += [2] * (n - len(hidden))            # a new layer starts with 2 neurons
            else:
                hidden = hidden[:n]
            self._set("hidden", hidden)
            self._sync_widgets_from_state()
            self._reset_network()

    def _on_neurons(self, k, value):
        if self._mute or k >= len(self._state["hidden"]):
            return
        with self._lock:
            hidden = list(self._state["hidden"])
            hidden[k] = value
            self._set("hidden", hidden)
            self._reset_network()

    def _on_feature(self, name, on):
        if self._mute:
            return
        with self._lock:
            feats = [f for f in self._state["features"] if f != name] + ([name] if on else [])
            if not feats:
                self.message = "The network needs at least one input feature."
                self._sync_widgets_from_state()
                self._update_readout()
                return
            self._set("features", feats)
            self._reset_network()

    def _on_view(self, key, value):
        if self._mute:
            return
        with self._lock:
            self._set(key, value)
            self._points_layer = None
            self._redraw()

    def _on_step(self):
        self.pause()
        self.step()

    def _regenerate(self):
        with self._lock:
            self._mute += 1
            try:
                self.controls["seed"].value = self._state["seed"] + 1
            finally:
                self._mute -= 1
            self._set("seed", self._state["seed"] + 1)
            self._make_data()
            self._reset_network()

    # -------------------------------------------------------------------------------- readouts
    def _update_play_button(self):
        b = getattr(self, "play_button", None)
        if b is None:
            return
        if self.playing:
            b.description, b.icon, b.button_style = "pause", "pause", "warning"
        else:
            b.description, b.icon, b.button_style = "play", "play", "success"

    def _update_readout(self):
        if not hasattr(self, "controls"):
            return
        self._epoch_w.value = (f'<span style="font-size:16px;padding:0 12px">Epoch '
                               f'<b class="nnpg-epoch-value">{self.epoch:07,d}</b></span>')

        def fmt(x):
            return "&ndash;" if x is None or not np.isfinite(x) else f"{x:.3f}"

        rows = [f"Test loss <b>{fmt(self.test_losses[-1])}</b> &nbsp; "
                f"Training loss <b>{fmt(self.train_losses[-1])}</b>"]
        if self._state["problem"] == "classification":
            ate, atr = self.test_accuracies[-1], self.train_accuracies[-1]
            rows.append(f"Test accuracy <b>{100 * ate:.1f} %</b> &nbsp; "
                        f"Training accuracy <b>{100 * atr:.1f} %</b>")
        self._readout_w.value = "<br>".join(rows)
        self._loss_w.value = self._loss_svg()
        self._message_w.value = (f'<div style="color:#b00;font-weight:bold;max-width:320px">'
                                 f'{html.escape(self.message)}</div>' if self.message else "")
