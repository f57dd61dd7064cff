"""A still picture of the playground (PNG, drawn with Pillow from the same arrays the browser
gets): the readout, the network with every neuron's map and its links, and the large map with the
training points.

``Playground._repr_mimebundle_`` puts it beside the live widget's view, so a notebook read without
a kernel (on the web, or in a lab before running it) shows what the widget looked like instead of
``VBox(children=(...`` text; a live kernel shows the widget itself (JupyterLab prefers the widget's
renderer to the picture).  About 20-40 KB.
"""

import io

import numpy as np

from .multiclass import CLASS_COLOURS

__all__ = ["snapshot_png"]

NEG, MID, POS = np.array([245, 147, 34.]), np.array([232, 234, 235.]), np.array([8, 119, 189.])
MAP = 260           # the large map's side in pixels
HEIGHT = 342


def _rgb(values):
    """Values in [-1, 1] (NaN: grey) -> RGB uint8, the playground's orange-grey-blue scale."""
    v = np.nan_to_num(np.clip(np.asarray(values, dtype=np.float64), -1, 1), nan=0.0)[..., None]
    out = np.where(v < 0, MID + (MID - NEG) * v, MID + (POS - MID) * v)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _hex(colour):
    return np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)], dtype=np.float64)


def _classes_rgb(probs):
    """(d, d, k) probabilities -> the likeliest class's colour, paler where it is less sure."""
    k = probs.shape[-1]
    best = np.argmax(probs, axis=-1)
    p = np.clip((np.max(probs, axis=-1) - 1 / k) / (1 - 1 / k), 0, 1)[..., None]
    colours = np.array([_hex(c) for c in CLASS_COLOURS[:k]])
    return np.clip(MID + (colours[best] - MID) * p, 0, 255).astype(np.uint8)


def _image(rgb, size):
    from PIL import Image

    return Image.fromarray(rgb, "RGB").resize((size, size), Image.BILINEAR)


def _fmt(x, digits=3):
    return "-" if x is None or not np.isfinite(x) else "%.*f" % (digits, x)


def snapshot_png(pg):
    """The PNG bytes of a picture of playground ``pg`` as it is now."""
    from PIL import Image, ImageDraw

    sizes = pg.net.sizes
    with np.errstate(all="ignore"):
        acts = pg.grid_outputs()
    d = pg.density
    multi = sizes[-1] > 1
    cols = len(sizes)
    node = max(8, min(28, int(232 / max(sizes) / 1.35)))
    dy = node * 1.35
    dx = max(node + 18, min(90, int((430 - 60 - node) / max(cols - 1, 1))))
    left, top = 56, 70
    width = max(left + dx * (cols - 1) + node + 30, 300) + MAP + 20
    img = Image.new("RGB", (width, HEIGHT), "white")
    draw = ImageDraw.Draw(img)

    # the readout
    st = pg._state
    line = "Epoch %d   test loss %s   training loss %s" % (
        pg.epoch, _fmt(pg.test_losses[-1]), _fmt(pg.train_losses[-1]))
    if pg.test_accuracies[-1] is not None:
        line += "   test accuracy %.1f %%" % (100 * pg.test_accuracies[-1])
    draw.text((6, 4), line, fill=(20, 20, 20))
    draw.text((6, 20), "%s, %s, features %s, hidden %s, %s, learning rate %g" % (
        st["dataset"], st["problem"], " ".join(st["features"]), list(st["hidden"]) or "none",
        st["activation"], st["learning_rate"]), fill=(90, 90, 90))
    draw.text((6, 36), "(a picture of the playground: run the notebook to use the live widget)",
              fill=(150, 150, 150))

    # the neurons' positions
    pos = []
    for c, n in enumerate(sizes):
        y0 = top + (dy * max(sizes) - dy * n) / 2
        pos.append([(left + dx * c, y0 + dy * i) for i in range(n)])
    # links: colour by sign, width by |w| (not for the largest networks: a grey band instead)
    many = sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) > 1500
    for layer, W in enumerate(pg.net.weights if not many else ()):
        W = np.asarray(W, dtype=np.float64)
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                (xa, ya), (xb, yb) = pos[layer][i], pos[layer + 1][j]
                w = float(W[j, i]) if np.isfinite(W[j, i]) else 0.0
                colour = tuple(int(v) for v in _rgb(np.clip(w, -1, 1)))
                draw.line([(xa + node, ya + node / 2), (xb, yb + node / 2)], fill=colour,
                          width=max(1, min(5, int(round(abs(w) * 1.5)))))
    # every neuron's map
    for c, n in enumerate(sizes):
        for i in range(n):
            if c == 0:
                rgb = _rgb((pg.F_grid[:, i] / pg.F_scale[i]).reshape(d, d))
            elif c == cols - 1 and multi:
                p = np.clip(acts[-1][:, i].reshape(d, d), 0, 1)[..., None]
                rgb = np.clip(MID + (_hex(CLASS_COLOURS[i]) - MID) * p, 0, 255).astype(np.uint8)
            else:
                v = acts[c - 1][:, i]
                if c == cols - 1:
                    v = pg._shown(v)
                rgb = _rgb(v.reshape(d, d))
            x, y = pos[c][i]
            img.paste(_image(rgb, node), (int(x), int(y)))
            draw.rectangle([int(x), int(y), int(x) + node, int(y) + node], outline=(120, 120, 120))
            if c == 0:
                draw.text((int(x) - 6 * len(st["features"][i]) - 4, int(y + node / 2 - 6)),
                          st["features"][i], fill=(50, 50, 50))
        label = "in" if c == 0 else "out" if c == cols - 1 else "%d" % n
        draw.text((int(pos[c][0][0] + node / 2 - 3 * len(label)), top - 14), label,
                  fill=(90, 90, 90))

    # the large map with the training points
    mx, my = width - MAP - 10, top
    heat = pg.heatmap
    rgb = _classes_rgb(heat) if heat.ndim == 3 else _rgb(heat)
    img.paste(_image(rgb, MAP), (mx, my))
    dom = float(pg.domain)
    colours = np.array([_hex(c) for c in CLASS_COLOURS]) if multi else None
    for (x1, x2), label in zip(pg.X_train, pg.y_train):
        px, py = mx + (x1 + dom) / (2 * dom) * MAP, my + (dom - x2) / (2 * dom) * MAP
        fill = (tuple(int(v) for v in colours[int(label)]) if multi
                else tuple(int(v) for v in _rgb(np.clip(label, -1, 1))))
        draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=fill, outline=(255, 255, 255))
    draw.rectangle([mx, my, mx + MAP, my + MAP], outline=(150, 150, 150))
    draw.text((mx, my - 14), "output over [-%g, %g]^2" % (dom, dom), fill=(50, 50, 50))
    buf = io.BytesIO()
    img.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(buf, format="PNG",
                                                                    optimize=True)
    return buf.getvalue()
