"""审计日志: everything recorded, filtered, read entry by entry, exported, checked.

A reviewer (after a flood, an inspection) asks who recorded, reported and
decided what, and when. The window filters the change log by person, China
dates, kind of record and action (sign-ins, failed sign-ins, refused writes,
role grants …), lists the newest matches first (at most
:data:`SHOWN_LIMIT`, saying so when more matched), shows the selected entry
in full, exports what is listed to XLSX and checks the hash chain of the
whole log off the GUI thread.

Only people who may manage accounts (系统管理员) or command (指挥长) open it:
:class:`AuditLogAction` is disabled for others, with a tooltip that says why,
and the window closes when someone else signs in at the seat who may not.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, QItemSelection, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.access import Action, Role
from app.domain.clock import CHINA_TZ
from app.domain.identity import Identity
from app.domain.labels import Family
from app.services.audit import (
    AuditEntry,
    AuditQuery,
    VerifyResult,
    entity_label,
    export_xlsx,
    op_label,
)
from app.ui.access.history import entry_lines, entry_roles, entry_time
from app.ui.documents import ask_export
from app.ui.forms import index_of_data
from app.ui.i18n import current_language
from app.ui.labels import family_labels
from app.ui.models.table import Column, DtoTableModel
from app.ui.panel import make_table
from app.ui.plain import plain_label, plain_tooltip
from app.ui.session import AppSession

# The table lists at most this many entries, the newest first.
SHOWN_LIMIT = 5000
# The dates the window opens with: the last 30 days.
DEFAULT_DAYS = 30
# Changes arriving while the window is open are counted once per this long.
REFRESH_DELAY_MS = 1000
# Action filter entries are an operation ("op:denied") or a kind of record
# ("entity:role_grant": a role granted or revoked).
_OP, _ENTITY = "op:", "entity:"

OK_COLOR = "#1a7f37"
BAD_COLOR = "#b30000"

# Columns of the table.
A_SEQ, A_TIME, A_PERSON, A_ROLE, A_SEAT, A_ACTION, A_KIND, A_CHANGES = range(8)


def may_review(session: AppSession) -> bool:
    """Whether the person at the seat may read the audit log: who may manage
    accounts (系统管理员), or a 指挥长."""
    return session.may(Action.MANAGE_ACCOUNTS) or Role.COMMANDER in session.identity.roles


def china_range(since: date, until: date) -> tuple[datetime, datetime]:
    """From the start of ``since`` to the end of ``until`` (China dates, both
    included) as aware times; the end is exclusive."""
    start = datetime.combine(since, time(0), CHINA_TZ)
    end = datetime.combine(until + timedelta(days=1), time(0), CHINA_TZ)
    return start, end


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def person_choices(people: list[tuple[uuid.UUID | None, str]]) -> list[tuple[str, str]]:
    """The person filter's entries (text, filter) from who signed entries.

    A name is one entry, found by the name: it covers what the person signed
    and what the program wrote in their name (a failed sign-in's count). Two
    people of the same name are one entry each, found by their id. The
    filters are text: QVariant compares strings by value.
    """
    ids: dict[str, set[uuid.UUID]] = {}
    for staff_id, name in people:
        found = ids.setdefault(name, set())
        if staff_id is not None:
            found.add(staff_id)
    out: list[tuple[str, str]] = []
    for name in sorted(ids):
        if len(ids[name]) <= 1:
            out.append((name, f"name:{name}"))
        else:
            out.extend((f"{name}（{i.hex[:6]}）", f"id:{i}") for i in sorted(ids[name]))
    return out


class AuditWindow(QWidget):
    """The audit log of the database the session is on (a window of its own)."""

    loaded = Signal(int)  # entries listed
    verified = Signal(object)  # VerifyResult
    exported = Signal(str)  # the file written
    failed = Signal(str)  # a sentence: a read, an export or the check failed

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("AuditWindow")
        self.setWindowTitle(self.tr("Audit log"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1280, 760)
        self._session = session
        self._audit = session.services.audit
        self.more = False  # more entries matched than are listed
        self.new_entries = 0  # recorded since the list was read
        self._verifying = False

        # -- filters --
        self.person = QComboBox(self)
        self.person.setObjectName("audit_person")
        self.person.setMinimumContentsLength(10)
        self.person.addItem(self.tr("Everyone"), None)
        today = session.today()
        self.since = QDateEdit(_qdate(today - timedelta(days=DEFAULT_DAYS - 1)), self)
        self.until = QDateEdit(_qdate(today), self)
        for edit, name in ((self.since, "audit_since"), (self.until, "audit_until")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.kind = QComboBox(self)
        self.kind.setObjectName("audit_kind")
        self.kind.addItem(self.tr("Every kind"), None)
        for code, text in family_labels(Family.ENTITY).items():
            self.kind.addItem(text, code)
        self.action = QComboBox(self)
        self.action.setObjectName("audit_action")
        self.action.addItem(self.tr("Every action"), None)
        for code, text in family_labels(Family.AUDIT_OP).items():
            self.action.addItem(text, _OP + code)
        self.action.addItem(entity_label("role_grant", current_language()), _ENTITY + "role_grant")
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        filters = QHBoxLayout()
        for text, widget in (
            (self.tr("Person"), self.person),
            (self.tr("From"), self.since),
            (self.tr("To"), self.until),
            (self.tr("Kind of record"), self.kind),
            (self.tr("Action"), self.action),
        ):
            filters.addWidget(QLabel(text, self))
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.refresh_button)

        # -- the list and the entry --
        self.model: DtoTableModel[AuditEntry] = DtoTableModel(self._columns(), self)
        self.view: QTableView
        self.view, self._proxy = make_table(self.model, self)
        self.view.setObjectName("audit_table")
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.count = plain_label(parent=self)
        self.count.setObjectName("audit_count")
        self.count.setWordWrap(True)
        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("audit_detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(self.tr("Select an entry to read it in full."))
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        # -- export and check --
        self.export_button = QPushButton(self.tr("Export XLSX…"), self)
        self.export_button.setObjectName("audit_export")
        self.verify_button = QPushButton(self.tr("Verify the audit chain"), self)
        self.verify_button.setObjectName("audit_verify")
        self.verify_button.setToolTip(
            self.tr(
                "Check every entry of the log against the one before it: an entry altered, "
                "removed or reordered outside the program is found."
            )
        )
        self.message = plain_label(parent=self)
        self.message.setObjectName("audit_message")
        self.message.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.verify_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        for combo in (self.person, self.kind, self.action):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _d: self.refresh())
        self.refresh_button.clicked.connect(self.reload)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.verify_button.clicked.connect(self.verify)
        session.subscribe(None, self._on_session_changes, owner=self, delay_ms=REFRESH_DELAY_MS)
        session.reloaded.connect(self.reload)
        session.operator_changed.connect(self._on_session_operator_changed)
        self.reload()

    def _columns(self) -> list[Column[AuditEntry]]:
        language = current_language()
        return [
            Column(self.tr("No."), lambda e: e.seq, align_right=True),
            Column(self.tr("Time"), lambda e: e.seq, display=entry_time),
            Column(self.tr("Person"), lambda e: e.actor),
            Column(self.tr("Role"), lambda e: e.role, display=entry_roles),
            Column(self.tr("Seat"), lambda e: e.seat),
            Column(self.tr("Action"), lambda e: op_label(e.op, language)),
            Column(self.tr("Record"), lambda e: entity_label(e.entity_type, language)),
            Column(self.tr("Changes"), lambda e: e.summary(language)),
        ]

    # -- reading -----------------------------------------------------------------------
    def reload(self) -> None:
        """Read the people who signed entries, then the entries."""
        audit = self._audit
        self._session.runner.submit(
            audit.people, on_done=self._on_people_read, on_error=self._on_read_failed, owner=self
        )
        self.refresh()

    def _on_people_read(self, people: list[tuple[uuid.UUID | None, str]]) -> None:
        chosen = self.person.currentData()
        self.person.blockSignals(True)
        self.person.clear()
        self.person.addItem(self.tr("Everyone"), None)
        for text, data in person_choices(people):
            self.person.addItem(text, data)
        self.person.setCurrentIndex(max(0, index_of_data(self.person, chosen)))
        self.person.blockSignals(False)
        if self.person.currentData() != chosen:
            self.refresh()  # the person chosen is no longer listed

    def query(self) -> AuditQuery | None:
        """The filters as a query; None when the dates are the wrong way round."""
        since, until = _pydate(self.since.date()), _pydate(self.until.date())
        if since > until:
            return None
        start, end = china_range(since, until)
        person = self.person.currentData()
        person = person if isinstance(person, str) else ""
        actor_id = uuid.UUID(person[3:]) if person.startswith("id:") else None
        actor = person[5:] if person.startswith("name:") else None
        kinds: set[str] = set()
        ops: set[str] = set()
        kind = self.kind.currentData()
        if isinstance(kind, str):
            kinds.add(kind)
        action = self.action.currentData()
        if isinstance(action, str) and action.startswith(_OP):
            ops.add(action.removeprefix(_OP))
        elif isinstance(action, str) and action.startswith(_ENTITY):
            wanted = action.removeprefix(_ENTITY)
            # A kind chosen as well that is another: nothing can match both.
            kinds = {wanted} if not kinds or wanted in kinds else {"-"}
        return AuditQuery(
            actor_id=actor_id,
            actor=actor,
            since=start,
            until=end,
            entity_types=frozenset(kinds),
            ops=frozenset(ops),
        )

    def refresh(self) -> None:
        """Read the entries the filters ask for (the newest first)."""
        self.new_entries = 0
        self.refresh_button.setText(self.tr("Refresh"))
        self.refresh_button.setStyleSheet("")
        query = self.query()
        if query is None:
            self.model.set_rows([])
            self.count.setText(self.tr("The start date is after the end date."))
            self.loaded.emit(0)
            return
        self.count.setText(self.tr("Reading…"))
        audit = self._audit
        self._session.runner.submit(
            lambda: audit.entries(query, newest_first=True, limit=SHOWN_LIMIT + 1),
            on_done=self._on_entries_read,
            on_error=self._on_read_failed,
            owner=self,
            latest="entries",
        )

    def _on_entries_read(self, entries: list[AuditEntry]) -> None:
        chosen = self.selected_entry()
        self.more = len(entries) > SHOWN_LIMIT
        entries = entries[:SHOWN_LIMIT]
        self.model.set_rows(entries)
        if self.more:
            text = self.tr(
                "The newest %1 entries are listed; more match. Narrow the dates or the filters "
                "to see the others."
            ).replace("%1", str(SHOWN_LIMIT))
        elif entries:
            text = self.tr("%1 entries match.").replace("%1", str(len(entries)))
        else:
            text = self.tr("No entry matches the filters.")
        self.count.setText(text)
        if chosen is not None:
            self._select_seq(chosen.seq)
        if self.selected_entry() is None:
            self.detail.clear()
        self.loaded.emit(len(entries))

    def _on_read_failed(self, exc: BaseException) -> None:
        text = self.tr("Could not read the audit log: %1").replace(
            "%1", self._session.failure_text(exc)
        )
        self.count.setText(text)
        self.failed.emit(text)

    def _on_session_changes(self, records: list[ChangeRecord]) -> None:
        """New entries are announced, not loaded: the list a reviewer is reading
        does not move under them. 刷新 reads them."""
        self.new_entries += len(records)
        self.refresh_button.setText(
            self.tr("Refresh (%1 new)").replace("%1", str(self.new_entries))
        )
        self.refresh_button.setStyleSheet("font-weight: bold;")

    # -- the entry -----------------------------------------------------------------------
    def entries(self) -> list[AuditEntry]:
        return self.model.rows()

    def selected_entry(self) -> AuditEntry | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(self._proxy.mapToSource(rows[0]).row())

    def select_row(self, row: int) -> None:
        self.view.selectRow(self._proxy.mapFromSource(self.model.index(row, 0)).row())

    def _select_seq(self, seq: int) -> None:
        for row, entry in enumerate(self.model.rows()):
            if entry.seq == seq:
                self.select_row(row)
                return

    def _on_view_selection_changed(self, _sel: QItemSelection, _old: QItemSelection) -> None:
        entry = self.selected_entry()
        self.detail.setPlainText(self.entry_text(entry) if entry is not None else "")

    def entry_text(self, entry: AuditEntry) -> str:
        """The entry in full, as the detail pane shows it (plain text)."""
        language = current_language()
        person = entry.actor
        if entry.actor_id is not None:
            person += "  " + self.tr("(person %1)").replace("%1", str(entry.actor_id))
        rows = [
            (self.tr("No."), str(entry.seq)),
            (self.tr("Time"), entry_time(entry)),
            (self.tr("Person"), person),
            (self.tr("Role"), entry_roles(entry)),
            (self.tr("Seat"), entry.seat),
            (self.tr("Action"), op_label(entry.op, language)),
            (
                self.tr("Record"),
                f"{entity_label(entry.entity_type, language)}  {entry.entity_id}",
            ),
        ]
        text = "\n".join(f"{name}：{value}" for name, value in rows)
        lines = entry_lines(entry)
        if lines:
            text += (
                "\n"
                + self.tr("Changes")
                + "：\n"
                + "\n".join("  " + line for line in lines.split("\n"))
            )
        return text

    # -- export --------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        day = self._session.today().strftime("%Y%m%d")
        ask_export(self, ".xlsx", f"审计日志-{day}.xlsx", self.export_to)

    def export_title(self) -> str:
        since, until = _pydate(self.since.date()), _pydate(self.until.date())
        parts = [
            self.tr("Audit log %1 to %2")
            .replace("%1", since.isoformat())
            .replace("%2", until.isoformat())
        ]
        for combo in (self.person, self.kind, self.action):
            if combo.currentData() is not None:
                parts.append(combo.currentText())
        return " · ".join(parts)

    def export_to(self, path: str) -> None:
        """Write the entries listed to ``path`` (XLSX) in the background."""
        entries, title = self.model.rows(), self.export_title()
        self.export_button.setEnabled(False)
        self.message.setText(self.tr("Exporting…"))
        self._session.runner.submit(
            lambda: export_xlsx(entries, path, title=title),
            on_done=lambda _none: self._on_exported(path),
            on_error=lambda exc: self._on_export_failed(path, exc),
            owner=self,
        )

    def _on_exported(self, path: str) -> None:
        self.export_button.setEnabled(True)
        self._say(self.tr("Exported: %1").replace("%1", path), OK_COLOR)
        self.exported.emit(path)

    def _on_export_failed(self, path: str, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, OSError):
            text = self.tr("Could not write %1: %2").replace("%1", path).replace("%2", str(exc))
        else:
            text = self._session.failure_text(exc)
        self._say(text, BAD_COLOR)
        self.failed.emit(text)

    # -- the chain -----------------------------------------------------------------------
    def verify(self) -> None:
        """Check the hash chain of the whole log (off the GUI thread)."""
        if self._verifying:
            return
        self._verifying = True
        self.verify_button.setEnabled(False)
        self._say(self.tr("Verifying the audit chain…"), "#444")
        self._session.runner.submit(
            self._audit.verify, on_done=self._on_verified, on_error=self._on_verify_failed
        )

    def _on_verified(self, result: VerifyResult) -> None:
        self._verifying = False
        self.verify_button.setEnabled(True)
        self._say(self.verify_text(result), OK_COLOR if result.ok else BAD_COLOR)
        self.message.setToolTip(
            plain_tooltip(self.tr("Last good hash: %1").replace("%1", result.last_hash))
        )
        self.verified.emit(result)

    def verify_text(self, result: VerifyResult) -> str:
        if result.broken is None:
            return self.tr("%1 entries verified; the audit chain is intact.").replace(
                "%1", str(result.checked)
            )
        return (
            self.tr(
                "Entry %1 has been altered (No. %2): it, or the one before it, was changed, "
                "removed or reordered outside the program."
            )
            .replace("%1", str(result.checked))
            .replace("%2", str(result.broken.seq))
        )

    def _on_verify_failed(self, exc: BaseException) -> None:
        self._verifying = False
        self.verify_button.setEnabled(True)
        text = self._session.failure_text(exc)
        self._say(text, BAD_COLOR)
        self.failed.emit(text)

    def _say(self, text: str, color: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {color}; font-weight: bold;")

    # -- who may read it -----------------------------------------------------------------
    def _on_session_operator_changed(self, _identity: Identity) -> None:
        if not may_review(self._session):
            self.close()


class AuditLogAction(QAction):
    """设置 → 审计日志: opens the audit window (one per seat), for those who may read it."""

    opened = Signal(object)  # the AuditWindow

    def __init__(self, session: AppSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("audit_log_action")
        self.setText(self.tr("Audit log…"))
        self._session = session
        self._parent = parent
        self.audit_window: AuditWindow | None = None
        self.triggered.connect(lambda: self.open())
        session.operator_changed.connect(self._on_session_operator_changed)
        self._update()

    def _update(self) -> None:
        allowed = may_review(self._session)
        self.setEnabled(allowed)
        self.setToolTip(
            self.tr("Who recorded, reported and decided what, and when.")
            if allowed
            else self.tr(
                "Only a system administrator or a commander may read the audit log (signed in: %1)."
            ).replace("%1", self._session.user)
        )

    def _on_session_operator_changed(self, _identity: Identity) -> None:
        self._update()

    def open(self) -> AuditWindow | None:
        """Show the audit window (raise it when it is open already)."""
        if not may_review(self._session):
            return None
        if self.audit_window is None:
            self.audit_window = AuditWindow(self._session, self._parent)
            self.audit_window.destroyed.connect(self._on_window_destroyed)
            self.audit_window.show()
        else:  # open already, perhaps behind the main window
            self.audit_window.show()
            self.audit_window.raise_()
            self.audit_window.activateWindow()
        self.opened.emit(self.audit_window)
        return self.audit_window

    def _on_window_destroyed(self) -> None:
        self.audit_window = None
