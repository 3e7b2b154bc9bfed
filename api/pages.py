"""The browser pages: search, instruments and their lineage graph, documents with their
highlighted evidence, bodies, activities, and a SPARQL editor.

Why server-rendered Jinja2 with autoescaping: every label, quote and document text comes
from input documents, so the only safe default is that nothing reaches the page unescaped.
Data the scripts need travels as JSON inside ``<script type="application/json">`` (``tojson``
escapes ``<``, ``>`` and ``&``), and the scripts put it in text nodes, never ``innerHTML``.

Why the Content-Security-Policy: the pages must work offline and leak nothing, so the browser
itself is told to load scripts, styles, fonts and data from this server only.

``install(app)`` adds the routes and the ``/static`` mount to an existing app; the store is the
one the app already holds (``app.state.store_holder``), opened read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api import pagedata as pd
from kg.errors import KGError
from kg.lineage import LineageNode
from kg.store import Store

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
QUERIES = HERE.parent / "queries"
MAX_GRAPH_NODES = 400
MAX_DEPTH = 10

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # vis-network and CodeMirror set style attributes
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["kind_names"] = pd.KIND_NAMES
    env.globals["link_labels"] = pd.LINK_LABELS
    env.filters["shorten"] = pd.shorten
    return env


ENV = _environment()


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _store(request: Request) -> Store:
    """The app's store; 503 with the reason when it cannot be opened."""
    try:
        return request.app.state.store_holder.get()
    except KGError as exc:
        raise HTTPException(503, str(exc)) from exc


def not_found(what: str) -> HTMLResponse:
    return render("error.html", status=404, title="Không tìm thấy (not found)", message=what)


def example_queries(folder: Path = QUERIES) -> list[dict[str, str]]:
    """The ``queries/*.rq`` files with their ``# title:`` / ``# description:`` header lines.

    A file without a ``title:`` line is titled by its first comment, else by its name.
    """
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        header = query_header(text)
        title = header.get("title") or header.get("") or path.stem
        out.append(
            {"name": path.stem, "title": title, "description": header.get("description", ""),
             "query": text}
        )
    return out


def query_header(text: str) -> dict[str, str]:
    """``# key: value`` lines before the query; repeated keys are joined, bare comments go to ''."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        key, sep, value = body.partition(":")
        if sep and key.strip().isidentifier() and " " not in key.strip():
            found.setdefault(key.strip().lower(), []).append(value.strip())
        else:
            found.setdefault("", []).append(body)
    return {k: " ".join(v).strip() for k, v in found.items()}


def walk_lineage(
    store: Store, iri: str, label: str, notation: str | None, direction: str, depth: int
) -> LineageNode:
    """The lineage tree from one instrument IRI (kg.lineage's walk, started from an IRI)."""
    from kg.lineage import _expand

    root = LineageNode(iri, label, "instrument", None, notation=notation)
    _expand(store, root, direction, depth, set())  # type: ignore[arg-type]
    return root


def _graph_payload(view: pd.GraphView) -> tuple[dict[str, Any], bool]:
    data = view.to_json()
    truncated = len(data["nodes"]) > MAX_GRAPH_NODES
    if truncated:
        keep = {n["id"] for n in data["nodes"][:MAX_GRAPH_NODES]}
        data["nodes"] = data["nodes"][:MAX_GRAPH_NODES]
        data["edges"] = [e for e in data["edges"] if e["from"] in keep and e["to"] in keep]
    return data, truncated


def install(app: FastAPI) -> None:
    """Add the pages and ``/static`` to ``app`` (which must hold ``state.store_holder``)."""
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(
        request: Request, q: Annotated[str | None, Query(max_length=300)] = None
    ) -> HTMLResponse:
        from kg.lineage import store_stats

        store = _store(request)
        hits = pd.search(store, q) if q else []
        return render(
            "home.html",
            title="pctp-kg",
            q=q or "",
            hits=hits,
            stats=store_stats(store),
            documents=pd.documents(store),
            top=pd.most_implemented(store),
        )

    @app.get("/instrument/{rest:path}", response_class=HTMLResponse, include_in_schema=False)
    def instrument_page(
        request: Request,
        rest: str,
        direction: Literal["down", "up"] = "down",
        depth: Annotated[int, Query(ge=1, le=MAX_DEPTH)] = 4,
    ) -> HTMLResponse:
        store = _store(request)
        iri = pd.BASE + "instrument/" + rest
        info = pd.instrument_info(store, iri)
        if info is None:
            return not_found(f"Không có văn bản nào mang địa chỉ /instrument/{rest}")
        root = walk_lineage(store, iri, info.label, info.notation, direction, depth)
        view = pd.graph_view(store, root, direction)
        graph, truncated = _graph_payload(view)
        return render(
            "instrument.html",
            title=info.label,
            info=info,
            graph=graph,
            truncated=truncated,
            rows=view.rows,
            direction=direction,
            depth=depth,
            max_depth=MAX_DEPTH,
            alias_urls=[(a, pd.page_url(a)) for a in info.aliases],
        )

    @app.get("/document/{doc_hash}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, doc_hash: str) -> HTMLResponse:
        store = _store(request)
        view = pd.document_view(store, doc_hash)
        if view is None:
            return not_found(f"Không có tài liệu {doc_hash}")
        return render(
            "document.html",
            title=view.label or view.name,
            doc=view,
            segments=pd.segments(view.text, view.facts),
            alias_url=pd.page_url(view.alias) if view.alias else None,
        )

    @app.get("/body/{rest:path}", response_class=HTMLResponse, include_in_schema=False)
    def body_page(request: Request, rest: str) -> HTMLResponse:
        store = _store(request)
        view = pd.body_view(store, pd.BASE + "body/" + rest)
        if view is None:
            return not_found(f"Không có cơ quan /body/{rest}")
        return render("body.html", title=view.label, body=view)

    @app.get("/activity/{doc_hash}/{n}", response_class=HTMLResponse, include_in_schema=False)
    def activity_page(request: Request, doc_hash: str, n: str) -> HTMLResponse:
        store = _store(request)
        view = pd.activity_view(store, pd.fact_iri(doc_hash, "activity", n))
        if view is None:
            return not_found(f"Không có hoạt động {doc_hash}/{n}")
        graph, truncated = _graph_payload(pd.activity_graph(store, view))
        return render(
            "activity.html",
            title=pd.shorten(view.description, 80),
            act=view,
            graph=graph,
            truncated=truncated,
        )

    @app.get("/observation/{doc_hash}/{n}", include_in_schema=False)
    def observation_page(request: Request, doc_hash: str, n: str) -> Response:
        """An observation is one number in one sentence: its page is that highlight."""
        store = _store(request)
        url = pd.observation_evidence_url(store, pd.fact_iri(doc_hash, "observation", n))
        if url is None:
            return not_found(f"Không có số liệu {doc_hash}/{n}")
        return RedirectResponse(url, status_code=303)

    @app.get("/sparql-ui", response_class=HTMLResponse, include_in_schema=False)
    def sparql_page() -> HTMLResponse:
        return render("sparql.html", title="SPARQL", examples=example_queries())

    @app.get("/query", include_in_schema=False)
    def query_alias() -> RedirectResponse:
        return RedirectResponse("/sparql-ui", status_code=307)
