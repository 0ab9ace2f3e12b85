"""The QWebChannel object the map page talks to (``bridge`` in ``map.js``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

BRIDGE_NAME = "bridge"


class MapBridge(QObject):
    """Receives the page's messages and re-emits them as Qt signals.

    Only slots are meant for the page; the signals are for the Python side.
    """

    page_ready = Signal()
    data_applied = Signal(int)
    feature_highlighted = Signal(str, str)
    feature_clicked = Signal(str, str)
    context_menu_requested = Signal(float, float)
    point_picked = Signal(float, float)
    pick_cancelled = Signal()

    @Slot()
    def pageReady(self) -> None:
        self.page_ready.emit()

    @Slot(int)
    def dataApplied(self, generation: int) -> None:
        """The page has painted ``setData`` or ``applyChanges`` of this generation."""
        self.data_applied.emit(generation)

    @Slot(str, str)
    def featureHighlighted(self, layer: str, feature_id: str) -> None:
        """The page shows this feature highlighted; empty strings: nothing is."""
        self.feature_highlighted.emit(layer, feature_id)

    @Slot(str, str)
    def featureClicked(self, layer: str, feature_id: str) -> None:
        self.feature_clicked.emit(layer, feature_id)

    @Slot(float, float)
    def contextMenuRequested(self, lon: float, lat: float) -> None:
        """The user right-clicked the map at this point (WGS-84 degrees)."""
        self.context_menu_requested.emit(lon, lat)

    @Slot(float, float)
    def pointPicked(self, lon: float, lat: float) -> None:
        """In pick mode the user clicked this point (WGS-84 degrees)."""
        self.point_picked.emit(lon, lat)

    @Slot()
    def pickCancelled(self) -> None:
        """In pick mode the user pressed Esc on the page."""
        self.pick_cancelled.emit()
