"""The yearly follow-up of the evaluation indicators: the baseline workbook of the diagnostic against a
newer data folder, for the steering committee (its documents: :mod:`ctg_analysis.actions.steering`).

For each indicator: the baseline value and year (read back from the workbook written by
:func:`~ctg_analysis.exports.write_workbook`), the current value and year, the change, the target of the
plan, and whether the comparison is valid: a newer vintage, census vintages at least five years apart,
and the same communes (the baseline's, brought to the current COG with INSEE's movements).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ctg_analysis.actions.plan import Plan
from ctg_analysis.errors import CtgError
from ctg_analysis.exports.workbook import COG_LINE, FRACTIONS_LINE, IDENTIFIER_LINE, PERCENT_UNITS
from ctg_analysis.formatting import agreed
from ctg_analysis.geography.conversion import commune_passage
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.comparisons import RATE_UNITS
from ctg_analysis.indicators.display import latest_period, territory_rows
from ctg_analysis.sources.datasets import DATASETS

__all__ = ["FOLLOW_UP_COLUMNS", "Baseline", "follow_up", "read_baseline", "same_geography"]

#: Columns of the follow-up table.
FOLLOW_UP_COLUMNS = [
    "Indicateur",
    "Identifiant",
    "Unité",
    "Année de référence",
    "Valeur de référence",
    "Année actuelle",
    "Valeur actuelle",
    "Évolution",
    "Évolution relative (%)",
    "Cible",
    "Écart à la cible",
    "Comparaison valide",
    "Motif",
    "Source",
    "Département (référence)",
    "Département (actuel)",
]
_HEADER = ["Indicateur", "Identifiant", "Période", "Niveau", "Code", "Libellé", "Valeur"]
_FIVE_YEARS = 5


@dataclass(frozen=True)
class Baseline:
    """What the follow-up needs from a baseline workbook.

    Attributes
    ----------
    path
        The workbook.
    territory, label
        The territory id (when the workbook records it) and its label.
    cog_year
        The COG year of its communes (when recorded).
    communes
        The commune codes of the territory at the baseline.
    values
        Territory-level rows: ``indicator``, ``period``, ``year_start``, ``year_end``, ``value``, ``source``,
        and ``departement``, the value of the territory's département for the same period (missing when
        the territory spans several).
    demo
        Whether the baseline figures are demo data.
    """

    path: Path
    territory: str | None
    label: str
    cog_year: int | None
    communes: frozenset[str]
    values: pd.DataFrame
    demo: bool


def _periods(rows: pd.DataFrame) -> pd.Series:
    """Each row's period as text: a single year is a number in the workbook, a span a text."""
    return rows["Période"].map(lambda p: str(int(p)) if isinstance(p, int | float) else str(p))


def _one_departement(rows: pd.DataFrame) -> pd.Series:
    """The département's values by (indicator, period), where the territory has a single département."""
    rows = rows.loc[rows["Niveau"] == "Département"]
    key = [rows["Identifiant"].astype(str), _periods(rows)]
    values = pd.to_numeric(rows["Valeur"], errors="coerce").groupby(key).agg(["first", "size"])
    return values.loc[values["size"] == 1, "first"]


def _years(period: pd.Series) -> tuple[pd.Series, pd.Series]:
    parts = period.astype(str).str.extract(r"^(\d{4})(?:-(\d{4}))?$")
    return pd.to_numeric(parts[0]), pd.to_numeric(parts[1].fillna(parts[0]))


def read_baseline(path: str | Path) -> Baseline:
    """Read a territory's baseline workbook (``diagnostic.xlsx`` of ``ctg export`` or ``ctg report``).

    Raises
    ------
    CtgError
        The file is missing, unreadable, or not a baseline workbook (no theme sheet with the expected
        columns, no "Détail communal" sheet).
    """
    path = Path(path)
    if not path.is_file():
        raise CtgError(f"{path} : classeur de référence introuvable")
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="calamine")
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
        raise CtgError(f"{path} : classeur illisible ({exc})") from None
    if "Détail communal" not in sheets or "Sources et méthodes" not in sheets:
        raise CtgError(
            f"{path} : ce n'est pas un classeur de référence (feuilles « Détail communal » et « Sources et méthodes » "
            f"attendues, "
            f"trouvé {', '.join(sheets)}) ; produisez-le avec « ctg export --formats xlsx »"
        )
    # The values in long form; an earlier version's workbook had no comparison sheets beside them.
    data = [name for name in sheets if name.endswith(" (données)")] or [
        name for name in sheets if name not in ("Détail communal", "Sources et méthodes")
    ]
    themes = [sheets[name] for name in data]
    for name, frame in ((n, sheets[n]) for n in (*data, "Détail communal")):
        missing = [c for c in _HEADER if c not in frame.columns]
        if missing:
            lacking = agreed(len(missing), "colonne manquante", "colonnes manquantes")
            raise CtgError(f"{path}, feuille {name!r} : {lacking} : {', '.join(missing)}")
    rows = pd.concat(themes, ignore_index=True) if themes else pd.DataFrame(columns=_HEADER)
    departement = _one_departement(rows)
    rows = rows.loc[rows["Niveau"] == "Territoire"]
    methods = sheets["Sources et méthodes"]
    notes = dict(zip(methods.iloc[:, 0].astype(str), methods.iloc[:, 1], strict=True))
    periods = _periods(rows)
    start, end = _years(periods)
    value = pd.to_numeric(rows["Valeur"], errors="coerce")
    units = rows.get("Unité", pd.Series("", index=rows.index))
    scale = units.isin(PERCENT_UNITS).map({True: 100, False: 1}) if FRACTIONS_LINE in notes else 1  # Excel fractions
    key = pd.MultiIndex.from_arrays([rows["Identifiant"].astype(str), periods])
    values = pd.DataFrame(
        {
            "indicator": rows["Identifiant"].astype(str).to_numpy(),
            "period": periods.to_numpy(),
            "year_start": start.to_numpy(),
            "year_end": end.to_numpy(),
            "value": (value * scale).to_numpy(),
            "source": rows.get("Source", pd.Series("", index=rows.index)).astype(str).to_numpy(),
            "departement": (departement.reindex(key).to_numpy() * scale).astype(float),
        }
    )
    cog = notes.get(COG_LINE)
    communes = frozenset(sheets["Détail communal"]["Code"].dropna().astype(str))
    demo = any("fictives" in str(v) for v in notes.values())
    label = str(rows["Libellé"].iloc[0]) if len(rows) else ""
    territory = notes.get(IDENTIFIER_LINE)
    return Baseline(
        path,
        None if territory is None else str(territory),
        label,
        None if cog is None or pd.isna(cog) else int(cog),
        communes,
        values,
        demo,
    )


def same_geography(
    baseline: Baseline, communes: frozenset[str], cog_year: int, movements: pd.DataFrame | None
) -> tuple[bool, str]:
    """Whether the territory covers the same communes as at the baseline, once brought to the same COG.

    The baseline's communes are followed through INSEE's movements to ``cog_year``; the geography is the
    same when they become exactly the current communes and no current commune absorbed a commune that
    was outside the territory at the baseline.

    Returns
    -------
    tuple
        ``(same, French explanation)``.
    """
    old = set(baseline.communes)
    if baseline.cog_year is None or baseline.cog_year == cog_year or movements is None:
        if old == set(communes):
            return True, ""
        note = "" if baseline.cog_year is not None else " (année du COG de la référence inconnue)"
        return False, f"communes différentes de la référence{note} : {_difference(old, set(communes))}"
    passage = commune_passage(movements, baseline.cog_year, cog_year)
    moved = passage.loc[passage["source"].isin(old)]
    forward = (old - set(moved["source"])) | set(moved["target"])
    # What each current commune was made of: the codes moved into it, and itself unless it is a new code
    # (a commune that absorbed another keeps its code and is listed before the event in the movements).
    window = movements["date_eff"].gt(pd.Timestamp(baseline.cog_year, 1, 1)) & movements["date_eff"].le(
        pd.Timestamp(cog_year, 1, 1)
    )
    existed = set(movements.loc[window, "com_av"].dropna())
    created = set(passage["target"]) - existed
    feeding = set(passage.loc[passage["target"].isin(communes), "source"]) | (set(communes) - created)
    if forward == set(communes) and feeding <= old:
        return True, f"communes du COG {baseline.cog_year} converties au COG {cog_year}" if len(moved) else ""
    outside = sorted(feeding - old)
    detail = (
        f"communes absorbées depuis la référence : {', '.join(outside)}"
        if outside
        else _difference(forward, set(communes))
    )
    return False, f"géographie différente de la référence (COG {baseline.cog_year} → {cog_year}) : {detail}"


def _difference(old: set[str], new: set[str]) -> str:
    parts = []
    if new - old:
        parts.append("en plus " + ", ".join(sorted(new - old)))
    if old - new:
        parts.append("en moins " + ", ".join(sorted(old - new)))
    return " ; ".join(parts)


def _census_based(indicator_id: str) -> bool:
    return any(DATASETS[d].census_rule for d in get_indicator(indicator_id).datasets)


def follow_up(
    baseline: Baseline,
    table: pd.DataFrame,
    territory: str,
    *,
    geography: tuple[bool, str] = (True, ""),
    plan: Plan | None = None,
) -> pd.DataFrame:
    """The follow-up table of a territory: one row per evaluation indicator (:data:`FOLLOW_UP_COLUMNS`).

    Parameters
    ----------
    baseline
        From :func:`read_baseline`.
    table
        The long table computed on the newer data.
    territory
        The territory id.
    geography
        From :func:`same_geography`: a different geography makes every comparison invalid.
    plan
        The plan d'actions: its evaluation indicators and targets (default: every indicator of the
        baseline, without target).

    Examples
    --------
    >>> baseline = read_baseline("reports/ezanville-2019/diagnostic.xlsx")  # doctest: +SKIP
    >>> follow_up(baseline, table, "ezanville", plan=load_plan("data/plan-actions-demo.yaml"))  # doctest: +SKIP
    """
    rows = territory_rows(table, territory)
    current = rows.loc[
        rows["level"] == "territoire", ["indicator", "period", "year_start", "year_end", "value", "source"]
    ]
    current = latest_period(current.astype({"indicator": str, "period": str, "source": str})).set_index("indicator")
    departements = rows.loc[rows["level"] == "departement"].astype({"indicator": str, "period": str})
    single = departements.groupby(["indicator", "period"])["value"].agg(["first", "size"])
    departement_now = single.loc[single["size"] == 1, "first"]
    before = latest_period(baseline.values).set_index("indicator")
    ids, targets = _evaluated(baseline, plan)
    lines = [
        _follow_up_line(
            indicator_id,
            before.loc[indicator_id] if indicator_id in before.index else None,
            current.loc[indicator_id] if indicator_id in current.index else None,
            targets.get(indicator_id, math.nan),
            geography,
            departement_now,
        )
        for indicator_id in ids
    ]
    return pd.DataFrame(lines, columns=FOLLOW_UP_COLUMNS)


def _evaluated(baseline: Baseline, plan: Plan | None) -> tuple[list[str], dict[str, float]]:
    """The indicators followed and their targets: the plan's, else every indicator of the baseline."""
    if plan is None:
        return list(dict.fromkeys(baseline.values["indicator"])), {}
    return list(dict.fromkeys(i.id for a in plan.actions for i in a.indicators)), plan.targets()


def _comparable(
    indicator_id: str, old: pd.Series | None, new: pd.Series | None, geography: tuple[bool, str]
) -> tuple[bool, str]:
    """Whether the new value can be compared with the baseline's, and why not (French)."""
    same, why = geography
    if old is None or math.isnan(float(old["value"])):
        return False, "valeur de référence absente du classeur"
    if new is None or math.isnan(float(new["value"])):
        return False, "valeur absente des nouvelles données"
    before, after = int(old["year_end"]), int(new["year_end"])
    if after <= before:
        return False, "pas de millésime plus récent que la référence"
    if _census_based(indicator_id) and after - before < _FIVE_YEARS:
        return False, f"recensements {before} et {after} distants de moins de cinq ans (règle des cinq ans)"
    return same, why


def _follow_up_line(
    indicator_id: str,
    old: pd.Series | None,
    new: pd.Series | None,
    target: float,
    geography: tuple[bool, str],
    departement_now: pd.Series,
) -> list[object]:
    """One row of the follow-up table (:data:`FOLLOW_UP_COLUMNS`)."""
    indicator = get_indicator(indicator_id)
    old_value = math.nan if old is None else float(old["value"])
    new_value = math.nan if new is None else float(new["value"])
    relative = (new_value / old_value - 1) * 100 if old_value else math.nan
    valid, motive = _comparable(indicator_id, old, new, geography)
    sources = (None if old is None else old["source"], None if new is None else new["source"])
    return [
        indicator.label,
        indicator_id,
        indicator.unit,
        None if old is None else old["period"],
        old_value,
        None if new is None else new["period"],
        new_value,
        new_value - old_value,
        relative if indicator.unit not in RATE_UNITS else math.nan,
        target,
        new_value - target,
        "oui" if valid else "non",
        motive,
        " ; ".join(dict.fromkeys(str(s) for s in sources if s)),
        math.nan if old is None else float(old.get("departement", math.nan)),
        math.nan if new is None else float(departement_now.get((indicator_id, new["period"]), math.nan)),
    ]
