"""Implementation links between instruments, as the running text states them.

The language is regular: the implementing instrument comes first, then its attributes,
then a trigger, then what it implements —

    Kế hoạch số 4321/KH-UBND, ngày 31/12/2019 về triển khai thực hiện
    Chương trình hành động số 77-CTr/TU … về thực hiện Chỉ thị số 99-CT/TW

gives 4321/KH-UBND → 77-CTr/TU and 77-CTr/TU → 99-CT/TW (a chain), and a target list joined
by "và" or commas gives one link per target. The converse order exists too: "Thực hiện A, …
ban hành B" (B implements A), "thực hiện A theo B" (B directs A), and the document's own
"Căn cứ …" and "Thực hiện …" preamble lines link the document itself.

Each link keeps its evidence: the original text from the first instrument's type word to
the end of the second notation.
"""

from __future__ import annotations

import re

from kg.citations import Citation
from kg.clean import CleanText
from kg.iri import fold
from kg.model import Evidence, Relation

DOCUMENT = "#document"

# A trigger right before the target's type word, on folded text ("về việc tiếp tục đẩy
# mạnh triển khai thực hiện", "cụ thể hoá", "quán triệt", "tổng kết 10 năm thực hiện" …).
_TRIGGER_END = re.compile(
    r"(?P<trigger>(?:(?:tong|so) ket\s+(?:\d+\s+nam\s+)?(?:(?:trien khai\s+)?thuc hien|trien khai)"
    r"|(?:(?:tiep tuc|day manh|tang cuong|to chuc|chi dao)\s+)*(?:trien khai\s+)?(?:thuc hien|trien khai|cu the hoa|quan triet|huong dan thuc hien|gan voi)"
    r"|bao cao (?:ket qua\s+)?(?:thuc hien|trien khai)"
    r"|can cu|huong dan)"
    r")\s*(?:co hieu qua\s*|nghiem tuc\s*|tot\s*)?(?:cac\s+|mot so\s+(?:dieu|noi dung)\s+cua\s+|noi dung\s+(?:cua\s+)?)?$"
)
# Every _TRIGGER_END match holds one of these (written with a plain space there): a gap
# without any cannot match, and most gaps are ruled out by str's substring search before
# the pattern is tried at each of their characters.
_TRIGGER_WORDS = ("thuc hien", "trien khai", "cu the hoa", "quan triet", "gan voi", "can cu", "huong dan")
# Every match of _TRIGGER_END, _THEO_END and _ISSUED_END is made of lower-case ASCII
# letters, digits and whitespace, and runs to the end: it starts after the last other
# character. Searching from there (found greedily from the end, in C) finds the same match
# as searching the whole gap, where `re` tried the pattern at every character.
_BEFORE_TAIL_RUN = re.compile(r"(?s:.*)[^a-z\d\s]")


def _tail_run_start(s: str) -> int:
    """Where the trailing run of lower-case ASCII letters, digits and whitespace starts."""
    m = _BEFORE_TAIL_RUN.match(s)
    return m.end() if m else 0


# "A theo B" after "thực hiện A": B is what directs A.
_THEO_END = re.compile(r"\btheo\s*$")
# "… A, <body> (đã) ban hành B": B was issued to carry out A.
_ISSUED_END = re.compile(r"\b(?:da\s+)?(?:ban hanh|xay dung)\s*$")
# What may stand between two targets of one trigger: "và", "," with nothing else.
_LIST_GAP = re.compile(r"^\s*(?:,|;)?\s*(?:và|cùng|cũng như)?\s*(?:các\s+)?$")
# Clause ends: a semicolon, or a full stop before a capital/dash (not "TP." nor "1.062"), or
# right before "Điều N." (a match of just "Đ": the clause ends where it starts). The plain
# form, opened by a look-ahead, was tried at every character:
# (?=[;.:Đ])(?:;|(?<![A-ZĐ]{2})(?<!\d)\.(?=…)|\.\s*$|:(?=…)|(?=\bĐiều\s+\d+\.))
# Here one pattern per character that opens a match, each looking behind that character:
# `re` skips to a literal character in C, several times faster than to the next character of
# a set. Each match is one character, bar a "." with the spaces that end the text, so none
# overlaps another: together they find what the plain form finds, in another order.
_CLAUSE_END_SEMICOLON = re.compile(";")
_CLAUSE_END_STOP = re.compile(
    r"\.(?:(?<![A-ZĐ]{2}\.)(?<!\d\.)(?=\s+(?:\(?\d{1,3}\)?\s+)?[A-ZĐÂĂÊÔƠƯ\-+•(])|\s*$)"
)
_CLAUSE_END_COLON = re.compile(r":(?=\s+[A-ZĐÂĂÊÔƠƯ])")
_CLAUSE_END_ARTICLE = re.compile(r"Đ(?<!\wĐ)(?=iều\s+\d+\.)")
_REPORT_CODES = {"BC", "TB", None}
# A capitalised purpose word right before a trigger opens a new sentence ("… Để triển khai").
_OPENER_END = re.compile(r"(?:^|\s)(?:Để|Nhằm|Theo|Tiếp tục|Đồng thời)\s*$")
_PROPOSAL = re.compile(r"\b(?:xet de nghi|theo de nghi|to trinh)\b")


def _relation_type(trigger: str) -> str | None:
    """The relation a trigger states; ``None`` for "báo cáo kết quả thực hiện" (a mere mention)."""
    if trigger.startswith("bao cao"):
        return None
    if trigger.startswith(("tong ket", "so ket")):
        return "reviews"
    if trigger.startswith("can cu"):
        return "based_on"
    return "implements"


def _clauses(view: CleanText) -> list[tuple[int, int]]:
    """The view cut at each clause end (before "Điều", after anything else)."""
    text = view.text
    ends = [m.end() for rx in (_CLAUSE_END_SEMICOLON, _CLAUSE_END_STOP, _CLAUSE_END_COLON) for m in rx.finditer(text)]
    ends += [m.start() for m in _CLAUSE_END_ARTICLE.finditer(text)]
    ends.sort()
    return list(zip([0, *ends], [*ends, len(text)], strict=True))


def _evidence(view: CleanText, source_text: str, start: int, end: int) -> Evidence:
    a, b = view.original_span(start, end)
    return Evidence(a, b, source_text[a:b])


def find_links(
    view: CleanText,
    citations: list[Citation],
    source_text: str,
    *,
    own_notation: str | None = None,
    preamble_end: int = 0,
) -> list[Relation]:
    """Every link the text states between the cited instruments (and the document itself)."""
    folded = view.folded
    relations: list[Relation] = []
    seen: set[tuple[str, str]] = set()

    def add(source: str, target: str, rtype: str, start: int, end: int) -> None:
        if source == target or (source, target) in seen:
            return
        seen.add((source, target))
        relations.append(Relation(source, target, rtype, _evidence(view, source_text, start, end)))

    doc_key = own_notation or DOCUMENT
    carried: str | None = None
    clauses = _clauses(view)
    ci = 0
    for c_start, c_end in clauses:
        inside: list[Citation] = []
        while ci < len(citations) and citations[ci].start < c_end:
            if citations[ci].start >= c_start:
                inside.append(citations[ci])
            ci += 1
        if not inside:
            carried = None
            continue
        owned = _links_in_clause(inside, folded, view, c_start, add, doc_key)
        carried = _document_links(
            inside, view.text, folded, c_start, preamble_end, doc_key, add, carried, owned
        )
    return relations


def _links_in_clause(inside, folded, view, c_start, add, own) -> set[str]:  # type: ignore[no-untyped-def]
    """Links between the instruments of one clause; returns the keys that another instrument
    of the clause carries out ("Thực hiện A, Sở Tư pháp ban hành B": A is B's, not the
    document's)."""
    n = len(inside)

    def joined(i: int) -> bool:
        """Are inside[i-1] and inside[i] items of one list ("A, B và C")?"""
        return bool(_LIST_GAP.match(view.text[inside[i - 1].attrs_end : inside[i].word_start]))

    # Which citation each one is a target of, and with which relation, so that a list of
    # targets ("Chỉ thị A và Chỉ thị B") all get the same source.
    target_of: dict[int, tuple[Citation, str]] = {}
    carried: set[str] = set()
    for i in range(1, n):
        a, b = inside[i - 1], inside[i]
        if a.key is None or b.key is None or a.key == own:
            continue  # the document's own links are _document_links' business
        gap = folded[a.attrs_end : b.word_start]
        raw_gap = view.text[a.attrs_end : b.word_start]
        tail = _tail_run_start(gap)
        m = _TRIGGER_END.search(gap, tail) if any(w in gap for w in _TRIGGER_WORDS) else None
        lead = len(gap) - len(m.group(0)) if m else 0
        if m and lead > 5 and (raw_gap[lead : lead + 1].isupper() or _OPENER_END.search(raw_gap[:lead])):
            m = None  # "… Thực hiện B", "… Để triển khai B": a new sentence, not A's purpose
        if m and lead <= 160 and not _PROPOSAL.search(gap):
            rtype = _relation_type(m.group("trigger"))
            if rtype is None:
                continue
            if rtype == "reviews" and a.notation.type_code not in _REPORT_CODES:
                # "Kế hoạch … về tổng kết 10 năm thực hiện Chỉ thị …": a plan issued to carry
                # out the review the directive asks for implements it; a report reviews it.
                rtype = "implements"
            add(a.key, b.key, rtype, a.word_start, b.end)
            target_of[i] = (a, rtype)
            # "Kế hoạch A, Kế hoạch B để triển khai C": every plan of the list carries out C.
            j = i - 1
            while j >= 1 and joined(j) and j not in target_of and inside[j - 1].key:
                add(inside[j - 1].key, b.key, rtype, inside[j - 1].word_start, b.end)
                j -= 1
            continue
        if (i - 1) in target_of and _LIST_GAP.match(raw_gap):
            src, rtype = target_of[i - 1]
            add(src.key, b.key, rtype, src.word_start, b.end)
            target_of[i] = (src, rtype)
            continue
        # "thực hiện A theo B" and "thực hiện A, … ban hành B (, C …)": B (and C) carry out A.
        before_a = folded[max(c_start, a.word_start - 60) : a.word_start]
        if (
            any(w in before_a for w in _TRIGGER_WORDS)
            and _TRIGGER_END.search(before_a, _tail_run_start(before_a))
            and (_THEO_END.search(gap, tail) or (_ISSUED_END.search(gap, tail) and len(gap) <= 200))
        ):
            add(b.key, a.key, "implements", a.word_start, b.end)
            carried.add(a.key)
            k = i + 1
            while k < n and joined(k) and inside[k].key:
                add(inside[k].key, a.key, "implements", a.word_start, inside[k].end)
                k += 1
    return carried


# A sentence- or title-initial trigger right before a citation: "Căn cứ Kế hoạch …",
# "Thực hiện Công văn …", a plan titled "Triển khai thực hiện Chỉ thị …", a report titled
# "Tổng kết 10 năm thực hiện Chỉ thị …".
_SENTENCE_TRIGGER = re.compile(
    r"(?P<t>Căn cứ(?: vào)?|CĂN CỨ|Thực hiện|THỰC HIỆN|Triển khai(?: thực hiện)?|TRIỂN KHAI(?: THỰC HIỆN)?"
    r"|Tiếp tục (?:triển khai )?thực hiện|Quán triệt|Cụ thể hóa|Cụ thể hoá"
    r"|(?:Về việc|V/v|v/v)\s+(?:tiếp tục\s+)?(?:triển khai\s+)?thực hiện"
    r"|(?:Tổng kết|Sơ kết|TỔNG KẾT|SƠ KẾT)(?:\s+\d+\s+năm)?(?:\s+triển khai)?(?:\s+thực hiện)?)"
    r"\s*(?:nội dung\s*(?:của\s*)?)?(?:các\s*)?$"
)
_CLAUSE_LEAD = re.compile(r"(?:(?:dong thoi|tiep tuc)\s+)*(?:trien khai\s+)?thuc hien|can cu(?: vao)?")


# (folded) what joins the items of a list of citations: compiled once, not looked up in re's
# cache for every pair
_LIST_JOIN = re.compile(r"\s*(?:,|va)?\s*")


def _document_links(  # type: ignore[no-untyped-def]
    inside, view_text, folded, c_start, preamble_end, doc_key, add, carried: str | None, owned: set[str]
) -> str | None:
    """The document's own links: its "Căn cứ …" basis, what its title and preamble say it
    carries out. Returns the relation a following clause may continue ("Thực hiện A; B; C,
    UBND tỉnh ban hành …" links all three), or ``None``."""
    lead = folded[c_start : inside[0].word_start].strip(" -+*")
    active: str | None = None
    for i, c in enumerate(inside):
        if c.key is None or c.key == doc_key or c.key in owned:
            continue
        m = _SENTENCE_TRIGGER.search(view_text[max(0, c.word_start - 60) : c.word_start])
        if m:
            trigger = fold(m.group("t"))
            start = c.word_start - len(m.group(0))
        elif i == 0 and _CLAUSE_LEAD.fullmatch(lead):
            trigger, start = lead, c_start
        elif i == 0 and carried and lead in ("", "va"):
            trigger, start = carried, c_start
        else:
            continue
        if trigger.startswith("can cu"):
            rtype = "based_on"
        elif trigger.startswith(("tong ket", "so ket")):
            rtype = "reviews"
        else:
            rtype = "implements"
        if rtype != "based_on" and c.word_start > preamble_end:
            continue  # "Thực hiện A, Công an tỉnh đã …" in the body drives an activity
        add(doc_key, c.key, rtype, start, c.end)
        active = trigger
        for prev, nxt in zip(inside[i:], inside[i + 1 :], strict=False):
            gap = folded[prev.attrs_end : nxt.word_start]
            if nxt.key is None or not _LIST_JOIN.fullmatch(gap):
                active = None
                break
            add(doc_key, nxt.key, rtype, start, nxt.end)
    return active
