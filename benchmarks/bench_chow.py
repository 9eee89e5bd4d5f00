"""Time the sup-F scan of ChowBreakTest against one regression per candidate break.

For each sample size the script fits ``ChowBreakTest()`` (trim 0.15, so about
0.7 n candidate breaks) on random data with 4 regressors plus the intercept
(k = 5 coefficients per regime). The brute-force method fits both regimes by
``numpy.linalg.lstsq`` at every candidate, as a loop of separate Chow tests
would. It runs only up to 10,000 rows, where it still finishes in seconds. Runs of the two methods and
of all sizes are interleaved, so a change in machine load affects them alike.
Each cell shows the median and, in brackets, the minimum and maximum.

A second table compares accuracy on nearly collinear regressors: a random walk
regressed on its own 5 lags, where the textbook shortcut of cumulative sums of
X^T X squares the condition number.

Usage::

    python benchmarks/bench_chow.py
    python benchmarks/bench_chow.py --repeats 3 --max-size 100000
"""

import argparse
import os
import platform
import time

import numpy as np

from skforecast_lstm._chow import ChowBreakTest

N_COLUMNS = 4
BRUTE_FORCE_MAX_SIZE = 10_000


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs per cell (default 5)"
    )
    parser.add_argument(
        "--max-size",
        type=int,
        default=1_000_000,
        help="largest number of rows timed (default 1000000)",
    )
    return parser.parse_args()


def make_data(n_samples, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, N_COLUMNS))
    y = X @ np.linspace(0.5, 2.0, N_COLUMNS) + rng.standard_normal(n_samples)
    return X, y


def residual_sum_of_squares(design, y):
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coefficients
    return float(residuals @ residuals)


def brute_force_scan(design, y, candidates):
    """Chow F at every candidate from separate least-squares fits."""
    n_samples, k = design.shape
    total = residual_sum_of_squares(design, y)
    statistics = np.empty(len(candidates))
    for position, b in enumerate(candidates):
        split = residual_sum_of_squares(design[:b], y[:b])
        split += residual_sum_of_squares(design[b:], y[b:])
        statistics[position] = ((total - split) / k) / (split / (n_samples - 2 * k))
    return statistics


def normal_equations_scan(design, y, candidates):
    """Chow F from cumulative sums of X^T X, X^T y and y^T y."""
    n_samples, k = design.shape
    gram = np.cumsum(design[:, :, None] * design[:, None, :], axis=0)
    cross = np.cumsum(design * y[:, None], axis=0)
    energy = np.cumsum(y**2)
    before = np.asarray(candidates) - 1

    def rss(gram_part, cross_part, energy_part):
        solution = np.linalg.solve(gram_part, cross_part[..., None])[..., 0]
        return energy_part - np.sum(cross_part * solution, axis=-1)

    total = rss(gram[-1], cross[-1], energy[-1])
    split = rss(gram[before], cross[before], energy[before])
    split += rss(
        gram[-1] - gram[before], cross[-1] - cross[before], energy[-1] - energy[before]
    )
    return ((total - split) / k) / (split / (n_samples - 2 * k))


def time_call(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def format_cell(seconds):
    if not seconds:
        return "-"
    values = np.array(seconds)
    return f"{np.median(values):.4g} ({values.min():.3g}, {values.max():.3g})"


def run_timings(sizes, repeats):
    data = {n: make_data(n) for n in sizes}
    fast = {n: [] for n in sizes}
    brute = {n: [] for n in sizes}
    for _ in range(repeats):
        for n in sizes:
            X, y = data[n]
            fast[n].append(time_call(lambda: ChowBreakTest().fit(X, y)))
            if n <= BRUTE_FORCE_MAX_SIZE:
                test = ChowBreakTest().fit(X, y)
                design = np.column_stack([np.ones(n), X])
                candidates = test.candidates_
                seconds = time_call(lambda: brute_force_scan(design, y, candidates))
                brute[n].append(seconds)
    return fast, brute


def print_timings(sizes, fast, brute):
    print("\nseconds per sup-F scan, k = 5, trim 0.15: median (min, max)")
    header = (
        f"{'n':>9} | {'fast scan':>28} | {'one lstsq pair per break':>28} "
        f"| {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        ratio = "-"
        if brute[n]:
            ratio = f"{np.median(brute[n]) / np.median(fast[n]):.0f}x"
        fast_cell, brute_cell = format_cell(fast[n]), format_cell(brute[n])
        print(f"{n:>9} | {fast_cell:>28} | {brute_cell:>28} | {ratio:>7}")


def print_accuracy():
    rng = np.random.default_rng(1)
    walk = 10_000.0 + np.cumsum(rng.standard_normal(2005))
    X = np.column_stack([walk[lag : lag + 2000] for lag in range(5)])
    y = walk[5:]
    design = np.column_stack([np.ones(len(y)), X])

    test = ChowBreakTest().fit(X, y)
    reference = brute_force_scan(design, y, test.candidates_)
    shortcut = normal_equations_scan(design, y, test.candidates_)

    condition = np.linalg.cond(design)
    print(
        f"\nlargest relative deviation from brute force, random walk on 5 lags, "
        f"n = {len(y)}, cond(X) = {condition:.1e}"
    )
    scan_error = np.max(np.abs(test.f_statistics_ / reference - 1))
    shortcut_error = np.max(np.abs(shortcut / reference - 1))
    print(f"  QR-based scan (ChowBreakTest):       {scan_error:.1e}")
    print(f"  cumulative X^T X (normal equations): {shortcut_error:.1e}")


def main():
    arguments = parse_arguments()
    sizes = [n for n in (1_000, 10_000, 100_000, 1_000_000) if n <= arguments.max_size]
    print(
        f"numpy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    fast, brute = run_timings(sizes, arguments.repeats)
    print_timings(sizes, fast, brute)
    print_accuracy()


if __name__ == "__main__":
    main()
