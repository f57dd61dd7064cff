"""diagnose: not only *that* a backprop is wrong, but *where*.

Finite differences (``gradcheck``) say *that* a gradient is wrong, not where.  The course's
equations allow more: ``nabla_b[l-1]`` *is* delta^l (equation 4), so the lists a backprop returns
expose every delta^l, and a backprop that crashes leaves, in its traceback, the line and the local
variables of the moment it failed (``nnlib.core.crash`` reads them).  ``diagnose`` is reachable as
``nnlib.gradcheck.diagnose`` and as ``from nnlib.core.gradcheck import diagnose``.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import crash
from .reference import Reference, as_array, checked, close

__all__ = ["diagnose", "Diagnosis", "examine"]


@dataclass(frozen=True)
class Diagnosis:
    """What ``diagnose`` found.

    ``equation`` is 1-5 (the sheet's numbering) and ``layer`` the layer l of the first wrong
    quantity, or of the line where backprop crashed (a^0 = x, hidden layers 1..L-1, output layer
    L; 0 when a loop ran past layer 1); both are None when the gradient is right, and also when
    no equation can be blamed (the returned value is not ``(nabla_b, nabla_w)`` at all, or the
    backprop raised an exception of its own, such as the sheet's NotImplementedError).
    ``correct`` says which of the two it is.  ``message`` is one or two sentences for the
    student, with the equation written out.  ``error`` is the exception a crashing backprop
    raised, as text ("ValueError: shapes (3,5) and (3,1) not aligned ..."), and ``line`` the
    source line where it was raised; both are None when backprop returned.  Only text is kept
    (not the exception), so a Diagnosis holds no frames of the student's code and compares equal
    to another of the same finding."""
    equation: Optional[int]
    layer: Optional[int]
    message: str
    correct: bool = False
    error: Optional[str] = None
    line: Optional[str] = None

    @property
    def crashed(self):
        """Did backprop raise an exception instead of returning?"""
        return self.error is not None

    def __str__(self):
        return self.message


def diagnose(network, x, y):
    """Where ``network.backprop(x, y)`` departs from the equations (1)-(5), as a ``Diagnosis``.

    ``network`` is an ``nnlib.Network`` or any object with ``sizes``, ``weights``, ``biases`` and a
    ``backprop`` method (the sheet's ``network.Network``: sigmoid neurons, quadratic cost).  The
    reference is computed in float64 from the network's own weights and biases, and the student's
    ``backprop`` is called once, on a float64 copy (the network itself is never modified).

    When backprop returns, the walk goes from the output layer L backwards: at each layer it
    compares delta^l (``nabla_b``) and then dC/dw^l (``nabla_w``); the first quantity that departs
    is where the mistake sits, because everything above it was right.  The departure is then
    compared with the usual slips (sigma' missing or taken of a instead of z, the sign of a - y,
    transposed or wrong weights in (3), the wrong activation or a transposed outer product in (5),
    gradients never set, wrong shapes) to name it; a slip it cannot name still gets the equation
    and layer.

    When backprop raises an exception (a shape error above all), the Diagnosis says where: the
    equation and layer of the failing line, the exception, the line, and what the equation needs
    (``nnlib.core.crash``).  Bad arguments to ``diagnose`` itself still raise (TypeError for
    something that is not a network, ValueError for x or y of the wrong shape), before any of the
    student's code runs."""
    net, x, y = checked(network, x, y)
    return examine(net, x, y, Reference(net, x, y))[1]


def examine(net, x, y, ref):
    """(what ``net.backprop(x, y)`` returned or None, its Diagnosis): the student's code, called
    once; an exception it raises becomes the Diagnosis of the crash (KeyboardInterrupt and other
    non-errors still stop the caller)."""
    try:
        returned = net.backprop(x, y)
    except Exception as error:
        return None, crashed(ref, error)
    return returned, verdict(ref, returned)


def crashed(ref, error):
    """The Diagnosis of a backprop that raised ``error`` (its traceback still attached)."""
    found = crash.explain(ref, error, name_delta=lambda l, value: _matching(
        value, _delta_slips(ref, l)))
    return Diagnosis(found.equation, found.layer, found.message, error=found.error,
                     line=found.line)


def verdict(ref, returned):
    """The Diagnosis of what a backprop ``returned``, against the reference ``ref``."""
    found = _structure(returned, ref)
    if found is not None:
        return found
    nabla_b, nabla_w = returned
    for l in range(ref.L, 0, -1):
        found = _check_layer(ref, l, nabla_b[l - 1], nabla_w[l - 1])
        if found is not None:
            return found
    return Diagnosis(None, None, "backprop agrees with equations (1)-(5) in every layer.",
                     correct=True)


def _zeros(s, r):
    """s is all zeros where the reference is not (a gradient that was never set)."""
    return s.size > 0 and not np.any(s) and bool(np.any(r))


def _matching(s, candidates):
    """The explanation of the first candidate (explanation, function) whose value is s."""
    for explanation, make in candidates:
        try:
            with np.errstate(all="ignore"):
                value = make()
        except (ValueError, TypeError, IndexError):  # a candidate the shapes do not allow
            continue
        if value is not None and close(s, np.asarray(value, dtype=np.float64)):
            return explanation
    return None


def _structure(returned, ref):
    """A Diagnosis when ``returned`` is not two lists of L arrays of numbers, else None.
    Shapes are checked layer by layer in ``_check_layer``, where a wrong shape can be named."""
    L = ref.L
    if isinstance(returned, (tuple, list)) and any(isinstance(g, np.ndarray) for g in returned):
        return Diagnosis(None, None, "backprop must return the tuple (nabla_b, nabla_w) of two "
                         "lists of arrays; yours returned a %s of %d arrays (did you return only "
                         "nabla_b or only nabla_w?)." % (type(returned).__name__, len(returned)))
    if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
        what = ("%s of length %d" % (type(returned).__name__, len(returned))
                if isinstance(returned, (tuple, list))
                else "None (is the return statement missing?)" if returned is None
                else type(returned).__name__)
        return Diagnosis(None, None, "backprop must return the tuple (nabla_b, nabla_w), two "
                         "lists with one array per layer; yours returned a %s." % what)
    shapes = [[np.shape(g) for g in grads] if isinstance(grads, (list, tuple)) else None
              for grads in returned]
    if shapes == [[w.shape for w in ref.w[1:]], [b.shape for b in ref.b[1:]]] \
            and shapes[0] != shapes[1]:
        return Diagnosis(None, None, "backprop returned (nabla_w, nabla_b): the two lists are "
                         "swapped; return (nabla_b, nabla_w), biases first, as Network does.")
    for name, grads in zip(("nabla_b", "nabla_w"), returned):
        if not isinstance(grads, (list, tuple)) or len(grads) != L:
            what = ("a %s of length %d" % (type(grads).__name__, len(grads))
                    if isinstance(grads, (list, tuple)) else "a %s" % type(grads).__name__)
            return Diagnosis(None, None, "%s must be a list with one array per layer 1..%d "
                             "(%d arrays, shaped like self.%s); yours is %s."
                             % (name, L, L, "biases" if name == "nabla_b" else "weights", what))
        for i, g in enumerate(grads):
            if as_array(g) is None:
                return Diagnosis(4 if name == "nabla_b" else 5, i + 1,
                                 "%s[%d] (layer %d) is not an array of numbers but a %s."
                                 % (name, i, i + 1, type(g).__name__))
    return None


def _check_layer(ref, l, gb, gw):
    """The Diagnosis for the first wrong quantity of layer l (delta^l, then dC/dw^l), or None."""
    L, i = ref.L, l - 1
    s, d = as_array(gb), ref.delta[l]
    w_ref, g = ref.nabla_w(l), as_array(gw)
    eq = 2 if l == L else 3
    where = "equation (%d), layer %d: " % (eq, l)
    if not close(s, d):
        if _zeros(s, d) and g.size and not np.any(g):
            never = ("delta^%d was never computed: nabla_b[%d] and nabla_w[%d] are still the zeros "
                     "they started as" % (l, i, i))
            hint = (" (does your loop over the layers reach layer %d?)" % l if l < L else "")
            return Diagnosis(eq, l, where + never + hint + ". It needs %s."
                             % ref.equation(eq, l))
        if _zeros(s, d):
            return Diagnosis(4, l, "equation (4), layer %d: nabla_b[%d] is still zeros: the "
                             "bias gradient was never set; it is delta^%d itself, %s."
                             % (l, i, l, ref.equation(4, l)))
        slip = _matching(s, _delta_slips(ref, l))
        if slip is not None:
            return Diagnosis(eq, l, where + "your delta^%d %s. Equation (%d) reads %s."
                             % (l, slip, eq, ref.equation(eq, l)))
        if s.shape != d.shape:
            return Diagnosis(4, l, "equation (4), layer %d: nabla_b[%d] has shape %s, expected %s "
                             "like self.biases[%d] (delta^%d is a column, one entry per neuron "
                             "of layer %d)." % (l, i, s.shape, d.shape, i, l, l))
        if close(g, w_ref):
            return Diagnosis(4, l, "equation (4), layer %d: your nabla_w[%d] is right, so your "
                             "delta^%d is, but nabla_b[%d] is not that delta^%d; %s."
                             % (l, i, l, i, l, ref.equation(4, l)))
        above = ("" if l == L else "delta^%d is right, but " % (l + 1))
        return Diagnosis(eq, l, where + above + "your delta^%d (nabla_b[%d]) differs from %s%s."
                         % (l, i, ref.equation(eq, l),
                            " (check also the feedforward (1) that gives z^%d and a^%d)" % (L, L)
                            if l == L else ""))
    if close(g, w_ref):
        return None
    where = "equation (5), layer %d: " % l
    if _zeros(g, w_ref):
        return Diagnosis(5, l, where + "nabla_w[%d] is still zeros: the weight gradient was "
                         "never set; it needs %s." % (i, ref.equation(5, l)))
    slip = _matching(g, _weight_slips(ref, l))
    if slip is not None:
        return Diagnosis(5, l, where + "your dC/dw^%d %s. Equation (5) reads %s."
                         % (l, slip, ref.equation(5, l)))
    if g.shape != w_ref.shape:
        return Diagnosis(5, l, where + "nabla_w[%d] has shape %s, expected %s like "
                         "self.weights[%d] (%d neurons in layer %d by %d in layer %d)."
                         % (i, g.shape, w_ref.shape, i, w_ref.shape[0], l, w_ref.shape[1], l - 1))
    return Diagnosis(5, l, where + "delta^%d is right, but your dC/dw^%d (nabla_w[%d]) differs "
                     "from %s." % (l, l, i, ref.equation(5, l)))


def _delta_slips(ref, l):
    """(explanation, value) of the usual wrong delta^l, given that delta^{l+1} is right."""
    L = ref.L
    z, a = ref.z[l], ref.a[l]
    if l == L:
        y = ref.y
        if ref.quadratic:
            return [
                ("equals a^%d - y without the factor sigma'(z^%d)" % (L, L), lambda: a - y),
                ("takes sigma' of a^%d instead of z^%d: sigma'(a^%d) where (2) has sigma'(z^%d)"
                 % (L, L, L, L), lambda: (a - y) * ref.prime(l, a)),
                ("has the wrong sign: (y - a^%d) where (2) has (a^%d - y)" % (L, L),
                 lambda: -ref.delta[l]),
                ("has the wrong sign and no sigma'(z^%d): y - a^%d" % (L, L), lambda: y - a),
                ("multiplies by sigma(z^%d) = a^%d instead of sigma'(z^%d)" % (L, L, L),
                 lambda: (a - y) * ref.sigma[l].fn(z)),
                ("uses sigma' of a^%d instead of z^%d and the wrong sign" % (L, L),
                 lambda: (y - a) * ref.prime(l, a)),
            ]
        return [
            ("has the wrong sign: y - a^%d where (2) has a^%d - y" % (L, L), lambda: -ref.delta[l]),
            ("has a factor sigma'(z^%d) too many" % L,
             lambda: ref.delta[l] * ref.prime(l, z)),
        ]
    W, D = ref.w[l + 1], ref.delta[l + 1]
    back = "(w^%d)^T delta^%d" % (l + 1, l + 1)
    slips = [
        ("equals %s without the factor sigma'(z^%d)" % (back, l), lambda: np.dot(W.T, D)),
        ("takes sigma' of a^%d instead of z^%d: sigma'(a^%d) where (3) has sigma'(z^%d)"
         % (l, l, l, l), lambda: np.dot(W.T, D) * ref.prime(l, a)),
        ("multiplies by sigma(z^%d) = a^%d instead of sigma'(z^%d)" % (l, l, l),
         lambda: np.dot(W.T, D) * ref.sigma[l].fn(z)),
        ("uses w^%d delta^%d without the transpose: (3) needs (w^%d)^T" % (l + 1, l + 1, l + 1),
         lambda: np.dot(W, D) * ref.prime(l, z)),
        ("has the wrong sign", lambda: -ref.delta[l]),
        ("takes sigma'(z^%d) instead of sigma'(z^%d)" % (l + 1, l),
         lambda: np.dot(W.T, D) * ref.prime(l + 1, ref.z[l + 1])),
    ]
    for k in range(1, L + 1):  # another layer's weights, transposed or not
        if k != l + 1:
            slips.append(("uses the weights of the wrong layer: (w^%d)^T where (3) has (w^%d)^T"
                          % (k, l + 1), lambda k=k: np.dot(ref.w[k].T, D) * ref.prime(l, z)))
            slips.append(("uses the weights of the wrong layer, untransposed: w^%d where (3) has "
                          "(w^%d)^T" % (k, l + 1),
                          lambda k=k: np.dot(ref.w[k], D) * ref.prime(l, z)))
    return slips


def _weight_slips(ref, l):
    """(explanation, value) of the usual wrong dC/dw^l, given that delta^l is right."""
    d = ref.delta[l]
    slips = [
        ("uses a^%d where (5) has a^%d: delta^%d (a^%d)^T" % (l, l - 1, l, l),
         lambda: np.dot(d, ref.a[l].T)),
        ("is the transposed outer product a^%d (delta^%d)^T, shaped %s instead of %s"
         % (l - 1, l, (ref.a[l - 1].shape[0], d.shape[0]), (d.shape[0], ref.a[l - 1].shape[0])),
         lambda: np.dot(ref.a[l - 1], d.T)),
    ]
    if l >= 2:
        slips.append(("uses z^%d where (5) has a^%d = sigma(z^%d)" % (l - 1, l - 1, l - 1),
                      lambda: np.dot(d, ref.z[l - 1].T)))
    if l >= 2:
        slips.append(("uses a^%d where (5) has a^%d" % (l - 2, l - 1),
                      lambda: np.dot(d, ref.a[l - 2].T)))
    slips.append(("has the wrong sign", lambda: -ref.nabla_w(l)))
    return slips
