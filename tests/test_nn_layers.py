"""Each layer's forward equals the registered ops it is composed of; constructor errors."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, extractdata


def rng(seed=0):
    return np.random.default_rng(seed)


def run(input_layer, layer, X, training=False):
    net = dl.dlnetwork([input_layer, layer], rng=rng())
    Y = dl.forward(net, X)[0] if training else dl.predict(net, X)
    return net, net.learnables, Y


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(extractdata(a), extractdata(b), rtol=tol, atol=tol * 1e-2)


IMG = dlarray(rng(1).standard_normal((6, 6, 3, 2)).astype("float32"), "SSCB")
FEAT = dlarray(rng(2).standard_normal((4, 3)).astype("float32"), "CB")
SEQ = dlarray(rng(3).standard_normal((4, 3, 5)).astype("float32"), "CBT")


def img_in():
    return dl.imageInputLayer((6, 6, 3))


@pytest.mark.parametrize("layer, op", [
    (dl.reluLayer(), dl.relu),
    (dl.leakyReluLayer(0.2), lambda X: dl.leakyrelu(X, 0.2)),
    (dl.geluLayer(approximation="tanh"), lambda X: dl.gelu(X, "tanh")),
    (dl.tanhLayer(), np.tanh),
    (dl.sigmoidLayer(), dl.sigmoid),
    (dl.softmaxLayer(), dl.softmax),
    (dl.maxPooling2dLayer(2, stride=2), lambda X: dl.maxpool(X, 2, stride=2)),
    (dl.averagePooling2dLayer(3, padding="same"),
     lambda X: dl.avgpool(X, 3, padding="same")),
    (dl.globalAveragePooling2dLayer(), lambda X: dl.avgpool(X, "global")),
    (dl.dropoutLayer(0.5), lambda X: X),
])
def test_parameter_free_layers(layer, op):
    _, _, Y = run(img_in(), layer, IMG)
    expected = op(IMG)
    assert Y.fmt == expected.fmt
    close(Y, expected)


def test_convolution_layers():
    net, L, Y = run(img_in(), dl.convolution2dLayer((3, 2), 4, stride=(2, 1), dilation_factor=1,
                                                    padding=1), IMG)
    assert L["conv", "Weights"].shape == (3, 2, 3, 4) and L["conv", "Bias"].shape == (4, 1)
    close(Y, dl.dlconv(IMG, L["conv", "Weights"], L["conv", "Bias"], stride=(2, 1), padding=1))
    _, L, Y = run(img_in(), dl.transposedConv2dLayer(2, 5, stride=2), IMG)
    assert L["transposed-conv", "Weights"].shape == (2, 2, 5, 3)
    assert Y.shape == (12, 12, 5, 2)
    close(Y, dl.dltranspconv(IMG, L["transposed-conv", "Weights"], L["transposed-conv", "Bias"],
                             stride=2))


def test_fully_connected_flattens_like_flatten_layer():
    _, L, Y = run(img_in(), dl.fullyConnectedLayer(5), IMG)
    assert L["fc", "Weights"].shape == (5, 108)
    close(Y, dl.fullyconnect(IMG, L["fc", "Weights"], L["fc", "Bias"]))
    flat = dl.predict(dl.dlnetwork([img_in(), dl.flattenLayer()]), IMG)
    assert flat.fmt == "CB" and flat.shape == (108, 2)
    # column-major (MATLAB) order: h fastest, then w, then c
    np.testing.assert_array_equal(extractdata(flat)[:, 1],
                                  extractdata(IMG)[:, :, :, 1].reshape(-1, order="F"))
    close(dl.fullyconnect(flat, L["fc", "Weights"], L["fc", "Bias"]), Y)


def test_normalization_layers():
    _, L, Y = run(img_in(), dl.layerNormalizationLayer(epsilon=1e-4), IMG)
    close(Y, dl.layernorm(IMG, L["layernorm", "Offset"], L["layernorm", "Scale"], epsilon=1e-4))
    net, L, Y = run(img_in(), dl.batchNormalizationLayer(mean_decay=0.3, variance_decay=0.2),
                    IMG, training=True)
    expected, _, _ = dl.batchnorm(IMG, L["batchnorm", "Offset"], L["batchnorm", "Scale"],
                                  net.state["batchnorm", "TrainedMean"],
                                  net.state["batchnorm", "TrainedVariance"], mean_decay=0.3,
                                  variance_decay=0.2)
    close(Y, expected)


def test_input_layer_normalization():
    mean, std = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 4.0, 4.0])
    Y = dl.predict(dl.dlnetwork([dl.featureInputLayer(4, normalization="zscore", mean=mean,
                                                      std=std)]), FEAT)
    close(Y, (FEAT - dlarray(mean[:, None])) / dlarray(std[:, None]))
    img_mean = rng(4).random((1, 1, 3))
    Y = dl.predict(dl.dlnetwork([dl.imageInputLayer((6, 6, 3), normalization="zerocenter",
                                                    mean=img_mean)]), IMG)
    close(Y, IMG - dlarray(img_mean[..., None]))
    Y = dl.predict(dl.dlnetwork([dl.imageInputLayer((6, 6, 3), normalization="zscore",
                                                    mean=img_mean.ravel(), std=2.0)]), IMG)
    close(Y, (IMG - dlarray(img_mean[..., None])) / 2.0)
    Y = dl.predict(dl.dlnetwork([dl.sequenceInputLayer(4, normalization="zerocenter",
                                                       mean=mean)]), SEQ)
    close(Y, SEQ - dlarray(mean[:, None, None]))
    assert Y.fmt == "CBT"


def test_recurrent_layers():
    net, L, Y = run(dl.sequenceInputLayer(4), dl.lstmLayer(3), SEQ)
    H0 = np.zeros((3, 1), dtype="float32")
    expected, _, _ = dl.lstm(SEQ, H0, H0, L["lstm", "InputWeights"],
                             L["lstm", "RecurrentWeights"], L["lstm", "Bias"])
    assert Y.fmt == "CBT" and Y.shape == (3, 3, 5)
    close(Y, expected)
    net, L, Y = run(dl.sequenceInputLayer(4),
                    dl.gruLayer(2, reset_gate_mode="recurrent-bias-after-multiplication",
                                output_mode="last"), SEQ)
    assert L["gru", "Bias"].shape == (12, 1)
    expected, h = dl.gru(SEQ, np.zeros((2, 1), dtype="float32"), L["gru", "InputWeights"],
                         L["gru", "RecurrentWeights"], L["gru", "Bias"],
                         reset_gate_mode="recurrent-bias-after-multiplication")
    assert Y.fmt == "CB"
    close(Y, h)


def test_embedding_layer():
    idx = dlarray(rng(5).integers(0, 7, (1, 2, 4)).astype("float32"), "CBT")
    net, L, Y = run(dl.sequenceInputLayer(1), dl.embeddingLayer(3, 7), idx)
    assert Y.fmt == "CBT" and Y.shape == (3, 2, 4)
    close(Y, dl.embed(idx, L["embedding", "Weights"]))


def test_project_and_reshape_is_column_major():
    net, L, Y = run(dl.featureInputLayer(4), dl.projectAndReshapeLayer((2, 3, 2)), FEAT)
    assert Y.fmt == "SSCB" and Y.shape == (2, 3, 2, 3)
    flat = extractdata(dl.fullyconnect(FEAT, L["proj", "Weights"], L["proj", "Bias"]))
    np.testing.assert_allclose(extractdata(Y)[..., 0], flat[:, 0].reshape((2, 3, 2), order="F"),
                               rtol=1e-6)


def test_concatenation_and_addition():
    g = dl.layerGraph([dl.featureInputLayer(4, name="a"), dl.concatenationLayer("C", name="c")])
    g = dl.addLayers(g, [dl.featureInputLayer(2, name="b")])
    g = dl.connectLayers(g, "b", "c/in2")
    B = dlarray(np.ones((2, 3), dtype="float32"), "CB")
    Y = dl.predict(dl.dlnetwork(g), FEAT, B)
    close(Y, np.concatenate([FEAT, B], axis=0))
    g = dl.layerGraph([dl.featureInputLayer(4, name="a"), dl.concatenationLayer(1, name="c")])
    g = dl.connectLayers(dl.addLayers(g, dl.featureInputLayer(4, name="b")), "b", "c/in2")
    assert dl.predict(dl.dlnetwork(g), FEAT, FEAT).shape == (4, 6)
    g = dl.layerGraph([dl.featureInputLayer(4, name="a"), dl.additionLayer(3, name="s")])
    g = dl.addLayers(g, dl.featureInputLayer(4, name="b"))
    g = dl.connectLayers(dl.connectLayers(g, "b", "s/in2"), "a", "s/in3")
    close(dl.predict(dl.dlnetwork(g), FEAT, FEAT), 3 * FEAT)


def test_custom_initializers_and_initial_values():
    net = dl.dlnetwork([dl.featureInputLayer(3),
                        dl.fullyConnectedLayer(2, weights_initializer=lambda sz: np.full(sz, 0.5),
                                               bias_initializer="ones")])
    np.testing.assert_array_equal(extractdata(net.learnables["fc", "Weights"]), 0.5)
    np.testing.assert_array_equal(extractdata(net.learnables["fc", "Bias"]), 1)
    assert net.learnables["fc", "Weights"].dtype == np.float32
    net = dl.dlnetwork([dl.featureInputLayer(3), dl.fullyConnectedLayer(2,
                                                                        weights_initializer="he")],
                       rng=rng())
    assert net.learnables["fc", "Weights"].shape == (2, 3)


@pytest.mark.parametrize("make, error, match", [
    (lambda: dl.fullyConnectedLayer(0), ValueError, "fullyConnectedLayer: output_size must be "
                                                    "positive; got 0"),
    (lambda: dl.convolution2dLayer(0, 3), ValueError,
     r"convolution2dLayer: filter_size\[0\] must be positive; got 0"),
    (lambda: dl.convolution2dLayer(3, -2), ValueError, "convolution2dLayer: num_filters must be "
                                                       "positive; got -2"),
    (lambda: dl.convolution2dLayer(3, 2, padding="valid"), ValueError,
     "convolution2dLayer: padding must be one of 'same'"),
    (lambda: dl.convolution2dLayer(3, 2, weights_initializer="xavier"), ValueError,
     "convolution2dLayer: weights_initializer must be one of"),
    (lambda: dl.imageInputLayer((28, 0)), ValueError,
     r"imageInputLayer: input_size\[1\] must be positive; got 0"),
    (lambda: dl.imageInputLayer(28), TypeError, "imageInputLayer: input_size must be"),
    (lambda: dl.imageInputLayer((4, 4), normalization="zerocenter"), ValueError,
     "imageInputLayer: mean must be given for normalization='zerocenter'"),
    (lambda: dl.featureInputLayer(0), ValueError, "featureInputLayer: num_features must be "
                                                  "positive"),
    (lambda: dl.sequenceInputLayer(-1), ValueError, "sequenceInputLayer: input_size must be "
                                                    "positive"),
    (lambda: dl.lstmLayer(0), ValueError, "lstmLayer: num_hidden_units must be positive"),
    (lambda: dl.lstmLayer(4, output_mode="all"), ValueError, "lstmLayer: output_mode must be "
                                                             "one of"),
    (lambda: dl.gruLayer(4, reset_gate_mode="x"), ValueError, "gruLayer: reset_gate_mode must "
                                                              "be one of"),
    (lambda: dl.gruLayer(4, bias_initializer="unit-forget-gate"), ValueError,
     "gruLayer: bias_initializer must be one of"),
    (lambda: dl.embeddingLayer(0, 10), ValueError, "embeddingLayer: embedding_dimension must "
                                                   "be positive"),
    (lambda: dl.dropoutLayer(1.0), ValueError, "dropoutLayer: probability must be < 1"),
    (lambda: dl.dropoutLayer(0.5, rng=1), TypeError, "dropoutLayer: rng must be a"),
    (lambda: dl.additionLayer(1), ValueError, "additionLayer: num_inputs must be at least 2"),
    (lambda: dl.concatenationLayer("Q"), ValueError, "concatenationLayer: dim must be one of"),
    (lambda: dl.projectAndReshapeLayer((4, 4)), TypeError, "projectAndReshapeLayer: "
                                                           "output_size must be"),
    (lambda: dl.maxPooling2dLayer(2, stride=0), ValueError,
     r"maxPooling2dLayer: stride\[0\] must be positive"),
    (lambda: dl.batchNormalizationLayer(epsilon=0), ValueError,
     "batchNormalizationLayer: epsilon must be > 0"),
    (lambda: dl.reluLayer(name="a/b"), ValueError, "reluLayer: name must not contain '/'"),
])
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_channel_count_mismatch_names_the_layer():
    with pytest.raises(ValueError, match=r"dlnetwork: layer 'conv' \(convolution2dLayer\) "
                                         r"cannot take its input \(in from 'imageinput' "
                                         r"6\(S\)×6\(S\)×3\(C\)×1\(B\)\): input of layer "
                                         r"'conv' must have num_channels=2 channels; got 3 "
                                         r"channels"):
        dl.dlnetwork([img_in(), dl.convolution2dLayer(3, 4, num_channels=2)])


def test_layer_repr_and_options():
    layer = dl.convolution2dLayer(3, 8, padding="same", name="c")
    assert repr(layer).startswith("convolution2dLayer(filter_size=(3, 3), num_filters=8")
    assert layer.options["padding"] == "same"
    assert dl.additionLayer().num_inputs == 2
