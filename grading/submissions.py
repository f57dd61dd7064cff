"""Submissions on disk: importing a folder of them, reading a student's solution cells, fingerprints.

A submitted notebook is data, never code to run here: it is parsed as JSON, and only the source of the
cells whose nbgrader ``grade_id`` names a solution cell of the instructor's notebook is taken (the first
such cell, as nbgrader's DeduplicateIds keeps it).  The instructor's other cells come from the course,
not from the submission (the drivers' preludes stand for them).
"""

import hashlib
import json
import os
import shutil
from pathlib import Path

MAX_NOTEBOOK_BYTES = 50 * 2**20


class SubmissionError(ValueError):
    """A folder of submissions that cannot be read as STUDENT_ID/*.ipynb."""


def student_folders(submissions, assignment):
    """(student_id, folder with the notebooks) for each student in ``submissions``: the layout is
    DIR/STUDENT_ID/*.ipynb or DIR/STUDENT_ID/ASSIGNMENT/*.ipynb."""
    root = Path(submissions)
    if not root.is_dir():
        raise SubmissionError(f"SUBMISSIONS={submissions}: no such folder")
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        inner = folder / assignment
        found.append((folder.name, inner if inner.is_dir() else folder))
    if not found:
        raise SubmissionError(f"no student folders in SUBMISSIONS={submissions} (expected "
                              f"{submissions}/STUDENT_ID/*.ipynb)")
    return found


def import_submissions(submissions, submitted_dir, assignment, log=print):
    """Copy each student's notebooks into COURSE/submitted/STUDENT/ASSIGNMENT/, leaving files whose
    content has not changed untouched.  Returns the student ids found."""
    students = []
    for student, folder in student_folders(submissions, assignment):
        target = Path(submitted_dir) / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        notebooks = sorted(folder.glob("*.ipynb"))
        for path in notebooks:
            destination = target / path.name
            if not destination.exists() or destination.read_bytes() != path.read_bytes():
                tmp = destination.with_name("." + destination.name + ".tmp")
                shutil.copyfile(path, tmp)
                os.replace(tmp, destination)
        log(f"submission of {student}: {len(notebooks)} notebook(s) from {folder}")
        students.append(student)
    return students


def read_notebook(path):
    """The parsed notebook at ``path``, or None when it is missing, too large or not a notebook."""
    try:
        if os.path.getsize(path) > MAX_NOTEBOOK_BYTES:
            return None
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (OSError, ValueError):
        return None
    return nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None


def _source(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def solution_code(nb, grade_id):
    """The source of the first code cell of ``nb`` whose nbgrader grade_id is ``grade_id``, or None."""
    if nb is None:
        return None
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata")
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbgrader, dict) and nbgrader.get("grade_id") == grade_id:
            return _source(cell)
    return None


def fingerprint(folder, notebooks, salt):
    """A hash of the given notebooks' bytes in ``folder`` (a missing one counts as missing) and ``salt``
    (the grader's version and seed): a student is graded again only when it changes."""
    h = hashlib.sha256(salt.encode())
    for name in sorted(notebooks):
        path = Path(folder) / name
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"missing")
    return h.hexdigest()


def code_version():
    """A hash of the grader's own code (this folder): changing a check re-grades everyone."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]
