"""Body resolution relative to the document's place, and body spans in text (kg.bodies)."""

from __future__ import annotations

import pytest

from kg import iri
from kg.bodies import find_bodies, first_body, resolve_body

LC = {"province": "Lai Châu"}
CITY = {"province": "Lai Châu", "level": "thành phố", "place": "Lai Châu"}


@pytest.mark.parametrize("mention", ["UBND tỉnh", "Ủy ban nhân dân tỉnh", "UỶ BAN NHÂN DÂN TỈNH"])
def test_ubnd_tinh_in_a_province_document(mention: str) -> None:
    b = resolve_body(mention, **LC)
    assert b.known and b.name == "Ủy ban nhân dân tỉnh Lai Châu"
    assert b.iri == iri.body("Ủy ban nhân dân tỉnh Lai Châu")
    assert b.province == "Lai Châu" and b.level == "tỉnh"


@pytest.mark.parametrize("mention", ["Công an tỉnh", "CAT", "CA tỉnh", "công an tỉnh"])
def test_police_aliases(mention: str) -> None:
    b = resolve_body(mention, **LC)
    assert b.name == "Công an tỉnh Lai Châu" and b.iri == iri.body("Công an tỉnh Lai Châu")
    assert b.canonical == "Công an tỉnh"
    assert b.parent_iri == iri.body("Bộ Công an")


def test_city_police_in_a_city_document() -> None:
    b = resolve_body("Công an thành phố", **CITY)
    assert b.name == "Công an thành phố Lai Châu" and b.level == "thành phố"
    assert b.parent_iri == iri.body("Công an tỉnh Lai Châu")
    assert resolve_body("CATP", **CITY).iri == b.iri
    # the province's bodies are still the province's in a city document
    assert resolve_body("UBND tỉnh", **CITY).name == "Ủy ban nhân dân tỉnh Lai Châu"
    assert resolve_body("Thành ủy", **CITY).name == "Thành ủy Lai Châu"


def test_centrally_run_city() -> None:
    b = resolve_body("Công an thành phố", province="Hà Nội")
    assert b.name == "Công an thành phố Hà Nội" and b.parent_iri == iri.body("Bộ Công an")
    assert resolve_body("Thành ủy", province="Hà Nội").name == "Thành ủy Hà Nội"


@pytest.mark.parametrize("mention", ["Bộ Chính trị", "BỘ CHÍNH TRỊ", "Bo Chinh tri"])
def test_central_body(mention: str) -> None:
    b = resolve_body(mention, **LC)
    assert b.known and b.iri == iri.body("Bộ Chính trị") and b.province is None


def test_central_aliases_and_term_suffix() -> None:
    assert resolve_body("TTg", **LC).name == "Thủ tướng Chính phủ"
    assert resolve_body("Bộ LĐ-TB&XH", **LC).name == "Bộ Lao động - Thương binh và Xã hội"
    b = resolve_body("Ban Chấp hành Trung ương Đảng (khóa XII)", province=None)
    assert b.name == "Ban Chấp hành Trung ương Đảng"


@pytest.mark.parametrize("mention", ["Tỉnh ủy", "Tỉnh uỷ", "TỈNH ỦY", "Tỉnh Ủy"])
def test_accent_placement(mention: str) -> None:
    assert resolve_body(mention, **LC).iri == iri.body("Tỉnh ủy Lai Châu")


def test_sub_bodies_have_parents() -> None:
    btv = resolve_body("Ban Thường vụ Tỉnh ủy", **LC)
    assert btv.name == "Ban Thường vụ Tỉnh ủy Lai Châu"
    assert btv.parent_iri == iri.body("Tỉnh ủy Lai Châu")
    so = resolve_body("Sở LĐTB&XH", **LC)
    assert so.name == "Sở Lao động - Thương binh và Xã hội tỉnh Lai Châu"
    assert so.parent_iri == iri.body("Ủy ban nhân dân tỉnh Lai Châu")


def test_explicit_province_wins() -> None:
    b = resolve_body("Công an tỉnh Điện Biên", **LC)
    assert b.name == "Công an tỉnh Điện Biên" and b.province == "Điện Biên"
    assert resolve_body("Sở Tư pháp tỉnh Điện Biên", **LC).province == "Điện Biên"


def test_steering_committee_names() -> None:
    a = resolve_body("Ban Chỉ đạo 138 tỉnh", **LC)
    b = resolve_body("BCĐ PCTP tỉnh", **LC)
    assert a.iri == b.iri and a.known
    c = resolve_body("Ban Chỉ đạo PCTP thành phố", **CITY)
    assert c.name.endswith("thành phố Lai Châu") and c.iri != a.iri


def test_lower_units_with_and_without_a_place() -> None:
    b = resolve_body("Công an phường Quyết Tiến", **LC)
    assert b.name == "Công an phường Quyết Tiến" and b.level == "phường"
    unnamed = resolve_body("Công an huyện", **LC)
    assert unnamed.known and unnamed.name == "Công an huyện, tỉnh Lai Châu"
    other = resolve_body("Công an huyện", province="Điện Biên")
    assert other.iri != unnamed.iri


def test_unknown_body_keeps_a_stable_node() -> None:
    a = resolve_body("Hội Chữ thập đỏ tỉnh", **LC)
    assert not a.known and a.name == "Hội Chữ thập đỏ tỉnh Lai Châu"
    assert a.iri == iri.body("Hội Chữ thập đỏ tỉnh Lai Châu")
    assert resolve_body("Hội Chữ thập đỏ tỉnh", **LC).iri == a.iri
    b = resolve_body("Bộ trưởng Bộ Công an", **LC)
    assert not b.known and b.iri == iri.body("Bộ trưởng Bộ Công an")


def _found(text: str) -> list[str]:
    return [t for _, _, t in find_bodies(text)]


def test_find_bodies_spans_index_the_text() -> None:
    text = "Công an tỉnh Lai Châu phối hợp với Sở Tư pháp, UBND các huyện và Bộ Công an."
    spans = find_bodies(text)
    assert all(text[s:e] == t for s, e, t in spans)
    assert _found(text) == ["Công an tỉnh Lai Châu", "Sở Tư pháp", "UBND các huyện", "Bộ Công an"]


def test_find_bodies_longest_and_nested() -> None:
    assert _found("Ban Thường vụ Tỉnh ủy chỉ đạo") == ["Ban Thường vụ Tỉnh ủy"]
    assert _found("Đảng ủy Công an Trung ương ban hành") == ["Đảng ủy Công an Trung ương"]
    assert _found("Sở Lao động - Thương binh và Xã hội tỉnh Lai Châu đã") == [
        "Sở Lao động - Thương binh và Xã hội tỉnh Lai Châu"
    ]


def test_find_bodies_skips_lowercase_words_and_notations() -> None:
    assert _found("lực lượng công an tỉnh đã bắt") == []
    assert _found("Chỉ thị số 12/CT-TTg và Nghị định 49/2020/NĐ-CP") == []
    assert _found("cát, sỏi được khai thác") == []


def test_find_bodies_generic_heads() -> None:
    found = _found("Sở Ngoại vụ chủ trì; Phòng Cảnh sát hình sự tham mưu.")
    assert found == ["Sở Ngoại vụ", "Phòng Cảnh sát hình sự"]


def test_find_bodies_across_a_line_break() -> None:
    assert _found("báo cáo của Công an\nthành phố Lai Châu về") == ["Công an\nthành phố Lai Châu"]


@pytest.mark.parametrize(
    "text",
    [
        "Công an tỉnh Lai Châu phối hợp với Sở Tư pháp",
        "các Sở Ngoại vụ chủ trì; Phòng Cảnh sát hình sự",
        "Đã Ban Thường vụ Tỉnh ủy chỉ đạo",
        "lực lượng công an tỉnh đã bắt",
        "  Công an\nthành phố Lai Châu về",
        "Trong năm, Sở Tư pháp",
        "Sở . UBND tỉnh",
        "",
    ],
)
def test_first_body_is_the_first_body_found_near_the_start(text: str) -> None:
    found = find_bodies(text)
    for within in (0, 4, 10):
        expected = found[0] if found and found[0][0] <= within else None
        assert first_body(text, within) == expected


def test_folding_does_not_invent_unit_words() -> None:
    # "quán" (shop) and "Quân sự" fold to "quan" like "quận", which must not make them units
    assert _found("Hội Phụ nữ quán triệt nghị quyết") == []
    assert _found("lực lượng Công an - Quân sự - Biên phòng") == []
    assert resolve_body("Cong an tinh", **LC).name == "Công an tỉnh Lai Châu"


def test_aliases_ruled_out_by_their_first_letter_could_not_match() -> None:
    """_match_whole skips an alias whose pattern opens with another letter than the view:
    that is sound only if every such pattern really needs that letter first."""
    from kg.bodies import _aliases_by_first

    for alias, first in _aliases_by_first():
        if first:
            assert alias.regex.pattern.split(")", 1)[1].startswith(first)
            assert alias.regex.match("x" if first != "x" else "y") is None
    names = ["Công an tỉnh", "UBND tỉnh", "Sở Tư pháp", "CAT", "Ban Chỉ đạo 138", "Tỉnh đoàn", "Huyện ủy", "Bộ Công an"]
    for name in names:
        from kg.bodies import _view

        views = {False: _view(name, lower=True), True: _view(name, lower=False)}
        every = [a for a, _ in _aliases_by_first() if a.regex.match(views[a.case_sensitive])]
        kept = [a for a, f in _aliases_by_first() if (not f or views[a.case_sensitive][:1] == f) and a.regex.match(views[a.case_sensitive])]
        assert kept == every, name
