"""``python tools/write_demo.py [FOLDER]``: (re)write the demo dataset, by default the package's own
(``ctg_analysis/resources/demo``, seen as ``data/demo`` in the repository);
``python tools/write_demo.py --earlier [FOLDER]``: its earlier edition (``resources/demo-2019``).

The demo's two hand-written files, its territories and its worked plan d'actions, are read from
``resources/demo`` and written again unchanged."""

import logging
import sys
from pathlib import Path

from ctg_analysis.resources import DEMO_DIR, EARLIER_DEMO_DIR
from demo.generate import write_demo, write_earlier_demo

logging.basicConfig(level=logging.INFO, format="%(message)s")
arguments = sys.argv[1:]
earlier = "--earlier" in arguments
arguments = [a for a in arguments if a != "--earlier"]
default = EARLIER_DEMO_DIR if earlier else DEMO_DIR
target = Path(arguments[0]) if arguments else default
for path in (write_earlier_demo if earlier else write_demo)(target):
    print(path)
