"""``python -m ctg_analysis.demo [FOLDER]``: (re)write the demo dataset, by default into ``data/demo``;
``python -m ctg_analysis.demo --earlier [FOLDER]``: its earlier edition, by default into ``data/demo-2019``."""

import logging
import sys
from pathlib import Path

from ctg_analysis.config import settings
from ctg_analysis.demo.generate import EARLIER_EDITION, write_demo, write_earlier_demo

logging.basicConfig(level=logging.INFO, format="%(message)s")
arguments = sys.argv[1:]
earlier = "--earlier" in arguments
arguments = [a for a in arguments if a != "--earlier"]
default = settings.demo_dir.with_name(f"demo-{EARLIER_EDITION}") if earlier else settings.demo_dir
target = Path(arguments[0]) if arguments else default
for path in (write_earlier_demo if earlier else write_demo)(target):
    print(path)
