"""Two small servers on loopback that the signature tests start: a remote signing
service (digest in, CMS out, the shape of Vietnam's remote signing services) and an
RFC 3161 timestamping authority. Both sign with pyHanko's own signer classes."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server:
    def __init__(self, handler):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class SigningService(_Server):
    """Signs with `signer` (a pyHanko SimpleSigner). `mode`: "ok", "error" (HTTP 500),
    "slow" (answers after `delay` seconds), "garbage" (not a CMS)."""

    def __init__(self, signer, token: str = "", delay: float = 2.0):
        self.signer, self.token, self.mode, self.delay = signer, token, "ok", delay
        super().__init__(_SigningHandler)


class _SigningHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        service = self.server.owner
        service.requests += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if service.token and self.headers.get("Authorization") != f"Bearer {service.token}":
            return self._answer(401, {"error": "unauthorised"})
        if service.mode == "error":
            return self._answer(500, {"error": "internal"})
        if service.mode == "slow":
            time.sleep(service.delay)
        if service.mode == "garbage":
            return self._answer(200, {"cms": base64.b64encode(b"not a cms").decode()})
        digest = base64.b64decode(body["digest"])
        cms = asyncio.run(
            service.signer.async_sign(digest, body["digest_algorithm"], use_pades=True)
        )
        self._answer(200, {"cms": base64.b64encode(cms.dump()).decode()})

    def _answer(self, status, payload):
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)


class TimestampAuthority(_Server):
    def __init__(self, tsa_cert, tsa_key, chain=()):
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        self.stamper = DummyTimeStamper(
            tsa_cert=tsa_cert, tsa_key=tsa_key, certs_to_embed=list(chain)
        )
        super().__init__(_TsaHandler)


class _TsaHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        from asn1crypto import tsp

        tsa = self.server.owner
        tsa.requests += 1
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        data = tsa.stamper.request_tsa_response(request).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
