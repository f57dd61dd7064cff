"""Plain-text tables for printed results: columns aligned from the values, not by hand.

A notebook that prints a table with f-strings pads every header and every value by hand; change a
number's width and the columns drift apart.  :func:`format_table` computes each column's width from
its header and its formatted values instead:

    print(format_table([(8, 2.2664, 0.853), (16, 2.2889, 0.918)],
                       [("L", "d"), ("T*(L)", ".4f"), ("test accuracy", ".3f")]))

     L   T*(L)  test accuracy
     8  2.2664          0.853
    16  2.2889          0.918

Numbers are right-aligned (their digits line up), everything else left-aligned.
"""

from numbers import Real

__all__ = ["format_table"]

_ALIGNS = ("<", ">")


def _column(spec, k):
    """(header, fmt, align or None) from a header string or a tuple (header[, fmt[, align]])."""
    if isinstance(spec, str):
        spec = (spec,)
    if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 3:
        raise TypeError(f"columns[{k}] must be a header string or a tuple (header, fmt[, align]), "
                        f"got {spec!r}")
    header, fmt, align = tuple(spec) + ("", None)[len(spec) - 1:]
    if not isinstance(header, str):
        raise TypeError(f"columns[{k}]: the header must be a string, got {header!r}")
    if not (isinstance(fmt, str) or callable(fmt)):
        raise TypeError(f"columns[{k}] ({header!r}): fmt must be a format spec such as '.4f' or a "
                        f"function returning a string, got {fmt!r}")
    if align is not None and align not in _ALIGNS:
        raise ValueError(f"columns[{k}] ({header!r}): align must be '<' (left) or '>' (right), "
                         f"got {align!r}")
    return header, fmt, align


def _cell(value, fmt, i, header):
    if value is None:
        return ""
    try:
        text = fmt(value) if callable(fmt) else format(value, fmt)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rows[{i}], column {header!r}: cannot format {value!r} with {fmt!r} "
                         f"({exc})") from None
    if not isinstance(text, str):
        raise TypeError(f"rows[{i}], column {header!r}: fmt returned {type(text).__name__}, "
                        "not a string")
    return text


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def format_table(rows, columns, *, sep="  "):
    """The rows as a text table with a header line; returns one string (no trailing newline).

    ``columns``: one entry per column, a header string or a tuple ``(header, fmt)`` or
    ``(header, fmt, align)``.  ``fmt`` is a format spec applied with :func:`format` (``".4f"``,
    ``"+.2%"``, ``"d"``; ``""``, the default, is ``str``) or a function of the value returning a
    string.  ``align`` is ``">"`` (right) or ``"<"`` (left); by default a column whose values are
    all numbers is right-aligned, any other left-aligned.  ``rows``: sequences with one value per
    column; ``None`` leaves the cell empty (a row that does not have that quantity).  Each column
    is as wide as its header or its widest cell; ``sep`` goes between columns.  Why: the widths
    follow the values, so a table stays aligned when a number gains a digit.
    """
    if isinstance(columns, (str, bytes)) or not hasattr(columns, "__len__") or len(columns) == 0:
        raise TypeError(f"columns must be a non-empty sequence of column specs, got {columns!r}")
    if not isinstance(sep, str):
        raise TypeError(f"sep must be a string, got {sep!r}")
    specs = [_column(spec, k) for k, spec in enumerate(columns)]
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be a sequence of rows, got {rows!r}")
    rows = list(rows)
    cells = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
            raise TypeError(f"rows[{i}] must be a sequence of values, got {row!r}")
        if len(row) != len(specs):
            raise ValueError(f"rows[{i}] has {len(row)} values, expected one per column "
                             f"({len(specs)})")
        cells.append([_cell(v, fmt, i, h) for v, (h, fmt, _) in zip(row, specs)])
    lines = [[h for h, _, _ in specs]] + cells
    widths = [max(len(line[k]) for line in lines) for k in range(len(specs))]
    aligns = []
    for k, (_, _, align) in enumerate(specs):
        if align is None:
            values = [row[k] for row in rows if row[k] is not None]
            align = ">" if values and all(_is_number(v) for v in values) else "<"
        aligns.append(align)
    text = [sep.join(format(c, a + str(w)) for c, a, w in zip(line, aligns, widths)).rstrip()
            for line in lines]
    return "\n".join(text)
