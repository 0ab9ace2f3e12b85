"""Synchronisation with field vehicles, on screen.

- :class:`~app.ui.sync.actions.SyncActions`: the 文件 menu's 带出到前方指挥车…,
  打开前方数据… and 同步…;
- :class:`~app.ui.sync.actions.SyncIndicator`: the status bar's notice (a
  field vehicle's name, 待同步 N, 冲突 M);
- :class:`~app.ui.sync.dialog.SyncDialog`: this site, its peers, packets and
  the network sync;
- :class:`~app.ui.sync.conflicts.ConflictsDialog`: conflicts and decisions;
- :class:`~app.ui.sync.field.FieldExportDialog`: taking a field package out.

All of them take the :class:`~app.ui.session.AppSession` and build their own
:class:`~app.sync.service.SyncService` on its database.
"""

from app.ui.sync.actions import SyncActions, SyncIndicator, show_sync_dialog
from app.ui.sync.conflicts import ConflictsDialog
from app.ui.sync.dialog import SyncDialog
from app.ui.sync.field import FieldExportDialog

__all__ = [
    "ConflictsDialog",
    "FieldExportDialog",
    "SyncActions",
    "SyncDialog",
    "SyncIndicator",
    "show_sync_dialog",
]
