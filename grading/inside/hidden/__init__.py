"""Stands, in a sandbox, for a library folder that holds the answer of the exercise being graded (e.g.
nnlib/transition in notebook 07's sandboxes: phases.train_phase_network, scaling.fit_finite_size,
pca.fit_pca, ...).  grading/sandbox.py binds this folder over the real one, so the library's code is not
in the sandbox at all; importing still works, and using anything of it raises LibrarySolutionUsed naming
what was used, which the grader turns into zero points for that exercise with that name in the message."""

import importlib.abc
import importlib.machinery
import sys
import types


class LibrarySolutionUsed(Exception):
    """A solution used the library's own answer instead of its own code."""


class _Hidden(types.ModuleType):
    """A module of the hidden folder: every attribute is refused with its full name."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise LibrarySolutionUsed(
            f"your code used {self.__name__}.{name}, the library's own answer to this exercise, which is not "
            "available while it is graded: the exercise is to write it yourself")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``import <this package>.<anything>`` give a hidden module."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(__name__ + "."):
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return _Hidden(spec.name)

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _Finder())


def __getattr__(name):
    """``from <this package> import pca`` gives the hidden module ``<this package>.pca``."""
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    import importlib

    return importlib.import_module(f"{__name__}.{name}")
