"""``make autograde``: grade the new or changed submissions, record the scores in nbgrader, write feedback.

1. Import ``SUBMISSIONS`` into ``COURSE/submitted`` (or take what ``nbgrader collect`` put there).
2. Pick the students whose notebooks (or the grader, or the course seed) changed since their last
   grading, all with ``force``.
3. Draw the hidden inputs once (exercises/), run each student's solution cells in sandboxes, ``jobs`` at
   a time or on a Dask cluster (execution.py), and score each result here, in this process, where no
   student code runs (checks.py, exercises/).  One failing or hanging submission costs its own points
   and nothing else.
4. Write the scores (``COURSE/.grading/scores/STUDENT.json``), let nbgrader's autograde record them in the
   gradebook (nbgrader_scores.py; only this process writes the gradebook), write each graded student's
   feedback, and export ``COURSE/grades.csv``.
"""

import io
import json
import os
import secrets
import stat
import tempfile
import time
from pathlib import Path

import numpy as np

from . import checks, execution, sandbox, submissions
from .exercises import all_zero, from_notebooks, scores_of
from .foreign import SANITIZE_PREPROCESSORS
from .hidden import Course
from .nbgrader_scores import AUTOGRADE_PREPROCESSORS, scores_path


def _atomic_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def prepare_inputs(course, exercises, log=print):
    """The hidden inputs of every exercise: {solution_id: (public .npz bytes, public arrays, private)}."""
    prepared = {}
    for exercise in exercises:
        start = time.perf_counter()
        public, private = exercise.grader.inputs(course)
        prepared[exercise.solution_id] = (_npz_bytes(public), public, private)
        log(f"hidden inputs of {exercise.solution_id}: {time.perf_counter() - start:.1f} s")
    return prepared


def limit_message(outcome, limits):
    if outcome.killed == "wall":
        return (f"your code was stopped after {limits.wall_seconds:.0f} s, the time limit of this exercise "
                "(an endless loop, or far more training than needed?)")
    if outcome.killed == "budget":
        return (f"your exercises used up the grading time one student's work may take together "
                f"({execution.STUDENT_BUDGET_SECONDS:.0f} s) before this one finished: make the slow ones faster")
    if outcome.killed == "memory":
        return f"your code was stopped at the memory limit of this exercise ({limits.memory_mb} MB in all)"
    if outcome.killed == "cpu":
        return (f"your code was killed at a limit of this exercise ({limits.cpu_seconds:.0f} s of CPU time, "
                f"{limits.memory_mb} MB of memory, {limits.processes} processes)")
    return None


def score_one(exercise, prepared, outcome):
    """{grade_id: Score} for one sandbox outcome (None: the solution cell is missing)."""
    if outcome is None:
        return all_zero(exercise, f"the solution cell '{exercise.solution_id}' is missing from your notebook "
                                  "(or the notebook could not be read)")
    _, public, private = prepared[exercise.solution_id]
    stopped = limit_message(outcome, exercise.limits)
    result = checks.load_result(outcome.result)
    if stopped and not result:
        return all_zero(exercise, stopped)
    try:
        return scores_of(exercise, exercise.grader.score(public, private, result))
    except Exception as exc:        # a grader bug must not pass as the student's: say so
        return all_zero(exercise, f"the grader failed on this exercise ({type(exc).__name__}: {exc}); tell your "
                                  "instructor")


SECRET = "secret"


def course_secret(course_dir):
    """The course's seed for the hidden inputs: made at the first grading from the system's randomness and
    kept with the gradebook (``COURSE/.grading/secret``, mode 0600), never a default in the code, so that
    no student can draw the hidden inputs again."""
    folder = execution.private_folder(Path(course_dir) / ".grading")
    path = folder / SECRET
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(16) + "\n")
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise PermissionError(f"{path} must be a file of yours that only you can read (mode 0600)")
    return int(path.read_text().strip(), 16)


def grade(course_dir, assignment, *, submissions_dir=None, jobs=2, scheduler=None, force=False,
          seed=None, data_dir=None, log=print, **cluster_options):
    """Grade, record and give feedback; returns {student: {notebook: {grade_id: Score}}} of this run.
    ``seed``: the hidden inputs' seed (default: the course's secret, :func:`course_secret`)."""
    course_dir = Path(course_dir).resolve()
    source = course_dir / "source" / assignment
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is missing: run `make release` first")
    sandbox.check_available()
    seed = course_secret(course_dir) if seed is None else seed
    submitted = course_dir / "submitted"
    if submissions_dir is not None:
        submissions.import_submissions(submissions_dir, submitted, assignment, log=log)
    students = sorted(p.name for p in submitted.iterdir() if submissions.STUDENT_ID.fullmatch(p.name)
                      and not p.is_symlink() and (p / assignment).is_dir()) if submitted.is_dir() else []
    exercises = from_notebooks(source)                 # grade ids and points: the notebooks' metadata
    notebooks = sorted(p.name for p in source.glob("*.ipynb"))     # 01's written answer counts too
    salt = f"{submissions.code_version()}:{seed}:{assignment}"
    state_path = execution.private_folder(course_dir / ".grading") / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    prints = {s: submissions.fingerprint(submitted / s / assignment, notebooks, salt) for s in students}
    todo = [s for s in students if force or state.get(s) != prints[s]]
    log(f"{len(students)} student(s), {len(todo)} to grade"
        + ("" if force else f" (new or changed; {len(students) - len(todo)} unchanged)"))
    results = {}
    if todo:
        results, retry = _run_and_score(course_dir, assignment, todo, exercises, Course(seed, data_dir), jobs,
                                        scheduler, log, cluster_options)
        for student in todo:
            if student not in retry:            # an infrastructure failure: graded again next time
                state[student] = prints[student]
            else:
                state.pop(student, None)
        _atomic_json(state_path, state)
        if retry:
            log(f"to grade again at the next run (not the students' fault, see above): {', '.join(sorted(retry))}")
    _export(course_dir, log)
    return results


def _instructor_sources(course_dir, assignment, exercises):
    """{notebook: the sources of its instructor's code cells} (to tell the cells a student added)."""
    return {e.notebook: submissions.instructor_sources(
        submissions.read_notebook(course_dir / "source" / assignment / (e.notebook + ".ipynb"))) for e in exercises}


def _jobs(course_dir, assignment, student, exercises, instructor):
    """(exercise, job or None) for each exercise of one student: the job for its sandbox, or None when the
    solution cell is missing or the notebook could not be read (whatever is wrong with it)."""
    parsed, out = {}, []
    for exercise in exercises:
        name = exercise.notebook + ".ipynb"
        if name not in parsed:
            parsed[name] = submissions.read_notebook(course_dir / "submitted" / student / assignment / name)
        nb = parsed[name]
        code = submissions.solution_code(nb, exercise.solution_id)
        job = None if code is None else {
            "code": code, "helpers": submissions.added_cells(nb, exercise.solution_id, instructor[exercise.notebook]),
            "driver": exercise.solution_id, "library": exercise.grader.library, "hides": list(exercise.grader.hides)}
        out.append((exercise, job))
    return out


def _run_and_score(course_dir, assignment, todo, exercises, course, jobs, scheduler, log, cluster_options):
    """Run every sandbox, score each result as it comes, and record a student in nbgrader as soon as all of
    their exercises are scored (this process does that while the sandboxes of the others run).  Whatever
    goes wrong with one student (an unreadable submission, a sandbox that could not run, nbgrader failing on
    the notebook) costs that student, with a message, or leaves them for the next run: the batch goes on."""
    start = time.perf_counter()
    prepared = prepare_inputs(course, exercises, log)
    if scheduler:
        from .cluster import DaskPool

        pool = DaskPool(scheduler, **cluster_options)
        log(f"grading on the Dask cluster at {scheduler}")
    else:
        cache = execution.kernel_cache(execution.private_folder(course_dir / ".grading") / "numba-cache")
        pool = execution.LocalPool(jobs, cache)
        log(f"grading {jobs} sandbox(es) at a time on this machine")
    api = _api(course_dir)
    results = {s: {} for s in todo}
    waiting = {s: 0 for s in todo}
    futures = {}
    retry = set()

    def finish(student):
        _atomic_json(scores_path(course_dir, student), {nb: {gid: s.__dict__ for gid, s in scores.items()}
                                                         for nb, scores in results[student].items()})
        total = sum(s.points for scores in results[student].values() for s in scores.values())
        log(f"{student}: {total:g} autograded point(s)")
        if not _record(api, assignment, student, log):
            retry.add(student)

    instructor = _instructor_sources(course_dir, assignment, exercises)
    try:
        for student in todo:
            try:
                planned = _jobs(course_dir, assignment, student, exercises, instructor)
            except Exception as exc:                     # noqa: BLE001  (the batch goes on)
                log(f"{student}: the submission could not be read ({type(exc).__name__}: {exc})")
                planned = [(exercise, None) for exercise in exercises]
            for exercise, job in planned:
                if job is None:
                    results[student].setdefault(exercise.notebook, {}).update(score_one(exercise, prepared, None))
                    continue
                future = pool.submit(job, exercise.solution_id, prepared[exercise.solution_id][0], exercise.limits,
                                     student=student)
                futures[future] = (student, exercise)
                waiting[student] += 1
        for student in todo:
            if waiting[student] == 0:
                finish(student)
        done = 0
        for future in pool.as_completed(list(futures)):
            student, exercise = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:            # the sandbox could not run (a worker without bwrap, a timeout)
                log(f"could not run {exercise.solution_id} of {student}: {type(exc).__name__}: {exc}")
                retry.add(student)
                outcome = None
            try:
                scores = score_one(exercise, prepared, outcome) if outcome is not None else all_zero(
                    exercise, "the grader could not run this exercise (not your fault); it is graded again at the "
                              "next grading run")
            except Exception as exc:            # noqa: BLE001  (score_one catches the scorer's; this is a bug)
                log(f"scoring {exercise.solution_id} of {student} failed: {type(exc).__name__}: {exc}")
                retry.add(student)
                scores = all_zero(exercise, "the grader failed on this exercise (not your fault); it is graded "
                                            "again at the next grading run")
            results[student].setdefault(exercise.notebook, {}).update(scores)
            done += 1
            if done % max(1, len(futures) // 10) == 0 or done == len(futures):
                log(f"  {done}/{len(futures)} sandboxes done ({time.perf_counter() - start:.0f} s)")
            waiting[student] -= 1
            if waiting[student] == 0:
                finish(student)
    finally:
        pool.close()
    return results, retry


def _api(course_dir):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course_dir)
    config.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
    config.Autograde.sanitize_preprocessors = SANITIZE_PREPROCESSORS
    return NbGraderAPI(config=config)


def _record(api, assignment, student, log):
    """nbgrader's autograde (no execution: ExternalScores records the scores) and feedback for one student;
    False (reported) when nbgrader could not do it, so that the student is graded again at the next run."""
    for step, call in (("autograde", api.autograde), ("feedback", api.generate_feedback)):
        try:
            outcome = call(assignment, student, force=True) if step == "feedback" else \
                call(assignment, student, force=True, create=True)
        except Exception as exc:                 # noqa: BLE001  (one student's notebook must not stop the batch)
            outcome = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
        if not outcome.get("success"):
            log(f"nbgrader {step} failed for {student} (graded again at the next run):\n"
                f"{str(outcome.get('error') or outcome.get('log'))[-2000:]}")
            return False
    return True


def _export(course_dir, log):
    """grades.csv: one row per student and assignment, as `nbgrader export` writes it."""
    import subprocess
    import sys

    target = course_dir / "grades.csv"
    result = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--to={target}",
                             f"--CourseDirectory.root={course_dir}"], capture_output=True, text=True,
                            cwd=str(course_dir))
    if result.returncode != 0:
        log("nbgrader export failed:\n" + result.stderr[-2000:])
    else:
        log(f"scores: {target}   feedback: {course_dir / 'feedback'}")
