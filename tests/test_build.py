"""kg.build: a hand-made extraction becomes the expected, valid, deterministic RDF."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal

from rdflib import Graph, Literal, URIRef

from kg import iri
from kg.build import build_graph, document_metadata_triples
from kg.model import (
    Activity,
    DocumentHeader,
    Evidence,
    Extraction,
    Instrument,
    Observation,
    Relation,
    SourceDocument,
    Span,
)
from kg.validate import validate
from kg.vocab import DCTERMS, ELI, KGO, ORG, PROV, QB, RDF, SKOS, XSD

TEXT = (
    "Kế hoạch số 3086/KH-UBND ngày 31/12/2019 về triển khai thực hiện Chỉ thị số 36-CT/TW.\n"
    "Công an tỉnh đã tổ chức 120 buổi tuyên truyền theo Kế hoạch số 3086/KH-UBND; "
    "xảy ra 158 vụ, giảm 32 vụ (16,75%) so với cùng kỳ năm 2019, thực hiện Luật Phòng, chống ma túy."
)
SHA = "ab" * 32
DOC = URIRef(iri.document(SHA))
PLAN = URIRef(iri.BASE + "instrument/lai-chau/2019/uy-ban-nhan-dan-tinh-lai-chau/3086-kh-ubnd")
DIRECTIVE = URIRef(iri.BASE + "instrument/36-ct-tw")
LAW = URIRef(iri.BASE + "instrument/name/luat-phong-chong-ma-tuy")
POLICE = URIRef(iri.BASE + "body/cong-an-tinh-lai-chau")


def _span(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def _ev(quote: str) -> Evidence:
    return Evidence.of(TEXT, *_span(quote))


def _extraction(**header: object) -> Extraction:
    source = SourceDocument("data/bc.txt", "bc.txt", TEXT, SHA, "text/plain")
    fields = {
        "type": "Báo cáo",
        "notation": "697-BC/UBND",
        "issuer": "UBND tỉnh Lai Châu",
        "province": "Lai Châu",
        "date": "2020-08-18",
        "year": 2020,
        "signer": "Nguyễn Văn A",
        "title": "Kết quả công tác phòng, chống tội phạm năm 2020",
        "period": "năm 2020",
    }
    fields.update(header)
    plan = Instrument(
        key="3086/KH-UBND",
        notation="3086/KH-UBND",
        type="Kế hoạch",
        type_code="KH",
        date="2019-12-31",
        year=2019,
        issuer="UBND tỉnh Lai Châu",
        local=True,
        jurisdiction="Lai Châu",
        subject="triển khai thực hiện Chỉ thị số 36-CT/TW",
        mentions=[Span(*_span("3086/KH-UBND"))],
    )
    directive = Instrument(
        key="36-CT/TW",
        notation="36-CT/TW",
        type="Chỉ thị",
        type_code="CT",
        year=2019,
        year_inferred=True,
        issuer="Bộ Chính trị",
        issuer_inferred=True,
        mentions=[Span(*_span("36-CT/TW"))],
    )
    law = Instrument(
        key="name:Luật Phòng, chống ma túy", notation=None, name="Luật Phòng, chống ma túy"
    )
    return Extraction(
        source=source,
        document=DocumentHeader(**fields),  # type: ignore[arg-type]
        instruments=[plan, directive, law],
        relations=[
            Relation(
                "3086/KH-UBND",
                "36-CT/TW",
                "implements",
                _ev(
                    "Kế hoạch số 3086/KH-UBND ngày 31/12/2019 về triển khai thực hiện Chỉ thị số 36-CT/TW"
                ),
            ),
            Relation(
                "697-BC/UBND", "3086/KH-UBND", "reviews", _ev("theo Kế hoạch số 3086/KH-UBND")
            ),
            Relation(
                "#document",
                "name:Luật Phòng, chống ma túy",
                "based_on",
                _ev("thực hiện Luật Phòng, chống ma túy"),
            ),
            Relation("#document", "36-CT/TW", "cites", _ev("Chỉ thị số 36-CT/TW")),
        ],
        activities=[
            Activity(
                id="a1",
                agent="Công an tỉnh Lai Châu",
                description="tổ chức tuyên truyền",
                kind="tuyên truyền",
                evidence=_ev(
                    "Công an tỉnh đã tổ chức 120 buổi tuyên truyền theo Kế hoạch số 3086/KH-UBND"
                ),
                drivers=["3086/KH-UBND"],
                period="năm 2020",
                place="Lai Châu",
            )
        ],
        observations=[
            Observation(
                value=120,
                unit="buổi",
                measure="buổi tuyên truyền",
                evidence=_ev("120 buổi tuyên truyền"),
                agent="Công an tỉnh Lai Châu",
                activity="a1",
            ),
            Observation(
                value=158,
                unit="vụ",
                measure="vụ phạm pháp hình sự xảy ra",
                evidence=_ev("xảy ra 158 vụ, giảm 32 vụ (16,75%) so với cùng kỳ năm 2019"),
                change=-32,
                change_rate=-16.75,
                compared_to="cùng kỳ năm 2019",
                place="Lai Châu",
            ),
        ],
    )


def _fact(kind: str, n: int | str) -> URIRef:
    return URIRef(iri.fact(str(DOC), kind, n))


def test_instruments_get_identity_iris_and_descriptions() -> None:
    g = build_graph(_extraction())
    for node in (PLAN, DIRECTIVE, LAW):
        assert (node, RDF.type, KGO.Instrument) in g
        assert (node, KGO.mentionedIn, DOC) in g
    assert (PLAN, KGO.isLocal, Literal(True)) in g
    assert (PLAN, KGO.jurisdiction, URIRef(iri.place("Lai Châu"))) in g
    assert (PLAN, KGO.year, Literal(2019, datatype=XSD.integer)) in g
    assert (PLAN, KGO.yearInferred, Literal(False)) in g
    assert (PLAN, ELI.date_document, Literal("2019-12-31", datatype=XSD.date)) in g
    assert (PLAN, ELI.type_document, URIRef(iri.instrument_type("KH"))) in g
    assert (PLAN, ELI.id_local, Literal("3086/KH-UBND")) in g
    assert (DIRECTIVE, KGO.isLocal, Literal(False)) in g
    assert (DIRECTIVE, KGO.yearInferred, Literal(True)) in g
    assert (DIRECTIVE, KGO.issuerInferred, Literal(True)) in g
    issuer = g.value(DIRECTIVE, ELI.passed_by)
    assert issuer == URIRef(iri.body("Bộ Chính trị"))
    assert (issuer, RDF.type, ORG.Organization) in g
    assert (LAW, ELI.id_local, None) not in g


def test_links_are_direct_and_qualified_with_evidence() -> None:
    g = build_graph(_extraction())
    assert (PLAN, KGO.implements, DIRECTIVE) in g
    link = _fact("link", 1)
    assert (PLAN, KGO.qualifiedLink, link) in g
    assert (link, KGO.source, PLAN) in g
    assert (link, KGO.target, DIRECTIVE) in g
    assert (link, KGO.relation, KGO.implements) in g
    evidence = g.value(link, KGO.evidence)
    start, end = (int(g.value(evidence, p)) for p in (KGO.start, KGO.end))
    assert str(g.value(evidence, KGO.quote)) == TEXT[start:end]
    assert (evidence, KGO.inDocument, DOC) in g


def test_the_documents_own_notation_and_hash_document_mean_the_document() -> None:
    g = build_graph(_extraction())
    assert (DOC, KGO.reviews, PLAN) in g
    assert (DOC, ELI.based_on, LAW) in g
    assert (DOC, ELI.cites, DIRECTIVE) in g
    assert (DOC, RDF.type, KGO.Instrument) in g
    assert (DOC, ELI.id_local, Literal("697-BC/UBND")) in g
    # other documents cite it by its instrument IRI, which the document is an alternate of
    alias = URIRef(iri.BASE + "instrument/lai-chau/2020/uy-ban-nhan-dan-tinh-lai-chau/697-bc-ubnd")
    assert (DOC, PROV.alternateOf, alias) in g
    assert (alias, RDF.type, KGO.Instrument) in g
    # no instrument node is minted from the document's own notation
    assert not list(g.subjects(KGO.mentionedIn, alias))


def test_document_without_header_is_an_instrument_only_when_referenced() -> None:
    bare = {
        k: None
        for k in (
            "type",
            "notation",
            "issuer",
            "province",
            "date",
            "year",
            "signer",
            "title",
            "period",
        )
    }
    referenced = build_graph(_extraction(**bare))
    assert (DOC, RDF.type, KGO.Instrument) in referenced  # "#document" is a link source
    plain = _extraction(**bare)
    plain.relations = [
        r for r in plain.relations if r.source != "#document" and r.source != "697-BC/UBND"
    ]
    g = build_graph(plain)
    assert (DOC, RDF.type, KGO.Instrument) not in g
    assert (DOC, RDF.type, KGO.SourceDocument) in g
    assert validate(g).conforms


def test_activity_has_agent_plan_driver_and_evidence() -> None:
    g = build_graph(_extraction())
    activity = _fact("activity", 1)
    assert (activity, RDF.type, PROV.Activity) in g
    assert (activity, PROV.wasInfluencedBy, PLAN) in g
    assert (activity, PROV.wasAssociatedWith, POLICE) in g
    assoc = g.value(activity, PROV.qualifiedAssociation)
    assert (assoc, PROV.agent, POLICE) in g
    assert (assoc, PROV.hadPlan, PLAN) in g
    assert (activity, KGO.reportedIn, DOC) in g
    assert (activity, KGO.activityKind, URIRef(iri.activity_kind("tuyên truyền"))) in g
    assert (activity, DCTERMS.description, Literal("tổ chức tuyên truyền", lang="vi")) in g
    assert g.value(activity, KGO.evidence) is not None


def test_observations_carry_values_measures_and_comparisons() -> None:
    g = build_graph(_extraction())
    first, second = _fact("observation", 1), _fact("observation", 2)
    assert (first, RDF.type, QB.Observation) in g
    assert g.value(first, KGO.value).toPython() == Decimal("120")
    assert g.value(first, KGO.value).datatype == XSD.decimal
    assert (first, PROV.wasGeneratedBy, _fact("activity", 1)) in g
    assert (first, PROV.wasAttributedTo, POLICE) in g
    measure = g.value(second, KGO.measure)
    assert measure == URIRef(iri.measure("vụ phạm pháp hình sự xảy ra"))
    assert (measure, RDF.type, SKOS.Concept) in g
    assert g.value(second, KGO.change).toPython() == Decimal("-32")
    assert g.value(second, KGO.changeRate).toPython() == Decimal("-16.75")
    assert (second, KGO.comparedTo, Literal("cùng kỳ năm 2019", lang="vi")) in g


def test_document_metadata_and_text_without_ingest_time() -> None:
    extraction = _extraction()
    g = build_graph(extraction)
    for triple in document_metadata_triples(extraction.source):
        assert triple in g
    assert (DOC, KGO.text, Literal(TEXT)) in g
    assert (DOC, KGO.textLength, Literal(len(TEXT), datatype=XSD.integer)) in g
    assert not [o for o in g.objects() if isinstance(o, Literal) and o.datatype == XSD.dateTime]


def test_built_graph_conforms_to_the_shapes() -> None:
    report = validate(build_graph(_extraction()))
    assert report.conforms, report.format("bc.txt")


def test_build_is_deterministic() -> None:
    first = build_graph(_extraction())
    second = build_graph(_extraction())
    assert set(first) == set(second)
    assert sorted(first.serialize(format="nt").splitlines()) == sorted(
        second.serialize(format="nt").splitlines()
    )
    assert not [t for t in first if any(type(x).__name__ == "BNode" for x in t)]


def test_quote_is_recut_from_the_text() -> None:
    extraction = _extraction()
    rel = extraction.relations[0]
    extraction.relations[0] = dataclasses.replace(
        rel, evidence=Evidence(rel.evidence.start, rel.evidence.end, "Kế hoạch  số\n3086")
    )
    g = build_graph(extraction)
    evidence = g.value(_fact("link", 1), KGO.evidence)
    assert str(g.value(evidence, KGO.quote)) == TEXT[rel.evidence.start : rel.evidence.end]


def test_dangling_driver_and_unknown_relation_are_rejected_readably() -> None:
    extraction = _extraction()
    extraction.activities[0].drivers.append("99/KH-XYZ")
    extraction.relations.append(Relation("3086/KH-UBND", "36-CT/TW", "repeals", _ev("36-CT/TW")))
    report = validate(build_graph(extraction))
    rules = {v.rule.split(" ")[0] for v in report.violations}
    assert not report.conforms
    assert {"Activity-driver", "Link-relation"} <= rules


def test_evidence_outside_the_text_is_rejected() -> None:
    extraction = _extraction()
    extraction.observations[0].evidence = Evidence(len(TEXT) - 2, len(TEXT) + 5, "x")
    report = validate(build_graph(extraction))
    assert "EvidenceWithinDocument" in {v.rule for v in report.violations}


def _large_extraction() -> Extraction:
    """About the size of a long seed report: a 75k-character text and ~250 evidenced facts."""
    text = (TEXT + "\n") * (75_000 // (len(TEXT) + 1))
    base = _extraction()
    source = dataclasses.replace(base.source, text=text)
    step = len(TEXT) + 1

    def ev(i: int) -> Evidence:
        return Evidence.of(text, i * step, i * step + 40)

    instruments = [
        Instrument(
            key=f"{n}/KH-UBND",
            notation=f"{n}/KH-UBND",
            type="Kế hoạch",
            type_code="KH",
            local=True,
            jurisdiction="Lai Châu",
            year=2019,
            issuer="UBND tỉnh Lai Châu",
            mentions=[Span(n * step, n * step + 12)],
        )
        for n in range(1, 61)
    ]
    relations = [Relation("#document", f"{n}/KH-UBND", "reviews", ev(n)) for n in range(1, 61)]
    activities = [
        Activity(
            id=f"a{n}",
            agent="Công an tỉnh Lai Châu",
            description="tuyên truyền",
            kind="tuyên truyền",
            evidence=ev(n),
            drivers=[f"{n}/KH-UBND"],
        )
        for n in range(1, 41)
    ]
    observations = [
        Observation(
            value=n,
            unit="vụ",
            measure="vụ phạm pháp hình sự",
            evidence=ev(n),
            activity=f"a{n % 40 + 1}",
            change=-1.5,
        )
        for n in range(1, 81)
    ]
    return Extraction(source, base.document, instruments, relations, activities, observations)


def test_validating_a_document_sized_graph_takes_under_a_second() -> None:
    graph: Graph = build_graph(_large_extraction())
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        report = validate(graph)
        timings.append(time.perf_counter() - started)
    assert report.conforms, report.format("large")
    assert min(timings) < 1.0, timings


def test_an_instrument_listed_twice_gets_one_description_and_all_mentions() -> None:
    extraction = _extraction()
    directive = extraction.instruments[1]
    again = dataclasses.replace(
        directive,
        date="2019-08-16",
        subject="về tăng cường",
        mentions=[Span(*_span("Chỉ thị số 36-CT/TW"))],
    )
    extraction.instruments.append(again)
    g = build_graph(extraction)
    assert list(g.objects(DIRECTIVE, ELI.date_document)) == [
        Literal("2019-08-16", datatype=XSD.date)
    ]
    assert len(list(g.objects(DIRECTIVE, KGO.evidence))) == 2
    assert validate(g).conforms


def test_type_word_picks_the_concept_a_shared_code_cannot() -> None:
    extraction = _extraction()
    extraction.instruments[1] = dataclasses.replace(
        extraction.instruments[1], type="Thông tri", type_code="TT"
    )
    g = build_graph(extraction)
    assert g.value(DIRECTIVE, ELI.type_document) == URIRef(iri.instrument_type("TT Thông tri"))
    # the document's own type has no code: its word is looked up in the reference scheme
    assert g.value(DOC, ELI.type_document) == URIRef(iri.instrument_type("BC"))
