"""The tiles:// scheme: real QtWebEngine requests get the MBTiles bytes, or 404."""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QByteArray, QIODevice, QObject, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineUrlRequestJob
from PySide6.QtWebEngineWidgets import QWebEngineView

from app.data.mbtiles import MBTiles, MBTilesErrorKind
from app.ui.map.scheme import LocalOnlyInterceptor, MapSchemeHandler, map_root, register_schemes
from app.ui.map.tiles import (
    SCHEME,
    SCHEME_BYTES,
    TileSchemeHandler,
    TileSource,
    parse_tile_url,
    register_tiles_scheme,
)
from app.ui.map.view import MapPage
from tests.data.test_mbtiles import county_tile_keys, county_tiles, payload, write_mbtiles

# Both must run before the QApplication exists; tests/conftest.py does the first.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
register_schemes()
register_tiles_scheme()

pytestmark = pytest.mark.qt_log_ignore(
    "^QRhiGles2: Failed to create",
    "^Failed to create RHI for backend",
    "Vulkan",
    "^GBM is not supported",
)

TIMEOUT_MS = 15000

# The CSP proposed for resources/map/index.html, plus connect-src tiles: so
# that this test page may also fetch() tiles and compare their bytes.
TEST_CSP = (
    "default-src 'none'; script-src app:; style-src app:; img-src app: tiles:; "
    "font-src app:; connect-src app: tiles:; base-uri 'none'; form-action 'none'"
)

INDEX_HTML = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{TEST_CSP}">
<link rel="stylesheet" href="vendor/leaflet/dist/leaflet.css">
<link rel="stylesheet" href="page.css">
</head>
<body>
<div id="map"></div>
<script src="vendor/leaflet/dist/leaflet.js"></script>
<script src="harness.js"></script>
</body>
</html>
"""

# setBasemap is the function proposed for map.js, as it would sit there.
HARNESS_JS = r"""
(function () {
  'use strict';
  const map = L.map('map', { crs: L.CRS.EPSG3857, maxZoom: 18, minZoom: 5, zoomSnap: 0.5 })
    .setView([34.21, 116.84], 9);

  // ---- proposed for map.js ----
  let basemap = null;

  // info: TileSource.info() from Python, or null / {} for no basemap.
  function setBasemap(info) {
    if (basemap) {
      basemap.remove();
      basemap = null;
    }
    if (!info || !info.url) {
      return;
    }
    const b = info.bounds; // [west, south, east, north] or null
    basemap = L.tileLayer(info.url, {
      minZoom: info.minZoom, // nothing below the file's lowest zoom
      maxNativeZoom: info.maxZoom, // deeper zooms enlarge the file's deepest tiles
      maxZoom: map.getMaxZoom(),
      bounds: b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : undefined,
      tms: false, // the tiles:// URLs are XYZ; the scheme handler flips to TMS rows
      keepBuffer: 4,
    });
    basemap.addTo(map); // the tile pane (z-index 200) lies under every vector pane
  }
  // ---- end ----

  function collect(layer) {
    const loaded = [];
    const failed = [];
    layer.on('tileload', (e) => loaded.push(e.coords.z + '/' + e.coords.x + '/' + e.coords.y));
    layer.on('tileerror', (e) => failed.push(e.coords.z + '/' + e.coords.x + '/' + e.coords.y));
    return new Promise((resolve) => layer.once('load', () => resolve({ loaded, failed })));
  }

  window.harness = {
    map,
    basemap: () => basemap,
    showBasemap(info) {
      setBasemap(info);
      return basemap ? collect(basemap) : Promise.resolve(null);
    },
    setBasemap,
    async probe(url) {
      try {
        const response = await fetch(url);
        if (!response.ok) {
          // The body of a failed job never finishes in QtWebEngine 6.12: do not read it.
          return { status: response.status };
        }
        const bytes = Array.from(new Uint8Array(await response.arrayBuffer()));
        return { status: response.status, type: response.headers.get('content-type'), bytes };
      } catch (error) {
        return { error: String(error) };
      }
    },
    image(url) {
      return new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve({ width: img.naturalWidth });
        img.onerror = () => resolve({ error: true });
        img.src = url;
      });
    },
    abortedFetch(url, afterMs) {
      const controller = new AbortController();
      fetch(url, { signal: controller.signal }).catch(() => {});
      setTimeout(() => controller.abort(), afterMs);
      return true;
    },
  };
  window.harnessReady = true;
})();
"""


@dataclass
class Web:
    view: QWebEngineView
    page: MapPage
    profile: QWebEngineProfile
    source: TileSource
    interceptor: LocalOnlyInterceptor


def js(qtbot: Any, page: MapPage, expression: str) -> Any:
    """Evaluate ``expression`` (a value or a promise) in the page; return it, JSON-decoded."""
    token = uuid.uuid4().hex
    store = f"window.__results['{token}'] = JSON.stringify"
    page.runJavaScript(
        f"""(window.__results = window.__results || {{}},
        Promise.resolve().then(() => {expression}).then(
            (value) => {{ {store}({{ value }}); }},
            (error) => {{ {store}({{ error: String(error) }}); }}),
        null)"""
    )
    found: list[Any] = []

    def arrived() -> bool:
        page.runJavaScript(f"window.__results['{token}'] || null", 0, found.append)
        return any(item for item in found)

    qtbot.waitUntil(arrived, timeout=TIMEOUT_MS)
    result = json.loads(next(item for item in found if item))
    assert "error" not in result, result["error"]
    return result.get("value")


@pytest.fixture
def county_file(tmp_path: Path) -> Path:
    return write_mbtiles(tmp_path / "county.mbtiles", county_tiles())


@pytest.fixture
def web(qtbot: Any, tmp_path: Path) -> Iterator[Web]:
    root = tmp_path / "page"
    root.mkdir()
    (root / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    (root / "harness.js").write_text(HARNESS_JS, encoding="utf-8")
    (root / "page.css").write_text("body { margin: 0 } #map { width: 800px; height: 600px }")
    (root / "node_modules").symlink_to(map_root() / "node_modules")

    profile = QWebEngineProfile()  # no storage name: off the record
    interceptor = LocalOnlyInterceptor(frozenset({"app", SCHEME}), profile)
    profile.setUrlRequestInterceptor(interceptor)
    profile.installUrlSchemeHandler(b"app", MapSchemeHandler(root, profile))
    source = TileSource()
    source.install(profile)

    view = QWebEngineView()
    page = MapPage(profile, view)
    view.setPage(page)
    view.resize(800, 600)
    view.show()
    with qtbot.waitSignal(page.loadFinished, timeout=TIMEOUT_MS) as loaded:
        page.load(QUrl("app://map/index.html"))
    assert loaded.args == [True]
    qtbot.waitUntil(lambda: js(qtbot, page, "window.harnessReady === true"), timeout=TIMEOUT_MS)
    yield Web(view, page, profile, source, interceptor)
    shiboken6.delete(view)  # the page before its profile
    source.close()
    shiboken6.delete(profile)
    shiboken6.delete(source)


def tile_url(web: Web, z: int, x: int, y: int) -> str:
    return f"tiles://basemap/{z}/{x}/{y}?v={web.source.generation}"


def probe(qtbot: Any, web: Web, url: str) -> dict[str, Any]:
    result: dict[str, Any] = js(qtbot, web.page, f"harness.probe({json.dumps(url)})")
    return result


def refused(result: dict[str, Any]) -> bool:
    """A failed job reaches fetch() as an HTTP error status, or as a network error."""
    return "error" in result or result.get("status") == 404


# ---- through QtWebEngine ----


def test_page_gets_the_tile_bytes(qtbot: Any, web: Web, county_file: Path) -> None:
    assert web.source.set_file(county_file) is None
    for z, x, y in county_tile_keys((9, 10))[:4]:
        result = probe(qtbot, web, tile_url(web, z, x, y))
        assert result["status"] == 200
        assert result["type"] == "image/png"
        assert bytes(result["bytes"]) == payload((z, x, y))
    # Without the version the current file answers too.
    z, x, y = county_tile_keys((8,))[0]
    assert bytes(probe(qtbot, web, f"tiles://basemap/{z}/{x}/{y}")["bytes"]) == payload((z, x, y))
    assert web.source.pending_count == 0
    assert web.interceptor.blocked == []


def test_missing_tiles_and_bad_urls_are_refused(qtbot: Any, web: Web, county_file: Path) -> None:
    z, x, y = county_tile_keys((9,))[0]
    assert refused(probe(qtbot, web, tile_url(web, z, x, y)))  # no file yet
    assert web.source.set_file(county_file) is None
    urls = [
        tile_url(web, 9, 0, 0),  # not in the file
        tile_url(web, z, x, (1 << z) - 1 - y),  # the TMS row number is not the XYZ row
        tile_url(web, 3, 9, 9),  # outside the grid
        f"tiles://basemap/{z}/{x}/{y}?v={web.source.generation + 1}",  # another file's tile
        f"tiles://basemap/{z}/{x}/{y}.png",
        f"tiles://basemap/{z}/{x}/{y}/1",
        f"tiles://basemap/{z}/{x}/-{y}",
        f"tiles://other/{z}/{x}/{y}",
        f"tiles://basemap/{z}/{x}/{y}?v=1&x=2",
        f"tiles://basemap/{z}/{x}/{y}%2F1",
    ]
    results = [probe(qtbot, web, url) for url in urls]
    accepted = [(url, r) for url, r in zip(urls, results, strict=True) if not refused(r)]
    assert accepted == []
    assert probe(qtbot, web, tile_url(web, z, x, y))["status"] == 200
    assert web.source.pending_count == 0


def test_images_load_under_the_proposed_csp(qtbot: Any, web: Web, county_file: Path) -> None:
    assert web.source.set_file(county_file) is None
    z, x, y = county_tile_keys((10,))[0]
    assert js(qtbot, web.page, f"harness.image({json.dumps(tile_url(web, z, x, y))})") == {
        "width": 1
    }
    missing = tile_url(web, 10, 0, 0)
    assert js(qtbot, web.page, f"harness.image({json.dumps(missing)})") == {"error": True}


def test_leaflet_draws_the_basemap_inside_its_bounds(
    qtbot: Any, web: Web, county_file: Path
) -> None:
    infos: list[dict[str, Any]] = []
    web.source.changed.connect(infos.append)
    assert web.source.set_file(county_file) is None
    info = infos[-1]
    assert info["minZoom"] == 8 and info["maxZoom"] == 10
    assert info["bounds"] == [116.53, 33.94, 117.15, 34.49]
    assert info["url"] == f"tiles://basemap/{{z}}/{{x}}/{{y}}?v={web.source.generation}"

    result = js(qtbot, web.page, f"harness.showBasemap({json.dumps(info)})")
    stored = {f"{z}/{x}/{y}" for z, x, y in county_tile_keys()}
    assert result["failed"] == []
    assert result["loaded"], "Leaflet asked for no tile"
    assert set(result["loaded"]) <= stored  # bounds kept Leaflet to the file's tiles

    # Zoomed in past the file's deepest level: the z10 tiles are enlarged.
    deeper = js(
        qtbot,
        web.page,
        f"(harness.map.setZoom(12, {{animate: false}}), harness.showBasemap({json.dumps(info)}))",
    )
    assert deeper["failed"] == []
    assert deeper["loaded"] and all(key.startswith("10/") for key in deeper["loaded"])

    web.source.set_file(None)
    assert infos[-1] == {}
    js(qtbot, web.page, "(harness.setBasemap({}), harness.basemap() === null)")
    assert web.interceptor.blocked == []


def test_a_new_file_changes_the_urls(
    qtbot: Any, web: Web, county_file: Path, tmp_path: Path
) -> None:
    assert web.source.set_file(county_file) is None
    z, x, y = county_tile_keys((9,))[0]
    old_url = tile_url(web, z, x, y)
    other = write_mbtiles(tmp_path / "other.mbtiles", {(z, x, y): b"\x89PNG other"})
    assert web.source.set_file(other) is None
    assert refused(probe(qtbot, web, old_url))
    assert bytes(probe(qtbot, web, tile_url(web, z, x, y))["bytes"]) == b"\x89PNG other"


def test_versioned_urls_get_past_the_page_image_cache(
    qtbot: Any, web: Web, county_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why ``info["url"]`` carries ``?v=``: Blink reuses images of a URL it has shown."""
    asked: list[str] = []
    handle = web.source.handle

    def counting_handle(job: QWebEngineUrlRequestJob) -> None:
        asked.append(job.requestUrl().toString())
        handle(job)

    monkeypatch.setattr(web.source, "handle", counting_handle)
    shifted = {(z, x, y): payload((z, x + 1, y)) for z, x, y in county_tile_keys()}
    other = write_mbtiles(tmp_path / "other.mbtiles", shifted)

    def show(info: dict[str, Any]) -> int:
        before = len(asked)
        result = js(qtbot, web.page, f"harness.showBasemap({json.dumps(info)})")
        assert result["failed"] == [] and result["loaded"]
        return len(asked) - before

    assert web.source.set_file(county_file) is None
    plain = {**web.source.info(), "url": "tiles://basemap/{z}/{x}/{y}"}
    assert show(plain) > 0
    assert web.source.set_file(other) is None
    assert show(plain) == 0  # the same URLs: the old file's images, from the page's cache
    assert show(web.source.info()) > 0  # the new version: asked for again


def test_a_bad_file_keeps_the_current_basemap(web: Web, county_file: Path, tmp_path: Path) -> None:
    assert web.source.set_file(county_file) is None
    infos: list[dict[str, Any]] = []
    web.source.changed.connect(infos.append)
    text_file = tmp_path / "notes.mbtiles"
    text_file.write_text("not a map", encoding="utf-8")
    for path in (tmp_path / "missing.mbtiles", text_file):
        message = web.source.set_file(path)
        assert message and str(path) in message
    assert infos == []
    assert web.source.tiles is not None and web.source.tiles.path == county_file


class SlowTiles(MBTiles):
    """Holds every read until ``release`` is set, to end requests while they wait."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.release = threading.Event()
        self.started = threading.Event()
        self.reads = 0

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        self.started.set()
        self.release.wait(10)
        self.reads += 1
        return super().tile(z, x, y)


def test_request_aborted_while_the_tile_is_read(
    qtbot: Any, web: Web, county_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="app.ui.map.tiles")
    slow = SlowTiles(county_file)
    web.source.set_tiles(slow)
    z, x, y = county_tile_keys((9,))[0]
    js(qtbot, web.page, f"harness.abortedFetch({json.dumps(tile_url(web, z, x, y))}, 50)")
    qtbot.waitUntil(slow.started.is_set, timeout=TIMEOUT_MS)  # the GUI thread must run
    # The engine deletes the job while the worker still reads: it is forgotten.
    qtbot.waitUntil(lambda: web.source.pending_count == 0, timeout=TIMEOUT_MS)
    assert slow.reads == 0
    slow.release.set()
    qtbot.waitUntil(lambda: "ended before its tile was read" in caplog.text, timeout=TIMEOUT_MS)
    assert slow.reads == 1
    # And the handler still serves.
    assert bytes(probe(qtbot, web, tile_url(web, z, x, y))["bytes"]) == payload((z, x, y))


def test_page_closed_while_tiles_are_read(qtbot: Any, web: Web, county_file: Path) -> None:
    slow = SlowTiles(county_file)
    web.source.set_tiles(slow)
    keys = county_tile_keys((10,))
    urls = json.dumps([tile_url(web, *key) for key in keys])
    web.page.runJavaScript(f"{urls}.forEach((url) => fetch(url).catch(() => {{}})); null")
    qtbot.waitUntil(slow.started.is_set, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: web.source.pending_count == len(keys), timeout=TIMEOUT_MS)
    web.view.setPage(None)  # type: ignore[arg-type]
    shiboken6.delete(web.page)
    # The engine drops the page's jobs while their tiles are still being read.
    qtbot.waitUntil(lambda: web.source.pending_count == 0, timeout=TIMEOUT_MS)
    assert slow.reads == 0
    slow.release.set()
    qtbot.waitUntil(lambda: slow.reads == len(keys), timeout=TIMEOUT_MS)
    qtbot.wait(100)  # the queued replies arrive for jobs that are gone, and are dropped


# ---- the source on its own ----


class FakeJob(QObject):
    """Stands in for QWebEngineUrlRequestJob: records how it was answered, and where."""

    answered = Signal()

    def __init__(self, url: str, method: bytes = b"GET") -> None:
        super().__init__()
        self._url = QUrl(url)
        self._method = method
        self.reply_args: tuple[bytes, bytes, bool, bool] | None = None
        self.error: QWebEngineUrlRequestJob.Error | None = None
        self.thread_name = ""

    def requestUrl(self) -> QUrl:
        return self._url

    def requestMethod(self) -> QByteArray:
        return QByteArray(self._method)

    def reply(self, content_type: QByteArray, device: QIODevice) -> None:
        self.thread_name = threading.current_thread().name
        data = bytes(device.readAll().data())
        self.reply_args = (bytes(content_type.data()), data, device.parent() is self, True)
        self.answered.emit()

    def fail(self, error: QWebEngineUrlRequestJob.Error) -> None:
        self.thread_name = threading.current_thread().name
        self.error = error
        self.answered.emit()


@pytest.fixture
def source(qapp: Any) -> Iterator[TileSource]:
    tile_source = TileSource()
    yield tile_source
    tile_source.close()
    shiboken6.delete(tile_source)


def test_reply_comes_on_the_gui_thread_with_a_buffer_owned_by_the_job(
    qtbot: Any, source: TileSource, county_file: Path
) -> None:
    source.set_file(county_file)
    z, x, y = county_tile_keys((10,))[-1]
    job = FakeJob(f"tiles://basemap/{z}/{x}/{y}?v={source.generation}")
    with qtbot.waitSignal(job.answered, timeout=TIMEOUT_MS):
        source.handle(job)  # type: ignore[arg-type]
    assert job.reply_args == (b"image/png", payload((z, x, y)), True, True)
    assert job.thread_name == threading.main_thread().name
    assert source.pending_count == 0


@pytest.mark.parametrize(
    ("url", "method", "error"),
    [
        ("tiles://basemap/9/0/0", b"GET", QWebEngineUrlRequestJob.Error.UrlNotFound),
        ("tiles://basemap/9/x/0", b"GET", QWebEngineUrlRequestJob.Error.UrlNotFound),
        ("tiles://basemap/9/421/210", b"POST", QWebEngineUrlRequestJob.Error.RequestDenied),
    ],
)
def test_failures(
    qtbot: Any,
    source: TileSource,
    county_file: Path,
    url: str,
    method: bytes,
    error: QWebEngineUrlRequestJob.Error,
) -> None:
    source.set_file(county_file)
    job = FakeJob(url, method)
    with qtbot.waitSignal(job.answered, timeout=TIMEOUT_MS):
        source.handle(job)  # type: ignore[arg-type]
    assert job.error == error and job.reply_args is None


def test_job_deleted_before_the_tile_arrives(
    qtbot: Any, source: TileSource, county_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="app.ui.map.tiles")
    slow = SlowTiles(county_file)
    source.set_tiles(slow)
    z, x, y = county_tile_keys((9,))[0]
    job = FakeJob(f"tiles://basemap/{z}/{x}/{y}")
    source.handle(job)  # type: ignore[arg-type]
    assert slow.started.wait(5)
    assert source.pending_count == 1
    shiboken6.delete(job)
    assert source.pending_count == 0
    slow.release.set()
    qtbot.waitUntil(lambda: "ended before its tile was read" in caplog.text, timeout=TIMEOUT_MS)


def test_close_answers_waiting_requests(qtbot: Any, county_file: Path) -> None:
    tile_source = TileSource()
    slow = SlowTiles(county_file)
    tile_source.set_tiles(slow)
    jobs = [FakeJob(f"tiles://basemap/{z}/{x}/{y}") for z, x, y in county_tile_keys((10,))]
    for job in jobs:
        tile_source.handle(job)  # type: ignore[arg-type]
    assert slow.started.wait(5)
    threading.Timer(0.2, slow.release.set).start()
    tile_source.close()  # waits for the running reads; the queued ones are cancelled
    assert tile_source.pending_count == 0
    assert slow.closed
    aborted = QWebEngineUrlRequestJob.Error.RequestAborted
    assert all(job.error == aborted and job.reply_args is None for job in jobs)
    qtbot.wait(50)  # the reads that were running deliver now: dropped
    assert all(job.reply_args is None for job in jobs)
    shiboken6.delete(tile_source)


def test_source_deleted_without_close(qtbot: Any, county_file: Path) -> None:
    tile_source = TileSource()
    slow = SlowTiles(county_file)
    tile_source.set_tiles(slow)
    job = FakeJob("tiles://basemap/10/843/412")
    tile_source.handle(job)  # type: ignore[arg-type]
    assert slow.started.wait(5)
    threading.Timer(0.2, slow.release.set).start()
    shiboken6.delete(tile_source)  # waits for the worker; its reply is dropped
    qtbot.wait(50)
    assert job.reply_args is None


def test_set_file_reports_in_words(source: TileSource, tmp_path: Path) -> None:
    infos: list[dict[str, Any]] = []
    source.changed.connect(infos.append)
    message = source.set_file(tmp_path / "none.mbtiles")
    assert message is not None and "none.mbtiles" in message
    assert infos == [] and source.info() == {}
    assert source.set_file(None) is None
    assert infos == [{}]


def test_install_once_per_profile(qapp: Any, source: TileSource) -> None:
    profile = QWebEngineProfile()
    first = source.install(profile)
    assert source.install(profile) is first
    assert profile.urlSchemeHandler(SCHEME_BYTES) is first
    other = TileSource()
    second = other.install(profile)
    assert isinstance(second, TileSchemeHandler) and second is not first
    assert profile.urlSchemeHandler(SCHEME_BYTES) is second
    shiboken6.delete(profile)
    other.close()
    shiboken6.delete(other)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tiles://basemap/9/421/210", (9, 421, 210, None)),
        ("tiles://basemap/9/421/210?v=3", (9, 421, 210, 3)),
        ("tiles://BASEMAP/0/0/0", (0, 0, 0, None)),
        ("tiles://basemap/9/421/210?v=", None),
        ("tiles://basemap/9/421/210#a", None),
        ("tiles://basemap/9/421", None),
        ("tiles://basemap/9/421/210/", None),
        ("tiles://basemap/9/421/2%31", (9, 421, 21, None)),  # QUrl decodes unreserved escapes
        ("tiles://basemap/9/421%2F210", None),
        ("tiles://basemap:80/9/421/210", None),
        ("tiles://user@basemap/9/421/210", None),
        ("app://basemap/9/421/210", None),
        ("tiles://basemap/123/1/1", None),
    ],
)
def test_parse_tile_url(url: str, expected: tuple[int, int, int, int | None] | None) -> None:
    assert parse_tile_url(QUrl(url)) == expected


def test_scheme_is_registered_like_app() -> None:
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    tiles = QWebEngineUrlScheme.schemeByName(SCHEME_BYTES)
    app = QWebEngineUrlScheme.schemeByName(b"app")
    assert tiles.name() == QByteArray(SCHEME_BYTES)
    assert tiles.flags() == app.flags()
    assert tiles.syntax() == QWebEngineUrlScheme.Syntax.Host
    register_tiles_scheme()  # again: no effect, no warning


def test_error_kinds_have_messages(tmp_path: Path) -> None:
    from app.data.mbtiles import MBTilesError
    from app.ui.map.tiles import error_text

    for kind in MBTilesErrorKind:
        assert "x.mbtiles" in error_text(MBTilesError(kind), tmp_path / "x.mbtiles")
