"""Monte Carlo against exact results: the full Boltzmann distribution of E at L = 3, 4 (enumeration)
and Kaufman's exact energy at L = 16; symmetry, reproducibility and bad input."""

import math

import numpy as np
import pytest

import isingmc
from isingmc import _kernels, exact
from isingmc.simulate import Chain, plan_chain

ALGORITHMS = ("metropolis", "wolff", "swendsen-wang")


def chi2_per_dof(energies_total, L, T):
    """Pearson chi-square of the energy histogram against g(E) exp(-E/T) / Z (bins with >= 5 expected)."""
    levels, p = exact.boltzmann_energy_distribution(L, T)
    observed = np.array([(energies_total == e).sum() for e in levels.astype(int)])
    assert observed.sum() == energies_total.size      # every sample has an allowed energy
    expected = p * energies_total.size
    keep = expected >= 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    return chi2 / (keep.sum() - 1)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [2.0, 3.0])
def test_energy_histogram_L4_matches_boltzmann(algorithm, T):
    spins = isingmc.simulate(4, T, 20_000, algorithm=algorithm, seed=11)
    e = np.rint(isingmc.energy_per_site(spins) * 16).astype(int)
    assert chi2_per_dof(e, 4, T) < 3.0


@pytest.mark.parametrize("algorithm", ["wolff", "swendsen-wang"])
def test_energy_histogram_odd_L3(algorithm):
    spins = isingmc.simulate(3, 2.5, 20_000, algorithm=algorithm, seed=12)
    e = np.rint(isingmc.energy_per_site(spins) * 9).astype(int)
    assert chi2_per_dof(e, 3, 2.5) < 3.0


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [2.1, exact.T_C, 2.5])
def test_mean_energy_L16_matches_kaufman(algorithm, T):
    spins = isingmc.simulate(16, T, 10_000, algorithm=algorithm, seed=21)
    e = isingmc.energy_per_site(spins)
    batches = e.reshape(40, -1).mean(axis=1)
    stderr = batches.std(ddof=1) / math.sqrt(batches.size)
    assert abs(e.mean() - exact.energy_per_site(T, L=16)) < 4 * stderr


def lag1(x):
    d = x - x.mean()
    return (d[1:] * d[:-1]).mean() / (d * d).mean()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_successive_snapshots_nearly_independent_at_tc(algorithm):
    # sweeps_between = 2 tau_int: the correlation left between successive snapshots is about
    # exp(-2) ~ 0.14; spacing by one step (Metropolis: rho(1) ~ 0.94 for |m|) would fail this.
    spins = isingmc.simulate(16, exact.T_C, 3000, algorithm=algorithm, seed=41)
    assert lag1(np.abs(isingmc.magnetization_per_site(spins))) < 0.3
    assert lag1(isingmc.energy_per_site(spins)) < 0.3


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_both_ordered_states_equally_often(algorithm):
    n = 2000
    spins = isingmc.simulate(16, 1.5, n, algorithm=algorithm, seed=31)
    m = isingmc.magnetization_per_site(spins)
    assert np.all(np.abs(m) > 0.5)           # ordered at T = 1.5 ...
    k = int((m > 0).sum())                   # ... and in both states: k ~ Binomial(n, 1/2)
    assert abs(k - n / 2) < 4 * math.sqrt(n / 4)


def test_output_format_and_reproducibility():
    a = isingmc.simulate(8, 2.5, 50, algorithm="wolff", seed=5)
    assert a.shape == (50, 8, 8) and a.dtype == np.int8 and a.flags.c_contiguous
    assert set(np.unique(a)) <= {-1, 1}
    assert np.array_equal(a, isingmc.simulate(8, 2.5, 50, algorithm="wolff", seed=5))
    assert not np.array_equal(a, isingmc.simulate(8, 2.5, 50, algorithm="wolff", seed=6))
    b, info = isingmc.simulate(8, 2.5, 50, algorithm="wolff", seed=5, return_info=True)
    assert np.array_equal(a, b)
    assert info["sweeps_between"] >= 2 * max(info["tau_abs_m"], info["tau_energy"])


def test_explicit_spacing_skips_pilot():
    spins, info = isingmc.simulate(8, 3.0, 10, algorithm="metropolis", sweeps_between=3, n_equilibration=7,
                                   seed=1, return_info=True)
    assert spins.shape == (10, 8, 8)
    assert info["sweeps_between"] == 3 and info["n_equilibration"] == 7 and info["pilot_steps"] == 0


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_chain_in_pieces_equals_chain_in_one_piece(algorithm):
    ss = np.random.SeedSequence(3)
    one = Chain(8, 2.3, algorithm, ss, clusters_per_step=2)
    two = Chain(8, 2.3, algorithm, ss, clusters_per_step=2)
    a, ea, _ = one.run(10, 3, store=True, global_flip=True)
    b1, eb1, _ = two.run(4, 3, store=True, global_flip=True)
    b2, eb2, _ = two.run(6, 3, store=True, global_flip=True)
    assert np.array_equal(a, np.concatenate([b1, b2]))
    assert np.array_equal(ea, isingmc.energy_per_site(a))   # kernel energies agree with observables
    assert np.array_equal(ea, np.concatenate([eb1, eb2]))


def test_wolff_steps_use_fixed_cluster_count():
    plan, chain = plan_chain(12, 3.0, "wolff", np.random.SeedSequence(0))
    # about L*L sites flip per step on average, by a number of clusters fixed after calibration
    assert plan.clusters_per_step == max(1, round(144 / plan.mean_cluster_size))
    before = chain.cluster_sites
    chain.run(200, 1)
    assert 0.7 < (chain.cluster_sites - before) / (200 * 144) < 1.4


def test_random_stream_is_uniform():
    z = _kernels.random_uint64(np.uint64(12345), 200_000)
    top = (z >> np.uint64(60)).astype(int)          # 16 bins of the 4 top bits
    counts = np.bincount(top, minlength=16)
    chi2 = ((counts - 12_500) ** 2 / 12_500).sum()
    assert chi2 < 50                                 # 15 dof: p ~ 1e-5
    bits = np.unpackbits(z.view(np.uint8)).reshape(-1, 64).mean(axis=0)
    assert np.all(np.abs(bits - 0.5) < 0.01)
    assert np.array_equal(z[1:], _kernels.random_uint64(np.uint64(12346), 199_999))


# ---------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("L, err, msg", [(1, ValueError, "L must be >= 2"), (0, ValueError, "L must be >= 2"),
                                         (4.0, TypeError, "L must be an integer"), ("8", TypeError, "L")])
def test_bad_L(L, err, msg):
    with pytest.raises(err, match=msg):
        isingmc.simulate(L, 2.0, 10, seed=0)


def test_odd_L_refused_by_metropolis_only():
    with pytest.raises(ValueError, match="L must be even for algorithm='metropolis'"):
        isingmc.simulate(5, 2.0, 10, algorithm="metropolis", seed=0)
    for algorithm in ("wolff", "swendsen-wang"):
        assert isingmc.simulate(5, 2.0, 3, algorithm=algorithm, seed=0).shape == (3, 5, 5)


@pytest.mark.parametrize("T, err", [(0, ValueError), (-1.0, ValueError), (float("nan"), ValueError),
                                    (float("inf"), ValueError), ("2.0", TypeError), (None, TypeError)])
def test_bad_T(T, err):
    with pytest.raises(err, match="T must be"):
        isingmc.simulate(8, T, 10, seed=0)


@pytest.mark.parametrize("n, err", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (None, TypeError)])
def test_bad_n_samples(n, err):
    with pytest.raises(err, match="n_samples"):
        isingmc.simulate(8, 2.0, n, seed=0)


@pytest.mark.parametrize("algorithm", ["heatbath", "", None, 3])
def test_unknown_algorithm(algorithm):
    with pytest.raises(ValueError, match="algorithm must be one of"):
        isingmc.simulate(8, 2.0, 10, algorithm=algorithm, seed=0)


def test_bad_spacing_equilibration_seed():
    with pytest.raises(ValueError, match="sweeps_between must be >= 1"):
        isingmc.simulate(8, 2.0, 10, sweeps_between=0, seed=0)
    with pytest.raises(ValueError, match="n_equilibration must be >= 0"):
        isingmc.simulate(8, 2.0, 10, n_equilibration=-1, seed=0)
    with pytest.raises(ValueError, match="seed"):
        isingmc.simulate(8, 2.0, 10, seed=-1)
    with pytest.raises(ValueError, match="seed"):
        isingmc.simulate(8, 2.0, 10, seed="abc")
