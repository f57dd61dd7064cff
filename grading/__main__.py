"""python -m grading autograde --course build/course --assignment sheet11 [--submissions DIR] [--jobs N]
[--scheduler tcp://HOST:PORT] [--force] [--seed N]   (what `make autograde` runs; see the README)."""

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")     # the grader's own numpy: one thread beside N sandboxes

import argparse  # noqa: E402

from .autograde import grade  # noqa: E402
from .sandbox import SandboxUnavailable  # noqa: E402
from .submissions import SubmissionError  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    auto = commands.add_parser("autograde", help="grade new or changed submissions, record, give feedback")
    auto.add_argument("--course", default="build/course", help="nbgrader's course directory")
    auto.add_argument("--assignment", default="sheet11")
    auto.add_argument("--submissions", default=None, help="a folder of STUDENT_ID/*.ipynb to import first")
    auto.add_argument("--jobs", type=int, default=2, help="sandboxes at a time on this machine")
    auto.add_argument("--scheduler", default=None, help="tcp://HOST:PORT of a Dask scheduler")
    auto.add_argument("--force", action="store_true", help="grade every student again")
    auto.add_argument("--seed", type=int, default=None,
                      help="a seed for the hidden inputs (default: the course's secret, made at the first grading "
                           "and kept in COURSE/.grading/secret; give one only to reproduce a test)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    try:
        grade(args.course, args.assignment, submissions_dir=args.submissions, jobs=args.jobs,
              scheduler=args.scheduler or None, force=args.force, seed=args.seed)
    except (SandboxUnavailable, SubmissionError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
