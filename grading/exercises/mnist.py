"""Notebooks 02-04: decoding MNIST, backprop, and a better network."""

import numpy as np

from .. import checks
from ..checks import Missing
from ..sandbox import Limits
from .base import Check, Grader


# ------------------------------------------------------------------------------------------- 02
def decode_inputs(course):
    rng = course.rng("decode_and_reshape")
    digits = rng.integers(0, 10, 40)
    one_hot = np.zeros((40, 10, 1))
    one_hot[np.arange(40), digits, 0] = 1.0
    images = rng.random((6, 784, 1))
    return {"one_hot": one_hot, "images": images}, {"digits": digits.astype(np.float64)}


def decode_score(public, private, result):
    scores = {}
    try:
        got = checks.floats_or_nan(result, "decode", (len(private["digits"]),))
        wrong = np.flatnonzero(~(got == private["digits"]))
        if np.any(np.isnan(got)):
            message = "decode should return an int (not a bool, float or other object)"
        elif wrong.size:
            message = (f"decode gave the wrong digit for {wrong.size} of {got.size} one-hot columns "
                       f"you had not seen, e.g. {int(got[wrong[0]])} for a {int(private['digits'][wrong[0]])}")
        else:
            message = None
    except Missing:
        message = checks.failure(result, "decode", "decode")
    scores["test_decode"] = Check.of(message, f"decode: right on {len(private['digits'])} one-hot columns "
                                              "you had not seen")
    images = public["images"][:, :, 0].reshape(-1, 28, 28)
    try:
        got = checks.floats(result, "as_image", images.shape)
        ok = np.array_equal(got, images)
        transposed = np.array_equal(got, images.transpose(0, 2, 1))
        message = None if ok else ("as_image: the image is transposed (pixels are read row by row)"
                                   if transposed else "as_image: the pixels are not where row-by-row "
                                                      "reading puts them")
    except Missing:
        message = checks.failure(result, "as_image", "as_image")
    scores["test_as_image"] = Check.of(message, "as_image: right on images you had not seen")
    return scores


# ------------------------------------------------------------------------------------------- 03
GRADIENT_SIZES = ([4, 5, 3], [6, 5, 4, 3], [3, 7, 2], [5, 4, 4, 4, 2], [8, 1, 3], [7, 6, 5, 4, 3, 2])
TRAIN_EXAMPLES = 1000


def backprop_inputs(course):
    rng = course.rng("backprop")
    public = {"n_cases": np.array(len(GRADIENT_SIZES))}
    for k, sizes in enumerate(GRADIENT_SIZES):
        p = "case%d_" % k
        public[p + "sizes"] = np.array(sizes, dtype=np.float64)
        for i, (n, m) in enumerate(zip(sizes[:-1], sizes[1:])):
            public[p + "w%d" % i] = rng.normal(size=(m, n))
            public[p + "b%d" % i] = rng.normal(size=(m, 1))
        public[p + "x"] = rng.normal(size=(sizes[0], 1))
        public[p + "y"] = np.eye(sizes[-1])[:, [int(rng.integers(sizes[-1]))]]
    (train_x, train_y), _, _ = course.mnist()
    rows = rng.choice(len(train_x), TRAIN_EXAMPLES, replace=False)
    sizes = [784, 30, 10]
    public.update(train_sizes=np.array(sizes, dtype=np.float64), train_x=train_x[rows].astype(np.float64),
                  train_y=np.eye(10)[train_y[rows]], order=rng.permutation(TRAIN_EXAMPLES),
                  eta=np.array(3.0), batch=np.array(10))
    for i, (n, m) in enumerate(zip(sizes[:-1], sizes[1:])):
        public["train_w%d" % i] = rng.normal(size=(m, n))
        public["train_b%d" % i] = rng.normal(size=(m, 1))
    return public, {}


def _reference_network(public, prefix):
    """The library's own Network with the given parameters (the grader's reference for backprop)."""
    from nnlib import Network

    sizes = [int(n) for n in public[prefix + "sizes"]]
    net = Network(sizes)
    net.set_parameters([public[prefix + "w%d" % i] for i in range(len(sizes) - 1)],
                       [public[prefix + "b%d" % i] for i in range(len(sizes) - 1)])
    return net


def _finite_difference_error(net, x, y, nabla_b, nabla_w):
    """Largest relative error of the given gradient against central differences of the cost: the
    library's gradcheck, with the given gradient in the place of the network's backprop (which stays
    there, for ``diagnose``)."""
    from nnlib import gradcheck

    net.backprop = lambda x, y: (nabla_b, nabla_w)
    return gradcheck(net, x, y)


def _exact(got, want):
    """The gradient of the equations (1)-(5) to rounding: 1e-12 of the layer's scale.  A backprop is exact to
    about 1e-16; finite differences, the definition applied naively, are off by 1e-11 or more (truncation
    and cancellation), so they do not pass as backprop."""
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= 1e-12 * (np.abs(want) + np.abs(want).max())))


def backprop_score(public, private, result):
    tests = {}
    n_cases = int(public["n_cases"])
    message = None
    try:
        for k in range(n_cases):
            p = "case%d_" % k
            sizes = [int(n) for n in public[p + "sizes"]]
            pairs = list(zip(sizes[:-1], sizes[1:]))
            nabla_b = [checks.floats(result, p + "nb%d" % i, (m, 1)) for i, (n, m) in enumerate(pairs)]
            nabla_w = [checks.floats(result, p + "nw%d" % i, (m, n)) for i, (n, m) in enumerate(pairs)]
            net = _reference_network(public, p)
            x, y = public[p + "x"], public[p + "y"]
            ref_b, ref_w = net.backprop(x, y)
            error = _finite_difference_error(net, x, y, nabla_b, nabla_w)
            close = all(_exact(g, r) for g, r in zip(nabla_b + nabla_w, ref_b + ref_w))
            if error >= 1e-4 or not close:
                from nnlib.core.gradcheck import diagnose

                where = diagnose(net, x, y)      # net.backprop gives the student's gradient (see above)
                message = (f"on a network with {len(sizes) - 2} hidden layer(s) that you had not seen, your "
                           f"backprop disagrees with finite differences (relative error {error:.1e}, "
                           f"expected < 1e-4): {where.message}")
                break
    except Missing:
        message = checks.failure(result, "gradients", "MyNetwork.backprop")
    tests["backprop_gradcheck"] = Check.of(message, (
        f"backprop: gradients right on {n_cases} networks you had not seen (one to four hidden layers), "
        "checked against finite differences and the course's equations"))
    try:
        sizes = [int(n) for n in public["train_sizes"]]
        got = [checks.floats(result, "trained_w%d" % i, (m, n)) for i, (n, m) in enumerate(zip(sizes[:-1], sizes[1:]))]
        got += [checks.floats(result, "trained_b%d" % i, (m, 1)) for i, m in enumerate(sizes[1:])]
        want = _reference_training(public)
        difference = max(float(np.max(np.abs(g - w))) for g, w in zip(got, want))
        message = None if difference < 1e-5 else (
            f"after one epoch of SGD with your backprop, the weights differ from the course's by {difference:.1e} "
            "(a correct backprop agrees to about 1e-12)")
    except Missing:
        message = checks.failure(result, "training", "training with MyNetwork.backprop")
    tests["backprop_trains"] = Check.of(message, (
        f"training: one epoch of SGD on {TRAIN_EXAMPLES} MNIST images with your backprop lands on the "
        "course's weights"))
    return tests


def _reference_training(public):
    """One epoch of the course's SGD in the given order, the gradient of each mini-batch summed in one
    matrix product (equal to the per-example sum; the library's tests check this to 1e-12)."""
    net = _reference_network(public, "train_")
    X, Y = public["train_x"], public["train_y"]
    order, eta, m = public["order"], float(public["eta"]), int(public["batch"])
    for start in range(0, len(order), m):
        batch = order[start:start + m]
        nabla_b, nabla_w = net.backprop_matrix(X[batch].T, Y[batch].T)
        net.weights = [w - (eta / len(batch)) * g for w, g in zip(net.weights, nabla_w)]
        net.biases = [b - (eta / len(batch)) * g for b, g in zip(net.biases, nabla_b)]
    return net.weights + net.biases


# ------------------------------------------------------------------------------------------- 04
def derangement(rng, n):
    """A permutation of range(n) that moves every label: the names a network must learn from the data."""
    while True:
        perm = rng.permutation(n)
        if np.all(perm != np.arange(n)):
            return perm


def improved_inputs(course):
    """10 000 training images the notebook does not use, a seed it does not use, and the digits renamed
    (digit k is called perm[k]): only a network trained on these data can follow the names."""
    (train_x, train_y), (val_x, val_y), _ = course.mnist()
    rng = course.rng("improved_network")
    start = int(rng.integers(1, 4)) * 10_000               # never the first 10 000 the notebook uses
    perm = derangement(rng, 10)
    return ({"train_x": train_x[start:start + 10_000], "train_y": perm[train_y[start:start + 10_000]],
             "seed": np.array(int(rng.integers(10, 1000)))},
            {"val_x": val_x, "val_y": perm[val_y]})


FULL, NONE = 0.96, 0.93        # improved_network's accuracy for full points, and below which none


def improved_score(public, private, result):
    """Partial credit between NONE and FULL.  The notebook's recipe reaches 96.48-96.87 % on such inputs
    (20 seeds, slices and renamings: mean 96.62 %, standard deviation 0.11 %), so full points lie more than 5
    standard deviations below its mean; the course's [784, 30, 10] reaches about 91 %."""
    try:
        net = checks.network(result, "net", "the network improved_network returned")
        if net.sizes[0] != 784 or net.sizes[-1] != 10:
            raise Missing(f"an MNIST network has 784 inputs and 10 outputs, yours has sizes {net.sizes}")
        accuracy = net.accuracy(private["val_x"], private["val_y"])
    except Missing as exc:
        return Check(0.0, str(exc) or checks.failure(result, "net", "improved_network"))
    fraction = float(np.clip((accuracy - NONE) / (FULL - NONE), 0.0, 1.0))
    return Check(fraction, f"improved_network: trained on 10 000 other training images, with another seed and the "
                           f"digits renamed, {accuracy:.2%} on the validation set, measured by the grader from the "
                           f"returned weights (full points from {FULL:.0%}, none below {NONE:.0%})")


GRADERS = {
    "decode_and_reshape": Grader(decode_inputs, decode_score, Limits(wall_seconds=60)),
    # numpy and the sheet's network.py only: no library backprop to reach
    "backprop": Grader(backprop_inputs, backprop_score, Limits(wall_seconds=120), library="sheet"),
    # without nnlib/studies, whose recipes train the course's best network
    "improved_network": Grader(improved_inputs, improved_score, Limits(wall_seconds=300),
                               hides=("nnlib/studies",)),
}
