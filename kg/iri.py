"""Every IRI the project writes is minted here, and nowhere else.

Identity rules (DESIGN.md, "Identity"):

- a *central* instrument (…/TW, NĐ-CP, CT-TTg, TT-BCA, QH…) names one instrument nationwide,
  so its IRI is its canonical notation alone;
- a *local* instrument (KH-UBND, CTr/TU, KH-BCĐ …) is only unique inside one jurisdiction and
  one year, because local numbering restarts every year in every body, so its IRI carries the
  jurisdiction and the year (``unknown`` when neither the text nor the citing document gives one);
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


def fold(text: str) -> str:
    """Lower-case ASCII folding of Vietnamese ("Đồng Tháp" → "dong thap").

    Used for slugs and for diacritic-insensitive search: users type "chi thi 48".
    """
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def slug(text: str) -> str:
    """A readable, IRI-safe slug: "48-CT/TW" → "48-ct-tw", "Lai Châu" → "lai-chau"."""
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
) -> str:
    """The IRI of an instrument; see the module docstring for the identity rules."""
    if notation is None:
        if not name:
            raise ValueError("an instrument needs a notation or a name")
        return f"{BASE}instrument/name/{slug(name)}"
    if not local:
        return f"{BASE}instrument/{slug(notation)}"
    scope = slug(jurisdiction) if jurisdiction else "unknown"
    return f"{BASE}instrument/{scope}/{year if year else 'unknown'}/{slug(notation)}"


def document(sha256: str) -> str:
    return f"{BASE}document/{sha256[:16]}"


def fact(document_iri: str, kind: str, n: int | str) -> str:
    """Facts that live only inside one document: activities, observations, evidence."""
    return f"{document_iri}/{kind}/{n}"


def measure(label: str) -> str:
    return f"{BASE}measure/{slug(label)}"


def activity_kind(label: str) -> str:
    return f"{BASE}activity-kind/{slug(label)}"
