"""Notebook 07: the phase transition from a network, a fit, principal components and confusion."""

import numpy as np

from .. import checks
from ..checks import Missing
from ..sandbox import Limits
from . import Exercise, Score

CM_L = 16
PCA_SIZES = (16, 24)


# ---------------------------------------------------------------------------------- C&M networks
def cm_inputs(course):
    X, labels, temperatures = course.phase_snapshots(CM_L, 200, 1)
    X_test, labels_test, _ = course.phase_snapshots(CM_L, 200, 2)       # other chains: held out
    seed = int(course.rng("cm_networks").integers(10, 1000))
    return ({"X": X, "labels": labels, "temperatures": temperatures, "seed": np.array(seed)},
            {"X_test": X_test, "labels_test": labels_test})


def cm_score(public, private, result):
    try:
        net = checks.network(result, "net_", "the network train_cm_network returned")
        if net.sizes[0] != CM_L ** 2 or net.sizes[-1] != 2:
            raise Missing(f"a phase network has one input per spin and two outputs, got sizes {net.sizes}")
        accuracy = net.accuracy(private["X_test"], private["labels_test"])
        message = None if accuracy > 0.88 else (
            f"trained on {CM_L}x{CM_L} snapshots from other Monte Carlo chains, your network gets "
            f"{accuracy:.1%} of other test snapshots right (measured by the grader); expected more than 88 %")
    except Missing as exc:
        message = str(exc) or checks.failure(result, "net", "train_cm_network")
    return {"test_cm_networks": Score(0.0 if message else 2.0, 2.0, message or (
        f"train_cm_network: {accuracy:.1%} on {CM_L}x{CM_L} test snapshots from other chains, measured by "
        "the grader from the returned weights"))}


# ------------------------------------------------------------------------------ finite-size fit
def fit_inputs(course):
    rng = course.rng("finite_size_fit")
    sizes = np.array([8, 12, 16, 24, 32, 48, 64][:int(rng.integers(5, 8))], dtype=np.float64)
    errors = rng.uniform(0.002, 0.01, sizes.size)
    T_star = 2.269 + rng.uniform(0.1, 0.6) / sizes + errors * rng.normal(size=sizes.size)
    return {"sizes": sizes, "T_star": T_star, "errors": errors}, {}


def fit_score(public, private, result):
    Ls, T_star, T_err = public["sizes"], public["T_star"], public["errors"]
    (a_ref, T_c_ref), cov = np.polyfit(1 / Ls, T_star, 1, w=1 / T_err, cov="unscaled")
    chi2 = float(np.sum(((T_star - T_c_ref - a_ref / Ls) / T_err) ** 2))
    dof = Ls.size - 2
    error = np.sqrt(cov[1, 1]) * (np.sqrt(chi2 / dof) if chi2 > dof else 1.0)
    try:
        T_c, a, got_chi2, got_error, got_dof = checks.floats(result, "fit", (5,))
        wrong = [name for name, got, want in (("T_C", T_c, T_c_ref), ("the slope a", a, a_ref),
                                              ("chi2", got_chi2, chi2), ("the error of T_C", got_error, error),
                                              ("dof", got_dof, dof))
                 if not abs(got - want) <= 1e-6 * max(1.0, abs(want))]
        message = None if not wrong else (
            "on crossing temperatures you had not seen, the weighted straight-line fit of T*(L) against 1/L "
            f"gives another {', '.join(wrong)} than yours")
    except Missing:
        message = checks.failure(result, "fit", "the fit")
    return {"test_finite_size_fit": Score(0.0 if message else 2.0, 2.0, message or (
        "the finite-size fit: T_C, slope, chi2 and error right on crossing temperatures you had not seen"))}


# ------------------------------------------------------------------------------------------ PCA
def pca_inputs(course):
    public = {"sizes": np.array(PCA_SIZES, dtype=np.float64)}
    for L in PCA_SIZES:
        for name, stream in (("train", 3), ("test", 4)):
            X, _, temperatures = course.phase_snapshots(L, 50, stream)
            public["%s%d_X" % (name, L)], public["%s%d_T" % (name, L)] = X, temperatures
    return public, {}


def pca_score(public, private, result):
    messages = []
    for L in PCA_SIZES:
        X = np.concatenate([public["train%d_X" % L], public["test%d_X" % L]]).astype(np.float64)
        try:
            proj = checks.floats(result, "proj%d" % L, (len(X),))
            component = checks.floats(result, "component%d" % L, (L * L,))
        except Missing:
            messages.append(checks.failure(result, "L%d" % L, f"the PCA at L = {L}"))
            continue
        m = X.mean(axis=1)
        off = min(np.abs(proj - m).max(), np.abs(proj + m).max())
        centred = X - X.mean(axis=0)
        first = np.linalg.svd(centred, full_matrices=False)[2][0]
        norm = np.linalg.norm(component)
        cosine = abs(component @ first) / norm if norm > 0 else 0.0
        if cosine < 0.99:
            messages.append(f"pcs[{L}].components[0] is not the first principal component of the snapshots "
                            f"(|cos| of the angle to it: {cosine:.3f})")
        elif off >= 0.02:
            messages.append(f"proj[{L}] should be the magnetisation per site (up to its sign), differs by up to "
                            f"{off:.3f}")
    return {"test_pca_projection": Score(0.0 if messages else 2.0, 2.0, "; ".join(messages) or (
        f"PCA: the first component and the projection on it right for L = {', '.join(map(str, PCA_SIZES))}, "
        "on snapshots you had not seen"))}


# ------------------------------------------------------------------------------------ confusion
def confusion_inputs(course):
    rng = course.rng("confusion_learner")
    public, private = {"n_sets": np.array(2)}, {}
    for k, (side, aligned) in enumerate(((8, 0.95), (12, 0.9))):
        def lattices(n):
            ordered = np.where(rng.random((n, side * side)) < aligned, 1.0, -1.0) * rng.choice([-1.0, 1.0], (n, 1))
            disordered = rng.choice([-1.0, 1.0], (n, side * side))
            return np.concatenate([ordered, disordered]).astype(np.float32), np.repeat([0, 1], n)
        X, y = lattices(1000)
        X_eval, y_eval = lattices(500)
        shuffle = rng.permutation(len(X_eval))
        public.update({"set%d_X" % k: X, "set%d_y" % k: y, "set%d_X_eval" % k: X_eval[shuffle]})
        private["set%d_y_eval" % k] = y_eval[shuffle]
    return public, private


def confusion_score(public, private, result):
    message = None
    for k in range(int(public["n_sets"])):
        truth = private["set%d_y_eval" % k]
        try:
            got = checks.floats(result, "set%d_predicted" % k, truth.shape)
        except Missing:
            message = checks.failure(result, "set%d" % k, "fit_predict")
            break
        accuracy = float(np.mean(got == truth))
        if accuracy <= 0.95:
            message = (f"trained on ordered (0) and random (1) lattices you had not seen, fit_predict labels "
                       f"{accuracy:.1%} of other such lattices right; expected more than 95 %")
            break
    return {"test_confusion_learner": Score(0.0 if message else 2.0, 2.0, message or (
        "fit_predict: more than 95 % right on lattices it was not trained on, counted by the grader"))}


EXERCISES = [
    Exercise("07_phase_transition", "cm_networks", {"test_cm_networks": 2}, cm_inputs, cm_score,
             Limits(wall_seconds=300)),
    Exercise("07_phase_transition", "finite_size_fit", {"test_finite_size_fit": 2}, fit_inputs, fit_score,
             Limits(wall_seconds=60)),
    Exercise("07_phase_transition", "pca_projection", {"test_pca_projection": 2}, pca_inputs, pca_score,
             Limits(wall_seconds=120)),
    Exercise("07_phase_transition", "confusion_learner", {"test_confusion_learner": 2}, confusion_inputs,
             confusion_score, Limits(wall_seconds=300)),
]
