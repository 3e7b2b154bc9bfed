"""The remote backend: the same :class:`kg.store.Store` over a SPARQL 1.1 server.

Spec: ``sparql+http://host:port/path`` (or ``sparql+https``). The URL without ``sparql+`` is the
SPARQL query endpoint; updates go to the same URL (SPARQL 1.1 Protocol allows one endpoint for
both) unless ``KG_STORE_UPDATE_URL`` names another; large graphs are uploaded with the SPARQL 1.1
Graph Store HTTP Protocol at ``KG_STORE_GSP_URL`` (derived for Virtuoso: ``…/sparql`` →
``…/sparql-graph-crud``, ``…/sparql-auth`` → ``…/sparql-graph-crud-auth``), else with chunked
``INSERT DATA``. Credentials come from ``KG_STORE_USER`` / ``KG_STORE_PASSWORD`` and are sent
as HTTP Digest when the server challenges for it (Virtuoso's ``/sparql-auth``), else Basic.

Atomicity — what we rely on, verified against Virtuoso 7.2 (Debian bookworm):

- Virtuoso does **not** run a multi-operation update request as one transaction: when a later
  operation fails, the earlier ones of the same request stay committed. Its SPARQL parser also
  refuses an ``INSERT DATA`` of some thousands of triples ("memory exhausted").
- So a document is written in an order where every intermediate state is either invisible to
  :meth:`document_graphs` or repaired by the next writer, and the commit point is one small
  operation: the catalogue triples (``kgo:fileName``, ``kgo:sha256`` …) inserted into the new
  graph. A graph without them is not a document.

  1. small graph (≤ ``CHUNK`` triples): one request ``DROP SILENT GRAPH <new> ; INSERT DATA
     {facts + catalogue} ; DROP SILENT GRAPH <old>``. On a server with transactional requests
     (Oxigraph, Jena TDB2, RDF4J, GraphDB) that is atomic; on Virtuoso the single ``INSERT DATA``
     is, and a crash after it leaves two graphs claiming the same file, which
     :meth:`document_graphs` resolves to the newest and the next write drops.
  2. large graph: a journal entry names the new graph as pending, the facts are uploaded (GSP
     ``POST`` or ``INSERT DATA`` chunks), then one request inserts the catalogue, drops the old
     graph and clears the journal entry. A failure removes the partial graph at once; a killed
     process leaves a journal entry that the next writer uses to remove it.

  Gap: while a large document uploads (step 2), a query over the union default graph can see
  its first facts before its catalogue entry exists.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Node, URIRef
from rdflib.term import Literal as RdfLiteral

from kg.errors import KGError, StoreError
from kg.iri import BASE, ONTOLOGY
from kg.store import (
    CAT_SHA256,
    EXPORT_FORMATS,
    REFERENCE_GRAPH,
    XSD_STRING,
    DocumentEntry,
    QueryResult,
    _parse_turtle_ox,
    catalogue_query,
    catalogue_rows,
    catalogue_triples,
    reference_digest,
)

SCHEMES = ("sparql+http://", "sparql+https://")
JOURNAL_GRAPH = BASE + "journal"
PENDING = ONTOLOGY + "pendingGraph"
CHUNK = 2000  # triples per INSERT DATA; Virtuoso's parser fails somewhere under 10 000
TIMEOUT = 300.0
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
_FORM_RE = re.compile(
    r"^\s*(?:(?:#[^\n]*\n)|(?:PREFIX\s+[^:\s]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>)|(?:DEFINE\s+\S+\s+\S+)|\s+)*"
    r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)


def is_sparql_spec(spec: str) -> bool:
    return spec.startswith(SCHEMES)


def endpoint_of(spec: str) -> str:
    """``sparql+http://h:p/x`` → ``http://h:p/x`` (the query endpoint)."""
    if not is_sparql_spec(spec):
        raise StoreError(f"store {spec}: not a sparql+http(s):// URL")
    url = spec.removeprefix("sparql+")
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise StoreError(f"store {spec}: no host in the URL")
    return url


def derived_gsp_url(endpoint: str) -> str | None:
    """Virtuoso's Graph Store endpoints sit beside its SPARQL endpoints; others must be told."""
    for tail, gsp in (("/sparql-auth", "/sparql-graph-crud-auth"), ("/sparql", "/sparql-graph-crud")):
        path = urllib.parse.urlsplit(endpoint).path.rstrip("/")
        if path.endswith(tail):
            return endpoint.rstrip("/")[: -len(tail)] + gsp
    return None


# --------------------------------------------------------------------------- HTTP


@dataclass
class _Digest:
    realm: str
    nonce: str
    opaque: str | None
    qop: str | None
    algorithm: str
    count: int = 0


def _parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = header.strip().partition(" ")
    pairs = re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', rest)
    return scheme.lower(), {k: quoted or bare for k, quoted, bare in pairs}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 — RFC 7616 MD5 digest


class HttpClient:
    """Keep-alive HTTP/1.1 with Basic or Digest auth, one connection per thread.

    Why not urllib: it opens a connection per request and answers every Digest challenge
    anew (two round trips per query); reusing the connection and the server's nonce keeps a
    loopback query near one millisecond of overhead. Why not httpx: it is a test dependency.
    """

    def __init__(self, user: str | None, password: str | None, timeout: float = TIMEOUT) -> None:
        self.user = user
        self.password = password
        self.timeout = timeout
        self._local = threading.local()
        self._digest: _Digest | None = None
        self._basic = False
        self._lock = threading.Lock()
        self._all: list[http.client.HTTPConnection] = []

    def _conn(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        key = (parts.scheme, parts.hostname, parts.port)
        conns: dict[Any, http.client.HTTPConnection] = self._local.__dict__.setdefault("c", {})
        conn = conns.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = cls(parts.hostname or "", parts.port, timeout=self.timeout)
            conns[key] = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def _authorization(self, method: str, path: str) -> str | None:
        if self.user is None:
            return None
        with self._lock:
            if self._basic:
                token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
                return f"Basic {token}"
            d = self._digest
            if d is None:
                return None  # wait for the challenge: Virtuoso ignores a Basic it did not ask for
            d.count += 1
            nc = f"{d.count:08x}"
        cnonce = os.urandom(8).hex()
        ha1 = _md5(f"{self.user}:{d.realm}:{self.password or ''}")
        ha2 = _md5(f"{method}:{path}")
        if d.qop:
            response = _md5(f"{ha1}:{d.nonce}:{nc}:{cnonce}:auth:{ha2}")
            extra = f', qop="auth", nc={nc}, cnonce="{cnonce}"'
        else:
            response = _md5(f"{ha1}:{d.nonce}:{ha2}")
            extra = ""
        opaque = f', opaque="{d.opaque}"' if d.opaque else ""
        return (
            f'Digest username="{self.user}", realm="{d.realm}", nonce="{d.nonce}", uri="{path}", '
            f'algorithm="{d.algorithm}", response="{response}"{opaque}{extra}'
        )

    def _learn(self, header: str | None) -> bool:
        """Remember a Digest challenge; False when there is nothing new to try."""
        if not header or self.user is None:
            return False
        scheme, params = _parse_challenge(header)
        if scheme == "basic" and not self._basic:
            self._basic = True
            return True
        if scheme != "digest" or "nonce" not in params:
            return False
        with self._lock:
            self._digest = _Digest(
                params.get("realm", ""),
                params["nonce"],
                params.get("opaque"),
                "auth" if "auth" in params.get("qop", "").split(",") else None,
                params.get("algorithm", "MD5"),
            )
        return True

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        """One request; answers one auth challenge and survives one dropped keep-alive."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        challenges = 0
        for attempt in range(4):
            hdrs = dict(headers or {})
            auth = self._authorization(method, path)
            if auth:
                hdrs["Authorization"] = auth
            conn = self._conn(parts)
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, ConnectionError, TimeoutError, OSError) as exc:
                conn.close()
                if attempt == 0 and not isinstance(exc, TimeoutError | ConnectionRefusedError):
                    continue  # a server closes idle keep-alive connections: reconnect once
                raise StoreError(f"SPARQL server {parts.netloc}: {exc}") from exc
            if (
                resp.status == 401
                and challenges < 2  # a first challenge, then one stale nonce
                and self._learn(resp.getheader("WWW-Authenticate"))
            ):
                challenges += 1
                continue
            ctype = resp.getheader("Content-Type", "") or ""
            return resp.status, ctype, data
        raise StoreError(f"SPARQL server {parts.netloc}: authentication failed")


# --------------------------------------------------------------------------- terms


def _term(b: dict[str, str]) -> Node:
    kind, value = b["type"], b["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value.removeprefix("nodeID://"))
    lang = b.get("xml:lang")
    if lang:
        return RdfLiteral(value, lang=lang)
    datatype = b.get("datatype")
    if datatype and datatype != XSD_STRING:
        return RdfLiteral(value, datatype=URIRef(datatype))
    return RdfLiteral(value)


def _ox_to_rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return RdfLiteral(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        return RdfLiteral(term.value)
    return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))


def _rdflib_to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, RdfLiteral)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; decides what to ask the server to send back."""
    m = _FORM_RE.match(sparql)
    return m.group(1).upper() if m else "SELECT"


def parse_results(ctype: str, data: bytes) -> QueryResult:
    """SPARQL JSON results or N-Triples into the backend-neutral :class:`QueryResult`."""
    media = ctype.split(";")[0].strip().lower()
    if "json" in media and "ld+json" not in media:
        doc = json.loads(data.decode("utf-8"))
        if "boolean" in doc:
            return QueryResult("ask", boolean=bool(doc["boolean"]))
        names = list(doc.get("head", {}).get("vars", []))
        rows = [
            {n: (_term(b[n]) if n in b else None) for n in names}
            for b in doc.get("results", {}).get("bindings", [])
        ]
        return QueryResult("select", variables=names, rows=rows)
    fmt = ox.RdfFormat.TURTLE if "turtle" in media else ox.RdfFormat.N_TRIPLES
    graph = rdflib.Graph()
    for t in ox.parse(data, format=fmt):
        graph.add((_ox_to_rdflib(t.subject), _ox_to_rdflib(t.predicate), _ox_to_rdflib(t.object)))
    return QueryResult("graph", graph=graph)


def _nt_lines(graph: rdflib.Graph) -> list[str]:
    text = graph.serialize(format="nt")
    return [line + "\n" for line in text.splitlines() if line.strip()]


def _chunks(lines: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(lines), size):
        yield lines[i : i + size]


def _literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _now() -> str:
    from kg.store import _now as now

    return now()


# --------------------------------------------------------------------------- the store


class SparqlStore:
    """A :class:`kg.store.Store` on a SPARQL 1.1 server (see the module docstring)."""

    def __init__(
        self,
        spec: str,
        *,
        read_only: bool = False,
        user: str | None = None,
        password: str | None = None,
        update_url: str | None = None,
        gsp_url: str | None = None,
        chunk: int = CHUNK,
    ) -> None:
        self.location = spec
        self.read_only = read_only
        self.endpoint = endpoint_of(spec)
        self.update_url = update_url or os.environ.get("KG_STORE_UPDATE_URL") or self.endpoint
        gsp = gsp_url if gsp_url is not None else os.environ.get("KG_STORE_GSP_URL")
        self.gsp_url = gsp if gsp is not None else derived_gsp_url(self.update_url)
        self.chunk = chunk
        if user is None:
            user = os.environ.get("KG_STORE_USER") or None
            password = os.environ.get("KG_STORE_PASSWORD") if password is None else password
        self.http = HttpClient(user, password)
        self._repaired = False

    # -- plumbing

    def _post_form(self, url: str, fields: dict[str, str], accept: str) -> tuple[str, bytes]:
        body = urllib.parse.urlencode(fields).encode("utf-8")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            "Accept": accept,
        }
        status, ctype, data = self.http.request("POST", url, body, headers)
        if status >= 400:
            raise self._error(status, data)
        return ctype, data

    def _error(self, status: int, data: bytes) -> KGError:
        text = data.decode("utf-8", errors="replace").strip()
        first = text.splitlines()[0] if text else f"HTTP {status}"
        first = first if len(first) <= 300 else first[:299] + "…"
        if status in (401, 403):
            return StoreError(
                f"store {self.location}: access refused (HTTP {status}); set KG_STORE_USER "
                f"and KG_STORE_PASSWORD to an account allowed to update: {first}"
            )
        if status == 400 or "SP030" in first or "syntax" in first.lower():
            return KGError(f"SPARQL syntax error: {first}")
        return StoreError(f"store {self.location}: server error (HTTP {status}): {first}")

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise StoreError(f"store at {self.location} is open read-only")
        try:
            self._post_form(self.update_url, {"update": sparql}, "*/*")
        except KGError as exc:
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"store at {self.location}: update refused: {exc}") from exc

    def _gsp_post(self, graph_iri: str, nt: str) -> None:
        assert self.gsp_url is not None
        url = self.gsp_url + "?" + urllib.parse.urlencode({"graph": graph_iri})
        status, _ctype, data = self.http.request(
            "POST", url, nt.encode("utf-8"), {"Content-Type": N_TRIPLES}
        )
        if status >= 400:
            raise self._error(status, data)

    # -- reading

    def query(self, sparql: str, *, default_graph_union: bool = True) -> QueryResult:
        form = query_form(sparql)
        accept = f"{N_TRIPLES}, text/turtle;q=0.5" if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        # default_graph_union=False callers use GRAPH patterns only, which every server
        # answers alike. (Naming an empty default graph via default-graph-uri would also
        # hide the named graphs from GRAPH <iri> { } on Virtuoso.)
        fields = {"query": sparql}
        ctype, data = self._post_form(self.endpoint, fields, accept)
        try:
            result = parse_results(ctype, data)
            if form == "ASK" and result.kind == "select":  # Virtuoso's empty false answer
                flag = bool(result.rows) and str(next(iter(result.rows[0].values()))) in ("1", "true")
                return QueryResult("ask", boolean=flag)
            return result
        except (ValueError, SyntaxError) as exc:
            raise StoreError(f"store {self.location}: unreadable answer ({ctype}): {exc}") from exc

    def _catalogue(self) -> list[DocumentEntry]:
        return self.catalogue_entries()

    def catalogue_entries(
        self, *, name: str | None = None, graph: str | None = None
    ) -> list[DocumentEntry]:
        return catalogue_rows(self.query(catalogue_query(name, graph), default_graph_union=False))

    def document_graphs(self) -> dict[str, DocumentEntry]:
        """Name → newest entry; an older graph of the same name is a crash left-over."""
        out: dict[str, DocumentEntry] = {}
        for e in sorted(self._catalogue(), key=lambda e: (e.ingested_at, e.graph)):
            out[e.name] = e
        return out

    def reference_hash(self) -> str | None:
        res = self.query(
            f"SELECT ?h WHERE {{ GRAPH <{REFERENCE_GRAPH}> {{ <{REFERENCE_GRAPH}> <{CAT_SHA256}> ?h }} }}",
            default_graph_union=False,
        )
        return str(res.rows[0]["h"]) if res.rows else None

    def _our_graphs(self) -> list[str]:
        graphs = {e.graph for e in self._catalogue()}
        if self.reference_hash() is not None:
            graphs.add(REFERENCE_GRAPH)
        return sorted(graphs)

    def count_triples(self) -> int:
        """Triples in this project's graphs only: a server holds system graphs of its own."""
        res = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {_literal(BASE)}) && ?g != <{JOURNAL_GRAPH}>) }}",
            default_graph_union=False,
        )
        return int(str(res.rows[0]["n"])) if res.rows else 0

    def export(self, format: str) -> bytes:
        fmt = EXPORT_FORMATS.get(format)
        if fmt is None:
            raise KGError(f"unknown export format {format!r} (use {', '.join(EXPORT_FORMATS)})")
        quads: list[ox.Quad] = []
        for g in self._our_graphs():
            res = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
            graph = ox.NamedNode(g)
            quads.extend(
                ox.Quad(_rdflib_to_ox(s), _rdflib_to_ox(p), _rdflib_to_ox(o), graph)
                for s, p, o in res.graph or ()
            )
        if fmt == ox.RdfFormat.TRIG:
            from kg.vocab import PREFIXES

            return ox.serialize(quads, format=fmt, prefixes={k: str(v) for k, v in PREFIXES.items()})
        return ox.serialize(quads, format=fmt)

    # -- writing

    def repair(self) -> int:
        """Drop what an interrupted writer left: pending graphs and superseded duplicates."""
        drops: list[str] = []
        res = self.query(
            f"SELECT ?g WHERE {{ GRAPH <{JOURNAL_GRAPH}> {{ ?g <{PENDING}> ?name }} }}",
            default_graph_union=False,
        )
        pending = {str(r["g"]) for r in res}
        entries = self._catalogue()
        named = {e.graph for e in entries}
        drops.extend(g for g in pending if g not in named)
        newest = self.document_graphs()
        drops.extend(e.graph for e in entries if newest[e.name].graph != e.graph)
        ops = [f"DROP SILENT GRAPH <{g}>" for g in dict.fromkeys(drops)]
        if pending:
            ops.append(f"DROP SILENT GRAPH <{JOURNAL_GRAPH}>")
        if ops:
            self.update(" ;\n".join(ops))
        self._repaired = True
        return len(drops)

    def _write_graph(
        self, graph_iri: str, lines: list[str], commit_nt: str, drops: list[str], pending: str
    ) -> None:
        """Write ``lines`` then ``commit_nt`` into ``graph_iri``; see the module docstring."""
        drop_ops = [f"DROP SILENT GRAPH <{g}>" for g in dict.fromkeys(drops) if g != graph_iri]
        if len(lines) + commit_nt.count("\n") <= self.chunk:
            body = "".join(lines) + commit_nt
            ops = [
                f"DROP SILENT GRAPH <{graph_iri}>",
                f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{body}}} }}",
                *drop_ops,
            ]
            self.update(" ;\n".join(ops))
            return
        entry = f"<{graph_iri}> <{PENDING}> {_literal(pending)} ."
        self.update(
            f"DROP SILENT GRAPH <{graph_iri}> ;\n"
            f"INSERT DATA {{ GRAPH <{JOURNAL_GRAPH}> {{ {entry} }} }}"
        )
        try:
            if self.gsp_url:
                self._gsp_post(graph_iri, "".join(lines))
            else:
                for part in _chunks(lines, self.chunk):
                    self.update(f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{''.join(part)}}} }}")
            self.update(
                " ;\n".join(
                    [
                        f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{commit_nt}}} }}",
                        *drop_ops,
                        f"DELETE DATA {{ GRAPH <{JOURNAL_GRAPH}> {{ {entry} }} }}",
                    ]
                )
            )
        except BaseException:
            # If this fails too, the journal entry stays and the next repair() drops the graph.
            with contextlib.suppress(KGError):
                self.update(
                    f"DROP SILENT GRAPH <{graph_iri}> ;\n"
                    f"DELETE DATA {{ GRAPH <{JOURNAL_GRAPH}> {{ {entry} }} }}"
                )
            raise

    def replace_document(
        self, name: str, sha256: str, graph_iri: str, triples: rdflib.Graph
    ) -> None:
        """Swap the graph of ``name`` (if any) for ``triples`` in ``graph_iri``."""
        if self.read_only:
            raise StoreError(f"store at {self.location} is open read-only")
        if not self._repaired:
            self.repair()
        old = [e.graph for e in self.catalogue_entries(name=name)]
        commit = catalogue_triples(graph_iri, name, sha256, _now())
        self._write_graph(graph_iri, _nt_lines(triples), commit, old, name)

    def remove_document(self, name: str) -> bool:
        graphs = [e.graph for e in self.catalogue_entries(name=name)]
        if not graphs:
            return False
        self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        return True

    def load_reference(self, files: Iterable[Path]) -> int:
        """Replace the reference graph; its hash triple, written last, marks it complete."""
        paths = sorted(Path(f) for f in files)
        triples: list[ox.Triple] = []
        for n, path in enumerate(paths):
            triples.extend(_parse_turtle_ox(path.read_bytes(), path, bnode_prefix=f"r{n}x"))
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        lines = [line + "\n" for line in body.splitlines() if line.strip()]
        commit = f"<{REFERENCE_GRAPH}> <{CAT_SHA256}> {_literal(reference_digest(paths))} .\n"
        self._write_graph(REFERENCE_GRAPH, lines, commit, [REFERENCE_GRAPH], "reference")
        return len(triples) + 1

    def refresh(self) -> None:
        """Nothing to reopen: every query goes to the server and sees what is committed."""

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SparqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_until_ready(store: SparqlStore, seconds: float = 60.0) -> None:
    """Poll the query endpoint until it answers (a server that just started)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            store.query("ASK { }")
            return
        except KGError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
