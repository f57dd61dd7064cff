"""isingmc.phase_data: the temperature grid and the labelled snapshots of the phase-transition study."""

import math

import numpy as np
import pytest

import isingmc
from isingmc.exact import T_C


def test_phase_data_uses_onsagers_T_C():
    assert isingmc.PhaseData.__dataclass_fields__["T_c"].default == T_C
    # Kramers-Wannier self-duality: sinh(2/T_C) = 1
    assert math.sinh(2.0 / T_C) == pytest.approx(1.0, rel=1e-14)


def test_temperature_grid_is_dense_near_T_C():
    T = isingmc.temperature_grid(40, 1.0, 3.5)
    assert T.shape == (40,)
    assert T[0] == 1.0 and T[-1] == 3.5
    assert np.all(np.diff(T) > 0)
    gaps = np.diff(T)
    near = gaps[np.argmin(np.abs(0.5 * (T[1:] + T[:-1]) - T_C))]
    assert near < 0.05 < 2 * near < gaps[0] and 2 * near < gaps[-1]
    assert np.mean(np.abs(T - T_C) < 0.3) > 0.35    # a uniform grid: 0.6 / 2.5 = 24 %
    # the sinh map: T = center + width sinh(u) with u uniform
    u = np.arcsinh((T - T_C) / 0.3)
    np.testing.assert_allclose(np.diff(u), np.diff(u)[0], rtol=1e-9)
    other = isingmc.temperature_grid(9, 1.0, 3.0, center=2.0, width=0.1)
    assert other[4] == pytest.approx(2.0, abs=0.05) and np.argmin(np.diff(other)) in (3, 4)


@pytest.mark.parametrize("kwargs, err", [
    (dict(n=1), ValueError), (dict(n=2.5), TypeError), (dict(T_min=3.0, T_max=2.0), ValueError),
    (dict(T_min=-1.0), ValueError), (dict(width=0.0), ValueError),
    (dict(center=float("nan")), ValueError), (dict(center="two"), TypeError),
])
def test_temperature_grid_bad_input(kwargs, err):
    with pytest.raises(err):
        isingmc.temperature_grid(**kwargs)


def test_phase_labels():
    labels = isingmc.phase_labels([1.0, 2.2, 2.3, 3.0])
    assert labels.tolist() == [isingmc.ORDERED, isingmc.ORDERED, isingmc.DISORDERED,
                               isingmc.DISORDERED] == [0, 0, 1, 1]
    assert isingmc.phase_labels([1.0, 2.0], T_c=1.5).tolist() == [0, 1]
    with pytest.raises(ValueError, match="T_c"):
        isingmc.phase_labels([1.0, T_C])
    with pytest.raises(ValueError, match="finite"):
        isingmc.phase_labels([1.0, float("nan")])


def test_labelled_snapshots_shapes_labels_and_seeds():
    grid = [1.5, 2.0, 3.0]
    a = isingmc.labelled_snapshots(6, grid, 5, seed=1, sweeps_between=2, n_equilibration=20)
    assert a.spins.shape == (15, 6, 6) and a.spins.dtype == np.int8 and a.L == 6 and len(a) == 15
    assert a.temperatures.tolist() == [1.5] * 5 + [2.0] * 5 + [3.0] * 5
    assert a.labels.tolist() == [0] * 10 + [1] * 5
    assert a.T_c == T_C and a.grid.tolist() == grid
    assert a.X.shape == (15, 36) and a.X.dtype == np.float32
    np.testing.assert_array_equal(a.X, a.spins.reshape(15, 36))
    assert set(np.unique(a.spins)) <= {-1, 1}
    assert len(a.info) == 3 and a.info[0]["sweeps_between"] == 2 and a.info[2]["T"] == 3.0
    b = isingmc.labelled_snapshots(6, grid, 5, seed=1, sweeps_between=[2, 2, 2], n_equilibration=20,
                                   n_jobs=2)
    np.testing.assert_array_equal(a.spins, b.spins)         # reproducible, independent of n_jobs
    c = isingmc.labelled_snapshots(6, grid, 5, seed=2, sweeps_between=2, n_equilibration=20)
    assert not np.array_equal(a.spins[10:], c.spins[10:])  # another seed: other chains
    d = isingmc.labelled_snapshots(6, grid, 5, seed=1, T_c=2.5, sweeps_between=2, n_equilibration=20)
    assert d.labels.tolist() == [0] * 10 + [1] * 5 and d.T_c == 2.5
    e = isingmc.labelled_snapshots(6, grid, 5, seed=1, T_c=1.8, sweeps_between=2, n_equilibration=20)
    assert e.labels.tolist() == [0] * 5 + [1] * 10


def test_labelled_snapshots_are_equilibrium_samples():
    # physics: the energy per site of each temperature's chain against Kaufman's exact finite lattice
    L, grid, n = 8, [1.8, 2.4, 3.2], 300
    data = isingmc.labelled_snapshots(L, grid, n, seed=3, sweeps_between=3, n_equilibration=50)
    e = isingmc.energy_per_site(data.spins).reshape(len(grid), n)
    exact = isingmc.exact.energy_per_site(np.array(grid), L=L)
    err = e.std(axis=1, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(e.mean(axis=1) - exact) < 5 * err + 1e-3)
    # ordered at low T, nearly disordered at high T
    m = np.abs(isingmc.magnetization_per_site(data.spins)).reshape(len(grid), n).mean(axis=1)
    assert m[0] > 0.9 and m[2] < 0.5


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(temperatures=[2.0, T_C]), ValueError, "T_c"),
    (dict(temperatures=[2.0, 1.0]), ValueError, "increasing"),
    (dict(temperatures=[-1.0, 1.0]), ValueError, "temperatures"),
    (dict(temperatures="hot"), TypeError, "temperatures"),
    (dict(seed=None), ValueError, "seed"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(n_per_T=0), ValueError, "n_per_T"),
    (dict(sweeps_between=[1]), ValueError, "one value per temperature"),
    (dict(sweeps_between="3"), TypeError, "sweeps_between"),
    (dict(L=1), ValueError, "L"),
    (dict(n_jobs=0), ValueError, "n_jobs"),
])
def test_labelled_snapshots_bad_input(kwargs, err, match):
    args = dict(L=4, temperatures=[1.5, 3.0], n_per_T=2, seed=0)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        isingmc.labelled_snapshots(**args)
