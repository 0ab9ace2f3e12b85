"""Messages for people about database problems and refused actions, in their language."""

from __future__ import annotations

import errno
import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.data.errors import DatabaseProblem, ProblemKind
from app.domain.access import Action
from app.domain.identity import Identity
from app.services.access import NotPermitted, SecretRejected, SignInRefused


def _t(text: str) -> str:
    return QCoreApplication.translate("Messages", text)


def problem_text(problem: DatabaseProblem, where: str) -> str:
    """A sentence that says what is wrong and what to do about it."""
    texts = {
        ProblemKind.NEWER_SCHEMA: QT_TRANSLATE_NOOP(
            "Messages",
            "The database %1 was made by a newer version of this program. "
            "Install the newer version; this one will not change the database.",
        ),
        ProblemKind.LOCKED: QT_TRANSLATE_NOOP(
            "Messages",
            "The database %1 is locked by another program. "
            "Close the other program or wait a moment, then try again.",
        ),
        ProblemKind.READ_ONLY: QT_TRANSLATE_NOOP(
            "Messages", "The database %1 is read-only. Check the file's permissions or the disk."
        ),
        ProblemKind.UNREACHABLE: QT_TRANSLATE_NOOP(
            "Messages",
            "Cannot connect to the database server %1. "
            "Check the network and that the server is running.",
        ),
        ProblemKind.AUTH: QT_TRANSLATE_NOOP(
            "Messages",
            "The database server %1 refused the login. Check the user name and password.",
        ),
        ProblemKind.CORRUPT: QT_TRANSLATE_NOOP(
            "Messages",
            "The file %1 is not a usable database (damaged or not a database). "
            "Restore it from a backup or choose another file.",
        ),
        ProblemKind.NOT_FOUND: QT_TRANSLATE_NOOP(
            "Messages", "The database %1 does not exist or cannot be opened."
        ),
        ProblemKind.CONFLICT: QT_TRANSLATE_NOOP(
            "Messages",
            "Someone else changed this record in %1 first. Reload it and apply your change again.",
        ),
        ProblemKind.DISK_FULL: QT_TRANSLATE_NOOP(
            "Messages", "The disk holding the database %1 is full."
        ),
        ProblemKind.BUSY: QT_TRANSLATE_NOOP(
            "Messages",
            "The database %1 was busy with another seat's change. Nothing was saved; try again.",
        ),
        ProblemKind.MIGRATION: QT_TRANSLATE_NOOP(
            "Messages", "The database %1 could not be upgraded; it has been left unchanged."
        ),
        ProblemKind.CONSTRAINT: QT_TRANSLATE_NOOP(
            "Messages",
            "The database %1 refused the change because it breaks one of its rules "
            "(a required value is missing, a value that must be unique is already used, "
            "or a record it refers to is gone). Nothing was saved. "
            "Reload, check the entries and try again.",
        ),
        ProblemKind.PERMISSION: QT_TRANSLATE_NOOP(
            "Messages",
            "The database %1 does not allow this login or this program to do that. "
            "Ask the database administrator for the rights, or check the file's permissions.",
        ),
        ProblemKind.IO_ERROR: QT_TRANSLATE_NOOP(
            "Messages",
            "The disk or file holding the database %1 could not be read or written. "
            "Check the disk and its connection (network drive, USB disk), then try again.",
        ),
    }
    return _t(str(texts[problem.kind])).replace("%1", where)


def refusal_text(exc: BaseException) -> str | None:
    """What a refusal says (a write the person's roles do not allow, a password
    or PIN the rules refuse, a sign-in refused), or None for any other error.

    These are answers, not faults: the person reads them and can act on them
    (ask for the role, choose another password)."""
    if isinstance(exc, NotPermitted | SignInRefused):
        return exc.message()
    if isinstance(exc, SecretRejected):
        return str(exc)
    return None


def not_permitted_text(identity: Identity, action: Action) -> str:
    """Why ``identity`` may not make writes of kind ``action`` (the words the
    service's refusal uses): the tooltip of a disabled button or menu entry."""
    return NotPermitted(action, identity).message()


def unexpected_text(exc: BaseException, log_path: str | None = None) -> str:
    """For an error no rule covers: a fault in this program, not the user's doing.

    Says that nothing was saved beyond what the screen shows, so the user knows
    what to check, and where the details were logged when that is known. A
    refusal (:func:`refusal_text`) that reaches here is said as itself: every
    form that falls back on this shows "no right to …" instead of a fault.
    """
    refused = refusal_text(exc)
    if refused is not None:
        return refused
    what = f"{type(exc).__name__}: {exc}"
    if log_path:
        text = QCoreApplication.translate(
            "Messages",
            "A fault in this program (a bug) stopped this action: %1. "
            "Nothing was saved beyond what the screen shows. "
            "The details are in the log file %2; please send it to whoever maintains "
            "the program.",
        )
        # One pass, so a "%2" inside the error's own text stays as it is.
        return re.sub(r"%([12])", lambda m: what if m.group(1) == "1" else log_path, text)
    return QCoreApplication.translate(
        "Messages",
        "A fault in this program (a bug) stopped this action: %1. "
        "Nothing was saved beyond what the screen shows. "
        "Please report it to whoever maintains the program.",
    ).replace("%1", what)


_FILE_ERRORS = {
    errno.ENOENT: QT_TRANSLATE_NOOP("Messages", "the folder does not exist"),
    errno.EACCES: QT_TRANSLATE_NOOP("Messages", "no permission to write there"),
    errno.EPERM: QT_TRANSLATE_NOOP("Messages", "no permission to write there"),
    errno.EROFS: QT_TRANSLATE_NOOP("Messages", "the disk is read-only"),
    errno.ENOSPC: QT_TRANSLATE_NOOP("Messages", "the disk is full"),
    errno.EISDIR: QT_TRANSLATE_NOOP("Messages", "a folder has that name"),
    errno.ENAMETOOLONG: QT_TRANSLATE_NOOP("Messages", "the file name is too long"),
    errno.EBUSY: QT_TRANSLATE_NOOP("Messages", "the file is open in another program"),
}


def file_error_text(exc: OSError) -> str:
    """Why a file could not be written or read, in the user's language.

    The operating system's own message is in English (``strerror``); the
    common causes get a sentence of their own, others keep the system's text.
    """
    reason = _FILE_ERRORS.get(exc.errno or 0)
    if reason is not None:
        return _t(str(reason))
    return exc.strerror or str(exc)
