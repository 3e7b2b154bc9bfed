"""Tests of kg.read: every supported format decodes to the same text, every bad input is refused
with a message naming the file, and folders expand to the documents inside them."""

from __future__ import annotations

import hashlib
import io
import os
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from docmakers import FONT, make_docx, make_pdf

import kg.read as read
from kg.errors import KGError, ReadError
from kg.read import iter_input_files, read_document

TESTS = Path(__file__).resolve().parent
BAD = TESTS / "bad_inputs"
SEED = TESTS.parent / "data" / "documents" / "001_3243a69cd6872860.txt"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NOT_CORPUS = {"README.md", "make_bad_inputs.py", "__pycache__", "more"}  # more/: CLI-level corpus

# Every entry of tests/bad_inputs/ and a substring of the reason it must be refused with.
EXPECTED: dict[str, str] = {
    "empty.txt": "empty file (0 bytes)",
    "whitespace_only.txt": "empty file (only whitespace)",
    "bom_only.md": "empty file (only whitespace)",
    "whitespace_only_utf16.txt": "empty file (only whitespace)",
    "random_bytes.txt": "contains NUL bytes: binary file?",
    "random_bytes_no_nul.txt": "not a text file",
    "control_chars.txt": "not a text file",
    "nul_bytes.txt": "contains NUL bytes: binary file?",
    "png_header.txt": "content is a PNG image, not text",
    "pdf_named.txt": "content is a PDF, not text",
    "docx_named.md": "content is a ZIP archive",
    "image.png": "unsupported format (image file: OCR it first)",
    "download": "unsupported format (JPEG image)",
    "page.html": "unsupported format (HTML)",
    "data.json": "unsupported format (JSON)",
    "letter.rtf": "unsupported format (RTF)",
    "legacy.doc": "unsupported format (legacy Word .doc)",
    "western_latin1.txt": "unknown encoding",
    "vni_legacy.txt": "unknown encoding",
    "broken_utf8.txt": "the file is mostly UTF-8 but corrupt",
    "bad_utf8_after_bom.txt": "invalid UTF-8 at byte 13",
    "bad_utf16.txt": "invalid UTF-16-LE at byte 18",
    "truncated.pdf": "truncated PDF",
    "corrupt.pdf": "corrupt PDF",
    "encrypted.pdf": "encrypted PDF: a password is required",
    "scanned.pdf": "scanned PDF: no text layer; OCR it first",
    "no_pages.pdf": "PDF has no pages",
    "plain_text.pdf": "not a PDF (no %PDF- header)",
    "corrupt.docx": "corrupt DOCX (not a valid zip archive",
    "truncated.docx": "corrupt DOCX (not a valid zip archive",
    "spreadsheet.docx": "not a Word document",
    "password_protected.docx": "not a DOCX: content is a legacy or password-protected Office file",
    "empty.docx": "no text found in the DOCX",
    "bad_xml.docx": "corrupt DOCX: XMLSyntaxError",
    "bản sao 'cuối' \"final\" 🚫 (1).txt": "not a text file",
    "folder.txt": "is a directory",
}

needs_font = pytest.mark.skipif(
    not FONT.exists(), reason=f"no TTF font with Vietnamese glyphs at {FONT} for reportlab"
)
as_root = hasattr(os, "geteuid") and os.geteuid() == 0
not_as_root = pytest.mark.skipif(as_root, reason="root can read anything: permission test is moot")


def collapse(text: str) -> str:
    return " ".join(text.split())


def refusal(path: str | Path) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_document(path)
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err), "the message must name the file"
    return err


@pytest.fixture(scope="module")
def seed() -> str:
    return read_document(SEED).text


@pytest.fixture(scope="module")
def seed_lines(seed: str) -> list[str]:
    return seed.split("\n")


def to_cp1258(text: str) -> bytes:
    """Encode as legacy Vietnamese Windows software did: precomposed where the code page has
    the letter, otherwise base letter (with its hat/breve/horn) plus a combining tone mark."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
            out += (base + tones).encode("cp1258")
    return bytes(out)


# --------------------------------------------------------------------------- formats


def test_txt_fields(seed: str) -> None:
    raw = SEED.read_bytes()
    doc = read_document(SEED)
    assert doc.path == str(SEED)
    assert doc.name == SEED.name
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.media_type == "text/plain"
    assert doc.text == unicodedata.normalize("NFC", raw.decode("utf-8")).replace("\r\n", "\n")


def test_relative_path_kept_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("sub").mkdir()
    Path("sub/a.md").write_text("# Kế hoạch\n", encoding="utf-8")
    doc = read_document("sub/a.md")
    assert (doc.path, doc.name, doc.media_type) == ("sub/a.md", "a.md", "text/markdown")
    assert read_document(Path("sub/a.md")).path == "sub/a.md"


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".MD"])
def test_markdown(tmp_path: Path, suffix: str) -> None:
    p = tmp_path / f"note{suffix}"
    p.write_text("## Kế hoạch\n\n**Chỉ thị** 48-CT/TW\n", encoding="utf-8")
    doc = read_document(p)
    assert doc.media_type == "text/markdown"
    assert doc.text == "## Kế hoạch\n\n**Chỉ thị** 48-CT/TW\n"


def test_docx_from_seed(tmp_path: Path, seed: str, seed_lines: list[str]) -> None:
    p = tmp_path / "seed.docx"
    p.write_bytes(make_docx(seed_lines))
    doc = read_document(p)
    assert doc.media_type.endswith("wordprocessingml.document")
    assert doc.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert collapse(doc.text) == collapse(seed)
    assert doc.text.split("\n") == [line.rstrip("\n") for line in seed_lines]


def test_docx_tables_and_footnotes(tmp_path: Path) -> None:
    import docx
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document = docx.Document()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=2, cols=2)
    for r, (label, value) in enumerate([("Số vụ", "32"), ("Đối tượng", "41")]):
        table.cell(r, 0).text, table.cell(r, 1).text = label, value
    document.add_paragraph("Sau bảng")
    notes = (
        f'<w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>Theo Chỉ thị số 36-CT/TW</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    ).encode()
    part = Part(
        PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, notes, document.part.package
    )
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    p = tmp_path / "table.docx"
    document.save(p)
    assert read_document(p).text == (
        "Trước bảng\nSố vụ\t32\nĐối tượng\t41\nSau bảng\n\n(1) Theo Chỉ thị số 36-CT/TW"
    )


def test_docx_text_boxes_once(tmp_path: Path) -> None:
    """Letterheads sit in text boxes that Word stores twice (modern + VML fallback)."""
    import docx
    from lxml import etree

    def box(text: str) -> str:
        return f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"

    ns = f'xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    para = (
        f"<w:p {ns}><w:r><w:t>Số: 12/KH-UBND</w:t></w:r><w:r><mc:AlternateContent>"
        f"<mc:Choice><w:drawing>{box('CỘNG HÒA')}</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box('CỘNG HÒA')}</w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r><w:del><w:r><w:delText>bỏ</w:delText></w:r></w:del>"
        '<w:r><w:t xml:space="preserve"> (mới)</w:t><w:tab/><w:t>x</w:t></w:r></w:p>'
    )
    document = docx.Document()
    body = document.element.body
    body.insert(0, etree.fromstring(para))
    p = tmp_path / "box.docx"
    document.save(p)
    assert read_document(p).text == "Số: 12/KH-UBND (mới)\tx\nCỘNG HÒA"


def test_utf16_with_odd_length_is_called_truncated(tmp_path: Path, seed: str) -> None:
    p = tmp_path / "cut.txt"
    p.write_bytes(seed.encode("utf-16-le")[:-1])
    assert "odd number of bytes" in refusal(p).reason


@needs_font
def test_pdf_from_seed(tmp_path: Path, seed: str, seed_lines: list[str]) -> None:
    p = tmp_path / "seed.pdf"
    p.write_bytes(make_pdf(seed_lines, per_page=70))
    doc = read_document(p)
    assert doc.media_type == "application/pdf"
    assert collapse(doc.text) == collapse(seed)
    assert len(seed_lines) > 70, "the seed must span several pages for this test to mean anything"
    drawn = [line.strip() for line in seed_lines if line.strip()]
    assert [line.strip() for line in doc.text.split("\n") if line.strip()] == drawn, (
        "keep line breaks"
    )


@needs_font
def test_pdf_pages_joined_by_blank_line(tmp_path: Path) -> None:
    p = tmp_path / "two.pdf"
    p.write_bytes(make_pdf(["Trang một", "dòng hai", "Trang hai"], per_page=2))
    assert read_document(p).text == "Trang một\ndòng hai\n\nTrang hai"


@needs_font
def test_pdf_locked_only_against_editing_opens(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Kế hoạch số 12"]))))
    writer.encrypt(user_password="", owner_password="chu", algorithm="RC4-128")
    p = tmp_path / "owner_only.pdf"
    writer.write(p)
    assert read_document(p).text.strip() == "Kế hoạch số 12"


# --------------------------------------------------------------------------- encodings


def test_nfd_becomes_nfc(tmp_path: Path, seed: str) -> None:
    p = tmp_path / "nfd.txt"
    nfd = unicodedata.normalize("NFD", seed)
    assert nfd != seed
    p.write_bytes(nfd.encode("utf-8"))
    assert read_document(p).text == seed


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("utf-16"),  # with BOM
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-32"),
        lambda t: t.encode("utf-16-le"),  # no BOM: found by the NUL byte pattern
        lambda t: t.encode("utf-16-be"),
        lambda t: t.encode("utf-32-le"),
        to_cp1258,
    ],
    ids=[
        "utf8-bom",
        "utf16-bom",
        "utf16be-bom",
        "utf32-bom",
        "utf16le",
        "utf16be",
        "utf32le",
        "cp1258",
    ],
)
def test_encodings_decode_to_same_text(tmp_path: Path, seed: str, encode) -> None:  # noqa: ANN001
    raw = encode(seed)
    p = tmp_path / "enc.txt"
    p.write_bytes(raw)
    doc = read_document(p)
    assert doc.text == seed
    assert doc.sha256 == hashlib.sha256(raw).hexdigest(), "hash the bytes, not the text"


def test_cp1258_is_really_legacy_bytes(seed: str) -> None:
    raw = to_cp1258(seed)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert any(b in raw for b in (b"\xcc", b"\xec", b"\xde", b"\xd2", b"\xf2")), "combining tones"


def test_short_cp1258_line(tmp_path: Path) -> None:
    p = tmp_path / "short.txt"
    p.write_bytes(to_cp1258("Ủy ban nhân dân tỉnh Lai Châu"))
    assert read_document(p).text == "Ủy ban nhân dân tỉnh Lai Châu"


def test_line_endings(tmp_path: Path) -> None:
    p = tmp_path / "eol.txt"
    p.write_bytes("một\r\nhai\rba\n\r\nbốn".encode())
    assert read_document(p).text == "một\nhai\nba\n\nbốn"


def test_html_and_json_content_in_txt_is_text(tmp_path: Path) -> None:
    p = tmp_path / "saved.txt"
    p.write_text('<p>Kế hoạch</p>\n{"a": 1}\n', encoding="utf-8")
    assert read_document(p).text == '<p>Kế hoạch</p>\n{"a": 1}\n'


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    text_file = tmp_path / "ghi_chu.log"
    text_file.write_text("Công văn số 4258/BCĐ138/CP\n", encoding="utf-16")
    doc = read_document(text_file)
    assert (doc.text, doc.media_type) == ("Công văn số 4258/BCĐ138/CP\n", "text/plain")
    pdf_file = tmp_path / "tai_ve"
    pdf_file.write_bytes((BAD / "pdf_named.txt").read_bytes())
    assert read_document(pdf_file).media_type == "application/pdf"


def test_one_bad_byte_is_not_mojibake(tmp_path: Path, seed: str) -> None:
    """A damaged UTF-8 file must be refused, not re-read as Windows-1258 garbage."""
    raw = bytearray(seed.encode("utf-8"))
    raw[raw.index("ệ".encode())] = 0xFF
    p = tmp_path / "damaged.txt"
    p.write_bytes(bytes(raw))
    assert "mostly UTF-8" in refusal(p).reason


# --------------------------------------------------------------------------- refusals


def corpus_entries() -> list[Path]:
    return sorted(p for p in BAD.iterdir() if p.name not in NOT_CORPUS)


def test_corpus_is_complete_and_documented() -> None:
    names = {p.name for p in corpus_entries()}
    assert names == set(EXPECTED), "tests/bad_inputs and EXPECTED disagree"
    assert len(names) >= 25
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    assert [n for n in names if f"`{n}" not in readme] == []


@pytest.mark.parametrize("path", corpus_entries(), ids=lambda p: p.name)
def test_bad_input_refused(path: Path) -> None:
    err = refusal(path)
    assert EXPECTED[path.name] in err.reason


def test_bad_input_refused_with_relative_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    name = "bản sao 'cuối' \"final\" 🚫 (1).txt"
    assert str(refusal(name)).startswith(f"{name}: ")


def test_missing(tmp_path: Path) -> None:
    assert "no such file or directory" in refusal(tmp_path / "không có.txt").reason


def test_over_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    with open(p, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing to write
    start = time.perf_counter()
    assert "file too large" in refusal(p).reason
    assert time.perf_counter() - start < 0.5, "the size guard must act before reading"


def test_size_limit_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "small.txt"
    p.write_text("a" * 2048, encoding="utf-8")
    monkeypatch.setenv("KG_MAX_BYTES", "1000")
    assert "limit 1,000" in refusal(p).reason
    monkeypatch.setenv("KG_MAX_BYTES", "4096")
    assert read_document(p).text == "a" * 2048
    monkeypatch.setenv("KG_MAX_BYTES", "lots")
    with pytest.raises(KGError, match="KG_MAX_BYTES"):
        read_document(p)


def test_docx_zip_bomb(tmp_path: Path, seed_lines: list[str]) -> None:
    with zipfile.ZipFile(io.BytesIO(make_docx(seed_lines[:3]))) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
        zf.writestr("word/media/image1.bin", bytes(20 * 1024 * 1024))
    p = tmp_path / "bomb.docx"
    p.write_bytes(buf.getvalue())
    assert p.stat().st_size < 200_000
    assert "zip bomb? DOCX compression ratio" in refusal(p).reason


def test_zip_budget_total() -> None:
    infos = []
    for i in range(3):
        info = zipfile.ZipInfo(f"word/part{i}.xml")
        info.file_size, info.compress_size = 100 * 1024 * 1024, 10 * 1024 * 1024
        infos.append(info)
    with pytest.raises(Exception, match="would inflate to 314,572,800 bytes"):
        read._check_zip_budget(infos)
    read._check_zip_budget(infos[:1])  # 100 MB at 10:1 is a big but honest document


def test_symlink_loop_and_broken_link(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    assert "symbolic link loop" in refusal(a).reason
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "gone.txt")
    assert "broken symbolic link" in refusal(dangling).reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_not_opened(tmp_path: Path) -> None:
    p = tmp_path / "pipe.txt"
    os.mkfifo(p)
    assert "not a regular file" in refusal(p).reason


@not_as_root
def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "locked.txt"
    p.write_text("bí mật", encoding="utf-8")
    p.chmod(0)
    try:
        assert "permission denied" in refusal(p).reason
    finally:
        p.chmod(0o600)


def test_permission_denied_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs even as root (where chmod cannot lock anything): simulate the kernel's refusal."""
    p = tmp_path / "locked.txt"
    p.write_text("bí mật", encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(read, "open", denied, raising=False)
    assert refusal(p).reason == "permission denied"


def test_unlistable_folder_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(read.os, "scandir", scandir)
    assert list(iter_input_files([tmp_path])) == [tmp_path / "b.txt", locked]
    monkeypatch.setattr(read.os, "access", lambda *a: False)
    assert "cannot be listed (permission denied)" in refusal(locked).reason


@not_as_root
def test_unlistable_folder_is_reported(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("x", encoding="utf-8")
    locked.chmod(0)
    try:
        assert list(iter_input_files([tmp_path])) == [locked]
        assert "cannot be listed" in refusal(locked).reason
    finally:
        locked.chmod(0o700)


# --------------------------------------------------------------------------- folders


def test_iter_input_files(tmp_path: Path) -> None:
    root = tmp_path / "data"
    for rel in [
        "b.txt", "A.PDF", "c.docx", "notes.markdown", "skip.json", "skip.png",
        "sub/z.md", "sub/deeper/y.txt", ".hidden.txt", ".git/x.txt", "~$c.docx",
    ]:  # fmt: skip
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x", encoding="utf-8")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "z_again.txt").symlink_to(root / "b.txt")
    explicit = tmp_path / "table.xlsx"
    missing = tmp_path / "missing.txt"
    found = list(iter_input_files([root, explicit, missing, root / "b.txt"]))
    assert found == [
        root / "A.PDF",
        root / "b.txt",  # z_again.txt → b.txt: yielded once
        root / "c.docx",
        root / "notes.markdown",
        root / "sub" / "deeper" / "y.txt",
        root / "sub" / "z.md",
        explicit,
        missing,
    ]


def test_iter_input_files_keeps_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("docs/x").mkdir(parents=True)
    Path("docs/x/a.txt").write_text("x", encoding="utf-8")
    assert [str(p) for p in iter_input_files([Path("docs/")])] == [
        os.path.join("docs", "x", "a.txt")
    ]


# --------------------------------------------------------------------------- speed


def test_one_megabyte_txt_under_50_ms(tmp_path: Path, seed: str) -> None:
    body = (seed * (1024 * 1024 // len(seed.encode()) + 1)).encode()[: 1024 * 1024]
    p = tmp_path / "big.txt"
    p.write_bytes(body.decode("utf-8", "ignore").encode())
    best = min(_timed(p) for _ in range(5))
    assert best < 0.050, f"reading 1 MB took {best * 1000:.1f} ms"


def _timed(p: Path) -> float:
    start = time.perf_counter()
    read_document(p)
    return time.perf_counter() - start
