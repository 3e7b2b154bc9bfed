"""Every SHACL rule accepts the valid fixture and rejects its own invalid fixture.

Invalid fixtures (tests/fixtures/shapes/invalid/*.trig) are patches of the valid graph: the
triples of graph ``fx:remove`` are taken out, those of ``fx:add`` put in, and ``fx:meta`` names
the shape that must then report, with its own Vietnamese and English messages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef

from kg.validate import ValidationReport, shapes_graph, validate
from kg.vocab import SH, SHAPES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))
FX = Namespace("https://w3id.org/pctp-kg/test-fixture#")


def _valid() -> Graph:
    return Graph().parse(FIXTURES / "valid.ttl", format="turtle")


def _patched(path: Path) -> tuple[Graph, URIRef, Graph]:
    patch = Dataset()
    patch.parse(path, format="trig")
    meta = patch.graph(FX.meta)
    shape = meta.value(FX.case, FX.violates)
    assert isinstance(shape, URIRef), f"{path.name}: fx:meta names no shape"
    remove = patch.graph(FX.remove)
    graph = _valid()
    for triple in remove:
        graph.remove(triple)
    for triple in patch.graph(FX.add):
        graph.add(triple)
    return graph, shape, remove


def _messages(shape: URIRef) -> dict[str, str]:
    return {
        m.language: str(m)
        for m in shapes_graph().objects(shape, SH.message)
        if isinstance(m, Literal) and m.language
    }


def _named_rules() -> set[URIRef]:
    """Every named property shape and SPARQL constraint: each one is a rule with messages."""
    shapes = shapes_graph()
    rules = set(shapes.subjects(SH.path, None)) | set(shapes.subjects(SH.select, None))
    return {r for r in rules if isinstance(r, URIRef)}


def test_valid_fixture_conforms() -> None:
    report = validate(_valid())
    assert report.conforms, report.format("valid.ttl")
    assert report.violations == []


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_fails_with_its_rule(path: Path) -> None:
    graph, shape, remove = _patched(path)
    base = _valid()
    missing = [t for t in remove if t not in base]
    assert not missing, f"{path.name} removes triples the valid fixture lacks: {missing}"

    report = validate(graph)
    assert not report.conforms
    name = str(shape).removeprefix(str(SHAPES))
    expected = _messages(shape)
    hits = [v for v in report.violations if v.rule.split(" ")[0] == name]
    assert hits, f"{path.name}: expected {name}, got {[v.rule for v in report.violations]}"
    assert {(v.message, v.message_vi) for v in hits} == {(expected["en"], expected["vi"])}


def test_every_rule_has_an_invalid_fixture() -> None:
    covered = {_patched(p)[1] for p in INVALID}
    uncovered = sorted(str(r) for r in _named_rules() - covered)
    assert not uncovered, f"rules without an invalid fixture: {uncovered}"


def test_every_rule_speaks_vietnamese_and_english() -> None:
    for rule in _named_rules():
        messages = _messages(rule)
        assert set(messages) == {"vi", "en"}, rule
        assert len(list(shapes_graph().objects(rule, SH.message))) == 2, rule


def test_report_names_document_node_and_rule() -> None:
    graph, _, _ = _patched(FIXTURES / "invalid" / "evidence-past-text.trig")
    report = validate(graph)
    text = report.format("ke-hoach-12.txt")
    assert text.startswith("ke-hoach-12.txt:")
    assert "EvidenceWithinDocument" in text
    assert "https://w3id.org/pctp-kg/document/0123456789abcdef" in text
    assert "evidence/1" in text  # the offending evidence node is named as the value
    assert "Bằng chứng vượt quá độ dài văn bản" in text


def test_conforming_report_says_so() -> None:
    assert "conforms" in ValidationReport(True, []).format("x.txt")


def test_validate_does_not_modify_the_graph() -> None:
    graph = _valid()
    before = len(graph)
    validate(graph)
    assert len(graph) == before
