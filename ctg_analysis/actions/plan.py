"""The plan d'actions written by the partners: one entry per action, in YAML or in an Excel sheet.

YAML (``actions:`` list) or XLSX (first sheet, one row per action, headers in the first row) with the
fields of the seed's fiche action; the indicators chosen for the evaluation are catalogue ids, each with
an optional target (``taux_activite_femmes: 75`` in a cell, ``{id: taux_activite_femmes, cible: 75}`` in
YAML). Every problem of the file is reported at once, with the action, the field and a suggestion.

Example (YAML)::

    actions:
      - thématique: Parentalité
        action: Maintenir l'information et faciliter les démarches des parents et futurs parents
        public_cible: Parents et futurs parents d'enfants de moins de 3 ans
        indicateurs: [naissances, evol_0_2, {id: taux_activite_femmes, cible: 75}]
        autres_indicateurs: [Nombre de familles rencontrées en individuel, Nombre de réunions organisées]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ctg_analysis.commentary.sentences import load_phrases, normalise_thematique
from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.indicators.catalogue import all_indicators
from ctg_analysis.yaml_input import load_yaml

__all__ = ["FIELDS", "Action", "EvaluationIndicator", "Plan", "load_plan"]

#: The fields of a fiche action, in the seed's order: key in the plan file → French label.
FIELDS = {
    "numéro": "Fiche action n°",
    "thématique": "Thématique",
    "action": "Action",
    "diagnostic": "Diagnostic initial",
    "public_cible": "Public cible",
    "objectifs": "Objectifs opérationnels",
    "modalités": "Modalités de mise en œuvre",
    "échéances": "Échéances de réalisation",
    "référents": "Référents de l'action",
    "résultats": "Résultats attendus",
    "partenaires": "Services mobilisés / Partenaires sollicités",
    "indicateurs": "Indicateurs d'évaluation",
    "autres_indicateurs": "Autres indicateurs d'évaluation",
    "financements": "Financements mobilisables",
}
_REQUIRED = ("thématique", "action")
_TEXT_FIELDS = [k for k in FIELDS if k not in ("numéro", "indicateurs", "autres_indicateurs")]


@dataclass(frozen=True)
class EvaluationIndicator:
    """A catalogue indicator chosen to evaluate an action, with its optional target."""

    id: str
    target: float | None = None


@dataclass(frozen=True)
class Action:
    """One action of the plan: its number, thématique, texts and evaluation indicators.

    ``texts`` maps the keys of :data:`FIELDS` (public_cible, objectifs…) to the partners' text; a
    missing field is an empty string, left for the partners to fill.
    """

    number: int
    thematique: str
    title: str
    texts: dict[str, str] = field(default_factory=dict)
    indicators: tuple[EvaluationIndicator, ...] = ()
    other_indicators: tuple[str, ...] = ()

    def text(self, key: str) -> str:
        """The partners' text of a field, or an empty string."""
        return self.texts.get(key, "")


@dataclass(frozen=True)
class Plan:
    """The validated plan d'actions of a territory."""

    actions: tuple[Action, ...]
    territory: str | None = None
    source: str = ""

    def targets(self) -> dict[str, float]:
        """The target of each evaluation indicator (the last one given when two actions set one)."""
        return {i.id: i.target for a in self.actions for i in a.indicators if i.target is not None}


def _key(header: str) -> str:
    return normalise_thematique(header).replace(" ", "_").replace("'", "_")


_ALIASES = (
    {_key(k): k for k in FIELDS}
    | {_key(label): k for k, label in FIELDS.items()}
    | {"n°": "numéro", "no": "numéro", "numero": "numéro"}
)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def _number(value, where: str, problems: list[str]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(str(value).replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        problems.append(f"{where} : cible {value!r} n'est pas un nombre")
        return None


def _indicators(value, where: str, problems: list[str]) -> tuple[EvaluationIndicator, ...]:
    """Indicators from a YAML list (ids or {id, cible}) or a cell (``naissances; taux_activite_femmes: 75``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, str):
        value = [part for part in re.split(r"[;\n]|,(?!\d)", value) if part.strip()]
    if not isinstance(value, list):
        problems.append(f"{where} : indicateurs attendus en liste, trouvé {value!r}")
        return ()
    known = [i.id for i in all_indicators()]
    chosen = []
    for item in value:
        if isinstance(item, dict):
            indicator_id, target = str(item.get("id", "")).strip(), item.get("cible")
        else:
            indicator_id, _, target = str(item).partition(":")
            indicator_id = indicator_id.strip()
        if indicator_id not in known:
            problems.append(f"{where} : indicateur {indicator_id!r} inconnu{did_you_mean(indicator_id, known)}")
            continue
        chosen.append(
            EvaluationIndicator(indicator_id, _number(target, f"{where}, indicateur {indicator_id}", problems))
        )
    return tuple(chosen)


def _entries(path: Path) -> tuple[list[dict], str | None]:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            raw = load_yaml(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CtgError(f"{path} : fichier YAML illisible ({exc})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("actions"), list):
            raise CtgError(f"{path} : une liste « actions: » est attendue à la racine du fichier")
        return raw["actions"], raw.get("territoire")
    if suffix == ".xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="calamine")
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
            raise CtgError(f"{path} : classeur illisible ({exc})") from None
        frame = frame.dropna(how="all")
        unknown = [c for c in frame.columns if _key(str(c)) not in _ALIASES]
        if unknown:
            column = str(unknown[0])
            raise CtgError(
                f"{path} : colonne {column!r} inconnue{did_you_mean(column, list(FIELDS.values()))} ; colonnes "
                f"attendues : {', '.join(FIELDS.values())}"
            )
        frame.columns = [_ALIASES[_key(str(c))] for c in frame.columns]
        return frame.to_dict("records"), None
    raise CtgError(f"{path} : format de plan non reconnu (attendu .yaml, .yml ou .xlsx)")


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan d'actions.

    Parameters
    ----------
    path
        A ``.yaml``/``.yml`` file with an ``actions:`` list, or an ``.xlsx`` workbook whose first sheet
        holds one action per row.

    Raises
    ------
    CtgError
        Listing every problem: unknown field or column, missing thématique or action, unknown thématique
        or indicator id (with a suggestion), target that is not a number, duplicated number.

    Examples
    --------
    >>> from ctg_analysis.resources import RESOURCES
    >>> plan = load_plan(RESOURCES / "demo" / "plan-actions.yaml")
    >>> plan.actions[0].title[:60]
    "Maintenir l'information, l'orientation et faciliter les déma"
    """
    path = Path(path)
    if not path.is_file():
        raise CtgError(f"{path} : plan d'actions introuvable")
    entries, territory = _entries(path)
    phrases = load_phrases()
    problems: list[str] = []
    actions = []
    row_offset = 2 if path.suffix.lower() == ".xlsx" else 1  # a sheet's first action is on row 2
    for n, entry in enumerate(entries):
        where = f"action {n + 1}" + (f" (ligne {n + row_offset})" if row_offset == 2 else "")
        if not isinstance(entry, dict):
            problems.append(f"{where} : champs attendus (thématique, action…), trouvé {entry!r}")
            continue
        entry = {_ALIASES.get(_key(str(k)), str(k)): v for k, v in entry.items()}
        for key in entry:
            if key not in FIELDS:
                problems.append(f"{where} : champ {key!r} inconnu{did_you_mean(key, list(FIELDS))}")
        missing = [k for k in _REQUIRED if not _text(entry.get(k))]
        problems += [f"{where} : champ {k!r} manquant" for k in missing]
        thematique = _text(entry.get("thématique"))
        if thematique:
            try:
                phrases.thematique_indicators(thematique)
            except CtgError as exc:
                problems.append(f"{where} : {exc}")
        number = _number(entry.get("numéro"), where, problems) if _text(entry.get("numéro")) else n + 1
        actions.append(
            Action(
                number=int(number or n + 1),
                thematique=thematique,
                title=_text(entry.get("action")),
                texts={k: _text(entry.get(k)) for k in _TEXT_FIELDS if _text(entry.get(k))},
                indicators=_indicators(entry.get("indicateurs"), where, problems),
                other_indicators=tuple(line for line in _text(entry.get("autres_indicateurs")).split("\n") if line),
            )
        )
    numbers = [a.number for a in actions]
    problems += [f"numéro de fiche {n} en double" for n in sorted({n for n in numbers if numbers.count(n) > 1})]
    if not entries:
        problems.append("aucune action")
    if problems:
        raise CtgError(f"{path} : plan d'actions invalide :\n  - " + "\n  - ".join(problems))
    return Plan(tuple(actions), territory=str(territory) if territory else None, source=str(path))
