"""Critical exponents of the 2D Ising model from Carrasquilla and Melko's network, and from the
magnetisation on the same snapshots (issue 27; notebook 08 shows a smaller run of the same).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/critical_exponents.py            # full
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/critical_exponents.py --quick    # half a minute

Per lattice size L:
1. training snapshots (isingmc.labelled_snapshots, Wolff): 80 temperatures T_C (1 + x/L),
   |x| <= 7.9, 100 each (``--training window``, the same task in the scaling variable at every L;
   see training_grid), or a range fixed in T (``--training uniform``, ``--training notebook07``);
2. ``--seeds`` networks (notebook 07's: [L^2, 100, 2], sigmoid, softmax + cross-entropy, cosine
   schedule, symmetry augmentation, 20 epochs; learning rate 0.3 * 32 / L, see learning_rate),
   each on its own bootstrap resample of the training set, two at a time on two cores;
3. measurement snapshots in the critical window: T = T_C (1 + x/L), x = -3.25 .. 3.25 in steps of
   0.5 (staggered per size), ``--n-measure`` per temperature from independent Wolff chains
   (isingmc.critical_window.sample_critical_window), each reduced at once to its energy,
   magnetisation and the networks' outputs;
4. nnlib.transition.exponent_study.measure_exponents: reweighted curves, collapses, peak power laws,
   bootstrap over networks and snapshots, fit variants.

Progress goes to stderr; stdout ends with one JSON line: sizes, seconds, and for the network and the
magnetisation nu, gamma/nu and T_c with their errors (plus the cross-checks and the cost per size).
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import isingmc  # noqa: E402
from isingmc.critical_window import critical_temperatures, sample_critical_window  # noqa: E402
from isingmc.exact import T_C  # noqa: E402
from isingmc.phase_data import sweeps_between_for_grid  # noqa: E402
from nnlib.transition import phases  # noqa: E402
from nnlib.transition.exponent_study import SizeSamples, measure_exponents  # noqa: E402

FULL = dict(sizes=[16, 24, 32, 48, 64, 96, 128], seeds=4, training="window", epochs=20,
            n_measure=2000, n_boot=200)
QUICK = dict(sizes=[12, 16, 24, 32], seeds=2, training="window", epochs=20, n_measure=600,
             n_boot=50)


def training_grid(name, L):
    """(temperatures, snapshots per temperature) of the training set of size L.

    'window' (the default): 80 temperatures T = T_C (1 + x / L), x = -7.9 .. 7.9 in steps of 0.2,
    100 snapshots each.  Why: finite-size scaling needs the network to be the *same* function of
    the scaled configuration at every L, so every size gets the same training task in the scaling
    variable: the same number of examples per unit of x, dense (0.2) on the scale of the
    critical window, and a range (|x| <= 8) wide enough that the classifier does not depend on
    it.  (nu = 1 here only sets that range; the analysis fits nu.)  A range fixed in T puts a
    fraction ~ 1/L of its examples inside the critical window instead.
    'uniform': 281 temperatures 0.005 apart from 1.6 to 3.0, 30 snapshots each (the same range for
    every L, dense on the scale of L = 128's window).  'notebook07': notebook 07's 40
    temperatures (0.033 apart near T_C) with 200 snapshots each.  (With notebook 07's learning
    rate and 10 epochs both gave nu ~ 1.1 - 1.2 from the collapse, as did 'window'; with
    :func:`learning_rate` and 20 epochs only 'window' was measured.)"""
    if name == "window":
        return T_C * (1 + np.round(np.arange(-7.9, 7.95, 0.2), 2) / L), 100
    if name == "uniform":
        return np.round(np.linspace(1.6, 3.0, 281), 4), 30
    if name == "notebook07":
        return isingmc.temperature_grid(40, 1.0, 3.5), 200
    raise ValueError(f"training must be 'window', 'uniform' or 'notebook07', got {name!r}")


def bar(**kwargs):
    return tqdm(file=sys.stderr, dynamic_ncols=True, **kwargs)


def train_networks(L, grid, n_train, seeds, spacing, epochs):
    """The networks of notebook 07 for one size, each on its own bootstrap resample."""
    train = isingmc.labelled_snapshots(L, grid, n_train, seed=1000 + L, sweeps_between=spacing,
                                       n_equilibration=100, n_jobs=2)
    X, labels, T = train.X, train.labels, train.temperatures

    def one(seed):
        rows = phases.resample_within_temperature(T, seed=seed)
        return phases.train_phase_network(X[rows], labels[rows], hidden=100, epochs=epochs,
                                          mini_batch_size=32, eta=learning_rate(L),
                                          augment=isingmc.random_symmetry, seed=seed)
    return phases.map_in_threads(one, range(seeds), n_jobs=2)


def learning_rate(L):
    """eta = 0.3 * 32 / L: notebook 07's 0.3 at L = 32, falling like 1/L (with 20 epochs).

    Why: the first layer sums L^2 inputs, and along the magnetisation (the direction it must
    learn) the spins are correlated, so one SGD step moves a hidden unit's input the more, the
    larger the lattice.  With 07's recipe (0.3, 10 epochs) at every size the networks at L = 128
    stay noisy and unconverged: training accuracy 0.90 against 0.95 at L = 16 .. 64, an output that
    changes over a range twice as wide in x = t L, and a collapse that gives nu ~ 1.2.  With
    eta ~ 1/L every size reaches a training accuracy of 0.95; at L = 128 the output still
    sharpened from 10 to 20 epochs (by ~0.02 at |x| = 2), hence 20 epochs for every size."""
    return 0.3 * 32 / L


def collect(sizes, seeds, training, n_measure, epochs):
    """Train the networks and measure the critical window of every size: (SizeSamples list,
    seconds per size and part)."""
    isingmc.simulate(8, 2.0, 1, seed=0)                       # compile / load the kernels
    samples, cost = [], {}
    progress = bar(total=2 * len(sizes), desc="sizes (train, measure)")
    for L in sizes:
        t0 = time.perf_counter()
        grid, n_train = training_grid(training, L)
        # snapshots 2 tau_int apart, tau measured once per size where it is largest (next to T_C)
        spacing = sweeps_between_for_grid(L, grid, window=0.35, seed=7).sweeps_between
        nets = train_networks(L, grid, n_train, seeds, spacing, epochs)
        t1 = time.perf_counter()
        progress.update()

        def observe(spins, nets=nets):
            X = spins.reshape(len(spins), -1).astype(np.float32)
            return np.stack([net.predict(X)[:, 0] for net in nets])
        window = sample_critical_window(L, critical_temperatures(L), n_measure, seed=3000 + L,
                                        observe=observe, n_jobs=2)
        t2 = time.perf_counter()
        progress.update()
        cost[L] = {"train": round(t1 - t0, 1), "measure": round(t2 - t1, 1),
                   "sweeps_between": window.sweeps_between}
        samples.append(SizeSamples(L, window.temperatures, window.energies, window.magnetisation,
                                   window.observed))
    progress.close()
    return samples, cost


def run(sizes, seeds, training, n_measure, n_boot, epochs):
    t_start = time.perf_counter()
    samples, cost = collect(sizes, seeds, training, n_measure, epochs)
    t3 = time.perf_counter()
    study = measure_exponents(samples, n_boot=n_boot, seed=0,
                              progress=lambda it, **kw: bar(iterable=it, **kw))
    analysis = time.perf_counter() - t3
    return study, cost, analysis, time.perf_counter() - t_start, samples


def save(path, samples):
    """Every size's arrays in one .npz, written to a temporary name and renamed when complete."""
    arrays = {}
    for s in samples:
        for name in ("temperatures", "energies", "magnetisation", "outputs"):
            arrays[f"L{s.L}_{name}"] = getattr(s, name)
    tmp = f"{path}.tmp-{os.getpid()}.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def summary(study, cost, analysis, seconds, config):
    def keys(est):
        return {"nu": est["nu"].value, "nu_error": est["nu"].error,
                "gamma_over_nu": est["gamma_over_nu"].value,
                "gamma_over_nu_error": est["gamma_over_nu"].error,
                "T_c": est["T_c"].value, "T_c_error": est["T_c"].error}

    def rounded(d):
        return {k: round(v, 5) for k, v in d.items()}

    checks = {who: {name: [round(e.value, 4), round(e.error, 4)] for name, e in est.items()
                    if name not in ("nu", "gamma_over_nu", "T_c")}
              for who, est in (("network", study.network), ("magnetisation", study.magnetisation))}
    return {"sizes": study.sizes, "seconds": round(seconds, 1),
            "network": rounded(keys(study.network)),
            "magnetisation": rounded(keys(study.magnetisation)),
            "cross_checks": checks, "analysis_seconds": round(analysis, 1),
            "cost_per_size": {str(L): c for L, c in cost.items()},
            "config": {k: v for k, v in config.items() if k != "sizes"}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and samples (a minute)")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--seeds", type=int, help="networks per size")
    parser.add_argument("--training", choices=("window", "uniform", "notebook07"),
                        help="training temperatures (see training_grid)")
    parser.add_argument("--epochs", type=int, help="training epochs per network")
    parser.add_argument("--n-measure", type=int, help="measurement snapshots per temperature")
    parser.add_argument("--n-boot", type=int, help="bootstrap resamples")
    parser.add_argument("--save", metavar="PATH.npz",
                        help="also write every size's measured arrays (for a new analysis)")
    args = parser.parse_args(argv)
    config = dict(QUICK if args.quick else FULL)
    for key in config:
        if getattr(args, key, None) is not None:
            config[key] = getattr(args, key)
    study, cost, analysis, seconds, samples = run(**config)
    if args.save:
        save(args.save, samples)
    for who, est in (("network", study.network), ("magnetisation", study.magnetisation)):
        for name, e in est.items():
            print(f"{who:13s} {name:18s} {e}   (stat {e.statistical:.4f}, fit choices "
                  f"{e.systematic:.4f})", file=sys.stderr)
    print(json.dumps(summary(study, cost, analysis, seconds, config)))


if __name__ == "__main__":
    main()
