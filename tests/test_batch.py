"""The batch's pieces one by one: folder names, the manifest read by --resume, the swap into place, a
failure kept beside the previous report, the key figures of the index; then one territory rendered on a
tiny template, in a fresh kernel and in a reused one."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import DEMO, TINY_TEMPLATE, tiny_template
from ctg_analysis.errors import CtgError
from ctg_analysis.files import territory_slug
from ctg_analysis.reports import render_reports
from ctg_analysis.reports.index import write_index
from ctg_analysis.reports.metadata import MANIFEST, Status
from ctg_analysis.reports.render import (
    RenderJob,
    RenderResult,
    _failed,
    _swap,
    render,
    up_to_date,
)
from ctg_analysis.reports.templates import Template


def _two_demo_pages(tmp_path, cells: str, *, workers: int) -> list[str]:
    """The pages of two demo territories rendered by a batch of the tiny template with ``cells``, both ok."""
    results = render_reports(
        ["ezanville", "ctg-ecouen"],
        data_dir=DEMO,
        reports_dir=tmp_path / "r",
        template=tiny_template(tmp_path, cells),
        workers=workers,
        progress=False,
    )
    assert [r.status for r in results] == ["ok", "ok"]
    return [(tmp_path / "r" / t / "diagnostic.html").read_text(encoding="utf-8") for t in ("ezanville", "ctg-ecouen")]


def _job(reports, template="", territory="ezanville", inputs="h1", **parameters):
    notebook = Template(template, template.parent / "travail").notebook if template else ""
    return RenderJob(territory, territory.title(), str(notebook), str(reports), inputs, parameters)


def test_a_territory_s_folder_is_its_id_or_a_safe_name_told_apart_by_a_hash():
    assert territory_slug("ctg-ecouen") == "ctg-ecouen"
    for hostile, safe in (("A b", "a-b"), ("../../x", "x"), ("Écouen", "ecouen"), ("a-b", "a-b")):
        expected = safe if hostile == safe else f"{safe}_{hashlib.sha1(hostile.encode()).hexdigest()[:10]}"
        assert territory_slug(hostile) == expected
    assert territory_slug("A b") != territory_slug("a b") != territory_slug("a-b")
    # An id spelled as another's folder name gets a folder of its own (it overwrote the other's).
    assert territory_slug(territory_slug("A b")) != territory_slug("A b")
    # A name Windows keeps for a device is no folder there: told apart by its hash too (« nul » was kept).
    for device in ("nul", "con", "aux", "prn", "com1", "lpt9"):
        assert territory_slug(device) == f"{device}_{hashlib.sha1(device.encode()).hexdigest()[:10]}"
    assert territory_slug("com10") == "com10" and territory_slug("console") == "console"


def test_resume_trusts_only_a_complete_manifest_of_the_same_inputs(tmp_path):
    job = _job(tmp_path, inputs="abc")
    assert up_to_date(tmp_path, job) is None  # never rendered
    folder = tmp_path / "ezanville"
    folder.mkdir()
    manifest = folder / MANIFEST
    manifest.write_text(
        json.dumps({"inputs_hash": "abc", "status": "ok", "key_figures": ["Naissances (2021) : 12"]}), encoding="utf-8"
    )
    assert up_to_date(tmp_path, job) == RenderResult(
        "ezanville", "Ezanville", "ezanville", "à jour", key_figures=["Naissances (2021) : 12"]
    )
    assert up_to_date(tmp_path, _job(tmp_path, inputs="abd")) is None  # other data, definition or template
    manifest.write_text(json.dumps({"inputs_hash": "abc", "status": "échec"}), encoding="utf-8")
    assert up_to_date(tmp_path, job) is None  # a failure is rendered again
    manifest.write_text(json.dumps({"inputs_hash": "abc", "status": "ok"}), encoding="utf-8")
    assert up_to_date(tmp_path, job).key_figures == []


def test_the_swap_replaces_the_previous_report_whole(tmp_path):
    final, staging = tmp_path / "ezanville", tmp_path / ".ezanville.x1"
    staging.mkdir()
    (staging / "diagnostic.html").write_text("nouveau", encoding="utf-8")
    _swap(staging, final)
    assert [p.name for p in tmp_path.iterdir()] == ["ezanville"] and (final / "diagnostic.html").read_text(
        encoding="utf-8"
    ) == "nouveau"
    staging.mkdir()
    (staging / "diagnostic.html").write_text("plus récent", encoding="utf-8")
    (final / "ancien.png").write_bytes(b"x")
    (final / "echec.html").write_bytes(b"x")
    # What ctg fiches and ctg suivi wrote beside the report stays with the new one.
    (final / "fiches-actions.docx").write_bytes(b"fiches")
    (final / "suivi").mkdir()
    (final / "suivi" / "suivi.xlsx").write_bytes(b"suivi")
    (tmp_path / ".ezanville.previous").mkdir()  # left by an earlier interrupted swap
    _swap(staging, final)
    assert [p.name for p in tmp_path.iterdir()] == ["ezanville"]
    assert sorted(p.name for p in final.iterdir()) == ["diagnostic.html", "fiches-actions.docx", "suivi"]
    assert (final / "diagnostic.html").read_text(encoding="utf-8") == "plus récent"
    assert (final / "fiches-actions.docx").read_bytes() == b"fiches"
    assert (final / "suivi" / "suivi.xlsx").read_bytes() == b"suivi"


def test_a_failure_is_kept_beside_the_previous_report(tmp_path):
    final, staging = tmp_path / "ezanville", tmp_path / ".ezanville.x2"
    final.mkdir()
    (final / "diagnostic.html").write_text("rapport précédent", encoding="utf-8")
    staging.mkdir()
    (staging / "diagnostic.ipynb").write_text('{"cells": []}', encoding="utf-8")
    result = _failed(
        _job(tmp_path, inputs="h9"),
        "ezanville",
        final,
        staging / "diagnostic.ipynb",
        "RuntimeError: panne",
        0.0,
    )
    assert (result.status, result.error, result.slug) == (
        "échec",
        "RuntimeError: panne",
        "ezanville",
    ) and result.seconds > 0
    assert (final / "diagnostic.html").read_text(encoding="utf-8") == "rapport précédent"
    assert (final / "echec.ipynb").read_text(encoding="utf-8") == '{"cells": []}'
    # The page the index links: in French, the error, what to do, the notebook and the previous report.
    page = (final / "echec.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "<pre>RuntimeError: panne</pre>" in page
    assert (
        'href="echec.ipynb"' in page and 'href="diagnostic.html"' in page and "ctg report --territory ezanville" in page
    )
    manifest = json.loads((final / MANIFEST).read_text(encoding="utf-8"))
    assert (manifest["inputs_hash"], manifest["status"], manifest["error"], manifest["territory_id"]) == (
        "h9",
        "échec",
        "RuntimeError: panne",
        "ezanville",
    )
    # A kernel that died before writing anything: the failure is still recorded, in a new folder.
    other = tmp_path / "autre"
    _failed(
        _job(tmp_path, territory="autre"),
        "autre",
        other,
        tmp_path / ".autre.x3" / "diagnostic.ipynb",
        "DeadKernelError: mort",
        0.0,
    )
    assert sorted(p.name for p in other.iterdir()) == [MANIFEST, "echec.html"]
    page = (other / "echec.html").read_text(encoding="utf-8")
    assert "DeadKernelError: mort" in page and "echec.ipynb" not in page and "rapport précédent" not in page


def test_the_index_shows_each_report_s_status_and_first_five_key_figures_from_its_data(tmp_path):
    figures = [
        {
            "indicator": f"i{n}",
            "label": f"Indicateur {n}",
            "period": "2021",
            "value": n + 0.5,
            "unit": "%",
            "text": f"{n},5 %",
        }
        for n in range(7)
    ]
    (tmp_path / "ezanville").mkdir()
    (tmp_path / "ezanville" / MANIFEST).write_text(
        json.dumps({"status": "ok", "key_figures": figures}), encoding="utf-8"
    )
    for name in ("diagnostic.html", "diagnostic.pdf", "fiches-actions.docx", "suivi/suivi.pptx"):
        (tmp_path / "ezanville" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "ezanville" / name).write_bytes(b"x")
    (tmp_path / "coupe").mkdir()
    (tmp_path / "coupe" / MANIFEST).write_text('{"status": "ok", "key_fig', encoding="utf-8")  # cut short by a crash
    (tmp_path / "coupe" / "echec.html").write_bytes(b"x")
    territories = [
        ("ezanville", "Ézanville", "ezanville"),
        ("coupe", "Coupé", "coupe"),
        ("absent", "Absent", "absent"),
        ("faux", "Faux", "faux"),
    ]
    index = write_index(tmp_path, territories, failures={"faux": "commune 99999 inconnue"}).read_text(encoding="utf-8")
    rows = index.split("<tr>")[2:]
    assert (
        '<td class="ok">ok</td>' in rows[0]
        and "<br>".join(f"Indicateur {n} (2021) : {n},5 %" for n in range(5)) in rows[0]
        and "Indicateur 5" not in rows[0]
    )
    # Each document present is linked, the report's and the other commands'; a failure links its French page.
    assert re.findall(r'href="([^"]+)"', rows[0]) == [
        "ezanville/diagnostic.html",
        "ezanville/diagnostic.pdf",
        "ezanville/fiches-actions.docx",
        "ezanville/suivi/suivi.pptx",
    ]
    assert re.findall(r'href="([^"]+)"', rows[1]) == ["coupe/echec.html"]
    assert "non produit" in rows[1] and "fichier JSON illisible" in rows[1]
    assert "non produit" in rows[2]
    assert '<td class="echec">échec</td>' in rows[3] and "commune 99999 inconnue" in rows[3]


@pytest.mark.reports
def test_the_notebooks_of_a_reused_kernel_share_one_client_that_awaits_the_kernel_once(tmp_path, monkeypatch):
    import threading

    from jupyter_client.asynchronous import AsyncKernelClient

    from ctg_analysis.reports.kernels import ReusableKernel

    waits = []
    wait = AsyncKernelClient.wait_for_ready

    async def counted(self, timeout=None):
        waits.append(self)
        await wait(self, timeout)

    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", counted)
    (tmp_path / "f").mkdir()
    template, failing = tiny_template(tmp_path), tiny_template(tmp_path / "f", "raise ValueError('x')")
    kernel = ReusableKernel()
    try:
        threads = []
        for _ in range(3):
            assert render(_job(tmp_path / "r", template), kernel=kernel).status == "ok"
            threads.append(threading.active_count())
        # A client for each notebook would wait a quarter of a second for the kernel, and left open by
        # papermill, keep its heartbeat thread and go on receiving every later notebook's outputs.
        assert len(waits) == 1 and threads[0] == threads[1] == threads[2]
        assert render(_job(tmp_path / "r", failing), kernel=kernel).status == "échec"
        assert render(_job(tmp_path / "r", template), kernel=kernel).status == "ok"
        assert len(waits) == 2 and waits[0] is not waits[1]  # the restarted kernel awaited by a new client
    finally:
        kernel.shutdown()


@pytest.mark.reports
@pytest.mark.skipif(not hasattr(os, "nice"), reason="pas de priorité de processus sous Windows")
def test_the_batch_s_workers_and_kernels_yield_to_the_batch_s_own_process(tmp_path):
    for shown in _two_demo_pages(tmp_path, "import os\nprint('priorité', os.nice(0))", workers=2):
        assert f"priorité {min(os.nice(0) + 5, 19)}" in shown


def test_a_manifest_cut_short_is_rendered_again(tmp_path):
    (tmp_path / "ezanville").mkdir()
    (tmp_path / "ezanville" / MANIFEST).write_text('{"inputs_hash": "abc", "sta', encoding="utf-8")
    assert up_to_date(tmp_path, _job(tmp_path, inputs="abc")) is None


@pytest.mark.reports
def test_one_territory_rendered_in_a_fresh_then_a_reused_kernel(tmp_path):
    from ctg_analysis.reports.kernels import ReusableKernel

    reports = tmp_path / "reports"
    template = tiny_template(tmp_path, "import os\nprint(sorted(os.listdir(output_dir)), data_dir)")
    result = render(_job(reports, template, data_dir="/d"))
    assert (result.territory_id, result.label, result.slug, result.status, result.error) == (
        "ezanville",
        "Ezanville",
        "ezanville",
        "ok",
        "",
    )
    assert [p.name for p in reports.iterdir()] == ["ezanville"]  # no staging folder left
    folder = reports / "ezanville"
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST, "diagnostic.html", "diagnostic.ipynb"]
    html = (folder / "diagnostic.html").read_text(encoding="utf-8")
    assert "<title>Ezanville</title>" in html and "[] /d" in html and "print(" not in html
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert (manifest["inputs_hash"], manifest["status"], manifest["slug"]) == ("h1", "ok", "ezanville")
    assert 0 < manifest["seconds"] < 300 and 0 < result.seconds < 300
    kernel = ReusableKernel()
    try:
        failing = tiny_template(tmp_path, "raise ValueError('valeur simulée')")
        failed = render(_job(reports, failing), kernel=kernel)
        assert (failed.territory_id, failed.label, failed.slug, failed.status, failed.error) == (
            "ezanville",
            "Ezanville",
            "ezanville",
            "échec",
            "ValueError: valeur simulée",
        )
        assert (folder / "diagnostic.html").read_text(encoding="utf-8") == html  # the previous report stays
        page = (folder / "echec.html").read_text(encoding="utf-8")
        steps = re.findall(r"<li>(.*?)</li>", page)
        assert steps[0].startswith('Ouvrez <a href="echec.ipynb">le carnet exécuté</a> dans JupyterLab')
        assert steps[-2:] == [
            "Vérifiez les fichiers de données : <code>ctg data check</code> dit ce qui est lu, écarté ou illisible.",
            "Vérifiez la définition du territoire : <code>ctg territories check</code>.",
        ]
        assert page.split("<body>", 1)[1].startswith("<h1>")  # nothing before the heading
        # A kernel that dies: the territory fails with the error's name, and the next one renders in a new kernel.
        dying = tiny_template(tmp_path, "import os\nos._exit(1)")
        died = render(_job(reports, dying, territory="autre"), kernel=kernel)
        assert (died.slug, died.status, died.error.split(":")[0]) == ("autre", "échec", "DeadKernelError")
        assert died.seconds > 0 and (reports / "autre" / "echec.html").is_file()
        assert [p.name for p in reports.iterdir() if p.name.startswith(".")] == []
        # A cell that runs past the job's time limit: the territory fails, it does not hold the batch.
        stuck = tiny_template(tmp_path, "import time\ntime.sleep(120)")
        late = render(replace(_job(reports, stuck, territory="lent"), timeout=3), kernel=kernel)
        assert (late.status, late.error.split(":")[0]) == ("échec", "CellTimeoutError") and late.seconds < 60
        template = tiny_template(
            tmp_path, "import os\nx = globals().get('x', 0) + 1\nprint('x =', x, 'pid', os.getpid())"
        )
        processes = set()
        for _ in range(2):  # the same kernel, reset between territories: x starts again from 0
            assert render(_job(reports, template), kernel=kernel).status == "ok"
            shown = (folder / "diagnostic.html").read_text(encoding="utf-8")
            assert "x = 1" in shown
            processes.add(shown.split(" pid ", 1)[1].split()[0])
        assert len(processes) == 1
    finally:
        kernel.shutdown()


def test_a_report_printed_to_pdf_or_failing_to_be(tmp_path, monkeypatch):
    pytest.importorskip("weasyprint")
    from ctg_analysis.reports import render as render_module

    reports = tmp_path / "un" / "deux"  # created with its parents
    template = tiny_template(tmp_path)
    job = replace(_job(reports, template), pdf=True)
    assert render(job).status == "ok"
    assert (reports / "ezanville" / "diagnostic.pdf").read_bytes().startswith(b"%PDF")

    def broken(page, path):
        raise CtgError("impression PDF impossible : WeasyPrint absent")

    monkeypatch.setattr(render_module, "write_pdf", broken)
    failed = render(replace(job, territory_id="autre", label="Autre"))
    assert (failed.label, failed.slug, failed.status, failed.error) == (
        "Autre",
        "autre",
        "échec",
        "impression PDF impossible : WeasyPrint absent",
    )
    assert [p.name for p in reports.iterdir()] == ["autre", "ezanville"] or sorted(
        p.name for p in reports.iterdir()
    ) == ["autre", "ezanville"]


def _two_valid_and_one_broken(folder):
    """A territories file: « ezanville », « autre » (labelled Autre) and « casse » (an unknown commune)."""
    path = folder / "territories.yaml"
    path.write_text(
        "territories:\n  - id: ezanville\n    communes: ['95229']\n  - id: autre\n    label: Autre\n    communes: "
        "['95229']\n  - id: casse\n    communes: ['99999']\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.reports
def test_the_batch_passes_its_parameters_and_lists_what_it_rendered(tmp_path):
    territories = _two_valid_and_one_broken(tmp_path)
    template = tiny_template(tmp_path, "print('données', data_dir, 'territoires', territories_file)")
    reports = tmp_path / "r"
    results = render_reports(
        data_dir=DEMO, territories_file=territories, reports_dir=reports, template=template, workers=2, progress=False
    )
    assert [(r.territory_id, r.status) for r in results] == [("ezanville", "ok"), ("autre", "ok"), ("casse", "échec")]
    assert results[2].error.startswith("territoire invalide : ") and "99999" in results[2].error
    assert results[2].slug == "casse"
    html = (reports / "autre" / "diagnostic.html").read_text(encoding="utf-8")
    assert f"données {DEMO.resolve()} territoires {territories.resolve()}" in html
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert index.index('href="ezanville/') < index.index('href="autre/') and "casse" in index
    assert "Données fictives de démonstration" in index
    # Asked for by id, an invalid territory stops the batch before any kernel starts.
    with pytest.raises(Exception, match="casse"):
        render_reports(
            ["casse"],
            data_dir=DEMO,
            territories_file=territories,
            reports_dir=tmp_path / "r2",
            template=template,
            workers=1,
            progress=False,
        )
    assert not (tmp_path / "r2").exists()


def test_a_worker_loads_neither_pandas_nor_matplotlib_and_the_package_names_still_resolve():
    # A report worker spawns with this module and the renderer only (its kernel does the work): a second
    # less of each worker's start. The package's public names are imported on first use.
    code = (
        "import sys, ctg_analysis.reports.kernels, ctg_analysis.reports.render\n"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'rfc3987_syntax') if m in sys.modules))\n"
        "import ctg_analysis\n"
        "print(all(callable(getattr(ctg_analysis, name)) for name in ctg_analysis.__all__), len(ctg_analysis.__all__))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, names = done.stdout.splitlines()
    assert loaded == "['rfc3987_syntax']"  # imported by nbformat's schema checker, outside a worker
    assert names == "True 26"


@pytest.mark.reports
def test_an_invalid_territory_among_several_stops_the_kernels_started_meanwhile(tmp_path, monkeypatch):
    # Workers spawn and start their kernels while the batch scans the data; an invalid territory found then
    # stops them, and every kernel started is shut down (its folder, in the workers' temporary folder, gone).
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))  # the spawned workers' temporary folder
    territories = _two_valid_and_one_broken(tmp_path)
    with pytest.raises(CtgError, match="territoire 'casse' invalide"):
        render_reports(
            ["ezanville", "casse"],
            data_dir=DEMO,
            territories_file=territories,
            reports_dir=tmp_path / "r",
            template=tiny_template(tmp_path),
            workers=2,
            progress=False,
        )
    assert not (tmp_path / "r").exists()
    assert not list(temporary.glob("ctg-kernel-*"))


@pytest.mark.reports
def test_without_resume_a_batch_renders_again_what_is_up_to_date(tmp_path):
    template = tiny_template(tmp_path, "print('rendu')")
    options = {"reports_dir": tmp_path / "r", "template": template, "workers": 1, "progress": False}
    assert [r.status for r in render_reports(["ezanville"], data_dir=DEMO, **options)] == ["ok"]
    assert [r.status for r in render_reports(["ezanville"], data_dir=DEMO, **options)] == ["ok"]
    assert [r.status for r in render_reports(["ezanville"], data_dir=DEMO, resume=True, **options)] == ["à jour"]


def test_a_dask_scheduler_without_distributed_installed_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    template = tiny_template(tmp_path, "print('rendu')")
    with pytest.raises(CtgError) as error:
        render_reports(
            ["ezanville"],
            data_dir=DEMO,
            reports_dir=tmp_path / "r",
            template=template,
            scheduler="tcp://127.0.0.1:1",
            progress=False,
        )
    assert str(error.value) == ("l'exécution sur un cluster Dask demande : pip install 'ctg-analysis[dist]'")


@pytest.mark.reports
def test_by_default_one_kernel_renders_territory_after_territory_and_only_those_asked_for(tmp_path):
    territories = _two_valid_and_one_broken(tmp_path)
    template = tiny_template(tmp_path, "import os\nprint('noyau', os.getpid())")
    results = render_reports(
        ["ezanville", "autre"],
        data_dir=DEMO,
        territories_file=territories,
        reports_dir=tmp_path / "r",
        template=template,
        workers=1,
        progress=False,
    )
    assert [(r.territory_id, r.status) for r in results] == [("ezanville", "ok"), ("autre", "ok")]  # not « casse »
    pids = {
        re.search(r"noyau (\d+)", (tmp_path / "r" / t / "diagnostic.html").read_text(encoding="utf-8")).group(1)
        for t in ("ezanville", "autre")
    }
    assert len(pids) == 1  # the same kernel, reused


@pytest.mark.reports
def test_a_batch_leaves_nothing_in_the_system_s_temporary_folder(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    template = tiny_template(tmp_path, "print('rendu')")
    options = {"data_dir": DEMO, "reports_dir": tmp_path / "r", "template": template, "progress": False}
    assert [r.status for r in render_reports(["ezanville"], workers=1, **options)] == ["ok"]
    with pytest.raises(CtgError, match="paramètre 'inconnu' inconnu du modèle"):
        render_reports(["ezanville"], parameters={"inconnu": 1}, **options)
    assert list(temporary.iterdir()) == []


@pytest.mark.reports
def test_a_batch_in_a_project_skipping_a_bad_file_passes_both_to_the_template(tmp_path, monkeypatch):
    data = tmp_path / "raw"
    shutil.copytree(DEMO, data)
    (data / "FILO2019_DISP_COM.csv").write_text("CODGEO;LIBGEO;Q219\n", encoding="utf-8")  # a header, no rows
    project = tmp_path / "projet"
    project.mkdir()
    (project / "ctg.toml").write_text('[project]\ncaf = "CAF du Val-d\'Oise"\n', encoding="utf-8")
    monkeypatch.setenv("CTG_PROJECT_DIR", str(project))
    template = tmp_path / "diagnostic.py"
    declared = 'output_dir: str = ""\nskip_bad_files: bool = False\ncaf: str = ""\n'
    template.write_text(
        TINY_TEMPLATE.replace('output_dir: str = ""\n', declared) + "\n# %%\nprint('écartés', skip_bad_files, caf)\n",
        encoding="utf-8",
    )
    options = {"data_dir": data, "reports_dir": tmp_path / "r", "template": template, "progress": False}
    with pytest.raises(CtgError, match="FILO2019_DISP_COM.csv : aucune ligne de données"):
        render_reports(["ezanville"], **options)
    assert [r.status for r in render_reports(["ezanville"], skip_bad_files=True, workers=1, **options)] == ["ok"]
    html = (tmp_path / "r" / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    assert "écartés True CAF du Val-d'Oise" in html


@pytest.mark.reports
def test_a_batch_outside_any_project_takes_any_parameter_and_shows_its_progress(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no ctg.toml here nor above: no project settings to pass
    monkeypatch.delenv("CTG_PROJECT_DIR", raising=False)
    monkeypatch.delenv("CTG_QUIET", raising=False)
    template = tmp_path / "diagnostic.py"
    template.write_text(
        TINY_TEMPLATE.replace('output_dir: str = ""\n', 'output_dir: str = ""\nextra: str = ""\n')
        + "\n# %%\nprint('supplément', extra)\n",
        encoding="utf-8",
    )
    results = render_reports(
        ["ezanville"],
        data_dir=DEMO,
        reports_dir=tmp_path / "r",
        template=template,
        parameters={"extra": Path("un/chemin")},  # a path, as an analyst may pass one
        workers=1,
        progress=True,
    )
    assert [r.status for r in results] == ["ok"]
    assert "supplément un/chemin" in (tmp_path / "r" / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    bar = capsys.readouterr().err
    assert re.search(r"(?:^|\r)Rapports: ", bar) and "territoire/s" in bar  # tqdm's French words


@pytest.mark.reports
def test_two_workers_each_keep_their_kernel_and_a_dead_worker_fails_its_territory_alone(tmp_path):
    path = tmp_path / "territories.yaml"
    path.write_text(
        "territories:\n"
        + "".join(f"  - id: t{n}\n    label: Territoire {n}\n    communes: ['95229']\n" for n in range(4)),
        encoding="utf-8",
    )
    template = tiny_template(tmp_path, "import os\nprint('noyau', os.getpid())")
    options = {"data_dir": DEMO, "territories_file": path, "template": template, "workers": 2, "progress": False}
    results = render_reports(reports_dir=tmp_path / "r", **options)
    assert [r.status for r in results] == ["ok"] * 4
    pids = {
        re.search(r"noyau (\d+)", (tmp_path / "r" / f"t{n}" / "diagnostic.html").read_text(encoding="utf-8")).group(1)
        for n in range(4)
    }
    assert len(pids) <= 2  # four territories, one kernel per worker
    # A worker killed (its kernel kills it, as the system would when memory runs out): its territory fails
    # with its own id, label and folder, and the batch ends.
    killer = tiny_template(
        tmp_path, "import os, signal\nif territory_id == 't3':\n    os.kill(os.getppid(), signal.SIGKILL)"
    )
    results = render_reports(reports_dir=tmp_path / "r2", **{**options, "template": killer})
    failed = [r for r in results if r.territory_id == "t3"]
    assert [(r.status, r.label, r.slug) for r in failed] == [("échec", "Territoire 3", "t3")]
    assert "BrokenProcessPool" in failed[0].error


def test_kernel_folders_of_dead_processes_are_cleared_and_the_others_kept(tmp_path, monkeypatch):
    from ctg_analysis.reports.kernels import clear_stale_kernel_folders

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for name, owner in (("ctg-kernel-mort", dead.stdout.strip()), ("ctg-kernel-vivant", str(os.getpid()))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "owner.pid").write_text(owner, encoding="ascii")
        (tmp_path / name / "kernel-1").write_bytes(b"")
    (tmp_path / "ctg-kernel-inconnu").mkdir()  # no owner file: not ours to judge
    assert clear_stale_kernel_folders() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctg-kernel-inconnu", "ctg-kernel-vivant"]


def _processes_with(variable: str, value: str) -> list[int]:
    """The running processes whose environment holds ``variable=value`` (a run's own temporary folder)."""
    wanted = f"{variable}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def _batch_in_its_own_session(tmp_path: Path, cell: str) -> tuple[subprocess.Popen, Path, Path]:
    """``ctg report --all --workers 2`` of the demo on the tiny template with ``cell``, started in its own session
    (as a terminal runs a command: Ctrl-C reaches the command and its workers together) with a private temporary
    folder; the process, its reports folder and that temporary folder."""
    template = tiny_template(tmp_path, cell)
    private = tmp_path / "tmp"
    private.mkdir()
    out = tmp_path / "rapports"
    command = [sys.executable, "-c", "from ctg_analysis.cli import main; main()", "report", "--all", "--workers", "2"]
    command += ["--data", str(DEMO), "--template", str(template), "--out", str(out)]
    process = subprocess.Popen(
        command, env={**os.environ, "TMPDIR": str(private)}, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    return process, out, private


@pytest.mark.reports
@pytest.mark.slow  # a real command in its own session, stopped: the installed package, not a mutant's
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="processes read from /proc")
@pytest.mark.parametrize(
    ("signum", "group", "code"),
    [(2, True, 130), (15, False, 143), (15, True, 143)],
    ids=["ctrl-c", "sigterm", "sigterm-to-the-group"],
)
def test_an_interrupted_batch_stops_at_once_keeps_what_is_finished_and_leaves_nothing(tmp_path, signum, group, code):
    import time

    process, out, private = _batch_in_its_own_session(
        tmp_path, "import time\ntime.sleep(0.2 if territory_id == 'ctg-ecouen' else 120)"
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (
        (out / "ctg-ecouen" / "diagnostic.html").is_file() and len(list(out.glob(".*"))) == 2
    ):
        time.sleep(0.2)
    assert len(list(out.glob(".*"))) == 2, "two territories should be rendering"
    started = time.monotonic()
    if group:  # Ctrl-C at a terminal, or systemd, `timeout`, `docker stop`: the whole group
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)  # the command alone
    _, errors = process.communicate(timeout=60)
    assert time.monotonic() - started < 15
    assert process.returncode == code
    assert errors.strip().splitlines()[-1] == (
        "interrompu : 1 rapport terminé conservé, 2 interrompus (voir l'index) ; relancez avec --resume pour terminer"
    )
    assert "Traceback" not in errors
    # The finished report stays; the unfinished ones leave no staging folder; the index says which stopped.
    assert (out / "ctg-ecouen" / "diagnostic.html").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["ctg-ecouen", "index.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count(">interrompu<") == 2 and index.count('class="ok">ok<') == 1
    # No worker and no kernel left running, no kernel or template folder left behind.
    assert _processes_with("TMPDIR", str(private)) == []
    assert list(private.iterdir()) == []
    assert list((Path(os.environ["CTG_CACHE_DIR"]) / "modeles").iterdir()) == []  # the run's template copy


def test_the_template_copy_lives_in_the_project_cache_and_those_of_dead_runs_are_cleared(tmp_path, monkeypatch):
    """A fresh project (its cache not created yet): the copy goes to its cache's « modeles » folder, hidden
    and named after the run's process; a killed run's copy is removed; an unwritable cache falls back to
    the system's temporary folder."""
    from ctg_analysis.reports.batch import _template_folder

    cache = tmp_path / "projet" / "data" / "processed"
    monkeypatch.setenv("CTG_CACHE_DIR", str(cache))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    first = _template_folder()
    assert first.parent == cache / "modeles" and first.name.startswith(f".ctg-modele.{os.getpid()}.")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = cache / "modeles" / f".ctg-modele.{dead.stdout.strip()}.abc"
    killed.mkdir()
    second = _template_folder()
    assert sorted(p.name for p in (cache / "modeles").iterdir()) == sorted([first.name, second.name])
    # A cache that cannot hold the folder (a file in its place: refused even to root).
    shutil.rmtree(cache / "modeles")
    (cache / "modeles").write_bytes(b"")
    assert _template_folder().parent == tmp_path / "tmp"


def test_a_diagnostic_handed_over_is_adopted_without_a_scan_and_declined_once_a_file_changed(tmp_path, monkeypatch):
    import ctg_analysis.diagnostic as module
    from ctg_analysis.diagnostic import Diagnostic, adopt

    data = shutil.copytree(DEMO, tmp_path / "data")
    opened = Diagnostic.open(data, progress=False)
    expected = [t.id for t in opened.territories]
    opened.hand_over(tmp_path / "opened.pickle")
    monkeypatch.setattr(module, "_REUSED", {})

    def no_scan(*_, **__):
        raise AssertionError("the folder was scanned again")

    monkeypatch.setattr(module, "scan_folder", no_scan)
    assert adopt(tmp_path / "opened.pickle")
    again = Diagnostic.open(data, reuse=True)
    assert [t.id for t in again.territories] == expected and again.kept
    # A file changed since it was opened: declined, the folder is scanned again.
    (data / "territories.yaml").write_text((data / "territories.yaml").read_text(encoding="utf-8") + "\n")
    monkeypatch.setattr(module, "_REUSED", {})
    assert not adopt(tmp_path / "opened.pickle")
    with pytest.raises(AssertionError, match="scanned again"):
        Diagnostic.open(data, reuse=True)


@pytest.mark.reports
def test_the_batch_s_kernel_adopts_the_data_it_prepared_and_keeps_no_output(tmp_path):
    cells = (
        "from ctg_analysis.diagnostic import _REUSED\n"
        "print('adopté', len(_REUSED), 'préparé', ['prepared' in vars(d) for d in _REUSED.values()])\n"
        "# %%\n1 + 1\n# %%\nprint('sorties gardées', len(Out))"
    )
    for page in _two_demo_pages(tmp_path, cells, workers=1):
        assert "adopté 1 préparé [True]" in page and "sorties gardées 0" in page


_TERMINATED_WHILE_STARTING = """
import os, signal, sys, tempfile, threading
from ctg_analysis.reports import kernels

real_mkdtemp = tempfile.mkdtemp

def mkdtemp_then_sigterm(*args, **kwargs):
    folder = real_mkdtemp(*args, **kwargs)
    print(folder, flush=True)
    os.kill(os.getpid(), signal.SIGTERM)  # handled by this main thread, inside the kernel's start
    return folder

kernels.tempfile.mkdtemp = mkdtemp_then_sigterm
kernels.start_worker(threading.Event(), reuse_kernel=True)
print("started anyway", flush=True)
"""


@pytest.mark.reports
def test_a_worker_terminated_while_its_kernel_starts_exits_and_removes_the_kernel_s_folder(tmp_path):
    # What the pool does to its other workers once one has exited (SIGTERM to each): the signal arrives in
    # the main thread while it starts the kernel, the kernel's folder just made.
    done = subprocess.run(
        [sys.executable, "-c", _TERMINATED_WHILE_STARTING],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 143, done.stderr
    folder = Path(done.stdout.splitlines()[0])
    assert folder.parent == tmp_path and folder.name.startswith("ctg-kernel-")
    assert not folder.exists()
    assert "started anyway" not in done.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.reports
@pytest.mark.slow  # a real command in its own session, stopped: the installed package, not a mutant's
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="processes read from /proc")
def test_sigterm_to_the_group_as_the_batch_ends_stops_everything_at_once_and_keeps_every_report(tmp_path):
    """What systemd, ``timeout``, ``docker stop`` and CI cancellation do: SIGTERM to the whole process group,
    here just as the last report is written, while the workers shut their kernels down (a worker's handler
    once waited there on the lock its own interrupted thread held, and the batch hung)."""
    import signal
    import time

    process, out, private = _batch_in_its_own_session(tmp_path, "import time\ntime.sleep(0.2)")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (out / "index.html").is_file():
        time.sleep(0.01)
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGTERM)
    _, errors = process.communicate(timeout=90)
    assert time.monotonic() - started < 15, "the batch should stop at once"
    assert process.returncode in (0, 143)  # finished just before the signal, or stopped by it
    assert "Traceback" not in errors
    assert sorted(p.name for p in out.iterdir()) == ["ctg-ecouen", "ctg-val-fictif", "ezanville", "index.html"]
    assert _processes_with("TMPDIR", str(private)) == []
    assert list(private.iterdir()) == []


def test_a_failure_that_cannot_be_recorded_on_a_full_disk_leaves_no_folder_and_no_empty_notebook(tmp_path, monkeypatch):
    """Issue 35: after ENOSPC an empty report folder or a 0-byte echec.ipynb was left."""
    import errno

    from ctg_analysis.reports import render

    staging = tmp_path / ".ezanville.x2"
    staging.mkdir()
    (staging / "diagnostic.ipynb").write_bytes(b"")  # the kernel could not write it: the disk is full
    written: list[str] = []
    real_write = render.write_bytes

    def full(path, content):
        written.append(Path(path).name)
        if Path(path).name == "echec.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write(path, content)

    monkeypatch.setattr(render, "write_bytes", full)
    final = tmp_path / "ezanville"
    with pytest.raises(OSError):
        _failed(_job(tmp_path), "ezanville", final, staging / "diagnostic.ipynb", "OSError: disque plein", 0.0)
    assert not final.exists(), "no empty report folder left"
    assert "echec.ipynb" not in written, "an empty notebook is not kept"
    # Beside a previous report: that report stays, the folder too.
    final.mkdir()
    (final / "diagnostic.html").write_text("rapport précédent", encoding="utf-8")
    with pytest.raises(OSError):
        _failed(_job(tmp_path), "ezanville", final, staging / "diagnostic.ipynb", "OSError: disque plein", 0.0)
    assert (final / "diagnostic.html").read_text(encoding="utf-8") == "rapport précédent"


_KILLED_WITH_ITS_KERNEL = """
import os, signal
from ctg_analysis.reports.kernels import ReusableKernel
kernel = ReusableKernel()
print(kernel.manager.connection_file, flush=True)
os.kill(kernel.manager.provisioner.process.pid, signal.SIGKILL)
os.kill(os.getpid(), signal.SIGKILL)  # a worker killed: no exit hook runs
"""


@pytest.mark.reports
def test_a_killed_run_leaves_its_kernel_s_connection_file_only_in_its_folder_which_is_cleared(tmp_path, monkeypatch):
    """Issue 35: after an interrupted run, kernel connection files (with their HMAC key) stayed in Jupyter's
    runtime folder. They are now in the kernel's own folder, removed by the next run with it."""
    import tempfile

    from ctg_analysis.reports.kernels import clear_stale_kernel_folders

    private, runtime = tmp_path / "tmp", tmp_path / "runtime"
    private.mkdir()
    runtime.mkdir()
    env = {**os.environ, "TMPDIR": str(private), "JUPYTER_RUNTIME_DIR": str(runtime)}
    done = subprocess.run([sys.executable, "-c", _KILLED_WITH_ITS_KERNEL], capture_output=True, text=True, env=env)
    assert done.returncode == -9, done.stderr
    connection = Path(done.stdout.splitlines()[0])
    folder = connection.parent
    assert folder.parent == private and folder.name.startswith("ctg-kernel-") and connection.is_file()
    assert list(runtime.iterdir()) == [], "nothing of the kernel's in Jupyter's runtime folder"
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert clear_stale_kernel_folders() == 1
    assert list(private.iterdir()) == []


def test_a_worker_killed_mid_territory_leaves_no_staging_folder_once_the_batch_ends(tmp_path, monkeypatch):
    """Issue 35: a Dask worker killed mid-territory left its staging folder until the next run."""
    from ctg_analysis.reports import batch

    reports = tmp_path / "reports"
    reports.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = reports / f".ezanville.{dead.stdout.strip()}.k1a2"  # the staging folder of a worker since killed
    left.mkdir()
    (left / "diagnostic.ipynb").write_text("{}", encoding="utf-8")
    job = _job(reports)

    def execute(pending, *args):
        yield RenderResult(job.territory_id, job.label, "ezanville", Status.FAILED, error="KilledWorker")

    monkeypatch.setattr(batch, "_execute", execute)
    results: dict = {}
    assert batch._execute_with_bar([job], results, 1, None, False, None, reports, False) is None
    assert results["ezanville"].error == "KilledWorker"
    assert list(reports.iterdir()) == [], "the killed worker's staging folder is removed as the batch ends"


def test_the_index_lists_the_fiches_and_follow_up_as_soon_as_they_are_written(tmp_path):
    """Issue 33, point 14: fiches and follow-up appeared in reports/index.html only after the next ctg report."""
    from ctg_analysis.reports.index import refresh_index

    assert refresh_index(tmp_path) is None  # no index yet: nothing to refresh
    write_index(tmp_path, [("ezanville", "Ézanville", "ezanville")], demo=True, interrupted=("ezanville",))
    assert "fiches-actions.docx" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    (tmp_path / "ezanville").mkdir()
    (tmp_path / "ezanville" / "fiches-actions.docx").write_bytes(b"fiches")
    (tmp_path / "ezanville" / "suivi").mkdir()
    (tmp_path / "ezanville" / "suivi" / "suivi.xlsx").write_bytes(b"suivi")
    refresh_index(tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="ezanville/fiches-actions.docx">fiches actions</a>' in page
    assert 'href="ezanville/suivi/suivi.xlsx">suivi annuel</a>' in page
    assert "Données fictives de démonstration" in page and "rendu interrompu" in page  # the rest as it was


def test_a_label_written_as_html_stays_text_in_the_index_and_its_record(tmp_path):
    from ctg_analysis.reports.index import refresh_index

    label = "</script><script>alert('x')</script><!--"
    write_index(tmp_path, [("t", label, "t")])
    refresh_index(tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and page.count("</script>") == 1  # only the record's own
    assert html.escape(label) in page
