"""A student's own backprop trains the network: SGD honours overrides, and its fast path is an
exact drop-in for the course's per-example loop."""

import numpy as np
import pytest

from nnlib import Network


def toy(n=60, n_in=6, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)  # learnable labels 0..2
    return X, y


def course_tuples(X, y, n_out=3):
    return [(x.reshape(-1, 1), np.eye(n_out)[t].reshape(-1, 1)) for x, t in zip(X, y)]


@pytest.fixture
def counting_network(nielsen):
    """A subclass with a correct backprop of its own (the reference), counting its calls."""
    class CountingNetwork(Network):
        calls = 0

        def backprop(self, x, y):
            type(self).calls += 1
            return nielsen.backprop(self, x, y)
    return CountingNetwork


@pytest.fixture
def forgot_sigma_prime(nielsen):
    """A subclass whose backprop makes the classic mistake: sigma'(z^l) missing in (3)."""
    class ForgotSigmaPrime(Network):
        def backprop(self, x, y):
            return nielsen.backprop(self, x, y, forget_sigma_prime=True)
    return ForgotSigmaPrime


class CountingUpdates(Network):
    batches = []

    def update_mini_batch(self, mini_batch, eta):
        type(self).batches.append(len(mini_batch))
        super().update_mini_batch(mini_batch, eta)


def max_difference(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in
               zip(a.weights + a.biases, b.weights + b.biases))


def test_only_the_course_network_takes_the_fast_path(counting_network):
    assert Network([2, 2]).takes_fast_branch()
    assert not counting_network([2, 2]).takes_fast_branch()
    assert not CountingUpdates([2, 2]).takes_fast_branch()


def test_a_correct_backprop_is_called_per_example_and_lands_on_the_same_weights(counting_network):
    X, y = toy()
    data = course_tuples(X, y)
    mine, ours = counting_network([6, 5, 3], seed=3), Network([6, 5, 3], seed=3)
    hist = mine.SGD(data, 2, 7, 3.0, verbose=False)
    ours.SGD(data, 2, 7, 3.0, verbose=False)
    assert counting_network.calls == 2 * len(data)  # once per example and epoch
    assert max_difference(mine, ours) < 1e-12
    assert len(hist["train_cost"]) == 2 and np.isfinite(hist["train_cost"]).all()


def test_a_wrong_backprop_ends_elsewhere_and_trains_worse(forgot_sigma_prime):
    X, y = toy(n=300)
    data = course_tuples(X, y)
    wrong, right = forgot_sigma_prime([6, 8, 3], seed=0), Network([6, 8, 3], seed=0)
    wrong.SGD(data, 1, 10, 3.0, verbose=False)
    right.SGD(data, 1, 10, 3.0, verbose=False)
    assert max_difference(wrong, right) > 1e-3
    for _ in range(9):
        wrong.SGD(data, 1, 10, 3.0, verbose=False)
        right.SGD(data, 1, 10, 3.0, verbose=False)
    assert wrong.total_cost(X, y) > right.total_cost(X, y)
    assert wrong.accuracy(X, y) < right.accuracy(X, y)


def test_an_overridden_update_mini_batch_is_called_once_per_mini_batch():
    X, y = toy(n=45)
    CountingUpdates.batches = []
    net = CountingUpdates([6, 4, 3], seed=1)
    net.SGD(course_tuples(X, y), 2, 10, 1.0, verbose=False)
    assert CountingUpdates.batches == [10, 10, 10, 10, 5] * 2
    ref = Network([6, 4, 3], seed=1)
    ref.SGD(course_tuples(X, y), 2, 10, 1.0, verbose=False)
    assert max_difference(net, ref) < 1e-12


@pytest.mark.parametrize("config, options", [
    (dict(), dict(lmbda=2.0, momentum=0.7)),
    (dict(activation="relu", output="softmax", cost="cross-entropy", init="he"),
     dict(l1=0.5, schedule="cosine")),
    (dict(activation="swish", output="sigmoid", cost="cross-entropy"), dict(momentum=0.9)),
])
def test_fast_path_and_course_loop_agree_with_every_improvement(config, options):
    class Literal(Network):  # overriding backprop (with the same one) forces the course loop
        def backprop(self, x, y):
            return Network.backprop(self, x, y)

    X, y = toy(n=50)
    fast, slow = Network([6, 7, 3], seed=5, **config), Literal([6, 7, 3], seed=5, **config)
    hf = fast.SGD((X, y), 3, 8, 0.5, verbose=False, **options)
    hs = slow.SGD((X, y), 3, 8, 0.5, verbose=False, **options)
    assert max_difference(fast, slow) < 1e-12
    assert hf["eta"] == hs["eta"]


def test_augment_and_callback_hooks():
    X, y = toy(n=40)
    seen = []

    def flip(X, rng):
        seen.append(rng.integers(1000))
        return -X if seen[-1] % 2 else X

    def stop_after_two(epoch, history):
        return epoch < 1

    a, b = Network([6, 4, 3], seed=2), Network([6, 4, 3], seed=2)
    ha = a.SGD((X, y), 5, 10, 1.0, augment=flip, callback=stop_after_two, verbose=False)
    draws = list(seen)
    b.SGD((X, y), 5, 10, 1.0, augment=flip, callback=stop_after_two, verbose=False)
    assert len(ha["train_cost"]) == 2 and "callback" in ha["stopped"]
    assert len(draws) == 2 and seen[2:] == draws  # the same seed gives the same augmentation
    assert max_difference(a, b) == 0
    with pytest.raises(ValueError, match="augment must return"):
        Network([6, 3], seed=0).SGD((X, y), 1, 10, 1.0, augment=lambda X, rng: X[:5])
    with pytest.raises(TypeError, match="callback"):
        Network([6, 3], seed=0).SGD((X, y), 1, 10, 1.0, callback=3)


def test_warm_start_keeps_momentum_between_calls():
    X, y = toy(n=40)
    one, two = Network([6, 4, 3], seed=2), Network([6, 4, 3], seed=2)
    one.SGD((X, y), 2, 10, 0.5, momentum=0.9, verbose=False)
    two.SGD((X, y), 1, 10, 0.5, momentum=0.9, verbose=False)
    two.SGD((X, y), 1, 10, 0.5, momentum=0.9, verbose=False, warm_start=True)
    assert max_difference(one, two) < 1e-12
    cold = Network([6, 4, 3], seed=2)
    cold.SGD((X, y), 1, 10, 0.5, momentum=0.9, verbose=False)
    cold.SGD((X, y), 1, 10, 0.5, momentum=0.9, verbose=False)
    assert max_difference(one, cold) > 1e-6
