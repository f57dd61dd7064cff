"""Check backpropagation against finite differences of the cost.

Backprop is the chain rule applied cleverly; finite differences are the definition of a
derivative applied naively, one parameter at a time.  They agree only if backprop is right, which
makes this the standard test of a hand-written gradient (notebook 03 uses it, and so do the tests).

``diagnose`` (in ``nnlib.core.diagnose``) goes further when the check fails: it says which
equation, in which layer, a wrong backprop gets wrong, and usually which slip it is, or where a
crashing one crashed.  It is reachable as ``nnlib.gradcheck.diagnose`` (``nnlib.gradcheck`` being
the function, it carries ``diagnose`` as an attribute) and as
``from nnlib.core.gradcheck import diagnose``.

Both take an ``nnlib.Network`` or the exercise sheet's plain ``network.Network`` (anything with
``sizes``, ``weights``, ``biases`` and ``backprop``; see ``nnlib.core.reference``).
"""

import math

import numpy as np

from .diagnose import Diagnosis, crashed, diagnose
from .reference import Reference, checked, layer_neurons

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

    ``network`` is an ``nnlib.Network`` (its activations and cost) or an object with ``sizes``,
    ``weights``, ``biases`` and ``backprop`` such as the sheet's ``network.Network`` (sigmoid
    neurons, quadratic cost).  ``x`` is one input column (n_in, 1) (or a flat (n_in,) vector),
    ``y`` the desired output column (n_out, 1) or an int label.  The check runs on a float64
    copy of the network, so the network itself is not touched and a float32 network can be
    checked too.  (Each parameter costs two forward passes, so use small networks.)

    A backprop that raises gives no number to return: its exception reaches the caller unchanged
    (same type, the student's traceback pointing at their line), with a note saying what
    ``diagnose`` finds: the equation and layer of the failing line and what that equation needs
    (on Python 3.11 and later, which have exception notes).
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) \
            or not 0 < eps < 1:
        raise ValueError("eps must be a number in (0, 1), got %r" % (eps,))
    net, x, y = checked(network, x, y)
    try:
        nabla_b, nabla_w = net.backprop(x, y)
    except Exception as error:
        if hasattr(error, "add_note"):  # Python 3.11 and later
            error.add_note("diagnose: " + crashed(Reference(net, x, y), error).message)
        raise
    sigmas, cost = layer_neurons(net)
    worst = 0.0
    for params, grads in ((net.biases, nabla_b), (net.weights, nabla_w)):
        for p, g in zip(params, grads):
            for index in np.ndindex(p.shape):
                original = p[index]
                p[index] = original + eps
                c_plus = _cost(net, x, y, sigmas, cost)
                p[index] = original - eps
                c_minus = _cost(net, x, y, sigmas, cost)
                p[index] = original
                numerical = (c_plus - c_minus) / (2 * eps)
                error = abs(g[index] - numerical) / max(abs(g[index]) + abs(numerical),
                                                        ABS_FLOOR)
                worst = max(worst, error)
    return float(worst)


def _cost(net, x, y, sigmas, cost):
    """The cost C_x of one example, from the output layer's z (stable for cross-entropy)."""
    a = x
    for b, w, sigma in zip(net.biases, net.weights, sigmas):
        z = np.dot(w, a) + b
        a = sigma.fn(z)
    return cost.fn(z, a, y)


gradcheck.diagnose = diagnose  # nnlib.gradcheck is the function: nnlib.gradcheck.diagnose(...)
