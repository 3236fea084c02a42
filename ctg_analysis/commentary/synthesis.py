"""The synthesis « Enjeux et points d'appui »: per theme, the indicators on which a territory differs markedly from
its département, read as needs (*enjeux*) and strengths (*points d'appui*) — what partners discuss at the first
meeting of a CTG.

An indicator enters the synthesis when the catalogue declares its ``reading`` (``atout``, ``fragilité`` or
``besoin``: what a value above the département's means). The territory's latest value is set beside its
département's (its région's or France's when the territory is its département) with the tolerances of
:data:`MARKED_POINTS` and :data:`MARKED_RELATIVE`, declared here once; a flagged value (partial, estimated, not
comparable) is set aside and said so; an indicator without a value is said among what the data cannot say.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ctg_analysis.formatting import format_value, joined
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.comparisons import NOT_COMPARED_DIRECTION, compare
from ctg_analysis.indicators.display import latest_period, territory_rows
from ctg_analysis.text import in_sentence, markdown_text
from ctg_analysis.themes import THEMES

__all__ = [
    "MARKED_POINTS",
    "MARKED_RELATIVE",
    "SYNTHESIS_TITLE",
    "ThemeSynthesis",
    "synthesis",
    "synthesis_lines",
    "synthesis_markdown",
]

#: The synthesis's title in every document.
SYNTHESIS_TITLE = "Enjeux et points d'appui"
#: A gap is marked beyond these tolerances around the comparison value: 5 points for a change; 5 points or 15 %
#: of the value for a rate or a share; 15 % for a median (the rule of :func:`~ctg_analysis.indicators.compare`).
MARKED_POINTS = 5.0
MARKED_RELATIVE = 0.15
#: The rule in words, said under the synthesis.
MARKED_RULE = (
    "Écart marqué : au moins 15 % de la valeur de comparaison ou 5 points (5 points pour une évolution), "
    "sur la dernière période connue"
)
#: What a marked gap means, by the indicator's reading and the side of the gap: the line's kind and its words.
_MEANINGS = {
    ("besoin", "supérieur"): ("enjeu", "des besoins plus importants"),
    ("fragilité", "supérieur"): ("enjeu", "une fragilité plus marquée"),
    ("atout", "inférieur"): ("enjeu", "un niveau en retrait"),
    ("fragilité", "inférieur"): ("appui", "une fragilité moins marquée"),
    ("atout", "supérieur"): ("appui", "un niveau plus favorable"),
    ("besoin", "inférieur"): ("moindre", "des besoins moins importants"),
}
#: How each kind of line begins, in the order they are said.
_LEADS = {"enjeu": "Enjeu", "appui": "Point d'appui", "moindre": "À noter"}
#: The levels a territory is set beside, the first it has: its département, else (it is its département) the
#: région, else France.
_AGAINST = ("departement", "region", "france")
#: Where the comparison value is, in a line.
_WHERE = {"departement": "dans le département", "region": "dans la région", "france": "en France"}
#: What the synthesis says when no indicator of it has a value.
_NOTHING = "Aucun indicateur de la synthèse n'est disponible dans les données."


@dataclass(frozen=True)
class ThemeSynthesis:
    """What one theme's indicators say of a territory against its département.

    Attributes
    ----------
    theme, title
        The theme's id and French title.
    lines
        One French line per indicator markedly apart, needs first (« Enjeu : … »), then strengths (« Point
        d'appui : … ») and lesser needs (« À noter : … »).
    close
        The labels of indicators close to the comparison (no marked gap).
    set_aside
        The labels of indicators whose value is partial, estimated or not comparable: not compared.
    unknown
        The labels of indicators the data give no value for (the territory's or its comparison's).
    """

    theme: str
    title: str
    lines: tuple[str, ...]
    close: tuple[str, ...]
    set_aside: tuple[str, ...]
    unknown: tuple[str, ...]

    def said(self) -> list[str]:
        """The theme's lines, then what was not compared and what the data cannot say, in French."""
        said = list(self.lines)
        if self.close:
            said.append(f"Sans écart marqué : {_lowered(self.close)}.")
        if self.set_aside:
            said.append(f"Non comparés (valeur partielle, estimée ou non comparable) : {_lowered(self.set_aside)}.")
        if self.unknown:
            said.append(f"Les données ne disent rien de : {_lowered(self.unknown)}.")
        return said


def synthesis(table: pd.DataFrame, territory: str, *, indicators: list[str] | None = None) -> list[ThemeSynthesis]:
    """The synthesis of a territory: one entry per theme that has an indicator with a reading.

    Parameters
    ----------
    table
        The long table of :func:`~ctg_analysis.indicators.compute_indicators`.
    territory
        A territory id of the table.
    indicators
        Only these indicators (a fiche's); default: every indicator of the catalogue with a reading.

    Examples
    --------
    >>> parts = synthesis(table, "ezanville")
    >>> line = next(p for p in parts if p.theme == "petite enfance").lines[0]
    >>> print(line.replace("\N{NO-BREAK SPACE}", " "))  # doctest: +NORMALIZE_WHITESPACE
    Enjeu : Évolution des enfants de 0 à 2 ans : +25,7 % contre +6,0 % dans le département, des besoins plus
    importants.
    """
    rows = territory_rows(table, territory)
    read = [i for i in dict.fromkeys(rows["indicator"].astype(str)) if get_indicator(i).reading]
    if indicators is not None:
        read = [i for i in read if i in set(indicators)]
    rows = rows.loc[rows["indicator"].isin(read)]
    against = next((level for level in _AGAINST if (rows["level"] == level).any()), "france")
    pairs = compare(
        pd.concat([latest_period(rows.loc[rows["level"] == "territoire"]), rows.loc[rows["level"] == against]]),
        None,
        levels=(against,),
        tolerance_points=MARKED_POINTS,
        tolerance_relative=MARKED_RELATIVE,
    )
    said = {str(i): _said(group, against) for i, group in pairs.groupby("indicator", observed=True)}
    parts = []
    for theme in THEMES:
        kinds: dict[str, list[str]] = {}
        for indicator in (i for i in read if get_indicator(i).theme == theme.id):
            kind, line = said.get(indicator, ("inconnu", get_indicator(indicator).label))
            kinds.setdefault(kind, []).append(line)
        if kinds:
            lines = tuple(line for kind in _LEADS for line in kinds.get(kind, []))
            parts.append(
                ThemeSynthesis(
                    theme.id,
                    theme.title,
                    lines,
                    *(tuple(kinds.get(kind, [])) for kind in ("proche", "écarté", "inconnu")),
                )
            )
    return parts


def _said(pairs: pd.DataFrame, against: str) -> tuple[str, str]:
    """One indicator's kind (a key of :data:`_LEADS`, ``proche``, ``écarté`` or ``inconnu``) and its line (or
    label), from its pairs with the comparison level (one per département of the territory)."""
    indicator = get_indicator(str(pairs["indicator"].iloc[0]))
    directions = set(pairs["direction"])
    if NOT_COMPARED_DIRECTION in directions:
        return "écarté", indicator.label
    if pairs["value"].isna().any() or pairs["comparison_value"].isna().any():
        return "inconnu", indicator.label
    meaning = _MEANINGS.get((indicator.reading or "", directions.pop())) if len(directions) == 1 else None
    if meaning is None:
        return "proche", indicator.label

    def shown(value: float) -> str:
        return format_value(value, indicator.unit, indicator.decimals, sign=indicator.is_change)

    if len(pairs) == 1:
        others, where = shown(float(pairs["comparison_value"].iloc[0])), _WHERE[against]
    else:  # a territory over two départements: each one named
        labels = pairs["comparison_label"].astype(str)
        others = joined([f"{shown(v)} ({label})" for v, label in zip(pairs["comparison_value"], labels, strict=True)])
        where = "dans ses départements"
    value = shown(float(pairs["value"].iloc[0]))
    kind, words = meaning
    return kind, f"{_LEADS[kind]} : {indicator.label} : {value} contre {others} {where}, {words}."


def synthesis_lines(parts: list[ThemeSynthesis]) -> list[str]:
    """The synthesis as plain French lines (a fiche's *diagnostic initial*): each theme's title before its lines
    when there are several, then the rule of a marked gap."""
    if not parts:
        return [_NOTHING]
    titled = len(parts) > 1
    return [line for part in parts for line in ([part.title] if titled else []) + part.said()] + [f"{MARKED_RULE}."]


def synthesis_markdown(parts: list[ThemeSynthesis]) -> str:
    """The synthesis as the report's Markdown: a list per theme, then the rule of a marked gap."""
    if not parts:
        return f"*{_NOTHING}*"
    blocks = [
        f"**{markdown_text(part.title)}**\n\n" + "\n".join(f"- {markdown_text(line)}" for line in part.said())
        for part in parts
    ]
    return "\n\n".join([*blocks, f"*{markdown_text(MARKED_RULE)}.*"])


def _lowered(labels: tuple[str, ...]) -> str:
    return joined([in_sentence(label) for label in labels])
