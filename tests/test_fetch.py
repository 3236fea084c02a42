"""``ctg fetch`` against a local server answering like Melodi, data.caf.fr and IGN's WFS (no internet)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from publishers import Publishers, melodi_catalog, ods_export, wfs_layer

from ctg_analysis.cli import main
from ctg_analysis.fetch import LOCK_FILE, catalogue, read_lock
from ctg_analysis.fetch.catalogue import unfetched
from ctg_analysis.resources import DEMO_DIR
from ctg_analysis.sources.datasets import DATASETS

BIRTHS = "/melodi/file/DS_ETAT_CIVIL_NAIS_COMMUNES/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR"
EMPLOYMENT = "/melodi/file/DS_RP_EMPLOI_LR_PRINC/DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR"
ODS = "/api/explore/v2.1/catalog/datasets"
#: The CNAF files of the demo, served as data.caf.fr's exports.
CAF = [
    "s_ben_com_f",
    "s_ben_dep",
    "s_ben_nat",
    "txcouv_pe_com",
    "txcouv_pe_epci",
    "txcouv_pe_dep",
    "txcouv_pe_nat",
    "nbpla_pe_com",
    "nbpla_pe_epci",
    "nbpla_pe_dep",
]
#: What the server holds, as ``ctg fetch --dataset`` asks for it.
SERVED = [
    "naissances",
    "recensement-emploi",
    "caf-communes",
    "caf-departements",
    "caf-france",
    "couverture-communes",
    "couverture-epci",
    "couverture-departements",
    "couverture-france",
    "places-communes",
    "places-epci",
    "places-departements",
    "contours-communes",
]
SEED = {
    "territories": [
        {
            "id": "ctg-ecouen",
            "label": "CTG Écouen, Le Mesnil-Aubry, Puiseux-en-France, Bouqueval et Le Plessis-Gassot",
            "communes": ["95205", "95395", "95509", "95094", "95492"],
        }
    ]
}


def _melodi_files() -> dict[str, bytes]:
    return {
        "DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": (
            DEMO_DIR / "etat-civil" / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip"
        ).read_bytes(),
        "DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR": (
            DEMO_DIR / "recensement" / "DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR.zip"
        ).read_bytes(),
    }


def serve_melodi(server: Publishers, files: dict[str, bytes], catalog: list | None = None) -> None:
    """Melodi's catalogue and bulk files."""
    server.routes["/melodi/catalog/all"] = json.dumps(catalog or melodi_catalog(files)).encode()
    for product, content in files.items():
        dataset = product.rsplit("_CSV_FR", 1)[0].rstrip("0123456789").rstrip("_")
        server.routes[f"/melodi/file/{dataset}/{product}"] = content


def serve_caf(server: Publishers, modified: str = "2025-03-01T10:00:00+00:00") -> None:
    for dataset in CAF:
        server.routes[f"{ODS}/{dataset}"] = json.dumps({"metas": {"default": {"modified": modified}}}).encode()
        server.routes[f"{ODS}/{dataset}/exports/csv"] = ods_export((DEMO_DIR / "caf" / f"{dataset}.csv").read_bytes())


@pytest.fixture
def server(tmp_path, monkeypatch):
    """The publishers, serving the demo's files (in their official layouts) for the seed territory."""
    publishers = Publishers()
    serve_melodi(publishers, _melodi_files())
    serve_caf(publishers)
    publishers.routes["/wfs/ows"] = wfs_layer((DEMO_DIR / "contours" / "communes-demo.geojson").read_bytes())
    for name in ("MELODI", "CAF", "IGN", "INSEE"):
        monkeypatch.setenv(f"CTG_FETCH_URL_{name}", publishers.url + ("/melodi" if name == "MELODI" else ""))
    monkeypatch.setenv("CTG_DOWNLOAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("CTG_QUIET", "1")
    monkeypatch.delenv("CTG_PROJECT_DIR")  # each test's project is found from its folder, as the analyst's
    yield publishers
    publishers.close()


def _project(tmp_path: Path, name: str = "P") -> Path:
    root = tmp_path / name
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    (root / "data" / "territories.yaml").write_text(yaml.safe_dump(SEED, allow_unicode=True), encoding="utf-8")
    return root


def fetch(root: Path, *arguments: str, datasets=SERVED):
    """``ctg fetch`` run in a project, as the analyst types it."""
    chosen = [f"--dataset={d}" for d in datasets]
    previous = Path.cwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, ["fetch", *arguments, *chosen], catch_exceptions=False)
    finally:
        os.chdir(previous)


def said(result) -> str:
    """What the command printed, as read: wrapped lines joined, French narrow spaces as spaces."""
    return result.output.replace("\n    ", " ").replace("\u202f", " ").replace("\u00a0", " ")


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- the catalogue -----------------------------------------------------------------------------------------


def test_every_source_feeds_a_readable_dataset_and_every_readable_dataset_is_fetched_or_said():
    fed = {dataset for source in catalogue() for dataset in source.feeds}
    assert fed - {"outlines"} <= set(DATASETS), "a source feeds a dataset the registry does not read"
    melodi_read = {layout.name for dataset in DATASETS.values() for layout in dataset.melodi}
    melodi_fetched = {s.dataset for s in catalogue() if s.route == "melodi-file"}
    assert melodi_fetched == melodi_read, "every Melodi dataset read is fetched, and the other way round"
    assert set(DATASETS) - fed == set(unfetched()), "a dataset neither fetched nor said why"
    for source in catalogue():
        assert source.area == "none" or source.field, source.id


# --- the main path: init, fetch, report ----------------------------------------------------------------------


@pytest.mark.reports
def test_init_fetch_report_gives_the_seed_s_report_with_every_file_cited_with_its_checksum(server, tmp_path):
    root = _project(tmp_path)
    result = fetch(root, "--territory", "ctg-ecouen")
    assert result.exit_code == 0, result.output
    lock = read_lock(root / "data" / "raw")
    assert len(lock) == len(SERVED)
    served = (DEMO_DIR / "etat-civil" / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip").read_bytes()
    births = lock["insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"]
    assert (births.sha256, births.size, births.version) == (_sha(served), len(served), "2025-09-02T13:37:19")
    # The CNAF's files asked for the département (commune files) and the seed's EPCIs only.
    communes = pd.read_csv(root / "data" / "raw" / "caf" / "s_ben_com_f.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert set(communes["numcomdo"].str[:2]) == {"95"}
    previous = Path.cwd()
    os.chdir(root)
    try:
        report = CliRunner().invoke(main, ["report", "--all", "--workers", "1"], catch_exceptions=False)
    finally:
        os.chdir(previous)
    assert report.exit_code == 0, report.output
    page = (root / "reports" / "ctg-ecouen" / "diagnostic.html").read_text(encoding="utf-8")
    assert "Fichiers téléchargés par ctg fetch" in page
    for entry in lock.values():
        assert f"{entry.path} : {entry.publisher}" in page and f"sha256 {entry.sha256[:8]}" in page, entry.path


# --- behaving well on the network ----------------------------------------------------------------------------


def test_a_429_with_retry_after_and_a_503_are_retried_and_the_files_land_whole(server, tmp_path):
    root = _project(tmp_path)
    server.faults[BIRTHS] = ["429"]
    server.faults[f"{ODS}/s_ben_com_f/exports/csv"] = ["503"]
    start = time.monotonic()
    result = fetch(root, datasets=["naissances", "caf-communes"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start >= 1  # Retry-After: 1 obeyed
    assert len(server.requests_to(BIRTHS)) == 2 and len(server.requests_to(f"{ODS}/s_ben_com_f/exports/csv")) == 2
    births = root / "data" / "raw" / "insee" / "DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"
    assert _sha(births.read_bytes()) == _sha(_melodi_files()["DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR"])


def _big_zip() -> bytes:
    """A Melodi-like bulk file large enough to be cut after several chunks (random bytes do not compress)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv", os.urandom(400_000))
    return buffer.getvalue()


def test_a_connection_cut_mid_file_is_resumed_from_where_it_stopped(server, tmp_path):
    content = _big_zip()
    serve_melodi(server, {"DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": content})
    server.faults[BIRTHS] = ["cut"]
    root = _project(tmp_path)
    assert fetch(root, datasets=["naissances"]).exit_code == 0
    (first, _, _), (_, _, asked) = server.requests_to(BIRTHS)
    assert asked.startswith("bytes=") and int(asked[6:-1]) > 0, asked  # resumed, not started again
    landed = root / "data" / "raw" / "insee" / "DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"
    assert landed.read_bytes() == content


def test_an_interrupted_fetch_keeps_nothing_half_done_and_resumes_at_the_next_run(server, tmp_path):
    content = _big_zip()
    serve_melodi(server, {"DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": content})
    server.faults[BIRTHS] = ["cut"] * 6
    root = _project(tmp_path)
    stopped = fetch(root, datasets=["naissances", "caf-communes"])
    assert stopped.exit_code == 1
    assert "connexion coupée 6 fois" in said(stopped) and "Traceback" not in said(stopped)
    raw = root / "data" / "raw"
    assert not (raw / "insee").exists(), "no half file in the data folder"
    assert (raw / "caf" / "s_ben_com_f.csv").is_file(), "what was fetched is kept"
    assert list((tmp_path / "cache").glob("*.part")), "the partial download waits in the cache"
    server.received.clear()
    assert fetch(root, datasets=["naissances"]).exit_code == 0
    [(_, _, asked)] = server.requests_to(BIRTHS)
    assert asked.startswith("bytes=") and int(asked[6:-1]) > 0
    assert (raw / "insee" / "DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip").read_bytes() == content


def test_a_file_of_another_size_than_announced_is_refused_and_nothing_lands(server, tmp_path):
    files = _melodi_files()
    catalog = melodi_catalog(files)
    products = catalog[0]["product"]
    assert isinstance(products, list)
    products[0]["byteSize"] = len(files["DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR"]) + 10
    serve_melodi(server, files, catalog)
    root = _project(tmp_path)
    result = fetch(root, datasets=["naissances"])
    assert result.exit_code == 1
    assert "6 326 octets reçus, 6 336 annoncés" in said(result)
    assert not (root / "data" / "raw" / "insee").exists() and not list((tmp_path / "cache").glob("*.part"))
    assert LOCK_FILE not in os.listdir(root / "data" / "raw")


def test_no_network_is_one_french_line_and_exit_code_1(server, tmp_path, monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("CTG_FETCH_URL_MELODI", f"http://127.0.0.1:{port}/melodi")
    root = _project(tmp_path)
    result = fetch(root, datasets=["naissances", "caf-communes"])
    assert result.exit_code == 1
    assert "Insee, API Melodi injoignable (127.0.0.1) : pas de réseau" in said(result)
    assert "Traceback" not in said(result)
    assert (root / "data" / "raw" / "caf" / "s_ben_com_f.csv").is_file()


# --- the publishers' changes ---------------------------------------------------------------------------------


def test_a_dataset_renamed_by_its_publisher_is_said_and_the_others_are_fetched(server, tmp_path):
    serve_melodi(server, {"DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR": _melodi_files()["DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR"]})
    del server.routes[f"{ODS}/s_ben_com_f"]
    root = _project(tmp_path)
    result = fetch(root, datasets=["naissances", "caf-communes", "recensement-emploi"])
    assert result.exit_code == 1
    assert "DS_ETAT_CIVIL_NAIS_COMMUNES n'est plus au catalogue (renommé ou retiré ?)" in said(result)
    assert "CNAF, data.caf.fr : introuvable" in said(result) and "renommé ou retiré" in said(result)
    assert list(read_lock(root / "data" / "raw")) == ["insee/DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR.zip"]


def test_a_vintage_not_published_is_never_replaced_by_another(server, tmp_path):
    root = _project(tmp_path)
    result = fetch(root, "--millesime", "2023", datasets=["recensement-emploi", "naissances"])
    assert result.exit_code == 1
    assert "DS_RP_EMPLOI_LR_PRINC n'est pas publié au millésime 2023 (publié : 2019)" in said(result)
    # The births file holds every year: it has no vintage to choose.
    assert list(read_lock(root / "data" / "raw")) == ["insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"]


def test_update_fetches_again_only_what_the_publisher_changed(server, tmp_path):
    root = _project(tmp_path)
    assert fetch(root, datasets=["naissances", "caf-communes"]).exit_code == 0
    newer = _big_zip()
    serve_melodi(
        server,
        {"DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": newer},
        melodi_catalog({"DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": newer}, modified="2026-09-01T09:00:00"),
    )
    server.received.clear()
    plain = fetch(root, datasets=["naissances", "caf-communes"])
    assert "naissances" in said(plain) and server.received == [], "without --update, nothing is asked"
    updated = fetch(root, "--update", datasets=["naissances", "caf-communes"])
    assert updated.exit_code == 0, updated.output
    lines = {line.split(" : ")[0]: line for line in said(updated).splitlines() if " : " in line}
    assert lines["naissances"].endswith("téléchargé") and "inchangé chez l'éditeur" in lines["caf-communes"]
    assert read_lock(root / "data" / "raw")["insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"].sha256 == _sha(newer)
    assert server.requests_to(f"{ODS}/s_ben_com_f/exports/csv") == []


def test_a_second_project_fetches_nothing_and_offline_reads_only_the_cache(server, tmp_path):
    first = _project(tmp_path, "A")
    assert fetch(first, "--territory", "ctg-ecouen").exit_code == 0
    server.received.clear()
    second = _project(tmp_path, "B")
    again = fetch(second, "--territory", "ctg-ecouen")
    assert again.exit_code == 0 and server.received == [], "everything came from the download cache"
    assert "repris du cache de téléchargement" in said(again)
    assert read_lock(second / "data" / "raw").keys() == read_lock(first / "data" / "raw").keys()
    offline = fetch(_project(tmp_path, "C"), "--offline", "--territory", "ctg-ecouen")
    assert offline.exit_code == 0 and server.received == []
    (tmp_path / "cache").rename(tmp_path / "elsewhere")
    empty = fetch(_project(tmp_path, "D"), "--offline", datasets=["naissances"])
    assert empty.exit_code == 1 and "hors ligne" in said(empty) and server.received == []


def test_fetch_check_names_a_file_changed_since_its_lock(server, tmp_path):
    root = _project(tmp_path)
    assert fetch(root, datasets=["naissances", "caf-communes"]).exit_code == 0
    assert fetch(root, "--check", datasets=[]).exit_code == 0
    changed = root / "data" / "raw" / "caf" / "s_ben_com_f.csv"
    changed.write_bytes(changed.read_bytes().replace(b";95", b";96", 1))
    result = fetch(root, "--check", datasets=[])
    assert result.exit_code == 1
    assert "modifié : caf/s_ben_com_f.csv : ne correspond plus à son verrou" in said(result)
    assert "DS_ETAT_CIVIL" not in said(result)
    # ctg fetch puts the publisher's file back (from the cache), and the data check says which files are fetched.
    restored = fetch(root, datasets=["caf-communes"])
    assert restored.exit_code == 0 and "rétabli : le fichier ne correspondait plus au verrou" in said(restored)
    assert fetch(root, "--check", datasets=[]).exit_code == 0


def test_a_dry_run_says_what_where_from_and_how_big_and_writes_nothing(server, tmp_path):
    root = _project(tmp_path)
    result = fetch(root, "--dry-run", "--territory", "ctg-ecouen", datasets=["naissances", "caf-communes"])
    assert result.exit_code == 0, result.output
    assert "naissances : insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip (6,3 ko, version du 2 septembre 2025)" in (
        result.output.replace("\n    ", " ")
    )
    assert "à télécharger depuis Insee, API Melodi" in said(result).replace("\n    ", " ")
    assert not (root / "data" / "raw" / "insee").exists() and LOCK_FILE not in os.listdir(root / "data" / "raw")
    assert server.requests_to(BIRTHS) == []


def test_a_file_already_there_that_ctg_fetch_did_not_write_is_never_overwritten(server, tmp_path):
    root = _project(tmp_path)
    mine = root / "data" / "raw" / "caf" / "s_ben_com_f.csv"
    mine.parent.mkdir(parents=True)
    mine.write_text("mon fichier", encoding="utf-8")
    result = fetch(root, datasets=["caf-communes"])
    assert result.exit_code == 1 and "sans venir de « ctg fetch »" in said(result)
    assert mine.read_text(encoding="utf-8") == "mon fichier"


# --- the real files --------------------------------------------------------------------------------------------


@pytest.mark.real
def test_the_real_melodi_catalogue_and_births_file_fetched_read_as_by_hand(server, tmp_path, real):
    """INSEE's recorded catalogue (its DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR announces 3 794 244 bytes) and the
    real national births file; IGN-like outlines of the Val-d'Oise."""
    recorded = yaml.safe_load((real / "insee-melodi-api-responses" / "get_catalog_fr.yml").read_text(encoding="utf-8"))
    server.routes["/melodi/catalog/all"] = recorded["http_interactions"][0]["response"]["body"]["string"].encode()
    births = (real / "insee-melodi-naissances-2008-2024" / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip").read_bytes()
    server.routes[BIRTHS] = births
    server.routes["/wfs/ows"] = wfs_layer(
        (real / "geometries-admin-express-2018" / "communes-95-val-d-oise.geojson").read_bytes()
    )
    root = _project(tmp_path)
    result = fetch(root, "--territory", "ctg-ecouen", datasets=["naissances", "contours-communes"])
    assert result.exit_code == 0, result.output
    raw = root / "data" / "raw"
    entry = read_lock(raw)["insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"]
    assert (entry.size, entry.version, entry.sha256) == (3_794_244, "2025-09-02T13:37:19", _sha(births))
    with zipfile.ZipFile(io.BytesIO(births)) as archive:
        member = next(n for n in archive.namelist() if n.endswith("_data.csv"))
        plain = pd.read_csv(archive.open(member), sep=";", dtype={"GEO": str})
    expected = plain.loc[(plain["GEO"] == "95229") & (plain["TIME_PERIOD"] == 2018), "OBS_VALUE"].item()
    from ctg_analysis.sources.folder import scan_folder

    folder = scan_folder(raw, cache_dir=False, progress=False)
    table = next(t for t in folder.tables if t.dataset == "births" and t.level == "commune")
    got = table.data.set_index(["geo", "period"]).loc[("95229", 2018)].iloc[0]
    assert got == expected == 128
    assert [layer.level for layer in folder.outlines] == ["commune"]
    assert folder.fetched()[0].startswith("ign/commune-95.geojson : IGN, Géoplateforme")


def test_a_proxy_from_the_environment_carries_every_request(server, tmp_path, monkeypatch):
    """HTTP(S)_PROXY as a CAF's network sets it: the publisher's name is never resolved, the proxy asked."""
    monkeypatch.setenv("CTG_FETCH_URL_MELODI", "http://api.insee.invalid/melodi")
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("NO_PROXY", "")
    root = _project(tmp_path)
    result = fetch(root, datasets=["naissances"])
    assert result.exit_code == 0, result.output
    assert read_lock(root / "data" / "raw")["insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip"].url == (
        "http://api.insee.invalid/melodi" + BIRTHS.removeprefix("/melodi")
    )


@pytest.mark.parametrize(
    ("fault", "said_"),
    [
        ("503", "CNAF, data.caf.fr : service indisponible (HTTP 503) ; réessayez plus tard"),
        ("429", "CNAF, data.caf.fr : quota de requêtes atteint (HTTP 429) ; réessayez dans 1 s"),
    ],
)
def test_a_publisher_that_keeps_refusing_is_said_after_the_retries(server, tmp_path, fault, said_):
    from ctg_analysis.errors import FetchError
    from ctg_analysis.fetch import Fetcher, chosen_sources
    from ctg_analysis.fetch.plan import Areas

    server.faults[f"{ODS}/s_ben_com_f/exports/csv"] = [fault] * 10
    fetcher = Fetcher(tmp_path / "data", backoff=0)
    [request], problems = fetcher.plan(chosen_sources(["caf-communes"]), Areas(("95",)))
    with pytest.raises(FetchError, match=rf"^{re.escape(said_)}$"):
        fetcher.fetch(request)
    assert problems == [] and len(server.requests_to(f"{ODS}/s_ben_com_f/exports/csv")) == 6  # 1 + 5 retries
    assert not (tmp_path / "data" / "caf").exists()


def test_the_rate_of_a_publisher_allows_a_burst_then_one_request_per_interval(monkeypatch):
    from ctg_analysis.fetch import http

    slept: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(http.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(
        http.time, "sleep", lambda seconds: (slept.append(seconds), clock.__setitem__(0, clock[0] + seconds))
    )
    rate = http._Rate(30)  # Melodi: about 30 a minute
    for _ in range(30):
        rate.wait()
    assert slept == []
    rate.wait()
    assert slept == [pytest.approx(2.0)]  # then one every 2 s
    clock[0] += 10  # ten seconds without a request: five more allowed at once
    for _ in range(5):
        rate.wait()
    assert len(slept) == 1


@pytest.mark.slow
def test_ctrl_c_during_a_download_keeps_its_part_and_the_next_run_resumes(server, tmp_path):
    content = _big_zip()
    serve_melodi(server, {"DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": content})
    server.faults[BIRTHS] = ["slow"]
    root = _project(tmp_path)
    command = [str(Path(sys.executable).with_name("ctg")), "fetch", "--dataset", "naissances"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not [p for p in (tmp_path / "cache").glob("*.part") if p.stat().st_size] and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    start = time.monotonic()
    _, errors = process.communicate(timeout=30)
    assert time.monotonic() - start < 10
    assert process.returncode == 130, errors
    assert "interrompu" in errors and "reprendra où il s'est arrêté" in errors and "Traceback" not in errors
    assert not (root / "data" / "raw" / "insee").exists()
    server.received.clear()
    assert fetch(root, datasets=["naissances"]).exit_code == 0
    [(_, _, asked)] = server.requests_to(BIRTHS)
    assert int(asked[6:-1]) > 0
    assert (root / "data" / "raw" / "insee" / "DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip").read_bytes() == content


@pytest.mark.parametrize(
    ("answer", "said_"),
    [
        ({"type": "FeatureCollection", "features": [], "numberMatched": 0}, "aucun contour dans la réponse"),
        ({"type": "FeatureCollection", "features": "x"}, "réponse qui n'est pas un GeoJSON"),
    ],
)
def test_an_outline_answer_that_is_empty_or_not_geojson_is_refused(server, tmp_path, answer, said_):
    server.routes["/wfs/ows"] = json.dumps(answer).encode()
    root = _project(tmp_path)
    result = fetch(root, "--territory", "ctg-ecouen", datasets=["contours-communes"])
    assert result.exit_code == 1 and said_ in said(result)
    assert not (root / "data" / "raw" / "ign").exists()


def test_an_outline_answer_cut_at_the_service_s_page_size_is_refused(server, tmp_path):
    served = json.loads(
        wfs_layer((DEMO_DIR / "contours" / "communes-demo.geojson").read_bytes())(
            {"TYPENAMES": "ADMINEXPRESS-COG-CARTO.LATEST:commune", "CQL_FILTER": "code_insee_du_departement='95'"}
        )
        or b""
    )
    served["features"] = served["features"][:5]  # as a WFS cut at its page size: 5 of the 32 matched
    server.routes["/wfs/ows"] = json.dumps(served).encode()
    root = _project(tmp_path)
    result = fetch(root, "--territory", "ctg-ecouen", datasets=["contours-communes"])
    assert result.exit_code == 1
    assert "ign/commune-95.geojson : réponse tronquée par le service (5 contours sur 32), non gardé" in said(result)


def test_a_maintenance_page_served_instead_of_an_archive_is_refused(server, tmp_path):
    page = b"<html><body>Service en maintenance</body></html>"
    serve_melodi(server, {"DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR": page})
    root = _project(tmp_path)
    result = fetch(root, datasets=["naissances"])
    assert result.exit_code == 1
    assert "insee/DS_ETAT_CIVIL_NAIS_COMMUNES_CSV_FR.zip : archive illisible, non gardé" in said(result)
    assert not (root / "data" / "raw" / "insee").exists() and not list((tmp_path / "cache").rglob("content"))


@pytest.mark.real
def test_a_real_cnaf_export_filtered_to_a_departement_holds_exactly_its_rows(server, tmp_path, real):
    """data.caf.fr's s_ben_com_f as exported (BOM, ``;``, field ids), asked for Corse-du-Sud: the file fetched
    holds the rows of 2A and no other, and reads as by hand (RSA households of Alata, December 2024)."""
    raw = (real / "cnaf-s-ben-com-f-extract-2020-2024" / "cnaf_s_ben_com_sample.csv").read_bytes()
    server.routes[f"{ODS}/s_ben_com_f/exports/csv"] = ods_export(raw)
    root = _project(tmp_path)
    result = fetch(root, "--departement", "2A", datasets=["caf-communes"])
    assert result.exit_code == 0, result.output
    fetched = root / "data" / "raw" / "caf" / "s_ben_com_f.csv"
    plain = pd.read_csv(io.BytesIO(raw), sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    got = pd.read_csv(fetched, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    expected = plain.loc[plain["numcomdo"].str.startswith("2A")].reset_index(drop=True)
    assert len(expected) and got.equals(expected)
    alata = plain.loc[(plain["numcomdo"] == "2A006") & (plain["dtreffre"] == "2024-12"), "indfoy_rsa"].item()
    from ctg_analysis.sources.folder import scan_folder

    table = next(t for t in scan_folder(fetched.parent, cache_dir=False, progress=False).tables if t.level == "commune")
    assert table.data.set_index(["geo", "period"]).loc[("2A006", 2024), "ARSAS"] == float(alata) == 30


def test_fetch_check_without_a_lock_says_so_and_a_broken_lock_is_named(server, tmp_path):
    root = _project(tmp_path)
    nothing = fetch(root, "--check", datasets=[])
    assert nothing.exit_code == 0 and "Aucun fichier téléchargé par ctg fetch" in said(nothing)
    assert "conformes" not in said(nothing)
    (root / "data" / "raw" / LOCK_FILE).write_text("[[file]]\npath = 'a.csv'\nsha256 = \n", encoding="utf-8")
    for arguments in (("--check",), ()):
        broken = fetch(root, *arguments, datasets=[] if arguments else ["naissances"])
        assert broken.exit_code == 2 and "Traceback" not in broken.output
        assert f"{LOCK_FILE} : fichier de verrou illisible" in said(broken)
