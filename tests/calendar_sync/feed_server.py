"""A local HTTP server answering fixed bodies by path: .ics feeds, an HTML page, a huge feed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FeedServer:
    def __init__(self) -> None:
        self.bodies: dict[str, tuple[str, bytes]] = {}
        self.huge_bytes = 50 * 1024 * 1024
        self.huge_paths = {"/huge.ics"}
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self) -> None:
                server.requests += 1
                if self.path in server.huge_paths:
                    # Streamed without a length, as a misbehaving server would: only reading stops it.
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * 65000 + b"\r\n"
                    sent = 0
                    try:
                        while sent < server.huge_bytes:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            sent += len(chunk)
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                content_type, body = server.bodies.get(self.path, ("text/plain", b""))
                self.send_response(200 if self.path in server.bodies else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = _answer
            do_HEAD = _answer

            def do_PROPFIND(self) -> None:  # an HTML site answers every method with its page
                self.path = "/html"
                self._answer()

            do_REPORT = do_PROPFIND

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, body: str | bytes, content_type: str = "text/calendar") -> str:
        self.bodies[path] = (content_type, body.encode() if isinstance(body, str) else body)
        return self.url + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
