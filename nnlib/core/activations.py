"""The activation functions sigma(z) of nnlib, in one table.

Each entry pairs sigma with its derivative sigma'(z), which backpropagation needs in equations (2)
and (3).  ``Network``, the layout study, the playground and the training panel all look their
neurons up here, and the numba kernel (``nnlib.core.kernel``) computes the same functions under the same
``code`` (a test checks that the two agree for every entry).

- ``sigmoid``: 1 / (1 + e^{-z}), the course's neuron; outputs in (0, 1).
- ``tanh``: outputs in (-1, 1), zero-centred; a rescaled sigmoid, tanh z = 2 sigma(2z) - 1.
- ``relu``: max(0, z); does not saturate for z > 0, the usual hidden neuron of deep networks.
- ``linear``: the identity, for a regression output.
- ``elu``: z for z > 0, e^z - 1 below; like ReLU, but smooth and with negative outputs.
- ``swish``: z sigma(z) (Ramachandran, Zoph, Le 2017); smooth and not monotonic.
- ``softmax`` (output layer only, with the cross-entropy cost): e^{z_j} / sum_k e^{z_k}.
"""

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "HIDDEN", "get", "sigmoid", "sigmoid_prime", "softmax"]


def sigmoid(z):
    """The logistic function 1 / (1 + e^{-z}).

    Written so that it never overflows: exp only ever sees -|z| <= 0, and for z < 0 we use the
    equal form e^{z} / (1 + e^{z})."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(z):
    """Derivative of the sigmoid: sigma'(z) = sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0)


def relu_prime(z):
    """1 where z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


def linear(z):
    return np.asarray(z)


def linear_prime(z):
    return np.ones_like(z)


def elu(z):
    z = np.asarray(z)
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def elu_prime(z):
    z = np.asarray(z)
    return np.where(z > 0, 1, np.exp(np.minimum(z, 0))).astype(np.result_type(z, np.float32))


def swish(z):
    return np.asarray(z) * sigmoid(z)


def swish_prime(z):
    """d/dz z sigma(z) = sigma(z) (1 + z (1 - sigma(z)))."""
    s = sigmoid(z)
    return s * (1 + np.asarray(z) * (1 - s))


def softmax(z, axis=0):
    """e^{z_j} / sum_k e^{z_k} over the neurons of a layer (``axis=0`` for column vectors).

    Subtracting the largest z first changes nothing mathematically but avoids overflow."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


class Activation(NamedTuple):
    """One kind of neuron: ``fn`` is sigma, ``prime`` is sigma' (None for softmax, whose
    derivative is never needed: with the cross-entropy cost delta^L = a - y), ``code`` its
    number in the numba kernel."""
    name: str
    fn: Callable
    prime: Callable
    code: int


ACTIVATIONS = {a.name: a for a in (
    Activation("sigmoid", sigmoid, sigmoid_prime, 0),
    Activation("tanh", np.tanh, tanh_prime, 1),
    Activation("relu", relu, relu_prime, 2),
    Activation("linear", linear, linear_prime, 3),
    Activation("elu", elu, elu_prime, 4),
    Activation("swish", swish, swish_prime, 5),
    Activation("softmax", softmax, None, 6),
)}
#: the activations a hidden layer may use (softmax only makes sense for the output layer)
HIDDEN = tuple(name for name in ACTIVATIONS if name != "softmax")


def get(name, *, output=False, argument="activation"):
    """The table entry ``name``; a clear ValueError for an unknown name (or softmax where only a
    hidden activation is allowed)."""
    allowed = tuple(ACTIVATIONS) if output else HIDDEN
    if not isinstance(name, str) or name not in allowed:
        raise ValueError("%s must be one of %s, got %r" % (argument, allowed, name))
    return ACTIVATIONS[name]
