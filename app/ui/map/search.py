"""Finding a township or a feature on the map by name (the map toolbar's search box).

Names are compared folded (:func:`app.domain.text.fold_text`): ``G310`` finds
``Ｇ３１０国道塌方``, ``ｗａｎｇ`` finds ``Wang``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.domain.text import fold_text
from app.ui.map.payload import ALL_LAYERS
from app.ui.models.folding import fold_needle
from app.ui.plain import plain_tooltip

# The completer matches on the bare name, folded (FOLD_ROLE), and puts the name
# in the box (NAME_ROLE); the list shows the name and its kind.
NAME_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
FOLD_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class SearchEntry:
    text: str  # what the list shows, e.g. "龙城镇（乡镇）"
    name: str
    layer: str
    feature_id: str
    lon: float
    lat: float
    # Folded once, compared at every key press.
    folded_name: str = field(init=False, repr=False, compare=False)
    folded_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded_name", fold_text(self.name))
        object.__setattr__(self, "folded_text", fold_text(self.text))


def build_entries(
    features: Mapping[str, Mapping[str, Mapping[str, Any]]],
    kind_labels: Mapping[str, str],
    pattern: str,
) -> list[SearchEntry]:
    """One entry per named feature, townships first.

    ``pattern`` joins name and kind (``"%1 (%2)"``); where the same name occurs
    twice in a layer, the township is added to the kind to tell them apart.
    """
    entries: list[SearchEntry] = []
    for layer in ALL_LAYERS:
        rows = features.get(layer, {})
        names = Counter(str(f["properties"].get("name") or "") for f in rows.values())
        kind = kind_labels.get(layer, layer)
        for feature_id, feature in rows.items():
            properties = feature["properties"]
            name = str(properties.get("name") or "")
            if not name.strip():
                continue
            detail = kind
            township = properties.get("township")
            if names[name] > 1 and township:
                detail = f"{kind} · {township}"
            lon, lat = feature["geometry"]["coordinates"]
            text = pattern.replace("%1", name).replace("%2", detail)
            entries.append(SearchEntry(text, name, layer, feature_id, lon, lat))
    return entries


def find_entry(entries: list[SearchEntry], text: str) -> SearchEntry | None:
    """The entry ``text`` names: its full list text, else an exact name, else a part
    of one; compared folded (full-width/half-width and case do not matter)."""
    wanted = fold_needle(text)
    if not wanted:
        return None
    for match in (
        lambda e: e.folded_text == wanted,
        lambda e: e.folded_name == wanted,
        lambda e: wanted in e.folded_name,
    ):
        for entry in entries:
            if match(entry):
                return entry
    return None


class PlaceSearchModel(QAbstractListModel):
    """The entries as a list model for a QCompleter (match on ``NAME_ROLE``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[SearchEntry] = []

    @property
    def entries(self) -> list[SearchEntry]:
        return self._entries

    def set_entries(self, entries: list[SearchEntry]) -> None:
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def entry_at(self, row: int) -> SearchEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(entry.text)
        if role == NAME_ROLE:
            return entry.name
        if role == FOLD_ROLE:
            return entry.folded_name
        if role == ROW_ROLE:
            return index.row()
        return None
