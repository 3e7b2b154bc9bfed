"""The HTTP app: health, SPARQL 1.1 Protocol (read-only), lineage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient

from api.app import create_app, is_update
from kg.pipeline import Stages, ingest
from kg.store import OxigraphStore

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def client(store_path: Path, stages: Stages, write) -> TestClient:
    writer = OxigraphStore(store_path)
    report = ingest(
        [
            write("c.txt", "CITE 48-CT/TW\n"),
            write("p.txt", "DOC 5/KH-ABC\nCITE 48-CT/TW\nIMPL #document 48-CT/TW\n"),
        ],
        writer,
        stages=stages,
    )
    assert report.ok
    writer.close()
    with TestClient(create_app(str(store_path), workers=1)) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert (
        body["status"] == "ok" and body["counts"]["documents"] == 2 and body["counts"]["links"] == 1
    )
    assert body["counts"]["triples"] > 0


def test_sparql_get_select(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": COUNT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 0


def test_sparql_post_form_and_direct(client: TestClient) -> None:
    q = "SELECT DISTINCT ?n WHERE { ?i <http://data.europa.eu/eli/ontology#id_local> ?n } ORDER BY ?n"
    form = client.post("/sparql", data={"query": q})
    direct = client.post(
        "/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert form.status_code == direct.status_code == 200
    values = [b["n"]["value"] for b in form.json()["results"]["bindings"]]
    assert values == ["48-CT/TW", "5/KH-ABC"]
    assert direct.json() == form.json()
    ask = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert ask.json() == {"head": {}, "boolean": True}


def test_sparql_construct_is_turtle(client: TestClient) -> None:
    where = "WHERE { ?i <http://data.europa.eu/eli/ontology#id_local> ?n }"
    rows = client.get("/sparql", params={"query": f"SELECT DISTINCT ?i ?n {where}"}).json()[
        "results"
    ]["bindings"]
    q = f"CONSTRUCT {{ ?i <http://example.org/n> ?n }} {where}"
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    assert {(str(s), str(o)) for s, _, o in graph} == {
        (b["i"]["value"], b["n"]["value"]) for b in rows
    }
    nt = client.get("/sparql", params={"query": q}, headers={"Accept": "application/n-triples"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert len(nt.text.splitlines()) == len(rows) >= 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "method": "POST",
            "url": "/sparql",
            "content": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"method": "POST", "url": "/sparql", "data": {"update": "DROP ALL"}},
        {"method": "GET", "url": "/sparql", "params": {"update": "DROP ALL"}},
        {
            "method": "GET",
            "url": "/sparql",
            "params": {"query": "PREFIX ex: <http://e/>\n# c\nINSERT DATA { ex:a ex:b ex:c }"},
        },
    ],
)
def test_updates_are_refused(client: TestClient, kwargs: dict) -> None:
    before = client.get("/sparql", params={"query": COUNT}).json()
    r = client.request(**kwargs)
    assert r.status_code == 403
    assert client.get("/sparql", params={"query": COUNT}).json() == before


def test_bad_query_is_400(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert r.status_code == 400 and "syntax" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 400 and r.json()["type"].endswith("/bad-query")
    assert client.get("/sparql", params={"query": "  "}).status_code == 400


def test_service_description_without_query(client: TestClient) -> None:
    r = client.get("/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) not in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert str(graph.value(service, sd.endpoint)).endswith("/sparql")


def test_is_update() -> None:
    assert is_update("PREFIX a: <x:>\nBASE <http://b/>\n  delete where { ?s ?p ?o }")
    assert not is_update("PREFIX a: <x:> SELECT * WHERE { ?s <x:INSERT> ?o }")


def test_lineage_endpoint(client: TestClient) -> None:
    r = client.get("/api/lineage/48-CT/TW")
    assert r.status_code == 200
    body = r.json()
    assert body["root"]["notation"] == "48-CT/TW"
    child = body["root"]["children"][0]
    assert child["notation"] == "5/KH-ABC" and child["relation"] == "implements"
    assert child["evidence"][0]["document"] == "p.txt"
    up = client.get("/api/lineage/5/KH-ABC", params={"direction": "up"}).json()
    assert up["root"]["children"][0]["notation"] == "48-CT/TW"
    assert client.get("/api/lineage/1/XX-NONE").status_code == 404
    assert client.get("/api/lineage/48-CT/TW", params={"direction": "sideways"}).status_code == 422


def test_server_sees_a_later_ingest(
    client: TestClient, store_path: Path, stages: Stages, write
) -> None:
    """The server holds no lock: a writer can ingest beside it and the server sees the result."""
    writer = OxigraphStore(store_path)
    try:
        assert ingest([write("n.txt", "CITE 36-CT/TW\n")], writer, stages=stages).ok
    finally:
        writer.close()
    assert client.get("/healthz").json()["counts"]["documents"] == 3


def test_openapi_lists_the_contract(client: TestClient) -> None:
    paths = json.loads(client.get("/openapi.json").text)["paths"]
    assert {"/sparql", "/healthz", "/api/lineage/{notation}"} <= set(paths)
