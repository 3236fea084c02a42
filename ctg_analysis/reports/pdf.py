"""The report as an A4 PDF: its HTML page printed by WeasyPrint (the ``pdf`` extra), with the page's own
print stylesheet (A4 margins, each theme on a new page, headings kept with what follows, vector charts).

WeasyPrint is a well-kept HTML-to-PDF library that needs no browser; it draws text with Pango, a system
library that Linux desktops and the official Docker images of Python ship (on Windows and macOS, see
WeasyPrint's installation page).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from ctg_analysis.errors import CtgError
from ctg_analysis.files import write_bytes

__all__ = ["PDF_EXTRA", "require_pdf", "write_pdf"]

PDF_EXTRA = "pip install 'ctg-analysis[pdf]'"


def require_pdf() -> ModuleType:
    """WeasyPrint, loaded: a batch asked for PDFs checks it before rendering anything.

    Raises
    ------
    CtgError
        WeasyPrint or its system libraries are missing.
    """
    try:
        import weasyprint
    except ImportError as exc:
        raise CtgError(f"le rapport en PDF demande WeasyPrint : {PDF_EXTRA}") from exc
    except OSError as exc:  # WeasyPrint is there, Pango is not
        raise CtgError(
            f"le rapport en PDF demande les bibliothèques Pango de WeasyPrint ({exc}) : voir "
            "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
        ) from exc
    return weasyprint


def write_pdf(page: str, path: Path) -> Path:
    """Print an HTML page (the report's) to ``path`` as a PDF, through a temporary file.

    Raises
    ------
    CtgError
        WeasyPrint or its system libraries are missing.
    """
    write_bytes(path, require_pdf().HTML(string=page, base_url=str(path.parent)).write_pdf())
    return path
