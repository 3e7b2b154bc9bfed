"""The faster forms of kg.bodies helpers against the plain forms they replace."""

from __future__ import annotations

import random

from kg import bodies as B
from kg.reference import unit_kinds


def _plain_split_unit(rest: str):
    rest = rest.strip(" \t\n.,-")
    low = B._view(rest, lower=True)
    for rx, unit in B._unit_prefixes():
        m = rx.match(low)
        if m:
            return unit, rest[m.end() :].strip(" .,-")
    return None, rest.strip(" .,-")


def test_split_unit_is_the_loop_over_unit_words() -> None:
    words = [u.word for u in unit_kinds()] + [u.word.upper() for u in unit_kinds()] + ["TP", "tp.", "Tp"]
    words += ["Lai Châu", "quán", "xa", "thành", "phố", "x", "1", " ", ".", "-", "\n", "thị-xã", "thanhpho"]
    rng = random.Random(5)
    cases = ["".join(rng.choice(words) + rng.choice(["", " ", ". ", "  "]) for _ in range(rng.randint(0, 4))) for _ in range(5000)]
    hits = 0
    for rest in cases:
        got = B._split_unit(rest)
        assert got == _plain_split_unit(rest), repr(rest)
        hits += got[0] is not None
    assert hits > 1000  # the cases exercise the unit words, not only misses


def test_clean_drops_a_leading_particle_in_any_case() -> None:
    assert B._clean("CÁC Sở, ngành") == "Sở, ngành"
    assert B._clean("của  UBND tỉnh.") == "UBND tỉnh"
    assert B._clean("Các") == "Các"


def test_template_table_is_the_reference_search() -> None:
    from kg.reference import body_template, body_templates

    iris = [t.iri for t in body_templates()] + [t.parent_same for t in body_templates()] + ["x", ""]
    assert len(B._template_by_iri()) > 5
    for i in iris:
        assert B._template_by_iri().get(i) is body_template(i)
