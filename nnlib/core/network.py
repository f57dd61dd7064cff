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
file's does ``SGD`` take its one fast branch: the very same steps, for a whole epoch, in one
compiled call of ``kernel.fast_epoch``, which returns the same new weights (to rounding) many times
faster; ``SGD`` assigns them, as ``update_mini_batch`` assigns its own.

With no keywords the network is the course's: sigmoid neurons, the quadratic cost
C = 1/2 ||a - y||^2, weights and biases from N(0, 1).  The improvements of chapter 3 live in small
modules this file uses: ``activations`` (the neurons), ``costs`` (quadratic and cross-entropy,
each with ``fn`` and ``delta``), ``optim`` (initialisation, L2/L1, momentum, schedules) and
``training`` (the bookkeeping ``SGD`` calls at the start and at the end of every epoch: schedule,
hooks, history, stop reasons).  ``SGD`` checks its data and settings once, at its start; the
methods it calls for every mini-batch and example check nothing again.

Below the course's methods, the same equations on arrays with one sample per row (``predict``,
``accuracy``, ``total_cost``, ``backprop_matrix``, ``train_epoch``), one way to copy the
parameters out and in, and ``save``/``load`` (``network_file``, beside this file).
"""

import warnings

import numpy as np

from . import activations, costs, examples, optim, training
from .activations import sigmoid, sigmoid_prime, softmax  # noqa: F401  (the course's names)
from .checks import (check_int, check_positive, check_regularisation, check_rows, check_dtype,
                     check_sizes, make_rng)
from .training import DivergenceWarning

__all__ = ["Network", "DivergenceWarning", "sigmoid", "sigmoid_prime", "softmax"]

BLOCK = 8192  # rows per block when a whole data set is fed forward (bounds the memory)


class Network:

    def __init__(self, sizes, *, seed=None, activation="sigmoid", output=None,
                 cost="quadratic", init="normal", dtype=np.float64):
        """``sizes`` lists the neurons per layer: ``Network([784, 30, 10])`` has 784 inputs, a
        hidden layer of 30 neurons and 10 outputs.  Biases and weights start random, from a
        numpy generator seeded by ``seed`` (the same seed gives the same run).

        Keywords of chapter 3 (the defaults are the course's): ``activation`` of the hidden
        neurons and ``output`` of the output neurons (a name in ``nnlib.core.activations``;
        output defaults to the hidden one, and may be "softmax"), ``cost`` ("quadratic" or
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

    def __repr__(self):
        return ("%s(%r, activation=%r, output=%r, cost=%r, init=%r, dtype=%s)"
                % (type(self).__name__, self.sizes, self.activation, self.output, self.cost,
                   self.init, np.dtype(self.dtype).name))

    def feedforward(self, a):
        """Return the output of the network if ``a`` is input, applying (1) layer by layer."""
        a = examples.column(a, self.sizes[0], "a")
        return self.forward_columns(a)[1][-1]

    def forward_columns(self, a):
        """Equation (1) for the input column ``a`` (or a matrix of such columns), layer by layer:
        ``(zs, activations)`` with zs[l-1] = z^l = w^l a^{l-1} + b^l and activations[l] =
        a^l = sigma(z^l), activations[0] = a.  The course's one feedforward, for
        ``feedforward``, ``backprop`` and ``backprop_matrix``."""
        zs, activations = [], [a]
        for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):
            zs.append(np.dot(w, activations[-1]) + b)
            activations.append(sigma.fn(zs[-1]))
        return zs, activations

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, *,
            lmbda=0.0, l1=0.0, momentum=0.0, warm_start=False, **bookkeeping):
        """Train the neural network using mini-batch stochastic gradient descent.

        ``training_data`` is a list of tuples ``(x, y)`` of inputs and desired outputs (or a
        tuple ``(X, y)`` of arrays, one sample per row).  If ``test_data`` is given, the network
        is evaluated after each epoch and the result printed, "Epoch j: k / n".

        The step (``optim.GradientStep``): ``lmbda`` (L2), ``l1``, ``momentum``, and
        ``warm_start`` (keep momentum's velocity from the previous call, as the playground's
        step button does).  The ``bookkeeping`` keywords, all off by default, are those of
        ``nnlib.core.training.Run``: ``schedule``, ``evaluation_data``, ``early_stopping``,
        ``target_accuracy``, ``augment``, ``callback``, ``verbose``, ``progress``.

        Returns the history: per epoch ``train_cost``, ``train_accuracy``, ``eta``, ``seconds``
        and the costs and accuracies of the sets given; ``stopped`` and ``stop_reason`` say why
        it ended early (divergence also warns, with a ``DivergenceWarning``)."""
        step_rule = optim.GradientStep(lmbda, l1, momentum)  # checked before the data are
        with training.Run(self, training_data, epochs, mini_batch_size, eta, test_data,
                          **bookkeeping) as books:  # the data and settings, checked once, here
            step_rule.n = books.n
            if warm_start:
                step_rule.keep_velocities(self.step_rule)
            self.step_rule = step_rule
            fast = self.takes_fast_branch()
            if fast:
                from .kernel import fast_epoch  # numba, loaded only when the fast branch is taken
            for j in range(epochs):
                eta_j = books.start_epoch(j)  # the schedule's eta; augmented inputs
                order = self.rng.permutation(books.n)  # the course: random.shuffle(training_data)
                if fast:  # backprop and update_mini_batch are this file's: the same steps, compiled
                    trained = fast_epoch(self, books.X, books.Y, order, mini_batch_size, eta_j)
                    self._take_epoch(trained)  # its new weights and biases
                else:
                    training_data = [books.examples[k] for k in order]
                    n = len(training_data)
                    mini_batches = [training_data[k:k + mini_batch_size]
                                    for k in range(0, n, mini_batch_size)]
                    for mini_batch in mini_batches:
                        self.update_mini_batch(mini_batch, eta_j)
                if books.end_epoch(j):  # measured, printed; True: stop here
                    break
        if books.history["stop_reason"] == "diverged":
            warnings.warn(books.history["stopped"], DivergenceWarning, stacklevel=2)
        return books.history

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
        one example: ``x`` an input column (n_in, 1), ``y`` the desired output column (n_out, 1)
        (a flat input or an int label is made one).  ``nabla_b`` and ``nabla_w`` are
        layer-by-layer lists of numpy arrays, shaped like ``self.biases`` and ``self.weights``."""
        x, y = examples.course_example(x, y, self.sizes[0], self.sizes[-1], self.dtype)
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        # (1) feedforward, storing every z and a, layer by layer
        zs, activations = self.forward_columns(x)
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
        X, labels = examples.evaluation_arrays(test_data, self.sizes[0], self.sizes[-1])
        return self.measure(X, labels)[1]

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives dC_x/da for the output activations (for the
        quadratic cost C = 1/2 ||a - y||^2: a - y)."""
        return self.cost_function.derivative(output_activations, y)

    def takes_fast_branch(self):
        """True when ``backprop`` and ``update_mini_batch`` are this file's, so that the kernel
        computes exactly what they would; a subclass with its own is trained through them."""
        cls = type(self)
        return (cls.backprop is Network.backprop
                and cls.update_mini_batch is Network.update_mini_batch)

    # ------------------------------------------------------------------ arrays: a sample per row
    # The course feeds one column at a time; data usually come as a matrix X (n_samples,
    # n_features), and whole matrices are what make numpy fast.  Same equations, all rows at once.

    def layer_outputs(self, X):
        """The activations of every layer for the rows of ``X``: [A^1, ..., A^L], each of shape
        (n_samples, n_neurons) (the playground draws its neurons from them).

        Feedforward (1) with rows as samples: A^l = sigma(A^{l-1} (w^l)^T + b^l)."""
        A = check_rows(X, self.sizes[0], "X").astype(self.dtype, copy=False)
        return self.forward_rows(A)[1][1:]

    def forward_rows(self, A):
        """Equation (1) with one sample per row of ``A`` (unchecked, in the network's dtype):
        ``(zs, activations)`` with zs[l-1] = Z^l = A^{l-1} (w^l)^T + b^l, activations[l] =
        A^l = sigma(Z^l) and activations[0] = A.  The arrays' one feedforward, for
        ``layer_outputs`` (and so ``predict``) and ``measure``; no transposed copy of ``A``."""
        zs, activations = [], [A]
        for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):
            zs.append(np.dot(activations[-1], w.T) + b.T)
            activations.append(sigma.fn(zs[-1], axis=1) if sigma.name == "softmax"
                               else sigma.fn(zs[-1]))
        return zs, activations

    def predict(self, X):
        """Output activations for the rows of ``X`` (n_samples, n_in): shape (n_samples, n_out),
        computed in blocks of rows to bound the memory."""
        X = check_rows(X, self.sizes[0], "X")
        out = np.empty((len(X), self.sizes[-1]), dtype=self.dtype)
        for start in range(0, len(X), BLOCK):
            out[start:start + BLOCK] = self.layer_outputs(X[start:start + BLOCK])[-1]
        return out

    def accuracy(self, X, y):
        """Fraction of the rows of ``X`` classified correctly.

        Several outputs: the most active neuron against the int label (or the argmax of a
        one-hot row).  One output: the sign of the output against the sign of ``y``
        (labels +-1, as for the playground data), with the threshold at 1/2 instead of 0 for a
        sigmoid output (labels 0/1)."""
        X, labels = examples.evaluation_arrays((X, y), self.sizes[0], self.sizes[-1], "(X, y)")
        return self.measure(X, labels)[1] / len(X)

    def total_cost(self, X, Y, lmbda=0.0, l1=0.0):
        """Mean cost per sample over the rows of ``X``, plus lmbda/(2n) sum w^2 + l1/n sum |w|."""
        X, Y = examples.training_arrays((X, Y), self.sizes[0], self.sizes[-1], "(X, Y)")
        lmbda, l1, _ = check_regularisation(lmbda, l1, 0.0)
        return (self.measure(X, targets=Y)[0]
                + self.regularisation_cost(optim.GradientStep(lmbda, l1, n=len(X))))

    def measure(self, X, labels=None, targets=None):
        """(mean cost per sample, number correct) of checked arrays in one forward pass.

        ``labels`` as ``accuracy`` compares them (int labels, or one real target per sample for
        one output), ``targets`` (n, n_out) for the cost; either gives the other (one-hot rows
        from int labels).  Unchecked: for the bookkeeping of ``SGD`` and the methods above."""
        one = self.sizes[-1] == 1
        if targets is None:
            targets = examples.targets_of(labels, self.sizes[-1])
        if labels is None:
            labels = targets[:, 0] if one else np.argmax(targets, axis=1)
        threshold = 0.5 if self.output == "sigmoid" else 0.0
        total, correct = 0.0, 0
        for start in range(0, len(X), BLOCK):
            zs, activations = self.forward_rows(X[start:start + BLOCK].astype(self.dtype,
                                                                               copy=False))
            z, a = zs[-1], activations[-1]
            total += self.cost_function.fn(z.T, a.T, targets[start:start + BLOCK].T)
            truth = labels[start:start + BLOCK]
            correct += int(np.sum((a[:, 0] > threshold) == (truth > threshold)) if one
                           else np.sum(np.argmax(a, axis=1) == truth))
        return total / max(len(X), 1), correct

    def regularisation_cost(self, rule):
        """lmbda/(2n) sum w^2 + l1/n sum |w| for the settings of a ``GradientStep``."""
        cost = 0.0
        if rule.lmbda:
            cost += 0.5 * rule.lmbda / rule.n * sum(float(np.sum(w.astype(np.float64) ** 2))
                                                    for w in self.weights)
        if rule.l1:
            cost += rule.l1 / rule.n * sum(float(np.sum(np.abs(w))) for w in self.weights)
        return cost

    def backprop_matrix(self, X, Y):
        """``backprop`` for many examples at once: X (n_in, m) and Y (n_out, m) hold them as
        columns; returns the gradients *summed* over the m examples.

        Every equation is the same as in ``backprop`` with capital letters for matrices; only
        (4) needs a sum, because each column of Delta^l is one example's dC/db^l."""
        zs, activations = self.forward_columns(X)  # (1)
        delta = self.cost_function.delta(zs[-1], activations[-1], Y)  # (2)
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)  # (4)
        nabla_w[-1] = np.dot(delta, activations[-2].T)  # (5)
        for l in range(2, self.num_layers):
            sp = self.layer_activations[-l].prime(zs[-l])
            delta = np.dot(self.weights[-l + 1].T, delta) * sp  # (3)
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)  # (4)
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)  # (5)
        return nabla_b, nabla_w

    def train_epoch(self, X, Y, mini_batch_size, eta, *, lmbda=0.0, l1=0.0, momentum=0.0,
                    shuffle=True):
        """One pass of mini-batch SGD over the rows of ``X`` in the kernel (no bookkeeping);
        returns the mean cost per sample, each measured before its mini-batch's step.

        ``Y``: int labels (n,) or targets (n, n_out) (or (n,) real targets for one output).
        Shuffles with the network's own seeded generator (``shuffle=False`` keeps the order).
        ``lmbda``, ``l1`` and ``momentum`` as in ``SGD`` with n = len(X); momentum's velocities
        persist between calls, so repeated calls behave like one SGD run."""
        from .kernel import fast_epoch
        rule = optim.GradientStep(lmbda, l1, momentum)
        X, Y = examples.training_arrays((X, Y), self.sizes[0], self.sizes[-1], "(X, Y)")
        mini_batch_size = check_int(mini_batch_size, "mini_batch_size", minimum=1)
        eta = check_positive(eta, "eta")
        rule.n = len(Y)
        rule.keep_velocities(self.step_rule)
        self.step_rule = rule
        order = self.rng.permutation(len(Y)) if shuffle else np.arange(len(Y))
        return self._take_epoch(fast_epoch(self, X, Y, order, mini_batch_size, eta))

    def _take_epoch(self, epoch):
        """Take the weights, biases and momentum's velocities of an epoch trained in the kernel
        (a ``kernel.Epoch``); returns its mean cost per sample."""
        self.weights, self.biases = epoch.weights, epoch.biases
        if epoch.velocities is not None:
            self.step_rule.velocity_b, self.step_rule.velocity_w = epoch.velocities
        return epoch.cost

    # ------------------------------------------------------------------ parameters and files

    def parameters(self):
        """Copies of ``(weights, biases)``: a snapshot that later training does not change."""
        return [w.copy() for w in self.weights], [b.copy() for b in self.biases]

    def set_parameters(self, weights, biases):
        """Copy ``weights`` and ``biases`` (as ``parameters`` returns them) into the network,
        in its dtype; shapes other than the network's raise a ``ValueError``."""
        weights, biases = list(weights), list(biases)
        shapes = ([(m, n) for n, m in zip(self.sizes[:-1], self.sizes[1:])],
                  [(m, 1) for m in self.sizes[1:]])
        if [np.shape(w) for w in weights] != shapes[0] or \
                [np.shape(b) for b in biases] != shapes[1]:
            raise ValueError("weights and biases must have the shapes %s and %s of sizes %r"
                             % (shapes[0], shapes[1], self.sizes))
        self.weights = [np.array(w, dtype=self.dtype) for w in weights]
        self.biases = [np.array(b, dtype=self.dtype) for b in biases]

    def save(self, path):
        """Write sizes, configuration, weights and biases to ``path`` as an .npz file (numbers
        and strings only, so loading never runs code); returns the path written.  See
        ``nnlib.core.network_file`` (also reachable as ``nnlib.data.network_file``)."""
        from .network_file import save  # zipfile and the file checks: loaded when saving
        return save(self, path)

    @classmethod
    def load(cls, path, *, sizes=None, seed=None):
        """Read a network written by ``save``; ``sizes``: the layer sizes you expect (others
        raise a ``ValueError`` naming both); ``seed`` seeds further training's shuffles.  A file
        that is not such a network raises ``nnlib.data.DataFileError`` naming the file."""
        from .network_file import load
        return load(cls, path, sizes=sizes, seed=seed)
