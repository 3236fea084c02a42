"""``reports/index.html``: every territory with its status, key figures and links (labels escaped)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ctg_analysis.errors import CtgError
from ctg_analysis.exports.interactive import overview_name
from ctg_analysis.files import write_bytes
from ctg_analysis.reports.metadata import DOCUMENTS, MANIFEST, Status, read_json

__all__ = ["refresh_index", "write_index"]

#: How many of a report's key figures the index shows.
_SHOWN_FIGURES = 5

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; }
h1 { color: #08306B; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.5em; text-align: left; vertical-align: top; }
th { background: #08306B; color: white; }
.ok { color: #1a7f37; font-weight: bold; }
.echec { color: #b42318; font-weight: bold; }
"""


def write_index(
    reports_dir: str | Path,
    territories: list[tuple[str, str, str]],
    *,
    demo: bool = False,
    failures: dict[str, str] | None = None,
    interrupted: tuple[str, ...] = (),
) -> Path:
    """Write the index of the reports folder.

    Parameters
    ----------
    reports_dir
        The reports folder.
    territories
        (territory id, label, slug) of every territory to list, in order.
    demo
        Say that the reports use the demo data.
    failures
        Territories that could not be rendered at all (an invalid definition): id → French reason.
    interrupted
        Territories whose rendering was stopped (Ctrl-C): a report of an earlier run stays, and is said so.
    """
    failures = failures or {}
    reports = Path(reports_dir)
    rows = []
    for territory_id, label, slug in territories:
        try:
            info = read_json(reports / slug / MANIFEST) or {"status": Status.NOT_RENDERED}
        except CtgError as exc:  # a manifest cut short by a crash: the report is not vouched for
            info = {"status": Status.NOT_RENDERED, "error": str(exc)}
        if territory_id in failures:
            info = {"status": Status.FAILED, "error": failures[territory_id]}
        elif territory_id in interrupted:
            kept = " ; le rapport précédent est conservé" if info.get("status") == Status.OK else ""
            info = {"status": Status.INTERRUPTED, "error": f"rendu interrompu{kept} (relancez avec --resume)"}
        status = info.get("status", Status.NOT_RENDERED)
        links = []
        for name, title in DOCUMENTS:
            if (reports / slug / name).is_file():
                links.append(f'<a href="{html.escape(slug)}/{name}">{title}</a>')
        lines = [f"{f['label']} ({f['period']}) : {f['text']}" for f in info.get("key_figures", [])[:_SHOWN_FIGURES]]
        figures = "<br>".join(html.escape(line) for line in lines or [info.get("error", "")] if line)
        css = "ok" if status == Status.OK else "echec" if status == Status.FAILED else ""
        rows.append(
            f"<tr><td>{html.escape(label)}<br><small>{html.escape(territory_id)}</small></td>"
            f'<td class="{css}">{html.escape(status)}</td><td>{figures}</td><td>{" · ".join(links)}</td></tr>'
        )
    warning = "<p><strong>Données fictives de démonstration.</strong></p>" if demo else ""
    warning += _overviews(reports)
    # What the page lists, kept in it for refresh_index once another command adds documents to a territory's folder.
    listing = {"territories": territories, "demo": demo, "failures": failures, "interrupted": list(interrupted)}
    kept = json.dumps(listing, ensure_ascii=False).replace("<", "\\u003c")  # no tag can close the script
    page = (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Diagnostics CTG</title>'
        f'<style>{_STYLE}</style><script type="application/json" id="{_LISTING}">{kept}</script></head>'
        f"<body><h1>Diagnostics partagés CTG</h1>{warning}"
        "<table><tr><th>Territoire</th><th>Statut</th><th>Chiffres clés</th><th>Documents</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )
    path = reports / "index.html"
    write_bytes(path, page.encode("utf-8"))
    return path


def refresh_index(reports_dir: str | Path) -> Path | None:
    """Write the index again, listing what it listed, after ``ctg fiches`` or ``ctg suivi`` added documents to a
    territory's folder (they appeared only at the next ``ctg report``); ``None`` when no index was written yet.

    Examples
    --------
    >>> write_index(tmp, [("t", "T", "t")]).name, refresh_index(tmp).name
    ('index.html', 'index.html')
    """
    reports = Path(reports_dir)
    try:
        page = (reports / "index.html").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(rf'<script type="application/json" id="{_LISTING}">(.*?)</script>', page, re.DOTALL)
    if found is None:  # an index of an earlier version: the next report writes it
        return None
    listing = json.loads(found.group(1))
    territories = [(str(tid), str(label), str(slug)) for tid, label, slug in listing["territories"]]
    return write_index(
        reports,
        territories,
        demo=bool(listing["demo"]),
        failures={str(k): str(v) for k, v in (listing.get("failures") or {}).items()},
        interrupted=tuple(listing.get("interrupted") or ()),
    )


def _overviews(reports: Path) -> str:
    """A line linking the département overviews of the folder (``ctg report --overview``), if any."""
    pages = sorted(reports.glob(overview_name("*")))
    if not pages:
        return ""
    links = " · ".join(
        f'<a href="{html.escape(page.name)}">{html.escape(page.stem.removeprefix("apercu-"))}</a>' for page in pages
    )
    return f"<p>Aperçus départementaux (toutes les communes et tous les EPCI, pour choisir un périmètre) : {links}</p>"


#: The id of the index's own record of what it lists.
_LISTING = "ctg-liste"
