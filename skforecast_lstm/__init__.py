"""LSTM time-series forecasting as scikit-learn estimators.

The package turns a series into rows that carry their own history
(:func:`make_windows`), selects lags from those rows
(:class:`SlidingWindowTransformer`) and fits a Keras 3 LSTM on them
(:class:`LSTMRegressor`).

Importing the package does not import Keras or TensorFlow. They load the
first time a network is built or loaded.
"""

from ._windows import SlidingWindowTransformer, make_windows
from ._regressor import LSTMRegressor

__version__ = "0.1.0"

__all__ = [
    "LSTMRegressor",
    "SlidingWindowTransformer",
    "make_windows",
]
