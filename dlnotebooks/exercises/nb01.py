"""Exercises of notebook 01 (dlarray and formats)."""

import numpy as np

from ..core import dlarray, extractdata, isdlarray
from ._framework import dl, exercise


def _images(rng=None):
    rng = np.random.default_rng(7) if rng is None else rng
    return rng.uniform(size=(5, 4, 3)).astype(np.float32)  # (N, H, W): 5 images of 4x3


def _check_image_batch(to_sscb, report):
    images = _images()
    X = to_sscb(images)
    if not isdlarray(X):
        report.stop(f"return a dlarray; got {type(X).__name__}. Label the dimensions instead of "
                    "moving them yourself: dlarray(...) with one label per dimension of the input"
                    " puts them in SSCB order for you.")
    if X.fmt == "SSCB" and X.shape == images.shape + (1,):
        report.stop('you labelled (N, H, W) as (S, S, C) and dlarray added a singleton B: labels '
                    "name the input's dimensions in their order, so N is the first label — and "
                    "the input has no channel dimension yet (add one with images[..., None]).")
    if X.fmt != "SSCB":
        report.stop(f'the format should be "SSCB"; got "{X.fmt}". Which label did each of the '
                    "dimensions (N, H, W) get, and where is the channel dimension?")
    if X.shape != (4, 3, 1, 5):
        report.stop(f"the shape should be (H, W, C, N) = (4, 3, 1, 5); got {X.shape}. Check "
                    "which input dimension you labelled B.")
    expected = np.transpose(images, (1, 2, 0))[:, :, None, :]
    if not np.allclose(extractdata(X), expected):
        report.stop("the labels and shape are right, but the pixels are in the wrong place: "
                    "did you reshape instead of labelling the dimensions?")
    report.note("(N, H, W) became (H, W, 1, N): dlarray moved B last and you added C.")


def to_sscb(images):
    return dl.dlarray(images[..., None], "BSSC")


@exercise(
    "01.1", "Label a batch of images",
    hints=["The input is (N, H, W). Give each dimension a label, in that order: B, S, S.",
           "There is no channel dimension yet: add a trailing singleton axis with "
           "images[..., None] and label it C.",
           "dlarray(images[..., None], 'BSSC') — dlarray sorts the labels into S, S, C, B."],
    solution=to_sscb,
    wrong_answers=[lambda: (lambda images: dlarray(images, "SSCB")),
                   lambda: (lambda images: dlarray(images, "BSS")),
                   lambda: (lambda images: dlarray(images.reshape(4, 3, 1, 5), "SSCB"))],
)
def _(to_sscb, report):
    _check_image_batch(to_sscb, report)


def _check_channel_means(channel_means, report):
    rng = np.random.default_rng(3)
    cases = [dlarray(rng.standard_normal((4, 3, 2, 5)), "SSCB"),
             dlarray(rng.standard_normal((3, 6, 7)), "CBT"),
             dlarray(rng.standard_normal((2, 4)), "CB")]
    passed = []
    for X in cases:
        fixed_axes = (f'your function works for "{passed[0]}" but not for "{X.fmt}" data: fixed '
                      "axis numbers fit one format only. Find the channel axis with "
                      'finddim(X, "C") and average over all the others.') if passed else ""
        try:
            Y = channel_means(X)
        except Exception as err:  # a fixed axis tuple raises on another number of dimensions
            if fixed_axes:
                report.stop(f"{fixed_axes} ({type(err).__name__}: {err})")
            raise
        if not isdlarray(Y):
            report.stop(f"return a dlarray; got {type(Y).__name__}. Call np.mean on the dlarray "
                        "itself (not on extractdata(X)): it keeps the labels.")
        c = X.fmt.index("C")
        expected_shape = tuple(n if i == c else 1 for i, n in enumerate(X.shape))
        if Y.fmt != X.fmt or Y.shape != expected_shape:
            if fixed_axes:
                report.stop(fixed_axes)
            if Y.size == 1:
                report.stop("you returned one number for the whole array: average over every "
                            "dimension except C, so that each channel keeps its own mean.")
            if Y.fmt == X.fmt and Y.shape == tuple(1 if i == c else n
                                                   for i, n in enumerate(X.shape)):
                report.stop("you averaged over C itself: it is the one dimension to keep; "
                            "average over all the others.")
            report.stop(f'for an input of format "{X.fmt}" and shape {X.shape}, expected format '
                        f'"{X.fmt}" and shape {expected_shape}; got "{Y.fmt}" {Y.shape}. Use '
                        "finddim instead of fixed axis numbers.")
        data = extractdata(X)
        axes = tuple(i for i in range(X.ndim) if i != c)
        means = data.mean(axis=axes, keepdims=True)
        if not np.allclose(extractdata(Y), means):
            if np.allclose(extractdata(Y), data.sum(axis=axes, keepdims=True)):
                report.stop(f'for format "{X.fmt}" these are sums, not means: use np.mean '
                            "(or divide by the number of elements you added up).")
            report.stop(f'the values are off for format "{X.fmt}": average over every '
                        "dimension except C.")
        passed.append(X.fmt)
    report.note("works for SSCB, CBT and CB inputs alike: that is what formats buy you.")


def channel_means(X):
    axes = tuple(i for i in range(X.ndim) if i not in dl.finddim(X, "C"))
    return np.mean(X, axis=axes)


_reference_channel_means = channel_means  # the checker compares with the solution


@exercise(
    "01.2", "Per-channel means for any format",
    hints=["finddim(X, 'C') tells you where the channels are.",
           "Average over all the other axes: tuple(i for i in range(X.ndim) if i not in "
           "finddim(X, 'C')).",
           "np.mean on a formatted dlarray keeps the reduced dims as singletons with labels."],
    solution=channel_means,
    wrong_answers=[lambda: (lambda X: np.mean(X, axis=(0, 1, 3))),
                   lambda: (lambda X: np.mean(X))],
)
def _(channel_means, report):
    _check_channel_means(channel_means, report)

