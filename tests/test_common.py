"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skforecast_lstm import (
    ChowBreakTest,
    LSTMImpulseSimulator,
    LSTMRegressor,
    SlidingWindowTransformer,
)


@parametrize_with_checks(
    [
        LSTMRegressor(),
        SlidingWindowTransformer(),
        ChowBreakTest(),
        LSTMImpulseSimulator(),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
