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
    boundary_offsets,
    find_footnotes,
    footnote_block_spans,
    make_view,
    page_number_spans,
    segment,
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
        self._add(label, [])
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
    words = []
    for w in label.split():
        lw = w.lower() if not (w.isupper() and len(w) > 1) else w
        words.append(_EXPAND.get(lw.lower(), lw if lw.lower() not in _EXPAND else lw))
    text = " ".join(words).strip(" ,;:-")
    text = re.sub(r"\s+", " ", text)
    return (scheme or default_scheme()).resolve(text) if text else text


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
    "đón", "tiếp đón", "giúp", "thu hút", "thu hoạch", "công nhận", "điều trị", "tuyển sinh", "mở", "tạm giam", "tạm giữ",
)
_PUNITIVE = frozenset(
    {"bắt giữ", "bắt", "khởi tố", "truy tố", "xét xử", "xử lý", "xử phạt", "phạt", "triệu tập",
     "răn đe", "tịch thu", "thu giữ", "thu", "phá", "triệt phá", "tiêu hủy", "phá nhổ"}
)
_NEUTRAL = frozenset({"xảy ra", "ghi nhận"})
_PERSONS = frozenset(
    {"đối tượng", "bị can", "bị cáo", "người", "phạm nhân", "trường hợp", "nạn nhân", "học viên",
     "lượt người", "lượt đối tượng", "công dân", "cán bộ", "thanh niên"}
)
_VERB_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, _VERBS), key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)
_NP_STOP = frozenset(
    ["với", "cho", "tại", "trong", "của", "so", "để", "do", "nhằm", "từ", "đến", "tới", "trên", "ở", "gồm", "là", "đạt", "chiếm", "tăng", "giảm", "và", "theo", "về", "thuộc", "nhưng", "được", "đã", "đang", "có", "không", "hoặc", "hay", "qua", "bằng", "sau", "trước", "khi", "thì", "như", "các", "những", "vào", "trị", "giá", "tổng", "số", "lượng", "mỗi", "riêng", "cụ", "thể", "gây", "làm", "chưa", "cũng", "đều", "sẽ"]
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
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
_MONEY_UNITS = re.compile(r"(?:nghìn|ngàn|triệu|tỷ|tỉ|vạn|đồng|VNĐ|VND|USD|NDT)", re.IGNORECASE)
_CHANGE_BEFORE = re.compile(r"(tăng|giảm)(?: thêm)?[ ]?(?:khoảng |hơn |trên |gần )?$", re.IGNORECASE)
_RATE_LINK = re.compile(
    r"^(?:[ ]?[^\W\d_]+){0,6}?[ ]?(?:=|bằng|tương đương|tương ứng|tức|,|\(|là)?[ ]?(?:khoảng )?$", re.IGNORECASE
)
# Targets and norms are not results: "phấn đấu … ít nhất 60%", "chỉ tiêu", "05 đồng chí/xã".
_TARGET = re.compile(r"phấn đấu|chỉ tiêu|mục tiêu đề ra|dự kiến|kế hoạch đề ra|yêu cầu", re.IGNORECASE)
_COMPARED = re.compile(
    r"so với (?P<a>(?:cùng kỳ|năm|giai đoạn|kỳ|tháng|quý|đợt)[^,;()=*]{0,40}?)(?=[ ]?(?:tăng|giảm|[,;()=*]|$))"
    r"|(?P<b>cùng kỳ(?: năm \d{4})?)",
    re.IGNORECASE,
)
_RATE_HEAD = re.compile(r"tỷ lệ|tỉ lệ", re.IGNORECASE)
_RATE_TAIL = re.compile(r"[ ,:]*(?:đạt|là|chiếm|bằng|khoảng|trên|hơn|gần|:|=)*[ ,:]*$", re.IGNORECASE)

_PERIOD = re.compile(
    r"(?=[TtNnGgSsCcBbQqĐđ\d])(?<!\w)(?:"  # look-ahead first: the engine skips other characters fast
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
_COMPARISON_BEFORE = re.compile(r"(?:so với|cùng kỳ|hơn|kỳ trước)[ ]?$", re.IGNORECASE)
_PLACE = re.compile(
    r"(?:tại|trên địa bàn|ở|thuộc) (?:các )?(?P<p>(?:xã|phường|thị trấn|huyện|thị xã|thành phố|tỉnh|TP\.?|Tp\.?) ?"
    r"[A-ZĐÂĂÊÔƠƯ][^\W\d_]*(?: [A-ZĐÂĂÊÔƠƯ][^\W\d_]*){0,3})"
)


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


@dataclass
class _Region:
    view: View
    sentences: list[tuple[int, int]]  # view spans
    sections: list[int] = field(default_factory=list)  # view offsets of section starts
    default_period: str | None = None


def _periods(vt: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _PERIOD.finditer(vt):
        if _COMPARISON_BEFORE.search(vt, max(0, m.start() - 12), m.start()):
            continue
        out.append((m.start(), m.end(), m.group(0)))
    return out


def _np_after(vt: str, pos: int, limit: int = 7) -> str:
    """The noun phrase after a unit, up to a function word, punctuation or a number."""
    return _np_span(vt, pos, limit)[0]


def _np_span(vt: str, pos: int, limit: int = 7) -> tuple[str, int]:
    words: list[str] = []
    end = pos
    i = pos
    while len(words) < limit:
        while i < len(vt) and vt[i] == " ":
            i += 1
        m = _WORD.match(vt, i)
        if not m or m.start() != i:
            break
        w = m.group(0)
        if w.lower() in _NP_STOP:
            break
        words.append(w)
        i = end = m.end()
    return " ".join(words), end


def _passive(verb: str, unit: str) -> str:
    v = verb.lower()
    if v in _NEUTRAL:
        return v
    if v == "làm chết":
        return "chết"
    if v == "làm bị thương":
        return "bị thương"
    if unit in _PERSONS and v in _PUNITIVE:
        return "bị " + v
    if unit in _PERSONS or v in _PUNITIVE:
        return ("bị " if v in _PUNITIVE else "được ") + v
    return "được " + v


def _label_before(pre: str) -> str | None:
    """A short label directly before the number ("Trộm cắp tài sản 47 vụ", "Xuất sắc: 56 …")."""
    pre = pre.strip(" *=")
    if not pre or len(pre) > 60 or any(c.isdigit() for c in pre):
        return None
    pre = pre.rstrip(" :")
    if any(c in pre for c in "(),;:=/"):
        return None
    words = pre.split()
    if not 1 <= len(words) <= 7:
        return None
    if words[0].lower() in _NP_STOP or words[-1].lower() in _NP_STOP:
        return None
    return pre.lower()


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
    return _CHANGE_BEFORE.search(vt, max(lo, q.start - 16), q.start)


def _measure_for(
    vt: str, q: Quantity, pre: str, inherited: str | None, prev_measure: str | None, clause_lo: int
) -> tuple[str, str | None]:
    """(measure label, verb-or-label used) for a base quantity."""
    unit = q.unit or ""
    if _MONEY_UNITS.fullmatch(unit.split()[-1]) and unit != "%":
        ctx = vt[max(clause_lo, q.start - 60) : q.start]
        ms = list(_MONEY_NOUN.finditer(ctx))
        if ms:
            lab = ms[-1].group(1).lower()
            return _MONEY_LABEL.get(lab, lab), inherited
        np = _np_after(vt, q.end, 4)
        return (np.lower() if np else "số tiền"), inherited
    if unit == "%":
        ctx = vt[clause_lo : q.start]
        heads = list(_RATE_HEAD.finditer(ctx))
        if heads:
            hm = heads[-1]
            tail = _RATE_TAIL.sub("", ctx[hm.end() :]).strip(" ,:(")
            if tail and len(tail) < 80 and not any(c.isdigit() for c in tail):
                return "tỷ lệ " + tail.lower(), inherited
        if prev_measure:
            return "tỷ lệ " + prev_measure, inherited
        np = _np_after(vt, q.end, 5)
        return ("tỷ lệ " + np.lower()).strip() if np else "tỷ lệ", inherited
    np = _np_after(vt, q.end)
    verbs = list(_VERB_RE.finditer(pre))
    verb = verbs[-1].group(1) if verbs else None
    how = verb or inherited
    if np:
        return f"{unit} {np}", how
    if verb:
        return f"{unit} {_passive(verb, unit)}", verb
    lab = _label_before(pre)
    if lab:
        return f"{unit} {lab}", None
    if pre:
        verbs = list(_VERB_RE.finditer(vt, clause_lo, q.start))
        if verbs:
            return f"{unit} {_passive(verbs[-1].group(1), unit)}", verbs[-1].group(1)
    if inherited:
        vm = _VERB_RE.fullmatch(inherited)
        return (f"{unit} {_passive(inherited, unit)}" if vm else f"{unit} {inherited}"), inherited
    return unit, None


def _extract_region(
    text: str,
    reg: _Region,
    scheme: MeasureScheme,
    agent_at: Callable[[int], str | None] | None,
    period_override: str | None = None,
    periods: list[tuple[int, int, str]] | None = None,
) -> list[Observation]:
    v = reg.view
    vt = v.text
    quantities = scan(vt)
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
        prev_measure: str | None = None
        change_sign: re.Match[str] | None = None
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
            clause_lo = max(lo, vt.rfind(";", lo, q.start) + 1)
            if (
                q.qualifier in ("ít nhất", "tối thiểu", "tối đa")
                or _TARGET.search(vt, max(clause_lo, vt.rfind(",", lo, q.start) + 1), q.start)
                or (vt[q.end : q.end + 1] == "/" and vt[q.end + 1 : q.end + 2].isalpha())
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
            label, how = _measure_for(vt, q, pre_for_measure, inherited, prev_measure, clause_lo)
            inherited = how
            prev_end = _np_span(vt, q.end)[1]
            mlabel = normalise_measure(label, scheme)
            if q.unit != "%":
                prev_measure = mlabel
            # period
            period = period_override
            pi = bisect_right(pstarts, q.start) - 1
            if pi >= 0 and periods[pi][0] >= lo:
                period = periods[pi][2]
            else:
                pj = bisect_left(pstarts, q.end)
                if pj < len(periods) and periods[pj][1] <= hi:
                    period = periods[pj][2]
                elif period is None:
                    si = bisect_right(reg.sections, q.start) - 1
                    sec_lo = reg.sections[si] if si >= 0 else 0
                    if pi >= 0 and periods[pi][0] >= sec_lo:
                        period = periods[pi][2]
                    else:
                        period = reg.default_period
            # place
            a, b = _clause_bounds(vt, q.start, q.end, lo, hi)
            pm = None
            for pm in _PLACE.finditer(vt, a, b):
                if pm.start() > q.end:
                    break
            place = pm.group("p") if pm else None
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
            if bases and bases[-1][1].measure == bases[-1][1].unit and vt[bases[-1][0].end : q.start].strip() == ",":
                np = _np_after(vt, q.end)
                if np:
                    prev_obs = bases[-1][1]
                    prev_obs.measure = normalise_measure(f"{prev_obs.unit} {np}", scheme)
            bases.append((q, obs))
            out.append(obs)
    return out


def _marker_len(text: str, start: int) -> int:
    m = re.match(r"\s*(?:\(\d{1,3}\)|\d{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|<sup>\[?\d{1,3}\]?</sup>|\[\^\d{1,3}\]:?)\s*", text[start : start + 20])
    return m.end() if m else 0


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
    and fills ``Observation.agent``.
    """
    scheme = scheme or default_scheme()
    dropped = sorted(footnote_block_spans(text) + page_number_spans(text))
    body = make_view(text, dropped)
    bounds = boundary_offsets(text)
    if sentences is not None:
        sents = []
        for a, b in sentences:
            va, vb = view_index(body, a), view_index(body, b)
            if va is not None:
                sents.append((va, vb if vb is not None else len(body.text)))
    else:
        sents = view_sentences(body, bounds)
    sections = sorted(
        vi
        for s in segment(text)
        if s.kind == "section" and (vi := view_index(body, s.start)) is not None
    )
    head_periods = _periods(body.text[: min(len(body.text), 800)])
    reg = _Region(body, sents, sections, head_periods[0][2] if head_periods else None)
    body_periods = _periods(body.text)
    out = _extract_region(text, reg, scheme, agent_at, None, body_periods)

    # footnotes: their own regions; their period falls back on the anchor sentence's
    bp_starts = [p[0] for p in body_periods]
    for fn in find_footnotes(text):
        start = fn.start + _marker_len(text, fn.start)
        if start >= fn.end:
            continue
        fv = make_view(text, (), start, fn.end)
        period = reg.default_period
        if fn.anchor_start is not None:
            ai = view_index(body, fn.anchor_start)
            if ai is not None:
                pi = bisect_right(bp_starts, ai) - 1
                if pi >= 0:
                    period = body_periods[pi][2]
        freg = _Region(fv, view_sentences(fv), [], period)
        out.extend(_extract_region(text, freg, scheme, agent_at, None))
    out.sort(key=lambda o: o.evidence.start)
    return out
