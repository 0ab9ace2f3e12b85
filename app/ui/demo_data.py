"""文件 → 删除演示数据: remove every demo row, after a confirmation, for every seat."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.data.uow import ChangeSet
from app.services.demo import DemoRemovalRefused, remove_demo
from app.ui.questions import ask_yes_no, show_warning
from app.ui.session import AppSession

# At most this many real records are named when the removal is refused.
_SHOWN_DEPENDENTS = 20


class RemoveDemoAction(QAction):
    """Asks, then removes the demo data in the background (one transaction).

    Every seat sees the removal through the change feed; ``told`` carries a
    sentence for the status line.
    """

    told = Signal(str)

    def __init__(self, session: AppSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.setText(self.tr("Remove demo data…"))
        self._session = session
        self._parent = parent
        self.last_message = ""
        self.triggered.connect(lambda: self.run())

    def run(self, *, confirmed: bool = False) -> None:
        session = self._session
        if not confirmed and not ask_yes_no(
            self._parent,
            self.tr("Remove demo data"),
            self.tr(
                "Remove every demo row (invented places, people, shifts, incidents and their "
                "logs) from %1? Real records are kept. Every seat sees the change. This cannot "
                "be undone."
            ).replace("%1", session.where),
        ):
            return
        db = session.db
        self.setEnabled(False)
        session.runner.submit(
            lambda: remove_demo(db, actor=session.user, site=session.site),
            on_done=self._on_removed,
            on_error=self._on_failed,
        )

    def _on_removed(self, changes: ChangeSet) -> None:
        self.setEnabled(True)
        self.last_message = self.tr("Demo data removed: %1 rows.").replace("%1", str(len(changes)))
        self.told.emit(self.last_message)

    def _on_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        if isinstance(exc, DemoRemovalRefused):
            lines = [
                self.tr("%1 “%2” needs the demo %3 “%4”")
                .replace("%1", d.entity_type)
                .replace("%2", d.name)
                .replace("%3", d.demo_entity_type)
                .replace("%4", d.demo_name)
                for d in exc.dependents[:_SHOWN_DEPENDENTS]
            ]
            heading = self.tr("Nothing was removed: real records need demo records.")
            text = "\n".join([heading, *lines])
        else:
            text = self._session.failure_text(exc)
        self.last_message = text
        self.told.emit(text.split("\n", 1)[0])
        show_warning(self._parent, self.tr("Remove demo data"), text)
