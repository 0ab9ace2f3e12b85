"""同步冲突: what two sites changed at once, and the duty officer's decision.

Every conflict lists the value every site now holds (现值) and the other one
(另一值), each with who wrote it, at which site and when. 保留现值 closes it,
改用另一值 writes the other value to the record as a new change (a single
field only), 已知悉 notes it as dealt with elsewhere. A decision made
meanwhile at another seat or site is said, and the list is read again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import ConflictError
from app.data.uow import ChangeRecord
from app.sync.service import ConflictView, SyncStatus
from app.sync.types import CONFLICT_KIND_LABELS, RESOLUTION_LABELS, Resolution
from app.ui.models.table import Column, DtoTableModel
from app.ui.plain import plain_label, plain_tooltip
from app.ui.session import AppSession
from app.ui.sync.common import (
    DONE_STYLE,
    ERROR_STYLE,
    SKEW_WARN_S,
    error_text,
    field_text,
    may_sync,
    no_right_text,
    record_kind,
    record_names,
    show_once,
    site_names,
    skew_amount,
    sync_service,
    time_text,
    value_words,
)

RESOLVED_COLOUR = QColor("#777777")
NOTE_MAX = 500
# The columns' widths: a number is a starting width the user may change, None
# shares what is left (so the table fits a 1366-pixel screen without scrolling
# sideways; a cut value shows whole in its tooltip and in the details below).
COLUMN_PX: tuple[int | None, ...] = (150, None, 100, None, None, 130, None)
STATE_COLUMN = 6  # 处理: shown with 显示已处理 only


@dataclass(frozen=True)
class ConflictRow:
    """A conflict with the words it is shown in."""

    conflict: ConflictView
    record: str  # 避难场所“龙城中学”
    field: str  # 负责人
    kept: str  # the value
    kept_by: str  # 张三 · 前方指挥车1号 · 2026-11-29 19:40
    lost: str
    lost_by: str
    clock_notes: tuple[str, ...] = ()  # a warning per side whose clock was off

    @property
    def id(self) -> uuid.UUID:
        return self.conflict.id

    @property
    def resolved(self) -> bool:
        return self.conflict.resolved_at is not None

    @property
    def state(self) -> str:
        c = self.conflict
        if c.resolved_at is None:
            return "未处理"
        how = (
            RESOLUTION_LABELS.get(Resolution(c.resolution), c.resolution or "")
            if c.resolution
            else ""
        )
        return f"{how}（{c.resolved_by or ''} {time_text(c.resolved_at, '')}）"


def _side(
    actor: str | None, replica: str | None, at: datetime | None, sites: dict[str, str]
) -> str:
    where = sites.get(replica, replica) if replica else ""
    when = time_text(at, "")
    return " · ".join(p for p in (actor or "", where or "", when) if p)


def clock_notes(
    conflict: ConflictView, skews: dict[str, float | None], names: dict[str, str]
) -> tuple[str, ...]:
    """A warning for each site that made one of the two values while its clock
    was more than :data:`SKEW_WARN_S` off ours (``skews``: the peers' measured
    differences by code; ``names``: what to call each site)."""
    out: list[str] = []
    for code in dict.fromkeys((conflict.kept_replica, conflict.lost_replica)):
        skew = skews.get(code) if code else None
        if code is None or skew is None or abs(skew) <= SKEW_WARN_S:
            continue
        out.append(
            f"注意：{names.get(code, code)} 的时钟比本机{skew_amount(skew)}，"
            "其记录时间和“谁的修改在后”可能不准，请核实后再决定。"
        )
    return tuple(out)


def conflict_rows(
    conflicts: list[ConflictView],
    names: dict[uuid.UUID, str],
    sites: dict[str, str],
    status: SyncStatus | None = None,
) -> list[ConflictRow]:
    """The conflicts in words (no database: ``names``, ``sites`` and the
    ``status`` with the peers' clock differences were read)."""
    skews: dict[str, float | None] = {}
    who: dict[str, str] = dict(sites)
    if status is not None:
        skews = {p.code: p.skew_s for p in status.peers}
        who.update({p.code: p.name for p in status.peers})
        who[status.site.code] = "本站点"
    out = []
    for c in conflicts:
        name = names.get(c.entity_id)
        record = record_kind(c.entity_type) + (f"“{name}”" if name else "")
        out.append(
            ConflictRow(
                c,
                record,
                field_text(c.entity_type, c.field) or "（整条记录）",
                value_words(c.entity_type, c.field, c.kept_value),
                _side(c.kept_actor, c.kept_replica, c.kept_at, sites),
                value_words(c.entity_type, c.field, c.lost_value),
                _side(c.lost_actor, c.lost_replica, c.lost_at, sites),
                clock_notes(c, skews, who),
            )
        )
    return out


def _columns() -> list[Column[ConflictRow]]:
    def grey(r: ConflictRow) -> QColor | None:
        return RESOLVED_COLOUR if r.resolved else None

    return [
        Column("类型", lambda r: CONFLICT_KIND_LABELS[r.conflict.kind], foreground=grey),
        Column("记录", lambda r: r.record, foreground=grey),
        Column("字段", lambda r: r.field, foreground=grey),
        Column("现值", lambda r: r.kept, foreground=grey),
        Column("另一值", lambda r: r.lost, foreground=grey),
        Column(
            "发现于",
            lambda r: r.conflict.detected_at,
            display=lambda r: time_text(r.conflict.detected_at, ""),
            foreground=grey,
        ),
        Column("处理", lambda r: r.state, foreground=grey),
    ]


class ConflictsDialog(QDialog):
    """The conflict list and the three decisions (see the module)."""

    decided = Signal(object)  # uuid.UUID of the conflict decided here

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConflictsDialog")
        self.setWindowTitle("同步冲突")
        self._session = session
        self._service = sync_service(session)
        self._saving = False
        self.model: DtoTableModel[ConflictRow] = DtoTableModel(_columns(), self)

        self.heading = plain_label("正在读取冲突…", self)
        self.heading.setObjectName("conflicts_heading")
        self.heading.setWordWrap(True)
        self.show_resolved = QCheckBox("显示已处理", self)
        self.show_resolved.setObjectName("conflicts_show_resolved")
        self.show_resolved.toggled.connect(lambda _on: self.refresh())
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.show_resolved)

        self.view = QTableView(self)
        self.view.setObjectName("conflicts_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(True)
        self.view.verticalHeader().setVisible(False)
        self.view.setSortingEnabled(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        header = self.view.horizontalHeader()
        header.setMinimumSectionSize(60)
        for col, px in enumerate(COLUMN_PX):
            if px is None:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(col, px)
        header.setStretchLastSection(False)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())

        self.detail = plain_label("", self)
        self.detail.setObjectName("conflicts_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.note = QLineEdit(self)
        self.note.setObjectName("conflicts_note")
        self.note.setMaxLength(NOTE_MAX)
        self.note.setPlaceholderText(
            f"处理说明（可不填，最多 {NOTE_MAX} 字），如“已电话核实，以前方为准”"
        )
        self.note_count = QLabel(self)
        self.note_count.setObjectName("conflicts_note_count")
        self.note_count.setToolTip(f"处理说明最多 {NOTE_MAX} 个字，超出的部分不会输入。")
        self.note.textChanged.connect(self._show_note_count)
        self.keep_button = QPushButton("保留现值", self)
        self.keep_button.setObjectName("conflicts_keep")
        self.take_button = QPushButton("改用另一值", self)
        self.take_button.setObjectName("conflicts_take_lost")
        self.noted_button = QPushButton("已知悉", self)
        self.noted_button.setObjectName("conflicts_noted")
        self.keep_button.clicked.connect(lambda: self.decide(Resolution.KEPT))
        self.take_button.clicked.connect(lambda: self.decide(Resolution.TOOK_LOST))
        self.noted_button.clicked.connect(lambda: self.decide(Resolution.NOTED))
        self.keep_button.setToolTip("两边现在的值不变，这条冲突关闭。")
        self.take_button.setToolTip(
            "把另一值写回记录（作为一次新的修改，下次同步时传给对方）。只适用于单个字段的冲突。"
        )
        self.noted_button.setToolTip("已在别处处理（如重新盘点库存），这条冲突关闭。")
        decide = QHBoxLayout()
        decide.addWidget(QLabel("说明：", self))
        decide.addWidget(self.note, 1)
        decide.addWidget(self.note_count)
        decide.addWidget(self.keep_button)
        decide.addWidget(self.take_button)
        decide.addWidget(self.noted_button)

        self.message = plain_label("", self)
        self.message.setObjectName("conflicts_message")
        self.message.setWordWrap(True)
        self.message.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)
        layout.addLayout(decide)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        session.subscribe({"sync_conflict"}, self._on_changes, owner=self)
        session.subscribe(None, self._on_any_change, owner=self, delay_ms=1000)
        session.operator_changed.connect(lambda _i: self._update_buttons())
        self._show_note_count("")
        self._update_buttons()
        width, height = 1400, 560
        screen = self.screen()
        if screen is not None:  # a 1366×768 laptop: the whole window on the screen
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 20), min(height, room.height() - 60)
        self.resize(width, height)
        self.refresh()

    def _show_note_count(self, text: str) -> None:
        full = len(text) >= NOTE_MAX
        self.note_count.setText(f"{len(text)}/{NOTE_MAX} 字" + ("（已满）" if full else ""))
        self.note_count.setStyleSheet(
            "color: #b30000; font-weight: bold;" if full else "color: #555;"
        )

    # -- reading --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the conflicts again (off the GUI thread), keeping the selection."""
        service, db = self._service, self._session.db
        include = self.show_resolved.isChecked()

        def read() -> list[ConflictRow]:
            found = service.conflicts(include_resolved=include)
            names = record_names(db, ((c.entity_type, c.entity_id) for c in found))
            return conflict_rows(found, names, site_names(db), service.status())

        self._session.runner.submit(
            read,
            on_done=self._on_read,
            on_error=self._on_failed,
            owner=self,
            latest="conflicts",
        )

    def _on_changes(self, _records: list[ChangeRecord]) -> None:
        self.refresh()

    def _on_any_change(self, records: list[ChangeRecord]) -> None:
        # A record's name may have changed: read again, but not for every keystroke.
        if any(r.entity_type != "sync_conflict" for r in records) and self.model.rowCount():
            self.refresh()

    def _on_read(self, rows: list[ConflictRow]) -> None:
        chosen = self.selected()
        self.model.set_rows(rows)
        self.heading.setText(heading_text(rows, all_shown=self.show_resolved.isChecked()))
        self._fit_columns()
        target = next((n for n, r in enumerate(rows) if chosen and r.id == chosen.id), None)
        if target is None:
            target = next((n for n, r in enumerate(rows) if not r.resolved), None)
        if target is not None:
            self.view.selectRow(target)
        self._update_buttons()

    def _fit_columns(self) -> None:
        """The decision column only with 显示已处理; rows as tall as their wrapped text."""
        self.view.setColumnHidden(STATE_COLUMN, not self.show_resolved.isChecked())
        self.view.resizeRowsToContents()

    def _on_failed(self, exc: BaseException) -> None:
        self._tell(error_text(self._session, exc), ok=False)

    def _tell(self, text: str, *, ok: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet((DONE_STYLE if ok else ERROR_STYLE) + " font-weight: bold;")
        self.message.setVisible(bool(text))

    # -- choosing and deciding ----------------------------------------------------------
    def selected(self) -> ConflictRow | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        if not rows:
            return None
        found = self.model.rows()
        index = rows[0].row()
        return found[index] if 0 <= index < len(found) else None

    def select(self, conflict_id: uuid.UUID) -> bool:
        """Select the row of ``conflict_id``; False when it is not listed."""
        for n, r in enumerate(self.model.rows()):
            if r.id == conflict_id:
                self.view.selectRow(n)
                return True
        return False

    def _update_buttons(self) -> None:
        row = self.selected()
        allowed = may_sync(self._session)
        can = allowed and not self._saving and row is not None and not row.resolved
        self.keep_button.setEnabled(can)
        self.noted_button.setEnabled(can)
        self.take_button.setEnabled(bool(can and row is not None and row.conflict.can_take_lost))
        self.note.setEnabled(can)
        if not allowed:
            tip = plain_tooltip(no_right_text(self._session))
            for button in (self.keep_button, self.take_button, self.noted_button):
                button.setToolTip(tip)
        self.detail.setText(_detail(row) if row is not None else "")
        self.detail.setVisible(row is not None)

    def decide(self, resolution: Resolution) -> None:
        """Decide the selected conflict (off the GUI thread)."""
        row = self.selected()
        if row is None or row.resolved or self._saving:
            return
        if resolution is Resolution.TOOK_LOST and not row.conflict.can_take_lost:
            return
        service, note = self._service, self.note.text().strip() or None
        conflict_id, version = row.conflict.id, row.conflict.version
        self._saving = True
        self._update_buttons()
        self._session.runner.submit(
            lambda: service.resolve(conflict_id, resolution, expected_version=version, note=note),
            on_done=lambda _r: self._on_decided(conflict_id, resolution),
            on_error=self._on_decide_failed,
            owner=self,
        )

    def _on_decided(self, conflict_id: uuid.UUID, resolution: Resolution) -> None:
        self._saving = False
        self.note.clear()
        self._tell(f"已处理：{RESOLUTION_LABELS[resolution]}。", ok=True)
        self.decided.emit(conflict_id)
        self.refresh()

    def _on_decide_failed(self, exc: BaseException) -> None:
        self._saving = False
        text = error_text(self._session, exc)
        if isinstance(exc, ConflictError):
            text = "未处理：" + text
        self._tell(text, ok=False)
        self._update_buttons()
        self.refresh()


def heading_text(rows: list[ConflictRow], *, all_shown: bool) -> str:
    """The line above the list: what it holds in this mode, and what to do."""
    open_count = sum(1 for r in rows if not r.resolved)
    todo = (
        "选中一条，决定保留现值、改用另一值，或标为已知悉。“现值”是现在各站点都采用的值。"
        if open_count
        else ""
    )
    if all_shown:
        if not rows:
            return "还没有同步冲突。"
        return f"共 {len(rows)} 条冲突，其中未处理 {open_count} 条。{todo}"
    if not rows:
        return "没有未处理的同步冲突。"
    return f"未处理的冲突 {open_count} 条。{todo}"


def _detail(row: ConflictRow) -> str:
    c = row.conflict
    lines = [
        f"{CONFLICT_KIND_LABELS[c.kind]}：{row.record}" + (f" 的“{row.field}”" if c.field else ""),
        f"现值：{row.kept}" + (f"（{row.kept_by}）" if row.kept_by else ""),
        f"另一值：{row.lost}" + (f"（{row.lost_by}）" if row.lost_by else ""),
    ]
    if c.note:
        lines.append(f"处理说明：{c.note}")
    lines.extend(row.clock_notes)
    return "\n".join(lines)


def show_conflicts(session: AppSession, parent: QWidget | None = None) -> ConflictsDialog:
    """The conflict view of ``session``: raised when already open, else opened."""
    return show_once(session, "conflicts", lambda: ConflictsDialog(session, parent))
