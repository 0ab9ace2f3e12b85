"""Where things live and which database to open."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL

from app.data.engine import default_sqlite_url, normalise_url

APP_NAME = "XiaoCountyCommand"
APP_AUTHOR = "XiaoCountyEM"
ENV_DB_URL = "XCC_DB_URL"


def data_dir() -> Path:
    """The user's data directory (the SQLite file lives here). XCC_DATA_DIR overrides."""
    override = os.environ.get("XCC_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    override = os.environ.get("XCC_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def settings_path() -> Path:
    return config_dir() / "settings.ini"


def log_path() -> Path:
    """The log file (warnings and errors, with tracebacks), beside the data."""
    return data_dir() / "logs" / "xcc.log"


def workstation_name() -> str:
    """This computer's name within its site."""
    return socket.gethostname() or ""


def resolve_db_url(cli_value: str | None, saved: str | None = None) -> URL:
    """``--db`` first, then ``XCC_DB_URL``, then the saved choice (settings), then
    SQLite in the data directory."""
    raw = cli_value or os.environ.get(ENV_DB_URL) or saved
    if raw:
        return normalise_url(raw)
    return default_sqlite_url(data_dir())


def site_name() -> str:
    """Origin site written to change_log: this seat or vehicle."""
    return os.environ.get("XCC_SITE") or socket.gethostname() or "site"
