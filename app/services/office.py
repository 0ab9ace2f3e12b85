"""Rules the office sets once for every seat, kept in the database (office_setting)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import OfficeSetting
from app.data.uow import UnitOfWork
from app.domain.rules import RosterPolicy, RuleViolation

ROSTER_POLICY = "roster.policy"


@dataclass(frozen=True, slots=True)
class VersionedPolicy:
    policy: RosterPolicy
    version: int  # 0: never saved (the defaults)


class OfficeSettings:
    def __init__(self, db: Database) -> None:
        self._db = db

    def roster_policy(self) -> VersionedPolicy:
        with self._db.read_session() as s:
            row = s.scalars(select(OfficeSetting).where(OfficeSetting.key == ROSTER_POLICY)).first()
            if row is None:
                return VersionedPolicy(RosterPolicy(), 0)
            try:
                return VersionedPolicy(RosterPolicy.from_dict(json.loads(row.value)), row.version)
            except (ValueError, TypeError, KeyError):
                return VersionedPolicy(RosterPolicy(), row.version)

    def set_roster_policy(
        self, policy: RosterPolicy, expected_version: int, *, actor: str, site: str
    ) -> VersionedPolicy:
        """Save the policy; refuse (ConflictError) if another seat saved it meanwhile."""
        policy.check()
        text = json.dumps(policy.to_dict(), ensure_ascii=False)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            row = uow.session.scalars(
                select(OfficeSetting).where(OfficeSetting.key == ROSTER_POLICY)
            ).first()
            if row is None:
                if expected_version != 0:
                    raise ConflictError("office_setting", ROSTER_POLICY, "deleted")
                row = OfficeSetting(
                    id=uuid.uuid4(), key=ROSTER_POLICY, value=text, updated_by=actor
                )
                uow.session.add(row)
            else:
                row = uow.get_current(OfficeSetting, row.id, expected_version)
                row.value = text
                row.updated_by = actor
            uow.commit()
            return VersionedPolicy(policy, row.version)


__all__ = ["ROSTER_POLICY", "OfficeSettings", "RuleViolation", "VersionedPolicy"]
