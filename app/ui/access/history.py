"""历史: who changed a record, when, from which seat and in which role, and how.

A :class:`HistoryView` shows one record's audit trail (``AuditService.history``,
with the rows that belong to the record: an incident's log entries, a person's
account and role grants). It reads in the background through the session's
runner, again whenever the record (or a row of it) changes, and only while it
is shown: a hidden tab reads when it is opened.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.clock import CHINA_TZ
from app.services.audit import (
    AuditEntry,
    entity_label,
    history_kinds,
    history_link,
    op_label,
    role_labels,
)
from app.ui.i18n import current_language
from app.ui.models.table import Column, DtoTableModel
from app.ui.session import AppSession

# Columns of the history table.
H_TIME, H_PERSON, H_ROLE, H_SEAT, H_ACTION, H_CHANGES, H_WHO = range(7)
# Narrower than this (a dock beside the map), who, when, where and what go in
# one column (H_WHO), one line each, so that the changes keep a readable width.
COMPACT_PX = 640


def entry_time(entry: AuditEntry) -> str:
    """When, in China time, to the second (the order of two quick changes matters);
    for a change made at another site, also when it arrived here (the device's
    clock may be off: both times are kept)."""
    made = entry.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    if entry.received_at is None:
        return made
    arrived = entry.received_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    return f"{made}\n（到达本站 {arrived}）"


def entry_roles(entry: AuditEntry) -> str:
    return role_labels(entry.role, current_language()) or "—"


def entry_action(entry: AuditEntry, shown_kind: str | None = None) -> str:
    """What was done (新增, 修改, 登录失败 …); for a row of another kind than the
    record shown, which kind: ``事件日志 · 新增``."""
    language = current_language()
    op = op_label(entry.op, language)
    if shown_kind is not None and entry.entity_type == shown_kind:
        return op
    return f"{entity_label(entry.entity_type, language)} · {op}"


def entry_lines(entry: AuditEntry, shown_kind: str | None = None) -> str:
    """The fields before → after (or the event's facts), one line each; for a
    row that belongs to the record shown (of ``shown_kind``), without the field
    that says so."""
    link = history_link(shown_kind, entry.entity_type) if shown_kind else None
    omit = frozenset({link}) if link else frozenset()
    return "\n".join(entry.lines(current_language(), omit=omit))


class HistoryView(QWidget):
    """One record's audit trail, newest first."""

    loaded = Signal()  # a history was read and shown (or its reading failed)

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryView")
        self._session = session
        self._audit = session.services.audit
        self._record: tuple[str, uuid.UUID] | None = None
        self._kinds: frozenset[str] = frozenset()
        self._stale = False
        self.model: DtoTableModel[AuditEntry] = DtoTableModel(self._columns(), self)
        self.view = QTableView(self)
        self.view.setObjectName("history_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.view.horizontalHeader()
        # Who, when and where as wide as they are; the changes take the rest.
        for column in (*range(H_CHANGES), H_WHO):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(H_CHANGES, QHeaderView.ResizeMode.Stretch)
        header.moveSection(H_WHO, 0)
        self.compact: bool | None = None
        self._set_compact(False)
        self.status = QLabel(self.tr("No record chosen."), self)
        self.status.setObjectName("history_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        session.subscribe(None, self._on_session_changes, owner=self)
        session.reloaded.connect(self.refresh)

    def _columns(self) -> list[Column[AuditEntry]]:
        return [
            Column(self.tr("Time"), lambda e: e.seq, display=entry_time),
            Column(self.tr("Person"), lambda e: e.actor),
            Column(self.tr("Role"), lambda e: e.role, display=entry_roles),
            Column(self.tr("Seat"), lambda e: e.seat),
            Column(
                self.tr("Action"),
                lambda e: e.op,
                display=lambda e: entry_action(e, self._record[0] if self._record else None),
            ),
            Column(
                self.tr("Changes"),
                lambda e: e.seq,
                display=lambda e: entry_lines(e, self._record[0] if self._record else None),
            ),
            Column(self.tr("Who, when, where"), lambda e: e.seq, display=self._who),
        ]

    def _who(self, entry: AuditEntry) -> str:
        kind = self._record[0] if self._record else None
        roles = role_labels(entry.role, current_language())
        person = (
            self.tr("%1 (%2)").replace("%1", entry.actor).replace("%2", roles)
            if roles
            else entry.actor
        )
        return "\n".join((entry_time(entry), person, entry.seat, entry_action(entry, kind)))

    def _set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        for column in range(H_CHANGES):
            self.view.setColumnHidden(column, compact)
        self.view.setColumnHidden(H_WHO, not compact)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._set_compact(event.size().width() < COMPACT_PX)

    # -- what is shown -----------------------------------------------------------
    @property
    def record(self) -> tuple[str, uuid.UUID] | None:
        return self._record

    def show_record(self, entity_type: str, entity_id: uuid.UUID) -> None:
        """Show the history of one record (read now if shown, else when shown)."""
        if self._record != (entity_type, entity_id):
            self._record = (entity_type, entity_id)
            self._kinds = history_kinds(entity_type)
            self.model.set_rows([])
            self.status.setText(self.tr("Reading the history…"))
        self.refresh()

    def clear(self) -> None:
        self._record = None
        self._kinds = frozenset()
        self._stale = False
        self.model.set_rows([])
        self.status.setText(self.tr("No record chosen."))

    def entries(self) -> list[AuditEntry]:
        return self.model.rows()

    def refresh(self) -> None:
        if self._record is None:
            return
        if not self.isVisible():
            self._stale = True  # read when the tab is opened
            return
        self._stale = False
        audit, (kind, entity_id) = self._audit, self._record
        self._session.runner.submit(
            lambda: (kind, entity_id, audit.history(kind, entity_id)),
            on_done=self._on_read,
            on_error=self._on_failed,
            owner=self,
            latest="history",
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # -- answers -------------------------------------------------------------------
    def _on_read(self, found: tuple[str, uuid.UUID, list[AuditEntry]]) -> None:
        kind, entity_id, entries = found
        if self._record != (kind, entity_id):
            return  # another record was chosen meanwhile
        self.model.set_rows(list(reversed(entries)))
        if entries:
            self.status.setText(
                self.tr("%1 entries, newest first.").replace("%1", str(len(entries)))
            )
        else:
            self.status.setText(self.tr("No change of this record has been recorded."))
        self.loaded.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self.status.setText(
            self.tr("Could not read the history: %1").replace("%1", self._session.failure_text(exc))
        )
        self.loaded.emit()

    def _on_session_changes(self, records: list[ChangeRecord]) -> None:
        if self._record is None:
            return
        kind, entity_id = self._record
        if any(
            (r.entity_type == kind and r.entity_id == entity_id)
            or (r.entity_type != kind and r.entity_type in self._kinds)
            for r in records
        ):
            self.refresh()
