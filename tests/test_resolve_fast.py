"""kg.resolve's shortcuts against the plain forms they stand for."""

from __future__ import annotations

import re

import pytest

from kg.citations import Citation
from kg.iri import fold
from kg.notation import parse, well_formedness
from kg.resolve import _Group, _names_central_body, canonical_form

_NOTATIONS = ["12/KH-UBND", "12/KH-UBND ", "4321/2020/QĐ-UBND", "99-CT/TW", "99/CT-TW", "7/2019/NĐ-CP", "21/CT-TTG", "21/CT-TTg"]


def _plain_canonical(group: _Group):
    counts: dict[str, int] = {}
    for n in group.notations:
        counts[n.printed] = counts.get(n.printed, 0) + 1
    dated = {c.notation.printed for c in group.citations if c.date}
    return max(group.notations, key=lambda n: (well_formedness(n), n.printed in dated, counts[n.printed]))


def _citation(printed: str, date: str | None) -> Citation:
    n = parse(printed)
    assert n is not None
    return Citation(n, 0, 1, 0, 1, None, 0, date=date)


@pytest.mark.parametrize("printed", _NOTATIONS)
@pytest.mark.parametrize("date", [None, "2020-01-02"])
def test_canonical_form_of_one_citation_is_the_ranked_one(printed: str, date: str | None) -> None:
    g = _Group([_citation(printed, date)])
    assert canonical_form(g) is _plain_canonical(g)


def test_canonical_form_of_several_citations_still_ranks_them() -> None:
    g = _Group([_citation("21/CT-TTG", None), _citation("21/CT-TTg", None), _citation("21/CT-TTG", None)])
    assert canonical_form(g) is _plain_canonical(g)
    assert canonical_form(g).printed == "21/CT-TTg"


@pytest.mark.parametrize(
    "issuer", ["Bộ Công an", "Ủy ban nhân dân tỉnh", "Chính phủ", "Ban Chỉ đạo Trung ương", "Sở Tư pháp", "Bộ phận xã", "Quốc hội"]
)
def test_names_central_body_is_the_plain_search(issuer: str) -> None:
    f = fold(issuer)
    plain = bool(
        re.search(r"trung uong|\bbo\b|chinh phu|quoc hoi|toa an nhan dan toi cao|vien kiem sat nhan dan toi cao", f)
    ) and not re.search(r"\b(tinh|thanh pho|huyen|xa|phuong)\b", f)
    assert _names_central_body(issuer) == plain


def test_resolve_takes_the_first_attribute_printed() -> None:
    from kg.model import DocumentHeader
    from kg.resolve import resolve

    cs = [_citation("12/KH-UBND", None), _citation("12/KH-UBND", "2020-03-04"), _citation("12/KH-UBND", "2020-05-06")]
    cs[0].subject, cs[1].subject = "", "về việc thứ nhất"
    cs[2].subject = "về việc thứ hai"
    cs[1].type_word, cs[2].type_word = "Kế hoạch", "Công văn"
    cs[2].issuer = "UBND tỉnh"
    (inst,) = resolve(cs, DocumentHeader(province="Tỉnh Mẫu"))
    assert (inst.date, inst.subject, inst.type, inst.issuer) == ("2020-03-04", "về việc thứ nhất", "Kế hoạch", "UBND tỉnh Tỉnh Mẫu")
    assert [c.key for c in cs] == ["12/KH-UBND"] * 3
    (bare,) = resolve([_citation("12/KH-UBND", None)], DocumentHeader())
    assert (bare.date, bare.subject, bare.type) == (None, None, "Kế hoạch")
