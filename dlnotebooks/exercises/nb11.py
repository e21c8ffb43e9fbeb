"""Exercises of notebook 11 (attention and embeddings)."""

import numpy as np

from .. import ops
from ..core import dlarray, extractdata, isdlarray
from ._framework import exercise


def _softmax(s, axis):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def my_attention(Q, K, V):
    scores = K.T @ Q / np.sqrt(Q.shape[0])                 # (Lk, Lq)
    scores = scores - scores.max(axis=0, keepdims=True)
    weights = np.exp(scores) / np.exp(scores).sum(axis=0, keepdims=True)
    return V @ weights


_reference = my_attention  # the checker compares with the solution


@exercise(
    "11.1", "Scaled dot-product attention by hand",
    hints=["Scores: K.T @ Q has one row per key and one column per query.",
           "Divide by √d (d = number of channels of Q), then softmax over the keys (axis 0).",
           "The output is V @ weights: each query gets a weighted mix of the value columns."],
    solution=my_attention,
    wrong_answers=[lambda: (lambda Q, K, V: V @ _softmax(K.T @ Q, 0)),
                   lambda: (lambda Q, K, V: V @ _softmax(K.T @ Q / np.sqrt(Q.shape[0]), 1))],
)
def _(my_attention, report):
    rng = np.random.default_rng(110)
    Q, K, V = (rng.standard_normal((8, 5)), rng.standard_normal((8, 7)),
               rng.standard_normal((3, 7)))
    out = my_attention(Q, K, V)
    out = extractdata(out) if isdlarray(out) else np.asarray(out)
    if out.shape != (3, 5):
        report.stop(f"the output should be (dv, Lq) = (3, 5); got {out.shape}.")
    want = _reference(Q, K, V)
    if np.allclose(out, V @ _softmax(K.T @ Q, 0)):
        report.stop("the scores are not scaled: divide by √d before the softmax.")
    if np.allclose(out, V @ _softmax(K.T @ Q / np.sqrt(8), 1)):
        report.stop("the softmax runs over the queries: each query's weights over the KEYS "
                    "must sum to 1 (axis 0).")
    if not np.allclose(out, want):
        scales = [(8, "you divided the scores by d instead of √d: the variance of a dot product "
                      "of d unit-variance terms is d, so its spread is √d."),
                  (np.sqrt(7), "you divided by √(number of keys); the scale is √d, d = the "
                               "number of channels of Q and K (rows, Q.shape[0])."),
                  (np.sqrt(5), "you divided by √(number of queries); the scale is √d, d = the "
                               "number of channels of Q and K (rows, Q.shape[0]).")]
        for scale, message in scales:
            if np.allclose(out, V @ _softmax(K.T @ Q / scale, 0)):
                report.stop(message)
        if np.allclose(out, V @ (K.T @ Q / np.sqrt(8))):
            report.stop("no softmax: the scaled scores KᵀQ/√d are not weights yet. Take the "
                        "softmax over the keys (axis 0), so each query's weights are positive "
                        "and sum to 1.")
        report.stop("the values differ from softmax(KᵀQ/√d) weighting of V.")
    lib = ops.attention(dlarray(Q[:, None, :], "CBT"), dlarray(K[:, None, :], "CBT"),
                        dlarray(V[:, None, :], "CBT"), 1)
    if np.allclose(extractdata(lib)[:, 0, :], out):
        report.note("matches dl.attention with one head.")


def causal_mask(length):
    keys = np.arange(length)[:, None]
    queries = np.arange(length)[None, :]
    return keys <= queries


@exercise(
    "11.2", "A causal mask",
    hints=["Make a column of key positions and a row of query positions and compare them.",
           "Allowed: key position <= query position (no peeking at later tokens)."],
    solution=causal_mask,
    wrong_answers=[lambda: (lambda n: np.arange(n)[:, None] >= np.arange(n)[None, :]),
                   lambda: (lambda n: np.arange(n)[:, None] < np.arange(n)[None, :])],
)
def _(causal_mask, report):
    m = np.asarray(causal_mask(5))
    want = np.arange(5)[:, None] <= np.arange(5)[None, :]
    if m.shape != (5, 5):
        report.stop(f"return a (length, length) = (5, 5) array, keys by queries; got {m.shape}.")
    if m.dtype != bool:
        report.stop(f"return a boolean array (True where attention is allowed); got {m.dtype}. "
                    "Comparisons such as keys <= queries give booleans; convert 0/1 values "
                    "with .astype(bool).")
    if np.array_equal(m, want.T):
        report.stop("transposed: rows are keys and columns are queries; query t may see keys "
                    "0..t, so the True values are on and above the diagonal.")
    if np.array_equal(m, want & ~np.eye(5, dtype=bool)):
        report.stop("a query must be allowed to attend to its own position (the diagonal).")
    if not np.array_equal(m, want):
        report.stop("True should mark key position <= query position.")
    rng = np.random.default_rng(111)
    Q = dlarray(rng.standard_normal((4, 1, 5)), "CBT")
    same = np.allclose(extractdata(ops.attention(Q, Q, Q, 1, attention_mask=m)),
                       extractdata(ops.attention(Q, Q, Q, 1, attention_mask="causal")))
    if same:
        report.note('gives the same result as attention_mask="causal".')
