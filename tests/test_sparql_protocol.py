"""SPARQL 1.1 Protocol against a real server: standard clients, formats, dataset, limits.

A uvicorn server runs in a subprocess on a free 127.0.0.1 port over the seed documents,
with a 2 s time limit and a 1000-row cap, so the time-limit test is quick.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import rdflib
from test_lineage import seed_store_path

from kg import iri

TIME_LIMIT = 2.0
ROW_CAP = 1000
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
ELI = "http://data.europa.eu/eli/ontology#"
NOTATIONS = f"SELECT DISTINCT ?n WHERE {{ ?i <{ELI}id_local> ?n }} ORDER BY ?n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "KG_QUERY_TIMEOUT": str(TIME_LIMIT),
        "KG_ROW_CAP": str(ROW_CAP),
        "KG_QUERY_WORKERS": "2",
    }
    code = (
        "import sys, uvicorn; from api.app import create_app; "
        "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), "
        "log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(seed_store_path()), str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("the server did not start")
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def notations(base: str) -> list[str]:
    r = httpx.get(f"{base}/sparql", params={"query": NOTATIONS})
    return [b["n"]["value"] for b in r.json()["results"]["bindings"]]


# --------------------------------------------------------------------------- standard clients


def test_sparqlwrapper_select_ask_construct(server: str) -> None:
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    expected = notations(server)
    assert "48-CT/TW" in expected and "3086/KH-UBND" in expected
    for method in ("GET", POST):
        sw = SPARQLWrapper(f"{server}/sparql")
        sw.setMethod(method)
        sw.setQuery(NOTATIONS)
        sw.setReturnFormat(JSON)
        got = [b["n"]["value"] for b in sw.queryAndConvert()["results"]["bindings"]]
        assert got == expected
    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setQuery(f'ASK {{ ?i <{ELI}id_local> "36-CT/TW" }}')
    sw.setReturnFormat(JSON)
    assert sw.queryAndConvert()["boolean"] is True
    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setQuery(f"CONSTRUCT {{ ?i <{ELI}id_local> ?n }} WHERE {{ ?i <{ELI}id_local> ?n }}")
    sw.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=sw.queryAndConvert(), format="turtle")
    assert {str(o) for o in graph.objects()} == set(expected)


def test_sparqlwrapper_update_is_refused(server: str) -> None:
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sw = SPARQLWrapper(f"{server}/sparql", updateEndpoint=f"{server}/sparql")
    sw.setMethod(POST)
    sw.setQuery("DROP ALL")
    with pytest.raises((SPARQLWrapperException, Exception)) as info:
        sw.query()
    assert "403" in str(info.value) or "Forbidden" in str(info.value)
    assert "48-CT/TW" in notations(server)


def test_rdflib_sparqlstore(server: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(query_endpoint=f"{server}/sparql")
    graph = rdflib.Graph(store=store)
    rows = graph.query(NOTATIONS)
    assert [str(r[0]) for r in rows] == notations(server)
    # 000: "Chương trình hành động số 35-CTr/TU … về thực hiện Chỉ thị số 36-CT/TW"
    target = rdflib.URIRef(iri.instrument("36-CT/TW"))
    implements = rdflib.URIRef(iri.ONTOLOGY + "implements")
    id_local = rdflib.URIRef(ELI + "id_local")
    sources = {str(graph.value(s, id_local)) for s in graph.subjects(implements, target)}
    assert "35-CTr/TU" in sources


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "accept", ["application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
)
def test_select_formats_agree_with_json(server: str, accept: str) -> None:
    expected = notations(server)
    r = httpx.get(f"{server}/sparql", params={"query": NOTATIONS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    if accept == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["n"] and [x[0] for x in rows[1:]] == expected
    elif accept == "text/tab-separated-values":
        lines = r.text.rstrip("\n").split("\n")
        assert lines[0] == "?n" and [json.loads(x) for x in lines[1:]] == expected
    else:
        from rdflib.query import Result

        parsed = Result.parse(io.BytesIO(r.content), format="xml")
        assert [str(row[0]) for row in parsed] == expected


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_construct_formats(server: str, accept: str, fmt: str) -> None:
    q = f"CONSTRUCT {{ ?i <{ELI}id_local> ?n }} WHERE {{ ?i <{ELI}id_local> ?n }}"
    r = httpx.post(
        f"{server}/sparql",
        content=q.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": accept},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=r.text, format=fmt)
    assert {str(o) for o in graph.objects()} == set(notations(server))


def test_dataset_parameters(server: str) -> None:
    """default-graph-uri narrows the default graph to one document; the union is the default."""
    docs = httpx.get(f"{server}/api/stats").json()["documents"]
    lai_chau = next(d for d in docs if d["name"].startswith("000_"))
    graph = iri.BASE + "document/" + lai_chau["id"]
    q = f'ASK {{ ?i <{ELI}id_local> "48-CT/TW" . ?i <{iri.ONTOLOGY}mentionedIn> ?d }}'
    union = httpx.get(f"{server}/sparql", params={"query": q}).json()["boolean"]
    only_000 = httpx.get(
        f"{server}/sparql", params={"query": "ASK { ?s <" + ELI + "id_local> \"697-BC/TU\" }",
                                     "default-graph-uri": graph}
    ).json()["boolean"]
    assert union is True and only_000 is False  # 697-BC/TU is document 004's own number
    named = httpx.post(
        f"{server}/sparql",
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph},
    ).json()["results"]["bindings"]
    assert [b["g"]["value"] for b in named] == [graph]


def test_row_cap_cuts_and_flags(server: str) -> None:
    r = httpx.get(f"{server}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == ROW_CAP
    assert "KG-Result-Truncated" in r.headers


def test_bad_requests_are_problems(server: str) -> None:
    bad = httpx.get(f"{server}/sparql", params={"query": "SELECT ?x WHERE {"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    wrong_type = httpx.post(f"{server}/sparql", content=b"x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    no_format = httpx.get(f"{server}/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert no_format.status_code == 406


# --------------------------------------------------------------------------- time limit


def test_runaway_query_is_stopped_while_lineage_keeps_serving(server: str) -> None:
    def runaway() -> tuple[int, float, dict]:
        t0 = time.monotonic()
        r = httpx.get(f"{server}/sparql", params={"query": CARTESIAN}, timeout=30)
        return r.status_code, time.monotonic() - t0, r.json()

    def look_up(n: int) -> tuple[int, float]:
        t0 = time.monotonic()
        notation = "48-CT/TW" if n % 2 else "36-CT/TW"  # a 100-activity tree and a plan chain
        r = httpx.get(f"{server}/api/lineage/{notation}", timeout=30)
        return r.status_code, time.monotonic() - t0

    with cf.ThreadPoolExecutor(max_workers=9) as pool:
        slow = pool.submit(runaway)
        time.sleep(0.1)
        quick = list(pool.map(look_up, range(8)))
        status, elapsed, body = slow.result()
    assert status == 503 and body["type"].endswith("/query-timeout") and body["detail"]
    assert TIME_LIMIT - 0.1 <= elapsed <= TIME_LIMIT + 1.0, elapsed
    assert [s for s, _ in quick] == [200] * 8  # served while the runaway query ran
    print(f"\ntime-limit error after {elapsed:.2f} s; lineage max {max(t for _, t in quick)*1000:.0f} ms")
    # the killed worker is replaced: the endpoint answers again
    deadline = time.monotonic() + 15
    while httpx.get(f"{server}/sparql", params={"query": "ASK {}"}).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
