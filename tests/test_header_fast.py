"""kg.header's compiled patterns against the calls they replace."""

from __future__ import annotations

import re

import pytest

from kg.header import period_year
from kg.model import DocumentHeader


@pytest.mark.parametrize("period", [None, "", "năm 2020", "giai đoạn 2016 - 2020", "6 tháng đầu năm 1999", "1899 2101", "năm 20211"])
@pytest.mark.parametrize("year", [None, 2019])
def test_period_year_is_the_plain_findall(period: str | None, year: int | None) -> None:
    h = DocumentHeader(year=year, period=period)
    years = re.findall(r"(?:19|20)\d{2}", period or "")
    assert period_year(h) == (year or (int(years[-1]) if years else None))
