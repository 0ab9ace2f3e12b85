"""Read-only access to an MBTiles file: raster map tiles in one SQLite file.

An MBTiles file has a table (or view) ``tiles(zoom_level, tile_column,
tile_row, tile_data)`` and ``metadata(name, value)``. Rows are stored in TMS
order, counted from the south: ``tile_row = 2**z - 1 - y`` for the web (XYZ)
row ``y``. :meth:`MBTiles.tile` takes XYZ coordinates, as Leaflet asks for
them, and flips the row itself.

The file is checked when it is opened; a file that cannot be used raises
:class:`MBTilesError` whose ``kind`` says why (the UI turns it into a message).
One object can be shared by threads: reads go through one connection under a
lock, and each read is a single indexed lookup with a cached prepared statement.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Final

log = logging.getLogger(__name__)

MAX_ZOOM_LEVEL: Final = 30

# Raster formats a web page can show; the metadata's name -> MIME type.
MIME_TYPES: Final[dict[str, str]] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}
_FORMAT_ALIASES: Final[dict[str, str]] = {"jpeg": "jpg"}
_VECTOR_FORMATS: Final = frozenset({"pbf", "mvt"})

_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_SQLITE_HEADER_SIZE: Final = 100
_SNIFF_SIZE: Final = 4096

_TILE_SQL: Final = (
    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
)
_TILES_COLUMNS: Final = frozenset({"zoom_level", "tile_column", "tile_row", "tile_data"})
_METADATA_COLUMNS: Final = frozenset({"name", "value"})

# Web Mercator stops short of the poles.
_MAX_LATITUDE: Final = 85.0511287798066


class MBTilesErrorKind(StrEnum):
    MISSING = "missing"  # no such file
    UNREADABLE = "unreadable"  # exists, but cannot be opened (permissions, locked)
    NOT_MBTILES = "not_mbtiles"  # another kind of file, or SQLite without the MBTiles tables
    CORRUPT = "corrupt"  # damaged or truncated SQLite file
    EMPTY = "empty"  # a valid MBTiles file without a single tile
    UNSUPPORTED = "unsupported"  # vector tiles or an unknown tile format


class MBTilesError(Exception):
    """An MBTiles file that cannot be used. ``kind`` selects the message for people."""

    def __init__(self, kind: MBTilesErrorKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Bounds:
    """A longitude/latitude box in degrees (WGS-84), as in the MBTiles ``bounds`` field."""

    west: float
    south: float
    east: float
    north: float

    def as_list(self) -> list[float]:
        """``[west, south, east, north]``, the order of the MBTiles field."""
        return [self.west, self.south, self.east, self.north]


class MBTiles:
    """An open, validated MBTiles file. Use as a context manager or call :meth:`close`.

    Raises :class:`MBTilesError` if ``path`` is not a usable raster MBTiles file.
    """

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        _check_file(self._path)
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                self._path.resolve().as_uri() + "?mode=ro",
                uri=True,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise _classify(exc) from exc
        try:
            self._conn.execute("PRAGMA query_only = ON")
            self._metadata = _read_metadata(self._conn)
            self._format = _tile_format(self._conn, self._metadata)
            self._min_zoom, self._max_zoom = _zoom_range(self._conn, self._metadata)
            self._bounds = _bounds(self._conn, self._metadata, self._min_zoom)
            self._indexed = _lookup_is_indexed(self._conn)
        except sqlite3.Error as exc:
            self.close()
            raise _classify(exc) from exc
        except BaseException:
            self.close()
            raise
        if not self._indexed:
            log.warning("%s has no index on the tile key: every tile read scans", self._path)

    # ---- what the file holds ----

    @property
    def path(self) -> Path:
        return self._path

    @property
    def metadata(self) -> dict[str, str]:
        """The ``metadata`` table as text (a copy)."""
        return dict(self._metadata)

    @property
    def name(self) -> str:
        return self._metadata.get("name") or self._path.stem

    @property
    def attribution(self) -> str:
        """Plain text from the file; show it as text, never as HTML."""
        return self._metadata.get("attribution", "")

    @property
    def format(self) -> str:
        """``png``, ``jpg`` or ``webp``."""
        return self._format

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self._format]

    @property
    def min_zoom(self) -> int:
        return self._min_zoom

    @property
    def max_zoom(self) -> int:
        return self._max_zoom

    @property
    def bounds(self) -> Bounds | None:
        """The area the tiles cover, or None if the file does not say and it cannot be told."""
        return self._bounds

    @property
    def indexed(self) -> bool:
        """Whether a tile lookup uses an index (every real MBTiles writer creates one)."""
        return self._indexed

    @property
    def closed(self) -> bool:
        return self._conn is None

    # ---- reading ----

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The encoded image of XYZ tile ``z/x/y``, or None if the file has none (or is closed).

        Safe to call from any thread. Raises :class:`MBTilesError` (``corrupt``)
        if SQLite finds the file damaged while reading.
        """
        if not 0 <= z <= MAX_ZOOM_LEVEL:
            return None
        size = 1 << z
        if not (0 <= x < size and 0 <= y < size):
            return None
        tms_row = size - 1 - y
        with self._lock:
            conn = self._conn
            if conn is None:
                return None
            try:
                row = conn.execute(_TILE_SQL, (z, x, tms_row)).fetchone()
            except sqlite3.Error as exc:
                raise _classify(exc) from exc
        if row is None or row[0] is None:
            return None
        data = row[0]
        return bytes(data) if not isinstance(data, bytes) else data

    def close(self) -> None:
        """Close the file; later reads return None. Safe to call more than once."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __enter__(self) -> MBTiles:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"z{self._min_zoom}-{self._max_zoom} {self._format}"
        return f"<MBTiles {self._path.name} {state}>"


# ---- checks at open ----


def _check_file(path: Path) -> None:
    """Refuse what SQLite would misread: no file, not SQLite, a cut-off SQLite file."""
    try:
        if not path.exists():
            raise MBTilesError(MBTilesErrorKind.MISSING, str(path))
        if not path.is_file():
            raise MBTilesError(MBTilesErrorKind.NOT_MBTILES, f"{path} is not a file")
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(_SNIFF_SIZE)
    except OSError as exc:
        raise MBTilesError(MBTilesErrorKind.UNREADABLE, f"{path}: {exc}") from exc
    if size == 0:
        raise MBTilesError(MBTilesErrorKind.CORRUPT, f"{path} is empty (0 bytes)")
    if not head.startswith(_SQLITE_MAGIC):
        # Text is some other file; binary data without the SQLite header is
        # most likely a damaged copy.
        kind = MBTilesErrorKind.CORRUPT if b"\0" in head else MBTilesErrorKind.NOT_MBTILES
        raise MBTilesError(kind, f"{path} has no SQLite header")
    if len(head) < _SQLITE_HEADER_SIZE:
        raise MBTilesError(MBTilesErrorKind.CORRUPT, f"{path} is cut off in the SQLite header")
    page_size = int.from_bytes(head[16:18], "big")
    if page_size == 1:
        page_size = 65536
    if page_size < 512 or page_size & (page_size - 1):
        raise MBTilesError(MBTilesErrorKind.CORRUPT, f"{path}: invalid page size {page_size}")
    if size % page_size:
        raise MBTilesError(MBTilesErrorKind.CORRUPT, f"{path} is cut off mid-page")
    change_counter = int.from_bytes(head[24:28], "big")
    page_count = int.from_bytes(head[28:32], "big")
    valid_for = int.from_bytes(head[92:96], "big")
    if page_count and valid_for == change_counter and size < page_count * page_size:
        raise MBTilesError(
            MBTilesErrorKind.CORRUPT,
            f"{path} is cut off: {size} of {page_count * page_size} bytes",
        )


def _classify(exc: sqlite3.Error) -> MBTilesError:
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, sqlite3.OperationalError) and (
        "unable to open" in lowered or "locked" in lowered or "readonly" in lowered
    ):
        return MBTilesError(MBTilesErrorKind.UNREADABLE, text)
    return MBTilesError(MBTilesErrorKind.CORRUPT, text)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    # The table name comes from our own constants, never from the file.
    return {str(row[1]).lower() for row in conn.execute(f"PRAGMA table_info({table})")}


def _read_metadata(conn: sqlite3.Connection) -> dict[str, str]:
    objects = {
        str(name).lower()
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND lower(name) IN ('tiles', 'metadata')"
        )
    }
    missing = {"tiles", "metadata"} - objects
    if missing:
        raise MBTilesError(MBTilesErrorKind.NOT_MBTILES, f"no {' or '.join(sorted(missing))} table")
    if not _TILES_COLUMNS.issubset(_columns(conn, "tiles")):
        raise MBTilesError(MBTilesErrorKind.NOT_MBTILES, "the tiles table lacks MBTiles columns")
    if not _METADATA_COLUMNS.issubset(_columns(conn, "metadata")):
        raise MBTilesError(MBTilesErrorKind.NOT_MBTILES, "the metadata table lacks MBTiles columns")
    metadata: dict[str, str] = {}
    for name, value in conn.execute("SELECT name, value FROM metadata"):
        if name is None or value is None:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        metadata[str(name).strip().lower()] = str(value).strip()
    return metadata


def _tile_format(conn: sqlite3.Connection, metadata: dict[str, str]) -> str:
    first = conn.execute("SELECT tile_data FROM tiles WHERE tile_data IS NOT NULL LIMIT 1")
    row = first.fetchone()
    if row is None:
        raise MBTilesError(MBTilesErrorKind.EMPTY, "no tiles")
    declared = metadata.get("format", "").lower()
    declared = _FORMAT_ALIASES.get(declared, declared)
    if not declared:  # optional before MBTiles 1.3: tell from the image itself
        declared = _sniff_format(bytes(row[0]))
    if declared in _VECTOR_FORMATS:
        raise MBTilesError(MBTilesErrorKind.UNSUPPORTED, f"vector tiles ({declared})")
    if declared not in MIME_TYPES:
        raise MBTilesError(MBTilesErrorKind.UNSUPPORTED, f"tile format {declared or 'unknown'}")
    return declared


def _sniff_format(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\x1f\x8b"):
        return "pbf"  # gzip: vector tiles
    return ""


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _zoom_range(conn: sqlite3.Connection, metadata: dict[str, str]) -> tuple[int, int]:
    low = _int_or_none(metadata.get("minzoom"))
    high = _int_or_none(metadata.get("maxzoom"))
    if low is None or high is None or not 0 <= low <= high <= MAX_ZOOM_LEVEL:
        # Fast on the (zoom_level, tile_column, tile_row) index.
        row = conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        low, high = int(row[0]), int(row[1])
        if not 0 <= low <= high <= MAX_ZOOM_LEVEL:
            raise MBTilesError(MBTilesErrorKind.CORRUPT, f"zoom levels {low}-{high}")
    return low, high


def _bounds(conn: sqlite3.Connection, metadata: dict[str, str], min_zoom: int) -> Bounds | None:
    declared = _parse_bounds(metadata.get("bounds", ""))
    if declared is not None:
        return declared
    # Not declared: the extent of the tiles at the lowest zoom (few rows).
    row = conn.execute(
        "SELECT MIN(tile_column), MAX(tile_column), MIN(tile_row), MAX(tile_row)"
        " FROM tiles WHERE zoom_level = ?",
        (min_zoom,),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    size = 1 << min_zoom
    west, east = _tile_lon(int(row[0]), size), _tile_lon(int(row[1]) + 1, size)
    # TMS rows count from the south: the highest row is the northernmost.
    north = _tile_lat(size - 1 - int(row[3]), size)
    south = _tile_lat(size - int(row[2]), size)
    return Bounds(west, south, east, north)


def _parse_bounds(text: str) -> Bounds | None:
    parts = text.replace(" ", "").split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        return None
    values_ok = all(math.isfinite(v) for v in (west, south, east, north))
    if not values_ok or not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return Bounds(west, max(south, -_MAX_LATITUDE), east, min(north, _MAX_LATITUDE))


def _tile_lon(column: int, size: int) -> float:
    return column / size * 360.0 - 180.0


def _tile_lat(xyz_row: int, size: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * xyz_row / size))))


def _lookup_is_indexed(conn: sqlite3.Connection) -> bool:
    plan = conn.execute("EXPLAIN QUERY PLAN " + _TILE_SQL, (0, 0, 0)).fetchall()
    return not any(str(step[-1]).startswith("SCAN") for step in plan)


__all__ = ["MIME_TYPES", "Bounds", "MBTiles", "MBTilesError", "MBTilesErrorKind"]
