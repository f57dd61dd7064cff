"""Remove stored widget state from notebooks, in place: `make notebooks` runs it after executing them.

Executing a notebook stores every ipywidget's state in ``metadata.widgets`` (640 KB for the
playground alone) and a widget-view reference in each output that showed a widget.  Neither a reader
on the web nor a student needs them: the state is dead without a kernel, and a reference to a model
that is not stored shows as an error in JupyterLab.  This keeps every output's plain-text form (a
progress bar's last line, a widget's repr) and everything else: text, images, HTML.

    python tools/strip_widget_state.py notebooks/*.ipynb
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nnlib.data import atomic_write  # noqa: E402

WIDGET_MIMETYPES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")


def strip_widget_state(nb):
    """Remove widget state from the notebook dict `nb` in place; return how many items were removed.

    An output whose only content was a widget view is dropped; otherwise only the widget mimetypes go."""
    removed = 0
    if "widgets" in nb.get("metadata", {}):
        del nb["metadata"]["widgets"]
        removed += 1
    for cell in nb.get("cells", []):
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mimetype in WIDGET_MIMETYPES:
                if mimetype in data:
                    del data[mimetype]
                    removed += 1
            if "data" in output and not data:
                continue
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    return removed


def strip_file(path):
    """Strip widget state from the notebook file at `path` (rewritten atomically only if it changes)."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: expected a readable notebook (JSON), got {exc}") from exc
    removed = strip_widget_state(nb)
    if removed:
        mode = path.stat().st_mode & 0o777
        with atomic_write(path) as tmp:
            # the layout nbformat writes: one-space indent, unicode kept, final newline
            Path(tmp).write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
            os.chmod(tmp, mode)               # the temporary file is private; keep the notebook's mode
    return removed


def main(paths):
    if not paths:
        sys.exit("usage: python tools/strip_widget_state.py NOTEBOOK.ipynb [...]")
    for path in paths:
        print(f"{path}: removed {strip_file(path)} widget items")


if __name__ == "__main__":
    main(sys.argv[1:])
