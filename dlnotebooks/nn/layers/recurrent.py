"""Recurrent layers: LSTM and GRU over "CBT" sequences; their hidden states are network state."""

from ... import _checks
from ... import init as _init
from ... import ops as _ops
from ._base import (_INITIALIZERS, Layer, LayerCase, _channels, _detach, _initializer, _make,
                    register, sample_input)


class _Recurrent(Layer):
    learnable_names = ("InputWeights", "RecurrentWeights", "Bias")
    gates = 4

    def _init_learnables(self, inputs, rng):
        X = inputs[0]
        C = _channels(X, "initialize", self)
        H = self._options["num_hidden_units"]
        G = self.gates
        o = self._options
        bias_rows = 2 * G * H if o.get("reset_gate_mode") == \
            "recurrent-bias-after-multiplication" else G * H
        kind = "lstm" if G == 4 else "gru"
        return {
            "InputWeights": _make(o["input_weights_initializer"], (G * H, C), rng,
                                  _init.fan_in_out(kind, (G * H, C))),
            "RecurrentWeights": _make(o["recurrent_weights_initializer"], (G * H, H), rng,
                                      _init.fan_in_out(kind, (G * H, H))),
            "Bias": _make(o["bias_initializer"], (bias_rows, 1), rng, (1, 1)),
        }

    def _init_state(self, inputs, learnables):
        H = self._options["num_hidden_units"]
        return {name: _init.zeros((H, 1)) for name in self.state_names}

    def _initial_states(self, X, state):
        N = X.shape[X.fmt.index("B")] if "B" in X.fmt else 1
        out = []
        for key in self.state_names:
            value = state[key]
            n = value.shape[-1] if value.ndim == 2 else 1
            if n not in (1, N):
                raise _checks.fail(
                    "forward", "state", f"{key} of layer '{self.name}' has batch size {n} but "
                    f"the input has {N} observations", f"shape {value.shape}",
                    "Call resetState(net) before a batch of another size.")
            out.append(value)
        return out

    def _finish(self, Y, new_states, training):
        if self._options["output_mode"] == "last" and "T" in Y.fmt:
            Y = Y[(slice(None),) * Y.fmt.index("T") + (-1,)]
        state = {k: _detach(v) for k, v in zip(self.state_names, new_states)}
        return Y, state


class _Lstm(_Recurrent):
    constructor = "lstmLayer"
    default_name = "lstm"
    description = "LSTM"
    state_names = ("HiddenState", "CellState")

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        H0, C0 = self._initial_states(X, state)
        Y, h, c = _ops.lstm(X, H0, C0, params["InputWeights"], params["RecurrentWeights"],
                            params["Bias"], **_activation_options(self._options))
        return self._finish(Y, (h, c), training)


class _Gru(_Recurrent):
    constructor = "gruLayer"
    default_name = "gru"
    description = "GRU"
    state_names = ("HiddenState",)
    gates = 3

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        (H0,) = self._initial_states(X, state)
        Y, h = _ops.gru(X, H0, params["InputWeights"], params["RecurrentWeights"],
                        params["Bias"], reset_gate_mode=self._options["reset_gate_mode"],
                        **_activation_options(self._options))
        return self._finish(Y, (h,), training)


_ACTIVATIONS = ("state_activation_function", "gate_activation_function")


def _activation_options(options):
    return {key: options[key] for key in _ACTIVATIONS}


def _recurrent_options(func, num_hidden_units, output_mode, iw, rw, b, bias_choices,
                       state_activation_function, gate_activation_function):
    return {"num_hidden_units": _checks.positive_int(func, "num_hidden_units",
                                                     num_hidden_units),
            "state_activation_function": _checks.choice(
                func, "state_activation_function", state_activation_function,
                ("tanh", "softsign", "relu")),
            "gate_activation_function": _checks.choice(
                func, "gate_activation_function", gate_activation_function,
                ("sigmoid", "hard-sigmoid")),
            "output_mode": _checks.choice(func, "output_mode", output_mode,
                                          ("sequence", "last")),
            "input_weights_initializer": _initializer(func, "input_weights_initializer", iw),
            "recurrent_weights_initializer": _initializer(func,
                                                          "recurrent_weights_initializer", rw),
            "bias_initializer": _initializer(func, "bias_initializer", b, bias_choices)}


def _last_step(layer, Y):
    return Y[:, :, -1] if layer.options["output_mode"] == "last" else Y


def _sample_lstm(rng, dtype, n):
    X = sample_input(rng, dtype, (3, n, 4), "CBT")
    return [LayerCase("sequence", lstmLayer(2), (X,)),
            LayerCase("last", lstmLayer(3, output_mode="last"), (X,)),
            LayerCase("softsign-hard-sigmoid", lstmLayer(
                2, state_activation_function="softsign",
                gate_activation_function="hard-sigmoid"), (X,))]


def _lstm_reference(layer, inputs, learnables, state):
    Y, _, _ = _ops.lstm(inputs[0], state["HiddenState"], state["CellState"],
                        learnables["InputWeights"], learnables["RecurrentWeights"],
                        learnables["Bias"], **_activation_options(layer.options))
    return _last_step(layer, Y)


@register(sample=_sample_lstm, reference=_lstm_reference, rtol=1e-5)
def lstmLayer(num_hidden_units, *, output_mode="sequence", input_weights_initializer="glorot",
              recurrent_weights_initializer="orthogonal", bias_initializer="unit-forget-gate",
              state_activation_function="tanh", gate_activation_function="sigmoid", name=""):
    """Create an LSTM layer: ``Y, h, c = lstm(X, HiddenState, CellState, ...)``.

    Gates in MATLAB's order (input, forget, cell candidate, output), each a block of
    ``num_hidden_units`` rows.

    .. math:: c_t = f_t \\odot c_{t-1} + i_t \\odot g_t,\\qquad h_t = o_t \\odot \\tanh c_t

    Parameters
    ----------
    num_hidden_units : int, H
    output_mode : {"sequence", "last"}, default "sequence"
        "sequence": output "CBT" (H, N, T); "last": the last time step, "CB" (H, N).
    input_weights_initializer : default "glorot"
    recurrent_weights_initializer : default "orthogonal"
    bias_initializer : default "unit-forget-gate"
    state_activation_function : {"tanh", "softsign", "relu"}, default "tanh"
        Activation of the cell candidate and the state (see :func:`dlnotebooks.lstm`).
    gate_activation_function : {"sigmoid", "hard-sigmoid"}, default "sigmoid"
        Activation of the gates.
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables InputWeights (4H, C), RecurrentWeights (4H, H), Bias (4H, 1)
        and state HiddenState, CellState (zeros (H, 1) at first)

    Raises
    ------
    ValueError
        Non-positive H; unknown output mode or initializer.

    Notes
    -----
    Like MATLAB, the network state carries the final hidden and cell states: ``forward``
    returns them (shape (H, N)) and the next call starts from the stored state when you
    assign it (``net.state = state``). Call ``resetState(net)`` to start from zeros again;
    a stored state whose batch size differs from the input's (and is not 1) is an error.

    MATLAB compatibility
    --------------------
    ``lstmLayer(numHiddenUnits, OutputMode=..., InputWeightsInitializer=...,
    RecurrentWeightsInitializer=..., BiasInitializer=..., StateActivationFunction=...,
    GateActivationFunction=...)``.

    Examples
    --------
    >>> lstmLayer(8, output_mode="last").state_names
    ('HiddenState', 'CellState')
    """
    func = "lstmLayer"
    return _Lstm(name, **_recurrent_options(func, num_hidden_units, output_mode,
                                            input_weights_initializer,
                                            recurrent_weights_initializer, bias_initializer,
                                            _INITIALIZERS + ("unit-forget-gate",),
                                            state_activation_function,
                                            gate_activation_function))


def _sample_gru(rng, dtype, n):
    X = sample_input(rng, dtype, (3, n, 4), "CBT")
    return [LayerCase("sequence", gruLayer(2), (X,)),
            LayerCase("last-bias-after", gruLayer(
                3, output_mode="last", reset_gate_mode="recurrent-bias-after-multiplication"),
                (X,)),
            LayerCase("relu-hard-sigmoid", gruLayer(
                2, state_activation_function="relu", gate_activation_function="hard-sigmoid"),
                (X,))]


def _gru_reference(layer, inputs, learnables, state):
    Y, _ = _ops.gru(inputs[0], state["HiddenState"], learnables["InputWeights"],
                    learnables["RecurrentWeights"], learnables["Bias"],
                    reset_gate_mode=layer.options["reset_gate_mode"],
                    **_activation_options(layer.options))
    return _last_step(layer, Y)


@register(sample=_sample_gru, reference=_gru_reference, rtol=1e-5)
def gruLayer(num_hidden_units, *, output_mode="sequence",
             reset_gate_mode="after-multiplication", input_weights_initializer="glorot",
             recurrent_weights_initializer="orthogonal", bias_initializer="zeros",
             state_activation_function="tanh", gate_activation_function="sigmoid", name=""):
    """Create a GRU layer: ``Y, h = gru(X, HiddenState, ...)``.

    Gates in the order reset, update, candidate.

    .. math:: h_t = (1 - z_t) \\odot \\tilde h_t + z_t \\odot h_{t-1}

    Parameters
    ----------
    num_hidden_units : int, H
    output_mode : {"sequence", "last"}, default "sequence"
    reset_gate_mode : {"after-multiplication", "before-multiplication",
        "recurrent-bias-after-multiplication"}, default "after-multiplication"
    input_weights_initializer : default "glorot"
    recurrent_weights_initializer : default "orthogonal"
    bias_initializer : default "zeros"
    state_activation_function : {"tanh", "softsign", "relu"}, default "tanh"
        Activation of the cell candidate and the state (see :func:`dlnotebooks.lstm`).
    gate_activation_function : {"sigmoid", "hard-sigmoid"}, default "sigmoid"
        Activation of the gates.
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables InputWeights (3H, C), RecurrentWeights (3H, H), Bias (3H, 1)
        (6H, 1 for "recurrent-bias-after-multiplication") and state HiddenState (H, 1)

    Raises
    ------
    ValueError
        Non-positive H; unknown mode or initializer.

    Notes
    -----
    The state behaves as for :func:`lstmLayer`.

    MATLAB compatibility
    --------------------
    ``gruLayer(numHiddenUnits, OutputMode=..., ResetGateMode=..., StateActivationFunction=...,
    GateActivationFunction=...)``.

    Examples
    --------
    >>> gruLayer(4).learnable_names
    ('InputWeights', 'RecurrentWeights', 'Bias')
    """
    func = "gruLayer"
    opts = _recurrent_options(func, num_hidden_units, output_mode, input_weights_initializer,
                              recurrent_weights_initializer, bias_initializer, _INITIALIZERS,
                              state_activation_function, gate_activation_function)
    opts["reset_gate_mode"] = _checks.choice(
        func, "reset_gate_mode", reset_gate_mode,
        ("after-multiplication", "before-multiplication", "recurrent-bias-after-multiplication"))
    return _Gru(name, **opts)
