"""The playground's controls (ipywidgets) and the page layout around the drawing surface.

Each control that maps to a setting is ``controls[key]`` for the key of the state it holds, so
code and tests can drive the widget exactly as a mouse does (``pg.controls["activation"].value =
"elu"``).  Every widget that a browser test looks for carries a CSS class ``nnpg-...``.
"""

import ipywidgets as W

from ...core import activations
from ...studies import toydata
from .presets import PRESETS
from .settings import (LEARNING_RATES, LIMITS, LOSSES, MOMENTA, PROBLEMS,
                       REGULARIZATION_RATES, REGULARIZATIONS, STOP_ACCURACIES)

__all__ = ["build_controls", "build_layout", "SPEED_NOTE", "widgets_named"]

# Sizes that fit a laptop (1280 px with JupyterLab's file browser open leaves the notebook about
# 850 px): the data column is 290 px wide and every control in it fills the column; the top row and
# the network column wrap instead of squeezing their controls (no flex shrinking: flex "0 0 auto").
STYLE = {"description_width": "112px"}
COLUMN = "290px"


def _full():
    return W.Layout(width="100%", max_width=COLUMN, flex="0 0 auto")


def _fixed(width):
    return W.Layout(width=width, flex="0 0 auto")

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


def _dropdown(key, description, options, layout=None, style=None):
    return _classed(W.Dropdown(options=options, description=description, style=style or STYLE,
                               layout=layout or _full()), "nnpg-" + key.replace("_", "-"))


TOP_STYLE = {"description_width": "initial"}


def _top_dropdown(key, description, options, width):
    return _dropdown(key, description, options, _fixed(width), TOP_STYLE)


def _rates(values):
    return [("%g" % v, v) for v in values]


def build_controls():
    """The dict of controls, one per setting (plus ``layers``, ``neurons``, ``upload``)."""
    max_layers, max_neurons = LIMITS[True]
    c = {
        "problem": _dropdown("problem", "problem type", PROBLEMS),
        "dataset": _dropdown("dataset", "data set", toydata.CLASSIFICATION_DATASETS),
        "noise_percent": W.IntSlider(min=0, max=50, step=5, description="noise %", style=STYLE,
                                     layout=_full()),
        "train_percent": W.IntSlider(min=10, max=90, step=10, description="training data %",
                                     style=STYLE, layout=_full()),
        "batch_size": W.IntSlider(min=1, max=30, description="batch size", style=STYLE,
                                  layout=_full()),
        "seed": W.BoundedIntText(min=0, max=2**31 - 1, description="seed", style=STYLE,
                                 layout=W.Layout(width="180px", flex="0 0 auto")),
        "learning_rate": _top_dropdown("learning_rate", "learning rate",
                                       _rates(LEARNING_RATES), "172px"),
        "momentum": _top_dropdown("momentum", "momentum", _rates(MOMENTA), "150px"),
        "activation": _top_dropdown("activation", "activation", activations.HIDDEN, "160px"),
        "presets": _dropdown("presets", "guided set-ups",
                             [("choose one\u2026", "")] + [(title, key)
                                                          for key, title, _, _ in PRESETS],
                             W.Layout(width="100%", max_width="520px", flex="0 1 auto"),
                             {"description_width": "initial"}),
        "regularization": _dropdown("regularization", "regularization", REGULARIZATIONS),
        "reg_rate": _dropdown("reg_rate", "regul. rate", _rates(REGULARIZATION_RATES)),
        "loss": _dropdown("loss", "loss", LOSSES),
        # the drop-down cannot hold None: 0 stands for "never stop"
        "stop_accuracy": _dropdown("stop_accuracy", "stop at test acc.",
                                   [("off", 0.0)] + [("%g %%" % (100 * v), v)
                                                     for v in STOP_ACCURACIES if v]),
        "no_limits": _classed(W.Checkbox(description="no limits (%d x %d)" % (max_layers,
                                                                           max_neurons),
                                         indent=False, layout=_fixed("150px")),
                              "nnpg-no-limits"),
        "layers": _classed(W.IntSlider(min=0, max=LIMITS[False][0], description="hidden layers",
                                       style=STYLE, layout=_full()), "nnpg-layers"),
        "neurons": [_classed(W.IntSlider(min=1, max=LIMITS[False][1], value=2,
                                         description="layer %d neurons" % (k + 1), style=STYLE,
                                         layout=_full()),
                             "nnpg-neurons-%d" % (k + 1)) for k in range(max_layers)],
        "features": {name: _classed(W.ToggleButton(description=name, layout=W.Layout(
            width="auto", min_width="44px", padding="0 6px", flex="0 0 auto"),
            tooltip="use %s as a network input" % name), "nnpg-feature")
            for name in toydata.FEATURES},
        "discretize": W.Checkbox(description="discretize output", indent=False,
                                 layout=_fixed("150px")),
        "show_test": W.Checkbox(description="show test data", indent=False,
                                layout=_fixed("130px")),
        "upload": _classed(W.FileUpload(accept=".csv,text/csv,text/plain", multiple=False,
                                        description="upload CSV", icon="upload",
                                        layout=_fixed("auto")), "nnpg-upload"),
    }
    return c


def build_buttons():
    def button(name, icon, **kw):
        return _classed(W.Button(description=name, icon=icon, layout=_fixed("84px"), **kw),
                        "nnpg-" + name)
    return {"play": button("play", "play", button_style="success"),
            "step": button("step", "step-forward"),
            "reset": button("reset", "undo"),
            "regenerate": _classed(W.Button(description="regenerate", tooltip="new data: seed + 1",
                                            layout=_fixed("auto")), "nnpg-regenerate"),
            "save": W.Button(description="state -> JSON", layout=_fixed("auto")),
            "load": W.Button(description="JSON -> state", layout=_fixed("auto")),
            "export": W.Button(description="export weights (.npz)", layout=_fixed("auto"))}


def _wrap(children, **kw):
    """A row that wraps onto a new line rather than squeezing or cutting its children (the gap
    between them is in playground.css, class nnpg-wrap)."""
    kw.setdefault("align_items", "center")
    box = W.HBox(children, layout=W.Layout(flex_flow="row wrap", **kw))
    box.add_class("nnpg-wrap")
    return box


def build_layout(c, b, view, extras):
    """The page: buttons and the training drop-downs on top, then the guided set-ups; data and
    training controls left; the network's controls and the drawing surface right (below the
    data column when the notebook is too narrow for both); save / load / export folded away
    below.  Returns the root box; ``extras["groups"]`` gets the boxes that ``hide`` hides with
    their control (the features with their title, the upload button with its status and its
    hint, ...), ``extras["titles"]`` the (title or column, control names) pairs hidden when
    every control they stand for is."""
    lay = W.Layout
    top = _wrap([b["play"], b["step"], b["reset"], c["learning_rate"], c["momentum"],
                 c["activation"]])
    presets = W.VBox([c["presets"], extras["preset_note"]], layout=lay(width="100%"))
    features = W.VBox([W.HTML("<b>Features</b> (network inputs)"),
                       _wrap(list(c["features"].values()), width="100%")],
                      layout=lay(width="100%"))
    hint = W.HTML("<small>CSV: columns x1, x2, label (numbers or class names)</small>",
                  layout=lay(max_width=COLUMN))
    hint.add_class("nnpg-hint")
    upload = W.VBox([_wrap([c["upload"], extras["upload_status"]]), hint],
                    layout=lay(width="100%"))
    upload.add_class("nnpg-upload-group")
    data_title, training_title = W.HTML("<b>Data</b>"), W.HTML("<b>Training</b>")
    data_box = W.VBox([
        data_title, c["problem"], c["dataset"], c["noise_percent"],
        c["train_percent"], c["batch_size"], _wrap([c["seed"], b["regenerate"]]), upload,
        features,
        training_title, c["loss"], c["regularization"], c["reg_rate"],
        c["stop_accuracy"]], layout=lay(width=COLUMN, flex="0 0 auto", overflow="visible"))
    data_box.add_class("nnpg-data-column")
    net_box = W.VBox([W.HTML("<b>Network</b>"), _wrap([c["layers"], c["no_limits"]]),
                      extras["speed_note"], *c["neurons"],
                      _wrap([c["show_test"], c["discretize"]]), view],
                     layout=lay(flex="1 1 360px", min_width="0", overflow="visible"))
    net_box.add_class("nnpg-network-column")
    state_box = W.Accordion(children=[W.VBox([
        extras["json"], _wrap([b["save"], b["load"], b["export"]]), extras["download"]])])
    state_box.set_title(0, "save / load state, export weights")
    root = W.VBox([top, presets, _wrap([data_box, net_box], width="100%", align_items="flex-start"),
                   state_box], layout=lay(width="100%", max_width="1320px"))
    root.add_class("nnpg-root")
    extras["groups"] = {"features": features, "presets": presets, "state": state_box,
                        "upload": upload}
    training = ("loss", "regularization", "reg_rate", "stop_accuracy")
    data = ("problem", "dataset", "noise_percent", "train_percent", "batch_size", "seed",
            "regenerate", "upload", "features")
    extras["titles"] = [(data_title, data), (training_title, training),
                        (data_box, data + training)]
    return root


def widgets_named(name, c, b):
    """The widgets that the control ``name`` (of ``settings.CONTROL_NAMES``) stands for."""
    if name in b:
        return [b[name]]
    item = c[name]
    if isinstance(item, dict):
        return list(item.values())
    return list(item) if isinstance(item, list) else [item]
