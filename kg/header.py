"""The document's own header: what it is, who issued it, where, when, signed by whom.

Vietnamese administrative documents follow one layout (Nghị định 30/2020/NĐ-CP, Phụ lục I):
issuing body in capitals top left, "Số: 123/BC-UBND" under it, "Place, ngày … tháng … năm …"
top right, the type in capitals ("BÁO CÁO"), the subject under it (or "V/v …" for letters),
the body, then "Nơi nhận:" and the signature block ("TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / name").
PDF extraction scrambles that order, so each field is looked for on its own.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from kg.dates import parse_date
from kg.iri import fold
from kg.model import DocumentHeader
from kg.notation import canonical, parse
from kg.structure import after_newline, line_start_matches

_TYPE_LINES = {
    "bao cao": "Báo cáo",
    "ke hoach": "Kế hoạch",
    "quyet dinh": "Quyết định",
    "chi thi": "Chỉ thị",
    "nghi quyet": "Nghị quyết",
    "cong van": "Công văn",
    "thong bao": "Thông báo",
    "chuong trinh": "Chương trình",
    "chuong trinh hanh dong": "Chương trình",
    "ket luan": "Kết luận",
    "huong dan": "Hướng dẫn",
    "to trinh": "Tờ trình",
    "cong dien": "Công điện",
    "de an": "Đề án",
    "quy dinh": "Quy định",
    "quy che": "Quy chế",
    "phuong an": "Phương án",
}

# Notation line: "Số: 12-BC/TU", "Số 12-BC/TU", or blank "Số: /BC-UBND".
_NOTATION_LINE = re.compile(
    r"^[\s#*]*Số\s*:?\s*(?P<n>\d{1,5}\s?[-/]\s?[^\s,;]*)?\s*(?P<blank>/[^\s,;]+)?\s*$",
    re.MULTILINE,
)
# Place-and-date line: "Cao Bằng, ngày 18 tháng 8 năm 2020" (day/month may be blank).
_PLACE_DATE = re.compile(
    r"^[\s#*]*(?P<place>[A-ZĐÂ][^\n,]{1,40}),\s*ngày\s*(?P<d>\d{1,2})?[\s.]*tháng\s*(?P<m>\d{1,2})?[\s.]*năm\s*(?P<y>(?:19|20)\d{2})",
    re.MULTILINE,
)
_SIGNATURE_ROLE = re.compile(
    r"^\s*(?:TM\.|T/M|KT\.|K/T|TL\.|Q\.)?\s*(?P<role>(?:ỦY|UỶ) BAN NHÂN DÂN|BAN CHỈ ĐẠO|BAN THƯỜNG VỤ|TỈNH ỦY|TỈNH UỶ|HUYỆN ỦY|THÀNH ỦY|CÔNG AN|HỘI ĐỒNG NHÂN DÂN|CHỦ TỊCH|PHÓ CHỦ TỊCH|TRƯỞNG BAN|PHÓ TRƯỞNG BAN|BÍ THƯ|PHÓ BÍ THƯ|GIÁM ĐỐC|PHÓ GIÁM ĐỐC)\b",
    re.MULTILINE,
)
_PERSON = re.compile(
    r"(?m)^[\s*#]*(?P<name>(?:[A-ZĐÂĂÊÔƠƯ][a-zà-ỹđ]+)(?:\s+[A-ZĐÂĂÊÔƠƯ][a-zà-ỹđ]+){1,4})[\s*]*$"
)
_ISSUER_CAPS = re.compile(
    r"^[\s#*]*(?P<b>(?:(?:ỦY|UỶ) BAN NHÂN DÂN|UBND)(?:\s*\n\s*)?(?: ?(?:TỈNH|THÀNH PHỐ|HUYỆN|QUẬN|THỊ XÃ|XÃ|PHƯỜNG)[^\n]{0,30})?|TỈNH (?:ỦY|UỶ) [^\n]{2,30}|THÀNH (?:ỦY|UỶ) [^\n]{2,30}|HUYỆN (?:ỦY|UỶ) [^\n]{2,30}|BAN CHỈ ĐẠO[^\n]{0,80}|CÔNG AN (?:TỈNH|THÀNH PHỐ|HUYỆN)[^\n]{2,30})\s*$",
    re.MULTILINE,
)
# "Ban Chỉ đạo PCTP thành phố Lai Châu xây dựng báo cáo", "UBND tỉnh tổng hợp báo cáo" …
_SELF_REPORTING = re.compile(
    r"(?P<b>(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Ban Chỉ đạo|Tỉnh ủy|Tỉnh uỷ|Công an)[^.;:\n]{0,80}?)\s+(?:xây dựng |tổng hợp |trân trọng )?(?:báo cáo|ban hành|đề nghị|yêu cầu)\b"
)
# r"\b(?:tỉnh|Tỉnh|TỈNH)\s+…", each spelling opened by its first letter and "\b" checked
# behind it, so that `re` skips ahead to each "t"/"T" in C instead of trying every character.
_PROVINCE_MENTION = re.compile(r"(?:t(?<!\wt)ỉnh|T(?<!\wT)(?:ỉnh|ỈNH))\s+(?P<p>(?:[A-ZĐ][a-zà-ỹđ]+)(?:\s+[A-ZĐ][a-zà-ỹđ]+){0,3})")


# "V/v …" (về việc) not inside a word: r"\bV/v…", written to open with its literal so that
# `re` skips ahead to each "V" in C (a leading \b made it try every character).
_VV = re.compile(r"V(?<!\wV)/v\b")
_VV_TITLE = re.compile(r"V(?<!\wV)/v\s+(?P<t>[^\n]+(?:\n[^\n]+){0,2})")


def read_header(text: str, provinces: list[str] | None = None) -> DocumentHeader:
    """Read the header fields; anything the text leaves blank stays ``None``."""
    head = text[:4000]
    h = DocumentHeader()
    h.type = _document_type(head)
    m = _NOTATION_LINE.search(head)
    if m and m.group("n"):
        n = parse(canonical(m.group("n")))
        h.notation = n.printed if n else None
        if h.type is None and n is not None:
            h.type = n.type_label
    m = _PLACE_DATE.search(text[:6000]) or _PLACE_DATE.search(text)
    if m:
        h.place = m.group("place").strip(" *#")
        h.year = int(m.group("y"))
        if m.group("d") and m.group("m"):
            h.date = parse_date(f"{m.group('d')}/{m.group('m')}/{m.group('y')}")
    h.province = _province(text, h.place, provinces)
    h.issuer, h.level = _issuer(text, h.province)
    h.signer = _signer(text)
    h.title = _title(text, h.type)
    h.period = _period(h.title or "")
    return h


def period_year(h: DocumentHeader) -> int | None:
    """The year a document is about, when its date line gives none (marked inferred by users)."""
    if h.year:
        return h.year
    years = _YEAR.findall(h.period or "")
    return int(years[-1]) if years else None


_YEAR = re.compile(r"(?:19|20)\d{2}")  # compiled once, not looked up in re's cache per call


def _document_type(head: str) -> str | None:
    for line in head.splitlines():
        stripped = line.strip(" \t#*")
        if stripped and stripped.isupper():
            key = fold(stripped)
            if key in _TYPE_LINES:
                return _TYPE_LINES[key]
    if re.search(r"^\s*Kính gửi\s*:", head, re.MULTILINE) or _VV.search(head):
        return "Công văn"
    return None


def _province(text: str, place: str | None, provinces: list[str] | None) -> str | None:
    known = _folded_names(tuple(provinces or ()))
    if place and (not known or fold(place) in known):
        return known.get(fold(place), place)
    counts = Counter(m.group("p") for m in _PROVINCE_MENTION.finditer(text))
    for name, _ in counts.most_common():
        for k in range(len(name.split()), 0, -1):
            candidate = " ".join(name.split()[:k])
            if not known or fold(candidate) in known:
                return known.get(fold(candidate), candidate)
    return None


@lru_cache(maxsize=8)
def _folded_names(names: tuple[str, ...]) -> dict[str, str]:
    """Folded name → name; every document is read against the same list of provinces.
    (Callers only read the dict.)"""
    return {fold(p): p for p in names}


def _issuer(text: str, province: str | None) -> tuple[str | None, str | None]:
    m = _ISSUER_CAPS.search(text[:3000])
    if m:
        name = _sentence_case(re.sub(r"\s+", " ", m.group("b")).strip())
        name = re.sub(r"^Ubnd\b", "Ủy ban nhân dân", name)
        return name, _level(name)
    m = _SELF_REPORTING.search(text[:5000])
    if m:
        name = re.sub(r"\s+", " ", m.group("b")).strip()
        name = re.sub(r"^(?:Ủy|Uỷ) ban nhân dân", "Ủy ban nhân dân", name)
        level = _level(name) or "tỉnh"
        if province and fold(province) not in fold(name):
            name = f"{name} {province}" if re.search(r"(tỉnh|thành phố|huyện)$", name) else name
        return _expand(name), level
    sig = _SIGNATURE_ROLE.search(text[-3000:])
    if sig and "NHÂN DÂN" in sig.group("role") and province:
        return f"Ủy ban nhân dân tỉnh {province}", "tỉnh"
    return None, None


def _expand(name: str) -> str:
    return re.sub(r"^UBND\b", "Ủy ban nhân dân", name)


# Level words (folded) in the order they are looked for, each compiled once: a pattern built
# per call went through `re`'s cache for every word of every document.
_LEVELS = tuple(
    (re.compile(rf"\b{folded}\b"), level)
    for folded, level in (
        ("thanh pho", "thành phố"), ("tinh", "tỉnh"), ("huyen", "huyện"), ("quan", "quận"),
        ("thi xa", "thị xã"), ("xa", "xã"), ("phuong", "phường"),
    )
)


def _level(name: str) -> str | None:
    f = fold(name)
    for rx, level in _LEVELS:
        if rx.search(f):
            return level
    if "tinh uy" in f:
        return "tỉnh"
    return None


_PLACE_WORD = re.compile(r"\b(?:tỉnh|thành phố|huyện|ủy|uỷ|xã|phường)\s+(?!ủy|uỷ)")


def _sentence_case(caps: str) -> str:
    """"TỈNH ỦY CAO BẰNG" → "Tỉnh ủy Cao Bằng" (place names keep their capitals)."""
    s = caps.lower().capitalize()
    m = _PLACE_WORD.search(s[1:])
    if m:
        cut = 1 + m.end()
        s = s[:cut] + s[cut:].title()
    return s


# _PERSON from the line break before its line: `re` finds "\n" in C, where the "^" made it
# try the pattern at every character of the tail.
_PERSON_NL = after_newline(_PERSON)


# The patterns below are compiled once: called through re.match/re.sub/re.search they were
# looked up in re's cache on every call, a few times per document.
_NOT_A_SIGNER = re.compile(r"(Nơi|Lưu|Kính|Các|Như|Ban|Sở|Công|Ủy|Uỷ|Tỉnh|Thành|Huyện|Đảng|Văn|Báo|Đài)\b")
_TITLE_STOP = re.compile(r"(Căn cứ|Thực hiện|Để|Theo|Kính gửi|Năm \d{4}|I\.|-{3,}|_{3,})")
_SPACES = re.compile(r"\s+")
_FROM_PERIOD = re.compile(r"\((?:Từ|từ)\s+[^)]*\)")
_TITLE_PERIOD = re.compile(
    r"giai đoạn (?:19|20)\d{2}\s*-\s*(?:19|20)\d{2}|(?:\d{1,2} tháng (?:đầu )?)?năm (?:19|20)\d{2}"
)


def _signer(text: str) -> str | None:
    tail = text[-2500:]
    names = [m.group("name") for m in line_start_matches(_PERSON, _PERSON_NL, tail)]
    names = [n for n in names if not _NOT_A_SIGNER.match(n)]
    return names[-1] if names else None


def _title(text: str, doc_type: str | None) -> str | None:
    lines = text[:6000].splitlines()
    m = _VV_TITLE.search(text, 0, 3000)
    if m:
        return _join(m.group("t"))
    for i, line in enumerate(lines):
        stripped = line.strip(" \t#*")
        if stripped and stripped.isupper() and fold(stripped) in _TYPE_LINES:
            collected: list[str] = []
            for nxt in lines[i + 1 : i + 12]:
                s = nxt.strip(" \t#*")
                if not s:
                    continue
                if _TITLE_STOP.match(s) or len(collected) >= 4:
                    break
                if collected and (len(s) > 160 or s.endswith((".", ":", ";"))):
                    break  # a sentence of the body, not a title line
                if collected and s.isupper():
                    break  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …" opens the body of a decision
                collected.append(s)
            if collected:
                return _join(" ".join(collected))
    return None


def _join(s: str) -> str:
    return _SPACES.sub(" ", s.replace("*", "")).strip(" -")


def _period(title: str) -> str | None:
    m = _FROM_PERIOD.search(title)
    if m:
        return m.group(0).strip("()")
    m = _TITLE_PERIOD.search(title)
    return m.group(0) if m else None
