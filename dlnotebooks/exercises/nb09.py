"""Exercises of notebook 09 (Siamese networks)."""

import numpy as np

from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata, isdlarray
from ._framework import exercise


def _as_array(value):
    return extractdata(value) if isdlarray(value) else np.asarray(value)


# ---------------------------------------------------------------- 09.1 hard negatives

def make_hard_pairs(labels, confusable, num_pairs, rng):
    by_class = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
    pair_labels = (rng.random(num_pairs) < 0.5).astype(int)
    first = np.empty(num_pairs, int)
    second = np.empty(num_pairs, int)
    for k in range(num_pairs):
        c = rng.integers(len(by_class))
        if pair_labels[k] == 1:
            first[k], second[k] = rng.choice(by_class[c], 2, replace=False)
        else:
            first[k], second[k] = rng.choice(by_class[c]), rng.choice(by_class[confusable[c]])
    return first, second, pair_labels


def _pairs(negative, *, replace=False, invert=False, similar_fraction=0.5):
    """A wrong answer: another choice of the dissimilar partner, or of the labels."""
    def make(labels, confusable, num_pairs, rng):
        by_class = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
        pair_labels = (rng.random(num_pairs) < similar_fraction).astype(int)
        first = np.empty(num_pairs, int)
        second = np.empty(num_pairs, int)
        for k in range(num_pairs):
            c = rng.integers(len(by_class))
            if pair_labels[k] == 1:
                first[k], second[k] = rng.choice(by_class[c], 2, replace=replace)
            else:
                first[k] = rng.choice(by_class[c])
                second[k] = rng.choice(by_class[negative(c, confusable, len(by_class), rng)])
        return first, second, (1 - pair_labels) if invert else pair_labels
    return make


def _hard(c, confusable, num_classes, rng):
    return confusable[c]


def _any_other(c, confusable, num_classes, rng):
    return (c + rng.integers(1, num_classes)) % num_classes


def _reverse_lookup(c, confusable, num_classes, rng):
    return int(np.flatnonzero(np.asarray(confusable) == c)[0])


_PAIR_MISTAKES = [dict(negative=_any_other), dict(negative=_reverse_lookup),
                  dict(negative=_hard, replace=True), dict(negative=_hard, invert=True),
                  dict(negative=_hard, similar_fraction=0.1)]

# Ten classes; each class's most confusable other class (not symmetric: 7 is confused with
# 1, but 1 most with 4), as a confusion matrix of a trained network would say.
_CONFUSABLE = np.array([6, 4, 7, 5, 9, 3, 8, 1, 0, 2])


@exercise(
    "09.1", "Hard-negative pairs",
    hints=["Start from get_siamese_batch above: the coin flip and the similar pairs stay the "
           "same; only the dissimilar pairs change.",
           "For a dissimilar pair of first class c, draw the second image from the class "
           "confusable[c]: rng.choice(by_class[confusable[c]]).",
           "Return index arrays (first, second, pair_labels), label 1 for similar pairs."],
    solution=make_hard_pairs,
    wrong_answers=[lambda k=k: _pairs(**_PAIR_MISTAKES[k]) for k in range(len(_PAIR_MISTAKES))],
)
def _(make_pairs, report):
    labels = np.repeat(np.arange(10), 6)          # 10 classes, 6 images each
    n = 400
    out = make_pairs(labels, _CONFUSABLE, n, np.random.default_rng(91))
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
        report.stop(f"only {fraction:.0%} of the pairs are similar; keep the coin flip of "
                    "get_siamese_batch, 50/50, or the network learns to answer 'different'.")
    twins = np.sum(first[same] == second[same])
    if twins:
        report.stop(f"{twins} similar pairs use the same image twice; pick two *different* "
                    "images of the class (rng.choice(..., 2, replace=False)).")
    negatives = pair_labels == 0
    wanted = _CONFUSABLE[labels[first[negatives]]]
    got = labels[second[negatives]]
    if not np.all(got == wanted):
        reverse = np.array([np.flatnonzero(_CONFUSABLE == c)[0] for c in labels[first]])
        if np.all(got == reverse[negatives]):
            report.stop("you looked confusable up the wrong way round: the second image's "
                        "class is confusable[c] of the first image's class c, not the class "
                        "whose confusable entry is c.")
        share = np.mean(got == wanted)
        report.stop(f"only {share:.0%} of the dissimilar pairs are hard negatives: for a first "
                    "image of class c the second must come from class confusable[c] — any "
                    "other class is an easy pair the network already tells apart.")
    report.note(f"{fraction:.0%} similar pairs; every dissimilar pair is a hard negative.")


# ---------------------------------------------------------------- 09.2 double-margin loss

def double_margin_loss(F1, F2, T, pos_margin, neg_margin):
    d = np.sqrt(np.sum((F1 - F2) ** 2, axis=0) + 1e-6)
    similar = np.maximum(d - pos_margin, 0) ** 2
    dissimilar = np.maximum(neg_margin - d, 0) ** 2
    return 0.5 * np.sum(T * similar + (1 - T) * dissimilar)


def _double_margin(distance=None, similar=None, reduce=np.sum, scale=0.5, swap=False):
    """A wrong answer: another distance, similar-pair term, reduction or factor."""
    def loss(F1, F2, T, pos_margin, neg_margin):
        if swap:
            pos_margin, neg_margin = neg_margin, pos_margin
        d = (distance or (lambda a, b: np.sqrt(np.sum((a - b) ** 2, axis=0) + 1e-6)))(F1, F2)
        pull = (similar or (lambda d, m: np.maximum(d - m, 0) ** 2))(d, pos_margin)
        return scale * reduce(T * pull + (1 - T) * np.maximum(neg_margin - d, 0) ** 2)
    return loss


_MARGIN_MISTAKES = [
    (dict(similar=lambda d, m: d ** 2),
     "similar pairs still pay d² when they are already closer than pos_margin: that is the "
     "contrastive loss above. Use max(d − pos_margin, 0)²."),
    (dict(similar=lambda d, m: (d - m) ** 2),
     "similar pairs closer than pos_margin are pushed apart again by (d − pos_margin)²: clamp "
     "it with max(d − pos_margin, 0)."),
    (dict(similar=lambda d, m: np.maximum(d - m, 0)),
     "the similar-pair term is not squared: max(d − pos_margin, 0)²."),
    (dict(swap=True), "the margins are swapped: similar pairs use pos_margin (the small one), "
                      "dissimilar pairs neg_margin."),
    (dict(reduce=np.mean), "that is the mean over the pairs; sum over them as "
                           "contrastive_loss above does."),
    (dict(scale=1.0), "twice the expected value: multiply by 0.5 as contrastive_loss does."),
    (dict(distance=lambda a, b: np.sum((a - b) ** 2, axis=0)),
     "d is the distance √(Σ (F1 − F2)² + 10⁻⁶), not its square."),
]


@exercise(
    "09.2", "A double-margin contrastive loss",
    hints=["Start from contrastive_loss above: the distance d and the dissimilar term "
           "max(neg_margin − d, 0)² stay.",
           "Only the similar term changes: a similar pair closer than pos_margin costs "
           "nothing, so it pays max(d − pos_margin, 0)² instead of d².",
           "0.5 * np.sum(T * similar + (1 - T) * dissimilar): summed over the pairs, as above."],
    solution=double_margin_loss,
    wrong_answers=[lambda k=k: _double_margin(**_MARGIN_MISTAKES[k][0])
                   for k in range(len(_MARGIN_MISTAKES))],
)
def _(loss_fn, report):
    rng = np.random.default_rng(92)
    N, pos_margin, neg_margin = 10, 0.1, 0.5
    # distances spread from well inside pos_margin to beyond neg_margin
    directions = rng.standard_normal((2, N))
    directions /= np.linalg.norm(directions, axis=0)
    distances = np.array([0.03, 0.08, 0.2, 0.35, 0.7, 0.05, 0.15, 0.3, 0.45, 0.9])
    F1 = dlarray(rng.normal(scale=0.2, size=(2, N)), "CB")
    F2 = dlarray(extractdata(F1) + directions * distances, "CB")
    T = dlarray(np.array([[1, 1, 1, 1, 1, 0, 0, 0, 0, 0]], float), "CB")
    loss = loss_fn(F1, F2, T, pos_margin, neg_margin)
    if not isdlarray(loss) or loss.size != 1:
        report.stop(f"return a scalar dlarray (one number for the batch); got "
                    f"{type(loss).__name__} with {getattr(loss, 'size', '?')} elements.")
    got = float(loss)
    want = float(double_margin_loss(F1, F2, T, pos_margin, neg_margin))
    if not np.isclose(got, want, rtol=1e-6):
        for options, message in _MARGIN_MISTAKES:
            if np.isclose(got, float(_double_margin(**options)(F1, F2, T, pos_margin,
                                                               neg_margin)), rtol=1e-6):
                report.stop(message)
        report.stop(f"loss {got:.5f}, expected {want:.5f} for 10 pairs (5 similar at distances "
                    "0.03–0.7, 5 dissimilar at 0.05–0.9), pos_margin 0.1, neg_margin 0.5.")

    def gradient(fn, F1):
        return dlgradient(fn(F1, F2, T, pos_margin, neg_margin), F1)

    if not np.allclose(_as_array(dlfeval(gradient, loss_fn, F1)),
                       _as_array(dlfeval(gradient, double_margin_loss, F1)), atol=1e-8):
        report.stop("the value is right but the gradient is not: build the loss from dlarray "
                    "operations (np.sqrt, np.sum, np.maximum) on F1 and F2.")
    report.note("similar pairs within pos_margin and dissimilar pairs beyond neg_margin cost "
                "nothing: only the pairs on the wrong side of a margin are trained.")
