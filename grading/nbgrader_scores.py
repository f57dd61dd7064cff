"""nbgrader's autograde step without running anything: the scores come from the grader.

nbgrader stays the course's record (gradebook, formgrader, feedback), but its ``Execute`` preprocessor,
which would run every submitted notebook in a kernel as the instructor, is replaced in
``nbgrader_config.py`` by :class:`ExternalScores`.  For each autograded test cell it writes, as the
cell's outputs, the grader's message and the points (an ``execute_result``, which nbgrader reads as
partial credit), and it cuts the hidden tests out of the cell, so that neither the autograded notebook
nor the feedback made from it shows them.  A cell without a score from the grader gets zero points and
says why: plain ``nbgrader autograde`` cannot hand out points for code that never ran.
"""

import json
import os
import re
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
# nbgrader's autograde steps, with ExternalScores in the place of Execute (nbgrader_config.py and
# autograde.py use this list), and last, once SaveAutoGrades has compared the written answers with their
# release checksums, SanitiseNotebook: the formgrader and the feedback show no student HTML or script
AUTOGRADE_PREPROCESSORS = [
    "grading.nbgrader_scores.ExternalScores", "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata",
    "grading.sanitise.SanitiseNotebook"]
NOT_GRADED = ("not graded: this notebook was not graded by the course's grader (make autograde), which "
              "runs every solution in a sandbox; plain `nbgrader autograde` gives no points")


def scores_path(course_root, student):
    return Path(course_root) / ".grading" / "scores" / f"{student}.json"


def visible_part(source):
    """A test cell without its hidden tests."""
    return HIDDEN.sub("# (more checks ran in the grader, on inputs you have not seen)\n", source)


class ExternalScores(NbGraderPreprocessor):
    """Fills the autograded test cells with the grader's scores and messages (see the module)."""

    course_root = Unicode("", help="the course directory (default: the gradebook's folder)").tag(config=True)

    def _scores(self, resources):
        info = resources["nbgrader"]
        root = self.course_root
        if not root:
            url = info.get("db_url", "")
            root = os.path.dirname(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        try:
            with open(scores_path(root, info["student"]), encoding="utf-8") as f:
                return json.load(f).get(info["notebook"], {})
        except (OSError, ValueError):
            return {}

    def preprocess(self, nb, resources):
        scores = self._scores(resources)
        for cell in nb.cells:
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not grading.get("grade") or grading.get("solution"):
                continue
            cell.source = visible_part(cell.source)
            score = scores.get(grading.get("grade_id"))
            max_points = float(grading.get("points", 0))
            if score is None:
                points, message = 0.0, NOT_GRADED
            else:
                points = min(max(float(score["points"]), 0.0), max_points)
                message = str(score["message"])
            cell.outputs = [
                new_output("stream", name="stdout", text=f"{message}\n"),
                new_output("execute_result", data={"text/plain": repr(points)}, execution_count=None),
            ]
        return nb, resources
