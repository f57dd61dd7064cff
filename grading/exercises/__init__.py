"""The graded exercises: for each solution cell, its hidden inputs, its sandbox and its scorer.

One place per exercise.  The grade ids and points are the source notebook's nbgrader metadata (the
gradebook's contract) and nothing else: :func:`from_notebooks` reads each autograded solution cell and the
test cells after it.  The grader of a solution cell is registered by its grade id, as plain functions in
the module of its notebook (``mnist.py``: 02-04, ``ising.py``: 05-06, ``phases.py``: 07; a ``GRADERS``
table at the end of each), and its driver, which runs in the sandbox after the cell, under the same grade
id in ``grading/inside/drivers/``.  Adding a graded exercise touches the notebook and one module per side.

Grading one exercise (``base.Grader``):

1. ``inputs(course)`` draws the hidden inputs, split into what the sandbox gets (``public``) and what only
   the grader keeps (``private``: held-out data, the answers);
2. the sandbox runs the solution cell after the driver's prelude, then the driver (grading/inside);
3. ``score(public, private, result)`` compares the returned numbers with references computed here, in the
   grader's process, and gives each test cell a :class:`~base.Check`: the fraction of its points and a
   message for the student's feedback (what was checked and what was wrong, never the hidden inputs).
"""

import json
from pathlib import Path

from ..checks import Score
from .base import Check, Exercise, Grader

__all__ = ["Check", "Exercise", "Grader", "Score", "all_zero", "graders", "from_notebooks", "scores_of"]


def graders():
    """{solution grade_id: Grader} of every notebook's module."""
    from . import ising, mnist, phases

    table = {}
    for module in (mnist, ising, phases):
        clash = table.keys() & module.GRADERS.keys()
        if clash:
            raise ValueError(f"{module.__name__} registers grade ids registered before: {sorted(clash)}")
        table.update(module.GRADERS)
    return table


def _nbgrader(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    return meta.get("nbgrader", {}) if isinstance(meta, dict) else {}


def from_notebooks(source_dir):
    """The exercises of the instructor's notebooks in ``source_dir``: every code solution cell, with the
    points of the autograded test cells that follow it (up to the next solution cell).  A code solution
    cell without a grader, or a test cell without a solution before it, is an error of the course."""
    table = graders()
    exercises = []
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        current = None
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = _nbgrader(cell)
            if meta.get("solution"):
                current = None                           # a written answer ends the exercise before it
                if cell.get("cell_type") == "code":
                    grade_id = meta["grade_id"]
                    if grade_id not in table:
                        raise ValueError(f"{path.name}: the solution cell {grade_id!r} has no grader "
                                         "(register one in grading/exercises/)")
                    current = Exercise(path.stem, grade_id, {}, table[grade_id])
                    exercises.append(current)
            elif meta.get("grade") and cell.get("cell_type") == "code":
                if current is None:
                    raise ValueError(f"{path.name}: the test cell {meta.get('grade_id')!r} follows no solution "
                                     "cell")
                current.tests[meta["grade_id"]] = float(meta["points"])
    return exercises


def scores_of(exercise, checks):
    """{test grade_id: Score} from what ``exercise``'s scorer returned (a Check, or {grade_id: Check})."""
    if isinstance(checks, Check):
        if len(exercise.tests) != 1:
            raise ValueError(f"{exercise.solution_id}: one check for {len(exercise.tests)} test cells")
        checks = {next(iter(exercise.tests)): checks}
    if set(checks) != set(exercise.tests):
        raise ValueError(f"{exercise.solution_id}: checks for {sorted(checks)}, the notebook's test cells are "
                         f"{sorted(exercise.tests)}")
    return {gid: Score(points * min(max(float(checks[gid].fraction), 0.0), 1.0), points, checks[gid].message)
            for gid, points in exercise.tests.items()}


def all_zero(exercise, message):
    """Every test cell of ``exercise`` scores 0 with ``message``."""
    return {gid: Score(0.0, points, message) for gid, points in exercise.tests.items()}
