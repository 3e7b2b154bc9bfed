"""Implementation links as the running text states them."""

from __future__ import annotations

from kg.extract import extract
from kg.model import SourceDocument


def links(text: str) -> set[tuple[str, str, str]]:
    e = extract(SourceDocument("t.txt", "t.txt", text, "0" * 64, "text/plain"))
    return {(r.source, r.target, r.type) for r in e.relations if r.type != "cites"}


def test_a_chain_in_one_sentence_gives_two_links() -> None:
    text = (
        "Ban hành Kế hoạch số 3086/KH-UBND, ngày 31/12/2019 về triển khai\n\nthực hiện "
        "Chương trình hành động số 35-CTr/TU, ngày 01/11/2019 của Tỉnh uỷ về thực hiện "
        "Chỉ thị số 36-CT/TW, ngày 16/8/2019 của Bộ Chính trị về tăng cường công tác."
    )
    assert {("3086/KH-UBND", "35-CTr/TU", "implements"), ("35-CTr/TU", "36-CT/TW", "implements")} <= links(text)


def test_a_list_of_targets_gives_one_link_each() -> None:
    text = (
        "Kế hoạch số 733/KH-UBND ngày 07/5/2019 về triển khai thực hiện Chỉ thị số 32/CT-TTg, "
        "ngày 05/12/2018 của Thủ tướng chính phủ và Chỉ thị số 22-CT/TU ngày 22/4/2019."
    )
    assert links(text) == {
        ("733/KH-UBND", "32/CT-TTg", "implements"),
        ("733/KH-UBND", "22-CT/TU", "implements"),
    }


def test_triggers_of_the_language() -> None:
    for trigger in ("tiếp tục đẩy mạnh thực hiện", "cụ thể hóa", "quán triệt", "hướng dẫn thực hiện", "triển khai"):
        text = f"Kế hoạch số 12/KH-UBND ngày 05/01/2019 {trigger} Chỉ thị số 36-CT/TW."
        assert ("12/KH-UBND", "36-CT/TW", "implements") in links(text), trigger


def test_a_review_by_a_report() -> None:
    text = "Báo cáo số 15/BC-UBND ngày 05/01/2020 về sơ kết 01 năm thực hiện Kế hoạch số 630/KH-BCA-V05."
    assert links(text) == {("15/BC-UBND", "630/KH-BCA-V05", "reviews")}


def test_separate_clauses_are_not_linked() -> None:
    text = "Kế hoạch số 1092/KH-UBND về triển khai tháng hành động; Kế hoạch số 1000/KH-UBND về triển khai thực hiện Nghị định số 49/2020/NĐ-CP."
    assert links(text) == {("1000/KH-UBND", "49/2020/NĐ-CP", "implements")}


def test_the_documents_own_basis_and_purpose() -> None:
    text = (
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ;\n"
        "Thực hiện Kế hoạch số 25/KH-BCĐ ngày 08/12/2023 của Ban Chỉ đạo tỉnh, UBND thành phố báo cáo như sau:\n"
        "I. TÌNH HÌNH\nCông an tỉnh thực hiện Chỉ thị số 36-CT/TW."
    )
    got = links(text)
    assert ("#document", "30/2020/NĐ-CP", "based_on") in got
    assert ("#document", "25/KH-BCĐ", "implements") in got
    assert ("#document", "36-CT/TW", "implements") not in got


def test_the_converse_order_theo() -> None:
    text = "Tiếp tục đẩy mạnh thực hiện Chỉ thị 46-CT/TW ngày 22/6/2015 của Bộ Chính trị theo Kết luận số 15-KL/TW ngày 30/9/2021 của Ban Bí thư."
    assert ("15-KL/TW", "46-CT/TW", "implements") in links(text)


def test_a_proposal_is_cited_not_implemented() -> None:
    text = "Quyết định số 5/QĐ-UBND ngày 02/01/2020 xét đề nghị của Sở Tư pháp tại Tờ trình số 12/TTr-STP ngày 01/01/2020."
    assert links(text) == set()


def test_evidence_quotes_the_original_span() -> None:
    text = "Kế hoạch số 3427/KH-UBND ngày 02/8/2024 về thực hiện\n\nChỉ thị số 19/CT-TTg ngày 24/6/2024."
    e = extract(SourceDocument("t.txt", "t.txt", text, "0" * 64, "text/plain"))
    (r,) = [r for r in e.relations if r.type == "implements"]
    assert text[r.evidence.start : r.evidence.end] == r.evidence.text
    assert r.evidence.text.startswith("Kế hoạch số 3427") and r.evidence.text.endswith("19/CT-TTg")


def test_a_plan_titled_after_what_it_implements() -> None:
    text = (
        "UBND TỈNH LAI CHÂU\nSố: 120/KH-UBND\nLai Châu, ngày 05 tháng 3 năm 2021\nKẾ HOẠCH\n"
        "Triển khai thực hiện Chỉ thị số 36-CT/TW ngày 16/8/2019 của Bộ Chính trị\n"
        "Thực hiện Nghị quyết số 51-NQ/TW ngày 05/9/2019 của Bộ Chính trị; Chương trình hành động "
        "số 35-CTr/TU ngày 01/11/2019 của Tỉnh ủy, UBND tỉnh ban hành Kế hoạch như sau:\n"
        "I. MỤC ĐÍCH\n1. Thực hiện Kế hoạch số 9/KH-CAT, Công an tỉnh tổ chức tuyên truyền."
    )
    got = links(text)
    assert ("120/KH-UBND", "36-CT/TW", "implements") in got
    assert ("120/KH-UBND", "51-NQ/TW", "implements") in got
    assert ("120/KH-UBND", "35-CTr/TU", "implements") in got
    assert not any(t == "9/KH-CAT" for _, t, _ in got)


def test_a_report_titled_as_a_review() -> None:
    text = "BÁO CÁO\nTổng kết 10 năm thực hiện Chỉ thị số 48-CT/TW ngày 22/10/2010 của Bộ Chính trị\nI. TÌNH HÌNH"
    assert ("#document", "48-CT/TW", "reviews") in links(text)


def test_fast_clause_ends_are_where_the_plain_pattern_puts_them() -> None:
    import random
    import re

    from kg.clean import clean
    from kg.links import _clauses

    plain = re.compile(
        r"(?=[;.:Đ])(?:;|(?<![A-ZĐ]{2})(?<!\d)\.(?=\s+(?:\(?\d{1,3}\)?\s+)?[A-ZĐÂĂÊÔƠƯ\-+•(])|\.\s*$"
        r"|:(?=\s+[A-ZĐÂĂÊÔƠƯ])|(?=\bĐiều\s+\d+\.))"
    )
    pieces = [";", ".", ":", " ", "Đ", "Điều 5.", "Điều", "AB.", "1.", "x", " A", " (1) B", "aĐiều 3.", "ĐĐ", "Đ.",
              " \n", ".Điều 2.", " - ", " •", "Ă"]
    rng = random.Random(4)
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        view = clean(text)
        ends = [m.end() for m in plain.finditer(view.text)]
        assert [b for _, b in _clauses(view)] == [*ends, len(view.text)], text


def test_end_anchored_triggers_found_from_the_trailing_run_as_in_the_whole_gap() -> None:
    import random

    from kg.links import _ISSUED_END, _THEO_END, _TRIGGER_END, _tail_run_start

    pieces = ["thuc hien", "trien khai", "tong ket 10 nam", "tiep tuc", "day manh", "bao cao ket qua", "can cu",
              "huong dan", "cac", "noi dung cua", "theo", "da ban hanh", "xay dung", "co hieu qua", " ", "  ", "\n",
              ",", "/", "2020", "x", "A", "đ", "-", "co hieu qua "]
    rng = random.Random(6)
    for _ in range(4000):
        gap = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 9)))
        tail = _tail_run_start(gap)
        for rx in (_TRIGGER_END, _THEO_END, _ISSUED_END):
            whole, fast = rx.search(gap), rx.search(gap, tail)
            assert (whole and (whole.span(), whole.groupdict())) == (fast and (fast.span(), fast.groupdict())), gap


def test_fast_first_section_pattern_starts_where_the_plain_one_does() -> None:
    import random
    import re

    from kg.extract import _FIRST_SECTION

    plain = re.compile(r"(?:^|\s)(?:I|1)\.\s+[A-ZĐÂĂÊÔƠƯ]")
    pieces = ["I. A", "1. Đ", "I.", "1.", "I", ". ", "  ", "\n", "x", "A", "aI. B", "11. C", " I. Ơ"]
    rng = random.Random(10)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        want, got = plain.search(text), _FIRST_SECTION.search(text)
        assert (want and want.start()) == (got and max(0, got.start() - 1)), text
