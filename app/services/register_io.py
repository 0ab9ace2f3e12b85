"""Import and export of the registers and of stock: one place to call them from.

The work is in :mod:`app.services.register_import` (preview, all-or-nothing
import, stock-take) and :mod:`app.services.register_export` (XLSX, GeoJSON).
"""

from __future__ import annotations

from app.services.register_export import ExportFormatError, export_format, export_register
from app.services.register_import import (
    ACTION_TEXT,
    KINDS,
    ImportResult,
    Match,
    PreviewRow,
    RegisterPreview,
    RowAction,
    RowIssue,
    error_lines,
    import_register,
    preview_register,
)

__all__ = [
    "ACTION_TEXT",
    "KINDS",
    "ExportFormatError",
    "ImportResult",
    "Match",
    "PreviewRow",
    "RegisterPreview",
    "RowAction",
    "RowIssue",
    "error_lines",
    "export_format",
    "export_register",
    "import_register",
    "preview_register",
]
