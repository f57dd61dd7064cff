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
from .checks import (ALGORITHMS, check_algorithm, check_count, check_L, check_memory,  # noqa: F401
                     check_T, seed_sequence)

__all__ = ["simulate", "ALGORITHMS", "ChainPlan"]

# A compiled loop runs at most this many site updates (steps x L*L) per call, about 0.02 s
# (Metropolis) to 0.4 s (Swendsen-Wang): between calls Python sees Ctrl-C and a cancelled run.
CHUNK_SITE_UPDATES = 20_000_000

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


class Chain:
    """One Markov chain: a lattice, a random stream and an algorithm.

    The state (lattice, counter of the random stream) carries over between calls of :meth:`run`, so a
    chain run in pieces gives exactly the same samples as in one piece.
    """

    def __init__(self, L, T, algorithm, seed_seq, clusters_per_step=1, cancel=None):
        self.L = check_L(L, algorithm)
        self.T = check_T(T)
        self.algorithm = check_algorithm(algorithm)
        self.spins = np.ones((self.L, self.L), np.int8)
        self.ctr = np.uint64(seed_seq.generate_state(1, np.uint64)[0])
        self.clusters_per_step = int(clusters_per_step)
        self.cluster_sites = 0      # total size of the clusters grown by run() (Wolff)
        self.steps = 0
        self.cancel = cancel        # a threading.Event: set, the chain stops between chunks

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
        """Advance n_records * steps_between steps; returns (snapshots or None, energies, mags).

        The compiled loop is called in chunks of about CHUNK_SITE_UPDATES site updates, so that
        Ctrl-C (or ``self.cancel``) stops a long run between chunks.  The random stream is
        consumed step by step, so the result is the same as in one call."""
        n_records = int(n_records)
        steps_between = int(steps_between)
        out = np.empty((n_records if store else 0, self.L, self.L), np.int8)
        e = np.empty(n_records)
        m = np.empty(n_records)
        chunk = max(1, CHUNK_SITE_UPDATES // (self.L * self.L))     # steps per call
        if steps_between > chunk:
            # one record at a time; its steps in pieces that store nothing and draw no flip
            for r in range(n_records):
                left = steps_between
                while left > chunk:
                    self._call(1, chunk, None, e[r:r + 1], m[r:r + 1], False)
                    left -= chunk
                self._call(1, left, out[r:r + 1] if store else None, e[r:r + 1], m[r:r + 1],
                           global_flip)
        else:
            per_call = max(1, chunk // max(1, steps_between))         # records per call
            for r in range(0, n_records, per_call):
                q = min(per_call, n_records - r)
                self._call(q, steps_between, out[r:r + q] if store else None, e[r:r + q],
                           m[r:r + q], global_flip)
        self.steps += n_records * steps_between
        return (out if store else None), e, m

    def _call(self, n_records, steps_between, out, e, m, global_flip):
        """One call of the compiled loop (n_records records, steps_between steps before each)."""
        if self.cancel is not None and self.cancel.is_set():
            raise KeyboardInterrupt("the run was cancelled")
        if out is None:
            out = np.empty((0, self.L, self.L), np.int8)
        sb = np.int64(steps_between)
        nr = np.int64(n_records)
        T = np.float64(self.T)
        if self.algorithm == "metropolis":
            ctr = _k.metropolis_run(self.spins, T, self.ctr, nr, sb, out, e, m, bool(global_flip))
        elif self.algorithm == "wolff":
            ctr, total = _k.wolff_run(self.spins, T, self.ctr, nr, sb,
                                      np.int64(self.clusters_per_step), out, e, m,
                                      bool(global_flip))
            self.cluster_sites += int(total)
        else:
            ctr = _k.sw_run(self.spins, T, self.ctr, nr, sb, out, e, m, bool(global_flip))
        self.ctr = np.uint64(ctr)


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


def plan_chain(L, T, algorithm, seed_seq, sweeps_between=None, n_equilibration=None, cancel=None):
    """Run the pilot of (L, T, algorithm); returns (ChainPlan, the equilibrated Chain)."""
    chain = Chain(L, T, algorithm, seed_seq, cancel=cancel)
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


def fresh_chain(plan, seed_seq, cancel=None):
    """A new chain that follows `plan`, started ordered and equilibrated for plan.n_equilibration steps.

    Wolff chains first calibrate (equilibrate) as in the pilot, but keep the plan's clusters per step.
    """
    chain = Chain(plan.L, plan.T, plan.algorithm, seed_seq, plan.clusters_per_step, cancel=cancel)
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
    check_memory(n_samples * (L * L + 16), f"n_samples={n_samples}",
                 f"{n_samples} snapshots of {L} x {L} int8 spins")
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
