"""Run every extractor over one document: clean → find → resolve → link → activities.

This is the one place that knows the order of the stages; each stage is a pure function
in its own module and can be tested alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.activities import extract_activities, link_observations
from kg.citations import find_citations
from kg.clean import clean
from kg.header import read_header
from kg.iri import fold
from kg.links import DOCUMENT, find_links
from kg.model import Evidence, Extraction, Instrument, Relation, SourceDocument
from kg.named import find_named
from kg.observations import extract_observations
from kg.reference import provinces
from kg.resolve import resolve

# Where the preamble ends: the first top-level section heading ("I. …", "1. …"), after a
# space or at the start. (The plain form r"(?:^|\s)(?:I|1)\.\s+[A-ZĐÂĂÊÔƠƯ]" made `re` try
# every character; this opens with "I"/"1", which it skips to in C, and the space or start
# is looked for behind it: the plain match starts there.)
_FIRST_SECTION = re.compile(r"[I1](?:(?<=\s[I1])|(?<=^[I1]))\.\s+[A-ZĐÂĂÊÔƠƯ]")
# "Căn cứ Luật Tổ chức chính quyền địa phương …": a law cited by name as the legal basis.
_BASIS_BEFORE = re.compile(r"(?:^|\n)[ \t*-]*can cu(?: vao)?\s*$")


@lru_cache(maxsize=1)
def _province_names() -> tuple[str, ...]:
    return tuple(p.name for p in provinces())


def extract(source: SourceDocument) -> Extraction:
    """Everything one document states: its header, instruments, links, activities, outcomes."""
    text = source.text
    header = read_header(text, list(_province_names()))
    view = clean(text)
    citations = find_citations(view)
    instruments = resolve(citations, header, view.text)
    instruments += find_named(view, instruments, citations)
    m = _FIRST_SECTION.search(view.text)
    preamble_end = max(0, m.start() - 1) if m else min(len(view.text), 1500)
    relations = find_links(
        view, citations, text, own_notation=header.notation, preamble_end=preamble_end
    )
    relations += _mere_citations(instruments, relations, header.notation or DOCUMENT, text)
    activities = extract_activities(text, instruments, header, relations=relations)
    observations = extract_observations(text)
    link_observations(activities, observations)  # each result to the clause that reports it
    return Extraction(
        source=source,
        document=header,
        instruments=instruments,
        relations=relations,
        activities=activities,
        observations=observations,
    )


def _mere_citations(
    instruments: list[Instrument], relations: list[Relation], doc_key: str, text: str
) -> list[Relation]:
    """The document cites every instrument it names; say so where no stronger link does."""
    linked = {r.target for r in relations if r.source == doc_key}
    out = []
    for inst in instruments:
        if inst.key in linked or not inst.mentions:
            continue
        based = [
            m for m in inst.mentions if _BASIS_BEFORE.search(fold(text[max(0, m.start - 20) : m.start]))
        ]
        m = based[0] if based else inst.mentions[0]
        rtype = "based_on" if based else "cites"
        out.append(Relation(doc_key, inst.key, rtype, Evidence(m.start, m.end, text[m.start : m.end])))
    return out
