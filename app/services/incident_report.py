"""突发事件信息报告: an incident's 初报 / 续报 / 核报 in the county's customary layout.

:meth:`IncidentReportService.build` reads the incident, its log and its latest
natural-disaster statistics into a frozen :class:`IncidentReport`;
:func:`render_text` lays it out as the plain text the duty desk sends upward
(title, 报送单位, 报送时间, then 一、 .. 四、 and the signatures);
:func:`write_xlsx` writes the same text to a one-sheet spreadsheet.

Each fact is written once: the handling is the log under 三、处置情况 and
nowhere else, and 四、下一步工作 holds what the officer writes there
(:func:`set_next_steps` puts it into a text that may have been edited), or the
customary closing sentence of the kind of report while nothing is written.

The document is the county's own Chinese text, so its words are written in
Chinese whatever the display language is. No Qt here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import (
    DutyAssignment,
    DutyShift,
    Incident,
    IncidentLogEntry,
    IncidentStatistics,
    Staff,
    Township,
    Village,
)
from app.domain.clock import CHINA_TZ
from app.domain.deadlines import ReportKind, next_report_kind
from app.domain.enums import IncidentStatus, LogEntryKind
from app.domain.identity import current_operator
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation
from app.services.duty_report import ORGANISATION
from app.services.incident_workflow import parse_report_body, parse_status_body
from app.services.spreadsheet import display_width, fit_columns, save_workbook, write_cell

DRILL_MARK = "【演练】"
# A report on a demo incident is made (the desk learns on the demo data), but
# the line under its title says, in every copy, that it must not go anywhere.
DEMO_NOTE = "【演示数据】本报告依据演示数据生成，所述事件并未发生，不得报送。"
PLACEHOLDER = "________"

NUMERALS = ("一", "二", "三", "四", "五", "六")
NEXT_STEPS_HEADING = "下一步工作"
# What 四、下一步工作 says while the officer has written nothing there.
DEFAULT_NEXT_STEPS: dict[ReportKind, str] = {
    ReportKind.INITIAL: (
        "县应急管理局将密切关注事态发展，督促属地和相关部门做好处置工作，及时续报。"
    ),
    ReportKind.FOLLOW_UP: "县应急管理局将继续跟踪事态发展，有新情况及时续报。",
    ReportKind.FINAL: "县应急管理局将督促做好善后工作，组织总结评估。",
}
# Log entries whose kind is named before the text (notes and calls speak for themselves).
_NAMED_KINDS = frozenset(
    {
        LogEntryKind.INSTRUCTION,
        LogEntryKind.DISPATCH,
        LogEntryKind.STATISTICS,
        LogEntryKind.ATTACHMENT,
    }
)


@dataclass(frozen=True, slots=True)
class ReportLogLine:
    """One entry of the log as it appears under 三、处置情况."""

    at: datetime
    kind: str  # LogEntryKind value
    actor: str
    text: str  # already in words (a status step is spelt out)
    corrected: bool = False  # a later entry corrects this one


@dataclass(frozen=True, slots=True)
class DisasterFigures:
    """The latest 自然灾害情况统计 row."""

    at: datetime
    affected_population: int
    deaths: int
    missing: int
    relocated: int
    need_assistance: int
    houses_collapsed: int
    houses_severely_damaged: int
    houses_generally_damaged: int
    crops_affected_ha: float
    crops_damaged_ha: float
    crops_lost_ha: float
    direct_loss_10k_yuan: float


@dataclass(frozen=True, slots=True)
class IncidentReport:
    incident_id: uuid.UUID
    kind: ReportKind
    generated_at: datetime
    title: str  # the incident's title, without a drill mark
    is_drill: bool
    category: str
    incident_type: str
    severity: str
    status: str
    received_at: datetime
    occurred_at: datetime | None
    closed_at: datetime | None
    township: str | None
    village: str | None
    address: str | None
    description: str | None
    deaths: int
    injuries: int
    missing: int
    figures: DisasterFigures | None
    log: tuple[ReportLogLine, ...]
    reporter: str  # 报告人: the person making the report (signed in), else the log's officer
    leader: str  # 值班领导: the roster's leader on duty at ``generated_at``
    is_demo: bool = False  # made from the demo data set


def _zh(family: Family, code: str) -> str:
    """The report is Chinese whatever the display language is."""
    return label(family, code, "zh_CN")


def local_text(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y年%m月%d日 %H:%M")


def report_title(report: IncidentReport) -> str:
    mark = DRILL_MARK if report.is_drill else ""
    return f"{mark}关于{report.title}的{_zh(Family.REPORT_KIND, report.kind)}"


class IncidentReportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def build(
        self,
        incident_id: uuid.UUID,
        kind: ReportKind | None,
        now: datetime,
        *,
        reporter: str | None = None,
    ) -> IncidentReport:
        """The report of ``kind`` on the incident as of ``now``; with ``kind``
        None, the report the incident owes next (初报 until one is made, then
        续报, 核报 once closed).

        Signed by ``reporter`` (the person making it; default: the person at the
        seat, else the last duty officer who wrote in the log) and by the
        leader(s) on duty in the roster at ``now`` (else the last author of a
        领导批示): 值班记录 must name who was responsible, not who typed.

        Raises RuleViolation ``incident.unknown`` for an id that is not there.
        """
        with self._db.read_session() as s:
            row = s.execute(
                select(Incident, Township.name, Village.name)
                .outerjoin(Township, Township.id == Incident.township_id)
                .outerjoin(Village, Village.id == Incident.village_id)
                .where(Incident.id == incident_id)
            ).first()
            if row is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            incident, township, village = row
            entries = list(
                s.scalars(
                    select(IncidentLogEntry)
                    .where(IncidentLogEntry.incident_id == incident_id)
                    .order_by(IncidentLogEntry.at, IncidentLogEntry.created_at)
                )
            )
            stats = s.scalars(
                select(IncidentStatistics)
                .where(IncidentStatistics.incident_id == incident_id)
                .order_by(IncidentStatistics.at.desc(), IncidentStatistics.id)
                .limit(1)
            ).first()
            figures = _figures(stats) if stats is not None else None
            if kind is None:
                made = [
                    parsed[0]
                    for e in entries
                    if e.kind == LogEntryKind.REPORT.value
                    and (parsed := parse_report_body(e.body)) is not None
                ]
                kind = next_report_kind(incident.status == IncidentStatus.CLOSED.value, made)
            kind = ReportKind(kind)
            corrected = {e.corrects_id for e in entries if e.corrects_id is not None}
            lines: list[ReportLogLine] = []
            log_reporter = ""
            leader = ""
            for e in entries:
                if e.kind == LogEntryKind.REPORT.value:
                    continue  # earlier reports are not part of the handling
                text = _entry_text(e.kind, e.body)
                if e.kind == LogEntryKind.INSTRUCTION.value:
                    leader = e.actor
                else:
                    log_reporter = e.actor
                lines.append(ReportLogLine(e.at, e.kind, e.actor, text, e.id in corrected))
            on_duty = _leaders_on_duty(s, now)
            if on_duty:
                leader = on_duty
            operator = current_operator()
            if not reporter:
                reporter = operator.user if operator is not None else log_reporter
            title = incident.title.strip()
            if title.startswith(DRILL_MARK):
                title = title[len(DRILL_MARK) :].strip()
            return IncidentReport(
                incident_id=incident.id,
                kind=kind,
                generated_at=now,
                title=title,
                is_drill=incident.is_drill,
                is_demo=incident.is_demo,
                category=incident.category,
                incident_type=incident.incident_type,
                severity=incident.severity,
                status=incident.status,
                received_at=incident.received_at,
                occurred_at=incident.occurred_at,
                closed_at=incident.closed_at,
                township=township,
                village=village,
                address=incident.address,
                description=incident.description,
                deaths=incident.deaths,
                injuries=incident.injuries,
                missing=incident.missing,
                figures=figures,
                log=tuple(lines),
                reporter=reporter,
                leader=leader,
            )


def _leaders_on_duty(s: Session, now: datetime) -> str:
    """The leaders on the shift covering ``now`` ("、"-joined; the later shift
    when two overlap at handover), or ""."""
    shift_id = s.scalar(
        select(DutyShift.id)
        .where(DutyShift.starts_at <= now, DutyShift.ends_at > now)
        .order_by(DutyShift.starts_at.desc())
        .limit(1)
    )
    if shift_id is None:
        return ""
    names = s.scalars(
        select(Staff.name)
        .join(DutyAssignment, DutyAssignment.staff_id == Staff.id)
        .where(DutyAssignment.shift_id == shift_id, DutyAssignment.role == "leader")
        .order_by(Staff.name)
    ).all()
    return "、".join(names)


def _figures(r: IncidentStatistics) -> DisasterFigures:
    return DisasterFigures(
        at=r.at,
        affected_population=r.affected_population,
        deaths=r.deaths,
        missing=r.missing,
        relocated=r.relocated,
        need_assistance=r.need_assistance,
        houses_collapsed=r.houses_collapsed,
        houses_severely_damaged=r.houses_severely_damaged,
        houses_generally_damaged=r.houses_generally_damaged,
        crops_affected_ha=float(r.crops_affected_ha or 0),
        crops_damaged_ha=float(r.crops_damaged_ha or 0),
        crops_lost_ha=float(r.crops_lost_ha or 0),
        direct_loss_10k_yuan=float(r.direct_loss_10k_yuan or 0),
    )


def _entry_text(kind: str, body: str) -> str:
    """The entry in words (a status step spelt out, its level by the label table)."""
    if kind == LogEntryKind.STATUS.value:
        try:
            st = parse_status_body(body)
        except (ValueError, KeyError, TypeError):
            return body.strip()  # free text (older or imported entries)
        text = f"事件状态转为「{_zh(Family.INCIDENT_STATUS, st.status)}」"
        if st.response_level:
            text += f"，启动{_zh(Family.RESPONSE_LEVEL, st.response_level)}"
        if st.plan:
            text += f"（{st.plan}）"
        if st.note:
            text += f"：{st.note}"
        return text
    if kind in _NAMED_KINDS:
        return f"{_zh(Family.LOG_KIND, kind)}：{body.strip()}"
    return body.strip()


def _place(township: str | None, village: str | None, address: str | None) -> str:
    """Township and village, then what the address adds to them (an address
    often repeats the township and village it lies in)."""
    place = "".join(p for p in (township, village) if p)
    rest = (address or "").strip()
    for part in (township, village):
        if part and rest.startswith(part):
            rest = rest[len(part) :].lstrip("，, ")
    if not place:
        return rest or "（乡镇未填）"
    if not rest:
        return place
    return place + (rest if rest.startswith("（") else f"（{rest}）")


def _next_steps_lines(kind: ReportKind, next_steps: str) -> list[str]:
    lines = [line.rstrip() for line in next_steps.strip().splitlines() if line.strip()]
    return lines or [DEFAULT_NEXT_STEPS[kind]]


def set_next_steps(text: str, kind: ReportKind, next_steps: str) -> str:
    """``text`` (a rendered report, maybe edited) with the body of 下一步工作
    replaced by ``next_steps`` (the default sentence of ``kind`` when blank).

    The body runs from the heading to the next blank line. A text without the
    heading is returned as it is.
    """
    lines = text.split("\n")
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line[:1] in NUMERALS and line[1:].strip() == f"、{NEXT_STEPS_HEADING}"
        ),
        None,
    )
    if start is None:
        return text
    end = start + 1
    while end < len(lines) and lines[end].strip():
        end += 1
    return "\n".join(lines[: start + 1] + _next_steps_lines(kind, next_steps) + lines[end:])


def _int(n: float) -> str:
    return f"{n:g}"


def render_text(report: IncidentReport, next_steps: str = "") -> str:
    """The report as plain text in the customary layout; ``next_steps`` is
    what the officer wrote under 下一步工作."""
    r = report
    out: list[str] = [report_title(r), *([DEMO_NOTE] if r.is_demo else []), ""]
    out.append(f"报送单位：{ORGANISATION}")
    out.append(f"报送时间：{local_text(r.generated_at)}")
    out.append("")
    section = 0

    def heading(text: str) -> None:
        nonlocal section
        out.append(f"{NUMERALS[section]}、{text}")
        section += 1

    # 一、基本情况
    heading("基本情况")
    place = _place(r.township, r.village, r.address)
    category = _zh(Family.INCIDENT_CATEGORY, r.category)
    kind = _zh(Family.INCIDENT_TYPE, r.incident_type)
    severity = _zh(Family.SEVERITY, r.severity)
    if r.occurred_at is None or local_text(r.occurred_at) == local_text(r.received_at):
        # One moment: written once.
        basic = f"{local_text(r.received_at)}，县应急管理局值班室接报：萧县{place}发生{r.title}。"
    else:
        basic = (
            f"{local_text(r.occurred_at)}，萧县{place}发生{r.title}。"
            f"{local_text(r.received_at)}，县应急管理局值班室接报。"
        )
    basic += (
        f"事件类别：{category}（{kind}）；事件等级：{severity}；"
        f"当前状态：{_zh(Family.INCIDENT_STATUS, r.status)}。"
    )
    out.append(basic)
    if r.description:
        out.append(r.description.strip())
    if r.is_drill:
        out.append("（本事件为演练，非真实突发事件。）")
    out.append("")

    # 二、人员伤亡及损失
    heading("人员伤亡及损失")
    if r.deaths or r.injuries or r.missing:
        out.append(f"截至目前，事件造成死亡{r.deaths}人、受伤{r.injuries}人、失踪{r.missing}人。")
    else:
        out.append("截至目前，未收到人员伤亡报告（死亡0人、受伤0人、失踪0人）。")
    f = r.figures
    if f is not None:
        out.append(
            f"据灾情统计（{local_text(f.at)}）：受灾人口{f.affected_population}人，"
            f"因灾死亡{f.deaths}人、失踪{f.missing}人，紧急转移安置{f.relocated}人，"
            f"需紧急生活救助{f.need_assistance}人；农作物受灾面积{_int(f.crops_affected_ha)}公顷、"
            f"成灾{_int(f.crops_damaged_ha)}公顷、绝收{_int(f.crops_lost_ha)}公顷；"
            f"倒塌房屋{f.houses_collapsed}间，严重损坏{f.houses_severely_damaged}间、"
            f"一般损坏{f.houses_generally_damaged}间；"
            f"直接经济损失{_int(f.direct_loss_10k_yuan)}万元。"
        )
    out.append("")

    # 三、处置情况
    heading("处置情况")
    if r.log:
        for n, line in enumerate(r.log, start=1):
            when = line.at.astimezone(CHINA_TZ).strftime("%m月%d日%H:%M")
            mark = "（已更正）" if line.corrected else ""
            out.append(f"{n}. {when}，{line.text}{mark}（{line.actor}）")
    else:
        out.append("暂无处置记录。")
    out.append("")

    # 四、下一步工作: the officer's words; the handling so far is under 三 only.
    heading(NEXT_STEPS_HEADING)
    out.extend(_next_steps_lines(r.kind, next_steps))
    out.append("")

    out.append(f"报告人：{r.reporter or PLACEHOLDER}        值班领导：{r.leader or PLACEHOLDER}")
    return "\n".join(out)


def write_xlsx(report: IncidentReport | str, path: Path | str) -> None:
    """Write a report (or its text as rendered and maybe edited) to a one-sheet XLSX
    through :mod:`app.services.spreadsheet` (literal text, written whole or not
    at all; raises OSError when the file cannot be written).

    Every line is one cell of column A, as wide as the longest line up to about
    50 Chinese characters; longer lines wrap (Excel sizes their rows). The
    first line is the title (bold, centred); numbered headings are bold.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws: Any = wb.active
    ws.title = "突发事件信息报告"
    wrap = Alignment(wrap_text=True, vertical="top")
    text = report if isinstance(report, str) else render_text(report)
    lines = text.split("\n")
    for row, line in enumerate(lines, start=1):
        cell = write_cell(ws, row, 1, line)
        if row == 1:
            cell.font = Font(bold=True, size=16)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            continue
        cell.alignment = wrap
        if line[:2] in {f"{n}、" for n in NUMERALS}:
            cell.font = Font(bold=True, size=13)
    widths = fit_columns(ws, min_width=40, max_width=100)
    if display_width(lines[0]) * 16 / 11 < widths.get("A", 0):
        ws.row_dimensions[1].height = 30  # room around a one-line title; a longer one wraps
    save_workbook(wb, path)
