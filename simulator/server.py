"""The HTTP side: a threaded server on 127.0.0.1 that hands every request to the simulator."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from simulator.responses import Response


class Application(Protocol):
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response: ...


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client never keeps the process alive
    block_on_close = False
    request_queue_size = 512  # bursts of >100 concurrent clients must reach the concurrency limit
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Application):
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """End idle keep-alive connections too: a stopped simulator answers nothing more."""
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect from GitHub
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end eventually

    server: SimulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.app.handle(self.command, self.path, headers, body)
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        return None  # quiet: tests and the demo read sim.requests instead


def serve(app: Application, host: str = "127.0.0.1", port: int = 0) -> tuple[SimulatorHTTPServer, threading.Thread]:
    """Start serving in a daemon thread; the server's bound port is server.server_address[1]."""
    server = SimulatorHTTPServer((host, port), app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"github-simulator:{server.server_address[1]}", daemon=True)
    thread.start()
    return server, thread
