"""Every public entry point against invalid, degenerate and read-only input.

One table lists each entry point with each kind of input: NaN and infinity,
empty and too short data, invalid window-like parameters, text, wrong
dimensions, constant and huge values, mismatched lengths and read-only
arrays. Invalid input must raise a ValueError or TypeError whose message
names the argument and what it accepts. Degenerate but valid input must
give finite values that are right for a stated reason. No call may change
its input, whether it raises or not.
"""

import copy
from dataclasses import dataclass
from types import SimpleNamespace

import keras
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skforecast_lstm import (
    ChowBreakTest,
    ImpulseResponse,
    LSTMImpulseSimulator,
    LSTMRegressor,
    SlidingWindowTransformer,
    last_window,
    make_windows,
    recursive_forecast,
)

WINDOW = 4
# Every LSTMRegressor in this file has this architecture, so Keras traces
# its training step once and later fits reuse the compiled network.
TINY = {"units": 2, "epochs": 1, "random_state": 0}
SIMULATOR = {"n_units": 3, "n_steps": WINDOW, "random_state": 0}


def _read_only_memmap(directory, name, values):
    path = directory / f"{name}.dat"
    writer = np.memmap(path, dtype=np.float64, mode="w+", shape=values.shape)
    writer[:] = values
    writer.flush()
    del writer
    return np.memmap(path, dtype=np.float64, mode="r", shape=values.shape)


def _read_only(values):
    values = np.array(values, copy=True)
    values.flags.writeable = False
    return values


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Small series, windows and fitted estimators shared by all cases."""
    series = np.sin(np.arange(40) / 3.0)
    X, y = make_windows(series, window=WINDOW)
    rng = np.random.default_rng(0)
    chow_X = rng.standard_normal((40, 2))
    chow_y = chow_X @ np.array([1.0, -0.5]) + rng.standard_normal(40)

    network = keras.Sequential(
        [keras.Input((WINDOW, 1)), keras.layers.LSTM(2), keras.layers.Dense(1)]
    )
    network.set_weights([np.full(w.shape, 0.5) for w in network.weights])

    directory = tmp_path_factory.mktemp("memmap")
    arrays = {"series": series, "X": X, "y": y, "chow_X": chow_X, "chow_y": chow_y}
    return SimpleNamespace(
        **arrays,
        regressor=LSTMRegressor(**TINY).fit(X, y),
        transformer=SlidingWindowTransformer(window=2).fit(X),
        simulator=LSTMImpulseSimulator(**SIMULATOR).fit(X),
        network=network,
        memmap={
            name: _read_only_memmap(directory, name, values)
            for name, values in arrays.items()
        },
    )


# -- entry points ---------------------------------------------------------------

# Each entry point takes the shared data, the inputs of the case, and keyword
# arguments: constructor parameters for a fit, call arguments otherwise.
ENTRY_POINTS = {
    "make_windows": lambda d, series, **kw: make_windows(
        series, **{"window": WINDOW, **kw}
    ),
    "last_window": lambda d, series, **kw: last_window(
        series, **{"window": WINDOW, **kw}
    ),
    "recursive_forecast": lambda d, series, **kw: recursive_forecast(
        d.regressor, series, **{"steps": 2, **kw}
    ),
    "SlidingWindowTransformer.fit": lambda d, X, y=None, **kw: (
        SlidingWindowTransformer(**{"window": 2, **kw}).fit(X, y)
    ),
    "SlidingWindowTransformer.transform": lambda d, X: d.transformer.transform(X),
    "LSTMRegressor.fit": lambda d, X, y, **kw: LSTMRegressor(**{**TINY, **kw}).fit(
        X, y
    ),
    "LSTMRegressor.predict": lambda d, X: d.regressor.predict(X),
    "ChowBreakTest.fit": lambda d, X, y, **kw: ChowBreakTest(**kw).fit(X, y),
    "LSTMImpulseSimulator.fit": lambda d, X, y=None, **kw: LSTMImpulseSimulator(
        **{**SIMULATOR, **kw}
    ).fit(X, y),
    "LSTMImpulseSimulator.transform": lambda d, X: d.simulator.transform(X),
    "LSTMImpulseSimulator.simulate": lambda d, shock, **kw: d.simulator.simulate(
        shock, **kw
    ),
    "LSTMImpulseSimulator.impulse_response": lambda d, X, **kw: (
        LSTMImpulseSimulator.impulse_response(d.regressor, X, **kw)
    ),
    "impulse_response of a Keras model": lambda d, X, **kw: (
        LSTMImpulseSimulator.impulse_response(d.network, X, **kw)
    ),
}


@dataclass(frozen=True)
class Raises:
    """The error a case must raise, and a pattern its message must match."""

    error: type
    match: str


def _case(entry, inputs, expected, case_id, **kwargs):
    """Return one row of the table. ``inputs`` maps the shared data to a tuple."""
    return pytest.param(entry, inputs, kwargs, expected, id=f"{entry}-{case_id}")


def _with_nan(values, position=5, value=np.nan):
    values = np.array(values, dtype=np.float64, copy=True)
    values.flat[position] = value
    return values


def _text(values):
    """Return the values as text, with one entry that is not a number."""
    text = np.asarray(values).astype(str)
    text.flat[1] = "a"
    return text


def _object_frame(X):
    """Return X as a DataFrame whose last column is text."""
    frame = pd.DataFrame(X, columns=[f"y_lag{k}" for k in range(X.shape[1], 0, -1)])
    frame[frame.columns[-1]] = "x"
    return frame


# -- checks for accepted input ------------------------------------------------

# Each check receives the result, the shared data, the entry point's call
# (bound to the case's keyword arguments) and the inputs of the case.


def _result_values(result, d):
    """Return the arrays that describe a result, for exact comparisons."""
    if isinstance(result, tuple):
        return [np.asarray(part) for part in result]
    if isinstance(result, ImpulseResponse):
        return [result.forecast, result.layers[0].hidden_state, result.input]
    if isinstance(result, LSTMRegressor):
        return [result.predict(d.X)]
    if isinstance(result, SlidingWindowTransformer):
        return [result.columns_]
    if isinstance(result, ChowBreakTest):
        return [np.array([result.statistic_, result.p_value_]), result.candidates_]
    if isinstance(result, LSTMImpulseSimulator):
        return [result.input_weights_, result.bias_, result.peephole_weights_]
    return [np.asarray(result)]


def same_as_writable(result, d, call, *inputs):
    """Read-only input gives exactly what writable copies of it give."""
    writable = [np.array(value, copy=True) for value in inputs]
    expected = _result_values(call(*writable), d)
    for got, want in zip(_result_values(result, d), expected, strict=True):
        assert_array_equal(got, want)


def all_finite(result, d, call, *inputs):
    for values in _result_values(result, d):
        assert np.isfinite(values).all(), values


def windows_of_constant(result, d, call, series):
    """Windows of a constant series contain only that constant."""
    X, y = result
    assert X.shape == (len(series) - WINDOW, WINDOW)
    assert np.all(X == series[0])
    assert np.all(y == series[0])


def windows_keep_huge_values(result, d, call, series):
    """make_windows copies values without rescaling them."""
    X, y = result
    assert_array_equal(X[0], series[:WINDOW])
    assert_array_equal(y, series[WINDOW:])


def last_values(result, d, call, series):
    assert_array_equal(result, series[-WINDOW:].reshape(1, -1))


def forecast_feeds_predictions_back(result, d, call, series):
    """Step 1 predicts the newest window, and step 2 appends that forecast."""
    first_window = series[-WINDOW:].reshape(1, -1)
    first = d.regressor.predict(first_window)[0]
    second_window = np.append(series[-WINDOW + 1 :], first).reshape(1, -1)
    assert np.isfinite(result).all()
    assert result[0] == first
    assert result[1] == d.regressor.predict(second_window)[0]


def level_forecast_at_huge_level(result, d, call, series):
    """Under baseline "last" a flat window at 1e30 forecasts 1e30.

    The network reads the window relative to its newest value, so its
    output is that of an all-zero window, far below the float64 spacing of
    values near 1e30 (about 1.4e14).
    """
    assert d.regressor.baseline_ == "last"
    assert_array_equal(result, np.full(2, 1e30))


def keeps_newest_lags(result, d, call, X, y=None):
    """window=2 keeps the two newest columns of each row."""
    assert_array_equal(result.transform(X), X[:, -2:])


def transform_keeps_newest_lags(result, d, call, X):
    assert_array_equal(result, X[:, -2:])


def ignores_y(result, d, call, X, y):
    """fit documents y as ignored, so a y of another length changes nothing."""
    assert_array_equal(result.columns_, call(X).columns_)


def predicts_only_row(result, d, call, X, y):
    """One row makes the linear baseline equal to that row's target.

    The baseline then explains the target exactly, so the network's output
    is scaled by 1e-12 times the target's size (see _target_mean_std) and
    every prediction is the single target.
    """
    assert result.baseline_ == "linear"
    prediction = result.predict(d.X[:5])
    assert_allclose(prediction, np.full(5, y[0]), rtol=1e-10)


def predicts_constant(result, d, call, X, y):
    """A constant series is a valid, degenerate regression that predicts itself."""
    prediction = result.predict(X[:3])
    assert np.isfinite(prediction).all()
    assert_allclose(prediction, y[:3], rtol=1e-12)


def predicts_target_mean(result, d, call, X, y):
    """Constant inputs carry no information, so least squares predicts the mean."""
    prediction = result.predict(X[:3])
    assert np.isfinite(prediction).all()
    assert_allclose(prediction, np.full(3, y.mean()), rtol=1e-12)


def scales_with_data(result, d, call, X, y):
    """X and y times 1e30 scale the predictions, because fit standardises both."""
    prediction = result.predict(X)
    assert np.isfinite(prediction).all()
    assert_allclose(prediction / 1e30, d.regressor.predict(d.X), rtol=1e-12)


def predict_first_row(result, d, call, X):
    assert_array_equal(result, d.regressor.predict(d.X)[:1])


def equal_rows_equal_predictions(result, d, call, X):
    assert np.isfinite(result).all()
    assert np.all(result == result[0])


def chow_constant_column_is_intercept(result, d, call, X, y):
    """A nonzero constant column serves as the intercept; none is added."""
    assert not result.intercept_added_
    assert result.n_regressors_ == 3
    reference = ChowBreakTest().fit(d.chow_X, d.chow_y)
    assert_allclose(result.statistic_, reference.statistic_, rtol=1e-9)


def chow_scale_invariant(result, d, call, X, y):
    """Chow F compares residual sums of squares, so rescaling X leaves it unchanged."""
    reference = ChowBreakTest().fit(d.chow_X, d.chow_y)
    assert result.n_regressors_ == 3
    assert_allclose(result.statistic_, reference.statistic_, rtol=1e-9)
    assert result.break_index_ == reference.break_index_


def chow_numeric_text(result, d, call, X, y):
    """Numbers written as text are numbers."""
    assert_allclose(result.statistic_, call(X, y.astype(float)).statistic_, rtol=0)


def same_weights_as_fixture(result, d, call, X, y=None):
    """fit reads only the column count of X, so the weights come from the seed alone."""
    assert result.n_features_in_ == WINDOW
    assert_array_equal(result.input_weights_, d.simulator.input_weights_)


def units_saturate(result, d, call, X):
    """Huge inputs saturate the gates, so each unit output stays within [-1, 1]."""
    assert np.isfinite(result).all()
    assert np.all(np.abs(result) <= 1.0)


def gates_in_unit_interval(result, d, call, shock):
    """Sigmoid gates stay in [0, 1] and unit outputs in [-1, 1], whatever the input."""
    layer = result.layers[0]
    for gate in (layer.input_gate, layer.forget_gate, layer.output_gate):
        assert np.isfinite(gate).all()
        assert np.all((gate >= 0.0) & (gate <= 1.0))
    assert np.all(np.abs(layer.hidden_state) <= 1.0)


def one_step_shock(result, d, call, shock):
    assert result.layers[0].hidden_state.shape == (SIMULATOR["n_units"], 1)
    assert np.isfinite(result.layers[0].cell_state).all()


def one_window_has_no_band(result, d, call, X):
    """A band is a spread over windows, so one window has none."""
    assert result.n_windows == 1
    assert result.lower is None
    assert result.forecast_lower is None
    assert np.isfinite(result.forecast).all()


def shock_lost_at_huge_level(result, d, call, X):
    """A shock of 1 added to 1e30 rounds away in float64, so nothing responds."""
    assert_array_equal(result.forecast, [0.0])
    assert_array_equal(result.layers[0].hidden_state, 0.0)


def matches_keras(result, d, call, X):
    """The NumPy forward pass agrees with Keras on the shocked window."""
    shocked = np.array(X, copy=True)
    shocked[:, 0, 0] += 1.0
    response = d.network(shocked) - d.network(X)
    assert_allclose(result.forecast, np.mean(response, axis=0), rtol=1e-5)


# -- the table ----------------------------------------------------------------

NOT_FINITE_SERIES = r"series contains NaN or infinity \(first at position 5\)"
SHORT = r"series has {n} time steps, too short for one window: window=4 plus horizon=1"
FEW = r"series has {n} time steps, fewer than window=4"
FEW_VALUES = r"series has {n} values, fewer than the estimator's window of 4"
SERIES_TEXT = r"series must hold numbers; got dtype .*pd.to_numeric"
SERIES_DIMS = (
    r"series must be 1-D \(one channel\) or 2-D \(time, channels\); got an array "
    r"with 3 dimensions"
)
X_NAN = r"Input X contains NaN"
X_INF = r"Input X contains infinity"
Y_NAN = r"Input y contains NaN"
NO_ROWS = (
    r"Found array with 0 sample\(s\) \(shape=\(0, \d+\)\) while a minimum of 1 is "
    r"required"
)
TEXT = r" must contain numbers, but converting it to float failed: could not convert"
X_TEXT = "X" + TEXT
Y_TEXT = "y" + TEXT
ONE_D = r"Expected 2D array, got 1D array instead"
THREE_D = r"Found array with dim 3, while dim <= 2 is required"
LENGTHS = r"Found input variables with inconsistent numbers of samples: \[\d+, \d+\]"
NARROW = r"X has 3 features, but \w+ is expecting 4 features as input"
WINDOWS_SHAPE = r"X has shape {shape}, but the model reads \(n_windows, 4\) rows or"
PARAMETER = r"The '{name}' parameter of \w+ must be an int in the range \[1, inf\)"

TABLE = [
    # make_windows: the series must be finite, numeric, 1-D or 2-D and long enough.
    _case("make_windows", lambda d: (pd.DataFrame({"a": _with_nan(d.series)}),),
          Raises(ValueError, NOT_FINITE_SERIES), "nan-frame"),
    _case("make_windows", lambda d: (pd.Series(_with_nan(d.series, value=-np.inf)),),
          Raises(ValueError, NOT_FINITE_SERIES), "inf-series"),
    _case("make_windows", lambda d: (np.array([]),),
          Raises(ValueError, SHORT.format(n=0)), "empty"),
    _case("make_windows", lambda d: (d.series[:1],),
          Raises(ValueError, SHORT.format(n=1)), "one-row"),
    _case("make_windows", lambda d: (d.series[:4],),
          Raises(ValueError, SHORT.format(n=4)), "shorter-than-window"),
    _case("make_windows", lambda d: (d.series,),
          Raises(ValueError, PARAMETER.format(name="window")), "window-negative",
          window=-3),
    _case("make_windows", lambda d: (d.series,),
          Raises(TypeError, PARAMETER.format(name="window")), "window-float",
          window=np.float64(2.0)),
    _case("make_windows", lambda d: (d.series,),
          Raises(TypeError, PARAMETER.format(name="window")), "window-text",
          window="4"),
    _case("make_windows", lambda d: (d.series,),
          Raises(ValueError, PARAMETER.format(name="horizon")), "horizon-negative",
          horizon=-1),
    _case("make_windows", lambda d: (_text(d.series),),
          Raises(TypeError, SERIES_TEXT), "text"),
    _case("make_windows", lambda d: (pd.Series(_text(d.series), dtype="string"),),
          Raises(TypeError, SERIES_TEXT), "string-dtype"),
    _case("make_windows", lambda d: (np.zeros((10, 1, 1)),),
          Raises(ValueError, SERIES_DIMS), "3d"),
    _case("make_windows", lambda d: (np.full(12, 5.0),), windows_of_constant,
          "constant"),
    _case("make_windows", lambda d: (d.series * 1e30,), windows_keep_huge_values,
          "1e30"),
    _case("make_windows", lambda d: (_read_only(d.series),), same_as_writable,
          "read-only"),
    _case("make_windows", lambda d: (d.memmap["series"],), same_as_writable,
          "memmap"),
    # last_window
    _case("last_window", lambda d: (_with_nan(d.series, 39),),
          Raises(ValueError, r"series contains NaN .* \(first at position 39\)"),
          "nan"),
    _case("last_window", lambda d: (np.array([]),),
          Raises(ValueError, FEW.format(n=0)), "empty"),
    _case("last_window", lambda d: (d.series[:1],),
          Raises(ValueError, FEW.format(n=1)), "one-row"),
    _case("last_window", lambda d: (d.series[:3],),
          Raises(ValueError, FEW.format(n=3)), "shorter-than-window"),
    _case("last_window", lambda d: (d.series,),
          Raises(ValueError, PARAMETER.format(name="window")), "window-zero", window=0),
    _case("last_window", lambda d: (d.series,),
          Raises(TypeError, PARAMETER.format(name="window")), "window-float",
          window=2.5),
    _case("last_window", lambda d: (_text(d.series),),
          Raises(TypeError, SERIES_TEXT), "text"),
    _case("last_window", lambda d: (np.zeros((10, 2, 2)),),
          Raises(ValueError, SERIES_DIMS), "3d"),
    _case("last_window", lambda d: (np.full(12, 5.0),), last_values, "constant"),
    _case("last_window", lambda d: (d.series * 1e30,), last_values, "1e30"),
    _case("last_window", lambda d: (_read_only(d.series),), same_as_writable,
          "read-only"),
    _case("last_window", lambda d: (d.memmap["series"],), same_as_writable, "memmap"),
    # recursive_forecast: the series feeds an estimator fitted on windows of 4.
    _case("recursive_forecast", lambda d: (_with_nan(d.series, 39),),
          Raises(ValueError, r"series contains NaN or infinity"), "nan"),
    _case("recursive_forecast", lambda d: (_with_nan(d.series, 2, np.inf),),
          Raises(ValueError, r"series contains NaN .* \(first at position 2\)"),
          "inf"),
    _case("recursive_forecast", lambda d: (np.array([]),),
          Raises(ValueError, FEW_VALUES.format(n=0)), "empty"),
    _case("recursive_forecast", lambda d: (d.series[:1],),
          Raises(ValueError, FEW_VALUES.format(n=1)), "one-row"),
    _case("recursive_forecast", lambda d: (d.series[:3],),
          Raises(ValueError, FEW_VALUES.format(n=3)), "shorter-than-window"),
    _case("recursive_forecast", lambda d: (d.series,),
          Raises(ValueError, r"steps must be a positive integer; got 0"), "steps-zero",
          steps=0),
    _case("recursive_forecast", lambda d: (d.series,),
          Raises(ValueError, r"steps must be a positive integer; got -2"),
          "steps-negative", steps=-2),
    _case("recursive_forecast", lambda d: (d.series,),
          Raises(ValueError, r"steps must be a positive integer; got 2.0"),
          "steps-float", steps=2.0),
    _case("recursive_forecast", lambda d: (d.series,),
          Raises(ValueError, r"steps must be a positive integer; got True"),
          "steps-bool", steps=True),
    _case("recursive_forecast", lambda d: (_text(d.series),),
          Raises(TypeError, SERIES_TEXT), "text"),
    _case("recursive_forecast", lambda d: (np.column_stack([d.series, d.series]),),
          Raises(ValueError, r"needs a single-channel series.*got 2 channels"),
          "two-channels"),
    _case("recursive_forecast", lambda d: (np.zeros((10, 1, 1)),),
          Raises(ValueError, SERIES_DIMS), "3d"),
    _case("recursive_forecast", lambda d: (np.full(10, 0.5),),
          forecast_feeds_predictions_back, "constant"),
    _case("recursive_forecast", lambda d: (np.full(10, 1e30),),
          level_forecast_at_huge_level, "1e30"),
    _case("recursive_forecast", lambda d: (_read_only(d.series),), same_as_writable,
          "read-only"),
    _case("recursive_forecast", lambda d: (d.memmap["series"],), same_as_writable,
          "memmap"),
    # SlidingWindowTransformer.fit
    _case("SlidingWindowTransformer.fit", lambda d: (_with_nan(d.X),),
          Raises(ValueError, X_NAN), "nan"),
    _case("SlidingWindowTransformer.fit", lambda d: (_with_nan(d.X, 3, np.inf),),
          Raises(ValueError, X_INF), "inf"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X[:0],),
          Raises(ValueError, NO_ROWS + " by SlidingWindowTransformer"), "empty"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X[:1],), keeps_newest_lags,
          "one-row"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X,),
          Raises(ValueError, r"window=5 with lag_step=1 spans 5 time steps, but the "
                             r"rows hold only 4"),
          "longer-than-rows", window=5),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X,),
          Raises(ValueError, PARAMETER.format(name="window")), "window-zero",
          window=0),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X,),
          Raises(TypeError, PARAMETER.format(name="window")), "window-float",
          window=2.0),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X,),
          Raises(ValueError, PARAMETER.format(name="lag_step")), "lag-step-negative",
          lag_step=-1),
    _case("SlidingWindowTransformer.fit", lambda d: (_text(d.X),),
          Raises(ValueError, X_TEXT), "text"),
    _case("SlidingWindowTransformer.fit", lambda d: (_object_frame(d.X),),
          Raises(ValueError, X_TEXT + r" string to float: 'x'"), "object-column"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.series,),
          Raises(ValueError, ONE_D), "1d"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X[:, :, None],),
          Raises(ValueError, THREE_D + " by SlidingWindowTransformer"), "3d"),
    _case("SlidingWindowTransformer.fit", lambda d: (np.full((6, 4), 5.0),),
          keeps_newest_lags, "constant"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X * 1e30,), keeps_newest_lags,
          "1e30"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.X, d.y[:-1]), ignores_y,
          "mismatched-y"),
    _case("SlidingWindowTransformer.fit", lambda d: (_read_only(d.X),),
          same_as_writable, "read-only"),
    _case("SlidingWindowTransformer.fit", lambda d: (d.memmap["X"],),
          same_as_writable, "memmap"),
    # SlidingWindowTransformer.transform, fitted on rows of 4 lags
    _case("SlidingWindowTransformer.transform", lambda d: (_with_nan(d.X),),
          Raises(ValueError, X_NAN), "nan"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.X[:0],),
          Raises(ValueError, NO_ROWS), "empty"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.X[:1],),
          transform_keeps_newest_lags, "one-row"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.X[:, :3],),
          Raises(ValueError, NARROW), "shorter-than-window"),
    _case("SlidingWindowTransformer.transform", lambda d: (_text(d.X),),
          Raises(ValueError, X_TEXT), "text"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.X[0],),
          Raises(ValueError, ONE_D), "1d"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.X[:, :, None],),
          Raises(ValueError, THREE_D), "3d"),
    _case("SlidingWindowTransformer.transform", lambda d: (np.full((3, 4), 5.0),),
          transform_keeps_newest_lags, "constant"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.X * 1e30,),
          transform_keeps_newest_lags, "1e30"),
    _case("SlidingWindowTransformer.transform", lambda d: (_read_only(d.X),),
          same_as_writable, "read-only"),
    _case("SlidingWindowTransformer.transform", lambda d: (d.memmap["X"],),
          same_as_writable, "memmap"),
    # LSTMRegressor.fit
    _case("LSTMRegressor.fit", lambda d: (pd.DataFrame(d.X), pd.Series(_with_nan(d.y))),
          Raises(ValueError, Y_NAN), "nan-in-y"),
    _case("LSTMRegressor.fit", lambda d: (_with_nan(d.X, 9, -np.inf), d.y),
          Raises(ValueError, X_INF), "inf"),
    _case("LSTMRegressor.fit", lambda d: (d.X[:0], d.y[:0]),
          Raises(ValueError, NO_ROWS + " by LSTMRegressor"), "empty"),
    _case("LSTMRegressor.fit", lambda d: (d.X[:1], d.y[:1]), predicts_only_row,
          "one-row"),
    _case("LSTMRegressor.fit", lambda d: (d.X, d.y),
          Raises(ValueError, r"X has 4 columns, which is not a multiple of "
                             r"n_channels=3"),
          "channels-not-dividing", n_channels=3),
    _case("LSTMRegressor.fit", lambda d: (d.X, d.y),
          Raises(ValueError, PARAMETER.format(name="n_channels")), "channels-zero",
          n_channels=0),
    _case("LSTMRegressor.fit", lambda d: (d.X, d.y),
          Raises(TypeError, PARAMETER.format(name="n_channels")), "channels-float",
          n_channels=1.0),
    _case("LSTMRegressor.fit", lambda d: (d.X, d.y[:, None][:, :0]),
          Raises(ValueError, r"Found array with 0 feature\(s\) \(shape=\(36, 0\)\)"),
          "horizon-zero"),
    _case("LSTMRegressor.fit", lambda d: (_object_frame(d.X), d.y),
          Raises(ValueError, X_TEXT + r" string to float: 'x'"), "object-column"),
    _case("LSTMRegressor.fit", lambda d: (d.X, _text(d.y).astype(object)),
          Raises(ValueError, Y_TEXT), "object-y"),
    _case("LSTMRegressor.fit", lambda d: (d.X[:, :, None, None], d.y),
          Raises(ValueError, r"X must be 2-D \(n_samples, n_features\) or 3-D "
                             r"\(n_samples, timesteps, channels\); got an array of "
                             r"shape \(36, 4, 1, 1\)"),
          "4d"),
    _case("LSTMRegressor.fit", lambda d: (d.X, d.y[:, None, None]),
          Raises(ValueError, THREE_D + " by LSTMRegressor"), "3d-y"),
    _case("LSTMRegressor.fit", lambda d: make_windows(np.full(30, 5.0), WINDOW),
          predicts_constant, "constant-series"),
    _case("LSTMRegressor.fit", lambda d: (np.ones((20, 4)), np.arange(20.0)),
          predicts_target_mean, "constant-X"),
    _case("LSTMRegressor.fit", lambda d: (d.X * 1e30, d.y * 1e30), scales_with_data,
          "1e30"),
    _case("LSTMRegressor.fit", lambda d: (d.X * 1e200, d.y * 1e200),
          Raises(ValueError, r"X or y contains values up to 1e\+200, too large to "
                             r"standardise in float64"),
          "1e200"),
    _case("LSTMRegressor.fit", lambda d: (d.X[:-1], d.y),
          Raises(ValueError, LENGTHS), "mismatched-lengths"),
    _case("LSTMRegressor.fit", lambda d: (_read_only(d.X), _read_only(d.y)),
          same_as_writable, "read-only"),
    _case("LSTMRegressor.fit", lambda d: (d.memmap["X"], d.memmap["y"]),
          same_as_writable, "memmap"),
    # LSTMRegressor.predict, fitted on rows of 4 lags
    _case("LSTMRegressor.predict", lambda d: (_with_nan(d.X, 3, np.inf),),
          Raises(ValueError, X_INF), "inf"),
    _case("LSTMRegressor.predict", lambda d: (d.X[:0],),
          Raises(ValueError, NO_ROWS), "empty"),
    _case("LSTMRegressor.predict", lambda d: (d.X[:1],), predict_first_row, "one-row"),
    _case("LSTMRegressor.predict", lambda d: (d.X[:, :3],),
          Raises(ValueError, NARROW), "shorter-than-window"),
    _case("LSTMRegressor.predict", lambda d: (_text(d.X),),
          Raises(ValueError, X_TEXT), "text"),
    _case("LSTMRegressor.predict", lambda d: (d.X[:, :, None, None],),
          Raises(ValueError, r"X must be 2-D .* or 3-D .*shape \(36, 4, 1, 1\)"), "4d"),
    _case("LSTMRegressor.predict", lambda d: (np.full((3, 4), 5.0),),
          equal_rows_equal_predictions, "constant"),
    _case("LSTMRegressor.predict", lambda d: (np.full((2, 4), 1e30),),
          level_forecast_at_huge_level, "1e30"),
    _case("LSTMRegressor.predict", lambda d: (_read_only(d.X),), same_as_writable,
          "read-only"),
    _case("LSTMRegressor.predict", lambda d: (d.memmap["X"],), same_as_writable,
          "memmap"),
    # ChowBreakTest.fit, on 40 rows of two random regressors
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, pd.Series(_with_nan(d.chow_y))),
          Raises(ValueError, Y_NAN), "nan-in-y"),
    _case("ChowBreakTest.fit", lambda d: (_with_nan(d.chow_X, 4, np.inf), d.chow_y),
          Raises(ValueError, X_INF), "inf"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X[:0], d.chow_y[:0]),
          Raises(ValueError, NO_ROWS), "empty"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X[:1], d.chow_y[:1]),
          Raises(ValueError, r"needs at least 2k \+ 2 = \d+ samples .* n_samples = 1"),
          "one-row"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X[:7], d.chow_y[:7]),
          Raises(ValueError, r"needs at least 2k \+ 2 = 8 samples for k = 3 .* "
                             r"got n_samples = 7"),
          "too-few-rows"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, d.chow_y),
          Raises(ValueError, r"break_point=0 puts 0 of 40 rows in regime one.* "
                             r"between 4 and 36 rows"),
          "break-zero", break_point=0),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, d.chow_y),
          Raises(ValueError, r"break_point=-5 puts -5 of 40 rows"), "break-negative",
          break_point=-5),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, d.chow_y),
          Raises(ValueError, r"break_point=20.5 is not an integer row position"),
          "break-float", break_point=20.5),
    _case("ChowBreakTest.fit", lambda d: (_text(d.chow_X), d.chow_y),
          Raises(ValueError, X_TEXT), "text"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, _text(d.chow_y)),
          Raises(ValueError, Y_TEXT), "text-y"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, d.chow_y.astype(str)),
          chow_numeric_text, "numeric-text-y"),
    _case("ChowBreakTest.fit", lambda d: (_object_frame(d.chow_X), d.chow_y),
          Raises(ValueError, X_TEXT + r" string to float: 'x'"), "object-column"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X[:, 0], d.chow_y),
          Raises(ValueError, ONE_D), "1d"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X[:, :, None], d.chow_y),
          Raises(ValueError, THREE_D + " by ChowBreakTest"), "3d"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, np.column_stack([d.chow_y] * 2)),
          Raises(ValueError, r"y should be a 1d array, got .* shape \(40, 2\)"),
          "2d-y"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, np.full(40, 3.0)),
          Raises(ValueError, r"y is an exact linear function of the columns of X"),
          "constant-y"),
    _case("ChowBreakTest.fit", lambda d: (np.column_stack([d.chow_X, np.full(40, 3.0)]),
                                          d.chow_y),
          chow_constant_column_is_intercept, "constant-column"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X * 1e30, d.chow_y),
          chow_scale_invariant, "1e30"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X * 1e200, d.chow_y),
          chow_scale_invariant, "1e200"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X * 1e-200, d.chow_y),
          chow_scale_invariant, "1e-200"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, d.chow_y * 1e200),
          Raises(ValueError, r"y contains values up to .*e\+200, whose sum of squares "
                             r"overflows float64.*Divide y by a constant"),
          "1e200-y"),
    _case("ChowBreakTest.fit", lambda d: (d.chow_X, d.chow_y[:-1]),
          Raises(ValueError, LENGTHS), "mismatched-lengths"),
    _case("ChowBreakTest.fit", lambda d: (_read_only(d.chow_X), _read_only(d.chow_y)),
          same_as_writable, "read-only"),
    _case("ChowBreakTest.fit", lambda d: (d.memmap["chow_X"], d.memmap["chow_y"]),
          same_as_writable, "memmap"),
    # LSTMImpulseSimulator.fit: X sets only the input length.
    _case("LSTMImpulseSimulator.fit", lambda d: (_with_nan(d.X),),
          Raises(ValueError, X_NAN), "nan"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.X[:0],),
          Raises(ValueError, NO_ROWS + " by LSTMImpulseSimulator"), "empty"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.X[:1],), same_weights_as_fixture,
          "one-row"),
    _case("LSTMImpulseSimulator.fit", lambda d: (None,),
          Raises(ValueError, PARAMETER.format(name="n_steps")), "steps-zero",
          n_steps=0),
    _case("LSTMImpulseSimulator.fit", lambda d: (None,),
          Raises(TypeError, PARAMETER.format(name="n_steps")), "steps-float",
          n_steps=4.0),
    _case("LSTMImpulseSimulator.fit", lambda d: (_text(d.X),),
          Raises(ValueError, X_TEXT), "text"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.X[:, 0],),
          Raises(ValueError, ONE_D), "1d"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.X[:, :, None],),
          Raises(ValueError, THREE_D + " by LSTMImpulseSimulator"), "3d"),
    _case("LSTMImpulseSimulator.fit", lambda d: (np.full((5, 4), 5.0),),
          same_weights_as_fixture, "constant"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.X * 1e30,),
          same_weights_as_fixture, "1e30"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.X, d.y[:-1]),
          same_weights_as_fixture, "mismatched-y"),
    _case("LSTMImpulseSimulator.fit", lambda d: (_read_only(d.X),), same_as_writable,
          "read-only"),
    _case("LSTMImpulseSimulator.fit", lambda d: (d.memmap["X"],), same_as_writable,
          "memmap"),
    # LSTMImpulseSimulator.transform, fitted on sequences of 4 steps
    _case("LSTMImpulseSimulator.transform", lambda d: (_with_nan(d.X, 2, np.inf),),
          Raises(ValueError, X_INF), "inf"),
    _case("LSTMImpulseSimulator.transform", lambda d: (d.X[:0],),
          Raises(ValueError, NO_ROWS), "empty"),
    _case("LSTMImpulseSimulator.transform", lambda d: (d.X[:1],), all_finite,
          "one-row"),
    _case("LSTMImpulseSimulator.transform", lambda d: (d.X[:, :3],),
          Raises(ValueError, NARROW), "shorter-than-window"),
    _case("LSTMImpulseSimulator.transform", lambda d: (_object_frame(d.X),),
          Raises(ValueError, X_TEXT + r" string to float: 'x'"), "object-column"),
    _case("LSTMImpulseSimulator.transform", lambda d: (d.X[0],),
          Raises(ValueError, ONE_D), "1d"),
    _case("LSTMImpulseSimulator.transform", lambda d: (d.X[:, :, None],),
          Raises(ValueError, THREE_D), "3d"),
    _case("LSTMImpulseSimulator.transform", lambda d: (np.full((3, 4), 5.0),),
          equal_rows_equal_predictions, "constant"),
    _case("LSTMImpulseSimulator.transform", lambda d: (np.full((2, 4), 1e30),),
          units_saturate, "1e30"),
    _case("LSTMImpulseSimulator.transform", lambda d: (np.full((2, 4), -1e30),),
          units_saturate, "minus-1e30"),
    _case("LSTMImpulseSimulator.transform", lambda d: (_read_only(d.X),),
          same_as_writable, "read-only"),
    _case("LSTMImpulseSimulator.transform", lambda d: (d.memmap["X"],),
          same_as_writable, "memmap"),
    # LSTMImpulseSimulator.simulate: the shock is 1-D or one row per unit.
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.array([1.0, np.nan, 0.0]),),
          Raises(ValueError, r"shock contains NaN or infinite values"), "nan"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.array([]),),
          Raises(ValueError, r"shock must contain at least one step"), "empty"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.ones(1),), one_step_shock,
          "one-step"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (_text(d.series[:5]),),
          Raises(ValueError, r"shock must contain numbers, but converting it to float "
                             r"failed"),
          "text"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.zeros((3, 2, 2)),),
          Raises(ValueError, r"shock must be 1-D \(n_steps,\) or 2-D \(n_units=3, "
                             r"n_steps\); got shape \(3, 2, 2\)"),
          "3d"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.zeros((2, 5)),),
          Raises(ValueError, r"shock must be 1-D .* got shape \(2, 5\)"),
          "rows-not-units"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.float64(1.0),),
          Raises(ValueError, r"shock must be 1-D .* got shape \(\)"), "0d"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.full(6, 5.0),),
          gates_in_unit_interval, "constant"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (np.full(6, 1e30),),
          gates_in_unit_interval, "1e30"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (_read_only(d.series),),
          same_as_writable, "read-only"),
    _case("LSTMImpulseSimulator.simulate", lambda d: (d.memmap["series"],),
          same_as_writable, "memmap"),
    # impulse_response of the LSTMRegressor fitted on rows of 4 lags
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (_with_nan(d.X),),
          Raises(ValueError, r"X contains NaN or infinite values"), "nan"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X[:0],),
          Raises(ValueError, r"X contains no windows; pass at least one row"), "empty"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X[:1],),
          one_window_has_no_band, "one-row"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X[:, :3],),
          Raises(ValueError, WINDOWS_SHAPE.format(shape=r"\(36, 3\)")),
          "shorter-than-window"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X,),
          Raises(ValueError, r"step must be an integer; got 1.5"), "step-float",
          step=1.5),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X,),
          Raises(ValueError, r"step=4 is out of range: the window has 4 time steps"),
          "step-past-window", step=4),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X,),
          Raises(ValueError, r"size must be a finite number; got nan"), "size-nan",
          size=float("nan")),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (_text(d.X),),
          Raises(ValueError, X_TEXT), "text"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (_object_frame(d.X),),
          Raises(ValueError, X_TEXT + r" string to float: 'x'"), "object-column"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X[0],),
          Raises(ValueError, WINDOWS_SHAPE.format(shape=r"\(4,\)")), "1d"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.X[:, :, None, None],),
          Raises(ValueError, WINDOWS_SHAPE.format(shape=r"\(36, 4, 1, 1\)")), "4d"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (np.full((3, 4), 5.0),),
          all_finite, "constant"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (np.full((3, 4), 1e30),),
          shock_lost_at_huge_level, "1e30"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (_read_only(d.X),),
          same_as_writable, "read-only"),
    _case("LSTMImpulseSimulator.impulse_response", lambda d: (d.memmap["X"],),
          same_as_writable, "memmap"),
    # impulse_response of a Keras model, which reads 3-D windows only
    _case("impulse_response of a Keras model", lambda d: (d.X,),
          Raises(ValueError, r"X has shape \(36, 4\), but the model reads "
                             r"\(n_windows, 4, 1\)"),
          "2d"),
    _case("impulse_response of a Keras model", lambda d: (pd.DataFrame(d.X),),
          Raises(ValueError, r"X must be a 3-D array .* for a Keras model; got a "
                             r"DataFrame"),
          "frame"),
    _case("impulse_response of a Keras model", lambda d: (np.full((2, 4, 1), np.inf),),
          Raises(ValueError, r"X contains NaN or infinite values"), "inf"),
    _case("impulse_response of a Keras model",
          lambda d: (d.X[:, :, None] * 1e30,), all_finite, "1e30"),
    _case("impulse_response of a Keras model", lambda d: (d.X[:5, :, None],),
          matches_keras, "values"),
    _case("impulse_response of a Keras model",
          lambda d: (_read_only(d.X[:, :, None]),), same_as_writable, "read-only"),
]


# -- the test -------------------------------------------------------------------


def _snapshot(value):
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=True)
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True), value.flags.writeable
    return copy.deepcopy(value)


def _assert_unchanged(value, snapshot):
    if isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(value, snapshot)
    elif isinstance(value, pd.Series):
        pd.testing.assert_series_equal(value, snapshot)
    elif isinstance(value, np.ndarray):
        copy_before, writeable = snapshot
        assert value.dtype == copy_before.dtype
        assert_array_equal(value, copy_before)
        assert value.flags.writeable == writeable
    else:
        assert value == snapshot


@pytest.mark.parametrize("entry, make_inputs, kwargs, expected", TABLE)
def test_entry_point_input(data, entry, make_inputs, kwargs, expected):
    inputs = make_inputs(data)
    snapshots = [_snapshot(value) for value in inputs]

    def call(*args):
        return ENTRY_POINTS[entry](data, *args, **kwargs)

    if isinstance(expected, Raises):
        with pytest.raises(expected.error, match=expected.match):
            call(*inputs)
    else:
        result = call(*inputs)
        expected(result, data, call, *inputs)

    for value, snapshot in zip(inputs, snapshots, strict=True):
        _assert_unchanged(value, snapshot)


def test_table_covers_every_entry_point():
    """Each entry point meets invalid, degenerate and read-only input."""
    entries = {param.values[0] for param in TABLE}
    assert entries == set(ENTRY_POINTS)
    for entry in ENTRY_POINTS:
        ids = [param.id for param in TABLE if param.values[0] == entry]
        assert any(case_id.endswith("read-only") for case_id in ids), entry
        expectations = [param.values[3] for param in TABLE if param.values[0] == entry]
        assert any(isinstance(expected, Raises) for expected in expectations), entry
