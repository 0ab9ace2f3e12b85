"""Background work off the GUI thread; results come back as signals.

Every database query of the UI goes through :class:`TaskRunner`::

    runner.submit(lambda: service.hazards(), on_done=model.set_rows, on_error=show)

The callable runs on a QThreadPool worker. Its result (or the exception) is
delivered by a queued signal, so ``on_done`` / ``on_error`` run on the GUI
thread.

Workers hold no reference of their own to the callable or the callbacks: those
often capture widgets, and the last reference to a widget (or any QObject
wrapper) must be dropped on the GUI thread. The runner keeps them in a table
that only the GUI thread empties; a worker reaches its callable by key."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Relay(QObject):
    """Long-lived sender for every task's result; queued to the GUI thread."""

    finished = Signal(int, object, object)  # key, result, exception


class _Task(QRunnable):
    def __init__(self, relay: _Relay, calls: dict[int, Callable[[], Any]], key: int) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._relay = relay  # lives as long as the runner
        self._calls = calls  # the runner's table; the GUI thread removes the entry
        self._key = key

    def run(self) -> None:
        try:
            # The callable is only borrowed for the call; the table keeps it.
            result = self._calls[self._key]()
        except BaseException as exc:  # noqa: BLE001 - delivered to the caller
            self._relay.finished.emit(self._key, None, exc)
        else:
            self._relay.finished.emit(self._key, result, None)


class TaskRunner(QObject):
    """Runs callables on a thread pool and calls back on the GUI thread."""

    busy_changed = Signal(bool)
    idle = Signal()
    failed = Signal(object)  # an exception no caller handled

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._calls: dict[int, Callable[[], Any]] = {}
        self._callbacks: dict[int, tuple[Callback | None, ErrorCallback | None]] = {}
        self._next_key = 0

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        self._next_key += 1
        key = self._next_key
        was_idle = not self._callbacks
        self._calls[key] = fn
        self._callbacks[key] = (on_done, on_error)
        if was_idle:
            self.busy_changed.emit(True)
        self._pool.start(_Task(self._relay, self._calls, key))

    @Slot(int, object, object)
    def _on_finished(self, key: int, result: Any, exc: BaseException | None) -> None:
        self._calls.pop(key, None)
        on_done, on_error = self._callbacks.pop(key, (None, None))
        try:
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background task failed", exc_info=exc)
                    self.failed.emit(exc)
            elif on_done is not None:
                on_done(result)
        finally:
            if not self._callbacks:
                self.busy_changed.emit(False)
                self.idle.emit()

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """Block until the pool is idle (for shutdown and tests only)."""
        return bool(self._pool.waitForDone(timeout_ms))
