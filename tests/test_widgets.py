"""dl.widgets explorers: their computations, and their state after simulated control changes."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks.widgets import (EmbeddingScatter, InitializationExplorer, OptimizerExplorer,
                                 ScheduleExplorer, init_statistics, optimizer_trajectory,
                                 project_embeddings, schedule_curve, surface_value)

PNG = b"\x89PNG\r\n\x1a\n"


def _png(app):
    return bytes(app.image.value)


# ------------------------------------------------------------------------- initialization
def test_he_keeps_relu_activations_alive_where_narrow_normal_vanishes():
    he = init_statistics("he", depth=12, activation="relu", width=64, batch_size=128)
    narrow = init_statistics("narrow-normal", depth=12, activation="relu", width=64,
                             batch_size=128)
    assert he["activation_std"][-1] > 0.3
    assert narrow["activation_std"][-1] < 1e-6
    assert he["gradient_std"].shape == (12,) and np.all(he["gradient_std"] > 0)
    assert set(he["samples"]) == {1, 6, 12}


def test_init_statistics_is_seeded():
    a = init_statistics("glorot", depth=3, activation="tanh", width=16, batch_size=32, seed=3)
    b = init_statistics("glorot", depth=3, activation="tanh", width=16, batch_size=32, seed=3)
    np.testing.assert_array_equal(a["activation_std"], b["activation_std"])


@pytest.mark.parametrize("kwargs, cls, match", [
    ({"initializer": "xavier"}, ValueError,
     r"init_statistics: initializer must be one of 'glorot', 'he', .*; got 'xavier'\."),
    ({"activation": "gelu"}, ValueError, r"init_statistics: activation must be one of"),
    ({"depth": 0}, ValueError, r"init_statistics: depth must be positive; got 0\."),
    ({"depth": 101}, ValueError, r"init_statistics: depth must be at most 100; got 101\."),
    ({"width": 2.5}, TypeError, r"init_statistics: width must be an integer; got 2\.5\."),
])
def test_init_statistics_errors(kwargs, cls, match):
    with pytest.raises(cls, match=match):
        init_statistics(**kwargs)


def test_initialization_explorer_follows_its_controls():
    app = InitializationExplorer(depth=4, width=16)
    first = _png(app)
    assert first.startswith(PNG) and app.result["activation_std"].shape == (4,)
    app.controls["depth"].value = 7
    assert app.result["activation_std"].shape == (7,)
    app.controls["initializer"].value = "narrow-normal"
    assert app.result["activation_std"][-1] < 1e-3
    app.controls["activation"].value = "tanh"
    assert _png(app) != first and app.redraws == 4
    app.close()


# ------------------------------------------------------------------------------ optimizers
def test_surfaces_have_their_known_minima():
    assert surface_value("rosenbrock", 1, 1) == 0
    assert surface_value("beale", 3, 0.5) == 0
    assert surface_value("quadratic", 0, 0) == 0
    assert surface_value("saddle", 0, 0) == 0
    assert surface_value("saddle", 0, np.sqrt(2)) == pytest.approx(-1)


@pytest.mark.parametrize("optimizer, learn_rate", [("sgdm", 0.02), ("adam", 0.05),
                                                   ("rmsprop", 0.02), ("lbfgs", 1.0)])
def test_every_optimizer_descends_the_quadratic_bowl(optimizer, learn_rate):
    points, losses = optimizer_trajectory("quadratic", optimizer, learn_rate=learn_rate,
                                          num_steps=150)
    assert points.shape == (151, 2) and losses.shape == (151,)
    assert losses[-1] < 0.05 * losses[0]


def test_lbfgs_finds_the_rosenbrock_minimum_and_stops_early():
    points, losses = optimizer_trajectory("rosenbrock", "lbfgs", num_steps=200)
    np.testing.assert_allclose(points[-1], [1, 1], atol=1e-4)


def test_sgdm_escapes_the_saddle_along_y():
    points, _ = optimizer_trajectory("saddle", "sgdm", learn_rate=0.05, num_steps=200,
                                     start=(1.0, 0.01))
    assert abs(points[-1, 1]) > 1.0 and abs(points[-1, 0]) < 0.1


def test_divergence_stops_with_nan_tail():
    points, losses = optimizer_trajectory("rosenbrock", "sgdm", learn_rate=0.5, num_steps=50)
    assert np.isnan(losses[-1]) and np.isfinite(losses[0])


@pytest.mark.parametrize("kwargs, cls, match", [
    ({"surface": "himmelblau"}, ValueError,
     r"optimizer_trajectory: surface must be one of 'rosenbrock', 'beale', 'saddle', "
     r"'quadratic'; got 'himmelblau'\."),
    ({"optimizer": "adagrad"}, ValueError, r"optimizer_trajectory: optimizer must be one of"),
    ({"learn_rate": 0}, ValueError, r"optimizer_trajectory: learn_rate must be > 0; got 0\.0"),
    ({"momentum": 1}, ValueError, r"optimizer_trajectory: momentum must be < 1; got 1\.0\."),
    ({"start": (1, 2, 3)}, ValueError,
     r"optimizer_trajectory: start must be a pair \(x, y\); got \(1, 2, 3\)\."),
])
def test_optimizer_trajectory_errors(kwargs, cls, match):
    with pytest.raises(cls, match=match):
        optimizer_trajectory(**kwargs)


def test_optimizer_explorer_follows_its_sliders():
    app = OptimizerExplorer(num_steps=30, optimizers=("sgdm", "adam"))
    app.controls["adaptive_learn_rate"].value = 0.01
    assert sorted(app.result) == ["adam", "sgdm"]
    before = app.result["sgdm"][0].copy()
    app.controls["learn_rate"].value = 0.001
    assert not np.allclose(app.result["sgdm"][0], before, equal_nan=True)
    app.controls["momentum"].value = 0.0
    app.controls["surface"].value = "beale"
    assert app.result["adam"][0][0].tolist() == [-1.0, -1.0]
    app.controls["optimizers"].value = ("lbfgs",)
    assert list(app.result) == ["lbfgs"]
    app.controls["num_steps"].value = 60
    assert app.result["lbfgs"][0].shape == (61, 2)
    assert _png(app).startswith(PNG) and app.message.value == ""
    app.close()


# ------------------------------------------------------------------------------- schedules
def test_schedule_curves():
    _, lr = schedule_curve("time-based", 3, initial_learn_rate=0.01, decay=0.01)
    np.testing.assert_allclose(lr, [0.01 / 1.01, 0.01 / 1.02, 0.01 / 1.03])
    _, lr = schedule_curve("cosine", 100, initial_learn_rate=1.0)
    assert lr[0] == 1.0 and lr[-1] < 0.01
    _, lr = schedule_curve("warmup+cosine", 100, initial_learn_rate=1.0, warmup_iterations=10)
    assert lr[0] < 0.2 and lr.argmax() in range(8, 12)
    _, lr = schedule_curve("piecewise", 8, initial_learn_rate=1.0)
    assert lr.tolist() == [1.0] * 4 + [0.1] * 2 + [0.01] * 2


def test_schedule_curve_errors():
    with pytest.raises(ValueError, match=r"schedule_curve: schedule must be one of "
                                         r"'time-based', .*; got 'exponential'\."):
        schedule_curve("exponential")
    with pytest.raises(ValueError, match=r"schedule_curve: num_iterations must be positive"):
        schedule_curve("step", 0)


def test_schedule_explorer_follows_its_sliders():
    app = ScheduleExplorer()
    app.controls["num_iterations"].value = 400
    assert app.result["step"][1].shape == (400,)
    app.controls["drop_period"].value = 100
    app.controls["drop_factor"].value = 0.1
    np.testing.assert_allclose(app.result["step"][1][[0, 100, 200]], [0.01, 0.001, 0.0001])
    app.controls["schedules"].value = ("cosine",)
    app.controls["log_scale"].value = True
    assert list(app.result) == ["cosine"] and _png(app).startswith(PNG)
    app.close()


# ------------------------------------------------------------------------------- embedding
def test_project_embeddings_finds_the_main_axes():
    rng = np.random.default_rng(0)
    data = np.zeros((5, 200))
    data[0] = rng.normal(size=200) * 10
    data[3] = rng.normal(size=200)
    points, explained = project_embeddings(dl.dlarray(data, "CB"))
    assert explained[0] > 0.9 and points.shape == (2, 200)
    np.testing.assert_allclose(np.abs(points[0]), np.abs(data[0] - data[0].mean()), atol=0.1)
    one, _ = project_embeddings(np.arange(4.0)[None, :])
    assert one.shape == (2, 4) and np.all(one[1] == 0)


def test_project_embeddings_errors():
    with pytest.raises(ValueError, match=r"project_embeddings: embeddings must have shape "
                                         r"\(D, N\); got array of shape \(4,\)"):
        project_embeddings(np.ones(4))
    with pytest.raises(ValueError, match=r"project_embeddings: embeddings must be finite"):
        project_embeddings(np.array([[1.0, np.nan]]))


def test_embedding_scatter_updates_in_place():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 10)
    app = EmbeddingScatter(rng.normal(size=(6, 30)), labels, names=["a", "b", "c"])
    first = _png(app)
    app.controls["highlight"].value = "b"
    assert app.result["highlight"] == "b" and _png(app) != first
    app.update_data(rng.normal(size=(6, 30)) + labels)
    assert app.result["points"].shape == (2, 30) and app.redraws == 3
    with pytest.raises(ValueError, match=r"EmbeddingScatter: labels must have one entry per "
                                         r"column of embeddings"):
        EmbeddingScatter(np.ones((3, 4)), np.arange(5))
    with pytest.raises(ValueError, match=r"EmbeddingScatter: names must name each of the 3 "
                                         r"classes; got 2 names\."):
        EmbeddingScatter(np.ones((3, 3)), np.arange(3), names=["x", "y"])
    app.close()


def test_explorers_leave_no_pyplot_figures():
    from matplotlib import _pylab_helpers

    app = ScheduleExplorer()
    app.close()
    assert _pylab_helpers.Gcf.get_num_fig_managers() == 0
