"""The preview's HTTP side: the site and nothing else, to this machine only, plus the
channel that tells browsers what changed.

Nothing here joins a request path onto a folder: pages, assets, search data and feeds
are looked up by site path in memory (site.py), so no path can reach a file outside the
site. Paths are checked first all the same: decoded once, and refused (404) when they
hold `..`, a backslash, NUL or another control character, or a `%` still there after
decoding (double encoding). The Host header must name this machine, so a web page
cannot reach the preview through DNS rebinding; no response carries CORS headers.
"""

from __future__ import annotations

import ipaddress
import json
import queue
import re
import socket
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import parse_qs, unquote

from ..errors import UsageError
from .site import LiveSite, Response

EVENTS = "/_sitegen/events"
SCRIPT = "/_sitegen/reload.js"
RELOAD_SCRIPT = (Path(__file__).parent / "reload.js").read_bytes()
HEARTBEAT = 15.0  # seconds between keep-alive comments on a quiet event stream
RETRY_MS = 1000  # how soon a browser reconnects after losing the stream (server restarted)
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
WILDCARDS = frozenset({"0.0.0.0", "::"})
HOST_HEADER = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[^:\[\]/\s]+)(?::\d{1,5})?")
UNSAFE = re.compile(r"[\\%\x00-\x1f\x7f]")
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
CLOSED = None  # the message that ends every event stream
HEADER_DEADLINE = 10.0  # seconds a connection has to send a request's line and headers
IDLE_TIMEOUT = 30.0  # seconds a connection may wait for the next request (or a stalled write)
MAX_CONNECTIONS = 64  # open at once; each holds a thread (an open page holds one for its event stream)
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

# The same policy netlify.toml sends: the preview behaves as the published site will.
CONTENT_SECURITY_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")


def site_path(target: str) -> str | None:
    """The site path a request target asks for (`/archive/` -> `archive/index.html`),
    or None when it may not be served (absolute-form targets included: only proxies get them)."""
    raw = target.partition("?")[0].partition("#")[0]
    if not raw.startswith("/"):
        return None
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    parts = decoded.split("/")[1:]
    if UNSAFE.search(decoded) or any(part in (".", "..") for part in parts):
        return None
    kept = [part for part in parts if part]
    if not kept or decoded.endswith("/"):
        kept.append("index.html")
    return "/".join(kept)


def host_allowed(header: str | None, bound: str) -> bool:
    """A Host header naming this machine: a local name, or the address the server is
    bound to; when bound to all interfaces, any IP address (a rebinding attack needs a
    domain name)."""
    matched = HOST_HEADER.fullmatch((header or "").strip())
    if not matched:
        return False
    name = matched["name"].lower().rstrip(".")
    if name in LOCAL_NAMES or name.endswith(".localhost") or name == url_host(bound):
        return True
    return bound in WILDCARDS and _is_address(name.strip("[]"))


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def url_host(host: str) -> str:
    """`::1` -> `[::1]`: how a host appears in a URL and in a Host header."""
    return f"[{host}]" if ":" in host else host


def inject_script(page: bytes, generation: str) -> bytes:
    """The reload script, as an external file (a strict Content-Security-Policy allows it),
    before `</head>`; the generation tells it which state of the site the page shows."""
    tag = f'<script src="{SCRIPT}?g={generation}" defer></script>\n'.encode("ascii")
    head_end = HEAD_END.search(page)
    if head_end is None:
        return page + tag
    return page[:head_end.start()] + tag + page[head_end.start():]


class EventHub:
    """The browsers listening for changes, each with its queue and the page it shows."""

    def __init__(self) -> None:
        self._listeners: dict[queue.SimpleQueue, str | None] = {}
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def listen(self, page: str | None) -> Iterator[queue.SimpleQueue]:
        messages: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            if self._closed:
                messages.put(CLOSED)
            self._listeners[messages] = page
        try:
            yield messages
        finally:
            with self._lock:
                del self._listeners[messages]

    def publish(self, message: dict | None) -> None:
        with self._lock:
            for messages in self._listeners:
                messages.put(message)

    def open_pages(self) -> set[str]:
        with self._lock:
            return {page for page in self._listeners.values() if page}

    def close(self) -> None:
        """End every stream, now and from now on (the server is stopping)."""
        with self._lock:
            self._closed = True
        self.publish(CLOSED)


class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server for one `LiveSite`; each connection has its own thread."""

    daemon_threads = True  # open event streams never hold up the end

    def __init__(self, host: str, port: int, hub: EventHub, say: Callable[[str], None]):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.hub = hub
        self.say = say
        self.site: LiveSite | None = None  # set once the site is loaded, before serving starts
        try:
            super().__init__((host, port), Handler)
        except OSError as exc:
            raise UsageError(f"cannot listen on {url_host(host)}:{port}: {exc.strerror or exc} "
                             "(choose another port with --port)") from None
        self.host = host
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request, client_address) -> None:
        """A thread for the connection while fewer than MAX_CONNECTIONS are open; beyond
        that, a 503 and the connection closed: with `--host 0.0.0.0` anyone on the network
        could otherwise hold threads without end."""
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in WILDCARDS else self.host
        return f"http://{url_host(host)}:{self.server_address[1]}/"

    def handle_error(self, request, client_address) -> None:
        """One line, never a traceback; a browser that went away is no error at all."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            self.say(f"error answering a request: {type(error).__name__}: {error}")


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "sitegen-serve"
    timeout = IDLE_TIMEOUT  # for each read and write on the connection
    header_deadline = HEADER_DEADLINE

    def handle_one_request(self) -> None:
        """One request, whose line and headers must all arrive within `header_deadline`:
        the connection is shut when they have not (a client sending a byte now and then
        would otherwise hold its thread for ever)."""
        self._deadline = threading.Timer(self.header_deadline, self._shut)
        self._deadline.daemon = True
        self._deadline.start()
        try:
            super().handle_one_request()
        finally:
            self._deadline.cancel()

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        self._deadline.cancel()
        return parsed

    def _shut(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args) -> None:
        """Quiet: the console reports changes, not requests."""

    def _answer(self, with_body: bool) -> None:
        if not host_allowed(self.headers.get("Host"), self.server.host):
            self._send(Response(403, "text/plain; charset=utf-8", b"forbidden: this server answers only to "
                                b"localhost names\n"), with_body)
            return
        route, _, query = self.path.partition("?")
        if route == EVENTS:
            self._stream_events(parse_qs(query).get("path", [""])[0])
        elif route == SCRIPT:
            self._send(Response(200, "text/javascript; charset=utf-8", RELOAD_SCRIPT), with_body)
        else:
            self._send(self.server.site.respond(site_path(self.path)), with_body)

    def _send(self, response: Response, with_body: bool) -> None:
        body = response.body
        if response.generation is not None:
            body = inject_script(body, response.generation)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if response.immutable else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _stream_events(self, shown: str) -> None:
        """Server-Sent Events: first the site's state, then each change, until either side
        ends; `shown` is the path of the page listening."""
        with self.server.hub.listen(site_path(shown)) as messages:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.wfile.write(f"retry: {RETRY_MS}\n\n".encode("ascii"))
            self._event(self.server.site.hello())
            while True:
                try:
                    message = messages.get(timeout=HEARTBEAT)
                except queue.Empty:
                    self.wfile.write(b": still here\n\n")
                    continue
                if message is CLOSED:
                    return
                self._event(message)

    def _event(self, message: dict) -> None:
        self.wfile.write(f"data: {json.dumps(message)}\n\n".encode("utf-8"))
