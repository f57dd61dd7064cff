"""One epoch of nnlib's SGD against the course's per-sample loop, side by side.

The course's ``network.py`` (M. Nielsen) computes backprop one example at a time and adds up the
gradients.  ``CourseNetwork`` below is that code (Python 3, one change: it takes the shuffling
order from a numpy Generator, so that both sides visit the examples in the same order).  Both start
from identical weights; we time one call ``SGD(training_data, 1, 10, 3.0)`` of each, alternating
A B A B, and compare the weights, which agree to rounding.  For nnlib the call is split into
its two parts: reading the list of tuples (once per call, whatever the number of epochs: the
course's 30-epoch run pays it once; timed as for a list never seen before, and also for a
repeated call on the same list, which reuses what it learnt about the list) and the epoch
itself.

Run: ``python benchmarks/bench_nnlib.py [--repeats N]``.  Needs data/mnist.pkl.gz (``make data``).
"""

import argparse
import copy
import os
import time
from pathlib import Path

import numpy as np

from nnlib import Network, _inputs
from nnlib.data import load_data_wrapper

MNIST = Path(__file__).resolve().parent.parent / "data" / "mnist.pkl.gz"


class CourseNetwork:
    """The course's network.py: per-sample backprop, gradients summed over the mini-batch."""

    def __init__(self, biases, weights, rng):
        self.num_layers = len(weights) + 1
        self.biases = [b.copy() for b in biases]
        self.weights = [w.copy() for w in weights]
        self.rng = rng

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta):
        n = len(training_data)
        for j in range(epochs):
            order = self.rng.permutation(n)  # the course: random.shuffle(training_data)
            shuffled = [training_data[i] for i in order]
            mini_batches = [shuffled[k:k + mini_batch_size]
                            for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, eta)

    def update_mini_batch(self, mini_batch, eta):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join("%s %s threads=%s" % (i.get("internal_api"), i.get("version"),
                                                  i.get("num_threads"))
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except ImportError:
        env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                          "MKL_NUM_THREADS") if k in os.environ}
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return "%s %s, thread env %s (default: all cores)" % (cfg.get("name"),
                                                              cfg.get("version"), env or "unset")


def bench(sizes, training_data, test_data, repeats, seed=0):
    eta, m = 3.0, 10
    names = ("course", "nnlib list", "nnlib conversion", "nnlib epoch")
    times = {name: [] for name in names}
    for rep in range(repeats):
        for name in names:
            net = Network(sizes, seed=seed)
            if name == "course":
                ref = CourseNetwork(net.biases, net.weights, copy.deepcopy(net.rng))
                t = time.perf_counter()
                ref.SGD(training_data, 1, m, eta)
                times[name].append(time.perf_counter() - t)
            elif name == "nnlib list":
                _inputs._ROWS_CACHE.clear()  # every call as if it were the first on this list
                t = time.perf_counter()
                net.SGD(training_data, 1, m, eta, verbose=False)
                times[name].append(time.perf_counter() - t)
                nnlib_net = net
            elif name == "nnlib conversion":  # what SGD does once per call, before epoch 0
                _inputs._ROWS_CACHE.clear()
                t = time.perf_counter()
                source = _inputs.training_source(net, training_data, "training_data")
                times[name].append(time.perf_counter() - t)
            else:  # what SGD does in each epoch
                X, Y, rows = source
                t = time.perf_counter()
                net._train_arrays(X, Y, m, eta, 0.0, 0.0, 0.0, shuffle=True, rows=rows)
                times[name].append(time.perf_counter() - t)
    best = {k: min(v) for k, v in times.items()}
    t = time.perf_counter()
    _inputs.training_source(Network(sizes), training_data, "training_data")
    warm = time.perf_counter() - t
    diff = max(float(np.max(np.abs(a - b)))
               for a, b in zip(nnlib_net.weights + nnlib_net.biases, ref.weights + ref.biases))
    correct_ref = sum(int(np.argmax(ref.feedforward(x)) == y) for x, y in test_data)
    correct_nnlib = nnlib_net.evaluate(test_data)
    short = rounding_check(sizes, training_data, seed, eta, m)
    ratio_call = best["course"] / best["nnlib list"]
    ratio_epoch = best["course"] / best["nnlib epoch"]
    print("sizes %s, mini-batch %d, eta %g: best of %d alternating runs"
          % (sizes, m, eta, repeats))
    print("  course, per-sample loop, SGD(training_data, 1, 10, 3.0) : %6.3f s"
          % best["course"])
    print("  nnlib Network.SGD(training_data, 1, 10, 3.0)             : %6.3f s   speed-up %5.1fx"
          % (best["nnlib list"], ratio_call))
    print("    of which once per call, reading the list of tuples     : %6.3f s "
          "(later calls on the same list: %.3f s)" % (best["nnlib conversion"], warm))
    print("    of which the epoch itself                              : %6.3f s   speed-up %5.1fx"
          % (best["nnlib epoch"], ratio_epoch))
    print("  same weights up to rounding: max |w - w_course| after the first 100 mini-batches "
          "%.1e; after the whole epoch %.1e" % (short, diff))
    print("    (SGD amplifies rounding differences from step to step; the networks stay "
          "equally good: test accuracy after the epoch %d vs %d / %d)"
          % (correct_nnlib, correct_ref, len(test_data)))
    return ratio_epoch, ratio_call


def rounding_check(sizes, training_data, seed, eta, m, batches=100):
    """Both codes over the same first ``batches`` mini-batches: equal up to rounding."""
    net = Network(sizes, seed=seed)
    ref = CourseNetwork(net.biases, net.weights, None)
    data = training_data[:batches * m]
    for k in range(0, len(data), m):
        ref.update_mini_batch(data[k:k + m], eta)
    X, Y, rows = _inputs.training_source(net, data, "data")
    net._train_arrays(X, Y, m, eta, 0.0, 0.0, 0.0, shuffle=False, rows=rows)
    return max(float(np.max(np.abs(a - b)))
               for a, b in zip(net.weights + net.biases, ref.weights + ref.biases))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    training_data, _, test_data = load_data_wrapper(MNIST)
    print("BLAS: %s; %d CPU cores" % (blas_info(), os.cpu_count()))
    print("one epoch of SGD on the 50 000 MNIST training images (list of tuples), float64")
    Network([784, 10], seed=0).SGD(training_data[:100], 1, 10, 3.0, verbose=False)  # warm up
    for sizes in ([784, 30, 10], [784, 100, 10]):
        ratio_epoch, ratio_call = bench(sizes, training_data, test_data, args.repeats)
        if sizes == [784, 30, 10]:
            print("  target >= 10x for [784, 30, 10] (the epoch): %s; whole call incl. reading "
                  "the list: %.1fx" % ("met" if ratio_epoch >= 10 else "MISSED", ratio_call))


if __name__ == "__main__":
    main()
