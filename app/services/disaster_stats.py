"""Natural-disaster statistics (自然灾害情况统计): figures per incident, totals, and
the time until basic living assistance reached the people who need it.

Each report of figures is a new ``incident_statistics`` row (the table is
append-only); the latest row (by ``at``, then commit order) holds an incident's
current figures. Recording figures also appends a ``statistics`` entry to the
incident's log with a short summary, in the same transaction.

Totals add up each incident's current figures. Incidents are chosen by the
time they were received (``received_at``), drills are left out, so is demo
data unless asked for (``include_demo``), and days are counted in China
Standard Time. The plan's target: basic living assistance
within 10 hours of the report (接报).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import classify
from app.data.models import (
    ChangeLog,
    Incident,
    IncidentLogEntry,
    IncidentStatistics,
    Township,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.clock import CHINA_TZ
from app.domain.enums import IncidentCategory, LogEntryKind
from app.domain.intake import CLOCK_SKEW
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation
from app.services.access import require

ASSISTANCE_TARGET = timedelta(hours=10)
GroupBy = Literal["day", "type", "township"]


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of 自然灾害情况统计 (people and houses as counts, areas in
    hectares, the loss in 10,000 yuan)."""

    affected_population: int = 0  # 受灾人口
    deaths: int = 0  # 因灾死亡
    missing: int = 0  # 因灾失踪
    relocated: int = 0  # 紧急转移安置
    need_assistance: int = 0  # 需紧急生活救助
    houses_collapsed: int = 0  # 倒塌房屋
    houses_severely_damaged: int = 0  # 严重损坏房屋
    houses_generally_damaged: int = 0  # 一般损坏房屋
    crops_affected_ha: float = 0.0  # 农作物受灾面积
    crops_damaged_ha: float = 0.0  # 农作物成灾面积
    crops_lost_ha: float = 0.0  # 农作物绝收面积
    direct_loss_10k_yuan: float = 0.0  # 直接经济损失 (万元)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{name: getattr(self, name) + getattr(other, name) for name in FIGURE_FIELDS}
        )


FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figures))
COUNT_FIELDS: tuple[str, ...] = FIGURE_FIELDS[:8]
AMOUNT_FIELDS: tuple[str, ...] = FIGURE_FIELDS[8:]


def validate_figures(figures: Figures) -> None:
    """Raise RuleViolation when the figures cannot be right.

    Codes: ``stats.negative`` / ``stats.not_a_number`` (detail: the field),
    ``stats.crops_damaged_exceeds_affected``, ``stats.crops_lost_exceeds_damaged``.
    """
    for name in FIGURE_FIELDS:
        value = getattr(figures, name)
        if isinstance(value, float) and not math.isfinite(value):
            raise RuleViolation("stats.not_a_number", name)
        if value < 0:
            raise RuleViolation("stats.negative", name)
    if figures.crops_damaged_ha > figures.crops_affected_ha:
        raise RuleViolation("stats.crops_damaged_exceeds_affected")
    if figures.crops_lost_ha > figures.crops_damaged_ha:
        raise RuleViolation("stats.crops_lost_exceeds_damaged")


def summary(figures: Figures, assistance_delivered: bool) -> str:
    """The log entry's text: the figures that are not zero, in Chinese."""
    parts = []
    for name in FIGURE_FIELDS:
        value = getattr(figures, name)
        if value:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            # The log is the county's record: Chinese whatever the display language is.
            name_zh = label(Family.FIGURE, name, "zh_CN")
            unit_zh = label(Family.FIGURE_UNIT, name, "zh_CN")
            parts.append(f"{name_zh} {shown} {unit_zh}")
    text = "灾情统计:" + ("，".join(parts) if parts else "暂无损失")
    if assistance_delivered:
        text += "；基本生活救助已到位"
    return text


@dataclass(frozen=True, slots=True)
class AggregateRow:
    """Totals of one group: ``key`` is the day (ISO date, China time), the
    incident type code or the township id (``""`` when not known); ``name`` is
    the township's name when grouping by township."""

    key: str
    name: str | None
    incidents: int
    figures: Figures


@dataclass(frozen=True, slots=True)
class AssistanceTime:
    """Time from 接报 to the first statistics report that records basic living
    assistance delivered. Not delivered yet: ``delivered_at`` is None and
    ``hours`` counts until ``now``; ``met_target`` is None while the 10 hours
    are not over, False once they are."""

    incident_id: uuid.UUID
    title: str
    incident_type: str
    received_at: datetime
    delivered_at: datetime | None
    hours: float
    met_target: bool | None


@dataclass(frozen=True, slots=True)
class _Incident:
    id: uuid.UUID
    title: str
    incident_type: str
    received_at: datetime
    township_id: uuid.UUID | None
    township_name: str | None


class DisasterStats:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- writes ---------------------------------------------------------------

    def record(
        self,
        incident_id: uuid.UUID,
        figures: Figures,
        *,
        actor: str,
        site: str,
        at: datetime,
        assistance_delivered: bool = False,
    ) -> uuid.UUID:
        """Record the incident's current figures (and a log entry); returns the row id.

        Raises RuleViolation (nothing written): the codes of
        :func:`validate_figures`, ``stats.not_natural`` for an incident that is
        not a natural disaster, ``incident.unknown``, ``time.naive``,
        ``time.future``, ``time.before_received``.
        """
        require(self._db, Action.RECORD_STATISTICS)
        validate_figures(figures)
        if at.tzinfo is None or at.utcoffset() is None:
            raise RuleViolation("time.naive", "a time without a timezone")
        if at > self._db.clock() + CLOCK_SKEW:
            raise RuleViolation("time.future", at.isoformat())
        row_id = uuid.uuid4()
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                incident = uow.session.get(Incident, incident_id)
                if incident is None:
                    raise RuleViolation("incident.unknown", str(incident_id))
                if incident.category != IncidentCategory.NATURAL.value:
                    raise RuleViolation("stats.not_natural", incident.category)
                if at < incident.received_at:
                    raise RuleViolation("time.before_received", at.isoformat())
                uow.session.add(
                    IncidentStatistics(
                        id=row_id,
                        incident_id=incident_id,
                        at=at,
                        actor=actor,
                        assistance_delivered=assistance_delivered,
                        **asdict(figures),
                    )
                )
                uow.session.add(
                    IncidentLogEntry(
                        incident_id=incident_id,
                        kind=LogEntryKind.STATISTICS.value,
                        body=summary(figures, assistance_delivered),
                        at=at,
                        actor=actor,
                    )
                )
                uow.commit()
        except sa_exc.SQLAlchemyError as exc:
            problem = classify(exc)
            if problem is None:
                raise
            raise problem from exc
        return row_id

    # ---- reads ----------------------------------------------------------------

    def current(self, incident_id: uuid.UUID) -> Figures | None:
        """The incident's latest figures; None when none were recorded."""
        with self._db.read_session() as s:
            rows = _statistics(s, [incident_id]).get(incident_id, [])
        return _figures(rows[-1]) if rows else None

    def assistance_delivered(self, incident_id: uuid.UUID) -> bool:
        """Whether any report of the incident recorded the assistance delivered."""
        with self._db.read_session() as s:
            rows = _statistics(s, [incident_id]).get(incident_id, [])
        return any(r.assistance_delivered for r in rows)

    def aggregate(
        self, start: datetime, end: datetime, by: GroupBy, *, include_demo: bool = False
    ) -> list[AggregateRow]:
        """Totals of the current figures of natural disasters received in
        [start, end), per day (China time), incident type or township, in
        order of the key. Incidents without figures count with zeros; demo
        incidents count only with ``include_demo``."""
        if by not in ("day", "type", "township"):
            raise ValueError(f"unknown grouping {by!r}")
        with self._db.read_session() as s:
            incidents = _natural_incidents(s, start, end, include_demo)
            stats = _statistics(s, [i.id for i in incidents])
        groups: dict[str, tuple[str | None, int, Figures]] = {}
        for incident in incidents:
            rows = stats.get(incident.id, [])
            figures = _figures(rows[-1]) if rows else Figures()
            if by == "day":
                key, name = incident.received_at.astimezone(CHINA_TZ).date().isoformat(), None
            elif by == "type":
                key, name = incident.incident_type, None
            else:
                key = str(incident.township_id) if incident.township_id else ""
                name = incident.township_name
            _, count, total = groups.get(key, (name, 0, Figures()))
            groups[key] = (name, count + 1, total + figures)
        return [
            AggregateRow(key, name, count, total)
            for key, (name, count, total) in sorted(groups.items())
        ]

    def assistance_times(
        self,
        start: datetime,
        end: datetime,
        *,
        now: datetime | None = None,
        include_demo: bool = False,
    ) -> list[AssistanceTime]:
        """For natural disasters received in [start, end) that have people
        needing assistance (or a report of it delivered): the hours from 接报
        to the first report of basic living assistance delivered, against 10 h.
        Oldest first; demo incidents only with ``include_demo``."""
        clock = now if now is not None else self._db.clock()
        with self._db.read_session() as s:
            incidents = _natural_incidents(s, start, end, include_demo)
            stats = _statistics(s, [i.id for i in incidents])
        found: list[AssistanceTime] = []
        for incident in incidents:
            rows = stats.get(incident.id, [])
            delivered = [r.at for r in rows if r.assistance_delivered]
            if not delivered and not (rows and rows[-1].need_assistance > 0):
                continue
            delivered_at = min(delivered) if delivered else None
            elapsed = (delivered_at or clock) - incident.received_at
            met: bool | None
            if delivered_at is not None:
                met = elapsed <= ASSISTANCE_TARGET
            else:
                met = False if elapsed > ASSISTANCE_TARGET else None
            found.append(
                AssistanceTime(
                    incident.id,
                    incident.title,
                    incident.incident_type,
                    incident.received_at,
                    delivered_at,
                    max(0.0, elapsed.total_seconds() / 3600),
                    met,
                )
            )
        return found


def china_day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in China Standard Time."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)


def _figures(row: IncidentStatistics) -> Figures:
    return Figures(
        affected_population=int(row.affected_population),
        deaths=int(row.deaths),
        missing=int(row.missing),
        relocated=int(row.relocated),
        need_assistance=int(row.need_assistance),
        houses_collapsed=int(row.houses_collapsed),
        houses_severely_damaged=int(row.houses_severely_damaged),
        houses_generally_damaged=int(row.houses_generally_damaged),
        crops_affected_ha=float(row.crops_affected_ha),
        crops_damaged_ha=float(row.crops_damaged_ha),
        crops_lost_ha=float(row.crops_lost_ha),
        direct_loss_10k_yuan=float(row.direct_loss_10k_yuan),
    )


def _natural_incidents(
    s: Session, start: datetime, end: datetime, include_demo: bool
) -> list[_Incident]:
    real_only = [] if include_demo else [Incident.is_demo.is_(False)]
    rows = s.execute(
        select(
            Incident.id,
            Incident.title,
            Incident.incident_type,
            Incident.received_at,
            Incident.township_id,
            Township.name,
        )
        .outerjoin(Township, Township.id == Incident.township_id)
        .where(
            Incident.category == IncidentCategory.NATURAL.value,
            Incident.is_drill.is_(False),
            Incident.received_at >= start,
            Incident.received_at < end,
            *real_only,
        )
        .order_by(Incident.received_at, Incident.id)
    ).all()
    return [_Incident(*row) for row in rows]


def _statistics(
    s: Session, ids: Sequence[uuid.UUID] | Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[IncidentStatistics]]:
    """Each incident's statistics rows, oldest first (by time, then commit order)."""
    id_list = list(ids)
    found: dict[uuid.UUID, list[IncidentStatistics]] = {}
    for k in range(0, len(id_list), 500):
        rows = s.execute(
            select(IncidentStatistics, ChangeLog.seq)
            .outerjoin(
                ChangeLog,
                (ChangeLog.entity_type == IncidentStatistics.__change_entity__)
                & (ChangeLog.entity_id == IncidentStatistics.id),
            )
            .where(IncidentStatistics.incident_id.in_(id_list[k : k + 500]))
            .order_by(IncidentStatistics.at, ChangeLog.seq)
        ).all()
        for row, _seq in rows:
            found.setdefault(row.incident_id, []).append(row)
    return found
