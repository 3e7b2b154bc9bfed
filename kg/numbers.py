"""Vietnamese numbers and the quantities they express, and the numbers that are *not* quantities.

Vietnamese writes "." as the thousands separator and "," as the decimal comma: "1.062" is
1062, "9,06kg" is 9.06 kg, "4.037.390.000 đồng" is four billion. Reports are full of digits
that are not amounts: dates ("22/10/2010", "tháng 11", "năm 2024", "2016 - 2020"),
notations ("4321/KH-UBND", "52-CT/TW"), footnote markers glued to words ("tôn giáo1."),
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
from functools import lru_cache
from typing import NamedTuple

from kg.structure import make_view


class Quantity(NamedTuple):
    """An amount in a text. ``start``/``end``/``text`` cover qualifier, number and unit.

    A named tuple (immutable, compared by value): a report holds thousands of numbers, and a
    frozen dataclass cost several times more to build, field by field."""

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


@lru_cache(maxsize=8192)
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

# a letter, Vietnamese included (superscript digits are "word" characters to `re` but mark
# footnotes, and a decomposed accent is a letter's part)
_L = r"(?:[^\W\d_⁰¹²³⁴⁵⁶⁷⁸⁹]|[\u0300-\u036f])"
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
    # common nouns of two syllables whose first syllable is no noun of its own ("cơ", "ô")
    "cơ quan", "công đoàn", "công trình", "công ty", "ô tô", "xe máy", "lựu đạn", "vũ khí",
    "vật liệu nổ", "lao động", "hoạt động", "chuyên mục", "chuyên đề", "cam kết", "phương án",
    "hình ảnh", "bài viết", "bài báo", "lái xe", "tài xế", "gia đình", "trường học", "nhà trường",
    "điểm trường", "bệnh viện", "trạm y tế", "công an xã", "khu dân cư", "tổ hòa giải",
    "hòa giải viên", "tuyên truyền viên", "báo cáo viên", "chiến dịch", "phiên tòa", "phiên tòa xét xử",
    "bản án", "quyết định", "biên bản", "thủ tục", "công văn", "tổ công tác", "tổ tự quản",
    "câu lạc bộ", "người nghiện", "người sử dụng", "người lao động", "cây thuốc phiện",
    "cửa khẩu", "tiêu chí", "công nhân", "công chức", "viên chức", "nhân viên", "tác phẩm",
    "sản phẩm", "tuyến đường", "thôn bản", "bản tin", "video clip", "tập thể", "tổ dân phố",
)
# Words right after a number that cannot be its unit (function words, verbs).
_NOT_UNIT = frozenset(
    ["và", "với", "của", "trong", "so", "là", "được", "bị", "đã", "đang", "sẽ", "tại", "cho", "để", "do", "theo", "từ", "đến", "tới", "trên", "dưới", "hơn", "khoảng", "gần", "ở", "về", "nhưng", "thì", "mà", "hoặc", "hay", "các", "những", "này", "đó", "có", "không", "tăng", "giảm", "đạt", "chiếm", "bằng", "như", "tương"]
)
_SCALE_WORDS = {"nghìn": 1e3, "ngàn": 1e3, "vạn": 1e4, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
# Units that are time spans: "10 tháng", "5 năm" are periods, not amounts.
TIME_UNITS = frozenset({"giờ", "phút", "giây", "ngày", "tuần", "tháng", "năm", "quý", "h"})

# --------------------------------------------------------------------------------------------
# Numbers and their context
# --------------------------------------------------------------------------------------------

# Starts with a digit (a character set, which `re` scans for fast) and then looks back at
# what precedes that digit; a leading look-ahead would be tried at every position.
_NUMBER_PLAIN = re.compile(
    r"\d(?<![\w.,/\-–\[]\d)(?P<a>\d*(?:[.,]\d+)*)(?P<rest>(?:/\d+(?:[.,]\d+)*)*)(?![\d])"
)
# _NUMBER_PLAIN without the numbers that what follows them rules out (dates "d/m/y",
# notations "49/2020/NĐ-CP", "4321/KH-UBND", "52-CT/TW", markers "(1)", "[1]", clock times
# "8h30"): checks that scan made in Python on every number, as look-aheads, so that `re`
# drops them in C; about half the numbers of a report are such. The number's
# parts are atomic groups: a rejected number is not matched again shorter ("0,6" of "0,68-x").
# (Atomic groups, not the possessive quantifiers "*+" that say the same: before Python 3.11.5
# a possessive repeat of a group that backtracks inside could match wrongly, gh-106052, and
# Debian 12's 3.11.2 has that bug; tests/test_patterns.py keeps possessives out of kg.)
# A match of _NUMBER_PLAIN never backtracks and no digit inside it can start another match,
# so this finds exactly the numbers _NUMBER_PLAIN finds minus those the checks reject
# (tests/test_numbers.py compares the two).
_NOT_AFTER_NUMBER = (
    r"[/)\]]"  # "4321/KH", "(1)", "[1]"
    r"|[-–](?:[ ]?[A-ZĐ]|[ ]?\d{4}(?!\d)|[^\W_])"  # "48-CT", "2016-2020", "19-x"
    r"|[ ](?:[-/–][ ]?[A-ZĐ]|[-–][ ]\d{4}(?!\d))"  # "12 /KH", "2016 - 2020"
    r"|(?i:h|giờ|:)[ ]?\d{2}(?!\d)"  # clock times
)
_NUMBER = re.compile(
    r"\d(?<![\w.,/\-–\[]\d)(?P<a>(?>\d*)(?>(?:[.,]\d+)*))(?!(?:/\d+(?:[.,]\d+)*){2})"
    rf"(?P<rest>(?>(?:/\d+(?>(?:[.,]\d+)*))*))(?![\d])(?!{_NOT_AFTER_NUMBER})"
)
# _NUMBER without the numbers right after "ngày ", "tháng " or "năm " (any case) standing as
# a word of their own, which scan drops by the words before them (_skip_by_words: a day, a
# month, a year), here in C: in reports they are most of the numbers, and splitting off
# the words before each one cost more than the rest of the checks. (Each look-behind asks
# for a whole word that lower-cases to one of _TIME_HEADS, so only numbers scan would drop
# are dropped; no match of _NUMBER starts after a digit, so the rest of a dropped number
# starts none either. tests/test_numbers.py checks that scan finds the same either way.)
_AFTER_DATE_WORD = r"(?<![\s(“\"][nN][gG][àÀ][yY] \d)(?<![\s(“\"][tT][hH][áÁ][nN][gG] \d)(?<![\s(“\"][nN][ăĂ][mM] \d)"
# Nor the labels "2. Xác định …" and the numbers ending a sentence ("… là 5. Tiếp"), which
# _skip_by_shape drops (a "." then a space and a capital or a digit, or the end of the text),
# as far as a look-ahead can say it: capitals A-Z and Đ (most labels), digits 0-9.
_LABEL_AFTER = r"(?!\.(?: ?\Z| [A-ZĐ0-9]))"
_NUMBER_SCAN = re.compile(
    _NUMBER.pattern.replace(r"\d(?<![\w.,/\-–\[]\d)", r"\d(?<![\w.,/\-–\[]\d)" + _AFTER_DATE_WORD, 1) + _LABEL_AFTER
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


_NOTATION_TAIL = re.compile(r"[ ]?[-/–][ ]?[A-ZĐ]|[-–][ ]?\d{4}(?!\d)|[ ][-–][ ]\d{4}(?!\d)")
_CLOCK_TAIL = re.compile(r"(?:h|giờ|:)[ ]?\d{2}(?!\d)", re.IGNORECASE)
_GLUED_CODE = re.compile(rf"{_L}")


# Unit lookup: physical and money units by pattern (short), count nouns by dictionary on the
# words that follow (a 200-way alternation in `re` is tried branch by branch).
_PHYS_AT = re.compile(rf"[ ]?(?P<u>{_PHYSICAL})(?!{_L})", re.IGNORECASE)
_MONEY_AT = re.compile(rf"[ ]?(?P<u>{_SCALE}(?: {_SCALE})?(?: {_CURRENCY})?|{_CURRENCY})(?!{_L})", re.IGNORECASE)
_WORDS_AT = re.compile(rf"[ ](?P<w>{_L}+)(?:[ ]({_L}+))?(?:[ ]({_L}+))?(?:[ ]({_L}+))?")
# _WORDS_AT without the combining accents of a decomposed text (NFC text has none): runs of
# one character set, which `re` matches several times faster than _L's alternation; used
# where neither the words nor what follows them hold such an accent (then both match alike;
# tests/test_numbers.py compares them).
_LN = r"[^\W\d_⁰¹²³⁴⁵⁶⁷⁸⁹]"
_WORDS_AT_NFC = re.compile(rf"[ ](?P<w>{_LN}+)(?:[ ]({_LN}+))?(?:[ ]({_LN}+))?(?:[ ]({_LN}+))?")
_ACCENT_NEXT = re.compile(" *[\u0300-\u036f]")


def _words_at(vt: str, pos: int) -> re.Match[str] | None:
    """``_WORDS_AT.match(vt, pos)``, by the faster pattern where it gives the same match."""
    m = _WORDS_AT_NFC.match(vt, pos)
    if _ACCENT_NEXT.match(vt, pos if m is None else m.end()):
        return _WORDS_AT.match(vt, pos)
    return m
_COUNT_SET = frozenset(COUNT_UNITS)
_COUNT_MAX = max(len(u.split()) for u in COUNT_UNITS)


def _count_lengths() -> dict[str, tuple[int, ...]]:
    """First word of a count noun → the numbers of words of the count nouns it opens, longest
    first ("lượt" → (2,)): the words after a number are looked up only at those lengths."""
    out: dict[str, set[int]] = {}
    for u in COUNT_UNITS:
        words = u.split()
        out.setdefault(words[0], set()).add(len(words))
    return {w: tuple(sorted(ns, reverse=True)) for w, ns in out.items()}


_COUNT_LENGTHS = _count_lengths()


@lru_cache(maxsize=8192)
def _lower_words(words: str) -> str:
    """The words in lower case, word by word; cached: the words after numbers repeat."""
    return " ".join(w.lower() for w in words.split(" "))


def _unit_at(vt: str, pos: int) -> tuple[str | None, int]:
    """The unit right after a number ("kg", "tỷ đồng", "lượt người", "vụ"), and its end."""
    c = vt[pos : pos + 1]
    if not c or (c != " " and c != "%" and not c.isalpha() and c not in "²"):
        return None, pos
    m = _PHYS_AT.match(vt, pos)
    if m:
        return m.group("u").replace("²", "2"), m.end()
    wm = _words_at(vt, pos)
    if wm:
        # the first n words are one space apart: their phrase is a slice of the text; only
        # the lengths of the count nouns that open with the first word can match
        first = wm.start() + 1
        top = min(_COUNT_MAX, wm.lastindex or 1)
        for n in _COUNT_LENGTHS.get(wm.group("w").lower(), ()):
            if n > top:
                continue
            end = wm.end(n)
            phrase = _lower_words(vt[first:end])
            if phrase in _COUNT_SET:
                return phrase, end
    m = _MONEY_AT.match(vt, pos)
    if m:
        u = m.group("u")
        if u == "Đ" or (u[-1] in "Đđ" and vt[m.end() : m.end() + 1].isalnum()):
            return None, pos  # "924Đ": a code ("chuyên án 924Đ"), not an amount of đồng
        return ("đồng" if u.lower() == "đ" else u), m.end()
    if wm:
        w = wm.group("w")
        if w.islower() and w not in _NOT_UNIT:
            return w, wm.start("w") + len(w)
    return None, pos


def _tails(before: str) -> list[str]:
    """The last one, two and three words before a number, lower-cased (longest last); only
    the last one when no phrase the scanner looks for ends with it (most numbers)."""
    ws = before.replace("(", " ").replace("“", " ").replace('"', " ").rsplit(None, 4)
    if not ws:
        return []
    last = ws[-1]
    if last in (":", "."):
        ws.pop()
        if not ws:
            return []
    elif last.endswith((":", ".")):
        ws[-1] = last[:-1]
    low = ws[-1].lower()
    if low not in _TAIL_LAST:
        return [low]
    ws = [w.lower() for w in ws[-3:]]
    if len(ws) == 3:
        return [ws[2], f"{ws[1]} {ws[2]}", f"{ws[0]} {ws[1]} {ws[2]}"]
    if len(ws) == 2:
        return [ws[1], f"{ws[0]} {ws[1]}"]
    return ws


def _is_year(a: str) -> bool:
    return len(a) == 4 and a.isdigit() and 1900 <= int(a) <= 2100


_TAIL_LAST = frozenset(p.split()[-1] for p in _ID_HEADS | _TIME_HEADS | _QUALIFIERS | _TOTALS)
_TIME_SPANS = TIME_UNITS - {"ngày", "giờ", "phút", "giây", "h"}


def _skip_by_shape(vt: str, s: int, e: int, a: str) -> bool:
    """True when the characters around the number at vt[s:e] make it a label, a code or a
    phone number (what follows it is checked by _NUMBER already): tried before the words
    before it are split off, which most numbers ruled out then need not be."""
    if vt[e : e + 1] == ".":
        after = vt[e + 1 : e + 3]
        if after[:1] in ("", " ") and (after[1:2].isupper() or after[1:2].isdigit() or not after[1:2]):
            return True  # a label "2. " or a sentence ending in a number
    before_last = vt[s - 1 : s]
    if before_last in ("-", "–") and vt[s - 2 : s - 1].isalpha():
        return True
    if a[:1] == "0" and len(a) >= 7:
        digits = a.replace(".", "").replace(",", "").replace(" ", "")
        return len(digits) >= 7  # phone numbers: a long run starting with 0 ("0213.3876.543")
    return False


def _skip_by_words(vt: str, s: int, tails: list[str]) -> bool:
    """True when the words before the number at ``s`` (``tails``, see :func:`_tails`) make it
    a date or an identifier ("ngày 12", "số 15", "Đề án 06")."""
    if not tails:
        return False
    if vt[s - 1 : s] == " " and tails[0] in _TIME_HEADS:
        return True
    return not _ID_HEADS.isdisjoint(tails) and not (len(tails) > 1 and tails[1] in _TOTALS)


def scan(vt: str) -> list[Quantity]:
    """Quantities in an already cleaned text (offsets into ``vt``)."""
    out: list[Quantity] = []
    for m in _NUMBER_SCAN.finditer(vt):
        s, e = m.start(), m.end()
        a, rest = vt[s : m.end("a")], m.group("rest")
        if _skip_by_shape(vt, s, e, a):
            continue
        before = vt[max(0, s - 40) : s]
        tails = _tails(before) if before.endswith((" ", ":")) else []
        if _skip_by_words(vt, s, tails):
            continue
        value = parse_number(a)
        if value is None:
            continue  # "2.1.3", "1.1"
        unit, ue = _unit_at(vt, e)
        scale = 1.0
        if unit is not None and unit.lower() in _SCALE_WORDS:
            # "121 nghìn người": a scale word with a count noun after it multiplies the count
            unit2, ue2 = _unit_at(vt, ue)
            if unit2 is not None and unit2.lower() not in _SCALE_WORDS and unit2 not in TIME_UNITS:
                scale, unit, ue = _SCALE_WORDS[unit.lower()], unit2, ue2
        den = None
        if rest:
            b = rest[1:]
            if _is_year(b) or (len(b) == 4 and not a.replace(".", "").isdigit()):
                continue
            den = parse_number(b)
            if den is None or unit is None:
                continue  # "26/6" with no unit after it is a day
        if unit is None:
            if _is_year(a) or vt[e : e + 1].isalpha():
                continue  # a year; a code with a letter glued on ("923P", "3G")
        else:
            lu = unit.lower()
            if lu == "tuổi" or lu in _TIME_SPANS:
                continue  # an age; "10 tháng", "05 năm": a period
            if not rest and _is_year(a) and (lu in TIME_UNITS or lu == "tỉnh"):
                continue
        qs = s
        qualifier = None
        if tails and vt[s - 1 : s] == " ":
            for t in reversed(tails[:2]):
                if t in _QUALIFIERS and vt[s - 1 - len(t) : s - 1].lower() == t:
                    qualifier, qs = t, s - 1 - len(t)
                    break
        end = ue if unit else e
        out.append(Quantity(value * scale, qs, end, vt[qs:end], qualifier, den, unit, s))
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
