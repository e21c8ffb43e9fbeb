"""dlnetwork: construction, tables, graphs, forward/predict, state, autodiff, updates, saving."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import Learnables, State, dlarray, dlfeval, dlgradient, extractdata


def rng(seed=0):
    return np.random.default_rng(seed)


def small_cnn(seed=0):
    return dl.dlnetwork([
        dl.imageInputLayer((6, 6, 1)),
        dl.convolution2dLayer(3, 4, padding="same"),
        dl.batchNormalizationLayer(),
        dl.reluLayer(),
        dl.fullyConnectedLayer(3),
        dl.softmaxLayer(),
    ], rng=rng(seed))


def images(n=5, seed=1):
    return dlarray(rng(seed).random((6, 6, 1, n)).astype("float32"), "SSCB")


def mlp(seed=0):
    return dl.dlnetwork([dl.featureInputLayer(3), dl.fullyConnectedLayer(4), dl.reluLayer(),
                         dl.fullyConnectedLayer(2)], rng=rng(seed))


# ---------------------------------------------------------------- construction and defaults

def test_layers_get_matlab_style_names():
    net = small_cnn()
    assert [la.name for la in net.layers] == ["imageinput", "conv", "batchnorm", "relu", "fc",
                                              "softmax"]
    net = mlp()
    assert [la.name for la in net.layers] == ["input", "fc_1", "relu", "fc_2"]
    assert net.connections == [("input", "fc_1"), ("fc_1", "relu"), ("relu", "fc_2")]
    assert net.input_names == ["input"] and net.output_names == ["fc_2"]


def test_default_initialization_follows_the_matlab_table():
    net = small_cnn()
    assert net.learnables.keys() == [("conv", "Weights"), ("conv", "Bias"),
                                     ("batchnorm", "Offset"), ("batchnorm", "Scale"),
                                     ("fc", "Weights"), ("fc", "Bias")]
    W = extractdata(net.learnables["conv", "Weights"])
    assert W.shape == (3, 3, 1, 4) and W.dtype == np.float32
    assert np.abs(W).max() <= np.sqrt(6 / (9 * 1 + 9 * 4))  # Glorot with conv fan values
    np.testing.assert_array_equal(extractdata(net.learnables["conv", "Bias"]), np.zeros((4, 1)))
    np.testing.assert_array_equal(extractdata(net.learnables["batchnorm", "Offset"]), 0)
    np.testing.assert_array_equal(extractdata(net.learnables["batchnorm", "Scale"]), 1)
    assert net.learnables["fc", "Weights"].shape == (3, 6 * 6 * 4)
    assert net.state.keys() == [("batchnorm", "TrainedMean"), ("batchnorm", "TrainedVariance")]
    np.testing.assert_array_equal(extractdata(net.state["batchnorm", "TrainedMean"]),
                                  np.zeros((4, 1)))
    np.testing.assert_array_equal(extractdata(net.state["batchnorm", "TrainedVariance"]),
                                  np.ones((4, 1)))


def test_recurrent_and_embedding_defaults():
    net = dl.dlnetwork([dl.sequenceInputLayer(1), dl.embeddingLayer(40, 50),
                        dl.lstmLayer(30), dl.gruLayer(5)], rng=rng())
    emb = extractdata(net.learnables["embedding", "Weights"])
    assert emb.shape == (40, 50) and np.std(emb) == pytest.approx(0.01, rel=0.1)
    rw = extractdata(net.learnables["lstm", "RecurrentWeights"]).astype(float)
    assert rw.shape == (120, 30)
    np.testing.assert_allclose(rw.T @ rw, np.eye(30), atol=1e-5)  # orthogonal
    bias = extractdata(net.learnables["lstm", "Bias"]).ravel()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(30), np.ones(30), np.zeros(60)])
    assert net.learnables["lstm", "InputWeights"].shape == (120, 40)
    assert net.learnables["gru", "InputWeights"].shape == (15, 30)
    np.testing.assert_array_equal(extractdata(net.learnables["gru", "Bias"]), 0)
    assert net.state.keys() == [("lstm", "HiddenState"), ("lstm", "CellState"),
                                ("gru", "HiddenState")]


def test_same_generator_gives_same_network_and_initialize_keeps_values():
    a, b = small_cnn(3), small_cnn(3)
    for x, y in zip(a.learnables.value, b.learnables.value):
        np.testing.assert_array_equal(extractdata(x), extractdata(y))
    raw = dl.dlnetwork([dl.featureInputLayer(3), dl.fullyConnectedLayer(2)], initialize=False)
    assert not raw.initialized and len(raw.learnables) == 0
    with pytest.raises(ValueError, match="forward: net must be initialized"):
        dl.forward(raw, dlarray(np.ones((3, 1)), "CB"))
    given = np.arange(6.0, dtype="float32").reshape(2, 3)
    net = dl.initialize(dl.dlnetwork([dl.featureInputLayer(3),
                                      dl.fullyConnectedLayer(2, weights=given)],
                                     initialize=False), rng=rng())
    np.testing.assert_array_equal(extractdata(net.learnables["fc", "Weights"]), given)
    again = dl.initialize(net, rng=rng(9))
    np.testing.assert_array_equal(extractdata(again.learnables["fc", "Weights"]), given)


def test_network_without_input_layer_needs_an_example_input():
    layers = [dl.fullyConnectedLayer(4), dl.reluLayer()]
    with pytest.raises(ValueError, match="dlnetwork: layers input 'fc' is not connected to any "
                                         "layer; it needs an example input"):
        dl.dlnetwork(layers)
    net = dl.dlnetwork(layers, dlarray(np.zeros((3, 1), dtype="float32"), "CB"), rng=rng())
    assert net.learnables["fc", "Weights"].shape == (4, 3)
    Y = dl.predict(net, dlarray(np.ones((3, 2), dtype="float32"), "CB"))
    assert Y.shape == (4, 2)


def test_matlab_workflow_empty_network_add_connect_initialize():
    net = dl.dlnetwork()
    net = dl.addLayers(net, [dl.featureInputLayer(2, name="in"),
                             dl.fullyConnectedLayer(3, name="a")])
    net = dl.addLayers(net, [dl.reluLayer(name="r"), dl.additionLayer(name="add")])
    net = dl.connectLayers(net, "a", "r")
    net = dl.connectLayers(net, "a", "add/in2")
    assert not net.initialized
    net = dl.initialize(net, rng=rng())
    X = dlarray(np.array([[1.0], [-2.0]], dtype="float32"), "CB")
    a = dl.fullyconnect(X, net.learnables["a", "Weights"], net.learnables["a", "Bias"])
    np.testing.assert_allclose(extractdata(dl.predict(net, X)),
                               extractdata(dl.relu(a) + a), rtol=1e-6)


# ---------------------------------------------------------------- tables

def test_learnables_table_filtering_and_rows():
    t = mlp().learnables
    assert list(t.layer) == ["fc_1", "fc_1", "fc_2", "fc_2"]
    weights = t[t.parameter == "Weights"]
    assert isinstance(weights, Learnables) and weights.keys() == [("fc_1", "Weights"),
                                                                  ("fc_2", "Weights")]
    assert t[0].layer == "fc_1" and t[0].parameter == "Weights"
    assert t[[3]].keys() == [("fc_2", "Bias")]
    zeroed = t.with_rows(t.parameter == "Weights",
                         weights.with_values([v * 0 for v in weights.value]))
    assert float(np.sum(np.abs(extractdata(zeroed["fc_1", "Weights"])))) == 0
    assert float(np.sum(np.abs(extractdata(t["fc_1", "Weights"])))) > 0  # unchanged
    assert "<table>" in t._repr_html_() and "fc_1" in t._repr_html_()
    assert "fc_2   Bias       2×1 float32 dlarray" in repr(t)
    assert list(t.to_dict()) == ["fc_1.Weights", "fc_1.Bias", "fc_2.Weights", "fc_2.Bias"]
    with pytest.raises(KeyError, match="no row for layer 'fc_3'"):
        t["fc_3", "Weights"]
    with pytest.raises(ValueError, match="Learnables: index must be a boolean mask of 4 rows"):
        t[np.array([True, False])]
    with pytest.raises(TypeError):
        t[0] = None
    assert len(State()) == 0 and "0 rows" in repr(State())


def test_l2_regularization_on_weight_rows_like_matlab():
    net = mlp()
    t = net.learnables
    grads = t.with_values([v * 0 for v in t.value])
    idx = t.parameter == "Weights"
    new = grads.with_rows(idx, dl.dlupdate(lambda g, w: g + 0.1 * w, grads[idx], t[idx]))
    np.testing.assert_allclose(extractdata(new["fc_2", "Weights"]),
                               0.1 * extractdata(t["fc_2", "Weights"]))
    np.testing.assert_array_equal(extractdata(new["fc_2", "Bias"]), 0)


# ---------------------------------------------------------------- running

def test_forward_and_predict_match_the_composed_ops():
    net = small_cnn()
    X = images()
    L = net.learnables
    conv = dl.dlconv(X, L["conv", "Weights"], L["conv", "Bias"], padding="same")
    Yt, mean, var = dl.batchnorm(conv, L["batchnorm", "Offset"], L["batchnorm", "Scale"],
                                 net.state["batchnorm", "TrainedMean"],
                                 net.state["batchnorm", "TrainedVariance"])
    expected = dl.softmax(dl.fullyconnect(dl.relu(Yt), L["fc", "Weights"], L["fc", "Bias"]))
    Y, state = dl.forward(net, X)
    np.testing.assert_allclose(extractdata(Y), extractdata(expected), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(extractdata(state["batchnorm", "TrainedMean"]),
                               extractdata(mean), rtol=1e-5, atol=1e-7)
    Yi = dl.batchnorm(conv, L["batchnorm", "Offset"], L["batchnorm", "Scale"],
                      net.state["batchnorm", "TrainedMean"],
                      net.state["batchnorm", "TrainedVariance"], training=False)
    expected = dl.softmax(dl.fullyconnect(dl.relu(Yi), L["fc", "Weights"], L["fc", "Bias"]))
    np.testing.assert_allclose(extractdata(dl.predict(net, X)), extractdata(expected),
                               rtol=1e-5, atol=1e-7)
    assert Y.fmt == "CB" and Y.shape == (3, 5)


def test_state_assignment_and_forward_does_not_modify_the_network():
    net = small_cnn()
    X = images()
    before = extractdata(net.state["batchnorm", "TrainedMean"]).copy()
    _, state = dl.forward(net, X)
    np.testing.assert_array_equal(extractdata(net.state["batchnorm", "TrainedMean"]), before)
    p_before = extractdata(dl.predict(net, X))
    net.state = state
    assert net.state is state
    assert not np.allclose(extractdata(dl.predict(net, X)), p_before)
    with pytest.raises(TypeError, match="dlnetwork.state: value must be a State table"):
        net.state = {"batchnorm": 0}
    with pytest.raises(ValueError, match="dlnetwork.state: value must have the rows"):
        net.state = State()
    with pytest.raises(ValueError, match="dlnetwork.learnables: value must keep the shape of "
                                         r"conv.Bias \(4, 1\)"):
        net.learnables = net.learnables.with_rows([1], net.learnables[[1]].with_values(
            [dlarray(np.zeros((5, 1), dtype="float32"))]))


def test_dropout_is_active_in_forward_only():
    net = dl.dlnetwork([dl.featureInputLayer(1000), dl.dropoutLayer(0.5, rng=rng(2))])
    X = dlarray(np.ones((1000, 2), dtype="float32"), "CB")
    Y, _ = dl.forward(net, X)
    values = extractdata(Y)
    assert set(np.unique(values)) == {0.0, 2.0}
    assert abs(np.mean(values == 0) - 0.5) < 0.05
    np.testing.assert_array_equal(extractdata(dl.predict(net, X)), 1.0)


def test_dropout_masks_come_from_an_explicit_generator():
    X = dlarray(np.ones((200, 2), dtype="float32"), "CB")
    bare = dl.dlnetwork([dl.featureInputLayer(200), dl.dropoutLayer(0.5)])
    with pytest.raises(RuntimeError, match="forward: rng is needed by dropout layer 'dropout'; "
                                           "got None. Pass rng=np.random.default_rng"):
        dl.forward(bare, X)
    # The generator given to forward decides the masks: equal seeds, equal masks.
    Y1, _ = dl.forward(bare, X, rng=rng(3))
    Y2, _ = dl.forward(bare, X, rng=rng(3))
    np.testing.assert_array_equal(extractdata(Y1), extractdata(Y2))
    own = dl.dlnetwork([dl.featureInputLayer(200), dl.dropoutLayer(0.5, rng=rng(3))])
    np.testing.assert_array_equal(extractdata(dl.forward(own, X)[0]), extractdata(Y1))
    # ... and wins over the layer's own generator.
    np.testing.assert_array_equal(extractdata(dl.forward(own, X, rng=rng(3))[0]),
                                  extractdata(Y1))
    with pytest.raises(TypeError, match="forward: rng must be a numpy.random.Generator or "
                                        "None; got 3"):
        dl.forward(bare, X, rng=3)


def test_recurrent_state_is_carried_and_reset():
    net = dl.dlnetwork([dl.sequenceInputLayer(2), dl.lstmLayer(3, output_mode="last")],
                       rng=rng())
    X = dlarray(rng(1).standard_normal((2, 4, 5)).astype("float32"), "CBT")
    Y, state = dl.forward(net, X)
    assert Y.fmt == "CB" and Y.shape == (3, 4)
    assert state["lstm", "HiddenState"].shape == (3, 4)
    np.testing.assert_allclose(extractdata(state["lstm", "HiddenState"]), extractdata(Y))
    net.state = state
    assert not np.allclose(extractdata(dl.predict(net, X)), extractdata(Y))
    with pytest.raises(ValueError, match="predict: layer 'lstm' \\(lstmLayer\\): state "
                                         "HiddenState of layer 'lstm' has batch size 4 but the "
                                         "input has 2 observations"):
        dl.predict(net, X[:, :2, :])
    fresh = dl.resetState(net)
    np.testing.assert_allclose(extractdata(dl.predict(fresh, X)), extractdata(Y), rtol=1e-6)


def test_input_errors():
    net = small_cnn()
    with pytest.raises(ValueError, match="forward: X must be a formatted dlarray; got array of "
                                         "shape .*First input argument must be a formatted"):
        dl.forward(net, np.zeros((6, 6, 1, 2)))
    with pytest.raises(ValueError, match="predict: X must be a formatted dlarray; got dlarray "
                                         "of shape .* unformatted"):
        dl.predict(net, dlarray(np.zeros((6, 6, 1, 2))))
    with pytest.raises(ValueError, match="predict: X for input layer 'imageinput' must have "
                                         'format "SSCB"; got format "CB"'):
        dl.predict(net, dlarray(np.zeros((36, 2)), "CB"))
    with pytest.raises(ValueError, match=r"predict: X for input layer 'imageinput' must have "
                                         r"size 6×6×1 in its SSC dimensions; got shape "
                                         r"\(5, 6, 1, 2\)"):
        dl.predict(net, dlarray(np.zeros((5, 6, 1, 2)), "SSCB"))
    with pytest.raises(ValueError, match=r"predict: X must be 1 input\(s\)"):
        dl.predict(net, images(), images())
    with pytest.raises(ValueError, match="predict: outputs must name layers of the network"):
        dl.predict(net, images(), outputs="nope")
    with pytest.raises(TypeError, match="forward: net must be a dlnetwork"):
        dl.forward({"w": 1}, images())


# ---------------------------------------------------------------- graphs

def test_skip_connection_graph():
    layers = [dl.featureInputLayer(3, name="in"), dl.fullyConnectedLayer(3, name="fc1"),
              dl.reluLayer(name="relu"), dl.fullyConnectedLayer(3, name="fc2"),
              dl.additionLayer(name="add"), dl.fullyConnectedLayer(2, name="out")]
    g = dl.connectLayers(dl.layerGraph(layers), "relu", "add/in2")
    assert ("relu", "add/in2") in g.connections and ("fc2", "add/in1") in g.connections
    net = dl.dlnetwork(g, rng=rng())
    L = net.learnables
    X = dlarray(rng(3).standard_normal((3, 4)), "CB")
    h = dl.relu(dl.fullyconnect(X, L["fc1", "Weights"], L["fc1", "Bias"]))
    s = dl.fullyconnect(h, L["fc2", "Weights"], L["fc2", "Bias"]) + h
    expected = dl.fullyconnect(s, L["out", "Weights"], L["out", "Bias"])
    np.testing.assert_allclose(extractdata(dl.predict(net, X)), extractdata(expected),
                               rtol=1e-5, atol=1e-6)


def test_two_input_head_and_several_outputs():
    g = dl.layerGraph([dl.featureInputLayer(2, name="a"), dl.fullyConnectedLayer(3, name="fa"),
                       dl.concatenationLayer("C", name="cat"),
                       dl.fullyConnectedLayer(1, name="head")])
    g = dl.addLayers(g, [dl.featureInputLayer(4, name="b"), dl.fullyConnectedLayer(5, name="fb")])
    g = dl.connectLayers(g, "fb", "cat/in2")
    g = dl.addLayers(g, dl.sigmoidLayer(name="aux"))
    g = dl.connectLayers(g, "fa", "aux")
    net = dl.dlnetwork(g, rng=rng())
    assert net.input_names == ["a", "b"] and net.output_names == ["head", "aux"]
    assert net.learnables["head", "Weights"].shape == (1, 8)
    A = dlarray(np.ones((2, 3), dtype="float32"), "CB")
    B = dlarray(np.ones((4, 3), dtype="float32"), "CB")
    head, aux, state = dl.forward(net, A, B)
    assert head.shape == (1, 3) and aux.shape == (3, 3) and isinstance(state, State)
    only = dl.predict(net, A, B, outputs="fa")
    np.testing.assert_allclose(extractdata(dl.sigmoid(only)), extractdata(aux), rtol=1e-6)
    pair = dl.predict(net, A, B)
    assert isinstance(pair, tuple) and len(pair) == 2


def test_graph_errors_name_layers_and_sizes():
    g = dl.layerGraph([dl.featureInputLayer(2, name="in"), dl.fullyConnectedLayer(2, name="a"),
                       dl.additionLayer(name="add"), dl.reluLayer(name="r")])
    cyclic = dl.connectLayers(g, "r", "add/in2")
    with pytest.raises(ValueError, match="dlnetwork: layers must not form a cycle; got a cycle "
                                         "'add' -> 'r' -> 'add'"):
        dl.dlnetwork(cyclic)
    with pytest.raises(ValueError, match="dlnetwork: layers input 'add/in2' is not connected"):
        dl.dlnetwork(g)
    with pytest.raises(ValueError, match="connectLayers: source must name a layer of the graph; "
                                         "got 'nope'"):
        dl.connectLayers(g, "nope", "add/in2")
    with pytest.raises(ValueError, match="connectLayers: destination is already connected; got "
                                         "'add/in1'"):
        dl.connectLayers(g, "in", "add/in1")
    with pytest.raises(ValueError, match="connectLayers: destination must name one input of a "
                                         "multi-input layer; got 'add'"):
        dl.connectLayers(g, "in", "add")
    with pytest.raises(ValueError, match="connectLayers: destination must name an input of "
                                         "layer 'add'; got 'add/in3'"):
        dl.connectLayers(g, "in", "add/in3")
    with pytest.raises(ValueError, match="connectLayers: destination must be a layer with "
                                         "inputs"):
        dl.connectLayers(g, "a", "in")
    bad = dl.connectLayers(dl.addLayers(g, dl.fullyConnectedLayer(3, name="b")), "in", "b")
    bad = dl.connectLayers(bad, "b", "add/in2")
    with pytest.raises(ValueError, match=r"dlnetwork: layer 'add' \(additionLayer\) cannot take "
                                         r"its input \(in1 from 'a' 2\(C\)×1\(B\), in2 from 'b' "
                                         r"3\(C\)×1\(B\)\): inputs of addition layer 'add' must "
                                         r"have equal sizes"):
        dl.dlnetwork(bad)
    with pytest.raises(ValueError, match="layerGraph: layers must have unique names; got two "
                                         "layers named 'x'"):
        dl.layerGraph([dl.reluLayer(name="x"), dl.reluLayer(name="x")])
    with pytest.raises(ValueError, match="addLayers: layers must have unique names; got two "
                                         "layers named 'r'"):
        dl.addLayers(g, dl.reluLayer(name="r"))
    with pytest.raises(ValueError, match=r"layerGraph: layers\[1\] must not be an input layer "
                                         "after another layer"):
        dl.layerGraph([dl.reluLayer(), dl.featureInputLayer(2)])
    with pytest.raises(TypeError, match=r"dlnetwork: layers\[1\] must be a layer"):
        dl.dlnetwork([dl.featureInputLayer(2), "relu"])
    with pytest.raises(ValueError, match=r"dlnetwork: layer 'fc' \(fullyConnectedLayer\) cannot "
                                         r"take its input .*must have 5 elements"):
        dl.dlnetwork([dl.featureInputLayer(2), dl.fullyConnectedLayer(5, bias=np.zeros(3))])


# ---------------------------------------------------------------- autodiff and updates

def test_dlgradient_on_learnables_matches_a_model_function():
    net = mlp()
    X = dlarray(rng(4).standard_normal((3, 6)).astype("float32"), "CB")
    T = dlarray(rng(5).standard_normal((2, 6)).astype("float32"), "CB")

    def net_loss(net, X, T):
        loss = dl.mse(dl.forward(net, X)[0], T)
        return loss, dlgradient(loss, net.learnables)

    def fn_loss(p, X, T):
        h = dl.relu(dl.fullyconnect(X, p["fc_1.Weights"], p["fc_1.Bias"]))
        loss = dl.mse(dl.fullyconnect(h, p["fc_2.Weights"], p["fc_2.Bias"]), T)
        return loss, dlgradient(loss, p)

    loss, grads = dlfeval(net_loss, net, X, T)
    loss2, grads2 = dlfeval(fn_loss, net.learnables.to_dict(), X, T)
    assert isinstance(grads, Learnables) and grads.keys() == net.learnables.keys()
    np.testing.assert_allclose(float(loss), float(loss2), rtol=1e-6)
    for (lay, par), g in zip(grads.keys(), grads.value):
        assert not g.traced
        np.testing.assert_allclose(extractdata(g), extractdata(grads2[f"{lay}.{par}"]),
                                   rtol=1e-5, atol=1e-7)
    assert not net.learnables.value[0].traced


def test_update_functions_return_new_networks():
    net = mlp()
    grads = net.learnables.with_values([dlarray(np.ones(v.shape, dtype="float32"))
                                        for v in net.learnables.value])
    before = [extractdata(v).copy() for v in net.learnables.value]
    new, vel = dl.sgdmupdate(net, grads, None, 0.1)
    new2, m, v = dl.adamupdate(net, grads, None, None, 1)
    new3, s = dl.rmspropupdate(net, grads, None)
    new4 = dl.dlupdate(lambda w, g: w - 0.1 * g, net, grads)
    for updated in (new, new2, new3, new4):
        assert isinstance(updated, dl.dlnetwork) and updated is not net
        assert updated.layers == net.layers and updated.state is net.state
        assert np.all(extractdata(updated.learnables["fc_1", "Bias"]) < before[1])
    for updated in (new, new4):  # plain steps of 0.1 (sgdm from zero velocity, dlupdate)
        np.testing.assert_allclose(extractdata(updated.learnables["fc_1", "Bias"]),
                                   before[1] - 0.1)
    assert isinstance(vel, Learnables)
    for value, old in zip(net.learnables.value, before):
        np.testing.assert_array_equal(extractdata(value), old)
    with pytest.raises(ValueError, match="sgdmupdate: grad must have the same structure as "
                                         "params"):
        dl.sgdmupdate(net, grads[[0, 1]], None)


# ---------------------------------------------------------------- summary and saving

def test_summary_lists_layers_sizes_and_counts():
    net = small_cnn()
    text = str(dl.summary(net))
    assert "dlnetwork: 6 layers, initialized" in text
    assert "6(S)×6(S)×4(C)×1(B)" in text and "Weights 3×3×1×4, Bias 4×1 (40)" in text
    total = 36 + 4 + 4 + 4 + 3 * 144 + 3
    assert f"Total learnables: {total}" in text
    assert "<table>" in dl.summary(net)._repr_html_() and "<table>" in net._repr_html_()
    assert repr(net).startswith("dlnetwork with 6 layers, 6 learnable arrays")
    raw = dl.dlnetwork([dl.featureInputLayer(2), dl.fullyConnectedLayer(2)], initialize=False)
    assert "not initialized" in str(dl.summary(raw))


def test_save_and_load_round_trip(tmp_path):
    mean = rng(6).random((6, 6, 1)).astype("float32")
    g = dl.layerGraph([dl.imageInputLayer((6, 6, 1), normalization="zerocenter", mean=mean),
                       dl.convolution2dLayer(3, 2, padding="same", name="c1"),
                       dl.batchNormalizationLayer(), dl.reluLayer(name="r"),
                       dl.convolution2dLayer((3, 3), 2, padding=((1, 1), (1, 1)), name="c2"),
                       dl.additionLayer(name="add"), dl.dropoutLayer(0.1),
                       dl.fullyConnectedLayer(3), dl.softmaxLayer()])
    g = dl.connectLayers(g, "r", "add/in2")
    net = dl.dlnetwork(g, rng=rng())
    _, state = dl.forward(net, images(), rng=rng(7))
    net.state = state
    path = tmp_path / "net.npz"
    dl.nn.save_network(net, path)
    same = dl.nn.load_network(path)
    assert [la.constructor for la in same.layers] == [la.constructor for la in net.layers]
    assert same.connections == net.connections
    for a, b in zip(same.learnables.value + same.state.value,
                    net.learnables.value + net.state.value):
        np.testing.assert_array_equal(extractdata(a), extractdata(b))
        assert a.dtype == b.dtype
    np.testing.assert_array_equal(extractdata(dl.predict(same, images())),
                                  extractdata(dl.predict(net, images())))
    net.save(tmp_path / "again.npz")
    assert dl.nn.load_network(tmp_path / "again.npz").learnables.keys() == net.learnables.keys()
    with np.load(path, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)


def test_load_refuses_pickles_and_foreign_files(tmp_path):
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __architecture__=np.array("{}"),
             learnables_0=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="load_network: path must not contain pickled "
                                         "\\(object\\) arrays; got 'learnables_0'"):
        dl.nn.load_network(pickled)
    np.save(tmp_path / "obj.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="load_network: path must be an .npz file without "
                                         "pickled data"):
        dl.nn.load_network(tmp_path / "obj.npy")
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(ValueError, match="load_network: path must be an .npz file written by "
                                         "save_network"):
        dl.nn.load_network(tmp_path / "plain.npz")


SECTIONS = ["Parameters", "Returns", "Raises", "Notes", "MATLAB compatibility", "Examples"]


@pytest.mark.parametrize("module, name", [(dl.nn, n) for n in dl.nn.__all__] +
                         [(dl.init, n) for n in dl.init.__all__] +
                         [(dl.optim, n) for n in ("rmspropupdate", "lbfgsupdate", "lbfgsState",
                                                  "time_based_decay", "step_decay",
                                                  "piecewise_decay", "cosine_decay", "warmup")])
def test_public_names_have_docstring_sections(module, name):
    import inspect

    obj = getattr(module, name)
    doc = inspect.getdoc(obj) or ""
    needed = [s for s in SECTIONS if not (inspect.isclass(obj) and s == "Returns")]
    missing = [s for s in needed if f"\n{s}\n" not in doc]
    assert not missing, f"{name} docstring lacks {missing}"
    assert name in dir(dl) or module is not dl.nn
