"""值班日报: the daily duty report of one calendar day (China time).

:meth:`DutyReportService.build` reads everything the report shows into a
frozen :class:`DutyReport`; :func:`write_xlsx` writes it as a spreadsheet.
The spreadsheet is the county's own Chinese document, so its headings and the
names of stored codes are written in Chinese whatever the display language is.
No Qt here: the dialog renders the same report for preview, PDF and print.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import DutyShift, Incident, Staff, Township
from app.domain.clock import CHINA_TZ
from app.domain.enums import IncidentStatus, StaffRole
from app.domain.labels import Family, codes, label
from app.domain.rules import StaffingRule
from app.services.dto import ShiftDTO
from app.services.handover import HandoverDTO, HandoverItemDTO, HandoverService, local_day_bounds
from app.services.office import OfficeSettings
from app.services.roster import RosterService
from app.services.spreadsheet import (
    fit_columns,
    save_workbook,
    write_cell,
    write_header,
    write_row,
)

ORGANISATION = "萧县应急管理局"
DEMO_NOTE = "本日报包含演示数据，不得作为正式值班日报报送。"


@dataclass(frozen=True, slots=True)
class ReportIncident:
    id: uuid.UUID
    received_at: datetime
    title: str
    category: str
    severity: str
    status: str
    is_drill: bool
    township: str | None


@dataclass(frozen=True, slots=True)
class ReportCounts:
    incidents: int
    real_incidents: int
    drills: int
    closed: int
    still_open: int
    by_category: tuple[tuple[str, int], ...]
    handovers: int
    open_items: int
    # Incidents of any day still not closed at the time the report was made.
    open_incidents_all: int


@dataclass(frozen=True, slots=True)
class DutyReport:
    day: date
    generated_at: datetime
    shifts: tuple[ShiftDTO, ...]
    incidents: tuple[ReportIncident, ...]
    handovers: tuple[HandoverDTO, ...]
    open_items: tuple[HandoverItemDTO, ...]
    counts: ReportCounts
    # Demo data was asked for: every copy of the report says so.
    include_demo: bool = False


def _zh(family: Family, code: str) -> str:
    """The spreadsheet is Chinese whatever the display language is."""
    return label(family, code, "zh_CN")


def report_title(day: date) -> str:
    return f"{ORGANISATION}值班日报 {day.year}年{day.month}月{day.day}日"


def local_text(moment: datetime, day: date | None = None) -> str:
    """``HH:MM`` in China time, with the date when it is not ``day``."""
    local = moment.astimezone(CHINA_TZ)
    if day is not None and local.date() == day:
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


class DutyReportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def build(
        self, day: date, now: datetime | None = None, *, include_demo: bool = False
    ) -> DutyReport:
        """The report of the duty day ``day``: from the office's handover time on
        ``day`` (08:30 unless set otherwise) to the same time the next morning, so
        the night shift belongs to the day it began. ``now`` (default: the
        current time) is when it was made; open items are those still open then.

        Demo data stays out unless ``include_demo``: demo incidents, demo people,
        demo shifts that no real person is on (one that is shows its real people
        only) and handover items raised about a demo incident. Handovers are the
        desk's own record and always count (see ``demo.remove_demo``)."""
        generated = (now or self._db.clock()).astimezone(CHINA_TZ)
        policy = OfficeSettings(self._db).roster_policy().policy
        start, end = local_day_bounds(day, policy.pattern.handover)
        shifts = RosterService(self._db).shifts_between(start, end)
        handover = HandoverService(self._db)
        handovers = handover.for_day(day, policy.pattern.handover)
        open_items = handover.open_items(generated)
        real_only = [] if include_demo else [Incident.is_demo.is_(False)]
        with self._db.read_session() as s:
            rows = s.execute(
                select(
                    Incident.id,
                    Incident.received_at,
                    Incident.title,
                    Incident.category,
                    Incident.severity,
                    Incident.status,
                    Incident.is_drill,
                    Township.name.label("township"),
                )
                .outerjoin(Township, Township.id == Incident.township_id)
                .where(Incident.received_at >= start, Incident.received_at < end, *real_only)
                .order_by(Incident.received_at, Incident.id)
            ).all()
            open_all = s.scalar(
                select(func.count())
                .select_from(Incident)
                .where(Incident.status != IncidentStatus.CLOSED.value, *real_only)
            )
            if not include_demo:
                items = [*open_items, *(i for h in handovers for i in h.items)]
                demo = _DemoIds(
                    _demo_among(s, DutyShift, {sh.id for sh in shifts}),
                    _demo_among(s, Staff, {a.staff_id for sh in shifts for a in sh.assignments}),
                    _demo_among(s, Incident, {i.incident_id for i in items if i.incident_id}),
                )
        if not include_demo:
            shifts = demo.real_shifts(shifts, policy.staffing)
            handovers = [
                replace(h, items=tuple(i for i in h.items if demo.real_item(i))) for h in handovers
            ]
            open_items = [i for i in open_items if demo.real_item(i)]
        incidents = tuple(ReportIncident(*row) for row in rows)
        return DutyReport(
            day=day,
            generated_at=generated,
            shifts=tuple(shifts),
            incidents=incidents,
            handovers=tuple(handovers),
            open_items=tuple(open_items),
            counts=_counts(incidents, handovers, open_items, int(open_all or 0)),
            include_demo=include_demo,
        )


def _demo_among(s: Session, model: Any, ids: set[uuid.UUID]) -> frozenset[uuid.UUID]:
    """Those of ``ids`` that are demo rows of ``model``."""
    found: set[uuid.UUID] = set()
    chunked = sorted(ids, key=str)
    for k in range(0, len(chunked), 500):
        found.update(
            s.scalars(
                select(model.id).where(model.id.in_(chunked[k : k + 500]), model.is_demo.is_(True))
            )
        )
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class _DemoIds:
    shifts: frozenset[uuid.UUID]
    staff: frozenset[uuid.UUID]
    incidents: frozenset[uuid.UUID]

    def real_shifts(self, shifts: list[ShiftDTO], staffing: StaffingRule) -> list[ShiftDTO]:
        out = []
        for sh in shifts:
            people = tuple(a for a in sh.assignments if a.staff_id not in self.staff)
            if sh.id in self.shifts and not people:
                continue
            if len(people) != len(sh.assignments):
                known = StaffRole._value2member_map_
                roles = [StaffRole(a.role) for a in people if a.role in known]
                shortfall = {r.value: n for r, n in staffing.shortfall(roles).items()}
                sh = replace(sh, assignments=people, shortfall=shortfall)
            out.append(sh)
        return out

    def real_item(self, item: HandoverItemDTO) -> bool:
        return item.incident_id is None or item.incident_id not in self.incidents


def _counts(
    incidents: tuple[ReportIncident, ...],
    handovers: list[HandoverDTO],
    open_items: list[HandoverItemDTO],
    open_all: int,
) -> ReportCounts:
    drills = sum(1 for i in incidents if i.is_drill)
    closed = sum(1 for i in incidents if i.status == IncidentStatus.CLOSED.value)
    by_category: dict[str, int] = {}
    for i in incidents:
        if not i.is_drill:
            by_category[i.category] = by_category.get(i.category, 0) + 1
    order = list(codes(Family.INCIDENT_CATEGORY))
    return ReportCounts(
        incidents=len(incidents),
        real_incidents=len(incidents) - drills,
        drills=drills,
        closed=closed,
        still_open=len(incidents) - closed,
        by_category=tuple(
            sorted(
                by_category.items(),
                key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order),
            )
        ),
        handovers=len(handovers),
        open_items=len(open_items),
        open_incidents_all=open_all,
    )


def people_text(shift: ShiftDTO, role: str) -> str:
    people = [a for a in shift.assignments if a.role == role]
    return "、".join(f"{a.name}（{a.phone}）" if a.phone else a.name for a in people)


# -- spreadsheet -------------------------------------------------------------------


def write_xlsx(report: DutyReport, path: Path | str) -> None:
    """Write the report as an XLSX file (Chinese headings, one sheet, A4 landscape)
    through :mod:`app.services.spreadsheet`: every text literal, columns fitted
    to their text, written whole or not at all. Raises OSError when the file
    cannot be written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws: Any = wb.active
    ws.title = "值班日报"
    columns = 7
    row = 1

    def merged(text: str, font: Any, height: float | None = None, *, width: int = columns) -> None:
        nonlocal row
        write_cell(ws, row, 1, text).font = font
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="left", vertical="center")
        if height:
            ws.row_dimensions[row].height = height
        row += 1

    def table(headers: list[str], lines: list[list[Any]], empty: str) -> None:
        nonlocal row
        write_header(ws, row, headers)
        row += 1
        if not lines:
            merged(empty, Font(), width=len(headers))
        for line in lines:
            write_row(ws, row, line)
            row += 1
        row += 1

    title = report_title(report.day)
    write_cell(ws, row, 1, title).font = Font(bold=True, size=16)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[row].height = 30
    row += 1
    merged(f"生成时间：{local_text(report.generated_at)}", Font(color="666666"))
    if report.include_demo:
        merged(DEMO_NOTE, Font(bold=True, color="B30000"))
    row += 1

    c = report.counts
    merged("一、概况", Font(bold=True, size=13), 20)
    categories = (
        "，".join(f"{_zh(Family.INCIDENT_CATEGORY, k)} {n} 起" for k, n in c.by_category) or "无"
    )
    for text in (
        f"当日接报突发事件 {c.incidents} 起（真实事件 {c.real_incidents} 起，演练 {c.drills} 起），"
        f"已结束 {c.closed} 起，未结束 {c.still_open} 起。",
        f"真实事件分类：{categories}。",
        f"当日交接班 {c.handovers} 次；交接事项未办结 {c.open_items} 项；"
        f"全部未结束突发事件 {c.open_incidents_all} 起。",
    ):
        merged(text, Font())
    row += 1

    merged("二、值班安排", Font(bold=True, size=13), 20)
    table(
        [
            "班次",
            "时间",
            _zh(Family.STAFF_ROLE, StaffRole.LEADER),
            _zh(Family.STAFF_ROLE, StaffRole.OFFICER),
        ],
        [
            [
                sh.label,
                f"{local_text(sh.starts_at)} 至 {local_text(sh.ends_at)}",
                people_text(sh, "leader"),
                people_text(sh, "officer"),
            ]
            for sh in report.shifts
        ],
        "当日无排班。",
    )

    merged("三、突发事件", Font(bold=True, size=13), 20)
    table(
        ["接报时间", "事件", "类别", "等级", "状态", "演练", "乡镇"],
        [
            [
                local_text(i.received_at, report.day),
                i.title,
                _zh(Family.INCIDENT_CATEGORY, i.category),
                _zh(Family.SEVERITY, i.severity),
                _zh(Family.INCIDENT_STATUS, i.status),
                "演练" if i.is_drill else "",
                i.township or "",
            ]
            for i in report.incidents
        ],
        "当日无接报。",
    )

    merged("四、交接班", Font(bold=True, size=13), 20)
    table(
        ["交班时间", "摘要", "交班人", "接班确认", "事项数"],
        [
            [
                local_text(h.handed_over_at, report.day),
                h.summary or "",
                h.handed_over_by,
                f"{h.ack.acknowledged_by} {local_text(h.ack.acknowledged_at, report.day)}"
                if h.ack
                else "未确认",
                len(h.items),
            ]
            for h in report.handovers
        ],
        "当日无交接班记录。",
    )

    merged("五、未办结交接事项", Font(bold=True, size=13), 20)
    table(
        ["提出时间", "事项", "关联事件", "提出人"],
        [
            [
                local_text(item.handed_over_at),
                item.text,
                item.incident_title or "",
                item.created_by,
            ]
            for item in report.open_items
        ],
        "无。",
    )
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    fit_columns(ws, min_width=10, max_width=50)
    save_workbook(wb, path)
