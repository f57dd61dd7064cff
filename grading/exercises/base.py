"""What a graded exercise is made of (see the package's docstring): the grader of a solution cell, the
check of one test cell, and the exercise as the source notebook defines it."""

import dataclasses
from typing import Callable

from ..sandbox import Limits


@dataclasses.dataclass(frozen=True)
class Check:
    """The result of one test cell's check: the fraction of its points earned, and the message its
    feedback shows (what was checked, what was wrong; never the hidden inputs)."""
    fraction: float
    message: str

    @classmethod
    def of(cls, message, success):
        """Full points and ``success`` when ``message`` is None, else none and ``message``."""
        return cls(0.0, message) if message else cls(1.0, success)


@dataclasses.dataclass(frozen=True)
class Grader:
    """How one solution cell is graded: ``inputs(course) -> (public, private)``, ``score(public, private,
    result)`` -> a Check (one test cell) or {test grade_id: Check} (several), the sandbox's ``limits``, and
    what the sandbox has of the library: ``library="nnlib"`` (nnlib and isingmc, with the folders in
    ``hides`` replaced by stubs that name whatever is used of them) or ``"sheet"`` (numpy and the sheet's
    network.py, nothing of nnlib).  A hidden folder holds the library's own answer to the exercise."""
    inputs: Callable
    score: Callable
    limits: Limits = Limits()
    library: str = "nnlib"
    hides: tuple = ()


@dataclasses.dataclass(frozen=True)
class Exercise:
    """A solution cell of a source notebook with its grader: ``tests`` maps the grade_id of each test cell
    that follows it to its points, both read from the notebook's nbgrader metadata."""
    notebook: str                       # e.g. "03_backprop" (the file is notebook + ".ipynb")
    solution_id: str                    # the solution cell's grade_id, also its driver's name
    tests: dict
    grader: Grader

    @property
    def limits(self):
        return self.grader.limits
