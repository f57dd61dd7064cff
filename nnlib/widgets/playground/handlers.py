"""What each control does when it changes, as in the original: the learning rate (and here the
momentum) change training in place; the view toggles and the stopping target only change what is
shown or when play pauses; every other control starts over from epoch 0 (and the data controls
make new data).  A value the state refuses leaves the state as it was and says why."""

import html

from . import settings

__all__ = ["connect"]

DATA_KEYS = ("noise_percent", "train_percent", "seed")
NET_KEYS = ("batch_size", "activation", "regularization", "reg_rate", "loss")
VIEW_KEYS = ("discretize", "show_test", "stop_accuracy")


def connect(pg):
    """Observe every control of ``pg``."""
    c = pg.controls

    def on(widget, handler, *args):
        def changed(change):
            if not pg._mute:
                with pg._lock:
                    try:
                        handler(pg, *args, change["new"])
                    except (ValueError, TypeError) as exc:
                        pg._sync_widgets_from_state()
                        pg._say("Not changed: %s" % exc)
        widget.observe(changed, names="value")

    for key in DATA_KEYS:
        on(c[key], data_control, key)
    for key in NET_KEYS:
        on(c[key], net_control, key)
    for key in VIEW_KEYS:
        on(c[key], view_control, key)
    on(c["dataset"], dataset)
    on(c["problem"], problem)
    on(c["learning_rate"], lambda pg, v: pg.set_learning_rate(v))
    on(c["momentum"], lambda pg, v: pg.set_momentum(v))
    on(c["layers"], layers)
    on(c["no_limits"], no_limits)
    on(c["upload"], upload)
    on(c["presets"], preset)
    for k, slider in enumerate(c["neurons"]):
        on(slider, neurons, k)
    for name, button in c["features"].items():
        on(button, feature, name)
    b = pg.buttons
    b["play"].on_click(lambda _: pg.pause() if pg.playing else pg.play())
    b["step"].on_click(lambda _: (pg.pause(), pg.step()))
    b["reset"].on_click(lambda _: pg._reset_network())
    b["regenerate"].on_click(lambda _: data_control(pg, "seed", pg._state["seed"] + 1))
    b["save"].on_click(lambda _: setattr(pg._json_w, "value", pg.to_json()))
    b["load"].on_click(lambda _: _guarded(pg, "Could not load the state",
                                          lambda: pg.load_json(pg._json_w.value)))
    b["export"].on_click(lambda _: pg._offer_download())


def _guarded(pg, what, action):
    try:
        action()
    except (ValueError, TypeError) as exc:
        pg._say("%s: %s" % (what, exc))


def _set(pg, **changes):
    """The state with ``changes``, checked (raises before anything changes)."""
    return settings.validate_state(dict(pg._state, **changes), pg._custom)


def data_control(pg, key, value):
    pg._replace(_set(pg, **{key: value}), pg._custom)


def net_control(pg, key, value):
    pg._state = _set(pg, **{key: value})
    pg._reset_network()


def view_control(pg, key, value):
    if key == "stop_accuracy":
        value = value or None                     # the drop-down's 0 is "off"
        pg._target_armed = True
    pg._state[key] = pg._start[key] = _set(pg, **{key: value})[key]
    pg._redraw()


def dataset(pg, name):
    if name == "custom":
        return
    if pg._custom is not None:
        pg.use_dataset(name)                      # back from your own data to a built-in set
    else:
        data_control(pg, "dataset", name)


def problem(pg, value):
    if pg._custom is not None:
        return
    loss = "cross-entropy" if value == "multi-class" else "square"
    pg._replace(_set(pg, problem=value, dataset=settings.datasets_for(value)[0], loss=loss),
                None)


def layers(pg, n):
    hidden = list(pg._state["hidden"])
    hidden = hidden[:n] + [2] * (n - len(hidden))       # a new layer starts with 2 neurons
    pg._state = _set(pg, hidden=hidden)
    pg._reset_network()


def neurons(pg, k, value):
    if k >= len(pg._state["hidden"]):
        return
    hidden = list(pg._state["hidden"])
    hidden[k] = value
    pg._state = _set(pg, hidden=hidden)
    pg._reset_network()


def no_limits(pg, on):
    max_layers, max_neurons = settings.LIMITS[on]
    hidden = [min(h, max_neurons) for h in pg._state["hidden"][:max_layers]]
    pg._state = _set(pg, no_limits=on, hidden=hidden)
    pg._reset_network()


def feature(pg, name, on):
    feats = [f for f in pg._state["features"] if f != name] + ([name] if on else [])
    if not feats:
        pg._sync_widgets_from_state()
        pg._say("The network needs at least one input feature.")
        return
    pg._state = _set(pg, features=feats)
    pg._reset_network()


def preset(pg, key):
    if key:
        pg.load_preset(key)


def upload(pg, files):
    """A CSV file from the upload button: used if it reads, else a message and no change."""
    if not files:
        return
    item = files[0]
    name = item.get("name", "the file")
    try:
        pg.load_csv(bytes(item["content"]))
    except (ValueError, TypeError) as exc:
        text = "%s was not loaded: %s" % (name, exc)
        pg._upload_w.value = '<span style="color:#b00">%s</span>' % _escape(text)
        pg._say(text)
    else:
        pg._upload_w.value = "loaded %d points from %s" % (len(pg._custom["X"]), _escape(name))
    finally:
        pg._mute += 1
        try:
            pg.controls["upload"].value = ()      # the same file can be chosen again
        finally:
            pg._mute -= 1


def _escape(text):
    return html.escape(str(text))
