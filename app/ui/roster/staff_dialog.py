"""人员与AB岗: the staff list with its form, and the villages' A/B information-officer posts.

Every read and write runs on the task runner. A refused save shows each rule
under its field and keeps everything typed (a message goes as soon as its field
is fixed); a save based on a stale copy says who changed what, and the next
save applies the form over it knowingly. Typed changes are never replaced
without asking: Esc, closing, New, another person in the list or Deactivate
ask first, and a reload keeps a form being edited.

With the application session, the person chosen also shows 账号与角色 (roles
with their grant history, first password, PIN: :class:`AccountPanel`) and 历史
(every recorded change of the person and their account). Editing people needs
the right to (``Action.EDIT_STAFF``): without it the buttons are disabled and
say why; the service refuses as well.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.data.uow import ChangeRecord
from app.domain.access import Action, Role
from app.domain.enums import StaffRole
from app.domain.identity import Identity
from app.domain.labels import Family
from app.services.access import (
    AccessService,
    GrantRow,
    password_problem,
    pin_problem,
)
from app.services.staff import (
    POSTS,
    FieldError,
    PlaceRef,
    PostRow,
    StaffDraft,
    StaffRejected,
    StaffRow,
    StaffService,
    StaleStaff,
    custom_role,
    custom_role_name,
    validate,
)
from app.ui import labels
from app.ui.access.history import HistoryView
from app.ui.forms import FieldErrors, GuardedDialog, field_text
from app.ui.i18n import current_language
from app.ui.messages import not_permitted_text, problem_text, unexpected_text
from app.ui.models.folding import FoldedRows, fold_needle
from app.ui.models.table import format_time
from app.ui.plain import make_plain, plain_tooltip, rich_text
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner

NEW_ROLE = "__new__"  # the role combo's "Other (custom)…" entry
MISSING_TINT = QColor("#f8d0d0")

# Columns of the staff table and of the AB table.
S_NAME, S_UNIT, S_PHONE, S_ROLE, S_PLACE, S_POST, S_ACTIVE = range(7)
P_TOWNSHIP, P_VILLAGE, P_A, P_B, P_STATE = range(5)

# What a holder chooser returns: (accepted, staff id or None for "vacant").
HolderChoice = tuple[bool, uuid.UUID | None]
HolderPicker = Callable[[PostRow, str, list[StaffRow]], HolderChoice]


@dataclass(frozen=True, slots=True)
class Loaded:
    staff: list[StaffRow]
    places: list[PlaceRef]
    posts: list[PostRow]


def role_text(code: str) -> str:
    """A role for people: the translated standard role or the office's own name."""
    custom = custom_role_name(code)
    return custom if custom is not None else labels.staff_role(code)


def _cell(text: str, data: object = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(plain_tooltip(text))
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


class StaffDialog(GuardedDialog):
    """People (带班领导, 值班员, 信息员 and the office's own roles) and the AB posts."""

    loaded = Signal()
    saved = Signal(uuid.UUID)

    def __init__(
        self,
        runner: TaskRunner,
        service: StaffService,
        actor: str,
        site: str,
        where: str = "",
        parent: QWidget | None = None,
        *,
        session: AppSession | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StaffDialog")
        self.setWindowTitle(self.tr("People and AB posts"))
        # Wider with the account and history tabs beside the list.
        if session is None:
            self.resize(1100, 640)
        else:
            self.resize(1200, 760)
        self._session = session
        self.account: AccountPanel | None = None
        self.history: HistoryView | None = None
        self._runner = runner
        self._service = service
        self._actor = actor
        self._site = site
        self._where = where
        self._busy = False
        self.base: StaffRow | None = None  # the copy being edited; None for a new person
        self.staff: list[StaffRow] = []
        self.places: list[PlaceRef] = []
        self.posts: list[PostRow] = []
        self.pick_holder: HolderPicker = self._ask_holder
        self._folded = FoldedRows()  # the staff table's rows, for the filter

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._staff_tab(), self.tr("People"))
        self.tabs.addTab(self._posts_tab(), self.tr("AB posts"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        # The form is the work; the list, its filter and the AB table are not.
        self.discard_guard.track(
            [
                self.name,
                self.unit,
                self.phone,
                self.role,
                self.custom_role,
                self.township,
                self.village,
                self.post,
                self.active,
            ]
        )
        if session is not None:
            session.operator_changed.connect(self._on_session_operator_changed)
            self._update_rights()
        self.new_person()
        self.reload()

    # -- who may edit --------------------------------------------------------------------
    def may_edit(self) -> bool:
        """Whether the person at the seat may edit people (no session: the caller decides)."""
        return self._session is None or self._session.may(Action.EDIT_STAFF)

    def _refusal(self) -> str:
        assert self._session is not None
        return not_permitted_text(self._session.identity, Action.EDIT_STAFF)

    def _update_rights(self) -> None:
        """Buttons of writes the person at the seat may not make are disabled, saying why."""
        allowed = self.may_edit()
        tip = "" if allowed else plain_tooltip(self._refusal())
        for button in (self.new_button, self.save_button, self.deactivate_button):
            button.setToolTip(tip)
        self._set_busy(self._busy)

    def _on_session_operator_changed(self, _identity: Identity) -> None:
        self._update_rights()

    # -- building -------------------------------------------------------------------
    def _staff_tab(self) -> QWidget:
        page = QWidget(self)
        self.filter = QLineEdit(page)
        self.filter.setPlaceholderText(self.tr("Filter by name, unit, phone, role or place"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.show_inactive = QCheckBox(self.tr("Show people who left"), page)
        self.show_inactive.toggled.connect(lambda _on: self._fill_staff())
        self.table = QTableWidget(0, 7, page)
        self.table.setObjectName("staff_table")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Unit"),
                self.tr("Phone"),
                self.tr("Role"),
                self.tr("Township / village"),
                self.tr("Post"),
                self.tr("State"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(S_UNIT, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selected)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.show_inactive)
        left = QWidget(page)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.table)

        right = QWidget(page)
        self.banner = QLabel(right)
        self.banner.setObjectName("staff_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()
        self.heading = make_plain(QLabel(right))  # "Editing: <name>"
        self.heading.setStyleSheet("font-weight: bold;")
        self.name = QLineEdit(right)
        self.unit = QLineEdit(right)
        self.phone = QLineEdit(right)
        self.role = QComboBox(right)
        self.role.currentIndexChanged.connect(self._on_role_changed)
        self.custom_role = QLineEdit(right)  # no max length: a longer name is refused, not cut
        self.custom_role.setPlaceholderText(self.tr("Name of the new role"))
        self.township = QComboBox(right)
        self.township.currentIndexChanged.connect(self._on_township_changed)
        self.village = QComboBox(right)
        self.post = QComboBox(right)
        self.post.addItem("—", None)
        for post in POSTS:
            self.post.addItem(self.tr("Post %1").replace("%1", post), post)
        self.active = QCheckBox(self.tr("Active (still with the office)"), right)
        self.field_errors = FieldErrors(self)
        self.field_errors.all_cleared.connect(self._on_fields_fixed)
        self.errors = self.field_errors.labels
        role_box = QWidget(right)
        role_layout = QVBoxLayout(role_box)
        role_layout.setContentsMargins(0, 0, 0, 0)
        role_layout.addWidget(self.role)
        role_layout.addWidget(self.custom_role)
        form = QFormLayout()
        for label, field, key, watch in (
            (self.tr("Name"), self.name, "name", None),
            (self.tr("Unit"), self.unit, "unit", None),
            (self.tr("Phone"), self.phone, "phone", None),
            (self.tr("Role"), role_box, "role", None),
            (self.tr("Township"), self.township, "township", None),
            # An information officer needs them; another role does not.
            (self.tr("Village / community"), self.village, "village", [self.village, self.role]),
            (self.tr("AB post"), self.post, "post", [self.post, self.role]),
        ):
            form.addRow(
                label, self.field_errors.add(key, field, check=self._check(key), watch=watch)
            )
        form.addRow("", self.active)
        self.new_button = QPushButton(self.tr("New"), right)
        self.save_button = QPushButton(self.tr("Save"), right)
        self.deactivate_button = QPushButton(self.tr("Deactivate"), right)
        self.new_button.clicked.connect(self._on_new_clicked)
        self.save_button.clicked.connect(self.save)
        self.deactivate_button.clicked.connect(self.deactivate)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.deactivate_button)
        buttons.addWidget(self.save_button)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.heading)
        right_layout.addLayout(form)
        right_layout.addStretch(1)
        right_layout.addLayout(buttons)
        self.person_tabs: QTabWidget | None = None
        side: QWidget = right
        if self._session is not None:
            # The person's details, their account and roles, and their history.
            self.person_tabs = QTabWidget(page)
            self.person_tabs.setObjectName("person_tabs")
            self.person_tabs.addTab(right, self.tr("Details"))
            self.account = AccountPanel(self._session, self.person_tabs)
            self.person_tabs.addTab(self.account, self.tr("Account and roles"))
            self.history = HistoryView(self._session, self.person_tabs)
            self.person_tabs.addTab(self.history, self.tr("History"))
            side = self.person_tabs

        splitter = QSplitter(page)
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(page)
        layout.addWidget(splitter)
        return page

    def _posts_tab(self) -> QWidget:
        page = QWidget(self)
        self.posts_summary = make_plain(QLabel(page))
        self.posts_table = QTableWidget(0, 5, page)
        self.posts_table.setObjectName("posts_table")
        self.posts_table.setHorizontalHeaderLabels(
            [
                self.tr("Township"),
                self.tr("Village / community"),
                self.tr("Post A"),
                self.tr("Post B"),
                self.tr("State"),
            ]
        )
        self.posts_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.posts_table.verticalHeader().setVisible(False)
        self.posts_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.posts_table.cellDoubleClicked.connect(self._on_post_double_clicked)
        hint = QLabel(self.tr("Double-click a post to choose its holder."), page)
        hint.setStyleSheet("color: #555;")
        self.posts_banner = make_plain(QLabel(page))  # may name a person
        self.posts_banner.setObjectName("posts_banner")
        self.posts_banner.setWordWrap(True)
        self.posts_banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.posts_banner.hide()
        layout = QVBoxLayout(page)
        layout.addWidget(self.posts_banner)
        layout.addWidget(self.posts_summary)
        layout.addWidget(self.posts_table)
        layout.addWidget(hint)
        return page

    # -- loading --------------------------------------------------------------------
    def reload(self, select: uuid.UUID | None = None) -> None:
        service = self._service

        def load() -> Loaded:
            return Loaded(service.list(include_inactive=True), service.places(), service.posts())

        self._runner.submit(load, lambda data: self._on_loaded(data, select), self._on_load_failed)

    def _on_loaded(self, data: Loaded, select: uuid.UUID | None) -> None:
        editing = self.discard_guard.is_dirty()
        with self.discard_guard.refilling():
            self.staff, self.places, self.posts = data.staff, data.places, data.posts
            self._fill_places()
            self._fill_roles()
            self._fill_staff()
            self._fill_posts()
            if select is not None and editing:
                # Keep what is being typed; saving it meets any change as a conflict.
                self._select_row(select)
            elif select is not None:
                self.select_staff(select)
        self.loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        problem = classify(exc)
        text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        self.banner.setText(self.tr("Could not load the people: %1").replace("%1", text))
        self.banner.show()
        self.loaded.emit()

    def _fill_roles(self) -> None:
        keep = self._role_code()
        self.role.blockSignals(True)
        self.role.clear()
        for role in StaffRole:
            self.role.addItem(labels.staff_role(role.value), role.value)
        customs = sorted({s.role for s in self.staff if custom_role_name(s.role) is not None})
        for code in customs:
            self.role.addItem(role_text(code), code)
        self.role.addItem(self.tr("Other (custom)…"), NEW_ROLE)
        self.role.blockSignals(False)
        self._set_role(keep or StaffRole.OFFICER.value)

    def _fill_places(self) -> None:
        keep_t, keep_v = self._combo_id(self.township), self._combo_id(self.village)
        self.township.blockSignals(True)
        self.township.clear()
        self.township.addItem("—", None)
        for p in self.places:
            if p.village_id is None:
                self.township.addItem(p.township, str(p.township_id))
        self.township.blockSignals(False)
        self._set_combo(self.township, keep_t)
        self._fill_villages(keep_v)

    def _fill_villages(self, keep: uuid.UUID | None = None) -> None:
        township = self._combo_id(self.township)
        self.village.clear()
        self.village.addItem("—", None)
        for p in self.places:
            if p.village_id is not None and (township is None or p.township_id == township):
                label = p.village if township is not None else f"{p.township} {p.village}"
                self.village.addItem(label or "", str(p.village_id))
        self._set_combo(self.village, keep)

    def visible_staff(self) -> list[StaffRow]:
        rows = self.staff if self.show_inactive.isChecked() else [s for s in self.staff if s.active]
        return rows

    def _fill_staff(self) -> None:
        selected = self.base.id if self.base else None
        rows = self.visible_staff()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        shown: list[tuple[str, ...]] = []
        for r, s in enumerate(rows):
            place = " ".join(x for x in (s.township, s.village) if x)
            state = self.tr("Active") if s.active else self.tr("Left")
            cells = (s.name, s.unit or "", s.phone or "", role_text(s.role), place, s.post or "")
            for c, text in enumerate(cells):
                self.table.setItem(r, c, _cell(text, s.id if c == S_NAME else None))
            self.table.setItem(r, S_ACTIVE, _cell(state))
            shown.append((*cells, state))
            if not s.active:
                for c in range(self.table.columnCount()):
                    item = self.table.item(r, c)
                    if item is not None:
                        item.setForeground(QBrush(QColor("#888888")))
        self._folded.set_rows(shown)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)
        self._apply_filter()
        if selected is not None:
            self._select_row(selected)

    def _apply_filter(self) -> None:
        """Show the rows that hold the typed text (full-width/half-width and case
        folded, see :mod:`app.ui.models.folding`)."""
        needle = fold_needle(self.filter.text())
        for r in range(self.table.rowCount()):
            self.table.setRowHidden(r, not self._folded.matches(r, needle))

    def shown_names(self) -> list[str]:
        """The names of the rows the filter lets through (for tests and checks)."""
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, S_NAME)
            if item is not None and not self.table.isRowHidden(r):
                out.append(item.text())
        return out

    def _fill_posts(self) -> None:
        self.posts_table.setRowCount(len(self.posts))
        missing = 0
        for r, p in enumerate(self.posts):
            a = f"{p.a.name} {p.a.phone or ''}".strip() if p.a else self.tr("(vacant)")
            b = f"{p.b.name} {p.b.phone or ''}".strip() if p.b else self.tr("(vacant)")
            state = self.tr("Post missing") if p.missing else self.tr("Complete")
            for c, text in enumerate((p.township, p.village, a, b, state)):
                self.posts_table.setItem(r, c, _cell(text, p.village_id if c == 0 else None))
            if p.missing:
                missing += 1
                for c in range(self.posts_table.columnCount()):
                    item = self.posts_table.item(r, c)
                    if item is not None:
                        item.setBackground(QBrush(MISSING_TINT))
        self.posts_summary.setText(
            self.tr("%1 villages and communities, %2 with a post missing.")
            .replace("%1", str(len(self.posts)))
            .replace("%2", str(missing))
        )

    # -- the form -------------------------------------------------------------------
    def select_staff(self, staff_id: uuid.UUID) -> None:
        """Show the person in the form (and select the row when it is shown)."""
        row = next((s for s in self.staff if s.id == staff_id), None)
        if row is None:
            return
        self._select_row(staff_id)
        self._edit(row)

    def _select_row(self, staff_id: uuid.UUID) -> None:
        self.table.blockSignals(True)
        self.table.clearSelection()
        for r in range(self.table.rowCount()):
            item = self.table.item(r, S_NAME)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == staff_id:
                self.table.selectRow(r)
                break
        self.table.blockSignals(False)

    def _on_selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        item = self.table.item(items[0].row(), S_NAME)
        staff_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        row = next((s for s in self.staff if s.id == staff_id), None)
        if row is None or (self.base is not None and row.id == self.base.id):
            return  # already in the form, as typed
        if not self.discard_guard.confirm_discard():
            self._keep_selection()
            return
        self._edit(row)

    def _keep_selection(self) -> None:
        """Select the row of the person in the form again (none for a new person)."""
        if self.base is not None:
            self._select_row(self.base.id)
        else:
            self.table.blockSignals(True)
            self.table.clearSelection()
            self.table.blockSignals(False)

    def _on_new_clicked(self) -> None:
        if self.discard_guard.confirm_discard():
            self.new_person()

    def new_person(self) -> None:
        self.base = None
        self._show_person(None)
        self.table.clearSelection()
        self.heading.setText(self.tr("New person"))
        self.name.clear()
        self.unit.clear()
        self.phone.clear()
        self.custom_role.clear()
        self._set_role(StaffRole.OFFICER.value)
        self._set_combo(self.township, None)
        self._fill_villages(None)
        self._set_combo(self.post, None)
        self.active.setChecked(True)
        self._set_busy(self._busy)
        self._clear_messages()
        self.discard_guard.mark_clean()
        self.name.setFocus()

    def _show_person(self, row: StaffRow | None) -> None:
        """The account and history tabs follow the person in the form."""
        if self.account is not None:
            self.account.show_person(row)
        if self.history is not None:
            if row is None:
                self.history.clear()
            else:
                self.history.show_record("staff", row.id)

    def _edit(self, row: StaffRow) -> None:
        self.base = row
        self._show_person(row)
        self.heading.setText(self.tr("Editing: %1").replace("%1", row.name))
        self._fill_form(row)
        self._set_busy(self._busy)
        self._clear_messages()
        self.discard_guard.mark_clean()

    def _fill_form(self, row: StaffRow) -> None:
        self.name.setText(row.name)
        self.unit.setText(row.unit or "")
        self.phone.setText(row.phone or "")
        self.custom_role.clear()
        self._set_role(row.role)
        self._set_combo(self.township, row.township_id)
        self._fill_villages(row.village_id)
        self._set_combo(self.post, row.post)
        self.active.setChecked(row.active)

    def _set_role(self, code: str) -> None:
        index = self.role.findData(code)
        if index < 0 and custom_role_name(code) is not None:
            self.role.insertItem(self.role.count() - 1, role_text(code), code)
            index = self.role.findData(code)
        self.role.setCurrentIndex(max(index, 0))
        self._on_role_changed()

    def _role_code(self) -> str | None:
        data = self.role.currentData()
        if data == NEW_ROLE:
            return custom_role(self.custom_role.text())
        return data if isinstance(data, str) else None

    def _on_role_changed(self) -> None:
        self.custom_role.setVisible(self.role.currentData() == NEW_ROLE)
        info = self.role.currentData() == StaffRole.INFO_OFFICER.value
        self.village.setEnabled(info)
        self.post.setEnabled(info)

    def _on_township_changed(self) -> None:
        self._fill_villages(self._combo_id(self.village))

    @staticmethod
    def _combo_id(combo: QComboBox) -> uuid.UUID | None:
        data = combo.currentData()  # ids are kept as text: QVariant compares strings by value
        return uuid.UUID(data) if isinstance(data, str) and data else None

    @staticmethod
    def _set_combo(combo: QComboBox, data: object) -> None:
        if isinstance(data, uuid.UUID):
            data = str(data)
        index = combo.findData(data) if data is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def draft(self) -> StaffDraft:
        role = self._role_code() or ""
        info = role == StaffRole.INFO_OFFICER.value
        post = self.post.currentData()
        return StaffDraft(
            name=self.name.text(),
            role=role,
            unit=self.unit.text(),
            phone=self.phone.text(),
            township_id=self._combo_id(self.township),
            village_id=self._combo_id(self.village) if info else None,
            post=post if info and isinstance(post, str) else None,
            active=self.active.isChecked(),
        )

    # -- saving ---------------------------------------------------------------------
    def save(self) -> None:
        if self._busy:
            return
        self._clear_messages()
        draft = self.draft()
        errors = validate(draft)  # the rules that need no database, every field at once
        if errors:
            self._show_field_errors(errors)
            return
        self._set_busy(True)
        base, service = self.base, self._service
        actor, site = self._actor, self._site

        def job() -> StaffRow:
            if base is None:
                return service.create(draft, actor=actor, site=site)
            return service.update(base.id, base.version, draft, actor=actor, site=site)

        self._runner.submit(job, self._on_saved, self._on_save_failed)

    def deactivate(self) -> None:
        base = self.base
        if self._busy or base is None:
            return
        if not self.discard_guard.confirm_discard():  # the form is filled again afterwards
            return
        self._set_busy(True)
        self._clear_messages()
        service, actor, site = self._service, self._actor, self._site
        self._runner.submit(
            lambda: service.deactivate(base.id, base.version, actor=actor, site=site),
            self._on_saved,
            self._on_save_failed,
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        allowed = self.may_edit()
        for button in (self.new_button, self.save_button, self.deactivate_button):
            button.setEnabled(not busy and allowed)
        if not busy:
            self.deactivate_button.setEnabled(
                allowed and self.base is not None and self.base.active
            )

    def _on_saved(self, row: StaffRow) -> None:
        self.base = row
        self._show_person(row)
        self.discard_guard.mark_clean()  # saved: the reload shows it as stored
        self._set_busy(False)
        self.heading.setText(self.tr("Editing: %1").replace("%1", row.name))
        self.saved.emit(row.id)
        self.reload(select=row.id)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, StaleStaff):
            self._show_conflict(exc)
        elif isinstance(exc, StaffRejected):
            self._show_field_errors(exc.errors)
        else:
            problem = classify(exc)
            text = problem_text(problem, self._where) if problem else unexpected_text(exc)
            self.banner.setText(self.tr("Not saved: %1").replace("%1", text))
            self.banner.show()

    def _show_field_errors(self, errors: Sequence[FieldError]) -> None:
        messages: dict[str, str] = {}
        for error in errors:
            messages.setdefault(error.field, self.error_text(error.code, error.detail))
        self.field_errors.show(messages)
        self.banner.setText(self._fields_banner())
        self.banner.show()

    def _fields_banner(self) -> str:
        return self.tr("Not saved: check the marked fields.")

    def _on_fields_fixed(self) -> None:
        if self.banner.text() == self._fields_banner():
            self.banner.hide()

    def _check(self, key: str) -> Callable[[], str | None]:
        """What is wrong with ``key`` now, by the rules the save applies first."""

        def check() -> str | None:
            found = [e for e in validate(self.draft()) if e.field == key]
            return self.error_text(found[0].code, found[0].detail) if found else None

        return check

    def error_text(self, code: str, detail: str = "") -> str:
        shared = field_text(code, detail)
        if shared is not None:
            return shared
        texts = {
            "staff.name_required": self.tr("Enter the name."),
            "staff.name_too_long": self.tr("At most %1 characters."),
            "staff.unit_too_long": self.tr("At most %1 characters."),
            "staff.role_invalid": self.tr("Choose a role, or type the name of a new one."),
            "staff.role_too_long": self.tr("A new role's name has at most %1 characters."),
            "staff.village_required": self.tr("An information officer needs a village."),
            "staff.village_unknown": self.tr("This village no longer exists."),
            "staff.township_mismatch": self.tr("The village is not in the chosen township."),
            "staff.township_unknown": self.tr("This township no longer exists."),
            "staff.post_required": self.tr("An information officer needs post A or B."),
            "staff.post_taken": self.tr("This post is already held by %1."),
        }
        return texts.get(code, code).replace("%1", detail)

    def _show_conflict(self, exc: StaleStaff) -> None:
        current = exc.current
        if current is None:
            self.banner.setText(self.tr("Not saved: this person was removed by someone else."))
            self.banner.show()
            return
        who = exc.last_change
        before = self.base
        changes = self._differences(before, current) if before else []
        text = (
            self.tr("Not saved: %1 changed this person at %2 (%3).")
            .replace("%1", who.actor if who else self.tr("someone"))
            .replace("%2", format_time(who.at) if who else "")
            .replace("%3", "; ".join(changes) or self.tr("no visible field"))
        )
        self.banner.setText(
            text + " " + self.tr("Check the values below and save again to apply yours.")
        )
        self.banner.show()
        self.base = current  # the form keeps the user's values; the next save is based on theirs

    def _differences(self, before: StaffRow, after: StaffRow) -> list[str]:
        def place(s: StaffRow) -> str:
            return " ".join(x for x in (s.township, s.village) if x)

        fields = (
            (self.tr("name"), before.name, after.name),
            (self.tr("unit"), before.unit or "", after.unit or ""),
            (self.tr("phone"), before.phone or "", after.phone or ""),
            (self.tr("role"), role_text(before.role), role_text(after.role)),
            (self.tr("place"), place(before), place(after)),
            (self.tr("post"), before.post or "", after.post or ""),
            (self.tr("state"), self._state(before.active), self._state(after.active)),
        )
        return [f"{name} {old or '—'} → {new or '—'}" for name, old, new in fields if old != new]

    def _state(self, active: bool) -> str:
        return self.tr("active") if active else self.tr("left")

    def _clear_messages(self) -> None:
        self.banner.hide()
        self.field_errors.clear()

    # -- AB posts -------------------------------------------------------------------
    def _on_post_double_clicked(self, r: int, c: int) -> None:
        if c not in (P_A, P_B) or not 0 <= r < len(self.posts):
            return
        self.choose_holder(self.posts[r], "A" if c == P_A else "B")

    def choose_holder(self, row: PostRow, post: str) -> None:
        if not self.may_edit():
            self.posts_banner.setText(self._refusal())
            self.posts_banner.show()
            return
        candidates = [
            s
            for s in self.staff
            if s.active
            and s.role == StaffRole.INFO_OFFICER.value
            and s.township_id in (None, row.township_id)
        ]
        accepted, staff_id = self.pick_holder(row, post, candidates)
        if not accepted:
            return
        service, actor, site = self._service, self._actor, self._site
        self.posts_banner.hide()
        self._runner.submit(
            lambda: service.set_post(row.village_id, post, staff_id, actor=actor, site=site),
            lambda _row: self.reload(select=self.base.id if self.base else None),
            self._on_post_failed,
        )

    def _ask_holder(self, row: PostRow, post: str, candidates: list[StaffRow]) -> HolderChoice:
        vacant = self.tr("(vacant)")
        names = [vacant] + [
            f"{s.name} {s.phone or ''} · {s.village or ''} {s.post or ''}".strip()
            for s in candidates
        ]
        holder = row.a if post == "A" else row.b
        current = next(
            (i + 1 for i, s in enumerate(candidates) if holder and s.id == holder.staff_id), 0
        )
        # The dialog's label reads any text as rich text: names go in escaped.
        text, ok = QInputDialog.getItem(
            self,
            self.tr("Choose the holder"),
            rich_text(
                self.tr("%1 %2, post %3:")
                .replace("%1", row.township)
                .replace("%2", row.village)
                .replace("%3", post)
            ),
            names,
            current,
            False,
        )
        if not ok:
            return False, None
        index = names.index(text)
        return True, (candidates[index - 1].id if index > 0 else None)

    def _on_post_failed(self, exc: BaseException) -> None:
        code = getattr(exc, "code", "")
        texts = {
            "staff.not_info_officer": self.tr("%1 is not an information officer."),
            "staff.wrong_township": self.tr("%1 belongs to another township."),
            "staff.inactive": self.tr("%1 has left."),
        }
        if code in texts:
            text = texts[code].replace("%1", getattr(exc, "detail", ""))
        else:
            problem = classify(exc)
            text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        self.posts_banner.setText(self.tr("Not saved: %1").replace("%1", text))
        self.posts_banner.show()


# -- 账号与角色 ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountState:
    """A person's account as the 账号与角色 tab shows it."""

    staff_id: uuid.UUID
    has_account: bool
    must_change: bool
    has_pin: bool | None  # None: not known (a person who left cannot sign in)
    roles: frozenset[Role]
    grants: tuple[GrantRow, ...]


def read_account(access: AccessService, staff_id: uuid.UUID, now: datetime) -> AccountState:
    """(Off the GUI thread.) The person's account, roles and grant history."""
    has_pin = next((c.has_pin for c in access.choices(now) if c.staff_id == staff_id), None)
    return AccountState(
        staff_id,
        access.has_account(staff_id),
        access.must_change_password(staff_id),
        has_pin,
        access.roles_of(staff_id),
        tuple(access.grants(staff_id)),
    )


# Columns of the grant history.
G_ROLE, G_BY, G_AT, G_REASON, G_REVOKED_BY, G_REVOKED_AT, G_REVOKE_REASON = range(7)


class AccountPanel(QWidget):
    """账号与角色 of the person chosen in 人员与AB岗.

    Everyone sees the roles and who granted them; only who may manage accounts
    grants or revokes (with a reason) and sets another person's first
    password or PIN. A person changes their own password and PIN here too. A
    refusal (rules of passwords, no right) is said at its field, and what was
    typed stays; a secret set goes from the form at once.
    """

    loaded = Signal()  # the person's account was read and shown
    changed = Signal()  # a role, password or PIN was saved

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AccountPanel")
        self._session = session
        self._access = session.services.access
        self.person: StaffRow | None = None
        self.state: AccountState | None = None
        self._busy = False

        self.summary = make_plain(QLabel(self.tr("Choose a person in the list."), self))
        self.summary.setObjectName("account_summary")
        self.summary.setWordWrap(True)
        self.notice = make_plain(QLabel(self))  # what was just saved
        self.notice.setObjectName("account_notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #1a7f37;")
        self.notice.hide()
        self.field_errors = FieldErrors(self)

        # -- roles --
        roles_box = QGroupBox(self.tr("Roles"), self)
        self.role_checks: dict[Role, QCheckBox] = {}
        checks = QGridLayout()
        for i, role in enumerate(Role):
            check = QCheckBox(labels.label(Family.ACCESS_ROLE, role.value), roles_box)
            check.setObjectName(f"role_{role.value}")
            check.toggled.connect(self._on_role_toggled)
            self.role_checks[role] = check
            checks.addWidget(check, i // 3, i % 3)
        self.reason = QLineEdit(roles_box)
        self.reason.setObjectName("role_reason")
        self.reason.setPlaceholderText(self.tr("Why the role is granted or revoked (required)"))
        self.roles_button = QPushButton(self.tr("Save role changes"), roles_box)
        self.roles_button.setObjectName("roles_save")
        self.roles_button.clicked.connect(self.save_roles)
        self.roles_rights = make_plain(QLabel(roles_box))  # why the roles cannot be changed
        self.roles_rights.setWordWrap(True)
        self.roles_rights.setStyleSheet("color: #555;")
        self.grants = QTableWidget(0, 7, roles_box)
        self.grants.setObjectName("grant_history")
        self.grants.setHorizontalHeaderLabels(
            [
                self.tr("Role"),
                self.tr("Granted by"),
                self.tr("Granted at"),
                self.tr("Reason"),
                self.tr("Revoked by"),
                self.tr("Revoked at"),
                self.tr("Reason for revoking"),
            ]
        )
        self.grants.verticalHeader().setVisible(False)
        self.grants.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grants.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Five rows high: the password and PIN below stay in sight; more rows scroll.
        rows = self.grants.verticalHeader().defaultSectionSize()
        self.grants.setFixedHeight(self.grants.horizontalHeader().sizeHint().height() + 5 * rows)
        roles_form = QFormLayout(roles_box)
        roles_form.addRow(checks)
        roles_form.addRow(
            self.tr("Reason"),
            self.field_errors.add("roles", self.reason, watch=self._role_inputs()),
        )
        button_row = QHBoxLayout()
        button_row.addWidget(self.roles_rights, 1)
        button_row.addWidget(self.roles_button)
        roles_form.addRow(button_row)
        roles_form.addRow(QLabel(self.tr("Grant history"), roles_box))
        roles_form.addRow(self.grants)

        # -- password --
        password_box = QGroupBox(self.tr("Password"), self)
        self.old_password = _secret_field(password_box, "old_password")
        self.new_password = _secret_field(password_box, "new_password")
        self.repeat_password = _secret_field(password_box, "repeat_password")
        self.password_button = QPushButton(password_box)
        self.password_button.setObjectName("password_save")
        self.password_button.clicked.connect(self.save_password)
        self.password_hint = make_plain(QLabel(password_box))
        self.password_hint.setWordWrap(True)
        self.password_hint.setStyleSheet("color: #555;")
        self._old_label = QLabel(self.tr("Current password"), password_box)
        self._old_box = self.field_errors.add("old_password", self.old_password)
        password_form = QFormLayout(password_box)
        password_form.addRow(self.password_hint)
        password_form.addRow(self._old_label, self._old_box)
        password_form.addRow(
            self.tr("New password"),
            self.field_errors.add(
                "password",
                self.new_password,
                check=self._password_check,
                watch=[self.new_password, self.repeat_password],
            ),
        )
        password_form.addRow(self.tr("Repeat"), self.repeat_password)
        password_form.addRow("", self.password_button)

        # -- PIN --
        pin_box = QGroupBox(self.tr("PIN (for switching at a shared console)"), self)
        self.pin = _secret_field(pin_box, "new_pin")
        self.pin.setMaxLength(8)
        self.pin.setPlaceholderText(self.tr("4 to 8 digits"))
        self.pin_button = QPushButton(self.tr("Set PIN"), pin_box)
        self.pin_button.setObjectName("pin_save")
        self.pin_button.clicked.connect(self.save_pin)
        self.clear_pin_button = QPushButton(self.tr("Clear PIN"), pin_box)
        self.clear_pin_button.setObjectName("pin_clear")
        self.clear_pin_button.clicked.connect(self.clear_pin)
        pin_row = QHBoxLayout()
        pin_row.addWidget(self.field_errors.add("pin", self.pin, check=self._pin_check), 1)
        pin_row.addWidget(self.pin_button)
        pin_row.addWidget(self.clear_pin_button)
        pin_form = QFormLayout(pin_box)
        pin_form.addRow(self.tr("New PIN"), pin_row)

        body = QWidget(self)
        column = QVBoxLayout(body)
        column.addWidget(self.summary)
        column.addWidget(self.notice)
        column.addWidget(roles_box)
        column.addWidget(password_box)
        column.addWidget(pin_box)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        session.subscribe({"credential", "role_grant"}, self._on_accounts_changed, owner=self)
        session.operator_changed.connect(self._on_session_operator_changed)
        self.show_person(None)

    def _role_inputs(self) -> list[QWidget]:
        return [self.reason, *self.role_checks.values()]

    # -- who and what may be done ------------------------------------------------------
    @property
    def own(self) -> bool:
        """The person shown is the one signed in at the seat."""
        return self.person is not None and self.person.id == self._session.identity.staff_id

    def may_manage(self) -> bool:
        return self._session.may(Action.MANAGE_ACCOUNTS)

    def show_person(self, person: StaffRow | None) -> None:
        """Show ``person``'s account (None: nobody chosen). Secrets typed for
        another person go: they were meant for them."""
        if person is None or self.person is None or person.id != self.person.id:
            for field in (self.old_password, self.new_password, self.repeat_password, self.pin):
                field.clear()
            self.reason.clear()
            self.field_errors.clear()
            self.notice.hide()
            self.state = None
        self.person = person
        self._update_rights()
        if person is None:
            self.summary.setText(self.tr("Choose a person in the list."))
            self._fill_roles(frozenset())
            self.grants.setRowCount(0)
            return
        self.reload()

    def reload(self) -> None:
        person = self.person
        if person is None:
            return
        access, now, staff_id = self._access, self._session.now(), person.id
        self._session.runner.submit(
            lambda: read_account(access, staff_id, now),
            on_done=self._on_account_read,
            on_error=self._on_account_failed,
            owner=self,
            latest="account",
        )

    def _on_account_read(self, state: AccountState) -> None:
        if self.person is None or state.staff_id != self.person.id:
            return  # another person was chosen meanwhile
        keep_checks = self.state is not None and self.roles_dirty()
        self.state = state
        self.summary.setText(self._summary(state))
        if not keep_checks:  # roles being changed stay as ticked
            self._fill_roles(state.roles)
        self._fill_grants(state.grants)
        self._update_rights()
        self.loaded.emit()

    def _on_account_failed(self, exc: BaseException) -> None:
        self.summary.setText(
            self.tr("Could not read the account: %1").replace("%1", self._session.failure_text(exc))
        )
        self.loaded.emit()

    def _summary(self, state: AccountState) -> str:
        name = self.person.name if self.person is not None else ""
        if not state.has_account:
            text = self.tr("%1 has no account yet: set a first password to open one.")
            return text.replace("%1", name)
        parts = [self.tr("%1 has an account.").replace("%1", name)]
        if state.has_pin is True:
            parts.append(self.tr("PIN set."))
        elif state.has_pin is False:
            parts.append(self.tr("No PIN."))
        if state.must_change:
            parts.append(self.tr("Must change the password at the next sign-in."))
        if not state.roles:
            parts.append(self.tr("No role: cannot sign in."))
        return ("" if current_language() == "zh_CN" else " ").join(parts)

    def _fill_roles(self, roles: frozenset[Role]) -> None:
        for role, check in self.role_checks.items():
            check.blockSignals(True)
            check.setChecked(role in roles)
            check.blockSignals(False)

    def _fill_grants(self, grants: tuple[GrantRow, ...]) -> None:
        self.grants.setRowCount(len(grants))
        for r, g in enumerate(grants):
            cells = (
                labels.label(Family.ACCESS_ROLE, g.role.value),
                g.granted_by,
                format_time(g.granted_at),
                g.reason,
                g.revoked_by or "",
                format_time(g.revoked_at),
                g.revoke_reason or "",
            )
            for c, text in enumerate(cells):
                item = _cell(text)
                if not g.active:
                    item.setForeground(QBrush(QColor("#888888")))
                self.grants.setItem(r, c, item)
        self.grants.resizeColumnsToContents()

    def _update_rights(self) -> None:
        chosen = self.person is not None
        manage = self.may_manage()
        own = self.own
        identity = self._session.identity
        roles_ok = chosen and manage and not self._busy
        for check in self.role_checks.values():
            check.setEnabled(roles_ok)
        self.reason.setEnabled(roles_ok)
        self.roles_button.setEnabled(roles_ok)
        refused = not_permitted_text(identity, Action.MANAGE_ACCOUNTS)
        self.roles_rights.setText("" if manage or not chosen else refused)
        self.roles_button.setToolTip("" if manage else plain_tooltip(refused))
        secrets_ok = chosen and (own or manage) and not self._busy
        for widget in (self.new_password, self.repeat_password, self.password_button):
            widget.setEnabled(secrets_ok)
        for widget in (self.pin, self.pin_button, self.clear_pin_button):
            widget.setEnabled(secrets_ok)
        self._old_box.setVisible(own)
        self._old_label.setVisible(own)
        self.old_password.setEnabled(secrets_ok)
        if own:
            self.password_button.setText(self.tr("Change my password"))
            self.password_hint.setText(self.tr("Your own password: enter the current one first."))
        else:
            self.password_button.setText(self.tr("Set first password"))
            self.password_hint.setText(
                self.tr("The person must change this password when they first sign in with it.")
                if manage or not chosen
                else refused
            )
        for button in (self.password_button, self.pin_button, self.clear_pin_button):
            button.setToolTip("" if own or manage else plain_tooltip(refused))

    def _on_session_operator_changed(self, _identity: Identity) -> None:
        self._update_rights()

    def _on_accounts_changed(self, _records: list[ChangeRecord]) -> None:
        if self.person is not None:
            self.reload()

    def _on_role_toggled(self, _on: bool) -> None:
        self.notice.hide()

    # -- roles ------------------------------------------------------------------------------
    def ticked_roles(self) -> frozenset[Role]:
        return frozenset(r for r, c in self.role_checks.items() if c.isChecked())

    def roles_dirty(self) -> bool:
        held = self.state.roles if self.state is not None else frozenset()
        return self.ticked_roles() != held

    def set_roles(self, roles: set[Role] | frozenset[Role]) -> None:
        """Tick exactly ``roles`` (as a user would)."""
        for role, check in self.role_checks.items():
            check.setChecked(role in roles)

    def save_roles(self) -> None:
        """Grant the roles ticked and revoke those unticked, with the reason."""
        person, state = self.person, self.state
        if self._busy or person is None or state is None:
            return
        ticked = self.ticked_roles()
        grant = sorted(ticked - state.roles, key=list(Role).index)
        revoke = sorted(state.roles - ticked, key=list(Role).index)
        if not grant and not revoke:
            self.field_errors.set("roles", self.tr("No role was ticked or unticked."))
            return
        reason = self.reason.text().strip()
        if not reason:
            self.field_errors.set(
                "roles", self.tr("Say why: a role is granted or revoked with a reason.")
            )
            self.reason.setFocus()
            return
        access, staff_id = self._access, person.id

        def job() -> None:
            for role in grant:
                access.grant(staff_id, role, reason)
            for role in revoke:
                access.revoke(staff_id, role, reason)

        self._run(job, "roles", self._on_roles_saved)

    def _on_roles_saved(self) -> None:
        self.reason.clear()
        assert self.person is not None
        self._tell(self.tr("The roles of %1 were saved.").replace("%1", self.person.name))
        self.state = None  # show the roles as stored now
        self.reload()

    # -- password and PIN -------------------------------------------------------------------
    def _password_check(self) -> str | None:
        new, repeat = self.new_password.text(), self.repeat_password.text()
        if not new:
            return self.tr("Enter the new password.")
        problem = password_problem(new)
        if problem is not None:
            return problem
        if repeat != new:
            return self.tr("The two entries differ.")
        return None

    def _pin_check(self) -> str | None:
        return pin_problem(self.pin.text()) if self.pin.text() else self.tr("Enter the PIN.")

    def save_password(self) -> None:
        """Set the person's first password (they must change it), or change one's own."""
        person = self.person
        if self._busy or person is None:
            return
        own = self.own
        if own and not self.old_password.text():
            self.field_errors.set("old_password", self.tr("Enter your current password."))
            self.old_password.setFocus()
            return
        problem = self._password_check()
        if problem is not None:
            self.field_errors.set("password", problem)
            self.new_password.setFocus()
            return
        access, staff_id, new = self._access, person.id, self.new_password.text()
        if own:
            identity, old = self._session.identity, self.old_password.text()
            self._run(
                lambda: access.change_own_password(identity, old, new),
                "password",
                self._on_password_saved,
            )
        else:
            self._run(
                lambda: access.set_password(staff_id, new, must_change=True),
                "password",
                self._on_password_saved,
            )

    def _on_password_saved(self) -> None:
        assert self.person is not None
        own = self.own
        for field in (self.old_password, self.new_password, self.repeat_password):
            field.clear()
        if own:
            self._tell(self.tr("Your password was changed."))
        else:
            self._tell(
                self.tr(
                    "First password of %1 set; they must change it when they first sign in."
                ).replace("%1", self.person.name)
            )
        self.reload()

    def save_pin(self) -> None:
        person = self.person
        if self._busy or person is None:
            return
        problem = self._pin_check()
        if problem is not None:
            self.field_errors.set("pin", problem)
            self.pin.setFocus()
            return
        access, staff_id, pin = self._access, person.id, self.pin.text()
        self._run(lambda: access.set_pin(staff_id, pin), "pin", self._on_pin_saved)

    def clear_pin(self) -> None:
        person = self.person
        if self._busy or person is None:
            return
        access, staff_id = self._access, person.id
        self._run(lambda: access.set_pin(staff_id, None), "pin", self._on_pin_cleared)

    def _on_pin_saved(self) -> None:
        self.pin.clear()
        assert self.person is not None
        self._tell(self.tr("PIN of %1 set.").replace("%1", self.person.name))
        self.reload()

    def _on_pin_cleared(self) -> None:
        assert self.person is not None
        self._tell(self.tr("PIN of %1 cleared.").replace("%1", self.person.name))
        self.reload()

    # -- running ----------------------------------------------------------------------------
    def _run(self, job: Callable[[], None], field: str, done: Callable[[], None]) -> None:
        """Run a write off the GUI thread (signed by the operator now); a refusal
        is said at ``field`` and nothing typed is cleared."""
        self._set_busy(True)
        self.field_errors.clear()
        self.notice.hide()
        self._session.runner.submit(
            job,
            on_done=lambda _none: self._on_written(done),
            on_error=lambda exc: self._on_refused(field, exc),
            owner=self,
        )

    def _on_written(self, done: Callable[[], None]) -> None:
        self._set_busy(False)
        done()
        self.changed.emit()

    def _on_refused(self, field: str, exc: BaseException) -> None:
        self._set_busy(False)
        # SecretRejected and NotPermitted say themselves (app.ui.messages).
        self.field_errors.set(field, self._session.failure_text(exc))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_rights()

    def _tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def message(self, field: str) -> str:
        """The message shown at ``field`` ("" when none): roles, password,
        old_password or pin."""
        return self.field_errors.text(field)


def _secret_field(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    # No input method: a Chinese IME would show the typed letters in its window.
    field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
    return field
