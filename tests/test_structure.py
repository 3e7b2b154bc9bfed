"""Sections, items, footnotes, page numbers and sentences with offsets into the original."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.structure import find_footnotes, layout, make_view, page_number_spans, segment, sentences

DOCS = Path(__file__).resolve().parent.parent / "data" / "documents"

PDF_TEXT = (
    "I. CÔNG TÁC CHỈ ĐẠO \n\n"
    "1. UBND tỉnh đã chỉ đạo các cấp, các ngành tiếp tục thực hiện tốt công tác \n\n"
    "phòng chống tội phạm trên địa bàn tỉnh. Quản lý tôn giáo1. Đã phát hiện 313 vụ (so \n"
    "\n                                           \n"
    "1 Ban hành Kế hoạch số 114/KH-BCĐ về phòng chống tội phạm năm \n\n"
    "2020 trên địa bàn. \n"
    " với cùng kỳ tăng 76 vụ). \n\n"
    " 2 \n\n \n\n"
    "1.1. Công tác bảo đảm an ninh \n\n"
    "a) Tại TP. Lai Châu ghi nhận 1.062 hộ. Hết.\n\n"
    "- Sở Tư pháp đã chỉ đạo.\n"
)


def test_view_maps_back_to_original() -> None:
    text = "tổ chức 26 buổi tuyên\n\n truyền **mạnh**"
    v = make_view(text)
    assert v.text == "tổ chức 26 buổi tuyên truyền mạnh"
    i = v.text.index("truyền")
    s, e = v.orig_span(i, i + len("truyền"))
    assert text[s:e] == "truyền"


def test_page_numbers() -> None:
    spans = page_number_spans(PDF_TEXT)
    assert [PDF_TEXT[a:b].strip() for a, b in spans] == ["2"]


def test_pdf_footnote_and_anchor() -> None:
    fns = find_footnotes(PDF_TEXT)
    assert len(fns) == 1
    fn = fns[0]
    assert fn.marker == "1"
    assert PDF_TEXT[fn.start : fn.end].startswith("1 Ban hành Kế hoạch")
    assert PDF_TEXT[fn.start : fn.end].rstrip().endswith("trên địa bàn.")
    assert PDF_TEXT[fn.anchor_start - len("tôn giáo") : fn.anchor_end] == "tôn giáo1"


def test_markdown_footnotes() -> None:
    text = "Gây bức xúc trong Nhân dân¹. Tiếp theo.\n\n¹ Vụ án A xảy ra.\n\nBody <sup>[2]</sup> x.\n\n<sup>2</sup> Vụ B.\n"
    fns = find_footnotes(text)
    assert [f.marker for f in fns] == ["1", "2"]
    assert text[fns[0].anchor_start : fns[0].anchor_end] == "¹"
    assert text[fns[1].anchor_start : fns[1].anchor_end] == "<sup>[2]</sup>"


def test_segments_nest() -> None:
    segs = [s for s in segment(PDF_TEXT) if s.kind in ("section", "item")]
    labels = [(s.kind, s.label) for s in segs]
    assert labels == [("section", "I"), ("item", "1"), ("section", "1.1"), ("item", "a"), ("item", "-")]
    roman, one, one_one, a, dash = segs
    assert roman.heading == "CÔNG TÁC CHỈ ĐẠO"
    assert one_one.heading == "Công tác bảo đảm an ninh"
    assert one.parent == 0 and one_one.parent == 1 and a.parent == 2 and dash.parent == 3
    assert roman.end == len(PDF_TEXT)


def test_markdown_headings() -> None:
    text = "### I. ĐẶC ĐIỂM\n\n#### 1. Đặc điểm địa bàn\n\nNội dung.\n\n## **2. Tình hình tội phạm**\n\n- Phạm pháp.\n"
    segs = [s for s in segment(text) if s.kind == "section"]
    assert [(s.label, s.heading) for s in segs] == [
        ("I", "I. ĐẶC ĐIỂM"), ("1", "1. Đặc điểm địa bàn"), ("2", "2. Tình hình tội phạm"),
    ]


def test_sentences_skip_footnotes_and_keep_abbreviations() -> None:
    spans = sentences(PDF_TEXT)
    texts = [" ".join(PDF_TEXT[a:b].split()) for a, b in spans]
    # the sentence interrupted by the footnote block and page break stays one sentence
    assert any(t.startswith("Đã phát hiện 313 vụ (so") and t.endswith("tăng 76 vụ).") for t in texts)
    # "TP." and "1.062" do not end a sentence
    assert "a) Tại TP. Lai Châu ghi nhận 1.062 hộ." in texts


@pytest.mark.parametrize("name", sorted(p.name for p in DOCS.glob("*.txt")))
def test_seed_footnotes_have_anchors(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    fns = find_footnotes(text)
    if fns:
        anchored = sum(f.anchor_start is not None for f in fns)
        assert anchored / len(fns) >= 0.85
        assert all(f.anchor_start is None or f.anchor_start < f.start for f in fns)


def test_markdown_marks_dropped_only_where_they_are_marks() -> None:
    text = "## Tiêu đề\n\n**Công an tỉnh** bắt 5 đối tượng # không phải tiêu đề <sup>1</sup>\n  ### Mục"
    v = make_view(text)
    assert v.text == "Tiêu đề Công an tỉnh bắt 5 đối tượng # không phải tiêu đề 1 Mục"
    i = v.text.index("bắt")
    assert text[v.orig(i) : v.orig(i) + 3] == "bắt"


def test_layout_is_shared_and_segments_are_copies() -> None:
    assert layout(PDF_TEXT) is layout(PDF_TEXT)
    assert sentences(PDF_TEXT) == sentences(PDF_TEXT, make_view(PDF_TEXT, layout(PDF_TEXT).dropped))
    first = segment(PDF_TEXT)
    first[0].end = 0  # a caller changing its list does not change the next caller's
    assert segment(PDF_TEXT)[0].end == len(PDF_TEXT)


def test_marker_candidates_for_needed_numbers_are_the_plain_ones() -> None:
    from kg.structure import _marker_candidates

    text = "Ma túy1. Vụ 12 việc (2) và tôn giáo3, 2024 năm.4 <sup>5</sup> ¹ [^6] 0113 cuối x7"
    plain = _marker_candidates(text, [])
    needed = frozenset({"1", "2", "3", "4", "5", "6", "7", "12"})
    fast = _marker_candidates(text, [], needed)
    assert fast == {k: v for k, v in plain.items() if k in needed}
    assert set(fast) >= {"1", "2", "3", "5", "6", "7"}


def test_line_start_patterns_found_after_newlines_match_the_plain_scan() -> None:
    import random

    from kg import structure as S

    pieces = ["\n", "\n\n", " ", "\t", "1. ", "I. ", "a) ", "- ", "+ ", "* ", "\\* ", "## ", "**Tiêu đề**", "¹ ", "<sup>2</sup> ",
              "[^3]: ", "12", "- 4 -", "Trang 5", "x", "Văn bản", ":", "XIV. ", "đ) ", "b)", "1.2.3. ", "– ", "• ",
              "#", "***", "\\", "٣. ", "Ab", "L.", "\t- "]
    rng = random.Random(7)
    pairs = [(S._LABEL, S._LABEL_NL), (S._HEADING_LINE, S._HEADING_LINE_NL), (S._PAGE_NUMBER, S._PAGE_NUMBER_NL),
             (S._MD_FOOTNOTE, S._MD_FOOTNOTE_NL)]
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        for rx, nl in pairs:
            got = [(m.span(), m.groupdict()) for m in S.line_start_matches(rx, nl, text)]
            assert got == [(m.span(), m.groupdict()) for m in rx.finditer(text)], (rx.pattern[:20], text)


def test_token_before_a_period_is_what_the_pattern_finds() -> None:
    import random

    from kg.structure import _TOKEN_BEFORE, _token_before_period

    pieces = ["a", "B", ".", "!", "?", "…", "”", '"', ")", " ", "\n", "v.v", "1", "\u00a0", "tp", "TP."]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) + "."
        lo = rng.randint(0, len(text) - 1)
        m = _TOKEN_BEFORE.search(text, lo, len(text))
        assert _token_before_period(text, lo, len(text)) == (m.group(1) if m else ""), (text, lo)


def test_view_sentences_agree_with_their_plain_form() -> None:
    import random

    from kg import structure as S

    def plain(v: S.View, boundaries: list[int]) -> list[tuple[int, int]]:
        vt = v.text
        cuts: set[int] = set()
        for m in S._SENT_END.finditer(vt):
            nxt = m.end()
            while nxt < len(vt) and vt[nxt] == " ":
                nxt += 1
            if nxt >= len(vt):
                continue
            if vt[m.start()] == "." and m.end() - m.start() == 1:
                tok = S._token_before_period(vt, max(0, m.start() - 12), m.end()).lower()
                if tok in S._ABBREV or (len(tok) == 1 and tok.isalpha()) or tok.endswith("v.v"):
                    continue
            if S._starts_sentence(vt[nxt]) or vt[m.start()] == ":":
                cuts.add(nxt)
        for b in boundaries:
            vi = S.view_index(v, b)
            if vi is not None:
                cuts.add(vi)
        points = sorted(c for c in cuts if 0 < c < len(vt))
        spans = []
        prev = 0
        for c in [*points, len(vt)]:
            a, e = prev, c
            while a < e and vt[a] == " ":
                a += 1
            while e > a and vt[e - 1] == " ":
                e -= 1
            if e > a:
                spans.append((a, e))
            prev = c
        return spans

    pieces = ["Công an", "tỉnh", ".", ". ", "TP.", "v.v. ", "x.", ":", ": - ", "…", "?!", "1.062", " ", "\n", "\n\n",
              "**", "- ", "(", "“Ban", "ông ", "a"]
    pieces += ["Ths.", "k/c.", "tháng.", "abcv.", "V.", "v.v", "İ.", "đ/c.", "\xa0", "Xã."]
    rng = random.Random(9)
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        drop = [(a, a + rng.randint(0, 6)) for a in sorted(rng.sample(range(len(text) + 1), min(2, len(text) + 1)))]
        v = S.make_view(text, drop if rng.random() < 0.5 else ())
        bounds = sorted(rng.sample(range(len(text) + 2), min(3, len(text) + 2)))
        assert S.view_sentences(v, bounds) == plain(v, bounds), (text, bounds)
    # a view that holds other whitespace or unprintable characters (built as is, not by
    # make_view): view_sentences then reads the word before a "." the slow way
    pieces += ["\t", "\u200b", "a\xa0b.", "v.v.", " . ", ".. ", "Ông. ", "x\u3000y. "]
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        v = S.View(text, (0,), (0,))
        bounds = sorted(rng.sample(range(len(text) + 2), min(3, len(text) + 2)))
        assert S.view_sentences(v, bounds) == plain(v, bounds), (text, bounds)


def test_fast_markup_presence_check_agrees_with_the_plain_pattern() -> None:
    import random
    import re

    from kg.structure import _has_markup

    plain = re.compile(r"[*#\\]|<sup>")
    pieces = ["<", "sup>", "<sup>", "<su", "*", "#", "\\", "a", " ", "<<sup>", "</sup>"]
    rng = random.Random(9)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        assert _has_markup(text, a, b) == bool(plain.search(text, a, b)), (text, a, b)


def test_whitespace_but_space_is_every_whitespace_character_but_space() -> None:
    import re
    import sys

    from kg.structure import WHITESPACE_BUT_SPACE

    listed = re.compile(f"[{WHITESPACE_BUT_SPACE}]")
    plain = re.compile(r"[^\S ]")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert bool(listed.match(ch)) == bool(plain.match(ch)), hex(code)


def test_view_offsets_map_to_the_characters_they_stand_for() -> None:
    """Every copied view character maps back to itself (a space may stand for whitespace,
    markup or a dropped block); the map never goes back, and view_index inverts it on copied
    text."""
    import random

    from kg import structure as S

    pieces = ["a", "bộ", " ", "  ", "\n", "\n\n", " \n ", "\t", "**", "*", "\\*", "# ", "<sup>1</sup>", "."]
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        drop = [(a, a + rng.randint(0, 4)) for a in sorted(rng.sample(range(len(text) + 1), min(2, len(text) + 1)))]
        v = S.make_view(text, drop if rng.random() < 0.5 else ())
        last = -1
        for i, ch in enumerate(v.text):
            o = v.orig(i)
            assert o >= last, (text, i)
            last = o
            if ch != " ":
                assert text[o] == ch, (text, i)
                assert S.view_index(v, o) == i, (text, i)


def test_label_rank_and_markup_removal_agree_with_their_plain_forms() -> None:
    import random

    from kg import structure as S

    def plain_rank(m: re.Match[str]) -> tuple[int, str, str]:
        if m.group("roman"):
            return 1, m.group("roman"), "section"
        if m.group("dec"):
            d = m.group("dec")
            return 1 + d.count(".") + 1, d, "section"
        if m.group("letter"):
            return 6, m.group("letter"), "item"
        b = m.group("bullet")
        return S._BULLET_RANK.get(b, 9), "*" if b == "\\*" else b, "item"

    pieces = ["\n", " ", "\t", "## ", "#", "**", "\\*", "*", "IV", "X", ".", "1", "12", "2.3", "a", "đ", ")", "-", "–",
              "•", "+", "x", "<sup>", "</sup>", "sup>", "\\", "Văn"]
    rng = random.Random(11)
    seen = set()
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert S._without_markup(text) == S._MARKUP.sub("", text), text
        for m in S._LABEL.finditer(text):
            assert S._rank(m) == plain_rank(m), text
            seen.add(S._rank(m)[2])
    assert seen == {"section", "item"}



def test_sentence_ends_found_by_literal_patterns_are_the_plain_ones() -> None:
    import random

    from kg import structure as S

    pieces = [".", ". ", "..", ": ", ": - ", ":+", "” ", '." ', ".) ", "a", "B", " ", "  ", "1.062", "x:", "•", "\n"]
    rng = random.Random(17)
    found = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        fast = sorted(m.span() for rx in (S._SENT_END_DOT, S._SENT_END_COLON) for m in rx.finditer(text))
        assert fast == [m.span() for m in S._SENT_END.finditer(text)], text
        found += len(fast)
    assert found > 3000
