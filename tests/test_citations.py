"""The citation finder and resolver on the language patterns, one behaviour per test."""

from __future__ import annotations

import pytest

from kg.citations import find_citations
from kg.clean import clean
from kg.extract import extract
from kg.model import SourceDocument


def notations(text: str) -> list[str]:
    return [c.notation.printed for c in find_citations(clean(text))]


def doc(text: str) -> SourceDocument:
    return SourceDocument("t.txt", "t.txt", text, "0" * 64, "text/plain")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thực hiện Chỉ thị số 48-CT/TW ngày 22/10/2010", "48-CT/TW"),
        ("Chương trình hành động số 35-CTr/TU của Tỉnh ủy", "35-CTr/TU"),
        ("Kế hoạch số 185-KH/ĐUCA của Đảng ủy", "185-KH/ĐUCA"),
        ("Nghị định số 49/2020/NĐ-CP của Chính phủ", "49/2020/NĐ-CP"),
        ("Thông tư 124/2021/TT-BCA của Bộ Công an", "124/2021/TT-BCA"),
        ("Luật số 73/2021/QH14 của Quốc hội", "73/2021/QH14"),
        ("Kế hoạch số 3086/KH-UBND ngày 31/12/2019", "3086/KH-UBND"),
        ("Chỉ thị số 12/CT-TTg của Thủ tướng", "12/CT-TTg"),
        ("Quyết định số 1960/QĐ-BCA-C41", "1960/QĐ-BCA-C41"),
        ("Công văn số 4833/UBND-TH ngày 28/11/2024", "4833/UBND-TH"),
        ("Công văn số 4258/BCĐ138/CP ngày 02/12/2024", "4258/BCĐ138/CP"),
        ("Công văn 1725/CATP-Đ4 ngày 30/12/2022", "1725/CATP-Đ4"),
        ("Chương trình phối hợp số 715/CtrPH-CAT-SGDĐT", "715/CtrPH-CAT-SGDĐT"),
        ("Kết luận liên ngành số 23/KLLN ngày 21/11/2024", "23/KLLN"),
        ("Quy chế số 2548/QCPH-LĐTBXH-CA-QP-NG", "2548/QCPH-LĐTBXH-CA-QP-NG"),
        ("Chỉ thị số 46-\n\nCT/TW ngày 22/6/2015", "46-CT/TW"),
        ("Chỉ thị số 04/CT- BCA-V28 ngày 21/4/2014", "04/CT-BCA-V28"),
        ("Thông tư số 23/2012/TT - BCA", "23/2012/TT-BCA"),
        ("THEO CHỈ THỊ SỐ 21/CT-TTG NGÀY 25/5/2020", "21/CT-TTg"),
        ("thực hiện Chi thị số 07/CT-TTg", "07/CT-TTg"),
        ("Số: 12/KH-UBND", "12/KH-UBND"),
        ("theo Thông tư 124/2021/TT-BCA32. Tiếp", "124/2021/TT-BCA"),
        ("**Kế hoạch số 1433/KH-UBND**", "1433/KH-UBND"),
        ("Chỉ thị số 48–CT/TW (en dash from a PDF)", "48-CT/TW"),
        ("theo Chỉ thị 48-CT/TW¹ và", "48-CT/TW"),
        ("Thông tư liên tịch số 17/2015/TTLT-BCA-BQP", "17/2015/TTLT-BCA-BQP"),
        ("Văn bản số 123/UBND-NC", "123/UBND-NC"),
        ("Kế hoạch số 45-KH/HU của Huyện ủy", "45-KH/HU"),
    ],
)
def test_every_numbering_family_is_found_in_canonical_form(text: str, expected: str) -> None:
    assert notations(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "ngày 22/10/2010 và ngày 16/3/2020",
        "thu giữ 4.037.390.000 đồng, 142/158 vụ, đạt 89,87%",
        "gọi số điện thoại 0213.3876.123 hoặc 113",
        "phá chuyên án 923P, bắt 05 đối tượng",
        "Ban Chỉ đạo 138/CP về mở đợt cao điểm",
        "hiệu quả các nội dung Đề án 06/CP",
        "Covid-19 và giai đoạn 2016-2020, 2016 - 2020",
        "(Qua phòng PV01 - CAT); 68/68 mô hình; 24/24 giờ",
        "người dưới 16 tuổi, lần thứ 2",
    ],
)
def test_things_that_are_not_instruments(text: str) -> None:
    assert notations(text) == []


def test_attributes_are_tied_to_the_right_citation() -> None:
    text = (
        "Kế hoạch số 733/KH-UBND ngày 07/5/2019 về triển khai thực hiện Chỉ thị số "
        "32/CT-TTg, ngày 05/12/2018 của Thủ tướng chính phủ và Chỉ thị số 22-CT/TU "
        "ngày 22 tháng 4 năm 2019 của Ban Thường vụ Tỉnh ủy về tăng cường công tác PCCC."
    )
    cs = {c.notation.printed: c for c in find_citations(clean(text))}
    assert cs["733/KH-UBND"].date == "2019-05-07"
    assert cs["32/CT-TTg"].date == "2018-12-05"
    assert cs["32/CT-TTg"].issuer == "Thủ tướng chính phủ"
    assert cs["22-CT/TU"].date == "2019-04-22"
    assert cs["22-CT/TU"].issuer == "Ban Thường vụ Tỉnh ủy"
    assert cs["22-CT/TU"].subject == "tăng cường công tác PCCC"


def test_dates_in_every_printed_form() -> None:
    for printed in ("22/10/2010", "22-10-2010", "22 tháng 10 năm 2010", "22.10.2010"):
        (c,) = find_citations(clean(f"Chỉ thị số 48-CT/TW ngày {printed} của Bộ Chính trị"))
        assert c.date == "2010-10-22", printed


def test_variants_of_one_notation_resolve_to_one_instrument() -> None:
    e = extract(
        doc(
            "Chỉ thị số 48-CT/TW ngày 22/10/2010 của Bộ Chính trị. Triển khai Chỉ thị "
            "số 48/CT/TW. Nghị định số 03/2019/NĐ-CP ngày 05/9/2019 và Nghị định 03/NĐ-CP "
            "ngày 05/9/2019. Chỉ thị 06/CT-TTg ngày 01/02/2008 và Chỉ thị 06/2008/CT-TTg."
        )
    )
    assert sorted(i.notation for i in e.instruments) == ["03/2019/NĐ-CP", "06/2008/CT-TTg", "48-CT/TW"]
    (i48,) = [i for i in e.instruments if i.notation == "48-CT/TW"]
    assert len(i48.mentions) == 2


def test_same_number_with_conflicting_dates_stays_two_instruments() -> None:
    e = extract(
        doc("Kế hoạch số 12/KH-UBND ngày 05/01/2019 và Kế hoạch số 12/KH-UBND ngày 07/01/2021.")
    )
    assert [i.date for i in e.instruments] == ["2019-01-05", "2021-01-07"]


def test_issuer_is_inferred_from_the_code_and_marked() -> None:
    e = extract(doc("Lai Châu, ngày 02 tháng 3 năm 2024\nthực hiện Chỉ thị số 12/CT-TTg và Kế hoạch số 5/KH-UBND."))
    by = {i.notation: i for i in e.instruments}
    assert by["12/CT-TTg"].issuer == "Thủ tướng Chính phủ" and by["12/CT-TTg"].issuer_inferred
    assert not by["12/CT-TTg"].local
    assert by["5/KH-UBND"].local and by["5/KH-UBND"].jurisdiction == "Lai Châu"
    assert by["5/KH-UBND"].year == 2024 and by["5/KH-UBND"].year_inferred


def test_spans_quote_the_original_text() -> None:
    text = "Thực hiện Chỉ thị số 46-\n\nCT/TW ngày 22/6/2015 của Bộ Chính trị."
    e = extract(doc(text))
    (m,) = e.instruments[0].mentions
    assert text[m.start : m.end] == "46-\n\nCT/TW"


def test_named_instruments_and_short_references() -> None:
    e = extract(
        doc(
            "Tuyên truyền Luật Phòng, chống ma túy, Luật Giao thông đường bộ cho Nhân dân. "
            "Đẩy mạnh thực hiện Đề án 06 và Chương trình 135. Thực hiện Chỉ thị số 48-CT/TW "
            "ngày 22/10/2010; sau 10 năm thực hiện Chỉ thị 48, Kế hoạch số 5/KH-UBND đã ban hành; "
            "Kế hoạch nêu trên được triển khai."
        )
    )
    names = {i.name for i in e.instruments if i.notation is None}
    assert {"Luật Phòng, chống ma túy", "Luật Giao thông đường bộ", "Đề án 06", "Chương trình 135"} <= names
    by = {i.notation: i for i in e.instruments if i.notation}
    assert len(by["48-CT/TW"].mentions) == 2  # "Chỉ thị 48" points back to it
    assert len(by["5/KH-UBND"].mentions) == 2  # so does "Kế hoạch nêu trên"


def test_titled_programmes_and_their_short_names() -> None:
    e = extract(
        doc(
            "Công an tỉnh thực hiện Đề án hỗ trợ hộ nghèo, khó khăn về nhà ở huyện Mường Tè "
            "(Đề án 245); sau đó tổng kết Đề án 245. Tiếp tục thực hiện Chương trình phòng, chống "
            "ma túy đến năm 2020. Nghị quyết số 51-NQ/TW về Chiến lược bảo vệ an ninh quốc gia."
        )
    )
    named = {i.key: i for i in e.instruments if i.notation is None}
    assert named["name:de an 245"].name == "Đề án hỗ trợ hộ nghèo, khó khăn về nhà ở huyện Mường Tè"
    assert len(named["name:de an 245"].mentions) == 2
    assert "Chương trình phòng, chống ma túy đến năm 2020" in {i.name for i in named.values()}
    assert not any("Chiến lược" in (i.name or "") for i in named.values())  # a subject, not a citation


def _scrambled(seed: int, pieces: list[str], n: int = 3000, most: int = 14) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, most))) for _ in range(n)]


def test_fast_notation_pattern_finds_what_the_plain_one_finds() -> None:
    import re

    from kg.citations import _SEG, _SEP, NOTATION

    plain = re.compile(
        rf"(?=\d)(?<![\w./-])(?P<n>\d{{1,5}}(?:{_SEP}(?:19|20)\d{{2}})?{_SEP}{_SEG}(?:{_SEP}{_SEG})*)(?![0-9A-Za-zÀ-ỹĐđ/])"
    )
    pieces = ["1", "12", "/", "-", " ", "CT", "TW", "a", ".", "2020", "Đ", "x1", "\n", "/ ", " -", "QĐ", "á", "٣"]
    for text in _scrambled(1, pieces):
        assert [m.span("n") for m in NOTATION.finditer(text)] == [m.span("n") for m in plain.finditer(text)], text


def test_fast_noise_scan_finds_what_the_plain_pattern_finds() -> None:
    from kg.clean import _NOISE, _noise

    pieces = [" ", "  ", "\n", "\n\n", "\t", "\\*", "\\", "*", "**", "#", "## ", " #", "\n12\n\n", "\n- 3 -\n \n", "a", "Bộ"]
    pieces += [" \\", " *", "\u3000", " \xa0", "\\#", "\n#", "\n \t# x", "\n\n5\n\n", "-", "7"]
    for text in _scrambled(2, pieces) + _scrambled(3, pieces, n=300, most=60):
        fast, plain = list(_noise(text)), list(_NOISE.finditer(text))
        assert [m.span() for m in fast] == [m.span() for m in plain], text
        assert [m.group("ws") is None for m in fast] == [m.group("ws") is None for m in plain], text
        # clean() reads "ws" as m.lastindex: it must be the pattern's only group
        assert [m.lastindex is None for m in fast] == [m.group("ws") is None for m in plain], text


def test_fast_named_patterns_find_what_the_plain_ones_find() -> None:
    import re

    from kg import named as N

    def plain(rx: re.Pattern[str]) -> re.Pattern[str]:
        """The pattern as first written: the type words after "(?=[…])\\b", not letter by letter."""
        src = re.sub(r"(\w)\(\?<!\\w\1\)", r"\1", rx.pattern)
        return re.compile(r"(?=[A-ZĐ])\b" + src)

    pieces = ["Luật ", "Bộ luật ", "xLuật ", "Đề án ", "_Đề án ", "1Chỉ thị ", "Kế hoạch này", "Chương trình phòng chống ma túy. ",
              "(Đề án 06)", "số ", "06 ", "Nghị quyết trên ", "aKế hoạch nêu trên", "Phòng", "\n", " ", "Sửa ", "Pháp lệnh ",
              "Chiến lược ", "liên tịch "]
    patterns = [N._LAW, N._NUMBERED_NAME, N._TITLED_ALIASED, N._TITLED, N._ANAPHOR]
    for text in _scrambled(3, pieces, 1500, 12):
        for rx in patterns:
            got = [(m.span(), m.groupdict()) for m in rx.finditer(text)]
            assert got == [(m.span(), m.groupdict()) for m in plain(rx).finditer(text)], (rx.pattern[:30], text)


def test_type_tail_peeled_off_where_the_pattern_finds_it() -> None:
    from kg.citations import _TYPE_TAIL, _without_type_tail

    pieces = ["so", "hanh dong", ":", " ", "\n", "\t", "x", "a so", "dongso", "hanh", "s", "o", "ke hoach", "\u00a0"]
    for window in _scrambled(5, pieces, 3000, 8):
        m = _TYPE_TAIL.search(window)
        assert m is not None and _without_type_tail(window) == window[: m.start()], window


def test_named_scans_are_skipped_only_where_they_cannot_match() -> None:
    from kg import named as N

    pieces = ["Luật ", "Bộ luật ", "BỘ LUẬT ", "Pháp lệnh ", "Đề án ", "(Đề án 06)", "(Chương trình 135)", "(Dự án 7)",
              "Dự án hỗ trợ người nghèo ", "Phòng chống ", "( Đề án 1)", "xLuật ", "\n", " ", "a"]
    for text in _scrambled(6, pieces, 3000, 10):
        if N._LAW.search(text):
            assert N._may_hold(text, N._LAW_WORDS), text
        if N._TITLED_ALIASED.search(text):
            assert N._may_hold(text, N._SHORT_NAME_OPENERS), text


def test_clean_view_maps_each_character_back() -> None:
    import random

    from kg.clean import clean

    pieces = ["a", "Bộ", " ", "  ", "\n", "\n\n", "\n12\n\n", "\t", "**", "\\*", "## ", "–", "."]
    rng = random.Random(6)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        view = clean(text)
        last = -1
        for i, ch in enumerate(view.text):
            o = view.original(i)
            assert o > last, (text, i)
            last = o
            if ch != " ":
                assert text[o] == ch or text[o] in "–—‐‑−／⁄", (text, i)
            else:
                assert text[o].isspace(), (text, i)


def test_type_word_looked_up_by_ending_is_the_first_that_the_plain_loop_finds() -> None:
    from kg.citations import TYPE_WORDS, _type_word_before, _without_type_tail

    def plain(window: str, lo: int, start: int) -> tuple[str | None, int]:
        head = _without_type_tail(window)
        for word in TYPE_WORDS:
            if head.endswith(word) and (len(head) == len(word) or not head[-len(word) - 1].isalnum()):
                return TYPE_WORDS[word], lo + len(head) - len(word)
        return None, start

    pieces = [*TYPE_WORDS, " ", "so", ": ", "x", "(", "ban ", "lien tich", "hoach", "phoi hop", "luat", "1", "_"]
    found = 0
    for i, window in enumerate(_scrambled(6, pieces, 4000, 5)):
        got = _type_word_before(window, i, i + len(window))
        assert got == plain(window, i, i + len(window)), window
        found += got[0] is not None
    assert found > 100



def test_notations_found_from_their_separators_are_what_finditer_finds() -> None:
    from kg.citations import NOTATION, _notation_matches

    pieces = ["1", "12", "123456", "2020", "/", "-", " ", "\t", "  ", "CT", "TW", "KH-UBND", "a", ".", "Đ", "x1", "\n",
              "/ ", " -", "QĐ", "٣", "(", "BCA32", "-CP"]
    found = 0
    for text in _scrambled(21, pieces, 8000, 12):
        fast = [(m.span(), m.groupdict()) for m in _notation_matches(text)]
        assert fast == [(m.span(), m.groupdict()) for m in NOTATION.finditer(text)], text
        found += len(fast)
    assert found > 100
