"""Observables against explicit loops and known configurations; bad spin arrays are refused."""

import numpy as np
import pytest

import isingmc


def loop_energy(s):
    L = s.shape[0]
    return -sum(int(s[i, j]) * (int(s[i, (j + 1) % L]) + int(s[(i + 1) % L, j]))
                for i in range(L) for j in range(L)) / L**2


def test_known_configurations():
    up = np.ones((6, 6), np.int8)
    assert isingmc.energy_per_site(up) == -2.0
    assert isingmc.energy_per_site(-up) == -2.0
    assert isingmc.magnetization_per_site(up) == 1.0
    assert isingmc.magnetization_per_site(-up) == -1.0
    i, j = np.indices((6, 6))
    neel = np.where((i + j) % 2 == 0, 1, -1).astype(np.int8)
    assert isingmc.energy_per_site(neel) == 2.0
    assert isingmc.magnetization_per_site(neel) == 0.0
    stripes = np.where(i < 3, 1, -1).astype(np.int8)  # two domain walls of 6 bonds each
    assert isingmc.energy_per_site(stripes) == pytest.approx((-72 + 2 * 12) / 36)


@pytest.mark.parametrize("L", [2, 3, 5, 8])
def test_random_lattices_match_loop(L):
    rng = np.random.default_rng(L)
    batch = rng.choice(np.array([-1, 1], np.int8), size=(7, L, L))
    e = isingmc.energy_per_site(batch)
    m = isingmc.magnetization_per_site(batch)
    assert e.shape == m.shape == (7,)
    for k in range(7):
        assert e[k] == loop_energy(batch[k])
        assert m[k] == batch[k].sum() / L**2
        assert isingmc.energy_per_site(batch[k]) == e[k]


def test_float_and_wide_integer_spins_accepted():
    rng = np.random.default_rng(0)
    s = rng.choice(np.array([-1, 1], np.int8), size=(4, 4))
    for dtype in (np.float32, np.float64, np.int64):
        assert isingmc.energy_per_site(s.astype(dtype)) == isingmc.energy_per_site(s)


@pytest.mark.parametrize("bad", [np.ones((4, 4), bool), np.ones((4, 4), complex),
                                 np.array([[1, -1], [1, -1]], dtype=object), np.full((2, 2), "1")])
def test_wrong_dtype(bad):
    with pytest.raises(TypeError, match="spins must have an integer or float dtype"):
        isingmc.energy_per_site(bad)
    with pytest.raises(TypeError, match="spins"):
        isingmc.magnetization_per_site(bad)


@pytest.mark.parametrize("shape", [(16,), (4, 5), (2, 3, 4), (1, 2, 2, 2), ()])
def test_wrong_shape(shape):
    with pytest.raises(ValueError, match=r"shape \(L, L\) or \(n, L, L\)"):
        isingmc.energy_per_site(np.ones(shape, np.int8))


def test_too_small_and_wrong_values():
    with pytest.raises(ValueError, match="L must be >= 2"):
        isingmc.energy_per_site(np.ones((1, 1), np.int8))
    with pytest.raises(ValueError, match=r"\+1 and -1"):
        isingmc.energy_per_site(np.zeros((4, 4), np.int8))
    with pytest.raises(ValueError, match=r"\+1 and -1"):
        isingmc.magnetization_per_site(np.full((4, 4), 0.5))
    with pytest.raises(TypeError, match="numpy array"):
        isingmc.energy_per_site(3)
