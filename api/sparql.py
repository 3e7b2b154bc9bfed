"""SPARQL 1.1 Protocol pieces: content negotiation, result writers, and a killable worker pool.

Why worker processes: the embedded engine cannot be cancelled from Python, so a runaway
query (a cartesian product, a path over the whole graph) would hold a thread and the CPU
forever. Each query runs in a separate process that opens the store read-only; the server
waits at most the time limit, then kills that process (SIGKILL), starts a replacement, and
answers 503 with a problem document. Other requests are served by the other workers.

Results are serialised inside the worker, capped at a row limit, so the server process only
moves bytes and never holds a large result in Python objects.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.mirror import Mirror

log = logging.getLogger("api.sparql")

SPARQL_RESULTS_JSON = "application/sparql-results+json"
SPARQL_RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
JSONLD = "application/ld+json"

RESULT_TYPES = [SPARQL_RESULTS_JSON, SPARQL_RESULTS_XML, CSV, TSV]
GRAPH_TYPES = [TURTLE, NTRIPLES, RDFXML, JSONLD]
ALIASES = {  # media types clients send that mean one of ours
    "application/json": SPARQL_RESULTS_JSON,
    "application/xml": SPARQL_RESULTS_XML,
    "text/xml": SPARQL_RESULTS_XML,
    "text/plain": NTRIPLES,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "application/json-ld": JSONLD,
}
FORMAT_NAMES = {  # ?format= values
    "json": SPARQL_RESULTS_JSON,
    "xml": SPARQL_RESULTS_XML,
    "csv": CSV,
    "tsv": TSV,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "ntriples": NTRIPLES,
    "nt": NTRIPLES,
    "rdfxml": RDFXML,
    "jsonld": JSONLD,
    "json-ld": JSONLD,
}
_OX_FORMATS = {
    TURTLE: ox.RdfFormat.TURTLE,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    RDFXML: ox.RdfFormat.RDF_XML,
    JSONLD: ox.RdfFormat.JSON_LD,
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# --------------------------------------------------------------------------- negotiation


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for n, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((ALIASES.get(media, media), q, n))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(m, q) for m, q, _ in ranges if q > 0]


def choose(accept: str | None, offered: list[str], format_name: str | None = None) -> str | None:
    """The media type to answer with, or None when the client accepts none of ``offered``."""
    if format_name:
        wanted = FORMAT_NAMES.get(format_name.lower(), format_name.lower())
        return wanted if wanted in offered else None
    for media, _q in parse_accept(accept):
        if media in offered:
            return media
        if media == "*/*":
            return offered[0]
        if media.endswith("/*"):
            major = media[:-1]
            match = next((o for o in offered if o.startswith(major)), None)
            if match:
                return match
    return None


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class Term:
    """A backend-neutral RDF term, so the writers serve both pyoxigraph and rdflib results."""

    kind: str  # uri | bnode | literal
    value: str
    lang: str | None = None
    datatype: str | None = None


def from_ox(term: Any) -> Term | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if term.language:
            return Term("literal", term.value, lang=term.language)
        return Term("literal", term.value, datatype=None if dt == XSD_STRING else dt)
    return Term("literal", str(term))


def from_rdflib(term: Any) -> Term | None:
    from rdflib.term import BNode, URIRef
    from rdflib.term import Literal as RdfLiteral

    if term is None:
        return None
    if isinstance(term, URIRef):
        return Term("uri", str(term))
    if isinstance(term, BNode):
        return Term("bnode", str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return Term("literal", str(term), lang=term.language)
        dt = str(term.datatype) if term.datatype is not None else None
        return Term("literal", str(term), datatype=None if dt == XSD_STRING else dt)
    return Term("literal", str(term))


def to_ox(term: Term) -> Any:
    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def nt(term: Term) -> str:
    """N-Triples / TSV form (pyoxigraph escapes literals)."""
    return str(to_ox(term))


# --------------------------------------------------------------------------- writers


@dataclass
class Table:
    """A SELECT or ASK result, already capped."""

    kind: str  # select | ask
    variables: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool | None = None


def write_json(table: Table) -> bytes:
    if table.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(table.boolean)}).encode()
    bindings = []
    for row in table.rows:
        binding: dict[str, Any] = {}
        for var, term in zip(table.variables, row, strict=True):
            if term is None:
                continue
            cell: dict[str, str] = {"type": term.kind, "value": term.value}
            if term.lang:
                cell["xml:lang"] = term.lang
            elif term.datatype:
                cell["datatype"] = term.datatype
            binding[var] = cell
        bindings.append(binding)
    body = {"head": {"vars": table.variables}, "results": {"bindings": bindings}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def write_xml(table: Table) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if table.kind == "ask":
        out.append(f"<head/><boolean>{'true' if table.boolean else 'false'}</boolean></sparql>")
        return "".join(out).encode("utf-8")
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in table.variables))
    out.append("</head><results>")
    for row in table.rows:
        out.append("<result>")
        for var, term in zip(table.variables, row, strict=True):
            if term is None:
                continue
            out.append(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out).encode("utf-8")


def _xml_term(term: Term) -> str:
    value = escape(_xml_safe(term.value))
    if term.kind == "uri":
        return f"<uri>{value}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{value}</bnode>"
    if term.lang:
        return f"<literal xml:lang={quoteattr(term.lang)}>{value}</literal>"
    if term.datatype:
        return f"<literal datatype={quoteattr(term.datatype)}>{value}</literal>"
    return f"<literal>{value}</literal>"


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in text)


def write_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if table.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if table.boolean else "false"])
        return buf.getvalue().encode("utf-8")
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow(["" if t is None else (f"_:{t.value}" if t.kind == "bnode" else t.value) for t in row])
    return buf.getvalue().encode("utf-8")


def write_tsv(table: Table) -> bytes:
    if table.kind == "ask":
        return f"?boolean\n{'true' if table.boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{v}" for v in table.variables)]
    for row in table.rows:
        lines.append("\t".join("" if t is None else nt(t) for t in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


RESULT_WRITERS = {
    SPARQL_RESULTS_JSON: write_json,
    SPARQL_RESULTS_XML: write_xml,
    CSV: write_csv,
    TSV: write_tsv,
}


def write_graph(triples: Iterable[tuple[Term, Term, Term]], media: str) -> bytes:
    from kg.vocab import PREFIXES

    items = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]
    fmt = _OX_FORMATS[media]
    if fmt == ox.RdfFormat.TURTLE:
        prefixes = {k: str(v) for k, v in PREFIXES.items()}
        return ox.serialize(items, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(items, format=fmt) or b""


# --------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class QueryJob:
    query: str
    accept: str | None = None
    format_name: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default_graph: bool = True
    row_cap: int = 10_000


@dataclass
class QueryAnswer:
    status: int  # 200, 400 (syntax), 406 (no acceptable format), 500
    media_type: str = "application/problem+json"
    body: bytes = b""
    truncated: bool = False
    rows: int = 0
    detail: str | None = None
    data_version: str = ""  # FollowedStore.data_version() of the store that answered


def _first_line(message: str, limit: int = 300) -> str:
    line = message.strip().splitlines()[0] if message.strip() else message
    return line if len(line) <= limit else line[: limit - 1] + "…"


def execute(store: Any, job: QueryJob) -> QueryAnswer:
    """Run ``job`` on an opened store (pyoxigraph natively, any other backend via .query)."""
    native = getattr(store, "ox", None)
    try:
        if isinstance(native, ox.Store):
            return _execute_ox(native, job)
        return _execute_generic(store, job)
    except SyntaxError as exc:
        return QueryAnswer(400, detail=f"SPARQL syntax error: {_first_line(str(exc))}")
    except ValueError as exc:  # a bad graph IRI, for instance
        return QueryAnswer(400, detail=_first_line(str(exc)))


def _execute_ox(store: ox.Store, job: QueryJob) -> QueryAnswer:
    kwargs: dict[str, Any] = {}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = job.union_default_graph
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    result = store.query(job.query, **kwargs)
    if isinstance(result, ox.QueryBoolean):
        return _answer_table(Table("ask", boolean=bool(result)), job)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows, truncated = _capped(
            ([from_ox(sol[n]) for n in names] for sol in result), job.row_cap
        )
        return _answer_table(Table("select", names, rows), job, truncated)
    triples, truncated = _capped(
        ((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in result),
        job.row_cap,
    )
    return _answer_graph(triples, job, truncated)  # type: ignore[arg-type]


def _execute_generic(store: Any, job: QueryJob) -> QueryAnswer:
    from kg.errors import KGError

    try:
        result = store.query(job.query, default_graph_union=job.union_default_graph)
    except KGError as exc:
        if "syntax" in str(exc).lower():
            return QueryAnswer(400, detail=str(exc))
        raise
    if result.kind == "ask":
        return _answer_table(Table("ask", boolean=bool(result.boolean)), job)
    if result.kind == "select":
        rows, truncated = _capped(
            ([from_rdflib(r.get(v)) for v in result.variables] for r in result.rows), job.row_cap
        )
        return _answer_table(Table("select", list(result.variables), rows), job, truncated)
    triples, truncated = _capped(
        ((from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in result.graph or ()),
        job.row_cap,
    )
    return _answer_graph(triples, job, truncated)  # type: ignore[arg-type]


def _capped(items: Iterator[Any], cap: int) -> tuple[list[Any], bool]:
    out = []
    for item in items:
        if len(out) >= cap:
            return out, True
        out.append(item)
    return out, False


def _not_acceptable(offered: list[str]) -> QueryAnswer:
    return QueryAnswer(406, detail="acceptable result formats: " + ", ".join(offered))


def _answer_table(table: Table, job: QueryJob, truncated: bool = False) -> QueryAnswer:
    media = choose(job.accept, RESULT_TYPES, job.format_name)
    if media is None:
        return _not_acceptable(RESULT_TYPES)
    body = RESULT_WRITERS[media](table)
    return QueryAnswer(200, media, body, truncated, len(table.rows))


def _answer_graph(
    triples: list[tuple[Term, Term, Term]], job: QueryJob, truncated: bool
) -> QueryAnswer:
    media = choose(job.accept, GRAPH_TYPES, job.format_name)
    if media is None:
        return _not_acceptable(GRAPH_TYPES)
    return QueryAnswer(200, media, write_graph(triples, media), truncated, len(triples))


# --------------------------------------------------------------------------- following the store


class FollowedStore:
    """A read-only store that follows ingests on disk without making a request wait long.

    Why: a read-only RocksDB instance replays the writer's log when it opens, and during a
    long ``kg ingest`` that log grows (measured at 10^6 triples: 0.05 s, then 1 s, then 9 s
    after a few hundred documents). Reopening on every change, in line with the request
    that noticed it, made requests time out. Here a cheap reopen (the usual case) still
    happens in line, so an ingest is visible to the next request; an expensive one runs in
    a background thread (the open releases the GIL) while requests go on with the version
    they have, and it is not repeated before ``SPACING`` times its own duration has passed,
    so following a busy writer costs at most a small share of a core.

    The Store object stays the same and is never closed in between: the new instance is
    opened first, then swapped in, so a request on another thread never finds it closed,
    and caches keyed by the Store (kg.queries) keep serving while they rebuild.

    With a :class:`kg.mirror.Mirror`, each version is also copied into memory in a
    background thread once the store has been quiet (``QUIET`` seconds, or four times what
    the last sync took to find the changes), and served from there when the copy is done; a
    reopen goes back to the files at once, so the copy never lags behind the version this
    holder follows.
    """

    INLINE = 0.5  # seconds: a reopen cheaper than this is done by the request that notices
    SPACING = 8.0  # an expensive reopen waits this many times its last duration
    QUIET = 1.0  # seconds without a newer version on disk before copying one into memory

    def __init__(self, spec: str | None, *, mirror: Mirror | None = None) -> None:
        self.spec = spec
        self._store: Any = None
        self._lock = threading.Lock()
        self._busy = False
        self._cost = 0.0
        self._done = 0.0
        self._mirror = mirror
        self._copying = False
        self._closed = False
        self.memory = "off" if mirror is None else "waiting"  # see memory_state()

    def stale(self) -> bool:
        """Cheap: is there no store yet, or is a reopen due now?"""
        store = self._store
        return store is None or (_changed_on_disk(store) and self._due())

    def current(self) -> Any:
        return self._store if self._store is not None else self.get()

    def followed(self) -> bool:
        """Is the store one this holder reopens itself (an embedded store opened
        read-only), rather than one that asks to be refreshed on every use?"""
        return _swappable(self._store)

    def get(self) -> Any:
        """The store, reopened first when that is cheap and due (see the class docstring)."""
        from kg.store import open_store

        if self._store is None:
            with self._lock:
                if self._store is None:
                    began = time.monotonic()
                    self._store = open_store(self.spec, read_only=True)
                    self._cost, self._done = time.monotonic() - began, time.monotonic()
            self._copy_later(self._store)  # outside the lock, which it takes
            return self._store
        store = self._store
        if not _swappable(store):
            store.refresh()
            return store
        if not _changed_on_disk(store) or not self._claim():
            return store
        if self._cost < self.INLINE:
            self._reopen(store)
        else:
            threading.Thread(target=self._reopen, args=(store,), daemon=True,
                             name="kg-reopen").start()
        return store

    def data_version(self) -> str:
        """Which files the store answers from ("" when unknown): the same text in every
        process that opened the same files, so answers from elsewhere can be matched."""
        store = self._store
        if store is None or not _swappable(store):
            return ""
        return hashlib.sha256(repr(store._fingerprint).encode()).hexdigest()[:16]

    def renew(self) -> None:
        """Reopen now, whatever it costs (a read failed on files the writer removed)."""
        store = self._store
        if store is not None and _swappable(store) and self._claim(force=True):
            self._reopen(store)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._store is not None:
                self._store.close()
                self._store = None

    def _due(self) -> bool:
        return not self._busy and (
            self._cost < self.INLINE or time.monotonic() - self._done >= self.SPACING * self._cost
        )

    def _claim(self, *, force: bool = False) -> bool:
        with self._lock:
            if self._busy or not (force or self._due()):
                return False
            self._busy = True
            return True

    def _reopen(self, store: Any) -> None:
        from kg.store import OxigraphStore

        began = time.monotonic()
        try:
            fresh = OxigraphStore(store.path, read_only=True)
            with self._lock:
                store._store, store._fingerprint = fresh.ox, fresh._fingerprint
            self._copy_later(store)
        except Exception:  # noqa: BLE001 - keep serving the version we have; retried later
            log.warning("could not reopen the store at %s", store.location, exc_info=True)
        finally:
            with self._lock:
                self._cost, self._done = time.monotonic() - began, time.monotonic()
                self._busy = False

    # -- the copy in memory

    def memory_state(self) -> str:
        """off (not asked for) · waiting (for a quiet moment) · copying · serving (answers
        come from memory) · too-large (more quads than allowed) · failed (see the log)."""
        return self.memory

    def _copy_later(self, store: Any) -> None:
        """Start the copying thread unless it runs already (it re-reads the version)."""
        if self._mirror is None or not _swappable(store):
            return
        with self._lock:
            if self._copying or self._closed:
                return
            self._copying = True
            if self.memory != "too-large":
                self.memory = "waiting"
        threading.Thread(target=self._copy, args=(store,), daemon=True, name="kg-mirror").start()

    def _copy(self, store: Any) -> None:
        """Copy the version ``store`` reads into memory and serve from the copy.

        Only a version that stayed the newest for ``QUIET`` seconds is copied (during a
        long ingest each copy would be stale before it is done), and a copy is swapped in
        only if ``store`` still reads the version it was made from.
        """
        mirror = self._mirror
        assert mirror is not None
        try:
            while True:
                # Quiet for longer than a sync costs to check: during an ingest with pauses
                # between documents, a copy started in each pause took a core from the
                # requests (at 10^6 triples the check alone is 0.8 s).
                time.sleep(max(self.QUIET, 4 * mirror.last.checking))
                with self._lock:
                    disk, fingerprint = store._store, store._fingerprint
                    if self._closed or disk is None or disk is mirror.memory:
                        return
                if store._disk_fingerprint() != fingerprint:
                    return  # a newer version waits on disk: the reopen will call again
                self.memory = "copying"
                memory = mirror.sync(
                    disk, cancelled=lambda fp=fingerprint: store._fingerprint != fp
                )
                with self._lock:
                    if store._store is disk and store._fingerprint == fingerprint:
                        if memory is None:
                            self.memory = "too-large"
                            return
                        store.serve_from_memory(memory)
                        self.memory = "serving"
                        log.info("serving from memory: %s", mirror.last)
                        return
        except Exception:  # noqa: BLE001 - the files keep serving; the next reopen retries
            self.memory = "failed"
            log.warning("could not copy the store into memory", exc_info=True)
        finally:
            with self._lock:
                self._copying = False


def _swappable(store: Any) -> bool:
    from kg.store import OxigraphStore

    return isinstance(store, OxigraphStore) and store.read_only


def _changed_on_disk(store: Any) -> bool:
    """Have other processes written since ``store`` was opened? (False for remote stores.)"""
    return _swappable(store) and store._disk_fingerprint() != store._fingerprint


# --------------------------------------------------------------------------- worker process


READY = "ready"


def worker_loop(spec: str | None, reader: Connection, writer: Connection) -> None:
    """Receive jobs, answer them. Opens the store read-only and follows ingests
    (:class:`FollowedStore`)."""
    followed = FollowedStore(spec)
    try:
        followed.get()
        writer.send(READY)
    except Exception as exc:  # noqa: BLE001 - reported per query below
        writer.send(f"{type(exc).__name__}: {_first_line(str(exc))}")
    while True:
        try:
            job = reader.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        job = QueryJob(**{**job, "default_graphs": tuple(job["default_graphs"]),
                          "named_graphs": tuple(job["named_graphs"])})
        try:
            answer = _execute_followed(followed, job)
            answer.data_version = followed.data_version()
        except Exception as exc:  # noqa: BLE001 - the client gets one readable line
            answer = QueryAnswer(503, detail=f"{type(exc).__name__}: {_first_line(str(exc))}")
        try:
            writer.send(asdict(answer))  # plain data: the parent's classes live elsewhere
        except (BrokenPipeError, OSError):
            return


def _execute_followed(followed: FollowedStore, job: QueryJob) -> QueryAnswer:
    """Run ``job``; once more on a reopened store if the writer removed a file under it."""
    try:
        return execute(followed.get(), job)
    except (OSError, RuntimeError) as exc:
        if not is_transient(exc):
            raise
        followed.renew()
        return execute(followed.get(), job)


def is_transient(exc: BaseException) -> bool:
    """A read failed because a writer compacted files away under the instance read from."""
    low = str(exc).lower()
    return isinstance(exc, (OSError, RuntimeError)) and ("no such file" in low or "corruption" in low)


def _worker_main(argv: list[str]) -> None:
    """Entry point of ``python -m api.sparql --worker [STORE]``: jobs on stdin, answers on
    stdout. Stray prints from libraries go to stderr so they cannot corrupt the channel."""
    spec = argv[1] if len(argv) > 1 and argv[1] else None
    out_fd = os.dup(1)
    os.dup2(2, 1)
    reader = Connection(os.dup(0), readable=True, writable=False)
    writer = Connection(out_fd, readable=False, writable=True)
    worker_loop(spec, reader, writer)


class QueryTimeout(Exception):
    """The query ran past the time limit and its worker was killed."""


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class WorkerDied(Exception):
    """The worker process ended while running the query (out of memory, crash)."""


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    send: Connection
    recv: Connection

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        for conn in (self.send, self.recv):
            with contextlib.suppress(OSError):
                conn.close()


class QueryPool:
    """A fixed number of worker processes; a killed worker is replaced at once.

    Workers are plain subprocesses (``python -m api.sparql --worker``), not forks of the
    threaded web server (a fork can inherit a held lock) and not multiprocessing children
    (which re-import the parent's main script).
    """

    def __init__(self, spec: str | None, *, size: int = 2, timeout: float = 10.0) -> None:
        self.spec = spec
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.killed = 0  # workers killed at the time limit (for tests and monitoring)

    def start(self) -> None:
        """Start the workers in the background; each joins the pool once it is ready."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._spawn_later()

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until every worker is idle (or ``timeout``); for start-up and tests."""
        if not self._started:
            self.start()
        deadline = time.monotonic() + timeout
        while self._idle.qsize() < self.size:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _spawn_later(self) -> None:
        threading.Thread(target=self._spawn_ready, daemon=True, name="kg-spawn").start()

    def _spawn_ready(self) -> None:
        if self._closed:
            return
        worker = self._spawn()
        if worker.recv.poll(60):
            try:
                worker.recv.recv()  # READY, or why the store did not open (told per query)
            except (EOFError, OSError):
                worker.kill()
                return
        if self._closed:
            worker.kill()
            return
        self._idle.put(worker)

    def _spawn(self) -> _Worker:
        process = subprocess.Popen(
            # The file itself, not ``-m api.sparql``: importing the ``api`` package would
            # load the whole web app into every worker and slow its start.
            [sys.executable, str(Path(__file__).resolve()), "--worker", self.spec or ""],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert process.stdin is not None and process.stdout is not None
        send = Connection(os.dup(process.stdin.fileno()), readable=False, writable=True)
        recv = Connection(os.dup(process.stdout.fileno()), readable=True, writable=False)
        process.stdin.close()
        process.stdout.close()
        worker = _Worker(process, send, recv)
        with self._lock:
            self._live[id(worker)] = worker
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a fresh one (in the background)."""
        with self._lock:
            self._live.pop(id(worker), None)
        worker.kill()
        threading.Thread(target=worker.process.wait, daemon=True).start()
        self._spawn_later()

    def run(self, job: QueryJob, timeout: float | None = None) -> QueryAnswer:
        """Answer ``job`` within ``timeout`` seconds or raise (see the exception classes)."""
        if not self._started:
            self.start()
        limit = self.timeout if timeout is None else timeout
        began = time.monotonic()
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty as exc:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {limit:g} s") from exc
        if worker.process.poll() is not None:
            self._replace(worker)
            raise WorkerDied("a query worker had ended; it has been replaced, please retry")
        try:
            worker.send.send(asdict(job))
            remaining = max(0.0, limit - (time.monotonic() - began))
            if not worker.recv.poll(remaining):
                self.killed += 1
                self._replace(worker)
                raise QueryTimeout(f"the query ran longer than {limit:g} s and was stopped")
            answer = QueryAnswer(**worker.recv.recv())
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError) as exc:
            self._replace(worker)
            raise WorkerDied("the query worker ended while running the query") from exc
        self._idle.put(worker)
        return answer

    def close(self) -> None:
        """Stop every worker, idle or busy (a busy one is killed)."""
        self._closed = True
        with self._lock:
            workers = list(self._live.values())
            self._live.clear()
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.send.send(None)
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(0.5)
            worker.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(1)


def default_pool_size() -> int:
    return int(os.environ.get("KG_QUERY_WORKERS", "0")) or min(4, max(2, (os.cpu_count() or 2) // 2))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--worker":
    _worker_main(sys.argv[1:])
