"""The graded exercises: for each solution cell, its hidden inputs, its driver and its scorer.

An :class:`Exercise` is one solution cell of a notebook (its nbgrader ``grade_id``) and the test cells
whose points depend on it (their ``grade_id`` and points are the gradebook's contract).  Grading it:

1. ``make_inputs(course)`` draws the hidden inputs, split into what the sandbox gets (``public``) and
   what only the grader keeps (``private``: held-out data, the answers);
2. the sandbox runs the solution cell after the driver's prelude, then the driver (grading/inside);
3. ``score(public, private, result)`` compares the returned numbers with references computed here, in
   the grader's process, and gives each test cell its points and a message for the student's feedback.
   The message says what was checked and what was wrong, never the hidden inputs.
"""

import dataclasses
from typing import Callable

from ..checks import Score
from ..sandbox import Limits

__all__ = ["Exercise", "Score", "all_exercises", "by_notebook"]


@dataclasses.dataclass(frozen=True)
class Exercise:
    notebook: str                       # e.g. "03_backprop" (the file is notebook + ".ipynb")
    solution_id: str                    # grade_id of the solution cell, also the driver's name
    tests: dict                         # grade_id of each test cell -> its points
    make_inputs: Callable               # course -> (public arrays, private arrays)
    score: Callable                     # (public, private, result) -> {grade_id: Score}
    limits: Limits = Limits()
    stub: bool = False                  # True: the sandbox gets stub/nnlib instead of nnlib and isingmc
    describe: str = ""                  # what is checked, in words (shown when nothing could be run)


def all_exercises():
    from . import ising, mnist, phases

    return mnist.EXERCISES + ising.EXERCISES + phases.EXERCISES


def by_notebook():
    table = {}
    for exercise in all_exercises():
        table.setdefault(exercise.notebook, []).append(exercise)
    return table
