"""Fit and predict cost of LSTMRegressor against the peers users would pick.

Workload: the S&P 500 daily open bundled with the package, windows of 5
values one every 3 days, the first 75 % for training; LSTM(25, sigmoid)
then Dense(1), rmsprop, mean squared error, batch 128, 15 epochs. Also a
tiny fit (a fresh estimator on 100 rows for 1 epoch), which is what each
fit inside GridSearchCV or check_estimator costs, and the import time.

Candidates run interleaved, round after round, so that a slow spell of a
shared machine hits all of them alike; each cell is the median over the
rounds with the minimum and maximum in brackets, and the ratio column
divides by raw Keras measured in the same run.

Run: python benchmarks/bench_fit.py [--rounds 5]
Peers: raw Keras always; scikeras and keras.wrappers.SKLearnRegressor
when importable (pip install -e ".[bench]").
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

EPOCHS = 15
BATCH = 128
UNITS = 25


def seed_data():
    from skforecast_lstm import make_windows
    from skforecast_lstm.datasets import load_sp500

    prices = load_sp500()["Open"].to_numpy()
    X, y = make_windows(prices, window=5, stride=3)
    split = int(0.75 * len(X))
    mean, std = X[:split].mean(), X[:split].std()
    X, y = (X - mean) / std, (y - mean) / std
    return X[:split], y[:split], X[split:], y[split:]


def build_keras_model(n_steps):
    import keras

    model = keras.Sequential(
        [
            keras.Input((n_steps, 1)),
            keras.layers.LSTM(UNITS, activation="sigmoid"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="rmsprop", loss="mse")
    return model


def fit_package(X, y, epochs):
    from skforecast_lstm import LSTMRegressor

    return LSTMRegressor(
        units=UNITS,
        activation="sigmoid",
        optimizer="rmsprop",
        batch_size=BATCH,
        epochs=epochs,
        early_stopping=False,
        n_iter_no_change=epochs,
        baseline=None,
        random_state=0,
    ).fit(X, y)


def fit_raw_keras(X, y, epochs):
    model = build_keras_model(X.shape[1])
    model.fit(X[..., None], y, batch_size=BATCH, epochs=epochs, verbose=0)
    return model


def fit_scikeras(X, y, epochs):
    from scikeras.wrappers import KerasRegressor

    return KerasRegressor(
        model=lambda: build_keras_model(X.shape[1]),
        batch_size=BATCH,
        epochs=epochs,
        verbose=0,
    ).fit(X[..., None], y)


def fit_keras_wrapper(X, y, epochs):
    from keras.wrappers import SKLearnRegressor

    return SKLearnRegressor(
        model=lambda X, y: build_keras_model(5),
        fit_kwargs={"batch_size": BATCH, "epochs": epochs, "verbose": 0},
    ).fit(X, y)


def predict(candidate, model, X):
    if candidate == "raw Keras":
        return model.predict(X[..., None], batch_size=BATCH, verbose=0)
    if candidate == "scikeras KerasRegressor":
        return model.predict(X[..., None])
    return model.predict(X)


CANDIDATES = {
    "LSTMRegressor": fit_package,
    "raw Keras": fit_raw_keras,
    "scikeras KerasRegressor": fit_scikeras,
    "keras SKLearnRegressor": fit_keras_wrapper,
}


def available_candidates():
    names = ["LSTMRegressor", "raw Keras"]
    try:
        import scikeras  # noqa: F401

        names.append("scikeras KerasRegressor")
    except ImportError:
        pass
    try:
        from keras.wrappers import SKLearnRegressor  # noqa: F401

        import sklearn  # noqa: F401

        names.append("keras SKLearnRegressor")
    except ImportError:
        pass
    return names


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def first_fit_in_fresh_process(name):
    """Import, load the data and fit once in a new interpreter."""
    code = textwrap.dedent(
        f"""
        import json, sys, time
        start = time.perf_counter()
        sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
        import bench_fit as b
        X, y, Xt, yt = b.seed_data()
        fit_start = time.perf_counter()
        b.CANDIDATES[{name!r}](X, y, b.EPOCHS)
        end = time.perf_counter()
        # VmHWM restarts at exec, unlike ru_maxrss, which keeps the parent's.
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        peak = int(status.split()[0]) / 1024
        print(json.dumps({{"first_fit": end - fit_start, "peak_mib": peak}}))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def import_time():
    code = (
        "import time; s = time.perf_counter(); import skforecast_lstm; "
        "print(time.perf_counter() - s)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(out)


def summarise(values):
    return statistics.median(values), min(values), max(values)


def print_table(title, results, reference="raw Keras", unit="s"):
    print(f"\n{title}")
    print(f"{'candidate':<26} {'median':>9} {'min':>9} {'max':>9} {'ratio':>7}")
    ref = statistics.median(results[reference]) if reference in results else None
    for name, values in results.items():
        med, low, high = summarise(values)
        ratio = f"{med / ref:7.2f}" if ref else "      -"
        print(f"{name:<26} {med:9.3f} {low:9.3f} {high:9.3f} {ratio}  {unit}")


def main(rounds):
    names = available_candidates()
    X, y, X_test, y_test = seed_data()
    rng = np.random.default_rng(0)
    X_tiny, y_tiny = rng.normal(size=(100, 5)), rng.normal(size=100)
    # Warm-up: the first fit of each candidate pays Keras's one-off set-up.
    for name in names:
        CANDIDATES[name](X_tiny, y_tiny, 1)

    later, tiny, predict_times, rmse = ({n: [] for n in names} for _ in range(4))
    for _ in range(rounds):
        for name in names:
            seconds, model = timed(CANDIDATES[name], X, y, EPOCHS)
            later[name].append(seconds)
            seconds, y_pred = timed(predict, name, model, X_test)
            predict_times[name].append(seconds)
            rmse[name].append(float(np.sqrt(np.mean((np.ravel(y_pred) - y_test) ** 2))))
            tiny[name].append(timed(CANDIDATES[name], X_tiny, y_tiny, 1)[0])

    first, peak = {n: [] for n in names}, {n: [] for n in names}
    for _ in range(max(2, rounds // 2)):
        for name in names:
            result = first_fit_in_fresh_process(name)
            first[name].append(result["first_fit"])
            peak[name].append(result["peak_mib"])

    imports = [import_time() for _ in range(rounds)]

    print(f"Seed workload: {len(X)} training windows, {EPOCHS} epochs, batch {BATCH}.")
    print(f"Rounds: {rounds}; ratios divide by raw Keras of the same run.")
    print_table("Later fit in a process (seed workload)", later)
    print_table("First fit in a fresh process (seed workload)", first)
    print_table("Tiny fit: fresh estimator, 100 rows, 1 epoch", tiny)
    print_table("Predict on the test windows", predict_times)
    print_table("Peak resident memory after the first fit", peak, unit="MiB")
    print_table("Test RMSE, standardised units (not a time)", rmse, unit="z")
    med, low, high = summarise(imports)
    print(f"\nimport skforecast_lstm: median {med:.4f} s (min {low:.4f}, max {high:.4f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    main(parser.parse_args().rounds)
