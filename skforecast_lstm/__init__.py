"""LSTM time-series forecasting as scikit-learn estimators.

The package turns a series into rows that carry their own history
(:func:`make_windows`), selects lags from those rows
(:class:`SlidingWindowTransformer`) and fits a Keras 3 LSTM on them
(:class:`LSTMRegressor`). Two diagnostics come with it: the Chow test for a
structural break, at a known date or scanned over unknown ones
(:class:`ChowBreakTest`), and impulse responses of LSTM units and fitted
networks (:class:`LSTMImpulseSimulator`).

Public names load on first access, so ``import skforecast_lstm`` imports
neither scikit-learn, pandas, Keras nor TensorFlow. Keras loads the first
time a network is built or loaded.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "make_windows": "._windows",
    "last_window": "._windows",
    "recursive_forecast": "._windows",
    "SlidingWindowTransformer": "._windows",
    "LSTMRegressor": "._regressor",
    "ChowBreakTest": "._chow",
    "LSTMImpulseSimulator": "._impulse",
    "ImpulseResponse": "._impulse",
    "GateTrajectories": "._impulse",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skforecast_lstm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
