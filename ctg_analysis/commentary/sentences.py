"""French sentences about the figures of the long table: one commentary for every document.

The report's theme commentary (:func:`theme_sentences`), the deck's speaker notes and the "Diagnostic
initial" box of the fiches actions (:func:`diagnostic_text`) are all written by :func:`describe`. A report
*theme* (:data:`~ctg_analysis.themes.THEMES`: a section of the report) and a CTG *thématique* (the fiches'
fields of action, listed in ``phrases.yaml``) are two vocabularies, with distinct names here.

The wording lives in ``phrases.yaml`` (templates, subjects and their gender, the counted nouns, the
caveats, the default indicators of each CTG thématique), which a non-developer can edit; this module
only chooses the template and fills its fields: numbers in French, singular or plural, agreement,
elision and contraction.

>>> import textwrap
>>> print(textwrap.fill(diagnostic_text(table, "ezanville", indicators=["naissances", "evol_0_2"]), 100))
104 naissances domiciliées en 2021 sur la commune d'Ézanville. Le nombre d'enfants de 0 à 2 ans
progresse de 25,7\u00a0% entre 2013 et 2019, contre +6,0\u00a0% dans le département. Données fictives de
démonstration.
"""

from __future__ import annotations

import functools
import logging
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ctg_analysis.codes import departement_of, departements
from ctg_analysis.commentary.grammar import agree, capitalise, de, is_plural, with_article
from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.formatting import FrenchText, format_value
from ctg_analysis.indicators.catalogue import Indicator, all_indicators, get_indicator, indicators_of_theme
from ctg_analysis.indicators.comparisons import position
from ctg_analysis.indicators.display import coverage_said, latest_period, territory_rows
from ctg_analysis.indicators.flags import DEMO_FLAG, NOT_COMPARED, forbids_comparison
from ctg_analysis.sources.datasets import get_dataset
from ctg_analysis.text import in_sentence, plain
from ctg_analysis.themes import THEME_IDS, get_theme
from ctg_analysis.yaml_input import load_yaml

__all__ = [
    "Phrases",
    "Sentence",
    "commented_indicators",
    "describe",
    "diagnostic_text",
    "load_phrases",
    "normalise_thematique",
    "theme_sentences",
]

log = logging.getLogger(__name__)

_KNOWN_FIELDS = {
    "valeur",
    "année",
    "début",
    "fin",
    "évolution",
    "référence",
    "comparaisons",
    "lieu",
    "de_lieu",
    "de_niveau",
    "dans_niveau",
    "Sujet",
    "sujet",
    "nom",
    "Aucun",
    "supérieur",
    "inférieur",
    "comparable",
    "celui",
    "de_nom",
    "minimum",
    "maximum",
    "nombre",
    "éditeur",
    "contexte",
}
#: The cases of the sentence for a value not published for a grouping: one commune gives it, several.
_NOT_PUBLISHED_KEYS = ("une", "plusieurs")
#: Wording added since: optional, so that an analyst's older copy of phrases.yaml still loads.
_OPTIONAL_NOT_PUBLISHED_KEYS = ("contexte", "départemental")
_TEMPLATE_KEYS = {
    "effectif": ("zéro", "nombre"),
    "effectif_période": ("zéro", "nombre"),
    "évolution": ("hausse", "baisse", "stable", "comparaison"),
    "position": ("supérieur", "inférieur", "comparable", "plusieurs", "seul"),
}


@dataclass(frozen=True)
class Phrases:
    """The editable wording of ``phrases.yaml`` (see that file for the meaning of each part)."""

    templates: dict
    places: dict
    levels: dict
    tolerance_points: float
    tolerance_relative: float
    warnings: dict[str, str]
    thematiques: dict[str, list[str]]
    subjects: dict[str, dict]
    source: str

    def subject(self, indicator_id: str) -> dict:
        """Subject, gender and counted noun of an indicator; an evolution takes those of what it measures."""
        indicator = get_indicator(indicator_id)
        measured = get_indicator(indicator.of) if indicator.is_change and indicator.of else indicator
        if measured.id in self.subjects:
            return self.subjects[measured.id]
        # No wording (a project's own indicator, an older copy of phrases.yaml): the catalogue label.
        log.warning(
            "%s : pas de formulation pour l'indicateur %r ; le libellé du catalogue est utilisé",
            self.source,
            measured.id,
        )
        label = in_sentence(measured.label)
        return {
            "sujet": f"l'indicateur « {measured.label} »",
            "genre": "m",
            "singulier": label,
            "pluriel": label,
            "genre_nom": "m",
        }

    def thematique_indicators(self, thematique: str) -> list[str]:
        """The default indicators of a CTG thématique, whatever its case and accents."""
        wanted = normalise_thematique(thematique)
        for name, indicators in self.thematiques.items():
            if normalise_thematique(name) == wanted:
                return list(indicators)
        raise CtgError(
            f"thématique {thematique!r} inconnue{did_you_mean(thematique, list(self.thematiques))} ; thématiques "
            f"connues : {', '.join(self.thematiques)}"
        )


def normalise_thematique(thematique: str) -> str:
    """A thématique compared without case, accents, hyphens or extra spaces (``PARENTALITÉ`` = ``parentalite``)."""
    return " ".join(plain(thematique).replace("-", " ").replace("’", "'").split())


def commented_indicators(theme: str) -> list[str]:
    """The indicators a report theme's commentary describes: its rates, shares and evolutions, each set
    against the département (a count, summed or published, is read in the theme's table; an annual rate
    repeats its evolution), and the counts published by département only, whose sentence gives the
    territory's département's value in place of its own.

    Examples
    --------
    >>> commented_indicators("petite enfance")  # doctest: +NORMALIZE_WHITESPACE
    ['part_0_2', 'evol_0_2', 'part_3_5', 'evol_3_5', 'taux_natalite', 'taux_couverture_accueil',
     'taux_couverture_eaje', 'taux_couverture_assistants_maternels', 'part_allocataires_paje']
    """
    return [
        i.id
        for i in indicators_of_theme(theme)
        if not (i.is_count or i.kind == "annual_rate" or i.unit == "nombre")  # a published count (places) too
        or (i.kind == "published" and get_dataset(i.datasets[0]).departemental)
    ]


def _check_template(text: object, where: str, source: str) -> None:
    if not isinstance(text, str):
        raise CtgError(f"{source} : {where} doit être un texte entre guillemets")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise CtgError(f"{source} : {where} : accolades mal fermées ({exc})") from None
    unknown = names - _KNOWN_FIELDS
    if unknown:
        field = min(unknown)
        raise CtgError(f"{source} : {where} : champ {{{field}}} inconnu{did_you_mean(field, _KNOWN_FIELDS)}")


def _require(mapping: object, key: str, where: str, source: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise CtgError(f"{source} : {where} : clé {key!r} manquante")
    return mapping[key]


def load_phrases(path: str | Path | None = None) -> Phrases:
    """Read and check the wording file (default: the ``phrases.yaml`` shipped with the package).

    Every template is checked for unknown fields, every indicator of the catalogue must have a subject,
    every thématique must list known indicators; a problem is a :class:`CtgError` naming the key. Your
    own copy is read again at each call, so edits show at once in JupyterLab.
    """
    if path is None:
        return _shipped_phrases()
    path = Path(path)
    if not path.is_file():
        raise CtgError(f"{path} : fichier de phrases introuvable")
    return _parse_phrases(path.read_text(encoding="utf-8"), str(path))


@functools.cache
def _shipped_phrases() -> Phrases:
    text = resources.files("ctg_analysis.commentary").joinpath("phrases.yaml").read_text(encoding="utf-8")
    return _parse_phrases(text, "phrases.yaml")


def _check_templates(templates: dict[str, Any], source: str) -> None:
    """The sentence templates: the required ones, and the optional ones where given (an older copy of
    ``phrases.yaml`` without them says « n'est pas disponible » instead)."""
    for group, keys in _TEMPLATE_KEYS.items():
        for key in keys:
            _check_template(
                _require(_require(templates, group, "modèles", source), key, f"modèles.{group}", source),
                f"modèles.{group}.{key}",
                source,
            )
    for key in ("manquant", "liste", "et"):
        _check_template(_require(templates, key, "modèles", source), f"modèles.{key}", source)
    if "absent" in templates:
        _check_template(templates["absent"], "modèles.absent", source)
    if "non_publié" in templates:
        for key in _NOT_PUBLISHED_KEYS:
            where = f"modèles.non_publié.{key}"
            _check_template(_require(templates["non_publié"], key, "modèles.non_publié", source), where, source)
        for key in _OPTIONAL_NOT_PUBLISHED_KEYS:
            if key in templates["non_publié"]:
                _check_template(templates["non_publié"][key], f"modèles.non_publié.{key}", source)
    if "dans_epci" in templates:
        _check_template(templates["dans_epci"], "modèles.dans_epci", source)


def _parse_phrases(text: str, source: str) -> Phrases:
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise CtgError(f"{source} : YAML illisible ({exc})") from None
    templates = _require(raw, "modèles", "racine", source)
    _check_templates(templates, source)
    places, levels = _require(raw, "lieux", "racine", source), _require(raw, "niveaux", "racine", source)
    for group, mapping, keys in (
        ("lieux", places, ("territoire", "commune")),
        ("niveaux", levels, ("un_département", "département")),
    ):
        for key in keys:
            for part in ("de",) + (("sur",) if group == "lieux" else ("dans",)):
                _check_template(
                    _require(_require(mapping, key, group, source), part, f"{group}.{key}", source),
                    f"{group}.{key}.{part}",
                    source,
                )
    subjects = _require(raw, "indicateurs", "racine", source)
    for indicator in all_indicators():
        if indicator.is_change or indicator.id not in subjects:
            continue  # an indicator without wording falls back to its label (Phrases.subject)
        entry = subjects[indicator.id]
        for key in ("sujet", "genre") + (("singulier", "pluriel", "genre_nom") if indicator.is_count else ()):
            _require(entry, key, f"indicateurs.{indicator.id}", source)
        for key in ("genre", "genre_nom"):
            if key in entry and entry[key] not in ("m", "f"):
                raise CtgError(f"{source} : indicateurs.{indicator.id}.{key} vaut {entry[key]!r} (attendu m ou f)")
    thematiques = _require(raw, "thématiques", "racine", source)
    for thematique, ids in thematiques.items():
        for indicator_id in ids or []:
            try:
                get_indicator(indicator_id)
            except CtgError as exc:
                raise CtgError(f"{source} : thématiques.{thematique} : {exc}") from None
    tolerance = _require(raw, "tolérance", "racine", source)
    warnings = _require(raw, "avertissements", "racine", source)
    return Phrases(
        templates=templates,
        places=places,
        levels=levels,
        tolerance_points=float(_require(tolerance, "points", "tolérance", source)),
        tolerance_relative=float(_require(tolerance, "relative", "tolérance", source)),
        warnings={str(k): str(v) for k, v in warnings.items()},
        thematiques={str(k): list(v or []) for k, v in thematiques.items()},
        subjects=subjects,
        source=source,
    )


@dataclass(frozen=True)
class Sentence:
    """One generated sentence and the caveats of its value.

    Attributes
    ----------
    indicator, period
        What it describes.
    text
        The sentence.
    caveats
        Warnings about the value (small numbers, partial, not comparable…), without the demo warning.
    demo
        Whether the value comes from the demo data.
    informative
        Whether it gives a figure: the value, or for a value INSEE does not publish for a grouping, the
        range of its communes (``False``: « n'est pas disponible »).
    """

    indicator: str
    period: str
    text: str
    caveats: tuple[str, ...]
    demo: bool
    informative: bool = True

    def __str__(self) -> str:
        return " ".join((self.text, *self.caveats))


@functools.cache
def _departement_phrases() -> dict[str, str]:
    """Each département's name with its article after "de": ``du Val-d'Oise``, ``des Yvelines``."""
    names = departements()
    return {
        code: de(with_article(label, tncc))
        for code, label, tncc in zip(names["departement"], names["departement_label"], names["tncc"], strict=True)
    }


def describe(
    table: pd.DataFrame,
    territory: str,
    indicator_id: str,
    *,
    commune: str | None = None,
    phrases: Phrases | None = None,
) -> Sentence | None:
    """The sentence of one indicator for a territory (or one of its communes), at its latest period.

    Parameters
    ----------
    table
        The long table of :func:`~ctg_analysis.indicators.compute_indicators`.
    territory
        A territory id of the table.
    indicator_id
        A catalogue id.
    commune
        A commune code of the territory: describe it instead of the whole territory (compared with its
        own département).
    phrases
        The wording (default: :func:`load_phrases`).

    Returns
    -------
    Sentence or None
        ``None`` when the data hold no value of this indicator (its source is not in the data folder).
    """
    phrases = phrases or load_phrases()
    indicator = get_indicator(indicator_id)
    rows = territory_rows(table, territory)
    rows = rows.loc[rows["indicator"] == indicator_id]
    if commune is not None:
        subject_rows = rows.loc[(rows["level"] == "commune") & (rows["geo"] == commune)]
        if (
            subject_rows.empty
            and not rows.empty
            and commune not in set(rows.loc[rows["level"] == "commune", "geo"].astype(str))
        ):
            raise CtgError(f"commune {commune!r} absente du territoire {territory!r}")
    else:
        subject_rows = rows.loc[rows["level"] == "territoire"]
    if subject_rows.empty:
        return None
    row = latest_period(subject_rows).iloc[0]
    flags = [f for f in str(row["flags"]).split(";") if f]
    references = _references(rows, row, flags, commune)
    fields = _common_fields(phrases, indicator_id, row, rows, commune)
    communes = rows.loc[(rows["level"] == "commune") & (rows["period"] == row["period"]) & rows["value"].notna()]
    context = _published_context(phrases, rows, row, flags, commune, communes)
    if _said_by_communes(phrases, row, flags, commune, communes) or not context.empty:
        # The sentence says the value is not published for a grouping: its caveat would repeat it.
        text, informative, flags = (
            _not_published(phrases, indicator, communes, context, fields),
            True,
            [f for f in flags if f != "unavailable"],
        )
    else:
        text, informative = _sentence(phrases, indicator, row, references, fields), pd.notna(row["value"])
    caveats = tuple(_caveat(phrases.warnings[f], f, row) for f in phrases.warnings if f in flags and f != DEMO_FLAG)
    return Sentence(indicator_id, str(row["period"]), text, caveats, DEMO_FLAG in flags, bool(informative))


def _caveat(text: str, flag: str, row: pd.Series) -> str:
    """A flag's caveat; a partial value's says its coverage in words (« … (sur 80 % des communes, 99 % de la
    population). »)."""
    if flag != "partial" or "coverage_communes" not in row:
        return text
    said = coverage_said(row["coverage_communes"], row.get("coverage_population"))
    if not said:
        return text
    return f"{text[:-1]} ({said})." if text.endswith(".") else f"{text} ({said})"


def _references(rows: pd.DataFrame, row: pd.Series, flags: list[str], commune: str | None) -> pd.DataFrame:
    """The département values a sentence sets its value against: none when the value is partial, estimated,
    non comparable or in another geography (it is given alone, with its caveat), and only whole ones."""
    references = rows.loc[(rows["level"] == "departement") & (rows["period"] == row["period"])]
    if NOT_COMPARED & set(flags):
        return references.iloc[0:0]
    if commune is not None:
        own = departement_of(pd.Series([commune])).iloc[0]
        references = references.loc[references["geo"].astype(str) == own]
    whole = ~forbids_comparison(references["flags"])
    return references.loc[references["value"].notna() & whole].sort_values("geo")


def _published_context(
    phrases: Phrases, rows: pd.DataFrame, row: pd.Series, flags: list[str], commune: str | None, communes: pd.DataFrame
) -> pd.DataFrame:
    """The EPCI's and département's published values a grouping without its own, nor any of its communes', is
    set beside (the CNAF's coverage rates: published for the communes of 10 000 inhabitants or more)."""
    templates = phrases.templates.get("non_publié", {})
    if not (pd.isna(row["value"]) and commune is None and "unavailable" in flags and communes.empty):
        return rows.iloc[0:0]
    if "contexte" not in templates or "dans_epci" not in phrases.templates:
        return rows.iloc[0:0]
    above = rows.loc[rows["level"].isin(["epci", "departement"]) & (rows["period"] == row["period"])]
    whole = ~forbids_comparison(above["flags"])
    return above.loc[above["value"].notna() & whole]


def _said_by_communes(
    phrases: Phrases, row: pd.Series, flags: list[str], commune: str | None, communes: pd.DataFrame
) -> bool:
    """Whether a territory's value INSEE does not publish for a grouping is told by its communes' range."""
    return (
        pd.isna(row["value"])
        and commune is None
        and "unavailable" in flags
        and not communes.empty
        and "non_publié" in phrases.templates
    )


def _common_fields(
    phrases: Phrases, indicator_id: str, row: pd.Series, rows: pd.DataFrame, commune: str | None
) -> dict[str, str]:
    subject = phrases.subject(indicator_id)
    gender = subject["genre"]
    names = rows.loc[rows["level"] == "commune", "geo_label"].astype(str).unique()
    if commune is None and len(names) == 1:
        commune_name = names[0]  # a one-commune territory is named as the commune it is
    elif commune is not None:
        commune_name = str(row["geo_label"])
    else:
        commune_name = None
    if commune_name is None:
        place = phrases.places["territoire"]
        lieu, de_lieu = place["sur"], place["de"]
    else:
        place = phrases.places["commune"]
        lieu, de_lieu = (place[k].format(de_nom=de(commune_name)) for k in ("sur", "de"))
    return {
        "année": str(row["period"]),
        "début": _year(row["year_start"]),
        "fin": _year(row["year_end"]),
        "lieu": lieu,
        "de_lieu": de_lieu,
        "sujet": subject["sujet"],
        "Sujet": capitalise(subject["sujet"]),
        **{word: agree(word, gender) for word in ("supérieur", "inférieur", "comparable", "celui")},
    }


def _comparison_list(phrases: Phrases, references: pd.DataFrame, unit: str, decimals: int, signed: bool) -> str:
    names = _departement_phrases()
    single = len(references) == 1
    items = [
        phrases.templates["liste"].format(
            référence=format_value(value, unit, decimals, sign=signed),
            dans_niveau=phrases.levels["un_département"]["dans"]
            if single
            else phrases.levels["département"]["dans"].format(de_nom=names.get(code, code)),
        )
        for code, value in zip(references["geo"].astype(str), references["value"], strict=True)
    ]
    return (
        phrases.templates["et"].join(items)
        if len(items) < 3
        else ", ".join(items[:-1]) + phrases.templates["et"] + items[-1]
    )


def _not_published(
    phrases: Phrases, indicator: Indicator, communes: pd.DataFrame, context: pd.DataFrame, fields: dict[str, str]
) -> str:
    """A value published for communes but not for a grouping (a median, a poverty rate, a coverage rate): the
    range of the territory's communes that have one instead, or else its EPCI's and département's values."""
    publisher = get_dataset(indicator.datasets[0]).publisher
    if communes.empty:
        shown = [format_value(v, indicator.unit, indicator.decimals) for v in context["value"]]
        names = _departement_phrases()
        items = [
            phrases.templates["dans_epci"].format(référence=value, nom=label)
            if level == "epci"
            else phrases.templates["liste"].format(
                référence=value, dans_niveau=phrases.levels["département"]["dans"].format(de_nom=names.get(geo, geo))
            )
            for value, level, geo, label in zip(
                shown, context["level"].astype(str), context["geo"].astype(str), context["geo_label"], strict=True
            )
        ]
        listed = (phrases.templates["et"] + "de ").join(items)  # « 48,0 % dans l'EPCI … et de 51,5 % dans … »
        templates = phrases.templates["non_publié"]
        departemental = get_dataset(indicator.datasets[0]).departemental and "départemental" in templates
        template = templates["départemental" if departemental else "contexte"]
        return capitalise(template.format(**fields, éditeur=publisher, contexte=listed))
    ordered = communes.sort_values("value", kind="stable")
    low, high = (
        f"{format_value(c['value'], indicator.unit, indicator.decimals, sign=indicator.is_change)} ({c['geo_label']})"
        for c in (ordered.iloc[0], ordered.iloc[-1])
    )
    case = "une" if len(ordered) == 1 else "plusieurs"
    return capitalise(
        phrases.templates["non_publié"][case].format(
            **fields, éditeur=publisher, minimum=low, maximum=high, nombre=len(ordered)
        )
    )


def _year(year: object) -> str:
    """A year of the long table as text, « – » for an indicator no file gives."""
    return "–" if pd.isna(year) else str(int(year))  # type: ignore[call-overload]


def _sentence(
    phrases: Phrases, indicator: Indicator, row: pd.Series, references: pd.DataFrame, fields: dict[str, str]
) -> str:
    templates, unit, decimals, value = phrases.templates, indicator.unit, indicator.decimals, row["value"]
    if pd.isna(value):
        # No file of the data gives the indicator at all (its period is « – »).
        missing = templates.get("absent", templates["manquant"]) if pd.isna(row["year_end"]) else templates["manquant"]
        return capitalise(missing.format(**fields))
    if indicator.is_count:
        subject = phrases.subject(indicator.id)
        shown = round(float(value), decimals)
        group = templates["effectif" if indicator.kind == "count" else "effectif_période"]
        noun = subject["pluriel"] if is_plural(shown) else subject["singulier"]
        filled = {
            **fields,
            "valeur": format_value(value, unit, decimals),
            "nom": noun,
            "Aucun": capitalise(agree("aucun", subject["genre_nom"])),
        }
        return capitalise(group["zéro" if shown == 0 else "nombre"].format(**filled))
    if indicator.is_change:
        shown = round(float(value), decimals)
        group = templates["évolution"]
        trend = "stable" if shown == 0 else ("hausse" if shown > 0 else "baisse")
        text = group[trend].format(**fields, évolution=format_value(abs(value), unit, decimals))
        if not references.empty:
            text += group["comparaison"].format(
                comparaisons=_comparison_list(phrases, references, unit, decimals, signed=True)
            )
        return capitalise(text) + "."
    group = templates["position"]
    filled = {**fields, "valeur": format_value(value, unit, decimals)}
    if references.empty:
        return capitalise(group["seul"].format(**filled))
    if len(references) > 1:
        return capitalise(
            group["plusieurs"].format(
                **filled, comparaisons=_comparison_list(phrases, references, unit, decimals, signed=False)
            )
        )
    reference = float(references["value"].iloc[0])
    where = position(
        float(value),
        reference,
        unit=unit,
        decimals=decimals,
        tolerance_points=phrases.tolerance_points,
        tolerance_relative=phrases.tolerance_relative,
    )
    level = phrases.levels["un_département"]
    return capitalise(
        group[where.direction].format(
            **filled, référence=format_value(reference, unit, decimals), de_niveau=level["de"]
        )
    )


def diagnostic_text(
    table: pd.DataFrame,
    territory: str,
    *,
    indicators: list[str] | None = None,
    theme: str | None = None,
    thematique: str | None = None,
    commune: str | None = None,
    phrases: Phrases | None = None,
    demo_warning: bool = True,
) -> str:
    """The "Diagnostic initial" text: one sentence per indicator, caveats, and the demo warning once.

    Parameters
    ----------
    table, territory, commune, phrases
        See :func:`describe`.
    indicators
        Catalogue ids, in order.
    theme
        A report theme (:data:`~ctg_analysis.themes.THEME_IDS`): the indicators its commentary describes
        (:func:`commented_indicators`), when ``indicators`` is not given.
    thematique
        A CTG thématique of the fiches (``"parentalité"``, ``"Petite enfance"``…): its default indicators
        of ``phrases.yaml``, when neither ``indicators`` nor ``theme`` is given.
    demo_warning
        End with the demo warning when the figures are the demo's (``False`` for a document that says
        it once for all its texts).

    Examples
    --------
    >>> diagnostic_text(table, "ctg-ecouen", thematique="petite enfance")[:53]
    '175 naissances domiciliées en 2021 sur le territoire.'
    >>> diagnostic_text(table, "ctg-ecouen", theme="petite enfance")[:51]
    'La part des enfants de 0 à 2 ans dans la population'
    """
    phrases = phrases or load_phrases()
    if indicators is None:
        indicators = _chosen_indicators(phrases, theme, thematique)
    table = territory_rows(table, territory)  # filtered once for every sentence
    sentences = [
        s
        for s in (describe(table, territory, i, commune=commune, phrases=phrases) for i in indicators)
        if s is not None
    ]
    parts = [str(s) for s in sentences]
    if demo_warning and any(s.demo for s in sentences):
        parts.append(phrases.warnings["demo"])
    return FrenchText(" ".join(parts))


def theme_sentences(table: pd.DataFrame, territory: str, theme: str, phrases: Phrases | None = None) -> list[Sentence]:
    """The commentary of a report theme: a sentence for each of its indicators that gives a figure.

    Examples
    --------
    >>> [s.indicator for s in theme_sentences(table, "ezanville", "petite enfance")]  # doctest: +NORMALIZE_WHITESPACE
    ['part_0_2', 'evol_0_2', 'part_3_5', 'evol_3_5', 'taux_natalite', 'taux_couverture_accueil',
     'taux_couverture_eaje', 'taux_couverture_assistants_maternels', 'part_allocataires_paje']
    """
    phrases = phrases or load_phrases()
    rows = territory_rows(table, territory)
    described = (describe(rows, territory, i, phrases=phrases) for i in commented_indicators(theme))
    return [s for s in described if s is not None and s.informative]


def _chosen_indicators(phrases: Phrases, theme: str | None, thematique: str | None) -> list[str]:
    """The indicators of a report theme, else of a CTG thématique."""
    if theme is not None:
        if theme not in THEME_IDS and normalise_thematique(theme) in map(normalise_thematique, phrases.thematiques):
            raise CtgError(
                f"{theme!r} est une thématique des fiches actions, pas un thème du rapport "
                f"({', '.join(THEME_IDS)}) : écrivez thematique={theme!r}"
            )
        get_theme(theme)  # an unknown theme fails with a suggestion
        return commented_indicators(theme)
    if thematique is None:
        raise CtgError("indiquez des indicateurs, un thème du rapport ou une thématique des fiches")
    return phrases.thematique_indicators(thematique)
