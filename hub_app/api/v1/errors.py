"""The one place where errors become HTTP answers: `{"error": {"code", "message", "fields"}}`.

Domain errors carry their own code and status (hub_app.domain.errors); FastAPI's request
validation errors and Starlette's HTTP errors (unknown path, wrong method, unparsable body) are
converted to the same shape, so a client only ever handles one kind of error body.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub_app.api.v1.schemas import ErrorResponse
from hub_app.domain.errors import DomainError, NotAuthenticated, RateLimited, SlotTaken
from hub_app.i18n import normalize_locale, t

logger = logging.getLogger(__name__)

_DESCRIPTIONS = {
    400: "The request could not be read.",
    401: "A valid bearer token is required.",
    403: "The caller may not do this (wrong role, another store, plan limit).",
    404: "No such resource (or not visible to the caller).",
    409: "Conflict with the current state (e.g. `slot_taken` with `next_free`, email taken).",
    422: "The input is invalid; `fields` names each bad field.",
    429: "Too many attempts; see the Retry-After header.",
    503: "A provider or a backing service did not answer; nothing was changed, try again.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the error statuses a route can answer with."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        if status == 429:
            entry["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
        if status == 401:
            entry["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
        out[status] = entry
    return out


def error_json(status: int, code: str, message: str, fields: dict[str, str] | None = None,
               headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _locale(request: Request) -> str:
    return normalize_locale(request.headers.get("accept-language", "").split(",")[0])


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(int(exc.retry_after))
        extra["retry_after"] = int(exc.retry_after)
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, SlotTaken):
        extra["next_free"] = [_iso(v) for v in exc.details.get("next_free") or []]
    return error_json(exc.http_status, exc.code, exc.message, {k: str(v) for k, v in exc.fields.items()},
                      headers or None, **extra)


def _field_path(loc: tuple[Any, ...]) -> str:
    # ("body", "client", "email") -> "client.email"; ("query", "start") -> "start".
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        fields.setdefault(_field_path(tuple(err.get("loc", ()))), str(err.get("msg", "invalid")))
    return error_json(422, "validation_error", t("api.invalid_input", _locale(request)), fields)


_HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "validation_error", 429: "rate_limited"}


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    message = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else phrase
    if status == 404:
        message = t("api.not_found", _locale(request))
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return error_json(status, _HTTP_CODES.get(status, "http_error"), message, headers=headers or None)


def _allowed_methods(request: Request) -> str:
    # Starlette answers 405 with the methods of the FIRST route whose path matched, but several
    # routes share a path here (GET and PATCH /me): take every method the API documents for it.
    root = request.scope.get("root_path", "")
    path = request.url.path[len(root):] if root and request.url.path.startswith(root) else request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods |= {m.upper() for m in operations if m in _HTTP_METHODS}
    return ", ".join(sorted(methods))


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def is_unique_violation(exc: IntegrityError) -> bool:
    """PostgreSQL's unique_violation (SQLSTATE 23505), or SQLite's "UNIQUE constraint failed"."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A race the domain did not settle itself: two requests created the same unique thing at
    once. The loser's change was rolled back whole, so the caller may simply look and retry."""
    assert isinstance(exc, IntegrityError)
    if not is_unique_violation(exc):
        return await unexpected_error(request, exc)
    logger.warning("Unique-constraint race on %s %s: %s", request.method, request.url.path, exc.orig)
    return error_json(409, "conflict", t("api.just_taken", _locale(request)))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_json(500, "internal_error", t("api.internal_error", _locale(request)))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(Exception, unexpected_error)
