"""The training loop of ``Network.SGD`` and ``Network.train_epoch``, arranged for speed.

Nothing here is new mathematics: it is ``Network.backprop_matrix`` plus the gradient step, for one
mini-batch after another, with the bookkeeping a student reading ``network.py`` does not need:

- samples are rows (X has shape (m, n_in)); each mini-batch is gathered from the shuffled
  rows into one reused buffer (converting MNIST's float32 to float64 on the way, exactly);
- all intermediate matrices (z, a, delta, dC/dw) live in buffers allocated once per epoch and
  are filled with ``np.dot(..., out=...)``;
- small numba kernels fuse the elementwise work: "z += b, a = sigma(z)" in one pass, and
  "delta = (a - y) * sigma'(z), accumulate the cost, step the biases" in another;
- a small output layer (like the 10 neurons of MNIST) is done entirely in one numba call,
  forward and backward, because for it the cost of a call exceeds the arithmetic;
- the factor eta/m is applied to delta^L once, so every later delta and dC/dw comes out already
  scaled and the weight step is a single subtraction.

Per mini-batch of 10 for [784, 30, 10] that is 7 calls instead of ~50 numpy operations, which
is what makes an epoch about 10x faster than the per-sample loop (``benchmarks/bench_nnlib.py``).
The tests check that one epoch here equals consecutive ``Network.update_mini_batch`` steps.
"""

import math

import numba
import numpy as np

SIGMOID, TANH, RELU, LINEAR, SOFTMAX = 0, 1, 2, 3, 4
KINDS = {"sigmoid": SIGMOID, "tanh": TANH, "relu": RELU, "linear": LINEAR, "softmax": SOFTMAX}
QUADRATIC, CROSS_ENTROPY = 0, 1
FUSE_LIMIT = 1 << 14  # output layers with m * n_out * n_in up to this: one numba call


@numba.njit(cache=True, nogil=True)
def _forward(Z, b, A, kind):
    """In place: Z += b (every row), A = sigma(Z) for the activation ``kind``."""
    m, n = Z.shape
    for i in range(m):
        if kind == SOFTMAX:
            zmax = -np.inf
            for j in range(n):
                z = Z[i, j] + b[j]
                Z[i, j] = z
                zmax = max(zmax, z)
            s = 0.0
            for j in range(n):
                e = np.exp(Z[i, j] - zmax)
                A[i, j] = e
                s += e
            for j in range(n):
                A[i, j] = A[i, j] / s
            continue
        for j in range(n):
            z = Z[i, j] + b[j]
            Z[i, j] = z
            if kind == SIGMOID:
                if z >= 0:
                    A[i, j] = 1.0 / (1.0 + np.exp(-z))
                else:
                    e = np.exp(z)
                    A[i, j] = e / (1.0 + e)
            elif kind == TANH:
                A[i, j] = np.tanh(z)
            elif kind == RELU:
                A[i, j] = z if z > 0 else 0.0
            else:
                A[i, j] = z


@numba.njit(cache=True, nogil=True)
def _prime_from_a(a, kind):
    """sigma'(z) written through a = sigma(z), so z need not be kept."""
    if kind == SIGMOID:
        return a * (1.0 - a)
    if kind == TANH:
        return 1.0 - a * a
    if kind == RELU:
        return 1.0 if a > 0 else 0.0
    return 1.0


@numba.njit(cache=True, nogil=True)
def _softplus(z):
    return max(z, 0.0) + np.log1p(np.exp(-abs(z)))


@numba.njit(cache=True, nogil=True)
def _output_delta(Z, A, Y, D, gb, cost_kind, kind, scale):
    """D = scale * delta^L (equation (2)), gb -= column sums of D; return the summed cost."""
    m, n = Z.shape
    cost = 0.0
    for i in range(m):
        log_norm = 0.0
        if cost_kind == CROSS_ENTROPY and kind == SOFTMAX:
            zmax = -np.inf
            for j in range(n):
                zmax = max(zmax, Z[i, j])
            s = 0.0
            for j in range(n):
                s += np.exp(Z[i, j] - zmax)
            log_norm = zmax + np.log(s)
        for j in range(n):
            a = A[i, j]
            y = Y[i, j]
            if cost_kind == QUADRATIC:
                g = a - y
                cost += 0.5 * g * g
                d = g * _prime_from_a(a, kind)
            else:
                d = a - y
                z = Z[i, j]
                if kind == SOFTMAX:
                    cost += y * (log_norm - z)
                else:
                    cost += y * _softplus(-z) + (1.0 - y) * _softplus(z)
            d = scale * d
            D[i, j] = d
            gb[j] -= d
    return cost


@numba.njit(cache=True, nogil=True)
def _hidden_delta(D, A, gb, kind):
    """D *= sigma'(z) (completing equation (3)), gb -= column sums of D."""
    m, n = D.shape
    for i in range(m):
        for j in range(n):
            d = D[i, j] * _prime_from_a(A[i, j], kind)
            D[i, j] = d
            gb[j] -= d


@numba.njit(cache=True, nogil=True)
def _gather(X, Y, x_idx, y_idx, A0, Y0):
    """A0, Y0 = the rows x_idx of X and y_idx of Y, in the network's dtype: one mini-batch."""
    for r in range(len(y_idx)):
        i = x_idx[r]
        for k in range(X.shape[1]):
            A0[r, k] = X[i, k]
        i = y_idx[r]
        for k in range(Y.shape[1]):
            Y0[r, k] = Y[i, k]


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _top_layer(P, W, b, Z, A, Y, D, G, gb, cost_kind, kind, scale, DP, gbp, below_kind):
    """A small output layer in one call (for it, call overhead costs more than arithmetic).

    Forward (1) from the activations P of the layer below, delta^L (2), its bias step (4),
    G = D^T P (5) and, when there is a layer below (``below_kind`` >= 0), its
    delta DP = (D W) * sigma'(z) (3), with the weights W before this step.  (fastmath here only
    lets the compiler reorder sums and fuse multiply-adds, i.e. round differently; NaN and inf
    behave as usual.)"""
    m, n_in = P.shape
    n_out = W.shape[0]
    for i in range(m):
        for j in range(n_out):
            s = P[i, 0] * W[j, 0]
            for k in range(1, n_in):
                s += P[i, k] * W[j, k]
            Z[i, j] = s
    _forward(Z, b, A, kind)
    cost = _output_delta(Z, A, Y, D, gb, cost_kind, kind, scale)
    G[:, :] = 0
    for i in range(m):
        for j in range(n_out):
            d = D[i, j]
            for k in range(n_in):
                G[j, k] += d * P[i, k]
    if below_kind >= 0:
        DP[:, :] = 0
        for i in range(m):
            for j in range(n_out):
                d = D[i, j]
                for k in range(n_in):
                    DP[i, k] += d * W[j, k]
        _hidden_delta(DP, P, gbp, below_kind)
    return cost


def train_epoch(net, X, Y, x_order, order, mini_batch_size, eta, lmbda, l1, momentum, n):
    """One epoch of SGD on ``net`` in place: example k is (X[x_order[k]], Y[order[k]]).

    ``net.weights`` and ``net.biases`` must be C-contiguous arrays of ``net.dtype`` and X, Y
    C-contiguous float arrays (the caller makes sure).  Returns the mean cost per sample (each
    measured before its mini-batch's step), or NaN as soon as the cost stops being finite."""
    dtype = net.dtype
    W = net.weights
    B = [b.reshape(-1) for b in net.biases]  # views: the kernels step the biases in place
    L = len(W)
    kinds = [KINDS[net.activation]] * (L - 1) + [KINDS[net.output]]
    cost_kind = QUADRATIC if net.cost == "quadratic" else CROSS_ENTROPY
    m = min(mini_batch_size, len(order))
    A0 = np.empty((m, X.shape[1]), dtype)
    Y0 = np.empty((m, Y.shape[1]), dtype)
    z = [np.empty((m, w.shape[0]), dtype) for w in W]
    a = [np.empty((m, w.shape[0]), dtype) for w in W]
    d = [np.empty((m, w.shape[0]), dtype) for w in W]
    G = [np.empty_like(w) for w in W]
    WT = [w.T for w in W]  # views, valid while the weights are stepped in place
    if momentum:
        VB = [vb.reshape(-1) for vb in net._velocities[0]]
        VW = net._velocities[1]
        bias_steps = VB
    else:
        bias_steps = B
    plain = not (momentum or lmbda or l1)
    decay = 1.0 - eta * lmbda / n
    l1_step = eta * l1 / n
    fuse_top = m * W[-1].size <= FUSE_LIMIT
    n_blas = L - 1 if fuse_top else L  # layers done with np.dot (BLAS)
    below = L - 2
    if below >= 0:
        below_args = (below, kinds[below])
    else:  # no hidden layer: nothing to propagate to
        below_args = (L - 1, -1)
    inputs = [A0] + a[:-1]  # the activations each layer's weights act on
    total = 0.0
    with np.errstate(all="ignore"):
        for start in range(0, len(order), m):
            idx = order[start:start + m]
            x_idx = x_order[start:start + m]
            mb = len(idx)
            if mb != m:  # the last, smaller mini-batch: leading rows of the buffers
                A0, Y0 = A0[:mb], Y0[:mb]
                z, a, d = [s[:mb] for s in z], [s[:mb] for s in a], [s[:mb] for s in d]
                inputs = [A0] + a[:-1]
            _gather(X, Y, x_idx, idx, A0, Y0)
            prev = A0
            for l in range(n_blas):  # (1) feedforward
                np.dot(prev, WT[l], out=z[l])
                _forward(z[l], B[l], a[l], kinds[l])
                prev = a[l]
            if momentum:
                for vb in VB:
                    vb *= momentum
            scale = eta / mb  # applied to delta^L: every gradient below comes out scaled
            if fuse_top:
                lb, kb = below_args
                total += _top_layer(prev, W[-1], B[-1], z[-1], a[-1], Y0, d[-1], G[-1],
                                    bias_steps[-1], cost_kind, kinds[-1], scale, d[lb],
                                    bias_steps[lb], kb)
                top = L - 2
            else:
                total += _output_delta(z[-1], a[-1], Y0, d[-1], bias_steps[-1], cost_kind,
                                       kinds[-1], scale)  # (2), (4)
                top = L - 1
            for l in range(top, -1, -1):
                np.dot(d[l].T, inputs[l], out=G[l])  # (5)
                if l > 0:  # (3), with the weights before this step
                    np.dot(d[l], W[l], out=d[l - 1])
                    _hidden_delta(d[l - 1], a[l - 1], bias_steps[l - 1], kinds[l - 1])
                if plain:
                    W[l] -= G[l]
                else:
                    _step_weights(W[l], G[l], VW[l] if momentum else None, momentum,
                                  decay, l1_step, eta, lmbda, n)
            if fuse_top:
                if plain:
                    W[-1] -= G[-1]
                else:
                    _step_weights(W[-1], G[-1], VW[-1] if momentum else None, momentum,
                                  decay, l1_step, eta, lmbda, n)
            if momentum:
                for b, vb in zip(B, VB):
                    b += vb
            if not math.isfinite(total):
                return float("nan")
    return total / len(order)


def _step_weights(w, g, v, momentum, decay, l1_step, eta, lmbda, n):
    """w -= eta (dC0/dw + lmbda/n w + l1/n sgn w), with g = eta dC0/dw; or the momentum step."""
    if v is None:
        if decay != 1.0:
            w *= decay  # keeps the sign of w, so sgn(w) below is that of the old w
        if l1_step:
            w -= l1_step * np.sign(w)
        w -= g
        return
    v *= momentum
    v -= g
    if lmbda:
        v -= (eta * lmbda / n) * w
    if l1_step:
        v -= l1_step * np.sign(w)
    w += v
