"""nnlib.studies.recipes: the shift augmentation and the training recipe notebook 04 reuses."""

import numpy as np
import pytest

from nnlib.studies.recipes import BEST_CONFIG, ISING_CONFIG, shift_images, train_best


def test_shift_images_moves_each_image_by_at_most_one_pixel():
    rng = np.random.default_rng(0)
    X = rng.random((200, 784)).astype(np.float32)
    out = shift_images(X, np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == X.dtype
    seen = set()
    for img, moved in zip(X.reshape(-1, 28, 28), out.reshape(-1, 28, 28)):
        matches = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                ref = np.roll(img, (dy, dx), axis=(0, 1))  # then blank what wrapped around
                if dy == 1:
                    ref[0, :] = 0
                if dy == -1:
                    ref[-1, :] = 0
                if dx == 1:
                    ref[:, 0] = 0
                if dx == -1:
                    ref[:, -1] = 0
                if np.array_equal(ref, moved):
                    matches.append((dy, dx))
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) == 9  # every shift occurs
    again = shift_images(X, np.random.default_rng(1))
    np.testing.assert_array_equal(out, again)  # same generator state, same shifts
    np.testing.assert_array_equal(shift_images(X, rng, max_shift=0), X)


def test_shift_images_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="784"):
        shift_images(np.zeros((3, 100)), rng)
    with pytest.raises(ValueError, match="max_shift"):
        shift_images(np.zeros((3, 784)), rng, max_shift=-1)
    with pytest.raises(ValueError, match="max_shift"):
        shift_images(np.zeros((3, 784)), rng, max_shift=1.5)


def test_train_best_runs_the_configuration_and_learns():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 600)
    X = np.zeros((600, 784), np.float32)
    for k in range(10):  # each class lights up its own block of pixels
        X[y == k, 60 * k + 100:60 * k + 140] = 1.0
    X += 0.1 * rng.random(X.shape).astype(np.float32)
    config = dict(BEST_CONFIG, sizes=[784, 32, 10], epochs=4, mini_batch_size=20)
    net, hist = train_best((X[:500], y[:500]), (X[500:], y[500:]), config=config, seed=3,
                           verbose=False)
    assert net.sizes == [784, 32, 10] and net.dtype == np.float32
    assert net.activation == "relu" and net.output == "softmax"
    assert len(hist["eta"]) == 4 and hist["eta"][0] == config["eta"]
    assert hist["eta"] == sorted(hist["eta"], reverse=True)  # cosine: decreasing
    assert hist["evaluation_accuracy"][-1] > 0.9
    assert hist["seconds"] == sorted(hist["seconds"])
    net2, hist2 = train_best((X[:500], y[:500]), config=config, seed=3, verbose=False)
    np.testing.assert_array_equal(net.weights[0], net2.weights[0])  # seeded: reproducible
    _, short = train_best((X[:500], y[:500]), config=config, epochs=10, time_limit=0.0,
                          verbose=False)
    assert len(short["eta"]) == 1  # stops before an epoch that would pass the limit


def test_best_config_is_a_valid_network_configuration():
    from nnlib import Network

    keys = ("activation", "output", "cost", "init")
    net = Network(BEST_CONFIG["sizes"], dtype=BEST_CONFIG["dtype"],
                  **{k: BEST_CONFIG[k] for k in keys})
    assert net.sizes[0] == 784 and net.sizes[-1] == 10


def test_train_best_calls_augment_each_epoch_with_its_rng():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    X = np.where(rng.random((300, 16)) < 0.5, -1.0, 1.0).astype(np.float32)
    seen = []

    def augment(inputs, generator):
        assert isinstance(generator, np.random.Generator)
        seen.append(inputs.copy())
        return -inputs                                   # any transformation the caller wants
    config = dict(ISING_CONFIG, sizes=[16, 8, 3], epochs=3)
    net, hist = train_best((X, y), config=config, seed=0, augment=augment, verbose=False)
    assert len(seen) == 3 and all(np.array_equal(s, X) for s in seen)   # the originals, every epoch
    reference, _ = train_best((-X, y), config=config, seed=0, verbose=False)
    np.testing.assert_allclose(net.weights[0], reference.weights[0], rtol=1e-6)   # trained on -X


def test_ising_config_is_a_valid_network_configuration():
    from nnlib import Network

    keys = ("activation", "output", "cost", "init")
    net = Network(ISING_CONFIG["sizes"], dtype=ISING_CONFIG["dtype"], **{k: ISING_CONFIG[k] for k in keys})
    assert net.sizes[0] == 784 and net.sizes[-1] == 3 and ISING_CONFIG["max_shift"] == 0
