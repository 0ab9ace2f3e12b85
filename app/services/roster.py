"""Read side of the duty roster."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from app.data.engine import Database
from app.data.models import DutyAssignment, DutyShift, Staff
from app.domain.enums import StaffRole
from app.domain.rules import StaffingRule
from app.services.dto import AssignmentDTO, ShiftDTO


class RosterService:
    def __init__(self, db: Database, staffing: StaffingRule | None = None) -> None:
        self._db = db
        self._staffing = staffing or StaffingRule()

    def shifts_between(self, start: datetime, end: datetime) -> list[ShiftDTO]:
        """Shifts overlapping [start, end), in time order, with their people."""
        with self._db.read_session() as s:
            shifts = s.scalars(
                select(DutyShift)
                .where(DutyShift.starts_at < end, DutyShift.ends_at > start)
                .order_by(DutyShift.starts_at)
            ).all()
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
            return [self._dto(sh, tuple(people[sh.id])) for sh in shifts]

    def on_duty(self, now: datetime) -> ShiftDTO | None:
        """The shift covering ``now`` (the later one if two overlap at handover)."""
        covering = self.shifts_between(now, now + timedelta(microseconds=1))
        return covering[-1] if covering else None

    def _dto(self, sh: DutyShift, people: tuple[AssignmentDTO, ...]) -> ShiftDTO:
        roles = [StaffRole(p.role) for p in people if p.role in StaffRole._value2member_map_]
        shortfall = {role.value: n for role, n in self._staffing.shortfall(roles).items()}
        return ShiftDTO(sh.id, sh.label, sh.starts_at, sh.ends_at, people, shortfall)
