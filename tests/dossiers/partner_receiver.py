"""A stand-in for a webhook receiver (the national portal's synchronisation endpoint):
an HTTP server on loopback in a thread that checks the signature and the timestamp as
the docs tell receivers to, answers 500 to every `fail_every`-th request (before it
records anything) and keeps what it accepted. It dedupes by the X-MotCua-Event-Id
header, as a real receiver may, and counts the duplicates it saw."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from api.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

SECRET = "test-partner-secret-of-the-portal"


class Receiver:
    def __init__(self, *, fail_every: int = 0, secret: str = SECRET):
        self.fail_every = fail_every
        self.answer = 0  # when set: answer this status to everything, record nothing
        self.delay = 0.0  # seconds to wait before answering (a slow receiver)
        self.secret = secret
        self.lock = threading.Lock()
        self.requests = 0
        self.failed = 0
        self.bad_signatures = 0
        self.duplicates = 0
        self.accepted: list[dict] = []  # payloads in arrival order
        self.keys: set[str] = set()
        self.headers: list[dict] = []

    def handle(self, headers, body: bytes) -> int:
        with self.lock:
            self.requests += 1
            self.headers.append(dict(headers))
            if self.answer:
                return self.answer
            if self.fail_every and self.requests % self.fail_every == 0:
                self.failed += 1
                return 500
            if not verify(
                body,
                timestamp=headers.get(TIMESTAMP_HEADER),
                signature_header=headers.get(SIGNATURE_HEADER),
                secret=self.secret,
            ):
                self.bad_signatures += 1
                return 401
            key = headers.get(EVENT_ID_HEADER)
            if key in self.keys:
                self.duplicates += 1
                return 200
            self.keys.add(key)
            self.accepted.append(json.loads(body))
            return 200

    def by_dossier(self) -> dict[str, list[str]]:
        seen: dict[str, list[str]] = {}
        for item in self.accepted:
            seen.setdefault(item["data"]["code"], []).append(item["data"]["national_status"])
        return seen


@contextlib.contextmanager
def serving(receiver: Receiver):
    """Yield the URL of a loopback server that answers through `receiver`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.handle(self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sync"
    finally:
        server.shutdown()
        server.server_close()
