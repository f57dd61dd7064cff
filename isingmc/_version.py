"""The version of isingmc, recorded in every data set's sidecar (its own module, so that isingmc.dataset
needs nothing from the package that imports it)."""

__version__ = "0.1.0"
