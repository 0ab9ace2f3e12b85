"""Two seats edit the same shelter: the second is told, nothing is overwritten silently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import ChangeLog, Shelter
from app.domain.registers import SHELTERS
from app.services.registers import RegisterService
from app.services.resources import ResourceService
from app.ui.main_window import MainWindow


def test_stale_edit_shows_the_other_change_and_keeps_the_form(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    shelter = ResourceService(check_db).shelters()[0]
    window.details_panel.show_feature("shelters", shelter.id)
    qtbot.waitUntil(lambda: window.details_panel.edit_button.isVisible(), timeout=5000)
    dialogs: list[Any] = []
    original = window.open_shelter_editor
    window.open_shelter_editor = lambda dto: dialogs.append(original(dto))  # type: ignore[method-assign]
    window.details_panel.edit_button.click()
    dialog = dialogs[0]
    dialog.inputs["manager"].setText("王五")  # what this seat types

    # Meanwhile another seat lowers the capacity, from the same version.
    theirs = {f.name: getattr(shelter, f.name) for f in SHELTERS.fields}
    theirs["capacity"] = shelter.capacity - 500
    RegisterService(check_db).update(
        "shelters", shelter.id, shelter.version, theirs, actor="seat-2 李四", site="seat-2"
    )

    dialog.save()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
    text = dialog.banner.text()
    assert "seat-2 李四" in text
    assert f"容纳人数 {shelter.capacity} → {shelter.capacity - 500}" in text
    assert dialog.isVisible() and dialog.inputs["manager"].text() == "王五"
    with check_db.read_session() as s:
        row = s.get(Shelter, shelter.id)
        assert row is not None and row.manager == shelter.manager  # nothing overwritten

    # Saving again, knowingly, applies this seat's own change over the new version;
    # the other seat's capacity, which this seat did not touch, stays.
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    with check_db.read_session() as s:
        row = s.get(Shelter, shelter.id)
        assert row is not None and row.manager == "王五"
        assert row.capacity == shelter.capacity - 500
        updates = s.scalar(
            select(func.count()).where(ChangeLog.entity_id == shelter.id, ChangeLog.op == "update")
        )
    assert updates == 2
