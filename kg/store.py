"""The persistent store: one named graph per source document, on an embedded Oxigraph.

Why one graph per document: re-ingesting a document must replace exactly its facts and
removing it must drop exactly them. The catalogue entry of a document (file name, content
hash, time of ingest) is written *inside* that document's own graph, so that a document and
its entry appear and vanish together in one transaction — there is no separate catalogue that
could drift out of step after a crash.

Atomicity: pyoxigraph applies one SPARQL Update request as one transaction ("either the full
operation succeeds, or nothing is written"), so a replace is a single request made of
``DROP SILENT GRAPH`` for the old graph(s) and ``INSERT DATA`` for the new one.

Concurrency: RocksDB lets one read-write process hold a directory (its ``LOCK`` file).
pyoxigraph 0.5 has no secondary instances, but it has ``Store.read_only``, which takes no
lock and sees the data as of its opening. Readers (``kg serve``, ``kg query`` …) open
read-only, so ``kg ingest`` can run beside a server; a read-only store reopens itself when
the files on disk change (:meth:`OxigraphStore.refresh`), so a server sees new ingests.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Node, URIRef
from rdflib.term import Literal as RdfLiteral

from kg.errors import KGError, StoreError
from kg.iri import BASE, ONTOLOGY

DEFAULT_STORE = "var/kg"
REFERENCE_GRAPH = BASE + "reference"

# Catalogue terms (kept in the document's own graph; see the module docstring).
# kgo:fileName and kgo:sha256 are the ontology's own terms (kg.build writes them too); the
# time of ingest is when the decoded text (a prov:Entity) came to be, hence generatedAtTime.
CAT_NAME = ONTOLOGY + "fileName"
CAT_SHA256 = ONTOLOGY + "sha256"
CAT_INGESTED = "http://www.w3.org/ns/prov#generatedAtTime"
CAT_SOURCE_DOCUMENT = ONTOLOGY + "SourceDocument"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# A read-only RocksDB instance opened while a writer compacts can miss a file that the
# writer just deleted; reopening picks up the new file set. Tries, and pause between them.
_READ_RETRIES = 5
_READ_RETRY_PAUSE = 0.05

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TRIG,  # Turtle cannot carry graphs; TriG is Turtle plus graphs
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class DocumentEntry:
    """One catalogue row: which file is in which graph, and since when."""

    name: str
    graph: str
    sha256: str
    ingested_at: str


@dataclass
class QueryResult:
    """A backend-neutral SPARQL result, so callers do not depend on pyoxigraph types.

    ``kind`` is ``select`` (``variables`` + ``rows``), ``ask`` (``boolean``) or ``graph``
    (CONSTRUCT/DESCRIBE: ``graph``).
    """

    kind: Literal["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: rdflib.Graph | None = None

    def __iter__(self) -> Iterator[dict[str, Node | None]]:
        return iter(self.rows)

    def __len__(self) -> int:
        if self.kind == "graph":
            return len(self.graph or ())
        return len(self.rows)

    def to_sparql_json(self) -> dict[str, Any]:
        """SPARQL 1.1 Query Results JSON (SELECT and ASK only)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        if self.kind != "select":
            raise ValueError("SPARQL results JSON is for SELECT and ASK queries")
        bindings = [
            {k: _term_json(v) for k, v in row.items() if v is not None} for row in self.rows
        ]
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}


def _term_json(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, RdfLiteral):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "literal", "value": str(term)}


class Store(Protocol):
    """What the pipeline, the CLI and the API need from a store, whatever the backend."""

    location: str
    read_only: bool

    def document_graphs(self) -> dict[str, DocumentEntry]: ...

    def catalogue_entries(
        self, *, name: str | None = None, graph: str | None = None
    ) -> list[DocumentEntry]: ...

    def replace_document(
        self, name: str, sha256: str, graph_iri: str, triples: rdflib.Graph
    ) -> None: ...

    def remove_document(self, name: str) -> bool: ...

    def query(self, sparql: str, *, default_graph_union: bool = True) -> QueryResult: ...

    def load_reference(self, files: Iterable[Path]) -> int: ...

    def reference_hash(self) -> str | None: ...

    def count_triples(self) -> int: ...

    def export(self, format: str) -> bytes: ...

    def refresh(self) -> None: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- errors


def translate_os_error(location: str, exc: BaseException) -> StoreError:
    """Turn RocksDB/OS messages into one sentence a user can act on."""
    text = str(exc)
    low = text.lower()
    code = getattr(exc, "errno", None)
    if "lock" in low and (
        "resource temporarily unavailable" in low
        or "no locks available" in low
        or "lock hold by" in low
    ):
        return StoreError(
            f"store at {location} is in use by another process "
            "(is `kg serve` or another `kg ingest` running?)"
        )
    if code == errno.ENOSPC or "no space left" in low:
        return StoreError(f"store at {location}: disk full (no space left on device)")
    if (
        code in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "permission denied" in low
        or ("read-only file system" in low)
    ):
        return StoreError(f"store at {location}: permission denied (directory is not writable)")
    if "not a directory" in low:
        return StoreError(f"store at {location}: path exists but is not a directory")
    return StoreError(f"store at {location}: {text}")


def _first_line(message: str, limit: int = 200) -> str:
    """Oxigraph lists every expected token over many lines; the position is what helps."""
    line = message.strip().splitlines()[0] if message.strip() else message
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_transient(exc: BaseException) -> bool:
    """A file vanished under a read-only instance: the writer compacted; reopen and retry."""
    low = str(exc).lower()
    return "no such file" in low or "corruption" in low


def _prepare_directory(path: Path) -> None:
    """Check the location before RocksDB does, because its messages are cryptic."""
    if path.exists() and not path.is_dir():
        raise StoreError(f"store at {path}: path exists but is a file, not a directory")
    if not path.exists():
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"store at {path}: cannot create the directory ({exc.strerror or exc})"
            ) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise StoreError(f"store at {path}: permission denied (directory is not writable)")


# --------------------------------------------------------------------------- terms


def _to_rdflib(term: Any) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # a simple literal, as rdflib writes them
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
    return RdfLiteral(str(term))


def _graph_nt(graph: rdflib.Graph) -> str:
    """N-Triples is valid inside ``INSERT DATA``; it needs no prefixes and no escaping care."""
    return graph.serialize(format="nt")


def _literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def catalogue_query(name: str | None = None, graph: str | None = None) -> str:
    """The catalogue rows, all of them or only those of one file name or one graph.

    Why bound look-ups: the pipeline asks about one document at a time, and reading the whole
    catalogue for that made each ingest cost grow with the number of stored documents. The
    bound terms are written into the pattern itself, not joined from ``VALUES``: Oxigraph
    scans every graph for ``VALUES ?g {…} GRAPH ?g {…}`` but goes straight to one graph for
    ``GRAPH <g> {…}``. ``BIND`` gives the bound terms back under their usual names.
    """
    g = f"<{ox.NamedNode(graph).value}>" if graph is not None else "?g"
    n = str(ox.Literal(name)) if name is not None else "?name"
    binds = "".join(
        f" BIND({term} AS ?{var})" for term, var in ((g, "g"), (n, "name")) if term[0] != "?"
    )
    return (
        f"SELECT ?g ?name ?sha ?at WHERE {{ GRAPH {g} {{ "
        f"{g} <{CAT_NAME}> {n} ; <{CAT_SHA256}> ?sha . "
        f"OPTIONAL {{ {g} <{CAT_INGESTED}> ?at }} }}{binds} }}"
    )


def newest_entry(entries: Iterable[DocumentEntry]) -> DocumentEntry | None:
    """The entry that counts when a crashed writer on a server left an older graph behind."""
    return max(entries, key=lambda e: (e.ingested_at, e.graph), default=None)


def catalogue_rows(result: QueryResult) -> list[DocumentEntry]:
    return [
        DocumentEntry(str(r["name"]), str(r["g"]), str(r["sha"]), str(r["at"] or ""))
        for r in result
    ]


def catalogue_triples(graph_iri: str, name: str, sha256: str, ingested_at: str) -> str:
    return (
        f"<{graph_iri}> <{RDF_TYPE}> <{CAT_SOURCE_DOCUMENT}> .\n"
        f"<{graph_iri}> <{CAT_NAME}> {_literal(name)} .\n"
        f"<{graph_iri}> <{CAT_SHA256}> {_literal(sha256)} .\n"
        f"<{graph_iri}> <{CAT_INGESTED}> {_literal(ingested_at)}^^<{XSD_DATETIME}> .\n"
    )


def replace_update(drop_graphs: Iterable[str], graph_iri: str, body_nt: str) -> str:
    """One SPARQL Update request = one transaction: drop old graph(s), write the new one."""
    drops = [f"DROP SILENT GRAPH <{g}>" for g in dict.fromkeys([*drop_graphs, graph_iri])]
    return " ;\n".join([*drops, f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{body_nt}}} }}"])


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- Oxigraph


class OxigraphStore:
    """The embedded default backend (pyoxigraph on RocksDB)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.read_only = read_only
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        self._store: ox.Store | None = self._open()
        self._memory: ox.Store | None = None  # an in-memory copy answering for the files

    # -- opening

    def _open(self) -> ox.Store:
        if self.read_only:
            if self.path.exists() and not self.path.is_dir():
                raise StoreError(f"store at {self.location}: path exists but is a file")
            if not (self.path / "CURRENT").exists():
                # An empty store is a valid thing to serve: create it once, then reopen.
                _prepare_directory(self.path)
                try:
                    del_me = ox.Store(str(self.path))
                    del del_me
                except OSError as exc:
                    raise translate_os_error(self.location, exc) from exc
            return self._open_read_only()
        _prepare_directory(self.path)
        try:
            return ox.Store(str(self.path))
        except OSError as exc:
            raise translate_os_error(self.location, exc) from exc

    def _open_read_only(self) -> ox.Store:
        for attempt in range(_READ_RETRIES):
            self._fingerprint = self._disk_fingerprint()
            try:
                return ox.Store.read_only(str(self.path))
            except (OSError, RuntimeError) as exc:
                if attempt + 1 == _READ_RETRIES or not _is_transient(exc):
                    raise translate_os_error(self.location, exc) from exc
                time.sleep(_READ_RETRY_PAUSE * (attempt + 1))
        raise AssertionError("unreachable")

    def _disk_fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """The store's files, with size and time for those that change in place.

        A server asks for this on every request. RocksDB never rewrites a table file
        (``.sst``): new data arrive in new files, named by a new number, or in the log and
        the manifest, which are appended to. So the table files count by name alone, which
        spares a ``stat`` call for each of them (most of the directory).
        """
        try:
            entries = sorted(os.scandir(self.path), key=lambda e: e.name)
            return tuple(
                (e.name, 0, 0) if e.name.endswith(".sst") else _size_and_time(e)
                for e in entries
                if e.name != "LOCK" and not e.name.startswith("LOG")
            )
        except OSError:
            return ()

    def refresh(self) -> None:
        """Reopen a read-only store when another process has written since it was opened."""
        if not self.read_only:
            return
        if self._disk_fingerprint() != self._fingerprint:
            self._store = self._open()  # the new handle first: no reader ever sees None

    def serve_from_memory(self, copy: ox.Store) -> None:
        """Answer from ``copy``, an in-memory store holding exactly the quads of the files
        (see :mod:`kg.mirror`), until the next reopen goes back to the files."""
        self._memory = copy
        self._store = copy

    def pattern_reader(self) -> ox.Store | None:
        """The engine to read triple patterns from directly, when that beats a query.

        Only an in-memory copy: there a pattern costs about 3 µs against a query's fixed
        40–190 µs. On the RocksDB files each pattern decodes whole quads (35–50 µs), and a
        query, which decodes only what it returns, is faster (see kg.lineage_patterns).
        """
        store = self._store
        return store if store is not None and store is self._memory else None

    @property
    def ox(self) -> ox.Store:
        if self._store is None:
            raise StoreError(f"store at {self.location} is closed")
        return self._store

    def close(self) -> None:
        """pyoxigraph has no close(): dropping the last reference releases the RocksDB lock."""
        self._store = None

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing

    def _update(self, sparql: str) -> None:
        if self.read_only:
            raise StoreError(f"store at {self.location} is open read-only")
        try:
            # No flush after each document: at 10^6 triples every flush set off a compaction
            # of the whole store, which slowed a serving reader more than replaying the log.
            self.ox.update(sparql)
        except OSError as exc:
            raise translate_os_error(self.location, exc) from exc
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise StoreError(f"store at {self.location}: update refused: {exc}") from exc

    def replace_document(
        self, name: str, sha256: str, graph_iri: str, triples: rdflib.Graph
    ) -> None:
        """Atomically swap the graph of ``name`` (if any) for ``triples`` in ``graph_iri``."""
        drops = [e.graph for e in self.catalogue_entries(name=name)]
        body = _graph_nt(triples) + catalogue_triples(graph_iri, name, sha256, _now())
        self._update(replace_update(drops, graph_iri, body))

    def remove_document(self, name: str) -> bool:
        graphs = [e.graph for e in self.catalogue_entries(name=name)]
        if not graphs:
            return False
        self._update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        return True

    def load_reference(self, files: Iterable[Path]) -> int:
        """Replace the reference graph with the union of ``files`` (Turtle), atomically."""
        paths = sorted(Path(f) for f in files)
        triples: list[ox.Triple] = []
        for n, path in enumerate(paths):
            triples.extend(_parse_turtle_ox(path.read_bytes(), path, bnode_prefix=f"r{n}x"))
        digest = reference_digest(paths)
        triples.append(
            ox.Triple(ox.NamedNode(REFERENCE_GRAPH), ox.NamedNode(CAT_SHA256), ox.Literal(digest))
        )
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        self._update(replace_update([], REFERENCE_GRAPH, body))
        return len(triples)

    def reference_hash(self) -> str | None:
        res = self.query(
            f"SELECT ?h WHERE {{ GRAPH <{REFERENCE_GRAPH}> {{ <{REFERENCE_GRAPH}> <{CAT_SHA256}> ?h }} }}",
            default_graph_union=False,
        )
        return str(res.rows[0]["h"]) if res.rows else None

    # -- reading

    def document_graphs(self) -> dict[str, DocumentEntry]:
        return {e.name: e for e in self.catalogue_entries()}

    def catalogue_entries(
        self, *, name: str | None = None, graph: str | None = None
    ) -> list[DocumentEntry]:
        return catalogue_rows(self.query(catalogue_query(name, graph), default_graph_union=False))

    def query(self, sparql: str, *, default_graph_union: bool = True) -> QueryResult:
        for attempt in range(_READ_RETRIES):
            try:
                res = self.ox.query(sparql, use_default_graph_as_union=default_graph_union)
                return _materialise(res)
            except SyntaxError as exc:
                raise KGError(f"SPARQL syntax error: {_first_line(str(exc))}") from exc
            except (OSError, RuntimeError) as exc:
                if not (self.read_only and _is_transient(exc)) or attempt + 1 == _READ_RETRIES:
                    raise translate_os_error(self.location, exc) from exc
                time.sleep(_READ_RETRY_PAUSE * (attempt + 1))
                self._store = self._open_read_only()
        raise AssertionError("unreachable")

    def count_triples(self) -> int:
        return len(self.ox)

    def export(self, format: str) -> bytes:
        fmt = EXPORT_FORMATS.get(format)
        if fmt is None:
            raise KGError(f"unknown export format {format!r} (use {', '.join(EXPORT_FORMATS)})")
        if fmt == ox.RdfFormat.TRIG:
            from kg.vocab import PREFIXES

            return self.ox.dump(format=fmt, prefixes={k: str(v) for k, v in PREFIXES.items()})
        return self.ox.dump(format=fmt)


def _size_and_time(entry: os.DirEntry[str]) -> tuple[str, int, int]:
    info = entry.stat()
    return entry.name, info.st_size, info.st_mtime_ns


def _materialise(res: Any) -> QueryResult:
    """Copy results out of pyoxigraph so no iterator keeps the store (and its lock) alive."""
    if isinstance(res, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(res))
    if isinstance(res, ox.QuerySolutions):
        names = [v.value for v in res.variables]
        rows = [{n: _to_rdflib(sol[n]) for n in names} for sol in res]
        return QueryResult("select", variables=names, rows=rows)
    graph = rdflib.Graph()
    for t in res:
        graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    return QueryResult("graph", graph=graph)


def reference_digest(paths: Iterable[Path]) -> str:
    """Identifies a set of reference files, so unchanged reference data is not reloaded."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _parse_turtle_ox(data: bytes, path: Path | str, *, bnode_prefix: str = "") -> list[ox.Triple]:
    """Parse with pyoxigraph: fast, and its errors carry line and column."""

    def fresh(term: Any) -> Any:
        return ox.BlankNode(bnode_prefix + term.value) if isinstance(term, ox.BlankNode) else term

    try:
        return [
            ox.Triple(fresh(q.subject), q.predicate, fresh(q.object))
            for q in ox.parse(data, format=ox.RdfFormat.TURTLE)
        ]
    except SyntaxError as exc:
        raise KGError(f"{path}: Turtle syntax error: {exc}") from exc


def parse_turtle(data: bytes, path: Path | str) -> rdflib.Graph:
    """Parse Turtle into rdflib (for SHACL), failing with the file name and line."""
    graph = rdflib.Graph()
    for t in _parse_turtle_ox(data, path):
        graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    return graph


# --------------------------------------------------------------------------- opening


def resolve_spec(spec: str | None) -> str:
    return spec or os.environ.get("KG_STORE") or DEFAULT_STORE


def open_store(spec: str | None = None, *, read_only: bool = False) -> Store:
    """Open the store named by ``spec`` (a path or ``sparql+http(s)://…``), else ``$KG_STORE``, else ``var/kg``."""
    location = resolve_spec(spec)
    if location.startswith(("sparql+http://", "sparql+https://")):
        from kg.store_sparql import SparqlStore  # credentials: $KG_STORE_USER/PASSWORD

        return SparqlStore(location, read_only=read_only)
    return OxigraphStore(location, read_only=read_only)


materialise = _materialise  # public: kg.queries copies its results out the same way
