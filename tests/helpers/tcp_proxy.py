"""A small threaded TCP proxy on the loopback interface, for cutting connections in tests.

::

    with TcpProxy(5432) as proxy:
        url = pg_url.set(port=proxy.port)  # the program talks to the proxy
        ...
        proxy.cut()  # close every open connection; refuse new ones
        proxy.restore()  # accept and forward again

While cut, a new connection is accepted and closed at once, so a client fails
fast ("server closed the connection unexpectedly") instead of waiting for a
timeout. ``lose_reply_after(marker)`` simulates an answer lost on the way
back: the next chunk from a client that contains ``marker`` (``b"COMMIT"``)
reaches the server, the server's answer is read and thrown away, and that one
connection is closed; the others go on.

Both ends are loopback addresses, nothing else is accepted. Threads are
daemons, sockets have timeouts, at most ``max_connections`` are forwarded at a
time, and the proxy closes itself after ``lifetime_s`` if nobody else does.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from types import TracebackType

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
POLL_S = 0.05
BUFFER = 65536


def _close_now(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class _Pipe:
    """One client connection and its connection to the target."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream

    def shutdown(self) -> None:
        """Wake the forwarding thread: both peers see the connection end."""
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        _close_now(self.client)
        _close_now(self.upstream)


class TcpProxy:
    """Forwards 127.0.0.1:<port> (an ephemeral port) to a loopback target."""

    def __init__(
        self,
        target_port: int,
        target_host: str = "127.0.0.1",
        *,
        max_connections: int = 64,
        lifetime_s: float = 300.0,
        io_timeout_s: float = 10.0,
    ) -> None:
        if target_host not in LOOPBACK_HOSTS:
            raise ValueError(f"the proxy forwards to loopback only, not to {target_host!r}")
        self._target = (target_host, target_port)
        self._max = max_connections
        self._io_timeout = io_timeout_s
        self._deadline = time.monotonic() + lifetime_s
        self._lock = threading.Lock()
        self._pipes: set[_Pipe] = set()
        self._threads: list[threading.Thread] = []
        self._cut = False
        self._marker: bytes | None = None
        self._closed = threading.Event()
        self.reply_lost = threading.Event()
        self.accepted = 0
        self.refused = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(POLL_S)
        self.port: int = self._server.getsockname()[1]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"tcp-proxy-{self.port}", daemon=True
        )
        self._accept_thread.start()

    # -- control ----------------------------------------------------------------
    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pipes)

    @property
    def is_cut(self) -> bool:
        with self._lock:
            return self._cut

    def cut(self, timeout: float = 5.0) -> None:
        """Close every forwarded connection and refuse new ones until :meth:`restore`."""
        with self._lock:
            self._cut = True
        self._shutdown_pipes(timeout)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def lose_reply_after(self, marker: bytes) -> None:
        """Arm a one-shot fault: forward the next chunk holding ``marker``, drop the answer."""
        self.reply_lost.clear()
        with self._lock:
            self._marker = marker

    def close(self, timeout: float = 5.0) -> None:
        self._closed.set()
        if self._accept_thread is not threading.current_thread():
            self._accept_thread.join(timeout)
        self._shutdown_pipes(timeout)
        with self._lock:
            threads = list(self._threads)
        end = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals --------------------------------------------------------------
    def _shutdown_pipes(self, timeout: float) -> None:
        with self._lock:
            pipes = list(self._pipes)
        for pipe in pipes:
            pipe.shutdown()
        end = time.monotonic() + timeout
        while self.open_connections and time.monotonic() < end:
            time.sleep(0.005)

    def _accept_loop(self) -> None:
        try:
            while not self._closed.is_set():
                if time.monotonic() > self._deadline:
                    self._closed.set()
                    break
                try:
                    client, _addr = self._server.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                self._open(client)
        finally:
            self._server.close()

    def _open(self, client: socket.socket) -> None:
        with self._lock:
            refuse = self._cut or self._closed.is_set() or len(self._pipes) >= self._max
        if refuse:
            self._refuse(client)
            return
        try:
            upstream = socket.create_connection(self._target, timeout=self._io_timeout)
        except OSError:
            self._refuse(client)
            return
        for sock in (client, upstream):
            sock.settimeout(self._io_timeout)
            # Forward small protocol messages at once (no Nagle / delayed-ACK stalls).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pipe = _Pipe(client, upstream)
        thread = threading.Thread(
            target=self._forward, args=(pipe,), name=f"tcp-proxy-{self.port}-pipe", daemon=True
        )
        with self._lock:
            # cut() may have run while we connected upstream: it did not see this pipe.
            refuse = self._cut or self._closed.is_set()
            if not refuse:
                self._pipes.add(pipe)
                self.accepted += 1
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
        if refuse:
            _close_now(upstream)
            self._refuse(client)
            return
        thread.start()

    def _refuse(self, client: socket.socket) -> None:
        with self._lock:
            self.refused += 1
        _close_now(client)

    def _take_marker(self, data: bytes) -> bool:
        with self._lock:
            if self._marker is not None and self._marker in data:
                self._marker = None
                return True
            return False

    def _forward(self, pipe: _Pipe) -> None:
        selector = selectors.DefaultSelector()
        selector.register(pipe.client, selectors.EVENT_READ, pipe.upstream)
        selector.register(pipe.upstream, selectors.EVENT_READ, pipe.client)
        try:
            while not self._closed.is_set():
                for key, _events in selector.select(timeout=POLL_S):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    target: socket.socket = key.data
                    data = source.recv(BUFFER)
                    if not data:
                        return
                    if source is pipe.client and self._take_marker(data):
                        pipe.upstream.sendall(data)
                        pipe.upstream.recv(BUFFER)  # the server has answered: drop it
                        self.reply_lost.set()
                        return
                    target.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            pipe.close()
            with self._lock:
                self._pipes.discard(pipe)
