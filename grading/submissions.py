"""Submissions on disk: importing a folder of them, reading a student's work, fingerprints.

A submitted notebook is data, never code to run here.  Files are read as plain files only: a symlink, a
device, a folder in the place of a file or a file larger than the limit is refused with a message (an LMS
archive keeps symlinks, e.g. to another student's notebook or to the instructor's source).  A notebook is
parsed as JSON, and any error while reading or parsing it (a broken file, JSON nested beyond Python's
recursion limit, ...) makes it "unreadable", which scores that notebook's exercises 0 with a message.

Of the notebook, the grader takes for each solution cell (by its nbgrader grade_id, wherever it sits; of
copies, which Jupyter makes with their metadata, the last one that is not the release's stub) the cell's
source, and the code cells the student added above it (cells whose source is none of the instructor's):
the sandbox runs their definitions (def, class, import) before the solution cell.  The instructor's
other cells come from the course, not from the submission (the drivers' preludes stand for them).
"""

import hashlib
import json
import os
import re
import stat
from pathlib import Path

MAX_NOTEBOOK_BYTES = 50 * 2**20
STUB = re.compile(r"#\s*YOUR CODE HERE\s*\n\s*raise NotImplementedError\(\)")
MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*$", re.M)


class SubmissionError(ValueError):
    """A folder of submissions that cannot be read as STUDENT_ID/*.ipynb."""


def read_plain(path, limit=MAX_NOTEBOOK_BYTES):
    """The bytes of ``path`` if it is a regular file (never a symlink, a device or a folder) of at most
    ``limit`` bytes; else a SubmissionError that says what it is."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        kind = "a symbolic link" if os.path.islink(path) else type(exc).__name__
        raise SubmissionError(f"{Path(path).name} is {kind}, not a plain file") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{Path(path).name} is not a plain file")
        if info.st_size > limit:
            raise SubmissionError(f"{Path(path).name} is larger than {limit // 2**20} MB")
        return f.read(limit + 1)[:limit]


# a student id becomes a folder name, a gradebook key and text on the instructor's pages: plain characters only
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")


def student_folders(submissions, assignment, log=print):
    """(student_id, folder with the notebooks) for each student in ``submissions``: the layout is
    DIR/STUDENT_ID/*.ipynb or DIR/STUDENT_ID/ASSIGNMENT/*.ipynb.  Symlinked folders are not followed; a
    folder whose name is not a plain student id (letters, digits, _ . @ + -) is left out with a message."""
    root = Path(submissions)
    if not root.is_dir():
        raise SubmissionError(f"SUBMISSIONS={submissions}: no such folder")
    found = []
    for folder in sorted(p for p in root.iterdir() if not p.name.startswith(".")):
        if folder.is_symlink() or not folder.is_dir():
            continue
        if not STUDENT_ID.fullmatch(folder.name):
            log(f"{folder.name!r} is not a plain student id (letters, digits, _ . @ + -): not imported")
            continue
        inner = folder / assignment
        found.append((folder.name, inner if inner.is_dir() and not inner.is_symlink() else folder))
    if not found:
        raise SubmissionError(f"no student folders in SUBMISSIONS={submissions} (expected "
                              f"{submissions}/STUDENT_ID/*.ipynb)")
    return found


def import_submissions(submissions, submitted_dir, assignment, log=print):
    """Copy each student's notebooks (plain files only) into COURSE/submitted/STUDENT/ASSIGNMENT/, leaving
    files whose content has not changed untouched.  Returns the ids of the students with a notebook."""
    students = []
    for student, folder in student_folders(submissions, assignment, log):
        target = Path(submitted_dir) / student / assignment
        copied = 0
        for path in sorted(folder.glob("*.ipynb")):
            try:
                data = read_plain(path)
            except SubmissionError as exc:
                log(f"submission of {student}: {exc}: not imported")
                continue
            target.mkdir(parents=True, exist_ok=True)
            destination = target / path.name
            if destination.is_symlink():
                destination.unlink()
            if not destination.is_file() or destination.read_bytes() != data:
                tmp = destination.with_name("." + destination.name + ".tmp")
                tmp.write_bytes(data)
                os.replace(tmp, destination)
            copied += 1
        log(f"submission of {student}: {copied} notebook(s) from {folder}")
        if copied:
            students.append(student)
    return students


def read_notebook(path):
    """The parsed notebook at ``path``, or None when it is missing, not a plain file, too large, or not a
    notebook (whatever the reason: a submission must not stop the batch)."""
    try:
        nb = json.loads(read_plain(path))
    except Exception:                                   # noqa: BLE001  (RecursionError, MemoryError, ...)
        return None
    return nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None


def _source(cell):
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _grade_id(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None


def _normal(source):
    return MARKER.sub("", source).strip()


def instructor_sources(nb):
    """The normalised sources of the instructor's code cells (to tell the cells a student added)."""
    return frozenset(_normal(_source(c)) for c in (nb or {}).get("cells", [])
                     if isinstance(c, dict) and c.get("cell_type") == "code")


def solution_code(nb, grade_id):
    """The source of the solution cell ``grade_id`` of ``nb``, or None: of copies (Jupyter copies a cell with
    its metadata), the last one that is not the release's stub, else the first."""
    if nb is None:
        return None
    found = [_source(c) for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"
             and _grade_id(c) == grade_id]
    if not found:
        return None
    solved = [source for source in found if not STUB.search(source)]
    return solved[-1] if solved else found[0]


def added_cells(nb, grade_id, instructor):
    """The sources of the code cells the student added above the solution cell ``grade_id`` (no grade_id,
    and none of the ``instructor`` sources), in order."""
    if nb is None:
        return []
    cells = [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    last = max((i for i, c in enumerate(cells) if _grade_id(c) == grade_id), default=-1)
    return [_source(c) for c in cells[:last] if _grade_id(c) is None and _normal(_source(c)) not in instructor
            and _normal(_source(c))]


def fingerprint(folder, notebooks, salt):
    """A hash of the given notebooks' bytes in ``folder`` (a missing or unreadable one counts as such) and
    ``salt`` (the grader's version and seed): a student is graded again only when it changes."""
    h = hashlib.sha256(salt.encode())
    for name in sorted(notebooks):
        h.update(name.encode() + b"\0")
        try:
            h.update(hashlib.sha256(read_plain(Path(folder) / name)).digest())
        except SubmissionError as exc:
            h.update(b"unreadable: " + str(exc).encode())
        except OSError:
            h.update(b"missing")
    return h.hexdigest()


def code_version():
    """A hash of the grader's own code (this folder): changing a check re-grades everyone."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]
