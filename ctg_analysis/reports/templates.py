"""Report templates: jupytext percent files (the package's) or notebooks (a project's copy), turned into
notebooks for papermill, and their declared parameters."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jupytext
import nbformat
import papermill

from ctg_analysis.config import Project
from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.files import write_bytes

__all__ = ["Template", "project_parameters"]


def project_parameters(project: Project) -> dict[str, object]:
    """The template parameters a project's ``ctg.toml`` sets (title, CAF, author, the decks' colour and logo,
    comparison levels, census vintage)."""
    return {
        "title": project.title,
        "caf": project.caf,
        "author": project.author,
        "colour": project.colour,
        "logo": str(project.logo or ""),
        "comparison_levels": list(project.comparison_levels),
        "census_vintage": project.census_vintage,
    }


class Template:
    """A report template, its notebook form and its parameters.

    Parameters
    ----------
    source
        A jupytext ``.py`` (percent format) or an ``.ipynb`` file.
    workdir
        Where to write the notebook papermill runs.
    """

    def __init__(self, source: str | Path, workdir: str | Path) -> None:
        self.source = Path(source).resolve()
        if not self.source.is_file():
            raise CtgError(f"{source} : modèle de rapport introuvable")
        content = self.source.read_bytes()
        self.digest = hashlib.sha256(content).hexdigest()
        try:
            text = content.decode("utf-8")
            notebook = (
                nbformat.reads(text, as_version=4)
                if self.source.suffix == ".ipynb"
                else jupytext.reads(text, fmt="py:percent")
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise CtgError(f"{source} : modèle illisible ({exc})") from None
        # A template written by hand may lack the kernel papermill needs: the Python kernel.
        notebook.metadata.setdefault(
            "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
        )
        self.notebook = Path(workdir).resolve() / f"{self.source.stem}-{self.digest[:12]}.ipynb"
        if not self.notebook.is_file():
            write_bytes(self.notebook, nbformat.writes(notebook).encode("utf-8"))
        self.parameters = papermill.inspect_notebook(str(self.notebook))
        if not self.parameters:
            raise CtgError(f"{source} : aucune cellule « parameters » dans le modèle")

    def check(self, parameters: dict) -> None:
        """Refuse parameters the template does not declare (papermill would only warn)."""
        for name in parameters:
            if name not in self.parameters:
                raise CtgError(
                    f"{self.source} : paramètre {name!r} inconnu du modèle{did_you_mean(name, self.parameters)}"
                )
