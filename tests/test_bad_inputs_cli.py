"""Every malformed input, through ``kg ingest``: refused clearly, and the store untouched.

The read stage has its own tests (tests/test_read.py); these hold the whole command to the
user-facing contract: a non-zero exit, one message naming the file and the reason, no
traceback, and not one quad of the store changed — while good files in the same batch still
go in. The corpora are tests/bad_inputs/ and tests/bad_inputs/more/; their READMEs say what
each entry must produce, and are parsed here so that an undocumented entry fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset, Namespace

from kg.cli import main
from kg.store import OxigraphStore

TESTS = Path(__file__).resolve().parent
BAD = TESTS / "bad_inputs"
MORE = BAD / "more"
SHAPES = MORE / "shapes"
FIXTURES = TESTS / "fixtures" / "shapes" / "invalid"
SEED = TESTS.parent / "data" / "documents" / "001_3243a69cd6872860.txt"
NOT_CORPUS = {"README.md", "make_bad_inputs.py", "make_more.py", "__pycache__", "more"}
FX = Namespace("https://w3id.org/pctp-kg/test-fixture#")
SHAPES_NS = "https://w3id.org/pctp-kg/shapes#"

XFAIL: dict[str, pytest.MarkDecorator] = {}


# --------------------------------------------------------------------------- corpus tables


_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|.*\|\s*`([^`]*)`[^|]*\|\s*$")


def readme_table(folder: Path) -> dict[str, str]:
    """Entry name → expectation, from the README's table rows (``| `name` | … | `exp` |``)."""
    out: dict[str, str] = {}
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            out[m.group(1).rstrip("/")] = m.group(2)
    return out


def corpus(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in NOT_CORPUS)


def _refusals() -> list[tuple[Path, str]]:
    """(path, reason substring) for every entry that ``kg ingest`` must refuse."""
    out: list[tuple[Path, str]] = []
    for name, reason in readme_table(BAD).items():
        if (BAD / name).is_file():
            out.append((BAD / name, reason))
    for name, expected in readme_table(MORE).items():
        if expected.startswith("refused:") and (MORE / name).is_file():
            out.append((MORE / name, expected.removeprefix("refused:").strip()))
    return out


REFUSALS = _refusals()
SHAPE_FILES = sorted(SHAPES.glob("*.ttl"))


def _params() -> list[object]:
    return [
        pytest.param(path, reason, id=path.name, marks=XFAIL.get(path.name, ()))
        for path, reason in REFUSALS
    ]


# --------------------------------------------------------------------------- helpers


def ingest(store: Path, *paths: Path | str) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), "ingest", *map(str, paths)])


def snapshot(store: Path) -> tuple[int, str]:
    """Every quad of the store, hashed: 'unchanged' means not one quad moved."""
    s = OxigraphStore(store, read_only=True)
    try:
        quads = sorted(s.export("nquads").decode("utf-8").splitlines())
        return len(quads), hashlib.sha256("\n".join(quads).encode()).hexdigest()
    finally:
        s.close()


def assert_clean_refusal(result: Result, name: str, reason: str) -> None:
    out = result.output
    assert result.exit_code != 0, f"{name} was accepted:\n{out}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{name}: uncaught {result.exception!r}"
    )
    assert "Traceback" not in out
    assert name in out, f"message does not name the file:\n{out}"
    assert reason in out, f"expected reason {reason!r}:\n{out}"
    assert "internal error" not in out, out


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one good document, so that 'unchanged' has something to keep."""
    store = tmp_path_factory.mktemp("cli_bad") / "store"
    result = ingest(store, SEED)
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture
def store(base_store: Path) -> Iterator[Path]:
    before = snapshot(base_store)
    yield base_store
    assert snapshot(base_store) == before, "the store changed"


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_documented_and_large_enough() -> None:
    assert set(corpus(MORE)) == set(readme_table(MORE)), "tests/bad_inputs/more vs its README"
    assert set(corpus(BAD)) == set(readme_table(BAD)), "tests/bad_inputs vs its README"
    refused = len(REFUSALS) + len(SHAPE_FILES)
    assert refused >= 40
    assert len(SHAPE_FILES) == len(list(FIXTURES.glob("*.trig"))), "one fact file per rule"


@pytest.mark.parametrize(("path", "reason"), _params())
def test_malformed_input_refused(store: Path, path: Path, reason: str) -> None:
    assert_clean_refusal(ingest(store, path), path.name, reason)


def _rule_of(fixture: Path) -> str:
    patch = Dataset()
    patch.parse(fixture, format="trig")
    shape = patch.graph(FX.meta).value(FX.case, FX.violates)
    return str(shape).removeprefix(SHAPES_NS)


def _blocks(output: str) -> dict[str, str]:
    """Split a batch report into the block each file's result line starts."""
    blocks: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        m = re.match(r"^(\w+)\s+(\S+\.ttl)\b", line)
        if m:
            current = m.group(2)
            blocks[current] = line
        elif current:
            blocks[current] += "\n" + line
    return blocks


def test_each_shape_violation_refused_with_its_rule(store: Path) -> None:
    result = ingest(store, *SHAPE_FILES)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    blocks = _blocks(result.output)
    for path in SHAPE_FILES:
        block = blocks.get(path.name, "")
        assert block.startswith("failed"), f"{path.name} not refused:\n{block}"
        rule = _rule_of(FIXTURES / f"{path.stem}.trig")
        assert re.search(rf"rule:\s+{re.escape(rule)}\b", block), f"{path.name}: no {rule}\n{block}"


def test_empty_folder_stores_nothing(store: Path) -> None:
    result = ingest(store, BAD / "folder.txt")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "0 added" in result.output


def test_mixed_batch_stores_the_good_ones(tmp_path: Path) -> None:
    store = tmp_path / "store"
    bad = [p for p, _ in REFUSALS if p.name not in XFAIL][:12] + SHAPE_FILES[:3]
    result = ingest(store, SEED, *bad)
    assert result.exit_code == 1
    assert re.search(rf"^added\s+{re.escape(SEED.name)}", result.output, re.M), result.output
    s = OxigraphStore(store, read_only=True)
    try:
        assert set(s.document_graphs()) == {SEED.name}
    finally:
        s.close()


# --------------------------------------------------------------------------- awkward but fine


def _facts(path: Path) -> dict[str, object]:
    from kg.pipeline import extract_files

    (extraction,) = extract_files([path])
    out = extraction.to_json()
    out.pop("source")
    return out


OK_SAME = sorted(n for n, e in readme_table(MORE).items() if e == "same facts")


@pytest.mark.parametrize("name", OK_SAME)
def test_awkward_encoding_gives_the_same_facts(name: str) -> None:
    assert _facts(MORE / name) == _facts(SEED)


def test_awkward_files_are_stored(tmp_path: Path) -> None:
    store = tmp_path / "store"
    names = [n for n, e in readme_table(MORE).items() if e in ("same facts", "stored")]
    result = ingest(store, *(MORE / n for n in names))
    assert result.exit_code == 0, result.output
    s = OxigraphStore(store, read_only=True)
    try:
        assert set(s.document_graphs()) == set(names)
    finally:
        s.close()


# --------------------------------------------------------------------------- made at test time


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    return path


def _made(tmp: Path) -> list[tuple[Path, str]]:
    big = tmp / "fifty_mb.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    (tmp / "a.txt").symlink_to(tmp / "b.txt")
    (tmp / "b.txt").symlink_to(tmp / "a.txt")
    (tmp / "dangling.txt").symlink_to(tmp / "nowhere.txt")
    os.mkfifo(tmp / "pipe.txt")
    return [
        (big, "file too large"),
        (_zip_bomb(tmp / "bomb.docx"), "zip bomb?"),
        (tmp / "a.txt", "symbolic link loop"),
        (tmp / "dangling.txt", "broken symbolic link"),
        (tmp / "pipe.txt", "not a regular file"),
        (tmp / "không có.txt", "no such file or directory"),
    ]


def test_hostile_files_made_at_test_time(store: Path, tmp_path: Path) -> None:
    for path, reason in _made(tmp_path):
        assert_clean_refusal(ingest(store, path), path.name, reason)


def test_directory_loop_terminates_and_stores_once(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SEED, folder / "sub" / SEED.name)
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "self").symlink_to(".", target_is_directory=True)
    result = ingest(tmp_path / "store", folder)
    assert result.exit_code == 0, result.output
    assert result.output.count(SEED.name) == 1, result.output


DENSE_SCRIPT = """
import sys, pathlib
from kg.read import read_document
from kg.extract import extract
extract(read_document(pathlib.Path(sys.argv[1])))
"""


@pytest.mark.slow
def test_dense_single_line_extracts_in_bounded_time(tmp_path: Path) -> None:
    """600 KB on one line citing one directive every 60 characters (10 000 mentions).

    Linear work takes a few seconds; quadratic grouping of mentions took minutes.
    """
    sentence = "Thực hiện Chỉ thị số 48-CT/TW ngày 22/10/2010 của Bộ Chính trị, "
    path = tmp_path / "dense.txt"
    path.write_text((sentence * (600_000 // len(sentence) + 1))[:600_000], encoding="utf-8")
    try:
        subprocess.run(
            [sys.executable, "-c", DENSE_SCRIPT, str(path)], check=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        pytest.fail("extracting a 600 KB single line took more than 20 s")
