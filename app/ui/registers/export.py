"""Export a register (or the stock on hand) from the panel: XLSX or GeoJSON.

The file is written on the session's task runner (never on the GUI thread),
whole or not at all; the count of rows, or why nothing was written, is said
in a message box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.services.register_io import ExportFormatError, export_format, export_register
from app.ui.messages import file_error_text
from app.ui.plain import make_plain
from app.ui.registers.import_dialog import TITLES
from app.ui.session import AppSession

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"
GEOJSON_FILTER = "GeoJSON (*.geojson *.json)"


def _with_extension(name: str, chosen_filter: str) -> Path:
    path = Path(name)
    if path.suffix:
        return path
    return path.with_suffix(".geojson" if chosen_filter == GEOJSON_FILTER else ".xlsx")


def export_register_interactive(session: AppSession, kind: str, parent: QWidget) -> None:
    """Ask where to save register ``kind`` (XLSX or GeoJSON), write it off the GUI
    thread and report the number of rows written (or the failure) in a message
    box. Raises ValueError for an unknown ``kind``; any other failure is said."""
    if kind not in TITLES:
        raise ValueError(f"unknown register {kind!r}")
    title = f"导出{TITLES[kind]}"
    suggested = f"{TITLES[kind]}-{session.today().isoformat()}.xlsx"
    name, chosen = QFileDialog.getSaveFileName(
        parent, title, suggested, f"{XLSX_FILTER};;{GEOJSON_FILTER}"
    )
    if not name:
        return
    path = _with_extension(name, chosen)
    try:
        export_format(path)
    except ExportFormatError as exc:
        _say(parent, title, str(exc), error=True)
        return
    db = session.db

    def done(count: int) -> None:
        _say(parent, title, f"已导出 {count} 行到：\n{path}")

    def failed(exc: BaseException) -> None:
        if isinstance(exc, OSError):
            text = f"无法写入文件：{path}\n（{file_error_text(exc)}）未写入任何内容。"
        else:
            text = session.failure_text(exc)
        _say(parent, title, text, error=True)

    session.runner.submit(lambda: export_register(db, kind, path), done, failed, owner=parent)


def _say(parent: QWidget, title: str, text: str, *, error: bool = False) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information, title, text
    )
    box.setParent(parent, box.windowFlags())
    make_plain(box)
    box.setObjectName("register_export_result")
    box.open()
