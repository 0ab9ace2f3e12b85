"""The operations dialogs at the duty desk: an evacuation proposal and its record,
a refusal that keeps the table, dispatch, the within-radius search and 整改逾期 N."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import IncidentLogEntry, RescueTeam
from app.domain.clock import CHINA_TZ
from app.services.dispatch import DispatchService
from app.services.movements import MovementService
from app.ui.operations.dispatch_dialog import DispatchDialog
from app.ui.operations.evacuation_dialog import EvacuationDialog
from app.ui.operations.overdue import OverdueIndicator, OverdueRectificationsDialog
from app.ui.operations.proximity_dialog import ProximityDialog
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.data.test_dispatch import add_team
from tests.data.test_evacuation import add_incident, add_shelter, add_township, occupancy
from tests.data.test_hazard_watch import add_site
from tests.data.test_proximity import add_hazard
from tests.ui.conftest import GuiThreadGuard, make_session

# 00:30 on 1 January in China: still 31 December in UTC.
NEW_YEAR_NIGHT = datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ)


@pytest.fixture
def db(sqlite_url: URL) -> Iterator[Database]:
    database = Database(sqlite_url, clock=lambda: NEW_YEAR_NIGHT)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def rows(db: Database) -> Iterator[Database]:
    """A second handle on the file, for the test's own rows and checks (not guarded):
    another seat, as far as the session can tell."""
    other = Database(db.url, clock=db.clock)
    yield other
    other.dispose()


@pytest.fixture
def session(db: Database, runner: TaskRunner) -> Iterator[AppSession]:
    """The seat's session on the guarded database: no SQL on the GUI thread."""
    guard = GuiThreadGuard(db)
    s = make_session(db, runner)
    yield s
    s.close()
    guard.remove()
    assert guard.violations == [], f"SQL ran on the GUI thread: {guard.violations[:5]}"


def _cell(dialog: EvacuationDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    assert item is not None
    return item.text()


def _rows(dialog: EvacuationDialog) -> list[tuple[str, str]]:
    return [
        (_cell(dialog, r, 0), str(dialog.placed_people()[r]))
        for r in range(dialog.table.rowCount())
    ]


def test_evacuation_proposal_refusal_keeps_the_table_then_records(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    town = add_township(rows)
    incident = add_incident(rows)
    add_shelter(rows, "县城体育场", 1, 500, township_id=town)
    school = add_shelter(rows, "实验小学", 2, 300, township_id=town)
    dialog = EvacuationDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.incident.incident_id() == incident, timeout=5000)

    dialog.people.setText("-3")
    dialog.propose_button.click()
    assert dialog.errors.text("people") == "请输入转移人数（大于 0 的整数）。"
    assert dialog.table.rowCount() == 0

    dialog.people.setText("1000")
    dialog.propose_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    assert _rows(dialog) == [("县城体育场", "500"), ("实验小学", "300")]
    assert dialog.shortfall.isVisible()
    assert "200" in dialog.shortfall.text() and "空位不足" in dialog.shortfall.text()
    assert "b30000" in dialog.shortfall.styleSheet()

    # The officer sends fewer people to the school; another seat fills it meanwhile.
    dialog._spin(1).setValue(120)
    assert _cell(dialog, 1, 5) == "180"
    MovementService(rows).record_occupancy(school, 250, actor="值班员乙", site="seat-2")
    dialog.record_button.click()
    qtbot.waitUntil(dialog.banner.isVisible, timeout=5000)
    assert "实验小学" in dialog.banner.text() and "未登记" in dialog.banner.text()
    assert _rows(dialog) == [("县城体育场", "500"), ("实验小学", "120")]  # the table stays
    assert dialog.isVisible()
    assert occupancy(rows, school) == 250

    dialog._spin(1).setValue(50)
    with qtbot.waitSignal(dialog.recorded, timeout=5000) as recorded:
        dialog.record_button.click()
    assert recorded.args == [550]
    assert occupancy(rows, school) == 300
    with rows.read_session() as s:
        bodies = s.scalars(select(IncidentLogEntry.body)).all()
    assert bodies == [
        "转移安置 550 人：县城体育场 500 人（1.0 公里），实验小学 50 人（2.0 公里）。"
    ]


def test_evacuation_plan_follows_the_people_and_confirms(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    town = add_township(rows)
    incident = add_incident(rows)
    add_shelter(rows, "县城体育场", 1, 500, township_id=town)
    dialog = EvacuationDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.incident.incident_id() == incident, timeout=5000)

    for typed in ("1,000,000", "1，000，000", "１，０００，０００"):
        dialog.people.setText(typed)
        assert dialog.people.problem() is None and dialog.people.number() == 1_000_000
    dialog.people.setText("1,000")
    dialog.propose_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    assert dialog.record_button.isEnabled()

    # A number that is not one, or another number: the plan shown is no longer the plan.
    dialog.people.setText("3O0")
    assert dialog.proposal is None and dialog.table.rowCount() == 0
    assert not dialog.record_button.isEnabled()
    dialog.people.setText("300")
    assert not dialog.record_button.isEnabled()
    dialog.propose_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    assert dialog.placed_people() == [300]
    dialog.people.setText("250")
    assert dialog.proposal is None and not dialog.record_button.isEnabled()

    dialog.people.setText("300")
    dialog.propose_button.click()
    qtbot.waitUntil(dialog.record_button.isEnabled, timeout=5000)
    with qtbot.waitSignal(dialog.recorded, timeout=5000) as recorded:
        dialog.record_button.click()
    assert recorded.args == [300]
    assert dialog.confirmation == "已登记转移安置 300 人，已写入事件日志"
    assert not dialog.isVisible()


def test_dispatch_dialog_sends_the_nearest_team(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    incident = add_incident(rows)
    add_team(rows, "开发区消防救援站", 6)
    near = add_team(rows, "顺河路消防救援站", 2, members=40, available=32)
    dialog = DispatchDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    assert dialog.chosen() is not None and dialog.chosen().id == near  # type: ignore[union-attr]
    assert dialog.members.text() == "32"

    dialog.members.setText("33")
    dialog.dispatch_button.click()
    assert dialog.errors.text("members") == "可出动人数只有 32 人。"
    dialog.members.setText("30")
    with qtbot.waitSignal(dialog.dispatched, timeout=5000):
        dialog.dispatch_button.click()
    with rows.read_session() as s:
        team = s.get(RescueTeam, near)
        assert team is not None and team.status == "dispatched"
        assert s.scalar(select(func.count()).select_from(IncidentLogEntry)) == 1


def test_dispatch_dialog_never_swaps_the_chosen_team(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    incident = add_incident(rows)
    other = add_team(rows, "开发区消防救援站", 6)
    near = add_team(rows, "顺河路消防救援站", 2, members=40, available=32)
    dialog = DispatchDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    assert dialog.chosen() is not None and dialog.chosen().id == near  # type: ignore[union-attr]
    dialog.members.setText("30")

    # Another seat sends the chosen team; the list refreshes without it.
    DispatchService(rows).dispatch(near, incident, actor="值班员乙", site="seat-2")
    dialog.reload()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(dialog.banner.isVisible, timeout=5000)
    assert dialog.chosen() is None
    assert not dialog.dispatch_button.isEnabled()
    assert dialog.banner.text() == "顺河路消防救援站 已被调派（状态：已出动），请另选队伍。"
    assert dialog.members.text() == "30"  # not refilled for a team nobody chose
    dialog.dispatch_button.click()  # disabled: nothing goes
    with rows.read_session() as s:
        team = s.get(RescueTeam, other)
        assert team is not None and team.status == "standby"

    # Choosing the remaining team is the user's own act: it may go.
    dialog.table.selectRow(0)
    assert dialog.chosen() is not None and dialog.chosen().id == other  # type: ignore[union-attr]
    assert dialog.dispatch_button.isEnabled() and not dialog.banner.isVisible()


def test_dispatch_refusal_names_the_busy_team_and_chooses_no_other(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    incident = add_incident(rows)
    other = add_team(rows, "开发区消防救援站", 6)
    near = add_team(rows, "顺河路消防救援站", 2, members=40, available=32)
    dialog = DispatchDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    assert dialog.chosen() is not None and dialog.chosen().id == near  # type: ignore[union-attr]

    # Another seat sends it before this dialog hears of it.
    DispatchService(rows).dispatch(near, incident, actor="值班员乙", site="seat-2")
    dialog.dispatch_button.click()
    qtbot.waitUntil(lambda: "顺河路消防救援站" in dialog.banner.text(), timeout=5000)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    qtbot.wait(100)
    assert "顺河路消防救援站" in dialog.banner.text() and "已出动" in dialog.banner.text()
    assert dialog.chosen() is None
    assert not dialog.dispatch_button.isEnabled()
    with rows.read_session() as s:
        team = s.get(RescueTeam, other)
        assert team is not None and team.status == "standby"


def test_proximity_dialog_lists_nearest_first_and_emits_the_choice(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    incident = add_incident(rows)
    far = add_hazard(rows, "远化工", 2.5)
    near = add_hazard(rows, "近化工", 0.7)
    add_hazard(rows, "界外化工", 3.5)
    dialog = ProximityDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.incident.incident_id() == incident, timeout=5000)
    dialog.radius.setText("0")
    dialog.search_button.click()
    assert dialog.errors.text("radius") == "半径须大于 0 且不超过 100 公里。"
    dialog.radius.setText("3")
    dialog.search_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    assert [r.id for r in dialog.model.rows()] == [near, far]
    assert dialog.count.text() == "3 公里内共 2 处，由近及远。"
    with qtbot.waitSignal(dialog.selected, timeout=1000) as chosen:
        dialog.table.doubleClicked.emit(dialog.model.index(1, 0))
    assert chosen.args == ["hazards", far]


def test_proximity_dialog_clears_results_under_an_error_and_names_swapped_points(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    incident = add_incident(rows)
    add_hazard(rows, "近化工", 0.7)
    dialog = ProximityDialog(session, incident_id=incident)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.incident.incident_id() == incident, timeout=5000)
    assert dialog.layer.itemText(0) == "风险隐患点"
    dialog.search_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    assert dialog.count.text()

    dialog.radius.setText("0")
    dialog.search_button.click()
    assert dialog.errors.text("radius") == "半径须大于 0 且不超过 100 公里。"
    assert dialog.model.rowCount() == 0 and dialog.count.text() == ""

    dialog.radius.setText("3")
    dialog.search_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    dialog.from_point.setChecked(True)
    dialog.lon.setText("34.19")
    dialog.lat.setText("116.95")
    dialog.search_button.click()
    assert dialog.errors.text("centre").startswith(
        "经纬度可能填反：经度应约为 116.5–117.2，纬度约为 33.9–34.5"
    )
    assert dialog.model.rowCount() == 0 and dialog.count.text() == ""
    dialog.lon.setText("abc")
    dialog.lat.setText("34.19")
    dialog.search_button.click()
    assert "经纬度可能填反" not in dialog.errors.text("centre")


def test_overdue_indicator_counts_at_new_year_night(
    qtbot: Any, rows: Database, session: AppSession
) -> None:
    add_site(rows, "三十一日到期", date(2026, 12, 31))
    add_site(rows, "今日到期", date(2027, 1, 1))
    assert session.today() == date(2027, 1, 1)
    indicator = OverdueIndicator(session)
    qtbot.addWidget(indicator)
    indicator.show()
    with qtbot.waitSignal(session.reloaded, timeout=5000):
        session.reload()  # starts the live feed from the latest change
    qtbot.waitUntil(lambda: indicator.text() == "整改逾期 1", timeout=5000)
    assert "b30000" in indicator.styleSheet()

    # Another seat records one more overdue rectification: the count follows.
    add_site(rows, "十二月到期", date(2026, 12, 20), "in_progress", risk="red")
    qtbot.waitUntil(lambda: indicator.text() == "整改逾期 2", timeout=10000)

    dialog = OverdueRectificationsDialog(session)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    assert [(r.name, r.days_overdue) for r in dialog.model.rows()] == [
        ("十二月到期", 12),
        ("三十一日到期", 1),
    ]


def test_overdue_indicator_is_grey_at_zero(qtbot: Any, rows: Database, session: AppSession) -> None:
    add_site(rows, "今日到期", date(2027, 1, 1))
    indicator = OverdueIndicator(session)
    qtbot.addWidget(indicator)
    qtbot.waitUntil(lambda: indicator.text() == "整改逾期 0", timeout=5000)
    assert "#777" in indicator.styleSheet()
