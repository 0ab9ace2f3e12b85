"""What the synchronisation windows share: the service, words for sites, records,
fields, values, times and clock differences, errors in Chinese, and progress
reports from a worker thread."""

from __future__ import annotations

import errno
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import TRACKED_MODELS, SyncSite
from app.domain.access import Action
from app.services.access import NotPermitted
from app.services.audit import entity_label, field_label, value_text
from app.sync.service import SyncService
from app.sync.types import SITE_KIND_LABELS, SiteKind, SyncRefused
from app.ui.messages import file_error_text, not_permitted_text
from app.ui.models.table import format_time
from app.ui.session import AppSession

ERROR_STYLE = "color: #b30000;"
DONE_STYLE = "color: #1a7f37;"
FIELD_FILE_FILTER = "前方数据包 (*.xccfield *.sqlite3 *.sqlite *.db);;所有文件 (*)"
PACKET_FILTER = "同步数据包 (*.xccsync);;所有文件 (*)"

# The records a conflict can be about, in the words of the registers; other
# kinds fall back on the audit trail's names (app.domain.labels, Family.ENTITY).
ENTITY_LABELS: dict[str, str] = {
    "shelter": "避难场所",
    "supply_depot": "物资储备库",
    "rescue_team": "救援队伍",
    "hazard_site": "风险隐患点",
    "incident": "事件",
    "incident_log_entry": "事件日志",
    "incident_statistics": "灾情统计",
    "stock_item": "库存物资",
    "stock_movement": "物资出入库",
    "shelter_occupancy_movement": "避难场所入住",
    "supply_catalog_item": "物资目录",
    "depot_minimum": "储备定额",
    "township": "乡镇",
    "village": "村（社区）",
    "staff": "人员",
}
# Keys of the summaries a merge writes for stock and shelter conflicts.
_SUMMARY_FIELDS = {"quantity": "库存数量", "occupancy": "在场人数", "name": "名称"}
# The column that names a record of each kind (when it has one).
_NAME_COLUMNS = ("name", "title", "display_name", "username", "label", "text")


def sync_service(session: AppSession) -> SyncService:
    """The synchronisation service on the session's database."""
    return SyncService(session.db)


def may_sync(session: AppSession) -> bool:
    return session.may(Action.SYNC)


def no_right_text(session: AppSession) -> str:
    """Why the person at the seat may not synchronise (a disabled button's tooltip)."""
    return not_permitted_text(session.identity, Action.SYNC)


def site_text(code: str, name: str) -> str:
    """``前方指挥车1号（field-1a2b3c4d）``."""
    return f"{name}（{code}）" if name and name != code else code


def kind_text(kind: SiteKind) -> str:
    return SITE_KIND_LABELS[kind]


def record_kind(entity_type: str) -> str:
    """A kind of record in words: ``shelter`` -> 避难场所."""
    return ENTITY_LABELS.get(entity_type) or entity_label(entity_type)


def field_text(entity_type: str, name: str | None) -> str:
    """A column in words (``manager`` -> 负责人); the column's name when there are none."""
    if not name:
        return ""
    if name in _SUMMARY_FIELDS:
        return _SUMMARY_FIELDS[name]
    return field_label(entity_type, name)


def value_words(entity_type: str, name: str | None, value: Any) -> str:
    """A stored value (decoded JSON) as plain text: codes in words, times in China
    time, a set of fields as ``名称：值；…``. Never markup."""
    if isinstance(value, dict):
        parts = [
            f"{field_text(entity_type, str(k))}：{value_words(entity_type, str(k), v)}"
            for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
            if k not in ("id", "version", "created_at", "updated_at")
        ]
        return "；".join(parts) if parts else "（空）"
    if isinstance(value, list):
        return "、".join(value_words(entity_type, name, v) for v in value) or "（空）"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value_text(entity_type, name or "", value)


def time_text(moment: datetime | None, never: str = "从未") -> str:
    """``2026-11-29 19:40`` in China time; ``never`` for None."""
    return format_time(moment) if moment is not None else never


SKEW_WARN_S = 5 * 60  # a clock further off than this makes times doubtful


def skew_amount(skew_s: float) -> str:
    """How far a clock is off, in words: ``快约 3 小时`` / ``慢约 12 分钟``."""
    size = abs(skew_s)
    if size < 3600:
        amount = f"约 {max(1, round(size / 60))} 分钟"
    elif size < 2 * 86400:
        amount = f"约 {round(size / 3600)} 小时"
    else:
        amount = f"约 {round(size / 86400)} 天"
    return f"{'快' if skew_s > 0 else '慢'}{amount}"


def skew_text(skew_s: float | None) -> str:
    """The peer's clock against ours in words: ``对方时钟比本机快约 12 小时``;
    "未知" when no network sync measured it."""
    if skew_s is None:
        return "未知（仅网络同步时测量）"
    if abs(skew_s) < 60:
        return "一致（相差不到 1 分钟）"
    return f"对方时钟比本机{skew_amount(skew_s)}"


def skew_cell(skew_s: float | None) -> str:
    """The same, short enough for a table cell: ``快约 12 小时``, ``一致``, ``未知``."""
    if skew_s is None:
        return "未知"
    if abs(skew_s) < 60:
        return "一致"
    return skew_amount(skew_s)


def error_text(session: AppSession, exc: BaseException) -> str:
    """What to tell the user about a failed synchronisation step, in Chinese:
    a refusal as the service words it, a file that cannot be read or written,
    a decision made meanwhile by someone else, or the database's problem."""
    if isinstance(exc, NotPermitted):
        return exc.message()
    if isinstance(exc, SyncRefused):
        return str(exc)
    if isinstance(exc, ConflictError):
        return "其他人刚刚处理了这条冲突（或记录已被修改），列表已重新读取，请再看一下。"
    if isinstance(exc, OSError):
        return os_error_text(exc)
    return session.failure_text(exc)


# Why a file could not be read or written, in the words of this window (always
# Chinese: the synchronisation windows are not translated).
_OS_ERRORS = {
    errno.EACCES: "没有权限读写这个位置",
    errno.EPERM: "没有权限读写这个位置",
    errno.EROFS: "磁盘是只读的",
    errno.ENOSPC: "磁盘已满",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EBUSY: "文件正被其他程序使用",
    errno.EEXIST: "文件已存在",
}


def os_error_text(exc: OSError) -> str:
    """A file error in Chinese (no look at the disk: the callers that can tell a
    missing file from a missing folder check before, on the worker thread)."""
    name = exc.filename if isinstance(exc.filename, str | Path) else None
    if exc.errno == errno.ENOENT:
        return f"找不到文件或文件夹：{name}" if name is not None else "找不到文件或文件夹。"
    reason = _OS_ERRORS.get(exc.errno or 0) or file_error_text(exc)
    where = f"{name}：" if name is not None else ""
    return f"无法读写文件 {where}{reason}。"


class ProgressRelay(QObject):
    """Carries a worker's ``progress(done, total)`` calls to the GUI thread.

    :meth:`report` is the service's progress callback (called on the worker
    thread); ``progressed`` arrives queued on the GUI thread, at most once per
    percent.
    """

    progressed = Signal(int, int)  # done, total

    def __init__(self) -> None:
        super().__init__()
        self._last = -1

    def report(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent != self._last or done >= total:
            self._last = percent
            self.progressed.emit(done, total)


def record_names(db: Database, wanted: Iterable[tuple[str, uuid.UUID]]) -> dict[uuid.UUID, str]:
    """The name (or title) of each record ``(entity_type, id)`` that has one and
    still exists. Runs queries: call it off the GUI thread."""
    by_type: dict[str, set[uuid.UUID]] = {}
    for entity_type, entity_id in wanted:
        by_type.setdefault(entity_type, set()).add(entity_id)
    models = {m.__change_entity__: m for m in TRACKED_MODELS}
    out: dict[uuid.UUID, str] = {}
    with db.read_session() as s:
        for entity_type, ids in by_type.items():
            model = models.get(entity_type)
            if model is None:
                continue
            table = model.__table__
            column = next((table.c[c] for c in _NAME_COLUMNS if c in table.c), None)
            if column is None or "id" not in table.c:
                continue
            listed = sorted(ids)
            for k in range(0, len(listed), 500):
                part = listed[k : k + 500]
                for row_id, name in s.execute(
                    select(table.c.id, column).where(table.c.id.in_(part))
                ):
                    if name:
                        out[row_id] = str(name)
    return out


def site_names(db: Database) -> dict[str, str]:
    """Every site this database knows (itself and its peers): code -> name.
    Runs a query: call it off the GUI thread."""
    with db.read_session() as s:
        return {code: name for code, name in s.execute(select(SyncSite.code, SyncSite.name))}


_OPEN: dict[tuple[int, str], QDialog] = {}
D = TypeVar("D", bound=QDialog)


def show_once(session: AppSession, key: str, make: Callable[[], D]) -> D:
    """The window ``key`` of ``session``: raised when it is open, else made by
    ``make()``, set to be deleted when closed, and shown."""
    found = _OPEN.get((id(session), key))
    if found is not None and shiboken6.isValid(found) and found.isVisible():
        found.raise_()
        found.activateWindow()
        return found  # type: ignore[return-value]
    dialog = make()
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _OPEN[(id(session), key)] = dialog
    dialog.destroyed.connect(lambda *_a: _OPEN.pop((id(session), key), None))
    dialog.show()
    return dialog
