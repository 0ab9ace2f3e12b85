"""Pieces the operations dialogs share: the open-incident chooser and the banner."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from app.data.uow import ChangeRecord
from app.domain.rules import RuleViolation
from app.services.proximity import IncidentPlace, ProximityService
from app.ui.forms import ERROR_COLOR
from app.ui.models.table import format_time
from app.ui.session import AppSession

INCIDENT_ENTITIES = frozenset({"incident"})


def banner(parent: QWidget, name: str) -> QLabel:
    """A bold red line for a refusal or a failure (plain text: messages may quote data)."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
    label.hide()
    return label


def failure_text(session: AppSession, exc: BaseException, rules: object) -> str:
    """A refusal in the words of the service module ``rules`` (its ``problem_text``),
    anything else as the session says it (database problem, no right, fault)."""
    if isinstance(exc, RuleViolation):
        return str(rules.problem_text(exc))  # type: ignore[attr-defined]
    return session.failure_text(exc)


class IncidentChooser(QComboBox):
    """The open incidents (newest first), read off the GUI thread and again when
    incidents change; keeps the chosen one while it stays open."""

    loaded = Signal()

    def __init__(
        self, session: AppSession, parent: QWidget | None = None, *, chosen: uuid.UUID | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("incident_chooser")
        self.setMinimumContentsLength(28)
        self._session = session
        self._wanted = chosen
        self.places: dict[uuid.UUID, IncidentPlace] = {}
        session.subscribe(INCIDENT_ENTITIES, self._on_incidents_changed, owner=self)
        self.reload()

    def reload(self) -> None:
        service = ProximityService(self._session.db)
        self._session.runner.submit(
            service.open_incidents,
            on_done=self._on_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="incidents",
        )

    def _on_incidents_changed(self, _records: list[ChangeRecord]) -> None:
        self._wanted = self.incident_id() or self._wanted
        self.reload()

    def _on_read(self, places: list[IncidentPlace]) -> None:
        wanted = self.incident_id() or self._wanted
        self.blockSignals(True)
        self.clear()
        self.places = {p.id: p for p in places}
        for p in places:
            text = f"{format_time(p.received_at)}  {p.title}"
            if p.is_drill:
                text += self.tr(" (drill)")
            if p.lon is None or p.lat is None:
                text += self.tr(" (no position)")
            self.addItem(text, str(p.id))
        at = self.findData(str(wanted)) if wanted is not None else -1
        self.setCurrentIndex(at if at >= 0 else (0 if places else -1))
        self.blockSignals(False)
        self.loaded.emit()
        self.currentIndexChanged.emit(self.currentIndex())

    def incident_id(self) -> uuid.UUID | None:
        data = self.currentData()
        return uuid.UUID(data) if data else None

    def choose(self, incident_id: uuid.UUID) -> None:
        self._wanted = incident_id
        at = self.findData(str(incident_id))
        if at >= 0:
            self.setCurrentIndex(at)
