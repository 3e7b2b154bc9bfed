"""Make .docx and .pdf files from text at test time (python-docx, reportlab)."""

from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core


def make_docx(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_pdf(lines: list[str], per_page: int = 70) -> bytes:
    """A PDF with a real text layer; needs a TTF font with Vietnamese glyphs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for start in range(0, len(lines), per_page):
        c.setFont("DejaVuSans", 8)
        for i, line in enumerate(lines[start : start + per_page]):
            c.drawString(30, 810 - 11 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()
