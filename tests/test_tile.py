"""imtile and rescale: image grids in MATLAB's layout (NumPy helpers)."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray


def _frames(k, h=2, w=3, c=1):
    # frame f is filled with the value f, so the tile layout can be read off
    return np.arange(k, dtype=float).reshape(1, 1, 1, k) * np.ones((h, w, c, 1))


def test_default_grid_is_roughly_square_and_filled_row_by_row():
    out = dl.imtile(_frames(5, h=2, w=2))
    assert out.shape == (2 * 2, 3 * 2)  # 3 columns, 2 rows for 5 square frames
    tiles = out[::2, ::2]
    np.testing.assert_array_equal(tiles, [[0, 1, 2], [3, 4, 0]])  # empty tile: background


def test_three_d_input_is_a_stack_of_grayscale_frames_as_matlab():
    rgb = np.stack([np.full((2, 2), v) for v in (1.0, 2.0, 3.0)], axis=2)  # one RGB image
    out = dl.imtile(rgb)
    np.testing.assert_array_equal(out[::2, ::2], [[1, 2], [3, 0]])


def test_rgb_frames_keep_their_channels_and_a_dlarray_batch_works():
    X = dlarray(_frames(2, c=3).astype("float32"), "SSCB")
    out = dl.imtile(X)
    assert out.shape == (2, 6, 3) and out.dtype == np.float32


def test_grid_size_nan_frames_border_and_background():
    out = dl.imtile(_frames(4, h=1, w=1), grid_size=(float("nan"), 2), frames=[3, 1, 0],
                    border_size=1, background_color=9)
    assert out.shape == (2 * 3, 2 * 3)
    np.testing.assert_array_equal(out[1::3, 1::3], [[3, 1], [0, 9]])
    assert out[0, 0] == 9


def test_rescale_matches_matlab_formula():
    A = np.array([[1.0, 3.0], [5.0, np.nan]])
    R = dl.rescale(A, -1, 1)
    np.testing.assert_allclose(R[0], [-1, 0])
    assert R[1, 0] == 1 and np.isnan(R[1, 1])
    np.testing.assert_allclose(dl.rescale([0, 5, 10], input_min=2, input_max=6), [0, 0.75, 1])
    np.testing.assert_array_equal(dl.rescale(np.full(3, 7.0)), [0, 0, 0])
    assert dl.rescale(np.array([1, 2], np.float32)).dtype == np.float32
    assert dl.rescale(np.array([1, 2], np.uint8)).dtype == np.float64


@pytest.mark.parametrize("call, cls, match", [
    (lambda: dl.imtile(np.zeros((2, 2, 2, 3))), ValueError,
     r"imtile: I must be \(h, w, k\) grayscale frames or \(h, w, c, k\) with c = 1 or 3"),
    (lambda: dl.imtile(_frames(5), grid_size=(2, 2)), ValueError,
     r"imtile: grid_size must have room for the 5 frames"),
    (lambda: dl.imtile(_frames(3), frames=[3]), ValueError,
     r"imtile: frames must be 0-based indices below 3"),
    (lambda: dl.imtile(_frames(3), border_size=1.5), TypeError,
     r"imtile: border_size must hold non-negative whole numbers"),
    (lambda: dl.imtile(np.array([["a"]])), TypeError, r"imtile: I must be a numeric"),
    (lambda: dl.imtile(_frames(2), background_color=(1, 2)), ValueError,
     r"imtile: background_color must be one value or 1"),
    (lambda: dl.rescale([1, 2], 1, 0), ValueError, r"rescale: l must not exceed u"),
    (lambda: dl.rescale([1, 2], input_min=3, input_max=2), ValueError,
     r"rescale: input_min must not exceed input_max"),
])
def test_errors(call, cls, match):
    with pytest.raises(cls, match=match):
        call()


def test_traced_input_is_refused():
    def f(X):
        dl.imtile(X)
        return np.sum(X)

    with pytest.raises(TypeError, match=r"imtile: I must not be traced"):
        dl.dlfeval(f, dlarray(_frames(2), "SSCB"))


def test_matlab_spellings_are_answered():
    with pytest.raises(TypeError, match=r"imtile: option GridSize is not known.*Did you mean "
                       r"grid_size=\(2, 2\)"):
        dl.imtile(_frames(3), GridSize=(2, 2))
    with pytest.raises(TypeError, match=r"rescale\(\.\.\., input_min=0\)"):
        dl.rescale([1, 2], "InputMin", 0)
