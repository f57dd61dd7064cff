# The course in two commands:  make lab  (work)   make test  (check everything)
# Everything runs inside .venv, created from the pinned lock files: requirements-lab.lock for make lab (what the
# notebooks need), requirements.lock (everything: tests, nbgrader, jax, playwright) for make setup / make test.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
JOBS     ?= 2
LAB_PORT ?= 8888
LAB_ARGS ?=
# make lab works in WORK: the git-ignored exercise versions of notebooks/ (tools/work_copy.py, with nbgrader's
# release preprocessors), served as LAB_ROOT; make solutions: the solved notebooks, read-only, in SOLUTIONS
WORK      ?= work
LAB_ROOT  ?= $(WORK)
SOLUTIONS ?= solutions
# JupyterLab refuses to run as root unless told (containers, CI)
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root)
# One BLAS thread per process for tests and notebooks: pytest -n 2 already keeps both cores busy, and
# BLAS threads waiting for a busy core stall each other (an epoch measured 7x slower on 2 cores).
BLAS_1   := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# numba's compiled kernels, compiled once per machine (make numba-cache) into a folder every process finds:
# pytest's workers and the notebooks' kernels load them instead of compiling again.  The folder is named by
# a hash of the files whose code numba compiles into kernels of other files (numba's cache of such a caller,
# e.g. the layout study's trainer, does not notice their edits), so a change there starts a fresh cache.
NUMBA_CACHE := $(VENV)/numba-cache/$(shell cat nnlib/core/kernel.py nnlib/core/activations.py \
               isingmc/_rng.py isingmc/_cluster_kernels.py 2>/dev/null | sha256sum | cut -c1-16)
NUMBA_ENV := NUMBA_CACHE_DIR="$(abspath $(NUMBA_CACHE))"
# The grader's sandboxes load theirs from a folder of its own beside it (grading.execution.kernel_cache):
# compiled once per machine too, not once per course, test or Dask worker
GRADING_CACHE := GRADING_NUMBA_CACHE="$(abspath $(NUMBA_CACHE))-grading"
# Tests: one numba thread too (the layout study's parallel trainer and the pytest worker beside it would
# otherwise fight for the two cores)
TEST_ENV := $(BLAS_1) NUMBA_NUM_THREADS=1 $(NUMBA_ENV) $(GRADING_CACHE)
# The unit tests that make check leaves out (markers set in the tests, declared in pyproject.toml)
SLOW_MARKERS := slow or browser or sandbox or server or nbgrader
# Each install re-runs only when its lock file or pyproject.toml changed.  The full install contains the
# lab's, so it sets both stamps: make lab after make test installs nothing.
STAMP     := $(VENV)/.stamp-full-$(shell cat requirements.lock requirements-lab.lock pyproject.toml | sha256sum | cut -c1-16)
LAB_STAMP := $(VENV)/.stamp-lab-$(shell cat requirements-lab.lock pyproject.toml | sha256sum | cut -c1-16)

# nbgrader's course directory (see nbgrader_config.py), the assignment, and the student version
COURSE     ?= build/course
ASSIGNMENT ?= sheet11
STUDENT    ?= build/student
# the notebooks that make release puts into the assignment (e.g. RELEASE_NOTEBOOKS="notebooks/0[12]*.ipynb")
RELEASE_NOTEBOOKS ?= notebooks/[0-9]*.ipynb
# make autograde SUBMISSIONS=folder: folder/STUDENT_ID/*.ipynb (or folder/STUDENT_ID/sheet11/*.ipynb)
SUBMISSIONS ?=
# nbgrader runs the `alembic` command of its environment: .venv/bin goes first on PATH
NBGRADER := PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/nbgrader
NBGRADER_ARGS := --CourseDirectory.root="$(abspath $(COURSE))"

.PHONY: setup setup-lab lab solutions instructor-lab check test unit-tests notebook-tests nbgrader-tests \
        numba-cache notebooks student \
        release autograde feedback bench data mnist lock clean

setup: $(STAMP)
setup-lab: $(LAB_STAMP)

# $(call install,LOCKFILE): the venv, the pinned packages, then the course's two packages (editable)
define install
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 needed, found " + sys.version)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(1)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
endef

$(STAMP): requirements.lock requirements-lab.lock pyproject.toml
	$(call install,requirements.lock)
	rm -f $(VENV)/.stamp-*
	touch $@ $(LAB_STAMP)

$(LAB_STAMP): requirements-lab.lock pyproject.toml
	$(call install,requirements-lab.lock)
	rm -f $(VENV)/.stamp-lab-*
	touch $@

# a function call, not `python -m nnlib.data` (which makes Python warn about nnlib.data in sys.modules)
mnist: setup-lab
	$(PY) tools/fetch_mnist.py

data/mcIsing.pkl.gz: | setup
	$(PY) -m isingmc generate --out $@

data: mnist data/mcIsing.pkl.gz

# .venv/bin first on PATH: nbgrader's formgrader runs `alembic`, and a terminal in JupyterLab finds the venv.
# notebook_shim (classic-notebook compatibility, not needed) would print a DeprecationWarning at every start.
JUPYTER_LAB = PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 \
    --ServerApp.port=$(LAB_PORT) --ServerApp.jpserver_extensions=notebook_shim=False $(ROOT_ARG)

# The student's lab: only what the notebooks need, in work/: the exercise versions, which a course update
# does not conflict with and no target overwrites once saved.  nbgrader's instructor tools stay off here
# (make instructor-lab).
STUDENT_LAB = JUPYTER_CONFIG_PATH="$(abspath tools/student-lab)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	$(JUPYTER_LAB) --ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False \
	    --ServerApp.jpserver_extensions=nbgrader.server_extensions.course_list=False $(LAB_ARGS)

lab: mnist
	$(PY) tools/work_copy.py notebooks "$(WORK)"
	$(STUDENT_LAB) --ServerApp.root_dir="$(LAB_ROOT)"

# Self-study: the solved notebooks with their outputs, read-only copies in solutions/ (never the copy you work in)
solutions: mnist
	$(PY) tools/work_copy.py --solutions notebooks "$(SOLUTIONS)"
	$(STUDENT_LAB) --ServerApp.root_dir="$(SOLUTIONS)"

# The instructor's lab: everything installed (nbgrader), on the repository root so that the formgrader
# reaches the course directory (build/course) of nbgrader_config.py.
instructor-lab: setup mnist
	$(JUPYTER_LAB) --ServerApp.root_dir=. $(LAB_ARGS)

# The inner loop for a change to the libraries: every unit test but the slow ones, the browser, the sandbox,
# the servers and nbgrader (make test runs those too)
check: data numba-cache
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) -m "not ($(SLOW_MARKERS))" tests

test: unit-tests notebook-tests nbgrader-tests

# make check's tests and the slow ones, in one run (the two workers share them best)
unit-tests: data numba-cache
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) -m "not nbgrader" tests

notebook-tests: data numba-cache
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env notebooks

# The tests marked nbgrader: the real nbgrader releases and grades the notebooks, a TLS Dask cluster grades,
# Chromium opens the formgrader.  Two pytest workers, one file each (their fixtures are per file, and much of
# it waits on servers and deadlines): 254 s on a fresh clone, with the grader's kernels compiled beforehand
# (GRADING_NUMBA_CACHE; 441 s when each course, test and Dask worker compiled its own).
nbgrader-tests: data numba-cache
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile -m nbgrader tests

# The kernels compiled once, before the tests start (a few seconds when nothing changed); older caches removed
numba-cache: setup
	@mkdir -p "$(NUMBA_CACHE)"
	find "$(VENV)/numba-cache" -mindepth 1 -maxdepth 1 ! -name "$(notdir $(NUMBA_CACHE))*" -exec rm -rf {} +
	$(TEST_ENV) $(PY) tools/warm_numba.py

# Every notebook as a student runs it (both cores for numba), with the compiled kernels of the cache
notebooks: data numba-cache
	$(BLAS_1) $(NUMBA_ENV) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/[0-9]*.ipynb
	$(PY) tools/strip_widget_state.py notebooks/[0-9]*.ipynb

# The student version, made by nbgrader itself: solutions stubbed, hidden tests and outputs removed.
release: setup
	rm -rf "$(COURSE)/source/$(ASSIGNMENT)" "$(COURSE)/release/$(ASSIGNMENT)"
	mkdir -p "$(COURSE)/source/$(ASSIGNMENT)"
	cp $(RELEASE_NOTEBOOKS) notebooks/network.py "$(COURSE)/source/$(ASSIGNMENT)/"
	$(NBGRADER) generate_assignment $(ASSIGNMENT) --force $(NBGRADER_ARGS)
	@echo "released: $(COURSE)/release/$(ASSIGNMENT)/"

# An instructor's look at the release in STUDENT (build/student), by work_copy's rule: a file saved there since
# is kept, nothing is deleted.  (Students get the same exercise versions from make lab.)
student: release
	$(PY) tools/work_copy.py --as-is "$(COURSE)/release/$(ASSIGNMENT)" "$(STUDENT)"

# Grade the new or changed submissions in $(COURSE)/submitted (after SUBMISSIONS, if given, is imported):
# every solution cell runs in a bubblewrap sandbox, JOBS at a time (or on the Dask cluster at SCHEDULER),
# and is scored outside it; then the scores go to nbgrader's gradebook, feedback to $(COURSE)/feedback and
# $(COURSE)/grades.csv.  FORCE=1 grades everyone again.  See grading/ and the README, "For instructors".
SCHEDULER ?=
# TLS_DIR: the folder of `python -m grading certificates` (ca.pem, client.pem, client.key) for SCHEDULER=tls://...
TLS_DIR ?=
FORCE ?=
autograde: data
	test -d "$(COURSE)/release/$(ASSIGNMENT)" || $(MAKE) release COURSE="$(COURSE)"
	PATH="$(abspath $(VENV))/bin:$$PATH" $(TEST_ENV) $(PY) -m grading autograde --course "$(COURSE)" \
	    --assignment $(ASSIGNMENT) --jobs $(JOBS) $(if $(SUBMISSIONS),--submissions "$(SUBMISSIONS)") \
	    $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(TLS_DIR),--tls-dir "$(TLS_DIR)") $(if $(FORCE),--force)

# HTML feedback and grades.csv from the gradebook (again after manual grading in the formgrader)
feedback: setup
	$(NBGRADER) generate_feedback $(ASSIGNMENT) --force $(NBGRADER_ARGS)
	$(NBGRADER) export --to="$(abspath $(COURSE))/grades.csv" $(NBGRADER_ARGS)
	@echo "scores: $(COURSE)/grades.csv   feedback: $(COURSE)/feedback/"

bench: data
	@for script in benchmarks/*.py; do echo "== $$script"; $(TEST_ENV) $(PY) $$script || exit 1; done

# Re-pin every package after a change to pyproject.toml (needs the package index); requirements-lab.lock is
# the part of it that make lab installs (tools/lab_lock.py).
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet --disable-pip-version-check ".[dev,notebooks]"
	{ sed -n '1,3p' requirements.lock; build/lockenv/bin/pip freeze --exclude nn-physics-course; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	build/lockenv/bin/python tools/lab_lock.py

# Only what a run makes again; nothing of anyone's work
clean:
	rm -rf build/lockenv .pytest_cache
	find nnlib isingmc grading tests tools -name __pycache__ -type d -prune -exec rm -rf {} +
	@echo "kept: $(WORK)/ and $(SOLUTIONS)/ (your notebooks), $(COURSE)/ (submissions, gradebook), $(STUDENT)/, .venv/, data/"
