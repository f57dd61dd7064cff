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
