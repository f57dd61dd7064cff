"""Frame rate of the playground: one training epoch plus the redraw, as "play" does each frame.

A frame = ``Playground.step()``: one epoch of mini-batch SGD over the training data, the losses
and accuracies, the 100 x 100 decision map (PNG), the per-neuron maps and the network SVG.
The target is well under 100 ms per frame.  Measured side by side, alternating
A (train + redraw) and B (train only) so that both see the same machine load; the redraw cost is
their difference.  Two networks: the original's default ([2, 4, 2, 1] on circle) and the largest
the controls allow (7 features, 6 hidden layers of 8 neurons).

    .venv/bin/python benchmarks/bench_playground.py [--frames 200]

(The time to send a frame to the browser is not included; the browser test shows it keeps up.)
"""

import argparse
import statistics
import time

from nnlib.playground import Playground
from nnlib import toydata


def measure(pg, frames):
    full, train_only = [], []
    for _ in range(5):               # warm-up (numba kernels, caches)
        pg.step()
    for _ in range(frames):
        t0 = time.perf_counter()
        pg.step(redraw=True)
        t1 = time.perf_counter()
        pg.step(redraw=False)
        t2 = time.perf_counter()
        full.append(t1 - t0)
        train_only.append(t2 - t1)
    return statistics.median(full), statistics.median(train_only)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=200)
    args = ap.parse_args()
    cases = [("default [2, 4, 2, 1], circle", Playground(seed=0)),
             ("largest [7, 8x6, 1], spiral", Playground(seed=0, dataset="spiral",
                                                          hidden=(8,) * 6,
                                                          features=toydata.FEATURES))]
    print(f"{'network':34s} {'frame ms':>9s} {'train ms':>9s} {'redraw ms':>10s} "
          f"{'fps':>6s} {'frame / 100 ms':>15s}")
    for name, pg in cases:
        full, train = measure(pg, args.frames)
        print(f"{name:34s} {1e3 * full:9.2f} {1e3 * train:9.2f} {1e3 * (full - train):10.2f} "
              f"{1 / full:6.0f} {full / 0.1:15.3f}")


if __name__ == "__main__":
    main()
