"""Tests of LSTMRegressor: parameters, shapes, seeding, weights and baselines.

Every network is tiny and trained for one to three epochs, so the tests
check exact relations (same seed, same data, same predictions) rather than
accuracy.
"""

import doctest

import keras
import numpy as np
import pytest
import sklearn
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

import skforecast_lstm._regressor
import skforecast_lstm._windows
from skforecast_lstm import LSTMRegressor, make_windows

TINY_PARAMS = {"units": 4, "epochs": 1, "random_state": 0}


def _sine_windows():
    """Return windows of 6 of sin(t / 4), t < 120, with one-step targets."""
    return make_windows(np.sin(np.arange(120) / 4), window=6)


def _weights(model):
    return [np.array(w) for w in model.model_.get_weights()]


def _any_weight_differs(first, second):
    return any(not np.array_equal(a, b) for a, b in zip(first, second))


@pytest.fixture(scope="module")
def sine():
    X, t = _sine_windows()
    assert X.shape == (114, 6)
    assert t.shape == (114,)
    return X, t


@pytest.fixture(scope="module")
def sine_model(sine):
    """A network fitted and run on read-only copies of the sine windows."""
    X, t = sine
    X_read_only = X.copy()
    t_read_only = t.copy()
    X_read_only.flags.writeable = False
    t_read_only.flags.writeable = False
    model = LSTMRegressor(**TINY_PARAMS).fit(X_read_only, t_read_only)
    prediction = model.predict(X_read_only)
    return model, X_read_only, t_read_only, prediction


# -- parameters ---------------------------------------------------------------


class _RecordingCallback(keras.callbacks.Callback):
    """Keep every callback object that Keras trains with, across deep copies."""

    used = []  # a class attribute, so deep copies share it

    def on_train_begin(self, logs=None):
        _RecordingCallback.used.append(self)


def _lr1_estimator():
    return LSTMRegressor(
        units=[8, 4],
        callbacks=[keras.callbacks.EarlyStopping(monitor="loss")],
        optimizer__learning_rate=0.01,
    )


def test_params_are_passed_objects():
    units = [8, 4]
    callbacks = [keras.callbacks.EarlyStopping(monitor="loss")]
    est = LSTMRegressor(units=units, callbacks=callbacks, optimizer__learning_rate=0.01)
    params = est.get_params()
    assert params["units"] is units
    assert params["callbacks"] is callbacks
    assert params["optimizer__learning_rate"] == 0.01


def test_clone_copies_params():
    est = _lr1_estimator()
    copy = clone(est)
    params = est.get_params()
    copied = copy.get_params()
    assert sorted(copied) == sorted(params)
    for name in params:
        if name != "callbacks":
            assert copied[name] == params[name], name
    assert [type(c) for c in copied["callbacks"]] == [type(c) for c in params["callbacks"]]
    assert copied["optimizer__learning_rate"] == 0.01
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)


def test_set_params_round_trip():
    est = _lr1_estimator()
    params = est.get_params()
    assert est.set_params(**params) is est
    assert est.get_params() == params
    est.set_params(optimizer__learning_rate=0.05, units=3)
    assert est.get_params()["optimizer__learning_rate"] == 0.05
    assert est.get_params()["units"] == 3


@pytest.fixture(scope="module")
def callback_fits(sine):
    """Fit a clone of the routed estimator twice with a recording callback."""
    X, t = sine
    original = _lr1_estimator()
    recorder = _RecordingCallback()
    original.set_params(
        callbacks=original.callbacks + [recorder], epochs=1, random_state=0
    )
    early_stopping = original.callbacks[0]
    state_before = dict(vars(early_stopping))
    est = clone(original)
    est.set_params(**est.get_params())
    _RecordingCallback.used.clear()
    est.fit(X, t)
    est.fit(X, t)
    used = list(_RecordingCallback.used)
    return est, early_stopping, state_before, recorder, used


def test_routed_learning_rate_reaches_optimizer(sine, callback_fits):
    """A routed rate of 0.01 trains as learning_rate_init=0.01, unlike the default."""
    X, t = sine
    est = callback_fits[0]
    assert est.learning_rate_init == 0.001
    params = {"units": [8, 4], "epochs": 1, "random_state": 0}
    same_rate = LSTMRegressor(learning_rate_init=0.01, **params).fit(X, t)
    default_rate = LSTMRegressor(**params).fit(X, t)
    prediction = est.predict(X)
    np.testing.assert_allclose(prediction, same_rate.predict(X), rtol=0, atol=1e-10)
    assert np.abs(prediction - default_rate.predict(X)).max() > 1e-6


def test_user_callback_unchanged(callback_fits):
    _, early_stopping, state_before, recorder, _ = callback_fits
    assert dict(vars(early_stopping)) == state_before
    assert early_stopping.model is None
    assert recorder.model is None


def test_fits_use_fresh_callbacks(callback_fits):
    _, _, _, recorder, used = callback_fits
    assert len(used) == 2
    assert used[0] is not used[1]
    assert all(callback is not recorder for callback in used)


def test_unknown_routed_name(sine):
    X, t = sine
    with pytest.raises(ValueError, match="foo__bar"):
        LSTMRegressor(foo__bar=1, **TINY_PARAMS).fit(X, t)


# -- 2-D and 3-D input, output shapes ----------------------------------------


@pytest.fixture(scope="module")
def two_and_three_d():
    """The same windows of length 8 as 2-D rows and as 3-D sequences."""
    X2, t = make_windows(np.sin(np.arange(200) / 5), window=8)
    X3 = X2[..., None]
    params = {"units": 4, "epochs": 2, "random_state": 0}
    est2 = LSTMRegressor(**params).fit(X2, t)
    est3 = LSTMRegressor(**params).fit(X3, t)
    return X2, X3, est2, est3


def test_3d_equals_2d(two_and_three_d):
    """A single-channel row and its (timesteps, 1) sequence are the same input."""
    X2, X3, est2, est3 = two_and_three_d
    np.testing.assert_allclose(est3.predict(X3), est2.predict(X2), rtol=0, atol=1e-6)
    np.testing.assert_allclose(est2.predict(X3), est2.predict(X2), rtol=0, atol=1e-12)


def test_predict_one_row_shape(two_and_three_d):
    X2, X3, est2, est3 = two_and_three_d
    assert est2.predict(X2[:1]).shape == (1,)
    assert est3.predict(X3[:1]).shape == (1,)


def test_n_features_in(two_and_three_d):
    _, _, est2, est3 = two_and_three_d
    assert est2.n_features_in_ == 8
    assert est3.n_features_in_ == 8
    assert (est3.n_steps_, est3.n_channels_) == (8, 1)


def test_predict_rejects_window_length(two_and_three_d):
    X2, _, est2, _ = two_and_three_d
    with pytest.raises(ValueError, match="7 features"):
        est2.predict(X2[:, 1:])


def test_predict_rejects_sequence_shape(two_and_three_d):
    X2, _, est2, est3 = two_and_three_d
    wrong = X2.reshape(len(X2), 4, 2)
    for est in (est2, est3):
        with pytest.raises(ValueError, match=r"sequences of shape \(4, 2\)"):
            est.predict(wrong)


@pytest.mark.parametrize("horizon, expected", [(1, (1,)), (2, (2,)), (3, (3,))])
def test_output_shape_follows_y(horizon, expected):
    """A 2-D y keeps 2-D predictions, even with a single column."""
    X, y = make_windows(np.sin(np.arange(80) / 4), window=5, horizon=horizon)
    y = y.reshape(len(y), -1)
    est = LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, y)
    assert est.n_outputs_ == expected[0]
    assert est.predict(X).shape == (len(X),) + expected
    assert est.predict(X[:1]).shape == (1,) + expected


# -- seeding -----------------------------------------------------------------


@pytest.fixture(scope="module")
def refits(sine):
    """An estimator with warm_start=False fitted twice; predictions of each fit."""
    X, t = sine
    est = LSTMRegressor(warm_start=False, **TINY_PARAMS)
    first = est.fit(X, t).predict(X)
    second = est.fit(X, t).predict(X)
    return first, second


def test_same_seed_same_predictions(sine_model, refits):
    prediction = sine_model[3]
    np.testing.assert_allclose(refits[0], prediction, rtol=0, atol=1e-6)


def test_other_seed_differs(sine, sine_model):
    X, t = sine
    other = LSTMRegressor(**{**TINY_PARAMS, "random_state": 1}).fit(X, t).predict(X)
    assert np.abs(other - sine_model[3]).max() > 1e-6


def test_same_seed_with_dropout(sine):
    """Dropout masks come from random_state, so two fits match exactly."""
    X, t = sine
    params = {**TINY_PARAMS, "dropout": 0.3, "recurrent_dropout": 0.3}
    first = LSTMRegressor(**params).fit(X, t).predict(X)
    second = LSTMRegressor(**params).fit(X, t).predict(X)
    other = LSTMRegressor(**{**params, "random_state": 1}).fit(X, t).predict(X)
    np.testing.assert_allclose(second, first, rtol=0, atol=1e-6)
    assert np.abs(other - first).max() > 1e-6


@pytest.mark.parametrize("random_state", [None, 0])
def test_global_random_state_untouched(sine, random_state):
    X, t = sine
    np.random.seed(123)
    state = np.random.get_state()
    LSTMRegressor(**{**TINY_PARAMS, "random_state": random_state}).fit(X, t)
    after = np.random.get_state()
    assert after[0] == state[0]
    np.testing.assert_array_equal(after[1], state[1])
    assert after[2:] == state[2:]


# -- warm_start ----------------------------------------------------------------


@pytest.fixture(scope="module")
def warm_fits(sine):
    """One epoch with warm_start twice, and two epochs in a single fit."""
    X, t = sine
    params = {**TINY_PARAMS, "shuffle": False}
    warm = LSTMRegressor(warm_start=True, **params).fit(X, t)
    first_model = warm.model_
    first_weights = _weights(warm)
    warm.fit(X, t)
    single = LSTMRegressor(**{**params, "epochs": 2}).fit(X, t)
    return warm, first_model, first_weights, single


def test_warm_start_keeps_model(warm_fits):
    warm, first_model, first_weights, _ = warm_fits
    assert warm.model_ is first_model
    # A restart from the seeded initial weights would reproduce them exactly.
    assert _any_weight_differs(_weights(warm), first_weights)
    assert warm.n_iter_ == 2


def test_warm_start_keeps_optimizer(warm_fits):
    """Two warm one-epoch fits equal one two-epoch fit only if Adam's state carries over.

    Adam's step count sets its bias correction, and its moment estimates
    carry the earlier gradients, so a reset optimizer would take other steps.
    """
    warm, _, _, single = warm_fits
    X, _ = _sine_windows()
    np.testing.assert_allclose(warm.predict(X), single.predict(X), rtol=0, atol=1e-10)


def test_cold_refit_repeats(refits):
    """Without warm_start a second fit starts again from the same seeded weights."""
    first, second = refits
    np.testing.assert_allclose(second, first, rtol=0, atol=1e-6)


# -- sample weights ------------------------------------------------------------


def test_zero_weight_drops_rows(sine):
    """Weights of 0 and 1 in one full batch equal fitting the rows of weight 1."""
    X, t = sine
    w = np.tile([1.0, 0.0], len(X) // 2)
    params = {
        "units": 4, "epochs": 2, "batch_size": 256, "shuffle": False,
        "optimizer": "sgd", "random_state": 0,
    }
    weighted = LSTMRegressor(**params).fit(X, t, sample_weight=w)
    subset = LSTMRegressor(**params).fit(X[w > 0], t[w > 0])
    np.testing.assert_allclose(weighted.predict(X), subset.predict(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "make_weights, message",
    [
        (lambda n: np.ones(n - 1), "sample_weight"),
        (lambda n: np.r_[-1.0, np.ones(n - 1)], "sample_weight"),
        (lambda n: np.zeros(n), "(?i)sample.weight"),
    ],
    ids=["length", "negative", "all-zero"],
)
def test_rejects_sample_weight(sine, make_weights, message):
    X, t = sine
    with pytest.raises(ValueError, match=message):
        LSTMRegressor(**TINY_PARAMS).fit(X, t, sample_weight=make_weights(len(X)))


# -- scikit-learn integration ------------------------------------------------


def test_is_regressor():
    assert is_regressor(LSTMRegressor())
    assert sklearn.utils.get_tags(LSTMRegressor()).estimator_type == "regressor"
    assert is_regressor(make_pipeline(StandardScaler(), LSTMRegressor()))


def test_default_score_is_r2(sine):
    """Cross-validation's default score is R^2 of each fold, computed here by hand."""
    X, t = sine
    cv = TimeSeriesSplit(n_splits=2)
    est = LSTMRegressor(epochs=1, units=2)
    result = cross_validate(est, X, t, cv=cv, return_estimator=True)
    for score, fold, (_, test) in zip(result["test_score"], result["estimator"], cv.split(X)):
        residual = t[test] - fold.predict(X[test])
        spread = t[test] - t[test].mean()
        r2 = 1 - (residual @ residual) / (spread @ spread)
        assert score == pytest.approx(r2, rel=1e-12)


# -- target scaling and baselines --------------------------------------------


@pytest.mark.parametrize("baseline", [None, "linear"])
def test_target_units_affine(sine, baseline):
    """Targets a * t + b give predictions a * p + b.

    The network learns standardised targets: the baseline fitted on
    a * t + b is a times the baseline fitted on t plus b, so its residual
    scales by a, and standardising removes a and b. The network trains on
    the same targets and learns the same weights. A pure sine is exactly
    linear in its window, so there the residual is rounding noise and its
    scale falls back to 1e-12 times the targets' magnitude, which scales
    by a as well.
    """
    X, t = sine
    params = {**TINY_PARAMS, "baseline": baseline}
    plain = LSTMRegressor(**params).fit(X, t).predict(X)
    scaled = LSTMRegressor(**params).fit(X, 1000 * t + 5).predict(X)
    np.testing.assert_allclose(scaled, 1000 * plain + 5, rtol=0, atol=1000 * 1e-6)


def test_joint_units_affine(sine, sine_model):
    """Inputs and targets a * v + b together give predictions a * p + b.

    The baseline choice, the change from the newest value and the input
    standardisation are all unchanged by a common affine map.
    """
    X, t = sine
    plain = sine_model[3]
    est = LSTMRegressor(**TINY_PARAMS).fit(1000 * X + 5, 1000 * t + 5)
    assert est.baseline_ == sine_model[0].baseline_
    scaled = est.predict(1000 * X + 5)
    np.testing.assert_allclose(scaled, 1000 * plain + 5, rtol=0, atol=1000 * 1e-6)


@pytest.fixture(scope="module")
def trend():
    """Windows of 4 of y = 3 + 2 t for t < 60, and windows from t = 200 on."""
    X, y = make_windows(3 + 2 * np.arange(60.0), window=4)
    X_future, y_future = make_windows(3 + 2 * np.arange(200.0, 300.0), window=4)
    return X, y, X_future, y_future


def test_linear_baseline_extrapolates(trend):
    """The linear baseline fits a linear trend exactly, leaving the network nothing."""
    X, y, X_future, y_future = trend
    est = LSTMRegressor(units=4, epochs=3, baseline="linear", random_state=0).fit(X, y)
    np.testing.assert_allclose(est.predict(X_future), y_future, rtol=1e-8)


def test_no_baseline_stays_bounded(trend):
    """Without a baseline, predictions cannot leave y_mean_ +- y_scale_ * bound.

    The last LSTM layer outputs values in (-1, 1), so the linear output
    layer can reach at most sum(|W|) + |b| in standardised units.
    """
    X, y, X_future, y_future = trend
    est = LSTMRegressor(units=4, epochs=3, baseline=None, random_state=0).fit(X, y)
    kernel, bias = est.model_.get_layer("output").get_weights()
    bound = est.y_scale_[0] * (np.abs(kernel).sum() + np.abs(bias).sum())
    prediction = est.predict(X_future)
    assert np.all(np.abs(prediction - est.y_mean_[0]) <= bound + 1e-9)
    assert est.y_mean_[0] + bound < y_future.min()


def test_last_baseline_by_hand(sine_model):
    """Recompute predictions from the fitted attributes of the "last" baseline."""
    model, X, t, prediction = sine_model
    # Persistence explains most of a slow sine, so "auto" picks "last".
    assert model.baseline_ == "last"
    newest = X[:, -1]
    change = t - newest
    np.testing.assert_allclose(model.y_mean_, [change.mean()], rtol=1e-12)
    np.testing.assert_allclose(model.y_scale_, [change.std()], rtol=1e-12)
    relative = X - newest[:, None]
    np.testing.assert_allclose(model.x_mean_, [relative.mean()], rtol=1e-12)
    np.testing.assert_allclose(model.x_scale_, [relative.std()], rtol=1e-12)
    inputs = ((relative - model.x_mean_) / model.x_scale_)[..., None]
    z = keras.ops.convert_to_numpy(model.model_(inputs, training=False))[:, 0]
    expected = z * model.y_scale_[0] + model.y_mean_[0] + newest
    np.testing.assert_allclose(prediction, expected, rtol=0, atol=1e-12)


def test_linear_baseline_recovers_ar2():
    """Least squares on a noiseless AR(2) series returns its coefficients."""
    values = [0.0, 10.0]
    for _ in range(100):
        values.append(1.0 + 1.5 * values[-1] - 0.7 * values[-2])
    X, y = make_windows(np.array(values), window=2)
    est = LSTMRegressor(units=2, epochs=1, baseline="linear", random_state=0).fit(X, y)
    # Columns are oldest first: y_{t-2}, then y_{t-1}.
    np.testing.assert_allclose(est.baseline_coef_[:, 0], [-0.7, 1.5], rtol=0, atol=1e-8)
    np.testing.assert_allclose(est.baseline_intercept_, [1.0], rtol=0, atol=1e-8)


# -- invalid input -------------------------------------------------------------


def _with(X, position, value):
    X = X.copy()
    X.flat[position] = value
    return X


@pytest.mark.parametrize(
    "make_case, error, message",
    [
        (lambda X, t: (_with(X, 7, np.nan), t), ValueError, "Input X contains NaN"),
        (lambda X, t: (_with(X, 7, np.inf), t), ValueError, "Input X contains infinity"),
        (lambda X, t: (X, _with(t, 3, np.nan)), ValueError, "Input y contains NaN"),
        (lambda X, t: (X, _with(t, 3, -np.inf)), ValueError, "Input y contains infinity"),
        (lambda X, t: (X[:0], t[:0]), ValueError, "0 sample"),
        # scikit-learn's message for text in X names the value, not X.
        (lambda X, t: (np.full(X.shape, "a"), t), ValueError, "could not convert"),
        (lambda X, t: (X, np.full(t.shape, "a")), ValueError, "y must contain numbers"),
        (lambda X, t: (X[:, 0], t), ValueError, "Expected 2D array"),
        (lambda X, t: (X, t[:-1]), ValueError, "inconsistent numbers of samples"),
    ],
    ids=["X-nan", "X-inf", "y-nan", "y-inf", "empty", "X-text", "y-text", "X-1d",
         "lengths"],
)
def test_fit_rejects_data(sine, make_case, error, message):
    X, t = make_case(*sine)
    with pytest.raises(error, match=message):
        LSTMRegressor(**TINY_PARAMS).fit(X, t)


def test_predict_rejects_data(sine_model):
    model, X, _, _ = sine_model
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict(_with(X, 2, np.nan))
    with pytest.raises(ValueError, match="Expected 2D array"):
        model.predict(X[:, 0])
    with pytest.raises(ValueError, match="0 sample"):
        model.predict(X[:0])


@pytest.mark.parametrize(
    "params, name",
    [
        ({"units": 0}, "units"),
        ({"units": [4, 0]}, "units"),
        ({"units": []}, "units"),
        ({"units": "a"}, "units"),
        ({"units": 2.5}, "units"),
        ({"dropout": 1.5}, "dropout"),
        ({"recurrent_dropout": -0.1}, "recurrent_dropout"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"baseline": "mean"}, "baseline"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"activation": "nope"}, "activation"),
        ({"optimizer__nope": 1}, "optimizer__"),
    ],
)
def test_fit_rejects_param(sine, params, name):
    X, t = sine
    with pytest.raises((ValueError, TypeError), match=name):
        LSTMRegressor(**{**TINY_PARAMS, **params}).fit(X, t)


def test_early_stopping_too_few_rows(sine):
    X, t = sine
    est = LSTMRegressor(early_stopping=True, **TINY_PARAMS)
    with pytest.raises(ValueError, match="early_stopping"):
        est.fit(X[:5], t[:5])


def test_invalid_params_are_sklearn_errors(sine):
    X, t = sine
    with pytest.raises(InvalidParameterError, match="'dropout' parameter"):
        LSTMRegressor(dropout=1.5).fit(X, t)


def test_caller_arrays_unchanged(sine, sine_model):
    """The fixture fitted and predicted on read-only copies, which still equal the data."""
    X, t = sine
    _, X_read_only, t_read_only, _ = sine_model
    np.testing.assert_array_equal(X_read_only, X)
    np.testing.assert_array_equal(t_read_only, t)
    assert not X_read_only.flags.writeable


def test_predict_leaves_input(sine_model):
    model, X, _, _ = sine_model
    X_writable = X.copy()
    three_d = X.copy()[..., None]
    model.predict(X_writable)
    model.predict(three_d)
    np.testing.assert_array_equal(X_writable, X)
    np.testing.assert_array_equal(three_d[..., 0], X)


# -- documentation examples ----------------------------------------------------


@pytest.mark.parametrize("module", [skforecast_lstm._windows, skforecast_lstm._regressor])
def test_docstring_examples(module):
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
