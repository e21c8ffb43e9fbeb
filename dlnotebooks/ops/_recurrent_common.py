"""What lstm and gru share: input checks, the activation options, the returned states, and
the naive references' helpers and input sampler for the op registry."""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import getval, isbox
from .. import _checks
from ..core import dlarray
from ._prims import sample_array
from ._registry import Case


# ---------------------------------------------------------------- shared input handling

def _sequence_input(func, X, data_format):
    """Return (layout, X3 (F, N, T), out_fmt, num_features) with S and C flattened like MATLAB."""
    layout = _checks.Layout.of(func, X, data_format)
    fmt = layout.fmt
    layout.require(func, "C")
    if "U" in fmt:
        raise _checks.fail(func, "X", "must not have 'U' dimensions", f'format "{fmt}"',
                           'Relabel them, for example dlarray(X, "CBT").')
    data = layout.data
    shape = np.shape(getval(data))
    nfeat = fmt.index("C") + 1
    feat_shape = shape[:nfeat]
    num_features = math.prod(feat_shape)
    N = shape[fmt.index("B")] if "B" in fmt else 1
    T = shape[fmt.index("T")] if "T" in fmt else 1
    if len(feat_shape) > 1:
        # MATLAB flattens (S1, ..., C) column-major: reverse the feature axes, then flatten.
        perm = tuple(range(nfeat - 1, -1, -1)) + tuple(range(nfeat, len(shape)))
        data = anp.transpose(data, perm)
    if np.shape(getval(data)) != (num_features, N, T):  # already (C, N, T): no node needed
        data = anp.reshape(data, (num_features, N, T))
    X3 = data
    out_fmt = "C" + "".join(label for label in "BT" if label in fmt)
    return layout, X3, out_fmt, num_features


def _matrix(func, arg, value):
    return _checks.as_array_input(func, arg, value)._data


def _check_weights(func, num_gates, gate_names, num_features, W, R):
    r_shape = np.shape(getval(R))
    if len(r_shape) != 2 or r_shape[0] != num_gates * r_shape[1] or r_shape[1] == 0:
        raise _checks.fail(
            func, "recurrent_weights",
            f"must have shape ({num_gates}*num_hidden, num_hidden), one block of rows per gate "
            f"({gate_names})", f"shape {r_shape}")
    H = r_shape[1]
    w_shape = np.shape(getval(W))
    if w_shape != (num_gates * H, num_features):
        raise _checks.fail(
            func, "weights", f"must have shape ({num_gates}*num_hidden, num_features) = "
            f"({num_gates * H}, {num_features}) for {H} hidden units (from recurrent_weights) "
            f"and {num_features} input features", f"shape {w_shape}")
    return H


def _check_bias(func, b, expected, hint=""):
    size = int(np.size(getval(b)))
    if size != expected:
        raise _checks.fail(func, "bias", f"must have {expected} elements",
                           f"shape {np.shape(getval(b))}", hint)
    return anp.reshape(b, (expected,))


def _check_state(func, arg, value, H, N):
    S = _checks.as_array_input(func, arg, value)._data
    shape = np.shape(getval(S))
    if shape in ((H, N), (H, 1)):
        return S
    if int(np.prod(shape)) == H and len(shape) <= 2:
        return anp.reshape(S, (H, 1))
    raise _checks.fail(func, arg, f"must have shape (num_hidden, N) = ({H}, {N}) or ({H}, 1)",
                       f"shape {shape}", "Give one column per observation, or one column "
                       "shared by all observations.")


def _no_higher(func, *values):
    for v in values:
        if isbox(v) or (isinstance(v, (tuple, list)) and any(isbox(x) for x in v)):
            raise RuntimeError(
                f"{func}: higher derivatives are not supported through {func}; MATLAB does not "
                "support them either. Call dlgradient without enable_higher_derivatives=True "
                f"for losses that go through {func}, or compute the second-order term on a "
                f"part of the model without {func}.")


def _sum_to(g, shape):
    """Sum a (H, N) gradient down to a (H, 1) state shape when the state was broadcast."""
    return g.sum(axis=1, keepdims=True) if g.shape != tuple(shape) else g


# ---------------------------------------------------------------- activation options

def _sigmoid(z):
    with np.errstate(over="ignore"):  # exp(-z) = inf for very negative z gives 0, correctly
        return 1.0 / (1.0 + np.exp(-z))


def _hard_sigmoid(z):
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


def _softsign(z):
    return z / (1.0 + np.abs(z))


# name -> (function of the pre-activation, derivative written in terms of the output y).
# The backward pass only keeps outputs, so every derivative is a function of y.
_GATE_ACTS = {
    "sigmoid": (_sigmoid, lambda y: y * (1 - y)),
    "hard-sigmoid": (_hard_sigmoid, lambda y: 0.2 * ((y > 0) & (y < 1))),
}
_STATE_ACTS = {
    "tanh": (np.tanh, lambda y: 1 - y * y),
    "softsign": (_softsign, lambda y: (1 - np.abs(y)) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda y: (y > 0).astype(y.dtype)),
}


def _activations(func, state_activation_function, gate_activation_function):
    state = _checks.choice(func, "state_activation_function", state_activation_function,
                           tuple(_STATE_ACTS))
    gate = _checks.choice(func, "gate_activation_function", gate_activation_function,
                          tuple(_GATE_ACTS))
    return state, gate


def _state(layout, data):
    """A returned (H, N) state: "CB" for formatted X, unformatted for data_format input."""
    return dlarray._wrap(data, "CB" if layout.user_fmt is None else "")


def _drop_missing(Y, fmt):
    """(H, N, T) -> without the N or T axis when X has no B or no T dimension."""
    shape = np.shape(getval(Y))
    kept = tuple(shape[i] for i in range(3) if i == 0 or "BT"[i - 1] in fmt)
    return Y if kept == shape else anp.reshape(Y, kept)


def _sigmoid_ref(x):
    return 1.0 / (1.0 + np.exp(-x))


def _flatten_ref(X, fmt):
    """Reference: X in format fmt -> list over t of (F, N) matrices, plus (N, T, out labels)."""
    X = np.asarray(X, dtype=float)
    perm = sorted(range(len(fmt)), key=lambda i: "SCBTU".index(fmt[i]))
    canon = "".join(fmt[i] for i in perm)
    X = np.transpose(X, perm)
    if "B" not in canon:
        X = np.expand_dims(X, canon.index("C") + 1)
        canon = canon.replace("C", "CB")
    if "T" not in canon:
        X = X[..., None]
        canon += "T"
    nfeat = canon.index("C") + 1
    N, T = X.shape[nfeat], X.shape[nfeat + 1]
    steps = []
    for t in range(T):
        cols = [X[..., n, t].flatten(order="F") for n in range(N)]
        steps.append(np.stack(cols, axis=1))
    return steps


def _out_ref(Yhnt, fmt):
    """(H, N, T) reference result -> X's format without S, in the user's order."""
    labels = "C" + "".join(label for label in "BT" if label in fmt)
    Y = Yhnt
    if "T" not in fmt:
        Y = Y[:, :, 0]
    if "B" not in fmt:
        Y = Y[:, 0]
    user = "".join(label for label in fmt if label in "CBT")
    return np.transpose(Y, [labels.index(label) for label in user])


_REF_GATE = {"sigmoid": lambda x: _sigmoid_ref(x),
             "hard-sigmoid": lambda x: np.minimum(1.0, np.maximum(0.0, 0.2 * x + 0.5))}
_REF_STATE = {"tanh": np.tanh, "softsign": lambda x: x / (1.0 + np.abs(x)),
              "relu": lambda x: np.where(x > 0, x, 0.0)}


def _sample_recurrent(num_gates, extra=None):
    def sample(rng, dtype, n):
        H, C = 3, 4

        def params(num_features, bias_rows=num_gates * H):
            return (sample_array(rng, (num_gates * H, num_features), dtype),
                    sample_array(rng, (num_gates * H, H), dtype),
                    sample_array(rng, (bias_rows, 1), dtype))

        def states(cols):
            return tuple(sample_array(rng, (H, cols), dtype) for _ in range(num_gates - 2)) \
                if num_gates == 4 else (sample_array(rng, (H, cols), dtype),)

        cases = [
            Case("CBT", (sample_array(rng, (C, n, 5), dtype, "CBT"),) + states(n) + params(C),
                 {}, ("CBT", "CB", "CB")[:num_gates - 1]),
            Case("CBT shared H0", (sample_array(rng, (C, n, 3), dtype, "CBT"),) + states(1)
                 + params(C), {}, ("CBT", "CB", "CB")[:num_gates - 1]),
            Case("SCBT", (sample_array(rng, (2, C, n, 2), dtype, "SCBT"),) + states(n)
                 + params(2 * C), {}, ("CBT", "CB", "CB")[:num_gates - 1]),
            Case("CB one step", (sample_array(rng, (C, n), dtype, "CB"),) + states(n)
                 + params(C), {}, ("CB", "CB", "CB")[:num_gates - 1]),
            Case("unformatted TCB", (sample_array(rng, (4, C, n), dtype),) + states(n)
                 + params(C), {"data_format": "TCB"}, ("", "", "")[:num_gates - 1]),
        ]
        if extra:
            cases += extra(rng, dtype, n, params, states)
        return cases

    return sample
