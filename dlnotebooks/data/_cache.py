"""On-disk cache of generated datasets: ``.npz`` files with a SHA-256 checksum, no pickle.

The cache folder is ``$DLNOTEBOOKS_CACHE`` if that variable is set, else
``$XDG_CACHE_HOME/dlnotebooks`` or ``~/.cache/dlnotebooks``; if that folder cannot be created or
written, a ``dlnotebooks-cache`` folder in the system's temporary directory is used, and if
that fails too, datasets are generated without caching. A file whose checksum does not match
its contents, or that cannot be read, is regenerated and overwritten.
"""

import hashlib
import os
import tempfile
import zipfile

import numpy as np

_CHECKSUM_KEY = "__sha256__"


def cache_dir():
    """Return the cache folder (created if needed), or None when nothing is writable."""
    candidates = []
    env = os.environ.get("DLNOTEBOOKS_CACHE")
    if env:
        candidates.append(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        candidates.append(os.path.join(base, "dlnotebooks"))
    candidates.append(os.path.join(tempfile.gettempdir(), "dlnotebooks-cache"))
    for folder in candidates:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    return None


def checksum(arrays):
    """SHA-256 over the names, dtypes, shapes and bytes of a dict of arrays (order-independent)."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def load(path):
    """Return the arrays stored at ``path`` if the file is readable and intact, else None."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None
    stored = arrays.pop(_CHECKSUM_KEY, None)
    if stored is None or stored.shape != () or str(stored) != checksum(arrays):
        return None
    return arrays


def save(path, arrays):
    """Write ``arrays`` and their checksum to ``path`` atomically; return False on failure."""
    folder = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays, **{_CHECKSUM_KEY: np.array(checksum(arrays))})
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass
        return False


def cached(name, params, generate):
    """Return ``generate()`` (a dict of arrays), reading and writing the cache.

    ``name`` and ``params`` (a dict of simple values, including the generator version) make the
    file name, so that different arguments never share a file.
    """
    key = "-".join(f"{k}{params[k]}" for k in sorted(params))
    folder = cache_dir()
    path = None if folder is None else os.path.join(folder, f"{name}-{key}.npz")
    if path is not None and os.path.exists(path):
        arrays = load(path)
        if arrays is not None:
            return arrays
    arrays = generate()
    if path is not None:
        save(path, arrays)
    return arrays
