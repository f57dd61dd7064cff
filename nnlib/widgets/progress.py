"""Progress bars that look right live and in a stored notebook (``tqdm``, ``in_notebook``), under
the name notebooks use.  They live in ``nnlib.core.progress``, where the studies and ``SGD`` find
them without a widget module (the widgets use the studies, never the other way round)."""

from ..core.progress import in_notebook, tqdm

__all__ = ["tqdm", "in_notebook"]
