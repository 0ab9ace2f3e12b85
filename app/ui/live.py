"""Qt side of the change feed: ChangeListener callbacks become queued signals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.data.engine import Database
from app.data.uow import ChangeRecord
from app.live.feed import ChangeListener


class _Gate:
    """Lets a listener's callbacks through until closed; closing waits for one in progress.

    The listener's thread may outlive ``stop()`` (its join has a time limit and
    a slow read goes on): after ``close()`` returns it never emits again, so it
    never emits on a deleted object.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = True

    def wrap(self, fn: Callable[..., None]) -> Callable[..., None]:
        def call(*args: Any) -> None:
            with self._lock:
                if self._open:
                    fn(*args)

        return call

    def close(self, *_args: object) -> None:
        with self._lock:
            self._open = False


class LiveUpdates(QObject):
    """Emits ``changes_arrived`` (on the GUI thread) for every committed change.

    Signals are emitted from the listener's thread; Qt queues them to this
    object's thread, so slots run on the GUI thread. Nothing is emitted after
    ``stop()`` or after this object is deleted.
    """

    changes_arrived = Signal(list)  # list[ChangeRecord], in sequence order
    connection_changed = Signal(bool, object)  # ok, exception or None

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._listener: ChangeListener | None = None
        self._gate = _Gate()

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self, after_seq: int) -> None:
        """Deliver everything committed after ``after_seq``."""
        if self._listener is not None:
            return
        gate = self._gate = _Gate()
        # Deleted without stop() (its parent went): the gate closes first.
        self.destroyed.connect(gate.close)
        self._listener = ChangeListener(
            self._db,
            after_seq,
            gate.wrap(self._deliver),
            gate.wrap(self._report),
        )
        self._listener.start()

    def stop(self) -> None:
        self._gate.close()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def _deliver(self, records: list[ChangeRecord]) -> None:
        self.changes_arrived.emit(records)

    def _report(self, ok: bool, exc: BaseException | None) -> None:
        self.connection_changed.emit(ok, exc)
