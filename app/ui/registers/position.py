"""A position as people give it: typed in decimal degrees or degrees-minutes-seconds,
or picked on the map.

Each box shows what it read in degrees-minutes-seconds beside it
(``116°57′30.0″E``), so a typing slip is seen at once. A point outside the
county is kept and saved: the flags say so in words under the boxes (see
:func:`app.domain.coords.position_flags`). Latitude and longitude typed the
wrong way round are not saved (a latitude beyond ±90° is impossible): the
warning comes with a 交换经纬度 button that swaps the two boxes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from app.domain.coords import (
    FLAG_TEXT,
    Axis,
    PositionFlag,
    format_dms,
    parse_angle,
    position_flags,
)
from app.domain.rules import RuleViolation
from app.ui.map.pick import PointPicker

FLAG_COLOR = "#b35900"
# A latitude beyond ±90° (most likely the longitude, the boxes swapped).
LAT_OUT_OF_RANGE = "coord.lat_out_of_range"
LAT_OUT_OF_RANGE_TEXT = "纬度超出范围，可能与经度填反了——点“交换经纬度”"


def _plain_degrees(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


class PositionEdit(QObject):
    """Rows for a form: ``lon_row`` (box, its DMS and 在地图上选点), ``lat_row``
    (box and DMS), and ``pick_row``: ``flags_label`` for what looks wrong and,
    when the two look swapped, ``swap_button`` (交换经纬度). The map button sits
    on the longitude's row so that messages under the boxes never move it.

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
        self.swap_button = QPushButton("交换经纬度", parent)
        self.swap_button.setObjectName("swap_lon_lat")
        self.swap_button.setToolTip("把经度框和纬度框的内容互换")
        self.swap_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.swap_button.clicked.connect(self.swap)
        self.swap_button.hide()
        lon_layout = self.lon_row.layout()
        assert isinstance(lon_layout, QHBoxLayout)
        lon_layout.addWidget(self.pick_button)
        # Under the boxes: what looks wrong with the position (and the swap).
        self.pick_row = QWidget(parent)
        pick_layout = QHBoxLayout(self.pick_row)
        pick_layout.setContentsMargins(0, 0, 0, 0)
        pick_layout.addWidget(self.flags_label, 1)
        pick_layout.addWidget(self.swap_button, 0, Qt.AlignmentFlag.AlignTop)
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

        Raises RuleViolation (``coord.*``); a latitude beyond ±90° is
        ``coord.lat_out_of_range`` (:data:`LAT_OUT_OF_RANGE`): most likely the
        longitude, the two boxes swapped.
        """
        edit = self.lon_edit if axis == "lon" else self.lat_edit
        text = edit.text()
        if not text.strip():
            return None
        try:
            return parse_angle(text, axis)
        except RuleViolation as exc:
            if axis == "lat" and exc.code == "coord.out_of_range":
                raise RuleViolation(LAT_OUT_OF_RANGE, text) from exc
            raise

    def _reading(self) -> tuple[float | None, float | None]:
        """The two boxes as degrees for the flags: a latitude beyond ±90° is read
        as it stands (a longitude's degrees), so a swapped pair is seen as such."""
        lon, lat = self.value("lon"), self.value("lat")
        if lat is None and self.lat_edit.text().strip():
            try:
                lat = parse_angle(self.lat_edit.text(), "lon")
            except RuleViolation:
                lat = None
        return lon, lat

    def flags(self) -> list[PositionFlag]:
        """What looks wrong with the position typed (empty when nothing does)."""
        lon, lat = self._reading()
        if lon is None or lat is None:
            return []
        return position_flags(lon, lat)

    def looks_swapped(self) -> bool:
        """The two boxes read the other way round fall inside the county."""
        return PositionFlag.SWAPPED in self.flags()

    def swap(self) -> None:
        """Exchange the texts of the longitude and latitude boxes."""
        lon_text, lat_text = self.lon_edit.text(), self.lat_edit.text()
        self.lon_edit.setText(lat_text)
        self.lat_edit.setText(lon_text)

    def value(self, axis: Axis) -> float | None:
        """The degrees typed for ``axis``; None when empty or unreadable."""
        try:
            return self.parse(axis)
        except RuleViolation:
            return None

    def flags_text(self) -> str:
        """What looks wrong with the position typed, in words ("" when nothing does)."""
        return "；".join(FLAG_TEXT[flag] for flag in self.flags())

    def _on_text_changed(self) -> None:
        self.picked_on_map = False
        lon, lat = self.value("lon"), self.value("lat")
        self.lon_dms.setText("" if lon is None else format_dms(lon, "lon"))
        self.lat_dms.setText("" if lat is None else format_dms(lat, "lat"))
        flags = self.flags_text()
        swapped = self.looks_swapped()
        if not flags:
            text = ""
        elif swapped:
            text = f"⚠ {flags}，请交换后再保存"
        else:
            text = f"⚠ {flags}（仍可保存）"
        self.flags_label.setText(text)
        self.flags_label.setVisible(bool(text))
        self.swap_button.setVisible(swapped)
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
