"""Activities: which body did what, under which instrument.

A report states what bodies did in sentences like "Công an tỉnh đã tổ chức 1.832 buổi tuyên
truyền …", "- Sở Tư pháp đã chỉ đạo …", "+ *Công an tỉnh* tổ chức …", "Liên đoàn Lao động
tỉnh: Tổ chức …". Each such clause becomes one :class:`kg.model.Activity` whose evidence is the
clause itself (an exact slice of the original text), whose agent is the subject (written, or
carried over from the item or section it sits in) resolved to the document's place, whose kind
comes from the verb, and whose *drivers* are the instruments the text ties it to.

Drivers are read from the wording, never guessed from co-occurrence:

- a mention governed by a trigger ("thực hiện", "triển khai", "theo", "quán triệt", "hưởng
  ứng", "cụ thể hoá", "gắn với" …), and the list items that continue it after ";";
- a mention in brackets after the activity ("… (Chương trình phối hợp số 715/…)");
- the instrument a paragraph or item opens with ("Thực hiện Kế hoạch X, …") for the rest of
  that paragraph or item, "Theo đó, …" for the instruments of the previous sentence, and an
  instrument named in a section heading ("1. Kết quả thực hiện Chỉ thị 52-CT/TW");
- the instrument the document as a whole carries out: a directive document (công văn, kế
  hoạch …) that implements X carries out X in every task it sets; a report carries out what
  its title says it reports on ("Tổng kết 10 năm thực hiện Chỉ thị …").

An instrument that is being *issued* ("ban hành Kế hoạch số X") is the output of an activity
of kind "ban hành văn bản", not its driver; what the issued instrument is said to carry out
("… X về triển khai thực hiện Y") is. An instrument described inside another's title
("Kế hoạch X về thực hiện Chỉ thị Y") is X's own link (kg.links), not a driver of the activity
that carries out X.

An issued or listed instrument that states its purpose ("Kế hoạch số X … của UBND tỉnh về
phòng, chống ma túy năm 2024") also records that its issuer directs that work under it: one
extra activity of kind "chỉ đạo" whose evidence is the instrument's description and whose
driver is X (``plan_activities=False`` leaves these out).

Speed: the patterns scanned over the whole text are written for Python's regex engine (it
skips ahead in C only when a pattern opens with a character class, and is slow with a leading
look-behind or re.IGNORECASE), and text is not folded with kg.iri.fold, which costs more per
character than a scan; each rewritten pattern sits next to, or is tested against, its plain
form (tests/test_activities.py), so the output is what the plain forms give.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import NamedTuple

from kg.iri import fold
from kg.model import Activity, DocumentHeader, Evidence, Instrument, Observation, Relation

MAX_EVIDENCE = 600
_DESC_CHARS = 200

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# kind label → verb phrases that signal it (a phrase may carry a look-ahead that keeps noun
# uses out: "tổ chức thành viên", "thực hiện hành vi", "phá rừng", "giao thông" …).
_KIND_VERBS: dict[str, tuple[str, ...]] = {
    "tuyên truyền": (
        "tuyên truyền", "phổ biến", "vận động", "truyền thông", "phát sóng", "đăng tải", "giáo dục",
        "tuyên dương",
    ),
    "tuần tra kiểm soát": ("tuần tra", "kiểm soát", "canh gác", "chốt chặn", "tuần tiễu"),
    "đấu tranh trấn áp": (
        "triệt phá", "phá nhổ", r"phá(?=\s+(?:án|\d|thành\s+công|chuyên\s+án|nhiều|các|vụ|ổ|đường\s+dây|được))",
        r"bắt(?!\s+(?:đầu|buộc|nguồn|kịp|tay|mắt))", "bắt giữ", "thu giữ", "truy bắt", "truy nã", "trấn áp",
        "đấu tranh", "ngăn chặn", "phát hiện", "tấn công", "vây bắt",
    ),
    "điều tra xử lý": (
        "khởi tố", "điều tra", "truy tố", "xét xử", "xử phạt", "xử lý", "giải quyết", "thụ lý", "tiếp nhận",
        "lập biên bản", "thi hành án",
    ),
    "quản lý nhà nước": (
        "quản lý", "rà soát", r"cấp(?=\s+(?:giấy|phép|mới|đổi|\d))", "thẩm định", "đăng ký", "thu hồi",
        "lập hồ sơ", "nắm tình hình", "khảo sát", "công nhận",
    ),
    "ban hành văn bản": ("ban hành", "ký kết", r"ký(?=\s+(?:ban|quyết|kế|chương|công|văn|quy))", "soạn thảo", "dự thảo"),
    "chỉ đạo": (
        "chỉ đạo", "lãnh đạo", "yêu cầu", r"giao(?=\s+(?:cho|nhiệm\s+vụ|các|Công|Sở|UBND))", "đề nghị",
        "hướng dẫn", "đôn đốc", "quán triệt",
    ),
    "phối hợp": ("phối hợp", "chủ trì", "ký cam kết", "hợp tác"),
    "kiểm tra": ("kiểm tra", "thanh tra", "giám sát", "kiểm danh", "kiểm diện"),
    "tập huấn": ("tập huấn", "bồi dưỡng", "huấn luyện", "đào tạo"),
    "cai nghiện": ("cai nghiện", "điều trị", "cắt cơn"),
    "giải cứu": ("giải cứu", "tiếp nhận nạn nhân", "cứu nạn", "cứu hộ"),
    "hỗ trợ": ("hỗ trợ", "giúp đỡ", r"tặng(?=\s+(?:quà|\d|\w+\s+\d))", "trao tặng", "tái hòa nhập", "tái hoà nhập"),
    "tham mưu": ("tham mưu", "đề xuất", "kiến nghị"),
    "sơ kết tổng kết": ("sơ kết", "tổng kết", "đánh giá", r"báo\s+cáo(?=\s+(?:kết|tình|về|UBND|Tỉnh|Bộ|Ban))"),
    "xây dựng phong trào": (r"xây\s+dựng(?!\s+(?:cơ\s+bản|và\s+bảo\s+vệ|Đảng|đảng))", "củng cố", "nhân rộng", "duy trì", "phát động"),
    "tổ chức thực hiện": (
        r"tổ\s+chức(?!\s+(?:thành\s+viên|đoàn\s+thể|cơ\s+sở|chính\s+trị|đảng|Đảng|quần\s+chúng|xã\s+hội|tín\s+dụng|kinh\s+tế|bộ\s+máy|tội\s+phạm|và\s+cá|,\s*cá|cá\s+nhân|quốc\s+tế|phi|hoạt\s+động\s+tội))",
        r"thực\s+hiện(?!\s+(?:hành\s+vi|hành\s+động|việc\s+mua|phạm))", "triển khai", "tăng cường",
        "đẩy mạnh", "tiến hành", "tập trung", "huy động", "mở đợt", "duy trì",
    ),
}
GENERIC_KIND = "tổ chức thực hiện"

# Words that tie an activity to an instrument.
_TRIGGERS = (
    r"thực\s+hiện(?!\s+(?:hành\s+vi|hành\s+động))", "triển khai", r"theo(?!\s+(?:dõi|đó|sát|kịp|hướng|quy))",
    "quán triệt", "hưởng ứng", "cụ thể hóa", "cụ thể hoá", "căn cứ", "gắn với", "trên cơ sở", "chấp hành",
    r"thực(?=\s+(?:Chỉ|Nghị|Kế|Quyết|Chương|Công|Thông|Luật|Đề|Kết|Hướng))",
    r"tại(?=\s+(?:Thông\s+báo|Quyết\s+định|Công\s+văn|Kế\s+hoạch|Chỉ\s+thị|Nghị\s+quyết|Văn\s+bản)\s)",
)
# Words that make the next instrument an output.
_ISSUE = (
    "ban hành", "ký kết", r"ký(?=\s+(?:ban|quyết|kế|chương|công|văn|quy|Kế|Chương|Quyết|Công))",
    r"trình(?=\s+(?:ubnd|hđnd|ủy|uỷ|tỉnh|thành|ban|bộ|thủ|cấp|chính|hội|quốc))", "dự thảo",
    "soạn thảo", "sửa đổi", r"xây\s+dựng(?=\s+(?:\S+\s+){0,2}?(?:[Kk]ế\s+hoạch|[Cc]hương\s+trình|[Pp]hương\s+án|[Đđ]ề\s+án|[Qq]uy\s+chế|văn\s+bản|[Hh]ướng\s+dẫn))",
)
_ABOUT = r"về\s+việc|về|V/v|v/v|nhằm|để"

_TRIGGER_WORDS = frozenset({"thuc hien", "trien khai", "theo", "quan triet", "huong ung", "cu the hoa", "can cu", "gan voi", "tren co so", "chap hanh", "thuc"})


def _phrase(p: str) -> str:
    """A phrase as a pattern: words may be split by any whitespace (hard line breaks)."""
    if "\\" in p or "(" in p:
        return p
    return r"\s+".join(re.escape(w) for w in p.split())


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(sorted({_phrase(p) for p in phrases}, key=len, reverse=True))


def _trie(words: Iterable[str], char: Callable[[str], str] = re.escape) -> str:
    """A regular expression matching exactly ``words`` (lower case, spaces = any whitespace),
    as a character trie: the engine then tries one branch per character instead of every
    phrase at every position, which is what makes the scan fast. ``char`` gives the pattern
    of one character."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = []
        end = "" in node
        for ch in sorted(k for k in node if k):
            alts.append((r"\s+" if ch == " " else char(ch)) + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return build(root)


def _lower_pattern(p: str) -> str:
    return p.replace(r"\S", r"[^\s]").lower()


def _is_special(p: str) -> bool:
    return "\\" in p or "(" in p


def _group(phrases: Iterable[str]) -> str:
    plain = [p.lower() for p in phrases if not _is_special(p)]
    special = [_lower_pattern(p) for p in phrases if _is_special(p)]
    parts = [*special, _trie(plain)] if plain else special
    return "|".join(f"(?:{x})" for x in parts)


# Vietnamese word-initial letters, most frequent first (what a text's words mostly open with).
_COMMON_INITIALS = "tcđnvphqblksgdmxr"


def _initial_rank(letter: str) -> tuple[int, str]:
    i = _COMMON_INITIALS.find(letter)
    return (i if i >= 0 else len(_COMMON_INITIALS), letter)


def _by_first_letter(groups: Sequence[tuple[str, Sequence[str]]]) -> tuple[str, list[str]]:
    """The alternation of ``groups`` (kind, phrases; lower-case patterns), each alternative
    opened by its first letter: "t(?:(trig …)|(verb …))|c(?:…)|…". At a word start the engine
    then goes straight to the phrases starting with that letter. It matches what
    "(?P<kind>…)|…" over the whole groups matches: only phrases with the text's letter can
    match there, and for each letter the groups and their phrases keep their order. The i-th
    capturing group is of kind ``kinds[i - 1]``."""
    lowered = [(kind, [(_lower_pattern(p) if _is_special(p) else p.lower(), _is_special(p)) for p in ps]) for kind, ps in groups]
    if not all(p[:1].isalpha() for _, ps in lowered for p, _ in ps):
        raise ValueError("every event phrase must start with a plain letter (see _by_first_letter)")
    kinds: list[str] = []
    alts = []
    # (the letters' alternatives exclude one another, so their order changes no match; the
    # engine tries them in turn at every word start, so the letters Vietnamese words most
    # often start with go first. Dispatching on the second letter as well was slower.)
    for c in sorted({p[0] for _, ps in lowered for p, _ in ps}, key=_initial_rank):
        branches = []
        for kind, ps in lowered:
            special = [p[1:] for p, sp in ps if sp and p[0] == c]
            plain = [p[1:] for p, sp in ps if not sp and p[0] == c]
            parts = [*special, _trie(plain)] if plain else special
            if parts:
                kinds.append(kind)
                branches.append("(" + "|".join(f"(?:{x})" for x in parts) + ")")
        alts.append(f"{re.escape(c)}(?:{'|'.join(branches)})")
    return "|".join(alts), kinds


_EVENT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("trig", _TRIGGERS),
    ("issue", _ISSUE),
    ("verb", tuple(p for v in _KIND_VERBS.values() for p in v)),
    ("about", ("về việc", "về", "v/v", "nhằm", "để", "quy định")),
)


_VERB_KIND: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"(?:{_alternation(v)})$", re.I), k) for k, v in _KIND_VERBS.items()
]

# Verbs, triggers and "về", matched on the lower-cased text (case-blind without the cost of
# re.IGNORECASE) together with the non-word character before them: scanning " " + text, a
# match's start is the word's offset in the text and its end is one past the word's end.
# Python's regex engine skips, without entering the matcher, every position whose character
# cannot open the pattern, but only when the pattern opens with a character class; opening
# with a look-behind ("not inside a word") made it try the whole pattern at every character.
_WORD_ALTERNATION, _WORD_KINDS = _by_first_letter(_EVENT_GROUPS)
_WORD_EVENTS = re.compile(rf"\W(?:{_WORD_ALTERNATION})(?!\w)")
_PUNCT_EVENTS = {";": "semi", "(": "paren", ")": "close"}

# Words before a verb that make it a noun ("công tác tuyên truyền", "các hoạt động"), written
# folded (kg.iri.fold: "cong tac" stands for "công tác", "Công tác", "cong tac" …).
_NOUN_WORDS = (
    "cong tac", "cac", "nhung", "viec", "hoat dong", "cuoc", "dot", "ket qua", "tinh hinh", "toi pham", "muc tieu",
    "ve", "cua", "thuc hien", "cho", "voi", "trong", "lam", "tro", "ke hoach", "chuong trinh", "phuong an",
    "nhiem vu", "bien phap", "giai phap", "chua", "khong", "bi", "chua thuc su", "it", "han che", "thieu",
)
# kg.iri.fold changes only Latin letters, all below U+2000 (tests/test_activities.py checks it).
_FOLD_LIMIT = 0x2000


def _folding_to() -> dict[str, str]:
    """Each ASCII letter → every character kg.iri.fold turns into it (itself included)."""
    chars = "".join(map(chr, range(_FOLD_LIMIT)))
    out: dict[str, str] = {}
    for c, f in zip(chars, fold(chars), strict=True):
        if "a" <= f <= "z":
            out[f] = out.get(f, "") + c
    return out


def _unfolded(phrases: Iterable[str], folding_to: dict[str, str]) -> str:
    """Folded ASCII phrases as a pattern over the text itself: each letter becomes the class
    of the characters folding to it. Matching the text then tells whether matching its folded
    copy would (fold keeps offsets and whitespace; as a trie, the alternatives' order differs),
    without folding it: kg.iri.fold costs more per character than the regex engine."""
    return _trie(phrases, lambda c: f"[{re.escape(folding_to[c])}]")


_NOUN_ENDS = tuple(sorted({w.split()[-1] for w in _NOUN_WORDS}))
_NOUN_END_CHARS = max(map(len, _NOUN_ENDS))


@lru_cache(maxsize=4096)
def _may_end_noun_word(token: str) -> bool:
    return fold(token).endswith(_NOUN_ENDS)


@lru_cache(maxsize=1)
def _noun_after() -> re.Pattern[str]:
    """A non-letter, then _NOUN_WORDS, then spaces to the end: search from one character
    before where the words may start. Compiled on first use (its letter classes take tens of
    milliseconds to compile, which every import would pay)."""
    folding_to = _folding_to()
    letters = re.escape("".join(folding_to.values()))
    return re.compile(rf"[^{letters}](?:{_unfolded(_NOUN_WORDS, folding_to)})\s+$")

_LABEL = re.compile(  # used with .match(text, pos): anchored at pos
    r"[\s*\\#>]*(?:(?:[IVXL]{1,5}|\d{1,2}(?:\.\d{1,2}){0,3})\.|[a-zđ]\)|[-+•–]|\\\*)?[\s*\\]*"
)
_LEAD_ADVERBS = re.compile(
    r"\A(?:(?:Đồng\s+thời|Bên\s+cạnh\s+đó|Ngoài\s+ra|Trong\s+đó|Mặt\s+khác|Qua\s+đó|Từ\s+đó|Kết\s+quả)\s*[,:]?\s*)+",
    re.I,
)
_LEAD_TRIGGER = re.compile(  # used with .match(text, pos, end): anchored at pos
    r"(?:(?:Tiếp\s+tục|Đồng\s+thời|Đã|Chủ\s+động|Tích\s+cực)\s+)*(?:triển\s+khai\s+thực\s+hiện|thực\s+hiện|triển\s+khai|quán\s+triệt|hưởng\s+ứng|căn\s+cứ|theo)(?!\w)",
    re.I,
)
_THEO_DO = re.compile(r"(?:Theo\s+đó|Thực\s+hiện\s+(?:các\s+)?(?:văn\s+bản|kế\s+hoạch|chỉ\s+đạo)\s+(?:nêu\s+)?trên)(?!\w)", re.I)
# The first letters, lower-cased, of what _LEAD_TRIGGER and _THEO_DO match (case-blind, which
# the engine pays for letter by letter): a clause opening with none of them is ruled out by
# one look at its first character (tests/test_activities_speed.py checks that no other
# character can open a match).
_LEAD_INITIALS = frozenset("tđcqh")


def _may_lead(text: str, pos: int) -> bool:
    """False where neither _LEAD_TRIGGER nor _THEO_DO can match at ``pos``."""
    return text[pos : pos + 1].lower() in _LEAD_INITIALS


_ADVERBS = (
    "đã", "đang", "sẽ", "cũng", "đều", "vẫn", "luôn", "tiếp tục", "chủ động", "tích cực", "thường xuyên", "kịp thời",
    "trực tiếp", "khẩn trương", "nghiêm túc", "đồng thời", "tốt", "thành công", "liên tiếp", "cần", "phải",
    "có trách nhiệm",
)
_TRAILING_ADVERBS = re.compile(rf"(?:\s|,|:|-)*(?:(?:{'|'.join(map(_phrase, _ADVERBS))})(?:\s|,)*)*$", re.I)
# Up to the last character _TRAILING_ADVERBS cannot match (greedy: found from the end, in C).
_BEFORE_TRAILING = re.compile(rf"(?s:.*)[^\s,:\-{re.escape(''.join(sorted(set(''.join(_ADVERBS)) - {' '})))}]", re.I)
_BODY_HEAD = re.compile(
    r"\A(?:Đề\s+nghị\s+|Yêu\s+cầu\s+)?(?:các\s+|Các\s+)?(?:Công\s+an|UBND|Ủy\s+ban|Uỷ\s+ban|UBMTTQ|HĐND|Hội\s+đồng|Sở|Ban|Bộ|"
    r"Tỉnh\s+[uủ]ỷ|Tỉnh\s+[uủ]y|Thành\s+[uủ]ỷ|Thành\s+[uủ]y|Huyện\s+[uủ]ỷ|Huyện\s+[uủ]y|Đảng|Liên\s+đoàn|Hội|Đoàn|Tỉnh\s+[Đđ]oàn|"
    r"Thành\s+[Đđ]oàn|Viện|T[òo]a|Ngân\s+hàng|Cục|Chi\s+cục|Phòng|Đài|Báo|Trung\s+tâm|Cơ\s+quan|Văn\s+phòng|Mặt\s+trận|"
    r"MTTQ|BCĐ|BCH|Lực\s+lượng|lực\s+lượng|Bộ\s+đội|Kho\s+bạc|Bảo\s+hiểm|Trường|Cổng|Hải\s+quan|Công\s+đoàn|Cảnh\s+sát|"
    r"Thanh\s+tra|Kiểm\s+lâm|Quản\s+lý\s+thị\s+trường|Chính\s+quyền|chính\s+quyền|Cấp\s+ủy|cấp\s+ủy|Cấp\s+uỷ|cấp\s+uỷ|"
    r"sở|ngành|đơn\s+vị|cơ\s+quan|địa\s+phương|huyện|xã|phường|ban|Chỉ\s+huy|Quân\s+sự|Biên\s+phòng|Tổ|Nhà\s+trường|"
    r"Người\s+đứng\s+đầu|Thủ\s+trưởng|Chủ\s+tịch|đồng\s+chí)(?!\w)"
)
# Periods: "từ 01/01 đến 31/12/2024", "6 tháng đầu năm 2024", "quý I", "giai đoạn 2016-2025" …
# This is the readable definition; _period uses the equivalent _PERIOD_LOW below.
_PERIOD = re.compile(
    r"(?<!\w)(?:từ\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?\s+đến\s+(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}"
    r"|\d{1,2}\s+tháng\s+(?:đầu\s+|cuối\s+)?năm\s+\d{4}|(?:sáu|06|6)\s+tháng\s+(?:đầu|cuối)\s+năm\s+\d{4}"
    r"|quý\s+[IV1-4]{1,3}(?:\s+năm\s+\d{4})?|niên\s+vụ\s+\d{4}\s*-\s*\d{4}|giai\s+đoạn\s+\d{4}\s*-\s*\d{4}"
    r"|năm\s+\d{4})(?!\w)",
    re.I,
)
# The same, matched on _lower(text), and fast. A pattern that opens with a look-behind makes
# Python's regex engine try it at every character, and under re.IGNORECASE it cannot skip an
# alternative by its first letter. This one opens with the class of the first characters (the
# engine skips in C to where a match can start) and looks behind it for the word boundary;
# each alternative then opens with its second character and looks behind that for its first.
# Matching the lower-cased text without re.IGNORECASE is matching the text with it, except for
# the letters whose case Python special-cases: "i" (also "ı", and "İ", which _lower keeps) and
# "s" (also "ſ"). tests/test_activities.py checks that the two patterns agree.
_I = "[iıİ]"
_MONTHS_OF_YEAR = rf"tháng\s+(?:đầu\s+|cuố{_I}\s+)?năm\s+\d{{4}}"
_HALF_YEAR = rf"tháng\s+(?:đầu|cuố{_I})\s+năm\s+\d{{4}}"
# Opened by a class holding [\dtsſqng] and no Latin letter else: [0-9] and the blocks holding
# the other decimal digits. \d in a class is a Unicode look-up for every character the engine
# skips; a range is a table look-up. (Every alternative looks behind at the opening character
# again, so the few other characters the ranges let in open no match.)
_PERIOD_OPENING = "[0-9tsſqng\u0660-\u1dff\u1f00-\U0010ffff]"
_PERIOD_LOW = re.compile(
    _PERIOD_OPENING + r"(?<!\w[\dtsſqng])(?:"
    r"ừ(?<=từ)\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?\s+đến\s+(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}"
    rf"|\d(?<=\d\d)\s+{_MONTHS_OF_YEAR}|\s(?<=\d\s)\s*{_MONTHS_OF_YEAR}"
    rf"|(?:áu(?<=[sſ]áu)\s+|6(?<=06)\s+|\s(?<=6\s)\s*){_HALF_YEAR}"
    rf"|uý(?<=quý)\s+[iıİv1-4]{{1,3}}(?:\s+năm\s+\d{{4}})?"
    rf"|{_I}(?<=n{_I})ên\s+vụ\s+\d{{4}}\s*-\s*\d{{4}}"
    rf"|{_I}(?<=g{_I})a{_I}\s+đoạn\s+\d{{4}}\s*-\s*\d{{4}}"
    r"|ă(?<=nă)m\s+\d{4})(?!\w)"
)
# Every _PERIOD_LOW match holds one of these: "từ", "quý", "năm" (every "tháng" phrase
# ends with "năm"), "niên" (its "i" in any of _I's forms), "đoạn" (giai đoạn).
_PERIOD_LOW_WORDS = ("năm", "từ", "quý", "đoạn", "niên", "nıên", "nİên")
_DATE_BEFORE = re.compile(r"(?:tháng\s+\d{1,2}|ngày\s+\d{1,2}/\d{1,2})\s*$")
_PLACE = re.compile(  # "trên địa bàn …" or "tại …", not inside a word
    r"t(?<!\wt)(?:rên\s+địa\s+bàn|ại)\s+(?P<p>(?:tỉnh|huyện|thành\s+phố|thị\s+xã|xã|phường|thị\s+trấn|các\s+huyện|các\s+xã)"
    r"(?:\s+[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*){0,4})"
)
_WS = re.compile(r"\s+")
# Markup: "\\" before a character it escapes, "*" runs, <sup>, "#" headings. Written as its
# first character, then what follows it (that first character looked behind at), so that the
# engine skips in C to the next candidate; the plain form "\\(?=[*#_\[\]()\-+.])|\*+|</?sup>|#+\s"
# made it try every character (tests/test_activities.py checks both agree).
_MARKUP = re.compile(r"[\\*<#](?:(?<=\\)(?=[*#_\[\]()\-+.])|(?<=\*)\**|(?<=<)/?sup>|(?<=#)#*\s)")
_BREAK = re.compile(r"\n[ \t]*\n")
_OF_BODY = re.compile(r"[^;]{0,60}?\bcủa\s+(?P<b>[^;,:]{3,80}?)\s+(?=về|V/v|quy\s+định|ban\s+hành|hướng\s+dẫn)", re.I)


# --------------------------------------------------------------------------------------------
# Events: verbs, triggers, mentions
# --------------------------------------------------------------------------------------------


class _Event(NamedTuple):  # a tuple: there are many, and a frozen dataclass is slow to make
    start: int
    end: int
    kind: str  # trig | issue | verb | about | semi | paren | close | mention
    key: str = ""


_NO_CLASSES: Mapping[int, str] = MappingProxyType({})


class _Unit:
    """A sentence or clause. Its events are set once; ``classes`` (mention index in events →
    class) and ``desc`` (description regions, owner) are set by _classify, which only
    clauses with a mention need: until then they are shared empty read-only values, so
    that building one of the thousands of units of a document builds no containers."""

    __slots__ = ("start", "end", "footnote", "anchor", "events", "classes", "desc", "lead_pos")

    def __init__(
        self, start: int, end: int, footnote: bool = False, anchor: int | None = None, events: Sequence[_Event] = ()
    ) -> None:
        self.start = start
        self.end = end
        self.footnote = footnote
        self.anchor = anchor  # for footnote units: where the marker sits in the body
        self.events = events
        self.classes: Mapping[int, str] = _NO_CLASSES
        self.desc: Sequence[tuple[int, int, int]] = ()
        self.lead_pos = -1  # where the clause starts without its label (see _lead_pos), once known


_TYPE_GAP = re.compile(r"\s+(?:số\s+)?|\s*")


def _lower(text: str) -> str:
    """The text in lower case, offsets kept (a character whose lower case is longer stays)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low


def _scan(text: str, low: str, instruments: Sequence[Instrument]) -> list[_Event]:
    """Verbs, triggers, "về", list separators and instrument mentions, in text order.
    ``low`` is _lower(text)."""
    kinds = _WORD_KINDS
    # tuple.__new__ builds the named tuple in C; _Event(…) and _Event._make are Python-level
    # functions, and there is an event every few words
    new = tuple.__new__
    ev = _Event
    events = [new(ev, (sp.start, sp.end, "mention", inst.key)) for inst in instruments for sp in inst.mentions]
    events += [new(ev, (m.start(), m.end() - 1, kinds[m.lastindex - 1], "")) for m in _WORD_EVENTS.finditer(" " + low)]  # type: ignore[operator]
    for ch, kind in _PUNCT_EVENTS.items():  # str.find is much faster than a regex scan here
        i = low.find(ch)
        while i >= 0:
            events.append(new(ev, (i, i + 1, kind, "")))
            i = low.find(ch, i + 1)
    events.sort(key=itemgetter(0))  # stable: a mention stays before what starts where it does
    # One walk does both: a verb that is the type word of the next mention ("Hướng dẫn số
    # 09-HD/…") names it; a verb or trigger inside a mention ("Chương trình phối hợp số …") is
    # part of its name. (The type word is the event just before the mention; if it was kept,
    # it is the last one kept.)
    # Walked mention by mention: between two mentions the events kept are those from the
    # first that starts past every mention so far (the events are sorted), copied as a slice.
    out: list[_Event] = []
    last_mention_end = -1
    starts = [e[0] for e in events]
    i = 0
    for k in [k for k, e in enumerate(events) if e[2] == "mention"]:
        out += events[bisect_left(starts, last_mention_end, i, k) : k]
        e = events[k]
        prev = events[k - 1] if k else None
        if (
            prev is not None
            and out
            and out[-1] is prev
            and prev.kind in ("verb", "issue", "about")
            and _TYPE_GAP.fullmatch(text, prev.end, e.start)
        ):
            out[-1] = _Event(prev.start, prev.end, "typeword")
        while out and out[-1].kind != "mention" and out[-1].start >= e.start:
            out.pop()
        last_mention_end = max(last_mention_end, e.end)
        out.append(e)
        i = k + 1
    out += events[bisect_left(starts, last_mention_end, i) :]
    return out


@lru_cache(maxsize=4096)
def _kind_of(phrase: str) -> str:
    """The kind of a verb phrase as written (cached: the same few hundred recur)."""
    return _kind_of_words(_WS.sub(" ", phrase).lower())


@lru_cache(maxsize=1024)
def _kind_of_words(p: str) -> str:
    for rx, kind in _VERB_KIND:
        if rx.match(p):
            return kind
    return GENERIC_KIND


def _is_noun_use(text: str, e: _Event, memo: dict[int, bool]) -> bool:
    """A verb used as a noun ("công tác tuyên truyền"), negated or passive ("chưa hỗ trợ",
    "bị tấn công"), or inside a name ("Ủy ban Kiểm tra Tỉnh ủy": capitalised mid-sentence).
    Asked several times per verb, hence ``memo`` (one per document, by offset)."""
    noun = memo.get(e.start)
    if noun is None:
        noun = memo[e.start] = _noun_use(text, e.start)
    return noun


def _noun_before(text: str, start: int) -> bool:
    """One of _NOUN_WORDS ends the few words before ``start``, spaces after it."""
    a = start - 24 if start > 24 else 0
    window = text[a:start]
    before = window.rstrip()
    # the pattern ends "word\s+$": cheap to rule out by the last word before the spaces, of
    # which the last _NOUN_END_CHARS characters tell as much (fold maps each character to one
    # and keeps whitespace, which no end has, so more of them cannot end with one)
    if not before or len(before) == len(window) or not _may_end_noun_word(before[-_NOUN_END_CHARS:]):
        return False
    return (_noun_after().search(text, a - 1, start) if a else _noun_after().search(" " + window)) is not None


def _noun_use(text: str, start: int) -> bool:
    if _noun_before(text, start):
        return True
    if text[start].isupper():
        j = start - 1
        while j >= 0 and text[j] in " \t\n*\\#":
            j -= 1
        if "\n" in text[j + 1 : start]:
            return False  # a capital at the start of a line starts a sentence (after a heading)
        return j >= 0 and text[j] not in ".:;-+•–(“\"!?)>" and not text[j].isdigit()
    return False


# --------------------------------------------------------------------------------------------
# Units: sentences and clauses
# --------------------------------------------------------------------------------------------


def _in_spans(spans: Sequence[tuple[int, int]], starts: Sequence[int], pos: int) -> bool:
    i = bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _flags_in_spans(spans: Sequence[tuple[int, int]], starts: Sequence[int], positions: Sequence[int]) -> list[bool]:
    """``[_in_spans(spans, starts, p) for p in positions]`` for sorted ``positions``: the
    span to test only moves forward."""
    out = []
    k = -1
    n = len(starts)
    for p in positions:
        while k + 1 < n and starts[k + 1] <= p:
            k += 1
        out.append(k >= 0 and spans[k][0] <= p < spans[k][1])
    return out


def _body_units(text: str, dropped: list[tuple[int, int]]) -> list[_Unit]:
    from kg.structure import layout

    # kg.structure.sentences, each span made a unit as it is mapped back (no list between)
    lay = layout(text)
    span = lay.body.orig_span
    return [_Unit(*span(a, b)) for a, b in lay.sentences]


def _split_at(units: list[_Unit], cuts: Sequence[int]) -> list[_Unit]:
    """Paragraph ends split sentences the sentence finder ran together (a title block and
    the opening sentence)."""
    out = []
    for u in units:
        i = bisect_right(cuts, u.start)
        if i == len(cuts) or cuts[i] >= u.end:
            out.append(u)  # no cut inside (most sentences): the unit as it is
            continue
        start = u.start
        while i < len(cuts) and cuts[i] < u.end:
            if cuts[i] > start:
                out.append(_Unit(start, cuts[i], u.footnote, u.anchor))
            start = cuts[i]
            i += 1
        out.append(_Unit(start, u.end, u.footnote, u.anchor))
    return out


def _footnote_units(text: str) -> list[_Unit]:
    from kg.structure import find_footnotes, make_view, view_sentences

    units: list[_Unit] = []
    for fn in find_footnotes(text):
        v = make_view(text, start=fn.start, end=fn.end)
        for a, b in view_sentences(v):
            s, e = v.orig_span(a, b)
            units.append(_Unit(s, e, footnote=True, anchor=fn.anchor_start))
    return units


_CLAUSE_OPENERS = frozenset({"verb", "trig", "issue", "mention"})


def _split_clauses(text: str, unit: _Unit) -> list[_Unit]:
    """Split a sentence at ";" where the next part has its own verb near its start; list items
    without a verb of their own ("…; Nghị quyết số 51 …; Chỉ thị số 12 …") stay with it."""
    if text.find(";", unit.start, unit.end) < 0:
        return [unit]  # no ";" in the text, so no "semi" event: str.find is cheaper than a walk
    events = unit.events
    depth = 0
    cuts: list[int] = []
    n = len(events)
    for i, e in enumerate(events):  # (fields by index: this walks every event of a list)
        kind = e[2]
        if kind == "paren":
            depth += 1
        elif kind == "close":
            if depth:
                depth -= 1
        elif kind == "semi" and not depth:
            # the next verb, trigger or mention after it (walked by index: slicing the rest
            # of the events for every ";" made long lists quadratic)
            end = e[1]
            j = i + 1
            while j < n and not (events[j][0] > end and events[j][2] in _CLAUSE_OPENERS):
                j += 1
            if j < n and events[j][2] != "mention" and events[j][0] - end < 60:
                cuts.append(end)
    if not cuts:
        return [unit]
    out: list[_Unit] = []
    prev = unit.start
    starts = [x.start for x in events]
    for c in [*cuts, unit.end]:
        out.append(_Unit(prev, c, unit.footnote, unit.anchor, events[bisect_left(starts, prev) : bisect_left(starts, c)]))
        prev = c
    return out


# --------------------------------------------------------------------------------------------
# Mentions: driver, output, chain or none
# --------------------------------------------------------------------------------------------


_MODE_CLASS = {"trig": "driver", "issue": "output"}


def _classify(text: str, unit: _Unit, memo: dict[int, bool], listing: bool = False) -> None:
    """Walk the clause's events in order and decide what each instrument mention is to the
    activity: "driver" (tied by a trigger), "output" (being issued), "chain" (named in the
    title of another instrument: that one's link), or "none" (a topic, a bare citation).
    Sets ``unit.classes`` and ``unit.desc`` anew."""
    classes: dict[int, str] = {}
    desc: list[tuple[int, int, int]] = []
    unit.classes, unit.desc = classes, desc
    mode: str | None = None
    last_mention: int | None = None
    last_class = "none"  # of the last mention outside descriptions: list items continue it
    mention_class = "none"  # of the last mention, wherever it sits
    owner = -1  # the mention whose description ("… về …") is being read
    owner_class = "none"
    in_desc = False
    desc_start = 0
    desc_trig = False
    desc_dated = False

    def desc_about(at: int) -> bool:
        return any(x.kind == "about" and desc_start <= x.start < at for x in unit.events)
    paren_at = -1
    clean = False  # nothing but a description since the last mention

    def close(at: int) -> None:
        nonlocal in_desc
        if in_desc:
            desc.append((desc_start, at, owner))
        in_desc = False

    for i, e in enumerate(unit.events):
        k = e.kind
        if k == "mention":
            was_desc = in_desc
            if in_desc and desc_trig:
                cls = "driver" if owner_class in ("output", "listed") else "chain"
            elif in_desc and desc_dated and not desc_about(e.start):
                cls = last_class  # "Quy định số 181, ngày … của Bộ Chính trị và Hướng dẫn số 09": a list
            elif in_desc:
                cls = "chain"
            elif paren_at >= 0 and e.start - paren_at < 60 and mode != "issue":
                cls = "driver"
            elif clean and last_mention is not None:
                cls = last_class
            else:
                cls = _MODE_CLASS.get(mode or "", "listed" if listing else "none")
            close(e.start)
            classes[i] = cls
            mention_class = cls
            if not was_desc:
                last_class = cls
            last_mention = i
            clean = True
            desc_trig = False
            continue
        if k == "typeword":
            continue
        if k in ("about", "date"):
            if k == "date" and in_desc:
                continue
            if last_mention is not None and clean and e.start - unit.events[last_mention].end < 150:
                dated = k == "date" or (in_desc and desc_dated)
                close(e.start)
                in_desc, desc_start, desc_trig, desc_dated = True, e.start, False, dated
                owner, owner_class = last_mention, mention_class
            continue
        if k == "semi":
            close(e.start)
            continue
        if k == "paren":
            paren_at = e.end
            continue
        if k == "close":
            paren_at = -1
            continue
        if in_desc:
            if k == "trig":
                desc_trig = True
            continue
        clean = False
        if k in ("trig", "issue"):
            mode = k
        elif k == "verb" and mode is not None and mode != "verb" and not _is_noun_use(text, e, memo):
            # a verb ends a trigger's or an issuing verb's reach; after none or another
            # verb, "verb" classifies like no mode at all, so the noun check is not needed
            mode = "verb"
    close(unit.end)


def _in_desc(unit: _Unit, pos: int) -> bool:
    return any(a <= pos < b for a, b, _ in unit.desc)


def _main_verb(text: str, unit: _Unit, memo: dict[int, bool]) -> _Event | None:
    """The clause's predicate: its first verb outside instrument descriptions; a leading
    "Thực hiện X, …" gives way to the verb after it."""
    events = unit.events
    if not events:
        return None  # (a third of the clauses have no event at all)
    i = _next_predicate(text, unit, memo, 0)  # the first one is usually the answer
    if i < 0:
        return None
    first = events[i]
    lead_pos = _lead_pos(text, unit)
    if first.start - lead_pos < 3 and _folded_words(text[first.start : first.end]) in ("de nghi", "yeu cau"):
        i = _next_predicate(text, unit, memo, i + 1)
        if i >= 0:
            return events[i]  # "Đề nghị Ủy ban MTTQ tỉnh … tăng cường vận động": the addressee acts
        i = len(events)  # no predicate is left for what follows
    if first.kind == "trig" and _may_lead(text, lead_pos) and _LEAD_TRIGGER.match(text, lead_pos, unit.end):
        mentions = [e for e in events if e.kind == "mention"]
        if mentions:
            comma = text.find(",", mentions[0].end, unit.end)
            if comma >= 0:
                if first.start > comma:
                    return first
                i = _next_predicate(text, unit, memo, i + 1)
                while i >= 0:  # the first predicate after the comma
                    if events[i].start > comma:
                        return events[i]
                    i = _next_predicate(text, unit, memo, i + 1)
    return first


_NOT_PREDICATES = ("theo", "thuc", "can cu", "gan voi", "tren co so")


def _next_predicate(text: str, unit: _Unit, memo: dict[int, bool], i: int) -> int:
    """The index of the clause's next event from ``i`` on that can be its predicate (-1:
    none): a verb, trigger or issuing verb outside instrument descriptions, not used as a
    noun, not a bare "theo" … (An index, not a generator: most clauses ask for one.)"""
    events = unit.events
    desc = unit.desc
    for j in range(i, len(events)):  # (the helpers inlined: this runs for most events)
        e = events[j]
        kind = e[2]
        if kind != "verb" and kind != "trig" and kind != "issue":
            continue
        at = e[0]
        if desc and any(a <= at < b for a, b, _ in desc):
            continue
        noun = memo.get(at)
        if noun is None:
            noun = memo[at] = _noun_use(text, at)
        # only triggers are ever one of _NOT_PREDICATES (no verb or issuing phrase folds to
        # one): the fold is looked up for them alone
        if not noun and (kind != "trig" or _folded_words(text[at : e[1]]) not in _NOT_PREDICATES):
            return j
    return -1


@lru_cache(maxsize=4096)
def _folded_words(words: str) -> str:
    return _WS.sub(" ", fold(words))


def _lead_pos(text: str, unit: _Unit) -> int:
    """Where the clause starts without its label and markup (the clause's text is not cut
    out: most callers only match a pattern there, with .match(text, pos, end))."""
    pos = unit.lead_pos
    if pos < 0:
        pos = unit.lead_pos = _label_end(text, unit.start, unit.end)
    return pos


def _label_end(text: str, start: int, end: int) -> int:
    """Where ``_LABEL.match(text, start, end)`` ends. Most clauses open with a letter that
    cannot start a label (not a Roman numeral, no ")" after it), where it matches nothing:
    that is told from two characters, without entering the matcher."""
    c = text[start : start + 1]
    if c.isalpha() and c not in "IVXL" and text[start + 1 : start + 2] != ")":
        return start
    m = _LABEL.match(text, start, end)
    return m.end() if m else start


def _kind(text: str, unit: _Unit, verb: _Event) -> str:
    kind = _kind_of(text[verb.start : verb.end])
    if kind != GENERIC_KIND:
        return kind
    for e in unit.events:
        if e.start > verb.start and e.start - verb.end < 60 and e.kind in ("verb", "issue") and not _in_desc(unit, e.start):
            k = _kind_of(text[e.start : e.end])
            if k != GENERIC_KIND:
                return k
    return kind


# --------------------------------------------------------------------------------------------
# Agents
# --------------------------------------------------------------------------------------------


class _Place(NamedTuple):  # a cache key of _resolve/_subject: a tuple hashes in C
    province: str | None
    level: str | None
    place: str | None


@lru_cache(maxsize=4096)
def _resolve(mention: str, where: _Place) -> str:
    from kg.bodies import resolve_body

    try:
        return resolve_body(mention, province=where.province, level=where.level, place=where.place).name
    except Exception:  # noqa: BLE001 - an unresolvable name is still the agent, as written
        return mention


@lru_cache(maxsize=4096)
def _subject(prefix: str, where: _Place) -> str | None:
    """The body a clause's words before its verb name, if they name one."""
    named = _subject_name(prefix)
    if named is None:
        return None
    name, as_written = named
    return name if as_written else _resolve(name, where)


_BODY_HEAD_OPEN = re.compile(_BODY_HEAD.pattern.removesuffix(r"(?!\w)"))  # see _subject_name
_ADDRESSEE = re.compile(r"\A(?:Đề\s+nghị|Yêu\s+cầu)\s+")
_NAME_END = re.compile(r",|\s+và\s+|\s+phối\s+hợp|:")


@lru_cache(maxsize=8192)
def _subject_name(prefix: str) -> tuple[str, bool] | None:
    """The place-free half of :func:`_subject`: the name the words give and whether it stands
    as written (a collective) rather than resolved to the document's place. Cached apart
    because the same wording recurs across documents of different places."""
    # split/join is _WS.sub(" ", …).strip() (the same whitespace), several times faster
    p = _LEAD_ADVERBS.sub("", " ".join(_without_markup(prefix).split()))
    # what is left once trailing adverbs are cut and " ,:-" stripped is a start of
    # p.lstrip(" ,:-"): if _BODY_HEAD without its closing (?!\w) does not open that, it opens
    # no start of it, and the words name no body (most clauses; cutting adverbs costs more)
    if not _BODY_HEAD_OPEN.match(p.lstrip(" ,:-")):
        return None
    p = _without_trailing_adverbs(p).strip(" ,:-")
    if not p or len(p) > 160:
        return None
    if not _BODY_HEAD.match(p):
        return None
    from kg.bodies import first_body

    p = _ADDRESSEE.sub("", p)
    if _COLLECTIVE.match(p):  # "các lực lượng chức năng", "Các sở, ngành": as written
        return (p, True) if len(p.split()) <= 12 else None
    found = first_body(p, 4)  # the first body kg.bodies.find_bodies finds, if it opens p
    if found:
        return found[2], False
    head = _NAME_END.split(p)[0].strip()
    if not head or len(head.split()) > 7:
        return None
    return head, False


def _without_trailing_adverbs(p: str) -> str:
    """``_TRAILING_ADVERBS.sub("", p)``, searched only after the last character it cannot
    match: no trailing run starts before that, and trying one at every character was slow."""
    keep = _BEFORE_TRAILING.match(p)
    k = keep.end() if keep else 0
    return p[:k] + _TRAILING_ADVERBS.sub("", p[k:])


_COLLECTIVE = re.compile(r"(?i)\A(?:các|những|toàn\s+thể)\s+(?!Sở\s|Ban\s)|\Alực\s+lượng\s")


def _explicit_agent(text: str, unit: _Unit, verb: _Event, where: _Place, pos: int) -> str | None:
    """The body the clause's words before ``verb`` name; ``pos`` is _lead_pos(text, unit)."""
    if verb.start <= pos:
        return None
    prefix = text[pos : verb.start]
    # "Thực hiện X, <subject> <verb>": the subject follows the last comma of the lead phrase
    # (the opening words lower-cased alone: none is longer than 6 characters)
    if (_may_lead(prefix, 0) and (_LEAD_TRIGGER.match(prefix) or _THEO_DO.match(prefix))) or prefix.lstrip()[:6].lower().startswith(
        ("trong ", "năm ", "qua ", "để ", "nhằm ", "ngày ", "từ ", "sau ", "đến ")
    ):
        cut = prefix.rfind(",")
        if cut < 0:
            return None
        prefix = prefix[cut + 1 :]
    return _subject(prefix, where)


# --------------------------------------------------------------------------------------------
# Context: sections, items, paragraphs
# --------------------------------------------------------------------------------------------


@dataclass
class _Scope:
    start: int
    end: int
    parent: int | None
    heading_end: int
    agent: str | None = None
    drivers: list[str] = field(default_factory=list)
    quiet: bool = False  # a section on the situation, shortcomings or proposals: no activities
    forward: bool = False  # tasks for the time ahead: not what a review report reports on


# Sections that describe the situation, shortcomings, causes or proposals to higher levels:
# what they say was (not) done is not an activity report.
_QUIET_HEADING = re.compile(
    r"\A(?:(?:mot so )?(?:han che|ton tai|khuyet diem|yeu kem)|nguyen nhan|kien nghi|de xuat|bai hoc|"
    r"tinh hinh toi pham|toi pham|du bao)"
)
_FORWARD_HEADING = re.compile(r"\A(?:phuong huong|nhiem vu (?:trong tam )?(?:thoi gian toi|nam \d{4}|tiep theo)|du bao)")
_HEAD_LABEL = re.compile(r"\A[\s*#:\\]*(?:(?:[ivxl]{1,5}|\d{1,2}(?:\.\d{1,2}){0,3})[.)]|[a-z]\))?[\s*:\\]*")


def _scopes(text: str) -> list[_Scope]:
    from kg.structure import segment_view

    out: list[_Scope] = []
    index: dict[int, int] = {}
    for i, s in enumerate(segment_view(text)):
        if s.kind not in ("section", "item"):
            continue
        le = text.find("\n", s.start)
        le = s.end if le < 0 or le > s.end else le
        index[i] = len(out)
        real = s.heading is not None and _is_heading_line(text, s.start, le)
        parent = index.get(s.parent) if s.parent is not None else None
        sc = _Scope(s.start, s.end, parent, le if real else s.start)
        if real:
            head = _HEAD_LABEL.sub("", fold(_MARKUP.sub("", s.heading or "")))
            sc.quiet = bool(_QUIET_HEADING.match(head)) and "ket qua" not in head
            sc.forward = bool(_FORWARD_HEADING.match(head))
        if parent is not None:
            sc.quiet = sc.quiet or out[parent].quiet
            sc.forward = sc.forward or out[parent].forward
        out.append(sc)
    return out


_NEXT_LINE = re.compile(r"\n\s*(\S)")


def _is_heading_line(text: str, start: int, end: int) -> bool:
    """A short first line is a heading only if the text does not run on from it: PDF text
    wraps every ~80 characters, so a wrapped sentence's first line is short too."""
    line = text[start:end].rstrip(" \t*")
    if line.endswith((",", "-", "–", ".", ";")):
        return False
    if line.endswith(":"):
        return True
    m = _NEXT_LINE.search(text, end)
    if not m:
        return True
    ch = m.group(1)
    return ch.isupper() or ch.isdigit() or ch in "-+•*#\\(“\""


def _chain_drivers(scopes: Sequence[_Scope]) -> list[list[str]]:
    """Each scope's drivers, then its parent's, and so on up: what every activity in it
    inherits from its sections, walked up once per scope instead of once per activity.
    (A parent comes before its children in ``scopes``.)"""
    out: list[list[str]] = []
    for sc in scopes:
        out.append(sc.drivers + out[sc.parent] if sc.parent is not None else list(sc.drivers))
    return out


def _innermost(scopes: Sequence[_Scope], starts: Sequence[int], pos: int) -> int | None:
    i = bisect_right(starts, pos) - 1
    while i >= 0:
        if scopes[i].start <= pos < scopes[i].end:
            return i
        i -= 1
    return None


def _paragraph_breaks(text: str) -> list[int]:
    """Offsets where a paragraph ends: a blank line after a sentence end. PDF text puts a
    blank line after every line, so a blank line alone is no paragraph break there."""
    first = _LEADING_BREAK.match(text)
    out = [first.start(1)] if first else []
    out += [m.start(1) for m in _PARAGRAPH_END.finditer(text)]
    return out


# A blank line (_BREAK) after a sentence end, with spaces, tabs and "*" between, or at the
# start of the text after those alone. The blank line found is one _BREAK.finditer finds:
# what comes before it holds no line break, so no earlier blank line can reach into it.
# (Matched by a pattern opened by a character set, which `re` skips to in C, instead of a
# walk back from every blank line of PDF text, which has one after every line.)
_PARAGRAPH_END = re.compile(r"[.:!?…;”\")][ \t*]*(\n[ \t]*\n)")
_LEADING_BREAK = re.compile(r"[ \t*]*(\n[ \t]*\n)")


# --------------------------------------------------------------------------------------------
# The document's own driver
# --------------------------------------------------------------------------------------------

_TITLE_TRIGGER = re.compile(r"(?:thực\s+hiện|triển\s+khai|cụ\s+thể\s+hoá|cụ\s+thể\s+hóa)\s+(?:\S+\s+){0,6}?$", re.I)


def _document_drivers(
    header: DocumentHeader, instruments: Sequence[Instrument], relations: Sequence[Relation] | None
) -> tuple[list[str], list[str]]:
    """What the document as a whole carries out (see the module docstring): the instruments a
    directive document implements, and those a report says it reports on (its title, its
    "reviews" links). The second hold for what the report reports, not its tasks ahead."""
    own = {"#document", header.notation} - {None}
    carries: list[str] = []
    reported: list[str] = []
    is_report = (header.type or "").lower().startswith("báo cáo")
    for r in relations or ():
        if r.source not in own:
            continue
        if r.type == "implements" and not is_report:
            carries.append(r.target)
        elif r.type == "reviews":
            reported.append(r.target)
    if header.title:
        title = header.title
        squeezed = "".join(title.split())
        for inst in instruments:
            if not inst.notation:
                continue
            # the notation, spaces allowed between its characters: compiling that pattern for
            # every instrument was slow, and it cannot match unless the squeezed notation is
            # in the squeezed title
            if "".join(inst.notation.split()) not in squeezed:
                continue
            at = _spaced_find(title, inst.notation)
            if at >= 0 and _TITLE_TRIGGER.search(header.title, 0, at):
                (reported if is_report else carries).append(inst.key)
    return list(dict.fromkeys(carries)), [k for k in dict.fromkeys(reported) if k not in carries]


def _spaced_find(text: str, word: str) -> int:
    """Where ``re.search(r"\\s*".join(map(re.escape, word)), text)`` starts (-1: nowhere),
    without compiling a pattern per word, which cost more than the rest of the search. For a
    word without whitespace, a match is an occurrence in the text with its whitespace taken
    out, and the leftmost match starts at the leftmost such occurrence."""
    if not word or any(c.isspace() for c in word):
        m = re.search(r"\s*".join(map(re.escape, word)), text)
        return m.start() if m else -1
    j = "".join(text.split()).find(word)
    if j < 0:
        return -1
    # the j-th character that is not whitespace: walked run by run (str.split and
    # str.isspace agree on whitespace), not character by character
    for m in _NON_SPACE_RUN.finditer(text):
        n = m.end() - m.start()
        if j < n:
            return m.start() + j
        j -= n
    return -1  # not reached: the squeezed text holds every run


_NON_SPACE_RUN = re.compile(r"[^\s]+")


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


def _evidence(text: str, start: int, end: int, dropped: Sequence[tuple[int, int]], keep: int) -> tuple[int, int]:
    """An exact, readable slice: no label, no dropped block (footnotes, page numbers) inside,
    the side holding ``keep`` kept, and at most about MAX_EVIDENCE characters."""
    label_end = _label_end(text, start, end)
    if label_end < end:
        start = label_end
    for a, b in dropped:
        if b <= start or a >= end:
            continue
        if a <= keep < b:
            break
        if b <= keep:
            start = max(start, b)
        else:
            end = min(end, a)
    if end - start > MAX_EVIDENCE:
        lo = max(start, keep - 100)
        cut = text.rfind(",", start, lo + 1)
        s2 = cut + 1 if cut > start and keep - cut < 200 else start if keep - start < 200 else lo
        hi = s2 + MAX_EVIDENCE
        cut = max(text.rfind(";", s2, hi), text.rfind(",", s2, hi))
        end = min(end, cut if cut > keep else hi)
        start = s2
    while start < end and text[start] in " \t\n*\\":
        start += 1
    while end > start and text[end - 1] in " \t\n*\\,;":
        end -= 1
    return start, end


def _without_markup(s: str) -> str:
    """``_MARKUP.sub("", s)``: every match opens with one of "\\*<#", and most clauses hold
    none, which four str.find scans (in C, by memchr) tell faster than the regex scan does."""
    if "*" in s or "#" in s or "\\" in s or "<" in s:
        return _MARKUP.sub("", s)
    return s


def _describe(text: str, start: int, end: int) -> str:
    d = _without_markup(text[start : min(end, start + 2 * _DESC_CHARS)])
    # split/join normalises whitespace like _WS.sub(" ", …) up to the ends, which strip drops.
    # A slice whose only whitespace is single spaces (str.isprintable rules out every other
    # whitespace character) needs none; nor does one that has only those once its hard line
    # breaks, and the blank line after a line's last space, are made spaces (what split would
    # do with them). Both are told and done in C, and faster than splitting into words.
    if "  " in d or not d.isprintable():
        spaced = d.replace("\n", " ").replace("   ", " ")
        d = spaced if "  " not in spaced and spaced.isprintable() else " ".join(d.split())
    d = d.strip(" ,;:.")
    if len(d) > _DESC_CHARS:
        d = d[:_DESC_CHARS].rsplit(" ", 1)[0] + " …"
    return d


class _Words:
    """Where some short words occur in a text, found once per document: asked for every
    clause, "does one lie inside [start, end)?" is then a bisection instead of one str.find
    per word over the clause."""

    __slots__ = ("starts", "ends")

    def __init__(self, text: str, words: Iterable[str]) -> None:
        spans = []
        for w in words:
            i = text.find(w)
            while i >= 0:
                spans.append((i, i + len(w)))
                i = text.find(w, i + 1)
        spans.sort()
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def inside(self, start: int, end: int) -> bool:
        """Whether one of the words lies within ``[start, end)``, as ``text.find(w, start,
        end) >= 0`` for one of them would say."""
        starts, ends = self.starts, self.ends
        i = bisect_left(starts, start)
        n = len(starts)
        while i < n and starts[i] < end:
            if ends[i] <= end:
                return True
            i += 1
        return False


_PERIOD_RANK = (("từ", 0), ("tháng", 1), ("quý", 2), ("niên", 3), ("giai", 4), ("năm", 5))


def _period(text: str, low: str, start: int, end: int, words: _Words | None = None) -> str | None:
    """The most specific period the clause names ("từ … đến …" over "năm 2024").
    ``low`` is _lower(text); ``words``, if given, is ``_Words(low, _PERIOD_LOW_WORDS)``."""
    # no period word, no period: looking for one is cheaper than the scan
    if words is not None:
        if not words.inside(start, end):
            return None
    elif not any(low.find(w, start, end) >= 0 for w in _PERIOD_LOW_WORDS):
        return None
    best: tuple[int, str] | None = None
    for m in _PERIOD_LOW.finditer(low, start, end):
        at = m.start()
        if _DATE_BEFORE.search(text, max(0, at - 16), at):
            continue
        p = _WS.sub(" ", text[at : m.end()])
        low = p.lower()
        rank = next((r for w, r in _PERIOD_RANK if w in low), 9)
        if best is None or rank < best[0]:
            best = (rank, p)
    return best[1] if best else None


def _place(text: str, start: int, end: int, where: _Place) -> str | None:
    # every match opens with "tại" or "trên": most clauses hold neither, and str.find is
    # cheaper than trying _PLACE at every "t"
    if text.find("tại", start, end) < 0 and text.find("trên", start, end) < 0:
        return None
    m = _PLACE.search(text, start, end)
    if not m:
        return None
    p = _WS.sub(" ", m.group("p")).strip()
    if p in ("tỉnh",) and where.province:
        return f"tỉnh {where.province}"
    if p in ("huyện", "xã", "phường", "thành phố", "thị xã", "thị trấn"):
        return None
    return p


def extract_activities(
    text: str,
    instruments: list[Instrument],
    header: DocumentHeader,
    *,
    relations: Sequence[Relation] | None = None,
    plan_activities: bool = True,
) -> list[Activity]:
    """The activities a document reports, in document order, with ids "a1", "a2", …

    ``relations`` are the document's links (kg.links): the document's own "implements" /
    "reviews" links say what it carries out as a whole.
    """
    from kg.structure import footnote_block_spans, page_number_spans

    where = _Place(header.province, header.level, header.place or header.province)
    dropped = sorted(footnote_block_spans(text) + page_number_spans(text))
    dropped_starts = [a for a, _ in dropped]
    dropped_reach = list(accumulate((b for _, b in dropped), max))  # furthest end so far
    memo: dict[int, bool] = {}  # event offset → used as a noun
    types = {i.key: i.type_code for i in instruments}
    low = _lower(text)
    period_words = _Words(low, _PERIOD_LOW_WORDS)
    events = _scan(text, low, instruments)
    ev_starts = [e.start for e in events]
    scopes = _scopes(text)
    scope_starts = [s.start for s in scopes]
    breaks = _paragraph_breaks(text)
    doc_drivers, reported = _document_drivers(header, instruments, relations)

    # events the body skips (inside a footnote block or page number), found by one walk in
    # step with the sorted events rather than by a search per event and unit
    skipped = _flags_in_spans(dropped, dropped_starts, ev_starts) if dropped else None

    def events_in(a: int, b: int, footnote: bool) -> list[_Event]:
        i, j = bisect_left(ev_starts, a), bisect_left(ev_starts, b)
        if footnote or skipped is None or not any(skipped[i:j]):
            return events[i:j]
        return [events[k] for k in range(i, j) if not skipped[k]]

    units: list[_Unit] = []
    heading_ends = sorted({*breaks, *(sc.heading_end for sc in scopes if sc.heading_end > sc.start)})
    for u in _split_at(_body_units(text, dropped), heading_ends) + _footnote_units(text):
        u.events = events_in(u.start, u.end, u.footnote)
        if text.find(";", u.start, u.end) < 0:
            units.append(u)  # nothing to split at (most sentences): not worth a call
        else:
            units.extend(_split_clauses(text, u))
    units.sort(key=attrgetter("start"))

    # headings naming an instrument drive everything under them
    for sc in scopes:
        if sc.heading_end > sc.start:
            hs = events_in(sc.start, sc.heading_end, False)
            if any(e.kind == "mention" for e in hs):
                hu = _Unit(sc.start, sc.heading_end, events=hs)
                _classify(text, hu, memo)
                heading = fold(text[sc.start : sc.heading_end]).lower()
                for i, e in enumerate(hs):
                    cls = hu.classes.get(i)
                    if cls == "driver" or (cls == "none" and ("ket qua" in heading or heading.lstrip(" -+*#0123456789IVXL.").startswith(("chi thi", "nghi quyet", "ke hoach", "chuong trinh", "ket luan", "nghi dinh", "quyet dinh", "de an")))):
                        sc.drivers.append(e.key)

    activities: list[tuple[int, Activity]] = []
    last_agent: tuple[int | None, int, str] | None = None  # (scope, paragraph, agent)
    carried: tuple[int, int, list[str]] | None = None  # (until, from, drivers) of a lead "Thực hiện X"
    prev_mentions: list[str] = []
    agents_at: list[tuple[int, int, str | None, str | None]] = []  # in text order  # body units: span and agent, for footnotes
    has_footnotes = any(u.footnote for u in units)  # agents_at is read for footnote units only
    mention_starts = [e.start for e in events if e.kind == "mention"]
    chain_drivers = _chain_drivers(scopes)  # (final: headings are read above)
    scope_inherited: dict[int | None, list[str]] = {}  # scope → what its clauses inherit from it and up
    for u in units:
        # most clauses hold no mention: told by bisection before their events are walked
        # (a unit may skip a mention inside a footnote block, so this only rules out)
        if u.events and bisect_left(mention_starts, u.start) < bisect_left(mention_starts, u.end):
            mentions = [(i, e) for i, e in enumerate(u.events) if e.kind == "mention"]
        else:
            mentions = []
        if mentions:  # with no mention there is nothing to classify (most clauses)
            _classify(text, u, memo)
        pos = u.anchor if u.footnote and u.anchor is not None else u.start
        sc_i = _innermost(scopes, scope_starts, pos)
        sc = scopes[sc_i] if sc_i is not None else None
        verb = _main_verb(text, u, memo)
        is_heading = sc is not None and sc.heading_end > sc.start and u.start >= sc.start and u.end <= sc.heading_end + 1
        if verb is None and not mentions and not has_footnotes:
            # no activity, no instrument, no agent to record for a footnote (most clauses
            # without a verb): only a heading can tell its section's agent
            prev_mentions = []
            if is_heading and sc.agent is None:  # type: ignore[union-attr]
                head = _subject(text[_lead_pos(text, u) : u.end].rstrip(" :\n"), where)
                if head:
                    sc.agent = head  # type: ignore[union-attr]
            continue
        if verb is None and mentions:
            # a list of instruments with no verb (a footnote to "ban hành các văn bản¹"):
            # each entry is an instrument its issuer put out
            _classify(text, u, memo, listing=True)
        drivers: list[str] = [e.key for i, e in mentions if u.classes.get(i) == "driver"] if mentions else []
        # where the clause starts without its label: read below only for a clause with a
        # verb, a driver or a heading (most clauses without a verb have neither)
        lead_pos = _lead_pos(text, u) if verb is not None or drivers or is_heading else u.start
        # a lead "Thực hiện X, …" carries X to the rest of its paragraph (or item)
        if not u.footnote and drivers and _may_lead(text, lead_pos) and _LEAD_TRIGGER.match(text, lead_pos, u.end):
            until = len(text)
            if sc is not None:
                until = sc.end if lead_pos - sc.start < 12 else until
            nb = bisect_right(breaks, u.start)
            para_end = breaks[nb] if nb < len(breaks) else len(text)
            if sc is None or lead_pos - sc.start >= 12:
                until = min(until, para_end)
                if sc is not None:
                    until = min(until, sc.end)
            carried = (until, u.start, list(drivers))
        mentioned_before = prev_mentions  # what "Theo đó, …" refers to
        if not u.footnote:
            prev_mentions = [e.key for _, e in mentions] if mentions else []

        agent: str | None = None
        if verb is not None and not is_heading:
            agent = _explicit_agent(text, u, verb, where, lead_pos)
            if agent is None:
                # "Liên đoàn Lao động tỉnh: Tổ chức …" (the ":" before the verb looked for
                # first: most clauses have none, and finding one is cheaper than cutting out
                # the clause to see whether it ends with ":")
                colon = text.find(":", lead_pos, verb.start)
                if colon > 0 and not text[lead_pos : u.end].rstrip().endswith(":"):
                    agent = _subject(text[lead_pos:colon], where)
        explicit = agent is not None
        # the agent a clause inherits is read only for an activity, an instrument it lists
        # (mentions) and what footnotes look up (agents_at): most clauses without a verb
        # need none
        if agent is None and (verb is not None or mentions or (has_footnotes and not u.footnote)):
            if u.footnote:
                agent = _agent_at(agents_at, u.anchor)
            elif last_agent and last_agent[0] == sc_i and last_agent[1] == bisect_right(breaks, pos):
                agent = last_agent[2]
            else:
                s = sc_i
                while s is not None and agent is None:
                    agent = scopes[s].agent
                    s = scopes[s].parent
        if explicit and not u.footnote:
            last_agent = (sc_i, bisect_right(breaks, pos), agent)  # type: ignore[assignment]
            if sc is not None and lead_pos - sc.start < 12 and sc.agent is None:
                sc.agent = agent
        elif is_heading and sc is not None and sc.agent is None:
            head = _subject(text[lead_pos : u.end].rstrip(" :\n"), where)
            if head:
                sc.agent = head
        if has_footnotes and not u.footnote:
            agents_at.append((u.start, u.end, agent, "issue" if any(e.kind == "issue" for e in u.events) else None))

        quiet = sc is not None and sc.quiet
        if verb is not None and not is_heading and not quiet:
            # (an issuing verb's clause, or one whose verb's kind is "ban hành văn bản",
            # issues: that a mention is its output changes neither)
            kind = "ban hành văn bản" if verb.kind == "issue" else _kind(text, u, verb)
            # the drivers the clause inherits: those "Theo đó" refers to, a lead "Thực hiện X"
            # carried on, its sections' and the document's
            inherited: list[str] = []
            if _may_lead(text, lead_pos) and _THEO_DO.match(text, lead_pos, u.end):
                inherited += mentioned_before
            if carried and not u.footnote and carried[1] < u.start < carried[0]:
                inherited += carried[2]
            # (the sections' and the document's, without repeats, are the same for every
            # clause of a scope: made once per scope, as the repeats after them would drop)
            in_scope = scope_inherited.get(sc_i)
            if in_scope is None:
                in_scope = scope_inherited[sc_i] = list(dict.fromkeys(
                    (chain_drivers[sc_i] if sc_i is not None else []) + doc_drivers
                    + (reported if not (sc is not None and sc.forward) else [])
                ))
            inherited += in_scope
            for ps, pe in _pieces(u, verb):
                keep = verb.start if ps <= verb.start < pe else ps
                # only the dropped blocks that can touch [ps, pe): those further left end
                # before it, those further right start after it (_evidence skips both)
                near = dropped[bisect_right(dropped_reach, ps) : bisect_left(dropped_starts, pe)] if not u.footnote else ()
                es, ee = _evidence(text, ps, pe, near, keep)
                piece_drivers = [
                    e.key for i, e in mentions if u.classes.get(i) == "driver" and ps <= e.start < pe
                ]
                activities.append(
                    (
                        es,
                        Activity(
                            id="",
                            agent=agent,
                            description=_describe(text, keep, pe),
                            kind=kind,
                            evidence=Evidence.of(text, es, ee),
                            drivers=list(dict.fromkeys(piece_drivers + inherited)),
                            period=_period(text, low, ps, pe, period_words),
                            place=_place(text, ps, pe, where),
                        ),
                    )
                )
        if mentions and plan_activities and not quiet:
            anchor_issues = not u.footnote or _kind_at(agents_at, u.anchor) == "issue"
            for i, e in mentions:
                cls = u.classes.get(i)
                if (cls == "output" or (cls == "listed" and anchor_issues)) and types.get(e.key) not in _NOT_PLANS:
                    act = _plan_activity(text, low, u, i, agent, where)
                    if act is not None:
                        activities.append((act.evidence.start, act))

    activities.sort(key=lambda p: p[0])
    out = []
    for n, (_, a) in enumerate(activities, start=1):
        a.id = f"a{n}"
        out.append(a)
    return out


def _pieces(u: _Unit, verb: _Event) -> list[tuple[int, int]]:
    """A long clause that lists several items after one verb ("ban hành Kế hoạch A …; Quyết
    định B …; Kế hoạch C …") is one activity per item: each item has its own evidence."""
    if u.end - u.start <= MAX_EVIDENCE:
        return [(u.start, u.end)]
    cuts = []
    depth = 0
    for e in u.events:
        if e.kind == "paren":
            depth += 1
        elif e.kind == "close":
            depth = max(0, depth - 1)
        elif e.kind == "semi" and depth == 0:
            cuts.append(e.end)
    out = []
    prev = u.start
    for c in cuts:
        if c - prev >= 60:
            out.append((prev, c))
            prev = c
    if out and u.end - prev < 60:
        out[-1] = (out[-1][0], u.end)
    else:
        out.append((prev, u.end))
    return out


def _at(agents_at: list[tuple[int, int, str | None, str | None]], pos: int | None) -> tuple[str | None, str | None]:
    """Agent and verb kind of the body clause holding ``pos`` (a footnote marker)."""
    if pos is None:
        return None, None
    i = bisect_right(agents_at, (pos, float("inf"))) - 1
    if i >= 0 and agents_at[i][0] <= pos <= agents_at[i][1]:
        return agents_at[i][2], agents_at[i][3]
    return None, None


def _agent_at(agents_at: list[tuple[int, int, str | None, str | None]], pos: int | None) -> str | None:
    return _at(agents_at, pos)[0]


def _kind_at(agents_at: list[tuple[int, int, str | None, str | None]], pos: int | None) -> str | None:
    return _at(agents_at, pos)[1]


# Instruments that report or propose rather than direct: issuing one directs no work.
_NOT_PLANS = frozenset({"BC", "BB", "TTr", "TB"})


def _plan_activity(text: str, low: str, u: _Unit, idx: int, agent: str | None, where: _Place) -> Activity | None:
    """The issuer directs the work an issued or listed instrument states as its purpose."""
    e = u.events[idx]
    region = [a for a, _, owner in u.desc if owner == idx]
    if not region:
        return None
    a = region[0]
    semis = [x.start for x in u.events if x.kind == "semi" and x.start > a]
    b = semis[0] if semis else u.end
    about = re.match(rf"(?:{_ABOUT})\s+(?:việc\s+)?", text[a:b], re.I)
    purpose_start = a + (about.end() if about else 0)
    if b - purpose_start < 12:
        return None
    # _OF_BODY needs "của" within its first 63 characters: cheap to rule out first
    of = _OF_BODY.match(text, e.end, b) if low.find("của", e.end, min(b, e.end + 63)) >= 0 else None
    issuer = _resolve(_WS.sub(" ", of.group("b")).strip(), where) if of else agent
    # the evidence starts at the type word before the notation ("Kế hoạch số …")
    back = max(text.rfind(";", u.start, e.start) + 1, text.rfind("(", u.start, e.start) + 1, u.start, e.start - 40)
    tm = _TYPE_BEFORE.search(text, back, e.start)
    start = tm.start() if tm else e.start
    es, ee = _evidence(text, start, b, (), e.start)
    return Activity(
        id="",
        agent=issuer,
        description=_describe(text, purpose_start, b),
        kind="chỉ đạo",
        evidence=Evidence.of(text, es, ee),
        drivers=list(dict.fromkeys([e.key] + [
            x.key for j, x in enumerate(u.events)
            if x.kind == "mention" and u.classes.get(j) == "driver" and a <= x.start < b
        ])),
        period=_period(text, low, purpose_start, b),
        place=_place(text, purpose_start, b, where),
    )


_TYPE_BEFORE = re.compile(
    r"(?i)(?<!\w)(?:kế\s+hoạch|chương\s+trình(?:\s+(?:hành\s+động|phối\s+hợp))?|chỉ\s+thị|chi\s+thị|nghị\s+quyết"
    r"(?:\s+liên\s+tịch)?|công\s+văn|quyết\s+định|thông\s+tư|nghị\s+định|hướng\s+dẫn|đề\s+án|phương\s+án|quy\s+chế"
    r"|thông\s+báo|kết\s+luận(?:\s+liên\s+ngành)?|quy\s+định|luật|báo\s+cáo|công\s+điện)\s+(?:số\s+)?$"
)


def link_observations(activities: Sequence[Activity], observations: Sequence[Observation]) -> None:
    """Tie each observation to the activity it results from (updated in place): the one whose
    evidence contains the observation's, else the one sharing most of it (at least half: the
    two finders cut long sentences at slightly different places). The observation takes the
    activity's agent when it has none."""
    if not observations:
        return  # (most plans report no figure: the activities need not be sorted for them)
    spans = sorted(((a.evidence.start, a.evidence.end, a) for a in activities), key=lambda t: t[0])
    starts = [s for s, _, _ in spans]
    for o in observations:
        os_, oe = o.evidence.start, o.evidence.end
        lo = bisect_left(starts, os_ - 2 * MAX_EVIDENCE)
        hi = bisect_right(starts, oe)
        best: Activity | None = None
        best_overlap = 0
        for s, e, act in spans[lo:hi]:
            if e <= os_:
                continue  # no overlap: it cannot beat best_overlap (≥ 0)
            # min(e, oe) - max(s, os_), spelled out: this runs for every pair in the window
            overlap = (e if e < oe else oe) - (s if s > os_ else os_)
            if s <= os_ and oe <= e:
                overlap += oe - os_  # containment beats any partial overlap
            if overlap > best_overlap:
                best, best_overlap = act, overlap
        if best is None or best_overlap * 2 < oe - os_:
            continue
        o.activity = best.id
        if o.agent is None and best.agent:
            o.agent = best.agent
