"""INSEE's base permanente des équipements (BPE, ``DS_BPE`` in the Melodi layout): what its missing rows mean.

The file lists only the equipment an area has: a commune without a crèche has no ``D502`` row, one without any
school no ``C1`` row. Its totals nest: all equipment (``NB_EQUIP``), domains (``NB_DOM_C``: education), sub-domains
(``NB_SDOM_C1``: primary schools), types (``NB_C108``: école primaire). A missing row is a count of 0 only where the
file's own totals say the area is listed whole: its parent's value is known and its listed children add up to it
(the domains to all equipment, the sub-domains to their domain), or, for a type, its sub-domain is known (a
sub-domain's types are listed exhaustively). A file cut by row (a third party's extract) fails those sums and keeps
its missing rows missing, never read as zeros; a type no area has (cut, or unused that year) stays absent.

Examples
--------
A commune with 22 facilities, 1 of them in education (a primary school, C1), none in health: it has no crèche
and no école maternelle. Of Bordeaux, an extract kept the domains but cut the sub-domains: its schools are unknown.

>>> wide = pd.DataFrame({"NB_EQUIP": [22.0, 500.0], "NB_DOM_A": [21.0, 40.0], "NB_DOM_C": [1.0, 452.0],
...                      "NB_DOM_D": [np.nan, 8.0], "NB_SDOM_C1": [1.0, np.nan], "NB_SDOM_D5": [np.nan, np.nan],
...                      "NB_C107": [np.nan, np.nan], "NB_C108": [1.0, np.nan], "NB_D502": [np.nan, 2.0]})
>>> completed = unlisted_zeros(wide, wide.notna())
>>> completed[["NB_DOM_D", "NB_D502", "NB_C107", "NB_C108"]].values.tolist()
[[0.0, 0.0, 0.0, 1.0], [8.0, 2.0, nan, nan]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DOMAINS", "SUBDOMAINS", "TYPES", "unlisted_zeros"]

#: INSEE's domains of equipment (A services to individuals, B shops, C education, D health and social action,
#: E transport, F sport, leisure and culture, G tourism).
DOMAINS = "ABCDEFG"
#: The types of equipment a CTG looks at, by INSEE's code (FACILITY_TYPE): the établissements d'accueil du jeune
#: enfant, the écoles maternelles, primaires and élémentaires, the collèges.
TYPES = {
    "D502": "établissement d'accueil du jeune enfant",
    "C107": "école maternelle",
    "C108": "école primaire",
    "C109": "école élémentaire",
    "C201": "collège",
}
#: The sub-domains of the domains of those types (``C1`` … ``C9``, ``D1`` … ``D9``): read so that the sums of a
#: domain can be checked; codes a vintage does not use are simply absent.
SUBDOMAINS = tuple(f"{domain}{n}" for domain in sorted({code[0] for code in TYPES}) for n in range(1, 10))


def unlisted_zeros(wide: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """The table with a 0 wherever the file's totals show an area's missing row to be none of it (see the
    module). ``listed`` says which values had a row."""
    wide = wide.copy()
    known = listed.reindex(columns=wide.columns, fill_value=False).astype(bool)
    domains = [f"NB_DOM_{d}" for d in DOMAINS if f"NB_DOM_{d}" in wide.columns]
    _zeros_below(wide, known, "NB_EQUIP", domains)
    for domain in sorted({code[0] for code in TYPES}):
        children = [f"NB_SDOM_{s}" for s in SUBDOMAINS if s[0] == domain and f"NB_SDOM_{s}" in wide.columns]
        _zeros_below(wide, known, f"NB_DOM_{domain}", children)
    for code in (c for c in TYPES if f"NB_{c}" in wide.columns):
        parent = f"NB_SDOM_{code[:2]}"
        if parent in wide.columns:
            fill = ~known[f"NB_{code}"] & known[parent]
            wide.loc[fill, f"NB_{code}"] = 0.0
    # The sub-domains served the sums only: no indicator reads them.
    return wide.drop(columns=[c for c in wide.columns if c.startswith("NB_SDOM_")])


def _zeros_below(wide: pd.DataFrame, known: pd.DataFrame, parent: str, children: list[str]) -> None:
    """Zeros for the unlisted children of a parent whose value is known and equals its listed children's sum
    (a parent known to be 0 has children of 0); the zeros are then known in their turn."""
    if parent not in wide.columns or not children:
        return
    listed_sum = wide[children].where(known[children]).sum(axis=1, min_count=0)
    whole = known[parent] & np.isclose(wide[parent].fillna(-1.0), listed_sum)
    for child in children:
        fill = whole & ~known[child]
        wide.loc[fill, child] = 0.0
        known.loc[fill, child] = True
