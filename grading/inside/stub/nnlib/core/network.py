"""The course's Network (M. Nielsen's network.py) as the backprop exercise is graded: everything but
backprop, which is the exercise.  A MyNetwork that reaches for the library's backprop (MyNetwork = Network,
super().backprop(x, y), Network.backprop(self, x, y)) gets LibrarySolutionUsed, and no points for it."""

import numpy as np


class LibrarySolutionUsed(Exception):
    """Raised where a solution called the library's own backprop instead of its own."""


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Network:

    def __init__(self, sizes, *, seed=None, **keywords):
        if keywords:
            raise TypeError("while backprop is graded, Network takes only sizes and seed, got %s"
                            % sorted(keywords))
        self.sizes = list(sizes)
        self.num_layers = len(self.sizes)
        rng = np.random.default_rng(seed)
        self.biases = [rng.standard_normal((y, 1)) for y in self.sizes[1:]]
        self.weights = [rng.standard_normal((y, x)) for x, y in zip(self.sizes[:-1], self.sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def backprop(self, x, y):
        raise LibrarySolutionUsed(
            "your MyNetwork called the library's own Network.backprop (through MyNetwork = Network, "
            "super().backprop or Network.backprop): the exercise is to write backprop yourself")

    def cost_derivative(self, output_activations, y):
        return output_activations - y
