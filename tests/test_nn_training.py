"""A CNN dlnetwork trains on the built-in digits with dlfeval, dlgradient and sgdmupdate."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray


@pytest.fixture
def digits(tmp_path, monkeypatch):
    monkeypatch.setenv("DLNOTEBOOKS_CACHE", str(tmp_path))
    images, labels = dl.data.digits(600, image_size=14, seed=0)
    return images, labels


def model_loss(net, X, T):
    Y, state = dl.forward(net, X)
    loss = dl.crossentropy(Y, T)
    return loss, dl.dlgradient(loss, net.learnables), state


def small_cnn(size, classes, rng):
    """conv 3x3x4 "same", batch norm, relu, maxpool 2, fully connected, softmax."""
    return dl.dlnetwork([
        dl.imageInputLayer((size, size, 1)),
        dl.convolution2dLayer(3, 4, padding="same"),
        dl.batchNormalizationLayer(),
        dl.reluLayer(),
        dl.maxPooling2dLayer(2, stride=2),
        dl.fullyConnectedLayer(classes),
        dl.softmaxLayer(),
    ], rng=rng)


def test_cnn_trains_on_digits_with_sgdm(digits):
    images, labels = digits
    train, test = slice(0, 500), slice(500, 600)
    rng = np.random.default_rng(0)
    net = small_cnn(14, 10, rng)
    initial = dl.initialize(net)  # a separate object: net.state = ... below changes net only
    initial_weights = np.asarray(net.learnables["conv", "Weights"]).copy()
    targets = np.eye(10, dtype=np.float32)[:, labels]  # one-hot, (10, N)
    X_test = dlarray(images[..., test], "SSCB")

    def accuracy(net):
        scores = np.asarray(dl.predict(net, X_test))
        return float(np.mean(np.argmax(scores, axis=0) == labels[test]))

    velocity, losses = None, []
    batch_size, iteration = 50, 0
    for epoch in range(4):
        order = rng.permutation(500)
        for start in range(0, 500, batch_size):
            idx = order[start:start + batch_size]
            iteration += 1
            X = dlarray(images[..., idx], "SSCB")
            T = dlarray(targets[:, idx], "CB")
            loss, gradients, state = dl.dlfeval(model_loss, net, X, T)
            net.state = state
            learn_rate = dl.time_based_decay(0.05, 0.01, iteration)
            net, velocity = dl.sgdmupdate(net, gradients, velocity, learn_rate, 0.9)
            losses.append(float(loss))

    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5])
    assert accuracy(net) >= 0.7  # measured 0.76
    assert accuracy(initial) < 0.3
    # training returned new networks: the first one is unchanged
    np.testing.assert_array_equal(np.asarray(initial.learnables["conv", "Weights"]),
                                  initial_weights)
    assert not np.array_equal(np.asarray(net.learnables["conv", "Weights"]), initial_weights)
    np.testing.assert_array_equal(np.asarray(initial.state["batchnorm", "TrainedMean"]), 0)
    assert np.any(np.asarray(net.state["batchnorm", "TrainedMean"]) != 0)


def test_a_training_step_frees_its_tape_without_the_cyclic_collector():
    # dlnetwork forward, crossentropy, dlgradient, adamupdate and the state update: the tape
    # and every activation must go when the step's references do (refcounting), not wait for
    # the cyclic garbage collector, or memory piles up over steps.
    import gc

    rng = np.random.default_rng(0)
    net = small_cnn(8, 3, rng)
    X = dlarray(rng.random((8, 8, 1, 6), dtype=np.float32), "SSCB")
    T = dlarray(np.eye(3, dtype=np.float32)[:, rng.integers(0, 3, 6)], "CB")
    avg = {"g": None, "sq": None}

    def step(iteration):
        loss, grads, state = dl.dlfeval(model_loss, net, X, T)
        net.state = state
        net.learnables, avg["g"], avg["sq"] = dl.adamupdate(
            net.learnables, grads, avg["g"], avg["sq"], iteration)

    step(1)
    gc.collect(0)
    gc.disable()
    try:
        step(2)
        assert gc.collect(0) == 0
    finally:
        gc.enable()
