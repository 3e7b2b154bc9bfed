"""The lineage read from an in-memory copy by triple patterns (kg.lineage_patterns) gives
exactly what its SPARQL queries give: look-up by look-up, and whole answers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from test_lineage import seed_store_path

import kg.lineage as L
from kg import queries
from kg.mirror import Mirror
from kg.store import OxigraphStore
from kg.synth import generate
from kg.vocab import DCTERMS, ELI, KGO, PROV, RDF, RDFS


def _in_memory(path: Path) -> OxigraphStore:
    store = OxigraphStore(path, read_only=True)
    memory = Mirror().sync(store.ox)
    assert memory is not None
    store.serve_from_memory(memory)
    assert store.pattern_reader() is memory
    return store


@pytest.fixture(scope="module", params=["synthetic", "seeds"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    """A synthetic corpus (fan-out, alternates, observations) or the real seed documents."""
    if request.param == "synthetic":
        out = tmp_path_factory.mktemp("synth")
        generate(out, seed=5, provinces=2, years=2, scale="small", write_documents=False)
        path = out / "store"
        OxigraphStore(path).ox.bulk_load(path=str(out / "corpus.nq"), format=ox.RdfFormat.N_QUADS)
    else:
        path = tmp_path_factory.mktemp("seeds") / "store"
        shutil.copytree(seed_store_path(), path)
    store = _in_memory(path)
    yield store
    store.close()


def _both_ways(store: OxigraphStore, ask: Callable[[], Any]) -> tuple[Any, Any]:
    """``ask()`` read by patterns, then by queries (nothing kept from one to the other)."""
    answers = []
    memory = store.pattern_reader()
    for reader in (memory, None):
        store._memory = reader
        queries._CACHES.pop(store, None)
        try:
            answers.append(ask())
        finally:
            store._memory = memory
    return answers[0], answers[1]


def _iris(store: OxigraphStore, sparql: str) -> list[str]:
    return sorted({str(r["x"]) for r in queries.select_plain(store, L.PREFIXES + sparql)})


def _lists(value: Any) -> Any:
    """Dicts of lists compared as sets of rows: the order inside a look-up is the caller's."""
    return {k: sorted(map(repr, v)) if isinstance(v, list) else v for k, v in value.items()}


def test_each_look_up_reads_the_same_facts_both_ways(store: OxigraphStore) -> None:
    instruments = _iris(store, "SELECT DISTINCT ?x WHERE { ?x eli:id_local ?n }")
    acts = _iris(store, "SELECT DISTINCT ?x WHERE { ?x a prov:Activity }")
    docs = _iris(store, "SELECT DISTINCT ?x WHERE { ?x kgo:fileName ?n }")
    places = _iris(store, "SELECT DISTINCT ?x WHERE { ?d kgo:jurisdiction ?x }")
    obs = _iris(store, "SELECT DISTINCT ?x WHERE { ?x prov:wasGeneratedBy ?a }")
    notations = [str(r["n"]) for r in queries.select_plain(
        store, L.PREFIXES + "SELECT DISTINCT ?n WHERE { ?i eli:id_local ?n } ORDER BY ?n LIMIT 40")]
    assert instruments and acts and docs and places and obs
    aliases = {i: i for i in instruments}
    links = {
        (str(r["s"]), str(r["t"]), str(r["r"]))
        for r in queries.select_plain(store, L.PREFIXES + (
            "SELECT ?s ?t ?r WHERE { ?f kgo:source ?s ; kgo:target ?t ; kgo:relation ?r }"))
    }
    assert links
    looks: dict[str, Callable[[], Any]] = {
        "facts": lambda: L._fetch_facts(store, set(instruments)),
        "labels": lambda: L._fetch_labels(store, set(places) | set(instruments)),
        "documents": lambda: L._fetch_docs(store, set(docs)),
        "file names": lambda: L._fetch_file_names(store, set(docs)),
        "alternates": lambda: _lists(L._fetch_alternates(store, set(instruments) | set(docs))),
        "notations": lambda: L._with_notation(store, notations + ["no such notation"]),
        "evidence": lambda: L._fetch_fact_evidence(store, set(acts) | set(obs)),
        "down": lambda: sorted(map(repr, L._neighbours(store, aliases, "down"))),
        "up": lambda: sorted(map(repr, L._neighbours(store, aliases, "up"))),
        "link evidence": lambda: L._link_evidence(store, links),
        "activities": lambda: L._activities(store, aliases, L._Filter()),
        "bodies": lambda: L._bodies(store, acts),
        "observations": lambda: L._observations(store, acts),
    }
    for name, ask in looks.items():
        by_patterns, by_queries = _both_ways(store, ask)
        assert by_patterns == by_queries, name
        assert by_patterns, f"{name}: nothing read, so nothing compared"


def test_whole_answers_are_the_same_both_ways(store: OxigraphStore) -> None:
    rows = queries.select_plain(
        store, L.PREFIXES + "SELECT DISTINCT ?i ?n WHERE { ?i eli:id_local ?n } ORDER BY ?i")
    asked = [(str(r["n"]), str(r["i"])) for r in rows][:60]
    activity = _iris(store, "SELECT DISTINCT ?x WHERE { ?x a prov:Activity }")[0]

    def answers() -> str:
        trees = []
        for notation, instrument in asked:
            trees.append(L.lineage(store, notation, iri=instrument, limit=3))
            trees.append(L.lineage(store, notation, iri=instrument, direction="up"))
        trees.append(L.lineage(store, activity, direction="up"))
        return json.dumps([t.to_json() for t in trees], ensure_ascii=False, sort_keys=True)

    by_patterns, by_queries = _both_ways(store, answers)
    assert by_patterns == by_queries
    assert '"kind": "activity"' in by_patterns and '"kind": "observation"' in by_patterns


def test_a_fact_written_differently_in_two_documents_reads_the_same_both_ways(tmp_path: Path) -> None:
    """The least value, not whichever row an engine gives first (their orders differ); an
    activity's facts from its own graph only; OPTIONAL facts left out stay unbound."""
    ex = "https://example.org/"
    x, act, bare, obs = (ox.NamedNode(ex + n) for n in ("instrument", "activity", "bare", "obs"))
    g1, g2, g3 = (ox.NamedNode(ex + g) for g in ("g1", "g2", "g3"))
    label, desc = ox.NamedNode(str(RDFS.label)), ox.NamedNode(str(DCTERMS.description))
    quads = [
        (x, label, ox.Literal("Kế hoạch b"), g1),
        (x, label, ox.Literal("Kế hoạch a"), g2),
        (x, label, ox.Literal("Kế hoạch c"), g3),
        (x, ox.NamedNode(str(ELI.id_local)), ox.Literal("7/KH"), g1),
        (x, ox.NamedNode(str(KGO.isLocal)), ox.Literal("true"), g1),
        (act, ox.NamedNode(str(PROV.wasInfluencedBy)), x, g1),
        (act, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PROV.Activity)), g1),
        (act, desc, ox.Literal("Tuyên truyền"), g1),
        (act, desc, ox.Literal("A: of another graph, not this activity's"), g2),
        (bare, ox.NamedNode(str(PROV.wasInfluencedBy)), x, g1),  # no description
        (bare, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PROV.Activity)), g1),
        (obs, ox.NamedNode(str(PROV.wasGeneratedBy)), act, g1),  # a value, no unit or measure
        (obs, ox.NamedNode(str(KGO.value)), ox.Literal("3"), g1),
    ]
    disk = OxigraphStore(tmp_path / "store")
    disk.ox.extend([ox.Quad(*q) for q in quads])
    disk.close()
    store = _in_memory(tmp_path / "store")
    by_patterns, by_queries = _both_ways(store, lambda: L.lineage(store, "7/KH").to_json())
    assert by_patterns == by_queries
    root = by_patterns["root"]
    assert root["label"] == "Kế hoạch a"
    children = {c["iri"]: c for c in root["children"]}
    assert children[act.value]["label"] == "Tuyên truyền"
    assert children[bare.value]["label"] == bare.value
    assert [c["label"] for c in children[act.value]["children"]] == ["3"]


def test_only_an_in_memory_copy_is_read_by_patterns(tmp_path: Path) -> None:
    path = tmp_path / "store"
    OxigraphStore(path).close()
    store = OxigraphStore(path, read_only=True)
    assert store.pattern_reader() is None  # the files: queries are faster there
    store.serve_from_memory(ox.Store())
    assert store.pattern_reader() is not None
    writer = OxigraphStore(path)
    writer.ox.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode(str(RDFS.label)),
                          ox.Literal("x"), ox.NamedNode("https://example.org/g")))
    writer.close()
    store.refresh()  # a newer version on disk: back to the files, and to queries
    assert store.pattern_reader() is None
