"""The one file format of a network (``Network.save``/``Network.load``), under the name notebooks
and the grader use.  It lives beside the network, in ``nnlib.core.network_file``, so that the
arrows between the folders point one way (data uses core; core uses nothing of data)."""

from ..core.network_file import FORMAT, arrays, load, save, to_bytes

__all__ = ["FORMAT", "arrays", "to_bytes", "save", "load"]
