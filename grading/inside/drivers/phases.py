"""Drivers of notebook 07.  Its sandboxes have a stub in the place of nnlib/transition (the library's
answers): the prelude's ``phases``, ``pca``, ``scaling``, ... name whatever a solution takes from them."""

import numpy as np

from .common import array, driver, function, network_file, part


def prelude(namespace, inputs):
    """The notebook's import cell."""
    import time

    import isingmc
    from isingmc import energy_per_site, magnetization_per_site, simulate
    from isingmc.exact import T_C
    from nnlib import Network
    from nnlib.transition import confusion, crossing, pca, phases, scaling

    namespace.update(np=np, time=time, isingmc=isingmc, simulate=simulate, energy_per_site=energy_per_site,
                     magnetization_per_site=magnetization_per_site, T_C=T_C, Network=Network,
                     confusion=confusion, crossing=crossing, pca=pca, phases=phases, scaling=scaling,
                     run_time={})


@driver("cm_networks", prelude=prelude)
def cm_networks(namespace, inputs):
    """train_cm_network(X, labels, temperatures, seed) on snapshots the grader simulated, with their labels
    and with the labels swapped; the grader measures the returned networks on other snapshots, which this
    sandbox does not have."""
    out = {}

    def train(key, labels):
        def compute():
            f = function(namespace, "train_cm_network")
            net = f(inputs["X"].copy(), labels.copy(), inputs["temperatures"].copy(), int(inputs["seed"]))
            return network_file(net, key, "the network train_cm_network returned")
        return compute

    part(out, "net", train("net", inputs["labels"]))
    part(out, "net_swapped", train("net_swapped", 1 - inputs["labels"]))       # only a learner follows
    return out


@driver("finite_size_fit", prelude=prelude)
def finite_size_fit(namespace, inputs):
    """weighted_line_fit(x, y, sigma) -> (c, a, c_error, chi2, dof) on points the grader made up."""
    out = {}
    for k in range(len(inputs["x"])):
        def fit(k=k):
            f = function(namespace, "weighted_line_fit")
            got = f(inputs["x"][k].copy(), inputs["y"][k].copy(), inputs["sigma"][k].copy())
            return {"fit%d" % k: array(got, "weighted_line_fit(x, y, sigma), the 5 numbers (c, a, c_error, chi2, "
                                            "dof)", (5,))}
        part(out, "fit%d" % k, fit)
    return out


@driver("pca_projection", prelude=prelude)
def pca_projection(namespace, inputs):
    """first_component(X) -> (v1, projections) on snapshots the grader simulated and on other points."""
    out = {}
    for key in sorted(k for k in inputs if k.startswith("X")):
        def read(key=key):
            X = inputs[key]
            got = function(namespace, "first_component")(X.copy())
            if not isinstance(got, tuple) or len(got) != 2:
                raise TypeError(f"first_component should return the tuple (v1, projections), got "
                                f"{type(got).__name__}")
            return {"component_" + key: array(got[0], "v1", (X.shape[1],)),
                    "projection_" + key: array(got[1], "the projections", (len(X),))}
        part(out, key, read)
    return out


@driver("confusion_learner", prelude=prelude)
def confusion_learner(namespace, inputs):
    """fit_predict(X, labels, X_eval, seed) on ordered and random lattices the grader drew; the labels of
    X_eval stay with the grader."""
    out = {}
    for k in range(sum(key.endswith("_X_eval") for key in inputs)):
        def predict(k=k):
            f = function(namespace, "fit_predict")
            X_eval = inputs["set%d_X_eval" % k]
            got = f(inputs["set%d_X" % k].copy(), inputs["set%d_y" % k].copy(), X_eval.copy(), k)
            return {"set%d_predicted" % k: array(got, "fit_predict(X, labels, X_eval, seed)", (len(X_eval),))}
        part(out, "set%d" % k, predict)
    return out
