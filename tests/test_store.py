"""The store: atomic per-document replace, catalogue inside the graph, clear errors."""

from __future__ import annotations

import errno
import os
from datetime import datetime
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

import kg.store as kgstore
from kg.errors import KGError, StoreError
from kg.store import REFERENCE_GRAPH, OxigraphStore, open_store, translate_os_error

EX = "http://example.org/"


def graph_of(*values: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for i, v in enumerate(values):
        g.add((URIRef(f"{EX}s{i}"), URIRef(f"{EX}p"), Literal(v)))
    return g


def quads(store: OxigraphStore) -> set[str]:
    return {str(q) for q in store.ox}


def test_replace_writes_graph_and_catalogue_entry(store: OxigraphStore) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/a", graph_of("x", "y"))
    entry = store.document_graphs()["a.txt"]
    assert entry.graph == f"{EX}g/a"
    assert entry.sha256 == "aa" * 32
    assert datetime.fromisoformat(entry.ingested_at).tzinfo is not None
    rows = store.query(
        f"SELECT ?o WHERE {{ GRAPH <{EX}g/a> {{ ?s <{EX}p> ?o }} }}", default_graph_union=False
    )
    assert sorted(str(r["o"]) for r in rows) == ["x", "y"]


def test_replace_by_name_drops_the_old_graph(store: OxigraphStore) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/old", graph_of("old"))
    store.replace_document("a.txt", "bb" * 32, f"{EX}g/new", graph_of("new"))
    values = {str(r["o"]) for r in store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")}
    assert values == {"new"}
    assert {e.graph for e in store.document_graphs().values()} == {f"{EX}g/new"}


def test_failure_midway_leaves_store_unchanged(
    store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/a", graph_of("v1"))
    store.replace_document("b.txt", "cc" * 32, f"{EX}g/b", graph_of("other"))
    before = quads(store)
    real = kgstore.replace_update

    def failing(drops, graph_iri, body):  # the drop and the insert run, then an op fails
        return real(drops, graph_iri, body) + f" ;\nCREATE GRAPH <{EX}g/b>"

    monkeypatch.setattr(kgstore, "replace_update", failing)
    with pytest.raises(StoreError):
        store.replace_document("a.txt", "dd" * 32, f"{EX}g/a2", graph_of("v2"))
    assert quads(store) == before


def test_remove_drops_document_and_its_entry(store: OxigraphStore) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/a", graph_of("x"))
    store.replace_document("b.txt", "bb" * 32, f"{EX}g/b", graph_of("y"))
    assert store.remove_document("a.txt") is True
    assert set(store.document_graphs()) == {"b.txt"}
    assert store.remove_document("a.txt") is False
    values = {str(r["o"]) for r in store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")}
    assert values == {"y"}


def test_query_kinds(store: OxigraphStore) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/a", graph_of("x"))
    select = store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")
    assert select.kind == "select" and select.variables == ["o"]
    assert select.to_sparql_json()["results"]["bindings"] == [
        {"o": {"type": "literal", "value": "x"}}
    ]
    assert store.query(f"ASK {{ ?s <{EX}p> 'x' }}").boolean is True
    assert store.query(f"ASK {{ ?s <{EX}p> 'zzz' }}").boolean is False
    construct = store.query(f"CONSTRUCT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }}")
    assert construct.kind == "graph" and len(construct.graph) == 1
    # without the union default graph, named-graph triples are invisible
    assert not store.query(f"ASK {{ ?s <{EX}p> ?o }}", default_graph_union=False).boolean


def test_bad_sparql_is_a_kg_error(store: OxigraphStore) -> None:
    with pytest.raises(KGError, match="SPARQL syntax error"):
        store.query("SELECT WHERE {")


def test_second_writer_gets_in_use_message(store_path: Path, store: OxigraphStore) -> None:
    with pytest.raises(StoreError, match=r"in use by another process \(is `kg serve`"):
        OxigraphStore(store_path)


def test_reader_beside_writer_sees_new_data_after_refresh(
    store_path: Path, store: OxigraphStore
) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/a", graph_of("x"))
    store.ox.flush()
    reader = OxigraphStore(store_path, read_only=True)
    assert set(reader.document_graphs()) == {"a.txt"}
    store.replace_document("b.txt", "bb" * 32, f"{EX}g/b", graph_of("y"))
    store.ox.flush()
    reader.refresh()
    assert set(reader.document_graphs()) == {"a.txt", "b.txt"}
    with pytest.raises(StoreError, match="read-only"):
        reader.remove_document("a.txt")
    reader.close()


def test_path_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        OxigraphStore(f)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="(permission denied|cannot create)"):
            OxigraphStore(ro / "kg")
    finally:
        ro.chmod(0o755)


def test_unwritable_directory_is_refused_before_rocksdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kg"
    target.mkdir()
    monkeypatch.setattr(kgstore.os, "access", lambda *_a, **_k: False)
    with pytest.raises(StoreError, match="permission denied"):
        OxigraphStore(target)


def test_os_error_translation() -> None:
    assert "disk full" in str(
        translate_os_error("x", OSError(errno.ENOSPC, "No space left on device"))
    )
    assert "permission denied" in str(
        translate_os_error("x", OSError("IO error: x/LOCK: Permission denied"))
    )
    locked = translate_os_error(
        "x", OSError("IO error: While lock file: x/LOCK: Resource temporarily unavailable")
    )
    assert str(locked).startswith("store at x is in use by another process (is `kg serve`")


def test_open_store_uses_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_STORE", str(tmp_path / "from-env"))
    s = open_store(None)
    try:
        assert s.location == str(tmp_path / "from-env")
        assert (tmp_path / "from-env" / "CURRENT").exists()
    finally:
        s.close()


def test_reference_replaced_atomically_and_syntax_errors_name_the_line(
    tmp_path: Path, store: OxigraphStore
) -> None:
    good = tmp_path / "ref.ttl"
    good.write_text(f"<{EX}a> <{EX}p> 'one' .\n", encoding="utf-8")
    store.load_reference([good])
    first = store.reference_hash()
    good.write_text(f"<{EX}a> <{EX}p> 'two' .\n", encoding="utf-8")
    store.load_reference([good])
    assert store.reference_hash() != first
    rows = store.query(f"SELECT ?o WHERE {{ GRAPH <{REFERENCE_GRAPH}> {{ ?s <{EX}p> ?o }} }}")
    assert [str(r["o"]) for r in rows] == ["two"]
    before = quads(store)
    good.write_text(f"<{EX}a> <{EX}p> 'three' .\n<{EX}a> <{EX}p> 'broken .\n", encoding="utf-8")
    with pytest.raises(KGError, match=r"ref\.ttl.*line 2"):
        store.load_reference([good])
    assert quads(store) == before


def test_export_keeps_graphs(store: OxigraphStore) -> None:
    store.replace_document("a.txt", "aa" * 32, f"{EX}g/a", graph_of("x"))
    nq = store.export("nquads").decode()
    assert f"<{EX}g/a>" in nq and '"x"' in nq
    assert rdflib.Dataset().parse(data=store.export("turtle"), format="trig")
    with pytest.raises(KGError, match="unknown export format"):
        store.export("csv")


def test_catalogue_look_up_by_name_or_graph_finds_only_that_document(
    store: OxigraphStore,
) -> None:
    odd = 'kế hoạch "số 3" {x} #1.txt'  # quotes, braces and a hash must not break the query
    store.replace_document(odd, "aa" * 32, f"{EX}g/a", graph_of("x"))
    store.replace_document("b.txt", "bb" * 32, f"{EX}g/b", graph_of("y"))
    [by_name] = store.catalogue_entries(name=odd)
    assert (by_name.name, by_name.graph, by_name.sha256) == (odd, f"{EX}g/a", "aa" * 32)
    [by_graph] = store.catalogue_entries(graph=f"{EX}g/b")
    assert (by_graph.name, by_graph.sha256) == ("b.txt", "bb" * 32)
    assert store.catalogue_entries(name="missing.txt") == []
    assert store.catalogue_entries(graph=f"{EX}g/none") == []
    assert store.remove_document(odd)
    assert set(store.document_graphs()) == {"b.txt"}
