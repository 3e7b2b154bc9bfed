"""The FastAPI application: health, SPARQL 1.1 Protocol (read-only), ontology, lineage.

The store is opened read-only, and reopened when another process (``kg ingest``) has written,
so the server never holds the write lock and always answers from committed data.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from kg.errors import KGError
from kg.store import QueryResult, Store, open_store, resolve_spec

SPARQL_RESULTS_JSON = "application/sparql-results+json"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"

_GRAPH_FORMATS = {  # media type → rdflib serializer
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
_UPDATE_KEYWORDS = re.compile(
    r"^(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)
_PROLOGUE = re.compile(
    r"^\s*(?:(?:#[^\n]*\n)|(?:PREFIX\s+[^:\s]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>)|\s+)*", re.IGNORECASE
)


# --------------------------------------------------------------------------- models


class StoreCounts(BaseModel):
    documents: int
    triples: int
    instruments: int = 0
    links: int = 0
    activities: int = 0
    observations: int = 0
    bodies: int = 0


class Health(BaseModel):
    status: Literal["ok", "error"]
    store: str
    counts: StoreCounts | None = None
    error: str | None = None


class EvidenceModel(BaseModel):
    document: str | None = Field(None, description="File name of the source document")
    quote: str | None = Field(None, description="Exact text of the span")
    start: int | None = None
    end: int | None = None


class LineageNodeModel(BaseModel):
    iri: str
    label: str
    kind: str = Field(description="instrument, activity, body or observation")
    relation: str | None = Field(None, description="How this node hangs from its parent")
    notation: str | None = None
    evidence: list[EvidenceModel] = []
    children: list[LineageNodeModel] = []


class CandidateModel(BaseModel):
    iri: str
    notation: str
    label: str
    jurisdiction: str | None = None
    year: int | None = None


class LineageResponse(BaseModel):
    notation: str
    direction: Literal["down", "up"]
    depth: int
    root: LineageNodeModel | None = Field(
        None, description="The tree; null when the notation is ambiguous (see candidates)"
    )
    candidates: list[CandidateModel] = []


class ErrorModel(BaseModel):
    detail: str


# --------------------------------------------------------------------------- store access


class _StoreHolder:
    """Opens the store on first use and reopens it when the files on disk change."""

    def __init__(self, spec: str | None) -> None:
        self.spec = spec
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.spec, read_only=True)
            else:
                self._store.refresh()
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def get_store(request: Request) -> Store:
    """The request's store; 503 when it cannot be opened (the message says why)."""
    try:
        return request.app.state.store_holder.get()
    except KGError as exc:
        raise HTTPException(503, str(exc)) from exc


StoreDep = Annotated[Store, Depends(get_store)]


def is_update(text: str) -> bool:
    """True for SPARQL Update requests, which this read-only endpoint refuses."""
    body = _PROLOGUE.sub("", text, count=1)
    return bool(_UPDATE_KEYWORDS.match(body.lstrip()))


def _accepts(request: Request, media: str) -> bool:
    return media in request.headers.get("accept", "")


def _result_response(result: QueryResult, request: Request) -> Response:
    if result.kind == "graph":
        media = next((m for m in _GRAPH_FORMATS if _accepts(request, m)), "text/turtle")
        body = result.graph.serialize(format=_GRAPH_FORMATS[media])  # type: ignore[union-attr]
        return Response(body, media_type=media)
    if result.kind == "select" and _accepts(request, "text/csv"):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(
                ["" if row.get(v) is None else str(row.get(v)) for v in result.variables]
            )
        return Response(buf.getvalue(), media_type="text/csv")
    return JSONResponse(result.to_sparql_json(), media_type=SPARQL_RESULTS_JSON)


def _run_query(store: Store, text: str | None, request: Request) -> Response:
    if not text or not text.strip():
        raise HTTPException(400, "missing SPARQL query (use ?query=… or a POST body)")
    if is_update(text):
        raise HTTPException(403, "this endpoint is read-only: SPARQL Update is refused")
    try:
        result = store.query(text)
    except KGError as exc:
        raise HTTPException(400, str(exc)) from exc
    return _result_response(result, request)


# --------------------------------------------------------------------------- app


def create_app(store_spec: str | None = None) -> FastAPI:
    """Build the app around one store (path, else $KG_STORE, else var/kg)."""
    holder = _StoreHolder(store_spec)
    app = FastAPI(
        title="pctp-kg",
        version="0.1.0",
        description="Lineage knowledge graph of Vietnamese crime-prevention policy documents.",
    )
    app.state.store_holder = holder
    app.router.add_event_handler("shutdown", holder.close)

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}})
    def healthz() -> Any:
        from kg.lineage import store_stats

        location = resolve_spec(store_spec)
        try:
            counts = store_stats(holder.get())
        except KGError as exc:
            body = Health(status="error", store=location, error=str(exc))
            return JSONResponse(body.model_dump(), status_code=503)
        return Health(status="ok", store=location, counts=StoreCounts(**counts))

    @app.get(
        "/sparql",
        summary="SPARQL 1.1 query (GET)",
        responses={400: {"model": ErrorModel}, 403: {"model": ErrorModel}},
    )
    def sparql_get(
        request: Request,
        store: StoreDep,
        query: Annotated[str | None, Query(description="SPARQL query")] = None,
        update: Annotated[str | None, Query(include_in_schema=False)] = None,
    ) -> Response:
        if update is not None:
            raise HTTPException(403, "this endpoint is read-only: SPARQL Update is refused")
        return _run_query(store, query, request)

    @app.post(
        "/sparql",
        summary="SPARQL 1.1 query (POST: form or application/sparql-query)",
        responses={
            400: {"model": ErrorModel},
            403: {"model": ErrorModel},
            415: {"model": ErrorModel},
        },
    )
    async def sparql_post(request: Request, store: StoreDep) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == SPARQL_UPDATE:
            raise HTTPException(403, "this endpoint is read-only: SPARQL Update is refused")
        if media == SPARQL_QUERY:
            text = (await request.body()).decode("utf-8", errors="replace")
        elif media in (FORM, "multipart/form-data"):
            form = await request.form()
            if "update" in form:
                raise HTTPException(403, "this endpoint is read-only: SPARQL Update is refused")
            raw = form.get("query")
            text = raw if isinstance(raw, str) else None
        else:
            raise HTTPException(
                415, f"send {SPARQL_QUERY} or {FORM} (got {media or 'no content type'})"
            )
        return _run_query(store, text, request)

    @app.get("/ontology", response_class=HTMLResponse, summary="The ontology, as a page")
    def ontology() -> HTMLResponse:
        try:
            from kg.ontology_page import render_ontology_html
        except ImportError as exc:
            raise HTTPException(503, "the ontology page is not available in this build") from exc
        return HTMLResponse(render_ontology_html())

    @app.get(
        "/api/lineage/{notation:path}",
        response_model=LineageResponse,
        responses={404: {"model": ErrorModel}},
        summary="Lineage of an instrument (downstream by default, ?direction=up for above)",
    )
    def api_lineage(
        notation: str,
        store: StoreDep,
        direction: Literal["down", "up"] = "down",
        depth: Annotated[int, Query(ge=1, le=20)] = 5,
        iri: Annotated[
            str | None, Query(description="Pick one instrument when the notation names several")
        ] = None,
    ) -> Any:
        from kg.lineage import NotationNotFound, lineage

        try:
            tree = lineage(store, notation, direction=direction, depth=depth, iri=iri)
        except NotationNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        return LineageResponse.model_validate(tree.to_json())

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        links = [
            ("/sparql", "SPARQL endpoint"),
            ("/ontology", "Ontology"),
            ("/docs", "API docs"),
            ("/healthz", "Health and counts"),
        ]
        items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
        return HTMLResponse(
            '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>pctp-kg</title>'
            f"</head><body><h1>pctp-kg</h1><ul>{items}</ul></body></html>"
        )

    @app.exception_handler(KGError)
    async def kg_error(_request: Request, exc: KGError) -> PlainTextResponse:
        return PlainTextResponse(str(exc), status_code=500)

    return app
