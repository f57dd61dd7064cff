"""The phase analysis of notebooks 07 and 08, on plain arrays (it knows nothing about the Ising model).

- ``phases``: labels, the network per lattice size, threshold fits;
- ``crossing``: where curves cross, with errors;
- ``scaling``: finite-size fits and data collapses;
- ``pca`` (principal components, Binder ratios) and ``confusion`` (learning by confusion);
- ``tables``: aligned text tables;
- ``exponents`` (collapse quality over (T_c, nu), peak and power-law fits with errors), ``reweighting``
  (multiple-histogram reweighting) and ``exponent_study`` (nu, gamma/nu and T_c of a network's output and
  of the magnetisation): the critical exponents of notebook 08.
"""
