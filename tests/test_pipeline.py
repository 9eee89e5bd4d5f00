"""Tests of LSTMRegressor in grid searches, pipelines, pickles and on dask.

Every estimator is seeded, so a search gives the same scores wherever its
fits run: in this process, in joblib worker processes or on dask workers.
"""

import json
import os
import pickle
import subprocess
import sys

import distributed
import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skforecast_lstm import LSTMRegressor, SlidingWindowTransformer, make_windows


@pytest.fixture(scope="module")
def sine():
    """Windows of 6 of sin(t / 4), t < 120, with one-step targets."""
    return make_windows(np.sin(np.arange(120) / 4), window=6)


def _units_search(n_jobs):
    return GridSearchCV(
        LSTMRegressor(units=2, epochs=2, random_state=0),
        {"units": [2, 4]},
        cv=TimeSeriesSplit(n_splits=3),
        n_jobs=n_jobs,
    )


@pytest.fixture(scope="module")
def units_searches(sine):
    X, t = sine
    serial = _units_search(n_jobs=1).fit(X, t)
    parallel = _units_search(n_jobs=2).fit(X, t)
    return serial, parallel


def test_search_scores_finite(units_searches):
    serial, _ = units_searches
    scores = serial.cv_results_["mean_test_score"]
    assert len(scores) == 2
    assert np.all(np.isfinite(scores))
    assert np.all(np.isfinite(serial.cv_results_["split2_test_score"]))


def test_search_parallel_equals_serial(units_searches):
    """Worker processes train the same seeded networks as the main process."""
    serial, parallel = units_searches
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_allclose(
            parallel.cv_results_[key], serial.cv_results_[key], rtol=0, atol=1e-5
        )
    assert parallel.best_params_ == serial.best_params_


def test_search_best_estimator_predicts(sine, units_searches):
    X, _ = sine
    serial, parallel = units_searches
    prediction = serial.best_estimator_.predict(X)
    assert prediction.shape == (len(X),)
    assert np.all(np.isfinite(prediction))
    np.testing.assert_allclose(
        parallel.best_estimator_.predict(X), prediction, rtol=0, atol=1e-6
    )


# -- pipeline search and persistence -------------------------------------------


def _pipeline_search(**kwargs):
    pipe = make_pipeline(
        StandardScaler(),
        SlidingWindowTransformer(),
        LSTMRegressor(units=2, epochs=2, random_state=0),
    )
    grid = {
        "slidingwindowtransformer__window": [3, 6],
        "lstmregressor__units": [2, 4],
    }
    return GridSearchCV(pipe, grid, cv=TimeSeriesSplit(n_splits=2), **kwargs)


@pytest.fixture(scope="module")
def pipeline_search(sine):
    X, t = sine
    return _pipeline_search(n_jobs=1).fit(X, t)


def test_pipeline_search_grid(pipeline_search):
    results = pipeline_search.cv_results_
    assert len(results["params"]) == 4
    assert np.all(np.isfinite(results["mean_test_score"]))
    best = pipeline_search.best_estimator_
    window = best.named_steps["slidingwindowtransformer"].window_
    assert window == pipeline_search.best_params_["slidingwindowtransformer__window"]
    assert best.named_steps["lstmregressor"].n_features_in_ == window


def test_pipeline_pickle_round_trip(sine, pipeline_search):
    X, _ = sine
    best = pipeline_search.best_estimator_
    expected = best.predict(X)
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict(X), expected)


def test_pipeline_joblib_round_trip(sine, pipeline_search, tmp_path):
    X, _ = sine
    best = pipeline_search.best_estimator_
    path = tmp_path / "pipeline.joblib"
    joblib.dump(best, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), best.predict(X))


def test_pipeline_joblib_fresh_process(sine, pipeline_search, tmp_path):
    """A new interpreter that loads the file predicts the same floats exactly."""
    X, _ = sine
    best = pipeline_search.best_estimator_
    joblib.dump(best, tmp_path / "pipeline.joblib")
    np.save(tmp_path / "X.npy", X)
    # json writes each float with repr, which round-trips exactly.
    code = (
        "import json, joblib, numpy as np; "
        "model = joblib.load('pipeline.joblib'); "
        "print(json.dumps(model.predict(np.load('X.npy')).tolist()))"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    printed = np.array(json.loads(completed.stdout.strip().splitlines()[-1]))
    np.testing.assert_array_equal(printed, best.predict(X))


# -- dask ------------------------------------------------------------------------


def test_search_on_dask_equals_serial(sine, pipeline_search):
    """The same search on a two-worker local dask cluster gives the same scores."""
    X, t = sine
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        with distributed.Client(cluster) as client:
            with joblib.parallel_backend("dask"):
                on_dask = _pipeline_search().fit(X, t)
            # The fits ran on the workers, which therefore imported the package.
            imported = client.run(lambda: "skforecast_lstm._regressor" in sys.modules)
    finally:
        cluster.close()
    assert len(imported) == 2
    assert any(imported.values())
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        pipeline_search.cv_results_["mean_test_score"],
        rtol=0,
        atol=1e-5,
    )
