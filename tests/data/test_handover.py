"""交接班 and 值班日报 on SQLite and PostgreSQL: items carry over until closed,
one closure and one acknowledgement each, the tables are append-only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text

from app.data.engine import Database
from app.data.models import ChangeLog, DutyShift, Incident
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ
from app.domain.enums import Severity
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation, ShiftPattern
from app.live.feed import latest_seq
from app.services.demo import ensure_reference_data, load_demo
from app.services.duty_report import (
    DutyReport,
    DutyReportService,
    ReportCounts,
    ReportIncident,
    report_title,
    write_xlsx,
)
from app.services.handover import HandoverService

pytestmark = pytest.mark.dates  # runs at every frozen moment too

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class World:
    shifts: list[uuid.UUID]
    incident: uuid.UUID


@pytest.fixture
def world(migrated_db: Database) -> World:
    """Three consecutive 24-hour shifts around now and one open incident."""
    local = NOW.astimezone(CHINA_TZ)
    start = datetime.combine(local.date(), datetime.min.time(), tzinfo=CHINA_TZ).replace(
        hour=8, minute=30
    ) - timedelta(days=1)
    with UnitOfWork(migrated_db, actor="setup", site="s") as uow:
        shifts = [
            DutyShift(
                label=f"第{k}班",
                starts_at=start + timedelta(days=k),
                ends_at=start + timedelta(days=k + 1),
            )
            for k in range(3)
        ]
        incident = Incident(
            title="龙城镇积水",
            category="natural",
            incident_type="rainstorm",
            severity="IV",
            status="handling",
            received_at=NOW - timedelta(hours=2),
            source="phone",
        )
        uow.session.add_all([*shifts, incident])
        uow.session.flush()
        ids = [sh.id for sh in shifts]
        uow.commit()
    return World(ids, incident.id)


def test_record_with_items_and_carry_over(migrated_db: Database, world: World) -> None:
    svc = HandoverService(migrated_db)
    first = svc.record(
        world.shifts[0],
        world.shifts[1],
        "夜间平稳",
        [("跟进龙城镇积水排涝", world.incident), ("回复县气象局来电", None)],
        actor="值班员甲",
        site="center",
        at=NOW - timedelta(hours=1),
    )
    assert first.summary == "夜间平稳"
    assert first.outgoing_label == "第0班" and first.incoming_label == "第1班"
    assert [i.text for i in first.items] == ["跟进龙城镇积水排涝", "回复县气象局来电"]
    assert first.items[0].incident_title == "龙城镇积水"
    assert first.ack is None

    open_now = svc.open_items(NOW)
    assert [i.text for i in open_now] == ["跟进龙城镇积水排涝", "回复县气象局来电"]
    assert svc.open_items(NOW - timedelta(hours=2)) == []  # not raised yet then

    # The next shift closes one item and raises another; the other is carried over.
    second = svc.record(
        world.shifts[1],
        world.shifts[2],
        "",
        [("核实受灾户数", None)],
        actor="值班员乙",
        site="center",
        at=NOW,
        close_items=[(open_now[1].id, "已回复")],
    )
    assert [i.text for i in second.items] == ["核实受灾户数"]
    carried = svc.open_items(NOW + timedelta(minutes=1))
    assert [i.text for i in carried] == ["跟进龙城镇积水排涝", "核实受灾户数"]  # oldest first
    assert carried[0].handover_id == first.id

    svc.close_item(carried[0].id, actor="值班员乙", site="center", at=NOW, note="排涝完毕")
    assert [i.text for i in svc.open_items(NOW + timedelta(minutes=1))] == ["核实受灾户数"]
    [reloaded] = [h for h in svc.latest(5) if h.id == first.id]
    assert all(not i.is_open for i in reloaded.items)
    assert reloaded.items[0].close_note == "排涝完毕"
    assert [h.id for h in svc.latest(5)] == [second.id, first.id]
    assert [h.id for h in svc.for_day(NOW.astimezone(CHINA_TZ).date())] in (
        [first.id, second.id],
        [second.id],  # shortly after midnight China time the first was yesterday
    )


def test_saving_again_writes_nothing_twice(migrated_db: Database, world: World) -> None:
    svc = HandoverService(migrated_db)
    hid = uuid.uuid4()
    args = (world.shifts[0], world.shifts[1], "摘要", [("事项", None)])
    a = svc.record(*args, actor="a", site="s", at=NOW, handover_id=hid)
    before = latest_seq(migrated_db)
    b = svc.record(*args, actor="a", site="s", at=NOW, handover_id=hid)
    assert a == b and latest_seq(migrated_db) == before


def test_close_twice_refused(migrated_db: Database, world: World) -> None:
    svc = HandoverService(migrated_db)
    h = svc.record(None, None, "", [("事项", None)], actor="a", site="s", at=NOW)
    item = h.items[0].id
    svc.close_item(item, actor="a", site="s", at=NOW)
    before = latest_seq(migrated_db)
    with pytest.raises(RuleViolation) as info:
        svc.close_item(item, actor="b", site="s", at=NOW)
    assert info.value.code == "handover.item_closed"
    # Closing inside a new handover is refused as a whole: no handover written.
    with pytest.raises(RuleViolation) as info:
        svc.record(None, None, "新摘要", [], actor="b", site="s", at=NOW, close_items=[(item, "")])
    assert info.value.code == "handover.item_closed"
    assert latest_seq(migrated_db) == before
    assert len(svc.latest(10)) == 1


def test_ack_twice_refused(migrated_db: Database, world: World) -> None:
    svc = HandoverService(migrated_db)
    h = svc.record(world.shifts[0], world.shifts[1], "摘要", [], actor="a", site="s", at=NOW)
    assert svc.pending_ack() == svc.get(h.id)
    svc.acknowledge(h.id, actor="值班员乙", site="s", at=NOW, note="已阅")
    assert svc.pending_ack() is None
    ack = svc.get(h.id).ack
    assert ack is not None and ack.acknowledged_by == "值班员乙" and ack.note == "已阅"
    with pytest.raises(RuleViolation) as info:
        svc.acknowledge(h.id, actor="值班员丙", site="s", at=NOW)
    assert info.value.code == "handover.acknowledged"


@pytest.mark.parametrize(
    ("shifts", "summary", "items", "code"),
    [
        ("same", "x", [], "handover.same_shift"),
        ("none", "", [], "handover.empty"),
        ("none", "x", [("  ", None)], "handover.item_text_required"),
        ("unknown", "x", [], "handover.shift_unknown"),
        ("none", "x", [("x", "unknown")], "handover.incident_unknown"),
    ],
)
def test_refused_records(
    migrated_db: Database,
    world: World,
    shifts: str,
    summary: str,
    items: list[tuple[str, str | None]],
    code: str,
) -> None:
    svc = HandoverService(migrated_db)
    out, inc = {
        "same": (world.shifts[0], world.shifts[0]),
        "none": (None, None),
        "unknown": (uuid.uuid4(), None),
    }[shifts]
    new_items = [(t, uuid.uuid4() if i == "unknown" else None) for t, i in items]
    before = latest_seq(migrated_db)
    with pytest.raises(RuleViolation) as info:
        svc.record(out, inc, summary, new_items, actor="a", site="s", at=NOW)
    assert info.value.code == code
    assert latest_seq(migrated_db) == before


def test_the_shift_on_duty_hands_over_to_the_next(migrated_db: Database, world: World) -> None:
    """交班 is the shift on duty now (before 08:30 still yesterday's), 接班 the one after it."""
    today = NOW.astimezone(CHINA_TZ).date()
    on_duty = 1 if ShiftPattern().duty_day(NOW, CHINA_TZ) == today else 0
    ctx = HandoverService(migrated_db).context(NOW)
    assert (ctx.outgoing_id, ctx.incoming_id) == (
        world.shifts[on_duty],
        world.shifts[on_duty + 1],
    )


def _shift_table(db: Database, rows: list[tuple[str, datetime, datetime]]) -> dict[str, uuid.UUID]:
    with UnitOfWork(db, actor="setup", site="s") as uow:
        shifts = [DutyShift(label=lb, starts_at=a, ends_at=b) for lb, a, b in rows]
        uow.session.add_all(shifts)
        uow.session.flush()
        ids = {sh.label: sh.id for sh in shifts}
        uow.commit()
    return ids


def test_day_and_night_shifts_hand_over_in_turn(migrated_db: Database) -> None:
    """Day shift 08:30–20:30, night shift 20:30–08:30, and an extra shift inside the day."""

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2031, 6, day, hour, minute, tzinfo=CHINA_TZ)

    ids = _shift_table(
        migrated_db,
        [
            ("2日夜班", at(2, 20, 30), at(3, 8, 30)),
            ("3日白班", at(3, 8, 30), at(3, 20, 30)),
            ("3日加班", at(3, 14), at(3, 22)),
            ("3日夜班", at(3, 20, 30), at(4, 8, 30)),
            ("4日白班", at(4, 8, 30), at(4, 20, 30)),
        ],
    )
    svc = HandoverService(migrated_db)
    names = {v: k for k, v in ids.items()}

    def pair(moment: datetime) -> tuple[str | None, str | None]:
        ctx = svc.context(moment)
        return (
            names.get(ctx.outgoing_id) if ctx.outgoing_id else None,
            names.get(ctx.incoming_id) if ctx.incoming_id else None,
        )

    assert pair(at(3, 8, 29)) == ("2日夜班", "3日白班")
    assert pair(at(3, 8, 31)) == ("3日白班", "3日夜班")
    assert pair(at(3, 15)) == ("3日白班", "3日夜班")  # the extra shift is not the watch
    assert pair(at(3, 20, 29)) == ("3日白班", "3日夜班")
    assert pair(at(3, 20, 31)) == ("3日夜班", "4日白班")
    assert pair(at(4, 21)) == ("4日白班", None)  # nothing rostered after it
    assert pair(at(2, 12)) == (None, "2日夜班")  # nothing rostered before


def test_tables_are_append_only(migrated_db: Database, world: World) -> None:
    db = migrated_db
    svc = HandoverService(db)
    h = svc.record(None, None, "摘要", [("事项", None)], actor="a", site="s", at=NOW)
    svc.close_item(h.items[0].id, actor="a", site="s", at=NOW)
    svc.acknowledge(h.id, actor="b", site="s", at=NOW)
    pg = db.engine.dialect.name == "postgresql"
    item_key = h.items[0].id if pg else h.items[0].id.hex
    h_key = h.id if pg else h.id.hex
    statements = [
        ("UPDATE handover_item SET text = 'changed' WHERE id = :id", item_key),
        ("DELETE FROM handover_item WHERE id = :id", item_key),
        ("UPDATE handover SET summary = 'changed' WHERE id = :id", h_key),
        ("DELETE FROM handover_item_closure WHERE item_id = :id", item_key),
        ("DELETE FROM handover_ack WHERE handover_id = :id", h_key),
    ]
    for sql, key in statements:
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql), {"id": key})
    again = svc.get(h.id)
    assert again.items[0].text == "事项" and not again.items[0].is_open and again.ack is not None


def test_change_log_rows(migrated_db: Database, world: World) -> None:
    db = migrated_db
    svc = HandoverService(db)
    before = latest_seq(db)
    h = svc.record(None, None, "摘要", [("一", None), ("二", None)], actor="甲", site="c", at=NOW)
    svc.close_item(h.items[0].id, actor="乙", site="c", at=NOW)
    svc.acknowledge(h.id, actor="丙", site="c", at=NOW)
    with db.read_session() as s:
        rows = s.execute(
            select(ChangeLog.entity_type, ChangeLog.entity_id, ChangeLog.op, ChangeLog.actor)
            .where(ChangeLog.seq > before)
            .order_by(ChangeLog.seq)
        ).all()
    kinds = sorted((r.entity_type, r.op, r.actor) for r in rows)
    assert kinds == [
        ("handover", "insert", "甲"),
        ("handover_ack", "insert", "丙"),
        ("handover_item", "insert", "甲"),
        ("handover_item", "insert", "甲"),
        ("handover_item_closure", "insert", "乙"),
    ]
    assert {r.entity_id for r in rows if r.entity_type == "handover_item"} == {
        i.id for i in h.items
    }


def test_duty_report_on_demo_data(migrated_db: Database, tmp_path: Path) -> None:
    db = migrated_db
    ensure_reference_data(db, actor="t", site="s")
    load_demo(db, actor="t", site="s", now=NOW)
    svc = HandoverService(db)
    ctx = svc.context(NOW)
    assert ctx.outgoing_id is not None and ctx.incoming_id is not None
    assert ctx.open_incidents
    incident = ctx.open_incidents[0]
    svc.record(
        ctx.outgoing_id,
        ctx.incoming_id,
        "平稳",
        [("跟进 <b>事件</b>", incident.id)],
        actor="值班员甲",
        site="s",
        at=NOW,
    )
    # The duty day runs from the 08:30 handover to 08:30 the next morning.
    day: date = ShiftPattern().duty_day(NOW, CHINA_TZ)
    report = DutyReportService(db).build(day, NOW + timedelta(seconds=1), include_demo=True)
    assert report.shifts and all(sh.leaders for sh in report.shifts)
    assert report.counts.handovers == 1 and report.counts.open_items == 1
    assert report.counts.incidents == len(report.incidents)
    assert report.counts.incidents == report.counts.real_incidents + report.counts.drills
    start = datetime.combine(day, time(8, 30), tzinfo=CHINA_TZ)
    assert all(start <= i.received_at < start + timedelta(days=1) for i in report.incidents)
    path = tmp_path / "日报.xlsx"
    write_xlsx(report, path)
    ws = load_workbook(path).active
    assert ws is not None
    assert (
        ws["A1"].value
        == report_title(day)
        == f"萧县应急管理局值班日报 {day.year}年{day.month}月{day.day}日"
    )
    values = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert "跟进 <b>事件</b>" in values
    assert all(i.title in values for i in report.incidents)


def test_duty_report_writes_codes_as_the_label_table_does(tmp_path: Path) -> None:
    day = NOW.astimezone(CHINA_TZ).date()
    incidents = tuple(
        ReportIncident(
            uuid.uuid4(), NOW, f"事件{sev.value}", "accident", sev.value, "responding", False, None
        )
        for sev in Severity
    )
    counts = ReportCounts(4, 4, 0, 0, 4, (("accident", 4),), 0, 0, 4)
    report = DutyReport(day, NOW, (), incidents, (), (), counts)
    path = tmp_path / "日报.xlsx"
    write_xlsx(report, path)
    ws = load_workbook(path).active
    assert ws is not None
    rows = {
        row[1]: row[2:5]
        for row in ws.iter_rows(values_only=True)
        if isinstance(row[1], str) and row[1].startswith("事件")
    }
    for sev in Severity:
        category, severity, status = rows[f"事件{sev.value}"]
        assert severity == label(Family.SEVERITY, sev.value, "zh_CN")
        assert category == label(Family.INCIDENT_CATEGORY, "accident", "zh_CN") == "事故灾难"
        assert status == label(Family.INCIDENT_STATUS, "responding", "zh_CN") == "响应"
    assert rows["事件I"][1] == "Ⅰ级（特别重大）"
