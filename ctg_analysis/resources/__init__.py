"""Package data: everything the toolkit reads at run time ships inside the package (nothing is read
from a source checkout).

- ``demo/`` and ``demo-2019/``: the synthetic demo dataset in the official layouts, and its earlier
  edition (written by ``python tools/write_demo.py`` in a clone of the repository);
- ``notebooks/``: the report templates (jupytext percent files);
- ``geography/``: the official geography (built by ``tools/build_geography.py``);
- ``ctg.mplstyle``, ``departements.csv``: the house style, the départements' grammar.
"""

from pathlib import Path

__all__ = ["DEMO_CAF", "DEMO_DIR", "EARLIER_DEMO_DIR", "RESOURCES", "TEMPLATES_DIR"]

RESOURCES = Path(__file__).resolve().parent
#: The demo dataset (census 2019, births to 2021, CAF 2020) and its earlier edition (a CTG signed in 2019).
DEMO_DIR = RESOURCES / "demo"
EARLIER_DEMO_DIR = RESOURCES / "demo-2019"
#: The CAF a report on the demo data names when its project names none: the demo's, never real data's.
DEMO_CAF = "CAF de démonstration"
#: The report templates: ``diagnostic.py`` (the report), ``explore.py`` (a walk through the library).
TEMPLATES_DIR = RESOURCES / "notebooks"
