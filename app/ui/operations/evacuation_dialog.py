"""转移安置: for an incident and a number of people, the shelters to send them to.

生成方案 asks the service for open shelters with room, nearest first, split
across several when one is not enough; the red line says how many found no
place. The officer may change the people per shelter (never above its room)
before 登记转移, which records the check-ins and one entry in the incident's
log, off the GUI thread. A refusal (a shelter filled up or closed since) is
said above the table, which stays as it was.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import evacuation
from app.services.evacuation import EvacuationAllocation, EvacuationProposal, EvacuationService
from app.services.movements import NOTE_MAX
from app.ui.forms import ERROR_COLOR, FieldErrors, GuardedDialog, NumberField
from app.ui.operations.common import IncidentChooser, banner, failure_text
from app.ui.plain import plain_tooltip
from app.ui.session import AppSession

PEOPLE_COLUMN = 4
AFTER_COLUMN = 5


class PeopleField(NumberField):
    """A head count that also reads thousands separators as typed in a Chinese
    input method: ``1,000,000``, ``1，000，000``, full-width digits."""

    def _parse(self) -> tuple[int | float | None, str | None]:
        text = unicodedata.normalize("NFKC", self.text()).strip()
        if not _GROUPED.fullmatch(text):
            return super()._parse()
        number = int(text.replace(",", ""))
        if number > self.maximum:
            return None, "number.too_large"
        return number, None


# Digits in groups of three after the first (the comma already NFKC-normalized).
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


class EvacuationDialog(GuardedDialog):
    """Propose and record an evacuation (转移安置) for an open incident."""

    recorded = Signal(int)  # people recorded as moved into shelters

    def __init__(
        self,
        session: AppSession,
        parent: QWidget | None = None,
        *,
        incident_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EvacuationDialog")
        self.setWindowTitle(self.tr("Evacuation"))
        self._session = session
        self._service = EvacuationService(session.db)
        self.proposal: EvacuationProposal | None = None
        self._proposed_for: tuple[int | float | None, int | float | None] | None = None
        self.confirmation = ""  # said once the evacuation is recorded, for the status bar
        self._busy = False

        self.banner = banner(self, "evacuation_banner")
        self.incident = IncidentChooser(session, self, chosen=incident_id)
        self.people = PeopleField(self, maximum=evacuation.PEOPLE_MAX)
        self.people.setObjectName("evacuation_people")
        self.people.setPlaceholderText(self.tr("e.g. 800"))
        self.limit = NumberField(self, decimals=1, maximum=evacuation.LIMIT_KM_MAX)
        self.limit.setObjectName("evacuation_limit")
        self.limit.setPlaceholderText(self.tr("no limit"))
        self.propose_button = QPushButton(self.tr("Propose"), self)
        self.propose_button.setObjectName("evacuation_propose")
        self.propose_button.setDefault(True)
        self.errors = FieldErrors(self)

        form = QFormLayout()
        form.addRow(self.tr("Incident"), self.errors.add("incident", self.incident))
        people_row = QWidget(self)
        row = QHBoxLayout(people_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.people.setMaximumWidth(160)
        self.limit.setMaximumWidth(120)
        row.addWidget(self.people)
        row.addWidget(QLabel(self.tr("within (km)"), self))
        row.addWidget(self.limit)
        row.addWidget(self.propose_button)
        row.addStretch(1)
        form.addRow(
            self.tr("People to move"),
            self.errors.add(
                "people", people_row, check=self._people_problem, watch=[self.people, self.limit]
            ),
        )

        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("evacuation_table")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Shelter"),
                self.tr("Township"),
                self.tr("Distance (km)"),
                self.tr("Room"),
                self.tr("People placed"),
                self.tr("Room after"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PEOPLE_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PEOPLE_COLUMN, 120)  # room for the number and its arrows
        self.summary = QLabel(self)
        self.summary.setObjectName("evacuation_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.shortfall = QLabel(self)
        self.shortfall.setObjectName("evacuation_shortfall")
        self.shortfall.setTextFormat(Qt.TextFormat.PlainText)
        self.shortfall.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        self.shortfall.hide()
        self.note = QLineEdit(self)
        self.note.setMaxLength(NOTE_MAX)
        self.note.setPlaceholderText(self.tr("Optional, e.g. which villages"))
        note_form = QFormLayout()
        note_form.addRow(self.tr("Note"), self.note)

        buttons = QDialogButtonBox(self)
        self.record_button = buttons.addButton(
            self.tr("Record evacuation"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.record_button.setObjectName("evacuation_record")
        self.record_button.setEnabled(False)
        self.record_button.setAutoDefault(False)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        self.record_button.clicked.connect(self.record)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.shortfall)
        layout.addLayout(note_form)
        layout.addWidget(buttons)
        self.setMinimumSize(760, 520)

        self.propose_button.clicked.connect(self.propose)
        self.people.returnPressed.connect(self.propose)
        self.incident.currentIndexChanged.connect(self._on_incident_changed)
        for field in (self.people, self.limit):
            field.textChanged.connect(self._on_request_changed)
        self.discard_guard.track([self.note], extra=self.placed_people)
        self.people.setFocus()

    # -- the proposal ------------------------------------------------------------------
    def _people_problem(self) -> str | None:
        problem = self.people.problem_text() or self.limit.problem_text()
        if problem:
            return problem
        if (self.people.number() or 0) <= 0:
            return self.tr("Enter the number of people to move (a whole number above 0).")
        return None

    def _on_incident_changed(self, _index: int) -> None:
        if self.proposal is not None and self.proposal.incident_id != self.incident.incident_id():
            self._show_proposal(None)  # a plan for another incident is no plan for this one

    def _request(self) -> tuple[int | float | None, int | float | None]:
        """(people, limit) as the fields say now (None where not a number)."""
        return self.people.number(), self.limit.number()

    def _on_request_changed(self, _text: str) -> None:
        if self._proposed_for is not None and self._request() != self._proposed_for:
            self._proposed_for = None
            self._show_proposal(None)  # a plan for other numbers is no plan for these

    def propose(self) -> None:
        """生成方案: ask for a proposal off the GUI thread."""
        incident_id = self.incident.incident_id()
        messages: dict[str, str] = {}
        if incident_id is None:
            messages["incident"] = self.tr("Choose an open incident.")
        problem = self._people_problem()
        if problem:
            messages["people"] = problem
        self.errors.show(messages)
        if messages:
            return
        people = int(self.people.value())
        limit = float(self.limit.value()) or None
        service = self._service
        self.banner.hide()
        self._proposed_for = None
        self._show_proposal(None)
        self._proposed_for = self._request()
        self.propose_button.setEnabled(False)
        self._session.runner.submit(
            lambda: service.propose(people, incident_id=incident_id, limit_km=limit),
            on_done=self._on_proposed,
            on_error=self._on_propose_failed,
            owner=self,
            latest="propose",
        )

    def _on_proposed(self, proposal: EvacuationProposal) -> None:
        self.propose_button.setEnabled(True)
        if self._proposed_for != self._request() or proposal.incident_id != (
            self.incident.incident_id()
        ):
            return  # the request changed while the plan was made: it answers another one
        self._show_proposal(proposal)

    def _on_propose_failed(self, exc: BaseException) -> None:
        self.propose_button.setEnabled(True)
        self._proposed_for = None
        self.banner.setText(failure_text(self._session, exc, evacuation))
        self.banner.show()

    def _show_proposal(self, proposal: EvacuationProposal | None) -> None:
        with self.discard_guard.refilling():  # a plan the program made is nothing to lose yet
            self._fill(proposal)

    def _fill(self, proposal: EvacuationProposal | None) -> None:
        self.proposal = proposal
        allocations = proposal.allocations if proposal is not None else ()
        self.table.setRowCount(len(allocations))
        for at, a in enumerate(allocations):
            cells = [
                a.name,
                a.township or "",
                f"{a.distance_km:.1f}",
                str(a.room_before),
                "",
                str(a.room_after),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(text))
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(at, column, item)
            spin = QSpinBox(self.table)
            spin.setObjectName(f"evacuation_people_{at}")
            spin.setRange(0, a.room_before)  # never above the room the shelter had
            spin.setValue(a.people)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setToolTip(self.tr("At most %1 (the room left)").replace("%1", str(a.room_before)))
            spin.valueChanged.connect(self._update_totals)
            self.table.setCellWidget(at, PEOPLE_COLUMN, spin)
        self._update_totals()

    def _spin(self, row: int) -> QSpinBox:
        widget = self.table.cellWidget(row, PEOPLE_COLUMN)
        assert isinstance(widget, QSpinBox)
        return widget

    def placed_people(self) -> list[int]:
        """The people per shelter as the table shows them now."""
        return [self._spin(row).value() for row in range(self.table.rowCount())]

    def allocations(self) -> list[EvacuationAllocation]:
        """The proposal's allocations with the people the officer set."""
        if self.proposal is None:
            return []
        return [
            replace(a, people=people)
            for a, people in zip(self.proposal.allocations, self.placed_people(), strict=True)
        ]

    def _update_totals(self) -> None:
        proposal = self.proposal
        if proposal is None:
            self.summary.setText(self.tr("Enter the people to move and choose “Propose”."))
            self.shortfall.hide()
            self.record_button.setEnabled(False)
            return
        placed = sum(self.placed_people())
        for row, a in enumerate(self.allocations()):
            item = self.table.item(row, AFTER_COLUMN)
            if item is not None:
                item.setText(str(a.room_after))
        self.summary.setText(
            self.tr("%1 people: %2 placed in %3 shelters, nearest first.")
            .replace("%1", str(proposal.people))
            .replace("%2", str(placed))
            .replace("%3", str(sum(1 for p in self.placed_people() if p > 0)))
        )
        missing = proposal.people - placed
        if proposal.shortfall > 0 and not proposal.allocations:
            self.shortfall.setText(
                self.tr("No open shelter has room: %1 people have no place.").replace(
                    "%1", str(proposal.people)
                )
            )
        elif proposal.shortfall > 0:
            self.shortfall.setText(
                self.tr(
                    "Not enough room: %1 people have no place in the open shelters "
                    "(open another shelter or widen the distance)."
                ).replace("%1", str(proposal.shortfall))
            )
        elif missing > 0:
            self.shortfall.setText(
                self.tr("%1 people are not placed in this plan.").replace("%1", str(missing))
            )
        self.shortfall.setVisible(missing > 0)
        self.record_button.setEnabled(placed > 0 and not self._busy)

    # -- recording ---------------------------------------------------------------------
    def record(self) -> None:
        """登记转移: record the table's plan off the GUI thread."""
        proposal = self.proposal
        if proposal is None or self._busy:
            return
        incident_id = proposal.incident_id
        assert incident_id is not None
        allocations = self.allocations()
        total = sum(a.people for a in allocations)
        if total <= 0:
            return
        service, note = self._service, self.note.text()
        actor, site = self._session.user, self._session.site
        self._busy = True
        self.record_button.setEnabled(False)
        self._session.runner.submit(
            lambda: service.record(
                allocations, incident_id=incident_id, actor=actor, site=site, note=note
            ),
            on_done=lambda _none: self._on_recorded(total),
            on_error=self._on_record_failed,
            owner=self,
        )

    def _on_recorded(self, total: int) -> None:
        self._busy = False
        self.confirmation = evacuation.recorded_text(total)
        self.recorded.emit(total)
        self.accept()

    def _on_record_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.banner.setText(failure_text(self._session, exc, evacuation))
        self.banner.show()
        self._update_totals()
