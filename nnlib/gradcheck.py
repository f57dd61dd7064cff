"""Check backpropagation against finite differences of the cost.

Backprop is the chain rule applied cleverly; finite differences are the definition of a
derivative applied naively, one parameter at a time.  They agree only if backprop is right, which
makes this the standard test of a hand-written gradient (notebook 03 uses it, and so do the tests).
"""

import copy
import math

import numpy as np

from . import examples
from .checks import check_dtype

__all__ = ["gradcheck"]

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
    net.biases = [np.array(b, dtype=np.float64) for b in network.biases]
    net.weights = [np.array(w, dtype=np.float64) for w in network.weights]
    return net
