"""Regenerate tests/bad_inputs/more/: malformed inputs for the whole ingest path (CLI level).

Run ``.venv/bin/python tests/bad_inputs/more/make_more.py`` from the project root. Output is
deterministic (fixed seed), so regenerating gives byte-identical files.

Why a second corpus: tests/bad_inputs/ holds what the READ stage must refuse. Inputs here
get past reading (or are Turtle fact files) and must be refused later — by the Turtle parser,
by the SHACL shapes, or because they hold no document text — or are awkward but legitimate
encodings that must give the same facts as the clean UTF-8 file. README.md lists each entry
and what ``kg ingest`` must do with it; tests/test_bad_inputs_cli.py holds them to it.
"""

from __future__ import annotations

import random
import shutil
import unicodedata
from pathlib import Path

from rdflib import Dataset, Graph, Namespace

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent.parent
SEED = TESTS.parent / "data" / "documents" / "001_3243a69cd6872860.txt"
SHAPE_FIXTURES = TESTS / "fixtures" / "shapes"
FX = Namespace("https://w3id.org/pctp-kg/test-fixture#")

WORDS = ["ủy", "ban", "nhân", "dân", "tỉnh", "công", "an", "huyện", "thực", "hiện", "triển", "khai", "kế", "hoạch", "phòng", "chống", "tội", "phạm", "ma", "túy", "mua", "bán", "người", "tuyên", "truyền", "kết", "quả", "đạt", "được", "các", "sở", "ban", "ngành", "đoàn", "thể", "địa", "bàn", "tăng", "cường", "phối", "hợp", "kiểm", "tra", "xử", "lý", "vi", "phạm", "an", "ninh", "trật", "tự", "năm", "báo", "cáo", "tình", "hình"]
NOTATIONS = ("48-CT/TW", "36-CT/TW", "49/2020/NĐ-CP", "12/CT-TTg", "3086/KH-UBND")


def _rng() -> random.Random:
    return random.Random(20240817)


def to_cp1258(text: str) -> bytes:
    """Legacy Windows encoding: precomposed where the code page has it, else combining tone."""
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


def _prose(rng: random.Random, size: int, citation_every: int) -> str:
    """Vietnamese-looking prose on one line, with a citation now and then."""
    parts: list[str] = []
    length = 0
    since = 0
    while length < size:
        if since >= citation_every:
            word = f"Chỉ thị số {rng.choice(NOTATIONS)}"
            since = 0
        else:
            word = rng.choice(WORDS)
        parts.append(word)
        length += len(word) + 1
        since += len(word) + 1
    return " ".join(parts)[:size]


def _patched_shape_graph(path: Path) -> Graph:
    """The valid shape fixture with one patch applied: it breaks exactly one rule."""
    patch = Dataset()
    patch.parse(path, format="trig")
    graph = Graph().parse(SHAPE_FIXTURES / "valid.ttl", format="turtle")
    for triple in patch.graph(FX.remove):
        graph.remove(triple)
    for triple in patch.graph(FX.add):
        graph.add(triple)
    return graph


def text_entries(rng: random.Random) -> dict[str, bytes]:
    seed = SEED.read_text(encoding="utf-8")
    valid_ttl = (SHAPE_FIXTURES / "valid.ttl").read_bytes()
    numbers = "\n".join(
        " ".join(str(rng.randint(0, 99999)) for _ in range(12)) for _ in range(300)
    )
    garbage = " ".join(
        f"{rng.randint(0, 9999)}{rng.choice(['/', '-', ' / ', '--'])}"
        f"{rng.choice(['KH', 'CT', 'NĐ-CP', 'QĐ', 'X', ''])}{rng.choice(['-', '/', ''])}"
        f"{rng.choice(['UBND', 'TW', 'TTg', 'BCA', '', '//'])}"
        for _ in range(150)
    )
    return {
        # Turtle fact files that are not Turtle
        "syntax_error.ttl": valid_ttl.replace(b'kgo:isLocal true ;', b'kgo:isLocal true ;;; "', 1),
        "truncated.ttl": valid_ttl[: len(valid_ttl) * 6 // 10],
        "trig_graphs.ttl": b"@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b ex:c . }\n",
        "undefined_prefix.ttl": b"nope:a nope:b nope:c .\n",
        "binary.ttl": bytes(rng.randrange(256) for _ in range(2048)),
        "utf16.ttl": valid_ttl.decode("utf-8").encode("utf-16"),
        "json_ld.ttl": b'{"@context": {}, "@id": "http://example.org/a"}\n',
        "nul_bytes.ttl": valid_ttl.replace(b"kgo:isLocal", b"kgo:is\x00Local", 1),
        # Text with nothing of a document in it
        "only_numbers.txt": numbers.encode("utf-8"),
        "only_punctuation.txt": (".,;:!?-–—/\\|()[]{}*#" * 150).encode("utf-8"),
        "emoji_only.txt": ("🚫🎉📄" * 400).encode("utf-8"),
        "notation_garbage.txt": garbage.encode("utf-8"),
        # Formats the reader does not take, by extension
        "page.htm": "<html><body><p>Kế hoạch số 12/KH-UBND</p></body></html>".encode(),
        "page.xhtml": b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>',
        "data.xml": "<doc><p>Chỉ thị số 48-CT/TW</p></doc>".encode(),
        "records.jsonl": b'{"notation": "48-CT/TW"}\n{"notation": "36-CT/TW"}\n',
        "slides.pptx": b"PK\x03\x04" + bytes(100),
        "sheet.xlsx": b"PK\x03\x04" + bytes(100),
        "archive.zip": b"PK\x05\x06" + bytes(18),
        "notes.odt": b"PK\x03\x04" + bytes(100),
        # Awkward but legitimate: must give the same facts as the clean UTF-8 file
        "ok_cp1258.txt": to_cp1258(seed),
        "ok_nfd.txt": unicodedata.normalize("NFD", seed).encode("utf-8"),
        "ok_utf16le_no_bom.txt": seed.encode("utf-16-le"),
        "ok_utf16be_no_bom.txt": seed.encode("utf-16-be"),
        "ok_crlf_bom.txt": b"\xef\xbb\xbf" + seed.replace("\n", "\r\n").encode("utf-8"),
        "ok_one_mb_single_line.txt": _prose(rng, 1_000_000, 4000).encode("utf-8"),
    }


def shape_entries() -> dict[str, bytes]:
    """One Turtle fact file per SHACL rule, each breaking exactly that rule."""
    out: dict[str, bytes] = {}
    for path in sorted((SHAPE_FIXTURES / "invalid").glob("*.trig")):
        graph = _patched_shape_graph(path)
        text = graph.serialize(format="nt", encoding="utf-8")
        lines = sorted(text.decode("utf-8").splitlines())  # stable bytes across runs
        out[f"{path.stem}.ttl"] = ("\n".join(lines) + "\n").encode("utf-8")
    return out


def main() -> None:
    rng = _rng()
    for name, data in text_entries(rng).items():
        (HERE / name).write_bytes(data)
    shapes = HERE / "shapes"
    shutil.rmtree(shapes, ignore_errors=True)
    shapes.mkdir()
    for name, data in shape_entries().items():
        (shapes / name).write_bytes(data)


if __name__ == "__main__":
    main()
