"""The duty roster as a calendar: a week grid (days x shifts) and a month grid.

Understaffed shifts are tinted, today is highlighted. People are put on a shift
by a dialog (double-click a cell) or by dragging a name from the staff list
beside the grid onto a shift. A person's duty can be swapped to someone else
(context menu), with who agreed. The toolbar switches week/month, pages,
copies the previous week, imports a roster file (preview first, all or
nothing) and exports the month to XLSX.

Every database call runs on the :class:`TaskRunner`; after a write the widget
emits :attr:`RosterCalendar.changed` and the panel reloads.
"""

from __future__ import annotations

import calendar as _calendar
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import ConflictError, DatabaseProblem
from app.domain.clock import CHINA_TZ
from app.domain.enums import StaffRole
from app.domain.rules import RosterPolicy, RuleViolation
from app.services.dto import AssignmentDTO, ShiftDTO, StaffDTO
from app.services.roster import (
    ROSTER_ROLES,
    People,
    RosterPeriod,
    RosterService,
    StaleShift,
    monday_of,
    rebase_people,
)
from app.services.roster_import import (
    RosterImportRejected,
    RosterPreview,
    export_month,
    preview_roster,
)
from app.ui import labels
from app.ui.documents import ask_open_path, ask_save_path
from app.ui.models.table import format_time
from app.ui.panel import WARNING_BACKGROUND
from app.ui.plain import add_data_action, plain_label, plain_tooltip
from app.ui.questions import ask_yes_no
from app.ui.roster.import_dialog import ImportDialog
from app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
_R = TypeVar("_R")  # what a write returns

MIME_STAFF = "application/x-xcc-staff"
TODAY_BACKGROUND = QColor("#dbeafe")
OUTSIDE_BACKGROUND = QColor("#f0f0f0")
OUTSIDE_FOREGROUND = QColor("#9a9a9a")
SHIFT_ROLE = Qt.ItemDataRole.UserRole + 10
DAY_ROLE = Qt.ItemDataRole.UserRole + 11

WEEK = "week"
MONTH = "month"


def local(moment: datetime) -> datetime:
    return moment.astimezone(CHINA_TZ)


def day_text(day: date) -> str:
    return (
        QCoreApplication.translate("RosterCalendar", "%1/%2")
        .replace("%1", str(day.month))
        .replace("%2", str(day.day))
    )


def weekday_text(day: date) -> str:
    names = (
        QCoreApplication.translate("RosterCalendar", "Mon"),
        QCoreApplication.translate("RosterCalendar", "Tue"),
        QCoreApplication.translate("RosterCalendar", "Wed"),
        QCoreApplication.translate("RosterCalendar", "Thu"),
        QCoreApplication.translate("RosterCalendar", "Fri"),
        QCoreApplication.translate("RosterCalendar", "Sat"),
        QCoreApplication.translate("RosterCalendar", "Sun"),
    )
    return names[day.weekday()]


def span_text(starts_at: datetime, ends_at: datetime) -> str:
    """ "12月2日 08:30–12月3日 08:30", or "12月4日 02:00–08:30" within one day."""
    a, b = local(starts_at), local(ends_at)
    head = f"{day_text(a.date())} {a:%H:%M}"
    if b.date() == a.date():
        return f"{head}–{b:%H:%M}"
    return f"{head}–{day_text(b.date())} {b:%H:%M}"


def shortfall_text(shortfall: dict[str, int]) -> str:
    """ "缺值班员 1人" for {"officer": 1}."""
    parts = [
        QCoreApplication.translate("RosterCalendar", "%1 short by %2")
        .replace("%1", labels.staff_role(role))
        .replace("%2", str(n))
        for role, n in sorted(shortfall.items())
    ]
    return QCoreApplication.translate("RosterCalendar", "; ").join(parts)


def _names(people: Sequence[AssignmentDTO]) -> str:
    return "、".join(p.name for p in people) or "—"


def shift_name(shift: ShiftDTO) -> str:
    """The label without its date prefix ("12月1日 值班" -> "值班")."""
    label = shift.label
    parts = label.split(" ", 1)
    if len(parts) == 2 and parts[0].endswith("日"):
        return parts[1]
    return label


def ask(parent: QWidget, title: str, text: str) -> bool:
    """A yes/no question (tests answer it in place of the modal box)."""
    return ask_yes_no(parent, title, text)


def error_text(exc: BaseException) -> str:
    """A refusal or failure as a sentence for the duty room."""
    if isinstance(exc, RuleViolation):
        messages = {
            "roster.shift_times": QCoreApplication.translate(
                "RosterCalendar", "A shift must end after it starts."
            ),
            "roster.shift_exists": QCoreApplication.translate(
                "RosterCalendar", "That shift already exists: %1"
            ),
            "roster.no_shift": QCoreApplication.translate(
                "RosterCalendar", "The shift no longer exists; the roster was reloaded."
            ),
            "roster.no_staff": QCoreApplication.translate(
                "RosterCalendar", "That person no longer exists."
            ),
            "roster.staff_inactive": QCoreApplication.translate(
                "RosterCalendar", "%1 is no longer active and cannot be put on duty."
            ),
            "roster.role": QCoreApplication.translate(
                "RosterCalendar", "Only leaders on duty and duty officers can be put on a shift."
            ),
            "roster.already_assigned": QCoreApplication.translate(
                "RosterCalendar", "%1 is already on this shift."
            ),
            "roster.overlap": QCoreApplication.translate(
                "RosterCalendar", "Refused: %1 is already on duty at that time."
            ),
            "roster.not_assigned": QCoreApplication.translate(
                "RosterCalendar", "That person is not on this shift (any more)."
            ),
            "roster.week_not_empty": QCoreApplication.translate(
                "RosterCalendar", "The target week already has shifts: nothing was copied."
            ),
            "roster.empty_week": QCoreApplication.translate(
                "RosterCalendar", "The previous week has no shifts to copy."
            ),
            "roster.agreed_by": QCoreApplication.translate(
                "RosterCalendar", "A swap needs the name of who agreed to it."
            ),
        }
        text = messages.get(exc.code)
        if text is not None:
            return text.replace("%1", exc.detail)
        return QCoreApplication.translate("RosterCalendar", "Refused: %1").replace("%1", str(exc))
    if isinstance(exc, RosterImportRejected):
        return QCoreApplication.translate(
            "RosterCalendar", "Nothing was imported: %1 row(s) have errors."
        ).replace("%1", str(len(exc.errors)))
    if isinstance(exc, ConflictError):
        return QCoreApplication.translate(
            "RosterCalendar", "Someone else changed the roster at the same time; it was reloaded."
        )
    if isinstance(exc, DatabaseProblem):
        return QCoreApplication.translate(
            "RosterCalendar", "The database could not be written: %1"
        ).replace("%1", str(exc))
    return QCoreApplication.translate("RosterCalendar", "The operation failed: %1").replace(
        "%1", str(exc)
    )


def people_of(shift: ShiftDTO) -> dict[uuid.UUID, str]:
    return {p.staff_id: p.role for p in shift.assignments}


def people_changes(before: ShiftDTO, after: ShiftDTO) -> str:
    """What changed in a shift's people, e.g. "added 王五; removed 李四"."""
    old = {p.staff_id: p for p in before.assignments}
    new = {p.staff_id: p for p in after.assignments}
    added = [p.name for sid, p in new.items() if sid not in old]
    removed = [p.name for sid, p in old.items() if sid not in new]
    moved = [p for sid, p in new.items() if sid in old and old[sid].role != p.role]
    parts: list[str] = []
    if added:
        parts.append(
            QCoreApplication.translate("RosterCalendar", "added %1").replace("%1", "、".join(added))
        )
    if removed:
        parts.append(
            QCoreApplication.translate("RosterCalendar", "removed %1").replace(
                "%1", "、".join(removed)
            )
        )
    parts.extend(
        QCoreApplication.translate("RosterCalendar", "%1 now %2")
        .replace("%1", p.name)
        .replace("%2", labels.staff_role(p.role))
        for p in moved
    )
    return QCoreApplication.translate("RosterCalendar", "; ").join(parts)


# -- models -----------------------------------------------------------------------------


def staff_mime(staff: StaffDTO) -> QMimeData:
    mime = QMimeData()
    payload = {"id": str(staff.id), "role": staff.role, "name": staff.name}
    mime.setData(MIME_STAFF, QByteArray(json.dumps(payload).encode("utf-8")))
    mime.setText(staff.name)
    return mime


def roster_role(staff_role: str) -> str:
    """A dropped person goes on a shift as leader if a leader, else as officer."""
    return (
        StaffRole.LEADER.value if staff_role == StaffRole.LEADER.value else StaffRole.OFFICER.value
    )


class StaffListModel(QAbstractListModel):
    """Active leaders and officers, draggable onto the grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[StaffDTO] = []

    def set_rows(self, rows: Sequence[StaffDTO]) -> None:
        self.beginResetModel()
        order = {StaffRole.LEADER.value: 0, StaffRole.OFFICER.value: 1}
        self._rows = sorted(
            (r for r in rows if r.active and r.role in ROSTER_ROLES),
            key=lambda r: (order.get(r.role, 2), r.name),
        )
        self.endResetModel()

    def rows(self) -> list[StaffDTO]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        st = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{st.name}  ·  {labels.staff_role(st.role)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip("\n".join(x for x in (st.name, st.unit, st.phone) if x))
        if role == Qt.ItemDataRole.UserRole:
            return str(st.id)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [MIME_STAFF]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        valid = [i for i in indexes if i.isValid()]
        if not valid:
            return QMimeData()
        return staff_mime(self._rows[valid[0].row()])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class RosterGridModel(QAbstractTableModel):
    """Week: rows are days, columns the day's shifts. Month: a 7-column calendar."""

    # the shift as the grid shows it (ShiftDTO), staff id, role
    assign_requested = Signal(object, object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = WEEK
        self.period: RosterPeriod | None = None
        self.today: date | None = None
        self._by_day: dict[date, tuple[ShiftDTO, ...]] = {}
        self._first_cell = date(2000, 1, 3)  # a Monday; replaced by the first period
        self._rows = 0
        self._cols = 0

    # -- content --------------------------------------------------------------------
    def set_period(self, period: RosterPeriod, mode: str, today: date) -> None:
        self.beginResetModel()
        self.mode = mode
        self.period = period
        self.today = today
        self._by_day = {}
        for sh in period.shifts:
            self._by_day.setdefault(local(sh.starts_at).date(), ())
            self._by_day[local(sh.starts_at).date()] += (sh,)
        if mode == WEEK:
            self._first_cell = period.first_day
            self._rows = period.days
            self._cols = max([1, *(len(v) for v in self._by_day.values())])
        else:
            self._first_cell = monday_of(period.first_day)
            lead = (period.first_day - self._first_cell).days
            self._rows = -(-(lead + period.days) // 7)
            self._cols = 7
        self.endResetModel()

    def day_at(self, index: Index) -> date | None:
        if not index.isValid():
            return None
        if self.mode == WEEK:
            return self._first_cell + timedelta(days=index.row())
        return self._first_cell + timedelta(days=index.row() * 7 + index.column())

    def in_period(self, day: date | None) -> bool:
        p = self.period
        return p is not None and day is not None and p.first_day <= day <= p.last_day

    def shifts_at(self, index: Index) -> tuple[ShiftDTO, ...]:
        day = self.day_at(index)
        if day is None or not self.in_period(day):
            return ()
        shifts = self._by_day.get(day, ())
        if self.mode == WEEK:
            return (shifts[index.column()],) if index.column() < len(shifts) else ()
        return shifts

    def shift_at(self, index: Index) -> ShiftDTO | None:
        shifts = self.shifts_at(index)
        return shifts[0] if len(shifts) == 1 else None

    def index_of_shift(self, shift_id: uuid.UUID) -> QModelIndex:
        for r in range(self._rows):
            for c in range(self._cols):
                idx = self.index(r, c)
                if any(s.id == shift_id for s in self.shifts_at(idx)):
                    return idx
        return QModelIndex()

    def days_in_period(self) -> list[date]:
        """The days of the page, as the grid shows them (in-period cells)."""
        out: list[date] = []
        for r in range(self._rows):
            for c in range(self._cols if self.mode == MONTH else 1):
                day = self.day_at(self.index(r, c))
                if self.in_period(day) and day is not None:
                    out.append(day)
        return out

    # -- Qt model -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._cols

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            if self.mode == MONTH:
                return weekday_text(date(2024, 1, 1) + timedelta(days=section))
            if self._cols == 1:
                return QCoreApplication.translate("RosterCalendar", "Shift")
            return QCoreApplication.translate("RosterCalendar", "Shift %1").replace(
                "%1", str(section + 1)
            )
        day = self._first_cell + timedelta(days=section if self.mode == WEEK else section * 7)
        if role == Qt.ItemDataRole.DisplayRole:
            if self.mode == WEEK:
                return f"{day_text(day)}\n{weekday_text(day)}"
            return QCoreApplication.translate("RosterCalendar", "Week of %1").replace(
                "%1", day_text(day)
            )
        if role == Qt.ItemDataRole.FontRole and self.mode == WEEK and day == self.today:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and self.mode == WEEK and day == self.today:
            return QBrush(TODAY_BACKGROUND)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        day = self.day_at(index)
        shifts = self.shifts_at(index)
        inside = self.in_period(day)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(day, shifts, inside)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip("\n\n".join(self._details(s) for s in shifts)) or None
        if role == Qt.ItemDataRole.BackgroundRole:
            if not inside:
                return QBrush(OUTSIDE_BACKGROUND)
            if any(s.shortfall for s in shifts):
                return QBrush(WARNING_BACKGROUND)
            if day == self.today:
                return QBrush(TODAY_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and not inside:
            return QBrush(OUTSIDE_FOREGROUND)
        if role == Qt.ItemDataRole.FontRole and day == self.today and inside:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        if role == SHIFT_ROLE:
            return [str(s.id) for s in shifts]
        if role == DAY_ROLE:
            return day.isoformat() if day else None
        return None

    def _display(self, day: date | None, shifts: tuple[ShiftDTO, ...], inside: bool) -> str:
        if day is None:
            return ""
        if self.mode == MONTH:
            head = QCoreApplication.translate("RosterCalendar", "%1th").replace("%1", str(day.day))
            if day == self.today:
                head = QCoreApplication.translate("RosterCalendar", "%1th (today)").replace(
                    "%1", str(day.day)
                )
            if not inside:
                return head
            lines = [head]
            for sh in shifts:
                prefix = "" if len(shifts) == 1 else f"{shift_name(sh)} "
                lines.append(
                    QCoreApplication.translate("RosterCalendar", "%1Leader: %2")
                    .replace("%1", prefix)
                    .replace("%2", _names(sh.leaders))
                )
                lines.append(
                    QCoreApplication.translate("RosterCalendar", "Officers: %1").replace(
                        "%1", _names(sh.officers)
                    )
                )
                if sh.shortfall:
                    lines.append("⚠ " + shortfall_text(sh.shortfall))
            if not shifts:
                lines.append(QCoreApplication.translate("RosterCalendar", "(no shift)"))
            return "\n".join(lines)
        if not shifts:
            return QCoreApplication.translate("RosterCalendar", "(no shift)") if inside else ""
        sh = shifts[0]
        a, b = local(sh.starts_at), local(sh.ends_at)
        end = (
            f"{b:%H:%M}"
            if b.date() == a.date()
            else QCoreApplication.translate("RosterCalendar", "next day %1").replace(
                "%1", f"{b:%H:%M}"
            )
        )
        lines = [
            f"{shift_name(sh)}  {a:%H:%M}–{end}",
            QCoreApplication.translate("RosterCalendar", "Leader: %1").replace(
                "%1", _names(sh.leaders)
            ),
            QCoreApplication.translate("RosterCalendar", "Officers: %1").replace(
                "%1", _names(sh.officers)
            ),
        ]
        if sh.shortfall:
            lines.append("⚠ " + shortfall_text(sh.shortfall))
        return "\n".join(lines)

    @staticmethod
    def _details(sh: ShiftDTO) -> str:
        lines = [f"{sh.label}  {span_text(sh.starts_at, sh.ends_at)}"]
        for p in sh.assignments:
            lines.append(f"{labels.staff_role(p.role)}: {p.name}  {p.phone or ''}".rstrip())
        if sh.shortfall:
            lines.append(shortfall_text(sh.shortfall))
        return "\n".join(lines)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.shift_at(index) is not None:
            base |= Qt.ItemFlag.ItemIsDropEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [MIME_STAFF]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def _drop_target(self, row: int, column: int, parent: Index) -> ShiftDTO | None:
        if parent.isValid():
            return self.shift_at(parent)
        if row >= 0 and column >= 0:
            return self.shift_at(self.index(row, column))
        return None

    @staticmethod
    def _staff_payload(data: QMimeData) -> dict[str, str] | None:
        if not data.hasFormat(MIME_STAFF):
            return None
        try:
            payload = json.loads(bytes(data.data(MIME_STAFF).data()).decode("utf-8"))
            uuid.UUID(str(payload["id"]))
        except (ValueError, KeyError, TypeError):
            return None
        return {k: str(v) for k, v in payload.items()}

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return (
            self._staff_payload(data) is not None
            and self._drop_target(row, column, parent) is not None
        )

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        payload = self._staff_payload(data)
        shift = self._drop_target(row, column, parent)
        if payload is None or shift is None:
            return False
        self.assign_requested.emit(
            shift, uuid.UUID(payload["id"]), roster_role(payload.get("role", ""))
        )
        return True


# -- dialogs ----------------------------------------------------------------------------


# Runs on a worker: (shift id, the people wanted, the version they were chosen on).
SavePeople = Callable[[uuid.UUID, People, int], object]


class AssignDialog(QDialog):
    """Who is on a shift: staff by role, with checkboxes.

    OK saves on a worker and closes only once saved. If the shift changed
    meanwhile, the dialog stays open: a banner says who changed what, the
    lists show the user's own edits applied to the shift as it is now
    (:func:`rebase_people`), and OK saves exactly that list on the new version.
    """

    refused = Signal(object)  # the exception of a save that did not go through

    def __init__(
        self,
        shift: ShiftDTO,
        staff: Sequence[StaffDTO],
        runner: TaskRunner,
        save: SavePeople,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AssignDialog")
        self.setWindowTitle(self.tr("People on duty"))
        self.shift = shift  # the copy the user is editing
        self._runner = runner
        self._save = save
        self._saving = False
        layout = QVBoxLayout(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("assign_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()
        layout.addWidget(self.banner)
        title = plain_label(f"{shift.label}  {span_text(shift.starts_at, shift.ends_at)}", self)
        font = QFont(title.font())
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        self.lists: dict[str, QListWidget] = {}
        row = QHBoxLayout()
        for role in (StaffRole.LEADER.value, StaffRole.OFFICER.value):
            box = QGroupBox(labels.staff_role(role), self)
            inner = QVBoxLayout(box)
            lst = QListWidget(box)
            lst.setObjectName(f"assign_{role}")
            for st in staff:
                if not st.active or st.role != role:
                    continue
                item = QListWidgetItem(st.name, lst)
                item.setData(Qt.ItemDataRole.UserRole, str(st.id))
                item.setToolTip(plain_tooltip("\n".join(x for x in (st.unit, st.phone) if x)))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            inner.addWidget(lst)
            row.addWidget(box)
            self.lists[role] = lst
        layout.addLayout(row, 1)
        # People on the shift in a role the lists do not show (kept as they are).
        self._kept: dict[uuid.UUID, str] = {}
        self._show_people(people_of(shift))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)
        self.resize(520, 480)

    def _show_people(self, people: People) -> None:
        """Tick who is in ``people``; keep those the lists cannot show as they are."""
        shown: set[tuple[uuid.UUID, str]] = set()
        for role, lst in self.lists.items():
            for i in range(lst.count()):
                item = lst.item(i)
                staff_id = uuid.UUID(item.data(Qt.ItemDataRole.UserRole))
                on = people.get(staff_id) == role
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                shown.add((staff_id, role))
        self._kept = {sid: role for sid, role in people.items() if (sid, role) not in shown}

    def accept(self) -> None:
        """OK: save off the GUI thread; the dialog closes once the save went through."""
        if self._saving:
            return
        self._saving = True
        self.ok_button.setEnabled(False)
        save, shift_id, version, wanted = (
            self._save,
            self.shift.id,
            self.shift.version,
            self.wanted(),
        )
        self._runner.submit(
            lambda: save(shift_id, wanted, version), self._on_saved, self._on_save_failed
        )

    def _on_saved(self, _result: object) -> None:
        self._saving = False
        self.ok_button.setEnabled(True)
        self.done(QDialog.DialogCode.Accepted)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, StaleShift):
            self._show_conflict(exc)
        else:
            self.banner.setText(self.tr("Not saved: %1").replace("%1", error_text(exc)))
            self.banner.show()
        self.refused.emit(exc)

    def _show_conflict(self, exc: StaleShift) -> None:
        """Say who changed the shift and how; the next OK applies the user's edits on
        top of that change, knowingly."""
        current = exc.current
        if current is None:
            self.banner.setText(self.tr("Not saved: this shift was deleted by someone else."))
            self.banner.show()
            self.ok_button.setEnabled(False)
            return
        who = exc.last_change
        text = (
            self.tr("Not saved: %1 changed this shift at %2 (%3).")
            .replace("%1", who.actor if who else self.tr("someone"))
            .replace("%2", format_time(who.at) if who else "")
            .replace("%3", people_changes(self.shift, current) or self.tr("no visible change"))
        )
        self.banner.setText(
            text
            + " "
            + self.tr(
                "Your changes are kept on top of theirs: check the people below and save again."
            )
        )
        self.banner.show()
        merged = rebase_people(people_of(self.shift), self.wanted(), people_of(current))
        self.shift = current
        self._show_people(merged)

    def set_checked(self, staff_id: uuid.UUID, checked: bool) -> None:
        for lst in self.lists.values():
            for i in range(lst.count()):
                item = lst.item(i)
                if item.data(Qt.ItemDataRole.UserRole) == str(staff_id):
                    item.setCheckState(
                        Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                    )

    def wanted(self) -> dict[uuid.UUID, str]:
        out = dict(self._kept)
        for role, lst in self.lists.items():
            for i in range(lst.count()):
                item = lst.item(i)
                if item.checkState() == Qt.CheckState.Checked:
                    out[uuid.UUID(item.data(Qt.ItemDataRole.UserRole))] = role
        return out


class SwapDialog(QDialog):
    """Hand one person's duty on a shift to someone else; who agreed is required."""

    def __init__(
        self,
        shift: ShiftDTO,
        person: AssignmentDTO,
        staff: Sequence[StaffDTO],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SwapDialog")
        self.setWindowTitle(self.tr("Swap duty"))
        self.shift = shift
        self.person = person
        on_shift = {p.staff_id for p in shift.assignments}
        candidates = sorted(
            (s for s in staff if s.active and s.id not in on_shift and s.role in ROSTER_ROLES),
            key=lambda s: (s.role != person.role, s.name),
        )
        form = QFormLayout(self)
        form.addRow(
            self.tr("Shift:"),
            plain_label(f"{shift.label}  {span_text(shift.starts_at, shift.ends_at)}", self),
        )
        form.addRow(
            self.tr("Handing over:"),
            plain_label(f"{person.name} ({labels.staff_role(person.role)})", self),
        )
        self.replacement = QComboBox(self)
        self.replacement.setObjectName("swap_replacement")
        for s in candidates:
            self.replacement.addItem(f"{s.name} ({labels.staff_role(s.role)})", str(s.id))
        form.addRow(self.tr("Taken over by:"), self.replacement)
        self.agreed_by = QLineEdit(self)
        self.agreed_by.setObjectName("swap_agreed_by")
        self.agreed_by.setPlaceholderText(self.tr("required, e.g. the leader on duty"))
        form.addRow(self.tr("Agreed by:"), self.agreed_by)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("swap_reason")
        form.addRow(self.tr("Reason:"), self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.agreed_by.textChanged.connect(self._update)
        self._update()
        self.resize(460, 220)

    def _update(self) -> None:
        ok = bool(self.agreed_by.text().strip()) and self.replacement.count() > 0
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(ok)

    def replacement_id(self) -> uuid.UUID | None:
        data = self.replacement.currentData()
        return uuid.UUID(data) if data else None


# -- the widget -------------------------------------------------------------------------


class RosterCalendar(QWidget):
    """Week and month grids of the roster, with a staff list to drag from."""

    changed = Signal()  # a write succeeded: reload
    message_shown = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        service: RosterService,
        now: Callable[[], datetime],
        *,
        actor: str,
        site: str,
        policy: Callable[[], RosterPolicy] = RosterPolicy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RosterCalendar")
        self._runner = runner
        self._service = service
        self._now = now
        # The office's rules as this seat knows them (kept by the session; no read here).
        self._policy = policy
        self._actor = actor
        self._site = site
        self.mode = WEEK
        self._today = self.today()
        self.anchor = self._today
        self._requested: tuple[str, date] | None = None
        self.staff: list[StaffDTO] = []
        self.import_dialog: ImportDialog | None = None

        self.model = RosterGridModel(self)
        self.model.assign_requested.connect(self.assign_one)
        self.staff_model = StaffListModel(self)

        bar = QToolBar(self)
        bar.setObjectName("roster_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar = bar
        self.week_button = self._tool(self.tr("Week"), checkable=True)
        self.month_button = self._tool(self.tr("Month"), checkable=True)
        self.week_button.setChecked(True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        group.addButton(self.week_button)
        group.addButton(self.month_button)
        self.prev_button = self._tool("◀")
        self.prev_button.setToolTip(self.tr("Previous"))
        self.next_button = self._tool("▶")
        self.next_button.setToolTip(self.tr("Next"))
        self.today_button = self._tool(self.tr("Today"))
        self.period_label = QLabel(self)
        self.period_label.setObjectName("roster_period")
        font = QFont(self.period_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.period_label.setFont(font)
        self.period_label.setContentsMargins(8, 0, 8, 0)
        self.copy_button = self._tool(self.tr("Copy previous week"))
        self.copy_button.setToolTip(self.tr("Copy the previous week's shifts into this week"))
        self.import_button = self._tool(self.tr("Import…"))
        self.export_button = self._tool(self.tr("Export month"))
        for w in (
            self.week_button,
            self.month_button,
            self.prev_button,
            self.next_button,
            self.today_button,
            self.period_label,
        ):
            bar.addWidget(w)
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        for w in (self.copy_button, self.import_button, self.export_button):
            bar.addWidget(w)

        self.message = QLabel(self)
        self.message.setObjectName("roster_message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()

        self.view = QTableView(self)
        self.view.setObjectName("roster_grid")
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setAcceptDrops(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.setDropIndicatorShown(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        # Rows share the height but never get shorter than three lines of text
        # (the grid scrolls instead), columns never narrower than a name or two.
        lines = self.view.fontMetrics().lineSpacing()
        self.view.verticalHeader().setMinimumSectionSize(lines * 3 + 8)
        self.view.horizontalHeader().setMinimumSectionSize(
            self.view.fontMetrics().horizontalAdvance("值班:王建华、周")
        )

        self.staff_view = QListView(self)
        self.staff_view.setObjectName("roster_staff")
        self.staff_view.setModel(self.staff_model)
        self.staff_view.setDragEnabled(True)
        self.staff_view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.staff_view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.staff_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        staff_box = QGroupBox(self.tr("Staff (drag onto a shift)"), self)
        inner = QVBoxLayout(staff_box)
        inner.setContentsMargins(4, 4, 4, 4)
        inner.addWidget(self.staff_view)
        staff_box.setMinimumWidth(150)
        # Small minimums: the roster dock may be short; the grid scrolls.
        self.staff_view.setMinimumHeight(20)
        staff_box.setMinimumHeight(20)
        self.view.setMinimumHeight(20)
        staff_box.setMaximumWidth(220)

        body = QHBoxLayout()
        body.addWidget(self.view, 1)
        body.addWidget(staff_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)

        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        self.month_button.clicked.connect(lambda: self.set_mode(MONTH))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        self._update_label()

    def _tool(self, text: str, *, checkable: bool = False) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setCheckable(checkable)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return b

    # -- navigation -----------------------------------------------------------------
    def today(self) -> date:
        """The duty day now: the day whose shift is on duty (before the handover
        time, still yesterday), so that the shift on duty is on the page."""
        return self._policy().pattern.duty_day(self._now(), CHINA_TZ)

    def monday(self) -> date:
        return monday_of(self.anchor)

    def set_today_from_clock(self) -> None:
        """At a refresh: if the day changed while the page showed today, follow it."""
        today = self.today()
        if today != self._today:
            if self.anchor == self._today:
                self.anchor = today
            self._today = today
            self._update_label()

    def period_query(self) -> Callable[[], RosterPeriod]:
        """The query for the page shown now (runs on a worker)."""
        svc, mode, anchor = self._service, self.mode, self.anchor
        self._requested = (mode, anchor)
        if mode == WEEK:
            return lambda: svc.week(monday_of(anchor))
        return lambda: svc.month(anchor.year, anchor.month)

    def apply_period(self, period: RosterPeriod) -> None:
        expected = self._expected_first_day()
        if period.first_day != expected:
            return  # an answer for a page the user has left
        self.model.set_period(period, self.mode, self.today())
        self._update_label()
        self._show_today()

    def _show_today(self) -> None:
        """In the week view, bring today's row into sight (the watch looks at now)."""
        if self.mode != WEEK:
            return
        today = self.today()
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            if self.model.day_at(index) == today:
                self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
                return

    def set_staff(self, staff: Sequence[StaffDTO]) -> None:
        self.staff = list(staff)
        self.staff_model.set_rows(staff)

    def _expected_first_day(self) -> date:
        if self.mode == WEEK:
            return monday_of(self.anchor)
        return self.anchor.replace(day=1)

    def reload(self) -> None:
        self._runner.submit(self.period_query(), on_done=self.apply_period, on_error=self._failed)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.week_button.setChecked(mode == WEEK)
        self.month_button.setChecked(mode == MONTH)
        self.copy_button.setEnabled(mode == WEEK)
        self._update_label()
        self.reload()

    def step(self, direction: int) -> None:
        if self.mode == WEEK:
            self.anchor = self.monday() + timedelta(days=7 * direction)
        else:
            month0 = self.anchor.year * 12 + self.anchor.month - 1 + direction
            self.anchor = date(month0 // 12, month0 % 12 + 1, 1)
        self._update_label()
        self.reload()

    def go_today(self) -> None:
        self._today = self.today()
        self.anchor = self._today
        self._update_label()
        self.reload()

    def go_to(self, day: date) -> None:
        """Show the week (or month) that holds ``day`` (China date)."""
        self.anchor = day
        self._update_label()
        self.reload()

    def _update_label(self) -> None:
        if self.mode == WEEK:
            first = self.monday()
            last = first + timedelta(days=6)
            text = (
                self.tr("%1 – %2, %3")
                .replace("%1", day_text(first))
                .replace("%2", day_text(last))
                .replace("%3", str(first.year))
            )
        else:
            text = (
                self.tr("Month %1 of %2")
                .replace("%1", str(self.anchor.month))
                .replace("%2", str(self.anchor.year))
            )
        self.period_label.setText(text)

    # -- messages -------------------------------------------------------------------
    def show_message(self, text: str, *, error: bool = False) -> None:
        color = "#b30000" if error else "#1b5e20"
        self.message.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.message.setText(text)
        self.message.show()
        self.message_shown.emit(text)

    def _failed(self, exc: BaseException, seen: ShiftDTO | None = None) -> None:
        """Say why a write failed; ``seen`` is the shift as the user saw it."""
        if isinstance(exc, StaleShift):
            self.show_message(self._stale_text(exc, seen), error=True)
        else:
            self.show_message(error_text(exc), error=True)
        if isinstance(exc, RuleViolation | ConflictError):
            self.changed.emit()

    def _stale_text(self, exc: StaleShift, seen: ShiftDTO | None) -> str:
        """A change refused because the shift changed since the grid showed it."""
        who = exc.last_change
        changes = people_changes(seen, exc.current) if seen and exc.current else ""
        return (
            self.tr(
                "Not done: %1 changed this shift at %2 (%3). The shift was reloaded: "
                "check it and try again."
            )
            .replace("%1", who.actor if who else self.tr("someone"))
            .replace("%2", format_time(who.at) if who else "")
            .replace("%3", changes or self.tr("no visible change"))
        )

    def _write(
        self,
        fn: Callable[[], _R],
        done_text: Callable[[_R], str],
        seen: ShiftDTO | None = None,
    ) -> None:
        """Run a write; ``seen`` is the shift as the user saw it (to say what changed)."""

        def ok(result: _R) -> None:
            self.show_message(done_text(result))
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self._failed(exc, seen)

        self._runner.submit(fn, on_done=ok, on_error=failed)

    # -- writes ---------------------------------------------------------------------
    def assign_one(self, shift: ShiftDTO, staff_id: uuid.UUID, role: str) -> None:
        """A name dropped on a shift: refused if the shift changed since it was shown."""
        svc, actor, site = self._service, self._actor, self._site
        shift_id, version = shift.id, shift.version
        name = next((s.name for s in self.staff if s.id == staff_id), "")
        self._write(
            lambda: svc.assign(
                shift_id, staff_id, role, actor=actor, site=site, expected_version=version
            ),
            lambda _r: (
                self.tr("%1 put on duty as %2.")
                .replace("%1", name)
                .replace("%2", labels.staff_role(role))
            ),
            seen=shift,
        )

    def _people_saved(self) -> None:
        self.show_message(self.tr("The shift's people were saved."))
        self.changed.emit()

    def _dialog_refused(self, exc: BaseException) -> None:
        if isinstance(exc, RuleViolation | ConflictError):
            self.changed.emit()  # the grid behind the dialog shows the shift as it is now

    def unassign(self, shift: ShiftDTO, person: AssignmentDTO) -> None:
        svc, actor, site = self._service, self._actor, self._site
        shift_id, version = shift.id, shift.version
        self._write(
            lambda: svc.unassign(
                shift_id, person.staff_id, actor=actor, site=site, expected_version=version
            ),
            lambda _r: self.tr("%1 taken off the shift.").replace("%1", person.name),
            seen=shift,
        )

    def swap(
        self,
        shift: ShiftDTO,
        from_staff: uuid.UUID,
        to_staff: uuid.UUID,
        agreed_by: str,
        reason: str,
    ) -> None:
        svc, actor, site = self._service, self._actor, self._site
        shift_id, version = shift.id, shift.version
        self._write(
            lambda: svc.swap(
                shift_id,
                from_staff,
                to_staff,
                agreed_by,
                reason or None,
                actor=actor,
                site=site,
                expected_version=version,
            ),
            lambda _r: self.tr("Swap recorded (agreed by %1).").replace("%1", agreed_by.strip()),
            seen=shift,
        )

    def copy_week(self, from_monday: date, to_monday: date) -> None:
        svc, actor, site = self._service, self._actor, self._site
        self._write(
            lambda: svc.copy_week(from_monday, to_monday, actor=actor, site=site),
            lambda n: (
                self.tr("%1 shift(s) copied into the week of %2.")
                .replace("%1", str(n))
                .replace("%2", day_text(monday_of(to_monday)))
            ),
        )

    def define_day_shift(self, day: date) -> None:
        """The shifts of ``day`` by the office's pattern (值班设置)."""
        svc, actor, site = self._service, self._actor, self._site
        self._write(
            lambda: svc.define_day(day, actor=actor, site=site),
            lambda ids: (
                self.tr("%1 shift(s) created for %2.")
                .replace("%1", str(len(ids)))
                .replace("%2", day_text(day))
            ),
        )

    def open_import(self, path: Path | str) -> None:
        """Read and check a roster file, then show the preview dialog."""
        db = self._service.database
        rule = self._policy().staffing
        self._runner.submit(
            lambda: preview_roster(db, path, rule=rule),
            on_done=self._show_preview,
            on_error=self._failed,
        )

    def _show_preview(self, preview: RosterPreview) -> None:
        dialog = ImportDialog(preview, self)
        self.import_dialog = dialog
        dialog.accepted.connect(
            lambda: self.apply_import(preview, add_unknown=dialog.add_unknown())
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def apply_import(self, preview: RosterPreview, *, add_unknown: bool = False) -> None:
        """Write the previewed shifts (with ``add_unknown``, also the people the
        file names who are not in the staff list, in the same transaction)."""
        actor, site = self._actor, self._site
        shifts = len(preview.to_write(add_unknown=add_unknown))
        added = "、".join(p.name for p in preview.new_people) if add_unknown else ""
        self._write(
            lambda: preview.apply(actor=actor, site=site, add_unknown=add_unknown),
            lambda _r: (
                self.tr("%1 shift(s) imported; added to the staff list: %2.")
                .replace("%1", str(shifts))
                .replace("%2", added)
                if added
                else self.tr("%1 shift(s) imported.").replace("%1", str(shifts))
            ),
        )

    def export(self, path: Path | str) -> None:
        year, month = self.anchor.year, self.anchor.month
        db, rule = self._service.database, self._policy().staffing
        self._runner.submit(
            lambda: export_month(db, year, month, path, rule=rule),
            on_done=lambda n: self.show_message(
                self.tr("%1 shift(s) exported to %2.")
                .replace("%1", str(n))
                .replace("%2", str(path))
            ),
            on_error=self._failed,
        )

    # -- user actions ---------------------------------------------------------------
    def _on_copy_clicked(self) -> None:
        """Count both weeks first: copy_week refuses a week that has shifts, so say
        that instead of asking a question whose yes would only be refused."""
        to_monday = self.monday()
        from_monday = to_monday - timedelta(days=7)
        svc = self._service
        self._runner.submit(
            lambda: (len(svc.week(from_monday).shifts), len(svc.week(to_monday).shifts)),
            on_done=lambda counts: self._confirm_copy(from_monday, to_monday, *counts),
            on_error=self._failed,
            owner=self,
        )

    def _confirm_copy(self, from_monday: date, to_monday: date, source: int, target: int) -> None:
        if target:
            self.show_message(
                self.tr(
                    "The week of %1 already has %2 shift(s): the previous week is not copied. "
                    "Copying only fills a week without shifts; it never changes or replaces "
                    "the shifts there."
                )
                .replace("%1", day_text(to_monday))
                .replace("%2", str(target)),
                error=True,
            )
            return
        if not source:
            self.show_message(
                self.tr(
                    "The previous week (from %1) has no shifts: there is nothing to copy."
                ).replace("%1", day_text(from_monday)),
                error=True,
            )
            return
        question = (
            self.tr(
                "Copy the %1 shift(s) of the week of %2, with their people, into the week of %3?"
            )
            .replace("%1", str(source))
            .replace("%2", day_text(from_monday))
            .replace("%3", day_text(to_monday))
        )
        if ask(self, self.tr("Copy previous week"), question):
            self.copy_week(from_monday, to_monday)

    def _on_import_clicked(self) -> None:
        path = ask_open_path(self, self.tr("Import roster"), self.tr("Roster files (*.xlsx *.csv)"))
        if path:
            self.open_import(path)

    def _on_export_clicked(self) -> None:
        name = f"值班表_{self.anchor.year}年{self.anchor.month}月.xlsx"
        path = ask_save_path(
            self, self.tr("Export month"), name, self.tr("Excel workbook (*.xlsx)")
        )
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export(path)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        shifts = self.model.shifts_at(index)
        if len(shifts) == 1:
            self.open_assign_dialog(shifts[0])
        elif len(shifts) > 1 or self.model.mode == MONTH:
            day = self.model.day_at(index)
            if day is not None and self.model.in_period(day):
                self.anchor = day
                self.set_mode(WEEK)

    def open_assign_dialog(self, shift: ShiftDTO) -> AssignDialog:
        svc, actor, site = self._service, self._actor, self._site

        def save(shift_id: uuid.UUID, wanted: People, version: int) -> object:
            """On a worker: the shift's people become ``wanted`` if still at ``version``."""
            return svc.set_assignments(
                shift_id, wanted, actor=actor, site=site, expected_version=version
            )

        dialog = AssignDialog(shift, self.staff, self._runner, save, self)
        dialog.accepted.connect(self._people_saved)
        dialog.refused.connect(self._dialog_refused)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_swap_dialog(self, shift: ShiftDTO, person: AssignmentDTO) -> SwapDialog:
        dialog = SwapDialog(shift, person, self.staff, self)

        def accepted() -> None:
            to = dialog.replacement_id()
            if to is not None:
                self.swap(shift, person.staff_id, to, dialog.agreed_by.text(), dialog.reason.text())

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def context_actions(self, index: QModelIndex, menu: QMenu) -> list[QAction]:
        """The context menu of a cell: edit, swap or remove each person."""
        actions: list[QAction] = []
        shifts = self.model.shifts_at(index)
        day = self.model.day_at(index)
        for sh in shifts:
            prefix = f"{shift_name(sh)}: " if len(shifts) > 1 else ""
            edit = add_data_action(menu, prefix + self.tr("People on duty…"))
            edit.triggered.connect(lambda _=False, s=sh: self.open_assign_dialog(s))
            actions.append(edit)
            for p in sh.assignments:
                swap = add_data_action(menu, prefix + self.tr("Swap %1…").replace("%1", p.name))
                swap.setObjectName(f"swap:{p.staff_id}")
                swap.triggered.connect(
                    lambda _=False, s=sh, person=p: self.open_swap_dialog(s, person)
                )
                actions.append(swap)
            for p in sh.assignments:
                rm = add_data_action(
                    menu, prefix + self.tr("Take %1 off the shift").replace("%1", p.name)
                )
                rm.triggered.connect(lambda _=False, s=sh, person=p: self.unassign(s, person))
                actions.append(rm)
            menu.addSeparator()
        if not shifts and day is not None and self.model.in_period(day):
            new = menu.addAction(self.tr("New shifts by the office's pattern"))
            new.triggered.connect(lambda _=False, d=day: self.define_day_shift(d))
            actions.append(new)
        return actions

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        if self.context_actions(index, menu):
            menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()


def month_days(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]
