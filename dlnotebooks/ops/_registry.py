"""The op registry: every public op registers itself once, in the file that defines it.

A record carries what the generic test (``tests/test_op_registry.py``) needs to check the op:
an independent, deliberately naive NumPy reference; an input sampler; which positional
arguments are differentiable; tolerances; whether second derivatives must work; and the
derivative convention at kinks (documentation for learners and reviewers).
"""

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["OpRecord", "Case", "register", "REGISTRY"]


@dataclass
class Case:
    """One set of inputs for an op.

    ``args``/``kwargs`` are what the op receives (dlarrays for array inputs, formatted or with
    ``data_format``). ``out_fmt`` is the expected format of each array output (a str, or a
    tuple for ops with several outputs). ``batch_size`` is what the sampler was asked for.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    out_fmt: object = ""


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
    kink: str = "smooth"
    outputs: tuple = None  # indices of outputs to differentiate (None: every float output)
    float32_rtol: float = 1e-4


REGISTRY = {}


def register(record):
    """Add ``record`` to the registry (once per op name) and return the op unchanged."""
    if record.name in REGISTRY:
        raise ValueError(f"register: op {record.name!r} is registered twice.")
    REGISTRY[record.name] = record
    return record.fn
