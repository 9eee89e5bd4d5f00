"""LSTMRegressor: a Keras 3 LSTM network as a scikit-learn regressor."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _network
from ._layout import Layout, infer_layout
from ._windows import as_numbers

_ROUTED_PREFIXES = ("optimizer__", "loss__")
# early_stopping="auto" holds out a validation slice from this many rows on.
_AUTO_EARLY_STOPPING_MIN_SAMPLES = 1000
_ARCHITECTURE_KEYS = (
    "n_steps",
    "n_channels",
    "n_outputs",
    "units",
    "activation",
    "recurrent_activation",
    "dropout",
    "recurrent_dropout",
)


def _weighted_mean_std(values, weights):
    """Return the weighted mean and deviation over axis 0; deviation 0 -> 1."""
    mean = np.average(values, axis=0, weights=weights)
    std = np.sqrt(np.average((values - mean) ** 2, axis=0, weights=weights))
    # A constant column carries no scale; dividing by 1 keeps it finite.
    std = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    return mean, std


def _target_mean_std(residual, targets, weights):
    """Return the weighted mean and deviation of what the network learns.

    A deviation below 1e-12 times the root mean square of the targets is
    rounding noise: the baseline explains the targets exactly. That bound
    then serves as the scale, so the network's output adds nothing visible
    to the predictions, whatever the units of the targets.
    """
    mean = np.average(residual, axis=0, weights=weights)
    std = np.sqrt(np.average((residual - mean) ** 2, axis=0, weights=weights))
    floor = 1e-12 * np.sqrt(np.average(targets**2, axis=0, weights=weights))
    std = np.maximum(std, floor)
    # All-zero targets carry no scale; dividing by 1 keeps them finite.
    return mean, np.where(std > 0, std, 1.0)


class LSTMRegressor(RegressorMixin, BaseEstimator):
    """Long short-term memory network regressor on windows of past values.

    The estimator builds, trains and owns a Keras 3 network: one or more
    stacked LSTM layers followed by a linear output layer, computed in
    float64 on the TensorFlow backend. On the PyTorch and JAX backends
    Keras computes some operations in float32, and the estimator warns. It reads rows of past values, as :func:`make_windows` and
    :class:`SlidingWindowTransformer` produce them, or 3-D arrays of shape
    ``(n_samples, timesteps, channels)``.

    The estimator standardises inputs per channel and targets per output
    with statistics of the training rows only, so neither needs a scaler
    in front. Predictions come back in the target's units.

    Parameters
    ----------
    units : int or sequence of int, default=(32,)
        Units of each LSTM layer, first layer first. A sequence of several
        values stacks layers.
    activation : str, default="tanh"
        Activation of the cell input and output, as Keras names it.
    recurrent_activation : str, default="sigmoid"
        Activation of the input, forget and output gates.
    dropout : float, default=0.0
        Fraction of the inputs of each LSTM layer dropped during training.
    recurrent_dropout : float, default=0.0
        Fraction of the recurrent state dropped during training.
    baseline : {"auto", "last", "linear"} or None, default="auto"
        What the network learns on top of.

        - ``"last"``: the change of each target from the newest value of
          the first channel, and the network reads each channel's window
          relative to its newest value. Predictions do not depend on the
          level of the series, so a trending series is forecast as well
          outside the range seen in training as inside it. This assumes
          that the first channel and the targets share units: do not put
          a scaler in front (the estimator standardises internally).
        - ``"linear"``: the residual of a least-squares linear regression
          of the targets on every value of the window; the network reads
          standardised levels.
        - ``"auto"``: ``"last"`` when persistence (target equals the
          newest value of the first channel) explains more than half of
          the variance of every target on the training rows, otherwise
          ``"linear"``. A scaler in front of the estimator, or inputs
          unrelated to the targets, therefore give ``"linear"``.
        - None: the targets themselves, as a plain network does. A network
          that predicts levels cannot forecast values outside the range it
          was trained on.
    n_channels : int or None, default=None
        Channels in each 2-D row. None takes the layout from the feature
        names (``"<channel>_lag<k>"``, as :func:`make_windows` writes them)
        and otherwise assumes one channel. 3-D input carries its own layout.
    optimizer : str or keras optimizer class, default="adam"
        Optimizer name (``"adam"``, ``"adamw"``, ``"nadam"``, ``"rmsprop"``,
        ``"sgd"``, ``"adagrad"``) or class. Other arguments reach it as
        routed parameters, for example ``optimizer__beta_1=0.8``.
    learning_rate_init : float, default=0.001
        Learning rate of the optimizer. ``optimizer__learning_rate``, when
        given, takes precedence.
    loss : str or keras loss class, default="mse"
        ``"mse"``, ``"mae"``, ``"huber"`` (or their long Keras names) or a
        loss class; arguments reach it as ``loss__<name>``.
    epochs : int, default=200
        Maximum number of passes over the training rows.
    batch_size : int, default=32
        Rows per gradient step; capped at the number of training rows.
    early_stopping : bool or "auto", default="auto"
        True holds out the last ``validation_fraction`` of the training rows
        (the newest, when rows are in time order), stops when the loss on
        them stops improving, and restores the best weights. False stops
        when the training loss stops improving. "auto" is True from 1000
        training rows on.
    validation_fraction : float, default=0.1
        Fraction of the training rows held out when early stopping is on.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float, default=1e-4
        Smallest loss decrease (in standardised target units) that counts
        as an improvement.
    callbacks : list of keras callbacks or None, default=None
        Extra Keras callbacks. Each fit uses deep copies, so the objects
        passed here are never changed. On the TensorFlow and JAX backends
        training runs up to 32 gradient steps per call into Keras, so
        batch-level callback hooks fire once per call; epoch-level hooks
        fire every epoch.
    shuffle : bool, default=True
        Shuffle the training rows before each epoch.
    verbose : int, default=0
        Keras progress output: 0 silent, 1 progress bar, 2 one line per
        epoch.
    warm_start : bool, default=False
        When True and the architecture and input shape are unchanged,
        ``fit`` continues training the existing network, with its optimizer
        state and the scaling and baseline of the first fit. Otherwise each
        fit starts from fresh weights drawn from ``random_state``.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout masks and shuffling. An int gives
        the same network and predictions on every fit on CPU. None draws
        fresh seeds from the operating system and leaves NumPy's global
        random state alone.
    **routed_params : dict
        Parameters named ``optimizer__<name>`` or ``loss__<name>``, passed
        to the optimizer or loss when they are built.

    Attributes
    ----------
    model_ : keras.Model
        The trained network. It maps the standardised input to the
        standardised target after the baseline.
    history_ : dict of list
        Loss (and validation loss) per epoch, as Keras records it.
    n_iter_ : int
        Number of epochs run, counting earlier fits under ``warm_start``.
    n_features_in_ : int
        Number of columns of the 2-D rows (timesteps times channels).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen during ``fit``, when X had string column names.
    n_steps_ : int
        Time steps in each input sequence.
    n_channels_ : int
        Channels in each input sequence.
    n_outputs_ : int
        Number of targets.
    baseline_ : {"last", "linear"} or None
        The baseline in use, with ``"auto"`` resolved.
    baseline_coef_ : ndarray of shape (n_features_in_, n_outputs_) or None
        Coefficients of the linear baseline, with ``baseline="linear"``.
    baseline_intercept_ : ndarray of shape (n_outputs_,) or None
        Intercept of the linear baseline, with ``baseline="linear"``.
    x_mean_, x_scale_ : ndarray of shape (n_channels_,)
        Per-channel statistics that standardise the network input (the
        window relative to its newest value, with ``baseline_="last"``).
    y_mean_, y_scale_ : ndarray of shape (n_outputs_,)
        Statistics that standardise what the network learns.

    See Also
    --------
    make_windows : Cut a series into rows of past values and targets.
    SlidingWindowTransformer : Tune the window length inside a Pipeline.
    sklearn.neural_network.MLPRegressor : A feed-forward network regressor.

    Notes
    -----
    Sample weights are rescaled to mean 1 after rows of weight 0 are
    dropped, so a weight of 0 is the same as leaving the row out. Integer
    weights equal repeating rows exactly only when all rows fit in one
    batch, as for :class:`~sklearn.neural_network.MLPRegressor`.

    Keras and TensorFlow load on the first ``fit`` or when a fitted
    estimator is unpickled.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_lstm import LSTMRegressor, make_windows
    >>> X, y = make_windows(np.sin(np.arange(120) / 4), window=6)
    >>> model = LSTMRegressor(units=8, epochs=5, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    >>> bool(model.score(X, y) > 0.9)
    True

    The network of a plain Keras tutorial, predicting levels:

    >>> seed_model = LSTMRegressor(
    ...     units=25, activation="sigmoid", optimizer="rmsprop", loss="mse",
    ...     batch_size=128, epochs=15, early_stopping=False, baseline=None)
    """

    _parameter_constraints = {
        "units": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "activation": [str],
        "recurrent_activation": [str],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "baseline": [StrOptions({"auto", "last", "linear"}), None],
        "n_channels": [Interval(Integral, 1, None, closed="left"), None],
        "optimizer": [StrOptions(set(_network._OPTIMIZERS)), type],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(_network._LOSSES)), type],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        units=(32,),
        *,
        activation="tanh",
        recurrent_activation="sigmoid",
        dropout=0.0,
        recurrent_dropout=0.0,
        baseline="auto",
        n_channels=None,
        optimizer="adam",
        learning_rate_init=0.001,
        loss="mse",
        epochs=200,
        batch_size=32,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        callbacks=None,
        shuffle=True,
        verbose=0,
        warm_start=False,
        random_state=None,
        **routed_params,
    ):
        self.units = units
        self.activation = activation
        self.recurrent_activation = recurrent_activation
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.baseline = baseline
        self.n_channels = n_channels
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.shuffle = shuffle
        self.verbose = verbose
        self.warm_start = warm_start
        self.random_state = random_state
        for name, value in routed_params.items():
            setattr(self, name, value)

    # -- parameters --------------------------------------------------------

    def _routed_names(self):
        """Return the names of the extra keyword parameters stored by __init__."""
        declared = set(self._get_param_names())
        return sorted(
            name
            for name in vars(self)
            if name not in declared
            and not name.startswith("_")
            and not name.endswith("_")
        )

    def get_params(self, deep=True):
        """Get parameters, routed ``optimizer__`` and ``loss__`` ones included.

        Parameters
        ----------
        deep : bool, default=True
            Kept for the scikit-learn interface; no parameter is an
            estimator.

        Returns
        -------
        params : dict
            Parameter names mapped to the objects passed in, not copies.
        """
        params = super().get_params(deep=deep)
        params.update({name: getattr(self, name) for name in self._routed_names()})
        return params

    def set_params(self, **params):
        """Set parameters, routed ``optimizer__`` and ``loss__`` ones included.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : LSTMRegressor
            The estimator.
        """
        declared = set(self._get_param_names())
        routed = {k: v for k, v in params.items() if k not in declared}
        for name, value in routed.items():
            setattr(self, name, value)
        others = {k: v for k, v in params.items() if k in declared}
        if others:
            super().set_params(**others)
        return self

    def _routed(self, prefix):
        return {
            name[len(prefix) :]: getattr(self, name)
            for name in self._routed_names()
            if name.startswith(prefix)
        }

    def _check_params(self):
        """Validate what ``_parameter_constraints`` cannot express."""
        self._validate_params()
        unknown = [
            name
            for name in self._routed_names()
            if not name.startswith(_ROUTED_PREFIXES)
        ]
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {unknown} for LSTMRegressor. Besides "
                "its declared parameters it accepts only routed ones named "
                "optimizer__<name> or loss__<name>."
            )
        units = [self.units] if isinstance(self.units, Integral) else list(self.units)
        if not units or not all(
            isinstance(u, Integral) and not isinstance(u, bool) and u >= 1
            for u in units
        ):
            raise ValueError(
                "units must be a positive int or a non-empty sequence of "
                f"positive ints, one per LSTM layer; got {self.units!r}."
            )
        for name in ("activation", "recurrent_activation"):
            value = getattr(self, name)
            keras = _network.import_keras()
            try:
                keras.activations.get(value)
            except (ValueError, TypeError):
                raise ValueError(
                    f"{name}={value!r} is not a Keras activation; use a name "
                    "such as 'tanh', 'sigmoid', 'hard_sigmoid' or 'relu'."
                ) from None
        for name in ("optimizer", "loss"):
            value = getattr(self, name)
            if isinstance(value, type) and not callable(value):
                raise ValueError(f"{name} must be a name or a Keras class.")
        return [int(u) for u in units]

    # -- data --------------------------------------------------------------

    def _validate_X(self, X, y="no_validation", reset=True):
        """Return 2-D float64 rows of X, and y, with the 3-D shape recorded."""
        X = as_numbers(X, "X")
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) > 3:
            # validate_data's own message would claim that only 2-D is allowed.
            raise ValueError(
                f"X must be 2-D (n_samples, n_features) or 3-D (n_samples, "
                f"timesteps, channels); got an array of shape {tuple(shape)}."
            )
        steps_channels = None
        if shape is not None and len(shape) == 3 and not hasattr(X, "columns"):
            X = np.asarray(X)
            steps_channels = X.shape[1:]
            X = X.reshape(X.shape[0], -1)
        if isinstance(y, str) and y == "no_validation":
            X = validate_data(self, X, dtype=np.float64, reset=reset)
            y = None
        else:
            y = as_numbers(y, "y")
            X, y = validate_data(
                self, X, y, dtype=np.float64, multi_output=True, y_numeric=True,
                reset=reset,
            )
        if reset:
            self._steps_channels_3d = steps_channels
        elif steps_channels is not None and tuple(steps_channels) != (
            self.n_steps_,
            self.n_channels_,
        ):
            raise ValueError(
                f"X has sequences of shape {tuple(steps_channels)} (timesteps, "
                f"channels), but the estimator was fitted on "
                f"({self.n_steps_}, {self.n_channels_})."
            )
        return X, y

    def _layout(self, n_features):
        if self._steps_channels_3d is not None:
            n_steps, n_channels = self._steps_channels_3d
            if self.n_channels is not None and self.n_channels != n_channels:
                raise ValueError(
                    f"n_channels={self.n_channels} contradicts the 3-D input, "
                    f"which has {n_channels} channel(s)."
                )
            return Layout(
                tuple(f"x{c}" for c in range(n_channels)),
                tuple(range(n_steps, 0, -1)),
            )
        return infer_layout(
            n_features, getattr(self, "feature_names_in_", None), self.n_channels
        )

    def _sequences(self, X):
        """Reshape 2-D rows into standardised (n, timesteps, channels) input."""
        return (self._raw_sequences(X) - self.x_mean_) / self.x_scale_

    def _raw_sequences(self, X):
        """Reshape 2-D rows into the network input before standardising."""
        X3 = X.reshape(len(X), self.n_steps_, self.n_channels_)
        if self.baseline_ == "last":
            return X3 - X3[:, -1:, :]
        return X3

    def _baseline_values(self, X):
        """Return what the network's output is added to, shape (n, n_outputs)."""
        if self.baseline_ == "linear":
            return X @ self.baseline_coef_ + self.baseline_intercept_
        if self.baseline_ == "last":
            last = X.reshape(len(X), self.n_steps_, self.n_channels_)[:, -1, 0]
            return np.repeat(last[:, None], self.n_outputs_, axis=1)
        return np.zeros((len(X), self.n_outputs_))

    def _fit_statistics(self, X, Y, weights):
        """Fit the input scaling and the baseline on the training rows."""
        self.baseline_ = self.baseline
        if self.baseline == "auto":
            self.baseline_ = _choose_baseline(
                X, Y, weights, self.n_steps_, self.n_channels_
            )
        X3 = self._raw_sequences(X)
        steps_weights = np.repeat(weights, self.n_steps_)
        self.x_mean_, self.x_scale_ = _weighted_mean_std(
            X3.reshape(-1, self.n_channels_), steps_weights
        )
        self.baseline_coef_ = None
        self.baseline_intercept_ = None
        if self.baseline_ == "linear":
            self.baseline_coef_, self.baseline_intercept_ = _weighted_least_squares(
                X, Y, weights
            )
        residual = Y - self._baseline_values(X)
        self.y_mean_, self.y_scale_ = _target_mean_std(residual, Y, weights)

    # -- fit and predict ---------------------------------------------------

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> LSTMRegressor:
        """Train the network on rows of past values and their targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, timesteps, channels)
            Rows of past values, oldest first and channel-minor, or 3-D
            sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; rows of weight 0 are left out.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        units = self._check_params()
        X, y = self._validate_X(X, y, reset=True)
        Y = y.reshape(len(y), -1)
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if not weights.any():
            raise ValueError(
                "sample_weight is zero for every row; at least one row needs "
                "a positive weight."
            )
        keep = weights > 0
        X, Y, weights = X[keep], Y[keep], weights[keep] / weights[keep].mean()

        layout = self._layout(X.shape[1])
        config = {
            "n_steps": layout.n_steps,
            "n_channels": layout.n_channels,
            "n_outputs": Y.shape[1],
            "units": units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "dropout": float(self.dropout),
            "recurrent_dropout": float(self.recurrent_dropout),
        }
        continuing = (
            self.warm_start
            and hasattr(self, "model_")
            and self._config == config
            and self._baseline_param == self.baseline
        )
        rng = _seed_generator(self.random_state)
        seeds = rng.integers(0, _network._SEED_RANGE, size=3 * len(units) + 3)
        self._y_1d = y.ndim == 1
        self.n_steps_ = layout.n_steps
        self.n_channels_ = layout.n_channels
        self.n_outputs_ = Y.shape[1]
        if not continuing:
            self._config = config
            self._baseline_param = self.baseline
            with np.errstate(over="ignore", invalid="ignore"):
                self._fit_statistics(X, Y, weights)
            self._check_statistics_finite(X, Y)
            self.model_ = _network.build_network(config, seeds[:-2])
            self._optimizer_state = None
            self.history_ = {}
            self.n_iter_ = 0

        self._train(X, Y, weights, shuffle_seeds=seeds[-2:])
        return self

    def _check_statistics_finite(self, X, Y):
        """Raise a ValueError if squaring X or y overflowed in _fit_statistics."""
        statistics = [self.x_mean_, self.x_scale_, self.y_mean_, self.y_scale_]
        if self.baseline_coef_ is not None:
            statistics += [self.baseline_coef_, self.baseline_intercept_]
        if all(np.isfinite(values).all() for values in statistics):
            return
        largest = max(np.abs(X).max(), np.abs(Y).max())
        raise ValueError(
            f"X or y contains values up to {largest:.3g}, too large to "
            "standardise in float64, because their squares overflow and every "
            "prediction would be NaN. Divide X and y by a common factor, such "
            "as a power of ten, and multiply the predictions by it."
        )

    def _hold_out(self, inputs, targets, weights):
        """Split off the newest rows as the early-stopping validation set."""
        n_rows = len(inputs)
        n_validation = int(np.floor(self.validation_fraction * n_rows))
        if n_validation < 1 or n_rows - n_validation < 1:
            raise ValueError(
                f"early_stopping needs at least one training and one "
                f"validation row, but validation_fraction="
                f"{self.validation_fraction} of {n_rows} rows gives "
                f"{n_validation} validation rows. Use more rows, a larger "
                "validation_fraction, or early_stopping=False."
            )
        split = n_rows - n_validation
        validation = _network.make_dataset(
            inputs[split:], targets[split:], weights[split:],
            self.batch_size, shuffle=False, seed=0,
        )
        train_weights = weights[:split] / weights[:split].mean()
        return inputs[:split], targets[:split], train_weights, validation

    def _train(self, X, Y, weights, shuffle_seeds):
        """Run Keras's training loop and record the history."""
        inputs = self._sequences(X)
        targets = (Y - self._baseline_values(X) - self.y_mean_) / self.y_scale_
        use_validation = self.early_stopping is True or (
            self.early_stopping == "auto"
            and len(X) >= _AUTO_EARLY_STOPPING_MIN_SAMPLES
        )
        callbacks = _network.fresh_callbacks(self.callbacks)
        validation = None
        if use_validation:
            inputs, targets, weights, validation = self._hold_out(
                inputs, targets, weights
            )
            monitor = "val_loss"
        else:
            monitor = "loss"
        callbacks.append(
            _network.early_stopping(monitor, self.tol, self.n_iter_no_change)
        )

        batch_size = min(self.batch_size, len(inputs))
        dataset = _network.make_dataset(
            inputs, targets, weights, batch_size, self.shuffle, shuffle_seeds[0]
        )
        optimizer_routed = self._routed("optimizer__")
        loss_routed = self._routed("loss__")
        key = _network.trainer_key(
            self._config,
            (self.optimizer, self.learning_rate_init, optimizer_routed,
             self.loss, loss_routed),
        )
        with _network.compiled_trainer(
            key,
            self._config,
            lambda: _network.make_optimizer(
                self.optimizer, self.learning_rate_init, optimizer_routed
            ),
            lambda: _network.make_loss(self.loss, loss_routed),
        ) as trainer:
            _network.copy_variables(self.model_, trainer)
            _network.set_optimizer_state(
                trainer, self._optimizer_state or trainer._initial_optimizer_state
            )
            history = trainer.fit(
                dataset,
                epochs=self.epochs,
                validation_data=validation,
                callbacks=callbacks,
                verbose=self.verbose,
                shuffle=False,  # the dataset shuffles with its own seed
            )
            _network.copy_variables(trainer, self.model_)
            self._optimizer_state = _network.optimizer_state(trainer)
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        self.n_iter_ += len(history.history.get("loss", []))

    def _network_input(self, X):
        """Return the standardised (n, timesteps, channels) network input."""
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        return self._sequences(X)

    def _network_output_to_target(self, z, X):
        """Map raw network output for rows X back to target units."""
        X, _ = self._validate_X(X, reset=False)
        z = np.asarray(z, dtype=np.float64).reshape(len(X), self.n_outputs_)
        prediction = z * self.y_scale_ + self.y_mean_ + self._baseline_values(X)
        return prediction[:, 0] if self._y_1d else prediction

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict the targets of rows of past values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, timesteps, channels)
            Rows laid out as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions in the target's units, with the shape of the ``y``
            seen in ``fit``.
        """
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        z = _network.predict_network(self.model_, self._sequences(X))
        prediction = z * self.y_scale_ + self.y_mean_ + self._baseline_values(X)
        return prediction[:, 0] if self._y_1d else prediction

    # -- persistence -------------------------------------------------------

    def __getstate__(self):
        state = self.__dict__.copy()
        model = state.pop("model_", None)
        if model is not None:
            state["_network_weights"] = _network.network_weights(model)
        return state

    def __setstate__(self, state):
        weights = state.pop("_network_weights", None)
        self.__dict__.update(state)
        if weights is not None:
            self.model_ = _network.restore_network(self._config, weights)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.three_d_array = True
        return tags


def _seed_generator(random_state):
    """Return a NumPy Generator for the seeds of one fit.

    None draws entropy from the operating system instead of NumPy's global
    random state, so fitting never advances the caller's global generator.
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, Integral):
        return np.random.default_rng(int(random_state))
    state = check_random_state(random_state)
    return np.random.default_rng(state.randint(0, _network._SEED_RANGE))


def _choose_baseline(X, Y, weights, n_steps, n_channels):
    """Resolve ``baseline="auto"``: "last" where persistence explains the targets.

    Persistence must explain more than half of the weighted variance of
    every target. Otherwise the inputs are in other units than the targets
    (behind a scaler, for example) or unrelated to them, so "linear" is safer.
    """
    last = X.reshape(len(X), n_steps, n_channels)[:, -1, :1]
    target_var = np.average((Y - np.average(Y, axis=0, weights=weights)) ** 2,
                            axis=0, weights=weights)
    change_ms = np.average((Y - last) ** 2, axis=0, weights=weights)
    if np.all(target_var > 0) and np.all(change_ms < 0.5 * target_var):
        return "last"
    return "linear"


def _weighted_least_squares(X, Y, weights):
    """Return coefficients and intercept of weighted least squares of Y on X."""
    x_mean = np.average(X, axis=0, weights=weights)
    y_mean = np.average(Y, axis=0, weights=weights)
    root = np.sqrt(weights)[:, None]
    coef, *_ = np.linalg.lstsq(root * (X - x_mean), root * (Y - y_mean), rcond=None)
    return coef, y_mean - x_mean @ coef
