"""Regenerate the committed corpus of malformed inputs for tests/test_read.py.

Run ``.venv/bin/python tests/bad_inputs/make_bad_inputs.py`` from the project root. Output is
deterministic (fixed random seed, fixed zip timestamps, reportlab's invariant mode, a fixed
PDF file ID) so regenerating gives byte-identical files and a clean ``git diff``.
Large or dangerous inputs (50 MB text, zip bomb) and things git cannot hold (missing paths,
symlink loops, unreadable files, FIFOs) are made at test time instead; see README.md.
"""

from __future__ import annotations

import io
import random
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SAMPLE = (
    "ỦY BAN NHÂN DÂN TỈNH\n"
    "Về việc tăng cường công tác phòng, chống tội phạm\n"
    "Thực hiện Chỉ thị số 48-CT/TW ngày 22/10/2010 của Bộ Chính trị, "
    "Ủy ban nhân dân tỉnh yêu cầu các sở, ngành triển khai thực hiện.\n"
)


def _rng() -> random.Random:
    return random.Random(20240601)


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip with fixed timestamps, so the bytes do not depend on when it was made."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), blob, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _docx(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return _zip(_members(buf.getvalue()))


def _pdf(draw_text: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    if draw_text:
        font, text = "Helvetica", "Ke hoach phong, chong toi pham nam 2024"
        if FONT.exists():
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
            font, text = "DejaVuSans", SAMPLE
        c.setFont(font, 10)
        for i, line in enumerate(text.splitlines() * 8):
            c.drawString(40, 800 - 14 * i, line)
    else:  # what a scanner produces, minus the picture: marks on a page and no text
        for i in range(40):
            c.rect(40 + (i % 8) * 60, 80 + (i // 8) * 120, 50, 100, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf())))
    # RC4 needs no optional crypto package; the patched token keeps the file ID fixed.
    with mock.patch("secrets.token_bytes", lambda n: b"\x42" * n):
        writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu", algorithm="RC4-128")
        buf = io.BytesIO()
        writer.write(buf)
    return buf.getvalue()


def _empty_pdf() -> bytes:
    from pypdf import PdfWriter

    buf = io.BytesIO()
    PdfWriter().write(buf)
    return buf.getvalue()


def _random(n: int, allow_nul: bool = True) -> bytes:
    rng = _rng()
    low = 0 if allow_nul else 1
    return bytes(rng.randint(low, 255) for _ in range(n))


def _broken_utf8() -> bytes:
    """Valid UTF-8 with a few multi-byte characters cut short, as a bad copy leaves it."""
    data = bytearray((SAMPLE * 4).encode("utf-8"))
    for at in (57, 180, 400):
        while data[at] < 0xC0:  # move to the lead byte of a multi-byte character
            at += 1
        del data[at + 1]
    return bytes(data)


# file name → bytes. The expected refusal of each is listed in README.md and test_read.py.
CORPUS: dict[str, Callable[[], bytes]] = {
    "empty.txt": lambda: b"",
    "whitespace_only.txt": lambda: b"  \n\t \r\n   \n",
    "bom_only.md": lambda: b"\xef\xbb\xbf\n",
    "whitespace_only_utf16.txt": lambda: b"\xff\xfe" + " \r\n\t \n".encode("utf-16-le"),
    "random_bytes.txt": lambda: _random(4096),
    "random_bytes_no_nul.txt": lambda: _random(4096, allow_nul=False),
    "control_chars.txt": lambda: b"\x01\x02\x03\x04 header \x05\x06\x07\x08\x0e\x0f" * 50,
    "nul_bytes.txt": lambda: SAMPLE.encode("utf-8") + b"\x00" + SAMPLE.encode("utf-8"),
    "png_header.txt": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random(64),
    "pdf_named.txt": _pdf,
    "docx_named.md": lambda: _docx(SAMPLE.splitlines()),
    "image.png": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random(64),
    "download": lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + _random(64),
    "page.html": lambda: f"<html><body><p>{SAMPLE}</p></body></html>".encode(),
    "data.json": lambda: b'{"title": "K\xe1\xba\xbf ho\xe1\xba\xa1ch"}',
    "letter.rtf": lambda: b"{\\rtf1\\ansi Ke hoach}",
    "legacy.doc": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "western_latin1.txt": lambda: (
        "Straße, Mädchen, Übung, niño, façade, Øresund.\n".encode("cp1252") * 4
    ),
    "vni_legacy.txt": lambda: "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam\n".encode("cp1252") * 4,
    "broken_utf8.txt": _broken_utf8,
    "bad_utf8_after_bom.txt": lambda: b"\xef\xbb\xbf" + "Việt Nam".encode() + b"\xc3\x28",
    "bad_utf16.txt": lambda: b"\xff\xfe" + "Việt Nam".encode("utf-16-le") + b"\x00\xd8",
    "truncated.pdf": lambda: _pdf()[: len(_pdf()) * 3 // 5],
    "corrupt.pdf": lambda: b"%PDF-1.7\n" + _random(2048, allow_nul=False) + b"\n%%EOF\n",
    "encrypted.pdf": _encrypted_pdf,
    "scanned.pdf": lambda: _pdf(draw_text=False),
    "no_pages.pdf": _empty_pdf,
    "plain_text.pdf": lambda: SAMPLE.encode("utf-8"),
    "corrupt.docx": lambda: SAMPLE.encode("utf-8"),
    "truncated.docx": lambda: _docx(SAMPLE.splitlines())[:1500],
    "spreadsheet.docx": lambda: _zip(
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    ),
    "password_protected.docx": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "empty.docx": lambda: _docx([]),
    "bad_xml.docx": lambda: _zip(
        {**_members(_docx(["x"])), "word/document.xml": b"<w:document><w:body><w:p>"}
    ),
    "bản sao 'cuối' \"final\" 🚫 (1).txt": lambda: _random(512, allow_nul=False),
}
DIRECTORIES = ("folder.txt",)  # a directory with a document's name


def main(out: Path = HERE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, make in CORPUS.items():
        (out / name).write_bytes(make())
    for name in DIRECTORIES:
        folder = out / name
        if folder.is_dir():
            shutil.rmtree(folder)
        folder.mkdir()
        (folder / ".keep").write_bytes(b"")  # git stores no empty directories
    print(f"wrote {len(CORPUS) + len(DIRECTORIES)} bad inputs to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
