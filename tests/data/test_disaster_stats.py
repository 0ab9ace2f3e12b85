"""Natural-disaster statistics on SQLite and PostgreSQL: recording, totals, assistance times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import ChangeLog, IncidentLogEntry, IncidentStatistics, Township
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ
from app.domain.enums import LogEntryKind
from app.domain.intake import IncidentDraft
from app.domain.rules import RuleViolation
from app.services.disaster_stats import DisasterStats, Figures
from app.services.incidents import IncidentService

pytestmark = pytest.mark.dates  # runs at every frozen moment too

NOW = datetime.now(UTC).replace(microsecond=0)
ACTOR, SITE = "值班员甲", "center"


def _record(
    db: Database,
    *,
    received_at: datetime,
    category: str = "natural",
    incident_type: str = "rainstorm",
    township_id: uuid.UUID | None = None,
    drill: bool = False,
) -> uuid.UUID:
    draft = IncidentDraft(
        title="龙城镇某村内涝",
        category=category,
        incident_type=incident_type,
        severity="IV",
        source="phone",
        received_at=received_at,
        address="龙城镇某村",
        township_id=str(township_id) if township_id else None,
        is_drill=drill,
    )
    return IncidentService(db).record(draft, actor=ACTOR, site=SITE, now=NOW)


def _township(db: Database, code: str, name: str) -> uuid.UUID:
    township_id = uuid.uuid4()
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(Township(id=township_id, code=code, name=name, kind="town"))
        uow.commit()
    return township_id


def test_record_appends_figures_and_a_log_entry(migrated_db: Database) -> None:
    stats = DisasterStats(migrated_db)
    incident = _record(migrated_db, received_at=NOW - timedelta(hours=5))
    assert stats.current(incident) is None
    first = Figures(
        affected_population=120, relocated=30, need_assistance=40, crops_affected_ha=12.5
    )
    stats.record(incident, first, actor=ACTOR, site=SITE, at=NOW - timedelta(hours=4))
    second = Figures(
        affected_population=150,
        relocated=35,
        need_assistance=40,
        houses_collapsed=2,
        crops_affected_ha=20,
        crops_damaged_ha=8.25,
        crops_lost_ha=1,
        direct_loss_10k_yuan=86.4,
    )
    stats.record(
        incident,
        second,
        actor=ACTOR,
        site=SITE,
        at=NOW - timedelta(hours=1),
        assistance_delivered=True,
    )
    assert stats.current(incident) == second
    assert stats.assistance_delivered(incident)
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(IncidentStatistics)) == 2
        entries = s.scalars(
            select(IncidentLogEntry.body)
            .where(IncidentLogEntry.kind == LogEntryKind.STATISTICS.value)
            .order_by(IncidentLogEntry.at)
        ).all()
        kinds = s.scalars(select(ChangeLog.entity_type)).all()
    assert len(entries) == 2
    assert "受灾人口 150 人" in entries[1] and "直接经济损失 86.4 万元" in entries[1]
    assert entries[1].endswith("基本生活救助已到位")
    assert kinds.count("incident_statistics") == 2


def test_same_time_reports_keep_commit_order(migrated_db: Database) -> None:
    stats = DisasterStats(migrated_db)
    incident = _record(migrated_db, received_at=NOW - timedelta(hours=2))
    at = NOW - timedelta(hours=1)
    for n in (10, 20, 5):
        stats.record(incident, Figures(affected_population=n), actor=ACTOR, site=SITE, at=at)
    assert stats.current(incident) == Figures(affected_population=5)


@pytest.mark.parametrize(
    ("figures", "code"),
    [
        (Figures(deaths=-1), "stats.negative"),
        (Figures(direct_loss_10k_yuan=-0.5), "stats.negative"),
        (Figures(crops_affected_ha=float("nan")), "stats.not_a_number"),
        (Figures(crops_affected_ha=5, crops_damaged_ha=6), "stats.crops_damaged_exceeds_affected"),
        (
            Figures(crops_affected_ha=5, crops_damaged_ha=3, crops_lost_ha=4),
            "stats.crops_lost_exceeds_damaged",
        ),
    ],
)
def test_bad_figures_are_refused(migrated_db: Database, figures: Figures, code: str) -> None:
    incident = _record(migrated_db, received_at=NOW - timedelta(hours=2))
    with pytest.raises(RuleViolation) as refused:
        DisasterStats(migrated_db).record(incident, figures, actor=ACTOR, site=SITE, at=NOW)
    assert refused.value.code == code
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(IncidentStatistics)) == 0


def test_only_natural_disasters_and_sane_times(migrated_db: Database) -> None:
    stats = DisasterStats(migrated_db)
    fire = _record(
        migrated_db,
        received_at=NOW - timedelta(hours=1),
        category="accident",
        incident_type="fire",
    )
    with pytest.raises(RuleViolation) as refused:
        stats.record(fire, Figures(affected_population=1), actor=ACTOR, site=SITE, at=NOW)
    assert refused.value.code == "stats.not_natural"
    flood = _record(migrated_db, received_at=NOW - timedelta(hours=1))
    cases = [
        (flood, NOW - timedelta(hours=2), "time.before_received"),
        (flood, NOW + timedelta(hours=1), "time.future"),
        (flood, NOW.replace(tzinfo=None), "time.naive"),
        (uuid.uuid4(), NOW, "incident.unknown"),
    ]
    for incident, at, code in cases:
        with pytest.raises(RuleViolation) as refused:
            stats.record(incident, Figures(), actor=ACTOR, site=SITE, at=at)
        assert refused.value.code == code
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(IncidentStatistics)) == 0
        assert (
            s.scalar(
                select(func.count())
                .select_from(IncidentLogEntry)
                .where(IncidentLogEntry.kind == LogEntryKind.STATISTICS.value)
            )
            == 0
        )


def test_aggregate_by_day_type_and_township(migrated_db: Database) -> None:
    stats = DisasterStats(migrated_db)
    longcheng = _township(migrated_db, "T01", "龙城镇")
    huangkou = _township(migrated_db, "T02", "黄口镇")
    # 23:30 and 00:30 China time on consecutive days: two different days.
    day = (NOW - timedelta(days=3)).astimezone(CHINA_TZ).replace(hour=23, minute=30, second=0)
    a = _record(migrated_db, received_at=day, township_id=longcheng)
    b = _record(
        migrated_db,
        received_at=day + timedelta(hours=1),
        incident_type="flood",
        township_id=longcheng,
    )
    c = _record(migrated_db, received_at=day + timedelta(hours=2), township_id=huangkou)
    drill = _record(migrated_db, received_at=day + timedelta(hours=2), drill=True)
    outside = _record(migrated_db, received_at=NOW - timedelta(days=20))
    for incident, people in ((a, 100), (b, 40), (c, 7), (drill, 999), (outside, 555)):
        stats.record(
            incident,
            Figures(affected_population=people, deaths=1),
            actor=ACTOR,
            site=SITE,
            at=NOW - timedelta(hours=1),
        )
    # Only the latest figures of ``a`` count.
    stats.record(a, Figures(affected_population=120), actor=ACTOR, site=SITE, at=NOW)
    start, end = NOW - timedelta(days=10), NOW + timedelta(minutes=1)

    by_day = stats.aggregate(start, end, "day")
    first_day = day.date().isoformat()
    second_day = (day + timedelta(hours=1)).date().isoformat()
    assert [
        (r.key, r.incidents, r.figures.affected_population, r.figures.deaths) for r in by_day
    ] == [
        (first_day, 1, 120, 0),
        (second_day, 2, 47, 2),
    ]
    by_type = {
        r.key: (r.incidents, r.figures.affected_population)
        for r in stats.aggregate(start, end, "type")
    }
    assert by_type == {"rainstorm": (2, 127), "flood": (1, 40)}
    by_town = {
        (r.name, r.incidents, r.figures.affected_population)
        for r in stats.aggregate(start, end, "township")
    }
    assert by_town == {("龙城镇", 2, 160), ("黄口镇", 1, 7)}


def test_assistance_times_against_ten_hours(migrated_db: Database) -> None:
    stats = DisasterStats(migrated_db)
    need = Figures(affected_population=50, need_assistance=20)
    on_time = _record(migrated_db, received_at=NOW - timedelta(hours=30))
    late = _record(migrated_db, received_at=NOW - timedelta(hours=29))
    waiting = _record(migrated_db, received_at=NOW - timedelta(hours=3))
    overdue = _record(migrated_db, received_at=NOW - timedelta(hours=12))
    nobody = _record(migrated_db, received_at=NOW - timedelta(hours=12))
    for incident in (on_time, late, waiting, overdue):
        stats.record(incident, need, actor=ACTOR, site=SITE, at=NOW - timedelta(hours=2))
    stats.record(nobody, Figures(affected_population=3), actor=ACTOR, site=SITE, at=NOW)
    # Delivered 8 h after 接报; a later report saying so again changes nothing.
    stats.record(
        on_time,
        need,
        actor=ACTOR,
        site=SITE,
        at=NOW - timedelta(hours=22),
        assistance_delivered=True,
    )
    stats.record(
        on_time,
        need,
        actor=ACTOR,
        site=SITE,
        at=NOW - timedelta(hours=1),
        assistance_delivered=True,
    )
    stats.record(
        late,
        need,
        actor=ACTOR,
        site=SITE,
        at=NOW - timedelta(hours=17),
        assistance_delivered=True,
    )
    found = {
        t.incident_id: t for t in stats.assistance_times(NOW - timedelta(days=2), NOW, now=NOW)
    }
    assert set(found) == {on_time, late, waiting, overdue}
    assert found[on_time].delivered_at == NOW - timedelta(hours=22)
    assert found[on_time].hours == pytest.approx(8)
    assert found[on_time].met_target is True
    assert found[late].hours == pytest.approx(12)
    assert found[late].met_target is False
    assert found[waiting].delivered_at is None and found[waiting].met_target is None
    assert found[waiting].hours == pytest.approx(3)
    assert found[overdue].met_target is False
