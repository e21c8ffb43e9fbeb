"""The word embedding layer: integer word indices to learned vectors."""

from ... import _checks
from ... import init as _init
from ... import ops as _ops
from ...core import dlarray
from ._base import Layer, LayerCase, _initializer, _make, _set_initial, register


class _Embedding(Layer):
    constructor = "embeddingLayer"
    default_name = "embedding"
    description = "Word embedding"
    learnable_names = ("Weights",)

    def _init_learnables(self, inputs, rng):
        o = self._options
        shape = (o["embedding_dimension"], o["num_words"])
        return {"Weights": _make(o["weights_initializer"], shape, rng,
                                 _init.fan_in_out("embedding", shape))}

    def _forward(self, inputs, params, state, training):
        return _ops.embed(inputs[0], params["Weights"]), {}


def _sample_embedding(rng, dtype, n):
    X = dlarray(rng.integers(0, 7, (1, n, 4)).astype(dtype), "CBT")
    return [LayerCase("sequences", embeddingLayer(3, 7), (X,))]


def _embedding_reference(layer, inputs, learnables, state):
    return _ops.embed(inputs[0], learnables["Weights"])


@register(sample=_sample_embedding, reference=_embedding_reference)
def embeddingLayer(embedding_dimension, num_words, *, weights_initializer="narrow-normal",
                   weights=None, name=""):
    """Create a word embedding layer: ``Y = embed(X, Weights)``, one column per word index.

    .. math:: Y_{:, n, t} = W_{:, x_{n,t}}

    Parameters
    ----------
    embedding_dimension : int, D
    num_words : int, V
    weights_initializer : default "narrow-normal" (Gaussian, mean 0, std 0.01)
    weights : array (D, V), optional
    name : str, default ""

    Returns
    -------
    layer : Layer with learnable Weights (D, V); input 0-based word indices (e.g. "CBT" with
        C = 1 from ``sequenceInputLayer(1)``), output with a C dimension of size D

    Raises
    ------
    ValueError
        Non-positive sizes.

    Notes
    -----
    Indices are 0-based (MATLAB's are 1-based).

    MATLAB compatibility
    --------------------
    ``wordEmbeddingLayer(dimension, numWords)`` (Text Analytics Toolbox); renamed here.

    Examples
    --------
    >>> embeddingLayer(8, 100).options["num_words"]
    100
    """
    func = "embeddingLayer"
    layer = _Embedding(
        name, embedding_dimension=_checks.positive_int(func, "embedding_dimension",
                                                       embedding_dimension),
        num_words=_checks.positive_int(func, "num_words", num_words),
        weights_initializer=_initializer(func, "weights_initializer", weights_initializer))
    return _set_initial(layer, func, Weights=weights)
