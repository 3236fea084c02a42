"""``ctg init``: a new analyst project, ready for the official files.

The project holds ``ctg.toml`` (its settings), ``data/raw/`` (the official files, with a README naming
each one, its publisher and where to download it), a commented ``data/territories.yaml``, a
``data/plan-actions.yaml`` template, ``reports/`` and ``notebooks/`` with the report templates as
notebooks, which JupyterLab opens with a double-click and the analyst may customise (a project's
``notebooks/diagnostic.ipynb`` is the template its reports use). With ``demo=True`` the project holds
the demo dataset instead of an empty ``data/raw``.

Nothing already there is overwritten.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from ctg_analysis.config import PROJECT_FILE, Project
from ctg_analysis.errors import CtgError
from ctg_analysis.files import write_bytes
from ctg_analysis.resources import DEMO_DIR, RESOURCES, TEMPLATES_DIR
from ctg_analysis.sources.datasets import DATASETS

__all__ = ["init_project", "template_notebook"]

_PROJECT_TEMPLATES = RESOURCES / "project"
#: Files of the demo folder that go to ``data/`` rather than ``data/raw/``.
_DEMO_SETTINGS = ("territories.yaml", "plan-actions.yaml")


def template_notebook(name: str) -> bytes:
    """The package's template ``name`` (``diagnostic``, ``explore``) as a notebook without outputs.

    Examples
    --------
    >>> import nbformat
    >>> notebook = nbformat.reads(template_notebook("explore").decode(), as_version=4)
    >>> notebook.cells[0].cell_type
    'markdown'
    """
    notebook = jupytext.read(TEMPLATES_DIR / f"{name}.py", fmt="py:percent")
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not paired with a percent file
    return nbformat.writes(notebook).encode("utf-8")


def _raw_readme() -> str:
    lines = [
        "# Fichiers officiels",
        "",
        "Déposez ici les fichiers **tels que téléchargés** (CSV, CSV dans un zip, XLS ou XLSX ; sans les",
        "renommer ni les réenregistrer), dans des sous-dossiers si vous le souhaitez. Chaque fichier est",
        "reconnu par son contenu. N'importe quel sous-ensemble convient : chaque section du rapport dit ce que",
        "les fichiers permettent et lequel la compléterait. Vérifiez le dossier avec « ctg data check ».",
        "",
        "Ou laissez « ctg fetch » les télécharger pour vos territoires (Insee, CNAF, IGN) : chaque fichier",
        "est vérifié et inscrit au verrou fetch.lock.toml (source, date, empreinte SHA-256).",
        "",
        "| jeu de données | fichier à télécharger (éditeur, où) |",
        "|---|---|",
    ]
    lines += [f"| {d.label} | {d.download[0].upper()}{d.download[1:]} |" for d in DATASETS.values()]
    lines += [
        "",
        "La géographie (communes du COG, mouvements, intercommunalités) est fournie avec ctg-analysis ;",
        "des fichiers du COG plus récents déposés ici la complètent.",
        "",
    ]
    return "\n".join(lines)


def init_project(folder: str | Path, *, demo: bool = False) -> list[Path]:
    """Create a project in ``folder`` (created if needed) and return the files written.

    Parameters
    ----------
    folder
        The project folder; it may already hold files, but not a ``ctg.toml``.
    demo
        Put the demo dataset (données fictives) in ``data/raw``, its territories and its plan d'actions
        in ``data/``: every command works at once.

    Raises
    ------
    CtgError
        The folder is already a project.

    Examples
    --------
    >>> written = init_project(tmp / "ma-ctg")  # doctest: +SKIP
    >>> sorted(p.name for p in written)[:3]  # doctest: +SKIP
    ['.gitignore', 'README.md', 'ctg.toml']
    """
    root = Path(folder).expanduser().resolve()
    if (root / PROJECT_FILE).is_file():
        raise CtgError(f"{root} : déjà un projet ctg-analysis ({PROJECT_FILE} existe) ; rien n'a été modifié")
    if root.exists() and not root.is_dir():
        raise CtgError(f"{root} : ce n'est pas un dossier")
    files: dict[str, bytes] = {
        "data/raw/README.md": _raw_readme().encode("utf-8"),
        "data/territories.yaml": (_PROJECT_TEMPLATES / "territories.yaml").read_bytes(),
        "data/plan-actions.yaml": (_PROJECT_TEMPLATES / "plan-actions.yaml").read_bytes(),
        ".gitignore": (_PROJECT_TEMPLATES / "gitignore").read_bytes(),
        **{f"notebooks/{name}.ipynb": template_notebook(name) for name in ("diagnostic", "explore")},
    }
    if demo:
        files |= {f"data/{name}": (DEMO_DIR / name).read_bytes() for name in _DEMO_SETTINGS}
    written = []
    for name, content in files.items():
        if not (root / name).exists():
            write_bytes(root / name, content)
            written.append(root / name)
    if demo:
        for path in sorted(DEMO_DIR.rglob("*")):
            target = root / "data" / "raw" / path.relative_to(DEMO_DIR)
            if path.is_file() and path.name not in _DEMO_SETTINGS and not target.exists():
                write_bytes(target, path.read_bytes())
                written.append(target)
    (root / "reports").mkdir(exist_ok=True)
    # The settings file last: a project exists only once everything it points to is in place.
    write_bytes(root / PROJECT_FILE, (_PROJECT_TEMPLATES / "ctg.toml").read_bytes())
    Project.load(root)
    return [*written, root / PROJECT_FILE]
