"""Grading the course: every solution cell in a sandbox, every score decided outside it.

``python -m grading autograde`` (``make autograde``) is the entry point; ``autograde.py`` tells the steps.
Where things live: ``sandbox.py`` (bubblewrap, limits), ``inside/`` (the only code a sandbox sees: the
runner and the drivers), ``exercises/`` (hidden inputs and scorers, per notebook), ``checks.py`` (reading
a sandbox's result), ``execution.py`` (sandboxes on this machine, fair to the class), ``cluster.py`` (the
same on a Dask cluster, with mutual TLS), ``cgroups.py`` (limits for a whole sandbox), ``submissions.py``
(notebooks as data, plain files only), ``foreign.py`` and ``sanitise.py`` (what nbgrader must not take from
a student), ``nbgrader_scores.py`` (nbgrader records the scores without running anything).
"""
