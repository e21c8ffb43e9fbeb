"""Exercises of notebook 10 (sequence classification with LSTM and GRU)."""

import numpy as np

from .. import init
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata, isdlarray
from ._framework import dl, exercise


def _as_array(value):
    return extractdata(value) if isdlarray(value) else np.asarray(value)


# ---------------------------------------------------------------- 10.1 last valid step


def _one_late(Y, mask):
    lengths = np.minimum(mask.sum(axis=1), mask.shape[1] - 1)
    return dlarray(Y[:, np.arange(Y.shape[1]), lengths], "CB")


def _one_early(Y, mask):
    lengths = mask.sum(axis=1)
    return dlarray(Y[:, np.arange(Y.shape[1]), lengths - 2], "CB")


def _padded_last(Y, mask):
    return Y[:, :, -1]


def _steps_at(Y, offsets):
    """Y's (H, N) states at per-observation time indices ``offsets`` (clipped)."""
    data = extractdata(Y)
    idx = np.clip(offsets, 0, data.shape[2] - 1)
    return data[:, np.arange(data.shape[1]), idx]


def last_valid_step(Y, mask):
    lengths = mask.sum(axis=1)                       # number of real steps per sequence
    N = Y.shape[1]
    return dl.dlarray(Y[:, np.arange(N), lengths - 1], "CB")


_reference_last = last_valid_step  # the checker compares with the solution


@exercise(
    "10.1", "The last valid time step of right-padded sequences",
    hints=["mask.sum(axis=1) counts the real steps of each sequence: its length.",
           "A sequence of length L has its last real step at index L - 1 (0-based).",
           "Y[:, np.arange(N), idx] picks one time step per observation; wrap the result with "
           "dlarray(..., 'CB')."],
    solution=last_valid_step,
    wrong_answers=[lambda: _one_late, lambda: _one_early, lambda: _padded_last],
)
def _(last_valid_step, report):
    rng = np.random.default_rng(101)
    H, N, T = 3, 5, 7
    lengths = np.array([7, 2, 5, 1, 4])
    mask = np.arange(T)[None, :] < lengths[:, None]
    Y = dlarray(rng.standard_normal((H, N, T)), "CBT")
    try:
        out = last_valid_step(Y, mask)
    except IndexError as err:
        if "broadcast" in str(err) or "shape mismatch" in str(err):
            report.stop(f"IndexError ({err}). The mask is (N, T) = {mask.shape}, one row per "
                        "sequence, so the lengths are mask.sum(axis=1), one per observation; "
                        f"summing over axis 0 gives T = {T} numbers instead of N = {N}.")
        report.stop(f"IndexError ({err}). Probably off by one: a sequence of length L = {T} "
                    f"(the longest) has no step {T}; indices are 0-based, so its last real "
                    f"step is L - 1.")
    if not isdlarray(out):
        report.stop(f"return a dlarray; got {type(out).__name__}.")
    if out.shape != (H, N):
        report.stop(f"expected shape (H, N) = {(H, N)}: one state per observation; got "
                    f"{out.shape}.")
    if out.fmt != "CB":
        report.fail(f'the result should be formatted "CB" so that fullyconnect knows its '
                    f'dimensions; got format "{out.fmt}". Wrap it: dlarray(..., "CB").')
    got = _as_array(out)
    want = _steps_at(Y, lengths - 1)
    wrong = [n for n in range(N) if not np.allclose(got[:, n], want[:, n])]
    if wrong:
        if np.allclose(got, _steps_at(Y, np.full(N, T - 1))):
            report.stop("this is the last *padded* step, the same index for every sequence: "
                        "use each sequence's own length from the mask.")
        if np.allclose(got, _steps_at(Y, lengths)) or np.allclose(
                got[:, lengths < T], _steps_at(Y, lengths)[:, lengths < T]):
            report.stop("off by one, too late: you took step L (the first padded step) for a "
                        "sequence of length L. Indices are 0-based: the last real step is L - 1.")
        if np.allclose(got[:, lengths > 1], _steps_at(Y, lengths - 2)[:, lengths > 1]):
            report.stop("off by one, too early: you took step L - 2 for a sequence of length L; "
                        "the last real step is L - 1.")
        n = wrong[0]
        report.stop(f"observation {n} (length {lengths[n]}) should get Y[:, {n}, "
                    f"{lengths[n] - 1}]; the values differ.")

    def gradient(Y):
        return dlgradient(np.sum(last_valid_step(Y, mask)), Y)

    cut = ("the values are right but the gradient does not reach Y: index Y itself (not "
           "extractdata(Y)) so that dlgradient can follow.")
    try:
        g = _as_array(dlfeval(gradient, Y))
    except ValueError as err:
        if "traced" not in str(err) and "depend" not in str(err):
            raise
        report.stop(cut)
    want_g = np.zeros((H, N, T))
    want_g[:, np.arange(N), lengths - 1] = 1
    if not np.allclose(g, want_g):
        report.stop(cut)
    report.note("picks step L - 1 of each sequence, and gradients flow back only there.")


# ---------------------------------------------------------------- 10.2 forget-gate bias


def _block_bias(block):
    def bias_fn(num_hidden):
        bias = np.zeros((4 * num_hidden, 1), "float32")
        bias[block * num_hidden:(block + 1) * num_hidden] = 1
        return bias
    return bias_fn


_GATES = ("input gate i", "forget gate f", "cell candidate g", "output gate o")


def unit_forget_gate_bias(num_hidden):
    bias = np.zeros((4 * num_hidden, 1), "float32")
    bias[num_hidden:2 * num_hidden] = 1               # blocks i, f, g, o: f is the second
    return bias


_reference_bias = unit_forget_gate_bias  # the checker compares with the solution


@exercise(
    "10.2", "Unit forget-gate bias",
    hints=["The bias has 4H rows: four blocks of H rows, one per gate.",
           "MATLAB's gate order is i, f, g, o — input, forget, cell candidate, output. The "
           "forget gate is the second block: rows H to 2H - 1 (0-based)."],
    solution=unit_forget_gate_bias,
    wrong_answers=[lambda: _block_bias(0), lambda: _block_bias(2),
                   lambda: (lambda h: np.ones((4 * h, 1))),
                   lambda: (lambda h: _reference_bias(h)[:, 0][:3 * h])],
)
def _(unit_forget_gate_bias, report):
    H = 3
    out = _as_array(unit_forget_gate_bias(H))
    if out.size != 4 * H:
        report.stop(f"for num_hidden = {H} the bias needs 4H = {4 * H} elements (one per gate "
                    f"row); got {out.size}.")
    # dl.lstm takes any bias with 4H elements (it reads them in order), so (4H,) and (4H, 1)
    # are both right; the values are compared in that order.
    flat = out.ravel()
    blocks = flat.reshape(4, H)
    want = extractdata(init.unit_forget_gate(H)).ravel()
    if not np.allclose(flat, want):
        ones = [k for k in range(4) if np.allclose(blocks[k], 1)]
        other = [k for k in range(4) if not (np.allclose(blocks[k], 1)
                                             or np.allclose(blocks[k], 0))]
        if other:
            report.stop(f"each block should be all ones or all zeros; rows {other[0] * H}–"
                        f"{other[0] * H + H - 1} ({_GATES[other[0]]}) hold "
                        f"{blocks[other[0]].tolist()}.")
        if len(ones) == 4:
            report.stop("all four gate blocks are 1: only the forget gate (the second block) "
                        "should start at 1.")
        if 1 not in ones:
            names = ", ".join(f"rows {k * H}–{k * H + H - 1} ({_GATES[k]})" for k in ones)
            report.stop(f"the ones are in {names or 'no block'}; MATLAB's gate order is "
                        f"i, f, g, o, so the forget gate is the SECOND block, rows {H}–"
                        f"{2 * H - 1}.")
        extra = [_GATES[k] for k in ones if k != 1]
        report.stop(f"the forget gate is right, but {', '.join(extra)} should be 0.")
    report.note("σ(1) ≈ 0.73: each cell keeps about three quarters of its memory per step "
                "at the start of training. dl.lstm reads any bias with 4H elements in order, "
                "so shape (4H,) and MATLAB's column (4H, 1) both work.")
