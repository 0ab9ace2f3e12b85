"""The stock dialogs on a copy of the demo database: a refused movement keeps the form,
the nearest-depot search shows the depots that cover the need, the catalogue checks
codes at the field, the watch lists rotation, shortfalls and days of supply."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import StockMovement
from app.domain.clock import china_date
from app.services.incidents import IncidentService
from app.services.resources import ResourceService
from app.ui.stock.catalogue_dialog import CatalogueDialog
from app.ui.stock.depot_dialog import DepotStockDialog
from app.ui.stock.nearest_dialog import NearestSupplyDialog
from app.ui.stock.watch_dialog import StockWatchDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import make_session

COUNTY_SEAT = (116.95, 34.19)


def _movements(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(StockMovement)) or 0)


def _county_depot(db: Database) -> Any:
    today = china_date(db.clock())
    return next(d for d in ResourceService(db).depots(today) if d.level == "county")


def test_a_refused_issue_keeps_the_quantity_and_says_why(
    qtbot: Any, ui_db: Database, check_db: Database, runner: TaskRunner, gui_guard: Any
) -> None:
    session = make_session(ui_db, runner)
    dialog = DepotStockDialog(session, _county_depot(check_db))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.line_model.rowCount() > 0)
    tents = next(n for n, x in enumerate(dialog.line_model.rows()) if x.name == "帐篷")
    dialog.lines_view.selectRow(tents)
    assert dialog.buttons["issue"].isEnabled()
    form = dialog.open_issue()
    assert form is not None
    before = _movements(check_db)

    form.quantity.setText("两百")
    form.save()
    assert form.error_text("quantity") == "数量应为数字，如 200 或 12.5"
    form.quantity.setText("200 箱")
    form.save()
    assert form.error_text("quantity") == "单位与物资目录不符：此物资的单位是“顶”"

    form.quantity.setText("99999")
    form.note.setText("送县城体育场")
    form.save()
    qtbot.waitUntil(lambda: form.save_button.isEnabled() and not form.banner.isHidden())
    assert form.quantity.text() == "99999" and form.note.text() == "送县城体育场"
    assert form.error_text("quantity").startswith("库存不足：此批次现有 560")
    assert form.banner.text().startswith("未保存：库存不足")
    assert form.isVisible() and _movements(check_db) == before

    form.quantity.setText("60")
    form.save()
    qtbot.waitUntil(lambda: not form.isVisible())
    assert form.result_value == 500 and _movements(check_db) == before + 1
    qtbot.waitUntil(
        lambda: any(x.name == "帐篷" and x.quantity == 500 for x in dialog.line_model.rows())
    )


def test_the_nearest_dialog_lists_depots_until_the_need_is_covered(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: Any
) -> None:
    session = make_session(ui_db, runner)
    dialog = NearestSupplyDialog(session, point=COUNTY_SEAT)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.item.count() > 0)
    dialog.item.setCurrentIndex(dialog.item.findText("帐篷", flags=Qt.MatchFlag.MatchContains))
    assert dialog.need_unit.text() == "顶"
    dialog.need.setText("-5")
    dialog.search_now()
    assert dialog.need_error.text() == "数量应大于 0"
    dialog.need.setText("600")
    dialog.search_now()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0)
    rows = dialog.model.rows()
    assert [r.covers for r in rows] == [False] * (len(rows) - 1) + [True]
    assert rows[0].name == "县级应急物资储备库" and rows[-1].running_total >= 600
    assert [r.distance_km for r in rows] == sorted(r.distance_km for r in rows)
    assert "可以满足" in dialog.verdict.text()

    dialog.need.setText("100000")
    dialog.search_now()
    qtbot.waitUntil(lambda: "不能满足" in dialog.verdict.text())


def test_catalogue_code_is_checked_at_the_field(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: Any
) -> None:
    dialog = CatalogueDialog(make_session(ui_db, runner))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 12)
    dialog.start_new()
    dialog.code.setText("1 01 02")
    assert "7 位" in dialog.error_text("code")
    dialog.code.setText("4 01 02 03")
    assert "大类" in dialog.error_text("code")
    dialog.code.setText("１-01-03-99")
    assert dialog.error_text("code") == "" and "基本生活保障物资" in dialog.code_hint.text()
    dialog.name.setText("睡袋")
    dialog.unit.setText("个")
    dialog.save()
    qtbot.waitUntil(lambda: any(e.name == "睡袋" for e in dialog.model.rows()))
    assert next(e for e in dialog.model.rows() if e.name == "睡袋").code == "1010399"


def test_the_watch_shows_rotation_shortfalls_and_days(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: Any
) -> None:
    dialog = StockWatchDialog(make_session(ui_db, runner))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.days_model.rowCount() > 0)
    reminders = dialog.tab_rows(0)
    assert any(r.bucket.value == "expired" for r in reminders)
    assert {r.name for r in dialog.tab_rows(1)} >= {"帐篷"}
    days = {d.key_need: d for d in dialog.tab_rows(2)}
    assert set(days) == {"water", "food", "quilt", "tent"}
    assert days["water"].people > 0 and days["water"].days is not None


def test_the_nearest_dialog_starts_from_the_incident_in_hand(
    qtbot: Any, ui_db: Database, check_db: Database, runner: TaskRunner, gui_guard: Any
) -> None:
    # Not the first incident of the list: the one the window has selected, read
    # again from the database (an equal id, not the same object).
    incidents = [i for i in IncidentService(check_db).active() if i.lon is not None]
    wanted = incidents[-1].id
    assert len(incidents) > 1 and incidents[0].id != wanted
    session = make_session(ui_db, runner)
    dialog = NearestSupplyDialog(session, incident_id=uuid.UUID(str(wanted)))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.incident.count() > 1)
    assert dialog.incident.currentData() == wanted
