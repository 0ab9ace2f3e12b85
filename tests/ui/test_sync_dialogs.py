"""The synchronisation windows on real SQLite files: a center and a field vehicle
taken out of it, each with its own session, exchanging packets as users do."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select, text
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.models import Shelter
from app.domain.identity import Identity
from app.sync.service import SyncService
from app.sync.types import Resolution
from app.ui.session import AppSession
from app.ui.sync import (
    ConflictsDialog,
    FieldExportDialog,
    SyncActions,
    SyncDialog,
    SyncIndicator,
)
from app.ui.sync.field import package_file_name, restart_command
from app.ui.tasks import TaskRunner
from tests.sync.conftest import center, dump, seed, take_out, write
from tests.ui.conftest import GuiThreadGuard

__all__ = ["center", "take_out"]  # fixtures used by name


@pytest.fixture
def any_url(tmp_path: Path) -> URL:
    """The windows are tested on SQLite only (the service's tests cover PostgreSQL)."""
    return make_url(f"sqlite+pysqlite:///{tmp_path / 'xcc.sqlite3'}")


@pytest.fixture
def sessions(runner: TaskRunner, qtbot: Any) -> Iterator[Callable[[Database], AppSession]]:
    """A seat's session on a site's database (a connection of its own, so that the
    test's own reads and writes are apart), its change feed running; its SQL must
    never run on the GUI thread."""
    made: list[tuple[AppSession, GuiThreadGuard, Database]] = []

    def make(db: Database) -> AppSession:
        seat_db = Database(db.url, clock=db.clock)
        guard = GuiThreadGuard(seat_db)
        seat = Identity(user="值班员甲", site="seat-1", workstation="ws-1")
        session = AppSession(seat_db, seat, runner)
        with qtbot.waitSignal(session.reloaded, timeout=10000):
            session.reload()
        made.append((session, guard, seat_db))
        return session

    yield make
    for session, guard, seat_db in made:
        session.close()
        guard.remove()
        seat_db.dispose()
        assert guard.violations == [], f"SQL ran on the GUI thread: {guard.violations[:5]}"


def _capacity(db: Database, shelter: uuid.UUID) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(Shelter.capacity).where(Shelter.id == shelter)) or 0)


def _open_dialog(qtbot: Any, session: AppSession) -> SyncDialog:
    dialog = SyncDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.status is not None and not dialog.busy)
    return dialog


def _cell(dialog: SyncDialog, row: int, header: str) -> str:
    from app.ui.sync.dialog import PEER_HEADERS

    item = dialog.peers.item(row, PEER_HEADERS.index(header))
    return item.text() if item is not None else ""


def _warnings() -> list[str]:
    return [
        w.text()
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible()
    ]


def test_the_dialog_shows_the_site_and_the_counts_after_a_change(
    qtbot: Any, center: Database, take_out: Callable[..., Database], sessions: Any
) -> None:
    ids = seed(center)
    vehicle = take_out("前方指挥车1号")
    code = SyncService(vehicle).site().code
    dialog = _open_dialog(qtbot, sessions(vehicle))
    assert dialog.site_label.text() == f"本站点：前方指挥车1号（{code}） · 前方指挥车"
    assert dialog.peers.rowCount() == 1
    assert _cell(dialog, 0, "类型") == "指挥中心"
    assert _cell(dialog, 0, "待发送") == "0 条"
    assert _cell(dialog, 0, "最近发出") == "从未"
    assert not dialog.network_box.isHidden()
    assert dialog.conflicts_label.text() == "没有未处理的同步冲突。"

    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "capacity", 500))
    # Another seat's change reaches the dialog through the session's change feed.
    qtbot.waitUntil(lambda: _cell(dialog, 0, "待发送") == "1 条", timeout=10000)
    assert _cell(dialog, 0, "待对方确认") == "0 条"


def test_a_packet_written_here_and_imported_there_updates_the_other_site(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out("前方指挥车1号")
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "capacity", 500))
    at_vehicle = _open_dialog(qtbot, sessions(vehicle))
    at_center = _open_dialog(qtbot, sessions(center))
    assert _cell(at_vehicle, 0, "待发送") == "1 条"
    center_code = SyncService(center).site().code
    assert at_vehicle.chosen_peer() is not None
    assert at_vehicle.chosen_peer().code == center_code  # type: ignore[union-attr]

    packet = tmp_path / "去中心.xccsync"
    at_vehicle.write_packet(packet, center_code)
    qtbot.waitUntil(
        lambda: not at_vehicle.busy and "已写出同步数据包" in at_vehicle.result_label.text()
    )
    assert packet.exists()
    assert "含 1 条修改" in at_vehicle.result_label.text()
    # Sent, not yet confirmed by the center.
    qtbot.waitUntil(lambda: _cell(at_vehicle, 0, "待发送") == "0 条")
    assert _cell(at_vehicle, 0, "待对方确认") == "1 条"
    assert _cell(at_vehicle, 0, "最近发出") != "从未"

    at_center.apply_packet(packet)
    qtbot.waitUntil(lambda: not at_center.busy and at_center.result_label.text() != "")
    text = at_center.result_label.text()
    assert text.startswith("已导入 前方指挥车1号"), text
    assert "新修改 1 条" in text and "更新 1 条" in text
    assert _capacity(center, ids["s1"]) == 500
    qtbot.waitUntil(lambda: _cell(at_center, 0, "最近收到") != "从未")

    # The same file again: nothing new, nothing changed.
    before = dump(center)
    at_center.apply_packet(packet)
    qtbot.waitUntil(lambda: not at_center.busy and "已导入过" in at_center.result_label.text())
    assert at_center.result_label.text().endswith("已导入过，没有新内容。")
    assert dump(center) == before


def test_a_truncated_packet_is_refused_in_chinese_and_changes_nothing(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out()
    for n in range(30):

        def grow(s: Any, n: int = n) -> None:
            s.get(Shelter, ids["s1"]).capacity = 400 + n

        write(vehicle, grow)
    packet = tmp_path / "p.xccsync"
    SyncService(vehicle).write_packet(packet)
    cut = tmp_path / "cut.xccsync"
    data = packet.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    before = dump(center)

    dialog = _open_dialog(qtbot, sessions(center))
    dialog.apply_packet(cut)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.result_label.text() != "")
    text = dialog.result_label.text()
    assert "不完整或已损坏" in text, text
    assert text in _warnings()  # said in a message box too
    assert dialog.isVisible() and dialog.apply_button.isEnabled()
    assert dump(center) == before
    assert _capacity(center, ids["s1"]) == 300


def _conflict_on_manager(
    center: Database, vehicle: Database, ids: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "李四（前方）"))
    write(center, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "张三（中心）"))
    packet = tmp_path / "v.xccsync"
    SyncService(vehicle).write_packet(packet)
    SyncService(center).apply_packet_file(packet)


def _manager(db: Database, shelter: uuid.UUID) -> str:
    with db.read_session() as s:
        return str(s.scalar(select(Shelter.manager).where(Shelter.id == shelter)))


def test_the_conflict_view_lists_a_concurrent_edit_and_takes_the_other_value(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out("前方指挥车1号")
    _conflict_on_manager(center, vehicle, ids, tmp_path)
    session = sessions(center)
    sync = _open_dialog(qtbot, session)
    assert sync.conflicts_label.text() == "未处理的同步冲突：1 条"

    view = sync.open_conflicts()
    assert isinstance(view, ConflictsDialog)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    row = view.model.rows()[0]
    assert row.record == "避难场所“体育馆”"
    assert row.field == "负责人"
    assert {row.kept, row.lost} == {"李四（前方）", "张三（中心）"}
    assert "前方指挥车1号" in row.kept_by + row.lost_by
    assert view.selected() == row
    assert view.take_button.isEnabled() and view.keep_button.isEnabled()
    assert _manager(center, ids["s2"]) == row.kept

    view.note.setText("电话核实，以另一值为准")
    view.take_button.click()
    qtbot.waitUntil(lambda: view.message.text() == "已处理：改用另一值。")
    assert _manager(center, ids["s2"]) == row.lost
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert view.heading.text() == "没有未处理的同步冲突。"
    qtbot.waitUntil(lambda: sync.conflicts_label.text() == "没有未处理的同步冲突。", timeout=10000)

    view.show_resolved.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    done = view.model.rows()[0]
    assert done.resolved and done.state.startswith("改用另一值")
    assert done.conflict.note == "电话核实，以另一值为准"
    assert not view.take_button.isEnabled()


def test_a_decision_made_meanwhile_elsewhere_is_said_and_reloaded(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out()
    _conflict_on_manager(center, vehicle, ids, tmp_path)
    view = ConflictsDialog(sessions(center))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    row = view.model.rows()[0]
    # Another seat keeps the value first.
    SyncService(center).resolve(row.id, Resolution.KEPT, expected_version=row.conflict.version)
    view.take_button.click()
    qtbot.waitUntil(lambda: view.message.text().startswith("未处理："))
    assert "其他人刚刚处理了这条冲突" in view.message.text()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert _manager(center, ids["s2"]) == row.kept


@pytest.mark.qt_log_ignore("This plugin does not support (raise|requestActivate)")
def test_the_status_bar_shows_the_vehicle_and_what_waits(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out("前方指挥车1号")
    code = SyncService(vehicle).site().code
    indicator = SyncIndicator(sessions(vehicle))
    qtbot.addWidget(indicator)
    qtbot.waitUntil(lambda: indicator.status is not None)
    assert indicator.text() == f"前方指挥车1号（{code}）"
    assert not indicator.isHidden()

    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "capacity", 450))
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s2"]), "capacity", 350))
    qtbot.waitUntil(lambda: indicator.text().endswith("待同步 2"), timeout=10000)

    # A conflict at the center shows there; the center has no name in the bar.
    at_center = SyncIndicator(sessions(center))
    qtbot.addWidget(at_center)
    qtbot.waitUntil(lambda: at_center.status is not None)
    assert at_center.isHidden()  # nothing waits, nothing to decide
    _conflict_on_manager(center, vehicle, ids, tmp_path)
    qtbot.waitUntil(lambda: "冲突 1" in at_center.text(), timeout=10000)
    assert not at_center.isHidden()
    dialog = at_center.open_dialog()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, SyncDialog)
    assert at_center.open_dialog() is dialog  # one 同步 window per session


def test_taking_out_a_field_package_says_where_and_what_next(
    qtbot: Any, center: Database, sessions: Any, tmp_path: Path
) -> None:
    ids = seed(center)
    dialog = FieldExportDialog(sessions(center))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.status is not None)
    assert dialog.name_edit.text() == "前方指挥车1号"
    qtbot.waitUntil(lambda: dialog.path_edit.text() != "")
    assert Path(dialog.path_edit.text()).name.startswith("前方指挥车1号-20261129-1940")
    target = tmp_path / "车1.xccfield"
    dialog.set_target("前方指挥车1号", target)
    assert dialog.export_button.isEnabled()
    dialog.export()
    qtbot.waitUntil(lambda: dialog.package is not None or not dialog.busy, timeout=20000)
    assert dialog.package is not None, dialog.message.text()
    text = dialog.message.text()
    assert str(target) in text and "文件 → 打开前方数据…" in text
    laptop = Database(make_url(f"sqlite+pysqlite:///{target}"))
    try:
        assert SyncService(laptop).site().name == "前方指挥车1号"
        assert _capacity(laptop, ids["s1"]) == 300
    finally:
        laptop.dispose()


def test_opening_field_data_restarts_the_program_on_it(
    qtbot: Any, center: Database, take_out: Callable[..., Database], sessions: Any
) -> None:
    seed(center)
    vehicle = take_out()
    path = Path(str(vehicle.url.database))
    program, arguments, _folder = restart_command(path)
    assert arguments[-2:] == ["--db", str(path.resolve())]
    assert program and (arguments[0].endswith("main.py") or len(arguments) == 2)

    started: list[tuple[str, list[str], str]] = []

    def starter(program: str, arguments: list[str], folder: str) -> bool:
        started.append((program, arguments, folder))
        return True

    from PySide6.QtWidgets import QWidget

    window = QWidget()
    qtbot.addWidget(window)
    actions = SyncActions(sessions(center), window, starter=starter)
    qtbot.waitUntil(lambda: actions.kind is not None)
    assert actions.export_action.isEnabled()
    with qtbot.waitSignal(actions.close_requested):
        assert actions.restart_on(path)
    assert started == [restart_command(path)]


def _set_skew(db: Database, code: str, skew_s: float) -> None:
    """What a network sync measured of ``code``'s clock (seconds, theirs minus ours)."""
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE sync_site SET skew_s = :skew WHERE code = :code"),
            {"skew": skew_s, "code": code},
        )


def _close_warnings() -> None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


def test_taking_out_never_overwrites_a_file_and_names_a_new_one_by_the_minute(
    qtbot: Any, center: Database, sessions: Any, tmp_path: Path
) -> None:
    seed(center)
    assert (
        package_file_name("前方指挥车1号", center.clock()) == "前方指挥车1号-20261129-1940.xccfield"
    )
    dialog = FieldExportDialog(sessions(center))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.status is not None)

    # A second take-out in the same minute: the suggestion does not collide.
    (tmp_path / "前方指挥车1号-20261129-1940.xccfield").write_bytes(b"first")
    (tmp_path / "前方指挥车1号-20261129-1940-2.xccfield").write_bytes(b"second")
    dialog.path_edit.setText(str(tmp_path / "any.xccfield"))  # the folder shown
    dialog.suggest_path()
    qtbot.waitUntil(
        lambda: dialog.path_edit.text() == str(tmp_path / "前方指挥车1号-20261129-1940-3.xccfield")
    )

    # An existing file typed in: said at the field before anything is written.
    existing = tmp_path / "车1.xccfield"
    existing.write_bytes(b"keep me")
    dialog.set_target("前方指挥车1号", existing)
    dialog.export()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.errors.text("path") != "")
    assert dialog.errors.text("path").startswith(f"文件已存在：{existing}")
    assert existing.read_bytes() == b"keep me"
    assert dialog.package is None and dialog.progress.isHidden()
    assert dialog.name_edit.text() == "前方指挥车1号"  # the form is kept
    assert dialog.path_edit.text() == str(existing)
    assert dialog.export_button.isEnabled()
    assert SyncService(center).status().peers == []  # nothing taken out


def test_a_blank_name_is_said_at_the_field_and_the_limits_are_shown(
    qtbot: Any, center: Database, sessions: Any, tmp_path: Path
) -> None:
    session = sessions(center)
    dialog = FieldExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.status is not None and dialog.export_button.isEnabled())
    dialog.set_target("   ", tmp_path / "v.xccfield")
    dialog.export_button.click()
    assert dialog.errors.text("name").startswith("请填写前方指挥车的名称")
    assert not dialog.busy and not (tmp_path / "v.xccfield").exists()
    dialog.name_edit.setText("前方指挥车2号")
    assert dialog.errors.text("name") == ""  # gone as soon as it is fixed

    assert dialog.name_edit.maxLength() == 64
    dialog.name_edit.setText("车" * 200)
    assert len(dialog.name_edit.text()) == 64
    assert dialog.name_count.text() == "64/64 字（已满）"
    assert dialog.name_count.isVisible()

    view = ConflictsDialog(session)
    qtbot.addWidget(view)
    view.show()
    assert view.note_count.text() == "0/500 字" and view.note_count.isVisible()
    view.note.setText("说" * 600)
    assert view.note_count.text() == "500/500 字（已满）"


@pytest.mark.qt_log_ignore("This plugin does not support (raise|requestActivate)")
def test_opening_field_data_refuses_a_center_database_and_a_missing_file(
    qtbot: Any, center: Database, take_out: Callable[..., Database], sessions: Any, tmp_path: Path
) -> None:
    seed(center)
    vehicle = take_out("前方指挥车1号")
    from PySide6.QtWidgets import QWidget

    from app.ui.sync.field import check_field_file

    found = check_field_file(Path(str(vehicle.url.database)))
    assert found.name == "前方指挥车1号"

    started: list[object] = []
    window = QWidget()
    qtbot.addWidget(window)
    actions = SyncActions(sessions(center), window, starter=lambda *a: started.append(a) or True)
    qtbot.waitUntil(lambda: actions.kind is not None)
    center_file = Path(str(center.url.database))
    not_a_db = tmp_path / "notes.xccfield"
    not_a_db.write_text("这只是文本")
    missing = tmp_path / "没有这个文件.xccfield"
    for path, said in (
        (center_file, f"这不是前方数据包（这是指挥中心数据库）：{center_file}"),
        (not_a_db, f"这不是本程序的数据库文件：{not_a_db}"),
        (missing, f"文件不存在：{missing}"),
    ):
        actions.open_field(path)
        qtbot.waitUntil(lambda: _warnings() != [])
        assert _warnings() == [said]
        _close_warnings()
    assert started == []


def test_the_conflict_details_warn_when_a_side_s_clock_was_off(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out("前方指挥车1号")
    code = SyncService(vehicle).site().code
    _conflict_on_manager(center, vehicle, ids, tmp_path)
    _set_skew(center, code, 3 * 3600 + 100)
    view = ConflictsDialog(sessions(center))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.detail.text() != "")
    assert view.detail.text().endswith(
        "\n注意：前方指挥车1号 的时钟比本机快约 3 小时，其记录时间和“谁的修改在后”可能不准，"
        "请核实后再决定。"
    )
    # Off by two minutes: nothing to warn of.
    _set_skew(center, code, -120)
    view.refresh()
    qtbot.waitUntil(lambda: "注意" not in view.detail.text() and view.detail.text() != "")


def test_the_center_chooses_the_vehicle_and_the_columns_fit(
    qtbot: Any, center: Database, take_out: Callable[..., Database], sessions: Any
) -> None:
    seed(center)
    take_out("前方指挥车1号")
    second = take_out("前方指挥车2号")
    _set_skew(center, SyncService(second).site().code, -3 * 86400)
    dialog = _open_dialog(qtbot, sessions(center))
    assert dialog.peers.rowCount() == 2
    assert dialog.peer_choice.currentIndex() == -1
    assert dialog.peer_choice.placeholderText() == "请选择前方指挥车"
    assert dialog.chosen_peer() is None
    assert not dialog.write_button.isEnabled()
    dialog.peer_choice.setCurrentIndex(1)
    assert dialog.chosen_peer() is not None and dialog.write_button.isEnabled()
    with qtbot.waitSignal(dialog.status_read, timeout=10000):
        dialog.refresh()  # a new read keeps the choice
    assert dialog.peer_choice.currentIndex() == 1

    assert {_cell(dialog, r, "待发送") for r in range(2)} == {"0 条"}
    assert "慢约 3 天" in {_cell(dialog, r, "对方时钟") for r in range(2)}
    for width in (1366, 1920):
        dialog.resize(width - 400, 500)
        qtbot.wait(50)
        header = dialog.peers.horizontalHeader()
        assert header.length() <= dialog.peers.viewport().width(), width
        assert dialog.peers.horizontalScrollBar().maximum() == 0
    # As tall as its rows: no empty rows below them.
    table = dialog.peers
    rows_px = sum(table.rowHeight(r) for r in range(table.rowCount()))
    assert table.viewport().height() >= rows_px
    assert table.maximumHeight() <= header.height() + rows_px + 2 * table.frameWidth() + 4


def test_the_conflict_heading_fits_the_mode_and_the_table_fits_1366_pixels(
    qtbot: Any,
    center: Database,
    take_out: Callable[..., Database],
    sessions: Any,
    tmp_path: Path,
) -> None:
    ids = seed(center)
    vehicle = take_out()
    _conflict_on_manager(center, vehicle, ids, tmp_path)
    view = ConflictsDialog(sessions(center))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.heading.text().startswith("未处理的冲突 1 条。选中一条")
    row = view.model.rows()[0]
    SyncService(center).resolve(row.id, Resolution.KEPT, expected_version=row.conflict.version)
    view.show_resolved.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.rows()[0].resolved)
    assert view.heading.text() == "共 1 条冲突，其中未处理 0 条。"
    view.resize(1346, 600)
    qtbot.wait(50)
    header = view.view.horizontalHeader()
    assert header.length() <= view.view.viewport().width()
    assert not view.view.isColumnHidden(header.count() - 1)  # 处理 on screen
