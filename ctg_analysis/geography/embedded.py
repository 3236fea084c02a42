"""The official geography shipped with the package, and commune lists of any COG year.

The package carries (``resources/geography/``, built by ``tools/build_geography.py`` from INSEE's files,
Licence Ouverte):

- the communes of the latest COG year (types COM, ARM, COMD, COMA; name with its article; département,
  région, parent commune);
- INSEE's *mouvements des communes* since 1943;
- the EPCI composition of several years.

So any data folder works without COG files. A commune list of another year is derived from the latest
one by walking the movements back (or forward), date by date: :func:`communes_at`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import NamedTuple

import pandas as pd

from ctg_analysis.codes import arrondissement_parent, departement_of, departements

__all__ = [
    "MOVEMENT_COLUMNS",
    "ListYears",
    "communes_at",
    "communes_created_after",
    "embedded_communes",
    "embedded_epci",
    "embedded_movements",
    "merge_movements",
    "movement_steps",
]

#: The first COG year whose commune list INSEE publishes as a table: the earliest a list is dated to.
_FIRST_LIST_YEAR = 1999
#: Columns of a canonical movement table (the COG reader's, lower-case).
MOVEMENT_COLUMNS = ["mod", "date_eff", "typecom_av", "com_av", "libelle_av", "typecom_ap", "com_ap", "libelle_ap"]
# Within one effective date, code changes (41: change of département, 50: transfer of the chief town)
# come first: Pont-Farcy became 50649 in the Manche, then merged into Tessy-Bocage, on 2018-01-01.
_FIRST_MODS = (41, 50)
_COMMUNE_KEY = ["type", "code"]


def _resource(name: str) -> pd.DataFrame:
    with resources.files("ctg_analysis.resources").joinpath("geography", name).open("rb") as handle:
        return pd.read_parquet(handle)


@cache
def _communes() -> pd.DataFrame:
    frame = _resource("communes.parquet")
    frame.attrs["cog_year"] = int(frame.pop("cog_year").iloc[0])
    return frame


def embedded_communes() -> pd.DataFrame:
    """The communes of the latest COG year shipped with the package.

    Returns
    -------
    DataFrame
        ``type`` (COM, ARM, COMD, COMA), ``code``, ``label``, ``departement``, ``region``, ``parent``;
        ``attrs["cog_year"]`` is the COG year.

    Examples
    --------
    >>> communes = embedded_communes()
    >>> communes.attrs["cog_year"]
    2025
    >>> communes.set_index("code").loc["95169", "label"]
    'Commeny'
    """
    frame = _communes()
    copy = frame.copy()
    copy.attrs.update(frame.attrs)
    return copy


@cache
def _movements() -> pd.DataFrame:
    return _resource("movements.parquet")


def embedded_movements() -> pd.DataFrame:
    """INSEE's commune movements since 1943 (canonical columns :data:`MOVEMENT_COLUMNS`).

    Examples
    --------
    >>> movements = embedded_movements()
    >>> str(movements["date_eff"].min().date()), str(movements["date_eff"].max().date())
    ('1943-02-19', '2025-01-01')
    """
    return _movements().copy()


@cache
def _epci() -> pd.DataFrame:
    return _resource("epci.parquet")


def embedded_epci(year: int | None = None) -> pd.DataFrame:
    """The EPCI composition shipped for a geography year (the nearest one shipped), or all of them.

    Returns
    -------
    DataFrame
        ``year``, ``geo`` (commune code), ``epci``, ``epci_label``.

    Examples
    --------
    >>> sorted(embedded_epci()["year"].unique().tolist())
    [2020, 2021, 2024]
    >>> embedded_epci(2022)["year"].iloc[0]  # the nearest composition shipped
    np.int64(2021)
    """
    frame = _epci()
    if year is None:
        return frame.copy()
    years = frame["year"].unique()
    nearest = min(years, key=lambda y: (abs(int(y) - year), -int(y)))
    chosen: pd.DataFrame = frame.loc[frame["year"] == nearest].reset_index(drop=True)
    return chosen


def merge_movements(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """The union of movement tables (the package's and a data folder's), each event once, in date order."""
    frames = [t[MOVEMENT_COLUMNS] for t in tables if t is not None and len(t)]
    merged = pd.concat(frames, ignore_index=True)
    keys = ["mod", "date_eff", "typecom_av", "com_av", "typecom_ap", "com_ap"]
    return merged.drop_duplicates(keys).sort_values(["date_eff", "mod"], kind="stable", ignore_index=True)


def movement_steps(
    movements: pd.DataFrame, after: pd.Timestamp, until: pd.Timestamp
) -> Iterator[tuple[pd.Timestamp, pd.DataFrame]]:
    """The movements effective in ``(after, until]``, as steps in the order they apply.

    A step is one effective date and one group of modifications: first the code changes and every
    movement into a code that moves again the same day (Pont-Farcy, 14513 → 50649 → 50592 on 2018-01-01,
    a code change in INSEE's 2019 file, a fusion change in its 2023 file), then the others.
    Yields ``(date, rows)``.
    """
    window = movements.loc[movements["date_eff"].gt(after) & movements["date_eff"].le(until)]
    moving = window["com_av"].ne(window["com_ap"])
    leaving = pd.MultiIndex.from_arrays([window.loc[moving, "date_eff"], window.loc[moving, "com_av"]])
    feeds = moving & pd.MultiIndex.from_arrays([window["date_eff"], window["com_ap"]]).isin(leaving)
    rank = (~(window["mod"].isin(_FIRST_MODS) | feeds)).astype(int)
    for (date, _), rows in window.assign(_rank=rank).groupby(["date_eff", "_rank"], sort=True):
        yield date, rows.drop(columns="_rank")  # type: ignore[misc]  # date_eff holds Timestamps


def communes_at(communes: pd.DataFrame, movements: pd.DataFrame, year: int) -> pd.DataFrame:
    """A commune list of one COG year brought to another year with the movements.

    Forward, each step removes the communes of the "before" side of its movements and adds those of the
    "after" side (with their new names); backward, the reverse.

    Parameters
    ----------
    communes
        ``type``, ``code``, ``label`` (and optionally ``parent``), with ``attrs["cog_year"]``.
    movements
        Canonical movements covering the years between.
    year
        The COG year wanted (1 January).

    Returns
    -------
    DataFrame
        ``type``, ``code``, ``label``, ``departement``, ``region`` and ``parent`` of that year, sorted by
        type and code; ``attrs["cog_year"]`` is ``year``.

    Examples
    --------
    >>> c2023 = communes_at(embedded_communes(), embedded_movements(), 2023)
    >>> int((c2023["type"] == "COM").sum())
    34945
    >>> c2023.set_index("code").loc[["95169", "95282"], "label"].tolist()  # merged on 2024-01-01
    ['Commeny', 'Gouzangrez']
    """
    start = int(communes.attrs["cog_year"])
    items = communes[["type", "code", "label", *(["parent"] if "parent" in communes.columns else [])]]
    if year != start:
        forward = year > start
        low, high = (start, year) if forward else (year, start)
        steps = list(movement_steps(movements, pd.Timestamp(low, 1, 1), pd.Timestamp(high, 1, 1)))
        gone_side, new_side = ("av", "ap") if forward else ("ap", "av")
        parents = items["parent"] if "parent" in items.columns else pd.Series(pd.NA, index=items.index)
        # (type, code) → (label, parent): each step touches a few movement rows, never the whole list.
        columns = [
            column.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # None: pandas allows it
            for column in (items["type"], items["code"], items["label"], parents)
        ]
        state = dict(
            zip(zip(columns[0], columns[1], strict=True), zip(columns[2], columns[3], strict=True), strict=True)
        )
        for _, rows in steps if forward else reversed(steps):
            gone_rows = rows
            if not forward:
                # A commune that absorbs its associated or delegated communes (MOD 34, 35) is on the
                # "after" side only, yet it existed before: walking back, it stays.
                continuing = rows["typecom_av"].isin(["COMA", "COMD"]) & rows["typecom_ap"].eq("COM")
                gone_rows = rows.loc[~continuing]
            for key in zip(gone_rows[f"typecom_{gone_side}"], gone_rows[f"com_{gone_side}"], strict=True):
                state.pop(key, None)
            new = rows.loc[rows[f"com_{new_side}"].notna()]
            new_parents = _parents(rows, new_side)[new.index]
            state.update(
                zip(
                    zip(new[f"typecom_{new_side}"], new[f"com_{new_side}"], strict=True),
                    zip(new[f"libelle_{new_side}"], new_parents, strict=True),
                    strict=True,
                )
            )
        keys, values = zip(*state.items(), strict=True) if state else ((), ())
        items = pd.DataFrame(list(keys), columns=_COMMUNE_KEY).assign(
            label=[v[0] for v in values], parent=[v[1] for v in values]
        )
    result = items.assign(departement=departement_of(items["code"]))
    shipped = _departement_regions()
    result["region"] = result["departement"].map(shipped).astype("string")
    parent = result["parent"] if "parent" in result.columns else pd.Series(pd.NA, index=result.index, dtype="string")
    result["parent"] = parent.astype("string").fillna(arrondissement_parent(result["code"]))
    result = result[["type", "code", "label", "departement", "region", "parent"]].astype("string")
    result = result.sort_values(["type", "code"], ignore_index=True)
    result.attrs["cog_year"] = year
    return result


def _parents(rows: pd.DataFrame, side: str) -> pd.Series:
    """Parent commune of each associated or delegated commune of a step: the commune it went into."""
    into = rows.loc[rows[f"typecom_{side}"].eq("COM")]
    other = "av" if side == "ap" else "ap"
    target = into.drop_duplicates(f"com_{other}").set_index(f"com_{other}")[f"com_{side}"]
    delegated = rows[f"typecom_{side}"].isin(["COMD", "COMA"])
    parent = rows[f"com_{side}"].map(target).where(delegated)
    return parent.astype("string")


@cache
def _departement_regions() -> pd.Series:
    return departements().set_index("departement")["region"]


@cache
def communes_created_after(year: int) -> pd.Series:
    """Communes of the latest geography shipped that did not exist yet on 1 January ``year``: code → name.

    Examples
    --------
    >>> communes_created_after(2023).loc[["60694", "85165"]].tolist()  # re-established on 2024-01-01
    ['Les Hauts-Talican', "L'Oie"]
    """
    latest = _communes()
    if year >= latest.attrs["cog_year"]:
        return pd.Series(dtype=object)
    then = communes_at(latest, _movements(), year)
    current = latest.loc[latest["type"].eq("COM") & ~latest["code"].isin(then.loc[then["type"].eq("COM"), "code"])]
    return pd.Series(current["label"].to_numpy(dtype=object), index=current["code"].to_numpy(dtype=object))


class ListYears(NamedTuple):
    """The COG years a commune list agrees with: ``first`` to ``last``, and any later year when ``later``
    (no movement is known after ``last`` in its départements)."""

    first: int
    last: int
    later: bool

    def __contains__(self, year: object) -> bool:
        return isinstance(year, int) and (self.first <= year <= self.last or (self.later and year > self.last))

    def __str__(self) -> str:
        return f"{self.first} à {self.last}" if self.first != self.last else str(self.first)


def commune_list_years(codes: pd.Series, movements: pd.DataFrame) -> ListYears | None:
    """The COG years whose list of communes (type COM) agrees best with ``codes``: a commune list dated by
    its content.

    After a movement, a code is a commune when it is on the movement's "after" side as a COM (a commune
    merged into another, or made a commune déléguée, is not); the list of 1 January Y holds the codes
    that were communes after their last movement before then. Only the départements of ``codes`` are
    compared, so a list of a few départements is dated too.

    Parameters
    ----------
    codes
        The codes of the communes (type COM) of a list.
    movements
        Canonical movements (:data:`MOVEMENT_COLUMNS`).

    Returns
    -------
    ListYears or None
        The best years (several when no movement took effect between them); ``None`` when no movement
        concerns its départements.

    Examples
    --------
    >>> c2023 = communes_at(embedded_communes(), embedded_movements(), 2023)
    >>> years = commune_list_years(c2023.loc[c2023["type"].eq("COM"), "code"], embedded_movements())
    >>> years, 2023 in years, 2019 in years
    (ListYears(first=2023, last=2023, later=False), True, False)
    """
    listed = pd.Index(codes.dropna().unique())
    moved = movements.loc[movements["date_eff"].notna()]
    # The 1 January from which a movement shows in the lists.
    shown = ((moved["date_eff"] - pd.Timedelta(days=1)).dt.year + 1).astype("int64")
    sides = [
        pd.DataFrame({"code": moved[f"com_{side}"], "year": shown, "side": side})
        .loc[moved[f"typecom_{side}"].eq("COM")]
        .drop_duplicates()
        for side in ("av", "ap")
    ]
    changes = pd.concat(sides).pivot_table(index=["code", "year"], columns="side", aggfunc="size", fill_value=0)
    changes = changes.reindex(columns=["av", "ap"], fill_value=0).gt(0).reset_index()
    listed_departements = pd.unique(departement_of(listed.to_series()).to_numpy(dtype=object))
    # Compared as Python objects (hashed): isin on Arrow strings walks the values in Python.
    changes = changes.loc[_objects(departement_of(changes["code"])).isin(listed_departements)]
    if changes.empty:
        return None
    # A list is the same from one year with movements to the next: those years (since the first COG files
    # published as tables, 1999) are the candidates.
    candidates = sorted({y for y in changes["year"] if y >= _FIRST_LIST_YEAR} | {_FIRST_LIST_YEAR})
    # Each code's state at each year: a commune after its last movement up to then (on the "after" side as
    # a COM); before its first, a commune if it was on the "before" side as one.
    last = changes.drop_duplicates(["code", "year"], keep="last")
    state = last.set_index(["code", "year"])["ap"].astype("float64").unstack().sort_index(axis=1)
    before = last.sort_values("year").drop_duplicates("code").set_index("code")["av"].astype("float64")
    state = state.reindex(columns=sorted({*state.columns, *candidates})).ffill(axis=1)[candidates]
    state = state.fillna({year: before.reindex(state.index) for year in candidates}).astype(bool)
    listed_now = _objects(state.index).isin(listed.to_numpy(dtype=object))
    scores = state.ne(listed_now, axis=0).sum()
    best = scores.index[scores.eq(scores.min())]
    # Each candidate stands for the years up to the next one.
    following = [*candidates[1:], None]
    until = following[candidates.index(int(best.max()))]
    return ListYears(int(best.min()), until - 1 if until else int(best.max()), until is None)


def _objects(values: pd.Series | pd.Index) -> pd.Index:
    """Strings as a Python-object index, whose ``isin`` hashes (fast on tens of thousands of codes)."""
    objects: pd.Index = pd.Index(values.to_numpy(dtype=object), dtype=object)
    return objects
