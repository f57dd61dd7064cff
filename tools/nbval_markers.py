"""The student's copy carries no nbval markers.

Cells whose printed output is checked in CI carry a ``# NBVAL_CHECK_OUTPUT`` comment (also possible:
``# NBVAL_IGNORE_OUTPUT``, ``# NBVAL_SKIP``, ``# NBVAL_RAISES_EXCEPTION``).  They are the course's test
machinery, meaningless to a student, so `make release` / `make student` drop them: nbgrader_config.py puts
:class:`StripNbvalMarkers` first in ``GenerateAssignment.preprocessors`` (before nbgrader computes its
checksums and saves the cells to the gradebook, so both see the released text).  A line that holds only a
marker goes; a marker after code on a line is cut from it.  The notebooks in notebooks/ keep their markers.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor

MARKER_LINE = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*(\n|$)", re.M)
MARKER_TAIL = re.compile(r"[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*$", re.M)


def strip_markers(source):
    """`source` without nbval marker comments."""
    return MARKER_TAIL.sub("", MARKER_LINE.sub("", source))


class StripNbvalMarkers(NbGraderPreprocessor):
    """Remove nbval's marker comments from every code cell."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "NBVAL_" in cell.source:
            cell.source = strip_markers(cell.source)
        return cell, resources


def generate_assignment_preprocessors():
    """nbgrader's own list for generate_assignment, with :class:`StripNbvalMarkers` first."""
    from nbgrader.converters import GenerateAssignment

    return [StripNbvalMarkers, *GenerateAssignment.class_traits()["preprocessors"].default()]
