"""Turn one document's :class:`~kg.model.Extraction` into RDF in the project's ontology.

The graph built here is exactly what the store keeps in the document's named graph
(``kg.iri.document(sha256)``), so it must be a pure function of the extraction: no clock, no
counters shared between calls, no blank nodes. Re-ingesting the same bytes then yields the
same triples with the same IRIs, and replacing a named graph replaces exactly its facts.

Every fact (link, activity, observation, mention) points to a ``kgo:Evidence`` node with the
character span and the quote, so any answer can be traced back to the sentence behind it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg import iri
from kg.bodies import BodyRef, resolve_body
from kg.iri import fold
from kg.model import (
    Activity,
    DocumentHeader,
    Evidence,
    Extraction,
    Instrument,
    Observation,
    Relation,
    SourceDocument,
)
from kg.vocab import DCTERMS, ELI, KGO, ORG, PROV, QB, RDF, RDFS, SKOS, XSD, bind_prefixes

Triple = tuple[Node, Node, Node]

DOCUMENT_KEY = "#document"

RELATION_PROPERTIES: dict[str, URIRef] = {
    "implements": KGO.implements,
    "based_on": ELI.based_on,
    "reviews": KGO.reviews,
    "cites": ELI.cites,
}

_REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
_YEAR_OF_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}$")


# ------------------------------------------------------------------ public API


def build_graph(extraction: Extraction) -> Graph:
    """The triples of one document; see the module docstring for the guarantees."""
    graph = bind_prefixes(Graph())
    for triple in _document_triples(extraction):
        graph.add(triple)
    return graph


def document_metadata_triples(source: SourceDocument) -> list[Triple]:
    """What the file itself is, independent of what it says.

    The ingest time is deliberately absent: it would make two ingests of the same bytes differ.
    """
    doc = URIRef(iri.document(source.sha256))
    return [
        (doc, RDF.type, KGO.SourceDocument),
        (doc, KGO.fileName, Literal(source.name)),
        (doc, KGO.sha256, Literal(source.sha256)),
        (doc, KGO.mediaType, Literal(source.media_type)),
        (doc, KGO.textLength, Literal(len(source.text), datatype=XSD.integer)),
        (doc, KGO.text, Literal(source.text)),
    ]


def relation_property(relation_type: str) -> URIRef | None:
    """The direct property of a relation type, or None for a type outside the contract."""
    return RELATION_PROPERTIES.get(relation_type)


# ------------------------------------------------------------------ assembly


class _Keys:
    """Resolves instrument keys (as relations and drivers use them) to IRIs.

    The document's own notation and ``#document`` both mean the document itself, so links the
    document states about itself start at the document's node.
    """

    def __init__(self, extraction: Extraction, doc: URIRef) -> None:
        self.doc = doc
        self.self_keys = {DOCUMENT_KEY}
        if extraction.document.notation:
            self.self_keys.add(extraction.document.notation)
        self.by_key = {i.key: instrument_iri(i) for i in extraction.instruments}

    def resolve(self, key: str) -> URIRef:
        if key in self.self_keys:
            return self.doc
        if key in self.by_key:
            return self.by_key[key]
        # An undeclared key still gets a stable IRI; it is left untyped so that the shapes
        # reject the dangling reference with a readable message instead of inventing an
        # instrument.
        if key.startswith("name:"):
            return URIRef(iri.instrument(None, name=key[5:]))
        return URIRef(iri.instrument(key))


def _document_triples(extraction: Extraction) -> Iterator[Triple]:
    source = extraction.source
    doc = URIRef(iri.document(source.sha256))
    keys = _Keys(extraction, doc)
    evidence = _EvidenceMinter(doc, source.text)
    here = Here(extraction.document.province, extraction.document.level)

    yield from document_metadata_triples(source)
    self_instrument = _self_instrument(extraction)
    alias = None
    if _document_is_instrument(extraction, keys):
        yield from _header_triples(doc, extraction.document, self_instrument)
        alias = _canonical_alias(extraction.document, self_instrument)
        if alias is not None and alias != doc:
            yield (doc, PROV.alternateOf, alias)
            yield from _header_triples(alias, extraction.document, self_instrument)

    for subject, inst in merge_instruments(extraction.instruments):
        if inst.key in keys.self_keys:
            continue
        if subject != alias:  # the header already describes the document's own instrument
            yield from _instrument_triples(subject, inst, here)
        yield (subject, KGO.mentionedIn, doc)
        for span in inst.mentions:
            node, triples = evidence.mint(Evidence(span.start, span.end, ""))
            yield from triples
            yield (subject, KGO.evidence, node)

    for n, relation in enumerate(extraction.relations, start=1):
        yield from _relation_triples(doc, n, relation, keys, evidence)

    activity_iris = {
        a.id: URIRef(iri.fact(str(doc), "activity", n))
        for n, a in enumerate(extraction.activities, start=1)
    }
    for n, activity in enumerate(extraction.activities, start=1):
        yield from _activity_triples(doc, n, activity, keys, evidence, here)

    for n, observation in enumerate(extraction.observations, start=1):
        yield from _observation_triples(doc, n, observation, activity_iris, evidence, here)


# ------------------------------------------------------------------ evidence


class _EvidenceMinter:
    """Numbers evidence nodes in the order facts are written, which is deterministic."""

    def __init__(self, doc: URIRef, text: str) -> None:
        self.doc = doc
        self.text = text
        self.count = 0

    def mint(self, ev: Evidence) -> tuple[URIRef, list[Triple]]:
        self.count += 1
        node = URIRef(iri.fact(str(self.doc), "evidence", self.count))
        return node, evidence_triples(node, self.doc, ev, self.text)


def evidence_triples(node: URIRef, doc: URIRef, ev: Evidence, text: str) -> list[Triple]:
    """The quote is re-cut from the document text whenever the span fits in it.

    That keeps ``quote == text[start:end]`` true by construction; a span outside the text keeps
    the extractor's quote so the shapes can report the bad offsets.
    """
    inside = 0 <= ev.start <= ev.end <= len(text)
    quote = text[ev.start : ev.end] if inside else ev.text
    return [
        (node, RDF.type, KGO.Evidence),
        (node, KGO.inDocument, doc),
        (node, KGO.start, Literal(ev.start, datatype=XSD.integer)),
        (node, KGO.end, Literal(ev.end, datatype=XSD.integer)),
        (node, KGO.quote, Literal(quote)),
    ]


# ------------------------------------------------------------------ instruments


def merge_instruments(instruments: list[Instrument]) -> list[tuple[URIRef, Instrument]]:
    """One description per IRI, in first-seen order.

    A document may list the same instrument twice (two spellings of one notation, or the same
    key cited with two different dates). Its node can carry only one date, year and subject,
    so the first mention that gives a value wins and all mentions are kept.
    """
    merged: dict[URIRef, Instrument] = {}
    for inst in instruments:
        node = instrument_iri(inst)
        merged[node] = _merge_two(merged[node], inst) if node in merged else inst
    return list(merged.items())


def _merge_two(first: Instrument, other: Instrument) -> Instrument:
    fields = {
        name: getattr(first, name) if getattr(first, name) is not None else getattr(other, name)
        for name in ("name", "type", "type_code", "date", "jurisdiction", "subject")
    }
    year_from = first if first.year is not None else other
    issuer_from = first if first.issuer is not None else other
    mentions = list(dict.fromkeys([*first.mentions, *other.mentions]))
    return dataclasses.replace(
        first,
        **fields,
        year=year_from.year,
        year_inferred=year_from.year_inferred,
        issuer=issuer_from.issuer,
        issuer_inferred=issuer_from.issuer_inferred,
        mentions=mentions,
    )


def instrument_iri(inst: Instrument) -> URIRef:
    return URIRef(
        iri.instrument(
            inst.notation,
            local=inst.local,
            jurisdiction=inst.jurisdiction,
            year=inst.year,
            name=inst.name,
            issuer=issuer_scope(inst.issuer, inst.jurisdiction) if inst.local else None,
        )
    )


def issuer_scope(issuer: str | None, jurisdiction: str | None) -> str | None:
    """The issuing body's IRI, as a local instrument's identity uses it."""
    return _resolve_body(issuer, Here(jurisdiction)).iri if issuer else None


def _instrument_label(type_name: str | None, notation: str | None, name: str | None) -> str:
    if name:
        return name
    if type_name and notation:
        return f"{type_name} {notation}"
    return notation or type_name or "?"


def _instrument_triples(subject: URIRef, inst: Instrument, here: Here) -> Iterator[Triple]:
    yield (subject, RDF.type, KGO.Instrument)
    yield (subject, RDF.type, ELI.LegalResource)
    yield (
        subject,
        RDFS.label,
        Literal(_instrument_label(inst.type, inst.notation, inst.name), lang="vi"),
    )
    yield (subject, KGO.isLocal, Literal(inst.local))
    if inst.notation:
        yield (subject, ELI.id_local, Literal(inst.notation))
    yield from _type_triples(subject, inst.type, inst.type_code)
    if inst.date:
        yield (subject, ELI.date_document, Literal(inst.date, datatype=XSD.date))
    year = inst.year if inst.year is not None else _year_of(inst.date)
    if year is not None:
        yield (subject, KGO.year, Literal(year, datatype=XSD.integer))
        yield (subject, KGO.yearInferred, Literal(inst.year_inferred))
    if inst.issuer:
        yield from _issuer_triples(subject, inst.issuer, Here(inst.jurisdiction or here.province))
        yield (subject, KGO.issuerInferred, Literal(inst.issuer_inferred))
    if inst.jurisdiction:
        yield from _place_link(subject, KGO.jurisdiction, inst.jurisdiction)
    if inst.subject:
        yield (subject, KGO.subject, Literal(inst.subject, lang="vi"))


def _type_triples(
    subject: URIRef, type_name: str | None, type_code: str | None
) -> Iterator[Triple]:
    if type_name:
        yield (subject, KGO.typeName, Literal(type_name, lang="vi"))
    concept = _type_concept(type_name, type_code)
    if concept is not None:
        yield (subject, ELI.type_document, concept)


def _type_concept(type_name: str | None, type_code: str | None) -> URIRef | None:
    """A type code names its concept; a bare type word is looked up in the reference.

    A code shared by two types (TT = Thông tư / Thông tri) names the first one; the second
    lives at ``instrument_type("CODE Label")``, so the type word picks it when the two agree.
    """
    by_label = _reference_type_labels().get(iri.fold(type_name).strip()) if type_name else None
    if not type_code:
        return by_label
    by_code = URIRef(iri.instrument_type(type_code))
    if by_label is not None and str(by_label).startswith(str(by_code) + "-"):
        return by_label
    return by_code


@lru_cache(maxsize=1)
def _reference_type_labels() -> dict[str, URIRef]:
    """Folded label → type concept, from ``data/reference/instrument-types.ttl`` if present."""
    path = _REFERENCE / "instrument-types.ttl"
    if not path.is_file():
        return {}
    graph = Graph().parse(path, format="turtle")
    prefix = iri.BASE + "type/"
    labels: dict[str, URIRef] = {}
    for predicate in (SKOS.altLabel, SKOS.prefLabel):  # prefLabel wins on a clash
        for concept, label in graph.subject_objects(predicate):
            if isinstance(concept, URIRef) and str(concept).startswith(prefix):
                labels[iri.fold(str(label)).strip()] = concept
    return labels


def _year_of(date: str | None) -> int | None:
    match = _YEAR_OF_DATE.match(date or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Here:
    """Where a document speaks from: bodies it names relative to its place ("UBND tỉnh")
    are resolved against it, so one body is one node across documents."""

    province: str | None = None
    level: str | None = None


@lru_cache(maxsize=8192)
def _resolve_body(name: str, here: Here) -> BodyRef:
    return resolve_body(name, province=here.province, level=here.level or "tỉnh")


def body_iri(name: str, here: Here = Here()) -> URIRef:
    return URIRef(_resolve_body(name, here).iri)


def _issuer_triples(subject: URIRef, issuer: str, here: Here) -> Iterator[Triple]:
    yield (subject, ELI.passed_by, body_iri(issuer, here))
    yield from body_triples(issuer, here)


def body_triples(name: str, here: Here = Here()) -> Iterator[Triple]:
    ref = _resolve_body(name, here)
    body = URIRef(ref.iri)
    yield (body, RDF.type, ORG.Organization)
    yield (body, SKOS.prefLabel, Literal(ref.name, lang="vi"))
    if fold(name) != fold(ref.name):
        yield (body, SKOS.altLabel, Literal(name, lang="vi"))
    if ref.province:
        yield from _place_link(body, KGO.province, ref.province)
    if ref.parent_iri and ref.parent_iri != ref.iri:
        yield (body, ORG.subOrganizationOf, URIRef(ref.parent_iri))


def _place_link(subject: URIRef, predicate: URIRef, name: str) -> Iterator[Triple]:
    place = URIRef(iri.place(name))
    yield (subject, predicate, place)
    yield (place, RDF.type, DCTERMS.Location)
    yield (place, RDF.type, SKOS.Concept)
    yield (place, SKOS.prefLabel, Literal(name, lang="vi"))


def _concept_link(
    subject: URIRef, predicate: URIRef, concept: URIRef, label: str
) -> Iterator[Triple]:
    yield (subject, predicate, concept)
    yield (concept, RDF.type, SKOS.Concept)
    yield (concept, SKOS.prefLabel, Literal(label, lang="vi"))


# ------------------------------------------------------------------ the document as instrument


def _self_instrument(extraction: Extraction) -> Instrument | None:
    """An entry for the document's own notation, if the extractor listed one."""
    own = extraction.document.notation
    if not own:
        return None
    return next((i for i in extraction.instruments if i.key == own), None)


def _document_is_instrument(extraction: Extraction, keys: _Keys) -> bool:
    header = extraction.document
    if header.type or header.notation:
        return True
    referenced = [r.source for r in extraction.relations] + [r.target for r in extraction.relations]
    referenced += [d for a in extraction.activities for d in a.drivers]
    return any(k in keys.self_keys for k in referenced)


def _document_year(header: DocumentHeader) -> int | None:
    return header.year if header.year is not None else _year_of(header.date)


def _document_is_local(header: DocumentHeader, own: Instrument | None) -> bool:
    """A document issued by a provincial body carries that body's (local) numbering."""
    if own is not None:
        return own.local
    return bool(header.province)


def _canonical_alias(header: DocumentHeader, own: Instrument | None) -> URIRef | None:
    """The IRI other documents use when they cite this one, linked by ``prov:alternateOf``."""
    if not header.notation:
        return None
    local = _document_is_local(header, own)
    jurisdiction = (own.jurisdiction if own else None) or header.province
    year = (own.year if own else None) or _document_year(header)
    issuer = issuer_scope(header.issuer, jurisdiction) if local else None
    return URIRef(
        iri.instrument(header.notation, local=local, jurisdiction=jurisdiction, year=year, issuer=issuer)
    )


def _header_triples(
    subject: URIRef, header: DocumentHeader, own: Instrument | None
) -> Iterator[Triple]:
    local = _document_is_local(header, own)
    type_code = own.type_code if own else None
    yield (subject, RDF.type, KGO.Instrument)
    yield (subject, RDF.type, ELI.LegalResource)
    label = _instrument_label(header.type, header.notation, None)
    if not (header.type or header.notation):
        label = header.title or label
    yield (subject, RDFS.label, Literal(label, lang="vi"))
    yield (subject, KGO.isLocal, Literal(local))
    if header.notation:
        yield (subject, ELI.id_local, Literal(header.notation))
    yield from _type_triples(subject, header.type, type_code)
    if header.date:
        yield (subject, ELI.date_document, Literal(header.date, datatype=XSD.date))
    year = _document_year(header)
    if year is not None:
        yield (subject, KGO.year, Literal(year, datatype=XSD.integer))
        yield (subject, KGO.yearInferred, Literal(False))
    if header.issuer:
        yield from _issuer_triples(subject, header.issuer, Here(header.province))
        yield (subject, KGO.issuerInferred, Literal(False))
    if header.province and local:
        yield from _place_link(subject, KGO.jurisdiction, header.province)
    if header.signer:
        yield (subject, KGO.signer, Literal(header.signer))
    if header.title:
        yield (subject, KGO.subject, Literal(header.title, lang="vi"))
    if header.period:
        yield (subject, KGO.period, Literal(header.period, lang="vi"))


# ------------------------------------------------------------------ links


def _relation_triples(
    doc: URIRef, n: int, relation: Relation, keys: _Keys, evidence: _EvidenceMinter
) -> Iterator[Triple]:
    source, target = keys.resolve(relation.source), keys.resolve(relation.target)
    prop = relation_property(relation.type)
    link = URIRef(iri.fact(str(doc), "link", n))
    if prop is not None:
        yield (source, prop, target)
    yield (source, KGO.qualifiedLink, link)
    yield (link, RDF.type, KGO.Link)
    yield (link, KGO.source, source)
    yield (link, KGO.target, target)
    # An unknown type is written as a kgo: term that the shapes' allowed set rejects.
    yield (link, KGO.relation, prop if prop is not None else KGO[iri.slug(relation.type)])
    node, triples = evidence.mint(relation.evidence)
    yield from triples
    yield (link, KGO.evidence, node)


# ------------------------------------------------------------------ activities


def _activity_triples(
    doc: URIRef, n: int, activity: Activity, keys: _Keys, evidence: _EvidenceMinter, here: Here
) -> Iterator[Triple]:
    node = URIRef(iri.fact(str(doc), "activity", n))
    yield (node, RDF.type, PROV.Activity)
    yield (node, DCTERMS.description, Literal(activity.description, lang="vi"))
    yield (node, KGO.reportedIn, doc)
    if activity.kind:
        yield from _concept_link(
            node, KGO.activityKind, URIRef(iri.activity_kind(activity.kind)), activity.kind
        )
    if activity.period:
        yield (node, KGO.period, Literal(activity.period, lang="vi"))
    if activity.place:
        yield from _place_link(node, PROV.atLocation, activity.place)
    plans = [keys.resolve(d) for d in _unique(activity.drivers)]
    for plan in plans:
        yield (node, PROV.wasInfluencedBy, plan)
    if activity.agent:
        yield from _association_triples(doc, n, node, activity.agent, plans, here)
    ev, triples = evidence.mint(activity.evidence)
    yield from triples
    yield (node, KGO.evidence, ev)


def _association_triples(
    doc: URIRef, n: int, activity: URIRef, agent: str, plans: list[URIRef], here: Here
) -> Iterator[Triple]:
    """One qualified association per plan: who acted, under which instrument."""
    body = body_iri(agent, here)
    yield (activity, PROV.wasAssociatedWith, body)
    yield from body_triples(agent, here)
    for j, plan in enumerate(plans or [None], start=1):
        assoc = URIRef(iri.fact(str(doc), "association", f"{n}-{j}"))
        yield (activity, PROV.qualifiedAssociation, assoc)
        yield (assoc, RDF.type, PROV.Association)
        yield (assoc, PROV.agent, body)
        if plan is not None:
            yield (assoc, PROV.hadPlan, plan)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ------------------------------------------------------------------ observations


def _decimal(value: float) -> Literal:
    """``repr`` gives the shortest exact decimal of a float (9.06 stays 9.06)."""
    try:
        number = Decimal(repr(float(value)))
    except (InvalidOperation, ValueError):
        return Literal(str(value), datatype=XSD.decimal)
    if not number.is_finite():
        return Literal(str(value), datatype=XSD.decimal)  # ill-typed: the shapes reject it
    return Literal(number, datatype=XSD.decimal)


def _observation_triples(
    doc: URIRef,
    n: int,
    obs: Observation,
    activity_iris: dict[str, URIRef],
    evidence: _EvidenceMinter,
    here: Here,
) -> Iterator[Triple]:
    node = URIRef(iri.fact(str(doc), "observation", n))
    yield (node, RDF.type, QB.Observation)
    yield (node, RDF.type, PROV.Entity)
    yield (node, KGO.value, _decimal(obs.value))
    yield (node, KGO.unit, Literal(obs.unit))
    yield from _concept_link(node, KGO.measure, URIRef(iri.measure(obs.measure)), obs.measure)
    yield (node, KGO.reportedIn, doc)
    if obs.period:
        yield (node, KGO.period, Literal(obs.period, lang="vi"))
    if obs.place:
        yield from _place_link(node, PROV.atLocation, obs.place)
    if obs.agent:
        yield (node, PROV.wasAttributedTo, body_iri(obs.agent, here))
        yield from body_triples(obs.agent, here)
    if obs.activity is not None:
        activity = activity_iris.get(obs.activity)
        # A dangling activity id keeps a stable, untyped IRI for the shapes to report.
        dangling = URIRef(iri.fact(str(doc), "activity", "unknown-" + iri.slug(obs.activity)))
        yield (node, PROV.wasGeneratedBy, activity or dangling)
    if obs.change is not None:
        yield (node, KGO.change, _decimal(obs.change))
    if obs.change_rate is not None:
        yield (node, KGO.changeRate, _decimal(obs.change_rate))
    if obs.compared_to:
        yield (node, KGO.comparedTo, Literal(obs.compared_to, lang="vi"))
    ev, triples = evidence.mint(obs.evidence)
    yield from triples
    yield (node, KGO.evidence, ev)
