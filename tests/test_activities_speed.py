"""kg.activities' fast helpers against their plain forms (random texts or exhaustive)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import kg.activities as A
from kg.model import Instrument, Span

# every code point but the surrogates (which a str can hold, but no text does)
EVERY = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


# ---------------------------------------------------------------------------- lead phrases


def test_no_other_character_opens_a_lead_trigger_or_theo_do() -> None:
    # each phrase either pattern can open with, its first character replaced by every other
    # character that can matter: a character without case matches a letter case-blind only
    # if it is that letter (which _may_lead lets through), so the cased ones are tried
    phrases = ["Tiếp tục theo", "Đồng thời theo", "Đã theo", "Chủ động theo", "Tích cực theo", "triển khai", "thực hiện",
               "quán triệt", "hưởng ứng", "căn cứ", "theo", "Theo đó", "Thực hiện văn bản trên"]
    assert all(A._LEAD_TRIGGER.match(p) or A._THEO_DO.match(p) for p in phrases)
    cased = [c for c in EVERY if c.lower() != c or c.upper() != c]
    for p in phrases:
        for c in cased:
            if not A._may_lead(c + p[1:], 0):
                assert A._LEAD_TRIGGER.match(c + p[1:]) is None and A._THEO_DO.match(c + p[1:]) is None, c + p


# ---------------------------------------------------------------------------- clauses


def _predicates_plain(text: str, unit: A._Unit, memo: dict[int, bool]) -> Iterator[A._Event]:
    for e in unit.events:
        if e.kind not in ("verb", "trig", "issue"):
            continue
        if A._in_desc(unit, e.start) or A._is_noun_use(text, e, memo):
            continue
        if e.kind != "trig" or A._folded_words(text[e.start : e.end]) not in A._NOT_PREDICATES:
            yield e


def _main_verb_plain(text: str, unit: A._Unit, memo: dict[int, bool]) -> A._Event | None:
    """_main_verb as first written, on a generator of the predicates."""
    verbs = _predicates_plain(text, unit, memo)
    first = next(verbs, None)
    if first is None:
        return None
    lead_pos = A._label_end(text, unit.start, unit.end)
    if first.start - lead_pos < 3 and A._folded_words(text[first.start : first.end]) in ("de nghi", "yeu cau"):
        second = next(verbs, None)
        if second is not None:
            return second
    if first.kind == "trig" and A._LEAD_TRIGGER.match(text, lead_pos, unit.end):
        mentions = [e for e in unit.events if e.kind == "mention"]
        if mentions:
            comma = text.find(",", mentions[0].end, unit.end)
            if comma >= 0:
                if first.start > comma:
                    return first
                for v in verbs:
                    if v.start > comma:
                        return v
    return first


def _split_clauses_plain(text: str, unit: A._Unit) -> list[tuple[int, int, list[A._Event]]]:
    events = list(unit.events)
    depth = 0
    cuts = []
    for i, e in enumerate(events):
        if e.kind == "paren":
            depth += 1
        elif e.kind == "close":
            depth = max(0, depth - 1)
        elif e.kind == "semi" and depth == 0:
            rest = [x for x in events[i + 1 :] if x.start > e.end and x.kind in ("verb", "trig", "issue", "mention")]
            if rest and rest[0].kind != "mention" and rest[0].start - e.end < 60:
                cuts.append(e.end)
    bounds = [unit.start, *cuts, unit.end]
    return [(a, b, [e for e in events if a <= e.start < b]) for a, b in zip(bounds, bounds[1:], strict=False)]


_CLAUSE_PIECES = [
    "Đề nghị", "Yêu cầu", "Ủy ban MTTQ tỉnh", "tăng cường", "vận động", "Thực hiện", "thực hiện", "Kế hoạch 12",
    "triển khai", "theo", "căn cứ", "công tác", "tuyên truyền", "các", "tổ chức", "ban hành", "về", "Công an",
    "1.", "a)", "-", "(", ")", ";", ",", "phá án", "chưa", "hỗ trợ", "Chỉ thị 48", "tập huấn", "x",
]


def _clause(rng: random.Random) -> tuple[str, A._Unit]:
    """A random clause, its events found as extract_activities finds them ("Kế hoạch 12" and
    "Chỉ thị 48" are instrument mentions), and random description regions."""
    text = " ".join(rng.choice(_CLAUSE_PIECES) for _ in range(rng.randint(1, 14)))
    instruments = [
        Instrument(key=name, notation=None, mentions=[Span(m.start(), m.end()) for m in re.finditer(name, text)])
        for name in ("Kế hoạch 12", "Chỉ thị 48")
    ]
    unit = A._Unit(0, len(text), events=A._scan(text, A._lower(text), instruments))
    if rng.random() < 0.3:
        a = rng.randint(0, len(text))
        unit.desc = [(a, rng.randint(a, len(text)), 0)]
    return text, unit


def test_main_verb_agrees_with_the_generator_form() -> None:
    rng = random.Random(9)
    found = 0
    for _ in range(3000):
        text, unit = _clause(rng)
        got = A._main_verb(text, unit, {})
        assert got == _main_verb_plain(text, unit, {}), text
        found += got is not None
        # _main_verb reads the label's end once, for _lead_pos to give back
        assert unit.lead_pos in (-1, A._label_end(text, unit.start, unit.end))
    assert found > 1000


def test_split_clauses_agrees_with_the_plain_walk() -> None:
    rng = random.Random(10)
    split = 0
    for _ in range(3000):
        text, unit = _clause(rng)
        got = [(u.start, u.end, list(u.events)) for u in A._split_clauses(text, unit)]
        assert got == _split_clauses_plain(text, unit), text
        split += len(got) > 1
    assert split > 100


def test_chain_drivers_walk_every_scope_up_to_the_top() -> None:
    rng = random.Random(12)
    for _ in range(300):
        scopes: list[A._Scope] = []
        for i in range(rng.randint(0, 12)):
            parent = rng.choice([None, *range(i)])
            scopes.append(A._Scope(i, 100, parent, i, drivers=[f"d{i}.{k}" for k in range(rng.randint(0, 2))]))
        chains = A._chain_drivers(scopes)
        for i in range(len(scopes)):
            walked: list[str] = []
            s: int | None = i
            while s is not None:
                walked += scopes[s].drivers
                s = scopes[s].parent
            assert chains[i] == walked


# ---------------------------------------------------------------------------- periods


def test_period_opening_holds_every_character_a_period_can_open_with() -> None:
    digits = "".join(re.findall(r"\d", EVERY))
    opening = re.compile(A._PERIOD_OPENING)
    assert all(opening.fullmatch(c) for c in digits + "tsſqng")
    # and no other letter Vietnamese text is written with (that would only cost time)
    assert not [c for c in EVERY if opening.fullmatch(c) and c not in digits + "tsſqng" and c.isalpha()
                and (c.isascii() or "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff")]


def test_period_pattern_with_other_digits_and_characters_agrees_with_the_plain_one() -> None:
    pieces = ["từ ngày ٠١/٠٢ đến ngày ١/٢/٢٠٢٤", "٦ tháng đầu năm ٢٠٢٤", "٠٦ tháng đầu năm 2024", "12 tháng năm ২০২৪",
              "năm ٢٠٢٤", "quý IV năm 2024", "giai đoạn 2016 - 2025", "năm 2024", "“năm 2024”", "…6 tháng đầu năm 2024",
              "中năm 2024", "ꝏ6 tháng cuối năm 2024", "tỉnh", "x", "t", "q", "n", "g", "s"]
    rng = random.Random(13)
    found = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice([" ", "", "\n", ", "]) for _ in range(rng.randint(1, 8)))
        s = rng.randint(0, len(text))
        e = rng.randint(s, len(text))
        plain = [m.span() for m in A._PERIOD.finditer(text, s, e)]
        assert [m.span() for m in A._PERIOD_LOW.finditer(A._lower(text), s, e)] == plain, (text, s, e)
        found += len(plain)
    assert found > 500


# ---------------------------------------------------------------------------- descriptions


def test_only_the_space_is_whitespace_and_printable() -> None:
    assert [c for c in EVERY if c.isspace() and c.isprintable()] == [" "]


def test_describe_normalises_like_split_and_join() -> None:
    pieces = ["a", "Bộ", " ", "  ", "\n", "\t", "\u00a0", "\u2003", "\x85", ",", ";", ":", ".", "*", "\\*", "x" * 90,
              " \n\n", "\n\n", " \n", "\n "]
    rng = random.Random(14)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        s = rng.randint(0, len(text))
        e = rng.randint(s, len(text))
        d = " ".join(A._without_markup(text[s : min(e, s + 2 * A._DESC_CHARS)]).split()).strip(" ,;:.")
        if len(d) > A._DESC_CHARS:
            d = d[: A._DESC_CHARS].rsplit(" ", 1)[0] + " …"
        assert A._describe(text, s, e) == d, (text, s, e)


# ---------------------------------------------------------------------------- nouns


def test_noun_ends_are_plain_letters_and_the_last_characters_tell_them() -> None:
    assert all(re.fullmatch("[a-z]+", e) for e in A._NOUN_ENDS)
    pieces = [*A._NOUN_ENDS, "công tác", "các", "Kế  hoạch", "kế\nhoạch", "ít", "x", "tỉnh", "1", "(", "\u00a0", " "]
    rng = random.Random(16)
    for _ in range(3000):
        before = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))).rstrip()
        if before:
            token = before.rsplit(None, 1)[-1]
            assert A._may_end_noun_word(before[-A._NOUN_END_CHARS :]) == A._may_end_noun_word(token), before
