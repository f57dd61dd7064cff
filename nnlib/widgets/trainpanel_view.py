"""The face of the training panel (``nnlib.widgets.trainpanel``): its widgets and what they show.

``PanelView`` is mixed into ``TrainPanel``, which holds the data and runs the training; this part
builds the controls, reads them (``sizes``, ``settings``), and draws a run's history as strings:
the status line (HTML), the learning curves (SVG) and a strip of test inputs with the network's
guesses (PNG), all through ``nnlib.widgets.charts``.  Strings, because a background thread may set a
widget's value safely, whereas matplotlib is not thread-safe.
"""

import html

import numpy as np

from . import charts
from ..core.activations import HIDDEN
from ..core.optim import INITS

__all__ = ["PanelView", "OUTPUT_CHOICES", "ACTIVATION_CHOICES", "INIT_CHOICES"]

#: The hidden activations offered: every hidden neuron of ``nnlib.core.activations``.
ACTIVATION_CHOICES = HIDDEN
#: Output layer and cost, as ``"output/cost"``; the first is the course's network.
OUTPUT_CHOICES = {
    "sigmoid/quadratic": "sigmoid + quadratic (course)",
    "sigmoid/cross-entropy": "sigmoid + cross-entropy",
    "softmax/cross-entropy": "softmax + cross-entropy",
}
#: The initialisations of ``nnlib.core.optim``: N(0, 1) (course), N(0, 1/n_in), N(0, 2/n_in) (He).
INIT_CHOICES = dict(zip(INITS, ("N(0, 1) (course)", "N(0, 1/n_in) (scaled)",
                                "N(0, 2/n_in) (He)", "U(-0.5, 0.5), biases 0.1 (playground)"),
                        strict=True))

MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 200
ETA_RANGE = (-3, 3)          # learning-rate slider from 10^-3 to 10^3
MAX_EPOCHS = 60
MAX_MINI_BATCH = 100
N_SAMPLE_PICTURES = 10

BLUE, ORANGE, RED = "#1f77b4", "#ff7f0e", "#c62828"
BLUE_RGB = (31, 119, 180)


class PanelView:
    """Widgets and drawing of ``TrainPanel`` (which sets ``n_features``, ``n_labels``,
    ``input_shape``, ``label_names``, the data subsets, ``history`` and ``network``)."""

    def _build_widgets(self, title, *, hidden, activation, output, init, eta, epochs,
                       mini_batch_size, seed):
        import ipywidgets as widgets

        def layout():
            return widgets.Layout(width="360px")
        style = {"description_width": "130px"}
        self.hidden_layers = widgets.IntSlider(
            value=len(hidden), min=0, max=MAX_HIDDEN_LAYERS, description="hidden layers",
            style=style, layout=layout(), continuous_update=False)
        self.neuron_sliders = [
            widgets.IntSlider(value=hidden[i] if i < len(hidden) else 30, min=1, max=MAX_NEURONS,
                              description="neurons in layer %d" % (i + 1), style=style,
                              layout=layout(), continuous_update=False)
            for i in range(MAX_HIDDEN_LAYERS)]
        self.activation_dropdown = widgets.Dropdown(
            options=list(ACTIVATION_CHOICES), value=activation, description="hidden activation",
            style=style, layout=layout())
        self.output_dropdown = widgets.Dropdown(
            options=[(label, key) for key, label in OUTPUT_CHOICES.items()], value=output,
            description="output / cost", style=style, layout=layout())
        self.init_dropdown = widgets.Dropdown(
            options=[(label, key) for key, label in INIT_CHOICES.items()], value=init,
            description="initial weights", style=style, layout=layout())
        self.eta_slider = widgets.FloatLogSlider(
            value=eta, base=10, min=ETA_RANGE[0], max=ETA_RANGE[1], step=0.1,
            description="learning rate η", readout_format=".3g", style=style, layout=layout(),
            continuous_update=False)
        self.epochs_slider = widgets.IntSlider(
            value=epochs, min=1, max=MAX_EPOCHS, description="epochs", style=style,
            layout=layout(), continuous_update=False)
        self.batch_slider = widgets.IntSlider(
            value=mini_batch_size, min=1, max=MAX_MINI_BATCH, description="mini-batch size",
            style=style, layout=layout(), continuous_update=False)
        self.seed_input = widgets.BoundedIntText(
            value=seed, min=0, max=2**31 - 1, description="seed", style=style, layout=layout())
        self.train_button = widgets.Button(description="Train", button_style="success",
                                           icon="play", tooltip="train a fresh network")
        self.stop_button = widgets.Button(description="Stop", button_style="warning",
                                          icon="stop", disabled=True,
                                          tooltip="stop after the current epoch")
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="progress",
                                            layout=layout())
        self.status, self.curve, self.samples = widgets.HTML(), widgets.HTML(), widgets.HTML()
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
    def chance(self):
        """The test accuracy of always guessing the commonest class of the test subset (a
        fraction): the chance level of the learning curve and of the hints, shown in percent
        like every accuracy of the panel."""
        return float(np.bincount(self.y_test, minlength=self.n_labels).max()
                     / max(len(self.y_test), 1))

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
            self.progress.max, self.progress.value, self.progress.bar_style = change["new"], 0, ""

    # ------------------------------------------------------------------ display
    def display(self):
        """Show the panel in the notebook (same as leaving the object last in a cell)."""
        from IPython.display import display
        display(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        """The live panel, and beside it a PNG picture of it (``snapshot_png``), which a
        notebook read without a kernel shows instead of the widgets' ``VBox(...)`` text."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is not None:
            try:
                data["image/png"] = self.snapshot_png()
            except Exception:              # a picture must never hide the panel
                pass
        return bundle

    def snapshot_png(self):
        """A still picture of the panel (Pillow): its settings, and the last run's accuracy per
        epoch (test blue, training orange) with its status, or "not trained yet"."""
        import io

        from PIL import Image, ImageDraw

        img = Image.new("RGB", (620, 190), "white")
        draw = ImageDraw.Draw(img)
        s, h = self.settings(), self.history
        draw.text((8, 6), "Try your own layout (a picture of the panel: run the notebook to use "
                  "it)", fill=(120, 120, 120))
        draw.text((8, 24), "layout %s, %s hidden neurons, output %s + %s, init %s" % (
            s["sizes"], s["activation"], s["output"], s["cost"], s["init"]), fill=(20, 20, 20))
        draw.text((8, 40), "learning rate %.3g, %d epochs, mini-batches of %d, seed %d" % (
            s["eta"], s["epochs"], s["mini_batch_size"], s["seed"]), fill=(20, 20, 20))
        x0, y0, w, ht = 50, 64, 360, 110
        draw.rectangle([x0, y0, x0 + w, y0 + ht], outline=(150, 150, 150))
        for pct in (0, 50, 100):
            y = y0 + ht - ht * pct / 100
            draw.text((x0 - 34, y - 6), "%3d %%" % pct, fill=(90, 90, 90))
        if h and h["epoch"]:
            n = h["settings"]["epochs"]
            for key, colour in (("train_accuracy", (255, 127, 14)), ("test_accuracy", BLUE_RGB)):
                pts = [(x0 + w * e / max(n, 1), y0 + ht - ht * a) for e, a in
                       zip(h["epoch"], h[key])]
                if len(pts) > 1:
                    draw.line(pts, fill=colour, width=2)
                for x, y in pts:
                    draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
            lines = ["epoch %d/%d" % (h["epoch"][-1], n),
                     "test accuracy %.1f %%" % (100 * h["test_accuracy"][-1]),
                     "training accuracy %.1f %%" % (100 * h["train_accuracy"][-1]),
                     "training cost %.4g" % h["train_cost"][-1]]
            if h.get("stopped") or h.get("hint"):
                lines.append("(see the status line: stopped or a hint)")
        else:
            lines = ["not trained yet:", "press Train"]
        for k, line in enumerate(lines):
            draw.text((x0 + w + 16, y0 + 4 + 16 * k), line, fill=(20, 20, 20))
        draw.text((x0, y0 + ht + 4), "accuracy per epoch: test (blue), training (orange)",
                  fill=(90, 90, 90))
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        return buf.getvalue()

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
            line += "<br>" + coloured(message, colour)
        return "<div style='font-family:sans-serif;font-size:13px'>%s</div>" % line

    def _curve_svg(self):
        """Two small charts: accuracy (test and training, %) and training cost, per epoch."""
        h = self.history
        epochs = h["settings"]["epochs"] if h else self.epochs_slider.value
        ep = h["epoch"] if h else []
        percent = {k: [100 * a for a in h[k]] if h else [] for k in ("test_accuracy",
                                                                      "train_accuracy")}
        chance = 100 * self.chance
        left = charts.line_chart_svg(
            "accuracy", "epoch", "accuracy (%)", epochs, [0, 25, 50, 75, 100],
            [("test_accuracy", "test", percent["test_accuracy"], BLUE, None),
             ("train_accuracy", "training", percent["train_accuracy"], ORANGE, "5,3")],
            ep, reference=(chance, "chance %.1f %%" % chance))
        costs = h["train_cost"] if h else []
        top = max(costs) if costs else 0.0
        right = charts.line_chart_svg(
            "training cost", "epoch", "cost per sample", epochs,
            charts.nice_ticks(top) if top > 0 else [0, 0.25, 0.5, 0.75, 1],
            [("train_cost", "training", list(costs), ORANGE, None)], ep)
        return "<div style='display:flex;flex-wrap:wrap;gap:8px'>%s%s</div>" % (left, right)

    def _samples_html(self):
        """The first test inputs drawn as pictures, captioned 'guess (true)', wrong ones red."""
        n = min(N_SAMPLE_PICTURES, len(self.X_test))
        X = self.X_test[:n]
        with np.errstate(all="ignore"):
            guesses = np.argmax(self.network.predict(X), axis=1)
        rows, cols = self.input_shape
        name = (lambda k: self.label_names[k]) if self.label_names else str
        cells = []
        for x, guess, true in zip(X, guesses, self.y_test[:n]):
            src = charts.png_data_uri(charts.grey_image(x.reshape(rows, cols)))
            cells.append(
                "<div style='text-align:center;font-size:11px;color:%s'>"
                "<img src='%s' width='%d' height='%d' "
                "style='image-rendering:pixelated;border:1px solid #ccc'><br>%s (%s)</div>"
                % ("#222" if guess == true else RED, src, 2 * cols, 2 * rows,
                   html.escape(name(int(guess))), html.escape(name(int(true)))))
        return ("<div style='font-size:12px;color:#555'>test inputs: the network's guess "
                "(true label)</div><div style='display:flex;gap:6px;flex-wrap:wrap'>%s</div>"
                % "".join(cells))



def coloured(message, colour=None):
    return "<span style='color:%s'>%s</span>" % (colour or "#8a6d00", html.escape(message))
