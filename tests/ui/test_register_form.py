"""The shared register form: messages at the fields, positions, conflicts, the map pick."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from app.data.engine import Database
from app.data.models import Shelter
from app.domain.access import Role
from app.domain.identity import Identity, acting_as
from app.domain.registers import DEPOTS, HAZARDS, SHELTERS, TEAMS
from app.services.access import AccessService
from app.services.demo import DEMO_PIN
from app.services.registers import RegisterService
from app.services.resources import ResourceService
from app.ui.map.pick import PointPicker
from app.ui.registers.details import RegisterDetailsDialog
from app.ui.registers.form import RegisterFormDialog
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session


def _leader(db: Database, seat: str = "ws-1", nth: int = 0) -> Identity:
    access = AccessService(db)
    holders = [c for c in access.choices(db.clock()) if Role.LEADER in c.roles]
    return access.sign_in(holders[nth].staff_id, DEMO_PIN, site="center", workstation=seat)


@pytest.fixture
def session(
    ui_db: Database, check_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[AppSession]:
    s = make_session(ui_db, runner)
    s.switch_operator(_leader(check_db))
    yield s
    s.close()
    QApplication.processEvents()


def _form(
    qtbot: Any, session: AppSession, spec: Any, record: Any = None, **kw: Any
) -> RegisterFormDialog:
    dialog = RegisterFormDialog(session, spec, record, **kw)
    qtbot.addWidget(dialog)
    dialog.resize(1100, 640)
    dialog.show()
    return dialog


def _type(dialog: RegisterFormDialog, name: str, text: str) -> None:
    w = dialog.inputs[name]
    assert isinstance(w, QLineEdit)
    w.setText(text)


def _error(dialog: RegisterFormDialog, name: str) -> str:
    return dialog.field_errors.text(name)


def _shelters(db: Database) -> dict[str, Any]:
    return {s.name: s for s in ResourceService(db).shelters(include_retired=True)}


def test_refused_fields_are_said_in_chinese_and_what_was_typed_stays(
    qtbot: Any, session: AppSession, check_db: Database, runner: TaskRunner
) -> None:
    dialog = _form(qtbot, session, SHELTERS)
    before = len(_shelters(check_db))
    _type(dialog, "capacity", "一千")
    _type(dialog, "lon", "东经116度57分30秒")
    _type(dialog, "lat", "34.19")
    _type(dialog, "township", "不存在镇")
    assert dialog.position.lon_dms.text() == "116°57′30.0″E"
    dialog.save_button.click()
    assert _error(dialog, "name") == "必填"
    assert _error(dialog, "capacity") == "不是数字：一千"
    assert dialog.banner.text() == "未保存：请修改标红的内容。"
    # The service's checks come in the same round, off the GUI thread.
    qtbot.waitUntil(lambda: _error(dialog, "township") != "", timeout=10000)
    assert _error(dialog, "township") == "未知乡镇：不存在镇"
    assert _error(dialog, "name") == "必填" and _error(dialog, "capacity") == "不是数字：一千"
    assert dialog.save_button.isEnabled()
    dialog.grab().save("/tmp/shots/form_errors.png")

    _type(dialog, "name", "城东避难点")
    _type(dialog, "capacity", "800")
    assert _error(dialog, "name") == "" and _error(dialog, "capacity") == ""
    assert dialog.isVisible() and dialog.inputs["township"].text() == "不存在镇"  # type: ignore[attr-defined]
    assert len(_shelters(check_db)) == before  # nothing half-written

    township = ResourceService(check_db).townships()[0].name
    _type(dialog, "township", township)
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    made = _shelters(check_db)["城东避难点"]
    assert made.lon == pytest.approx(116 + 57 / 60 + 30 / 3600) and made.lat == 34.19
    assert made.capacity == 800 and made.township == township and made.flags == ()


def test_a_swapped_position_is_refused_until_swapped(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    dialog = _form(qtbot, session, SHELTERS)
    _type(dialog, "name", "填反的场所")
    _type(dialog, "lon", "34.18")
    _type(dialog, "lat", "116.95")
    flags, swap = dialog.position.flags_label, dialog.position.swap_button
    assert flags.isVisibleTo(dialog) and swap.isVisibleTo(dialog)
    assert swap.text() == "交换经纬度"
    assert "经纬度可能填反" in flags.text() and "仍可保存" not in flags.text()
    dialog.save_button.click()
    assert _error(dialog, "lat") == "纬度超出范围，可能与经度填反了——点“交换经纬度”"
    qtbot.wait(300)
    assert "填反的场所" not in _shelters(check_db)
    assert dialog.inputs["lon"].text() == "34.18"  # type: ignore[attr-defined]
    assert dialog.inputs["lat"].text() == "116.95"  # type: ignore[attr-defined]

    swap.click()
    assert dialog.inputs["lon"].text() == "116.95"  # type: ignore[attr-defined]
    assert dialog.inputs["lat"].text() == "34.18"  # type: ignore[attr-defined]
    assert _error(dialog, "lat") == "" and not swap.isVisibleTo(dialog)
    assert not flags.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    saved = _shelters(check_db)["填反的场所"]
    assert (saved.lon, saved.lat) == (116.95, 34.18) and saved.flags == ()


def test_a_point_outside_the_county_is_flagged_and_saved(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    dialog = _form(qtbot, session, SHELTERS)
    _type(dialog, "name", "县外的场所")
    _type(dialog, "lon", "118.5")
    _type(dialog, "lat", "34.19")
    assert dialog.position.flags_label.text() == "⚠ 坐标不在萧县范围内（仍可保存）"
    assert not dialog.position.swap_button.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    assert _shelters(check_db)["县外的场所"].flags == ("outside_county",)


def test_messages_under_the_position_do_not_move_the_map_button(
    qtbot: Any, session: AppSession
) -> None:
    dialog = _form(qtbot, session, SHELTERS)
    button = dialog.position.pick_button
    QApplication.processEvents()
    before = button.mapTo(dialog, button.rect().topLeft())
    _type(dialog, "name", "城东避难点")
    _type(dialog, "lon", "abc")
    _type(dialog, "lat", "116.95")
    dialog.save_button.click()
    assert dialog.field_errors.shown() == ["lon", "lat"]
    QApplication.processEvents()
    assert button.mapTo(dialog, button.rect().topLeft()) == before
    assert button.isVisibleTo(dialog)


def test_capacity_from_the_area(qtbot: Any, session: AppSession) -> None:
    dialog = _form(qtbot, session, SHELTERS)
    assert dialog.area_button is not None
    dialog.area_button.click()
    assert _error(dialog, "capacity") == "请先填写有效避难面积和人均有效面积（大于 0）"
    _type(dialog, "effective_area_m2", "3500平方米")
    _type(dialog, "area_per_person_m2", "1.5")
    dialog.area_button.click()
    assert dialog.inputs["capacity"].text() == "2333"  # type: ignore[attr-defined]
    assert _error(dialog, "capacity") == ""
    _type(dialog, "capacity", "2400")
    dialog.save_button.click()
    assert _error(dialog, "capacity") == "按有效面积和人均面积最多容纳 2333 人"


def test_a_stale_save_shows_who_changed_it_and_keeps_the_form(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    shelter = _shelters(check_db)["县城体育场"]
    dialog = _form(qtbot, session, SHELTERS, shelter)
    _type(dialog, "manager", "王五")

    other = _leader(check_db, "ws-2", nth=1)
    service = RegisterService(check_db)
    theirs = {f.name: getattr(shelter, f.name) for f in SHELTERS.fields}
    theirs["capacity"] = shelter.capacity - 500
    with acting_as(other):
        service.update(
            "shelters", shelter.id, shelter.version, theirs, actor=other.user, site="ws-2"
        )

    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.load_theirs.isVisible(), timeout=10000)
    text = dialog.banner.text()
    assert f"{other.user} 于 " in text and "（center）" in text
    assert f"容纳人数 {shelter.capacity} → {shelter.capacity - 500}" in text
    assert dialog.inputs["manager"].text() == "王五"  # type: ignore[attr-defined]
    dialog.grab().save("/tmp/shots/form_conflict.png")
    with check_db.read_session() as s:
        row = s.get(Shelter, shelter.id)
        assert row is not None and row.manager == shelter.manager  # nothing overwritten

    # Saving again writes this seat's change only, over their version.
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    with check_db.read_session() as s:
        row = s.get(Shelter, shelter.id)
        assert row is not None and row.manager == "王五"
        assert row.capacity == shelter.capacity - 500


def test_a_stale_save_keeps_the_fields_this_seat_did_not_touch(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    shelter = _shelters(check_db)["县城体育场"]
    dialog = _form(qtbot, session, SHELTERS, shelter)
    _type(dialog, "manager", "王五")  # seat 1: only the manager

    other = _leader(check_db, "ws-2", nth=1)
    theirs = {f.name: getattr(shelter, f.name) for f in SHELTERS.fields}
    theirs["manager"], theirs["phone"] = "赵六", "13911112222"
    with acting_as(other):
        RegisterService(check_db).update(
            "shelters", shelter.id, shelter.version, theirs, actor=other.user, site="ws-2"
        )
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.load_theirs.isVisible(), timeout=10000)
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    with check_db.read_session() as s:
        row = s.get(Shelter, shelter.id)
        assert row is not None and (row.manager, row.phone) == ("王五", "13911112222")


def test_loading_their_version_shows_it(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    shelter = _shelters(check_db)["县城体育场"]
    dialog = _form(qtbot, session, SHELTERS, shelter)
    _type(dialog, "manager", "王五")
    theirs = {f.name: getattr(shelter, f.name) for f in SHELTERS.fields}
    theirs["manager"] = "赵六"
    RegisterService(check_db).update(
        "shelters", shelter.id, shelter.version, theirs, actor="seat-2", site="ws-2"
    )
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.load_theirs.isVisible(), timeout=10000)
    dialog.load_theirs.click()
    assert dialog.inputs["manager"].text() == "赵六"  # type: ignore[attr-defined]
    assert not dialog.banner.isVisible() and not dialog.discard_guard.is_dirty()


def test_picking_the_position_on_the_map(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    picker = PointPicker()
    dialog = _form(qtbot, session, TEAMS, picker=picker)
    with qtbot.waitSignal(picker.started, timeout=1000):
        dialog.position.pick_button.click()
    assert not dialog.isVisible()  # out of the way of the map
    picker.picked.emit(116.9512345, 34.2012345)
    assert dialog.isVisible()
    assert dialog.inputs["lon"].text() == "116.9512345"  # type: ignore[attr-defined]
    assert dialog.position.lat_dms.text() == "34°12′04.4″N"
    _type(dialog, "name", "地图选点队")
    dialog.inputs["team_type"].setCurrentIndex(1)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    team = next(t for t in ResourceService(check_db).teams() if t.name == "地图选点队")
    assert (team.lon, team.lat) == (116.9512345, 34.2012345) and team.status == "standby"


def test_a_duty_officer_cannot_save(qtbot: Any, session: AppSession, check_db: Database) -> None:
    access = AccessService(check_db)
    officer = next(
        c for c in access.choices(check_db.clock()) if c.roles == frozenset({Role.OFFICER})
    )
    session.switch_operator(
        access.sign_in(officer.staff_id, DEMO_PIN, site="center", workstation="ws")
    )
    dialog = _form(qtbot, session, HAZARDS)
    assert not dialog.save_button.isEnabled() and "带班领导" in dialog.save_button.toolTip()


def test_every_register_renders(qtbot: Any, session: AppSession, check_db: Database) -> None:
    for spec in (SHELTERS, DEPOTS, TEAMS, HAZARDS):
        dialog = _form(qtbot, session, spec)
        dialog.resize(1100, 620)
        dialog.grab().save(f"/tmp/shots/form_{spec.kind}.png")
        dialog.close()
    shelter = _shelters(check_db)["县城体育场"]
    details = RegisterDetailsDialog(session, SHELTERS, shelter)
    qtbot.addWidget(details)
    details.show()
    assert details.value_of("容纳人数") == str(shelter.capacity)
    assert details.value_of("台账状态") == "在用"
    details.grab().save("/tmp/shots/details.png")


def test_details_show_a_dash_for_what_is_empty(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    team = ResourceService(check_db).teams()[0]
    team = dataclasses.replace(team, status="dispatched", status_since=None, code=None)
    details = RegisterDetailsDialog(session, TEAMS, team)
    qtbot.addWidget(details)
    assert details.value_of("状态时间") == "—"
    assert details.value_of("编号") == "—"
    assert all(label.text() for label in details.values.values())
