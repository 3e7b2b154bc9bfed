"""Read input files into :class:`kg.model.SourceDocument`.

Every later stage quotes evidence by character offset into ``SourceDocument.text``, so this
stage fixes the text once and for all: decoded, NFC-normalised, ``\\n`` line endings. Users
feed it whatever their office produced (legacy Vietnamese code pages, UTF-16 exports,
scanned PDFs, renamed files), so each refusal is a :class:`kg.errors.ReadError` that names
the file and says what to do, never a traceback and never silently produced mojibake.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import KGError, ReadError
from kg.model import SourceDocument

MAX_BYTES = 20 * 1024 * 1024
"""Default size limit of an input file; override with the environment variable KG_MAX_BYTES."""

DOCX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DOCX_MAX_RATIO = 100
DOCX_MAX_MEMBERS = 10_000
_RATIO_FLOOR = 1024 * 1024  # below this a high ratio cannot hurt, so it is not held against a file

TEXT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf")

_CONVERT = "convert it to .txt, .md, .docx or .pdf"
_IMAGE = "image file: OCR it first"
_ARCHIVE = "archive: extract the documents first"
UNSUPPORTED: dict[str, str] = {
    ".html": f"unsupported format (HTML): {_CONVERT}",
    ".htm": f"unsupported format (HTML): {_CONVERT}",
    ".xhtml": f"unsupported format (XHTML): {_CONVERT}",
    ".xml": f"unsupported format (XML): {_CONVERT}",
    ".json": f"unsupported format (JSON): {_CONVERT}",
    ".jsonl": f"unsupported format (JSON lines): {_CONVERT}",
    ".doc": "unsupported format (legacy Word .doc): save it as .docx or PDF",
    ".rtf": "unsupported format (RTF): save it as .docx or PDF",
    ".odt": "unsupported format (OpenDocument text): save it as .docx or PDF",
    ".xls": "unsupported format (spreadsheet)",
    ".xlsx": "unsupported format (spreadsheet)",
    ".ods": "unsupported format (spreadsheet)",
    ".ppt": "unsupported format (presentation): export it as PDF",
    ".pptx": "unsupported format (presentation): export it as PDF",
    ".png": f"unsupported format ({_IMAGE})",
    ".jpg": f"unsupported format ({_IMAGE})",
    ".jpeg": f"unsupported format ({_IMAGE})",
    ".gif": f"unsupported format ({_IMAGE})",
    ".tif": f"unsupported format ({_IMAGE})",
    ".tiff": f"unsupported format ({_IMAGE})",
    ".bmp": f"unsupported format ({_IMAGE})",
    ".webp": f"unsupported format ({_IMAGE})",
    ".zip": f"unsupported format ({_ARCHIVE})",
    ".rar": f"unsupported format ({_ARCHIVE})",
    ".7z": f"unsupported format ({_ARCHIVE})",
    ".gz": f"unsupported format ({_ARCHIVE})",
}

# Leading bytes of binary formats people rename or mislabel; a text reader must not decode them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP archive (DOCX, XLSX, ODT …)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy or password-protected Office file (OLE)"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"{\\rtf", "RTF document"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its LE mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # tab, LF, VT, FF, CR are text
_MAX_STRAY_KINDS = 20  # distinct foreign letters a genuine Vietnamese text might quote
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_RATIO = 0.005


def _vietnamese_letters() -> frozenset[str]:
    """The non-ASCII letters of the Vietnamese alphabet, built from its rules, not a list."""
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    bases = "aăâeêioôơuưy"
    letters = {"đ", "Đ"}
    for base in bases + bases.upper():
        for tone in tones:
            letters.add(unicodedata.normalize("NFC", base + tone))
    return frozenset(c for c in letters if not c.isascii())


VIETNAMESE_LETTERS = _vietnamese_letters()
# Typographic characters Windows-1258 text legitimately carries besides Vietnamese letters.
_CP1258_TYPOGRAPHY = frozenset("\u00a0“”‘’–—…•«»°§€±×²³¼½¾©®‰†‡·")


class _Refused(Exception):
    """A reason to refuse the file; read_document adds the file name."""


# --------------------------------------------------------------------------- public API


def max_bytes() -> int:
    """The size limit in force: KG_MAX_BYTES lets one run accept bigger files without a code change."""
    raw = os.environ.get("KG_MAX_BYTES", "").strip()
    if not raw:
        return MAX_BYTES
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise KGError(f"KG_MAX_BYTES must be a positive number of bytes, got {raw!r}")
    return value


def read_document(path: str | Path) -> SourceDocument:
    """Decode one file; raise ReadError naming the file and the reason when it cannot be used."""
    p = Path(path)
    try:
        data = _read_bytes(p)
        text, media_type = _decode(p, data)
    except _Refused as refused:
        raise ReadError(str(path), str(refused)) from None
    return SourceDocument(str(path), p.name, text, hashlib.sha256(data).hexdigest(), media_type)


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand folders into the documents inside them, in a stable order.

    Named files are yielded whatever their type so that the reader can say why it refuses
    them; inside folders only supported extensions count, because folders hold other stuff.
    Each real directory and file is visited once, which both breaks symlink loops and keeps a
    document reachable by two routes from being ingested twice.
    """
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from _walk(p, seen_dirs, seen_files)
        elif _first_visit(p, seen_files):
            yield p


# --------------------------------------------------------------------------- folders


def _first_visit(p: Path, seen: set[str]) -> bool:
    real = os.path.realpath(p)
    if real in seen:
        return False
    seen.add(real)
    return True


def _skipped_name(name: str) -> bool:
    """Hidden files and Office lock files ("~$x.docx") are never documents."""
    return name.startswith(".") or name.startswith("~$")


def _walk(folder: Path, seen_dirs: set[str], seen_files: set[str]) -> Iterator[Path]:
    if not _first_visit(folder, seen_dirs):
        return
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        yield folder  # the reader reports why it cannot be listed instead of failing silently
        return
    for entry in entries:
        if _skipped_name(entry.name):
            continue
        child = folder / entry.name
        if _is_dir(entry):
            yield from _walk(child, seen_dirs, seen_files)
        elif child.suffix.lower() in SUPPORTED_SUFFIXES and _first_visit(child, seen_files):
            yield child


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


# --------------------------------------------------------------------------- file guards


def _read_bytes(p: Path) -> bytes:
    """Check what the path is before reading, so a FIFO or a 5 GB file is never opened."""
    limit = max_bytes()
    info = _stat(p)
    if stat.S_ISDIR(info.st_mode):
        if not os.access(p, os.R_OK | os.X_OK):
            raise _Refused("is a directory that cannot be listed (permission denied)")
        raise _Refused(
            "is a directory, not a file (pass folders to 'kg ingest', which expands them)"
        )
    if not stat.S_ISREG(info.st_mode):
        raise _Refused("not a regular file (device, socket or pipe)")
    if info.st_size > limit:
        raise _Refused(_too_large(info.st_size, limit))
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except PermissionError:
        raise _Refused("permission denied") from None
    except OSError as e:
        raise _Refused(f"cannot read: {e.strerror or e}") from None
    if len(data) > limit:  # the file grew after stat
        raise _Refused(_too_large(len(data), limit))
    if not data:
        raise _Refused("empty file (0 bytes)")
    return data


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size:,} bytes > limit {limit:,} (set KG_MAX_BYTES to raise it)"


def _stat(p: Path) -> os.stat_result:
    try:
        return p.stat()
    except FileNotFoundError:
        if p.is_symlink():
            raise _Refused("broken symbolic link: its target does not exist") from None
        raise _Refused("no such file or directory") from None
    except PermissionError:
        raise _Refused("permission denied") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _Refused("symbolic link loop") from None
        raise _Refused(f"cannot access: {e.strerror or e}") from None


# --------------------------------------------------------------------------- dispatch


def _magic(data: bytes) -> str | None:
    for signature, kind in _MAGIC:
        if data.startswith(signature):
            return kind
    if b"%PDF-" in data[:1024]:  # PDF allows junk before the header
        return "PDF"
    return None


def _decode(p: Path, data: bytes) -> tuple[str, str]:
    suffix = p.suffix.lower()
    if suffix in UNSUPPORTED:
        raise _Refused(UNSUPPORTED[suffix])
    kind = _magic(data)
    if suffix == ".pdf":
        return _finish(_pdf_text(data, kind), "PDF"), PDF_TYPE
    if suffix == ".docx":
        return _finish(_docx_text(data, kind), "DOCX"), DOCX_TYPE
    if suffix in TEXT_TYPES:
        if kind is not None:
            raise _Refused(f"content is a {kind}, not text: fix the file name's extension")
        return _finish(_decode_text(data), "file"), TEXT_TYPES[suffix]
    return _sniff_unknown(data, kind)


def _sniff_unknown(data: bytes, kind: str | None) -> tuple[str, str]:
    """Files without a known extension (downloads often have none) are read by content."""
    if kind == "PDF":
        return _finish(_pdf_text(data, kind), "PDF"), PDF_TYPE
    if kind is not None and kind.startswith("ZIP") and _zip_has(data, "word/document.xml"):
        return _finish(_docx_text(data, kind), "DOCX"), DOCX_TYPE
    if kind is not None:
        raise _Refused(f"unsupported format ({kind}): {_CONVERT}")
    return _finish(_decode_text(data), "file"), "text/plain"


def _finish(text: str, what: str) -> str:
    """One normal form for every format, so offsets mean the same thing whatever the source."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)  # returns at once when already NFC
    if not text.strip():
        raise _Refused(
            "empty file (only whitespace)" if what == "file" else f"no text found in the {what}"
        )
    if not _LETTER.search(text):
        raise _Refused("no text: not a single letter (only digits, punctuation or symbols)")
    return text


_LETTER = re.compile(r"[^\W\d_]")  # any letter, in any script


# --------------------------------------------------------------------------- text


def _decode_text(data: bytes) -> str:
    """Decode bytes of a plain-text file, refusing rather than guessing wrong.

    Order: byte order mark → strict UTF-8 → UTF-16/32 without BOM (recognised by where the
    NUL bytes fall) → Windows-1258 only when the result reads as Vietnamese. Raises _Refused.
    """
    text = _decode_bytes(data)
    if "\x00" in text:
        raise _Refused("contains NUL bytes: binary file?")
    controls = len(_CONTROL.findall(text))
    if controls > _MAX_CONTROL_RATIO * len(text):
        raise _Refused(f"not a text file: {controls:,} control characters (binary data?)")
    return text


def _decode_bytes(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec, f"byte order mark says {codec.upper()}", skip=len(bom))
    if b"\x00" in data:
        codec = _wide_codec(data)
        if codec is None:
            raise _Refused("contains NUL bytes: binary file?")
        return _strict(data, codec, f"NUL byte pattern looks like {codec.upper()}").lstrip("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e
    if _mostly_utf8(data):
        raise _Refused(
            f"invalid UTF-8 at byte {utf8_error.start}: the file is mostly UTF-8 but corrupt "
            "or mixes encodings"
        )
    return _cp1258(data, utf8_error.start)


def _strict(data: bytes, codec: str, why: str, skip: int = 0) -> str:
    try:
        return data[skip:].decode(codec)
    except UnicodeDecodeError as e:
        raise _Refused(f"invalid {codec.upper()} at byte {e.start + skip} ({why})") from None


def _wide_codec(data: bytes) -> str | None:
    """UTF-16/32 without a BOM: Vietnamese text is full of ASCII, whose high bytes are NUL."""
    n = len(data)
    if n % 4 == 0 and n >= 4:
        if not any(data[2::4]) and not any(data[3::4]):
            return "utf-32-le"
        if not any(data[0::4]) and not any(data[1::4]):
            return "utf-32-be"
    if n % 2:
        if n > 2 and _wide_codec(data[:-1]) is not None:
            raise _Refused("looks like UTF-16 but has an odd number of bytes (truncated?)")
        return None
    pairs = n // 2
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.2 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.2 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII characters are valid UTF-8: a damaged UTF-8 file, not a legacy one.

    Legacy 8-bit Vietnamese almost never forms valid UTF-8 sequences by accident, so each of
    its accented letters becomes a replacement character here.
    """
    decoded = data.decode("utf-8", "replace")
    bad = decoded.count("\ufffd")
    valid = len(decoded) - len(decoded.encode("ascii", "ignore")) - bad
    return valid >= 3 and valid >= bad


def _cp1258(data: bytes, bad_at: int) -> str:
    unknown = (
        f"not a text file or unknown encoding: not UTF-8 (invalid byte at {bad_at}) and not "
        "Vietnamese Windows-1258; convert legacy TCVN3/VNI files to Unicode first"
    )
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if controls > _MAX_CONTROL_RATIO * len(data):
        raise _Refused(f"not a text file: {controls:,} control bytes (binary data?)")
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        raise _Refused(unknown) from None
    if not _reads_as_vietnamese(text):
        raise _Refused(unknown)
    return text


def _reads_as_vietnamese(text: str) -> bool:
    """Vietnamese letters present and nearly nothing else outside ASCII.

    Text in another legacy encoding (TCVN3, VNI, Windows-1252) decoded as Windows-1258
    yields stray accents, uncomposed tone marks and Latin letters Vietnamese does not use.
    """
    chars = set(text)
    if not chars & VIETNAMESE_LETTERS:
        return False
    strays = {
        c for c in chars if not c.isascii() and c not in VIETNAMESE_LETTERS
    } - _CP1258_TYPOGRAPHY
    if len(strays) > _MAX_STRAY_KINDS:
        return False
    stray = sum(text.count(c) for c in strays)
    typography = sum(text.count(c) for c in chars & _CP1258_TYPOGRAPHY)
    viet = len(text) - len(text.encode("ascii", "ignore")) - stray - typography
    return viet > 0 and stray * 50 <= viet


# --------------------------------------------------------------------------- DOCX


def _zip_has(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return member in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _check_zip_budget(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs from the central directory alone, before anything is inflated.

    zipfile never inflates a member past its declared size, so the declared sizes are a
    real upper bound on the memory python-docx will use.
    """
    if len(infos) > DOCX_MAX_MEMBERS:
        raise _Refused(f"zip bomb? DOCX has {len(infos):,} parts (limit {DOCX_MAX_MEMBERS:,})")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > DOCX_MAX_UNCOMPRESSED:
        raise _Refused(
            f"zip bomb? DOCX would inflate to {total:,} bytes (limit {DOCX_MAX_UNCOMPRESSED:,})"
        )
    if total > _RATIO_FLOOR and total > DOCX_MAX_RATIO * max(packed, 1):
        raise _Refused(
            f"zip bomb? DOCX compression ratio {total / max(packed, 1):,.0f}:1 "
            f"(limit {DOCX_MAX_RATIO}:1)"
        )


def _docx_text(data: bytes, kind: str | None) -> str:
    if kind is not None and not kind.startswith("ZIP"):
        raise _Refused(f"not a DOCX: content is a {kind}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip_budget(zf.infolist())
            if "word/document.xml" not in zf.namelist():
                raise _Refused("not a Word document: the zip has no word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise _Refused(f"corrupt DOCX (not a valid zip archive: {e})") from None
    try:
        return _docx_extract(data)
    except _Refused:
        raise
    except Exception as e:  # python-docx/lxml raise many types on damaged input; all mean "corrupt"
        raise _Refused(f"corrupt DOCX: {type(e).__name__}: {e}") from None


def _docx_extract(data: bytes) -> str:
    import docx  # deferred: importing python-docx costs ~0.2 s that text-only runs need not pay

    document = docx.Document(io.BytesIO(data))
    lines = _block_lines(document.element.body)
    notes = _note_lines(document.part)
    if notes:
        lines += [""] + notes
    return "\n".join(lines)


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_RUN_CHARS = {
    _w("tab"): "\t",
    _w("ptab"): "\t",
    _w("br"): "\n",
    _w("cr"): "\n",
    _w("noBreakHyphen"): "-",
}


def _block_lines(container: object) -> list[str]:
    """Paragraphs and tables in document order, one paragraph (or table row) per line."""
    lines: list[str] = []
    for child in container:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == _w("p"):
            lines.append(_paragraph_text(child))
            lines += _textbox_lines(child)
        elif tag == _w("tbl"):
            lines += _table_lines(child)
        elif tag in (_w("sdt"), _w("customXml"), _w("sdtContent")):
            lines += _block_lines(child)
    return lines


def _paragraph_text(p: object) -> str:
    parts: list[str] = []
    _collect_runs(p, parts)
    return "".join(parts)


def _collect_runs(el: object, parts: list[str]) -> None:
    """Visible text only: deleted revisions, field codes and text boxes are left out here."""
    for child in el:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == _w("t"):
            parts.append(child.text or "")
        elif tag in _RUN_CHARS:
            parts.append(_RUN_CHARS[tag])
        elif tag in (_w("txbxContent"), _w("del"), _MC_FALLBACK):
            continue
        elif isinstance(tag, str):
            _collect_runs(child, parts)


def _textbox_lines(p: object) -> list[str]:
    """Letterheads are often drawn in text boxes; skip the legacy copy in mc:Fallback."""
    lines: list[str] = []
    for box in p.iter(_w("txbxContent")):  # type: ignore[attr-defined]
        if not _inside(box, p, (_MC_FALLBACK, _w("txbxContent"))):  # nested boxes: via their box
            lines += _block_lines(box)
    return lines


def _inside(el: object, stop: object, tags: tuple[str, ...]) -> bool:
    """Whether an ancestor of ``el`` below ``stop`` has one of ``tags``."""
    node = el.getparent()  # type: ignore[attr-defined]
    while node is not None and node is not stop:
        if node.tag in tags:
            return True
        node = node.getparent()
    return False


def _table_lines(tbl: object) -> list[str]:
    """A row per line with cells tab-separated, so a label stays beside its number."""
    lines: list[str] = []
    for tr in tbl.iter(_w("tr")):  # type: ignore[attr-defined]
        if tr.getparent() is not tbl and tr.getparent().getparent() is not tbl:
            continue  # rows of nested tables are reached through their cell
        cells = [
            " ".join(line for line in _block_lines(tc) if line.strip())
            for tc in tr.iter(_w("tc"))
            if _nearest(tc, _w("tr")) is tr
        ]
        lines.append("\t".join(cells) if any(c.strip() for c in cells) else "")
    return lines


def _nearest(el: object, tag: str) -> object | None:
    for a in el.iterancestors(tag):  # type: ignore[attr-defined]
        return a
    return None


def _note_lines(part: object) -> list[str]:
    """Footnotes and endnotes, numbered as Word shows them, appended after the body."""
    from lxml import etree

    lines: list[str] = []
    for rel in part.rels.values():  # type: ignore[attr-defined]
        if rel.is_external or not rel.reltype.endswith(("/footnotes", "/endnotes")):
            continue
        root = etree.fromstring(rel.target_part.blob)
        for note in root:
            if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            body = " ".join(x for x in _block_lines(note) if x.strip()).strip()
            if body:
                lines.append(f"({note.get(_w('id'))}) {body}")
    return lines


# --------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes, kind: str | None) -> str:
    if kind != "PDF":
        raise _Refused(f"not a PDF (no %PDF- header{'; content is a ' + kind if kind else ''})")
    if b"%%EOF" not in data[-2048:]:
        raise _Refused("truncated PDF: no %%EOF marker at the end (incomplete download or copy?)")
    from pypdf import PdfReader  # deferred: only PDF input pays for the import
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _unlock(reader, DependencyError)
        pages = reader.pages
        if len(pages) == 0:
            raise _Refused("PDF has no pages")
        texts = [_page_text(page, n) for n, page in enumerate(pages, 1)]
    except _Refused:
        raise
    except Exception as e:  # pypdf raises many types on damaged input; all mean "corrupt"
        raise _Refused(f"corrupt PDF: {type(e).__name__}: {e}") from None
    if not any(t.strip() for t in texts):
        raise _Refused("scanned PDF: no text layer; OCR it first")
    # pypdf ends some pages with a newline; trim it so a page break is always one blank line
    return "\n\n".join(t.rstrip("\n") for t in texts).replace("\x00", "")


def _unlock(reader: object, dependency_error: type[Exception]) -> None:
    """PDFs locked only against editing open with the empty password; others are refused."""
    try:
        opened = reader.decrypt("")  # type: ignore[attr-defined]
    except dependency_error:
        raise _Refused(
            "encrypted PDF (AES): cannot decrypt without the 'cryptography' package; "
            "remove the password protection first"
        ) from None
    if not opened:
        raise _Refused("encrypted PDF: a password is required; remove the protection first")


def _page_text(page: object, number: int) -> str:
    try:
        return page.extract_text() or ""  # type: ignore[attr-defined]
    except Exception as e:  # see _pdf_text
        raise _Refused(f"corrupt PDF: page {number}: {type(e).__name__}: {e}") from None
