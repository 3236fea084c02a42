"""Generated files follow the user's umask (colleagues on a shared drive can read them), still written
through a temporary file or a staging folder renamed into place."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import DEMO
from ctg_analysis.files import staging_folder, write_bytes
from ctg_analysis.sources.folder import scan_folder


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_written_files_and_staging_folders_follow_the_umask(tmp_path, umask_022):
    target = tmp_path / "sortie" / "rapport.html"
    write_bytes(target, b"<p>ok</p>")
    assert _mode(target) == 0o644 and target.read_bytes() == b"<p>ok</p>"
    assert [p.name for p in target.parent.iterdir()] == ["rapport.html"]  # no temporary file left
    assert _mode(staging_folder(tmp_path, ".x.")) == 0o755


def test_cache_entries_follow_the_umask(tmp_path, umask_022):
    cache = tmp_path / "cache"
    scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    entries = [p for p in cache.iterdir() if not p.name.startswith(".")]
    assert entries and all(_mode(p) == 0o755 for p in entries)
    assert all(_mode(f) == 0o644 for p in entries for f in p.iterdir())


def test_a_write_that_fails_half_way_leaves_the_previous_file_whole_and_no_temporary(tmp_path):
    # The failure comes after bytes were written: a write in place would have left the file cut.
    from ctg_analysis.files import atomic_path

    path = tmp_path / "rapport.csv"
    path.write_text("l'édition précédente, entière\n", encoding="utf-8")
    with pytest.raises(OSError, match="disque plein"), atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write("le début de la nouvelle édi")
            handle.flush()
        raise OSError("disque plein")
    assert path.read_text(encoding="utf-8") == "l'édition précédente, entière\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.csv"]
    with atomic_path(path) as temporary:
        temporary.write_text("la nouvelle édition\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "la nouvelle édition\n"


def test_an_old_report_set_aside_by_an_interrupted_swap_is_removed_once_its_new_report_is_in_place(tmp_path):
    from ctg_analysis.files import clear_stale_staging

    for name in ("ezanville", ".ezanville.previous", ".ctg-ecouen.previous"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "diagnostic.html").write_text("rapport", encoding="utf-8")
    assert [p.name for p in clear_stale_staging(tmp_path)] == [".ezanville.previous"]
    # Without its new report, the set-aside one may be another run's swap, or the only copy: kept.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ctg-ecouen.previous", "ezanville"]
