"""A .docx and a .pdf made from a seed give the same instruments and links as its .txt."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmakers import FONT, make_docx, make_pdf

from kg.extract import extract
from kg.read import read_document

DOCS = Path(__file__).resolve().parent.parent / "data" / "documents"
SEEDS = sorted(DOCS.glob("*.txt"))


def facts(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    e = extract(read_document(path))
    return (
        {i.notation for i in e.instruments if i.notation},
        {(r.source, r.target) for r in e.relations if r.type in ("implements", "based_on")},
    )


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_docx_gives_the_same_facts(tmp_path: Path, seed: Path) -> None:
    lines = read_document(seed).text.split("\n")
    docx_path = tmp_path / (seed.stem + ".docx")
    docx_path.write_bytes(make_docx(lines))
    assert facts(docx_path) == facts(seed)


@pytest.mark.skipif(not FONT.exists(), reason="needs Debian's fonts-dejavu-core for a Vietnamese PDF")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_pdf_gives_the_same_facts(tmp_path: Path, seed: Path) -> None:
    lines = read_document(seed).text.split("\n")
    pdf_path = tmp_path / (seed.stem + ".pdf")
    pdf_path.write_bytes(make_pdf(lines))
    assert facts(pdf_path) == facts(seed)
