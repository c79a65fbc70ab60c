"""Structured logs: one JSON object per line, with the request id, and nothing secret in them.

- `configure_logging()` (idempotent) puts a JSON formatter (LOG_FORMAT=json, the default when
  HUB_ENV=prod) or a plain one (LOG_FORMAT=text, the default otherwise) on the root handler,
  at LOG_LEVEL (INFO), and a `RedactionFilter` on every handler it finds, the server's too.
- `request_id_var` holds the id of the request being served (X-Request-ID in and out, see
  hub_app/observability/middleware.py); it follows the request into worker threads and, through
  a Dramatiq middleware, into the jobs the request enqueued.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
from datetime import UTC, datetime

from hub_app.observability.redaction import redact

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("hub_request_id", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "taskName"}
# Loggers that servers and libraries configure with their own handlers.
_KNOWN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "granian", "_granian", "granian.access",
                  "dramatiq", "reflex")


class RedactionFilter(logging.Filter):
    """Rewrites the record's message (arguments merged in) and traceback through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_hub_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._hub_redacted = True
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and not name.startswith("_") and name != "request_id":
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get() or "-"
        return redact(super().format(record))


def _wanted_format() -> str:
    explicit = os.environ.get("LOG_FORMAT", "").strip().lower()
    if explicit in {"json", "text"}:
        return explicit
    return "json" if os.environ.get("HUB_ENV", "dev") == "prod" else "text"


_configured_handler: logging.Handler | None = None


def make_formatter() -> logging.Formatter:
    return JsonFormatter() if _wanted_format() == "json" else TextFormatter()


def configure_logging(stream=None) -> logging.Handler | None:
    """Install the root handler (once per process) and the redaction filter on every handler.

    When something else already set up root handlers (a test runner, Dramatiq's CLI) they are
    kept, only filtered; pass `stream` to add ours regardless.
    """
    global _configured_handler
    root = logging.getLogger()
    ours_installed = _configured_handler is not None and _configured_handler in root.handlers
    if stream is not None or (not ours_installed and not root.handlers):
        if ours_installed:
            root.removeHandler(_configured_handler)
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(make_formatter())
        root.addHandler(handler)
        _configured_handler = handler
        level = os.environ.get("LOG_LEVEL", "INFO").upper()
        root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    protect_handlers()
    return _configured_handler


def format_existing_handlers() -> None:
    """Give the root's existing handlers our formatter (worker processes set up by Dramatiq)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(make_formatter())
    protect_handlers()


def protect_handlers() -> None:
    """Add the redaction filter to every handler of the root and of known server loggers."""
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in _KNOWN_LOGGERS]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactionFilter) for f in handler.filters):
                handler.addFilter(RedactionFilter())
