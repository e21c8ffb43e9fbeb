"""The op registry: every public op registers itself once, in the file that defines it.

A record carries what the generic test (``tests/test_op_registry.py``) needs to check the op:
an independent, deliberately naive NumPy reference; an input sampler; which positional
arguments are differentiable; tolerances; whether second derivatives must work; and the
derivative convention at kinks: a sentence for smooth or linear ops, a :class:`Kink` (the
docstring's words plus inputs on the kink with the gradients that convention gives) for ops
that have one, which the registry test checks.
"""

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["OpRecord", "Case", "Kink", "register", "REGISTRY"]


@dataclass
class Case:
    """One set of inputs for an op.

    ``args``/``kwargs`` are what the op receives (dlarrays for array inputs, formatted or with
    ``data_format``). ``out_fmt`` is the expected format of each array output (a str, or a
    tuple for ops with several outputs). ``grads``, for cases on a kink only: the expected
    gradients of the sum of the first output with respect to each of ``diff_argnums``.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    out_fmt: object = ""
    grads: tuple = None


@dataclass
class Kink:
    """The derivative convention at the points where an op is not differentiable.

    ``text`` is the convention in the words of the op's docstring (the registry test checks
    the docstring says it); ``cases()`` returns float64 Cases whose inputs sit on the kink,
    each with the ``grads`` that convention gives.
    """

    text: str
    cases: Callable


@dataclass
class OpRecord:
    """How to test one op; see the module docstring."""

    name: str
    fn: Callable
    reference: Callable
    sample: Callable  # sample(rng, dtype, batch_size) -> list[Case]
    diff_argnums: tuple = (0,)
    rtol: float = 1e-7
    atol: float = 1e-9
    grad_rtol: float = 1e-5
    grad_atol: float = 1e-7
    second_order: bool = False
    kink: object = "smooth"  # a sentence, or a Kink for ops that have one
    outputs: tuple = None  # indices of outputs to differentiate (None: every float output)
    float32_rtol: float = 1e-4


REGISTRY = {}


def register(record):
    """Add ``record`` to the registry (once per op name) and return the op unchanged."""
    if record.name in REGISTRY:
        raise ValueError(f"register: op {record.name!r} is registered twice.")
    REGISTRY[record.name] = record
    return record.fn
