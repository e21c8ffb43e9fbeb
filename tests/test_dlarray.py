"""dlarray: construction, canonical order, queries, NumPy interoperability and format rules."""

import numpy as np
import pytest

from dlnotebooks import dims, dlarray, dlfeval, dlgradient, extractdata, finddim, isdlarray, \
    stripdims


def test_canonical_permutation_moves_data():
    data = np.arange(30.0).reshape(3, 10)
    X = dlarray(data, "BC")
    assert X.fmt == "CB" and X.shape == (10, 3)
    np.testing.assert_array_equal(extractdata(X), data.T)


def test_permutation_is_stable_for_repeated_labels():
    data = np.random.default_rng(0).standard_normal((5, 4, 3, 2))
    X = dlarray(data, "TSSU")
    assert dims(X) == "SSTU"
    assert X.shape == (4, 3, 5, 2)
    assert finddim(X, "T") == (2,)
    assert finddim(X, "S") == (0, 1)
    np.testing.assert_array_equal(extractdata(X), np.transpose(data, (1, 2, 0, 3)))


def test_sscb_from_ssbc_matches_matlab_example():
    X = dlarray(np.zeros((3, 3, 10, 7)), "SSBC")
    assert X.shape == (3, 3, 7, 10) and X.fmt == "SSCB"


def test_tcb_becomes_cbt():
    X = dlarray(np.zeros((5, 2, 3)), "TCB")
    assert X.fmt == "CBT" and X.shape == (2, 3, 5)


def test_extra_labels_are_trailing_singletons():
    X = dlarray(np.zeros((4, 3)), "SSCB")
    assert X.shape == (4, 3, 1, 1)
    v = dlarray(np.arange(5.0), "C")
    assert v.shape == (5,) and v.fmt == "C"


def test_fmt_shorter_than_ndim_is_an_error():
    with pytest.raises(ValueError, match=r"dlarray: fmt must have a label for each of the 3"):
        dlarray(np.zeros((2, 3, 4)), "CB")


@pytest.mark.parametrize("fmt,message", [
    ("CC", r"dlarray: fmt may contain C at most once; got 'CC'"),
    ("BTB", r"dlarray: fmt may contain B at most once"),
    ("SX", r"dlarray: fmt has unknown labels 'X'"),
])
def test_bad_formats(fmt, message):
    with pytest.raises(ValueError, match=message):
        dlarray(np.zeros((2, 2, 2)[:len(fmt)]), fmt)


def test_fmt_must_be_string():
    with pytest.raises(TypeError, match=r"dlarray: fmt must be a string"):
        dlarray(np.zeros(2), 5)


def test_non_numeric_data_is_rejected():
    with pytest.raises(TypeError, match=r"dlarray: data must be numeric or logical"):
        dlarray(["a", "b"])


def test_dlarray_of_dlarray_keeps_or_replaces_format():
    X = dlarray(np.zeros((3, 4)), "CB")
    assert dlarray(X).fmt == "CB"
    assert dlarray(X, "SS").fmt == "SS"


def test_dtypes_are_kept_or_converted():
    assert dlarray(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert dlarray(np.arange(3)).dtype.kind == "i"
    assert dlarray(np.array([True, False])).dtype == np.bool_
    assert dlarray(np.arange(3), dtype="float32").dtype == np.float32


def test_repr_shows_sizes_labels_and_type():
    X = dlarray(np.zeros((28, 28, 1, 128), dtype=np.float32), "SSCB")
    assert repr(X) == "28(S)×28(S)×1(C)×128(B) float32 dlarray"


def test_stripdims_and_permuted_stripdims():
    X = dlarray(np.arange(6.0).reshape(2, 3), "CB")
    assert stripdims(X).fmt == "" and stripdims(X).shape == (2, 3)
    Y = stripdims(X, "BC")
    assert Y.shape == (3, 2)
    np.testing.assert_array_equal(extractdata(Y), extractdata(X).T)
    with pytest.raises(ValueError, match=r"stripdims: fmt must be a permutation"):
        stripdims(X, "CBT")


def test_query_functions_validate_input():
    with pytest.raises(TypeError, match=r"dims: X must be a dlarray; got ndarray"):
        dims(np.zeros(2))
    with pytest.raises(ValueError, match=r"finddim: label must be one of"):
        finddim(dlarray(np.zeros(2), "C"), "Q")
    with pytest.raises(TypeError, match=r"extractdata: X must be a dlarray; got str"):
        extractdata("x")
    assert finddim(dlarray(np.zeros(2)), "C") == ()
    assert isdlarray(dlarray(1.0)) and not isdlarray(1.0)


def test_arithmetic_keeps_matching_formats():
    X = dlarray(np.ones((3, 4)), "CB")
    assert (X + X).fmt == "CB"
    assert (2 * X - 1).fmt == "CB"
    assert (X + np.ones((3, 1))).fmt == "CB"
    assert (X @ np.ones((4, 2))).fmt == ""


def test_arithmetic_aligns_different_formats_by_label():
    X = dlarray(np.ones((3, 4)), "CB")
    bias = dlarray(np.arange(3.0), "C")
    Y = X + bias
    assert Y.fmt == "CB" and Y.shape == (3, 4)
    np.testing.assert_array_equal(extractdata(Y)[:, 0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"cannot combine formats 'SCB' and 'SSCB'"):
        dlarray(np.ones((2, 3, 4)), "SCB") + dlarray(np.ones((2, 2, 3, 4)), "SSCB")


def test_incompatible_shapes_give_a_readable_error():
    with pytest.raises(ValueError, match=r"dlarray: add needs operands of compatible shapes"):
        dlarray(np.ones((3, 4)), "CB") + np.ones((5,))


def test_reductions_keep_labels_as_singletons():
    X = dlarray(np.ones((2, 3, 4)), "SCB")
    Y = np.sum(X, axis=2)
    assert Y.fmt == "SCB" and Y.shape == (2, 3, 1)
    Z = np.mean(X)
    assert Z.fmt == "" and Z.shape == ()
    assert np.max(X, axis=(0, 1)).shape == (1, 1, 4)
    U = dlarray(np.ones((2, 3)))
    assert np.sum(U, axis=0).shape == (3,)


def test_a_reduction_axis_out_of_range_or_given_as_a_label_is_an_error_that_explains():
    X = dlarray(np.ones((4, 6)), "CB")
    # Taken modulo ndim before: axis 5 of a 2-D array silently reduced axis 1.
    with pytest.raises(np.exceptions.AxisError,
                       match=r'np.mean: axis 5 is out of range for a 2-D dlarray of format "CB" '
                             r"\(axes C=0, B=1\).*MATLAB's dimension k is axis k-1"):
        np.mean(X, axis=5)
    with pytest.raises(np.exceptions.AxisError, match=r"np.max: axis 2 is out of range"):
        np.max(X, axis=(0, 2))
    with pytest.raises(TypeError, match=r"np.sum: axis must be an integer or a tuple of "
                                        r"integers; got 'C'. .*axis=finddim\(X, 'C'\)"):
        np.sum(X, axis="C")
    with pytest.raises(TypeError, match=r"has no format; give it one first"):
        np.sum(dlarray(np.ones(3)), axis="C")
    with pytest.raises(TypeError, match=r'np.sum: axis="all" is MATLAB\'s sum\(X, "all"\); '
                                        r"in NumPy leave the axis out: np.sum\(X\)"):
        np.sum(X, "all")
    with pytest.raises(TypeError, match=r"got 'rows' \(this dlarray: format \"CB\""):
        np.sum(X, axis="rows")
    with pytest.raises(TypeError, match=r"got float 1.0"):
        np.sum(X, axis=1.0)
    assert np.sum(X, axis=finddim(X, "C")).shape == (1, 6)
    assert np.mean(X, axis=-1).shape == (4, 1)


def test_ufuncs_and_functions_are_traced():
    def f(x):
        y = np.sum(np.exp(x) * np.tanh(x)) + np.sum(np.concatenate([x, x], axis=0))
        return dlgradient(y, x)

    x = np.array([[0.5, -1.0]])
    g = dlfeval(f, dlarray(x, "CB"))
    expected = np.exp(x) * np.tanh(x) + np.exp(x) / np.cosh(x) ** 2 + 2
    np.testing.assert_allclose(extractdata(g), expected)
    assert g.fmt == "CB"


def test_indexing_keeps_labels_of_remaining_dims():
    X = dlarray(np.arange(24.0).reshape(2, 3, 4), "SCB")
    assert X[:, :, 1:3].fmt == "SCB"
    assert X[:, 0, :].fmt == "SB"
    assert X[..., [0, 2]].fmt == "SCB"
    assert X[None].fmt == ""


def test_where_and_clip_follow_the_elementwise_rule():
    X = dlarray(np.array([[-1.0, 2.0]]), "CB")
    assert np.where(X > 0, X, 0 * X).fmt == "CB"
    assert np.clip(X, 0, 1).fmt == "CB"


def test_untraceable_numpy_function_raises_type_error_naming_it():
    def f(x):
        return np.sum(np.linalg.lstsq(x, x)[0])

    with pytest.raises(TypeError, match=r"numpy.linalg.lstsq cannot be differentiated"):
        dlfeval(f, dlarray(np.eye(2)))

    def g(x):
        return np.lib.stride_tricks.sliding_window_view(x, 2)

    with pytest.raises(TypeError, match=r"sliding_window_view cannot be traced on dlarrays"):
        dlfeval(g, dlarray(np.arange(4.0)))


def test_setitem_outside_trace_and_error_inside():
    X = dlarray(np.zeros((2, 2)), "CB")
    X[0, 0] = 5.0
    assert float(X[0, 0]) == 5.0

    def f(x):
        x[0] = 1.0

    with pytest.raises(TypeError, match=r"assignment into a traced dlarray is not differentiable"):
        dlfeval(f, X)


def test_conversion_of_traced_value_points_to_extractdata():
    def f(x):
        return np.asarray(x)

    with pytest.raises(TypeError, match=r"use extractdata"):
        dlfeval(f, dlarray(np.ones(2)))


def test_scalar_conversions():
    assert float(dlarray(np.array([[2.5]]))) == 2.5
    with pytest.raises(TypeError, match=r"float\(\) needs a one-element dlarray; got shape"):
        float(dlarray(np.ones(3)))


def test_nan_and_inf_flow_through():
    X = dlarray(np.array([np.nan, np.inf, -np.inf, 1.0]), "C")
    Y = np.exp(-X) + 1
    assert np.isnan(extractdata(Y)[0])


def test_vector_with_one_label_is_a_column_with_a_u_dimension():
    # MATLAB's dlarray(v, dim): a column whose dim 1 carries the label and dim 2 'U'; its
    # lstm documentation builds the bias as dlarray(randn(4*H, 1), 'C').
    col = dlarray(np.arange(12.0).reshape(12, 1), "C")
    assert (col.shape, col.fmt) == ((12, 1), "CU")
    row = dlarray(np.arange(5.0).reshape(1, 5), "B")
    assert (row.shape, row.fmt) == ((5, 1), "BU")
    np.testing.assert_array_equal(np.asarray(row)[:, 0], np.arange(5.0))
    with pytest.raises(ValueError, match="a label for each of the 2 dimensions"):
        dlarray(np.ones((3, 4)), "C")


def test_lstm_example_from_matlab_documentation_runs():
    import dlnotebooks as dl

    rng = np.random.default_rng(0)
    X = dlarray(rng.standard_normal((10, 32, 64)), "CBT")
    H = 3
    weights = dlarray(rng.standard_normal((4 * H, 10)), "CU")
    recurrent_weights = dlarray(rng.standard_normal((4 * H, H)), "CU")
    bias = dlarray(rng.standard_normal((4 * H, 1)), "C")
    Y, hidden, cell = dl.lstm(X, np.zeros((H, 1)), np.zeros((H, 1)), weights, recurrent_weights,
                              bias)
    assert (Y.shape, Y.fmt, hidden.shape, cell.shape) == ((3, 32, 64), "CBT", (3, 32), (3, 32))
