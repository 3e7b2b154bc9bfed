"""The document's own header, and documents of shapes the seeds do not have.

The two fixtures in tests/fixtures/documents are written here in the layout of Nghị định
30/2020/NĐ-CP (a provincial decision, a district plan); they are not copies of real documents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import extract
from kg.header import read_header
from kg.read import read_document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "documents"


@pytest.fixture(scope="module")
def decision():  # type: ignore[no-untyped-def]
    return extract(read_document(FIXTURES / "decision-quang-ninh.txt"))


@pytest.fixture(scope="module")
def district_plan():  # type: ignore[no-untyped-def]
    return extract(read_document(FIXTURES / "district-plan.txt"))


def test_decision_header(decision) -> None:  # type: ignore[no-untyped-def]
    h = decision.document
    assert (h.type, h.notation, h.date, h.province) == ("Quyết định", "1234/QĐ-UBND", "2021-04-15", "Quảng Ninh")
    assert h.issuer == "Ủy ban nhân dân tỉnh Quảng Ninh"  # "ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NINH" on two lines
    assert h.signer == "Nguyễn Văn Thành"
    assert h.title.startswith("Về việc ban hành Kế hoạch") and "CHỦ TỊCH" not in h.title


def test_decision_links(decision) -> None:  # type: ignore[no-untyped-def]
    links = {(r.source, r.target, r.type) for r in decision.relations}
    assert ("1234/QĐ-UBND", "623/QĐ-TTg", "based_on") in links
    assert ("1234/QĐ-UBND", "12/2020/NQ-HĐND", "based_on") in links
    assert ("1234/QĐ-UBND", "456/TTr-CAT", "cites") in links  # a proposal is cited only
    # "… Tờ trình số 456/TTr-CAT …, QUYẾT ĐỊNH: Điều 1. … thực hiện Quyết định số 623": two clauses
    assert not any(s == "456/TTr-CAT" for s, _, _ in links)
    assert any(t.startswith("name:") and r == "based_on" for _, t, r in links)  # "Căn cứ Luật …"


def test_provincial_legal_documents_are_local(decision) -> None:  # type: ignore[no-untyped-def]
    by = {i.notation: i for i in decision.instruments if i.notation}
    assert by["12/2020/NQ-HĐND"].local and by["12/2020/NQ-HĐND"].jurisdiction == "Quảng Ninh"
    assert not by["623/QĐ-TTg"].local


def test_district_plan_names_district_bodies(district_plan) -> None:  # type: ignore[no-untyped-def]
    h = district_plan.document
    assert h.issuer == "Ủy ban nhân dân huyện Mường Tè" and h.level == "huyện" and h.province == "Lai Châu"
    by = {i.notation: i for i in district_plan.instruments if i.notation}
    assert by["12/KH-CAH"].issuer == "Công an huyện Mường Tè"
    assert by["245/KH-UBND"].issuer == "UBND tỉnh Lai Châu"
    links = {(r.source, r.target, r.type) for r in district_plan.relations}
    assert {("88/KH-UBND", "245/KH-UBND", "implements"), ("88/KH-UBND", "36-CT/TW", "implements")} <= links


def test_blank_notation_and_date_stay_blank() -> None:
    h = read_header("Số: /BC-UBND\n\nĐiện Biên, ngày   tháng 11 năm 2024\n\nBÁO CÁO\n\nTình hình năm 2024\n")
    assert h.notation is None and h.date is None and h.year == 2024 and h.type == "Báo cáo"


def test_lists_of_plans_converse_order_and_joint_codes() -> None:
    e = extract(read_document(FIXTURES / "report-lists-and-joint-codes.txt"))
    assert e.document.title == "Kết quả thực hiện Chương trình quốc gia phòng, chống tội phạm năm 2005"
    links = {(r.source, r.target) for r in e.relations if r.type == "implements"}
    assert links == {
        ("12/KH-UBND", "09/1998/NQ-CP"),  # "Để triển khai A, UBND ban hành B, C": B and C carry out A
        ("45/KH-UBND", "09/1998/NQ-CP"),
        ("12/KH-UBND", "138/2000/QĐ-TTg"),  # "B, C để triển khai D": both carry out D
        ("45/KH-UBND", "138/2000/QĐ-TTg"),
        ("07/KH-STP", "37/1998/CT-TTg"),  # "Thực hiện A, Sở Tư pháp ban hành B": not the report's
        ("88/KH-CAT", "01/2004/TTLT-BCA-BQP-BLĐTBXH"),
    }
    by = {i.notation: i for i in e.instruments if i.notation}
    assert by["01/2004/TTLT-BCA-BQP-BLĐTBXH"].issuer == "Bộ Công an, Bộ Quốc phòng, Bộ Lao động - Thương binh và Xã hội"
    assert by["10/2003/PL-UBTVQH11"].issuer == "Ủy ban Thường vụ Quốc hội" and not by["10/2003/PL-UBTVQH11"].local


def test_fast_word_start_patterns_find_what_the_plain_ones_find() -> None:
    import random
    import re

    from kg.header import _PROVINCE_MENTION, _VV, _VV_TITLE

    plain = {
        _VV: re.compile(r"\bV/v\b"),
        _VV_TITLE: re.compile(r"\bV/v\s+(?P<t>[^\n]+(?:\n[^\n]+){0,2})"),
        _PROVINCE_MENTION: re.compile(r"\b(?:tỉnh|Tỉnh|TỈNH)\s+" + _PROVINCE_MENTION.pattern.split(r")\s+", 1)[1]),
    }
    pieces = ["V/v ", "xV/v", "V/vx", "(V/v", "tỉnh ", "Tỉnh ", "TỈNH ", "tỈNH ", "xtỉnh ", "1tỉnh ", "Lai ", "Châu ",
              "Đà ", "_", "\n", " ", "a"]
    rng = random.Random(8)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 9)))
        for fast, slow in plain.items():
            assert [(m.span(), m.groupdict()) for m in fast.finditer(text)] == [
                (m.span(), m.groupdict()) for m in slow.finditer(text)
            ], (fast.pattern, text)


def test_signer_names_found_from_line_breaks_are_the_plain_patterns() -> None:
    import random

    from kg import header as H

    pieces = ["\n", "\n\n", " ", "*", "#", "Nguyễn", "Văn", "An", "Lê", " Thị", "abc", "X", "\t", " **"]
    rng = random.Random(1)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        fast = [m.span() for m in H.line_start_matches(H._PERSON, H._PERSON_NL, text)]
        assert fast == [m.span() for m in H._PERSON.finditer(text)], text
