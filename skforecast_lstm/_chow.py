"""Chow test for a structural break at a known date, and its sup-F scan.

The scan computes the Chow F statistic at every admissible break from
cumulative sums on an orthonormal basis of the design, so it costs one QR
decomposition and a pass over the rows instead of one regression per break.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._supf_tables import load_null_table
from ._windows import as_numbers

# Rows per block of the scan's cumulative sums. Blocks bound the memory to a
# few megabytes per coefficient pair, and restarting each block from an exact
# running total keeps the rounding error of the sums small.
_BLOCK_ROWS = 1 << 15

_EPS = np.finfo(np.float64).eps

class ChowBreakTest(BaseEstimator):
    r"""Chow test for a structural break in a linear regression.

    ``fit(X, y)`` regresses ``y`` on the columns of ``X`` (plus an intercept)
    and tests whether the coefficients differ between the rows before a break
    and the rows from the break on. With ``break_point`` given, it runs the
    classic Chow (1960) F test at that break. With ``break_point=None``, it
    computes the Chow F statistic at every admissible break and runs the
    sup-F test of Andrews (1993) and the ave-F and exp-F tests of Andrews and
    Ploberger (1994), with p-values from their asymptotic null distributions.

    Parameters
    ----------
    break_point : int, index label or None, default=None
        Where the second regime starts. An integer is a row position: the
        number of rows in regime one, so ``X[:break_point]`` is regime one,
        whatever index ``X`` carries. Any other value is a label of the
        pandas index of ``X`` (or of ``y`` when ``X`` has none), and the row
        with that label is the first row of regime two, as in
        ``y.loc[break_point:]``. For a label of an integer index, such as a
        year, pass ``X.index.get_loc(label)``. None scans every break
        between ``trim`` and ``1 - trim`` of the sample.
    trim : float, default=0.15
        Fraction of the sample cut from each end of the scan, so regime one
        has between ``floor(trim * n_samples)`` and
        ``n_samples - floor(trim * n_samples)`` rows. Must lie in
        [0.05, 0.45], the range of the tabulated null distributions. Ignored
        when ``break_point`` is given.
    alpha : float, default=0.05
        Significance level of the test, in (0, 1). The scan needs it in
        [0.001, 0.999], the range of the tabulated null distributions.
    fit_intercept : bool, default=True
        Whether to add a constant column to ``X``. No column is added when
        ``X`` already contains a nonzero constant column.

    Attributes
    ----------
    statistic_ : float
        Chow F statistic at ``break_point``, or the sup-F statistic (the
        largest Chow F of the scan), on the classic F scale. Multiply by
        ``n_regressors_`` for the Wald (chi-square) scale of Andrews (1993)
        and R's strucchange. ``inf`` when both regimes fit exactly.
    p_value_ : float
        Upper-tail p-value of ``statistic_``: from the F(k, n - 2k)
        distribution at a known break, and from the asymptotic null
        distribution of sup-F for the scan, clipped to [0.001, 0.999].
    critical_value_ : float
        Critical value at level ``alpha`` on the classic scale: the upper
        ``alpha`` quantile of F(k, n - 2k), or of the sup-F null
        distribution divided by k.
    reject_ : bool
        Whether ``statistic_`` exceeds ``critical_value_``, which rejects
        the null hypothesis of no break at level ``alpha``.
    break_index_ : int
        Number of rows in regime one at the tested break, or at the break
        with the largest F in the scan. ``X[:break_index_]`` is regime one.
    break_date_ : object or None
        Index label of the last row of regime one, the date that R's
        strucchange reports, when ``X`` or ``y`` is a pandas object; None for
        arrays.
    candidates_ : ndarray of shape (n_candidates,)
        Sizes of regime one at which the Chow F statistic was computed;
        ``[break_index_]`` at a known break.
    f_statistics_ : ndarray of shape (n_candidates,)
        Chow F statistic at each of ``candidates_``, on the classic scale.
    ave_f_ : float or None
        Mean of ``f_statistics_``, the ave-F statistic on the classic scale
        (times k for the Wald scale). None at a known break.
    ave_f_p_value_ : float or None
        Asymptotic p-value of the ave-F test, clipped to [0.001, 0.999].
        None at a known break.
    ave_f_critical_value_ : float or None
        Critical value of the ave-F test at level ``alpha``, on the classic
        scale of ``ave_f_``. None at a known break.
    exp_f_ : float or None
        Exp-F statistic of Andrews and Ploberger divided by k, which puts it
        on the classic scale: ``log(mean(exp(k * f_statistics_ / 2))) / k``.
        Multiply by k for the Wald scale. None at a known break.
    exp_f_p_value_ : float or None
        Asymptotic p-value of the exp-F test, clipped to [0.001, 0.999].
        None at a known break.
    exp_f_critical_value_ : float or None
        Critical value of the exp-F test at level ``alpha``, on the classic
        scale of ``exp_f_``. None at a known break.
    effective_trim_ : float or None
        Symmetric trim whose null distribution gives the scan's p-values.
        It equals ``trim`` unless the minimum regime size or rank-deficient
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
        Residual sums of squares of the separate regressions on regime one
        and regime two at ``break_index_``.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X``, when it is a DataFrame with string column
        names.

    See Also
    --------
    statsmodels.stats.diagnostic.breaks_cusumolsresid : CUSUM test of the
        OLS residuals, which needs no break date and no trimming.

    Notes
    -----
    With :math:`RSS` from the regression on all :math:`n` rows and
    :math:`RSS_1, RSS_2` from separate regressions on the two regimes,

    .. math::

        F = \frac{(RSS - RSS_1 - RSS_2) / k}{(RSS_1 + RSS_2) / (n - 2k)},

    which is F(k, n - 2k) distributed under the null hypothesis with
    independent normal errors. Each regime needs at least k + 1 rows, so
    ``n_samples >= 2k + 2``. Columns of the design that are linear
    combinations of earlier ones are left out with a warning, and k is the
    rank of the design.

    The scan takes the QR decomposition :math:`X = QR` and the residuals
    :math:`e` of the full regression. For regime one of size :math:`b`,
    with :math:`A_b = \sum_{i<b} q_i q_i^T` and
    :math:`s_b = \sum_{i<b} q_i e_i`,
    :math:`RSS_1 = \sum_{i<b} e_i^2 - s_b^T A_b^{-1} s_b`; regime two uses
    the sums over :math:`i \ge b`. The sums are cumulative, and the k-by-k
    systems are solved by a Cholesky factorisation vectorised over the
    candidates, so the scan takes :math:`O(n k^3)` operations. It never
    forms :math:`X^T X`, whose condition number is the square of that of
    :math:`X`. A candidate where a regime's design is numerically rank
    deficient (a Cholesky pivot at most :math:`10 k n \epsilon` times its
    diagonal entry), for example because a dummy regressor is constant
    within the regime, is left out with a warning. Adding rows never lowers
    the rank, so these candidates lie at the ends of the scan.

    On the Wald scale (k times the classic F), sup-F, ave-F and exp-F
    converge under the null hypothesis to the maximum, the mean and
    :math:`\log \operatorname{mean} \exp(Q/2)` of
    :math:`Q(s) = \lVert B_k(s) \rVert^2 / (s (1 - s))` over
    :math:`s \in [\pi, 1 - \pi]`, where :math:`B_k` is a k-dimensional
    Brownian bridge and :math:`\pi` the trim. The p-values come from
    quantiles of these laws for k = 1, ..., 20 and trims 0.05, 0.10, ...,
    0.45, simulated by ``benchmarks/simulate_supf_table.py`` (100,000
    replications of bridges on 4,000 steps), and interpolated linearly in
    the log-odds of the trim and in the log of the p-value. Their 5%
    critical values agree with those of Andrews (1993) within 1.2%.
    Like the published ones, they are slightly below those of the
    continuous process, because a grid misses part of each maximum.

    The law of the maximum depends on the trims only through
    :math:`\lambda = \pi_2 (1 - \pi_1) / (\pi_1 (1 - \pi_2))`. A scan
    narrowed to :math:`[\pi_1, \pi_2]` therefore uses the symmetric trim
    :math:`1 / (1 + \sqrt{\lambda})`, as strucchange does; for ave-F and
    exp-F this is an approximation. Between trim 0.45 and a single central
    break, where k F is chi-square(k), the quantiles are interpolated.

    The asymptotic theory assumes stationary regressors and serially
    uncorrelated, homoskedastic errors. With trending or integrated
    regressors, or autocorrelated errors, the p-values are not valid.

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
    A shift in the mean after 24 of 40 observations. A column of ones makes
    the model intercept-only:

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
        "break_point": "no_validation",
        "trim": [Interval(numbers.Real, 0.05, 0.45, closed="both")],
        "alpha": [Interval(numbers.Real, 0.0, 1.0, closed="neither")],
        "fit_intercept": ["boolean"],
    }

    def __init__(
        self, break_point=None, trim=0.15, alpha=0.05, fit_intercept=True
    ):
        self.break_point = break_point
        self.trim = trim
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> ChowBreakTest:
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
            2k + 2 rows, if every column is zero, or if ``y`` is an exact
            linear function of ``X``. Also if the sum of squares of ``y``
            overflows float64, which values from about 1e154 on do, and if
            ``break_point`` leaves fewer than k + 1 rows in a regime or
            makes a regime rank deficient.
            For the scan, also if k exceeds 20 or ``alpha`` lies outside
            [0.001, 0.999].
        """
        index = _pandas_index(X, y)
        X, y = as_numbers(X, "X"), as_numbers(y, "y")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        basis, residuals = self._fit_full_regression(X, y)

        if self.break_point is None:
            self._fit_scan(basis, residuals)
        else:
            n_samples, k = basis.shape
            position = _resolve_break_point(self.break_point, index, n_samples, k)
            self._fit_known_break(basis, residuals, position)

        self.break_date_ = None
        if index is not None:
            label = index[self.break_index_ - 1]
            # Report NumPy scalars of integer or float indexes as Python numbers.
            is_numpy = isinstance(label, np.generic)
            self.break_date_ = label.item() if is_numpy else label
        return self

    def _fit_full_regression(self, X, y):
        """Regress y on all rows and return the orthonormal basis and residuals."""
        design, self.intercept_added_ = _make_design(X, self.fit_intercept)
        basis, residuals, dropped = _orthonormal_fit(design, y)
        n_samples, k = basis.shape
        _check_sample_size(n_samples, k)
        if dropped:
            feature_names = getattr(self, "feature_names_in_", None)
            names = _describe_columns(dropped, self.intercept_added_, feature_names)
            if len(dropped) == 1:
                finding = "is a linear combination of earlier columns and was"
            else:
                finding = "are linear combinations of earlier columns and were"
            warnings.warn(
                f"The design (X and the intercept) has rank {k}, not "
                f"{design.shape[1]}: {names} {finding} left out, so each regime "
                f"has k = {k} coefficients. Drop the redundant columns from X "
                "to silence this warning.",
                UserWarning,
                stacklevel=4,
            )

        self.n_regressors_ = k
        self.df_ = (k, n_samples - 2 * k)
        with np.errstate(over="ignore"):
            y_energy = float(y @ y)
        if not np.isfinite(y_energy):
            raise ValueError(
                f"y contains values up to {np.max(np.abs(y)):.3g}, whose sum of "
                "squares overflows float64, so the residual sums of squares are "
                "infinite. Divide y by a constant, such as its largest absolute "
                "value, which leaves the Chow F statistics and p-values unchanged."
            )
        self.rss_ = float(residuals @ residuals)
        # The residuals of an exact fit are rounding errors of order eps |y|.
        if self.rss_ <= (100 * _EPS) ** 2 * n_samples * y_energy:
            raise ValueError(
                "y is an exact linear function of the columns of X (residual "
                f"sum of squares {self.rss_:.3g}), so every Chow F statistic is "
                "0/0. Check that y is not one of the columns of X."
            )
        return basis, residuals

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
        self.ave_f_ = self.ave_f_p_value_ = self.ave_f_critical_value_ = None
        self.exp_f_ = self.exp_f_p_value_ = self.exp_f_critical_value_ = None
        self.effective_trim_ = None

    def _fit_scan(self, basis, residuals):
        n_samples, k = basis.shape
        table = load_null_table()
        _check_scan_supported(table, k, self.alpha)

        first, last = _scan_range(n_samples, k, self.trim)
        candidates = np.arange(first, last + 1)
        forward, full_rank_one = _prefix_quadratic_forms(
            basis, residuals, first, last
        )
        # Regime two read backwards is a prefix of the reversed rows.
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
                f"Left {np.count_nonzero(~full_rank)} of {candidates.size} "
                "candidate breaks out of the scan because a regime's regressors "
                "are rank deficient there; candidates_ lists the breaks tested.",
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
        # log(mean(exp(W / 2))) on the Wald scale W = k F, in log space so
        # that statistics in the thousands do not overflow.
        log_mean = logsumexp(0.5 * k * statistics) - np.log(statistics.size)
        self.exp_f_ = float(log_mean) / k

        # The table stores Wald-scale values, k times the classic scale.
        self.p_value_ = table.p_value("sup", k * self.statistic_, k, trim)
        self.ave_f_p_value_ = table.p_value("ave", k * self.ave_f_, k, trim)
        self.exp_f_p_value_ = table.p_value("exp", k * self.exp_f_, k, trim)
        critical = {
            name: table.critical_value(name, self.alpha, k, trim) / k
            for name in ("sup", "ave", "exp")
        }
        self.critical_value_ = critical["sup"]
        self.ave_f_critical_value_ = critical["ave"]
        self.exp_f_critical_value_ = critical["exp"]
        self.reject_ = bool(self.statistic_ > self.critical_value_)

    def summary(self) -> pd.DataFrame:
        """Return the test results as a DataFrame with one row per test.

        Returns
        -------
        summary : pandas.DataFrame
            Rows ``"Chow F"`` for a known break, or ``"sup-F"``, ``"ave-F"``
            and ``"exp-F"`` for the scan. The columns are ``statistic`` on
            the classic scale, ``wald_statistic`` (k times ``statistic``,
            the scale of R's strucchange), ``critical_value`` at ``alpha``
            on the classic scale, ``p_value`` and ``reject``. The columns
            ``break_index`` and ``break_date`` (the last row of regime one)
            are missing for ave-F and exp-F, because they locate no break.
        """
        check_is_fitted(self)
        k = self.n_regressors_
        rows = [
            (
                "Chow F" if self.ave_f_ is None else "sup-F",
                self.statistic_,
                self.critical_value_,
                self.p_value_,
            )
        ]
        if self.ave_f_ is not None:
            rows.append(
                ("ave-F", self.ave_f_, self.ave_f_critical_value_, self.ave_f_p_value_)
            )
            rows.append(
                ("exp-F", self.exp_f_, self.exp_f_critical_value_, self.exp_f_p_value_)
            )

        index = pd.Index([row[0] for row in rows], name="test")
        statistic = np.array([row[1] for row in rows])
        critical = np.array([row[2] for row in rows])
        located = np.arange(len(rows)) == 0
        break_index = [self.break_index_ if flag else None for flag in located]
        break_date = [self.break_date_ if flag else None for flag in located]
        return pd.DataFrame(
            {
                "statistic": statistic,
                "wald_statistic": k * statistic,
                "critical_value": critical,
                "p_value": [row[3] for row in rows],
                "reject": statistic > critical,
                "break_index": pd.array(break_index, dtype="Int64"),
                "break_date": pd.Series(break_date, index=index, dtype=object),
            },
            index=index,
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
        label = "Chow F" if self.ave_f_ is None else "sup-F"
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


def _pandas_index(X, y):
    """Return the index of X, or of y when X has none, or None for arrays."""
    for data in (X, y):
        if isinstance(data, (pd.DataFrame, pd.Series)):
            return data.index
    return None


def _make_design(X, fit_intercept):
    """Return the design matrix and whether an intercept column was added."""
    constant = np.all(X == X[0], axis=0) & (X[0] != 0)
    if not fit_intercept or constant.any():
        return X, False
    return np.column_stack([np.ones(X.shape[0]), X]), True


def _check_sample_size(n_samples, k):
    if n_samples < 2 * k + 2:
        raise ValueError(
            f"The Chow test needs at least 2k + 2 = {2 * k + 2} samples for "
            f"k = {k} coefficients per regime (k + 1 rows in each regime); "
            f"got n_samples = {n_samples}. Pass more rows or fewer columns."
        )


def _orthonormal_fit(design, y):
    """Return an orthonormal basis of the design's column space and the residuals.

    Also returns the positions of design columns left out because they are
    linear combinations of earlier ones. The basis spans the other columns.
    """
    n_samples, n_columns = design.shape
    basis, triangular = np.linalg.qr(design)
    singular_values = np.linalg.svd(triangular, compute_uv=False)
    tolerance = singular_values[0] * max(n_samples, n_columns) * _EPS
    rank = int(np.count_nonzero(singular_values > tolerance))
    if rank == 0:
        raise ValueError(
            "Every column of X is zero and no intercept was added, so there is "
            "nothing to regress y on. Pass nonzero regressors or set "
            "fit_intercept=True."
        )
    dropped = []
    if rank < n_columns:
        independent = _independent_columns(design)
        dropped = [
            column for column in range(n_columns) if column not in independent
        ]
        basis, _ = np.linalg.qr(design[:, independent])
    residuals = y - basis @ (basis.T @ y)
    return basis, residuals, dropped


def _independent_columns(design):
    """Return the positions of the columns that are not in the span of earlier ones.

    Like R's ``lm``, this keeps the intercept and the first of several collinear
    columns. A column counts as dependent when the part of it orthogonal to the
    kept columns has less than 1e-7 of its norm, the default ``tol`` of R's
    ``lm.fit``.
    """
    independent = []
    directions = np.empty((design.shape[0], 0))
    for position in range(design.shape[1]):
        column = design[:, position]
        # The test is relative, so scaling to a largest entry of 1 changes
        # nothing but keeps the norms of columns near 1e200 or 1e-200 from
        # overflowing to inf or underflowing to 0.
        largest = np.max(np.abs(column))
        if largest > 0:
            column = column / largest
        norm = np.linalg.norm(column)
        residual = column - directions @ (directions.T @ column)
        # A second projection removes what rounding left of the first.
        residual -= directions @ (directions.T @ residual)
        length = np.linalg.norm(residual)
        if length > 1e-7 * norm:
            independent.append(position)
            directions = np.column_stack([directions, residual / length])
    return independent


def _describe_columns(positions, intercept_added, feature_names):
    """Return readable names of design columns, for messages."""
    offset = 1 if intercept_added else 0
    names = []
    for position in positions:
        if intercept_added and position == 0:
            names.append("the intercept")
        elif feature_names is not None:
            names.append(repr(str(feature_names[position - offset])))
        else:
            names.append(f"column {position - offset}")
    return ", ".join(names)


def _resolve_break_point(break_point, index, n_samples, k):
    """Return the number of rows in regime one that ``break_point`` requests."""
    if isinstance(break_point, numbers.Integral) and not isinstance(break_point, bool):
        position = int(break_point)
    elif index is None:
        raise ValueError(
            f"break_point={break_point!r} is not an integer row position, and "
            "X and y carry no index to look it up in. Pass the number of rows "
            "in regime one, or pandas objects whose index contains the label."
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
            f"The sup-F scan supports at most {table.max_regressors} "
            "coefficients per regime (columns of X plus the intercept); got "
            f"k = {k}. Use fewer columns, or pass break_point for a Chow test "
            "at a known break."
        )
    low, high = table.probabilities[0], table.probabilities[-1]
    if not low <= alpha <= high:
        raise ValueError(
            f"alpha={alpha!r} is outside [{low:g}, {high:g}], the range of the "
            "tabulated sup-F null distribution. Choose alpha in that range, or "
            "pass break_point for a Chow test at a known break."
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
    return min(max(trim, float(equivalent)), 0.5)


def _chow_statistics(forms, rss, n_samples, k):
    """Return classic-scale Chow F statistics and the regime RSS.

    ``forms`` contains, for regime one and two, the quadratic form
    ``s^T A^{-1} s`` (the drop in that regime's RSS from refitting its own
    coefficients) and the sum of squared full-sample residuals in the
    regime. Both may be arrays over candidates.
    """
    quadratics = [np.atleast_1d(quadratic) for quadratic, _ in forms]
    energies = [np.atleast_1d(energy) for _, energy in forms]
    rss_regimes = np.maximum(np.array(energies) - np.array(quadratics), 0.0)
    numerator = quadratics[0] + quadratics[1]
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
    """Return the RSS terms of the first m rows, for m = first, ..., last.

    With ``A_m = sum q_i q_i^T`` and ``s_m = sum q_i e_i`` over the first m
    rows, the result is ``((s_m^T A_m^{-1} s_m, sum e_i^2), full_rank)``,
    each an array over m. The sums run in blocks that restart from exact
    running totals.
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

        # Inclusive cumulative sums over the block's rows. Prefix size
        # start + j takes the running total plus the block's first j rows.
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
        quadratic[block], full_rank[block] = _quadratic_forms(
            matrix, cross_block, n_samples
        )

        gram = gram + gram_sums[:, -1]
        cross = cross + cross_sums[:, -1]
        energy += float(energy_sums[-1])
    return (quadratic, energies), full_rank


def _unpack_lower(packed, pair_index, k):
    """Return a k-by-k nested list of views into packed lower-triangle rows."""
    return [
        [packed[pair_index[(max(i, j), min(i, j))]] for j in range(k)]
        for i in range(k)
    ]


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
