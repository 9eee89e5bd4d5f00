"""Chow test for a structural break at a known date, and its sup-F scan.

The scan evaluates the Chow F statistic at every admissible break from cumulative
sums on an orthonormal basis of the design, so it costs one QR decomposition and
a pass over the rows instead of one regression per candidate.
"""

import functools
import numbers
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

_TABLE_PATH = Path(__file__).resolve().parent / "data" / "supf_critical.npz"

# Rows per block of the cumulative sums in the scan. Blocks bound the memory to
# a few megabytes per coefficient pair, and restarting each block from an exact
# running total keeps the rounding error of the sums small.
_BLOCK_ROWS = 1 << 15

_EPS = np.finfo(np.float64).eps

_TEST_NAMES = {"sup": "sup-F", "ave": "ave-F", "exp": "exp-F"}


class ChowBreakTest(BaseEstimator):
    """Chow test for a structural break in a linear regression, at a known or unknown date.

    ``fit(X, y)`` regresses ``y`` on the columns of ``X`` (plus an intercept)
    and tests whether the coefficients differ between the rows before and
    from a break on. With ``break_point`` given, it runs the classic Chow
    (1960) F test at that break. With ``break_point=None``, it computes the
    Chow F statistic at every admissible break and runs the sup-F test of
    Andrews (1993) and the ave-F and exp-F tests of Andrews and Ploberger
    (1994), with p-values from their asymptotic null distributions.

    Parameters
    ----------
    break_point : int, index label or None, default=None
        Where the second regime starts. An integer is a row position and
        equals the number of rows in the first regime, so ``X[:break_point]``
        is regime one, whatever index ``X`` carries. Any other value is a
        label of the pandas index of ``X`` (or of ``y`` when ``X`` has none):
        the row with that label is the first row of regime two, as in
        ``y.loc[break_point:]``. For a label of an integer index, such as a
        year, pass ``X.index.get_loc(label)``. None scans every break
        between ``trim`` and ``1 - trim`` of the sample.
    trim : float, default=0.15
        Fraction of the sample cut from each end of the scan: regime one
        holds from ``floor(trim * n_samples)`` to
        ``n_samples - floor(trim * n_samples)`` rows. Must lie in
        [0.05, 0.45], the range of the tabulated null distributions. Ignored
        when ``break_point`` is given.
    alpha : float, default=0.05
        Significance level of the test, in (0, 1); the scan needs it in
        [0.001, 0.999], the range of the tabulated null distributions.
    fit_intercept : bool, default=True
        Whether to add a constant column to ``X``. No column is added when
        ``X`` already contains a nonzero constant column.

    Attributes
    ----------
    statistic_ : float
        Classic-scale Chow F statistic at ``break_point``, or the sup-F
        statistic (the largest Chow F of the scan). Multiply by
        ``n_regressors_`` for the Wald (chi-square) scale of Andrews (1993)
        and R's strucchange. ``inf`` when both regimes fit exactly.
    p_value_ : float
        Upper-tail p-value of ``statistic_``: from the F(k, n - 2k)
        distribution at a known break, and from the simulated asymptotic
        null distribution of sup-F for the scan. Scan p-values are clipped
        to the table's range [0.001, 0.999].
    critical_value_ : float
        Classic-scale critical value at level ``alpha``: the upper
        ``alpha`` quantile of F(k, n - 2k), or of the sup-F null
        distribution divided by k.
    reject_ : bool
        Whether ``statistic_`` exceeds ``critical_value_``, which rejects
        the null hypothesis of no break at level ``alpha``.
    break_index_ : int
        Number of rows in regime one at the tested or most likely break, so
        ``X[:break_index_]`` is regime one.
    break_date_ : object or None
        Index label of the last row of regime one (the convention of R's
        strucchange) when ``X`` or ``y`` is a pandas object, else None.
    candidates_ : ndarray of shape (n_candidates,)
        Sizes of regime one at which the Chow F statistic was computed:
        ``[break_index_]`` at a known break.
    f_statistics_ : ndarray of shape (n_candidates,)
        Classic-scale Chow F statistic at each of ``candidates_``.
    ave_f_ : float or None
        Mean of ``f_statistics_`` (classic scale; times k for the Wald
        scale). None at a known break.
    ave_f_p_value_ : float or None
        Asymptotic p-value of the ave-F test. None at a known break.
    exp_f_ : float or None
        Exponential statistic of Andrews and Ploberger divided by k, so it is
        on the classic scale like ``statistic_``:
        ``log(mean(exp(k * f_statistics_ / 2))) / k``. None at a known break.
    exp_f_p_value_ : float or None
        Asymptotic p-value of the exp-F test. None at a known break.
    effective_trim_ : float or None
        Symmetric trim whose null distribution the scan's p-values use. It
        equals ``trim`` unless the minimum regime size or rank-deficient
        regimes narrowed the scan (see Notes). None at a known break.
    n_regressors_ : int
        Number of coefficients per regime k, the intercept included.
    intercept_added_ : bool
        Whether a constant column was added to ``X``.
    df_ : tuple of int
        Degrees of freedom (k, n_samples - 2k) of each Chow F statistic.
    rss_ : float
        Residual sum of squares of the regression on all rows.
    rss_regimes_ : ndarray of shape (2,)
        Residual sums of squares of the separate regressions of regime one
        and regime two at ``break_index_``.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X``, when it is a DataFrame with string column
        names.

    See Also
    --------
    statsmodels.stats.diagnostic.breaks_cusumolsresid : CUSUM test, which
        needs no break date and no trimming.

    Notes
    -----
    With :math:`RSS` from the regression on all :math:`n` rows and
    :math:`RSS_1, RSS_2` from separate regressions on the two regimes, the
    Chow statistic is

    .. math::

        F = \\frac{(RSS - RSS_1 - RSS_2) / k}{(RSS_1 + RSS_2) / (n - 2k)},

    F(k, n - 2k) distributed under the null hypothesis with normal errors.
    Each regime needs at least k + 1 rows, so ``n_samples >= 2k + 2``.

    The scan uses the QR decomposition :math:`X = QR` and the residuals
    :math:`e` of the full regression. For regime one of size :math:`b`, with
    :math:`A_b = \\sum_{i<b} q_i q_i^T` and :math:`s_b = \\sum_{i<b} q_i e_i`,
    :math:`RSS_1 = \\sum_{i<b} e_i^2 - s_b^T A_b^{-1} s_b`, and regime two
    likewise from the sums over :math:`i \\ge b`. The sums are cumulative and
    the k-by-k systems are solved by a Cholesky factorisation vectorised over
    the candidates, so the scan takes :math:`O(n k^3)` operations and never
    forms :math:`X^T X`, whose condition number is the square of that of
    :math:`X`. A candidate whose regime design is numerically rank deficient
    (a Cholesky pivot below :math:`10 k n \\epsilon` times its diagonal
    entry, for example a dummy regressor that is constant within a regime)
    is left out with a warning; adding rows never lowers the rank, so these
    candidates lie at the ends of the scan.

    On the Wald scale (k times the classic F), sup-F, ave-F and exp-F
    converge under the null hypothesis to the maximum, the mean and
    :math:`\\log \\mathrm{mean} \\exp(Q/2)` of
    :math:`Q(s) = \\lVert B_k(s) \\rVert^2 / (s (1 - s))` over
    :math:`s \\in [\\pi, 1 - \\pi]`, where :math:`B_k` is a k-dimensional
    Brownian bridge. The p-values come from quantiles of these laws,
    simulated for k = 1, ..., 20 and trims 0.05, 0.10, ..., 0.45 (100,000
    replications of bridges on 2,000 steps, by
    ``benchmarks/simulate_supf_table.py``), interpolated linearly in the
    log-odds of the trim and in the log of the p-value. A grid of 2,000
    steps makes the 5% critical values about 1% lower than those of the
    continuous process, as in the published tables. The law of the maximum
    depends on the trims only through
    :math:`\\lambda = \\pi_2 (1 - \\pi_1) / (\\pi_1 (1 - \\pi_2))`, so a
    scan narrowed to :math:`[\\pi_1, \\pi_2]` uses the symmetric trim
    :math:`1 / (1 + \\sqrt{\\lambda})`, as strucchange does; for ave-F and
    exp-F this is an approximation.

    The asymptotic theory assumes stationary regressors and errors without
    serial correlation; with trending or integrated regressors, or
    autocorrelated errors, the p-values are not valid.

    References
    ----------
    .. [1] Chow, G. C. (1960). Tests of equality between sets of
       coefficients in two linear regressions. Econometrica, 28(3), 591-605.
    .. [2] Andrews, D. W. K. (1993). Tests for parameter instability and
       structural change with unknown change point. Econometrica, 61(4),
       821-856.
    .. [3] Andrews, D. W. K. and Ploberger, W. (1994). Optimal tests when a
       nuisance parameter is present only under the alternative.
       Econometrica, 62(6), 1383-1414.

    Examples
    --------
    A shift in the mean after 24 of 40 observations, tested with an
    intercept-only model (a constant column is used as the intercept):

    >>> import numpy as np
    >>> from skforecast_lstm import ChowBreakTest
    >>> t = np.arange(40)
    >>> y = np.where(t < 24, 0.0, 2.0) + 0.1 * (-1.0) ** t
    >>> X = np.ones((40, 1))
    >>> known = ChowBreakTest(break_point=24).fit(X, y)
    >>> round(known.statistic_, 1), known.df_, known.reject_
    (3648.0, (1, 38), True)

    Scanning every break finds the same one:

    >>> scan = ChowBreakTest().fit(X, y)
    >>> scan.break_index_, round(scan.statistic_, 1), scan.p_value_
    (24, 3648.0, 0.001)
    >>> int(scan.candidates_[0]), int(scan.candidates_[-1])
    (6, 34)

    Does the next value of a series depend on its five past values in the
    same way throughout? ``make_windows`` builds the rows:

    >>> from skforecast_lstm import make_windows
    >>> series = np.sin(np.arange(300) / 5.0) + 0.1 * np.cos(np.arange(300) ** 2)
    >>> test = ChowBreakTest().fit(*make_windows(series, window=5))
    >>> test.n_regressors_, test.df_
    (6, (6, 283))
    """

    _parameter_constraints: dict = {
        "break_point": ["no_validation"],
        "trim": [Interval(numbers.Real, 0.05, 0.45, closed="both")],
        "alpha": [Interval(numbers.Real, 0.0, 1.0, closed="neither")],
        "fit_intercept": ["boolean"],
    }

    def __init__(self, break_point=None, trim=0.15, alpha=0.05, fit_intercept=True):
        self.break_point = break_point
        self.trim = trim
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Run the Chow test at ``break_point``, or the sup-F scan.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Regressors, one row per time step, oldest first. For a single
            regressor pass ``x.reshape(-1, 1)``; for a test on the mean
            alone pass ``np.ones((n_samples, 1))``.
        y : array-like of shape (n_samples,)
            Dependent variable.

        Returns
        -------
        self : ChowBreakTest
            The fitted test.

        Raises
        ------
        ValueError
            If the data contain NaN or infinity, if there are fewer than
            2k + 2 rows, if the design or a regime is rank deficient, if
            ``y`` is an exact linear function of ``X``, if ``break_point``
            leaves fewer than k + 1 rows in a regime, or, for the scan, if
            k exceeds 20 or ``alpha`` lies outside [0.001, 0.999].
        """
        index = _pandas_index(X, y)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)

        design, self.intercept_added_ = _make_design(X, self.fit_intercept)
        n_samples, k = design.shape
        _check_sample_size(n_samples, k)
        self.n_regressors_ = k
        self.df_ = (k, n_samples - 2 * k)

        basis, residuals = _orthonormal_fit(design, y)
        self.rss_ = float(residuals @ residuals)
        if self.rss_ <= (100 * n_samples * _EPS) ** 2 * float(y @ y):
            raise ValueError(
                "y is an exact linear function of the columns of X (residual sum "
                f"of squares {self.rss_:.3g}), so the Chow F statistic is 0/0 and "
                "undefined. Check that y is not one of the columns of X."
            )

        if self.break_point is None:
            self._fit_scan(basis, residuals)
        else:
            position = _resolve_break_point(self.break_point, index, n_samples, k)
            self._fit_known_break(basis, residuals, position)

        self.break_date_ = None if index is None else index[self.break_index_ - 1]
        return self

    def _fit_known_break(self, basis, residuals, position):
        n_samples, k = basis.shape
        head, tail = slice(0, position), slice(position, n_samples)
        forms = []
        for rows, name in ((head, "one"), (tail, "two")):
            regime_basis, regime_residuals = basis[rows], residuals[rows]
            gram = (regime_basis.T @ regime_basis).reshape(k, k, 1)
            cross = (regime_basis.T @ regime_residuals).reshape(k, 1)
            quadratic, full_rank = _quadratic_forms(gram, cross, n_samples)
            if not full_rank[0]:
                raise ValueError(
                    f"The regressors are rank deficient within regime {name} "
                    f"(rows {rows.start} to {rows.stop - 1}) for break_point="
                    f"{self.break_point!r}, so its {k} coefficients are not "
                    "identified; a regressor may be constant or collinear within "
                    "that regime. Choose another break_point or drop that column."
                )
            energy = float(regime_residuals @ regime_residuals)
            forms.append((quadratic[0], energy))

        statistic, rss_regimes = _chow_statistics(forms, self.rss_, n_samples, k)
        degrees = self.df_
        self.statistic_ = float(statistic[0])
        self.p_value_ = float(stats.f.sf(self.statistic_, *degrees))
        self.critical_value_ = float(stats.f.isf(self.alpha, *degrees))
        self.reject_ = bool(self.statistic_ > self.critical_value_)
        self.break_index_ = int(position)
        self.candidates_ = np.array([position])
        self.f_statistics_ = statistic
        self.rss_regimes_ = rss_regimes[:, 0]
        self.ave_f_ = self.ave_f_p_value_ = None
        self.exp_f_ = self.exp_f_p_value_ = None
        self.effective_trim_ = None

    def _fit_scan(self, basis, residuals):
        n_samples, k = basis.shape
        table = _load_null_table()
        _check_scan_supported(table, k, self.alpha)

        first, last = _scan_range(n_samples, k, self.trim)
        candidates = np.arange(first, last + 1)
        forward, full_rank_one = _prefix_quadratic_forms(basis, residuals, first, last)
        backward, full_rank_two = _prefix_quadratic_forms(
            basis[::-1], residuals[::-1], n_samples - last, n_samples - first
        )
        backward = tuple(values[::-1] for values in backward)
        full_rank = full_rank_one & full_rank_two[::-1]
        if not full_rank.any():
            raise ValueError(
                "The regressors are rank deficient within a regime at every "
                f"candidate break from {first} to {last} rows, so no Chow statistic "
                "can be computed. A regressor may be constant or collinear within "
                "long stretches of the sample; drop it or pass break_point."
            )
        if not full_rank.all():
            warnings.warn(
                f"Left {np.count_nonzero(~full_rank)} of {candidates.size} candidate "
                "breaks out of the scan because a regime's regressors are rank "
                "deficient there; candidates_ lists the breaks that were tested.",
                UserWarning,
                stacklevel=4,
            )
            candidates = candidates[full_rank]
            forward = tuple(values[full_rank] for values in forward)
            backward = tuple(values[full_rank] for values in backward)

        forms = [forward, backward]
        statistics, rss_regimes = _chow_statistics(forms, self.rss_, n_samples, k)
        best = int(np.argmax(statistics))
        trim = _effective_trim(candidates[0], candidates[-1], n_samples, self.trim)

        self.candidates_ = candidates
        self.f_statistics_ = statistics
        self.break_index_ = int(candidates[best])
        self.rss_regimes_ = rss_regimes[:, best]
        self.effective_trim_ = trim
        self.statistic_ = float(statistics[best])
        self.ave_f_ = float(np.mean(statistics))
        self.exp_f_ = float(logsumexp(0.5 * k * statistics) - np.log(statistics.size)) / k

        self.p_value_ = table.p_value("sup", k * self.statistic_, k, trim)
        self.ave_f_p_value_ = table.p_value("ave", k * self.ave_f_, k, trim)
        self.exp_f_p_value_ = table.p_value("exp", k * self.exp_f_, k, trim)
        self.critical_value_ = table.critical_value("sup", self.alpha, k, trim) / k
        self.reject_ = bool(self.statistic_ > self.critical_value_)

    def summary(self):
        """Return the test results as a DataFrame with one row per test.

        Returns
        -------
        summary : pandas.DataFrame
            Rows ``"Chow F"`` for a known break, or ``"sup-F"``, ``"ave-F"``
            and ``"exp-F"`` for the scan. Columns: ``statistic`` (classic
            scale), ``wald_statistic`` (k times ``statistic``, the scale of
            R's strucchange), ``critical_value`` (classic scale, at
            ``alpha``), ``p_value``, ``reject``, ``break_index`` and
            ``break_date`` (the last row of regime one; missing for ave-F
            and exp-F, which locate no break).
        """
        check_is_fitted(self)
        k = self.n_regressors_
        if self.break_point is not None:
            rows = [("Chow F", self.statistic_, self.critical_value_, self.p_value_)]
        else:
            table = _load_null_table()
            trim = self.effective_trim_
            rows = [("sup-F", self.statistic_, self.critical_value_, self.p_value_)]
            for name, value, p_value in (
                ("ave", self.ave_f_, self.ave_f_p_value_),
                ("exp", self.exp_f_, self.exp_f_p_value_),
            ):
                critical = table.critical_value(name, self.alpha, k, trim) / k
                rows.append((_TEST_NAMES[name], value, critical, p_value))

        names = [row[0] for row in rows]
        statistic = np.array([row[1] for row in rows])
        critical = np.array([row[2] for row in rows])
        located = [True] + [False] * (len(rows) - 1)
        return pd.DataFrame(
            {
                "statistic": statistic,
                "wald_statistic": k * statistic,
                "critical_value": critical,
                "p_value": [row[3] for row in rows],
                "reject": statistic > critical,
                "break_index": pd.array(
                    [self.break_index_ if flag else None for flag in located],
                    dtype="Int64",
                ),
                "break_date": [self.break_date_ if flag else None for flag in located],
            },
            index=pd.Index(names, name="test"),
        )

    def plot(self, ax=None):
        """Plot the Chow F statistics against the size of regime one.

        Draws ``f_statistics_``, the critical value at ``alpha`` as a
        horizontal line, and the break at ``break_index_`` as a vertical
        line. For the scan, the statistic path crossing the line is a
        rejection by the sup-F test.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or None, default=None
            Axes to draw on; None creates a new figure.

        Returns
        -------
        ax : matplotlib.axes.Axes
            The axes drawn on.
        """
        check_is_fitted(self)
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError(
                "ChowBreakTest.plot requires matplotlib, which is not installed. "
                "Install it with: pip install skforecast-lstm[plot]"
            ) from error

        if ax is None:
            _, ax = plt.subplots()
        single = self.candidates_.size == 1
        label = "Chow F" if self.break_point is not None else "sup-F"
        ax.plot(
            self.candidates_,
            self.f_statistics_,
            marker="o" if single else None,
            label="Chow F statistic",
        )
        ax.axhline(
            self.critical_value_,
            color="tab:red",
            linestyle="--",
            label=f"{label} critical value, alpha = {self.alpha:g}",
        )
        ax.axvline(
            self.break_index_,
            color="tab:green",
            linestyle=":",
            label=f"break after {self.break_index_} rows",
        )
        ax.set_xlabel("rows in regime one")
        ax.set_ylabel("F statistic (classic scale)")
        ax.legend()
        return ax


class _NullTable:
    """Simulated quantiles of the sup-F, ave-F and exp-F null distributions.

    Arrays ``sup``, ``ave`` and ``exp`` have shape (n_regressors, n_trims,
    n_probabilities) and hold Wald-scale quantiles at the upper-tail
    probabilities ``probabilities``, written by
    ``benchmarks/simulate_supf_table.py``.
    """

    def __init__(self, path):
        with np.load(path) as data:
            self.probabilities = data["probabilities"].astype(np.float64)
            self.trims = data["trims"].astype(np.float64)
            self.max_regressors = int(data["n_regressors"].max())
            self.quantiles = {
                name: data[name].astype(np.float64) for name in ("sup", "ave", "exp")
            }

    def quantile_curve(self, name, k, trim):
        """Return quantiles at ``probabilities`` for one k and any trim in range.

        The curves are interpolated linearly in the log-odds of the trim, the
        variable through which the trim enters the law of the maximum.
        """
        curves = self.quantiles[name][k - 1]
        log_odds = np.log((1.0 - self.trims) / self.trims)
        target = np.log((1.0 - trim) / trim)
        upper = int(np.clip(np.searchsorted(self.trims, trim), 1, self.trims.size - 1))
        lower = upper - 1
        weight = (target - log_odds[lower]) / (log_odds[upper] - log_odds[lower])
        return (1.0 - weight) * curves[lower] + weight * curves[upper]

    def p_value(self, name, statistic, k, trim):
        """Return the upper-tail probability of a Wald-scale statistic."""
        curve = self.quantile_curve(name, k, trim)
        if statistic >= curve[0]:
            return float(self.probabilities[0])
        if statistic <= curve[-1]:
            return float(self.probabilities[-1])
        # Quantiles fall as the tail probability rises; np.interp needs
        # increasing abscissae, so both arrays are reversed.
        log_p = np.interp(statistic, curve[::-1], np.log(self.probabilities[::-1]))
        return float(np.exp(log_p))

    def critical_value(self, name, alpha, k, trim):
        """Return the Wald-scale critical value at level ``alpha``."""
        curve = self.quantile_curve(name, k, trim)
        return float(np.interp(np.log(alpha), np.log(self.probabilities), curve))


@functools.lru_cache(maxsize=1)
def _load_null_table():
    return _NullTable(_TABLE_PATH)


def _pandas_index(X, y):
    """Return the index of X, or of y when X has none, or None for arrays."""
    for data in (X, y):
        if isinstance(data, (pd.DataFrame, pd.Series)):
            return data.index
    return None


def _make_design(X, fit_intercept):
    """Return the design matrix and whether an intercept column was added."""
    has_constant = X.shape[0] > 0 and bool(np.any(np.all(X == X[0], axis=0) & (X[0] != 0)))
    if not fit_intercept or has_constant:
        return X, False
    return np.column_stack([np.ones(X.shape[0]), X]), True


def _check_sample_size(n_samples, k):
    if n_samples < 2 * k + 2:
        raise ValueError(
            f"The Chow test needs at least 2k + 2 = {2 * k + 2} samples for k = {k} "
            f"coefficients per regime (k + 1 rows in each regime); got "
            f"n_samples = {n_samples}. Pass more rows or fewer columns."
        )


def _orthonormal_fit(design, y):
    """Return an orthonormal basis of the design's columns and the OLS residuals."""
    basis, triangular = np.linalg.qr(design)
    singular_values = np.linalg.svd(triangular, compute_uv=False)
    n_samples, k = design.shape
    tolerance = singular_values[0] * max(n_samples, k) * _EPS
    rank = int(np.count_nonzero(singular_values > tolerance))
    if rank < k:
        raise ValueError(
            f"The design matrix has rank {rank} but {k} columns (the intercept "
            "included), so the coefficients are not identified. Remove constant, "
            "duplicate or collinear columns of X, or set fit_intercept=False if X "
            "already spans a constant."
        )
    residuals = y - basis @ (basis.T @ y)
    return basis, residuals


def _resolve_break_point(break_point, index, n_samples, k):
    """Return the number of rows in regime one that ``break_point`` requests."""
    if isinstance(break_point, numbers.Integral) and not isinstance(break_point, bool):
        position = int(break_point)
    elif index is None:
        raise ValueError(
            f"break_point={break_point!r} is not an integer row position, and X and y "
            "carry no index to look it up in. Pass the number of rows in regime one, "
            "or pandas objects whose index contains the label."
        )
    else:
        try:
            position = index.get_loc(break_point)
        except (KeyError, TypeError, pd.errors.InvalidIndexError):
            raise ValueError(
                f"break_point={break_point!r} is not a label of the index of X "
                f"(or y), which runs from {index[0]!r} to {index[-1]!r}."
            ) from None
        if not isinstance(position, numbers.Integral):
            raise ValueError(
                f"break_point={break_point!r} matches several rows of the index; "
                "pass a label of exactly one row, the first row of regime two."
            )

    low, high = k + 1, n_samples - k - 1
    if not low <= position <= high:
        raise ValueError(
            f"break_point={break_point!r} puts {position} of {n_samples} rows in "
            f"regime one, but each regime needs at least k + 1 = {k + 1} rows to "
            f"estimate its {k} coefficients and a residual; choose a break between "
            f"{low} and {high} rows. An integer break_point is a row position, "
            "never an index label."
        )
    return position


def _check_scan_supported(table, k, alpha):
    if k > table.max_regressors:
        raise ValueError(
            f"The sup-F scan supports at most {table.max_regressors} coefficients per "
            f"regime (columns of X plus the intercept); got k = {k}. Use fewer columns, "
            "or pass break_point for a Chow test at a known break."
        )
    low, high = table.probabilities[0], table.probabilities[-1]
    if not low <= alpha <= high:
        raise ValueError(
            f"alpha={alpha!r} is outside [{low:g}, {high:g}], the range of the "
            "tabulated sup-F null distribution. Choose alpha in that range, or pass "
            "break_point for a Chow test at a known break."
        )


def _scan_range(n_samples, k, trim):
    """Return the first and last size of regime one in the scan."""
    # The small offset keeps products such as 0.29 * 100 from flooring to 28.
    cut = int(np.floor(trim * n_samples + 1e-9))
    first = max(cut, k + 1)
    last = min(n_samples - cut, n_samples - k - 1)
    return first, last


def _effective_trim(first, last, n_samples, trim):
    """Return the symmetric trim whose null law matches the scanned range.

    The law of the maximum over [s1, s2] depends only on
    lambda = s2 (1 - s1) / (s1 (1 - s2)) (Andrews 1993), and the symmetric
    trim with the same lambda is 1 / (1 + sqrt(lambda)). A range that the
    floor in ``_scan_range`` widened by less than a row keeps ``trim``.
    """
    low, high = first / n_samples, last / n_samples
    ratio = high * (1.0 - low) / (low * (1.0 - high))
    equivalent = 1.0 / (1.0 + np.sqrt(ratio))
    effective = max(trim, float(equivalent))
    if effective > 0.45 + 1e-12:
        raise ValueError(
            f"The scan covers only regime-one sizes {first} to {last} of "
            f"{n_samples} rows, a trim of {effective:.3f}, beyond the largest "
            "tabulated trim 0.45, because each regime needs k + 1 rows. Pass more "
            "rows or fewer columns, or pass break_point for a Chow test at a "
            "known break."
        )
    return min(effective, 0.45)


def _chow_statistics(forms, rss, n_samples, k):
    """Return classic-scale Chow F statistics and the regime RSS.

    ``forms`` holds, for regime one and two, the quadratic form
    ``s^T A^{-1} s`` (the drop in that regime's RSS from refitting its own
    coefficients) and the sum of squared full-sample residuals in the
    regime. Both may be arrays over candidates.
    """
    rss_regimes = np.array(
        [np.maximum(np.asarray(energy) - np.asarray(quadratic), 0.0) for quadratic, energy in forms]
    ).reshape(2, -1)
    numerator = sum(np.asarray(quadratic) for quadratic, _ in forms).reshape(-1)
    denominator = rss_regimes.sum(axis=0)
    # Regimes that fit to rounding error make F infinite, not a ratio of noise.
    exact = denominator <= 10 * n_samples * _EPS * rss
    statistics = np.full(numerator.shape, np.inf)
    regular = ~exact
    statistics[regular] = (numerator[regular] / k) / (
        denominator[regular] / (n_samples - 2 * k)
    )
    return statistics, rss_regimes


def _prefix_quadratic_forms(basis, residuals, first, last):
    """Return per prefix size m = first..last the terms of the regime's RSS.

    For the first m rows, ``A_m = sum q_i q_i^T`` and ``s_m = sum q_i e_i``;
    returns ``((s_m^T A_m^{-1} s_m, sum e_i^2), full_rank)`` as arrays over m.
    The sums run in blocks that restart from exact running totals.
    """
    n_samples, k = basis.shape
    rows_i, rows_j = np.tril_indices(k)
    pair_index = {(i, j): p for p, (i, j) in enumerate(zip(rows_i, rows_j))}

    head_basis, head_residuals = basis[:first], residuals[:first]
    gram = (head_basis.T @ head_basis)[rows_i, rows_j]
    cross = head_basis.T @ head_residuals
    energy = float(head_residuals @ head_residuals)

    count = last - first + 1
    quadratic = np.empty(count)
    energies = np.empty(count)
    full_rank = np.empty(count, dtype=bool)
    for start in range(first, last + 1, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, last + 1)
        block = slice(start - first, stop - first)
        block_basis = np.ascontiguousarray(basis[start:stop].T)
        block_residuals = residuals[start:stop]

        # Inclusive cumulative sums over the block's rows; prefix size
        # start + j holds the running total plus the first j rows.
        gram_sums = np.cumsum(block_basis[rows_i] * block_basis[rows_j], axis=1)
        cross_sums = np.cumsum(block_basis * block_residuals, axis=1)
        energy_sums = np.cumsum(block_residuals**2)

        gram_block = np.empty_like(gram_sums)
        gram_block[:, 0] = gram
        gram_block[:, 1:] = gram[:, None] + gram_sums[:, :-1]
        cross_block = np.empty_like(cross_sums)
        cross_block[:, 0] = cross
        cross_block[:, 1:] = cross[:, None] + cross_sums[:, :-1]
        energies[block] = energy
        energies[block][1:] += energy_sums[:-1]

        matrix = _unpack_lower(gram_block, pair_index, k)
        quadratic[block], full_rank[block] = _quadratic_forms(matrix, cross_block, n_samples)

        gram = gram + gram_sums[:, -1]
        cross = cross + cross_sums[:, -1]
        energy += float(energy_sums[-1])
    return (quadratic, energies), full_rank


def _unpack_lower(packed, pair_index, k):
    """Return a k-by-k nested list of views into packed lower-triangle rows."""
    return [[packed[pair_index[(max(i, j), min(i, j))]] for j in range(k)] for i in range(k)]


def _quadratic_forms(matrix, vector, n_samples):
    """Return ``v^T M^{-1} v`` for a batch of symmetric positive definite systems.

    ``matrix[i][j]`` and ``vector[i]`` are arrays over the batch. The Cholesky
    factorisation runs column by column, vectorised over the batch, which for
    small k is far faster than one LAPACK call per system. A pivot at or below
    ``10 k n eps`` times its diagonal entry marks the system as numerically
    singular; its result is then meaningless and ``full_rank`` is False.
    """
    k = len(vector)
    tolerance = 10 * k * n_samples * _EPS
    full_rank = np.ones(np.shape(vector[0]), dtype=bool)
    factor = [[None] * k for _ in range(k)]
    solution = []
    for j in range(k):
        pivot = matrix[j][j] - sum(factor[j][p] ** 2 for p in range(j))
        singular = pivot <= tolerance * matrix[j][j]
        full_rank &= ~singular
        root = np.sqrt(np.where(singular, 1.0, pivot))
        factor[j][j] = root
        for i in range(j + 1, k):
            dot = sum(factor[i][p] * factor[j][p] for p in range(j))
            factor[i][j] = (matrix[i][j] - dot) / root
        dot = sum(factor[j][p] * solution[p] for p in range(j))
        solution.append((vector[j] - dot) / root)
    quadratic = sum(component**2 for component in solution)
    return quadratic, full_rank
