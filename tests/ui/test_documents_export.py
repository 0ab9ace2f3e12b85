"""The save-as prompt both report dialogs use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from app.ui.documents import ask_export, remember_folder_in


@pytest.mark.parametrize(
    ("suffix", "kinds"), [(".xlsx", "Excel (*.xlsx)"), (".pdf", "PDF (*.pdf)")]
)
def test_ask_export_saves_where_chosen_and_nothing_on_cancel(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, suffix: str, kinds: str
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    asked: list[tuple[str, str, str]] = []
    answer = ["/tmp/值班日报" + suffix]

    def fake(_parent: QWidget, title: str, default: str, filters: str) -> tuple[str, str]:
        asked.append((title, default, filters))
        return answer[0], filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    written: list[str] = []
    ask_export(parent, suffix, "report" + suffix, written.append)
    assert written == ["/tmp/值班日报" + suffix]
    assert Path(asked[0][1]).name == "report" + suffix  # in a folder, never bare
    assert asked[0][2] == kinds
    answer[0] = ""  # cancelled
    ask_export(parent, suffix, "report" + suffix, written.append)
    assert len(written) == 1


def test_the_next_dialog_opens_in_the_last_folder_used(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    settings = QSettings(str(tmp_path / "seat.ini"), QSettings.Format.IniFormat)
    remember_folder_in(settings)
    reports = tmp_path / "日报"
    reports.mkdir()
    starts: list[str] = []

    def fake(_parent: QWidget, _title: str, start: str, kinds: str) -> tuple[str, str]:
        starts.append(start)
        return str(reports / "a.xlsx"), kinds

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    ask_export(parent, ".xlsx", "a.xlsx", lambda _p: None)
    ask_export(parent, ".xlsx", "b.xlsx", lambda _p: None)
    assert Path(starts[1]) == reports / "b.xlsx"
    # Remembered across starts, in the seat's settings.
    again = QSettings(str(tmp_path / "seat.ini"), QSettings.Format.IniFormat)
    assert again.value("files/last_folder") == str(reports)


def test_file_dialogs_speak_chinese(qtbot: Any) -> None:
    """Qt's own dialogs are translated too (qtbase_zh_CN), not only the program's words."""
    from PySide6.QtWidgets import QPushButton

    dialog = QFileDialog(None, "导出")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = {b.text() for b in dialog.findChildren(QPushButton)}
    assert any("保存" in t for t in texts), texts
    assert any("取消" in t for t in texts), texts
    dialog.reject()
