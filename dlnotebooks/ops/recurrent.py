"""Recurrent cells over a whole sequence: lstm and gru.

Both are autograd primitives with a hand-written backward pass through time. Everything the
backward pass needs (gate activations, cell states) is kept in preallocated arrays, so the
backward pass is one matrix product plus a few fused elementwise updates per step, and the
weight gradients are matrix products over many time steps at once (lstm: a block of steps;
gru: all steps). Only the gradients that are asked for are computed.

lstm is feature-major, one (features, N) block per step, with the whole step in one matrix
product (see the comment above ``_state_cols``); gru is batch-major, ``(T, N, .)``, with the
input projection of every step in one matrix product before the loop.
"""

import numpy as np

from .._autograd import defvjp_argnums, getval, isbox
from .. import _checks
from ._prims import primitive, sample_array
from ._registry import Case, OpRecord, register
from ._recurrent_common import (
    _GATE_ACTS, _REF_GATE, _REF_STATE, _STATE_ACTS, _activations, _check_bias, _check_state,
    _check_weights, _drop_missing, _flatten_ref, _matrix, _no_higher, _out_ref,
    _sample_recurrent, _sequence_input, _state, _sum_to)

__all__ = ["lstm", "gru"]


# ---------------------------------------------------------------- lstm

# Internal gate order: o, i, f, g (sigmoid rows first, contiguous). MATLAB's is i, f, g, o.
# Internally everything is feature-major, one (features, N) block per time step: the
# recurrent product is then (4H, F+H+1) @ (F+H+1, N), the fast shape for BLAS, and every
# elementwise pass of a step runs over one contiguous block. The inputs and hidden states
# share one buffer XH, indexed (T+1, F+H+1, N): XH[t] holds x_t, h_{t-1} and a row of ones, so
# each step is ONE matrix product [W R b] @ [x_t; h_{t-1}; 1] (the bias rides along for free).
# When a backward pass may come, XH is a view of an (F+H+1, T+1, N) array: merging the t and
# n axes is then a view, so the weight gradients of a block of steps are one matrix product.
def _state_cols(S, H, N, dtype):
    """(H, N) or (H, 1) state -> (H, N)."""
    return np.broadcast_to(np.asarray(S, dtype=dtype), (H, N))


class _LSTMCache:
    __slots__ = ("WRb", "W", "R", "XH", "Gt", "TC", "outputs", "dgate", "dstate")


def _lstm_setup(X3, H0, C0, W, R, b, keep=True):
    """Buffers shared by both forward forms.

    WRb (4H, F+H+1): [W R b] with gate rows o, i, f, g. XH: see above. Gt (T+1, 5H, N): per
    step the gate activations o, i, f, g and then the previous cell state c_{t-1}, so that
    [i; f] * [g; c_{t-1}] is one product (Gt[T] holds only the final cell state). TC (T, H, N):
    tanh (the state activation) of each new cell state. Without ``keep`` (no backward pass
    will come), Gt and TC are rings of 2 and 1 steps: step t uses slot t % len.
    """
    F, N, T = X3.shape
    H = R.shape[1]
    dtype = np.result_type(X3, W, R, b, H0, C0)
    WRb = np.empty((4 * H, F + H + 1), dtype=dtype)
    for rows, src in ((slice(0, H), slice(3 * H, 4 * H)), (slice(H, 4 * H), slice(0, 3 * H))):
        WRb[rows, :F] = W[src]  # slices, not W[perm]: plain copies are faster
        WRb[rows, F:F + H] = R[src]
        WRb[rows, F + H] = b[src]
    if keep:  # steps side by side in each row: (rows, steps * N) are views for the backward
        XH = np.transpose(np.empty((F + H + 1, T + 1, N), dtype=dtype), (1, 0, 2))
    else:  # each step's [x; h; 1] contiguous: faster products and writes of h
        XH = np.empty((T + 1, F + H + 1, N), dtype=dtype)
    XH[:T, :F] = np.transpose(X3, (2, 0, 1))
    XH[T, :F] = 0  # never read; keeps the buffer free of garbage
    XH[0, F:F + H] = _state_cols(H0, H, N, dtype)
    XH[:, F + H] = 1
    Gt = np.empty((T + 1 if keep else 2, 5 * H, N), dtype=dtype)
    Gt[0, 4 * H:] = _state_cols(C0, H, N, dtype)
    cache = _LSTMCache()
    cache.WRb, cache.XH, cache.Gt = WRb, XH, Gt
    # The backward pass works in MATLAB's gate order, so that its products give the weight
    # gradients and dX without reordering rows.
    cache.W, cache.R = np.asarray(W, dtype=dtype), np.asarray(R, dtype=dtype)
    cache.TC = np.empty((T if keep else 1, H, N), dtype=dtype)
    return cache


def _lstm_finish(cache, F, H, T):
    XH, Gt = cache.XH, cache.Gt
    # Views, no copies: Y as (H, N, T), the last hidden and the last cell state. (Y is turned
    # here rather than by a traced transpose after the primitive: one node less on the tape.)
    cache.outputs = (np.transpose(XH[1:, F:F + H], (1, 2, 0)), XH[T, F:F + H],
                     Gt[T % len(Gt), 4 * H:])
    return cache


def _lstm_forward(X3, H0, C0, W, R, b, keep=True):
    """Forward pass on raw arrays; returns a cache with the outputs and, with ``keep``, what
    the backward pass needs."""
    F, N, T = X3.shape
    H = R.shape[1]
    cache = _lstm_setup(X3, H0, C0, W, R, b, keep)
    XH, Gt, TC = cache.XH, cache.Gt, cache.TC
    ng, nc = len(Gt), len(TC)
    # One tanh per gate element: sigmoid(z) = (1 + tanh(z / 2)) / 2. The factor 1/2 of the
    # sigmoid rows is folded into [W R b] (exact: a power of two).
    WRs = cache.WRb
    WRs[:3 * H] *= 0.5
    prod = np.empty((2 * H, N), dtype=Gt.dtype)
    ig, fc = prod[:H], prod[H:]
    # Views along t made once: indexing them per step is cheaper than slicing per step.
    XHt, Hn = XH, XH[:, F:F + H]
    A, S, IF, GC, O, Cn = (Gt[:, :4 * H], Gt[:, :3 * H], Gt[:, H:3 * H], Gt[:, 3 * H:],
                           Gt[:, :H], Gt[:, 4 * H:])
    # Positional out= and local names: measurably less overhead per call on small blocks.
    matmul, tanh, mul, add = np.matmul, np.tanh, np.multiply, np.add
    for t in range(T):
        j, j1 = t % ng, (t + 1) % ng
        a, s, tc, cn = A[j], S[j], TC[t % nc], Cn[j1]
        matmul(WRs, XHt[t], a)
        tanh(a, a)
        mul(s, 0.5, s)
        add(s, 0.5, s)
        mul(IF[j], GC[j], prod)  # [i; f] * [g; c_{t-1}]
        add(ig, fc, cn)
        tanh(cn, tc)
        mul(O[j], tc, Hn[t + 1])
    cache.dgate = cache.dstate = None  # sigmoid and tanh: derivatives computed in place
    return _lstm_finish(cache, F, H, T)


def _lstm_forward_general(X3, H0, C0, W, R, b, state, gate):
    """Forward pass for any state/gate activation: the plain form of ``_lstm_forward``.

    The same cache layout, so the same backward pass serves both, with the activations'
    derivatives taken from the cache.
    """
    F, N, T = X3.shape
    H = R.shape[1]
    f_gate, f_state = _GATE_ACTS[gate][0], _STATE_ACTS[state][0]
    cache = _lstm_setup(X3, H0, C0, W, R, b)
    XH, Gt, TC, WRb = cache.XH, cache.Gt, cache.TC, cache.WRb
    for t in range(T):
        z = WRb @ XH[t]
        Gt[t, :3 * H] = f_gate(z[:3 * H])
        Gt[t, 3 * H:4 * H] = f_state(z[3 * H:])
        o, i, f, g, c = (Gt[t, k * H:(k + 1) * H] for k in range(5))
        Gt[t + 1, 4 * H:] = f * c + i * g
        TC[t] = f_state(Gt[t + 1, 4 * H:])
        XH[t + 1, F:F + H] = o * TC[t]
    cache.dgate, cache.dstate = _GATE_ACTS[gate][1], _STATE_ACTS[state][1]
    return _lstm_finish(cache, F, H, T)


_BLOCK_STEPS = 16  # at most, per block of the backward pass: the block stays in cache


def _lstm_factors(cache, t0, t1, P):
    """What the backward pass needs that does not depend on the incoming gradient, for steps
    t0..t1-1 at once, into P[:t1-t0] of shape (., 5, H, N): blocks Q, P_o, P_i, P_f, P_g with
    dc += dh * Q, dz_o = dh * P_o and dz_{i,f,g} = dc * P_{i,f,g}."""
    Gt, TC = cache.Gt[t0:t1], cache.TC[t0:t1]
    n, H, N = TC.shape
    G5 = Gt.reshape(n, 5, H, N)  # o, i, f, g, c_{t-1}
    S, O, I, G = G5[:, :3], G5[:, 0], G5[:, 1], G5[:, 3]
    P = P[:n]
    if cache.dgate is None:  # sigmoid gates, tanh state: y(1 - y) and 1 - y^2, in place
        np.multiply(TC, TC, out=P[:, 0])
        np.subtract(1, P[:, 0], out=P[:, 0])
        np.subtract(1, S, out=P[:, 1:4])
        P[:, 1:4] *= S
        np.multiply(G, G, out=P[:, 4])
        np.subtract(1, P[:, 4], out=P[:, 4])
    else:
        P[:, 0] = cache.dstate(TC)
        P[:, 1:4] = cache.dgate(S)
        P[:, 4] = cache.dstate(G)
    P[:, 0] *= O
    P[:, 1] *= TC
    P[:, 2:4] *= G5[:, 3:5]  # P_i *= g, P_f *= c_{t-1}
    P[:, 4] *= I


def _lstm_backward(cache, gY, ghT, gcT, need):
    """gY: the gradient of Y as (T, H, N), one (H, N) block per step; ghT, gcT: (H, N)."""
    XH, Gt, TC, W = cache.XH, cache.Gt, cache.TC, cache.W
    T, H, N = TC.shape
    F = XH.shape[1] - H - 1
    dtype = Gt.dtype
    RT = np.empty((H, 4 * H), dtype=dtype)
    for k in range(4):  # R.T by square blocks: twice as fast as at once
        RT[:, k * H:(k + 1) * H] = cache.R[k * H:(k + 1) * H].T
    gY = np.broadcast_to(np.asarray(gY, dtype=dtype), (T, H, N))
    if not (gY[0].flags.c_contiguous or gY.strides[1:] == (0, 0)):
        # E.g. the transposed view that the gradient of Y's (H, N, T) layout arrives as: one
        # copy costs less than reading scattered numbers at every step, and copying 16 rows
        # at a time is twice as fast as all at once.
        gY, scattered = np.empty((T, H, N), dtype=dtype), gY
        for k in range(0, H, 16):
            gY[:, k:k + 16] = scattered[:, k:k + 16]
    B = -(-T // -(-T // _BLOCK_STEPS))  # equal blocks (T = 50: 13, 13, 13, 11)
    # The gradients of the pre-activations of a block of steps, in MATLAB's gate order
    # i, f, g, o, as (4H, B, N): (4H, B*N) is then a view, so that each block adds to the
    # weight gradients and to dX with one matrix product each, while it is still in cache.
    # (Measured faster than one product over all steps: a (4H, T, N) array of all of them is
    # written one (4H, N) step at a time, scattered over megabytes.)
    Zt = np.empty((4 * H, B, N), dtype=dtype)
    Dt = np.transpose(Zt, (1, 0, 2))  # (B, 4H, N) view
    D3, Do = np.transpose(Zt[:3 * H].reshape(3, H, B, N), (2, 0, 1, 3)), Dt[:, 3 * H:]
    dh = np.empty((H, N), dtype=dtype)
    q = np.empty((H, N), dtype=dtype)
    dh_rec = np.array(_state_cols(ghT, H, N, dtype))
    dc = np.array(_state_cols(gcT, H, N, dtype))
    # The factors come block by block, computed just before the loop reaches them.
    P = np.empty((B, 5, H, N), dtype=dtype)
    PQ, PO, P3, Fg = P[:, 0], P[:, 1], P[:, 2:], Gt[:, 2 * H:3 * H]  # views made once
    # One product for the contiguous range of XH rows that covers the weight gradients asked
    # for (rows x, h, 1: W, R, b); its column j belongs to XH row lo + j.
    spans = [s for k, s in ((3, (0, F)), (4, (F, F + H)), (5, (F + H, F + H + 1))) if k in need]
    dWRb = part = None
    if spans:
        lo, hi = spans[0][0], spans[-1][1]
        dWRb = np.empty((4 * H, hi - lo), dtype=dtype)
        part = np.empty_like(dWRb)
    dX = np.empty((T, N, F), dtype=dtype) if 0 in need else None
    matmul, mul, add = np.matmul, np.multiply, np.add
    dH0, dC0 = 1 in need, 2 in need
    for t1 in range(T, 0, -B):
        t0 = max(t1 - B, 0)
        _lstm_factors(cache, t0, t1, P)
        for t in range(t1 - 1, t0 - 1, -1):  # positional out=, local names: see the forward
            k = t - t0
            add(dh_rec, gY[t], dh)
            mul(dh, PO[k], Do[k])  # dz_o
            mul(dh, PQ[k], q)
            add(dc, q, dc)
            mul(dc, P3[k], D3[k])  # dz_i, dz_f, dz_g
            if t or dC0:  # at t = 0, only the gradients of C0 and H0 are left to come
                mul(dc, Fg[t], dc)
            if t or dH0:
                matmul(RT, Dt[k], dh_rec)
        n = t1 - t0
        Z2 = Zt[:, :n].reshape(4 * H, n * N)
        if dWRb is not None:
            first = t1 == T
            XB = np.transpose(XH[t0:t1, lo:hi], (1, 0, 2)).reshape(hi - lo, n * N)  # a view
            np.matmul(Z2, XB.T, out=dWRb if first else part)
            if not first:
                dWRb += part
        if dX is not None:  # (n*N, 4H) @ (4H, F) is the faster shape
            np.matmul(Z2.T, W, out=dX[t0:t1].reshape(n * N, F))
    dW = dWRb[:, :F] if 3 in need else None
    dR = dWRb[:, F - lo:F + H - lo] if 4 in need else None
    db = dWRb[:, F + H - lo] if 5 in need else None
    if dX is not None:
        dX = np.transpose(dX, (2, 1, 0))  # (T, N, F) -> (F, N, T), a view
    return dX, dh_rec if dH0 else None, dc if dC0 else None, dW, dR, db


@primitive
def _lstm_core(X3, H0, C0, W, R, b, cache):
    return cache.outputs


def _lstm_vjp(argnums, ans, args, kwargs):
    X3, H0, C0, W, R, b, cache = args

    def vjp(g):
        _no_higher("lstm", X3, H0, C0, W, R, b, g)
        gY, ghT, gcT = g
        gY = np.transpose(np.asarray(gY), (2, 0, 1))  # (H, N, T) -> (T, H, N), a view
        dX, dH0, dC0, dW, dR, db = _lstm_backward(cache, gY, ghT, gcT, set(argnums))
        full = (dX, dH0 if dH0 is None else _sum_to(dH0, np.shape(H0)),
                dC0 if dC0 is None else _sum_to(dC0, np.shape(C0)), dW, dR, db)
        return tuple(full[i] for i in argnums)

    return vjp


defvjp_argnums(_lstm_core, _lstm_vjp)


def lstm(X, H0, C0, weights, recurrent_weights, bias, *, state_activation_function="tanh",
         gate_activation_function="sigmoid", data_format=None):
    """Apply a long short-term memory (LSTM) layer to a whole sequence.

    For every time step t, with gates in MATLAB's order i (input), f (forget), g (cell
    candidate), o (output):
    ``[i; f; g; o] = [σ; σ; tanh; σ](W x_t + R h_{t-1} + b)``,
    ``c_t = f ⊙ c_{t-1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``.

    .. math::
        z_t = W x_t + R h_{t-1} + b,\\quad
        c_t = \\sigma(z^f_t) \\odot c_{t-1} + \\sigma(z^i_t) \\odot \\tanh(z^g_t),\\quad
        h_t = \\sigma(z^o_t) \\odot \\tanh(c_t)

    Parameters
    ----------
    X : dlarray, format "CBT" shape (C, N, T); also "CB" (one step), "CT" (one observation),
        or with S dims ("SCBT"), which are flattened with C in column-major (MATLAB) order.
    H0 : dlarray or array, shape (H, N) or (H, 1)
        Initial hidden state; a single column is shared by all observations.
    C0 : dlarray or array, shape (H, N) or (H, 1)
        Initial cell state.
    weights : dlarray or array, shape (4H, C)
        Input weights, row blocks i, f, g, o.
    recurrent_weights : dlarray or array, shape (4H, H)
        Recurrent weights, row blocks i, f, g, o. H is read from its second dimension.
    bias : dlarray or array, 4H elements, e.g. shape (4H, 1)
    state_activation_function : {"tanh", "softsign", "relu"}, default "tanh"
        Applied to the cell candidate g and to the cell state in ``h = o ⊙ act(c)``.
        ``softsign(z) = z / (1 + |z|)``.
    gate_activation_function : {"sigmoid", "hard-sigmoid"}, default "sigmoid"
        Applied to the gates i, f, o. ``hard-sigmoid(z) = min(1, max(0, 0.2 z + 0.5))``.
    data_format : str, optional
        Format of an unformatted ``X``; the outputs are then unformatted.

    Returns
    -------
    Y : dlarray, format "CBT" shape (H, N, T): the hidden state at every step (X's format
        without S dims).
    hidden_state : dlarray, format "CB" shape (H, N): h at the last step.
    cell_state : dlarray, format "CB" shape (H, N): c at the last step.

    Raises
    ------
    ValueError
        X without a C dimension; weights, recurrent_weights or bias whose sizes do not match
        4H; H0 or C0 of the wrong size.
    RuntimeError
        When asked for higher derivatives (``enable_higher_derivatives=True``) through lstm.

    Notes
    -----
    Cost: one (4H, C+H+1) x (C+H+1, N) matrix product per step (``[W R b] @ [x; h; 1]``,
    the input projection and the bias included), and a hand-written backward pass through
    time with one (H, 4H) x (4H, N) product per step; the weight gradients and the gradient of
    X are one product each per block of up to 16 steps. All four gates take one ``tanh`` per
    element: ``σ(z) = (1 + tanh(z/2)) / 2``. When a gradient can be asked for (inside
    ``dlfeval``, with a traced input), the activations of every step are stored for the
    backward pass: memory grows as ``(C + 7H) N T`` numbers; otherwise as ``(C + H) N T``.

    MATLAB compatibility
    --------------------
    ``[Y, hiddenState, cellState] = lstm(X, H0, C0, weights, recurrentWeights, bias)`` with the
    same weight layout and gate order, so weights trained in MATLAB work unchanged. Python
    always returns the three outputs. Higher derivatives are not supported, as in MATLAB.
    ``StateActivationFunction`` and ``GateActivationFunction`` are ``state_activation_function``
    and ``gate_activation_function`` (MATLAB's documentation: tanh is the default state
    activation and the sigmoid the default gate activation). The option values "softsign",
    "relu" and "hard-sigmoid" and the hard sigmoid's form ``0.2 z + 0.5`` clipped to [0, 1]
    are taken from ``lstmLayer``'s options as we recall them (UNVERIFIED against a MATLAB
    installation). The derivative of relu at 0 and of the hard sigmoid at its corners is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> rng = np.random.default_rng(0)
    >>> X = dlarray(rng.standard_normal((3, 2, 5)), "CBT")
    >>> H = 4
    >>> W, R = rng.standard_normal((4 * H, 3)), rng.standard_normal((4 * H, H))
    >>> Y, h, c = lstm(X, np.zeros((H, 1)), np.zeros((H, 1)), W, R, np.zeros(4 * H))
    >>> Y.fmt, Y.shape, h.fmt, h.shape
    ('CBT', (4, 2, 5), 'CB', (4, 2))
    """
    func = "lstm"
    state, gate = _activations(func, state_activation_function, gate_activation_function)
    layout, X3, out_fmt, num_features = _sequence_input(func, X, data_format)
    W = _matrix(func, "weights", weights)
    R = _matrix(func, "recurrent_weights", recurrent_weights)
    H = _check_weights(func, 4, "i, f, g, o", num_features, W, R)
    N = np.shape(getval(X3))[1]
    b = _check_bias(func, _matrix(func, "bias", bias), 4 * H,
                    f"Use shape ({4 * H}, 1): one bias per gate row.")
    h0 = _check_state(func, "H0", H0, H, N)
    c0 = _check_state(func, "C0", C0, H, N)
    args = (X3, h0, c0, W, R, b)
    raw = tuple(np.asarray(getval(v)) for v in args)
    if (state, gate) == ("tanh", "sigmoid"):
        # Untraced, no gradient can come: keep only what the outputs are made of.
        cache = _lstm_forward(*raw, keep=any(isbox(v) for v in args))
    else:
        cache = _lstm_forward_general(*raw, state, gate)
    out = _lstm_core(X3, h0, c0, W, R, b, cache)
    Y = _drop_missing(out[0], layout.fmt)
    return layout.restore(Y, out_fmt), _state(layout, out[1]), _state(layout, out[2])


def _lstm_reference(X, H0, C0, weights, recurrent_weights, bias, *, fmt,
                    state_activation_function="tanh", gate_activation_function="sigmoid"):
    sg, st = _REF_GATE[gate_activation_function], _REF_STATE[state_activation_function]
    steps = _flatten_ref(X, fmt)
    H = recurrent_weights.shape[1]
    N = steps[0].shape[1]
    b = np.ravel(bias)
    h = np.broadcast_to(np.asarray(H0, dtype=float).reshape(H, -1), (H, N)).copy()
    c = np.broadcast_to(np.asarray(C0, dtype=float).reshape(H, -1), (H, N)).copy()
    outs = []
    for x in steps:
        for n in range(N):
            z = weights @ x[:, n] + recurrent_weights @ h[:, n] + b
            i, f, g, o = sg(z[:H]), sg(z[H:2 * H]), st(z[2 * H:3 * H]), sg(z[3 * H:])
            c[:, n] = f * c[:, n] + i * g
            h[:, n] = o * st(c[:, n])
        outs.append(h.copy())
    return _out_ref(np.stack(outs, axis=2), fmt), h, c


def _lstm_extra(rng, dtype, n, params, states):
    C = 4
    return [
        Case("softsign hard-sigmoid", (sample_array(rng, (C, n, 4), dtype, "CBT"),)
             + states(n) + params(C), {"state_activation_function": "softsign",
                                       "gate_activation_function": "hard-sigmoid"},
             ("CBT", "CB", "CB")),
        Case("relu state", (sample_array(rng, (C, n, 3), dtype, "CBT"),) + states(1)
             + params(C), {"state_activation_function": "relu"}, ("CBT", "CB", "CB")),
    ]


register(OpRecord("lstm", lstm, _lstm_reference, _sample_recurrent(4, _lstm_extra),
                  diff_argnums=(0, 1, 2, 3, 4, 5), second_order=False))


# ---------------------------------------------------------------- gru

def _batch_major(X3, dtype):
    """(F, N, T) -> contiguous (T, N, F)."""
    return np.ascontiguousarray(np.transpose(X3, (2, 1, 0)), dtype=dtype)


def _state_rows(S, H, N, dtype):
    """(H, N) or (H, 1) state -> (N, H)."""
    return np.broadcast_to(np.asarray(S, dtype=dtype).T, (N, H))


_GRU_MODES = ("after-multiplication", "before-multiplication",
              "recurrent-bias-after-multiplication")


class _GRUCache:
    __slots__ = ("X", "W", "R", "A", "Q", "Hs", "mode", "outputs", "dgate", "dstate")


def _gru_forward(X3, H0, W, R, b, mode):
    """Forward pass on raw arrays, batch-major like lstm; columns r, z, h̃."""
    F, N, T = X3.shape
    H = R.shape[1]
    dtype = np.result_type(X3, W, R, b, H0)
    half = np.ones(3 * H, dtype=dtype)
    half[:2 * H] = 0.5  # r and z columns halved for the tanh form of the sigmoid
    bW = b[:3 * H].astype(dtype, copy=False)
    bR = b[3 * H:].astype(dtype, copy=False) if mode == 2 else None
    Xb = _batch_major(X3, dtype)
    WsT = np.ascontiguousarray(W.T * half, dtype=dtype)  # (F, 3H)
    G = np.matmul(Xb.reshape(T * N, F), WsT).reshape(T, N, 3 * H)
    G += bW * half
    if bR is not None:
        G[..., :2 * H] += 0.5 * bR[:2 * H]
    RsT = np.ascontiguousarray(R.T * half, dtype=dtype)  # (H, 3H); h̃ columns unscaled
    RhT = np.ascontiguousarray(R[2 * H:].T, dtype=dtype)
    A = np.empty((T, N, 3 * H), dtype=dtype)  # r, z, h̃
    Q = np.empty((T, N, H), dtype=dtype)  # after: R_h h (+ b_Rh); before: r * h
    Hs = np.empty((T + 1, N, H), dtype=dtype)
    Hs[0] = _state_rows(H0, H, N, dtype)
    zr = np.empty((N, 3 * H), dtype=dtype)
    tmp = np.empty((N, H), dtype=dtype)
    for t in range(T):
        h, a = Hs[t], A[t]
        if mode == 1:
            np.matmul(h, RsT[:, :2 * H], out=zr[:, :2 * H])
        else:
            np.matmul(h, RsT, out=zr)
            if bR is not None:
                zr[:, 2 * H:] += bR[2 * H:]
        s = a[:, :2 * H]
        np.add(G[t, :, :2 * H], zr[:, :2 * H], out=s)
        np.tanh(s, out=s)
        s *= 0.5
        s += 0.5
        r, z, hc = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        if mode == 1:
            np.multiply(r, h, out=Q[t])
            np.matmul(Q[t], RhT, out=hc)
        else:
            Q[t] = zr[:, 2 * H:]
            np.multiply(r, Q[t], out=hc)
        hc += G[t, :, 2 * H:]
        np.tanh(hc, out=hc)
        np.subtract(h, hc, out=tmp)
        tmp *= z
        np.add(hc, tmp, out=Hs[t + 1])
    cache = _GRUCache()
    cache.X, cache.W, cache.R = Xb, np.asarray(W, dtype=dtype), np.asarray(R, dtype=dtype)
    cache.A, cache.Q, cache.Hs, cache.mode = A, Q, Hs, mode
    cache.outputs = (np.transpose(Hs[1:], (2, 1, 0)), Hs[T].T)
    cache.dgate, cache.dstate = _GATE_ACTS["sigmoid"][1], _STATE_ACTS["tanh"][1]
    return cache


def _gru_forward_general(X3, H0, W, R, b, mode, state, gate):
    """Forward pass for any state/gate activation: the plain form of ``_gru_forward``."""
    F, N, T = X3.shape
    H = R.shape[1]
    dtype = np.result_type(X3, W, R, b, H0)
    f_gate, f_state = _GATE_ACTS[gate][0], _STATE_ACTS[state][0]
    bW = b[:3 * H].astype(dtype, copy=False)
    bR = b[3 * H:].astype(dtype, copy=False) if mode == 2 else np.zeros(3 * H, dtype)
    Wd, Rd = np.asarray(W, dtype=dtype), np.asarray(R, dtype=dtype)
    Xb = _batch_major(X3, dtype)
    G = np.matmul(Xb.reshape(T * N, F), Wd.T).reshape(T, N, 3 * H) + bW
    A = np.empty((T, N, 3 * H), dtype=dtype)
    Q = np.empty((T, N, H), dtype=dtype)
    Hs = np.empty((T + 1, N, H), dtype=dtype)
    Hs[0] = _state_rows(H0, H, N, dtype)
    for t in range(T):
        h = Hs[t]
        rec = h @ Rd.T + bR  # (N, 3H): recurrent pre-activations r, z, h̃
        A[t, :, :2 * H] = f_gate(G[t, :, :2 * H] + rec[:, :2 * H])
        r, z = A[t, :, :H], A[t, :, H:2 * H]
        if mode == 1:
            Q[t] = r * h
            pre = G[t, :, 2 * H:] + Q[t] @ Rd[2 * H:].T
        else:
            Q[t] = rec[:, 2 * H:]
            pre = G[t, :, 2 * H:] + r * Q[t]
        A[t, :, 2 * H:] = f_state(pre)
        hc = A[t, :, 2 * H:]
        Hs[t + 1] = hc + z * (h - hc)
    cache = _GRUCache()
    cache.X, cache.W, cache.R = Xb, Wd, Rd
    cache.A, cache.Q, cache.Hs, cache.mode = A, Q, Hs, mode
    cache.outputs = (np.transpose(Hs[1:], (2, 1, 0)), Hs[T].T)
    cache.dgate, cache.dstate = _GATE_ACTS[gate][1], _STATE_ACTS[state][1]
    return cache


def _gru_backward(cache, gY, ghT, need):
    A, Q, Hs, R, mode = cache.A, cache.Q, cache.Hs, cache.R, cache.mode
    T, N, H3 = A.shape
    H = H3 // 3
    F = cache.X.shape[2]
    dtype = A.dtype
    Rr, Z, Hc = A[..., :H], A[..., H:2 * H], A[..., 2 * H:]
    P_h = (1 - Z) * cache.dstate(Hc)  # d pre-candidate / d h
    P_z = (Hs[:-1] - Hc) * cache.dgate(Z)  # d pre-z / d h
    S_r = cache.dgate(Rr)
    gYb = np.transpose(np.asarray(gY, dtype=dtype), (2, 1, 0))
    dZx = np.empty((T, N, 3 * H), dtype=dtype)  # pre-activations of the input projection
    dZr = np.empty((T, N, 3 * H), dtype=dtype)  # pre-activations of the recurrent product
    dh = np.empty((N, H), dtype=dtype)
    dh_rec = np.array(np.broadcast_to(np.asarray(ghT, dtype=dtype), (H, N)).T)
    tmp = np.empty((N, H), dtype=dtype)
    Rh, Rrz = R[2 * H:], R[:2 * H]
    for t in range(T - 1, -1, -1):
        np.add(gYb[t], dh_rec, out=dh)
        dx, dr = dZx[t], dZr[t]
        da = dx[:, 2 * H:]
        np.multiply(dh, P_h[t], out=da)
        np.multiply(dh, P_z[t], out=dx[:, H:2 * H])
        if mode == 1:
            np.matmul(da, Rh, out=tmp)  # gradient w.r.t. r * h
            np.multiply(tmp, Hs[t], out=dx[:, :H])
            dx[:, :H] *= S_r[t]
            dr[:, :2 * H] = dx[:, :2 * H]
            np.matmul(dr[:, :2 * H], Rrz, out=dh_rec)
            tmp *= Rr[t]
            dh_rec += tmp
        else:
            np.multiply(da, Q[t], out=dx[:, :H])
            dx[:, :H] *= S_r[t]
            dr[:, :2 * H] = dx[:, :2 * H]
            np.multiply(da, Rr[t], out=dr[:, 2 * H:])
            np.matmul(dr, R, out=dh_rec)
        np.multiply(dh, Z[t], out=tmp)
        dh_rec += tmp
    dZx2, dZr2 = dZx.reshape(T * N, H3), dZr.reshape(T * N, H3)
    Hp = Hs[:-1].reshape(T * N, H)
    dW = dZx2.T @ cache.X.reshape(T * N, F) if 2 in need else None
    dR = None
    if 3 in need:
        if mode == 1:
            dR = np.concatenate([dZr2[:, :2 * H].T @ Hp,
                                 dZx2[:, 2 * H:].T @ Q.reshape(T * N, H)])
        else:
            dR = dZr2.T @ Hp
    db = None
    if 4 in need:
        db = dZx2.sum(axis=0)
        if mode == 2:
            db = np.concatenate([db, dZr2.sum(axis=0)])
    dX = np.transpose((dZx2 @ cache.W).reshape(T, N, F), (2, 1, 0)) if 0 in need else None
    return dX, dh_rec.T, dW, dR, db


@primitive
def _gru_core(X3, H0, W, R, b, cache):
    return cache.outputs


def _gru_vjp(argnums, ans, args, kwargs):
    X3, H0, W, R, b, cache = args

    def vjp(g):
        _no_higher("gru", X3, H0, W, R, b, g)
        dX, dH0, dW, dR, db = _gru_backward(cache, g[0], g[1], set(argnums))
        full = (dX, _sum_to(dH0, np.shape(H0)), dW, dR, db)
        return tuple(full[i] for i in argnums)

    return vjp


defvjp_argnums(_gru_core, _gru_vjp)


def gru(X, H0, weights, recurrent_weights, bias, *, reset_gate_mode="after-multiplication",
        state_activation_function="tanh", gate_activation_function="sigmoid",
        data_format=None):
    """Apply a gated recurrent unit (GRU) layer to a whole sequence.

    Gates in MATLAB's order r (reset), z (update), h̃ (candidate):
    ``r = σ(W_r x + R_r h + b_r)``, ``z = σ(W_z x + R_z h + b_z)``,
    ``h̃ = tanh(W_h x + r ⊙ (R_h h) + b_h)`` (default ``reset_gate_mode``),
    ``h_t = (1 − z) ⊙ h̃ + z ⊙ h_{t−1}``.

    .. math::
        h_t = (1 - z_t) \\odot \\tilde h_t + z_t \\odot h_{t-1}

    ``reset_gate_mode`` chooses the candidate:

    * ``"after-multiplication"``: ``h̃ = tanh(W_h x + b_h + r ⊙ (R_h h))``
    * ``"before-multiplication"``: ``h̃ = tanh(W_h x + b_h + R_h (r ⊙ h))``
    * ``"recurrent-bias-after-multiplication"``: bias has 6H elements, the input biases
      ``b_W`` (r, z, h̃) followed by the recurrent biases ``b_R``;
      ``r = σ(W_r x + b_Wr + R_r h + b_Rr)`` (z likewise) and
      ``h̃ = tanh(W_h x + b_Wh + r ⊙ (R_h h + b_Rh))`` (the cuDNN/PyTorch form).

    Parameters
    ----------
    X : dlarray, format "CBT" shape (C, N, T); also "CB", "CT", or with S dims flattened with C
        in column-major order.
    H0 : dlarray or array, shape (H, N) or (H, 1)
    weights : dlarray or array, shape (3H, C), row blocks r, z, h̃
    recurrent_weights : dlarray or array, shape (3H, H), row blocks r, z, h̃
    bias : dlarray or array, 3H elements (6H for "recurrent-bias-after-multiplication")
    reset_gate_mode : str, default "after-multiplication"
    state_activation_function : {"tanh", "softsign", "relu"}, default "tanh"
        Applied to the candidate h̃.
    gate_activation_function : {"sigmoid", "hard-sigmoid"}, default "sigmoid"
        Applied to the gates r and z.
    data_format : str, optional
        Format of an unformatted ``X``; the outputs are then unformatted.

    Returns
    -------
    Y : dlarray, format "CBT" shape (H, N, T) (X's format without S dims)
    hidden_state : dlarray, format "CB" shape (H, N)

    Raises
    ------
    ValueError
        Unknown ``reset_gate_mode``, ``state_activation_function`` or
        ``gate_activation_function``; weight, bias or H0 sizes that do not match 3H (6H).
    RuntimeError
        When asked for higher derivatives through gru.

    Notes
    -----
    Same structure as :func:`lstm`: one input projection for all steps, one recurrent product
    per step (two in "before-multiplication" mode), hand-written backward pass through time.

    MATLAB compatibility
    --------------------
    ``[Y, hiddenState] = gru(X, H0, weights, recurrentWeights, bias, ResetGateMode=mode)``
    becomes ``gru(..., reset_gate_mode=mode)``. The gate order r, z, h̃ and the 6H bias layout
    are taken from MATLAB's documentation of ``gruLayer`` as we understand it (not verified
    against a MATLAB installation). Higher derivatives are not supported, as in MATLAB.
    ``StateActivationFunction`` and ``GateActivationFunction`` are ``state_activation_function``
    and ``gate_activation_function``, with the same values as for :func:`lstm` (UNVERIFIED
    for gru, as for lstm).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> rng = np.random.default_rng(0)
    >>> X = dlarray(rng.standard_normal((3, 2, 5)), "CBT")
    >>> W, R = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    >>> Y, h = gru(X, np.zeros((2, 1)), W, R, np.zeros(6))
    >>> Y.fmt, Y.shape, h.shape
    ('CBT', (2, 2, 5), (2, 2))
    """
    func = "gru"
    state, gate = _activations(func, state_activation_function, gate_activation_function)
    mode = _GRU_MODES.index(_checks.choice(func, "reset_gate_mode", reset_gate_mode,
                                           _GRU_MODES))
    layout, X3, out_fmt, num_features = _sequence_input(func, X, data_format)
    W = _matrix(func, "weights", weights)
    R = _matrix(func, "recurrent_weights", recurrent_weights)
    H = _check_weights(func, 3, "r, z, h̃", num_features, W, R)
    N = np.shape(getval(X3))[1]
    nb = 6 * H if mode == 2 else 3 * H
    b = _check_bias(func, _matrix(func, "bias", bias), nb,
                    f"Use shape ({nb}, 1)" + (": input biases then recurrent biases."
                                              if mode == 2 else "."))
    h0 = _check_state(func, "H0", H0, H, N)
    raw = tuple(np.asarray(getval(v)) for v in (X3, h0, W, R, b))
    if (state, gate) == ("tanh", "sigmoid"):
        cache = _gru_forward(*raw, mode)
    else:
        cache = _gru_forward_general(*raw, mode, state, gate)
    out = _gru_core(X3, h0, W, R, b, cache)
    return layout.restore(_drop_missing(out[0], layout.fmt), out_fmt), _state(layout, out[1])


def _gru_reference(X, H0, weights, recurrent_weights, bias, *, fmt,
                   reset_gate_mode="after-multiplication", state_activation_function="tanh",
                   gate_activation_function="sigmoid"):
    sg, st = _REF_GATE[gate_activation_function], _REF_STATE[state_activation_function]
    steps = _flatten_ref(X, fmt)
    H = recurrent_weights.shape[1]
    N = steps[0].shape[1]
    b = np.ravel(bias)
    bW, bR = b[:3 * H], (b[3 * H:] if b.size == 6 * H else np.zeros(3 * H))
    Wr, Wz, Wh = weights[:H], weights[H:2 * H], weights[2 * H:]
    Rr, Rz, Rh = recurrent_weights[:H], recurrent_weights[H:2 * H], recurrent_weights[2 * H:]
    h = np.broadcast_to(np.asarray(H0, dtype=float).reshape(H, -1), (H, N)).copy()
    outs = []
    for x in steps:
        for n in range(N):
            hp, xn = h[:, n].copy(), x[:, n]
            r = sg(Wr @ xn + bW[:H] + Rr @ hp + bR[:H])
            z = sg(Wz @ xn + bW[H:2 * H] + Rz @ hp + bR[H:2 * H])
            if reset_gate_mode == "before-multiplication":
                cand = st(Wh @ xn + bW[2 * H:] + Rh @ (r * hp))
            else:
                cand = st(Wh @ xn + bW[2 * H:] + r * (Rh @ hp + bR[2 * H:]))
            h[:, n] = (1 - z) * cand + z * hp
        outs.append(h.copy())
    return _out_ref(np.stack(outs, axis=2), fmt), h


def _gru_extra(rng, dtype, n, params, states):
    C = 4
    return [
        Case("before-multiplication", (sample_array(rng, (C, n, 4), dtype, "CBT"),)
             + states(n) + params(C), {"reset_gate_mode": "before-multiplication"},
             ("CBT", "CB")),
        Case("recurrent-bias-after", (sample_array(rng, (C, n, 4), dtype, "CBT"),)
             + states(1) + params(C, 18),
             {"reset_gate_mode": "recurrent-bias-after-multiplication"}, ("CBT", "CB")),
        Case("softsign hard-sigmoid", (sample_array(rng, (C, n, 4), dtype, "CBT"),)
             + states(n) + params(C), {"state_activation_function": "softsign",
                                       "gate_activation_function": "hard-sigmoid"},
             ("CBT", "CB")),
        Case("relu before-multiplication", (sample_array(rng, (C, n, 3), dtype, "CBT"),)
             + states(n) + params(C), {"reset_gate_mode": "before-multiplication",
                                       "state_activation_function": "relu"}, ("CBT", "CB")),
        Case("softsign recurrent-bias-after", (sample_array(rng, (C, n, 3), dtype, "CBT"),)
             + states(1) + params(C, 18),
             {"reset_gate_mode": "recurrent-bias-after-multiplication",
              "state_activation_function": "softsign"}, ("CBT", "CB")),
    ]


register(OpRecord("gru", gru, _gru_reference, _sample_recurrent(3, _gru_extra),
                  diff_argnums=(0, 1, 2, 3, 4), second_order=False))
