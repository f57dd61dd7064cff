"""Runs one student's solution cell inside the sandbox, then the exercise's driver.

This file, ``drivers/`` and ``hidden/`` are the only grading code a sandbox can see (bound read-only at
/grader).  Nothing here decides a grade: the driver calls the student's functions on the hidden inputs in
/inputs and writes what they returned, as plain arrays, to /scratch/result.npz (the one file of this
sandbox on the grader's disk).  The grader reads that
file in a process where no student code ran, checks every array and compares it with references it
computes itself.  Whatever the student's code does to this process (rebinding names, AST transformers,
objects whose == is always true, overridden methods) can only change these arrays, never a score.

Usage (by grading/sandbox.py):  python -I /grader/runner.py /job.json
"""

import json
import os
import sys
import traceback

RESULT = "/scratch/result.npz"
MAX_TEXT = 400


def _text(exc):
    """One line about an exception: its type and the start of its message."""
    try:
        message = str(exc)
    except BaseException:                      # a student's exception whose __str__ fails
        message = "(message unavailable)"
    line = "%s: %s" % (type(exc).__name__, message) if message else type(exc).__name__
    return line[:MAX_TEXT]


def _write(arrays):
    """The result, written in place: the file is a mount of the grader's (no rename onto it); a run cut off
    while writing leaves a file the grader cannot read, which scores like no result."""
    import numpy as np

    with open(RESULT, "r+b") as f:
        f.truncate(0)
        np.savez(f, **arrays)


# what a cell the student added above the solution cell may give it: helpers, not computations
DEFINITIONS = ("FunctionDef", "AsyncFunctionDef", "ClassDef", "Import", "ImportFrom")


def _define(source, name, namespace):
    """Run the definitions (def, class, import) of a cell the student added above the solution cell, each
    on its own; one that fails is left out (the solution cell's own error then says what is missing)."""
    import ast

    try:
        tree = ast.parse(source, name)
    except BaseException:                      # SyntaxError, or nesting beyond the parser's limits
        return
    for node in tree.body:
        if type(node).__name__ in DEFINITIONS:
            try:
                exec(compile(ast.Module(body=[node], type_ignores=[]), name, "exec"), namespace)
            except BaseException:
                traceback.print_exc()


def main(job_path):
    with open(job_path) as f:
        job = json.load(f)
    if job.get("numba_cache"):                 # the trusted kernels, copied before any student code runs
        import shutil

        shutil.copytree(job["numba_cache"], os.path.join(os.environ["HOME"], ".numba_cache"))
    sys.path[:0] = job["path"]                 # /grader (drivers) and, for 03, /sheet (the sheet's network.py)
    import numpy as np

    import drivers

    inputs = dict(np.load(job["inputs"], allow_pickle=False)) if job["inputs"] else {}
    prelude, drive = drivers.DRIVERS[job["driver"]]
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        prelude(namespace, inputs)
    except Exception as exc:                   # the course's own setup failed: an infrastructure error
        traceback.print_exc()
        _write({"error_kind": np.array("setup"), "error": np.array(_text(exc))})
        return 3
    for number, source in enumerate(job.get("helpers", ()), 1):
        _define(source, f"<your cell {number} above the solution>", namespace)
    try:
        code = compile(job["code"], "<your solution cell>", "exec")
        exec(code, namespace)
    except SyntaxError as exc:
        _write({"error_kind": np.array("syntax"), "error": np.array(_text(exc))})
        return 0
    except BaseException as exc:               # NotImplementedError of the stub, SystemExit, ...
        traceback.print_exc()
        kind = "library" if type(exc).__name__ == "LibrarySolutionUsed" else "cell"
        _write({"error_kind": np.array(kind), "error": np.array(_text(exc))})
        return 0
    try:
        arrays = drive(namespace, inputs)          # each part records its own failure
    except BaseException as exc:
        traceback.print_exc()
        kind = "library" if type(exc).__name__ == "LibrarySolutionUsed" else "call"
        arrays = {"error_kind": np.array(kind), "error": np.array(_text(exc))}
    _write(arrays)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
