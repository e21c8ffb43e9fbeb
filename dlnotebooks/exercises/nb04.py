"""Exercises of notebook 04 (model functions)."""

import numpy as np

from .. import init, ops
from ..core import dlarray, extractdata, isdlarray
from ._framework import dl, exercise


def _as_array(value):
    return extractdata(value) if isdlarray(value) else np.asarray(value)


def init_batchnorm(num_channels):
    learnables = {"Offset": dl.init.zeros((num_channels, 1)),
                  "Scale": dl.init.ones((num_channels, 1))}
    state = {"TrainedMean": np.zeros((num_channels, 1), "float32"),
             "TrainedVariance": np.ones((num_channels, 1), "float32")}
    return learnables, state


_reference_bn = init_batchnorm  # the checker compares with the solution


@exercise(
    "04.1", "Batch-norm learnables and state",
    hints=["Offset starts at 0 and Scale at 1, like MATLAB's initializeZeros/initializeOnes.",
           "The running mean starts at 0 and the running variance at 1 — a variance of 0 would "
           "divide by almost nothing at inference."],
    solution=init_batchnorm,
    wrong_answers=[lambda: (lambda c: ({"Offset": init.zeros((c, 1)), "Scale": init.ones((c, 1))},
                                       {"TrainedMean": np.zeros((c, 1)),
                                        "TrainedVariance": np.zeros((c, 1))})),
                   lambda: (lambda c: ({"Offset": init.ones((c, 1)), "Scale": init.zeros((c, 1))},
                                       {"TrainedMean": np.zeros((c, 1)),
                                        "TrainedVariance": np.ones((c, 1))})),
                   lambda: (lambda c: ({"Offset": init.zeros((c,)), "Scale": init.ones((c,))},
                                       {"TrainedMean": np.zeros(c, "float32"),
                                        "TrainedVariance": np.ones(c, "float32")}))],
)
def _(init_batchnorm, report):
    out = init_batchnorm(6)
    if not (isinstance(out, tuple) and len(out) == 2):
        report.stop("return a pair (learnables, state).")
    learnables, state = out
    expected = {"Offset": 0.0, "Scale": 1.0}
    for name, value in expected.items():
        if name not in learnables:
            report.stop(f"learnables needs the key {name!r}.")
        arr = _as_array(learnables[name])
        if arr.size == 6 and arr.shape != (6, 1):
            report.stop(f"{name} has shape {arr.shape}; expected (num_channels, 1) = (6, 1): "
                        "one row per channel, like MATLAB's numChannels-by-1 vectors.")
        if arr.size != 6 or not np.allclose(arr, value):
            report.fail(f"{name} should be {value:g} for each of the 6 channels; got "
                        f"{np.unique(arr).tolist()[:3]} with {arr.size} elements.")
    for name, value in {"TrainedMean": 0.0, "TrainedVariance": 1.0}.items():
        if name not in state:
            report.stop(f"state needs the key {name!r}.")
        arr = _as_array(state[name])
        if arr.size == 6 and arr.shape != (6, 1):
            report.stop(f"{name} has shape {arr.shape}; expected (num_channels, 1) = (6, 1), "
                        "the shape of the learnables.")
        if arr.size != 6 or not np.allclose(arr, value):
            report.fail(f"{name} should start at {value:g}; got {np.unique(arr).tolist()[:3]}.")
    if all(k in state for k in ("TrainedMean",)) and isdlarray(state["TrainedMean"]):
        report.fail("state holds plain arrays, not dlarrays: it is never differentiated.")


def _no_skip(parameters, X):
    Y = ops.relu(ops.dlconv(X, parameters["conv_a"]["Weights"], parameters["conv_a"]["Bias"],
                            padding="same"))
    return ops.relu(ops.dlconv(Y, parameters["conv_b"]["Weights"], parameters["conv_b"]["Bias"],
                               padding="same"))


def residual_block(parameters, X):
    conv_a, conv_b = parameters["conv_a"], parameters["conv_b"]
    Y = dl.relu(dl.dlconv(X, conv_a["Weights"], conv_a["Bias"], padding="same"))
    Y = dl.dlconv(Y, conv_b["Weights"], conv_b["Bias"], padding="same")
    return dl.relu(Y + X)


_reference_block = residual_block  # the checker compares with the solution


@exercise(
    "04.2", "A residual block",
    hints=["dl.dlconv(X, W, b, padding='same') keeps the spatial size, so Y + X works.",
           "Add X before the last relu: relu(conv_b(relu(conv_a(X))) + X)."],
    solution=residual_block,
    wrong_answers=[lambda: _no_skip],
)
def _(residual_block, report):
    rng = np.random.default_rng(40)
    params = {k: {"Weights": dlarray(rng.standard_normal((3, 3, 4, 4)) * 0.2),
                  "Bias": dlarray(rng.standard_normal((4, 1)) * 0.1)} for k in ("conv_a", "conv_b")}
    X = dlarray(rng.standard_normal((6, 5, 4, 2)), "SSCB")
    shrunk = ('without padding="same" each 3×3 convolution loses a one-pixel border, so Y no '
              'longer has the size of X and Y + X cannot add. Pass padding="same" to both '
              "convolutions.")
    try:
        Y = residual_block(params, X)
    except ValueError as err:
        if "shape" in str(err) and "broadcast" in str(err):
            report.stop(f"{shrunk} ({err})")
        raise
    if isdlarray(Y) and Y.fmt == "SSCB" and Y.shape[:2] != X.shape[:2]:
        report.stop(f"the output is {Y.shape[0]}×{Y.shape[1]} instead of {X.shape[0]}×"
                    f"{X.shape[1]}: {shrunk}")
    if not isdlarray(Y) or Y.fmt != "SSCB" or Y.shape != X.shape:
        report.stop(f'the block should keep X\'s format and size "SSCB" {X.shape}; got '
                    f"{getattr(Y, 'fmt', None)!r} {getattr(Y, 'shape', None)}.")
    want = _reference_block(params, X)
    got = extractdata(Y)
    if np.allclose(got, extractdata(want), atol=1e-8):
        return

    def conv(name, Z):
        return ops.dlconv(Z, params[name]["Weights"], params[name]["Bias"], padding="same")

    slips = [
        (_no_skip(params, X), "this is the block without its skip connection: add X before "
         "the final relu."),
        (_no_skip(params, X) + X, "you added X after the final relu: add it before, "
         "relu(conv_b(...) + X), so the output stays non-negative like any relu output."),
        (ops.relu(conv("conv_b", conv("conv_a", X)) + X), "the relu between the two "
         "convolutions is missing: relu(conv_b(relu(conv_a(X))) + X)."),
        (ops.relu(conv("conv_a", ops.relu(conv("conv_a", X))) + X), "you used conv_a's "
         "parameters twice: the second convolution takes conv_b's parameters, "
         "parameters[\"conv_b\"]."),
        (ops.relu(conv("conv_a", ops.relu(conv("conv_b", X))) + X), "the convolutions are in "
         "the wrong order: conv_a comes first, then conv_b."),
    ]
    for candidate, message in slips:
        if np.allclose(got, extractdata(candidate), atol=1e-8):
            report.stop(message)
    report.stop("the output differs from relu(conv_b(relu(conv_a(X))) + X).")
