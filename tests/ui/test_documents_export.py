"""The save-as prompt both report dialogs use."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QWidget

from app.ui.documents import ask_export


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
    assert asked[0][1:] == ("report" + suffix, kinds)
    answer[0] = ""  # cancelled
    ask_export(parent, suffix, "report" + suffix, written.append)
    assert len(written) == 1
