"""The SPARQL backend against a real Virtuoso: the same behaviour as the embedded store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from click.testing import CliRunner
from rdflib import Literal, URIRef
from virtuoso import virtuoso_server  # noqa: F401

import kg.store_sparql as sq
from kg.errors import KGError, StoreError
from kg.iri import BASE
from kg.pipeline import Stages, default_stages, ingest
from kg.store import OxigraphStore, open_store
from kg.store_sparql import JOURNAL_GRAPH, PENDING, SparqlStore
from kg.virtuoso import LocalVirtuoso

pytestmark = pytest.mark.virtuoso

EX = "http://example.org/"
SEEDS = Path(__file__).resolve().parent.parent / "data" / "documents"


def graph_of(*values: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for i, v in enumerate(values):
        g.add((URIRef(f"{EX}s{i}"), URIRef(f"{EX}p"), Literal(v)))
    return g


def wipe(store: SparqlStore) -> None:
    """Drop every graph of ours (documents, reference, journal), leaving system graphs."""
    res = store.query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{BASE}')) }}",
        default_graph_union=False,
    )
    graphs = [str(r["g"]) for r in res] + [JOURNAL_GRAPH]
    store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))


def quads(store: SparqlStore) -> set[tuple[str, ...]]:
    res = store.query(
        f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{BASE}')) }}",
        default_graph_union=False,
    )
    return {tuple(str(r[v]) for v in ("g", "s", "p", "o")) for r in res}


@pytest.fixture
def env(virtuoso_server: LocalVirtuoso, monkeypatch: pytest.MonkeyPatch) -> LocalVirtuoso:  # noqa: F811
    for key, value in virtuoso_server.credentials_env().items():
        monkeypatch.setenv(key, value)
    return virtuoso_server


@pytest.fixture
def remote(env: LocalVirtuoso) -> Iterator[SparqlStore]:
    store = open_store(env.spec)
    assert isinstance(store, SparqlStore)
    wipe(store)
    yield store
    store.close()


# --------------------------------------------------------------------------- store contract


def test_replace_writes_one_graph_with_its_catalogue_entry(remote: SparqlStore) -> None:
    remote.replace_document("a.txt", "aa" * 32, f"{BASE}document/a", graph_of("x", "y"))
    entry = remote.document_graphs()["a.txt"]
    assert (entry.graph, entry.sha256) == (f"{BASE}document/a", "aa" * 32)
    rows = remote.query(
        f"SELECT ?o WHERE {{ GRAPH <{BASE}document/a> {{ ?s <{EX}p> ?o }} }}",
        default_graph_union=False,
    )
    assert sorted(str(r["o"]) for r in rows) == ["x", "y"]
    assert remote.count_triples() == 2 + 4  # facts + catalogue, no server system graphs


def test_reingest_replaces_and_remove_drops(remote: SparqlStore) -> None:
    remote.replace_document("a.txt", "aa" * 32, f"{BASE}document/old", graph_of("old"))
    remote.replace_document("b.txt", "bb" * 32, f"{BASE}document/b", graph_of("b"))
    remote.replace_document("a.txt", "cc" * 32, f"{BASE}document/new", graph_of("new"))
    values = {str(r["o"]) for r in remote.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")}
    assert values == {"new", "b"}
    assert remote.document_graphs()["a.txt"].graph == f"{BASE}document/new"
    assert remote.remove_document("a.txt") is True
    assert remote.remove_document("a.txt") is False
    assert set(remote.document_graphs()) == {"b.txt"}


def test_large_document_goes_through_graph_store_protocol(remote: SparqlStore) -> None:
    remote.chunk = 50
    assert remote.gsp_url and remote.gsp_url.endswith("/sparql-graph-crud-auth")
    big = graph_of(*(f"v{i}" for i in range(400)))
    remote.replace_document("big.txt", "dd" * 32, f"{BASE}document/big", big)
    assert remote.count_triples() == 400 + 4
    journal = remote.query(f"ASK {{ GRAPH <{JOURNAL_GRAPH}> {{ ?g ?p ?o }} }}")
    assert journal.boolean is False


@pytest.mark.parametrize("use_gsp", [True, False])
def test_failure_midway_through_a_large_write_leaves_the_store_unchanged(
    remote: SparqlStore, monkeypatch: pytest.MonkeyPatch, use_gsp: bool
) -> None:
    remote.chunk = 50
    if not use_gsp:
        remote.gsp_url = None
    remote.replace_document("a.txt", "aa" * 32, f"{BASE}document/a", graph_of("v1"))
    before = quads(remote)
    real_update, calls = remote.update, []

    def failing_commit(sparql: str) -> None:  # the facts are uploaded; the commit fails
        calls.append(sparql)
        if "DELETE DATA" in sparql and "INSERT DATA" in sparql:
            raise StoreError("connection reset by the server")
        real_update(sparql)

    monkeypatch.setattr(remote, "update", failing_commit)
    with pytest.raises(StoreError):
        remote.replace_document(
            "a.txt", "ee" * 32, f"{BASE}document/a2", graph_of(*(f"v{i}" for i in range(300)))
        )
    assert quads(remote) == before
    assert len(calls) >= 3 if use_gsp else len(calls) > 6  # it did get far


def test_killed_writer_leftovers_are_repaired_by_the_next_writer(
    remote: SparqlStore, env: LocalVirtuoso
) -> None:
    remote.replace_document("a.txt", "aa" * 32, f"{BASE}document/a", graph_of("kept"))
    # What a writer killed mid-way leaves: a pending partial graph, and (killed between the
    # commit and the drop of the old graph) an older graph that claims the same file name.
    remote.update(
        f"INSERT DATA {{ GRAPH <{JOURNAL_GRAPH}> {{ <{BASE}document/p> <{PENDING}> 'x.txt' }} "
        f"GRAPH <{BASE}document/p> {{ <{EX}s> <{EX}p> 'partial' }} "
        f"GRAPH <{BASE}document/stale> {{ <{BASE}document/stale> "
        f"<https://w3id.org/pctp-kg/ontology#fileName> 'a.txt' ; "
        f"<https://w3id.org/pctp-kg/ontology#sha256> 'ff' ; "
        f"<http://www.w3.org/ns/prov#generatedAtTime> '2000-01-01T00:00:00Z' ; <{EX}p> 'stale' }} }}"
    )
    assert remote.document_graphs()["a.txt"].graph == f"{BASE}document/a"  # newest wins
    writer = SparqlStore(env.spec)
    writer.replace_document("b.txt", "bb" * 32, f"{BASE}document/b", graph_of("b"))
    values = {str(r["o"]) for r in writer.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")}
    assert values == {"kept", "b"}
    writer.close()


def test_read_only_and_credentials(env: LocalVirtuoso, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = open_store(env.spec, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        reader.remove_document("a.txt")
    monkeypatch.setenv("KG_STORE_PASSWORD", "wrong")
    with pytest.raises(StoreError, match="KG_STORE_USER"):
        open_store(env.spec).query("ASK {}")
    public = open_store(env.public_spec)  # Virtuoso's anonymous endpoint cannot write
    monkeypatch.delenv("KG_STORE_USER")
    with pytest.raises(StoreError):
        SparqlStore(env.public_spec).update(f"INSERT DATA {{ <{EX}a> <{EX}b> 'c' }}")
    assert public.query("ASK {}").boolean is True


def test_bad_query_is_a_kg_error(remote: SparqlStore) -> None:
    with pytest.raises(KGError, match="SPARQL syntax error"):
        remote.query("SELECT WHERE {")


def test_spec_parsing() -> None:
    assert sq.endpoint_of("sparql+https://h:1/x/sparql") == "https://h:1/x/sparql"
    assert sq.derived_gsp_url("http://h/sparql") == "http://h/sparql-graph-crud"
    assert sq.derived_gsp_url("http://h/ds/query") is None
    with pytest.raises(StoreError):
        sq.endpoint_of("sparql+http:///nohost")
    assert sq.query_form("PREFIX a: <x:>\n# c\nconstruct { } WHERE { }") == "CONSTRUCT"


# --------------------------------------------------------------------------- same answers


def _memo_stages() -> Stages:
    """Extract and validate each seed once for both stores (extraction is the slow part)."""
    real = default_stages()
    cache: dict[Any, Any] = {}

    def memo(fn: Any, key: Any) -> Any:
        def run(arg: Any) -> Any:
            k = (fn.__name__, key(arg))
            if k not in cache:
                cache[k] = (arg, fn(arg))  # keep arg alive so its id is not reused
            return cache[k][1]

        return run

    return Stages(
        real.read,
        memo(real.extract, lambda s: s.sha256),
        memo(real.build, id),
        memo(real.validate, id),
    )


@pytest.fixture(scope="module")
def seeded(virtuoso_server: LocalVirtuoso, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    stages = _memo_stages()
    path = tmp_path_factory.mktemp("embedded") / "kg"
    embedded = OxigraphStore(path)
    remote = SparqlStore(virtuoso_server.spec, user="dba", password="dba")
    wipe(remote)
    reports = [ingest([SEEDS], s, stages=stages) for s in (embedded, remote)]
    again = ingest([SEEDS], remote, stages=stages)
    embedded.close()
    remote.close()
    return {"path": str(path), "reports": reports, "again": again}


def _cli(env: LocalVirtuoso, store: str, *args: str) -> str:
    from kg.cli import main

    result = CliRunner().invoke(main, ["--store", store, *args], env=env.credentials_env())
    assert result.exit_code == 0, result.output
    return result.output


def test_seeds_ingest_alike_and_reingest_is_a_no_op(seeded: dict) -> None:
    local, remote = seeded["reports"]
    assert local.ok and remote.ok
    assert [(d.name, d.status, d.facts) for d in local.documents] == [
        (d.name, d.status, d.facts) for d in remote.documents
    ]
    assert {d.status for d in seeded["again"].documents} == {"unchanged"}


def test_cli_stats_query_and_lineage_answer_alike(seeded: dict, env: LocalVirtuoso) -> None:
    local = seeded["path"]
    stats = [json.loads(_cli(env, s, "stats", "--format", "json")) for s in (local, env.spec)]
    assert stats[0] == stats[1] and stats[0]["documents"] == len(list(SEEDS.iterdir()))
    sparql = (
        "PREFIX eli: <http://data.europa.eu/eli/ontology#> "
        "SELECT ?n (COUNT(?x) AS ?c) WHERE { ?i eli:id_local ?n . ?x ?p ?i } "
        "GROUP BY ?n ORDER BY DESC(?c) ?n"
    )
    rows = [json.loads(_cli(env, s, "query", sparql, "--format", "json")) for s in (local, env.spec)]
    as_pairs = [
        sorted((b["n"]["value"], int(b["c"]["value"])) for b in r["results"]["bindings"])
        for r in rows
    ]
    assert as_pairs[0] == as_pairs[1] and as_pairs[0]
    top = rows[0]["results"]["bindings"][0]["n"]["value"]
    for args in (["lineage", top, "--format", "json"], ["lineage", top, "--up", "--format", "json"]):
        trees = [json.loads(_cli(env, s, *args)) for s in (local, env.spec)]
        assert trees[0] == trees[1]


def test_api_lineage_answers_alike(seeded: dict, env: LocalVirtuoso) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    local = seeded["path"]
    sparql = (
        "PREFIX eli: <http://data.europa.eu/eli/ontology#> "
        "SELECT ?n (COUNT(?x) AS ?c) WHERE { ?i eli:id_local ?n . ?x ?p ?i } "
        "GROUP BY ?n ORDER BY DESC(?c) ?n LIMIT 5"
    )
    store = OxigraphStore(local, read_only=True)
    notations = [str(r["n"]) for r in store.query(sparql)]
    store.close()
    assert notations
    answers = []
    for spec in (local, env.spec):
        with TestClient(create_app(spec)) as client:
            answers.append(
                [client.get(f"/api/lineage/{n}").json() for n in notations]
                + [client.get(f"/api/lineage/{notations[0]}", params={"direction": "up"}).json()]
            )
    assert answers[0] == answers[1]
