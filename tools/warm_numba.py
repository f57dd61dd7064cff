"""Compile the course's numba kernels once, into NUMBA_CACHE_DIR (make check, make test, make notebooks).

Every process that runs a kernel (a pytest worker, a notebook's kernel under nbval) then loads the compiled
code from the cache instead of compiling it again (17-19 s per signature of the training kernel, about a
minute for the layout study's parallel trainer).  One process compiles, before the tests start, so that two
workers never compile the same function at the same time.  When nothing changed, this only loads the cache
(a few seconds).  Each call below runs a kernel once with the types the notebooks and tests use.  The
grader's sandboxes get theirs in a folder of its own (GRADING_NUMBA_CACHE), compiled here at the same time.
"""

import os
import sys
import time

import numpy as np

if not os.environ.get("NUMBA_CACHE_DIR"):
    sys.exit("NUMBA_CACHE_DIR is not set: run this through make (make numba-cache)")

started = time.perf_counter()

# The grader's own folder (GRADING_NUMBA_CACHE, grading.execution.kernel_cache), filled by its trusted
# warm-up in a process of its own on the other core meanwhile
grader, failed = None, []
if os.environ.get("GRADING_NUMBA_CACHE"):
    import threading

    from grading import execution

    def warm_the_graders():
        try:
            execution.kernel_cache(os.environ["GRADING_NUMBA_CACHE"])
        except Exception as exc:  # reported below, after this process's own kernels
            failed.append(exc)

    grader = threading.Thread(target=warm_the_graders)
    grader.start()

import isingmc  # noqa: E402
from nnlib import Network  # noqa: E402
from nnlib.core import kernel  # noqa: E402
from nnlib.studies import layout_study  # noqa: E402

rng = np.random.default_rng(0)
X64 = rng.normal(size=(40, 6))
labels = (X64[:, 0] > 0).astype(int)

# the training kernel: inputs and network in float64 or float32 (MNIST's float32 arrays go into
# float64 networks too); momentum and L2 take the same compiled code
for x_dtype in (np.float64, np.float32):
    for net_dtype in (np.float64, np.float32):
        net = Network([6, 5, 2], seed=0, dtype=net_dtype)
        net.SGD((X64.astype(x_dtype), labels), 1, 10, 0.1, momentum=0.5, lmbda=0.1, verbose=False)

# the compiled forward pass, sigma and sigma' as tests call them, and the layout study's trainer
params, sizes = kernel.pack(net.weights, net.biases, np.float64)
kernel.forward(X64, params, sizes, kernel.codes_for(net.layer_activations))
kernel.sigma(0.5, 0), kernel.sigma_prime(0.5, 0.6, 0)
problems = layout_study.make_problems(["xor"], [0], epochs=2)
layout_study.train_networks(problems, [(2,)], epochs=2, progress=False)

# isingmc: every algorithm, the data set's planning (Wolff's calibration), the symmetries
for algorithm in isingmc.ALGORITHMS:
    isingmc.simulate(8, 2.5, 2, algorithm=algorithm, seed=0)
isingmc.generate_dataset(L=8, temperatures=(3.0, 1.5), n_train=2, n_val=1, n_test=1, seed=0)
spins = isingmc.simulate(8, 2.0, 2, seed=0)
isingmc.random_symmetry(spins, seed=0)
for dtype in (np.float32, np.float64):  # load_arrays' rows, as the phase networks augment them
    isingmc.random_symmetry(spins.reshape(2, -1).astype(dtype), seed=0)

if grader is not None:
    grader.join()
    if failed:
        sys.exit(f"the grader's kernels: {failed[0]}")
print("numba kernels compiled into %s (%.0f s)" % (os.environ["NUMBA_CACHE_DIR"],
                                                  time.perf_counter() - started))
