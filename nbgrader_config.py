"""nbgrader's configuration for this course (read by every `nbgrader` command run from the repository root).

The course directory is made by `make release` under build/course (never committed):

    build/course/source/sheet11/      the eight notebooks, with solutions, and network.py (copied from notebooks/)
    build/course/release/sheet11/     what students get: solutions stubbed, hidden tests removed
    build/course/submitted/STUDENT/sheet11/    submissions (make autograde SUBMISSIONS=..., or nbgrader collect)
    build/course/autograded/ feedback/ gradebook.db

On a JupyterHub, point CourseDirectory.root at the instructor's course folder and set Exchange.root
(default /srv/nbgrader/exchange) to a folder every user can reach; see the README, "For instructors".
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "nn-physics-course"
c.CourseDirectory.root = os.environ.get("NBGRADER_COURSE_ROOT", os.path.join(ROOT, "build", "course"))

# Strict release: a solution region outside a cell marked as a solution is an error, not a silent leak.
c.ClearSolutions.enforce_metadata = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The release carries no nbval markers (`# NBVAL_CHECK_OUTPUT`): tools/nbval_markers.py strips them first,
# before nbgrader's checksums and gradebook see the cells.
import importlib.util  # noqa: E402
import sys  # noqa: E402

_spec = importlib.util.spec_from_file_location("nbval_markers", os.path.join(ROOT, "tools", "nbval_markers.py"))
nbval_markers = sys.modules.setdefault("nbval_markers", importlib.util.module_from_spec(_spec))
if not hasattr(nbval_markers, "StripNbvalMarkers"):
    _spec.loader.exec_module(nbval_markers)
c.GenerateAssignment.preprocessors = nbval_markers.generate_assignment_preprocessors()

# Autograde never runs a submission: `make autograde` (python -m grading) runs each solution cell in a
# sandbox and scores it outside; nbgrader's autograde step then only records those scores
# (grading/nbgrader_scores.py replaces nbgrader's Execute).  Plain `nbgrader autograde` gives no points.
from grading.nbgrader_scores import AUTOGRADE_PREPROCESSORS  # noqa: E402

c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
# ... and sanitises what students wrote (grading/sanitise.py, the last of that list).  The formgrader's page
# and `nbgrader generate_feedback` render through an HTMLExporter built with this configuration: it
# sanitises again, so that a notebook autograded before the sanitiser existed shows no student script either.
c.HTMLExporter.preprocessors = ["grading.sanitise.SanitiseNotebook"]

# Before that, nbgrader's own sanitising step: a student's cells with nbgrader grade ids the instructor's
# notebook does not have (a spoofed test cell) become plain cells instead of failing it (grading/foreign.py).
from grading.foreign import SANITIZE_PREPROCESSORS  # noqa: E402

c.Autograde.sanitize_preprocessors = SANITIZE_PREPROCESSORS

# `nbgrader validate` (the student's check) still runs the notebook top to bottom.  The longest cell
# (notebook 04's measured study) takes about 80 s on a quiet 2-core machine; 600 s per cell leaves room for a loaded one, and a cell that
# runs longer (a student's endless loop) is interrupted and recorded as an error instead of hanging.
c.Execute.timeout = 600
c.Execute.interrupt_on_timeout = True
# graded notebooks and their HTML feedback stay light: no ipywidget state (the playground's is 640 KB)
c.Execute.store_widget_state = False
