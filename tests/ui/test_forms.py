"""The report, shelter and staff forms never change or throw away what was typed.

Numbers keep their minus sign and are refused with a message at the field; a
phone with letters is refused; a message goes away as soon as its field is
fixed; Esc or the close button ask before typed work is discarded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import Incident, Shelter
from app.domain.registers import SHELTERS
from app.services.disaster_stats import DisasterStats
from app.services.dto import ShelterDTO
from app.services.incidents import IncidentService
from app.services.movements import MovementService
from app.services.resources import ResourceService
from app.services.staff import StaffService
from app.ui.incidents.intake import IncidentIntakeDialog
from app.ui.registers.form import RegisterFormDialog
from app.ui.roster.staff_dialog import StaffDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session

ACTOR, SITE = "值班员甲", "seat-1"
DISCARD_QUESTION = "放弃已填写的内容？"
DISCARD, KEEP = "放弃", "继续填写"
BUTTONS = sorted([DISCARD, KEEP])
NEGATIVE = "不能为负数。"
PHONE_REFUSED = "只能填写数字、空格、短横线、加号、括号和分机号(如 0557-5021234 转 801)。"


class Questions:
    """Answers question boxes as the user would: they are modal, so from a timer."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, list[str]]] = []
        self.reply = KEEP
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._answer)
        self._timer.start()

    def _answer(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        buttons = {b.text(): b for b in box.buttons()}
        self.asked.append((box.text(), sorted(buttons)))
        if self.reply in buttons:
            buttons[self.reply].click()
        else:
            box.reject()  # never leave a test hanging on an unexpected box

    def stop(self) -> None:
        self._timer.stop()


@pytest.fixture(autouse=True)
def questions() -> Iterator[Questions]:
    """Every test answers question boxes: an unexpected one fails a test instead of hanging it."""
    q = Questions()
    yield q
    q.stop()


def _forget_typing(dialog: Any) -> None:
    """qtbot closes the dialogs after each test: what a test left typed is not asked about."""
    dialog.discard_guard.mark_clean()


def shown_error(dialog: QWidget, key: str) -> str:
    """The message under a field, as the user sees it ("" when none is shown)."""
    label = dialog.findChild(QLabel, f"error_{key}")
    assert label is not None, f"no message line for {key}"
    return label.text() if label.isVisible() else ""


def _now() -> datetime:
    return datetime.now(UTC)


def _incidents(db: Database, incident_id: uuid.UUID) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).where(Incident.id == incident_id)) or 0)


def _retype(field: Any, qtbot: Any, text: str) -> None:
    field.selectAll()
    qtbot.keyClicks(field, text)


# -- 接报登记 ---------------------------------------------------------------------


@pytest.fixture
def intake(
    qtbot: Any, runner: TaskRunner, ui_db: Database, gui_guard: GuiThreadGuard
) -> Iterator[IncidentIntakeDialog]:
    incidents, stats = IncidentService(ui_db), DisasterStats(ui_db)
    dialog = IncidentIntakeDialog(
        runner,
        lambda draft: incidents.record(draft, actor=ACTOR, site=SITE, now=_now()),
        [],
        _now,
        "test",
        stats_record=lambda incident_id, figures, at: stats.record(
            incident_id, figures, actor=ACTOR, site=SITE, at=at
        ),
    )
    qtbot.addWidget(dialog, before_close_func=_forget_typing)
    dialog.show()
    yield dialog
    runner.wait_idle(10000)


def _fill_report(dialog: IncidentIntakeDialog) -> None:
    dialog.title.setText("黄口镇暴雨内涝")
    dialog.address.setText("黄口镇")


def test_a_minus_sign_in_the_casualties_is_kept_and_refused_at_the_field(
    intake: IncidentIntakeDialog, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    _fill_report(intake)
    qtbot.keyClicks(intake.deaths, "-3")
    intake.save_button.click()
    assert intake.deaths.text() == "-3"  # what was typed, not 3
    assert shown_error(intake, "deaths") == NEGATIVE
    assert intake.banner.isVisible() and intake.isVisible()
    assert _incidents(check_db, intake.incident_id) == 0

    # The message goes as soon as the number is right, before saving again.
    qtbot.keyClick(intake.deaths, Qt.Key.Key_Home)
    qtbot.keyClick(intake.deaths, Qt.Key.Key_Delete)
    assert intake.deaths.text() == "3"
    assert shown_error(intake, "deaths") == ""
    assert not intake.banner.isVisible()

    with qtbot.waitSignal(intake.recorded, timeout=10000):
        intake.save_button.click()
    with check_db.read_session() as s:
        row = s.get(Incident, intake.incident_id)
        assert row is not None and row.deaths == 3
    assert questions.asked == []  # saved: closed without asking


def test_every_count_and_figure_of_the_report_refuses_what_is_not_a_count(
    intake: IncidentIntakeDialog, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    _fill_report(intake)
    intake.category.setCurrentIndex(intake.category.findData("natural"))
    intake.stats_toggle.click()
    boxes = {"deaths": intake.deaths, "injuries": intake.injuries, "missing": intake.missing}
    boxes.update({f"figure_{n}": box for n, box in intake.stats_form.boxes.items()})
    assert len(boxes) == 3 + 10
    for box in boxes.values():
        qtbot.keyClicks(box, "-1")
    intake.save_button.click()
    for key, box in boxes.items():
        assert (key, box.text(), shown_error(intake, key)) == (key, "-1", NEGATIVE)
    assert _incidents(check_db, intake.incident_id) == 0

    # Not numbers, or not whole people: said so, not dropped or rounded.
    _retype(intake.injuries, qtbot, "2.5")
    _retype(intake.stats_form.boxes["relocated"], qtbot, "45")
    intake.stats_form.boxes["relocated"].insert("人")  # keyClicks types Latin-1 only
    intake.save_button.click()
    assert shown_error(intake, "injuries") == "请输入整数。"
    assert shown_error(intake, "figure_relocated") == "请输入数字。"
    assert intake.injuries.text() == "2.5"
    assert intake.stats_form.boxes["relocated"].text() == "45人"
    assert intake.isVisible() and _incidents(check_db, intake.incident_id) == 0


def test_letters_in_the_callers_phone_are_refused(
    intake: IncidentIntakeDialog, check_db: Database, qtbot: Any
) -> None:
    _fill_report(intake)
    qtbot.keyClicks(intake.phone, "139abc0000")
    intake.save_button.click()
    assert shown_error(intake, "reporter_phone") == PHONE_REFUSED
    assert intake.phone.text() == "139abc0000"
    assert _incidents(check_db, intake.incident_id) == 0

    _retype(intake.phone, qtbot, "(0557) 502-1234")
    assert shown_error(intake, "reporter_phone") == ""
    with qtbot.waitSignal(intake.recorded, timeout=10000):
        intake.save_button.click()
    with check_db.read_session() as s:
        row = s.get(Incident, intake.incident_id)
        assert row is not None and row.reporter_phone == "(0557) 502-1234"


def test_a_required_field_loses_its_message_as_soon_as_it_is_filled(
    intake: IncidentIntakeDialog, qtbot: Any, questions: Questions
) -> None:
    intake.save_button.click()
    assert shown_error(intake, "title") == "必填。"
    assert shown_error(intake, "location") == "坐标、乡镇、地址至少填写一项。"
    qtbot.keyClicks(intake.title, "X")
    assert shown_error(intake, "title") == ""
    assert shown_error(intake, "location") == "坐标、乡镇、地址至少填写一项。"  # still said
    assert intake.banner.isVisible()


def test_an_untouched_report_closes_on_esc_without_asking(
    intake: IncidentIntakeDialog, qtbot: Any, questions: Questions
) -> None:
    qtbot.keyClick(intake.title, Qt.Key.Key_Escape)
    assert not intake.isVisible()
    assert questions.asked == []


def test_esc_or_closing_a_filled_in_report_asks_first(
    intake: IncidentIntakeDialog, qtbot: Any, questions: Questions
) -> None:
    qtbot.keyClicks(intake.deaths, "2")
    qtbot.keyClick(intake.deaths, Qt.Key.Key_Escape)
    assert questions.asked == [(DISCARD_QUESTION, BUTTONS)]
    assert intake.isVisible() and intake.deaths.text() == "2"  # 继续填写

    intake.close()  # the window's close button
    assert len(questions.asked) == 2 and intake.isVisible()

    questions.reply = DISCARD
    intake.cancel_button.click()
    assert len(questions.asked) == 3 and not intake.isVisible()


# -- 避难场所 ---------------------------------------------------------------------


def _shelter(db: Database, name: str = "县城体育场") -> ShelterDTO:
    return next(s for s in ResourceService(db).shelters() if s.name == name)


@pytest.fixture
def shelter_form(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> Iterator[RegisterFormDialog]:
    session = make_session(ui_db, runner, ACTOR)
    dialog = RegisterFormDialog(session, SHELTERS, _shelter(check_db))
    qtbot.addWidget(dialog, before_close_func=_forget_typing)
    dialog.show()
    yield dialog
    runner.wait_idle(10000)
    session.close()


def _field(form: RegisterFormDialog, name: str) -> Any:
    return form.inputs[name]


def _stored(db: Database, shelter_id: uuid.UUID) -> tuple[int, str | None, int]:
    with db.read_session() as s:
        row = s.get(Shelter, shelter_id)
        assert row is not None
        return row.capacity, row.phone, row.version


def test_a_negative_capacity_is_kept_and_refused_at_the_field(
    shelter_form: RegisterFormDialog, check_db: Database, qtbot: Any, runner: TaskRunner
) -> None:
    before = _stored(check_db, shelter_form.base.id)
    _retype(_field(shelter_form, "capacity"), qtbot, "-500")
    shelter_form.save_button.click()
    runner.wait_idle(10000)
    assert _field(shelter_form, "capacity").text() == "-500"
    assert shown_error(shelter_form, "capacity") == "不能为负数：-500"
    assert shelter_form.isVisible() and _stored(check_db, shelter_form.base.id) == before

    qtbot.keyClick(_field(shelter_form, "capacity"), Qt.Key.Key_Home)
    qtbot.keyClick(_field(shelter_form, "capacity"), Qt.Key.Key_Delete)
    assert shown_error(shelter_form, "capacity") == ""
    with qtbot.waitSignal(shelter_form.saved, timeout=10000):
        shelter_form.save_button.click()
    assert _stored(check_db, shelter_form.base.id)[0] == 500


def test_a_capacity_below_the_people_inside_is_refused(
    shelter_form: RegisterFormDialog, check_db: Database, qtbot: Any, runner: TaskRunner
) -> None:
    shelter = shelter_form.base
    assert shelter.occupancy == 215
    before = _stored(check_db, shelter.id)
    _retype(_field(shelter_form, "capacity"), qtbot, "200")
    shelter_form.save_button.click()
    runner.wait_idle(10000)
    assert shown_error(shelter_form, "capacity") == "不能少于当前在住人数（215 人）"
    assert _stored(check_db, shelter.id) == before

    # Another seat moves people in after the form opened: the service refuses.
    MovementService(check_db).record_occupancy(shelter.id, 40, actor="seat-2", site="seat-2")
    _retype(_field(shelter_form, "capacity"), qtbot, "250")
    assert shown_error(shelter_form, "capacity") == ""  # fine as far as the form knows
    shelter_form.save_button.click()
    qtbot.waitUntil(lambda: shown_error(shelter_form, "capacity") != "", timeout=10000)
    assert shown_error(shelter_form, "capacity") == "不能少于当前在住人数（255 人）"
    assert _field(shelter_form, "capacity").text() == "250"
    assert _stored(check_db, shelter.id) == before


def test_letters_in_the_shelter_phone_are_refused(
    shelter_form: RegisterFormDialog, check_db: Database, qtbot: Any, runner: TaskRunner
) -> None:
    before = _stored(check_db, shelter_form.base.id)
    _retype(_field(shelter_form, "phone"), qtbot, "139abc0000")
    shelter_form.save_button.click()
    runner.wait_idle(10000)
    assert (
        shown_error(shelter_form, "phone") == "电话号码只能包含数字、空格、“-”、“+”、括号和分机号"
    )
    assert _field(shelter_form, "phone").text() == "139abc0000"
    assert _stored(check_db, shelter_form.base.id) == before

    _retype(_field(shelter_form, "phone"), qtbot, "+86 557 5021234")
    assert shown_error(shelter_form, "phone") == ""
    with qtbot.waitSignal(shelter_form.saved, timeout=10000):
        shelter_form.save_button.click()
    assert _stored(check_db, shelter_form.base.id)[1] == "+86 557 5021234"


def test_the_shelter_form_asks_before_discarding_and_not_after_saving(
    shelter_form: RegisterFormDialog, qtbot: Any, questions: Questions
) -> None:
    qtbot.keyClick(_field(shelter_form, "manager"), Qt.Key.Key_Escape)  # untouched
    assert not shelter_form.isVisible() and questions.asked == []

    shelter_form.show()
    qtbot.keyClicks(_field(shelter_form, "manager"), "Z")
    qtbot.keyClick(_field(shelter_form, "manager"), Qt.Key.Key_Escape)
    assert questions.asked == [(DISCARD_QUESTION, BUTTONS)]
    assert shelter_form.isVisible() and _field(shelter_form, "manager").text().endswith("Z")

    with qtbot.waitSignal(shelter_form.saved, timeout=10000):
        shelter_form.save_button.click()
    assert not shelter_form.isVisible() and len(questions.asked) == 1


# -- 人员与AB岗 -------------------------------------------------------------------


@pytest.fixture
def staff(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[StaffDialog]:
    d = StaffDialog(runner, StaffService(ui_db), ACTOR, SITE, "demo")
    qtbot.addWidget(d, before_close_func=_forget_typing)
    with qtbot.waitSignal(d.loaded, timeout=10000):
        d.show()
    yield d
    runner.wait_idle(10000)


def test_letters_in_a_staff_phone_are_refused_and_the_message_goes_when_fixed(
    staff: StaffDialog, check_db: Database, qtbot: Any, runner: TaskRunner, questions: Questions
) -> None:
    staff.name.setText("钱七")
    qtbot.keyClicks(staff.phone, "139abc0000")
    staff.save_button.click()
    qtbot.waitUntil(lambda: shown_error(staff, "phone") != "", timeout=10000)
    assert shown_error(staff, "phone") == PHONE_REFUSED
    assert staff.phone.text() == "139abc0000"

    for _ in "0000":
        qtbot.keyClick(staff.phone, Qt.Key.Key_Left)
    for _ in "abc":
        qtbot.keyClick(staff.phone, Qt.Key.Key_Backspace)
    assert staff.phone.text() == "1390000"
    assert shown_error(staff, "phone") == ""
    assert not staff.banner.isVisible()

    staff.phone.setText("+86 (0557) 502-1234 转 801")
    with qtbot.waitSignal(staff.loaded, timeout=10000):
        staff.save_button.click()
    saved = [s for s in StaffService(check_db).list() if s.name == "钱七"]
    assert [s.phone for s in saved] == ["+86 (0557) 502-1234 转 801"]

    qtbot.keyClick(staff.name, Qt.Key.Key_Escape)  # saved: nothing to lose
    assert not staff.isVisible() and questions.asked == []


def test_the_staff_form_asks_before_discarding_a_change(
    staff: StaffDialog, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    person = next(s for s in StaffService(check_db).list() if s.name == "张丽")
    staff.select_staff(person.id)
    qtbot.keyClicks(staff.unit, " X")
    typed = staff.unit.text()

    # Choosing another person in the list would replace the form: asked first.
    names = [staff.table.item(r, 0).text() for r in range(staff.table.rowCount())]  # type: ignore[union-attr]
    other = next(r for r, name in enumerate(names) if name != "张丽")
    staff.table.selectRow(other)
    assert questions.asked == [(DISCARD_QUESTION, BUTTONS)]
    assert staff.unit.text() == typed and staff.base is not None and staff.base.id == person.id

    qtbot.keyClick(staff.unit, Qt.Key.Key_Escape)
    assert len(questions.asked) == 2 and staff.isVisible() and staff.unit.text() == typed

    questions.reply = DISCARD
    staff.close()
    assert len(questions.asked) == 3 and not staff.isVisible()
    assert StaffService(check_db).get(person.id).unit == person.unit  # type: ignore[union-attr]


def test_an_untouched_staff_form_closes_without_asking(
    staff: StaffDialog, qtbot: Any, questions: Questions
) -> None:
    qtbot.keyClick(staff.name, Qt.Key.Key_Escape)
    assert not staff.isVisible() and questions.asked == []


# -- 交接班 -----------------------------------------------------------------------


def test_the_handover_form_asks_before_discarding_what_was_typed(
    window: Any, qtbot: Any, questions: Questions
) -> None:
    dialog = window.open_handover(acknowledge=False)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=10000)
    # Filled in by the program (shifts, carried items): closes without asking.
    qtbot.keyClick(dialog.summary, Qt.Key.Key_Escape)
    assert questions.asked == [] and not dialog.isVisible()

    dialog = window.open_handover(acknowledge=False)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=10000)
    dialog.summary.setPlainText("夜间平稳，官桥镇积水点持续监测")
    dialog.reject()
    assert questions.asked == [(DISCARD_QUESTION, BUTTONS)] and dialog.isVisible()
    questions.reply = DISCARD
    dialog.reject()
    assert not dialog.isVisible()
