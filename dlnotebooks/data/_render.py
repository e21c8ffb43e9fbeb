"""Glyph rendering from the fonts that ship with matplotlib, and batched random warps.

Glyphs are rasterised once per font at high resolution with FreeType (through matplotlib's
``FT2Font``), centred and scaled into square *prototypes*; every dataset image is then a random
affine + smooth elastic warp of a prototype, computed for a whole batch at once by inverse
mapping with bilinear interpolation (no Python loop over images or pixels).

matplotlib is imported inside the functions only, so ``import dlnotebooks`` stays fast.
"""

import functools
import os

import numpy as np

# Fonts used for the digit images: DejaVu (sans, serif, mono), STIX and Computer Modern, in
# several weights and styles. Missing files are skipped (older matplotlib versions).
DIGIT_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf", "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf", "DejaVuSansMono-BoldOblique.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmti10.ttf",
)

# Fonts a glyph class may be drawn with (the "drawers" of the glyph set).
GLYPH_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf", "STIXGeneral.ttf",
)


def font_dir():
    """Folder of the TrueType fonts bundled with matplotlib."""
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def available_fonts(names):
    """The subset of ``names`` present in matplotlib's font folder, in the given order."""
    folder = font_dir()
    return tuple(n for n in names if os.path.isfile(os.path.join(folder, n)))


@functools.lru_cache(maxsize=None)
def _font(name):
    from matplotlib.ft2font import FT2Font

    return FT2Font(os.path.join(font_dir(), name))


@functools.lru_cache(maxsize=None)
def charmap(name):
    """Set of code points the font ``name`` has a glyph for."""
    return frozenset(_font(name).get_charmap())


def render_char(name, char, size_px=64):
    """Rasterise one character; return its ink, cropped to the ink's bounding box.

    Returns a float32 array in [0, 1] of shape (h, w), or None if the glyph has no ink.
    """
    font = _font(name)
    font.set_size(size_px, 72)
    font.set_text(char, 0.0)
    font.draw_glyphs_to_bitmap(antialiased=True)
    ink = np.asarray(font.get_image(), dtype=np.float32) / 255.0
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    if rows.size == 0 or cols.size == 0:
        return None
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def prototypes(bitmaps, size, fill=0.8, pad=2, reference=0.0):
    """Scale and centre cropped glyph bitmaps into square canvases.

    Parameters
    ----------
    bitmaps : list of arrays (h_i, w_i)
        Cropped glyph ink in [0, 1].
    size : int
        Side of the square canvas.
    fill : float
        Fraction of the canvas the longer side of the glyph's bounding box occupies.
    pad : int
        Zero border added on every side (so that samples outside the canvas read zeros).
    reference : float
        Glyphs smaller than this many source pixels are scaled as if they had this size, so
        that small marks (dots, short strokes) stay small instead of filling the canvas.

    Returns
    -------
    protos : ndarray, shape (K, size + 2 pad, size + 2 pad), float32
    """
    out = np.zeros((len(bitmaps), size + 2 * pad, size + 2 * pad), dtype=np.float32)
    for start in range(0, len(bitmaps), 128):
        chunk = bitmaps[start:start + 128]
        hm = max(bm.shape[0] for bm in chunk) + 2
        wm = max(bm.shape[1] for bm in chunk) + 2
        src = np.zeros((len(chunk), hm, wm), dtype=np.float32)
        inverse = np.zeros((len(chunk), 2, 3))
        for i, bm in enumerate(chunk):
            h, w = bm.shape
            src[i, 1:h + 1, 1:w + 1] = bm
            scale = fill * size / max(h, w, reference)
            # output pixel (x, y) -> source pixel: both centred, the source shifted by its border
            inverse[i, 0, 0] = inverse[i, 1, 1] = 1.0 / scale
            inverse[i, 0, 2] = 1 + w / 2 - (size / 2) / scale
            inverse[i, 1, 2] = 1 + h / 2 - (size / 2) / scale
        out[start:start + len(chunk), pad:pad + size, pad:pad + size] = warp(
            src, np.arange(len(chunk)), inverse, size, size)
    return out


def morph(images, steps):
    """Grey dilation (``steps`` > 0) or erosion (``steps`` < 0) with a 3×3 cross, repeated."""
    op = np.maximum if steps > 0 else np.minimum
    out = images
    for _ in range(abs(steps)):
        padded = np.pad(out, [(0, 0)] * (out.ndim - 2) + [(1, 1), (1, 1)])
        out = op.reduce([padded[..., 1:-1, 1:-1], padded[..., :-2, 1:-1], padded[..., 2:, 1:-1],
                         padded[..., 1:-1, :-2], padded[..., 1:-1, 2:]])
    return out


def warp(sources, index, inverse, out_h, out_w, *, field=None, supersample=1):
    """Sample ``sources[index[n]]`` at inverse-mapped output coordinates (bilinear).

    Parameters
    ----------
    sources : ndarray, shape (K, Hs, Ws)
        Source images; they should have a zero border (outside reads are clamped to the edge).
    index : int ndarray, shape (N,)
        Which source each output image samples.
    inverse : ndarray, shape (N, 2, 3)
        Affine map from output pixel coordinates (x, y, 1), pixel centres at ``i + 0.5``, to
        source pixel coordinates (x, y) with the same convention.
    out_h, out_w : int
        Output size.
    field : ndarray, shape (N, 2, out_h, out_w), optional
        Displacement (dx, dy) in output pixels added before the affine map (elastic warp).
    supersample : int
        Samples per output pixel along each axis, averaged (anti-aliasing).

    Returns
    -------
    images : ndarray, shape (N, out_h, out_w), float32
    """
    ss = supersample
    n = len(index)
    _, hs, ws = sources.shape
    f32 = np.float32
    ys = ((np.arange(out_h * ss) + 0.5) / ss).astype(f32)
    xs = ((np.arange(out_w * ss) + 0.5) / ss).astype(f32)
    a = inverse.astype(f32)[:, :, :, None, None]
    sx = a[:, 0, 0] * xs[None, None, :] + (a[:, 0, 1] * ys[None, :, None] + (a[:, 0, 2] - 0.5))
    sy = a[:, 1, 0] * xs[None, None, :] + (a[:, 1, 1] * ys[None, :, None] + (a[:, 1, 2] - 0.5))
    if field is not None:
        field = field.astype(f32, copy=False)
        if ss > 1:
            field = np.repeat(np.repeat(field, ss, axis=2), ss, axis=3)
        # the displacement is in output pixels; map it through the linear part of the affine
        sx += a[:, 0, 0] * field[:, 0] + a[:, 0, 1] * field[:, 1]
        sy += a[:, 1, 0] * field[:, 0] + a[:, 1, 1] * field[:, 1]
    np.clip(sx, 0.0, ws - 1.001, out=sx)
    np.clip(sy, 0.0, hs - 1.001, out=sy)
    x0 = sx.astype(np.int32)
    y0 = sy.astype(np.int32)
    sx -= x0
    sy -= y0
    base = (np.asarray(index, dtype=np.int64) * (hs * ws))[:, None, None] + (y0 * ws + x0)
    flat = sources.reshape(-1)
    if flat.dtype != f32:
        flat = flat.astype(f32)
    top = flat[base]
    top += (flat[base + 1] - top) * sx
    base += ws
    bottom = flat[base]
    bottom += (flat[base + 1] - bottom) * sx
    top += (bottom - top) * sy
    out = top
    if ss > 1:
        out = out.reshape(n, out_h, ss, out_w, ss).mean(axis=(2, 4), dtype=f32)
    return out


def blur(images, passes=1):
    """Separable [1, 2, 1] / 4 smoothing of the last two axes, ``passes`` times (zero border)."""
    out = images
    for _ in range(passes):
        p = np.pad(out, [(0, 0)] * (out.ndim - 2) + [(1, 1), (1, 1)])
        out = 0.25 * (p[..., :-2, :] + p[..., 2:, :]) + 0.5 * p[..., 1:-1, :]
        out = 0.25 * (out[..., :-2] + out[..., 2:]) + 0.5 * out[..., 1:-1]
    return out.astype(np.float32, copy=False)


def smooth_field(rng, n, out_h, out_w, amplitude, grid=4):
    """Random smooth displacement fields (N, 2, out_h, out_w): coarse Gaussian noise upsampled."""
    coarse = rng.normal(0.0, 1.0, size=(n, 2, grid, grid)) * amplitude

    def interp_matrix(size):
        pos = (np.arange(size) + 0.5) / size * (grid - 1)
        low = np.clip(np.floor(pos).astype(int), 0, grid - 2)
        frac = pos - low
        m = np.zeros((size, grid))
        m[np.arange(size), low] = 1 - frac
        m[np.arange(size), low + 1] = frac
        return m

    my, mx = interp_matrix(out_h), interp_matrix(out_w)
    return (my.astype(np.float32) @ coarse.astype(np.float32)) @ mx.T.astype(np.float32)


def random_affine(rng, n, *, out_size, proto_size, glyph_size, rotation, scale, aspect, shear,
                  shift):
    """Inverse affine maps (N, 2, 3) for random rotations, scalings, shears and shifts.

    ``glyph_size`` is the nominal size in output pixels of a prototype's glyph (which occupies
    ``fill * proto_size`` source pixels; the caller folds ``fill`` into ``proto_size``).
    Angles in degrees; ``scale``, ``aspect`` and ``shear`` are ranges ``(low, high)``;
    ``shift`` is the maximum shift in output pixels.
    """
    theta = np.deg2rad(rng.uniform(-rotation, rotation, n))
    s = rng.uniform(*scale, n) * glyph_size / proto_size
    r = np.exp(rng.uniform(-aspect, aspect, n))
    sh = rng.uniform(-shear, shear, n)
    t = rng.uniform(-shift, shift, (n, 2))
    cos, sin = np.cos(theta), np.sin(theta)
    # forward: out = s * R(theta) @ [[r, sh], [0, 1/r]] @ src_centred + centre + t
    fwd = np.empty((n, 2, 2))
    fwd[:, 0, 0] = cos * r
    fwd[:, 0, 1] = cos * sh - sin / r
    fwd[:, 1, 0] = sin * r
    fwd[:, 1, 1] = sin * sh + cos / r
    fwd *= s[:, None, None]
    inv = np.linalg.inv(fwd)
    centre_out = np.array([out_size / 2, out_size / 2])
    inverse = np.empty((n, 2, 3))
    inverse[:, :, :2] = inv
    inverse[:, :, 2] = -np.einsum("nij,nj->ni", inv, centre_out + t)
    return inverse
