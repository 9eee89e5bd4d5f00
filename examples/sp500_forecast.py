"""Forecast the S&P 500 daily open with an LSTM, the classic meetup workflow.

The workflow of a well-known 2016 LSTM tutorial, on a real series that
ships with the package (daily S&P 500 prices, 1999-2018) and with its
flaws fixed:

1. Cut the daily open into windows of 5 past values, one window every 3
   days, each predicting the next open. The first 75 % of windows train
   and the rest test. Scaling is fitted on the training rows only.
2. Fit the package's default LSTM pipeline and the tutorial's own network
   (25 sigmoid units, rmsprop, batch 128, 15 epochs, predicting levels),
   and compare their test RMSE, the root of the *mean* squared error, with
   persistence (tomorrow's open equals today's) and a ridge regression on
   the same windows.
3. Plot the loss curves and the test predictions against the truth.
4. Scan the test period for a structural break: a Chow test at every
   admissible break of the regression of the next open on its 5 past
   values, with the sup-F p-value from its asymptotic distribution.
5. Trace how long a shock lives in the trained network (its impulse
   response, averaged over the test windows) and in 20 random LSTM units
   with peephole connections, as the tutorial did.

Run it with ``python examples/sp500_forecast.py``. The plots go to
``examples/output`` unless ``--output-dir`` names another folder.
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.metrics import root_mean_squared_error  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skforecast_lstm import (  # noqa: E402
    ChowBreakTest,
    LSTMImpulseSimulator,
    LSTMRegressor,
    make_windows,
)
from skforecast_lstm.datasets import load_sp500  # noqa: E402

WINDOW = 5
STRIDE = 3
TRAIN_FRACTION = 0.75


def build_models(random_state):
    """Return the models to compare, by display name."""
    return {
        # The estimator standardises its inputs and targets itself, with
        # statistics of the training rows; a scaler in front would hide the
        # units it needs to forecast changes (baseline="auto" then falls
        # back to a linear baseline).
        "LSTM, package defaults": make_pipeline(LSTMRegressor(random_state=random_state)),
        "LSTM, tutorial network": make_pipeline(
            StandardScaler(),
            LSTMRegressor(
                units=25,
                activation="sigmoid",
                optimizer="rmsprop",
                loss="mse",
                batch_size=128,
                epochs=15,
                early_stopping=False,
                baseline=None,
                random_state=random_state,
            ),
        ),
        "Ridge on the same windows": make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
    }


def plot_losses(models, path):
    """Save the training loss per epoch of each LSTM."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, model in models.items():
        history = getattr(model[-1], "history_", None)
        if history:
            ax.plot(np.arange(1, len(history["loss"]) + 1), history["loss"], label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (standardised units)")
    ax.set_yscale("log")
    ax.set_title("LSTM training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_predictions(y_test, predictions, path):
    """Save the test predictions of each model against the true open."""
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.plot(y_test.index, y_test.to_numpy(), color="black", lw=1.5, label="true open")
    for name, values in predictions.items():
        ax.plot(y_test.index, values, lw=0.9, label=name)
    ax.set_ylabel("S&P 500 open")
    ax.set_title("Test period: one-day-ahead forecasts")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def scan_for_break(X_test, y_test, path):
    """Run the Chow sup-F scan on the test windows and save its plot."""
    chow = ChowBreakTest(trim=0.15).fit(X_test, y_test)
    print("\nChow test over the test period (next open on its 5 past values):")
    print(chow.summary().to_string(float_format=lambda v: f"{v:.4g}"))
    verdict = "a break" if chow.reject_ else "no break"
    print(
        f"sup-F = {chow.statistic_:.2f} at the break after {chow.break_date_.date()} "
        f"(p = {chow.p_value_:.3g}): {verdict} at the 5 % level."
    )
    fig, ax = plt.subplots(figsize=(10, 4))
    chow.plot(ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def trace_impulses(model, X_test, random_state, network_path, units_path):
    """Save the network's impulse response and the random-unit grid."""
    response = LSTMImpulseSimulator.impulse_response(model, X_test, step=-1, size=10.0)
    print(
        "\nA rise of 10 points in the newest open moves the network's forecast "
        f"by {response.forecast[0]:+.3f} points on average over the test windows "
        f"(5-95 % band {response.forecast_lower[0]:+.3f} to "
        f"{response.forecast_upper[0]:+.3f}); under persistence it would move "
        "by exactly +10."
    )
    fig = response.plot()
    fig.savefig(network_path, dpi=110)
    plt.close(fig)

    units = LSTMImpulseSimulator(
        n_units=20, n_steps=30, peepholes=True, random_state=random_state
    ).fit()
    fig = units.simulate().plot()
    fig.savefig(units_path, dpi=110)
    plt.close(fig)


def main(output_dir, random_state=0):
    started = time.perf_counter()
    output_dir.mkdir(parents=True, exist_ok=True)
    prices = load_sp500()["Open"]
    X, y = make_windows(prices, window=WINDOW, stride=STRIDE)
    split = int(len(X) * TRAIN_FRACTION)
    X_train, X_test = X.iloc[:split], X.iloc[split:]
    y_train, y_test = y.iloc[:split], y.iloc[split:]
    print(
        f"S&P 500 daily open, {len(prices)} days: {len(X)} windows of {WINDOW} "
        f"values, one every {STRIDE} days; {len(X_train)} train "
        f"(to {X_train.index[-1].date()}), {len(X_test)} test."
    )
    above = float((y_test > y_train.max()).mean())
    print(f"{above:.0%} of the test targets lie above the largest training value.\n")

    models = build_models(random_state)
    predictions = {"Persistence (tomorrow = today)": X_test.iloc[:, -1].to_numpy()}
    fit_seconds = {}
    for name, model in models.items():
        tic = time.perf_counter()
        model.fit(X_train, y_train)
        fit_seconds[name] = time.perf_counter() - tic
        predictions[name] = model.predict(X_test)

    persistence = root_mean_squared_error(y_test, predictions[next(iter(predictions))])
    rows = []
    for name, values in predictions.items():
        rmse = root_mean_squared_error(y_test, values)
        rows.append(
            {
                "model": name,
                "test RMSE (index points)": rmse,
                "RMSE / persistence": rmse / persistence,
                "fit seconds": fit_seconds.get(name, 0.0),
            }
        )
    table = pd.DataFrame(rows).set_index("model")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    default = models["LSTM, package defaults"][-1]
    print(
        f"\nThe default LSTM chose baseline={default.baseline_!r} and stopped "
        f"after {default.n_iter_} epochs: it forecasts the change from the "
        "newest open, so it does not need to extrapolate price levels."
    )

    scan_for_break(X_test, y_test, output_dir / "chow_scan.png")
    trace_impulses(
        default,
        X_test,
        random_state,
        output_dir / "impulse_network.png",
        output_dir / "impulse_random_units.png",
    )

    plot_losses(models, output_dir / "loss_curve.png")
    plot_predictions(y_test, predictions, output_dir / "predictions.png")
    print(f"\nPlots written to {output_dir.resolve()}:")
    for name in (
        "loss_curve.png",
        "predictions.png",
        "chow_scan.png",
        "impulse_network.png",
        "impulse_random_units.png",
    ):
        print(f"  {name}")
    print(f"Finished in {time.perf_counter() - started:.1f} s.")
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(__file__).resolve().parent / "output",
        help="folder for the PNG plots (created if missing)",
    )
    parser.add_argument(
        "--random-state", type=int, default=0, help="seed of the LSTM fits"
    )
    args = parser.parse_args()
    main(args.output_dir, args.random_state)
