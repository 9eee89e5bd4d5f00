"""Sphinx configuration of the skforecast_lstm documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
from the repository root. The build needs no network access.
"""

import re
import sys
from pathlib import Path

# Document the working tree even when the package is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import skforecast_lstm  # noqa: E402

project = "skforecast_lstm"
release = skforecast_lstm.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

# No intersphinx: the build must not fetch inventories over the network.

exclude_patterns = ["_build"]
root_doc = "index"
html_theme = "alabaster"
html_static_path = []

# List members in source order.
autodoc_member_order = "bysource"
autodoc_typehints = "none"

# The API page lists methods with autodoc's :members:, so numpydoc must not
# add its own autosummary table of members (which needs stub pages).
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
# Numpydoc's type cross-references would point at Python, NumPy and pandas
# objects that cannot be resolved without intersphinx.
numpydoc_xref_param_type = False

# A "name : type" line of a numpydoc section such as
# "feature_names_in_ : ndarray of shape (n_features_in_,)" follows
# scikit-learn's convention, but reST reads "n_features_in_" in the type as a
# reference to a hyperlink target named "n_features_in" and fails. Escape the
# trailing underscore of such names in the type, before numpydoc runs.
_FIELD_LINE = re.compile(r"^(?P<head>\s*[*\w][\w, *\\]* : )(?P<type>.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[^\w]|$)")


def escape_type_underscores(app, what, name, obj, options, lines):
    """Escape trailing underscores of names in the types of numpydoc fields."""
    for number, line in enumerate(lines):
        match = _FIELD_LINE.match(line)
        if match:
            escaped = _TRAILING_UNDERSCORE.sub(r"\\_", match["type"])
            lines[number] = match["head"] + escaped


def setup(app):
    # numpydoc listens to the same event at the default priority, 500, and
    # listeners with a lower number run first.
    app.connect("autodoc-process-docstring", escape_type_underscores, priority=400)
