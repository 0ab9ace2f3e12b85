"""Incident list, and the log (timeline) and history of the selected incident.

The history (历史) is the audit trail: who changed the incident and its log,
when, from which seat and in which role, each field before and after.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QIdentityProxyModel, QItemSelection, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.services.dto import IncidentDTO, LogEntryDTO
from app.services.incident_workflow import parse_report_body, parse_status_body
from app.ui import labels
from app.ui.access.history import HistoryView
from app.ui.incidents.actions import IncidentActions
from app.ui.incidents.filters import IncidentFilterBar
from app.ui.incidents.list_model import LazyIncidentModel, incident_columns
from app.ui.models.table import DtoTableModel, format_time
from app.ui.panel import (
    DataPanel,
    fit_columns_once,
    make_table,
)
from app.ui.session import INCIDENT_ENTITIES, AppSession

# The log below the list keeps at least this much (its title and two entries).
TIMELINE_MIN_PX = 80
TIMELINE_SHORT_PX = 56  # on a short screen: its title and one entry


class IncidentPanel(DataPanel):
    selected = Signal(uuid.UUID)
    report_requested = Signal(uuid.UUID)  # 报告文本 for the selected incident
    changed = Signal(uuid.UUID)  # this seat changed the incident (status, log, report)

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        runner, services = session.runner, session.services
        super().__init__(runner, parent)
        self.setObjectName("IncidentPanel")
        service, search, stats, workflow = (
            services.incidents,
            services.search,
            services.stats,
            services.workflow,
        )
        self._service = service
        # With a search service the list is the lazily fetched, filtered, searched
        # one (any number of incidents); without one, the newest 500 (tests, tools).
        self.filters: IncidentFilterBar | None = None
        self.count_label: QLabel | None = None
        self._filter: QWidget
        if search is not None:
            self.model = LazyIncidentModel(runner, search, self)
            self.filters = IncidentFilterBar(self)
            self._filter = self.filters
            # Sorting and filtering happen in the database: the view talks to the
            # model through an identity proxy (which hands sort() to the model).
            self.view, self._proxy = make_table(self.model, self, QIdentityProxyModel(self))
            self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
            self.filters.query_changed.connect(self.model.set_query)
            self.model.page_loaded.connect(self._on_model_page_loaded)
            self.model.failed.connect(self.load_failed)
            # How many match: said in words, so that an empty list after a search
            # reads as "nothing found" and not as "still loading" or "broken".
            self.count_label = QLabel(self)
            self.count_label.setObjectName("incident_count")
            self.filters.query_changed.connect(self._on_query_changed)
            self.model.count_changed.connect(self._on_count_changed)
        else:
            self.model = DtoTableModel(incident_columns(), self)
            line = QLineEdit(self)
            line.setPlaceholderText(self.tr("Filter incidents…"))
            line.setClearButtonEnabled(True)
            self._filter = line
            self.view, self._proxy = make_table(self.model, self)  # a FoldingFilterProxyModel
            line.textChanged.connect(self._proxy.set_filter_text)
            self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.view.setObjectName("incidents_table")

        self.timeline = QListWidget(self)
        self.timeline.setObjectName("incident_timeline")
        self.timeline.setWordWrap(True)
        self._timeline_title = QLabel(self.tr("Select an incident to see its log."), self)
        self._timeline_title.setTextFormat(Qt.TextFormat.PlainText)
        self._timeline_title.setWordWrap(True)
        self.timeline.currentItemChanged.connect(self._on_timeline_current_changed)

        # The actions on the selected incident; only with a workflow to run them.
        self.incident_actions: IncidentActions | None = None
        if workflow is not None:
            self.incident_actions = IncidentActions(
                runner,
                workflow,
                session.user,
                session.site,
                session.clock,
                session.where,
                self,
                stats=stats,
                rules=lambda: session.rules.reporting.rules,
            )

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.report_button = QPushButton(self.tr("Report text…"), self)
        self.report_button.setObjectName("incident_report_button")
        self.report_button.setToolTip(
            self.tr("First, follow-up or final report of the selected incident: copy, XLSX, PDF")
        )
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(self._on_report_button_clicked)
        # 日志 | 历史: tabs in the title row, so the log keeps its lines on a short screen.
        self.history = HistoryView(session, self)
        self.lower_tabs = QTabBar(self)
        self.lower_tabs.setObjectName("incident_lower_tabs")
        self.lower_tabs.setDrawBase(False)
        self.lower_tabs.addTab(self.tr("Log"))
        self.lower_tabs.addTab(self.tr("History"))
        self.lower_tabs.setTabToolTip(
            1, self.tr("Who changed this incident and its log, when, from which seat")
        )
        self._lower_stack = QStackedWidget(self)
        self._lower_stack.addWidget(self.timeline)
        self._lower_stack.addWidget(self.history)
        self.lower_tabs.currentChanged.connect(self._lower_stack.setCurrentIndex)
        title_row = QHBoxLayout()
        title_row.addWidget(self._timeline_title, 1)
        title_row.addWidget(self.lower_tabs)
        title_row.addWidget(self.report_button)
        lower_layout.addLayout(title_row)
        lower_layout.addWidget(self._lower_stack)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self._filter)
        top_layout.addWidget(self.view)
        if self.count_label is not None:
            top_layout.addWidget(self.count_label)
        if self.incident_actions is not None:
            top_layout.addWidget(self.incident_actions)
            self.incident_actions.changed.connect(self._on_actions_changed)
            self.incident_actions.stale.connect(self._on_actions_stale)
        splitter.addWidget(top)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self.splitter = splitter
        self._top = top
        self.timeline.setMinimumHeight(20)  # a short screen gives it a line or two
        self.history.setMinimumHeight(20)
        self._lower_stack.setMinimumHeight(20)
        # Rows one line high (plus padding): five fit beside the roster on a laptop.
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().lineSpacing() + 10)
        self.timeline_min = TIMELINE_MIN_PX
        # Until the user drags the splitter, the list keeps room for five rows.
        self._user_split = False
        splitter.splitterMoved.connect(self._on_splitter_moved)
        self._current: uuid.UUID | None = None
        self._first_page_pending = False
        session.reloaded.connect(self.refresh)
        session.subscribe(INCIDENT_ENTITIES, self._on_session_incidents_changed, owner=self)

    def _on_session_incidents_changed(self, _records: list[ChangeRecord]) -> None:
        self.refresh()

    # -- size -----------------------------------------------------------------
    def list_height(self, rows: int) -> int:
        """Pixels the upper part needs to show ``rows`` incidents with the filters,
        the count and the actions strip."""
        view = self.view
        table = (
            view.horizontalHeader().sizeHint().height()
            + rows * view.verticalHeader().defaultSectionSize()
            + view.horizontalScrollBar().sizeHint().height()
            + 2 * view.frameWidth()
        )
        parts = [self._filter.sizeHint().height(), table]
        if self.count_label is not None:
            parts.append(self.count_label.sizeHint().height())
        if self.incident_actions is not None:
            parts.append(self.incident_actions.sizeHint().height())
        top_layout = self._top.layout()
        spacing = top_layout.spacing() if top_layout is not None else 6
        return sum(parts) + spacing * (len(parts) - 1)

    def height_for_rows(self, rows: int) -> int:
        """The panel's height that shows ``rows`` incidents and a few lines of the log."""
        return self.list_height(rows) + self.timeline_min + self.splitter.handleWidth() + 8

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._user_split:
            self.fit_list(event.size().height())

    def fit_list(self, height: int | None = None) -> None:
        """Give the list room for five rows first and the log the rest (the
        splitter's own size is not updated yet during the panel's resize)."""
        layout = self.layout()
        margins = layout.contentsMargins().top() * 2 if layout is not None else 0
        inner = (height if height is not None else self.height()) - margins
        total = inner - self.splitter.handleWidth()
        top = min(max(self.list_height(5), int(total * 0.6)), total - self.timeline_min)
        self.splitter.setSizes([top, total - top])

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self._user_split = True

    def refresh(self) -> None:
        if isinstance(self.model, LazyIncidentModel):
            self._inflight += 1  # settled by the first page (see _on_model_page_loaded)
            self._first_page_pending = True
            self.model.refresh()
        else:
            self._fetch(self._service.recent, self._apply_incidents)
        if self._current is not None:
            self._load_timeline(self._current)

    def _on_query_changed(self, _query: object) -> None:
        if self.count_label is not None:
            self.count_label.setText(self.tr("Counting…"))

    def _on_count_changed(self, total: int) -> None:
        if self.count_label is None:
            return
        if total == 0:
            self.count_label.setText(self.tr("No incident matches the search and filters."))
        else:
            self.count_label.setText(self.tr("%n incident(s) match", "", total))

    def _on_report_button_clicked(self) -> None:
        if self._current is not None:
            self.report_requested.emit(self._current)

    def set_townships(self, townships: list[tuple[uuid.UUID, str]]) -> None:
        if self.filters is not None:
            self.filters.set_townships(townships)

    def _on_model_page_loaded(self, _rows: int) -> None:
        fit_columns_once(self.view, self.model)  # rows arrive by insertion, not reset
        self._reselect_current()
        if self._first_page_pending:
            self._first_page_pending = False
            self._settle()

    def _apply_incidents(self, rows: list[IncidentDTO]) -> None:
        self.model.set_rows(rows)
        self._reselect_current()

    def _reselect_current(self) -> None:
        if self._current is not None:
            row = self.model.row_of_id(self._current)
            if row is not None:
                index = self._proxy.mapFromSource(self.model.index(row, 0))
                self.view.selectRow(index.row())
                if self.incident_actions is not None:
                    # A fresher copy (status, version) of the incident on screen.
                    self.incident_actions.set_incident(self.model.row_at(row))

    def _on_actions_changed(self, incident_id: uuid.UUID) -> None:
        self.refresh()
        self.changed.emit(incident_id)

    def _on_actions_stale(self, _incident_id: uuid.UUID) -> None:
        self.refresh()

    def _on_timeline_current_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        if self.incident_actions is None:
            return
        entry = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.incident_actions.set_selected_entry(uuid.UUID(entry) if entry else None)

    def _on_view_selection_changed(self, sel: QItemSelection, _old: QItemSelection) -> None:
        indexes = sel.indexes()
        if not indexes:
            return
        self._select(self.model.row_at(self._proxy.mapToSource(indexes[0]).row()))

    def show_incident(self, incident: IncidentDTO) -> None:
        """Select ``incident`` (e.g. from the overdue list): its row when the list
        holds it, else its log and actions alone (the list's filters stay)."""
        row = self.model.row_of_id(incident.id)
        if row is not None:
            index = self._proxy.mapFromSource(self.model.index(row, 0))
            self.view.selectRow(index.row())
            self.view.scrollTo(index)
        else:
            self.view.clearSelection()
            self._select(incident)

    def _select(self, incident: IncidentDTO) -> None:
        changed = incident.id != self._current
        self._current = incident.id
        self.report_button.setEnabled(True)
        self._timeline_title.setText(
            self.tr("Log of: %1").replace("%1", incident.title)
            + ("  " + self.tr("(drill)") if incident.is_drill else "")
        )
        if self.incident_actions is not None:
            self.incident_actions.set_incident(incident)
        if changed:
            self._load_timeline(incident.id)
            self.history.show_record("incident", incident.id)
            self.selected.emit(incident.id)

    def show_history(self) -> None:
        """Open the 历史 tab of the selected incident."""
        self.lower_tabs.setCurrentIndex(1)

    def _load_timeline(self, incident_id: uuid.UUID) -> None:
        self._fetch(lambda: self._service.log(incident_id), self._apply_timeline)

    def _apply_timeline(self, entries: list[LogEntryDTO]) -> None:
        if entries and entries[0].incident_id != self._current:
            return  # an answer for an incident no longer selected
        chosen = self.incident_actions.selected_entry if self.incident_actions is not None else None
        self.timeline.clear()
        for e in entries:
            text = f"{format_time(e.at)}  [{labels.log_kind(e.kind)}] {e.actor}: {self._body(e)}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(e.id))
            self.timeline.addItem(item)
            if e.id == chosen:
                self.timeline.setCurrentItem(item)
        if self.incident_actions is not None and self.timeline.currentItem() is None:
            self.incident_actions.set_selected_entry(None)

    def _body(self, entry: LogEntryDTO) -> str:
        """Status and report entries are stored structured; show them in words."""
        if entry.kind == "status":
            try:
                status = parse_status_body(entry.body)
            except (ValueError, KeyError, TypeError):
                return entry.body
            parts = [labels.incident_status(status.status.value)]
            if status.response_level:
                parts.append(labels.response_level(status.response_level))
            if status.plan:
                parts.append(status.plan)
            if status.note:
                parts.append(status.note)
            return ",".join(parts)
        if entry.kind == "report":
            report = parse_report_body(entry.body)
            if report is not None:
                kind, text = report
                return f"{labels.report_kind(kind.value)}:{text}"
        if entry.corrects_id is not None:
            return self.tr("(correction) %1").replace("%1", entry.body)
        return entry.body
