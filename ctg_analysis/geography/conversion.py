"""Convert a commune-level table from one COG year to another with INSEE's movement file.

Between two COG years communes merge (the new commune gets the sum of its parts), split or are
re-established (shared by population), or change code. INSEE's *mouvements des communes* is the truth:
each movement dated after 1 January of the source year and up to 1 January of the target year is applied
in date order. Non-additive values (medians, rates) cannot follow a merge or a split: they are refused.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pandas as pd

from ctg_analysis.errors import GeographyError
from ctg_analysis.formatting import agreed
from ctg_analysis.geography.embedded import movement_steps
from ctg_analysis.sources.tables import ESTIMATED, SourceTable

log = logging.getLogger(__name__)

__all__ = ["commune_passage", "convert_cog", "convert_table"]


def commune_passage(
    movements: pd.DataFrame, from_year: int, to_year: int, weights: pd.Series | None = None, *, warn: bool = True
) -> pd.DataFrame:
    """The passage table between two COG years: each source code, its target code and the share it gets.

    Parameters
    ----------
    movements
        Canonical *mouvements des communes* (``mod``, ``date_eff``, ``typecom_av``, ``com_av``,
        ``typecom_ap``, ``com_ap``), from a COG at least as recent as ``to_year``.
    from_year, to_year
        COG years (the geography of 1 January), ``from_year <= to_year``.
    weights
        Population of the target communes, indexed by code: how a split commune is shared.
    warn
        Warn when the movements end before ``to_year`` (not for a selection of them, a few départements').

    Returns
    -------
    DataFrame
        Columns ``source``, ``target``, ``share``, for the codes that change only (others map to
        themselves with share 1). The share of a split commune is NaN when ``weights`` does not give
        the population of its parts.

    Raises
    ------
    GeographyError
        Years in the wrong order.
    """
    if from_year > to_year:
        raise GeographyError(
            f"conversion du COG {from_year} vers {to_year} : seule la conversion vers une année plus récente est "
            f"possible"
        )
    latest = movements["date_eff"].max()
    if warn and latest < pd.Timestamp(to_year, 1, 1) and to_year > from_year:
        log.warning("mouvements des communes connus jusqu'au %s seulement (conversion vers %s)", latest.date(), to_year)
    # The dates are chosen by movement_steps; here only the movements between communes.
    window = movements.loc[
        movements["typecom_av"].eq("COM") & movements["typecom_ap"].eq("COM") & movements["com_av"].notna()
    ]
    # Object columns in the loop: membership tests on pandas' string dtype take a slow path.
    window = window.astype({"com_av": object, "com_ap": object})
    passage = pd.DataFrame(
        {"source": pd.Series(dtype=object), "current": pd.Series(dtype=object), "share": pd.Series(dtype="float64")}
    )
    sources: set[str] = set()
    # One step per effective date (a few per year), never one per commune; within a date, code changes
    # come first, so that a commune renumbered and merged on the same day is followed to the end.
    for _, step in movement_steps(window, pd.Timestamp(from_year, 1, 1), pd.Timestamp(to_year, 1, 1)):
        step = step[["com_av", "com_ap"]].drop_duplicates().rename(columns={"com_av": "current", "com_ap": "next"})
        step["share"] = _split_shares(step, weights)
        # A code not yet moved is still where it started: it enters the passage as its own source.
        fresh = step.loc[~step["current"].isin(sources), ["current"]].drop_duplicates()
        sources.update(fresh["current"])
        passage = pd.concat([passage, fresh.assign(source=fresh["current"], share=1.0)], ignore_index=True)
        # Only the rows where the step's communes now stand move (a few, not the whole passage).
        moving = passage["current"].isin(set(step["current"]))
        moved = passage.loc[moving].merge(step.rename(columns={"share": "step_share"}), on="current", how="left")
        moved["current"] = moved["next"]
        moved["share"] = moved["share"] * moved["step_share"]
        moved = (
            moved.drop(columns=["next", "step_share"])
            .groupby(["source", "current"], as_index=False)["share"]
            .sum(skipna=False)  # type: ignore[assignment]  # as_index=False: a DataFrame, whatever the stubs say
        )
        passage = pd.concat([passage.loc[~moving], moved], ignore_index=True)
    passage = passage.rename(columns={"current": "target"}).astype({"source": "string", "target": "string"})
    return passage.loc[(passage["source"] != passage["target"]) | (passage["share"] != 1.0)].reset_index(drop=True)


def _split_shares(step: pd.DataFrame, weights: pd.Series | None) -> pd.Series:
    """Share of each (current, next) pair: 1 unless the commune splits, then by population (NaN unknown)."""
    split = step.groupby("current")["next"].transform("size") > 1
    shares = pd.Series(1.0, index=step.index)
    if not split.any():
        return shares
    w = (
        step.loc[split, "next"].map(weights).astype("float64")
        if weights is not None
        else pd.Series(float("nan"), index=step.index[split])
    )
    shares[split] = w / w.groupby(step.loc[split, "current"]).transform("sum")
    return shares


def convert_cog(
    frame: pd.DataFrame,
    variables: list[str],
    *,
    from_year: int,
    to_year: int,
    movements: pd.DataFrame,
    non_additive: list[str] | tuple[str, ...] = (),
    weights: pd.Series | None = None,
    passage: pd.DataFrame | None = None,
    flags: list[str] | tuple[str, ...] = (),
    where: str | None = None,
) -> pd.DataFrame:
    """Express a commune-level frame in the geography of another COG year.

    Merged communes get the sum of their parts; a split commune is shared by population (``weights``);
    a code change follows the commune. A value missing in one part leaves the merged commune missing
    (a sum of known parts would understate it). Boolean ``flags`` columns (such as the ``<VAR>_partial``
    of an IRIS aggregation) follow their commune: a merged commune is flagged if any part is. Values shared
    out of a split commune are estimates: an ``estimated`` column marks them.

    Parameters
    ----------
    frame
        Canonical commune-level frame (``geo``, optionally ``period``, attribute and numeric columns).
    variables
        Numeric columns to convert.
    from_year, to_year
        COG year of ``frame`` and the COG year wanted.
    movements
        Canonical *mouvements des communes* covering ``to_year``.
    non_additive
        Columns that cannot be summed: the conversion is refused if any of them would be merged or split.
    weights
        Population by target commune code, for splits.
    passage
        The passage table between the two years, when the caller has it already
        (:func:`commune_passage`).
    flags
        Boolean columns carried along (any part flagged flags the whole).
    where
        The file the frame comes from, for the messages.

    Returns
    -------
    DataFrame
        ``geo``, ``period`` (when present), ``variables`` and ``flags`` (plus ``estimated`` when a split
        commune was shared); attribute columns are dropped since names change with the geography.

    Raises
    ------
    GeographyError
        A non-additive column on a merged or split commune. (A split commune without ``weights`` for its
        parts leaves their values missing, with a warning.)

    Examples
    --------
    >>> table = pd.DataFrame({"geo": ["95169", "95282"], "period": 2019, "PMUN": [290.0, 135.0]})
    >>> convert_cog(table, ["PMUN"], from_year=2021, to_year=2024, movements=movements)  # doctest: +SKIP
         geo  period   PMUN
    0  95169    2019  425.0
    """
    if passage is None:
        passage = commune_passage(movements, from_year, to_year, weights)
    keys = ["period"] if "period" in frame.columns else []
    flags = [f for f in flags if f in frame.columns]
    data = frame[["geo", *keys, *variables, *flags]]
    if not data["geo"].isin(passage["source"]).any():
        return data.reset_index(drop=True)  # no commune of the table changed between the two years
    moved = data.merge(passage, left_on="geo", right_on="source", how="left")
    moved["target"] = moved["target"].fillna(moved["geo"])
    moved["share"] = moved["share"].where(moved["source"].notna(), 1.0)
    changed = moved.groupby("target")["geo"].transform("nunique").gt(1) | moved["share"].ne(1.0)
    refused = [c for c in non_additive if c in variables]
    if refused and changed.any():
        communes = ", ".join(sorted(moved.loc[changed, "geo"].unique())[:10])
        raise GeographyError(
            f"conversion du COG {from_year} vers {to_year} impossible pour {', '.join(refused)} : valeurs non "
            f"additives "
            f"(médianes, taux) sur des communes fusionnées ou scindées ({communes})"
        )
    _warn_unshared(moved, from_year, to_year, where)
    values = moved[variables].mul(moved["share"], axis=0)
    grouped = values.assign(geo=moved["target"], **{k: moved[k] for k in keys}).groupby(["geo", *keys], sort=True)
    converted = grouped[variables].sum(min_count=1)
    any_missing = (
        values.isna()
        .assign(geo=moved["target"], **{k: moved[k] for k in keys})
        .groupby(["geo", *keys])[variables]
        .any()
    )
    converted = converted.mask(any_missing)
    marks = moved[flags].fillna(False).astype(bool) if flags else pd.DataFrame(index=moved.index)
    if moved["share"].ne(1.0).any():
        marks = marks.assign(**{ESTIMATED: moved["share"].ne(1.0)})
    if len(marks.columns):
        converted = converted.join(
            marks.assign(geo=moved["target"], **{k: moved[k] for k in keys}).groupby(["geo", *keys]).any()
        )
    converted = converted.reset_index()
    if changed.any():
        log.info("COG %s → %s : %d communes concernées", from_year, to_year, int(changed.sum()))
    return converted


def _warn_unshared(moved: pd.DataFrame, from_year: int, to_year: int, where: str | None) -> None:
    """Say which split communes could not be shared out (no population for their parts): only their parts are
    lost (missing, never guessed), the rest of France converts."""
    unshared = moved["share"].isna()
    if not unshared.any():
        return
    log.warning(
        "%sconversion du COG %s vers %s : %s (%s) ; la répartition demande la population des "
        "communes issues de la scission (paramètre weights, par exemple les populations légales en géographie "
        "%s) : sans elle, les valeurs de leurs parties restent manquantes",
        f"{where} : " if where else "",
        from_year,
        to_year,
        agreed(moved.loc[unshared, "geo"].nunique(), "commune scindée", "communes scindées"),
        ", ".join(sorted(moved.loc[unshared, "geo"].unique())[:10]),
        to_year,
    )


def convert_table(
    table: SourceTable,
    to_year: int,
    movements: pd.DataFrame,
    weights: pd.Series | None = None,
    passage: pd.DataFrame | None = None,
) -> SourceTable:
    """Convert a commune-level :class:`SourceTable` to another COG year, knowing which variables add up.

    Raises
    ------
    GeographyError
        The table is not at commune level, has no COG year, or a non-additive variable would be merged.
    """
    if table.level != "commune":
        raise GeographyError(
            f"{table.path} : seule une table communale se convertit d'un COG à l'autre (niveau {table.level})"
        )
    if table.cog_year is None:
        raise GeographyError(f"{table.path} : année du COG inconnue, conversion impossible")
    variables = table.variables
    non_additive = [v for v in variables if not table.definition.is_additive(v)]
    data = convert_cog(
        table.data,
        variables,
        from_year=table.cog_year,
        to_year=to_year,
        movements=movements,
        non_additive=non_additive,
        weights=weights,
        passage=passage,
        flags=table.flags,
        where=table.path,
    )
    return replace(table, cog_year=to_year, cog_year_from="conversion", data=data)
