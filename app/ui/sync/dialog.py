"""同步: this site, each peer's last exchanges and what waits for it, and the
ways to exchange changes (a packet file each way, or the network from a
field vehicle).

Every read and write runs on the session's task runner; the service's
progress reports come back through a queued signal. A refused packet (damaged,
another version, another site) is said in a message box and beside the
buttons; the dialog stays open and nothing was applied.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL, make_url

from app.data.uow import ChangeRecord
from app.domain.clock import china_time
from app.sync.service import NetworkResult, PacketWritten, SyncStatus
from app.sync.sites import PeerStatus
from app.sync.types import ApplyResult, SiteKind, SyncRefused
from app.ui.documents import ask_open_path, ask_save_path
from app.ui.plain import plain_label, plain_tooltip
from app.ui.questions import show_warning
from app.ui.session import AppSession
from app.ui.sync.common import (
    DONE_STYLE,
    ERROR_STYLE,
    PACKET_FILTER,
    ProgressRelay,
    error_text,
    kind_text,
    may_sync,
    no_right_text,
    site_text,
    skew_cell,
    skew_text,
    sync_service,
    time_text,
)
from app.ui.sync.conflicts import show_conflicts

PEER_ROWS_SHOWN = 8  # at least this many rows (when there are); more when the window is taller
CHOOSE_VEHICLE = "请选择前方指挥车"
PEER_HEADERS = ["站点", "类型", "最近发出", "最近收到", "待发送", "待对方确认", "对方时钟"]
_SECTION_STYLE = "QGroupBox { font-weight: bold; }"


def packet_name(site: SyncStatus, peer: PeerStatus, now: datetime) -> str:
    """The suggested file name of a packet: ``前方指挥车1号-至-指挥中心-202611291940.xccsync``."""
    stamp = china_time(now).strftime("%Y%m%d%H%M")
    return f"{_file_safe(site.site.name)}-至-{_file_safe(peer.name)}-{stamp}.xccsync"


def _file_safe(text: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text).strip() or "站点"


def _count(value: int) -> str:
    return f"{value} 条"


def _bold(label: QLabel) -> QLabel:
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


class SyncDialog(QDialog):
    """同步 (see the module). ``conflicts_requested`` asks for the conflict view."""

    status_read = Signal(object)  # SyncStatus, after every read
    finished_work = Signal(str)  # the result sentence of a write, import or network sync

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SyncDialog")
        self.setWindowTitle("同步")
        self._session = session
        self._service = sync_service(session)
        self.status: SyncStatus | None = None
        self.busy = False
        self.last_result: Any = None

        layout = QVBoxLayout(self)

        # -- this site ---------------------------------------------------------------
        self.site_label = _bold(plain_label("正在读取同步状态…", self))
        self.site_label.setObjectName("sync_site")
        self.site_hint = plain_label("", self)
        self.site_hint.setObjectName("sync_site_hint")
        self.site_hint.setWordWrap(True)
        self.site_hint.setStyleSheet("color: #555;")
        layout.addWidget(self.site_label)
        layout.addWidget(self.site_hint)

        # -- peers -------------------------------------------------------------------
        peers_box = QGroupBox("同步对象", self)
        peers_box.setStyleSheet(_SECTION_STYLE)
        peers_layout = QVBoxLayout(peers_box)
        self.peers = QTableWidget(0, len(PEER_HEADERS), peers_box)
        self.peers.setObjectName("sync_peers")
        self.peers.setHorizontalHeaderLabels(PEER_HEADERS)
        self.peers.verticalHeader().setVisible(False)
        self.peers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.peers.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.peers.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.peers.setStyleSheet("QTableWidget { font-weight: normal; }")
        self.peers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.peers.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        header = self.peers.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        peers_layout.addWidget(self.peers, 1)
        self.no_peers = plain_label("", peers_box)
        self.no_peers.setWordWrap(True)
        self.no_peers.hide()
        peers_layout.addWidget(self.no_peers)
        conflicts_row = QHBoxLayout()
        self.conflicts_label = plain_label("", peers_box)
        self.conflicts_label.setObjectName("sync_conflicts")
        self.conflicts_button = QPushButton("处理冲突…", peers_box)
        self.conflicts_button.setObjectName("sync_open_conflicts")
        self.conflicts_button.clicked.connect(self.open_conflicts)
        conflicts_row.addWidget(self.conflicts_label)
        conflicts_row.addStretch(1)
        conflicts_row.addWidget(self.conflicts_button)
        peers_layout.addLayout(conflicts_row)
        layout.addWidget(peers_box, 1)

        # -- by file -----------------------------------------------------------------
        file_box = QGroupBox("通过文件同步（U 盘等）", self)
        file_box.setStyleSheet(_SECTION_STYLE)
        file_layout = QVBoxLayout(file_box)
        write_row = QHBoxLayout()
        self.peer_choice = QComboBox(file_box)
        self.peer_choice.setObjectName("sync_peer_choice")
        self.peer_choice.setMinimumContentsLength(16)
        self.peer_choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.peer_choice.setPlaceholderText(CHOOSE_VEHICLE)
        self.peer_choice.currentIndexChanged.connect(lambda _i: self._update_buttons())
        self.write_button = QPushButton("写出同步数据包…", file_box)
        self.write_button.setObjectName("sync_write")
        self.write_button.clicked.connect(self.ask_write_packet)
        self.peer_caption = QLabel("发给：", file_box)
        write_row.addWidget(self.peer_caption)
        write_row.addWidget(self.peer_choice, 1)
        write_row.addWidget(self.write_button)
        file_layout.addLayout(write_row)
        apply_row = QHBoxLayout()
        self.apply_button = QPushButton("导入同步数据包…", file_box)
        self.apply_button.setObjectName("sync_apply")
        self.apply_button.clicked.connect(self.ask_apply_packet)
        apply_hint = QLabel("导入对方写出的 .xccsync 文件；重复导入同一个文件不会重复写入。")
        apply_hint.setStyleSheet("color: #555; font-weight: normal;")
        apply_hint.setWordWrap(True)
        apply_row.addWidget(apply_hint, 1)
        apply_row.addWidget(self.apply_button)
        file_layout.addLayout(apply_row)
        layout.addWidget(file_box)

        # -- by network (a field vehicle) -----------------------------------------------
        self.network_box = QGroupBox("网络同步（连接指挥中心数据库）", self)
        self.network_box.setStyleSheet(_SECTION_STYLE)
        net = QFormLayout(self.network_box)
        self.url_edit = QLineEdit(self.network_box)
        self.url_edit.setObjectName("sync_center_url")
        self.url_edit.setPlaceholderText("postgresql+psycopg://用户@服务器:5432/数据库")
        self.password_edit = QLineEdit(self.network_box)
        self.password_edit.setObjectName("sync_center_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("不保存；留空则使用 PGPASSWORD 或 ~/.pgpass")
        self.network_button = QPushButton("网络同步", self.network_box)
        self.network_button.setObjectName("sync_network")
        self.network_button.clicked.connect(self.sync_network)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.network_button)
        net.addRow("指挥中心数据库：", url_row)
        net.addRow("密码：", self.password_edit)
        self.network_box.hide()
        layout.addWidget(self.network_box)

        # -- progress and results ----------------------------------------------------------
        self.progress = QProgressBar(self)
        self.progress.setObjectName("sync_progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.result_label = plain_label("", self)
        self.result_label.setObjectName("sync_result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        layout.addWidget(self.result_label)
        layout.addStretch(1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.refresh_button = QPushButton("刷新", self)
        self.refresh_button.setObjectName("sync_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._relay = ProgressRelay()
        self._relay.progressed.connect(self._on_progressed)
        session.subscribe(None, self._on_changes, owner=self)
        session.operator_changed.connect(self._on_operator_changed)
        self._update_buttons()
        self.resize(900, 420)
        self.refresh()

    # -- reading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the status again (off the GUI thread)."""
        service = self._service
        self._session.runner.submit(
            service.status,
            on_done=self._on_status_read,
            on_error=self._on_read_failed,
            owner=self,
            latest="status",
        )

    def _on_changes(self, _records: list[ChangeRecord]) -> None:
        self.refresh()

    def _on_operator_changed(self, _identity: object) -> None:
        self._update_buttons()

    def _on_read_failed(self, exc: BaseException) -> None:
        self.site_label.setText("无法读取同步状态")
        self._say(error_text(self._session, exc), ok=False)

    def _on_status_read(self, status: SyncStatus) -> None:
        previous = self.peer_choice.currentData()
        self.status = status
        site = status.site
        self.site_label.setText(
            f"本站点：{site_text(site.code, site.name)} · {kind_text(site.kind)}"
        )
        if site.kind is SiteKind.FIELD:
            self.site_hint.setText(
                "这是前方指挥车的数据库。在这里的修改会记下来，"
                "通过同步数据包（U 盘）或网络同步带回指挥中心。"
            )
        else:
            self.site_hint.setText(
                "指挥中心：把同步数据包写出给前方指挥车，并导入前方指挥车带回的数据包。"
                "前方指挥车也可以经网络直接连接本中心的数据库同步。"
            )
        self._show_peers(status.peers)
        self.peer_choice.blockSignals(True)
        self.peer_choice.clear()
        for peer in status.peers:
            self.peer_choice.addItem(site_text(peer.code, peer.name), peer.code)
        at = self.peer_choice.findData(previous) if previous is not None else -1
        if at < 0 and site.kind is SiteKind.FIELD:
            # A field vehicle sends to its center; a center chooses the vehicle.
            at = next((n for n, p in enumerate(status.peers) if p.kind is SiteKind.CENTER), 0)
        self.peer_choice.setCurrentIndex(at)
        self.peer_choice.blockSignals(False)
        count = status.open_conflicts
        self.conflicts_label.setText(
            f"未处理的同步冲突：{count} 条" if count else "没有未处理的同步冲突。"
        )
        self.conflicts_label.setStyleSheet(ERROR_STYLE + " font-weight: bold;" if count else "")
        self.conflicts_button.setText(f"处理冲突（{count}）…" if count else "查看冲突记录…")
        is_field = site.kind is SiteKind.FIELD
        self.network_box.setVisible(is_field)
        if is_field and not self.url_edit.text():
            self.url_edit.setText(_without_password(status.upstream_url or ""))
        self._update_buttons()
        self._grow()
        self.status_read.emit(status)

    def _show_peers(self, peers: list[PeerStatus]) -> None:
        self.peers.setRowCount(len(peers))
        for row, p in enumerate(peers):
            unconfirmed = max(0, p.waiting - p.unsent)
            cells = [
                site_text(p.code, p.name),
                kind_text(p.kind),
                time_text(p.last_sent_at),
                time_text(p.last_received_at),
                _count(p.unsent),
                _count(unconfirmed),
                skew_cell(p.skew_s),
            ]
            tips = [
                "",
                "",
                "本机最近一次给对方写出同步数据包（或网络同步）的时间（北京时间）",
                "本机最近一次收到对方变更的时间（北京时间）",
                "本机的修改还没有写进任何同步数据包",
                "已经发出、对方还没有确认收到的修改（对方下次回传数据包时确认）",
                skew_text(p.skew_s),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if tips[col]:
                    item.setToolTip(plain_tooltip(tips[col]))
                if col >= 4 and col <= 5:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == 4 and p.unsent:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.peers.setItem(row, col, item)
        self.peers.resizeRowsToContents()
        self._fit_peers()
        none = not peers
        self.peers.setVisible(not none)
        self.no_peers.setVisible(none)
        if none:
            self.no_peers.setText(
                "本站点还没有同步对象。请先用 文件 → 带出到前方指挥车… 带出前方数据包。"
            )

    def _fit_peers(self) -> None:
        """The peer list as wide as its columns (never cut at the edge) and at least
        as tall as :data:`PEER_ROWS_SHOWN` rows; a taller window shows more rows,
        never empty ones."""
        table = self.peers
        header = table.horizontalHeader()
        width = sum(
            max(header.sectionSizeHint(c), table.sizeHintForColumn(c))
            for c in range(table.columnCount())
        )
        table.setMinimumWidth(
            width + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        )
        rows = max(table.rowCount(), 1)
        row_px = (
            table.rowHeight(0) if table.rowCount() else table.verticalHeader().defaultSectionSize()
        )
        frame = header.sizeHint().height() + 2 * table.frameWidth() + 2
        table.setMinimumHeight(frame + min(rows, PEER_ROWS_SHOWN) * row_px)
        table.setMaximumHeight(frame + rows * row_px)

    # -- state of the buttons -----------------------------------------------------------
    def _update_buttons(self) -> None:
        allowed = may_sync(self._session)
        status = self.status
        idle = not self.busy and status is not None
        has_peers = bool(status and status.peers)
        for button in (self.write_button, self.apply_button, self.network_button):
            button.setToolTip("" if allowed else plain_tooltip(no_right_text(self._session)))
        chosen = self.chosen_peer() is not None
        self.write_button.setEnabled(idle and allowed and has_peers and chosen)
        if allowed and has_peers and not chosen:
            self.write_button.setToolTip(plain_tooltip("请先在“发给”中选择前方指挥车。"))
        self.apply_button.setEnabled(idle and allowed and has_peers)
        self.network_button.setEnabled(idle and allowed)
        center = status is not None and status.site.kind is SiteKind.CENTER
        several = len(status.peers if status else []) > 1
        self.peer_choice.setEnabled(idle and has_peers and (center or several))
        self.refresh_button.setEnabled(not self.busy)

    def _start(self, text: str) -> None:
        self.busy = True
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.setFormat(text)
        self.progress.show()
        self._say(text, ok=None)
        self._update_buttons()

    def _stop(self) -> None:
        self.busy = False
        self.progress.hide()
        self._update_buttons()

    def _on_progressed(self, done: int, total: int) -> None:
        if not self.busy:
            return
        if total <= 0:
            self.progress.setRange(0, 0)
            return
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total))
        label = self.progress.format().split("（")[0]
        self.progress.setFormat(f"{label}（%v / %m）")

    def _say(self, text: str, *, ok: bool | None) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(
            "" if ok is None else (DONE_STYLE if ok else ERROR_STYLE) + " font-weight: bold;"
        )
        self.result_label.setVisible(bool(text))
        self._grow()

    def _grow(self) -> None:
        """Grow to what the contents need (never shrink what the user made larger)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = self.sizeHint()
        width, height = max(self.width(), need.width()), max(self.height(), need.height())
        screen = self.screen()
        if screen is not None:  # never beyond the screen (a 1366×768 laptop)
            room = screen.availableGeometry()
            width, height = min(width, room.width()), min(height, room.height() - 40)
        if width > self.width() or height > self.height():
            self.resize(max(self.width(), width), max(self.height(), height))

    def _refused(self, title: str, exc: BaseException) -> None:
        self._stop()
        text = error_text(self._session, exc)
        self.last_result = exc
        self._say(text, ok=False)
        show_warning(self, title, text)
        self.refresh()

    # -- writing a packet -----------------------------------------------------------------
    def chosen_peer(self) -> PeerStatus | None:
        status, code = self.status, self.peer_choice.currentData()
        if status is None or code is None:
            return None
        return status.peer(str(code))

    def ask_write_packet(self) -> None:
        peer = self.chosen_peer()
        if peer is None or self.status is None:
            return
        name = packet_name(self.status, peer, self._session.now())
        path = ask_save_path(self, "写出同步数据包", name, PACKET_FILTER)
        if path:
            self.write_packet(Path(path), peer.code)

    def write_packet(self, path: Path, peer: str) -> None:
        """Write the packet for ``peer`` to ``path`` (off the GUI thread)."""
        if self.busy:
            return
        if path.suffix.lower() != ".xccsync":
            path = path.with_name(path.name + ".xccsync")
        service, report = self._service, self._relay.report
        self._start("正在写出同步数据包…")
        self._session.runner.submit(
            lambda: service.write_packet(path, peer, progress=report),
            on_done=self._on_written,
            on_error=lambda exc: self._refused("未能写出同步数据包", exc),
            owner=self,
        )

    def _on_written(self, written: PacketWritten) -> None:
        self._stop()
        self.last_result = written
        peer = self.status.peer(written.recipient) if self.status else None
        whom = peer.name if peer else written.recipient
        size = f"{max(1, round(written.bytes / 1024))} KB"
        if written.changes:
            what = f"含 {written.changes} 条修改、{written.records} 条记录，{size}"
        else:
            what = f"没有新的修改，只含收到确认，{size}"
        text = (
            f"已写出同步数据包：{written.path}（{what}）。"
            f"请把这个文件带到{whom}，在那里用 文件 → 同步… → 导入同步数据包… 导入。"
        )
        self._say(text, ok=True)
        self.finished_work.emit(text)
        self.refresh()

    # -- applying a packet -----------------------------------------------------------------
    def ask_apply_packet(self) -> None:
        path = ask_open_path(self, "导入同步数据包", PACKET_FILTER)
        if path:
            self.apply_packet(Path(path))

    def apply_packet(self, path: Path) -> None:
        """Apply the packet at ``path`` (off the GUI thread); the answer is shown here."""
        if self.busy:
            return
        service, report = self._service, self._relay.report
        self._start("正在导入同步数据包…")
        self._session.runner.submit(
            lambda: service.apply_packet_file(path, progress=report),
            on_done=self._on_applied,
            on_error=lambda exc: self._refused("同步数据包未导入", exc),
            owner=self,
        )

    def _on_applied(self, result: ApplyResult) -> None:
        self._stop()
        self.last_result = result
        peer = self.status.peer(result.sender) if self.status else None
        whom = site_text(result.sender, peer.name) if peer else result.sender
        if result.already_applied:
            text = f"{whom} 的这个同步数据包已导入过，没有新内容。"
        else:
            text = f"已导入 {whom} 的同步数据包：{_apply_words(result)}。"
        if result.conflicts:
            text += f" 发现 {result.conflicts} 条冲突，请点“处理冲突…”逐条决定。"
        self._say(text, ok=True)
        self.finished_work.emit(text)
        self.refresh()

    # -- network ------------------------------------------------------------------------
    def center_url(self) -> URL | None:
        """The center's database URL as typed, with the password typed (if any);
        None when the field is empty. Raises SyncRefused when it is not a URL."""
        text = self.url_edit.text().strip()
        if not text:
            return None
        try:
            url = make_url(text)
        except Exception as exc:
            raise SyncRefused(
                "指挥中心数据库地址的格式不对，应为 postgresql+psycopg://用户@服务器:端口/数据库。"
            ) from exc
        if self.password_edit.text():
            url = url.set(password=self.password_edit.text())
        return url

    def sync_network(self) -> None:
        """Push, pull and confirm with the center's database (off the GUI thread)."""
        if self.busy:
            return
        try:
            url = self.center_url()
        except SyncRefused as exc:
            self._refused("网络同步未完成", exc)
            return
        service, report = self._service, self._relay.report
        target = url.render_as_string(hide_password=False) if url is not None else None
        self._start("正在与指挥中心网络同步…")
        self._session.runner.submit(
            lambda: service.sync_network(target, progress=report),
            on_done=self._on_network_done,
            on_error=lambda exc: self._refused("网络同步未完成", exc),
            owner=self,
        )

    def _on_network_done(self, result: NetworkResult) -> None:
        self._stop()
        self.last_result = result
        pushed, pulled = result.pushed, result.pulled
        text = f"网络同步完成。发出：{_apply_words(pushed)}；收到：{_apply_words(pulled)}。"
        conflicts = pushed.conflicts + pulled.conflicts
        if conflicts:
            text += f" 发现 {conflicts} 条冲突，请点“处理冲突…”逐条决定。"
        if abs(result.skew_s) >= 60:
            text += f" 注意：{skew_text(result.skew_s)}，请核对本机时间。"
        self._say(text, ok=True)
        self.finished_work.emit(text)
        self.refresh()

    # -- conflicts ------------------------------------------------------------------------
    def open_conflicts(self) -> QDialog:
        """The conflict view (one per session; raised when already open)."""
        return show_conflicts(self._session, self)


def _apply_words(result: ApplyResult) -> str:
    if result.already_applied:
        return "没有新的修改"
    parts = [f"新修改 {result.record_changes} 条"]
    if result.known_changes:
        parts.append(f"已有 {result.known_changes} 条")
    records = [
        f"{word} {n}"
        for word, n in (
            ("新增", result.inserted),
            ("更新", result.updated),
            ("删除", result.deleted),
        )
        if n
    ]
    if records:
        parts.append("记录" + "、".join(records) + " 条")
    return "，".join(parts)


def _without_password(url: str) -> str:
    if not url:
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True).replace(":***@", "@")
    except Exception:  # noqa: BLE001 - shown as stored
        return url
