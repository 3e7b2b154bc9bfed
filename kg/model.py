"""Plain data types passed between the pipeline stages.

Every stage (read → clean → find → resolve → build → validate → store) takes and returns
these types, so each can be tested alone. Character offsets always index into
``SourceDocument.text`` — the decoded, NFC-normalised text of the file — so that every
piece of evidence can be quoted back exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RELATION_TYPES = ("implements", "based_on", "reviews", "cites")


@dataclass(frozen=True)
class SourceDocument:
    """A decoded input file: the output of :mod:`kg.read`."""

    path: str  # as given by the user (relative paths kept relative)
    name: str  # file name, the stable key of a document across re-ingests
    text: str  # NFC-normalised text; every span indexes into this
    sha256: str  # hash of the file's bytes: re-ingesting unchanged bytes is a no-op
    media_type: str  # text/plain, text/markdown, application/pdf, …


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Evidence:
    """The exact text behind a fact: ``text == document.text[start:end]``."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Evidence:
        return cls(start, end, text[start:end])


@dataclass
class DocumentHeader:
    """What a document says about itself (its own số hiệu, issuer, date …)."""

    type: str | None = None
    notation: str | None = None
    issuer: str | None = None
    province: str | None = None
    date: str | None = None  # ISO 8601, or None when the date line is left blank
    year: int | None = None
    signer: str | None = None
    title: str | None = None
    period: str | None = None
    level: str | None = None  # "tỉnh", "thành phố", "huyện" … of the issuing body
    place: str | None = None  # the body's own place name ("Lai Châu", "thành phố Lai Châu")


@dataclass
class Instrument:
    """One instrument a document cites, with everything the document says about it."""

    key: str  # canonical notation, or "name:<name>" for instruments cited by name only
    notation: str | None
    name: str | None = None
    type: str | None = None  # Vietnamese type label: "Chỉ thị", "Kế hoạch" …
    type_code: str | None = None  # "CT", "KH" … from the notation or the type word
    date: str | None = None
    year: int | None = None
    year_inferred: bool = False
    issuer: str | None = None
    issuer_inferred: bool = False
    local: bool = False
    jurisdiction: str | None = None  # province (or body) whose numbering it belongs to
    subject: str | None = None
    mentions: list[Span] = field(default_factory=list)


@dataclass
class Relation:
    source: str  # instrument key, or the document's own notation / "#document"
    target: str
    type: str  # one of RELATION_TYPES
    evidence: Evidence


@dataclass
class Observation:
    value: float
    unit: str
    measure: str
    evidence: Evidence
    period: str | None = None
    place: str | None = None
    agent: str | None = None
    activity: str | None = None  # id of the activity it results from
    change: float | None = None  # "giảm 32 vụ" → -32
    change_rate: float | None = None  # "= 16,75%" → -16.75
    compared_to: str | None = None  # "cùng kỳ năm 2019"


@dataclass
class Activity:
    id: str
    agent: str | None
    description: str
    kind: str | None
    evidence: Evidence
    drivers: list[str] = field(default_factory=list)  # instrument keys
    period: str | None = None
    place: str | None = None
    observations: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything extracted from one document: the output of :mod:`kg.extract`."""

    source: SourceDocument
    document: DocumentHeader
    instruments: list[Instrument] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``kg extract --format json`` (see DESIGN.md)."""
        return {
            "source": self.source.path,
            "document": {
                k: v
                for k, v in asdict(self.document).items()
                if k in ("type", "notation", "issuer", "province", "date", "signer", "title", "year", "period")
            },
            "instruments": [
                {
                    "notation": i.notation,
                    "name": i.name,
                    "type": i.type,
                    "date": i.date,
                    "year": i.year,
                    "year_inferred": i.year_inferred,
                    "issuer": i.issuer,
                    "issuer_inferred": i.issuer_inferred,
                    "local": i.local,
                    "jurisdiction": i.jurisdiction,
                    "subject": i.subject,
                    "mentions": [{"start": m.start, "end": m.end} for m in i.mentions],
                }
                for i in self.instruments
            ],
            "relations": [
                {
                    "source": r.source,
                    "target": r.target,
                    "type": r.type,
                    "evidence": asdict(r.evidence),
                }
                for r in self.relations
            ],
            "activities": [
                {
                    "id": a.id,
                    "agent": a.agent,
                    "kind": a.kind,
                    "description": a.description,
                    "drivers": a.drivers,
                    "period": a.period,
                    "place": a.place,
                    "evidence": asdict(a.evidence),
                    "observations": [
                        _observation_json(o) for o in self.observations if o.activity == a.id
                    ],
                }
                for a in self.activities
            ],
            "observations": [_observation_json(o) for o in self.observations],
            "warnings": self.warnings,
        }


def _observation_json(o: Observation) -> dict[str, Any]:
    d = asdict(o)
    d["evidence"] = asdict(o.evidence)
    return d
