"""Write the exercise version of every notebook: solutions out, outputs cleared.

Solutions sit between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines inside code cells (the
nbgrader convention).  Each block, markers included, becomes ``# YOUR CODE HERE`` and
``raise NotImplementedError()`` at the block's indentation, so running an unsolved cell says clearly
what is missing.  Outputs and execution counts are removed so that a student's plots are their own.

    python tools/make_student.py notebooks build/student
"""

import json
import os
import re
import sys
import tempfile
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def strip_solutions(source):
    """Return `source` (a cell's text) with every solution block replaced by the exercise stub."""
    out, inside, indent = [], False, ""
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r} in cell:\n{source}")
            inside, indent = True, re.match(r"\s*", line).group(0)
            out.append(f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()\n")
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r} in cell:\n{source}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r} in cell:\n{source}")
    return "".join(out)


def student_notebook(nb):
    """A copy of the notebook dict `nb` in its exercise version."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = strip_solutions(source)
        cell["outputs"] = []
        cell["execution_count"] = None
    return nb


def main(src_dir, dest_dir):
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(Path(src_dir).glob("[0-9]*.ipynb"))
    if not notebooks:
        sys.exit(f"error: no numbered notebooks in {src_dir}")
    for path in notebooks:
        nb = student_notebook(json.loads(path.read_text()))
        fd, tmp = tempfile.mkstemp(dir=dest_dir, suffix=".part")
        with os.fdopen(fd, "w") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, dest_dir / path.name)
        print(dest_dir / path.name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python tools/make_student.py SOURCE_DIR DEST_DIR")
    main(sys.argv[1], sys.argv[2])
