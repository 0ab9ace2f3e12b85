"""Settings → database connection: a connection test, and no password ever stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy.engine import URL, make_url

from app.services.startup import probe_database
from app.ui.connection import ConnectionDialog
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner


def _dialog(qtbot: Any, runner: TaskRunner, current: URL) -> ConnectionDialog:
    dialog = ConnectionDialog(runner, probe_database, current)
    qtbot.addWidget(dialog)
    return dialog


@pytest.mark.postgres
def test_connection_test_against_the_server(qtbot: Any, runner: TaskRunner, pg_url: URL) -> None:
    dialog = _dialog(qtbot, runner, make_url("sqlite:///x.sqlite3"))
    dialog.shared.setChecked(True)
    dialog.host.setText(pg_url.host or "")
    dialog.port.setValue(pg_url.port or 5432)
    dialog.database.setText(pg_url.database or "")
    dialog.user.setText(pg_url.username or "")
    dialog.test()
    qtbot.waitUntil(lambda: dialog.result_label.text().startswith("已连接"), timeout=10000)
    assert "将自动建立" in dialog.result_label.text()  # an empty database

    dialog.port.setValue(1)
    dialog.test()
    qtbot.waitUntil(lambda: "无法连接" in dialog.result_label.text(), timeout=10000)


def test_the_password_is_never_saved(
    window: MainWindow, qtbot: Any, settings: QSettings, tmp_path: Path
) -> None:
    dialog = window.open_connection_dialog()
    dialog.shared.setChecked(True)
    dialog.host.setText("db.command-center.local")
    dialog.database.setText("xcc")
    dialog.user.setText("duty")
    dialog.password.setText("s3cret-pw")
    assert dialog.url().password == "s3cret-pw"  # used for this session
    window._on_connection_chosen(dialog.saved_url())
    stored = str(settings.value("db/url"))
    assert stored == "postgresql+psycopg://duty@db.command-center.local:5432/xcc"
    settings.sync()
    assert "s3cret" not in Path(settings.fileName()).read_text(encoding="utf-8")
    dialog.reject()
