"""Same seed, same model: across processes and across parallel workers."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.model_selection import TimeSeriesSplit, cross_validate

from skforecast_lstm import LSTMRegressor, make_windows

FIT_IN_CHILD = textwrap.dedent(
    """
    import json
    import numpy as np
    from skforecast_lstm import LSTMRegressor, make_windows

    X, y = make_windows(np.sin(np.arange(150) / 4) + np.arange(150) / 50, window=6)
    model = LSTMRegressor(units=4, epochs=3, dropout=0.1, random_state=7).fit(X, y)
    print(json.dumps(model.predict(X[:5]).tolist()))
    """
)


@pytest.fixture(scope="module")
def series_windows():
    return make_windows(np.sin(np.arange(150) / 4) + np.arange(150) / 50, window=6)


def test_same_seed_across_processes(series_windows):
    """A fit in a fresh interpreter reproduces the fit in this one exactly.

    Every random choice (initial weights, dropout masks, shuffling) is drawn
    from seeds derived from random_state alone, and float64 on CPU is
    deterministic, so the predictions agree to the last bit.
    """
    X, y = series_windows
    here = LSTMRegressor(units=4, epochs=3, dropout=0.1, random_state=7).fit(X, y)
    runs = [
        subprocess.run(
            [sys.executable, "-c", FIT_IN_CHILD],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    first, second = (np.array(json.loads(run.strip().splitlines()[-1])) for run in runs)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, here.predict(X[:5]))


def test_cross_validate_parallel_equals_serial(series_windows):
    """Worker processes of cross_validate train the same models as one process."""
    X, y = series_windows
    model = LSTMRegressor(units=3, epochs=2, random_state=0)
    cv = TimeSeriesSplit(n_splits=3)
    serial = cross_validate(model, X, y, cv=cv, n_jobs=1)
    parallel = cross_validate(model, X, y, cv=cv, n_jobs=2)
    assert np.all(np.isfinite(serial["test_score"]))
    np.testing.assert_allclose(parallel["test_score"], serial["test_score"], rtol=1e-10)
