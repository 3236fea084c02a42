"""CNAF open data on allocataires, in its two layouts.

- By IRIS or commune (``data_CAF_YYYY_IRIS.csv`` and the commune files of the same layout, 2016–2020): the
  layout changes from year to year (2016–2018 carry label and geography columns, 2019–2020 only ``CODGEO``);
  values may use a narrow no-break space as thousands separator (2016–2017); blank cells are blurred or
  secret small values and stay missing. The year is only in the file name.
- data.caf.fr's « toutes prestations » exports (``s_ben_com_f``, ``s_ben_epci_f``, ``s_ben_dep``, ``s_ben_nat``;
  the portal's CSV export, ``;``, Opendatasoft field ids): one row per area and December (``dtreffre``
  ``YYYY-MM`` or a date), households by benefit ``indfoy_<benefit>``, persons covered ``indnbp_<benefit>``,
  amounts ``indmtt_<benefit>``, beneficiaries ``indben_<benefit>`` (AAH, AEEH). The commune and EPCI files are
  annual (December); the département and national files monthly, of which December is read and the other months
  said. Counts of the commune and EPCI files are rounded to 5 and amounts to 100 € by the CNAF. Rows with an empty
  commune code (households the CAF could not place) and the ``XX`` EPCI (communes of no EPCI) are counted and
  said, never spread over areas. Their benefits take the IRIS files' names (``indfoy_rsa`` is ``ARSAS``…), so
  that both feed one table. The disability benefits (AAH, AEEH) are published by département and for France
  only: they also feed the dataset of those values (``caf_departements``), read where published.
"""

from __future__ import annotations

import re

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, IRIS_WIDTH, fold_arrondissements
from ctg_analysis.errors import SourceFileError
from ctg_analysis.formatting import counted, format_count
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import (
    ROUNDED,
    Parsed,
    area_codes,
    check_unique,
    codes,
    has_columns,
    lower_case,
    numbers,
    year_in_name,
    year_span,
)

__all__ = ["BENEFITS", "DEPARTEMENTAL", "matches", "read"]

_IDENTIFIERS = {"CODGEO", "LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "UU", "REG", "DEP"}


#: The benefits of data.caf.fr's field ids (``indfoy_<benefit>``) and their names in the IRIS files (a benefit
#: not listed keeps its own name, upper case, after ``A``); persons covered by any benefit are ``PERCOU``.
BENEFITS = {
    "ndur": "A",  # foyers allocataires, toutes prestations
    "rsa": "ARSAS",
    "ppa": "APPA",  # prime d'activité
    "ndural": "AAL",  # une aide au logement
    "apl": "AAPL",
    "als": "AALS",
    "alf": "AALF",
    "aah": "AAAH",
    "af": "AAF",  # allocations familiales
    "cf": "ACF",  # complément familial
    "asf": "AASF",  # allocation de soutien familial
    "ndurpaje": "APAJE",
    "ab": "APAJE_AB",  # allocation de base de la PAJE
    "cmg": "ACMG",  # complément de libre choix du mode de garde
    "prepare": "APREPARE",  # prestation partagée d'éducation de l'enfant
    "ndurej": "AENF",  # une prestation enfance et jeunesse
    "ars": "AARS",  # allocation de rentrée scolaire
    "ndurins": "AINS",  # RSA ou prime d'activité
    "ndurhd": "AHAND",  # une prestation liée au handicap (départements and France only)
    "aeeh": "AAEEH",  # allocation d'éducation de l'enfant handicapé (départements and France only)
}
#: The benefits published by département and for France only (none in the commune and EPCI files), as the
#: canonical variables they give: households, beneficiaries.
DEPARTEMENTAL = ("AAAH", "AAEEH", "AHAND", "BEN_AAH", "BEN_AEEH")
#: The codes of rows the CNAF could not place: no commune code, the EPCI « XX » (communes of no EPCI).
_UNPLACED = ("", "XX", "xx")
#: The area key of each data.caf.fr export: its column, level, label column and code width.
_AREAS = (
    ("numcomdo", "commune", "nomcom", COMMUNE_WIDTH),
    ("numepci", "epci", "nomepci", 9),
    ("numdep", "departement", "nomdep", 0),
)
#: The levels whose files are monthly: December is read, the other months said.
_MONTHLY = ("departement", "france")


def matches(sheet: RawSheet) -> bool:
    """Whether a sheet is CNAF allocataires data: a file by IRIS (``data_CAF_AAAA_IRIS.csv``: ``CODGEO``,
    ``A``, ``PERCOU``…) or a data.caf.fr « toutes prestations » export (``dtreffre``, an area key,
    ``indfoy_…``)."""
    return has_columns(sheet, ["CODGEO", "A", "PERCOU"]) or _is_export(sheet)


def _is_export(sheet: RawSheet) -> bool:
    """``dtreffre`` and households by benefit (``indfoy_…``): an area key or none (the national file)."""
    names = {c.lower() for c in sheet.columns}
    return "dtreffre" in names and any(n.startswith("indfoy_") for n in names)


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The CNAF counts of a sheet, in whichever of its two layouts it is."""
    return _read_export(sheet, dataset) if _is_export(sheet) else _read_iris(sheet, dataset)


def _read_iris(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The CNAF counts by IRIS for the year its name gives (the file holds none), secret cells left missing."""
    vintage = year_in_name(sheet)
    if vintage is None:
        raise SourceFileError(
            sheet.where, "année introuvable : les fichiers CNAF portent l'année dans leur nom (data_CAF_AAAA_IRIS.csv)"
        )
    width = int(sheet.frame["CODGEO"].astype("string").str.strip().str.len().max())
    level = "iris" if width >= IRIS_WIDTH - 1 else "commune"
    geo = codes(
        sheet,
        "CODGEO",
        width=IRIS_WIDTH if level == "iris" else COMMUNE_WIDTH,
        dataset=dataset,
        meaning="code géographique",
    )
    frame = pd.DataFrame({"geo": geo, "period": vintage})
    if level == "iris":
        frame["commune"] = geo.str[:COMMUNE_WIDTH]
    if "LIBGEO" in sheet.columns:
        frame["label"] = sheet.frame["LIBGEO"].astype("string")
    variables = [c for c in sheet.columns if c.upper() not in _IDENTIFIERS]
    frame = pd.concat([frame, pd.DataFrame({v: numbers(sheet, v) for v in variables})], axis=1)
    check_unique(frame, ["geo"], sheet.where)
    if level == "commune":
        frame = fold_arrondissements(frame, variables, additive=True)
    return [Parsed(level, vintage, f"CNAF, données allocataires au 31/12/{vintage}", frame)]


def _read_export(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """A data.caf.fr export: one table of its level, every December it holds, with what it could not place;
    of a département or national file, also its disability benefits as the values published there."""
    sheet = lower_case(sheet)
    frame = sheet.frame
    key, level, label, width = next((area for area in _AREAS if area[0] in frame.columns), (None, "france", "", 0))
    geo = area_codes(sheet, key, width=width, dataset=dataset, placeholders=_UNPLACED)
    period, december = _decembers(frame["dtreffre"], sheet.where, monthly=level in _MONTHLY)
    variables = {c: _canonical(c) for c in frame.columns if re.fullmatch(r"ind(foy|nbp|mtt|ben)_\w+", c)}
    values = pd.DataFrame({name: numbers(sheet, c) for c, name in variables.items()})
    table = pd.DataFrame({"geo": geo, "period": period})
    if label in frame.columns:
        table["label"] = frame[label].astype("string")
    table = pd.concat([table, values], axis=1).loc[december]
    unplaced = table["geo"].isin(_UNPLACED)
    kept = table.loc[~unplaced].reset_index(drop=True)
    check_unique(kept, ["geo", "period"], sheet.where)
    if level == "commune":
        kept = fold_arrondissements(kept, list(variables.values()), additive=True)
    # Counts to 5 and amounts to 100 € in the commune and EPCI files: said wherever a value sums them.
    kept[ROUNDED] = level in ("commune", "epci")
    vintage = int(kept["period"].max())
    source = f"CNAF, data.caf.fr, allocataires par prestation (décembre {year_span(kept['period'])})"
    notes = _unplaced_note(table.loc[unplaced], level) + _months_note(int((~december).sum()))
    # December N as extracted early in N + 1, in the geography of that day (data.caf.fr's notes on its EPCI
    # datasets); the IRIS files keep the dataset's convention.
    parsed = [Parsed(level, vintage, source, kept, cog_year=vintage + 1, notes=notes)] if level != "france" else []
    published = [v for v in DEPARTEMENTAL if v in kept.columns]
    if level in _MONTHLY and published:
        rows = kept[["geo", "period", *(["label"] if "label" in kept.columns else []), *published]]
        said = notes if level == "france" else ()  # the national file feeds this table alone
        parsed.append(
            Parsed(level, vintage, source, rows, cog_year=vintage + 1, dataset="caf_departements", notes=said)
        )
    return parsed


def _decembers(values: pd.Series, where: str, *, monthly: bool) -> tuple[pd.Series, pd.Series]:
    """The year of each ``dtreffre`` (``2024-12``, or a date ``2024-12-01``) and whether it is a December. A
    commune or EPCI file holds Decembers only: another month there is refused; a monthly file's are kept out."""
    text = values.astype("string").str.strip()
    parts = text.str.extract(r"^(\d{4})-(\d{2})")
    december = parts[1].eq("12").fillna(False).astype(bool)
    wrong = parts[0].isna() if monthly else parts[0].isna() | ~december
    if wrong.any():
        raise SourceFileError(
            where,
            f"colonne dtreffre, ligne {int(wrong.to_numpy().nonzero()[0][0]) + 2} : « {text[wrong].iloc[0]} » ; "
            + (
                "attendu un mois (AAAA-MM)"
                if monthly
                else "attendu le mois de décembre d'une année (AAAA-12), comme la CNAF publie ces fichiers"
            ),
        )
    if not december.any():
        raise SourceFileError(where, "aucun mois de décembre : les indicateurs se lisent au 31 décembre")
    return parts[0].astype("int64"), december


def _months_note(others: int) -> tuple[str, ...]:
    """What a monthly file says of its months other than December (the indicators read December's)."""
    lines = counted(others, "ligne d'un autre mois que décembre non lue", "lignes d'autres mois que décembre non lues")
    return (f"{lines} (indicateurs au 31 décembre)",) if others else ()


def _canonical(field_id: str) -> str:
    """The canonical name of a data.caf.fr field (``indfoy_rsa`` → ``ARSAS``, ``indnbp_ndur`` → ``PERCOU``)."""
    kind, benefit = field_id.split("_", 1)
    if kind == "indfoy":
        return BENEFITS.get(benefit, f"A{benefit.upper()}")
    if kind == "indnbp":
        return "PERCOU" if benefit == "ndur" else f"PERCOU_{benefit.upper()}"
    if kind == "indben":
        return f"BEN_{benefit.upper()}"  # beneficiaries (AAH, AEEH)
    return f"MTT_{benefit.upper()}"  # indmtt: euros paid for December


def _unplaced_note(rows: pd.DataFrame, level: str) -> tuple[str, ...]:
    """What a file says of the households it could not place, by year (never spread over areas)."""
    if rows.empty:
        return ()
    what = "sans code commune (foyers que la CAF n'a pu situer)" if level == "commune" else "« XX » (hors EPCI)"
    column = next((c for c in _SAID if c in rows.columns), None)
    said = ""
    if column is not None:
        per_year = rows.groupby("period")[column].sum(min_count=1).dropna()
        said = " (" + " ; ".join(f"{year} : {format_count(n)} {_SAID[column]}" for year, n in per_year.items()) + ")"
    lines = counted(len(rows), f"ligne {what} écartée", f"lignes {what} écartées")
    return (f"{lines}, jamais réparties sur les territoires{said}",)


#: The counts a note about unplaced households gives, the first the file has.
_SAID = {"A": "foyers allocataires", "ARSAS": "foyers au RSA", "APPA": "foyers à la prime d'activité"}
