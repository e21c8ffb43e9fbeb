"""Generic tests generated from the layer registry (see dlnotebooks/nn/layers/_base.py).

For every registered layer type and every case of its sampler: inference output equals the
reference written with the public ops (with random learnables and state, so initial zeros and
ones hide nothing); a save/load round trip keeps the layer, its learnables and its output;
float32 in -> float32 out (training and inference); batch size 1; docstring sections.
"""

import inspect

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, extractdata
from dlnotebooks.nn.layers._base import LAYER_RECORDS

RECORDS = [LAYER_RECORDS[name] for name in sorted(LAYER_RECORDS)]
SECTIONS = ("Parameters", "Returns", "Raises", "Notes", "MATLAB compatibility", "Examples")


def _cases(record, dtype=np.float64, batch=3, seed=0):
    return record.sample(np.random.default_rng(seed), dtype, batch)


PARAMS = [pytest.param(record, k, id=f"{record.name}-{case.name}")
          for record in RECORDS for k, case in enumerate(_cases(record))]


def _network(case, dtype, seed=1):
    """A network of the one layer (free inputs take the case's inputs as examples), with
    random learnables and state of the case's dtype."""
    layer = case.layer
    examples = () if layer.is_input else case.inputs
    net = dl.dlnetwork([layer], *examples, rng=np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    net.learnables = net.learnables.with_values(
        [dlarray(rng.standard_normal(v.shape).astype(dtype)) for v in net.learnables.value])
    # Positive state values: variances must be, hidden states may be.
    net.state = net.state.with_values(
        [dlarray(rng.uniform(0.5, 1.5, v.shape).astype(dtype)) for v in net.state.value])
    return net


def _by_name(table):
    return {par: value for (_, par), value in zip(table.keys(), table.value)}


def _close(actual, expected, record):
    assert isinstance(actual, dlarray) and actual.fmt == expected.fmt
    assert actual.shape == expected.shape
    np.testing.assert_allclose(extractdata(actual), extractdata(expected), rtol=record.rtol,
                               atol=record.atol)


def test_registry_covers_every_public_layer():
    assert RECORDS, "no layer registered"
    assert set(dl.nn.layers.__all__) == set(LAYER_RECORDS)
    for record in RECORDS:
        assert getattr(dl, record.name) is record.constructor
        assert record.name in dl.nn.__all__
        # save_network writes the layer's constructor name; load_network looks it up.
        for case in _cases(record):
            assert case.layer.constructor == record.name


def test_every_layer_type_is_registered():
    # A layer class whose constructor was not registered could be built but not saved,
    # loaded, listed or tested.
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    types = {sub.constructor for sub in subclasses(dl.nn.layers.Layer)
             if sub.constructor != dl.nn.layers.Layer.constructor}
    assert types == set(LAYER_RECORDS)


@pytest.mark.parametrize("record, k", PARAMS)
def test_forward_equals_composed_ops(record, k):
    case = _cases(record)[k]
    net = _network(case, np.float64)
    Y = dl.predict(net, *case.inputs)
    expected = record.reference(case.layer, case.inputs, _by_name(net.learnables),
                                _by_name(net.state))
    _close(Y, expected, record)


@pytest.mark.parametrize("record, k", PARAMS)
def test_save_load_round_trip(record, k, tmp_path):
    case = _cases(record)[k]
    net = _network(case, np.float32)
    path = tmp_path / "net.npz"
    dl.nn.save_network(net, path)
    same = dl.nn.load_network(path)
    assert [la.constructor for la in same.layers] == [record.name]
    assert same.layers[0].options.keys() == net.layers[0].options.keys()
    assert same.learnables.keys() == net.learnables.keys()
    for a, b in zip(same.learnables.value + same.state.value,
                    net.learnables.value + net.state.value):
        np.testing.assert_array_equal(extractdata(a), extractdata(b))
    np.testing.assert_array_equal(extractdata(dl.predict(same, *case.inputs)),
                                  extractdata(dl.predict(net, *case.inputs)))


@pytest.mark.parametrize("record, k", PARAMS)
def test_float32_in_float32_out(record, k):
    case = _cases(record, np.float32)[k]
    net = _network(case, np.float32)
    Y = dl.predict(net, *case.inputs)
    assert Y.dtype == np.float32
    Y, state = dl.forward(net, *case.inputs, rng=np.random.default_rng(2))
    assert Y.dtype == np.float32
    assert all(v.dtype == np.float32 for v in state.value)


@pytest.mark.parametrize("record, k", PARAMS)
def test_batch_size_one(record, k):
    case = _cases(record, np.float64, batch=1)[k]
    net = _network(case, np.float64)
    Y = dl.predict(net, *case.inputs)
    assert Y.shape[Y.fmt.index("B")] == 1
    expected = record.reference(case.layer, case.inputs, _by_name(net.learnables),
                                _by_name(net.state))
    _close(Y, expected, record)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_docstring_sections(record):
    doc = inspect.getdoc(record.constructor) or ""
    missing = [s for s in SECTIONS if f"{s}\n{'-' * len(s)}" not in doc]
    assert not missing, f"{record.name} lacks docstring sections {missing}"
