"""The main window: docks, menus and status bar. It owns no data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QWidget,
)
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.errors import classify
from app.data.mbtiles import MBTiles, MBTilesError
from app.data.uow import ChangeRecord
from app.domain.deadlines import Deadline, ReportingRules
from app.domain.rules import RosterPolicy
from app.services.disaster_stats import DisasterStats
from app.services.dto import IncidentDTO, MapChanges, ShelterDTO, StatusDTO, TownshipDTO
from app.services.duty_report import DutyReportService
from app.services.handover import HandoverService
from app.services.incident_report import IncidentReportService
from app.services.incident_search import IncidentSearch
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.services.office import OfficeSettings, VersionedPolicy
from app.services.overview import OverviewService
from app.services.places import PlaceService
from app.services.resources import ShelterEditor
from app.services.roster import RosterService
from app.services.staff import StaffService
from app.services.startup import probe_database
from app.ui import labels
from app.ui.connection import ConnectionDialog
from app.ui.details import DetailsPanel
from app.ui.incidents.intake import IncidentIntakeDialog
from app.ui.incidents.panel import IncidentPanel
from app.ui.incidents.report_dialog import IncidentReportDialog
from app.ui.incidents.stats_dialog import StatsDialog
from app.ui.live import LiveUpdates
from app.ui.map.payload import PreparedMap
from app.ui.map.tiles import TileSource, error_text
from app.ui.map.updates import MapUpdates
from app.ui.map.view import MapPanel
from app.ui.messages import problem_text, unexpected_text
from app.ui.models.table import LOCAL_TZ, format_time
from app.ui.panel import DataPanel
from app.ui.resources.panel import ResourcePanel
from app.ui.resources.shelter_dialog import ShelterDialog
from app.ui.roster.duty_report_dialog import DutyReportDialog
from app.ui.roster.handover_dialog import HandoverDialog
from app.ui.roster.panel import RosterPanel
from app.ui.roster.settings_dialog import RosterSettingsDialog
from app.ui.roster.staff_dialog import StaffDialog
from app.ui.tasks import TaskRunner

# Bursts of changes are gathered for this long before the lists reload.
PANEL_REFRESH_DELAY_MS = 150
# How often the overdue-reports indicator is read again (also after incident changes).
OVERDUE_REFRESH_MS = 60_000

# Which panels a change to an entity type concerns.
PANEL_ENTITIES: dict[str, frozenset[str]] = {
    "roster": frozenset({"staff", "duty_shift", "duty_assignment", "duty_swap", "office_setting"}),
    "incidents": frozenset({"incident", "incident_log_entry", "township"}),
    # The resource lists hold the map's rows and follow the map's diffs.
}


@dataclass(frozen=True)
class Services:
    overview: OverviewService
    incidents: IncidentService
    roster: RosterService
    shelters: ShelterEditor
    workflow: IncidentWorkflow
    search: IncidentSearch
    handover: HandoverService
    duty_report: DutyReportService
    office: OfficeSettings
    staff: StaffService
    reports: IncidentReportService
    stats: DisasterStats

    @classmethod
    def on(cls, db: Database) -> Services:
        """Every service the window uses, on one database."""
        return cls(
            overview=OverviewService(db),
            incidents=IncidentService(db, PlaceService(db)),
            roster=RosterService(db),
            shelters=ShelterEditor(db),
            workflow=IncidentWorkflow(db),
            search=IncidentSearch(db),
            handover=HandoverService(db),
            duty_report=DutyReportService(db),
            office=OfficeSettings(db),
            staff=StaffService(db),
            reports=IncidentReportService(db),
            stats=DisasterStats(db),
        )


@dataclass(frozen=True)
class SessionInfo:
    database: str  # what the status bar names: a file path or host:port/db
    backend: str
    user: str
    site: str = "center"
    url: URL = field(default_factory=lambda: make_url("sqlite://"))


class MainWindow(QMainWindow):
    """Composes the panels; refreshes them when the database changes."""

    all_loaded = Signal()
    basemap_failed = Signal(str)
    connection_changed = Signal(bool)

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        settings: QSettings,
        session: SessionInfo,
        clock: Callable[[], datetime],
        live: LiveUpdates,
        tile_source: TileSource | None = None,
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
        self._live = live
        self._connected: bool | None = None
        self._announced_loaded = False
        self._roster_policy = RosterPolicy()
        self._townships: tuple[TownshipDTO, ...] = ()
        self._dirty_panels: set[str] = set()

        self._tile_source = tile_source
        self.map_panel = MapPanel(self, tile_source=tile_source)
        self._map_updates = MapUpdates(runner, services.overview, self._today, self)
        self._map_updates.data_read.connect(self._on_map_data_read)
        self._map_updates.changes_read.connect(self._on_map_changes_read)
        self._map_updates.failed.connect(self._on_load_failed)
        self.roster_panel = RosterPanel(
            runner, services.roster, clock, self, actor=session.user, site=session.site
        )
        self.incident_panel = IncidentPanel(
            runner,
            services.incidents,
            self,
            search=services.search,
            stats=services.stats,
            workflow=services.workflow,
            actor=session.user,
            site=session.site,
            clock=clock,
            where=session.database,
        )
        self.resource_panel = ResourcePanel(self)
        self.details_panel = DetailsPanel(runner, services.overview, self._today, self)
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
        self.resource_panel.loaded.connect(self._on_panel_loaded)
        self.details_panel.load_failed.connect(self._on_load_failed)
        self.details_panel.edit_requested.connect(self.open_shelter_editor)
        self.map_panel.loaded.connect(self._on_map_loaded)
        self.map_panel.feature_clicked.connect(self._on_map_feature_clicked)
        self.map_panel.incident_requested.connect(self._on_map_incident_requested)
        self.resource_panel.selected.connect(self._on_resource_selected)
        self.incident_panel.selected.connect(self._on_incident_selected)
        self.incident_panel.report_requested.connect(self.open_incident_report)
        live.changes_arrived.connect(self._on_live_changes_arrived)
        live.connection_changed.connect(self._on_live_connection_changed)

        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._clock_timer.start(1000)
        self._panel_timer = QTimer(self)
        self._panel_timer.setSingleShot(True)
        self._panel_timer.setInterval(PANEL_REFRESH_DELAY_MS)
        self._panel_timer.timeout.connect(self._on_panel_timer_timeout)
        self._on_clock_timer_timeout()
        self._setup_overdue_indicator()

    # -- construction -------------------------------------------------------
    def _data_panels(self) -> list[DataPanel]:
        return [self.roster_panel, self.incident_panel]

    def _panels_by_key(self) -> dict[str, DataPanel]:
        return {
            "roster": self.roster_panel,
            "incidents": self.incident_panel,
        }

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
        self.resizeDocks(
            [self._docks["resources"], self._docks["details"]],
            [800, 300],
            Qt.Orientation.Horizontal,
        )
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
        self.overdue_label = QLabel(self)
        self.overdue_label.setObjectName("status_overdue")
        self.overdue_label.setStyleSheet(
            "QLabel { background: #b30000; color: white; font-weight: bold; padding: 1px 8px; }"
        )
        self.overdue_label.setVisible(False)
        bar.addPermanentWidget(self.overdue_label)
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

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for dock in self._docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        reset = QAction(self.tr("Reset layout"), self)
        reset.triggered.connect(self._on_reset_layout_triggered)
        view_menu.addAction(reset)

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
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose an offline basemap"),
            start,
            self.tr("MBTiles map files (*.mbtiles);;All files (*)"),
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
        self._tell(self.tr("The language will change the next time the program starts."))

    def _tell(self, text: str) -> None:
        """A notice that needs no answer (never a modal box that halts the watch)."""
        self.statusBar().showMessage(text, 15000)

    # -- data ---------------------------------------------------------------
    def _today(self) -> date:
        return self._clock().astimezone(LOCAL_TZ).date()

    def refresh_all(self) -> None:
        """Reload every panel and the map.

        The latest change sequence is read first; the live feed then delivers
        everything after it, so a change that lands while the panels load is
        applied afterwards, never missed.
        """
        self._runner.submit(
            self._services.overview.status,
            on_done=self._on_refresh_status_read,
            on_error=self._on_load_failed,
        )

    def _on_refresh_status_read(self, status: StatusDTO) -> None:
        self._apply_status(status)
        self._load_roster_policy()
        if not self._live.running:
            self._live.start(status.last_seq)
        for panel in self._data_panels():
            panel.refresh()
        self._map_updates.reload()

    def _apply_status(self, status: StatusDTO) -> None:
        self._set_connected(True)
        self.demo_badge.setVisible(status.has_demo)

    # -- live changes ---------------------------------------------------------
    def _on_live_changes_arrived(self, records: list[ChangeRecord]) -> None:
        types = {r.entity_type for r in records}
        if "office_setting" in types:
            self._load_roster_policy()
        for key, entities in PANEL_ENTITIES.items():
            if types & entities:
                self._dirty_panels.add(key)
        self._dirty_panels.add("status")
        self._panel_timer.start()
        self._map_updates.add(records)

    def _on_panel_timer_timeout(self) -> None:
        dirty, self._dirty_panels = self._dirty_panels, set()
        panels = self._panels_by_key()
        for key in dirty:
            if key in panels:
                panels[key].refresh()
        if "status" in dirty:
            self._runner.submit(
                self._services.overview.status,
                on_done=self._apply_status,
                on_error=self._on_load_failed,
            )

    def _on_live_connection_changed(self, ok: bool, exc: BaseException | None) -> None:
        was_lost = self._connected is False
        self._set_connected(ok, exc)
        if ok and was_lost:
            # The feed catches up by itself; reload what failed while we were away.
            self.refresh_all()

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
        panels = [*self._data_panels(), self.resource_panel]
        if self._map_loaded and all(p.has_loaded for p in panels):
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
        self.details_panel.show_feature(layer, entity_id)

    def _on_incident_selected(self, entity_id: uuid.UUID) -> None:
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
        session, incidents, clock = self._session, self._services.incidents, self._clock
        stats = self._services.stats
        dialog = IncidentIntakeDialog(
            self._runner,
            lambda draft: incidents.record(
                draft, actor=session.user, site=session.site, now=clock()
            ),
            self._townships,
            clock,
            session.database,
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

    def open_shelter_editor(self, shelter: ShelterDTO) -> ShelterDialog:
        session, editor = self._session, self._services.shelters
        dialog = ShelterDialog(
            self._runner,
            lambda edit: editor.update(edit, actor=session.user, site=session.site),
            shelter,
            session.database,
            self,
        )
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
            now=self._clock,
            where=session.database,
            acknowledge=acknowledge,
            parent=self,
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
            self._clock,
            session.database,
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
        dialog = StatsDialog(self._runner, self._services.stats, self._clock, self)
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
            session.database,
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
            session.database,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _load_roster_policy(self) -> None:
        """The office's roster rules apply to this seat's checks before the roster shows."""
        self._runner.submit(
            self._services.office.roster_policy,
            on_done=self._on_roster_policy_read,
            on_error=self._on_load_failed,
        )

    def _on_roster_policy_read(self, current: VersionedPolicy) -> None:
        if current.policy != self._roster_policy:
            self._roster_policy = current.policy
            self._services.roster.set_policy(current.policy)
            self.roster_panel.refresh()

    def open_duty_report(self) -> DutyReportDialog:
        dialog = DutyReportDialog(
            self._runner,
            self._services.duty_report,
            now=self._clock,
            where=self._session.database,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_incident_recorded(self, incident_id: uuid.UUID) -> None:
        self.statusBar().showMessage(self.tr("Incident report recorded."), 5000)

    # -- overdue reports -------------------------------------------------------
    def _setup_overdue_indicator(self) -> None:
        self.overdue_count = 0
        self._overdue_busy = False
        self._overdue_again = False
        self._overdue_timer = QTimer(self)
        self._overdue_timer.setInterval(OVERDUE_REFRESH_MS)
        self._overdue_timer.timeout.connect(self.refresh_overdue)
        self._overdue_timer.start()
        # Another seat's incident changes arrive through the feed; gather a burst.
        self._overdue_soon = QTimer(self)
        self._overdue_soon.setSingleShot(True)
        self._overdue_soon.setInterval(PANEL_REFRESH_DELAY_MS)
        self._overdue_soon.timeout.connect(self.refresh_overdue)
        self.all_loaded.connect(self.refresh_overdue)
        self.incident_panel.changed.connect(lambda _id: self.refresh_overdue())
        self._live.changes_arrived.connect(self._on_changes_for_overdue)

    def _on_changes_for_overdue(self, records: list[ChangeRecord]) -> None:
        if {r.entity_type for r in records} & PANEL_ENTITIES["incidents"]:
            self._overdue_soon.start()

    def refresh_overdue(self) -> None:
        """Read the missed reporting deadlines off the GUI thread (one read at a time)."""
        if self._overdue_busy:
            self._overdue_again = True
            return
        self._overdue_busy = True
        workflow, now = self._services.workflow, self._clock()
        self._runner.submit(
            lambda: workflow.overdue(ReportingRules(), now),
            on_done=self._on_overdue_read,
            on_error=self._on_overdue_failed,
        )

    def _on_overdue_read(self, found: list[tuple[IncidentDTO, Deadline]]) -> None:
        self._overdue_busy = False
        incidents = {dto.id for dto, _ in found}
        self.overdue_count = len(incidents)
        self.overdue_label.setText(self.tr("Overdue reports %1").replace("%1", str(len(incidents))))
        self.overdue_label.setToolTip(
            "\n".join(
                f"{dto.title}: {labels.report_kind(d.kind.value)} "
                + self.tr("due %1").replace("%1", format_time(d.due_at))
                for dto, d in found
            )
        )
        self.overdue_label.setVisible(bool(incidents))
        self._overdue_next()

    def _on_overdue_failed(self, exc: BaseException) -> None:
        self._overdue_busy = False
        self._on_load_failed(exc)
        self._overdue_next()

    def _overdue_next(self) -> None:
        if self._overdue_again:
            self._overdue_again = False
            self.refresh_overdue()

    # -- shutdown -----------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self._clock_timer.stop()
        self._panel_timer.stop()
        self._overdue_timer.stop()
        self._overdue_soon.stop()
        self._live.stop()
        self._runner.wait_idle(10000)
        self.map_panel.close_view()
        if self._tile_source is not None:
            self._tile_source.close()
        super().closeEvent(event)
