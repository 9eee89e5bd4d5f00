"""Tests of ChowBreakTest against closed forms, brute force and published values."""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import logsumexp
from statsmodels.datasets import longley, nile
from statsmodels.regression.linear_model import OLS

from skforecast_lstm._chow import ChowBreakTest
from skforecast_lstm._supf_tables import load_null_table
from skforecast_lstm._windows import make_windows

# Shared fixtures D1 and D2: n = 20, model y = a + b x.
D1_X = [0.65, 0.47, -0.64, -1.18, -0.14, 1.2, 1.33, 0.91, 0.35, 1.6,
        1.23, -0.22, -1.06, -0.36, -0.42, 0.69, -1.9, -0.19, 1.67, -0.92]  # fmt: skip
D1_Y = [0.94, 1.19, -0.03, 0.35, 0.92, 1.6, 1.18, 1.28, 1.5, 1.44,
        2.88, 2.22, 0.76, 1.5, 2.12, 2.6, 1.14, 1.74, 2.88, 2.48]  # fmt: skip
D2_X = [-0.8, -1.3, -0.2, 0.4, 1.1, 0.1, -0.6, -0.8, 0.7, 1.6,
        0.3, -1.2, -1.0, 1.6, 0.2, -1.7, -0.1, -1.2, -0.6, -0.5]  # fmt: skip
D2_Y = [0.2, 0.6, 0.9, 0.9, 1.8, 1.5, -0.1, 0.5, 0.8, 1.7,
        1.2, 1.0, 1.1, 2.2, 1.2, 0.6, 1.0, 0.3, 1.4, 0.8]  # fmt: skip


def column(values):
    return np.asarray(values, dtype=float).reshape(-1, 1)


def mean_shift_series():
    """D3: y_t = 0 before t = 24 and 2 from then on, plus 0.1 (-1)^t, t < 40."""
    t = np.arange(40)
    return np.where(t < 24, 0.0, 2.0) + 0.1 * (-1.0) ** t


def residual_sum_of_squares(design, y):
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coefficients
    return float(residuals @ residuals)


def brute_force_f(design, y, candidates):
    """Chow F from separate least-squares fits at every candidate break."""
    n, k = design.shape
    total = residual_sum_of_squares(design, y)
    values = []
    for b in candidates:
        split = residual_sum_of_squares(design[:b], y[:b])
        split += residual_sum_of_squares(design[b:], y[b:])
        values.append(((total - split) / k) / (split / (n - 2 * k)))
    return np.array(values)


def normal_equations_f(design, y, candidates):
    """Chow F from cumulative sums of X^T X, the textbook shortcut."""
    n, k = design.shape
    gram = np.cumsum(design[:, :, None] * design[:, None, :], axis=0)
    cross = np.cumsum(design * y[:, None], axis=0)
    energy = np.cumsum(y**2)

    def rss(gram_part, cross_part, energy_part):
        return energy_part - cross_part @ np.linalg.solve(gram_part, cross_part)

    total = rss(gram[-1], cross[-1], energy[-1])
    values = []
    for b in candidates:
        split = rss(gram[b - 1], cross[b - 1], energy[b - 1])
        split += rss(
            gram[-1] - gram[b - 1], cross[-1] - cross[b - 1], energy[-1] - energy[b - 1]
        )
        values.append(((total - split) / k) / (split / (n - 2 * k)))
    return np.array(values)


def with_intercept(X):
    return np.column_stack([np.ones(len(X)), X])


def test_scan_matches_brute_force_random():
    """The cumulative-sum scan equals separate least-squares fits at every break."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 3))
    y = X @ [0.5, -1.0, 2.0] + rng.standard_normal(150)

    test = ChowBreakTest().fit(X, y)

    expected = brute_force_f(with_intercept(X), y, test.candidates_)
    np.testing.assert_allclose(test.f_statistics_, expected, rtol=1e-9)
    assert test.candidates_[0] == 22
    assert test.candidates_[-1] == 128


def test_scan_matches_brute_force_collinear_lags():
    """A random walk regressed on its own 5 lags stays exact to 1e-9.

    With the walk near 10,000 the design's condition number is about 2e7,
    and the normal-equations shortcut misses the brute-force values by more
    than 1e-7 on the same data, which shows the data are a hard case.
    """
    rng = np.random.default_rng(1)
    walk = 10_000.0 + np.cumsum(rng.standard_normal(405))
    X, y = make_windows(walk, window=5)

    test = ChowBreakTest().fit(X, y)

    expected = brute_force_f(with_intercept(X), y, test.candidates_)
    np.testing.assert_allclose(test.f_statistics_, expected, rtol=1e-9)
    shortcut = normal_equations_f(with_intercept(X), y, test.candidates_)
    shortcut_error = np.max(np.abs(shortcut / expected - 1.0))
    assert shortcut_error > 1e-7


def test_known_break_equals_scan_value():
    """The Chow F at a known break is the scan's value at that break."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 2))
    y = X[:, 0] + rng.standard_normal(80)

    scan = ChowBreakTest().fit(X, y)
    known = ChowBreakTest(break_point=30).fit(X, y)

    position = int(np.flatnonzero(scan.candidates_ == 30)[0])
    assert known.statistic_ == pytest.approx(scan.f_statistics_[position], rel=1e-10)


def test_nile_matches_strucchange():
    """Nile flow 1871-1970, intercept only, trim 0.15.

    R's strucchange reports sup-F 75.93 with the break at 1898 (the last
    year of regime one), ave-F 21.21 and exp-F 33.76 for
    ``Fstats(Nile ~ 1, from = 0.15)``. A loop of least-squares fits gives
    the same values. With k = 1 the Wald and classic scales coincide.
    """
    data = nile.load_pandas().data
    years = pd.Index(data["year"].astype(int), name="year")
    flow = pd.Series(data["volume"].to_numpy(), index=years)
    X = pd.DataFrame({"const": 1.0}, index=years)

    test = ChowBreakTest(trim=0.15).fit(X, flow)

    assert test.statistic_ == pytest.approx(75.93, abs=0.005)
    assert test.break_index_ == 28
    assert test.break_date_ == 1898
    assert test.ave_f_ == pytest.approx(21.21, abs=0.005)
    assert test.exp_f_ == pytest.approx(33.76, abs=0.005)
    assert test.candidates_[0] == 15
    assert test.candidates_[-1] == 85
    assert test.n_regressors_ == 1
    assert not test.intercept_added_
    assert test.p_value_ == 0.001
    assert test.reject_


def test_longley_chow_matches_reference():
    """Longley data, 7 rows in regime one: F = 3.9268, p = 0.0631.

    Of all subsets of the six regressors (plus intercept), only GNPDEFL,
    GNP, ARMED and YEAR reproduce both reference values; all six give
    F = 1.86. statsmodels' F test of the regime-two interaction terms
    confirms the statistic independently.
    """
    data = longley.load_pandas()
    X = data.exog[["GNPDEFL", "GNP", "ARMED", "YEAR"]]
    y = data.endog

    test = ChowBreakTest(break_point=7).fit(X, y)

    assert test.statistic_ == pytest.approx(3.9268, abs=5e-5)
    assert test.p_value_ == pytest.approx(0.0631, abs=5e-5)
    assert test.df_ == (5, 6)
    design = with_intercept(X.to_numpy())
    later = (np.arange(len(y)) >= 7)[:, None]
    restricted = OLS(y.to_numpy(), design).fit()
    unrestricted = OLS(y.to_numpy(), np.column_stack([design, design * later])).fit()
    f_value, p_value, _ = unrestricted.compare_f_test(restricted)
    assert test.statistic_ == pytest.approx(f_value, rel=1e-8)
    assert test.p_value_ == pytest.approx(p_value, rel=1e-8)


def test_longley_all_regressors_regime_too_short():
    """All six Longley regressors make k = 7, so 7 rows cannot fit regime one."""
    data = longley.load_pandas()

    with pytest.raises(ValueError, match="at least k \\+ 1 = 8 rows"):
        ChowBreakTest(break_point=7).fit(data.exog, data.endog)


def test_d1_intercept_break_detected():
    """D1 with the default intercept: F = 24.2787 on (2, 16) df."""
    test = ChowBreakTest(break_point=10).fit(column(D1_X), D1_Y)

    assert test.statistic_ == pytest.approx(24.2787, abs=5e-5)
    assert test.df_ == (2, 16)
    assert test.p_value_ == pytest.approx(1.4236e-05, rel=5e-4)
    assert test.n_regressors_ == 2
    assert test.intercept_added_
    assert test.reject_


def test_d1_without_intercept_misses_break():
    """Without the intercept, k = 1 and the intercept shift goes undetected."""
    test = ChowBreakTest(break_point=10, fit_intercept=False).fit(column(D1_X), D1_Y)

    assert test.statistic_ == pytest.approx(0.7088, abs=5e-5)
    assert test.df_ == (1, 18)
    assert test.p_value_ == pytest.approx(0.4109, abs=5e-5)
    assert not test.reject_


def test_user_constant_column_not_added_twice():
    """A constant column in X is the intercept, so F stays 24.2787."""
    X = np.column_stack([np.full(20, 3.0), D1_X])

    test = ChowBreakTest(break_point=10).fit(X, D1_Y)

    assert not test.intercept_added_
    assert test.n_regressors_ == 2
    assert test.statistic_ == pytest.approx(24.2787, abs=5e-5)


@pytest.mark.parametrize(
    ("break_point", "f_value", "p_value"),
    [
        (3, 0.331610, 0.722584),
        (5, 0.398790, 0.677620),
        (10, 3.200591, 0.067732),
        (15, 0.264538, 0.770852),
        (17, 0.474006, 0.630971),
    ],
)
def test_d2_chow_values(break_point, f_value, p_value):
    """D2: F and upper-tail p-value of F(2, 16) at several breaks."""
    test = ChowBreakTest(break_point=break_point).fit(column(D2_X), D2_Y)

    assert test.statistic_ == pytest.approx(f_value, abs=5e-7)
    assert test.p_value_ == pytest.approx(p_value, abs=5e-7)
    assert test.df_ == (2, 16)


def test_d2_numerator_df_counts_intercept():
    """Numerator df is k = 2. A fixed df of 5 would give p = 0.034279."""
    test = ChowBreakTest(break_point=10).fit(column(D2_X), D2_Y)

    assert test.df_[0] == 2
    assert stats.f.sf(test.statistic_, 5, 16) == pytest.approx(0.034279, abs=5e-7)
    assert test.p_value_ == pytest.approx(0.067732, abs=5e-7)
    assert not test.reject_


@pytest.mark.parametrize(
    ("alpha", "critical_value", "reject"),
    [(0.10, 2.668171, True), (0.05, 3.633723, False), (0.01, 6.226235, False)],
)
def test_d2_alpha_sets_upper_tail_critical_value(alpha, critical_value, reject):
    """Critical values are upper-tail quantiles of F(2, 16) at alpha."""
    test = ChowBreakTest(break_point=10, alpha=alpha).fit(column(D2_X), D2_Y)

    assert test.critical_value_ == pytest.approx(critical_value, abs=5e-7)
    assert test.reject_ is reject
    lower_tail = stats.f.ppf(alpha, 2, 16)
    assert test.critical_value_ > 1.0 > lower_tail


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.05, 1.5])
def test_alpha_outside_unit_interval_raises(alpha):
    """alpha must lie strictly between 0 and 1."""
    with pytest.raises(ValueError, match="'alpha' parameter"):
        ChowBreakTest(break_point=10, alpha=alpha).fit(column(D2_X), D2_Y)


def test_d3_known_break_closed_form():
    """D3: between-group SS 38.4 over residual SS 0.4 / 38 gives F = 3648."""
    test = ChowBreakTest(break_point=24).fit(np.ones((40, 1)), mean_shift_series())

    assert test.statistic_ == pytest.approx(3648.0, rel=1e-9)
    assert test.df_ == (1, 38)
    assert test.rss_regimes_.sum() == pytest.approx(0.4, rel=1e-9)


def test_d3_scan_finds_break_at_24():
    """D3 scan: the maximum is at 24 rows, and its neighbours are smaller."""
    test = ChowBreakTest(trim=0.15).fit(np.ones((40, 1)), mean_shift_series())

    assert test.break_index_ == 24
    assert test.statistic_ == pytest.approx(3648.0, rel=1e-9)
    np.testing.assert_array_equal(test.candidates_, np.arange(6, 35))
    position = {int(b): i for i, b in enumerate(test.candidates_)}
    assert test.f_statistics_[position[23]] == pytest.approx(286.75, abs=0.005)
    assert test.f_statistics_[position[25]] == pytest.approx(280.93, abs=0.005)
    assert test.break_date_ is None


def test_d3_index_label_maps_to_same_position():
    """A DatetimeIndex label is the first row of regime two, like the integer."""
    index = pd.date_range("2001-01-01", periods=40, freq="MS")
    y = pd.Series(mean_shift_series(), index=index)
    X = pd.DataFrame({"const": np.ones(40)}, index=index)

    by_label = ChowBreakTest(break_point=pd.Timestamp("2003-01-01")).fit(X, y)
    by_position = ChowBreakTest(break_point=24).fit(X, y)
    scan = ChowBreakTest().fit(X, y)

    assert index[24] == pd.Timestamp("2003-01-01")
    assert by_label.break_index_ == 24
    assert by_label.statistic_ == by_position.statistic_
    assert by_label.break_date_ == pd.Timestamp("2002-12-01")
    assert scan.break_date_ == pd.Timestamp("2002-12-01")


def test_exp_f_finite_for_huge_statistics():
    """exp(3648 / 2) overflows float64, but the log-space exp-F is finite."""
    test = ChowBreakTest().fit(np.ones((40, 1)), mean_shift_series())

    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(0.5 * test.statistic_))
    expected = logsumexp(0.5 * test.f_statistics_) - np.log(test.f_statistics_.size)
    assert np.isfinite(test.exp_f_)
    assert test.exp_f_ == pytest.approx(expected, rel=1e-12)
    assert test.exp_f_p_value_ == 0.001


def test_sup_f_size_near_alpha():
    """Under the null, sup-F rejects about 5% of 300 series of 200 rows.

    Three binomial standard errors around 0.05 give [0.012, 0.088].
    """
    rng = np.random.default_rng(7)
    rejections = 0
    for _ in range(300):
        X = rng.standard_normal((200, 1))
        y = 1.0 + 0.5 * X[:, 0] + rng.standard_normal(200)
        rejections += ChowBreakTest().fit(X, y).reject_

    rate = rejections / 300
    assert 0.012 <= rate <= 0.088


def test_scan_detects_autoregressive_break():
    """An AR(1) coefficient that jumps from 0.1 to 0.8 is found near the jump."""
    rng = np.random.default_rng(3)
    series = np.zeros(400)
    for t in range(1, 400):
        coefficient = 0.1 if t < 250 else 0.8
        series[t] = coefficient * series[t - 1] + rng.standard_normal()
    X, y = make_windows(series, window=1)

    test = ChowBreakTest().fit(X, y)

    assert test.reject_
    assert test.p_value_ < 0.01
    assert abs(test.break_index_ - 249) <= 15


def test_table_matches_published_critical_values():
    """Simulated 5% points (Wald scale) agree with published ones within 2%.

    Andrews (1993), Table 1: k = 1 and 2 at trim 0.15, k = 1 at trim 0.05.
    Stock and Watson (2003) list the trim-0.15 values divided by k.
    """
    table = load_null_table()
    andrews = [(1, 0.15, 8.68), (2, 0.15, 11.72), (1, 0.05, 9.84)]
    stock_watson = [(3, 4.71), (5, 3.66), (10, 2.71), (20, 2.13)]
    for k, trim, published in andrews:
        simulated = table.critical_value("sup", 0.05, k, trim)
        assert simulated == pytest.approx(published, rel=0.02)
    for k, published in stock_watson:
        simulated = table.critical_value("sup", 0.05, k, 0.15)
        assert simulated == pytest.approx(k * published, rel=0.02)


def test_table_respects_pathwise_orderings():
    """Quantiles keep the orderings that hold path by path.

    On every path mean(Q) <= max(Q) and log mean exp(Q / 2) <= max(Q) / 2.
    Q(s) is chi-square(k) at each s, so max(Q) is at least its chi-square
    quantile. A wider scan (smaller trim) has a larger maximum.
    """
    table = load_null_table()
    sup, ave, exp = (table.quantiles[name] for name in ("sup", "ave", "exp"))
    probabilities = table.probabilities
    chi_square = stats.chi2.isf(probabilities, np.arange(1, 21)[:, None, None])

    assert np.all(ave <= sup)
    assert np.all(exp <= sup / 2)
    assert np.all(sup >= chi_square)
    assert np.all(np.diff(sup, axis=1) < 0)
    assert np.all(np.diff(sup, axis=2) < 0)


def test_table_ave_f_mean_is_k():
    """Q(s) has mean k at every s, so ave-F has mean k (tails cut at 0.1%)."""
    table = load_null_table()
    probabilities = table.probabilities
    for k in (1, 5, 20):
        quantiles = table.quantile_curve("ave", k, 0.15)
        mean = np.trapezoid(quantiles[::-1], 1 - probabilities[::-1])
        coverage = probabilities[-1] - probabilities[0]
        assert mean / coverage == pytest.approx(k, rel=0.03)


def test_trim_between_table_points_interpolates():
    """A trim of 0.125 gives a critical value between those of 0.10 and 0.15."""
    table = load_null_table()
    at_10 = table.critical_value("sup", 0.05, 3, 0.10)
    at_125 = table.critical_value("sup", 0.05, 3, 0.125)
    at_15 = table.critical_value("sup", 0.05, 3, 0.15)

    assert at_15 < at_125 < at_10


def test_scan_alpha_changes_critical_value():
    """Scan critical values honour alpha: smaller alpha, larger value."""
    X, y = column(D2_X), np.asarray(D2_Y)
    values = [
        ChowBreakTest(alpha=alpha).fit(X, y).critical_value_
        for alpha in (0.10, 0.05, 0.01)
    ]

    assert values[0] < values[1] < values[2]
    table = load_null_table()
    assert values[1] == pytest.approx(table.critical_value("sup", 0.05, 2, 0.15) / 2)


def test_p_value_and_critical_value_agree():
    """The scan rejects exactly when its p-value falls below alpha."""
    rng = np.random.default_rng(4)
    for shift in (0.0, 0.3, 0.6, 1.0):
        y = rng.standard_normal(120) + shift * (np.arange(120) >= 60)
        test = ChowBreakTest().fit(np.ones((120, 1)), y)
        assert test.reject_ == (test.p_value_ < test.alpha)


def test_effective_trim_when_regimes_need_more_rows():
    """With k = 6 and 30 rows, regime one starts at 7 rows, a trim of 7/30."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 5))
    y = rng.standard_normal(30)

    test = ChowBreakTest(trim=0.15).fit(X, y)

    assert test.candidates_[0] == 7
    assert test.candidates_[-1] == 23
    assert test.effective_trim_ == pytest.approx(7 / 30)


def test_scan_leaves_out_rank_deficient_regimes():
    """A dummy that is zero before row 40 leaves breaks up to 40 rows out.

    The dummy is one on rows 40 to 94, so regime two stays full rank.
    """
    rng = np.random.default_rng(6)
    dummy = ((np.arange(100) >= 40) & (np.arange(100) < 95)).astype(float)
    X = np.column_stack([rng.standard_normal(100), dummy])
    y = X @ [1.0, 0.5] + rng.standard_normal(100)

    with pytest.warns(UserWarning, match="Left 26 of 71 candidate breaks"):
        test = ChowBreakTest().fit(X, y)

    assert test.candidates_[0] == 41
    assert test.candidates_[-1] == 85
    expected = brute_force_f(with_intercept(X), y, test.candidates_)
    np.testing.assert_allclose(test.f_statistics_, expected, rtol=1e-9)
    assert test.effective_trim_ > 0.15


def test_known_break_rank_deficient_regime_raises():
    """The same dummy is constant within regime one at break 30."""
    rng = np.random.default_rng(6)
    dummy = (np.arange(100) >= 40).astype(float)
    X = np.column_stack([rng.standard_normal(100), dummy])
    y = rng.standard_normal(100)

    with pytest.raises(ValueError, match="rank deficient within regime one"):
        ChowBreakTest(break_point=30).fit(X, y)


@pytest.mark.parametrize("break_point", [2, 18, 0, -3, 25])
def test_break_point_outside_range_raises(break_point):
    """Each regime of D2 needs k + 1 = 3 rows: breaks 3 to 17 only."""
    with pytest.raises(ValueError, match="between 3 and 17 rows"):
        ChowBreakTest(break_point=break_point).fit(column(D2_X), D2_Y)


def test_label_not_in_index_raises():
    index = pd.date_range("2001-01-01", periods=20, freq="D")
    X = pd.DataFrame({"x": D2_X}, index=index)

    with pytest.raises(ValueError, match="not a label of the index"):
        ChowBreakTest(break_point=pd.Timestamp("1999-01-01")).fit(X, D2_Y)


def test_label_without_index_raises():
    with pytest.raises(ValueError, match="carry no index"):
        ChowBreakTest(break_point="2001-01-10").fit(column(D2_X), D2_Y)


def test_integer_is_position_not_label():
    """An integer break_point counts rows even when the index holds integers."""
    index = pd.Index(np.arange(1900, 1920))
    X = pd.DataFrame({"x": D2_X}, index=index)

    test = ChowBreakTest(break_point=10).fit(X, D2_Y)

    assert test.break_index_ == 10
    assert test.break_date_ == 1909
    with pytest.raises(ValueError, match="never an index label"):
        ChowBreakTest(break_point=1910).fit(X, D2_Y)


@pytest.mark.parametrize("trim", [0.0, 0.01, 0.5, 0.6])
def test_trim_outside_table_raises(trim):
    with pytest.raises(ValueError, match=r"'trim' parameter .* range \[0.05, 0.45\]"):
        ChowBreakTest(trim=trim).fit(column(D2_X), D2_Y)


def test_too_many_regressors_for_scan_raises():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((200, 20))

    with pytest.raises(ValueError, match="at most 20 coefficients .* got k = 21"):
        ChowBreakTest().fit(X, rng.standard_normal(200))


def test_scan_alpha_outside_table_raises():
    with pytest.raises(ValueError, match=r"alpha=0.0005 is outside \[0.001, 0.999\]"):
        ChowBreakTest(alpha=0.0005).fit(column(D2_X), D2_Y)


def test_too_few_rows_raises():
    """k = 2 needs 2k + 2 = 6 rows, and the message states n_samples."""
    with pytest.raises(ValueError, match="2k \\+ 2 = 6 samples .* n_samples = 5"):
        ChowBreakTest(break_point=3).fit(column(D2_X[:5]), D2_Y[:5])
    with pytest.raises(ValueError, match="n_samples = 1"):
        ChowBreakTest().fit(column(D2_X[:1]), D2_Y[:1])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data_raises(bad):
    X = column(D2_X)
    y = np.asarray(D2_Y)
    X_bad = X.copy()
    X_bad[4, 0] = bad
    y_bad = y.copy()
    y_bad[4] = bad

    with pytest.raises(ValueError, match="Input X contains"):
        ChowBreakTest().fit(X_bad, y)
    with pytest.raises(ValueError, match="Input y contains"):
        ChowBreakTest().fit(X, y_bad)


def test_exact_linear_target_raises():
    """y equal to a column of X leaves 0/0 for every F."""
    X = column(D2_X)

    with pytest.raises(ValueError, match="exact linear function"):
        ChowBreakTest().fit(X, 2.0 * X[:, 0] + 1.0)


def test_collinear_column_left_out_with_warning():
    """A column that doubles another adds nothing: k stays 2, as for x alone."""
    X = pd.DataFrame({"x": D2_X, "twice_x": 2.0 * np.asarray(D2_X)})

    message = "rank 2, not 3: 'twice_x' is a linear combination"
    with pytest.warns(UserWarning, match=message):
        test = ChowBreakTest(break_point=10).fit(X, D2_Y)

    assert test.n_regressors_ == 2
    assert test.df_ == (2, 16)
    assert test.statistic_ == pytest.approx(3.200591, abs=5e-7)


def test_all_zero_design_raises():
    with pytest.raises(ValueError, match="Every column of X is zero"):
        ChowBreakTest(fit_intercept=False).fit(np.zeros((20, 2)), D2_Y)


def test_single_candidate_uses_chi_square_limit():
    """With k = 4 and 10 rows only the break at 5 rows is admissible.

    A scan of one central break has the trim-0.5 null law: k F is
    chi-square(k), like the asymptotic Chow test.
    """
    rng = np.random.default_rng(10)
    X = rng.standard_normal((10, 3))
    y = rng.standard_normal(10)

    test = ChowBreakTest().fit(X, y)

    np.testing.assert_array_equal(test.candidates_, [5])
    assert test.effective_trim_ == 0.5
    expected = stats.chi2.sf(4 * test.statistic_, 4)
    assert test.p_value_ == pytest.approx(expected, rel=0.01)
    assert test.ave_f_p_value_ == pytest.approx(expected, rel=0.01)


def test_one_dimensional_X_raises():
    """X must be 2-D as everywhere in scikit-learn: one column is x.reshape(-1, 1)."""
    with pytest.raises(ValueError, match="Expected 2D array"):
        ChowBreakTest().fit(np.asarray(D2_X), D2_Y)


def test_inputs_not_modified():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((60, 2))
    y = rng.standard_normal(60)
    X_before, y_before = X.copy(), y.copy()
    X.setflags(write=False)
    y.setflags(write=False)

    ChowBreakTest().fit(X, y)
    ChowBreakTest(break_point=20).fit(X, y)

    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_pandas_input_sets_feature_names():
    X = pd.DataFrame({"x": D2_X})

    test = ChowBreakTest().fit(X, pd.Series(D2_Y))

    assert test.n_features_in_ == 1
    assert list(test.feature_names_in_) == ["x"]
    assert test.break_date_ == test.break_index_ - 1


def test_summary_scan_rows_and_scales():
    """The scan's summary has sup-F, ave-F and exp-F rows, Wald = k x classic."""
    test = ChowBreakTest().fit(column(D2_X), D2_Y)

    summary = test.summary()

    assert list(summary.index) == ["sup-F", "ave-F", "exp-F"]
    np.testing.assert_allclose(summary["wald_statistic"], 2 * summary["statistic"])
    assert summary.loc["sup-F", "statistic"] == test.statistic_
    assert summary.loc["ave-F", "p_value"] == test.ave_f_p_value_
    assert summary.loc["exp-F", "statistic"] == test.exp_f_
    assert summary.loc["sup-F", "break_index"] == test.break_index_
    assert pd.isna(summary.loc["ave-F", "break_index"])
    assert summary.loc["ave-F", "critical_value"] == test.ave_f_critical_value_
    assert summary.loc["exp-F", "critical_value"] == test.exp_f_critical_value_
    expected_reject = summary["statistic"] > summary["critical_value"]
    assert list(summary["reject"]) == list(expected_reject)


def test_summary_known_break_single_row():
    test = ChowBreakTest(break_point=10).fit(column(D2_X), D2_Y)

    summary = test.summary()

    assert list(summary.index) == ["Chow F"]
    assert summary.loc["Chow F", "p_value"] == pytest.approx(0.067732, abs=5e-7)
    assert summary.loc["Chow F", "critical_value"] == pytest.approx(3.633723, abs=5e-7)


def test_plot_draws_path_and_lines():
    import matplotlib.pyplot as plt

    test = ChowBreakTest().fit(np.ones((40, 1)), mean_shift_series())

    ax = test.plot()

    lines = {line.get_label(): line for line in ax.get_lines()}
    path = lines["Chow F statistic"]
    np.testing.assert_array_equal(path.get_xdata(), test.candidates_)
    assert len(lines) == 3
    plt.close(ax.figure)


def test_plot_without_matplotlib_names_extra(monkeypatch):
    test = ChowBreakTest(break_point=10).fit(column(D2_X), D2_Y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)

    with pytest.raises(ImportError, match=r"pip install skforecast-lstm\[plot\]"):
        test.plot()


def test_unfitted_summary_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ChowBreakTest().summary()


def test_residual_one_liner_tests_mean():
    """A column of ones turns the test into one for a shift in the mean."""
    residuals = mean_shift_series()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        test = ChowBreakTest().fit(np.ones((residuals.size, 1)), residuals)

    assert test.n_regressors_ == 1
    assert test.break_index_ == 24
