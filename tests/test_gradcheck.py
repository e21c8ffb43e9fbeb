"""dl.testing.check_gradients: finds wrong gradients, says where, validates its input."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlgradient


def loss_and_grads(params, X):
    loss = np.sum(dl.sigmoid(dl.fullyconnect(X, params["W"], params["b"])) ** 2)
    return loss, dlgradient(loss, params)


def setup():
    rng = np.random.default_rng(0)
    params = {"W": dlarray(rng.standard_normal((3, 4)).astype("float32")),
              "b": dlarray(np.zeros((3, 1), "float32"))}
    return params, dlarray(rng.standard_normal((4, 5)), "CB")


def test_correct_gradients_pass_and_fun_may_call_dlgradient_itself():
    params, X = setup()
    report = dl.testing.check_gradients(loss_and_grads, params, X)
    assert report.ok and "agree" in repr(report) and "<table>" in report._repr_html_()


def test_a_wrong_gradient_is_located():
    params, X = setup()
    _, grads = dl.dlfeval(loss_and_grads, params, X)
    bad = {"W": grads["W"], "b": grads["b"] * 2}
    report = dl.testing.check_gradients(loss_and_grads, params, X, grads=bad)
    assert not report.ok
    assert [r["name"] for r in report.failures] == ["params.b"]
    assert "WRONG at" in repr(report)


def test_check_gradients_errors():
    params, X = setup()
    with pytest.raises(TypeError, match=r"check_gradients: fun must be callable"):
        dl.testing.check_gradients(3, params, X)
    with pytest.raises(TypeError, match=r"check_gradients: params must be a dlarray or a "
                                        r"container of dlarrays"):
        dl.testing.check_gradients(loss_and_grads, {"W": np.ones(2)}, X)
    with pytest.raises(ValueError, match=r"check_gradients: fun must return a scalar loss"):
        dl.testing.check_gradients(lambda p, X: p["W"] * 2, params, X)
    with pytest.raises(ValueError, match=r"check_gradients: grads must match the shape of "
                                         r"params.W \(3, 4\)"):
        dl.testing.check_gradients(loss_and_grads, params, X,
                                   grads={"W": np.ones((2, 2)), "b": np.ones((3, 1))})


def test_strip_outputs_keeps_only_checked_text():
    from dlnotebooks.course import strip_outputs

    nb = {"metadata": {"widgets": {}}, "cells": [
        {"cell_type": "code", "source": "# NBVAL_CHECK_OUTPUT\nprint(1)", "execution_count": 4,
         "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"},
                                     {"output_type": "display_data",
                                      "data": {"image/png": "..."}, "metadata": {}}]},
        {"cell_type": "code", "source": "x", "execution_count": 5, "metadata": {},
         "outputs": [{"output_type": "execute_result", "data": {"text/plain": "1"},
                      "metadata": {}, "execution_count": 5}]}]}
    out = strip_outputs(nb)
    assert "widgets" not in out["metadata"]
    assert out["cells"][0]["outputs"] == [nb["cells"][0]["outputs"][0]]
    assert out["cells"][0]["execution_count"] == 1
    assert out["cells"][1]["outputs"] == [] and out["cells"][1]["execution_count"] is None


def _critic(p, X):
    return np.sum(np.tanh(dl.fullyconnect(X, p["W"], p["b"])) ** 2)


def test_gradient_with_respect_to_data_the_gradient_penalty_case():
    params, X = setup()
    rng = np.random.default_rng(1)
    X_fake = dlarray(rng.standard_normal((4, 5)), "CB")
    eps = rng.uniform(size=(1, 5))
    X_hat = eps * X + (1 - eps) * X_fake  # data-derived, as in WGAN-GP

    report = dl.testing.check_gradients(_critic, params, X_hat, wrt=1)
    assert report.ok and [r["name"] for r in report.rows] == ["args[0]"]

    def penalty(p, X):
        g = dlgradient(_critic(p, X), X, enable_higher_derivatives=True)
        return (np.sqrt(np.sum(g ** 2)) - 1) ** 2

    report = dl.testing.check_gradients(penalty, params, X_hat, wrt="all", rtol=1e-3)
    assert report.ok, report
    assert [r["name"] for r in report.rows] == ["params.W", "params.b", "args[0]"]


def test_gradient_with_respect_to_data_finds_a_wrong_gradient_and_takes_numpy_data():
    params, X = setup()
    x = dl.extractdata(X)
    _, g = dl.dlfeval(lambda X: (lambda L: (L, dlgradient(L, X)))(_critic(params, X)), X)
    def critic_raw(p, X):  # data as a plain (C, N) array
        return np.sum(np.tanh(dl.fullyconnect(X, p["W"], p["b"], data_format="CB")) ** 2)

    assert dl.testing.check_gradients(critic_raw, params, x, wrt=1).ok
    report = dl.testing.check_gradients(critic_raw, params, x, wrt=(1,), grads=(g * 1.5,))
    assert not report.ok and report.failures[0]["name"] == "args[0]"


@pytest.mark.parametrize("wrt, match", [
    (3, r"check_gradients: wrt must name arguments that fun receives: 0 for params, 1\.\.1 "
        r"for args"),
    ("some", r"check_gradients: wrt must be an argument position, a tuple of them or \"all\""),
    ((), r"check_gradients: wrt must name at least one argument"),
])
def test_wrt_errors(wrt, match):
    params, X = setup()
    with pytest.raises(ValueError, match=match):
        dl.testing.check_gradients(_critic, params, X, wrt=wrt)


def test_wrt_on_non_float_data_is_refused():
    params, X = setup()
    with pytest.raises(TypeError, match=r"check_gradients: the arguments chosen by wrt must be "
                       r"a dlarray or a container of dlarrays"):
        dl.testing.check_gradients(lambda p, X, k: _critic(p, X), params, X, 3, wrt=2)
