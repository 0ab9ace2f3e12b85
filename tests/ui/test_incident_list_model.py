"""The lazily fetched incident list model and its filter bar."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtWidgets import QApplication

from app.data.engine import Database
from app.data.models import Incident
from app.data.uow import UnitOfWork
from app.services.incident_search import IncidentQuery, IncidentSearch
from app.ui.incidents.filters import IncidentFilterBar
from app.ui.incidents.list_model import LazyIncidentModel
from app.ui.tasks import TaskRunner

T0 = datetime(2026, 7, 1, tzinfo=UTC)


def _fill(db: Database, n: int, title: str = "测试事件") -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "title": f"{title}{k}",
            "category": "accident",
            "incident_type": "fire",
            "severity": "IV",
            "status": "received",
            "is_drill": k % 2 == 0,
            "received_at": T0 + timedelta(minutes=k),
            "source": "phone",
        }
        for k in range(n)
    ]
    with UnitOfWork(db, actor="t", site="t") as uow:
        uow.bulk_insert(Incident, rows)
        uow.commit()


def _wait_loaded(qtbot: Any, model: LazyIncidentModel) -> None:
    qtbot.waitUntil(lambda: not model.loading and model.total is not None, timeout=10000)


def test_pages_load_lazily_off_the_gui_thread(
    qtbot: Any, qtmodeltester: Any, ui_db: Database, check_db: Database, runner: TaskRunner,
    gui_guard: Any,
) -> None:  # fmt: skip
    _fill(check_db, 25, "批量")
    model = LazyIncidentModel(runner, IncidentSearch(ui_db), page_size=10)
    query = IncidentQuery(text="批量")
    model.set_query(query)
    _wait_loaded(qtbot, model)
    assert model.rowCount() == 10
    assert model.total == 25
    assert model.canFetchMore()
    qtmodeltester.check(model)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 20 and not model.loading, timeout=10000)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 25 and not model.loading, timeout=10000)
    assert not model.canFetchMore()
    ids = [model.row_at(r).id for r in range(25)]
    assert len(set(ids)) == 25
    newest = model.row_at(0)
    assert newest.title == "批量24"
    assert model.row_of_id(newest.id) == 0
    assert model.data(model.index(1, 1)) == "批量23"
    drill = model.data(model.index(0, 1))  # a drill: marked
    assert drill.endswith("批量24") and drill != "批量24"
    qtmodeltester.check(model)


def test_set_query_replaces_results_and_drops_stale_pages(
    qtbot: Any, ui_db: Database, check_db: Database, runner: TaskRunner, gui_guard: Any
) -> None:
    _fill(check_db, 5, "甲类")
    _fill(check_db, 3, "乙类")
    model = LazyIncidentModel(runner, IncidentSearch(ui_db))
    model.set_query(IncidentQuery(text="甲类"))
    _wait_loaded(qtbot, model)
    assert model.rowCount() == 5
    # Two queries in quick succession: only the last one's answers are shown.
    model.set_query(IncidentQuery(text="甲类"))
    model.set_query(IncidentQuery(text="乙类"))
    _wait_loaded(qtbot, model)
    assert runner.wait_idle(10000)
    QApplication.processEvents()
    assert model.rowCount() == 3
    assert model.total == 3
    assert {model.row_at(r).title[:2] for r in range(3)} == {"乙类"}
    # Sorting by a column asks the service again.
    model.sort(1)
    _wait_loaded(qtbot, model)
    assert [model.row_at(r).title for r in range(3)] == ["乙类0", "乙类1", "乙类2"]


def test_filter_bar_emits_queries(qtbot: Any) -> None:
    bar = IncidentFilterBar()
    qtbot.addWidget(bar)
    town = uuid.uuid4()
    bar.set_townships([(town, "龙城镇")])
    got: list[IncidentQuery] = []
    bar.query_changed.connect(got.append)
    bar.statuses.actions_by_code["closed"].setChecked(True)
    assert got[-1].statuses == frozenset({"closed"})
    bar.township.setCurrentIndex(1)
    assert got[-1].township_ids == frozenset({town})
    bar.drill.setCurrentIndex(2)
    assert got[-1].drill is True
    n = len(got)
    bar.search.setText("火")
    bar.search.setText("火灾")
    assert len(got) == n  # debounced
    qtbot.waitUntil(lambda: len(got) == n + 1, timeout=2000)
    assert got[-1].text == "火灾"
    assert bar.statuses.text().endswith("(1)")
