"""network.py: a feedforward neural network learning by stochastic gradient descent.

This is the course's ``network.py`` (M. Nielsen, "Neural Networks and Deep Learning", chapter 1),
with the same names and the same meaning::

    net = Network([784, 30, 10])
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

Inputs and outputs are column vectors of shape (n, 1); data are lists of ``(x, y)`` tuples.  The
equations of the course, numbered as on the exercise sheet, are

    (1)  a^l = sigma(z^l),  z^l = w^l a^{l-1} + b^l             (feedforward)
    (2)  delta^L = (a^L - y) * sigma'(z^L)                       (output error)
    (3)  delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)       (error, one layer back)
    (4)  dC/db^l = delta^l
    (5)  dC/dw^l = delta^l (a^{l-1})^T

``SGD`` calls ``update_mini_batch`` once per mini-batch, which calls ``backprop`` once per
example.  Override either in a subclass and ``SGD`` trains with yours.  Only when both are this
file's does ``SGD`` run the very same steps in ``nnlib.core.kernel`` instead, which lands on the same
weights many times faster.

With no keywords the network is the course's: sigmoid neurons, the quadratic cost
C = 1/2 ||a - y||^2, weights and biases from N(0, 1).  The improvements of chapter 3 live in small
modules this file uses: ``activations`` (the neurons), ``costs`` (quadratic and cross-entropy,
each with ``fn`` and ``delta``), ``optim`` (initialisation, L2/L1, momentum, schedules),
``training`` (the epoch loop's bookkeeping) and ``array_path`` (arrays with one sample per row:
``predict``, ``accuracy``, ``train_epoch``, ``save``/``load``).
"""

import numpy as np

from . import activations, costs, examples, optim, training
from .activations import sigmoid, sigmoid_prime, softmax  # noqa: F401  (the course's names)
from .array_path import ArrayPath
from .checks import check_dtype, check_sizes, make_rng
from .training import DivergenceWarning  # noqa: F401

__all__ = ["Network", "DivergenceWarning", "sigmoid", "sigmoid_prime", "softmax"]


class Network(ArrayPath):

    def __init__(self, sizes, *, seed=None, activation="sigmoid", output=None,
                 cost="quadratic", init="normal", dtype=np.float64):
        """``sizes`` lists the neurons per layer: ``Network([784, 30, 10])`` has 784 inputs, a
        hidden layer of 30 neurons and 10 outputs.  Biases and weights start random, from a
        numpy generator seeded by ``seed`` (the same seed gives the same run).

        Keywords of chapter 3 (the defaults are the course's): ``activation`` of the hidden
        neurons and ``output`` of the output neurons (a name in ``nnlib.core.activations``; output
        defaults to the hidden one, and may be "softmax"), ``cost`` ("quadratic" or
        "cross-entropy"), ``init`` ("normal", "scaled", "he"), ``dtype`` (float64 or float32)."""
        self.sizes = check_sizes(sizes)
        self.num_layers = len(self.sizes)
        self.activation = activation
        self.output = activation if output is None else output
        hidden = activations.get(activation)
        top = activations.get(self.output, output=True, argument="output")
        if top.name == "softmax" and self.sizes[-1] < 2:
            raise ValueError("output='softmax' needs at least 2 output neurons, got sizes=%r"
                             % (self.sizes,))
        # sigma (and sigma') of each layer of weights: hidden layers, then the output layer
        self.layer_activations = [hidden] * (self.num_layers - 2) + [top]
        self.cost = cost
        self.cost_function = costs.make_cost(cost, top)
        self.init = init
        self.dtype = check_dtype(dtype)
        self.rng = make_rng(seed)
        self.biases, self.weights = optim.initial_parameters(self.sizes, init, self.rng,
                                                             self.dtype)
        self.step_rule = optim.GradientStep()  # plain gradient descent until SGD says more

    def feedforward(self, a):
        """Return the output of the network if ``a`` is input, applying (1) layer by layer."""
        a = examples.column(a, self.sizes[0], "a")
        for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):
            a = sigma.fn(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, **improvements):
        """Train the neural network using mini-batch stochastic gradient descent.

        ``training_data`` is a list of tuples ``(x, y)`` of inputs and desired outputs (or a
        tuple ``(X, y)`` of arrays, one sample per row).  If ``test_data`` is given, the network
        is evaluated after each epoch and the result printed, "Epoch j: k / n".  Returns the
        history: per epoch ``train_cost``, ``eta``, ``seconds`` and the accuracies measured.

        ``improvements`` are keywords of chapter 3 and beyond, all off by default: ``lmbda``
        (L2), ``l1``, ``momentum``, ``schedule`` ("cosine", "halve" or a function of
        (epoch, eta)), ``evaluation_data`` and ``early_stopping``, ``augment(X, rng)`` (each
        epoch's variant of the inputs), ``callback(epoch, history)`` (False stops),
        ``verbose``, ``progress`` (a progress bar), ``warm_start`` (keep momentum's velocity
        from the previous call).  ``nnlib.core.training.Run`` explains each."""
        run = training.Run(self, training_data, epochs, mini_batch_size, eta, test_data,
                           **improvements)
        for j in run.epochs():
            if run.fast:  # backprop and update_mini_batch are this file's: same steps, faster
                run.fast_epoch()
                continue
            training_data = run.shuffled()  # the course: random.shuffle(training_data)
            n = len(training_data)
            mini_batches = [training_data[k:k + mini_batch_size]
                            for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, run.eta)
        return run.history

    def update_mini_batch(self, mini_batch, eta):
        """Update the weights and biases by one step of gradient descent, using backpropagation
        on every example of ``mini_batch`` (a list of tuples ``(x, y)``); ``eta`` is the
        learning rate.  The step is w -> w - (eta/m) sum_x dC_x/dw (the same for b), plus the
        L2/L1 and momentum terms when ``SGD`` switched them on (``self.step_rule``)."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        biases, weights = self.step_rule(self.biases, self.weights, nabla_b, nabla_w, eta,
                                         len(mini_batch))
        self.biases = [b.astype(self.dtype, copy=False) for b in biases]
        self.weights = [w.astype(self.dtype, copy=False) for w in weights]

    def backprop(self, x, y):
        """Return a tuple ``(nabla_b, nabla_w)`` representing the gradient of the cost C_x of
        one example.  ``nabla_b`` and ``nabla_w`` are layer-by-layer lists of numpy arrays,
        shaped like ``self.biases`` and ``self.weights``."""
        x = examples.column(x, self.sizes[0], "x")
        y = examples.target_column(y, self.sizes[-1], self.dtype)
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        # (1) feedforward, storing every z and a
        activation = x
        activations = [x]  # list to store all the activations, layer by layer
        zs = []  # list to store all the z vectors, layer by layer
        for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigma.fn(z)
            activations.append(activation)
        # (2) output error; for the quadratic cost (a^L - y) * sigma'(z^L), the course's
        delta = self.cost_function.delta(zs[-1], activations[-1], y)
        nabla_b[-1] = delta  # (4)
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())  # (5)
        # Walk back through the layers: l = 2 is the second-last layer, and so on.
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = self.layer_activations[-l].prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp  # (3)
            nabla_b[-l] = delta  # (4)
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())  # (5)
        return (nabla_b, nabla_w)

    def evaluate(self, test_data):
        """Return the number of test inputs for which the neural network outputs the correct
        result: the index of the most active output neuron.  ``test_data`` is a list of
        ``(x, label)`` tuples, or a tuple of arrays ``(X, labels)``."""
        return self._count_correct(*examples.evaluation_arrays(test_data, self.sizes[0],
                                                               self.sizes[-1]))

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives dC_x/da for the output activations (for the
        quadratic cost C = 1/2 ||a - y||^2: a - y)."""
        return self.cost_function.derivative(output_activations, y)
