"""Data: the course's data sets, read safely.

- ``mnist``: fetch and verify ``mnist.pkl.gz``; Nielsen's ``load_data``/``load_data_wrapper`` and
  ``load_arrays`` (one sample per row), for MNIST and for the Ising snapshots in the same format;
- ``safepickle``: the allow-list unpickler the loaders use (a foreign pickle cannot run code);
- ``network_file``: the name under which notebooks and the grader reach the one file format of a
  network (``Network.save``/``Network.load``, in ``nnlib.core.network_file``).

The files themselves are written and read by ``nnlib.core.files`` (``atomic_write``: complete or
nothing, even after SIGKILL; ``npz_member``: an archive's array read only after its header is
checked; ``DataFileError``), which this folder uses; the arrows point one way: data uses core,
core uses nothing of data.  The loaders, ``DataFileError``, ``atomic_write`` and ``npz_member``
are importable from here: ``from nnlib.data import load_data_wrapper``.
"""

from ..core.files import DataFileError, atomic_write, npz_member, sha256sum
from .mnist import (DATA_DIR, MNIST_PATH, MNIST_SHA256, MNIST_URLS, MNISTFetchError, fetch_mnist,
                    load_arrays, load_data, load_data_wrapper, vectorized_result)

__all__ = ["DATA_DIR", "MNIST_PATH", "MNIST_SHA256", "MNIST_URLS", "DataFileError",
           "MNISTFetchError", "atomic_write", "fetch_mnist", "load_arrays", "load_data",
           "load_data_wrapper", "npz_member", "sha256sum", "vectorized_result"]
