"""One form for every register: add or edit a shelter, a depot, a team, a hazard site.

The form is built from the register's description
(:class:`~app.domain.registers.RegisterSpec`): a line for text, several lines
for long text, a list for a choice, ticks for several choices, a date, a
number, a township with completion, a position typed or picked on the map.
Each value is read as the import reads a cell (:func:`parse_field`), so
``3500平方米``, ``2026年5月1日`` or ``东经116度57分30秒`` are understood.

What was typed stays as typed: a refused value is said in Chinese under its
field, and the message goes as soon as the field is fixed. Saving runs off
the GUI thread; the service checks the number, the township and the rules
again; when some fields are refused already, the service's checks (a number
taken, an unknown township) run too, so every message shows at once. An edit
sends only the fields the user changed from the copy the form was opened
with, on top of the record as it is. If another seat changed the record
meanwhile, the banner says who, when, from where and what, the form keeps
this seat's values, and the user either saves again (writing only this seat's
changes onto the other version) or loads the other version (载入对方版本).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.data.errors import classify
from app.domain.access import Action
from app.domain.labels import Family, codes, label
from app.domain.registers import (
    SHELTERS,
    FieldKind,
    FieldSpec,
    RegisterSpec,
    capacity_from_area,
    format_field,
    parse_field,
    problem_text,
    record_problems,
)
from app.domain.rules import RuleViolation
from app.services.access import NotPermitted
from app.services.dto import ShelterDTO
from app.services.registers import RegisterService
from app.services.resources import ResourceService, StaleCopy
from app.ui.access.history import HistoryView
from app.ui.forms import FieldErrors, GuardedDialog
from app.ui.map.pick import PointPicker
from app.ui.messages import problem_text as database_problem_text
from app.ui.messages import unexpected_text
from app.ui.models.table import format_time
from app.ui.registers.position import LAT_OUT_OF_RANGE, LAT_OUT_OF_RANGE_TEXT, PositionEdit
from app.ui.session import AppSession

BANNER_STYLE = "color: #b30000; font-weight: bold;"

# Refusals of the register service that the domain's table does not word.
_REFUSALS: dict[str, str] = {
    "shelter.capacity_below_occupancy": "不能少于当前在住人数（{detail} 人）",
    "register.reason_required": "请填写停用原因",
    "register.already_retired": "该记录已停用",
    "register.not_retired": "该记录未停用",
    "register.shelter_occupied": "场所内还有 {detail} 人，不能停用",
    "register.retired": "已停用的避难场所不能启用",
    LAT_OUT_OF_RANGE: LAT_OUT_OF_RANGE_TEXT,
}
# Which field a service refusal belongs to.
_FIELD_OF = {
    "field.duplicate_code": "code",
    "field.unknown_township": "township",
    "shelter.capacity_below_occupancy": "capacity",
    "shelter.capacity_above_area": "capacity",
    "shelter.area_per_person": "area_per_person_m2",
}


def refusal_text(problem: RuleViolation) -> str:
    """A refusal of the registers (form, service, retire) in Chinese."""
    if problem.code == "register.team_busy":
        status = label(Family.TEAM_STATUS, problem.detail)
        return f"队伍当前“{status}”，待命或休整时才能停用"
    text = _REFUSALS.get(problem.code)
    if text is not None:
        return text.format(detail=problem.detail)
    return problem_text(problem)


def failure_text(session: AppSession, exc: BaseException) -> str:
    """Any failure of a register write, as one sentence."""
    if isinstance(exc, RuleViolation):
        return refusal_text(exc)
    if isinstance(exc, NotPermitted):
        return session.failure_text(exc)
    problem = classify(exc)
    return database_problem_text(problem, session.where) if problem else unexpected_text(exc)


class DateField(QWidget):
    """A date typed (2026-05-01, 2026/5/1, 2026年5月1日) or chosen; empty allowed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("2026-05-01")
        button = QToolButton(self)
        button.setText("日历")
        button.setToolTip("选择日期")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.calendar = QCalendarWidget(menu)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        button.setMenu(menu)
        self._menu = menu
        self.calendar.clicked.connect(self._on_calendar_clicked)
        row.addWidget(self.edit, 1)
        row.addWidget(button)

    def _on_calendar_clicked(self, day: QDate) -> None:
        self.edit.setText(day.toString("yyyy-MM-dd"))
        self._menu.close()

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)
        if text:
            self.calendar.setSelectedDate(QDate.fromString(text, "yyyy-MM-dd"))


class MultiChoice(QWidget):
    """Ticks for several codes of a family (stored comma-separated)."""

    def __init__(self, family: Family, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for n, code in enumerate(codes(family)):
            box = QCheckBox(label(family, code), self)
            box.setObjectName(f"choice_{code}")
            self.boxes[code] = box
            grid.addWidget(box, n // 3, n % 3)

    def value(self) -> str | None:
        return ",".join(code for code, box in self.boxes.items() if box.isChecked()) or None

    def set_value(self, value: str | None) -> None:
        chosen = set((value or "").split(","))
        for code, box in self.boxes.items():
            box.setChecked(code in chosen)


class RegisterFormDialog(GuardedDialog):
    """Add (``record=None``) or edit a row of the register ``spec``.

    ``saved(id)`` after a save. ``inputs`` holds each field's widget by field
    name (lon/lat: the position's boxes). ``picker`` lets the user pick the
    position on the map; ``service`` defaults to one on the session's database.
    """

    saved = Signal(uuid.UUID)

    def __init__(
        self,
        session: AppSession,
        spec: RegisterSpec,
        record: Any | None = None,
        parent: QWidget | None = None,
        *,
        picker: PointPicker | None = None,
        service: RegisterService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RegisterFormDialog")
        self._session = session
        self.spec = spec
        self.base = record  # the version the next save starts from (None: a new row)
        self.loaded = record  # the copy the user started from: what they changed is told apart
        self._service = service or RegisterService(session.db)
        self._saving = False
        verb = "新增" if record is None else "编辑"
        title = f"{verb}{spec.zh}" + (f"：{record.name}" if record is not None else "")
        self.setWindowTitle(title)

        self.banner = QLabel(self)
        self.banner.setObjectName("register_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.load_theirs = QPushButton("载入对方版本", self)
        self.load_theirs.setObjectName("load_theirs")
        self.load_theirs.setToolTip("放弃您在本表中的修改，显示对方保存的内容")
        self.load_theirs.clicked.connect(self._on_load_theirs_clicked)
        self.load_theirs.hide()
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.load_theirs, 0, Qt.AlignmentFlag.AlignTop)

        self.field_errors = FieldErrors(self)
        self.field_errors.all_cleared.connect(self._on_fields_fixed)
        self.inputs: dict[str, QWidget] = {}
        self.position = PositionEdit(self, picker)
        self.position.pick_started.connect(self._on_pick_started)
        self.position.pick_finished.connect(self._on_pick_finished)
        self.area_button: QPushButton | None = None
        page = QWidget(self)
        columns = QHBoxLayout(page)
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        split = self._split_at()
        for n, f in enumerate(spec.fields):
            form = left if n < split else right
            name = f"{f.zh}（{f.unit}）" if f.unit else f.zh
            form.addRow(("* " if f.required else "") + name, self._field_row(f, page))
            if f.kind is FieldKind.LAT:
                form.addRow("", self.position.pick_row)
        for form in (left, right):
            column = QVBoxLayout()
            column.addLayout(form)
            column.addStretch(1)  # fields keep their height; the room goes below
            columns.addLayout(column, 1)
            if form is left:
                columns.addSpacing(16)
        self._watch_record_rules()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存")
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        if not session.may(Action.EDIT_RESOURCES):
            self.save_button.setEnabled(False)
            self.save_button.setToolTip("您的角色不能修改台账（需带班领导或以上）")

        layout = QVBoxLayout(self)
        self.history: HistoryView | None = None
        if record is not None:
            self.tabs = QTabWidget(self)
            self.tabs.setObjectName("register_tabs")
            self.tabs.addTab(page, "详情")
            self.history = HistoryView(session, self.tabs)
            self.history.show_record(spec.entity, record.id)
            self.tabs.addTab(self.history, "历史")
            layout.addWidget(self.tabs, 1)
            self.fill(record)
        else:
            layout.addWidget(page, 1)
        # Above the buttons: a banner appearing does not push the fields down.
        layout.addLayout(banner_row)
        layout.addWidget(buttons)
        self.resize(1000, 560)
        self._load_townships()

    # -- building ------------------------------------------------------------------------
    def _split_at(self) -> int:
        """Where the second column starts: about half, never between longitude and latitude."""
        fields = self.spec.fields
        split = (len(fields) + 1) // 2
        if 0 < split < len(fields) and fields[split].kind is FieldKind.LAT:
            split += 1
        return split

    def _field_row(self, f: FieldSpec, parent: QWidget) -> QWidget:
        widget: QWidget
        watch: list[QWidget] | None = None
        if f.kind is FieldKind.LON:
            self.inputs[f.name] = self.position.lon_edit
            return self.field_errors.add(
                f.name,
                self.position.lon_row,
                check=self._check(f.name),
                watch=[self.position.lon_edit],
            )
        if f.kind is FieldKind.LAT:
            self.inputs[f.name] = self.position.lat_edit
            return self.field_errors.add(
                f.name,
                self.position.lat_row,
                check=self._check(f.name),
                watch=[self.position.lat_edit],
            )
        if f.kind is FieldKind.LONG_TEXT:
            edit = QPlainTextEdit(parent)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(56)
            widget = edit
        elif f.kind is FieldKind.CHOICE:
            assert f.family is not None
            combo = QComboBox(parent)
            if not f.required:
                combo.addItem("", None)
            for code in codes(f.family):
                combo.addItem(label(f.family, code), code)
            widget = combo
        elif f.kind is FieldKind.MULTI:
            assert f.family is not None
            multi = MultiChoice(f.family, parent)
            watch = list(multi.boxes.values())
            widget = multi
        elif f.kind is FieldKind.DATE:
            day = DateField(parent)
            watch = [day.edit]
            widget = day
        else:
            edit_line = QLineEdit(parent)
            if f.kind in (FieldKind.INT, FieldKind.NUMBER):
                edit_line.setAlignment(Qt.AlignmentFlag.AlignRight)
            if f.kind is FieldKind.TOWNSHIP:
                edit_line.setPlaceholderText("乡镇（街道）名称")
                self._township_model = QStringListModel(self)
                completer = QCompleter(self._township_model, edit_line)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                edit_line.setCompleter(completer)
            widget = edit_line
        widget.setObjectName(f"field_{f.name}")
        self.inputs[f.name] = widget
        shown: QWidget = widget
        if self.spec is SHELTERS and f.name == "capacity":
            shown = QWidget(parent)
            row = QHBoxLayout(shown)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(widget, 1)
            self.area_button = QPushButton("按面积计算", shown)
            self.area_button.setObjectName("capacity_from_area")
            self.area_button.setToolTip(
                "容纳人数 = 有效避难面积 ÷ 人均有效面积（向下取整，GB 21734）"
            )
            self.area_button.clicked.connect(self._on_area_button_clicked)
            row.addWidget(self.area_button)
            watch = [widget]
        return self.field_errors.add(f.name, shown, check=self._check(f.name), watch=watch)

    def _watch_record_rules(self) -> None:
        """A message that depends on another field (capacity on the area, a half
        position) is checked again when that field changes."""
        for name in self.inputs:
            self._on_change_of(name, self._recheck_shown)

    def _on_change_of(self, name: str, slot: Callable[[], None]) -> None:
        w = self.inputs[name]
        if isinstance(w, QLineEdit):
            w.textChanged.connect(lambda *_: slot())
        elif isinstance(w, DateField):
            w.edit.textChanged.connect(lambda *_: slot())

    def _recheck_shown(self) -> None:
        shown = self.field_errors.shown()
        if not shown:
            return
        messages = self.messages()
        for key in shown:
            self.field_errors.set(key, messages.get(key, ""))
        if not self.field_errors.shown():
            self._on_fields_fixed()

    # -- values ----------------------------------------------------------------------------
    def text_of(self, name: str) -> str:
        """The field's text as typed (a choice: its code)."""
        w = self.inputs[name]
        if isinstance(w, QLineEdit):
            return w.text()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, DateField):
            return w.text()
        if isinstance(w, QComboBox):
            return str(w.currentData() or "")
        if isinstance(w, MultiChoice):
            return w.value() or ""
        raise AssertionError(name)

    def read(self) -> tuple[dict[str, Any], dict[str, RuleViolation]]:
        """The parsed values by field name, and the problems by field (the rules
        across fields only where each field reads)."""
        values: dict[str, Any] = {}
        problems: dict[str, RuleViolation] = {}
        for f in self.spec.fields:
            try:
                if f.kind is FieldKind.LON:
                    values[f.name] = self.position.parse("lon")
                elif f.kind is FieldKind.LAT:
                    values[f.name] = self.position.parse("lat")
                else:
                    values[f.name] = parse_field(f, self.text_of(f.name))
            except RuleViolation as exc:
                values[f.name] = None
                problems[f.name] = exc
        readable = {k: v for k, v in values.items() if k not in problems}
        base, capacity = self.base, readable.get("capacity")
        # As the service will check (with the people inside at saving time).
        if (
            isinstance(base, ShelterDTO)
            and capacity is not None
            and "capacity" not in problems
            and capacity != base.capacity
            and capacity < base.occupancy
        ):
            problems["capacity"] = RuleViolation(
                "shelter.capacity_below_occupancy", str(base.occupancy)
            )
        for name, problem in record_problems(self.spec, readable).items():
            problems.setdefault(name, problem)
        if self.position.picked_on_map:
            values["coord_source"] = "map"
        return values, problems

    def messages(self) -> dict[str, str]:
        return {name: refusal_text(p) for name, p in self.read()[1].items()}

    def _check(self, name: str) -> Callable[[], str | None]:
        return lambda: self.messages().get(name)

    def fill(self, record: Any) -> None:
        """Show ``record``'s values (a DTO with the spec's fields as attributes)."""
        for f in self.spec.fields:
            value = getattr(record, f.name, None)
            w = self.inputs[f.name]
            if f.kind in (FieldKind.LON, FieldKind.LAT):
                continue
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)) if value is not None else 0)
            elif isinstance(w, MultiChoice):
                w.set_value(value)
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(format_field(f, value))
            elif isinstance(w, DateField):
                w.setText(value.isoformat() if isinstance(value, date) else "")
            elif isinstance(w, QLineEdit):
                w.setText(_number_text(value) if f.kind in _NUMBERS else format_field(f, value))
        self.position.set_position(record.lon, record.lat)
        self.position.picked_on_map = False

    # -- shelters: capacity from the area ----------------------------------------------------
    def _on_area_button_clicked(self) -> None:
        values, problems = self.read()
        area, per = values.get("effective_area_m2"), values.get("area_per_person_m2")
        if "effective_area_m2" in problems or "area_per_person_m2" in problems:
            self._show_messages(self.messages())
            return
        if area is None or not per:
            self.field_errors.set("capacity", "请先填写有效避难面积和人均有效面积（大于 0）")
            return
        try:
            capacity = capacity_from_area(area, per)
        except RuleViolation as exc:
            self.field_errors.set("area_per_person_m2", refusal_text(exc))
            return
        capacity_edit = self.inputs["capacity"]
        assert isinstance(capacity_edit, QLineEdit)
        capacity_edit.setText(str(capacity))
        self.field_errors.set("capacity", "")

    # -- picking on the map -------------------------------------------------------------------
    def _on_pick_started(self) -> None:
        self.hide()  # a modal form would keep the click from the map

    def _on_pick_finished(self) -> None:
        self.show()
        if QGuiApplication.platformName() != "offscreen":  # no windows to raise there
            self.raise_()
            self.activateWindow()

    def done(self, result: int) -> None:
        self.position.stop_picking()
        super().done(result)

    # -- townships --------------------------------------------------------------------------
    def _load_townships(self) -> None:
        if not hasattr(self, "_township_model"):
            return
        resources = ResourceService(self._session.db)
        self._session.runner.submit(
            lambda: [t.name for t in resources.townships()],
            self._on_townships_read,
            lambda _exc: None,  # completion is a help; the service checks the name
            owner=self,
        )

    def _on_townships_read(self, names: list[str]) -> None:
        self._township_model.setStringList(names)

    # -- messages ------------------------------------------------------------------------------
    _FIELDS_BANNER = "未保存：请修改标红的内容。"

    def _show_messages(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        if messages:
            self.banner.setText(self._FIELDS_BANNER)
            self.banner.show()

    def _on_fields_fixed(self) -> None:
        if self.banner.text() == self._FIELDS_BANNER:
            self.banner.hide()

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        """Check every field, then save off the GUI thread (the form stays open until it is)."""
        if self._saving:
            return
        values, problems = self.read()
        service, spec, base = self._service, self.spec, self.base
        record_id = base.id if base is not None else None
        self._save_token = getattr(self, "_save_token", 0) + 1
        if problems:
            # Refused here already (the form stays free to edit and save again);
            # the service's checks run too, on what did read, so that every
            # message shows at once. A result that comes back after another
            # save, or for a field typed again since, is not shown.
            readable = {k: v for k, v in values.items() if k not in problems}
            self._show_messages({k: refusal_text(p) for k, p in problems.items()})
            token = self._save_token

            def check() -> dict[str, RuleViolation]:
                return service.problems(spec.kind, readable, record_id)

            def checked(found: dict[str, RuleViolation]) -> None:
                if token != self._save_token:
                    return
                now, still = self.read()
                merged = {k: refusal_text(p) for k, p in still.items()}
                for name, problem in found.items():
                    if (
                        name in readable
                        and problem.code != "field.required"
                        and now.get(name) == readable[name]
                    ):
                        merged.setdefault(name, refusal_text(problem))
                self._show_messages(merged)

            self._session.runner.submit(check, checked, self._on_check_failed, owner=self)
            return
        self._saving = True
        self.save_button.setEnabled(False)
        actor, site = self._session.user, self._session.site
        fields = self.changed_fields(values) if self.loaded is not None else None

        def work() -> tuple[str, Any]:
            found = service.problems(spec.kind, values, record_id)
            if found:
                return "problems", found
            if base is None:
                return "saved", service.create(spec.kind, values, actor=actor, site=site)
            service.update(
                spec.kind, base.id, base.version, values, actor=actor, site=site, fields=fields
            )
            return "saved", base.id

        self._session.runner.submit(work, self._on_saved, self._on_save_failed, owner=self)

    def changed_fields(self, values: dict[str, Any]) -> list[str]:
        """The fields whose values differ from the copy the user started from
        (with ``coord_source`` when the position was picked on the map)."""
        loaded = self.loaded
        changed = [
            f.name
            for f in self.spec.fields
            if not _same(f, values.get(f.name), getattr(loaded, f.name, None))
        ]
        if "coord_source" in values:
            changed.append("coord_source")
        return changed

    def _on_saved(self, result: tuple[str, Any]) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        kind, payload = result
        if kind == "problems":
            self._show_messages({k: refusal_text(p) for k, p in payload.items()})
            return
        self.discard_guard.mark_clean()
        self.saved.emit(payload)
        self.accept()

    def _on_check_failed(self, exc: BaseException) -> None:
        """The service's checks could not run: the form's own messages stay."""
        self._session.report_failure(exc)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, StaleCopy):
            self._show_conflict(exc)
            return
        if isinstance(exc, RuleViolation):
            field = _FIELD_OF.get(exc.code)
            if exc.code == "field.required":
                field = next((f.name for f in self.spec.fields if f.zh == exc.detail), None)
            if field is not None:
                self._show_messages({field: refusal_text(exc)})
                return
        self.banner.setText("未保存：" + failure_text(self._session, exc))
        self.banner.show()

    def _show_conflict(self, exc: StaleCopy) -> None:
        """Say who changed what; the form keeps this seat's values."""
        current = exc.current
        if current is None:
            self.banner.setText("未保存：此记录已不存在。")
            self.banner.show()
            self.save_button.setEnabled(False)
            return
        who = exc.last_change
        person = who.actor if who else "其他人"
        when = format_time(who.at) if who else ""
        where = who.origin_site if who else ""
        changes = self.differences(self.base, current)
        what = "；".join(changes) or "无可见字段"
        text = f"未保存：{person} 于 {when}（{where}）修改了此记录：{what}。"
        if current.retired_at is not None:
            text += " 该记录已被停用。"
        self.banner.setText(
            text + " 下方仍是您填写的内容：再次保存只写入您改动的字段（对方的其他修改保留），"
            "或点击“载入对方版本”。"
        )
        self.banner.show()
        self.load_theirs.show()
        self._theirs = current
        self.base = current  # the next save is based on theirs, knowingly

    def differences(self, before: Any, after: Any) -> list[str]:
        """``字段 旧 → 新`` for every field of the spec that differs."""
        out = []
        for f in self.spec.fields:
            old = _shown(f, getattr(before, f.name, None))
            new = _shown(f, getattr(after, f.name, None))
            if old != new:
                out.append(f"{f.zh} {old or '—'} → {new or '—'}")
        return out

    def _on_load_theirs_clicked(self) -> None:
        theirs = getattr(self, "_theirs", None)
        if theirs is None:
            return
        self.fill(theirs)
        self.base = theirs
        self.loaded = theirs
        self.field_errors.clear()
        self.banner.hide()
        self.load_theirs.hide()
        self.discard_guard.mark_clean()


_NUMBERS = (FieldKind.INT, FieldKind.NUMBER)


def _number_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _same(f: FieldSpec, value: Any, loaded: Any) -> bool:
    """``value`` (parsed from the form) is what the copy held (``loaded``)."""
    if f.kind in (FieldKind.LON, FieldKind.LAT, FieldKind.NUMBER):
        if value is None or loaded is None:
            return value is None and loaded is None
        return abs(float(value) - float(loaded)) < 1e-9
    if isinstance(value, str) and isinstance(loaded, str):
        return value.strip() == loaded.strip()
    if value in (None, "") or loaded in (None, ""):
        return value in (None, "") and loaded in (None, "")
    if value == loaded:
        return True
    return _shown(f, value) == _shown(f, loaded)


def _shown(f: FieldSpec, value: Any) -> str:
    if f.kind in _NUMBERS:
        return _number_text(value)
    if f.kind in (FieldKind.LON, FieldKind.LAT):
        return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")
    return format_field(f, value)
