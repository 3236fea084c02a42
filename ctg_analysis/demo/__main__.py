"""``python -m ctg_analysis.demo [FOLDER]``: (re)write the demo dataset, by default into ``data/demo``."""

import logging
import sys
from pathlib import Path

from ctg_analysis.config import settings
from ctg_analysis.demo.generate import write_demo

logging.basicConfig(level=logging.INFO, format="%(message)s")
target = Path(sys.argv[1]) if len(sys.argv) > 1 else settings.demo_dir
for path in write_demo(target):
    print(path)
