"""The faster forms of kg.observations helpers against the plain forms they replace."""

from __future__ import annotations

import random
import re

from kg import observations as O

_ALPHABET = ["a", "B", "HIV", "Tuý", "MTTH", "tngt", "hoá", "ı", "İ", "ß", " ", "  ", "\t", "\u00a0",
             "\u2028", "\x1c", ",", "-", ";", ":", "đ", "Đ", "ma", "túy", "VPHC", "Hê-rô-in", "x"]


def _plain_normalised(label: str) -> str:
    words = []
    for w in label.split():
        lw = w.lower() if not (w.isupper() and len(w) > 1) else w
        words.append(O._EXPAND.get(lw.lower(), lw if lw.lower() not in O._EXPAND else lw))
    text = " ".join(words).strip(" ,;:-")
    return re.sub(r"\s+", " ", text)


def test_normalised_words_is_the_plain_form() -> None:
    rng = random.Random(3)
    labels = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 9))) for _ in range(4000)]
    labels += list(O._EXPAND) + [k.upper() for k in O._EXPAND] + ["  ", "- ,", "kg hêrôin"]
    for label in labels:
        assert O._normalised_words(label) == _plain_normalised(label), repr(label)


def test_unseen_measure_is_added_once_under_its_key() -> None:
    scheme = O.MeasureScheme()
    assert scheme.resolve("vụ thử nghiệm") == "vụ thử nghiệm"
    assert scheme.resolve("Vụ thử-nghiệm") == "vụ thử nghiệm"  # the same key
    assert scheme.added == ["vụ thử nghiệm"]
    assert scheme.alts == {"vụ thử nghiệm": []}
    assert scheme.pref == {O.measure_key("vụ thử nghiệm"): "vụ thử nghiệm"}



_PIECES = ["a", "Đ", "ư", "\u0301", "\u0323", " ", "  ", "-", "1", "¹", "_", ",", "x-y", "bé", "e\u0301", "ng"]


def _random_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 14))) for _ in range(n)]


def _full_words_after(vt: str, pos: int, limit: int, end: int | None = None) -> list[tuple[str, int]]:
    m = O._WORDS_AFTER.match(vt, pos, len(vt) if end is None else end)
    out: list[tuple[str, int]] = []
    for g in range(1, limit + 1):
        if m is None or m.group(g) is None:
            break
        out.append((m.group(g), m.end(g)))
    return out


def test_words_after_matches_as_the_pattern_with_accents() -> None:
    fell_back = 0
    for vt in _random_texts(21, 3000):
        for pos in range(len(vt) + 1):
            for end in (None, max(pos, len(vt) - 2)):
                assert O._words_after(vt, pos, 8, end) == _full_words_after(vt, pos, 8, end), (vt, pos, end)
            m = O._WORDS_AFTER_NFC.match(vt, pos)
            fell_back += m is not None and m.group(0) != (O._WORDS_AFTER.match(vt, pos) or m).group(0)
    assert fell_back > 100  # the texts hold accents the faster pattern stops at


def test_word_split_of_last_verb_is_the_pattern_with_accents() -> None:
    for window in _random_texts(22, 3000) + ["đã bắt giữ", "đã ba\u0301t giữ", "x xử lý"]:
        words = O._WORD.findall(window.lower())
        plain = None
        for i in range(len(words) - 1, -1, -1):
            for cand in O._VERB_BY_LAST.get(words[i], ()):
                n = len(cand)
                if plain is None and (n == 1 or (i + 1 >= n and tuple(words[i - n + 1 : i + 1]) == cand)):
                    plain = " ".join(cand)
            if plain is not None:
                break
        assert O._last_verb_in.__wrapped__(window) == plain, repr(window)


def test_anchor_ends_are_those_of_the_one_pattern() -> None:
    rng = random.Random(24)
    pieces = ["2020", "12", "19999", "tháng", "Tháng", "THÁNG", " năm", " ", "đầu ", "cuối ", "x", "t", "háng", "á", "1", "ng năm"]
    seen = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        plain = [m.end() for m in O._PERIOD_ANCHOR.finditer(text)]
        assert O._anchor_ends(text) == plain, text
        seen += any(text[e - 1] == "m" for e in plain)
    assert seen > 200  # "tháng … năm" anchors, not only years
