"""Text from the database is shown as text, never as markup.

Qt reads a string that looks like HTML as rich text in tooltips, labels and
message boxes: a title ``<h1>大字标题</h1>`` would show as a heading and
``<img src="file:///…">`` would load a local file. Here every kind of record
the window shows is given such text, the window and its dialogs are opened,
and every tooltip, label, text view, item model, action and message box is
read as the user would see it: wherever a probe's words show, its markup shows
with them, literally.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QHelpEvent, QImage, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QTextEdit,
    QWidget,
)
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import (
    DutyShift,
    HazardSite,
    RescueTeam,
    Shelter,
    Staff,
    SupplyDepot,
    Township,
    Village,
)
from app.data.uow import UnitOfWork
from app.domain.enums import IncidentStatus, LogEntryKind
from app.domain.intake import IncidentDraft
from app.services.demo import DemoRemovalRefused, RealDependent
from app.services.handover import HandoverService
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.services.roster import RosterService
from app.services.staff import PostRow
from app.ui.main_window import MainWindow
from app.ui.plain import plain_tooltip
from app.ui.questions import ask_yes_no
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_window
from tests.ui.test_map_live import type_text
from tests.ui.test_map_panel import page_texts

pytestmark = pytest.mark.qt_log_ignore(
    "^QRhiGles2: Failed to create",
    "^Failed to create RHI for backend",
    "Vulkan",
    "^GBM is not supported",
    "^This plugin does not support",  # offscreen: popups and tooltips
)

H1 = "<h1>大字标题</h1>"
IMG = '<img src="file:///tmp/xcc-probe.png">图片标题'
PROBE = H1 + IMG
# A probe's visible words, and the whole probe that must be read with them.
ANCHORS = {"大字标题": H1, "图片标题": IMG}
USER = H1 + "值班员"
ACTOR, SITE = "tester", "seat-9"


def shown(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a person reads when a widget in ``text_format`` shows ``text``."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if text_format == Qt.TextFormat.MarkdownText:
        doc = QTextDocument()
        doc.setMarkdown(text)
        return doc.toPlainText()
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


class Sweep:
    """Collects where a probe shows, and where it shows without its markup."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.bad: list[str] = []

    def check(
        self, where: str, text: Any, text_format: Qt.TextFormat = Qt.TextFormat.AutoText
    ) -> None:
        if not isinstance(text, str) or not text:
            return
        visible = shown(text, text_format)
        for anchor, whole in ANCHORS.items():
            if anchor in visible:
                self.seen.add(where)
                if whole not in visible:
                    self.bad.append(f"{where}: {text[:100]!r} reads {visible[:60]!r}")

    def model(self, where: str, view: QAbstractItemView) -> None:
        model = view.model()
        if model is None:
            return
        top = QModelIndex()
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(top)
        for row in range(model.rowCount(top)):
            for column in range(columns):
                index = model.index(row, column)
                self.check(where, model.data(index, Qt.ItemDataRole.ToolTipRole))

    def widgets(self, roots: list[QWidget]) -> None:
        for root in roots:
            for widget in [root, *root.findChildren(QWidget)]:
                where = widget.objectName() or type(widget).__name__
                self.check(where, widget.toolTip())
                if isinstance(widget, QLabel):
                    self.check(where, widget.text(), widget.textFormat())
                if isinstance(widget, QTextEdit):
                    self.check(where, widget.toPlainText(), Qt.TextFormat.PlainText)
                if isinstance(widget, QAbstractItemView):
                    self.model(where, widget)
            for action in root.findChildren(QAction):
                self.check(f"action:{action.objectName() or action.text()}", action.toolTip())


@dataclass(frozen=True)
class Probes:
    incident: uuid.UUID
    leader: uuid.UUID
    shift: uuid.UUID
    village: uuid.UUID
    shelter: uuid.UUID
    hazard: uuid.UUID
    depot: uuid.UUID
    team: uuid.UUID


def seed(db: Database) -> Probes:
    """Markup in every kind of record the window shows (on a copy of the demo data)."""
    now = datetime.now(UTC)
    roster = RosterService(db)
    shift = roster.on_duty(now)
    assert shift is not None and shift.leaders, "the demo roster covers now"
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        s = uow.session
        township = s.scalars(select(Township).order_by(Township.code)).first()
        assert township is not None
        township.name = PROBE
        village = s.scalars(select(Village).where(Village.township_id == township.id)).first()
        assert village is not None
        village.name = PROBE
        leader = s.get(Staff, shift.leaders[0].staff_id)
        assert leader is not None
        leader.name, leader.unit = PROBE, PROBE
        week = s.scalars(
            select(DutyShift).where(
                DutyShift.starts_at >= now - timedelta(days=2),
                DutyShift.starts_at < now + timedelta(days=7),
            )
        ).all()
        for duty in week:
            duty.label = H1  # at most 32 characters
        shelter = s.scalars(select(Shelter).order_by(Shelter.name)).first()
        hazard = s.scalars(select(HazardSite).order_by(HazardSite.name)).first()
        depot = s.scalars(select(SupplyDepot).order_by(SupplyDepot.name)).first()
        team = s.scalars(select(RescueTeam).order_by(RescueTeam.name)).first()
        assert shelter and hazard and depot and team
        shelter.name, shelter.address, shelter.manager, shelter.facilities = (PROBE,) * 4
        hazard.name, hazard.address, hazard.contact_name, hazard.responsible_unit = (PROBE,) * 4
        depot.name, depot.address, depot.manager = (PROBE,) * 3
        team.name, team.base_address, team.contact_name, team.equipment = (PROBE,) * 4
        ids = (township.id, village.id, shelter.id, hazard.id, depot.id, team.id)
        uow.commit()
    township_id, village_id, shelter_id, hazard_id, depot_id, team_id = ids
    # Received three hours ago: its first report is overdue (the status bar lists it).
    incident = IncidentService(db).record(
        IncidentDraft(
            title=PROBE,
            category="accident",
            incident_type="fire",
            severity="III",
            source="phone",
            received_at=now - timedelta(hours=3),
            reporter_name=PROBE,
            lon=116.95,
            lat=34.19,
            township_id=str(township_id),
            address=PROBE,
            description=PROBE + "\n" + "第二行：" + "很长的描述" * 30,
        ),
        actor=USER,
        site=SITE,
        now=now,
    )
    IncidentWorkflow(db).append(
        incident, LogEntryKind.NOTE, PROBE, actor=USER, site=SITE, at=now - timedelta(hours=1)
    )
    HandoverService(db).record(
        None, None, PROBE, [(PROBE, incident)], actor=USER, site=SITE, at=now
    )
    return Probes(
        incident, shift.leaders[0].staff_id, shift.id, village_id, shelter_id, hazard_id,
        depot_id, team_id,
    )  # fmt: skip


@pytest.fixture
def probes(check_db: Database) -> Probes:
    return seed(check_db)


@pytest.fixture
def window(
    qtbot: Any,
    probes: Probes,
    ui_db: Database,
    runner: TaskRunner,
    settings: QSettings,
    gui_guard: GuiThreadGuard,
) -> Iterator[MainWindow]:
    w = make_window(ui_db, runner, settings, user=USER)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=30000):
        w.refresh_all()
    yield w
    settle(runner)
    w.close()


def settle(runner: TaskRunner) -> None:
    assert runner.wait_idle(10000)
    QApplication.processEvents()


def _incident_index(window: MainWindow, incident_id: uuid.UUID, column: int) -> Any:
    panel = window.incident_panel
    row = panel.model.row_of_id(incident_id)
    assert row is not None
    return panel._proxy.mapFromSource(panel.model.index(row, column))


def test_plain_tooltip_shows_the_text_literally() -> None:
    for text in (PROBE, "a < b && c > d", "两行\n  缩进", "<p>already a paragraph</p>"):
        tooltip = plain_tooltip(text)
        assert QtGui.Qt.mightBeRichText(tooltip)  # so Qt never guesses
        assert shown(tooltip) == text
    assert plain_tooltip("") == plain_tooltip(None) == ""  # no tooltip at all
    # A long line is wrapped at a readable width; nothing of it is lost.
    long = "<b>险情</b>" + "很长的描述" * 40 + " end"
    lines = shown(plain_tooltip(long)).split("\n")
    assert len(lines) == 6  # 80 columns a line: 40 Chinese characters
    assert all(len(line.encode("gb18030")) <= 80 for line in lines)
    assert "".join(lines) == long


def test_incident_list_tooltip_shows_markup_as_text(
    qtbot: Any, window: MainWindow, probes: Probes, tmp_path: Path
) -> None:
    view = window.incident_panel.view
    index = _incident_index(window, probes.incident, 1)
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert shown(tooltip) == PROBE

    # The tooltip as the view shows it on a hover: Qt's own tooltip label.
    view.scrollTo(index)
    rect = view.visualRect(index)
    local = rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, local, view.viewport().mapToGlobal(local))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(lambda: _tooltip_label() is not None, timeout=5000)
    label = _tooltip_label()
    assert label is not None
    assert shown(label.text(), label.textFormat()) == PROBE
    picture = tmp_path / "incident_tooltip.png"
    assert label.grab().save(str(picture))
    assert view.window().grab().save(str(tmp_path / "incident_list.png"))
    image = QImage(str(picture))
    assert image.width() > 200  # the whole line of text, not a heading's first word
    # A heading would be drawn at least twice the height of a line.
    assert image.height() < 3 * label.fontMetrics().lineSpacing()


def _tooltip_label() -> QLabel | None:
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, QLabel)
            and widget.objectName() == "qtooltip_label"
            and widget.isVisible()
        ):
            return widget
    return None


def test_every_tooltip_label_and_list_shows_data_as_text(
    qtbot: Any, window: MainWindow, probes: Probes, runner: TaskRunner
) -> None:
    # Details of the incident; the overdue list names it.
    window.details_panel.show_feature("incidents", probes.incident)
    qtbot.waitUntil(lambda: "大字标题" in window.details_panel.title.text(), timeout=5000)
    qtbot.waitUntil(lambda: window.overdue.real_count > 0, timeout=10000)
    # Its log, under the list.
    window.incident_panel.view.selectRow(_incident_index(window, probes.incident, 0).row())
    qtbot.waitUntil(lambda: window.incident_panel.timeline.count() > 1, timeout=5000)
    # The map's search list.
    assert window.map_panel.search("大字标题")
    window.map_panel.search_box.setFocus()
    type_text(window.map_panel.search_box, "大字")
    # Dialogs that show records.
    staff = window.open_staff()
    qtbot.waitUntil(lambda: bool(staff.staff), timeout=10000)
    staff.select_staff(probes.leader)
    handover = window.open_handover(acknowledge=False)
    take_over = window.open_handover(acknowledge=True)
    report = window.open_incident_report(probes.incident)
    shelter = next(s for s in window.resource_panel.shelters.rows() if s.id == probes.shelter)
    editor = window.open_shelter_editor(shelter)
    occupancy = window.open_occupancy(shelter)
    calendar = window.roster_panel.calendar
    qtbot.waitUntil(lambda: bool(calendar.staff), timeout=5000)
    shift = next(s for s in window.roster_panel.model.rows() if s.id == probes.shift)
    assign = calendar.open_assign_dialog(shift)
    swap = calendar.open_swap_dialog(shift, shift.leaders[0])
    menu = QMenu(window)
    assert calendar.context_actions(calendar.model.index_of_shift(shift.id), menu)
    # A refusal that names real records in a message box.
    dependent = RealDependent("incident", uuid.uuid4(), PROBE, "township", uuid.uuid4(), PROBE)
    window.remove_demo_action._on_failed(DemoRemovalRefused([dependent]))
    qtbot.waitUntil(lambda: "大字标题" in report.preview.toPlainText(), timeout=10000)
    qtbot.waitUntil(lambda: "大字标题" in take_over.view.toPlainText(), timeout=10000)
    qtbot.waitUntil(lambda: handover.carried.rowCount() > 0, timeout=10000)
    settle(runner)

    sweep = Sweep()
    sweep.widgets([window, *QApplication.topLevelWidgets()])
    staff.tabs.setCurrentIndex(1)  # the AB posts
    sweep.widgets([staff])
    assert sweep.bad == []
    # The probes did reach every kind of place.
    expected = {
        "incidents_table",
        "details_title",
        "hazards_table",
        "shelters_table",
        "depots_table",
        "teams_table",
        "shifts_table",
        "roster_grid",
        "roster_staff",
        "staff_table",
        "posts_table",
        "carried_items",
        "handover_view",
        "status_user",
        "assign_leader",
        "qt_msgbox_label",
    }
    assert expected <= sweep.seen, expected - sweep.seen
    assert any(where.startswith("action:") for where in sweep.seen)  # overdue list, menus
    for dialog in (staff, handover, take_over, report, editor, occupancy, assign, swap):
        dialog.close()
    settle(runner)


def test_the_map_shows_names_as_text(window: MainWindow, probes: Probes, qtbot: Any) -> None:
    panel = window.map_panel
    texts = page_texts(
        qtbot,
        panel,
        [
            ("incidents", str(probes.incident)),
            ("shelters", str(probes.shelter)),
            ("hazards", str(probes.hazard)),
            ("depots", str(probes.depot)),
            ("teams", str(probes.team)),
        ],
    )
    for kind in ("incidents", "shelters", "hazards", "depots", "teams"):
        assert texts[kind]["tooltip"].startswith(PROBE), kind
        assert PROBE in texts[kind]["popup"], kind
    assert PROBE in texts["townships"]
    assert texts["elements"] == 0  # no <img>, <b> or <iframe> made from data
    assert panel.interceptor.blocked == []  # and nothing asked for a file


def test_closing_asks_with_the_title_as_text(
    qtbot: Any, window: MainWindow, probes: Probes
) -> None:
    panel = window.incident_panel
    panel.view.selectRow(_incident_index(window, probes.incident, 0).row())
    actions = panel.incident_actions
    assert actions is not None
    qtbot.waitUntil(
        lambda: actions.incident is not None and actions.incident.id == probes.incident,
        timeout=5000,
    )
    read: list[str] = []

    def answer_no() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        for label in box.findChildren(QLabel):
            read.append(shown(label.text(), label.textFormat()))
        box.button(QMessageBox.StandardButton.No).click()

    QTimer.singleShot(0, answer_no)
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.CLOSED], Qt.MouseButton.LeftButton)
    assert any(PROBE in text for text in read), read


def test_questions_and_warnings_show_plain_text(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    read: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        read.append(shown(box.text(), box.textFormat()))
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, answer)
    assert ask_yes_no(parent, "问", PROBE)
    assert read == [PROBE]


def test_choosing_a_post_holder_names_the_village_as_text(
    qtbot: Any, window: MainWindow, probes: Probes
) -> None:
    staff = window.open_staff()
    qtbot.waitUntil(lambda: bool(staff.posts), timeout=10000)
    row = next(p for p in staff.posts if p.village_id == probes.village)
    assert isinstance(row, PostRow)
    read: list[str] = []

    def cancel() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QInputDialog)
        read.extend(shown(label.text(), label.textFormat()) for label in box.findChildren(QLabel))
        box.reject()

    QTimer.singleShot(0, cancel)
    assert staff.pick_holder(row, "A", []) == (False, None)
    assert any(text.count(PROBE) == 2 for text in read), read  # township and village
    staff.close()
