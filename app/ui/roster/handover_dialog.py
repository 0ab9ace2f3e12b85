"""交接班 and 接班确认.

The outgoing shift sees the items carried over from earlier handovers (tick
one to close it, with a note), writes a summary, adds new items (each may be
linked to an open incident) and hands over; everything is saved in one
transaction in the background. A refused save shows why in a banner and keeps
everything typed. The handover's id is chosen when the form opens, so saving
again after a lost answer cannot record it twice.

In acknowledge mode the incoming shift sees the latest handover not yet
acknowledged and confirms it (接班确认), with an optional note. With a session
the incoming person signs it: they choose themselves (the incoming shift's
people first) and enter their PIN or password; the acknowledgement is then
made as them, while the person signed in at the seat (usually the outgoing
officer) stays signed in. A wrong PIN is said at the field and nothing is
acknowledged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.clock import CHINA_TZ
from app.domain.enums import StaffRole
from app.domain.identity import Identity, acting_as
from app.domain.rules import RuleViolation
from app.services.access import AccessService, SignInChoice, SignInRefused
from app.services.dto import ShiftDTO
from app.services.handover import (
    HandoverContext,
    HandoverDTO,
    HandoverItemDTO,
    HandoverService,
    OpenIncidentDTO,
    next_shift,
)
from app.services.roster import RosterService
from app.ui import labels
from app.ui.forms import GuardedDialog
from app.ui.messages import problem_text, unexpected_text
from app.ui.plain import escape, plain_label, plain_tooltip
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner

# Columns of the carried-over table.
COL_CLOSE, COL_TEXT, COL_INCIDENT, COL_RAISED, COL_NOTE = range(5)


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _cell(text: str, editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
    item.setFlags(flags)
    item.setToolTip(plain_tooltip(text))
    return item


def _at(table: QTableWidget, row: int, col: int) -> QTableWidgetItem:
    item = table.item(row, col)
    assert item is not None
    return item


@dataclass(frozen=True, slots=True)
class AckContext:
    """What 接班确认 needs: the handover waiting, and who may sign for it
    (the incoming shift's people first, then everyone else with an account)."""

    pending: HandoverDTO | None
    signers: tuple[SignInChoice, ...]
    incoming: frozenset[uuid.UUID]


def read_ack_context(
    service: HandoverService, roster: RosterService, access: AccessService, at: datetime
) -> AckContext:
    """(Off the GUI thread.) The handover waiting and who may sign for it."""
    pending = service.pending_ack()
    incoming: set[uuid.UUID] = set()
    if pending is not None and pending.incoming_shift_id is not None:
        shift = roster.shift(pending.incoming_shift_id)
        if shift is not None:
            incoming = {a.staff_id for a in shift.assignments}
    # The incoming shift's people first; within each part, those on duty at
    # ``at`` first, as AccessService.choices orders them.
    ordered = sorted(access.choices(at), key=lambda c: c.staff_id not in incoming)
    return AckContext(pending, tuple(ordered), frozenset(incoming))


class HandoverDialog(GuardedDialog):
    recorded = Signal(object)  # HandoverDTO
    acknowledged = Signal(object)  # uuid.UUID of the handover
    loaded = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        service: HandoverService,
        *,
        actor: str,
        site: str,
        now: Callable[[], datetime],
        where: str,
        acknowledge: bool = False,
        parent: QWidget | None = None,
        session: AppSession | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HandoverDialog")
        # With a session the handover is signed by the person at the seat when it
        # is saved, and 接班确认 by the incoming person (their PIN or password).
        self._session = session
        self._runner = runner
        self._service = service
        self._actor = actor
        self._site = site
        self._now = now
        self._where = where
        self._ack_mode = acknowledge
        self._busy = False
        self._incidents: list[OpenIncidentDTO] = []
        self._shifts: dict[uuid.UUID, ShiftDTO] = {}
        self._filling = False
        self._pending: HandoverDTO | None = None
        self._incoming: frozenset[uuid.UUID] = frozenset()
        self.signed_by: Identity | None = None  # who signed the takeover
        # Chosen when the form opens and kept across failed saves.
        self.handover_id = uuid.uuid4()

        self.banner = QLabel(self)
        self.banner.setObjectName("handover_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.rejected.connect(self.reject)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)

        if acknowledge:
            self.setWindowTitle(self.tr("Take over the watch"))
            self._build_ack(layout)
            self.save_button.setText(self.tr("Confirm taking over"))
            self.save_button.clicked.connect(self.confirm_ack)
        else:
            self.setWindowTitle(self.tr("Hand over the watch"))
            self._build_handover(layout)
            self.save_button.setText(self.tr("Confirm handover"))
            self.save_button.clicked.connect(self.save)
        layout.addWidget(buttons)
        self.resize(860, 680 if not acknowledge else 520)
        self.reload()

    # -- building -------------------------------------------------------------
    def _build_handover(self, layout: QVBoxLayout) -> None:
        self.outgoing = QComboBox(self)
        self.incoming = QComboBox(self)
        # Who is on each shift, under its choice.
        self.outgoing_people = QLabel(self)
        self.incoming_people = QLabel(self)
        form = QFormLayout()
        for box, people, name, title in (
            (self.outgoing, self.outgoing_people, "outgoing", self.tr("Outgoing shift")),
            (self.incoming, self.incoming_people, "incoming", self.tr("Incoming shift")),
        ):
            box.setObjectName(f"{name}_shift")
            box.setMinimumContentsLength(24)
            people.setObjectName(f"{name}_people")
            people.setTextFormat(Qt.TextFormat.PlainText)
            people.setWordWrap(True)
            people.setStyleSheet("color: #444;")
            cell = QWidget(self)
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(box)
            column.addWidget(people)
            form.addRow(title, cell)
        self.outgoing.currentIndexChanged.connect(self._on_outgoing_changed)
        self.incoming.currentIndexChanged.connect(self._on_incoming_changed)
        layout.addLayout(form)

        carried = QGroupBox(self.tr("Open items carried over (tick to close)"), self)
        self.carried = QTableWidget(0, 5, carried)
        self.carried.setObjectName("carried_items")
        self.carried.setHorizontalHeaderLabels(
            [
                self.tr("Done"),
                self.tr("Item"),
                self.tr("Incident"),
                self.tr("Raised"),
                self.tr("Closing note"),
            ]
        )
        self._setup_table(self.carried, stretch=(COL_TEXT, COL_NOTE))
        self.carried.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.carried_empty = QLabel(self.tr("No open items."), carried)
        self.carried_empty.hide()
        carried_layout = QVBoxLayout(carried)
        carried_layout.addWidget(self.carried)
        carried_layout.addWidget(self.carried_empty)
        layout.addWidget(carried, 3)

        layout.addWidget(QLabel(self.tr("Summary of the shift"), self))
        self.summary = QPlainTextEdit(self)
        self.summary.setObjectName("handover_summary")
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText(
            self.tr("What happened on this shift, what the next shift must know")
        )
        layout.addWidget(self.summary, 2)

        new = QGroupBox(self.tr("New items to hand over"), self)
        self.item_text = QLineEdit(new)
        self.item_text.setPlaceholderText(self.tr("What is still to be done"))
        self.item_text.setMaxLength(2000)
        self.item_incident = QComboBox(new)
        self.item_incident.setMinimumContentsLength(16)
        self.item_incident.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.item_incident.addItem(self.tr("(no incident)"), None)
        self.add_button = QPushButton(self.tr("Add"), new)
        self.remove_button = QPushButton(self.tr("Remove"), new)
        self.add_button.clicked.connect(self.add_item_from_fields)
        self.item_text.returnPressed.connect(self.add_item_from_fields)
        self.remove_button.clicked.connect(self._remove_selected)
        self.new_items = QTableWidget(0, 2, new)
        self.new_items.setObjectName("new_items")
        self.new_items.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Incident")])
        self._setup_table(self.new_items, stretch=(0,))
        self.new_items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        row = QHBoxLayout()
        row.addWidget(self.item_text, 3)
        row.addWidget(self.item_incident, 2)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        col = QVBoxLayout(new)
        col.addLayout(row)
        col.addWidget(self.new_items)
        layout.addWidget(new, 2)

    def _build_ack(self, layout: QVBoxLayout) -> None:
        self.view = QTextBrowser(self)
        self.view.setObjectName("handover_view")
        self.view.setOpenLinks(False)
        layout.addWidget(self.view, 1)
        form = QFormLayout()
        self.ack_note = QLineEdit(self)
        self.ack_note.setMaxLength(256)
        self.ack_note.setPlaceholderText(self.tr("Optional, e.g. questions about an item"))
        form.addRow(self.tr("Note"), self.ack_note)
        layout.addLayout(form)
        if self._session is not None:
            layout.addWidget(self._build_signature())

    def _build_signature(self) -> QGroupBox:
        """The incoming person signs: their name and their PIN or password."""
        box = QGroupBox(self.tr("Signed by the incoming person"), self)
        hint = QLabel(
            self.tr(
                "The person taking over chooses their name and enters their PIN or password. "
                "The takeover is recorded as theirs; whoever is signed in at this seat stays "
                "signed in."
            ),
            box,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #444;")
        self.signer = QComboBox(box)
        self.signer.setObjectName("ack_signer")
        self.signer.setMinimumContentsLength(16)
        self.signer_secret = QLineEdit(box)
        self.signer_secret.setObjectName("ack_secret")
        self.signer_secret.setEchoMode(QLineEdit.EchoMode.Password)
        # No input method: a Chinese IME would show the typed letters in its window.
        self.signer_secret.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.signer_secret.setPlaceholderText(self.tr("PIN or password"))
        self.signer_secret.returnPressed.connect(self.confirm_ack)
        self.signer_message = plain_label(parent=box)
        self.signer_message.setObjectName("ack_signer_message")
        self.signer_message.setWordWrap(True)
        self.signer_message.setStyleSheet("color: #b30000;")
        self.signer_message.hide()
        self.signer.currentIndexChanged.connect(lambda _i: self._say_signer(""))
        self.signer_secret.textChanged.connect(lambda text: self._say_signer("") if text else None)
        form = QFormLayout(box)
        form.addRow(hint)
        form.addRow(self.tr("Incoming person"), self.signer)
        form.addRow(self.tr("PIN or password"), self.signer_secret)
        form.addRow("", self.signer_message)
        return box

    def _say_signer(self, text: str) -> None:
        self.signer_message.setText(text)
        self.signer_message.setVisible(bool(text))

    def _setup_table(self, table: QTableWidget, stretch: tuple[int, ...]) -> None:
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        for c in range(table.columnCount()):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if c in stretch
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(c, mode)

    # -- loading ----------------------------------------------------------------
    def reload(self) -> None:
        at = self._now()
        service = self._service
        if self._ack_mode and self._session is not None:
            roster, access = self._session.services.roster, self._session.services.access
            self._runner.submit(
                lambda: read_ack_context(service, roster, access, at),
                self._on_ack_context,
                self._on_load_failed,
            )
        elif self._ack_mode:
            self._runner.submit(service.pending_ack, self._on_pending, self._on_load_failed)
        else:
            self._runner.submit(lambda: service.context(at), self._on_context, self._on_load_failed)

    def _on_context(self, ctx: HandoverContext) -> None:
        # What the program fills in is nothing to lose; what the user typed stays so.
        with self.discard_guard.refilling():
            self._fill_context(ctx)
        self.save_button.setEnabled(True)
        self.loaded.emit()

    def _fill_context(self, ctx: HandoverContext) -> None:
        # Keep what the user chose if this is a reload after a refused save.
        ticked = self.closures()
        notes = {item_id: note for item_id, note in ticked}
        chosen = (self.outgoing.currentData(), self.incoming.currentData())
        self._shifts = {sh.id: sh for sh in ctx.shifts}
        self._filling = True  # the defaults and the user's earlier choice, not a new choice
        try:
            for box, default in (
                (self.outgoing, ctx.outgoing_id),
                (self.incoming, ctx.incoming_id),
            ):
                box.clear()
                box.addItem(self.tr("(none)"), None)
                for sh in ctx.shifts:
                    box.addItem(f"{sh.label}  {_local(sh.starts_at)} – {_local(sh.ends_at)}", sh.id)
                box.setCurrentIndex(max(0, box.findData(default)))
            if chosen[0] is not None or chosen[1] is not None:
                for box, value in zip((self.outgoing, self.incoming), chosen, strict=True):
                    index = box.findData(value)
                    if index >= 0:
                        box.setCurrentIndex(index)
        finally:
            self._filling = False
        self._show_people(self.outgoing, self.outgoing_people)
        self._show_people(self.incoming, self.incoming_people)
        self._fill_carried(ctx.open_items, notes)
        self._incidents = list(ctx.open_incidents)
        current = self.item_incident.currentData()
        self.item_incident.clear()
        self.item_incident.addItem(self.tr("(no incident)"), None)
        for inc in self._incidents:
            title = inc.title + (self.tr(" [drill]") if inc.is_drill else "")
            self.item_incident.addItem(
                f"{title} · {labels.incident_status(inc.status)}", str(inc.id)
            )
        self.item_incident.setCurrentIndex(max(0, self.item_incident.findData(current)))

    def _on_outgoing_changed(self) -> None:
        """接班 follows 交班: the shift after the one chosen takes over."""
        self._show_people(self.outgoing, self.outgoing_people)
        if self._filling:
            return
        chosen = self.outgoing.currentData()
        if chosen is None:
            return
        following = next_shift(tuple(self._shifts.values()), chosen)
        self.incoming.setCurrentIndex(max(0, self.incoming.findData(following)))

    def _on_incoming_changed(self) -> None:
        self._show_people(self.incoming, self.incoming_people)

    def _show_people(self, box: QComboBox, people: QLabel) -> None:
        shift = self._shifts.get(box.currentData())
        if shift is None:
            people.setText("")
            return
        parts = []
        for role, on_duty in (
            (labels.staff_role(StaffRole.LEADER.value), shift.leaders),
            (labels.staff_role(StaffRole.OFFICER.value), shift.officers),
        ):
            names = "、".join(p.name for p in on_duty) or "—"
            parts.append(self.tr("%1: %2").replace("%1", role).replace("%2", names))
        people.setText("　".join(parts))

    def _fill_carried(
        self, items: tuple[HandoverItemDTO, ...], notes: dict[uuid.UUID, str]
    ) -> None:
        self.carried.setRowCount(0)
        for item in items:
            r = self.carried.rowCount()
            self.carried.insertRow(r)
            check = _cell("")
            check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            check.setCheckState(
                Qt.CheckState.Checked if item.id in notes else Qt.CheckState.Unchecked
            )
            check.setData(Qt.ItemDataRole.UserRole, item.id)
            self.carried.setItem(r, COL_CLOSE, check)
            self.carried.setItem(r, COL_TEXT, _cell(item.text))
            self.carried.setItem(r, COL_INCIDENT, _cell(item.incident_title or ""))
            self.carried.setItem(
                r, COL_RAISED, _cell(f"{_local(item.handed_over_at)} {item.created_by}")
            )
            self.carried.setItem(r, COL_NOTE, _cell(notes.get(item.id, ""), editable=True))
        self.carried.resizeRowsToContents()
        self.carried_empty.setVisible(not items)

    def _on_ack_context(self, ctx: AckContext) -> None:
        # Who is offered is the program's doing, not typed work to lose.
        with self.discard_guard.refilling():
            self._fill_signers(ctx)
        self._on_pending(ctx.pending)
        if ctx.pending is not None:
            self.signer_secret.setFocus()

    def _fill_signers(self, ctx: AckContext) -> None:
        self._incoming = ctx.incoming
        chosen = self.signer.currentData()
        self.signer.clear()
        for choice in ctx.signers:
            text = choice.name
            if choice.staff_id in ctx.incoming:
                text = self.tr("%1 (incoming shift)").replace("%1", choice.name)
            self.signer.addItem(text, str(choice.staff_id))
        first = next((c for c in ctx.signers if c.staff_id in ctx.incoming), None)
        if chosen is not None and self.signer.findData(chosen) >= 0:
            self.signer.setCurrentIndex(self.signer.findData(chosen))
        elif first is not None:
            self.signer.setCurrentIndex(self.signer.findData(str(first.staff_id)))
        else:
            self.signer.setCurrentIndex(-1)  # nobody on the incoming shift: they choose

    def _on_pending(self, pending: HandoverDTO | None) -> None:
        self._pending = pending
        self.view.setHtml(self._pending_html(pending))
        self.save_button.setEnabled(pending is not None)
        self.loaded.emit()

    def _pending_html(self, h: HandoverDTO | None) -> str:
        e = escape
        if h is None:
            nothing = self.tr("No handover is waiting to be taken over.")
            return f"<p>{e(nothing)}</p>"
        shifts = f"{h.outgoing_label or '—'} → {h.incoming_label or '—'}"
        heading = self.tr("Handover from %1").replace("%1", h.handed_over_by)
        at_label, shifts_label = self.tr("Handed over at"), self.tr("Shifts")
        summary_label, items_label = self.tr("Summary"), self.tr("Items raised")
        closed_label, none_label = self.tr("closed"), self.tr("None.")
        parts = [
            f"<h3>{e(heading)}</h3>",
            f"<p>{e(at_label)}: {e(_local(h.handed_over_at))}<br>",
            f"{e(shifts_label)}: {e(shifts)}</p>",
            f"<p><b>{e(summary_label)}</b><br>",
            e(h.summary or "—").replace("\n", "<br>") + "</p>",
            f"<p><b>{e(items_label)}</b></p>",
        ]
        if h.items:
            parts.append("<ul>")
            for item in h.items:
                line = e(item.text)
                if item.incident_title:
                    line += f" <i>（{e(item.incident_title)}）</i>"
                if not item.is_open:
                    line += f" — {e(closed_label)}"
                parts.append(f"<li>{line}</li>")
            parts.append("</ul>")
        else:
            parts.append(f"<p>{e(none_label)}</p>")
        return "".join(parts)

    def _on_load_failed(self, exc: BaseException) -> None:
        self._show_error(exc)

    # -- new items ------------------------------------------------------------
    def add_item(self, text: str, incident_id: uuid.UUID | None = None) -> None:
        text = text.strip()
        if not text:
            return
        title = ""
        if incident_id is not None:
            title = next((i.title for i in self._incidents if i.id == incident_id), "")
        r = self.new_items.rowCount()
        self.new_items.insertRow(r)
        cell = _cell(text)
        cell.setData(Qt.ItemDataRole.UserRole, incident_id)
        self.new_items.setItem(r, 0, cell)
        self.new_items.setItem(r, 1, _cell(title))
        self.new_items.resizeRowsToContents()

    def add_item_from_fields(self) -> None:
        data = self.item_incident.currentData()
        self.add_item(self.item_text.text(), uuid.UUID(data) if data else None)
        self.item_text.clear()
        self.item_incident.setCurrentIndex(0)
        # (focus stays where it is)

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.new_items.selectedIndexes()}, reverse=True)
        for r in rows:
            self.new_items.removeRow(r)

    def items_to_add(self) -> list[tuple[str, uuid.UUID | None]]:
        out: list[tuple[str, uuid.UUID | None]] = []
        for r in range(self.new_items.rowCount()):
            cell = _at(self.new_items, r, 0)
            out.append((cell.text(), cell.data(Qt.ItemDataRole.UserRole)))
        return out

    # -- carried over -----------------------------------------------------------
    def set_closing(self, item_id: uuid.UUID, note: str = "", close: bool = True) -> None:
        for r in range(self.carried.rowCount()):
            check = _at(self.carried, r, COL_CLOSE)
            if check.data(Qt.ItemDataRole.UserRole) == item_id:
                state = Qt.CheckState.Checked if close else Qt.CheckState.Unchecked
                check.setCheckState(state)
                _at(self.carried, r, COL_NOTE).setText(note)
                return
        raise KeyError(item_id)

    def closures(self) -> list[tuple[uuid.UUID, str]]:
        if self._ack_mode:
            return []
        out = []
        for r in range(self.carried.rowCount()):
            check = _at(self.carried, r, COL_CLOSE)
            if check.checkState() == Qt.CheckState.Checked:
                out.append(
                    (check.data(Qt.ItemDataRole.UserRole), _at(self.carried, r, COL_NOTE).text())
                )
        return out

    # -- saving -----------------------------------------------------------------
    def save(self) -> None:
        if self._busy:
            return
        self._pending_input_item()
        outgoing = self.outgoing.currentData()
        incoming = self.incoming.currentData()
        summary = self.summary.toPlainText()
        items = self.items_to_add()
        closures = self.closures()
        at = self._now()
        hid = self.handover_id
        service, actor, site = self._service, self._actor, self._site
        if self._session is not None:  # the person at the seat now signs it
            actor, site = self._session.user, self._session.site
        self._set_busy(True)
        self._runner.submit(
            lambda: service.record(
                outgoing,
                incoming,
                summary,
                items,
                actor=actor,
                site=site,
                at=at,
                close_items=closures,
                handover_id=hid,
            ),
            self._on_saved,
            self._on_failed,
        )

    def _pending_input_item(self) -> None:
        """Text typed in the new-item field but not added yet is added, not lost."""
        if self.item_text.text().strip():
            self.add_item_from_fields()

    def _on_saved(self, handover: HandoverDTO) -> None:
        self._set_busy(False)
        self.recorded.emit(handover)
        self.accept()

    def confirm_ack(self) -> None:
        if self._busy or self._pending is None:
            return
        if self._session is not None:
            self._confirm_signed()
            return
        hid = self._pending.id
        note = self.ack_note.text()
        at = self._now()
        service, actor, site = self._service, self._actor, self._site
        self._set_busy(True)
        self._runner.submit(
            lambda: service.acknowledge(hid, actor=actor, site=site, at=at, note=note),
            lambda _: self._on_acknowledged(hid),
            self._on_failed,
        )

    def _confirm_signed(self) -> None:
        """Check the incoming person's PIN or password, then acknowledge as them."""
        assert self._session is not None and self._pending is not None
        data = self.signer.currentData()
        if not isinstance(data, str):
            self._say_signer(self.tr("Choose who takes over."))
            self.signer.setFocus()
            return
        secret = self.signer_secret.text()
        if not secret:
            self._say_signer(self.tr("The incoming person enters their PIN or password."))
            self.signer_secret.setFocus()
            return
        staff_id = uuid.UUID(data)
        hid, note, at = self._pending.id, self.ack_note.text(), self._now()
        service, access = self._service, self._session.services.access
        seat = self._session.identity
        self.banner.hide()
        self._say_signer("")
        self._set_busy(True)

        def sign_and_acknowledge() -> Identity:
            # Runs in a copy of the seat's context: the takeover is made as the
            # incoming person, the seat's operator is left as it is.
            them = access.sign_in(staff_id, secret, site=seat.site, workstation=seat.workstation)
            with acting_as(them):
                service.acknowledge(hid, actor=them.user, site=them.site, at=at, note=note)
            return them

        self._runner.submit(
            sign_and_acknowledge, lambda them: self._on_signed(hid, them), self._on_sign_failed
        )

    def _on_signed(self, handover_id: uuid.UUID, identity: Identity) -> None:
        self.signed_by = identity
        self.signer_secret.clear()
        self._on_acknowledged(handover_id)

    def _on_sign_failed(self, exc: BaseException) -> None:
        if isinstance(exc, SignInRefused):
            self._set_busy(False)
            self._say_signer(exc.message())
            self.signer_secret.clear()  # a wrong secret is of no use; the rest stays
            self.signer_secret.setFocus()
            return
        self._on_failed(exc)

    def _on_acknowledged(self, handover_id: uuid.UUID) -> None:
        self._set_busy(False)
        self.acknowledged.emit(handover_id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._show_error(exc)
        if isinstance(exc, RuleViolation) and exc.code == "handover.item_closed":
            self.reload()  # show the list as it is now; ticks and notes are kept

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, RuleViolation):
            text = self.rule_text(exc.code)
        else:
            problem = classify(exc)
            text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        self.banner.setText(self.tr("Not saved: %1").replace("%1", text))
        self.banner.show()

    def rule_text(self, code: str) -> str:
        return {
            "handover.same_shift": self.tr("The outgoing and incoming shift are the same."),
            "handover.shift_unknown": self.tr("That shift no longer exists."),
            "handover.empty": self.tr(
                "Write a summary, add an item or close one: there is nothing to hand over."
            ),
            "handover.item_text_required": self.tr("An item needs a text."),
            "handover.item_text_too_long": self.tr("An item's text is too long."),
            "handover.incident_unknown": self.tr("A linked incident no longer exists."),
            "handover.item_unknown": self.tr("An item to close no longer exists."),
            "handover.item_closed": self.tr(
                "Someone else closed an item you ticked meanwhile; the list shows it now."
            ),
            "handover.note_too_long": self.tr("A note is too long (at most 256 characters)."),
            "handover.unknown": self.tr("That handover no longer exists."),
            "handover.acknowledged": self.tr(
                "This handover has been taken over already (by another seat)."
            ),
        }.get(code, self.tr("Not allowed by the rules: %1").replace("%1", code))

    def error_text(self) -> str:
        return self.banner.text() if not self.banner.isHidden() else ""

    def signer_text(self) -> str:
        """The message under the incoming person's PIN ("" when none)."""
        if self._session is None or self.signer_message.isHidden():
            return ""
        return self.signer_message.text()
