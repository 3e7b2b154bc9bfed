"""Typed response models: what the OpenAPI document promises, field by field.

Identifiers: every resource has an ``iri`` (its IRI in the graph) and an ``id`` (the part of
the IRI after its kind's prefix), which is what the ``/api/<kind>/{id}`` routes take.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class StoreCounts(BaseModel):
    documents: int
    triples: int
    instruments: int = 0
    links: int = 0
    activities: int = 0
    observations: int = 0
    bodies: int = 0


class Health(BaseModel):
    status: Literal["ok", "error"]
    store: str
    counts: StoreCounts | None = None
    error: str | None = None
    memory: (
        Literal["off", "waiting", "copying", "serving", "too-large", "failed"] | None
    ) = Field(
        None,
        description="The in-memory copy answers are served from: off (not asked for), "
        "waiting (for the store to be quiet), copying, serving, too-large (more quads than "
        "KG_MEMORY_QUADS), failed (the server log says why; the files on disk serve).",
    )


class DocumentRef(BaseModel):
    id: str
    name: str
    ingested_at: str | None = None


class Stats(BaseModel):
    counts: StoreCounts
    documents: list[DocumentRef] = []


class EvidenceModel(BaseModel):
    document: str | None = Field(None, description="File name of the source document")
    quote: str | None = Field(None, description="Exact text of the span")
    start: int | None = Field(None, description="Start offset in the document text")
    end: int | None = Field(None, description="End offset (exclusive)")
    iri: str | None = Field(None, description="The kgo:Evidence node")
    fact: str | None = Field(None, description="The link, activity or observation it supports")
    document_iri: str | None = None


class LineageNodeModel(BaseModel):
    iri: str
    label: str
    kind: str = Field(description="instrument, activity, body or observation")
    relation: str | None = Field(
        None,
        description="How this node hangs from its parent: implements, based_on, reviews "
        "(instruments), drives / driven_by (activity ↔ instrument), carried_out_by (body), "
        "resulted_in (observation)",
    )
    notation: str | None = None
    local: bool | None = None
    jurisdiction: str | None = None
    year: int | None = None
    evidence: list[EvidenceModel] = []
    children: list[LineageNodeModel] = []
    truncated: int = Field(
        0,
        ge=0,
        description="How many children this node has beyond `limit` and left out of "
        "`children` (0: all are shown); ask again with a larger `limit`, or from that child",
    )


class CandidateModel(BaseModel):
    iri: str
    notation: str
    label: str
    jurisdiction: str | None = None
    year: int | None = None
    local: bool | None = None


class LineageResponse(BaseModel):
    notation: str
    direction: Literal["down", "up"]
    depth: int
    province: str | None = None
    year: int | None = None
    root: LineageNodeModel | None = Field(
        None, description="The tree; null when the notation is ambiguous (see candidates)"
    )
    candidates: list[CandidateModel] = []
    hint: str | None = Field(None, description="How to choose among the candidates")
    limit: int | None = Field(
        None, description="Children shown per node; the rest are counted in each node's `truncated`"
    )


# --------------------------------------------------------------------------- resources


class InstrumentRef(BaseModel):
    id: str
    iri: str
    notation: str | None = None
    label: str
    local: bool | None = None
    jurisdiction: str | None = None
    year: int | None = None


class InstrumentSummary(InstrumentRef):
    type: str | None = Field(None, description="Type as the text words it (Chỉ thị, Kế hoạch …)")
    type_code: str | None = Field(None, description="Controlled type code (ct, kh …)")
    issuer: str | None = None
    subject: str | None = None


class InstrumentPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[InstrumentSummary]


class LinkModel(BaseModel):
    relation: str = Field(description="implements, based_on, reviews or cites")
    instrument: InstrumentRef
    evidence: list[EvidenceModel] = []


class BodyRef(BaseModel):
    id: str
    iri: str
    label: str


class ObservationModel(BaseModel):
    iri: str
    value: float | None = None
    unit: str | None = None
    measure: str | None = None
    period: str | None = None
    evidence: list[EvidenceModel] = []


class ActivityRef(BaseModel):
    id: str
    iri: str
    description: str


class InstrumentDetail(InstrumentSummary):
    date: str | None = None
    documents: list[DocumentRef] = Field([], description="Source documents that mention it")
    implements: list[LinkModel] = Field([], description="Outgoing links (what it implements …)")
    implemented_by: list[LinkModel] = Field([], description="Incoming links")
    activities: list[ActivityRef] = Field([], description="Activities it drove")
    mentions: list[EvidenceModel] = []


class ActivityDetail(BaseModel):
    id: str
    iri: str
    description: str
    kind: str | None = None
    period: str | None = None
    document: DocumentRef | None = None
    bodies: list[BodyRef] = []
    drivers: list[InstrumentRef] = []
    observations: list[ObservationModel] = []
    evidence: list[EvidenceModel] = []


class BodyDetail(BaseModel):
    id: str
    iri: str
    label: str
    alt_labels: list[str] = []
    province: str | None = None
    activities: list[ActivityRef] = []
    issued: list[InstrumentRef] = Field([], description="Instruments it passed (eli:passed_by)")


class FactSpan(BaseModel):
    fact: str = Field(description="IRI of the fact (link, activity, observation, instrument)")
    kind: Literal["link", "activity", "observation", "mention", "other"]
    label: str
    start: int
    end: int
    quote: str
    evidence: str = Field(description="IRI of the evidence node")


class DocumentDetail(BaseModel):
    id: str
    iri: str
    name: str
    sha256: str | None = None
    media_type: str | None = None
    ingested_at: str | None = None
    text: str
    facts: list[FactSpan]


# --------------------------------------------------------------------------- questions


class QuestionParam(BaseModel):
    name: str
    kind: str
    required: bool
    description: str


class QuestionInfo(BaseModel):
    name: str
    title: str
    description: str
    path: str
    parameters: list[QuestionParam]
    sparql: str


class DirectivesWithoutPlan(BaseModel):
    province: str
    directives: list[InstrumentSummary]


class InstrumentsWithoutActivity(BaseModel):
    province: str
    instruments: list[InstrumentRef]


class BodyActivity(BaseModel):
    activity: ActivityRef
    plan: InstrumentRef
    evidence: list[EvidenceModel] = []


class BodyWork(BaseModel):
    body: BodyRef
    activities: list[BodyActivity]


class BodyActivities(BaseModel):
    directive: InstrumentRef
    bodies: list[BodyWork]


class ChainHop(BaseModel):
    source: str = Field(description="IRI of the lower node (the activity or an instrument)")
    source_notation: str | None = None
    relation: str = Field(description="driven_by, implements, based_on or reviews")
    target: InstrumentRef
    evidence: list[EvidenceModel] = []


class ActivityChain(BaseModel):
    activity: ActivityRef
    hops: list[ChainHop]
    central: list[InstrumentRef] = Field(description="Central instruments at the top of the chain")


class OutcomeRow(BaseModel):
    measure: str
    measure_label: str | None = None
    unit: str
    province: str | None = None
    province_label: str | None = None
    year: int | None = None
    total: float
    observations: int


class Outcomes(BaseModel):
    directive: InstrumentRef
    rows: list[OutcomeRow]
