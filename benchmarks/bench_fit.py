"""Fit and predict cost of LSTMRegressor against the peers users would pick.

Workload: the S&P 500 daily open bundled with the package, windows of 5
values one every 3 days, the first 75 % for training; LSTM(25, sigmoid)
then Dense(1), rmsprop, mean squared error, batch 128, 15 epochs. Also a
tiny fit (a fresh estimator on 100 rows for 1 epoch), which is what each
fit inside GridSearchCV or check_estimator costs, and the import time.

Candidates run interleaved, round after round, so that a slow spell of a
shared machine hits all of them alike; each cell is the median over the
rounds with the minimum and maximum in brackets, and the ratio column
divides by raw Keras measured in the same run on the same backend.

Keras backends: ``--backend NAME`` runs every candidate on one Keras
backend (tensorflow, torch or jax) in this process. ``--backend all``
starts one child process per installed backend, with KERAS_BACKEND set in
its environment, and interleaves them too: round 1 on every backend, then
round 2, and so on. It prints each backend's tables and a summary across
backends. On JAX every candidate runs with JAX_ENABLE_X64=1, which
LSTMRegressor needs for float64. A peer that fails its warm-up fit on a
backend is left out of that backend's tables, with the error printed.

Run: python benchmarks/bench_fit.py [--rounds 5] [--backend all]
Peers: raw Keras always; scikeras and keras.wrappers.SKLearnRegressor
when importable (pip install -e ".[bench]").
"""

import argparse
import contextlib
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
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
BACKENDS = ("tensorflow", "torch", "jax")
# Lines of the protocol between the --backend all driver and its children.
READY, DONE, RESULT = "@@ready", "@@done", "@@result "


def tutorial_data():
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

    # scikeras routes verbose to Model.predict as well, so predict is silent.
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
    if candidate == "keras SKLearnRegressor":
        # Its predict passes no verbose to Model.predict, which then draws a
        # progress bar on stdout. The bar is still drawn, into a buffer.
        with contextlib.redirect_stdout(io.StringIO()):
            return model.predict(X)
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


def installed_backends():
    return [name for name in BACKENDS if importlib.util.find_spec(name) is not None]


def backend_environment(backend):
    """Return os.environ with the variables that select ``backend``."""
    env = dict(os.environ, KERAS_BACKEND=backend)
    if backend == "jax":
        env["JAX_ENABLE_X64"] = "1"
    return env


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
        X, y, Xt, yt = b.tutorial_data()
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


def load_average():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def package_version(*names):
    """Return the name and version of the first installed distribution of ``names``."""
    for name in names:
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return f"{names[0]} not installed"


class BackendBenchmark:
    """Every measurement of one backend, taken one round at a time."""

    TABLES = (
        ("later", "Later fit in a process (tutorial workload)", "s"),
        ("first", "First fit in a fresh process (tutorial workload)", "s"),
        ("tiny", "Tiny fit: fresh estimator, 100 rows, 1 epoch", "s"),
        ("predict", "Predict on the test windows", "s"),
        ("peak", "Peak resident memory after the first fit", "MiB"),
        ("rmse", "Test RMSE, standardised units (not a time)", "z"),
    )

    def __init__(self):
        import keras

        self.backend = keras.backend.backend()
        self.load_at_start = load_average()
        self.X, self.y, self.X_test, self.y_test = tutorial_data()
        rng = np.random.default_rng(0)
        self.X_tiny, self.y_tiny = rng.normal(size=(100, 5)), rng.normal(size=100)
        self.names, self.skipped = [], {}
        # Warm-up: the first fit of each candidate pays Keras's one-off
        # set-up. A candidate that cannot run on this backend is left out.
        for name in available_candidates():
            try:
                model = CANDIDATES[name](self.X_tiny, self.y_tiny, 1)
                predict(name, model, self.X_tiny)
            except Exception as exc:  # noqa: BLE001 - reported, not hidden
                first_line = (str(exc).splitlines() or [""])[0][:200]
                self.skipped[name] = f"{type(exc).__name__}: {first_line}"
                continue
            self.names.append(name)
        self.results = {key: {n: [] for n in self.names} for key, _, _ in self.TABLES}
        self.imports = []

    def run_round(self):
        for name in self.names:
            seconds, model = timed(CANDIDATES[name], self.X, self.y, EPOCHS)
            self.results["later"][name].append(seconds)
            seconds, y_pred = timed(predict, name, model, self.X_test)
            self.results["predict"][name].append(seconds)
            error = np.ravel(y_pred) - self.y_test
            self.results["rmse"][name].append(float(np.sqrt(np.mean(error**2))))
            seconds = timed(CANDIDATES[name], self.X_tiny, self.y_tiny, 1)[0]
            self.results["tiny"][name].append(seconds)
        self.imports.append(import_time())

    def run_fresh(self):
        for name in self.names:
            result = first_fit_in_fresh_process(name)
            self.results["first"][name].append(result["first_fit"])
            self.results["peak"][name].append(result["peak_mib"])

    def report(self, rounds):
        import keras

        packages = {"tensorflow": ("tensorflow-cpu", "tensorflow")}
        version = package_version(*packages.get(self.backend, (self.backend,)))
        print(
            f"Keras {keras.__version__}, backend {self.backend} ({version}), "
            f"Python {platform.python_version()}."
        )
        if self.backend == "jax":
            print("JAX_ENABLE_X64=1 for every candidate.")
        print(f"Tutorial workload: {len(self.X)} training windows, {EPOCHS} epochs, batch {BATCH}.")
        print(f"Rounds: {rounds}; ratios divide by raw Keras of the same run.")
        print(f"Load average (1, 5, 15 min): {self.load_at_start} at start, "
              f"{load_average()} at the end.")
        for name, reason in self.skipped.items():
            print(f"Skipped {name}: its warm-up fit failed with {reason}")
        for key, title, unit in self.TABLES:
            print_table(title, self.results[key], unit=unit)
        med, low, high = summarise(self.imports)
        print(f"\nimport skforecast_lstm: median {med:.4f} s (min {low:.4f}, max {high:.4f})")

    def summary(self):
        return {"backend": self.backend, "results": self.results, "skipped": self.skipped}


def fresh_runs(rounds):
    return max(2, rounds // 2)


def run_one_backend(rounds):
    bench = BackendBenchmark()
    for _ in range(rounds):
        bench.run_round()
    for _ in range(fresh_runs(rounds)):
        bench.run_fresh()
    bench.report(rounds)


def serve(rounds):
    """Take commands from the driver on stdin: round, fresh, report."""
    bench = BackendBenchmark()
    print(READY, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "round":
            bench.run_round()
        elif command == "fresh":
            bench.run_fresh()
        elif command == "report":
            bench.report(rounds)
            print(RESULT + json.dumps(bench.summary()))
        else:
            raise ValueError(
                f"Invalid command {command!r} from the driver: expected round, "
                "fresh or report."
            )
        print(DONE, flush=True)


class Child:
    """A benchmark process for one backend, driven line by line."""

    def __init__(self, backend, rounds):
        self.backend = backend
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve",
             "--backend", backend, "--rounds", str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=backend_environment(backend),
        )
        self.read_until(READY)

    def read_until(self, marker, echo=False):
        """Read output up to ``marker`` and return the parsed result line, if any.

        Output of Keras or a peer goes to stdout with ``echo`` and to stderr
        otherwise. A progress bar may leave a line unterminated, so a marker
        counts at the end of a line, and a result line anywhere in one.
        """
        result = None
        stream = sys.stdout if echo else sys.stderr
        for line in self.process.stdout:
            text = line.rstrip("\n")
            if RESULT in text:
                text, payload = text.split(RESULT, 1)
                result = json.loads(payload)
                if not text:
                    continue
            if text.endswith(marker):
                text = text[: -len(marker)]
                if text:
                    print(text, file=stream)
                return result
            print(text, file=stream)
        raise RuntimeError(
            f"The {self.backend} benchmark process exited with code "
            f"{self.process.wait()} before printing {marker!r}; its error "
            "output is above."
        )

    def command(self, name, echo=False):
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self.read_until(DONE, echo=echo)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def print_summary(summaries):
    """Print LSTMRegressor and raw Keras medians of every backend side by side."""
    print("\nSummary across backends: medians in seconds; ratio = LSTMRegressor / raw Keras")
    print(f"{'measure':<12} {'backend':<11} {'LSTMRegressor':>13} {'raw Keras':>10} {'ratio':>6}")
    for key, label in (("later", "later fit"), ("tiny", "tiny fit"),
                       ("first", "first fit"), ("predict", "predict")):
        for summary in summaries:
            results = summary["results"][key]
            if "LSTMRegressor" not in results or "raw Keras" not in results:
                print(f"{label:<12} {summary['backend']:<11} {'skipped':>13}")
                continue
            package = statistics.median(results["LSTMRegressor"])
            keras_time = statistics.median(results["raw Keras"])
            print(f"{label:<12} {summary['backend']:<11} {package:13.3f} "
                  f"{keras_time:10.3f} {package / keras_time:6.2f}")


def run_all_backends(rounds):
    backends = installed_backends()
    print(f"Backends: {', '.join(backends)}; {rounds} rounds, interleaved across "
          f"backends. Load average (1, 5, 15 min) at start: {load_average()}.")
    # Children start one after the other, so that their imports and warm-up
    # fits do not compete for the CPU. Each then waits for its commands.
    children = [Child(backend, rounds) for backend in backends]
    try:
        for _ in range(rounds):
            for child in children:
                child.command("round")
        for _ in range(fresh_runs(rounds)):
            for child in children:
                child.command("fresh")
        summaries = []
        for child in children:
            print(f"\n=== Keras backend: {child.backend} ===")
            summaries.append(child.command("report", echo=True))
    finally:
        for child in children:
            child.close()
    print_summary(summaries)
    print(f"\nLoad average (1, 5, 15 min) at the end: {load_average()}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--backend",
        choices=(*BACKENDS, "all"),
        default=None,
        help="Keras backend to run on, or all installed ones in child "
        "processes (default: KERAS_BACKEND, else tensorflow)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend == "all":
        run_all_backends(args.rounds)
        return
    if args.backend is not None:
        # Keras reads these when it is first imported, which is below.
        os.environ.update(backend_environment(args.backend))
    if args.serve:
        serve(args.rounds)
    else:
        run_one_backend(args.rounds)


if __name__ == "__main__":
    main()
