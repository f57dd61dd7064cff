"""The parameters of all layers in one flat array: the layout of ``nnlib.core.kernel``.

Layer by layer: the weights w^l row by row, then the biases b^l.  One flat array lets one compiled
function serve every layout; the playground's view sends the same array to the browser.  Plain
numpy, so that code which only lays parameters out (the view) does not load numba.
"""

import numpy as np

__all__ = ["pack", "unpack", "codes_for"]


def pack(weights, biases, dtype):
    """(params, sizes): all layers' weights and biases in one flat array of ``dtype``."""
    sizes = np.array([weights[0].shape[1]] + [w.shape[0] for w in weights], dtype=np.int64)
    parts = []
    for w, b in zip(weights, biases):
        parts += [np.ravel(w), np.ravel(b)]
    return np.concatenate(parts).astype(dtype), sizes


def unpack(params, sizes):
    """(weights, biases) as lists of new arrays shaped (n_out, n_in) and (n_out, 1)."""
    weights, biases, o = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(params[o:o + n_out * n_in].reshape(n_out, n_in).copy())
        o += n_out * n_in
        biases.append(params[o:o + n_out].reshape(n_out, 1).copy())
        o += n_out
    return weights, biases


def codes_for(layer_activations):
    """The kernel's activation codes, one per weight layer."""
    return np.array([a.code for a in layer_activations], dtype=np.int64)
