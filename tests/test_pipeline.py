"""Ingest: per-document all-or-nothing, no-op re-ingest, fact files, lineage over the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import iri
from kg.lineage import NotationNotFound, lineage, store_stats
from kg.pipeline import Stages, expand_inputs, extract_files, ingest, ingest_fact_file
from kg.store import OxigraphStore


def quads(store: OxigraphStore) -> set[str]:
    return {str(q) for q in store.ox}


def test_batch_with_broken_documents_keeps_the_others(
    store: OxigraphStore, stages: Stages, write
) -> None:
    good1 = write("good1.txt", "DOC 10/KH-UBND\nCITE 48-CT/TW\nIMPL #document 48-CT/TW\n")
    broken = write("broken.txt", "CITE 12-CT/TW\n")
    # a previous good version of broken.txt is in the store
    assert ingest([broken], store, stages=stages).ok
    before_broken = {q for q in quads(store)}
    broken.write_text("CITE 12-CT/TW\nCRASH\n", encoding="utf-8")
    invalid = write("invalid.txt", "CITE INVALID-1/TW\n")
    good2 = write("good2.txt", "CITE 36-CT/TW\n")
    report = ingest([good1, broken, invalid, good2], store, stages=stages)

    status = {d.name: d.status for d in report.documents}
    assert status == {
        "good1.txt": "added",
        "broken.txt": "failed",
        "invalid.txt": "failed",
        "good2.txt": "added",
    }
    assert "extractor exploded" in report.failed[0].error
    assert "invalid.txt" in report.failed[1].error and "kgo:NoInvalid" in report.failed[1].error
    catalogue = store.document_graphs()
    assert set(catalogue) == {"good1.txt", "broken.txt", "good2.txt"}
    # broken.txt's old facts are exactly as they were
    old_graph = catalogue["broken.txt"].graph
    assert {q for q in quads(store) if f"<{old_graph}>" in q} == {
        q for q in before_broken if f"<{old_graph}>" in q
    }
    assert not store.query(
        f"ASK {{ ?i <{iri.ONTOLOGY}isLocal> ?l ; <http://data.europa.eu/eli/ontology#id_local> 'INVALID-1/TW' }}"
    ).boolean


def test_reingest_unchanged_is_a_noop_and_changed_replaces(
    store: OxigraphStore, stages: Stages, write
) -> None:
    doc = write("a.txt", "CITE 48-CT/TW\n")
    first = ingest([doc], store, stages=stages)
    assert first.documents[0].status == "added" and first.documents[0].facts > 0
    count = store.count_triples()
    entry = store.document_graphs()["a.txt"]

    again = ingest([doc], store, stages=stages)
    assert again.documents[0].status == "unchanged"
    assert store.count_triples() == count
    assert store.document_graphs()["a.txt"] == entry  # not even the ingest time moved

    doc.write_text("CITE 36-CT/TW\n", encoding="utf-8")
    changed = ingest([doc], store, stages=stages)
    assert changed.documents[0].status == "replaced"
    notations = {
        str(r["n"])
        for r in store.query(
            "SELECT ?n WHERE { ?i <http://data.europa.eu/eli/ontology#id_local> ?n }"
        )
    }
    assert notations == {"36-CT/TW"}
    assert len(store.document_graphs()) == 1


def test_same_bytes_under_two_names_are_stored_once(
    store: OxigraphStore, stages: Stages, write
) -> None:
    a = write("a.txt", "CITE 48-CT/TW\n")
    b = write("b.txt", "CITE 48-CT/TW\n")
    report = ingest([a, b], store, stages=stages)
    assert [d.status for d in report.documents] == ["added", "unchanged"]
    assert "same content as a.txt" in report.documents[1].warnings[0]
    assert set(store.document_graphs()) == {"a.txt"}


def test_two_files_with_one_name_in_a_batch(
    tmp_path: Path, store: OxigraphStore, stages: Stages
) -> None:
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.txt").write_text(f"CITE {sub}-1/TW\n", encoding="utf-8")
    report = ingest(
        [tmp_path / "x" / "same.txt", tmp_path / "y" / "same.txt"], store, stages=stages
    )
    assert [d.status for d in report.documents] == ["added", "failed"]
    assert "another file named same.txt" in report.documents[1].error


def test_broken_fact_file_is_refused_and_count_does_not_move(
    tmp_path: Path, store: OxigraphStore, stages: Stages, write
) -> None:
    ingest([write("a.txt", "CITE 48-CT/TW\n")], store, stages=stages)
    count = store.count_triples()
    bad = tmp_path / "facts.ttl"
    bad.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:a ex:p "unterminated .\n',
        encoding="utf-8",
    )
    result = ingest_fact_file(bad, store, validate=stages.validate)
    assert result.status == "failed"
    assert "facts.ttl" in result.error and "line 3" in result.error
    assert store.count_triples() == count


def test_fact_file_goes_into_a_graph_named_by_its_hash(
    tmp_path: Path, store: OxigraphStore, stages: Stages
) -> None:
    import hashlib

    good = tmp_path / "facts.ttl"
    good.write_text("<http://example.org/a> <http://example.org/p> 'v' .\n", encoding="utf-8")
    report = ingest([good], store, stages=stages)
    assert report.documents[0].status == "added"
    sha = hashlib.sha256(good.read_bytes()).hexdigest()
    assert store.document_graphs()["facts.ttl"].graph == iri.document(sha)
    assert ingest([good], store, stages=stages).documents[0].status == "unchanged"
    invalid = tmp_path / "invalid.ttl"
    invalid.write_text(
        "<http://example.org/a> <http://example.org/p> 'INVALID' .\n", encoding="utf-8"
    )
    count = store.count_triples()
    assert ingest_fact_file(invalid, store, validate=stages.validate).status == "failed"
    assert store.count_triples() == count


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    from kg.errors import KGError

    with pytest.raises(KGError, match="no such file"):
        expand_inputs([tmp_path / "nope.txt"])


def test_extract_files_does_not_need_a_store(stages: Stages, write) -> None:
    [ex] = extract_files([write("a.txt", "CITE 48-CT/TW\n")], stages=stages)
    assert [i.notation for i in ex.instruments] == ["48-CT/TW"]


# --------------------------------------------------------------------------- lineage


CENTRAL = "CITE 48-CT/TW\n"
PLAN = (
    "DOC 10/KH-ABC\nCITE 48-CT/TW\nIMPL #document 48-CT/TW\n"
    "ACT Công an tỉnh|#document|tổ chức tuyên truyền\nOBS 12 buổi buổi tuyên truyền\n"
)
LETTER = "DOC 7/CV-XYZ\nCITE 10/KH-ABC\nIMPL #document 10/KH-ABC\n"


@pytest.fixture
def chain(store: OxigraphStore, stages: Stages, write) -> OxigraphStore:
    report = ingest(
        [write("central.txt", CENTRAL), write("plan.txt", PLAN), write("letter.txt", LETTER)],
        store,
        stages=stages,
    )
    assert report.ok, [d.error for d in report.failed]
    return store


def _walk(node) -> list:
    out = [node]
    for c in node.children:
        out.extend(_walk(c))
    return out


def test_lineage_down_follows_documents_and_their_activities(chain: OxigraphStore) -> None:
    tree = lineage(chain, "48-ct/tw", direction="down")
    assert tree.root is not None and tree.root.notation == "48-CT/TW"
    nodes = _walk(tree.root)
    plan = next(n for n in nodes if n.notation == "10/KH-ABC")
    assert plan.relation == "implements"
    assert plan.evidence and plan.evidence[0].quote == "IMPL #document 48-CT/TW"
    assert plan.evidence[0].document == "plan.txt"
    letter = next(n for n in nodes if n.notation == "7/CV-XYZ")
    assert letter in plan.children
    activity = next(n for n in plan.children if n.kind == "activity")
    assert {c.kind for c in activity.children} == {"body", "observation"}
    assert any("12" in c.label for c in activity.children if c.kind == "observation")


def test_lineage_up_and_depth(chain: OxigraphStore) -> None:
    up = lineage(chain, "7/CV-XYZ", direction="up")
    chain_notations = [n.notation for n in _walk(up.root)]
    assert chain_notations == ["7/CV-XYZ", "10/KH-ABC", "48-CT/TW"]
    shallow = lineage(chain, "7/CV-XYZ", direction="up", depth=1)
    assert [n.notation for n in _walk(shallow.root)] == ["7/CV-XYZ", "10/KH-ABC"]


def test_lineage_ambiguous_local_notation_returns_candidates(
    store: OxigraphStore, stages: Stages, write
) -> None:
    ingest(
        [
            write("p1.txt", "LOCAL 5/KH-UBND Lai Châu\n"),
            write("p2.txt", "LOCAL 5/KH-UBND Khánh Hòa\n"),
        ],
        store,
        stages=stages,
    )
    tree = lineage(store, "5/KH-UBND")
    assert tree.root is None
    assert sorted(c.jurisdiction for c in tree.candidates) == ["Khánh Hòa", "Lai Châu"]
    picked = lineage(store, "5/KH-UBND", iri=tree.candidates[0].iri)
    assert picked.root is not None and picked.root.iri == tree.candidates[0].iri
    with pytest.raises(NotationNotFound):
        lineage(store, "999/XX-YY")


def test_stats_counts(chain: OxigraphStore) -> None:
    stats = store_stats(chain)
    assert stats["documents"] == 3
    assert stats["links"] == 2
    assert stats["activities"] == 1 and stats["observations"] == 1
    assert stats["bodies"] >= 1 and stats["triples"] == chain.count_triples()
