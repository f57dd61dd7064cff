"""Cells a student gave nbgrader metadata of their own: stripped before nbgrader's autograde reads them.

nbgrader's autograde first "sanitises" a submission against the gradebook (OverwriteCells and friends).  A
cell with an nbgrader grade id that the instructor's notebook does not have (a spoofed ``bonus_points`` test
cell with 100 points, say) makes that step fail, which would leave the student out of the gradebook.
:class:`ForeignCells`, first in ``SANITIZE_PREPROCESSORS``, turns such cells into plain cells: they are
graded as what they are, nothing.
"""

import os
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from .submissions import STUB, read_notebook

# nbgrader's sanitising steps of autograde, with ForeignCells first (nbgrader_config.py and autograde.py)
SANITIZE_PREPROCESSORS = [
    "grading.foreign.ForeignCells", "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata"]


def _grade_ids(nb):
    ids = set()
    for cell in (nb or {}).get("cells", []):
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbgrader, dict) and nbgrader.get("grade_id"):
            ids.add(nbgrader["grade_id"])
    return ids


class ForeignCells(NbGraderPreprocessor):
    """Drop the nbgrader metadata of every cell whose grade id is not one of the instructor's notebook, and of
    copies of a cell (Jupyter copies a cell with its metadata): the copy the grader graded keeps it (of
    solution cells the last one that is not the release's stub, else the first; of other cells the first)."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        url = info.get("db_url", "")
        root = os.path.dirname(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        source = Path(root) / "source" / str(info.get("assignment", "")) / f"{info.get('notebook', '')}.ipynb"
        known = _grade_ids(read_notebook(source))
        copies = {}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if "nbgrader" in cell.metadata and (not grade_id or grade_id not in known):
                del cell.metadata["nbgrader"]
            elif grade_id:
                copies.setdefault(grade_id, []).append(cell)
        for grade_id, cells in copies.items():
            if len(cells) > 1:
                solved = [c for c in cells if c.metadata["nbgrader"].get("solution") and not STUB.search(c.source)]
                keep = solved[-1] if solved else cells[0]
                for cell in cells:
                    if cell is not keep:
                        del cell.metadata["nbgrader"]
        return nb, resources
