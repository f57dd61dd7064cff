"""random_symmetry: every image of a configuration has the same energy and |m|, and they differ."""

import numpy as np
import pytest

from isingmc import energy_per_site, magnetization_per_site
from isingmc.symmetry import random_symmetry


def random_spins(n=200, L=6, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, L, L))


def brute_force_orbit(s):
    """All 16 L^2 images of one lattice, enumerated directly (the reference)."""
    L = s.shape[0]
    images = set()
    for dy in range(L):
        for dx in range(L):
            t = np.roll(s, (-dy, -dx), axis=(0, 1))
            for u in (t, t.T):
                for k in range(4):
                    for sign in (1, -1):
                        images.add((sign * np.rot90(u, k)).tobytes())
    return images


def test_energy_and_abs_m_are_invariant():
    spins = random_spins()
    out = random_symmetry(spins, seed=1)
    np.testing.assert_array_equal(energy_per_site(out), energy_per_site(spins))
    np.testing.assert_array_equal(np.abs(magnetization_per_site(out)), np.abs(magnetization_per_site(spins)))
    assert (out != spins).any(axis=(1, 2)).mean() > 0.9          # almost every configuration moved


def test_images_lie_in_the_symmetry_orbit_and_fill_it():
    s = random_spins(1, L=4, seed=3)[0]
    orbit = brute_force_orbit(s)
    batch = np.repeat(s[None], 3000, axis=0)
    images = {img.tobytes() for img in random_symmetry(batch, seed=2)}
    assert images <= orbit
    assert len(images) == len(orbit)                              # every symmetry is reachable


def test_flat_float_batches_keep_shape_and_dtype():
    spins = random_spins(50, L=5).reshape(50, 25).astype(np.float32)
    out = random_symmetry(spins, np.random.default_rng(0))
    assert out.shape == (50, 25) and out.dtype == np.float32
    np.testing.assert_array_equal(energy_per_site(out.reshape(50, 5, 5)), energy_per_site(spins.reshape(50, 5, 5)))


def test_seeded_and_reproducible():
    spins = random_spins()
    np.testing.assert_array_equal(random_symmetry(spins, seed=7), random_symmetry(spins, seed=7))
    assert not np.array_equal(random_symmetry(spins, seed=7), random_symmetry(spins, seed=8))


@pytest.mark.parametrize("bad, error", [
    (np.ones((3, 10)), ValueError),            # 10 is not a square number
    (np.ones(9), ValueError),                  # not a batch
    (np.full((2, 3, 3), 2), ValueError),       # not +-1
])
def test_bad_input(bad, error):
    with pytest.raises(error):
        random_symmetry(bad, seed=0)


def test_rng_type_checked():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        random_symmetry(random_spins(), rng=42)
