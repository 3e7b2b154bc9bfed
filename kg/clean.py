"""A cleaned view of a document's text, with a map back to the original offsets.

Real input is PDF text or OCR'd Markdown: hard line breaks inside sentences, blank lines
between every line, page numbers on their own lines, Markdown noise (``##``, ``**``, ``\\*``).
The finders work on a view where all of that is gone and every run of whitespace is a single
space, so a notation split over a line break ("46-\\n\\nCT/TW") reads as "46- CT/TW" and one
regular expression can match it. ``CleanText.offsets`` maps every character of the view back
to the original text, so evidence is always quoted from the original.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add

from kg.iri import fold
from kg.structure import WHITESPACE_BUT_SPACE

# What is dropped from the view: runs of whitespace (kept as one space), Markdown emphasis
# and heading marks, backslash escapes, and lines that hold only a page number.
# A page number is a line holding only 1-3 digits (maybe "- 2 -") between blank lines; it is
# swallowed together with the whitespace around it.
_PAGE_NUMBER = r"\n[ \t]*(?:-[ \t]*)?\d{1,3}(?:[ \t]*-)?[ \t]*(?=\n[ \t]*\n)"
_NOISE = re.compile(
    rf"(?=[\s\\*#])(?:(?P<ws>\s*(?:{_PAGE_NUMBER}\s*)+|\s{{2,}}|[^\S ])|\\(?=[*#_\[\]()])|\*+|(?:(?<=\n)|^)[ \t]*#+[ \t]*)",
)
# _NOISE as `re` scans fast: opened by the character set its look-ahead asks for (`re` skips
# in C to the next such character, where the look-ahead made it try every position), each
# branch then looking behind at that character. The whitespace branch spelled out: its
# leading \s* either takes that character (the lengths from longest to one) or is empty, the
# character then opening a page number (the length zero, tried last); then \s{2,}, then
# [^\S ]. "ws" is an empty group at the branch's end, set only when that branch matched.
# (A space opens a match only before whitespace or "#": the first test, so that the spaces
# between words, most of the text, are turned down at once.)
# tests/test_citations.py checks that it finds what _NOISE finds.
# (its first set spelled out, see kg.structure.WHITESPACE_BUT_SPACE: a table lookup for `re`)
_PAGE_NUMBER_REST = _PAGE_NUMBER.removeprefix("\\n")
_NOISE_BRANCHES = (
    rf"(?:(?<=[^ ])|(?=[\s#]))(?:(?<=\s)(?:\s*(?:{_PAGE_NUMBER}\s*)+|(?<=\n){_PAGE_NUMBER_REST}\s*(?:{_PAGE_NUMBER}\s*)*|\s+|(?<=[^\S ]))(?P<ws>)"
    r"|(?<=\\)(?=[*#_\[\]()])"
    r"|(?<=\*)\**"
    r"|(?:(?<=\n[ \t#])|(?<=^[ \t#]))(?:(?<=[ \t])[ \t]*#+|(?<=#)#*)[ \t]*)"
)
_NOISE_FAST = re.compile(rf"[ {WHITESPACE_BUT_SPACE}\\*#]" + _NOISE_BRANCHES)
# _NOISE_FAST not opened by a space, the whole match a group, to split a text at: see
# _clean_plain. (Most spaces of a text are the ones between words, each of which the scan
# for _NOISE_FAST stops at and turns down.)
_NOISE_BREAK = re.compile(rf"([{WHITESPACE_BUT_SPACE}\\*#]" + _NOISE_BRANCHES + ")")


def _noise(text: str) -> Iterator[re.Match[str]]:
    """``_NOISE.finditer(text)`` (see _NOISE_FAST)."""
    return _NOISE_FAST.finditer(text)


class FoldedView:
    """Folds only the slices asked for: finders look at short windows around notations, and
    folding a whole megabyte of text would cost more than all of them together."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __getitem__(self, index: slice) -> str:
        return fold(self.text[index])

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class CleanText:
    """``text`` is the view; ``anchors``/``origins`` map it back to the original.

    The view is a sequence of runs copied from the original (a replaced whitespace run is a
    run of one character); run ``k`` starts at view offset ``anchors[k]`` and original offset
    ``origins[k]`` (a space standing for a whitespace run maps to the run's first character,
    and so goes on the run of the text it follows). Storing runs rather than one offset per character keeps building the view
    cheap on megabytes of text.
    """

    text: str
    anchors: list[int]
    origins: list[int]
    original_length: int

    @property
    def folded(self) -> FoldedView:
        """The view folded to lower-case ASCII, slice by slice (see :class:`FoldedView`)."""
        return FoldedView(self.text)

    def original(self, i: int) -> int:
        """The original offset of view offset ``i`` (``len(text)`` maps to the end)."""
        if i >= len(self.text):
            return self.original_length
        k = bisect_right(self.anchors, i) - 1
        return self.origins[k] + (i - self.anchors[k])

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view back to the original text."""
        if end <= start:
            o = self.original(start)
            return o, o
        return self.original(start), self.original(end - 1) + 1


# Dashes and slashes PDF producers substitute for "-" and "/" (one character for one, so
# offsets stay aligned): en/em dashes, the Unicode hyphens, the minus sign, fullwidth forms.
_SEPARATORS = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "／": "/", "⁄": "/"})
_HAS_SEPARATOR = re.compile("[–—‐‑−／⁄]")
_SEPARATOR_CHARS = "–—‐‑−／⁄"


def _with_plain_separators(text: str) -> str:
    """``text`` with the substitutes of "-" and "/" replaced. Many texts hold none (two of
    the five seed reports, and the synthetic ones): one str.find per character (a skip in C)
    finds that out faster than `re` testing every character of the text against the set."""
    if any(c in text for c in _SEPARATOR_CHARS):
        return _HAS_SEPARATOR.sub(lambda m: m.group(0).translate(_SEPARATORS), text)
    return text


def clean(text: str) -> CleanText:
    """Build the view (see the module docstring)."""
    text = _with_plain_separators(text)
    if "  " not in text and "*" not in text and "#" not in text and "\\" not in text:
        return _clean_plain(text)
    return _clean_by_matches(text)


def _clean_plain(text: str) -> CleanText:
    """:func:`_clean_by_matches` for a text without "  ", "*", "#" and "\\": typed or
    generated text (the synthetic corpus is such; text taken from a PDF usually has runs of
    spaces, and OCR'd Markdown has marks, so the seed reports take _clean_by_matches).

    Every match of _NOISE is then a run of whitespace, replaced by one space, that opens
    with a character other than " " or with the one space before such a character: the
    text split at the matches of _NOISE_BREAK (which leave that space out), each piece but
    the last without the space it ends with, gives the pieces of the view, and their
    lengths and those of the matches give the offset map, all without a Python step per
    match. Each match gives one breakpoint, where the piece before it starts (a space
    after copied text maps to where that text ends; see _clean_by_matches), and so does a
    last piece that is not empty."""
    parts = _NOISE_BREAK.split(text)  # piece, match, "ws" group, piece, …, piece
    pieces = parts[::3]
    n = len(pieces) - 1
    kept = list(map(str.removesuffix, pieces[:n], repeat(" ", n)))  # (one space at most)
    kept.append(pieces[n])
    anchors = [0, *accumulate(map((1).__add__, map(len, kept[:n])))]
    origins = [0, *accumulate(map(add, map(len, pieces[:n]), map(len, parts[1::3])))]
    if not kept[n]:
        del anchors[n], origins[n]
    return CleanText(" ".join(kept), anchors, origins, len(text))


def _clean_by_matches(text: str) -> CleanText:
    """The view of ``text`` (separators already replaced), match by match."""
    parts: list[str] = []
    anchors: list[int] = []
    origins: list[int] = []
    view_len = 0
    pos = 0
    # (m.lastindex is 1 exactly when "ws", _NOISE_FAST's only group, took part in the
    # match: an attribute read, where m.group("ws") was a method call per match)
    for m in _noise(text):
        start, end = m.span()
        copied = start > pos
        if copied:
            parts.append(text[pos:start])
            anchors.append(view_len)
            origins.append(pos)
            view_len += start - pos
        if m.lastindex is not None:
            parts.append(" ")
            if not copied:
                # (a space right after copied text maps to where that text ends, the start
                # of the run it stands for: that run of the view just goes on)
                anchors.append(view_len)
                origins.append(start)
            view_len += 1
        pos = end
    if pos < len(text):
        parts.append(text[pos:])
        anchors.append(view_len)
        origins.append(pos)
    return CleanText("".join(parts), anchors, origins, len(text))
