"""整改逾期: rectifications past their deadline, by the China-time calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.data.engine import Database
from app.data.models import HazardSite
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ, china_date
from app.services.hazard_watch import HazardWatch
from tests.data.test_evacuation import ACTOR, SITE, ops_db, ops_module_db

__all__ = ["ops_db", "ops_module_db"]  # the module's database fixtures

NEW_YEAR = date(2027, 1, 1)


def add_site(
    db: Database,
    name: str,
    deadline: date | None,
    state: str | None = "pending",
    *,
    risk: str = "yellow",
    rectified_on: date | None = None,
    supervision: str | None = None,
    retired: bool = False,
) -> None:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(
            HazardSite(
                name=name,
                hazard_type="chemical",
                risk_level=risk,
                rectification_deadline=deadline,
                rectification_state=state,
                rectified_on=rectified_on,
                supervision=supervision,
                retired_at=db.clock() if retired else None,
            )
        )
        uow.commit()


def test_after_midnight_china_time_yesterdays_deadline_is_overdue(ops_db: Database) -> None:
    # 00:30 on 1 January in China is still 31 December in UTC: the China date counts.
    moment = datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ)
    assert moment.astimezone(UTC).date() == date(2026, 12, 31)
    today = china_date(moment)
    assert today == NEW_YEAR
    add_site(ops_db, "三十一日到期", date(2026, 12, 31))
    add_site(ops_db, "今日到期", NEW_YEAR)

    watch = HazardWatch(ops_db)
    found = watch.overdue(today)

    assert [(o.name, o.days_overdue) for o in found] == [("三十一日到期", 1)]
    assert watch.overdue_count(today) == 1
    # At 23:59 on 31 December neither is overdue yet.
    assert watch.overdue_count(china_date(datetime(2026, 12, 31, 23, 59, tzinfo=CHINA_TZ))) == 0


def test_which_rectifications_count_and_their_order(ops_db: Database) -> None:
    today = date(2026, 11, 29)  # a Sunday
    add_site(ops_db, "待整改十天", today - timedelta(days=10), "pending", supervision="county")
    add_site(ops_db, "整改中十天红", today - timedelta(days=10), "in_progress", risk="red")
    add_site(ops_db, "整改中三天", today - timedelta(days=3), "in_progress")
    add_site(ops_db, "未填状态", today - timedelta(days=5), None)
    add_site(ops_db, "空状态", today - timedelta(days=4), "")
    add_site(ops_db, "未填状态已完成", today - timedelta(days=5), None, rectified_on=today)
    add_site(ops_db, "已整改", today - timedelta(days=30), "done", rectified_on=today)
    add_site(ops_db, "无需整改", today - timedelta(days=30), "none")
    add_site(ops_db, "已停用", today - timedelta(days=30), "pending", retired=True)
    add_site(ops_db, "无期限", None, "pending")
    add_site(ops_db, "未到期", today + timedelta(days=1), "pending")

    found = HazardWatch(ops_db).overdue(today)

    assert [(o.name, o.days_overdue) for o in found] == [
        ("整改中十天红", 10),
        ("待整改十天", 10),
        ("未填状态", 5),
        ("空状态", 4),
        ("整改中三天", 3),
    ]
    assert found[1].supervision == "county" and found[1].state == "pending"
    assert found[3].state is None
    assert HazardWatch(ops_db).overdue_count(today) == 5


@pytest.mark.parametrize("day", [date(2028, 2, 29), date(2027, 3, 1)])
def test_days_overdue_across_month_ends(ops_db: Database, day: date) -> None:
    add_site(ops_db, "二月底到期", date(2028, 2, 28) if day.year == 2028 else date(2027, 2, 28))
    [found] = HazardWatch(ops_db).overdue(day)
    assert found.days_overdue == 1
