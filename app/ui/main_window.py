"""The main window: docks, menus and status bar. It owns no data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from app.data.errors import classify
from app.services.dto import MapData, StatusDTO
from app.services.incidents import IncidentService
from app.services.overview import OverviewService
from app.services.resources import ResourceService
from app.services.roster import RosterService
from app.ui.incidents.panel import IncidentPanel
from app.ui.map.view import MapPanel
from app.ui.messages import problem_text, unexpected_text
from app.ui.models.table import LOCAL_TZ
from app.ui.panel import DataPanel
from app.ui.resources.panel import ResourcePanel
from app.ui.roster.panel import RosterPanel
from app.ui.tasks import TaskRunner

POLL_INTERVAL_MS = 2000


@dataclass(frozen=True)
class Services:
    overview: OverviewService
    resources: ResourceService
    incidents: IncidentService
    roster: RosterService


@dataclass(frozen=True)
class SessionInfo:
    database: str  # what the status bar names: a file path or host:port/db
    backend: str
    user: str


class MainWindow(QMainWindow):
    """Composes the panels; refreshes them when the database changes."""

    all_loaded = Signal()
    connection_changed = Signal(bool)

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        settings: QSettings,
        session: SessionInfo,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("Xiao County Emergency Command Center"))
        self._services = services
        self._runner = runner
        self._settings = settings
        self._session = session
        self._clock = clock
        self._last_seq: int | None = None
        self._connected: bool | None = None
        self._polling = False
        self._announced_loaded = False

        self.map_panel = MapPanel(self)
        self.roster_panel = RosterPanel(runner, services.roster, clock, self)
        self.incident_panel = IncidentPanel(runner, services.incidents, self)
        self.resource_panel = ResourcePanel(runner, services.resources, self._today, self)
        self._map_loaded = False
        self._docks: dict[str, QDockWidget] = {}
        self.setDockNestingEnabled(True)
        self._build_docks()
        self._build_status_bar()
        self._build_menus()
        self._default_state = self.saveState()
        self._restore_layout()

        for panel in self._data_panels():
            panel.loaded.connect(self._on_panel_loaded)
            panel.load_failed.connect(self._on_load_failed)
        self.map_panel.loaded.connect(self._on_map_loaded)
        self.resource_panel.selected.connect(self._on_resource_selected)
        self.incident_panel.selected.connect(self._on_incident_selected)

        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._clock_timer.start(1000)
        self._poll_timer = QTimer(self)
        self._poll_timer.timeout.connect(self._poll_status)
        self._poll_timer.start(POLL_INTERVAL_MS)
        self._on_clock_timer_timeout()

    # -- construction -------------------------------------------------------
    def _data_panels(self) -> list[DataPanel]:
        return [self.roster_panel, self.incident_panel, self.resource_panel]

    def _build_docks(self) -> None:
        specs = [
            ("map", self.tr("Emergency map"), self.map_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            (
                "roster",
                self.tr("Duty roster"),
                self.roster_panel,
                Qt.DockWidgetArea.RightDockWidgetArea,
            ),
            (
                "incidents",
                self.tr("Incident log"),
                self.incident_panel,
                Qt.DockWidgetArea.RightDockWidgetArea,
            ),
            (
                "resources",
                self.tr("Resources"),
                self.resource_panel,
                Qt.DockWidgetArea.BottomDockWidgetArea,
            ),
        ]
        for key, title, widget, area in specs:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{key}")
            dock.setWidget(widget)
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.addDockWidget(area, dock)
            self._docks[key] = dock
        self.splitDockWidget(self._docks["map"], self._docks["roster"], Qt.Orientation.Horizontal)
        self.splitDockWidget(
            self._docks["roster"], self._docks["incidents"], Qt.Orientation.Vertical
        )
        self.splitDockWidget(self._docks["map"], self._docks["resources"], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self._docks["map"], self._docks["roster"]], [1100, 700], Qt.Orientation.Horizontal
        )
        self.resizeDocks(
            [self._docks["map"], self._docks["resources"]], [640, 300], Qt.Orientation.Vertical
        )
        self.resizeDocks(
            [self._docks["roster"], self._docks["incidents"]], [380, 560], Qt.Orientation.Vertical
        )

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.db_label = QLabel(self)
        self.db_label.setObjectName("status_db")
        kind = "SQLite" if self._session.backend == "sqlite" else "PostgreSQL"
        self.db_label.setText(
            self.tr("Database: %1 %2").replace("%1", kind).replace("%2", self._session.database)
        )
        self.db_label.setToolTip(self._session.database)
        self.connection_label = QLabel(self.tr("Connecting…"), self)
        self.connection_label.setObjectName("status_connection")
        self.user_label = QLabel(self.tr("User: %1").replace("%1", self._session.user), self)
        self.user_label.setObjectName("status_user")
        self.demo_badge = QLabel(self.tr("DEMO DATA"), self)
        self.demo_badge.setObjectName("demo_badge")
        self.demo_badge.setToolTip(
            self.tr("This database holds demo rows; they are not real data.")
        )
        self.demo_badge.setStyleSheet(
            "QLabel { background: #e66101; color: white; font-weight: bold; padding: 1px 8px; }"
        )
        self.demo_badge.setVisible(False)
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("status_clock")
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.demo_badge)
        bar.addPermanentWidget(self.connection_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.clock_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        refresh = QAction(self.tr("&Refresh"), self)
        refresh.setShortcut("F5")
        refresh.triggered.connect(self.refresh_all)
        file_menu.addAction(refresh)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for dock in self._docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        reset = QAction(self.tr("Reset layout"), self)
        reset.triggered.connect(self._on_reset_layout_triggered)
        view_menu.addAction(reset)

        settings_menu = self.menuBar().addMenu(self.tr("&Settings"))
        language_menu = settings_menu.addMenu(self.tr("Language"))
        for code, name in (("zh_CN", "简体中文"), ("en", "English")):
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(self._settings.value("ui/language", "zh_CN") == code)
            action.triggered.connect(lambda _=False, c=code: self._on_language_chosen(c))
            language_menu.addAction(action)

    # -- layout -------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self._settings.value("window/geometry")
        state = self._settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)  # type: ignore[arg-type]
        else:
            self.resize(1600, 1000)
        if state is not None:
            self.restoreState(state)  # type: ignore[arg-type]

    def save_layout(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.sync()

    def _on_reset_layout_triggered(self) -> None:
        self.restoreState(self._default_state)
        for dock in self._docks.values():
            dock.show()

    def _on_language_chosen(self, code: str) -> None:
        self._settings.setValue("ui/language", code)
        self._settings.sync()
        QMessageBox.information(
            self,
            self.tr("Language"),
            self.tr("The language will change the next time the program starts."),
        )

    # -- data ---------------------------------------------------------------
    def _today(self) -> date:
        return self._clock().astimezone(LOCAL_TZ).date()

    def refresh_all(self) -> None:
        """Reload every panel. The change sequence is read first, so a change that
        lands while the panels load is seen by the next poll, never missed."""
        self._runner.submit(
            self._services.overview.status,
            on_done=self._on_refresh_status_read,
            on_error=self._on_status_failed,
        )

    def _on_refresh_status_read(self, status: StatusDTO) -> None:
        self._apply_status(status)
        for panel in self._data_panels():
            panel.refresh()
        today = self._today()
        self._runner.submit(
            lambda: self._services.overview.map_data(today),
            on_done=self._apply_map_data,
            on_error=self._on_load_failed,
        )

    def _apply_map_data(self, data: MapData) -> None:
        self.map_panel.set_data(data)

    def _poll_status(self) -> None:
        if self._polling:
            return
        self._polling = True
        self._runner.submit(
            self._services.overview.last_seq,
            on_done=self._on_last_seq_polled,
            on_error=self._on_status_failed,
        )

    def _on_last_seq_polled(self, last_seq: int) -> None:
        self._polling = False
        self._set_connected(True)
        if self._last_seq is not None and last_seq != self._last_seq:
            # Everything up to last_seq will be in the reload that starts now.
            self._last_seq = last_seq
            self.refresh_all()

    def _apply_status(self, status: StatusDTO) -> None:
        self._set_connected(True)
        self.demo_badge.setVisible(status.has_demo)
        self._last_seq = status.last_seq

    def _on_status_failed(self, exc: BaseException) -> None:
        self._polling = False
        self._set_connected(False, exc)

    def _set_connected(self, ok: bool, exc: BaseException | None = None) -> None:
        if ok:
            self.connection_label.setText(self.tr("Connected"))
            self.connection_label.setStyleSheet("color: #1a7f37;")
            self.connection_label.setToolTip("")
        else:
            self.connection_label.setText(self.tr("Connection lost, retrying…"))
            self.connection_label.setStyleSheet(
                "color: white; background: #b30000; padding: 1px 6px;"
            )
            if exc is not None:
                problem = classify(exc)
                self.connection_label.setToolTip(
                    problem_text(problem, self._session.database)
                    if problem
                    else unexpected_text(exc)
                )
        if ok != self._connected:
            self._connected = ok
            self.connection_changed.emit(ok)

    def _on_load_failed(self, exc: BaseException) -> None:
        problem = classify(exc)
        text = problem_text(problem, self._session.database) if problem else unexpected_text(exc)
        self.statusBar().showMessage(text, 10000)
        if problem is not None:
            self._set_connected(False, exc)

    def _on_panel_loaded(self) -> None:
        self._check_all_loaded()

    def _on_map_loaded(self) -> None:
        self._map_loaded = True
        self._check_all_loaded()

    def _check_all_loaded(self) -> None:
        if self._announced_loaded:
            return
        if self._map_loaded and all(p.has_loaded for p in self._data_panels()):
            self._announced_loaded = True
            self.all_loaded.emit()

    @property
    def is_loaded(self) -> bool:
        return self._announced_loaded

    def _on_clock_timer_timeout(self) -> None:
        now = self._clock()
        self.clock_label.setText(now.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"))
        change = self.roster_panel.next_change()
        if change is not None and now >= change:
            self.roster_panel.refresh()

    # -- selection ----------------------------------------------------------
    def _on_resource_selected(self, layer: str, entity_id: uuid.UUID) -> None:
        self.map_panel.highlight(layer, str(entity_id))

    def _on_incident_selected(self, entity_id: uuid.UUID) -> None:
        self.map_panel.highlight("incidents", str(entity_id))

    # -- shutdown -----------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self._clock_timer.stop()
        self._poll_timer.stop()
        self._runner.wait_idle(10000)
        self.map_panel.close_view()
        super().closeEvent(event)
