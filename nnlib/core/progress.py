"""Progress bars that look right live and in a stored notebook.

``tqdm.auto`` in a notebook shows a widget bar; a notebook stored after running keeps only the
text it had when it was *displayed*: ``0%|          | 0/3552``, as if the cell never ran.  And
the plain ``tqdm`` writes to stderr, which a notebook shows as pink lines.

``tqdm`` here (``nnlib.widgets.progress.tqdm`` for notebooks) takes tqdm's arguments and gives, in a
Jupyter kernel, the widget bar whose display is updated when it closes, so the stored text is its
final line (``100%|####| 3552/3552 [00:58<00:00, 61 net/s]``); elsewhere (scripts, terminals) the
plain bar on stdout.  tqdm, IPython and ipywidgets are imported only when a bar is made.
"""

import sys

__all__ = ["tqdm", "in_notebook"]


def in_notebook():
    """True inside a Jupyter kernel with ipywidgets (where a widget bar can be shown)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None or "IPKernelApp" not in getattr(shell, "config", {}):
            return False
        import ipywidgets  # noqa: F401
    except Exception:
        return False
    return True


def _notebook_class():
    from IPython.display import display
    from tqdm.notebook import tqdm as notebook_tqdm

    class StoredTqdm(notebook_tqdm):
        """tqdm's notebook bar, displayed with a display id and re-displayed when it closes."""

        def __init__(self, *args, **kwargs):
            show = kwargs.pop("display", True)
            super().__init__(*args, display=False, **kwargs)
            self._handle = None
            if show and not self.disable and hasattr(self, "container"):
                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self):
            if self.disable:
                return
            super().close()
            if self._handle is not None and self.leave:
                self._handle.update(self.container)     # the stored text: the final line
                self._handle = None

    return StoredTqdm


def tqdm(*args, **kwargs):
    """A progress bar with ``tqdm.tqdm``'s arguments (see the module's docstring)."""
    if in_notebook():
        return _notebook_class()(*args, **kwargs)
    from tqdm.std import tqdm as text_tqdm

    kwargs.setdefault("file", sys.stdout)
    return text_tqdm(*args, **kwargs)
