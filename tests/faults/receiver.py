"""A webhook receiver on 127.0.0.1 for alert tests: it records every POSTed JSON body."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """``with Receiver() as r``: ``r.url`` to send to, ``r.alerts`` what arrived."""

    def __init__(self) -> None:
        self.alerts: list[dict] = []
        alerts = self.alerts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    alerts.append(json.loads(body))
                except ValueError:
                    alerts.append({"raw": body.decode("utf-8", "replace")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def about(self, text: str) -> list[dict]:
        """The alerts whose subject or body mentions ``text``."""
        return [a for a in self.alerts if text in a.get("subject", "") + a.get("body", "")]
