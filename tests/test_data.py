"""Built-in datasets: determinism, layouts, balance, caching, errors, and learnability."""

import os
import tempfile

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks.data import _cache, _images, padsequences


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path_factory, monkeypatch):
    """Keep every generated file in one temporary cache folder (shared by this module)."""
    folder = tmp_path_factory.getbasetemp() / "dlnotebooks-test-cache"
    monkeypatch.setenv("DLNOTEBOOKS_CACHE", str(folder))
    return folder


# ---- helpers -----------------------------------------------------------------------------

def train_mlp(X_train, y_train, X_test, y_test, *, hidden=64, epochs=10, learn_rate=3e-3,
              batch_size=128, seed=0):
    """Train a one-hidden-layer MLP with the library's ops; return held-out accuracy.

    X_* are (features, N) arrays, y_* integer labels (N,).
    """
    rng = np.random.default_rng(seed)
    num_in = X_train.shape[0]
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    params = {
        "W1": dl.dlarray((rng.normal(size=(hidden, num_in)) * np.sqrt(2 / num_in))
                         .astype(np.float32)),
        "b1": dl.dlarray(np.zeros((hidden, 1), np.float32)),
        "W2": dl.dlarray((rng.normal(size=(num_classes, hidden)) * np.sqrt(1 / hidden))
                         .astype(np.float32)),
        "b2": dl.dlarray(np.zeros((num_classes, 1), np.float32)),
    }

    def model(p, X):
        return dl.fullyconnect(dl.relu(dl.fullyconnect(X, p["W1"], p["b1"])), p["W2"], p["b2"])

    def model_loss(p, X, T):
        loss = dl.crossentropy(dl.softmax(model(p, X)), T)
        return loss, dl.dlgradient(loss, p)

    mbq = dl.minibatchqueue(X_train, y_train, mini_batch_size=batch_size,
                            mini_batch_format=("CB", ""), rng=seed)
    avg_g = avg_sq_g = None
    iteration = 0
    for _ in range(epochs):
        mbq.reset()
        for X, y in mbq:
            iteration += 1
            T = dl.dlarray(dl.onehotencode(np.asarray(y), 0, classes=num_classes), "CB")
            _, grads = dl.dlfeval(model_loss, params, X, T)
            params, avg_g, avg_sq_g = dl.adamupdate(params, grads, avg_g, avg_sq_g, iteration,
                                                    learn_rate=learn_rate)
    scores = dl.extractdata(model(params, dl.dlarray(X_test.astype(np.float32), "CB")))
    return float(np.mean(np.argmax(np.asarray(scores), axis=0) == y_test))


def nearest_centroid(X_train, y_train, X_test, y_test):
    """Accuracy of the nearest class mean: a baseline that should NOT solve the task."""
    classes = np.unique(y_train)
    centres = np.stack([X_train[:, y_train == c].mean(axis=1) for c in classes], axis=1)
    dist = ((X_test[:, :, None] - centres[:, None, :]) ** 2).sum(axis=0)
    return float(np.mean(classes[dist.argmin(axis=1)] == y_test))


# ---- digits ------------------------------------------------------------------------------

def test_digits_layout_range_and_balance():
    images, labels = dl.data.digits(250, seed=3)
    assert images.shape == (28, 28, 1, 250) and images.dtype == np.float32
    assert labels.shape == (250,) and labels.dtype == np.int64
    assert images.min() >= 0.0 and images.max() <= 1.0
    counts = np.bincount(labels, minlength=10)
    assert counts.min() == 25 and counts.max() == 25
    # white ink on a black background: every image has ink, borders are mostly dark
    assert (images.reshape(-1, 250).max(axis=0) > 0.9).all()
    assert images[:2].mean() < 0.1 and images[12:16, 12:16].mean() > 0.2


def test_digits_determinism_and_seed():
    a_img, a_lab = dl.data.digits(60, seed=5)
    b_img, b_lab = dl.data.digits(60, seed=5)
    c_img, c_lab = dl.data.digits(60, seed=6)
    np.testing.assert_array_equal(a_img, b_img)
    np.testing.assert_array_equal(a_lab, b_lab)
    assert not np.array_equal(a_img, c_img)


def test_digits_image_size():
    images, labels = dl.data.digits(20, image_size=16, seed=0)
    assert images.shape == (16, 16, 1, 20)


@pytest.mark.parametrize("kwargs, cls, msg", [
    ({"num_images": 0}, ValueError, r"digits: num_images must be positive; got 0"),
    ({"num_images": 2.0}, TypeError, r"digits: num_images must be an integer; got 2.0"),
    ({"image_size": 4}, ValueError, r"digits: image_size must be at least 8; got 4"),
    ({"seed": -1}, ValueError, r"digits: seed must be non-negative; got -1"),
])
def test_digits_errors(kwargs, cls, msg):
    with pytest.raises(cls, match=msg):
        dl.data.digits(**kwargs)


# ---- cache -------------------------------------------------------------------------------

def _cache_files(folder, prefix):
    return sorted(f for f in os.listdir(folder) if f.startswith(prefix) and f.endswith(".npz"))


def test_cache_round_trip_reads_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLNOTEBOOKS_CACHE", str(tmp_path))
    images, labels = dl.data.digits(30, seed=11)
    files = _cache_files(tmp_path, "digits")
    assert len(files) == 1
    with np.load(tmp_path / files[0], allow_pickle=False) as npz:
        assert set(npz.files) == {"images", "labels", "__sha256__"}

    def boom(*args, **kwargs):
        raise AssertionError("regenerated although the cache is valid")

    monkeypatch.setattr(_images, "_render_digits", boom)
    again, again_labels = dl.data.digits(30, seed=11)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, again_labels)


def test_cache_checksum_mismatch_regenerates(tmp_path, monkeypatch):
    monkeypatch.setenv("DLNOTEBOOKS_CACHE", str(tmp_path))
    images, labels = dl.data.digits(30, seed=12)
    path = tmp_path / _cache_files(tmp_path, "digits")[0]
    with np.load(path, allow_pickle=False) as npz:
        stored = {k: npz[k] for k in npz.files}
    stored["labels"] = np.zeros_like(stored["labels"])      # tamper, keep the old checksum
    np.savez(path, **stored)
    assert _cache.load(str(path)) is None
    again, again_labels = dl.data.digits(30, seed=12)
    np.testing.assert_array_equal(again_labels, labels)
    np.testing.assert_array_equal(again, images)
    assert _cache.load(str(path)) is not None                # rewritten and valid


def test_cache_corrupt_file_regenerates(tmp_path, monkeypatch):
    monkeypatch.setenv("DLNOTEBOOKS_CACHE", str(tmp_path))
    points = dl.data.digit_strings(5, seed=2)
    path = tmp_path / _cache_files(tmp_path, "digit_strings")[0]
    path.write_bytes(b"not a zip file")
    again = dl.data.digit_strings(5, seed=2)
    for a, b in zip(points, again):
        np.testing.assert_array_equal(a, b)


def test_cache_falls_back_to_temp_dir(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("DLNOTEBOOKS_CACHE", str(blocker / "cache"))  # cannot be created
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    os.makedirs(tmp_path / "tmp")
    assert _cache.cache_dir() == str(tmp_path / "tmp" / "dlnotebooks-cache")
    dl.data.digits(10, seed=0)
    assert _cache_files(tmp_path / "tmp" / "dlnotebooks-cache", "digits")


def test_cache_default_location(monkeypatch, tmp_path):
    monkeypatch.delenv("DLNOTEBOOKS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _cache.cache_dir() == str(tmp_path / "dlnotebooks")


def test_cache_uses_no_pickle():
    arrays = {"a": np.arange(3), "s": np.array(["x", "yy"])}
    assert len(_cache.checksum(arrays)) == 64
    assert _cache.checksum(arrays) != _cache.checksum({"a": np.arange(3), "s": np.array(["x"])})


# ---- glyphs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def glyph_splits(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLNOTEBOOKS_CACHE", str(tmp_path_factory.mktemp("glyph-cache")))
        background = dl.data.glyphs(images_per_class=4, image_size=16, seed=0)
        evaluation = dl.data.glyphs(images_per_class=4, image_size=16, split="evaluation",
                                    seed=0)
    return background, evaluation


def test_glyphs_layout_and_labels(glyph_splits):
    for images, labels, scripts in glyph_splits:
        n = images.shape[-1]
        assert images.shape == (16, 16, 1, n) and images.dtype == np.float32
        assert labels.dtype == np.int64 and labels.shape == (n,)
        assert scripts.shape == (n,) and scripts.dtype.kind == "U"
        assert 0.0 <= images.min() and images.max() <= 1.0
        num_classes = labels.max() + 1
        assert 200 <= num_classes <= 600
        np.testing.assert_array_equal(labels, np.repeat(np.arange(num_classes), 4))
        # every class belongs to exactly one script; many scripts per split
        per_class = {(c, s) for c, s in zip(labels.tolist(), scripts.tolist())}
        assert len(per_class) == num_classes
        assert len(set(scripts.tolist())) >= 8


def test_glyphs_splits_have_disjoint_scripts(glyph_splits):
    (_, _, bg_scripts), (_, _, ev_scripts) = glyph_splits
    assert not set(bg_scripts.tolist()) & set(ev_scripts.tolist())
    assert "Latin" in set(bg_scripts.tolist()) and "Georgian" in set(ev_scripts.tolist())


def test_glyphs_classes_are_distinct_code_points():
    table = _images._glyph_classes()
    chars = [ch for _, _, ch in table]
    assert len(chars) == len(set(chars))


def test_glyphs_determinism(glyph_splits):
    images, labels, scripts = dl.data.glyphs(images_per_class=4, image_size=16, seed=0)
    np.testing.assert_array_equal(images, glyph_splits[0][0])
    other, other_labels, _ = dl.data.glyphs(images_per_class=4, image_size=16, seed=1)
    np.testing.assert_array_equal(labels, other_labels)     # same classes
    assert not np.array_equal(images, other)                 # new distortions


@pytest.mark.parametrize("kwargs, cls, msg", [
    ({"split": "train"}, ValueError,
     r"glyphs: split must be one of 'background', 'evaluation'; got 'train'"),
    ({"images_per_class": 0}, ValueError, r"glyphs: images_per_class must be positive; got 0"),
    ({"image_size": 5}, ValueError, r"glyphs: image_size must be at least 8; got 5"),
])
def test_glyphs_errors(kwargs, cls, msg):
    with pytest.raises(cls, match=msg):
        dl.data.glyphs(**kwargs)


# ---- toy2d -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, num_classes", [("ring", 8), ("moons", 2), ("spiral", 3),
                                               ("swissroll", 4)])
def test_toy2d_layout(name, num_classes):
    points, labels = dl.data.toy2d(name, 400, seed=1)
    assert points.shape == (2, 400) and points.dtype == np.float32
    assert labels.shape == (400,) and labels.dtype == np.int64
    assert set(labels.tolist()) == set(range(num_classes))
    assert np.abs(points).max() < 3.5
    counts = np.bincount(labels)
    if name != "swissroll":
        assert counts.max() - counts.min() <= 1
    else:
        assert counts.min() > 60
    again, _ = dl.data.toy2d(name, 400, seed=1)
    other, _ = dl.data.toy2d(name, 400, seed=2)
    np.testing.assert_array_equal(points, again)
    assert not np.array_equal(points, other)


def test_toy2d_ring_modes_on_circle():
    points, labels = dl.data.toy2d("ring", 800, seed=0)
    radius = np.hypot(*points)
    assert abs(radius.mean() - 2.0) < 0.05
    angle = np.arctan2(points[1], points[0]) % (2 * np.pi)
    expected = labels * (2 * np.pi / 8)
    assert np.abs((angle - expected + np.pi) % (2 * np.pi) - np.pi).max() < 0.2


def test_toy2d_errors():
    with pytest.raises(ValueError, match=r"toy2d: name must be one of 'ring', 'moons', "
                       r"'spiral', 'swissroll'; got 'circles'"):
        dl.data.toy2d("circles")
    with pytest.raises(ValueError, match=r"toy2d: num_samples must be positive; got 0"):
        dl.data.toy2d("ring", 0)
    with pytest.raises(TypeError, match=r"toy2d: seed must be an integer; got 1.5"):
        dl.data.toy2d("ring", seed=1.5)


# ---- sequences and padsequences ----------------------------------------------------------

def test_sequences_layout_and_determinism():
    X, labels, names = dl.data.sequences(40, min_length=10, max_length=20, num_channels=3,
                                         seed=4)
    assert names == ("sine", "square", "sawtooth", "triangle")
    assert len(X) == 40 and labels.shape == (40,) and labels.dtype == np.int64
    assert all(x.dtype == np.float32 and x.shape[0] == 3 and 10 <= x.shape[1] <= 20 for x in X)
    assert len({x.shape[1] for x in X}) > 3
    assert np.bincount(labels).tolist() == [10, 10, 10, 10]
    X2, labels2, _ = dl.data.sequences(40, min_length=10, max_length=20, num_channels=3, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(X, X2))
    X3, _, _ = dl.data.sequences(40, min_length=10, max_length=20, num_channels=3, seed=5)
    assert not all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(X, X3))


def test_sequences_errors():
    with pytest.raises(ValueError, match=r"sequences: min_length must not exceed max_length; "
                       r"got min_length=9, max_length=5"):
        dl.data.sequences(min_length=9, max_length=5)
    with pytest.raises(ValueError, match=r"sequences: num_channels must be positive; got 0"):
        dl.data.sequences(num_channels=0)


def test_padsequences_right_left_both_and_truncate():
    seqs = [np.arange(1, 3, dtype=np.float32)[None], np.arange(1, 5, dtype=np.float32)[None]]
    XPad, mask = padsequences(seqs, 1)
    assert XPad.shape == (1, 4, 2) and mask.shape == XPad.shape and mask.dtype == np.bool_
    np.testing.assert_array_equal(XPad[0, :, 0], [1, 2, 0, 0])
    np.testing.assert_array_equal(mask[0, :, 0], [True, True, False, False])
    left, _ = padsequences(seqs, 1, direction="left", padding_value=-1)
    np.testing.assert_array_equal(left[0, :, 0], [-1, -1, 1, 2])
    both, _ = padsequences(seqs, 1, direction="both")
    np.testing.assert_array_equal(both[0, :, 0], [0, 1, 2, 0])
    short, mask = padsequences(seqs, 1, length="shortest")
    np.testing.assert_array_equal(short[0], [[1, 1], [2, 2]])
    assert mask.all()
    cut, _ = padsequences(seqs, 1, length=3, direction="left")
    np.testing.assert_array_equal(cut[0, :, 1], [2, 3, 4])
    np.testing.assert_array_equal(cut[0, :, 0], [0, 1, 2])


def test_padsequences_middle_axis_and_dlarrays():
    seqs = [dl.dlarray(np.ones((2, 3, 4))), np.ones((2, 5, 4))]
    XPad, mask = padsequences(seqs, 1)
    assert XPad.shape == (2, 5, 4, 2)
    assert mask[:, :3, :, 0].all() and not mask[:, 3:, :, 0].any()


def test_padsequences_errors():
    with pytest.raises(TypeError, match=r"padsequences: X must be a non-empty list of arrays"):
        padsequences([], 1)
    with pytest.raises(TypeError, match=r"padsequences: padding_dim must be an integer axis; "
                       r"got 1.0"):
        padsequences([np.ones((1, 3))], 1.0)
    with pytest.raises(TypeError, match=r"padsequences: length must be an integer; got 2.5"):
        padsequences([np.ones((1, 3))], 1, length=2.5)
    with pytest.raises(ValueError, match=r"padsequences: padding_dim must be an axis of the "
                       r"sequences, 0 to 1; got 2. Axes are 0-based"):
        padsequences([np.ones((1, 3))], 2)
    with pytest.raises(ValueError, match=r"padsequences: X sequences must have equal sizes "
                       r"except along axis 1; got shape \(1, 3\) for X\[0\] and \(2, 3\) "
                       r"for X\[1\]"):
        padsequences([np.ones((1, 3)), np.ones((2, 3))], 1)
    with pytest.raises(ValueError, match=r"padsequences: direction must be one of 'right', "
                       r"'left', 'both'; got 'up'"):
        padsequences([np.ones((1, 3))], 1, direction="up")
    with pytest.raises(ValueError, match=r"padsequences: length must be one of 'longest', "
                       r"'shortest'; got 'max'"):
        padsequences([np.ones((1, 3))], 1, length="max")


def test_sequences_padded_batches_are_cbt():
    X, labels, _ = dl.data.sequences(12, min_length=6, max_length=9, num_channels=2, seed=0)
    XPad, _ = padsequences(X, 1)
    mbq = dl.minibatchqueue(XPad, labels, mini_batch_size=5, mini_batch_format=("CTB", ""),
                            rng=0)
    Xb, yb = mbq.next()
    assert Xb.fmt == "CBT" and Xb.shape == (2, 5, XPad.shape[1])


# ---- digit strings -----------------------------------------------------------------------

def test_digit_strings_layout():
    images, targets, lengths = dl.data.digit_strings(40, min_digits=2, max_digits=4,
                                                     image_height=20, seed=1)
    width = int(np.ceil(0.8 * 20 * 4))
    assert images.shape == (20, width, 1, 40) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert targets.shape == (4, 40) and targets.dtype == np.int64
    assert lengths.dtype == np.int64 and set(lengths.tolist()) <= {2, 3, 4}
    mask = np.arange(4)[:, None] < lengths
    assert (targets[mask] >= 0).all() and (targets[mask] <= 9).all()
    assert (targets[~mask] == _images.TARGET_PADDING).all()
    again = dl.data.digit_strings(40, min_digits=2, max_digits=4, image_height=20, seed=1)
    np.testing.assert_array_equal(images, again[0])
    np.testing.assert_array_equal(targets, again[1])
    other = dl.data.digit_strings(40, min_digits=2, max_digits=4, image_height=20, seed=2)
    assert not np.array_equal(targets, other[1])


def test_digit_strings_targets_batch_as_bt():
    images, targets, lengths = dl.data.digit_strings(10, seed=0)
    mbq = dl.minibatchqueue(images, targets, mini_batch_size=4,
                            mini_batch_format=("SSCB", "TB"), rng=0)
    Xb, Tb = mbq.next()
    assert Tb.fmt == "BT" and Tb.shape == (4, 6) and Tb.dtype == np.int64


def test_digit_strings_errors():
    with pytest.raises(ValueError, match=r"digit_strings: min_digits must not exceed "
                       r"max_digits; got min_digits=5, max_digits=3"):
        dl.data.digit_strings(min_digits=5, max_digits=3)
    with pytest.raises(ValueError, match=r"digit_strings: image_height must be at least 8"):
        dl.data.digit_strings(image_height=6)


# ---- learnability: a small model learns each dataset, a trivial baseline does not --------

def test_digits_learnable_by_mlp_but_not_by_templates():
    images, labels = dl.data.digits(6000, seed=1)
    X = images.reshape(-1, images.shape[-1])
    train, test = slice(0, 5000), slice(5000, None)
    baseline = nearest_centroid(X[:, train], labels[train], X[:, test], labels[test])
    assert 0.5 < baseline < 0.9
    acc = train_mlp(X[:, train], labels[train], X[:, test], labels[test], hidden=128,
                    epochs=8, learn_rate=3e-3)
    assert acc >= 0.95


@pytest.mark.parametrize("name", ["ring", "moons", "spiral", "swissroll"])
def test_toy2d_learnable_by_mlp(name):
    points, labels = dl.data.toy2d(name, 1500, seed=3)
    train, test = slice(0, 1000), slice(1000, None)
    acc = train_mlp(points[:, train], labels[train], points[:, test], labels[test],
                    hidden=64, epochs=30, learn_rate=1e-2, batch_size=100)
    assert acc >= 0.95
    if name != "ring":   # the ring's modes are meant to be easy to tell apart
        assert nearest_centroid(points[:, train], labels[train], points[:, test],
                                labels[test]) < 0.9


def _sequence_features(X):
    """Histograms of the standardised values and of their differences, plus two moments."""
    feats = []
    for x in X:
        z = (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-6)
        d = np.diff(z, axis=1)
        d = d / (d.std(axis=1, keepdims=True) + 1e-6)
        hz = np.mean([np.histogram(c, bins=8, range=(-2.5, 2.5))[0] for c in z], axis=0)
        hd = np.mean([np.histogram(c, bins=8, range=(-3, 3))[0] for c in d], axis=0)
        feats.append(np.concatenate([hz / z.shape[1], hd / d.shape[1],
                                     [(d ** 3).mean(), (z ** 4).mean()]]))
    return np.stack(feats, axis=1).astype(np.float32)


def test_sequences_learnable_from_shape_features_but_not_from_scale():
    X, labels, _ = dl.data.sequences(1200, seed=1)
    F = _sequence_features(X)
    train, test = slice(0, 900), slice(900, None)
    acc = train_mlp(F[:, train], labels[train], F[:, test], labels[test], hidden=32,
                    epochs=25, learn_rate=1e-2, batch_size=100)
    assert acc >= 0.9
    scale = np.stack([[x.std() for x in X], [float(np.ptp(x)) for x in X],
                      [x.shape[1] for x in X]]).astype(np.float32)
    scale /= scale.std(axis=1, keepdims=True)
    assert nearest_centroid(scale[:, train], labels[train], scale[:, test],
                            labels[test]) < 0.7


def test_digit_strings_first_and_last_digit_readable():
    images, targets, lengths = dl.data.digit_strings(2000, seed=1)
    ink = images[:, :, 0]
    width = 20
    first = np.argmax(ink.max(axis=0) > 0.5, axis=0)
    padded = np.pad(ink, ((0, 0), (width, width), (0, 0)))
    n = np.arange(ink.shape[-1])
    cols = first[:, None] + width + np.arange(width)               # (N, width)
    crops = padded[:, cols, n[:, None]]                               # (H, N, width)
    X = crops.transpose(0, 2, 1).reshape(-1, len(n))
    train, test = slice(0, 1500), slice(1500, None)
    acc = train_mlp(X[:, train], targets[0, train], X[:, test], targets[0, test], hidden=128,
                    epochs=12, learn_rate=3e-3)
    assert acc >= 0.88


def test_glyphs_one_shot_nearest_neighbour_is_above_chance_but_far_from_solved():
    images, labels, _ = dl.data.glyphs(images_per_class=20, image_size=16, split="evaluation",
                                       seed=1)
    X = images[:, :, 0].reshape(256, -1)
    rng = np.random.default_rng(0)
    num_classes = labels.max() + 1
    hits = []
    for _ in range(100):   # 20-way one-shot episodes
        classes = rng.choice(num_classes, 20, replace=False)
        support = classes * 20 + rng.integers(20, size=20)
        query = classes * 20 + (support % 20 + 1 + rng.integers(19, size=20)) % 20
        dist = ((X[:, query][:, :, None] - X[:, support][:, None, :]) ** 2).sum(axis=0)
        hits.append(np.mean(dist.argmin(axis=1) == np.arange(20)))
    accuracy = float(np.mean(hits))
    assert 0.25 < accuracy < 0.85     # chance is 0.05
