"""Printed dates to ISO dates."""

from __future__ import annotations

import random

from kg.dates import parse_date


def test_parse_date_reads_the_printed_forms() -> None:
    assert parse_date("22/10/2010") == "2010-10-22"
    assert parse_date("22 tháng 10 năm 2010") == "2010-10-22"
    assert parse_date("31/02/2010") is None
    assert parse_date("ngày   tháng 11 năm 2024") is None


def test_cached_parse_date_answers_as_the_function_itself() -> None:
    pieces = ["1", "22", "/", ".", "-", " ", "tháng", "năm", "2010", "1999", "31", "02", "x"]
    rng = random.Random(2)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert parse_date(text) == parse_date.__wrapped__(text), text
        assert parse_date(text) == parse_date.__wrapped__(text), text  # (now from the cache)
