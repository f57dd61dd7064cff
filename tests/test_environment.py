"""The three descriptions of the environment (pyproject, lock file, environment.yml) must agree."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        specs += group
    return {canonical(re.split(r"[<>=!~;\[ ]", spec)[0]) for spec in specs}


def lock_versions():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, f"requirements.lock: {line!r} is not pinned with =="
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


def conda_packages():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    pkgs = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, _, version = dep.partition("=")
            pkgs[canonical(name)] = version
    return {k: v for k, v in pkgs.items() if k not in ("python", "pip")}


def test_environment_yml_names_the_pyproject_packages():
    assert set(conda_packages()) == pyproject_packages()


def test_lock_pins_every_pyproject_package():
    missing = pyproject_packages() - set(lock_versions())
    assert not missing, f"requirements.lock lacks {sorted(missing)}"


def test_conda_versions_match_the_lock():
    pins = lock_versions()
    for name, version in conda_packages().items():
        assert pins[name] == version or pins[name].startswith(version + "."), (name, version, pins[name])


# requirements-lab.lock: what `make lab` installs (the runtime and the notebooks extra, not the dev extra)
DEV_ONLY = {"pytest", "pytest-xdist", "nbval", "playwright", "jax", "jaxlib", "distributed", "dask"}


def lab_lock_versions():
    pins = {}
    for line in (ROOT / "requirements-lab.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, f"requirements-lab.lock: {line!r} is not pinned with =="
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


def test_lab_lock_is_a_subset_of_the_lock_at_the_same_versions():
    full, lab = lock_versions(), lab_lock_versions()
    assert set(lab) < set(full), sorted(set(lab) - set(full))
    assert {name: v for name, v in lab.items() if full[name] != v} == {}


def test_lab_lock_has_the_notebooks_needs_and_no_dev_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {canonical(re.split(r"[<>=!~;\[ ]", spec)[0])
              for spec in project["dependencies"] + project["optional-dependencies"]["notebooks"]}
    lab = set(lab_lock_versions())
    assert wanted <= lab, sorted(wanted - lab)
    assert not lab & DEV_ONLY, sorted(lab & DEV_ONLY)
    dev = {canonical(re.split(r"[<>=!~;\[ ]", spec)[0]) for spec in project["optional-dependencies"]["dev"]}
    assert not lab & dev, sorted(lab & dev)


def test_lab_lock_is_the_closure_made_by_make_lock():
    """tools/lab_lock.py (run by make lock) gives exactly the file: nothing missing that the lab imports,
    nothing extra; computed from the installed packages' metadata, which .venv has at the lock's versions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lab_lock", ROOT / "tools" / "lab_lock.py")
    lab_lock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab_lock)
    assert lab_lock.lab_lock_text() == (ROOT / "requirements-lab.lock").read_text(), \
        "requirements-lab.lock is out of date: run 'python tools/lab_lock.py' (or 'make lock')"
