"""The reference that ``gradcheck``, ``diagnose`` and ``BackpropSteps`` hold a student's backprop
against: the course's equations (1)-(5) in float64, computed here and never by the student's code.

A network is anything with ``sizes``, ``weights``, ``biases`` and a ``backprop(x, y)`` method: an
``nnlib.Network`` (with its activations and cost) or the exercise sheet's plain ``network.Network``
(``class MyNetwork(Network)`` in notebook 03: sigmoid neurons and the quadratic cost, which is what
a network without nnlib's ``layer_activations`` and ``cost_function`` gets).  ``checked`` makes the
float64 copy the checks work on, so the student's object is never modified, whatever their
backprop does to ``self``.
"""

import copy
import functools

import numpy as np

from . import activations, costs, examples
from .checks import check_dtype

__all__ = ["checked", "student_copy", "layer_neurons", "Reference", "close", "as_array",
           "RTOL", "ATOL"]

#: two numbers agree when |s - r| <= RTOL (|s| + |r|) + ATOL max|r| (the scale of that layer's
#: array): a correct backprop differs from the reference only by rounding (about 1e-16 of the
#: layer's scale), while every slip changes entries by factors of order one.
RTOL, ATOL = 1e-6, 1e-9

NETWORK = ("network must be a network: an nnlib.Network, or an object with sizes, weights, "
           "biases and a backprop(x, y) method like the exercise sheet's network.Network")


def checked(network, x, y):
    """(float64 copy of the network, x, y as float64 columns), or a clear error naming the
    argument: the public boundary of gradcheck, diagnose and BackpropSteps."""
    net = student_copy(network)
    x = examples.column(x, net.sizes[0], "x").astype(np.float64)
    if x.shape[1] != 1:
        raise ValueError("x must be a single input column (%d, 1), got shape %s"
                         % (net.sizes[0], x.shape))
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinite values")
    y = examples.target_column(y, net.sizes[-1]).astype(np.float64)
    return net, x, y


def student_copy(network):
    """A float64 copy of ``network`` of the same class, so that a subclass's own ``backprop`` (the
    student's, in notebook 03) is the one being checked, on parameters it cannot spoil: the
    weights and biases are new float64 arrays and a random generator is copied too, so even a
    backprop that writes into ``self.weights`` or draws random numbers leaves the original alone."""
    from .network import Network

    if isinstance(network, Network):  # as always: its dtype, activations and cost
        net = copy.copy(network)
        net.dtype = check_dtype(np.float64)
        net.set_parameters(network.weights, network.biases)
    else:
        missing = [name for name in ("sizes", "weights", "biases", "backprop")
                   if not hasattr(network, name)]
        if missing or not callable(getattr(network, "backprop")) or isinstance(network, type):
            raise TypeError("%s; got %s%s" % (NETWORK, type(network).__name__,
                                              " without %s" % ", ".join(missing)
                                              if missing and len(missing) < 4 else ""))
        weights, biases = _parameters(network)
        try:
            net = copy.copy(network)
            net.weights, net.biases = weights, biases
        except Exception as error:  # a class that refuses copies or new attributes
            raise TypeError("network could not be copied to check it (%s: %s)"
                            % (type(error).__name__, error)) from None
    for name, value in list(vars(net).items()) if hasattr(net, "__dict__") else ():
        if isinstance(value, (np.random.Generator, np.random.RandomState)):
            setattr(net, name, copy.deepcopy(value))
    return net


def _parameters(network):
    """network.weights and network.biases as new float64 arrays, checked against its sizes."""
    sizes = network.sizes
    try:
        sizes = [int(n) for n in sizes]
    except (TypeError, ValueError):
        raise TypeError("network.sizes must be a list of layer sizes like [784, 30, 10], got %r"
                        % (sizes,)) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError("network.sizes must be at least two positive layer sizes, got %r"
                         % (sizes,))
    L = len(sizes) - 1
    out = []
    for name, shapes in (("weights", [(m, n) for n, m in zip(sizes[:-1], sizes[1:])]),
                         ("biases", [(m, 1) for m in sizes[1:]])):
        params = getattr(network, name)
        if not isinstance(params, (list, tuple)) or len(params) != L:
            raise ValueError("network.%s must be a list of %d arrays (one per layer 1..%d of "
                             "sizes %r), got %s" % (name, L, L, sizes, type(params).__name__))
        arrays = []
        for i, (p, shape) in enumerate(zip(params, shapes)):
            try:
                p = np.array(p, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError("network.%s[%d] is not an array of numbers" % (name, i)) from None
            if p.shape != shape or not np.all(np.isfinite(p)):
                raise ValueError("network.%s[%d] must be a finite array of shape %s (sizes %r), "
                                 "got shape %s" % (name, i, shape, sizes, p.shape))
            arrays.append(p)
        out.append(arrays)
    return out


def layer_neurons(net):
    """(sigma of each layer 1..L, the cost): the network's own when it is an nnlib network (its
    ``layer_activations`` and ``cost_function``), else the sheet's sigmoid and quadratic cost."""
    L = len(net.weights)
    sigmas = getattr(net, "layer_activations", None)
    if not (isinstance(sigmas, (list, tuple)) and len(sigmas) == L
            and all(isinstance(s, activations.Activation) for s in sigmas)):
        sigmas = [activations.get("sigmoid")] * L
    cost = getattr(net, "cost_function", None)
    if not isinstance(cost, (costs.QuadraticCost, costs.CrossEntropyCost)):
        cost = costs.QuadraticCost(sigmas[-1])
    return list(sigmas), cost


class Reference:
    """Equations (1)-(5) in float64, in the sheet's numbering: ``a[l]`` is a^l (a[0] = x),
    ``z[l]`` is z^l, ``w[l]``, ``b[l]`` and ``delta[l]`` are w^l, b^l, delta^l for l = 1..L
    (index 0 unused), ``sigma[l]`` the neurons of layer l.  The parameters are copied, so a
    backprop that changes ``self.weights`` cannot move the reference."""

    def __init__(self, net, x, y):
        self.L = len(net.weights)
        self.x, self.y = x, y
        self.w = [None] + [np.array(w, dtype=np.float64) for w in net.weights]
        self.b = [None] + [np.array(b, dtype=np.float64) for b in net.biases]
        sigmas, self.cost = layer_neurons(net)
        self.sigma = [None] + sigmas
        self.quadratic = self.cost.name == "quadratic"
        self.a, self.z = [x], [None]
        for l in range(1, self.L + 1):                                     # (1)
            self.z.append(np.dot(self.w[l], self.a[l - 1]) + self.b[l])
            self.a.append(self.sigma[l].fn(self.z[l]))
        self.delta = [None] * (self.L + 1)
        self.delta[self.L] = self.cost.delta(self.z[-1], self.a[-1], y)    # (2)
        for l in range(self.L - 1, 0, -1):                                 # (3)
            self.delta[l] = np.dot(self.w[l + 1].T, self.delta[l + 1]) * self.sigma[l].prime(
                self.z[l])

    @property
    def sizes(self):
        return [self.a[l].shape[0] for l in range(self.L + 1)]

    @functools.cached_property
    def quantities(self):
        """(kind, layer, array) of every quantity of (1)-(5) on this example, the ones a crashed
        backprop's variables are compared with: w, b, z, a (a^0 = x), delta, sigma'(z) ("sp"),
        dC/dw ("nabla_w"), (w^{l+1})^T delta^{l+1} of (3) before its sigma' ("back", layer l),
        y and a^L - y ("a-y")."""
        L = self.L
        out = [("w", l, self.w[l]) for l in range(1, L + 1)]
        out += [("b", l, self.b[l]) for l in range(1, L + 1)]
        out += [("z", l, self.z[l]) for l in range(1, L + 1)]
        out += [("a", l, self.a[l]) for l in range(0, L + 1)]
        out += [("delta", l, self.delta[l]) for l in range(1, L + 1)]
        out += [("sp", l, self.prime(l, self.z[l])) for l in range(1, L + 1)
                if self.sigma[l].prime is not None]
        out += [("nabla_w", l, self.nabla_w(l)) for l in range(1, L + 1)]
        out += [("back", l, np.dot(self.w[l + 1].T, self.delta[l + 1])) for l in range(1, L)]
        return out + [("y", None, self.y), ("a-y", L, self.a[L] - self.y)]

    def nabla_w(self, l):                                                  # (5)
        return np.dot(self.delta[l], self.a[l - 1].T)

    def prime(self, l, v):
        """sigma'(v) of layer l's neurons (None for softmax, which has no elementwise sigma')."""
        p = self.sigma[l].prime
        return None if p is None else p(v)

    def equation(self, number, l):
        """Equation ``number`` written out for layer l, as the sheet writes it."""
        L = self.L
        if number == 1:
            return "z^%d = w^%d a^%d + b^%d, a^%d = sigma(z^%d)" % (l, l, l - 1, l, l, l)
        if number == 2:
            return ("delta^%d = (a^%d - y) * sigma'(z^%d)" % (L, L, L) if self.quadratic
                    else "delta^%d = a^%d - y (with the cross-entropy cost sigma' cancels)"
                    % (L, L))
        if number == 3:
            return "delta^%d = ((w^%d)^T delta^%d) * sigma'(z^%d)" % (l, l + 1, l + 1, l)
        if number == 4:
            return "dC/db^%d = delta^%d" % (l, l)
        return "dC/dw^%d = delta^%d (a^%d)^T" % (l, l, l - 1)


def close(s, r):
    """s equals the reference r up to rounding (same shape, RTOL/ATOL above)."""
    if s.shape != r.shape:
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        return bool(np.all(np.abs(s - r) <= RTOL * (np.abs(s) + np.abs(r)) + ATOL * scale))


def as_array(g):
    """g as a float64 array, or None when it is not an array of real numbers."""
    try:
        return np.asarray(g, dtype=np.float64)
    except (TypeError, ValueError):
        return None
