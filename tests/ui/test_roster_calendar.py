"""The roster calendar on the demo database: grid, assigning (dialog and drop),
refusals, copying a week, swaps, the checks tab, the month view, import preview."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMenu
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import DutyShift, DutySwap
from app.domain.clock import CHINA_TZ
from app.domain.rules import ShiftPattern
from app.services.dto import ShiftDTO, StaffDTO
from app.services.roster import RosterService, monday_of
from app.ui.roster import calendar as roster_calendar
from app.ui.roster.calendar import MONTH, WEEK, staff_mime
from app.ui.roster.panel import RosterPanel, visible_problems
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session

pytestmark = pytest.mark.dates  # runs at every frozen moment too

ACTOR = "值班员甲"


@pytest.fixture
def panel(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[RosterPanel]:
    p = RosterPanel(make_session(ui_db, runner, ACTOR))
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=15000):
        p.refresh()
    yield p
    p.close()


def _reload(qtbot: Any, panel: RosterPanel) -> None:
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        panel.refresh()


def _text(panel: RosterPanel, shift: ShiftDTO) -> str:
    index = panel.calendar.model.index_of_shift(shift.id)
    assert index.isValid(), shift.label
    return str(index.data())


def _current(check_db: Database) -> ShiftDTO:
    shift = RosterService(check_db).on_duty(datetime.now(UTC))
    assert shift is not None
    return shift


def _free_officer(panel: RosterPanel, shift: ShiftDTO) -> StaffDTO:
    on = {p.staff_id for p in shift.assignments}
    return next(s for s in panel.calendar.staff if s.role == "officer" and s.id not in on)


def _names_on(check_db: Database, shift_id: Any) -> set[str]:
    svc = RosterService(check_db)
    shift = next(
        s
        for s in svc.shifts_between(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
        if s.id == shift_id
    )
    return {p.name for p in shift.assignments}


def test_week_grid_shows_the_demo_shifts(panel: RosterPanel, check_db: Database) -> None:
    cal = panel.calendar
    assert cal.mode == WEEK
    assert [panel.tabs.tabText(i).split(" ")[0] for i in range(3)] == ["值班表", "近期班次", "检查"]
    # The duty day: before the 08:30 handover the shift on duty is yesterday's.
    today = ShiftPattern().duty_day(datetime.now(UTC), CHINA_TZ)
    week = RosterService(check_db).week(today)
    assert week.shifts, "the demo roster has shifts this week"
    assert cal.model.rowCount() == 7
    for shift in week.shifts:
        text = _text(panel, shift)
        for person in shift.assignments:
            assert person.name in text
        if shift.shortfall:
            assert "缺值班员" in text
            index = cal.model.index_of_shift(shift.id)
            assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    row = (today - monday_of(today)).days
    header = cal.model.headerData(row, Qt.Orientation.Vertical)
    assert f"{today.month}月{today.day}日" in header
    assert cal.model.headerData(row, Qt.Orientation.Vertical, Qt.ItemDataRole.FontRole).bold()
    assert "带班" in _text(panel, week.shifts[0])


def test_assign_by_dialog(panel: RosterPanel, check_db: Database, qtbot: Any) -> None:
    shift = _current(check_db)
    person = _free_officer(panel, shift)
    dialog = panel.calendar.open_assign_dialog(shift)
    dialog.set_checked(person.id, True)
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        dialog.accept()
    assert person.name in _names_on(check_db, shift.id)
    assert person.name in _text(panel, shift)
    assert "排班" in panel.calendar.message.text() or "保存" in panel.calendar.message.text()


def test_assign_by_drop(panel: RosterPanel, check_db: Database, qtbot: Any) -> None:
    cal = panel.calendar
    shift = _current(check_db)
    person = _free_officer(panel, shift)
    row = next(r for r, s in enumerate(cal.staff_model.rows()) if s.id == person.id)
    mime = cal.staff_model.mimeData([cal.staff_model.index(row, 0)])
    target = cal.model.index_of_shift(shift.id)
    assert cal.model.flags(target) & Qt.ItemFlag.ItemIsDropEnabled
    assert cal.model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        assert cal.model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, target)
    assert person.name in _names_on(check_db, shift.id)
    assert person.name in _text(panel, shift)
    # A leader dropped goes on as leader.
    leader = next(
        s
        for s in cal.staff
        if s.role == "leader" and s.id not in {p.staff_id for p in shift.assignments}
    )
    nxt = RosterService(check_db).on_duty(shift.ends_at + timedelta(hours=1))
    assert nxt is not None
    if not cal.model.index_of_shift(nxt.id).isValid():
        # The next shift starts in the next week (a Sunday's night shift): go there,
        # as the officer would, before dropping.
        with qtbot.waitSignal(cal.model.modelReset, timeout=15000):
            cal.go_to(nxt.starts_at.astimezone(CHINA_TZ).date())
        assert cal.model.index_of_shift(nxt.id).isValid()
    if leader.id not in {p.staff_id for p in nxt.assignments}:
        with qtbot.waitSignal(panel.loaded, timeout=15000):
            cal.model.dropMimeData(
                staff_mime(leader),
                Qt.DropAction.CopyAction,
                -1,
                -1,
                cal.model.index_of_shift(nxt.id),
            )
        got = RosterService(check_db).on_duty(nxt.starts_at + timedelta(hours=1))
        assert got is not None and leader.name in {p.name for p in got.leaders}


def test_overlapping_assignment_is_refused_in_chinese(
    panel: RosterPanel, check_db: Database, qtbot: Any
) -> None:
    cal = panel.calendar
    shift = _current(check_db)
    busy = shift.officers[0]
    local = shift.starts_at.astimezone(CHINA_TZ)
    extra = RosterService(check_db).define_shift(
        local + timedelta(hours=10), local + timedelta(hours=14), "加班", actor="t", site="t"
    )
    _reload(qtbot, panel)
    index = cal.model.index_of_shift(extra)
    assert index.isValid() and "加班" in str(index.data())
    mime = staff_mime(next(s for s in cal.staff if s.id == busy.staff_id))
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        cal.model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, index)
    message = cal.message.text()
    assert cal.message.isVisible()
    assert busy.name in message and "拒绝" in message and "值班" in message
    assert busy.name not in _names_on(check_db, extra)


def test_copy_week_into_an_empty_future_week(
    panel: RosterPanel, check_db: Database, qtbot: Any
) -> None:
    today = datetime.now(UTC).astimezone(CHINA_TZ).date()
    source = monday_of(today)
    target = source + timedelta(days=35)
    svc = RosterService(check_db)
    assert svc.week(target).shifts == ()
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        panel.calendar.copy_week(source, target)
    assert len(svc.week(target).shifts) == len(svc.week(source).shifts) > 0
    assert "复制" in panel.calendar.message.text()
    # Again: the target week is no longer empty; refused, nothing more written.
    with check_db.read_session() as s:
        before = s.scalar(select(func.count()).select_from(DutyShift))
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        panel.calendar.copy_week(source, target)
    assert "已有班次" in panel.calendar.message.text()
    with check_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(DutyShift)) == before


def test_swap_records_who_agreed(panel: RosterPanel, check_db: Database, qtbot: Any) -> None:
    cal = panel.calendar
    shift = _current(check_db)
    leaving = shift.officers[0]
    menu = QMenu()
    actions = cal.context_actions(cal.model.index_of_shift(shift.id), menu)
    assert any(a.text() == f"换班: {leaving.name}…" for a in actions)
    dialog = cal.open_swap_dialog(shift, leaving)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled(), "who agreed is required"
    dialog.agreed_by.setText("带班领导王")
    dialog.reason.setText("家中有事")
    assert ok.isEnabled()
    replacement = dialog.replacement_id()
    assert replacement is not None and replacement not in {p.staff_id for p in shift.assignments}
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        dialog.accept()
    names = _names_on(check_db, shift.id)
    assert leaving.name not in names
    with check_db.read_session() as s:
        swap = s.scalars(select(DutySwap)).one()
    assert (swap.shift_id, swap.from_staff_id, swap.to_staff_id) == (
        shift.id,
        leaving.staff_id,
        replacement,
    )
    assert (swap.agreed_by, swap.reason, swap.recorded_by) == ("带班领导王", "家中有事", ACTOR)
    menu.deleteLater()


def test_checks_tab_lists_the_understaffed_shift(panel: RosterPanel, check_db: Database) -> None:
    checks = RosterService(check_db).checks(datetime.now(UTC))
    short = [p for p in checks.problems if p.code == "understaffed"]
    assert short
    lines = [panel.problems.item(i).text() for i in range(panel.problems.count())]
    shown = visible_problems(checks)
    assert len(lines) == len(shown) < len(checks.problems)  # no gap repeating the shift
    start = short[0].starts_at.astimezone(CHINA_TZ)
    expected = f"{start.month}月{start.day}日 {start:%H:%M}–"
    assert any(line.startswith(expected) and "缺值班员 1人" in line for line in lines), lines
    assert panel.tabs.tabText(2) == f"检查 ({len(shown)})"
    assert any("无人值班" in line for line in lines)


def test_month_view_has_the_days_of_the_month(
    panel: RosterPanel, check_db: Database, qtbot: Any, runner: TaskRunner
) -> None:
    cal = panel.calendar
    with qtbot.waitSignal(runner.idle, timeout=15000):
        cal.set_mode(MONTH)
    today = ShiftPattern().duty_day(datetime.now(UTC), CHINA_TZ)
    days = calendar.monthrange(today.year, today.month)[1]
    assert cal.model.columnCount() == 7
    assert len(cal.model.days_in_period()) == days
    assert cal.period_label.text() == f"{today.year}年{today.month}月"
    month = RosterService(check_db).month(today.year, today.month)
    for shift in month.shifts:
        assert shift.leaders[0].name in _text(panel, shift)
    assert cal.model.index(0, 0).data() is not None
    assert cal.model.data(QModelIndex()) is None


def test_import_preview_enables_import_only_without_errors(
    panel: RosterPanel, check_db: Database, qtbot: Any, tmp_path: Path
) -> None:
    cal = panel.calendar
    staff = cal.staff
    leader = next(s.name for s in staff if s.role == "leader")
    officers = [s.name for s in staff if s.role == "officer"][:2]
    day = datetime.now(UTC).astimezone(CHINA_TZ).date() + timedelta(days=60)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"日期,带班领导,值班员\n{day.isoformat()},{leader},无此人\n", encoding="utf-8")
    qtbot.waitUntil(lambda: cal.import_dialog is None or not cal.import_dialog.isVisible())
    cal.open_import(bad)
    qtbot.waitUntil(lambda: cal.import_dialog is not None, timeout=10000)
    assert cal.import_dialog is not None
    assert not cal.import_dialog.import_button.isEnabled()
    assert "无此人" in cal.import_dialog.table.item(0, 6).text()
    cal.import_dialog.reject()
    good = tmp_path / "good.csv"
    good.write_text(
        f"日期,带班领导,值班员\n{day.isoformat()},{leader},{'、'.join(officers)}\n",
        encoding="utf-8",
    )
    cal.import_dialog = None
    cal.open_import(good)
    qtbot.waitUntil(lambda: cal.import_dialog is not None, timeout=10000)
    dialog = cal.import_dialog
    assert dialog is not None and dialog.import_button.isEnabled()
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        dialog.accept()
    assert len(RosterService(check_db).week(day).shifts) == 1


class _Answers:
    """Stands in for the yes/no box: records each question and gives the next answer."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, _parent: Any, _title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answers.pop(0)


def _shift_count(check_db: Database) -> int:
    with check_db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(DutyShift)) or 0)


def test_copy_last_week_says_first_when_this_week_has_shifts(
    window: Any, check_db: Database, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = _Answers()
    monkeypatch.setattr(roster_calendar, "ask", answers)
    cal = window.roster_panel.calendar
    this_week = cal.monday()
    shifts = len(RosterService(check_db).week(this_week).shifts)
    assert shifts > 0  # the demo roster covers the week on duty now
    before = _shift_count(check_db)
    cal.copy_button.click()
    qtbot.waitUntil(lambda: cal.message.isVisible(), timeout=5000)
    assert cal.message.text() == (
        f"这一周（{this_week.month}月{this_week.day}日起）已有 {shifts} 个班次，不能复制上周："
        "复制只填入还没有班次的一周，不会改动或替换已有的班次。"
    )
    assert answers.asked == [], "nothing to ask: the copy would be refused"
    assert _shift_count(check_db) == before


def test_copy_last_week_into_an_empty_week_asks_with_the_count(
    window: Any, check_db: Database, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = RosterService(check_db)
    last = max(
        s.starts_at
        for s in svc.shifts_between(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    )
    source = monday_of(last.astimezone(CHINA_TZ).date())
    target = source + timedelta(days=7)
    shifts = len(svc.week(source).shifts)
    assert shifts > 0 and svc.week(target).shifts == ()
    cal = window.roster_panel.calendar
    cal.go_to(target)
    answers = _Answers(False, True)
    monkeypatch.setattr(roster_calendar, "ask", answers)
    question = (
        f"把 {source.month}月{source.day}日起一周的 {shifts} 个班次及值班人员"
        f"复制到 {target.month}月{target.day}日起的一周？"
    )

    before = _shift_count(check_db)
    cal.copy_button.click()  # answered no: nothing copied
    qtbot.waitUntil(lambda: len(answers.asked) == 1, timeout=5000)
    assert answers.asked == [question]
    qtbot.wait(100)
    assert _shift_count(check_db) == before

    with qtbot.waitSignal(window.roster_panel.loaded, timeout=15000):
        cal.copy_button.click()  # answered yes
    assert answers.asked == [question, question]
    assert len(svc.week(target).shifts) == shifts
    assert f"已复制 {shifts} 个班次" in cal.message.text()

    # A week after an empty one: there is nothing to copy, and it says so at once.
    cal.go_to(target + timedelta(days=14))
    cal.copy_button.click()
    qtbot.waitUntil(lambda: "上一周" in cal.message.text(), timeout=5000)
    empty = target + timedelta(days=7)
    assert cal.message.text() == (
        f"上一周（{empty.month}月{empty.day}日起）没有班次，没有可复制的。"
    )
    assert len(answers.asked) == 2
