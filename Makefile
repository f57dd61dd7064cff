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

.PHONY: setup lab test unit-tests notebook-tests notebooks student bench data mnist lock clean

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

lab: mnist
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	    --ServerApp.root_dir=notebooks $(ROOT_ARG) $(LAB_ARGS)

test: unit-tests notebook-tests

unit-tests: data
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) tests

notebook-tests: data
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env notebooks

notebooks: data
	$(TEST_ENV) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/[0-9]*.ipynb
	$(PY) tools/make_nb07.py --fill        # notebook 07's summary quotes the numbers of its run

student: setup
	$(PY) tools/make_student.py notebooks build/student

bench: data
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Re-pin every package after a change to pyproject.toml (needs the package index).
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet --disable-pip-version-check ".[dev,notebooks]"
	{ sed -n '1,3p' requirements.lock; build/lockenv/bin/pip freeze --exclude nn-physics-course; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf build .pytest_cache
