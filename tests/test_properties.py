"""Properties of the extractor that must hold for ANY input, checked with hypothesis.

Real documents are messier than the seeds (OCR noise, split notations, footnote markers in
odd places), and the extractor is scored on documents nobody here has seen, so its
guarantees are tested on generated text: arbitrary strings, and strings assembled from the
fragments Vietnamese administrative documents are made of. What must hold: it never raises;
every span lies inside the text and every quote is the text at its span (evidence is what
users are shown); the same text gives the same result; notations come out canonical.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.extract import extract
from kg.model import Extraction, SourceDocument
from kg.notation import CENTRAL_ISSUERS, LOCAL_ISSUERS, TYPE_CODES, parse

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # a property run is reproducible: same examples every time
)
# What the SHACL shapes accept as eli:id_local (shapes/pctp-shapes.ttl, ps:Instrument-notation):
# a notation the extractor emits but the shapes refuse makes the whole document unstorable.
SHAPE_NOTATION = re.compile(r"^[0-9]\S*/\S*$")

# --------------------------------------------------------------------------- strategies

TYPE_WORDS = [
    "Chỉ thị", "Kế hoạch", "Nghị định", "Quyết định", "Chương trình hành động", "Công văn",
    "Thông tư", "Luật", "Nghị quyết", "Kết luận", "Hướng dẫn", "Báo cáo", "Thông báo",
    "CHỈ THỊ", "kế hoạch", "Chương trình", "Đề án",
]
TRIGGERS = [
    "Thực hiện", "thực hiện", "triển khai thực hiện", "Căn cứ", "căn cứ", "quán triệt",
    "tiếp tục thực hiện", "cụ thể hoá", "Tổng kết", "sơ kết", "về việc", "theo",
]
BODIES = [
    "UBND tỉnh", "Ủy ban nhân dân tỉnh Lai Châu", "Công an tỉnh", "Ban Chỉ đạo 138",
    "Tỉnh ủy", "Bộ Chính trị", "Thủ tướng Chính phủ", "Sở Tư pháp", "BCĐ", "HĐND",
    "Bộ đội Biên phòng tỉnh", "Ban Bí thư",
]
FOOTNOTES = ["(1)", "(12)", "¹", "²³", "[2]", "\n3\n", "*", "\\*", "^4", "⁽⁵⁾"]
NOISE = ["##", "**", "\\*", "- ", "• ", "|", "…", "__", "> "]
WORDS = [
    "phòng, chống tội phạm", "ma túy", "tuyên truyền", "kết quả", "buổi", "lượt người",
    "vụ", "đối tượng", "kg heroin", "năm 2024", "trên địa bàn", "của", "và", "các",
]
SEPARATORS = ["-", "/", " - ", " / ", "/ ", " /", "-\n", "/\n", "\n", " ", "–", "‐", "—", "", "  "]
LETTERS = st.sampled_from("ABCDĐEGHKLMNPQRSTUVXYabcdđ")


@st.composite
def codes(draw: Any) -> str:
    pool = list(TYPE_CODES) + list(CENTRAL_ISSUERS) + list(LOCAL_ISSUERS) + ["TTg", "CTr"]
    if draw(st.booleans()):
        code = draw(st.sampled_from(pool))
    else:
        code = "".join(draw(st.lists(LETTERS, min_size=1, max_size=6)))
    if draw(st.integers(0, 5)) == 0:
        code += str(draw(st.integers(0, 200)))
    return draw(st.sampled_from([code, code.lower(), code.upper(), code.capitalize()]))


@st.composite
def notations(draw: Any) -> str:
    """Printed notations, well- or ill-formed: number, separators, year, codes."""
    parts = [str(draw(st.integers(0, 99999)))]
    if draw(st.booleans()):
        parts += [draw(st.sampled_from(SEPARATORS)), str(draw(st.integers(1945, 2030)))]
    for _ in range(draw(st.integers(1, 4))):
        parts += [draw(st.sampled_from(SEPARATORS)), draw(codes())]
    return "".join(parts)


@st.composite
def dates(draw: Any) -> str:
    d, m, y = draw(st.integers(0, 40)), draw(st.integers(0, 14)), draw(st.integers(1900, 2100))
    return draw(
        st.sampled_from(
            [
                f"ngày {d}/{m}/{y}",
                f"ngày {d:02d}/{m:02d}/{y}",
                f"ngày {d} tháng {m} năm {y}",
                f"ngày   tháng {m} năm {y}",
                f"ngày {d}-{m}-{y}",
                f"{d}/{m}/{y}",
            ]
        )
    )


@st.composite
def numbers(draw: Any) -> str:
    n = draw(st.integers(0, 10**7))
    return draw(
        st.sampled_from([str(n), f"{n:,}".replace(",", "."), f"{n / 100:.2f}".replace(".", ","),
                         f"{n}kg", f"{n} vụ", f"{n}%", f"{n}/{n + 1}"])
    )


CITATION = st.builds(
    lambda t, w, n: f"{t} {w}{n}",
    st.sampled_from(TRIGGERS + [""]),
    st.sampled_from(TYPE_WORDS),
    st.sampled_from(["số ", "số: ", "", "số\n", "Số "]),
).flatmap(lambda head: notations().map(lambda n: head + n))
FRAGMENT = st.one_of(
    CITATION,
    CITATION,
    CITATION,
    st.sampled_from(TYPE_WORDS),
    st.sampled_from(TRIGGERS),
    st.sampled_from(BODIES),
    st.sampled_from(FOOTNOTES),
    st.sampled_from(NOISE),
    st.sampled_from(WORDS),
    st.sampled_from([" ", " ", "\n", "\n\n", " số ", ", ", "; ", ". ", "\t", "\u00a0", "\r\n"]),
    notations(),
    dates(),
    numbers(),
    st.text(max_size=8),
)
ADMIN_TEXT = st.lists(FRAGMENT, max_size=60).map("".join)
ANY_TEXT = st.text(max_size=600)


# --------------------------------------------------------------------------- checks


def run(text: str) -> Extraction:
    return extract(SourceDocument("prop.txt", "prop.txt", text, "0" * 64, "text/plain"))


def spans_inside(ex: Extraction) -> list[str]:
    """Every span in range and every quote equal to the text it points at."""
    text = ex.source.text
    problems: list[str] = []

    def check(what: str, start: int, end: int, quote: str | None = None) -> None:
        if not 0 <= start <= end <= len(text):
            problems.append(f"{what}: span {start}..{end} outside 0..{len(text)}")
        elif quote is not None and text[start:end] != quote:
            problems.append(f"{what}: quote {quote!r} != text {text[start:end]!r}")

    for inst in ex.instruments:
        for m in inst.mentions:
            check(f"mention of {inst.key}", m.start, m.end)
    for r in ex.relations:
        check(f"relation {r.type} {r.target}", r.evidence.start, r.evidence.end, r.evidence.text)
    for a in ex.activities:
        check(f"activity {a.id}", a.evidence.start, a.evidence.end, a.evidence.text)
    for o in ex.observations:
        check(f"observation {o.measure}", o.evidence.start, o.evidence.end, o.evidence.text)
    return problems


def printed_notations(ex: Extraction) -> list[str]:
    found = [i.notation for i in ex.instruments if i.notation]
    if ex.document.notation:
        found.append(ex.document.notation)
    return found


def not_canonical(notation: str) -> str | None:
    if re.search(r"\s", notation):
        return "contains whitespace"
    parsed = parse(notation)
    if parsed is None:
        return "not a notation by kg.notation.parse"
    if parsed.printed != notation:
        return f"parse().printed is {parsed.printed!r}"
    return None


def check_all(text: str) -> None:
    first = run(text)
    assert spans_inside(first) == []
    assert run(text).to_json() == first.to_json(), "two runs over the same text differ"
    bad = {n: why for n in printed_notations(first) if (why := not_canonical(n))}
    assert bad == {}


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(ANY_TEXT)
def test_any_string(text: str) -> None:
    check_all(text)


@SETTINGS
@given(ADMIN_TEXT)
@example("Căn cứ Chỉ thị số 48-\nCT/TW ngày 22/10/2010¹ của Bộ Chính trị")
@example("Kế hoạch số 12 / KH - UBND ngày   tháng 3 năm 2019 (1)")
def test_administrative_fragments(text: str) -> None:
    check_all(text)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(TYPE_WORDS + TRIGGERS), notations()), max_size=12))
def test_notations_after_type_words(pairs: list[tuple[str, str]]) -> None:
    """The densest case: every fragment is a type word or trigger followed by a notation."""
    check_all(" ".join(f"{w} số {n}" for w, n in pairs))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(TYPE_WORDS), notations()), max_size=8))
@example([("Quyết định", "1112-QĐ-BCA")])
def test_notations_pass_the_shapes(pairs: list[tuple[str, str]]) -> None:
    ex = run(" ".join(f"Thực hiện {w} số {n} của Bộ Công an." for w, n in pairs))
    assert [n for n in printed_notations(ex) if not SHAPE_NOTATION.match(n)] == []
