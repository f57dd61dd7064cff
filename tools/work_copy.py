"""Give the student a working copy of the course: the exercise versions of the notebooks (run by `make lab`).

The notebooks in notebooks/ are the instructor's: every exercise solved, hidden tests in the check cells,
outputs stored.  A student works on the *exercise versions*, made here with nbgrader's own release
preprocessors, in the order and with the settings of nbgrader_config.py (what `make release` runs): solution
blocks replaced by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, written answers by "YOUR ANSWER
HERE", hidden tests and nbval's markers removed, every output cleared, check cells locked.  Only nbgrader's
``SaveCells`` is left out: it writes the instructor's gradebook.  Other files the notebooks read
(``network.py``, the sheet's network of notebook 03) are copied as they are.

JupyterLab autosaves, so the lab runs in work/ (git-ignored), never on the course's tracked files, and a
student's saved work is never overwritten:

* a file missing from work/ is copied;
* a file in work/ that is still exactly as it was copied (the student never saved it) is replaced by a newer
  course version, if there is one;
* a file the student has saved is never touched.  When the course's version changed since, the script says
  so; the student can rename or delete the copy and run `make lab` again to get the new one.

work/.course-versions.json records the sha256 of what was copied, which is how an unchanged copy is told
apart from a student's.  work/ sits beside notebooks/, so paths relative to the notebook (../data) mean the
same in both.

``--solutions`` writes the solved notebooks instead (`make solutions`: for self-study, opened on purpose),
read-only, by the same rule; ``--as-is`` copies the files as they are (`make student`: nbgrader's release).

    python tools/work_copy.py [--solutions | --as-is] [SOURCE=notebooks] [DEST=work]
"""

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ".course-versions.json"
# nbgrader's release step that is not about the notebook: it saves the cells to the instructor's gradebook
NOT_FOR_A_COPY = {"SaveCells"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def release_preprocessors():
    """nbgrader's generate_assignment preprocessors, as nbgrader_config.py sets them up, with their config."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    classes = config.GenerateAssignment.preprocessors
    return [cls(config=config) for cls in classes if cls.__name__ not in NOT_FOR_A_COPY]


def exercise_version(path, preprocessors):
    """The bytes of the student's version of the notebook at ``path``."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    resources = {"unique_key": Path(path).stem, "metadata": {"path": str(Path(path).parent)}}
    for preprocessor in preprocessors:
        nb, resources = preprocessor.preprocess(nb, resources)
    return (nbformat.writes(nb) + "\n").encode()


def course_files(source):
    """The files a student's copy holds: the numbered notebooks and the Python files beside them."""
    source = Path(source)
    return sorted([*source.glob("[0-9]*.ipynb"), *source.glob("*.py")])


def update(source, dest, *, exercises=True, read_only=False):
    """Copy/refresh the course files of ``source`` into ``dest``; return {name: what happened} (copied,
    updated, kept, unchanged).  Notebooks become their exercise versions if ``exercises``; ``read_only``
    files are for reading (the lab does not save over them)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (FileNotFoundError, ValueError):
        manifest = {}
    preprocessors = None
    done = {}
    for original in course_files(source):
        name, target = original.name, dest / original.name
        if original.suffix == ".ipynb" and exercises:
            preprocessors = preprocessors or release_preprocessors()
            course = exercise_version(original, preprocessors)
        else:
            course = original.read_bytes()
        new = sha256(course)
        if not target.exists():
            action = "copied"
        else:
            mine = sha256(target.read_bytes())
            if mine == new:
                action = "unchanged"
            elif mine == manifest.get(name):       # as copied, never saved by the student
                action = "updated"
            else:
                action = "kept" if manifest.get(name) != new else "unchanged"
        if action in ("copied", "updated"):
            tmp = target.with_name(f".{name}.tmp")
            tmp.write_bytes(course)
            if read_only:
                tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, target)
            manifest[name] = new
        elif action == "unchanged" and sha256(target.read_bytes()) == new:
            manifest[name] = new
        done[name] = action
    tmp = manifest_path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, manifest_path)
    return done


def main(argv):
    solutions, as_is = "--solutions" in argv, "--as-is" in argv
    argv = [a for a in argv if a not in ("--solutions", "--as-is")]
    source, dest = (argv + ["notebooks", "solutions" if solutions else "work"][len(argv):])[:2]
    done = update(source, dest, exercises=not (solutions or as_is), read_only=solutions)
    for name, action in done.items():
        if action in ("copied", "updated"):
            print(f"{dest}/{name}: {action} from {source}/")
        elif action == "kept":
            print(f"{dest}/{name}: kept (you have saved it); the course's version is newer: rename or delete your "
                  f"copy and run make lab again to get it")
    if solutions:
        print(f"the solved notebooks, read-only: {dest}/")
    elif as_is:
        print(f"copied from {source}/: {dest}/")
    else:
        print(f"your notebooks (the exercises): {dest}/   the solved ones: make solutions")


if __name__ == "__main__":
    main(sys.argv[1:])
