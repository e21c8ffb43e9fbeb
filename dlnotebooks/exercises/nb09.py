"""Exercises of notebook 09 (Siamese networks)."""

import numpy as np

from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata, isdlarray
from ._framework import exercise


def _as_array(value):
    return extractdata(value) if isdlarray(value) else np.asarray(value)


# ---------------------------------------------------------------- 09.1 pairs


def _inverted_labels(labels, num_pairs, rng):
    first, second, pair_labels = _reference_pairs(labels, num_pairs, rng)
    return first, second, 1 - pair_labels


def _random_pairs(labels, num_pairs, rng):
    first = rng.integers(len(labels), size=num_pairs)
    second = rng.integers(len(labels), size=num_pairs)
    return first, second, (labels[first] == labels[second]).astype(int)


def _same_image(labels, num_pairs, rng):
    first, second, pair_labels = _reference_pairs(labels, num_pairs, rng)
    second = np.where(pair_labels == 1, first, second)
    return first, second, pair_labels


def make_pairs(labels, num_pairs, rng):
    by_class = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
    pair_labels = (rng.random(num_pairs) < 0.5).astype(int)
    first = np.empty(num_pairs, int)
    second = np.empty(num_pairs, int)
    for k in range(num_pairs):
        c = rng.integers(len(by_class))
        if pair_labels[k] == 1:
            first[k], second[k] = rng.choice(by_class[c], 2, replace=False)
        else:
            other = (c + rng.integers(1, len(by_class))) % len(by_class)
            first[k], second[k] = rng.choice(by_class[c]), rng.choice(by_class[other])
    return first, second, pair_labels


_reference_pairs = make_pairs  # the checker compares with the solution


@exercise(
    "09.1", "Similar and dissimilar pairs",
    hints=["Flip a coin per pair first: pair_labels = (rng.random(num_pairs) < 0.5).",
           "Similar: pick a class, then two different images of it with "
           "rng.choice(indices, 2, replace=False). Dissimilar: pick two different classes.",
           "Label 1 means 'same class' — the network's output Y is the probability of that."],
    solution=make_pairs,
    wrong_answers=[lambda: _inverted_labels, lambda: _random_pairs, lambda: _same_image],
)
def _(make_pairs, report):
    labels = np.repeat(np.arange(30), 4)          # 30 classes, 4 images each
    n = 400
    out = make_pairs(labels, n, np.random.default_rng(91))
    if not (isinstance(out, tuple) and len(out) == 3):
        report.stop("return three arrays: first, second, pair_labels.")
    first, second, pair_labels = (np.asarray(_as_array(v)).ravel() for v in out)
    for name, v in (("first", first), ("second", second), ("pair_labels", pair_labels)):
        if v.size != n:
            report.stop(f"{name} should have num_pairs = {n} elements; got {v.size}.")
    for name, v in (("first", first), ("second", second)):
        if v.dtype.kind not in "iu" or v.min() < 0 or v.max() >= labels.size:
            report.stop(f"{name} should hold integer image indices 0–{labels.size - 1}.")
    if not np.all(np.isin(pair_labels, (0, 1))):
        report.stop(f"pair_labels should be 0 or 1; got values {np.unique(pair_labels)[:5]}.")
    same = labels[first] == labels[second]
    agree = np.mean((pair_labels == 1) == same)
    if agree == 0:
        report.stop("the labels are the wrong way round: 1 means 'same class' (similar) and "
                    "0 'different classes', so that Y = P(similar).")
    if agree < 1:
        k = int(np.flatnonzero((pair_labels == 1) != same)[0])
        report.stop(f"pair {k}: images {first[k]} and {second[k]} are of classes "
                    f"{labels[first[k]]} and {labels[second[k]]}, but its label is "
                    f"{int(pair_labels[k])}. The label must say whether the classes match.")
    fraction = np.mean(pair_labels)
    if not 0.4 <= fraction <= 0.6:
        report.stop(f"only {fraction:.0%} of the pairs are similar; draw the two kinds 50/50 "
                    "(decide the label first, then pick the images), or the network learns to "
                    "answer 'different' every time.")
    twins = np.sum(first[same] == second[same])
    if twins:
        report.stop(f"{twins} similar pairs use the same image twice; pick two *different* "
                    "images of the class (rng.choice(..., 2, replace=False)) — an image "
                    "compared with itself teaches nothing.")
    report.note(f"{fraction:.0%} similar pairs, labels consistent with the classes, no image "
                "paired with itself.")


# ---------------------------------------------------------------- 09.2 contrastive loss


def _mean_contrastive(F1, F2, T, margin):
    d = np.sqrt(np.sum((F1 - F2) ** 2, axis=0) + 1e-6)
    return 0.5 * np.mean(T * d ** 2 + (1 - T) * np.maximum(margin - d, 0) ** 2)


def _margin_unsquared(F1, F2, T, margin):
    d = np.sqrt(np.sum((F1 - F2) ** 2, axis=0) + 1e-6)
    return 0.5 * np.sum(T * d ** 2 + (1 - T) * np.maximum(margin - d, 0))


def _swapped(F1, F2, T, margin):
    d = np.sqrt(np.sum((F1 - F2) ** 2, axis=0) + 1e-6)
    return 0.5 * np.sum((1 - T) * d ** 2 + T * np.maximum(margin - d, 0) ** 2)


def _no_half(F1, F2, T, margin):
    return 2 * _reference_contrastive(F1, F2, T, margin)


def _squared_distance(F1, F2, T, margin):
    d2 = np.sum((F1 - F2) ** 2, axis=0)
    return 0.5 * np.sum(T * d2 + (1 - T) * np.maximum(margin - d2, 0) ** 2)


def _batch_distance(F1, F2, T, margin):
    d = np.sqrt(np.sum((F1 - F2) ** 2) + 1e-6)
    return 0.5 * np.sum(T * d ** 2 + (1 - T) * np.maximum(margin - d, 0) ** 2)


def _values(fn, F1, F2, T, margin):
    return float(fn(F1, F2, T, margin))


def my_contrastive_loss(F1, F2, T, margin):
    d = np.sqrt(np.sum((F1 - F2) ** 2, axis=0) + 1e-6)
    return 0.5 * np.sum(T * d ** 2 + (1 - T) * np.maximum(margin - d, 0) ** 2)


_reference_contrastive = my_contrastive_loss  # the checker compares with the solution


@exercise(
    "09.2", "The contrastive loss",
    hints=["d is one number per pair: sum the squared differences over the feature (C) "
           "dimension, axis 0, then take the square root (add 1e-6 inside it).",
           "Similar pairs (t = 1) pay d²; dissimilar pairs (t = 0) pay max(margin − d, 0)² — "
           "nothing once they are at least margin apart.",
           "MATLAB's example sums over the pairs and multiplies by 0.5; it does not divide "
           "by N."],
    solution=my_contrastive_loss,
    wrong_answers=[lambda: _mean_contrastive, lambda: _margin_unsquared, lambda: _swapped,
                   lambda: _no_half, lambda: _squared_distance],
)
def _(my_contrastive_loss, report):
    rng = np.random.default_rng(92)
    N, margin = 8, 0.3
    F1 = dlarray(rng.normal(scale=0.2, size=(2, N)), "CB")
    F2 = dlarray(rng.normal(scale=0.2, size=(2, N)), "CB")
    T = dlarray(np.array([[1, 0, 1, 0, 0, 1, 0, 0]], float), "CB")
    loss = my_contrastive_loss(F1, F2, T, margin)
    if not isdlarray(loss) or loss.size != 1:
        report.stop(f"return a scalar dlarray (one number for the batch); got "
                    f"{type(loss).__name__} with {getattr(loss, 'size', '?')} elements.")
    got = float(loss)
    want = _values(_reference_contrastive, F1, F2, T, margin)
    if not np.isclose(got, want, rtol=1e-6):
        known = [
            (_mean_contrastive, f"that is the mean over the {N} pairs; MATLAB's example sums "
             f"over the batch without dividing by N (your value × {N} = {got * N:.5f} would "
             "be right)."),
            (_no_half, "twice the expected value: the loss is multiplied by 0.5."),
            (_swapped, "the pair labels are swapped: t = 1 (similar) should pay d², t = 0 "
             "(dissimilar) max(margin − d, 0)²."),
            (_margin_unsquared, "the margin term is not squared: dissimilar pairs pay "
             "max(margin − d, 0)²."),
            (_squared_distance,
             "the margin term uses the squared distance d² instead of d: take the square "
             "root, d = sqrt(sum((F1 − F2)²) + 1e-6)."),
            (_batch_distance,
             "d must be one distance per pair: sum over the feature dimension only "
             "(axis=0), not over the whole batch."),
        ]
        for fn, message in known:
            if np.isclose(got, _values(fn, F1, F2, T, margin), rtol=1e-6):
                report.stop(message)
        report.stop(f"loss {got:.5f}, expected {want:.5f} for 8 pairs (3 similar, 5 "
                    "dissimilar).")
    # Far-apart dissimilar pairs must cost nothing (the margin).
    far = dlarray(np.array([[1.0, -1.0], [0.0, 0.0]]), "CB")
    zero = dlarray(np.zeros((2, 2)), "CB")
    if not np.isclose(float(my_contrastive_loss(far, zero, dlarray(np.zeros((1, 2)), "CB"),
                                                margin)), 0.0, atol=1e-9):
        report.stop("dissimilar pairs farther apart than the margin should cost nothing: "
                    "clip with max(margin − d, 0).")

    def gradient(F1):
        return dlgradient(my_contrastive_loss(F1, F2, T, margin), F1)

    def gradient_ref(F1):
        return dlgradient(_reference_contrastive(F1, F2, T, margin), F1)

    if not np.allclose(_as_array(dlfeval(gradient, F1)), _as_array(dlfeval(gradient_ref, F1)),
                       atol=1e-8):
        report.stop("the value is right but the gradient is not: build the loss from dlarray "
                    "operations (np.sqrt, np.sum, np.maximum) on F1 and F2.")
    report.note("matches MATLAB's contrastive loss in value and gradient.")
