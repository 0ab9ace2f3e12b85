"""Translations: Simplified Chinese by default, English when chosen."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from app.domain.labels import Language
from app.paths import resources_dir

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh_CN"

# The language installed last: labels of stored codes and the map page's texts
# are looked up in it (they do not go through QTranslator).
_language: Language = "zh_CN"


def current_language() -> Language:
    """The language the user interface runs in ("zh_CN" or "en")."""
    return _language


def install_translator(app: QApplication, language: str) -> list[QTranslator]:
    """Install the program's and Qt's own translations; return them (keep them alive)."""
    global _language
    _language = "en" if language == "en" else "zh_CN"
    installed: list[QTranslator] = []
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return installed
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    ours = QTranslator(app)
    qm = resources_dir() / "i18n" / f"xcc_{language}.qm"
    if ours.load(str(qm)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("translation %s is missing; run 'make translations'", qm)
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
