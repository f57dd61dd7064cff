"""Notebooks 05 and 06: which label is which temperature, phase networks, the Bayes classifier."""

import json

import numpy as np

from .. import checks
from ..checks import Missing
from ..sandbox import Limits
from .base import Check, Grader

N = 28 * 28


def _recorded_temperatures(course):
    """The temperature of each label of data/mcIsing.pkl.gz, from the generator's record (mcIsing.json):
    the grader may read it; the sandbox never sees it."""
    path = course._path("mcIsing.json")
    try:
        temperatures = json.loads(path.read_text())["temperatures"]
        return np.array([float(T) for T in temperatures])
    except (OSError, ValueError, KeyError, TypeError):
        return np.array([3.0, 2.3, 1.5])        # the course's default order


# ------------------------------------------------------------------------------------------- 05
def label_inputs(course):
    _, (val_x, val_y), _ = course.ising()
    rng = course.rng("label_temperatures")
    rows = rng.choice(len(val_x), 3000, replace=False)
    temperatures = _recorded_temperatures(course)
    public = {"spins": val_x[rows].astype(np.int8).reshape(-1, 28, 28), "temperatures": temperatures}
    private = {}
    for key in ("labels_a", "labels_b"):
        perm = rng.permutation(len(temperatures))
        while np.array_equal(perm, np.arange(len(temperatures))):
            perm = rng.permutation(len(temperatures))
        public[key] = perm[val_y[rows]]                       # label k is now called perm[k]
        expected = np.empty(len(temperatures))
        expected[perm] = temperatures                         # so perm[k] belongs to temperatures[k]
        private[key] = expected
    return public, private


def label_score(public, private, result):
    message = None
    for key in ("labels_a", "labels_b"):
        try:
            got = checks.floats(result, key, private[key].shape)
        except Missing:
            message = checks.failure(result, key, "assign_temperatures")
            break
        if not np.array_equal(got, private[key]):
            message = ("on the snapshots with their labels shuffled (and no record of how they were made), "
                       "assign_temperatures gave a wrong temperature to at least one label: the label of "
                       "the most ordered snapshots belongs to the lowest temperature")
            break
    return Check.of(message, ("assign_temperatures: right on the snapshots with their labels shuffled twice, "
                              "without the generator's record"))


# ------------------------------------------------------------------------------------------- 06
def networks_inputs(course):
    """The training set shuffled, with the three temperatures' labels renamed (label k is called perm[k]):
    only networks trained on these data follow the names; the validation set stays with the grader."""
    from .mnist import derangement

    (train_x, train_y), (val_x, val_y), (test_x, test_y) = course.ising()
    rng = course.rng("ising_networks")
    order, perm = rng.permutation(len(train_x)), derangement(rng, 3)
    return ({"train_x": train_x[order].astype(np.int8), "train_y": perm[train_y[order]],
             "test_x": test_x.astype(np.int8), "test_y": perm[test_y]},
            {"val_x": val_x, "val_y": perm[val_y]})


FULL, NONE = 0.85, 0.70     # a network's validation accuracy for its full share of the points, and below which none


def networks_score(public, private, result):
    """Each network earns half the points, in full from FULL, none below NONE, linearly between.  The
    notebook's solution, graded on 160 course secrets (shuffles and renamings): shallow_net 93.7 % or more,
    deep_net 86.5-96.2 % (3 of 160 below the notebook's own 90 %: the bar sits under the recipe's spread);
    a network that ignores its training data is near chance after the renaming (33 %)."""
    messages, fractions, reached = [], [], []
    for name in ("shallow_net", "deep_net"):
        try:
            net = checks.network(result, name, name)
        except Missing as exc:
            messages.append(str(exc) or checks.failure(result, name, name))
            fractions.append(0.0)
            continue
        hidden = net.sizes[1:-1]
        if name == "shallow_net" and net.sizes != [784, 30, 3]:
            messages.append(f"shallow_net should have sizes [784, 30, 3], got {net.sizes}")
            fractions.append(0.0)
        elif name == "deep_net" and not (net.sizes[0] == 784 and net.sizes[-1] == 3 and len(hidden) >= 2
                                         and sum(hidden) == 30):
            messages.append("deep_net should have 784 inputs, 3 outputs and 30 hidden neurons in two or more "
                            f"layers, got sizes {net.sizes}")
            fractions.append(0.0)
        else:
            accuracy = net.accuracy(private["val_x"], private["val_y"])
            fractions.append(float(np.clip((accuracy - NONE) / (FULL - NONE), 0.0, 1.0)))
            reached.append(f"{name} {accuracy:.1%}")
            if accuracy < FULL:
                messages.append(f"{name}, trained on the snapshots with their labels renamed, reaches {accuracy:.1%} "
                                "on the validation set (measured by the grader from its weights); full points from "
                                f"{FULL:.0%}, none below {NONE:.0%}")
    text = "; ".join(messages) or f"shallow_net and deep_net, trained on the snapshots with their labels renamed: " \
                                  f"{', '.join(reached)} on the validation set, measured by the grader from their weights"
    return Check(sum(fractions) / 2, text)


def bayes_inputs(course):
    _, _, (test_x, _) = course.ising()
    rng = course.rng("bayes_classifier")
    drawn = test_x[rng.choice(len(test_x), 1000, replace=False)].astype(np.int8)
    p_up = rng.random((1000, 1))                         # random configurations of every magnetisation
    random = np.where(rng.random((1000, N)) < p_up, 1, -1).astype(np.int8)
    spins = np.concatenate([drawn, random])[rng.permutation(2000)]
    return {"spins": spins, "temperatures": np.array([3.0, 2.3, 1.5])}, {}


def bayes_score(public, private, result):
    import isingmc
    from isingmc import exact

    temperatures = public["temperatures"]
    log_Z = np.array([exact.log_partition_function(T, L=28) for T in temperatures])
    E = isingmc.energy_per_site(public["spins"].reshape(-1, 28, 28)) * N
    reference = np.argmax(-E[:, None] / temperatures[None, :] - log_Z[None, :], axis=1)
    try:
        got = checks.floats(result, "labels", reference.shape)
        disagree = int(np.sum(got != reference))
        message = None if disagree == 0 else (
            f"on {disagree} of {reference.size} configurations you had not seen, your label is not the most "
            "probable temperature argmax_k [-E/T_k - ln Z(T_k)]")
    except Missing:
        message = checks.failure(result, "labels", "bayes_classifier")
    return Check.of(message, (f"bayes_classifier: the most probable temperature for all {reference.size} "
                              "configurations you had not seen"))


GRADERS = {
    "label_temperatures": Grader(label_inputs, label_score, Limits(wall_seconds=30)),
    "ising_networks": Grader(networks_inputs, networks_score, Limits(wall_seconds=300)),
    "bayes_classifier": Grader(bayes_inputs, bayes_score, Limits(wall_seconds=60)),
}
