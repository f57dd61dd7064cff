"""Notebook 07: the network of Carrasquilla and Melko, a weighted straight-line fit, the first principal
component, and the learner of the confusion scan.  Each is the student's own code of the idea: the
sandboxes have no nnlib/transition (the library's answers: phases.train_phase_network, scaling.fit_finite_size,
pca.fit_pca, ...), only a stub that names whatever a solution takes from it."""

import numpy as np

from .. import checks
from ..checks import Missing
from ..sandbox import Limits
from .base import Check, Grader

CM_L = 16
PCA_SIZES = (16, 24)
WITHOUT_ANSWERS = ("nnlib/transition",)


# ---------------------------------------------------------------------------------- C&M networks
def cm_inputs(course):
    X, labels, temperatures = course.phase_snapshots(CM_L, 200, 1)
    X_test, labels_test, _ = course.phase_snapshots(CM_L, 200, 2)       # other chains: held out
    seed = int(course.rng("cm_networks").integers(10, 1000))
    return ({"X": X, "labels": labels, "temperatures": temperatures, "seed": np.array(seed)},
            {"X_test": X_test, "labels_test": labels_test})


def cm_score(public, private, result):
    """The network trained on the labels, and the one trained on the same snapshots with the two labels
    swapped (which only a network that learns from its labels can follow), each measured on other chains."""
    accuracies = []
    for key, labels, told in (("net", private["labels_test"], ""),
                              ("net_swapped", 1 - private["labels_test"], " with the labels 0 and 1 swapped")):
        try:
            net = checks.network(result, key, "the network train_cm_network returned")
            if net.sizes[0] != CM_L ** 2 or net.sizes[-1] != 2:
                raise Missing(f"a phase network has one input per spin and two outputs, got sizes {net.sizes}")
        except Missing as exc:
            return Check(0.0, str(exc) or checks.failure(result, key, "train_cm_network"))
        accuracy = net.accuracy(private["X_test"], labels)
        if accuracy <= 0.88:
            return Check(0.0, f"trained on {CM_L}x{CM_L} snapshots from other Monte Carlo chains{told}, your "
                              f"network gets {accuracy:.1%} of other test snapshots right (measured by the grader); "
                              "expected more than 88 %")
        accuracies.append(accuracy)
    return Check(1.0, f"train_cm_network: {accuracies[0]:.1%} on {CM_L}x{CM_L} test snapshots from other chains, "
                      f"{accuracies[1]:.1%} when trained with the labels swapped, measured by the grader from the "
                      "returned weights")


# ------------------------------------------------------------------------ weighted straight line
def fit_inputs(course):
    rng = course.rng("finite_size_fit")
    sizes = np.array([8, 12, 16, 24, 32, 48, 64][:int(rng.integers(5, 8))], dtype=np.float64)
    errors = rng.uniform(0.002, 0.01, sizes.size)
    T_star = 2.269 + rng.uniform(0.1, 0.6) / sizes + errors * rng.normal(size=sizes.size)
    scatter = 2.269 - 0.3 / sizes + 4 * errors * rng.normal(size=sizes.size)    # chi2 > dof: errors scaled
    return {"x": np.stack([1 / sizes, 1 / sizes]), "y": np.stack([T_star, scatter]),
            "sigma": np.stack([errors, errors])}, {}


def _reference_fit(x, y, sigma):
    """(c, a, c_error, chi2, dof) by numpy's weighted polyfit (weights 1/sigma on the residuals)."""
    (a, c), cov = np.polyfit(x, y, 1, w=1 / sigma, cov="unscaled")
    chi2 = float(np.sum(((y - c - a * x) / sigma) ** 2))
    dof = x.size - 2
    return np.array([c, a, np.sqrt(cov[1, 1]) * (np.sqrt(chi2 / dof) if chi2 > dof else 1.0), chi2, dof])


def fit_score(public, private, result):
    message = None
    for k in range(len(public["x"])):
        want = _reference_fit(public["x"][k], public["y"][k], public["sigma"][k])
        try:
            got = checks.floats(result, "fit%d" % k, (5,))
        except Missing:
            message = checks.failure(result, "fit%d" % k, "weighted_line_fit")
            break
        wrong = [name for name, g, w in zip(("c", "a", "c_error", "chi2", "dof"), got, want)
                 if not abs(g - w) <= 1e-6 * max(1.0, abs(w))]
        if wrong:
            scaled = " (these points scatter more than their error bars say)" if want[3] > want[4] else ""
            message = (f"on points you had not seen{scaled}, the weighted least-squares line has another "
                       f"{', '.join(wrong)} than yours")
            break
    return Check.of(message, "weighted_line_fit: c, a, the error of c, chi2 and dof right on points you had "
                             "not seen, with and without scaled errors")


# ------------------------------------------------------------------------------------------ PCA
def pca_inputs(course):
    public = {"sizes": np.array(PCA_SIZES, dtype=np.float64)}
    for L in PCA_SIZES:
        X = [course.phase_snapshots(L, 50, stream)[0] for stream in (3, 4)]
        public["X%d" % L] = np.concatenate(X)
    # not Ising: a cloud stretched along a direction that is not uniform (a shortcut through the
    # magnetisation finds the wrong one)
    rng = course.rng("pca_projection")
    direction = rng.normal(size=200)
    direction /= np.linalg.norm(direction)
    public["X0"] = (rng.normal(size=(3000, 1)) * 5 * direction + rng.normal(size=(3000, 200)) + 3.0)
    return public, {}


def pca_score(public, private, result):
    messages = []
    for key in ["X%d" % L for L in PCA_SIZES] + ["X0"]:
        X = public[key].astype(np.float64)
        what = f"on snapshots of L = {key[1:]}" if key != "X0" else "on a cloud of points that are not spins"
        try:
            component = checks.floats(result, "component_" + key, (X.shape[1],))
            projection = checks.floats(result, "projection_" + key, (len(X),))
        except Missing:
            messages.append(checks.failure(result, key, f"first_component(X) {what}"))
            continue
        centred = X - X.mean(axis=0)
        first = np.linalg.svd(centred, full_matrices=False)[2][0]
        norm = np.linalg.norm(component)
        cosine = abs(component @ first) / norm if norm > 0 else 0.0
        if cosine < 0.999:
            messages.append(f"{what}, your component is not the first principal direction of the centred data "
                            f"(|cos| of the angle to it: {cosine:.3f})")
        elif abs(norm - 1) > 1e-6:
            messages.append(f"{what}, your component has length {norm:.4f}; a principal direction has length 1")
        elif not np.allclose(projection, centred @ component, rtol=1e-6, atol=1e-6 * np.abs(projection).max()):
            messages.append(f"{what}, the projections are not (X - mean) v1 for your component v1")
    return Check.of("; ".join(dict.fromkeys(messages)), "first_component: the first principal direction and the projections "
                                         "right on snapshots of L = 16 and 24 and on a cloud of other points")


# ------------------------------------------------------------------------------------ confusion
def _lattices(rng, side, aligned, pattern, n):
    """n ordered lattices of ``pattern`` (+-1 per site) with a fraction ``aligned`` of sites following
    it and a random overall sign, then n random lattices; labels 0 and 1."""
    noisy = np.where(rng.random((n, side * side)) < aligned, 1.0, -1.0) * rng.choice([-1.0, 1.0], (n, 1))
    ordered = noisy * pattern.ravel()
    disordered = rng.choice([-1.0, 1.0], (n, side * side))
    return np.concatenate([ordered, disordered]).astype(np.float32), np.repeat([0, 1], n)


def confusion_inputs(course):
    """Ordered against random lattices in patterns with no magnetisation (antiferromagnetic and striped):
    no threshold on |m| separates them, a learner that learns does."""
    rng = course.rng("confusion_learner")
    public, private = {}, {}
    for k, (side, aligned, name) in enumerate(((8, 0.95, "antiferromagnetic"), (12, 0.9, "striped"))):
        i, j = np.indices((side, side))
        pattern = np.where((i + j) % 2 == 0, 1.0, -1.0) if name == "antiferromagnetic" else \
            np.where(i % 2 == 0, 1.0, -1.0)
        X, y = _lattices(rng, side, aligned, pattern, 1000)
        X_eval, y_eval = _lattices(rng, side, aligned, pattern, 500)
        shuffle = rng.permutation(len(X_eval))
        public.update({"set%d_X" % k: X, "set%d_y" % k: y, "set%d_X_eval" % k: X_eval[shuffle]})
        private["set%d_y_eval" % k], private["set%d_name" % k] = y_eval[shuffle], name
    return public, private


def confusion_score(public, private, result):
    message = None
    for k in range(sum(key.endswith("_y_eval") for key in private)):
        truth, name = private["set%d_y_eval" % k], private["set%d_name" % k]
        try:
            got = checks.floats(result, "set%d_predicted" % k, truth.shape)
        except Missing:
            message = checks.failure(result, "set%d" % k, "fit_predict")
            break
        accuracy = float(np.mean(got == truth))
        if accuracy <= 0.95:
            message = (f"trained on {name} (0) and random (1) lattices you had not seen, which have no "
                       f"magnetisation, fit_predict labels {accuracy:.1%} of other such lattices right; "
                       "expected more than 95 %: it must learn the labels it is given")
            break
    return Check.of(message, "fit_predict: more than 95 % right on antiferromagnetic and striped lattices "
                             "against random ones it was not trained on, counted by the grader")


GRADERS = {
    "cm_networks": Grader(cm_inputs, cm_score, Limits(wall_seconds=300), hides=WITHOUT_ANSWERS),
    "finite_size_fit": Grader(fit_inputs, fit_score, Limits(wall_seconds=60), hides=WITHOUT_ANSWERS),
    "pca_projection": Grader(pca_inputs, pca_score, Limits(wall_seconds=120), hides=WITHOUT_ANSWERS),
    "confusion_learner": Grader(confusion_inputs, confusion_score, Limits(wall_seconds=300),
                                hides=WITHOUT_ANSWERS),
}
