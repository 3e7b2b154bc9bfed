"""Resolve citations to instruments: the *resolve* step of the pipeline.

Several citations of one instrument become one :class:`kg.model.Instrument`, even when the
text misprints it ("48/CT/TW" beside "48-CT/TW", "03/NĐ-CP" beside "03/2019/NĐ-CP",
"21/CT-TTG" in an upper-cased title). Variants meet under the notation's variant key and are
merged only when nothing they say contradicts (dates, years). Attributes come from whichever
citation prints them; where none does, the issuer is inferred from the code and the citing
document's place, and marked as inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.citations import Citation
from kg.iri import fold
from kg.model import DocumentHeader, Instrument, Span
from kg.notation import Notation, issuer_from_codes, local_issuer_stem, well_formedness


@dataclass
class _Group:
    citations: list[Citation] = field(default_factory=list)

    @property
    def notations(self) -> list[Notation]:
        return [c.notation for c in self.citations]

    def dates(self) -> set[str]:
        return {c.date for c in self.citations if c.date}

    def years(self) -> set[int]:
        ys = {int(d[:4]) for d in self.dates()}
        ys |= {n.year for n in self.notations if n.year}
        return ys


def _compatible(group: _Group, c: Citation) -> bool:
    """May ``c`` be a variant of the instrument ``group`` stands for?"""
    if c.date and group.dates() and c.date not in group.dates():
        return False
    years = group.years()
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
                g.citations.append(c)
                break
        else:
            g = _Group([c])
            candidates.append(g)
            groups.append(g)
    return groups


def canonical_form(group: _Group) -> Notation:
    """The form to file the instrument under: the best-formed one, then the most printed."""
    counts: dict[str, int] = {}
    for n in group.notations:
        counts[n.printed] = counts.get(n.printed, 0) + 1
    best = max(group.notations, key=lambda n: (well_formedness(n), counts[n.printed]))
    return best


def resolve(citations: list[Citation], header: DocumentHeader) -> list[Instrument]:
    """One instrument per distinct instrument cited, with merged attributes."""
    instruments: list[Instrument] = []
    own = header.notation
    for group in group_citations(citations):
        n = canonical_form(group)
        cs = group.citations
        if own and n.printed == own:
            for c in cs:
                c.key = own  # the document's own notation is the document, not a citation
            continue
        for c in cs:
            c.key = n.printed
        date = next((c.date for c in cs if c.date), None)
        type_label = next((c.type_word for c in cs if c.type_word), None) or n.type_label
        explicit = next((c.issuer for c in cs if c.issuer), None)
        local = not n.is_central
        if explicit and local and _names_central_body(explicit):
            local = False
        issuer, inferred = _issuer(n, explicit, header, local)
        year = int(date[:4]) if date else n.year
        year_inferred = False
        if year is None and local and header.year:
            year, year_inferred = header.year, True
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
                subject=next((c.subject for c in cs if c.subject), None),
                mentions=[Span(c.orig_start, c.orig_end) for c in cs],
            )
        )
    return instruments


def _names_central_body(issuer: str) -> bool:
    f = fold(issuer)
    return bool(re.search(r"trung uong|\bbo\b|chinh phu|quoc hoi|toa an nhan dan toi cao|vien kiem sat nhan dan toi cao", f)) and not re.search(r"\b(tinh|thanh pho|huyen|xa|phuong)\b", f)


def _issuer(
    n: Notation, explicit: str | None, header: DocumentHeader, local: bool
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
            return f"{stem} {level} {place}", True
        if stem == "Công an thành phố" or stem == "Công an tỉnh" or stem == "Công an huyện":
            return f"{stem} {place}", True
        return f"{stem} {place}", True
    return None, False


def _place_relative(name: str, header: DocumentHeader) -> str:
    """"UBND tỉnh" in a Lai Châu document is "UBND tỉnh Lai Châu" (DESIGN.md)."""
    place = header.province
    name = re.sub(r"\s+", " ", name).strip()
    if not place or fold(place) in fold(name):
        return name
    if re.search(r"(?:\b(?:tỉnh|thành phố|huyện|TP)|Tỉnh (?:ủy|uỷ)|Thành (?:ủy|uỷ)|Huyện (?:ủy|uỷ))$", name):
        return f"{name} {place}"
    return name
