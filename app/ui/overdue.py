"""超时未报: the missed reporting deadlines in the status bar, as buttons that list them.

Real incidents and drills are counted apart (drills not at all when the county
says so in 报告时限设置). Clicking a count lists the overdue reports; choosing
one selects its incident.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from app.domain.deadlines import Deadline
from app.services.dto import IncidentDTO
from app.ui import labels
from app.ui.models.table import format_time
from app.ui.plain import add_data_action
from app.ui.session import AppSession, Overdue

_REAL_STYLE = (
    "QToolButton { background: #b30000; color: white; font-weight: bold; padding: 1px 8px;"
    " border: none; }"
)
_DRILL_STYLE = "QToolButton { background: #6a51a3; color: white; padding: 1px 8px; border: none; }"


class OverdueIndicator(QWidget):
    """Two counts (real, drills), each a button with the list of what is overdue."""

    incident_chosen = Signal(object)  # IncidentDTO

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OverdueIndicator")
        self._session = session
        self.real = self._button("status_overdue", _REAL_STYLE)
        self.drills = self._button("status_overdue_drills", _DRILL_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.real)
        layout.addWidget(self.drills)
        self.real_count = 0
        self.drill_count = 0
        session.overdue_changed.connect(self._on_session_overdue_changed)
        session.rules_changed.connect(lambda _rules: self._show(session.overdue))
        self._show(session.overdue)

    def _button(self, name: str, style: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setStyleSheet(style)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(QMenu(button))
        button.hide()
        return button

    def _on_session_overdue_changed(self, found: Overdue) -> None:
        self._show(found)

    def _show(self, found: Overdue) -> None:
        real = [(dto, d) for dto, d in found if not dto.is_drill]
        drills = [(dto, d) for dto, d in found if dto.is_drill]
        if not self._session.rules.reporting.rules.drills_counted:
            drills = []
        self.real_count = len({dto.id for dto, _ in real})
        self.drill_count = len({dto.id for dto, _ in drills})
        self._fill(
            self.real, real, self.tr("Overdue reports %1").replace("%1", str(self.real_count))
        )
        self._fill(
            self.drills,
            drills,
            self.tr("Drills overdue %1").replace("%1", str(self.drill_count)),
        )

    def _fill(
        self, button: QToolButton, found: list[tuple[IncidentDTO, Deadline]], text: str
    ) -> None:
        button.setText(text)
        button.setVisible(bool(found))
        menu = button.menu()
        menu.clear()
        for dto, deadline in found:
            line = f"{dto.title} · {labels.report_kind(deadline.kind.value)} " + self.tr(
                "due %1"
            ).replace("%1", format_time(deadline.due_at))
            # A title is data: "&" must not become a mnemonic, markup stays text.
            action = add_data_action(menu, line)
            action.triggered.connect(lambda _=False, d=dto: self.incident_chosen.emit(d))
        button.setToolTip(self.tr("Click to list them and select an incident"))
