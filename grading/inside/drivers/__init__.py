"""The drivers: what runs after a student's solution cell, inside the sandbox.

One driver per graded solution cell, registered by its grade_id (``DRIVERS``) in the module of its notebook:
``mnist.py`` (02-04), ``ising.py`` (05-06), ``phases.py`` (07).  A driver is two plain functions:

* ``prelude(namespace, inputs)`` stands for the instructor's cells that come before the solution cell in
  the notebook: the imports and the data the cell reads (hidden data, where the cell reads data);
* ``drive(namespace, inputs)`` calls the student's functions or reads the student's trained networks and
  returns plain arrays: numbers (a network as the bytes of its network file), never objects.  Nothing is
  judged here; the grader does that outside.

A part that fails is recorded as ``error_<part>`` (with ``kind_<part>``) and the other parts still run.
"""

from . import ising, mnist, phases  # noqa: F401  (each registers its drivers)
from .common import DRIVERS

__all__ = ["DRIVERS"]
