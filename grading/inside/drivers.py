"""The drivers: what runs after a student's solution cell, inside the sandbox.

One driver per graded solution cell (its ``grade_id``).  A driver has two parts:

* ``prelude(namespace, inputs)`` stands for the instructor's cells that come before the solution cell in
  the notebook: the imports and the data the cell reads (hidden data, where the cell reads data);
* ``drive(namespace, inputs)`` calls the student's functions or reads the student's trained networks and
  returns plain arrays: numbers, never objects.  Nothing is judged here; the grader does that outside.

A part that fails is recorded as ``error_<part>`` (with ``kind_<part>``) and the other parts still run.
"""

import types

import numpy as np


class ExerciseError(Exception):
    """A reason, in words for the student, why an answer could not be read."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _function(namespace, name):
    f = namespace.get(name)
    if not callable(f):
        raise ExerciseError("missing", f"your solution cell does not define the function {name}")
    return f


def _array(value, what, shape=None):
    """``value`` as a float64 array (of ``shape``), or an ExerciseError that says what was expected."""
    try:
        a = np.array(value, dtype=np.float64)
    except Exception as exc:
        raise ExerciseError("type", f"{what} should be numbers, got {type(value).__name__} "
                                    f"({type(exc).__name__})") from None
    if shape is not None and a.shape != tuple(shape):
        raise ExerciseError("shape", f"{what} should have shape {tuple(shape)}, got {a.shape}")
    return a


def _part(out, name, compute):
    """Run one part of a driver; its arrays go to ``out``, its failure to error_/kind_<name>."""
    try:
        out.update(compute())
    except ExerciseError as exc:
        out["kind_" + name], out["error_" + name] = np.array(exc.kind), np.array(str(exc)[:400])
    except BaseException as exc:   # the student's code raised (or reached the library's solution)
        kind = "library" if type(exc).__name__ == "LibrarySolutionUsed" else "call"
        try:
            text = "%s: %s" % (type(exc).__name__, exc)
        except BaseException:
            text = type(exc).__name__
        out["kind_" + name], out["error_" + name] = np.array(kind), np.array(text[:400])


def _network_arrays(net, prefix, what):
    """The numbers that define a trained nnlib Network: its sizes, activations, weights and biases.

    The grader rebuilds the network from them and measures it on data this sandbox never saw; no method
    of the student's object is called here."""
    if net is None:
        raise ExerciseError("missing", f"{what} is not defined")
    try:
        sizes = [int(n) for n in net.sizes]
        activation, output, cost = str(net.activation), str(net.output), str(net.cost)
        weights, biases = list(net.weights), list(net.biases)
    except ExerciseError:
        raise
    except Exception:
        raise ExerciseError("type", f"{what} should be an nnlib Network (with sizes, activation, output, "
                                    f"cost, weights and biases), got {type(net).__name__}") from None
    if len(sizes) < 2 or len(weights) != len(sizes) - 1 or len(biases) != len(sizes) - 1:
        raise ExerciseError("shape", f"{what}: sizes {sizes} do not match its {len(weights)} weight matrices")
    out = {prefix + "sizes": np.array(sizes, dtype=np.float64), prefix + "activation": np.array(activation),
           prefix + "output": np.array(output), prefix + "cost": np.array(cost)}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        out[prefix + "w%d" % i] = _array(weights[i], f"{what}.weights[{i}]", (n_out, n_in))
        out[prefix + "b%d" % i] = _array(biases[i], f"{what}.biases[{i}]", (n_out, 1))
    return out


def _namespace(**names):
    return types.SimpleNamespace(**names)


# ---------------------------------------------------------------------------------------- 02
class decode_and_reshape:
    """02: decode(y) -> int and as_image(x) -> 28x28, on one-hot columns and images never shown."""

    def prelude(namespace, inputs):
        namespace["np"] = np

    def drive(namespace, inputs):
        out = {}

        def decode():
            f = _function(namespace, "decode")
            digits = []
            for column in inputs["one_hot"]:
                got = f(column.copy())
                ok = isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_))
                digits.append(float(int(got)) if ok else np.nan)   # nan: not an int
            return {"decode": np.array(digits)}

        def as_image():
            f = _function(namespace, "as_image")
            return {"as_image": np.stack([_array(f(x.copy()), "as_image(x)", (28, 28))
                                          for x in inputs["images"]])}

        _part(out, "decode", decode)
        _part(out, "as_image", as_image)
        return out


# ---------------------------------------------------------------------------------------- 03
class backprop:
    """03: MyNetwork.backprop on hidden networks, then one epoch of training with it.

    This sandbox has no nnlib: ``Network`` is the course's class without a backprop (stub/nnlib), so a
    MyNetwork that reaches the library's backprop (MyNetwork = Network, super().backprop(...),
    Network.backprop(...)) finds none and scores nothing for it."""

    def prelude(namespace, inputs):
        from nnlib import Network
        from nnlib.core.network import sigmoid, sigmoid_prime

        namespace.update(np=np, Network=Network, sigmoid=sigmoid, sigmoid_prime=sigmoid_prime)

    def _network(namespace, sizes, prefix, inputs):
        cls = namespace.get("MyNetwork")
        if not isinstance(cls, type):
            raise ExerciseError("missing", "your solution cell should define the class MyNetwork")
        net = cls([int(n) for n in sizes])
        net.biases = [inputs[prefix + "b%d" % i].copy() for i in range(len(sizes) - 1)]
        net.weights = [inputs[prefix + "w%d" % i].copy() for i in range(len(sizes) - 1)]
        return net

    def _gradient(net, sizes, x, y, what):
        got = net.backprop(x.copy(), y.copy())
        if not isinstance(got, tuple) or len(got) != 2:
            raise ExerciseError("shape", f"{what} should return a tuple (nabla_b, nabla_w), got "
                                         f"{type(got).__name__}")
        nabla_b, nabla_w = list(got[0]), list(got[1])
        if len(nabla_b) != len(sizes) - 1 or len(nabla_w) != len(sizes) - 1:
            raise ExerciseError("shape", f"{what}: nabla_b and nabla_w should hold one array per layer of "
                                         f"weights ({len(sizes) - 1}), got {len(nabla_b)} and {len(nabla_w)}")
        pairs = list(zip(sizes[:-1], sizes[1:]))
        return ([_array(g, f"nabla_b[{i}]", (m, 1)) for i, ((n, m), g) in enumerate(zip(pairs, nabla_b))],
                [_array(g, f"nabla_w[{i}]", (m, n)) for i, ((n, m), g) in enumerate(zip(pairs, nabla_w))])

    def drive(namespace, inputs):
        out = {}
        self = backprop

        def gradients():
            arrays = {}
            for k in range(int(inputs["n_cases"])):
                p = "case%d_" % k
                sizes = [int(n) for n in inputs[p + "sizes"]]
                net = self._network(namespace, sizes, p, inputs)
                nabla_b, nabla_w = self._gradient(net, sizes, inputs[p + "x"], inputs[p + "y"],
                                                  f"backprop for sizes {sizes}")
                for i, (gb, gw) in enumerate(zip(nabla_b, nabla_w)):
                    arrays[p + "nb%d" % i], arrays[p + "nw%d" % i] = gb, gw
            return arrays

        def training():
            # the course's update_mini_batch, written out: per example backprop, summed, one step
            sizes = [int(n) for n in inputs["train_sizes"]]
            net = self._network(namespace, sizes, "train_", inputs)
            X, Y, eta, m = inputs["train_x"], inputs["train_y"], float(inputs["eta"]), int(inputs["batch"])
            order = inputs["order"]
            weights = [w.copy() for w in net.weights]
            biases = [b.copy() for b in net.biases]
            for start in range(0, len(order), m):
                batch = order[start:start + m]
                sum_b = [np.zeros_like(b) for b in biases]
                sum_w = [np.zeros_like(w) for w in weights]
                for k in batch:
                    net.weights, net.biases = [w.copy() for w in weights], [b.copy() for b in biases]
                    nb, nw = self._gradient(net, sizes, X[k][:, None], Y[k][:, None], "backprop")
                    sum_b = [s + g for s, g in zip(sum_b, nb)]
                    sum_w = [s + g for s, g in zip(sum_w, nw)]
                biases = [b - (eta / len(batch)) * g for b, g in zip(biases, sum_b)]
                weights = [w - (eta / len(batch)) * g for w, g in zip(weights, sum_w)]
            arrays = {}
            for i, (b, w) in enumerate(zip(biases, weights)):
                arrays["trained_b%d" % i], arrays["trained_w%d" % i] = b, w
            return arrays

        _part(out, "gradients", gradients)
        _part(out, "training", training)
        return out


# ---------------------------------------------------------------------------------------- 04
class improved_network:
    """04: improved_network(train_x, train_y, seed) on a slice of the training set and a seed never
    used in the notebook; the grader measures the returned network on the validation set."""

    def prelude(namespace, inputs):
        from nnlib import Network

        namespace.update(np=np, Network=Network)

    def drive(namespace, inputs):
        out = {}

        def train():
            f = _function(namespace, "improved_network")
            net = f(inputs["train_x"].copy(), inputs["train_y"].copy(), seed=int(inputs["seed"]))
            return _network_arrays(net, "net_", "the network improved_network returned")

        _part(out, "net", train)
        return out


# ---------------------------------------------------------------------------------------- 05
class label_temperatures:
    """05: assign_temperatures(spins, labels) on the snapshots with their labels shuffled (twice) and
    no record of how they were made."""

    def prelude(namespace, inputs):
        import isingmc
        from isingmc import exact

        namespace.update(np=np, isingmc=isingmc, exact=exact)

    def drive(namespace, inputs):
        out = {}
        temperatures = tuple(float(T) for T in inputs["temperatures"])

        def one(key):
            def compute():
                f = _function(namespace, "assign_temperatures")
                got = f(inputs["spins"].copy(), inputs[key].copy(), temperatures)
                if not isinstance(got, dict):
                    raise ExerciseError("type", f"assign_temperatures should return a dict label -> "
                                                f"temperature, got {type(got).__name__}")
                try:
                    return {key: np.array([float(got[k]) for k in range(len(temperatures))])}
                except KeyError as exc:
                    raise ExerciseError("shape", f"the dict assign_temperatures returned has no label "
                                                 f"{exc.args[0]!r}") from None
            return compute

        for key in ("labels_a", "labels_b"):
            _part(out, key, one(key))
        return out


# ---------------------------------------------------------------------------------------- 06
def _split(inputs, name):
    return inputs[name + "_x"], inputs[name + "_y"]


class ising_networks:
    """06: the cell trains shallow_net and deep_net on (train_x, train_y); the grader rebuilds both from
    their numbers and measures them on the validation set, which this sandbox does not have."""

    def prelude(namespace, inputs):
        from nnlib import Network

        train_x, train_y = _split(inputs, "train")          # spins as int8 in the file, as the notebook's
        test_x, test_y = _split(inputs, "test")             # load_arrays gives them: float32
        train_x, test_x = train_x.astype(np.float32), test_x.astype(np.float32)
        namespace.update(np=np, Network=Network, train_x=train_x, train_y=train_y, test_x=test_x,
                         test_y=test_y)

    def drive(namespace, inputs):
        out = {}
        for name in ("shallow_net", "deep_net"):
            _part(out, name, lambda name=name: _network_arrays(namespace.get(name), name + "_", name))
        return out


class bayes_classifier:
    """06: bayes_classifier(spins) on configurations drawn by the grader."""

    def prelude(namespace, inputs):
        import isingmc
        from isingmc import exact

        namespace.update(np=np, isingmc=isingmc, exact=exact, temperatures=inputs["temperatures"].copy())

    def drive(namespace, inputs):
        out = {}

        def classify():
            f = _function(namespace, "bayes_classifier")
            spins = inputs["spins"]
            return {"labels": _array(f(spins.copy()), "bayes_classifier(spins)", (len(spins),))}

        _part(out, "labels", classify)
        return out


# ---------------------------------------------------------------------------------------- 07
class cm_networks:
    """07: train_cm_network(X, labels, temperatures, seed) on snapshots the grader simulated; the grader
    measures the returned network on other snapshots, which this sandbox does not have."""

    def prelude(namespace, inputs):
        import isingmc
        from nnlib.transition import phases

        namespace.update(np=np, isingmc=isingmc, phases=phases)

    def drive(namespace, inputs):
        out = {}

        def train():
            f = _function(namespace, "train_cm_network")
            net = f(inputs["X"].copy(), inputs["labels"].copy(), inputs["temperatures"].copy(),
                    int(inputs["seed"]))
            return _network_arrays(net, "net_", "the network train_cm_network returned")

        _part(out, "net", train)
        return out


class finite_size_fit:
    """07: the fit of T*(L) = T_C + a / L, on crossing temperatures the grader made up."""

    def prelude(namespace, inputs):
        from isingmc.exact import T_C
        from nnlib.transition import scaling

        sizes = [int(L) for L in inputs["sizes"]]
        crossings = {L: _namespace(T_star=float(T), error=float(e))
                     for L, T, e in zip(sizes, inputs["T_star"], inputs["errors"])}
        namespace.update(np=np, scaling=scaling, T_C=T_C, sizes=sizes, crossings=crossings)

    def drive(namespace, inputs):
        out = {}

        def fit():
            fss = namespace.get("fss")
            if fss is None:
                raise ExerciseError("missing", "your solution cell should set fss")
            try:
                return {"fit": _array([fss.T_c, fss.a, fss.chi2, fss.T_c_error, fss.dof],
                                      "fss.T_c, fss.a, fss.chi2, fss.T_c_error, fss.dof", (5,))}
            except AttributeError as exc:
                raise ExerciseError("type", f"fss should be the result of scaling.fit_finite_size ({exc})")

        _part(out, "fit", fit)
        return out


class pca_projection:
    """07: principal components and the projection on the first, on snapshots the grader simulated."""

    def prelude(namespace, inputs):
        import time

        from nnlib.transition import pca

        sizes = [int(L) for L in inputs["sizes"]]
        train = {L: _namespace(X=inputs["train%d_X" % L], temperatures=inputs["train%d_T" % L]) for L in sizes}
        test = {L: _namespace(X=inputs["test%d_X" % L], temperatures=inputs["test%d_T" % L]) for L in sizes}
        namespace.update(np=np, pca=pca, time=time, sizes=sizes, train=train, test=test,
                         run_time={"PCA": 0.0})

    def drive(namespace, inputs):
        out = {}
        for L in (int(L) for L in inputs["sizes"]):
            def read(L=L):
                n = len(inputs["train%d_X" % L]) + len(inputs["test%d_X" % L])
                try:
                    component = namespace["pcs"][L].components[0]
                    proj = namespace["proj"][L]
                except Exception as exc:
                    raise ExerciseError("missing", f"pcs[{L}] and proj[{L}] should hold the components and "
                                                   f"the projections ({type(exc).__name__}: {exc})") from None
                return {"proj%d" % L: _array(proj, f"proj[{L}]", (n,)),
                        "component%d" % L: _array(component, f"pcs[{L}].components[0]", (L * L,))}
            _part(out, "L%d" % L, read)
        return out


class confusion_learner:
    """07: fit_predict(X, labels, X_eval, seed) on ordered and disordered lattices the grader drew; the
    labels of X_eval stay with the grader."""

    def prelude(namespace, inputs):
        from nnlib.transition import phases

        namespace.update(np=np, phases=phases)

    def drive(namespace, inputs):
        out = {}
        for k in range(int(inputs["n_sets"])):
            def predict(k=k):
                f = _function(namespace, "fit_predict")
                X_eval = inputs["set%d_X_eval" % k]
                got = f(inputs["set%d_X" % k].copy(), inputs["set%d_y" % k].copy(), X_eval.copy(), k)
                return {"set%d_predicted" % k: _array(got, "fit_predict(X, labels, X_eval, seed)",
                                                      (len(X_eval),))}
            _part(out, "set%d" % k, predict)
        return out
