"""The parquet cache: the same folder is not parsed twice; a changed file is read again."""

from __future__ import annotations

import shutil

import pandas as pd
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


def test_an_unused_file_keeps_its_verdict_and_a_broken_one_is_read_again(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "dictionnaire.csv").write_text("COD_VAR;LIB_VAR\nP19_POP;Population\n", encoding="utf-8")
    (folder / "base-cc-evol-struct-pop-2019.csv").write_text(
        "CODGEO;P19_POP;P19_POP0002\n95229;-3;1\n", encoding="utf-8"
    )
    cache = tmp_path / "cache"
    first = scan_folder(folder, cache_dir=cache, progress=False).problems
    read = []
    real_read_sheets = registry.read_sheets
    monkeypatch.setattr(registry, "read_sheets", lambda path: read.append(path.name) or real_read_sheets(path))
    second = scan_folder(folder, cache_dir=cache, progress=False).problems
    assert second == first and len(first) == 2
    assert "dictionnaire des variables INSEE" in next(p.reason for p in second if p.path == "dictionnaire.csv")
    assert read == ["base-cc-evol-struct-pop-2019.csv"]  # bad input is never cached: read again, said again


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
    # One entry per content read: the five files, then the changed one beside its old entry.
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 6 and not any(name.startswith(".") for name in entries)
    assert {name.split("-")[0] for name in entries} >= {before.sha256, after.sha256}


def test_unwritable_cache_is_skipped_with_a_warning(tmp_path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    found = scan_folder(DEMO / "filosofi", cache_dir=blocker, progress=False)
    assert len(found.tables) == 5
    assert f"cache non inscriptible ({blocker}) : " in caplog.text


def test_a_new_cache_folder_is_created_with_its_parents(tmp_path):
    cache = tmp_path / "a" / "b" / "cache"
    scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    assert len([p for p in cache.iterdir() if (p / "manifest.json").is_file()]) == 5


def test_a_corrupt_entry_is_read_again_with_a_warning(tmp_path, caplog, monkeypatch):
    cache = tmp_path / "cache"
    first = scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    entry = next(p for p in cache.iterdir() if p.name.startswith(first.table("filosofi", level="departement").sha256))
    (entry / "table-0.parquet").write_bytes(b"not parquet")
    read = []
    original = registry.read_sheets
    monkeypatch.setattr(
        registry, "read_sheets", lambda path, *a, **k: read.append(path.name) or original(path, *a, **k)
    )
    again = scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    assert read == ["FILO2019_DISP_DEP.csv"]
    assert again.table("filosofi", level="departement").data.equals(first.table("filosofi", level="departement").data)
    assert f"cache illisible pour {entry.name} (" in caplog.text and ") : le fichier source sera relu" in caplog.text
    # Rewritten: the next scan reads nothing and says nothing.
    read.clear()
    caplog.clear()
    scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    assert read == [] and "cache illisible" not in caplog.text


def test_an_interrupted_write_leaves_no_entry_and_warns(tmp_path, caplog, monkeypatch):
    import ctg_analysis.sources.cache as cache_module

    staged = []
    original = cache_module.staging_folder
    monkeypatch.setattr(
        cache_module, "staging_folder", lambda parent, prefix: staged.append(parent) or original(parent, prefix)
    )

    def full_disk(self, path, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    cache = tmp_path / "cache"
    found = scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    assert len(found.tables) == 5
    assert list(cache.iterdir()) == []  # no entry, no staging folder left
    assert staged == [cache] * 5  # staged beside the entries: the rename stays on one file system
    assert "écriture du cache impossible (" in caplog.text and ") : No space left on device" in caplog.text


def test_the_manifest_keeps_french_text_readable(tmp_path):
    cache = tmp_path / "cache"
    scan_folder(DEMO / "etat-civil", cache_dir=cache, progress=False)
    (entry,) = cache.iterdir()
    assert "Insee, état civil" in (entry / "manifest.json").read_text(encoding="utf-8")


def test_missing_table_error_lists_what_there_is(demo_folder):
    from ctg_analysis.errors import CtgError

    with pytest.raises(
        CtgError, match=r"aucune table « Filosofi – revenus disponibles » au niveau iris ; disponible : commune 2019"
    ):
        demo_folder.table("filosofi", level="iris")
