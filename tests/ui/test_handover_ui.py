"""交接班 / 接班确认 / 值班日报 dialogs on the demo database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import ChangeLog
from app.domain.clock import CHINA_TZ
from app.domain.identity import acting_as, current_operator
from app.domain.intake import IncidentDraft
from app.domain.rules import ShiftPattern
from app.services.access import AccessService
from app.services.demo import DEMO_PIN
from app.services.duty_report import DutyReportService, report_title
from app.services.handover import HandoverService
from app.services.incidents import IncidentService
from app.services.roster import RosterService
from app.ui.roster.duty_report_dialog import DutyReportDialog
from app.ui.roster.handover_dialog import HandoverDialog
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard

pytestmark = pytest.mark.dates  # runs at every frozen moment too


def _settle(runner: TaskRunner) -> None:
    """Wait for the pool while the test still holds its dialogs: a finished task is
    freed on its worker, and must not take the last reference to a widget with it."""
    assert runner.wait_idle(10000)
    QApplication.processEvents()


def _now() -> datetime:
    return datetime.now(UTC)


def _handover(qtbot: Any, runner: TaskRunner, db: Database, ack: bool = False) -> HandoverDialog:
    dialog = HandoverDialog(
        runner,
        HandoverService(db),
        actor="值班员甲",
        site="seat-1",
        now=_now,
        where="test",
        acknowledge=ack,
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    return dialog


def test_handover_records_new_item_and_closes_carried_one(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    setup = HandoverService(check_db)
    earlier = setup.record(
        None, None, "上一班", [("回复气象局", None)], actor="乙", site="s", at=_now()
    )
    dialog = _handover(qtbot, runner, ui_db)
    dialog.grab().save("/tmp/handover_dialog.png")
    assert dialog.carried.rowCount() == 1
    assert dialog.outgoing.currentData() is not None and dialog.incoming.currentData() is not None
    assert dialog.item_incident.count() > 1
    incident_id = dialog.item_incident.itemData(1)
    dialog.item_incident.setCurrentIndex(1)
    dialog.item_text.setText("跟进 <b>排涝</b> 进展")
    dialog.add_item_from_fields()
    dialog.summary.setPlainText("本班平稳。")
    dialog.set_closing(earlier.items[0].id, "已回复")
    with qtbot.waitSignal(dialog.recorded, timeout=10000) as sig:
        dialog.save_button.click()
    handover = sig.args[0]
    assert handover.summary == "本班平稳。"
    assert [(i.text, str(i.incident_id)) for i in handover.items] == [
        ("跟进 <b>排涝</b> 进展", incident_id)
    ]
    open_items = setup.open_items(_now())
    assert [i.text for i in open_items] == ["跟进 <b>排涝</b> 进展"]
    assert open_items[0].incident_title
    _settle(runner)


def test_acknowledge_and_failed_save_keeps_text(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    setup = HandoverService(check_db)
    h = setup.record(
        None,
        None,
        "夜间 <script>x</script> 平稳",
        [("事项一", None)],
        actor="乙",
        site="s",
        at=_now(),
    )
    dialog = _handover(qtbot, runner, ui_db, ack=True)
    dialog.grab().save("/tmp/handover_ack_dialog.png")
    assert "<script>x</script>" in dialog.view.toPlainText()  # shown as text, not markup
    dialog.ack_note.setText("收到，继续跟进")
    # Another seat acknowledges first: this save is refused and the note stays.
    setup.acknowledge(h.id, actor="丙", site="s", at=_now())
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=10000)
    assert "已" in dialog.error_text() or "taken over" in dialog.error_text()
    assert dialog.ack_note.text() == "收到，继续跟进"
    assert dialog.isVisible()
    dialog.grab().save("/tmp/handover_ack_refused.png")

    # A fresh handover is acknowledged.
    h2 = setup.record(None, None, "第二次", [], actor="乙", site="s", at=_now())
    second = _handover(qtbot, runner, ui_db, ack=True)
    with qtbot.waitSignal(second.acknowledged, timeout=10000) as sig:
        second.save_button.click()
    assert sig.args[0] == h2.id
    assert setup.get(h2.id).ack is not None
    _settle(runner)


def test_handover_refused_keeps_content(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    setup = HandoverService(check_db)
    earlier = setup.record(
        None, None, "上一班", [("回复乡镇", None)], actor="乙", site="s", at=_now()
    )
    dialog = _handover(qtbot, runner, ui_db)
    dialog.summary.setPlainText("要保留的摘要")
    dialog.add_item("新事项")
    dialog.set_closing(earlier.items[0].id, "备注")
    setup.close_item(earlier.items[0].id, actor="丙", site="s", at=_now())  # another seat
    with qtbot.waitSignal(dialog.loaded, timeout=10000):  # refused, then the list reloads
        dialog.save_button.click()
    assert dialog.error_text()
    assert dialog.summary.toPlainText() == "要保留的摘要"
    assert dialog.items_to_add() == [("新事项", None)]
    assert dialog.carried.rowCount() == 0
    dialog.grab().save("/tmp/handover_refused.png")
    with qtbot.waitSignal(dialog.recorded, timeout=10000):  # saving again now works
        dialog.save_button.click()
    _settle(runner)


def test_duty_report_exports(
    qtbot: Any,
    runner: TaskRunner,
    ui_db: Database,
    check_db: Database,
    gui_guard: GuiThreadGuard,
    tmp_path: Path,
) -> None:
    HandoverService(check_db).record(
        None, None, "摘要 <b>x</b>", [("事项", None)], actor="乙", site="s", at=_now()
    )
    # At 08:31 the new duty day has only just begun: give it an incident of its own.
    IncidentService(check_db).record(
        IncidentDraft(
            title="日报测试事件",
            category="accident",
            incident_type="fire",
            severity="IV",
            source="phone",
            received_at=_now(),
            lon=116.95,
            lat=34.19,
        ),
        actor="乙",
        site="s",
        now=_now(),
    )
    dialog = DutyReportDialog(runner, DutyReportService(ui_db), now=_now, where="test")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    dialog.grab().save("/tmp/duty_report_dialog.png")
    report = dialog.report
    assert report is not None and report.incidents
    assert "摘要 <b>x</b>" in dialog.preview.toPlainText()
    # The duty day: at 00:30 or 08:29 the report is still the previous day's.
    day = ShiftPattern().duty_day(_now(), CHINA_TZ)
    assert report.day == day

    xlsx = tmp_path / "日报.xlsx"
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        dialog.export_xlsx(xlsx)
    ws = load_workbook(xlsx).active
    assert ws is not None
    assert ws["A1"].value == report_title(day)
    values = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert report.incidents[0].title in values

    pdf = tmp_path / "日报.pdf"
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        dialog.export_pdf(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile" in data

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    dialog.print_to(printer)
    del printer
    assert printed.read_bytes().startswith(b"%PDF")
    _settle(runner)


def test_duty_report_export_failure_is_shown(
    qtbot: Any, runner: TaskRunner, ui_db: Database, gui_guard: GuiThreadGuard, tmp_path: Path
) -> None:
    dialog = DutyReportDialog(runner, DutyReportService(ui_db), now=_now, where="test")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    with qtbot.waitSignal(dialog.failed, timeout=10000):
        dialog.export_xlsx(tmp_path / "missing-dir" / "x.xlsx")
    _settle(runner)


def test_duty_menu_opens_handover_and_report(window: Any, qtbot: Any) -> None:
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    duty = menus["值班(&D)"]
    texts = [a.text() for a in duty.actions()]
    assert [t for t in texts if t] == [
        "交接班…",
        "接班确认…",
        "值班日报…",
        "人员与AB岗…",
        "值班设置…",
        "报告时限设置…",
        "切换值班人员…",
        "锁定席位",
    ]
    handover = window.open_handover(acknowledge=False)
    assert handover.isVisible()
    report = window.open_duty_report()
    assert report.isVisible()
    window._runner.wait_idle(10000)
    qtbot.wait(50)
    report.reject()
    handover.reject()


def _day_label(day: date) -> str:
    """How the demo roster names a day's 24-hour shift."""
    return f"{day.month}月{day.day}日 值班"


def test_handover_defaults_to_the_shift_on_duty_and_the_incoming_follows(
    window: Any, check_db: Database, qtbot: Any
) -> None:
    """At 08:29 the night is still yesterday's shift; at 08:31 today's is on duty."""
    now = _now()
    duty_day = ShiftPattern().duty_day(now, CHINA_TZ)
    on_duty = RosterService(check_db).on_duty(now)
    assert on_duty is not None and on_duty.label == _day_label(duty_day)
    dialog = window.open_handover(acknowledge=False)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=10000)
    dialog.grab().save("/tmp/handover_defaults.png")
    assert dialog.outgoing.currentText().startswith(_day_label(duty_day))
    assert dialog.incoming.currentText().startswith(_day_label(duty_day + timedelta(days=1)))
    # Who hands over: the leader and the officers of the shift on duty.
    for person in on_duty.assignments:
        assert person.name in dialog.outgoing_people.text()
    assert "带班领导" in dialog.outgoing_people.text()

    # The night officer finishing late picks yesterday's shift: 接班 follows.
    qtbot.keyClick(dialog.outgoing, Qt.Key.Key_Up)
    assert dialog.outgoing.currentText().startswith(_day_label(duty_day - timedelta(days=1)))
    assert dialog.incoming.currentText().startswith(_day_label(duty_day))
    assert all(p.name in dialog.incoming_people.text() for p in on_duty.assignments)

    dialog.summary.setPlainText("夜间平稳。")
    with qtbot.waitSignal(dialog.recorded, timeout=10000) as sig:
        dialog.save_button.click()
    handover = sig.args[0]
    assert (handover.outgoing_label, handover.incoming_label) == (
        _day_label(duty_day - timedelta(days=1)),
        _day_label(duty_day),
    )


def test_takeover_is_signed_by_the_incoming_person_with_their_pin(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    now = check_db.clock()
    setup = HandoverService(check_db)
    ctx = setup.context(now)
    assert ctx.outgoing_id is not None and ctx.incoming_id is not None
    roster, access = RosterService(check_db), AccessService(check_db)
    outgoing_shift, incoming_shift = roster.shift(ctx.outgoing_id), roster.shift(ctx.incoming_id)
    assert outgoing_shift is not None and incoming_shift is not None
    accounts = {c.staff_id for c in access.choices(now)}
    leaving = next(a for a in outgoing_shift.assignments if a.staff_id in accounts)
    arriving = [a for a in incoming_shift.assignments if a.staff_id in accounts and a != leaving]
    taking_over = arriving[-1]
    seat = access.sign_in(leaving.staff_id, DEMO_PIN, site="seat-1", workstation="ws-1")
    with acting_as(seat):
        handover = setup.record(
            ctx.outgoing_id, ctx.incoming_id, "本班平稳", [], actor=seat.user, site="seat-1", at=now
        )
    session = AppSession(ui_db, seat, runner)  # the outgoing officer is signed in here
    dialog = HandoverDialog(
        runner,
        session.services.handover,
        actor=session.user,
        site=session.site,
        now=session.now,
        where="test",
        acknowledge=True,
        session=session,
    )
    qtbot.addWidget(dialog, before_close_func=lambda w: w.discard_guard.mark_clean())
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    # The incoming shift's people are offered first, marked, one of them chosen.
    offered = [dialog.signer.itemData(i) for i in range(dialog.signer.count())]
    assert {uuid.UUID(o) for o in offered[: len(arriving)]} == {a.staff_id for a in arriving}
    assert dialog.signer.itemText(0).endswith("（接班）")
    assert dialog.signer.currentData() == offered[0]
    dialog.signer.setCurrentIndex(dialog.signer.findData(str(taking_over.staff_id)))
    dialog.ack_note.setText("收到，继续跟进")

    # A wrong PIN: said at the field, nothing acknowledged, the note stays.
    dialog.signer_secret.setText("0000")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.signer_text() != "", timeout=10000)
    assert "不正确" in dialog.signer_text()
    assert dialog.signer_secret.text() == "" and dialog.ack_note.text() == "收到，继续跟进"
    assert setup.get(handover.id).ack is None
    assert dialog.save_button.isEnabled()
    dialog.grab().save("/tmp/handover_ack_wrong_pin.png")

    dialog.signer_secret.setText(DEMO_PIN)
    with qtbot.waitSignal(dialog.acknowledged, timeout=10000) as sig:
        dialog.save_button.click()
    assert sig.args[0] == handover.id
    assert dialog.signed_by is not None and dialog.signed_by.staff_id == taking_over.staff_id
    done = setup.get(handover.id)
    assert done.ack is not None
    assert (done.handed_over_by, done.ack.acknowledged_by) == (leaving.name, taking_over.name)
    assert done.ack.note == "收到，继续跟进"
    with check_db.read_session() as s:
        signed = s.execute(
            select(ChangeLog.actor, ChangeLog.actor_id, ChangeLog.workstation)
            .where(ChangeLog.entity_type == "handover_ack")
            .order_by(ChangeLog.seq.desc())
            .limit(1)
        ).one()
    assert (signed.actor, signed.actor_id) == (taking_over.name, taking_over.staff_id)
    assert signed.workstation == "ws-1"  # at this seat
    # The seat's operator is still the outgoing officer.
    assert session.identity == seat and current_operator() == seat
    session.close()
    _settle(runner)
