"""The playground's drawing surface: an anywidget whose ESM module (playground.js, shipped in the
package, no build step) draws the network, the neurons' maps, the large map and the loss curve on
canvases in the browser, from arrays the kernel sends.

Why arrays and not pictures: the browser colours 100 x 100 values faster than Python can encode a
PNG, it can show any neuron's map in the large one the moment the mouse is on it, and it knows
every weight, so hovering a link shows its value without asking the kernel.  One frame is a single
message: every trait below is set inside ``hold_sync``.

Kernel -> browser (traits): ``network`` (sizes, input names, problem, classes), ``params`` (all
weights and biases, float64, layer by layer as ``nnlib.core.flat.pack`` lays them out), ``thumbs``
(every neuron's map on a small grid, uint8), ``heat`` and ``heat_info`` (the large map:
the output, or the neuron under the mouse), ``points`` (the data), ``curve`` (epoch, training and
test loss), ``readout``, ``confusion``, ``discretize``, ``show_test``.

Browser -> kernel (custom messages): ``{"type": "hover", "neuron": [column, i] or null}``,
``{"type": "set_weight", "layer", "to", "from", "value"}``, ``{"type": "set_bias", "layer", "to",
"value"}``.
"""

import math
import pathlib

import anywidget
import numpy as np
import traitlets

from ...core.flat import pack
from .multiclass import CLASS_COLOURS

__all__ = ["PlaygroundView", "thumb_size", "quantize", "push_data", "push_frame"]

HERE = pathlib.Path(__file__).parent


def thumb_size(density):
    """The neurons' small maps: 20 x 20 (every fifth point of the 100 x 100 grid), or 10 x 10
    for the large networks' 50 x 50 grid (their neurons are drawn about 10 pixels wide)."""
    return 20 if density >= 100 else 10
CURVE_POINTS = 500  # the loss curve sends at most this many epochs (the last one always)


class PlaygroundView(anywidget.AnyWidget):
    _esm = HERE / "playground.js"
    _css = HERE / "playground.css"
    network = traitlets.Dict().tag(sync=True)
    params = traitlets.Bytes(b"").tag(sync=True)
    thumbs = traitlets.Bytes(b"").tag(sync=True)
    heat = traitlets.Bytes(b"").tag(sync=True)
    heat_info = traitlets.Dict().tag(sync=True)
    points = traitlets.Bytes(b"").tag(sync=True)
    domain = traitlets.Float(6.0).tag(sync=True)
    curve = traitlets.Bytes(b"").tag(sync=True)
    readout = traitlets.Dict().tag(sync=True)
    confusion = traitlets.List().tag(sync=True)
    discretize = traitlets.Bool(False).tag(sync=True)
    show_test = traitlets.Bool(False).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)


def quantize(values, signed=True):
    """Values as bytes for the browser's colour table: [-1, 1] -> 0..255 (signed; clamped, NaN
    is the middle grey 128), or probabilities [0, 1] -> 0..255."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        q = (np.clip(v, -1.0, 1.0) + 1.0) * 127.5 if signed else np.clip(v, 0.0, 1.0) * 255.0
    return np.where(np.isnan(q), 128, np.rint(q)).astype(np.uint8)


def _finite(x):
    return None if x is None or not math.isfinite(x) else float(x)


def push_data(view, pg):
    """What changes only with the data or the layout: the network's shape and the points."""
    st = pg._state
    n_out = pg.net.sizes[-1]
    view.network = {"sizes": list(pg.net.sizes), "inputs": list(st["features"]),
                    "problem": st["problem"], "classes": pg.classes,
                    "colours": list(CLASS_COLOURS[:n_out]) if n_out > 1 else [],
                    "activation": st["activation"], "output": pg._net_kind()[0],
                    "density": pg.density, "thumb": thumb_size(pg.density)}
    label = pg.y_train if st["problem"] != "multi-class" else pg.y_train.astype(float)
    rows = [np.column_stack([pg.X_train, label, np.zeros(len(label))])]
    rows.append(np.column_stack([pg.X_test, pg.y_test.astype(float), np.ones(len(pg.y_test))]))
    view.points = np.concatenate(rows).astype(np.float32).tobytes()
    view.domain = float(pg.domain)


def _thumbs(pg):
    """Every neuron's small map, column by column, as bytes."""
    d = pg.density
    f = d // thumb_size(d)

    def coarse(A):                       # (grid points, neurons) -> (neurons, thumb, thumb)
        return A.reshape(d, d, -1)[f // 2::f, f // 2::f].transpose(2, 0, 1)

    parts = [quantize(coarse(pg.F_grid / pg.F_scale))]
    acts = pg.grid_outputs()
    for A in acts[:-1]:
        parts.append(quantize(coarse(A)))
    out = acts[-1]
    parts.append(quantize(coarse(out), signed=False) if out.shape[1] > 1
                 else quantize(coarse(pg._shown(out))))
    return b"".join(p.tobytes() for p in parts)


def _heat_label(pg, column, i):
    sizes = pg.net.sizes
    if pg.shown is None:
        return "output"
    if column == 0:
        return "input %s" % pg._state["features"][i]
    if column == len(sizes) - 1:
        return "output" if sizes[-1] == 1 else "output: class %s" % pg.classes[i]
    return "layer %d, neuron %d" % (column, i + 1)


def _heat(pg):
    """The large map: the output (every class's probability), or the neuron ``pg.shown``."""
    sizes = pg.net.sizes
    column, i = pg.shown if pg.shown is not None else (len(sizes) - 1, 0)
    label = _heat_label(pg, column, i)
    several = column == len(sizes) - 1 and sizes[-1] > 1
    if several and pg.shown is None:
        probs = pg.grid_outputs()[-1]
        return quantize(probs, signed=False).tobytes(), {"kind": "classes", "label": label}
    if several:
        return (quantize(pg.neuron_map(column, i), signed=False).tobytes(),
                {"kind": "class", "cls": i, "label": label})
    return quantize(pg.neuron_map(column, i)).tobytes(), {"kind": "value", "label": label}


def _curve(pg):
    n = len(pg.train_losses)
    keep = np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).astype(np.int64))
    train = np.asarray(pg.train_losses, dtype=np.float64)[keep]
    test = np.asarray(pg.test_losses, dtype=np.float64)[keep]
    return np.column_stack([keep.astype(np.float64), train, test]).tobytes()


def readout(pg):
    """The numbers under the map (None where not finite or not defined)."""
    return {"epoch": pg.epoch, "train_loss": _finite(pg.train_losses[-1]),
            "test_loss": _finite(pg.test_losses[-1]),
            "train_accuracy": _finite(pg.train_accuracies[-1]),
            "test_accuracy": _finite(pg.test_accuracies[-1]),
            "message": pg.message, "playing": bool(pg.playing)}


def push_frame(view, pg):
    """One frame: the parameters, every neuron's map, the large map and the readouts."""
    params, _ = pack(pg.net.weights, pg.net.biases, np.float64)
    heat, info = _heat(pg)
    confusion = pg.confusion()
    with view.hold_sync():
        view.params = params.tobytes()
        view.thumbs = _thumbs(pg)
        view.heat, view.heat_info = heat, info
        view.curve = _curve(pg)
        view.confusion = [] if confusion is None else confusion.tolist()
        view.readout = readout(pg)
        view.discretize = pg._state["discretize"]
        view.show_test = pg._state["show_test"]
        view.frame += 1
