"""Tests of make_windows, last_window, recursive_forecast and SlidingWindowTransformer.

Most series here carry their own time index as values: channel ``c`` at
time ``t`` is ``100 * c + t``. Every value in a window or target then
identifies the time step it came from.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skforecast_lstm import (
    SlidingWindowTransformer,
    last_window,
    make_windows,
    recursive_forecast,
)


def _time_series(n, n_channels):
    """Return an (n, n_channels) series whose channel c at time t is 100 * c + t."""
    return np.arange(n)[:, None] + 100.0 * np.arange(n_channels)


def _reference_starts(n, window, horizon, stride):
    """Return window start positions by brute force, oldest first.

    Every start from 0 to n - window - horizon is a candidate. The stride
    keeps the starts that lie an exact multiple of ``stride`` before the
    newest one.
    """
    newest = n - window - horizon
    return [s for s in range(newest + 1) if (newest - s) % stride == 0]


def _check_alignment(n, window, horizon, stride, n_channels):
    """Assert every alignment property of make_windows on a time-index series."""
    case = f"n={n}, window={window}, horizon={horizon}, stride={stride}"
    series = _time_series(n, n_channels)
    if n_channels == 1:
        series = series[:, 0]
    if n < window + horizon:
        with pytest.raises(ValueError, match=r"window=.*horizon="):
            make_windows(series, window, horizon=horizon, stride=stride)
        return

    X, y = make_windows(series, window, horizon=horizon, stride=stride)
    n_all = n - window - horizon + 1
    n_windows = math.ceil(n_all / stride)
    assert X.shape == (n_windows, window * n_channels), case
    assert len(y) == n_windows, case
    if stride == 1:
        assert n_windows == n_all, case

    sequences = X.reshape(n_windows, window, n_channels)
    targets = y.reshape(n_windows, n_channels, horizon)
    offsets = 100.0 * np.arange(n_channels)
    starts = _reference_starts(n, window, horizon, stride)
    assert len(starts) == n_windows, case
    for row, start in enumerate(starts):
        expected = np.arange(start, start + window)[:, None] + offsets
        np.testing.assert_array_equal(sequences[row], expected, err_msg=case)
        last = sequences[row, -1]
        for j in range(horizon):
            np.testing.assert_array_equal(targets[row, :, j], last + j + 1, err_msg=case)
        window_times = set(sequences[row, :, 0])
        target_times = set(targets[row, 0])
        assert not window_times & target_times, case
    # End-anchored: the newest value of every channel is the last target.
    np.testing.assert_array_equal(targets[-1, :, -1], n - 1 + offsets, err_msg=case)


# -- make_windows alignment -------------------------------------------------


@pytest.mark.parametrize("n_channels", [1, 2])
def test_make_windows_alignment_exhaustive(n_channels):
    """Check every small combination against the brute-force start positions."""
    for n in range(1, 16):
        for window in range(1, 6):
            for horizon in range(1, 4):
                for stride in range(1, 5):
                    _check_alignment(n, window, horizon, stride, n_channels)


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 80),
    window=st.integers(1, 12),
    horizon=st.integers(1, 6),
    stride=st.integers(1, 9),
    n_channels=st.integers(1, 3),
)
def test_make_windows_alignment_property(n, window, horizon, stride, n_channels):
    _check_alignment(n, window, horizon, stride, n_channels)


@st.composite
def _series_and_sizes(draw):
    window = draw(st.integers(1, 8))
    horizon = draw(st.integers(1, 4))
    n = draw(st.integers(window + horizon, 50))
    n_channels = draw(st.integers(1, 3))
    values = draw(
        arrays(
            np.float64,
            (n, n_channels),
            elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        )
    )
    stride = draw(st.integers(1, 6))
    return values, window, horizon, stride


@settings(max_examples=100, deadline=None)
@given(_series_and_sizes())
def test_make_windows_matches_loop(case):
    """Compare arbitrary values with windows cut one by one in a Python loop."""
    values, window, horizon, stride = case
    n, n_channels = values.shape
    X, y = make_windows(values, window, horizon=horizon, stride=stride)
    starts = _reference_starts(n, window, horizon, stride)
    expected_X = [values[s : s + window].ravel() for s in starts]
    expected_y = [
        values[s + window : s + window + horizon].T.ravel() for s in starts
    ]
    np.testing.assert_array_equal(X, np.array(expected_X))
    np.testing.assert_array_equal(y.reshape(len(starts), -1), np.array(expected_y))


def test_make_windows_ten_steps():
    """Ten values and a window of 3 hold 7 pairs, the last ending at the newest value.

    A loop that stops one window early gives 6 pairs ending at [5, 6, 7] -> 8.
    """
    X, y = make_windows(np.arange(10), window=3)
    assert X.shape == (7, 3)
    assert y.shape == (7,)
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    assert y[0] == 3
    np.testing.assert_array_equal(X[-1], [6, 7, 8])
    assert y[-1] == 9


def test_make_windows_stride_keeps_newest():
    """A stride counts back from the newest window, so the first one may start late."""
    X, y = make_windows(np.arange(10.0), window=3, stride=3)
    np.testing.assert_array_equal(X, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    np.testing.assert_array_equal(y, [3, 6, 9])
    X, y = make_windows(np.arange(11.0), window=3, stride=3)
    np.testing.assert_array_equal(X[0], [1, 2, 3])
    assert y[-1] == 10


def test_make_windows_target_channel():
    """target selects the channel to predict; every channel stays in X."""
    series = _time_series(8, 3)
    X, y = make_windows(series, window=2, target=2)
    assert X.shape == (6, 6)
    np.testing.assert_array_equal(y, 200 + np.arange(2, 8))
    X, y = make_windows(series, window=2, horizon=2, target=[2, 0])
    np.testing.assert_array_equal(y[0], [202, 203, 2, 3])


def test_make_windows_dtype_float64():
    X, y = make_windows(np.arange(6, dtype=np.int32), window=2)
    assert X.dtype == np.float64
    assert y.dtype == np.float64


# -- make_windows on pandas input ------------------------------------------


@pytest.fixture
def daily_index():
    return pd.date_range("2024-01-01", periods=10, freq="D")


def test_make_windows_series_datetime(daily_index):
    series = pd.Series(np.arange(10.0), index=daily_index, name="load")
    X, y = make_windows(series, window=3)
    assert isinstance(X, pd.DataFrame)
    assert list(X.columns) == ["load_lag3", "load_lag2", "load_lag1"]
    # Each row is stamped with the time of its target.
    assert X.index.equals(daily_index[3:])
    assert isinstance(y, pd.Series)
    assert y.index.equals(X.index)
    assert y.name == "load"
    np.testing.assert_array_equal(y.to_numpy(), np.arange(3.0, 10.0))
    np.testing.assert_array_equal(X.loc[daily_index[3]].to_numpy(), [0, 1, 2])


def test_make_windows_unnamed_series(daily_index):
    X, y = make_windows(pd.Series(np.arange(10.0), index=daily_index), window=2)
    assert list(X.columns) == ["y_lag2", "y_lag1"]
    assert y.name == "y"


def test_make_windows_dataframe_target(daily_index):
    frame = pd.DataFrame(
        {"a": np.arange(10.0), "b": 100 + np.arange(10.0)}, index=daily_index
    )
    X, y = make_windows(frame, window=2, target="a")
    assert list(X.columns) == ["a_lag2", "b_lag2", "a_lag1", "b_lag1"]
    np.testing.assert_array_equal(X.iloc[0].to_numpy(), [0, 100, 1, 101])
    assert isinstance(y, pd.Series)
    assert y.name == "a"
    np.testing.assert_array_equal(y.to_numpy(), np.arange(2.0, 10.0))
    assert y.index.equals(daily_index[2:])


def test_make_windows_horizon_columns(daily_index):
    frame = pd.DataFrame(
        {"a": np.arange(10.0), "b": 100 + np.arange(10.0)}, index=daily_index
    )
    X, y = make_windows(frame, window=3, horizon=2)
    assert isinstance(y, pd.DataFrame)
    assert list(y.columns) == ["a_step1", "a_step2", "b_step1", "b_step2"]
    # The index is the time of the first target of each row.
    assert X.index.equals(daily_index[3:9])
    assert y.index.equals(X.index)
    np.testing.assert_array_equal(y.iloc[-1].to_numpy(), [8, 9, 108, 109])


def test_make_windows_stride_index(daily_index):
    series = pd.Series(np.arange(10.0), index=daily_index, name="load")
    X, y = make_windows(series, window=2, stride=3)
    assert X.index.equals(daily_index[[3, 6, 9]])
    assert y.index.equals(X.index)


# -- make_windows errors ---------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_make_windows_rejects_nonfinite(bad):
    series = np.arange(10.0)
    series[4] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        make_windows(series, window=3)


def test_make_windows_rejects_strings():
    with pytest.raises(TypeError, match="pd.to_numeric"):
        make_windows(np.array(["1", "2", "3", "4"]), window=2)


def test_make_windows_rejects_object_column():
    frame = pd.DataFrame({"a": np.arange(5.0), "b": list("abcde")})
    with pytest.raises(TypeError, match="pd.to_numeric"):
        make_windows(frame, window=2)


def test_make_windows_rejects_3d():
    with pytest.raises(ValueError, match="3 dimensions"):
        make_windows(np.zeros((10, 2, 2)), window=2)


def test_make_windows_rejects_empty():
    with pytest.raises(ValueError, match="window=2"):
        make_windows(np.array([]), window=2)


def test_make_windows_rejects_no_columns():
    with pytest.raises(ValueError, match="no columns"):
        make_windows(np.zeros((10, 0)), window=2)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"window": 0}, "window"),
        ({"window": -1}, "window"),
        ({"window": 2.5}, "window"),
        ({"window": 2, "horizon": 0}, "horizon"),
        ({"window": 2, "stride": 0}, "stride"),
    ],
)
def test_make_windows_rejects_parameter(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        make_windows(np.arange(10.0), **kwargs)


def test_make_windows_rejects_unknown_target():
    frame = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5.0)})
    with pytest.raises(ValueError, match="target='c'"):
        make_windows(frame, window=2, target="c")


def test_make_windows_read_only_input():
    series = np.arange(10.0)
    series.flags.writeable = False
    X, y = make_windows(series, window=3)
    assert X.shape == (7, 3)
    X[0, 0] = -1.0  # the output is a fresh, writable array
    assert series[0] == 0.0


def test_make_windows_leaves_input():
    series = _time_series(12, 2)
    before = series.copy()
    frame = pd.DataFrame(series, columns=["a", "b"])
    frame_before = frame.copy()
    make_windows(series, window=3, horizon=2, stride=2)
    make_windows(frame, window=3, horizon=2, stride=2)
    np.testing.assert_array_equal(series, before)
    pd.testing.assert_frame_equal(frame, frame_before)


# -- last_window and recursive_forecast --------------------------------------


class _PersistenceRegressor(RegressorMixin, BaseEstimator):
    """Predict the newest value of each row: the persistence forecast."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.asarray(X, dtype=np.float64)[:, -1]


class _IncrementRegressor(_PersistenceRegressor):
    """Predict the newest value of each row plus 1, or plus 1..k for k outputs."""

    def __init__(self, n_outputs=1):
        self.n_outputs = n_outputs

    def predict(self, X):
        last = np.asarray(X, dtype=np.float64)[:, -1:]
        prediction = last + np.arange(1, self.n_outputs + 1)
        return prediction[:, 0] if self.n_outputs == 1 else prediction


def test_last_window_newest_values():
    """The origin of the next forecast is the newest window, ending at 9."""
    series = np.arange(10.0)
    row = last_window(series, window=3)
    np.testing.assert_array_equal(row, [[7.0, 8.0, 9.0]])
    X, y = make_windows(series, window=3)
    model = _PersistenceRegressor().fit(X, y)
    # A stale origin, the newest training row [6, 7, 8], would give 8.
    np.testing.assert_array_equal(model.predict(row), [9.0])


def test_last_window_pandas_names():
    series = pd.Series(np.arange(10.0), name="load")
    row = last_window(series, window=2)
    assert list(row.columns) == ["load_lag2", "load_lag1"]
    np.testing.assert_array_equal(row.to_numpy(), [[8.0, 9.0]])


def test_last_window_too_short():
    with pytest.raises(ValueError, match="window=5"):
        last_window(np.arange(3.0), window=5)


def test_recursive_forecast_feeds_back():
    """Each forecast becomes the newest input of the next step."""
    series = np.arange(10.0)
    X, y = make_windows(series, window=3)
    model = _IncrementRegressor().fit(X, y)
    np.testing.assert_array_equal(recursive_forecast(model, series, 3), [10, 11, 12])


def test_recursive_forecast_persistence():
    series = np.arange(10.0)
    model = _PersistenceRegressor().fit(*make_windows(series, window=3))
    np.testing.assert_array_equal(recursive_forecast(model, series, 3), [9, 9, 9])


def test_recursive_forecast_multi_step():
    """A model predicting 2 steps per row adds 2 values per round, cut to steps."""
    series = np.arange(10.0)
    X, y = make_windows(series, window=3, horizon=2)
    model = _IncrementRegressor(n_outputs=2).fit(X, y)
    forecast = recursive_forecast(model, series, 5)
    np.testing.assert_array_equal(forecast, [10, 11, 12, 13, 14])


def test_recursive_forecast_pipeline_names():
    """A pipeline fitted on named columns gets rows with the same names."""
    series = pd.Series(np.arange(30.0), name="load")
    X, y = make_windows(series, window=4)
    model = make_pipeline(SlidingWindowTransformer(window=2), Ridge(alpha=1e-9))
    model.fit(X, y)
    forecast = recursive_forecast(model, series, 2)
    np.testing.assert_allclose(forecast, [30.0, 31.0], atol=1e-6)


def test_recursive_forecast_rejects_steps():
    model = _PersistenceRegressor().fit(*make_windows(np.arange(10.0), window=3))
    with pytest.raises(ValueError, match="steps"):
        recursive_forecast(model, np.arange(10.0), 0)


def test_recursive_forecast_rejects_channels():
    model = _PersistenceRegressor().fit(*make_windows(np.arange(10.0), window=3))
    with pytest.raises(ValueError, match="single-channel"):
        recursive_forecast(model, _time_series(10, 2), 2)


# -- scaling without leakage -----------------------------------------------


@pytest.fixture
def train_test():
    return np.arange(10.0), np.array([100.0, 101.0])


def test_series_scaler_train_statistics(train_test):
    """A scaler fitted on the training series maps 100 to (100 - 0) / (9 - 0)."""
    train, test = train_test
    scaler = MinMaxScaler().fit(train[:, None])
    assert scaler.data_min_[0] == 0.0
    assert scaler.data_max_[0] == 9.0
    full = np.concatenate([train, test])[:, None]
    scaled = scaler.transform(full)
    np.testing.assert_allclose(scaled[10, 0], 100 / 9, rtol=1e-15)
    np.testing.assert_array_equal(scaled[:10], scaler.transform(train[:, None]))
    np.testing.assert_allclose(scaler.inverse_transform(scaled), full, atol=1e-12)


@pytest.mark.parametrize("scaler", [MinMaxScaler(), StandardScaler()])
def test_window_scaler_no_leakage(train_test, scaler):
    """Rows made after training leave the fitted statistics and old rows alone.

    Windows of the full series start with exactly the training windows.
    A pipeline fitted on the training windows must map those rows to the
    same bits, and its statistics must equal the column statistics of the
    training windows, computed here with NumPy.
    """
    train, test = train_test
    X_train, _ = make_windows(train, window=3)
    X_full, _ = make_windows(np.concatenate([train, test]), window=3)
    np.testing.assert_array_equal(X_full[: len(X_train)], X_train)

    pipe = Pipeline([("scale", scaler), ("window", SlidingWindowTransformer(window=2))])
    pipe.fit(X_train)
    before = pipe.transform(X_train)
    after = pipe.transform(X_full)
    np.testing.assert_array_equal(after[: len(X_train)], before)

    fitted = pipe.named_steps["scale"]
    if isinstance(fitted, MinMaxScaler):
        np.testing.assert_array_equal(fitted.data_min_, X_train.min(axis=0))
        np.testing.assert_array_equal(fitted.data_max_, X_train.max(axis=0))
        # In the newest full row [8, 9, 100], the lag-1 value 100 is scaled
        # by that column's training range 2..8.
        np.testing.assert_allclose(after[-1, -1], (100 - 2) / 6, rtol=1e-14)
    else:
        np.testing.assert_allclose(fitted.mean_, X_train.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(fitted.scale_, X_train.std(axis=0), rtol=1e-14)
    scaled_full = fitted.transform(X_full)
    np.testing.assert_allclose(fitted.inverse_transform(scaled_full), X_full, atol=1e-12)


@pytest.mark.parametrize("scaler", [MinMaxScaler(), StandardScaler()])
def test_window_scaler_cv_folds(scaler):
    """Each cross-validation fold scales with statistics of its training rows only."""
    X, y = make_windows(np.sin(np.arange(60) / 3) + np.arange(60) / 10, window=5)
    pipe = make_pipeline(scaler, SlidingWindowTransformer(window=3), Ridge())
    cv = TimeSeriesSplit(n_splits=3)
    result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
    for fold, (train, _) in zip(result["estimator"], cv.split(X)):
        fitted = fold.steps[0][1]
        reference = clone(scaler).fit(X[train])
        assert fitted.n_samples_seen_ == len(train)
        if isinstance(scaler, MinMaxScaler):
            np.testing.assert_array_equal(fitted.data_min_, reference.data_min_)
            np.testing.assert_array_equal(fitted.data_max_, reference.data_max_)
            np.testing.assert_array_equal(fitted.data_max_, X[train].max(axis=0))
        else:
            np.testing.assert_array_equal(fitted.mean_, reference.mean_)
            np.testing.assert_array_equal(fitted.scale_, reference.scale_)
            np.testing.assert_allclose(fitted.mean_, X[train].mean(axis=0), rtol=1e-14)


# -- SlidingWindowTransformer ----------------------------------------------


def test_sliding_window_lag_step():
    """Rows of lags 5..1 with window 2 and lag_step 2 keep lags 3 and 1."""
    X, _ = make_windows(np.arange(20.0), window=5)
    sw = SlidingWindowTransformer(window=2, lag_step=2).fit(X)
    out = sw.transform(X)
    np.testing.assert_array_equal(out, X[:, [2, 4]])
    np.testing.assert_array_equal(out[0], [2.0, 4.0])
    assert list(sw.get_feature_names_out()) == ["x0_lag3", "x0_lag1"]
    assert sw.window_ == 2


def test_sliding_window_default_window():
    """window=None keeps every lag_step-th step: lags 5, 3 and 1 of 5."""
    X, _ = make_windows(np.arange(20.0), window=5)
    sw = SlidingWindowTransformer(lag_step=2).fit(X)
    np.testing.assert_array_equal(sw.transform(X), X[:, [0, 2, 4]])
    assert sw.window_ == 3
    sw = SlidingWindowTransformer().fit(X)
    np.testing.assert_array_equal(sw.transform(X), X)


def test_sliding_window_channels_by_names():
    frame = pd.DataFrame({"a": np.arange(10.0), "b": 100 + np.arange(10.0)})
    X, _ = make_windows(frame, window=4)
    sw = SlidingWindowTransformer(window=2).fit(X)
    assert sw.n_channels_ == 2
    names = ["a_lag2", "b_lag2", "a_lag1", "b_lag1"]
    assert list(sw.get_feature_names_out()) == names
    out = sw.transform(X)
    np.testing.assert_array_equal(out, X[names].to_numpy())
    np.testing.assert_array_equal(out[0], [2, 102, 3, 103])


def test_sliding_window_channels_by_count():
    X, _ = make_windows(_time_series(10, 2), window=4)
    sw = SlidingWindowTransformer(window=2, n_channels=2).fit(X)
    assert sw.n_channels_ == 2
    np.testing.assert_array_equal(sw.columns_, [4, 5, 6, 7])
    np.testing.assert_array_equal(sw.transform(X)[0], [2, 102, 3, 103])
    names = ["x0_lag2", "x1_lag2", "x0_lag1", "x1_lag1"]
    assert list(sw.get_feature_names_out()) == names


def test_sliding_window_pandas_output():
    X, _ = make_windows(pd.Series(np.arange(10.0), name="load"), window=4)
    sw = SlidingWindowTransformer(window=3, lag_step=1).set_output(transform="pandas")
    out = sw.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["load_lag3", "load_lag2", "load_lag1"]
    assert out.index.equals(X.index)
    np.testing.assert_array_equal(out.to_numpy(), X.to_numpy()[:, 1:])


def test_sliding_window_rejects_long_window():
    X, _ = make_windows(np.arange(20.0), window=5)
    with pytest.raises(ValueError, match=r"window=3 with lag_step=3"):
        SlidingWindowTransformer(window=3, lag_step=3).fit(X)
    with pytest.raises(ValueError, match=r"window=6 with lag_step=1"):
        SlidingWindowTransformer(window=6).fit(X)


def test_sliding_window_rejects_channel_count():
    X = np.zeros((4, 8))
    with pytest.raises(ValueError, match="n_channels=3"):
        SlidingWindowTransformer(n_channels=3).fit(X)


def test_sliding_window_rejects_contradiction():
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0)})
    X, _ = make_windows(frame, window=3)
    with pytest.raises(ValueError, match="n_channels=1 contradicts"):
        SlidingWindowTransformer(n_channels=1).fit(X)


@pytest.mark.parametrize("window", [0, -1, 2.5])
def test_sliding_window_rejects_window(window):
    X, _ = make_windows(np.arange(20.0), window=5)
    with pytest.raises(InvalidParameterError, match="'window' parameter"):
        SlidingWindowTransformer(window=window).fit(X)


def test_sliding_window_rows_independent():
    """Each output row depends only on its input row, so shuffling commutes."""
    X, _ = make_windows(_time_series(40, 2), window=6)
    sw = SlidingWindowTransformer(window=3, lag_step=2, n_channels=2).fit(X)
    full = sw.transform(X)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_array_equal(sw.transform(X[order]), full[order])
    subset = [5, 0, 17]
    np.testing.assert_array_equal(sw.transform(X[subset]), full[subset])
    np.testing.assert_array_equal(sw.transform(X[-1:]), full[-1:])


def test_sliding_window_leaves_input():
    X, _ = make_windows(np.arange(20.0), window=5)
    before = X.copy()
    sw = SlidingWindowTransformer(window=2).fit(X)
    out = sw.transform(X)
    out[:] = -1.0
    np.testing.assert_array_equal(X, before)


def test_sliding_window_read_only_input():
    X, _ = make_windows(np.arange(20.0), window=5)
    X.flags.writeable = False
    out = SlidingWindowTransformer(window=2).fit_transform(X)
    np.testing.assert_array_equal(out, X[:, 3:])
