"""One epoch of nnlib's SGD, side by side with the course's per-example loop and with JAX.

Three ways to run the same epoch of mini-batch SGD on the 50 000 MNIST training images:

- the course's ``network.py`` (M. Nielsen): backprop one example at a time, gradients summed over
  the mini-batch.  ``CourseNetwork`` below is that code (Python 3, one change: it takes the
  shuffling order from a numpy Generator, so that every side visits the examples in the same
  order);
- ``nnlib.Network.SGD``: the whole call on the course's list of tuples, once on a plain list
  (stacked into a matrix once per call) and once on ``load_data_wrapper``'s own list, which carries
  its matrix; and the epoch alone (``nnlib.core.kernel``);
- JAX (what a user might pick instead): the epoch jit-compiled as one ``lax.scan`` over the
  mini-batches, the same float type, one thread (skipped, with a message, when jax is not
  installed: it is a dev dependency, not a runtime one).

Two networks: the course's [784, 30, 10] (sigmoid, quadratic cost, mini-batch 10, eta 3, float64)
and ``nnlib.studies.recipes.BEST_CONFIG`` ([784, 800, 10], ReLU, softmax + cross-entropy, momentum, L2,
mini-batch 100, float32).  Every side starts from identical weights and visits the same order;
we time alternating runs (A B C A B C ...), print the best of each and the ratios, and check that
the weights agree.

Run: ``python benchmarks/bench_nnlib.py [--repeats N]``.  Needs data/mnist.pkl.gz (``make data``).
One thread for every side: set OPENBLAS_NUM_THREADS=1 (``make bench`` does).
"""

import argparse
import copy
import os
import time
from pathlib import Path

# One core for every side: XLA's flags for a single thread do not bind JAX 0.10's CPU runtime
# (it still ran two threads), so the whole process is pinned to one core instead.
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

from nnlib import Network  # noqa: E402
from nnlib.data import load_arrays, load_data_wrapper  # noqa: E402
from nnlib.studies.recipes import BEST_CONFIG  # noqa: E402
from nnlib.core.kernel import fast_epoch  # noqa: E402

MNIST = Path(__file__).resolve().parent.parent / "data" / "mnist.pkl.gz"


class CourseNetwork:
    """The course's network.py: per-sample backprop, gradients summed over the mini-batch."""

    def __init__(self, biases, weights, rng):
        self.num_layers = len(weights) + 1
        self.biases = [b.copy() for b in biases]
        self.weights = [w.copy() for w in weights]
        self.rng = rng

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta):
        n = len(training_data)
        for j in range(epochs):
            order = self.rng.permutation(n)  # the course: random.shuffle(training_data)
            shuffled = [training_data[i] for i in order]
            mini_batches = [shuffled[k:k + mini_batch_size]
                            for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, eta)

    def update_mini_batch(self, mini_batch, eta):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join("%s %s threads=%s" % (i.get("internal_api"), i.get("version"),
                                                  i.get("num_threads"))
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except ImportError:
        env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
               if k in os.environ}
        return "thread environment %s (default: all cores)" % (env or "unset")


def jax_epoch_function(config, n, mini_batch_size):
    """A jit-compiled epoch of SGD in JAX, or None when jax is not installed: the training set
    is moved into JAX once; each epoch gathers its mini-batches in the given order (one gather,
    inside the jit; gathering in every step of the scan was about 3x slower here) and runs one
    ``lax.scan`` over them with the network, cost and step of ``config``."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    act = {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu}[config["activation"]]
    softmax_output = config["output"] == "softmax"
    mu, lmbda, m = config.get("momentum", 0.0), config.get("lmbda", 0.0), mini_batch_size

    def cost(params, X, Y):
        a = X
        for w, b in params[:-1]:
            a = act(a @ w.T + b)
        w, b = params[-1]
        z = a @ w.T + b
        if softmax_output:
            return -jnp.sum(Y * jax.nn.log_softmax(z))
        return 0.5 * jnp.sum((act(z) - Y) ** 2)

    grad = jax.grad(cost)

    @jax.jit
    def epoch(params, velocity, X, Y, order, eta):
        idx = order[:n - n % m]
        batches = X[idx].reshape(-1, m, X.shape[1]), Y[idx].reshape(-1, m, Y.shape[1])

        def step(carry, batch):
            params, velocity = carry
            g = grad(params, *batch)
            new_p, new_v = [], []
            for (w, b), (vw, vb), (gw, gb) in zip(params, velocity, g):
                sw, sb = (eta / m) * gw, (eta / m) * gb
                if lmbda:
                    sw = sw + (eta * lmbda / n) * w
                if mu:
                    vw, vb = mu * vw - sw, mu * vb - sb
                    new_p.append((w + vw, b + vb))
                else:
                    new_p.append((w - sw, b - sb))
                new_v.append((vw, vb))
            return (new_p, new_v), None

        (params, velocity), _ = jax.lax.scan(step, (params, velocity), batches)
        return params, velocity

    on_device = {}  # the data set moved into JAX once, as a JAX user would

    def run(net, X, Y, order, eta):
        key = (id(X), net.dtype)
        if key not in on_device:
            on_device[key] = jnp.asarray(X, dtype=net.dtype), jnp.asarray(Y, dtype=net.dtype)
        params = [(jnp.asarray(w), jnp.asarray(b[:, 0])) for w, b in zip(net.weights, net.biases)]
        velocity = [(jnp.zeros_like(w), jnp.zeros_like(b)) for w, b in params]
        params, _ = epoch(params, velocity, *on_device[key], jnp.asarray(order), eta)
        jax.block_until_ready(params)
        return [np.asarray(w) for w, _ in params], [np.asarray(b)[:, None] for _, b in params]

    return run


def best_of(times):
    return {name: min(v) for name, v in times.items() if v}


class Timer:
    """Wall-clock and CPU time of a block.  Every side runs on one thread, so on a shared machine
    the CPU time (what the process itself used) is the steadier measure."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def bench_course(training_data, repeats, seed=0):
    """[784, 30, 10], mini-batch 10: the course loop, nnlib's whole call and epoch, JAX."""
    sizes, eta, m = [784, 30, 10], 3.0, 10
    plain_list = list(training_data)  # a list that carries no arrays: stacked once per call
    X, Y = training_data.arrays
    jax_run = jax_epoch_function(dict(activation="sigmoid", output="sigmoid"), len(Y), m)
    names = ["course loop", "SGD on a plain list", "SGD on load_data_wrapper's list",
             "the epoch alone (kernel)"] + (["JAX (jit, lax.scan)"] if jax_run else [])
    runs = {name: [] for name in names}
    result = {}
    for rep in range(repeats):
        for name in names:
            net = Network(sizes, seed=seed)
            order = copy.deepcopy(net.rng).permutation(len(Y))
            with Timer() as timer:
                if name == "course loop":
                    ref = CourseNetwork(net.biases, net.weights, copy.deepcopy(net.rng))
                    ref.SGD(training_data, 1, m, eta)
                    result[name] = ref.weights + ref.biases
                elif name == "SGD on a plain list":
                    net.SGD(plain_list, 1, m, eta, verbose=False)
                elif name == "SGD on load_data_wrapper's list":
                    net.SGD(training_data, 1, m, eta, verbose=False)
                    result[name] = net.weights + net.biases
                elif name == "the epoch alone (kernel)":
                    fast_epoch(net, X, Y, order, m, eta)
                else:
                    w, b = jax_run(net, X, Y, order, eta)
                    result[name] = w + b
            runs[name].append(timer)
    report("the course's network %s, sigmoid, quadratic cost, mini-batch %d, float64"
           % (sizes, m), runs, "course loop", result)
    return {name: min(t.cpu for t in r) for name, r in runs.items()}


def bench_best(train, repeats, seed=0):
    """BEST_CONFIG, mini-batch 100, float32: one epoch in nnlib's kernel and in JAX."""
    c = BEST_CONFIG
    X, labels = train
    Y = np.eye(10, dtype=np.float32)[labels]
    m = c["mini_batch_size"]
    jax_run = jax_epoch_function(c, len(Y), m)
    names = ["nnlib train_epoch"] + (["JAX (jit, lax.scan)"] if jax_run else [])
    runs = {name: [] for name in names}
    result = {}
    for rep in range(repeats):
        for name in names:
            net = Network(c["sizes"], seed=seed, activation=c["activation"], output=c["output"],
                          cost=c["cost"], init=c["init"], dtype=np.float32)
            order = copy.deepcopy(net.rng).permutation(len(Y))
            with Timer() as timer:
                if name == "nnlib train_epoch":
                    net.train_epoch(X, labels, m, c["eta"], momentum=c["momentum"],
                                    lmbda=c["lmbda"])
                    result[name] = net.weights + net.biases
                else:
                    w, b = jax_run(net, X, Y, order, c["eta"])
                    result[name] = w + b
            runs[name].append(timer)
    report("BEST_CONFIG %s, ReLU, softmax + cross-entropy, momentum %g, L2 %g, mini-batch %d, "
           "float32" % (c["sizes"], c["momentum"], c["lmbda"], m), runs, "nnlib train_epoch",
           result)
    print("  (float32 and momentum 0.9: after 500 steps rounding differences have grown; they "
          "agree to rounding over a few steps, see tests/test_network.py)")


def report(title, runs, reference, result):
    """Best CPU and wall time of each side (the first run of JAX includes its compilation),
    their ratios to ``reference``, and how far the weights are apart."""
    print(title)
    cpu = {name: min(t.cpu for t in r) for name, r in runs.items()}
    wall = {name: min(t.wall for t in r) for name, r in runs.items()}
    width = max(len(name) for name in runs)
    print("  %-*s %9s %9s   %s" % (width, "", "CPU", "wall", "ratio %s / this (CPU, wall)"
                                   % reference))
    for name in runs:
        line = "  %-*s %7.3f s %7.3f s" % (width, name, cpu[name], wall[name])
        if name != reference:
            line += "   %5.2fx %5.2fx" % (cpu[reference] / cpu[name], wall[reference] / wall[name])
        print(line)
    names = list(result)
    for other in names[1:]:
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(result[names[0]], result[other]))
        print("  max |w - w'| after the epoch, %s vs %s: %.1e" % (names[0], other, diff))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    training_data, _, _ = load_data_wrapper(MNIST)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("BLAS: %s; this process runs on %d of the machine's %d cores"
          % (blas_info(), cores, os.cpu_count()))
    Network([784, 10], seed=0).SGD(training_data[:100], 1, 10, 3.0, verbose=False)  # compile
    course = bench_course(training_data, args.repeats)
    for name in ("SGD on load_data_wrapper's list", "SGD on a plain list"):
        call = course["course loop"] / course[name]
        print("  target: the whole SGD call (%s) >= 10x the course loop (CPU): %.1fx, %s"
              % (name, call, "met" if call >= 10 else "MISSED"))
    if "JAX (jit, lax.scan)" in course:
        print("  target: nnlib's epoch at least as fast as JAX's (CPU): %.2fx, %s" % (
            course["JAX (jit, lax.scan)"] / course["the epoch alone (kernel)"],
            "met" if course["the epoch alone (kernel)"] <= course["JAX (jit, lax.scan)"]
            else "MISSED"))
    else:
        print("  (jax is not installed: pip install jax, or the dev extra, for the JAX column)")
    train, _, _ = load_arrays(MNIST)
    bench_best(train, max(1, args.repeats - 1))


if __name__ == "__main__":
    main()
