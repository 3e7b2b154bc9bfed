"""Resolve citations to instruments: the *resolve* step of the pipeline.

Several citations of one instrument become one :class:`kg.model.Instrument`, even when the
text misprints it ("52/CT/TW" beside "52-CT/TW", "03/NĐ-CP" beside "03/2019/NĐ-CP",
"21/CT-TTG" in an upper-cased title). Variants meet under the notation's variant key and are
merged only when nothing they say contradicts (dates, years). Attributes come from whichever
citation prints them; where none does, the issuer is inferred from the code and the citing
document's place, and marked as inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.citations import Citation
from kg.header import period_year
from kg.iri import fold
from kg.model import DocumentHeader, Instrument, Span
from kg.notation import Notation, issuer_from_codes, local_issuer_stem, well_formedness


@dataclass
class _Group:
    """Citations of one instrument, with the dates and years they print kept up to date as
    citations are added (recomputing them per comparison made grouping quadratic)."""

    citations: list[Citation] = field(default_factory=list)
    dates: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        citations, self.citations = self.citations, []
        for c in citations:
            self.add(c)

    def add(self, c: Citation) -> None:
        self.citations.append(c)
        if c.date:
            self.dates.add(c.date)
            self.years.add(int(c.date[:4]))
        if c.notation.year:
            self.years.add(c.notation.year)

    @property
    def notations(self) -> list[Notation]:
        return [c.notation for c in self.citations]


def _compatible(group: _Group, c: Citation) -> bool:
    """May ``c`` be a variant of the instrument ``group`` stands for?"""
    if c.date and group.dates and c.date not in group.dates:
        return False
    years = group.years
    c_years = {y for y in (c.notation.year, int(c.date[:4]) if c.date else None) if y}
    return not (years and c_years and not (years & c_years))


def group_citations(citations: list[Citation]) -> list[_Group]:
    """Group citations by instrument, in order of first mention."""
    groups: list[_Group] = []
    by_key: dict[str, list[_Group]] = {}
    for c in citations:
        candidates = by_key.setdefault(c.notation.variant_key, [])
        for g in candidates:
            if _compatible(g, c):
                g.add(c)
                break
        else:
            g = _Group([c])
            candidates.append(g)
            groups.append(g)
    return _merge_misprints(groups)


def _merge_misprints(groups: list[_Group]) -> list[_Group]:
    """Merge groups whose notations differ by one misprinted letter of a long issuer code
    ("09/CTr-BCA-MTTQ" and "09/Ctr-BCA-MTTW"), when number, type and dates agree."""
    merged: list[_Group] = []
    for g in groups:
        n = g.citations[0].notation  # (not g.notations[0]: that lists them all, per pair)
        for m in merged:
            o = m.citations[0].notation
            if (
                o.number == n.number
                and (o.type_code or "") == (n.type_code or "")
                and o.type_code is not None
                and len(o.segments) == len(n.segments) >= 3
                and _one_letter_apart("".join(o.segments).upper(), "".join(n.segments).upper())
                and all(_compatible(m, c) for c in g.citations)
            ):
                for c in g.citations:
                    m.add(c)
                break
        else:
            merged.append(g)
    return merged


def _one_letter_apart(a: str, b: str) -> bool:
    return len(a) == len(b) >= 6 and sum(x != y for x, y in zip(a, b, strict=False)) == 1


def canonical_form(group: _Group) -> Notation:
    """The form to file the instrument under: the best-formed one, then the most printed."""
    if len(group.citations) == 1:
        # (most instruments are cited once: then the one form is the best, and ranking it
        # worked out its well-formedness, which nothing else asks for, for nothing)
        return group.citations[0].notation
    counts: dict[str, int] = {}
    for n in group.notations:
        counts[n.printed] = counts.get(n.printed, 0) + 1
    dated = {c.notation.printed for c in group.citations if c.date}
    return max(
        group.notations,
        key=lambda n: (well_formedness(n), n.printed in dated, counts[n.printed]),
    )


def resolve(citations: list[Citation], header: DocumentHeader, text: str = "") -> list[Instrument]:
    """One instrument per distinct instrument cited, with merged attributes."""
    instruments: list[Instrument] = []
    own = header.notation
    doc_year = period_year(header)  # (once per document, not twice per instrument)
    for group, n in _one_group_per_identity(group_citations(citations), header):
        cs = group.citations
        if own and n.printed == own:
            for c in cs:
                c.key = own  # the document's own notation is the document, not a citation
            continue
        # the first date, type word, issuer and subject printed, found in one pass (four
        # generators per instrument cost more than the pass, most instruments cited once)
        date = type_word = explicit = subject = None
        for c in cs:
            c.key = n.printed
            if date is None and c.date:
                date = c.date
            if type_word is None and c.type_word:
                type_word = c.type_word
            if explicit is None and c.issuer:
                explicit = c.issuer
            if subject is None and c.subject:
                subject = c.subject
        type_label = type_word or n.type_label
        local = not n.is_central
        if explicit and local and _names_central_body(explicit):
            local = False
        issuer, inferred = _issuer(n, explicit, header, local, text)
        year = int(date[:4]) if date else n.year
        year_inferred = False
        if year is None and local and doc_year:
            year, year_inferred = doc_year, True
        instruments.append(
            Instrument(
                key=n.printed,
                notation=n.printed,
                type=type_label,
                type_code=n.type_code,
                date=date,
                year=year,
                year_inferred=year_inferred,
                issuer=issuer,
                issuer_inferred=inferred,
                local=local,
                jurisdiction=header.province if local else None,
                subject=subject,
                mentions=[Span(c.orig_start, c.orig_end) for c in cs],
            )
        )
    return instruments


def _one_group_per_identity(groups: list[_Group], header: DocumentHeader) -> list[tuple[_Group, Notation]]:
    """Groups that would mint one IRI are one instrument: a central notation names one
    instrument nationwide, so two dates printed for it mean a misprint, not two instruments;
    a local one is told apart by year only. Each with its canonical form (a group merged
    into gets the form of all its citations, worked out again)."""
    merged: dict[tuple[str, int | None], _Group] = {}
    forms: dict[int, Notation] = {}  # id of a kept group → its canonical form
    out: list[_Group] = []
    for g in groups:
        n = canonical_form(g)
        years = sorted(g.years)
        ident = (n.printed, None if n.is_central else (years[0] if years else None))
        if ident in merged:
            kept = merged[ident]
            for c in g.citations:
                kept.add(c)
            forms.pop(id(kept), None)
        else:
            merged[ident] = g
            forms[id(g)] = n
            out.append(g)
    return [(g, forms.get(id(g)) or canonical_form(g)) for g in out]


def _names_central_body(issuer: str) -> bool:
    f = fold(issuer)
    return bool(_CENTRAL_WORDS.search(f)) and not _LOCAL_WORDS.search(f)


# compiled at import: through re.search they were compiled during the first document that
# named an issuer, and looked up in re's cache for every later one
_CENTRAL_WORDS = re.compile(r"trung uong|\bbo\b|chinh phu|quoc hoi|toa an nhan dan toi cao|vien kiem sat nhan dan toi cao")
_LOCAL_WORDS = re.compile(r"\b(tinh|thanh pho|huyen|xa|phuong)\b")


def _issuer(
    n: Notation, explicit: str | None, header: DocumentHeader, local: bool, text: str = ""
) -> tuple[str | None, bool]:
    """The issuer as the text names it, placed in the document's province; else inferred."""
    place = header.province
    if explicit:
        return _place_relative(explicit, header), False
    central = issuer_from_codes(n)
    if central and not local:
        return central, True
    stem = local_issuer_stem(n)
    if stem and place:
        level = header.level or "tỉnh"
        if stem in ("UBND", "HĐND", "Ban Chỉ đạo", "Đảng ủy Công an"):
            full = _full_name_in_text(stem, level, text) if text and stem == "Ban Chỉ đạo" else None
            return (f"{full} {place}" if full else f"{stem} {level} {place}"), True
        if _STEM_LEVEL.get(stem) == header.level and header.place and header.level != "tỉnh":
            return f"{stem} {header.place}", True  # "Công an huyện" in a district's plan
        return f"{stem} {place}", True
    return None, False


_STEM_LEVEL = {"Công an tỉnh": "tỉnh", "Công an thành phố": "thành phố", "Công an huyện": "huyện", "Công an quận": "quận", "Huyện ủy": "huyện", "Thành ủy": "thành phố", "Tỉnh ủy": "tỉnh"}


def _full_name_in_text(stem: str, level: str, text: str) -> str | None:
    """How the document itself names a body it abbreviates in codes ("Ban Chỉ đạo … tỉnh")."""
    m = re.search(rf"{stem}\s+((?:[^\s.;:()]+\s+){{1,25}}?){level}\b", text)
    if not m:
        return None
    return re.sub(r"\s+", " ", f"{stem} {m.group(1)}{level}")


# compiled once (not looked up in re's cache per name): a name that ends with a level word
_ENDS_WITH_LEVEL = re.compile(r"(?:\b(?:tỉnh|thành phố|huyện|TP)|Tỉnh (?:ủy|uỷ)|Thành (?:ủy|uỷ)|Huyện (?:ủy|uỷ))$")


def _place_relative(name: str, header: DocumentHeader) -> str:
    """"UBND tỉnh" in a Lai Châu document is "UBND tỉnh Lai Châu" (DESIGN.md)."""
    place = header.province
    name = " ".join(name.split())  # (re.sub(r"\s+", " ", name).strip(): the same whitespace)
    if not place or fold(place) in fold(name):
        return name
    if _ENDS_WITH_LEVEL.search(name):
        return f"{name} {place}"
    return name
