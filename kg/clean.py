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

from kg.iri import fold

# What is dropped from the view: runs of whitespace (kept as one space), Markdown emphasis
# and heading marks, backslash escapes, and lines that hold only a page number.
# A page number is a line holding only 1-3 digits (maybe "- 2 -") between blank lines; it is
# swallowed together with the whitespace around it.
_PAGE_NUMBER = r"\n[ \t]*(?:-[ \t]*)?\d{1,3}(?:[ \t]*-)?[ \t]*(?=\n[ \t]*\n)"
_NOISE = re.compile(
    rf"(?=[\s\\*#])(?:(?P<ws>\s*(?:{_PAGE_NUMBER}\s*)+|\s{{2,}}|[^\S ])|\\(?=[*#_\[\]()])|\*+|(?:(?<=\n)|^)[ \t]*#+[ \t]*)",
)
# Where a _NOISE match can start: any whitespace but a plain space, "\\", "*", "#", or a
# space before whitespace or "#". _NOISE opens with a look-ahead, so `re` tries it at every
# character; this opens with a character set, which `re` skips to in C, and single spaces
# between words (most of the text) are not even tried.
_NOISE_START = re.compile(r"[\s\\*#](?:(?<=[^ ])|(?=[\s#]))")


def _noise(text: str) -> Iterator[re.Match[str]]:
    """``_NOISE.finditer(text)``, trying _NOISE only where _NOISE_START says it may match."""
    search, match = _NOISE_START.search, _NOISE.match
    pos = 0
    while (c := search(text, pos)) is not None:
        m = match(text, c.start())
        if m is None:
            pos = c.start() + 1
            continue
        yield m
        pos = m.end()


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
    ``origins[k]``. Storing runs rather than one offset per character keeps building the view
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


def clean(text: str) -> CleanText:
    """Build the view (see the module docstring)."""
    text = _HAS_SEPARATOR.sub(lambda m: m.group(0).translate(_SEPARATORS), text)
    parts: list[str] = []
    anchors: list[int] = []
    origins: list[int] = []
    view_len = 0
    pos = 0
    for m in _noise(text):
        start = m.start()
        if start > pos:
            parts.append(text[pos:start])
            anchors.append(view_len)
            origins.append(pos)
            view_len += start - pos
        if m.group("ws") is not None:
            parts.append(" ")
            anchors.append(view_len)
            origins.append(start)
            view_len += 1
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
        anchors.append(view_len)
        origins.append(pos)
    return CleanText("".join(parts), anchors, origins, len(text))
