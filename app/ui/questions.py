"""Questions and warnings in a box: the one place the program asks yes or no.

Modules keep a name of their own for it (``actions.confirm``, ``calendar.ask``)
so that tests can answer in place of the modal box. The text often names data
(an incident's title, a database path): the boxes show it as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.plain import make_plain


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask; No is the default, so a stray Enter never says yes. ``text`` is plain text."""
    box = make_plain(
        QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            parent,
        )
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def show_warning(parent: QWidget | None, title: str, text: str) -> None:
    """Say what went wrong without stopping the watch (the box is not modal)."""
    box = make_plain(
        QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
