"""Drivers of notebooks 02-04: decoding MNIST, backprop, a better network."""

import numpy as np

from .common import ExerciseError, array, driver, function, network_file, part


# ---------------------------------------------------------------------------------------- 02
def decode_prelude(namespace, inputs):
    namespace["np"] = np


@driver("decode_and_reshape", prelude=decode_prelude)
def decode_and_reshape(namespace, inputs):
    """decode(y) -> int and as_image(x) -> 28x28, on one-hot columns and images never shown."""
    out = {}

    def decode():
        f = function(namespace, "decode")
        digits = []
        for column in inputs["one_hot"]:
            got = f(column.copy())
            ok = isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_))
            digits.append(float(int(got)) if ok else np.nan)   # nan: not an int
        return {"decode": np.array(digits)}

    def as_image():
        f = function(namespace, "as_image")
        return {"as_image": np.stack([array(f(x.copy()), "as_image(x)", (28, 28)) for x in inputs["images"]])}

    part(out, "decode", decode)
    part(out, "as_image", as_image)
    return out


# ---------------------------------------------------------------------------------------- 03
def backprop_prelude(namespace, inputs):
    """The notebook's imports, with the sheet's network.py (the only Network this sandbox has: no nnlib)."""
    from network import Network, sigmoid, sigmoid_prime

    namespace.update(np=np, Network=Network, sigmoid=sigmoid, sigmoid_prime=sigmoid_prime)


def _my_network(namespace, sizes, prefix, inputs):
    cls = namespace.get("MyNetwork")
    if not isinstance(cls, type):
        raise ExerciseError("missing", "your solution cell should define the class MyNetwork")
    net = cls([int(n) for n in sizes])
    net.biases = [inputs[prefix + "b%d" % i].copy() for i in range(len(sizes) - 1)]
    net.weights = [inputs[prefix + "w%d" % i].copy() for i in range(len(sizes) - 1)]
    return net


def _gradient(net, sizes, x, y, what):
    got = net.backprop(x.copy(), y.copy())
    if not isinstance(got, tuple) or len(got) != 2:
        raise ExerciseError("shape", f"{what} should return a tuple (nabla_b, nabla_w), got {type(got).__name__}")
    nabla_b, nabla_w = list(got[0]), list(got[1])
    if len(nabla_b) != len(sizes) - 1 or len(nabla_w) != len(sizes) - 1:
        raise ExerciseError("shape", f"{what}: nabla_b and nabla_w should hold one array per layer of weights "
                                     f"({len(sizes) - 1}), got {len(nabla_b)} and {len(nabla_w)}")
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return ([array(g, f"nabla_b[{i}]", (m, 1)) for i, ((n, m), g) in enumerate(zip(pairs, nabla_b))],
            [array(g, f"nabla_w[{i}]", (m, n)) for i, ((n, m), g) in enumerate(zip(pairs, nabla_w))])


@driver("backprop", prelude=backprop_prelude)
def backprop(namespace, inputs):
    """MyNetwork.backprop on hidden networks, then one epoch of training with it.  The sandbox has no nnlib:
    a MyNetwork that reaches for a library backprop finds only the sheet's, which is the exercise."""
    out = {}

    def gradients():
        arrays = {}
        for k in range(int(inputs["n_cases"])):
            p = "case%d_" % k
            sizes = [int(n) for n in inputs[p + "sizes"]]
            net = _my_network(namespace, sizes, p, inputs)
            nabla_b, nabla_w = _gradient(net, sizes, inputs[p + "x"], inputs[p + "y"], f"backprop for sizes {sizes}")
            for i, (gb, gw) in enumerate(zip(nabla_b, nabla_w)):
                arrays[p + "nb%d" % i], arrays[p + "nw%d" % i] = gb, gw
        return arrays

    def training():
        # the course's update_mini_batch, written out: per example backprop, summed, one step
        sizes = [int(n) for n in inputs["train_sizes"]]
        net = _my_network(namespace, sizes, "train_", inputs)
        X, Y, eta, m = inputs["train_x"], inputs["train_y"], float(inputs["eta"]), int(inputs["batch"])
        order = inputs["order"]
        weights = [w.copy() for w in net.weights]
        biases = [b.copy() for b in net.biases]
        for start in range(0, len(order), m):
            batch = order[start:start + m]
            sum_b = [np.zeros_like(b) for b in biases]
            sum_w = [np.zeros_like(w) for w in weights]
            for k in batch:
                net.weights, net.biases = [w.copy() for w in weights], [b.copy() for b in biases]
                nb, nw = _gradient(net, sizes, X[k][:, None], Y[k][:, None], "backprop")
                sum_b = [s + g for s, g in zip(sum_b, nb)]
                sum_w = [s + g for s, g in zip(sum_w, nw)]
            biases = [b - (eta / len(batch)) * g for b, g in zip(biases, sum_b)]
            weights = [w - (eta / len(batch)) * g for w, g in zip(weights, sum_w)]
        arrays = {}
        for i, (b, w) in enumerate(zip(biases, weights)):
            arrays["trained_b%d" % i], arrays["trained_w%d" % i] = b, w
        return arrays

    part(out, "gradients", gradients)
    part(out, "training", training)
    return out


# ---------------------------------------------------------------------------------------- 04
def improved_prelude(namespace, inputs):
    from nnlib import Network

    namespace.update(np=np, Network=Network)


@driver("improved_network", prelude=improved_prelude)
def improved_network(namespace, inputs):
    """improved_network(train_x, train_y, seed) on a slice of the training set and a seed never used in the
    notebook; the grader measures the returned network on the validation set."""
    out = {}

    def train():
        f = function(namespace, "improved_network")
        net = f(inputs["train_x"].copy(), inputs["train_y"].copy(), seed=int(inputs["seed"]))
        return network_file(net, "net", "the network improved_network returned")

    part(out, "net", train)
    return out
