"""MapPanel: the emergency map (应急一张图), a Leaflet page in a QWebEngineView.

The page is served over ``app://map/`` (see ``scheme``) on a private,
off-the-record profile that cannot reach the network. Python and the page
talk over a QWebChannel: the page reports that it is ready, that data has
been drawn, which feature it highlights, which one was clicked and where the
user right-clicked; Python calls ``window.xcc.*`` with ``runJavaScript``.

Above the page sit a small toolbar (search box, "whole county") and a warning
strip that names the rows the map could not place. The page's own words
(labels of codes, layer names, legend) come from Python too (``texts``), in
the language the UI runs in, sent once the page is ready.

How data reaches the page. The panel keeps its own copy of what the map must
show: ``set_data`` replaces it, ``apply_changes`` edits it. Every call gets
the next *generation* number.

- When the page is ready and has been given the content, ``set_data`` sends
  the whole content (``setData``) and ``apply_changes`` sends only the diff
  (``applyChanges``).
- Before that (page still loading, or reloading after its renderer died),
  nothing is sent: diffs are folded into the copy, and the whole copy goes to
  the page as one ``setData`` once it is ready. A diff that comes before any
  ``set_data`` edits an empty map; a later ``set_data`` replaces everything,
  as it always does. Nothing is lost: what was called last wins.
- The page confirms each message after painting. ``loaded`` is emitted when
  the newest full ``setData`` is painted; ``changes_applied(generation)`` for
  each diff once it is painted, also when it went out folded into a full draw.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCursor, QKeySequence, QShortcut
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.dto import MapChanges, MapData
from app.ui.map.bridge import BRIDGE_NAME, MapBridge
from app.ui.map.payload import (
    ALL_LAYERS,
    DEFAULT_COUNTY_BBOX,
    DEPOTS,
    HAZARDS,
    INCIDENTS,
    SHELTERS,
    TEAMS,
    TOWNSHIPS,
    BBox,
    Feature,
    MapProblem,
    PreparedMap,
    Problem,
    changes_payload,
    collection,
    county_bbox,
    to_json,
    to_payload,
)
from app.ui.map.scheme import (
    MAP_HOST,
    PAGE_URL,
    SCHEME,
    SCHEME_BYTES,
    LocalOnlyInterceptor,
    MapSchemeHandler,
)
from app.ui.map.search import (
    FOLD_ROLE,
    NAME_ROLE,
    ROW_ROLE,
    PlaceSearchModel,
    SearchEntry,
    build_entries,
)
from app.ui.map.search import find_entry as find_search_entry
from app.ui.map.texts import page_texts
from app.ui.map.tiles import SCHEME as TILES_SCHEME
from app.ui.map.tiles import TileSource
from app.ui.models.folding import FoldingCompleter
from app.ui.plain import plain_tooltip

log = logging.getLogger(__name__)

_CONSOLE_LOG_LEVELS = {
    QWebEnginePage.JavaScriptConsoleMessageLevel.InfoMessageLevel: logging.DEBUG,
    QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel: logging.WARNING,
    QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel: logging.ERROR,
}

# How many names per reason the warning strip's tooltip lists.
PROBLEM_NAMES_SHOWN = 10

_STRIP_STYLE = (
    "QLabel { background: #fff4ce; color: #5c4400; border-bottom: 1px solid #e6d28a;"
    " padding: 2px 8px; }"
)


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

    # The map never opens dialogs: one would mean that data ran as script.
    def javaScriptAlert(self, security_origin: QUrl | str, message: str) -> None:
        log.warning("map page called alert(%r); refused", message[:200])

    def javaScriptConfirm(self, security_origin: QUrl | str, message: str) -> bool:
        log.warning("map page called confirm(%r); refused", message[:200])
        return False

    def javaScriptPrompt(
        self, security_origin: QUrl | str, message: str, default_value: str
    ) -> tuple[bool, str]:
        log.warning("map page called prompt(%r); refused", message[:200])
        return False, ""

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
    """The map. Call ``set_data`` for a full load, ``apply_changes`` for live
    updates, and ``close_view`` before exit. See the module docstring for how
    calls before the page is ready are handled.

    Signals:
        ready: the page has built the map and can take data.
        loaded: the content last sent whole (``set_data``) has been drawn.
        changes_applied(generation): the diff ``apply_changes`` returned this
            generation for has been drawn.
        feature_clicked(layer, id): the user clicked a feature, e.g.
            ``("hazards", "<uuid>")``.
        context_menu_requested(lon, lat): the user right-clicked the map there;
            the panel shows its context menu.
        incident_requested(lon, lat): the user chose "Record an incident here".
        problems_changed: ``problems`` has changed.
        point_picked(lon, lat): in pick mode (``start_pick``) the user clicked
            this point; pick mode is over.
        pick_cancelled: pick mode ended without a point (Esc, 取消, or
            ``cancel_pick``).
    """

    ready = Signal()
    loaded = Signal()
    changes_applied = Signal(int)
    feature_clicked = Signal(str, str)
    context_menu_requested = Signal(float, float)
    incident_requested = Signal(float, float)
    problems_changed = Signal()
    point_picked = Signal(float, float)
    pick_cancelled = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        page_root: Path | None = None,
        tile_source: TileSource | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Emergency map"))
        self._ready = False
        self._generation = 0
        # What the map must show; see the module docstring.
        self._county: dict[str, Any] | None = None
        self._bbox: BBox = DEFAULT_COUNTY_BBOX
        self._features: dict[str, dict[str, Feature]] = {layer: {} for layer in ALL_LAYERS}
        self._problems: dict[tuple[str, str], MapProblem] = {}
        self._shown_problems: tuple[MapProblem, ...] = ()
        self._has_content = False
        self._page_has_content = False
        # Generations sent and not yet confirmed by the page.
        self._full_generation: int | None = None
        self._diffs_with_full: list[int] = []  # diffs the pending full draw includes
        self._diffs_folded: list[int] = []  # diffs waiting for the next full draw
        self._diffs_sent: set[int] = set()
        self._highlight_request: tuple[str, str] | None = None
        self._highlighted: tuple[str, str] | None = None
        self._basemap: dict[str, Any] | None = None
        self._context_point: tuple[float, float] | None = None
        self._search_stale = False
        self._full_json: str | None = None  # the full message as sent, while it holds

        # Children are deleted in creation order: the view (and the page it
        # owns) must be created before the profile so it goes first.
        self._view: QWebEngineView | None = QWebEngineView(self)
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self._interceptor = LocalOnlyInterceptor(frozenset({SCHEME, TILES_SCHEME}))
        self._profile = self._make_profile(page_root)
        if tile_source is not None:
            tile_source.install(self._profile)
            tile_source.changed.connect(self._on_tile_source_changed)
            self._basemap = tile_source.info() or None
        self._bridge = self._make_bridge()
        self._page: MapPage | None = self._make_page(self._view)
        self._view.setPage(self._page)

        self._search_model = PlaceSearchModel(self)
        self._toolbar = self._make_toolbar()
        self._problem_strip = self._make_problem_strip()
        self._context_menu, self._record_action = self._make_context_menu()
        self.picking = False
        self._pick_strip = self._make_pick_strip()
        self._pick_escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._pick_escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._pick_escape.setEnabled(False)
        self._pick_escape.activated.connect(self.cancel_pick)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._toolbar)
        layout.addWidget(self._pick_strip)
        layout.addWidget(self._problem_strip)
        layout.addWidget(self._view, 1)
        self._page.load(PAGE_URL)

    # -- state ----------------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        return self._ready

    @property
    def generation(self) -> int:
        """The generation of the last ``set_data`` or ``apply_changes``."""
        return self._generation

    @property
    def highlighted(self) -> tuple[str, str] | None:
        """The (layer, id) the page shows highlighted, once it has confirmed it."""
        return self._highlighted

    @property
    def problems(self) -> list[MapProblem]:
        """Rows the map does not show (bad coordinates) or shows outside the county."""
        return list(self._problems.values())

    @property
    def feature_counts(self) -> dict[str, int]:
        """How many features of each layer the map shows (or will, once ready)."""
        return {layer: len(features) for layer, features in self._features.items()}

    @property
    def interceptor(self) -> LocalOnlyInterceptor:
        """The request blocker; its ``blocked`` list shows what the page tried to fetch."""
        return self._interceptor

    @property
    def page(self) -> QWebEnginePage | None:
        """The web page (None after ``close_view``), for tests and diagnostics."""
        return self._page

    @property
    def search_box(self) -> QLineEdit:
        return self._search_box

    @property
    def problem_strip(self) -> QLabel:
        return self._problem_strip

    @property
    def context_menu(self) -> QMenu:
        return self._context_menu

    # -- data -------------------------------------------------------------------
    def set_data(self, data: MapData | PreparedMap) -> None:
        """Show ``data`` instead of what the map showed (the view stays where the user left it).

        At county scale, pass ``payload.prepare(data)`` built on a worker thread:
        building and encoding 100,000 features takes a second of the GUI thread.
        """
        self._generation += 1
        if isinstance(data, PreparedMap):
            payload, self._full_json, data = data.payload, data.json, data.data
        else:
            payload, self._full_json = to_payload(data, self._generation), None
        layers = payload.message["layers"]
        self._county = data.county
        self._bbox = county_bbox(data.county) or DEFAULT_COUNTY_BBOX
        self._features = {
            layer: {feature["id"]: feature for feature in layers[layer]["features"]}
            for layer in ALL_LAYERS
        }
        self._problems = {(p.layer, p.feature_id): p for p in payload.problems}
        self._has_content = True
        self._page_has_content = False
        self._on_content_changed()
        if self._ready:
            self._send_full()

    def apply_changes(self, changes: MapChanges) -> int:
        """Add, replace or remove the changed features; return this update's generation.

        Only the diff goes to the page; other features, the zoom and the pan
        stay as they are. ``changes_applied(generation)`` follows once drawn.
        """
        self._generation += 1
        generation = self._generation
        self._full_json = None  # the prepared full message no longer matches
        payload = changes_payload(changes, generation, self._bbox)
        message = payload.message
        for layer, ids in message["remove"].items():
            for feature_id in ids:
                self._features[layer].pop(feature_id, None)
                self._problems.pop((layer, feature_id), None)
        for layer, features in message["upsert"].items():
            for feature in features["features"]:
                self._features[layer][feature["id"]] = feature
                self._problems.pop((layer, feature["id"]), None)
        for problem in payload.problems:
            self._problems[(problem.layer, problem.feature_id)] = problem
        self._has_content = True
        self._on_content_changed()
        if self._ready and self._page_has_content and self._page is not None:
            self._diffs_sent.add(generation)
            self._page.runJavaScript("window.xcc.applyChanges(" + to_json(message) + ");")
        else:
            self._diffs_folded.append(generation)
        return generation

    def _on_tile_source_changed(self, info: dict[str, Any]) -> None:
        self.set_basemap_info(info or None)

    def set_basemap_info(self, info: dict[str, Any] | None) -> None:
        """Show raster tiles from ``tiles://basemap/{z}/{x}/{y}`` under the map, or none.

        ``info``: ``TileSource.info()`` (``url``, ``minZoom``, ``maxZoom``, ``bounds`` as
        [west, south, east, north] or None); None removes the basemap.
        """
        self._basemap = dict(info) if info is not None else None
        if self._ready:
            self._run("setBasemap", self._basemap)

    # -- view -------------------------------------------------------------------
    def highlight(self, layer: str, feature_id: str) -> None:
        """Mark one feature (e.g. the row selected in a table) and bring it into view."""
        self._highlight_request = (layer, feature_id)
        if self._ready:
            self._send_highlight()

    def clear_highlight(self) -> None:
        self.highlight("", "")

    def show_whole_county(self) -> None:
        """Fit the county boundary (or, without one, all features) into the view."""
        if self._ready:
            self._run("fitCounty")

    def search(self, text: str) -> bool:
        """Go to the township or feature ``text`` names (full list text, name, or part
        of a name; case does not matter). Return whether something was found."""
        self._refresh_search()
        entry = find_search_entry(self._search_model.entries, text)
        if entry is None:
            return False
        self._go_to(entry)
        return True

    def close_view(self) -> None:
        """Delete the page now, before its profile: call before the application quits."""
        if self._view is None:
            return
        self._ready = False
        self._context_menu.hide()
        view, self._view, self._page = self._view, None, None
        shiboken6.delete(view)  # deletes the page, its child

    # -- construction -------------------------------------------------------------
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
        bridge.context_menu_requested.connect(self._on_bridge_context_menu_requested)
        bridge.point_picked.connect(self._on_bridge_point_picked)
        bridge.pick_cancelled.connect(self._on_bridge_pick_cancelled)
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

    def _make_toolbar(self) -> QToolBar:
        toolbar = QToolBar(self)
        toolbar.setObjectName("map_toolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)

        self._search_box = QLineEdit(toolbar)
        self._search_box.setObjectName("map_search")
        self._search_box.setPlaceholderText(self.tr("Search place or feature…"))
        self._search_box.setClearButtonEnabled(True)
        self._search_box.setMinimumWidth(220)
        self._search_box.setMaximumWidth(360)
        self._search_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Any part of a name, full-width/half-width and case folded.
        completer = FoldingCompleter(self._search_model, FOLD_ROLE, NAME_ROLE, self._search_box)
        completer.setMaxVisibleItems(12)
        popup = completer.popup()
        if isinstance(popup, QListView):
            popup.setUniformItemSizes(True)  # thousands of rows: no per-row size query
        # The stub of SignalInstance has no __getitem__ (choosing an overload of a signal).
        completer.activated[QModelIndex].connect(  # type: ignore[index]
            self._on_search_completer_activated
        )
        self._search_box.setCompleter(completer)
        # Installed after the completer's own filter, so it runs first: the
        # list is brought up to date before a key press is completed.
        self._search_box.installEventFilter(self)
        self._search_box.returnPressed.connect(self._on_search_box_return_pressed)
        self._search_just_activated = False
        toolbar.addWidget(self._search_box)

        button = QToolButton(toolbar)
        button.setObjectName("map_whole_county")
        button.setText(self.tr("Whole county"))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.clicked.connect(self._on_whole_county_clicked)
        toolbar.addWidget(button)
        return toolbar

    def _make_problem_strip(self) -> QLabel:
        strip = QLabel(self)
        strip.setObjectName("map_problems")
        strip.setTextFormat(Qt.TextFormat.PlainText)
        strip.setStyleSheet(_STRIP_STYLE)
        strip.setWordWrap(True)
        strip.setVisible(False)
        return strip

    def _make_pick_strip(self) -> QWidget:
        strip = QWidget(self)
        strip.setObjectName("map_pick_strip")
        strip.setStyleSheet("#map_pick_strip { background: #1f5fa8; } QLabel { color: white; }")
        row = QHBoxLayout(strip)
        row.setContentsMargins(8, 3, 8, 3)
        hint = QLabel(self.tr("Click the place on the map. Esc cancels."), strip)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(hint, 1)
        cancel = QPushButton(self.tr("Cancel"), strip)
        cancel.setObjectName("map_pick_cancel")
        cancel.clicked.connect(self.cancel_pick)
        row.addWidget(cancel)
        strip.setVisible(False)
        return strip

    # -- picking a point for a form --------------------------------------------
    def start_pick(self) -> None:
        """Pick mode: the next click on the map is reported as ``point_picked``
        (Esc or 取消 end it with ``pick_cancelled``). A hint strip shows meanwhile."""
        self.picking = True
        self._pick_strip.setVisible(True)
        self._pick_escape.setEnabled(True)
        self._run("startPick")
        if self._view is not None:
            self._view.setFocus()

    def cancel_pick(self) -> None:
        """Leave pick mode without a point (nothing happens when not picking)."""
        if not self.picking:
            return
        self._end_pick()
        self._run("cancelPick")
        self.pick_cancelled.emit()

    def _end_pick(self) -> None:
        self.picking = False
        self._pick_strip.setVisible(False)
        self._pick_escape.setEnabled(False)

    def _on_bridge_point_picked(self, lon: float, lat: float) -> None:
        if not self.picking:
            return
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lat) <= 90 and abs(lon) <= 180):
            log.warning("ignored a pick at an impossible point (%r, %r)", lon, lat)
            return
        self._end_pick()
        self.point_picked.emit(lon, lat)

    def _on_bridge_pick_cancelled(self) -> None:
        if self.picking:
            self._end_pick()
            self.pick_cancelled.emit()

    def _make_context_menu(self) -> tuple[QMenu, Any]:
        menu = QMenu(self)
        menu.setObjectName("map_context_menu")
        action = menu.addAction(self.tr("Record an incident here"))
        action.triggered.connect(self._on_record_action_triggered)
        return menu, action

    # -- sending ----------------------------------------------------------------
    def _run(self, function: str, *arguments: object) -> None:
        if self._page is None:
            return
        text = ",".join(to_json(argument) for argument in arguments)
        self._page.runJavaScript(f"window.xcc.{function}({text});")

    def _send_full(self) -> None:
        if self._page is None:
            return
        generation = self._generation
        if self._full_json is None:
            message = {
                "generation": 0,
                "county": self._county,
                "layers": {
                    layer: collection(list(features.values()))
                    for layer, features in self._features.items()
                },
            }
            self._full_json = to_json(message)
        self._full_generation = generation
        self._diffs_with_full.extend(self._diffs_folded)
        self._diffs_folded.clear()
        self._page_has_content = True
        self._page.runJavaScript(
            f"window.xcc.setData(Object.assign({self._full_json}, {{generation: {generation}}}));"
        )

    def _send_highlight(self, *, center: bool = False) -> None:
        if self._highlight_request is not None:
            layer, feature_id = self._highlight_request
            if center:
                self._run("highlight", layer, feature_id, True)
            else:
                self._run("highlight", layer, feature_id)

    # -- content bookkeeping ------------------------------------------------------
    def _on_content_changed(self) -> None:
        self._search_stale = True  # rebuilt when the search box is next used
        problems = tuple(self._problems.values())
        if problems != self._shown_problems:
            self._shown_problems = problems
            self._update_problem_strip()
            self.problems_changed.emit()

    def _kind_labels(self) -> dict[str, str]:
        return {
            TOWNSHIPS: self.tr("Township"),
            HAZARDS: self.tr("Hazard"),
            SHELTERS: self.tr("Shelter"),
            DEPOTS: self.tr("Supply depot"),
            TEAMS: self.tr("Rescue team"),
            INCIDENTS: self.tr("Incident"),
        }

    def _problem_labels(self) -> dict[Problem, str]:
        return {
            Problem.MISSING: self.tr("missing coordinates"),
            Problem.NOT_A_NUMBER: self.tr("coordinates not numbers"),
            Problem.OUT_OF_RANGE: self.tr("coordinates out of range"),
            Problem.SWAPPED: self.tr("latitude and longitude look swapped"),
            Problem.OUTSIDE_COUNTY: self.tr("outside the county"),
        }

    def _update_problem_strip(self) -> None:
        strip = self._problem_strip
        problems = list(self._problems.values())
        if not problems:
            strip.clear()
            strip.setToolTip("")
            strip.setVisible(False)
            return
        labels = self._problem_labels()
        counts = Counter(p.problem for p in problems)
        hidden = [reason for reason in Problem if not reason.drawn and counts[reason]]
        separator = self.tr(", ")
        parts: list[str] = []
        if hidden:
            detail = separator.join(f"{labels[reason]} {counts[reason]}" for reason in hidden)
            total = sum(counts[reason] for reason in hidden)
            parts.append(self.tr("%n feature(s) not shown: %1", "", total).replace("%1", detail))
        outside = counts[Problem.OUTSIDE_COUNTY]
        if outside:
            parts.append(self.tr("%n feature(s) shown outside the county", "", outside))
        strip.setText(self.tr("; ").join(parts))
        strip.setToolTip(self._problem_tooltip(problems, labels))
        strip.setVisible(True)

    def _problem_tooltip(self, problems: Iterable[MapProblem], labels: dict[Problem, str]) -> str:
        """One line per reason, names shown as text (never as markup)."""
        by_reason: dict[Problem, list[str]] = {}
        no_name = self.tr("(no name)")
        for problem in problems:
            by_reason.setdefault(problem.problem, []).append(problem.name or no_name)
        lines = []
        separator = self.tr(", ")
        for reason in Problem:
            names = by_reason.get(reason)
            if not names:
                continue
            shown = separator.join(names[:PROBLEM_NAMES_SHOWN])
            if len(names) > PROBLEM_NAMES_SHOWN:
                more = len(names) - PROBLEM_NAMES_SHOWN
                shown = self.tr("%1 and %2 more").replace("%1", shown).replace("%2", str(more))
            line = self.tr("%1: %2").replace("%1", labels[reason]).replace("%2", shown)
            lines.append(line)
        return plain_tooltip("\n".join(lines))

    # -- search -----------------------------------------------------------------
    def _refresh_search(self) -> None:
        if not self._search_stale:
            return
        self._search_stale = False
        entries = build_entries(self._features, self._kind_labels(), self.tr("%1 (%2)"))
        self._search_model.set_entries(entries)

    def _go_to(self, entry: SearchEntry) -> None:
        if entry.layer == TOWNSHIPS:
            if self._ready:
                self._run("panTo", entry.lon, entry.lat)
            return
        self._highlight_request = (entry.layer, entry.feature_id)
        if self._ready:
            self._send_highlight(center=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._search_box and event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.FocusIn,
            QEvent.Type.InputMethod,
        ):
            self._refresh_search()
        return super().eventFilter(watched, event)

    def _on_search_completer_activated(self, index: QModelIndex) -> None:
        entry = self._search_model.entry_at(int(index.data(ROW_ROLE)))
        if entry is not None:
            self._go_to(entry)
            # Return in the list also reaches the line edit: it must not search again.
            self._search_just_activated = True
            QTimer.singleShot(0, self._on_search_activation_settled)

    def _on_search_activation_settled(self) -> None:
        self._search_just_activated = False

    def _on_search_box_return_pressed(self) -> None:
        if not self._search_just_activated:
            self.search(self._search_box.text())

    def _on_whole_county_clicked(self) -> None:
        self.show_whole_county()

    # -- right click --------------------------------------------------------------
    def _on_bridge_context_menu_requested(self, lon: float, lat: float) -> None:
        """The page was right-clicked at (lon, lat): offer to record an incident there.

        The menu is shown with ``popup`` (it does not block), so tests can call
        this and trigger ``context_menu``'s action themselves.
        """
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lat) <= 90 and abs(lon) <= 180):
            log.warning("ignored a right click at an impossible point (%r, %r)", lon, lat)
            return
        self._context_point = (lon, lat)
        self.context_menu_requested.emit(lon, lat)
        if self._view is not None:
            self._context_menu.popup(QCursor.pos())

    def _on_record_action_triggered(self) -> None:
        if self._context_point is not None:
            self.incident_requested.emit(*self._context_point)

    # -- page messages ------------------------------------------------------------
    def _on_bridge_page_ready(self) -> None:
        self._ready = True
        self._page_has_content = False
        # The page's words come first: it builds its controls from them.
        self._run("setTexts", page_texts(self._kind_labels()))
        # Diffs sent to a page that is gone are in the copy: the full draw brings them.
        self._diffs_folded = sorted([*self._diffs_folded, *self._diffs_sent])
        self._diffs_sent.clear()
        self.ready.emit()
        if self._basemap is not None:
            self._run("setBasemap", self._basemap)
        if self._has_content and not self._page_has_content:  # a slot of ready may have sent
            self._send_full()
        self._send_highlight()

    def _on_bridge_data_applied(self, generation: int) -> None:
        if generation == self._full_generation:
            self._full_generation = None
            diffs, self._diffs_with_full = self._diffs_with_full, []
            self.loaded.emit()
            for diff in diffs:
                self.changes_applied.emit(diff)
        elif generation in self._diffs_sent:
            self._diffs_sent.discard(generation)
            self.changes_applied.emit(generation)

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
        self._page_has_content = False
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
