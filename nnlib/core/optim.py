"""How the weights start and how they move: initialisation, the gradient step, and schedules.

These are the improvements of Nielsen's chapter 3 that do not change backpropagation itself:

- ``initial_parameters``: "normal" draws weights and biases from N(0, 1), as the course does;
  "scaled" draws weights from N(0, 1/n_in) so that z = w a + b starts of order 1 and sigmoid
  neurons do not start saturated; "he" draws N(0, 2/n_in) weights and zero biases, the usual
  choice for ReLU, whose half-zero output halves the variance; "uniform" draws weights uniformly
  from [-0.5, 0.5] with biases 0.1, as TensorFlow's playground does (our playground and its
  layout study start there).
- ``GradientStep``: w -> w - (eta/m) sum_x dC_x/dw, plus L2 weight decay (cost term
  lmbda/(2n) sum w^2, i.e. w -> (1 - eta lmbda/n) w), L1 (l1/n sum |w|, i.e. w -> w - eta l1/n
  sgn w) and momentum (v -> mu v - step, w -> w + v).  Biases are not regularised.
- ``learning_rate``: eta per epoch, constant, "cosine" eta_j = eta (1 + cos(pi j/epochs))/2, or a
  callable ``schedule(j, eta)``.  ("halve", which depends on the accuracy, lives in the loop.)
"""

import math

import numpy as np

from .checks import check_choice, check_positive, check_regularisation

__all__ = ["INITS", "SCHEDULES", "initial_parameters", "GradientStep", "learning_rate",
           "check_schedule"]

INITS = ("normal", "scaled", "he", "uniform")
SCHEDULES = ("halve", "cosine")


def initial_parameters(sizes, init, rng, dtype):
    """(biases, weights) for layer sizes ``sizes``; biases are drawn first, as in the course.

    Drawn in float64 and then rounded, so a float32 network starts from the same numbers."""
    check_choice(init, INITS, "init")
    if init == "uniform":
        weights = [rng.uniform(-0.5, 0.5, (y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
        biases = [np.full((y, 1), 0.1) for y in sizes[1:]]
        return [b.astype(dtype) for b in biases], [w.astype(dtype) for w in weights]
    if init == "he":
        biases = [np.zeros((y, 1)) for y in sizes[1:]]
    else:
        biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
    scale = {"normal": lambda n_in: 1.0, "scaled": lambda n_in: 1 / math.sqrt(n_in),
             "he": lambda n_in: math.sqrt(2 / n_in)}[init]
    weights = [rng.standard_normal((y, x)) * scale(x) for x, y in zip(sizes[:-1], sizes[1:])]
    return [b.astype(dtype) for b in biases], [w.astype(dtype) for w in weights]


class GradientStep:
    """One step of gradient descent from the gradients summed over a mini-batch of m examples.

    ``n`` is the size of the whole training set (the regularisation terms are per epoch's cost).
    With momentum the velocities are kept here, between steps and between calls."""

    def __init__(self, lmbda=0.0, l1=0.0, momentum=0.0, n=1):
        self.lmbda, self.l1, self.momentum = check_regularisation(lmbda, l1, momentum)
        self.n = n
        self.velocity_b = self.velocity_w = None

    def __call__(self, biases, weights, nabla_b, nabla_w, eta, m):
        """Return the new (biases, weights) after a step of size ``eta`` from gradients summed over
        ``m`` examples.  Unchecked: ``SGD`` checked eta once, at its start."""
        steps_w = [(eta / m) * nw for nw in nabla_w]
        if self.lmbda:
            steps_w = [s + (eta * self.lmbda / self.n) * w for s, w in zip(steps_w, weights)]
        if self.l1:
            steps_w = [s + (eta * self.l1 / self.n) * np.sign(w) for s, w in zip(steps_w, weights)]
        steps_b = [(eta / m) * nb for nb in nabla_b]
        if not self.momentum:
            return ([b - s for b, s in zip(biases, steps_b)],
                    [w - s for w, s in zip(weights, steps_w)])
        self.start_velocities(biases, weights)
        mu = self.momentum
        self.velocity_b = [mu * v - s for v, s in zip(self.velocity_b, steps_b)]
        self.velocity_w = [mu * v - s for v, s in zip(self.velocity_w, steps_w)]
        return ([b + v for b, v in zip(biases, self.velocity_b)],
                [w + v for w, v in zip(weights, self.velocity_w)])

    def keep_velocities(self, previous):
        """Carry momentum's velocities over from ``previous``, the network's step rule of the
        run before, so that this run goes on where that one stopped (the playground's steps,
        repeated ``train_epoch`` calls).  Only when both have momentum: a run without it has no
        velocity to hand over, and one without it needs none."""
        if self.momentum and previous is not None and previous.momentum:
            self.velocity_b, self.velocity_w = previous.velocity_b, previous.velocity_w

    def rest(self):
        """Forget the velocities (the weights they belonged to were restored)."""
        self.velocity_b = self.velocity_w = None

    def start_velocities(self, biases, weights):
        """Momentum's velocities: kept from earlier steps, or at rest (zero) when there are
        none yet for weights of these shapes."""
        if self.velocity_w is None or [v.shape for v in self.velocity_w] != \
                [w.shape for w in weights]:
            self.velocity_b = [np.zeros_like(b) for b in biases]
            self.velocity_w = [np.zeros_like(w) for w in weights]
        return self.velocity_b, self.velocity_w


def check_schedule(schedule):
    if not (schedule is None or callable(schedule) or schedule in SCHEDULES):
        raise ValueError("schedule must be None, a callable schedule(epoch, eta), or one of "
                         "%s; got %r" % (SCHEDULES, schedule))
    return schedule


def learning_rate(schedule, epoch, epochs, eta):
    """eta for epoch ``epoch`` (0-based) of ``epochs``; "halve" is handled by the caller."""
    if callable(schedule):
        return check_positive(schedule(epoch, eta), "schedule(%d, eta)" % epoch)
    if schedule == "cosine":
        return eta * (1 + math.cos(math.pi * epoch / epochs)) / 2
    return eta
