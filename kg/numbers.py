"""Vietnamese numbers and the quantities they express, and the numbers that are *not* quantities.

Vietnamese writes "." as the thousands separator and "," as the decimal comma: "1.062" is
1062, "9,06kg" is 9.06 kg, "4.037.390.000 đồng" is four billion. Reports are full of digits
that are not amounts: dates ("22/10/2010", "tháng 11", "năm 2024", "2016 - 2020"),
notations ("3086/KH-UBND", "48-CT/TW"), footnote markers glued to words ("tôn giáo1."),
section numbers ("2.1.3."), ages in crime names ("người dưới 16 tuổi"), names that carry a
number ("Ban Chỉ đạo 138", "Đề án 06", "Covid-19", "chuyên án 923P", "lần thứ 2"), phone
numbers and clock times. :func:`find_quantities` keeps only the amounts, each with its
qualifier ("hơn", "khoảng" …), a denominator for ratios ("142/158 vụ") and the unit word
that follows it.

The scanner works on a cleaned view (see :mod:`kg.structure`) so a quantity split over a
hard line break ("26 buổi tuyên\\n\\ntruyền") reads as one, and maps spans back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.structure import make_view


@dataclass(frozen=True)
class Quantity:
    """An amount in a text. ``start``/``end``/``text`` cover qualifier, number and unit."""

    value: float
    start: int
    end: int
    text: str
    qualifier: str | None
    denominator: float | None
    unit: str | None = None
    number_start: int | None = None  # where the digits begin (after the qualifier)


_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+(?:,\d+)?")
_DECIMAL_POINT = re.compile(r"\d+\.\d{1,2}")


def parse_number(s: str) -> float | None:
    """"1.062" → 1062, "9,06" → 9.06, "4.037.390.000" → 4037390000, "01" → 1.

    A single "." followed by one or two digits is read as a decimal point ("1.5"), the
    only reading that makes sense for it; anything else ("2.1.3", "1,2,3") is not a number.
    """
    s = s.strip()
    if _THOUSANDS.fullmatch(s):
        return float(s.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(s):
        return float(s.replace(",", "."))
    if _DECIMAL_POINT.fullmatch(s):
        return float(s)
    return None


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

_L = r"[^\W\d_]"  # a letter, Vietnamese included
_SCALE = r"(?:nghìn|ngàn|triệu|tỷ|tỉ|vạn)"
_CURRENCY = r"(?:đồng|VNĐ|VND|USD|NDT|đ)"
_PHYSICAL = r"(?:%|kg|mg|gam|gr|g|tấn|tạ|km2|km²|km|m2|m²|m3|m|ha|cm|lít|ml)"

# Count nouns that take more than one syllable (longest first wins).
COUNT_UNITS = (
    "lượt người", "lượt khách", "lượt cơ sở", "lượt phương tiện", "lượt xe", "lượt đối tượng",
    "lượt hộ", "lượt học sinh", "lượt cán bộ", "đối tượng", "bị can", "bị cáo", "phạm nhân",
    "học viên", "bệnh nhân", "nạn nhân", "trường hợp", "vụ án", "vụ việc", "tin bài",
    "phóng sự", "hồ sơ", "cơ sở", "tổ dân phố", "khẩu súng", "ngôi nhà", "căn nhà", "hòm thư",
    "mô hình", "đảng viên", "đoàn viên", "hội viên", "thành viên", "cán bộ", "chiến sĩ",
    "công dân", "hộ gia đình", "thị trấn", "thành phố", "thị xã", "địa bàn", "tài khoản",
    "tài liệu", "ấn phẩm", "đề cương", "tờ gấp", "tờ rơi", "băng rôn", "khẩu hiệu", "pa nô",
    "hội nghị", "chuyên án", "đường dây", "ổ nhóm", "băng nhóm", "phương tiện", "xe mô tô",
    "xe ô tô", "tập thể", "cá nhân", "đồng chí", "văn bản", "kế hoạch", "thanh niên",
    "ngày công", "doanh nghiệp", "cửa hàng", "học sinh", "giáo viên", "sinh viên", "đại biểu",
    "người dân", "quốc tịch", "tổ chức", "bản tin", "chương trình", "lớp tập huấn",
    "tin báo", "tố giác", "nhân khẩu", "giấy phép", "giấy chứng nhận", "máy tính", "tôn giáo",
    "dân tộc", "mục tiêu", "đơn vị", "dữ liệu", "thông tin", "trang thông tin", "nhóm", "lượt tuần tra",
)
# Words right after a number that cannot be its unit (function words, verbs).
_NOT_UNIT = frozenset(
    ["và", "với", "của", "trong", "so", "là", "được", "bị", "đã", "đang", "sẽ", "tại", "cho", "để", "do", "theo", "từ", "đến", "tới", "trên", "dưới", "hơn", "khoảng", "gần", "ở", "về", "nhưng", "thì", "mà", "hoặc", "hay", "các", "những", "này", "đó", "có", "không", "tăng", "giảm", "đạt", "chiếm", "bằng", "như", "tương"]
)
# Units that are time spans: "10 tháng", "5 năm" are periods, not amounts.
TIME_UNITS = frozenset({"giờ", "phút", "giây", "ngày", "tuần", "tháng", "năm", "quý", "h"})

_COUNT_ALT = "|".join(sorted((re.escape(u) for u in COUNT_UNITS), key=len, reverse=True))
_UNIT = re.compile(
    rf"[ ]?(?P<phys>{_PHYSICAL})(?!{_L})"
    rf"|[ ](?P<count>{_COUNT_ALT})(?!{_L})"
    rf"|[ ]?(?P<money>{_SCALE}(?: {_SCALE})?(?: {_CURRENCY})?|{_CURRENCY})(?!{_L})"
    rf"|[ ](?P<word>{_L}+)",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------------------------
# Numbers and their context
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?=\d)(?<![\w.,/\-–\[])(?P<a>\d+(?:[.,]\d+)*)(?P<rest>(?:/\d+(?:[.,]\d+)*)*)(?![\d])"
)
# A number named by the word(s) before it is an identifier, not an amount.
_ID_HEADS = frozenset(
    [
        "số", "thứ", "khóa", "khoá", "đề án", "chương trình", "ban chỉ đạo", "bcđ", "chuyên án",
        "dự án", "kế hoạch", "chỉ thị", "nghị quyết", "nghị định", "quyết định", "thông tư",
        "công văn", "công điện", "luật", "điều", "khoản", "điểm", "mục", "phần", "chương",
        "phụ lục", "quốc lộ", "tỉnh lộ", "đường", "tổ", "khu", "phường", "quận", "lô", "đội",
        "trạm", "tiểu khu", "bản", "thôn", "xóm", "covid", "sn", "mã", "mã số", "biển số", "bks",
        "kiểu", "cấp độ", "hạng", "nhóm", "lớp", "phòng", "sư đoàn", "trung đoàn", "tiểu đoàn",
        "đại đội", "cụm", "vùng", "hộp thư", "điện thoại", "đt", "sđt", "fax", "hotline",
        "đường dây nóng", "tuổi", "lúc", "vào lúc",
    ]
)
_TOTALS = frozenset(["tổng số", "với số", "có số"])
_TIME_HEADS = frozenset(
    ["ngày", "tháng", "năm", "quý", "tuần", "niên vụ", "giai đoạn", "từ", "đến", "tới", "sáng",
     "chiều", "tối", "đêm", "hôm"]
)
_QUALIFIERS = frozenset(
    ["khoảng trên", "khoảng hơn", "khoảng gần", "gần như", "trên dưới", "xấp xỉ", "ít nhất",
     "tối thiểu", "tối đa", "ước tính", "ước khoảng", "khoảng", "hơn", "trên", "gần", "dưới",
     "ước", "hàng"]
)


def _tail_phrases(before: str) -> list[str]:
    """The last one, two and three words before a number, lower-cased (longest last)."""
    ws = before[-40:].replace("(", " ").replace("“", " ").replace('"', " ").split()
    if not ws:
        return []
    if ws[-1] in (":", "."):
        ws = ws[:-1]
    elif ws[-1].endswith((":", ".")):
        ws[-1] = ws[-1][:-1]
    ws = [w.lower() for w in ws[-3:]]
    return [" ".join(ws[-k:]) for k in range(1, len(ws) + 1)]


_NOTATION_TAIL = re.compile(r"[ ]?[-/–][ ]?[A-ZĐ]|[-–][ ]?\d{4}(?!\d)|[ ][-–][ ]\d{4}(?!\d)")
_CLOCK_TAIL = re.compile(r"(?:h|giờ|:)[ ]?\d{2}(?!\d)", re.IGNORECASE)
_GLUED_CODE = re.compile(rf"{_L}")


def _is_year(a: str) -> bool:
    return len(a) == 4 and a.isdigit() and 1900 <= int(a) <= 2100


def _unit_at(vt: str, pos: int) -> tuple[str | None, int]:
    """The unit right after a number ("kg", "tỷ đồng", "lượt người", "vụ"), and its end."""
    m = _UNIT.match(vt, pos)
    if not m:
        return None, pos
    if m.group("phys"):
        return m.group("phys").replace("²", "2"), m.end()
    if m.group("money"):
        u = m.group("money")
        return ("đồng" if u.lower() == "đ" else u), m.end()
    if m.group("count"):
        return m.group("count").lower(), m.end()
    w = m.group("word")
    if w.islower() and w.lower() not in _NOT_UNIT:
        return w, m.end()
    if w.isupper() and len(w) >= 2 and vt[m.start()] == " ":
        return None, pos  # "BCĐ 138 TỈNH", "35 MTTH" is handled by the caller's noun phrase
    return None, pos


def _skip(vt: str, s: int, e: int, a: str, rest: str, unit: str | None) -> bool:
    """True when the number at vt[s:e] is a date, notation, marker, label or identifier."""
    before = vt[max(0, s - 30) : s]
    after = vt[e : e + 12]
    parts = [a] + [p for p in rest.split("/") if p]
    # dates d/m/y, m/yyyy; notations 3086/KH-UBND, 48-CT/TW, 49/2020/NĐ-CP
    if len(parts) >= 3:
        return True
    if _NOTATION_TAIL.match(after):
        return True
    if after[:1] == "/" or (after[:1] == "-" and after[1:2].isalnum()):
        return True
    tails = _tail_phrases(before) if before.endswith((" ", ":")) else []
    if before.endswith(" ") and tails and tails[0] in _TIME_HEADS:
        return True
    if len(parts) == 2:
        b = parts[1]
        if _is_year(b) or (len(b) == 4 and not a.replace(".", "").isdigit()):
            return True
        if parse_number(a) is None or parse_number(b) is None:
            return True
        if unit is None:
            return True  # "26/6" with no unit after it is a day
    if parse_number(a) is None:
        return True  # "2.1.3", "1.1"
    if _is_year(a) and not rest and (unit is None or unit in TIME_UNITS or unit.lower() == "tỉnh"):
        return True
    # a letter glued after the digits: a code ("923P", "3G") unless it is a unit ("9,06kg")
    if after[:1].isalpha() and unit is None:
        return True
    # footnote markers and list labels: "(1)", "[1]", "1.", "a)" style "1)"
    if before.endswith(("(", "[")) and after[:1] in (")", "]"):
        return True
    if after[:1] == ")" or (after[:2] in (". ", ".") and (after[2:3].isupper() or after[2:3].isdigit() or not after[2:3])):
        return True
    if _CLOCK_TAIL.match(after):
        return True
    if before.endswith(("-", "–")) and before[-2:-1].isalpha():
        return True
    if any(t in _ID_HEADS for t in tails) and not (len(tails) > 1 and tails[1] in _TOTALS):
        return True
    digits = a.replace(".", "").replace(",", "").replace(" ", "")
    # phone numbers: a long run starting with 0 ("0213.3876.543")
    return digits.startswith("0") and len(digits) >= 7


def scan(vt: str) -> list[Quantity]:
    """Quantities in an already cleaned text (offsets into ``vt``)."""
    out: list[Quantity] = []
    for m in _NUMBER.finditer(vt):
        s, e = m.start(), m.end()
        a, rest = m.group("a"), m.group("rest")
        unit, ue = _unit_at(vt, e)
        if _skip(vt, s, e, a, rest, unit):
            continue
        value = parse_number(a)
        if value is None:
            continue
        den = parse_number(rest[1:]) if rest else None
        if unit is not None and unit.lower() in ("tuổi",):
            continue
        if unit is not None and unit.lower() in TIME_UNITS - {"ngày", "giờ", "phút", "giây", "h"}:
            continue  # "10 tháng", "05 năm": a period
        qs = s
        qualifier = None
        if s and vt[s - 1] == " ":
            for t in reversed(_tail_phrases(vt[max(0, s - 20) : s])[:2]):
                if t in _QUALIFIERS and vt[s - 1 - len(t) : s - 1].lower() == t:
                    qualifier, qs = t, s - 1 - len(t)
                    break
        end = ue if unit else e
        out.append(Quantity(value, qs, end, vt[qs:end], qualifier, den, unit, s))
    return out


def find_quantities(text: str) -> list[Quantity]:
    """Quantities in ``text`` with spans into ``text`` (line breaks inside are fine)."""
    v = make_view(text)
    out = []
    for q in scan(v.text):
        s, e = v.orig_span(q.start, q.end)
        ns = v.orig(q.number_start) if q.number_start is not None else s
        out.append(Quantity(q.value, s, e, text[s:e], q.qualifier, q.denominator, q.unit, ns))
    return out
