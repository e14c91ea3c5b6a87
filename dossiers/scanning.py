"""The virus scan of every upload: one interface, a no-op default and a ClamAV client.

`stored_file_create` asks the scanner named by `DOSSIER_UPLOAD_SCANNER` (a dotted path
of a class with `scan(content: bytes) -> Verdict`) before anything is written. The
bytes wait in the upload request until the scanner answers: a clean file is stored, an
infected one is refused, and when the scanner cannot answer (down, timed out, an error
reply) the upload is refused with "try again" — no file is ever stored unscanned, so
nothing needs a quarantine state that every list and download would have to respect.

`ClamdScanner` speaks clamd's INSTREAM command (clamd(8), "INSTREAM") over TCP or a unix
socket: `zINSTREAM\\0`, the bytes in chunks each prefixed by its length as a 4-byte
big-endian integer, a zero-length chunk, then one reply, `stream: OK` or
`stream: <signature> FOUND` (anything else is an error, e.g. the size limit). The
protocol is small enough to keep here; the `clamd` package on PyPI is unmaintained.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

CLEAN, INFECTED, ERROR = "clean", "infected", "error"


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: str
    # The signature found (infected), or what went wrong (error); for the logs.
    detail: str = ""

    @classmethod
    def clean(cls) -> Verdict:
        return cls(CLEAN)

    @classmethod
    def infected(cls, signature: str) -> Verdict:
        return cls(INFECTED, signature)

    @classmethod
    def error(cls, detail: str) -> Verdict:
        return cls(ERROR, detail)


class Scanner(Protocol):
    def scan(self, content: bytes) -> Verdict:
        """Never raises for a scanner that cannot answer: returns an error verdict."""


class NoScanner:
    """No scan: every file is clean (development, tests, a deployment without one)."""

    def scan(self, content: bytes) -> Verdict:
        return Verdict.clean()


class ClamdScanner:
    """clamd over `DOSSIER_CLAMD_ADDRESS`: `tcp://host:3310` or `unix:///path/clamd.ctl`."""

    CHUNK = 64 * 1024

    def __init__(self, address: str | None = None, timeout: float | None = None):
        self.address = address or settings.DOSSIER_CLAMD_ADDRESS
        self.timeout = timeout if timeout is not None else settings.DOSSIER_CLAMD_TIMEOUT

    def _connect(self) -> socket.socket:
        url = urlsplit(self.address)
        if url.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(url.path)
            return sock
        if url.scheme == "tcp" and url.hostname:
            return socket.create_connection((url.hostname, url.port or 3310), self.timeout)
        raise ValueError(f"DOSSIER_CLAMD_ADDRESS is not tcp://host:port or unix:///path: {url}")

    def scan(self, content: bytes) -> Verdict:
        try:
            with self._connect() as sock:
                sock.settimeout(self.timeout)
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(content), self.CHUNK):
                    chunk = content[start : start + self.CHUNK]
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = sock.recv(4096)
                    if not data:
                        break
                    reply += data
        except (OSError, ValueError) as exc:
            return Verdict.error(f"{type(exc).__name__}: {exc}")
        return self.parse(reply)

    @staticmethod
    def parse(reply: bytes) -> Verdict:
        text = reply.rstrip(b"\0\n").decode("utf-8", "replace")
        if text == "stream: OK":
            return Verdict.clean()
        if text.startswith("stream: ") and text.endswith(" FOUND"):
            return Verdict.infected(text[len("stream: ") : -len(" FOUND")])
        return Verdict.error(text or "no reply")


def get_scanner() -> Scanner:
    path = settings.DOSSIER_UPLOAD_SCANNER
    return import_string(path)() if path else NoScanner()
