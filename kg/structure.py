"""Document structure: sections, items, footnotes, page numbers and sentences, with offsets.

Input is PDF text (a hard line break every ~80 characters, blank lines between lines, page
numbers on their own lines, footnote blocks after a separator line *in the middle of a
sentence* that continues on the next page) or OCR'd Markdown (``##`` headings, ``**bold**``,
``\\*`` escapes, footnotes as paragraphs starting with ``¹`` or ``<sup>1</sup>``).

Every span returned here indexes into the original text. Finders that want to read across
line breaks and footnote blocks use a :class:`View`: the text with those removed and runs of
whitespace collapsed to one space, plus a map back to original offsets. The map is kept as a
short list of breakpoints (one per removed run) rather than one entry per character, because
building and holding a per-character map costs more than the extraction itself.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain

# --------------------------------------------------------------------------------------------
# View: collapsed whitespace, markup dropped, with an offset map
# --------------------------------------------------------------------------------------------

# Whitespace runs that need rewriting: any whitespace other than a plain space, with what
# follows it, and runs of two or more spaces (a single plain space is left alone, so the
# number of matches is about the number of lines, not of words). Two patterns that each
# start with a character set or a literal are several times faster in `re` than one pattern
# with alternatives or a leading look-ahead, which the engine tries at every position.
# The whitespace other than " " is spelled out (str.isspace's characters; tests/test_structure.py
# checks the list against [^\S ]): `re` tests a listed set by a table lookup, faster than the
# Unicode category test it makes for \S, at every character of the text it skips.
WHITESPACE_BUT_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS_BREAK = re.compile(f"[{WHITESPACE_BUT_SPACE}]\\s*")
_WS_SPACES = re.compile(r"  \s*")
# Markdown marks and HTML <sup> tags, as one pattern that starts with a character set (the
# branches test the consumed character by look-behind). A "#" run is a heading mark only at
# the start of a line; the caller checks that.
_MARKUP_MARK = re.compile(
    r"[*\\#<](?:(?<=\*)(?<![\w*]\*)\*{0,2}(?=\S)|(?<=\*)(?<=\S\*)\*{0,2}(?![\w*])"
    r"|(?<=\\)(?=[*#_\[\]()\-+.])|(?<=#)(?P<hash>#{0,5}[ \t]+)|(?<=<)/?sup>)"
)


def _has_markup(text: str, a: int, b: int) -> bool:
    """Whether ``re.search(r"[*#\\]|<sup>", text[a:b])`` finds anything: four str.find, each
    a skip to one character in C, cost less than `re` testing every character against a
    set (text from a PDF holds no markup, and most regions of a Markdown text hold none)."""
    find = text.find
    return find("*", a, b) >= 0 or find("#", a, b) >= 0 or find("\\", a, b) >= 0 or find("<sup>", a, b) >= 0


def _ws_runs(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Whitespace runs to collapse in ``text[a:b]``, merged where they touch."""
    runs = [m.span() for m in _WS_BREAK.finditer(text, a, b)]
    more = [m.span() for m in _WS_SPACES.finditer(text, a, b)]
    if not more:
        return runs
    runs += more
    runs.sort()
    out = [runs[0]]
    for s, e in runs[1:]:
        ps, pe = out[-1]
        if s <= pe:
            if e > pe:
                out[-1] = (ps, e)
        else:
            out.append((s, e))
    return out


def _marks(text: str, a: int, b: int) -> list[tuple[int, int, bool]]:
    """(start, end, False) of the markup a view drops in ``text[a:b]``, in order."""
    if not _has_markup(text, a, b):
        return []
    marks = []
    for m in _MARKUP_MARK.finditer(text, a, b):
        if m.group("hash") is not None:
            ls = text.rfind("\n", 0, m.start()) + 1
            if text[ls : m.start()].strip(" \t"):
                continue  # a "#" inside a line is text
        marks.append((m.start(), m.end(), False))
    return marks


@dataclass(frozen=True)
class View:
    """``text`` is a cleaned view of an original text; offsets map back through breakpoints.

    ``vpos[k]``/``opos[k]``: the view character at ``vpos[k]`` is the original character at
    ``opos[k]``, and the following view characters are contiguous in the original up to the
    next breakpoint (a space standing for a whitespace run maps to the run's first character,
    so one that follows copied text needs no breakpoint). ``jumps`` are view offsets where dropped *content* (a footnote block, a
    page number) was skipped, so that evidence can avoid straddling them.
    """

    text: str
    vpos: tuple[int, ...]
    opos: tuple[int, ...]
    jumps: tuple[int, ...] = ()

    def orig(self, i: int) -> int:
        """Original offset of view offset ``i``."""
        k = bisect_right(self.vpos, i) - 1
        if k < 0:
            return self.opos[0] if self.opos else i
        return self.opos[k] + (i - self.vpos[k])

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open view span back to the original text."""
        if end <= start:
            o = self.orig(start)
            return o, o
        return self.orig(start), self.orig(end - 1) + 1

    def trimmed_span(self, start: int, end: int, keep: int) -> tuple[int, int]:
        """Like :meth:`orig_span`, but cut at dropped blocks so the span stays on the side
        holding view offset ``keep``: evidence must be one readable slice of the original."""
        jumps = self.jumps
        k = bisect_right(jumps, start)
        while k < len(jumps) and jumps[k] < end:
            if jumps[k] <= keep:
                start = jumps[k]
            else:
                end = jumps[k]
                break
            k += 1
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        return self.orig_span(start, end)


def make_view(text: str, drop: Iterable[tuple[int, int]] = (), start: int = 0, end: int | None = None) -> View:
    """The view of ``text[start:end]`` without the ``drop`` spans (see :class:`View`)."""
    end = len(text) if end is None else end
    parts: list[str] = []
    vpos: list[int] = []
    opos: list[int] = []
    jumps: list[int] = []
    # what has been emitted: its length and whether it ends with a space (the loop below
    # appends to the three lists directly: it runs for every line of the text)
    n = 0
    spaced = False

    def emit_region(a: int, b: int) -> None:
        nonlocal n, spaced
        pos = a
        marks = _marks(text, a, b)
        if not marks:  # whitespace only (most regions): the runs, without flags to read
            for s, e in _ws_runs(text, a, b):
                if s > pos:
                    vpos.append(n)
                    opos.append(pos)
                    parts.append(text[pos:s])
                    n += s - pos
                    if text[s - 1] != " ":
                        # the space standing for the run maps to the run's start, where
                        # the text just copied ends: it needs no breakpoint of its own
                        parts.append(" ")
                        n += 1
                    spaced = True
                elif n and not spaced:
                    vpos.append(n)
                    opos.append(s)
                    parts.append(" ")
                    n += 1
                    spaced = True
                pos = e
            if pos < b:
                vpos.append(n)
                opos.append(pos)
                parts.append(text[pos:b])
                n += b - pos
                spaced = text[b - 1] == " "
            return
        # (start, end, is_whitespace) of what the view rewrites, in order
        noise: list[tuple[int, int, bool]] = [(s, e, True) for s, e in _ws_runs(text, a, b)]
        noise += marks
        noise.sort()
        for s, e, is_ws in noise:
            if e <= pos:
                continue
            if s > pos:
                vpos.append(n)
                opos.append(pos)
                parts.append(text[pos:s])
                n += s - pos
                spaced = text[s - 1] == " "
                if is_ws and not spaced:  # (a space right after copied text: see above)
                    parts.append(" ")
                    n += 1
                    spaced = True
            elif is_ws and n and not spaced:
                vpos.append(n)
                opos.append(s if s > pos else pos)
                parts.append(" ")
                n += 1
                spaced = True
            pos = e
        if pos < b:
            vpos.append(n)
            opos.append(pos)
            parts.append(text[pos:b])
            n += b - pos
            spaced = text[b - 1] == " "

    pos = start
    for a, b in sorted(drop):
        if b <= pos or a >= end:
            continue
        a = max(a, pos)
        emit_region(pos, a)
        if n and not spaced:
            vpos.append(n)
            opos.append(a)
            parts.append(" ")
            n += 1
            spaced = True
        jumps.append(n)
        pos = min(b, end)
    emit_region(pos, end)
    return View("".join(parts), tuple(vpos), tuple(opos), tuple(jumps))


def after_newline(rx: re.Pattern[str], opens: str = "") -> re.Pattern[str]:
    """A "(?m)^…" pattern as "\n…": `re` finds that by its literal first character, where
    "^" made it try every position of the text. ``opens``, a pattern for how every match of
    ``rx`` begins, is checked first after the "\n": a line that cannot hold a match (a blank
    line, a line of running text) is then turned down by one test instead of by each
    branch of ``rx`` in turn."""
    assert rx.pattern.startswith("(?m)^")
    guard = f"(?={opens})" if opens else ""
    return re.compile("(?m)\n" + guard + "(?:" + rx.pattern[len("(?m)^") :].replace("|^", "|") + ")")


def line_start_matches(rx: re.Pattern[str], nl: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """``list(rx.finditer(text))`` for a pattern anchored at line starts ("(?m)^…") that never
    matches empty; ``nl`` is :func:`after_newline` of ``rx``. A match starts at a line start:
    where the last one ended, if that is one (a match may hold line breaks), else after the
    first line break from there that ``nl`` matches, matched again with ``rx`` so that the
    caller gets the very matches ``rx`` gives."""
    out: list[re.Match[str]] = []
    pos = 0
    match, search = rx.match, nl.search
    while True:
        m = match(text, pos) if pos == 0 or text[pos - 1] == "\n" else None
        if m is None:
            q = search(text, pos)
            if q is None:
                return out
            m = match(text, q.start() + 1)
            if m is None:  # not reached: nl matched there
                return out
        out.append(m)
        pos = m.end()


# --------------------------------------------------------------------------------------------
# Page numbers and footnotes
# --------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"(?m)^[ \t]*(?:-[ \t]*|[Tt]rang[ \t]+)?\d{1,3}(?:[ \t]*-)?[ \t]*(?=\n[ \t]*\n|\n?\Z)"
)


_PAGE_NUMBER_NL = after_newline(_PAGE_NUMBER, r"[ \t\dTt-]")


def page_number_spans(text: str) -> list[tuple[int, int]]:
    return list(_page_number_spans(text))


@lru_cache(maxsize=16)
def _page_number_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Lines holding only a page number ("2", "- 2 -", "Trang 2") followed by a blank line.

    A footnote line also starts with a number but carries text after it, so it never matches.
    """
    spans = []
    for m in line_start_matches(_PAGE_NUMBER, _PAGE_NUMBER_NL, text):
        prev = text.rfind("\n", 0, m.start())
        # the previous line must be blank or absent: a number alone at the end of a wrapped
        # sentence line sits right after text
        before = text[text.rfind("\n", 0, max(prev, 0)) + 1 : prev] if prev > 0 else ""
        if prev <= 0 or not before.strip() or text[m.start() : m.end()].strip().startswith("-"):
            spans.append((m.start(), m.end()))
    return tuple(spans)


@dataclass(frozen=True)
class Footnote:
    """A footnote's text span and where its marker sits in the body (``None`` if not found)."""

    marker: str
    start: int
    end: int
    anchor_start: int | None
    anchor_end: int | None = None


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

# PDF layout: a separator line (only spaces, or underscores/dashes), then footnote lines.
_SEPARATOR = re.compile(r"\n[ \t]{10,}\n|\n[ \t]*[_\u2014-]{5,}[ \t]*\n")
# The block ends where the next page's body resumes: a single line break then a line that
# starts with one space and does not start like a footnote line ("N text").
_BLOCK_END = re.compile(r"(?<!\n)\n (?=\S)(?!\d{1,3}[ \t]+\S|\(\d{1,3}\))")
_FOOTNOTE_LINE = re.compile(r"(?m)^[ \t]?(?:\((\d{1,3})\)|(\d{1,3}))[ \t]+(?=\S)")
# Markdown layout: a paragraph that starts with a superscript marker.
_MD_FOOTNOTE = re.compile(
    r"(?m)^[ \t]*(?:(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|<sup>\[?(?P<html>\d{1,3})\]?</sup>|\[\^(?P<caret>\d{1,3})\]:?)[ \t]*(?=\S)"
)


_MD_FOOTNOTE_NL = after_newline(_MD_FOOTNOTE, r"[ \t⁰¹²³⁴⁵⁶⁷⁸⁹<\[]")


def footnote_block_spans(text: str) -> list[tuple[int, int]]:
    return list(_footnote_block_spans(text))


@lru_cache(maxsize=16)
def _footnote_block_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of the text occupied by footnotes (PDF blocks with their separator line, and
    Markdown footnote paragraphs): what a reader of the body skips."""
    spans: list[tuple[int, int]] = []
    for m in _SEPARATOR.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue
        e = _BLOCK_END.search(text, m.end())
        # a blank-line separated line after the block is body text too
        end = e.start() if e else len(text)
        if end > m.start() + 1:
            spans.append((m.start() + 1, end))
    for m in line_start_matches(_MD_FOOTNOTE, _MD_FOOTNOTE_NL, text):
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        spans.append((m.start(), end))
    spans.sort()
    return tuple(spans)


def _footnote_entries(text: str) -> list[tuple[str, int, int]]:
    """(marker, start, end) of each footnote; continuation text at the top of a block keeps
    the marker of the footnote it continues."""
    out: list[tuple[str, int, int]] = []
    for a, b in footnote_block_spans(text):
        m = _MD_FOOTNOTE.match(text, a)
        if m:
            marker = (m.group("sup") or "").translate(_SUPERSCRIPTS) or m.group("html") or m.group("caret")
            out.append((marker, a, b))
            continue
        body_start = text.find("\n", a) + 1
        lines = _sequential(list(_FOOTNOTE_LINE.finditer(text, body_start, b)), out[-1][0] if out else None)
        if lines and text[body_start : lines[0].start()].strip() and out:
            out.append((out[-1][0], body_start, lines[0].start()))
        elif not lines and out:
            out.append((out[-1][0], body_start, b))
        for i, lm in enumerate(lines):
            end = lines[i + 1].start() if i + 1 < len(lines) else b
            while end > lm.start() and text[end - 1].isspace():
                end -= 1
            out.append((lm.group(1) or lm.group(2), lm.start(), end))
    return out


def _sequential(lines: list[re.Match[str]], prev: str | None) -> list[re.Match[str]]:
    """Keep the footnote lines whose numbers follow on (n+1, allowing a skipped one): a
    wrapped footnote line may start with a number too ("3 (Phường …)", "02 vụ); …")."""
    kept = []
    last = int(prev) if prev and prev.isdigit() else None
    for lm in lines:
        n = int(lm.group(1) or lm.group(2))
        if last is None or last < n <= last + 2:
            kept.append(lm)
            last = n
    return kept


# Every place a footnote marker may sit in the body, by kind: 0 superscript / <sup> / [^n],
# 1 digits glued to a word ("tôn giáo1.", "vụ8,"), 2 a number in brackets ("(1)").
_MARKER = re.compile(
    r"(?=[\d⁰¹²³⁴⁵⁶⁷⁸⁹<\[(])(?:(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|<sup>\[?(?P<html>\d{1,3})\]?</sup>"
    r"|\[\^(?P<caret>\d{1,3})\](?!:)|\((?P<paren>\d{1,3})\)|(?<!\d)(?P<num>\d{1,3})(?!\d))"
)
_GLUE_AFTER = frozenset('.)”"')


def _marker_kind(text: str, m: re.Match[str]) -> tuple[str, int] | None:
    """(number, kind) of a possible marker: 0 superscript / <sup> / [^n]; 1 digits glued to a
    word ("tôn giáo1.", "vụ8,"); 2 a number in brackets ("(1)")."""
    if m.group("sup"):
        if text[m.start() - 1 : m.start()] == "⁽" or text[m.end() : m.end() + 1] == "⁾":
            return None
        return m.group("sup").translate(_SUPERSCRIPTS), 0
    if m.group("html") or m.group("caret"):
        return m.group("html") or m.group("caret"), 0
    if m.group("paren"):
        return m.group("paren"), 2
    s = m.start()
    prev = text[s - 1 : s]
    if not prev:
        return None
    if prev.isalpha():
        # "-V28", "/CP1" belong to a notation, not a marker
        if text[s - 2 : s - 1] in ("-", "/") and prev.isupper():
            return None
        return m.group("num"), 1
    if prev in _GLUE_AFTER and text[s - 2 : s - 1] != "." and (text[m.end() : m.end() + 1] or " ") in " \n.,;:":
        if prev == "." and text[s - 2 : s - 1].isdigit():
            return None
        return m.group("num"), 1
    return None


# Where a marker may start (a character set, or a run of digits): `_MARKER` is only tried
# there, since its leading look-ahead would make `re` try it at every position of the text.
_MARKER_START = re.compile(r"[\d⁰¹²³⁴⁵⁶⁷⁸⁹<\[(](?:(?<=\d)\d*)?")
# The same, less the digits _marker_kind turns down whatever follows them: a bare number can
# only be a marker glued to a letter or after '.)”"', and a report has many numbers after a
# space ("313 vụ"). (Digits inside a bracket, <sup> or [^n] match never follow those.)
# (One leading class, as above: `re` only skips ahead in C for a pattern that opens with one.)
_MARKER_START_GLUED = re.compile(r'[\d⁰¹²³⁴⁵⁶⁷⁸⁹<\[(](?:(?<=[^\W\d_]\d|[.)”"]\d)\d*|(?<=[⁰¹²³⁴⁵⁶⁷⁸⁹<\[(]))')


def _marker_matches(text: str, needed: frozenset[str] | None = None) -> list[re.Match[str]]:
    """What ``_MARKER.finditer(text)`` finds, faster; with ``needed``, only what
    :func:`_marker_kind` may accept, and no bare number whose value (leading zeros dropped)
    is not in ``needed``.

    At a run of digits _MARKER can only match the run itself (its other branches open with
    other characters), and then only if it is at most three digits long; such a match ends
    where the run does, so leaving it out changes no later match."""
    out: list[re.Match[str]] = []
    last = 0
    for c in (_MARKER_START if needed is None else _MARKER_START_GLUED).finditer(text):
        pos = c.start()
        if pos < last:
            continue
        if needed is not None and "0" <= text[pos] <= "9":
            end = c.end()
            if end - pos > 3 or (text[pos:end].lstrip("0") or "0") not in needed:
                continue
        m = _MARKER.match(text, pos)
        if m is not None:
            out.append(m)
            last = m.end()
    return out


def _marker_candidates(
    text: str, blocks: list[tuple[int, int]], needed: frozenset[str] | None = None
) -> dict[str, list[tuple[int, int, int]]]:
    """Possible markers by number; with ``needed``, only those numbers (the footnotes'): the
    others are never looked up, and most numbers of a report are no footnote's."""
    out: dict[str, list[tuple[int, int, int]]] = {}
    bi = 0
    for m in _marker_matches(text, needed):
        while bi < len(blocks) and blocks[bi][1] <= m.start():
            bi += 1
        if bi < len(blocks) and blocks[bi][0] <= m.start():
            continue
        mk = _marker_kind(text, m)
        if mk is None:
            continue
        key, kind = mk
        out.setdefault(key.lstrip("0") or "0", []).append((m.start(), m.end(), kind))
    return out


@lru_cache(maxsize=16)
def _find_footnotes(text: str) -> tuple[Footnote, ...]:
    entries = _footnote_entries(text)
    if not entries:
        return ()
    blocks = footnote_block_spans(text)
    cands = _marker_candidates(text, blocks, frozenset(m.lstrip("0") or "0" for m, _, _ in entries))
    result: list[Footnote] = []
    floor = 0
    for marker, s, e in entries:
        if result and result[-1].marker == marker:
            prev = result[-1]
            result.append(Footnote(marker, s, e, prev.anchor_start, prev.anchor_end))
            continue
        best: tuple[int, int, int] | None = None
        for c in cands.get(marker.lstrip("0") or "0", ()):
            if c[0] < floor:
                continue
            if c[0] >= s:
                break
            if best is None or c[2] <= best[2]:
                best = c
        if best:
            floor = best[1]
        result.append(Footnote(marker, s, e, best[0] if best else None, best[1] if best else None))
    return tuple(result)


def find_footnotes(text: str) -> list[Footnote]:
    """Footnotes with the body position of their marker ("tôn giáo1.", "(1),", "¹").

    The marker is searched in the body only (footnote text excluded), after the previous
    footnote's marker and before the footnote itself; a superscript beats a glued digit,
    which beats "(n)", and among equals the nearest one wins, because a footnote is printed
    on the page that carries its marker.
    """
    return list(_find_footnotes(text))


# --------------------------------------------------------------------------------------------
# Sections and items
# --------------------------------------------------------------------------------------------


@dataclass
class Segment:
    kind: str  # section | item | paragraph | footnote | page_number | header
    level: int
    label: str | None
    heading: str | None
    start: int
    end: int
    parent: int | None = None


_LABEL = re.compile(
    r"(?m)^(?P<lead>[ \t]*(?:#{1,6}[ \t]*)?(?:\\?\*{1,3}[ \t]*)?)"
    r"(?:(?P<roman>[IVXL]{1,5})\.(?=[ \t])"
    r"|(?P<dec>\d{1,2}(?:\.\d{1,2}){0,3})\.(?=[ \t]*[^\d\s])"
    r"|(?P<letter>[a-zđ])\)(?=[ \t])"
    r"|(?P<bullet>[-+•–]|\\\*|\*)(?=[ \t]))"
)
_HEADING_LINE = re.compile(r"(?m)^[ \t]*(?P<hashes>#{1,6})[ \t]+(?P<h>\S.*)$|^[ \t]*\*\*(?P<b>[^*\n]{3,})\*\*[ \t]*$")
# (each with what its lines open with: for a label, its lead's characters or the first of each
# kind of label)
_LABEL_NL = after_newline(_LABEL, r"[ \t#\\*IVXL\d+•–-]|[a-zđ]\)")
_HEADING_LINE_NL = after_newline(_HEADING_LINE, r"[ \t#*]")
_BULLET_RANK = {"-": 7, "–": 7, "•": 7, "+": 8, "*": 9, "\\*": 9}
_MARKUP = re.compile(r"\\|\*|#|</?sup>")


def _rank(m: re.Match[str]) -> tuple[int, str, str]:
    # (the kind of label is the group that closed last, after "lead": read once, where
    # testing the groups one by one cost a call each, for every label of every document)
    kind = m.lastgroup
    g = m.group(kind or 0)
    if kind == "roman":
        return 1, g, "section"
    if kind == "dec":
        return g.count(".") + 2, g, "section"
    if kind == "letter":
        return 6, g, "item"
    return _BULLET_RANK.get(g, 9), "*" if g == "\\*" else g, "item"


def _without_markup(s: str) -> str:
    """``_MARKUP.sub("", s)``; most lines hold no mark, and `re` tries every alternative of
    _MARKUP at every character of a line before finding that out."""
    if "\\" in s or "*" in s or "#" in s or "sup>" in s:
        return _MARKUP.sub("", s)
    return s


@lru_cache(maxsize=8)
def _label_matches(text: str) -> tuple[tuple[re.Match[str], ...], tuple[re.Match[str], ...]]:
    """Item labels and heading lines of ``text``, found once for :func:`segment` and
    :func:`boundary_offsets`."""
    return (
        tuple(line_start_matches(_LABEL, _LABEL_NL, text)),
        tuple(line_start_matches(_HEADING_LINE, _HEADING_LINE_NL, text)),
    )


def _line_end(text: str, pos: int) -> int:
    e = text.find("\n", pos)
    return len(text) if e < 0 else e


def segment(text: str) -> list[Segment]:
    """Sections (I., 1., 1.1., Markdown headings), items (a), -, +, *), footnotes and page
    numbers, each with its span and parent (index into the returned list).

    A numbered line is a *section* when its first line is short (a heading line) and an
    *item* when it runs on as a paragraph ("1. UBND tỉnh đã chỉ đạo …"): reports use the same
    numbering for both. Section and item spans nest: each runs to the next label of the same
    or a higher rank.
    """
    return [replace(g) for g in _segment(text)]


def segment_view(text: str) -> tuple[Segment, ...]:
    """:func:`segment`'s result shared, not copied: for callers that only read it (copying
    every segment of a long report costs more than reading them)."""
    return _segment(text)


@lru_cache(maxsize=8)
def _segment(text: str) -> tuple[Segment, ...]:
    dropped = footnote_block_spans(text) + page_number_spans(text)
    dropped.sort()

    def is_dropped(pos: int) -> bool:
        i = bisect_right(dropped, (pos, len(text) + 1)) - 1
        return i >= 0 and dropped[i][0] <= pos < dropped[i][1]

    heads: list[tuple[int, int, str | None, str, str | None]] = []  # start, rank, label, kind, heading
    seen: set[int] = set()
    labels, headings = _label_matches(text)
    for m in headings:
        if is_dropped(m.start()):
            continue
        lm = _LABEL.match(text, m.start())
        h = (m.group("h") or m.group("b") or "").strip()
        h = _without_markup(h).strip()
        if not h:
            continue
        if lm and not lm.group("bullet"):
            rank, label, _ = _rank(lm)
        else:
            rank = len(m.group("hashes")) if m.group("hashes") else 2
            label = None
        heads.append((m.start(), rank, label, "section", h))
        seen.add(m.start())
    for m in labels:
        if m.start() in seen or is_dropped(m.start()):
            continue
        rank, label, kind = _rank(m)
        le = _line_end(text, m.end())
        first = _without_markup(text[m.end() : le]).strip()
        heading: str | None = None
        if kind == "section":
            # a heading line is short and does not end a sentence mid-line
            if len(first) < 70 or first.isupper() or first.endswith(":"):
                heading = first
            else:
                kind = "item"
        elif first.endswith(":") and len(first) < 120:
            heading = first[:-1].strip()
        heads.append((m.start(), rank, label, kind, heading))
    heads.sort()

    segs: list[Segment] = []
    stack: list[int] = []  # open segments; each closes where the next of its rank or higher starts
    for s, rank, label, kind, heading in heads:
        while stack and segs[stack[-1]].level >= rank:
            segs[stack.pop()].end = s
        parent = stack[-1] if stack else None
        segs.append(Segment(kind, rank, label, heading, s, len(text), parent))
        stack.append(len(segs) - 1)
    for fn in find_footnotes(text):
        segs.append(Segment("footnote", 0, fn.marker, None, fn.start, fn.end, None))
    for a, b in page_number_spans(text):
        segs.append(Segment("page_number", 0, text[a:b].strip(), None, a, b, None))
    return tuple(segs)


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------

# Abbreviations after which a period does not end a sentence.
_ABBREV = frozenset(
    ["tp", "tx", "tt", "p", "q", "h", "x", "v.v", "vv", "ths", "ts", "pgs", "gs", "đ/c", "đc", "ông", "bà", "st", "nxb", "k/c", "kt", "tl", "tm", "tuq"]
)
# starts with a character set (fast to scan for); the branches look back at what it consumed
_SENT_END = re.compile(r"[.!?…:](?:(?<=[.!?…])[.!?…]*[”\")]?(?= +\S)|(?<=:)(?= +[-+•]))")
# _SENT_END as two patterns that each open with one literal character, for texts without
# "!", "?" and "…" (nearly all): `re` skips to a literal in C several times faster than to
# the next character of a set. Every match of _SENT_END then opens with "." or ":", and a
# match of either is one of _SENT_END at the same place.
_SENT_END_DOT = re.compile(r"\.[.!?…]*[”\")]?(?= +\S)")
_SENT_END_COLON = re.compile(r":(?= +[-+•])")
_TOKEN_BEFORE = re.compile(r"(\S+?)[.!?…]+[”\")]?$")


def _token_before_period(vt: str, lo: int, end: int) -> str:
    """``_TOKEN_BEFORE.search(vt, lo, end).group(1)`` ("" for no match) where ``vt[end - 1]``
    is ".": the search's leftmost match starts where the last run of non-space characters
    does (within ``vt[lo:end]``), and its lazy group stops before the run's closing
    ".!?…" characters, keeping at least one character; a run of one character (the "."
    alone) does not match. Worked out directly: the search was tried at every character."""
    run = vt[lo:end].rsplit(None, 1)[-1]
    if len(run) < 2:
        return ""
    return run[: max(1, len(run.rstrip(".!?…")))]


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in "-+•“\"(*"


def boundary_offsets(text: str) -> list[int]:
    """Original offsets where a section or item starts: a sentence never runs across one.
    (Footnote blocks and page numbers are not boundaries: the sentence around them goes on.)"""
    labels, headings = _label_matches(text)
    out = [m.start() for m in labels]
    out += [m.start() for m in headings]
    out.sort()
    return out


def sentences(text: str, view: View | None = None) -> list[tuple[int, int]]:
    """Sentence spans in original offsets.

    Sentences run across hard line breaks, page numbers and footnote blocks (a span may then
    enclose the block); they end at ". " + capital or digit (not after "TP.", "v.v." or a
    single letter), and at every section/item start. "1.062" never splits: no space follows.
    """
    if view is None:
        lay = layout(text)
        return [lay.body.orig_span(a, b) for a, b in lay.sentences]
    return [view.orig_span(a, b) for a, b in view_sentences(view, boundary_offsets(text))]


@dataclass(frozen=True)
class Layout:
    """What every finder of a document needs once: the spans a reader skips (footnote blocks,
    page numbers), the body view without them, section/item starts (original offsets) and
    the body's sentences (view spans). Built once per text and shared, because the stages
    (activities, observations, …) each used to rebuild it."""

    dropped: tuple[tuple[int, int], ...]
    body: View
    boundaries: tuple[int, ...]
    sentences: tuple[tuple[int, int], ...]


@lru_cache(maxsize=8)
def layout(text: str) -> Layout:
    """The :class:`Layout` of ``text`` (cached: the stages of one document share it)."""
    dropped = tuple(sorted(footnote_block_spans(text) + page_number_spans(text)))
    body = make_view(text, dropped)
    bounds = tuple(boundary_offsets(text))
    return Layout(dropped, body, bounds, tuple(view_sentences(body, bounds)))


def view_sentences(v: View, boundaries: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Sentence spans in *view* offsets; ``boundaries`` are original offsets that always start
    a new sentence (section and item starts)."""
    vt = v.text
    n = len(vt)
    cuts: set[int] = set()
    add = cuts.add
    # (view_index inlined, and the spaces after a match skipped from one past its end,
    # which the pattern's look-ahead wants: this runs for every sentence end and section
    # start of every document)
    if "!" in vt or "?" in vt or "…" in vt:
        ends: Iterable[re.Match[str]] = _SENT_END.finditer(vt)
    else:  # (in any order: the loop only adds to a set)
        ends = chain(_SENT_END_DOT.finditer(vt), _SENT_END_COLON.finditer(vt))
    for m in ends:
        start, end = m.span()
        nxt = end + 1
        while nxt < n and vt[nxt] == " ":
            nxt += 1
        if nxt >= n:
            continue
        if end - start == 1 and vt[start] == ".":
            # _token_before_period's token: where the window holds no whitespace but " "
            # (isprintable() turns down every other kind) and the word before the "." does
            # not end in ".!?…", it is that word, found by rfind (this runs at most
            # sentence ends: the calls and the split cost more than the test)
            lo = start - 12 if start > 12 else 0
            window = vt[lo:start]
            tok = window[window.rfind(" ") + 1 :]
            if not tok or tok[-1] in ".!?…" or not window.isprintable():
                tok = _token_before_period(vt, lo, end)
            low = tok.lower()
            if low in _ABBREV or (len(low) == 1 and low.isalpha()) or low.endswith("v.v"):
                continue
        if vt[start] == ":" or _starts_sentence(vt[nxt]):
            add(nxt)
    vpos, opos = v.vpos, v.opos
    nseg = len(vpos)
    for b in boundaries:  # view_index, inlined (0 or None: no cut)
        k = bisect_right(opos, b) - 1
        if k < 0:
            continue
        seg_end_v = vpos[k + 1] if k + 1 < nseg else n
        cand = vpos[k] + (b - opos[k])
        if cand < seg_end_v:
            add(cand)
        elif seg_end_v < n:
            add(seg_end_v)
    points = sorted(c for c in cuts if 0 < c < n)
    spans: list[tuple[int, int]] = []
    prev = 0
    for c in [*points, n]:
        a, b = prev, c
        while a < b and vt[a] == " ":
            a += 1
        while b > a and vt[b - 1] == " ":
            b -= 1
        if b > a:
            spans.append((a, b))
        prev = c
    return spans


def view_index(v: View, orig: int) -> int | None:
    """The first view offset whose original offset is ≥ ``orig`` (None past the end)."""
    k = bisect_right(v.opos, orig) - 1
    if k < 0:
        return 0
    seg_end_v = v.vpos[k + 1] if k + 1 < len(v.vpos) else len(v.text)
    cand = v.vpos[k] + (orig - v.opos[k])
    if cand < seg_end_v:
        return cand
    return seg_end_v if seg_end_v < len(v.text) else None
