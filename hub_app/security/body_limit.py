"""Refuse request bodies above a size limit with 413, before any route reads them.

A declared Content-Length above the limit is refused at once (nothing is read). A body without
one (chunked) is read up to the limit and then handed to the app; one byte more is a 413. The
server enforces a declared Content-Length itself, so a client cannot send more than it declared.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_app.security.responses import send_too_large

# Reflex's upload endpoint (store photos) carries files; everything else is forms and JSON.
UPLOAD_PATH_PREFIXES = ("/_upload",)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    def limit_for(self, path: str) -> int:
        return self.upload_limit if path.startswith(UPLOAD_PATH_PREFIXES) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit() or int(declared) > limit:
                await send_too_large(send, scope, limit)
                return
            await self.app(scope, receive, send)
            return
        if "chunked" not in headers.get("transfer-encoding", "").lower():
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_too_large(send, scope, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay_body(b"".join(chunks), receive), send)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields an already-read body once, then defers to the real one."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
