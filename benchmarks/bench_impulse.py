"""Time LSTMImpulseSimulator.simulate against a Python loop over units.

The 2016 notebook that the simulator reproduces stepped each random unit
through time in a Python loop over units. ``simulate`` advances all units
together with NumPy and loops over time only. For each size the script
fits one simulator and runs both versions on the same weights in the same
process. It checks that they agree to 1e-10, then prints the median,
minimum and maximum wall time of ``--repeats`` runs and the ratio of the
medians.

The loop is written with Python floats and the ``math`` module, which is
faster than NumPy calls on scalars, so the ratio is a conservative one. It
runs only on sizes of at most ``--max-loop-steps`` unit-steps (units times
steps), because 10,000 units over 1,000 steps would take about a minute.

Every run records all six quantities of every unit at every step, as
``simulate`` returns them: 10,000 units over 1,000 steps hold 480 MB.

Usage::

    python benchmarks/bench_impulse.py
    python benchmarks/bench_impulse.py --repeats 9 --max-loop-steps 2000000
"""

import argparse
import math
import os
import platform
import time

import numpy as np

from skforecast_lstm._impulse import LSTMImpulseSimulator

# (units, steps): the notebook's size, then larger ones.
SIZES = ((20, 30), (200, 1_000), (1_000, 1_000), (10_000, 1_000))


def sigmoid(z):
    # Split by sign so that math.exp only sees arguments <= 0 and cannot
    # overflow. A cell state that grows over 1,000 steps can push a
    # peephole gate's pre-activation below -709.
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def loop_over_units(simulator, inputs):
    """Step each unit through ``inputs`` in turn, in Python scalars."""
    w = simulator.input_weights_.tolist()
    u = simulator.recurrent_weights_.tolist()
    b = simulator.bias_.tolist()
    p = simulator.peephole_weights_.tolist()
    xs = inputs.tolist()
    paths = {name: [] for name in ("i", "f", "g", "c", "o", "h")}
    for k in range(simulator.n_units):
        rows = {name: [] for name in paths}
        h = c = 0.0
        for x in xs:
            i = sigmoid(w[0][k] * x + u[0][k] * h + b[0][k] + p[0][k] * c)
            f = sigmoid(w[1][k] * x + u[1][k] * h + b[1][k] + p[1][k] * c)
            g = math.tanh(w[2][k] * x + u[2][k] * h + b[2][k])
            c = f * c + i * g
            o = sigmoid(w[3][k] * x + u[3][k] * h + b[3][k] + p[2][k] * c)
            h = o * math.tanh(c)
            for name, value in zip(rows, (i, f, g, c, o, h)):
                rows[name].append(value)
        for name in paths:
            paths[name].append(rows[name])
    return {name: np.array(values) for name, values in paths.items()}


def time_runs(function, repeats):
    """Return the wall times of ``repeats`` calls and the last result."""
    seconds = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return np.array(seconds), result


def format_times(seconds):
    return (
        f"{np.median(seconds):9.4f} ({seconds.min():.4f}-{seconds.max():.4f})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs per size and version"
    )
    parser.add_argument(
        "--max-loop-steps",
        type=int,
        default=1_000_000,
        help="largest units * steps on which the Python loop runs",
    )
    args = parser.parse_args()

    print(
        f"numpy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPU(s), "
        f"median (min-max) seconds of {args.repeats} runs"
    )
    header = (
        f"{'units':>6} {'steps':>6} | {'vectorised':>26} | "
        f"{'loop over units':>26} | {'loop/vectorised':>15}"
    )
    print(header)
    print("-" * len(header))
    for n_units, n_steps in SIZES:
        simulator = LSTMImpulseSimulator(
            n_units=n_units, n_steps=n_steps, random_state=0
        ).fit()
        inputs = np.zeros(n_steps)
        inputs[0] = 1.0
        vector_seconds, result = time_runs(
            lambda: simulator.simulate(inputs), args.repeats
        )
        loop_text = f"{'skipped':>26}"
        ratio_text = f"{'-':>15}"
        if n_units * n_steps <= args.max_loop_steps:
            loop_seconds, loop_paths = time_runs(
                lambda: loop_over_units(simulator, inputs), args.repeats
            )
            difference = np.max(
                np.abs(loop_paths["h"] - result.layers[0].hidden_state)
            )
            if difference > 1e-10:
                raise RuntimeError(
                    f"The loop and simulate differ by {difference:.3g} on "
                    f"{n_units} units over {n_steps} steps."
                )
            loop_text = format_times(loop_seconds)
            ratio = np.median(loop_seconds) / np.median(vector_seconds)
            ratio_text = f"{ratio:15.1f}"
        print(
            f"{n_units:6d} {n_steps:6d} | {format_times(vector_seconds):>26} | "
            f"{loop_text:>26} | {ratio_text}"
        )
        del result


if __name__ == "__main__":
    main()
