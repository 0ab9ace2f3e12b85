"""Filter boxes find what is typed whatever its width and case: ``G310`` finds
``Ｇ３１０国道塌方``, ``Ｇ３１０`` finds ``G310国道追尾``, ``ｗａｎｇ`` finds ``Wang``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QLineEdit

from app.data.engine import Database
from app.domain.identity import Identity
from app.domain.intake import IncidentDraft
from app.services.catalog import Services
from app.services.dto import MapData, TeamDTO
from app.services.incidents import IncidentService
from app.ui.incidents.panel import IncidentPanel
from app.ui.models.folding import FoldingFilterProxyModel
from app.ui.models.table import Column, DtoTableModel
from app.ui.resources.panel import ResourcePanel
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard
from tests.ui.test_map_panel import _id, hazard, shelter

COLLAPSE = "Ｇ３１０国道塌方"
CRASH = "G310国道追尾"


@dataclasses.dataclass(frozen=True)
class Row:
    id: int
    name: str
    contact: str


def _rows_of(proxy: QSortFilterProxyModel) -> list[str]:
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def test_the_proxy_folds_width_and_case_and_follows_the_rows(qtmodeltester: Any) -> None:
    model: DtoTableModel[Row] = DtoTableModel(
        [Column("名称", lambda r: r.name), Column("联系人", lambda r: r.contact)]
    )
    model.set_rows([Row(1, COLLAPSE, ""), Row(2, CRASH, ""), Row(3, "县救援队", "Wang")])
    proxy = FoldingFilterProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    for typed, expected in (
        ("G310", [COLLAPSE, CRASH]),
        ("Ｇ３１０", [COLLAPSE, CRASH]),
        ("ｇ３１０国道塌", [COLLAPSE]),
        ("ｗａｎｇ", ["县救援队"]),  # any column
        ("　wang ", ["县救援队"]),  # spaces around (an ideographic one too) do not count
        ("", [COLLAPSE, CRASH, "县救援队"]),
    ):
        proxy.set_filter_text(typed)
        assert _rows_of(proxy) == expected, typed

    # While filtered, rows change, come and go: the list follows them.
    proxy.set_filter_text("g310")
    model.upsert([Row(3, "G310沿线救援队", "Wang"), Row(4, "ｇ３１０巡查组", "")])
    assert _rows_of(proxy) == [COLLAPSE, CRASH, "G310沿线救援队", "ｇ３１０巡查组"]
    model.upsert([Row(1, "已改名", "")])
    model.remove_ids([2])
    assert _rows_of(proxy) == ["G310沿线救援队", "ｇ３１０巡查组"]
    model.set_rows([Row(5, "Ｇ３１０", ""), Row(6, "别的", "")])
    assert _rows_of(proxy) == ["Ｇ３１０"]
    qtmodeltester.check(proxy)


def _team(name: str, contact: str) -> TeamDTO:
    return TeamDTO(
        _id(), name, "fire", 12, 0, "standby", "龙城镇", 116.8, 34.2, None, None, contact,
        None, True, 1,
    )  # fmt: skip


def test_the_resource_lists_fold_what_is_typed(qtbot: Any) -> None:
    panel = ResourcePanel()
    qtbot.addWidget(panel)
    panel.show_data(
        MapData(
            None,
            (),
            (hazard(COLLAPSE, "red", 116.8, 34.2), hazard("加油站", "blue", 116.9, 34.3)),
            (shelter(CRASH + "安置点", 116.85, 34.25), shelter("城南避难场所", 116.9, 34.2)),
            (),
            (_team("县消防救援大队", "Wang"), _team("矿山救护队", "李四")),
            (),
        )
    )
    box = panel.findChild(QLineEdit)
    assert box is not None
    views = {layer: panel._views[layer] for layer in ("hazards", "shelters", "teams")}

    def names(layer: str) -> list[str]:
        model = views[layer].model()
        return [model.index(r, 0).data() for r in range(model.rowCount())]

    box.setText("G310")
    assert names("hazards") == [COLLAPSE] and names("shelters") == [CRASH + "安置点"]
    box.setText("Ｇ３１０")
    assert names("hazards") == [COLLAPSE] and names("shelters") == [CRASH + "安置点"]
    box.setText("ｗａｎｇ")
    assert names("teams") == ["县消防救援大队"] and names("hazards") == []
    box.clear()
    assert len(names("teams")) == 2


@pytest.fixture
def local_panel(
    qtbot: Any, ui_db: Database, check_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[IncidentPanel]:
    """The incident list that filters what it has in memory (no search service)."""
    now = datetime.now(UTC)
    for title in (COLLAPSE, CRASH):
        IncidentService(check_db).record(
            IncidentDraft(
                title=title,
                category="accident",
                incident_type="fire",
                severity="IV",
                source="phone",
                received_at=now - timedelta(minutes=5),
                lon=116.95,
                lat=34.19,
            ),
            actor="值班员甲",
            site="seat-1",
            now=now,
        )
    services = dataclasses.replace(Services.on(ui_db), search=None)
    identity = Identity(user="值班员甲", site="seat-1", workstation="ws-1")
    session = AppSession(ui_db, identity, runner, services=services)
    panel = IncidentPanel(session)
    session.setParent(panel)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.refresh()
    yield panel
    assert runner.wait_idle(10000)
    session.close()


def test_the_incident_list_in_memory_folds_what_is_typed(local_panel: IncidentPanel) -> None:
    assert local_panel.filters is None
    box = local_panel.findChild(QLineEdit)
    assert box is not None

    def titles() -> list[str]:
        proxy = local_panel._proxy
        return sorted(proxy.index(r, 1).data() for r in range(proxy.rowCount()))

    everything = len(titles())
    box.setText("G310")
    assert titles() == sorted([COLLAPSE, CRASH])
    box.setText("Ｇ３１０国道追")
    assert titles() == [CRASH]
    box.setText("ｇ３１０国道塌")
    assert titles() == [COLLAPSE]
    box.clear()
    assert len(titles()) == everything > 2
    tooltip = local_panel._proxy.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("<p")  # shown as text
