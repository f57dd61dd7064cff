"""Energy and magnetisation per site of one lattice (L, L) or a batch (n, L, L).

J = k_B = 1, periodic boundaries, E = -sum_i s_i (s_right(i) + s_down(i)) (each bond once).
Spins may be stored in any integer or floating dtype (the data set uses int8, a network sees
float32) but must be exactly +-1; anything else is refused rather than silently producing a
number that is not an Ising energy.
"""

import numpy as np

__all__ = ["energy_per_site", "magnetization_per_site", "check_spins"]


def check_spins(spins, name="spins"):
    """Validate a lattice or batch of lattices; returns it as an ndarray (no copy if possible).

    Accepted: shape (L, L) or (n, L, L) with L >= 2, integer or floating dtype, every value +-1.
    """
    if not isinstance(spins, np.ndarray):
        if isinstance(spins, (list, tuple)):
            spins = np.asarray(spins)
        else:
            raise TypeError(f"{name} must be a numpy array of +-1 spins, got {type(spins).__name__}")
    if spins.dtype == np.bool_ or not (np.issubdtype(spins.dtype, np.integer)
                                       or np.issubdtype(spins.dtype, np.floating)):
        raise TypeError(f"{name} must have an integer or float dtype (int8 preferred), got {spins.dtype}")
    if spins.ndim not in (2, 3) or spins.shape[-1] != spins.shape[-2]:
        raise ValueError(f"{name} must have shape (L, L) or (n, L, L) (square lattices), "
                         f"got shape {spins.shape}")
    if spins.shape[-1] < 2:
        raise ValueError(f"{name}: lattice size L must be >= 2, got shape {spins.shape}")
    if spins.size and not np.all(np.abs(spins) == 1):
        raise ValueError(f"{name} must contain only the values +1 and -1")
    return spins


def energy_per_site(spins):
    """E / N of each lattice: a float for shape (L, L), an array (n,) for a batch (n, L, L)."""
    s = check_spins(spins).astype(np.int32, copy=False)
    bonds = s * (np.roll(s, -1, axis=-1) + np.roll(s, -1, axis=-2))
    e = -bonds.sum(axis=(-2, -1), dtype=np.int64) / (s.shape[-1] * s.shape[-2])
    return float(e) if s.ndim == 2 else e


def magnetization_per_site(spins):
    """M / N (signed) of each lattice: a float for (L, L), an array (n,) for (n, L, L)."""
    s = check_spins(spins)
    m = s.sum(axis=(-2, -1), dtype=np.int64) / (s.shape[-1] * s.shape[-2])
    return float(m) if s.ndim == 2 else m
