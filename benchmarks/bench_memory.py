"""Resident memory over many small fits in one process, as a grid search runs them.

Workload: 200 windows of sin(t / 4) + 0.1 * noise. The fits cycle
through four (units, window) combinations, (2, 4), (4, 4), (2, 8) and
(4, 8). Each fit runs two epochs with a batch of 32 and is followed by a
predict on the training rows. ``--setups 20`` cycles through 20 combinations
instead (units 2, 3 and 4, windows 2 to 8), more than the 16 idle
compiled networks the package keeps, so that every LSTMRegressor fit
builds and traces a new one. Every fit uses a fresh estimator that is dropped after
its predict, as GridSearchCV does with the clones it fits.

Two loops run in the same process, LSTMRegressor first, then raw Keras
(a fresh Sequential Input, LSTM, Dense model compiled and fitted each
time). The resident set size (VmRSS from /proc/self/status, Linux only)
is printed after every tenth fit, after a gc.collect(), with the growth
from fit 10 to the last fit. Fits 1 to 10 include one-off costs such as
TensorFlow's start-up and the first traces, so the later growth is what
tells whether memory keeps rising.

Run: python benchmarks/bench_memory.py [--fits 50] [--setups 4]
     [--only package|keras] [--clear-session]
"""

import argparse
import gc
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

EPOCHS = 2
BATCH = 32
N_ROWS = 200


def resident_mib():
    """Return this process's resident set size in MiB, read from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS is missing from /proc/self/status")


def make_data(window):
    from skforecast_lstm import make_windows

    rng = np.random.default_rng(0)
    t = np.arange(N_ROWS + window)
    series = np.sin(t / 4) + 0.1 * rng.standard_normal(len(t))
    return make_windows(series, window=window)


def fit_package(units, X, y, seed):
    from skforecast_lstm import LSTMRegressor

    model = LSTMRegressor(
        units=units, epochs=EPOCHS, batch_size=BATCH, random_state=seed
    ).fit(X, y)
    model.predict(X)


def fit_raw_keras(units, X, y, seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((X.shape[1], 1)),
            keras.layers.LSTM(units),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    X3 = X[:, :, None]
    model.fit(X3, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    model.predict(X3, verbose=0)


def combinations(n_setups):
    """Return n_setups (units, window) pairs.

    4 gives (2, 4), (4, 4), (2, 8) and (4, 8). Other counts take units 2, 3
    and 4 with window 2, then with window 3, and so on.
    """
    if n_setups == 4:
        return [(2, 4), (4, 4), (2, 8), (4, 8)]
    units = (2, 3, 4)
    return [(units[i % 3], 2 + i // 3) for i in range(n_setups)]


def run_loop(name, fit, n_fits, data, setups, clear_session):
    """Fit n_fits models, printing the resident memory after every tenth."""
    import keras

    print(f"\n{name}, {len(setups)} (units, window) set-ups")
    print(f"{'fit':>5} {'RSS MiB':>9} {'seconds':>8}")
    readings = {}
    start = time.perf_counter()
    for index in range(n_fits):
        units, window = setups[index % len(setups)]
        X, y = data[window]
        fit(units, X, y, seed=index)
        if clear_session:
            keras.backend.clear_session()
        number = index + 1
        if number % 10 == 0:
            gc.collect()
            readings[number] = resident_mib()
            elapsed = time.perf_counter() - start
            print(f"{number:>5} {readings[number]:>9.1f} {elapsed:>8.1f}")
    if 10 in readings and n_fits in readings and n_fits > 10:
        growth = readings[n_fits] - readings[10]
        per_fit = growth / (n_fits - 10)
        print(
            f"growth from fit 10 to fit {n_fits}: {growth:+.1f} MiB "
            f"({per_fit * 1024:+.0f} KiB per fit)"
        )
    return readings


def describe_package_state():
    """Print what the package and Keras keep between fits."""
    import keras

    from skforecast_lstm import _network

    idle = sum(len(trainers) for trainers in _network._IDLE_TRAINERS.values())
    print(
        f"idle compiled networks in the package's cache: {idle} "
        f"(at most {_network._MAX_IDLE_TRAINERS}), "
        f"{len(_network._IDLE_TRAINERS)} set-ups"
    )
    # Keras numbers automatic names ("input_layer_17") from global counters.
    from keras.src.backend.common import global_state

    counters = global_state.get_global_attribute("object_name_uids") or {}
    print(f"Keras automatic-name counters: {dict(counters)}")
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=50, help="fits per loop")
    parser.add_argument(
        "--setups", type=int, default=4, help="distinct (units, window) pairs"
    )
    parser.add_argument(
        "--only", choices=["package", "keras"], help="run one of the two loops"
    )
    parser.add_argument(
        "--clear-session",
        action="store_true",
        help="call keras.backend.clear_session() after each fit",
    )
    args = parser.parse_args()

    setups = combinations(args.setups)
    data = {window: make_data(window) for _, window in setups}
    print(f"before any fit: {resident_mib():.1f} MiB")
    loops = [
        ("package", "LSTMRegressor", fit_package),
        ("keras", "raw Keras", fit_raw_keras),
    ]
    for key, name, fit in loops:
        if args.only in (None, key):
            run_loop(name, fit, args.fits, data, setups, args.clear_session)
            describe_package_state()


if __name__ == "__main__":
    main()
