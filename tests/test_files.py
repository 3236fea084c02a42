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


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("CTG Écouen / Le Mesnil-Aubry", "ctg-ecouen-le-mesnil-aubry"),
        ("../../x", "x"),
        ("  --Saint-Denis--  ", "saint-denis"),
        ("ÉZANVILLE_2021", "ezanville-2021"),
        ("../..", "sans-nom"),
        ("a" * 79 + " b", "a" * 79),  # cut at 80 characters, never ending with a hyphen
        ("b" * 90, "b" * 80),
        ("Cœur d’Ostrevent — 2€ ß", "coeur-dostrevent-2"),  # what has no ASCII letter is dropped, never an error
    ],
)
def test_a_slug_is_a_safe_lower_case_name(text, slug):
    from ctg_analysis.files import slugify

    assert slugify(text) == slug


def test_a_territory_folder_is_distinct_for_distinct_ids_and_never_a_windows_device():
    import hashlib

    from ctg_analysis.files import slugify, territory_slug

    assert slugify("***", fallback="territoire") == "territoire"
    assert territory_slug("ctg-ecouen") == "ctg-ecouen"
    # Ids that slug alike get folders of their own: the slug, « _ », the first ten digits of the id's SHA-1.
    for given in ("CTG Écouen", "ctg écouen", "../../x", "nul", "COM1", "lpt9", "aux"):
        digest = hashlib.sha1(given.encode("utf-8")).hexdigest()[:10]
        assert territory_slug(given) == f"{slugify(given)}_{digest}"
    assert len({territory_slug(i) for i in ("CTG Écouen", "ctg écouen", "ctg-ecouen")}) == 3


def test_only_the_staging_folders_of_dead_processes_and_swapped_reports_are_cleared(tmp_path):
    from ctg_analysis.files import clear_stale_staging, process_running, staging_folder

    alive = staging_folder(tmp_path, ".rapport.")
    assert alive.name.startswith(f".rapport.{os.getpid()}.") and alive.parent == tmp_path
    dead = tmp_path / ".rapport.999999999.abc"
    kept = {
        "other": tmp_path / ".cache",  # hidden, not a staging folder
        "file": tmp_path / ".rapport.999999998.def",  # a file, not a folder
        "swap": tmp_path / ".ezanville.previous",  # a swap whose new report is not there: another run's
        "named": tmp_path / "rapport.999999997.ghi",  # not hidden
    }
    for path in (dead, kept["other"], kept["swap"], kept["named"], tmp_path / ".ecouen.previous", tmp_path / "ecouen"):
        path.mkdir()
    kept["file"].write_text("x")
    removed = clear_stale_staging(tmp_path)
    assert sorted(p.name for p in removed) == [".ecouen.previous", ".rapport.999999999.abc"]
    assert alive.is_dir() and all(path.exists() for path in kept.values()) and not dead.exists()
    assert process_running(os.getpid()) and not process_running(999_999_999) and not process_running(2**70)


def test_a_process_of_another_user_counts_as_running(monkeypatch):
    # Its staging folder is not removed: os.kill says « not permitted », not « no such process ».
    from ctg_analysis.files import process_running

    def not_permitted(pid, signal):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", not_permitted)
    assert process_running(12345)
