"""isingmc: Monte Carlo of the 2D Ising model (J = k_B = 1, periodic L x L lattice, spins int8 +-1)."""
__version__ = "0.1.0"
