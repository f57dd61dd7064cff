"""The cost functions, as small objects with ``fn`` and ``delta`` (as in Nielsen's ``network2.py``).

``fn(z, a, y)`` is the cost summed over the columns of a layer's output (one column per example),
``delta(z, a, y)`` the output error delta^L of equation (2).  A cost object knows the output
layer's activation, because delta^L = dC/da^L * sigma'(z^L) needs its derivative.

- ``QuadraticCost``: C = 1/2 ||a - y||^2, the course's; delta^L = (a - y) * sigma'(z^L).  With
  sigmoid outputs, sigma'(z) is tiny for a saturated neuron, so a confidently wrong network
  learns slowly.
- ``CrossEntropyCost``: -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] for sigmoid outputs, or
  -sum_j y_j ln a_j for a softmax output.  Both give delta^L = a - y: sigma'(z^L) cancels, which
  is why this pair learns fast from large errors (Nielsen, chapter 3).

Both are evaluated from z where logarithms appear, so they never take log 0.
"""

import numpy as np

from . import activations

__all__ = ["QuadraticCost", "CrossEntropyCost", "COSTS", "make_cost"]


def softplus(z):
    """log(1 + e^z) without overflow: ln sigma(z) = -softplus(-z), ln(1 - sigma(z)) = -softplus(z)."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class QuadraticCost:
    name, code = "quadratic", 0

    def __init__(self, output):
        self.output = output

    @staticmethod
    def derivative(a, y):
        """dC_x/da^L = a - y."""
        return a - y

    def fn(self, z, a, y):
        return 0.5 * float(np.sum((a - y) ** 2))

    def delta(self, z, a, y):
        """Equation (2): delta^L = (a^L - y) * sigma'(z^L)."""
        return self.derivative(a, y) * self.output.prime(z)


class CrossEntropyCost:
    name, code = "cross-entropy", 1

    def __init__(self, output):
        if output.name not in ("sigmoid", "softmax"):
            raise ValueError("cost='cross-entropy' needs output 'sigmoid' or 'softmax' "
                             "(outputs in (0, 1)); got output=%r" % output.name)
        self.output = output

    def derivative(self, a, y):
        """dC_x/da^L; for a softmax output the outputs are coupled and this is only the
        diagonal part, but ``delta`` never needs it."""
        return (a - y) / (a * (1 - a))

    def fn(self, z, a, y):
        if self.output.name == "softmax":
            # -sum y ln a with ln a_j = z_j - ln sum_k e^{z_k}
            zmax = np.max(z, axis=0, keepdims=True)
            log_norm = zmax + np.log(np.sum(np.exp(z - zmax), axis=0, keepdims=True))
            return float(np.sum(y * (log_norm - z)))
        return float(np.sum(y * softplus(-z) + (1 - y) * softplus(z)))

    def delta(self, z, a, y):
        """Equation (2) for this pair: sigma'(z^L) cancels against the cost's 1/(a(1-a)),
        leaving delta^L = a^L - y."""
        return a - y


COSTS = {cost.name: cost for cost in (QuadraticCost, CrossEntropyCost)}


def make_cost(name, output):
    """The cost object ``name`` for output neurons ``output`` (an ``Activation``)."""
    if not isinstance(name, str) or name not in COSTS:
        raise ValueError("cost must be one of %s, got %r" % (tuple(COSTS), name))
    if output.name == "softmax" and name != "cross-entropy":
        raise ValueError("output='softmax' needs cost='cross-entropy' (the pair whose "
                         "delta^L = a - y); got cost=%r" % name)
    return COSTS[name](output)
