"""Check backpropagation against finite differences of the cost.

Backprop is the chain rule applied cleverly; finite differences are the definition of a
derivative applied naively, one parameter at a time.  They agree only if backprop is right, which
makes this the standard test of a hand-written gradient (notebook 03 uses it, and so do the tests).

``diagnose`` goes further when the check fails: it says which equation, in which layer, a
wrong backprop gets wrong, and usually which slip it is.  It is reachable as
``nnlib.gradcheck.diagnose`` (``nnlib.gradcheck`` being the function, it carries ``diagnose``
as an attribute) and as ``from nnlib.core.gradcheck import diagnose``.
"""

import copy
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import activations, costs, examples
from .checks import check_dtype

__all__ = ["gradcheck", "diagnose", "Diagnosis"]

ABS_FLOOR = 1e-6


def gradcheck(network, x, y, eps=1e-5):
    """Largest relative error between ``network.backprop(x, y)`` and central differences.

    For every weight and bias p, the numerical derivative is
    (C(p + eps) - C(p - eps)) / (2 eps), whose error is O(eps^2) (against O(eps) for a one-sided
    difference).  The relative error of one entry is |g_bp - g_fd| / max(|g_bp| + |g_fd|, 1e-6):
    gradients smaller than 1e-6 are compared absolutely, because for them finite differences
    are dominated by rounding.  A correct backprop gives about 1e-7 or less; a mistake gives
    errors of order 1.

    ``x`` is one input column (n_in, 1) (or a flat (n_in,) vector), ``y`` the desired output
    column (n_out, 1) or an int label.  The check runs on a float64 copy of the network, so the
    network itself is not touched and a float32 network can be checked too.  (Each parameter
    costs two forward passes, so use small networks.)
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) \
            or not 0 < eps < 1:
        raise ValueError("eps must be a number in (0, 1), got %r" % (eps,))
    net = _float64_copy(network)
    x = examples.column(x, net.sizes[0], "x").astype(np.float64)
    if x.shape[1] != 1:
        raise ValueError("x must be a single input column (%d, 1), got shape %s"
                         % (net.sizes[0], x.shape))
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinite values")
    y = examples.target_column(y, net.sizes[-1]).astype(np.float64)
    nabla_b, nabla_w = net.backprop(x, y)
    worst = 0.0
    for params, grads in ((net.biases, nabla_b), (net.weights, nabla_w)):
        for p, g in zip(params, grads):
            for index in np.ndindex(p.shape):
                original = p[index]
                p[index] = original + eps
                c_plus = _cost(net, x, y)
                p[index] = original - eps
                c_minus = _cost(net, x, y)
                p[index] = original
                numerical = (c_plus - c_minus) / (2 * eps)
                error = abs(g[index] - numerical) / max(abs(g[index]) + abs(numerical),
                                                        ABS_FLOOR)
                worst = max(worst, error)
    return float(worst)


def _cost(net, x, y):
    """The cost C_x of one example, from the output layer's z (stable for cross-entropy)."""
    a = x
    for b, w, sigma in zip(net.biases, net.weights, net.layer_activations):
        z = np.dot(w, a) + b
        a = sigma.fn(z)
    return net.cost_function.fn(z, a, y)


def _float64_copy(network):
    """A float64 copy of ``network`` of the same class, so a subclass's own ``backprop`` (the
    student's, in notebook 03) is the one being checked."""
    from .network import Network

    if not isinstance(network, Network):
        raise TypeError("network must be an nnlib.Network, got %s" % type(network).__name__)
    net = copy.copy(network)
    net.dtype = check_dtype(np.float64)
    net.set_parameters(network.weights, network.biases)
    return net


# --------------------------------------------------------------------------------------------
# diagnose: not only *that* a backprop is wrong, but *where*
# --------------------------------------------------------------------------------------------

#: two numbers agree when |s - r| <= RTOL (|s| + |r|) + ATOL max|r| (the scale of that layer's
#: array): a correct backprop differs from the reference only by rounding (about 1e-16 of the
#: layer's scale), while every slip below changes entries by factors of order one.
RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Diagnosis:
    """What ``diagnose`` found.

    ``equation`` is 2, 3, 4 or 5 (the sheet's numbering) and ``layer`` the layer l of the first
    wrong quantity (a^0 = x, hidden layers 1..L-1, output layer L); both are None when the
    gradient is right, and also when the returned value is not ``(nabla_b, nabla_w)`` at all
    (no equation can be blamed then).  ``correct`` says which of the two it is.  ``message``
    is one or two sentences for the student, with the equation written out."""
    equation: Optional[int]
    layer: Optional[int]
    message: str
    correct: bool = False

    def __str__(self):
        return self.message


def diagnose(network, x, y):
    """Where ``network.backprop(x, y)`` departs from the equations (1)-(5), as a ``Diagnosis``.

    Finite differences (``gradcheck``) say *that* a gradient is wrong, not *where*.  The
    course's equations allow more: ``nabla_b[l]`` *is* delta^l (equation 4), so the lists a
    backprop returns expose every delta^l.  This function computes the reference in float64
    from the network's own weights and biases (its activations and cost when it has them, else
    the sheet's sigmoid and quadratic cost), calls the student's ``backprop`` once, on a float64
    copy as ``gradcheck`` does, and walks from the output layer L backwards.  At each layer it
    compares delta^l (``nabla_b``) and then dC/dw^l (``nabla_w``); the first quantity that
    departs is where the mistake sits, because everything above it was right.  The departure is
    then compared with the usual slips (sigma' missing or taken of a instead of z, the sign of
    a - y, transposed or wrong weights in (3), the wrong activation or a transposed outer
    product in (5), gradients never set, wrong shapes) to name it; a slip it cannot name still
    gets the equation and layer.  Exceptions raised by the student's code are left to reach the
    student, whose traceback points at the line."""
    net, x, y = _checked(network, x, y)
    ref = _Reference(net, x, y)
    return _verdict(ref, net.backprop(x, y))  # the student's code, called once


def _checked(network, x, y):
    """(float64 copy of the network, x, y as float64 columns), or a clear error."""
    net = _float64_copy(network)
    x = examples.column(x, net.sizes[0], "x").astype(np.float64)
    if x.shape[1] != 1:
        raise ValueError("x must be a single input column (%d, 1), got shape %s"
                         % (net.sizes[0], x.shape))
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinite values")
    y = examples.target_column(y, net.sizes[-1]).astype(np.float64)
    return net, x, y


def _verdict(ref, returned):
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


class _Reference:
    """Equations (1)-(5) in float64, in the sheet's numbering: ``a[l]`` is a^l (a[0] = x),
    ``z[l]`` is z^l, ``w[l]``, ``b[l]`` and ``delta[l]`` are w^l, b^l, delta^l for l = 1..L
    (index 0 unused), ``sigma[l]`` the neurons of layer l."""

    def __init__(self, net, x, y):
        self.L = len(net.weights)
        self.x, self.y = x, y
        self.w = [None] + list(net.weights)
        self.b = [None] + list(net.biases)
        default = activations.get("sigmoid")
        self.sigma = [None] + list(getattr(net, "layer_activations", [default] * self.L))
        self.cost = getattr(net, "cost_function", None) or costs.QuadraticCost(self.sigma[-1])
        self.quadratic = getattr(self.cost, "name", "quadratic") == "quadratic"
        self.a, self.z = [x], [None]
        for l in range(1, self.L + 1):                                     # (1)
            self.z.append(np.dot(self.w[l], self.a[l - 1]) + self.b[l])
            self.a.append(self.sigma[l].fn(self.z[l]))
        self.delta = [None] * (self.L + 1)
        self.delta[self.L] = self.cost.delta(self.z[-1], self.a[-1], y)    # (2)
        for l in range(self.L - 1, 0, -1):                                 # (3)
            self.delta[l] = np.dot(self.w[l + 1].T, self.delta[l + 1]) * self.sigma[l].prime(
                self.z[l])

    def nabla_w(self, l):                                                  # (5)
        return np.dot(self.delta[l], self.a[l - 1].T)

    def prime(self, l, v):
        """sigma'(v) of layer l's neurons (None for softmax, which has no elementwise sigma')."""
        p = self.sigma[l].prime
        return None if p is None else p(v)

    def equation(self, number, l):
        """Equation ``number`` written out for layer l, as the sheet writes it."""
        L = self.L
        if number == 2:
            return ("delta^%d = (a^%d - y) * sigma'(z^%d)" % (L, L, L) if self.quadratic
                    else "delta^%d = a^%d - y (with the cross-entropy cost sigma' cancels)"
                    % (L, L))
        if number == 3:
            return "delta^%d = ((w^%d)^T delta^%d) * sigma'(z^%d)" % (l, l + 1, l + 1, l)
        if number == 4:
            return "dC/db^%d = delta^%d" % (l, l)
        return "dC/dw^%d = delta^%d (a^%d)^T" % (l, l, l - 1)


def _close(s, r):
    if s.shape != r.shape:
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        return bool(np.all(np.abs(s - r) <= RTOL * (np.abs(s) + np.abs(r)) + ATOL * scale))


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
        if value is not None and _close(s, np.asarray(value, dtype=np.float64)):
            return explanation
    return None


def _as_array(g):
    try:
        return np.asarray(g, dtype=np.float64)
    except (TypeError, ValueError):
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
            if _as_array(g) is None:
                return Diagnosis(4 if name == "nabla_b" else 5, i + 1,
                                 "%s[%d] (layer %d) is not an array of numbers but a %s."
                                 % (name, i, i + 1, type(g).__name__))
    return None


def _check_layer(ref, l, gb, gw):
    """The Diagnosis for the first wrong quantity of layer l (delta^l, then dC/dw^l), or None."""
    L, i = ref.L, l - 1
    s, d = _as_array(gb), ref.delta[l]
    w_ref, g = ref.nabla_w(l), _as_array(gw)
    eq = 2 if l == L else 3
    where = "equation (%d), layer %d: " % (eq, l)
    if not _close(s, d):
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
        if _close(g, w_ref):
            return Diagnosis(4, l, "equation (4), layer %d: your nabla_w[%d] is right, so your "
                             "delta^%d is, but nabla_b[%d] is not that delta^%d; %s."
                             % (l, i, l, i, l, ref.equation(4, l)))
        above = ("" if l == L else "delta^%d is right, but " % (l + 1))
        return Diagnosis(eq, l, where + above + "your delta^%d (nabla_b[%d]) differs from %s%s."
                         % (l, i, ref.equation(eq, l),
                            " (check also the feedforward (1) that gives z^%d and a^%d)" % (L, L)
                            if l == L else ""))
    if _close(g, w_ref):
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


gradcheck.diagnose = diagnose  # nnlib.gradcheck is the function: nnlib.gradcheck.diagnose(...)
