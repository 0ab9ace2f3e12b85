"""Text from the database shown as text: never read as HTML by Qt.

Qt reads a string that *looks like* HTML as rich text wherever it may
(``Qt.mightBeRichText``): tooltips of widgets, items and actions, QLabel in its
default ``Qt.AutoText``, message boxes, input dialogs. A title typed as
``<h1>大字标题</h1>`` would then show as a heading, ``<img src="file:///…">``
would load a local image. Everything typed by people or read from files goes
through here before such a widget shows it:

- :func:`plain_tooltip` for any tooltip (``setToolTip``, ``ToolTipRole``);
- :func:`plain_label` / :func:`make_plain` for labels and message boxes;
- :func:`rich_text` where only a rich-text string can be given (the label of a
  QInputDialog), :func:`escape` inside rich text the program builds itself;
- :func:`add_data_action` for a menu entry named by data.
"""

from __future__ import annotations

import html
import unicodedata
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QWidget

# Rich text Qt shows literally: every character escaped, the lines as they are
# (no reflowing: Qt would narrow a short tooltip to a few characters a line).
_PARAGRAPH = '<p style="white-space:pre">{}</p>'
# Longer lines are wrapped at this many columns (a Chinese character takes two).
WRAP_COLUMNS = 80

_Shows = TypeVar("_Shows", QLabel, QMessageBox)


def escape(text: str) -> str:
    """``text`` for the inside of rich text the program builds (``&``, ``<``,
    ``>``, quotes escaped); line breaks are left as they are."""
    return html.escape(text, quote=True)


def _columns(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def wrap_lines(text: str, columns: int = WRAP_COLUMNS) -> list[str]:
    """``text``'s lines, each longer one cut into lines of at most ``columns``
    columns (a wide character, e.g. Chinese, takes two): after the last space
    that fits (the space goes), else where the line is full."""
    out: list[str] = []
    for line in text.split("\n"):
        start, width, space, i = 0, 0, -1, 0
        while i < len(line):
            char = line[i]
            step = _columns(char)
            if width + step > columns and i > start:
                if char == " ":  # the line is full at a space: the space goes
                    out.append(line[start:i])
                    start, width, space, i = i + 1, 0, -1, i + 1
                    continue
                if space > start:
                    out.append(line[start:space])
                    start = space + 1
                else:
                    out.append(line[start:i])
                    start = i
                width = sum(_columns(c) for c in line[start:i])
                space = line.rfind(" ", start, i)
                continue
            if char == " ":
                space = i
            width += step
            i += 1
        out.append(line[start:])
    return out


def rich_text(text: str) -> str:
    """``text`` as rich text that shows exactly ``text``: every character
    escaped, line breaks and runs of spaces kept, lines longer than
    :data:`WRAP_COLUMNS` wrapped (see :func:`wrap_lines`).

    Where a widget reads a string as rich text whatever it holds, this is the
    one way to show data there. ``""`` stays ``""``.
    """
    if not text:
        return ""
    return _PARAGRAPH.format(escape("\n".join(wrap_lines(text))))


def plain_tooltip(text: str | None) -> str:
    """A tooltip that shows ``text`` literally (see :func:`rich_text`).

    ``None`` or ``""`` give ``""``, which shows no tooltip at all. Use it for
    every tooltip that may hold data: ``setToolTip`` of widgets, table and list
    items, actions, and the ``ToolTipRole`` of item models.
    """
    return rich_text(text or "")


def make_plain(widget: _Shows) -> _Shows:
    """Set ``widget`` (a QLabel, or a QMessageBox with its informative text) to
    show its text as plain text; return it."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that shows ``text`` (and anything set later) as plain text."""
    return make_plain(QLabel(text, parent))


def add_data_action(menu: QMenu, text: str) -> QAction:
    """A menu entry whose words come from data: ``&`` is shown, not taken as
    the shortcut mark, and its tooltip (``text`` by default) is plain."""
    action = menu.addAction(text.replace("&", "&&"))
    action.setToolTip(plain_tooltip(text))
    return action
