"""A local HTTP server that answers like INSEE's Melodi API, data.caf.fr and IGN's WFS, for ``ctg fetch``'s
tests: no test reaches the internet.

Routes are bytes (or a callable of the query giving bytes) by path; faults are queued per path and spent
one request at a time: ``"429"`` (with ``Retry-After: 1``), ``"503"``, ``"404"``, ``"cut"`` (the headers
announce the whole file, half of it is sent, then the connection is closed), ``"slow"`` (half of it, then a
minute's wait). Ranges are honoured (206).
Data.caf.fr's exports apply the small part of ODSQL ``ctg fetch`` sends (``startswith(f, "95")``,
``f = "x"``, joined by ``OR``); the WFS keeps the features of the département of its ``CQL_FILTER``.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pandas as pd

Route = bytes | Callable[[dict[str, str]], bytes | None]


class Publishers:
    """The server, its routes, its faults, and the requests it received (path, query, Range)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.received: list[tuple[str, dict[str, str], str]] = []
        publishers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                publishers._answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, path: str) -> list[tuple[str, dict[str, str], str]]:
        return [r for r in self.received if r[0] == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        asked_range = handler.headers.get("Range", "")
        self.received.append((parts.path, query, asked_range))
        fault = self.faults[parts.path].pop(0) if self.faults[parts.path] else ""
        route = self.routes.get(parts.path)
        body = route(query) if callable(route) else route
        if fault in ("429", "503", "404") or body is None:
            status = int(fault) if fault else 404
            handler.send_response(status)
            if status == 429:
                handler.send_header("Retry-After", "1")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        start = int(m.group(1)) if (m := re.match(r"bytes=(\d+)-", asked_range)) else 0
        handler.send_response(206 if start else 200)
        handler.send_header("Content-Length", str(len(body) - start))
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        handler.send_header("Last-Modified", "Tue, 02 Sep 2025 13:37:19 GMT")
        handler.end_headers()
        sent = body[start:]
        if fault in ("cut", "slow"):
            handler.wfile.write(sent[: len(sent) // 2])
            handler.wfile.flush()
            if fault == "cut":
                handler.close_connection = True
                return
            time.sleep(60)  # a slow line: the test interrupts the command meanwhile
            sent = sent[len(sent) // 2 :]
        handler.wfile.write(sent)


def melodi_catalog(files: dict[str, bytes], modified: str = "2025-09-02T13:37:19") -> list[dict[str, object]]:
    """A catalogue in the layout of Melodi's ``/catalog/all`` for bulk files by distribution id
    (``DS_BPE_2024_CSV_FR``)."""
    datasets: dict[str, list[dict[str, object]]] = defaultdict(list)
    for product, content in files.items():
        dataset = re.sub(r"(_\d{4})?_CSV_FR$", "", product)
        datasets[dataset].append(
            {
                "id": product,
                "format": "CSV",
                "accessURL": f"https://api.insee.fr/melodi/file/{dataset}/{product}",
                "byteSize": len(content),
                "issued": modified,
                "modified": modified,
            }
        )
    return [{"identifier": d, "modified": modified, "product": p} for d, p in datasets.items()]


def ods_export(csv: bytes) -> Callable[[dict[str, str]], bytes]:
    """Data.caf.fr's CSV export of a dataset, filtered by the query's ``where`` (BOM and ``;`` kept)."""

    def answer(query: dict[str, str]) -> bytes:
        bom = b"\xef\xbb\xbf" if csv.startswith(b"\xef\xbb\xbf") else b""
        frame = pd.read_csv(io.BytesIO(csv[len(bom) :]), sep=";", dtype=str, keep_default_na=False)
        if where := query.get("where", ""):
            keep = pd.Series(False, index=frame.index)
            for clause in where.split(" OR "):
                if m := re.fullmatch(r'startswith\((\w+), "([^"]*)"\)', clause):
                    keep |= frame[m.group(1)].str.startswith(m.group(2))
                elif m := re.fullmatch(r'(\w+) = "([^"]*)"', clause):
                    keep |= frame[m.group(1)] == m.group(2)
                else:
                    raise AssertionError(f"ODSQL non prévu par le serveur de test : {clause}")
            frame = frame.loc[keep]
        return bom + frame.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8")

    return answer


def wfs_layer(
    geojson: bytes, typename: str = "ADMINEXPRESS-COG-CARTO.LATEST:commune"
) -> Callable[[dict[str, str]], bytes | None]:
    """IGN's WFS GetFeature in GeoJSON for a layer of ``code``/``nom`` outlines, with the property names of
    Admin Express 4 (``code_insee``, ``nom_officiel``, ``code_insee_du_departement``), filtered by
    ``CQL_FILTER=code_insee_du_departement='95'``."""
    collection = json.loads(geojson)

    def answer(query: dict[str, str]) -> bytes | None:
        if query.get("TYPENAMES") != typename:
            return None  # another layer than the one served: not found
        wanted = set(re.findall(r"'([0-9AB]+)'", query.get("CQL_FILTER", "")))
        features = []
        for feature in collection["features"]:
            code = str(feature["properties"]["code"])
            departement = code[:3] if code.startswith("97") else code[:2]
            if not wanted or departement in wanted:
                properties = {
                    "code_insee": code,
                    "nom_officiel": feature["properties"]["nom"],
                    "code_insee_du_departement": departement,
                    "code_insee_de_la_region": "11",
                    "code_siren": "219500000",
                }
                features.append({**feature, "properties": properties})
        counts = {"numberMatched": len(features), "numberReturned": len(features)}
        return json.dumps({"type": "FeatureCollection", "features": features, **counts}).encode()

    return answer
