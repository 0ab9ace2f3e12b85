"""整改逾期: hazard sites whose rectification (整改) is past its deadline.

A rectification is overdue on the China-time calendar day after its deadline
(the deadline day itself is still in time): deadlines are set as dates by the
county, as in the rectification notices of 安全生产隐患排查治理. A site counts
when it is not retired, its deadline has passed, and the rectification is
still open: state 待整改 or 整改中, or no state recorded but a deadline set and
no day of completion (``rectified_on``). 无需整改 and 已整改 never count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select

from app.data.engine import Database
from app.data.models import HazardSite, Township
from app.domain.enums import RectificationState, RiskLevel

_OPEN_STATES = (RectificationState.PENDING.value, RectificationState.IN_PROGRESS.value)
_RISK_ORDER = {level.value: i for i, level in enumerate(RiskLevel)}  # red first


@dataclass(frozen=True, slots=True)
class OverdueRectification:
    """One overdue rectification; ``days_overdue`` >= 1 (days after the deadline)."""

    id: uuid.UUID
    name: str
    hazard_type: str  # HazardType code
    risk_level: str  # RiskLevel code
    township: str | None
    deadline: date
    days_overdue: int
    state: str | None  # RectificationState code, None when not recorded
    supervision: str | None  # Supervision code (督办)
    responsible_unit: str | None
    contact_name: str | None
    contact_phone: str | None
    lon: float | None
    lat: float | None


def _overdue_where(today: date) -> Any:
    return and_(
        HazardSite.retired_at.is_(None),
        HazardSite.rectification_deadline.is_not(None),
        HazardSite.rectification_deadline < today,
        or_(
            HazardSite.rectification_state.in_(_OPEN_STATES),
            and_(
                or_(
                    HazardSite.rectification_state.is_(None),
                    HazardSite.rectification_state == "",
                ),
                HazardSite.rectified_on.is_(None),
            ),
        ),
    )


class HazardWatch:
    """Overdue rectifications (one read session per call)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def overdue(self, today: date) -> list[OverdueRectification]:
        """Overdue rectifications on ``today`` (the China-time date, e.g.
        ``session.today()``): most days overdue first, then by risk level (red
        first), then by name."""
        with self._db.read_session() as s:
            rows = s.execute(
                select(
                    HazardSite.id,
                    HazardSite.name,
                    HazardSite.hazard_type,
                    HazardSite.risk_level,
                    Township.name.label("township"),
                    HazardSite.rectification_deadline,
                    HazardSite.rectification_state,
                    HazardSite.supervision,
                    HazardSite.responsible_unit,
                    HazardSite.contact_name,
                    HazardSite.contact_phone,
                    HazardSite.lon,
                    HazardSite.lat,
                )
                .outerjoin(Township, Township.id == HazardSite.township_id)
                .where(_overdue_where(today))
            ).all()
        out = [
            OverdueRectification(
                id=r.id,
                name=r.name,
                hazard_type=r.hazard_type,
                risk_level=r.risk_level,
                township=r.township,
                deadline=r.rectification_deadline,
                days_overdue=(today - r.rectification_deadline).days,
                state=r.rectification_state or None,
                supervision=r.supervision,
                responsible_unit=r.responsible_unit,
                contact_name=r.contact_name,
                contact_phone=r.contact_phone,
                lon=r.lon,
                lat=r.lat,
            )
            for r in rows
        ]
        out.sort(key=lambda o: (-o.days_overdue, _RISK_ORDER.get(o.risk_level, 99), o.name))
        return out

    def overdue_count(self, today: date) -> int:
        """How many rectifications are overdue on ``today`` (China-time date)."""
        with self._db.read_session() as s:
            return int(
                s.scalar(select(func.count()).select_from(HazardSite).where(_overdue_where(today)))
                or 0
            )
