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
from app.domain.access import Action
from app.domain.deadlines import ReportingRules
from app.domain.rules import RosterPolicy, RuleViolation
from app.services.access import require

ROSTER_POLICY = "roster.policy"
REPORTING_RULES = "reporting.rules"


@dataclass(frozen=True, slots=True)
class VersionedPolicy:
    policy: RosterPolicy
    version: int  # 0: never saved (the defaults)


@dataclass(frozen=True, slots=True)
class VersionedReportingRules:
    rules: ReportingRules
    version: int  # 0: never saved (the defaults)


@dataclass(frozen=True, slots=True)
class OfficeRules:
    """Every rule the office sets for all seats, read together."""

    roster: VersionedPolicy
    reporting: VersionedReportingRules


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

    def reporting_rules(self) -> VersionedReportingRules:
        """The county's reporting deadlines (初报/续报/核报); the defaults until saved.

        A stored value that no longer parses falls back to the defaults rather
        than leaving every seat without deadlines.
        """
        with self._db.read_session() as s:
            row = s.scalars(
                select(OfficeSetting).where(OfficeSetting.key == REPORTING_RULES)
            ).first()
            if row is None:
                return VersionedReportingRules(ReportingRules(), 0)
            try:
                rules = ReportingRules.from_config(json.loads(row.value))
            except (ValueError, TypeError, KeyError, AttributeError):
                rules = ReportingRules()
            return VersionedReportingRules(rules, row.version)

    def rules(self) -> OfficeRules:
        return OfficeRules(self.roster_policy(), self.reporting_rules())

    def set_reporting_rules(
        self, rules: ReportingRules, expected_version: int, *, actor: str, site: str
    ) -> VersionedReportingRules:
        """Save the reporting deadlines for every seat.

        Raises ConflictError if another seat saved them since ``expected_version``.
        """
        require(self._db, Action.EDIT_RULES)
        version = self._save(REPORTING_RULES, rules.to_config(), expected_version, actor, site)
        return VersionedReportingRules(rules, version)

    def set_roster_policy(
        self, policy: RosterPolicy, expected_version: int, *, actor: str, site: str
    ) -> VersionedPolicy:
        """Save the policy; refuse (ConflictError) if another seat saved it meanwhile."""
        require(self._db, Action.EDIT_RULES)
        policy.check()
        version = self._save(ROSTER_POLICY, policy.to_dict(), expected_version, actor, site)
        return VersionedPolicy(policy, version)

    def _save(self, key: str, value: object, expected_version: int, actor: str, site: str) -> int:
        text = json.dumps(value, ensure_ascii=False)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            row = uow.session.scalars(select(OfficeSetting).where(OfficeSetting.key == key)).first()
            if row is None:
                if expected_version != 0:
                    raise ConflictError("office_setting", key, "deleted")
                row = OfficeSetting(id=uuid.uuid4(), key=key, value=text, updated_by=actor)
                uow.session.add(row)
            else:
                row = uow.get_current(OfficeSetting, row.id, expected_version)
                row.value = text
                row.updated_by = actor
            uow.commit()
            return row.version


__all__ = [
    "REPORTING_RULES",
    "ROSTER_POLICY",
    "OfficeRules",
    "OfficeSettings",
    "RuleViolation",
    "VersionedPolicy",
    "VersionedReportingRules",
]
