"""Resource registers as lists: hazard sites, shelters, supply depots, rescue teams.

Each tab is a searchable, sortable table with its buttons above it, in two
rows: the record's own (新增…, 编辑…, 停用…, 恢复, 详情 — also a double click —,
显示已停用, and on shelters 启用/关闭 and 入住/离开登记), then the work others
add (:meth:`ResourcePanel.add_row_action`, :meth:`ResourcePanel.add_layer_action`:
导入…, 周边查询…, 转移安置…, 库存…). Each row wraps on a narrow dock, so no
button is ever folded away. A button for a write the person at the seat may
not make is disabled and says why.

The rows in service are the map's rows: the window reads them once for both
(``show_data``) and keeps both current with the same diffs
(``apply_changes``). With 显示已停用 ticked a tab reads its register again,
retired rows included (greyed), whenever that register changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractProxyModel,
    QItemSelection,
    QModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QInputDialog,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.access import Action
from app.domain.clock import china_date
from app.domain.coords import FLAG_TEXT, PositionFlag
from app.domain.labels import SHELTER_FULL, Family, label
from app.domain.registers import REGISTERS
from app.services.dto import DepotDTO, HazardDTO, MapChanges, MapData, ShelterDTO, TeamDTO
from app.services.registers import RegisterService
from app.services.resources import ResourceService
from app.ui import labels
from app.ui.map.pick import PointPicker
from app.ui.messages import not_permitted_text
from app.ui.models.folding import FoldingFilterProxyModel
from app.ui.models.table import Column, DtoTableModel
from app.ui.panel import RISK_COLORS, WARNING_BACKGROUND, make_table
from app.ui.plain import plain_tooltip
from app.ui.session import AppSession

LAYERS = ("hazards", "shelters", "depots", "teams")
RETIRED_COLOR = QColor("#8a8a8a")
FLAG_COLOR = QColor("#b35900")


@dataclass
class _RowAction:
    button: QPushButton
    text: str
    callback: Callable[[Any], None]
    action: Action | None
    enabled: Callable[[Any], bool] | None


@dataclass
class _LayerAction:
    button: QPushButton
    action: Action | None


def _retired_name(row: Any) -> str:
    return f"{row.name}（已停用）" if getattr(row, "retired_at", None) else row.name


def _grey_if_retired(row: Any) -> QColor | None:
    return RETIRED_COLOR if getattr(row, "retired_at", None) else None


def _flags_text(row: Any) -> str:
    return "；".join(FLAG_TEXT[PositionFlag(code)] for code in row.flags)


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def insert_widget(self, index: int, widget: QWidget) -> None:
        """``widget`` at ``index`` (before the item there)."""
        self.addChildWidget(widget)
        self.addWidget(widget)
        item = self._items.pop()
        self._items.insert(index, item)
        self.invalidate()

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _visible(self) -> list[QLayoutItem]:
        out = []
        for item in self._items:
            widget = item.widget()
            if widget is None or not widget.isHidden():
                out.append(item)
        return out

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._visible():
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


class ReasonDialog(QInputDialog):
    """Asks for the reason to retire a record; stays open until one is given or cancelled."""

    REQUIRED = "请填写停用原因"

    def __init__(self, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retire_reason")
        self.setWindowTitle("停用")
        self.setInputMode(QInputDialog.InputMode.TextInput)
        self._prompt = prompt
        self.setLabelText(prompt)
        self.setOkButtonText("停用")
        self.setCancelButtonText("取消")

    def done(self, result: int) -> None:
        if result == QDialog.DialogCode.Accepted and not self.textValue().strip():
            self.setLabelText(f"{self.REQUIRED}。\n{self._prompt}")
            return  # asked again: the dialog stays open
        super().done(result)


class ResourcePanel(QWidget):
    """Tabs of resource tables with a filter box and a toolbar per tab.

    ``row_selected(layer, id)`` when a row is selected. Without a session the
    panel only lists (no toolbar buttons that write).
    """

    row_selected = Signal(str, uuid.UUID)
    loaded = Signal()
    occupancy_requested = Signal(object)  # ShelterDTO: 入住/离开登记
    record_saved = Signal(str, uuid.UUID)  # layer, id: added or edited through the form
    told = Signal(str)  # a notice for the status bar (停用, 恢复, 启用, refusals)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        session: AppSession | None = None,
        picker: PointPicker | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ResourcePanel")
        self.has_loaded = False
        self._session = session
        self.picker = picker
        self.hazards = DtoTableModel(self._hazard_columns(), self)
        self.shelters = DtoTableModel(self._shelter_columns(), self)
        self.depots = DtoTableModel(self._depot_columns(), self)
        self.teams = DtoTableModel(self._team_columns(), self)
        self.models: dict[str, DtoTableModel[Any]] = {
            "hazards": self.hazards,
            "shelters": self.shelters,
            "depots": self.depots,
            "teams": self.teams,
        }

        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText(self.tr("Filter by name, township, contact…"))
        self._filter.setClearButtonEnabled(True)
        self.tabs = QTabWidget(self)
        self._proxies: list[FoldingFilterProxyModel] = []
        self._views: dict[str, QTableView] = {}
        # Each tab's rows of buttons: the record's own, then the work others add.
        self._record_rows: dict[str, FlowLayout] = {}
        self._work_rows: dict[str, FlowLayout] = {}
        self._adding_own = False
        self._row_actions: dict[str, list[_RowAction]] = {layer: [] for layer in LAYERS}
        self._layer_actions: dict[str, list[_LayerAction]] = {layer: [] for layer in LAYERS}
        self.show_retired: dict[str, QCheckBox] = {}
        for layer, title in (
            ("hazards", self.tr("Hazard sites")),
            ("shelters", self.tr("Shelters")),
            ("depots", self.tr("Supply depots")),
            ("teams", self.tr("Rescue teams")),
        ):
            self.tabs.addTab(self._make_tab(layer), title)
        self._filter.textChanged.connect(self._on_filter_text_changed)

        self._add_own_actions()
        # Kept by name: the shelters' 入住/离开登记 button.
        self.occupancy_button = self.button("shelters", "shelter_occupancy")
        if session is not None:
            session.operator_changed.connect(lambda _identity: self._update_buttons())
        self._update_buttons()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._filter)
        layout.addWidget(self.tabs)

    def _make_tab(self, layer: str) -> QWidget:
        page = QWidget(self)
        page.setObjectName(f"{layer}_page")
        model = self.models[layer]
        view, proxy = make_table(model, page)  # a FoldingFilterProxyModel
        view.setObjectName(f"{layer}_table")
        self._proxies.append(proxy)
        self._views[layer] = view
        view.selectionModel().selectionChanged.connect(
            lambda sel, _old, layer=layer: self._on_view_selection_changed(layer, sel)
        )
        view.doubleClicked.connect(lambda _index, layer=layer: self._on_view_double_clicked(layer))
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(
            lambda pos, layer=layer: self._on_view_context_menu(layer, pos)
        )
        # Two rows of buttons that wrap on a narrow dock: nothing is folded away.
        toolbar = QWidget(page)
        toolbar.setObjectName(f"{layer}_toolbar")
        rows = QVBoxLayout(toolbar)
        rows.setContentsMargins(2, 0, 2, 0)
        rows.setSpacing(3)
        record_row, work_row = FlowLayout(), FlowLayout()
        rows.addLayout(record_row)
        rows.addLayout(work_row)
        retired = QCheckBox("显示已停用", toolbar)
        retired.setObjectName(f"{layer}_show_retired")
        retired.setToolTip("列出已停用的记录（灰色）；它们不在地图上")
        retired.setEnabled(self._session is not None)
        retired.toggled.connect(lambda on, layer=layer: self._on_show_retired_toggled(layer, on))
        record_row.addWidget(retired)
        self.show_retired[layer] = retired
        self._record_rows[layer] = record_row
        self._work_rows[layer] = work_row
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 2, 0, 0)
        column.setSpacing(2)
        column.addWidget(toolbar)
        column.addWidget(view, 1)
        return page

    # -- hooks for actions -------------------------------------------------------------
    def add_row_action(
        self,
        layer: str,
        text: str,
        callback: Callable[[Any], None],
        *,
        object_name: str,
        action: Action | None = None,
        enabled: Callable[[Any], bool] | None = None,
    ) -> QPushButton:
        """A toolbar button and a context-menu entry of ``layer`` ("hazards",
        "shelters", "depots", "teams") calling ``callback(dto)`` with the selected
        row as the list shows it. Disabled without a selected row, when
        ``enabled(dto)`` is False, or (saying why) when the person at the seat may
        not make writes of kind ``action``."""
        button = QPushButton(text, self)
        button.setObjectName(object_name)
        entry = _RowAction(button, text, callback, action, enabled)
        button.clicked.connect(lambda: self._run_row_action(layer, entry))
        self._insert_button(layer, button)
        self._row_actions[layer].append(entry)
        self._update_buttons(layer)
        return button

    def add_layer_action(
        self,
        layer: str,
        text: str,
        callback: Callable[[], None],
        *,
        object_name: str,
        action: Action | None = None,
    ) -> QPushButton:
        """A toolbar button of ``layer`` that needs no row (新增…, 导入…): ``callback()``;
        disabled, saying why, when the person at the seat may not make ``action``."""
        button = QPushButton(text, self)
        button.setObjectName(object_name)
        button.clicked.connect(lambda: callback())
        self._insert_button(layer, button)
        self._layer_actions[layer].append(_LayerAction(button, action))
        self._update_buttons(layer)
        return button

    def button(self, layer: str, object_name: str) -> QPushButton:
        """The toolbar button called ``object_name`` on ``layer``'s tab."""
        buttons = [e.button for e in self._row_actions[layer]]
        buttons += [e.button for e in self._layer_actions[layer]]
        for button in buttons:
            if button.objectName() == object_name:
                return button
        raise KeyError(object_name)

    def _insert_button(self, layer: str, button: QPushButton) -> None:
        """The panel's own buttons on the first row (before 显示已停用), the rest on the second."""
        if self._adding_own:
            row = self._record_rows[layer]
            row.insert_widget(row.count() - 1, button)
        else:
            self._work_rows[layer].insert_widget(self._work_rows[layer].count(), button)

    def _set_button_visible(self, button: QPushButton, visible: bool) -> None:
        button.setVisible(visible)

    def _refusal(self, action: Action | None) -> str | None:
        """Why the person at the seat may not make ``action`` (None: they may)."""
        session = self._session
        if action is None:
            return None
        if session is None:
            return "未登录"
        if session.may(action):
            return None
        return not_permitted_text(session.identity, action)

    def _update_buttons(self, layer: str | None = None) -> None:
        for name in [layer] if layer else LAYERS:
            row = self.selected(name)
            for entry in self._row_actions[name]:
                refused = self._refusal(entry.action)
                ok = row is not None and refused is None
                if ok and entry.enabled is not None:
                    ok = entry.enabled(row)
                entry.button.setEnabled(ok)
                entry.button.setToolTip(plain_tooltip(refused) if refused else "")
            for layer_entry in self._layer_actions[name]:
                refused = self._refusal(layer_entry.action)
                layer_entry.button.setEnabled(refused is None)
                layer_entry.button.setToolTip(plain_tooltip(refused) if refused else "")

    def _run_row_action(self, layer: str, entry: _RowAction) -> None:
        row = self.selected(layer)
        if row is not None and self._refusal(entry.action) is None:
            entry.callback(row)

    # -- the panel's own actions -------------------------------------------------------
    def _add_own_actions(self) -> None:
        self._adding_own = True
        try:
            self._add_record_actions()
        finally:
            self._adding_own = False

    def _add_record_actions(self) -> None:
        edit = Action.EDIT_RESOURCES
        for layer in LAYERS:
            if self._session is not None:
                self.add_layer_action(
                    layer,
                    "新增…",
                    partial(self.open_form, layer),
                    object_name=f"{layer}_add",
                    action=edit,
                )
                self.add_row_action(
                    layer,
                    "编辑…",
                    partial(self.open_form, layer),
                    object_name=f"{layer}_edit",
                    action=edit,
                    enabled=lambda row: row.retired_at is None,
                )
                self.add_row_action(
                    layer,
                    "停用…",
                    partial(self.retire, layer),
                    object_name=f"{layer}_retire",
                    action=edit,
                    enabled=lambda row: row.retired_at is None,
                )
                self.add_row_action(
                    layer,
                    "恢复",
                    partial(self.restore, layer),
                    object_name=f"{layer}_restore",
                    action=edit,
                    enabled=lambda row: row.retired_at is not None,
                )
                self.add_row_action(
                    layer,
                    "详情",
                    partial(self.open_details, layer),
                    object_name=f"{layer}_details",
                )
        if self._session is not None:
            self.add_row_action(
                "shelters",
                "启用/关闭",
                self.toggle_open,
                object_name="shelter_open_close",
                action=Action.RECORD_MOVEMENT,
                enabled=lambda row: row.retired_at is None,
            )
        self.add_row_action(
            "shelters",
            self.tr("Check in / out…"),
            self.occupancy_requested.emit,
            object_name="shelter_occupancy",
            enabled=lambda row: row.retired_at is None,
        )
        for layer in LAYERS:
            restore = [e for e in self._row_actions[layer] if e.text == "恢复"]
            for entry in restore:
                self._set_button_visible(entry.button, False)  # shown with 显示已停用

    def open_form(self, layer: str, row: Any | None = None) -> Any:
        """The shared form for a new row of ``layer`` (``row`` None) or to edit ``row``."""
        from app.ui.registers.form import RegisterFormDialog

        assert self._session is not None
        dialog = RegisterFormDialog(
            self._session, REGISTERS[layer], row, self.window(), picker=self.picker
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda record_id: self.record_saved.emit(layer, record_id))
        dialog.open()
        return dialog

    def open_details(self, layer: str, row: Any) -> Any:
        from app.ui.registers.details import RegisterDetailsDialog

        assert self._session is not None
        dialog = RegisterDetailsDialog(self._session, REGISTERS[layer], row, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def ask_retire_reason(self, layer: str, row: Any) -> ReasonDialog:
        """停用…: the reason asked for (again, while empty); then :meth:`retire`."""
        dialog = ReasonDialog(
            f"停用“{row.name}”的原因（记录不会删除，可在“显示已停用”中找到并恢复）：",
            self.window(),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(
            lambda text: self.retire(layer, row, text.strip()) if text.strip() else None
        )
        dialog.open()
        return dialog

    def retire(self, layer: str, row: Any, reason: str | None = None) -> None:
        """停用: asks for the reason (unless given), then retires off the GUI thread."""
        if reason is None:
            self.ask_retire_reason(layer, row)
            return
        session = self._session
        assert session is not None
        service = RegisterService(session.db)
        session.runner.submit(
            lambda: service.retire(
                layer, row.id, row.version, reason or "", actor=session.user, site=session.site
            ),
            lambda _none: self._told(f"已停用：{row.name}"),
            self._on_write_failed,
            owner=self,
        )

    def restore(self, layer: str, row: Any) -> None:
        session = self._session
        assert session is not None
        service = RegisterService(session.db)
        session.runner.submit(
            lambda: service.restore(
                layer, row.id, row.version, actor=session.user, site=session.site
            ),
            lambda _none: self._told(f"已恢复：{row.name}"),
            self._on_write_failed,
            owner=self,
        )

    def toggle_open(self, row: ShelterDTO) -> None:
        """启用 a closed shelter or close an open one (opened_at/closed_at: now)."""
        session = self._session
        assert session is not None
        service = RegisterService(session.db)
        opening = not row.is_open
        session.runner.submit(
            lambda: service.set_open(
                row.id, row.version, opening, actor=session.user, site=session.site
            ),
            lambda _none: self._told(f"{'已启用' if opening else '已关闭'}：{row.name}"),
            self._on_write_failed,
            owner=self,
        )

    def _told(self, text: str) -> None:
        self.told.emit(text)

    def _on_write_failed(self, exc: BaseException) -> None:
        from app.ui.registers.form import failure_text

        assert self._session is not None
        self.told.emit("未完成：" + failure_text(self._session, exc))

    # -- data ---------------------------------------------------------------------------
    def show_data(self, data: MapData) -> None:
        for layer, rows in (
            ("hazards", data.hazards),
            ("shelters", data.shelters),
            ("depots", data.depots),
            ("teams", data.teams),
        ):
            if self.show_retired[layer].isChecked():
                self._load_with_retired(layer)
            else:
                self.models[layer].set_rows(rows)
        self.has_loaded = True
        self.loaded.emit()
        self._update_buttons()

    def apply_changes(self, changes: MapChanges) -> None:
        """Update the rows that changed, in place: no reload, selection and scroll kept."""
        touched: set[str] = set()
        for layer, rows in (
            ("hazards", changes.hazards),
            ("shelters", changes.shelters),
            ("depots", changes.depots),
            ("teams", changes.teams),
        ):
            if rows:
                touched.add(layer)
                if not self.show_retired[layer].isChecked():
                    self.models[layer].upsert(rows)
        removed: dict[str, list[uuid.UUID]] = {}
        for layer, entity_id in changes.removed:
            if layer in self.models:
                touched.add(layer)
                removed.setdefault(layer, []).append(uuid.UUID(entity_id))
        for layer, ids in removed.items():
            if not self.show_retired[layer].isChecked():
                self.models[layer].remove_ids(ids)
        for layer in touched:
            if self.show_retired[layer].isChecked():
                self._load_with_retired(layer)
        self._update_buttons()

    def _on_show_retired_toggled(self, layer: str, on: bool) -> None:
        for entry in self._row_actions[layer]:
            if entry.text == "恢复":
                self._set_button_visible(entry.button, on)
        self._load_with_retired(layer, include_retired=on)

    def _load_with_retired(self, layer: str, *, include_retired: bool = True) -> None:
        session = self._session
        if session is None:
            return
        resources = ResourceService(session.db)
        today = china_date(session.now())
        fetch: dict[str, Callable[[], list[Any]]] = {
            "hazards": lambda: list(resources.hazards(include_retired=include_retired)),
            "shelters": lambda: list(resources.shelters(include_retired=include_retired)),
            "depots": lambda: list(resources.depots(today, include_retired=include_retired)),
            "teams": lambda: list(resources.teams(include_retired=include_retired)),
        }
        session.runner.submit(
            fetch[layer],
            lambda rows: self._on_layer_read(layer, rows),
            session.report_failure,
            owner=self,
            latest=f"layer-{layer}",
        )

    def _on_layer_read(self, layer: str, rows: list[Any]) -> None:
        model = self.models[layer]
        model.upsert(rows)
        wanted = {r.id for r in rows}
        model.remove_ids([r.id for r in model.rows() if r.id not in wanted])
        self._update_buttons(layer)

    # -- selection ------------------------------------------------------------------------
    def _on_filter_text_changed(self, text: str) -> None:
        for proxy in self._proxies:
            proxy.set_filter_text(text)

    def _row_at(self, layer: str, index: QModelIndex) -> Any | None:
        if not index.isValid():
            return None
        proxy = self._views[layer].model()
        assert isinstance(proxy, QAbstractProxyModel)
        return self.models[layer].row_at(proxy.mapToSource(index).row())

    def selected(self, layer: str) -> Any | None:
        """The row selected in ``layer``'s list (its DTO as the list shows it now), or None."""
        rows = self._views[layer].selectionModel().selectedRows()
        return self._row_at(layer, rows[0]) if rows else None

    def selected_shelter(self) -> ShelterDTO | None:
        """The shelter selected in the list, as the list shows it now."""
        row = self.selected("shelters")
        return row if isinstance(row, ShelterDTO) else None

    def select(self, layer: str, entity_id: uuid.UUID) -> bool:
        """Select ``entity_id``'s row in ``layer`` and show its tab; False when not listed."""
        model = self.models[layer]
        row = model.row_of_id(entity_id)
        if row is None:
            return False
        view = self._views[layer]
        proxy = view.model()
        assert isinstance(proxy, QAbstractProxyModel)
        index = proxy.mapFromSource(model.index(row, 0))
        if not index.isValid():
            return False
        self.tabs.setCurrentIndex(LAYERS.index(layer))
        view.selectRow(index.row())
        view.scrollTo(index)
        return True

    def context_actions(
        self, index: QModelIndex, menu: QMenu, layer: str = "shelters"
    ) -> list[QAction]:
        """The actions of a row's context menu on ``layer``'s list (none off a row)."""
        row = self._row_at(layer, index)
        if row is None:
            return []
        out: list[QAction] = []
        for entry in self._row_actions[layer]:
            if entry.text == "恢复" and not self.show_retired[layer].isChecked():
                continue
            refused = self._refusal(entry.action)
            ok = refused is None and (entry.enabled is None or entry.enabled(row))
            qaction = QAction(entry.text, menu)
            qaction.setEnabled(ok)
            if refused:
                qaction.setToolTip(refused)
            qaction.triggered.connect(lambda _=False, e=entry, r=row: e.callback(r))
            out.append(qaction)
        return out

    def _on_view_context_menu(self, layer: str, pos: QPoint) -> None:
        view = self._views[layer]
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        actions = self.context_actions(view.indexAt(pos), menu, layer)
        if actions:
            menu.addActions(actions)
            menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _on_view_double_clicked(self, layer: str) -> None:
        row = self.selected(layer)
        if row is not None and self._session is not None:
            self.open_details(layer, row)

    def _on_view_selection_changed(self, layer: str, sel: QItemSelection) -> None:
        self._update_buttons(layer)
        indexes = sel.indexes()
        if not indexes:
            return
        row = self._row_at(layer, indexes[0])
        if row is not None:
            self.row_selected.emit(layer, row.id)

    # -- columns ----------------------------------------------------------------------------
    def _name_column(self) -> Column[Any]:
        return Column(
            self.tr("Name"), lambda r: r.name, display=_retired_name, foreground=_grey_if_retired
        )

    def _flags_column(self) -> Column[Any]:
        return Column(
            "位置提示",
            _flags_text,
            foreground=lambda r: FLAG_COLOR if r.flags else None,
        )

    def _hazard_columns(self) -> list[Column[HazardDTO]]:
        return [
            self._name_column(),
            Column(self.tr("Type"), lambda h: labels.hazard_type(h.hazard_type)),
            Column(
                self.tr("Risk level"),
                lambda h: h.risk_level,
                display=lambda h: labels.risk_level(h.risk_level),
                foreground=lambda h: RISK_COLORS.get(h.risk_level),
            ),
            Column(self.tr("Township"), lambda h: h.township),
            Column(
                "整改状态",
                lambda h: (
                    label(Family.RECTIFICATION, h.rectification_state)
                    if h.rectification_state
                    else ""
                ),
            ),
            Column(self.tr("Rectify by"), lambda h: h.rectification_deadline),
            Column(
                "督办",
                lambda h: label(Family.SUPERVISION, h.supervision) if h.supervision else "",
            ),
            Column(self.tr("Responsible unit"), lambda h: h.responsible_unit),
            Column(self.tr("Contact"), lambda h: h.contact_name),
            Column(self.tr("Phone"), lambda h: h.contact_phone),
            Column(self.tr("Monitoring"), lambda h: h.monitoring_status),
            self._flags_column(),
        ]

    def _depot_columns(self) -> list[Column[DepotDTO]]:
        return [
            self._name_column(),
            Column(self.tr("Level"), lambda d: labels.depot_level(d.level)),
            Column(self.tr("Township"), lambda d: d.township),
            Column(self.tr("Items"), lambda d: d.item_count, align_right=True),
            Column(
                self.tr("Needs attention"),
                lambda d: d.attention_count,
                display=lambda d: str(d.attention_count) if d.attention_count else "",
                background=lambda d: WARNING_BACKGROUND if d.attention_count else None,
                align_right=True,
            ),
            Column(self.tr("Manager"), lambda d: d.manager),
            Column(self.tr("Phone"), lambda d: d.phone),
            Column("协议企业", lambda d: d.company),
            Column("协议截止", lambda d: d.contract_end),
            Column("编号", lambda d: d.code),
            self._flags_column(),
        ]

    def _shelter_columns(self) -> list[Column[ShelterDTO]]:
        def state_background(s: ShelterDTO) -> QColor | None:
            # Full, or 90 % and more: worth a look before sending anyone there.
            if s.nearly_full or s.state == SHELTER_FULL:
                return WARNING_BACKGROUND
            return None

        return [
            self._name_column(),
            Column(self.tr("Type"), lambda s: labels.shelter_type(s.shelter_type)),
            Column(self.tr("Capacity"), lambda s: s.capacity, align_right=True),
            Column(self.tr("Occupancy"), lambda s: s.occupancy, align_right=True),
            Column(
                self.tr("State"),
                lambda s: s.state,
                display=lambda s: labels.shelter_state_label(s.state),
                background=state_background,
            ),
            Column(self.tr("Township"), lambda s: s.township),
            Column(self.tr("Manager"), lambda s: s.manager),
            Column(self.tr("Phone"), lambda s: s.phone),
            Column(
                "避难期类型",
                lambda s: (
                    label(Family.SHELTER_DURATION, s.duration_kind) if s.duration_kind else ""
                ),
            ),
            Column("级别", lambda s: label(Family.SHELTER_LEVEL, s.level) if s.level else ""),
            Column("编号", lambda s: s.code),
            self._flags_column(),
        ]

    def _team_columns(self) -> list[Column[TeamDTO]]:
        return [
            self._name_column(),
            Column(self.tr("Type"), lambda t: labels.team_type(t.team_type)),
            Column(self.tr("Members"), lambda t: t.members, align_right=True),
            Column(self.tr("Volunteers"), lambda t: t.volunteers, align_right=True),
            Column(self.tr("Status"), lambda t: labels.team_status(t.status)),
            Column(self.tr("Township"), lambda t: t.township),
            Column(self.tr("Contact"), lambda t: t.contact_name),
            Column(self.tr("Phone"), lambda t: t.contact_phone),
            Column("可出动人数", lambda t: t.available, align_right=True),
            Column(
                "专长",
                lambda t: "、".join(
                    label(Family.TEAM_SPECIALTY, c) for c in (t.specialties or "").split(",") if c
                ),
            ),
            Column("编号", lambda t: t.code),
            self._flags_column(),
        ]
