"""Command line: ``python -m isingmc generate`` writes the course's data set (default data/mcIsing.pkl.gz).

The data file and its JSON sidecar are written atomically (temporary file in the same folder, then
renamed), so an interrupted run never leaves a truncated data set behind.
"""

import argparse
import sys
import time
from pathlib import Path

from .checks import check_output_path
from .dataset import DEFAULT_TEMPERATURES, generate_dataset, save_dataset, sidecar_path
from .simulate import ALGORITHMS


def _parser():
    p = argparse.ArgumentParser(prog="python -m isingmc", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate the Ising snapshot data set",
                       description="Generate (training, validation, test) snapshots of the 2D Ising "
                                   "model in the course's format, with a JSON sidecar.")
    g.add_argument("--L", type=int, default=28, help="lattice size (default 28)")
    g.add_argument("--temperatures", type=float, nargs="+", default=list(DEFAULT_TEMPERATURES),
                   help="temperatures, label k = k-th temperature (default 3.0 2.3 1.5)")
    g.add_argument("--n-train", type=int, default=10_000, help="training snapshots per temperature")
    g.add_argument("--n-val", type=int, default=None, help="validation snapshots per temperature "
                                                            "(default n_train // 5)")
    g.add_argument("--n-test", type=int, default=None, help="test snapshots per temperature "
                                                             "(default n_train // 5)")
    g.add_argument("--seed", type=int, default=0, help="seed (default 0); same seed, same data")
    g.add_argument("--algorithm", choices=ALGORITHMS, default=None,
                   help="Monte Carlo algorithm for all temperatures (default: fastest per temperature)")
    g.add_argument("--out", default=None, help="output file (default data/mcIsing.pkl.gz, "
                                               "or data/mcIsing.npz with --format npz)")
    g.add_argument("--format", choices=("pickle", "npz"), default=None,
                   help="gzip'd pickle (course format, default) or compressed npz")
    g.add_argument("--threads", type=int, default=None, help="parallel chains (default: CPU count)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    fmt = args.format
    if args.out is None:
        out = Path("data") / ("mcIsing.npz" if fmt == "npz" else "mcIsing.pkl.gz")
    else:
        out = Path(args.out)
    if fmt is None:
        fmt = "npz" if out.name.endswith(".npz") else "pickle"
    try:  # before hours of Monte Carlo: a folder, or a folder we cannot write to, fails now
        check_output_path(args.out if args.out is not None else out, "--out")
        check_output_path(sidecar_path(out), "--out (its JSON sidecar)")
    except (TypeError, ValueError) as err:
        print(f"python -m isingmc generate: error: {err}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        data, info = generate_dataset(L=args.L, temperatures=args.temperatures, n_train=args.n_train,
                                      n_val=args.n_val, n_test=args.n_test, seed=args.seed,
                                      algorithm=args.algorithm, progress=not args.quiet,
                                      n_threads=args.threads, return_info=True)
    except (TypeError, ValueError) as err:
        print(f"python -m isingmc generate: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"python -m isingmc generate: interrupted; nothing was written to {out}", file=sys.stderr)
        return 130
    info["seconds"] = round(time.perf_counter() - start, 3)
    try:
        save_dataset(data, out, format=fmt, **info)
    except OSError as err:                       # e.g. the disk filled up while generating
        print(f"python -m isingmc generate: error: cannot write {out}: {err}", file=sys.stderr)
        return 1
    if not args.quiet:
        counts = ", ".join(f"{len(x)} {name}" for name, (x, _) in zip(("training", "validation", "test"), data))
        print(f"wrote {out} ({counts}; algorithms {info['algorithm']}, sweeps between samples "
              f"{info['sweeps_between']}) and {sidecar_path(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
