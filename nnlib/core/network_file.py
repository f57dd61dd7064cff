"""The one file format of a network: ``Network.save`` and ``Network.load``.

An ``.npz`` archive of numbers and strings only (never a pickle, so loading runs no code):
``format`` ("nnlib.Network 1"), ``sizes``, ``activation``, ``output``, ``cost``, ``init``,
``dtype`` and, per layer i, ``b<i>`` and ``w<i>`` (shapes (n_out, 1) and (n_out, n_in)).
Everything that saves a network (notebooks, the training panel, the playground's export) writes
this format.  Reading checks each array's header before the array itself (``npz_member``), then
that the layers agree with the sizes and are finite floats, and only then builds the network.
"""

import io
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .checks import all_finite, check_sizes
from .files import DataFileError, atomic_write, npz_member

__all__ = ["FORMAT", "arrays", "to_bytes", "save", "load"]

FORMAT = "nnlib.Network 1"


def arrays(net, extra=None):
    """The arrays of the format for ``net``, plus ``extra`` ones (a dict of numbers and strings,
    e.g. the playground's features and state, which ``load`` ignores)."""
    stored = {"format": np.array(FORMAT), "sizes": np.array(net.sizes),
              "activation": np.array(net.activation), "output": np.array(net.output),
              "cost": np.array(net.cost), "init": np.array(net.init),
              "dtype": np.array(np.dtype(net.dtype).name)}
    for i, (b, w) in enumerate(zip(net.biases, net.weights)):
        stored["b%d" % i], stored["w%d" % i] = b, w
    clash = set(stored) & set(extra or {})
    if clash:
        raise ValueError("extra arrays must not replace the network's own, got %s" % sorted(clash))
    return {**stored, **(extra or {})}


def to_bytes(net, extra=None):
    """The bytes of the .npz file ``save`` writes (for a download button)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays(net, extra))
    return buffer.getvalue()


def save(net, path, extra=None):
    """Write the sizes, configuration, weights and biases of ``net`` (and ``extra`` arrays) to
    ``path`` as an .npz file.

    ``.npz`` is appended when missing, as numpy does; the file is written under a temporary
    name and renamed when complete.  Returns the path written."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    with atomic_write(path) as tmp:
        Path(tmp).write_bytes(to_bytes(net, extra))
    return path


def load(cls, path, *, sizes=None, seed=None):
    """Read a network written by ``save`` as an instance of ``cls`` (``Network`` or a subclass).

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
    net.set_parameters(weights, biases)
    return net
