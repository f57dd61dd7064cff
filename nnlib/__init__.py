"""nnlib: a small numpy neural network library for the course (M. Nielsen's ``network.py`` API).

Folders by concern: ``core`` (the ``Network``, its kernel, training bookkeeping, costs,
activations, checks, gradcheck), ``data`` (data sets and files), ``widgets`` (playground, training
panel, backprop step by step), ``studies`` (layout study, recipes, toy data) and ``transition``
(the phase analysis of notebook 07).  ``from nnlib import Network`` loads only the core.
"""

from .core.network import Network
from .core.gradcheck import gradcheck

__all__ = ["Network", "gradcheck"]
