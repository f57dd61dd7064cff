"""The playground's controls (ipywidgets) and the page layout around the drawing surface.

Each control that maps to a setting is ``controls[key]`` for the key of the state it holds, so
code and tests can drive the widget exactly as a mouse does (``pg.controls["activation"].value =
"elu"``).  Every widget that a browser test looks for carries a CSS class ``nnpg-...``.
"""

import ipywidgets as W

from .. import activations, toydata
from .settings import (LEARNING_RATES, LIMITS, LOSSES, MOMENTA, PROBLEMS, REGULARIZATION_RATES,
                       REGULARIZATIONS, STOP_ACCURACIES)

__all__ = ["build_controls", "build_layout", "SPEED_NOTE"]

STYLE = {"description_width": "110px"}
WIDE = W.Layout(width="260px")

#: Shown when "no limits" is on (frames per second measured by tests/test_browser.py in headless
#: Chromium on the course's 2-core machine; benchmarks/bench_playground.py times the kernel side).
SPEED_NOTE = ("Up to %d hidden layers of %d neurons. Large networks are slower: every frame "
              "trains one epoch and computes every neuron on the whole square (on 50 x 50 points "
              "instead of 100 x 100 above 2000 weights). On a 2-core machine 10 layers of 32 "
              "neurons draw about 10 to 15 frames per second, small networks the full 30."
              % LIMITS[True])


def _classed(widget, name):
    widget.add_class(name)
    return widget


def _dropdown(key, description, options):
    return _classed(W.Dropdown(options=options, description=description, style=STYLE,
                               layout=WIDE), "nnpg-" + key.replace("_", "-"))


def _rates(values):
    return [("%g" % v, v) for v in values]


def build_controls():
    """The dict of controls, one per setting (plus ``layers``, ``neurons``, ``upload``)."""
    max_layers, max_neurons = LIMITS[True]
    c = {
        "problem": _dropdown("problem", "problem type", PROBLEMS),
        "dataset": _dropdown("dataset", "data set", toydata.CLASSIFICATION_DATASETS),
        "noise_percent": W.IntSlider(min=0, max=50, step=5, description="noise %", style=STYLE),
        "train_percent": W.IntSlider(min=10, max=90, step=10, description="training data %",
                                     style=STYLE),
        "batch_size": W.IntSlider(min=1, max=30, description="batch size", style=STYLE),
        "seed": W.BoundedIntText(min=0, max=2**31 - 1, description="seed", style=STYLE,
                                 layout=WIDE),
        "learning_rate": _dropdown("learning_rate", "learning rate", _rates(LEARNING_RATES)),
        "momentum": _dropdown("momentum", "momentum", _rates(MOMENTA)),
        "activation": _dropdown("activation", "activation", activations.HIDDEN),
        "regularization": _dropdown("regularization", "regularization", REGULARIZATIONS),
        "reg_rate": _dropdown("reg_rate", "regul. rate", _rates(REGULARIZATION_RATES)),
        "loss": _dropdown("loss", "loss", LOSSES),
        # the drop-down cannot hold None: 0 stands for "never stop"
        "stop_accuracy": _dropdown("stop_accuracy", "stop at test acc.",
                                   [("off", 0.0)] + [("%g %%" % (100 * v), v)
                                                     for v in STOP_ACCURACIES if v]),
        "no_limits": _classed(W.Checkbox(description="no limits (%d x %d)" % (max_layers,
                                                                           max_neurons),
                                         indent=False), "nnpg-no-limits"),
        "layers": _classed(W.IntSlider(min=0, max=LIMITS[False][0], description="hidden layers",
                                       style=STYLE), "nnpg-layers"),
        "neurons": [_classed(W.IntSlider(min=1, max=LIMITS[False][1], value=2,
                                         description="layer %d neurons" % (k + 1), style=STYLE),
                             "nnpg-neurons-%d" % (k + 1)) for k in range(max_layers)],
        "features": {name: _classed(W.ToggleButton(description=name, layout=W.Layout(
            width="64px"), tooltip="use %s as a network input" % name), "nnpg-feature")
            for name in toydata.FEATURES},
        "discretize": W.Checkbox(description="discretize output", indent=False),
        "show_test": W.Checkbox(description="show test data", indent=False),
        "upload": _classed(W.FileUpload(accept=".csv,text/csv,text/plain", multiple=False,
                                        description="upload CSV", icon="upload"), "nnpg-upload"),
    }
    return c


def build_buttons():
    def button(name, icon, **kw):
        return _classed(W.Button(description=name, icon=icon, layout=W.Layout(width="90px"),
                                 **kw), "nnpg-" + name)
    return {"play": button("play", "play", button_style="success"),
            "step": button("step", "step-forward"),
            "reset": button("reset", "undo"),
            "regenerate": W.Button(description="regenerate", tooltip="new data: seed + 1",
                                   layout=W.Layout(width="110px")),
            "save": W.Button(description="state -> JSON"),
            "load": W.Button(description="JSON -> state"),
            "export": W.Button(description="export weights (.npz)")}


def build_layout(c, b, view, extras):
    """The page: buttons on top; data and training controls left; the network's controls and
    the drawing surface right; save / load / export folded away below."""
    lay = W.Layout
    top = W.HBox([b["play"], b["step"], b["reset"], c["learning_rate"], c["momentum"],
                  c["activation"]])
    feature_buttons = list(c["features"].values())
    data_box = W.VBox([
        W.HTML("<b>Data</b>"), c["problem"], c["dataset"], c["noise_percent"],
        c["train_percent"], c["batch_size"], W.HBox([c["seed"], b["regenerate"]]),
        W.HBox([c["upload"], extras["upload_status"]]),
        W.HTML("<small>CSV: columns x1, x2, label (numbers or class names)</small>"),
        W.HTML("<b>Features</b> (network inputs)"),
        W.HBox(feature_buttons[:4]), W.HBox(feature_buttons[4:]),
        W.HTML("<b>Training</b>"), c["loss"], c["regularization"], c["reg_rate"],
        c["stop_accuracy"]], layout=lay(width="370px"))
    net_box = W.VBox([W.HTML("<b>Network</b>"), W.HBox([c["layers"], c["no_limits"]]),
                      extras["speed_note"], *c["neurons"],
                      W.HBox([c["show_test"], c["discretize"]]), view],
                     layout=lay(flex="1 1 auto", overflow="visible"))
    state_box = W.Accordion(children=[W.VBox([
        extras["json"], W.HBox([b["save"], b["load"], b["export"]]), extras["download"]])])
    state_box.set_title(0, "save / load state, export weights")
    root = W.VBox([top, W.HBox([data_box, net_box], layout=lay(overflow="visible")), state_box])
    root.add_class("nnpg-root")
    return root
