"""Tests of LSTMImpulseSimulator: random units, fitted networks, results."""

import math
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils.estimator_checks import check_estimator

from skforecast_lstm._impulse import GateTrajectories, LSTMImpulseSimulator
from skforecast_lstm._lstm_numpy import (
    ACTIVATIONS,
    QUANTITIES,
    LSTMLayerWeights,
    run_lstm_layer,
)

# Weights of a 2-unit Keras LSTM with one input feature, gate blocks in
# Keras's order input, forget, candidate (cell), output.
W0_KERNEL = np.array([[0.5, -0.3, 0.8, 0.2, 0.4, 0.1, -0.6, 0.7]])
W0_RECURRENT = np.array(
    [
        [0.1, 0.2, -0.1, 0.3, 0.2, -0.2, 0.1, 0.05],
        [-0.2, 0.1, 0.3, -0.1, 0.05, 0.15, -0.25, 0.1],
    ]
)
W0_BIAS = np.array([0.1, -0.1, 1.0, 1.0, 0.2, 0.0, -0.1, 0.3])
W0_SHOCK = np.array([1.0, 0.0, 0.0, 0.0, 0.0])


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# -- Keras fixtures ----------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


@pytest.fixture(scope="module")
def w0_variants(keras):
    """Build (reference layer, model) pairs with the W0 weights, on demand.

    The reference layer is the specified keras.layers.LSTM(2,
    return_sequences=True, return_state=True) built on input (5, 1); the
    model is the same layer without return_sequences in a Sequential model,
    the shape impulse_response reads.
    """
    cache = {}

    def get(variant):
        if variant not in cache:
            options = {
                "standard": {},
                "hard_sigmoid": {"recurrent_activation": "hard_sigmoid"},
                "relu": {"activation": "relu"},
                "no_bias": {"use_bias": False},
            }[variant]
            weights = [W0_KERNEL, W0_RECURRENT]
            if options.get("use_bias", True):
                weights.append(W0_BIAS)
            layer = keras.layers.LSTM(
                2, return_sequences=True, return_state=True, **options
            )
            layer.build((None, 5, 1))
            layer.set_weights(weights)
            model = keras.Sequential(
                [keras.Input((5, 1)), keras.layers.LSTM(2, **options)]
            )
            model.set_weights(weights)
            cache[variant] = (layer, model)
        return cache[variant]

    return get


def keras_layer_outputs(layer, x, initial_state=None):
    """Return Keras's (h sequence, h_T, c_T) for float input x."""
    outputs = layer(x.astype("float32"), initial_state=initial_state)
    return [np.asarray(output, dtype=np.float64) for output in outputs]


def keras_cell_steps(layer, x):
    """Step the layer's own Keras cell to get h_t and c_t at every step."""
    n, n_steps, _ = x.shape
    h = np.zeros((n, layer.units), dtype="float32")
    c = np.zeros((n, layer.units), dtype="float32")
    hs, cs = [], []
    for t in range(n_steps):
        h, (h, c) = layer.cell(x[:, t].astype("float32"), [h, c])
        hs.append(np.asarray(h, dtype=np.float64))
        cs.append(np.asarray(c, dtype=np.float64))
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def w0_layer_weights(**overrides):
    fields = {
        "name": "w0",
        "kernel": W0_KERNEL,
        "recurrent_kernel": W0_RECURRENT,
        "bias": W0_BIAS,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
    }
    fields.update(overrides)
    return LSTMLayerWeights(**fields)


@pytest.fixture(scope="module")
def two_layer(keras):
    """A float32 LSTM(3) -> Dropout -> LSTM(2) -> Dense(4, relu) -> Dense(1)
    model with non-zero biases, and a probe model sharing its layers that
    returns the sequences and states Keras computes."""
    inputs = keras.Input((6, 2))
    sequence, h1, c1 = keras.layers.LSTM(
        3, return_sequences=True, return_state=True, name="first"
    )(inputs)
    dropped = keras.layers.Dropout(0.5)(sequence)
    h2, _, c2 = keras.layers.LSTM(2, return_state=True, name="second")(dropped)
    hidden = keras.layers.Dense(4, activation="relu")(h2)
    output = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, output)
    rng = np.random.default_rng(7)
    model.set_weights(
        [0.6 * rng.standard_normal(w.shape) for w in model.get_weights()]
    )
    probe = keras.Model(inputs, [sequence, h1, c1, h2, c2, output])
    return model, probe


def probe_outputs(probe, X):
    outputs = probe(X.astype("float32"), training=False)
    return [np.asarray(output, dtype=np.float64) for output in outputs]


# -- random units --------------------------------------------------------------


def one_unit_simulator():
    """A fitted one-unit simulator whose weights are then set by hand."""
    simulator = LSTMImpulseSimulator(n_units=1, n_steps=3, random_state=0).fit()
    simulator.input_weights_ = np.array([[0.5], [-0.4], [1.0], [0.3]])
    simulator.recurrent_weights_ = np.array([[0.2], [0.1], [-0.5], [0.4]])
    simulator.bias_ = np.array([[0.0], [1.0], [0.0], [-0.2]])
    simulator.peephole_weights_ = np.array([[0.3], [-0.2], [0.6]])
    return simulator


def test_unit_three_steps_by_hand():
    result = one_unit_simulator().simulate([1.0, 0.0, 0.5])
    unit = result.layers[0]

    # Step 0: x=1, h=c=0. The peepholes see c=0 for i and f.
    i0 = sigmoid(0.5 * 1.0 + 0.0)  # sigmoid(0.5) = 0.622459
    f0 = sigmoid(-0.4 * 1.0 + 1.0)  # sigmoid(0.6) = 0.645656
    g0 = math.tanh(1.0 * 1.0)  # tanh(1) = 0.761594
    c0 = f0 * 0.0 + i0 * g0  # 0.474061
    o0 = sigmoid(0.3 * 1.0 - 0.2 + 0.6 * c0)  # output peephole reads c0: 0.594943
    h0 = o0 * math.tanh(c0)  # 0.262652
    # Step 1: x=0.
    i1 = sigmoid(0.2 * h0 + 0.3 * c0)  # 0.548534
    f1 = sigmoid(0.1 * h0 + 1.0 - 0.2 * c0)  # 0.717370
    g1 = math.tanh(-0.5 * h0)  # -0.130576
    c1 = f1 * c0 + i1 * g1  # 0.268452
    o1 = sigmoid(0.4 * h0 - 0.2 + 0.6 * c1)  # 0.516527
    h1 = o1 * math.tanh(c1)  # 0.135425
    # Step 2: x=0.5.
    i2 = sigmoid(0.5 * 0.5 + 0.2 * h1 + 0.3 * c1)  # 0.588464
    f2 = sigmoid(-0.4 * 0.5 + 0.1 * h1 + 1.0 - 0.2 * c1)  # 0.681322
    g2 = math.tanh(1.0 * 0.5 - 0.5 * h1)  # 0.407231
    c2 = f2 * c1 + i2 * g2  # 0.422543
    o2 = sigmoid(0.3 * 0.5 + 0.4 * h1 - 0.2 + 0.6 * c2)  # 0.564070
    h2 = o2 * math.tanh(c2)  # 0.225104

    assert_allclose(unit.input_gate[0], [i0, i1, i2], rtol=1e-12)
    assert_allclose(unit.forget_gate[0], [f0, f1, f2], rtol=1e-12)
    assert_allclose(unit.candidate[0], [g0, g1, g2], rtol=1e-12)
    assert_allclose(unit.cell_state[0], [c0, c1, c2], rtol=1e-12)
    assert_allclose(unit.output_gate[0], [o0, o1, o2], rtol=1e-12)
    assert_allclose(unit.hidden_state[0], [h0, h1, h2], rtol=1e-12)
    assert_allclose(unit.hidden_state[0], [0.262652, 0.135425, 0.225104], atol=1e-6)


def test_unit_without_peepholes_by_hand():
    simulator = one_unit_simulator()
    simulator.set_params(peepholes=False)
    unit = simulator.simulate([1.0, 0.0]).layers[0]

    # Without peepholes the gates of step 0 see only x and the biases.
    i0 = sigmoid(0.5)
    f0 = sigmoid(0.6)
    c0 = i0 * math.tanh(1.0)
    o0 = sigmoid(0.3 - 0.2)
    h0 = o0 * math.tanh(c0)
    i1 = sigmoid(0.2 * h0)
    f1 = sigmoid(0.1 * h0 + 1.0)
    c1 = f1 * c0 + i1 * math.tanh(-0.5 * h0)
    o1 = sigmoid(0.4 * h0 - 0.2)
    assert_allclose(unit.output_gate[0], [o0, o1], rtol=1e-12)
    assert_allclose(unit.cell_state[0], [c0, c1], rtol=1e-12)
    assert_allclose(unit.hidden_state[0, 1], o1 * math.tanh(c1), rtol=1e-12)


def test_open_forget_closed_input_keep_cell():
    # hard_sigmoid is exactly 1 above 3 and exactly 0 below -3, so biases of
    # +10 and -10 pin the forget gate at 1 and the input gate at 0 for
    # inputs within [-1, 1] and weights within [-1, 1].
    simulator = LSTMImpulseSimulator(
        n_units=4, gate_activation="hard_sigmoid", random_state=0
    ).fit()
    simulator.input_weights_ = np.clip(simulator.input_weights_, -1.0, 1.0)
    simulator.recurrent_weights_ = np.clip(simulator.recurrent_weights_, -1.0, 1.0)
    simulator.peephole_weights_ = np.zeros((3, 4))
    simulator.bias_[0] = -10.0
    simulator.bias_[1] = 10.0
    shock = np.random.default_rng(1).uniform(-1.0, 1.0, size=25)
    cell = np.array([0.7, -0.3, 0.0, 2.5])

    unit = simulator.simulate(shock, initial_state=(0.0, cell)).layers[0]

    assert_array_equal(unit.input_gate, 0.0)
    assert_array_equal(unit.forget_gate, 1.0)
    assert_array_equal(unit.cell_state, np.repeat(cell[:, None], 25, axis=1))


@pytest.mark.parametrize(
    "gate_activation, cell_activation, gate_value, candidate_value",
    [
        ("sigmoid", "tanh", 0.5, 0.0),  # sigmoid(0) = 0.5, tanh(0) = 0
        ("hard_sigmoid", "tanh", 0.5, 0.0),  # 0 / 6 + 0.5 = 0.5
        ("tanh", "sigmoid", 0.0, 0.5),  # the notebook's choice
    ],
)
def test_zero_weights_give_activation_constants(
    gate_activation, cell_activation, gate_value, candidate_value
):
    simulator = LSTMImpulseSimulator(
        n_units=3,
        n_steps=6,
        weight_scale=0.0,
        bias_scale=0.0,
        gate_activation=gate_activation,
        cell_activation=cell_activation,
        random_state=0,
    ).fit()
    unit = simulator.simulate().layers[0]

    # With every weight 0 each pre-activation is 0, so the gates and the
    # candidate are the activations at 0, and c_t = f c_{t-1} + i g stays 0
    # because either i or g is 0.
    assert_array_equal(unit.input_gate, gate_value)
    assert_array_equal(unit.forget_gate, gate_value)
    assert_array_equal(unit.output_gate, gate_value)
    assert_array_equal(unit.candidate, candidate_value)
    assert_array_equal(unit.cell_state, 0.0)
    assert_array_equal(unit.hidden_state, 0.0)


def test_notebook_activations_ranges():
    simulator = LSTMImpulseSimulator(
        n_units=50, gate_activation="tanh", cell_activation="sigmoid", random_state=3
    ).fit()
    unit = simulator.simulate().layers[0]

    # tanh gates lie in [-1, 1] and may go negative; the sigmoid candidate
    # lies in [0, 1].
    assert unit.input_gate.min() >= -1.0
    assert unit.input_gate.min() < 0.0
    assert unit.candidate.min() >= 0.0
    assert unit.candidate.max() <= 1.0


def per_unit_loop(simulator, inputs):
    """Reference: loop over units, then over steps, in Python scalars."""
    w = simulator.input_weights_
    u = simulator.recurrent_weights_
    b = simulator.bias_
    p = simulator.peephole_weights_
    hidden = np.empty((simulator.n_units, len(inputs)))
    cell = np.empty((simulator.n_units, len(inputs)))
    for k in range(simulator.n_units):
        h = c = 0.0
        for t, x in enumerate(inputs):
            i = sigmoid(w[0, k] * x + u[0, k] * h + b[0, k] + p[0, k] * c)
            f = sigmoid(w[1, k] * x + u[1, k] * h + b[1, k] + p[1, k] * c)
            g = math.tanh(w[2, k] * x + u[2, k] * h + b[2, k])
            c = f * c + i * g
            o = sigmoid(w[3, k] * x + u[3, k] * h + b[3, k] + p[2, k] * c)
            h = o * math.tanh(c)
            hidden[k, t] = h
            cell[k, t] = c
    return hidden, cell


def test_vectorised_equals_unit_loop():
    simulator = LSTMImpulseSimulator(n_units=40, n_steps=12, random_state=5).fit()
    inputs = np.random.default_rng(2).standard_normal(12)

    unit = simulator.simulate(inputs).layers[0]
    hidden, cell = per_unit_loop(simulator, inputs)

    assert_allclose(unit.hidden_state, hidden, rtol=1e-12, atol=1e-14)
    assert_allclose(unit.cell_state, cell, rtol=1e-12, atol=1e-14)


def test_transform_equals_simulate_last_step():
    simulator = LSTMImpulseSimulator(
        n_units=6, quantity="cell_state", random_state=0
    ).fit(np.zeros((1, 9)))
    X = np.random.default_rng(4).standard_normal((5, 9))

    transformed = simulator.transform(X)

    assert transformed.shape == (5, 6)
    assert transformed.dtype == np.float64
    for row in range(5):
        unit = simulator.simulate(X[row]).layers[0]
        assert_allclose(transformed[row], unit.cell_state[:, -1], rtol=1e-12)


def test_per_unit_shock_rows():
    simulator = LSTMImpulseSimulator(n_units=3, n_steps=5, random_state=0).fit()
    shocks = np.random.default_rng(6).standard_normal((3, 5))

    together = simulator.simulate(shocks)

    for k in range(3):
        alone = simulator.simulate(shocks[k])
        assert_allclose(
            together.layers[0].hidden_state[k], alone.layers[0].hidden_state[k]
        )
    assert_array_equal(together.input, shocks)


def test_peepholes_off_keeps_other_weights():
    on = LSTMImpulseSimulator(random_state=11).fit()
    off = LSTMImpulseSimulator(peepholes=False, random_state=11).fit()

    assert_array_equal(on.input_weights_, off.input_weights_)
    assert_array_equal(on.recurrent_weights_, off.recurrent_weights_)
    assert_array_equal(on.bias_, off.bias_)
    assert_array_equal(off.peephole_weights_, 0.0)
    assert np.all(on.peephole_weights_ != 0.0)


def test_weight_scales():
    unit_scale = LSTMImpulseSimulator(n_units=5, random_state=2).fit()
    scaled = LSTMImpulseSimulator(
        n_units=5, weight_scale=3.0, bias_scale=0.5, random_state=2
    ).fit()

    # Same draws, multiplied by the scales.
    assert_allclose(scaled.input_weights_, 3.0 * unit_scale.input_weights_)
    assert_allclose(scaled.recurrent_weights_, 3.0 * unit_scale.recurrent_weights_)
    assert_allclose(scaled.peephole_weights_, 3.0 * unit_scale.peephole_weights_)
    assert_allclose(scaled.bias_, 0.5 * unit_scale.bias_)


def test_fit_without_x_uses_n_steps():
    simulator = LSTMImpulseSimulator(n_steps=7, random_state=0)
    simulator.fit(pd.DataFrame(np.zeros((2, 4)), columns=list("abcd")))
    assert simulator.n_features_in_ == 4
    assert list(simulator.feature_names_in_) == list("abcd")

    simulator.fit()

    assert simulator.n_features_in_ == 7
    assert not hasattr(simulator, "feature_names_in_")
    assert simulator.transform(np.zeros((2, 7))).shape == (2, 20)


def test_feature_names_out():
    simulator = LSTMImpulseSimulator(n_units=2, quantity="forget_gate").fit()
    assert list(simulator.get_feature_names_out()) == [
        "unit0_forget_gate",
        "unit1_forget_gate",
    ]
    with pytest.raises(ValueError, match="input_features has 3 names"):
        simulator.get_feature_names_out(["a", "b", "c"])


def test_simulate_rejects_bad_input():
    simulator = LSTMImpulseSimulator(n_units=3, random_state=0).fit()
    with pytest.raises(ValueError, match=r"shock must be 1-D .* got shape \(2, 5\)"):
        simulator.simulate(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="shock contains NaN"):
        simulator.simulate([1.0, np.nan])
    with pytest.raises(ValueError, match=r"initial_state h0 has shape \(2,\)"):
        simulator.simulate(initial_state=(np.zeros(2), 0.0))


def test_simulate_leaves_shock_unchanged():
    simulator = LSTMImpulseSimulator(n_units=3, random_state=0).fit()
    shock = np.array([1.0, 2.0, 3.0])
    shock.flags.writeable = False
    simulator.simulate(shock)
    assert_array_equal(shock, [1.0, 2.0, 3.0])


def test_check_estimator_all_passed():
    results = check_estimator(LSTMImpulseSimulator(), on_fail=None, on_skip=None)
    statuses = Counter(result["status"] for result in results)
    failed = [r["check_name"] for r in results if r["status"] != "passed"]
    assert failed == []
    assert set(statuses) == {"passed"}


def test_import_does_not_load_keras():
    code = (
        "import sys, skforecast_lstm, skforecast_lstm._impulse; "
        "print(sorted({'keras', 'tensorflow', 'matplotlib'} & set(sys.modules)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"


# -- activations ---------------------------------------------------------------


def test_activation_table_matches_keras(keras):
    x = np.concatenate([np.linspace(-8.0, 8.0, 161), [-40.0, -3.0, 3.0, 40.0]])
    x = x.reshape(5, 33)
    for name, function in ACTIVATIONS.items():
        keras_values = np.asarray(keras.activations.get(name)(x))
        # The tolerance is loose by float64 standards because the TensorFlow
        # backend rounds some constants, such as leaky_relu's slope 0.2, to
        # float32 even for float64 input. A wrong formula is off by far more.
        assert_allclose(function(x), keras_values, rtol=1e-7, atol=1e-8, err_msg=name)


def test_hard_sigmoid_is_keras3_definition(keras):
    # Keras 3: relu6(x + 3) / 6, so hard_sigmoid(1) = 4 / 6. Keras 2's
    # 0.2 x + 0.5 would give 0.7.
    assert float(keras.activations.hard_sigmoid(np.array(1.0))) == pytest.approx(
        0.666667, abs=1e-6
    )
    assert ACTIVATIONS["hard_sigmoid"](np.array(1.0)) == pytest.approx(4.0 / 6.0)


# -- fitted networks: W0 field cases -------------------------------------------


def shocked_and_baseline_paths(result):
    """Return the per-layer shocked path (baseline plus response)."""
    return [
        {q: getattr(b, q) + getattr(r, q) for q in QUANTITIES}
        for b, r in zip(result.baseline, result.layers)
    ]


def test_w0_matches_keras(w0_variants):
    layer, model = w0_variants("standard")
    x = np.stack([W0_SHOCK, np.zeros(5)])[:, :, None]
    keras_h, keras_h_last, keras_c_last = keras_layer_outputs(layer, x)
    keras_steps_h, keras_steps_c = keras_cell_steps(layer, x)

    result = LSTMImpulseSimulator.impulse_response(model, step=0, size=1.0)
    shocked = shocked_and_baseline_paths(result)[0]

    # The baseline is the all-zero window, the shocked window is W0_SHOCK.
    assert_allclose(shocked["hidden_state"], keras_h[0].T, atol=1e-6)
    assert_allclose(result.baseline[0].hidden_state, keras_h[1].T, atol=1e-6)
    assert_allclose(shocked["cell_state"], keras_steps_c[0].T, atol=1e-6)
    assert_allclose(result.baseline[0].cell_state, keras_steps_c[1].T, atol=1e-6)
    assert_allclose(shocked["hidden_state"][:, -1], keras_h_last[0], atol=1e-6)
    assert_allclose(shocked["cell_state"][:, -1], keras_c_last[0], atol=1e-6)
    assert_allclose(keras_steps_h, keras_h, atol=1e-6)
    assert_allclose(
        result.layers[0].hidden_state, (keras_h[0] - keras_h[1]).T, atol=1e-6
    )
    # Without Dense layers the forecast is the last hidden state.
    assert_allclose(result.forecast, keras_h_last[0] - keras_h_last[1], atol=1e-6)
    # Unit 0's candidate bias of 0.2 makes the zero window's path non-zero.
    assert np.all(result.baseline[0].hidden_state[0] != 0.0)


def test_w0_hard_sigmoid_read_from_layer(w0_variants, monkeypatch):
    layer, model = w0_variants("hard_sigmoid")
    expected_h = np.array(
        [
            [0.119417, 0.028775],
            [0.153924, 0.010745],
            [0.157601, -0.000614],
            [0.159919, -0.008925],
            [0.161441, -0.014988],
        ]
    )
    x = np.stack([W0_SHOCK, np.zeros(5)])[:, :, None]
    keras_h, _, keras_c_last = keras_layer_outputs(layer, x)

    result = LSTMImpulseSimulator.impulse_response(model)
    shocked = shocked_and_baseline_paths(result)[0]

    assert_allclose(shocked["hidden_state"].T, expected_h, atol=1e-5)
    assert_allclose(keras_h[0], expected_h, atol=1e-5)
    assert_allclose(shocked["cell_state"][:, -1], keras_c_last[0], atol=1e-6)

    # Keras 2's hard sigmoid, 0.2 x + 0.5, moves h by about 0.0139, far
    # beyond the tolerance, so the layer's own definition is the one used.
    monkeypatch.setitem(
        ACTIVATIONS, "hard_sigmoid", lambda z: np.clip(0.2 * z + 0.5, 0.0, 1.0)
    )
    keras2 = LSTMImpulseSimulator.impulse_response(model)
    keras2_h = shocked_and_baseline_paths(keras2)[0]["hidden_state"].T
    assert np.max(np.abs(keras2_h - expected_h)) == pytest.approx(0.0139, abs=5e-4)


@pytest.mark.parametrize("variant", ["relu", "no_bias"])
def test_w0_variants_match_keras(w0_variants, variant):
    layer, model = w0_variants(variant)
    x = np.stack([W0_SHOCK, np.zeros(5)])[:, :, None]
    keras_h, keras_h_last, keras_c_last = keras_layer_outputs(layer, x)
    _, keras_steps_c = keras_cell_steps(layer, x)

    result = LSTMImpulseSimulator.impulse_response(model)
    shocked = shocked_and_baseline_paths(result)[0]

    assert_allclose(shocked["hidden_state"], keras_h[0].T, atol=1e-6)
    assert_allclose(shocked["cell_state"], keras_steps_c[0].T, atol=1e-6)
    assert_allclose(result.baseline[0].hidden_state, keras_h[1].T, atol=1e-6)
    assert_allclose(shocked["cell_state"][:, -1], keras_c_last[0], atol=1e-6)
    if variant == "no_bias":
        # Without biases a zero window keeps every state at zero.
        assert_array_equal(result.baseline[0].hidden_state, 0.0)
        assert_array_equal(result.baseline[0].cell_state, 0.0)


@pytest.mark.parametrize("supplied_state", [False, True])
def test_w0_all_trajectories(w0_variants, supplied_state):
    layer, _ = w0_variants("standard")
    x = np.random.default_rng(42).standard_normal((3, 7, 1))
    initial = None
    c_previous = np.zeros((3, 2))
    if supplied_state:
        rng = np.random.default_rng(43)
        initial = (0.5 * rng.standard_normal((3, 2)), rng.standard_normal((3, 2)))
        c_previous = initial[1]

    paths = run_lstm_layer(x, w0_layer_weights(), initial)

    for name in QUANTITIES:
        assert paths[name].shape == (3, 7, 2)
    for name in ("input_gate", "forget_gate", "output_gate"):
        assert paths[name].min() >= 0.0
        assert paths[name].max() <= 1.0
    assert np.abs(paths["candidate"]).max() <= 1.0
    previous = np.concatenate(
        [c_previous[:, None], paths["cell_state"][:, :-1]], axis=1
    )
    assert_allclose(
        paths["cell_state"],
        paths["forget_gate"] * previous + paths["input_gate"] * paths["candidate"],
        atol=1e-6,
    )
    assert_allclose(
        paths["hidden_state"],
        paths["output_gate"] * np.tanh(paths["cell_state"]),
        atol=1e-6,
    )
    keras_state = None if initial is None else [s.astype("float32") for s in initial]
    keras_h, keras_h_last, keras_c_last = keras_layer_outputs(layer, x, keras_state)
    # return_state gives [h, c] after the sequence output.
    assert_allclose(paths["hidden_state"], keras_h, atol=1e-6)
    assert_allclose(paths["hidden_state"][:, -1], keras_h_last, atol=1e-6)
    assert_allclose(paths["cell_state"][:, -1], keras_c_last, atol=1e-6)


def test_stateful_layer_states_untouched(keras, w0_variants):
    model = keras.Sequential(
        [keras.Input(batch_shape=(1, 5, 1)), keras.layers.LSTM(2, stateful=True)]
    )
    model.set_weights([W0_KERNEL, W0_RECURRENT, W0_BIAS])
    layer = model.layers[0]
    model(np.ones((1, 5, 1), dtype="float32"))
    stored = [state.numpy().copy() for state in layer.states]
    assert all(np.any(state != 0.0) for state in stored)

    first = LSTMImpulseSimulator.impulse_response(model, size=1.0)
    second = LSTMImpulseSimulator.impulse_response(model, size=1.0)

    for name in QUANTITIES:
        assert_array_equal(
            getattr(first.layers[0], name), getattr(second.layers[0], name)
        )
        assert_array_equal(
            getattr(first.baseline[0], name), getattr(second.baseline[0], name)
        )
    for state, before in zip(layer.states, stored):
        assert_array_equal(state.numpy(), before)
    # By default the path starts from zero, as the non-stateful W0 layer does.
    reference, _ = w0_variants("standard")
    x = np.stack([W0_SHOCK, np.zeros(5)])[:, :, None]
    keras_h, _, _ = keras_layer_outputs(reference, x)
    assert_allclose(first.baseline[0].hidden_state, keras_h[1].T, atol=1e-6)

    # Started from the stored states, the zero window's path ends where the
    # stateful Keras model, which continues from them, ends.
    explicit = LSTMImpulseSimulator.impulse_response(
        model, size=1.0, initial_state=[(stored[0], stored[1])]
    )
    continued = np.asarray(model(np.zeros((1, 5, 1), dtype="float32")))
    assert_allclose(explicit.forecast_baseline, continued[0], atol=1e-6)
    assert_allclose(explicit.baseline[0].hidden_state[:, -1], continued[0], atol=1e-6)


# -- fitted networks: two layers, bands, shocks --------------------------------


def test_two_layer_model_matches_keras(two_layer):
    model, probe = two_layer
    X = np.random.default_rng(0).standard_normal((5, 6, 2))
    shocked_X = X.copy()
    shocked_X[:, 2, 1] += 0.7
    base = probe_outputs(probe, X)
    shocked = probe_outputs(probe, shocked_X)
    responses = [s - b for s, b in zip(shocked, base)]
    seq_response, h1_response, c1_response, h2_response, c2_response, y_response = (
        responses
    )

    result = LSTMImpulseSimulator.impulse_response(
        model, X, step=2, channel=1, size=0.7, band=(0.1, 0.9)
    )

    assert result.layer_names == ("first", "second")
    assert result.n_windows == 5
    first, second = result.layers
    assert_allclose(result.baseline[0].hidden_state, base[0].mean(axis=0).T, atol=1e-5)
    assert_allclose(first.hidden_state, seq_response.mean(axis=0).T, atol=1e-5)
    assert_allclose(first.hidden_state[:, -1], h1_response.mean(axis=0), atol=1e-5)
    assert_allclose(first.cell_state[:, -1], c1_response.mean(axis=0), atol=1e-5)
    assert_allclose(second.hidden_state[:, -1], h2_response.mean(axis=0), atol=1e-5)
    assert_allclose(second.cell_state[:, -1], c2_response.mean(axis=0), atol=1e-5)
    assert_allclose(result.forecast, y_response.mean(axis=0), atol=1e-5)
    assert_allclose(result.forecast_baseline, base[5].mean(axis=0), atol=1e-5)
    # Bands are quantiles of the per-window responses.
    assert_allclose(
        result.lower[0].hidden_state,
        np.quantile(seq_response, 0.1, axis=0).T,
        atol=1e-5,
    )
    assert_allclose(
        result.upper[0].hidden_state,
        np.quantile(seq_response, 0.9, axis=0).T,
        atol=1e-5,
    )
    assert_allclose(
        result.forecast_lower, np.quantile(y_response, 0.1, axis=0), atol=1e-5
    )
    assert_allclose(
        result.forecast_upper, np.quantile(y_response, 0.9, axis=0), atol=1e-5
    )
    # Before step 2 the shock has not arrived, so nothing responds.
    assert_array_equal(first.hidden_state[:, :2], 0.0)
    expected_input = np.zeros((2, 6))
    expected_input[1, 2] = 0.7
    assert_allclose(result.input, expected_input, atol=1e-15)


def test_zero_shock_gives_zero_response(two_layer):
    model, _ = two_layer
    X = np.random.default_rng(1).standard_normal((4, 6, 2))

    result = LSTMImpulseSimulator.impulse_response(model, X, step=3, size=0.0)

    # Identical inputs go through identical arithmetic.
    for layer in result.layers + result.lower + result.upper:
        for name in QUANTITIES:
            assert_array_equal(getattr(layer, name), 0.0)
    assert_array_equal(result.forecast, 0.0)
    assert_array_equal(result.forecast_lower, 0.0)


def test_response_is_nonlinear_in_size(two_layer):
    model, _ = two_layer

    one = LSTMImpulseSimulator.impulse_response(model, step=-1, size=1.0)
    two = LSTMImpulseSimulator.impulse_response(model, step=-1, size=2.0)

    # tanh and sigmoid bend the path, so doubling the shock does not double
    # the response: here it falls short by more than 5 percent.
    doubled = 2.0 * one.forecast[0]
    assert abs(two.forecast[0] - doubled) > 0.05 * abs(doubled)
    doubled_hidden = 2.0 * one.layers[0].hidden_state[:, -1]
    shortfall = np.abs(two.layers[0].hidden_state[:, -1] - doubled_hidden)
    assert np.all(shortfall > 0.05 * np.abs(doubled_hidden))
    # Non-zero biases give the zero window a non-zero forecast.
    assert one.forecast_baseline[0] != 0.0


def test_generalised_response_is_window_mean(two_layer):
    model, _ = two_layer
    X = np.random.default_rng(2).standard_normal((7, 6, 2))

    together = LSTMImpulseSimulator.impulse_response(model, X, step=1, size=-0.5)
    alone = [
        LSTMImpulseSimulator.impulse_response(model, X[k : k + 1], step=1, size=-0.5)
        for k in range(7)
    ]

    forecasts = np.array([single.forecast for single in alone])
    assert_allclose(together.forecast, forecasts.mean(axis=0), rtol=1e-10)
    assert_allclose(together.forecast_lower, np.quantile(forecasts, 0.05, axis=0))
    assert_allclose(together.forecast_upper, np.quantile(forecasts, 0.95, axis=0))
    cells = np.array([single.layers[0].cell_state for single in alone])
    assert_allclose(together.layers[0].cell_state, cells.mean(axis=0), atol=1e-12)
    # One window has no spread, so it has no band.
    assert alone[0].lower is None
    assert alone[0].forecast_lower is None


def test_chunked_windows_match_one_pass(two_layer, monkeypatch):
    import skforecast_lstm._impulse as impulse

    model, _ = two_layer
    X = np.random.default_rng(3).standard_normal((9, 6, 2))
    whole = LSTMImpulseSimulator.impulse_response(model, X, step=0)

    # A chunk budget of one window forces nine chunks.
    monkeypatch.setattr(impulse, "_CHUNK_ELEMENTS", 1)
    chunked = LSTMImpulseSimulator.impulse_response(model, X, step=0)

    assert_allclose(chunked.forecast, whole.forecast, rtol=1e-12)
    assert_allclose(chunked.forecast_upper, whole.forecast_upper, rtol=1e-12)
    assert_allclose(
        chunked.lower[1].forget_gate, whole.lower[1].forget_gate, rtol=1e-12
    )


def test_network_initial_state_shapes(two_layer):
    model, _ = two_layer
    X = np.random.default_rng(4).standard_normal((3, 6, 2))
    rng = np.random.default_rng(5)
    shared = [(rng.standard_normal(3), rng.standard_normal(3)),
              (rng.standard_normal(2), rng.standard_normal(2))]
    per_window = [tuple(np.tile(a, (3, 1)) for a in pair) for pair in shared]

    from_shared = LSTMImpulseSimulator.impulse_response(model, X, initial_state=shared)
    from_rows = LSTMImpulseSimulator.impulse_response(
        model, X, initial_state=per_window
    )
    from_zero = LSTMImpulseSimulator.impulse_response(model, X)

    assert_allclose(from_shared.forecast, from_rows.forecast, rtol=1e-12)
    assert_allclose(
        from_shared.baseline[0].cell_state, from_rows.baseline[0].cell_state
    )
    assert not np.allclose(from_shared.forecast_baseline, from_zero.forecast_baseline)
    with pytest.raises(ValueError, match=r"one \(h0, c0\) pair per LSTM layer, 2 in"):
        LSTMImpulseSimulator.impulse_response(model, X, initial_state=shared[:1])
    with pytest.raises(ValueError, match=r"h0 for layer 'second' has shape \(3,\)"):
        LSTMImpulseSimulator.impulse_response(
            model, X, initial_state=[shared[0], (np.zeros(3), np.zeros(2))]
        )


def test_network_input_left_unchanged(two_layer):
    model, _ = two_layer
    X = np.random.default_rng(6).standard_normal((3, 6, 2))
    original = X.copy()
    X.flags.writeable = False

    LSTMImpulseSimulator.impulse_response(model, X, step=4, size=3.0)

    assert_array_equal(X, original)


def test_network_argument_errors(two_layer):
    model, _ = two_layer
    X = np.zeros((2, 6, 2))
    with pytest.raises(ValueError, match=r"step=6 is out of range.*use -6 to 5"):
        LSTMImpulseSimulator.impulse_response(model, X, step=6)
    with pytest.raises(ValueError, match=r"channel=2 is out of range"):
        LSTMImpulseSimulator.impulse_response(model, X, channel=2)
    with pytest.raises(ValueError, match=r"X has shape \(6, 2\).*X\[np.newaxis\]"):
        LSTMImpulseSimulator.impulse_response(model, X[0])
    with pytest.raises(ValueError, match="size must be a finite number"):
        LSTMImpulseSimulator.impulse_response(model, X, size=np.inf)
    with pytest.raises(ValueError, match="band=.* must satisfy 0 <= lower < upper"):
        LSTMImpulseSimulator.impulse_response(model, X, band=(0.9, 0.1))
    with pytest.raises(TypeError, match="model must be a fitted LSTMRegressor"):
        LSTMImpulseSimulator.impulse_response(np.zeros(3))


def test_unsupported_models_rejected(keras):
    custom = keras.Sequential(
        [keras.Input((3, 1)), keras.layers.LSTM(2, activation=lambda x: x, name="odd")]
    )
    with pytest.raises(ValueError, match="Layer 'odd' has activation=.*Rebuild"):
        LSTMImpulseSimulator.impulse_response(custom)

    gru = keras.Sequential([keras.Input((3, 1)), keras.layers.GRU(2, name="gru")])
    with pytest.raises(ValueError, match="Layer 'gru' .* is a GRU"):
        LSTMImpulseSimulator.impulse_response(gru)

    sequence_out = keras.Sequential(
        [
            keras.Input((3, 1)),
            keras.layers.LSTM(2, return_sequences=True, name="seq"),
            keras.layers.Dense(1),
        ]
    )
    with pytest.raises(ValueError, match="'seq' has return_sequences=True"):
        LSTMImpulseSimulator.impulse_response(sequence_out)


# -- LSTMRegressor -------------------------------------------------------------


@pytest.fixture(scope="module")
def regressor():
    from skforecast_lstm import LSTMRegressor, make_windows

    series = np.sin(np.arange(80) / 3.0) + 0.05 * np.arange(80)
    X, y = make_windows(series, window=5)
    model = LSTMRegressor(units=(4, 3), epochs=3, early_stopping=False, random_state=0)
    return model.fit(X, y), np.asarray(X)


def test_regressor_forecast_response_in_target_units(regressor):
    model, X = regressor
    windows = X[:12]
    shocked = windows.copy()
    shocked[:, -1] += 0.5
    # predict runs Keras on float64 input and maps back to target units, and
    # includes the linear baseline the network learns on top of.
    per_window = model.predict(shocked) - model.predict(windows)

    result = LSTMImpulseSimulator.impulse_response(model, windows, step=-1, size=0.5)

    assert_allclose(result.forecast, [per_window.mean()], rtol=1e-9, atol=1e-12)
    assert_allclose(result.forecast_lower, [np.quantile(per_window, 0.05)], atol=1e-9)
    assert_allclose(
        result.forecast_baseline, [model.predict(windows).mean()], atol=1e-9
    )
    # The input panel shows the shock after the estimator's own mapping
    # (scaling, and differencing under baseline="last").
    network_shock = model._network_input(shocked) - model._network_input(windows)
    assert_allclose(result.input, network_shock.mean(axis=0).T, rtol=1e-12)

    three_d = LSTMImpulseSimulator.impulse_response(
        model, windows[:, :, None], step=-1, size=0.5
    )
    assert_allclose(three_d.forecast, result.forecast, rtol=1e-12)

    zero_window = np.zeros((1, 5))
    zero_shocked = zero_window.copy()
    zero_shocked[0, 0] = 1.0
    from_zeros = LSTMImpulseSimulator.impulse_response(model)
    assert_allclose(
        from_zeros.forecast,
        model.predict(zero_shocked) - model.predict(zero_window),
        atol=1e-9,
    )


def test_unfitted_regressor_rejected():
    from sklearn.exceptions import NotFittedError

    from skforecast_lstm import LSTMRegressor

    with pytest.raises(NotFittedError):
        LSTMImpulseSimulator.impulse_response(LSTMRegressor())


# -- results: frames and plots -------------------------------------------------


def test_units_to_frame():
    simulator = LSTMImpulseSimulator(n_units=3, n_steps=4, random_state=0).fit()
    result = simulator.simulate()

    frame = result.to_frame()

    assert list(frame.columns) == ["unit", "quantity", "step", "value"]
    # Input plus six quantities, each for 3 units and 4 steps.
    assert len(frame) == 7 * 3 * 4
    row = frame[
        (frame.unit == 2) & (frame.quantity == "cell_state") & (frame.step == 1)
    ]
    assert row.value.item() == result.layers[0].cell_state[2, 1]


def test_network_to_frame(two_layer):
    model, _ = two_layer
    X = np.random.default_rng(8).standard_normal((4, 6, 2))
    result = LSTMImpulseSimulator.impulse_response(model, X, step=1)

    frame = result.to_frame()

    assert list(frame.columns) == [
        "layer", "unit", "quantity", "step", "value", "lower", "upper", "baseline",
    ]
    # Input (2 channels) plus 6 quantities of 3 and of 2 units, over 6
    # steps, plus one forecast row.
    assert len(frame) == 2 * 6 + 6 * (3 + 2) * 6 + 1
    row = frame[
        (frame.layer == "second") & (frame.quantity == "output_gate")
        & (frame.unit == 1) & (frame.step == 4)
    ]
    assert row.value.item() == result.layers[1].output_gate[1, 4]
    assert row.lower.item() == result.lower[1].output_gate[1, 4]
    assert row.baseline.item() == result.baseline[1].output_gate[1, 4]
    forecast = frame[frame.quantity == "forecast"]
    assert forecast.value.item() == result.forecast[0]
    assert forecast.step.item() == 5


def test_gate_trajectories_fields_follow_quantities():
    from dataclasses import fields

    assert tuple(field.name for field in fields(GateTrajectories)) == QUANTITIES


@pytest.fixture
def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_units_plot_six_panels(pyplot):
    result = LSTMImpulseSimulator(n_units=5, random_state=0).fit().simulate()

    figure = result.plot()

    titles = [ax.get_title() for ax in figure.axes]
    assert titles == [
        "Input", "Input gate", "Forget gate", "Cell state", "Output gate",
        "Unit output",
    ]
    assert all(len(ax.lines) == 5 for ax in figure.axes)


def test_network_plot_bands_on_given_axes(pyplot, two_layer):
    model, _ = two_layer
    X = np.random.default_rng(9).standard_normal((6, 6, 2))
    result = LSTMImpulseSimulator.impulse_response(model, X)
    figure, axes = pyplot.subplots(3, 2)

    returned = result.plot(layer=1, units=[0], axes=axes)

    assert returned is figure
    # The input panel draws both channels; the others one unit with a band.
    assert len(axes.flat[0].lines) == 2
    assert len(axes.flat[3].lines) == 1
    assert len(axes.flat[3].collections) == 1
    with pytest.raises(ValueError, match="axes must contain 6 matplotlib Axes"):
        result.plot(axes=axes.flat[:3])
    with pytest.raises(ValueError, match="layer=2 is not the index"):
        result.plot(layer=2)


def test_plot_without_matplotlib(monkeypatch):
    result = LSTMImpulseSimulator(n_units=2, random_state=0).fit().simulate()
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    with pytest.raises(ImportError, match=r"pip install skforecast-lstm\[plot\]"):
        result.plot()
