"""kg.named: instruments cited by name."""

from __future__ import annotations

import pytest

import kg.named as named
from kg.clean import clean


def _names(text: str) -> list[tuple[str | None, list[tuple[int, int]]]]:
    return [(i.name, [(s.start, s.end) for s in i.mentions]) for i in named.find_named(clean(text), [], [])]


TEXTS = [
    "UBND tỉnh triển khai Chương trình phòng, chống tội phạm mua bán người của tỉnh; Đề án 99 được thực hiện.",
    "Thực hiện Dự án “Xây dựng xã điểm không ma túy” tại các huyện, Công an tỉnh đã tổ chức tuyên truyền.",
    "Các chương trình, đề án của tỉnh được triển khai đúng tiến độ.",
    "Căn cứ Chiến lược quốc gia phòng, chống tội phạm giai đoạn 2031-2040 của Thủ tướng.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_titled_scan_is_skipped_only_where_it_finds_nothing(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    found = _names(text)
    monkeypatch.setattr(named, "_TITLED_WORDS", ("",))  # ("" is in every text: always scanned)
    assert _names(text) == found


def test_titled_programme_is_found() -> None:
    assert any(name and name.startswith("Chương trình phòng, chống") for name, _ in _names(TEXTS[0]))


def test_numbered_names_and_anaphors_found_in_one_scan_are_what_finditer_finds() -> None:
    import random

    from kg import named as N

    pieces = ["Kế hoạch", "Chỉ thị", "Nghị quyết", "Nghị quyết liên tịch", "Thông tư", "Thông tư liên tịch", "Đề án",
              "Công văn", "Hướng dẫn", "Dự án", " ", "\n", " số ", "06", " 06 ", " 135,", "12345", " này", " nêu trên", " trên",
              " đó", "đó", "x", "xKế hoạch", "/", "-CT", ".", "5", "Quyết định", "Kết luận", "Nghị định", "Chương trình"]
    rng = random.Random(12)
    found = [0, 0]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        numbered, anaphors = N._numbered_and_anaphors(text)
        assert [m.span() for m in numbered] == [m.span() for m in N._NUMBERED_NAME.finditer(text)], text
        assert [m.span() for m in anaphors] == [m.span() for m in N._ANAPHOR.finditer(text)], text
        found[0] += len(numbered)
        found[1] += len(anaphors)
    assert min(found) > 100
