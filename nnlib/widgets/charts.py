"""Pictures as strings: a line chart in SVG and an image as a PNG data URI.

Widgets that a background thread updates (the training panel's learning curve and sample
pictures) are best fed plain strings: a thread may set an ``ipywidgets.HTML`` value safely,
whereas matplotlib is not thread-safe and an ``Output`` widget does not reliably capture what a
thread draws.  Redrawing a few hundred characters of SVG per epoch is also far cheaper than
redrawing a figure.  PNG encoding is Pillow's (installed with matplotlib).
"""

import base64
import html
import io
import math

import numpy as np

__all__ = ["nice_ticks", "line_chart_svg", "png_data_uri", "grey_image"]

GREY = "#888888"


def nice_ticks(hi):
    """Ticks 0, d, 2d, ... with d = 1, 2 or 5 times a power of ten, the last one >= hi > 0."""
    raw = hi / 4
    power = 10.0 ** math.floor(math.log10(raw))
    d = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [d * k for k in range(int(math.ceil(hi / d - 1e-9)) + 1)]


def line_chart_svg(title, xlabel, ylabel, x_max, ticks, series, x_values, reference=None):
    """A line chart as an SVG string, x from 0 to ``x_max`` (e.g. epochs).

    ``ticks`` are the y ticks (the first and last set the range); each series is
    ``(key, label, values, colour, dasharray)``, drawn at ``x_values``; ``reference`` an optional
    ``(value, label)`` drawn as a dotted horizontal line.  Every polyline carries
    ``data-series="key"`` so that tests can read the plotted points."""
    width, height = 330, 220
    x0, x1, y0, y1 = 62, width - 12, 40, height - 40
    lo, hi = ticks[0], ticks[-1]

    def x_of(x):
        return x0 + (x1 - x0) * x / max(x_max, 1)

    def y_of(v):
        return y1 - (y1 - y0) * (min(max(v, lo), hi) - lo) / (hi - lo)

    def dashed(dash):
        return ' stroke-dasharray="%s"' % dash if dash else ""

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<text x="%d" y="15" text-anchor="middle" font-size="13">%s</text>'
           % ((x0 + x1) // 2, html.escape(title)),
           '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>'
           % (x0, y0, x1 - x0, y1 - y0)]
    for v in ticks:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>'
                   % (x0, x1, y_of(v), y_of(v)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                   % (x0 - 4, y_of(v) + 4, "%.4g" % v))
    step = max(1, int(math.ceil(x_max / 6)))
    for x in range(0, x_max + 1, step):
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x_of(x), y1 + 14, x))
    out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>'
               % ((x0 + x1) // 2, height - 8, html.escape(xlabel)))
    out.append('<text x="12" y="%d" text-anchor="middle" transform="rotate(-90 12 %d)">%s</text>'
               % ((y0 + y1) // 2, (y0 + y1) // 2, html.escape(ylabel)))
    if reference is not None:
        value, label = reference
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" '
                   'stroke-dasharray="2,3"/>' % (x0, x1, y_of(value), y_of(value), GREY))
        out.append('<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>'
                   % (x1 - 3, y_of(value) - 3, GREY, html.escape(label)))
    legend_x = x0
    for key, label, values, colour, dash in series:
        points = " ".join("%.1f,%.1f" % (x_of(x), y_of(v)) for x, v in zip(x_values, values))
        out.append('<polyline data-series="%s" points="%s" fill="none" stroke="%s" '
                   'stroke-width="2"%s/>' % (key, points, colour, dashed(dash)))
        if len(values) == 1:  # a single point still shows
            out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>'
                       % (x_of(x_values[0]), y_of(values[0]), colour))
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                   % (legend_x, legend_x + 18, y0 - 10, y0 - 10, colour, dashed(dash)))
        out.append('<text x="%d" y="%d">%s</text>' % (legend_x + 22, y0 - 6, html.escape(label)))
        legend_x += 30 + 7 * len(label)
    out.append("</svg>")
    return "".join(out)


def grey_image(values):
    """A 2-D array as 8-bit grey levels, scaled to its own range, large values dark (as ink on
    paper: MNIST strokes and up spins come out black)."""
    img = np.asarray(values, dtype=np.float64)
    lo, hi = float(img.min()), float(img.max())
    grey = np.zeros_like(img) if hi == lo else (img - lo) / (hi - lo)
    return (255 * (1 - grey)).round().astype(np.uint8)


def png_data_uri(image):
    """``data:image/png;base64,...`` for a uint8 image: (rows, columns) grey or (rows,
    columns, 3) RGB; usable as the ``src`` of an ``<img>``."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
