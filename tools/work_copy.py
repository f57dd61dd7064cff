"""Give the student a working copy of the course's notebooks (run by `make lab`).

JupyterLab autosaves every notebook it has open, so a lab started on notebooks/ rewrites the course's
tracked files: the next `git pull` conflicts and `make student` builds from the student's edits.  `make lab`
therefore starts the lab in work/ (git-ignored), which this script fills from notebooks/:

* a notebook missing from work/ is copied;
* a notebook in work/ that is still exactly as it was copied (the student never saved it) is replaced by a
  newer course version, if there is one;
* a notebook the student has saved is never touched.  When the course's version changed since, the script
  says so; the student can rename or delete the copy and run `make lab` again to get the new one.

work/.course-versions.json records the sha256 of what was copied, which is how an unchanged copy is told
apart from a student's.  work/ sits beside notebooks/, so paths relative to the notebook (../data,
../nnlib) mean the same in both.

    python tools/work_copy.py [SOURCE=notebooks] [DEST=work]
"""

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

MANIFEST = ".course-versions.json"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def update(source, dest):
    """Copy/refresh source/[0-9]*.ipynb into dest; return {name: what happened} (copied, updated, kept,
    unchanged)."""
    source, dest = Path(source), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (FileNotFoundError, ValueError):
        manifest = {}
    done = {}
    for original in sorted(source.glob("[0-9]*.ipynb")):
        name, target = original.name, dest / original.name
        course = sha256(original)
        if not target.exists():
            action = "copied"
        else:
            mine = sha256(target)
            if mine == course:
                action = "unchanged"
            elif mine == manifest.get(name):       # as copied, never saved by the student
                action = "updated"
            else:
                action = "kept" if manifest.get(name) != course else "unchanged"
        if action in ("copied", "updated"):
            tmp = target.with_name(f".{name}.tmp")
            shutil.copyfile(original, tmp)
            os.replace(tmp, target)
            manifest[name] = course
        elif action == "unchanged" and target.exists() and sha256(target) == course:
            manifest[name] = course
        done[name] = action
    tmp = manifest_path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, manifest_path)
    return done


def main(argv):
    source, dest = (argv + ["notebooks", "work"][len(argv):])[:2]
    done = update(source, dest)
    for name, action in done.items():
        if action in ("copied", "updated"):
            print(f"{dest}/{name}: {action} from {source}/")
        elif action == "kept":
            print(f"{dest}/{name}: kept (you have saved it); {source}/{name} is newer: rename or delete your "
                  f"copy and run make lab again to get it")
    print(f"your notebooks: {dest}/ (the course's originals in {source}/ stay untouched)")


if __name__ == "__main__":
    main(sys.argv[1:])
