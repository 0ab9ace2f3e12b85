"""MapPanel: the emergency map (应急一张图), a Leaflet page in a QWebEngineView.

The page is served over ``app://map/`` (see ``scheme``) on a private,
off-the-record profile that cannot reach the network. Python and the page
talk over a QWebChannel: the page reports that it is ready, that data has
been drawn, which feature it highlights and which one was clicked; Python
calls ``window.xcc.setData`` / ``window.xcc.highlight`` with ``runJavaScript``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.dto import MapData
from app.ui.map.bridge import BRIDGE_NAME, MapBridge
from app.ui.map.payload import to_json, to_payload
from app.ui.map.scheme import (
    MAP_HOST,
    PAGE_URL,
    SCHEME,
    SCHEME_BYTES,
    LocalOnlyInterceptor,
    MapSchemeHandler,
)

log = logging.getLogger(__name__)

_CONSOLE_LOG_LEVELS = {
    QWebEnginePage.JavaScriptConsoleMessageLevel.InfoMessageLevel: logging.DEBUG,
    QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel: logging.WARNING,
    QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel: logging.ERROR,
}


class MapPage(QWebEnginePage):
    """Stays on ``app://map/`` and sends the page's console to Python logging.

    Overriding the console handler also keeps JavaScript messages out of Qt's
    own log (where tests treat warnings as failures).
    """

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line_number: int,
        source_id: str,
    ) -> None:
        log_level = _CONSOLE_LOG_LEVELS.get(level, logging.INFO)
        log.log(log_level, "js %s:%d: %s", source_id, line_number, message)

    def acceptNavigationRequest(
        self,
        url: QUrl | str,
        navigation_type: QWebEnginePage.NavigationType,
        is_main_frame: bool,
    ) -> bool:
        url = QUrl(url)
        if url.scheme() == SCHEME and url.host() == MAP_HOST:
            return True
        log.warning("map page tried to navigate to %s", url.toString()[:200])
        return False


class MapPanel(QWidget):
    """The map. Call ``set_data`` whenever the data changes; call ``close_view`` before exit.

    Signals:
        ready: the page has built the map and can take data.
        loaded: the data last passed to ``set_data`` has been drawn.
        feature_clicked(layer, id): the user clicked a feature, e.g.
            ``("hazards", "<uuid>")``.
    """

    ready = Signal()
    loaded = Signal()
    feature_clicked = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, *, page_root: Path | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Emergency map"))
        self._ready = False
        self._generation = 0
        self._data_json: str | None = None
        self._highlight_request: tuple[str, str] | None = None
        self._highlighted: tuple[str, str] | None = None

        # Children are deleted in creation order: the view (and the page it
        # owns) must be created before the profile so it goes first.
        self._view: QWebEngineView | None = QWebEngineView(self)
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self._interceptor = LocalOnlyInterceptor()
        self._profile = self._make_profile(page_root)
        self._bridge = self._make_bridge()
        self._page: MapPage | None = self._make_page(self._view)
        self._view.setPage(self._page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)
        self._page.load(PAGE_URL)

    @property
    def is_ready(self) -> bool:
        return self._ready

    @property
    def highlighted(self) -> tuple[str, str] | None:
        """The (layer, id) the page shows highlighted, once it has confirmed it."""
        return self._highlighted

    @property
    def interceptor(self) -> LocalOnlyInterceptor:
        """The request blocker; its ``blocked`` list shows what the page tried to fetch."""
        return self._interceptor

    @property
    def page(self) -> QWebEnginePage | None:
        """The web page (None after ``close_view``), for tests and diagnostics."""
        return self._page

    def set_data(self, data: MapData) -> None:
        """Show ``data`` instead of what the map showed.

        Before the page is ready only the latest data is kept; it is drawn on ready.
        """
        self._generation += 1
        self._data_json = to_json(to_payload(data, self._generation))
        if self._ready:
            self._send_data()

    def highlight(self, layer: str, feature_id: str) -> None:
        """Mark one feature (e.g. the row selected in a table) and bring it into view."""
        self._highlight_request = (layer, feature_id)
        if self._ready:
            self._send_highlight()

    def clear_highlight(self) -> None:
        self.highlight("", "")

    def close_view(self) -> None:
        """Delete the page now, before its profile: call before the application quits."""
        if self._view is None:
            return
        self._ready = False
        view, self._view, self._page = self._view, None, None
        shiboken6.delete(view)  # deletes the page, its child

    def _make_profile(self, page_root: Path | None) -> QWebEngineProfile:
        profile = QWebEngineProfile(self)  # no storage name: off the record
        self._interceptor.setParent(profile)
        profile.setUrlRequestInterceptor(self._interceptor)
        profile.installUrlSchemeHandler(SCHEME_BYTES, MapSchemeHandler(page_root, profile))
        _restrict(profile.settings())
        return profile

    def _make_bridge(self) -> MapBridge:
        bridge = MapBridge(self)
        bridge.page_ready.connect(self._on_bridge_page_ready)
        bridge.data_applied.connect(self._on_bridge_data_applied)
        bridge.feature_highlighted.connect(self._on_bridge_feature_highlighted)
        bridge.feature_clicked.connect(self.feature_clicked)
        return bridge

    def _make_page(self, view: QWebEngineView) -> MapPage:
        page = MapPage(self._profile, view)
        channel = QWebChannel(page)
        channel.registerObject(BRIDGE_NAME, self._bridge)
        page.setWebChannel(channel)
        page.setBackgroundColor(Qt.GlobalColor.white)
        page.loadFinished.connect(self._on_page_load_finished)
        page.renderProcessTerminated.connect(self._on_page_render_process_terminated)
        return page

    def _run(self, function: str, *arguments: object) -> None:
        if self._page is None:
            return
        text = ",".join(to_json(argument) for argument in arguments)
        self._page.runJavaScript(f"window.xcc.{function}({text});")

    def _send_data(self) -> None:
        if self._page is not None and self._data_json is not None:
            self._page.runJavaScript("window.xcc.setData(" + self._data_json + ");")

    def _send_highlight(self) -> None:
        if self._highlight_request is not None:
            self._run("highlight", *self._highlight_request)

    def _on_bridge_page_ready(self) -> None:
        self._ready = True
        self.ready.emit()
        self._send_data()
        self._send_highlight()

    def _on_bridge_data_applied(self, generation: int) -> None:
        if generation == self._generation:
            self.loaded.emit()

    def _on_bridge_feature_highlighted(self, layer: str, feature_id: str) -> None:
        self._highlighted = (layer, feature_id) if feature_id else None

    def _on_page_load_finished(self, ok: bool) -> None:
        # A refused navigation also ends in ok=False; only a page that never came up matters.
        if not ok and not self._ready:
            log.warning("the map page failed to load")

    def _on_page_render_process_terminated(
        self, status: QWebEnginePage.RenderProcessTerminationStatus, exit_code: int
    ) -> None:
        log.warning("map renderer ended (%s, exit code %d); reloading", status.name, exit_code)
        self._ready = False
        if self._page is not None:
            self._page.triggerAction(QWebEnginePage.WebAction.Reload)


def _restrict(settings: QWebEngineSettings) -> None:
    """Nothing but our own ``app://`` content, no windows, no file access."""
    attribute = QWebEngineSettings.WebAttribute
    settings.setAttribute(attribute.LocalContentCanAccessRemoteUrls, False)
    settings.setAttribute(attribute.LocalContentCanAccessFileUrls, False)
    settings.setAttribute(attribute.JavascriptCanOpenWindows, False)
    settings.setAttribute(attribute.NavigateOnDropEnabled, False)
    settings.setUnknownUrlSchemePolicy(
        QWebEngineSettings.UnknownUrlSchemePolicy.DisallowUnknownUrlSchemes
    )


__all__ = ["MapPage", "MapPanel"]
