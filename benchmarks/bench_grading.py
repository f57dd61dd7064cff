"""Grading speed: seconds per honest student, and the speed-up with JOBS and on a Dask cluster.

Releases the seven notebooks into a course in a temporary folder, hands in STUDENTS copies of the
solutions, and grades them (python -m grading autograde) three ways in one run, side by side:
JOBS=1, JOBS=2 on this machine, and a Dask scheduler with two single-threaded workers on 127.0.0.1.
Each way starts from a fresh gradebook with the hidden inputs and compiled kernels already made
(they are made once per course, not per student), so what is compared is the grading itself.

    python benchmarks/bench_grading.py [STUDENTS]      (default 4)

For comparison, nbgrader's own autograde (every notebook executed top to bottom, one student after the
other) took about 350 s per student on this machine (issue 16).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
           PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def grade(course, *more):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grading", "autograde", "--course", str(course), "--force",
                           *more], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stdout[-2000:] + done.stderr[-2000:])
    return time.perf_counter() - start


def fresh(course, template):
    if course.exists():
        shutil.rmtree(course)
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("autograded", "feedback", "grades.csv"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(students=4):
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    template = tmp / "template"
    source = template / "source" / "sheet11"
    source.mkdir(parents=True)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for nb in notebooks:
        shutil.copy(nb, source)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "sheet11", "--force",
                    f"--CourseDirectory.root={template}"], cwd=ROOT, env=ENV, check=True, capture_output=True)
    subs = tmp / "subs"
    for k in range(students):
        (subs / f"student{k}").mkdir(parents=True)
        for nb in notebooks:
            shutil.copy(nb, subs / f"student{k}")
    # one warm-up run: hidden inputs drawn, kernels compiled (once per course and machine)
    subprocess.run([sys.executable, "-m", "grading", "autograde", "--course", str(template), "--submissions",
                    str(subs), "--jobs", "2"], cwd=ROOT, env=ENV, check=True, capture_output=True)
    times = {}
    for jobs in (1, 2):
        course = tmp / f"jobs{jobs}"
        fresh(course, template)
        times[f"JOBS={jobs}"] = grade(course, "--jobs", str(jobs))
    port = free_port()
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        for i in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                           "--no-dashboard"], env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        course = tmp / "dask"
        fresh(course, template)
        grade(course, "--scheduler", f"tcp://127.0.0.1:{port}")        # workers compile their kernels once
        fresh(course, template)
        times["Dask, 2 workers x 1 thread"] = grade(course, "--scheduler", f"tcp://127.0.0.1:{port}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    print(f"grading {students} honest students (seven notebooks each), 2-core machine")
    print(f"{'':28s} {'total s':>8s} {'s/student':>10s} {'speed-up vs JOBS=1':>20s}")
    for name, seconds in times.items():
        print(f"{name:28s} {seconds:8.1f} {seconds / students:10.1f} {times['JOBS=1'] / seconds:20.2f}")
    print("nbgrader executing every notebook (before, issue 16): about 350 s/student, one at a time")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
