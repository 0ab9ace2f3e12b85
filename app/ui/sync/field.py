"""Taking the county out to a field vehicle (带出到前方指挥车) and opening a field
package on the vehicle's laptop (打开前方数据).

The field package is a SQLite file that the laptop opens as its own database:
opening it restarts the program on it (``main.py --db FILE``, or the frozen
executable with ``--db FILE``), detached, and then closes this window.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QProcess, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import china_time
from app.sync.field_package import FieldPackage, check_target
from app.sync.service import SyncStatus
from app.sync.types import SiteKind, SyncRefused
from app.ui.documents import ask_open_path, ask_save_path
from app.ui.forms import FieldErrors
from app.ui.plain import plain_label, plain_tooltip
from app.ui.session import AppSession
from app.ui.sync.common import (
    DONE_STYLE,
    ERROR_STYLE,
    FIELD_FILE_FILTER,
    ProgressRelay,
    error_text,
    may_sync,
    no_right_text,
    sync_service,
)

NAME_MAX = 64  # the longest vehicle name the service takes
SQLITE_MAGIC = b"SQLite format 3\x00"
FIELD_SUFFIXES = (".xccfield", ".sqlite3", ".sqlite", ".db")
# Starts a program detached: (program, arguments, working folder) -> started.
Starter = Callable[[str, list[str], str], bool]
_COUNTER_STYLE = "color: #555;"
_COUNTER_FULL_STYLE = "color: #b30000; font-weight: bold;"


def package_file_name(name: str, now: datetime) -> str:
    """``前方指挥车1号-20261129-1940.xccfield`` (the China-time minute of ``now``)."""
    safe = "".join("_" if c in '\\/:*?"<>|' else c for c in name).strip() or "前方指挥车"
    return f"{safe}-{china_time(now).strftime('%Y%m%d-%H%M')}.xccfield"


def free_path(path: Path) -> Path:
    """``path``, or the first of ``name-2.ext``, ``name-3.ext`` … that does not
    exist yet. Looks at the disk: call it off the GUI thread."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def package_path(text: str) -> Path:
    """The file a typed path names: ``.xccfield`` added unless it has a database suffix."""
    path = Path(text)
    if path.suffix.lower() not in FIELD_SUFFIXES:
        path = path.with_name(path.name + ".xccfield")
    return path


def next_vehicle_name(status: SyncStatus | None) -> str:
    """A name for the next vehicle: 前方指挥车N号, N one more than those known."""
    taken = {p.name for p in status.peers} if status is not None else set()
    n = 1
    while f"前方指挥车{n}号" in taken:
        n += 1
    return f"前方指挥车{n}号"


class FieldExportDialog(QDialog):
    """带出到前方指挥车: the vehicle's name and where to save, then the package
    written off the GUI thread with a progress bar, and what to do next.

    A blank name or a missing place is said under its field; an existing file is
    never overwritten: it is said under 保存为 before anything is written."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FieldExportDialog")
        self.setWindowTitle("带出到前方指挥车")
        self._session = session
        self._service = sync_service(session)
        self.status: SyncStatus | None = None
        self.package: FieldPackage | None = None
        self.busy = False  # checking the place or writing
        self._path_chosen = False

        intro = plain_label(
            "把本中心数据库的全部数据写成一个前方数据包文件。前方指挥车的笔记本电脑打开它后，"
            "即使几天没有网络也能照常工作；回来后通过同步数据包或网络同步合并修改。",
            self,
        )
        intro.setWordWrap(True)
        self.errors = FieldErrors(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("field_name")
        self.name_edit.setMaxLength(NAME_MAX)
        self.name_edit.setPlaceholderText("如：前方指挥车1号")
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.name_edit.textChanged.connect(self._show_count)
        self.name_count = QLabel(self)
        self.name_count.setObjectName("field_name_count")
        self.name_count.setStyleSheet(_COUNTER_STYLE)
        name_box = QWidget(self)
        name_row = QHBoxLayout(name_box)
        name_row.setContentsMargins(0, 0, 0, 0)
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.name_count)
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("field_path")
        self.path_edit.setPlaceholderText("选择保存位置（U 盘或本机文件夹）")
        self.path_edit.textEdited.connect(self._on_path_edited)
        choose = QPushButton("选择…", self)
        choose.setObjectName("field_choose")
        choose.clicked.connect(self._on_choose_clicked)
        path_box = QWidget(self)
        path_row = QHBoxLayout(path_box)
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(choose)
        form = QFormLayout()
        form.addRow(
            "前方指挥车名称：",
            self.errors.add("name", name_box, check=self._name_problem, watch=[self.name_edit]),
        )
        form.addRow(
            "保存为：",
            self.errors.add("path", path_box, check=self._path_problem, watch=[self.path_edit]),
        )

        self.progress = QProgressBar(self)
        self.progress.setObjectName("field_progress")
        self.progress.hide()
        self.message = plain_label("", self)
        self.message.setObjectName("field_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.buttons = QDialogButtonBox(self)
        self.export_button = QPushButton("带出", self)
        self.export_button.setObjectName("field_export")
        self.export_button.setDefault(True)
        self.close_button = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)

        self._relay = ProgressRelay()
        self._relay.progressed.connect(self._on_progressed)
        self._show_count(self.name_edit.text())
        self.export_button.setEnabled(False)
        self._session.runner.submit(
            self._service.status,
            on_done=self._on_status_read,
            on_error=self._on_failed,
            owner=self,
        )

    # -- the form ----------------------------------------------------------------------
    def _on_status_read(self, status: SyncStatus) -> None:
        self.status = status
        if status.site.kind is not SiteKind.CENTER:
            self._tell("前方数据包只能从指挥中心带出：本数据库是前方指挥车的。", ok=False)
            return
        if not self.name_edit.text():
            self.name_edit.setText(next_vehicle_name(status))
            self.suggest_path()
        self._update_button()

    def _show_count(self, text: str) -> None:
        full = len(text) >= NAME_MAX
        self.name_count.setText(f"{len(text)}/{NAME_MAX} 字" + ("（已满）" if full else ""))
        self.name_count.setStyleSheet(_COUNTER_FULL_STYLE if full else _COUNTER_STYLE)
        self.name_count.setToolTip(f"名称最多 {NAME_MAX} 个字，超出的部分不会输入。")

    def _name_problem(self) -> str | None:
        if not self.name_edit.text().strip():
            return "请填写前方指挥车的名称，如“前方指挥车1号”。"
        return None

    def _path_problem(self) -> str | None:
        text = self.path_edit.text().strip()
        if not text:
            return "请选择保存位置。"
        if not Path(text).is_absolute():
            return "请填写完整的保存位置（含文件夹），或点“选择…”。"
        return None

    def _on_name_edited(self, _text: str) -> None:
        self.suggest_path()
        self._update_button()

    def _on_path_edited(self, _text: str) -> None:
        self._path_chosen = True
        self._update_button()

    def suggest_path(self) -> None:
        """Propose ``名称-YYYYMMDD-HHMM.xccfield`` in the folder shown (or Documents),
        with -2, -3 … when that file exists (looked up off the GUI thread)."""
        if self._path_chosen:
            return
        name = package_file_name(self.name_edit.text(), self._session.now())
        current = self.path_edit.text()
        folder = Path(current).parent if current else Path(last_folder())
        wanted = folder / name
        self._session.runner.submit(
            lambda: free_path(wanted),
            on_done=self._on_path_suggested,
            on_error=lambda _exc: self._on_path_suggested(wanted),
            owner=self,
            latest="suggest",
        )

    def _on_path_suggested(self, path: Path) -> None:
        if not self._path_chosen:
            self.path_edit.setText(str(path))
            self._update_button()

    def _on_choose_clicked(self) -> None:
        current = self.path_edit.text().strip()
        name = (
            Path(current).name
            if current
            else package_file_name(self.name_edit.text(), self._session.now())
        )
        path = ask_save_path(self, "保存前方数据包", name, "前方数据包 (*.xccfield)")
        if path:
            self.path_edit.setText(path)
            self._path_chosen = True
        self._update_button()

    def _update_button(self) -> None:
        allowed = may_sync(self._session)
        center = self.status is not None and self.status.site.kind is SiteKind.CENTER
        self.export_button.setEnabled(allowed and center and not self.busy)
        self.export_button.setToolTip(
            "" if allowed else plain_tooltip(no_right_text(self._session))
        )

    # -- writing -----------------------------------------------------------------------
    def set_target(self, name: str, path: Path) -> None:
        """Fill in the vehicle's name and the file (what typing them does)."""
        self.name_edit.setText(name)
        self.path_edit.setText(str(path))
        self._path_chosen = True
        self._update_button()

    def export(self) -> None:
        """Check the form, then (off the GUI thread) that the file does not exist
        yet, then write the package; the answer is shown here."""
        if self.busy:
            return
        problems = {
            key: text
            for key, text in (("name", self._name_problem()), ("path", self._path_problem()))
            if text
        }
        self.errors.show(problems)
        if problems:
            (self.name_edit if "name" in problems else self.path_edit).setFocus()
            return
        name = self.name_edit.text().strip()
        path = package_path(self.path_edit.text().strip())
        self.busy = True
        self._update_button()
        self._session.runner.submit(
            lambda: check_target(path),
            on_done=lambda _r: self._write(name, path),
            on_error=self._on_target_refused,
            owner=self,
        )

    def _on_target_refused(self, exc: BaseException) -> None:
        self.busy = False
        self.errors.set("path", error_text(self._session, exc))
        self.path_edit.setFocus()
        self._update_button()
        self.adjustSize()

    def _write(self, name: str, path: Path) -> None:
        service, report = self._service, self._relay.report
        self.progress.setRange(0, 0)
        self.progress.setFormat("正在写出前方数据包…")
        self.progress.show()
        self._tell("正在写出前方数据包，请稍候（数据多时需要几分钟）…", ok=None)
        self._session.runner.submit(
            lambda: service.export_field_package(path, name, progress=report),
            on_done=self._on_exported,
            on_error=self._on_failed,
            owner=self,
        )

    def _on_progressed(self, done: int, total: int) -> None:
        if not self.busy or total <= 0:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total))
        self.progress.setFormat("正在写出前方数据包（%v / %m）")

    def _on_exported(self, package: FieldPackage) -> None:
        self.busy = False
        self.package = package
        self.progress.hide()
        self._tell(
            f"已带出“{package.name}”（站点代码 {package.code}），共 {package.rows} 条记录，"
            f"写入：\n{package.path}\n\n"
            "下一步：把这个文件复制到前方指挥车的笔记本电脑上，在那台电脑上用 "
            "文件 → 打开前方数据… 打开它。回来后用 文件 → 同步… 交换修改。",
            ok=True,
        )
        self.export_button.hide()
        self.close_button.setText("完成")

    def _on_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.progress.hide()
        self._tell("未能带出：" + error_text(self._session, exc), ok=False)
        self._update_button()

    def _tell(self, text: str, *, ok: bool | None) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(
            "" if ok is None else (DONE_STYLE if ok else ERROR_STYLE) + " font-weight: bold;"
        )
        self.message.setVisible(bool(text))
        self.adjustSize()  # the answer is read whole, never cut off


# -- opening a field package --------------------------------------------------------------
def last_folder() -> str:
    """Where a package is saved unless the user chooses: the Documents folder."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents or str(Path.home())


def restart_command(path: Path) -> tuple[str, list[str], str]:
    """How to start this program on the database ``path``: (program, arguments,
    working folder). A frozen build is its own executable; otherwise the
    interpreter runs ``main.py`` next to the ``app`` package."""
    target = str(path.resolve())
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        return str(exe), ["--db", target], str(exe.parent)
    root = Path(__file__).resolve().parents[3]
    return sys.executable, [str(root / "main.py"), "--db", target], str(root)


@dataclass(frozen=True)
class FieldFile:
    """A field package as read from its file: the vehicle it was taken out for."""

    path: Path
    name: str
    code: str


def check_field_file(path: Path) -> FieldFile:
    """Refuse what is not a field vehicle's database: a missing file, another
    kind of file, a database of another program, a center's database. Reads
    the file (read-only, off the GUI thread). Raises SyncRefused (a sentence
    for the user) or OSError."""
    if not path.exists():
        raise SyncRefused(f"文件不存在：{path}")
    if path.is_dir():
        raise SyncRefused(f"这是一个文件夹，不是前方数据包：{path}")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    not_ours = f"这不是本程序的数据库文件：{path}"
    if head != SQLITE_MAGIC:
        raise SyncRefused(not_ours)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT kind, name, code FROM sync_site WHERE is_self").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "no such" in str(exc):  # no such table / column: another program's database
            raise SyncRefused(not_ours) from exc
        raise SyncRefused(f"无法读取文件：{path}（{exc}）") from exc
    except sqlite3.DatabaseError as exc:  # not a database after all, damaged
        raise SyncRefused(not_ours) from exc
    if row is None:
        raise SyncRefused(f"这不是前方数据包（这个数据库没有站点标识）：{path}")
    kind, name, code = row
    if kind == SiteKind.CENTER.value:
        raise SyncRefused(f"这不是前方数据包（这是指挥中心数据库）：{path}")
    if kind != SiteKind.FIELD.value:
        raise SyncRefused(not_ours)
    return FieldFile(path, str(name or ""), str(code or ""))


def start_detached(program: str, arguments: list[str], folder: str) -> bool:
    started, _pid = QProcess.startDetached(program, arguments, folder)
    return bool(started)


def ask_field_file(parent: QWidget) -> Path | None:
    """The open dialog for a field package; None when cancelled."""
    path = ask_open_path(parent, "打开前方数据", FIELD_FILE_FILTER)
    return Path(path) if path else None
