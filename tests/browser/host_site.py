"""A web page on another origin than the app (a store's own site), for the embedding tests."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN_MESSAGES = """
<script>
  window.__hubMessages = [];
  window.addEventListener("message", function (e) { window.__hubMessages.push({origin: e.origin, data: e.data}); });
  window.__hubBooked = [];
  document.addEventListener("appointment-hub:booked", function (e) { window.__hubBooked.push(e.detail); });
</script>"""


@contextlib.contextmanager
def host_site(address: str, body: str):
    """Serve one HTML page at http://<address>:<free port>/ (another origin than the app)."""
    page = f"<!doctype html><html lang='en'><head><title>Salon site</title></head><body>{body}</body></html>"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
