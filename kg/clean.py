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
from dataclasses import dataclass

# What is dropped from the view: runs of whitespace (kept as one space), Markdown emphasis
# and heading marks, backslash escapes, and lines that hold only a page number.
# A page number is a line holding only 1-3 digits (maybe "- 2 -") between blank lines; it is
# swallowed together with the whitespace around it.
_PAGE_NUMBER = r"\n[ \t]*(?:-[ \t]*)?\d{1,3}(?:[ \t]*-)?[ \t]*(?=\n[ \t]*\n)"
_NOISE = re.compile(
    rf"(?P<ws>\s*(?:{_PAGE_NUMBER}\s*)+|\s{{2,}}|[^\S ])|\\(?=[*#_\[\]()])|\*+|(?:(?<=\n)|^)[ \t]*#+[ \t]*",
)


@dataclass(frozen=True)
class CleanText:
    """``text`` is the view; ``offsets[i]`` is the original offset of ``text[i]``.

    ``offsets`` has one extra entry at the end (the original length) so that an end offset
    can be mapped too.
    """

    text: str
    offsets: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view back to the original text."""
        if end <= start:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1


# Dashes and slashes PDF producers substitute for "-" and "/" (one character for one, so
# offsets stay aligned): en/em dashes, the Unicode hyphens, the minus sign, fullwidth forms.
_SEPARATORS = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "／": "/", "⁄": "/"})


def clean(text: str) -> CleanText:
    """Build the view (see the module docstring)."""
    text = text.translate(_SEPARATORS)
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _NOISE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
            offsets.extend(range(pos, m.start()))
        if m.group("ws") is not None:
            parts.append(" ")
            offsets.append(m.start())
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    offsets.append(len(text))
    return CleanText("".join(parts), offsets)
