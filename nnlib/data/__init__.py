"""Files and data: the course's data sets, and files written and read safely.

- ``mnist``: fetch and verify ``mnist.pkl.gz``; Nielsen's ``load_data``/``load_data_wrapper`` and
  ``load_arrays`` (one sample per row), for MNIST and for the Ising snapshots in the same format;
- ``files``: ``atomic_write`` (complete or nothing, even after SIGKILL), ``npz_member`` (an
  archive's array read only after its header is checked) and ``DataFileError``;
- ``network_file``: ``Network.save``/``Network.load``, the one file format of a network;
- ``safepickle``: the allow-list unpickler the loaders use (a foreign pickle cannot run code).

The loaders are importable from here: ``from nnlib.data import load_data_wrapper``.
"""

from .files import DataFileError, atomic_write, npz_member, sha256sum
from .mnist import (DATA_DIR, MNIST_PATH, MNIST_SHA256, MNIST_URLS, MNISTFetchError, fetch_mnist,
                    load_arrays, load_data, load_data_wrapper, vectorized_result)

__all__ = ["DATA_DIR", "MNIST_PATH", "MNIST_SHA256", "MNIST_URLS", "DataFileError",
           "MNISTFetchError", "atomic_write", "fetch_mnist", "load_arrays", "load_data",
           "load_data_wrapper", "npz_member", "sha256sum", "vectorized_result"]
