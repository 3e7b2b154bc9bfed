"""The curated reference data and its look-ups (kg.reference)."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from kg import iri
from kg import reference as ref

BRIEF_CODES = [
    "CT", "NQ", "KL", "QĐ", "QyĐ", "HD", "CTr", "KH", "ĐA", "BC", "TB", "CĐ", "TT", "NĐ", "CV",
    "QH", "L", "PL", "NQLT", "TTLT", "CTrPH", "QCPH", "KLLN", "TTr", "QC", "DA",
]  # fmt: skip


def test_files_parse_and_load_fast() -> None:
    for path in ref.reference_graph_files():
        assert path.is_file(), path
        assert list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)), path
    ref._triples.cache_clear()
    start = time.perf_counter()
    ref._triples()
    ref.instrument_types(), ref.provinces(), ref.central_bodies(), ref.body_templates()
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("code", BRIEF_CODES)
def test_every_code_has_vi_and_en_labels(code: str) -> None:
    matches = [t for t in ref.instrument_types() if t.code == code]
    assert matches, code
    for t in matches:
        assert t.label and t.label_en and t.label != t.label_en
        assert t.family in {"party", "state", "legal", "common"}


def test_type_iris_follow_kg_iri_and_are_distinct() -> None:
    types = ref.instrument_types()
    assert len({t.iri for t in types}) == len(types)
    by_code = {t.code: t for t in types}
    assert by_code["CT"].iri == iri.instrument_type("CT")
    # ĐA and DA fold to the same slug: the rank-1 type keeps the plain IRI
    assert ref.instrument_type_by_code("ĐA").iri == iri.instrument_type("ĐA")
    assert ref.instrument_type_by_code("DA").iri == iri.instrument_type("DA Dự án")


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("QD", "Quyết định"), ("qđ", "Quyết định"), ("CTR", "Chương trình"),
        ("Ctr", "Chương trình"), ("CtrPH", "Chương trình phối hợp"), ("HD", "Hướng dẫn"),
        ("HĐ", "Hợp đồng"), ("ĐA", "Đề án"), ("DA", "Dự án"), ("QĐi", "Quy định"),
        ("TT", "Thông tư"), ("NĐ", "Nghị định"), ("nd", "Nghị định"), (" KH ", "Kế hoạch"),
    ],
)  # fmt: skip
def test_type_by_code_is_tolerant(code: str, label: str) -> None:
    found = ref.instrument_type_by_code(code)
    assert found is not None and found.label == label


def test_type_by_code_family_and_unknown() -> None:
    assert ref.instrument_type_by_code("TT", family="party").label == "Thông tri"
    assert ref.instrument_type_by_code("XYZ") is None
    assert ref.instrument_type_by_code("") is None


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Chỉ thị", "CT"), ("chỉ thị", "CT"), ("CHỈ THỊ", "CT"), ("Chi thị", "CT"),
        ("Chỉ thi", "CT"), ("Nghị quyết liên tịch", "NQLT"), ("Chương trình hành động", "CTr"),
        ("Kế hoạch liên tịch", "KHLT"), ("Kết luận liên ngành", "KLLN"), ("Thông tư", "TT"),
        ("Thông tri", "TT"), ("Văn bản", "CV"), ("NGHỊ   ĐỊNH", "NĐ"),
    ],
)  # fmt: skip
def test_type_by_word_is_tolerant(word: str, code: str) -> None:
    found = ref.instrument_type_by_word(word)
    assert found is not None and found.code == code


def test_type_words_longest_first() -> None:
    words = ref.type_words()
    assert all(len(a) >= len(b) for a, b in zip(words, words[1:], strict=False))
    assert "Chương trình hành động" in words and "Chỉ thị" in words
    assert words.index("Nghị quyết liên tịch") < words.index("Nghị quyết")
    assert "Văn bản của Quốc hội" not in words  # a code, not a word that cites


def test_province_counts() -> None:
    all_ = ref.provinces()
    assert sum(p.pre_2025 for p in all_) == 63
    assert sum(p.current for p in all_) == 34
    assert len(ref.provinces(on="2025-06-30")) == 63
    assert len(ref.provinces(on="2019-05-01")) == 63
    assert len(ref.provinces(on="2025-07-01")) == 34
    assert sum(p.kind.startswith("thành phố") for p in all_ if p.current) == 6


def test_mergers_point_at_current_units() -> None:
    by_iri = {p.iri: p for p in ref.provinces()}
    for p in ref.provinces():
        assert p.iri == iri.place(p.name)
        if p.current:
            assert p.merged_into is None
        else:
            assert p.merged_into is not None and by_iri[p.merged_into].current, p


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Hà Giang", "Tuyên Quang"), ("Yên Bái", "Lào Cai"), ("Bắc Kạn", "Thái Nguyên"),
        ("Hòa Bình", "Phú Thọ"), ("Vĩnh Phúc", "Phú Thọ"), ("Bắc Giang", "Bắc Ninh"),
        ("Thái Bình", "Hưng Yên"), ("Hải Dương", "Hải Phòng"), ("Nam Định", "Ninh Bình"),
        ("Quảng Bình", "Quảng Trị"), ("Quảng Nam", "Đà Nẵng"), ("Kon Tum", "Quảng Ngãi"),
        ("Bình Định", "Gia Lai"), ("Ninh Thuận", "Khánh Hòa"), ("Đắk Nông", "Lâm Đồng"),
        ("Phú Yên", "Đắk Lắk"), ("Bình Dương", "Hồ Chí Minh"), ("Bình Phước", "Đồng Nai"),
        ("Long An", "Tây Ninh"), ("Hậu Giang", "Cần Thơ"), ("Trà Vinh", "Vĩnh Long"),
        ("Tiền Giang", "Đồng Tháp"), ("Bạc Liêu", "Cà Mau"), ("Kiên Giang", "An Giang"),
    ],
)  # fmt: skip
def test_merger(old: str, new: str) -> None:
    p = ref.province_by_name(old)
    assert p is not None and not p.current and p.merged_into == iri.place(new)


@pytest.mark.parametrize("kept", ["Lai Châu", "Điện Biên", "Cao Bằng", "Sơn La", "Lạng Sơn", "Hà Nội"])
def test_kept_units(kept: str) -> None:
    p = ref.province_by_name(kept)
    assert p is not None and p.current and p.pre_2025 and p.merged_into is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("tỉnh Lai Châu", "Lai Châu"), ("TỈNH LAI CHÂU", "Lai Châu"), ("lai chau", "Lai Châu"),
        ("TP. Hồ Chí Minh", "Hồ Chí Minh"), ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"), ("Thanh Hoá", "Thanh Hóa"), ("Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Thừa Thiên Huế", "Thừa Thiên Huế"), ("thành phố Huế", "Huế"),
    ],
)  # fmt: skip
def test_province_by_name(text: str, name: str) -> None:
    p = ref.province_by_name(text)
    assert p is not None and p.name == name


def test_province_by_name_rejects_partial() -> None:
    assert ref.province_by_name("Lai") is None
    assert ref.province_by_name("Mường Tè") is None


def test_body_registry_shape() -> None:
    names = {b.name for b in ref.central_bodies()}
    for name in ("Bộ Chính trị", "Ban Bí thư", "Quốc hội", "Chính phủ", "Thủ tướng Chính phủ",
                 "Bộ Công an", "Ban Chỉ đạo 138/CP", "Tòa án nhân dân tối cao"):  # fmt: skip
        assert name in names
    iris = {b.iri for b in ref.central_bodies()}
    for b in ref.central_bodies():
        assert b.iri == iri.body(b.name)
        assert b.parent_iri is None or b.parent_iri in iris
    templates = {t.iri for t in ref.body_templates()}
    for t in ref.body_templates():
        assert "{place}" in t.name_template
        for parent in (t.parent_same, t.parent_up):
            assert parent is None or parent in templates
        assert t.central_parent is None or t.central_parent in iris
