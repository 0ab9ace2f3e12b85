"""Asking for one point on the map, from a form that does not know the map.

A form holds a :class:`PointPicker` (given by whoever opens it) and calls
:meth:`PointPicker.start`; the answer comes as ``picked(lon, lat)`` (WGS-84
degrees) or ``cancelled``. :class:`MapPointPicker` asks the window's map
(pick mode in :class:`~app.ui.map.view.MapPanel`); a test can use a plain
:class:`PointPicker` and emit the answer itself.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.ui.map.view import MapPanel


class PointPicker(QObject):
    """One request at a time: ``start`` then ``picked`` or ``cancelled``."""

    picked = Signal(float, float)  # lon, lat in decimal degrees (WGS-84)
    cancelled = Signal()
    started = Signal()

    def start(self) -> None:
        """Ask for a point; the base class only says it has started."""
        self.started.emit()

    def cancel(self) -> None:
        """Stop asking (the form closed): ``cancelled`` follows."""
        self.cancelled.emit()


class MapPointPicker(PointPicker):
    """Puts the map in pick mode; ``show_map`` brings the map into view first."""

    def __init__(
        self,
        map_panel: MapPanel,
        show_map: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._map = map_panel
        self._show_map = show_map
        map_panel.point_picked.connect(self.picked)
        map_panel.pick_cancelled.connect(self.cancelled)

    def start(self) -> None:
        if self._show_map is not None:
            self._show_map()
        self._map.start_pick()
        self.started.emit()

    def cancel(self) -> None:
        self._map.cancel_pick()
