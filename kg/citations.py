"""Find the instruments a document cites: the *find* step of the pipeline.

Works on the cleaned view (:mod:`kg.clean`) so that notations split over line breaks or
sprinkled with stray spaces match one pattern. Each hit is a :class:`Citation` carrying its
span in the view and in the original text, the type word printed before it ("Chỉ thị số"),
and the attributes printed right after it (date, "của …" issuer, "về …" subject). Resolving
hits to instruments (variants, identities) is :mod:`kg.resolve`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.clean import CleanText
from kg.dates import DATE, parse_date
from kg.iri import fold
from kg.notation import Notation, parse

# Type words as written before a notation, longest first so that "Nghị quyết liên tịch"
# wins over "Nghị quyết". Matching is done on folded text, so typos in diacritics
# ("Chi thị") and upper-cased titles ("CHỈ THỊ") match too.
TYPE_WORDS: dict[str, str] = {
    "nghi quyet lien tich": "Nghị quyết liên tịch",
    "thong tu lien tich": "Thông tư liên tịch",
    "ket luan lien nganh": "Kết luận liên ngành",
    "huong dan lien nganh": "Hướng dẫn liên ngành",
    "chuong trinh phoi hop": "Chương trình phối hợp",
    "chuong trinh hanh dong": "Chương trình",
    "quy che phoi hop": "Quy chế phối hợp",
    "ke hoach phoi hop": "Kế hoạch phối hợp",
    "ke hoach lien tich": "Kế hoạch liên tịch",
    "nghi quyet": "Nghị quyết",
    "nghi dinh": "Nghị định",
    "quyet dinh": "Quyết định",
    "quy dinh": "Quy định",
    "quy che": "Quy chế",
    "chi thi": "Chỉ thị",
    "ket luan": "Kết luận",
    "huong dan": "Hướng dẫn",
    "ke hoach": "Kế hoạch",
    "chuong trinh": "Chương trình",
    "thong bao": "Thông báo",
    "thong tu": "Thông tư",
    "cong van": "Công văn",
    "cong dien": "Công điện",
    "van ban": "Công văn",
    "to trinh": "Tờ trình",
    "bao cao": "Báo cáo",
    "phuong an": "Phương án",
    "de an": "Đề án",
    "du an": "Dự án",
    "luat": "Luật",
    "phap lenh": "Pháp lệnh",
    "lenh": "Lệnh",
}

# The notation itself. Separators may carry stray spaces ("04/CT- BCA-V28"); the number must
# not be glued to letters before it ("PV01 - CAT" is a unit name, not a notation).
_SEG = r"[A-ZĐ][A-Za-zĐđ]*\d*"
_SEP = r"\s?[-/]\s?"
# (Opened by the digit, which then looks behind it, rather than by "(?=\d)(?<![\w./-])":
# `re` skips to the next digit in C only when a pattern opens with a character set.)
NOTATION = re.compile(
    rf"(?P<n>\d(?<![\w./-]\d)\d{{0,4}}(?:{_SEP}(?:19|20)\d{{2}})?{_SEP}{_SEG}(?:{_SEP}{_SEG})*)(?![0-9A-Za-zÀ-ỹĐđ/])"
)

_SLASH = re.compile("/")
_DASH = re.compile("-")


def _notation_matches(text: str) -> list[re.Match[str]]:
    """``list(NOTATION.finditer(text))``, NOTATION tried only where a match can start.

    NOTATION opens with a digit, so `re` stopped at every digit of the text (a report is
    full of numbers and dates); a match starts a run of at most five digits that a "-" or
    "/" follows, maybe after one whitespace character (\\d{0,4} giving back digits leaves a
    digit where the separator should be). Those separators are found by literal patterns,
    which `re` skips to in C several times faster than to the next digit; the digit runs
    before them give every start NOTATION can match at, tried in order from where the last
    match ended, as finditer does."""
    seps = [m.start() for m in _SLASH.finditer(text)] + [m.start() for m in _DASH.finditer(text)]
    seps.sort()
    out: list[re.Match[str]] = []
    pos = tried = 0
    match = NOTATION.match
    for q in seps:
        r = q - 1
        if r > 0 and text[r].isspace():
            r -= 1
        if r < pos or not text[r].isdecimal():
            continue
        start = r
        while start > pos and text[start - 1].isdecimal():
            start -= 1
        if start < tried or r - start >= 5:
            continue  # (this run was tried already; or too long to open a match)
        tried = start + 1
        m = match(text, start)
        if m is not None:
            out.append(m)
            pos = m.end()
    return out


# What may stand between a type word and its notation: "số", "số:", "hành động số" …
_TYPE_TAIL = re.compile(r"\s*(?:hanh dong)?\s*(?:so)?\s*:?\s*$")

# Words right before a number that make it a body's name, not a notation ("Ban Chỉ đạo 138/CP").
_BODY_BEFORE = re.compile(r"(?:ban chi dao|bcd|ban|doan|to cong tac|van phong|hoi dong)\s*$")

# Trailing digits glued to a known issuer code are a footnote marker ("TT-BCA32").
_GLUED_FOOTNOTE = re.compile(r"^(.*[-/](?:BCA|CP|TTg|TW|TU|UBND|QH\d\d))(\d{1,2})$")


@dataclass
class Citation:
    """One notation printed in the text, with what is printed around it."""

    notation: Notation
    start: int  # span in the cleaned view
    end: int
    orig_start: int  # span in the original text
    orig_end: int
    type_word: str | None  # the type label of the word printed before it, if any
    word_start: int  # view offset where the citation phrase starts (type word or number)
    date: str | None = None
    issuer: str | None = None
    subject: str | None = None
    attrs_end: int = 0  # view offset where the printed attributes (date, của …) end
    key: str | None = None  # the instrument it resolves to (set by kg.resolve)


_SPACES = re.compile(r"\s+")


def _words_by_ending() -> dict[str, tuple[str, ...]]:
    """The type words by their last four characters (every one has at least four), in
    TYPE_WORDS' order: a head can only end with the words filed under its own last four."""
    out: dict[str, list[str]] = {}
    for word in TYPE_WORDS:
        out.setdefault(word[-4:], []).append(word)
    return {k: tuple(v) for k, v in out.items()}


_WORDS_BY_ENDING = _words_by_ending()


def _without_type_tail(window: str) -> str:
    """``window[:_TYPE_TAIL.search(window).start()]``: the optional parts of _TYPE_TAIL peeled
    off the end, last first. Searching tried the all-optional pattern at every character of
    the window; peeling gives the same leftmost start, because no part of the pattern can
    match the characters of a later part (so taking each part that is there never loses)."""
    head = window.rstrip()
    if head.endswith(":"):
        head = head[:-1].rstrip()
    if head.endswith("so"):
        head = head[:-2].rstrip()
    if head.endswith("hanh dong"):
        head = head[:-9].rstrip()
    return head


def _type_word_before(window: str, window_start: int, start: int) -> tuple[str | None, int]:
    """The type word that introduces a notation at ``start``, and where it begins;
    ``window`` is the folded text from ``window_start`` (40 characters before, or the text's
    start) to ``start``."""
    head = _without_type_tail(window)
    cut = len(head)
    # (only the words that end like the head can match: looked up by its last four
    # characters, where trying every type word in turn cost more than the rest of the test)
    for word in _WORDS_BY_ENDING.get(head[-4:], ()):
        if head.endswith(word) and (len(head) == len(word) or not head[-len(word) - 1].isalnum()):
            return TYPE_WORDS[word], window_start + cut - len(word)
    return None, start


def find_citations(view: CleanText) -> list[Citation]:
    """Every numbered instrument printed in the text, in order."""
    text = view.text
    found: list[Citation] = []
    for m in _notation_matches(text):
        printed = m.group("n")
        start, end = m.start("n"), m.end("n")
        glued = _GLUED_FOOTNOTE.match(_SPACES.sub("", printed))
        if glued:
            printed = glued.group(1)
            end = start + _printed_length(text, start, printed)
        notation = parse(printed)
        if notation is None:
            continue
        # the 40 folded characters before it, folded once for both checks (folding costs
        # more per character than either check)
        lo = max(0, start - 40)
        window = fold(text[lo:start])
        type_word, word_start = _type_word_before(window, lo, start)
        if not _is_instrument(notation, type_word, window[max(0, start - 25) - lo :]):
            continue
        orig_start, orig_end = view.original_span(start, end)
        citation = Citation(
            notation, start, end, orig_start, orig_end, type_word, word_start, attrs_end=end
        )
        _read_attributes(citation, text)
        found.append(citation)
    return found


def _printed_length(text: str, start: int, compact: str) -> int:
    """Length in ``text`` from ``start`` that spells ``compact`` (which has no spaces)."""
    i, k = start, 0
    while k < len(compact) and i < len(text):
        if text[i] == compact[k]:
            k += 1
        i += 1
    return i - start


def _is_instrument(n: Notation, type_word: str | None, before: str) -> bool:
    """Reject numbers that look like notations but are not (body names, fragments);
    ``before``: the 25 characters before the notation, folded."""
    if type_word is None and _BODY_BEFORE.search(before):
        return False
    if n.type_code is not None or n.year is not None:
        return True
    # No type code: an official letter ("4833/UBND-TH", "1725/CATP-Đ4") — accepted when the
    # text calls it a letter or it has the issuer-unit shape; a bare issuer ("06/CP") after
    # another type word is a name ("Đề án 06/CP"), not a notation.
    if type_word in ("Công văn", "Công điện", "Thông báo"):
        return True
    return bool(type_word is None and (len(n.segments) >= 2 or re.search(r"\bso:?\s*$", before)))


# After a notation: ", ngày 22/10/2010", " của Bộ Chính trị", " về …" in that order, each
# optional. The issuer runs up to the subject or the end of the clause.
_ATTR_DATE = re.compile(rf"\s*,?\s*(?:ban hành\s+)?(?:ngày|ngay|Ngày)\s*(?P<d>{DATE})")
_ATTR_ISSUER = re.compile(r"\s*,?\s*(?:của|do)\s+(?P<i>[^,;:.“”\"()]+?)(?=\s+(?:về|v/v|V/v|[qQ]uy định|ban hành|phê duyệt|hướng dẫn|tại|đã|được|thực hiện|triển khai|và|với|gắn|ngày|theo|nhằm|để|Kế hoạch|Chỉ thị|Quyết định|Nghị quyết|Nghị định|Công văn|Chương trình|Kết luận|Thông tư)\b|\s+-\s|\s*[,;:.“”\"()]|\s*$)")
_ATTR_SUBJECT = re.compile(r"\s*,?\s*(?:về|V/v|v/v)\s+(?:việc\s+)?(?P<s>[^;]{3,250}?)(?=\s*(?:;|\.\s|\.$|$|,\s*(?:ngày|Kế hoạch|Chỉ thị|Quyết định|Nghị quyết|Công văn)|\s+(?:của|và)\s+(?:Kế hoạch|Chỉ thị|Quyết định|Nghị quyết|Công văn|Chương trình)))")


_ATTR_TERM = re.compile(r"\s*\((?:khóa|khoá|Khóa|Khoá)\s+[IVXL]+\)")  # "(khóa XII)" after an issuer


def _read_attributes(c: Citation, text: str) -> None:
    pos = c.end
    m = _ATTR_DATE.match(text, pos)
    if m:
        c.date = parse_date(m.group("d"))
        pos = m.end()
    m = _ATTR_ISSUER.match(text, pos)
    if m:
        issuer = m.group("i").strip()
        if 2 <= len(issuer) <= 120:
            c.issuer = issuer
            pos = m.end()
            # "của Bộ Chính trị (khóa X)": the term in brackets belongs to the issuer
            km = _ATTR_TERM.match(text, pos)
            if km:
                pos = km.end()
    if c.date is None:
        m = _ATTR_DATE.match(text, pos)
        if m:
            c.date = parse_date(m.group("d"))
            pos = m.end()
    c.attrs_end = pos
    m = _ATTR_SUBJECT.match(text, pos)
    if m:
        c.subject = m.group("s").strip(" “”\"")
