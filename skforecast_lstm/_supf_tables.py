"""Asymptotic null distributions of the sup-F, ave-F and exp-F break tests.

The quantiles live in ``data/supf_critical.npz``, simulated by
``benchmarks/simulate_supf_table.py`` (100,000 replications of Brownian
bridges on 4,000 steps, fixed seed). All values are on the Wald scale: k times
the classic Chow F statistic.
"""

import functools
from pathlib import Path

import numpy as np
from scipy import stats

TABLE_PATH = Path(__file__).resolve().parent / "data" / "supf_critical.npz"

STATISTICS = ("sup", "ave", "exp")


class NullTable:
    """Quantiles of the sup-F, ave-F and exp-F null distributions.

    Parameters
    ----------
    path : path-like
        The ``.npz`` file written by ``benchmarks/simulate_supf_table.py``.

    Attributes
    ----------
    probabilities : ndarray of shape (n_probabilities,)
        Upper-tail probabilities of the stored quantiles, increasing, from
        0.001 to 0.999.
    trims : ndarray of shape (n_trims,)
        Trims 0.05, 0.10, ..., 0.45 of the simulated table, then 0.5.
    max_regressors : int
        Largest number of coefficients per regime k in the table (20).
    quantiles : dict of str to ndarray
        Wald-scale quantiles per statistic ``"sup"``, ``"ave"`` and ``"exp"``,
        each of shape (max_regressors, n_trims, n_probabilities).
    """

    def __init__(self, path):
        with np.load(path) as data:
            probabilities = data["probabilities"].astype(np.float64)
            trims = data["trims"].astype(np.float64)
            n_regressors = data["n_regressors"]
            simulated = {name: data[name].astype(np.float64) for name in STATISTICS}

        # At trim 0.5 the scan is the single break s = 1/2, where Q(1/2) is
        # exactly chi-square(k): the maximum and the mean are Q(1/2), and the
        # exponential statistic is Q(1/2) / 2. Appending this limit lets a scan
        # that a small sample narrows beyond trim 0.45 interpolate towards it.
        chi_square = stats.chi2.isf(probabilities, n_regressors[:, None])
        chi_square = chi_square[:, None, :]
        limits = {"sup": chi_square, "ave": chi_square, "exp": chi_square / 2}

        self.probabilities = probabilities
        self.trims = np.append(trims, 0.5)
        self.max_regressors = int(n_regressors.max())
        self.quantiles = {
            name: np.concatenate([simulated[name], limits[name]], axis=1)
            for name in STATISTICS
        }

    def quantile_curve(self, name, k, trim):
        """Return the quantiles at ``probabilities`` for k coefficients and a trim.

        Curves are interpolated linearly in the log-odds of the trim,
        ``log((1 - trim) / trim)``, because the law of the maximum depends on
        the trim through the length of the scan on that scale (Andrews 1993).
        """
        curves = self.quantiles[name][k - 1]
        log_odds = np.log((1.0 - self.trims) / self.trims)
        target = np.log((1.0 - trim) / trim)
        upper = np.searchsorted(self.trims, trim)
        upper = int(np.clip(upper, 1, self.trims.size - 1))
        lower = upper - 1
        weight = (target - log_odds[lower]) / (log_odds[upper] - log_odds[lower])
        return (1.0 - weight) * curves[lower] + weight * curves[upper]

    def p_value(self, name, statistic, k, trim):
        """Return the upper-tail probability of a Wald-scale statistic.

        Values beyond the table return its end points, 0.001 or 0.999.
        """
        curve = self.quantile_curve(name, k, trim)
        if statistic >= curve[0]:
            return float(self.probabilities[0])
        if statistic <= curve[-1]:
            return float(self.probabilities[-1])
        # Quantiles fall as the tail probability rises, and np.interp needs
        # increasing abscissae, so both arrays are reversed.
        log_probabilities = np.log(self.probabilities[::-1])
        return float(np.exp(np.interp(statistic, curve[::-1], log_probabilities)))

    def critical_value(self, name, alpha, k, trim):
        """Return the Wald-scale critical value at level ``alpha``."""
        curve = self.quantile_curve(name, k, trim)
        return float(np.interp(np.log(alpha), np.log(self.probabilities), curve))


@functools.lru_cache(maxsize=1)
def load_null_table():
    """Return the table from ``data/supf_critical.npz``, read once per process."""
    return NullTable(TABLE_PATH)
