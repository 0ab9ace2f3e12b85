"""调派救援队伍 and the team's status afterwards (到达现场, 返回途中, 待命, 休整).

:class:`DispatchDialog` lists the teams that can leave now for the chosen
incident, nearest first, with a specialty filter; the members going default to
those available. :class:`TeamStatusDialog` offers only the steps the team's
status allows. Both write off the GUI thread; the service writes the change
into the incident's log and every seat sees the new status.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.enums import TeamStatus
from app.domain.labels import Family
from app.domain.rules import RuleViolation
from app.services import dispatch
from app.services.dispatch import DispatchService, TeamCandidate, TeamState
from app.ui import labels
from app.ui.forms import FieldErrors, GuardedDialog, NumberField
from app.ui.models.table import SORT_ROLE, Column, DtoTableModel, format_time
from app.ui.operations.common import IncidentChooser, banner, failure_text
from app.ui.plain import plain_label
from app.ui.session import AppSession

TEAM_ENTITIES = frozenset({"rescue_team"})


class TeamLike(Protocol):
    """What the dialogs need of a team (a TeamDTO, a TeamCandidate, a TeamState)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def name(self) -> str: ...


def specialties_text(codes: tuple[str, ...]) -> str:
    return "、".join(labels.label(Family.TEAM_SPECIALTY, c) for c in codes)


class DispatchDialog(GuardedDialog):
    """Send a team that can leave now to an open incident."""

    dispatched = Signal(object)  # TeamState after the dispatch

    def __init__(
        self,
        session: AppSession,
        parent: QWidget | None = None,
        *,
        team: TeamLike | None = None,
        incident_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DispatchDialog")
        self.setWindowTitle(self.tr("Dispatch a rescue team"))
        self._session = session
        self._service = DispatchService(session.db)
        self._wanted_team = team.id if team is not None else None
        self._busy = False

        self.banner = banner(self, "dispatch_banner")
        self.incident = IncidentChooser(session, self, chosen=incident_id)
        self.specialty = QComboBox(self)
        self.specialty.setObjectName("dispatch_specialty")
        self.specialty.addItem(self.tr("Any specialty"), "")
        for code, text in labels.family_labels(Family.TEAM_SPECIALTY).items():
            self.specialty.addItem(text, code)

        self.model: DtoTableModel[TeamCandidate] = DtoTableModel(
            [
                Column(self.tr("Team"), lambda c: c.name),
                Column(self.tr("Type"), lambda c: labels.team_type(c.team_type)),
                Column(self.tr("Specialties"), lambda c: specialties_text(c.specialties)),
                Column(
                    self.tr("Available / members"),
                    lambda c: c.available,
                    display=lambda c: f"{c.available} / {c.members}",
                    align_right=True,
                ),
                Column(
                    self.tr("Distance (km)"),
                    lambda c: c.distance_km if c.distance_km is not None else 1e9,
                    display=lambda c: f"{c.distance_km:.1f}" if c.distance_km is not None else "—",
                    align_right=True,
                ),
                Column(self.tr("Township"), lambda c: c.township or ""),
                Column(
                    self.tr("Contact"),
                    lambda c: " ".join(x for x in (c.contact_name, c.contact_phone) if x),
                ),
            ],
            self,
        )
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setObjectName("dispatch_candidates")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)  # nearest first, as the service sorts
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel(self)
        self.empty.setObjectName("dispatch_empty")
        self.empty.setStyleSheet("color: #666;")
        self.empty.hide()

        self.members = NumberField(self, maximum=100_000)
        self.members.setObjectName("dispatch_members")
        self.members.setMaximumWidth(160)
        self.note = QLineEdit(self)
        self.note.setMaxLength(dispatch.NOTE_MAX)
        self.note.setPlaceholderText(self.tr("Optional, e.g. equipment taken, who leads"))
        self.errors = FieldErrors(self)

        top = QFormLayout()
        top.addRow(self.tr("Incident"), self.errors.add("incident", self.incident))
        top.addRow(self.tr("Specialty"), self.specialty)
        bottom = QFormLayout()
        bottom.addRow(
            self.tr("Members going"), self.errors.add("members", self.members, watch=[self.members])
        )
        bottom.addRow(self.tr("Note"), self.note)

        buttons = QDialogButtonBox(self)
        self.dispatch_button = buttons.addButton(
            self.tr("Dispatch"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.dispatch_button.setObjectName("dispatch_button")
        self.dispatch_button.setEnabled(False)
        buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        self.dispatch_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(QLabel(self.tr("Teams that can leave now, nearest first"), self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)
        layout.addWidget(buttons)
        self.setMinimumSize(820, 520)

        self.incident.currentIndexChanged.connect(lambda _i: self.reload())
        self.specialty.currentIndexChanged.connect(lambda _i: self.reload())
        self.table.selectionModel().currentRowChanged.connect(self._on_team_chosen)
        session.subscribe(TEAM_ENTITIES, self._on_teams_changed, owner=self)
        self.discard_guard.track([self.members, self.note])

    # -- candidates --------------------------------------------------------------------
    def reload(self) -> None:
        incident_id = self.incident.incident_id()
        if incident_id is None:
            self.model.set_rows([])
            self._show_empty()
            return
        specialty = self.specialty.currentData() or None
        service = self._service
        self._session.runner.submit(
            lambda: service.candidates(incident_id, specialty),
            on_done=self._on_candidates,
            on_error=self._on_read_failed,
            owner=self,
            latest="candidates",
        )

    def _on_teams_changed(self, _records: list[ChangeRecord]) -> None:
        self.reload()

    def _on_read_failed(self, exc: BaseException) -> None:
        self.banner.setText(failure_text(self._session, exc, dispatch))
        self.banner.show()

    def _on_candidates(self, rows: list[TeamCandidate]) -> None:
        chosen = self.chosen()
        wanted = chosen.id if chosen is not None else self._wanted_team
        self.model.set_rows(rows)
        self._show_empty()
        at = self.model.row_of_id(wanted) if wanted is not None else None
        if at is None and wanted is None and rows:
            at = 0  # nothing chosen yet: the nearest team, as the list is sorted
        if at is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(at, 0)).row())
            return
        # The team chosen is no longer listed: never put another one in its place.
        self.table.selectionModel().clearSelection()
        self.table.selectionModel().setCurrentIndex(
            QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate
        )
        self.dispatch_button.setEnabled(False)
        if wanted is not None:
            self._explain_gone(wanted)

    def _explain_gone(self, team_id: uuid.UUID) -> None:
        """Say why the team chosen left the list (read off the GUI thread)."""
        service = self._service
        self._session.runner.submit(
            lambda: service.team(team_id),
            on_done=self._on_gone_read,
            on_error=self._on_read_failed,
            owner=self,
            latest="gone",
        )

    def _on_gone_read(self, state: TeamState) -> None:
        if state.id != self._wanted_team or self.chosen() is not None:
            return  # another team was chosen meanwhile
        if state.retired:
            text = f"{state.name}：{dispatch.problem_text(RuleViolation('team.retired'))}"
        elif state.status in {s.value for s in dispatch.DISPATCHABLE}:
            text = dispatch.off_list_text(state.name)
        else:
            text = dispatch.taken_text(state.name, state.status)
        self.banner.setText(text)
        self.banner.show()

    def _show_empty(self) -> None:
        if self.model.rowCount() == 0:
            self.empty.setText(
                self.tr("No team on standby can leave now.")
                if self.incident.incident_id() is not None
                else self.tr("There is no open incident to send a team to.")
            )
        self.empty.setVisible(self.model.rowCount() == 0)

    def chosen(self) -> TeamCandidate | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        row = self.proxy.mapToSource(index).row()
        return self.model.row_at(row) if 0 <= row < self.model.rowCount() else None

    def _on_team_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        team = self.chosen()
        self.dispatch_button.setEnabled(team is not None and not self._busy)
        if team is None:
            return
        if team.id != self._wanted_team:
            self._wanted_team = team.id
            self.banner.hide()  # a new choice: what was said of the last one is past
            with self.discard_guard.refilling():
                self.members.setValue(team.available)
        elif not self.members.text():
            with self.discard_guard.refilling():
                self.members.setValue(team.available)

    # -- dispatching ---------------------------------------------------------------------
    def _members_problem(self, team: TeamCandidate) -> str | None:
        problem = self.members.problem_text()
        if problem:
            return problem
        going = int(self.members.value())
        if going <= 0:
            return self.tr("At least one member goes.")
        if going > team.available:
            return self.tr("Only %1 members are available.").replace("%1", str(team.available))
        return None

    def save(self) -> None:
        team, incident_id = self.chosen(), self.incident.incident_id()
        if team is None or incident_id is None or self._busy:
            return
        problem = self._members_problem(team)
        self.errors.show({"members": problem} if problem else {})
        if problem:
            return
        going, note = int(self.members.value()), self.note.text()
        service, actor, site = self._service, self._session.user, self._session.site
        self._busy = True
        self.dispatch_button.setEnabled(False)
        self.banner.hide()
        self._session.runner.submit(
            lambda: service.dispatch(
                team.id, incident_id, members=going, note=note, actor=actor, site=site
            ),
            on_done=self._on_dispatched,
            on_error=self._on_dispatch_failed,
            owner=self,
        )

    def _on_dispatched(self, state: TeamState) -> None:
        self._busy = False
        self.dispatched.emit(state)
        self.accept()

    def _on_dispatch_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.dispatch_button.setEnabled(self.chosen() is not None)
        self.banner.setText(
            self.tr("Not dispatched: %1").replace("%1", failure_text(self._session, exc, dispatch))
        )
        self.banner.show()
        self.reload()


class TeamStatusDialog(GuardedDialog):
    """The team's next step: 到达现场, 返回途中, 待命 or 休整, as its status allows."""

    changed = Signal(object)  # TeamState after the change

    def __init__(self, session: AppSession, team: TeamLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TeamStatusDialog")
        self.setWindowTitle(self.tr("Team status: %1").replace("%1", team.name))
        self._session = session
        self._service = DispatchService(session.db)
        self._team_id = team.id
        self.state: TeamState | None = None
        self._busy = False

        self.banner = banner(self, "team_status_banner")
        self.current = plain_label("", self)
        self.current.setObjectName("team_status_current")
        self.current.setWordWrap(True)
        font = self.current.font()
        font.setBold(True)
        self.current.setFont(font)
        self.choices = QWidget(self)
        self._choice_layout = QHBoxLayout(self.choices)
        self._choice_layout.setContentsMargins(0, 0, 0, 0)
        self._group = QButtonGroup(self)
        self.note = QLineEdit(self)
        self.note.setMaxLength(dispatch.NOTE_MAX)
        self.note.setPlaceholderText(self.tr("Optional, e.g. what the team found"))
        form = QFormLayout()
        form.addRow(self.tr("Now"), self.current)
        form.addRow(self.tr("Change to"), self.choices)
        form.addRow(self.tr("Note"), self.note)

        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("team_status_save")
        self.save_button.setEnabled(False)
        buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.discard_guard.track([self.note])
        session.subscribe(TEAM_ENTITIES, self._on_teams_changed, owner=self)
        self.reload()

    def reload(self) -> None:
        service, team_id = self._service, self._team_id
        self._session.runner.submit(
            lambda: service.team(team_id),
            on_done=self._on_read,
            on_error=self._on_failed,
            owner=self,
            latest="team",
        )

    def _on_teams_changed(self, records: list[ChangeRecord]) -> None:
        if any(r.entity_id == self._team_id for r in records):
            self.reload()

    def _on_read(self, state: TeamState) -> None:
        chosen = self.chosen_status()
        self.state = state
        text = labels.team_status(state.status)
        if state.incident_title:
            text += self.tr(" · incident: %1").replace("%1", state.incident_title)
        if state.status_since is not None:
            text += self.tr(" · since %1").replace("%1", format_time(state.status_since))
        if state.retired:
            text += self.tr(" · retired")
        self.current.setText(text)
        for button in self._group.buttons():
            self._group.removeButton(button)
            button.deleteLater()
        steps = () if state.retired else state.next_statuses
        for status in steps:
            radio = QRadioButton(labels.team_status(status.value), self.choices)
            radio.setObjectName(f"team_status_{status.value}")
            radio.setProperty("status", status.value)
            self._group.addButton(radio)
            self._choice_layout.addWidget(radio)
            radio.setChecked(status == chosen)
        if steps and self._group.checkedButton() is None:
            self._group.buttons()[0].setChecked(True)
        if not steps:
            none = QRadioButton(self.tr("(no change possible here)"), self.choices)
            none.setEnabled(False)
            self._group.addButton(none)
            self._choice_layout.addWidget(none)
        self.save_button.setEnabled(bool(steps) and not self._busy)

    def chosen_status(self) -> TeamStatus | None:
        button = self._group.checkedButton()
        code = button.property("status") if button is not None else None
        return TeamStatus(code) if code else None

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.banner.setText(failure_text(self._session, exc, dispatch))
        self.banner.show()
        self.save_button.setEnabled(self.state is not None and bool(self.state.next_statuses))

    def save(self) -> None:
        state, status = self.state, self.chosen_status()
        if state is None or status is None or self._busy:
            return
        service, note = self._service, self.note.text()
        actor, site, version = self._session.user, self._session.site, state.version
        self._busy = True
        self.save_button.setEnabled(False)
        self._session.runner.submit(
            lambda: service.set_status(
                state.id, version, status, note=note, actor=actor, site=site
            ),
            on_done=self._on_saved,
            on_error=self._on_save_failed,
            owner=self,
        )

    def _on_saved(self, state: TeamState) -> None:
        self._busy = False
        self.changed.emit(state)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._on_failed(exc)
        self.reload()  # the status as it is now (another seat may have changed it)
