"""Generic tests generated from the op registry (see dlnotebooks/ops/_registry.py).

For every registered op and every input case of its sampler: forward against the naive
reference (float64), first derivatives against central finite differences (float64), second
derivatives where declared, output formats, float32 in -> float32 out, and batch size 1.
"""

import gc
import inspect
import re

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata
from dlnotebooks.ops._registry import REGISTRY, Kink
from gradient_spy import seen, spy

RECORDS = sorted(REGISTRY.values(), key=lambda r: r.name)


def _cases(record, dtype=np.float64, batch=3, seed=0):
    return record.sample(np.random.default_rng(seed), dtype, batch)


def _params():
    out = []
    for record in RECORDS:
        for k, case in enumerate(_cases(record)):
            out.append(pytest.param(record, k, id=f"{record.name}-{case.name}"))
    return out


PARAMS = _params()
DIFF_PARAMS = [p for p in PARAMS if p.values[0].diff_argnums]
SECOND_PARAMS = [p for p in DIFF_PARAMS if p.values[0].second_order]


def _np(x):
    return extractdata(x) if isinstance(x, dlarray) else x


def _first_fmt(case):
    fmt = case.kwargs.get("data_format")
    if fmt:
        return fmt
    for a in case.args:
        if isinstance(a, dlarray) and a.fmt:
            return a.fmt
    return ""


def _reference(record, case):
    kwargs = {k: _np(v) for k, v in case.kwargs.items() if k != "data_format"}
    if "fmt" in inspect.signature(record.reference).parameters:
        kwargs["fmt"] = _first_fmt(case)
    return record.reference(*[_np(a) for a in case.args], **kwargs)


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


def _float_outputs(record, out):
    outs = _outputs(out)
    idx = record.outputs if record.outputs is not None else range(len(outs))
    return [outs[i] for i in idx if isinstance(outs[i], dlarray)
            and np.issubdtype(outs[i].dtype, np.floating)]


def _projection(record, case, seed=1):
    """Fixed random weights R so that L = sum_k sum(out_k * R_k) is a scalar."""
    out = record.fn(*case.args, **case.kwargs)
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(o.shape) for o in _float_outputs(record, out)]


def _scalar_loss(record, case, args, R):
    out = record.fn(*args, **case.kwargs)
    total = 0.0
    for o, r in zip(_float_outputs(record, out), R):
        total = total + np.sum(o * r)
    return total


def _with(args, k, value):
    args = list(args)
    args[k] = value
    return tuple(args)


@pytest.mark.parametrize("record,k", PARAMS)
def test_forward_matches_reference(record, k):
    case = _cases(record)[k]
    out = _outputs(record.fn(*case.args, **case.kwargs))
    ref = _outputs(_reference(record, case))
    assert len(out) == len(ref)
    for o, r in zip(out, ref):
        np.testing.assert_allclose(np.asarray(_np(o), dtype=float) if np.asarray(_np(o)).dtype
                                   .kind in "fiub" else _np(o), r, rtol=record.rtol,
                                   atol=record.atol) if np.asarray(r).dtype.kind in "fiub" \
            else np.testing.assert_array_equal(_np(o), r)


@pytest.mark.parametrize("record,k", PARAMS)
def test_output_format(record, k):
    case = _cases(record)[k]
    if case.out_fmt is None:
        return
    out = _outputs(record.fn(*case.args, **case.kwargs))
    expected = case.out_fmt if isinstance(case.out_fmt, tuple) else (case.out_fmt,)
    got = tuple(o.fmt for o in out if isinstance(o, dlarray))[:len(expected)]
    assert got == expected


@pytest.mark.parametrize("record,k", DIFF_PARAMS)
def test_gradients_match_finite_differences(record, k):
    case = _cases(record)[k]
    R = _projection(record, case)
    rng = np.random.default_rng(2)
    h = 1e-6

    def loss_and_grads(*args):
        loss = _scalar_loss(record, case, args, R)
        return loss, dlgradient(loss, *[args[i] for i in record.diff_argnums])

    args = tuple(a if isinstance(a, dlarray) else dlarray(a) if i in record.diff_argnums else a
                 for i, a in enumerate(case.args))
    _, grads = dlfeval(loss_and_grads, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for g, i in zip(grads, record.diff_argnums):
        x = extractdata(args[i])
        assert g.shape == x.shape and g.dtype == x.dtype
        for _ in range(3):
            v = rng.standard_normal(x.shape)
            plus = _scalar_loss(record, case, _with(args, i, dlarray(x + h * v, args[i].fmt)), R)
            minus = _scalar_loss(record, case, _with(args, i, dlarray(x - h * v, args[i].fmt)), R)
            numeric = (float(plus) - float(minus)) / (2 * h)
            analytic = float(np.sum(extractdata(g) * v))
            assert analytic == pytest.approx(numeric, rel=record.grad_rtol,
                                             abs=record.grad_atol * max(1.0, np.sqrt(x.size))), \
                f"argument {i}: analytic {analytic}, numeric {numeric}"


@pytest.mark.parametrize("record,k", SECOND_PARAMS)
def test_second_derivatives_match_finite_differences(record, k):
    case = _cases(record)[k]
    R = _projection(record, case)
    rng = np.random.default_rng(3)
    args = tuple(a if isinstance(a, dlarray) else dlarray(a) if i in record.diff_argnums else a
                 for i, a in enumerate(case.args))
    first = record.diff_argnums[0]
    v = rng.standard_normal(args[first].shape)

    def directional(*a):
        loss = _scalar_loss(record, case, a, R)
        g = dlgradient(loss, a[first], enable_higher_derivatives=True)
        return np.sum(g * v)

    def second(*a):
        s = directional(*a)
        return dlgradient(s, *[a[i] for i in record.diff_argnums])

    hess = dlfeval(second, *args)
    hess = hess if isinstance(hess, tuple) else (hess,)
    h = 1e-5
    for H, i in zip(hess, record.diff_argnums):
        x = extractdata(args[i])
        u = rng.standard_normal(x.shape)
        plus = dlfeval(directional, *_with(args, i, dlarray(x + h * u, args[i].fmt)))
        minus = dlfeval(directional, *_with(args, i, dlarray(x - h * u, args[i].fmt)))
        numeric = (float(plus) - float(minus)) / (2 * h)
        analytic = float(np.sum(extractdata(H) * u))
        assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-5 * max(1.0, np.sqrt(x.size))), \
            f"argument {i}: analytic {analytic}, numeric {numeric}"


@pytest.mark.parametrize("record,k", PARAMS)
def test_float32_in_float32_out(record, k):
    case = _cases(record, dtype=np.float32)[k]
    out = _outputs(record.fn(*case.args, **case.kwargs))
    ref = _outputs(_reference(record, case))
    for o, r in zip(out, ref):
        if isinstance(o, dlarray) and np.issubdtype(o.dtype, np.floating):
            assert o.dtype == np.float32
            np.testing.assert_allclose(extractdata(o), r, rtol=record.float32_rtol,
                                       atol=record.float32_rtol)
    if record.diff_argnums:
        R = [r.astype(np.float32) for r in _projection(record, case)]

        def grads(*a):
            # Each differentiable input passes through a spy, which sees the gradient the
            # op's VJP hands back before dlgradient casts it to the leaf's dtype.
            spied = tuple(spy(v) if i in record.diff_argnums else v
                          for i, v in enumerate(a))
            return dlgradient(_scalar_loss(record, case, spied, R),
                              *[a[i] for i in record.diff_argnums])

        args = tuple(a if isinstance(a, dlarray) else dlarray(a) if i in record.diff_argnums
                     else a for i, a in enumerate(case.args))
        seen.clear()
        g = dlfeval(grads, *args)
        for gi in (g if isinstance(g, tuple) else (g,)):
            assert gi.dtype == np.float32
        assert seen and all(d == np.float32 for d in seen), (
            f"{record.name}: the backward pass of a float32 input ran in {seen}")


@pytest.mark.parametrize("record,k", PARAMS)
def test_batch_size_one(record, k):
    case = _cases(record, batch=1)[k]
    out = _outputs(record.fn(*case.args, **case.kwargs))
    ref = _outputs(_reference(record, case))
    for o, r in zip(out, ref):
        if np.asarray(r).dtype.kind in "fiub":
            np.testing.assert_allclose(np.asarray(_np(o), dtype=float), r, rtol=record.rtol,
                                       atol=record.atol)


def test_every_public_op_is_registered():
    missing = [name for name in dl.ops.__all__ if name not in REGISTRY]
    assert not missing, f"public ops without a registry record: {missing}"
    for name, record in REGISTRY.items():
        assert getattr(dl, name) is record.fn, name


SECTIONS = ["Parameters", "Returns", "Raises", "Notes", "MATLAB compatibility", "Examples"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_op_docstring_has_sections(name):
    doc = inspect.getdoc(REGISTRY[name].fn) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary and not summary.startswith(" "), f"{name}: no summary line"
    for section in SECTIONS:
        assert re.search(rf"^{section}\n-+$", doc, re.M), f"{name}: missing section {section}"


# ---------------------------------------------------------------- kinks

KINKED = [r for r in RECORDS if isinstance(r.kink, Kink)]
KINK_PARAMS = [pytest.param(record, k, id=f"{record.name}-{case.name}")
               for record in KINKED for k, case in enumerate(record.kink.cases())]


def _plain_words(text):
    return " ".join(text.replace("`", "").split())


def test_ops_with_kinks_state_their_convention():
    # The ops whose derivative at a kink is a convention the learner must know.
    assert {"relu", "leakyrelu", "maxpool", "huber", "l1loss"} <= {r.name for r in KINKED}
    for record in KINKED:
        assert record.kink.cases(), f"{record.name}: a Kink without cases on the kink"
        doc = _plain_words(inspect.getdoc(record.fn) or "")
        assert _plain_words(record.kink.text) in doc, \
            f"{record.name}: the docstring does not say {record.kink.text!r}"


@pytest.mark.parametrize("record, k", KINK_PARAMS)
def test_derivative_at_the_kink_follows_the_documented_convention(record, k):
    case = record.kink.cases()[k]
    argnums = record.diff_argnums

    def loss(*diff):
        args = list(case.args)
        for i, value in zip(argnums, diff):
            args[i] = value
        out = _outputs(record.fn(*args, **case.kwargs))[0]
        return dlgradient(out.sum() if out.size > 1 else out, list(diff))

    grads = dlfeval(loss, *[case.args[i] for i in argnums])
    assert len(grads) == len(case.grads)
    for got, expected in zip(grads, case.grads):
        np.testing.assert_array_equal(extractdata(got), expected,
                                      err_msg=f"{record.name}: {record.kink.text}")


def _cyclic_garbage_after(fn):
    """Objects that only Python's cyclic collector could free after ``fn()`` (0 = none).

    With the collector off during ``fn``, everything it made is still in the youngest
    generation, so collecting that one alone finds its cycles (and is quick).
    """
    gc.collect(0)
    gc.disable()
    try:
        fn()
        return gc.collect(0)
    finally:
        gc.enable()


@pytest.mark.parametrize("record,k", DIFF_PARAMS)
def test_gradient_evaluation_leaves_no_reference_cycles(record, k):
    # A training step's tape (every activation it keeps for the backward pass) must be freed
    # when dlfeval returns, by reference counting: what waits for the cyclic collector piles
    # up over several steps (this once cost the LeNet benchmark 60 MiB more peak memory).
    case = _cases(record)[k]
    R = _projection(record, case)

    def loss_and_grads(*args):
        loss = _scalar_loss(record, case, args, R)
        return loss, dlgradient(loss, *[args[i] for i in record.diff_argnums])

    args = tuple(a if isinstance(a, dlarray) else dlarray(a) if i in record.diff_argnums else a
                 for i, a in enumerate(case.args))
    dlfeval(loss_and_grads, *args)  # first call: caches and lazy imports
    assert _cyclic_garbage_after(lambda: dlfeval(loss_and_grads, *args)) == 0
