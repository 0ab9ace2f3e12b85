"""突发事件信息报告 (初报/续报/核报) on the demo database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.models import Incident, IncidentLogEntry, IncidentStatistics
from app.data.uow import UnitOfWork
from app.domain.access import Role
from app.domain.deadlines import ReportKind
from app.domain.enums import IncidentStatus
from app.domain.identity import Identity, acting_as
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation
from app.services.incident_report import (
    DEFAULT_NEXT_STEPS,
    IncidentReportService,
    local_text,
    render_text,
    set_next_steps,
    write_xlsx,
)
from app.services.incident_workflow import IncidentWorkflow, status_body
from app.services.incidents import IncidentService
from app.services.roster import RosterService

pytestmark = pytest.mark.dates  # runs at every frozen moment too


@pytest.fixture
def db(demo_sqlite_url: URL) -> Iterator[Database]:
    d = Database(demo_sqlite_url)
    yield d
    d.dispose()


def _id(db: Database, title_part: str) -> uuid.UUID:
    with db.read_session() as s:
        found = s.scalar(select(Incident.id).where(Incident.title.contains(title_part)))
    assert found is not None
    return found


def _now() -> datetime:
    return datetime.now(UTC)


def test_initial_report_layout(db: Database) -> None:
    iid = _id(db, "储罐泄漏")
    report = IncidentReportService(db).build(iid, ReportKind.INITIAL, _now())
    text = render_text(report)
    lines = text.splitlines()
    assert lines[0] == "关于经开区某化工新材料企业储罐泄漏的初报"
    assert "报送单位：萧县应急管理局" in text
    assert "报送时间：" in text
    for heading in ("一、基本情况", "二、人员伤亡及损失", "三、处置情况", "四、下一步工作"):
        assert heading in lines
    assert lines.index("一、基本情况") < lines.index("二、人员伤亡及损失")
    assert lines.index("三、处置情况") < lines.index("四、下一步工作")
    assert "龙城镇" in text and "县经济开发区纬三路" in text
    assert "事故灾难（危险化学品事故）" in text
    # Severity exactly as the label table writes it (Roman numeral Ⅲ, U+2162).
    severity = label(Family.SEVERITY, report.severity, "zh_CN")
    assert report.severity == "III" and severity == "Ⅲ级（较大）"
    assert f"事件等级：{severity}；" in text
    assert "死亡0人、受伤2人、失踪0人" in text
    assert "及时续报" in text
    assert "【演练】" not in text
    # The log in time order: the calls come before the response.
    assert text.index("119转来") < text.index("已向市应急管理局电话初报")
    assert text.index("已向市应急管理局电话初报") < text.index("Ⅲ级响应")
    assert "报告人：李志强" in text or "报告人：周婷" in text


def test_status_steps_in_order_with_level_and_plan(db: Database) -> None:
    iid = _id(db, "人员聚集")
    wf = IncidentWorkflow(db)
    [dto] = IncidentService(db).by_ids([iid])
    t0 = dto.received_at + timedelta(minutes=10)
    dto = wf.transition(
        iid,
        IncidentStatus.VERIFIED,
        dto.version,
        actor="陈晨",
        site="s",
        at=t0,
        note="派出所核实属实",
    )
    dto = wf.transition(
        iid,
        IncidentStatus.REPORTED,
        dto.version,
        actor="陈晨",
        site="s",
        at=t0 + timedelta(minutes=5),
    )
    dto = wf.transition(
        iid,
        IncidentStatus.RESPONDING,
        dto.version,
        actor="王建华",
        site="s",
        at=t0 + timedelta(minutes=10),
        response_level="IV",
        plan="县大型群众性活动安全事件应急预案",
    )
    wf.append(
        iid,
        "instruction",
        "加强现场疏导，防止踩踏。",
        actor="王建华",
        site="s",  # type: ignore[arg-type]
        at=t0 + timedelta(minutes=12),
    )
    text = render_text(IncidentReportService(db).build(iid, ReportKind.FOLLOW_UP, _now()))
    first = text.index("事件状态转为「核实」：派出所核实属实")
    second = text.index("事件状态转为「上报」")
    third = text.index("事件状态转为「响应」，启动Ⅳ级响应（县大型群众性活动安全事件应急预案）")
    assert first < second < third < text.index("领导批示：加强现场疏导")
    assert "庄里乡" in text
    assert text.splitlines()[0] == "关于集镇庙会人员聚集的续报"
    # Signed by the roster's leader on duty at that moment, not by whoever wrote
    # the instruction; the reporter is the last officer in the log (no one signed in).
    on_duty = RosterService(db).on_duty(_now())
    assert on_duty is not None and on_duty.leaders
    leaders = "、".join(sorted(a.name for a in on_duty.leaders))
    assert text.splitlines()[-1] == f"报告人：王建华        值班领导：{leaders}"
    # Signed in, the person at the seat is the reporter.
    seat = Identity("李值班", "s", "ws", uuid.uuid4(), frozenset({Role.OFFICER}))
    with acting_as(seat):
        signed = render_text(IncidentReportService(db).build(iid, ReportKind.FOLLOW_UP, _now()))
    assert signed.splitlines()[-1] == f"报告人：李值班        值班领导：{leaders}"
    # 四、下一步工作 does not repeat the log.
    assert "最新进展" not in text
    assert text.count("领导批示：加强现场疏导") == 1


def test_drill_marked_once(db: Database) -> None:
    iid = _id(db, "防汛抗洪桌面推演")
    text = render_text(IncidentReportService(db).build(iid, ReportKind.INITIAL, _now()))
    assert text.splitlines()[0] == "【演练】关于防汛抗洪桌面推演的初报"
    assert text.count("【演练】") == 1
    assert "本事件为演练" in text


def test_final_report_has_closure_and_statistics(db: Database) -> None:
    iid = _id(db, "强降雨")
    wf = IncidentWorkflow(db)
    [dto] = IncidentService(db).by_ids([iid])
    closed = _now() - timedelta(minutes=5)
    with UnitOfWork(db, actor="冯雪", site="s") as uow:
        uow.session.add(
            IncidentStatistics(
                incident_id=iid,
                at=closed - timedelta(hours=2),
                actor="冯雪",
                affected_population=1200,
                relocated=300,
                need_assistance=80,
                direct_loss_10k_yuan=56.5,
            )
        )
        uow.session.add(
            IncidentStatistics(
                incident_id=iid,
                at=closed - timedelta(hours=1),
                actor="冯雪",
                affected_population=1500,
                relocated=320,
                need_assistance=90,
                direct_loss_10k_yuan=60,
            )
        )
        uow.commit()
    wf.transition(
        iid,
        IncidentStatus.CLOSED,
        dto.version,
        actor="王建华",
        site="s",
        at=closed,
        note="积水全部排除，转移群众已返家。",
    )
    text = render_text(IncidentReportService(db).build(iid, ReportKind.FINAL, _now()))
    assert text.splitlines()[0].endswith("的核报")
    assert "受灾人口1500人" in text and "紧急转移安置320人" in text and "直接经济损失60万元" in text
    assert "受灾人口1200人" not in text
    # The closing note once, with the closing step under 三.
    assert text.count("积水全部排除，转移群众已返家。") == 1
    assert "事件状态转为「结束」：积水全部排除，转移群众已返家。" in text
    assert "处置小结" not in text
    assert "当前状态：结束" in text


def test_unknown_incident(db: Database) -> None:
    with pytest.raises(RuleViolation):
        IncidentReportService(db).build(uuid.uuid4(), ReportKind.INITIAL, _now())


def test_xlsx(db: Database, tmp_path: Path) -> None:
    iid = _id(db, "食物中毒")
    report = IncidentReportService(db).build(iid, ReportKind.INITIAL, _now())
    path = tmp_path / "r.xlsx"
    write_xlsx(report, path)
    ws = load_workbook(path).active
    assert ws is not None
    assert ws["A1"].value == "关于某学校学生疑似食物中毒的初报"
    values = [c.value for c in ws["A"]]
    assert "一、基本情况" in values and "四、下一步工作" in values
    assert ws["A1"].font.bold
    # Edited text is written as given.
    write_xlsx("改过的标题\n一、基本情况\n正文", path)
    assert load_workbook(path).active["A1"].value == "改过的标题"  # type: ignore[index]


def _section(text: str, heading: str) -> list[str]:
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.endswith(f"、{heading}"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    return lines[start + 1 : end]


def test_nothing_is_written_twice(db: Database) -> None:
    """Every incident of the demo, every kind: no line twice, no log entry under
    two headings, the time of receipt once, the township not again in brackets."""
    with db.read_session() as s:
        ids = list(s.scalars(select(Incident.id)))
    assert ids
    service = IncidentReportService(db)
    for iid in ids:
        for kind in ReportKind:
            report = service.build(iid, kind, _now())
            text = render_text(report)
            lines = [line for line in text.split("\n") if line.strip()]
            assert len(lines) == len(set(lines)), (report.title, kind)
            for entry in report.log:
                assert text.count(entry.text) == 1, (report.title, kind, entry.text)
            assert text.count(local_text(report.received_at)) == 1, (report.title, kind)
            place = f"{report.township or ''}{report.village or ''}"
            assert f"{place}（{report.township}" not in text, (report.title, kind)
            assert _section(text, "下一步工作") == [DEFAULT_NEXT_STEPS[kind]]


def test_next_steps_written_by_the_officer(db: Database) -> None:
    iid = _id(db, "储罐泄漏")
    report = IncidentReportService(db).build(iid, ReportKind.FOLLOW_UP, _now())
    typed = "1. 继续监测周边空气质量\n\n2. 督促企业排查同类储罐  "
    text = render_text(report, typed)
    assert _section(text, "下一步工作") == [
        "1. 继续监测周边空气质量",
        "2. 督促企业排查同类储罐",
    ]
    assert DEFAULT_NEXT_STEPS[ReportKind.FOLLOW_UP] not in text
    # Into a text edited elsewhere: only the section changes.
    edited = render_text(report).replace("企业一储罐阀门", "企业3号储罐阀门")
    replaced = set_next_steps(edited, ReportKind.FOLLOW_UP, typed)
    assert "企业3号储罐阀门" in replaced
    assert _section(replaced, "下一步工作") == _section(text, "下一步工作")
    assert set_next_steps(replaced, ReportKind.FOLLOW_UP, "") == edited
    # Without the heading (the officer took it out) the text stays as it is.
    assert set_next_steps("标题\n正文", ReportKind.FOLLOW_UP, typed) == "标题\n正文"


def test_the_kind_owed_when_none_is_asked_for(db: Database) -> None:
    service, wf = IncidentReportService(db), IncidentWorkflow(db)
    iid = _id(db, "人员聚集")
    assert service.build(iid, None, _now()).kind is ReportKind.INITIAL
    wf.record_report(iid, ReportKind.INITIAL, _now(), actor="陈晨", site="s", body="已初报")
    assert service.build(iid, None, _now()).kind is ReportKind.FOLLOW_UP
    closed = _id(db, "两车相撞")
    assert service.build(closed, None, _now()).kind is ReportKind.FINAL


def test_the_response_level_reads_as_the_label_table_writes_it(db: Database) -> None:
    """Whatever spelling a level was stored in, the report writes Ⅳ级响应."""
    iid = _id(db, "人员聚集")
    [dto] = IncidentService(db).by_ids([iid])
    with UnitOfWork(db, actor="王建华", site="s") as uow:
        uow.session.add(
            IncidentLogEntry(
                incident_id=iid,
                kind="status",
                body=status_body(IncidentStatus.RESPONDING, "IV", "县大型活动预案", ""),
                at=dto.received_at + timedelta(minutes=30),
                actor="王建华",
            )
        )
        uow.commit()
    text = render_text(IncidentReportService(db).build(iid, ReportKind.FOLLOW_UP, _now()))
    level = label(Family.RESPONSE_LEVEL, "4", "zh_CN")
    assert level == "Ⅳ级响应"
    assert f"启动{level}（县大型活动预案）" in text
    assert "启动IV" not in text
