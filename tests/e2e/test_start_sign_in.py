"""`main.py run` as a person starts it: first start, sign-in, then the window.

The program runs in a child process; a small driver inside it plays the person
at the seat (reads the one-time password off the screen, signs in, changes the
password, or leaves with 退出) and prints what the window shows.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DRIVER = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    mode = sys.argv[1]
    from app.bootstrap import run
    from app.ui.access.sign_in import ChangePasswordDialog, FirstStartDialog, SignInDialog
    from app.ui.main_window import MainWindow

    seen = {"password": None}

    def step():
        for w in QApplication.topLevelWidgets():
            if not w.isVisible():
                continue
            if isinstance(w, FirstStartDialog) and w.password.text():
                seen["password"] = w.password.text()
                print("first start shown", flush=True)
                w.go_button.click()
            elif isinstance(w, SignInDialog) and w.form.picker.current() is not None:
                if w.form.busy or w.form.change_dialog is not None:
                    continue
                print("chosen", w.form.picker.current().name, flush=True)
                if mode == "quit":
                    w.quit_button.click()
                    return
                w.form.secret.setText(seen["password"])
                w.form.submit()
            elif isinstance(w, ChangePasswordDialog) and not w.old.text():
                w.old.setText(seen["password"])
                w.new.setText("Watch-2026-ok")
                w.repeat.setText("Watch-2026-ok")
                w.submit()
            elif isinstance(w, MainWindow):
                print("status", w.user_label.text(), flush=True)
                w.close()
                return
        QTimer.singleShot(100, step)

    QTimer.singleShot(100, step)
    sys.exit(run(["run", "--db", sys.argv[2], "--no-demo"]))
    """
)


def _start(mode: str, db: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QTWEBENGINE_DISABLE_SANDBOX="1",
        XCC_DATA_DIR=str(tmp_path / "data"),
        XCC_CONFIG_DIR=str(tmp_path / "config"),
    )
    env.pop("XCC_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_first_start_signs_the_administrator_in_then_opens_the_window(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    result = _start("sign_in", db, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "first start shown"
    assert "chosen 系统管理员" in lines
    assert lines[-1] == "status 系统管理员 系统管理员"  # role, then name
    with sqlite3.connect(db) as conn:
        ops = [r[0] for r in conn.execute("SELECT op FROM change_log WHERE entity_type='access'")]
        assert ops == ["sign_in"]
        assert conn.execute("SELECT must_change FROM credential").fetchone() == (0,)


def test_quit_at_the_sign_in_leaves_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    result = _start("quit", db, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["first start shown", "chosen 系统管理员"]
    with sqlite3.connect(db) as conn:
        # The administrator exists (its password was shown once), nobody signed in.
        assert conn.execute("SELECT must_change FROM credential").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM change_log WHERE op='sign_in'").fetchone() == (0,)
