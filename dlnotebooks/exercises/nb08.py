"""Exercises of notebook 08 (generative adversarial network)."""

import numpy as np

from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata, isdlarray
from ._framework import exercise


def _scores(values):
    values = np.asarray(values, dtype="float64")
    return dlarray(values.reshape(1, 1, 1, -1), "SSCB")


def generator_loss(Y_generated):
    return -np.mean(np.log(Y_generated))


_reference_generator_loss = generator_loss  # the checker compares with the solution


@exercise(
    "08.1", "The generator loss",
    hints=["The generator wants the discriminator to say 'real' (probability 1) for its images.",
           ("Minimize the negative log of D(G(z)), averaged over the batch: "
           "-np.mean(np.log(Y_generated)).")],
    solution=generator_loss,
    wrong_answers=[lambda: (lambda Y: np.mean(np.log(1 - Y))),
                   lambda: (lambda Y: np.mean(np.log(Y))),
                   lambda: (lambda Y: -np.mean(np.log(1 - Y))),
                   lambda: (lambda Y: -np.sum(np.log(Y)))],
)
def _(generator_loss, report):
    for values in ([0.1, 0.3, 0.5, 0.7, 0.9, 0.05], [0.02, 0.2, 0.6, 0.8]):
        Y = _scores(values)
        y = np.asarray(values)
        loss = generator_loss(Y)
        if not isdlarray(loss) or loss.size != 1:
            report.stop(f"return a scalar dlarray (use np.mean and np.log on the dlarray); got "
                        f"{type(loss).__name__}"
                        f"{' of size ' + str(loss.size) if hasattr(loss, 'size') else ''}.")
        got = float(loss)
        want = -np.mean(np.log(y))
        if np.isclose(got, want):
            continue
        n = y.size
        known = {
            "saturating": np.mean(np.log(1 - y)),
            "wrong sign": np.mean(np.log(y)),
            "discriminator's fake term": -np.mean(np.log(1 - y)),
            "sum": -np.sum(np.log(y)),
        }
        if np.isclose(got, known["saturating"]):
            report.stop("this is the saturating (minimax) form mean(log(1 − D(G(z)))). It has "
                        "the right minimum, but its gradient vanishes when the discriminator "
                        "confidently rejects the fakes (D(G(z)) ≈ 0) — exactly the situation at "
                        "the start of training. Minimize −mean(log D(G(z))) instead.")
        if np.isclose(got, known["wrong sign"]):
            report.stop("the sign is flipped: minimizing mean(log D(G(z))) drives D(G(z)) "
                        "towards 0, which is what the discriminator wants. Negate it.")
        if np.isclose(got, known["discriminator's fake term"]):
            report.stop("−mean(log(1 − D(G(z)))) is the discriminator's loss on the fakes: "
                        "minimizing it teaches the generator to look fake. The generator "
                        "wants D(G(z)) → 1: use log(Y_generated).")
        if np.isclose(got, known["sum"]):
            report.stop(f"you summed over the batch (N = {n}): take the mean, so the loss and "
                        "the step size do not grow with the mini-batch size.")
        report.stop(f"for D(G(z)) = {y.tolist()} the loss is {got:.4f}; expected "
                    f"{want:.4f} = −mean(log D(G(z))).")

    Y = _scores([0.1, 0.3, 0.5, 0.7, 0.9, 0.05])
    g = extractdata(dlfeval(lambda Y: dlgradient(generator_loss(Y), Y), Y)).ravel()
    want_g = -1 / (6 * extractdata(Y).ravel())
    if not np.allclose(g, want_g):
        report.stop("the value is right but the gradient is not: compute with np.log and "
                    "np.mean on the dlarray itself so that dlgradient can follow.")
    report.note("for a confidently rejected fake (D(G(z)) = 0.05) the gradient is "
                f"{want_g[-1]:.2f} — large, so the generator learns fastest where it is worst.")


def _flip_complement(Y_real, flip_probability, rng):
    flip = rng.random(Y_real.shape[-1]) > flip_probability
    return np.where(flip, 1 - Y_real, Y_real)


def _flip_whole_batch(Y_real, flip_probability, rng):
    return 1 - Y_real if rng.random() < flip_probability else Y_real


def _flip_to_zero(Y_real, flip_probability, rng):
    flip = rng.random(Y_real.shape[-1]) < flip_probability
    return np.where(flip, 0 * Y_real, Y_real)


def _flip_global_random(Y_real, flip_probability, rng):
    flip = np.random.random(Y_real.shape[-1]) < flip_probability
    return np.where(flip, 1 - Y_real, Y_real)


def flip_real_outputs(Y_real, flip_probability, rng):
    flip = rng.random(Y_real.shape[-1]) < flip_probability
    return np.where(flip, 1 - Y_real, Y_real)


_reference_flip = flip_real_outputs  # the checker compares with the solution


@exercise(
    "08.2", "Flipping the discriminator's outputs for real images",
    hints=[("Draw one uniform number per real image: rng.random(N) with N = Y_real.shape[-1]; "
           "an image is flipped where that number is below flip_probability."),
           ("np.where(flip, 1 - Y_real, Y_real) keeps the dlarray's format and is "
           "differentiable.")],
    solution=flip_real_outputs,
    wrong_answers=[lambda: _flip_complement, lambda: _flip_whole_batch,
                   lambda: _flip_to_zero, lambda: _flip_global_random],
)
def _(flip_real_outputs, report):
    n, p = 4000, 0.3
    y = np.random.default_rng(80).uniform(0.6, 0.95, n)     # flipped values are all < 0.5
    Y = _scores(y)
    out = flip_real_outputs(Y, p, np.random.default_rng(1))
    if not isdlarray(out):
        report.stop(f"return a dlarray (np.where on the dlarray gives one); got "
                    f"{type(out).__name__}.")
    if out.fmt != "SSCB" or out.shape != Y.shape:
        report.stop(f'keep the format and size of Y_real, "SSCB" {Y.shape}; got '
                    f"{out.fmt!r} {out.shape}.")
    o = extractdata(out).ravel()
    kept, flipped = np.isclose(o, y), np.isclose(o, 1 - y)
    if not np.all(kept | flipped):
        bad = np.flatnonzero(~(kept | flipped))
        k = bad[0]
        if np.allclose(o[bad], 0) or np.allclose(o[bad], 1):
            report.stop(f"{bad.size} outputs became {o[k]:g}: a flipped output is 1 − y (for "
                        f"y = {y[k]:.3f}, {1 - y[k]:.3f}), as if that real image had been "
                        "labelled fake — not a constant.")
        report.stop(f"every output must stay y or become 1 − y; observation {k} has y = "
                    f"{y[k]:.3f} but you returned {o[k]:.3f}.")
    fraction = flipped.mean()
    if fraction in (0.0, 1.0):
        fractions = {extractdata(flip_real_outputs(Y, p, np.random.default_rng(s))).ravel()[0]
                     < 0.5 for s in range(2, 12)}
        if fraction == 0.0 and fractions == {False}:
            report.stop(f"nothing was flipped: with flip_probability {p} about {p:.0%} of the "
                        f"{n} outputs should become 1 − y.")
        report.stop("either all outputs or none are flipped: draw one random number per real "
                    "image (rng.random(N)), not one for the whole batch.")
    if abs(fraction - (1 - p)) < 0.04:
        report.stop(f"{fraction:.0%} of the outputs were flipped with flip_probability {p}: you "
                    "flip with probability 1 − p. Flip where rng.random(N) < flip_probability.")
    if abs(fraction - p) > 0.04:
        report.stop(f"{fraction:.0%} of the outputs were flipped; with flip_probability {p} "
                    f"expect about {p:.0%}.")
    again = extractdata(flip_real_outputs(Y, p, np.random.default_rng(1))).ravel()
    if not np.allclose(again, o):
        report.stop("two calls with equally seeded generators flipped different images: draw "
                    "the random numbers from the rng argument (rng.random), not np.random.")
    none = extractdata(flip_real_outputs(Y, 0.0, np.random.default_rng(3))).ravel()
    if not np.allclose(none, y):
        report.stop("with flip_probability 0 nothing may be flipped.")

    def grad(Y):
        return dlgradient(np.sum(flip_real_outputs(Y, p, np.random.default_rng(1))), Y)

    g = extractdata(dlfeval(grad, Y)).ravel()
    if not np.allclose(g, np.where(flipped, -1.0, 1.0)):
        report.stop("the values are right but the gradient is not: compute the flipped "
                    "values from the dlarray (1 - Y_real) so that dlgradient follows them.")
    report.note(f"{fraction:.1%} of {n} outputs flipped (expected about {p:.0%}); the gradient "
                "of a flipped output changes sign, so those real images push the "
                "discriminator towards 'fake'.")
