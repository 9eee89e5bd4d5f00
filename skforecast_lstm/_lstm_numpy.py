"""NumPy float64 forward pass of LSTM units and of Keras LSTM/Dense stacks.

Two recurrences live here. :func:`run_units` steps many independent single
LSTM units at once, with element-wise weights and optional peepholes.
:func:`run_lstm_layer` steps one Keras LSTM layer, with full weight matrices
and no peepholes, with the equations and gate order of Keras 3's
``LSTMCell``. :func:`read_keras_network` copies the weights and activations
of a chain of Keras LSTM and Dense layers into NumPy arrays. Keras is
imported inside that function only, so importing this module stays cheap.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import erfc

# Names of the per-step quantities of an LSTM, in the order of the Keras gate
# blocks (input, forget, candidate, output) followed by the two states.
QUANTITIES = (
    "input_gate",
    "forget_gate",
    "candidate",
    "cell_state",
    "output_gate",
    "hidden_state",
)

# Number of float64 values in one block of precomputed input projections
# of run_units (8 MiB).
_BLOCK_ELEMENTS = 1 << 20

# Constants of keras.activations.selu (Klambauer et al. 2017).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _linear(x):
    return x


def _sigmoid_into(x, out):
    # 1 / (1 + exp(-x)) through one exp and in-place steps. On 10,000 values
    # with NumPy 2.4 on x86-64 (AVX2) this measured about 1.2 times faster
    # than scipy.special.expit. exp overflows to inf for x < -709, and the
    # result is then exactly 0.
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _tanh_into(x, out):
    # 1 - 2 / (exp(2x) + 1) needs one exp. On 10,000 values with NumPy 2.4
    # on x86-64 (AVX2) it measured about 2 times faster than np.tanh, and
    # it differed from np.tanh by at most 4e-16 on [-800, 800].
    np.multiply(x, 2.0, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.divide(2.0, out, out=out)
    return np.subtract(1.0, out, out=out)


def _sigmoid(x):
    return _sigmoid_into(x, np.empty(np.shape(x)))


def _tanh(x):
    return _tanh_into(x, np.empty(np.shape(x)))


def _relu(x):
    return np.maximum(x, 0.0)


def _relu6(x):
    return np.clip(x, 0.0, 6.0)


def _leaky_relu(x):
    # keras.activations.leaky_relu uses negative_slope=0.2 by default.
    return np.where(x >= 0.0, x, 0.2 * x)


def _elu(x):
    return np.where(x > 0.0, x, np.expm1(np.minimum(x, 0.0)))


def _selu(x):
    negative = _SELU_ALPHA * np.expm1(np.minimum(x, 0.0))
    return _SELU_SCALE * np.where(x > 0.0, x, negative)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _softsign(x):
    return x / (1.0 + np.abs(x))


def _hard_sigmoid(x):
    # Keras 3 defines hard_sigmoid as relu6(x + 3) / 6, that is x / 6 + 0.5
    # clipped to [0, 1]. Keras 2 used 0.2 * x + 0.5, which differs.
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _hard_silu(x):
    return x * _hard_sigmoid(x)


def _silu(x):
    return x * _sigmoid(x)


def _gelu(x):
    # keras.activations.gelu defaults to the exact form (approximate=False).
    # erfc keeps the left tail accurate, where 1 + erf(x) loses digits.
    return 0.5 * x * erfc(-x / np.sqrt(2.0))


def _mish(x):
    return x * _tanh(_softplus(x))


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _hard_tanh(x):
    return np.clip(x, -1.0, 1.0)


def _tanh_shrink(x):
    return x - _tanh(x)


def _soft_shrink(x):
    # keras.activations.soft_shrink uses threshold=0.5 by default.
    return np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0))


def _hard_shrink(x):
    # keras.activations.hard_shrink uses threshold=0.5 by default.
    return np.where(np.abs(x) > 0.5, x, 0.0)


def _sparse_plus(x):
    return np.where(x <= -1.0, 0.0, np.where(x >= 1.0, x, 0.25 * (x + 1.0) ** 2))


def _sparse_sigmoid(x):
    return np.clip(0.5 * (x + 1.0), 0.0, 1.0)


def _squareplus(x):
    # keras.activations.squareplus uses b=4 by default.
    return 0.5 * (x + np.sqrt(x * x + 4.0))


def _celu(x):
    # keras.activations.celu uses alpha=1 by default, where it equals elu.
    return _elu(x)


def _softmax(x):
    shifted = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


def _log_softmax(x):
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


# NumPy versions of the element-wise Keras 3 activations, with Keras's
# default arguments, keyed by their names in keras.activations.
ELEMENTWISE_ACTIVATIONS = {
    "linear": _linear,
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "sparse_sigmoid": _sparse_sigmoid,
    "log_sigmoid": _log_sigmoid,
    "tanh": _tanh,
    "hard_tanh": _hard_tanh,
    "tanh_shrink": _tanh_shrink,
    "relu": _relu,
    "relu6": _relu6,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "celu": _celu,
    "selu": _selu,
    "softplus": _softplus,
    "sparse_plus": _sparse_plus,
    "squareplus": _squareplus,
    "softsign": _softsign,
    "soft_shrink": _soft_shrink,
    "hard_shrink": _hard_shrink,
    "silu": _silu,
    "swish": _silu,
    "hard_silu": _hard_silu,
    "hard_swish": _hard_silu,
    "gelu": _gelu,
    "mish": _mish,
    "exponential": np.exp,
}

# Activations that normalise along the last axis. A Keras LSTM applies them
# across the units of a layer, so they make sense for network layers but not
# for independent single units.
ACTIVATIONS = {
    **ELEMENTWISE_ACTIVATIONS,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
}


def run_units(
    inputs,
    input_weights,
    recurrent_weights,
    bias,
    peephole_weights,
    gate_activation,
    cell_activation,
    initial_state=None,
    record=True,
):
    """Step independent single LSTM units through a sequence of inputs.

    Each unit has one input and its own scalar weights, so every operation is
    element-wise and all units advance together; only time is looped over.
    With peepholes the input and forget gates read ``c[t-1]`` and the output
    gate reads ``c[t]`` (Gers and Schmidhuber, 2000).

    Parameters
    ----------
    inputs : ndarray of shape (n_steps, ...)
        Input at each step. The trailing shape broadcasts against
        ``(n_units,)``: ``(n_steps, n_units)`` gives each unit its own
        sequence, ``(n_steps, n_rows, 1)`` runs ``n_rows`` sequences through
        every unit.
    input_weights, recurrent_weights, bias : ndarray of shape (4, n_units)
        Rows in gate order input, forget, candidate, output.
    peephole_weights : ndarray of shape (3, n_units) or None
        Rows for the input, forget and output gates. None means no
        peepholes.
    gate_activation, cell_activation : str
        Keys of :data:`ELEMENTWISE_ACTIVATIONS`. The cell activation squashes
        both the candidate and the cell state on its way to the output.
    initial_state : tuple of (h0, c0) or None
        Hidden and cell state before the first step, broadcastable to the
        state shape. None starts both at zero.
    record : bool
        Whether to store every quantity at every step.

    Returns
    -------
    paths : dict of str to ndarray of shape (n_steps, *state_shape)
        Every quantity of :data:`QUANTITIES` at every step, views of one
        array. Empty when ``record`` is False.
    final : dict of str to ndarray of shape state_shape
        All six quantities after the last step.
    """
    n_steps = inputs.shape[0]
    if n_steps < 1:
        raise ValueError(
            f"inputs must contain at least one step, got shape {inputs.shape}."
        )
    state_shape = np.broadcast_shapes(inputs.shape[1:], input_weights.shape[1:])
    h = np.zeros(state_shape)
    c = np.zeros(state_shape)
    if initial_state is not None:
        h = h + initial_state[0]
        c = c + initial_state[1]

    # Give the weights the state's number of axes, units last, after the
    # gate axis, and the inputs a gate axis.
    unit_axes = (1,) * (len(state_shape) - 1) + (input_weights.shape[-1],)
    input_weights = input_weights.reshape((4,) + unit_axes)
    recurrent_weights = recurrent_weights.reshape((4,) + unit_axes)
    bias = bias.reshape((4,) + unit_axes)
    if peephole_weights is not None:
        peephole_weights = peephole_weights.reshape((3,) + unit_axes)
    batch_axes = (1,) * (len(state_shape) - inputs.ndim + 1) + inputs.shape[1:]
    inputs = inputs.reshape((n_steps, 1) + batch_axes)

    gate = _activation_into(gate_activation)
    squash = _activation_into(cell_activation)
    n_state = int(np.prod(state_shape))
    # Each step writes its six quantities, in the order of QUANTITIES, into
    # one (6, *state_shape) slot: a row of the record, or one of two
    # alternating scratch slots when only the final step is kept.
    if record:
        slots = np.empty((n_steps, len(QUANTITIES)) + state_shape)
    else:
        slots = np.empty((2, len(QUANTITIES)) + state_shape)
    scratch = np.empty((4,) + state_shape)
    # The input part x * w + b of all four gates does not depend on the
    # state, so it is computed for a block of steps at a time, with the
    # gates on axis 1.
    block = max(1, _BLOCK_ELEMENTS // (4 * n_state))
    for start in range(0, n_steps, block):
        steps = inputs[start : start + block]
        projected = steps * input_weights + bias
        for offset in range(len(steps)):
            t = start + offset
            out = slots[t] if record else slots[t % 2]
            _unit_step(
                projected[offset],
                h,
                c,
                recurrent_weights,
                peephole_weights,
                gate,
                squash,
                out,
                scratch,
            )
            c = out[3]
            h = out[5]
    final = {name: out[index].copy() for index, name in enumerate(QUANTITIES)}
    paths = {}
    if record:
        paths = {name: slots[:, index] for index, name in enumerate(QUANTITIES)}
    return paths, final


def _activation_into(name):
    """Return a function (x, out) that writes activation ``name`` into out."""
    if name == "sigmoid":
        return _sigmoid_into
    if name == "tanh":
        return _tanh_into
    function = ELEMENTWISE_ACTIVATIONS[name]

    def activation_into(x, out):
        out[...] = function(x)
        return out

    return activation_into


def _unit_step(
    z, h, c, recurrent_weights, peephole_weights, gate, squash, out, scratch
):
    """Advance single units one step, writing (i, f, g, c, o, h) into ``out``.

    ``z`` contains x * w + b of the four gates on axis 0 and is overwritten,
    as is ``scratch``, a (4, *state_shape) buffer. ``out`` must not share
    memory with ``h`` or ``c``.
    """
    np.multiply(recurrent_weights, h, out=scratch)
    z += scratch
    if peephole_weights is not None:
        np.multiply(peephole_weights[:2], c, out=scratch[:2])
        z[:2] += scratch[:2]
    gate(z[:2], out[:2])
    squash(z[2], out[2])
    input_gate, forget_gate, candidate, cell = out[0], out[1], out[2], out[3]
    np.multiply(forget_gate, c, out=cell)
    np.multiply(input_gate, candidate, out=scratch[0])
    cell += scratch[0]
    if peephole_weights is not None:
        np.multiply(peephole_weights[2], cell, out=scratch[0])
        z[3] += scratch[0]
    gate(z[3], out[4])
    squash(cell, scratch[0])
    np.multiply(out[4], scratch[0], out=out[5])


@dataclass(frozen=True)
class LSTMLayerWeights:
    """Float64 copy of one Keras LSTM layer's weights and activations."""

    name: str
    kernel: np.ndarray  # (n_inputs, 4 * units), gate blocks i, f, c, o
    recurrent_kernel: np.ndarray  # (units, 4 * units)
    bias: np.ndarray | None  # (4 * units,), None when use_bias=False
    activation: str
    recurrent_activation: str

    @property
    def units(self):
        return self.recurrent_kernel.shape[0]


@dataclass(frozen=True)
class DenseLayerWeights:
    """Float64 copy of one Keras Dense layer's weights and activation."""

    name: str
    kernel: np.ndarray  # (n_inputs, n_outputs)
    bias: np.ndarray | None  # (n_outputs,), None when use_bias=False
    activation: str


@dataclass(frozen=True)
class NetworkWeights:
    """LSTM layers, then Dense layers, read from a Keras model."""

    name: str
    lstm_layers: tuple
    dense_layers: tuple
    n_timesteps: int | None  # None when the model accepts any length
    n_channels: int

    @property
    def n_outputs(self):
        if self.dense_layers:
            return self.dense_layers[-1].kernel.shape[1]
        return self.lstm_layers[-1].units


def run_lstm_layer(inputs, layer, initial_state=None):
    """Step one LSTM layer through a batch of sequences.

    Parameters
    ----------
    inputs : ndarray of shape (n_sequences, n_steps, n_inputs)
    layer : LSTMLayerWeights
    initial_state : tuple of (h0, c0) or None
        Each broadcastable to ``(n_sequences, units)``. None starts at zero.

    Returns
    -------
    dict of str to ndarray of shape (n_sequences, n_steps, units)
        Every quantity of :data:`QUANTITIES` at every step.
    """
    n_sequences, n_steps, _ = inputs.shape
    units = layer.units
    gate = ACTIVATIONS[layer.recurrent_activation]
    squash = ACTIVATIONS[layer.activation]
    h = np.zeros((n_sequences, units))
    c = np.zeros((n_sequences, units))
    if initial_state is not None:
        h = h + initial_state[0]
        c = c + initial_state[1]

    # The input projection does not depend on the state, so it is done for
    # all steps in one product.
    projected = inputs @ layer.kernel
    if layer.bias is not None:
        projected += layer.bias
    paths = {name: np.empty((n_sequences, n_steps, units)) for name in QUANTITIES}
    for t in range(n_steps):
        z = projected[:, t] + h @ layer.recurrent_kernel
        i = gate(z[:, :units])
        f = gate(z[:, units : 2 * units])
        g = squash(z[:, 2 * units : 3 * units])
        o = gate(z[:, 3 * units :])
        c = f * c + i * g
        h = o * squash(c)
        paths["input_gate"][:, t] = i
        paths["forget_gate"][:, t] = f
        paths["candidate"][:, t] = g
        paths["cell_state"][:, t] = c
        paths["output_gate"][:, t] = o
        paths["hidden_state"][:, t] = h
    return paths


def run_dense_layer(inputs, layer):
    """Apply one Dense layer to ``inputs`` of shape (n_rows, n_inputs)."""
    z = inputs @ layer.kernel
    if layer.bias is not None:
        z = z + layer.bias
    return ACTIVATIONS[layer.activation](z)


def run_network(network, inputs, initial_states=None):
    """Run LSTM layers, then Dense layers, on a batch of windows.

    Parameters
    ----------
    network : NetworkWeights
    inputs : ndarray of shape (n_windows, n_steps, n_channels)
    initial_states : list of (h0, c0) or None
        One pair per LSTM layer, or None to start every layer at zero.

    Returns
    -------
    layer_paths : list of dict
        Per LSTM layer, the output of :func:`run_lstm_layer`.
    outputs : ndarray of shape (n_windows, n_outputs)
        The network output after the last step.
    """
    layer_paths = []
    sequence = inputs
    for index, layer in enumerate(network.lstm_layers):
        state = None if initial_states is None else initial_states[index]
        paths = run_lstm_layer(sequence, layer, state)
        layer_paths.append(paths)
        sequence = paths["hidden_state"]
    outputs = sequence[:, -1]
    for layer in network.dense_layers:
        outputs = run_dense_layer(outputs, layer)
    return layer_paths, outputs


def _activation_name(function, keras, layer_name, argument):
    """Return the name under which ``function`` is a Keras activation."""
    for name in ACTIVATIONS:
        if function is keras.activations.get(name):
            return name
    supported = ", ".join(sorted(ACTIVATIONS))
    raise ValueError(
        f"Layer {layer_name!r} has {argument}={function!r}, which has no NumPy "
        f"version here. Rebuild the layer with one of the Keras activations "
        f"{supported}, passed by name or as keras.activations.<name>."
    )


def _to_float64(variable):
    return np.array(variable.numpy(), dtype=np.float64)


def _first_output(layer):
    """Return the main output tensor of a layer (the first with return_state)."""
    output = layer.output
    if isinstance(output, (list, tuple)):
        return output[0]
    return output


def _read_lstm(layer, keras):
    if layer.go_backwards:
        raise ValueError(
            f"LSTM layer {layer.name!r} has go_backwards=True, which the "
            f"impulse response does not support. Use a layer with "
            f"go_backwards=False."
        )
    cell = layer.cell
    bias = _to_float64(cell.bias) if cell.use_bias else None
    return LSTMLayerWeights(
        name=layer.name,
        kernel=_to_float64(cell.kernel),
        recurrent_kernel=_to_float64(cell.recurrent_kernel),
        bias=bias,
        activation=_activation_name(cell.activation, keras, layer.name, "activation"),
        recurrent_activation=_activation_name(
            cell.recurrent_activation, keras, layer.name, "recurrent_activation"
        ),
    )


def _read_dense(layer, keras):
    bias = _to_float64(layer.bias) if layer.use_bias else None
    return DenseLayerWeights(
        name=layer.name,
        kernel=_to_float64(layer.kernel),
        bias=bias,
        activation=_activation_name(layer.activation, keras, layer.name, "activation"),
    )


def read_keras_network(model):
    """Copy the weights of a Keras model made of LSTM, then Dense, layers.

    The model must be built, take one input of shape (n_timesteps,
    n_channels) and consist of a single chain: one or more
    ``keras.layers.LSTM`` layers, the last with ``return_sequences=False``,
    then zero or more ``keras.layers.Dense`` layers. Dropout layers anywhere
    in the chain are skipped, as at inference. A stateful layer's stored
    state is not read.

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If the model is not built, branches, or contains another kind of
        layer.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model must be a fitted LSTMRegressor or a keras.Model, got an "
            f"object of type {type(model).__name__}. For a Pipeline that ends "
            f"in an LSTMRegressor, pass pipeline[-1] and windows transformed "
            f"by pipeline[:-1]."
        )
    try:
        model_inputs = model.inputs
        model_outputs = model.outputs
    except (AttributeError, ValueError):
        model_inputs = None
        model_outputs = None
    if not model.built or not model_inputs or not model_outputs:
        raise ValueError(
            f"Keras model {model.name!r} is not built, so its input shape is "
            f"unknown. Start it with keras.Input(shape=(n_timesteps, "
            f"n_channels)) or call it once on data."
        )
    if len(model_inputs) != 1 or len(model_outputs) != 1:
        raise ValueError(
            f"Keras model {model.name!r} has {len(model_inputs)} inputs and "
            f"{len(model_outputs)} outputs. The impulse response needs one "
            f"input and one output."
        )
    input_shape = tuple(model_inputs[0].shape)
    if len(input_shape) != 3 or input_shape[2] is None:
        raise ValueError(
            f"Keras model {model.name!r} takes input of shape {input_shape}. "
            f"The impulse response needs (batch, n_timesteps, n_channels) "
            f"with a known n_channels."
        )

    lstm_layers = []
    dense_layers = []
    last_lstm = None
    expected_input = model_inputs[0]
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        # NOTE: layer.input is the input of the layer's first call, so a
        # layer first called in another graph is rejected here even when
        # this model uses it as a plain chain.
        if layer.input is not expected_input:
            raise ValueError(
                f"Layer {layer.name!r} of Keras model {model.name!r} does not "
                f"take the output of the layer before it. The impulse response "
                f"needs a single chain of layers without branches."
            )
        if isinstance(layer, keras.layers.LSTM):
            if dense_layers:
                raise ValueError(
                    f"LSTM layer {layer.name!r} follows a Dense layer. The "
                    f"impulse response needs all LSTM layers before the Dense "
                    f"layers."
                )
            lstm_layers.append(_read_lstm(layer, keras))
            last_lstm = layer
        elif isinstance(layer, keras.layers.Dense):
            if last_lstm is None:
                raise ValueError(
                    f"Dense layer {layer.name!r} comes before any LSTM layer. "
                    f"The impulse response needs the LSTM layers first."
                )
            dense_layers.append(_read_dense(layer, keras))
        elif not isinstance(layer, keras.layers.Dropout):
            raise ValueError(
                f"Layer {layer.name!r} of Keras model {model.name!r} is a "
                f"{type(layer).__name__}. The impulse response supports "
                f"keras.layers.LSTM layers followed by keras.layers.Dense "
                f"layers, with optional Dropout layers."
            )
        expected_input = _first_output(layer)
    if expected_input is not model_outputs[0]:
        raise ValueError(
            f"The output of Keras model {model.name!r} is not the output of "
            f"its last layer. The impulse response needs a single chain of "
            f"layers."
        )
    if last_lstm is None:
        raise ValueError(
            f"Keras model {model.name!r} has no keras.layers.LSTM layer."
        )
    if last_lstm.return_sequences:
        raise ValueError(
            f"The last LSTM layer {last_lstm.name!r} has return_sequences=True, "
            f"so the model outputs a sequence. The impulse response needs the "
            f"last LSTM layer to return only its final step "
            f"(return_sequences=False)."
        )
    return NetworkWeights(
        name=model.name,
        lstm_layers=tuple(lstm_layers),
        dense_layers=tuple(dense_layers),
        n_timesteps=input_shape[1],
        n_channels=input_shape[2],
    )
