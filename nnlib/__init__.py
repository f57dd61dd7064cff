"""nnlib: a small numpy neural network library for the course (M. Nielsen's ``network.py`` API)."""
