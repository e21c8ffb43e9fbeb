"""imtile and rescale: image grids in MATLAB's layout, for looking at generated images.

Plain NumPy helpers (not differentiable), as the GAN and Siamese examples use them:
``I = imtile(extractdata(XGenerated)); I = rescale(I); plt.imshow(I)``.
"""

import math
import numbers

import numpy as np

from .._checks import describe, fail
from ..core import dlarray, extractdata

__all__ = ["imtile", "rescale"]


def _numeric(func, arg, A):
    if isinstance(A, dlarray):
        if A.traced:
            raise fail(func, arg, "must not be traced (it is a plotting helper)",
                       describe(A), "Call it outside dlfeval, or on extractdata(X).",
                       cls=TypeError)
        A = extractdata(A)
    arr = np.asarray(A)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise fail(func, arg, "must be a numeric or logical array", describe(A), cls=TypeError)
    return arr


def rescale(A, l=0.0, u=1.0, *, input_min=None, input_max=None):
    """Scale the values of ``A`` linearly to the interval ``[l, u]``.

    ``R = l + (A - input_min) / (input_max - input_min) * (u - l)``, where ``input_min`` and
    ``input_max`` default to the smallest and largest value of A (NaN ignored); values
    outside ``[input_min, input_max]`` are clipped to it first.

    Parameters
    ----------
    A : array_like or dlarray (not traced)
    l, u : float, default 0 and 1
        Lower and upper bound of the result; ``l <= u``.
    input_min, input_max : float, optional
        The input values that map to ``l`` and ``u`` (MATLAB's ``InputMin``, ``InputMax``).

    Returns
    -------
    R : numpy.ndarray of A's shape; float32 for float32 (and float16) input, else float64

    Raises
    ------
    ValueError
        ``l > u``; ``input_min > input_max``.
    TypeError
        Non-numeric A; a traced dlarray.

    Notes
    -----
    A constant A (``input_min == input_max``) gives ``l`` everywhere.

    MATLAB compatibility
    --------------------
    ``R = rescale(A, l, u, InputMin=..., InputMax=...)`` with the same formula and clipping.
    MATLAB returns the lower bound for constant input (as we recall its page; UNVERIFIED) and
    works element-wise on a matrix ``InputMin``; here ``input_min`` and ``input_max`` may be
    arrays that broadcast against A as well. The result is a NumPy array, not a dlarray.

    Examples
    --------
    >>> rescale([2.0, 4.0, 6.0])
    array([0. , 0.5, 1. ])
    >>> rescale([2.0, 4.0, 6.0], -1, 1)
    array([-1.,  0.,  1.])
    """
    func = "rescale"
    arr = _numeric(func, "A", A)
    dtype = np.float32 if arr.dtype in (np.float32, np.float16) else np.float64
    x = arr.astype(dtype)
    l, u = float(l), float(u)
    if l > u:
        raise fail(func, "l", "must not exceed u", f"l = {l}, u = {u}")
    with np.errstate(invalid="ignore"):
        lo = np.nanmin(x) if input_min is None and x.size else input_min
        hi = np.nanmax(x) if input_max is None and x.size else input_max
    if x.size == 0:
        return x
    lo = np.asarray(lo, dtype=dtype)
    hi = np.asarray(hi, dtype=dtype)
    if np.any(lo > hi):
        raise fail(func, "input_min", "must not exceed input_max",
                   f"input_min = {lo}, input_max = {hi}")
    x = np.clip(x, lo, hi)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1), 0)
    return (l + scaled * (u - l)).astype(dtype)


def _pair(func, arg, value, *, allow_nan=False):
    items = [value, value] if np.ndim(value) == 0 else list(np.ravel(value))
    if len(items) != 2:
        raise fail(func, arg, "must be one number or two, [rows, columns]", repr(value))
    out = []
    for v in items:
        if allow_nan and isinstance(v, numbers.Real) and math.isnan(v):
            out.append(None)
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or v < 0 or \
                float(v) != int(v):
            raise fail(func, arg, "must hold non-negative whole numbers" +
                       (" or NaN" if allow_nan else ""), repr(value), cls=TypeError)
        out.append(int(v))
    return out


def imtile(I, *, frames=None, grid_size=None, border_size=0, background_color=0.0):
    """Tile a stack of images into one image, in MATLAB's layout.

    ``I`` is MATLAB's multiframe array: ``(h, w, k)`` for k grayscale frames or
    ``(h, w, c, k)`` with c = 1 (grayscale) or 3 (RGB); a dlarray "SSCB" batch from a
    generator is exactly that. Frames fill the grid row by row, left to right; empty tiles
    get the background colour.

    Parameters
    ----------
    I : array_like or dlarray (not traced), shape (h, w, k) or (h, w, c, k)
    frames : sequence of int, optional
        0-based indices of the frames to show, in order (MATLAB's ``Frames``, 1-based there).
    grid_size : (rows, cols), optional
        Either entry may be NaN to be computed from the other. Default: roughly square,
        ``cols = ceil(sqrt(k * h / w))`` and ``rows = ceil(k / cols)``.
    border_size : int or (rows, cols), default 0
        Pixels of background added above and below (rows) and left and right (cols) of every
        tile.
    background_color : float or RGB triple, default 0 (black)

    Returns
    -------
    out : numpy.ndarray, (rows*(h+2b_r), cols*(w+2b_c)) for grayscale, with a trailing 3 for
        RGB; the dtype of I (float64 when a background colour needs it)

    Raises
    ------
    ValueError
        I that is not 3-D or 4-D; a 4-D I with c other than 1 or 3; frames out of range; a
        grid too small for the frames.
    TypeError
        Non-numeric I; a traced dlarray; non-integer sizes.

    MATLAB compatibility
    --------------------
    ``out = imtile(I, Frames=..., GridSize=..., BorderSize=..., BackgroundColor=...)``.
    MATLAB's documentation: "By default, the imtile function arranges the images so that
    they roughly form a square"; ``imtile(imRGB)`` of one h-by-w-by-3 image tiles its three
    planes, so a 3-D array is a stack of grayscale frames, as here. The exact default-grid
    formula, the row-by-row fill and the border on both sides of every tile are our reading
    (UNVERIFIED). Not supported: file names, cell arrays, datastores, colormaps and
    ``ThumbnailSize`` (which needs image resizing). Frame indices are 0-based.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.arange(4.0).reshape(1, 1, 1, 4) * np.ones((2, 2, 1, 1))
    >>> imtile(I)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [2., 2., 3., 3.],
           [2., 2., 3., 3.]])
    >>> imtile(I, grid_size=(1, float("nan"))).shape
    (2, 8)
    """
    func = "imtile"
    arr = _numeric(func, "I", I)
    if arr.ndim == 3:
        arr = arr[:, :, None, :]
    if arr.ndim != 4 or arr.shape[2] not in (1, 3):
        raise fail(func, "I", "must be (h, w, k) grayscale frames or (h, w, c, k) with c = 1 "
                   "or 3", f"shape {np.shape(arr)}",
                   "For observations-first images (k, h, w, c) pass np.moveaxis(I, 0, -1).")
    h, w, c, k = arr.shape
    if frames is not None:
        idx = np.asarray(frames)
        if idx.dtype.kind not in "iu" or idx.ndim != 1:
            raise fail(func, "frames", "must be a 1-D sequence of integer frame indices",
                       describe(frames), cls=TypeError)
        if idx.size and (idx.min() < -k or idx.max() >= k):
            raise fail(func, "frames", f"must be 0-based indices below {k}",
                       describe(frames), "MATLAB's frame 1 is frame 0 here.")
        arr = arr[..., idx]
        k = arr.shape[3]
    if grid_size is None:
        cols = max(1, math.ceil(math.sqrt(k * h / w))) if k else 1
        rows = max(1, math.ceil(k / cols))
    else:
        rows, cols = _pair(func, "grid_size", grid_size, allow_nan=True)
        if rows is None and cols is None:
            raise fail(func, "grid_size", "must give at least one of rows and cols",
                       repr(grid_size))
        rows = rows if rows is not None else max(1, math.ceil(k / cols))
        cols = cols if cols is not None else max(1, math.ceil(k / rows))
        if rows * cols < k:
            raise fail(func, "grid_size", f"must have room for the {k} frames",
                       f"{rows} x {cols}", "Use NaN for one entry to fit the other.")
    br, bc = _pair(func, "border_size", border_size)
    bg = np.broadcast_to(np.asarray(background_color, dtype=float).reshape(-1), (c,)) \
        if np.size(background_color) in (1, c) else None
    if bg is None:
        raise fail(func, "background_color", f"must be one value or {c} (one per channel)",
                   repr(background_color))
    th, tw = h + 2 * br, w + 2 * bc
    dtype = arr.dtype if np.all(bg == bg.astype(arr.dtype)) else np.result_type(arr, float)
    out = np.empty((rows * th, cols * tw, c), dtype=dtype)
    out[...] = bg.astype(dtype)
    for f in range(k):
        r, q = divmod(f, cols)
        out[r * th + br:r * th + br + h, q * tw + bc:q * tw + bc + w] = arr[..., f]
    return out[..., 0] if c == 1 else out
