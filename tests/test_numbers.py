"""Vietnamese number parsing and the digits that are not quantities."""

from __future__ import annotations

import pytest

from kg.numbers import find_quantities, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.062", 1062), ("9,06", 9.06), ("4.037.390.000", 4037390000), ("01", 1), ("6.724,62", 6724.62)],
)
def test_parse_number_vietnamese_separators(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["2.1.3", "1,2,3", "abc", ""])
def test_parse_number_rejects_non_numbers(text: str) -> None:
    assert parse_number(text) is None


def _one(text: str):
    qs = find_quantities(text)
    assert len(qs) == 1, qs
    return qs[0]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("tổ chức 1.062 hộ", 1062, "hộ"),
        ("thu giữ 9,06kg heroin", 9.06, "kg"),
        ("số tiền 4.037.390.000 đồng", 4037390000, "đồng"),
        ("kinh phí 16 tỷ đồng", 16, "tỷ đồng"),
        ("ủng hộ 255 triệu đồng", 255, "triệu đồng"),
        ("đạt 89,87%", 89.87, "%"),
        ("diện tích 6.243 m2", 6243, "m2"),
        ("phạt tổng tiền 43.400.000đ", 43400000, "đồng"),
        ("bố trí 470 đồng chí", 470, "đồng chí"),
        ("với 121 nghìn người theo dõi", 121000, "người"),
        ("thu giữ 05 lựu đạn", 5, "lựu đạn"),
        ("duy trì 4.249 mô hình¹³", 4249, "mô hình"),
    ],
)
def test_values_and_units(text: str, value: float, unit: str) -> None:
    q = _one(text)
    assert q.value == pytest.approx(value)
    assert q.unit == unit
    assert text[q.start : q.end] == q.text


def test_ratio_keeps_denominator() -> None:
    q = _one("làm rõ 142/158 vụ")
    assert (q.value, q.denominator, q.unit) == (142, 158, "vụ")
    q = _one("08/08 huyện")
    assert (q.value, q.denominator) == (8, 8)


@pytest.mark.parametrize("qual", ["hơn", "trên", "khoảng", "gần", "gần như", "khoảng trên"])
def test_qualifier(qual: str) -> None:
    q = _one(f"với {qual} 1.560 lượt người tham gia")
    assert q.qualifier == qual
    assert q.unit == "lượt người"
    assert q.text.startswith(qual)


def test_list_of_quantities() -> None:
    qs = find_quantities("phát hiện 05 vụ, 07 đối tượng")
    assert [(q.value, q.unit) for q in qs] == [(5, "vụ"), (7, "đối tượng")]


def test_hard_line_break_inside_quantity_keeps_original_offsets() -> None:
    text = "tổ chức hơn 26 buổi\n\ntuyên truyền với 1.560 lượt\n\nngười"
    qs = find_quantities(text)
    assert [q.value for q in qs] == [26, 1560]
    assert qs[1].unit == "lượt người"
    assert text[qs[1].start : qs[1].end] == "1.560 lượt\n\nngười"


@pytest.mark.parametrize(
    "text",
    [
        "ngày 22/10/2010", "ngày 16/3/2020", "ngày 26/6 hằng năm", "tháng 11", "năm 2024",
        "giai đoạn 2016-2020", "giai đoạn 2016 - 2020", "Kế hoạch số 3086/KH-UBND",
        "Chỉ thị 48-CT/TW", "Nghị định 49/2020/NĐ-CP", "hoạt động tôn giáo1. Làm tốt",
        "xử lý VPHC vụ8, phạt", "về ANTT...(1), qua đó", "Điện thoại: 0213.3876.543",
        "lúc 10h30 ngày", "1.1. Công tác bảo đảm", "2.1.3. Công tác", "Hiếp dâm người dưới 16 tuổi",
        "phòng, chống dịch Covid-19", "chuyên án 923P", "Ban Chỉ đạo 138 tỉnh", "Đề án 06 của",
        "Chương trình 135", "Bộ Chính trị khóa 12", "Đại hội lần thứ 2", "đầu tháng 10/2020 xảy ra",
        "Trong 10 tháng năm 2020,", "SN 1971, trú tại tổ 5", "phá chuyên án chung 924Đ,",
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


def _plain_numbers(text: str) -> list[tuple[int, int, str]]:
    """The numbers _NUMBER_PLAIN finds that the checks on what follows them keep, in Python
    (as scan made them before _NUMBER took them over)."""
    from kg.numbers import _CLOCK_TAIL, _NOTATION_TAIL, _NUMBER_PLAIN

    out = []
    for m in _NUMBER_PLAIN.finditer(text):
        rest, after = m.group("rest"), text[m.end() : m.end() + 12]
        c0 = after[:1]
        rejected = (
            rest.count("/") >= 2
            or (c0 in ("/", "-", "–") and (c0 == "/" or _NOTATION_TAIL.match(after) or after[1:2].isalnum()))
            or (c0 == " " and _NOTATION_TAIL.match(after))
            or c0 in (")", "]")
            or (c0 != "" and c0 in "hH:gG" and _CLOCK_TAIL.match(after))
        )
        if not rejected:
            out.append((m.start(), m.end(), m.group("rest")))
    return out


def test_fast_number_pattern_agrees_with_plain_pattern_and_checks() -> None:
    import random

    from kg.numbers import _NUMBER

    samples = [
        "ngày 22/10/2010, số 3086/KH-UBND, Chỉ thị 48-CT/TW, (1) [2] lúc 8h30, 9 giờ 15, 14:05",
        "giai đoạn 2016-2020 và 2016 - 2020, 12 /KH, 0,68-x, 1.062 vụ, 142/158 vụ, 4.037.390.000 đồng",
    ]
    rng = random.Random(7)
    alphabet = "0123456789./,-– )]:hHgGiờİı ABĐz\n²"
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    for text in samples:
        fast = [(m.start(), m.end(), m.group("rest")) for m in _NUMBER.finditer(text)]
        assert fast == _plain_numbers(text), text


def test_scan_drops_numbers_after_date_words_as_the_word_check_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """scan with _NUMBER_SCAN (numbers after "ngày"/"tháng"/"năm" and labels dropped by the
    pattern) finds what it finds with _NUMBER (those dropped by the checks in Python)."""
    import random

    import kg.numbers as numbers

    assert numbers._NUMBER_SCAN.pattern != numbers._NUMBER.pattern
    words = ["ngày", "Ngày", "NGÀY", "tháng", "THÁNG", "năm", "Năm", "nĂm", "xngày", "ngàyx", "(", "“", '"', ":", ".",
             "vụ", "người", "khoảng", "số", "quý", "từ", "đến", " ", "  ", "\n", "12", "3", "2024", "1.062", "5,5",
             "12/3", "1-2", "142/158", "kg", "%", "-", "/", ",", "NĂM:", "năm.", "2. Xác", ". ", "Đ", "A", "Ủy", "7.", "3.5"]
    rng = random.Random(11)
    samples = ["ngày 12 tháng 3 năm 2024, (Ngày 5) xngày 7 NĂM 9 năm: 4 5 vụ", "“tháng 12 năm 2023” 15 người"]
    samples += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    samples += ["".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    fast = [numbers.scan(text) for text in samples]
    monkeypatch.setattr(numbers, "_NUMBER_SCAN", numbers._NUMBER)
    assert fast == [numbers.scan(text) for text in samples]


def test_words_at_is_the_pattern_with_accents() -> None:
    import random

    from kg import numbers as N

    pieces = ["a", "Đ", "ư", "\u0301", "\u0323", " ", "  ", "1", "¹", "_", ",", "bé", "e\u0301", "ng", "vụ"]
    rng = random.Random(23)
    differ = 0
    for _ in range(4000):
        vt = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        for pos in range(len(vt) + 1):
            full = N._WORDS_AT.match(vt, pos)
            got = N._words_at(vt, pos)
            assert (got and (got.span(), got.groups())) == (full and (full.span(), full.groups())), (vt, pos)
            fast = N._WORDS_AT_NFC.match(vt, pos)
            differ += (fast and fast.span()) != (full and full.span())
    assert differ > 100  # the texts hold accents the faster pattern stops at
