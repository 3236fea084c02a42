"""The mutation score of the modules that carry the statistical rules and the safety promises.

Runs mutmut (``pip install mutmut``) in a temporary copy of the checkout, one module at a time, with the
fast tests (mutmut picks, for each mutant, the tests that run its function), and prints the share of
mutants killed per module and every survivor with its diff. The target is at least 80 % killed on
each module. It takes minutes per module (0.3 mutant per second on the project's 2-core machine), so it
does not run in CI::

    python tools/mutation_score.py                      # every module
    python tools/mutation_score.py sources/cache.py     # one module
    python tools/mutation_score.py --no-diffs sources/cache.py actions/followup.py
    python tools/mutation_score.py --sample 20 indicators/terms.py indicators/flags.py

``--sample P`` tests P % of the mutants (those whose number ends with the first P/10 digits of
7, 3, 1, 9, 5…: a systematic sample spread over every function), and prints the share killed with its
95 % Wilson interval: the whole of the indicator computation (about 4,000 mutants, each surviving one
re-running a minute of tests) would take most of a day on two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("CTG_REAL_DATA", ROOT.parent / "shared" / "data" / "real")).resolve()
_INDICATOR_TESTS = [
    "tests/test_indicators.py",
    "tests/test_preparation.py",
    "tests/test_promises.py",
    "tests/test_scope_real.py",
    "tests/test_indicators_real.py",
]
#: Module → the tests that exercise it (the batch's: those on a tiny template, not the full reports).
MODULES = {
    "geography/conversion.py": ["tests/test_conversion.py", "tests/test_reference.py", "tests/test_geography_real.py"],
    **{
        f"indicators/{name}.py": _INDICATOR_TESTS
        for name in (
            "harmonisation",
            "terms",
            "preparation",
            "membership",
            "coverage",
            "aggregation",
            "flags",
            "long_table",
            "encoding",
        )
    },
    "sources/cache.py": ["tests/test_cache.py", "tests/test_promises.py", "tests/test_files.py"],
    "actions/followup.py": ["tests/test_actions.py", "tests/test_promises.py"],
    "reports/batch.py": ["tests/test_batch.py", "tests/test_promises.py"],
    "reports/render.py": ["tests/test_batch.py"],
    "reports/kernels.py": ["tests/test_batch.py"],
    # The safety promises of issue 35: writing, the user's YAML, reading bytes, the tables' formula guard.
    "files.py": ["tests/test_files.py", "tests/test_promises.py", "tests/test_bad_input.py"],
    "yaml_input.py": ["tests/test_territories.py", "tests/test_bad_input.py", "tests/test_actions.py"],
    "sources/_io.py": ["tests/test_io.py", "tests/test_bad_input.py", "tests/test_recognition.py"],
    "exports/tables.py": ["tests/test_exports.py", "tests/test_indicators_cli.py", "tests/test_bad_input.py"],
    # The commentary (issue 17): the sentences, their grammar, the synthesis.
    **{f"commentary/{name}.py": ["tests/test_sentences.py"] for name in ("sentences", "grammar", "synthesis")},
}
_MARKERS = {"reports/batch.py": "not slow", "reports/render.py": "not slow", "reports/kernels.py": "not slow"}
#: Settings of the modules whose tests run Jupyter kernels: a mutant that breaks them makes a test wait on
#: a kernel (mutmut's limit is CPU time, 30 × the tests' own by default: minutes of spinning per mutant),
#: and ZMQ is not safe to fork from mutmut's main process.
_KERNEL_SETTINGS = 'timeout_multiplier = 4.0\nprocess_isolation = "forkserver"\n'
_KERNEL_MODULES = {"reports/batch.py", "reports/render.py", "reports/kernels.py"}
#: The test modules whose module-scoped fixtures run the code under test (the demo or real files prepared once).
_SHARED_FIXTURES = {
    "tests/test_indicators.py",
    "tests/test_scope_real.py",
    "tests/test_indicators_real.py",
    "tests/test_actions.py",
    "tests/test_conversion.py",
}
#: Mutant numbers end with these digits, in this order, in a sample (every function is spread over them).
_SAMPLE_DIGITS = "7319502846"
#: The statuses of a mutant that was tested (not the "not checked" ones left out of a sample).
_TESTED = {"killed", "survived", "no tests", "timeout", "suspicious", "segfault"}


def _copy_checkout(target: Path) -> None:
    """The tracked files (links kept as links)."""
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    )
    for name in filter(None, files):
        source, destination = ROOT / name, target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            destination.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, destination)


def _configure(checkout: Path, module: str) -> None:
    tests = [t for t in MODULES[module] if (checkout / t).is_file()]
    marker = _MARKERS.get(module, "not reports and not slow")
    settings = (
        "\n[tool.mutmut]\n"
        'source_paths = ["ctg_analysis"]\n'
        f'only_mutate = ["ctg_analysis/{module}"]\n'
        'also_copy = ["tests", "ctg.toml", "data"]\n'
        f"pytest_add_cli_args_test_selection = {tests + ['-m', marker]!r}\n".replace("'", '"')
        + 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-W", "ignore"]\n'
        + (_KERNEL_SETTINGS if module in _KERNEL_MODULES else "")
    )
    with open(checkout / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write(settings)


def _mutmut(checkout: Path, *arguments: str, cache: Path | None = None) -> str:
    executable = Path(sys.executable).with_name("mutmut")
    # mutmut runs the tests from its mutants/ copy, one folder deeper: tell them where the real files are.
    environment = {**os.environ, "CTG_REAL_DATA": str(REAL)}
    if cache is not None:  # the real files parsed once for every mutant, not once per mutant
        environment["CTG_TEST_CACHE"] = str(cache)
    done = subprocess.run([str(executable), *arguments], cwd=checkout, capture_output=True, text=True, env=environment)
    if done.returncode not in (0, 1):  # mutmut run exits 1 when mutants survive
        raise SystemExit(f"mutmut {' '.join(arguments)} : échec\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def _widen_to_modules(path: Path) -> None:
    """Credit a function to every test of the test modules whose shared fixtures run it.

    mutmut credits a function to the tests that call it, and a module-scoped fixture (the demo prepared
    once for a whole test module) to the first test that uses it only: the other tests of the module,
    which check the fixture's results, would never run against the mutants of the functions it called.
    """
    stats = json.loads(path.read_text(encoding="utf-8"))
    by_module: dict[str, set[str]] = {}
    for test in stats["duration_by_test"]:
        if test.split("::")[0] in _SHARED_FIXTURES:
            by_module.setdefault(test.split("::")[0], set()).add(test)
    stats["tests_by_mangled_function_name"] = {
        function: sorted({other for test in tests for other in by_module.get(test.split("::")[0], {test})})
        for function, tests in stats["tests_by_mangled_function_name"].items()
    }
    path.write_text(json.dumps(stats), encoding="utf-8")


def score(module: str, *, workers: int, diffs: bool, sample: int = 100) -> tuple[int, int, int, int, list[str]]:
    """Run mutmut on one module; return (killed, of which timed out, tested, generated, survivor descriptions)."""
    with tempfile.TemporaryDirectory(prefix="ctg-mutation-") as work:
        checkout = Path(work) / "main"
        _copy_checkout(checkout)
        _configure(checkout, module)
        chosen = [f"*__mutmut_*{digit}" for digit in _SAMPLE_DIGITS[: sample // 10]] if sample < 100 else ["*"]
        # Not for the cache itself: a mutant of the cache would write what the next ones read.
        cache = None if module == "sources/cache.py" else Path(work) / "real-files-cache"
        # Mutants and test statistics only (no mutant matches the name).
        output = _mutmut(checkout, "run", "--max-children", str(workers), "nothing-yet*", cache=cache)
        stats = checkout / "mutants" / "mutmut-stats.json"
        if not stats.is_file():  # the tests failed without a mutant: nothing can be measured
            raise SystemExit(f"{module} : les tests échouent sans mutant, rien à mesurer\n{output[-3000:]}")
        _widen_to_modules(stats)
        _mutmut(checkout, "run", "--max-children", str(workers), *chosen, cache=cache)
        results = _mutmut(checkout, "results", "--all", "true")
        generated = dict(re.findall(r"^\s*(\S+): (.+)$", results, flags=re.MULTILINE))
        statuses = {name: status for name, status in generated.items() if status in _TESTED}
        killed = sum(status in ("killed", "timeout") for status in statuses.values())  # mutmut's rule: a timeout kills
        timed_out = sum(status == "timeout" for status in statuses.values())
        survivors = []
        for name, status in statuses.items():
            if status in ("killed", "timeout"):
                continue
            line = f"{status:9} {name}"
            if diffs:
                shown = _mutmut(checkout, "show", name)
                line += "\n" + "\n".join(f"            {d}" for d in shown.splitlines() if d[:2] in ("- ", "+ "))
            survivors.append(line)
        return killed, timed_out, len(statuses), len(generated), survivors


def wilson(killed: int, tested: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson interval of a share.

    >>> [round(bound, 3) for bound in wilson(80, 100)]
    [0.711, 0.867]
    """
    if not tested:
        return 0.0, 1.0
    share = killed / tested
    centre = (share + z * z / (2 * tested)) / (1 + z * z / tested)
    half = z * math.sqrt(share * (1 - share) / tested + z * z / (4 * tested * tested)) / (1 + z * z / tested)
    return centre - half, centre + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", default=list(MODULES), help=f"among {', '.join(MODULES)}")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-diffs", action="store_true", help="list the survivors without their diff")
    parser.add_argument(
        "--sample",
        type=int,
        default=100,
        choices=range(10, 101, 10),
        metavar="P",
        help="test P %% of the mutants (10, 20… 100)",
    )
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"module(s) inconnu(s) : {', '.join(unknown)} (attendu {', '.join(MODULES)})")
    lines = []
    for module in args.modules:
        killed, timed_out, tested, generated, survivors = score(
            module, workers=args.workers, diffs=not args.no_diffs, sample=args.sample
        )
        share = killed / tested if tested else 1.0
        line = f"{module:28} {killed:5} / {tested:5} tués  {share:6.1%}  {'ok' if share >= 0.8 else 'sous 80 %'}"
        if timed_out:
            line += f"  (dont {timed_out} par dépassement du temps)"
        if tested < generated:
            low, high = wilson(killed, tested)
            line += f"  (échantillon de {tested} sur {generated} mutants ; intervalle à 95 % : {low:.1%} – {high:.1%})"
        lines.append(line)
        print(lines[-1], flush=True)
        for survivor in survivors:
            print(f"    {survivor}")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
