"""Fetch and verify data/mnist.pkl.gz (`make lab`, `make data`, Binder's postBuild).

A function call, not `python -m nnlib.data`: running a submodule of a package that its own __init__ imports
makes Python warn (RuntimeWarning: 'nnlib.data' found in sys.modules ...), which alarms a student.
"""

import sys

from nnlib.data import MNISTFetchError, fetch_mnist

if __name__ == "__main__":
    try:
        print(fetch_mnist())
    except (MNISTFetchError, PermissionError) as exc:
        sys.exit(f"error: {exc}")
