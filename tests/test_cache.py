"""The parquet cache: the same folder is not parsed twice; a changed file is read again."""

from __future__ import annotations

import shutil

import pytest

import ctg_analysis.sources.registry as registry
from conftest import DEMO
from ctg_analysis.sources.folder import scan_folder


def test_second_scan_reads_no_raw_file(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = scan_folder(DEMO, cache_dir=cache, progress=False)

    def forbidden(path):
        raise AssertionError(f"relu : {path}")

    monkeypatch.setattr(registry, "read_sheets", forbidden)
    second = scan_folder(DEMO, cache_dir=cache, progress=False)
    assert [t.metadata() for t in second.tables] == [t.metadata() for t in first.tables]
    for a, b in zip(first.tables, second.tables, strict=True):
        assert a.data.equals(b.data)
        assert list(a.data.dtypes) == list(b.data.dtypes)


def test_changed_file_is_read_again(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEMO / "filosofi", folder)
    cache = tmp_path / "cache"
    before = scan_folder(folder, cache_dir=cache, progress=False).table("filosofi", level="departement")
    path = folder / "FILO2019_DISP_DEP.csv"
    text = path.read_text(encoding="utf-8-sig")
    old = before.data.set_index("geo").loc["95", "Q2"]
    path.write_text(text.replace(f";{int(old)};", ";99990;"), encoding="utf-8-sig")
    after = scan_folder(folder, cache_dir=cache, progress=False).table("filosofi", level="departement")
    assert after.data.set_index("geo").loc["95", "Q2"] == 99990
    assert after.sha256 != before.sha256
    assert len(list(cache.iterdir())) == len({*(p.name for p in cache.iterdir())})


def test_unwritable_cache_is_skipped_with_a_warning(tmp_path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    found = scan_folder(DEMO / "filosofi", cache_dir=blocker, progress=False)
    assert len(found.tables) == 5
    assert "cache non inscriptible" in caplog.text


def test_missing_table_error_lists_what_there_is(demo_folder):
    from ctg_analysis.errors import CtgError

    with pytest.raises(CtgError, match=r"aucune table « Filosofi – revenus disponibles » au niveau iris ; disponible : commune 2019"):
        demo_folder.table("filosofi", level="iris")
