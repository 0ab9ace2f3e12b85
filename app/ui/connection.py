"""Choosing the database: this computer's file, or the command center's shared server.

Passwords are never stored: they come from the environment (PGPASSWORD),
``~/.pgpass`` (both read by libpq itself), or are typed for this session only.
The saved setting is the URL without a password.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL, make_url

from app.data.errors import classify
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner

ProbeFn = Callable[[URL], str | None]  # returns the schema revision, raises on failure


class ConnectionDialog(QDialog):
    """Settings → 数据库连接. ``chosen`` carries the URL to use (password included,
    for this session); ``saved_url`` is what may be written to the settings."""

    chosen = Signal(object)  # URL

    def __init__(
        self,
        runner: TaskRunner,
        probe: ProbeFn,
        current: URL,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ConnectionDialog")
        self.setWindowTitle(self.tr("Database connection"))
        self._runner = runner
        self._probe = probe
        self._testing = False

        self.local = QRadioButton(self.tr("This computer (SQLite file)"), self)
        self.shared = QRadioButton(self.tr("Shared command-center server (PostgreSQL)"), self)
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.shared)
        self.path = QLineEdit(self)
        self.host = QLineEdit(self)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit(self)
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("not stored; empty: PGPASSWORD or ~/.pgpass"))
        self.result_label = QLabel(self)
        self.result_label.setObjectName("connection_result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.test_button = QPushButton(self.tr("Test connection"), self)
        self.test_button.clicked.connect(self.test)

        form = QFormLayout()
        form.addRow(self.local)
        form.addRow(self.tr("File"), self.path)
        form.addRow(self.shared)
        form.addRow(self.tr("Server"), self.host)
        form.addRow(self.tr("Port"), self.port)
        form.addRow(self.tr("Database"), self.database)
        form.addRow(self.tr("User"), self.user)
        form.addRow(self.tr("Password"), self.password)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.result_label, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Use this database"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self._on_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.local.toggled.connect(self._on_kind_toggled)
        self._fill(current)

    def _fill(self, url: URL) -> None:
        if url.get_backend_name() == "sqlite":
            self.local.setChecked(True)
            self.path.setText(url.database or "")
        else:
            self.shared.setChecked(True)
            self.host.setText(url.host or "")
            self.port.setValue(url.port or 5432)
            self.database.setText(url.database or "")
            self.user.setText(url.username or "")
        self._on_kind_toggled()

    def _on_kind_toggled(self) -> None:
        local = self.local.isChecked()
        self.path.setEnabled(local)
        for field in (self.host, self.port, self.database, self.user, self.password):
            field.setEnabled(not local)

    def url(self) -> URL:
        """The URL as chosen, with the password typed (if any)."""
        if self.local.isChecked():
            return make_url(f"sqlite+pysqlite:///{self.path.text().strip()}")
        return URL.create(
            "postgresql+psycopg",
            username=self.user.text().strip() or None,
            password=self.password.text() or None,
            host=self.host.text().strip() or "localhost",
            port=self.port.value(),
            database=self.database.text().strip() or None,
        )

    def saved_url(self) -> str:
        """What may be written to the settings: never the password."""
        url = self.url()
        bare = URL.create(
            url.drivername, url.username, None, url.host, url.port, url.database, url.query
        )
        return bare.render_as_string(hide_password=False)

    def test(self) -> None:
        if self._testing:
            return
        self._testing = True
        self.test_button.setEnabled(False)
        self.result_label.setText(self.tr("Connecting…"))
        url = self.url()
        self._runner.submit(lambda: self._probe(url), self._on_tested, self._on_test_failed)

    def _on_tested(self, revision: str | None) -> None:
        self._testing = False
        self.test_button.setEnabled(True)
        if revision is None:
            self.result_label.setText(
                self.tr("Connected. The database is empty and will be set up.")
            )
        else:
            self.result_label.setText(
                self.tr("Connected. Schema version %1.").replace("%1", revision)
            )

    def _on_test_failed(self, exc: BaseException) -> None:
        self._testing = False
        self.test_button.setEnabled(True)
        problem = classify(exc)
        where = self.url().render_as_string(hide_password=True)
        self.result_label.setText(problem_text(problem, where) if problem else unexpected_text(exc))

    def _on_accepted(self) -> None:
        self.chosen.emit(self.url())
        self.accept()
