"""Saving, copying and displaying every public estimator.

Each estimator, unfitted and fitted, and a fitted Pipeline of
SlidingWindowTransformer and LSTMRegressor go through pickle, deepcopy,
joblib and clone. A fitted estimator must give exactly the same output
after the round trip, because LSTMRegressor stores its network's weights,
seed states and optimizer state, and the other estimators store plain
arrays. The tests also cover refitting a loaded LSTMRegressor, the Keras
native format for its network, the HTML display, feature names and pandas
output.
"""

import copy
import html
import pickle

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import estimator_html_repr
from sklearn.utils.validation import check_is_fitted

from skforecast_lstm import (
    ChowBreakTest,
    LSTMImpulseSimulator,
    LSTMRegressor,
    SlidingWindowTransformer,
    _network,
    make_windows,
)

WINDOW = 6
# Tiny networks. The optimizer argument is routed, so the round trips must keep it.
REGRESSOR_PARAMS = {
    "units": 2, "epochs": 1, "random_state": 0, "optimizer__beta_1": 0.8
}
PIPELINE_REGRESSOR_PARAMS = {"units": 2, "epochs": 1, "random_state": 0}
LAG_NAMES = [f"load_lag{k}" for k in range(WINDOW, 0, -1)]


@pytest.fixture(scope="module")
def data():
    """Windows of a named series, as DataFrames, and regressors for the Chow test."""
    t = np.arange(80)
    series = pd.Series(np.sin(t / 3.0) + 0.01 * t, name="load")
    X, y = make_windows(series, window=WINDOW)
    rng = np.random.default_rng(1)
    chow_X = pd.DataFrame(rng.standard_normal((60, 2)), columns=["a", "b"])
    chow_y = chow_X @ np.array([1.0, -0.5]) + rng.standard_normal(60)
    return {"X": X, "y": y, "chow_X": chow_X, "chow_y": chow_y}


def _pipeline():
    return make_pipeline(
        SlidingWindowTransformer(window=3), LSTMRegressor(**PIPELINE_REGRESSOR_PARAMS)
    )


# Each estimator with non-default parameters, how it is fitted, and the
# arrays that describe what the fitted estimator computes.
ESTIMATORS = {
    "SlidingWindowTransformer": (
        lambda: SlidingWindowTransformer(window=3),
        lambda est, d: est.fit(d["X"]),
        lambda est, d: [est.transform(d["X"]), est.columns_],
    ),
    "LSTMRegressor": (
        lambda: LSTMRegressor(**REGRESSOR_PARAMS),
        lambda est, d: est.fit(d["X"], d["y"]),
        lambda est, d: [est.predict(d["X"]), np.array(est.history_["loss"])],
    ),
    "ChowBreakTest": (
        lambda: ChowBreakTest(trim=0.2),
        lambda est, d: est.fit(d["chow_X"], d["chow_y"]),
        lambda est, d: [
            np.array([est.statistic_, est.p_value_, est.exp_f_, est.ave_f_]),
            est.f_statistics_,
            est.candidates_,
            est.summary()["statistic"].to_numpy(),
        ],
    ),
    "LSTMImpulseSimulator": (
        lambda: LSTMImpulseSimulator(n_units=3, n_steps=WINDOW, random_state=0),
        lambda est, d: est.fit(d["X"]),
        lambda est, d: [
            est.transform(d["X"]),
            est.simulate().layers[0].hidden_state,
        ],
    ),
    "Pipeline": (
        _pipeline,
        lambda est, d: est.fit(d["X"], d["y"]),
        lambda est, d: [est.predict(d["X"])],
    ),
}


def _through_joblib(estimator, tmp_path):
    path = tmp_path / "estimator.joblib"
    joblib.dump(estimator, path)
    return joblib.load(path)


ROUND_TRIPS = {
    "pickle": lambda est, tmp_path: pickle.loads(pickle.dumps(est)),
    "deepcopy": lambda est, tmp_path: copy.deepcopy(est),
    "joblib": _through_joblib,
}


@pytest.fixture(scope="module")
def fitted(data):
    """Each estimator fitted once, with the outputs it gave right after fit."""
    result = {}
    for name, (make, fit, outputs) in ESTIMATORS.items():
        estimator = fit(make(), data)
        result[name] = (estimator, outputs(estimator, data))
    return result


def _assert_same_params(restored, original):
    """Check that the parameters match, by name and by the repr of their values."""
    assert type(restored) is type(original)
    assert sorted(restored.get_params(deep=False)) == sorted(
        original.get_params(deep=False)
    )
    assert repr(restored) == repr(original)


# -- round trips --------------------------------------------------------------


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_unfitted_round_trip(name, trip, tmp_path):
    make, _, _ = ESTIMATORS[name]
    original = make()
    restored = ROUND_TRIPS[trip](original, tmp_path)
    _assert_same_params(restored, original)
    with pytest.raises(NotFittedError):
        check_is_fitted(restored)


@pytest.mark.parametrize("trip", ROUND_TRIPS)
@pytest.mark.parametrize("name", ESTIMATORS)
def test_fitted_round_trip_exact(name, trip, data, fitted, tmp_path):
    """A restored estimator computes the same floats, bit for bit."""
    _, _, outputs = ESTIMATORS[name]
    original, expected = fitted[name]
    restored = ROUND_TRIPS[trip](original, tmp_path)
    assert restored is not original
    _assert_same_params(restored, original)
    for got, want in zip(outputs(restored, data), expected, strict=True):
        assert_array_equal(got, want)
    # The copy owns its state: the original still computes what it did.
    for got, want in zip(outputs(original, data), expected, strict=True):
        assert_array_equal(got, want)


def test_round_trip_copies_network(fitted, tmp_path):
    """A restored LSTMRegressor has its own Keras network, with equal weights."""
    original, _ = fitted["LSTMRegressor"]
    for trip in ROUND_TRIPS.values():
        restored = trip(original, tmp_path)
        assert restored.model_ is not original.model_
        for got, want in zip(
            _network.network_weights(restored.model_),
            _network.network_weights(original.model_),
            strict=True,
        ):
            assert_array_equal(got, want)


@pytest.mark.parametrize("state", ["unfitted", "fitted"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_clone_is_unfitted_copy(name, state, fitted):
    """clone copies parameters, including routed ones, but never fitted state."""
    make, _, _ = ESTIMATORS[name]
    original = make() if state == "unfitted" else fitted[name][0]
    cloned = clone(original)
    _assert_same_params(cloned, original)
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)


def test_clone_keeps_routed_params(fitted):
    cloned = clone(fitted["LSTMRegressor"][0])
    assert cloned.get_params()["optimizer__beta_1"] == 0.8


# -- refitting a loaded LSTMRegressor -----------------------------------------


def test_loaded_regressor_refits_cold(data, fitted, tmp_path):
    """Without warm_start a loaded estimator refits from its seed, like a new one."""
    original, (prediction, _) = fitted["LSTMRegressor"]
    loaded = _through_joblib(original, tmp_path)
    loaded.fit(data["X"], data["y"])
    assert loaded.n_iter_ == 1
    assert_array_equal(loaded.predict(data["X"]), prediction)


def test_loaded_regressor_warm_start(data, tmp_path):
    """warm_start continues from the loaded weights and optimizer state."""
    X, y = data["X"], data["y"]
    params = {**REGRESSOR_PARAMS, "warm_start": True}
    in_memory = LSTMRegressor(**params).fit(X, y)
    first_fit = in_memory.predict(X)
    loaded = _through_joblib(in_memory, tmp_path)

    loaded.fit(X, y)
    in_memory.fit(X, y)

    assert loaded.n_iter_ == 2
    assert len(loaded.history_["loss"]) == 2
    # One more epoch from the saved state, exactly as without saving.
    assert_array_equal(loaded.predict(X), in_memory.predict(X))
    # A fresh warm_start estimator starts over, so it repeats the first fit.
    fresh = LSTMRegressor(**params).fit(X, y)
    assert_array_equal(fresh.predict(X), first_fit)
    assert not np.array_equal(loaded.predict(X), fresh.predict(X))


# -- Keras native format ------------------------------------------------------


def test_keras_native_network(data, fitted, tmp_path):
    """The saved network maps est._network_input(X) to the estimator's own output.

    model_ works on standardised input and targets, so the network alone
    predicts nothing in the target's units: the estimator's scaling and
    baseline turn its output into predictions.
    """
    estimator, (prediction, _) = fitted["LSTMRegressor"]
    X = data["X"]
    path = tmp_path / "net.keras"
    estimator.model_.save(path)
    network = keras.saving.load_model(path)

    inputs = estimator._network_input(X)
    # A direct call keeps float64, whereas Model.predict casts to float32.
    direct = keras.ops.convert_to_numpy(network(inputs, training=False))
    internal = _network.predict_network(estimator.model_, inputs)

    assert inputs.shape == (len(X), WINDOW, 1)
    assert direct.dtype == np.float64
    assert_array_equal(direct, internal)
    assert_array_equal(estimator._network_output_to_target(direct, X), prediction)


# -- HTML display ---------------------------------------------------------------

NON_DEFAULT = {
    "SlidingWindowTransformer": ["window=3"],
    "LSTMRegressor": ["units=2", "epochs=1", "random_state=0", "optimizer__beta_1=0.8"],
    "ChowBreakTest": ["trim=0.2"],
    "LSTMImpulseSimulator": ["n_units=3", "n_steps=6", "random_state=0"],
    "Pipeline": ["window=3", "units=2", "epochs=1", "random_state=0"],
}


@pytest.mark.parametrize("state", ["unfitted", "fitted"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_html_repr_shows_params(name, state, fitted):
    make, _, _ = ESTIMATORS[name]
    estimator = make() if state == "unfitted" else fitted[name][0]
    page = estimator_html_repr(estimator)
    text = repr(estimator)

    steps = estimator.steps if isinstance(estimator, Pipeline) else [(None, estimator)]
    for _, step in steps:
        assert type(step).__name__ in page
    # The page embeds the text repr, which lists exactly the non-default params.
    assert html.escape(text) in page
    for setting in NON_DEFAULT[name]:
        assert setting in text, setting
    assert "activation" not in text
    assert "peepholes" not in text


# -- feature names and pandas output ------------------------------------------


def test_transformer_feature_names(data, fitted):
    transformer, _ = fitted["SlidingWindowTransformer"]
    restored = pickle.loads(pickle.dumps(transformer))
    for estimator in (transformer, restored):
        assert list(estimator.feature_names_in_) == LAG_NAMES
        assert list(estimator.get_feature_names_out()) == LAG_NAMES[-3:]


def test_regressor_feature_names(data, fitted):
    """Names survive saving, and a loaded estimator still checks them."""
    regressor, _ = fitted["LSTMRegressor"]
    restored = pickle.loads(pickle.dumps(regressor))
    assert list(restored.feature_names_in_) == LAG_NAMES
    reordered = data["X"][LAG_NAMES[::-1]]
    with pytest.raises(ValueError, match="feature names should match"):
        restored.predict(reordered)


def test_two_channel_feature_names():
    """Names are "<channel>_lag<k>", oldest lag first and channel-minor."""
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    X, _ = make_windows(frame, window=3, target="a")
    transformer = SlidingWindowTransformer(window=2).fit(X)
    assert list(transformer.feature_names_in_) == [
        "a_lag3", "b_lag3", "a_lag2", "b_lag2", "a_lag1", "b_lag1",
    ]
    assert list(transformer.get_feature_names_out()) == [
        "a_lag2", "b_lag2", "a_lag1", "b_lag1",
    ]
    assert transformer.n_channels_ == 2


def test_pipeline_pandas_output_names(data, fitted, tmp_path):
    """With pandas output the regressor receives the transformer's lag names."""
    X, y = data["X"], data["y"]
    pipeline = _pipeline().set_output(transform="pandas").fit(X, y)
    expected_names = LAG_NAMES[-3:]
    assert list(pipeline[:-1].get_feature_names_out()) == expected_names
    assert list(pipeline[-1].feature_names_in_) == expected_names
    # The lags and the seed are those of the array pipeline, so are the floats.
    _, (prediction,) = fitted["Pipeline"]
    restored = _through_joblib(pipeline, tmp_path)
    assert_array_equal(restored.predict(X), prediction)


@pytest.mark.parametrize("trip", ROUND_TRIPS)
def test_transformer_pandas_output(data, trip, tmp_path):
    X = data["X"]
    transformer = SlidingWindowTransformer(window=3).set_output(transform="pandas")
    restored = ROUND_TRIPS[trip](transformer.fit(X), tmp_path)
    out = restored.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == LAG_NAMES[-3:]
    assert out.index.equals(X.index)
    assert_array_equal(out.to_numpy(), X.to_numpy()[:, -3:])


@pytest.mark.parametrize("trip", ROUND_TRIPS)
def test_simulator_pandas_output(data, fitted, trip, tmp_path):
    X = data["X"]
    simulator = LSTMImpulseSimulator(n_units=3, n_steps=WINDOW, random_state=0)
    simulator.set_output(transform="pandas").fit(X)
    restored = ROUND_TRIPS[trip](simulator, tmp_path)
    out = restored.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"unit{k}_hidden_state" for k in range(3)]
    assert out.index.equals(X.index)
    # Same seed, so the same units as the fitted array simulator.
    _, (expected, _) = fitted["LSTMImpulseSimulator"]
    assert_array_equal(out.to_numpy(), expected)
