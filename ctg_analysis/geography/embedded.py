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

from functools import cache
from importlib import resources

import pandas as pd

from ctg_analysis.codes import arrondissement_parent, departement_of

__all__ = [
    "MOVEMENT_COLUMNS",
    "communes_at",
    "communes_created_after",
    "embedded_communes",
    "embedded_epci",
    "embedded_movements",
    "merge_movements",
    "movement_steps",
]

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
    return frame.loc[frame["year"] == nearest].reset_index(drop=True)


def merge_movements(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """The union of movement tables (the package's and a data folder's), each event once, in date order."""
    frames = [t[MOVEMENT_COLUMNS] for t in tables if t is not None and len(t)]
    merged = pd.concat(frames, ignore_index=True)
    keys = ["mod", "date_eff", "typecom_av", "com_av", "typecom_ap", "com_ap"]
    return merged.drop_duplicates(keys).sort_values(["date_eff", "mod"], kind="stable", ignore_index=True)


def movement_steps(movements: pd.DataFrame, after: pd.Timestamp, until: pd.Timestamp):
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
        yield date, rows.drop(columns="_rank")


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
            column.to_numpy(dtype=object, na_value=None)
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
    from ctg_analysis.geography.reference import departements

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
