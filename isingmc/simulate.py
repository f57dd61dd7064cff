"""Markov chains of the 2D Ising model and :func:`simulate`, which returns independent snapshots.

J = k_B = 1, periodic L x L lattice, spins int8 +-1.  Three algorithms (kernels in ``_kernels``):

* ``'metropolis'``: checkerboard single-spin flips; one step = one sweep (every site tried once).
  Local, so near T_C it suffers critical slowing down (tau ~ L^2.17).  Needs even L.
* ``'wolff'``: single-cluster flips; one step = a number of clusters *fixed in advance* so that on
  average about L*L sites flip.  (Stopping when N sites have flipped would make the number of clusters
  depend on the state and bias the sampling.)
* ``'swendsen-wang'``: every cluster of the Fortuin-Kasteleyn bond configuration flipped with
  probability 1/2; one step = one update of the whole lattice.

Every chain starts ordered (all spins +1: no domain walls to anneal away at low T) and, before each
stored snapshot, applies the global flip s -> -s with probability 1/2.  That move leaves the energy
unchanged, so it is always accepted and satisfies detailed balance; it makes both ordered states
equally likely below T_C even for Metropolis, which practically never tunnels between them.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as _k
from .autocorr import autocorrelation_time

__all__ = ["simulate", "ALGORITHMS", "ChainPlan"]

ALGORITHMS = ("wolff", "swendsen-wang", "metropolis")

# Cost of one step per site (ns), used only to choose the fastest algorithm deterministically (a
# choice based on measured wall time would make the data depend on the machine's load): CPU time
# per site and step at L = 28, T = 1.5 .. 3 on x86-64 with AVX-512, measured with
# benchmarks/bench_isingmc.py (Wolff 9-12 and Swendsen-Wang 20-30 depending on T; the vectorised
# Metropolis sweep 0.85).  Storing a snapshot costs about RECORD_COST per site on top.
COST_PER_SITE = {"metropolis": 0.85, "wolff": 10.0, "swendsen-wang": 20.0}
RECORD_COST = 1.5

_DEFAULT_EQUILIBRATION = 200     # steps before the pilot run when n_equilibration is None
_PILOT_MIN = 2000                # steps of the first pilot run
_PILOT_FACTOR = 500              # the pilot must be at least this many tau_int long
_PILOT_SITE_UPDATES = 2e9        # ... unless that means more than max(20 000, this / L^2) steps
_EQUILIBRATION_FACTOR = 50       # a fresh chain discards 200 + this many tau_int


def check_L(L, algorithm=None):
    if isinstance(L, (bool, np.bool_)) or not isinstance(L, (int, np.integer)):
        raise TypeError(f"L must be an integer lattice size, got {L!r}")
    if L < 2:
        raise ValueError(f"L must be >= 2, got {L}")
    if algorithm == "metropolis" and L % 2:
        raise ValueError(f"L must be even for algorithm='metropolis' (the checkerboard update needs "
                         f"two sublattices on the torus), got L={L}; use 'wolff' or 'swendsen-wang'")
    return int(L)


def check_T(T, name="T"):
    if isinstance(T, (bool, np.bool_)) or not isinstance(T, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a temperature (a real number), got {T!r}")
    if not math.isfinite(T) or T <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {T!r}")
    return float(T)


def check_algorithm(algorithm):
    if not isinstance(algorithm, str) or algorithm.lower() not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    return algorithm.lower()


def check_count(n, name, minimum=1, allow_none=False):
    if n is None and allow_none:
        return None
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return int(n)


def seed_sequence(seed):
    """A SeedSequence from None, an int >= 0 or a SeedSequence (children of spawn stay usable)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is not None and (isinstance(seed, (bool, np.bool_))
                             or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be None, a non-negative integer or a numpy SeedSequence, got {seed!r}")
    return np.random.SeedSequence(seed)


class Chain:
    """One Markov chain: a lattice, a random stream and an algorithm.

    The state (lattice, counter of the random stream) carries over between calls of :meth:`run`, so a
    chain run in pieces gives exactly the same samples as in one piece.
    """

    def __init__(self, L, T, algorithm, seed_seq, clusters_per_step=1):
        self.L = check_L(L, algorithm)
        self.T = check_T(T)
        self.algorithm = check_algorithm(algorithm)
        self.spins = np.ones((self.L, self.L), np.int8)
        self.ctr = np.uint64(seed_seq.generate_state(1, np.uint64)[0])
        self.clusters_per_step = int(clusters_per_step)
        self.cluster_sites = 0      # total size of the clusters grown by run() (Wolff)
        self.steps = 0

    def calibrate_wolff(self):
        """Equilibrate with Wolff clusters and fix the number of clusters per step.

        Grows clusters until 10 L*L sites have flipped (at least 20 clusters) to leave the ordered
        start, then until 100 L*L more (at least 200 clusters; the size distribution is broad near
        T_C) to measure the mean cluster size <C>; one step is then
        round(L*L / <C>) clusters, a number that no longer changes.  (Both stopping rules depend on
        the state, which is harmless here because nothing from this phase is ever sampled.)
        """
        N = self.L * self.L
        T = np.float64(self.T)
        ctr, _, _ = _k.wolff_calibrate(self.spins, T, self.ctr, np.int64(10 * N), np.int64(20),
                                       np.int64(1_000_000))
        ctr, n, total = _k.wolff_calibrate(self.spins, T, np.uint64(ctr), np.int64(100 * N), np.int64(200),
                                           np.int64(10_000_000))
        self.ctr = np.uint64(ctr)
        mean_size = total / n
        self.clusters_per_step = max(1, int(round(N / mean_size)))
        return mean_size

    def run(self, n_records, steps_between=1, store=False, global_flip=False):
        """Advance n_records * steps_between steps; returns (snapshots or None, energies, mags)."""
        n_records = int(n_records)
        out = np.empty((n_records if store else 0, self.L, self.L), np.int8)
        e = np.empty(n_records)
        m = np.empty(n_records)
        sb = np.int64(steps_between)
        nr = np.int64(n_records)
        T = np.float64(self.T)
        if self.algorithm == "metropolis":
            ctr = _k.metropolis_run(self.spins, T, self.ctr, nr, sb, out, e, m, bool(global_flip))
        elif self.algorithm == "wolff":
            ctr, total = _k.wolff_run(self.spins, T, self.ctr, nr, sb, np.int64(self.clusters_per_step),
                                      out, e, m, bool(global_flip))
            self.cluster_sites += int(total)
        else:
            ctr = _k.sw_run(self.spins, T, self.ctr, nr, sb, out, e, m, bool(global_flip))
        self.ctr = np.uint64(ctr)
        self.steps += n_records * int(steps_between)
        return (out if store else None), e, m


@dataclass
class ChainPlan:
    """How a chain at (L, T) is run: the choices :func:`simulate` makes from the pilot run."""
    L: int
    T: float
    algorithm: str
    sweeps_between: int
    n_equilibration: int
    clusters_per_step: int = 1
    tau_abs_m: float = float("nan")
    tau_energy: float = float("nan")
    pilot_steps: int = 0
    mean_cluster_size: float = float("nan")

    @property
    def cost_per_sample(self):
        """Model cost (ns) of one independent sample, from COST_PER_SITE (deterministic)."""
        return (COST_PER_SITE[self.algorithm] * self.sweeps_between + RECORD_COST) * self.L ** 2

    def as_dict(self):
        return {k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                for k, v in self.__dict__.items()}


def measure_tau(chain, min_steps=_PILOT_MIN):
    """Pilot run: tau_int of |m| and of E, lengthened until the series is >= 500 tau_int long.

    A short series underestimates tau_int (at 50 tau_int, Metropolis at T_C, L = 32 gives a third
    of the true value), so whenever the estimate says the series was too short, a new series twice
    the required length is run (the previous one served as equilibration), up to a cap of
    max(20 000, 2e9 / L^2) steps.  Returns (tau_abs_m, tau_energy, steps run).
    """
    cap = max(20_000, int(_PILOT_SITE_UPDATES / chain.L ** 2))
    n = int(min_steps)
    total = 0
    while True:
        _, e, m = chain.run(n, 1)
        total += n
        tau_m = autocorrelation_time(np.abs(m))
        tau_e = autocorrelation_time(e)
        need = int(math.ceil(_PILOT_FACTOR * max(tau_m, tau_e)))
        if n >= need or n >= cap:
            return tau_m, tau_e, total
        n = min(cap, 2 * need)


def plan_chain(L, T, algorithm, seed_seq, sweeps_between=None, n_equilibration=None):
    """Run the pilot of (L, T, algorithm); returns (ChainPlan, the equilibrated Chain)."""
    chain = Chain(L, T, algorithm, seed_seq)
    mean_size = float("nan")
    if chain.algorithm == "wolff":
        mean_size = chain.calibrate_wolff()
    n_eq = _DEFAULT_EQUILIBRATION if n_equilibration is None else n_equilibration
    if n_eq:
        chain.run(1, n_eq)
    tau_m = tau_e = float("nan")
    pilot = 0
    if sweeps_between is None or n_equilibration is None:
        tau_m, tau_e, pilot = measure_tau(chain)
    tau = max(tau_m, tau_e) if pilot else float("nan")
    if sweeps_between is None:
        sweeps_between = max(1, int(math.ceil(2.0 * tau)))
    if n_equilibration is None:
        # A fresh chain from the ordered start: the default discard plus 50 tau_int.
        n_equilibration = _DEFAULT_EQUILIBRATION + int(math.ceil(_EQUILIBRATION_FACTOR * tau))
    plan = ChainPlan(L=chain.L, T=chain.T, algorithm=chain.algorithm, sweeps_between=int(sweeps_between),
                     n_equilibration=int(n_equilibration), clusters_per_step=chain.clusters_per_step,
                     tau_abs_m=tau_m, tau_energy=tau_e, pilot_steps=pilot, mean_cluster_size=mean_size)
    return plan, chain


def fresh_chain(plan, seed_seq):
    """A new chain that follows `plan`, started ordered and equilibrated for plan.n_equilibration steps.

    Wolff chains first calibrate (equilibrate) as in the pilot, but keep the plan's clusters per step.
    """
    chain = Chain(plan.L, plan.T, plan.algorithm, seed_seq, plan.clusters_per_step)
    if plan.algorithm == "wolff":
        cps = plan.clusters_per_step
        chain.calibrate_wolff()
        chain.clusters_per_step = cps
    if plan.n_equilibration:
        chain.run(1, plan.n_equilibration)
    return chain


def simulate(L, T, n_samples, *, algorithm="wolff", sweeps_between=None, n_equilibration=None,
             seed=None, return_info=False):
    """Independent equilibrium snapshots of the 2D Ising model, shape (n_samples, L, L), int8 +-1.

    Parameters
    ----------
    L : int >= 2 (even for 'metropolis').  T : temperature > 0 (J = k_B = 1; T_C = 2.269...).
    n_samples : int >= 1.
    algorithm : 'wolff' (default), 'swendsen-wang' or 'metropolis'.
    sweeps_between : steps between snapshots (a Metropolis sweep, a Wolff step of about L*L flipped
        sites, one Swendsen-Wang update).  None: at least 2 tau_int of both |m| and E, measured in a
        pilot run of this chain, so that successive snapshots are essentially independent.
    n_equilibration : steps discarded from the ordered start before the pilot (or before sampling if
        both this and sweeps_between are given).  None: 200 steps plus the pilot (>= 500 tau_int).
    seed : int, None or numpy SeedSequence; the same seed gives the same snapshots.
    return_info : also return a dict with the measured tau_int (in steps), the choices made and
        ``discarded_steps`` (equilibration plus pilot).  Its ``n_equilibration`` is what a fresh
        chain at (L, T) would discard (used by :func:`generate_dataset`); this function instead
        samples the chain that ran the pilot.
    """
    L = check_L(L)
    T = check_T(T)
    n_samples = check_count(n_samples, "n_samples")
    algorithm = check_algorithm(algorithm)
    L = check_L(L, algorithm)
    sweeps_between = check_count(sweeps_between, "sweeps_between", 1, allow_none=True)
    n_equilibration = check_count(n_equilibration, "n_equilibration", 0, allow_none=True)
    ss = seed_sequence(seed)
    plan, chain = plan_chain(L, T, algorithm, ss, sweeps_between, n_equilibration)
    discarded = chain.steps
    samples, _, _ = chain.run(n_samples, plan.sweeps_between, store=True, global_flip=True)
    if return_info:
        info = plan.as_dict()
        info["discarded_steps"] = discarded
        return samples, info
    return samples
