"""Where a backprop that raised an exception was: the equation (1)-(5) and the layer of the line
that failed, in words.

A crash is the most common first result of exercise 11.2 (c) (a missing transpose makes numpy
refuse the product), and its traceback names a line, not an equation.  ``crashsite`` reads the
failing line and its operands from the traceback's frames (nothing of the student's code runs
again) and names each operand's quantity: ``self.weights[-l+1]`` *is* w^2 whatever the code calls
it.  Then:

- the operands say which equation the line computes (w and delta: (3); delta and a: (5); y: (2);
  w with a or b: (1)) and for which layer (delta^{l+1} in (3) is layer l);
- when they do not tell, the quantities already computed right, anywhere in the local variables
  (lists included), do: the first quantity of the course's order still missing is the one being
  computed.

The message says that it crashed, where (equation, layer, line), why (the exception) and what the
equation needs, with this network's shapes.
"""

from typing import NamedTuple, Optional

import numpy as np

from . import crashsite

__all__ = ["Crash", "explain"]

DEPTH = 8  # the student's frames read, from the failing one out (a runaway recursion has 1000)

NAMES = {"w": "w^{l}", "b": "b^{l}", "z": "z^{l}", "a": "a^{l}", "delta": "delta^{l}",
         "sp": "sigma'(z^{l})", "nabla_w": "dC/dw^{l}", "y": "y", "a-y": "a^{l} - y",
         "back": "(w^{n})^T delta^{n}"}


def _name(kind, l):
    """The sheet's name of quantity ``kind`` of layer l: "delta^2", "(w^3)^T delta^3"."""
    return NAMES[kind].format(l=l, n=None if l is None else l + 1)


class Crash(NamedTuple):
    """Where a backprop crashed: equation and layer (None when none can be blamed), the message,
    the exception as text, the failing source line (None without source)."""
    equation: Optional[int]
    layer: Optional[int]
    message: str
    error: str
    line: Optional[str]


def explain(ref, error, name_delta=None):
    """A ``Crash`` for ``error``, raised by a backprop on the reference's example; never raises
    (a part it cannot work out is left out of the message, the exception is always in it).
    ``name_delta(l, value)`` names the slip when an operand should be delta^l and is not."""
    text = ("%s: %s" % (type(error).__name__, error)) if str(error) else type(error).__name__
    try:
        return _explain(ref, error, text, name_delta)
    except Exception:  # an explanation must never hide the student's own error
        return Crash(None, None, "your backprop raised %s." % text, text, None)


def _explain(ref, error, text, name_delta):
    frames = crashsite.student_frames(error)[-DEPTH:]
    progress = crashsite.progress(ref, [frame for frame, _ in frames])
    site = frames[-1] if frames else None
    found = crashsite.site(site, ref) if site else None
    line = found["line"] if found else None
    raised = "your backprop raised %s" % text
    if found:
        raised += " in the line `%s`" % _short(line)
        if found["part"] and found["part"] != line:
            raised += " (at `%s`)" % _short(found["part"], 80)
        if site[0].f_code.co_name != "backprop":
            raised += " of %s" % site[0].f_code.co_name
    if found and found["is_raise"]:
        if isinstance(error, NotImplementedError):
            return Crash(None, None, raised + ": backprop is not written yet (exercise 11.2 (c): "
                         "equations (1)-(5)).", text, line)
        return Crash(None, None, raised + ", a raise of your own code.", text, line)
    if isinstance(error, RecursionError):  # no equation: a call that never returns
        return Crash(None, None, raised + ": backprop (or a function it calls) calls itself "
                     "without end; the equations (1)-(5) need no recursion, only loops over "
                     "the layers.", text, line)
    # the failing line first, then the lines that called it (a helper of the student's); a
    # line that says outright which equation it computes wins over one that only hints at it
    statements = [found] + [crashsite.site(f, ref, caller=True) for f in reversed(frames[:-1])] \
        if found else []
    placed = [(_from_operands(s, progress, ref), s) for s in statements if s]
    placed = [(p, s) for p, s in placed if p[0] is not None]
    placed.sort(key=lambda ps: not ps[0][2])  # stable: the strong ones first, deepest first
    (equation, layer, _), found_at = placed[0] if placed else ((None, None, False), None)
    basis = "operands"
    if equation is None:
        equation, layer = _from_progress(progress, ref.L)
        basis = "progress"
        found_at = found
    if equation is None:
        return Crash(None, None, raised + ".", text, line)
    parts = ["equation (%d), layer %d: %s" % (equation, layer, raised)]
    hint = _needs(ref, equation, layer, found_at["operands"] if found_at else [])
    if basis == "progress":
        done = _describe_progress(progress, ref.L)
        parts.append("; it had computed %s right, and the next quantity is %s"
                     % (done, _quantity_of(equation, layer, ref.L)) if done else "")
    parts.append("; " + hint if hint else "")
    notes = _notes(ref, equation, layer, found_at, name_delta) if found_at else []
    message = "".join(parts) + "." + "".join(" " + n for n in notes)
    return Crash(equation, layer, message, text, line)


def _short(text, limit=110):
    """A line of code short enough for one message."""
    return text if len(text) <= limit else text[:limit - 4] + " ..."


# ------------------------------------------------------------------- which equation, which layer

def _from_operands(site, progress, ref):
    """(equation, layer, strong) from the quantities a failing line works with, or
    (None, None, False).  ``strong`` when the operands name the equation outright (w and delta:
    (3); delta and a: (5); y: (2); w and a or b: (1)); the weaker rules read one kind of quantity
    with what was computed before (z^l before any delta is (1), after one it is (2) or (3))."""
    L = ref.L
    seen = {}
    for o in site["operands"]:
        if o.kind is not None:
            seen.setdefault(o.kind, []).append(o.layer)
    has = seen.__contains__
    backward = any(k == "delta" for k, _ in progress)

    def top(*kinds):
        return max(l for k in kinds for l in seen.get(k, []))
    if has("w") and has("delta"):   # (3): the layer of the delta that flows back
        return 3, top("delta") - 1, True
    if has("back"):                 # (3) in two lines: (w^{l+1})^T delta^{l+1}, then * sigma'
        return 3, top("back"), True
    if has("delta") and has("a"):
        return 5, top("delta"), True
    if has("y") or has("a-y"):
        return 2, L, True
    if has("w") and (has("a") or has("b")):
        return 1, top("w"), True
    if has("w") and (has("sp") or has("z") and backward):
        return 3, top("z", "sp"), True
    # stored into a list shaped like the weights: (5); a delta stored into one list per layer: (4)
    stored = [k[0] for k in (crashsite.list_kind(s.value, ref) for s in site["stores"]) if k]
    if any("weights" in k for k in stored) and (has("delta") or has("a")):
        return 5, (top("delta") if has("delta") else top("a") + 1), True
    if has("delta") and any(isinstance(s.value, (list, tuple)) and len(s.value) == L
                            for s in site["stores"]):
        return 4, top("delta"), True
    if has("delta"):  # delta alone: (2) or (3)
        if has("z") or has("sp"):
            l = top("z", "sp")
            return (2, L, False) if l == L else (3, l, False)
        return 3, top("delta") - 1, False
    if has("a") and backward:
        return 5, top("a") + 1, False
    if has("z") or has("sp"):
        l = top("z", "sp")
        return (1, l, False) if not backward else (2, L, False) if l == L else (3, l, False)
    if has("w"):
        return ((3, top("w") - 1, False) if backward else (1, top("w"), False))
    if has("a"):
        return 1, top("a") + 1, False
    return None, None, False


def _order(L):
    """The quantities in the order of the course's backprop: (1) forward, then per layer from
    L down: delta^l ((2) or (3)), dC/dw^l (5)."""
    seq = [(k, l) for l in range(1, L + 1) for k in ("z", "a")]
    for l in range(L, 0, -1):
        seq += [("delta", l), ("nabla_w", l)]
    return seq


def _from_progress(progress, L):
    """(equation, layer) of the first quantity of the course's order not yet computed right."""
    if not progress:
        return None, None
    for kind, l in _order(L):
        if (kind, l) not in progress:
            if kind in ("z", "a"):
                return 1, l
            if kind == "delta":
                return (2 if l == L else 3), l
            return 5, l
    return None, None


def _describe_progress(progress, L):
    """The quantities computed right, in ranges: "z^1..z^3, a^1..a^3, delta^3, dC/dw^3"."""
    words = []
    for kind in ("z", "a", "delta", "nabla_w"):
        layers = sorted((l for k, l in progress if k == kind and l), reverse=kind in (
            "delta", "nabla_w"))  # a^0 = x was given, not computed
        runs = []
        for l in layers:
            if runs and abs(l - runs[-1][-1]) == 1:
                runs[-1].append(l)
            else:
                runs.append([l])
        words += [_name(kind, r[0]) if len(r) == 1 else "%s..%s" % (_name(kind, r[0]),
                                                                   _name(kind, r[-1]))
                  for r in runs]
    return ", ".join(words)


def _quantity_of(equation, layer, L):
    return {1: "z^%d, a^%d of (1)" % (layer, layer), 2: "delta^%d of (2)" % L,
            3: "delta^%d of (3)" % layer, 4: "dC/db^%d of (4)" % layer,
            5: "dC/dw^%d of (5)" % layer}[equation]


# --------------------------------------------------------------------------------- the words

def _shape(shape):
    return "(%s)" % ", ".join(str(n) for n in shape)


def _needs(ref, equation, layer, operands):
    """What equation ``equation`` needs at ``layer``, with this network's shapes."""
    n, L = ref.sizes, ref.L
    plain = {(o.kind, o.layer) for o in operands if o.kind is not None and not o.transposed
             and not o.text.endswith((".T", ".transpose()"))}
    if equation == 3 and not 1 <= layer < L:
        return ("(3) is for the hidden layers, %s: your loop goes on past layer 1 to layer 0, "
                "the input x, which has no delta (the course's loop is `for l in range(2, "
                "self.num_layers)`)" % ("%d down to 1" % (L - 1) if L > 2 else "layer 1 here"
                                        if L == 2 else "none here")
                if layer < 1 else "(3) is for the hidden layers below L = %d; layer %d has "
                "(2)" % (L, L))
    if equation == 1:
        return ("(1) reads %s: w^%d has shape %s, a^%d %s, b^%d %s"
                % (ref.equation(1, layer), layer, _shape(ref.w[layer].shape), layer - 1,
                   _shape(ref.a[layer - 1].shape), layer, _shape(ref.b[layer].shape)))
    if equation == 2:
        return ("(2) reads %s, with * elementwise: a^%d, y and z^%d have shape %s"
                % (ref.equation(2, L), L, L, _shape((n[L], 1))))
    if equation == 3:
        if ("w", layer + 1) in plain:  # w^{l+1} delta^{l+1}: numpy refuses unless square
            return ("(3) needs the transpose (w^%d)^T delta^%d: w^%d has shape %s, delta^%d %s"
                    % (layer + 1, layer + 1, layer + 1, _shape(ref.w[layer + 1].shape),
                       layer + 1, _shape(ref.delta[layer + 1].shape)))
        return ("(3) reads %s: (w^%d)^T has shape %s, delta^%d %s, z^%d %s, and * is "
                "elementwise" % (ref.equation(3, layer), layer + 1,
                                 _shape(ref.w[layer + 1].T.shape), layer + 1,
                                 _shape(ref.delta[layer + 1].shape), layer,
                                 _shape(ref.z[layer].shape)))
    if equation == 4:
        return "(4) reads %s, shape %s" % (ref.equation(4, layer), _shape(ref.b[layer].shape))
    if ("a", layer - 1) in plain:  # delta^l a^{l-1}: two columns, no product
        return ("(5) needs the transpose (a^%d)^T: delta^%d has shape %s and a^%d %s, and "
                "delta^%d (a^%d)^T is their outer product, of shape %s like w^%d"
                % (layer - 1, layer, _shape(ref.delta[layer].shape), layer - 1,
                   _shape(ref.a[layer - 1].shape), layer, layer - 1,
                   _shape(ref.w[layer].shape), layer))
    return ("(5) reads %s: delta^%d %s times (a^%d)^T %s gives %s, the shape of w^%d"
            % (ref.equation(5, layer), layer, _shape(ref.delta[layer].shape), layer - 1,
               _shape((1, n[layer - 1])), _shape(ref.w[layer].shape), layer))


def _expected(equation, layer, L):
    """{kind: layer} of the operands equation ``equation`` uses at ``layer``."""
    return {1: {"w": layer, "b": layer, "a": layer - 1, "z": layer},
            2: {"a": L, "z": L, "sp": L},
            3: {"w": layer + 1, "delta": layer + 1, "z": layer, "sp": layer, "back": layer},
            4: {"delta": layer},
            5: {"delta": layer, "a": layer - 1}}[equation]


def _notes(ref, equation, layer, site, name_delta):
    """Sentences about the line's operands: which quantity each one is, the ones of another
    layer than the equation needs, a delta that is already wrong, an index out of range."""
    notes, L, already = [], ref.L, False
    expected = _expected(equation, layer, L)
    named, wrong = [], []
    for o in site["operands"]:
        if o.failure is not None:
            notes.append(_failed(o, ref))
        elif o.kind is not None:
            what = _name(o.kind, o.layer)
            what = "(%s)^T" % what if o.transposed else what
            named.append("`%s` is %s" % (o.text, what))
            want = expected.get(o.kind)
            if want is not None and o.layer != want and 0 <= want <= L:
                wrong.append("`%s` is %s where (%d) for layer %d has %s"
                             % (o.text, what, equation, layer, _name(o.kind, want)))
        elif isinstance(o.value, np.ndarray) and "delta" in expected and not already \
                and 1 <= expected["delta"] <= L \
                and not any(p.kind == "delta" for p in site["operands"]):
            # the delta this line works with is none of the reference's: an earlier slip
            d, already = expected["delta"], True
            if o.value.shape == ref.delta[d].shape:
                slip = name_delta(d, o.value.astype(np.float64)) if name_delta else None
                notes.append("`%s` is not delta^%d: a line before this one is already wrong%s."
                             % (o.text, d, " (it %s)" % slip if slip else ""))
            else:
                notes.append("`%s` has shape %s where delta^%d has %s: a line before this one "
                             "is already wrong." % (o.text, _shape(o.value.shape), d,
                                                    _shape(ref.delta[d].shape)))
    if wrong:
        notes.insert(0, "In that line %s." % "; ".join(wrong))
    elif named:
        notes.insert(0, "In that line %s." % ", ".join(named))
    return notes


def _failed(o, ref):
    """Why reading an operand of the line failed (the line's own IndexError, NameError...)."""
    f = o.failure
    if isinstance(f, IndexError) and isinstance(o.container, (list, tuple, np.ndarray)):
        n = len(o.container)
        kind = crashsite.list_kind(o.container, ref)
        holds = ("holds %s" % kind[0] if kind else "has %d entries" % n)
        return ("`%s`: the index %s is out of range: %s %s, indices 0..%d (or -%d..-1)."
                % (o.text, o.index if o.index is not None else "", o.text[:o.text.rindex("[")],
                   holds, n - 1, n))
    if isinstance(f, NameError):
        return "`%s` is not defined where backprop runs (a missing import or a typo?)." % o.text
    return "`%s` could not be read (%s: %s)." % (o.text, type(f).__name__, f)
