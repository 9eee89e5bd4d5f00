"""Real series bundled with the package, for examples and tests offline."""

from importlib import resources

import pandas as pd


def load_sp500() -> pd.DataFrame:
    """Load daily S&P 500 index prices, 1999-01-04 to 2018-12-31.

    The 5,031 trading days come from the ``sp500`` data set of the ``arch``
    package (version 8.0.0, NCSA license), which took them from Yahoo!
    Finance. The file ships with this package, so no network is needed.

    Returns
    -------
    prices : DataFrame of shape (5031, 6)
        Columns ``Open``, ``High``, ``Low``, ``Close``, ``Adj Close`` and
        ``Volume``, indexed by trading day (a DatetimeIndex named ``Date``).

    Examples
    --------
    >>> from skforecast_lstm.datasets import load_sp500
    >>> prices = load_sp500()
    >>> prices.shape
    (5031, 6)
    >>> str(prices.index[0].date()), round(float(prices["Open"].iloc[0]), 2)
    ('1999-01-04', 1229.23)
    """
    path = resources.files("skforecast_lstm") / "data" / "sp500.csv.gz"
    with resources.as_file(path) as file:
        prices = pd.read_csv(file, index_col="Date", parse_dates=["Date"])
    return prices
