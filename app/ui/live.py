"""Qt side of the change feed: ChangeListener callbacks become queued signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.data.engine import Database
from app.data.uow import ChangeRecord
from app.live.feed import ChangeListener


class LiveUpdates(QObject):
    """Emits ``changes_arrived`` (on the GUI thread) for every committed change.

    Signals are emitted from the listener's thread; Qt queues them to this
    object's thread, so slots run on the GUI thread.
    """

    changes_arrived = Signal(list)  # list[ChangeRecord], in sequence order
    connection_changed = Signal(bool, object)  # ok, exception or None

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._listener: ChangeListener | None = None

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self, after_seq: int) -> None:
        """Deliver everything committed after ``after_seq``."""
        if self._listener is not None:
            return
        self._listener = ChangeListener(self._db, after_seq, self._deliver, self._report)
        self._listener.start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def _deliver(self, records: list[ChangeRecord]) -> None:
        self.changes_arrived.emit(records)

    def _report(self, ok: bool, exc: BaseException | None) -> None:
        self.connection_changed.emit(ok, exc)
