"""A position as people give it: typed in decimal degrees or degrees-minutes-seconds,
or picked on the map.

Each box shows what it read in degrees-minutes-seconds beside it
(``116°57′30.0″E``), so a typing slip is seen at once. A position that looks
wrong (latitude and longitude swapped, a point outside the county) is kept
and saved: the flags say so in words under the boxes (see
:func:`app.domain.coords.position_flags`).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from app.domain.coords import FLAG_TEXT, Axis, format_dms, parse_angle, position_flags
from app.domain.rules import RuleViolation
from app.ui.map.pick import PointPicker

FLAG_COLOR = "#b35900"


def _plain_degrees(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


class PositionEdit(QObject):
    """Two rows for a form: ``lon_row`` (box and its DMS) and ``lat_row`` (box,
    DMS, 在地图上选点), and ``flags_label`` for what looks wrong.

    ``pick_started`` / ``pick_finished`` tell the form to step aside while the
    user clicks the map (a modal form would block the map).
    """

    pick_started = Signal()
    pick_finished = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget, picker: PointPicker | None = None) -> None:
        super().__init__(parent)
        self._picker = picker
        self._picking = False
        self.picked_on_map = False  # the last position came from a click on the map
        self.lon_edit, self.lon_dms, self.lon_row = self._row(parent, "lon", "116.95 或 116°57′30″")
        self.lat_edit, self.lat_dms, self.lat_row = self._row(parent, "lat", "34.19 或 34°11′24″")
        self.pick_button = QPushButton("在地图上选点…", parent)
        self.pick_button.setObjectName("pick_on_map")
        self.pick_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        if picker is None:
            self.pick_button.setEnabled(False)
            self.pick_button.setToolTip("没有可用的地图")
        else:
            self.pick_button.setToolTip("在地图上单击要选的位置，按 Esc 取消")
            picker.picked.connect(self._on_picker_picked)
            picker.cancelled.connect(self._on_picker_cancelled)
        self.pick_button.clicked.connect(self._on_pick_button_clicked)
        self.flags_label = QLabel(parent)
        self.flags_label.setObjectName("position_flags")
        self.flags_label.setTextFormat(Qt.TextFormat.PlainText)
        self.flags_label.setWordWrap(True)
        self.flags_label.setStyleSheet(f"color: {FLAG_COLOR}; font-weight: bold;")
        self.flags_label.hide()
        # Under the boxes: the map button and what looks wrong with the position.
        self.pick_row = QWidget(parent)
        pick_layout = QHBoxLayout(self.pick_row)
        pick_layout.setContentsMargins(0, 0, 0, 0)
        pick_layout.addWidget(self.pick_button)
        pick_layout.addWidget(self.flags_label, 1)
        for edit in (self.lon_edit, self.lat_edit):
            edit.textChanged.connect(self._on_text_changed)

    def _row(self, parent: QWidget, axis: Axis, hint: str) -> tuple[QLineEdit, QLabel, QWidget]:
        row = QWidget(parent)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit(row)
        edit.setObjectName(f"field_{axis}")
        edit.setPlaceholderText(hint)
        dms = QLabel(row)
        dms.setObjectName(f"{axis}_dms")
        dms.setTextFormat(Qt.TextFormat.PlainText)
        dms.setMinimumWidth(130)
        dms.setStyleSheet("color: #555;")
        layout.addWidget(edit, 1)
        layout.addWidget(dms)
        return edit, dms, row

    # -- values ------------------------------------------------------------------------
    def set_position(self, lon: float | None, lat: float | None) -> None:
        self.lon_edit.setText("" if lon is None else _plain_degrees(lon))
        self.lat_edit.setText("" if lat is None else _plain_degrees(lat))

    def parse(self, axis: Axis) -> float | None:
        """The degrees typed for ``axis`` (None when empty).

        A latitude beyond 90° is taken when the two boxes read the other way
        round (longitude and latitude swapped): kept as typed and flagged, not
        refused. Raises RuleViolation (``coord.*``) otherwise.
        """
        edit = self.lon_edit if axis == "lon" else self.lat_edit
        text = edit.text()
        if not text.strip():
            return None
        try:
            return parse_angle(text, axis)
        except RuleViolation as exc:
            if axis == "lat" and exc.code == "coord.out_of_range" and self._looks_swapped():
                return parse_angle(text, "lon")
            raise

    def _looks_swapped(self) -> bool:
        try:
            lon_as_lat = parse_angle(self.lon_edit.text(), "lat")
            lat_as_lon = parse_angle(self.lat_edit.text(), "lon")
        except RuleViolation:
            return False
        return bool(position_flags(lat_as_lon, lon_as_lat) == [])

    def value(self, axis: Axis) -> float | None:
        """The degrees typed for ``axis``; None when empty or unreadable."""
        try:
            return self.parse(axis)
        except RuleViolation:
            return None

    def flags_text(self) -> str:
        """What looks wrong with the position typed, in words ("" when nothing does)."""
        lon, lat = self.value("lon"), self.value("lat")
        if lon is None or lat is None:
            return ""
        return "；".join(FLAG_TEXT[flag] for flag in position_flags(lon, lat))

    def _on_text_changed(self) -> None:
        self.picked_on_map = False
        lon, lat = self.value("lon"), self.value("lat")
        self.lon_dms.setText("" if lon is None else format_dms(lon, "lon"))
        self.lat_dms.setText("" if lat is None else format_dms(lat, "lat"))
        flags = self.flags_text()
        self.flags_label.setText(f"⚠ {flags}（仍可保存）" if flags else "")
        self.flags_label.setVisible(bool(flags))
        self.changed.emit()

    # -- picking on the map ---------------------------------------------------------------
    def _on_pick_button_clicked(self) -> None:
        if self._picker is None or self._picking:
            return
        self._picking = True
        self.pick_started.emit()
        self._picker.start()

    def _on_picker_picked(self, lon: float, lat: float) -> None:
        if not self._picking:
            return  # another form asked
        self._picking = False
        self.set_position(round(lon, 7), round(lat, 7))
        self.picked_on_map = True
        self.pick_finished.emit()

    def _on_picker_cancelled(self) -> None:
        if self._picking:
            self._picking = False
            self.pick_finished.emit()

    def stop_picking(self) -> None:
        """The form goes away: stop waiting for the map."""
        if self._picking and self._picker is not None:
            self._picker.cancel()
