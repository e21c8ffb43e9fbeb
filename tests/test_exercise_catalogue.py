"""Wrong-answer catalogue: for every exercise, mistakes a learner plausibly makes, each of which
``check()`` must reject with feedback that names the mistake (not just "the values differ").

Each entry is (short name, function building the wrong answer, regex the feedback must match).
The regex is searched in all feedback messages joined by newlines, case-insensitively, so it
pins the *explanation*, not the exact wording. Exercises reworked elsewhere (02.1, 03.2, 04.1,
09.1, 09.2) are listed in ``REWORKED`` and keep their tests in test_exercises.py.
"""

import re

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlgradient, extractdata, finddim
from dlnotebooks.exercises.nb00 import PEOPLE

REWORKED = {"02.1", "03.2", "04.1", "09.1", "09.2"}


# ---------------------------------------------------------------- 00 welcome

def _people_rows_as_channels():
    return dlarray(PEOPLE, "CB")


def _people_numpy():
    return PEOPLE


def _people_unformatted():
    return dlarray(PEOPLE)


def _people_spatial():
    return dlarray(PEOPLE, "BS")


def _shares_over_people():
    return dl.softmax(dlarray(PEOPLE, "CB"))


def _shares_sigmoid():
    return dl.sigmoid(dlarray(PEOPLE, "BC"))


def _shares_normalised_over_b():
    e = np.exp(dlarray(PEOPLE, "BC"))
    return e / np.sum(e, axis=1)


def _shares_numpy():
    e = np.exp(PEOPLE.T - PEOPLE.T.max(axis=0))
    return e / e.sum(axis=0)


# ---------------------------------------------------------------- 01 dlarray and formats

def _sscb_labels_without_reordering(images):
    return dlarray(images, "SSCB")


def _sscb_no_channel(images):
    return dlarray(images, "BSS")


def _sscb_reshape(images):
    return dlarray(images.reshape(4, 3, 1, 5), "SSCB")


def _sscb_numpy(images):
    return np.transpose(images, (1, 2, 0))[:, :, None, :]


def _means_fixed_axes(X):
    return np.mean(X, axis=(0, 1, 3))


def _means_everything(X):
    return np.mean(X)


def _means_over_channels(X):
    return np.mean(X, axis=finddim(X, "C")[0])


def _means_sum(X):
    axes = tuple(i for i in range(X.ndim) if i not in finddim(X, "C"))
    return np.sum(X, axis=axes)


def _means_numpy(X):
    axes = tuple(i for i in range(X.ndim) if i not in finddim(X, "C"))
    return extractdata(X).mean(axis=axes, keepdims=True)


# ---------------------------------------------------------------- 02 automatic differentiation

def _curvature_first_derivative(x):
    return dlgradient(np.sin(x) * x ** 2, x)


def _curvature_not_higher(x):
    dy = dlgradient(np.sin(x) * x ** 2, x)
    return dlgradient(dy, x)


def _curvature_extractdata(x):
    dy = dlgradient(np.sin(x) * x ** 2, x, enable_higher_derivatives=True)
    return dlgradient(dlarray(extractdata(dy)), x)


def _curvature_sign_slip(x):
    # derived by hand, with the derivative of cos taken as +sin
    return (2 + x ** 2) * np.sin(x) + 4 * x * np.cos(x)


# ---------------------------------------------------------------- 03 custom training loop

def _decay_exponential(a, d, t):
    return a / (1 + d) ** t


def _decay_linear(a, d, t):
    return a * (1 - d * t)


def _decay_precedence(a, d, t):
    return a / 1 + d * t


def _decay_without_decay(a, d, t):
    return a / (1 + t)


# ---------------------------------------------------------------- 04 model functions

def _conv(parameters, name, X):
    return dl.dlconv(X, parameters[name]["Weights"], parameters[name]["Bias"], padding="same")


def _block_no_skip(parameters, X):
    return dl.relu(_conv(parameters, "conv_b", dl.relu(_conv(parameters, "conv_a", X))))


def _block_skip_after_relu(parameters, X):
    return _block_no_skip(parameters, X) + X


def _block_no_inner_relu(parameters, X):
    return dl.relu(_conv(parameters, "conv_b", _conv(parameters, "conv_a", X)) + X)


def _block_valid_padding(parameters, X):
    Y = dl.relu(dl.dlconv(X, parameters["conv_a"]["Weights"], parameters["conv_a"]["Bias"]))
    Y = dl.dlconv(Y, parameters["conv_b"]["Weights"], parameters["conv_b"]["Bias"])
    return dl.relu(Y + X)


def _block_conv_a_twice(parameters, X):
    return dl.relu(_conv(parameters, "conv_a", dl.relu(_conv(parameters, "conv_a", X))) + X)


# ---------------------------------------------------------------- 05 initialization

def _conv_channels_filters_swapped(fs, c, f, rng):
    shape = tuple(fs) + (f, c)
    return dl.init.glorot(shape, 9 * c, 9 * f, rng=rng)


def _conv_fans_without_area(fs, c, f, rng):
    return dl.init.glorot(tuple(fs) + (c, f), f, c, rng=rng)


def _conv_he(fs, c, f, rng):
    shape = tuple(fs) + (c, f)
    return dl.init.he(shape, dl.init.fan_in_out("conv", shape)[0], rng=rng)


def _conv_global_rng(fs, c, f, rng):
    shape = tuple(fs) + (c, f)
    num_in, num_out = dl.init.fan_in_out("conv", shape)
    return dl.init.glorot(shape, num_out, num_in, rng=np.random.default_rng())


def _conv_int_filter_size(fs, c, f, rng):
    shape = (fs, fs, c, f)          # written for filter_size = 3
    num_in, num_out = dl.init.fan_in_out("conv", shape)
    return dl.init.glorot(shape, num_out, num_in, rng=rng)


def _relu_glorot(o, i, rng):
    return dl.init.glorot((o, i), o, i, rng=rng)


def _relu_fan_out(o, i, rng):
    return dl.init.he((o, i), o, rng=rng)


def _relu_transposed(o, i, rng):
    return dl.init.he((i, o), i, rng=rng)


def _relu_global_rng(o, i, rng):
    return dl.init.he((o, i), i, rng=np.random.default_rng())


def _relu_lecun(o, i, rng):
    return dlarray(rng.standard_normal((o, i)) * np.sqrt(1 / i))


# ---------------------------------------------------------------- 06 custom loss functions

def _l1_mean(Y, T):
    return np.mean(np.abs(Y - T))


def _l1_last_dim(Y, T):
    return np.sum(np.abs(Y - T)) / Y.shape[-1]


def _l1_squared(Y, T):
    return np.sum((Y - T) ** 2) / Y.shape[Y.fmt.index("B")]


def _l1_not_normalised(Y, T):
    return np.sum(np.abs(Y - T))


def _l1_numpy(Y, T):
    return np.sum(np.abs(extractdata(Y) - extractdata(T))) / Y.shape[Y.fmt.index("B")]


def _weights_frequencies(labels, k):
    return np.bincount(labels, minlength=k) / len(labels)


def _weights_inverse_count(labels, k):
    return 1.0 / np.bincount(labels, minlength=k)


def _weights_without_k(labels, k):
    return len(labels) / np.bincount(labels, minlength=k)


def _weights_sum_to_one(labels, k):
    w = 1.0 / np.bincount(labels, minlength=k)
    return w / w.sum()


# ---------------------------------------------------------------- 07 update functions

def _zeros_like(grads, vel):
    return dl.dlupdate(lambda g: 0 * g, grads) if vel is None else vel


def _sgdm_old_velocity(params, grads, vel, lr, m):
    vel = _zeros_like(grads, vel)
    params = dl.dlupdate(lambda p, v: p + v, params, vel)
    vel = dl.dlupdate(lambda v, g: m * v - lr * g, vel, grads)
    return params, vel


def _sgdm_torch(params, grads, vel, lr, m):
    vel = _zeros_like(grads, vel)
    vel = dl.dlupdate(lambda v, g: m * v + g, vel, grads)
    return dl.dlupdate(lambda p, v: p - lr * v, params, vel), vel


def _sgdm_uphill(params, grads, vel, lr, m):
    vel = _zeros_like(grads, vel)
    vel = dl.dlupdate(lambda v, g: m * v - lr * g, vel, grads)
    return dl.dlupdate(lambda p, v: p - v, params, vel), vel


def _sgdm_negated_velocity(params, grads, vel, lr, m):
    vel = _zeros_like(grads, vel)
    vel = dl.dlupdate(lambda v, g: m * v + lr * g, vel, grads)
    return dl.dlupdate(lambda p, v: p - v, params, vel), vel


def _sgdm_vel_none(params, grads, vel, lr, m):
    vel = dl.dlupdate(lambda v, g: m * v - lr * g, vel, grads)
    return dl.dlupdate(lambda p, v: p + v, params, vel), vel


def _clip_elementwise(grads, m):
    return dl.dlupdate(lambda g: np.clip(g, -m, m), grads)


def _clip_per_parameter(grads, m):
    return dl.dlupdate(lambda g: g * min(1.0, m / float(np.sqrt(np.sum(g * g)))), grads)


def _clip_always(grads, m):
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
    return dl.dlupdate(lambda g: g * (m / norm), grads)


def _clip_no_sqrt(grads, m):
    total = sum(float(np.sum(g * g)) for g in grads.values())
    return dl.dlupdate(lambda g: g * min(1.0, m / total), grads)


def _clip_nothing(grads, m):
    return grads


def _clip_numpy(grads, m):
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
    return {k: extractdata(g) * min(1.0, m / norm) for k, g in grads.items()}


# ---------------------------------------------------------------- 08 GAN

def _flip_complement(Y, p, rng):
    return np.where(rng.random(Y.shape[-1]) > p, 1 - Y, Y)


def _flip_whole_batch(Y, p, rng):
    return 1 - Y if rng.random() < p else Y


def _flip_to_zero(Y, p, rng):
    return np.where(rng.random(Y.shape[-1]) < p, 0 * Y, Y)


def _flip_global_random(Y, p, rng):
    return np.where(np.random.random(Y.shape[-1]) < p, 1 - Y, Y)


def _flip_numpy(Y, p, rng):
    return np.where(rng.random(Y.shape[-1]) < p, 1 - extractdata(Y), extractdata(Y))


# ---------------------------------------------------------------- 10 sequences

def _last_one_late(Y, mask):
    lengths = np.minimum(mask.sum(axis=1), mask.shape[1] - 1)
    return dlarray(Y[:, np.arange(Y.shape[1]), lengths], "CB")


def _last_one_early(Y, mask):
    return dlarray(Y[:, np.arange(Y.shape[1]), mask.sum(axis=1) - 2], "CB")


def _last_padded(Y, mask):
    return Y[:, :, -1]


def _last_mask_axis(Y, mask):
    return dlarray(Y[:, np.arange(Y.shape[1]), mask.sum(axis=0) - 1], "CB")


def _last_unformatted(Y, mask):
    return Y[:, np.arange(Y.shape[1]), mask.sum(axis=1) - 1]


def _last_numpy(Y, mask):
    data = extractdata(Y)
    return dlarray(data[:, np.arange(Y.shape[1]), mask.sum(axis=1) - 1], "CB")


def _bias_block(block):
    def bias(h):
        b = np.zeros((4 * h, 1), "float32")
        b[block * h:(block + 1) * h] = 1
        return b
    return bias


def _bias_all_ones(h):
    return np.ones((4 * h, 1), "float32")


def _bias_three_blocks(h):
    b = np.zeros(3 * h, "float32")
    b[h:2 * h] = 1
    return b


def _bias_single_row(h):
    b = np.zeros((4 * h, 1), "float32")
    b[h] = 1
    return b


# ---------------------------------------------------------------- 11 attention

def _softmax(s, axis):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _attention_unscaled(Q, K, V):
    return V @ _softmax(K.T @ Q, 0)


def _attention_over_queries(Q, K, V):
    return V @ _softmax(K.T @ Q / np.sqrt(Q.shape[0]), 1)


def _attention_scaled_by_d(Q, K, V):
    return V @ _softmax(K.T @ Q / Q.shape[0], 0)


def _attention_no_softmax(Q, K, V):
    return V @ (K.T @ Q / np.sqrt(Q.shape[0]))


def _attention_sqrt_keys(Q, K, V):
    return V @ _softmax(K.T @ Q / np.sqrt(K.shape[1]), 0)


def _mask_transposed(n):
    return np.arange(n)[:, None] >= np.arange(n)[None, :]


def _mask_strict(n):
    return np.arange(n)[:, None] < np.arange(n)[None, :]


def _mask_float(n):
    return np.triu(np.ones((n, n)))


def _mask_tril(n):
    return np.tril(np.ones((n, n), bool))


# ---------------------------------------------------------------- 12 CTC

def _collapse_remove_then_merge(path, blank):
    kept = [c for c in path if c != blank]
    return [c for k, c in enumerate(kept) if k == 0 or c != kept[k - 1]]


def _collapse_only_blanks(path, blank):
    return [c for c in path if c != blank]


def _collapse_only_merge(path, blank):
    return [c for k, c in enumerate(path) if k == 0 or c != path[k - 1]]


def _collapse_blank_zero(path, blank):
    merged = [c for k, c in enumerate(path) if k == 0 or c != path[k - 1]]
    return [c for c in merged if c != 0]


def _steps_labels_only(labels):
    return len(labels)


def _steps_all_blanks(labels):
    return 2 * len(labels) + 1


def _steps_blank_between_all(labels):
    return 2 * len(labels) - 1


def _steps_any_repeat(labels):
    return len(labels) + len(labels) - len(set(labels))


# ---------------------------------------------------------------- 13 neural ODE

def _rate_right(t, y, A):
    return y @ A


def _rate_transposed(t, y, A):
    return A.T @ y


def _rate_elementwise(t, y, A):
    return A * y


def _rate_numpy(t, y, A):
    return extractdata(A) @ extractdata(y)


def _targets_with_start(tr, s, n):
    return np.stack([tr[:, s + k] for k in range(n)], axis=-1)


def _targets_time_first(tr, s, n):
    return np.stack([tr[:, s + k] for k in range(1, n + 1)], axis=0)


def _targets_observations_first(tr, s, n):
    return np.stack([tr[:, s + 1:s + n + 1] for s in s], axis=0)


def _targets_one_short(tr, s, n):
    return np.stack([tr[:, s + k] for k in range(1, n)], axis=-1)


# ---------------------------------------------------------------- 14 WGAN-GP

def _penalty(norm, higher=True, reduce=np.mean, lam_used=True):
    def gradient_penalty(critic, X_hat, lam):
        g = dlgradient(np.sum(critic(X_hat)), X_hat, enable_higher_derivatives=higher)
        value = reduce((norm(g) - 1) ** 2)
        return lam * value if lam_used else value
    return gradient_penalty


def _norm_obs(g):
    return np.sqrt(np.sum(g ** 2, axis=0) + 1e-10)


def _norm_batch(g):
    return np.sqrt(np.sum(g ** 2, axis=1) + 1e-10)


def _norm_all(g):
    return np.sqrt(np.sum(g ** 2) + 1e-10)


def _norm_squared(g):
    return np.sum(g ** 2, axis=0)


def _interp_one_epsilon(X, G, rng):
    e = rng.random()
    return e * X + (1 - e) * G


def _interp_per_element(X, G, rng):
    e = dlarray(rng.random(X.shape).astype(X.dtype), "CB")
    return e * X + (1 - e) * G


def _interp_midpoint(X, G, rng):
    return 0.5 * X + 0.5 * G


def _interp_normal(X, G, rng):
    e = dlarray(rng.standard_normal((1, X.shape[-1])).astype(X.dtype), "CB")
    return e * X + (1 - e) * G


def _interp_global_random(X, G, rng):
    e = dlarray(np.random.random((1, X.shape[-1])).astype(X.dtype), "CB")
    return e * X + (1 - e) * G


# ---------------------------------------------------------------- the catalogue

CATALOGUE = {
    "00.1": [
        ("rows labelled C", _people_rows_as_channels, r"each row of PEOPLE is one person"),
        ("NumPy array", _people_numpy, r"got ndarray.*dlarray\(PEOPLE"),
        ("unformatted", _people_unformatted, r"no format.*labels"),
        ("features as S", _people_spatial, r"features are channels \(C\), not spatial"),
    ],
    "00.2": [
        ("softmax over people", _shares_over_people, r"normalised over the people"),
        ("sigmoid", _shares_sigmoid, r"sigmoid"),
        ("normalised over B by hand", _shares_normalised_over_b,
         r"sum to 1 over the people instead"),
        ("NumPy softmax", _shares_numpy, r"got ndarray.*dl\.softmax"),
    ],
    "01.1": [
        ("labels without the channel axis", lambda: _sscb_labels_without_reordering,
         r"you labelled \(N, H, W\) as \(S, S, C\)"),
        ("no channel label", lambda: _sscb_no_channel, r"where is the channel dimension"),
        ("reshape", lambda: _sscb_reshape, r"reshape instead of labelling"),
        ("NumPy transpose", lambda: _sscb_numpy, r"got ndarray.*Label the dimensions"),
    ],
    "01.2": [
        ("fixed axis numbers", lambda: _means_fixed_axes, r"fixed axis numbers.*finddim"),
        ("mean of everything", lambda: _means_everything, r"one number for the whole array"),
        ("mean over C", lambda: _means_over_channels, r"averaged over C itself"),
        ("sum", lambda: _means_sum, r"sums, not means"),
        ("NumPy result", lambda: _means_numpy, r"got ndarray.*np\.mean on the dlarray"),
    ],
    "02.2": [
        ("first derivative", lambda: _curvature_first_derivative,
         r"returned the first derivative"),
        ("no enable_higher_derivatives", lambda: _curvature_not_higher,
         r"enable_higher_derivatives=True"),
        ("extractdata in between", lambda: _curvature_extractdata, r"extractdata"),
        ("hand-derived with a sign slip", lambda: _curvature_sign_slip,
         r"by hand with a sign slip"),
    ],
    "03.1": [
        ("exponential decay", lambda: _decay_exponential, r"exponential decay"),
        ("linear decay", lambda: _decay_linear, r"linear decay"),
        ("operator precedence", lambda: _decay_precedence, r"precedence.*parentheses"),
        ("decay forgotten", lambda: _decay_without_decay, r"decay.*not used|without decay"),
    ],
    "04.2": [
        ("no skip connection", lambda: _block_no_skip, r"without its skip connection"),
        ("skip after the relu", lambda: _block_skip_after_relu,
         r"added X after the final relu"),
        ("no inner relu", lambda: _block_no_inner_relu, r"relu between the two convolutions"),
        ("valid padding", lambda: _block_valid_padding, r'padding="same"|padding=.same.'),
        ("conv_a twice", lambda: _block_conv_a_twice, r"conv_a.*twice|conv_b's parameters"),
    ],
    "05.1": [
        ("channels and filters swapped", lambda: _conv_channels_filters_swapped,
         r"channels and filters are swapped"),
        ("fans without the filter area", lambda: _conv_fans_without_area,
         r"include the filter area in the fans"),
        ("He instead of Glorot", lambda: _conv_he, r"normal.*He.*Glorot is uniform"),
        ("ignores rng", lambda: _conv_global_rng, r"rng argument"),
        ("filter_size taken as an int", lambda: _conv_int_filter_size,
         r"filter_size is a tuple"),
    ],
    "05.2": [
        ("Glorot", lambda: _relu_glorot, r"Glorot's spread"),
        ("fan-out", lambda: _relu_fan_out, r"num_out.*fan|fan.*number of inputs"),
        ("transposed", lambda: _relu_transposed, r"\(num_out, num_in\)"),
        ("LeCun, factor 2 missing", lambda: _relu_lecun, r"factor 2"),
        ("ignores rng", lambda: _relu_global_rng, r"rng argument"),
    ],
    "06.1": [
        ("mean of all elements", lambda: _l1_mean, r"mean over all elements"),
        ("divides by the last dimension", lambda: _l1_last_dim,
         r"last dimension is T.*not (the )?B"),
        ("squared error", lambda: _l1_squared, r"squared error"),
        ("not divided by N", lambda: _l1_not_normalised, r"divide.*by N|not divided"),
        ("NumPy", lambda: _l1_numpy, r"scalar dlarray.*extractdata|dlarray operations"),
    ],
    "06.2": [
        ("class frequencies", lambda: _weights_frequencies, r"class frequencies"),
        ("1 / count", lambda: _weights_inverse_count, r"1 / count.*N / K|N/K|N / K"),
        ("K forgotten", lambda: _weights_without_k, r"K = 3.*number of classes"),
        ("normalised to sum 1", lambda: _weights_sum_to_one, r"sum to 1"),
    ],
    "07.1": [
        ("params updated with the old velocity", lambda: _sgdm_old_velocity,
         r"order.*velocity first"),
        ("PyTorch convention", lambda: _sgdm_torch, r"velocity includes the learning rate"),
        ("moves uphill", lambda: _sgdm_uphill, r"uphill|params \+ vel"),
        ("velocity of the opposite sign", lambda: _sgdm_negated_velocity,
         r"vel has the opposite sign"),
        ("first velocity None not handled", lambda: _sgdm_vel_none, r"vel is None"),
    ],
    "07.2": [
        ("element-wise clipping", lambda: _clip_elementwise, r"element by element|np\.clip"),
        ("per-parameter norm", lambda: _clip_per_parameter, r"its own norm"),
        ("min(1, ...) forgotten", lambda: _clip_always, r"min\(1"),
        ("square root forgotten", lambda: _clip_no_sqrt, r"square root"),
        ("NumPy values", lambda: _clip_numpy, r"return dlarrays"),
        ("returns the gradients unchanged", lambda: _clip_nothing, r"nothing was clipped"),
    ],
    "08.1": [
        ("saturating loss", lambda: (lambda Y: np.mean(np.log(1 - Y))), r"saturating"),
        ("wrong sign", lambda: (lambda Y: np.mean(np.log(Y))), r"sign is flipped"),
        ("discriminator's fake term", lambda: (lambda Y: -np.mean(np.log(1 - Y))),
         r"discriminator's loss on the fakes"),
        ("sum over the batch", lambda: (lambda Y: -np.sum(np.log(Y))), r"summed over the batch"),
        ("NumPy", lambda: (lambda Y: -np.mean(np.log(extractdata(Y)))), r"scalar dlarray"),
    ],
    "08.2": [
        ("flips with 1 - p", lambda: _flip_complement, r"probability 1 − p"),
        ("one draw for the batch", lambda: _flip_whole_batch, r"one random number per real"),
        ("flips to a constant", lambda: _flip_to_zero, r"not a constant"),
        ("global np.random", lambda: _flip_global_random, r"rng argument"),
        ("NumPy result", lambda: _flip_numpy, r"return a dlarray"),
    ],
    "10.1": [
        ("one step too late", lambda: _last_one_late, r"off by one, too late"),
        ("one step too early", lambda: _last_one_early, r"off by one, too early"),
        ("last padded step", lambda: _last_padded, r"last \*padded\* step"),
        ("mask summed over the wrong axis", lambda: _last_mask_axis,
         r"mask is \(N, T\).*axis=1"),
        ("unformatted result", lambda: _last_unformatted, r'formatted "CB"'),
        ("indexes extractdata(Y)", lambda: _last_numpy, r"gradient does not reach Y"),
    ],
    "10.2": [
        ("ones in the input gate", lambda: _bias_block(0), r"forget gate is the SECOND block"),
        ("ones in the cell candidate", lambda: _bias_block(2),
         r"forget gate is the SECOND block"),
        ("all ones", lambda: _bias_all_ones, r"all four gate blocks are 1"),
        ("three gate blocks (GRU size)", lambda: _bias_three_blocks, r"4H = 12 elements"),
        ("a single one", lambda: _bias_single_row, r"all ones or all zeros"),
    ],
    "11.1": [
        ("unscaled", lambda: _attention_unscaled, r"not scaled"),
        ("softmax over the queries", lambda: _attention_over_queries,
         r"softmax runs over the queries"),
        ("divided by d", lambda: _attention_scaled_by_d, r"by d instead of √d"),
        ("no softmax", lambda: _attention_no_softmax, r"no softmax"),
        ("√ of the number of keys", lambda: _attention_sqrt_keys, r"number of keys"),
    ],
    "11.2": [
        ("transposed", lambda: _mask_transposed, r"transposed"),
        ("diagonal excluded", lambda: _mask_strict, r"its own position"),
        ("float triangle", lambda: _mask_float, r"boolean.*astype\(bool\)"),
        ("np.tril", lambda: _mask_tril, r"transposed"),
    ],
    "12.1": [
        ("blanks removed before merging", lambda: _collapse_remove_then_merge,
         r"removed the blanks before merging"),
        ("no merging", lambda: _collapse_only_blanks, r"must merge into one"),
        ("blanks kept", lambda: _collapse_only_merge, r"blanks.*still|drop the blanks"),
        ("blank hard-coded as 0", lambda: _collapse_blank_zero, r"blank argument"),
    ],
    "12.2": [
        ("labels only", lambda: _steps_labels_only, r"Equal neighbours need a blank"),
        ("blank around every label", lambda: _steps_all_blanks,
         r"Blanks are only required between equal neighbours"),
        ("blank between all labels", lambda: _steps_blank_between_all,
         r"Blanks are only required between equal neighbours"),
        ("any repeated label", lambda: _steps_any_repeat, r"adjacent|next to each other"),
    ],
    "13.1": [
        ("y · A", lambda: _rate_right, r"y·A"),
        ("Aᵀ · y", lambda: _rate_transposed, r"transpose"),
        ("element-wise", lambda: _rate_elementwise, r"element-wise"),
        ("NumPy", lambda: _rate_numpy, r"you returned ndarray"),
    ],
    "13.2": [
        ("start included", lambda: _targets_with_start, r"off by one"),
        ("time first", lambda: _targets_time_first, r"time.*last|axis=-1"),
        ("observations first", lambda: _targets_observations_first, r"observations.*second"),
        ("one step short", lambda: _targets_one_short, r"range\(1, steps \+ 1\)|one step short"),
    ],
    "14.1": [
        ("no enable_higher_derivatives", lambda: _penalty(_norm_obs, higher=False),
         r"enable_higher_derivatives=True"),
        ("norm along the batch", lambda: _penalty(_norm_batch), r"along the batch"),
        ("one norm for everything", lambda: _penalty(_norm_all), r"one norm of the whole"),
        ("squared norm", lambda: _penalty(_norm_squared), r"squared norm"),
        ("lam forgotten", lambda: _penalty(_norm_obs, lam_used=False), r"multiply by lam"),
        ("sum over observations", lambda: _penalty(_norm_obs, reduce=np.sum),
         r"summed over the observations"),
    ],
    "14.2": [
        ("one ε for the batch", lambda: _interp_one_epsilon, r"same ε"),
        ("ε per element", lambda: _interp_per_element, r"different ε"),
        ("midpoint", lambda: _interp_midpoint, r"midpoint"),
        ("normal ε", lambda: _interp_normal, r"not normal"),
        ("global np.random", lambda: _interp_global_random, r"rng argument"),
    ],
}

CASES = [pytest.param(key, name, build, pattern, id=f"{key}-{name}")
         for key, entries in CATALOGUE.items() for name, build, pattern in entries]


def _args(answer):
    return answer if isinstance(answer, tuple) else (answer,)


@pytest.mark.parametrize("key,name,build,pattern", CASES)
def test_wrong_answer_gets_a_specific_message(key, name, build, pattern):
    feedback = dl.exercises.get(key).check(*_args(build()))
    text = "\n".join(feedback.messages)
    assert not feedback.passed, f"{key}: the wrong answer '{name}' was accepted"
    assert re.search(pattern, text, re.IGNORECASE | re.DOTALL), (
        f"{key} '{name}': feedback does not name the mistake ({pattern!r}):\n{text}")


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_reference_answer_passes(key):
    ex = dl.exercises.get(key)
    feedback = ex.check(*_args(ex.reference()))
    assert feedback.passed, repr(feedback)


@pytest.mark.parametrize("shape", ["vector", "column"])
def test_10_2_accepts_every_bias_shape_dl_lstm_accepts(shape):
    # dl.lstm reads any bias with 4H elements in order: the notebook's text says (4H,), MATLAB
    # uses (4H, 1); both are right answers.
    def bias(h):
        b = np.zeros(4 * h, "float32") if shape == "vector" else np.zeros((4 * h, 1), "float32")
        b[h:2 * h] = 1
        return b

    feedback = dl.exercises.get("10.2").check(bias)
    assert feedback.passed, repr(feedback)


def test_every_exercise_has_at_least_three_catalogued_mistakes():
    missing = {key: len(CATALOGUE.get(key, ())) for key in dl.exercises.all_exercises()
               if key not in REWORKED and len(CATALOGUE.get(key, ())) < 3}
    assert not missing, f"exercises with fewer than three catalogued wrong answers: {missing}"
