"""Printed documents (reports, the duty report): A4 PDF with Chinese fonts embedded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QSettings, QStandardPaths
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget

# Families with CJK glyphs (fonts-noto-cjk on Debian); Qt falls back when one is missing.
CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei"]


def cjk_font(point_size: float) -> QFont:
    font = QFont()
    font.setFamilies(CJK_FAMILIES)
    font.setPointSizeF(point_size)
    return font


def write_pdf(document: QTextDocument, path: str | Path, *, title: str, margin_mm: float) -> None:
    """Paint ``document`` into an A4 PDF (GUI thread: this is rendering, not file work
    that could wait). Raises OSError when the file did not come out."""
    target = str(path)
    writer = QPdfWriter(target)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    margins = QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm)
    writer.setPageMargins(margins, QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("XiaoCountyCommand")
    document.print_(writer)
    del writer  # finishes the file
    if not Path(target).is_file() or Path(target).stat().st_size == 0:
        raise OSError(target)


class _LastFolder:
    """The folder the last file was saved to or opened from (this seat), else Documents.

    Kept for the session and, once :func:`remember_folder_in` has been given
    the seat's settings, across starts: file dialogs never open in the
    program's own folder.
    """

    KEY = "files/last_folder"

    def __init__(self) -> None:
        self._settings: QSettings | None = None
        self._folder = ""

    def use(self, settings: QSettings) -> None:
        self._settings = settings
        self._folder = str(settings.value(self.KEY, "") or "")

    def get(self) -> str:
        if self._folder and Path(self._folder).is_dir():
            return self._folder
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        return documents if documents and Path(documents).is_dir() else str(Path.home())

    def note(self, path: str) -> None:
        self._folder = str(Path(path).parent)
        if self._settings is not None:
            self._settings.setValue(self.KEY, self._folder)


_LAST_FOLDER = _LastFolder()


def remember_folder_in(settings: QSettings) -> None:
    """Keep the last folder used in the seat's settings (called once by the window)."""
    _LAST_FOLDER.use(settings)


def ask_save_path(parent: QWidget, title: str, default_name: str, kinds: str) -> str:
    """A save dialog in the last folder used (or Documents); "" when cancelled."""
    start = str(Path(_LAST_FOLDER.get()) / default_name)
    path, _ = QFileDialog.getSaveFileName(parent, title, start, kinds)
    if path:
        _LAST_FOLDER.note(path)
    return path


def ask_open_path(parent: QWidget, title: str, kinds: str, start: str = "") -> str:
    """An open dialog in ``start`` or the last folder used; "" when cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start or _LAST_FOLDER.get(), kinds)
    if path:
        _LAST_FOLDER.note(path)
    return path


def ask_export(
    parent: QWidget, suffix: str, default_name: str, export: Callable[[str], None]
) -> None:
    """Ask where to save an ``.xlsx`` or ``.pdf`` export, then ``export(path)``
    (nothing when the user cancels)."""
    if suffix == ".xlsx":
        title = QCoreApplication.translate("documents", "Export XLSX")
        kinds = "Excel (*.xlsx)"
    else:
        title = QCoreApplication.translate("documents", "Export PDF")
        kinds = "PDF (*.pdf)"
    path = ask_save_path(parent, title, default_name, kinds)
    if path:
        export(path)
