"""The ontology declares every term the builder writes, and its page shows them all."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from test_build import _extraction  # the hand-made extraction covering every fact kind

from kg.build import build_graph
from kg.ontology_page import ONTOLOGY_IRI, curie, ontology_graph, render_ontology_html
from kg.vocab import ELI, KGO, OWL, QB, RDF, RDFS, SKOS

# Standard terms of reused vocabularies that the graph may use without declaring them.
ALLOWED_EXTERNAL = {
    "rdf:type",
    "rdfs:label",
    "eli:LegalResource",
    "eli:id_local",
    "eli:type_document",
    "eli:date_document",
    "eli:passed_by",
    "eli:based_on",
    "eli:cites",
    "prov:Activity",
    "prov:Association",
    "prov:Entity",
    "prov:qualifiedAssociation",
    "prov:agent",
    "prov:hadPlan",
    "prov:wasAssociatedWith",
    "prov:wasInfluencedBy",
    "prov:wasGeneratedBy",
    "prov:wasAttributedTo",
    "prov:atLocation",
    "prov:alternateOf",
    "org:Organization",
    "org:subOrganizationOf",
    "skos:altLabel",
    "qb:Observation",
    "skos:Concept",
    "skos:prefLabel",
    "dcterms:Location",
    "dcterms:description",
}


def _own_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KGO))}


def _written_terms() -> set[URIRef]:
    """Every predicate and every class the builder writes for a document with all fact kinds."""
    g = build_graph(_extraction())
    terms = set(g.predicates())
    terms |= {o for o in g.objects(None, RDF.type) if isinstance(o, URIRef)}
    # kgo:relation's values are properties too
    terms |= {o for o in g.objects(None, KGO.relation) if isinstance(o, URIRef)}
    return terms


def test_ontology_parses_and_names_itself() -> None:
    g = ontology_graph()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert len(_own_terms(g)) > 30


def test_every_written_term_is_declared_or_a_reused_standard_term() -> None:
    declared = _own_terms(ontology_graph())
    unknown = sorted(
        curie(t) for t in _written_terms() if t not in declared and curie(t) not in ALLOWED_EXTERNAL
    )
    assert not unknown, f"terms written but neither declared nor allowed: {unknown}"


def test_build_uses_every_allowed_external_term() -> None:
    """Keeps the allow-list honest: a stale entry would hide a typo in the builder."""
    used = {curie(t) for t in _written_terms()}
    assert used >= ALLOWED_EXTERNAL, sorted(ALLOWED_EXTERNAL - used)


def test_own_terms_have_vietnamese_and_english_labels_and_definitions() -> None:
    g = ontology_graph()
    for term in _own_terms(g):
        for predicate in (RDFS.label, SKOS.definition):
            langs = {o.language for o in g.objects(term, predicate) if isinstance(o, Literal)}
            assert {"vi", "en"} <= langs, f"{curie(term)} lacks {curie(predicate)} in vi and en"


def test_own_terms_are_typed_and_aligned() -> None:
    g = ontology_graph()
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for term in _own_terms(g):
        assert set(g.objects(term, RDF.type)) & kinds, (
            f"{curie(term)} is neither a class nor a property"
        )
        aligned = (
            set(g.objects(term, RDFS.subClassOf))
            | set(g.objects(term, RDFS.subPropertyOf))
            | set(g.objects(term, RDFS.seeAlso))
        )
        assert aligned, f"{curie(term)} states no alignment"


def test_key_alignments() -> None:
    g = ontology_graph()
    assert {ELI.LegalResource, URIRef("http://www.w3.org/ns/prov#Plan")} <= set(
        g.objects(KGO.Instrument, RDFS.subClassOf)
    )
    assert (KGO.implements, RDFS.subPropertyOf, ELI.ensures_implementation_of) in g
    assert (KGO.value, RDF.type, QB.MeasureProperty) in g
    # eli:implements is deprecated in ELI: neither the ontology nor the builder may use it
    assert not list(g.triples((None, None, ELI.implements)))
    assert ELI.implements not in _written_terms()


def test_classes_and_properties_used_in_domains_and_ranges_exist() -> None:
    g = ontology_graph()
    declared = _own_terms(g)
    for predicate in (RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.seeAlso):
        for value in g.objects(None, predicate):
            if isinstance(value, URIRef) and str(value).startswith(str(KGO)):
                assert value in declared, f"{curie(value)} is referenced but not declared"


def test_page_lists_every_own_term_with_an_anchor() -> None:
    page = render_ontology_html()
    g = ontology_graph()
    for term in _own_terms(g):
        name = curie(term)
        assert f'id="{name.replace(":", "-")}"' in page, name
        assert _label_en(g, term) in page, name
    for term in ALLOWED_EXTERNAL - {"rdf:type"}:
        assert term in page, term


def test_page_is_self_contained() -> None:
    page = render_ontology_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    # every internal link points at an anchor that exists
    anchors = set(re.findall(r'id="([^"]+)"', page))
    assert set(re.findall(r'href="#([^"]+)"', page)) <= anchors


def _label_en(g: Graph, term: URIRef) -> str:
    return next(
        str(o) for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"
    )
