"""The ingest pipeline: read → extract → build → validate → store, one document at a time.

Each document is all-or-nothing: it is written in a single store transaction only after its
facts have been built and validated, so a failure anywhere leaves the store exactly as it was
for that document, while the other documents of the batch still go in. Stages are looked up
lazily (:class:`Stages`) so that a stage being rewritten elsewhere cannot break the import of
the CLI, and so that tests can substitute one stage.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import rdflib

from kg import iri
from kg.errors import KGError, ReadError
from kg.model import Extraction, SourceDocument
from kg.store import Store, newest_entry, parse_turtle, reference_digest

Status = Literal["added", "replaced", "unchanged", "failed"]
FACT_FILE_SUFFIXES = (".ttl",)
# Used only when kg.read offers no iter_input_files (see _iter_input_files).
_DOCUMENT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")


@dataclass
class DocumentResult:
    """What happened to one input file; ``error`` is a complete, printable explanation."""

    path: str
    name: str
    status: Status
    facts: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    graph: str | None = None

    def summary(self) -> str:
        head = f"{self.status:<9} {self.name}"
        if self.status == "failed":
            error = self.error or "failed"
            for prefix in (f"{self.path}: ", f"{self.name}: "):
                error = error.removeprefix(prefix)
            return f"{head}: {error}"
        if self.status == "unchanged":
            return head
        tail = f"{self.facts} facts, {len(self.warnings)} warnings, {self.seconds:.2f}s"
        return f"{head} ({tail})"


@dataclass
class IngestReport:
    documents: list[DocumentResult] = field(default_factory=list)

    @property
    def failed(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "replaced": 0, "unchanged": 0, "failed": 0}
        for d in self.documents:
            out[d.status] += 1
        return out


@dataclass
class Stages:
    """The stage functions the pipeline calls; defaults come from the kg modules."""

    read: Callable[[Path], SourceDocument]
    extract: Callable[[SourceDocument], Extraction]
    build: Callable[[Extraction], rdflib.Graph]
    validate: Callable[[rdflib.Graph], Any]


def default_stages() -> Stages:
    from kg.build import build_graph
    from kg.extract import extract
    from kg.read import read_document
    from kg.validate import validate

    def extract_prose(source: SourceDocument) -> Extraction:
        if not reads_as_prose(source.text):
            raise ReadError(source.path, "no prose: this does not read as a document (codes or symbols only)")
        return extract(source)

    return Stages(read_document, extract_prose, build_graph, validate)


# --------------------------------------------------------------------------- inputs


def _iter_input_files(paths: list[Path]) -> Iterator[Path]:
    try:
        from kg.read import iter_input_files
    except ImportError:  # TODO: drop once kg.read.iter_input_files has landed everywhere
        iter_input_files = None
    if iter_input_files is not None:
        yield from iter_input_files(paths)
        return
    for p in paths:
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in _DOCUMENT_SUFFIXES
            )
        else:
            yield p


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files in order: documents from folders (via kg.read), plus Turtle fact files.

    A ``.ttl`` given explicitly is a fact file; folders contribute what kg.read accepts plus
    their ``.ttl`` files, except the curated reference data, which is loaded separately.
    """
    given = [Path(p) for p in paths]
    missing = [p for p in given if not os.path.lexists(p)]  # a link loop: let kg.read say so
    if missing:
        raise KGError(f"{missing[0]}: no such file or directory")
    reference = {p.resolve() for p in _reference_files()}
    out: list[Path] = []
    for p in given:
        if p.is_dir():
            out.extend(_iter_input_files([p]))
            out.extend(
                f for f in sorted(p.rglob("*.ttl")) if f.is_file() and f.resolve() not in reference
            )
        elif p.suffix.lower() in FACT_FILE_SUFFIXES:
            out.append(p)
        else:
            out.extend(_iter_input_files([p]))
    return list(dict.fromkeys(out))


def _reference_files() -> list[Path]:
    try:
        from kg.reference import reference_graph_files
    except ImportError:
        return []
    return list(reference_graph_files())


def ensure_reference(store: Store) -> bool:
    """(Re)load the curated reference data when it changed; True when it was loaded."""
    files = _reference_files()
    if not files:
        return False
    if store.reference_hash() == reference_digest(files):
        return False
    store.load_reference(files)
    return True


# --------------------------------------------------------------------------- one document


def _violation_message(report: Any, name: str) -> str:
    formatter = getattr(report, "format", None)
    if callable(formatter):
        return str(formatter(name))
    return f"{name}: SHACL validation failed: {report}"


def _store_graph(
    store: Store, result: DocumentResult, sha256: str, graph: rdflib.Graph, validate: Callable
) -> DocumentResult:
    """Validate and write one graph; shared by documents and Turtle fact files."""
    report = validate(graph)
    if not report.conforms:
        result.status = "failed"
        result.error = _violation_message(report, result.name)
        return result
    existing = store.catalogue_entries(name=result.name)
    graph_iri = iri.document(sha256)
    store.replace_document(result.name, sha256, graph_iri, graph)
    result.status = "replaced" if existing else "added"
    result.facts = len(graph)
    result.graph = graph_iri
    return result


def _precheck(
    store: Store, name: str, sha256: str, result: DocumentResult
) -> DocumentResult | None:
    """Unchanged bytes are a no-op; the same bytes under another name are not stored twice."""
    entry = newest_entry(store.catalogue_entries(name=name))
    if entry is not None and entry.sha256 == sha256:
        result.status = "unchanged"
        result.graph = entry.graph
        return result
    graph_iri = iri.document(sha256)
    twin = next((e for e in store.catalogue_entries(graph=graph_iri) if e.name != name), None)
    if twin is not None:
        result.status = "unchanged"
        result.graph = twin.graph
        result.warnings.append(f"same content as {twin.name}, already stored; not stored twice")
        return result
    return None


# A word of running text: a letter, then lower-case letters only ("Thực", "số", "Bộ"); codes
# such as "CT/TW" or "XTTg" are not words of prose.
_PROSE_WORD = re.compile(r"(?<![\w/-])[^\W\d_][a-zà-ỹđ]+(?![\w/-])")


def reads_as_prose(text: str, minimum: int = 3) -> bool:
    """Whether a text has a few words of running text: a file of notation-like tokens alone
    is refused rather than stored as an empty document."""
    words = _PROSE_WORD.finditer(text)
    return sum(1 for _ in itertools.islice(words, minimum)) >= minimum


def ingest_document(path: Path, store: Store, stages: Stages) -> DocumentResult:
    started = time.perf_counter()
    result = DocumentResult(str(path), path.name, "failed")
    try:
        source = stages.read(path)
        result.name = source.name
        done = _precheck(store, source.name, source.sha256, result)
        if done is None:
            extraction = stages.extract(source)
            result.warnings.extend(extraction.warnings)
            graph = stages.build(extraction)
            _store_graph(store, result, source.sha256, graph, stages.validate)
    except ReadError as exc:
        result.status, result.error = "failed", str(exc)
    except KGError as exc:
        result.status, result.error = "failed", f"{path}: {exc}"
    except Exception as exc:  # noqa: BLE001 — one bad document must not stop the batch
        result.status, result.error = (
            "failed",
            f"{path}: internal error: {type(exc).__name__}: {exc}",
        )
    result.seconds = time.perf_counter() - started
    return result


def ingest_fact_file(
    path: str | Path, store: Store, *, validate: Callable[[rdflib.Graph], Any] | None = None
) -> DocumentResult:
    """Store a curated Turtle file in its own graph (named after its content hash)."""
    started = time.perf_counter()
    p = Path(path)
    result = DocumentResult(str(p), p.name, "failed")
    try:
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise ReadError(str(p), exc.strerror or str(exc)) from exc
        sha256 = hashlib.sha256(data).hexdigest()
        if _precheck(store, p.name, sha256, result) is None:
            graph = parse_turtle(data, p)
            if validate is None:
                from kg.validate import validate as validate_graph

                validate = validate_graph
            _store_graph(store, result, sha256, graph, validate)
    except ReadError as exc:
        result.status, result.error = "failed", str(exc)
    except KGError as exc:
        message = str(exc)
        result.status = "failed"
        result.error = message if message.startswith(str(p)) else f"{p}: {message}"
    result.seconds = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- batches


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    *,
    progress: Callable[[DocumentResult], None] | None = None,
    stages: Stages | None = None,
    files: list[Path] | None = None,
) -> IngestReport:
    """Ingest files and folders; every document independently all-or-nothing.

    ``files`` lets a caller that already expanded ``paths`` (to size a progress bar) skip
    a second walk.
    """
    inputs = files if files is not None else expand_inputs(paths)
    ensure_reference(store)
    stage_fns = stages
    report = IngestReport()
    seen: dict[str, Path] = {}
    for path in inputs:
        if path.name in seen:
            result = DocumentResult(
                str(path),
                path.name,
                "failed",
                error=f"{path}: another file named {path.name} ({seen[path.name]}) is in this "
                "batch; documents are keyed by file name, rename one",
            )
        elif path.suffix.lower() in FACT_FILE_SUFFIXES:
            result = ingest_fact_file(
                path, store, validate=stage_fns.validate if stage_fns else None
            )
        else:
            if stage_fns is None:
                stage_fns = default_stages()
            result = ingest_document(path, store, stage_fns)
        seen.setdefault(path.name, path)
        report.documents.append(result)
        if progress is not None:
            progress(result)
    return report


def extract_files(paths: Iterable[str | Path], *, stages: Stages | None = None) -> list[Extraction]:
    """Read and extract without storing (``kg extract``); read errors propagate."""
    stage_fns = stages or default_stages()
    return [
        stage_fns.extract(stage_fns.read(p))
        for p in expand_inputs(paths)
        if p.suffix.lower() not in FACT_FILE_SUFFIXES
    ]
