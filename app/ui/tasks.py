"""Background work off the GUI thread; results come back as signals.

Every database query of the UI goes through :class:`TaskRunner`::

    runner.submit(lambda: service.hazards(), on_done=model.set_rows, on_error=show,
                  owner=panel, latest="hazards")

The callable runs on a QThreadPool worker. Its result (or the exception) is
delivered by a queued signal, so ``on_done`` / ``on_error`` run on the GUI
thread.

Every task has an owner: the QObject whose callbacks it calls (given, or the
object of a bound-method callback). A result whose owner has been deleted is
dropped, never delivered to a deleted C++ object. With ``latest=NAME`` a
newer request of the same owner and name supersedes an older one: the older
answer, should it finish later, is dropped. Errors nobody handles, and
exceptions raised by a callback, reach ``failed`` (and the log) instead of
vanishing in a slot.

Workers hold no reference of their own to the callable or the callbacks: those
often capture widgets, and the last reference to a widget (or any QObject
wrapper) must be dropped on the GUI thread. The runner keeps them in a table
that only the GUI thread empties; a worker reaches its callable by key."""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
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


@dataclass
class _Pending:
    on_done: Callback | None
    on_error: ErrorCallback | None
    owner: QObject | None
    latest: tuple[int, str] | None  # (owner id, name) when superseding applies


def _owner_of(*callbacks: object) -> QObject | None:
    """The QObject a callback belongs to: a bound method's object, or the ``self``
    a closure was made in (``lambda r: self._show(r)`` inside a method)."""
    for cb in callbacks:
        target = getattr(cb, "__self__", None)
        if isinstance(target, QObject):
            return target
        code = getattr(cb, "__code__", None)
        cells = getattr(cb, "__closure__", None)
        if code is not None and cells and "self" in code.co_freevars:
            target = cells[code.co_freevars.index("self")].cell_contents
            if isinstance(target, QObject):
                return target
    return None


class TaskRunner(QObject):
    """Runs callables on a thread pool and calls back on the GUI thread."""

    busy_changed = Signal(bool)
    idle = Signal()
    failed = Signal(object)  # an exception no caller handled, or raised by a callback

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._calls: dict[int, Callable[[], Any]] = {}
        self._pending: dict[int, _Pending] = {}
        self._latest: dict[tuple[int, str], int] = {}  # slot -> newest key
        self._in_flight: dict[tuple[int, str], int] = {}  # slot -> tasks not finished
        self._next_key = 0
        self.dropped = 0  # results not delivered (owner gone or superseded)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: ErrorCallback | None = None,
        *,
        owner: QObject | None = None,
        latest: str | None = None,
    ) -> None:
        """Run ``fn`` off the GUI thread; call ``on_done(result)`` or ``on_error(exc)`` on it.

        ``owner`` (default: the QObject of a bound-method callback) must still
        exist when the result arrives, or the result is dropped. ``latest``
        names a request kind of that owner: only the newest request of the kind
        is answered (needs an owner).
        """
        self._next_key += 1
        key = self._next_key
        owner = owner if owner is not None else _owner_of(on_done, on_error)
        slot: tuple[int, str] | None = None
        if latest is not None:
            if owner is None:
                raise ValueError("a superseding request needs an owner")
            slot = (id(owner), latest)
            self._latest[slot] = key
            self._in_flight[slot] = self._in_flight.get(slot, 0) + 1
        was_idle = not self._pending
        # The task runs in a copy of the submitting context: a write started
        # before an operator switch is signed by whoever started it.
        self._calls[key] = functools.partial(contextvars.copy_context().run, fn)
        self._pending[key] = _Pending(on_done, on_error, owner, slot)
        if was_idle:
            self.busy_changed.emit(True)
        self._pool.start(_Task(self._relay, self._calls, key))

    @Slot(int, object, object)
    def _on_finished(self, key: int, result: Any, exc: BaseException | None) -> None:
        self._calls.pop(key, None)
        pending = self._pending.pop(key, None)
        try:
            if pending is not None and self._deliverable(key, pending):
                self._deliver(pending, result, exc)
        finally:
            if not self._pending:
                self.busy_changed.emit(False)
                self.idle.emit()

    def _deliverable(self, key: int, pending: _Pending) -> bool:
        slot = pending.latest
        if slot is not None:
            newest = self._latest.get(slot)
            self._in_flight[slot] -= 1
            if self._in_flight[slot] == 0:
                del self._in_flight[slot], self._latest[slot]
            if newest != key:
                self.dropped += 1
                return False
        if pending.owner is not None and not shiboken6.isValid(pending.owner):
            self.dropped += 1
            return False
        return True

    def _deliver(self, pending: _Pending, result: Any, exc: BaseException | None) -> None:
        try:
            if exc is not None:
                if pending.on_error is None:
                    raise exc
                pending.on_error(exc)
            elif pending.on_done is not None:
                pending.on_done(result)
        except Exception as failure:  # reported, never lost in a slot
            log.error("background task failed", exc_info=failure)
            self.failed.emit(failure)

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """Block until the pool is idle (for shutdown and tests only)."""
        return bool(self._pool.waitForDone(timeout_ms))
