"""Composition root: arguments, Qt application, database, services, main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from app import config
from app.domain.clock import system_clock
from app.domain.identity import Identity, program_identity

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from app.ui.main_window import MainWindow
    from app.ui.session import AppSession

log = logging.getLogger("xcc")

EXIT_OK = 0
EXIT_DATABASE = 2
EXIT_SNAPSHOT = 3
EXIT_USAGE = 64


@dataclass(frozen=True)
class Options:
    command: str  # "run" or "snapshot"
    db: str | None
    demo: bool | None
    language: str | None
    tiles: Path | None = None
    out: Path | None = None
    size: tuple[int, int] = (1920, 1080)
    timeout_s: float = 90.0


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x", 1))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from exc
    if not (200 <= w <= 10000 and 200 <= h <= 10000):
        raise argparse.ArgumentTypeError("size out of range (200..10000)")
    return w, h


def _common_options(*, in_subcommand: bool) -> argparse.ArgumentParser:
    """--db, --demo, --lang, --tiles: before or after the subcommand.

    A subcommand's copy leaves an option it was not given unset, so that
    ``main.py --db X snapshot`` keeps X (argparse would otherwise put the
    subcommand's default over it).
    """
    unset: dict[str, object] = {"default": argparse.SUPPRESS} if in_subcommand else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", help="database URL or SQLite file (default: XCC_DB_URL or SQLite)", **unset
    )
    demo = common.add_mutually_exclusive_group()
    demo.add_argument(
        "--demo",
        dest="demo",
        action="store_true",
        help="load the demo data (if not present yet)",
        **(unset or {"default": None}),
    )
    demo.add_argument(
        "--no-demo",
        dest="demo",
        action="store_false",
        help="never load demo data, not even into a new database",
        **unset,
    )
    common.add_argument("--lang", choices=("zh_CN", "en"), help="user interface language", **unset)
    common.add_argument("--tiles", type=Path, help="offline basemap: an MBTiles file", **unset)
    return common


def parse_args(argv: Sequence[str]) -> Options:
    common = _common_options(in_subcommand=False)
    sub_common = _common_options(in_subcommand=True)

    parser = argparse.ArgumentParser(
        prog="main.py", description="Xiao County Emergency Command Center", parents=[common]
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", parents=[sub_common], help="open the command center (default)")
    snap = sub.add_parser(
        "snapshot", parents=[sub_common], help="save a picture of the main window"
    )
    snap.add_argument("--out", required=True, type=Path, help="PNG file to write")
    snap.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT")
    snap.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for data")
    ns = parser.parse_args(list(argv))
    command = ns.command or "run"
    return Options(
        command=command,
        db=ns.db,
        demo=ns.demo,
        language=ns.lang,
        tiles=ns.tiles,
        out=getattr(ns, "out", None),
        size=getattr(ns, "size", (1920, 1080)),
        timeout_s=getattr(ns, "timeout", 90.0),
    )


def _prepare_environment(opts: Options) -> None:
    """Qt settings that must exist before the QApplication."""
    if opts.command == "snapshot":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox cannot run as root.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if headless_unix():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def headless_unix(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """A Linux/BSD process with no X11 or Wayland display (a server, a scheduled
    task). Windows and macOS never set DISPLAY and always have a screen."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if plat.startswith(("win", "cygwin", "darwin")):
        return False
    return not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY")


def _setup_logging() -> Path | None:
    """Warnings and errors to stderr and to the log file (when it can be written)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    path = config.log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logging.getLogger().addHandler(handler)
    return path


def run(argv: Sequence[str] | None = None) -> int:
    _setup_logging()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["import"]:
        # Headless: `main.py import roster FILE [--db URL] [--dry-run]`.
        from app.cli_import import main as import_main

        return import_main(args[1:])
    if args[:1] == ["demo"]:
        # Headless: `main.py demo remove [--db URL]`.
        from app.cli_demo import main as demo_main

        return demo_main(args[1:])
    if args[:1] == ["audit"]:
        # Headless: `main.py audit verify [--db URL]`.
        from app.cli_audit import main as audit_main

        return audit_main(args[1:])
    if args[:1] in (["field"], ["sync"]):
        # Headless: `main.py field export FILE --name NAME`, `main.py sync packet
        # write|apply FILE`, `main.py sync network`, `main.py sync status`.
        from app.cli_sync import main as sync_main

        return sync_main(args[0], args[1:])
    if args[:1] == ["export"]:
        # Headless: `main.py export duty-report DATE FILE [--db URL] [--include-demo]`.
        from app.cli_export import main as export_main

        return export_main(args[1:])
    try:
        opts = parse_args(args)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    _prepare_environment(opts)

    return _CommandCenter(opts).exec()


class _CommandCenter:
    """Builds the Qt side once the database is open (off the GUI thread)."""

    def __init__(self, opts: Options) -> None:
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from app.ui.i18n import install_translator
        from app.ui.map.scheme import register_schemes
        from app.ui.map.tiles import register_tiles_scheme
        from app.ui.tasks import TaskRunner

        register_schemes()
        register_tiles_scheme()
        self.opts = opts
        self.qapp = QApplication.instance() or QApplication([sys.argv[0]])
        self.qapp.setApplicationName(config.APP_NAME)
        self.qapp.setOrganizationName(config.APP_AUTHOR)
        self.settings = QSettings(str(config.settings_path()), QSettings.Format.IniFormat)
        language = opts.language or str(self.settings.value("ui/language", "zh_CN"))
        self.translators = install_translator(self.qapp, language)
        self.runner = TaskRunner(self.qapp)
        saved = str(self.settings.value("db/url", "") or "") or None
        self.url = config.resolve_db_url(opts.db, saved)
        # Until someone signs in the program acts for itself (opening, migrating,
        # loading demo data): never in the name of the operating-system account.
        self.identity = program_identity(config.site_name(), config.workstation_name())
        self.window: MainWindow | None = None
        self.session: AppSession | None = None
        self.exit_code = EXIT_OK
        self._fault_box: QMessageBox | None = None
        # An exception nobody caught (in a slot, a callback, a task) is logged and
        # shown in words; the program goes on.
        sys.excepthook = self._on_unhandled_exception
        self.runner.failed.connect(self._on_unexpected_failure)

    def exec(self) -> int:
        from PySide6.QtCore import QTimer

        self._open()
        if self.opts.command == "snapshot":
            QTimer.singleShot(int(self.opts.timeout_s * 1000), self._on_snapshot_timeout)
        code = self.qapp.exec()
        return self.exit_code or code

    def _open(self) -> None:
        from app.services.startup import open_database

        url, identity, demo = self.url, self.identity, self.opts.demo
        self.runner.submit(
            lambda: open_database(
                url, actor=identity.user, site=identity.site, now=system_clock(), demo=demo
            ),
            on_done=self._on_database_opened,
            on_error=self._on_database_failed,
        )

    def _interactive(self) -> bool:
        return self.opts.command == "run" and os.environ.get("QT_QPA_PLATFORM") != "offscreen"

    def _ask_password(self) -> bool:
        """The server wants a password nobody gave: ask for it, for this session only."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        text, ok = QInputDialog.getText(
            None,
            self.qapp.translate("Startup", "Database password"),
            self.qapp.translate("Startup", "Password for %1 (not stored):").replace(
                "%1", self._where()
            ),
            QLineEdit.EchoMode.Password,
        )
        if not ok or not text:
            return False
        self.url = self.url.set(password=text)
        self._open()
        return True

    def _where(self) -> str:
        if self.url.get_backend_name() == "sqlite":
            return self.url.database or ""
        host = self.url.host or "localhost"
        return f"{host}:{self.url.port or 5432}/{self.url.database or ''}"

    def _fail(self, text: str, code: int) -> None:
        from PySide6.QtWidgets import QMessageBox

        from app.ui.plain import make_plain

        print(text, file=sys.stderr)
        if self._interactive():
            # The text names a path or URL and the error: plain text, never markup.
            box = make_plain(
                QMessageBox(
                    QMessageBox.Icon.Critical, self.qapp.translate("Startup", "Cannot start"), text
                )
            )
            box.exec()
        self.exit_code = code
        self._quit()

    def _quit(self) -> None:
        if self.window is not None:
            self.window.close()
        if self.session is not None:
            self.session.close()
        self.runner.wait_idle(10000)
        self.qapp.exit(self.exit_code)

    def _on_unhandled_exception(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("unexpected error", exc_info=(kind, exc, tb))
        self._on_unexpected_failure(exc)

    def _on_unexpected_failure(self, exc: BaseException) -> None:
        """Say in words that something went wrong in the program and where the log is."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        from app.data.errors import classify
        from app.ui.messages import problem_text, unexpected_text
        from app.ui.plain import make_plain

        problem = classify(exc)
        text = (
            problem_text(problem, self._where())
            if problem is not None
            else unexpected_text(exc, str(config.log_path()))
        )
        print(text, file=sys.stderr)
        if self.window is not None:
            self.window.statusBar().showMessage(text, 20000)
        if self._interactive() and self._fault_box is None:
            # Not modal: the watch goes on; one box at a time.
            title = self.qapp.translate("Startup", "Error")
            box = make_plain(QMessageBox(QMessageBox.Icon.Warning, title, text))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.finished.connect(self._on_fault_box_finished)
            self._fault_box = box
            box.show()

    def _on_fault_box_finished(self, _result: int) -> None:
        self._fault_box = None

    def _on_database_failed(self, exc: BaseException) -> None:
        from app.data.errors import ProblemKind, classify
        from app.ui.messages import problem_text, unexpected_text

        problem = classify(exc)
        if problem is None:
            log.error("start-up failed", exc_info=exc)
            self._fail(unexpected_text(exc), EXIT_DATABASE)
            return
        if (
            problem.kind is ProblemKind.AUTH
            and self.url.password is None
            and self._interactive()
            and self._ask_password()
        ):
            return
        self._fail(problem_text(problem, self._where()), EXIT_DATABASE)

    def _on_database_opened(self, opened: object) -> None:
        from app.services.startup import OpenedDatabase
        from app.ui.access.sign_in import sign_in_at_start
        from app.ui.main_window import MainWindow
        from app.ui.map.tiles import TileSource
        from app.ui.session import AppSession

        assert isinstance(opened, OpenedDatabase)
        db = opened.db
        self.qapp.aboutToQuit.connect(db.dispose)

        def open_window(identity: Identity | None) -> None:
            if identity is None:  # 退出 at the sign-in: nobody is at the seat
                self.exit_code = EXIT_OK
                self._quit()
                return
            session = AppSession(db, identity, self.runner, parent=self.qapp)
            self.session = session
            tiles = TileSource(self.qapp)
            window = MainWindow(
                session, self.settings, tiles, remember_layout=self.opts.command == "run"
            )
            self.window = window
            window.basemap_failed.connect(self._on_basemap_failed)
            tiles_file = self.opts.tiles or str(self.settings.value("map/tiles", "") or "")
            if tiles_file:
                window.load_basemap(Path(tiles_file), remember=self.opts.tiles is not None)
            if self.opts.command == "snapshot":
                window.resize(*self.opts.size)
                window.all_loaded.connect(self._on_snapshot_ready)
            if self.opts.command == "run" and window.first_start:
                window.showMaximized()
            else:
                window.show()
            window.refresh_all()

        if self.opts.command != "run":
            # A snapshot (and the benchmarks that take one) runs as the program itself.
            open_window(self.identity)
            return
        # Every record is signed by the person at the seat: sign in before the window.
        flow = sign_in_at_start(
            db,
            self.runner,
            site=config.site_name(),
            workstation=config.workstation_name(),
            parent=self.qapp,
        )
        flow.finished.connect(open_window)
        flow.failed.connect(self._on_database_failed)

    def _on_basemap_failed(self, text: str) -> None:
        # The map goes on without the basemap; say why where a user will see it.
        print(text, file=sys.stderr)

    def _on_snapshot_ready(self) -> None:
        from PySide6.QtCore import QTimer

        # Tell a watching script (benchmarks/startup.py) that every panel has data,
        # then let the web view paint what it has just drawn.
        print("panels loaded", flush=True)
        QTimer.singleShot(400, self._save_snapshot)

    def _save_snapshot(self) -> None:
        assert self.window is not None and self.opts.out is not None
        out = self.opts.out
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._fail(self._snapshot_error(out, exc), EXIT_SNAPSHOT)
            return
        picture = self.window.grab()
        if picture.isNull() or not picture.save(str(out), "PNG"):
            self._fail(self._snapshot_error(out, None), EXIT_SNAPSHOT)
            return
        print(out)
        self._quit()

    def _snapshot_error(self, out: Path, exc: BaseException | None) -> str:
        text = self.qapp.translate("Startup", "Cannot write the picture %1").replace("%1", str(out))
        return f"{text}: {exc}" if exc else text

    def _on_snapshot_timeout(self) -> None:
        if self.exit_code == EXIT_OK and (self.window is None or not self.window.is_loaded):
            self._fail(
                self.qapp.translate(
                    "Startup", "The panels did not finish loading within %1 seconds."
                ).replace("%1", f"{self.opts.timeout_s:g}"),
                EXIT_SNAPSHOT,
            )
