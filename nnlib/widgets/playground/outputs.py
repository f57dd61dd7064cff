"""What the playground shows and exports: the network's output on the points and on the grid,
every neuron's map, the confusion matrix, the JSON state and the weights as an .npz file.

A mixin of ``Engine`` (which holds the network, the data and the grid)."""

import os

import numpy as np

from ...studies import toydata
from ...core.checks import check_int
from ...data import atomic_write, network_file
from . import settings

__all__ = ["Outputs", "DENSITY", "density_for"]

DENSITY = 100       # the maps are evaluated on a DENSITY x DENSITY grid, as in the original
LARGE = 2000        # ... and on a LARGE_DENSITY one for networks with more weights than this
LARGE_DENSITY = 50


def density_for(sizes):
    """Grid points per side: 100 as the original; 50 (a quarter of the work, drawn as smoothly by
    the browser's bilinear interpolation) for networks of more than LARGE weights, whose
    neurons are drawn so small that their maps need no more."""
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return DENSITY if weights <= LARGE else LARGE_DENSITY


class Outputs:
    # ------------------------------------------------------------------ what is shown
    def _shown(self, a):
        """Output activation -> the value drawn: the +-1 scale for two classes (a sigmoid's
        2a - 1), probabilities for softmax, the value itself otherwise."""
        return 2.0 * a - 1.0 if self._net_kind()[0] == "sigmoid" else a

    def predict(self, X):
        """The network's output at points X (n, 2) on the shown scale ([-1, 1] for two classes,
        the class probabilities (n, k) for more)."""
        F = toydata.features(np.asarray(X, dtype=np.float64), self._state["features"])
        out = self.net.predict(F)
        return out if out.shape[1] > 1 else self._shown(out[:, 0])

    @property
    def heatmap(self):
        """The output on the grid: (density, density), row 0 at x2 = +domain; with several
        classes (density, density, k) probabilities."""
        out, d = self.grid_outputs()[-1], self.density
        if out.shape[1] > 1:
            return out.reshape(d, d, -1)
        return self._shown(out[:, 0]).reshape(d, d)

    def neuron_map(self, column, i):
        """What neuron ``i`` of ``column`` (0: the inputs, then the layers) computes on the grid,
        (density, density); inputs are scaled to [-1, 1]."""
        sizes = self.net.sizes
        column = check_int(column, "column", 0, len(sizes) - 1)
        i = check_int(i, "i", 0, sizes[column] - 1)
        if column == 0:
            v = self.F_grid[:, i] / self.F_scale[i]
        else:
            v = self.grid_outputs()[column - 1][:, i]
            if column == len(sizes) - 1 and sizes[-1] == 1:
                v = self._shown(v)
        return v.reshape(self.density, self.density)

    def confusion(self):
        """The test set's confusion matrix, counts[true class, predicted class] (None for
        regression); for two classes class 0 is -1 and class 1 is +1."""
        if self._state["problem"] == "regression":
            return None
        with np.errstate(all="ignore"):
            out = self.net.predict(self.F_test)
        if out.shape[1] > 1:
            truth, guess, k = self.T_test, np.argmax(out, axis=1), out.shape[1]
        else:
            threshold = 0.5 if self._net_kind()[0] == "sigmoid" else 0.0
            truth, guess, k = (self.y_test > 0).astype(int), (out[:, 0] > threshold), 2
        counts = np.zeros((k, k), dtype=np.int64)
        np.add.at(counts, (truth, guess.astype(int)), 1)
        return counts

    # ------------------------------------------------------------------ state and export
    @property
    def state(self):
        """A copy of the current settings (without your own data)."""
        return dict(self._state, hidden=list(self._state["hidden"]),
                    features=list(self._state["features"]))

    def to_json(self):
        """The whole run as a JSON string: the settings it started with (data set, features,
        layout, hyper-parameters, seed), your own data points if any, and the changes made
        while it trained (learning rate, momentum, weights and biases set by hand, each with
        its epoch).  ``Playground.from_json(s)`` starts that run again at epoch 0 and replays
        the changes at their epochs, so stepping it as far gives the same weights.  The
        trained weights themselves are in ``export_weights``."""
        return settings.state_json(self._start, self._custom, self._events + self._pending)

    def weights_npz_bytes(self):
        """The trained network as the bytes of a .npz file in the one format of a network
        (``nnlib.data.network_file``: ``Network.load`` reads it back), no pickles.

        Beside the network's arrays (``sizes``, ``activation``, ``output``, ``cost``, ``w0``,
        ``b0``, ``w1``, ... with w: (n_out, n_in), b: (n_out, 1)) it holds ``features``,
        ``problem``, ``classes`` (with classes), ``epoch`` and ``state`` (the JSON of
        ``to_json``: settings, own data and the changes made by hand), so the file alone says
        how to feed the network."""
        extra = {"features": np.array(self._state["features"]),
                 "problem": np.array(self._state["problem"]),
                 "epoch": np.array(self.epoch),
                 "state": np.array(self.to_json())}
        if self.classes is not None:
            extra["classes"] = np.array(self.classes)
        return network_file.to_bytes(self.net, extra)

    def export_weights(self, path):
        """Write ``weights_npz_bytes`` to ``path`` (atomically); returns the path."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError("path must be a str or os.PathLike, got %s" % type(path).__name__)
        with atomic_write(path) as tmp:
            tmp.write_bytes(self.weights_npz_bytes())
        return os.fspath(path)
