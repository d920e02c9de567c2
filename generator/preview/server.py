"""Preview stage: serve the rendered site over loopback HTTP and tell open pages, over Server-Sent Events, to reload."""

from __future__ import annotations

import json
import mimetypes
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

import watchfiles

from generator.preview.incremental import SOURCE_DIRS, Preview, Update
from generator.preview.overlay import EVENTS_PATH, SCRIPT, SCRIPT_PATH, STYLE, STYLE_PATH, diagnostics_block, inject, not_found_page

OnUpdate = Callable[[Update], None]
_KEEP_ALIVE_SECONDS: Final = 15.0
_HISTORY: Final = 64
"""Updates remembered for pages that reconnect; a page older than that reloads whatever changed."""
_STEP_MS: Final = 20
"""A change is handed on once the sources stay quiet this long (an editor's save is a burst of events well
within it); a refresh costs a few hundredths of a second, so a later straggler only costs one more."""
_WATCH_TICK_MS: Final = 500
"""How often the watcher wakes without changes, to notice source folders that appear or vanish."""


def site_path(url_path: str) -> str | None:
    """The site file a URL path names (`/` is `index.html`), or None for anything but a plain path inside the site."""
    text = unquote(url_path)
    if not text.startswith("/") or "\\" in text or "\0" in text:
        return None
    parts = text[1:].split("/")
    if parts[-1] == "":
        parts[-1] = "index.html"
    if any(part in ("", ".", "..") for part in parts):
        return None
    return "/".join(parts)


@dataclass(frozen=True, slots=True)
class _Served:
    """One consistent state to serve: the site files and the diagnostics block injected into each page."""

    files: Mapping[str, bytes]
    block: str
    generation: int


@dataclass(frozen=True, slots=True)
class _News:
    generation: int
    changed: frozenset[str]
    everything: bool


class _Hub:
    """The served state and the history of updates; event streams wait here for the next one."""

    def __init__(self, served: _Served) -> None:
        self._condition = threading.Condition()
        self._served = served
        self._history: list[_News] = []
        self.closed = False

    @property
    def served(self) -> _Served:
        return self._served

    def publish(self, files: Mapping[str, bytes], block: str, changed: frozenset[str], everything: bool) -> None:
        with self._condition:
            generation = self._served.generation + 1
            self._served = _Served(files, block, generation)
            self._history = [*self._history[-_HISTORY + 1:], _News(generation, changed, everything)]
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self.closed = True
            self._condition.notify_all()

    def wait(self, since: int, timeout: float) -> _News | None:
        """What changed after generation `since`; None after `timeout` without news, or on close."""
        with self._condition:
            ready = self._condition.wait_for(lambda: self.closed or self._served.generation != since, timeout)
            if not ready or self.closed:
                return None
            current = self._served.generation
            news = [n for n in self._history if n.generation > since]
            # a generation from another server, or older than the history kept, may have missed anything
            known = 0 <= since <= current and bool(news) and news[0].generation == since + 1
            return _News(current, frozenset(p for n in news for p in n.changed),
                         not known or any(n.everything for n in news))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    app: PreviewServer

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # a browser closing a connection mid-response is routine, not worth a traceback
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass  # the CLI reports what matters; a line per request would bury the diagnostics

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's name
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        app = self.server.app
        if not app.is_allowed_host(self.headers.get("Host", "")):
            self._send(HTTPStatus.MISDIRECTED_REQUEST, b"unknown host\n", "text/plain; charset=utf-8", head)
            return
        url = urlsplit(self.path)
        if url.path == EVENTS_PATH and not head:
            self._events(parse_qs(url.query))
            return
        if url.path in (SCRIPT_PATH, STYLE_PATH):
            data, kind = (SCRIPT, "text/javascript") if url.path == SCRIPT_PATH else (STYLE, "text/css")
            self._send(HTTPStatus.OK, data.encode("utf-8"), kind + "; charset=utf-8", head)
            return
        self._file(url.path, head)

    def _file(self, url_path: str, head: bool) -> None:
        served = self.server.app.hub.served
        path = site_path(url_path) or ""
        data = served.files.get(path)
        if data is None and path and f"{path}/index.html" in served.files:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)  # relative links inside need the trailing slash
            self.send_header("Location", f"/{path}/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = HTTPStatus.OK
        if data is None:
            status, data = HTTPStatus.NOT_FOUND, not_found_page(unquote(url_path))
        kind = "text/html" if status is HTTPStatus.NOT_FOUND else mimetypes.guess_type(path)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject(data, path, served.block, served.generation, self.server.app.token)
        if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
            kind += "; charset=utf-8"
        self._send(status, data, kind, head)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a reload must show the new render, assets included
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self, query: dict[str, list[str]]) -> None:
        app = self.server.app
        since_text = query.get("since", [""])[0]
        # a page from an earlier server (another token) or with no generation learns that everything changed
        since = int(since_text) if since_text.isdigit() and query.get("token", [""])[0] == app.token else -1
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self._write(b"retry: 500\n\n")
            while not app.hub.closed:
                news = app.hub.wait(since, _KEEP_ALIVE_SECONDS)
                if news is None:
                    self._write(b": keep-alive\n\n")  # finds clients that went away
                    continue
                since = news.generation
                body = {"all": news.everything, "changed": [] if news.everything else sorted(news.changed)}
                self._write(f"data: {json.dumps(body)}\n\n".encode())
        except (ConnectionError, TimeoutError):
            return

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()


class PreviewServer:
    """The preview of one project: an HTTP server on a bound socket plus, while it serves, a source watcher."""

    def __init__(self, preview: Preview, initial: Update, host: str, port: int) -> None:
        self.preview = preview
        self.initial = initial
        """The first load, check and render."""
        self.token = secrets.token_hex(8)
        """Tells this server's pages from those of an earlier run, which reload when it starts."""
        self.hub = _Hub(_Served(*self._state(), generation=0))
        self.watching = threading.Event()
        """Set once the source watcher runs; changes before that are only seen with the next one."""
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._http = _HTTPServer((host, port), _Handler)
        self._http.app = self

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/"

    def is_allowed_host(self, header: str) -> bool:
        """Only requests naming this server by a loopback name and its port, exactly (issue #17).

        A page elsewhere that rebinds its own name to 127.0.0.1 sends that name as Host, so it cannot read
        the preview (DNS rebinding); a prefix test such as "starts with 127." let `127.evil.com` through.
        """
        host, port = self._http.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        names = {"localhost", "127.0.0.1", "[::1]", f"[{name}]" if ":" in name else name}
        allowed = {f"{n}:{port}" for n in names} | (names if port == 80 else set())
        return header.strip().lower() in allowed

    def serve_forever(self, on_update: OnUpdate | None = None) -> None:
        """Serve and watch the sources until `shutdown()` or Ctrl-C; `on_update` hears of every refresh."""
        watcher = threading.Thread(target=self._watch, args=(on_update,), name="preview-watcher", daemon=True)
        watcher.start()
        try:
            self._http.serve_forever()
        finally:
            self._stop.set()
            self.hub.close()
            self._http.server_close()
            watcher.join(timeout=5)
        if self._failure is not None:
            raise self._failure  # a bug in load, check or render: show its traceback rather than serve stale pages

    def shutdown(self) -> None:
        """Stop `serve_forever` from another thread."""
        self._stop.set()
        self._http.shutdown()

    def _state(self) -> tuple[Mapping[str, bytes], str]:
        site = self.preview.site
        return (site.files if site else {}), diagnostics_block(self.preview.diagnostics, site is not None)

    def _refresh(self, touched: set[Path], on_update: OnUpdate | None) -> None:
        update = self.preview.refresh(touched)
        if update.changed or update.diagnostics_changed:
            self.hub.publish(*self._state(), update.changed, update.reload_all)
        if on_update:
            on_update(update)

    def _watch(self, on_update: OnUpdate | None) -> None:
        try:
            self._watch_sources(on_update)
        except Exception as exc:  # not swallowed: serve_forever re-raises it in the main thread
            self._failure = exc
            self._http.shutdown()

    def _watch_sources(self, on_update: OnUpdate | None) -> None:
        while not self._stop.is_set():
            folders = self._source_folders()
            if not folders:
                self.watching.set()
                self._stop.wait(_WATCH_TICK_MS / 1000)
                if self._source_folders():
                    self._refresh(set(self._source_folders()), on_update)
                continue
            try:
                self._watch_folders(folders, on_update)
            except FileNotFoundError:
                continue  # a folder vanished while the watch started; look again

    def _watch_folders(self, folders: frozenset[Path], on_update: OnUpdate | None) -> None:
        for changes in watchfiles.watch(*sorted(folders), stop_event=self._stop, step=_STEP_MS, rust_timeout=_WATCH_TICK_MS,
                                        yield_on_timeout=True, raise_interrupt=False):
            self.watching.set()
            now = self._source_folders()
            touched = {Path(path) for _, path in changes} | set(now ^ folders)
            if touched:
                self._refresh(touched, on_update)
            if now != folders:
                return  # watch the folders that exist now

    def _source_folders(self) -> frozenset[Path]:
        return frozenset(self.preview.root / name for name in SOURCE_DIRS if (self.preview.root / name).is_dir())


def open_preview(root: Path, host: str = "127.0.0.1", port: int = 8000) -> PreviewServer:
    """Load, check and render the project under `root`, and bind the server (OSError if the port is taken).

    Diagnostics: everything `check` reports, in `initial.diagnostics`.
    """
    preview = Preview(root.resolve())
    initial = preview.refresh()
    return PreviewServer(preview, initial, host, port)
