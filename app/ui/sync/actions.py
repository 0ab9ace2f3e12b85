"""The 文件 menu's synchronisation entries and the status bar's 同步 notice.

:class:`SyncActions` makes 带出到前方指挥车… (a center only), 打开前方数据… and
同步…; :class:`SyncIndicator` shows a field vehicle's name and what waits
(待同步 N, 冲突 M), and opens 同步 on a click. Both read the site in the
background and again after every change.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton, QWidget

from app.data.uow import ChangeRecord
from app.sync.service import SyncStatus
from app.sync.types import SiteKind
from app.ui.plain import plain_tooltip
from app.ui.questions import ask_yes_no, show_warning
from app.ui.session import AppSession
from app.ui.sync.common import error_text, show_once, site_text, sync_service
from app.ui.sync.dialog import SyncDialog
from app.ui.sync.field import (
    FieldExportDialog,
    FieldFile,
    Starter,
    ask_field_file,
    check_field_file,
    restart_command,
    start_detached,
)

_FIELD_STYLE = (
    "QToolButton { background: #1f4e79; color: white; font-weight: bold; padding: 1px 8px;"
    " border: none; }"
)
_WAITING_STYLE = (
    "QToolButton { background: #fff4ce; color: #6b4e00; padding: 1px 8px; border: none; }"
)
_CONFLICT_STYLE = (
    "QToolButton { background: #b30000; color: white; font-weight: bold; padding: 1px 8px;"
    " border: none; }"
)


def show_sync_dialog(session: AppSession, parent: QWidget | None = None) -> SyncDialog:
    """同步 of ``session`` (one at a time: raised when open)."""
    return show_once(session, "sync", lambda: SyncDialog(session, parent))


class SyncActions(QObject):
    """The 文件 menu's entries: ``export_action`` (带出到前方指挥车…, enabled at a
    center), ``open_field_action`` (打开前方数据…), ``sync_action`` (同步…).

    ``close_requested`` asks the window to close after the program was started
    again on a field package. ``starter`` starts a program detached (default:
    QProcess.startDetached).
    """

    close_requested = Signal()
    told = Signal(str)  # a notice for the status bar

    def __init__(
        self, session: AppSession, parent: QWidget, *, starter: Starter | None = None
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._window = parent
        self._starter = starter or start_detached
        self.kind: SiteKind | None = None
        self.export_action = QAction("带出到前方指挥车…", self)
        self.export_action.setObjectName("action_field_export")
        self.export_action.setToolTip("把本中心的数据写成前方数据包，带到前方指挥车上使用")
        self.export_action.setEnabled(False)  # until the site is known to be a center
        self.export_action.triggered.connect(lambda: self.open_export())
        self.open_field_action = QAction("打开前方数据…", self)
        self.open_field_action.setObjectName("action_open_field")
        self.open_field_action.setToolTip(
            "在前方指挥车的电脑上打开带出的前方数据包（程序将重新启动）"
        )
        self.open_field_action.triggered.connect(lambda: self.ask_open_field())
        self.sync_action = QAction("同步…", self)
        self.sync_action.setObjectName("action_sync")
        self.sync_action.setToolTip("与指挥中心或前方指挥车交换修改，处理同步冲突")
        self.sync_action.triggered.connect(lambda: self.open_sync())
        session.reloaded.connect(self.refresh)
        self.refresh()

    def actions(self) -> list[QAction]:
        return [self.export_action, self.open_field_action, self.sync_action]

    def refresh(self) -> None:
        """Read which kind of site this is (off the GUI thread)."""
        self._session.runner.submit(
            sync_service(self._session).site,
            on_done=self._on_site_read,
            on_error=lambda _exc: None,  # a database before synchronisation: menu stays off
            owner=self,
            latest="site",
        )

    def _on_site_read(self, site: object) -> None:
        kind = getattr(site, "kind", None)
        self.kind = kind if isinstance(kind, SiteKind) else None
        center = self.kind is SiteKind.CENTER
        self.export_action.setEnabled(center)
        self.export_action.setVisible(self.kind is not SiteKind.FIELD)

    # -- the entries -------------------------------------------------------------------
    def open_export(self) -> FieldExportDialog:
        return show_once(
            self._session, "field_export", lambda: FieldExportDialog(self._session, self._window)
        )

    def open_sync(self) -> SyncDialog:
        return show_sync_dialog(self._session, self._window)

    def ask_open_field(self) -> None:
        path = ask_field_file(self._window)
        if path is not None:
            self.open_field(path)

    def open_field(self, path: Path) -> None:
        """Check ``path`` (off the GUI thread), ask, then start the program on it
        and ask the window to close."""
        self._session.runner.submit(
            lambda: check_field_file(path),
            on_done=self._on_field_checked,
            on_error=lambda exc: show_warning(
                self._window, "打开前方数据", error_text(self._session, exc)
            ),
            owner=self,
        )

    def _on_field_checked(self, found: FieldFile) -> None:
        path = found.path
        whose = site_text(found.code, found.name)
        question = (
            f"将以前方数据包（{whose}）重新启动程序：\n{path}\n\n"
            "本窗口随后关闭（未保存的表单会丢失）。之后的修改记在前方数据包里，"
            "回来后用 文件 → 同步… 交回指挥中心。是否继续？"
        )
        if not ask_yes_no(self._window, "打开前方数据", question):
            return
        self.restart_on(path)

    def restart_on(self, path: Path) -> bool:
        """Start the program on ``path`` detached; on success ask the window to close."""
        program, arguments, folder = restart_command(path)
        if not self._starter(program, arguments, folder):
            show_warning(self._window, "打开前方数据", f"无法启动程序：{program}")
            return False
        self.told.emit(f"正在以前方数据重新启动：{path.name}")
        self.close_requested.emit()
        return True


class SyncIndicator(QToolButton):
    """The status bar's 同步 notice (see the module); hidden when there is nothing
    to say. A click opens 同步."""

    status_read = Signal(object)  # SyncStatus

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_sync")
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._session = session
        self._service = sync_service(session)
        self.status: SyncStatus | None = None
        self.clicked.connect(self.open_dialog)
        session.subscribe(None, self._on_changes, owner=self)
        session.reloaded.connect(self.refresh)
        self.hide()
        self.refresh()

    def refresh(self) -> None:
        """Read this site's status again (off the GUI thread)."""
        self._session.runner.submit(
            self._service.status,
            on_done=self._on_status_read,
            on_error=lambda _exc: None,  # the other status-bar notices report the database
            owner=self,
            latest="status",
        )

    def _on_changes(self, _records: list[ChangeRecord]) -> None:
        self.refresh()

    def _on_status_read(self, status: SyncStatus) -> None:
        self.status = status
        parts: list[str] = []
        site = status.site
        if site.kind is SiteKind.FIELD:
            parts.append(site_text(site.code, site.name))
        if status.unsent:
            parts.append(f"待同步 {status.unsent}")
        if status.open_conflicts:
            parts.append(f"冲突 {status.open_conflicts}")
        self.setText(" · ".join(parts))
        if status.open_conflicts:
            style = _CONFLICT_STYLE
        elif site.kind is SiteKind.FIELD:
            style = _FIELD_STYLE
        else:
            style = _WAITING_STYLE
        self.setStyleSheet(style)
        unconfirmed = max(0, status.waiting - status.unsent)
        where = "前方指挥车" if site.kind is SiteKind.FIELD else "指挥中心"
        self.setToolTip(
            plain_tooltip(
                f"本站点：{site_text(site.code, site.name)}（{where}）\n"
                f"待发送的修改：{status.unsent} 条；已发出待对方确认：{unconfirmed} 条\n"
                f"未处理的同步冲突：{status.open_conflicts} 条\n点击打开同步窗口。"
            )
        )
        self.setVisible(bool(parts))
        self.status_read.emit(status)

    def open_dialog(self) -> SyncDialog:
        return show_sync_dialog(self._session, self.window())
