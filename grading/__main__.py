"""python -m grading autograde --course build/course --assignment sheet11 [--submissions DIR] [--jobs N]
[--scheduler tls://HOST:PORT --tls-dir DIR] [--force] [--seed N]   (what `make autograde` runs);
python -m grading certificates DIR [--hosts HOST ...]   (the course's certificates for a Dask cluster).

A Dask scheduler is ``tls://HOST:PORT`` with the folder of certificates made by ``certificates``
(``--tls-dir``, default ``$GRADING_TLS_DIR``), or ``tcp://127.0.0.1:PORT`` on this machine; plain
``tcp://`` to another machine is refused unless ``--insecure``.  Each job on the cluster has a deadline, its
exercise's wall limit plus ``--deadline-margin`` seconds (default 120: a worker's first job compiles the
kernels); see grading/cluster.py and the README."""

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")     # the grader's own numpy: one thread beside N sandboxes

import argparse  # noqa: E402

from . import cluster  # noqa: E402


def autograde(parser, args):
    from .autograde import grade
    from .sandbox import SandboxUnavailable
    from .submissions import SubmissionError

    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    scheduler = None
    try:
        if args.scheduler:
            scheduler = cluster.connection(args.scheduler, tls_dir=args.tls_dir, insecure=args.insecure,
                                           margin=args.deadline_margin)
        elif args.tls_dir or args.insecure:
            parser.error("--tls-dir and --insecure go with --scheduler")
        grade(args.course, args.assignment, submissions_dir=args.submissions, jobs=args.jobs,
              scheduler=scheduler, force=args.force, seed=args.seed)
    except (SandboxUnavailable, SubmissionError, FileNotFoundError, cluster.ClusterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def certificates(parser, args):
    try:
        written = cluster.make_certificates(args.dir, hosts=args.hosts, days=args.days, force=args.force)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = os.path.abspath(args.dir)
    print(f"wrote {', '.join(sorted(written))} in {folder} (keys readable by you only; the CA's key was not "
          "kept)\n"
          f"  scheduler machine: ca.pem scheduler.pem scheduler.key\n"
          f"  each worker:       ca.pem worker.pem worker.key\n"
          f"  you (the grader):  ca.pem client.pem client.key  ->  make autograde SCHEDULER=tls://HOST:8786 "
          f"TLS_DIR={folder}\n"
          "see the README, 'On a Dask cluster', for the dask scheduler and dask worker commands")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    auto = commands.add_parser("autograde", help="grade new or changed submissions, record, give feedback")
    auto.add_argument("--course", default="build/course", help="nbgrader's course directory")
    auto.add_argument("--assignment", default="sheet11")
    auto.add_argument("--submissions", default=None, help="a folder of STUDENT_ID/*.ipynb to import first")
    auto.add_argument("--jobs", type=int, default=2, help="sandboxes at a time on this machine")
    auto.add_argument("--scheduler", default=None,
                      help="tls://HOST:PORT of a Dask scheduler (tcp://127.0.0.1:PORT on this machine)")
    auto.add_argument("--tls-dir", default=None,
                      help=f"the folder made by `certificates` (default: ${cluster.TLS_DIR_VARIABLE})")
    auto.add_argument("--insecure", action="store_true",
                      help="accept a plain tcp:// scheduler on another machine (anyone reaching it can run code "
                           "on the workers and send results)")
    auto.add_argument("--deadline-margin", type=float, default=cluster.DEFAULT_MARGIN, metavar="SECONDS",
                      help="a job on the cluster is given up after its wall limit plus this (default: "
                           f"{cluster.DEFAULT_MARGIN:g}); its student is graded again at the next run")
    auto.add_argument("--force", action="store_true", help="grade every student again")
    auto.add_argument("--seed", type=int, default=None,
                      help="a seed for the hidden inputs (default: the course's secret, made at the first grading "
                           "and kept in COURSE/.grading/secret; give one only to reproduce a test)")
    auto.set_defaults(run=autograde)
    certs = commands.add_parser("certificates", help="a CA and TLS certificates for a Dask cluster")
    certs.add_argument("dir", help="where to write ca.pem and {scheduler,worker,client}.{pem,key}")
    certs.add_argument("--hosts", nargs="*", default=[], metavar="HOST",
                       help="names or IP addresses of the scheduler and workers, for the certificates' "
                            "subject alternative names (Dask checks the CA's signature, not names)")
    certs.add_argument("--days", type=int, default=365, help="validity (default: 365)")
    certs.add_argument("--force", action="store_true", help="replace certificates already in DIR")
    certs.set_defaults(run=certificates)
    args = parser.parse_args(argv)
    return args.run(parser, args)


if __name__ == "__main__":
    sys.exit(main())
