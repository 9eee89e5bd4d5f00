"""Package-level promises: cheap import, exports, and the documented commands."""

import subprocess
import sys
from pathlib import Path

import skforecast_lstm

ROOT = Path(__file__).resolve().parent.parent


def test_import_loads_no_keras():
    """Keras and TensorFlow load on first fit, not on import or construction."""
    code = (
        "import sys, skforecast_lstm\n"
        "from skforecast_lstm import LSTMRegressor, SlidingWindowTransformer\n"
        "LSTMRegressor(units=4)\n"
        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_bare_import_loads_no_sklearn():
    """The bare import defers even scikit-learn and pandas to first use."""
    code = (
        "import sys, skforecast_lstm\n"
        "print(sorted(m for m in ('sklearn', 'pandas', 'keras') if m in sys.modules))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_every_export_resolves():
    for name in skforecast_lstm.__all__:
        assert getattr(skforecast_lstm, name).__name__ == name


def test_unknown_attribute_raises():
    try:
        skforecast_lstm.NoSuchName  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchName" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_ci_runs_readme_test_command():
    """CI runs the README's test command, so the README cannot drift from CI."""
    readme = (ROOT / "README.md").read_text()
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert "grep -m1 -F '.venv/bin/python -m pytest' README.md" in ci_script
    commands = [line for line in readme.splitlines() if ".venv/bin/python -m pytest" in line]
    assert len(commands) == 1
    assert commands[0].startswith("python3 -m venv .venv && .venv/bin/pip install -e \".[tests]\"")
