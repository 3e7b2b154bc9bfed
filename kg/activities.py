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
  instrument named in a section heading ("1. Kết quả thực hiện Chỉ thị 48-CT/TW");
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
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

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
        "lập hồ sơ", "nắm tình hình", "khảo sát",
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
    "xây dựng phong trào": ("xây dựng", "củng cố", "nhân rộng", "duy trì", "phát động"),
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
)
# Words that make the next instrument an output.
_ISSUE = (
    "ban hành", "ký kết", r"ký(?=\s+(?:ban|quyết|kế|chương|công|văn|quy|Kế|Chương|Quyết|Công))", "trình", "dự thảo",
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


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching exactly ``words`` (lower case, spaces = any whitespace),
    as a character trie: the engine then tries one branch per character instead of every
    phrase at every position, which is what makes the scan fast."""
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
            alts.append((r"\s+" if ch == " " else re.escape(ch)) + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return build(root)


def _lower_pattern(p: str) -> str:
    return p.replace(r"\S", r"[^\s]").lower()


def _group(phrases: Iterable[str]) -> str:
    plain = [p.lower() for p in phrases if "\\" not in p and "(" not in p]
    special = [_lower_pattern(p) for p in phrases if "\\" in p or "(" in p]
    parts = [*special, _trie(plain)] if plain else special
    return "|".join(f"(?:{x})" for x in parts)


_VERB_KIND: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"(?:{_alternation(v)})$", re.I), k) for k, v in _KIND_VERBS.items()
]

# Matched on the lower-cased text: case-blind without the cost of re.IGNORECASE.
_EVENTS = re.compile(
    rf"(?<!\w)(?=[^\W\d_])(?:(?P<trig>{_group(_TRIGGERS)})|(?P<issue>{_group(_ISSUE)})"
    rf"|(?P<verb>{_group([p for v in _KIND_VERBS.values() for p in v])})|(?P<about>{_group(['về việc', 'về', 'v/v', 'nhằm', 'để'])}))(?!\w)"
    r"|(?P<semi>;)|(?P<paren>\()|(?P<close>\))",
)

# Words before a verb that make it a noun ("công tác tuyên truyền", "các hoạt động").
_NOUN_BEFORE = re.compile(
    r"(?<![a-z])(?:cong\s+tac|cac|nhung|viec|hoat\s+dong|cuoc|dot|ket\s+qua|tinh\s+hinh|toi\s+pham|muc\s+tieu|ve|cua|"
    r"thuc\s+hien|cho|voi|trong|lam|tro|ke\s+hoach|chuong\s+trinh|phuong\s+an|nhiem\s+vu|bien\s+phap|giai\s+phap)\s+$"
)

_LABEL = re.compile(
    r"\A[\s*\\#>]*(?:(?:[IVXL]{1,5}|\d{1,2}(?:\.\d{1,2}){0,3})\.|[a-zđ]\)|[-+•–]|\\\*)?[\s*\\]*"
)
_LEAD_ADVERBS = re.compile(
    r"\A(?:(?:Đồng\s+thời|Bên\s+cạnh\s+đó|Ngoài\s+ra|Trong\s+đó|Mặt\s+khác|Qua\s+đó|Từ\s+đó|Kết\s+quả)\s*[,:]?\s*)+",
    re.I,
)
_LEAD_TRIGGER = re.compile(
    r"\A(?:(?:Tiếp\s+tục|Đồng\s+thời|Đã|Chủ\s+động|Tích\s+cực)\s+)*(?:triển\s+khai\s+thực\s+hiện|thực\s+hiện|triển\s+khai|quán\s+triệt|hưởng\s+ứng|căn\s+cứ|theo)(?!\w)",
    re.I,
)
_THEO_DO = re.compile(r"\A(?:Theo\s+đó|Thực\s+hiện\s+(?:các\s+)?(?:văn\s+bản|kế\s+hoạch|chỉ\s+đạo)\s+(?:nêu\s+)?trên)(?!\w)", re.I)
_TRAILING_ADVERBS = re.compile(
    r"(?:\s|,|:|-)*(?:(?:đã|đang|sẽ|cũng|đều|vẫn|luôn|tiếp\s+tục|chủ\s+động|tích\s+cực|thường\s+xuyên|kịp\s+thời|trực\s+tiếp|khẩn\s+trương|nghiêm\s+túc|đồng\s+thời|tốt|thành\s+công|liên\s+tiếp|cần|phải|có\s+trách\s+nhiệm)(?:\s|,)*)*$",
    re.I,
)
_BODY_HEAD = re.compile(
    r"\A(?:Đề\s+nghị\s+|Yêu\s+cầu\s+)?(?:các\s+|Các\s+)?(?:Công\s+an|UBND|Ủy\s+ban|Uỷ\s+ban|UBMTTQ|HĐND|Hội\s+đồng|Sở|Ban|Bộ|"
    r"Tỉnh\s+[uủ]ỷ|Tỉnh\s+[uủ]y|Thành\s+[uủ]ỷ|Thành\s+[uủ]y|Huyện\s+[uủ]ỷ|Huyện\s+[uủ]y|Đảng|Liên\s+đoàn|Hội|Đoàn|Tỉnh\s+[Đđ]oàn|"
    r"Thành\s+[Đđ]oàn|Viện|T[òo]a|Ngân\s+hàng|Cục|Chi\s+cục|Phòng|Đài|Báo|Trung\s+tâm|Cơ\s+quan|Văn\s+phòng|Mặt\s+trận|"
    r"MTTQ|BCĐ|BCH|Lực\s+lượng|lực\s+lượng|Bộ\s+đội|Kho\s+bạc|Bảo\s+hiểm|Trường|Cổng|Hải\s+quan|Công\s+đoàn|Cảnh\s+sát|"
    r"Thanh\s+tra|Kiểm\s+lâm|Quản\s+lý\s+thị\s+trường|Chính\s+quyền|chính\s+quyền|Cấp\s+ủy|cấp\s+ủy|Cấp\s+uỷ|cấp\s+uỷ|"
    r"sở|ngành|đơn\s+vị|cơ\s+quan|địa\s+phương|huyện|xã|phường|ban|Chỉ\s+huy|Quân\s+sự|Biên\s+phòng|Tổ|Nhà\s+trường|"
    r"Người\s+đứng\s+đầu|Thủ\s+trưởng|Chủ\s+tịch|đồng\s+chí)(?!\w)"
)
_PERIOD = re.compile(
    r"(?<!\w)(?:từ\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?\s+đến\s+(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}"
    r"|\d{1,2}\s+tháng\s+(?:đầu\s+|cuối\s+)?năm\s+\d{4}|(?:sáu|06|6)\s+tháng\s+(?:đầu|cuối)\s+năm\s+\d{4}"
    r"|quý\s+[IV1-4]{1,3}(?:\s+năm\s+\d{4})?|niên\s+vụ\s+\d{4}\s*-\s*\d{4}|giai\s+đoạn\s+\d{4}\s*-\s*\d{4}"
    r"|năm\s+\d{4})(?!\w)",
    re.I,
)
_DATE_BEFORE = re.compile(r"(?:tháng\s+\d{1,2}|ngày\s+\d{1,2}/\d{1,2})\s*$")
_PLACE = re.compile(
    r"(?<!\w)(?:trên\s+địa\s+bàn|tại)\s+(?P<p>(?:tỉnh|huyện|thành\s+phố|thị\s+xã|xã|phường|thị\s+trấn|các\s+huyện|các\s+xã)"
    r"(?:\s+[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ]*){0,4})"
)
_WS = re.compile(r"\s+")
_MARKUP = re.compile(r"\\(?=[*#_\[\]()\-+.])|\*+|</?sup>|#+\s")
_BREAK = re.compile(r"\n[ \t]*\n")
_OF_BODY = re.compile(r"\A[^;]{0,60}?\bcủa\s+(?P<b>[^;,:]{3,80}?)\s+(?=về|V/v|quy\s+định|ban\s+hành|hướng\s+dẫn)", re.I)


# --------------------------------------------------------------------------------------------
# Events: verbs, triggers, mentions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    start: int
    end: int
    kind: str  # trig | issue | verb | about | semi | paren | close | mention
    key: str = ""


@dataclass
class _Unit:
    start: int
    end: int
    footnote: bool = False
    anchor: int | None = None  # for footnote units: where the marker sits in the body
    events: list[_Event] = field(default_factory=list)
    classes: dict[int, str] = field(default_factory=dict)  # mention index in events → class
    desc: list[tuple[int, int, int]] = field(default_factory=list)  # description regions, owner
    verb: _Event | None = None
    agent: str | None = None
    explicit: bool = False
    drivers: list[str] = field(default_factory=list)


def _scan(text: str, instruments: Sequence[Instrument]) -> list[_Event]:
    """Verbs, triggers, "về", list separators and instrument mentions, in text order."""
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer: keep offsets exact
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    events = [_Event(m.start(), m.end(), m.lastgroup or "verb") for m in _EVENTS.finditer(low)]
    for inst in instruments:
        for sp in inst.mentions:
            events.append(_Event(sp.start, sp.end, "mention", inst.key))
    events.sort(key=lambda e: (e.start, e.kind != "mention"))
    # a verb or trigger inside a mention ("Chương trình phối hợp số …") is part of its name
    out: list[_Event] = []
    last_mention_end = -1
    for e in events:
        if e.kind == "mention":
            while out and out[-1].kind != "mention" and out[-1].start >= e.start:
                out.pop()
            last_mention_end = max(last_mention_end, e.end)
            out.append(e)
        elif e.start >= last_mention_end:
            out.append(e)
    return out


def _kind_of(phrase: str) -> str:
    p = _WS.sub(" ", phrase)
    for rx, kind in _VERB_KIND:
        if rx.match(p):
            return kind
    return GENERIC_KIND


def _is_noun_use(folded: str, e: _Event) -> bool:
    """``folded`` is kg.iri.fold of the text (same offsets)."""
    return _NOUN_BEFORE.search(folded, max(0, e.start - 24), e.start) is not None


# --------------------------------------------------------------------------------------------
# Units: sentences and clauses
# --------------------------------------------------------------------------------------------


def _in_spans(spans: Sequence[tuple[int, int]], starts: Sequence[int], pos: int) -> bool:
    i = bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _body_units(text: str, dropped: list[tuple[int, int]]) -> list[_Unit]:
    from kg.structure import sentences

    return [_Unit(a, b) for a, b in sentences(text)]


def _footnote_units(text: str) -> list[_Unit]:
    from kg.structure import find_footnotes, make_view, view_sentences

    units: list[_Unit] = []
    for fn in find_footnotes(text):
        v = make_view(text, start=fn.start, end=fn.end)
        for a, b in view_sentences(v):
            s, e = v.orig_span(a, b)
            units.append(_Unit(s, e, footnote=True, anchor=fn.anchor_start))
    return units


def _split_clauses(text: str, unit: _Unit) -> list[_Unit]:
    """Split a sentence at ";" where the next part has its own verb near its start; list items
    without a verb of their own ("…; Nghị quyết số 51 …; Chỉ thị số 12 …") stay with it."""
    semis = [e for e in unit.events if e.kind == "semi"]
    if not semis:
        return [unit]
    depth = 0
    cuts: list[int] = []
    for e in unit.events:
        if e.kind == "paren":
            depth += 1
        elif e.kind == "close":
            depth = max(0, depth - 1)
        elif e.kind == "semi" and depth == 0:
            nxt = [x for x in unit.events if x.start > e.end and x.kind in ("verb", "trig", "issue", "mention")][:1]
            if nxt and nxt[0].kind != "mention" and nxt[0].start - e.end < 60:
                cuts.append(e.end)
    if not cuts:
        return [unit]
    out: list[_Unit] = []
    prev = unit.start
    for c in [*cuts, unit.end]:
        out.append(_Unit(prev, c, unit.footnote, unit.anchor, [x for x in unit.events if prev <= x.start < c]))
        prev = c
    return out


# --------------------------------------------------------------------------------------------
# Mentions: driver, output, chain or none
# --------------------------------------------------------------------------------------------


def _classify(folded: str, unit: _Unit) -> None:
    """Walk the clause's events in order and decide what each instrument mention is to the
    activity: "driver" (tied by a trigger), "output" (being issued), "chain" (named in the
    title of another instrument: that one's link), or "none" (a topic, a bare citation)."""
    mode: str | None = None
    last_mention: int | None = None
    last_class = "none"  # of the last mention outside descriptions: list items continue it
    mention_class = "none"  # of the last mention, wherever it sits
    owner = -1  # the mention whose description ("… về …") is being read
    owner_class = "none"
    in_desc = False
    desc_start = 0
    desc_trig = False
    paren_at = -1
    clean = False  # nothing but a description since the last mention

    def close(at: int) -> None:
        nonlocal in_desc
        if in_desc:
            unit.desc.append((desc_start, at, owner))
        in_desc = False

    for i, e in enumerate(unit.events):
        k = e.kind
        if k == "mention":
            was_desc = in_desc
            if in_desc:
                cls = "driver" if desc_trig and owner_class == "output" else "chain"
            elif paren_at >= 0 and e.start - paren_at < 60 and mode != "issue":
                cls = "driver"
            elif clean and last_mention is not None:
                cls = last_class
            else:
                cls = {"trig": "driver", "issue": "output"}.get(mode or "", "none")
            close(e.start)
            unit.classes[i] = cls
            mention_class = cls
            if not was_desc:
                last_class = cls
            last_mention = i
            clean = True
            desc_trig = False
            continue
        if k == "about":
            if last_mention is not None and clean and e.start - unit.events[last_mention].end < 150:
                close(e.start)
                in_desc, desc_start, desc_trig = True, e.start, False
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
        elif k == "verb" and not _is_noun_use(folded, e):
            mode = "verb"
    close(unit.end)


def _in_desc(unit: _Unit, pos: int) -> bool:
    return any(a <= pos < b for a, b, _ in unit.desc)


def _main_verb(text: str, folded: str, unit: _Unit) -> _Event | None:
    """The clause's predicate: its first verb outside instrument descriptions; a leading
    "Thực hiện X, …" gives way to the verb after it."""
    verbs = [
        e
        for e in unit.events
        if e.kind in ("verb", "trig", "issue")
        and not _in_desc(unit, e.start)
        and not _is_noun_use(folded, e)
        and _WS.sub(" ", folded[e.start : e.end]) not in ("theo", "thuc", "can cu", "gan voi", "tren co so")
    ]
    if not verbs:
        return None
    first = verbs[0]
    lead = _LEAD_TRIGGER.match(_lead_text(text, unit)[0])
    if lead and first.kind == "trig":
        mentions = [e for e in unit.events if e.kind == "mention"]
        if mentions:
            comma = text.find(",", mentions[0].end, unit.end)
            later = [v for v in verbs if comma >= 0 and v.start > comma]
            if later:
                return later[0]
    return first


def _lead_text(text: str, unit: _Unit) -> tuple[str, int]:
    """The clause without its label and markup, and the offset where that starts."""
    m = _LABEL.match(text, unit.start, unit.end)
    pos = m.end() if m else unit.start
    return text[pos : unit.end], pos


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


@dataclass(frozen=True)
class _Place:
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
    p = _MARKUP.sub("", prefix)
    p = _WS.sub(" ", p).strip()
    p = _LEAD_ADVERBS.sub("", p)
    p = _TRAILING_ADVERBS.sub("", p).strip(" ,:-")
    if not p or len(p) > 160:
        return None
    if not _BODY_HEAD.match(p):
        return None
    from kg.bodies import find_bodies

    found = find_bodies(p)
    if found and found[0][0] <= 12:
        return _resolve(found[0][2], where)
    head = re.split(r",|\s+và\s+|\s+phối\s+hợp|:", p)[0].strip()
    head = re.sub(r"\A(?:Đề\s+nghị|Yêu\s+cầu)\s+", "", head)
    return _resolve(head, where) if head else None


def _explicit_agent(text: str, unit: _Unit, verb: _Event, where: _Place) -> str | None:
    lead, pos = _lead_text(text, unit)
    if verb.start <= pos:
        return None
    prefix = text[pos : verb.start]
    # "Thực hiện X, <subject> <verb>": the subject follows the last comma of the lead phrase
    if _LEAD_TRIGGER.match(prefix) or _THEO_DO.match(prefix) or prefix.lstrip().lower().startswith(("trong ", "năm ", "qua ", "để ", "nhằm ")):
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


def _scopes(text: str) -> list[_Scope]:
    from kg.structure import segment

    out: list[_Scope] = []
    index: dict[int, int] = {}
    for i, s in enumerate(segment(text)):
        if s.kind not in ("section", "item"):
            continue
        le = text.find("\n", s.start)
        le = s.end if le < 0 or le > s.end else le
        index[i] = len(out)
        real = s.heading is not None and _is_heading_line(text, s.start, le)
        out.append(_Scope(s.start, s.end, index.get(s.parent) if s.parent is not None else None, le if real else s.start))
    return out


_NEXT_LINE = re.compile(r"\n\s*(\S)")


def _is_heading_line(text: str, start: int, end: int) -> bool:
    """A short first line is a heading only if the text does not run on from it: PDF text
    wraps every ~80 characters, so a wrapped sentence's first line is short too."""
    line = text[start:end].rstrip(" \t*")
    if line.endswith((",", "-", "–")):
        return False
    if line.endswith(":"):
        return True
    m = _NEXT_LINE.search(text, end)
    if not m:
        return True
    ch = m.group(1)
    return ch.isupper() or ch.isdigit() or ch in "-+•*#\\(“\""


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
    out = []
    for m in _BREAK.finditer(text):
        j = m.start() - 1
        while j >= 0 and text[j] in " \t*":
            j -= 1
        if j < 0 or text[j] in ".:!?…;”\")":
            out.append(m.start())
    return out


# --------------------------------------------------------------------------------------------
# The document's own driver
# --------------------------------------------------------------------------------------------

_TITLE_TRIGGER = re.compile(r"(?:thực\s+hiện|triển\s+khai|cụ\s+thể\s+hoá|cụ\s+thể\s+hóa)\s+(?:\S+\s+){0,6}?$", re.I)


def _document_drivers(
    header: DocumentHeader, instruments: Sequence[Instrument], relations: Sequence[Relation] | None
) -> list[str]:
    """What the document as a whole carries out (see the module docstring)."""
    own = {"#document", header.notation} - {None}
    out: list[str] = []
    is_report = (header.type or "").lower().startswith("báo cáo")
    for r in relations or ():
        if r.source in own and (r.type == "reviews" or (r.type == "implements" and not is_report)):
            out.append(r.target)
    if header.title:
        title = _WS.sub("", header.title)
        spaced = _WS.sub(" ", header.title)
        for inst in instruments:
            if not inst.notation or inst.notation not in title:
                continue
            at = spaced.replace(" ", "").find(inst.notation)
            # map the position in the unspaced title back to the spaced one
            count = 0
            pos = 0
            for pos, ch in enumerate(spaced):
                if ch != " ":
                    if count == at:
                        break
                    count += 1
            if _TITLE_TRIGGER.search(spaced[:pos]):
                out.append(inst.key)
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


def _evidence(text: str, start: int, end: int, dropped: Sequence[tuple[int, int]], keep: int) -> tuple[int, int]:
    """An exact, readable slice: no label, no dropped block (footnotes, page numbers) inside,
    the side holding ``keep`` kept, and at most about MAX_EVIDENCE characters."""
    m = _LABEL.match(text, start, end)
    if m and m.end() < end:
        start = m.end()
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


def _describe(text: str, start: int, end: int) -> str:
    d = _WS.sub(" ", _MARKUP.sub("", text[start : min(end, start + 2 * _DESC_CHARS)])).strip(" ,;:.")
    if len(d) > _DESC_CHARS:
        d = d[:_DESC_CHARS].rsplit(" ", 1)[0] + " …"
    return d


def _period(text: str, start: int, end: int) -> str | None:
    for m in _PERIOD.finditer(text, start, end):
        if _DATE_BEFORE.search(text, max(0, m.start() - 16), m.start()):
            continue
        return _WS.sub(" ", m.group(0))
    return None


def _place(text: str, start: int, end: int, where: _Place) -> str | None:
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
    folded = fold(text)
    events = _scan(text, instruments)
    ev_starts = [e.start for e in events]
    scopes = _scopes(text)
    scope_starts = [s.start for s in scopes]
    breaks = _paragraph_breaks(text)
    doc_drivers = _document_drivers(header, instruments, relations)

    def events_in(a: int, b: int, footnote: bool) -> list[_Event]:
        out = events[bisect_left(ev_starts, a) : bisect_left(ev_starts, b)]
        if footnote:
            return out
        return [e for e in out if not _in_spans(dropped, dropped_starts, e.start)]

    units: list[_Unit] = []
    for u in _body_units(text, dropped) + _footnote_units(text):
        u.events = events_in(u.start, u.end, u.footnote)
        units.extend(_split_clauses(text, u))
    units.sort(key=lambda u: u.start)

    # headings naming an instrument drive everything under them
    for sc in scopes:
        if sc.heading_end > sc.start:
            hs = events_in(sc.start, sc.heading_end, False)
            if any(e.kind == "mention" for e in hs):
                hu = _Unit(sc.start, sc.heading_end, events=hs)
                _classify(folded, hu)
                heading = fold(text[sc.start : sc.heading_end]).lower()
                for i, e in enumerate(hs):
                    cls = hu.classes.get(i)
                    if cls == "driver" or (cls == "none" and ("ket qua" in heading or heading.lstrip(" -+*#0123456789IVXL.").startswith(("chi thi", "nghi quyet", "ke hoach", "chuong trinh", "ket luan", "nghi dinh", "quyet dinh", "de an")))):
                        sc.drivers.append(e.key)

    activities: list[tuple[int, Activity]] = []
    last_agent: tuple[int | None, int, str] | None = None  # (scope, paragraph, agent)
    carried: tuple[int, int, list[str]] | None = None  # (until, from, drivers) of a lead "Thực hiện X"
    prev_mentions: list[str] = []
    agents_at: list[tuple[int, int, str | None]] = []  # body units: span and agent, for footnotes
    for u in units:
        _classify(folded, u)
        mentions = [(i, e) for i, e in enumerate(u.events) if e.kind == "mention"]
        pos = u.anchor if u.footnote and u.anchor is not None else u.start
        sc_i = _innermost(scopes, scope_starts, pos)
        para = bisect_right(breaks, pos)
        verb = _main_verb(text, folded, u)
        is_heading = sc_i is not None and scopes[sc_i].heading_end > scopes[sc_i].start and u.start >= scopes[sc_i].start and u.end <= scopes[sc_i].heading_end + 1
        lead, lead_pos = _lead_text(text, u)
        drivers: list[str] = [e.key for i, e in mentions if u.classes.get(i) == "driver"]
        outputs = [(i, e) for i, e in mentions if u.classes.get(i) == "output"]
        # a lead "Thực hiện X, …" carries X to the rest of its paragraph (or item)
        if not u.footnote and _LEAD_TRIGGER.match(lead) and drivers:
            until = len(text)
            if sc_i is not None:
                until = scopes[sc_i].end if lead_pos - scopes[sc_i].start < 12 else until
            nb = bisect_right(breaks, u.start)
            para_end = breaks[nb] if nb < len(breaks) else len(text)
            if sc_i is None or lead_pos - scopes[sc_i].start >= 12:
                until = min(until, para_end)
                if sc_i is not None:
                    until = min(until, scopes[sc_i].end)
            carried = (until, u.start, list(drivers))
        if _THEO_DO.match(lead):
            drivers += prev_mentions
        if carried and not u.footnote and carried[1] < u.start < carried[0]:
            drivers += carried[2]
        s = sc_i
        while s is not None:
            drivers += scopes[s].drivers
            s = scopes[s].parent
        drivers += doc_drivers
        prev_mentions = [e.key for _, e in mentions] if not u.footnote else prev_mentions

        agent: str | None = None
        if verb is not None and not is_heading:
            agent = _explicit_agent(text, u, verb, where)
            if agent is None and lead.rstrip().endswith(":") is False:
                # "Liên đoàn Lao động tỉnh: Tổ chức …"
                colon = text.find(":", lead_pos, verb.start)
                if colon > 0:
                    agent = _subject(text[lead_pos:colon], where)
        explicit = agent is not None
        if agent is None:
            if u.footnote:
                agent = _agent_at(agents_at, u.anchor)
            elif last_agent and last_agent[0] == sc_i and last_agent[1] == para:
                agent = last_agent[2]
            else:
                s = sc_i
                while s is not None and agent is None:
                    agent = scopes[s].agent
                    s = scopes[s].parent
        if explicit and not u.footnote:
            last_agent = (sc_i, para, agent)  # type: ignore[assignment]
            if sc_i is not None and lead_pos - scopes[sc_i].start < 12 and scopes[sc_i].agent is None:
                scopes[sc_i].agent = agent
        elif is_heading and sc_i is not None and scopes[sc_i].agent is None:
            head = _subject(text[lead_pos : u.end].rstrip(" :\n"), where)
            if head:
                scopes[sc_i].agent = head
        if not u.footnote:
            agents_at.append((u.start, u.end, agent))

        if verb is not None and not is_heading:
            kind = "ban hành văn bản" if verb.kind == "issue" or (outputs and verb.kind != "trig" and _kind(text, u, verb) == "ban hành văn bản") else _kind(text, u, verb)
            es, ee = _evidence(text, u.start, u.end, dropped if not u.footnote else (), verb.start)
            activities.append(
                (
                    es,
                    Activity(
                        id="",
                        agent=agent,
                        description=_describe(text, verb.start, u.end),
                        kind=kind,
                        evidence=Evidence.of(text, es, ee),
                        drivers=list(dict.fromkeys(drivers)),
                        period=_period(text, u.start, u.end),
                        place=_place(text, u.start, u.end, where),
                    ),
                )
            )
        if plan_activities:
            for i, _e in mentions:
                cls = u.classes.get(i)
                if cls == "output" or (verb is None and cls == "none"):
                    act = _plan_activity(text, u, i, agent, where)
                    if act is not None:
                        activities.append((act.evidence.start, act))

    activities.sort(key=lambda p: p[0])
    out = []
    for n, (_, a) in enumerate(activities, start=1):
        a.id = f"a{n}"
        out.append(a)
    return out


def _agent_at(agents_at: list[tuple[int, int, str | None]], pos: int | None) -> str | None:
    if pos is None:
        return None
    i = bisect_right([a for a, _, _ in agents_at], pos) - 1
    if i >= 0 and agents_at[i][0] <= pos <= agents_at[i][1]:
        return agents_at[i][2]
    return None


def _plan_activity(text: str, u: _Unit, idx: int, agent: str | None, where: _Place) -> Activity | None:
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
    of = _OF_BODY.match(text, e.end, b)
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
        drivers=[e.key],
        period=_period(text, purpose_start, b),
        place=_place(text, purpose_start, b, where),
    )


_TYPE_BEFORE = re.compile(r"(?<!\w)[A-ZĐa-zđ][^\W\d_]*(?:\s+[^\W\d_]+){0,4}?\s+(?:số\s+)?$")


def link_observations(activities: Sequence[Activity], observations: Sequence[Observation]) -> None:
    """Tie each observation to the activity whose evidence contains it (updated in place):
    an observation is the result of the activity reported in the same clause."""
    spans = sorted(((a.evidence.start, a.evidence.end, a) for a in activities), key=lambda t: t[0])
    starts = [s for s, _, _ in spans]
    for o in observations:
        ev = o.evidence
        i = bisect_right(starts, ev.start) - 1
        while i >= 0 and spans[i][1] < ev.end and spans[i][0] > ev.start - MAX_EVIDENCE * 2:
            i -= 1
        if i < 0:
            continue
        s, e, act = spans[i]
        if not (s <= ev.start and ev.end <= e):
            continue
        o.activity = act.id
        if getattr(o, "agent", None) is None and act.agent:
            o.agent = act.agent
