"""MATLAB habits either work or say how to fix them (issue 16).

Tuple outputs passed on as arrays, MATLAB spellings of options, minibatchqueue's function-call
forms and Python's next(), observations-first arrays, and dlarray's accepted data types.
"""

import warnings

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient


def _images(n=3):
    return dlarray(np.random.default_rng(0).random((4, 4, 2, n)).astype("float32"), "SSCB")


# ---------------------------------------------------------------- 1. tuple outputs

def _small_net():
    layers = [dl.imageInputLayer((4, 4, 2)), dl.convolution2dLayer(3, 2, padding="same"),
              dl.batchNormalizationLayer(), dl.reluLayer()]
    return dl.dlnetwork(layers, rng=np.random.default_rng(0))


def test_forward_tuple_passed_to_an_op_names_forward_outside_dlfeval():
    out = dl.forward(_small_net(), _images())  # MATLAB habit: Y = forward(net, X)
    with pytest.raises(TypeError, match=r"relu: X must be an array, not a tuple.*"
                       r"Y, state = forward\(net, X\)"):
        dl.relu(out)


def test_forward_tuple_passed_to_an_op_names_forward_inside_dlfeval():
    net = _small_net()

    def model_loss(net, X):
        Y = dl.forward(net, X)
        return dl.l2loss(Y, np.zeros((4, 4, 2, 3)))

    with pytest.raises(TypeError, match=r"l2loss: Y must be an array, not a tuple.*unpack it"):
        dlfeval(model_loss, net, _images())


@pytest.mark.parametrize("make", ["batchnorm", "lstm"])
def test_batchnorm_and_lstm_tuples_are_named(make):
    rng = np.random.default_rng(0)
    if make == "batchnorm":
        out = dl.batchnorm(_images(), np.zeros(2), np.ones(2))
    else:
        X = dlarray(rng.standard_normal((3, 2, 4)), "CBT")
        out = dl.lstm(X, np.zeros((2, 1)), np.zeros((2, 1)), rng.standard_normal((8, 3)),
                      rng.standard_normal((8, 2)), np.zeros(8))
    with pytest.raises(TypeError, match=rf"fullyconnect: X must be an array, not a tuple; "
                       rf"got a tuple of 3.*{make}\(\.\.\.\)"):
        dl.fullyconnect(out, np.ones((1, 2)), np.zeros(1))
    with pytest.raises(TypeError, match=r"dlarray: data must be an array, not a tuple"):
        dlarray(out, "CB")


def test_plain_nested_numbers_are_still_an_array():
    assert dl.relu([[1.0, -2.0]]).shape == (1, 2)


# ---------------------------------------------------------------- 4. MATLAB option spellings

def test_camelcase_keyword_suggests_snake_case():
    W, b = np.ones((3, 3, 2, 1)), np.zeros(1)
    with pytest.raises(TypeError, match=r"dlconv: option DilationFactor is not known; got "
                       r"DilationFactor=2\. Did you mean dilation_factor=2\?"):
        dl.dlconv(_images(), W, b, DilationFactor=2)


def test_misspelt_keyword_suggests_the_closest_option():
    with pytest.raises(TypeError, match=r"Did you mean normalization_factor='all-elements'"):
        dl.l1loss(_images(), _images(), normalisation_factor="all-elements")


def test_unknown_keyword_lists_the_options():
    with pytest.raises(TypeError, match=r"relu: option Foo is not known.*Options of relu: "
                       r"data_format"):
        dl.relu(_images(), Foo=1)


def test_name_value_pair_is_answered_with_the_keyword():
    with pytest.raises(TypeError, match=r"avgpool: option was given as a MATLAB 'Name', value "
                       r"pair; got 'Stride', 2\. Python takes options as keywords: "
                       r"avgpool\(\.\.\., stride=2\)"):
        dl.avgpool(_images(), 2, "Stride", 2)


def test_name_value_pairs_in_classes_and_update_functions_and_dlgradient():
    with pytest.raises(TypeError, match=r"minibatchqueue\(\.\.\., mini_batch_size=16\)"):
        dl.minibatchqueue(np.zeros((3, 10)), "MiniBatchSize", 16)
    with pytest.raises(TypeError, match=r"Did you mean retain_data=True"):
        dlfeval(lambda x: dlgradient(np.sum(x * x), x, RetainData=True),
                dlarray(np.ones(2)))


def test_option_values_are_not_mistaken_for_names():
    assert dl.avgpool(_images(), "global").shape == (1, 1, 2, 3)
    assert dl.dlconv(_images(), np.ones((3, 3, 2, 1)), 0, padding="same").shape == (4, 4, 1, 3)


def test_too_many_positional_arguments_say_so():
    with pytest.raises(TypeError, match=r"relu: arguments are too many: at most 1 positional"):
        dl.relu(_images(), "CB")


def test_signature_and_docstring_are_kept():
    import inspect

    assert "dilation_factor" in inspect.signature(dl.dlconv).parameters
    assert "MATLAB compatibility" in dl.dlconv.__doc__


# ---------------------------------------------------------------- 4. observations first

def test_observations_first_array_is_named_when_counts_differ():
    X = np.zeros((10, 4, 4, 1))  # (N, H, W, C): NumPy habit
    T = np.arange(10)
    with pytest.raises(ValueError, match=r"input 1 must have as many observations as input 0 "
                       r"\(1\); got 10.*input 0 has 10 on its first axis: it looks "
                       r"observations-first.*np.moveaxis\(X, 0, -1\)"):
        dl.minibatchqueue(X, T)


def test_single_observation_array_warns():
    with pytest.warns(UserWarning, match=r"single observation.*np.moveaxis\(X, 0, -1\)"):
        dl.minibatchqueue(np.zeros((10, 4, 4, 1)))


def test_observations_last_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dl.minibatchqueue(np.zeros((4, 4, 1, 10)), np.arange(10))


# ---------------------------------------------------------------- 5. minibatchqueue habits

def test_builtin_next_and_matlab_function_forms():
    X, T = np.arange(20.0).reshape(2, 10), np.arange(10)
    mbq = dl.minibatchqueue(X, T, mini_batch_size=4, shuffle=False)
    Xb, Tb = next(mbq)
    np.testing.assert_array_equal(dl.extractdata(Tb), [0, 1, 2, 3])
    Xb, Tb = dl.next(mbq)
    np.testing.assert_array_equal(dl.extractdata(Tb), [4, 5, 6, 7])
    assert dl.hasdata(mbq)
    dl.next(mbq)
    assert not dl.hasdata(mbq)
    with pytest.raises(StopIteration):
        next(mbq)
    with pytest.raises(RuntimeError, match=r"minibatchqueue.next: the queue has no data left"):
        dl.next(mbq)
    assert dl.next(mbq, "done") == "done"
    dl.reset(mbq)
    np.testing.assert_array_equal(dl.extractdata(dl.next(mbq)[1]), [0, 1, 2, 3])
    dl.shuffle(mbq)
    assert dl.hasdata(mbq)
    assert sorted(int(t) for _, Tb in mbq for t in dl.extractdata(Tb)) == list(range(10))


def test_single_output_next_is_the_array():
    mbq = dl.minibatchqueue(np.zeros((3, 5)), mini_batch_size=2)
    assert isinstance(next(mbq), dlarray)
    assert isinstance(dl.next(mbq), dlarray)


def test_function_forms_reject_other_objects_and_next_delegates():
    with pytest.raises(TypeError, match=r"hasdata: mbq must be a minibatchqueue"):
        dl.hasdata([1, 2])
    with pytest.raises(TypeError, match=r"reset: mbq must be a minibatchqueue"):
        dl.reset(None)
    assert dl.next(iter([7, 8])) == 7


# ---------------------------------------------------------------- 7. dlarray data types

@pytest.mark.parametrize("data", [np.array(["a", "b"]), np.array([b"x"]),
                                  np.array(["2020-01-01"], dtype="datetime64[D]"),
                                  np.zeros(2, dtype=[("a", "f4")]), np.array([1, "a"], object),
                                  ["cat", "dog"]])
def test_dlarray_rejects_non_numeric_data(data):
    with pytest.raises(TypeError, match=r"dlarray: data must be numeric or logical"):
        dlarray(data)


def test_dlarray_rejects_unknown_dtype_argument():
    with pytest.raises(TypeError, match=r"dlarray: dtype must be a NumPy numeric or logical "
                       r"type such as 'float32'; got 'floaty'"):
        dlarray(np.ones(2), dtype="floaty")
    with pytest.raises(TypeError, match=r"dlarray: dtype must be numeric or logical"):
        dlarray(np.ones(2), dtype=str)


def test_dlarray_accepts_numeric_and_logical_data():
    for data in (np.ones(2, "float32"), np.ones(2, "int8"), np.ones(2, bool),
                 np.ones(2, "complex64")):
        assert dlarray(data).dtype == data.dtype


# ---------------------------------------------------------------- 2. saturated crossentropy

def _saturated(dtype="float64"):
    # sample 0: true class 0 sits 120 below the largest logit, so softmax gives it ~1e-52
    # (below eps in float32 and float64); sample 1 is an ordinary one.
    X = np.array([[-60.0, 0.3], [60.0, -0.2], [0.0, 0.1]], dtype=dtype)
    T = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=dtype)
    return dlarray(X, "CB"), T


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_saturated_sample_keeps_its_gradient_through_softmax(dtype):
    X, T = _saturated(dtype)

    def loss_and_grad(X):
        loss = dl.crossentropy(dl.softmax(X), T)
        return loss, dlgradient(loss, X)

    loss, g = dlfeval(loss_and_grad, X)
    x = dl.extractdata(X).astype(float)
    p = np.exp(x - x.max(axis=0)) / np.exp(x - x.max(axis=0)).sum(axis=0)
    np.testing.assert_allclose(dl.extractdata(g), (p - T) / 2, rtol=1e-4, atol=1e-6)
    assert abs(float(dl.extractdata(g)[0, 0])) > 0.4  # MATLAB's clamp would give 0 here
    # the loss is the true -log softmax, not capped at -log(eps)
    expected = -(x[0, 0] - np.log(np.exp(x[:, 0]).sum()) + np.log(p[1, 1])) / 2
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


def test_softmax_path_equals_matlab_formula_in_the_normal_range():
    rng = np.random.default_rng(1)
    X = dlarray(rng.standard_normal((5, 4)), "CBT"[:2])
    T = np.eye(5)[:, rng.integers(0, 5, 4)]
    Y = dl.softmax(X)
    plain = dl.dlarray(dl.extractdata(Y), "CB")  # the same numbers, not softmax's output
    for kw in ({}, {"reduction": "none"}, {"normalization_factor": "all-elements"}):
        np.testing.assert_allclose(dl.extractdata(dl.crossentropy(Y, T, **kw)),
                                   dl.extractdata(dl.crossentropy(plain, T, **kw)), rtol=1e-12)


@pytest.mark.parametrize("fmt, shape", [("CB", (4, 3)), ("SSCB", (2, 2, 4, 3)),
                                        ("CBT", (4, 3, 2))])
def test_softmax_path_gradient_with_respect_to_softmax_output(fmt, shape):
    # crossentropy(softmax(X), T) is valued from the logits; asking for the gradient with
    # respect to softmax's output Y must still give d(-T log Y)/dY, not zeros, and X's gradient
    # must be the same whether Y is asked for too, used elsewhere, or not.
    rng = np.random.default_rng(3)
    X = dlarray(rng.standard_normal(shape), fmt)
    T = dlarray(np.moveaxis(np.eye(4)[:, rng.integers(0, 4, int(np.prod(shape)) // 4)]
                            .reshape((4,) + tuple(n for i, n in enumerate(shape)
                                                  if i != fmt.index("C"))), 0, fmt.index("C")),
                fmt)

    def both(X):
        Y = dl.softmax(X)
        loss = dl.crossentropy(Y, T)
        return dlgradient(loss, Y), dlgradient(loss, X)

    def x_only(X):
        return dlgradient(dl.crossentropy(dl.softmax(X), T), X)

    def plain(X):  # the same numbers through a copy that is not softmax's output
        Y = dl.softmax(X) * 1.0
        loss = dl.crossentropy(Y, T)
        return dlgradient(loss, Y), dlgradient(loss, X)

    gy, gx = dlfeval(both, X)
    gy_plain, gx_plain = dlfeval(plain, X)
    n = shape[fmt.index("B")]  # normalised by the batch size
    y = dl.extractdata(dl.softmax(X))
    np.testing.assert_allclose(dl.extractdata(gy), -dl.extractdata(T) / y / n, rtol=1e-12)
    np.testing.assert_allclose(dl.extractdata(gy), dl.extractdata(gy_plain), rtol=1e-12)
    np.testing.assert_allclose(dl.extractdata(gx), dl.extractdata(gx_plain), atol=1e-15)
    np.testing.assert_allclose(dl.extractdata(dlfeval(x_only, X)), dl.extractdata(gx),
                               atol=1e-15)


def test_softmax_path_second_derivative_equals_the_composed_formula():
    rng = np.random.default_rng(4)
    X = dlarray(rng.standard_normal((4, 3)), "CB")
    T = np.eye(4)[:, [2, 0, 3]]

    def penalty(loss_fn):
        def f(X):
            g = dlgradient(loss_fn(X), X, enable_higher_derivatives=True)
            return dlgradient(np.sum(g * g), X)
        return f

    def composed(X):  # -sum(T log softmax(X)) / N written out
        z = X - np.max(dl.extractdata(X), axis=0, keepdims=True)
        return -np.sum(T * (z - np.log(np.sum(np.exp(z), axis=0, keepdims=True)))) / 3

    got = dlfeval(penalty(lambda X: dl.crossentropy(dl.softmax(X), T)), X)
    np.testing.assert_allclose(dl.extractdata(got), dl.extractdata(dlfeval(penalty(composed), X)),
                               rtol=1e-10, atol=1e-14)


def test_softmax_path_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    X = dlarray(rng.standard_normal((4, 3)), "CB")
    T = np.eye(4)[:, [0, 3, 1]]
    w = np.array([1.0, 2.0, 0.5, 1.5])
    report = dl.testing.check_gradients(
        lambda X: dl.crossentropy(dl.softmax(X), T, w, normalization_factor="all-elements"), X)
    assert report.ok, report


def test_clamped_probabilities_warn_and_name_the_fix():
    X, T = _saturated()
    Y = dl.softmax(X) * 1.0  # no longer softmax's own output: MATLAB's clamp applies

    def grad(X):
        loss = dl.crossentropy(dl.softmax(X) * 1.0, T)
        return dlgradient(loss, X)

    with pytest.warns(RuntimeWarning, match=r"crossentropy: 1 predicted probabilities of a "
                      r"target class are below eps.*gradient is zero.*crossentropy\(softmax"):
        g = dlfeval(grad, X)
    assert float(dl.extractdata(g)[0, 0]) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dl.crossentropy(Y[:, 1:], T[:, 1:])  # nothing below eps: silent


def test_softmax_output_is_an_ordinary_dlarray():
    Y = dl.softmax(dlarray(np.zeros((3, 2)), "CB"))
    assert isinstance(Y, dlarray) and Y.fmt == "CB"
    assert type(Y[:, :1]) is dlarray and type(Y + 1) is dlarray


# ---------------------------------------------------------------- 3. pool_format

def test_pool_format_t_pools_over_time_only():
    X = dlarray(np.arange(24.0).reshape(2, 1, 3, 4), "SCBT")
    Y = dl.avgpool(X, 2, stride=2, pool_format="T")
    assert Y.fmt == "SCBT" and Y.shape == (2, 1, 3, 2)
    x = dl.extractdata(X)
    np.testing.assert_allclose(dl.extractdata(Y), (x[..., 0::2] + x[..., 1::2]) / 2)


def test_pool_format_maxunpool_round_trip_unformatted():
    rng = np.random.default_rng(0)
    X = dlarray(rng.standard_normal((6, 2, 3)))  # T, C, B
    Y, idx, size = dl.maxpool(X, 2, stride=2, pool_format="T", data_format="TCB",
                              return_indices=True)
    Z = dl.maxunpool(Y, idx, size, data_format="TCB")
    x, z = dl.extractdata(X), dl.extractdata(Z)
    kept = z != 0
    np.testing.assert_array_equal(z[kept], x[kept])
    assert kept.sum() == Y.size


@pytest.mark.parametrize("kw, match", [
    ({"pool_format": "C"}, r"avgpool: pool_format must contain only 'S' and 'T' labels"),
    ({"pool_format": "T"}, r"avgpool: pool_format has 'T' but X has no 'T' dimension"),
    ({"pool_format": "Q"}, r"avgpool"),
])
def test_pool_format_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        dl.avgpool(_images(), 2, **kw)


def test_pool_format_must_take_all_s_dims_or_none():
    X = dlarray(np.zeros((4, 4, 1, 2, 3)), "SSCBT")
    with pytest.raises(ValueError, match=r"maxpool: pool_format must pool over all 2 'S' "
                       r"dimensions of X or over none"):
        dl.maxpool(X, (2, 2), pool_format="ST")
    assert dl.maxpool(X, (2, 2, 2), pool_format="SST").shape == (3, 3, 1, 2, 2)


# ---------------------------------------------------------------- 3. recurrent activations

def _lstm_args(rng, H=2, C=3):
    X = dlarray(rng.standard_normal((C, 2, 4)), "CBT")
    return (X, np.zeros((H, 1)), np.zeros((H, 1)), rng.standard_normal((4 * H, C)),
            rng.standard_normal((4 * H, H)), rng.standard_normal(4 * H))


def test_lstm_relu_state_matches_a_hand_written_step():
    rng = np.random.default_rng(3)
    X, h0, c0, W, R, b = _lstm_args(rng)
    Y, h, c = dl.lstm(X[:, :, :1], h0, c0, W, R, b, state_activation_function="relu",
                      gate_activation_function="hard-sigmoid")
    z = W @ dl.extractdata(X)[:, :, 0] + b[:, None]
    hs = np.clip(0.2 * z + 0.5, 0, 1)
    i, f, g, o = hs[:2], hs[2:4], np.maximum(z[4:6], 0), hs[6:]
    c_ref = i * g
    np.testing.assert_allclose(dl.extractdata(c), c_ref, atol=1e-12)
    np.testing.assert_allclose(dl.extractdata(h), o * np.maximum(c_ref, 0), atol=1e-12)


@pytest.mark.parametrize("op, kw, match", [
    ("lstm", {"state_activation_function": "sigmoid"},
     r"lstm: state_activation_function must be one of 'tanh', 'softsign', 'relu'"),
    ("gru", {"gate_activation_function": "tanh"},
     r"gru: gate_activation_function must be one of 'sigmoid', 'hard-sigmoid'"),
])
def test_recurrent_activation_errors(op, kw, match):
    rng = np.random.default_rng(0)
    X, h0, c0, W, R, b = _lstm_args(rng)
    with pytest.raises(ValueError, match=match):
        if op == "lstm":
            dl.lstm(X, h0, c0, W, R, b, **kw)
        else:
            dl.gru(X, h0, W[:6], R[:6], b[:6], **kw)


# ---------------------------------------------------------------- 3. onehotencode, ctc

def test_onehotencode_class_names_order_and_exclusion():
    B = dl.extractdata(dl.onehotencode(np.array(["b", "a", "c"]), 0, class_names=["c", "b"]))
    np.testing.assert_array_equal(B[:, 0], [0, 1])
    assert np.all(np.isnan(B[:, 1]))
    np.testing.assert_array_equal(B[:, 2], [1, 0])


def test_onehotencode_matlab_typename_positional():
    assert dl.onehotencode([0, 1], 0, "double").dtype == np.float64


@pytest.mark.parametrize("kw, match", [
    ({"classes": 3, "class_names": [0, 1]},
     r"onehotencode: class_names must not be given together with classes"),
    ({"class_names": [0, 1], "dtype": "int8"},
     r"onehotencode: dtype must be a floating-point type with class_names"),
])
def test_onehotencode_class_names_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        dl.onehotencode([0, 1, 2], 0, **kw)


def test_onehotencode_classes_still_reject_unknown_labels_and_point_to_class_names():
    with pytest.raises(ValueError, match=r"not among classes.*use class_names"):
        dl.onehotencode([0, 5], 0, classes=3)


def test_ctc_data_format_errors():
    Y = np.full((4, 2, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"ctc: data_format must label the C, B and T "
                       r"dimensions of Y, once each"):
        dl.ctc(Y, np.array([[1], [2]]), np.ones((2, 4)), np.ones((2, 1)), data_format="TBU")
    T = dl.ctc(Y, np.array([[1], [2]]), np.ones((2, 4)), np.ones((2, 1)), data_format="TBC")
    C = dl.ctc(np.transpose(Y, (2, 1, 0)), np.array([[1], [2]]), np.ones((2, 4)),
               np.ones((2, 1)))
    np.testing.assert_allclose(float(T), float(C))


# ---------------------------------------------------------------- 4. MATLAB padding matrix

def test_matlab_padding_matrix_is_read_as_rows_before_after():
    X = dlarray(np.ones((4, 4, 1, 1)), "SSCB")
    W = np.ones((1, 1, 1, 1))
    # MATLAB: Padding=[2 1; 1 1] is top 2, left 1, bottom 1, right 1 -> 7-by-6
    Y = dl.dlconv(X, W, 0, padding=np.array([[2, 1], [1, 1]]))
    assert Y.shape[:2] == (7, 6)
    y = dl.extractdata(Y)[:, :, 0, 0]
    assert y[:2].sum() == 0 and y[-1].sum() == 0 and y[:, 0].sum() == 0 and y[:, -1].sum() == 0
    # Python's pairs ((top, bottom), (left, right)) give the same
    Z = dl.dlconv(X, W, 0, padding=((2, 1), (1, 1)))
    np.testing.assert_array_equal(dl.extractdata(Z), dl.extractdata(Y))


def test_ambiguous_two_by_two_list_padding_is_refused():
    X = dlarray(np.ones((4, 4, 1, 1)), "SSCB")
    with pytest.raises(ValueError, match=r"dlconv: padding is ambiguous as a 2-by-2 list; got "
                       r"\[\[2, 1\], \[1, 1\]\].*tuple of tuples, padding=\(\(2, 1\), \(1, 1\)\)"
                       r".*np.array\(\[\[2, 1\], \[1, 1\]\]\)"):
        dl.dlconv(X, np.ones((1, 1, 1, 1)), 0, padding=[[2, 1], [1, 1]])


def test_two_by_d_matrix_for_other_dimension_counts_and_cropping():
    X = dlarray(np.ones((3, 3, 3, 1, 1)), "SSSCB")
    Y = dl.dlconv(X, np.ones((1, 1, 1, 1, 1)), 0, padding=[[1, 0, 0], [0, 0, 2]])  # 2-by-3
    assert Y.shape[:3] == (4, 3, 5)
    T = dl.dltranspconv(dlarray(np.ones((3, 3, 1, 1)), "SSCB"), np.ones((2, 2, 1, 1)), 0,
                        cropping=np.array([[1, 0], [0, 0]]))
    assert T.shape[:2] == (3, 4)


# ---------------------------------------------------------------- 9. dlfeval value semantics

def test_dlfeval_passes_containers_by_value_as_documented():
    state = {"n": dlarray(np.zeros(2))}
    history = [dlarray(np.ones(2))]

    def model(state, history):
        state["n"] = state["n"] + 1
        state["new"] = 1
        history.append(3)
        return np.sum(state["n"]), state

    loss, new_state = dlfeval(model, state, history)
    assert set(state) == {"n"} and float(np.sum(state["n"])) == 0.0 and len(history) == 1
    np.testing.assert_array_equal(dl.extractdata(new_state["n"]), [1.0, 1.0])
    assert "passed by value" in dl.dlfeval.__doc__


def test_warnings_point_at_the_callers_line():
    X, T = _saturated()
    with pytest.warns(RuntimeWarning) as record:
        dl.crossentropy(dl.softmax(X) * 1.0, T)
    assert record[0].filename == __file__


def test_arithmetic_with_a_forward_tuple_names_forward():
    out = dl.forward(_small_net(), _images())
    with pytest.raises(TypeError, match=r"dlarray subtract: operand must be an array, not a "
                       r"tuple.*Y, state = forward\(net, X\)"):
        out - _images()


@pytest.mark.parametrize("call", [
    lambda t: dl.onehotdecode(t, 3, 0), lambda t: dl.onehotencode(t, 0),
    lambda t: dl.attention(t, t[0], t[0], 1), lambda t: dl.softmax(t),
    lambda t: dl.crossentropy(t, np.zeros((4, 4, 2, 3))),
])
def test_every_kind_of_op_input_names_the_tuple(call):
    out = dl.forward(_small_net(), _images())
    with pytest.raises(TypeError, match=r"must be an array, not a tuple.*unpack it"):
        call(out)
