"""Soak: the report batch through the CLI, twice, the second run killed in the middle — nothing lost, nothing left.

    python benchmarks/soak_reports.py [--territories 50] [--workers 2]

On the national synthetic dataset (``national_data.py``), in a fresh project, with every output the
project makes (notebook, HTML, JSON, charts, workbook, deck):

1. ``ctg report`` renders the territories (exit 0 expected);
2. the project's template gains a cell (so every report is due again), and ``ctg report`` renders them
   again, killed with SIGKILL (the whole process group, as a lost session or the OOM killer would) once
   half of them are rewritten;
3. every report folder is checked: each file complete (HTML closed, notebook and JSON parsed, workbook
   and deck valid zip archives, PNG images whole), and the same files as after the first run;
   no process of the killed run is left after a few seconds (kernels included);
4. ``ctg report --resume`` finishes: exit 0, only the reports not yet rewritten rendered, no hidden
   staging folder or template copy left, every report ``ok`` in its manifest and from the new template.

Prints the time of each run and the checks; exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import nbformat
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ctg_analysis.reports.metadata import MANIFEST  # noqa: E402
from ctg_analysis.sources.folder import scan_folder  # noqa: E402
from national_data import DEFAULT_FOLDER, write_national  # noqa: E402

CTG = Path(sys.executable).with_name("ctg")
MARK = "Cellule ajoutée au modèle entre les deux lots."


def _from_new_template(reports: Path) -> set[str]:
    """The reports rendered from the template with the added cell."""
    return {p.parent.name for p in reports.glob("*/diagnostic.html") if MARK in p.read_text(encoding="utf-8")}


def _complete(path: Path) -> str | None:
    """Why a written file is not whole, or None."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        if suffix == ".html" and not data.rstrip().endswith(b"</html>"):
            return "HTML non fermé"
        if suffix == ".ipynb":
            nbformat.reads(data.decode("utf-8"), as_version=4)
        if suffix == ".json":
            json.loads(data)
        if suffix in {".xlsx", ".pptx"} and zipfile.ZipFile(path).testzip() is not None:
            return "archive corrompue"
        if suffix == ".png" and not (data.startswith(b"\x89PNG") and data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82")):
            return "image tronquée"
    except (ValueError, zipfile.BadZipFile, nbformat.ValidationError) as exc:
        return f"illisible ({type(exc).__name__})"
    return None


def _files(reports: Path) -> dict[str, set[str]]:
    """Each report folder's visible files."""
    return {
        folder.name: {
            str(p.relative_to(folder))
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        }
        for folder in reports.iterdir()
        if folder.is_dir() and not folder.name.startswith(".")
    }


def _run(args: list[str], env: dict, *, kill_after: int | None = None, reports: Path | None = None) -> tuple:
    """Run ``ctg``; with ``kill_after``, SIGKILL its process group once that many HTML files are newer
    than the start. Returns (exit code, seconds, reports rewritten before the kill)."""
    start = time.time()
    process = subprocess.Popen([str(CTG), *args], env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    rewritten = 0
    while process.poll() is None:
        time.sleep(0.5)
        if kill_after is not None:
            rewritten = sum(p.stat().st_mtime > start for p in reports.glob("*/diagnostic.html"))
            if rewritten >= kill_after:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                break
    return process.returncode, time.time() - start, rewritten


def _leftover_processes(marker: str) -> list[int]:
    """Processes whose environment holds the run's marker (the command, its workers, their kernels)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--territories", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if not (args.folder / "territories.yaml").is_file():
        write_national(args.folder)
    data, territories = (args.folder / "raw").resolve(), (args.folder / "territories.yaml").resolve()
    scan_folder(data, progress=False)
    ids = [
        f"t{n:04d}"
        for n in sorted(np.random.default_rng(2).choice(np.arange(1, 1251), size=args.territories, replace=False))
    ]
    project = Path(tempfile.mkdtemp(prefix="ctg-soak-"))
    subprocess.run([str(CTG), "init", str(project)], check=True, stdout=subprocess.DEVNULL)
    reports = project / "reports"
    marker = f"soak-{uuid.uuid4()}"
    env = {**os.environ, "CTG_SOAK_RUN": marker, "CTG_QUIET": "1"}
    command = [
        "--project",
        str(project),
        "report",
        *[a for t in ids for a in ("--territory", t)],
        "--data",
        str(data),
        "--territories",
        str(territories),
        "--workers",
        str(args.workers),
    ]
    failures = []

    code, first, _ = _run(command, env)
    print(f"{len(ids)} territoires du jeu national, {args.workers} processus ; projet {project}")
    print(f"  1. premier lot : {first:6.1f} s, code {code}")
    if code != 0:
        failures.append(f"premier lot : code {code}")
    before = _files(reports)

    # A new cell in the project's template: every report is due again.
    template = project / "notebooks" / "diagnostic.ipynb"
    notebook = nbformat.read(template, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell(MARK))
    nbformat.write(notebook, template)
    code, killed_after, rewritten = _run(command, env, kill_after=len(ids) // 2, reports=reports)
    print(f"  2. second lot tué (SIGKILL) après {killed_after:5.1f} s, {rewritten} rapports réécrits")
    time.sleep(5)  # kernels notice their parent is gone
    left = _leftover_processes(marker)
    after = _files(reports)
    broken = [
        f"{folder}/{name} : {why}"
        for folder, names in after.items()
        for name in names
        if (why := _complete(reports / folder / name))
    ]
    lost = {f: sorted(before[f] - after.get(f, set())) for f in before if before[f] - after.get(f, set())}
    staging = [p.name for p in reports.iterdir() if p.name.startswith(".") and p.is_dir()]
    print(
        f"  3. après l'arrêt : {len(after)} dossiers, {sum(map(len, after.values()))} fichiers, "
        f"{len(broken)} incomplet(s), {len(lost)} dossier(s) ayant perdu des fichiers, "
        f"{len(left)} processus restant(s), {len(staging)} dossier(s) de travail cachés (laissés au lot suivant)"
    )
    failures += broken + [f"{f} : perdu {names}" for f, names in lost.items()]
    new = _from_new_template(reports)
    print(f"     {len(new)} rapports du nouveau modèle, {len(after) - len(new)} de l'ancien, chacun entier")
    if left:
        failures.append(f"processus restants : {left}")

    code, resumed, _ = _run([*command, "--resume"], env)
    rendered = len(_from_new_template(reports)) - len(new)
    staging = [p.name for p in reports.iterdir() if p.name.startswith(".") and p.is_dir()]
    template_copies = list((project / "data" / "processed").glob("modeles/.ctg-modele.*"))
    statuses = {
        folder.name: json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("status")
        for folder in reports.iterdir()
        if (folder / MANIFEST).is_file()
    }
    not_ok = {k: v for k, v in statuses.items() if v != "ok"}
    print(
        f"  4. reprise (--resume) : {resumed:5.1f} s, code {code}, {rendered} rapports refaits ; {len(statuses)} "
        f"rapports dont {len(statuses) - len(not_ok)} « ok », {len(_from_new_template(reports))} du nouveau modèle, "
        f"{len(staging)} dossier(s) de travail et {len(template_copies)} copie(s) du modèle restant(s)"
    )
    if (
        code != 0
        or not_ok
        or staging
        or template_copies
        or len(statuses) != len(ids)
        or len(_from_new_template(reports)) != len(ids)
        or rendered != len(ids) - len(new)
    ):
        failures.append(f"reprise : code {code}, statuts {not_ok}, restes {staging + template_copies}")
    print("  rien de perdu, rien de laissé" if not failures else "  ÉCHECS :\n    " + "\n    ".join(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
