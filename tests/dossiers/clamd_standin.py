"""A stand-in for clamd on loopback (or a unix socket), in a thread: it speaks the
INSTREAM command, keeps the bytes of every stream it received, and answers FOUND for a
stream that contains `SIGNATURE_MARK`, OK otherwise. `reply` overrides the answer (an
error line); `silent` reads the stream and never answers (a hung scanner)."""

from __future__ import annotations

import contextlib
import socketserver
import struct
import threading

SIGNATURE_MARK = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"


class Clamd:
    def __init__(self, *, reply: bytes | None = None, silent: bool = False):
        self.reply, self.silent = reply, silent
        self.streams: list[bytes] = []
        self.commands: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()

    def answer(self, content: bytes) -> bytes:
        if self.reply is not None:
            return self.reply
        if SIGNATURE_MARK in content:
            return b"stream: Eicar-Test-Signature FOUND\0"
        return b"stream: OK\0"


def _handler(clamd: Clamd):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            with clamd.lock:
                clamd.connections += 1
            command = b""
            while not command.endswith(b"\0"):
                byte = self.rfile.read(1)
                if not byte:
                    return
                command += byte
            content = b""
            while True:
                size = struct.unpack(">I", self.rfile.read(4))[0]
                if size == 0:
                    break
                content += self.rfile.read(size)
            with clamd.lock:
                clamd.commands.append(command)
                clamd.streams.append(content)
            if clamd.silent:
                self.rfile.read()  # until the client gives up
                return
            self.wfile.write(clamd.answer(content))

    return Handler


class _TCP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Unix(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


@contextlib.contextmanager
def running_clamd(*, unix_path: str | None = None, **kw):
    """Yields (clamd, address) with address as DOSSIER_CLAMD_ADDRESS takes it."""
    clamd = Clamd(**kw)
    if unix_path:
        server = _Unix(unix_path, _handler(clamd))
        address = f"unix://{unix_path}"
    else:
        server = _TCP(("127.0.0.1", 0), _handler(clamd))
        address = f"tcp://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield clamd, address
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_address() -> str:
    """A loopback port where nothing listens (clamd down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"
