"""Disaster statistics in the UI: the report form, 统计更新 and the statistics dialog."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import IncidentLogEntry, IncidentStatistics
from app.domain.enums import LogEntryKind
from app.domain.intake import IncidentDraft
from app.services.disaster_stats import DisasterStats, Figures
from app.services.dto import IncidentDTO
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.ui.incidents.actions import IncidentActions
from app.ui.incidents.intake import IncidentIntakeDialog
from app.ui.incidents.stats_dialog import StatsDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard

pytestmark = pytest.mark.dates  # runs at every frozen moment too

ACTOR, SITE = "值班员甲", "seat-1"


def _clock() -> datetime:
    return datetime.now(UTC)


def _intake(qtbot: Any, runner: TaskRunner, db: Database) -> IncidentIntakeDialog:
    incidents, stats = IncidentService(db), DisasterStats(db)
    dialog = IncidentIntakeDialog(
        runner,
        lambda draft: incidents.record(draft, actor=ACTOR, site=SITE, now=_clock()),
        [],
        _clock,
        "test",
        stats_record=lambda incident_id, figures, at: stats.record(
            incident_id, figures, actor=ACTOR, site=SITE, at=at
        ),
    )
    # A form a test leaves filled in is not asked about when qtbot closes it.
    qtbot.addWidget(dialog, before_close_func=lambda w: w.discard_guard.mark_clean())
    dialog.show()
    return dialog


def _statistics(db: Database, incident_id: uuid.UUID) -> list[IncidentStatistics]:
    with db.read_session() as s:
        return list(
            s.scalars(
                select(IncidentStatistics)
                .where(IncidentStatistics.incident_id == incident_id)
                .order_by(IncidentStatistics.at)
            )
        )


def test_intake_saves_the_figures_of_a_natural_disaster(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    dialog = _intake(qtbot, runner, ui_db)
    dialog.category.setCurrentIndex(dialog.category.findData("accident"))
    assert not dialog.stats_section.isVisibleTo(dialog)
    dialog.category.setCurrentIndex(dialog.category.findData("natural"))
    assert dialog.stats_section.isVisibleTo(dialog)
    assert not dialog.stats_form.isVisibleTo(dialog)  # collapsed until opened
    dialog.stats_toggle.click()
    assert dialog.stats_form.isVisibleTo(dialog)
    assert "deaths" not in dialog.stats_form.boxes  # taken from the casualties

    dialog.title.setText("黄口镇暴雨内涝")
    dialog.address.setText("黄口镇")
    dialog.deaths.setValue(1)
    boxes = dialog.stats_form.boxes
    boxes["affected_population"].setValue(320)
    boxes["relocated"].setValue(45)
    boxes["crops_affected_ha"].setValue(10)
    boxes["crops_damaged_ha"].setValue(12)  # more than affected: refused before saving
    dialog.save()
    assert dialog.error_text("statistics") == "农作物成灾面积不能大于受灾面积。"
    assert dialog.isVisible()
    assert _statistics(check_db, dialog.incident_id) == []

    boxes["crops_damaged_ha"].setValue(6.5)
    with qtbot.waitSignal(dialog.recorded, timeout=10000):
        dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    [row] = _statistics(check_db, dialog.incident_id)
    assert (row.affected_population, row.relocated, row.deaths) == (320, 45, 1)
    assert (row.crops_affected_ha, row.crops_damaged_ha) == (10, 6.5)
    with check_db.read_session() as s:
        kinds = s.scalars(
            select(IncidentLogEntry.kind).where(IncidentLogEntry.incident_id == dialog.incident_id)
        ).all()
    assert LogEntryKind.STATISTICS.value in kinds


def test_intake_without_figures_saves_no_statistics(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    dialog = _intake(qtbot, runner, ui_db)
    dialog.category.setCurrentIndex(dialog.category.findData("natural"))
    dialog.title.setText("酒店镇大风")
    dialog.address.setText("酒店镇")
    with qtbot.waitSignal(dialog.recorded, timeout=10000):
        dialog.save()
    assert _statistics(check_db, dialog.incident_id) == []


def _incidents(db: Database) -> list[IncidentDTO]:
    return [i for i in IncidentService(db).recent() if not i.is_drill]


def test_update_statistics_from_the_actions_strip(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    incidents = _incidents(check_db)
    natural = next(i for i in incidents if i.category == "natural")
    other = next(i for i in incidents if i.category != "natural")
    DisasterStats(check_db).record(
        natural.id,
        Figures(affected_population=80, need_assistance=12),
        actor=ACTOR,
        site=SITE,
        at=_clock(),
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    actions = IncidentActions(
        runner,
        IncidentWorkflow(ui_db),
        ACTOR,
        SITE,
        _clock,
        "test",
        parent,
        stats=DisasterStats(ui_db),
    )
    parent.show()
    actions.set_incident(other)
    assert not actions.stats_button.isVisibleTo(actions)
    actions.set_incident(natural)
    assert actions.stats_button.isVisibleTo(actions)
    assert actions.stats_button.text() == "统计更新…"

    actions.stats_button.click()
    qtbot.waitUntil(lambda: actions.stats_dialog is not None, timeout=5000)
    dialog = actions.stats_dialog
    assert dialog is not None
    boxes = dialog.form.boxes
    assert boxes["affected_population"].value() == 80  # prefilled with the current figures
    assert boxes["need_assistance"].value() == 12
    assert not dialog.delivered.isChecked()
    assert dialog.delivered.text() == "基本生活救助已到位"
    boxes["affected_population"].setValue(95)
    dialog.delivered.setChecked(True)
    with qtbot.waitSignal(actions.changed, timeout=10000):
        dialog.save()
    rows = _statistics(check_db, natural.id)
    assert [(r.affected_population, r.assistance_delivered) for r in rows[-2:]] == [
        (80, False),
        (95, True),
    ]
    assert DisasterStats(check_db).current(natural.id) == Figures(
        affected_population=95, need_assistance=12
    )
    runner.wait_idle()
    parent.close()


def test_stats_dialog_shows_totals_and_assistance_hours(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    now = _clock().replace(microsecond=0)
    service, stats = IncidentService(check_db), DisasterStats(check_db)
    made = []
    for title, hours_ago, delivered_after in (("孙圩子乡地质灾害", 30, 8), ("圣泉乡冰雹", 40, 13)):
        draft = IncidentDraft(
            title=title,
            category="natural",
            incident_type="geological",
            severity="IV",
            source="phone",
            received_at=now - timedelta(hours=hours_ago),
            address=title[:3],
        )
        incident_id = service.record(draft, actor=ACTOR, site=SITE, now=now)
        stats.record(
            incident_id,
            Figures(affected_population=500, need_assistance=60),
            actor=ACTOR,
            site=SITE,
            at=now - timedelta(hours=hours_ago - 1),
        )
        stats.record(
            incident_id,
            Figures(affected_population=600, need_assistance=60),
            actor=ACTOR,
            site=SITE,
            at=now - timedelta(hours=hours_ago - delivered_after),
            assistance_delivered=True,
        )
        made.append(title)

    dialog = StatsDialog(runner, DisasterStats(ui_db), lambda: now)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.times != [], timeout=10000)
    dialog.group.setCurrentIndex(dialog.group.findData("type"))
    qtbot.waitUntil(
        lambda: any(
            dialog.table.item(r, 0).text() == "地质灾害" for r in range(dialog.table.rowCount())
        ),
        timeout=10000,
    )
    expected = stats.aggregate(now - timedelta(days=32), now + timedelta(days=1), "type")
    assert [r.key for r in dialog.rows] == [r.key for r in expected]
    row = next(
        r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "地质灾害"
    )
    geological = next(r for r in expected if r.key == "geological")
    assert dialog.table.item(row, 1).text() == str(geological.incidents)
    assert dialog.table.item(row, 2).text() == str(geological.figures.affected_population)
    assert geological.figures.affected_population >= 1200
    assert dialog.bars is not None

    found = {dialog.assistance.item(r, 0).text(): r for r in range(dialog.assistance.rowCount())}
    on_time, late = found[made[0]], found[made[1]]
    assert dialog.assistance.item(on_time, 4).text() == "8.0"
    assert dialog.assistance.item(on_time, 5).text() == "达标"
    assert dialog.assistance.item(late, 4).text() == "13.0"
    assert dialog.assistance.item(late, 5).text() == "未达标"
    assert dialog.assistance.item(late, 5).foreground().color().name() == "#b30000"
    runner.wait_idle()


def test_statistics_from_the_window(window: Any, qtbot: Any) -> None:
    from app.ui.incidents.stats_dialog import StatsDialog

    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    texts = [a.text() for a in menus["文件(&F)"].actions()]
    assert "灾情统计…" in texts
    dialog = window.open_statistics()
    assert isinstance(dialog, StatsDialog) and dialog.isVisible()
    window._runner.wait_idle(10000)
    qtbot.wait(50)
    dialog.reject()
    # The report form opened from the window offers the section for natural disasters.
    intake = window.open_intake()
    intake.category.setCurrentIndex(intake.category.findData("natural"))
    assert intake.stats_section.isVisibleTo(intake)
    intake.category.setCurrentIndex(intake.category.findData("accident"))
    assert not intake.stats_section.isVisibleTo(intake)
    intake.category.setCurrentIndex(intake.category.findData("natural"))  # as it opened
    intake.reject()  # untouched: closes without asking
