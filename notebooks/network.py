"""network.py: the exercise sheet's network, a feedforward neural network learning by stochastic
gradient descent (M. Nielsen, "Neural Networks and Deep Learning", chapter 1).

Exercise 11.2 (b): read this file.  Exercise 11.2 (c): it lacks an implementation of the
backpropagation algorithm; write ``backprop`` (in notebook 03, as ``MyNetwork(Network)``).

Inputs and outputs are column vectors of shape (n, 1); data are lists of ``(x, y)`` tuples.  The
equations, numbered as on the exercise sheet (layer 0 is the input, a^0 = x; layer L the output):

    (1)  a^l = sigma(z^l),  z^l = w^l a^{l-1} + b^l             (feedforward)
    (2)  delta^L = (a^L - y) * sigma'(z^L)                       (output error)
    (3)  delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)       (error, one layer back)
    (4)  dC/db^l = delta^l
    (5)  dC/dw^l = delta^l (a^{l-1})^T

In the code ``self.weights[l-1]`` is w^l and ``self.biases[l-1]`` is b^l.  The one change from the
book's code: random numbers come from a numpy generator seeded by ``seed``, so that the same seed gives
the same network and the same run (the course's library ``nnlib.Network`` draws them in the same order).
"""

import numpy as np


class Network:

    def __init__(self, sizes, seed=None):
        """``sizes`` lists the neurons per layer: ``Network([784, 30, 10])`` has 784 inputs, a hidden
        layer of 30 neurons and 10 outputs.  Biases and weights start random from N(0, 1): random,
        so that the neurons of a layer start different and learn different things."""
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.rng = np.random.default_rng(seed)
        self.biases = [self.rng.standard_normal((y, 1)) for y in self.sizes[1:]]
        self.weights = [self.rng.standard_normal((y, x))
                        for x, y in zip(self.sizes[:-1], self.sizes[1:])]

    def feedforward(self, a):
        """Return the output of the network if ``a`` is input: (1), layer after layer."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None):
        """Train the network with mini-batch stochastic gradient descent.  ``training_data`` is a
        list of tuples ``(x, y)`` of inputs and desired outputs.  If ``test_data`` is given, the
        network is evaluated after each epoch and the result printed: useful to watch progress, but
        it slows training down."""
        n = len(training_data)
        for j in range(epochs):
            order = self.rng.permutation(n)        # the book: random.shuffle(training_data)
            shuffled = [training_data[k] for k in order]
            mini_batches = [shuffled[k:k + mini_batch_size] for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, eta)
            if test_data:
                print("Epoch {0}: {1} / {2}".format(j, self.evaluate(test_data), len(test_data)))
            else:
                print("Epoch {0} complete".format(j))

    def update_mini_batch(self, mini_batch, eta):
        """Update the weights and biases by one step of gradient descent, with the gradient of every
        example of ``mini_batch`` (a list of tuples ``(x, y)``) from backpropagation; ``eta`` is the
        learning rate.  The step is w -> w - (eta/m) sum_x dC_x/dw, and the same for b."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        """Return a tuple ``(nabla_b, nabla_w)`` representing the gradient of the cost C_x of one
        example (x, y): ``nabla_b`` and ``nabla_w`` are layer-by-layer lists of numpy arrays, shaped
        like ``self.biases`` and ``self.weights`` (``nabla_w[l-1]`` is dC_x/dw^l, by (1)-(5)).

        Exercise 11.2 (c): write it, in notebook 03."""
        raise NotImplementedError("backprop is exercise 11.2 (c): write it in notebook 03")

    def evaluate(self, test_data):
        """Return the number of test inputs for which the network outputs the correct result: the
        index of the most active output neuron."""
        test_results = [(np.argmax(self.feedforward(x)), y) for (x, y) in test_data]
        return sum(int(x == y) for (x, y) in test_results)

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives dC_x/da for the output activations: for the
        quadratic cost C_x = 1/2 ||a^L - y||^2 it is a^L - y."""
        return output_activations - y


def sigmoid(z):
    """The sigmoid function, sigma(z) = 1 / (1 + e^{-z}), elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid function: sigma'(z) = sigma(z) (1 - sigma(z))."""
    return sigmoid(z) * (1 - sigmoid(z))
