"""The main window: docks, menus and status bar. It owns no data."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QWidget,
)

from app.data.mbtiles import MBTiles, MBTilesError
from app.domain.clock import CHINA_TZ
from app.services.dto import IncidentDTO, MapChanges, ShelterDTO, StatusDTO, TownshipDTO
from app.services.startup import probe_database
from app.ui.access.audit_window import AuditLogAction
from app.ui.access.lock import IdleLockSettingsAction, LockSeatAction, SeatLock
from app.ui.access.switch import OperatorLabel, SwitchOperatorAction
from app.ui.connection import ConnectionDialog
from app.ui.demo_data import RemoveDemoAction
from app.ui.details import DetailsPanel
from app.ui.documents import ask_open_path, remember_folder_in
from app.ui.incidents.intake import IncidentIntakeDialog
from app.ui.incidents.panel import TIMELINE_MIN_PX, TIMELINE_SHORT_PX, IncidentPanel
from app.ui.incidents.report_dialog import IncidentReportDialog
from app.ui.incidents.rules_dialog import ReportingRulesDialog
from app.ui.incidents.stats_dialog import StatsDialog
from app.ui.map.payload import PreparedMap
from app.ui.map.pick import MapPointPicker
from app.ui.map.tiles import TileSource, error_text
from app.ui.map.updates import MapUpdates
from app.ui.map.view import MapPanel
from app.ui.messages import unexpected_text
from app.ui.operations.overdue import OverdueIndicator as RectificationIndicator
from app.ui.overdue import OverdueIndicator
from app.ui.panel import DataPanel
from app.ui.plain import plain_label, plain_tooltip
from app.ui.registers.form import RegisterFormDialog
from app.ui.resources.actions import RegisterActions
from app.ui.resources.occupancy_dialog import OccupancyDialog
from app.ui.resources.panel import ResourcePanel
from app.ui.roster.duty_report_dialog import DutyReportDialog
from app.ui.roster.handover_dialog import HandoverDialog
from app.ui.roster.panel import RosterPanel
from app.ui.roster.settings_dialog import RosterSettingsDialog
from app.ui.roster.staff_dialog import StaffDialog
from app.ui.session import AppSession
from app.ui.sync import SyncActions, SyncIndicator

# A dock widget's title bar, above its content.
DOCK_TITLE_PX = 18
# Dock layouts saved by an earlier arrangement are not restored (the docks are
# sized afresh for the screen): raise this when the default arrangement changes.
LAYOUT_VERSION = 2
# Below this height for the docks (a 768-pixel laptop) the layout is compact.
SHORT_SCREEN_PX = 850


def _parse_size(value: object) -> tuple[int, int] | None:
    """``"1366x768"`` (as save_layout writes it) as (width, height); None otherwise."""
    width, sep, height = str(value or "").partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    return int(width), int(height)


class MainWindow(QMainWindow):
    """Composes the panels; refreshes them when the database changes."""

    all_loaded = Signal()
    basemap_failed = Signal(str)

    def __init__(
        self,
        session: AppSession,
        settings: QSettings,
        tile_source: TileSource | None = None,
        parent: QWidget | None = None,
        *,
        remember_layout: bool = True,
    ) -> None:
        """``remember_layout``: restore the dock layout saved by the last window
        and save this one's on close (False for a snapshot: the picture shows
        the default layout for its size and leaves the user's alone)."""
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self._remember_layout = remember_layout
        self.setWindowTitle(self.tr("Xiao County Emergency Command Center"))
        self._session = session
        self._services = session.services
        self._runner = session.runner
        self._settings = settings
        self._announced_loaded = False
        self._townships: tuple[TownshipDTO, ...] = ()

        self._tile_source = tile_source
        self.map_panel = MapPanel(self, tile_source=tile_source)
        # The map, the resource lists and the details read the map's rows once for all.
        self._map_updates = MapUpdates(
            session.runner, session.services.overview, session.today, self
        )
        self._map_updates.data_read.connect(self._on_map_data_read)
        self._map_updates.changes_read.connect(self._on_map_changes_read)
        self._map_updates.failed.connect(session.report_failure)
        self.roster_panel = RosterPanel(session, self)
        self.incident_panel = IncidentPanel(session, self)
        # Forms reach the map through this picker, never through the window.
        self.point_picker = MapPointPicker(self.map_panel, self._show_map, self)
        self.resource_panel = ResourcePanel(self, session=session, picker=self.point_picker)
        self._current_incident: uuid.UUID | None = None
        self.register_actions = RegisterActions(
            session, self.resource_panel, self, lambda: self._current_incident
        )
        self.register_actions.show_requested.connect(self._on_register_row_requested)
        self.register_actions.told.connect(self._tell)
        self.details_panel = DetailsPanel(
            session.runner, session.services.overview, session.today, self, session=session
        )
        self._map_loaded = False
        self._docks: dict[str, QDockWidget] = {}
        self.setDockNestingEnabled(True)
        self._build_docks()
        self._build_status_bar()
        self._build_menus()
        self._layout_pending = True  # sized to the window when first shown
        self._layout_saved_for: tuple[int, int] | None = None  # the window size of a saved layout
        self._shown_once = False
        remember_folder_in(settings)
        if remember_layout:
            self._restore_layout()

        for panel in self._data_panels():
            panel.loaded.connect(self._on_panel_loaded)
            panel.load_failed.connect(session.report_failure)
        self.resource_panel.loaded.connect(self._on_panel_loaded)
        self.details_panel.load_failed.connect(session.report_failure)
        self.details_panel.edit_requested.connect(self.open_shelter_editor)
        self.details_panel.occupancy_requested.connect(self.open_occupancy)
        self.resource_panel.occupancy_requested.connect(self.open_occupancy)
        self.map_panel.loaded.connect(self._on_map_loaded)
        self.map_panel.feature_clicked.connect(self._on_map_feature_clicked)
        self.map_panel.incident_requested.connect(self._on_map_incident_requested)
        self.resource_panel.row_selected.connect(self._on_resource_selected)
        self.resource_panel.told.connect(self._tell)
        self.incident_panel.selected.connect(self._on_incident_selected)
        self.incident_panel.report_requested.connect(self.open_incident_report)
        session.reloaded.connect(self._map_updates.reload)
        session.changes_arrived.connect(self._map_updates.add)
        session.status_changed.connect(self._on_session_status_changed)
        session.connection_changed.connect(self._on_session_connection_changed)
        session.problem_reported.connect(self._on_session_problem_reported)
        self.incident_panel.changed.connect(lambda _id: session.refresh_overdue())

        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._clock_timer.start(1000)
        self._on_clock_timer_timeout()

    # -- construction -------------------------------------------------------
    def _data_panels(self) -> list[DataPanel]:
        return [self.roster_panel, self.incident_panel]

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
            (
                "details",
                self.tr("Details"),
                self.details_panel,
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
        self.splitDockWidget(
            self._docks["resources"], self._docks["details"], Qt.Orientation.Horizontal
        )

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.db_label = plain_label(parent=self)  # a file path or server address
        self.db_label.setObjectName("status_db")
        kind = "SQLite" if self._session.backend == "sqlite" else "PostgreSQL"
        self.db_label.setText(
            self.tr("Database: %1 %2").replace("%1", kind).replace("%2", self._session.where)
        )
        self.db_label.setToolTip(plain_tooltip(self._session.where))
        self.connection_label = QLabel(self.tr("Connecting…"), self)
        self.connection_label.setObjectName("status_connection")
        # 值班员 张三: the person signed in, as the session's operator changes.
        self.user_label = OperatorLabel(self._session, self)
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
        self.overdue = OverdueIndicator(self._session, self)
        self.overdue.incident_chosen.connect(self._on_overdue_incident_chosen)
        bar.addPermanentWidget(self.overdue)
        # 整改逾期: hazard sites past their rectification deadline.
        self.overdue_rectifications = RectificationIndicator(self._session, self)
        self.overdue_rectifications.selected.connect(self._on_register_row_requested)
        # No taller than the other status-bar notices: a 768-pixel screen needs every row.
        # (A label's height: the overdue buttons are hidden while nothing is overdue,
        # and a hidden row of buttons has no height to go by.)
        notice_px = self.connection_label.sizeHint().height()
        self.overdue_rectifications.setMaximumHeight(notice_px)
        bar.addPermanentWidget(self.overdue_rectifications)
        # 前方指挥车1号（field-…） · 待同步 N · 冲突 M: opens 同步 on a click.
        self.sync_indicator = SyncIndicator(self._session, self)
        self.sync_indicator.setMaximumHeight(notice_px)
        bar.addPermanentWidget(self.sync_indicator)
        bar.addPermanentWidget(self.demo_badge)
        bar.addPermanentWidget(self.connection_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.clock_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        intake = QAction(self.tr("&New incident report…"), self)
        intake.setShortcut("Ctrl+N")
        intake.triggered.connect(lambda: self.open_intake())
        file_menu.addAction(intake)
        statistics = QAction(self.tr("Disaster statistics…"), self)
        statistics.triggered.connect(lambda: self.open_statistics())
        file_menu.addAction(statistics)
        file_menu.addSeparator()
        # 带出到前方指挥车… / 打开前方数据… / 同步…
        self.sync_actions = SyncActions(self._session, self)
        self.sync_actions.told.connect(self._tell)
        self.sync_actions.close_requested.connect(self.close)
        for action in self.sync_actions.actions():
            file_menu.addAction(action)
        file_menu.addSeparator()
        self.remove_demo_action = RemoveDemoAction(self._session, self)
        self.remove_demo_action.told.connect(self._tell)
        file_menu.addAction(self.remove_demo_action)
        file_menu.addSeparator()
        refresh = QAction(self.tr("&Refresh"), self)
        refresh.setShortcut("F5")
        refresh.triggered.connect(self.refresh_all)
        file_menu.addAction(refresh)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        duty_menu = self.menuBar().addMenu(self.tr("&Duty"))
        handover = QAction(self.tr("Hand over the shift…"), self)
        handover.triggered.connect(lambda: self.open_handover(acknowledge=False))
        duty_menu.addAction(handover)
        take_over = QAction(self.tr("Acknowledge the handover…"), self)
        take_over.triggered.connect(lambda: self.open_handover(acknowledge=True))
        duty_menu.addAction(take_over)
        report = QAction(self.tr("Daily duty report…"), self)
        report.triggered.connect(lambda: self.open_duty_report())
        duty_menu.addAction(report)
        duty_menu.addSeparator()
        people = QAction(self.tr("Staff and A/B posts…"), self)
        people.triggered.connect(lambda: self.open_staff())
        duty_menu.addAction(people)
        rules = QAction(self.tr("Duty settings…"), self)
        rules.triggered.connect(lambda: self.open_roster_settings())
        duty_menu.addAction(rules)
        deadlines = QAction(self.tr("Reporting deadlines…"), self)
        deadlines.triggered.connect(lambda: self.open_reporting_rules())
        duty_menu.addAction(deadlines)
        duty_menu.addSeparator()
        # One seat lock per session: every window of the session shares it.
        self.seat_lock = SeatLock.of(self._session, self._settings)
        self.switch_operator_action = SwitchOperatorAction(self._session, self)
        duty_menu.addAction(self.switch_operator_action)
        self.lock_seat_action = LockSeatAction(self.seat_lock, self)
        duty_menu.addAction(self.lock_seat_action)

        self.menuBar().addMenu(self.register_actions.menu(self))

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for dock in self._docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        reset = QAction(self.tr("Reset layout"), self)
        reset.triggered.connect(self._on_reset_layout_triggered)
        view_menu.addAction(reset)
        view_menu.addSeparator()
        self.include_demo_action = QAction(self.tr("Count demo data in alarms"), self)
        self.include_demo_action.setCheckable(True)
        self.include_demo_action.setToolTip(
            self.tr("Demo incidents count in 'overdue reports' only when this is ticked.")
        )
        include = str(self._settings.value("view/include_demo", "false")) == "true"
        self.include_demo_action.setChecked(include)
        self._session.set_include_demo(include)
        self.include_demo_action.toggled.connect(self._on_include_demo_toggled)
        view_menu.addAction(self.include_demo_action)

        settings_menu = self.menuBar().addMenu(self.tr("&Settings"))
        connection = QAction(self.tr("Database connection…"), self)
        connection.triggered.connect(lambda: self.open_connection_dialog())
        settings_menu.addAction(connection)
        basemap = QAction(self.tr("Offline basemap (MBTiles)…"), self)
        basemap.triggered.connect(self._on_choose_basemap_triggered)
        basemap.setEnabled(self._tile_source is not None)
        settings_menu.addAction(basemap)
        no_basemap = QAction(self.tr("No basemap"), self)
        no_basemap.triggered.connect(lambda: self.load_basemap(None))
        no_basemap.setEnabled(self._tile_source is not None)
        settings_menu.addAction(no_basemap)
        settings_menu.addAction(IdleLockSettingsAction(self.seat_lock, self._settings, self))
        # 审计日志: for a system administrator or a commander (disabled for others).
        self.audit_log_action = AuditLogAction(self._session, self)
        settings_menu.addAction(self.audit_log_action)
        language_menu = settings_menu.addMenu(self.tr("Language"))
        for code, name in (("zh_CN", "简体中文"), ("en", "English")):
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(self._settings.value("ui/language", "zh_CN") == code)
            action.triggered.connect(lambda _=False, c=code: self._on_language_chosen(c))
            language_menu.addAction(action)

    # -- database connection ------------------------------------------------------
    def open_connection_dialog(self) -> ConnectionDialog:
        dialog = ConnectionDialog(self._runner, probe_database, self._session.url, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(lambda _url: self._on_connection_chosen(dialog.saved_url()))
        dialog.open()
        return dialog

    def _on_connection_chosen(self, saved_url: str) -> None:
        # Only the password-free URL is kept; the switch happens at the next start,
        # when every panel and the change feed are built on the new database.
        self._settings.setValue("db/url", saved_url)
        self._settings.sync()
        self._tell(self.tr("The program will use this database the next time it starts."))

    # -- basemap --------------------------------------------------------------
    def _on_choose_basemap_triggered(self) -> None:
        start = str(self._settings.value("map/tiles", "") or "")
        path = ask_open_path(
            self,
            self.tr("Choose an offline basemap"),
            self.tr("MBTiles map files (*.mbtiles);;All files (*)"),
            start,
        )
        if path:
            self.load_basemap(Path(path), remember=True)

    def load_basemap(self, path: Path | None, remember: bool = False) -> None:
        """Open an MBTiles file off the GUI thread; a bad file leaves the map as it is."""
        source = self._tile_source
        if source is None:
            return
        if path is None:
            source.set_tiles(None)
            self._settings.setValue("map/tiles", "")
            return

        def opened(tiles: MBTiles) -> None:
            source.set_tiles(tiles)
            if remember:
                self._settings.setValue("map/tiles", str(path))
            self.statusBar().showMessage(self.tr("Basemap: %1").replace("%1", path.name), 5000)

        def failed(exc: BaseException) -> None:
            text = error_text(exc, path) if isinstance(exc, MBTilesError) else unexpected_text(exc)
            self.basemap_failed.emit(text)
            self.statusBar().showMessage(text, 15000)

        self._runner.submit(lambda: MBTiles(path), on_done=opened, on_error=failed)

    # -- layout -------------------------------------------------------------
    @property
    def first_start(self) -> bool:
        """No window size saved yet on this seat: open maximised."""
        return self._settings.value("window/geometry") is None

    def _restore_layout(self) -> None:
        geometry = self._settings.value("window/geometry")
        state = self._settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry()
            self.resize(min(1600, screen.width()), min(1000, screen.height()))
        if state is not None and self.restoreState(state, LAYOUT_VERSION):
            self._layout_pending = False
            self._layout_saved_for = _parse_size(self._settings.value("window/layout_size"))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            # After the window has its final size (maximised, or a snapshot's size).
            QTimer.singleShot(0, self._fit_layout_to_window)

    def _fit_layout_to_window(self) -> None:
        """Keep the docks as they were saved when the window has the size they
        were saved for; size them afresh otherwise. (Docks saved on a 1080-pixel
        screen and squeezed into a 768-pixel one keep the roster's whole week and
        leave the incident list a row or two.)"""
        size = (self.width(), self.height())
        if not self._layout_pending and self._layout_saved_for == size:
            return
        self._layout_pending = False
        self.apply_default_layout()
        # Again when the panels hold data (the card's names take room).
        if not self._announced_loaded:
            self.all_loaded.connect(self.apply_default_layout)

    def apply_default_layout(self) -> None:
        """Dock sizes for this window's size (first start, 重置布局).

        The roster and the incident list share the right column: on a tall
        screen the roster shows the whole week, on a short one (a 768-pixel
        laptop) three days, and the incident list keeps at least five rows;
        the map takes the rest of the width beside them.
        """
        docks = self._docks
        for dock in docks.values():
            dock.setFloating(False)
            dock.show()
        width, height = self.width(), self._dock_height()
        right = min(max(int(width * 0.42), 600), 800)
        self.resizeDocks(
            [docks["map"], docks["roster"]], [width - right, right], Qt.Orientation.Horizontal
        )
        panel = self.incident_panel
        short = height < SHORT_SCREEN_PX
        # A short screen folds the incident filters' second row (one click shows
        # it) and leaves the log below the list a few lines, which grow on a drag.
        if panel.filters is not None:
            panel.filters.set_expanded(not short)
        panel.timeline_min = TIMELINE_SHORT_PX if short else TIMELINE_MIN_PX
        incidents = panel.height_for_rows(5) + DOCK_TITLE_PX
        days = 7 if height - incidents >= self.roster_panel.height_for_days(7) else 3
        roster = self.roster_panel.height_for_days(days) + DOCK_TITLE_PX
        self.resizeDocks(
            [docks["roster"], docks["incidents"]],
            [roster, max(incidents, height - roster)],
            Qt.Orientation.Vertical,
        )
        bottom = max(200, int(height * 0.3))
        self.resizeDocks(
            [docks["map"], docks["resources"]], [height - bottom, bottom], Qt.Orientation.Vertical
        )
        left = width - right
        self.resizeDocks(
            [docks["resources"], docks["details"]],
            [int(left * 0.68), left - int(left * 0.68)],
            Qt.Orientation.Horizontal,
        )
        QTimer.singleShot(0, panel.fit_list)

    def _dock_height(self) -> int:
        """The height the docks share: the window less its menu and status bars."""
        return self.height() - self.menuBar().height() - self.statusBar().height()

    def save_layout(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        # The docks' sizes hold for this window size only (see _fit_layout_to_window).
        self._settings.setValue("window/layout_size", f"{self.width()}x{self.height()}")
        self._settings.sync()

    def _on_reset_layout_triggered(self) -> None:
        self.apply_default_layout()

    def _on_include_demo_toggled(self, include: bool) -> None:
        self._settings.setValue("view/include_demo", "true" if include else "false")
        self._session.set_include_demo(include)

    def _on_language_chosen(self, code: str) -> None:
        self._settings.setValue("ui/language", code)
        self._settings.sync()
        self._tell(self.tr("The language will change the next time the program starts."))

    def _tell(self, text: str) -> None:
        """A notice that needs no answer (never a modal box that halts the watch)."""
        self.statusBar().showMessage(text, 15000)

    # -- data ---------------------------------------------------------------
    def refresh_all(self) -> None:
        """Reload every panel and the map (through the session, for every window)."""
        self._session.reload()

    def _on_session_status_changed(self, status: StatusDTO) -> None:
        self.demo_badge.setVisible(status.has_demo)

    def _on_session_problem_reported(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def _on_session_connection_changed(self, ok: bool) -> None:
        if ok:
            self.connection_label.setText(self.tr("Connected"))
            self.connection_label.setStyleSheet("color: #1a7f37;")
            self.connection_label.setToolTip("")
        else:
            self.connection_label.setText(self.tr("Connection lost, retrying…"))
            self.connection_label.setStyleSheet(
                "color: white; background: #b30000; padding: 1px 6px;"
            )
            # The last message may name the database or quote its error.
            self.connection_label.setToolTip(plain_tooltip(self.statusBar().currentMessage()))

    # -- the map and the resource lists ------------------------------------------
    def _on_map_data_read(self, prepared: PreparedMap) -> None:
        self._townships = prepared.data.townships
        self.incident_panel.set_townships([(t.id, t.name) for t in prepared.data.townships])
        self.map_panel.set_data(prepared)
        self.resource_panel.show_data(prepared.data)

    def _on_map_changes_read(self, changes: MapChanges) -> None:
        self.map_panel.apply_changes(changes)
        self.resource_panel.apply_changes(changes)
        self.details_panel.update_from(changes)

    def _on_panel_loaded(self) -> None:
        self._check_all_loaded()

    def _on_map_loaded(self) -> None:
        self._map_loaded = True
        self._check_all_loaded()

    def _check_all_loaded(self) -> None:
        if self._announced_loaded:
            return
        panels: list[DataPanel | ResourcePanel] = [*self._data_panels(), self.resource_panel]
        if self._map_loaded and all(p.has_loaded for p in panels):
            self._announced_loaded = True
            self.all_loaded.emit()

    @property
    def is_loaded(self) -> bool:
        return self._announced_loaded

    def _on_clock_timer_timeout(self) -> None:
        now = self._session.now()
        self.clock_label.setText(now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"))

    # -- selection ----------------------------------------------------------
    def _on_resource_selected(self, layer: str, entity_id: uuid.UUID) -> None:
        self.map_panel.highlight(layer, str(entity_id))
        self.details_panel.show_feature(layer, entity_id)

    def _on_register_row_requested(self, layer: str, entity_id: uuid.UUID) -> None:
        """A row found by a dialog (surroundings, overdue list): on the map and in details."""
        if layer == "incidents":
            self._on_incident_selected(entity_id)
        else:
            self.resource_panel.select(layer, entity_id)
            self._on_resource_selected(layer, entity_id)
        self._on_map_feature_clicked(layer, str(entity_id))

    def _on_incident_selected(self, entity_id: uuid.UUID) -> None:
        self._current_incident = entity_id
        self.map_panel.highlight("incidents", str(entity_id))
        self.details_panel.show_feature("incidents", entity_id)

    def _on_map_feature_clicked(self, layer: str, entity_id: str) -> None:
        self.details_panel.show_feature(layer, uuid.UUID(entity_id))
        self._docks["details"].show()
        self._docks["details"].raise_()

    def _on_map_incident_requested(self, lon: float, lat: float) -> None:
        self.open_intake(lon, lat)

    def open_intake(
        self, lon: float | None = None, lat: float | None = None
    ) -> IncidentIntakeDialog:
        """The report form (接报登记), with the place filled in when picked on the map."""
        session, incidents, clock = self._session, self._services.incidents, self._session.clock
        stats = self._services.stats
        dialog = IncidentIntakeDialog(
            self._runner,
            lambda draft: incidents.record(
                draft, actor=session.user, site=session.site, now=clock()
            ),
            self._townships,
            clock,
            session.where,
            self,
            stats_record=lambda incident_id, figures, at: stats.record(
                incident_id, figures, actor=session.user, site=session.site, at=at
            ),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if lon is not None and lat is not None:
            dialog.set_location(lon, lat)
        dialog.recorded.connect(self._on_incident_recorded)
        dialog.open()
        return dialog

    def open_shelter_editor(self, shelter: ShelterDTO) -> RegisterFormDialog:
        """The shared register form on ``shelter`` (the 详情 dock's 编辑…)."""
        dialog: RegisterFormDialog = self.resource_panel.open_form("shelters", shelter)
        return dialog

    def _show_map(self) -> None:
        """Bring the map into view (picking a point for a form)."""
        self._docks["map"].show()
        self._docks["map"].raise_()

    def open_occupancy(self, shelter: ShelterDTO) -> OccupancyDialog:
        """安置登记: people checked into or out of ``shelter``."""
        dialog = OccupancyDialog(self._session, shelter, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_handover(self, *, acknowledge: bool) -> HandoverDialog:
        """交接班 for the outgoing shift, or 接班确认 for the incoming one."""
        session = self._session
        dialog = HandoverDialog(
            self._runner,
            self._services.handover,
            actor=session.user,
            site=session.site,
            now=self._session.clock,
            where=session.where,
            acknowledge=acknowledge,
            parent=self,
            session=session,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_incident_report(self, incident_id: uuid.UUID) -> IncidentReportDialog:
        session = self._session
        dialog = IncidentReportDialog(
            self._runner,
            self._services.reports,
            incident_id,
            self._session.clock,
            session.where,
            self,
            workflow=self._services.workflow,
            actor=session.user,
            site=session.site,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_statistics(self) -> StatsDialog:
        """自然灾害统计: totals by day, type or township, and the 10-hour assistance target."""
        dialog = StatsDialog(self._runner, self._services.stats, self._session.clock, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_staff(self) -> StaffDialog:
        session = self._session
        dialog = StaffDialog(
            self._runner,
            self._services.staff,
            session.user,
            session.site,
            session.where,
            self,
            session=session,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_reporting_rules(self) -> ReportingRulesDialog:
        """报告时限设置: the county's reporting deadlines for every seat."""
        session, office = self._session, self._services.office
        dialog = ReportingRulesDialog(
            self._runner,
            office.reporting_rules,
            lambda rules, version: office.set_reporting_rules(
                rules, version, actor=session.user, site=session.site
            ),
            session.where,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_roster_settings(self) -> RosterSettingsDialog:
        session, office = self._session, self._services.office
        dialog = RosterSettingsDialog(
            self._runner,
            office.roster_policy,
            lambda policy, version: office.set_roster_policy(
                policy, version, actor=session.user, site=session.site
            ),
            session.where,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_duty_report(self) -> DutyReportDialog:
        dialog = DutyReportDialog(
            self._runner,
            self._services.duty_report,
            now=self._session.clock,
            where=self._session.where,
            day=self._session.duty_day(),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_incident_recorded(self, incident_id: uuid.UUID) -> None:
        self.statusBar().showMessage(self.tr("Incident report recorded."), 5000)

    # -- overdue reports -------------------------------------------------------
    @property
    def overdue_count(self) -> int:
        """Real incidents with a missed reporting deadline (as the status bar shows)."""
        return self.overdue.real_count

    def refresh_overdue(self) -> None:
        self._session.refresh_overdue()

    def _on_overdue_incident_chosen(self, incident: IncidentDTO) -> None:
        self._docks["incidents"].show()
        self._docks["incidents"].raise_()
        self.incident_panel.show_incident(incident)
        self.map_panel.highlight("incidents", str(incident.id))

    # -- shutdown -----------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._remember_layout:
            self.save_layout()
        self._clock_timer.stop()
        self.seat_lock.stop()  # the session closes with this window
        self._session.close()
        self.map_panel.close_view()
        if self._tile_source is not None:
            self._tile_source.close()
        super().closeEvent(event)
