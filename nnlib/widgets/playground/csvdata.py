"""Your own data from a CSV file: two feature columns (x1, x2) and a label column.

What the upload button of the playground reads, and what ``Playground.load_csv`` reads from code.
Rules, chosen so that a spreadsheet's "save as CSV" works as it is:

- UTF-8 text (a byte-order mark is fine); the separator is a comma, a semicolon or a tab;
- a first row that is not numbers is a header and skipped; empty lines and lines starting with
  ``#`` are skipped;
- every other row holds exactly three values: x1, x2 (numbers of size at most ``MAX_ABS``, so that
  the features x1^2, x1x2 and the drawn grid stay finite) and the label: a number (also at most
  ``MAX_ABS``), or a class name without control characters (a NUL byte is not part of a name);
  which problem the labels make is decided by ``settings.prepare_data``.

A bad file raises a ``ValueError`` that says which row and column is wrong, so that the widget can
show it and change nothing.
"""

import csv
import math

import numpy as np

from .settings import prepare_data

__all__ = ["read_csv", "MAX_BYTES", "MAX_POINTS", "MAX_ABS"]

MAX_BYTES = 2_000_000      # about 50 000 short rows; larger files are surely not meant for this
MAX_POINTS = 5000          # each frame evaluates every point twice (training and test loss)
MAX_ABS = 1e6              # |x1|, |x2|, numeric labels at most this: x1^2, the grid, the loss
                           # and the float32 picture of the points stay finite


def _text(content):
    if isinstance(content, str):
        return content
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError("content must be the bytes or the text of a CSV file, got %s"
                        % type(content).__name__)
    content = bytes(content)
    if len(content) > MAX_BYTES:
        raise ValueError("the file has %d bytes; the playground reads CSV files of at most "
                         "%d bytes" % (len(content), MAX_BYTES))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError("the file is not UTF-8 text (byte %d); save it as CSV (UTF-8)"
                         % err.start) from None


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def _rows(text):
    """(row number in the file, fields) for every row that holds data or a header."""
    lines = [(k + 1, line) for k, line in enumerate(text.splitlines())
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValueError("the file holds no data: expected rows 'x1,x2,label'")
    sample = "\n".join(line for _, line in lines[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    for number, line in lines:
        yield number, [field.strip() for field in next(csv.reader([line], delimiter=delimiter))]


def read_csv(content):
    """The data of a CSV file's ``content`` (bytes or text) as ``prepare_data`` returns it."""
    text = _text(content)
    X, labels, where, header = [], [], [], None
    for number, fields in _rows(text):
        if len(fields) != 3:
            raise ValueError("row %d has %d column%s, expected 3: x1, x2 and the label"
                             % (number, len(fields), "" if len(fields) == 1 else "s"))
        x = [_number(fields[0]), _number(fields[1])]
        if not X and header is None and None in x:
            header = fields                       # the first row names the columns
            continue
        for value, field, name in zip(x, fields, ("x1", "x2")):
            if value is None:
                raise ValueError("row %d, column %s: %r is not a number" % (number, name, field))
            if not math.isfinite(value):
                raise ValueError("row %d, column %s: %r is not a finite number"
                                 % (number, name, field))
            if abs(value) > MAX_ABS:
                raise ValueError("row %d, column %s: %r is too large; expected numbers between "
                                 "-%g and %g (rescale the data, e.g. to [-6, 6])"
                                 % (number, name, field, MAX_ABS, MAX_ABS))
        if fields[2] == "":
            raise ValueError("row %d: the label (third column) is empty" % number)
        control = next((c for c in fields[2] if ord(c) < 32 or 127 <= ord(c) < 160), None)
        if control is not None:
            raise ValueError("row %d, column label: %r contains the control character %r; "
                             "expected a number or a class name" % (number, fields[2], control))
        X.append(x)
        labels.append(fields[2])
        where.append(number)
        if len(X) > MAX_POINTS:
            raise ValueError("the file has more than %d points; the playground redraws every "
                             "point each frame, so keep it smaller" % MAX_POINTS)
    if len(X) < 4:
        raise ValueError("the file has %d data row%s; at least 4 are needed (to split into "
                         "training and test data)" % (len(X), "" if len(X) == 1 else "s"))
    numbers = [_number(label) for label in labels]
    if all(v is not None for v in numbers):
        bad = next((k for k, v in enumerate(numbers) if not math.isfinite(v)), None)
        if bad is not None:
            raise ValueError("row %d, column label: %r is not a finite number"
                             % (where[bad], labels[bad]))
        bad = next((k for k, v in enumerate(numbers) if abs(v) > MAX_ABS), None)
        if bad is not None:
            raise ValueError("row %d, column label: %r is too large; expected numbers between "
                             "-%g and %g (rescale the data)" % (where[bad], labels[bad], MAX_ABS,
                                                                 MAX_ABS))
        y = np.array(numbers)
    else:
        y = np.array(labels, dtype=object)        # class names
    return prepare_data(np.array(X), y)

