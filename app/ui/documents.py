"""Printed documents (reports, the duty report): A4 PDF with Chinese fonts embedded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
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
    path, _ = QFileDialog.getSaveFileName(parent, title, default_name, kinds)
    if path:
        export(path)
