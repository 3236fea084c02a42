"""Each sheet one dataset: every sheet of the demo and of the real files is claimed by exactly one declared
dataset, or by none with a reason (a file the registry knows it does not use, documentation, or a layout
an open issue will read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEMO
from ctg_analysis.errors import UnrecognisedFileError
from ctg_analysis.sources._io import DATA_SUFFIXES
from ctg_analysis.sources.registry import _is_documentation, _unused_reason, matching_datasets, read_file, read_sheets

#: The real files whose sheets no dataset claims yet, by folder, and why.
UNREAD = {
    "cnaf-accueil-jeune-enfant-communes-2017-2022": "columns renamed by a third party: values, not a published layout",
    "cnaf-s-ben-com-f-extract-2020-2024": "a data.caf.fr export (issue 32)",
    "estim-pop-dep-gca-1975-2020": "population estimates by département: no indicator reads them",
    "insee-melodi-explorer-marseille-11-12": "INSEE's Melodi long format, data-explorer export (issue 31)",
    "insee-melodi-extracts-2023-2025": "INSEE's Melodi census, equipment tables (issue 31); its births are read",
    "questionr-rp2012-rp2018": "census counts re-saved by a third party (R package questionr): not a published layout",
}
#: Sheets of a recognised workbook that the toolkit does not use (the legal populations at other levels).
UNUSED_SHEETS = {"Arrondissements", "Cantons et métropoles", "Fractions cantonales", "Communes associées ou déléguées"}


def _sheets(root: Path) -> list[tuple[Path, object]]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
    return [(path, sheet) for path in files for sheet in read_sheets(path)]


def _unclaimed_reason(path: Path, root: Path, sheet) -> str | None:
    """Why no dataset claims a sheet, or None when nothing says why."""
    if (reason := _unused_reason(sheet)) is not None or _is_documentation(sheet):
        return reason or "documentation"
    if sheet.sheet in UNUSED_SHEETS or (sheet.sheet or "").startswith("Collectivités"):
        return "legal populations at a level the toolkit does not use"
    return UNREAD.get(path.relative_to(root).parts[0])


def test_every_demo_sheet_is_one_dataset_or_documentation():
    claimed = 0
    for path, sheet in [*_sheets(DEMO), *_sheets(DEMO.with_name("demo-2019"))]:
        datasets = [d.id for d in matching_datasets(sheet)]
        assert len(datasets) <= 1, f"{path.name} {sheet.sheet}: claimed by {datasets}"
        assert datasets or _is_documentation(sheet) or _unused_reason(sheet), f"{path.name}: no dataset, no reason"
        claimed += len(datasets)
    assert claimed >= 25  # the demo's files were read: the loop above did not check an empty list


@pytest.mark.real
def test_every_real_sheet_is_one_dataset_or_none_with_its_reason(real):
    claimed, unclaimed = 0, []
    for path, sheet in _sheets(real):
        datasets = [d.id for d in matching_datasets(sheet)]
        assert len(datasets) <= 1, f"{path.relative_to(real)} {sheet.sheet}: claimed by {datasets}"
        if datasets:
            claimed += 1
        elif _unclaimed_reason(path, real, sheet) is None:
            unclaimed.append(f"{path.relative_to(real)} {sheet.sheet}")
    assert unclaimed == []
    assert claimed >= 55  # the real files were read: the loop above did not check an empty list


def test_a_sheet_several_datasets_claim_is_refused_by_name_not_read_as_the_first(tmp_path):
    # Births and Filosofi columns side by side, without the census populations of the comparateur base
    # (which has its reader): no declared layout, so no reading that would date it by one of them.
    path = tmp_path / "combined.csv"
    path.write_text("CODGEO;NAISD20;MED19\n95229;106;24430\n", encoding="utf-8")
    assert [d.id for s in read_sheets(path) for d in matching_datasets(s)] == ["births", "filosofi"]
    with pytest.raises(UnrecognisedFileError, match="plusieurs jeux de données à la fois") as refused:
        read_file(path)
    assert "naissances" in str(refused.value) and "Filosofi" in str(refused.value)


def test_every_reader_says_what_it_recognises_and_reads():
    from ctg_analysis.sources.datasets import DATASETS

    undocumented = {
        f"{f.__module__}.{f.__qualname__}"
        for d in DATASETS.values()
        for f in (d.matches, d.read)
        if f is not None and not f.__doc__
    }
    assert undocumented == set()
