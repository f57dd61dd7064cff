"""A step-by-step view of backpropagation on a small network and one example.

Forward and Back walk through the course's equations in the order backprop applies them: (1) layer
by layer (z and a at each neuron), then (2) at the output, (3) layer by layer backwards (delta at
each neuron), then (4)-(5) layer by layer (the gradients on the biases and the links).  Every step
shows its equation with the numbers substituted, so a student can redo one line by hand.

Given a network with a ``backprop`` of its own (the student's ``MyNetwork``, a subclass of
``nnlib.Network`` or of the sheet's plain ``network.Network``), each delta and gradient shows the
student's value beside the reference, and the step holding the first wrong quantity, the one
``nnlib.core.gradcheck.diagnose`` names, is marked with the diagnosis; the view opens at that step.
The student's z and a are not returned by ``backprop``, so the forward steps show the reference
only.  A backprop that raises an exception (a shape error, say) has returned nothing to show: the
view then holds the steps up to the one where it crashed, marked with the diagnosis of the crash
(the equation, the exception, the line), and opens there.

Layers follow the exercise sheet: a^0 = x, hidden layers 1..L-1, output layer L.  The reference is
computed in float64 by ``nnlib.core.reference`` from the network's weights (never by the student's code);
``steps`` is plain data, so it is tested without a browser; ``BackpropSteps`` draws it (an
anywidget in the playground's colours, backprop_steps.js).
"""

import pathlib

import anywidget
import numpy as np
import traitlets

from ..core.diagnose import examine
from ..core.reference import ATOL, RTOL, Reference, as_array, checked

__all__ = ["BackpropSteps", "steps"]

HERE = pathlib.Path(__file__).parent
MAX_NEURONS = 8  # per layer: the diagram and the lines of a step stay readable


def _f(v):
    """A number as the view prints it: 4 significant digits."""
    return "%.4g" % v


def _term(v):
    return "(%s)" % _f(v) if v < 0 else _f(v)


def _own_backprop(network):
    """Is ``network.backprop`` someone's own (a subclass's, the sheet's class's, or one set on
    the instance), not the library's?"""
    from ..core.network import Network

    backprop = network.backprop
    return getattr(backprop, "__func__", backprop) is not Network.backprop


def _student_arrays(ref, returned):
    """nabla_b and nabla_w (index l = 1..L) as float arrays shaped like the reference, or None
    where the student's value has another shape (or the structure is broken)."""
    L = ref.L
    nb, nw = [None] * (L + 1), [None] * (L + 1)
    if isinstance(returned, (tuple, list)) and len(returned) == 2 \
            and all(isinstance(g, (tuple, list)) and len(g) == L for g in returned):
        for l in range(1, L + 1):
            b, w = as_array(returned[0][l - 1]), as_array(returned[1][l - 1])
            nb[l] = b if b is not None and b.shape == ref.delta[l].shape else None
            nw[l] = w if w is not None and w.shape == ref.w[l].shape else None
    return nb, nw


def _differs(s, r):
    """Entrywise: does s depart from r beyond rounding (the tolerance diagnose uses)?"""
    scale = float(np.max(np.abs(r))) if r.size else 0.0
    with np.errstate(invalid="ignore"):
        return ~(np.abs(s - r) <= RTOL * (np.abs(s) + np.abs(r)) + ATOL * scale)


def _entry(ref_value, mine):
    value = {"ref": float(ref_value), "text": _f(ref_value)}
    if mine is not None:
        value.update(mine=float(mine[0]), mine_text=_f(mine[0]), differs=bool(mine[1]))
    return value


def steps(network, x, y):
    """The list of steps (plain dicts, JSON-ready) for ``network`` on the example (x, y), and the
    diagnosis (None when the network's backprop is the library's own).

    Each step has ``equation`` ("(1)", "(2)", "(3)" or "(4)-(5)"), ``layer``, ``title``, ``lines``
    (the equation with numbers, one line per neuron), ``neurons`` {"l,j": entry} and ``links``
    {"l,j,k": entry} for the quantities the step computes, where an entry holds the reference
    (``ref``, ``text``) and, when the student's backprop returns it, ``mine``, ``mine_text`` and
    ``differs``; ``first`` marks the step where the first wrong quantity sits.

    When the student's backprop raises, the list ends at the step of the equation and layer
    where it crashed (``first`` and ``crash`` set; a step of its own when the crash is in no
    step, e.g. a loop that runs past layer 1), and the diagnosis is the crash's."""
    net, x, y = checked(network, x, y)
    ref = Reference(net, x, y)
    L = ref.L
    verdict = None
    nb = nw = [None] * (L + 1)
    if _own_backprop(network):
        returned, verdict = examine(net, x, y, ref)  # the student's code, called once
        nb, nw = _student_arrays(ref, returned)
    out = []
    for l in range(1, L + 1):                                                      # (1)
        lines, neurons = [], {}
        for j in range(ref.z[l].shape[0]):
            terms = " + ".join("%s*%s" % (_term(ref.w[l][j, k]), _term(ref.a[l - 1][k, 0]))
                               for k in range(ref.w[l].shape[1]))
            lines.append("z^%d_%d = %s + %s = %s;   a^%d_%d = sigma(%s) = %s"
                         % (l, j + 1, terms, _term(ref.b[l][j, 0]), _f(ref.z[l][j, 0]), l, j + 1,
                            _f(ref.z[l][j, 0]), _f(ref.a[l][j, 0])))
            neurons["%d,%d" % (l, j)] = _entry(ref.a[l][j, 0], None)
        out.append(dict(equation="(1)", layer=l, neurons=neurons, links={}, lines=lines,
                        title="(1) feedforward, layer %d: z^%d = w^%d a^%d + b^%d, "
                        "a^%d = sigma(z^%d)"
                        % (l, l, l, l - 1, l, l, l)))
    for l in range(L, 0, -1):                                                      # (2), (3)
        lines, neurons = [], {}
        mine = nb[l]
        bad = _differs(mine, ref.delta[l]) if mine is not None else None
        for j in range(ref.delta[l].shape[0]):
            d, z = ref.delta[l][j, 0], ref.z[l][j, 0]
            prime = ref.prime(l, ref.z[l])
            if l == L and ref.quadratic:
                line = "delta^%d_%d = (a^%d_%d - y_%d) sigma'(z^%d_%d) = (%s - %s)*%s = %s" % (
                    L, j + 1, L, j + 1, j + 1, L, j + 1, _f(ref.a[L][j, 0]), _f(ref.y[j, 0]),
                    _term(prime[j, 0]), _f(d))
            elif l == L:
                line = "delta^%d_%d = a^%d_%d - y_%d = %s - %s = %s" % (
                    L, j + 1, L, j + 1, j + 1, _f(ref.a[L][j, 0]), _f(ref.y[j, 0]), _f(d))
            else:
                terms = " + ".join("%s*%s" % (_term(ref.w[l + 1][k, j]),
                                              _term(ref.delta[l + 1][k, 0]))
                                   for k in range(ref.delta[l + 1].shape[0]))
                line = ("delta^%d_%d = (sum_k w^%d_k%d delta^%d_k) sigma'(z^%d_%d) = (%s)*%s = %s"
                        % (l, j + 1, l + 1, j + 1, l + 1, l, j + 1, terms, _term(prime[j, 0]),
                           _f(d)))
            if mine is not None:
                line += "   yours: %s%s" % (_f(mine[j, 0]), "  <- differs" if bad[j, 0] else "")
            lines.append(line)
            neurons["%d,%d" % (l, j)] = _entry(d, None if mine is None
                                               else (mine[j, 0], bad[j, 0]))
        eq = "(2)" if l == L else "(3)"
        title = ("(2) output error: delta^%d = (a^%d - y) * sigma'(z^%d)" % (L, L, L)
                 if l == L and ref.quadratic else "(2) output error: delta^%d = a^%d - y" % (L, L)
                 if l == L else "(3) error one layer back: delta^%d = ((w^%d)^T delta^%d) * "
                 "sigma'(z^%d)" % (l, l + 1, l + 1, l))
        out.append(dict(equation=eq, layer=l, neurons=neurons, links={}, lines=lines,
                        title=title))
    for l in range(L, 0, -1):                                                      # (4), (5)
        lines, neurons, links = [], {}, {}
        gw = ref.nabla_w(l)
        bad_b = _differs(nb[l], ref.delta[l]) if nb[l] is not None else None
        bad_w = _differs(nw[l], gw) if nw[l] is not None else None
        for j in range(gw.shape[0]):
            line = "dC/db^%d_%d = delta^%d_%d = %s" % (l, j + 1, l, j + 1, _f(ref.delta[l][j, 0]))
            if nb[l] is not None:
                line += "   yours: %s%s" % (_f(nb[l][j, 0]), "  <- differs" if bad_b[j, 0] else "")
            lines.append(line)
            neurons["%d,%d" % (l, j)] = _entry(ref.delta[l][j, 0], None if nb[l] is None
                                               else (nb[l][j, 0], bad_b[j, 0]))
            for k in range(gw.shape[1]):
                line = "dC/dw^%d_%d%d = delta^%d_%d a^%d_%d = %s*%s = %s" % (
                    l, j + 1, k + 1, l, j + 1, l - 1, k + 1, _term(ref.delta[l][j, 0]),
                    _term(ref.a[l - 1][k, 0]), _f(gw[j, k]))
                if nw[l] is not None:
                    line += "   yours: %s%s" % (_f(nw[l][j, k]),
                                                "  <- differs" if bad_w[j, k] else "")
                lines.append(line)
                links["%d,%d,%d" % (l, j, k)] = _entry(gw[j, k], None if nw[l] is None
                                                       else (nw[l][j, k], bad_w[j, k]))
        out.append(dict(equation="(4)-(5)", layer=l, neurons=neurons, links=links, lines=lines,
                        title="(4), (5) gradients, layer %d: dC/db^%d = delta^%d, dC/dw^%d = "
                        "delta^%d (a^%d)^T" % (l, l, l, l, l, l - 1)))
    for step in out:
        step["first"] = verdict is not None and not verdict.correct and _holds(step, verdict, L)
        step["crash"] = False
    if verdict is not None and verdict.crashed:
        out = _up_to_the_crash(out, verdict)
    return out, verdict


def _up_to_the_crash(out, verdict):
    """The steps up to the one where backprop crashed, that one marked (or a step of its own for a
    crash that no step holds: a raise of the student's, a loop past layer 1)."""
    marked = [k for k, step in enumerate(out) if step["first"]]
    if marked:
        out = out[:marked[0] + 1]
        out[-1]["crash"] = True
        return out
    eq = None if verdict.equation is None else "(%d)" % verdict.equation
    same = [k for k, step in enumerate(out) if step["equation"] == eq]
    at = same[-1] + 1 if same else sum(step["equation"] == "(1)" for step in out)
    title = ("%s layer %s: your backprop stopped with %s" % (eq, verdict.layer, verdict.error)
             if eq else "your backprop stopped with %s" % verdict.error)
    failure = dict(equation=eq or "crash", layer=verdict.layer, neurons={}, links={},
                   lines=[verdict.error] + (["in the line: %s" % verdict.line]
                                            if verdict.line else []),
                   title=title, first=True, crash=True)
    return out[:at] + [failure]


def _holds(step, verdict, L):
    """Does ``step`` compute the quantity the diagnosis blames?"""
    if verdict.equation is None:  # a broken return value: the first step that shows the student's
        return not verdict.crashed and step["equation"] == "(2)"   # (a crash: a step of its own)
    if verdict.equation in (4, 5):
        return step["equation"] == "(4)-(5)" and step["layer"] == verdict.layer
    return step["equation"] == "(%d)" % verdict.equation and step["layer"] == verdict.layer


class BackpropSteps(anywidget.AnyWidget):
    """``BackpropSteps(network, x, y)``: Forward/Back through (1)-(5) on the network's diagram.

    For the picture the network should be small (a few neurons per layer): every step lists one
    line per neuron (and per link for (5))."""
    _esm = HERE / "backprop_steps.js"
    _css = HERE / "playground" / "playground.css"   # the playground's colours
    sizes = traitlets.List().tag(sync=True)
    weights = traitlets.List().tag(sync=True)    # w^l as nested lists, l = 1..L
    biases = traitlets.List().tag(sync=True)
    steps = traitlets.List().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    diagnosis = traitlets.Unicode("").tag(sync=True)
    student = traitlets.Bool(False).tag(sync=True)
    crashed = traitlets.Bool(False).tag(sync=True)   # the student's backprop raised
    x = traitlets.List().tag(sync=True)          # the input a^0, drawn at the input neurons

    def __init__(self, network, x, y, **kwargs):
        sizes = getattr(network, "sizes", None)
        if isinstance(sizes, list) and max(sizes) > MAX_NEURONS:
            raise ValueError("BackpropSteps draws small networks, at most %d neurons per layer "
                             "(every step lists one line per neuron and link); got sizes %s"
                             % (MAX_NEURONS, sizes))
        all_steps, verdict = steps(network, x, y)
        super().__init__(**kwargs)
        self.sizes = list(network.sizes)
        self.weights = [np.asarray(w, dtype=float).tolist() for w in network.weights]
        self.biases = [np.asarray(b, dtype=float).ravel().tolist() for b in network.biases]
        self.steps = all_steps
        self.student = verdict is not None
        self.crashed = verdict is not None and verdict.crashed
        # open where there is something to see: the first difference, or the crash
        self.step = next((k for k, s in enumerate(all_steps) if s["first"]), 0)
        self.x = [float(v) for v in np.asarray(x, dtype=float).ravel()]
        self.diagnosis = "" if verdict is None else verdict.message

    def __repr__(self):
        """What a reader of the stored notebook sees in place of the view (no kernel there)."""
        return ("BackpropSteps: %d steps through equations (1)-(5) on a %s network%s (run the "
                "notebook to step through them)" % (len(self.steps), self.sizes,
                                                     ", up to where your backprop crashed"
                                                     if self.crashed else
                                                     ", with your backprop's values beside the "
                                                     "reference" if self.student else ""))
