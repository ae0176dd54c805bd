"""A folder served over local HTTP, as a static host serves a built site: for the browser
tests and for benchmarks/search.py (which imports it from here, so tests never depend on
benchmarks)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    # HTTP/1.1 keeps connections open between requests, as hosts do: a search loads many
    # small files, and a new connection for each would measure the server, not the site.
    protocol_version = "HTTP/1.1"
    # A response is two writes (headers, then the file). With Nagle's algorithm on a kept
    # connection, the second waits for the ACK of the first, which the browser delays by
    # up to 40 ms: every file after the first few would cost 40 ms of nothing. Static
    # hosts send with TCP_NODELAY (nginx's `tcp_nodelay on`, its default).
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """`folder` over HTTP on 127.0.0.1 (a free port, no compression), served from a thread;
    gives its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
