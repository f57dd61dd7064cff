"""The best fully connected MNIST network we train in a few minutes on two CPU cores.

``BEST_CONFIG`` is the configuration that ``benchmarks/best_mnist.py`` measures and notebook 04
reuses; ``train_best`` runs it.  Everything in it is one of Nielsen's chapter-3 improvements
(or a standard successor), each available in ``nnlib.Network``:

- ReLU hidden neurons with He initialisation: they do not saturate, so deep-ish, wide layers
  keep learning; the He scale keeps the size of z the same from layer to layer.
- a softmax output with the cross-entropy cost: outputs are probabilities and
  delta^L = a - y, so a confidently wrong network learns fast.
- momentum 0.9 and mini-batches of 100: steps keep their direction, so a larger eta is stable.
- a cosine learning-rate schedule: large steps first, then ever finer ones.
- a little L2 regularisation (weight decay), and, each epoch, every training image shifted
  by up to one pixel in each direction: the network sees slightly different digits every
  epoch, which fights overfitting much like having more data.
"""

import numpy as np

from ..core.network import Network

__all__ = ["BEST_CONFIG", "ISING_CONFIG", "shift_images", "train_best"]

BEST_CONFIG = {
    "sizes": [784, 800, 10],
    "activation": "relu",
    "output": "softmax",
    "cost": "cross-entropy",
    "init": "he",
    "dtype": "float32",
    "epochs": 40,
    "mini_batch_size": 100,
    "eta": 0.1,
    "momentum": 0.9,
    "lmbda": 5.0,
    "schedule": "cosine",
    "max_shift": 1,
}


# The best network of notebook 06 on the Ising snapshots (L = 28, three temperatures).  Its data
# augmentation is physics: train it with ``augment=isingmc.random_symmetry``, a random translation,
# rotation/reflection and global spin flip of every snapshot in every epoch (the labels do not change
# under these symmetries of the lattice).
ISING_CONFIG = {
    "sizes": [784, 256, 3],
    "activation": "relu",
    "output": "softmax",
    "cost": "cross-entropy",
    "init": "he",
    "dtype": "float32",
    "epochs": 30,
    "mini_batch_size": 32,
    "eta": 0.01,
    "momentum": 0.9,
    "lmbda": 0.0,
    "schedule": "cosine",
    "max_shift": 0,
}

def shift_images(X, rng, max_shift=1, side=28):
    """Each image (a row of X, side x side pixels) moved by a random whole number of pixels in
    -max_shift..max_shift along each axis; pixels shifted in from the border are 0 (background).
    Returns a new array; X is not changed."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != side * side:
        raise ValueError("X must have shape (n, %d) (images of %d x %d pixels), got %s"
                         % (side * side, side, side, X.shape))
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) \
            or not 0 <= max_shift < side:
        raise ValueError("max_shift must be an int in 0..%d, got %r" % (side - 1, max_shift))
    images = X.reshape(-1, side, side)
    out = np.zeros_like(images)
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(X), 2))
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            rows = np.flatnonzero((shifts[:, 0] == dy) & (shifts[:, 1] == dx))
            if len(rows) == 0:
                continue
            src_y = slice(max(0, -dy), side - max(0, dy))
            dst_y = slice(max(0, dy), side - max(0, -dy))
            src_x = slice(max(0, -dx), side - max(0, dx))
            dst_x = slice(max(0, dx), side - max(0, -dx))
            out[rows, dst_y, dst_x] = images[rows, src_y, src_x]
    return out.reshape(len(X), side * side)


def train_best(training, evaluation=None, test=None, *, config=None, seed=0, epochs=None,
               time_limit=None, augment=None, verbose=True):
    """Train ``Network(config["sizes"], ...)`` as ``config`` (default ``BEST_CONFIG``) says,
    through ``Network.SGD`` (the one training loop).

    ``training``, ``evaluation``, ``test``: tuples ``(X, labels)`` of arrays (``load_arrays``).
    ``epochs`` overrides the configuration's (the schedule is stretched to fit);
    ``time_limit`` (seconds of training): stop after the epoch past which, at the average
    speed so far, another epoch would end beyond it (the schedule stays that of the full run).
    ``augment``: a function ``augment(X, rng) -> X`` that makes each epoch's variant of the
    training inputs (e.g. ``isingmc.random_symmetry``); by default the images are shifted by up
    to ``config["max_shift"]`` pixels (no augmentation when it is 0).
    Returns ``(net, history)``; history holds per epoch ``"eta"``, ``"seconds"`` (cumulative
    training time, evaluation excluded) and the accuracies of the sets given, as fractions."""
    config = dict(BEST_CONFIG if config is None else config)
    n_epochs = config["epochs"] if epochs is None else epochs
    net = Network(config["sizes"], seed=seed, activation=config["activation"],
                  output=config["output"], cost=config["cost"], init=config["init"],
                  dtype=np.dtype(config["dtype"]).type)
    if augment is None and config.get("max_shift"):
        def augment(X, rng):
            return shift_images(X, rng, config["max_shift"])

    def within_time(epoch, history):
        seconds = history["seconds"][-1]
        if time_limit is not None and seconds * (epoch + 2) / (epoch + 1) > time_limit:
            if verbose and epoch + 1 < n_epochs:
                print("stopping after epoch %d: another epoch would pass the time limit of "
                      "%.0f s" % (epoch, time_limit))
            return False
        return True

    history = net.SGD(training, n_epochs, config["mini_batch_size"], config["eta"],
                      test_data=test, evaluation_data=evaluation,
                      momentum=config.get("momentum", 0.0), lmbda=config.get("lmbda", 0.0),
                      l1=config.get("l1", 0.0), schedule=config.get("schedule"),
                      augment=augment, callback=within_time, verbose=verbose)
    return net, history
