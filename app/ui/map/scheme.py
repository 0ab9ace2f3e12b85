"""The ``app://`` URL scheme: the map page and its assets, served from inside the program.

``app://map/<file>`` is our own page code in ``resources/map/``;
``app://map/vendor/<package>/<file>`` is a third-party package installed by
``npm ci`` into ``resources/map/node_modules/``; ``app://map/qwebchannel.js`` is
Qt's own copy. Nothing is loaded from the network: a request interceptor
blocks every URL of another scheme.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QFile,
    QIODevice,
    QObject,
    Qt,
    QUrl,
)
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from app import paths

log = logging.getLogger(__name__)

SCHEME = "app"
SCHEME_BYTES = SCHEME.encode("ascii")
MAP_HOST = "map"
PAGE_URL = QUrl(f"{SCHEME}://{MAP_HOST}/index.html")

VENDOR_PREFIX = "vendor"
NODE_MODULES = "node_modules"
QWEBCHANNEL_NAME = "qwebchannel.js"
QWEBCHANNEL_RESOURCE = ":/qtwebchannel/qwebchannel.js"

# Only these kinds of file are served; the suffix decides the MIME type.
MIME_TYPES: dict[str, str] = {
    ".html": "text/html;charset=utf-8",
    ".js": "text/javascript;charset=utf-8",
    ".mjs": "text/javascript;charset=utf-8",
    ".css": "text/css;charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}

_registered = False


def register_schemes() -> None:
    """Register the ``app`` scheme with QtWebEngine. Call before the QApplication exists.

    Safe to call more than once.
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
        # QtWebEngine needs shared OpenGL contexts, set before the application exists.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    _registered = True


def map_root() -> Path:
    """The folder with the map page: ``resources/map``."""
    return paths.resources_dir() / "map"


def resolve_map_path(root: Path, url_path: str) -> Path | None:
    """The file that ``app://map<url_path>`` names, or None if it names nothing we serve.

    ``url_path`` is the fully decoded URL path, so ``%2F`` has become ``/``
    already. Every ``..`` is refused, and the resolved file (symbolic links
    followed) must stay inside the folder it is served from.
    """
    parts = PurePosixPath(url_path).parts
    if parts[:1] == ("/",):
        parts = parts[1:]
    if not parts or any(not _is_plain_segment(part) for part in parts):
        return None
    if parts[0] == NODE_MODULES:
        return None  # vendor files only through vendor/
    if parts[0] == VENDOR_PREFIX:
        base, parts = root / NODE_MODULES, parts[1:]
        if len(parts) < 2:
            return None
    else:
        base = root
    return _existing_file_under(base, Path(*parts))


def _is_plain_segment(segment: str) -> bool:
    return segment not in ("", ".", "..") and not any(c in segment for c in "\\\0:")


def _existing_file_under(base: Path, relative: Path) -> Path | None:
    try:
        base = base.resolve(strict=True)
        candidate = (base / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    if candidate.suffix.lower() not in MIME_TYPES:
        return None
    return candidate


def mime_type(path: Path) -> str:
    return MIME_TYPES[path.suffix.lower()]


class MapSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``app://map/...`` requests from files; everything else is 404.

    The files are small static assets (Leaflet is 150 kB), so they are read
    here on the GUI thread, where QtWebEngine calls the handler.
    """

    def __init__(self, root: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = root if root is not None else map_root()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        if bytes(job.requestMethod().data()) != b"GET":
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        content = self._content_for(url)
        if content is None:
            self._log_not_found(url)
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        data, content_type = content
        buffer = QBuffer(job)  # parented to the job: it must outlive this call
        buffer.setData(data)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(QByteArray(content_type.encode("ascii")), buffer)

    def _content_for(self, url: QUrl) -> tuple[bytes, str] | None:
        if url.host() != MAP_HOST:
            return None
        url_path = url.path(QUrl.ComponentFormattingOption.FullyDecoded)
        if url_path == "/" + QWEBCHANNEL_NAME:
            return _read_qt_resource(QWEBCHANNEL_RESOURCE), MIME_TYPES[".js"]
        path = resolve_map_path(self._root, url_path)
        if path is None:
            return None
        try:
            return path.read_bytes(), mime_type(path)
        except OSError:
            log.exception("cannot read %s", path)
            return None

    def _log_not_found(self, url: QUrl) -> None:
        text = url.toDisplayString()
        if url.path().startswith(f"/{VENDOR_PREFIX}/") and not (self._root / NODE_MODULES).is_dir():
            log.warning("%s not found: run `npm ci` in %s", text, self._root)
        else:
            log.info("%s not found", text)


def _read_qt_resource(name: str) -> bytes:
    file = QFile(name)
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError(f"Qt resource {name} is missing")
    try:
        return bytes(file.readAll().data())
    finally:
        file.close()


class LocalOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request whose scheme is not one of ours, and records it in ``blocked``."""

    def __init__(
        self, allowed_schemes: frozenset[str] = frozenset({SCHEME}), parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._allowed = allowed_schemes
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme() in self._allowed:
            return
        info.block(True)
        text = url.toString()
        self.blocked.append(text)
        log.warning("blocked request to %s", text[:200])
