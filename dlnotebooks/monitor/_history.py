"""The monitor's model: plain-Python histories of metrics, info values and gradient statistics.

Nothing here knows about Jupyter, widgets or matplotlib; the views read these objects.
Every record is appended as one tuple, so a ``KeyboardInterrupt`` between two statements can
never leave steps and values of different lengths.
"""

import math
import time

import numpy as np

from .._autograd import getval
from .._tree import tree_paths

#: Largest number of gradient entries kept per parameter for the distribution plot.
MAX_DISTRIBUTION_SAMPLES = 2000


def _to_float(value):
    """Return a Python float for a scalar (number, 0-d or one-element array, dlarray)."""
    data = getattr(value, "_data", value)
    data = np.asarray(getval(data))
    if data.size != 1:
        raise ValueError(f"expected one element, found shape {data.shape}")
    if data.dtype.kind not in "biuf":
        raise TypeError(f"expected a real number, found dtype {data.dtype}")
    return float(data.reshape(-1)[0])


def _to_array(value):
    data = getattr(value, "_data", value)
    return np.asarray(getval(data))


class MetricHistory:
    """Recorded ``(step, value, elapsed)`` triples of one metric, in call order."""

    __slots__ = ("name", "records")

    def __init__(self, name):
        self.name = name
        self.records = []

    def append(self, step, value, elapsed):
        self.records.append((step, value, elapsed))

    def arrays(self):
        """Return ``(steps, values)`` as float64 arrays of shape ``(n,)``."""
        if not self.records:
            return np.zeros(0), np.zeros(0)
        records = list(self.records)
        steps = np.array([r[0] for r in records], dtype=float)
        values = np.array([r[1] for r in records], dtype=float)
        return steps, values

    def times(self):
        """Seconds since the monitor's creation at which each value was recorded, ``(n,)``."""
        return np.array([r[2] for r in list(self.records)], dtype=float)

    def __len__(self):
        return len(self.records)


def layer_of(path):
    """The layer part of a parameter path: ``"conv_2.Bias"`` -> ``"conv_2"``; a path without
    a dot is its own layer."""
    return path.rsplit(".", 1)[0] if "." in path else path


class GradientHistory:
    """Per-parameter gradient norms over steps plus the latest per-parameter sample.

    ``norms[path]`` is a list of ``(step, norm)`` pairs; ``layer_norms[layer]`` the same for
    each layer (the parameters sharing a path prefix, e.g. ``conv_2`` for ``conv_2.Weights``
    and ``conv_2.Bias``), its norm being that of all its parameters together;
    ``layers[layer]`` lists the layer's parameter paths. ``latest[path]`` holds up to
    :data:`MAX_DISTRIBUTION_SAMPLES` finite entries of the most recent gradient (an evenly
    strided subsample, deterministic), and ``latest_step`` the step it came from.
    """

    def __init__(self):
        self.norms = {}
        self.layer_norms = {}
        self.layers = {}
        self.latest = {}
        self.latest_step = None
        self.num_records = 0

    def record(self, step, grads):
        """Record one gradient container; return ``{path: norm}`` for this step."""
        this_step = {}
        samples = {}
        for path, leaf in tree_paths(grads):
            if leaf is None:
                continue
            data = _to_array(leaf)
            if data.dtype.kind not in "biufc" or data.size == 0:
                continue
            flat = np.abs(data.reshape(-1)).astype(np.float64, copy=False)
            with np.errstate(over="ignore", invalid="ignore"):
                norm = float(np.sqrt(np.sum(flat * flat)))
            if math.isfinite(norm) and not np.all(np.isfinite(flat)):
                norm = math.inf
            this_step[path] = norm
            stride = max(1, flat.size // MAX_DISTRIBUTION_SAMPLES)
            sample = flat[::stride][:MAX_DISTRIBUTION_SAMPLES]
            samples[path] = sample[np.isfinite(sample)]
        squares = {}
        for path, norm in this_step.items():
            self.norms.setdefault(path, []).append((step, norm))
            layer = layer_of(path)
            members = self.layers.setdefault(layer, [])
            if path not in members:
                members.append(path)
            squares[layer] = squares.get(layer, 0.0) + norm * norm
        for layer, total in squares.items():
            self.layer_norms.setdefault(layer, []).append((step, math.sqrt(total)))
        self.latest = samples
        self.latest_step = step
        self.num_records += 1
        return this_step

    def arrays(self, path):
        """Return ``(steps, norms)`` float64 arrays for one parameter path."""
        pairs = list(self.norms.get(path, ()))
        if not pairs:
            return np.zeros(0), np.zeros(0)
        return (np.array([p[0] for p in pairs], dtype=float),
                np.array([p[1] for p in pairs], dtype=float))

    def layer_arrays(self, layer):
        """Return ``(steps, norms)`` float64 arrays for one layer (all its parameters)."""
        pairs = list(self.layer_norms.get(layer, ()))
        if not pairs:
            return np.zeros(0), np.zeros(0)
        return (np.array([p[0] for p in pairs], dtype=float),
                np.array([p[1] for p in pairs], dtype=float))


class Stopwatch:
    """Seconds of running time since construction; it can be paused and resumed.

    MATLAB starts the monitor's timer at creation. Ours also stops when the loop is over (its
    cell ended, progress reached 100 %, or Stop was pressed) and resumes when the monitor is
    updated again, so the time shown is the time the loop ran, and does not keep growing
    while later cells run.
    """

    def __init__(self, clock=time.perf_counter):
        self._clock = clock
        self._start = clock()
        self._paused_at = None

    @property
    def running(self):
        return self._paused_at is None

    def pause(self):
        if self._paused_at is None:
            self._paused_at = self._clock()

    def resume(self):
        if self._paused_at is not None:
            self._start += self._clock() - self._paused_at
            self._paused_at = None

    def elapsed(self):
        now = self._clock() if self._paused_at is None else self._paused_at
        return now - self._start


def format_duration(seconds):
    """Format seconds as ``H:MM:SS`` (``0:00:07``)."""
    seconds = int(max(0.0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_value(value):
    """Short, aligned text for a metric or info value."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    try:
        number = _to_float(value)
    except (TypeError, ValueError):
        text = str(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if number != number or number in (math.inf, -math.inf):
        return str(number)
    if number == int(number) and abs(number) < 1e9:
        return str(int(number))
    if 1e-3 <= abs(number) < 1e5:
        return f"{number:.4g}"
    return f"{number:.3e}"
