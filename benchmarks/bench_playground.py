"""Frame rate of the playground: one training epoch plus the redraw, as "play" does each frame.

A frame = ``Playground.step()``: one epoch of ``Network.SGD`` over the training data, the losses
and accuracies, every neuron on the 100 x 100 grid (``Network.layer_outputs``), the arrays the
browser draws from (the maps as bytes, the parameters, the loss curve, the confusion matrix).
Measured side by side, alternating A (train + redraw) and B (train only) so that both see the
same machine load; the redraw cost is their difference.  Three networks: the original's default
([2, 4, 2, 1] on circle), the largest of the original's limits (7 features, 6 x 8) and the largest
"no limits" allows (7 features, 10 x 32).  Colouring in the browser is not included; the browser
test (tests/test_browser.py) prints the frames per second the page actually draws.

    .venv/bin/python benchmarks/bench_playground.py [--frames 100]
"""

import argparse
import statistics
import time

from nnlib.studies import toydata
from nnlib.widgets.playground import Playground


def measure(pg, frames):
    full, train_only = [], []
    for _ in range(3):               # warm-up (numba kernels, caches)
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
    ap.add_argument("--frames", type=int, default=100)
    args = ap.parse_args()
    every = dict(seed=0, dataset="spiral", features=toydata.FEATURES)
    cases = [("default [2, 4, 2, 1], circle", Playground(seed=0), args.frames),
             ("[7, 8 x 6, 1], spiral", Playground(hidden=(8,) * 6, **every), args.frames),
             ("no limits [7, 32 x 10, 1], spiral",
              Playground(hidden=(32,) * 10, no_limits=True, **every), max(args.frames // 5, 3))]
    print(f"{'network':36s} {'frame ms':>9s} {'train ms':>9s} {'redraw ms':>10s} {'fps':>6s}")
    for name, pg, frames in cases:
        full, train = measure(pg, frames)
        print(f"{name:36s} {1e3 * full:9.2f} {1e3 * train:9.2f} {1e3 * (full - train):10.2f} "
              f"{1 / full:6.1f}")


if __name__ == "__main__":
    main()
