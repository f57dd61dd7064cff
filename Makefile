# The course in two commands:  make lab  (work)   make test  (check everything)
# Everything runs inside .venv, created from the pinned requirements.lock.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
JOBS     ?= 2
LAB_PORT ?= 8888
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told (containers, CI)
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root)
# One BLAS thread per process for tests and notebooks: pytest -n 2 already keeps both cores busy, and
# BLAS threads waiting for a busy core stall each other (an epoch measured 7x slower on 2 cores).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# setup re-runs only when the lock file or pyproject.toml changed
STAMP    := $(VENV)/.stamp-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)

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

.PHONY: setup lab test unit-tests notebook-tests nbgrader-tests notebooks student release autograde feedback \
        bench data mnist lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 needed, found " + sys.version)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.stamp-*
	touch $@

mnist: setup
	$(PY) -m nnlib.data

data/mcIsing.pkl.gz: | setup
	$(PY) -m isingmc generate --out $@

data: mnist data/mcIsing.pkl.gz

# .venv/bin first on PATH: nbgrader's formgrader runs `alembic`, and a terminal in JupyterLab finds the venv
lab: mnist
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	    --ServerApp.root_dir=notebooks $(ROOT_ARG) $(LAB_ARGS)

test: unit-tests notebook-tests nbgrader-tests

unit-tests: data
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) -m "not nbgrader" tests

notebook-tests: data
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env notebooks

# The real nbgrader releases and grades the notebooks; one pytest process, which runs two graders at a time.
nbgrader-tests: data
	$(TEST_ENV) $(PY) -m pytest -m nbgrader tests/test_nbgrader.py tests/test_student.py

notebooks: data
	$(TEST_ENV) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/[0-9]*.ipynb
	$(PY) tools/strip_widget_state.py notebooks/[0-9]*.ipynb

# The student version, made by nbgrader itself: solutions stubbed, hidden tests and outputs removed.
release: setup
	rm -rf "$(COURSE)/source/$(ASSIGNMENT)" "$(COURSE)/release/$(ASSIGNMENT)"
	mkdir -p "$(COURSE)/source/$(ASSIGNMENT)"
	cp $(RELEASE_NOTEBOOKS) "$(COURSE)/source/$(ASSIGNMENT)/"
	$(NBGRADER) generate_assignment $(ASSIGNMENT) --force $(NBGRADER_ARGS)
	@echo "released: $(COURSE)/release/$(ASSIGNMENT)/"

student: release
	rm -rf "$(STUDENT)" && mkdir -p "$(dir $(STUDENT))" && cp -r "$(COURSE)/release/$(ASSIGNMENT)" "$(STUDENT)"
	@echo "student version: $(STUDENT)/"

# Grade every submission in $(COURSE)/submitted (after SUBMISSIONS, if given, is copied there), then
# write HTML feedback to $(COURSE)/feedback and the scores to $(COURSE)/grades.csv (make feedback).
autograde: data
	test -d "$(COURSE)/release/$(ASSIGNMENT)" || $(MAKE) release COURSE="$(COURSE)"
	@if [ -n "$(SUBMISSIONS)" ]; then \
	    found=0; for dir in "$(SUBMISSIONS)"/*/; do \
	        [ -d "$$dir" ] || continue; student=$$(basename "$$dir"); from="$$dir"; \
	        if [ -d "$${dir}$(ASSIGNMENT)" ]; then from="$${dir}$(ASSIGNMENT)"; fi; \
	        mkdir -p "$(COURSE)/submitted/$$student/$(ASSIGNMENT)"; \
	        cp "$$from"/*.ipynb "$(COURSE)/submitted/$$student/$(ASSIGNMENT)/" || exit 1; \
	        echo "submission of $$student: $$from"; found=1; \
	    done; \
	    if [ $$found = 0 ]; then echo "error: no student folders in SUBMISSIONS=$(SUBMISSIONS)" >&2; exit 1; fi; \
	fi
	$(TEST_ENV) $(NBGRADER) autograde $(ASSIGNMENT) --force $(NBGRADER_ARGS)
	$(MAKE) feedback COURSE="$(COURSE)"

# HTML feedback and grades.csv from the gradebook (again after manual grading in the formgrader)
feedback: setup
	$(NBGRADER) generate_feedback $(ASSIGNMENT) --force $(NBGRADER_ARGS)
	$(NBGRADER) export --to="$(abspath $(COURSE))/grades.csv" $(NBGRADER_ARGS)
	@echo "scores: $(COURSE)/grades.csv   feedback: $(COURSE)/feedback/"

bench: data
	@for script in benchmarks/*.py; do echo "== $$script"; $(TEST_ENV) $(PY) $$script || exit 1; done

# Re-pin every package after a change to pyproject.toml (needs the package index).
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet --disable-pip-version-check ".[dev,notebooks]"
	{ sed -n '1,3p' requirements.lock; build/lockenv/bin/pip freeze --exclude nn-physics-course; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf build .pytest_cache
