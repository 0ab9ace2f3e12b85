"""The window follows the database by itself: map diffs, details, intake from the map."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.models import HazardSite, Incident
from app.data.uow import UnitOfWork
from app.services.startup import open_database
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.data.test_mbtiles import county_metadata, county_tiles, write_mbtiles
from tests.helpers.processes import run_python
from tests.ui.conftest import GuiThreadGuard, make_window

ROOT = Path(__file__).resolve().parents[2]
SEAT = (116.945, 34.185)


def _js(window: MainWindow, qtbot: Any, script: str) -> Any:
    page = window.map_panel.page
    assert page is not None
    box: list[Any] = []
    page.runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def test_change_by_another_process_reaches_the_map_within_a_second(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    with check_db.read_session() as s:
        site = s.scalars(select(HazardSite).where(HazardSite.risk_level != "red").limit(1)).one()
    view_before = _js(window, qtbot, "JSON.stringify([xcc.map.getZoom(), xcc.map.getCenter()])")
    script = (
        "import sys, uuid; from app.data.engine import Database; from app.data.uow import "
        "UnitOfWork; from app.data.models import HazardSite; db = Database(sys.argv[1]);\n"
        "with UnitOfWork(db, actor='seat-2', site='seat-2') as u:\n"
        "    u.session.get(HazardSite, uuid.UUID(sys.argv[2])).risk_level = 'red'; u.commit()\n"
    )
    url = check_db.url.render_as_string(hide_password=False)
    run_python(script, url, str(site.id))
    committed = time.monotonic()
    with qtbot.waitSignal(window.map_panel.changes_applied, timeout=3000):
        pass
    assert time.monotonic() - committed < 1.0
    level = _js(window, qtbot, f"xcc.featureProperties('hazards', '{site.id}').risk_level")
    assert level == "red"
    view_after = _js(window, qtbot, "JSON.stringify([xcc.map.getZoom(), xcc.map.getCenter()])")
    assert view_after == view_before, "a live update must not move the user's view"


def test_clicking_a_feature_shows_its_details(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    with check_db.read_session() as s:
        site = s.scalars(select(HazardSite).limit(1)).one()
    window.map_panel.feature_clicked.emit("hazards", str(site.id))
    details = window.details_panel
    qtbot.waitUntil(lambda: site.name in details.title.text(), timeout=5000)
    assert details.value_of("责任单位") == (site.responsible_unit or "")


def test_record_an_incident_from_the_map(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    dialogs: list[Any] = []
    original = window.open_intake
    window.open_intake = lambda lon=None, lat=None: dialogs.append(original(lon, lat))  # type: ignore[method-assign]
    window.map_panel.incident_requested.emit(*SEAT)
    assert dialogs, "right-click 'record an incident here' opens the form"
    dialog = dialogs[0]
    assert dialog.lon.text().startswith("116.945") and dialog.lat.text().startswith("34.185")
    assert dialog.township.currentText() == "龙城镇"

    # A refused save keeps what was typed and says why, next to the field.
    dialog.reporter.setText("李某")
    dialog.lat.setText("北纬34度")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.error_text("location") == "请输入数字,例如 116.94512。"
    assert dialog.error_text("title") == "必填。"  # every problem at once
    assert dialog.reporter.text() == "李某"

    dialog.lat.setText("34.185")
    dialog.title.setText("龙城镇某小区地下车库进水")
    with qtbot.waitSignal(dialog.recorded, timeout=5000) as blocker:
        dialog.save()
    incident_id = blocker.args[0]
    with check_db.read_session() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.reporter_name == "李某"
    model = window.incident_panel.model
    qtbot.waitUntil(lambda: model.row_of_id(incident_id) is not None, timeout=3000)
    qtbot.waitUntil(
        lambda: _js(window, qtbot, f"!!xcc.featureProperties('incidents', '{incident_id}')"),
        timeout=3000,
    )


def test_empty_title_is_refused_with_a_message(window: MainWindow, qtbot: Any) -> None:
    dialog = window.open_intake(*SEAT)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.error_text("title") == "必填。", timeout=3000)
    assert dialog.isVisible()
    dialog.reject()


def test_closing_an_incident_takes_it_off_the_map(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    with UnitOfWork(check_db, actor="seat-2", site="seat-2") as uow:
        incident = uow.session.scalars(
            select(Incident).where(Incident.status == "handling").limit(1)
        ).one()
        incident.status = "closed"
        incident_id = incident.id
        uow.commit()
    qtbot.waitUntil(
        lambda: _js(window, qtbot, f"!xcc.featureProperties('incidents', '{incident_id}')"),
        timeout=3000,
    )


def test_offline_basemap_from_an_mbtiles_file(
    window: MainWindow, tmp_path: Path, qtbot: Any
) -> None:
    path = tmp_path / "萧县 底图.mbtiles"
    write_mbtiles(path, county_tiles(), county_metadata())
    window.load_basemap(path)
    qtbot.waitUntil(lambda: _js(window, qtbot, "!!xcc.basemap()"), timeout=5000)
    qtbot.waitUntil(
        lambda: _js(window, qtbot, "document.querySelectorAll('.leaflet-tile-loaded').length") > 0,
        timeout=5000,
    )
    assert window.map_panel.interceptor.blocked == []


def test_a_bad_basemap_file_is_refused_and_the_map_goes_on(
    window: MainWindow, tmp_path: Path, qtbot: Any
) -> None:
    bad = tmp_path / "broken.mbtiles"
    bad.write_bytes(b"PK\x03\x04 this is a zip archive, not a map" * 50)
    with qtbot.waitSignal(window.basemap_failed, timeout=5000) as blocker:
        window.load_basemap(bad)
    assert "broken.mbtiles" in blocker.args[0] and "MBTiles" in blocker.args[0]
    assert window.statusBar().currentMessage() == blocker.args[0]
    assert _js(window, qtbot, "!!xcc.basemap()") is False
    assert window.map_panel.feature_counts["hazards"] > 0


@pytest.mark.postgres
def test_two_seats_on_postgresql(
    qtbot: Any, pg_url: URL, runner: TaskRunner, settings: QSettings
) -> None:
    """A write by another process on the shared server shows in this seat by itself."""
    opened = open_database(pg_url, actor="setup", site="setup", now=datetime.now(UTC), demo=True)
    opened.db.dispose()
    db = Database(pg_url)
    guard = GuiThreadGuard(db)
    window = make_window(db, runner, settings)
    qtbot.addWidget(window)
    try:
        window.show()
        with qtbot.waitSignal(window.all_loaded, timeout=30000):
            window.refresh_all()
        url = pg_url.render_as_string(hide_password=False)
        script = (
            "import sys; from datetime import UTC, datetime; from app.data.engine import Database;"
            "from app.domain.intake import IncidentDraft; "
            "from app.services.incidents import IncidentService; db = Database(sys.argv[1]);\n"
            "print(IncidentService(db).record(IncidentDraft(title='二号席位登记的事件', "
            "category='accident', incident_type='fire', severity='IV', source='phone', "
            "received_at=datetime.now(UTC), lon=116.95, lat=34.19), actor='seat-2', "
            "site='seat-2', now=datetime.now(UTC)))\n"
        )
        out = run_python(script, url).strip()
        incident_id = uuid.UUID(out.splitlines()[-1])
        model = window.incident_panel.model
        qtbot.waitUntil(lambda: model.row_of_id(incident_id) is not None, timeout=3000)
        qtbot.waitUntil(
            lambda: _js(window, qtbot, f"!!xcc.featureProperties('incidents', '{incident_id}')"),
            timeout=3000,
        )
        window.close()
    finally:
        guard.remove()
        db.dispose()
    assert guard.violations == []
