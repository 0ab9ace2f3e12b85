"""The application session: what every window and panel of one running program shares.

One :class:`AppSession` per database connection owns the services, the
identity (who and which seat), the clock, the task runner, the live change
feed and its routing, the connection state, the office rules and the
overdue-report watch. ``bootstrap`` builds it; windows and panels take it in
their constructor and subscribe to what concerns them::

    session.subscribe({"incident", "incident_log_entry"}, self._on_incidents_changed,
                      owner=self)
    session.reloaded.connect(self.refresh)

A change committed anywhere (this seat, another seat, another process) flows
``change_log`` -> :class:`~app.live.feed.ChangeListener` (PostgreSQL NOTIFY or
SQLite ``data_version``) -> :class:`~app.ui.live.LiveUpdates` ->
``AppSession.changes_arrived`` -> each subscription, gathered for a moment
and delivered once per burst on the GUI thread. A second window is one more
subscriber: nothing in another window has to change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.errors import classify
from app.data.uow import ChangeRecord
from app.domain.access import Action
from app.domain.clock import CHINA_TZ, Clock, china_date
from app.domain.deadlines import Deadline, ReportingRules
from app.domain.identity import Identity, set_operator
from app.domain.rules import RosterPolicy
from app.services.access import NotPermitted
from app.services.catalog import Services
from app.services.dto import IncidentDTO, StatusDTO
from app.services.office import OfficeRules, VersionedPolicy, VersionedReportingRules
from app.ui.live import LiveUpdates
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# Bursts of changes are gathered for this long before subscribers hear of them.
CHANGE_DELAY_MS = 150
# How often the overdue reports are read again (also after incident changes).
OVERDUE_REFRESH_MS = 60_000

INCIDENT_ENTITIES = frozenset({"incident", "incident_log_entry", "township"})
ROSTER_ENTITIES = frozenset(
    {"staff", "duty_shift", "duty_assignment", "duty_swap", "office_setting"}
)

Overdue = tuple[tuple[IncidentDTO, Deadline], ...]


class _Subscription(QObject):
    """Gathers the records of interest and calls back once per burst.

    A child of its owner: when the owner is deleted the subscription goes with
    it, and Qt disconnects it from the session. Once the session is closed it
    calls back no more (a burst still gathering is dropped).
    """

    def __init__(
        self,
        owner: QObject,
        entity_types: frozenset[str] | None,
        callback: Callable[[list[ChangeRecord]], None],
        delay_ms: int,
        is_open: Callable[[], bool],
    ) -> None:
        super().__init__(owner)
        self._types = entity_types
        self._callback = callback
        self._is_open = is_open
        self._records: list[ChangeRecord] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @Slot(list)
    def on_changes(self, records: list[ChangeRecord]) -> None:
        wanted = [r for r in records if self._types is None or r.entity_type in self._types]
        if not wanted:
            return
        self._records.extend(wanted)
        if self._timer.interval() == 0:
            self._on_timer_timeout()
        elif not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        records, self._records = self._records, []
        if records and self._is_open():
            self._callback(records)


class AppSession(QObject):
    """Services, identity, clock, live changes, connection, rules and alarms of one database."""

    reloaded = Signal()  # read everything again (start, F5, after a reconnection)
    changes_arrived = Signal(list)  # list[ChangeRecord], every committed change, in order
    status_changed = Signal(object)  # StatusDTO
    connection_changed = Signal(bool)  # True: connected
    rules_changed = Signal(object)  # OfficeRules
    overdue_changed = Signal(object)  # Overdue: missed reporting deadlines
    problem_reported = Signal(str)  # a sentence for a status line
    operator_changed = Signal(object)  # Identity: someone else signed in at this seat
    locked_changed = Signal(bool)  # True: the seat is locked (forms stay open behind it)

    def __init__(
        self,
        db: Database,
        identity: Identity,
        runner: TaskRunner,
        *,
        services: Services | None = None,
        live: LiveUpdates | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.identity = identity
        self.locked = False
        # Writes started from this thread (and tasks submitted from it) are signed
        # by the operator; a person at the seat, or the program for a test seat.
        set_operator(identity if identity.staff_id is not None else None)
        self.runner = runner
        self.services = services or Services.on(db)
        self.clock: Clock = db.clock
        self.live = live or LiveUpdates(db, self)
        self.connected: bool | None = None
        self.status: StatusDTO | None = None
        self.rules = OfficeRules(
            VersionedPolicy(RosterPolicy(), 0), VersionedReportingRules(ReportingRules(), 0)
        )
        self.overdue: Overdue = ()
        # Demo rows count in the overdue watch only when this seat asks for them.
        self.include_demo = False
        self._overdue_busy = False
        self._overdue_again = False
        self._closed = False

        self.live.changes_arrived.connect(self._on_live_changes_arrived)
        self.live.connection_changed.connect(self._on_live_connection_changed)
        self._overdue_timer = QTimer(self)
        self._overdue_timer.setInterval(OVERDUE_REFRESH_MS)
        self._overdue_timer.timeout.connect(self.refresh_overdue)
        self.subscribe(None, self._on_any_change, owner=self)
        self.subscribe({"office_setting"}, lambda _r: self._load_rules(), owner=self)
        self.subscribe(INCIDENT_ENTITIES, lambda _r: self.refresh_overdue(), owner=self)

    # -- what the session is ------------------------------------------------------
    def is_open(self) -> bool:
        """False once :meth:`close` ran: nothing is loaded or delivered any more."""
        return not self._closed

    @property
    def where(self) -> str:
        """The database as people read it: a file path or host:port/database."""
        return self.db.info.display

    @property
    def backend(self) -> str:
        return self.db.backend

    @property
    def url(self) -> URL:
        return self.db.url

    @property
    def user(self) -> str:
        return self.identity.user

    @property
    def site(self) -> str:
        return self.identity.site

    @property
    def operator(self) -> Identity:
        return self.identity

    def may(self, action: Action) -> bool:
        """Whether the person at the seat may make writes of kind ``action`` (a
        person with no staff id is the program: a seat used by tests and tools)."""
        return self.identity.staff_id is None or self.identity.may(action)

    def switch_operator(self, identity: Identity) -> None:
        """Someone else signed in at this seat (or the same person again after a
        lock): writes from now on are theirs; every window is told."""
        self.identity = identity
        set_operator(identity if identity.staff_id is not None else None)
        self.operator_changed.emit(identity)

    def set_locked(self, locked: bool) -> None:
        if locked != self.locked:
            self.locked = locked
            self.locked_changed.emit(locked)

    def now(self) -> datetime:
        """The current moment (UTC) from the session's clock."""
        return self.clock()

    def today(self) -> date:
        """Today in China (the calendar day)."""
        return china_date(self.clock())

    def duty_day(self) -> date:
        """The duty day now: before the office's handover time it is still yesterday."""
        return self.rules.roster.policy.pattern.duty_day(self.clock(), CHINA_TZ)

    # -- subscriptions -------------------------------------------------------------
    def subscribe(
        self,
        entity_types: Iterable[str] | None,
        callback: Callable[[list[ChangeRecord]], None],
        *,
        owner: QObject,
        delay_ms: int = CHANGE_DELAY_MS,
    ) -> None:
        """Call ``callback(records)`` on the GUI thread after changes to ``entity_types``
        (None: every change), once per burst gathered for ``delay_ms``.

        The subscription lives as long as ``owner``.
        """
        types = frozenset(entity_types) if entity_types is not None else None
        subscription = _Subscription(owner, types, callback, delay_ms, self.is_open)
        self.changes_arrived.connect(subscription.on_changes)

    # -- loading -------------------------------------------------------------------
    def reload(self) -> None:
        """Read the status, then tell every subscriber to read its data again.

        The latest change sequence is read first; the live feed then delivers
        everything after it, so a change that lands while the panels load is
        applied afterwards, never missed.
        """
        if self._closed:
            return
        self.runner.submit(
            self.services.overview.status,
            on_done=self._on_reload_status_read,
            on_error=self.report_failure,
            owner=self,
        )

    def _on_reload_status_read(self, status: StatusDTO) -> None:
        self._apply_status(status)
        self._load_rules()
        if not self.live.running and not self._closed:
            self.live.start(status.last_seq)
        if not self._overdue_timer.isActive() and not self._closed:
            self._overdue_timer.start()
        self.reloaded.emit()
        self.refresh_overdue()

    def _apply_status(self, status: StatusDTO) -> None:
        self._set_connected(True)
        self.status = status
        self.status_changed.emit(status)

    def _on_any_change(self, _records: list[ChangeRecord]) -> None:
        self.runner.submit(
            self.services.overview.status,
            on_done=self._apply_status,
            on_error=self.report_failure,
            owner=self,
            latest="status",
        )

    # -- office rules --------------------------------------------------------------
    def _load_rules(self) -> None:
        self.runner.submit(
            self.services.office.rules,
            on_done=self._on_rules_read,
            on_error=self.report_failure,
            owner=self,
            latest="rules",
        )

    def _on_rules_read(self, rules: OfficeRules) -> None:
        if rules == self.rules:
            return
        reporting_changed = rules.reporting != self.rules.reporting
        self.rules = rules
        self.rules_changed.emit(rules)
        if reporting_changed:
            self.refresh_overdue()

    # -- overdue reports -------------------------------------------------------------
    def set_include_demo(self, include: bool) -> None:
        """Count demo incidents in the overdue watch (off: real work only)."""
        if include != self.include_demo:
            self.include_demo = include
            self.refresh_overdue()

    def refresh_overdue(self) -> None:
        """Read the missed reporting deadlines off the GUI thread (one read at a time)."""
        if self._closed:
            return
        if self._overdue_busy:
            self._overdue_again = True
            return
        self._overdue_busy = True
        workflow, rules, now = self.services.workflow, self.rules.reporting.rules, self.now()
        include_demo = self.include_demo
        self.runner.submit(
            lambda: tuple(workflow.overdue(rules, now, include_demo=include_demo)),
            on_done=self._on_overdue_read,
            on_error=self._on_overdue_failed,
            owner=self,
        )

    def _on_overdue_read(self, found: Overdue) -> None:
        self._overdue_busy = False
        self.overdue = found
        self.overdue_changed.emit(found)
        self._overdue_next()

    def _on_overdue_failed(self, exc: BaseException) -> None:
        self._overdue_busy = False
        self.report_failure(exc)
        self._overdue_next()

    def _overdue_next(self) -> None:
        if self._overdue_again:
            self._overdue_again = False
            self.refresh_overdue()

    # -- connection and failures -------------------------------------------------------
    def _on_live_changes_arrived(self, records: list[ChangeRecord]) -> None:
        self.changes_arrived.emit(records)

    def _on_live_connection_changed(self, ok: bool, exc: BaseException | None) -> None:
        was_lost = self.connected is False
        self._set_connected(ok)
        if not ok and exc is not None:
            self.problem_reported.emit(self.failure_text(exc))
        if ok and was_lost:
            # The feed catches up by itself; reload what failed while we were away.
            self.reload()

    def _set_connected(self, ok: bool) -> None:
        if ok != self.connected:
            self.connected = ok
            self.connection_changed.emit(ok)

    def failure_text(self, exc: BaseException) -> str:
        """What to tell people about ``exc`` (a database problem, or a fault of the program)."""
        problem = classify(exc)
        return problem_text(problem, self.where) if problem else unexpected_text(exc)

    def report_failure(self, exc: BaseException) -> None:
        """A background read failed: say so, and mark the connection lost if it is."""
        problem = classify(exc)
        if problem is None and not isinstance(exc, NotPermitted):
            log.error("background work failed", exc_info=exc)
        self.problem_reported.emit(self.failure_text(exc))
        if problem is not None and problem.is_connection:
            self._set_connected(False)

    # -- shutdown --------------------------------------------------------------------
    def close(self) -> None:
        """Stop the feed and the timers; wait for background work to finish."""
        self._closed = True
        self._overdue_timer.stop()
        self.live.stop()
        self.runner.wait_idle(10000)
