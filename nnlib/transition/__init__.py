"""The phase analysis of notebook 07, on plain arrays (it knows nothing about the Ising model).

- ``phases``: labels, the network per lattice size, threshold fits;
- ``crossing``: where curves cross, with errors;
- ``scaling``: finite-size fits and data collapses;
- ``pca`` (principal components, Binder ratios) and ``confusion`` (learning by confusion);
- ``tables``: aligned text tables.
"""
