"""The numbering conventions of Vietnamese documents: parse, canonicalise, classify.

A số hiệu ("notation") comes in four families (Nghị định 30/2020/NĐ-CP on văn thư; the
Party's Hướng dẫn on its own documents):

- party:            ``52-CT/TW``          number-TYPE/ISSUER
- legal-normative:  ``49/2020/NĐ-CP``     number/year/TYPE-ISSUER
- administrative:   ``4321/KH-UBND``      number/TYPE-ISSUER[-UNIT]
- official letter:  ``4833/UBND-TH``      number/ISSUER[-UNIT] (no type code)

This module knows the codes, splits a printed notation into number, year, type code and
issuer codes, says whether the numbering is central (one instrument nationwide) or local
(restarts every year in every body), and computes the *variant key* under which misprints
of one notation meet ("52/CT/TW" and "52-CT/TW"; "03/NĐ-CP" and "03/2019/NĐ-CP").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

# Type codes as printed in notations → Vietnamese type label. Several codes share a label
# (QĐ is Quyết định for the State and for the Party; QyĐ is the Party's Quy định).
TYPE_CODES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "NQLT": "Nghị quyết liên tịch",
    "QĐ": "Quyết định",
    "QYĐ": "Quy định",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "KLLN": "Kết luận liên ngành",
    "QC": "Quy chế",
    "QCPH": "Quy chế phối hợp",
    "HD": "Hướng dẫn",
    "HDLN": "Hướng dẫn liên ngành",
    "HDLT": "Hướng dẫn liên tịch",
    "BC": "Báo cáo",
    "KH": "Kế hoạch",
    "KHPH": "Kế hoạch phối hợp",
    "KHLT": "Kế hoạch liên tịch",
    "CTR": "Chương trình",
    "CTRPH": "Chương trình phối hợp",
    "TB": "Thông báo",
    "TBMH": "Thông báo",
    "TTR": "Tờ trình",
    "CV": "Công văn",
    "CĐ": "Công điện",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "PA": "Phương án",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "NĐ": "Nghị định",
    "QH": "Luật",
    "L": "Luật",
    "PL": "Pháp lệnh",
    "UBTVQH": "Nghị quyết",
    "LĐ": "Lệnh",
    "GM": "Giấy mời",
    "GXN": "Giấy xác nhận",
    "BB": "Biên bản",
    "HĐ": "Hợp đồng",
    "CK": "Cam kết",
    "TC": "Tờ trình",
}

# Issuer codes whose numbering is national: an instrument with one of these is the same
# instrument wherever it is cited.
CENTRAL_ISSUERS: dict[str, str] = {
    "TW": "Ban Chấp hành Trung ương Đảng",
    "TTG": "Thủ tướng Chính phủ",
    "CP": "Chính phủ",
    "BCA": "Bộ Công an",
    "BQP": "Bộ Quốc phòng",
    "BTP": "Bộ Tư pháp",
    "BYT": "Bộ Y tế",
    "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "LĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "BTC": "Bộ Tài chính",
    "BNV": "Bộ Nội vụ",
    "VPCP": "Văn phòng Chính phủ",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội",
    "TANDTC": "Tòa án nhân dân tối cao",
    "VKSNDTC": "Viện kiểm sát nhân dân tối cao",
    "UBKTTW": "Ủy ban Kiểm tra Trung ương",
    "ĐUCATW": "Đảng ủy Công an Trung ương",
    "VPTW": "Văn phòng Trung ương Đảng",
    "BTGTW": "Ban Tuyên giáo Trung ương",
    "BDVTW": "Ban Dân vận Trung ương",
    "BNCTW": "Ban Nội chính Trung ương",
    "MTTW": "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
    "BCĐ138": "Ban Chỉ đạo 138/CP",
}

# Issuer codes of local bodies (numbering restarts every year in every province/body), with
# the body they name relative to the citing document's place.
LOCAL_ISSUERS: dict[str, str] = {
    "UBND": "UBND",
    "HĐND": "HĐND",
    "TU": "Tỉnh ủy",
    "THU": "Thành ủy",
    "HU": "Huyện ủy",
    "ĐU": "Đảng ủy",
    "ĐUCA": "Đảng ủy Công an",
    "BCĐ": "Ban Chỉ đạo",
    "CAT": "Công an tỉnh",
    "CATP": "Công an thành phố",
    "CAH": "Công an huyện",
    "CAQ": "Công an quận",
    "BCH": "Bộ Chỉ huy",
    "BĐBP": "Bộ đội Biên phòng",
    "STP": "Sở Tư pháp",
    "SYT": "Sở Y tế",
    "SGDĐT": "Sở Giáo dục và Đào tạo",
    "SLĐTBXH": "Sở Lao động - Thương binh và Xã hội",
    "MTTQ": "Ủy ban Mặt trận Tổ quốc",
    "BTV": "Ban Thường vụ",
    "VP": "Văn phòng",
}

PARTY_ISSUER_SUFFIXES = ("TW", "TU", "THU", "HU", "ĐU", "ĐUCA", "ĐUCATW", "UBKTTW", "VPTW", "BTGTW")

# A printed code segment (letters, maybe a unit number: "V28", "Đ4", "BCĐ138", "QH14").
_SEGMENT = re.compile(r"[A-ZĐa-zđ][A-Za-zĐđ]*\d*")


def _upper(code: str) -> str:
    return code.upper().replace("đ", "Đ")


@dataclass(frozen=True)
class Notation:
    """A parsed notation. ``printed`` is the canonical printed form (spaces removed).

    The derived properties are computed once per object: :func:`parse` is cached, so the same
    object answers every stage of every document that prints the notation (and a frozen
    dataclass's hash, which an lru_cache keyed on it needs, is computed in Python per call)."""

    printed: str
    number: str
    year: int | None
    segments: tuple[str, ...]  # code segments after number (and year), as printed
    type_code: str | None  # upper-cased key of TYPE_CODES, or None (official letter)
    issuer_codes: tuple[str, ...]

    @property
    def type_label(self) -> str | None:
        if self.type_code is None:
            if self.year is not None:  # legal-normative; a letter never carries its year
                return "Luật" if _upper(self.issuer_codes[0]).startswith("QH") else None
            return "Công văn" if self.issuer_codes else None
        return TYPE_CODES[self.type_code]

    @cached_property
    def is_party(self) -> bool:
        return any(_upper(c) in PARTY_ISSUER_SUFFIXES for c in self.issuer_codes[-1:])

    @cached_property
    def is_central(self) -> bool:
        """Central numbering: one instrument nationwide (DESIGN.md, "Identity")."""
        codes = [_upper(c) for c in self.issuer_codes]
        if any(c in CENTRAL_ISSUERS or c.startswith(("BCA", "QH", "UBTVQH")) for c in codes):
            return True  # a joint instrument with a central body ("09/CTr-BCA-MTTQ") is central
        if any(c in LOCAL_ISSUERS for c in codes):
            return False  # "12/2020/NQ-HĐND": a province's own legal document
        return self.year is not None  # legal-normative documents carry their year

    @cached_property
    def variant_key(self) -> str:
        """Number and codes, case-folded, without year and separators: the misprint key."""
        return self.number.lstrip("0") + "|" + "|".join(_upper(s) for s in self.segments)

    @cached_property
    def well_formedness(self) -> int:
        """See :func:`well_formedness`."""
        return _well_formedness(self)


_SPACES = re.compile(r"\s+")
_LETTERS = re.compile(r"[A-ZĐa-zđ]+")
_NUMBER_HEAD = re.compile(r"(\d{1,5})([-/])(.*)$")
_YEAR_HEAD = re.compile(r"((?:19|20)\d{2})/(.*)$")
_SEGMENT_SEP = re.compile(r"[-/]")


@lru_cache(maxsize=8192)
def canonical(printed: str) -> str:
    """Remove whitespace and repair upper-cased mixed-case codes ("CT-TTG" → "CT-TTg").
    Cached, like :func:`parse`: every stage asks again about the same few notations."""
    text = _SPACES.sub("", printed)
    return _LETTERS.sub(lambda m: _MIXED_CASE.get(m.group(0), m.group(0)), text)


_MIXED_CASE = {"TTG": "TTg", "CTR": "CTr", "THU": "ThU", "QYĐ": "QyĐ", "CTRPH": "CTrPH"}


@lru_cache(maxsize=8192)
def parse(printed: str) -> Notation | None:
    """Split a printed notation; ``None`` when it is not one (no code at all)."""
    text = canonical(printed)
    m = _NUMBER_HEAD.match(text)
    if not m or "/" not in text:
        return None  # every family has a "/": "1112-QĐ-BCA" is a misprint we cannot place
    number, rest = m.group(1), m.group(3)
    year = None
    ym = _YEAR_HEAD.match(rest)
    if ym:
        year, rest = int(ym.group(1)), ym.group(2)
    segments = tuple(s for s in _SEGMENT_SEP.split(rest) if s)
    if not segments or not all(_SEGMENT.fullmatch(s) for s in segments):
        return None
    type_code = None
    first = _upper(segments[0])
    if first in TYPE_CODES and not (len(segments) == 1 and first in CENTRAL_ISSUERS):
        type_code = first
    issuer_codes = segments[1:] if type_code else segments
    return Notation(text, number, year, segments, type_code, tuple(issuer_codes))


def type_from_code(code: str) -> str | None:
    return TYPE_CODES.get(_upper(code))


def issuer_from_codes(n: Notation) -> str | None:
    """The issuer a notation's codes imply for central codes (marked inferred by callers).

    A joint instrument ("01/2004/TTLT-BCA-BQP-BLĐTBXH") names every issuer in its code.
    """
    if n.type_code == "NĐ" or (n.issuer_codes and _upper(n.issuer_codes[0]) == "CP"):
        return "Chính phủ"
    names: list[str] = []
    for code in n.issuer_codes:
        up = _upper(code)
        if up == "TW":
            return None  # Ban Chấp hành, Bộ Chính trị or Ban Bí thư: the code does not say
        name = CENTRAL_ISSUERS.get(up)
        if name is None and up.startswith("BCA"):
            name = "Bộ Công an"
        elif name is None and up.startswith("UBTVQH"):
            name = "Ủy ban Thường vụ Quốc hội"
        elif name is None and up.startswith("QH"):
            name = "Quốc hội"
        if name and name not in names:
            names.append(name)
        if name and n.type_code not in _JOINT_TYPES:
            break  # "QĐ-BCA-V05": the issuer, then its unit
    return ", ".join(names) or None


_JOINT_TYPES = {"TTLT", "NQLT", "CTRPH", "QCPH", "KHLT", "HDLT", "HDLN", "KLLN"}


def local_issuer_stem(n: Notation) -> str | None:
    """The local body a code names, before it is placed ("UBND" → "UBND")."""
    for code in n.issuer_codes:
        up = _upper(code)
        if up in LOCAL_ISSUERS:
            return LOCAL_ISSUERS[up]
    return None


def well_formedness(n: Notation) -> int:
    """How closely a printed form follows its family's convention (higher is better).

    Used to pick the canonical form among variants of one instrument in a document.
    """
    return n.well_formedness


def _well_formedness(n: Notation) -> int:
    score = 0
    sep = n.printed[len(n.number)]
    if n.is_party and n.year is None:
        score += 2 if sep == "-" else 0
    else:
        score += 2 if sep == "/" else 0
    if n.year is not None:
        score += 1
    if any(c.islower() for c in n.printed):
        score += 1  # "CT-TTg" over "CT-TTG": the upper-cased title form is the variant
    return score
