"""From a series to rows of past values, and lag selection on those rows."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from ._layout import Layout, infer_layout, lag_names


def _series_to_array(series):
    """Return the values (n, n_channels), channel names and index of a series."""
    index = None
    if isinstance(series, pd.Series):
        name = "y" if series.name is None else str(series.name)
        channels, index = [name], series.index
        values = series.to_numpy()[:, None]
    elif isinstance(series, pd.DataFrame):
        channels, index = [str(c) for c in series.columns], series.index
        values = series.to_numpy()
    else:
        values = np.asarray(series)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise ValueError(
                f"series must be 1-D (one channel) or 2-D (time, channels); got "
                f"an array with {values.ndim} dimensions."
            )
        channels = ["y"] if values.shape[1] == 1 else [
            f"x{c}" for c in range(values.shape[1])
        ]
    if values.dtype == object or not np.issubdtype(values.dtype, np.number):
        raise TypeError(
            "series must hold numbers; got dtype "
            f"{values.dtype}. Convert text or object columns with "
            "pd.to_numeric, or drop them."
        )
    if np.issubdtype(values.dtype, np.complexfloating):
        raise TypeError("series must hold real numbers; got complex values.")
    values = values.astype(np.float64, copy=False)
    if values.shape[1] == 0:
        raise ValueError("series has no columns; pass at least one channel.")
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).any(axis=1).argmax())
        raise ValueError(
            f"series contains NaN or infinity (first at position {bad}). Fill "
            "or drop missing values before making windows, for example with "
            "Series.interpolate() or Series.dropna()."
        )
    return values, channels, index


def as_numbers(data, name):
    """Convert text or object arrays to float64, naming ``name`` if that fails.

    ``validate_data`` converts text itself, but its error names only the bad
    value ("could not convert string to float: 'a'"), and it passes a text
    ``y`` through unconverted. Numbers stored as text or objects pass. A
    ValueError (text) or TypeError (other objects) keeps NumPy's message.
    pandas objects are only checked, so that they keep their column names
    and index; other numeric data is returned unchanged.
    """
    if data is None:
        return data  # validate_data reports a missing X or y in its own words
    if isinstance(data, pd.DataFrame):
        kinds = {getattr(dtype, "kind", "O") for dtype in data.dtypes}
    else:
        dtype = getattr(data, "dtype", None)
        if dtype is None:
            try:
                dtype = np.asarray(data).dtype
            except (TypeError, ValueError):
                return data  # ragged input: validate_data reports the shape
        kinds = {getattr(dtype, "kind", "O")}
    if not kinds & {"O", "U", "S"}:
        return data
    try:
        values = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise type(exc)(
            f"{name} must contain numbers, but converting it to float failed: "
            f"{exc}. Convert text columns with pd.to_numeric or drop them."
        ) from None
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data
    return values


def _target_columns(target, channels):
    """Return the positions of the target channels."""
    if target is None:
        return list(range(len(channels)))
    targets = target if isinstance(target, (list, tuple)) else [target]
    positions = []
    for name in targets:
        if str(name) in channels:
            positions.append(channels.index(str(name)))
        elif isinstance(name, Integral) and 0 <= name < len(channels):
            positions.append(int(name))
        else:
            raise ValueError(
                f"target={name!r} is not a channel of the series; choose one "
                f"of {channels} or a position below {len(channels)}."
            )
    return positions


@validate_params(
    {
        "series": ["array-like"],
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "target": [None, str, Integral, list, tuple],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(
    series: ArrayLike,
    window: int,
    horizon: int = 1,
    stride: int = 1,
    target: str | int | list | tuple | None = None,
) -> tuple[np.ndarray | pd.DataFrame, np.ndarray | pd.Series | pd.DataFrame]:
    """Cut a series into rows of past values and the values that follow.

    Each row of ``X`` contains the ``window`` values that precede its target,
    oldest first, for every channel. The rows are the samples from then
    on: because every row carries its own history, shuffling, subsetting
    and :class:`~sklearn.model_selection.TimeSeriesSplit` never cut a
    window.

    Parameters
    ----------
    series : array-like of shape (n_times,) or (n_times, n_channels)
        The series, oldest first. A pandas Series or DataFrame keeps its
        column names and index (for example a DatetimeIndex).
    window : int
        Number of past time steps in each row.
    horizon : int, default=1
        Number of future values each row predicts: the targets of a row
        that ends at time ``t - 1`` are the values at ``t, ..., t +
        horizon - 1``.
    stride : int, default=1
        Steps between the ends of consecutive windows. The windows are
        anchored at the end of the series, so the newest value is always
        a target, and the first window may start after time 0.
    target : str, int, list or None, default=None
        Channel or channels to predict, by name or position. None predicts
        every channel.

    Returns
    -------
    X : ndarray of shape (n_windows, window * n_channels) or DataFrame
        Past values, oldest first and channel-minor, so that
        ``X.reshape(n_windows, window, n_channels)`` is the sequence an
        LSTM reads. Columns are named ``"<channel>_lag<k>"``; a pandas
        input gives a DataFrame indexed by the time of the first target.
    y : ndarray of shape (n_windows,) or (n_windows, n_targets * horizon)
        The following values, one column per target channel and step,
        named ``"<channel>_step<j>"``. One-dimensional when there is one
        target and ``horizon=1``. A pandas input gives a Series or
        DataFrame with the same index as ``X``.

    Raises
    ------
    ValueError
        If the series is shorter than ``window + horizon``, or contains NaN
        or infinity.

    Notes
    -----
    A series of length ``n`` holds ``n - window - horizon + 1`` windows;
    a stride of ``s`` keeps every ``s``-th one counting back from the
    newest, ``ceil((n - window - horizon + 1) / s)`` in all.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_lstm import make_windows
    >>> X, y = make_windows(np.arange(10.0), window=3)
    >>> X[0], y[0]
    (array([0., 1., 2.]), np.float64(3.0))
    >>> X[-1], y[-1]
    (array([6., 7., 8.]), np.float64(9.0))
    >>> X.shape
    (7, 3)
    """
    values, channels, index = _series_to_array(series)
    n_times, n_channels = values.shape
    targets = _target_columns(target, channels)
    n_windows = n_times - window - horizon + 1
    if n_windows < 1:
        raise ValueError(
            f"series has {n_times} time steps, too short for one window: "
            f"window={window} plus horizon={horizon} needs at least "
            f"{window + horizon}. Use a longer series or a smaller window."
        )
    # Window ends anchored at the newest target, then put back in time order.
    starts = np.arange(n_windows - 1, -1, -stride)[::-1]
    steps = starts[:, None] + np.arange(window)
    X = values[steps].reshape(len(starts), window * n_channels)
    target_steps = starts[:, None] + window + np.arange(horizon)
    y = values[target_steps][:, :, targets].transpose(0, 2, 1)
    y = y.reshape(len(starts), len(targets) * horizon)
    y_names = [f"{channels[c]}_step{j + 1}" for c in targets for j in range(horizon)]
    if y.shape[1] == 1:
        y = y[:, 0]
    if index is None:
        return X, y

    target_index = index[starts + window]
    X = pd.DataFrame(X, index=target_index, columns=lag_names(channels, window))
    if y.ndim == 1:
        y = pd.Series(y, index=target_index, name=channels[targets[0]])
    else:
        y = pd.DataFrame(y, index=target_index, columns=y_names)
    return X, y


@validate_params(
    {
        "series": ["array-like"],
        "window": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def last_window(series: ArrayLike, window: int) -> np.ndarray | pd.DataFrame:
    """Return the row of past values that forecasts the step after the series.

    Parameters
    ----------
    series : array-like of shape (n_times,) or (n_times, n_channels)
        The series, oldest first.
    window : int
        Number of past time steps in the row.

    Returns
    -------
    X : ndarray of shape (1, window * n_channels) or DataFrame
        The newest ``window`` values, laid out as the rows of
        :func:`make_windows`, ready for ``predict``.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_lstm import last_window
    >>> last_window(np.arange(10.0), window=3)
    array([[7., 8., 9.]])
    """
    values, channels, index = _series_to_array(series)
    if len(values) < window:
        raise ValueError(
            f"series has {len(values)} time steps, fewer than window={window}."
        )
    X = values[-window:].reshape(1, -1)
    if index is None:
        return X
    return pd.DataFrame(X, columns=lag_names(channels, window))


def recursive_forecast(estimator, series: ArrayLike, steps: int) -> np.ndarray:
    """Forecast ``steps`` values ahead by feeding forecasts back as inputs.

    Each prediction is appended to the series and the newest window is
    predicted again. An estimator that predicts ``h`` values per row adds
    ``h`` values per round.

    Parameters
    ----------
    estimator : fitted regressor
        Any regressor fitted on single-channel rows from
        :func:`make_windows`, such as a Pipeline ending in
        :class:`LSTMRegressor`; its ``n_features_in_`` gives the window.
    series : array-like of shape (n_times,)
        The observed single-channel series, oldest first.
    steps : int
        Number of values to forecast.

    Returns
    -------
    forecast : ndarray of shape (steps,)
        The forecasts, in the series' units, nearest step first.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skforecast_lstm import make_windows, recursive_forecast
    >>> series = np.arange(20.0)
    >>> X, y = make_windows(series, window=3)
    >>> model = LinearRegression().fit(X, y)
    >>> recursive_forecast(model, series, steps=3).round(6)
    array([20., 21., 22.])
    """
    check_is_fitted(estimator)
    if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}.")
    values, _, _ = _series_to_array(series)
    if values.shape[1] != 1:
        raise ValueError(
            "recursive_forecast needs a single-channel series, because "
            f"future values of other channels are unknown; got "
            f"{values.shape[1]} channels."
        )
    window = getattr(estimator, "n_features_in_", None)
    if window is None:
        raise ValueError(
            "estimator has no n_features_in_, so its window length is unknown."
        )
    history = list(values[:, 0])
    if len(history) < window:
        raise ValueError(
            f"series has {len(history)} values, fewer than the estimator's "
            f"window of {window}."
        )
    feature_names = getattr(estimator, "feature_names_in_", None)
    forecast = []
    while len(forecast) < steps:
        row = np.asarray(history[-window:], dtype=np.float64).reshape(1, -1)
        if feature_names is not None:
            row = pd.DataFrame(row, columns=feature_names)
        predicted = np.ravel(estimator.predict(row))
        forecast.extend(predicted)
        history.extend(predicted)
    return np.asarray(forecast[:steps])


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Select the lags an LSTM reads from rows of past values.

    The input rows come from :func:`make_windows`. Each contains several past
    time steps of one or more channels, oldest first. The transformer keeps
    the newest ``window`` time steps, ``lag_step`` apart, so that a
    :class:`~sklearn.pipeline.Pipeline` can tune the window length without
    cutting the series again. It works on each row alone and never reads
    across rows.

    Parameters
    ----------
    window : int or None, default=None
        Number of time steps to keep per channel. None keeps every step the
        rows hold (thinned by ``lag_step``).
    lag_step : int, default=1
        Spacing between the kept lags: 1 keeps lags 1, 2, 3, ...; 2 keeps
        lags 1, 3, 5, ... (counted in time steps of the input rows).
    n_channels : int or None, default=None
        Number of channels in each row. None takes the layout from the
        feature names (``"<channel>_lag<k>"``, as :func:`make_windows`
        writes them) and otherwise assumes one channel.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen during ``fit``, when X had string column names.
    n_channels_ : int
        Number of channels in each row.
    window_ : int
        Number of time steps kept per channel.
    columns_ : ndarray of int
        Positions of the kept input columns, in output order.

    See Also
    --------
    make_windows : Cut a series into the rows this transformer reads.
    LSTMRegressor : Fit an LSTM on the selected lags.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_lstm import SlidingWindowTransformer, make_windows
    >>> X, y = make_windows(np.arange(10.0), window=4)
    >>> sw = SlidingWindowTransformer(window=2).fit(X)
    >>> sw.transform(X)[:2]
    array([[2., 3.],
           [3., 4.]])
    >>> sw.get_feature_names_out()
    array(['x0_lag2', 'x0_lag1'], dtype=object)
    """

    _parameter_constraints = {
        "window": [Interval(Integral, 1, None, closed="left"), None],
        "lag_step": [Interval(Integral, 1, None, closed="left")],
        "n_channels": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, window=None, lag_step=1, n_channels=None):
        self.window = window
        self.lag_step = lag_step
        self.n_channels = n_channels

    def fit(self, X: ArrayLike, y: None = None) -> SlidingWindowTransformer:
        """Work out the channel layout and which columns to keep.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps * n_channels)
            Rows of past values, oldest first and channel-minor.
        y : None
            Ignored.

        Returns
        -------
        self : SlidingWindowTransformer
            The fitted transformer.
        """
        self._validate_params()
        X = as_numbers(X, "X")
        X = validate_data(self, X, dtype=np.float64)
        layout = infer_layout(
            X.shape[1], getattr(self, "feature_names_in_", None), self.n_channels
        )
        available = (layout.n_steps - 1) // self.lag_step + 1
        window = available if self.window is None else self.window
        if window > available:
            span = (window - 1) * self.lag_step + 1
            raise ValueError(
                f"window={window} with lag_step={self.lag_step} spans {span} "
                f"time steps, but the rows hold only {layout.n_steps}. Make "
                "longer rows with make_windows or lower window or lag_step."
            )
        # Newest step is the last; count back lag_step at a time.
        steps = layout.n_steps - 1 - self.lag_step * np.arange(window)[::-1]
        self.n_channels_ = layout.n_channels
        self.window_ = window
        self._layout = layout
        self._steps = steps
        self.columns_ = (
            steps[:, None] * layout.n_channels + np.arange(layout.n_channels)
        ).ravel()
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Keep the selected lags of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Rows laid out as the rows seen in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, window_ * n_channels_)
            The kept lags, oldest first and channel-minor.
        """
        check_is_fitted(self)
        X = as_numbers(X, "X")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X[:, self.columns_]

    def get_feature_names_out(self, input_features=None):
        """Return the output names, ``"<channel>_lag<k>"``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored apart from a check against ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column, oldest lag first.
        """
        check_is_fitted(self)
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            if len(input_features) != self.n_features_in_:
                raise ValueError(
                    f"input_features has {len(input_features)} names, but "
                    f"the transformer was fitted on {self.n_features_in_} columns."
                )
            names_in = getattr(self, "feature_names_in_", None)
            if names_in is not None and not np.array_equal(input_features, names_in):
                raise ValueError(
                    "input_features is not equal to feature_names_in_."
                )
        return self._layout.feature_names(self._steps)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


__all__ = [
    "Layout",
    "SlidingWindowTransformer",
    "last_window",
    "make_windows",
    "recursive_forecast",
]
