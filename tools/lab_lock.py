"""Write requirements-lab.lock: the part of requirements.lock that `make lab` installs.

The student's lab needs the packages' runtime dependencies and the ``notebooks`` extra of pyproject.toml
(JupyterLab, Voila), with everything they pull in, and nothing of the ``dev`` extra (pytest, nbval,
playwright, jax, distributed).  This script takes that closure over the metadata of the
packages installed in the running interpreter's environment (one made from requirements.lock: `make lock`
runs it in build/lockenv, tests/test_environment.py in .venv) and keeps the pins of requirements.lock, so
the two lock files can never disagree on a version.

    python tools/lab_lock.py [--check]      (--check: exit 1 if requirements-lab.lock is not up to date)
"""

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
FULL_LOCK = ROOT / "requirements.lock"
LAB_LOCK = ROOT / "requirements-lab.lock"
LAB_EXTRAS = ("notebooks",)
HEADER = """\
# The packages `make lab` installs: the runtime dependencies and the `notebooks` extra of pyproject.toml with
# everything they need, at the versions of requirements.lock (no dev tools: tests, jax, playwright, distributed).
# Made from requirements.lock by 'make lock' (tools/lab_lock.py); tests/test_environment.py checks it.
"""


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path=FULL_LOCK):
    """{canonical name: (name as written, version)} of a lock file."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonical(name)] = (name, version)
    return pins


def roots():
    """The requirements `make lab` starts from: dependencies + the lab extras of pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in LAB_EXTRAS:
        specs += project["optional-dependencies"][extra]
    return [Requirement(spec) for spec in specs]


def applies(req, extras):
    if req.marker is None:
        return True
    return any(req.marker.evaluate({"extra": extra}) for extra in (extras or {""}))


def closure(start):
    """Canonical names of the distributions needed by the requirements `start`, with their extras."""
    needed, todo = {}, [(req, {""}) for req in start]
    while todo:
        req, context = todo.pop()
        if not applies(req, context):
            continue
        name = canonical(req.name)
        extras = set(req.extras)
        if name in needed and extras <= needed[name]:
            continue
        needed.setdefault(name, set()).update(extras)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"error: {req.name} is not installed in {sys.prefix}; run this in an environment "
                     f"made from requirements.lock")
        for dep in dist.requires or []:
            todo.append((Requirement(dep), needed[name] | {""}))
    return set(needed)


# what every virtualenv brings and `pip freeze` (make lock) leaves out of requirements.lock (nbgrader
# names setuptools among its requirements)
BOOTSTRAP = {"pip", "setuptools"}


def lab_lock_text():
    pins = read_lock()
    names = closure(roots()) - BOOTSTRAP
    missing = sorted(names - set(pins))
    if missing:
        sys.exit(f"error: requirements.lock lacks {missing}, which the lab needs; run 'make lock'")
    return HEADER + "".join(f"{pins[n][0]}=={pins[n][1]}\n" for n in sorted(names))


def main(argv):
    text = lab_lock_text()
    if "--check" in argv:
        if not LAB_LOCK.exists() or LAB_LOCK.read_text() != text:
            sys.exit("requirements-lab.lock is out of date: run 'python tools/lab_lock.py' (or 'make lock')")
        return
    tmp = LAB_LOCK.with_suffix(".lock.new")
    tmp.write_text(text)
    tmp.replace(LAB_LOCK)
    print(f"{LAB_LOCK.name}: {text.count('==')} of {len(read_lock())} packages")


if __name__ == "__main__":
    main(sys.argv[1:])
