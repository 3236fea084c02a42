"""Load and validate the territories file.

A territory is any grouping of communes (a CTG perimeter: one commune to about a hundred, sometimes
across two départements). ``data/territories.yaml`` declares them::

    territories:
      - id: ctg-ecouen                       # identifier, used in file names
        label: CTG d'Écouen et environs      # French label, printed in reports
        cog_year: 2021                       # optional: the COG year of the codes
        communes:
          - "95205"                          # by code (quote it: YAML reads 01001 as a number)
          - {name: Bouqueval, departement: "95"}   # or by exact name with its département
        comparisons:                         # optional extra comparison levels
          - {level: epci, code: "200055655"}

Every error of the file is reported at once, each with its territory, the faulty entry and a "did you
mean" suggestion when one is close.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ctg_analysis.errors import TerritoryError, did_you_mean
from ctg_analysis.files import write_bytes
from ctg_analysis.formatting import counted, format_number
from ctg_analysis.yaml_input import load_yaml

log = logging.getLogger(__name__)

__all__ = ["COMPARISON_UNIT_LEVELS", "Territories", "Territory", "load_territories", "territory_entries"]

#: The levels of the units a territory may name as extra comparisons (``comparisons:`` in the territories file).
COMPARISON_UNIT_LEVELS = ("commune", "epci", "departement", "region")


@dataclass(frozen=True)
class Territory:
    """One grouping of communes.

    Attributes
    ----------
    id
        Identifier (as written in the file).
    label
        French label.
    communes
        5-character commune codes, in the order of the file.
    cog_year
        COG year of the codes, if stated.
    comparisons
        Extra comparison levels as (level, code) pairs.
    departements
        Départements the territory spans (two or more is allowed and reported).
    """

    id: str
    label: str
    communes: tuple[str, ...]
    cog_year: int | None = None
    comparisons: tuple[tuple[str, str], ...] = ()
    departements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Territories:
    """The validated territories of a file.

    Attributes
    ----------
    path
        The file read.
    items
        The territories, in file order.
    notes
        What is allowed but worth saying (a territory across two départements, a code followed through
        the commune movements…), in French.
    invalid
        Territories of the file left out because of their problems (``strict=False``): id → problems.
    """

    path: Path
    items: tuple[Territory, ...]
    notes: tuple[str, ...] = field(default=())
    invalid: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def _by_id(self) -> dict[str, Territory]:
        return {t.id: t for t in self.items}

    def get(self, territory_id: str) -> Territory:
        """The territory of that id, or a :class:`TerritoryError` with a suggestion."""
        try:
            return self._by_id[territory_id]
        except KeyError:
            if territory_id in self.invalid:
                problems = "\n".join(f"  - {p}" for p in self.invalid[territory_id])
                raise TerritoryError(f"{self.path} : territoire {territory_id!r} invalide\n{problems}") from None
            suggestion = did_you_mean(territory_id, [*self._by_id, *self.invalid])
            raise TerritoryError(f"{self.path} : territoire {territory_id!r} inconnu{suggestion}") from None

    @cached_property
    def _membership(self) -> pd.DataFrame:
        sizes = [len(t.communes) for t in self.items]
        return pd.DataFrame(
            {
                "territory": pd.array(np.repeat([t.id for t in self.items], sizes), dtype="string"),
                "commune": pd.array(list(chain.from_iterable(t.communes for t in self.items)), dtype="string"),
            }
        )

    def membership(self) -> pd.DataFrame:
        """One row per (territory, commune): the long form the indicators aggregate with.

        Examples
        --------
        >>> territories.membership().head(2)
            territory commune
        0  ctg-ecouen   95205
        1  ctg-ecouen   95395
        """
        return self._membership.copy()


#: Beyond these, a territories file is not one (a file of every EPCI of France is 0,4 MB; one territory per
#: commune, 35 000): refused at once, instead of minutes of validation.
MAX_FILE_BYTES = 20_000_000
MAX_TERRITORIES = 50_000
#: The longest label a report title, a slide or a folder listing can show.
MAX_LABEL = 300


def territory_entries(path: str | Path) -> list:
    """The territories a file declares, as written: its YAML read and its layout checked, before any
    commune is looked up (a malformed file is said at once, before the data folder is read).

    Raises
    ------
    TerritoryError
        The file is missing, not YAML, or declares no list of territories under ``territories``.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> territory_entries(DEMO_DIR / "territories.yaml")[0]["id"]
    'ctg-ecouen'
    """
    path = Path(path)
    try:
        if (size := path.stat().st_size) > MAX_FILE_BYTES:
            raise TerritoryError(
                f"{path} : fichier de {format_number(size / 1e6, 1)} Mo, au-delà de {MAX_FILE_BYTES // 1_000_000} Mo : "
                "un fichier de territoires (les 1 250 EPCI de France) en fait moins d'un"
            )
        content = _parsed(path.read_bytes())
    except OSError as exc:
        raise TerritoryError(f"{path} : lecture impossible ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise TerritoryError(
            f"{path} : octet {exc.start + 1} illisible en UTF-8 : enregistrez le fichier en UTF-8 (votre éditeur "
            "le propose à l'enregistrement)"
        ) from exc
    except yaml.YAMLError as exc:
        raise TerritoryError(f"{path} : YAML invalide ({exc})") from exc
    entries = content.get("territories") if isinstance(content, dict) else None
    if isinstance(content, dict) and "territories" in content and not entries:
        raise TerritoryError(
            f"{path} : aucun territoire déclaré ; ajoutez les vôtres sous « territories: » (l'exemple commenté du "
            f"fichier montre comment)"
        )
    if not isinstance(entries, list) or not entries:
        raise TerritoryError(f"{path} : attendu une clé « territories » contenant une liste de territoires")
    if len(entries) > MAX_TERRITORIES:
        raise TerritoryError(
            f"{path} : {format_number(len(entries))} territoires, au-delà de {format_number(MAX_TERRITORIES)} "
            "(une commune de France par territoire en fait 35 000) : ce n'est pas un fichier de territoires"
        )
    return entries


def _parsed(raw: bytes) -> object:
    """The YAML content of a territories file, every scalar a string (01001 stays "01001"), read back from the
    cache when this very content was parsed before: PyYAML builds the 43 000 scalars of a file of the 1 250
    EPCIs of France in a third of a second, JSON reads them back in a hundredth. Keyed by the content's
    SHA-256, so an edited file is parsed again; only what parsed (no alias, valid YAML) is kept."""
    from ctg_analysis.config import cache_dir

    kept = cache_dir() / "territoires" / f"{hashlib.sha256(raw).hexdigest()}.json"
    try:
        return json.loads(kept.read_bytes())
    except (OSError, ValueError):
        pass  # not parsed yet, or an entry that cannot be read: parse the file
    content = load_yaml(raw.decode("utf-8"), strings=True)
    try:
        write_bytes(kept, json.dumps(content, ensure_ascii=False).encode("utf-8"))
    except OSError as exc:  # a read-only cache only costs the parse next time
        log.debug("territoires non mis en cache (%s)", exc)
    return content


def load_territories(
    path: str | Path, reference: pd.DataFrame, movements: pd.DataFrame | None = None, *, strict: bool = True
) -> Territories:
    """Read and validate a territories file against a commune reference.

    Parameters
    ----------
    path
        The YAML file (see the module documentation for its layout).
    reference
        The commune reference of the data (:func:`~ctg_analysis.geography.commune_reference`).
    movements
        INSEE's commune movements: a territory declared in an older COG year (``cog_year``) has its
        codes followed to the reference's year (a merged commune becomes the new one), and says so.
    strict
        Refuse the whole file when any territory has a problem (default). With ``False``, the
        territories with problems are left out and listed in ``invalid`` (each with its problems), so
        that the others can still be used.

    Returns
    -------
    Territories

    Raises
    ------
    TerritoryError
        The file is missing or malformed, or (``strict``) declares an unknown code or name, a duplicated
        id, a commune listed twice, an arrondissement beside its commune, or an empty territory. All
        problems are listed in one message.

    Examples
    --------
    >>> from ctg_analysis.geography import commune_reference
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> territories = load_territories(DEMO_DIR / "territories.yaml", commune_reference(folder))
    >>> territories.get("ezanville").communes
    ('95229',)
    """
    path = Path(path)
    entries = territory_entries(path)
    problems: list[str] = []
    heads, items = _flatten(entries, problems)
    resolved = _resolve(items, heads, reference, movements, problems)
    duplicated_ids = heads["id"][heads["id"].duplicated()].unique()
    problems += [f"territoire {tid!r} : identifiant déclaré plusieurs fois" for tid in duplicated_ids]
    if problems and (strict or any(_owner(p) is None for p in problems)):
        raise TerritoryError(
            f"{path} : {counted(len(problems), 'problème')}\n" + "\n".join(f"  - {p}" for p in problems)
        )
    invalid: dict[str, tuple[str, ...]] = {}
    for problem in problems:
        invalid[_owner(problem)] = (*invalid.get(_owner(problem), ()), problem)
    for tid, found in invalid.items():
        log.warning(
            "%s : territoire %r écarté (%s) : %s", path, tid, counted(len(found), "problème"), " ; ".join(found)
        )
    heads = heads.loc[~heads["id"].isin(invalid)]
    communes = resolved.groupby("territory", sort=False)["code"].agg(tuple)
    spans = resolved[["territory", "departement"]].dropna().drop_duplicates().sort_values(["territory", "departement"])
    deps = spans.groupby("territory", sort=False)["departement"].agg(tuple)
    territories = tuple(
        Territory(
            row.id,
            row.label,
            tuple(communes.get(row.position, ())),
            None if pd.isna(row.cog_year) else int(row.cog_year),
            row.comparisons,
            tuple(deps.get(row.position, ())),
        )
        for row in heads.itertuples(index=False)
    )
    notes = tuple(
        f"{t.id} : territoire à cheval sur {len(t.departements)} départements ({', '.join(t.departements)})"
        for t in territories
        if len(t.departements) > 1
    )
    followed = resolved.loc[resolved["followed"], ["given", "code"]].drop_duplicates()
    year = reference.attrs.get("cog_year")
    notes += tuple(
        f"code suivi dans les mouvements des communes : {g} → {c} (géographie {year})"
        for g, c in followed.itertuples(index=False)
    )
    for note in notes:
        log.info(note)
    return Territories(path, territories, notes, invalid)


def _shown(text: str) -> str:
    """A text as a message quotes it: escaped (``repr``), and cut after 60 characters.

    Examples
    --------
    >>> _shown("a\\nb"), _shown("x" * 100)[-8:]
    ("'a\\\\nb'", "xxxx'[…]")
    """
    return repr(text) if len(text) <= 60 else f"{text[:60]!r}[…]"


def _owner(problem: str) -> str | None:
    """The territory id a problem message names (every message about one territory starts with it)."""
    found = re.match(r"territoire ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", problem)
    return ast.literal_eval(found.group(1)) if found else None


#: The characters that override or isolate the direction of text (Unicode's bidirectional controls).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _flatten(entries: list, problems: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The YAML entries as two tables: one row per territory, one row per listed commune."""
    heads: list[tuple[int, str, str, int | None, tuple[tuple[str, str], ...]]] = []
    # (territory position, order, code, name, département): a commune given by its code or by its name.
    items: list[tuple[int, int, str | None, str | None, str | None]] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("id"):
            problems.append(f"territoire n°{position + 1} : attendu un identifiant (id) et une liste de communes")
            continue
        tid = str(entry["id"]).strip()
        if len(tid) > MAX_LABEL:  # named by its place: no message quotes it whole, and the file is refused
            problems.append(
                f"territoire n°{position + 1} : identifiant de {format_number(len(tid))} caractères ({_shown(tid)}) ; "
                f"{MAX_LABEL} au plus"
            )
            continue
        where = f"territoire {tid!r}"
        # A control character (a NUL…) cannot go into a folder name or a workbook (XML allows only tabs and
        # line breaks in a text: a label may hold those).
        for name, text, allowed in (("identifiant", tid, ""), ("libellé", str(entry.get("label") or ""), "\t\n\r")):
            if len(text) > MAX_LABEL:
                said = f"{format_number(len(text))} caractères ({_shown(text)})"
                problems.append(f"{where} : {name} de {said} ; {MAX_LABEL} au plus")
            if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
                problems.append(f"{where} : {name} avec un caractère de contrôle ({_shown(text)}) ; retirez-le")
            # An invisible format character turns what a terminal or a page shows around (a right-to-left
            # override) or hides in an id: none in an id, no direction override in a label.
            hidden = [c for c in text if unicodedata.category(c) == "Cf" and (name == "identifiant" or c in _BIDI)]
            if hidden:
                code = f"U+{ord(hidden[0]):04X}"
                problems.append(f"{where} : {name} avec un caractère invisible de mise en forme ({code}) ; retirez-le")
        cog_year = entry.get("cog_year")
        if cog_year is not None and not str(cog_year).isdigit():
            problems.append(f"{where} : cog_year {cog_year!r} n'est pas une année")
            cog_year = None
        listed = entry.get("communes") or []
        if not isinstance(listed, list) or not listed:
            problems.append(f"{where} : aucune commune")
            listed = []
        heads.append(
            (
                position,
                tid,
                str(entry.get("label") or tid).strip(),
                int(cog_year) if cog_year else None,
                _comparisons(entry.get("comparisons") or [], where, problems),
            )
        )
        for order, item in enumerate(listed):
            if isinstance(item, dict) and "code" in item:
                items.append((position, order, str(item["code"]).strip().upper(), None, None))
            elif isinstance(item, dict) and "name" in item:
                items.append(
                    (
                        position,
                        order,
                        None,
                        str(item["name"]).strip(),
                        str(item.get("departement") or "").strip() or None,
                    )
                )
            elif isinstance(item, str):
                items.append((position, order, item.strip().upper(), None, None))
            else:
                problems.append(f"{where} : entrée {item!r} : attendu un code ou {{name: …, departement: …}}")
    head_frame = pd.DataFrame(heads, columns=["position", "id", "label", "cog_year", "comparisons"])
    # Object columns: pandas' string dtype makes the membership tests below ten times slower.
    item_frame = pd.DataFrame(items, columns=["territory", "order", "given", "name", "departement_given"]).astype(
        {"given": object, "name": object, "departement_given": object}
    )
    return head_frame, item_frame


def _resolve(
    items: pd.DataFrame,
    heads: pd.DataFrame,
    reference: pd.DataFrame,
    movements: pd.DataFrame | None,
    problems: list[str],
) -> pd.DataFrame:
    """Codes of the listed communes, checked against the reference all at once."""
    where = items["territory"].map(heads.set_index("position")["id"]).map(lambda tid: f"territoire {tid!r}")
    known = reference.set_index(pd.Index(reference["code"].to_numpy(dtype=object), name="code"))
    communes = reference.loc[reference["type"].eq("COM")]
    items = items.assign(code=items["given"], followed=False)
    _find_by_name(items, where, communes, problems)
    by_code = items["given"].notna()
    short = by_code & items["given"].str.fullmatch(r"\d{4}").fillna(False)
    problems += [
        f"{w} : code {g!r} sur 4 chiffres : écrivez-le entre guillemets avec son zéro initial (« 0{g} »)"
        for w, g in zip(where[short], items.loc[short, "given"], strict=True)
    ]
    unknown = by_code & ~short & ~items["given"].isin(known.index)
    unknown = _follow_declared_years(items, unknown, heads, reference, movements)
    merged_away = _merged_away(items.loc[unknown, "given"], movements, reference.attrs.get("cog_year"))
    unknown = _follow_merged_within(items, unknown, merged_away)
    problems += _unknown_code_problems(items, unknown, where, reference, merged_away, communes)
    resolved = items.loc[items["code"].notna() & ~short & ~unknown & (by_code | items["code"].isin(known.index))]
    resolved = _listed_once(resolved, where, known, problems)
    kinds = resolved.join(known[["type", "parent", "departement"]], on="code")
    problems += _arrondissement_problems(kinds, where)
    return kinds[["territory", "code", "given", "followed", "departement"]]


def _find_by_name(items: pd.DataFrame, where: pd.Series, communes: pd.DataFrame, problems: list[str]) -> None:
    """The codes of the communes given by name: the exact name within the département given with it."""
    by_name = items["name"].notna()
    no_departement = by_name & items["departement_given"].isna()
    problems += [
        f'{w} : commune {n!r} : précisez son département (departement: "95")'
        for w, n in zip(where[no_departement], items.loc[no_departement, "name"], strict=True)
    ]
    named = (
        items.loc[by_name & ~no_departement]
        .reset_index()
        .merge(
            communes[["label", "departement", "code"]].rename(
                columns={"label": "name", "departement": "departement_given", "code": "found"}
            ),
            on=["name", "departement_given"],
            how="left",
        )
    )
    matches = named.groupby("index")["found"].agg(["count", "first", lambda f: ", ".join(f.dropna())])
    matches.columns = ["count", "first", "all"]
    items.loc[matches.index[matches["count"] == 1], "code"] = matches.loc[matches["count"] == 1, "first"]
    for index in matches.index[matches["count"] == 0]:
        name, departement = items.loc[index, ["name", "departement_given"]]
        candidates = communes.loc[communes["departement"].eq(departement), "label"]
        problems.append(
            f"{where[index]} : commune {name!r} inconnue dans le département "
            f"{departement}{did_you_mean(name, candidates)}"
        )
    for index in matches.index[matches["count"] > 1]:
        name, departement = items.loc[index, ["name", "departement_given"]]
        problems.append(
            f"{where[index]} : commune {name!r} ambiguë dans le département {departement} : codes "
            f"{matches.loc[index, 'all']}"
        )


def _follow_declared_years(
    items: pd.DataFrame,
    unknown: pd.Series,
    heads: pd.DataFrame,
    reference: pd.DataFrame,
    movements: pd.DataFrame | None,
) -> pd.Series:
    """Old codes of a territory declared in an earlier geography (``cog_year``), followed through the
    movements to the reference's; the codes still unknown."""
    if not unknown.any() or movements is None:
        return unknown
    year = reference.attrs.get("cog_year")
    declared = items["territory"].map(heads.set_index("position")["cog_year"])
    for since in declared[unknown].dropna().unique():
        if year is None or since >= year:
            continue
        from ctg_analysis.geography.conversion import commune_passage

        passage = commune_passage(movements, int(since), year).drop_duplicates("source", keep=False)
        rows = unknown & declared.eq(since) & items["given"].isin(passage["source"])
        items.loc[rows, "code"] = items.loc[rows, "given"].map(passage.set_index("source")["target"])
        items.loc[rows, "followed"] = True
    return unknown & ~items["followed"]


def _follow_merged_within(items: pd.DataFrame, unknown: pd.Series, merged_away: pd.DataFrame) -> pd.Series:
    """Communes merged away, followed when the commune they merged into is listed too (the territory's
    perimeter is unchanged); the codes still unknown."""
    if not len(merged_away):
        return unknown
    target = items["given"].map(merged_away["target"])
    listed = pd.MultiIndex.from_frame(items.loc[~unknown, ["territory", "code"]])
    within = unknown & pd.MultiIndex.from_arrays([items["territory"], target]).isin(listed)
    items.loc[within, "code"] = target[within]
    items.loc[within, "followed"] = True
    return unknown & ~within


def _unknown_code_problems(
    items: pd.DataFrame,
    unknown: pd.Series,
    where: pd.Series,
    reference: pd.DataFrame,
    merged_away: pd.DataFrame,
    communes: pd.DataFrame,
) -> list[str]:
    """Why each unknown code is unknown: a commune created after the data's geography, merged away, or none."""
    later = _later_communes(reference)
    year = reference.attrs.get("cog_year")
    return [
        f"{w} : code commune {g!r} ({later[g]}) postérieur à la géographie des données (1er janvier "
        f"{year}) : ajoutez des données plus récentes (populations légales) ou déclarez les communes d'origine"
        if g in later
        else _merged_problem(w, merged_away.loc[g], year)
        if g in merged_away.index
        else f"{w} : code commune {g!r} inconnu{_corsica(g, communes['code']) or did_you_mean(g, communes['code'])}"
        for w, g in zip(where[unknown], items.loc[unknown, "given"], strict=True)
    ]


def _listed_once(resolved: pd.DataFrame, where: pd.Series, known: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """Each commune once per territory, in the order listed; a commune listed twice is a problem, but
    communes merged since the territory was declared count once."""
    merged = resolved.groupby(["territory", "code"])["followed"].transform("any")
    twice = resolved.duplicated(["territory", "code"]) & ~merged
    problems += [
        f"{where[i]} : commune {c} ({known.loc[c, 'label']}) listée deux fois"
        for i, c in resolved.loc[twice, "code"].items()
    ]
    return resolved.drop_duplicates(["territory", "code"]).sort_values(["territory", "order"])


def _arrondissement_problems(kinds: pd.DataFrame, where: pd.Series) -> list[str]:
    """Municipal arrondissements listed: the data are communal (the commune counts, or would count twice)."""
    arm = kinds.loc[kinds["type"].eq("ARM")]
    listed = set(zip(kinds["territory"], kinds["code"], strict=True))
    return [
        f"{where[index]} : arrondissement {row['code']} listé avec sa commune {row['parent']} (compté deux fois)"
        if (row["territory"], row["parent"]) in listed
        else f"{where[index]} : {row['code']} est un arrondissement municipal ; les données sont communales, "
        f"utilisez {row['parent']}"
        for index, row in arm.iterrows()
    ]


def _merged_away(given: pd.Series, movements: pd.DataFrame | None, year: int | None) -> pd.DataFrame:
    """Communes merged into another before the reference's year (1 January), by code: the commune that
    holds each now (``target``, ``target_label``), its own name (``label``) and the date.

    Examples
    --------
    >>> from ctg_analysis.geography.embedded import embedded_movements
    >>> _merged_away(pd.Series(["95282", "95169"]), embedded_movements(), 2024).loc["95282"].tolist()
    ['95169', 'Commeny', 'Gouzangrez', Timestamp('2024-01-01 00:00:00')]
    """
    columns = ["target", "target_label", "label", "date"]
    if movements is None or year is None or given.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], dtype="string", name="code"))
    from ctg_analysis.geography.conversion import commune_passage

    gone = movements.loc[
        movements["com_av"].isin(given)
        & movements["com_av"].ne(movements["com_ap"])
        & movements["date_eff"].le(pd.Timestamp(year=year, month=1, day=1))
    ]
    gone = gone.sort_values("date_eff").drop_duplicates("com_av", keep="last")
    # The geography just before each disappearance: a few distinct years, each a passage to the data's year.
    before = (gone["date_eff"] - pd.Timedelta(days=1)).dt.year
    passages = [
        commune_passage(movements, int(since), year, warn=False).drop_duplicates("source", keep=False)
        for since in before.unique()
    ]
    if not passages:
        return pd.DataFrame(columns=columns, index=pd.Index([], dtype="string", name="code"))
    # A split commune has several targets (dropped above): it cannot be followed to one commune.
    target = pd.concat(passages).drop_duplicates("source").set_index("source")["target"]
    names = movements.drop_duplicates("com_ap", keep="last").set_index("com_ap")["libelle_ap"]
    found = gone.loc[gone["com_av"].isin(target.index)].set_index("com_av")
    return pd.DataFrame(
        {
            "target": target.reindex(found.index),
            "target_label": target.reindex(found.index).map(names),
            "label": found["libelle_av"],
            "date": found["date_eff"],
        }
    ).rename_axis("code")


def _merged_problem(where: str, merged: pd.Series, year: int | None) -> str:
    """What to write for a commune merged into another before the data's geography."""
    return (
        f"{where} : code commune {merged.name!r} ({merged['label']}) fusionné dans {merged['target']!r} "
        f"({merged['target_label']}) le {merged['date']:%d/%m/%Y} : la géographie des données est celle du 1er "
        f"janvier {year} ; écrivez {merged['target']!r} (la commune entière), ou déclarez « cog_year: "
        f"{(merged['date'] - pd.Timedelta(days=1)).year} » au territoire pour suivre ses codes"
    )


def _corsica(code: str, codes: pd.Series) -> str:
    """What to write for a Corsican commune given with the code of before 1976 (``20004``): ``2A`` or ``2B``.

    Examples
    --------
    >>> _corsica("20004", pd.Series(["2A004", "2B002"]))
    " : les communes de Corse s'écrivent 2A (Corse-du-Sud) ou 2B (Haute-Corse) depuis 1976 : '2A004' ?"
    >>> _corsica("95205", pd.Series(["95205"]))
    ''
    """
    if not re.fullmatch(r"20\d{3}", code):
        return ""
    found = [c for c in (f"2A{code[2:]}", f"2B{code[2:]}") if c in set(codes)]
    return " : les communes de Corse s'écrivent 2A (Corse-du-Sud) ou 2B (Haute-Corse) depuis 1976" + (
        f" : {' ou '.join(repr(c) for c in found)} ?" if found else ""
    )


def _later_communes(reference: pd.DataFrame) -> pd.Series:
    """Communes created (or re-established) after the reference's year: code → name."""
    from ctg_analysis.geography.embedded import communes_created_after

    year = reference.attrs.get("cog_year")
    return communes_created_after(year) if year is not None else pd.Series(dtype=object)


def _comparisons(raw: object, where: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        problems.append(f"{where} : comparisons doit être une liste de {{level: …, code: …}}")
        return ()
    found = []
    for item in raw:
        if not isinstance(item, dict) or item.get("level") not in COMPARISON_UNIT_LEVELS or not item.get("code"):
            problems.append(
                f"{where} : comparaison {item!r} invalide "
                f"(attendu level parmi {', '.join(COMPARISON_UNIT_LEVELS)} et code)"
            )
            continue
        found.append((str(item["level"]), str(item["code"])))
    return tuple(found)
