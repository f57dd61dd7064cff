"""The playground's settings: what each control may hold, and the state as JSON.

A state is a plain dict (the keys of ``DEFAULTS`` plus ``seed``) that fixes everything random in
a run: the data, the train/test split, the initial weights and the mini-batch order all derive from
the one seed.  ``to_json`` writes the settings the run *started* with (at the last reset), your own
data points if any, and the ``events`` of the run: the changes made while training went on (learning
rate, momentum, a weight or a bias typed in by hand), each with the epoch it happened at.  Replaying
the events at their epochs gives the very same run, so ``Playground.from_json(s).step(n)`` lands on
the weights the saved playground had after ``n`` epochs.

Every check raises a ``ValueError`` (a ``TypeError`` for a value of the wrong kind) naming the key.
The guided set-ups themselves (``PRESETS``) are a table in ``presets``; ``preset_settings`` here
turns one into a full set of settings.
"""

import json
import math
from numbers import Integral, Real

import numpy as np

from ...core import activations
from ...studies import toydata
from ...core.checks import check_choice, check_int, check_real
from . import multiclass
from .presets import PRESET_KEYS, PRESETS

__all__ = ["DEFAULTS", "LEARNING_RATES", "REGULARIZATION_RATES", "MOMENTA", "STOP_ACCURACIES",
           "PROBLEMS", "LOSSES", "REGULARIZATIONS", "LIMITS", "MAX_CLASSES", "datasets_for",
           "validate_state", "prepare_data", "state_json", "parse_json", "check_event",
           "CONTROL_NAMES", "preset_settings"]

#: The eleven learning rates of the original's drop-down.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: The original's regularisation rates.
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: Momentum mu of the gradient step v -> mu v - eta grad, w -> w + v (0: plain SGD, the original).
MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
#: "Stop when the test accuracy reaches X" (None: never stop).
STOP_ACCURACIES = (None, 0.8, 0.9, 0.95, 0.975, 0.99, 1.0)
PROBLEMS = ("classification", "multi-class", "regression")
LOSSES = ("square", "cross-entropy")
REGULARIZATIONS = ("none", "L1", "L2")
#: (hidden layers, neurons per layer): the original's caps, and with the "no limits" switch on.
LIMITS = {False: (6, 8), True: (10, 32)}
MAX_CLASSES = len(multiclass.CLASS_COLOURS)
MAX_BATCH = 30
STATE_VERSION = 2          # version 1 (before momentum, multi-class, events) still loads

DEFAULTS = dict(
    dataset="circle", problem=None, hidden=(4, 2), activation="tanh", learning_rate=0.03,
    momentum=0.0, regularization="none", reg_rate=0.0, batch_size=10, noise_percent=0,
    train_percent=50, features=("x1", "x2"), loss=None, discretize=False, show_test=False,
    stop_accuracy=None, no_limits=False, preset=None, hide=(), lock=(),
)

#: What ``hide`` and ``lock`` may name: every control of the widget (``features`` and ``neurons``
#: are the groups of buttons and sliders, ``state`` the "save / load" panel, ``presets`` the menu
#: of guided set-ups).  A hidden control is not shown; a locked one is shown but cannot be changed.
CONTROL_NAMES = ("play", "step", "reset", "learning_rate", "momentum", "activation", "presets",
                 "problem", "dataset", "noise_percent", "train_percent", "batch_size", "seed",
                 "regenerate", "upload", "features", "loss", "regularization", "reg_rate",
                 "stop_accuracy", "layers", "no_limits", "neurons", "show_test", "discretize",
                 "state")


def preset_settings(key):
    """The full settings (DEFAULTS overridden) and the commentary of the preset ``key``."""
    check_choice(key, PRESET_KEYS, "preset")
    _, title, changes, note = PRESETS[PRESET_KEYS.index(key)]
    st = {k: v for k, v in DEFAULTS.items() if k not in ("hide", "lock")}
    st.update(changes, preset=key)
    return st, title, note


def _names(value, name):
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise TypeError("%s must be a list of control names from %s, got %r"
                        % (name, CONTROL_NAMES, value))
    value = list(value)
    bad = [v for v in value if v not in CONTROL_NAMES]
    if bad:
        raise ValueError("%s: unknown control(s) %s; the controls are %s"
                         % (name, bad, CONTROL_NAMES))
    return [c for c in CONTROL_NAMES if c in value]


def datasets_for(problem):
    """The built-in data sets of a problem type."""
    return {"classification": toydata.CLASSIFICATION_DATASETS,
            "multi-class": multiclass.DATASETS,
            "regression": toydata.REGRESSION_DATASETS}[problem]


def _problem_of(dataset):
    return next(p for p in PROBLEMS if dataset in datasets_for(p))


def _rate_in(value, options, name):
    """One of ``options`` (the original's drop-down values), matched to rounding."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError("%s must be a number, one of %s, got %s"
                        % (name, options, type(value).__name__))
    for option in options:
        if option is not None and math.isclose(float(value), option, rel_tol=1e-9,
                                               abs_tol=1e-15):
            return option
    raise ValueError("%s must be one of %s (the control's values), got %r"
                     % (name, tuple(o for o in options if o is not None), value))


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be True or False, got %r" % (name, value))
    return bool(value)


def _hidden(hidden, no_limits):
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__len__"):
        raise TypeError("hidden must be a sequence of neuron counts, e.g. (4, 2), got %r"
                        % (hidden,))
    max_layers, max_neurons = LIMITS[no_limits]
    hint = "" if no_limits else " (no_limits=True allows %d x %d)" % LIMITS[True]
    if len(hidden) > max_layers:
        raise ValueError("hidden must have at most %d layers%s, got %d"
                         % (max_layers, hint, len(hidden)))
    out = []
    for k, h in enumerate(hidden):
        if isinstance(h, bool) or not isinstance(h, Integral):
            raise TypeError("hidden[%d] must be an int, got %r" % (k, h))
        if not 1 <= h <= max_neurons:
            raise ValueError("hidden[%d] must be in [1, %d]%s, got %d"
                             % (k, max_neurons, hint, h))
        out.append(int(h))
    return out


def validate_state(st, custom=None):
    """The checked, normalised state.  ``custom``: the ``prepare_data`` result of your own data
    (then ``dataset`` is "custom" and the problem comes from the data), or None."""
    out = {}
    if custom is not None:
        out["dataset"], out["problem"] = "custom", custom["problem"]
    else:
        names = sum((datasets_for(p) for p in PROBLEMS), ())
        out["dataset"] = check_choice(st["dataset"], names, "dataset")
        implied = _problem_of(out["dataset"])
        problem = st.get("problem") or implied
        check_choice(problem, PROBLEMS, "problem")
        if problem != implied:
            raise ValueError("problem=%r does not fit dataset=%r (a %s data set)"
                             % (problem, out["dataset"], implied))
        out["problem"] = problem
    out["no_limits"] = _flag(st["no_limits"], "no_limits")
    out["hidden"] = _hidden(st["hidden"], out["no_limits"])
    activation = st["activation"]
    activations.get(activation)                    # the shared table: a clear error if unknown
    out["activation"] = activation
    out["learning_rate"] = _rate_in(st["learning_rate"], LEARNING_RATES, "learning_rate")
    out["momentum"] = _rate_in(st["momentum"], MOMENTA, "momentum")
    out["regularization"] = check_choice(st["regularization"], REGULARIZATIONS, "regularization")
    out["reg_rate"] = _rate_in(st["reg_rate"], REGULARIZATION_RATES, "reg_rate")
    out["batch_size"] = check_int(st["batch_size"], "batch_size", 1, MAX_BATCH)
    out["noise_percent"] = check_int(st["noise_percent"], "noise_percent", 0, 50)
    out["train_percent"] = check_int(st["train_percent"], "train_percent", 10, 90)
    feats = st["features"]
    if isinstance(feats, str) or not hasattr(feats, "__iter__"):
        raise TypeError("features must be a sequence of names from %s, got %r"
                        % (toydata.FEATURES, feats))
    feats = list(feats)
    if not feats or any(f not in toydata.FEATURES for f in feats):
        raise ValueError("features must be a non-empty subset of %s, got %s"
                         % (toydata.FEATURES, feats))
    out["features"] = [f for f in toydata.FEATURES if f in feats]      # the canonical order
    loss = st.get("loss") or ("cross-entropy" if out["problem"] == "multi-class" else "square")
    out["loss"] = check_choice(loss, LOSSES, "loss")
    if out["loss"] == "cross-entropy" and out["problem"] == "regression":
        raise ValueError("loss='cross-entropy' needs a classification problem, not regression")
    if out["loss"] == "square" and out["problem"] == "multi-class":
        raise ValueError("loss='square' does not fit problem='multi-class': its softmax "
                         "output trains with loss='cross-entropy'")
    for key in ("discretize", "show_test"):
        out[key] = _flag(st[key], key)
    target = st["stop_accuracy"]
    out["stop_accuracy"] = None if target is None else _rate_in(target, STOP_ACCURACIES,
                                                                "stop_accuracy")
    out["seed"] = check_int(st["seed"], "seed", 0, 2**31 - 1)
    preset = st.get("preset")
    out["preset"] = None if preset is None else check_choice(preset, PRESET_KEYS, "preset")
    out["hide"] = _names(st.get("hide", ()), "hide")
    out["lock"] = _names(st.get("lock", ()), "lock")
    return out


# ------------------------------------------------------------------ your own data

def _class_labels(y):
    """(labels 0..k-1, class names) when y holds class labels (ints or names), else None."""
    if y.dtype.kind in "OUS":
        names = sorted({str(v) for v in y})
        index = {name: k for k, name in enumerate(names)}
        return np.array([index[str(v)] for v in y], dtype=np.int64), names
    values = np.unique(y)
    if np.all(values == np.round(values)):
        return np.searchsorted(values, y).astype(np.int64), ["%g" % v for v in values]
    return None


def prepare_data(X, y, problem=None, classes=None):
    """Check your own data and decide its problem type; returns a dict with ``X`` (n, 2),
    ``y`` (+-1 for two classes, 0..k-1 for more, reals for regression), ``problem`` and
    ``classes`` (class names, or None for regression).

    Without ``problem``: labels -1/+1 or 0/1 (or two names) are a classification problem, integer
    labels or names of 3 to ``MAX_CLASSES`` classes a multi-class one, anything else regression."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("data: X must hold numbers (two columns x1, x2)") from None
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError("data: X must have shape (n, 2) (two input columns x1, x2), got %s"
                         % (X.shape,))
    if len(y) != len(X):
        raise ValueError("data: y must have one value per row of X (%d), got %d"
                         % (len(X), len(y)))
    if len(X) < 4:
        raise ValueError("data: need at least 4 points (to split into training and test), "
                         "got %d" % len(X))
    if not np.all(np.isfinite(X)):
        raise ValueError("data: X must be finite (no NaN or inf)")
    if y.dtype.kind not in "OUS":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("data: y must hold numbers or class names") from None
        if not np.all(np.isfinite(y)):
            raise ValueError("data: y must be finite (no NaN or inf)")
    if problem is not None:
        check_choice(problem, PROBLEMS, "problem")
    labelled = _class_labels(y)
    k = 0 if labelled is None else len(labelled[1])
    if problem is None:
        names_given = y.dtype.kind in "OUS"
        if labelled is not None and (k == 2 or 3 <= k <= MAX_CLASSES or names_given):
            problem = "classification" if k == 2 else "multi-class"
        else:
            problem = "regression"
    if problem == "regression":
        if y.dtype.kind in "OUS":
            raise ValueError("data: problem='regression' needs numbers in y, not class names")
        if np.ptp(y) == 0:
            raise ValueError("data: all labels are equal; there is nothing to learn")
        return {"X": X.copy(), "y": y, "problem": problem, "classes": None}
    if labelled is None or not 2 <= k <= MAX_CLASSES:
        raise ValueError("data: problem=%r needs class labels (2 to %d different ints or "
                         "names), got %s" % (problem, MAX_CLASSES, "real numbers" if labelled
                                             is None else "%d classes" % k))
    labels, names = labelled
    if classes is not None:                      # names given with the data (e.g. from JSON)
        if len(classes) != k:
            raise ValueError("data: %d class names for %d classes" % (len(classes), k))
        names = [str(c) for c in classes]
    if problem == "classification":
        if k != 2:
            raise ValueError("data: problem='classification' needs two classes (labels +-1 or "
                             "0/1), got %d; use problem='multi-class'" % k)
        return {"X": X.copy(), "y": np.where(labels == 1, 1.0, -1.0), "problem": problem,
                "classes": names}
    return {"X": X.copy(), "y": labels, "problem": problem, "classes": names}


# ------------------------------------------------------------------ events and JSON

EVENT_KEYS = {"learning_rate": LEARNING_RATES, "momentum": MOMENTA}


def check_event(event, sizes=None):
    """A change made during training: ``{"epoch": e, "set": "learning_rate" | "momentum",
    "value": v}``, ``{"epoch": e, "weight": [layer, to, from], "value": v}`` or
    ``{"epoch": e, "bias": [layer, to], "value": v}``; returns it normalised."""
    if not isinstance(event, dict) or "epoch" not in event or "value" not in event:
        raise ValueError("events: each event must be an object with 'epoch' and 'value', "
                         "got %r" % (event,))
    out = {"epoch": check_int(event["epoch"], "events: epoch", 0)}
    kinds = [k for k in ("set", "weight", "bias") if k in event]
    if len(kinds) != 1 or set(event) - {"epoch", "value", kinds[0]}:
        raise ValueError("events: an event has exactly one of 'set', 'weight', 'bias', got %r"
                         % (event,))
    kind = kinds[0]
    if kind == "set":
        key = check_choice(event["set"], tuple(EVENT_KEYS), "events: set")
        out["set"], out["value"] = key, _rate_in(event["value"], EVENT_KEYS[key],
                                                 "events: " + key)
        return out
    index = event[kind]
    n = 3 if kind == "weight" else 2
    if not (isinstance(index, (list, tuple)) and len(index) == n):
        raise ValueError("events: %s must be a list of %d indices, got %r" % (kind, n, index))
    out[kind] = [check_int(i, "events: %s index" % kind, 0) for i in index]
    if sizes is not None:
        layer = out[kind][0]
        if layer >= len(sizes) - 1 or out[kind][1] >= sizes[layer + 1] or \
                (kind == "weight" and out[kind][2] >= sizes[layer]):
            raise ValueError("events: %s %s does not exist in a network of sizes %s"
                             % (kind, out[kind], sizes))
    out["value"] = check_real(event["value"], "events: value", -1000.0, 1000.0)
    return out


def state_json(state, custom, events):
    """The JSON string of a run: its starting settings, own data and events."""
    st = dict(state, hidden=list(state["hidden"]), features=list(state["features"]),
              hide=list(state.get("hide", ())), lock=list(state.get("lock", ())),
              version=STATE_VERSION)
    if custom is not None:
        st["data"] = {"X": custom["X"].tolist(), "y": custom["y"].tolist()}
        if custom["classes"] is not None:
            st["data"]["classes"] = list(custom["classes"])
    if events:
        st["events"] = [dict(e) for e in events]
    return json.dumps(st, sort_keys=True)


def parse_json(s):
    """(settings, custom data or None, events) from a ``state_json`` string (or version 1)."""
    if not isinstance(s, (str, bytes)):
        raise TypeError("s must be a JSON string, got %s" % type(s).__name__)
    try:
        st = json.loads(s)
    except json.JSONDecodeError as exc:
        raise ValueError("s is not valid JSON: %s" % exc) from None
    if not isinstance(st, dict):
        raise ValueError("s must hold a JSON object with the playground's state")
    version = st.pop("version", STATE_VERSION)
    if version not in (1, STATE_VERSION):
        raise ValueError("state version %r is not supported (expected 1 or %d)"
                         % (version, STATE_VERSION))
    data = st.pop("data", None)
    custom = None
    if data is not None:
        if not (isinstance(data, dict) and {"X", "y"} <= set(data)
                and set(data) <= {"X", "y", "classes"}):
            raise ValueError('s: "data" must be an object {"X": [[x1, x2], ...], "y": [...]}')
        custom = prepare_data(data["X"], data["y"], st.get("problem"), data.get("classes"))
    events = st.pop("events", [])
    if not isinstance(events, list):
        raise ValueError("s: events must be a list")
    events = [check_event(e) for e in events]
    unknown = set(st) - set(DEFAULTS) - {"seed"}
    if unknown:
        raise ValueError("unknown key(s) in the state: %s" % sorted(unknown))
    return st, custom, events
