"""``python -m ctg_analysis.demo [FOLDER]``: (re)write the demo dataset, by default the package's own
(``ctg_analysis/resources/demo``, seen as ``data/demo`` in the repository);
``python -m ctg_analysis.demo --earlier [FOLDER]``: its earlier edition (``resources/demo-2019``)."""

import logging
import sys
from pathlib import Path

from ctg_analysis.demo.generate import write_demo, write_earlier_demo
from ctg_analysis.resources import DEMO_DIR, EARLIER_DEMO_DIR

logging.basicConfig(level=logging.INFO, format="%(message)s")
arguments = sys.argv[1:]
earlier = "--earlier" in arguments
arguments = [a for a in arguments if a != "--earlier"]
default = EARLIER_DEMO_DIR if earlier else DEMO_DIR
target = Path(arguments[0]) if arguments else default
for path in (write_earlier_demo if earlier else write_demo)(target):
    print(path)
