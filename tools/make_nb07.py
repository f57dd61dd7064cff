"""Generate notebooks/07_phase_transition.ipynb.

    python tools/make_nb07.py          # write the notebook (no outputs)
    jupyter nbconvert --to notebook --execute --inplace notebooks/07_phase_transition.ipynb
    python tools/make_nb07.py --fill   # quote the run's numbers in the summary (`make notebooks` does this)
"""
import json
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pathlib import Path

OUT = str(Path(__file__).resolve().parent.parent / "notebooks" / "07_phase_transition.ipynb")
FILL = len(sys.argv) > 1 and sys.argv[1] == "--fill"


def numbers_of_run(path):
    """The numbers the summary quotes, read from the outputs of an executed notebook."""
    import re
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")
    S = {}
    m = re.search(r"^T_C estimate: ([0-9.]+) ± ([0-9.]+)$", text, re.M)
    tc, err = float(m.group(1)), float(m.group(2))
    T_C = 2.0 / __import__("math").log(1 + 2 ** 0.5)
    S["fss"] = f"{tc:.4f} ± {err:.4f}"
    S["fss_dev"] = f"{(tc - T_C) / T_C * 100:+.2f} %"
    S["fss_sig"] = f"{abs(tc - T_C) / err:.1f}"
    m = re.search(r"^T_C estimate \(confusion, L = 32\): ([0-9.]+) ± ([0-9.]+)$", text, re.M)
    tc, err = float(m.group(1)), float(m.group(2))
    S["conf"] = f"{tc:.4f} ± {err:.4f}"
    S["conf_dev"] = f"{(tc - T_C) / T_C * 100:+.2f} %"
    S["runtime"] = re.search(r"^notebook run time: ([0-9]+) s$", text, re.M).group(1)
    rows = re.findall(r"^\s*(\d+)\s+(2\.\d{4})\s+(0\.\d{4})\s+\(", text, re.M)
    S["tmin"] = f"{min(float(r[1]) for r in rows):.3f}"
    S["tmax"] = f"{max(float(r[1]) for r in rows):.3f}"
    m = re.search(r"^64\s+(0\.\d+)\s+(0\.\d+)\s+(0\.\d+)", text, re.M)
    S["acc64"] = (f"network {float(m.group(1)):.1%}, $|m|$ only {float(m.group(2)):.1%}, "
                  f"energy only {float(m.group(3)):.1%}").replace("%", " %")
    m = re.search(r"^sizes L = \[([0-9, ]+)\]; (\d+) training \+ (\d+) test", text, re.M)
    S["sizes"], S["n_train"], S["n_test"] = m.group(1), m.group(2), m.group(3)
    return S


S = numbers_of_run(OUT) if FILL else {}

cells = []


def md(text):
    cells.append(new_markdown_cell(text.strip("\n")))


def code(text):
    cells.append(new_code_cell(text.strip("\n")))


md(r"""
# 07 · The critical temperature from a neural network

**Goal.** Notebook 06 showed that a network tells ordered from disordered Ising snapshots. Here we turn
that classifier into a *measurement*: where, in temperature, does the network change its mind? Following
J. Carrasquilla and R. G. Melko, *Machine learning phases of matter*, Nature Physics **13**, 431 (2017)
([arXiv:1605.01735](https://arxiv.org/abs/1605.01735)), we train a network on snapshots labelled only
"ordered" (T < T_C) or "disordered" (T > T_C), find the temperature $T^*(L)$ where its two averaged
outputs cross for several lattice sizes $L$, and extrapolate to the infinite lattice. Then we look inside
the network, compare it with the simplest physics-based classifiers, and find $T_C$ a second way that
needs no labels at all ("learning by confusion").

> **Exercise (extension of 11.2 h).** The exercise sheet points to Carrasquilla and Melko: a fully
> connected network with one hidden layer of 100 sigmoid units and 2 outputs, trained on Ising snapshots
> labelled ordered / disordered, locates the transition at the temperature where the two averaged outputs
> cross; extrapolated in $1/L$ over $L = 10 \dots 60$ this gave $T_C \approx 2.266 \pm 0.002$, against
> Onsager's $T_C = 2/\ln(1+\sqrt2) = 2.26919$. Reproduce this with `nnlib` and `isingmc`:
> (a) simulate snapshots on a temperature grid for several $L$ (independent chains for training and test);
> (b) train per $L$ and plot the averaged outputs against $T$; (c) find the crossing $T^*(L)$ with an
> error bar and extrapolate $T^*(L) = T_C + a L^{-1/\nu}$ with $\nu = 1$; (d) show a data collapse;
> (e) what did the network learn? (f) find $T_C$ by "learning by confusion".

Units: $J = k_B = 1$ throughout, so temperatures are in units of $J/k_B$. The reusable pieces (crossing
finder, finite-size fit, confusion scan) live in `nnlib.phases` and are unit-tested; this notebook calls
and plots them. In the exercise version (`make student`) the training loop, the finite-size fit and the
learner of the confusion scan are yours to write. The notebook runs top to bottom in one to two minutes
on a 2-core laptop.
""")

code(r"""
import os
# One BLAS thread: the matrices here are small, and on a 2-core machine that also runs other work,
# multi-threaded BLAS spends more time waiting for its threads than computing (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import math
import time

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

import isingmc
from isingmc import simulate, energy_per_site, magnetization_per_site
from isingmc.exact import T_C
from nnlib import phases

t_start = time.perf_counter()
simulate(8, 2.0, 1, seed=0)          # loads (or, the very first time, compiles) the numba kernels
print(f"Onsager's T_C = {T_C:.5f} J/k_B")
""")

md(r"""
## 1 · The data: snapshots on a temperature grid

The network's output changes over a window of width $\sim 1/L$ around $T_C$ and is flat far from it, so we
spend the temperatures where the information is: 40 temperatures from 1.0 to 3.5, spaced uniformly in
$u$ with $T = T_C + 0.3\,\sinh u$ (about 0.033 apart near $T_C$, 0.13 at the ends). Both phases get 20
temperatures each, so the two labels are balanced.
""")

code(r"""
# NBVAL_CHECK_OUTPUT
grid = phases.temperature_grid(40, 1.0, 3.5)
sizes = [8, 16, 24, 32, 48, 64]
n_train, n_test = 200, 200            # snapshots per temperature and lattice size
print("temperatures:", np.array2string(grid, precision=3, max_line_width=100))
print(f"{(grid < T_C).sum()} below T_C, {(grid > T_C).sum()} above; "
      f"closest to T_C: {grid[grid < T_C].max():.3f} and {grid[grid > T_C].min():.3f}")
""")

md(r"""
**Independent samples, cheaply.** `isingmc.simulate` uses the Wolff cluster algorithm, whose "step" flips
about $L^2$ spins. Left alone (`sweeps_between=None`) it measures the integrated autocorrelation time
$\tau_{\rm int}$ of $|m|$ and of the energy in a pilot run of at least 2000 steps for *every* chain and
keeps snapshots $2\tau_{\rm int}$ apart. With 40 temperatures, 6 sizes and separate training and test
chains, those pilots would cost more than the snapshots. So we measure $\tau_{\rm int}$ once, on the
largest lattice, where it is largest (critical slowing down, mild for Wolff), at the grid temperatures
next to $T_C$ and at the edges of the critical window, and use the result for every chain: spacing
$\lceil 2\tau_{\rm int}\rceil$ steps. Successive snapshots then have an autocorrelation of at most
$e^{-2} \approx 0.14$ in the slowest observable, and far less elsewhere: nearly independent. Every chain
starts ordered and is equilibrated for 100 steps after Wolff's own calibration (about 20 steps), which is
more than 30 $\tau_{\rm int}$.
""")

code(r"""
L_max = max(sizes)
window = 0.35                                   # |T - T_C| below which we use the critical spacing
probe_T = [grid[grid < T_C].max(), grid[grid > T_C].min(),
           grid[np.argmin(np.abs(grid - (T_C - window)))], grid[np.argmin(np.abs(grid - (T_C + window)))]]
tau = {}
for T in probe_T:
    _, info = simulate(L_max, float(T), 1, seed=7, return_info=True)
    tau[T] = max(info["tau_abs_m"], info["tau_energy"])
    print(f"L = {L_max}, T = {T:.3f}: tau_int(|m|) = {info['tau_abs_m']:.2f}, "
          f"tau_int(E) = {info['tau_energy']:.2f} Wolff steps")
sb_critical = max(2, math.ceil(2 * max(tau[T] for T in probe_T[:2])))
sb_outside = max(2, math.ceil(2 * max(tau[T] for T in probe_T[2:])))
sweeps_between = [sb_critical if abs(T - T_C) < window else sb_outside for T in grid]
print(f"steps between snapshots: {sb_critical} for |T - T_C| < {window}, {sb_outside} elsewhere")
""")

code(r"""
train, test = {}, {}
t0 = time.perf_counter()
for L in tqdm(sizes, desc="Monte Carlo (L)"):
    common = dict(sweeps_between=sweeps_between, n_equilibration=100, n_jobs=2)
    train[L] = phases.ising_phase_data(L, grid, n_train, seed=1000 + L, **common)
    test[L] = phases.ising_phase_data(L, grid, n_test, seed=2000 + L, **common)   # other chains
print(f"{len(sizes)} sizes x 40 temperatures x ({n_train} + {n_test}) snapshots "
      f"in {time.perf_counter() - t0:.1f} s")
""")

code(r"""
show_T = [grid[3], grid[grid < T_C].max(), grid[grid > T_C].min(), grid[-4]]
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for ax, T in zip(axes, show_T):
    k = np.flatnonzero(test[48].temperatures == T)[0]
    ax.imshow(test[48].spins[k], cmap="gray", vmin=-1, vmax=1)
    ax.set_title(f"T = {T:.3f} J/k_B\n({'ordered' if T < T_C else 'disordered'} label)")
    ax.set_xlabel("site x"); ax.set_ylabel("site y")
fig.suptitle("Test snapshots, L = 48 (white: spin +1, black: spin -1)")
fig.tight_layout()
plt.show()
""")

md(r"""
Just below $T_C$ the lattice is already full of large clusters of both signs, and just above it a
finite lattice can still be mostly of one sign: near $T_C$ the two labels describe snapshots that look
alike. That is why the network's answer changes smoothly over a window of temperatures rather than
jumping at $T_C$, and why the window shrinks as $L$ grows.

## 2 · The network of Carrasquilla and Melko

Per lattice size, `phases.train_phase_network` trains an `nnlib.Network([L*L, 100, 2])`: one hidden layer
of 100 sigmoid units and 2 outputs, as in the paper, on the array path in float32. Our choices (the
docstring says why): a **softmax output with cross-entropy** (the two outputs sum to one, so they cross
where each is 1/2), **scaled initialisation** $N(0, 1/n_{\rm in})$, a **cosine learning-rate schedule**
from $\eta = 0.3$ to 0 over 10 epochs (mini-batches of 32), and **symmetry augmentation**: every epoch the
network sees each training lattice randomly translated, rotated or reflected and possibly with all spins
flipped. Those maps leave the energy unchanged, so the new lattices are exactly as probable as the old
ones; with only 8000 training lattices and up to 400 000 weights, a network trained without them
memorises the training set (training accuracy 100 %, test accuracy lower than that of a threshold on
$|m|$). We train 3 networks per $L$ (seeds 0, 1, 2), each on its own bootstrap resample of the
training set (drawn with replacement within each temperature), so that the spread between them measures
both the randomness of training and the noise of a finite training set; we keep their outputs on the
test set.
""")

code(r"""
seeds = (0, 1, 2)
outputs = {}            # L -> (n_seeds, n_test_samples, 2): the networks' outputs on the test set
nets = {}
t0 = time.perf_counter()
for L in tqdm(sizes, desc="training (L)"):
    X_train, X_test = train[L].X, test[L].X
    outs = []
    for s in seeds:
        ### BEGIN SOLUTION
        rows = phases.resample_within_temperature(train[L].temperatures, seed=s)   # bootstrap
        net = phases.train_phase_network(X_train[rows], train[L].labels[rows], hidden=100,
                                         epochs=10, mini_batch_size=32, eta=0.3, seed=s)
        outs.append(net.predict(X_test))
        ### END SOLUTION
    nets[L] = net
    outputs[L] = np.array(outs)
print(f"{len(sizes) * len(seeds)} networks trained in {time.perf_counter() - t0:.1f} s")
""")

md(r"""
## 3 · The averaged outputs and where they cross

For each $L$ we average each output over the test snapshots at each temperature (and over the 3
networks). `phases.crossing_with_error` finds the crossing $T^*(L)$ by linear interpolation between the
grid temperatures around it. Its error bar adds in quadrature the **bootstrap** over the test set
(snapshots resampled within each temperature; the noise of the test data) and the **spread over
training seeds** (the standard error of the three networks' crossings: the randomness of training and,
through the bootstrap resamples they were trained on, the noise of the training data).
""")

code(r"""
crossing = {}
print(" L   T*(L)    error   (bootstrap, seeds)   test accuracy")
for L in sizes:
    crossing[L] = phases.crossing_with_error(test[L].temperatures, outputs[L], n_boot=300, seed=L)
    c = crossing[L]
    acc = np.mean(outputs[L].argmax(axis=2) == test[L].labels)
    print(f"{L:2d}  {c.T_star:.4f}  {c.error:.4f}  ({c.bootstrap_error:.4f}, {c.seed_error:.4f})"
          f"       {acc:.3f}")
""")

code(r"""
colors = plt.cm.viridis(np.linspace(0, 0.9, len(sizes)))
fig, ax = plt.subplots(figsize=(8, 4.5))
for L, col in zip(sizes, colors):
    c = crossing[L]
    ax.plot(c.T, c.mean_outputs[:, 0], "-", color=col, lw=1.5, label=f"L = {L}")
    ax.plot(c.T, c.mean_outputs[:, 1], "--", color=col, lw=1.5)
ax.axvline(T_C, color="k", lw=0.8, ls=":", label="Onsager $T_C$")
ax.set(xlabel="temperature T (J/k_B)", ylabel="averaged output",
       title="Averaged network outputs: ordered (solid) and disordered (dashed)")
ax.legend(ncol=2, fontsize=9, loc="center left")
inset = ax.inset_axes([0.64, 0.3, 0.32, 0.36])
for L, col in zip(sizes, colors):
    c = crossing[L]
    inset.plot(c.T, c.mean_outputs[:, 0], ".-", color=col, lw=1)
inset.axhline(0.5, color="gray", lw=0.6)
inset.axvline(T_C, color="k", lw=0.6, ls=":")
inset.set(xlim=(2.15, 2.45), ylim=(0.1, 0.9), title="ordered output near T_C", xlabel="T (J/k_B)")
inset.title.set_fontsize(8); inset.tick_params(labelsize=7); inset.xaxis.label.set_fontsize(7)
plt.show()
""")

md(r"""
The curves cross at 1/2 close to $T_C$ and get steeper as $L$ grows: the window of temperatures in
which a snapshot could belong to either phase shrinks like $1/L$. For this network the crossing itself
moves little with $L$ (the table above); how $T^*(L)$ approaches $T_C$, from above or below and how fast,
depends on the classifier (compare the one-number classifiers in section 6), which is why the
extrapolation below fits the shift instead of assuming it.

## 4 · Finite-size extrapolation

Near $T_C$ the only length that matters is the correlation length $\xi \sim |T - T_C|^{-\nu}$, with
$\nu = 1$ for the 2D Ising model. A lattice of size $L$ looks critical once $\xi \approx L$, which shifts
any finite-size "transition temperature" by $\propto L^{-1/\nu}$:
$$T^*(L) = T_C + a\,L^{-1/\nu}.$$
`phases.fit_finite_size` fits this straight line in $1/L$ by weighted least squares (weights
$1/\sigma^2$), and scales the errors by $\sqrt{\chi^2/\mathrm{dof}}$ when the points scatter more than their
error bars say.
""")

code(r"""
Ls = np.array(sizes)
T_star = np.array([crossing[L].T_star for L in sizes])
T_err = np.array([crossing[L].error for L in sizes])
### BEGIN SOLUTION
fss = phases.fit_finite_size(Ls, T_star, T_err, nu=1.0)
### END SOLUTION
print(f"fit: T*(L) = {fss.T_c:.4f} + ({fss.a:.3f} ± {fss.a_error:.3f}) / L,  "
      f"chi2/dof = {fss.chi2:.1f}/{fss.dof}" + ("  (errors scaled by sqrt(chi2/dof))" if fss.scaled else ""))
fss_16 = phases.fit_finite_size(Ls[1:], T_star[1:], T_err[1:])
print(f"check without L = 8: T_C = {fss_16}")
dev = (fss.T_c - T_C) / T_C
print(f"deviation from Onsager: {dev:+.2%} ({abs(fss.T_c - T_C) / fss.T_c_error:.1f} standard errors)")
print(f"T_C estimate: {fss.T_c:.4f} ± {fss.T_c_error:.4f}")
""")

code(r"""
x = np.linspace(0, 1 / min(sizes) * 1.05, 50)
fig, ax = plt.subplots(figsize=(7, 4.2))
ax.errorbar(1 / Ls, T_star, yerr=T_err, fmt="o", capsize=3, label="crossing $T^*(L)$ of the network")
ax.plot(x, fss.T_c + fss.a * x, "-", label=f"fit $T_C + a/L$: $T_C$ = {fss}")
ax.errorbar([0], [fss.T_c], yerr=[fss.T_c_error], fmt="s", color="C1", capsize=3)
ax.plot([0], [T_C], "k*", ms=12, label=f"Onsager $T_C$ = {T_C:.4f}")
ax.set(xlabel="1 / L (1/lattice sites)", ylabel="temperature (J/k_B)",
       title="Finite-size extrapolation of the crossing temperature")
ax.legend(fontsize=9)
plt.show()
""")

md(r"""
## 5 · Data collapse

If the network's output depends on $T$ and $L$ only through $L/\xi$, then plotted against the scaling
variable $t\,L^{1/\nu}$ with the reduced temperature $t = (T - T_C)/T_C$ the curves of all sizes fall on one.
We use Onsager's $T_C$ and $\nu = 1$: nothing is fitted.
""")

code(r"""
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for L, col in zip(sizes, colors):
    c = crossing[L]
    axes[0].plot(c.T, c.mean_outputs[:, 0], ".-", color=col, label=f"L = {L}")
    axes[1].plot(phases.scaling_variable(c.T, L, T_C, nu=1.0), c.mean_outputs[:, 0], ".-", color=col,
                 label=f"L = {L}")
axes[0].set(xlim=(1.9, 2.7), xlabel="temperature T (J/k_B)", ylabel="averaged ordered output",
            title="Before: against T")
axes[1].set(xlim=(-4, 4), xlabel="$t\\,L^{1/\\nu}$ with $t = (T - T_C)/T_C$, $\\nu = 1$ (dimensionless)",
            title="After: against the scaling variable")
for ax in axes:
    ax.axhline(0.5, color="gray", lw=0.6)
axes[1].legend(fontsize=9)
fig.suptitle("Data collapse of the network's ordered output")
fig.tight_layout()
plt.show()
""")

md(r"""
Against $t\,L^{1/\nu}$ the curves of all sizes fall on top of each other, with $L = 8$ deviating most
(corrections to scaling are largest on the smallest lattice) and all crossing 1/2 near $t L^{1/\nu} = 0$.
The collapse works with the *exact* exponent $\nu = 1$: the network's output is a finite-size scaling
function like any physical observable.
""")

md(r"""
## 6 · What did the network learn?

Each hidden unit computes $\sigma(w \cdot s + b)$ from the $L^2$ spins $s$. Training starts from random
weights, so the weights themselves are mostly that random start; `phases.phase_network` rebuilds the
untrained network from the same seed, and the *difference* shows what training added. Below: the learned
weight changes of the 8 hidden units that matter most for the decision (largest difference of their two
output weights), drawn as $L \times L$ images, for one network at $L = 32$.
""")

code(r"""
L_show = 32
net = nets[L_show]                                  # the network trained with seed seeds[-1]
W1, W2, b1 = net.weights[0], net.weights[1], net.biases[0]
learned = W1 - phases.phase_network(L_show**2, seed=seeds[-1]).weights[0]
influence = W2[0] - W2[1]                           # > 0: the unit votes "ordered" when it fires
top = np.argsort(-np.abs(influence))[:8]
vmax = np.abs(learned[top]).max()
fig, axes = plt.subplots(1, 8, figsize=(13, 2.4))
for ax, j in zip(axes, top):
    im = ax.imshow(learned[j].reshape(L_show, L_show), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(f"unit {j}\nvotes {'ordered' if influence[j] > 0 else 'disordered'}", fontsize=9)
    ax.set_xticks([]); ax.set_yticks([])
fig.colorbar(im, ax=axes, fraction=0.02, label="weight change")
fig.suptitle(f"What training changed in the input weights of the 8 most influential hidden units "
             f"(L = {L_show}, axes: lattice sites)", y=1.1)
plt.show()
""")

code(r"""
X_show, T_show = test[L_show].X, test[L_show].temperatures
m_show = X_show.mean(axis=1)                        # magnetisation per site of each test snapshot
z = X_show @ W1.T + b1.T                            # weighted inputs of the hidden units, (n_test, 100)
p_ordered = net.predict(X_show)[:, 0]
for j in top:
    print(f"unit {j:2d} (votes {'ordered   ' if influence[j] > 0 else 'disordered'}): "
          f"correlation of its input w.s + b with m: {np.corrcoef(z[:, j], m_show)[0, 1]:+.2f}, "
          f"with |m|: {np.corrcoef(z[:, j], np.abs(m_show))[0, 1]:+.2f}")
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
sc = axes[0].scatter(m_show, p_ordered, c=T_show, s=4, cmap="coolwarm")
fig.colorbar(sc, ax=axes[0], label="temperature T (J/k_B)")
axes[0].set(xlabel="magnetisation per site m", ylabel="network output 'ordered'",
            title=f"The network's answer is a function of |m| (L = {L_show}, test set)")
for j in top[:4]:
    axes[1].plot(m_show, z[:, j], ".", ms=2,
                 label=f"unit {j} (votes {'ordered' if influence[j] > 0 else 'disordered'})")
axes[1].set(xlabel="magnetisation per site m", ylabel="weighted input w·s + b of the unit",
            title="The 4 most influential hidden units see m")
axes[1].legend(fontsize=8, markerscale=4)
fig.tight_layout()
plt.show()
""")

md(r"""
By eye the weight changes look noisy: each is small, of either sign, with only a slight excess of one
sign over large parts of the lattice. But a unit's input $w\cdot s + b$ adds them up over all $L^2$
spins, and what survives the sum is their lattice average times the total magnetisation $M$: the
printed correlations with $m$ are close to $\pm 1$, and those with $|m|$ close to 0. So every influential
unit measures the magnetisation (the right panel: bands that rise or fall with $m$), some with a
positive slope, some with a negative one. The output layer combines such units into an answer that depends on $|m|$ only
(left panel: symmetric under $m \to -m$, "ordered" when $|m|$ is large). The network has rediscovered the
order parameter, the picture Carrasquilla and Melko found. If it uses $|m|$, a classifier that sees only $|m|$ should do
about as well; the energy, which also changes steeply at $T_C$, is another candidate.
`phases.fit_threshold` finds the best single threshold on each (the best any classifier of that one
number can do when its distribution shifts monotonically with the phase), fitted on the training set and
evaluated on the same test sets.
""")

code(r"""
compare = {}
print(" L   accuracy: network   |m| only   energy only    T*: network    |m| only        energy only")
for L in sizes:
    row = {}
    feats = {"|m|": lambda s: np.abs(magnetization_per_site(s)), "energy": energy_per_site}
    for name, f in feats.items():
        clf = phases.fit_threshold(f(train[L].spins), train[L].labels)
        pred = clf.predict(f(test[L].spins))
        out = np.stack([pred == 0, pred == 1], axis=1).astype(float)   # hard 0/1 "outputs"
        row[name] = (np.mean(pred == test[L].labels),
                     phases.crossing_with_error(test[L].temperatures, out, n_boot=300, seed=L))
    row["network"] = (np.mean(outputs[L].argmax(axis=2) == test[L].labels), crossing[L])
    compare[L] = row
    print(f"{L:2d}           {row['network'][0]:.3f}      {row['|m|'][0]:.3f}        {row['energy'][0]:.3f}"
          f"    {row['network'][1]}  {row['|m|'][1]}  {row['energy'][1]}")
for name in ("|m|", "energy"):
    c = [compare[L][name][1] for L in sizes]
    f = phases.fit_finite_size(Ls, [x.T_star for x in c], [x.error for x in c])
    print(f"extrapolated from the threshold on {name:6s}: T_C = {f}")
""")

code(r"""
fig, ax = plt.subplots(figsize=(7, 4))
for name, marker in (("network", "o-"), ("|m|", "s--"), ("energy", "^:")):
    ax.plot(Ls, [compare[L][name][0] * 100 for L in sizes], marker, label=name + (" only" if name != "network" else ""))
ax.set(xlabel="lattice size L (sites)", ylabel="test accuracy (%)",
       title="Ordered vs disordered: network and one-number classifiers")
ax.legend()
plt.show()
""")

md(r"""
All three classifiers get better as $L$ grows (the window of ambiguous temperatures shrinks like $1/L$).
The network stays slightly below a threshold on $|m|$, consistent with the weights above: it has to
learn $|m|$ from 8 000 examples, while the threshold is handed it. The energy
threshold is slightly *better* than both: a one-hidden-layer network of sigmoid units built from
single-spin inputs finds $|M|$ easily but would need many units to build the sum of nearest-neighbour
products that is the energy. The one-number classifiers' crossings, extrapolated the same way (printed
above), also land near $T_C$, but they approach it from below, while the network's crossings hardly
move with $L$: the finite-size shift $a$ belongs to the classifier, not to the Ising model, which is
why it has to be fitted. The network was never told about $m$ or $E$; that it finds the order
parameter by itself, from labels alone, is the point of the method, and it is what makes it useful for
systems whose order parameter nobody knows.

## 7 · Learning by confusion: $T_C$ without labels

E. van Nieuwenburg, Y.-H. Liu and S. Huber, *Learning phase transitions by confusion*, Nature Physics
**13**, 435 (2017) ([arXiv:1610.02048](https://arxiv.org/abs/1610.02048)), assume nothing about where
the transition is. Pick a **trial** critical temperature $T_c'$, label every snapshot by $T < T_c'$ or
$T > T_c'$, train, and record the test accuracy. At the two ends of the scan every snapshot has the same
label: accuracy 1. If $T_c'$ is the true $T_C$, the labels agree with what the snapshots show: high
accuracy again. In between, the labels contradict the data and the accuracy drops. The curve is a
**W**, and its middle peak estimates $T_C$. We scan at $L = 32$ with the same network and data
(6 epochs, one seed per trial), trying one trial temperature between each pair of grid temperatures
within 0.2 of $T_C$, every third one further out, and one beyond each end of the grid.
`phases.confusion_peak` picks the point of largest topographic prominence (its height above the higher
of the two dips that separate it from higher ground), so a noise bump on an arm of the W does not count
as the middle peak. The error bar adds the bootstrap over the test set and the grid resolution (the true
value can sit anywhere between the two grid temperatures around the peak).
""")

code(r"""
L_conf = 32
Xc_train, Tc_train = train[L_conf].X, train[L_conf].temperatures
Xc_test, Tc_test = test[L_conf].X, test[L_conf].temperatures
midpoints = phases.trial_temperatures(grid)
trial = np.array([t for i, t in enumerate(midpoints)
                  if abs(t - T_C) < 0.2 or i % 3 == 0 or i == len(midpoints) - 1])


def fit_predict(X, labels, X_eval, seed):
    # train on (X, labels); return the predicted labels of X_eval
    ### BEGIN SOLUTION
    net = phases.train_phase_network(X, labels, hidden=100, epochs=6, mini_batch_size=32, eta=0.3,
                                     seed=seed)
    return net.predict(X_eval).argmax(axis=1)
    ### END SOLUTION


t0 = time.perf_counter()
scan = phases.confusion_scan(Xc_train, Tc_train, Xc_test, Tc_test, trial, fit_predict, seeds=(0,),
                             progress=tqdm)
peak = phases.confusion_peak_with_error(scan, n_boot=300, seed=0)
print(f"{len(trial)} trial temperatures in {time.perf_counter() - t0:.1f} s")
print(f"error parts: bootstrap {peak.bootstrap_error:.4f}, grid resolution {peak.resolution:.4f}")
print(f"T_C estimate (confusion, L = {L_conf}): {peak.T_c:.4f} ± {peak.error:.4f}")
""")

code(r"""
fig, ax = plt.subplots(figsize=(8, 4.2))
ax.plot(scan.trial_T, scan.accuracy * 100, "o-", ms=4, label=f"test accuracy, L = {L_conf}")
ax.axvline(T_C, color="k", ls=":", lw=0.8, label=f"Onsager $T_C$ = {T_C:.3f}")
ax.axvspan(peak.T_c - peak.error, peak.T_c + peak.error, color="C1", alpha=0.25,
           label=f"middle peak: {peak}")
ax.axvline(crossing[L_conf].T_star, color="C2", ls="--", lw=0.8,
           label=f"C&M crossing $T^*({L_conf})$ = {crossing[L_conf].T_star:.3f}")
ax.set(xlabel="trial critical temperature $T_c'$ (J/k_B)", ylabel="test accuracy (%)",
       title="Learning by confusion: the W and its middle peak")
ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
plt.show()
""")

md(r"""
The scan draws the W: accuracy 1 at both ends (one class only), dips where the trial temperature
cuts through a phase (on the far left the network gives up and answers the majority class), and a
middle peak near $T_C$. On a single lattice the peak marks that lattice's own transition, so it should be
compared with the crossing $T^*(32)$ rather than with the infinite-lattice $T_C$; and it is broad, so
its error bar is larger than that of the extrapolated crossing. Its appeal is that it used **no**
knowledge of $T_C$ at all.
""")

code(r"""
elapsed = time.perf_counter() - t_start
print(f"sizes L = {sizes}; {n_train} training + {n_test} test snapshots per temperature and size")
print(f"crossing + extrapolation: T_C = {fss}  ({(fss.T_c - T_C) / T_C:+.2%} from Onsager)")
print(f"confusion at L = {L_conf}:     T_C = {peak}  ({(peak.T_c - T_C) / T_C:+.2%} from Onsager)")
print(f"notebook run time: {elapsed:.0f} s")
""")


def summary_text(S):
    """The closing summary; S holds the numbers of an executed run (see --fill)."""
    g = lambda k: S.get(k, "…")
    return rf"""
## Summary

* Data: 40 temperatures × ({g('n_train')} training + {g('n_test')} test) snapshots per lattice size,
  $L$ = {g('sizes')}, from Wolff chains (training and test from independent chains).
* Carrasquilla and Melko's network (100 sigmoid hidden units, 2 softmax outputs, trained with symmetry
  augmentation) crosses at $T^*(L)$ between {g('tmin')} and {g('tmax')} for all sizes.
* **Crossing + extrapolation** $T^*(L) = T_C + a/L$: **$T_C$ = {g('fss')}** in the stored run,
  {g('fss_dev')} from Onsager's 2.26919 ({g('fss_sig')} standard errors); the target was 0.5 %.
* **Learning by confusion** at $L = 32$, without labels: **$T_C$ = {g('conf')}**, {g('conf_dev')} from
  Onsager: the transition of that finite lattice, with a larger error because the middle peak is broad.
* The network learned the order parameter $|m|$ (hidden units whose input follows $m$, an output
  symmetric in $m$); it classifies slightly less well than a threshold on $|m|$ or on the energy
  (at $L = 64$: {g('acc64')}).
* Run time of the stored run: {g('runtime')} s on a 2-core machine shared with other work.

**Compared with Carrasquilla and Melko.** They found $T_C = 2.266 \pm 0.002$ (0.14 % below Onsager) with
$L$ up to 60 and about 100 000 snapshots per size. We use 8 000 training snapshots per size, about 12
times fewer, so that the notebook runs in one to two minutes; symmetry augmentation and an annealed
learning rate recover much of the lost precision, and our error bar includes the noise of the training
and test sets and of training itself. What limits us is statistics: the error of each crossing
(more snapshots near $T_C$ would shrink it; the error falls like one over the square root of their
number) and the lever arm of the extrapolation (adding $L = 96$ or 128 would pin down the slope $a$).

"""


md(summary_text(S) + r"""
## Further reading

* *Machine learning and quantum technologies* (review), [arXiv:2208.03836](https://arxiv.org/abs/2208.03836)
* Stanford CS231n, *Convolutional Neural Networks for Visual Recognition*, <https://cs231n.github.io>
* M. Nielsen, *Neural Networks and Deep Learning*, <http://neuralnetworksanddeeplearning.com>
* J. Carrasquilla and R. G. Melko, *Machine learning phases of matter*, Nature Physics 13, 431 (2017),
  [arXiv:1605.01735](https://arxiv.org/abs/1605.01735)
* E. P. L. van Nieuwenburg, Y.-H. Liu and S. D. Huber, *Learning phase transitions by confusion*,
  Nature Physics 13, 435 (2017), [arXiv:1610.02048](https://arxiv.org/abs/1610.02048)

This is the last notebook of the series. Back to the start: [01 · Playground](01_playground.ipynb).
""")

nb = new_notebook(cells=cells)
nb.metadata = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python", "pygments_lexer": "ipython3"},
}
if FILL:
    # keep the executed code cells and their outputs; only the markdown is regenerated
    executed = nbformat.read(OUT, as_version=4)
    assert [c.cell_type for c in executed.cells] == [c.cell_type for c in nb.cells]
    for old, new in zip(executed.cells, nb.cells):
        if old.cell_type == "markdown":
            old.source = new.source
        else:
            assert old.source == new.source, "code changed since the run: execute again first"
    nb = executed
    print("summary numbers:", S)
nbformat.validate(nb)
nbformat.write(nb, OUT)
print("wrote", OUT)
