"""What every data-entry form does the same way.

- :class:`NumberField`: a count or an amount, kept exactly as typed. A QSpinBox
  drops what its validator refuses (a minus sign, a letter, a digit beyond its
  maximum) and puts the previous value back when half-typed text loses focus,
  so "-3" would be saved as 3 without a word. This field keeps the text; the
  form's rules refuse it with a message at the field.
- :class:`FieldErrors`: a message line under each field; a message goes away as
  soon as its field is fixed (checked again on every change), not at the next
  save.
- :class:`GuardedDialog` (with :class:`DiscardGuard`): Esc, Cancel or the
  window's close button ask "放弃已填写的内容？" before typed work is thrown
  away. An untouched form, or one just saved, closes without asking. A dialog
  adopts it by deriving from :class:`GuardedDialog` instead of QDialog; one that
  fills itself after it is shown (a background load) calls
  ``self.discard_guard.mark_clean()`` when the fill is done.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

ERROR_COLOR = "#b30000"
CONTEXT = "Forms"

# Texts of the rules every form shares (a form maps its own codes first).
_TEXTS: dict[str, object] = {
    "negative": QT_TRANSLATE_NOOP("Forms", "Cannot be negative."),
    "number.not_a_number": QT_TRANSLATE_NOOP("Forms", "Enter a number."),
    "number.not_whole": QT_TRANSLATE_NOOP("Forms", "Enter a whole number."),
    "number.decimals": QT_TRANSLATE_NOOP("Forms", "At most %1 decimal places."),
    "number.too_large": QT_TRANSLATE_NOOP("Forms", "At most %1."),
    "phone.invalid": QT_TRANSLATE_NOOP(
        "Forms",
        "Only digits, spaces, dashes, '+', parentheses and an extension "
        "(e.g. 0557-5021234 ext. 801).",
    ),
    "phone.too_long": QT_TRANSLATE_NOOP("Forms", "At most %1 characters."),
}


def field_text(code: str, detail: str = "") -> str | None:
    """The shared message of a rule code (``%1`` is ``detail``), or None if not shared."""
    text = _TEXTS.get(code)
    if text is None:
        return None
    return QCoreApplication.translate(CONTEXT, str(text)).replace("%1", detail)


# -- numbers --------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.([0-9]*))?|\.([0-9]+))")


def _plain(value: float, decimals: int) -> str:
    """``value`` in plain digits (never 1e+08), without trailing zeros."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class NumberField(QLineEdit):
    """A count (``decimals=0``) or an amount, kept exactly as typed.

    Empty means 0 (shown as a grey "0"). :meth:`problem` says why the text is not
    a number this field takes; a negative number is a number here, refused by the
    rules of the form that uses it, so the message can say so.
    """

    def __init__(
        self, parent: QWidget | None = None, *, decimals: int = 0, maximum: float = 1_000_000
    ) -> None:
        super().__init__(parent)
        self.decimals = decimals
        self.maximum = maximum
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setPlaceholderText("0")

    def setValue(self, value: float) -> None:
        if not value:
            self.clear()
        else:
            self.setText(_plain(value, self.decimals))

    def value(self) -> int | float:
        """The number typed (0 when empty); ValueError when :meth:`problem` is not None."""
        number, problem = self._parse()
        if number is None:
            raise ValueError(f"{self.text()!r}: {problem}")
        return number

    def number(self) -> int | float | None:
        """The number typed (0 when empty), or None when the text is not one."""
        return self._parse()[0]

    def problem(self) -> str | None:
        """``number.not_a_number``, ``number.not_whole``, ``number.decimals``,
        ``number.too_large``, or None."""
        return self._parse()[1]

    def problem_text(self) -> str:
        code = self.problem()
        if code is None:
            return ""
        if code == "number.decimals":
            detail = str(self.decimals)
        elif code == "number.too_large":
            detail = _plain(self.maximum, self.decimals)
        else:
            detail = ""
        return field_text(code, detail) or code

    def _parse(self) -> tuple[int | float | None, str | None]:
        # Full-width digits and signs from a Chinese input method read as ASCII.
        text = unicodedata.normalize("NFKC", self.text()).strip().replace("\u2212", "-")
        if not text:
            return 0, None
        match = _NUMBER.fullmatch(text)
        if match is None:
            return None, "number.not_a_number"
        fraction = (match.group(1) or match.group(2) or "").rstrip("0")
        if fraction and self.decimals == 0:
            return None, "number.not_whole"
        if len(fraction) > self.decimals:
            return None, "number.decimals"
        number: int | float = float(text) if self.decimals else int(float(text))
        if number > self.maximum:
            return None, "number.too_large"
        return number, None


# -- inputs -----------------------------------------------------------------------------

_TEXT_INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit)
_INPUTS = (*_TEXT_INPUTS, QComboBox, QAbstractSpinBox, QCheckBox, QRadioButton)


def inputs_of(widget: QWidget) -> list[QWidget]:
    """The fields a user types into or chooses in ``widget`` (itself included), in order;
    not the line edit inside a spin box or combo box, nor read-only text."""
    found: list[QWidget] = [widget, *widget.findChildren(QWidget)]
    out: list[QWidget] = []
    for w in found:
        if not isinstance(w, _INPUTS) or _inside_input(w, widget):
            continue
        if isinstance(w, _TEXT_INPUTS) and w.isReadOnly():
            continue
        out.append(w)
    return out


def _inside_input(w: QWidget, top: QWidget) -> bool:
    if w is top:
        return False
    parent = w.parentWidget()
    while parent is not None:
        if isinstance(parent, (QComboBox, QAbstractSpinBox)):
            return True
        if parent is top:
            return False
        parent = parent.parentWidget()
    return False


def value_of(w: QWidget) -> object:
    """What a field holds, comparable with ==."""
    if isinstance(w, QLineEdit):
        return w.text()
    if isinstance(w, (QPlainTextEdit, QTextEdit)):
        return w.toPlainText()
    if isinstance(w, QComboBox):
        return (w.currentText(), w.currentData())
    if isinstance(w, QAbstractSpinBox):
        return w.text()
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    return None


def on_change(w: QWidget, slot: Callable[[], None]) -> None:
    """Call ``slot`` whenever the field's value changes (typed or set)."""
    if isinstance(w, _TEXT_INPUTS):
        w.textChanged.connect(lambda *_: slot())
    elif isinstance(w, QComboBox):
        w.currentIndexChanged.connect(lambda *_: slot())
    elif isinstance(w, QDateTimeEdit):
        w.dateTimeChanged.connect(lambda *_: slot())
    elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
        w.valueChanged.connect(lambda *_: slot())
    elif isinstance(w, QAbstractButton):
        w.toggled.connect(lambda *_: slot())


# -- messages at the fields ---------------------------------------------------------------


class FieldErrors(QObject):
    """A message line under each field of a form.

    A shown message is checked again whenever one of its field's inputs changes:
    ``check`` (the rules the save applies, without the database) gives the new
    message or None, and the line goes as soon as the field is fixed. A field
    without ``check`` loses its message on any change, as only a save can tell
    (a post taken by someone, a place outside the county).
    """

    all_cleared = Signal()  # the last shown message went away

    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        self.labels: dict[str, QLabel] = {}
        self._checks: dict[str, Callable[[], str | None]] = {}

    def add(
        self,
        key: str,
        field: QWidget,
        *,
        check: Callable[[], str | None] | None = None,
        watch: Sequence[QWidget] | None = None,
        wrap: bool = True,
    ) -> QWidget:
        """``field`` with its message line under it, to put in the layout instead.

        ``watch``: the widgets whose changes may fix it (default: the inputs in
        ``field``). ``wrap=False`` for a narrow field in a grid, whose rows do not
        grow for a wrapped line: the short message widens the column instead.
        """
        box = QWidget(field.parentWidget())
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(field)
        label = QLabel(box)
        label.setObjectName(f"error_{key}")
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(wrap)
        label.setStyleSheet(f"color: {ERROR_COLOR};")
        label.hide()
        column.addWidget(label)
        self.labels[key] = label
        if check is not None:
            self._checks[key] = check
        for widget in inputs_of(field) if watch is None else watch:
            on_change(widget, lambda key=key: self._changed(key))  # type: ignore[misc]
        return box

    def show(self, messages: Mapping[str, str]) -> None:
        """Show exactly these messages (key -> text); every other line is cleared."""
        for key, label in self.labels.items():
            text = messages.get(key, "")
            label.setText(text)
            label.setVisible(bool(text))

    def set(self, key: str, text: str) -> None:
        label = self.labels[key]
        label.setText(text)
        label.setVisible(bool(text))

    def clear(self) -> None:
        self.show({})

    def hide_keys(self, keys: Sequence[str]) -> None:
        """Take these messages away (their fields are no longer part of the form)."""
        for key in keys:
            self.set(key, "")
        if keys and not self.shown():
            self.all_cleared.emit()

    def text(self, key: str) -> str:
        """The message shown for ``key`` ("" when none)."""
        label = self.labels[key]
        return label.text() if not label.isHidden() else ""

    def shown(self) -> list[str]:
        return [key for key, label in self.labels.items() if not label.isHidden()]

    def _changed(self, key: str) -> None:
        label = self.labels[key]
        if label.isHidden():
            return
        check = self._checks.get(key)
        text = check() if check is not None else None
        self.set(key, text or "")
        if not text and not self.shown():
            self.all_cleared.emit()


# -- asking before typed work is thrown away --------------------------------------------------

_UNSET = object()


class DiscardGuard(QObject):
    """Knows whether a dialog holds typed, unsaved work, and asks before it is discarded.

    The work is the fields' values (every input of the dialog, or those given to
    :meth:`track`) compared with a baseline: the form as first shown, or as it
    was at the last :meth:`mark_clean` (after filling it, after a save).
    """

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._fields: Sequence[QWidget] | None = None
        self._extra: Callable[[], object] | None = None
        self._clean: object = _UNSET
        dialog.installEventFilter(self)

    def track(
        self, fields: Sequence[QWidget] | None, *, extra: Callable[[], object] | None = None
    ) -> None:
        """Compare only these fields (None: every input; a list beside the form or a
        filter box is not work), and ``extra()``: work kept elsewhere (rows of a table)."""
        self._fields = list(fields) if fields is not None else None
        self._extra = extra
        if self._clean is not _UNSET:
            self.mark_clean()

    def state(self) -> list[object]:
        fields = self._fields if self._fields is not None else inputs_of(self._dialog)
        values = [value_of(w) for w in fields]
        if self._extra is not None:
            values.append(self._extra())
        return values

    def mark_clean(self) -> None:
        """What the form holds now is nothing to lose (just filled in by the program, or saved)."""
        self._clean = self.state()

    @contextmanager
    def refilling(self) -> Iterator[None]:
        """The program fills the form: a form that was clean stays clean."""
        clean = not self.is_dirty()
        yield
        if clean:
            self.mark_clean()

    def is_dirty(self) -> bool:
        return self._clean is not _UNSET and self.state() != self._clean

    def confirm_discard(self) -> bool:
        """True when nothing typed would be lost, or the user chose to discard it."""
        return not self.is_dirty() or self.ask()

    def ask(self) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self._dialog.windowTitle(),
            self.tr("Discard what has been typed?"),
            QMessageBox.StandardButton.NoButton,
            self._dialog,
        )
        box.setInformativeText(self.tr("What has been typed in this form is not saved."))
        discard = box.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)  # Enter or Esc in the question keep the work
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        first_show = watched is self._dialog and event.type() == QEvent.Type.Show
        if first_show and self._clean is _UNSET:
            self.mark_clean()
        return False


class GuardedDialog(QDialog):
    """A form dialog whose Esc, Cancel and close button ask before discarding typed work.

    Saving closes with ``accept()``, which never asks.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.discard_guard = DiscardGuard(self)

    def reject(self) -> None:
        if self.discard_guard.confirm_discard():
            super().reject()


def index_of_data(box: QComboBox, data: object) -> int:
    """The index of the item whose data equals ``data``, or -1.

    ``QComboBox.findData`` compares wrapped Python objects by identity, so an
    id read again from the database (an equal ``uuid.UUID``, a new tuple) is not
    found and the choice would silently fall back to the first item.
    """
    if data is None:
        return -1
    return next((i for i in range(box.count()) if box.itemData(i) == data), -1)
