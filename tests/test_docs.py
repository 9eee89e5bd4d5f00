"""The documentation builds, and the examples in docstrings and pages run."""

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# Every module whose docstrings document public names.
DOCUMENTED_MODULES = [
    "skforecast_lstm._windows",
    "skforecast_lstm._regressor",
    "skforecast_lstm.datasets",
    "skforecast_lstm._chow",
    "skforecast_lstm._impulse",
]

# Pages under docs/ whose examples are doctests cheap enough to run here.
DOCTEST_PAGES = [
    "chow.rst",
    "impulse.rst",
    "windows_and_leakage.rst",
]


def test_docs_build_without_warnings(tmp_path):
    """Build the HTML docs with warnings as errors."""
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-b",
        "html",
        str(DOCS),
        str(tmp_path / "html"),
    ]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, (
        f"{' '.join(command)} failed with exit status {completed.returncode}:\n"
        f"{completed.stdout}\n{completed.stderr}"
    )
    assert (tmp_path / "html" / "index.html").is_file()


@pytest.mark.parametrize("module_name", DOCUMENTED_MODULES)
def test_module_doctests(module_name):
    """Run the examples in one module's docstrings and print any failures."""
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=DOCTEST_FLAGS, report=True)
    assert result.attempted > 0, f"{module_name} has no doctest examples."
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} doctest examples in "
        f"{module_name} failed; see the captured output."
    )


@pytest.mark.parametrize("page", DOCTEST_PAGES)
def test_page_doctests(page):
    """Run the examples of one documentation page."""
    result = doctest.testfile(
        str(DOCS / page), module_relative=False, optionflags=DOCTEST_FLAGS
    )
    assert result.attempted > 0, f"docs/{page} has no doctest examples."
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} doctest examples in "
        f"docs/{page} failed; see the captured output."
    )
