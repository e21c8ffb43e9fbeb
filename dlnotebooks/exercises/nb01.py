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
        report.stop(f"return a dlarray; got {type(X).__name__}.")
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
    for X in cases:
        Y = channel_means(X)
        if not isdlarray(Y):
            report.stop(f"return a dlarray; got {type(Y).__name__}.")
        c = X.fmt.index("C")
        expected_shape = tuple(n if i == c else 1 for i, n in enumerate(X.shape))
        if Y.fmt != X.fmt or Y.shape != expected_shape:
            report.stop(f'for an input of format "{X.fmt}" and shape {X.shape}, expected format '
                        f'"{X.fmt}" and shape {expected_shape}; got "{Y.fmt}" {Y.shape}. Use '
                        "finddim instead of fixed axis numbers.")
        data = extractdata(X)
        axes = tuple(i for i in range(X.ndim) if i != c)
        if not np.allclose(extractdata(Y), data.mean(axis=axes, keepdims=True)):
            report.stop(f'the values are off for format "{X.fmt}": average over every '
                        "dimension except C.")
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

