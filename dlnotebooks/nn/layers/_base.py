"""What every layer shares: the Layer base class, option helpers and the layer registry.

A layer is an immutable description: its type, name and options. Its learnable parameters and
state live in the network (``net.learnables``, ``net.state``), not in the layer; the values a
layer is given at construction (``weights=``, ``bias=``) are only used by ``initialize``.

Each family module registers its constructors with :func:`register`, giving what the
generated tests (``tests/test_layer_registry.py``) need: a sampler of example inputs and a
reference forward composed of the public ops. The package's ``__all__`` and the table that
``load_network`` uses (``LAYER_TYPES``) are built from the registry, so adding a layer is one
file (or one function in a family file) plus its docstring.
"""

import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ... import _checks
from ... import init as _init
from ...core import dlarray, extractdata

__all__ = ["Layer", "LayerCase", "LayerRecord", "register", "LAYER_TYPES", "LAYER_RECORDS"]


# ---------------------------------------------------------------- the registry

@dataclass
class LayerCase:
    """One way to exercise a layer in the generated tests.

    ``layer`` is the layer under test; ``inputs`` are formatted dlarrays, one per layer input
    (for an input layer: the network input it checks).
    """

    name: str
    layer: object
    inputs: tuple


@dataclass
class LayerRecord:
    """How to test one layer type; see the module docstring.

    ``sample(rng, dtype, batch_size) -> list[LayerCase]``; ``reference(layer, inputs,
    learnables, state) -> Y`` is the layer's inference-mode output computed with the public
    ops (``learnables`` and ``state`` are dicts by parameter name).
    """

    name: str
    constructor: Callable
    family: str
    sample: Callable
    reference: Callable
    rtol: float = 1e-6
    atol: float = 1e-8


LAYER_RECORDS = {}
LAYER_TYPES = {}


def register(*, sample, reference, rtol=1e-6, atol=1e-8):
    """Decorator: add a layer constructor to the registry (once per name) and return it,
    answering MATLAB spellings (``"Padding", "same"``, ``NumChannels=1``) with the keyword to
    use, as the public ops do.

    The constructor's name is the layer type that ``save_network`` writes and the public name
    in ``dl.nn``; the defining module's last name part is its family.
    """
    def add(constructor):
        constructor = _checks.matlab_names(constructor)
        name = constructor.__name__
        if name in LAYER_RECORDS:
            raise ValueError(f"register: layer {name!r} is registered twice.")
        family = constructor.__module__.rsplit(".", 1)[-1]
        LAYER_RECORDS[name] = LayerRecord(name, constructor, family, sample, reference,
                                          rtol, atol)
        LAYER_TYPES[name] = constructor
        return constructor
    return add


def sample_input(rng, dtype, shape, fmt):
    """A random formatted dlarray for layer samplers."""
    return dlarray(rng.standard_normal(shape).astype(dtype), fmt)


# ---------------------------------------------------------------- option helpers

_INITIALIZERS = ("glorot", "he", "orthogonal", "narrow-normal", "zeros", "ones")


def _size_text(shape, fmt=""):
    if fmt:
        return "×".join(f"{n}({lab})" for n, lab in zip(shape, fmt))
    return "×".join(str(n) for n in shape)


def _name(func, name):
    if not isinstance(name, str):
        raise _checks.fail(func, "name", "must be a string", _checks.describe(name),
                           cls=TypeError)
    if "/" in name:
        raise _checks.fail(func, "name", "must not contain '/'", repr(name),
                           "'/' separates a layer name from an input name.")
    return name


def _sizes(func, arg, value, n):
    """A positive int or a tuple of n positive ints -> tuple of n ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * n
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise _checks.fail(func, arg, f"must be a positive integer or {n} of them",
                           _checks.describe(value), cls=TypeError)
    return tuple(_checks.positive_int(func, f"{arg}[{i}]", v) for i, v in enumerate(value))


def _initializer(func, arg, value, choices=_INITIALIZERS):
    if callable(value):
        return value
    return _checks.choice(func, arg, value, choices)


def _given(func, arg, value):
    if value is None:
        return None
    return dlarray(np.asarray(_checks.as_array_input(func, arg, value).__array__()))


def _make(kind, shape, rng, fan=None):
    """Create a learnable with initializer ``kind`` (a name or a callable taking the shape)."""
    if callable(kind):
        value = kind(tuple(shape))
        return dlarray(np.asarray(value.__array__() if isinstance(value, dlarray) else value,
                                  dtype=np.float32))
    num_in, num_out = fan if fan is not None else (shape[-1], shape[0])
    if kind == "glorot":
        return _init.glorot(shape, num_out, num_in, rng=rng)
    if kind == "he":
        return _init.he(shape, num_in, rng=rng)
    if kind == "orthogonal":
        return _init.orthogonal(shape, rng=rng)
    if kind == "narrow-normal":
        return _init.narrow_normal(shape, rng=rng)
    if kind == "zeros":
        return _init.zeros(shape)
    if kind == "ones":
        return _init.ones(shape)
    if kind == "unit-forget-gate":
        return _init.unit_forget_gate(shape[0] // 4)
    raise ValueError(f"unknown initializer {kind!r}")  # validated at construction


def _detach(x):
    return dlarray(extractdata(x))


# ---------------------------------------------------------------- the base class

class Layer:
    """Base class: a named, immutable layer description.

    Subclasses set ``constructor`` (the MATLAB function name), ``default_name``,
    ``input_names``, ``learnable_names``, ``state_names`` and implement ``_forward``; layers
    with learnables also implement ``_init_learnables``.
    """

    constructor = "layer"
    default_name = "layer"
    description = "Layer"
    learnable_names = ()
    state_names = ()
    is_input = False
    needs_rng = False  # True: _forward takes the generator passed to forward (rng=...)

    def __init__(self, name="", **options):
        self.name = _name(self.constructor, name)
        self._options = options
        self._initial = {}

    @property
    def input_names(self):
        return ("in",)

    @property
    def num_inputs(self):
        return len(self.input_names)

    @property
    def options(self):
        """The layer's options (constructor keywords), a copy."""
        return dict(self._options)

    def _with_name(self, name):
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.name = name
        return new

    def _config(self):
        """Constructor keywords for saving (no callables, no generators, no initial values)."""
        out = {}
        for key, value in self._options.items():
            if callable(value) or isinstance(value, np.random.Generator):
                continue
            out[key] = value
        return out

    def _init_learnables(self, inputs, rng):
        return {}

    def _init_state(self, inputs, learnables):
        return {}

    def _forward(self, inputs, params, state, training):
        raise NotImplementedError

    def __repr__(self):
        opts = ", ".join(f"{k}={v!r}" for k, v in self._config().items()
                         if v is not None and not isinstance(v, np.ndarray))
        name = f"name={self.name!r}" if self.name else ""
        args = ", ".join(a for a in (opts, name) if a)
        return f"{self.constructor}({args})"


def _channels(X, func, layer):
    if "C" not in X.fmt:
        raise _checks.fail(func, "input", f"of layer '{layer.name}' must have a 'C' dimension",
                           f'format "{X.fmt}"')
    return X.shape[X.fmt.index("C")]


def _set_initial(layer, func, **values):
    for key, value in values.items():
        if value is not None:
            layer._initial[key] = _given(func, key.lower(), value)
    return layer
