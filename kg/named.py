"""Instruments cited by name or by a short reference instead of a full notation.

Three forms, all common in reports:

- a law or programme by its title: "Luật Phòng, chống ma túy", "Đề án 06", "Chương trình 135",
  "Nghị quyết liên tịch số 03" — an instrument with a name and no notation;
- a short reference to a numbered instrument cited in full elsewhere in the same document:
  "Chỉ thị 52" for "Chỉ thị số 52-CT/TW";
- an anaphor: "Kế hoạch nêu trên", "Chỉ thị này" — the last instrument of that type cited.

Short references and anaphors become extra mentions of the instrument they point back to,
so activities under them can be tied to it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from kg.citations import Citation
from kg.clean import CleanText
from kg.iri import fold
from kg.model import Instrument, Span


def _words(words: str) -> str:
    """ "Luật|Bộ luật" as "L(?<!\\wL)uật|B(?<!\\wB)ộ luật": each word checked to start a word
    (what "\\b" before it said) only after its first letter. A pattern whose alternatives
    open with plain letters is one `re` skips through in C to the next such letter; opened
    with a look-ahead and "\\b", it was tried at every character of the text."""
    return "|".join(f"{re.escape(w[0])}(?<!\\w{re.escape(w[0])}){w[1:]}" for w in words.split("|"))


_LAW = re.compile(
    rf"(?P<word>{_words('Luật|Bộ luật|Pháp lệnh')})"
    r"\s+(?P<name>(?:[A-ZĐ][\wÀ-ỹđĐ]*|sửa đổi)(?:(?:,\s+(?=[a-zà-ỹđ])|\s+)(?!(?:năm|ngày|của|và|được|đã|cho|tại|với|trên|theo|số|về|tới|đến|trong|kết|phổ|tuyên|nhằm|bằng|qua|để|đối|một|các|những|thì|là|có|gắn|khi|nay|này|mới|hiện)\b)[\wÀ-ỹđĐ][\wÀ-ỹđĐ/]*){0,10})"
)
# The type words of _NUMBERED_NAME and of _ANAPHOR (below).
_NUMBERED_WORDS = "Đề án|Chương trình|Dự án|Nghị quyết liên tịch|Thông tư liên tịch|Chỉ thị|Nghị quyết|Kết luận|Quyết định|Kế hoạch"
_ANAPHOR_WORDS = "Kế hoạch|Chỉ thị|Nghị quyết|Quyết định|Chương trình|Kết luận|Công văn|Thông tư|Nghị định|Hướng dẫn"
# "Đề án 06", "Chương trình 135", "Nghị quyết liên tịch số 03": a type word and a bare number.
_NUMBERED_NAME = re.compile(
    rf"(?P<word>{_words(_NUMBERED_WORDS)})"
    r"\s+(?P<so>số\s+)?(?P<num>\d{1,4})(?![\d/-]|[.,]\d|\s?[-/]\s?[A-ZĐ\d])"
)
# A programme or scheme by its title: "Chương trình phòng, chống ma túy đến năm 2020",
# "Đề án đảm bảo an ninh trật tự trên địa bàn tỉnh …", "Dự án “Xây dựng xã … không ma túy”".
# The capitalised type word is what marks a title; "các chương trình" in lower case is not one.
_TITLED_TYPES = "Chương trình|Đề án|Dự án|Chiến lược"
_TITLED = re.compile(
    rf"(?P<word>{_words(_TITLED_TYPES)})\s+"
    r"(?!số\b|hành động\b|phối hợp\b|\d|này\b|nêu\b|trên\b|đó\b|của\b|về\b|do\b|trong\b|cho\b)"
    r"(?P<name>“[^”\n]{3,150}”|\"[^\"\n]{3,150}\"|[a-zà-ỹđ][^.;:()“”\"\n]{8,160}?)"
    r"(?=\s*[.;:()]|\s+(?:của|do|đã|được|nhằm|với|cho|tại|theo|và (?:Chương trình|Đề án|Dự án))\b"
    r"|,\s+(?!chống\b)|\s*$)"
)
_TITLED_ALIASED = re.compile(
    rf"(?P<title>(?P<word>{_words('Chương trình|Đề án|Dự án')}) [a-zà-ỹđ][^.;:()\n]{{3,160}}?)"
    r"\s*\((?P<short>(?:Đề án|Chương trình|Dự án) \d{1,4})\)"
)
_SUBJECT_BEFORE = re.compile(r"\bvề\s$")
_SHORT_NAME_AFTER = re.compile(r"\s*\(((?:Đề án|Chương trình|Dự án) \d{1,4})\)")
_ANAPHOR = re.compile(
    rf"(?P<word>{_words(_ANAPHOR_WORDS)})"
    r"\s+(?:nêu trên|trên|này|đó)\b"
)
# Where a match of _NUMBERED_NAME or of _ANAPHOR may start: a type word of either, then
# what each needs after it (a number, or "nêu trên"/"trên"/"này"/"đó"), by look-ahead, so
# that a match is one character and no start is passed over. One pattern per first letter:
# `re` skips to a literal character in C several times faster than to the next character of
# a set, and these scans find the starts of both patterns, where scanning for each cost
# about as much as the rest of find_named.
def _starts_by_first_letter(words: list[str]) -> tuple[re.Pattern[str], ...]:
    """One start pattern per first letter of ``words`` (see above)."""
    by_letter: dict[str, list[str]] = {}
    for w in dict.fromkeys(words):
        by_letter.setdefault(w[0], []).append(w)
    tail = r"\s+(?:(?:số\s+)?\d|nêu trên|trên|này|đó)"
    return tuple(
        re.compile(
            f"{re.escape(x)}(?<!\\w{re.escape(x)})(?=" + "|".join(f"{re.escape(w[1:])}{tail}" for w in ws) + ")"
        )
        for x, ws in by_letter.items()
    )


_NAMED_OR_ANAPHOR_STARTS = _starts_by_first_letter(f"{_NUMBERED_WORDS}|{_ANAPHOR_WORDS}".split("|"))
_TYPE_OF_WORD = {"Bộ luật": "Bộ luật", "Luật": "Luật", "Pháp lệnh": "Pháp lệnh"}
_STOP_TAIL = re.compile(r"(?:\s+(?:và|các|của|số|năm|về|cho|tại|thì|là|có|đã|đang))+$")


# What every match of _LAW, and of _TITLED_ALIASED, holds: most documents hold none, and
# looking for these (str.find, in C) costs less than the scans for capitals they save.
_LAW_WORDS = ("Luật", "ộ luật", "Pháp lệnh")
_SHORT_NAME_OPENERS = ("(Đề án ", "(Chương trình ", "(Dự án ")
# Every match of _TITLED opens with one of its capitalised type words, which few documents
# print (most name programmes in lower case or by number): looked for first, likewise.
_TITLED_WORDS = tuple(_TITLED_TYPES.split("|"))


def _numbered_and_anaphors(text: str) -> tuple[list[re.Match[str]], list[re.Match[str]]]:
    """``list(_NUMBERED_NAME.finditer(text))`` and ``list(_ANAPHOR.finditer(text))``: each
    pattern matched at the starts _NAMED_OR_ANAPHOR_STARTS find (every place where it can
    match), in order, from where its last match ended, as finditer does."""
    numbered: list[re.Match[str]] = []
    anaphors: list[re.Match[str]] = []
    num_pos = ana_pos = 0
    starts = [c.start() for rx in _NAMED_OR_ANAPHOR_STARTS for c in rx.finditer(text)]
    starts.sort()
    for p in starts:
        if p >= num_pos and (m := _NUMBERED_NAME.match(text, p)):
            numbered.append(m)
            num_pos = m.end()
        if p >= ana_pos and (m := _ANAPHOR.match(text, p)):
            anaphors.append(m)
            ana_pos = m.end()
    return numbered, anaphors


def _may_hold(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


@dataclass(frozen=True)
class NamedMention:
    name: str
    type: str
    start: int  # original offsets
    end: int


# compiled once: re.match(r"\d+", …) looked the pattern up in re's cache for every instrument
_LEADING_DIGITS = re.compile(r"\d+")


def find_named(view: CleanText, instruments: list[Instrument], citations: list[Citation]) -> list[Instrument]:
    """Named instruments, and extra mentions added to ``instruments`` (updated in place)."""
    text = view.text
    cited_starts = [c.start for c in citations]  # in order: citations come sorted
    by_number: dict[tuple[str, str], Instrument] = {}
    for inst in instruments:
        if inst.notation and inst.type:
            number = _LEADING_DIGITS.match(inst.notation)
            if number:
                by_number.setdefault((fold(inst.type), number.group(0).lstrip("0")), inst)
    named: dict[str, Instrument] = {}

    def add_named(name: str, type_label: str, start: int, end: int) -> None:
        a, b = view.original_span(start, end)
        key = "name:" + fold(name)
        inst = named.get(key)
        if inst is None:
            inst = named[key] = Instrument(key=key, notation=None, name=name, type=type_label)
        inst.mentions.append(Span(a, b))

    laws = _LAW.finditer(text) if _may_hold(text, _LAW_WORDS) else ()
    for m in laws:
        name = _STOP_TAIL.sub("", f"{m.group('word')} {m.group('name')}").strip(" ,")
        if len(name.split()) >= 2:
            add_named(name, _TYPE_OF_WORD[m.group("word")], m.start(), m.start() + len(name))
    numbered, anaphors = _numbered_and_anaphors(text)
    for m in numbered:
        k = bisect_right(cited_starts, m.start("num")) - 1
        if k >= 0 and citations[k].start <= m.start("num") < citations[k].end:
            continue
        word, num = m.group("word"), m.group("num")
        target = by_number.get((fold(word), num.lstrip("0")))
        if target is not None:  # "Chỉ thị 52" after "Chỉ thị số 52-CT/TW"
            a, b = view.original_span(m.start(), m.end())
            target.mentions.append(Span(a, b))
        elif word in ("Đề án", "Chương trình", "Dự án", "Nghị quyết liên tịch", "Thông tư liên tịch"):
            add_named(f"{word} {m.group('so') or ''}{num}".replace("  ", " "), word, m.start(), m.end())
    aliased: list[tuple[int, int]] = []
    aliased_titles = _TITLED_ALIASED.finditer(text) if _may_hold(text, _SHORT_NAME_OPENERS) else ()
    for m in aliased_titles:  # "Đề án hỗ trợ …, khó khăn … (Đề án 245)"
        key = "name:" + fold(m.group("short"))
        title = m.group("title").strip()
        inst = named.setdefault(key, Instrument(key=key, notation=None, name=title, type=m.group("word")))
        inst.name = title
        a, b = view.original_span(m.start(), m.end())
        inside = [x for x in inst.mentions if a <= x.start and x.end <= b]  # "(Đề án 245)" itself
        inst.mentions = sorted(
            [x for x in inst.mentions if x not in inside] + [Span(a, b)], key=lambda x: x.start
        )
        aliased.append((m.start(), m.end()))
    titled = _TITLED.finditer(text) if _may_hold(text, _TITLED_WORDS) else ()
    for m in titled:
        if any(s <= m.start() < e for s, e in aliased):
            continue
        name = f"{m.group('word')} {m.group('name')}".strip()
        if len(name.split()) < 4 or _SUBJECT_BEFORE.search(text, max(0, m.start() - 4), m.start()):
            continue  # "Nghị quyết … về Chiến lược …": the subject of another instrument
        end = m.start() + len(name)
        short = _SHORT_NAME_AFTER.match(text, end)
        if short:  # "Đề án hỗ trợ … (Đề án 245)": one instrument, known by both names
            key = "name:" + fold(short.group(1))
            named.setdefault(key, Instrument(key=key, notation=None, name=name, type=m.group("word")))
            named[key].name = name
            a, b = view.original_span(m.start(), short.end())
            named[key].mentions.append(Span(a, b))
            continue
        add_named(name, m.group("word"), m.start(), end)
    _resolve_anaphors(view, instruments, citations, anaphors)
    return list(named.values())


def _resolve_anaphors(
    view: CleanText, instruments: list[Instrument], citations: list[Citation], anaphors: list[re.Match[str]]
) -> None:
    """Each anaphor (a match of _ANAPHOR) as a mention of the last instrument of its type."""
    by_key = {i.key: i for i in instruments}
    ends = [c.end for c in citations]
    for m in anaphors:
        word = fold(m.group("word"))
        k = bisect_right(ends, m.start())
        before = [c for c in citations[max(0, k - 12) : k] if c.key in by_key]
        for c in reversed(before):
            inst = by_key[c.key]
            if inst.type and fold(inst.type).startswith(word):
                a, b = view.original_span(m.start(), m.end())
                inst.mentions.append(Span(a, b))
                break
