"""What a rendered report says of itself, as data: the key figures the notebook writes beside its HTML
(``diagnostic.json``), and the manifest the batch keeps in each territory folder (status, inputs, timing)
that ``--resume`` and the index read. Nothing is read back out of the HTML.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from ctg_analysis.errors import CtgError
from ctg_analysis.files import write_bytes

__all__ = [
    "DOCUMENTS",
    "FAILURE_NOTEBOOK",
    "FAILURE_PAGE",
    "FICHES_DOCX",
    "FICHES_XLSX",
    "FOLLOW_UP_FOLDER",
    "MANIFEST",
    "OTHER_COMMANDS",
    "REPORT_DATA",
    "Status",
    "read_json",
    "write_json",
]

#: The file recording, in each territory folder, what was rendered from which inputs and how it went.
MANIFEST = ".ctg-report.json"
#: The report's own data, written by the notebook beside ``diagnostic.html``: territory and key figures.
REPORT_DATA = "diagnostic.json"
#: A failed rendering's executed notebook, and the French page that says what failed and what to do.
FAILURE_NOTEBOOK = "echec.ipynb"
FAILURE_PAGE = "echec.html"
#: What ``ctg fiches`` and ``ctg suivi`` write in a territory's folder.
FICHES_XLSX = "fiches-actions.xlsx"
FICHES_DOCX = "fiches-actions.docx"
FOLLOW_UP_FOLDER = "suivi"
#: The entries of a territory's folder that other commands wrote: a new report keeps them.
OTHER_COMMANDS = (FICHES_XLSX, FICHES_DOCX, FOLLOW_UP_FOLDER)
#: The documents of a territory's folder the index links, in its order, with their French names.
DOCUMENTS = (
    ("diagnostic.html", "rapport"),
    ("diagnostic.pdf", "PDF"),
    ("diagnostic.xlsx", "classeur"),
    ("diagnostic.pptx", "diaporama"),
    # The exports' names, written out: a report worker imports this module, and not the exports (pandas…).
    ("interactif.html", "page interactive"),
    (FICHES_DOCX, "fiches actions"),
    (FICHES_XLSX, "fiches actions (Excel)"),
    (f"{FOLLOW_UP_FOLDER}/suivi.xlsx", "suivi annuel"),
    (f"{FOLLOW_UP_FOLDER}/suivi.pptx", "diaporama du suivi"),
    (FAILURE_PAGE, "échec : que faire ?"),
)


class Status(StrEnum):
    """How a territory's rendering went (the value is what the CLI and the index print)."""

    OK = "ok"
    FAILED = "échec"
    UP_TO_DATE = "à jour"
    NOT_RENDERED = "non produit"
    INTERRUPTED = "interrompu"


def write_json(path: Path, content: dict) -> Path:
    """Write ``content`` as UTF-8 JSON through a temporary file.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> read_json(write_json(folder / REPORT_DATA, {"status": Status.OK}))
    {'status': 'ok'}
    """
    write_bytes(path, json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8"))
    return Path(path)


def read_json(path: Path) -> dict | None:
    """The content of a JSON file written by :func:`write_json`, ``None`` when absent; a truncated or
    hand-edited file is a French error naming it."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CtgError(f"{path} : fichier JSON illisible ({exc}) ; supprimez-le pour refaire ce rapport") from None
    if not isinstance(content, dict):
        raise CtgError(f"{path} : attendu un objet JSON, trouvé {type(content).__name__}")
    return content
