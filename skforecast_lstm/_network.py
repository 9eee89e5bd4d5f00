"""Keras side of LSTMRegressor: building, training and restoring networks.

Keras is imported inside these functions, never at module level, so that
``import skforecast_lstm`` stays cheap.
"""

import copy
import threading
import warnings
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

_OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
    "adagrad": "Adagrad",
}
_LOSSES = {
    "mse": "MeanSquaredError",
    "mean_squared_error": "MeanSquaredError",
    "mae": "MeanAbsoluteError",
    "mean_absolute_error": "MeanAbsoluteError",
    "huber": "Huber",
}
_SEED_RANGE = 2**31 - 1

# Compiled networks kept for reuse, by architecture and training set-up.
# Tracing Keras's training step costs far more than a small fit itself, so
# a later fit with the same set-up copies fresh weights into an idle
# compiled network instead of building and tracing a new one.
_IDLE_TRAINERS = OrderedDict()
_TRAINERS_LOCK = threading.Lock()
_MAX_IDLE_TRAINERS = 16
# (backend, activation, recurrent_activation) already checked for float32
# operations by _warn_if_float32_ops.
_FLOAT64_CHECKED = set()
# Gradient steps per call into the compiled training function. Running
# several steps per call halves the cost of small fits on TensorFlow, whose
# per-call overhead exceeds a small step's arithmetic; results are the same.
STEPS_PER_EXECUTION = 32


def import_keras():
    """Import Keras, raising an ImportError with the install command if missing."""
    try:
        import keras
    except ImportError as exc:  # pragma: no cover - keras is a dependency
        raise ImportError(
            "LSTMRegressor needs Keras 3 and a backend such as TensorFlow: "
            "pip install keras tensorflow-cpu"
        ) from exc
    return keras


def _check_float64_backend(keras):
    """Raise unless the Keras backend can compute in float64.

    JAX turns float64 requests into float32, with only a warning, until
    its ``jax_enable_x64`` option is on. The option changes default dtypes
    for all JAX code in the process, so the estimator does not set it.
    """
    if keras.backend.backend() != "jax":
        return
    import jax

    if not jax.config.jax_enable_x64:
        raise RuntimeError(
            "LSTMRegressor computes in float64, but JAX has jax_enable_x64="
            "False, so the Keras JAX backend would compute in float32. Set "
            "the environment variable JAX_ENABLE_X64=1 before starting "
            "Python, or call jax.config.update('jax_enable_x64', True) "
            "before the first fit or unpickling."
        )


def build_network(config, seeds):
    """Build the float64 LSTM network that ``config`` describes.

    ``config`` describes the architecture (input shape, units, activations,
    dropout, output count). ``seeds`` contains one integer per random
    initialiser, so the same seeds give the same initial weights.
    """
    keras = import_keras()
    _check_float64_backend(keras)
    dtype = "float64"
    inputs = keras.Input(shape=(config["n_steps"], config["n_channels"]), dtype=dtype)
    hidden = inputs
    n_layers = len(config["units"])
    for layer, units in enumerate(config["units"]):
        seed = seeds[3 * layer : 3 * layer + 3]
        hidden = keras.layers.LSTM(
            units,
            activation=config["activation"],
            recurrent_activation=config["recurrent_activation"],
            dropout=config["dropout"],
            recurrent_dropout=config["recurrent_dropout"],
            return_sequences=layer < n_layers - 1,
            kernel_initializer=keras.initializers.GlorotUniform(seed=int(seed[0])),
            recurrent_initializer=keras.initializers.Orthogonal(seed=int(seed[1])),
            seed=int(seed[2]),
            dtype=dtype,
            name=f"lstm_{layer}",
        )(hidden)
    outputs = keras.layers.Dense(
        config["n_outputs"],
        kernel_initializer=keras.initializers.GlorotUniform(seed=int(seeds[-1])),
        dtype=dtype,
        name="output",
    )(hidden)
    model = keras.Model(inputs, outputs, name="lstm_regressor")
    _warn_if_float32_ops(model, config)
    return model


def _warn_if_float32_ops(model, config):
    """Warn if the network computes some operations in float32.

    Keras's type promotion (``keras.backend.result_type``, checked in
    3.15.1) maps float64 to float32 on the JAX and PyTorch backends, so
    some operations on float64 tensors return float32: matrix products on
    PyTorch (the Dense output layer) and tanh on JAX. The
    check compares the new network with a float64 NumPy forward pass on a
    few windows, once per backend and pair of activations in a process.
    """
    keras = import_keras()
    key = (keras.backend.backend(), config["activation"], config["recurrent_activation"])
    if key in _FLOAT64_CHECKED:
        return
    _FLOAT64_CHECKED.add(key)
    from ._lstm_numpy import read_keras_network, run_network

    try:
        network = read_keras_network(model)
    except ValueError:
        return  # an activation without a NumPy version cannot be checked
    inputs = np.random.default_rng(0).normal(
        size=(4, config["n_steps"], config["n_channels"])
    )
    expected = run_network(network, inputs)[1]
    # A call with training=False still advances the dropout seed state, which
    # must stay as the seeds set it, so every variable is put back.
    saved = network_weights(model)
    try:
        actual = predict_network(model, inputs)
    finally:
        for variable, value in zip(model.variables, saved):
            variable.assign(value)
    error = float(np.max(np.abs(actual - expected)))
    if error > 1e-12 * max(1.0, float(np.max(np.abs(expected)))):
        warnings.warn(
            f"On the Keras {key[0]} backend, the network computes some "
            f"operations in float32 although its weights and inputs are "
            f"float64: its output differs from a float64 NumPy forward pass "
            f"by {error:.1e}. Keras's type promotion maps some float64 "
            f"results to float32 on the JAX and PyTorch backends (in Keras "
            f"3.15.1: matrix products on PyTorch, tanh on JAX), so predictions "
            f"have float32 precision. Use KERAS_BACKEND=tensorflow for "
            f"float64 throughout.",
            UserWarning,
            stacklevel=3,
        )


def make_optimizer(optimizer, learning_rate, routed):
    """Return a fresh Keras optimizer from a name or class and its arguments."""
    keras = import_keras()
    if isinstance(optimizer, str):
        optimizer = getattr(keras.optimizers, _OPTIMIZERS[optimizer])
    kwargs = {"learning_rate": learning_rate, **routed}
    try:
        return optimizer(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Cannot build optimizer {getattr(optimizer, '__name__', optimizer)} "
            f"with arguments {kwargs}: {exc}. Check the optimizer__ parameters."
        ) from exc


def make_loss(loss, routed):
    """Return a fresh float64 Keras loss from a name or class and its arguments."""
    keras = import_keras()
    if isinstance(loss, str):
        loss = getattr(keras.losses, _LOSSES[loss])
    try:
        return loss(dtype="float64", **routed)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Cannot build loss {getattr(loss, '__name__', loss)} with arguments "
            f"{routed}: {exc}. Check the loss__ parameters."
        ) from exc


def make_dataset(X, y, w, batch_size, shuffle, seed):
    """Return a batched tf.data pipeline that keeps float64 end to end.

    ``Model.fit`` casts float64 NumPy arrays to float32; a dataset keeps
    their dtype. The shuffle is seeded by ``seed`` alone, so it does not
    depend on TensorFlow's global seed, and reshuffles every epoch.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((X, y, w))
    if shuffle:
        dataset = dataset.shuffle(len(X), seed=int(seed), reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(2)


def fresh_callbacks(callbacks):
    """Return deep copies of the user's callbacks, leaving the originals alone."""
    return [copy.deepcopy(callback) for callback in (callbacks or [])]


def early_stopping(monitor, tol, patience):
    """Return an early-stopping callback created for one fit."""
    keras = import_keras()
    return keras.callbacks.EarlyStopping(
        monitor=monitor,
        min_delta=tol,
        patience=patience,
        restore_best_weights=monitor == "val_loss",
    )


def predict_network(model, X, chunk_size=8192):
    """Run the network on float64 input in direct calls, chunk by chunk.

    A direct call keeps float64 (``Model.predict`` would cast to float32)
    and involves no tracing.
    """
    keras = import_keras()
    outputs = [
        keras.ops.convert_to_numpy(model(X[start : start + chunk_size], training=False))
        for start in range(0, len(X), chunk_size)
    ]
    return np.concatenate(outputs, axis=0).astype(np.float64, copy=False)


def trainer_key(config, training):
    """Return the cache key of a compiled network: architecture and set-up."""
    keras = import_keras()
    return repr((keras.backend.backend(), sorted(config.items()), training))


@contextmanager
def compiled_trainer(key, config, make_optimizer, make_loss):
    """Lend a compiled network for ``config``, from the cache or newly built.

    The borrower owns it until the block ends and must overwrite every
    variable it depends on: weights, optimizer state and seed state. An
    idle network is then returned to the cache, the oldest being dropped
    beyond ``_MAX_IDLE_TRAINERS``.
    """
    with _TRAINERS_LOCK:
        idle = _IDLE_TRAINERS.get(key)
        trainer = idle.pop() if idle else None
    if trainer is None:
        trainer = build_network(config, np.zeros(3 * len(config["units"]) + 1))
        trainer.compile(
            optimizer=make_optimizer(),
            loss=make_loss(),
            steps_per_execution=_steps_per_execution(),
        )
        trainer.optimizer.build(trainer.trainable_variables)
        _build_compiled_loss(trainer, config["n_outputs"])
        trainer._initial_optimizer_state = optimizer_state(trainer)
    try:
        yield trainer
    finally:
        with _TRAINERS_LOCK:
            _IDLE_TRAINERS.setdefault(key, []).append(trainer)
            _IDLE_TRAINERS.move_to_end(key)
            while sum(len(v) for v in _IDLE_TRAINERS.values()) > _MAX_IDLE_TRAINERS:
                oldest = next(iter(_IDLE_TRAINERS))
                _IDLE_TRAINERS[oldest].pop(0)
                if not _IDLE_TRAINERS[oldest]:
                    del _IDLE_TRAINERS[oldest]


def _steps_per_execution():
    """Return STEPS_PER_EXECUTION, or 1 on PyTorch, whose Keras trainer rejects more."""
    return 1 if import_keras().backend.backend() == "torch" else STEPS_PER_EXECUTION


def _build_compiled_loss(trainer, n_outputs):
    """Build the compiled loss on a zero batch, before the first fit.

    On the JAX and PyTorch backends, the first ``fit`` of a network whose
    compiled loss is unbuilt draws one batch from the dataset to build it.
    That advances the seeded reshuffle by one epoch, so a new network would
    see other batch orders than a cached one and the same random_state
    would give different predictions.
    """
    ops = import_keras().ops
    zeros = ops.zeros((1, n_outputs), dtype="float64")
    trainer.compute_loss(
        y=zeros, y_pred=zeros, sample_weight=ops.ones((1,), dtype="float64")
    )


def clear_trainer_cache():
    """Drop every idle compiled network, releasing its memory."""
    with _TRAINERS_LOCK:
        _IDLE_TRAINERS.clear()


def optimizer_state(model):
    """Return copies of the optimizer's variables (step count, moments)."""
    return [_to_numpy(v) for v in model.optimizer.variables]


def copy_variables(source, target):
    """Copy every variable of one network into another of the same config.

    Seed-generator states are variables too, so dropout masks continue
    exactly as they would in ``source``.
    """
    for to, value in zip(target.variables, source.variables):
        to.assign(value)


def _to_numpy(variable):
    return np.array(import_keras().ops.convert_to_numpy(variable))


def set_optimizer_state(model, state):
    for variable, value in zip(model.optimizer.variables, state):
        variable.assign(value)


def network_weights(model):
    """Return copies of all variables of ``model``, seed states included."""
    return [_to_numpy(v) for v in model.variables]


def restore_network(config, weights):
    """Rebuild a network from its config and the output of network_weights."""
    model = build_network(config, np.zeros(3 * len(config["units"]) + 1))
    for variable, value in zip(model.variables, weights):
        variable.assign(value)
    return model
