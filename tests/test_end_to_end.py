"""End-to-end: a two-layer model *function* trained MATLAB-style on a seeded spiral."""

import numpy as np

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def spiral(num_per_class, num_classes, rng):
    points, labels = [], []
    for k in range(num_classes):
        r = np.linspace(0.1, 1.0, num_per_class)
        theta = np.linspace(0, 3.5, num_per_class) + 2 * np.pi * k / num_classes
        theta = theta + rng.normal(scale=0.1, size=num_per_class)
        points.append(np.stack([r * np.cos(theta), r * np.sin(theta)]))
        labels.append(np.full(num_per_class, k))
    return np.concatenate(points, axis=1).astype(np.float32), np.concatenate(labels)


def model(parameters, X):
    Y = dl.fullyconnect(X, parameters["fc1"]["Weights"], parameters["fc1"]["Bias"])
    Y = dl.relu(Y)
    Y = dl.fullyconnect(Y, parameters["fc2"]["Weights"], parameters["fc2"]["Bias"])
    return dl.softmax(Y)


def model_loss(parameters, X, T):
    Y = model(parameters, X)
    loss = dl.crossentropy(Y, T)
    gradients = dlgradient(loss, parameters)
    return loss, gradients


def glorot(rng, num_out, num_in):
    bound = np.sqrt(6 / (num_in + num_out))
    return dlarray(rng.uniform(-bound, bound, size=(num_out, num_in)).astype(np.float32))


def test_two_layer_model_function_learns_the_spiral():
    rng = np.random.default_rng(0)
    points, labels = spiral(100, 3, rng)
    X = dlarray(points, "CB")
    T = dl.onehotencode(labels, 0, classes=3)
    hidden = 64
    parameters = {
        "fc1": {"Weights": glorot(rng, hidden, 2),
                "Bias": dlarray(np.zeros((hidden, 1), np.float32))},
        "fc2": {"Weights": glorot(rng, 3, hidden),
                "Bias": dlarray(np.zeros((3, 1), np.float32))},
    }
    avg_g = avg_sq_g = None
    losses = []
    for iteration in range(1, 401):
        loss, gradients = dlfeval(model_loss, parameters, X, T)
        parameters, avg_g, avg_sq_g = dl.adamupdate(parameters, gradients, avg_g, avg_sq_g,
                                                    iteration, learn_rate=0.02)
        losses.append(float(loss))
    predicted = dl.onehotdecode(model(parameters, X), 3, 0)
    accuracy = np.mean(predicted == labels)
    assert accuracy >= 0.95, f"training accuracy {accuracy:.3f}, final loss {losses[-1]:.3f}"
    assert losses[-1] < 0.25 * losses[0]
    assert parameters["fc1"]["Weights"].dtype == np.float32
    assert extractdata(parameters["fc2"]["Bias"]).shape == (3, 1)
