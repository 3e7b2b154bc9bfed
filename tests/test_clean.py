"""The cleaned view's helpers against their plain forms."""

from __future__ import annotations

import random

from kg import clean as C


def test_separator_substitutes_are_replaced_as_translate_does() -> None:
    assert {chr(k) for k in C._SEPARATORS} == set(C._SEPARATOR_CHARS)
    pieces = ["a", " ", "-", "/", "4321", "KH", "\n", "Đ", *C._SEPARATOR_CHARS]
    rng = random.Random(3)
    changed = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        got = C._with_plain_separators(text)
        assert got == text.translate(C._SEPARATORS), text
        changed += got != text
    assert changed


def test_plain_texts_are_cleaned_as_match_by_match() -> None:
    pieces = [" ", "\n", "\n\n", "\t", "\xa0", "\u3000", " \n", "\n12\n\n", "\n- 3 -\n \n", "\n\n5\n\n", "\n 7 \n\n",
              "a", "Bộ", "-", "7", "x ", "\r\n", "\n99\n", " \n \n", "–", " a", "\n  \n", "*", "## ", "\\*"]
    rng = random.Random(4)
    plain = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        got = C.clean(text)
        assert got == C._clean_by_matches(C._with_plain_separators(text)), text
        plain += "  " not in text and not any(c in text for c in "*#\\")
    assert plain > 5000
