"""The FastAPI application: SPARQL 1.1 Protocol, lineage, resources, named questions.

Safety defaults (each can be loosened only by whoever starts the server): the store is opened
read-only, SPARQL Update is refused unless writes are enabled *and* the request carries the
configured token, CORS sends no headers unless origins are configured, bodies and URLs have
size limits, and every ``/sparql`` query runs in a killable worker process with a time limit
and a row cap. Errors are RFC 9457 problem documents.

Settings (arguments of :func:`create_app`, else environment):
``KG_QUERY_TIMEOUT`` (s, default 10), ``KG_ROW_CAP`` (10000), ``KG_QUERY_WORKERS``,
``KG_ALLOW_WRITES`` (1 to enable), ``KG_WRITE_TOKEN``, ``KG_CORS_ORIGINS`` (comma-separated),
``KG_MAX_BODY`` (bytes, 1 MiB), ``KG_MAX_URL`` (bytes, 16 KiB).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import models as m
from api.problems import ProblemError, SizeLimit, problem_responses
from api.problems import install as install_problems
from api.sparql import (
    GRAPH_TYPES,
    FollowedStore,
    PoolBusy,
    QueryAnswer,
    QueryJob,
    QueryPool,
    QueryTimeout,
    WorkerDied,
    choose,
    default_pool_size,
    is_transient,
)
from kg import iri as kiri
from kg.errors import KGError
from kg.lineage import DEFAULT_LIMIT, MAX_LIMIT
from kg.mirror import DEFAULT_MAX_QUADS, Mirror, changes_mark_update
from kg.store import Store, open_store, resolve_spec

log = logging.getLogger("api.app")

SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"
BASE = kiri.BASE

_UPDATE_KEYWORDS = re.compile(
    r"^(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)
_PROLOGUE = re.compile(
    r"^\s*(?:(?:#[^\n]*(?:\n|$))|(?:PREFIX\s+[^:\s]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>)|\s+)*",
    re.IGNORECASE,
)


def is_update(text: str) -> bool:
    """True for SPARQL Update requests (the first keyword after the prologue)."""
    body = _PROLOGUE.sub("", text, count=1)
    return bool(_UPDATE_KEYWORDS.match(body.lstrip()))


# --------------------------------------------------------------------------- settings


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


_TRIES = 3  # answers tried on a freshly opened store after a vanished file


class Settings:
    """Resolved once per app; arguments win over the environment."""

    def __init__(
        self,
        *,
        query_timeout: float | None,
        row_cap: int | None,
        workers: int | None,
        allow_writes: bool | None,
        write_token: str | None,
        cors_origins: list[str] | None,
        max_body: int | None,
        max_url: int | None,
        memory_quads: int | None = None,
    ) -> None:
        self.query_timeout = query_timeout or _env_float("KG_QUERY_TIMEOUT", 10.0)
        self.row_cap = row_cap or _env_int("KG_ROW_CAP", 10_000)
        self.workers = workers or default_pool_size()
        env_writes = os.environ.get("KG_ALLOW_WRITES", "").lower() in ("1", "true", "yes")
        self.allow_writes = env_writes if allow_writes is None else allow_writes
        self.write_token = write_token or os.environ.get("KG_WRITE_TOKEN") or None
        env_cors = [o.strip() for o in os.environ.get("KG_CORS_ORIGINS", "").split(",")]
        self.cors_origins = cors_origins if cors_origins is not None else [o for o in env_cors if o]
        self.max_body = max_body or _env_int("KG_MAX_BODY", 1 << 20)
        self.max_url = max_url or _env_int("KG_MAX_URL", 16 << 10)
        # Serve from an in-memory copy of a store of up to this many quads (0: never).
        self.memory_quads = (
            memory_quads if memory_quads is not None
            else _env_int("KG_MEMORY_QUADS", DEFAULT_MAX_QUADS)
        )


# --------------------------------------------------------------------------- store access


async def get_store(request: Request) -> Store:
    """The request's store; 503 when it cannot be opened (the message says why).

    Async, with a worker thread only when there is something to open: as a plain function
    FastAPI ran it in a thread of its own for every request, which cost an uncached
    lineage look-up about 4 ms of its 12 (a thread hand-off behind the GIL).
    """
    holder = request.app.state.store_holder
    try:
        if holder.stale() or not holder.followed():
            return await run_in_threadpool(holder.get)
        return holder.current()
    except KGError as exc:
        raise ProblemError(503, str(exc), kind="store-unavailable") from exc


StoreDep = Annotated[Store, Depends(get_store)]


# --------------------------------------------------------------------------- response cache

_CACHED_PATHS = ("/api/", "/sparql")
NO_CACHE = "kg.no-cache"  # set in a request's scope when its answer must not be kept


def _cache_key(scope: Scope) -> tuple[str, ...] | None:
    """What a GET answer depends on besides the data: path, parameters (in any order),
    Accept and Host (the service description names the endpoint). None: do not cache."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    if not scope["path"].startswith(_CACHED_PATHS):
        return None
    headers = dict(scope.get("headers") or ())
    if b"authorization" in headers or b"cookie" in headers:
        return None
    params = b"&".join(sorted(scope.get("query_string", b"").split(b"&")))
    return (
        scope["path"],
        params.decode("latin-1"),
        headers.get(b"accept", b"").decode("latin-1"),
        headers.get(b"host", b"").decode("latin-1"),
    )


class ResponseCache:
    """Answers to repeated GETs of the API and the SPARQL endpoint, per store version.

    Why: the same look-ups (a popular directive's lineage, a search, an example query)
    arrive again and again, and their answers can only change when the data does. An
    answer is kept under the store's version (the files on disk when it was opened), and
    the whole cache is dropped as soon as the server follows a newer version
    (:class:`api.sparql.FollowedStore`), so a cached answer is never older than what an
    uncached one would read. A SPARQL answer is kept only when the worker process that
    computed it read the same version. Only 200 answers are kept, within an entry and a
    total size limit, least recently used out first. A remote store has no cheap version,
    so nothing is cached for it.

    Requests that arrive while the same answer is being computed wait for it instead of
    computing it again: after an ingest (or at start) many clients ask for the same popular
    look-ups at once, and each duplicate used to queue its own cold computation behind the
    others on the same cores (at 10^6 triples with 32 clients, a p50 of 190 ms for the
    first half minute).

    It also retries a read once on a freshly opened store when the one it used lost a
    file to a concurrent writer's compaction.
    """

    def __init__(
        self,
        app: ASGIApp,
        holder: FollowedStore,
        *,
        max_bytes: int = 64 << 20,
        max_entry: int = 8 << 20,
        max_entries: int = 2048,
    ) -> None:
        self.app = app
        self.holder = holder
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, ...], tuple[list[Message], int]] = OrderedDict()
        self._version: Any = None
        self._bytes = 0
        self._underway: dict[tuple[Any, tuple[str, ...]], asyncio.Future[list[Message] | None]] = {}
        self.hits = 0  # for tests and monitoring
        self.shared = 0  # answers handed to requests that came while they were computed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _cache_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        version = await self._version_now()
        hit = self._lookup(version, key)
        if hit is None and version is not None and (version, key) in self._underway:
            hit = await asyncio.shield(self._underway[(version, key)])
            self.shared += hit is not None
        elif hit is not None:
            self.hits += 1
        if hit is not None:
            for message in hit:
                await send(message)
            return
        messages = await self._answer_once(version, key, scope, receive)
        for message in messages:
            await send(message)

    async def _answer_once(
        self, version: Any, key: tuple[str, ...], scope: Scope, receive: Receive
    ) -> list[Message]:
        """Compute an answer, kept for later requests and handed to those waiting for it
        (a failure or an answer that may not be kept makes them compute their own)."""
        underway: asyncio.Future[list[Message] | None] | None = None
        if version is not None:
            underway = asyncio.get_running_loop().create_future()
            self._underway[(version, key)] = underway
        messages: list[Message] | None = None
        try:
            messages = await self._answer(scope, receive)
            if not scope.get(NO_CACHE):
                self._keep(version, key, messages)
            return messages
        finally:
            if underway is not None:
                if self._underway.get((version, key)) is underway:
                    del self._underway[(version, key)]
                shareable = messages and messages[0].get("status") == 200 and not scope.get(NO_CACHE)
                underway.set_result(messages if shareable else None)

    async def _version_now(self) -> Any:
        from kg.queries import store_version

        try:
            if self.holder.stale():
                store = await run_in_threadpool(self.holder.get)
            else:
                store = self.holder.current()
        except KGError:
            return None  # the route itself answers 503 with the reason
        return store_version(store)

    async def _answer(self, scope: Scope, receive: Receive) -> list[Message]:
        """The app's whole answer, retried on a fresh store after a transient failure.

        Up to three tries: while an ingest is writing, RocksDB compactions can remove files
        again between the reopen and the retry.
        """
        last = _TRIES - 1
        messages: list[Message] = []
        for attempt in range(_TRIES):
            messages = []
            try:
                await self.app(scope, receive, _collector(messages))
            except Exception as exc:
                if attempt == last or messages or not is_transient(exc):
                    raise
                await run_in_threadpool(self.holder.renew)
                continue
            if attempt < last and _store_failed(messages):
                await run_in_threadpool(self.holder.renew)
                continue
            return messages
        return messages

    def _lookup(self, version: Any, key: tuple[str, ...]) -> list[Message] | None:
        if version is None:
            return None
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version
            return None
        hit = self._entries.get(key)
        if hit is None:
            return None
        self._entries.move_to_end(key)
        return hit[0]

    def _keep(self, version: Any, key: tuple[str, ...], messages: list[Message]) -> None:
        if version is None or version != self._version or not messages:
            return
        if messages[0].get("status") != 200:
            return
        size = sum(len(m.get("body", b"")) for m in messages)
        if size > self.max_entry:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._entries[key] = (messages, size)
        self._bytes += size
        while self._entries and (
            self._bytes > self.max_bytes or len(self._entries) > self.max_entries
        ):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped


def _collector(messages: list[Message]) -> Send:
    async def collect(message: Message) -> None:
        messages.append(message)

    return collect


def _store_failed(messages: list[Message]) -> bool:
    """A 503 store-error answer (the store vanished under the request): worth one retry."""
    if not messages or messages[0].get("status") != 503:
        return False
    return any(b"/problems/store-error" in m.get("body", b"") for m in messages[1:])


# --------------------------------------------------------------------------- small helpers


def _s(term: Any) -> str | None:
    return None if term is None else str(term)


def _int(term: Any) -> int | None:
    try:
        return None if term is None else int(str(term))
    except ValueError:
        return None


def _float(term: Any) -> float | None:
    try:
        return None if term is None else float(str(term))
    except ValueError:
        return None


def _bool(term: Any) -> bool | None:
    return None if term is None else str(term).lower() in ("true", "1")


def _checked_iri(value: str, what: str) -> str:
    """A user-supplied IRI, or 404: it must be one this graph can hold."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ProblemError(404, f"no {what} {value!r}", kind="not-found") from exc
    if not value.startswith(("http://", "https://")) or any(c in value for c in "<>\"{}|^`\\ "):
        raise ProblemError(404, f"no {what} {value!r}", kind="not-found")
    return value


def _values(iris: list[str] | set[str]) -> str:
    import pyoxigraph as ox

    return " ".join(str(ox.NamedNode(i)) for i in sorted(set(iris)))


def _q(store: Store, sparql: str) -> list[dict[str, Any]]:
    from kg.lineage import PREFIXES
    from kg.queries import select_plain

    return select_plain(store, PREFIXES + sparql)


def instrument_id(iri: str) -> str:
    prefix = BASE + "instrument/"
    if iri.startswith(prefix):
        return iri[len(prefix) :]
    return iri[len(BASE) :] if iri.startswith(BASE) else iri


def instrument_iri(ident: str) -> str:
    if ident.startswith(("http://", "https://")):
        return _checked_iri(ident, "instrument")
    if ident.startswith("document/"):
        return _checked_iri(BASE + ident, "instrument")
    return _checked_iri(BASE + "instrument/" + ident, "instrument")


def activity_id(iri: str) -> str:
    match = re.match(re.escape(BASE) + r"document/([^/]+)/activity/(.+)$", iri)
    return f"{match.group(1)}/{match.group(2)}" if match else iri


def body_id(iri: str) -> str:
    return iri[len(BASE + "body/") :] if iri.startswith(BASE + "body/") else iri


def document_id(iri: str) -> str:
    return iri[len(BASE + "document/") :] if iri.startswith(BASE + "document/") else iri


def _evidence_models(refs: list[Any]) -> list[m.EvidenceModel]:
    return [m.EvidenceModel.model_validate(r, from_attributes=True) for r in refs]


def _instrument_ref(store: Store, iris: list[str]) -> dict[str, m.InstrumentRef]:
    if not iris:
        return {}
    rows = _describe(store, f"VALUES ?i {{ {_values(iris)} }}")
    out = {
        str(r["i"]): m.InstrumentRef(
            id=instrument_id(str(r["i"])),
            iri=str(r["i"]),
            notation=_s(r["notation"]),
            label=_s(r["label"]) or _s(r["notation"]) or str(r["i"]),
            local=_bool(r["local"]),
            jurisdiction=_s(r["jur"]),
            year=_int(r["year"]),
        )
        for r in rows
    }
    for i in iris:
        out.setdefault(i, m.InstrumentRef(id=instrument_id(i), iri=i, label=i))
    return out


def _resolve_instrument(
    store: Store, ref: str, province: str | None = None, year: int | None = None
) -> str:
    """A notation or IRI → one instrument IRI; 404 if none, 409 with candidates if several."""
    from kg.lineage import find_instruments, is_iri

    if is_iri(ref):
        return _checked_iri(ref, "instrument")
    candidates = find_instruments(store, ref, province=province, year=year)
    if not candidates:
        raise ProblemError(404, f"no instrument with notation {ref!r}", kind="not-found")
    if len(candidates) > 1:
        raise ProblemError(
            409,
            f"{ref} names {len(candidates)} instruments; pass one of their IRIs, or province/year",
            kind="ambiguous-notation",
            title="Ambiguous notation",
            extra={"candidates": [c.__dict__ for c in candidates]},
        )
    return candidates[0].iri


def _place_iri(province: str) -> str:
    if province.startswith(("http://", "https://")):
        return _checked_iri(province, "province")
    return kiri.place(province)


# --------------------------------------------------------------------------- SPARQL


def _answer_response(answer: QueryAnswer) -> Response:
    if answer.status != 200:
        kind = {400: "bad-query", 406: "not-acceptable"}.get(answer.status, "query-failed")
        raise ProblemError(answer.status, answer.detail or "query failed", kind=kind)
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers["KG-Result-Truncated"] = f"rows capped at {answer.rows}"
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _service_description(request: Request, settings: Settings) -> Response:
    """SPARQL 1.1 Service Description of this endpoint."""
    import pyoxigraph as ox

    from api.sparql import RESULT_TYPES, write_graph

    sd = "http://www.w3.org/ns/sparql-service-description#"
    fmt = "http://www.w3.org/ns/formats/"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    endpoint = str(request.url.replace(query=""))
    svc = ox.BlankNode("service")
    triples = [
        (svc, ox.NamedNode(rdf_type), ox.NamedNode(sd + "Service")),
        (svc, ox.NamedNode(sd + "endpoint"), ox.NamedNode(endpoint)),
        (svc, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")),
        (svc, ox.NamedNode(sd + "feature"), ox.NamedNode(sd + "UnionDefaultGraph")),
    ]
    if settings.allow_writes:
        triples.append(
            (svc, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Update"))
        )
    names = {
        "application/sparql-results+json": "SPARQL_Results_JSON",
        "application/sparql-results+xml": "SPARQL_Results_XML",
        "text/csv": "SPARQL_Results_CSV",
        "text/tab-separated-values": "SPARQL_Results_TSV",
        "text/turtle": "Turtle",
        "application/n-triples": "N-Triples",
        "application/rdf+xml": "RDF_XML",
        "application/ld+json": "JSON-LD",
    }
    for media in [*RESULT_TYPES, *GRAPH_TYPES]:
        triples.append((svc, ox.NamedNode(sd + "resultFormat"), ox.NamedNode(fmt + names[media])))
    media = choose(request.headers.get("accept"), GRAPH_TYPES, request.query_params.get("format"))
    media = media or "text/turtle"
    from api.sparql import from_ox

    body = write_graph([(from_ox(s), from_ox(p), from_ox(o)) for s, p, o in triples], media)  # type: ignore[misc]
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def _check_write(request: Request, settings: Settings) -> None:
    if not settings.allow_writes:
        raise ProblemError(
            403, "this endpoint is read-only: SPARQL Update is refused", kind="read-only"
        )
    given = request.headers.get("authorization", "")
    token = given[7:].strip() if given.lower().startswith("bearer ") else ""
    if not settings.write_token or not hmac.compare_digest(
        token.encode(), settings.write_token.encode()
    ):
        raise ProblemError(
            403, "SPARQL Update needs the configured write token", kind="write-token-required"
        )


def _apply_update(spec: str | None, text: str) -> None:
    """Open the store for writing only for the time of one update (ingests can run between)."""
    store = open_store(spec, read_only=False)
    try:
        native = getattr(store, "ox", None)
        if native is None:
            raise ProblemError(501, "updates are only supported on the embedded store")
        try:
            native.update(_marked(text))
        except SyntaxError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else str(exc)
            raise ProblemError(400, f"SPARQL syntax error: {first}", kind="bad-query") from exc
    finally:
        store.close()


def _marked(text: str) -> str:
    """``text`` followed by the update that tells servers' in-memory copies to start again
    (:mod:`kg.mirror`): an arbitrary update can touch any graph without changing a stamp."""
    body = text.rstrip()
    body = body[:-1] if body.endswith(";") else body
    now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return f"{body}\n;\n{changes_mark_update(now)}"


# --------------------------------------------------------------------------- app


def create_app(
    store_spec: str | None = None,
    *,
    query_timeout: float | None = None,
    row_cap: int | None = None,
    workers: int | None = None,
    allow_writes: bool | None = None,
    write_token: str | None = None,
    cors_origins: list[str] | None = None,
    max_body: int | None = None,
    max_url: int | None = None,
    memory_quads: int | None = None,
) -> FastAPI:
    """Build the app around one store (path, else $KG_STORE, else var/kg)."""
    settings = Settings(
        query_timeout=query_timeout,
        row_cap=row_cap,
        workers=workers,
        allow_writes=allow_writes,
        write_token=write_token,
        cors_origins=cors_origins,
        max_body=max_body,
        max_url=max_url,
        memory_quads=memory_quads,
    )
    mirror = Mirror(settings.memory_quads) if settings.memory_quads > 0 else None
    holder = FollowedStore(store_spec, mirror=mirror)
    pool = QueryPool(store_spec, size=settings.workers, timeout=settings.query_timeout)
    app = FastAPI(
        title="pctp-kg",
        version="0.1.0",
        description=(
            "Lineage knowledge graph of Vietnamese crime-prevention policy documents: "
            "a SPARQL 1.1 endpoint (read-only), lineage look-ups with evidence, resources "
            "and named questions. Errors are RFC 9457 problem details."
        ),
    )
    app.state.store_holder = holder
    app.state.query_pool = pool
    app.state.settings = settings
    app.router.add_event_handler("startup", pool.start)
    app.router.add_event_handler("startup", lambda: _warm_in_background(holder))
    app.router.add_event_handler("shutdown", holder.close)
    app.router.add_event_handler("shutdown", pool.close)
    install_problems(app)
    app.add_middleware(ResponseCache, holder=holder)  # inside CORS: its headers vary by Origin
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept"],
        )
    app.add_middleware(SizeLimit, max_body=settings.max_body, max_query=settings.max_url)

    _install_health(app, store_spec, holder)
    _install_sparql(app, store_spec, settings, pool)
    _install_lineage(app)
    _install_resources(app)
    _install_questions(app)

    try:
        from api import pages
    except ImportError:
        pages = None  # type: ignore[assignment]
    if pages is not None:
        pages.install(app)
    return app


def _install_health(app: FastAPI, store_spec: str | None, holder: FollowedStore) -> None:
    @app.get("/healthz", response_model=m.Health, responses={503: {"model": m.Health}})
    def healthz() -> Any:
        from kg.lineage import store_stats

        location = resolve_spec(store_spec)
        try:
            counts = store_stats(holder.get())
        except KGError as exc:
            body = m.Health(status="error", store=location, error=str(exc))
            return JSONResponse(body.model_dump(), status_code=503)
        return m.Health(
            status="ok", store=location, counts=m.StoreCounts(**counts),
            memory=holder.memory_state(),
        )

    @app.get("/ontology", summary="The ontology, as a page", response_class=Response)
    def ontology() -> Response:
        try:
            from kg.ontology_page import render_ontology_html
        except ImportError as exc:
            raise ProblemError(503, "the ontology page is not available in this build") from exc
        return Response(render_ontology_html(), media_type="text/html")


_SPARQL_DOC = (
    "SPARQL 1.1 Protocol. Without `query`, answers with the service description. "
    "SELECT/ASK: JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE: Turtle, N-Triples, RDF/XML, "
    "JSON-LD (Accept header or `format=`). The default graph is the union of all graphs "
    "unless `default-graph-uri` is given. Time limit and row cap apply; results past the "
    "cap are cut and flagged with the `KG-Result-Truncated` header."
)
_SPARQL_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results",
        "content": {
            t: {}
            for t in [
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
                *GRAPH_TYPES,
            ]
        },
    },
    **problem_responses(400, 403, 406, 413, 414, 415, 503),
}


def _install_sparql(
    app: FastAPI, store_spec: str | None, settings: Settings, pool: QueryPool
) -> None:
    async def dispatch(
        request: Request,
        query: str | None,
        update: str | None,
        default_graphs: list[str],
        named_graphs: list[str],
    ) -> Response:
        if update is not None:
            _check_write(request, settings)
            await run_in_threadpool(_apply_update, store_spec, update)
            return Response(status_code=204)
        if query is None:
            return _service_description(request, settings)
        if not query.strip():
            raise ProblemError(400, "empty SPARQL query", kind="bad-query")
        if is_update(query):
            raise ProblemError(
                403, "this endpoint is read-only: SPARQL Update is refused", kind="read-only"
            )
        for g in [*default_graphs, *named_graphs]:
            _checked_iri(g, "graph")
        job = QueryJob(
            query=query,
            accept=request.headers.get("accept"),
            format_name=request.query_params.get("format"),
            default_graphs=tuple(default_graphs),
            named_graphs=tuple(named_graphs),
            row_cap=settings.row_cap,
        )
        known = request.app.state.store_holder.data_version()
        try:
            answer = await run_in_threadpool(pool.run, job)
        except QueryTimeout as exc:
            raise ProblemError(
                503, str(exc), kind="query-timeout", title="Query time limit exceeded",
                headers={"Retry-After": "1"},
            ) from exc
        except PoolBusy as exc:
            raise ProblemError(
                503, str(exc), kind="busy", title="Server busy", headers={"Retry-After": "1"}
            ) from exc
        except WorkerDied as exc:
            raise ProblemError(503, str(exc), kind="query-failed") from exc
        if not known or answer.data_version != known:
            request.scope[NO_CACHE] = True  # the worker answered from other data than ours
        return _answer_response(answer)

    @app.get(
        "/sparql",
        summary="SPARQL 1.1 query (GET), or the service description without a query",
        description=_SPARQL_DOC,
        responses=_SPARQL_RESPONSES,
        response_class=Response,
    )
    async def sparql_get(
        request: Request,
        query: Annotated[str | None, Query(description="SPARQL query")] = None,
        default_graph_uri: Annotated[
            list[str], Query(alias="default-graph-uri", description="Default graph(s)")
        ] = [],  # noqa: B006 - FastAPI copies defaults
        named_graph_uri: Annotated[
            list[str], Query(alias="named-graph-uri", description="Named graph(s)")
        ] = [],  # noqa: B006
        format: Annotated[
            str | None, Query(description="Result format instead of Accept: json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld")
        ] = None,
    ) -> Response:
        if "update" in request.query_params:
            raise ProblemError(
                403, "SPARQL Update is only accepted by POST (and is off unless enabled)",
                kind="read-only",
            )
        return await dispatch(request, query, None, default_graph_uri, named_graph_uri)

    @app.post(
        "/sparql",
        summary="SPARQL 1.1 query (POST form or application/sparql-query); update if enabled",
        description=_SPARQL_DOC,
        responses=_SPARQL_RESPONSES,
        response_class=Response,
        openapi_extra={
            "requestBody": {
                "content": {
                    FORM: {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "query": {"type": "string"},
                                "update": {"type": "string"},
                                "default-graph-uri": {"type": "string"},
                                "named-graph-uri": {"type": "string"},
                            },
                        }
                    },
                    SPARQL_QUERY: {"schema": {"type": "string"}},
                    SPARQL_UPDATE: {"schema": {"type": "string"}},
                }
            }
        },
    )
    async def sparql_post(request: Request) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        params = request.query_params
        defaults = params.getlist("default-graph-uri")
        named = params.getlist("named-graph-uri")
        if media in (SPARQL_QUERY, SPARQL_UPDATE):
            raw = await request.body()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ProblemError(400, "the body is not UTF-8", kind="bad-query") from exc
            if media == SPARQL_UPDATE:
                return await dispatch(request, None, text, [], [])
            return await dispatch(request, text, None, defaults, named)
        if media in (FORM, "multipart/form-data"):
            form = await request.form()
            update = form.get("update")
            if isinstance(update, str):
                return await dispatch(request, None, update, [], [])
            query = form.get("query")
            defaults += [v for v in form.getlist("default-graph-uri") if isinstance(v, str)]
            named += [v for v in form.getlist("named-graph-uri") if isinstance(v, str)]
            if not isinstance(query, str):
                raise ProblemError(400, "missing form field 'query'", kind="bad-query")
            return await dispatch(request, query, None, defaults, named)
        raise ProblemError(
            415, f"send {SPARQL_QUERY} or {FORM} (got {media or 'no content type'})"
        )


# --------------------------------------------------------------------------- lineage


_TREE_TYPES = ["application/json", "text/turtle", "application/ld+json"]
_TREE_FORMATS = {"json": "application/json", "turtle": "text/turtle", "jsonld": "application/ld+json"}


def _install_lineage(app: FastAPI) -> None:
    @app.get(
        "/api/lineage/{notation:path}",
        response_model=m.LineageResponse,
        responses={
            200: {"content": {"text/turtle": {}, "application/ld+json": {}}},
            **problem_responses(404, 406, 422),
        },
        summary="Lineage of an instrument (down by default) or of an activity (up)",
        description=(
            "Downstream: the instruments implementing it (recursively), the activities they "
            "drove, the bodies that carried them out and the observations that resulted, "
            "each with evidence. `direction=up`: the chain above, up to central directives; "
            "an activity IRI in place of the notation gives the chain above that activity. "
            "A local notation naming several instruments answers with `candidates` and a "
            "`hint` (narrow with `province`, `year` or `iri`). Each node shows at most "
            "`limit` children (default 100, at most 5000); its `truncated` says how many "
            "more it has (Turtle/JSON-LD: `kgo:omittedChildren`), so a national directive "
            "with thousands of descendants answers quickly: ask again with a larger `limit` "
            "or from the child of interest. JSON by default; Turtle or JSON-LD via Accept or "
            "`format`."
        ),
    )
    async def api_lineage(
        request: Request,
        store: StoreDep,
        notation: Annotated[str, Path(max_length=2000)],
        direction: Literal["down", "up"] = "down",
        depth: Annotated[int, Query(ge=0, le=20)] = 5,
        province: Annotated[str | None, Query(max_length=200)] = None,
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        iri: Annotated[
            str | None,
            Query(max_length=2000, description="Pick one instrument when the notation names several"),
        ] = None,
        limit: Annotated[
            int,
            Query(
                ge=1,
                le=MAX_LIMIT,
                description="Children shown per node; the rest are counted in `truncated`",
            ),
        ] = DEFAULT_LIMIT,
        format: Literal["json", "turtle", "jsonld"] | None = None,
    ) -> Any:
        from kg.lineage import NotationNotFound, lineage, tree_graph

        media = choose(
            request.headers.get("accept"), _TREE_TYPES, _TREE_FORMATS.get(format or "")
        )
        if media is None:
            raise ProblemError(406, "answers are JSON, Turtle or JSON-LD", kind="not-acceptable")
        if iri is not None:
            _checked_iri(iri, "instrument")
        if notation.startswith(("http://", "https://")):
            _checked_iri(notation, "instrument or activity")

        def answer() -> Response:
            """The whole answer in one worker thread: a plain endpoint made FastAPI hand
            over to a thread for the look-up and again to check the returned model."""
            try:
                tree = lineage(
                    store,
                    notation,
                    direction=direction,
                    depth=depth,
                    iri=iri,
                    province=province,
                    year=year,
                    limit=limit,
                )
            except NotationNotFound as exc:
                raise ProblemError(404, str(exc), kind="not-found") from exc
            if media == "application/json":
                # The same JSON as the model's dump (tests/test_api_basic.py checks).
                return JSONResponse(tree.to_json())
            graph = tree_graph(tree)
            fmt = "turtle" if media == "text/turtle" else "json-ld"
            return Response(
                graph.serialize(format=fmt), media_type=media, headers={"Vary": "Accept"}
            )

        return await run_in_threadpool(answer)


# --------------------------------------------------------------------------- resources


_DESCRIBE = {
    "notation": "eli:id_local",
    "label": "rdfs:label",
    "type": "kgo:typeName",
    "tcode": "eli:type_document",
    "local": "kgo:isLocal",
    "year": "kgo:year",
    "subject": "kgo:subject",
    "jur": "kgo:jurisdiction",
    "issuer": "eli:passed_by",
}
_LABELLED = ("jur", "issuer")  # IRIs whose skos:prefLabel is what users read


def _describe(store: Store, anchor: str) -> list[dict[str, Any]]:
    """The description of every instrument ``anchor`` binds to ``?i``, one dict per IRI.

    One ``?i ?p ?o`` pattern with the wanted properties as VALUES, pivoted here: a chain of
    OPTIONALs (or a UNION per property) makes the engine's cost grow with each property.
    """
    from kg.lineage import PREFIXES

    props = " ".join(_DESCRIBE.values())
    rows = _q(store, f"SELECT ?i ?p ?o WHERE {{ {anchor} VALUES ?p {{ {props} }} ?i ?p ?o }}")
    keys = {}
    for line in PREFIXES.splitlines():  # expand the prefixed names once, to match ?p
        _, prefix, iri = line.split()
        keys.update({iri.strip("<>") + path.split(":", 1)[1]: key
                     for key, path in _DESCRIBE.items() if path.startswith(prefix)})
    out: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (str(r["i"]), str(r["p"]), str(r["o"]))):
        entry = out.setdefault(str(r["i"]), {"i": r["i"], **dict.fromkeys(_DESCRIBE)})
        key = keys.get(str(r["p"]))
        if key and entry[key] is None:
            entry[key] = r["o"]
    linked = {str(e[k]) for e in out.values() for k in _LABELLED if e[k] is not None}
    if linked:
        labels: dict[str, Any] = {}
        for r in _q(store, f"SELECT ?x (MIN(?l) AS ?label) WHERE {{ VALUES ?x {{ {_values(linked)} }} ?x skos:prefLabel ?l }} GROUP BY ?x"):
            labels[str(r["x"])] = r["label"]
        for e in out.values():
            for k in _LABELLED:
                if e[k] is not None:
                    e[k] = labels.get(str(e[k]))
    return list(out.values())


def _search_rows(store: Store, notation: str | None) -> list[dict[str, Any]]:
    from kg.lineage import _lit, _normalise

    anchor = "?i a kgo:Instrument ."
    if notation:
        wanted = _lit(_normalise(notation))
        anchor = f"?i eli:id_local ?nn . FILTER(LCASE(STR(?nn)) = LCASE({wanted})) ?i a kgo:Instrument ."
    return _describe(store, anchor + " FILTER NOT EXISTS { ?i prov:alternateOf ?canonical }")


class _SearchIndex:
    """Every instrument's summary with its folded search fields, sorted as answers are.

    Why prebuilt: reading all instruments is the slow part of a search, and folding
    diacritics of every label on every request was the next; both are done once per store
    version, so a request only compares prepared strings.
    """

    def __init__(self, items: list[m.InstrumentSummary], notations: dict[str, list[str]]) -> None:
        items = sorted(items, key=lambda i: (i.local is not False, _fold(i.notation or i.label), i.iri))
        self.items = items
        self.hay = [
            _fold(" ".join(x or "" for x in (i.notation, i.label, i.subject, i.type, i.issuer)))
            for i in items
        ]
        self.types = [(_fold(i.type), _fold(i.type_code)) for i in items]
        self.issuers = [_fold(i.issuer) for i in items]
        self.places = [kiri.slug(i.jurisdiction or "") for i in items]
        position = {i.iri: n for n, i in enumerate(items)}
        self.by_notation = {k: sorted(position[i] for i in v if i in position) for k, v in notations.items()}

    def search(
        self,
        words: list[str],
        notation: str | None,
        type_: str | None,
        issuer: str | None,
        province: str | None,
        year: int | None,
    ) -> list[m.InstrumentSummary]:
        from kg.lineage import _normalise

        rows = (
            self.by_notation.get(_normalise(notation).lower(), [])
            if notation
            else range(len(self.items))
        )
        want_type = _fold(type_) if type_ else None
        want_issuer = _fold(issuer) if issuer else None
        want_place = kiri.slug(province) if province else None
        out = []
        for n in rows:
            if words and any(w not in self.hay[n] for w in words):
                continue
            if want_type and want_type not in self.types[n]:
                continue
            if want_issuer and want_issuer not in self.issuers[n]:
                continue
            if want_place is not None and want_place != self.places[n]:
                continue
            if year is not None and self.items[n].year != year:
                continue
            out.append(self.items[n])
        return out


def _build_search_index(store: Store) -> _SearchIndex:
    """All instruments (document nodes left out: their cited partner stands for them).

    One DISTINCT branch per property instead of ``?i ?p ?o``: facts of a central instrument
    are repeated in every document graph that cites it, and the engine plans a predicate
    variable badly. Multi-valued properties keep their smallest value, as a description does.
    """
    keys = list(_DESCRIBE)
    branches = " UNION ".join(
        f"{{ ?i {prop} ?o BIND({n} AS ?k) }}" for n, prop in enumerate(_DESCRIBE.values())
    )
    rows = _q(store, f"SELECT DISTINCT ?i ?k ?o WHERE {{ {branches} }}")
    instruments = {str(r["i"]) for r in _q(store, "SELECT DISTINCT ?i WHERE { ?i a kgo:Instrument }")}
    instruments -= {
        str(r["i"]) for r in _q(store, "SELECT DISTINCT ?i WHERE { ?i prov:alternateOf ?canonical }")
    }
    facts: dict[str, dict[str, Any]] = {}
    notations: dict[str, list[str]] = {}
    for r in rows:
        iri = str(r["i"])
        if iri not in instruments:
            continue
        key, value = keys[int(str(r["k"]))], str(r["o"])
        entry = facts.setdefault(iri, {"i": iri, **dict.fromkeys(_DESCRIBE)})
        if entry[key] is None or value < entry[key]:
            entry[key] = value
        if key == "notation":
            notations.setdefault(value.lower(), []).append(iri)
    linked = {e[k] for e in facts.values() for k in _LABELLED if e[k] is not None}
    labels: dict[str, str] = {}
    if linked:
        for r in _q(store, f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?x {{ {_values(linked)} }} ?x skos:prefLabel ?l }}"):
            x, label = str(r["x"]), str(r["l"])
            if x not in labels or label < labels[x]:
                labels[x] = label
    for e in facts.values():
        for k in _LABELLED:
            if e[k] is not None:
                e[k] = labels.get(e[k])
    return _SearchIndex([_summary(e) for e in facts.values()], notations)


class _SearchIndexes:
    """The search index of each store, rebuilt after an ingest without making a search wait.

    Why: at 10^6 triples a rebuild takes seconds (more with an ingest running beside), and
    the request that noticed the new version used to wait for it, past clients' time
    limits. Now a rebuild that took long last time runs in a background thread while
    searches answer from the previous version; a quick one (a small store) is still done
    in line, so a search right after an ingest finds what it added. Only the very first
    search of a store waits for its index.
    """

    INLINE = 0.25  # seconds: rebuilds quicker than this are done by the request

    def __init__(self) -> None:
        self._last: weakref.WeakKeyDictionary[Any, tuple[Any, _SearchIndex, float]] = (
            weakref.WeakKeyDictionary()
        )
        self._building: set[int] = set()
        self._lock = threading.Lock()

    def get(self, store: Store) -> _SearchIndex:
        from kg.queries import store_version

        version = store_version(store)
        with self._lock:
            last = self._last.get(store)
            background = (
                last is not None and last[0] != version and last[2] >= self.INLINE
            )
            if background and id(store) not in self._building:
                self._building.add(id(store))
                threading.Thread(target=self._build, args=(store,), daemon=True).start()
            first_underway = last is None and id(store) in self._building
        if background and last is not None:
            return last[1]
        if first_underway:  # the start-up build: wait for it rather than start another
            while id(store) in self._building and self._last.get(store) is None:
                time.sleep(0.02)
            ready = self._last.get(store)
            if ready is not None:
                return ready[1]
        return self._build(store)

    def prepare(self, store: Store) -> None:
        """Build the first index (at start-up); searches meanwhile wait for this one."""
        with self._lock:
            if store in self._last or id(store) in self._building:
                return
            self._building.add(id(store))
        self._build(store)

    def _build(self, store: Store) -> _SearchIndex:
        from kg.queries import store_version, versioned

        try:
            version = store_version(store)
            began = time.monotonic()
            index = versioned(
                store, "instrument-search", lambda: _build_search_index(store), stale_ok=True
            )
            took = time.monotonic() - began
            with self._lock:
                last = self._last.get(store)
                if last is None or last[0] != version:
                    self._last[store] = (version, index, max(took, last[2] if last else 0.0))
            return index
        finally:
            with self._lock:
                self._building.discard(id(store))


_SEARCH_INDEXES = _SearchIndexes()


def _warm_in_background(holder: FollowedStore) -> None:
    """Build the search index while the server starts, not in the first searches.

    Why: at 10^6 triples the first build takes seconds, and every search arriving meanwhile
    waits for it; with an ingest beside and many clients that passed their time limits.
    """

    def warm() -> None:
        try:
            _SEARCH_INDEXES.prepare(holder.get())
        except Exception:  # noqa: BLE001 - the first search will build it (and say why not)
            log.warning("could not prepare the search index", exc_info=True)

    threading.Thread(target=warm, daemon=True, name="kg-warm").start()


def _search_index(store: Store) -> _SearchIndex:
    """The index of the store's current version, or the previous one while it rebuilds."""
    return _SEARCH_INDEXES.get(store)


def _summary(r: dict[str, Any]) -> m.InstrumentSummary:
    iri = str(r["i"])
    tcode = _s(r["tcode"])
    return m.InstrumentSummary(
        id=instrument_id(iri),
        iri=iri,
        notation=_s(r["notation"]),
        label=_s(r["label"]) or _s(r["notation"]) or iri,
        local=_bool(r["local"]),
        jurisdiction=_s(r["jur"]),
        year=_int(r["year"]),
        type=_s(r["type"]),
        type_code=tcode.rsplit("/", 1)[-1] if tcode else None,
        issuer=_s(r["issuer"]),
        subject=_s(r["subject"]),
    )


def _fold(text: str | None) -> str:
    return " ".join(kiri.fold(text or "").split())


def _matches(
    item: m.InstrumentSummary,
    words: list[str],
    type_: str | None,
    issuer: str | None,
    province: str | None,
    year: int | None,
) -> bool:
    hay = _fold(" ".join(x or "" for x in (item.notation, item.label, item.subject, item.type, item.issuer)))
    if any(w not in hay for w in words):
        return False
    if type_ and _fold(type_) not in (_fold(item.type), _fold(item.type_code)):
        return False
    if issuer and _fold(issuer) not in _fold(item.issuer):
        return False
    if province and kiri.slug(province) != kiri.slug(item.jurisdiction or ""):
        return False
    return year is None or item.year == year


def _install_resources(app: FastAPI) -> None:
    @app.get(
        "/api/instruments",
        response_model=m.InstrumentPage,
        responses=problem_responses(422),
        summary="Search instruments",
        description=(
            "By notation (exact, case-insensitive), words (`q`, with or without diacritics: "
            "'chi thi 48' finds 'Chỉ thị 48-CT/TW'), type (name or code), issuer, province "
            "and year. Paginated with `page` (from 1) and `size`."
        ),
    )
    def instruments(
        store: StoreDep,
        q: Annotated[str | None, Query(max_length=500)] = None,
        notation: Annotated[str | None, Query(max_length=200)] = None,
        type: Annotated[str | None, Query(max_length=100)] = None,
        issuer: Annotated[str | None, Query(max_length=200)] = None,
        province: Annotated[str | None, Query(max_length=200)] = None,
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        size: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> m.InstrumentPage:
        words = _fold(q).split()
        hits = _search_index(store).search(words, notation, type, issuer, province, year)
        start = (page - 1) * size
        return m.InstrumentPage(total=len(hits), page=page, size=size, items=hits[start : start + size])

    @app.get(
        "/api/instruments/{id:path}",
        response_model=m.InstrumentDetail,
        responses=problem_responses(404),
        summary="One instrument: links in and out with evidence, activities, mentions",
    )
    def instrument(id: Annotated[str, Path(max_length=2000)], store: StoreDep) -> m.InstrumentDetail:
        iri = instrument_iri(id)
        return _instrument_detail(store, iri)

    @app.get(
        "/api/activities/{id:path}",
        response_model=m.ActivityDetail,
        responses=problem_responses(404),
        summary="One activity: who, under which instruments, what resulted, evidence",
    )
    def activity(id: Annotated[str, Path(max_length=500)], store: StoreDep) -> m.ActivityDetail:
        if id.startswith(("http://", "https://")):
            iri = _checked_iri(id, "activity")
        else:
            doc, _, n = id.partition("/")
            iri = _checked_iri(f"{BASE}document/{doc}/activity/{n}", "activity")
        return _activity_detail(store, iri)

    @app.get(
        "/api/bodies/{id}",
        response_model=m.BodyDetail,
        responses=problem_responses(404),
        summary="One body: its activities and the instruments it issued",
    )
    def body(id: Annotated[str, Path(max_length=300)], store: StoreDep) -> m.BodyDetail:
        return _body_detail(store, _checked_iri(BASE + "body/" + id, "body"))

    @app.get(
        "/api/documents/{id}",
        response_model=m.DocumentDetail,
        responses=problem_responses(404),
        summary="One source document: its text and the span of every fact found in it",
        description="`id` is the 16-hex id of the document IRI, or the file name.",
    )
    def document(id: Annotated[str, Path(max_length=300)], store: StoreDep) -> m.DocumentDetail:
        return _document_detail(store, id)

    @app.get("/api/stats", response_model=m.Stats, summary="Counts and documents in the store")
    def stats(store: StoreDep) -> m.Stats:
        from kg.lineage import store_stats

        counts = m.StoreCounts(**store_stats(store))
        docs = [
            m.DocumentRef(id=document_id(e.graph), name=e.name, ingested_at=e.ingested_at or None)
            for e in sorted(store.document_graphs().values(), key=lambda e: e.name)
        ]
        return m.Stats(counts=counts, documents=docs)


def _links(store: Store, iri: str, outgoing: bool) -> list[m.LinkModel]:
    from kg.lineage import _alias_map, _evidence

    group = set(_alias_map(store, {iri}))
    side, other = ("kgo:source", "kgo:target") if outgoing else ("kgo:target", "kgo:source")
    found = _evidence(
        store,
        f"""VALUES ?me {{ {_values(group)} }}
          ?fact {side} ?me ; {other} ?o ; kgo:relation ?rel ; kgo:evidence ?ev .
          BIND(CONCAT(STR(?o), " ", STR(?rel)) AS ?f)""",
    )
    refs = _instrument_ref(store, sorted({k.split(" ")[0] for k in found}))
    names = {
        str(kiri.ONTOLOGY) + "implements": "implements",
        "http://data.europa.eu/eli/ontology#based_on": "based_on",
        str(kiri.ONTOLOGY) + "reviews": "reviews",
        "http://data.europa.eu/eli/ontology#cites": "cites",
    }
    out = []
    for key, evidence in sorted(found.items()):
        target, rel = key.split(" ")
        ref = refs.get(target) or m.InstrumentRef(id=instrument_id(target), iri=target, label=target)
        out.append(
            m.LinkModel(relation=names.get(rel, rel), instrument=ref, evidence=_evidence_models(evidence))
        )
    return out


def _instrument_detail(store: Store, iri: str) -> m.InstrumentDetail:
    from kg.lineage import _alias_map, _evidence

    aliases = _alias_map(store, {iri})
    iri = aliases.get(iri, iri)
    group = sorted(set(aliases))
    rows = _search_rows_for(store, group)
    if not rows:
        raise ProblemError(404, f"no instrument <{iri}>", kind="not-found")
    summary = _summary({**rows[0], "i": rows[0]["i"]})
    extra = _q(
        store,
        f"""SELECT (SAMPLE(?d) AS ?date) WHERE {{ VALUES ?i {{ {_values(group)} }}
          OPTIONAL {{ ?i eli:date_document ?d }} }}""",
    )
    docs = _q(
        store,
        f"""SELECT DISTINCT ?doc ?name ?at WHERE {{ VALUES ?i {{ {_values(group)} }}
          {{ ?i kgo:mentionedIn ?doc }} UNION {{ ?i a kgo:SourceDocument BIND(?i AS ?doc) }}
          ?doc kgo:fileName ?name . OPTIONAL {{ ?doc prov:generatedAtTime ?at }} }} ORDER BY ?name""",
    )
    acts = _q(
        store,
        f"""SELECT DISTINCT ?a ?desc WHERE {{ VALUES ?i {{ {_values(group)} }}
          ?a prov:wasInfluencedBy ?i ; a prov:Activity .
          OPTIONAL {{ ?a dcterms:description ?desc }} }} ORDER BY ?a""",
    )
    mentions = _evidence(store, f"VALUES ?f {{ {_values(group)} }} ?f kgo:evidence ?ev . BIND(?f AS ?fact)")
    data = summary.model_dump()
    data.update(id=instrument_id(iri), iri=iri)
    return m.InstrumentDetail(
        **data,
        date=_s(extra[0]["date"]) if extra else None,
        documents=[
            m.DocumentRef(id=document_id(str(r["doc"])), name=str(r["name"]), ingested_at=_s(r["at"]))
            for r in docs
        ],
        implements=_links(store, iri, outgoing=True),
        implemented_by=_links(store, iri, outgoing=False),
        activities=[
            m.ActivityRef(id=activity_id(str(r["a"])), iri=str(r["a"]), description=_s(r["desc"]) or str(r["a"]))
            for r in acts
        ],
        mentions=_evidence_models([e for refs in mentions.values() for e in refs]),
    )


def _search_rows_for(store: Store, group: list[str]) -> list[dict[str, Any]]:
    rows = _describe(store, f"VALUES ?i {{ {_values(group)} }} ?i a kgo:Instrument .")
    # Prefer the canonical (cited) node's description, fill gaps from the document node.
    rows.sort(key=lambda r: str(r["i"]).startswith(BASE + "document/"))
    if len(rows) > 1:
        merged = dict(rows[0])
        for r in rows[1:]:
            for k, v in r.items():
                if merged.get(k) is None:
                    merged[k] = v
        return [merged]
    return rows


def _activity_detail(store: Store, iri: str) -> m.ActivityDetail:
    from kg.lineage import _bodies, _evidence, _observations

    rows = _q(
        store,
        f"""SELECT ?desc ?kind ?period ?doc ?name ?at WHERE {{
          VALUES ?a {{ {_values([iri])} }} ?a a prov:Activity .
          OPTIONAL {{ ?a dcterms:description ?desc }}
          OPTIONAL {{ ?a kgo:activityKind/skos:prefLabel ?kind }}
          OPTIONAL {{ ?a kgo:period ?period }}
          OPTIONAL {{ ?a kgo:reportedIn ?doc . OPTIONAL {{ ?doc kgo:fileName ?name }}
                     OPTIONAL {{ ?doc prov:generatedAtTime ?at }} }}
        }} LIMIT 1""",
    )
    if not rows:
        raise ProblemError(404, f"no activity <{iri}>", kind="not-found")
    r = rows[0]
    drivers = _q(store, f"SELECT DISTINCT ?p WHERE {{ {_values([iri])} prov:wasInfluencedBy ?p }}")
    refs = _instrument_ref(store, [str(d["p"]) for d in drivers])
    obs_nodes = _observations(store, [iri]).get(iri, [])
    obs_rows = (
        _q(
            store,
            f"""SELECT ?o ?v ?u (SAMPLE(?ml) AS ?m) ?p WHERE {{ VALUES ?o {{ {_values([o.iri for o in obs_nodes])} }}
              OPTIONAL {{ ?o kgo:value ?v }} OPTIONAL {{ ?o kgo:unit ?u }}
              OPTIONAL {{ ?o kgo:measure/skos:prefLabel ?ml }} OPTIONAL {{ ?o kgo:period ?p }}
            }} GROUP BY ?o ?v ?u ?p""",
        )
        if obs_nodes
        else []
    )
    obs_ev = {o.iri: o.evidence for o in obs_nodes}
    doc = _s(r["doc"])
    return m.ActivityDetail(
        id=activity_id(iri),
        iri=iri,
        description=_s(r["desc"]) or iri,
        kind=_s(r["kind"]),
        period=_s(r["period"]),
        document=m.DocumentRef(id=document_id(doc), name=_s(r["name"]) or doc, ingested_at=_s(r["at"]))
        if doc
        else None,
        bodies=[
            m.BodyRef(id=body_id(b.iri), iri=b.iri, label=b.label)
            for b in _bodies(store, [iri]).get(iri, [])
        ],
        drivers=list(refs.values()),
        observations=[
            m.ObservationModel(
                iri=str(o["o"]),
                value=_float(o["v"]),
                unit=_s(o["u"]),
                measure=_s(o["m"]),
                period=_s(o["p"]),
                evidence=_evidence_models(obs_ev.get(str(o["o"]), [])),
            )
            for o in obs_rows
        ],
        evidence=_evidence_models(
            _evidence(store, f"VALUES ?f {{ {_values([iri])} }} ?f kgo:evidence ?ev . BIND(?f AS ?fact)").get(iri, [])
        ),
    )


def _body_detail(store: Store, iri: str) -> m.BodyDetail:
    rows = _q(
        store,
        f"""SELECT ?label ?alt ?prov WHERE {{ VALUES ?b {{ {_values([iri])} }}
          ?b a org:Organization .
          OPTIONAL {{ ?b skos:prefLabel ?label }} OPTIONAL {{ ?b skos:altLabel ?alt }}
          OPTIONAL {{ ?b kgo:province/skos:prefLabel ?prov }} }}""",
    )
    if not rows:
        raise ProblemError(404, f"no body <{iri}>", kind="not-found")
    labels = sorted({str(r["label"]) for r in rows if r["label"] is not None})
    alts = sorted({str(r["alt"]) for r in rows if r["alt"] is not None} - set(labels[:1]))
    acts = _q(
        store,
        f"""SELECT DISTINCT ?a ?desc WHERE {{ ?a prov:wasAssociatedWith {_values([iri])} .
          OPTIONAL {{ ?a dcterms:description ?desc }} }} ORDER BY ?a""",
    )
    issued = _q(store, f"SELECT DISTINCT ?i WHERE {{ ?i eli:passed_by {_values([iri])} }}")
    refs = _instrument_ref(store, [str(x["i"]) for x in issued])
    return m.BodyDetail(
        id=body_id(iri),
        iri=iri,
        label=labels[0] if labels else iri,
        alt_labels=alts + labels[1:],
        province=next((str(r["prov"]) for r in rows if r["prov"] is not None), None),
        activities=[
            m.ActivityRef(id=activity_id(str(a["a"])), iri=str(a["a"]), description=_s(a["desc"]) or str(a["a"]))
            for a in acts
        ],
        issued=sorted(refs.values(), key=lambda x: x.iri),
    )


_FACT_KINDS = [
    (str(kiri.ONTOLOGY) + "Link", "link"),
    ("http://www.w3.org/ns/prov#Activity", "activity"),
    ("http://purl.org/linked-data/cube#Observation", "observation"),
    (str(kiri.ONTOLOGY) + "Instrument", "mention"),
]


def _document_detail(store: Store, ident: str) -> m.DocumentDetail:
    from kg.lineage import _lit

    if re.fullmatch(r"[0-9a-f]{8,64}", ident):
        anchor = f"VALUES ?d {{ {_values([BASE + 'document/' + ident])} }} ?d kgo:fileName ?name ."
    else:
        anchor = f"?d kgo:fileName {_lit(ident)} . BIND({_lit(ident)} AS ?name)"
    rows = _q(
        store,
        f"""SELECT ?d ?name ?sha ?media ?text ?at WHERE {{ {anchor}
          ?d a kgo:SourceDocument .
          OPTIONAL {{ ?d kgo:sha256 ?sha }} OPTIONAL {{ ?d kgo:mediaType ?media }}
          OPTIONAL {{ ?d kgo:text ?text }} OPTIONAL {{ ?d prov:generatedAtTime ?at }} }} LIMIT 1""",
    )
    if not rows:
        raise ProblemError(404, f"no document {ident!r}", kind="not-found")
    r = rows[0]
    doc = str(r["d"])
    facts = _q(
        store,
        f"""SELECT ?ev ?start ?end ?quote ?fact ?type ?label ?desc ?notation ?rel ?tn ?v ?u WHERE {{
          ?ev kgo:inDocument {_values([doc])} ; kgo:start ?start ; kgo:end ?end ; kgo:quote ?quote .
          ?fact kgo:evidence ?ev .
          OPTIONAL {{ ?fact a ?type }}
          OPTIONAL {{ ?fact rdfs:label ?label }} OPTIONAL {{ ?fact dcterms:description ?desc }}
          OPTIONAL {{ ?fact eli:id_local ?notation }}
          OPTIONAL {{ ?fact kgo:relation ?rel ; kgo:target ?t . OPTIONAL {{ ?t eli:id_local ?tn }} }}
          OPTIONAL {{ ?fact kgo:value ?v }} OPTIONAL {{ ?fact kgo:unit ?u }}
        }}""",
    )
    spans: dict[tuple[str, str], m.FactSpan] = {}
    ranks: dict[tuple[str, str], int] = {}
    for f in facts:
        key = (str(f["fact"]), str(f["ev"]))
        kind, rank = "other", len(_FACT_KINDS)
        for n, (cls, name) in enumerate(_FACT_KINDS):
            if _s(f["type"]) == cls:
                kind, rank = name, n
        if key in spans and ranks[key] <= rank:
            continue
        ranks[key] = rank
        spans[key] = m.FactSpan(
            fact=key[0],
            kind=kind,  # type: ignore[arg-type]
            label=_fact_label(kind, f),
            start=_int(f["start"]) or 0,
            end=_int(f["end"]) or 0,
            quote=str(f["quote"]),
            evidence=key[1],
        )
    return m.DocumentDetail(
        id=document_id(doc),
        iri=doc,
        name=str(r["name"]),
        sha256=_s(r["sha"]),
        media_type=_s(r["media"]),
        ingested_at=_s(r["at"]),
        text=_s(r["text"]) or "",
        facts=sorted(spans.values(), key=lambda s: (s.start, s.end, s.fact)),
    )


def _fact_label(kind: str, f: dict[str, Any]) -> str:
    if kind == "link":
        rel = (_s(f["rel"]) or "").rsplit("#", 1)[-1]
        return f"{rel} {_s(f['tn']) or ''}".strip()
    if kind == "activity":
        return _s(f["desc"]) or str(f["fact"])
    if kind == "observation":
        return " ".join(x for x in (_s(f["v"]), _s(f["u"])) if x) or str(f["fact"])
    return _s(f["notation"]) or _s(f["label"]) or str(f["fact"])


# --------------------------------------------------------------------------- questions


def _run_named(store: Store, name: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    from kg.queries import QueryParameterError, get_query, run

    try:
        return run(store, get_query(name), values).rows
    except QueryParameterError as exc:
        raise ProblemError(422, str(exc), kind="invalid-parameter") from exc


ProvinceQ = Annotated[
    str, Query(max_length=200, description="Province name ('Lai Châu', 'lai chau') or place IRI")
]
DirectiveQ = Annotated[
    str, Query(max_length=2000, description="Notation (48-CT/TW) or instrument IRI")
]


def _install_questions(app: FastAPI) -> None:
    from kg.queries import load_queries

    @app.get(
        "/api/questions",
        response_model=list[m.QuestionInfo],
        summary="The named questions, with their SPARQL (also in queries/*.rq)",
    )
    def questions() -> list[m.QuestionInfo]:
        return [
            m.QuestionInfo(
                name=q.name,
                title=q.title,
                description=q.description,
                path=f"/api/questions/{q.name}",
                parameters=[
                    m.QuestionParam(name=p.name, kind=p.kind, required=p.required, description=p.description)
                    for p in q.params
                ],
                sparql=q.text,
            )
            for q in load_queries().values()
        ]

    @app.get(
        "/api/questions/directives-without-plan",
        response_model=m.DirectivesWithoutPlan,
        responses=problem_responses(422),
        summary="Directives with no implementing instrument in a province",
    )
    def directives_without_plan(store: StoreDep, province: ProvinceQ) -> m.DirectivesWithoutPlan:
        rows = _run_named(store, "directives-without-plan", {"province": _place_iri(province)})
        seen: dict[str, m.InstrumentSummary] = {}
        for r in rows:
            iri = str(r["directive"])
            if iri not in seen:
                seen[iri] = m.InstrumentSummary(
                    id=instrument_id(iri), iri=iri, notation=_s(r["notation"]),
                    label=_s(r["label"]) or _s(r["notation"]) or iri, local=False,
                    type=_s(r["typeName"]),
                )
        return m.DirectivesWithoutPlan(province=province, directives=list(seen.values()))

    @app.get(
        "/api/questions/instruments-without-activity",
        response_model=m.InstrumentsWithoutActivity,
        responses=problem_responses(422),
        summary="Instruments of a province with no reported activity",
    )
    def instruments_without_activity(
        store: StoreDep, province: ProvinceQ
    ) -> m.InstrumentsWithoutActivity:
        rows = _run_named(store, "instruments-without-activity", {"province": _place_iri(province)})
        seen: dict[str, m.InstrumentRef] = {}
        for r in rows:
            iri = str(r["instrument"])
            seen.setdefault(
                iri,
                m.InstrumentRef(
                    id=instrument_id(iri), iri=iri, notation=_s(r["notation"]),
                    label=_s(r["label"]) or _s(r["notation"]) or iri, local=True,
                    year=_int(r["year"]),
                ),
            )
        return m.InstrumentsWithoutActivity(province=province, instruments=list(seen.values()))

    @app.get(
        "/api/questions/body-activities",
        response_model=m.BodyActivities,
        responses=problem_responses(404, 409, 422),
        summary="What each body did under one directive",
    )
    def body_activities(store: StoreDep, directive: DirectiveQ) -> m.BodyActivities:
        iri = _resolve_instrument(store, directive)
        rows = _run_named(store, "body-activities", {"directive": iri})
        plans = _instrument_ref(store, sorted({str(r["plan"]) for r in rows} | {iri}))
        bodies: dict[str, m.BodyWork] = {}
        seen: set[tuple[str, str, str]] = set()
        for r in rows:
            b, a, p = str(r["body"]), str(r["activity"]), str(r["plan"])
            work = bodies.setdefault(
                b, m.BodyWork(body=m.BodyRef(id=body_id(b), iri=b, label=_s(r["bodyLabel"]) or b), activities=[])
            )
            ev = []
            if r["quote"] is not None:
                ev = [m.EvidenceModel(document=_s(r["document"]), quote=_s(r["quote"]),
                                      start=_int(r["start"]), end=_int(r["end"]))]
            if (b, a, p) in seen:
                continue
            seen.add((b, a, p))
            work.activities.append(
                m.BodyActivity(
                    activity=m.ActivityRef(id=activity_id(a), iri=a, description=_s(r["description"]) or a),
                    plan=plans.get(p) or m.InstrumentRef(id=instrument_id(p), iri=p, label=p),
                    evidence=ev,
                )
            )
        directive_ref = plans.get(iri) or m.InstrumentRef(id=instrument_id(iri), iri=iri, label=iri)
        return m.BodyActivities(
            directive=directive_ref,
            bodies=sorted(bodies.values(), key=lambda w: _fold(w.body.label)),
        )

    @app.get(
        "/api/questions/activity-chain",
        response_model=m.ActivityChain,
        responses=problem_responses(404, 422),
        summary="The chain from one activity up to its central directive",
    )
    def activity_chain(
        store: StoreDep,
        activity: Annotated[str, Query(max_length=2000, description="Activity IRI or id (doc/n)")],
    ) -> m.ActivityChain:
        if activity.startswith(("http://", "https://")):
            iri = _checked_iri(activity, "activity")
        else:
            doc, _, n = activity.partition("/")
            iri = _checked_iri(f"{BASE}document/{doc}/activity/{n}", "activity")
        detail = _activity_detail(store, iri)  # 404 when unknown
        rows = _run_named(store, "activity-chain", {"activity": iri})
        return _chain(store, detail, rows)

    @app.get(
        "/api/questions/outcomes-per-measure",
        response_model=m.Outcomes,
        responses=problem_responses(404, 409, 422),
        summary="Outcomes per measure under one directive, per province and year",
    )
    def outcomes(store: StoreDep, directive: DirectiveQ) -> m.Outcomes:
        iri = _resolve_instrument(store, directive)
        rows = _run_named(store, "outcomes-per-measure", {"directive": iri})
        ref = _instrument_ref(store, [iri]).get(iri) or m.InstrumentRef(
            id=instrument_id(iri), iri=iri, label=iri
        )
        labels = _labels(store, {str(r[k]) for r in rows for k in ("measure", "province") if r[k]})
        return m.Outcomes(
            directive=ref,
            rows=[
                m.OutcomeRow(
                    measure=str(r["measure"]),
                    measure_label=labels.get(str(r["measure"])),
                    unit=str(r["unit"]),
                    province=_s(r["province"]),
                    province_label=labels.get(str(r["province"])) if r["province"] else None,
                    year=_int(r["year"]),
                    total=_float(r["total"]) or 0.0,
                    observations=_int(r["observations"]) or 0,
                )
                for r in rows
            ],
        )


def _labels(store: Store, iris: set[str]) -> dict[str, str]:
    if not iris:
        return {}
    rows = _q(
        store,
        f"SELECT ?x (MIN(STR(?l)) AS ?label) WHERE {{ VALUES ?x {{ {_values(iris)} }} "
        "?x skos:prefLabel ?l } GROUP BY ?x",
    )
    return {str(r["x"]): str(r["label"]) for r in rows if r["label"] is not None}


def _chain(
    store: Store, detail: m.ActivityDetail, rows: list[dict[str, Any]]
) -> m.ActivityChain:
    names: dict[str, str] = {
        "http://www.w3.org/ns/prov#wasInfluencedBy": "driven_by",
        str(kiri.ONTOLOGY) + "implements": "implements",
        "http://data.europa.eu/eli/ontology#based_on": "based_on",
        str(kiri.ONTOLOGY) + "reviews": "reviews",
    }
    refs = _instrument_ref(store, sorted({str(r["to"]) for r in rows}))
    hops: dict[tuple[str, str, str], m.ChainHop] = {}
    for r in rows:
        key = (str(r["from"]), str(r["relation"]), str(r["to"]))
        hop = hops.get(key)
        if hop is None:
            target = refs.get(key[2]) or m.InstrumentRef(id=instrument_id(key[2]), iri=key[2], label=key[2])
            hop = hops[key] = m.ChainHop(
                source=key[0], source_notation=_s(r["fromNotation"]),
                relation=names.get(key[1], key[1]), target=target,
            )
        if r["quote"] is not None:
            ev = m.EvidenceModel(document=_s(r["document"]), quote=_s(r["quote"]),
                                 start=_int(r["start"]), end=_int(r["end"]))
            if ev not in hop.evidence:
                hop.evidence.append(ev)
    ordered = _order_hops(detail.iri, list(hops.values()))
    central = {h.target.iri: h.target for h in ordered if h.target.local is False}
    return m.ActivityChain(
        activity=m.ActivityRef(id=detail.id, iri=detail.iri, description=detail.description),
        hops=ordered,
        central=list(central.values()),
    )


def _order_hops(start: str, hops: list[m.ChainHop]) -> list[m.ChainHop]:
    """Breadth-first from the activity, so the chain reads bottom-up."""
    out: list[m.ChainHop] = []
    frontier, seen = [start], set()
    by_source: dict[str, list[m.ChainHop]] = {}
    for h in hops:
        by_source.setdefault(h.source, []).append(h)
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for h in sorted(by_source.get(node, []), key=lambda h: h.target.iri):
                if id(h) in seen:
                    continue
                seen.add(id(h))
                out.append(h)
                nxt.append(h.target.iri)
        frontier = nxt
    out.extend(h for h in hops if id(h) not in seen)  # reached via an alias node
    return out

