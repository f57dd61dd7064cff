"""nnlib: a small numpy neural network library for the course (M. Nielsen's ``network.py`` API)."""

from .network import Network
from .gradcheck import gradcheck

__all__ = ["Network", "gradcheck"]
