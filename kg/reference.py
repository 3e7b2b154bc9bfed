"""Curated reference data (data/reference/*.ttl) as typed, cached look-ups.

The Turtle files are the single source of truth so that the same facts are queryable in the
store (its reference graph) and usable by the extractor without a store. They are parsed once,
lazily, with pyoxigraph (a few milliseconds), on first use.

Look-ups are tolerant the way Vietnamese text is inconsistent: case, accent placement
(uỷ/ủy, hoá/hóa), missing diacritics ("Chi thi"), Đ written as D ("QD" for "QĐ").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kg.iri import BASE, ONTOLOGY, fold

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
_FILES = ("instrument-types.ttl", "provinces.ttl", "bodies.ttl")

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_ORG = "http://www.w3.org/ns/org#"
_SCHEME_2008 = BASE + "place/scheme-2008"
_SCHEME_2025 = BASE + "place/scheme-2025"
_REORGANISATION_2025 = "2025-07-01"  # Nghị quyết 202/2025/QH15 takes effect


@dataclass(frozen=True)
class InstrumentType:
    code: str
    label: str
    label_en: str
    iri: str
    family: str  # party | state | legal | common


@dataclass(frozen=True)
class Province:
    name: str
    iri: str
    kind: str  # "tỉnh" | "thành phố trực thuộc trung ương"
    current: bool  # one of the 34 units from 1 July 2025
    merged_into: str | None  # IRI of the unit that took it in (always a current one)
    pre_2025: bool = False  # one of the 63 units before 1 July 2025
    valid_from: str | None = None  # ISO date, when the name started mid-period (Huế, 2025-01-01)
    valid_until: str | None = None  # ISO date, exclusive


@dataclass(frozen=True)
class CentralBody:
    name: str
    iri: str
    label_en: str
    aliases: tuple[str, ...]
    issuer_codes: tuple[str, ...]
    parent_iri: str | None


@dataclass(frozen=True)
class UnitKind:
    word: str  # "tỉnh", "thành phố", "huyện" …
    tiers: tuple[str, ...]  # province | district | commune
    abbr: str  # "T", "TP" … as in CAT, CATP
    short: str | None  # "Tỉnh", "Thành" … as in Tỉnh ủy, Thành Đoàn


@dataclass(frozen=True)
class BodyTemplate:
    iri: str
    label: str  # the generic name at province level: "Công an tỉnh"
    label_en: str
    name_template: str  # "Công an {unit} {place}"
    alias_templates: tuple[str, ...]
    tiers: tuple[str, ...]
    parent_same: str | None  # template IRI, same place
    parent_up: str | None  # template IRI, at the province
    central_parent: str | None  # body IRI


# ----------------------------------------------------------------------------- text keys


def key(text: str) -> str:
    """Comparison key: folded, punctuation as single spaces ("TP. Hồ Chí Minh" → "tp ho chi minh")."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


# ----------------------------------------------------------------------------- loading


Triples = dict[str, dict[str, list[ox.Literal | ox.NamedNode | ox.BlankNode]]]


@cache
def _triples() -> Triples:
    """subject → predicate → objects, for all reference files (parsed once)."""
    table: Triples = defaultdict(lambda: defaultdict(list))
    for path in reference_graph_files():
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if isinstance(triple.subject, ox.NamedNode):
                table[triple.subject.value][triple.predicate.value].append(triple.object)
    return table


def reference_graph_files() -> list[Path]:
    """The Turtle files of the reference graph, so the store can load them as they are.

    Every .ttl in data/reference belongs to it (other curated vocabularies, e.g. measures,
    live beside these); the three this module reads come first.
    """
    own = [REFERENCE_DIR / name for name in _FILES]
    others = sorted(p for p in REFERENCE_DIR.glob("*.ttl") if p not in own)
    return own + others


def _values(props: dict, predicate: str, lang: str | None = None) -> list[str]:
    out = []
    for term in props.get(predicate, ()):
        if lang is not None and (not isinstance(term, ox.Literal) or term.language != lang):
            continue
        out.append(term.value)
    return out


def _one(props: dict, predicate: str, lang: str | None = None) -> str | None:
    values = _values(props, predicate, lang)
    return values[0] if values else None


def _subjects_of_type(type_iri: str) -> list[tuple[str, dict]]:
    return [
        (s, p)
        for s, p in _triples().items()
        if any(o.value == type_iri for o in p.get(_RDF_TYPE, ()))
    ]


# ----------------------------------------------------------------------------- instrument types


@dataclass(frozen=True)
class _TypeEntry:
    type: InstrumentType
    codes: tuple[str, ...]  # notation first, then variants
    words: tuple[str, ...]  # prefLabel first, then altLabels
    rank: int
    wordless: bool


@cache
def _type_entries() -> tuple[_TypeEntry, ...]:
    entries = []
    for s, p in _subjects_of_type(_SKOS + "Concept"):
        if not s.startswith(BASE + "type/"):
            continue
        code = _one(p, _SKOS + "notation") or ""
        label = _one(p, _SKOS + "prefLabel", "vi") or ""
        entries.append(
            _TypeEntry(
                type=InstrumentType(
                    code=code,
                    label=label,
                    label_en=_one(p, _SKOS + "prefLabel", "en") or label,
                    iri=s,
                    family=_one(p, ONTOLOGY + "family") or "common",
                ),
                codes=(code, *_values(p, ONTOLOGY + "codeVariant")),
                words=(label, *_values(p, _SKOS + "altLabel", "vi")),
                rank=int(_one(p, ONTOLOGY + "codeRank") or 1),
                wordless=_one(p, ONTOLOGY + "wordless") == "true",
            )
        )
    return tuple(sorted(entries, key=lambda e: (e.rank, e.type.code)))


def instrument_types() -> list[InstrumentType]:
    return [e.type for e in _type_entries()]


def instrument_type_by_code(code: str, *, family: str | None = None) -> InstrumentType | None:
    """The type a notation's code stands for ("CT" → Chỉ thị, "QD" → Quyết định, "Ctr" → CTr).

    Exact spelling wins over case-insensitive, which wins over Đ/D-folded, so "HD" is Hướng dẫn
    and "HĐ" Hợp đồng; within a level the rank-1 type wins ("TT" → Thông tư) unless ``family``
    ("party" for …/TW, …/TU notations) picks the other (Thông tri).
    """
    code = "".join(unicodedata.normalize("NFC", code).split())
    if not code:
        return None
    for norm in (lambda c: c, str.upper, lambda c: fold(c)):
        hits = [e for e in _type_entries() if any(norm(c) == norm(code) for c in e.codes)]
        if hits:
            if family is not None:
                preferred = [e for e in hits if e.type.family == family]
                hits = preferred or hits
            return hits[0].type
    return None


@cache
def _types_by_word() -> dict[str, InstrumentType]:
    table: dict[str, InstrumentType] = {}
    # prefLabels before altLabels, rank 1 before rank 2: the first claim on a key wins
    for position in (0, 1):
        for e in _type_entries():
            words = e.words[:1] if position == 0 else e.words[1:]
            for w in words:
                table.setdefault(key(w), e.type)
    return table


def instrument_type_by_word(word: str) -> InstrumentType | None:
    """The type a type word names ("Chỉ thị", "CHỈ THỊ", "Chi thị", "Chương trình hành động")."""
    return _types_by_word().get(key(word))


@cache
def _type_words() -> tuple[str, ...]:
    words = {w for e in _type_entries() if not e.wordless for w in e.words}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def type_words() -> list[str]:
    """Every Vietnamese type word, longest first, so a regex alternation prefers the longest."""
    return list(_type_words())


# ----------------------------------------------------------------------------- provinces


@cache
def _provinces() -> tuple[Province, ...]:
    out = []
    for s, p in _subjects_of_type(ONTOLOGY + "Province"):
        schemes = set(_values(p, _SKOS + "inScheme"))
        out.append(
            Province(
                name=_one(p, _SKOS + "prefLabel", "vi") or "",
                iri=s,
                kind=_one(p, ONTOLOGY + "unitKind") or "tỉnh",
                current=_SCHEME_2025 in schemes,
                merged_into=_one(p, ONTOLOGY + "mergedInto"),
                pre_2025=_SCHEME_2008 in schemes,
                valid_from=_one(p, ONTOLOGY + "validFrom"),
                valid_until=_one(p, ONTOLOGY + "validUntil"),
            )
        )
    return tuple(sorted(out, key=lambda x: key(x.name)))


def _valid_on(province: Province, day: str) -> bool:
    start = province.valid_from or ("" if province.pre_2025 else _REORGANISATION_2025)
    end = province.valid_until or ("9999" if province.current else _REORGANISATION_2025)
    return start <= day < end


def provinces(*, on: date | str | None = None) -> list[Province]:
    """All province-level units ever listed, or those in force on a given day."""
    if on is None:
        return list(_provinces())
    day = on.isoformat() if isinstance(on, date) else on
    return [p for p in _provinces() if _valid_on(p, day)]


_PROVINCE_PREFIX = re.compile(r"^(?:tinh|thanh pho truc thuoc trung uong|thanh pho|tp|thu do)\s+")


@cache
def _province_keys() -> dict[str, Province]:
    table: dict[str, Province] = {}
    by_iri = {p.iri: p for p in _provinces()}
    for s, props in _triples().items():
        province = by_iri.get(s)
        if province is None:
            continue
        for label in (province.name, *_values(props, _SKOS + "altLabel", "vi")):
            k = key(label)
            table.setdefault(k, province)
            table.setdefault(_PROVINCE_PREFIX.sub("", k), province)
    return table


def province_by_name(text: str) -> Province | None:
    """The unit a text names: "tỉnh Lai Châu", "TỈNH LAI CHÂU", "TP. Hồ Chí Minh", "Thanh Hoa"."""
    k = key(text)
    table = _province_keys()
    return table.get(k) or table.get(_PROVINCE_PREFIX.sub("", k))


# ----------------------------------------------------------------------------- bodies


@cache
def _central_bodies() -> tuple[CentralBody, ...]:
    out = []
    for s, p in _subjects_of_type(_ORG + "Organization"):
        name = _one(p, _SKOS + "prefLabel", "vi") or ""
        out.append(
            CentralBody(
                name=name,
                iri=s,
                label_en=_one(p, _SKOS + "prefLabel", "en") or name,
                aliases=tuple(_values(p, _SKOS + "altLabel", "vi")),
                issuer_codes=tuple(_values(p, ONTOLOGY + "issuerCode")),
                parent_iri=_one(p, _ORG + "subOrganizationOf"),
            )
        )
    return tuple(sorted(out, key=lambda b: b.name))


def central_bodies() -> list[CentralBody]:
    return list(_central_bodies())


@cache
def _unit_kinds() -> tuple[UnitKind, ...]:
    out = []
    for _s, p in _subjects_of_type(ONTOLOGY + "UnitKind"):
        out.append(
            UnitKind(
                word=_one(p, _SKOS + "prefLabel", "vi") or "",
                tiers=tuple(sorted(_values(p, ONTOLOGY + "tier"))),
                abbr=_one(p, ONTOLOGY + "abbr") or "",
                short=_one(p, ONTOLOGY + "short"),
            )
        )
    return tuple(sorted(out, key=lambda u: (-len(u.word), u.word)))


def unit_kinds() -> list[UnitKind]:
    """Administrative unit kinds, longest word first ("thành phố" before "tỉnh")."""
    return list(_unit_kinds())


@cache
def _body_templates() -> tuple[BodyTemplate, ...]:
    out = []
    for s, p in _subjects_of_type(ONTOLOGY + "BodyTemplate"):
        label = _one(p, _SKOS + "prefLabel", "vi") or ""
        out.append(
            BodyTemplate(
                iri=s,
                label=label,
                label_en=_one(p, _SKOS + "prefLabel", "en") or label,
                name_template=_one(p, ONTOLOGY + "nameTemplate") or label + " {place}",
                alias_templates=tuple(_values(p, ONTOLOGY + "aliasTemplate")),
                tiers=tuple(sorted(_values(p, ONTOLOGY + "tier"))),
                parent_same=_one(p, ONTOLOGY + "parentSame"),
                parent_up=_one(p, ONTOLOGY + "parentUp"),
                central_parent=_one(p, ONTOLOGY + "centralParent"),
            )
        )
    return tuple(sorted(out, key=lambda t: t.label))


def body_templates() -> list[BodyTemplate]:
    return list(_body_templates())


def body_template(iri: str) -> BodyTemplate | None:
    return next((t for t in _body_templates() if t.iri == iri), None)
