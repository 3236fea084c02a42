"""The type check of .ci/run: mypy on the package (configured in pyproject.toml: strict on the data layers and
the configuration), each module's errors held against ``tools/mypy-baseline.txt``.

A module may not have more errors than its baseline; one that has fewer must lower its line (or lose it), so
that the baseline only shrinks. Strict modules have no line: any error there fails.

    python tools/type_check.py            # check (exit 1 on a new error, or on a baseline to lower)
    python tools/type_check.py --update   # write the baseline from the errors of today (never raise it by hand)

mypy and the stubs are pinned in the ``test`` extra: a new release moves the counts, so raise them together
with an ``--update``.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tools" / "mypy-baseline.txt"
_ERROR = re.compile(r"^(?P<file>[^:]+\.py):\d+: error: ")


def errors_per_file() -> tuple[dict[str, int], str]:
    """mypy's error count per file, and its whole output."""
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    if run.returncode not in (0, 1):  # 2: mypy itself could not run (configuration, crash)
        sys.exit(f"mypy could not run:\n{run.stdout}{run.stderr}")
    found = (m["file"] for line in run.stdout.splitlines() if (m := _ERROR.match(line)))
    return dict(collections.Counter(found)), run.stdout


def read_baseline() -> dict[str, int]:
    lines = (line.split("#")[0].split() for line in BASELINE.read_text(encoding="utf-8").splitlines())
    return {file: int(count) for file, count in (line for line in lines if line)}


def main() -> int:
    counts, output = errors_per_file()
    if "--update" in sys.argv[1:]:
        header = "# mypy errors allowed per module (tools/type_check.py): this file only shrinks.\n"
        BASELINE.write_text(header + "".join(f"{f} {n}\n" for f, n in sorted(counts.items())), encoding="utf-8")
        print(f"{BASELINE.relative_to(ROOT)}: {sum(counts.values())} errors in {len(counts)} modules")
        return 0
    allowed = read_baseline()
    worse = {f: n for f, n in counts.items() if n > allowed.get(f, 0)}
    better = {f: n for f, n in allowed.items() if counts.get(f, 0) < n}
    for file, count in sorted(worse.items()):
        print(f"{file}: {count} mypy errors, {allowed.get(file, 0)} allowed:")
        print("".join(line + "\n" for line in output.splitlines() if line.startswith(f"{file}:")), end="")
    for file, count in sorted(better.items()):
        print(f"{file}: {counts.get(file, 0)} mypy errors, fewer than its baseline {count}: lower it (--update)")
    if worse or better:
        return 1
    print(f"mypy: {sum(counts.values())} errors, each module within its baseline (tools/mypy-baseline.txt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
