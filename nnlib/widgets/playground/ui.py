"""The ``Playground``'s page of ipywidgets: building it, and setting its controls from the state.

``controls`` makes the widgets and lays them out, ``handlers`` says what they do; this module puts
them together around one playground (``build_ui``) and, whenever the state changes by code, a load
or a reset, sets every control to the state without triggering the handlers
(``sync_widgets_from_state``), including which controls an exercise hides or locks
(``apply_hide_lock``).  It is the playground's view of its controls, kept apart from the play loop
and the JSON of ``widget``; each function takes the playground ``pg`` as its argument.
"""

import html

from . import controls, handlers, settings
from .view import PlaygroundView

__all__ = ["build_ui", "sync_widgets_from_state", "apply_hide_lock"]


def build_ui(pg):
    """The page of ``pg``: its controls, drawing surface and extras, connected to the handlers."""
    import ipywidgets as W

    c, b = controls.build_controls(), controls.build_buttons()
    pg.controls, pg.buttons = c, b
    pg.play_button, pg.step_button = b["play"], b["step"]
    pg.reset_button, pg.regen_button = b["reset"], b["regenerate"]
    pg.view = PlaygroundView()
    pg.view.on_msg(pg._on_view_msg)
    pg._json_w = W.Textarea(placeholder="state as JSON",
                            layout=W.Layout(width="95%", height="70px"))
    pg._download_w = W.HTML()
    pg._upload_w = W.HTML()
    pg._upload_w.add_class("nnpg-upload-status")
    pg._speed_w = W.HTML(layout=W.Layout(max_width="560px"))
    pg._speed_w.add_class("nnpg-speed-note")
    pg._preset_w = W.HTML(layout=W.Layout(width="100%", max_width="760px"))
    pg._preset_w.add_class("nnpg-preset-note")
    extras = {"json": pg._json_w, "download": pg._download_w,
              "upload_status": pg._upload_w, "speed_note": pg._speed_w,
              "preset_note": pg._preset_w}
    pg.widget = controls.build_layout(c, b, pg.view, extras)
    pg._groups, pg._titles = extras["groups"], extras["titles"]
    pg._sync_widgets_from_state()
    handlers.connect(pg)


def sync_widgets_from_state(pg):
    """Set every control to the state's value without triggering the observers."""
    st, c = pg._state, pg.controls
    max_layers, max_neurons = settings.LIMITS[st["no_limits"]]
    pg._mute += 1
    try:
        custom = pg._custom is not None
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
        pg._speed_w.value = ("<small>%s</small>" % html.escape(controls.SPEED_NOTE)
                             if st["no_limits"] else "")
        c["presets"].value = st["preset"] or ""
        note = pg.preset_note()
        pg._preset_w.value = ("" if not note else '<div class="nnpg-note-box">%s</div>'
                              % "<br>".join(html.escape(line)
                                            for line in note.split("\n")))
        apply_hide_lock(pg)
    finally:
        pg._mute -= 1


def apply_hide_lock(pg):
    """Hide the controls named in the state's ``hide`` (each with its group: title, status,
    hint), freeze those in ``lock``."""
    st, c, b = pg._state, pg.controls, pg.buttons
    hidden, locked = set(st["hide"]), set(st["lock"])
    for name in settings.CONTROL_NAMES:
        widgets = ([b["save"], b["load"], b["export"], pg._json_w] if name == "state"
                   else controls.widgets_named(name, c, b))
        if name in locked:
            for w in widgets:
                w.disabled = True
        elif name not in ("problem", "noise_percent", "loss"):
            for w in widgets:             # those three: disabled by the data (set above)
                w.disabled = False
        group = pg._groups.get(name)
        targets = [group] if group is not None else widgets
        for w in targets:
            if name in hidden:
                w.layout.display = "none"
            elif name != "neurons":       # the neurons' sliders follow the layer count
                w.layout.display = None
    for title, names in pg._titles:       # a title (or column) goes with all its controls
        title.layout.display = "none" if hidden.issuperset(names) else None
