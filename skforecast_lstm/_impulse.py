"""Impulse responses of LSTM units and of fitted LSTM networks.

:class:`LSTMImpulseSimulator` has two uses. As a scikit-learn transformer it
draws many independent single LSTM units with random weights and steps them
through input sequences, and :meth:`LSTMImpulseSimulator.simulate` records
the gates and states of every unit after a shock. Its static method
:meth:`LSTMImpulseSimulator.impulse_response` shocks one value of the input
window of a fitted network and records how the forecast and every LSTM
layer's gates and states move. Both return an :class:`ImpulseResponse`.

All arithmetic is NumPy float64 (see ``_lstm_numpy``). Keras is imported
only to read a model's layers, and matplotlib only to plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._lstm_numpy import (
    ELEMENTWISE_ACTIVATIONS,
    QUANTITIES,
    read_keras_network,
    run_network,
    run_units,
)
from ._windows import as_numbers

# Panels of the six-panel grid, in the order of the 2016 notebook.
_PANELS = (
    ("input", "Input"),
    ("input_gate", "Input gate"),
    ("forget_gate", "Forget gate"),
    ("cell_state", "Cell state"),
    ("output_gate", "Output gate"),
    ("hidden_state", "Unit output"),
)

# Number of float64 values of LSTM paths computed at once by
# impulse_response (64 MiB); larger sets of windows are processed in chunks.
_CHUNK_ELEMENTS = 1 << 23


@dataclass(frozen=True, eq=False)
class GateTrajectories:
    """Per-step values of the LSTM quantities of a group of units.

    Every field is an ndarray of shape (n_units, n_steps): row ``k`` is unit
    ``k`` and column ``t`` is time step ``t``.

    Attributes
    ----------
    input_gate : ndarray
        Input gate ``i_t``.
    forget_gate : ndarray
        Forget gate ``f_t``.
    candidate : ndarray
        Candidate cell input ``g_t``.
    cell_state : ndarray
        Cell state ``c_t``.
    output_gate : ndarray
        Output gate ``o_t``.
    hidden_state : ndarray
        Hidden state, the unit output ``h_t``.
    """

    input_gate: np.ndarray
    forget_gate: np.ndarray
    candidate: np.ndarray
    cell_state: np.ndarray
    output_gate: np.ndarray
    hidden_state: np.ndarray

    @classmethod
    def _from_paths(cls, paths):
        """Build from a dict of (n_steps, n_units) arrays, transposing each."""
        return cls(**{name: paths[name].T for name in QUANTITIES})


@dataclass(frozen=True, eq=False)
class ImpulseResponse:
    """Trajectories of LSTM gates and states after a shock.

    :meth:`LSTMImpulseSimulator.simulate` returns ``kind="units"``: the
    levels of every quantity of independent random units. The static method
    :meth:`LSTMImpulseSimulator.impulse_response` returns
    ``kind="network"``: the response of a fitted network, that is the path
    with the shock minus the path without it, averaged over the baseline
    windows.

    Attributes
    ----------
    kind : {"units", "network"}
        Which of the two uses produced the result.
    input : ndarray
        For units, the input fed to each unit, shape (n_units, n_steps).
        For a network, the mean change of the network input caused by the
        shock, after the estimator's own scaling, shape (n_channels,
        n_steps).
    layers : tuple of GateTrajectories
        For units, one entry with the levels of all units. For a network,
        one entry per LSTM layer with the mean response of its units.
    layer_names : tuple of str
        ``("units",)`` for units, the Keras layer names for a network.
    baseline : tuple of GateTrajectories or None
        For a network, the mean path without the shock, per LSTM layer.
        None for units.
    lower, upper : tuple of GateTrajectories or None
        For a network with more than one baseline window, the ``band``
        quantiles of the per-window responses, per LSTM layer. None
        otherwise.
    forecast : ndarray of shape (n_outputs,) or None
        For a network, the mean response of the forecast, in the target's
        units for an LSTMRegressor and in the network's output units for a
        Keras model. None for units.
    forecast_baseline : ndarray of shape (n_outputs,) or None
        Mean forecast without the shock.
    forecast_lower, forecast_upper : ndarray of shape (n_outputs,) or None
        The ``band`` quantiles of the per-window forecast responses.
    shock_step, shock_channel : int or None
        Where the shock was added in the input window (``shock_step`` counts
        from 0 at the oldest step). None for units.
    shock_size : float or None
        Size of the shock, in the units of the input window.
    n_windows : int or None
        Number of baseline windows averaged over.
    band : tuple of float or None
        Quantile levels of ``lower`` and ``upper``.
    """

    kind: str
    input: np.ndarray
    layers: tuple
    layer_names: tuple
    baseline: tuple | None = None
    lower: tuple | None = None
    upper: tuple | None = None
    forecast: np.ndarray | None = None
    forecast_baseline: np.ndarray | None = None
    forecast_lower: np.ndarray | None = None
    forecast_upper: np.ndarray | None = None
    shock_step: int | None = None
    shock_channel: int | None = None
    shock_size: float | None = None
    n_windows: int | None = None
    band: tuple | None = None

    @property
    def n_steps(self):
        """Number of time steps of every trajectory."""
        return self.input.shape[1]

    def to_frame(self) -> pd.DataFrame:
        """Return every trajectory as a tidy DataFrame, one value per row.

        Returns
        -------
        frame : pandas.DataFrame
            For units, the columns are ``unit``, ``quantity``, ``step`` and
            ``value``; the quantities are ``"input"`` and the six names of
            :class:`GateTrajectories`. For a network, the columns are
            ``layer``, ``unit``, ``quantity``, ``step``, ``value`` (the mean
            response), ``lower``, ``upper`` (NaN without bands) and
            ``baseline`` (the mean level without the shock). Rows with
            layer ``"input"`` contain the shock as the network receives
            it, with the channel in ``unit``. Rows with layer ``"forecast"``
            contain the forecast response, with the output index in ``unit`` and the
            last step of the window in ``step``.
        """
        if self.kind == "units":
            blocks = [_tidy_block("input", self.input)]
            trajectories = self.layers[0]
            blocks += [
                _tidy_block(name, getattr(trajectories, name)) for name in QUANTITIES
            ]
            return pd.concat(blocks, ignore_index=True)

        blocks = [_tidy_block("input", self.input, layer="input")]
        for index, name in enumerate(self.layer_names):
            for quantity in QUANTITIES:
                blocks.append(
                    _tidy_block(
                        quantity,
                        getattr(self.layers[index], quantity),
                        layer=name,
                        lower=_band_values(self.lower, index, quantity),
                        upper=_band_values(self.upper, index, quantity),
                        baseline=getattr(self.baseline[index], quantity),
                    )
                )
        n_outputs = len(self.forecast)
        last_step = self.n_steps - 1
        forecast_rows = pd.DataFrame(
            {
                "layer": "forecast",
                "unit": np.arange(n_outputs),
                "quantity": "forecast",
                "step": np.full(n_outputs, last_step),
                "value": self.forecast,
                "lower": _or_nan(self.forecast_lower, n_outputs),
                "upper": _or_nan(self.forecast_upper, n_outputs),
                "baseline": self.forecast_baseline,
            }
        )
        blocks.append(forecast_rows)
        return pd.concat(blocks, ignore_index=True)

    def plot(self, *, layer=0, units=None, axes=None):
        """Draw the six-panel grid of input, gates, cell state and output.

        For units, each panel draws one line per unit, as in the 2016
        notebook. For a network, each panel draws the mean response of each
        unit of one LSTM layer with its band shaded, and the input panel
        draws the shock as the network receives it.

        Parameters
        ----------
        layer : int, default=0
            Index of the LSTM layer to draw, for a network.
        units : array-like of int or None, default=None
            Indices of the units to draw. None draws all of them.
        axes : array-like of 6 matplotlib Axes or None, default=None
            Where to draw, in the order input, input gate, forget gate, cell
            state, output gate, unit output. None creates a 2-by-3 figure.

        Returns
        -------
        figure : matplotlib.figure.Figure
            The figure that holds the axes.
        """
        plt = _import_pyplot()
        if not isinstance(layer, Integral) or not -len(self.layers) <= layer < len(
            self.layers
        ):
            raise ValueError(
                f"layer={layer!r} is not the index of an LSTM layer; this "
                f"result has {len(self.layers)} layer(s)."
            )
        trajectories = self.layers[layer]
        n_units = trajectories.hidden_state.shape[0]
        if units is None:
            selected = np.arange(n_units)
        else:
            selected = np.asarray(units)
            if (
                selected.ndim != 1
                or not np.issubdtype(selected.dtype, np.integer)
                or np.any(selected < -n_units)
                or np.any(selected >= n_units)
            ):
                raise ValueError(
                    f"units={units!r} must be a 1-D sequence of unit indices "
                    f"between 0 and {n_units - 1}."
                )

        created = axes is None
        if created:
            figure, axes = plt.subplots(
                2, 3, figsize=(12, 6), sharex=True, constrained_layout=True
            )
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size != len(_PANELS):
            raise ValueError(
                f"axes must contain {len(_PANELS)} matplotlib Axes, one per panel; "
                f"got {axes.size}."
            )
        figure = axes[0].figure

        steps = np.arange(self.n_steps)
        prefix = "" if self.kind == "units" else "Response: "
        for ax, (quantity, title) in zip(axes, _PANELS):
            if quantity == "input":
                rows = self.input[selected] if self.kind == "units" else self.input
                ax.plot(steps, rows.T, linewidth=1)
            else:
                values = getattr(trajectories, quantity)[selected]
                ax.plot(steps, values.T, linewidth=1)
                if self.lower is not None:
                    low = getattr(self.lower[layer], quantity)[selected]
                    high = getattr(self.upper[layer], quantity)[selected]
                    for row in range(len(selected)):
                        ax.fill_between(steps, low[row], high[row], alpha=0.15)
            ax.set_title(prefix + title)
            ax.set_xlabel("step")
        if created:
            figure.suptitle(self._title(layer))
        return figure

    def _title(self, layer):
        if self.kind == "units":
            return f"{self.input.shape[0]} random LSTM units"
        text = (
            f"Layer {self.layer_names[layer]!r}: shock of {self.shock_size:g} at "
            f"step {self.shock_step}, channel {self.shock_channel}, "
            f"{self.n_windows} window(s); forecast response "
            + ", ".join(f"{value:.4g}" for value in self.forecast)
        )
        if self.forecast_lower is not None:
            bounds = ", ".join(
                f"[{low:.4g}, {high:.4g}]"
                for low, high in zip(self.forecast_lower, self.forecast_upper)
            )
            text += f" (band {bounds})"
        return text


def _tidy_block(quantity, values, layer=None, lower=None, upper=None, baseline=None):
    """Return the rows of one (n_units, n_steps) array as a tidy DataFrame.

    Without ``layer`` the frame has the columns of the units result; with it,
    also ``layer``, ``lower``, ``upper`` and ``baseline`` (NaN where None).
    """
    n_units, n_steps = values.shape
    data = {
        "unit": np.repeat(np.arange(n_units), n_steps),
        "quantity": quantity,
        "step": np.tile(np.arange(n_steps), n_units),
        "value": np.ravel(values),
    }
    if layer is None:
        return pd.DataFrame(data)
    for name, extra in (("lower", lower), ("upper", upper), ("baseline", baseline)):
        data[name] = np.nan if extra is None else np.ravel(extra)
    return pd.DataFrame({"layer": layer, **data})


def _band_values(bands, index, quantity):
    return None if bands is None else getattr(bands[index], quantity)


def _or_nan(values, size):
    return np.full(size, np.nan) if values is None else values


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "ImpulseResponse.plot needs matplotlib. Install it with "
            "pip install skforecast-lstm[plot]"
        ) from exc
    return plt


class LSTMImpulseSimulator(TransformerMixin, BaseEstimator):
    """Impulse responses of random LSTM units and of fitted LSTM networks.

    Random units: ``fit`` draws ``n_units`` independent single LSTM units,
    each with one input and scalar weights. :meth:`simulate` feeds them a
    unit spike at step 0 (or any input sequence) and records the input
    gate, forget gate, candidate, cell state, output gate and unit output
    of every unit at every step. ``transform`` feeds each row of ``X`` to
    every unit as an input sequence and returns one quantity per unit after
    the last step. Each unit computes, with ``x_t`` its input::

        i_t = gate(w_i x_t + u_i h_{t-1} + p_i c_{t-1} + b_i)
        f_t = gate(w_f x_t + u_f h_{t-1} + p_f c_{t-1} + b_f)
        g_t = cell(w_g x_t + u_g h_{t-1} + b_g)
        c_t = f_t c_{t-1} + i_t g_t
        o_t = gate(w_o x_t + u_o h_{t-1} + p_o c_t + b_o)
        h_t = o_t cell(c_t)

    where the ``p`` terms are the peephole connections (Gers and
    Schmidhuber, 2000), absent when ``peepholes=False``.

    Fitted networks: :meth:`impulse_response`, a static method that needs
    no ``fit``, adds a shock to one value of the input window of a fitted
    :class:`LSTMRegressor` or Keras LSTM model and returns how the forecast
    and each LSTM layer's gates and states respond, computed in NumPy from
    the model's weights.

    Parameters
    ----------
    n_units : int, default=20
        Number of random units.
    n_steps : int, default=30
        Length of the unit spike that :meth:`simulate` feeds by default,
        and of the input sequences ``transform`` expects when ``fit`` is
        called without ``X``.
    peepholes : bool, default=True
        Whether the gates read the cell state through peephole weights.
    gate_activation : str, default="sigmoid"
        Activation of the input, forget and output gates, named as in
        ``keras.activations`` (element-wise ones only, such as
        ``"sigmoid"``, ``"hard_sigmoid"``, ``"tanh"``, ``"relu"``).
    cell_activation : str, default="tanh"
        Activation of the candidate and of the cell state on its way to the
        output. The notebook's choice is ``gate_activation="tanh",
        cell_activation="sigmoid"``.
    weight_scale : float, default=1.0
        Standard deviation of the input, recurrent and peephole weights,
        which are drawn from a normal distribution with mean 0.
    bias_scale : float, default=1.0
        Standard deviation of the biases, drawn from a normal distribution
        with mean 0. Use 0 for units without bias.
    quantity : str, default="hidden_state"
        What ``transform`` returns for each unit after the last step: one of
        ``"input_gate"``, ``"forget_gate"``, ``"candidate"``,
        ``"cell_state"``, ``"output_gate"``, ``"hidden_state"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights drawn by ``fit``.

    Attributes
    ----------
    input_weights_ : ndarray of shape (4, n_units)
        Input weights ``w``, rows in gate order input, forget, candidate,
        output (the order of Keras's gate blocks).
    recurrent_weights_ : ndarray of shape (4, n_units)
        Recurrent weights ``u``, in the same gate order.
    bias_ : ndarray of shape (4, n_units)
        Biases ``b``, in the same gate order.
    peephole_weights_ : ndarray of shape (3, n_units)
        Peephole weights ``p`` of the input, forget and output gates; all
        zero when ``peepholes=False``.
    n_features_in_ : int
        Length of the input sequences ``transform`` accepts.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` in ``fit``, when they are all strings.

    See Also
    --------
    ImpulseResponse : The result of :meth:`simulate` and
        :meth:`impulse_response`.

    Notes
    -----
    ``fit`` draws, in this order, the input weights, recurrent weights,
    biases and peephole weights, so switching ``peepholes`` leaves the other
    weights unchanged. The notebook this class reproduces labelled its
    gates and cell activation the other way round: it used tanh for the
    gates and a sigmoid for the cell activation, while the standard LSTM
    uses sigmoid gates and a tanh cell.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_lstm._impulse import LSTMImpulseSimulator
    >>> simulator = LSTMImpulseSimulator(n_units=3, n_steps=4, random_state=0)
    >>> result = simulator.fit().simulate()
    >>> result.layers[0].cell_state.shape
    (3, 4)
    >>> print(result.input[0])
    [1. 0. 0. 0.]
    >>> print(np.round(result.layers[0].hidden_state, 3))
    [[ 0.034  0.026  0.024  0.023]
     [ 0.027  0.055  0.081  0.104]
     [-0.44  -0.246 -0.285 -0.309]]

    ``transform`` treats each row as an input sequence:

    >>> X = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    >>> print(np.round(simulator.transform(X), 3))
    [[ 0.023  0.104 -0.309]
     [ 0.021  0.107 -0.314]]
    """

    _parameter_constraints = {
        "n_units": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "peepholes": ["boolean"],
        "gate_activation": [StrOptions(set(ELEMENTWISE_ACTIVATIONS))],
        "cell_activation": [StrOptions(set(ELEMENTWISE_ACTIVATIONS))],
        "weight_scale": [Interval(Real, 0, None, closed="left")],
        "bias_scale": [Interval(Real, 0, None, closed="left")],
        "quantity": [StrOptions(set(QUANTITIES))],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_units=20,
        n_steps=30,
        *,
        peepholes=True,
        gate_activation="sigmoid",
        cell_activation="tanh",
        weight_scale=1.0,
        bias_scale=1.0,
        quantity="hidden_state",
        random_state=None,
    ):
        self.n_units = n_units
        self.n_steps = n_steps
        self.peepholes = peepholes
        self.gate_activation = gate_activation
        self.cell_activation = cell_activation
        self.weight_scale = weight_scale
        self.bias_scale = bias_scale
        self.quantity = quantity
        self.random_state = random_state

    def fit(self, X: ArrayLike | None = None, y: None = None) -> LSTMImpulseSimulator:
        """Draw the weights of ``n_units`` random units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None, default=None
            Only the number of columns is used: it fixes the length of the
            input sequences ``transform`` accepts. None uses ``n_steps``.
        y : None
            Ignored.

        Returns
        -------
        self : LSTMImpulseSimulator
            The fitted simulator.
        """
        self._validate_params()
        if X is None:
            self.n_features_in_ = self.n_steps
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            validate_data(self, as_numbers(X, "X"), dtype=np.float64, reset=True)

        rng = check_random_state(self.random_state)
        shape = (4, self.n_units)
        self.input_weights_ = self.weight_scale * rng.standard_normal(shape)
        self.recurrent_weights_ = self.weight_scale * rng.standard_normal(shape)
        self.bias_ = self.bias_scale * rng.standard_normal(shape)
        peephole_weights = self.weight_scale * rng.standard_normal((3, self.n_units))
        if not self.peepholes:
            peephole_weights = np.zeros_like(peephole_weights)
        self.peephole_weights_ = peephole_weights
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Feed each row of ``X`` to every unit as an input sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Each row is an input sequence, oldest value first.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_units)
            The ``quantity`` of each unit after the last step of each
            sequence, starting from zero states.
        """
        check_is_fitted(self)
        X = as_numbers(X, "X")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        # Steps on axis 0, rows on axis 1 and a length-1 axis that
        # broadcasts against the units.
        inputs = X.T[:, :, np.newaxis]
        _, final = self._run(inputs, initial_state=None, record=False)
        return final[self.quantity]

    def get_feature_names_out(self, input_features=None):
        """Name the output columns of ``transform``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the input columns seen in ``fit``, if given.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (n_units,)
            ``"unit<k>_<quantity>"`` for each unit ``k``.
        """
        check_is_fitted(self)
        if input_features is not None:
            names = np.asarray(input_features, dtype=object)
            known = getattr(self, "feature_names_in_", None)
            if len(names) != self.n_features_in_:
                raise ValueError(
                    f"input_features has {len(names)} names, but the simulator "
                    f"was fitted on {self.n_features_in_} columns."
                )
            if known is not None and not np.array_equal(names, known):
                raise ValueError(
                    "input_features differs from the column names seen in fit; "
                    "pass None or the same names."
                )
        return np.asarray(
            [f"unit{k}_{self.quantity}" for k in range(self.n_units)], dtype=object
        )

    def simulate(
        self, shock: ArrayLike | None = None, *, initial_state: tuple | None = None
    ) -> ImpulseResponse:
        """Record every quantity of every unit while it reads a shock.

        Parameters
        ----------
        shock : array-like of shape (n_steps,) or (n_units, n_steps), \
                default=None
            Input sequence. A 1-D sequence is fed to every unit; a 2-D array
            gives each unit its own row. None feeds a unit spike: 1 at step
            0, then ``n_steps - 1`` zeros.
        initial_state : tuple of (h0, c0) or None, default=None
            Hidden and cell state before step 0, each a scalar or an array
            of shape (n_units,). None starts both at zero.

        Returns
        -------
        result : ImpulseResponse
            With ``kind="units"``. ``result.layers[0]`` contains the
            trajectories of all units, each of shape (n_units, n_steps).
        """
        check_is_fitted(self)
        if shock is None:
            inputs = np.zeros((self.n_steps, 1))
            inputs[0] = 1.0
        else:
            inputs = self._check_shock(shock)
        state = _check_unit_state(initial_state, self.n_units)
        paths, _ = self._run(inputs, initial_state=state, record=True)
        fed = np.broadcast_to(inputs.T, (self.n_units, inputs.shape[0]))
        return ImpulseResponse(
            kind="units",
            input=fed,
            layers=(GateTrajectories._from_paths(paths),),
            layer_names=("units",),
        )

    def _run(self, inputs, initial_state, record):
        peephole_weights = self.peephole_weights_ if self.peepholes else None
        return run_units(
            inputs,
            self.input_weights_,
            self.recurrent_weights_,
            self.bias_,
            peephole_weights,
            self.gate_activation,
            self.cell_activation,
            initial_state=initial_state,
            record=record,
        )

    def _check_shock(self, shock):
        """Return ``shock`` as float64 inputs with steps on axis 0."""
        values = np.array(as_numbers(shock, "shock"), dtype=np.float64)
        if values.ndim == 1:
            inputs = values[:, np.newaxis]
        elif values.ndim == 2 and values.shape[0] == self.n_units:
            inputs = values.T
        else:
            raise ValueError(
                f"shock must be 1-D (n_steps,) or 2-D (n_units={self.n_units}, "
                f"n_steps); got shape {values.shape}."
            )
        if inputs.shape[0] < 1:
            raise ValueError(
                "shock must contain at least one step; got an empty array."
            )
        if not np.all(np.isfinite(inputs)):
            raise ValueError(
                "shock contains NaN or infinite values; pass finite inputs."
            )
        return inputs

    @staticmethod
    def impulse_response(
        model,
        X: ArrayLike | None = None,
        *,
        step: int = 0,
        channel: int = 0,
        size: float = 1.0,
        band: tuple[float, float] | None = (0.05, 0.95),
        initial_state=None,
    ) -> ImpulseResponse:
        """Respond to a shock in the input window of a fitted LSTM network.

        The shock ``size`` is added at ``(step, channel)`` of each baseline
        window, in the units of the windows the model is given (before an
        LSTMRegressor's own scaling). The response of every quantity is the
        path with the shock minus the path without it. Because the network
        is nonlinear, the response depends on the baseline window and is not
        proportional to ``size``. With several windows the result is their
        mean, a generalised impulse response (Koop, Pesaran and Potter,
        1996), and ``band`` quantiles over the windows give its spread.

        Everything is computed in NumPy float64 from the model's weights.
        Stateful layers start from zero (or ``initial_state``), and their
        stored states are neither read nor changed. Dropout is ignored, as
        at inference.

        Parameters
        ----------
        model : LSTMRegressor or keras.Model
            A fitted :class:`LSTMRegressor`, or a built Keras model made of
            ``keras.layers.LSTM`` layers (the last with
            ``return_sequences=False``) followed by ``keras.layers.Dense``
            layers.
        X : array-like or None, default=None
            Baseline windows. For an LSTMRegressor, rows as ``predict``
            takes them: 2-D rows of past values or 3-D (n_windows,
            n_timesteps, n_channels). For a Keras model, a 3-D array of
            network input. None uses one all-zero window.
        step : int, default=0
            Time step of the window that receives the shock, 0 for the
            oldest; negative values count from the newest (-1).
        channel : int, default=0
            Channel that receives the shock.
        size : float, default=1.0
            Value added to the window, in the window's units.
        band : tuple of (float, float) or None, default=(0.05, 0.95)
            Quantile levels of the band over windows. None skips the band,
            which saves memory.
        initial_state : sequence of (h0, c0) or None, default=None
            One pair per LSTM layer, each array of shape (units,) or
            (n_windows, units). None starts every layer at zero.

        Returns
        -------
        result : ImpulseResponse
            With ``kind="network"``.

        Examples
        --------
        >>> import keras
        >>> import numpy as np
        >>> from skforecast_lstm._impulse import LSTMImpulseSimulator
        >>> model = keras.Sequential(
        ...     [keras.Input((4, 1)), keras.layers.LSTM(2), keras.layers.Dense(1)])
        >>> model.set_weights([np.full(w.shape, 0.5) for w in model.weights])
        >>> result = LSTMImpulseSimulator.impulse_response(model, size=1.0)
        >>> print(np.round(result.forecast, 4))
        [0.0725]
        >>> print(np.round(result.layers[0].hidden_state, 4))
        [[0.1953 0.1538 0.1134 0.0725]
         [0.1953 0.1538 0.1134 0.0725]]
        """
        network_model, estimator = _unwrap_model(model)
        network = read_keras_network(network_model)
        n_timesteps, n_channels = _window_shape(network, estimator, X)
        step_index = _check_index("step", step, n_timesteps, "time steps")
        channel_index = _check_index("channel", channel, n_channels, "channels")
        is_number = isinstance(size, Real) and not isinstance(size, bool)
        if not is_number or not np.isfinite(size):
            raise ValueError(f"size must be a finite number; got {size!r}.")
        levels = _check_band(band)

        windows = _baseline_windows(X, network, estimator, n_timesteps, n_channels)
        n_windows = len(windows)
        states = _check_network_state(initial_state, network, n_windows)

        total_units = sum(layer.units for layer in network.lstm_layers)
        per_window = 2 * n_timesteps * len(QUANTITIES) * total_units
        chunk = max(1, _CHUNK_ELEMENTS // per_window)
        accumulator = _ResponseAccumulator(network, n_windows, n_timesteps, levels)
        for start in range(0, n_windows, chunk):
            stop = min(start + chunk, n_windows)
            base = _take_rows(windows, start, stop)
            shocked = _add_shock(
                base, step_index, channel_index, float(size), n_channels
            )
            inputs_base = _network_input(network, estimator, base)
            inputs_shocked = _network_input(network, estimator, shocked)
            chunk_states = _slice_states(states, start, stop)
            # Two runs of the same shape, so a zero shock repeats every
            # rounding step and gives exactly zero response.
            paths_base, outputs_base = run_network(network, inputs_base, chunk_states)
            paths_shocked, outputs_shocked = run_network(
                network, inputs_shocked, chunk_states
            )
            accumulator.add(
                start,
                inputs_shocked - inputs_base,
                paths_base,
                paths_shocked,
                _network_output(estimator, outputs_base, base),
                _network_output(estimator, outputs_shocked, shocked),
            )
        return accumulator.result(
            network,
            shock_step=step_index,
            shock_channel=channel_index,
            shock_size=float(size),
            band=levels,
        )


class _ResponseAccumulator:
    """Sums of responses over window chunks, and all of them for bands."""

    def __init__(self, network, n_windows, n_timesteps, levels):
        self.n_windows = n_windows
        self.keep_all = levels is not None and n_windows > 1
        self.input_sum = np.zeros((n_timesteps, network.n_channels))
        self.response_sums = []
        self.baseline_sums = []
        self.responses = []
        for layer in network.lstm_layers:
            shape = (n_timesteps, layer.units)
            self.response_sums.append({q: np.zeros(shape) for q in QUANTITIES})
            self.baseline_sums.append({q: np.zeros(shape) for q in QUANTITIES})
            if self.keep_all:
                self.responses.append(
                    {q: np.empty((n_windows,) + shape) for q in QUANTITIES}
                )
        self.forecast_sum = 0.0
        self.forecast_baseline_sum = 0.0
        self.forecast_responses = []

    def add(
        self, start, input_change, paths_base, paths_shocked, forecast_base,
        forecast_shocked,
    ):
        n_rows = len(input_change)
        self.input_sum += input_change.sum(axis=0)
        for index, (base, shocked) in enumerate(zip(paths_base, paths_shocked)):
            for quantity in QUANTITIES:
                response = shocked[quantity] - base[quantity]
                self.response_sums[index][quantity] += response.sum(axis=0)
                self.baseline_sums[index][quantity] += base[quantity].sum(axis=0)
                if self.keep_all:
                    self.responses[index][quantity][start : start + n_rows] = response
        forecast_response = forecast_shocked - forecast_base
        self.forecast_sum = self.forecast_sum + forecast_response.sum(axis=0)
        self.forecast_baseline_sum = self.forecast_baseline_sum + forecast_base.sum(
            axis=0
        )
        self.forecast_responses.append(forecast_response)

    def result(self, network, *, shock_step, shock_channel, shock_size, band):
        n = self.n_windows
        layers = tuple(
            GateTrajectories._from_paths({q: s[q] / n for q in QUANTITIES})
            for s in self.response_sums
        )
        baseline = tuple(
            GateTrajectories._from_paths({q: s[q] / n for q in QUANTITIES})
            for s in self.baseline_sums
        )
        lower = upper = forecast_lower = forecast_upper = None
        if self.keep_all:
            lower = tuple(
                GateTrajectories._from_paths(
                    {q: np.quantile(r[q], band[0], axis=0) for q in QUANTITIES}
                )
                for r in self.responses
            )
            upper = tuple(
                GateTrajectories._from_paths(
                    {q: np.quantile(r[q], band[1], axis=0) for q in QUANTITIES}
                )
                for r in self.responses
            )
            forecast_responses = np.concatenate(self.forecast_responses)
            forecast_lower = np.quantile(forecast_responses, band[0], axis=0)
            forecast_upper = np.quantile(forecast_responses, band[1], axis=0)
        return ImpulseResponse(
            kind="network",
            input=(self.input_sum / n).T,
            layers=layers,
            layer_names=tuple(layer.name for layer in network.lstm_layers),
            baseline=baseline,
            lower=lower,
            upper=upper,
            forecast=self.forecast_sum / n,
            forecast_baseline=self.forecast_baseline_sum / n,
            forecast_lower=forecast_lower,
            forecast_upper=forecast_upper,
            shock_step=shock_step,
            shock_channel=shock_channel,
            shock_size=shock_size,
            n_windows=n,
            band=band if self.keep_all else None,
        )


def _is_estimator(model):
    return hasattr(model, "_network_input") and hasattr(
        model, "_network_output_to_target"
    )


def _unwrap_model(model):
    """Return the Keras model, and the estimator that owns it or None."""
    if _is_estimator(model):
        check_is_fitted(model)
        return model.model_, model
    return model, None


def _window_shape(network, estimator, X):
    """Return (n_timesteps, n_channels) of the model's input windows."""
    n_timesteps = network.n_timesteps
    if n_timesteps is None:
        if X is None or estimator is not None:
            raise ValueError(
                f"Keras model {network.name!r} accepts sequences of any length, "
                f"so an all-zero window has no length. Pass baseline windows "
                f"as X."
            )
        X_shape = np.shape(X)
        if len(X_shape) != 3:
            raise ValueError(
                f"X must be 3-D (n_windows, n_timesteps, n_channels) for a Keras "
                f"model; got shape {X_shape}. For one window use X[np.newaxis]."
            )
        n_timesteps = X_shape[1]
    return n_timesteps, network.n_channels


def _check_index(name, value, length, axis_name):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer; got {value!r}.")
    if not -length <= value < length:
        raise ValueError(
            f"{name}={value} is out of range: the window has {length} {axis_name}, "
            f"so use {-length} to {length - 1}."
        )
    return int(value) % length


def _check_band(band):
    if band is None:
        return None
    try:
        low, high = (float(level) for level in band)
    except (TypeError, ValueError):
        raise ValueError(
            f"band must be None or a pair of quantile levels such as "
            f"(0.05, 0.95); got {band!r}."
        ) from None
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(
            f"band={band!r} must satisfy 0 <= lower < upper <= 1, for example "
            f"(0.05, 0.95)."
        )
    return (low, high)


def _baseline_windows(X, network, estimator, n_timesteps, n_channels):
    """Return a private float64 copy (or DataFrame copy) of the windows."""
    if X is None:
        if estimator is None:
            return np.zeros((1, n_timesteps, n_channels))
        zeros = np.zeros((1, n_timesteps * n_channels))
        names = getattr(estimator, "feature_names_in_", None)
        if names is not None:
            return pd.DataFrame(zeros, columns=names)
        return zeros

    if hasattr(X, "iloc"):
        if estimator is None:
            raise ValueError(
                "X must be a 3-D array (n_windows, n_timesteps, n_channels) for "
                "a Keras model; got a DataFrame."
            )
        windows = X.copy()
        values = as_numbers(windows, "X").to_numpy(dtype=np.float64)
    else:
        windows = np.array(as_numbers(X, "X"), dtype=np.float64)
        values = windows
    expected_2d = n_timesteps * n_channels
    shape = values.shape
    if estimator is None:
        valid = values.ndim == 3 and shape[1:] == (n_timesteps, n_channels)
        expected_shape = f"(n_windows, {n_timesteps}, {n_channels})"
    else:
        valid = (values.ndim == 2 and shape[1] == expected_2d) or (
            values.ndim == 3 and shape[1:] == (n_timesteps, n_channels)
        )
        expected_shape = (
            f"(n_windows, {expected_2d}) rows or (n_windows, {n_timesteps}, "
            f"{n_channels}) windows"
        )
    if not valid:
        raise ValueError(
            f"X has shape {shape}, but the model reads {expected_shape}. For "
            f"one window add a leading axis, e.g. X[np.newaxis]."
        )
    if shape[0] < 1:
        raise ValueError("X contains no windows; pass at least one row.")
    if not np.all(np.isfinite(values)):
        raise ValueError("X contains NaN or infinite values; pass finite windows.")
    return windows


def _take_rows(windows, start, stop):
    if hasattr(windows, "iloc"):
        return windows.iloc[start:stop]
    return windows[start:stop]


def _add_shock(windows, step, channel, size, n_channels):
    """Return a copy of ``windows`` with ``size`` added at (step, channel)."""
    shocked = windows.copy()
    if hasattr(shocked, "iloc"):
        column = step * n_channels + channel
        shocked.iloc[:, column] = shocked.iloc[:, column] + size
    elif shocked.ndim == 3:
        shocked[:, step, channel] += size
    else:
        # 2-D rows contain the window oldest step first, channels fastest.
        shocked[:, step * n_channels + channel] += size
    return shocked


def _network_input(network, estimator, windows):
    if estimator is None:
        return windows
    inputs = np.asarray(estimator._network_input(windows), dtype=np.float64)
    expected = (len(inputs), network.n_timesteps, network.n_channels)
    if inputs.shape != expected:
        raise ValueError(
            f"The estimator mapped the windows to network input of shape "
            f"{inputs.shape}, but its network reads {expected}."
        )
    return inputs


def _network_output(estimator, outputs, windows):
    if estimator is None:
        return outputs
    target = np.asarray(
        estimator._network_output_to_target(outputs, windows), dtype=np.float64
    )
    return target.reshape(len(outputs), -1)


def _check_unit_state(initial_state, n_units):
    """Return (h0, c0) as float64 arrays of shape (n_units,), or None."""
    if initial_state is None:
        return None
    try:
        h0, c0 = initial_state
    except (TypeError, ValueError):
        raise ValueError(
            "initial_state must be None or a pair (h0, c0) of scalars or "
            f"arrays of shape (n_units={n_units},)."
        ) from None
    state = []
    for name, value in (("h0", h0), ("c0", c0)):
        array = np.array(value, dtype=np.float64)
        if array.ndim > 1 or (array.ndim == 1 and array.shape[0] != n_units):
            raise ValueError(
                f"initial_state {name} has shape {array.shape}; use a scalar or "
                f"an array of shape ({n_units},)."
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"initial_state {name} contains NaN or infinite values.")
        state.append(np.broadcast_to(array, (n_units,)))
    return tuple(state)


def _check_network_state(initial_state, network, n_windows):
    """Return per-layer (h0, c0) float64 arrays, or None for zeros."""
    if initial_state is None:
        return None
    n_layers = len(network.lstm_layers)
    try:
        pairs = list(initial_state)
    except TypeError:
        pairs = None
    if pairs is None or len(pairs) != n_layers:
        raise ValueError(
            f"initial_state must contain one (h0, c0) pair per LSTM layer, "
            f"{n_layers} in all; got {initial_state!r}."
        )
    states = []
    for layer, pair in zip(network.lstm_layers, pairs):
        try:
            h0, c0 = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"initial_state for layer {layer.name!r} must be a pair (h0, c0)."
            ) from None
        arrays = []
        for name, value in (("h0", h0), ("c0", c0)):
            array = np.array(value, dtype=np.float64)
            if array.ndim == 2 and array.shape[0] == 1:
                array = array[0]
            valid_shapes = ((layer.units,), (n_windows, layer.units))
            if array.shape not in valid_shapes:
                raise ValueError(
                    f"initial_state {name} for layer {layer.name!r} has shape "
                    f"{array.shape}; use ({layer.units},) or ({n_windows}, "
                    f"{layer.units})."
                )
            if not np.all(np.isfinite(array)):
                raise ValueError(
                    f"initial_state {name} for layer {layer.name!r} contains NaN "
                    f"or infinite values."
                )
            arrays.append(array)
        states.append(tuple(arrays))
    return states


def _slice_states(states, start, stop):
    """Return the initial states of windows start:stop."""
    if states is None:
        return None
    sliced = []
    for pair in states:
        sliced.append(
            tuple(array[start:stop] if array.ndim == 2 else array for array in pair)
        )
    return sliced
