"""Database faults at the network edge, for tests: a TCP proxy in front of PostgreSQL that can be
switched between passing traffic, refusing (every connection closed at once, like a server that
is down or restarting) and silent (connections accepted and never answered, like a hung server).

Switching away from ``up`` drops every connection already passed through, as a restart does, so
the bot's pooled connections break too. Only the bot's traffic goes through the proxy: the real
server, which other tests share, is never touched.
"""

from __future__ import annotations

import socket
import threading
from typing import Literal

from sqlalchemy.engine import make_url

Mode = Literal["up", "down", "silent"]


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class FaultyProxy:
    """``with FaultyProxy(host, port) as proxy:`` listens on ``proxy.port``; ``proxy.mode = ...``."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._mode: Mode = "up"
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @classmethod
    def for_url(cls, url: str) -> FaultyProxy:
        parsed = make_url(url)
        return cls(parsed.host or "127.0.0.1", parsed.port or 5432)

    def url_through(self, url: str) -> str:
        """``url`` (PostgreSQL) pointed at this proxy instead of the server."""
        parsed = make_url(url).set(host="127.0.0.1", port=self.port)
        return parsed.render_as_string(hide_password=False)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def mode(self) -> Mode:
        return self._mode

    @mode.setter
    def mode(self, mode: Mode) -> None:
        with self._lock:
            self._mode = mode
            if mode != "up":
                self._drop_all()

    def _drop_all(self) -> None:
        for s in self._open:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self._open.clear()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                mode = self._mode
                if mode == "down":
                    client.close()
                    continue
                self._open.append(client)
                if mode == "silent":
                    continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open.append(server)
            threading.Thread(target=_pump, args=(client, server), daemon=True).start()
            threading.Thread(target=_pump, args=(server, client), daemon=True).start()

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)
        self._listener.close()
        with self._lock:
            self._drop_all()


def closed_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
