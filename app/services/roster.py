"""The duty roster: reads for the on-duty card and the calendar, and its writes.

Every write goes through one :class:`UnitOfWork` (one transaction, one set of
change_log rows). Refusals are :class:`RuleViolation` with a ``code``:

- ``roster.shift_times``: a shift must end after it starts (aware times);
- ``roster.shift_exists``: a shift with the same start and end exists;
- ``roster.no_shift`` / ``roster.no_staff``: unknown shift or person;
- ``roster.staff_inactive``: the person is no longer active;
- ``roster.role``: only leaders on duty and duty officers are rostered;
- ``roster.already_assigned``: the person is already on the shift;
- ``roster.overlap``: the person is on another shift at the same time
  (``detail`` names it);
- ``roster.not_assigned``: the person is not on the shift;
- ``roster.week_not_empty``: copy_week's target week already has shifts;
- ``roster.empty_week``: copy_week's source week has no shifts;
- ``roster.agreed_by``: a swap needs who agreed to it.

Changing a shift's people (``assign``, ``unassign``, ``set_assignments``,
``swap``) is optimistic like any record edit: the caller passes the shift's
``version`` from the copy the user saw, and a shift changed since then is
refused with :class:`StaleShift` (the shift as it is now and who changed it
last). The assignment rows are children of the shift, so each such change
also UPDATEs the shift row, which bumps its version and puts a ``duty_shift``
row in change_log. The shift row is read ``FOR UPDATE`` first: of two seats
starting from the same version, the second waits for the first, then finds
the new version and is refused (SQLite serialises writers with ``BEGIN
IMMEDIATE``; the UPDATE's own version check stays as a second guard).
``expected_version=None`` skips the check, for callers that act on no copy
seen by a person; the change still bumps the version.
"""

from __future__ import annotations

import calendar as _calendar
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import (
    ChangeLog,
    DutyAssignment,
    DutyShift,
    DutySwap,
    Staff,
    Township,
)
from app.data.uow import ChangeSet, UnitOfWork
from app.domain.access import Action
from app.domain.clock import CHINA_TZ
from app.domain.enums import StaffRole
from app.domain.roster_checks import DEFAULT_HORIZON, Problem, check_roster
from app.domain.rules import RosterPolicy, RuleViolation, ShiftPattern, StaffingRule
from app.services.access import require
from app.services.dto import AssignmentDTO, LastChange, ShiftDTO, StaffDTO
from app.services.office import OfficeSettings

ROSTER_ROLES = frozenset({StaffRole.LEADER.value, StaffRole.OFFICER.value})

People = Mapping[uuid.UUID, str]  # staff id -> role on the shift


class StaleShift(ConflictError):
    """The shift's people changed after the user's copy was read.

    ``current`` is the shift as it is now (None if it is gone) and
    ``last_change`` who changed it, so the UI can say so instead of overwriting.
    """

    def __init__(self, current: ShiftDTO | None, last_change: LastChange | None) -> None:
        super().__init__(
            "duty_shift", str(current.id) if current else "", "changed by someone else"
        )
        self.current = current
        self.last_change = last_change


def rebase_people(seen: People, chosen: People, current: People) -> dict[uuid.UUID, str]:
    """The user's edits of a shift's people applied to the shift as it is now.

    ``chosen`` is what the user made of the copy ``seen``: whoever they added,
    removed or gave another role is taken from ``chosen``; everyone they left
    alone is as in ``current``. So a change another seat made in between is
    kept unless the user changed the same person.
    """
    out = dict(current)
    for staff_id in seen.keys() | chosen.keys():
        mine = chosen.get(staff_id)
        if mine == seen.get(staff_id):
            continue  # untouched by the user: theirs stands
        if mine is None:
            out.pop(staff_id, None)
        else:
            out[staff_id] = mine
    return out


@dataclass(frozen=True, slots=True)
class RosterChecks:
    """Problems of the roster in [start, end) (``check_roster``) and its shifts."""

    start: datetime
    end: datetime
    shifts: tuple[ShiftDTO, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class RosterPeriod:
    """The days of a calendar page (China time) and the shifts starting in them."""

    first_day: date
    days: int
    shifts: tuple[ShiftDTO, ...]

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def on_day(self, day: date) -> tuple[ShiftDTO, ...]:
        return tuple(s for s in self.shifts if s.starts_at.astimezone(CHINA_TZ).date() == day)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class RosterService:
    def __init__(
        self,
        db: Database,
        staffing: StaffingRule | None = None,
        pattern: ShiftPattern | None = None,
    ) -> None:
        """Roster reads and writes on ``db``.

        The shift pattern and minimum staffing are the office's (值班设置, read
        from the database at each call, so every seat applies the rules saved
        last), unless ``staffing`` / ``pattern`` fix them (imports, tools).
        """
        self._db = db
        self._fixed_staffing = staffing
        self._fixed_pattern = pattern

    def policy(self) -> RosterPolicy:
        """The rules in force: the fixed ones, else the office's (a database read)."""
        if self._fixed_staffing is not None and self._fixed_pattern is not None:
            return RosterPolicy(self._fixed_pattern, self._fixed_staffing)
        office = OfficeSettings(self._db).roster_policy().policy
        return RosterPolicy(
            self._fixed_pattern or office.pattern, self._fixed_staffing or office.staffing
        )

    def define_day(self, day: date, *, actor: str, site: str) -> list[uuid.UUID]:
        """The shifts of ``day`` by the office's pattern (all or nothing)."""
        require(self._db, Action.EDIT_ROSTER)
        ids: list[uuid.UUID] = []
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            pattern = self.policy().pattern
            for starts, ends, label in pattern.shifts_for_day(day, CHINA_TZ):
                exists = uow.session.scalar(
                    select(DutyShift.id).where(
                        DutyShift.starts_at == starts, DutyShift.ends_at == ends
                    )
                )
                if exists is not None:
                    raise RuleViolation("roster.shift_exists", label)
                shift = DutyShift(id=uuid.uuid4(), label=label, starts_at=starts, ends_at=ends)
                uow.session.add(shift)
                ids.append(shift.id)
            uow.commit()
        return ids

    @property
    def database(self) -> Database:
        return self._db

    # -- reads ----------------------------------------------------------------------
    def shifts_between(self, start: datetime, end: datetime) -> list[ShiftDTO]:
        """Shifts overlapping [start, end), in time order, with their people."""
        with self._db.read_session() as s:
            shifts = s.scalars(
                select(DutyShift)
                .where(DutyShift.starts_at < end, DutyShift.ends_at > start)
                .order_by(DutyShift.starts_at)
            ).all()
            return self._with_people(s, shifts)

    def shift(self, shift_id: uuid.UUID) -> ShiftDTO | None:
        """One shift with its people (and its version), or None if there is none."""
        with self._db.read_session() as s:
            sh = s.get(DutyShift, shift_id)
            return self._with_people(s, [sh])[0] if sh is not None else None

    def last_change(self, shift_id: uuid.UUID) -> LastChange | None:
        """Who last changed the shift (its people included), from change_log."""
        with self._db.read_session() as s:
            row = s.execute(
                select(ChangeLog.actor, ChangeLog.at, ChangeLog.origin_site)
                .where(ChangeLog.entity_type == "duty_shift", ChangeLog.entity_id == shift_id)
                .order_by(ChangeLog.seq.desc())
                .limit(1)
            ).first()
        return LastChange(row.actor, row.at, row.origin_site) if row else None

    def _with_people(self, s: Session, shifts: Sequence[DutyShift]) -> list[ShiftDTO]:
        ids = [sh.id for sh in shifts]
        people: dict[uuid.UUID, list[AssignmentDTO]] = {i: [] for i in ids}
        if ids:
            stmt = (
                select(DutyAssignment.shift_id, DutyAssignment.role, Staff)
                .join(Staff, Staff.id == DutyAssignment.staff_id)
                .where(DutyAssignment.shift_id.in_(ids))
                .order_by(DutyAssignment.role, Staff.name)
            )
            for shift_id, role, st in s.execute(stmt):
                people[shift_id].append(AssignmentDTO(st.id, st.name, role, st.phone, st.unit))
        staffing = self.policy().staffing
        return [self._dto(sh, tuple(people[sh.id]), staffing) for sh in shifts]

    def on_duty(self, now: datetime) -> ShiftDTO | None:
        """The shift covering ``now`` (the later one if two overlap at handover)."""
        covering = self.shifts_between(now, now + timedelta(microseconds=1))
        return covering[-1] if covering else None

    def staff(self, active_only: bool = True) -> list[StaffDTO]:
        """People who can be rostered, by name."""
        with self._db.read_session() as s:
            stmt = (
                select(Staff, Township.name)
                .outerjoin(Township, Township.id == Staff.township_id)
                .order_by(Staff.name)
            )
            if active_only:
                stmt = stmt.where(Staff.active.is_(True))
            return [
                StaffDTO(st.id, st.name, st.unit, st.phone, st.role, tname, st.post, st.active)
                for st, tname in s.execute(stmt)
            ]

    def period(self, first_day: date, days: int) -> RosterPeriod:
        """Shifts starting on ``days`` days from ``first_day`` (China time)."""
        start = local_midnight(first_day)
        end = local_midnight(first_day + timedelta(days=days))
        shifts = [s for s in self.shifts_between(start, end) if start <= s.starts_at < end]
        return RosterPeriod(first_day, days, tuple(shifts))

    def week(self, monday: date) -> RosterPeriod:
        return self.period(monday_of(monday), 7)

    def month(self, year: int, month: int) -> RosterPeriod:
        return self.period(date(year, month, 1), _calendar.monthrange(year, month)[1])

    def checks(self, now: datetime, horizon: timedelta = DEFAULT_HORIZON) -> RosterChecks:
        """Staffing, double bookings, short rests and gaps of [now, now + horizon)."""
        end = now + horizon
        shifts = self.shifts_between(now, end)
        problems = check_roster(shifts, now=now, rule=self.policy().staffing, horizon=horizon)
        return RosterChecks(now, end, tuple(shifts), tuple(problems))

    # -- writes ---------------------------------------------------------------------
    def define_shift(
        self, starts_at: datetime, ends_at: datetime, label: str, *, actor: str, site: str
    ) -> uuid.UUID:
        require(self._db, Action.EDIT_ROSTER)
        if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
            raise RuleViolation("roster.shift_times", f"{starts_at} - {ends_at}")
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            exists = uow.session.scalar(
                select(DutyShift.id).where(
                    DutyShift.starts_at == starts_at, DutyShift.ends_at == ends_at
                )
            )
            if exists is not None:
                raise RuleViolation("roster.shift_exists", label)
            shift = DutyShift(
                id=uuid.uuid4(), label=label[:32], starts_at=starts_at, ends_at=ends_at
            )
            uow.session.add(shift)
            uow.commit()
            return shift.id

    def assign(
        self,
        shift_id: uuid.UUID,
        staff_id: uuid.UUID,
        role: str,
        *,
        actor: str,
        site: str,
        expected_version: int | None = None,
    ) -> ChangeSet:
        require(self._db, Action.EDIT_ROSTER)

        def change(s: Session, shift: DutyShift) -> bool:
            self._add(s, shift, staff_id, role)
            return True

        return self._change_people(shift_id, expected_version, change, actor=actor, site=site)

    def unassign(
        self,
        shift_id: uuid.UUID,
        staff_id: uuid.UUID,
        *,
        actor: str,
        site: str,
        expected_version: int | None = None,
    ) -> ChangeSet:
        require(self._db, Action.EDIT_ROSTER)

        def change(s: Session, _shift: DutyShift) -> bool:
            s.delete(self._assignment(s, shift_id, staff_id))
            return True

        return self._change_people(shift_id, expected_version, change, actor=actor, site=site)

    def set_assignments(
        self,
        shift_id: uuid.UUID,
        wanted: People,
        *,
        actor: str,
        site: str,
        expected_version: int | None = None,
    ) -> ChangeSet:
        """Make the shift's people exactly ``wanted`` (staff id -> role), all or nothing.

        This is what the assign dialog shows when the user saves; after a refusal
        the dialog offers :func:`rebase_people` of the user's edits on the
        current shift, and saving that (with the current version) sets exactly
        that list. Nothing is written when ``wanted`` is already the shift's
        people.
        """
        require(self._db, Action.EDIT_ROSTER)

        def change(s: Session, shift: DutyShift) -> bool:
            current = {
                a.staff_id: a
                for a in s.scalars(
                    select(DutyAssignment).where(DutyAssignment.shift_id == shift_id)
                )
            }
            if {k: a.role for k, a in current.items()} == dict(wanted):
                return False
            for staff_id, row in current.items():
                if staff_id not in wanted:
                    s.delete(row)
                elif row.role != wanted[staff_id]:
                    self._check_role(wanted[staff_id])
                    row.role = wanted[staff_id]
            s.flush()
            for staff_id, role in wanted.items():
                if staff_id not in current:
                    self._add(s, shift, staff_id, role)
            return True

        return self._change_people(shift_id, expected_version, change, actor=actor, site=site)

    def swap(
        self,
        shift_id: uuid.UUID,
        from_staff_id: uuid.UUID,
        to_staff_id: uuid.UUID,
        agreed_by: str,
        reason: str | None = None,
        *,
        actor: str,
        site: str,
        expected_version: int | None = None,
    ) -> ChangeSet:
        """``to_staff_id`` takes over ``from_staff_id``'s duty on the shift (same role);
        the swap is recorded with who agreed, in the same transaction."""
        require(self._db, Action.EDIT_ROSTER)
        agreed_by = agreed_by.strip()
        if not agreed_by:
            raise RuleViolation("roster.agreed_by")

        def change(s: Session, shift: DutyShift) -> bool:
            row = self._assignment(s, shift_id, from_staff_id)
            role = row.role
            s.delete(row)
            s.flush()
            self._add(s, shift, to_staff_id, role)
            s.add(
                DutySwap(
                    id=uuid.uuid4(),
                    shift_id=shift_id,
                    from_staff_id=from_staff_id,
                    to_staff_id=to_staff_id,
                    agreed_by=agreed_by[:64],
                    reason=(reason or "").strip()[:256] or None,
                    recorded_by=actor[:64],
                )
            )
            return True

        return self._change_people(shift_id, expected_version, change, actor=actor, site=site)

    def copy_week(self, from_monday: date, to_monday: date, *, actor: str, site: str) -> int:
        """Copy the shifts starting in one week (China time), with their active people,
        to another week. Refuses, writing nothing, if the target week has any shift or
        a copied person would be on two shifts at once. Returns the shifts created."""
        require(self._db, Action.EDIT_ROSTER)
        from_monday, to_monday = monday_of(from_monday), monday_of(to_monday)
        if from_monday == to_monday:
            raise RuleViolation("roster.week_not_empty", to_monday.isoformat())
        src_start, dst_start = local_midnight(from_monday), local_midnight(to_monday)
        week = timedelta(days=7)
        offset = to_monday - from_monday
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            taken = s.scalar(
                select(DutyShift.id)
                .where(DutyShift.starts_at >= dst_start, DutyShift.starts_at < dst_start + week)
                .limit(1)
            )
            if taken is not None:
                raise RuleViolation("roster.week_not_empty", to_monday.isoformat())
            sources = s.scalars(
                select(DutyShift)
                .where(DutyShift.starts_at >= src_start, DutyShift.starts_at < src_start + week)
                .order_by(DutyShift.starts_at)
            ).all()
            if not sources:
                raise RuleViolation("roster.empty_week", from_monday.isoformat())
            people = s.execute(
                select(DutyAssignment.shift_id, DutyAssignment.staff_id, DutyAssignment.role)
                .join(Staff, Staff.id == DutyAssignment.staff_id)
                .where(
                    DutyAssignment.shift_id.in_([sh.id for sh in sources]),
                    Staff.active.is_(True),
                )
            ).all()
            shift_rows: list[dict[str, Any]] = []
            spans: dict[uuid.UUID, tuple[datetime, datetime]] = {}
            for sh in sources:
                starts = _shift_local(sh.starts_at, offset)
                ends = _shift_local(sh.ends_at, offset)
                clash = s.scalar(
                    select(DutyShift.label).where(
                        DutyShift.starts_at == starts, DutyShift.ends_at == ends
                    )
                )
                if clash is not None:
                    raise RuleViolation("roster.shift_exists", clash)
                new_id = uuid.uuid4()
                spans[sh.id] = (starts, ends)
                shift_rows.append(
                    {
                        "id": new_id,
                        "label": _relabel(sh.label, sh.starts_at, starts),
                        "starts_at": starts,
                        "ends_at": ends,
                        "is_demo": False,
                    }
                )
            new_ids = {sh.id: row["id"] for sh, row in zip(sources, shift_rows, strict=True)}
            names: dict[uuid.UUID, str] = {}
            if people:
                wanted = {p.staff_id for p in people}
                for sid, name in s.execute(
                    select(Staff.id, Staff.name).where(Staff.id.in_(wanted))
                ):
                    names[sid] = name
            for source_id, staff_id, _role in people:
                starts, ends = spans[source_id]
                other = self._overlapping(s, staff_id, starts, ends, None)
                if other is not None:
                    raise RuleViolation("roster.overlap", f"{names.get(staff_id, '')}: {other}")
            uow.bulk_insert(DutyShift, shift_rows)
            uow.bulk_insert(
                DutyAssignment,
                [
                    {"shift_id": new_ids[sid], "staff_id": staff_id, "role": role}
                    for sid, staff_id, role in people
                ],
            )
            uow.commit()
            return len(shift_rows)

    # -- helpers --------------------------------------------------------------------
    def _change_people(
        self,
        shift_id: uuid.UUID,
        expected_version: int | None,
        change: Callable[[Session, DutyShift], bool],
        *,
        actor: str,
        site: str,
    ) -> ChangeSet:
        """Run ``change`` on the locked shift in one unit of work; it returns whether it
        changed anything. A stale ``expected_version`` becomes :class:`StaleShift`."""
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                s = uow.session
                # Locked first: a second seat waits here, then reads the new version.
                shift = s.get(DutyShift, shift_id, with_for_update=True)
                if shift is None:
                    raise RuleViolation("roster.no_shift", str(shift_id))
                if expected_version is not None:
                    uow.get_current(DutyShift, shift_id, expected_version)
                if change(s, shift):
                    self._touch(s, shift)
                return uow.commit()
        except ConflictError as exc:
            raise self._stale(shift_id) from exc

    @staticmethod
    def _touch(s: Session, shift: DutyShift) -> None:
        """UPDATE the shift row (its people changed): the version goes up, checked
        against the one read, and change_log gets the shift with this actor."""
        # Rewriting a column unchanged forces the UPDATE; updated_at comes from its
        # onupdate default, the new version from version_id_col.
        flag_modified(shift, "label")
        shift_id = shift.id  # the object is expired once a flush fails
        try:
            s.flush()
        except StaleDataError as exc:
            raise ConflictError("duty_shift", str(shift_id), str(exc)) from exc

    def _stale(self, shift_id: uuid.UUID) -> StaleShift:
        return StaleShift(self.shift(shift_id), self.last_change(shift_id))

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROSTER_ROLES:
            raise RuleViolation("roster.role", role)

    @staticmethod
    def _assignment(s: Session, shift_id: uuid.UUID, staff_id: uuid.UUID) -> DutyAssignment:
        row = s.scalar(
            select(DutyAssignment).where(
                DutyAssignment.shift_id == shift_id, DutyAssignment.staff_id == staff_id
            )
        )
        if row is None:
            raise RuleViolation("roster.not_assigned", str(staff_id))
        return row

    @staticmethod
    def _overlapping(
        s: Session,
        staff_id: uuid.UUID,
        starts_at: datetime,
        ends_at: datetime,
        except_shift: uuid.UUID | None,
    ) -> str | None:
        """The label of a shift of ``staff_id`` overlapping [starts_at, ends_at), if any."""
        conditions = [
            DutyAssignment.staff_id == staff_id,
            DutyShift.starts_at < ends_at,
            DutyShift.ends_at > starts_at,
        ]
        if except_shift is not None:
            conditions.append(DutyShift.id != except_shift)
        return s.scalar(
            select(DutyShift.label)
            .join(DutyAssignment, DutyAssignment.shift_id == DutyShift.id)
            .where(and_(*conditions))
            .limit(1)
        )

    def _add(self, s: Session, shift: DutyShift, staff_id: uuid.UUID, role: str) -> None:
        self._check_role(role)
        person = s.get(Staff, staff_id)
        if person is None:
            raise RuleViolation("roster.no_staff", str(staff_id))
        if not person.active:
            raise RuleViolation("roster.staff_inactive", person.name)
        on_shift = s.scalar(
            select(DutyAssignment.id).where(
                DutyAssignment.shift_id == shift.id, DutyAssignment.staff_id == staff_id
            )
        )
        if on_shift is not None:
            raise RuleViolation("roster.already_assigned", person.name)
        other = self._overlapping(s, staff_id, shift.starts_at, shift.ends_at, shift.id)
        if other is not None:
            raise RuleViolation("roster.overlap", f"{person.name}: {other}")
        s.add(DutyAssignment(id=uuid.uuid4(), shift_id=shift.id, staff_id=staff_id, role=role))
        s.flush()

    @staticmethod
    def _dto(sh: DutyShift, people: tuple[AssignmentDTO, ...], staffing: StaffingRule) -> ShiftDTO:
        roles = [StaffRole(p.role) for p in people if p.role in StaffRole._value2member_map_]
        shortfall = {role.value: n for role, n in staffing.shortfall(roles).items()}
        return ShiftDTO(
            sh.id, sh.label, sh.starts_at, sh.ends_at, people, shortfall, version=sh.version
        )


def _shift_local(moment: datetime, offset: timedelta) -> datetime:
    """``moment`` moved by whole days on the local wall clock."""
    local = moment.astimezone(CHINA_TZ)
    return datetime.combine(local.date() + offset, local.timetz().replace(tzinfo=None), CHINA_TZ)


def _relabel(label: str, old_start: datetime, new_start: datetime) -> str:
    """Labels like "12月1日 值班" name their day: rename it for the copy."""
    old = old_start.astimezone(CHINA_TZ)
    new = new_start.astimezone(CHINA_TZ)
    prefix = f"{old.month}月{old.day}日"
    if label.startswith(prefix):
        return (f"{new.month}月{new.day}日" + label[len(prefix) :])[:32]
    return label[:32]
