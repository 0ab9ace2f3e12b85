"""人员与AB岗 on the demo database: list, add, refusals, stale saves, the AB table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.data.engine import Database
from app.services.staff import StaffDraft, StaffService
from app.ui.roster.staff_dialog import P_A, P_B, P_STATE, P_VILLAGE, StaffDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard


@pytest.fixture
def dialog(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[StaffDialog]:
    d = StaffDialog(runner, StaffService(ui_db), "值班员甲", "seat-1", "demo")
    # What a test typed is not asked about when qtbot closes the dialog (see test_forms.py).
    qtbot.addWidget(d, before_close_func=lambda w: w.discard_guard.mark_clean())
    with qtbot.waitSignal(d.loaded, timeout=10000):
        d.show()
    yield d
    runner.wait_idle(10000)
    d.close()


def test_the_list_is_the_active_staff(dialog: StaffDialog, check_db: Database) -> None:
    active = StaffService(check_db).list()
    assert dialog.shown_names() == [s.name for s in active]
    assert len(active) == 24
    dialog.filter.setText("龙城镇")
    assert dialog.shown_names() == ["朱小红", "秦大海"]


def test_add_a_person(dialog: StaffDialog, check_db: Database, qtbot: Any) -> None:
    dialog.new_button.click()
    dialog.name.setText("马六")
    dialog.unit.setText("县水利局")
    dialog.phone.setText("0557-8881234")
    dialog.role.setCurrentIndex(dialog.role.findData("__new__"))
    assert dialog.custom_role.isVisibleTo(dialog)
    dialog.custom_role.setText("联络员")
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.save_button.click()
    added = [s for s in StaffService(check_db).list() if s.name == "马六"]
    assert len(added) == 1 and added[0].role == "custom:联络员"
    assert "马六" in dialog.shown_names()
    assert dialog.base is not None and dialog.base.id == added[0].id
    assert dialog.role.findText("联络员") >= 0  # the office's role is offered from now on


def test_a_refused_save_keeps_the_form(dialog: StaffDialog, check_db: Database, qtbot: Any) -> None:
    dialog.new_button.click()
    dialog.name.setText("钱七")
    dialog.phone.setText("139 abc")
    dialog.role.setCurrentIndex(dialog.role.findData("info_officer"))
    dialog.township.setCurrentIndex(dialog.township.findText("龙城镇"))
    dialog.village.setCurrentIndex(dialog.village.findText("城东社区"))
    dialog.post.setCurrentIndex(dialog.post.findData("A"))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    assert dialog.errors["phone"].isVisible()
    assert dialog.errors["phone"].text() == (
        "只能填写数字、空格、短横线、加号、括号和分机号(如 0557-5021234 转 801)。"
    )
    assert dialog.name.text() == "钱七" and dialog.phone.text() == "139 abc"

    dialog.phone.setText("13900000077")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.errors["post"].isVisible(), timeout=5000)
    assert "朱小红" in dialog.errors["post"].text()
    assert not dialog.errors["phone"].isVisible()
    assert "钱七" not in [s.name for s in StaffService(check_db).list()]


def test_a_stale_save_shows_the_other_change(
    dialog: StaffDialog, check_db: Database, qtbot: Any
) -> None:
    other = StaffService(check_db)
    person = next(s for s in other.list() if s.name == "张丽")
    dialog.select_staff(person.id)
    officer = next(s for s in other.list() if s.name == "朱小红")
    dialog.select_staff(officer.id)
    assert (dialog.township.currentText(), dialog.village.currentText()) == ("龙城镇", "城东社区")
    dialog.select_staff(person.id)
    dialog.unit.setText("县应急指挥中心值班室")  # what this seat types
    other.update(
        person.id,
        person.version,
        StaffDraft(name="张丽", role="officer", unit=person.unit or "", phone="13911112222"),
        actor="seat-2 李四",
        site="seat-2",
    )
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    text = dialog.banner.text()
    assert "seat-2 李四" in text and "电话 13900000042 → 13911112222" in text
    assert dialog.unit.text() == "县应急指挥中心值班室"
    assert other.get(person.id).unit == person.unit  # type: ignore[union-attr]
    # Saving again applies the form as it stands over the other change, knowingly.
    dialog.phone.setText("13911112222")  # the user keeps their phone after checking
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.save_button.click()
    now = other.get(person.id)
    assert now is not None and now.unit == "县应急指挥中心值班室" and now.phone == "13911112222"


def test_ab_posts_list_the_villages_and_flag_missing_ones(
    dialog: StaffDialog, check_db: Database, qtbot: Any
) -> None:
    table = dialog.posts_table
    posts = StaffService(check_db).posts()
    assert table.rowCount() == len(posts) == 50
    rows = {table.item(r, P_VILLAGE).text(): r for r in range(table.rowCount())}  # type: ignore[union-attr]
    full = rows["城东社区"]
    assert table.item(full, P_A).text() == "朱小红 13900000055"  # type: ignore[union-attr]
    assert table.item(full, P_STATE).text() == "齐全"  # type: ignore[union-attr]
    missing = rows["凤山村"]
    assert table.item(missing, P_B).text() == "(空缺)"  # type: ignore[union-attr]
    assert table.item(missing, P_STATE).text() == "缺岗"  # type: ignore[union-attr]
    tint = table.item(missing, P_STATE).background().color().name()  # type: ignore[union-attr]
    assert tint == "#f8d0d0"
    assert table.item(full, P_STATE).background().style() == Qt.BrushStyle.NoBrush  # type: ignore[union-attr]

    # Double-click 凤山村's A post and choose 朱小红 (of the same township).
    chosen: list[list[str]] = []

    def pick(row: Any, post: str, candidates: list[Any]) -> tuple[bool, Any]:
        chosen.append([c.name for c in candidates])
        return True, next(c.id for c in candidates if c.name == "朱小红")

    dialog.pick_holder = pick
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        table.cellDoubleClicked.emit(missing, P_A)
    assert chosen == [["朱小红", "秦大海"]]
    after = {p.village: p for p in StaffService(check_db).posts()}
    assert after["凤山村"].a is not None and after["凤山村"].a.name == "朱小红"
    assert after["城东社区"].a is None and after["城东社区"].missing


def test_staff_dialog_from_the_duty_menu(window: Any, qtbot: Any) -> None:
    dialog = window.open_staff()
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        pass
    assert dialog.isVisible()
    window._runner.wait_idle(10000)
    dialog.reject()


def test_the_filter_folds_width_and_case(
    dialog: StaffDialog, check_db: Database, qtbot: Any
) -> None:
    StaffService(check_db).create(
        StaffDraft(name="Wang Fang", role="officer", unit="Ｇ３１０养护站", phone=""),
        actor="值班员甲",
        site="seat-1",
    )
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.reload()
    for typed in ("ｗａｎｇ", "WANG", "g310", "Ｇ３１０养护"):
        dialog.filter.setText(typed)
        assert dialog.shown_names() == ["Wang Fang"], typed
    dialog.filter.setText("龍城鎮")  # traditional characters are other characters
    assert dialog.shown_names() == []
    dialog.filter.clear()
    assert "Wang Fang" in dialog.shown_names() and len(dialog.shown_names()) == 25
