"""The one forward/backward kernel of nnlib: equations (1)-(5) and the gradient step, in numba.

Everything that trains or evaluates a network fast goes through here: ``Network.SGD`` when neither
``backprop`` nor ``update_mini_batch`` is overridden, the layout study, the playground and the
training panel.  Nothing is new mathematics; it is the course's algorithm arranged for speed:

- the parameters of all layers live in one flat array ``params`` (layer by layer: the weights w^l,
  row by row, then the biases b^l), so one compiled function serves every layout;
- samples are rows, a mini-batch is the matrix A^0 whose m rows are its inputs, and every
  equation acts on all rows at once: Z^l = A^{l-1} (w^l)^T + b^l, and the sum over the examples
  of delta (a^{l-1})^T in (5) is the matrix product (Delta^l)^T A^{l-1};
- a whole epoch is one call: the matrix products go to BLAS (numba's ``np.dot``, through scipy),
  the elementwise work (sigma, sigma', the cost, the step) is fused into loops, and no Python runs
  between mini-batches.

The gradient step is the one of ``nnlib.core.optim.GradientStep``, element by element:
g = (eta/m) dC/dw + (eta lmbda/n) w + (eta l1/n) sgn(w); then w -> w - g, or with momentum
v -> mu v - g, w -> w + v (biases: no regularisation).  The tests check that an epoch here lands on
the weights of the per-example loop of ``Network.update_mini_batch`` to rounding.
"""

import math
from typing import NamedTuple, Optional

import numba
import numpy as np

from .activations import ACTIVATIONS
from .flat import codes_for, pack, unpack

__all__ = ["fast_epoch", "Epoch", "pack", "unpack", "codes_for", "train_epoch", "forward", "sigma",
           "sigma_prime"]

SIGMOID, TANH, RELU, LINEAR, ELU, SWISH, SOFTMAX = (ACTIVATIONS[name].code for name in (
    "sigmoid", "tanh", "relu", "linear", "elu", "swish", "softmax"))
QUADRATIC, CROSS_ENTROPY = 0, 1
_jit = numba.njit(cache=True, nogil=True)
# Small pieces are inlined into their callers: in the tiny networks of the playground and the
# layout study (a few neurons per layer), calls would cost more than the arithmetic.
_inline = numba.njit(cache=True, nogil=True, inline="always")
#: multiply-adds below which a matrix product is a plain loop rather than a call into BLAS
SMALL_PRODUCT = 4096


# ------------------------------------------------------------------ the Python side

class Epoch(NamedTuple):
    """What ``fast_epoch`` returns: the parameters after the epoch, for the network to take."""
    weights: list
    biases: list
    velocities: Optional[tuple]
    cost: float


def fast_epoch(net, X, Y, order, mini_batch_size, eta):
    """One epoch of the course's steps for ``net`` (``Network.SGD``'s fast branch and
    ``Network.train_epoch``): example k is (X[order[k]], Y[order[k]]); ``net.step_rule`` gives
    L2, L1 and momentum.  The network is not changed: the caller takes what this returns,
    an ``Epoch`` of the new ``weights`` and ``biases``, momentum's ``velocities``
    ((velocity_b, velocity_w), or None without momentum) and the mean ``cost`` per example (each
    measured before its mini-batch's step, NaN if it diverged)."""
    rule = net.step_rule
    params, sizes = pack(net.weights, net.biases, net.dtype)
    if rule.momentum:
        velocity_b, velocity_w = rule.start_velocities(net.biases, net.weights)
        velocity, _ = pack(velocity_w, velocity_b, net.dtype)
    else:
        velocity = params[:0]
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(net.dtype)
    X = np.ascontiguousarray(X)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    order = np.ascontiguousarray(order, dtype=np.int64)
    decay, l1_step = eta * rule.lmbda / rule.n, eta * rule.l1 / rule.n
    with np.errstate(all="ignore"):
        total = train_epoch(X, Y, order, params, velocity, sizes,
                            codes_for(net.layer_activations), net.cost_function.code,
                            mini_batch_size, eta, decay, l1_step, rule.momentum)
    weights, biases = unpack(params, sizes)
    velocities = None
    if rule.momentum:
        velocity_w, velocity_b = unpack(velocity, sizes)
        velocities = (velocity_b, velocity_w)
    return Epoch(weights, biases, velocities, total / len(order))


@_inline
def _layer(params, sizes, l):
    """Views (w^l, b^l) into ``params``: w^l has shape (sizes[l+1], sizes[l])."""
    o = 0
    for k in range(l):
        o += sizes[k + 1] * (sizes[k] + 1)
    n_in, n_out = sizes[l], sizes[l + 1]
    return (params[o:o + n_out * n_in].reshape(n_out, n_in),
            params[o + n_out * n_in:o + n_out * (n_in + 1)])


# ------------------------------------------------------------------ elementwise: sigma, sigma'

@_inline
def _logistic(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@_inline
def sigma(z, code):
    if code == SIGMOID:
        return _logistic(z)
    if code == TANH:
        return math.tanh(z)
    if code == RELU:
        return z if z > 0 else 0.0
    if code == ELU:
        return z if z > 0 else math.expm1(z)
    if code == SWISH:
        return z * _logistic(z)
    return z


@_inline
def sigma_prime(z, a, code):
    """sigma'(z), given also a = sigma(z) (cheaper for sigmoid, tanh and ELU)."""
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if z > 0 else 0.0
    if code == ELU:
        return 1.0 if z > 0 else a + 1.0
    if code == SWISH:
        s = _logistic(z)
        return s * (1.0 + z * (1.0 - s))
    return 1.0


@_jit
def _softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@_inline
def _activate(Z, b, A, code):
    """In place, row by row: Z += b, A = sigma(Z) (softmax: over each row)."""
    m, n = Z.shape
    for i in range(m):
        if code == SOFTMAX:
            zmax = -np.inf
            for j in range(n):
                Z[i, j] += b[j]
                zmax = max(zmax, Z[i, j])
            s = 0.0
            for j in range(n):
                A[i, j] = math.exp(Z[i, j] - zmax)
                s += A[i, j]
            for j in range(n):
                A[i, j] /= s
        elif code == TANH:  # one loop per kind, so that the branch is not taken per element
            for j in range(n):
                Z[i, j] += b[j]
                A[i, j] = math.tanh(Z[i, j])
        elif code == RELU:
            for j in range(n):
                Z[i, j] += b[j]
                A[i, j] = max(Z[i, j], 0.0)
        else:
            for j in range(n):
                Z[i, j] += b[j]
                A[i, j] = sigma(Z[i, j], code)


@_inline
def _output_error(Z, A, Y, D, cost_code, code):
    """D = delta^L, equation (2), row by row; returns the cost summed over the rows."""
    m, n = Z.shape
    cost = 0.0
    for i in range(m):
        log_norm = 0.0
        if cost_code == CROSS_ENTROPY and code == SOFTMAX:
            zmax = -np.inf
            for j in range(n):
                zmax = max(zmax, Z[i, j])
            s = 0.0
            for j in range(n):
                s += math.exp(Z[i, j] - zmax)
            log_norm = zmax + math.log(s)
        for j in range(n):
            a, y, z = A[i, j], Y[i, j], Z[i, j]
            if cost_code == QUADRATIC:
                cost += 0.5 * (a - y) * (a - y)
                D[i, j] = (a - y) * sigma_prime(z, a, code)
            else:
                D[i, j] = a - y
                if code == SOFTMAX:
                    cost += y * (log_norm - z)
                else:
                    cost += y * _softplus(-z) + (1.0 - y) * _softplus(z)
    return cost


@_jit
def _step(p, g, v, scale, decay, l1_step, momentum):
    """The gradient step on one block of parameters, with g the summed gradient."""
    for k in range(p.size):
        w = p[k]
        step = scale * g[k]
        if decay != 0.0:
            step += decay * w
        if l1_step != 0.0:
            step += l1_step * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0))
        if momentum != 0.0:
            v[k] = momentum * v[k] - step
            p[k] = w + v[k]
        else:
            p[k] = w - step


# ------------------------------------------------------------------ matrix products

@_inline
def _dot_nt(A, W, out):
    """out = A W^T: row i of out is w a for the input a in row i of A (equation (1))."""
    m, k = A.shape
    n = W.shape[0]
    if m * n * k > SMALL_PRODUCT:
        np.dot(A, W.T, out)
        return
    for i in range(m):
        for j in range(n):
            s = 0.0
            for p in range(k):
                s += A[i, p] * W[j, p]
            out[i, j] = s


@_inline
def _dot_tn(D, A, out):
    """out = D^T A: the sum over the rows (examples) of delta a^T (equation (5))."""
    m, n = D.shape
    k = A.shape[1]
    if m * n * k > SMALL_PRODUCT:
        np.dot(D.T, A, out)
        return
    out[:, :] = 0.0
    for i in range(m):
        for j in range(n):
            d = D[i, j]
            for p in range(k):
                out[j, p] += d * A[i, p]


@_inline
def _dot_nn(D, W, out):
    """out = D W: row i of out is w^T delta for the delta in row i of D (equation (3))."""
    m, n = D.shape
    k = W.shape[1]
    if m * n * k > SMALL_PRODUCT:
        np.dot(D, W, out)
        return
    out[:, :] = 0.0
    for i in range(m):
        for j in range(n):
            d = D[i, j]
            for p in range(k):
                out[i, p] += d * W[j, p]


# ------------------------------------------------------------------ one mini-batch, one epoch

@_inline
def _feedforward(acts, zs, params, sizes, codes):
    """(1) for the rows of acts[0], in place: zs[l] = acts[l] (w^l)^T + b^l, then
    acts[l + 1] = sigma(zs[l]), layer by layer (the compiled layout's one feedforward)."""
    for l in range(len(sizes) - 1):
        w, b = _layer(params, sizes, l)
        _dot_nt(acts[l], w, zs[l])
        _activate(zs[l], b, acts[l + 1], codes[l])


@_jit
def _buffers(sizes, m, dtype_example):
    L = len(sizes) - 1
    acts = [np.empty((m, sizes[l]), dtype_example.dtype) for l in range(L + 1)]
    zs = [np.empty((m, sizes[l + 1]), dtype_example.dtype) for l in range(L)]
    deltas = [np.empty((m, sizes[l + 1]), dtype_example.dtype) for l in range(L)]
    return acts, zs, deltas


@_jit
def _mini_batch(X, Y, idx, params, velocity, sizes, codes, cost_code, eta, decay, l1_step,
                momentum, acts, zs, deltas, G, gb, Y0):
    """One step of SGD on the examples (X[idx[r]], Y[idx[r]]); returns their summed cost."""
    L = len(sizes) - 1
    m = len(idx)
    A0 = acts[0]
    for r in range(m):  # gather the mini-batch, converting to the network's dtype
        k = idx[r]
        for c in range(A0.shape[1]):
            A0[r, c] = X[k, c]
        for c in range(Y0.shape[1]):
            Y0[r, c] = Y[k, c]
    _feedforward(acts, zs, params, sizes, codes)  # (1)
    cost = _output_error(zs[L - 1], acts[L], Y0, deltas[L - 1], cost_code, codes[L - 1])  # (2)
    scale = eta / m
    for l in range(L - 1, -1, -1):
        w, b = _layer(params, sizes, l)
        n_out = sizes[l + 1]
        g = G[:n_out * sizes[l]].reshape(n_out, sizes[l])
        _dot_tn(deltas[l], acts[l], g)  # (5): sum over the examples of delta^l (a^{l-1})^T
        D = deltas[l]
        for j in range(n_out):  # (4): sum over the examples of delta^l
            s = 0.0
            for i in range(m):
                s += D[i, j]
            gb[j] = s
        if l > 0:  # (3) delta^{l-1} = (w^l)^T delta^l * sigma'(z^{l-1}), before w^l moves
            _dot_nn(deltas[l], w, deltas[l - 1])
            D, Zb, Ab, code = deltas[l - 1], zs[l - 1], acts[l], codes[l - 1]
            for i in range(m):
                for j in range(D.shape[1]):
                    D[i, j] *= sigma_prime(Zb[i, j], Ab[i, j], code)
        vw, vb = _layer(velocity, sizes, l) if momentum != 0.0 else (w, b)
        _step(w.reshape(-1), g.reshape(-1), vw.reshape(-1), scale, decay, l1_step, momentum)
        _step(b, gb[:n_out], vb, scale, 0.0, 0.0, momentum)
    return cost


@_jit
def train_epoch(X, Y, order, params, velocity, sizes, codes, cost_code, mini_batch_size, eta,
                decay, l1_step, momentum):
    """One epoch of SGD in place on ``params`` (and ``velocity``, with momentum).

    Example k of the epoch is (X[order[k]], Y[order[k]]); consecutive runs of
    ``mini_batch_size`` examples are the mini-batches.  ``decay`` = eta lmbda / n and
    ``l1_step`` = eta l1 / n.  Returns the cost summed over the examples, each measured just
    before its mini-batch's step, or NaN as soon as it stops being finite."""
    n = len(order)
    m = min(mini_batch_size, n)
    dtype_example = params[:1]
    L = len(sizes) - 1
    largest = 0
    for l in range(L):
        largest = max(largest, sizes[l] * sizes[l + 1])
    G = np.empty(largest, params.dtype)
    gb = np.empty(sizes[1:].max(), params.dtype)
    acts, zs, deltas = _buffers(sizes, m, dtype_example)
    Y0 = np.empty((m, sizes[L]), params.dtype)
    rest = n % m
    acts_r, zs_r, deltas_r = _buffers(sizes, max(rest, 1), dtype_example)
    Y0_r = np.empty((max(rest, 1), sizes[L]), params.dtype)
    total = 0.0
    for start in range(0, n, m):
        stop = min(start + m, n)
        if stop - start == m:
            buffers = (acts, zs, deltas, Y0)
        else:  # the last, smaller mini-batch
            buffers = (acts_r, zs_r, deltas_r, Y0_r)
        total += _mini_batch(X, Y, order[start:stop], params, velocity, sizes, codes,
                             cost_code, eta, decay, l1_step, momentum, buffers[0], buffers[1],
                             buffers[2], G, gb, buffers[3])
        if not math.isfinite(total):
            return np.nan
    return total


@_jit
def forward(X, params, sizes, codes):
    """Feedforward (1) for the rows of X: the list of every layer's activations [A^1, ..., A^L]
    (for compiled callers such as the layout study; ``Network.layer_outputs`` is numpy's)."""
    acts, zs, _ = _buffers(sizes, X.shape[0], params[:1])
    acts[0][:, :] = X
    _feedforward(acts, zs, params, sizes, codes)
    return acts[1:]
