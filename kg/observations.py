"""Quantitative outcomes ("đã phát hiện 313 vụ, 383 đối tượng") as :class:`Observation`.

A report states results as *number + unit word + noun phrase*, inside a clause whose verb
says what was done ("bắt 07 đối tượng", "thu giữ 9,06kg heroin"), often followed by a
comparison ("(so với cùng kỳ năm 2019 giảm 32 vụ = 16,75%)"). So an observation is:

- the value and unit from :func:`kg.numbers.scan`;
- a *measure*: unit + the noun phrase after it ("vụ phạm pháp hình sự", "kg heroin"), or,
  when nothing follows, unit + the verb before it turned passive ("đối tượng bị bắt"), or the
  label before it ("Trộm cắp tài sản 47 vụ" → "vụ trộm cắp tài sản"); normalised against
  the SKOS scheme in ``data/reference/measures.ttl`` (:class:`MeasureScheme`);
- a *period*: the nearest period phrase in the sentence, else earlier in the section, else
  in the document title — skipping the comparison period ("so với cùng kỳ năm 2019");
- changes ("giảm 32 vụ = 16,75%") attached to the observation they qualify, not reported as
  observations of their own;
- evidence: the sentence, or the ";"-clause holding the number when the sentence is long
  (≤ 300 characters), as an exact slice of the original text.

Footnotes are read as their own regions (their sentences do not run into the body).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.iri import BASE, fold, measure
from kg.model import Evidence, Observation
from kg.numbers import TIME_UNITS, Quantity, scan
from kg.structure import (
    View,
    find_footnotes,
    layout,
    make_view,
    segment_view,
    view_index,
    view_sentences,
)

MEASURES_TTL = Path(__file__).resolve().parent.parent / "data" / "reference" / "measures.ttl"
MAX_EVIDENCE = 300

# --------------------------------------------------------------------------------------------
# The measure scheme
# --------------------------------------------------------------------------------------------

_SUBJECT = re.compile(r"(?m)^<([^>]+)> a skos:Concept")
_LABEL = re.compile(r'skos:(prefLabel|altLabel) "([^"]*)"@vi')
_NON_WORD = re.compile(r"[^\w%]+")


def measure_key(label: str) -> str:
    """Lookup key of a measure label: accent-folded, punctuation-free, so "ma tuý"/"ma túy"
    and "tin, bài"/"tin bài" meet."""
    return " ".join(_NON_WORD.sub(" ", fold(label)).split())


@dataclass
class MeasureScheme:
    """The SKOS scheme of measures; unseen labels become new concepts (``added``)."""

    pref: dict[str, str] = field(default_factory=dict)  # key → prefLabel
    alts: dict[str, list[str]] = field(default_factory=dict)  # prefLabel → altLabels
    added: list[str] = field(default_factory=list)
    memo: dict[str, str] = field(default_factory=dict, repr=False)  # raw label → prefLabel

    @classmethod
    def load(cls, path: Path = MEASURES_TTL) -> MeasureScheme:
        scheme = cls()
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        blocks = _SUBJECT.split(text)[1:]
        for i in range(0, len(blocks) - 1, 2):
            labels = _LABEL.findall(blocks[i + 1])
            prefs = [v for k, v in labels if k == "prefLabel"]
            if not prefs:
                continue
            scheme._add(prefs[0], [v for k, v in labels if k == "altLabel"])
        return scheme

    def _add(self, pref: str, alts: list[str]) -> None:
        self.alts[pref] = list(alts)
        for lab in [pref, *alts]:
            self.pref.setdefault(measure_key(lab), pref)

    def resolve(self, label: str) -> str:
        """The concept's prefLabel for a phrasing; an unseen phrasing becomes a new concept."""
        key = measure_key(label)
        found = self.pref.get(key)
        if found:
            return found
        # self._add(label, []) with the key computed above (it would fold the label again)
        self.alts[label] = []
        self.pref.setdefault(key, label)
        self.added.append(label)
        return label

    def iri(self, label: str) -> str:
        return measure(self.resolve(label))

    def to_turtle(self) -> str:
        """The scheme (with any concepts added since loading) as Turtle, for saving or loading
        into the graph."""
        scheme = f"{BASE}measure/scheme"
        out = [
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
            "",
            f"<{scheme}> a skos:ConceptScheme ;",
            '    skos:prefLabel "Chỉ tiêu đo kết quả"@vi .',
            "",
        ]
        for pref, alts in self.alts.items():
            lines = [f"<{measure(pref)}> a skos:Concept ;", f"    skos:inScheme <{scheme}> ;"]
            labels = [f'skos:prefLabel "{_esc(pref)}"@vi'] + [f'skos:altLabel "{_esc(a)}"@vi' for a in alts]
            lines += [f"    {lab} ;" for lab in labels[:-1]] + [f"    {labels[-1]} ."]
            out += [*lines, ""]
        return "\n".join(out)


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


@lru_cache(maxsize=1)
def default_scheme() -> MeasureScheme:
    return MeasureScheme.load()


# Domain abbreviations and spelling variants inside measure labels.
_EXPAND = {
    "mtth": "ma túy tổng hợp",
    "tngt": "tai nạn giao thông",
    "vphc": "vi phạm hành chính",
    "ttxh": "trật tự xã hội",
    "hêrôin": "heroin",
    "heroine": "heroin",
    "hê-rô-in": "heroin",
    "tuý": "túy",
    "thuý": "thúy",
    "hoá": "hóa",
    "khoá": "khóa",
    "hoà": "hòa",
    "toà": "tòa",
}


def normalise_measure(label: str, scheme: MeasureScheme | None = None) -> str:
    """Canonical measure label: lower case, abbreviations expanded, then the scheme's
    prefLabel when it knows the phrasing (a new concept otherwise)."""
    scheme = scheme or default_scheme()
    found = scheme.memo.get(label)
    if found is not None:
        return found
    out = _normalised_words(label)
    out = scheme.resolve(out) if out else out
    scheme.memo[label] = out
    return out


def _normalised_words(label: str) -> str:
    """The label lower-cased word by word (acronyms kept), abbreviations expanded, joined by
    single spaces. (Words from str.split() hold no whitespace and the expansions single
    spaces only, so collapsing whitespace runs afterwards, as this once did, changed nothing.)"""
    words = []
    for w in label.split():
        lw = w if w.isupper() and len(w) > 1 else w.lower()
        words.append(_EXPAND.get(lw.lower(), lw))
    return " ".join(words).strip(" ,;:-")


# --------------------------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------------------------

_VERBS = (
    "bắt giữ", "bắt", "khởi tố", "truy tố", "xét xử", "xử lý", "xử phạt", "phạt", "phát hiện",
    "triệt phá", "phá", "thu giữ", "thu", "tịch thu", "giải cứu", "tiếp nhận", "cai nghiện",
    "tổ chức", "xảy ra", "ghi nhận", "làm chết", "làm bị thương", "kiểm tra", "tuyên truyền",
    "vận động", "giao nộp", "thu hồi", "lập", "cấp", "tiếp cận", "hỗ trợ", "xây dựng",
    "phát hành", "biên soạn", "đăng tải", "phát sóng", "điều tra", "khám phá", "làm rõ",
    "triệu tập", "răn đe", "giáo dục", "quản lý", "đưa", "tiêu hủy", "phá nhổ", "chuyển hóa",
    "tập huấn", "ký cam kết", "trao tặng", "tặng", "khen thưởng", "giải quyết", "thụ lý",
    "xác minh", "thẩm tra", "tuần tra", "lập biên bản", "bàn giao", "ngăn chặn", "tiếp xúc",
    "đăng ký", "thu nhận", "kích hoạt", "cấp mới", "rà soát", "hòa giải", "tuyển",
    "cai nghiện bắt buộc", "đình chỉ", "tạm đình chỉ", "đình chỉ điều tra", "tạm đình chỉ điều tra",
    "đón", "tiếp đón", "giúp", "thu hút", "thu hoạch", "công nhận", "điều trị", "tuyển sinh", "mở",
    "tạm giam", "tạm giữ", "bố trí", "huy động", "cử", "phát", "in", "mời", "huấn luyện",
    "bồi dưỡng", "khảo sát", "thẩm định", "thẩm duyệt", "nghiệm thu", "phối hợp", "duy trì",
    "thành lập", "củng cố", "kiện toàn", "ban hành", "chi trả", "trợ giúp", "tư vấn", "cấp phát",
    "tước", "vận chuyển", "buôn bán", "tàng trữ", "sử dụng", "treo", "căng treo", "nhân rộng",
)
_VERB_SET = frozenset(_VERBS)
# verbs by their last word, longest first: a right-to-left scan looks up one word at a time
_VERB_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _v in sorted(_VERBS, key=lambda v: -len(v.split())):
    _VERB_BY_LAST.setdefault(_v.split()[-1], []).append(tuple(_v.split()))
_PUNITIVE = frozenset(
    {"bắt giữ", "bắt", "khởi tố", "truy tố", "xét xử", "xử lý", "xử phạt", "phạt", "triệu tập",
     "răn đe", "tịch thu", "thu giữ", "thu", "phá", "triệt phá", "tiêu hủy", "phá nhổ", "tước",
     "tạm giữ", "tạm giam"}
)
_NEUTRAL = frozenset({"xảy ra", "ghi nhận"})
# Verbs that say what a subject did, not what was done to the counted things: their passive
# would be wrong ("vận chuyển 5 kg" is the offence, not a result).
_NOT_PASSIVE = frozenset({"phối hợp", "vận chuyển", "buôn bán", "tàng trữ", "sử dụng"})
# Prepositions before a number that make it a complement (place, beneficiary, object of a
# check), not the direct object: the clause's verb still says what happened to it.
_PREP_BEFORE = ("tại", "ở", "trên", "thuộc", "cho", "đối với", "với", "tới", "đến")
_PERSONS = frozenset(
    {"đối tượng", "bị can", "bị cáo", "người", "phạm nhân", "trường hợp", "nạn nhân", "học viên",
     "lượt người", "lượt đối tượng", "công dân", "cán bộ", "thanh niên", "lượt cán bộ", "đồng chí",
     "chiến sĩ", "học sinh", "đại biểu", "người dân", "hội viên", "đoàn viên", "thành viên"}
)
_NP_STOP = frozenset(
    ["với", "cho", "tại", "trong", "của", "so", "để", "do", "nhằm", "từ", "đến", "tới", "trên", "ở", "gồm", "là", "đạt", "chiếm", "tăng", "giảm", "và", "theo", "về", "thuộc", "nhưng", "được", "đã", "đang", "có", "không", "hoặc", "hay", "qua", "bằng", "sau", "trước", "khi", "thì", "như", "các", "những", "vào", "trị", "giá", "số", "lượng", "mỗi", "riêng", "cụ", "thể", "gây", "làm", "chưa", "cũng", "đều", "sẽ", "bị", "đối", "nhiều", "tham", "hoàn"]
)
# "tổng" ends a noun phrase only as "tổng số / tổng cộng / tổng giá trị" ("ma túy tổng hợp" goes on).
_TONG_STOP = frozenset(["số", "cộng", "giá", "trị", "kinh", "tiền"])
# A relative clause right after the counted noun names it better than any verb before it:
# "35 xã được công nhận …", "25 người chết", "5.344 lượt người tham gia", "87 xã đạt chuẩn".
_REL_HEADS = ("được", "bị", "đạt", "tham gia", "hoàn thành", "chết", "mắc", "nghiện")
_W = r"(?:[^\W\d_⁰¹²³⁴⁵⁶⁷⁸⁹]|[\u0300-\u036f])+(?:-[^\W\d_]+)*"
_WORD = re.compile(_W)
_WORDS_AFTER = re.compile(rf" *({_W})" + "".join(rf"(?: +({_W}))?" for _ in range(7)))
# The same without the combining accents (a decomposed text's; NFC text has none): a run of
# one character set, which `re` matches several times faster than the alternation above.
# Where neither the text read nor what follows it holds one, they match alike
# (tests/test_observations_fast.py compares them).
_W_NFC = r"[^\W\d_⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:-[^\W\d_]+)*"
_WORD_NFC = re.compile(_W_NFC)
_WORDS_AFTER_NFC = re.compile(rf" *({_W_NFC})" + "".join(rf"(?: +({_W_NFC}))?" for _ in range(7)))
_COMBINING = re.compile("[\u0300-\u036f]")
_COMBINING_NEXT = re.compile(" *[\u0300-\u036f]")  # where a word with an accent could go on
_MONEY_NOUN = re.compile(
    r"(tổng số tiền phạt|tổng tiền phạt|số tiền phạt|tiền phạt|thu phạt|phạt tiền|phạt tổng tiền|"
    r"phạt tổng số tiền|phạt|tổng kinh phí|kinh phí|tổng giá trị|giá trị|trị giá|thiệt hại|"
    r"tổng số vốn|số vốn|vốn|số tiền|tổng số tiền|tiền|ủng hộ|hỗ trợ|tham ô|chiếm đoạt)",
    re.IGNORECASE,
)
_MONEY_LABEL = {
    "phạt tổng tiền": "tiền phạt", "phạt tổng số tiền": "tiền phạt", "phạt": "tiền phạt",
    "thu phạt": "tiền phạt", "phạt tiền": "tiền phạt", "tổng tiền phạt": "tiền phạt",
    "tổng số tiền phạt": "tiền phạt", "số tiền phạt": "tiền phạt", "trị giá": "giá trị",
    "tổng giá trị": "giá trị", "tổng kinh phí": "kinh phí", "tổng số tiền": "số tiền",
    "tổng số vốn": "vốn", "số vốn": "vốn", "tiền": "số tiền", "ủng hộ": "tiền ủng hộ",
    "hỗ trợ": "tiền hỗ trợ", "tham ô": "tiền tham ô", "chiếm đoạt": "tiền chiếm đoạt",
}
_MONEY_UNITS = frozenset(["nghìn", "ngàn", "triệu", "tỷ", "tỉ", "vạn", "đồng", "vnđ", "vnd", "usd", "ndt"])
# Mass and volume: an amount of *some substance*; without the substance named it says nothing.
_MASS_UNITS = frozenset(["kg", "g", "gam", "gr", "mg", "tấn", "tạ", "lít", "ml"])
_WEIGHT_HEAD = re.compile(r"(?:khối|trọng) lượng[ :]*(?:khoảng |hơn |trên |gần )?$", re.IGNORECASE)
_CHANGE_BEFORE = re.compile(r"(tăng|giảm)(?: thêm)?[ ]?(?:khoảng |hơn |trên |gần )?$", re.IGNORECASE)
_RATE_LINK = re.compile(
    r"^(?:[ ]?[^\W\d_]+){0,6}?[ ]?(?:=|bằng|tương đương|tương ứng|tức|,|\(|là)?[ ]?(?:khoảng )?$", re.IGNORECASE
)
# Targets and norms are not results: "phấn đấu … ít nhất 60%", "chỉ tiêu", "05 đồng chí/xã".
_TARGET = re.compile(r"phấn đấu|chỉ tiêu|mục tiêu đề ra|dự kiến|kế hoạch đề ra|yêu cầu", re.IGNORECASE)
# A rank in a list that is not the report's own ("là 1 trong 24 mô hình tiêu biểu toàn quốc"),
# and figures for the whole country: the report quotes them, it did not produce them.
_ONE_OF = re.compile(r"(?:^|\W)(?:1|01|một) trong (?:số )?(?:hơn |gần )?$", re.IGNORECASE)
# (case spelled out: `re` scans an IGNORECASE alternation position by position, slowly)
_NATIONAL = re.compile(
    r"[Tt][Oo][Àà][Nn] (?:[Qq][Uu][Ốố][Cc]|[Nn][Gg][Àà][Nn][Hh])|[Cc][Ảả] [Nn][Ưư][Ớớ][Cc]|[Tt]rên thế giới"
)
_COMPARED = re.compile(
    r"so với (?P<a>(?:cùng kỳ|năm|giai đoạn|kỳ|tháng|quý|đợt)[^,;()=*]{0,40}?)(?=[ ]?(?:tăng|giảm|[,;()=*]|$))"
    r"|(?P<b>cùng kỳ(?: năm \d{4})?)",
    re.IGNORECASE,
)
_RATE_HEAD = re.compile(r"tỷ lệ|tỉ lệ", re.IGNORECASE)
_RATE_TAIL = re.compile(r"[ ,:]*(?:đạt|là|chiếm|bằng|khoảng|trên|hơn|gần|:|=)*[ ,:]*$", re.IGNORECASE)
# Words that open a list or a result line, not a label of what is counted ("Kết quả: 08 …").
_NOT_LABEL = frozenset(["kết quả", "trong đó", "cụ thể", "gồm", "bao gồm", "tổng số", "tổng cộng", "riêng", "tổng", "đạt", "như"])

_PERIOD = re.compile(
    r"(?<!\w)(?:"
    r"(?:từ|trong) (?:ngày )?\d{1,2}/\d{1,2}/\d{4} (?:đến|tới|-) (?:ngày )?\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:từ|trong) (?:tháng )?\d{1,2}/\d{4} (?:đến|tới|-) (?:tháng )?\d{1,2}/\d{4}"
    r"|(?:từ|trong) năm \d{4} (?:đến|tới) (?:năm )?\d{4}"
    r"|niên vụ \d{4} ?[-–] ?\d{4}|giai đoạn (?:từ )?\d{4} ?(?:[-–]|đến) ?\d{4}"
    r"|(?:\d{1,2}|sáu|chín|ba) tháng (?:đầu |cuối )?năm(?: \d{4})?"
    r"|quý [IV1-4]+(?:/| năm )\d{4}"
    r"|(?:tính )?(?:đến|tới) (?:ngày )?\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:tính )?(?:đến|tới) (?:hết )?tháng \d{1,2}(?:/| năm )\d{4}"
    r"|tháng \d{1,2}(?:/| năm )\d{4}"
    r"|năm \d{4})",
    re.IGNORECASE,
)
# Every period phrase holds a year or "tháng … năm"; the period pattern is only tried in a
# short window before such an anchor (found by a pattern `re` scans for fast) instead of at
# every position of the text.
# (the plain form "[0-9](?<![0-9][0-9])[0-9]{3}(?![0-9])|[Tt]háng (?:đầu |cuối )?năm", opened
# with one character set that the branches look back at: `re` skips to such a character in C)
_PERIOD_ANCHOR = re.compile(r"[0-9Tt](?:(?<=[0-9])(?<![0-9][0-9])[0-9]{3}(?![0-9])|(?<=[Tt])háng (?:đầu |cuối )?năm)")
# Its two branches apart: `re` stopped at every "t" of the text for the second; opened by its
# "á" (rarer) it skips ahead in C. A year holds no letter and "tháng … năm" no digit, so no
# match of one branch overlaps one of the other: together they are _PERIOD_ANCHOR's matches.
_YEAR_ANCHOR = re.compile(r"[0-9](?<![0-9][0-9])[0-9]{3}(?![0-9])")
_MONTH_YEAR_ANCHOR = re.compile(r"á(?<=[Tt]há)ng (?:đầu |cuối )?năm")


def _anchor_ends(vt: str) -> list[int]:
    """``[m.end() for m in _PERIOD_ANCHOR.finditer(vt)]``."""
    ends = [m.end() for m in _YEAR_ANCHOR.finditer(vt)]
    ends += [m.end() for m in _MONTH_YEAR_ANCHOR.finditer(vt)]
    ends.sort()
    return ends

_PERIOD_REACH = 48  # the longest period phrase before its anchor's end
# a comparison ("so với năm 2019") or a horizon ("tầm nhìn đến năm 2030") is no period of results
_COMPARISON_BEFORE = re.compile(r"(?:so với|cùng kỳ|hơn|kỳ trước|(?:tầm nhìn|định hướng)(?: đến| tới)?)[ ]?$", re.IGNORECASE)
# Found by the place name first (a pattern whose alternatives start with literals, which
# `re` scans for fast), then the preposition before it is checked.
_PLACE_NAME = re.compile(
    r"(?:xã|phường|thị trấn|huyện|thị xã|thành phố|tỉnh|TP\.?|Tp\.?) ?"
    r"[A-ZĐÂĂÊÔƠƯ][^\W\d_]*(?: [A-ZĐÂĂÊÔƠƯ][^\W\d_]*){0,3}"
)
_PLACE_PREP = re.compile(r"(?:tại|trên địa bàn|ở|thuộc) (?:các )?$")
_LOCATIVE_BEFORE = ("tại", "ở", "trên", "thuộc")


# The lower-case spellings _NATIONAL matches: each of its letters is a case pair, so a match
# is one of these in the lower-cased text (found by str.find, in C) that _NATIONAL matches
# there; matches cannot overlap, so these are the starts finditer gives.
_NATIONAL_LOW = ("toàn quốc", "toàn ngành", "cả nước", "trên thế giới")


def _national_starts(vt: str) -> list[int]:
    """``[m.start() for m in _NATIONAL.finditer(vt)]``, without trying _NATIONAL at every "t"
    and "c" of the text (it opens with a case class, which `re` cannot skip to quickly)."""
    low = vt.lower()
    if len(low) != len(vt):
        return [m.start() for m in _NATIONAL.finditer(vt)]
    out = []
    for word in _NATIONAL_LOW:
        i = low.find(word)
        while i >= 0:
            if _NATIONAL.match(vt, i):
                out.append(i)
            i = low.find(word, i + 1)
    out.sort()
    return out


def _places(vt: str) -> list[tuple[int, int, str]]:
    """Places named after "tại", "trên địa bàn", "ở", "thuộc": (start of the preposition, end, name)."""
    out = []
    for m in _PLACE_NAME.finditer(vt):
        pm = _PLACE_PREP.search(vt, max(0, m.start() - 20), m.start())
        if pm:
            out.append((pm.start(), m.end(), m.group(0)))
    return out


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


@dataclass
class _Region:
    view: View
    sentences: list[tuple[int, int]]  # view spans
    sections: list[int] = field(default_factory=list)  # view offsets of section starts
    default_period: str | None = None
    # for a region made of several pieces (the footnotes): view offsets where each starts,
    # and the period each falls back on
    piece_starts: list[int] = field(default_factory=list)
    piece_periods: list[str | None] = field(default_factory=list)

    def fallback_period(self, pos: int) -> str | None:
        if self.piece_starts:
            k = bisect_right(self.piece_starts, pos) - 1
            return self.piece_periods[k] if k >= 0 else self.default_period
        return self.default_period


def _periods(vt: str) -> list[tuple[int, int, str]]:
    """Period phrases in ``vt`` (not those after "so với", "cùng kỳ": a comparison)."""
    out: list[tuple[int, int, str]] = []
    for am_end in _anchor_ends(vt):
        if out and am_end <= out[-1][1]:
            continue  # inside the period found last
        lo, hi = max(0, am_end - _PERIOD_REACH), am_end + 40
        if not _may_hold_period(vt[lo:hi]):
            continue
        for m in _PERIOD.finditer(vt, lo, hi):
            if m.end() < am_end or (out and m.start() < out[-1][1]):
                continue
            if _COMPARISON_BEFORE.search(vt, max(0, m.start() - 20), m.start()):
                continue
            out.append((m.start(), m.end(), m.group(0)))
            break
    return out


# Every phrase _PERIOD matches holds one of these words (in any case).
_PERIOD_WORDS = ("từ", "trong", "niên", "giai", "tháng", "năm", "quý", "đến", "tới")


def _may_hold_period(window: str) -> bool:
    """Whether _PERIOD can match in ``window``: about half the windows around a year hold
    none of _PERIOD_WORDS, and looking for them costs less than trying the pattern at every
    position. Lower-casing stands in for re.IGNORECASE, except for the two letters it
    matches to "i" that lower() does not turn into "i": those windows are tried."""
    w = window.lower()
    return any(k in w for k in _PERIOD_WORDS) or "ı" in w or "i̇" in w


def _words_after(vt: str, pos: int, limit: int, end: int | None = None) -> list[tuple[str, int]]:
    """Up to ``limit`` (≤ 8) words right after ``pos`` (spaces only between them) and before
    ``end``, with their ends: one match of a pattern instead of one per word."""
    end = len(vt) if end is None else end
    m = _WORDS_AFTER_NFC.match(vt, pos, end)
    if _COMBINING_NEXT.match(vt, pos if m is None else m.end(), end):
        m = _WORDS_AFTER.match(vt, pos, end)  # an accent the faster pattern stops at
    out: list[tuple[str, int]] = []
    if m is None:
        return out
    for g in range(1, limit + 1):
        w = m.group(g)
        if w is None:
            break
        out.append((w, m.end(g)))
    return out


def _np_after(vt: str, pos: int, limit: int = 7) -> str:
    """The noun phrase after a unit, up to a function word, punctuation or a number."""
    return _np_span(vt, pos, limit)[0]


def _np_span(vt: str, pos: int, limit: int = 7, stop: int | None = None) -> tuple[str, int]:
    words: list[str] = []
    end = pos
    ws = _words_after(vt, pos, limit + 1, stop)
    for k, (w, e) in enumerate(ws[:limit]):
        lw = w.lower()
        if lw in _NP_STOP:
            break
        if lw == "tổng" and (k + 1 >= len(ws) or ws[k + 1][0].lower() in _TONG_STOP):
            break
        words.append(w)
        end = e
    return " ".join(words), end


def _relative_after(vt: str, pos: int) -> tuple[str, int] | None:
    """A relative clause after the counted noun ("được công nhận đạt chuẩn", "bị thương",
    "tham gia"), up to four words and the next function word or punctuation."""
    ws = _words_after(vt, pos, 5)
    if not ws:
        return None
    first = ws[0][0].lower()
    two = f"{first} {ws[1][0].lower()}" if len(ws) > 1 else ""
    if first not in _REL_HEADS and two not in _REL_HEADS:
        return None
    n = 2 if two in _REL_HEADS else 1
    words = [w for w, _ in ws[:n]]
    end = ws[n - 1][1]
    for w, e in ws[n:4]:
        if w.lower() in _NP_STOP:
            break
        words.append(w)
        end = e
    if n == 1 and first in ("được", "bị") and len(words) == 1:
        return None  # "được" alone names nothing
    return " ".join(words).lower(), end


def _last_verb(pre: str, reach: int = 90) -> str | None:
    """The verb nearest the end of ``pre`` (longest phrasing wins at each position)."""
    return _last_verb_in(pre[-reach:])


@lru_cache(maxsize=8192)
def _last_verb_in(window: str) -> str | None:
    """:func:`_last_verb` of the window it reads; cached: the words before numbers recur."""
    low = window.lower()
    words = (_WORD if _COMBINING.search(low) else _WORD_NFC).findall(low)
    for i in range(len(words) - 1, -1, -1):
        for cand in _VERB_BY_LAST.get(words[i], ()):
            n = len(cand)
            if n == 1 or (i + 1 >= n and tuple(words[i - n + 1 : i + 1]) == cand):
                return " ".join(cand)
    return None


def _passive(verb: str, unit: str) -> str:
    v = verb.lower()
    if v in _NEUTRAL:
        return v
    if v == "làm chết":
        return "chết"
    if v == "làm bị thương":
        return "bị thương"
    if v in _PUNITIVE:
        return "bị " + v
    return "được " + v


def _label_before(pre: str) -> str | None:
    """A short label directly before the number ("Trộm cắp tài sản 47 vụ", "Trong đó: Tai
    nạn giao thông: 24 vụ"): the words after the last punctuation mark."""
    pre = pre.rstrip(" *=:")
    cut = max(pre.rfind(c) for c in "(),;:=/")
    pre = pre[cut + 1 :].strip(" *")
    if not pre or len(pre) > 60 or any(c.isdigit() for c in pre):
        return None
    words = pre.split()
    if not 1 <= len(words) <= 7:
        return None
    low = pre.lower()
    if words[0].lower() in _NP_STOP or words[-1].lower() in _NP_STOP or low in _NOT_LABEL:
        return None
    if _last_verb(low) is not None:
        return None  # a verb phrase, handled by the caller
    if len(words) > 1 and all(w[:1].isupper() for w in words):
        return None  # a proper name ("Quyết Thắng 11 tập thể"): a place or body, not a kind
    return low


def _clause_bounds(vt: str, s: int, e: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence [lo, hi) if short, else the ';'-clause (then a window) around [s, e)."""
    if hi - lo <= MAX_EVIDENCE:
        return lo, hi
    a = vt.rfind(";", lo, s)
    a = lo if a < 0 else a + 1
    b = vt.find(";", e, hi)
    b = hi if b < 0 else b
    if b - a > MAX_EVIDENCE:
        a2 = max(a, s - 150)
        if a2 > a:
            c = vt.find(",", a2, s)
            a2 = c + 1 if c >= 0 else vt.find(" ", a2, s) + 1 or a2
        b2 = min(b, a2 + MAX_EVIDENCE)
        if b2 < b:
            c = vt.rfind(",", e, b2)
            b2 = c if c >= 0 else (vt.rfind(" ", e, b2) if vt.rfind(" ", e, b2) > 0 else b2)
        a, b = a2, b2
    return a, b


def _is_change(vt: str, q: Quantity, lo: int) -> re.Match[str] | None:
    a = max(lo, q.start - 16)
    w = vt[a : q.start].lower()
    if "tăng" not in w and "giảm" not in w:
        return None
    return _CHANGE_BEFORE.search(vt, a, q.start)


def _strip_classifier(measure: str, unit: str) -> str:
    """ "bánh hồng phiện" → "hồng phiện": the substance a count of packages names."""
    return measure[len(unit) :].strip() if measure.startswith(unit + " ") else ""


def _measure_for(
    vt: str,
    q: Quantity,
    pre: str,
    inherited: str | None,
    prev: tuple[str, str] | None,
    clause_lo: int,
    np: str,
    sent_lo: int,
) -> tuple[str | None, str | None]:
    """(measure label, verb-or-label it came from) for a base quantity; ``None`` when the
    quantity names nothing countable (a mass of an unnamed substance). ``prev`` is the
    (unit, measure) of the previous base quantity of the sentence, ``np`` the noun phrase
    after the unit."""
    unit = q.unit or ""
    lunit = unit.lower()
    if lunit.split()[-1] in _MONEY_UNITS:
        ctx = vt[max(clause_lo, q.start - 60) : q.start]
        ms = list(_MONEY_NOUN.finditer(ctx))
        if ms:
            lab = ms[-1].group(1).lower()
            return _MONEY_LABEL.get(lab, lab), inherited
        np4 = " ".join(np.split()[:4])
        return (np4.lower() if np4 else "số tiền"), inherited
    if unit == "%":
        ctx = vt[clause_lo : q.start]
        heads = _RATE_HEAD.findall(ctx)
        hm = _RATE_HEAD.search(ctx, ctx.rfind(heads[-1])) if heads else None
        if hm is not None:
            tail = _RATE_TAIL.sub("", ctx[hm.end() :]).strip(" ,:(")
            if tail and len(tail.split()) <= 8 and not any(c in tail for c in "0123456789()=;"):
                return "tỷ lệ " + tail.lower(), inherited
        np5 = " ".join(np.split()[:5])
        if np5:
            return "tỷ lệ " + np5.lower(), inherited
        if prev is not None:
            return "tỷ lệ " + prev[1], inherited
        return "tỷ lệ", inherited
    if lunit in _MASS_UNITS and not np:
        # "30 bánh hồng phiện (khối lượng 17,8 kg)": the substance of the count before it
        if prev is not None and _WEIGHT_HEAD.search(pre):
            sub = _strip_classifier(prev[1], prev[0])
            return (f"{unit} {sub}" if sub else None), inherited
        return None, inherited
    if np:
        return f"{unit} {np}", _last_verb(pre) or inherited
    rel = _relative_after(vt, q.end)
    if rel:
        return f"{unit} {rel[0]}", inherited
    tail = pre.rstrip(" (")
    ltail = tail.lower()
    if tail.endswith("=") and prev is not None:
        return f"{unit} {prev[1]}", inherited  # "266 tổ ANND = 2.404 thành viên"
    prep = ltail.endswith(_PREP_BEFORE)
    verb = _last_verb(pre)
    if verb and verb not in _NOT_PASSIVE and not prep:
        return f"{unit} {_passive(verb, unit)}", verb
    lab = _label_before(pre)
    if lab:
        return f"{unit} {lab}", None
    if ltail.endswith("với") and lunit in _PERSONS:
        return f"{unit} tham gia", inherited  # "… với 2.250 lượt cán bộ": those taking part
    if inherited:
        return (f"{unit} {_passive(inherited, unit)}" if inherited in _VERB_SET else f"{unit} {inherited}"), inherited
    # "tổ chức tuyên truyền … tại 615 cơ quan", "(*kinh tế 123 vụ, 03 tổ chức …": the verb
    # of the sentence before the number is what happened to the counted things
    verb = _last_verb(vt[max(sent_lo, q.start - 300) : q.start], 300)
    if verb and verb not in _NOT_PASSIVE and verb not in _NEUTRAL:
        return f"{unit} {_passive(verb, unit)}", None
    return unit, None


def _extract_region(
    text: str,
    reg: _Region,
    scheme: MeasureScheme,
    agent_at: Callable[[int], str | None] | None,
    periods: list[tuple[int, int, str]] | None = None,
    quantities: list[Quantity] | None = None,
) -> list[Observation]:
    """The observations of one region; ``periods`` and ``quantities`` are _periods and scan of
    its view when the caller has them already."""
    v = reg.view
    vt = v.text
    quantities = scan(vt) if quantities is None else quantities
    if not quantities:
        return []  # (then nothing below is needed: most plans state no figure at all)
    places = _places(vt)
    place_starts = [p[0] for p in places]
    national_at = _national_starts(vt)

    def national_in(a: int, b: int) -> bool:
        k = bisect_left(national_at, a)
        return k < len(national_at) and national_at[k] < b
    periods = _periods(vt) if periods is None else periods
    pstarts = [p[0] for p in periods]
    sent_starts = [a for a, _ in reg.sentences]
    out: list[Observation] = []
    by_sent: dict[int, list[Quantity]] = {}
    for q in quantities:
        k = bisect_right(sent_starts, q.start) - 1
        if k >= 0 and q.start < reg.sentences[k][1]:
            by_sent.setdefault(k, []).append(q)
    for k, qs in by_sent.items():
        lo, hi = reg.sentences[k]
        bases: list[tuple[Quantity, Observation]] = []
        prev_end = lo
        inherited: str | None = None
        prev: tuple[str, str] | None = None
        change_sign: re.Match[str] | None = None
        national = national_in(lo, hi)
        i = 0
        while i < len(qs):
            q = qs[i]
            i += 1
            if q.unit is None or q.unit.lower() in TIME_UNITS:
                prev_end = q.end
                continue
            cm = _is_change(vt, q, lo)
            if cm is None and change_sign is not None and vt[prev_end : q.start].strip() in (",", "và", ", và"):
                cm = change_sign  # "giảm 02 vụ, 01 người chết": the list shares the verb
            change_sign = None
            rate = None
            if cm and q.unit != "%" and i < len(qs) and qs[i].unit == "%" and _RATE_LINK.match(vt[q.end : qs[i].start]):
                rate = qs[i].value
                i += 1
            if cm:
                change_sign = cm
                sign = -1.0 if cm.group(1).lower() == "giảm" else 1.0
                comp = _COMPARED.search(vt, max(lo, q.start - 60), min(hi, q.end + 80))
                compared = (comp.group("a") or comp.group("b")).strip() if comp else None
                target = None
                for bq, bo in reversed(bases):
                    if (q.unit == "%" and bo.change_rate is None) or (bq.unit == q.unit and bo.change is None):
                        target = bo
                        break
                if target is not None:
                    if q.unit == "%":
                        target.change_rate = sign * q.value
                    else:
                        target.change = sign * q.value
                        if rate is not None:
                            target.change_rate = sign * rate
                    target.compared_to = target.compared_to or compared
                    prev_end = q.end
                    continue
                if q.unit == "%":
                    prev_end = q.end
                    continue
            semi = vt.rfind(";", lo, q.start)
            clause_lo = lo if semi < 0 else semi + 1
            comma = vt.rfind(",", lo, q.start)
            if (
                q.qualifier in ("ít nhất", "tối thiểu", "tối đa")
                or _TARGET.search(vt, max(clause_lo, comma + 1), q.start)
                or (vt[q.end : q.end + 1] == "/" and vt[q.end + 1 : q.end + 2].isalpha())
                or ("trong" in vt[q.start - 16 : q.start] and _ONE_OF.search(vt, max(lo, q.start - 16), q.start))
                or (national and national_in(max(clause_lo, comma + 1), _np_span(vt, q.end, 7, hi)[1] - 6))
            ):
                prev_end = q.end
                continue
            pre_lo = max(prev_end, clause_lo)
            pre = vt[pre_lo : q.start]
            sep = pre.strip(" ")
            if sep in ("", ",", "và", ", và", "(", ":") and bases:
                pre_for_measure = ""
            else:
                pre_for_measure = pre
                inherited = None
            np, prev_end = _np_span(vt, q.end, 7, hi)
            label, how = _measure_for(vt, q, pre_for_measure, inherited, prev, clause_lo, np, lo)
            inherited = how
            if label is None:
                continue
            mlabel = normalise_measure(label, scheme)
            if q.unit != "%":
                prev = (q.unit or "", mlabel)
            # period
            pi = bisect_right(pstarts, q.start) - 1
            if pi >= 0 and periods[pi][0] >= lo:
                period = periods[pi][2]
            else:
                pj = bisect_left(pstarts, q.end)
                if pj < len(periods) and periods[pj][1] <= hi:
                    period = periods[pj][2]
                else:
                    si = bisect_right(reg.sections, q.start) - 1
                    sec_lo = reg.sections[si] if si >= 0 else 0
                    if pi >= 0 and periods[pi][0] >= sec_lo:
                        period = periods[pi][2]
                    else:
                        period = reg.fallback_period(q.start)
            # place
            a, b = _clause_bounds(vt, q.start, q.end, lo, hi)
            place = None  # the first place named after the number, else the last before it
            for k in range(bisect_left(place_starts, a), len(places)):  # (no copy of the rest)
                ps, pe, pname = places[k]
                if ps >= b or pe > b:
                    break
                place = pname
                if ps > q.end:
                    break
            es, ee = v.trimmed_span(a, b, q.start)
            num_orig = v.orig(q.number_start if q.number_start is not None else q.start)
            obs = Observation(
                value=q.value,
                unit=q.unit,
                measure=mlabel,
                evidence=Evidence.of(text, es, ee),
                period=period,
                place=place,
                agent=agent_at(num_orig) if agent_at else None,
            )
            if cm:  # a change with nothing to attach to is reported as such
                obs.change = (-1.0 if cm.group(1).lower() == "giảm" else 1.0) * q.value
                obs.change_rate = rate
            if (
                np
                and bases
                and bases[-1][1].measure == bases[-1][1].unit
                and vt[bases[-1][0].end : q.start].strip() in (",", "/")
            ):
                # "01 vụ, 01 đối tượng lạm dụng chức vụ …": the noun phrase after the list
                # names each of its members
                prev_obs = bases[-1][1]
                prev_obs.measure = normalise_measure(f"{prev_obs.unit} {np}", scheme)
            bases.append((q, obs))
            out.append(obs)
    return out


_FOOTNOTE_MARK = re.compile(r"\s*(?:\(\d{1,3}\)|\d{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|<sup>\[?\d{1,3}\]?</sup>|\[\^\d{1,3}\]:?)\s*")


def _marker_len(text: str, start: int) -> int:
    m = _FOOTNOTE_MARK.match(text, start, start + 20)
    return m.end() - start if m else 0


def extract_observations(
    text: str,
    *,
    sentences: list[tuple[int, int]] | None = None,
    agent_at: Callable[[int], str | None] | None = None,
    scheme: MeasureScheme | None = None,
) -> list[Observation]:
    """Every reported quantitative result in ``text`` (see the module docstring).

    ``sentences`` (original spans, e.g. from :func:`kg.structure.sentences`) replaces the
    built-in splitter for the body; ``agent_at(offset)`` names the body acting at an offset
    and fills ``Observation.agent``. The document's layout (views, sentences, sections) is
    shared with the other stages through :func:`kg.structure.layout`.
    """
    lay = layout(text)
    body = lay.body
    quantities = scan(body.text)
    footnotes = find_footnotes(text)
    if not quantities and not footnotes:
        return []  # nothing to report: the periods, places and sections are not looked for
    scheme = scheme or default_scheme()
    if sentences is not None:
        sents = []
        for a, b in sentences:
            va, vb = view_index(body, a), view_index(body, b)
            if va is not None:
                sents.append((va, vb if vb is not None else len(body.text)))
    else:
        sents = list(lay.sentences)
    sections = sorted(
        vi
        for s in segment_view(text)
        if s.kind == "section" and (vi := view_index(body, s.start)) is not None
    )
    body_periods = _periods(body.text)
    head_end = min(len(body.text), 800)
    head = [p for p in body_periods if p[1] <= head_end]
    reg = _Region(body, sents, sections, head[0][2] if head else None)
    out = _extract_region(text, reg, scheme, agent_at, body_periods, quantities)

    # footnotes: one region (their sentences do not run into the body nor into each other);
    # a footnote's period falls back on the one in force where its marker sits
    bp_starts = [p[0] for p in body_periods]
    pieces: list[tuple[int, int, str | None]] = []
    for fn in footnotes:
        start = fn.start + _marker_len(text, fn.start)
        if start >= fn.end:
            continue
        period = reg.default_period
        if fn.anchor_start is not None:
            ai = view_index(body, fn.anchor_start)
            if ai is not None:
                pi = bisect_right(bp_starts, ai) - 1
                if pi >= 0:
                    period = body_periods[pi][2]
        pieces.append((start, fn.end, period))
    if pieces:
        keep = sorted(pieces)
        drop: list[tuple[int, int]] = []
        pos = 0
        for a, b, _ in keep:
            if a > pos:
                drop.append((pos, a))
            pos = max(pos, b)
        drop.append((pos, len(text)))
        fv = make_view(text, drop)
        starts = [view_index(fv, a) for a, _, _ in keep]
        piece_starts = [s for s in starts if s is not None]
        piece_periods = [p for s, (_, _, p) in zip(starts, keep, strict=True) if s is not None]
        fsents = view_sentences(fv, [a for a, _, _ in keep])
        freg = _Region(fv, fsents, [], reg.default_period, piece_starts, piece_periods)
        out.extend(_extract_region(text, freg, scheme, agent_at))
    out.sort(key=lambda o: o.evidence.start)
    return out
