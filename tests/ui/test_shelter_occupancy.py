"""安置登记 at the duty desk: people checked in and out of a shelter on the demo data.

The form is reached from the shelter's details and from the shelter list; it
writes signed movements, refuses what the rules refuse (in Chinese, at the
form, keeping what was typed), and the list, the details and the map then say
the same thing about the shelter.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QItemSelectionModel, Qt
from PySide6.QtWidgets import QMenu
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import Shelter, ShelterOccupancyMovement
from app.domain.labels import Family, label
from app.domain.rules import shelter_state
from app.services.dto import ShelterEdit
from app.services.movements import MovementService
from app.services.resources import ResourceService, ShelterEditor
from app.ui.main_window import MainWindow
from app.ui.panel import WARNING_BACKGROUND
from app.ui.resources.occupancy_dialog import OccupancyDialog

STATE_COLUMN = 4  # 状态 in the shelter list


def _shelter(db: Database, name: str) -> Any:
    return next(s for s in ResourceService(db).shelters() if s.name == name)


def _movements(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(ShelterOccupancyMovement)) or 0)


def _select_in_list(window: MainWindow, shelter_id: uuid.UUID) -> None:
    panel = window.resource_panel
    panel.tabs.setCurrentIndex(1)
    view = panel._views["shelters"]
    row = panel.shelters.row_of_id(shelter_id)
    assert row is not None
    proxy = view.model()
    index = proxy.mapFromSource(panel.shelters.index(row, 0))  # type: ignore[attr-defined]
    view.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def _list_cell(window: MainWindow, shelter_id: uuid.UUID, column: int) -> str:
    model = window.resource_panel.shelters
    row = model.row_of_id(shelter_id)
    assert row is not None
    return str(model.index(row, column).data())


def _list_background(window: MainWindow, shelter_id: uuid.UUID) -> Any:
    model = window.resource_panel.shelters
    row = model.row_of_id(shelter_id)
    assert row is not None
    return model.index(row, STATE_COLUMN).data(Qt.ItemDataRole.BackgroundRole)


def _open_from_details(window: MainWindow, qtbot: Any, shelter: Any) -> OccupancyDialog:
    _select_in_list(window, shelter.id)
    details = window.details_panel
    qtbot.waitUntil(
        lambda: shelter.name in details.title.text() and details.occupancy_button.isVisible(),
        timeout=5000,
    )
    assert details.occupancy_button.text() == "入住/离开登记…"
    # Beside the shelter's edit button.
    assert details.edit_button.isVisible()
    details.occupancy_button.click()
    return _open_dialog(window)


def _open_dialog_for(window: MainWindow, qtbot: Any) -> OccupancyDialog:
    """The form of the shelter on display in the details."""
    window.details_panel.occupancy_button.click()
    return _open_dialog(window)


def _open_dialog(window: MainWindow) -> OccupancyDialog:
    shown = [d for d in window.findChildren(OccupancyDialog) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]


def _js(window: MainWindow, qtbot: Any, script: str) -> Any:
    page = window.map_panel.page
    assert page is not None
    box: list[Any] = []
    page.runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def _popup_text(window: MainWindow, qtbot: Any, shelter_id: uuid.UUID) -> str:
    """The words of the shelter's popup on the map, as a click on its marker opens it."""
    script = (
        f"(() => {{ const m = xcc.marker('shelters', '{shelter_id}'); if (!m) return ''; "
        "xcc.layers.shelters.fire('click', {layer: m, latlng: m.getLatLng()}); "
        "const el = document.querySelector('.map-popup'); "
        "const text = el ? el.textContent : ''; xcc.map.closePopup(); return text; })()"
    )
    return str(_js(window, qtbot, script))


def test_check_in_from_the_details_reaches_list_details_and_map(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    gym = _shelter(check_db, "县城体育馆")
    assert gym.is_open and gym.occupancy < gym.capacity
    assert _list_background(window, gym.id) is None  # far from full: nothing to look at
    dialog = _open_from_details(window, qtbot, gym)
    dialog.grab().save("/tmp/occupancy_dialog.png")
    assert dialog.windowTitle() == "安置登记：县城体育馆"
    assert dialog.check_in.isChecked() and dialog.check_in.text() == "入住"
    assert dialog.check_out.text() == "离开"
    assert dialog.recorded_by.text() == "值班员甲"
    shown = dialog.at.dateTime().toSecsSinceEpoch()
    assert abs(shown - datetime.now(UTC).timestamp()) < 120
    qtbot.waitUntil(lambda: f"{gym.occupancy} / {gym.capacity}" in dialog.status.text())
    assert dialog.status.text().startswith(gym.name)  # named in the body, not only the title

    # Not a positive whole number: said at the field, nothing written, text kept.
    before = _movements(check_db)
    for typed, message in (
        ("-3", "人数应为正整数；有人离开请选“离开”。"),
        ("0", "人数应为正整数。"),
        ("三十", "请输入人数（整数），例如 25。"),
    ):
        dialog.count.setText(typed)
        dialog.save()
        assert dialog.error_text("count") == message
        assert dialog.count.text() == typed and dialog.isVisible()
    assert _movements(check_db) == before

    dialog.count.setText("40")
    assert dialog.error_text("count") == "" and dialog.banner.isHidden()  # fixed: message gone
    dialog.note.setText("永堌镇张庄村 3 户")
    qtbot.waitUntil(lambda: "登记后 " in dialog.after.text(), timeout=3000)
    assert f"{gym.occupancy + 40} / {gym.capacity}" in dialog.after.text()
    with qtbot.waitSignal(dialog.recorded, timeout=5000) as blocker:
        dialog.save()
    assert blocker.args == [gym.occupancy + 40]
    with check_db.read_session() as s:
        row = s.scalars(
            select(ShelterOccupancyMovement).where(ShelterOccupancyMovement.actor == "值班员甲")
        ).one()
    assert (row.shelter_id, row.delta, row.note) == (gym.id, 40, "永堌镇张庄村 3 户")
    assert abs(row.at.timestamp() - shown) < 60

    # Every view of the shelter follows, live.
    total = f"{gym.occupancy + 40}"
    qtbot.waitUntil(lambda: _list_cell(window, gym.id, 3) == total, timeout=5000)
    details = window.details_panel
    qtbot.waitUntil(lambda: details.value_of("已安置") == f"{total} / {gym.capacity}", timeout=5000)
    qtbot.waitUntil(
        lambda: (
            _js(window, qtbot, f"xcc.featureProperties('shelters', '{gym.id}').occupancy")
            == gym.occupancy + 40
        ),
        timeout=5000,
    )


def test_refusals_are_said_at_the_form_and_keep_what_was_typed(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    # More people leaving than are inside.
    school = _shelter(check_db, "县城某中学")
    dialog = _open_from_details(window, qtbot, school)
    dialog.check_out.setChecked(True)
    dialog.count.setText(str(school.occupancy + 1))
    dialog.note.setText("返乡")
    before = _movements(check_db)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    assert dialog.banner.text() == (f"未登记：离开的人数多于场所内现有的 {school.occupancy} 人。")
    assert dialog.isVisible() and dialog.check_out.isChecked()
    assert (dialog.count.text(), dialog.note.text()) == (str(school.occupancy + 1), "返乡")
    assert _movements(check_db) == before
    dialog.grab().save("/tmp/occupancy_refused.png")
    dialog.reject()

    # Nobody into a closed shelter.
    square = _shelter(check_db, "县城文化广场")
    assert not square.is_open
    dialog = _open_from_details(window, qtbot, square)
    dialog.count.setText("5")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    assert dialog.banner.text() == "未登记：该避难场所已关闭，不能登记入住。"
    assert _movements(check_db) == before
    dialog.reject()

    # Another seat fills a shelter: the list, the details and the map say 已满 alike,
    # and one more person is refused.
    yonggu = _shelter(check_db, "永堌镇中心学校")
    MovementService(check_db).record_occupancy(
        yonggu.id, yonggu.capacity - yonggu.occupancy, actor="seat-2", site="seat-2"
    )
    full = label(Family.SHELTER_STATUS, shelter_state(True, yonggu.capacity, yonggu.capacity))
    assert full == "已满"
    qtbot.waitUntil(lambda: _list_cell(window, yonggu.id, STATE_COLUMN) == full, timeout=5000)
    assert _list_background(window, yonggu.id) == WARNING_BACKGROUND
    dialog = _open_from_details(window, qtbot, yonggu)
    assert window.details_panel.value_of("状态") == full
    qtbot.waitUntil(lambda: full in _popup_text(window, qtbot, yonggu.id), timeout=5000)
    assert "已满" in dialog.status.text()
    dialog.count.setText("1")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    assert dialog.banner.text() == (
        f"未登记：该避难场所已满（{yonggu.capacity} / {yonggu.capacity} 人），不能再入住。"
    )
    assert dialog.count.text() == "1"
    dialog.reject()


def _open_without_room(check_db: Database) -> uuid.UUID:
    """Another seat opens a closed shelter with its capacity at 0: nobody can come in."""
    with check_db.read_session() as s:
        row = s.scalars(select(Shelter).where(Shelter.name == "官桥镇人防疏散基地")).one()
    assert not row.is_open
    ShelterEditor(check_db).update(
        ShelterEdit(
            shelter_id=row.id,
            version=row.version,
            is_open=True,
            capacity=0,
            manager=row.manager or "",
            phone=row.phone or "",
            facilities=row.facilities or "",
        ),
        actor="seat-2",
        site="seat-2",
    )
    return row.id


def test_the_same_word_for_each_state_in_the_list_and_the_details(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    """Open, closed, and full: an open shelter without room (capacity 0) takes nobody in."""
    open_one = _shelter(check_db, "县城体育场").id
    closed = _shelter(check_db, "县城文化广场").id
    no_room = _open_without_room(check_db)
    for shelter_id, expected in ((open_one, "开放"), (closed, "关闭"), (no_room, "已满")):
        qtbot.waitUntil(
            lambda sid=shelter_id, word=expected: _list_cell(window, sid, STATE_COLUMN) == word,
            timeout=5000,
        )
        _select_in_list(window, shelter_id)
        qtbot.waitUntil(
            lambda sid=shelter_id, word=expected: (
                getattr(window.details_panel._dto, "id", None) == sid
                and window.details_panel.value_of("状态") == word
            ),
            timeout=5000,
        )
    dialog = _open_dialog_for(window, qtbot)
    dialog.count.setText("1")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    assert dialog.banner.text() == "未登记：该避难场所已满（0 / 0 人），不能再入住。"
    dialog.reject()


def test_the_map_says_full_for_an_open_shelter_without_room(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    no_room = _open_without_room(check_db)
    qtbot.waitUntil(lambda: _list_cell(window, no_room, STATE_COLUMN) == "已满", timeout=5000)
    qtbot.waitUntil(lambda: "已满" in _popup_text(window, qtbot, no_room), timeout=3000)


def test_from_the_shelter_list_with_a_time_typed_after_the_fact(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    gym = _shelter(check_db, "县城体育馆")
    panel = window.resource_panel
    _select_in_list(window, gym.id)
    qtbot.waitUntil(lambda: panel.occupancy_button.isEnabled(), timeout=5000)
    assert panel.occupancy_button.isVisible() and panel.occupancy_button.text() == "入住/离开登记…"
    menu = QMenu()
    view = panel._views["shelters"]
    actions = panel.context_actions(view.currentIndex(), menu)
    occupancy = [a for a in actions if a.text() == "入住/离开登记…"]
    assert len(occupancy) == 1
    occupancy[0].trigger()
    dialog = _open_dialog(window)
    assert dialog.shelter.id == gym.id
    menu.deleteLater()

    dialog.count.setText("12")
    dialog.check_out.setChecked(True)
    now = datetime.now(UTC)
    dialog.at.setDateTime(
        QDateTime.fromSecsSinceEpoch(int((now + timedelta(minutes=30)).timestamp()))
    )
    before = _movements(check_db)
    dialog.save()
    assert dialog.error_text("at") == "登记时间不能晚于现在。"
    assert _movements(check_db) == before

    left = int((now - timedelta(hours=3)).timestamp()) // 60 * 60
    dialog.at.setDateTime(QDateTime.fromSecsSinceEpoch(left))
    with qtbot.waitSignal(dialog.recorded, timeout=5000):
        dialog.save()
    with check_db.read_session() as s:
        row = s.scalars(
            select(ShelterOccupancyMovement).where(ShelterOccupancyMovement.actor == "值班员甲")
        ).one()
    assert (row.shelter_id, row.delta, row.note) == (gym.id, -12, None)
    assert int(row.at.timestamp()) == left
