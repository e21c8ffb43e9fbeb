"""Image datasets rendered from matplotlib's fonts: digits, glyphs and digit strings."""

import functools

import numpy as np

from .._checks import choice, fail, positive_int
from . import _cache, _render

# Bump when a generator changes, so that stale cache files are not reused.
_DIGITS_VERSION = 2
_GLYPHS_VERSION = 2
_STRINGS_VERSION = 2

_RENDER_PX = 96          # font size (em, in pixels) at which glyphs are rasterised once
_PROTO_FILL = 0.8        # fraction of the prototype canvas the glyph's longer side fills
_PAD = 2                 # zero border of the prototypes
_CHUNK = 1000            # images warped at once (bounds the memory of a batch warp)

# Stroke-width variants of every prototype (grey erosion/dilation steps at prototype
# resolution) and how often each is drawn.
_STROKES = (-1, 0, 1, 2)
_STROKE_P = (0.15, 0.35, 0.35, 0.15)

#: Pad value of ``digit_strings`` targets beyond each string's length.
TARGET_PADDING = -1


def _check_seed(func, seed):
    return positive_int(func, "seed", seed, allow_zero=True)


def _check_size(func, arg, value, low):
    value = positive_int(func, arg, value)
    if value < low:
        raise fail(func, arg, f"must be at least {low}", value,
                   "Smaller images cannot show the glyphs.")
    return value


def _stroke_variants(protos, strokes=_STROKES):
    """Sources (K * V, P, P): each prototype thinned or thickened (``strokes``), then smoothed.

    Variant ``v`` of prototype ``k`` is row ``k * V + v``. The smoothing (about one prototype
    pixel) anti-aliases the ~2:1 downsampling of the warp.
    """
    k, v = len(protos), len(strokes)
    out = np.empty((k, v) + protos.shape[1:], dtype=np.float32)
    for start in range(0, k, 256):
        block = protos[start:start + 256]
        for j, steps in enumerate(strokes):
            out[start:start + 256, j] = _render.blur(_render.morph(block, steps) if steps
                                                     else block, passes=2)
    return out.reshape((k * v,) + protos.shape[1:])


@functools.lru_cache(maxsize=4)
def _digit_sources(image_size):
    """Prototypes (F * 10 * V, P, P) of the digits 0–9 in every digit font and stroke width."""
    fonts = _render.available_fonts(_render.DIGIT_FONTS)
    bitmaps = [_render.render_char(font, str(d), _RENDER_PX) for font in fonts for d in range(10)]
    protos = _render.prototypes(bitmaps, 2 * image_size, _PROTO_FILL, _PAD)
    return _stroke_variants(protos), len(fonts)


def _ink(images, rng, noise):
    """Normalise each image's peak to 1, boost contrast at random, and add pixel noise.

    Works in place on ``images`` (N, H, W) float32, in chunks to bound memory.
    """
    n = images.shape[0]
    gain = rng.uniform(1.0, 1.4, n).astype(np.float32)
    sigma = rng.uniform(0.0, 0.06, n).astype(np.float32)
    for start in range(0, n, _CHUNK):
        block = images[start:start + _CHUNK]
        m = block.shape[0]
        peak = np.maximum(block.reshape(m, -1).max(axis=1), 1e-6)
        block *= (gain[start:start + m] / peak)[:, None, None]
        if noise:
            block += (rng.standard_normal(block.shape, dtype=np.float32)
                      * sigma[start:start + m, None, None])
        np.clip(block, 0.0, 1.0, out=block)
    return images


def _matlab_layout(images):
    """(N, H, W) -> contiguous (H, W, 1, N)."""
    return np.ascontiguousarray(images.transpose(1, 2, 0)[:, :, None, :])


def _render_digits(labels, rng, image_size, *, shift, rotation, noise=True):
    """Distorted images (N, image_size, image_size) of the digits in ``labels``."""
    sources, num_fonts = _digit_sources(image_size)
    n = len(labels)
    proto = 2 * image_size
    font = rng.integers(num_fonts, size=n)
    stroke = rng.choice(len(_STROKES), size=n, p=_STROKE_P)
    index = (font * 10 + labels) * len(_STROKES) + stroke
    out = np.empty((n, image_size, image_size), dtype=np.float32)
    unit = image_size / 28
    for start in range(0, n, _CHUNK):
        m = min(_CHUNK, n - start)
        inverse = _render.random_affine(
            rng, m, out_size=image_size, proto_size=_PROTO_FILL * proto,
            glyph_size=20 * unit, rotation=rotation, scale=(0.8, 1.1), aspect=0.15, shear=0.2,
            shift=shift * unit)
        inverse[:, :, 2] += proto / 2 + _PAD
        field = _render.smooth_field(rng, m, image_size, image_size, 0.7 * unit)
        out[start:start + m] = _render.warp(sources, index[start:start + m], inverse,
                                            image_size, image_size, field=field)
    return _ink(out, rng, noise)


def digits(num_images=10000, *, image_size=28, seed=0):
    """Return synthetic grey images of handwritten-looking digits and their labels.

    Each image shows one digit 0–9 drawn from one of the fonts that ship with matplotlib
    (DejaVu Sans, Serif and Mono, STIX and Computer Modern, in several weights and styles),
    thinned or thickened, then randomly rotated (±12°), scaled (0.8–1.1), stretched, sheared,
    shifted (±1.5 px at 28 px), elastically bent and overlaid with pixel noise: white ink on
    a black background, about 20 px tall in a 28 px frame, like MNIST and MATLAB's
    DigitDataset.

    Parameters
    ----------
    num_images : int, default 10000
        Number of images N. The labels are balanced: each digit occurs ``N // 10`` or
        ``N // 10 + 1`` times, in random order.
    image_size : int, default 28
        Height and width H = W of each image in pixels (at least 8).
    seed : int, default 0
        Seed of the generator. The same arguments always give the same arrays.

    Returns
    -------
    images : ndarray, shape (H, W, 1, N), float32 in [0, 1]
        MATLAB layout; ``dlarray(images, "SSCB")`` needs no permutation.
    labels : ndarray, shape (N,), int64
        The digit shown, 0–9.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If ``num_images`` is not positive, ``image_size`` is below 8 or ``seed`` is negative.

    Notes
    -----
    Every glyph is rasterised once per font with FreeType into a prototype at twice the output
    resolution, thinned or thickened and smoothed; each image is then a batched inverse-mapped
    affine + smooth elastic warp of a prototype with bilinear interpolation. 10000 images take
    about 2 s on one core. The result is cached as ``.npz`` with a SHA-256 checksum under
    ``$DLNOTEBOOKS_CACHE`` (default ``~/.cache/dlnotebooks``); a corrupted file is
    regenerated.

    MATLAB compatibility
    --------------------
    Plays the role of MATLAB's ``DigitDataset`` (``digitTrain4DArrayData`` returns the same
    ``28×28×1×N`` layout). Labels are integers 0–9 rather than a categorical array; use
    ``onehotencode(labels, 0, classes=range(10))`` or a ``preprocess`` function in
    ``minibatchqueue``. The images are generated, not MATLAB's files, so they differ pixel by
    pixel.

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> images, labels = dl.data.digits(20, seed=1)
    >>> images.shape, images.dtype, labels.shape, labels.dtype
    ((28, 28, 1, 20), dtype('float32'), (20,), dtype('int64'))
    >>> sorted(set(labels.tolist()))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    func = "digits"
    num_images = positive_int(func, "num_images", num_images)
    image_size = _check_size(func, "image_size", image_size, 8)
    seed = _check_seed(func, seed)

    def generate():
        rng = np.random.default_rng([seed, 0xD161])
        labels = rng.permutation(np.arange(num_images) % 10).astype(np.int64)
        images = _render_digits(labels, rng, image_size, shift=1.5, rotation=12.0)
        return {"images": _matlab_layout(images), "labels": labels}

    arrays = _cache.cached("digits", {"v": _DIGITS_VERSION, "n": num_images, "size": image_size,
                                      "seed": seed}, generate)
    return arrays["images"], arrays["labels"]


def digit_strings(num_images=2000, *, min_digits=3, max_digits=6, image_height=28, seed=0):
    """Return images of digit strings and their label sequences, for CTC training.

    Each image shows ``min_digits``–``max_digits`` random digits rendered like :func:`digits`
    (each in its own font and distortion), cropped to their ink and placed left to right with
    random gaps at a random horizontal offset, on a black canvas of fixed width.

    Parameters
    ----------
    num_images : int, default 2000
        Number of images N.
    min_digits, max_digits : int, default 3 and 6
        Range of string lengths L (inclusive, uniform), ``1 <= min_digits <= max_digits``.
    image_height : int, default 28
        Image height H in pixels (at least 8). The width is
        ``W = ceil(0.8 * H * max_digits)``.
    seed : int, default 0
        Seed of the generator.

    Returns
    -------
    images : ndarray, shape (H, W, 1, N), float32 in [0, 1]
        ``dlarray(images, "SSCB")``; for a recurrent model read the W axis as time.
    targets : ndarray, shape (max_digits, N), int64
        Digits 0–9 of each string from left to right, padded with ``-1`` after the last
        digit. Observations are on the last axis, ready for ``minibatchqueue``; with
        ``mini_batch_format="TB"`` a batch becomes a ``"BT"`` dlarray of shape
        ``(batch_size, max_digits)``, the layout ``ctc`` expects.
    lengths : ndarray, shape (N,), int64
        Number of digits L of each string; ``np.arange(max_digits)[:, None] < lengths`` is
        the target mask.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If a size is not positive, ``min_digits > max_digits``, ``image_height`` is below 8
        or ``seed`` is negative.

    Notes
    -----
    ``ctc`` reserves a blank class (``blank_index=0`` by default): use ``targets + 1`` as class
    indices then, which also maps the padding to the blank. Generation is cached like
    :func:`digits`; 2000 images take about 1 s.

    MATLAB compatibility
    --------------------
    No MATLAB counterpart; it serves the CTC lesson. Digits and indices are 0-based.

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> images, targets, lengths = dl.data.digit_strings(4, seed=0)
    >>> images.shape, targets.shape, lengths.dtype
    ((28, 135, 1, 4), (6, 4), dtype('int64'))
    >>> bool(((targets >= 0).sum(axis=0) == lengths).all())
    True
    """
    func = "digit_strings"
    num_images = positive_int(func, "num_images", num_images)
    min_digits = positive_int(func, "min_digits", min_digits)
    max_digits = positive_int(func, "max_digits", max_digits)
    if min_digits > max_digits:
        raise fail(func, "min_digits", "must not exceed max_digits",
                   f"min_digits={min_digits}, max_digits={max_digits}")
    height = _check_size(func, "image_height", image_height, 8)
    seed = _check_seed(func, seed)
    width = int(np.ceil(0.8 * height * max_digits))

    def generate():
        rng = np.random.default_rng([seed, 0x57A1])
        lengths = rng.integers(min_digits, max_digits + 1, size=num_images).astype(np.int64)
        targets = np.full((max_digits, num_images), TARGET_PADDING, dtype=np.int64)
        mask = np.arange(max_digits)[:, None] < lengths
        targets.T[mask.T] = rng.integers(0, 10, size=int(mask.sum()))
        # render every digit (column-major over strings: string n's digits are consecutive)
        digits_flat = targets.T[mask.T]
        glyphs = _render_digits(digits_flat, rng, height, shift=1.0, rotation=8.0, noise=False)
        gaps = rng.uniform(0.0, 0.15 * height, size=len(digits_flat))
        images = np.zeros((num_images, height, width), dtype=np.float32)
        ink_cols = glyphs.max(axis=1) > 0.1
        starts = np.concatenate([[0], np.cumsum(lengths)])
        offsets = rng.uniform(0.0, 1.0, size=num_images)
        for n in range(num_images):
            pieces = []
            for k in range(starts[n], starts[n + 1]):
                cols = np.flatnonzero(ink_cols[k])
                pieces.append(glyphs[k][:, cols[0]:cols[-1] + 1] if cols.size else
                              glyphs[k][:, :height // 3])
            gap = gaps[starts[n]:starts[n + 1] - 1]
            total = sum(p.shape[1] for p in pieces)
            gap = np.round(gap * min(1.0, max(0, width - total) / max(gap.sum(), 1e-9)))
            x = int(offsets[n] * max(0, width - total - gap.sum()))
            for k, piece in enumerate(pieces):
                w = min(piece.shape[1], width - x)
                if w <= 0:
                    break
                images[n, :, x:x + w] = np.maximum(images[n, :, x:x + w], piece[:, :w])
                x += piece.shape[1] + (int(gap[k]) if k < len(gap) else 0)
        images = _ink(images, rng, noise=True)
        return {"images": _matlab_layout(images), "targets": targets,
                "lengths": lengths}

    arrays = _cache.cached("digit_strings", {
        "v": _STRINGS_VERSION, "n": num_images, "min": min_digits, "max": max_digits,
        "h": height, "seed": seed}, generate)
    return arrays["images"], arrays["targets"], arrays["lengths"]


# ---------------------------------------------------------------------------------------------
# Glyphs: an Omniglot-like set of characters from many scripts

# (script, code point ranges); the background and evaluation splits share no script.
_BACKGROUND_SCRIPTS = (
    ("Latin", ((0x41, 0x5A), (0x61, 0x7A))),
    ("Greek", ((0x391, 0x3A9), (0x3B1, 0x3C9))),
    ("Cyrillic", ((0x410, 0x44F),)),
    ("Armenian", ((0x531, 0x556), (0x561, 0x586))),
    ("Hebrew", ((0x5D0, 0x5EA),)),
    ("Arabic", ((0x621, 0x64A),)),
    ("Canadian Syllabics", ((0x1401, 0x1676),)),
    ("Ogham", ((0x1681, 0x169A),)),
    ("IPA", ((0x250, 0x2AF),)),
    ("Arrows", ((0x2190, 0x21FF),)),
    ("Box Drawing", ((0x2500, 0x257F),)),
    ("Letterlike Symbols", ((0x2100, 0x214F),)),
)
_EVALUATION_SCRIPTS = (
    ("Georgian", ((0x10D0, 0x10FA),)),
    ("N'Ko", ((0x7CA, 0x7EA),)),
    ("Lao", ((0xE81, 0xEAE),)),
    ("Tifinagh", ((0x2D30, 0x2D65),)),
    ("Lisu", ((0xA4D0, 0xA4F7),)),
    ("Old Italic", ((0x10300, 0x1031E),)),
    ("Mathematical Operators", ((0x2200, 0x22FF),)),
    ("Geometric Shapes", ((0x25A0, 0x25FF),)),
    ("Miscellaneous Symbols", ((0x2600, 0x26FF),)),
    ("Dingbats", ((0x2700, 0x27BF),)),
)
_MAX_PER_SCRIPT = 40
_REFERENCE_FONT = "DejaVuSans.ttf"
_DUPLICATE_SIMILARITY = 0.92


@functools.lru_cache(maxsize=1)
def _glyph_classes():
    """The fixed class table: a list of (split, script, char), near-duplicates removed.

    Independent of the seed: classes are code points with a glyph in DejaVu Sans, at most
    ``_MAX_PER_SCRIPT`` per script (evenly spaced through its ranges), minus any glyph that
    looks like an earlier one (cosine similarity of small renderings above a threshold), so
    that Latin "A", Greek "Α" and Cyrillic "А" are one class, in the first script only.
    """
    cmap = _render.charmap(_REFERENCE_FONT)
    candidates = []
    for split, scripts in (("background", _BACKGROUND_SCRIPTS),
                           ("evaluation", _EVALUATION_SCRIPTS)):
        for script, ranges in scripts:
            points = [c for lo, hi in ranges for c in range(lo, hi + 1) if c in cmap]
            if len(points) > _MAX_PER_SCRIPT:
                pick = np.round(np.linspace(0, len(points) - 1, _MAX_PER_SCRIPT)).astype(int)
                points = [points[i] for i in pick]
            candidates.extend((split, script, chr(c)) for c in points)
    bitmaps = [_render.render_char(_REFERENCE_FONT, ch, _RENDER_PX) for _, _, ch in candidates]
    keep_mask = [b is not None for b in bitmaps]
    candidates = [c for c, k in zip(candidates, keep_mask) if k]
    bitmaps = [b for b in bitmaps if b is not None]
    small = _render.prototypes(bitmaps, 24, _PROTO_FILL, 0, reference=0.5 * _RENDER_PX)
    vectors = small.reshape(len(small), -1).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    similarity = vectors @ vectors.T
    kept = []
    for i in range(len(candidates)):
        if all(similarity[i, j] < _DUPLICATE_SIMILARITY for j in kept):
            kept.append(i)
    return tuple(candidates[i] for i in kept)


def _glyph_sources(split, image_size):
    """Prototypes of one split: sources (S, P, P), per-class source start and count, scripts."""
    classes = [(script, ch) for s, script, ch in _glyph_classes() if s == split]
    fonts = _render.available_fonts(_render.GLYPH_FONTS)
    bitmaps, starts, counts = [], [], []
    for _, ch in classes:
        starts.append(len(bitmaps))
        for font in fonts:
            if ord(ch) in _render.charmap(font):
                bm = _render.render_char(font, ch, _RENDER_PX)
                if bm is not None:
                    bitmaps.append(bm)
        counts.append(len(bitmaps) - starts[-1])
    protos = _render.prototypes(bitmaps, 2 * image_size, _PROTO_FILL, _PAD,
                                reference=0.5 * _RENDER_PX)
    variants = _stroke_variants(protos, _STROKES[:3])   # no extra-bold: dense glyphs fill in
    scripts = np.array([script for script, _ in classes])
    return variants, np.array(starts), np.array(counts), scripts


def glyphs(*, images_per_class=20, image_size=32, split="background", seed=0):
    """Return an Omniglot-like set of characters from many scripts, split by script.

    Classes are characters of scripts and symbol sets that matplotlib's DejaVu fonts cover
    (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Canadian syllabics, Ogham, IPA, arrows,
    box drawing and letterlike symbols in the background split; Georgian, N'Ko, Lao, Tifinagh,
    Lisu, Old Italic, mathematical operators, geometric shapes, miscellaneous symbols and
    dingbats in the evaluation split), at most 40 per script, with look-alikes across scripts
    removed. Each rendering takes a random font among those that have the glyph (DejaVu Sans,
    Sans Bold, Sans Oblique, Serif, Mono, STIX), a random stroke width and a random affine +
    elastic distortion: the fonts play the role of Omniglot's different drawers.

    Parameters
    ----------
    images_per_class : int, default 20
        Renderings K per class.
    image_size : int, default 32
        Height and width H = W in pixels (at least 8).
    split : {"background", "evaluation"}, default "background"
        Which scripts: train on "background", test few-shot generalisation on "evaluation".
    seed : int, default 0
        Seed of the distortions. The class table does not depend on it.

    Returns
    -------
    images : ndarray, shape (H, W, 1, N), float32 in [0, 1]
        White ink on black, N = num_classes × K, grouped by class (class 0's K images first).
    labels : ndarray, shape (N,), int64
        Class index within the split, 0 … num_classes − 1.
    scripts : ndarray, shape (N,), str
        Script (alphabet) name of each image.

    Raises
    ------
    TypeError
        If a size or the seed is not an integer.
    ValueError
        If a size is not positive, ``image_size`` is below 8, ``seed`` is negative or
        ``split`` is not "background" or "evaluation".

    Notes
    -----
    The background split has about 400 classes and the evaluation split about 310 (the exact
    numbers depend on the matplotlib fonts installed). The default sizes take 2–4 s per split
    on one core and are cached like :func:`digits`.

    MATLAB compatibility
    --------------------
    Stands in for the Omniglot data set of MATLAB's "Train a Siamese Network to Compare
    Images" example, with the same background/evaluation split by alphabet. Labels are
    0-based integers rather than categorical character names.

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> images, labels, scripts = dl.data.glyphs(images_per_class=2, image_size=16)
    >>> images.shape[:3], labels[:4].tolist(), str(scripts[0])
    ((16, 16, 1), [0, 0, 1, 1], 'Latin')
    """
    func = "glyphs"
    per_class = positive_int(func, "images_per_class", images_per_class)
    image_size = _check_size(func, "image_size", image_size, 8)
    split = choice(func, "split", split, ("background", "evaluation"))
    seed = _check_seed(func, seed)

    def generate():
        sources, starts, counts, class_scripts = _glyph_sources(split, image_size)
        num_classes = len(starts)
        rng = np.random.default_rng([seed, 0x61F, 0 if split == "background" else 1])
        labels = np.repeat(np.arange(num_classes), per_class).astype(np.int64)
        n = len(labels)
        font = starts[labels] + (rng.random(n) * counts[labels]).astype(np.int64)
        stroke = rng.choice(3, size=n, p=(0.25, 0.5, 0.25))
        index = font * 3 + stroke
        proto = 2 * image_size
        unit = image_size / 32
        out = np.empty((n, image_size, image_size), dtype=np.float32)
        for start in range(0, n, _CHUNK):
            m = min(_CHUNK, n - start)
            inverse = _render.random_affine(
                rng, m, out_size=image_size, proto_size=_PROTO_FILL * proto,
                glyph_size=24 * unit, rotation=10.0, scale=(0.85, 1.1), aspect=0.12,
                shear=0.15, shift=2.0 * unit)
            inverse[:, :, 2] += proto / 2 + _PAD
            field = _render.smooth_field(rng, m, image_size, image_size, 0.8 * unit)
            out[start:start + m] = _render.warp(sources, index[start:start + m], inverse,
                                                image_size, image_size, field=field)
        images = _ink(out, rng, noise=True)
        return {"images": _matlab_layout(images), "labels": labels,
                "scripts": class_scripts[labels]}

    arrays = _cache.cached("glyphs", {"v": _GLYPHS_VERSION, "k": per_class, "size": image_size,
                                      "split": split, "seed": seed}, generate)
    return arrays["images"], arrays["labels"], arrays["scripts"]
