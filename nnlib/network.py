"""A feedforward neural network trained by stochastic gradient descent and backpropagation.

This is M. Nielsen's ``network.py`` (the code the course hands out, from "Neural Networks and Deep
Learning", chapters 1-3) with the same names and the same meaning, so every line of the exercise
sheet works unchanged::

    net = Network([784, 30, 10])
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

With no keywords the network is the course's: sigmoid neurons, the quadratic cost
C = 1/2 ||a - y||^2 and weights and biases drawn from N(0, 1).  Keywords (all off by default) add
the improvements of Nielsen's chapter 3 that notebook 04 uses to push the accuracy: other
activations, cross-entropy cost with a softmax output, scaled or He initialisation, L2 and L1
regularisation, momentum, a learning-rate schedule, early stopping, and arrays as input.

Vectors are columns of shape (n, 1), data are lists of ``(x, y)`` tuples, as in the course.
The array path (``predict``, ``train_epoch``, ``total_cost``, ``accuracy``, or ``SGD`` with a
tuple ``(X, y)``) takes one sample per *row*, ``X`` of shape (n_samples, n_features), which is
how data usually come.

``backprop`` is written literally from the course's equations (1)-(5).  ``update_mini_batch``
computes the same sums for a whole mini-batch at once with matrices.  ``SGD`` trains with the same
mathematics, but through ``nnlib._fast``, which only rearranges the arithmetic for speed (buffers
reused, activation and derivative fused); the tests check that it agrees with this file.  The
checking of inputs (with clear errors for wrong shapes, labels out of range, NaN, ...) lives in
``nnlib._inputs``.
"""

import math
import os
import warnings

import numpy as np

from . import _fast, _inputs
from .data import atomic_write

__all__ = ["Network", "DivergenceWarning", "sigmoid", "sigmoid_prime", "softmax"]


#### Activation functions sigma(z), applied elementwise, and their derivatives sigma'(z)

def sigmoid(z):
    """The logistic function 1 / (1 + e^{-z}).

    Written so that it never overflows: the textbook form needs e^{-z}, which overflows for
    z < -710 and makes numpy warn.  Here exp only ever sees -|z| <= 0, and for z < 0 we use the
    equal form e^{z} / (1 + e^{z})."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(z):
    """Derivative of the sigmoid: sigma'(z) = sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)^2."""
    return 1 - np.tanh(z) ** 2


def relu(z):
    """Rectified linear unit max(0, z)."""
    return np.maximum(z, 0)


def relu_prime(z):
    """Derivative of the ReLU: 1 where z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


def linear(z):
    """The identity, for a regression output."""
    return np.asarray(z)


def linear_prime(z):
    """Derivative of the identity."""
    return np.ones_like(z)


def softmax(z, axis=0):
    """e^{z_j} / sum_k e^{z_k} over the neurons of a layer (``axis=0`` for column vectors).

    Subtracting the largest z first changes nothing mathematically but avoids overflow."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softplus(z):
    """log(1 + e^z) without overflow; the cross-entropy of a sigmoid neuron is built from it."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (np.tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "linear": (linear, linear_prime),
}
COSTS = ("quadratic", "cross-entropy")
INITS = ("normal", "scaled", "he")
SCHEDULES = ("halve", "cosine")


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the cost became NaN or infinite (usually: eta too large)."""


class Network:
    """A fully connected feedforward network; ``sizes`` lists the neurons per layer.

    ``Network([784, 30, 10])`` has 784 inputs, one hidden layer of 30 neurons and 10 outputs.

    Keywords (defaults give the course's network):

    - ``seed``: seeds one numpy Generator used for the initial weights and for shuffling, so the
      same seed gives the same training run.  ``None`` draws fresh entropy.
    - ``activation``: hidden neurons, ``"sigmoid"``, ``"tanh"``, ``"relu"`` or ``"linear"``.
    - ``output``: output neurons; ``None`` means the same as ``activation``; also ``"softmax"``.
    - ``cost``: ``"quadratic"`` (C = 1/2 ||a - y||^2, the course) or ``"cross-entropy"``
      (binary with a sigmoid output, categorical with softmax).  For both pairs
      delta^L = a^L - y: the sigma'(z^L) that makes sigmoid neurons learn slowly cancels.
    - ``init``: ``"normal"`` (weights and biases N(0, 1), the course); ``"scaled"`` (weights
      N(0, 1/n_in), so that z starts of order 1 and the neurons do not start saturated; biases
      N(0, 1), Nielsen's chapter 3); ``"he"`` (weights N(0, 2/n_in), biases 0, the usual choice
      for ReLU, whose half-zero output halves the variance).
    - ``dtype``: ``np.float64`` (default) or ``np.float32`` (about twice as fast on the array path,
      and plenty of precision for stochastic gradient descent).
    """

    def __init__(self, sizes, *, seed=None, activation="sigmoid", output=None,
                 cost="quadratic", init="normal", dtype=np.float64):
        self.sizes = _inputs.check_sizes(sizes)
        self.num_layers = len(self.sizes)
        self.activation = _inputs.check_choice(activation, tuple(ACTIVATIONS), "activation")
        output = self.activation if output is None else output
        self.output = _inputs.check_choice(output, tuple(ACTIVATIONS) + ("softmax",), "output")
        self.cost = _inputs.check_choice(cost, COSTS, "cost")
        self.init = _inputs.check_choice(init, INITS, "init")
        self.dtype = _inputs.check_dtype(dtype)
        if self.output == "softmax" and self.cost != "cross-entropy":
            raise ValueError("output='softmax' needs cost='cross-entropy' (the pair whose "
                             "delta^L = a - y); got cost=%r" % self.cost)
        if self.cost == "cross-entropy" and self.output not in ("sigmoid", "softmax"):
            raise ValueError("cost='cross-entropy' needs output 'sigmoid' or 'softmax' (outputs "
                             "in (0, 1)); got output=%r" % self.output)
        if self.output == "softmax" and self.sizes[-1] < 2:
            raise ValueError("output='softmax' needs at least 2 output neurons, got sizes=%r"
                             % (self.sizes,))
        self.rng = _inputs.make_rng(seed)
        self.biases, self.weights = self._initial_parameters()
        self._velocities = None  # momentum's running steps, kept between train_epoch calls

    def _initial_parameters(self):
        """Random weights and biases; biases are drawn first, then weights, as in the course.

        Drawn in float64 and then rounded, so a float32 network starts from the same numbers."""
        sizes, rng = self.sizes, self.rng
        if self.init == "he":
            biases = [np.zeros((y, 1)) for y in sizes[1:]]
        else:
            biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
        scale = {"normal": lambda n_in: 1.0,
                 "scaled": lambda n_in: 1 / math.sqrt(n_in),
                 "he": lambda n_in: math.sqrt(2 / n_in)}[self.init]
        weights = [rng.standard_normal((y, x)) * scale(x)
                   for x, y in zip(sizes[:-1], sizes[1:])]
        return ([b.astype(self.dtype) for b in biases],
                [w.astype(self.dtype) for w in weights])

    def __repr__(self):
        return ("Network(%r, activation=%r, output=%r, cost=%r, init=%r, dtype=%s)"
                % (self.sizes, self.activation, self.output, self.cost, self.init,
                   np.dtype(self.dtype).name))

    def _sigma(self, layer):
        """(sigma, sigma') of weight layer ``layer`` (0 = first hidden layer)."""
        if layer == self.num_layers - 2:
            if self.output == "softmax":
                return softmax, None
            return ACTIVATIONS[self.output]
        return ACTIVATIONS[self.activation]

    #### The course's interface: column vectors and lists of (x, y) tuples

    def feedforward(self, a):
        """Return the output of the network for input ``a``, applying equation (1),
        a^l = sigma(w^l a^{l-1} + b^l), layer after layer.

        ``a`` is a column (n_in, 1), or a matrix whose columns are inputs."""
        a = _inputs.check_columns(self, a, "a")
        for layer, (b, w) in enumerate(zip(self.biases, self.weights)):
            sigma, _ = self._sigma(layer)
            a = sigma(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, *,
            lmbda=0.0, l1=0.0, momentum=0.0, schedule=None, evaluation_data=None,
            early_stopping=None, verbose=True, progress=False):
        """Train with mini-batch stochastic gradient descent; return the training history.

        ``training_data`` is a list of ``(x, y)`` tuples (x a column of inputs, y the desired
        output column, or an int label), or a tuple ``(X, y)`` of arrays with one sample per row
        (``y`` int labels, or targets of shape (n, n_out), or (n,) when there is one output).
        Each epoch shuffles the data, cuts it into mini-batches of ``mini_batch_size`` and takes
        one gradient step of size ``eta`` per mini-batch.  With ``test_data`` (same formats;
        labels as ints), the accuracy is printed after each epoch as in the course,
        "Epoch j: k / n"; without, "Epoch j complete".  ``verbose=False`` prints nothing;
        ``progress=True`` shows a tqdm progress bar over the epochs.

        Extensions (Nielsen ch. 3; n = number of training samples):

        - ``lmbda``: L2 regularisation, C = C_0 + lmbda/(2n) sum w^2, i.e. each step first
          shrinks the weights, w -> (1 - eta lmbda/n) w ("weight decay").  Biases are not
          regularised.
        - ``l1``: L1 regularisation, C = C_0 + l1/n sum |w|, i.e. w -> w - eta l1/n sgn(w).
        - ``momentum``: mu in [0, 1); each step is v -> mu v - eta grad C, w -> w + v (for
          weights and biases), so steps build up along directions the gradient keeps pointing.
        - ``schedule``: the learning rate per epoch.  A callable ``schedule(epoch, eta)``
          returning eta for that epoch; ``"halve"``: halve eta after every epoch in which the
          monitored accuracy (``evaluation_data``, else ``test_data``) did not beat its best;
          ``"cosine"``: eta_j = eta (1 + cos(pi j / epochs)) / 2, a smooth decay.
        - ``evaluation_data``: a validation set; its accuracy is recorded each epoch.
        - ``early_stopping``: an int p; stop when the accuracy on ``evaluation_data`` has not
          improved for p epochs and restore the weights of the best epoch.

        If the cost becomes NaN or infinite (usually eta too large), training stops with a
        ``DivergenceWarning`` naming the epoch and eta, the weights from the start of that epoch
        are restored and the message is stored in ``history["stopped"]``.

        Returns ``history``, a dict of per-epoch lists: ``"train_cost"`` (the mean cost per
        sample over the epoch's mini-batches, each measured just before its step, plus the
        regularisation terms at the end of the epoch: free to compute, unlike a second pass),
        ``"eta"``, and ``"test_accuracy"`` / ``"evaluation_accuracy"`` (fractions) when those
        sets are given; ``"stopped"`` (None, or why training ended early) and ``"best_epoch"``.
        """
        X, Y, rows = _inputs.training_source(self, training_data, "training_data")
        test = (None if test_data is None
                else _inputs.evaluation_arrays(self, test_data, "test_data"))
        evaluation = (None if evaluation_data is None
                      else _inputs.evaluation_arrays(self, evaluation_data, "evaluation_data"))
        epochs = _inputs.check_int(epochs, "epochs", minimum=0)
        mini_batch_size = _inputs.check_int(mini_batch_size, "mini_batch_size", minimum=1)
        eta = _inputs.check_positive(eta, "eta")
        lmbda, l1, momentum = _inputs.check_regularisation(lmbda, l1, momentum)
        if not (schedule is None or callable(schedule) or schedule in SCHEDULES):
            raise ValueError("schedule must be None, a callable schedule(epoch, eta), or one "
                             "of %s; got %r" % (SCHEDULES, schedule))
        monitor = evaluation if evaluation is not None else test
        if schedule == "halve" and monitor is None:
            raise ValueError("schedule='halve' needs evaluation_data or test_data to monitor")
        if early_stopping is not None:
            early_stopping = _inputs.check_int(early_stopping, "early_stopping", minimum=1)
            if evaluation is None:
                raise ValueError("early_stopping needs evaluation_data (a validation set): "
                                 "stopping on the test set would tune on the test set")

        history = {"train_cost": [], "eta": [], "stopped": None, "best_epoch": None}
        if test is not None:
            history["test_accuracy"] = []
        if evaluation is not None:
            history["evaluation_accuracy"] = []
        self._velocities = None
        best_accuracy, best_epoch, best_parameters = -1.0, None, None
        eta_now = eta
        epoch_range = range(epochs)
        if progress:
            from tqdm.auto import tqdm
            epoch_range = tqdm(epoch_range, desc="SGD", unit="epoch")
        say = _printer(verbose, progress)

        for j in epoch_range:
            if callable(schedule):
                eta_now = _inputs.check_positive(schedule(j, eta), "schedule(%d, eta)" % j)
            elif schedule == "cosine":
                eta_now = eta * (1 + math.cos(math.pi * j / epochs)) / 2
            start = self._copy_parameters()
            cost = self._train_arrays(X, Y, mini_batch_size, eta_now, lmbda, l1, momentum,
                                      shuffle=True, rows=rows)
            cost += self._regularisation_cost(lmbda, l1, len(Y))
            if not math.isfinite(cost):
                message = ("Training stopped in epoch %d: the cost became %s with eta = %g. "
                           "The steps are too large for this network; try a smaller eta. "
                           "The weights from the start of epoch %d were restored."
                           % (j, cost, eta_now, j))
                self._set_parameters(start)
                history["stopped"] = message
                warnings.warn(message, DivergenceWarning, stacklevel=2)
                say(message)
                break
            history["train_cost"].append(cost)
            history["eta"].append(eta_now)
            line = "Epoch %d complete" % j
            if test is not None:
                k = self._count_correct(*test)
                history["test_accuracy"].append(k / len(test[0]))
                line = "Epoch %d: %d / %d" % (j, k, len(test[0]))
            if evaluation is not None:
                k = self._count_correct(*evaluation)
                history["evaluation_accuracy"].append(k / len(evaluation[0]))
                line += (", validation %d / %d" % (k, len(evaluation[0]))
                         if test is not None else
                         "; validation %d / %d" % (k, len(evaluation[0])))
            say(line)
            if progress and monitor is not None:
                epoch_range.set_postfix(accuracy="%.4f" % (self._count_correct(*monitor)
                                                           / len(monitor[0])))

            if monitor is not None:
                accuracy = (history["evaluation_accuracy"] if evaluation is not None
                            else history["test_accuracy"])[-1]
                if accuracy > best_accuracy:
                    best_accuracy, best_epoch = accuracy, j
                    history["best_epoch"] = j
                    if early_stopping is not None:
                        best_parameters = self._copy_parameters()
                elif schedule == "halve":
                    eta_now /= 2
            if early_stopping is not None and j - best_epoch >= early_stopping:
                self._set_parameters(best_parameters)
                message = ("Early stopping after epoch %d: validation accuracy has not "
                           "improved for %d epochs; restored the weights of epoch %d "
                           "(validation accuracy %.4f)."
                           % (j, early_stopping, best_epoch, best_accuracy))
                history["stopped"] = message
                say(message)
                break
        if progress:
            epoch_range.close()
        return history

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step using the examples of ``mini_batch`` (a list of (x, y)).

        The course loops ``backprop`` over the examples and adds up the gradients.  Here the
        mini-batch is one matrix X whose columns are the inputs x, and the same equations are
        applied to all columns at once (``backprop_matrix``): the sum over examples of
        delta (a^{l-1})^T is exactly the matrix product Delta (A^{l-1})^T.  Same numbers,
        a few large operations instead of many small ones."""
        mini_batch = list(mini_batch)
        if not mini_batch:
            raise ValueError("mini_batch is empty")
        eta = _inputs.check_positive(eta, "eta")
        X, Y = _inputs.training_arrays(self, mini_batch, "mini_batch")
        nabla_b, nabla_w = self.backprop_matrix(X.T.astype(self.dtype), Y.T.astype(self.dtype))
        m = len(mini_batch)
        self.weights = [w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        """Return ``(nabla_b, nabla_w)``, the gradient of the cost C_x for one example.

        ``nabla_b`` and ``nabla_w`` are layer-by-layer lists shaped like ``self.biases`` and
        ``self.weights``.  This is the course's algorithm, one equation per step."""
        x = _inputs.check_columns(self, x, "x")
        y = _inputs.target_column(self, y)
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        # (1) feedforward: z^l = w^l a^{l-1} + b^l and a^l = sigma(z^l), keeping every z and a
        activation = x
        activations = [x]  # list to store all the activations, layer by layer
        zs = []  # list to store all the z vectors, layer by layer
        for layer, (b, w) in enumerate(zip(self.biases, self.weights)):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = self._sigma(layer)[0](z)
            activations.append(activation)
        # (2) output error: delta^L = (a^L - y) * sigma'(z^L), with (a^L - y) = dC/da^L
        delta = self._output_error(zs[-1], activations[-1], y)
        # (4) dC/db^L = delta^L  and  (5) dC/dw^L = delta^L (a^{L-1})^T
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        # Walk back through the layers: l = 2 is the second-last layer, and so on.
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = self._sigma(self.num_layers - 1 - l)[1](z)
            # (3) delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            # (4) dC/db^l = delta^l  and  (5) dC/dw^l = delta^l (a^{l-1})^T
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def backprop_matrix(self, X, Y):
        """``backprop`` for many examples at once: X (n_in, m) and Y (n_out, m) hold them as
        columns; returns the gradients *summed* over the m examples.

        Every equation is the same as in ``backprop`` with capital letters for matrices; only
        (4) needs a sum, because each column of Delta^l is one example's dC/db^l."""
        activation = X
        activations = [X]
        zs = []
        for layer, (b, w) in enumerate(zip(self.biases, self.weights)):  # (1)
            Z = np.dot(w, activation) + b
            zs.append(Z)
            activation = self._sigma(layer)[0](Z)
            activations.append(activation)
        delta = self._output_error(zs[-1], activations[-1], Y)  # (2)
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)  # (4)
        nabla_w[-1] = np.dot(delta, activations[-2].T)  # (5)
        for l in range(2, self.num_layers):
            sp = self._sigma(self.num_layers - 1 - l)[1](zs[-l])
            delta = np.dot(self.weights[-l + 1].T, delta) * sp  # (3)
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)  # (4)
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)  # (5)
        return nabla_b, nabla_w

    def _output_error(self, z, a, y):
        """delta^L of equation (2) for this network's cost and output neurons."""
        if self.cost == "quadratic":
            return self.cost_derivative(a, y) * self._sigma(self.num_layers - 2)[1](z)
        # Cross-entropy with a sigmoid or softmax output: sigma'(z^L) cancels against the
        # cost's 1/(a(1-a)), leaving delta^L = a^L - y (Nielsen ch. 3).
        return a - y

    def evaluate(self, test_data):
        """Return the number of test inputs for which the network outputs the correct result.

        The network's answer is the index of its most active output neuron.  ``test_data`` is
        a list of ``(x, label)`` tuples or a tuple of arrays ``(X, labels)``."""
        return self._count_correct(*_inputs.evaluation_arrays(self, test_data, "test_data"))

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives dC_x/da for the output activations
        (quadratic cost C = 1/2 ||a - y||^2)."""
        return output_activations - y

    #### The array path: one sample per row

    def predict(self, X):
        """Output activations for the rows of ``X`` (n_samples, n_in): shape (n_samples, n_out).

        The same feedforward (1), run on the transposed matrix in blocks of 8192 rows to bound
        memory."""
        X = _inputs.check_rows(self, X, "X")
        out = np.empty((len(X), self.sizes[-1]), dtype=self.dtype)
        for start in range(0, len(X), 8192):
            block = X[start:start + 8192]
            out[start:start + 8192] = self.feedforward(block.T.astype(self.dtype)).T
        return out

    def train_epoch(self, X, Y, mini_batch_size, eta, *, lmbda=0.0, l1=0.0, momentum=0.0,
                    shuffle=True):
        """One pass of mini-batch SGD over the rows of ``X``; returns None.

        ``Y``: int labels (n,) or targets (n, n_out) (or (n,) real targets for one output).
        Shuffles with the network's own seeded generator (``shuffle=False`` keeps the order).
        ``lmbda``, ``l1`` and ``momentum`` as in ``SGD`` with n = len(X); momentum's velocities
        persist between calls, so repeated calls behave like one SGD run."""
        X, Y = _inputs.training_arrays(self, (X, Y), "(X, Y)")
        mini_batch_size = _inputs.check_int(mini_batch_size, "mini_batch_size", minimum=1)
        eta = _inputs.check_positive(eta, "eta")
        lmbda, l1, momentum = _inputs.check_regularisation(lmbda, l1, momentum)
        self._train_arrays(X, Y, mini_batch_size, eta, lmbda, l1, momentum, shuffle=shuffle)

    def total_cost(self, X, Y, lmbda=0.0, l1=0.0):
        """Mean cost per sample over the rows of ``X``, plus lmbda/(2n) sum w^2 + l1/n sum |w|.

        Quadratic: 1/2 ||a - y||^2.  Cross-entropy: -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]
        (sigmoid) or -sum_j y_j ln a_j (softmax), evaluated from z without taking log 0."""
        X, Y = _inputs.training_arrays(self, (X, Y), "(X, Y)")
        lmbda, l1, _ = _inputs.check_regularisation(lmbda, l1, 0.0)
        total = 0.0
        for start in range(0, len(X), 8192):
            a = X[start:start + 8192].T.astype(self.dtype)
            for layer, (b, w) in enumerate(zip(self.biases, self.weights)):
                z = np.dot(w, a) + b
                a = self._sigma(layer)[0](z)
            total += self._cost_sum(z, a, Y[start:start + 8192].T)
        return total / len(X) + self._regularisation_cost(lmbda, l1, len(X))

    def _cost_sum(self, z, a, y):
        """Sum of the cost over the columns of the output (z, a) with targets y."""
        if self.cost == "quadratic":
            return 0.5 * float(np.sum((a - y) ** 2))
        if self.output == "softmax":
            # -sum y ln a with ln a_j = z_j - ln sum_k e^{z_k}
            zmax = np.max(z, axis=0, keepdims=True)
            log_norm = zmax + np.log(np.sum(np.exp(z - zmax), axis=0, keepdims=True))
            return float(np.sum(y * (log_norm - z)))
        # ln a = -softplus(-z) and ln(1 - a) = -softplus(z) for a = sigmoid(z)
        return float(np.sum(y * softplus(-z) + (1 - y) * softplus(z)))

    def _regularisation_cost(self, lmbda, l1, n):
        cost = 0.0
        if lmbda:
            cost += 0.5 * lmbda / n * sum(float(np.sum(w.astype(np.float64) ** 2))
                                          for w in self.weights)
        if l1:
            cost += l1 / n * sum(float(np.sum(np.abs(w))) for w in self.weights)
        return cost

    def accuracy(self, X, y):
        """Fraction of the rows of ``X`` classified correctly.

        Several outputs: the most active neuron against the int label (or the argmax of a
        one-hot row).  One output: the sign of the output against the sign of ``y``
        (labels +-1, as for the playground data), with the threshold at 1/2 instead of 0 for a
        sigmoid output (labels 0/1)."""
        X, labels = _inputs.evaluation_arrays(self, (X, y), "(X, y)")
        return self._count_correct(X, labels) / len(X)

    def _count_correct(self, X, labels):
        out = self.predict(X)
        if self.sizes[-1] == 1:
            threshold = 0.5 if self.output == "sigmoid" else 0.0
            return int(np.sum((out[:, 0] > threshold) == (labels > threshold)))
        return int(np.sum(np.argmax(out, axis=1) == labels))

    #### Saving and loading (.npz, no pickle)

    def save(self, path):
        """Write sizes, configuration, weights and biases to ``path`` as an .npz file.

        The file holds only numbers and strings, so loading it never runs code (unlike pickle).
        ``.npz`` is appended when missing, as numpy does; the file is written under a temporary
        name and renamed when complete.  Returns the path written."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        arrays = {"format": np.array("nnlib.Network 1"), "sizes": np.array(self.sizes),
                  "activation": np.array(self.activation), "output": np.array(self.output),
                  "cost": np.array(self.cost), "init": np.array(self.init),
                  "dtype": np.array(np.dtype(self.dtype).name)}
        for i, (b, w) in enumerate(zip(self.biases, self.weights)):
            arrays["b%d" % i], arrays["w%d" % i] = b, w
        with atomic_write(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)
        return path

    @classmethod
    def load(cls, path, *, sizes=None, seed=None):
        """Read a network written by ``save``.

        ``sizes``: the layer sizes you expect; a file made for other sizes raises a
        ``ValueError`` naming both, instead of failing later with a shape error.
        ``seed`` seeds the generator used for shuffling in further training."""
        with np.load(path, allow_pickle=False) as f:
            try:
                if str(f["format"]) != "nnlib.Network 1":
                    raise KeyError("format")
                stored = [int(s) for s in f["sizes"]]
                config = {k: str(f[k]) for k in ("activation", "output", "cost", "init")}
                dtype = np.dtype(str(f["dtype"]))
                biases = [f["b%d" % i] for i in range(len(stored) - 1)]
                weights = [f["w%d" % i] for i in range(len(stored) - 1)]
            except KeyError as err:
                raise ValueError("%s is not a network saved by nnlib.Network.save "
                                 "(missing %s)" % (path, err)) from None
        if sizes is not None and list(_inputs.check_sizes(sizes)) != stored:
            raise ValueError("%s holds a network with sizes %r, not the requested sizes %r"
                             % (path, stored, list(sizes)))
        net = cls(stored, seed=seed, dtype=dtype, **config)
        for i, (b, w) in enumerate(zip(biases, weights)):
            if b.shape != net.biases[i].shape or w.shape != net.weights[i].shape:
                raise ValueError("%s is inconsistent: layer %d has weights %s and biases %s, "
                                 "but sizes %r need %s and %s"
                                 % (path, i, w.shape, b.shape, stored, net.weights[i].shape,
                                    net.biases[i].shape))
        net.biases = [b.astype(dtype) for b in biases]
        net.weights = [w.astype(dtype) for w in weights]
        return net

    #### Helpers: training on arrays, parameters

    def _train_arrays(self, X, Y, mini_batch_size, eta, lmbda, l1, momentum, shuffle,
                      rows=None):
        """One epoch on checked arrays; returns the mean cost per sample.

        Example i is (X[i], Y[i]), or (X[rows[i]], Y[i]) when ``rows`` is given."""
        order = self.rng.permutation(len(Y)) if shuffle else np.arange(len(Y))
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(self.dtype)
        X, Y = np.ascontiguousarray(X), np.ascontiguousarray(Y, dtype=np.float64)
        self.weights = [np.ascontiguousarray(w, dtype=self.dtype) for w in self.weights]
        self.biases = [np.ascontiguousarray(b, dtype=self.dtype) for b in self.biases]
        if momentum and (self._velocities is None or [v.shape for v in self._velocities[1]]
                         != [w.shape for w in self.weights]):
            self._velocities = ([np.zeros_like(b) for b in self.biases],
                                [np.zeros_like(w) for w in self.weights])
        x_order = order if rows is None else rows[order]
        return _fast.train_epoch(self, X, Y, x_order, order, mini_batch_size, eta, lmbda, l1,
                                 momentum, len(Y))

    def _copy_parameters(self):
        return [b.copy() for b in self.biases], [w.copy() for w in self.weights]

    def _set_parameters(self, parameters):
        biases, weights = parameters
        self.biases = [b.copy() for b in biases]
        self.weights = [w.copy() for w in weights]
        self._velocities = None


def _printer(verbose, progress):
    """print, or tqdm.write while a progress bar is showing, or nothing."""
    if not verbose:
        return lambda line: None
    if progress:
        from tqdm.auto import tqdm
        return tqdm.write
    return lambda line: print(line, flush=True)
