"""Background work off the GUI thread; results come back as signals.

Every database query of the UI goes through :class:`TaskRunner`::

    runner.submit(lambda: service.hazards(), on_done=model.set_rows, on_error=show)

The callable runs on a QThreadPool worker. Its result (or the exception) is
delivered by a queued signal, so ``on_done`` / ``on_error`` run on the GUI
thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Delivery(QObject):
    """Lives on the GUI thread; its queued slot runs the callbacks there.

    It also holds the task's callable: closures often capture widgets, and the
    last reference to a widget must be dropped on the GUI thread, never on a
    worker (where the runnable is freed). ``_deliver`` lets go of all of them.
    """

    finished = Signal(object, object)  # result, exception

    def __init__(
        self,
        runner: TaskRunner,
        fn: Callable[[], Any],
        on_done: Callback | None,
        on_error: ErrorCallback | None,
    ):
        super().__init__(runner)
        self._runner = runner
        self.fn: Callable[[], Any] | None = fn
        self._on_done = on_done
        self._on_error = on_error
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def call(self) -> Any:
        assert self.fn is not None
        return self.fn()

    @Slot(object, object)
    def _deliver(self, result: Any, exc: BaseException | None) -> None:
        try:
            if exc is not None:
                if self._on_error is not None:
                    self._on_error(exc)
                else:
                    log.error("background task failed", exc_info=exc)
                    self._runner.failed.emit(exc)
            elif self._on_done is not None:
                self._on_done(result)
        finally:
            self.fn = self._on_done = self._on_error = None
            self._runner._finish(self)


class _Task(QRunnable):
    def __init__(self, delivery: _Delivery) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._delivery = delivery

    def run(self) -> None:
        try:
            # No local reference to the callable: it stays with the delivery.
            result = self._delivery.call()
        except BaseException as exc:  # noqa: BLE001 - delivered to the caller
            self._delivery.finished.emit(None, exc)
        else:
            self._delivery.finished.emit(result, None)


class TaskRunner(QObject):
    """Runs callables on a thread pool and calls back on the GUI thread."""

    busy_changed = Signal(bool)
    idle = Signal()
    failed = Signal(object)  # an exception no caller handled

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pending: set[_Delivery] = set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        delivery = _Delivery(self, fn, on_done, on_error)
        was_idle = not self._pending
        self._pending.add(delivery)
        if was_idle:
            self.busy_changed.emit(True)
        self._pool.start(_Task(delivery))

    def _finish(self, delivery: _Delivery) -> None:
        self._pending.discard(delivery)
        delivery.deleteLater()
        if not self._pending:
            self.busy_changed.emit(False)
            self.idle.emit()

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """Block until the pool is idle (for shutdown and tests only)."""
        return bool(self._pool.waitForDone(timeout_ms))
