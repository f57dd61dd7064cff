"""nnlib.core.kernel computes the functions of the one activation table, and forward equals numpy's."""

import numpy as np
import pytest

from nnlib import Network
from nnlib.core import kernel
from nnlib.core.activations import ACTIVATIONS, HIDDEN

Z = np.concatenate([np.linspace(-40, 40, 161), [-1e-3, 0.0, 1e-3, 700.0, -700.0]])


@pytest.mark.parametrize("name", HIDDEN)
def test_kernel_sigma_and_sigma_prime_match_the_table(name):
    act = ACTIVATIONS[name]
    a = act.fn(Z)
    got = np.array([kernel.sigma(z, act.code) for z in Z])
    np.testing.assert_allclose(got, a, rtol=1e-13, atol=1e-300)
    got_prime = np.array([kernel.sigma_prime(z, s, act.code) for z, s in zip(Z, a)])
    np.testing.assert_allclose(got_prime, act.prime(Z), rtol=1e-9, atol=1e-15)


def test_every_code_is_distinct_and_known_to_the_kernel():
    codes = [a.code for a in ACTIVATIONS.values()]
    assert len(set(codes)) == len(codes)
    assert kernel.SOFTMAX == ACTIVATIONS["softmax"].code


@pytest.mark.parametrize("hidden, output", [("tanh", "softmax"), ("elu", "sigmoid"),
                                            ("swish", "linear"), ("relu", "tanh")])
def test_compiled_forward_equals_layer_outputs(hidden, output):
    net = Network([3, 5, 4, 2], seed=0, activation=hidden, output=output,
                  cost="cross-entropy" if output in ("softmax", "sigmoid") else "quadratic")
    X = np.random.default_rng(1).normal(size=(9, 3))
    params, sizes = kernel.pack(net.weights, net.biases, net.dtype)
    compiled = kernel.forward(X, params, sizes, kernel.codes_for(net.layer_activations))
    for a, b in zip(compiled, net.layer_outputs(X)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    weights, biases = kernel.unpack(params, sizes)
    assert all(np.array_equal(u, v) for u, v in zip(weights + biases, net.weights + net.biases))
