"""Every IRI the project writes is minted here, and nowhere else.

Identity rules (DESIGN.md, "Identity"):

- a *central* instrument (…/TW, NĐ-CP, CT-TTg, TT-BCA, QH…) names one instrument nationwide,
  so its IRI is its canonical notation alone;
- a *local* instrument (KH-UBND, CTr/TU, KH-BCĐ …) is only unique inside one jurisdiction,
  one issuing body and one year, because local numbering restarts every year in every body, so
  its IRI carries the jurisdiction, the year (``unknown`` when neither the text nor the citing
  document gives one) and the issuing body when it is known (a district's "12/KH-UBND" is not
  the province's);
- an instrument cited only by name gets an IRI from its name;
- a document's IRI (which is also the IRI of its named graph) comes from its content hash.
"""

from __future__ import annotations

import re
import unicodedata

BASE = "https://w3id.org/pctp-kg/"
ONTOLOGY = BASE + "ontology#"
META_GRAPH = BASE + "meta"  # the store's catalogue: which document file is in which graph

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("Đ"): "d", ord("đ"): "d"}
    for cp in list(range(0x41, 0x5B)) + list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(cp))[0].lower()
        if len(base) == 1 and base.isascii():
            table.setdefault(cp, base)
    return table


_FOLD = _fold_table()
# The same mapping as a list indexed by code point, identity where _FOLD has no entry:
# str.translate looks a character up in either, but a dict raises (and the method catches) a
# KeyError for every character it does not map, which made folding Vietnamese text, where
# most characters are unmapped, about three times slower. Code points past the list's end
# (rare: none in Vietnamese text) raise IndexError, which translate also treats as "keep".
_FOLD_LIMIT = 0x3000
_FOLD_LIST = [_FOLD.get(cp, chr(cp)) for cp in range(_FOLD_LIMIT)]


def fold(text: str) -> str:
    """Lower-case ASCII folding of Vietnamese ("Đồng Tháp" → "dong thap").

    Used for slugs and for diacritic-insensitive search: users type "chi thi 48". Folding
    maps one character to one character, so offsets in the folded text are offsets in the
    original (finders rely on that); stray combining marks are kept, not dropped.
    """
    return text.translate(_FOLD_LIST)


def slug(text: str) -> str:
    """A readable, IRI-safe slug: "52-CT/TW" → "52-ct-tw", "Lai Châu" → "lai-chau"."""
    return _NON_SLUG.sub("-", fold(text)).strip("-") or "x"


def instrument_type(code: str) -> str:
    return f"{BASE}type/{slug(code)}"


def place(name: str) -> str:
    return f"{BASE}place/{slug(name)}"


def body(name: str) -> str:
    return f"{BASE}body/{slug(name)}"


def instrument(
    notation: str | None,
    *,
    local: bool = False,
    jurisdiction: str | None = None,
    year: int | None = None,
    name: str | None = None,
    issuer: str | None = None,
) -> str:
    """The IRI of an instrument; see the module docstring for the identity rules.

    ``issuer`` is the issuing body's IRI (or name); only local instruments use it.
    """
    if notation is None:
        if not name:
            raise ValueError("an instrument needs a notation or a name")
        return f"{BASE}instrument/name/{slug(name)}"
    if not local:
        return f"{BASE}instrument/{slug(notation)}"
    scope = slug(jurisdiction) if jurisdiction else "unknown"
    by = f"{slug(issuer.rsplit('/', 1)[-1])}/" if issuer else ""
    return f"{BASE}instrument/{scope}/{year if year else 'unknown'}/{by}{slug(notation)}"


def document(sha256: str) -> str:
    return f"{BASE}document/{sha256[:16]}"


def fact(document_iri: str, kind: str, n: int | str) -> str:
    """Facts that live only inside one document: activities, observations, evidence."""
    return f"{document_iri}/{kind}/{n}"


def measure(label: str) -> str:
    return f"{BASE}measure/{slug(label)}"


def activity_kind(label: str) -> str:
    return f"{BASE}activity-kind/{slug(label)}"
