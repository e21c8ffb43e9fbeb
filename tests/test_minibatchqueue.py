"""minibatchqueue: batching, shuffling, epochs, formats, casts, preprocess and errors."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks.data import padsequences


def _data(n=10, rng=None):
    rng = rng or np.random.default_rng(0)
    X = rng.random((3, 2, n))            # observations last
    T = np.arange(n)                     # int labels
    return X, T


def _collect(mbq):
    return [tuple(np.asarray(dl.extractdata(a)) for a in (b if isinstance(b, tuple) else (b,)))
            for b in mbq]


def test_exported_at_top_level():
    assert dl.minibatchqueue is dl.data.minibatchqueue
    assert dl.hasdata is dl.data.hasdata and dl.next is dl.data.next
    assert "minibatchqueue" in dl.__all__
    # The datasets are public under dl.data only.
    assert {"minibatchqueue", "digits", "sequences", "imtile"} <= set(dl.data.__all__)
    assert "digits" not in dl.__all__ and not hasattr(dl, "digits")


@pytest.mark.parametrize("partial, sizes", [("return", [4, 4, 2]), ("discard", [4, 4])])
def test_batch_counts_partial(partial, sizes):
    X, T = _data(10)
    mbq = dl.minibatchqueue(X, T, mini_batch_size=4, partial_mini_batch=partial, rng=0)
    got = [Tb.shape[-1] for _, Tb in mbq]
    assert got == sizes
    assert not mbq.hasdata()
    assert mbq.num_observations == 10


def test_epoch_covers_every_observation_once_and_batches_are_aligned():
    X, T = _data(10)
    mbq = dl.minibatchqueue(X, T, mini_batch_size=3, rng=1)
    seen = []
    for Xb, Tb in _collect(mbq):
        idx = Tb.astype(int)
        np.testing.assert_array_equal(Xb, X[:, :, idx].astype(np.float32))
        seen.extend(idx.tolist())
    assert sorted(seen) == list(range(10))
    assert seen != list(range(10))  # shuffled


def test_no_shuffle_keeps_order():
    X, T = _data(7)
    mbq = dl.minibatchqueue(X, T, mini_batch_size=3, shuffle=False)
    order = np.concatenate([Tb for _, Tb in _collect(mbq)])
    np.testing.assert_array_equal(order, np.arange(7))
    mbq.reset()
    np.testing.assert_array_equal(np.asarray(mbq.next()[1]), [0, 1, 2])


def test_shuffle_determinism_with_rng_and_seed():
    X, T = _data(20)
    a = dl.minibatchqueue(X, T, mini_batch_size=5, rng=np.random.default_rng(3))
    b = dl.minibatchqueue(X, T, mini_batch_size=5, rng=np.random.default_rng(3))
    c = dl.minibatchqueue(X, T, mini_batch_size=5, rng=3)
    d = dl.minibatchqueue(X, T, mini_batch_size=5, rng=4)
    la, lb, lc, ld = (np.concatenate([t for _, t in _collect(q)]) for q in (a, b, c, d))
    np.testing.assert_array_equal(la, lb)
    np.testing.assert_array_equal(la, lc)
    assert not np.array_equal(la, ld)


def test_reset_reshuffles_only_with_shuffle_true():
    X, T = _data(30)
    mbq = dl.minibatchqueue(X, T, mini_batch_size=30, rng=0)
    first = np.asarray(mbq.next()[1])
    mbq.reset()
    second = np.asarray(mbq.next()[1])
    assert sorted(second) == list(range(30)) and not np.array_equal(first, second)

    fixed = dl.minibatchqueue(X, T, mini_batch_size=30, shuffle=False)
    fixed.next()
    fixed.reset()
    np.testing.assert_array_equal(np.asarray(fixed.next()[1]), np.arange(30))
    fixed.shuffle()  # explicit shuffle, MATLAB's shuffle(mbq)
    assert fixed.hasdata()
    shuffled = np.asarray(fixed.next()[1])
    assert sorted(shuffled) == list(range(30)) and not np.array_equal(shuffled, np.arange(30))


def test_iteration_yields_remaining_batches_of_one_epoch():
    X, T = _data(10)
    mbq = dl.minibatchqueue(X, T, mini_batch_size=4, rng=0)
    mbq.next()
    assert len(list(mbq)) == 2
    assert list(mbq) == []
    mbq.reset()
    assert len(list(mbq)) == 3


def test_single_input_returns_array_not_tuple():
    X, _ = _data(6)
    mbq = dl.minibatchqueue(X, mini_batch_size=4, mini_batch_format="SSB", rng=0)
    Xb = mbq.next()
    assert isinstance(Xb, dl.dlarray)
    assert Xb.fmt == "SSB" and Xb.shape == (3, 2, 4)


def test_formats_and_canonical_permutation():
    X = np.zeros((2, 5, 8))              # (C, T, N) padded sequences
    y = np.arange(8)
    mbq = dl.minibatchqueue(X, y, mini_batch_size=4, mini_batch_format=["CTB", None], rng=0)
    Xb, yb = mbq.next()
    assert Xb.fmt == "CBT" and Xb.shape == (2, 4, 5)
    assert yb.fmt == "" and yb.shape == (4,)


def test_images_sscb_and_labels():
    images, labels = np.random.default_rng(0).random((4, 4, 1, 9)), np.arange(9)
    mbq = dl.minibatchqueue(images, labels, mini_batch_size=4, mini_batch_format=("SSCB", ""),
                            rng=0)
    Xb, Tb = mbq.next()
    assert Xb.fmt == "SSCB" and Xb.shape == (4, 4, 1, 4)


def test_output_cast_default_float32_and_labels_keep_dtype():
    X = np.ones((2, 6), dtype=np.float64)
    y = np.arange(6, dtype=np.int64)
    m = np.ones(6, dtype=bool)
    Xb, yb, mb = dl.minibatchqueue(X, y, m, mini_batch_size=3, rng=0).next()
    assert Xb.dtype == np.float32 and yb.dtype == np.int64 and mb.dtype == np.bool_


@pytest.mark.parametrize("cast, dtype", [(None, np.float64), ("float64", np.float64),
                                         ("double", np.float64), ("single", np.float32),
                                         (np.float16, np.float16)])
def test_output_cast_options(cast, dtype):
    X = np.ones((2, 6), dtype=np.float64)
    Xb = dl.minibatchqueue(X, mini_batch_size=3, output_cast=cast, rng=0).next()
    assert Xb.dtype == dtype


def test_dlarray_inputs_keep_format_and_use_their_b_dimension():
    X = dl.dlarray(np.random.default_rng(0).random((3, 6, 5)), "CBT")   # B in the middle
    y = dl.dlarray(np.arange(6))
    mbq = dl.minibatchqueue(X, y, mini_batch_size=4, shuffle=False)
    Xb, yb = mbq.next()
    assert Xb.fmt == "CBT" and Xb.shape == (3, 4, 5)
    np.testing.assert_allclose(np.asarray(Xb), np.asarray(X)[:, :4, :].astype(np.float32))
    np.testing.assert_array_equal(np.asarray(yb), [0, 1, 2, 3])


def test_preprocess_receives_numpy_batches_and_may_change_outputs():
    X, T = _data(8)
    calls = []

    def preprocess(Xb, Tb):
        calls.append((type(Xb), Xb.shape, Tb.dtype))
        onehot = (Tb[None, :] % 2 == np.arange(2)[:, None]).astype(np.float64)
        return Xb.reshape(6, -1), onehot, Tb

    mbq = dl.minibatchqueue(X, T, mini_batch_size=4, preprocess=preprocess,
                            mini_batch_format=("CB", "CB", ""), rng=0)
    Xb, Yb, Tb = mbq.next()
    assert calls == [(np.ndarray, (3, 2, 4), np.int64)]
    assert Xb.fmt == "CB" and Xb.shape == (6, 4) and Xb.dtype == np.float32
    assert Yb.dtype == np.float32 and Tb.dtype == np.int64


def test_preprocess_single_output():
    X, T = _data(8)
    out = dl.minibatchqueue(X, T, mini_batch_size=4, preprocess=lambda x, t: x[0], rng=0).next()
    assert isinstance(out, dl.dlarray) and out.shape == (2, 4)


def test_list_of_sequences_with_padding_preprocess():
    X, labels, _ = dl.data.sequences(10, min_length=5, max_length=9, num_channels=2, seed=0)

    def preprocess(seqs, y):
        padded, _ = padsequences(seqs, 1)
        return padded, y

    mbq = dl.minibatchqueue(X, labels, mini_batch_size=4, preprocess=preprocess,
                            mini_batch_format=("CTB", ""), rng=0)
    Xb, yb = mbq.next()
    assert Xb.fmt == "CBT" and Xb.shape[:2] == (2, 4) and 5 <= Xb.shape[2] <= 9


def test_list_of_equal_shapes_is_stacked_without_preprocess():
    items = [np.full((2, 3), i, dtype=np.float64) for i in range(5)]
    Xb = dl.minibatchqueue(items, mini_batch_size=5, shuffle=False).next()
    assert Xb.shape == (2, 3, 5)
    np.testing.assert_array_equal(np.asarray(Xb)[0, 0], np.arange(5))


def test_batches_do_not_alias_inputs():
    X = np.zeros((2, 4), dtype=np.float32)
    Xb = dl.minibatchqueue(X, mini_batch_size=4, shuffle=False).next()
    np.asarray(Xb)[...] = 1
    assert X.sum() == 0


def test_repr_mentions_size():
    X, T = _data(10)
    assert "10 observations" in repr(dl.minibatchqueue(X, T, rng=0))


# ---- errors -----------------------------------------------------------------------------

def test_error_no_inputs():
    with pytest.raises(ValueError, match=r"minibatchqueue: arrays must contain at least one"):
        dl.minibatchqueue()


def test_error_mismatched_observations_names_input_and_sizes():
    with pytest.raises(ValueError, match=r"minibatchqueue: input 1 must have as many "
                       r"observations as input 0 \(10\); got 9 observations \(shape \(9,\)\)"):
        dl.minibatchqueue(np.zeros((3, 10)), np.zeros(9))


@pytest.mark.parametrize("size, cls, msg", [
    (0, ValueError, "mini_batch_size must be positive; got 0"),
    (-2, ValueError, "mini_batch_size must be positive; got -2"),
    (2.5, TypeError, "mini_batch_size must be an integer; got 2.5"),
])
def test_error_bad_batch_size(size, cls, msg):
    with pytest.raises(cls, match=f"minibatchqueue: {msg}"):
        dl.minibatchqueue(np.zeros((3, 10)), mini_batch_size=size)


def test_error_unknown_partial_mini_batch():
    with pytest.raises(ValueError, match=r"minibatchqueue: partial_mini_batch must be one of "
                       r"'return', 'discard'; got 'keep'"):
        dl.minibatchqueue(np.zeros((3, 10)), partial_mini_batch="keep")


def test_error_wrong_number_of_formats():
    with pytest.raises(ValueError, match=r"minibatchqueue: mini_batch_format must give one "
                       r"format per output \(2\); got 1 formats \['CB'\]"):
        dl.minibatchqueue(np.zeros((3, 10)), np.zeros(10), mini_batch_format="CB")


def test_error_wrong_number_of_formats_after_preprocess():
    mbq = dl.minibatchqueue(np.zeros((3, 10)), preprocess=lambda x: (x, x),
                            mini_batch_format="CB")
    with pytest.raises(ValueError, match=r"one format per output \(2\); got 1 formats"):
        mbq.next()


def test_error_format_length():
    with pytest.raises(ValueError, match=r"mini_batch_format\[0\] must have one label per "
                       r"dimension of output 0 \(4\); got 'CB'"):
        dl.minibatchqueue(np.zeros((2, 2, 1, 10)), mini_batch_format="CB")


def test_error_format_b_not_on_observation_axis():
    with pytest.raises(ValueError, match=r"mini_batch_format\[0\] must label axis 2, which "
                       r"holds the observations, 'B'; got 'CBT'.*\"CTB\""):
        dl.minibatchqueue(np.zeros((2, 5, 10)), mini_batch_format="CBT")


def test_error_bad_format_labels():
    with pytest.raises(ValueError, match=r"minibatchqueue: mini_batch_format\[0\] has unknown "
                       r"labels 'X'"):
        dl.minibatchqueue(np.zeros((2, 10)), mini_batch_format="XB")
    with pytest.raises(TypeError, match=r"minibatchqueue: mini_batch_format must be a format "
                       r"string, a sequence of them, or None; got 3"):
        dl.minibatchqueue(np.zeros((2, 10)), mini_batch_format=3)


def test_error_next_without_data_tells_to_reset():
    mbq = dl.minibatchqueue(np.zeros((2, 5)), mini_batch_size=5, rng=0)
    mbq.next()
    with pytest.raises(RuntimeError, match=r"minibatchqueue.next: the queue has no data left "
                       r"in this epoch; got 0 unused observations of 5.*Call reset\(\) or "
                       r"shuffle\(\)"):
        mbq.next()


def test_error_next_after_discarded_partial_batch():
    mbq = dl.minibatchqueue(np.zeros((2, 5)), mini_batch_size=3, partial_mini_batch="discard",
                            rng=0)
    mbq.next()
    with pytest.raises(RuntimeError, match=r"got 2 unused observations of 5"):
        mbq.next()


@pytest.mark.parametrize("bad, cls, msg", [
    ("text", TypeError, r"input 0 must be a NumPy array, a dlarray or a list of arrays; got str"),
    (np.array(["a", "b"]), TypeError, r"input 0 must be a numeric array"),
    (np.float64(3.0), ValueError, r"input 0 must have at least one dimension"),
])
def test_error_bad_inputs(bad, cls, msg):
    with pytest.raises(cls, match=f"minibatchqueue: {msg}"):
        dl.minibatchqueue(bad)


def test_error_bad_options():
    X = np.zeros((2, 4))
    with pytest.raises(TypeError, match=r"minibatchqueue: shuffle must be True or False; got "
                       r"'yes'"):
        dl.minibatchqueue(X, shuffle="yes")
    with pytest.raises(TypeError, match=r"minibatchqueue: preprocess must be a function or "
                       r"None; got 5"):
        dl.minibatchqueue(X, preprocess=5)
    with pytest.raises(ValueError, match=r"minibatchqueue: output_cast must be None or one of "
                       r"'float32'.*; got 'int8'"):
        dl.minibatchqueue(X, output_cast="int8")
    with pytest.raises(TypeError, match=r"minibatchqueue: rng must be a "
                       r"numpy.random.Generator, an int seed or None; got 'seed'"):
        dl.minibatchqueue(X, rng="seed")


def test_error_list_of_unequal_shapes_without_preprocess():
    mbq = dl.minibatchqueue([np.zeros((1, 3)), np.zeros((1, 4))], mini_batch_size=2,
                            shuffle=False)
    with pytest.raises(ValueError, match=r"minibatchqueue.next: input 0 holds observations of "
                       r"different shapes.*padsequences"):
        mbq.next()


def test_list_input_with_format_is_checked_against_stacked_shape():
    items = [np.ones((2, 3)) for _ in range(4)]
    Xb = dl.minibatchqueue(items, mini_batch_size=2, mini_batch_format="CTB", rng=0).next()
    assert Xb.fmt == "CBT" and Xb.shape == (2, 2, 3)
    with pytest.raises(ValueError, match=r"mini_batch_format\[0\] must have one label per "
                       r"dimension of output 0 \(3\); got 'CB'"):
        dl.minibatchqueue(items, mini_batch_format="CB")


def test_preprocess_outputs_may_put_b_anywhere():
    X, T = _data(8)

    def to_cbt(Xb, Tb):
        return np.moveaxis(Xb, 2, 1), Tb          # (3, batch, 2)

    mbq = dl.minibatchqueue(X, T, mini_batch_size=4, preprocess=to_cbt,
                            mini_batch_format=("CBT", ""), rng=0)
    Xb, _ = mbq.next()
    assert Xb.fmt == "CBT" and Xb.shape == (3, 4, 2)
