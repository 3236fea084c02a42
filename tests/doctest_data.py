"""A pytest plugin (``-p doctest_data`` in pyproject.toml): the names the package's docstring examples use,
built once from the demo data (``folder``, ``prepared``, ``territories``, ``table``) and a temporary folder
(``tmp``), so that the examples run as doctests instead of being skipped."""

from __future__ import annotations

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(scope="session")
def _demo_diagnostic():
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.resources import DEMO_DIR

    diagnostic = Diagnostic.open(DEMO_DIR, progress=False)
    return diagnostic, diagnostic.table()


@pytest.fixture(autouse=True)
def _doctest_names(request):
    """Only for the docstring examples: the demo's data, and a temporary working folder."""
    if not isinstance(request.node, DoctestItem):
        return
    import matplotlib

    matplotlib.use("Agg")
    diagnostic, table = request.getfixturevalue("_demo_diagnostic")
    namespace = request.getfixturevalue("doctest_namespace")
    namespace.update(
        folder=diagnostic.folder,
        prepared=diagnostic.prepared,
        territories=diagnostic.territories,
        table=table,
        tmp=request.getfixturevalue("tmp_path"),
    )
