"""What the map and the resource lists need to read, one read at a time, in order.

A full reload and the diffs that follow it must land in the order they were
asked for (a late full read must never overwrite a newer diff), so reads are
queued here and run one after another on the task runner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal

from app.data.uow import ChangeRecord
from app.services.dto import MapChanges
from app.services.overview import OverviewService
from app.ui.map.payload import PreparedMap
from app.ui.map.payload import prepare as prepare_map
from app.ui.tasks import TaskRunner


class MapUpdates(QObject):
    data_read = Signal(object)  # PreparedMap: everything, to replace what is shown
    changes_read = Signal(object)  # MapChanges: rows to add, replace or remove
    failed = Signal(object)  # the exception; a full reload follows the next request

    def __init__(
        self,
        runner: TaskRunner,
        overview: OverviewService,
        today: Callable[[], date],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._overview = overview
        self._today = today
        self._busy = False
        self._reload = False
        self._pending: list[ChangeRecord] = []
        self.seq = 0  # the change_log sequence the last read brought us up to

    def reload(self) -> None:
        self._reload = True
        self._pending.clear()
        self._pump()

    def add(self, records: list[ChangeRecord]) -> None:
        self._pending.extend(records)
        self._pump()

    def _pump(self) -> None:
        if self._busy:
            return
        today, overview = self._today(), self._overview
        if self._reload:
            self._reload = False
            self._busy = True
            self._runner.submit(
                lambda: (overview.last_seq(), prepare_map(overview.map_data(today))),
                on_done=self._on_data_read,
                on_error=self._on_failed,
            )
        elif self._pending:
            records, self._pending = self._pending, []
            self._busy = True
            self._runner.submit(
                lambda: overview.map_changes(records, today),
                on_done=self._on_changes_read,
                on_error=self._on_failed,
            )

    def _on_data_read(self, result: tuple[int, PreparedMap]) -> None:
        self._busy = False
        self.seq, prepared = result
        self.data_read.emit(prepared)
        self._pump()

    def _on_changes_read(self, changes: MapChanges | None) -> None:
        self._busy = False
        if changes is None:  # places changed: read everything again
            self._reload = True
        else:
            if not changes.is_empty():
                self.changes_read.emit(changes)
            self.seq = max(self.seq, changes.up_to_seq)
        self._pump()

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._reload = True  # read everything again once the database is back
        self.failed.emit(exc)
