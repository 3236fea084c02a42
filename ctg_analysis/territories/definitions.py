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

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ctg_analysis.errors import TerritoryError, did_you_mean

log = logging.getLogger(__name__)

__all__ = ["COMPARISON_LEVELS", "Territories", "Territory", "load_territories"]

#: Levels a territory may name as extra comparisons.
COMPARISON_LEVELS = ("commune", "epci", "departement", "region")


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
        What is allowed but worth saying (a territory across two départements…), in French.
    """

    path: Path
    items: tuple[Territory, ...]
    notes: tuple[str, ...] = field(default=())

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, territory_id: str) -> Territory:
        """The territory of that id, or a :class:`TerritoryError` with a suggestion."""
        for territory in self.items:
            if territory.id == territory_id:
                return territory
        ids = [t.id for t in self.items]
        raise TerritoryError(f"{self.path} : territoire {territory_id!r} inconnu{did_you_mean(territory_id, ids)}")

    def membership(self) -> pd.DataFrame:
        """One row per (territory, commune): the long form the indicators aggregate with.

        Examples
        --------
        >>> load_territories("data/territories.yaml", reference).membership().head(2)  # doctest: +SKIP
                territory   commune
        0  ctg-ecouen     95205
        1  ctg-ecouen     95395
        """
        ids = [t.id for t in self.items for _ in t.communes]
        communes = [c for t in self.items for c in t.communes]
        return pd.DataFrame({"territory": pd.array(ids, dtype="string"), "commune": pd.array(communes, dtype="string")})


def load_territories(path: str | Path, reference: pd.DataFrame, movements: pd.DataFrame | None = None) -> Territories:
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

    Returns
    -------
    Territories

    Raises
    ------
    TerritoryError
        The file is missing or malformed, or declares an unknown code or name, a duplicated id, a commune
        listed twice, an arrondissement beside its commune, or an empty territory. All problems are
        listed in one message.

    Examples
    --------
    >>> territories = load_territories("data/territories.yaml", commune_reference(folder))  # doctest: +SKIP
    >>> territories.get("ezanville").communes  # doctest: +SKIP
    ('95229',)
    """
    path = Path(path)
    try:
        # BaseLoader keeps every scalar a string: 01001 stays "01001" instead of becoming a number.
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except OSError as exc:
        raise TerritoryError(f"{path} : lecture impossible ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise TerritoryError(f"{path} : YAML invalide ({exc})") from exc
    entries = content.get("territories") if isinstance(content, dict) else None
    if not isinstance(entries, list) or not entries:
        raise TerritoryError(f"{path} : attendu une clé « territories » contenant une liste de territoires")
    resolver = _Resolver(reference, movements)
    problems: list[str] = []
    items: list[Territory] = []
    for position, entry in enumerate(entries, start=1):
        territory = _territory(entry, position, resolver, problems)
        if territory is not None:
            items.append(territory)
    seen: set[str] = set()
    for territory in items:
        if territory.id in seen:
            problems.append(f"identifiant {territory.id!r} déclaré plusieurs fois")
        seen.add(territory.id)
    if problems:
        raise TerritoryError(f"{path} : {len(problems)} problème(s)\n" + "\n".join(f"  - {p}" for p in problems))
    notes = tuple(
        f"{t.id} : territoire à cheval sur {len(t.departements)} départements ({', '.join(t.departements)})"
        for t in items
        if len(t.departements) > 1
    ) + tuple(f"code suivi dans les mouvements des communes : {move}" for move in dict.fromkeys(resolver.followed))
    for note in notes:
        log.info(note)
    return Territories(path, tuple(items), notes)


class _Resolver:
    """Finds commune codes from codes or names in a commune reference."""

    def __init__(self, reference: pd.DataFrame, movements: pd.DataFrame | None) -> None:
        self.reference = reference.set_index("code")
        self.year = reference.attrs.get("cog_year")
        self.movements = movements
        self.communes = reference.loc[reference["type"].eq("COM")]
        self.by_name = self.communes.groupby(["label", "departement"])["code"].agg(list).to_dict()
        self.followed: list[str] = []

    def code(self, value: str, cog_year: int | None = None) -> tuple[str | None, str | None, bool]:
        """(code, problem, whether the code was followed through the movements)."""
        code = value.strip().upper()
        if code.isdigit() and len(code) == 4:
            return None, f"code {value!r} sur 4 chiffres : écrivez-le entre guillemets avec son zéro initial (« 0{code} »)", False
        if code not in self.reference.index and (moved := self._follow(code, cog_year)) is not None:
            self.followed.append(f"{code} → {moved} (géographie {self.year})")
            return moved, None, True
        if code not in self.reference.index:
            return None, f"code commune {value!r} inconnu{did_you_mean(code, self.communes['code'])}", False
        return code, None, False

    def _follow(self, code: str, cog_year: int | None) -> str | None:
        """The code a commune of an older COG year has in the reference's year (merges, code changes)."""
        if self.movements is None or cog_year is None or self.year is None or cog_year >= self.year:
            return None
        from ctg_analysis.geography.conversion import commune_passage

        passage = commune_passage(self.movements, cog_year, self.year)
        targets = passage.loc[passage["source"] == code, "target"].unique()
        return str(targets[0]) if len(targets) == 1 else None

    def name(self, name: str, departement: str | None) -> tuple[str | None, str | None, bool]:
        """(code, problem, False): names are looked up in the reference's own year."""
        if not departement:
            return None, f"commune {name!r} : précisez son département (departement: \"95\")", False
        codes = self.by_name.get((name, departement))
        if codes is None:
            candidates = self.communes.loc[self.communes["departement"].eq(departement), "label"]
            return None, f"commune {name!r} inconnue dans le département {departement}{did_you_mean(name, candidates)}", False
        if len(codes) > 1:
            return None, f"commune {name!r} ambiguë dans le département {departement} : codes {', '.join(codes)}", False
        return codes[0], None, False


def _territory(entry: object, position: int, resolver: _Resolver, problems: list[str]) -> Territory | None:
    if not isinstance(entry, dict) or not entry.get("id"):
        problems.append(f"territoire n°{position} : attendu un identifiant (id) et une liste de communes")
        return None
    tid = str(entry["id"]).strip()
    where = f"territoire {tid!r}"
    label = str(entry.get("label") or tid).strip()
    raw_communes = entry.get("communes") or []
    if not isinstance(raw_communes, list) or not raw_communes:
        problems.append(f"{where} : aucune commune")
        return None
    cog_year = entry.get("cog_year")
    if cog_year is not None and not str(cog_year).isdigit():
        problems.append(f"{where} : cog_year {cog_year!r} n'est pas une année")
        cog_year = None
    year = int(cog_year) if cog_year else None
    codes: list[str] = []
    merged: set[str] = set()
    for item in raw_communes:
        if isinstance(item, dict) and "code" in item:
            code, problem, followed = resolver.code(str(item["code"]), year)
        elif isinstance(item, dict) and "name" in item:
            code, problem, followed = resolver.name(str(item["name"]).strip(), str(item.get("departement") or "").strip() or None)
        elif isinstance(item, str):
            code, problem, followed = resolver.code(item, year)
        else:
            code, problem, followed = None, f"entrée {item!r} : attendu un code ou {{name: …, departement: …}}", False
        if problem:
            problems.append(f"{where} : {problem}")
        elif code in codes and (followed or code in merged):
            continue  # communes merged since the territory was declared: one commune now
        elif code in codes:
            problems.append(f"{where} : commune {code} ({resolver.reference.loc[code, 'label']}) listée deux fois")
        else:
            codes.append(code)
            if followed:
                merged.add(code)
    types = resolver.reference.reindex(codes)
    for code, parent in types.loc[types["type"].eq("ARM"), "parent"].items():
        if parent in codes:
            problems.append(f"{where} : arrondissement {code} listé avec sa commune {parent} (compté deux fois)")
        else:
            problems.append(
                f"{where} : {code} est un arrondissement municipal ; les données sont communales, utilisez {parent}"
            )
    comparisons = _comparisons(entry.get("comparisons") or [], where, problems)
    departements = tuple(sorted(types["departement"].dropna().unique()))
    return Territory(tid, label, tuple(codes), year, comparisons, departements)


def _comparisons(raw: object, where: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        problems.append(f"{where} : comparisons doit être une liste de {{level: …, code: …}}")
        return ()
    found = []
    for item in raw:
        if not isinstance(item, dict) or item.get("level") not in COMPARISON_LEVELS or not item.get("code"):
            problems.append(
                f"{where} : comparaison {item!r} invalide (attendu level parmi {', '.join(COMPARISON_LEVELS)} et code)"
            )
            continue
        found.append((str(item["level"]), str(item["code"])))
    return tuple(found)
