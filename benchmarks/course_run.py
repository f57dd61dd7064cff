"""The course's run of exercise 11.2: Network([784, 30, 10]), 30 epochs, mini-batch 10, eta 3.0.

Exactly the calls of the exercise sheet, for seeds 0, 1 and 2::

    net = Network([784, 30, 10], seed=seed)
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

and prints, per seed, the best test accuracy over the epochs (target: at least 95 %), the epoch it
was reached in, the final accuracy and the training time.

Run: ``python benchmarks/course_run.py [--seeds 0 1 2] [--epochs 30] [--verbose]``.
Needs data/mnist.pkl.gz (``make data``).
"""

import argparse
import time
from pathlib import Path

from nnlib import Network
from nnlib.data import load_data_wrapper

MNIST = Path(__file__).resolve().parent.parent / "data" / "mnist.pkl.gz"
TARGET = 0.95


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--verbose", action="store_true", help="print the course's epoch lines")
    args = parser.parse_args()
    training_data, validation_data, test_data = load_data_wrapper(MNIST)
    print("Network([784, 30, 10]).SGD(training_data, %d, 10, 3.0, test_data=test_data)"
          % args.epochs)
    results = []
    for seed in args.seeds:
        net = Network([784, 30, 10], seed=seed)
        start = time.perf_counter()
        history = net.SGD(training_data, args.epochs, 10, 3.0, test_data=test_data,
                          verbose=args.verbose)
        seconds = time.perf_counter() - start
        accuracy = history["test_accuracy"]
        best = max(accuracy)
        results.append(best)
        print("seed %d: best test accuracy %.2f %% (epoch %d), final %.2f %%, %.1f s "
              "(including the per-epoch evaluation on the 10 000 test images)"
              % (seed, 100 * best, accuracy.index(best), 100 * accuracy[-1], seconds),
              flush=True)
    print("target: best-epoch accuracy >= %.0f %% for every seed: %s"
          % (100 * TARGET, "met" if min(results) >= TARGET else "MISSED"))


if __name__ == "__main__":
    main()
