"""Drivers of notebooks 05 and 06: which label is which temperature, phase networks, the Bayes classifier."""

import numpy as np

from .common import ExerciseError, array, driver, function, network_file, part


# ---------------------------------------------------------------------------------------- 05
def label_prelude(namespace, inputs):
    import isingmc
    from isingmc import exact

    namespace.update(np=np, isingmc=isingmc, exact=exact)


@driver("label_temperatures", prelude=label_prelude)
def label_temperatures(namespace, inputs):
    """assign_temperatures(spins, labels) on the snapshots with their labels shuffled (twice) and no record
    of how they were made."""
    out = {}
    temperatures = tuple(float(T) for T in inputs["temperatures"])

    def one(key):
        def compute():
            f = function(namespace, "assign_temperatures")
            got = f(inputs["spins"].copy(), inputs[key].copy(), temperatures)
            if not isinstance(got, dict):
                raise ExerciseError("type", f"assign_temperatures should return a dict label -> temperature, "
                                            f"got {type(got).__name__}")
            try:
                return {key: np.array([float(got[k]) for k in range(len(temperatures))])}
            except KeyError as exc:
                raise ExerciseError("shape", f"the dict assign_temperatures returned has no label "
                                             f"{exc.args[0]!r}") from None
        return compute

    for key in ("labels_a", "labels_b"):
        part(out, key, one(key))
    return out


# ---------------------------------------------------------------------------------------- 06
def networks_prelude(namespace, inputs):
    from nnlib import Network

    import isingmc
    from isingmc import exact
    from nnlib.core.network import sigmoid_prime

    # the notebook's first cell: the arrays of load_arrays (spins as float32) and the lists of
    # load_data_wrapper (columns, one-hot training targets), of the same snapshots
    train_x, test_x = inputs["train_x"].astype(np.float32), inputs["test_x"].astype(np.float32)
    train_y, test_y = inputs["train_y"], inputs["test_y"]
    one_hot = np.eye(3, dtype=np.float32)[:, :, None]
    namespace.update(np=np, Network=Network, isingmc=isingmc, exact=exact, sigmoid_prime=sigmoid_prime,
                     temperatures=np.array([3.0, 2.3, 1.5]), train_x=train_x, train_y=train_y, test_x=test_x,
                     test_y=test_y, training_data=[(x[:, None], one_hot[y]) for x, y in zip(train_x, train_y)],
                     test_data=[(x[:, None], int(y)) for x, y in zip(test_x, test_y)])


@driver("ising_networks", prelude=networks_prelude)
def ising_networks(namespace, inputs):
    """The cell trains shallow_net and deep_net on (train_x, train_y); the grader reads both from their
    network files and measures them on the validation set, which this sandbox does not have."""
    out = {}
    for name in ("shallow_net", "deep_net"):
        part(out, name, lambda name=name: network_file(namespace.get(name), name, name))
    return out


def bayes_prelude(namespace, inputs):
    import isingmc
    from isingmc import exact

    namespace.update(np=np, isingmc=isingmc, exact=exact, temperatures=inputs["temperatures"].copy())


@driver("bayes_classifier", prelude=bayes_prelude)
def bayes_classifier(namespace, inputs):
    """bayes_classifier(spins) on configurations drawn by the grader."""
    out = {}

    def classify():
        f = function(namespace, "bayes_classifier")
        spins = inputs["spins"]
        return {"labels": array(f(spins.copy()), "bayes_classifier(spins)", (len(spins),))}

    part(out, "labels", classify)
    return out
