"""The ``tiles://`` URL scheme: an offline raster basemap served from an MBTiles file.

``tiles://basemap/{z}/{x}/{y}?v=<n>`` is the XYZ tile ``z/x/y`` of the file
that :class:`TileSource` holds; ``v`` is the source's generation, which
changes with every file so that the page never shows a cached tile of the
previous file (a request with another ``v`` is answered 404). Missing tiles,
malformed URLs and "no file" are 404 too (``UrlNotFound``).

QtWebEngine calls the scheme handler on the GUI thread. Tiles are read from
the file on a small worker pool; the result comes back to the GUI thread by a
queued signal and only there is the job answered, because a
``QWebEngineUrlRequestJob`` lives on the GUI thread and may be deleted by the
engine at any time (page closed, request aborted): its ``destroyed`` signal
removes it from the pending jobs, and a reply for a job that is gone is dropped.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Final

import shiboken6
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QObject,
    Qt,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from app.data.mbtiles import MBTiles, MBTilesError, MBTilesErrorKind

log = logging.getLogger(__name__)

SCHEME: Final = "tiles"
SCHEME_BYTES: Final = SCHEME.encode("ascii")
HOST: Final = "basemap"
URL_TEMPLATE: Final = f"{SCHEME}://{HOST}/{{z}}/{{x}}/{{y}}"

_PATH = re.compile(r"/(\d{1,2})/(\d{1,10})/(\d{1,10})")
_VERSION = re.compile(r"v=(\d{1,10})")
_WORKERS: Final = 2

_registered = False


def register_tiles_scheme() -> None:
    """Register the ``tiles`` scheme with QtWebEngine. Call before the QApplication exists.

    Safe to call more than once. Same flags as ``app`` (see ``scheme.register_schemes``):
    a secure, CORS-enabled scheme that ``fetch()`` may use.
    """
    global _registered
    if _registered:
        return
    scheme = QWebEngineUrlScheme(SCHEME_BYTES)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.LocalAccessAllowed
        | QWebEngineUrlScheme.Flag.CorsEnabled
        | QWebEngineUrlScheme.Flag.FetchApiAllowed
    )
    QWebEngineUrlScheme.registerScheme(scheme)
    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    _registered = True


def parse_tile_url(url: QUrl) -> tuple[int, int, int, int | None] | None:
    """``(z, x, y, version)`` of a ``tiles://basemap/z/x/y[?v=n]`` URL, or None.

    ``version`` is None when the URL has no ``v``. Anything else in the URL
    (another host, more path, other query fields, a fragment) makes it invalid.
    """
    if url.scheme() != SCHEME or url.host() != HOST or url.hasFragment():
        return None
    if url.port() != -1 or url.userInfo():
        return None
    match = _PATH.fullmatch(url.path(QUrl.ComponentFormattingOption.FullyEncoded))
    if match is None:
        return None
    version: int | None = None
    if url.hasQuery():
        query = _VERSION.fullmatch(url.query(QUrl.ComponentFormattingOption.FullyEncoded))
        if query is None:
            return None
        version = int(query.group(1))
    z, x, y = (int(group) for group in match.groups())
    return z, x, y, version


# ---- messages ----

# QT_TRANSLATE_NOOP marks the texts for lupdate (its stub is typed as returning object).
_ERROR_TEXTS: Final[dict[MBTilesErrorKind, object]] = {
    MBTilesErrorKind.MISSING: QT_TRANSLATE_NOOP("TileSource", "The map file %1 does not exist."),
    MBTilesErrorKind.UNREADABLE: QT_TRANSLATE_NOOP(
        "TileSource",
        "The map file %1 cannot be opened. Check the file's permissions, "
        "or close the program that is writing it.",
    ),
    MBTilesErrorKind.NOT_MBTILES: QT_TRANSLATE_NOOP("TileSource", "%1 is not an MBTiles map file."),
    MBTilesErrorKind.CORRUPT: QT_TRANSLATE_NOOP(
        "TileSource",
        "The map file %1 is damaged or incomplete. Copy it again from its source.",
    ),
    MBTilesErrorKind.EMPTY: QT_TRANSLATE_NOOP("TileSource", "The map file %1 contains no tiles."),
    MBTilesErrorKind.UNSUPPORTED: QT_TRANSLATE_NOOP(
        "TileSource",
        "The map file %1 holds vector tiles or an image format that cannot be shown. "
        "Use a raster MBTiles file (PNG, JPEG or WebP).",
    ),
}


def error_text(error: MBTilesError, path: Path | str) -> str:
    """A sentence for people: what is wrong with the file and what to do."""
    text = QCoreApplication.translate("TileSource", str(_ERROR_TEXTS[error.kind]))
    return text.replace("%1", str(path))


# ---- the tile source ----


class _Relay(QObject):
    """Lives on the GUI thread; workers emit, the queued connection delivers there."""

    tile_read = Signal(object, object, str)  # job key (int), bytes or None, MIME type


class TileSource(QObject):
    """The basemap file shown by every profile it is installed on.

    ``set_file(path)`` opens a file (``None`` removes the basemap) and emits
    ``changed(info)``: for the page's ``setBasemap``, ``info`` holds ``url``
    (the Leaflet URL template), ``minZoom``, ``maxZoom``, ``bounds``
    (``[west, south, east, north]`` or None), ``format``, ``name`` and
    ``attribution``; it is ``{}`` when there is no basemap. Call ``close()``
    before the application quits.
    """

    changed = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tiles: MBTiles | None = None
        self._generation = 0
        self._closed = False
        self._executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="xcc-tiles")
        self._keys = itertools.count(1)
        self._pending: dict[int, QWebEngineUrlRequestJob] = {}
        self._relay = _Relay(self)
        self._relay.tile_read.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._read_failed: set[int] = set()  # id() of files whose read errors were logged
        # If the owner never calls close(): let the workers finish before the
        # relay (a child) goes; nothing is read after that.
        self.destroyed.connect(partial(_shut_down, self._executor))

    # ---- the file ----

    @property
    def tiles(self) -> MBTiles | None:
        return self._tiles

    @property
    def generation(self) -> int:
        """Changes with every file; part of the tile URLs."""
        return self._generation

    def info(self) -> dict[str, Any]:
        """What the page needs to show the basemap; ``{}`` when there is none."""
        tiles = self._tiles
        if tiles is None:
            return {}
        bounds = tiles.bounds
        return {
            "url": f"{URL_TEMPLATE}?v={self._generation}",
            "minZoom": tiles.min_zoom,
            "maxZoom": tiles.max_zoom,
            "bounds": bounds.as_list() if bounds is not None else None,
            "format": tiles.format,
            "name": tiles.name,
            "attribution": tiles.attribution,
        }

    def set_file(self, path: Path | str | None) -> str | None:
        """Show the MBTiles file ``path`` (None: no basemap).

        Returns None on success, or a message for people (translated) if the
        file cannot be used; then the previous basemap stays. Opening reads a
        few pages of the file; to keep even that off the GUI thread, open the
        :class:`MBTiles` on a worker and pass it to :meth:`set_tiles`.
        """
        if path is None:
            self.set_tiles(None)
            return None
        try:
            tiles = MBTiles(path)
        except MBTilesError as error:
            log.warning("basemap %s not used: %s", path, error)
            return error_text(error, path)
        self.set_tiles(tiles)
        return None

    def set_tiles(self, tiles: MBTiles | None) -> None:
        """Show an already opened file (the source closes it later), or none."""
        if self._closed:
            if tiles is not None:
                tiles.close()
            return
        old, self._tiles = self._tiles, tiles
        self._generation += 1
        if old is not None and old is not tiles:
            old.close()  # reads still running on it return None: a 404 for a gone file
        self.changed.emit(self.info())

    # ---- the profiles ----

    def install(self, profile: QWebEngineProfile) -> TileSchemeHandler:
        """Answer ``tiles://`` requests of ``profile`` from this source (once per profile)."""
        current = profile.urlSchemeHandler(SCHEME_BYTES)
        if isinstance(current, TileSchemeHandler) and current.source is self:
            return current
        if current is not None:
            profile.removeUrlSchemeHandler(current)
        handler = TileSchemeHandler(self, profile)
        profile.installUrlSchemeHandler(SCHEME_BYTES, handler)
        return handler

    def close(self) -> None:
        """Stop reading, answer the waiting requests and close the file. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        pending, self._pending = self._pending, {}
        for job in pending.values():
            if shiboken6.isValid(job):
                job.fail(QWebEngineUrlRequestJob.Error.RequestAborted)
        tiles, self._tiles = self._tiles, None
        if tiles is not None:
            tiles.close()

    @property
    def pending_count(self) -> int:
        """Requests waiting for their tile (for tests and diagnostics)."""
        return len(self._pending)

    # ---- requests ----

    def handle(self, job: QWebEngineUrlRequestJob) -> None:
        """Start answering ``job``; called by the handler on the GUI thread."""
        if bytes(job.requestMethod().data()) != b"GET":
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        parsed = parse_tile_url(job.requestUrl())
        tiles = self._tiles
        if parsed is None or tiles is None or self._closed:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        z, x, y, version = parsed
        if version is not None and version != self._generation:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)  # a tile of another file
            return
        key = next(self._keys)
        self._pending[key] = job
        job.destroyed.connect(lambda *_args: self._forget(key))
        try:
            self._executor.submit(self._read, key, tiles, z, x, y)
        except RuntimeError:  # shut down meanwhile
            del self._pending[key]
            job.fail(QWebEngineUrlRequestJob.Error.RequestAborted)

    def _forget(self, key: int) -> None:
        """The engine deleted the job (page closed, request aborted): never touch it again."""
        self._pending.pop(key, None)

    def _read(self, key: int, tiles: MBTiles, z: int, x: int, y: int) -> None:
        """On a worker: read the tile, hand it to the GUI thread."""
        try:
            data = tiles.tile(z, x, y)
        except MBTilesError as error:
            data = None
            if id(tiles) not in self._read_failed:
                self._read_failed.add(id(tiles))
                log.warning("cannot read tiles from %s: %s", tiles.path, error)
        except Exception:
            data = None
            log.exception("reading tile %d/%d/%d failed", z, x, y)
        with contextlib.suppress(RuntimeError):  # the source is gone; nobody waits any more
            self._relay.tile_read.emit(key, data, tiles.mime_type)

    @Slot(object, object, str)
    def _deliver(self, key: int, data: bytes | None, mime_type: str) -> None:
        """On the GUI thread: answer the job, if the engine still has it."""
        job = self._pending.pop(key, None)
        if job is None or not shiboken6.isValid(job):
            log.debug("tile request %d ended before its tile was read", key)
            return
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        buffer = QBuffer(job)  # parented to the job: it must outlive this call
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(QByteArray(mime_type.encode("ascii")), buffer)


def _shut_down(executor: ThreadPoolExecutor, *_args: object) -> None:
    executor.shutdown(wait=True, cancel_futures=True)


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Passes ``tiles://`` requests of one profile to a :class:`TileSource`."""

    def __init__(self, source: TileSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source

    @property
    def source(self) -> TileSource:
        return self._source

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        if not shiboken6.isValid(self._source):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self._source.handle(job)


__all__ = [
    "HOST",
    "SCHEME",
    "SCHEME_BYTES",
    "URL_TEMPLATE",
    "TileSchemeHandler",
    "TileSource",
    "error_text",
    "parse_tile_url",
    "register_tiles_scheme",
]
