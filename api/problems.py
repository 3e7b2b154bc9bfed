"""Errors as RFC 9457 problem details, and the request-size guard.

Why one place: every failure — a bad parameter, an unknown notation, a refused update, a
query past its time limit, a store that cannot be opened — must reach the client in the same
machine-readable shape (``application/problem+json`` with ``type``, ``title``, ``status``,
``detail``), and never as a stack trace.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.errors import KGError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://w3id.org/pctp-kg/problems/"
log = logging.getLogger("api")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", description="A URI naming the kind of problem")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(description="The HTTP status code")
    detail: str | None = Field(None, description="What went wrong this time, for a human")
    instance: str | None = Field(None, description="The request path")
    candidates: list[dict[str, Any]] | None = Field(
        None, description="For an ambiguous notation: the instruments it may mean"
    )


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title or _phrase(status)
        self.headers = headers or {}
        self.extra = extra or {}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    detail: str | None,
    *,
    kind: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": title or _phrase(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries: these statuses answer with a Problem."""
    return {
        s: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": _phrase(s)}
        for s in statuses
    }


def install(app: FastAPI) -> None:
    """Route every error through problem details."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            kind=exc.kind,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            detail,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return problem_response(
            422,
            "; ".join(parts) or "invalid request",
            kind="invalid-parameter",
            title="Invalid parameter",
            instance=request.url.path,
        )

    @app.exception_handler(KGError)
    async def _kg(request: Request, exc: KGError) -> JSONResponse:
        return problem_response(
            503, str(exc), kind="store-error", title="Store error", instance=request.url.path
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            500,
            "an internal error occurred; it has been logged",
            kind="internal",
            instance=request.url.path,
        )


class SizeLimit:
    """Refuse oversized query strings (414) and bodies (413) before any work is done.

    The body is counted as it streams, so a client that lies in Content-Length (or sends
    none, chunked) is cut off at the limit too.
    """

    def __init__(self, app: ASGIApp, *, max_body: int, max_query: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) + len(scope.get("path", "")) > self.max_query:
            await _send_problem(
                scope, send, 414, f"URI longer than {self.max_query} bytes; POST the query instead"
            )
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _send_problem(scope, send, 413, f"request body larger than {self.max_body} bytes")
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge(self.max_body)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_problem(
                    scope, send, 413, f"request body larger than {self.max_body} bytes"
                )


class _TooLarge(StarletteHTTPException):
    """Raised from inside the app, so its own handlers turn it into a problem document."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    response = problem_response(status, detail, kind="too-large", instance=scope.get("path"))
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
