"""The main window on the demo database shows what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import HazardSite, Incident, IncidentLogEntry, RescueTeam, Shelter, SupplyDepot
from app.data.uow import UnitOfWork
from app.domain.labels import Family
from app.domain.labels import labels as table_labels
from app.services.roster import RosterService
from app.ui.main_window import MainWindow
from app.ui.models.table import DtoTableModel
from app.ui.tasks import TaskRunner
from tests.ui.conftest import make_window


def _count(db: Database, model: Any) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _docks(w: MainWindow) -> dict[str, QDockWidget]:
    return {d.objectName(): d for d in w.findChildren(QDockWidget)}


def test_window_speaks_chinese(window: MainWindow) -> None:
    assert window.windowTitle() == "萧县应急指挥中心"
    titles = {d.windowTitle() for d in _docks(window).values()}
    assert titles == {"应急一张图", "值班值守", "突发事件", "应急资源", "详情"}
    tabs = window.resource_panel.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "风险隐患点",
        "避难场所",
        "物资储备库",
        "救援队伍",
    ]


def test_resource_lists_hold_the_database_rows(window: MainWindow, check_db: Database) -> None:
    panel = window.resource_panel
    assert panel.hazards.rowCount() == _count(check_db, HazardSite) > 0
    assert panel.shelters.rowCount() == _count(check_db, Shelter) > 0
    assert panel.depots.rowCount() == _count(check_db, SupplyDepot) > 0
    assert panel.teams.rowCount() == _count(check_db, RescueTeam) > 0
    with check_db.read_session() as s:
        names = set(s.scalars(select(HazardSite.name)))
    shown = {panel.hazards.index(r, 0).data() for r in range(panel.hazards.rowCount())}
    assert shown == names
    # Levels are shown in words, not codes.
    levels = {panel.hazards.index(r, 2).data() for r in range(panel.hazards.rowCount())}
    assert levels <= set(table_labels(Family.RISK_LEVEL, "zh_CN").values())
    assert "红" in "".join(levels)


def test_incident_list_and_timeline(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    panel = window.incident_panel
    assert panel.model.rowCount() == _count(check_db, Incident) > 0
    newest = max(panel.model.rows(), key=lambda i: i.received_at)
    row = panel.model.row_of_id(newest.id)
    assert row is not None
    with check_db.read_session() as s:
        expected = s.scalar(select(func.count()).where(IncidentLogEntry.incident_id == newest.id))
    index = panel._proxy.mapFromSource(panel.model.index(row, 0))
    panel.view.selectRow(index.row())
    qtbot.waitUntil(lambda: panel.timeline.count() == expected and expected > 0, timeout=5000)
    assert newest.title in panel._timeline_title.text()
    texts = [panel.timeline.item(i).text() for i in range(panel.timeline.count())]
    assert not any("{" in t for t in texts), "structured entries are shown in words"


def test_the_list_says_how_many_match_and_when_none_do(qtbot: Any, window: MainWindow) -> None:
    panel = window.incident_panel
    assert panel.filters is not None and panel.count_label is not None
    for text, expected in (
        ("涝", "1 起突发事件符合"),
        ("100%' \\", "没有符合搜索和筛选条件的突发事件"),
    ):
        with qtbot.waitSignal(panel.model.count_changed, timeout=10000):
            panel.filters.search.setText(text)
        qtbot.waitUntil(lambda e=expected: e in panel.count_label.text(), timeout=5000)
    assert panel.model.rowCount() == 0


def test_drill_incidents_are_marked(window: MainWindow) -> None:
    model = window.incident_panel.model
    drills = [r for r in range(model.rowCount()) if model.row_at(r).is_drill]
    assert drills, "the demo data has a drill"
    assert all(model.index(r, 1).data().startswith("【演练】") for r in drills)


def test_on_duty_card_shows_the_current_shift(window: MainWindow, check_db: Database) -> None:
    shift = RosterService(check_db).on_duty(datetime.now(UTC))
    assert shift is not None
    card = window.roster_panel.card
    for person in shift.leaders:
        assert person.name in card.leader.text()
        if person.phone:
            assert person.phone in card.leader.text()
    for person in shift.officers:
        assert person.name in card.officers.text()
    now = datetime.now(UTC)
    expected = RosterService(check_db).shifts_between(
        now - timedelta(days=1), now + timedelta(days=7)
    )
    assert [s.id for s in window.roster_panel.model.rows()] == [s.id for s in expected]
    assert len(expected) >= 5


def test_understaffed_shift_is_flagged(window: MainWindow) -> None:
    model = window.roster_panel.model
    short = [model.row_at(r) for r in range(model.rowCount()) if model.row_at(r).shortfall]
    assert short, "the demo roster has an understaffed shift"
    row = model.row_of_id(short[0].id)
    assert row is not None
    assert "缺" in model.index(row, 5).data()


def test_status_bar(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.demo_badge.isVisible(), timeout=5000)
    assert window.demo_badge.text() == "演示数据"
    assert str(check_db.url.database) in window.db_label.text()
    assert "SQLite" in window.db_label.text()
    assert window.user_label.text() == "当前用户:值班员甲"
    qtbot.waitUntil(lambda: window.connection_label.text() == "已连接", timeout=5000)
    assert window.clock_label.text().startswith(str(datetime.now(UTC).year))


def test_a_write_elsewhere_shows_up_by_itself(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    # check_db has an engine of its own: as if another seat wrote it.
    with UnitOfWork(check_db, actor="other-seat", site="seat-2") as uow:
        uow.session.add(
            HazardSite(
                name="新增易涝点(测试)",
                hazard_type="waterlogging",
                risk_level="orange",
                lon=116.95,
                lat=34.19,
            )
        )
        uow.commit()
    model = window.resource_panel.hazards
    qtbot.waitUntil(
        lambda: any(model.row_at(r).name == "新增易涝点(测试)" for r in range(model.rowCount())),
        timeout=8000,
    )


def test_layout_is_saved_and_restored(
    window: MainWindow, ui_db: Database, runner: TaskRunner, settings: QSettings, qtbot: Any
) -> None:
    _docks(window)["dock_resources"].hide()
    # (the offscreen screen is 800x800; a restored geometry is kept on screen)
    window.resize(760, 720)
    window.close()
    again = make_window(ui_db, runner, settings)
    qtbot.addWidget(again)
    again.show()
    assert not _docks(again)["dock_resources"].isVisible()
    assert _docks(again)["dock_roster"].isVisible()
    assert (again.width(), again.height()) == (760, 720)
    again.close()


def test_table_models_are_well_behaved(window: MainWindow, qtmodeltester: Any) -> None:
    for model in (
        window.resource_panel.hazards,
        window.resource_panel.depots,
        window.incident_panel.model,
        window.roster_panel.model,
    ):
        assert isinstance(model, DtoTableModel)
        qtmodeltester.check(model, force_py=True)


def test_selecting_a_shelter_highlights_it_on_the_map(window: MainWindow, qtbot: Any) -> None:
    panel = window.resource_panel
    panel.tabs.setCurrentIndex(1)
    view = panel._views["shelters"]
    view.selectRow(0)
    shelter_id = panel.shelters.row_at(
        view.model().mapToSource(view.model().index(0, 0)).row()  # type: ignore[attr-defined]
    ).id
    qtbot.waitUntil(
        lambda: window.map_panel.highlighted == ("shelters", str(shelter_id)), timeout=5000
    )


def test_roster_card_changes_at_shift_change(
    qtbot: Any, ui_db: Database, runner: TaskRunner, settings: QSettings
) -> None:
    shift = RosterService(ui_db).on_duty(datetime.now(UTC))
    assert shift is not None
    fake_now = [shift.ends_at - timedelta(seconds=1)]
    db = Database(ui_db.url, clock=lambda: fake_now[0])
    w = make_window(db, runner, settings)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=30000):
        w.refresh_all()
    assert w.roster_panel.on_duty is not None and w.roster_panel.on_duty.id == shift.id
    fake_now[0] = shift.ends_at + timedelta(seconds=1)
    qtbot.waitUntil(
        lambda: w.roster_panel.on_duty is not None and w.roster_panel.on_duty.id != shift.id,
        timeout=5000,
    )
    w.close()
    db.dispose()


def test_remove_demo_data_from_the_file_menu_after_a_confirmation(
    window: MainWindow, check_db: Database, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.overview import OverviewService
    from app.ui import demo_data

    asked: list[str] = []
    answers = [False, True]

    def answer(_parent: object, _title: str, text: str) -> bool:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(demo_data, "ask_yes_no", answer)
    assert window.demo_badge.isVisible()
    window.remove_demo_action.trigger()  # "No": nothing happens
    assert OverviewService(check_db).status().has_demo
    window.remove_demo_action.trigger()
    assert "不能撤销" in asked[0] or "cannot be undone" in asked[0]
    # Every seat sees it through the change feed: the badge goes, the lists empty.
    qtbot.waitUntil(lambda: not window.demo_badge.isVisible(), timeout=15000)
    assert not OverviewService(check_db).status().has_demo
    qtbot.waitUntil(lambda: window.resource_panel.hazards.rowCount() == 0, timeout=5000)
