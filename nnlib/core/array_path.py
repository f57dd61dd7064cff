"""The array path of ``nnlib.Network``: samples as the rows of a matrix, and saving to disk.

The course feeds a network one column vector at a time.  Data usually come as a matrix ``X`` of
shape (n_samples, n_features) instead, and whole matrices are what make numpy (and the kernel)
fast.  These methods are mixed into ``Network``; they compute the same equations as
``network.py``, on all rows at once:

- ``predict(X)``, ``accuracy(X, y)``, ``total_cost(X, Y)``: feedforward (1) of every row;
- ``backprop_matrix(X, Y)``: ``backprop`` for many examples at once, as matrices (notebook 03
  derives it); ``train_epoch(X, Y, ...)``: one epoch of SGD on arrays, in ``nnlib.core.kernel``;
- ``save(path)`` / ``Network.load(path)``: the network in an .npz file (numbers and strings only,
  so loading never runs code, unlike pickle).
"""

import os
import zipfile
import zlib

import numpy as np

from . import examples, training
from .checks import (all_finite, check_int, check_positive, check_regularisation, check_rows,
                     check_sizes)
from ..data import DataFileError, atomic_write, npz_member
from .optim import GradientStep

__all__ = ["ArrayPath"]

FORMAT = "nnlib.Network 1"


class ArrayPath:

    def __repr__(self):
        return ("%s(%r, activation=%r, output=%r, cost=%r, init=%r, dtype=%s)"
                % (type(self).__name__, self.sizes, self.activation, self.output, self.cost,
                   self.init, np.dtype(self.dtype).name))

    def layer_outputs(self, X):
        """The activations of every layer for the rows of ``X``: [A^1, ..., A^L], each of shape
        (n_samples, n_neurons) (the playground draws its neurons from them).

        Feedforward (1) with rows as samples: A^l = sigma(A^{l-1} (w^l)^T + b^l).  (numpy's
        vectorised exp and tanh make this faster than a compiled loop.)"""
        a = check_rows(X, self.sizes[0], "X").astype(self.dtype, copy=False)
        outputs = []
        for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):
            z = np.dot(a, w.T) + b.T
            a = sigma.fn(z, axis=1) if sigma.name == "softmax" else sigma.fn(z)
            outputs.append(a)
        return outputs

    def predict(self, X):
        """Output activations for the rows of ``X`` (n_samples, n_in): shape (n_samples, n_out),
        computed in blocks of 8192 rows to bound the memory."""
        X = check_rows(X, self.sizes[0], "X")
        out = np.empty((len(X), self.sizes[-1]), dtype=self.dtype)
        for start in range(0, len(X), 8192):
            out[start:start + 8192] = self.layer_outputs(X[start:start + 8192])[-1]
        return out

    def accuracy(self, X, y):
        """Fraction of the rows of ``X`` classified correctly.

        Several outputs: the most active neuron against the int label (or the argmax of a
        one-hot row).  One output: the sign of the output against the sign of ``y``
        (labels +-1, as for the playground data), with the threshold at 1/2 instead of 0 for a
        sigmoid output (labels 0/1)."""
        X, labels = examples.evaluation_arrays((X, y), self.sizes[0], self.sizes[-1], "(X, y)")
        return self._count_correct(X, labels) / len(X)

    def _count_correct(self, X, labels):
        out = self.predict(X)
        if self.sizes[-1] == 1:
            threshold = 0.5 if self.output == "sigmoid" else 0.0
            return int(np.sum((out[:, 0] > threshold) == (labels > threshold)))
        return int(np.sum(np.argmax(out, axis=1) == labels))

    def total_cost(self, X, Y, lmbda=0.0, l1=0.0):
        """Mean cost per sample over the rows of ``X``, plus lmbda/(2n) sum w^2 + l1/n sum |w|."""
        X, Y = examples.training_arrays((X, Y), self.sizes[0], self.sizes[-1], "(X, Y)")
        lmbda, l1, _ = check_regularisation(lmbda, l1, 0.0)
        total = 0.0
        for start in range(0, len(X), 8192):
            a = X[start:start + 8192].T.astype(self.dtype)
            for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):
                z = np.dot(w, a) + b
                a = sigma.fn(z)
            total += self.cost_function.fn(z, a, Y[start:start + 8192].T)
        return total / len(X) + self.regularisation_cost(GradientStep(lmbda, l1, n=len(X)))

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
        activation = X
        activations = [X]
        zs = []
        for b, w, sigma in zip(self.biases, self.weights, self.layer_activations):  # (1)
            Z = np.dot(w, activation) + b
            zs.append(Z)
            activation = sigma.fn(Z)
            activations.append(activation)
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
        """One pass of mini-batch SGD over the rows of ``X`` in the kernel; returns the mean
        cost per sample (each measured before its mini-batch's step).

        ``Y``: int labels (n,) or targets (n, n_out) (or (n,) real targets for one output).
        Shuffles with the network's own seeded generator (``shuffle=False`` keeps the order).
        ``lmbda``, ``l1`` and ``momentum`` as in ``SGD`` with n = len(X); momentum's velocities
        persist between calls, so repeated calls behave like one SGD run."""
        X, Y = examples.training_arrays((X, Y), self.sizes[0], self.sizes[-1], "(X, Y)")
        mini_batch_size = check_int(mini_batch_size, "mini_batch_size", minimum=1)
        eta = check_positive(eta, "eta")
        rule = GradientStep(lmbda, l1, momentum, n=len(Y))
        if rule.momentum and getattr(self, "step_rule", None) is not None \
                and self.step_rule.momentum:
            rule.velocity_b, rule.velocity_w = self.step_rule.velocity_b, self.step_rule.velocity_w
        self.step_rule = rule
        order = self.rng.permutation(len(Y)) if shuffle else np.arange(len(Y))
        return training.fast_epoch(self, X, Y, order, mini_batch_size, eta)

    def save(self, path):
        """Write sizes, configuration, weights and biases to ``path`` as an .npz file.

        ``.npz`` is appended when missing, as numpy does; the file is written under a temporary
        name and renamed when complete.  Returns the path written."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        arrays = {"format": np.array(FORMAT), "sizes": np.array(self.sizes),
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
        ``seed`` seeds the generator used for shuffling in further training.  A file that is not
        such a network (truncated, corrupt, sizes too large or not integers, layers that disagree
        with its sizes, NaN weights) raises ``nnlib.data.DataFileError`` naming the file."""
        if sizes is not None:
            sizes = check_sizes(sizes)
        try:
            f = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
            raise DataFileError("%s is not a network saved by nnlib.Network.save (%s: %s)"
                                % (path, type(err).__name__, err)) from None

        def get(key):  # checks the array's header before reading it (no huge allocation)
            return npz_member(f, key, path)
        with f:
            try:
                if str(get("format")) != FORMAT:
                    raise KeyError("format")
                stored = get("sizes")
                if stored.ndim != 1 or stored.dtype.kind not in "iu":
                    raise DataFileError("%s: sizes must be a list of integers, got %s of dtype "
                                        "%s" % (path, stored.tolist(), stored.dtype))
                try:
                    stored = check_sizes(stored.tolist(), "the sizes stored in %s" % path)
                except ValueError as err:
                    raise DataFileError(str(err)) from None
                config = {k: str(get(k)) for k in ("activation", "output", "cost", "init")}
                dtype = np.dtype(str(get("dtype")))
                layers = {k for k in f.files if k[:1] in "bw" and k[1:].isdigit()}
                if layers != {"%s%d" % (c, i) for c in "bw" for i in range(len(stored) - 1)}:
                    raise DataFileError("%s: sizes %r need the arrays b0..b%d and w0..w%d, the "
                                        "file holds %s" % (path, stored, len(stored) - 2,
                                                          len(stored) - 2, sorted(layers)))
                biases = [get("b%d" % i) for i in range(len(stored) - 1)]
                weights = [get("w%d" % i) for i in range(len(stored) - 1)]
            except KeyError as err:
                raise DataFileError("%s is not a network saved by nnlib.Network.save "
                                    "(missing %s)" % (path, err)) from None
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
                if isinstance(err, DataFileError):
                    raise
                raise DataFileError("%s is truncated or corrupt (%s: %s)"
                                    % (path, type(err).__name__, err)) from None
        for i, (b, w) in enumerate(zip(biases, weights)):
            if b.shape != (stored[i + 1], 1) or w.shape != (stored[i + 1], stored[i]):
                raise DataFileError("%s is inconsistent: layer %d has weights %s and biases %s, "
                                    "but its sizes %r need %s and %s"
                                    % (path, i, w.shape, b.shape, stored,
                                       (stored[i + 1], stored[i]), (stored[i + 1], 1)))
            if b.dtype.kind != "f" or w.dtype.kind != "f" or not (all_finite(b)
                                                                  and all_finite(w)):
                raise DataFileError("%s: the weights or biases of layer %d are not finite "
                                    "floats (NaN, inf or dtype %s)" % (path, i, w.dtype))
        if sizes is not None and sizes != stored:
            raise ValueError("%s holds a network with sizes %r, not the requested sizes %r"
                             % (path, stored, list(sizes)))
        net = cls(stored, seed=seed, dtype=dtype, **config)
        net.biases = [b.astype(dtype) for b in biases]
        net.weights = [w.astype(dtype) for w in weights]
        return net
