"""MBTiles files: reading tiles in XYZ order from TMS rows, and refusing bad files."""

from __future__ import annotations

import math
import sqlite3
import struct
import threading
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from app.data.mbtiles import MBTiles, MBTilesError, MBTilesErrorKind
from tests.helpers.processes import join_all

# 萧县: the county's bounding box (lon/lat, WGS-84).
COUNTY_BBOX = (116.53, 33.94, 117.15, 34.49)
ZOOMS = (8, 9, 10)

TileKey = tuple[int, int, int]  # XYZ (z, x, y), y counted from the north


# ---- building test files ----


def png_bytes(rgb: tuple[int, int, int], size: int = 1) -> bytes:
    """A valid ``size`` x ``size`` PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def xyz_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    size = 1 << z
    x = int((lon + 180.0) / 360.0 * size)
    lat_rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * size)
    return x, y


def county_tile_keys(zooms: Iterable[int] = ZOOMS) -> list[TileKey]:
    west, south, east, north = COUNTY_BBOX
    keys = []
    for z in zooms:
        x0, y0 = xyz_tile(west, north, z)
        x1, y1 = xyz_tile(east, south, z)
        keys += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return keys


def payload(key: TileKey) -> bytes:
    """A distinct PNG per tile: its colour encodes z, x and y."""
    z, x, y = key
    return png_bytes((z, x % 256, y % 256))


def write_mbtiles(
    path: Path,
    tiles: Mapping[TileKey, bytes],
    metadata: Mapping[str, str] | None = None,
    *,
    index: bool = True,
) -> Path:
    """Write an MBTiles file the way tile tools do: TMS rows, unique index, metadata."""
    if metadata is None:
        metadata = county_metadata()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
            " tile_row INTEGER, tile_data BLOB)"
        )
        if index:
            conn.execute(
                "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)"
            )
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
    conn.close()
    return path


def county_metadata(**overrides: str) -> dict[str, str]:
    metadata = {
        "name": "萧县底图",
        "format": "png",
        "minzoom": str(min(ZOOMS)),
        "maxzoom": str(max(ZOOMS)),
        "bounds": ",".join(str(v) for v in COUNTY_BBOX),
        "attribution": "测试数据",
        "type": "baselayer",
    }
    metadata.update(overrides)
    return {k: v for k, v in metadata.items() if v != ""}


def county_tiles(zooms: Iterable[int] = ZOOMS) -> dict[TileKey, bytes]:
    return {key: payload(key) for key in county_tile_keys(zooms)}


@pytest.fixture
def county_file(tmp_path: Path) -> Path:
    return write_mbtiles(tmp_path / "county.mbtiles", county_tiles())


def expect_error(path: Path, kind: MBTilesErrorKind) -> MBTilesError:
    with pytest.raises(MBTilesError) as caught:
        MBTiles(path)
    assert caught.value.kind == kind, caught.value
    return caught.value


# ---- a good file ----


def test_reads_every_tile_in_xyz_order(county_file: Path) -> None:
    tiles = county_tiles()
    with MBTiles(county_file) as mbtiles:
        for (z, x, y), data in tiles.items():
            assert mbtiles.tile(z, x, y) == data
            # The TMS row number read as an XYZ row is another place on Earth.
            assert mbtiles.tile(z, x, (1 << z) - 1 - y) is None
        assert mbtiles.format == "png"
        assert mbtiles.mime_type == "image/png"
        assert (mbtiles.min_zoom, mbtiles.max_zoom) == (8, 10)
        assert mbtiles.bounds is not None
        assert mbtiles.bounds.as_list() == list(COUNTY_BBOX)
        assert mbtiles.name == "萧县底图"
        assert mbtiles.attribution == "测试数据"
        assert mbtiles.metadata["type"] == "baselayer"
        assert mbtiles.indexed


def test_flips_rows_between_xyz_and_tms(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "flip.mbtiles", {}, county_metadata())
    with sqlite3.connect(path) as conn:  # rows as stored: TMS, counted from the south
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(9, 421, 301, b"tms row 301"), (9, 421, 210, b"tms row 210")],
        )
    conn.close()
    with MBTiles(path) as mbtiles:
        # XYZ y = 2**9 - 1 - tms_row
        assert mbtiles.tile(9, 421, 210) == b"tms row 301"
        assert mbtiles.tile(9, 421, 301) == b"tms row 210"
        assert mbtiles.tile(9, 421, 211) is None


@pytest.mark.parametrize(
    ("z", "x", "y"),
    [(-1, 0, 0), (31, 0, 0), (9, -1, 0), (9, 0, -1), (9, 512, 0), (9, 0, 512), (3, 0, 0)],
)
def test_tiles_outside_the_grid_or_the_file_are_none(
    county_file: Path, z: int, x: int, y: int
) -> None:
    with MBTiles(county_file) as mbtiles:
        assert mbtiles.tile(z, x, y) is None


def test_closed_file_has_no_tiles(county_file: Path) -> None:
    mbtiles = MBTiles(county_file)
    z, x, y = county_tile_keys()[0]
    assert mbtiles.tile(z, x, y) is not None
    mbtiles.close()
    mbtiles.close()
    assert mbtiles.closed
    assert mbtiles.tile(z, x, y) is None


def test_opens_read_only_and_leaves_the_file_alone(county_file: Path) -> None:
    before = county_file.read_bytes()
    with MBTiles(county_file) as mbtiles:
        for z, x, y in county_tile_keys():
            mbtiles.tile(z, x, y)
        conn = mbtiles._conn
        assert conn is not None
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("DELETE FROM tiles")
    assert county_file.read_bytes() == before
    assert sorted(p.name for p in county_file.parent.iterdir()) == ["county.mbtiles"]


def test_path_with_spaces_hash_and_chinese(tmp_path: Path) -> None:
    folder = tmp_path / "底图 #1 ?a=b%20"
    folder.mkdir()
    path = write_mbtiles(folder / "萧县 底图#.mbtiles", county_tiles())
    with MBTiles(path) as mbtiles:
        z, x, y = county_tile_keys()[-1]
        assert mbtiles.tile(z, x, y) == payload((z, x, y))


def test_reads_from_many_threads(county_file: Path) -> None:
    keys = county_tile_keys()
    errors: list[str] = []
    with MBTiles(county_file) as mbtiles:

        def read_all(offset: int) -> None:
            for i in range(400):
                key = keys[(i + offset) % len(keys)]
                if mbtiles.tile(*key) != payload(key):
                    errors.append(f"wrong tile {key}")

        threads = [threading.Thread(target=read_all, args=(n * 7,)) for n in range(8)]
        for thread in threads:
            thread.start()
        join_all(threads, 60)
    assert errors == []


def test_metadata_gaps_are_filled_from_the_tiles(tmp_path: Path) -> None:
    metadata = county_metadata(format="", minzoom="", maxzoom="", bounds="nonsense")
    path = write_mbtiles(tmp_path / "sparse.mbtiles", county_tiles(), metadata)
    with MBTiles(path) as mbtiles:
        assert mbtiles.format == "png"  # told from the tile's own header
        assert (mbtiles.min_zoom, mbtiles.max_zoom) == (8, 10)
        bounds = mbtiles.bounds
        assert bounds is not None
        west, south, east, north = COUNTY_BBOX
        # The tiles of the lowest zoom cover the county, and not much more.
        assert bounds.west <= west < east <= bounds.east
        assert bounds.south <= south < north <= bounds.north
        assert bounds.east - bounds.west <= 360 / 2**8 * 2


def test_jpeg_format_alias(tmp_path: Path) -> None:
    path = write_mbtiles(
        tmp_path / "photo.mbtiles",
        {(9, 421, 210): b"\xff\xd8\xff jpeg"},
        county_metadata(format="JPEG"),
    )
    with MBTiles(path) as mbtiles:
        assert (mbtiles.format, mbtiles.mime_type) == ("jpg", "image/jpeg")


def test_view_schema_of_deduplicating_writers(tmp_path: Path) -> None:
    """mbutil and TileMill store images once and expose ``tiles`` as a view."""
    path = tmp_path / "view.mbtiles"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                              tile_id TEXT);
            CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
            CREATE TABLE images (tile_data BLOB, tile_id TEXT);
            CREATE UNIQUE INDEX images_id ON images (tile_id);
            CREATE TABLE metadata (name TEXT, value TEXT);
            CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level,
                map.tile_column AS tile_column, map.tile_row AS tile_row,
                images.tile_data AS tile_data
                FROM map JOIN images ON images.tile_id = map.tile_id;
            """
        )
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", county_metadata().items())
        conn.execute("INSERT INTO images VALUES (?, 'a')", (payload((9, 0, 0)),))
        conn.executemany("INSERT INTO map VALUES (?, ?, ?, 'a')", [(9, 421, 301), (9, 422, 301)])
    conn.close()
    with MBTiles(path) as mbtiles:
        assert mbtiles.indexed
        assert mbtiles.tile(9, 421, 210) == mbtiles.tile(9, 422, 210) == payload((9, 0, 0))


def test_file_without_index_still_reads_but_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_mbtiles(tmp_path / "slow.mbtiles", county_tiles(), index=False)
    with MBTiles(path) as mbtiles:
        assert not mbtiles.indexed
        z, x, y = county_tile_keys()[0]
        assert mbtiles.tile(z, x, y) == payload((z, x, y))
    assert "no index" in caplog.text


# ---- bad files ----


def test_missing_file(tmp_path: Path) -> None:
    error = expect_error(tmp_path / "nowhere.mbtiles", MBTilesErrorKind.MISSING)
    assert "nowhere.mbtiles" in error.detail


def test_folder_is_not_mbtiles(tmp_path: Path) -> None:
    expect_error(tmp_path, MBTilesErrorKind.NOT_MBTILES)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.mbtiles"
    path.write_text("这不是地图文件\nnot a map\n", encoding="utf-8")
    expect_error(path, MBTilesErrorKind.NOT_MBTILES)


def test_sqlite_without_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE incidents (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    error = expect_error(path, MBTilesErrorKind.NOT_MBTILES)
    assert "metadata" in error.detail and "tiles" in error.detail


def test_tiles_table_with_other_columns(tmp_path: Path) -> None:
    path = tmp_path / "odd.mbtiles"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute("CREATE TABLE tiles (z INTEGER, x INTEGER, y INTEGER, data BLOB)")
    conn.close()
    expect_error(path, MBTilesErrorKind.NOT_MBTILES)


def test_no_tiles_is_empty(tmp_path: Path) -> None:
    path = write_mbtiles(tmp_path / "empty.mbtiles", {})
    expect_error(path, MBTilesErrorKind.EMPTY)


@pytest.mark.parametrize("declared", ["pbf", "tiff"])
def test_vector_or_unknown_format_is_unsupported(tmp_path: Path, declared: str) -> None:
    path = write_mbtiles(
        tmp_path / f"{declared}.mbtiles", county_tiles((9,)), county_metadata(format=declared)
    )
    expect_error(path, MBTilesErrorKind.UNSUPPORTED)


def test_undeclared_gzip_tiles_are_vector_tiles(tmp_path: Path) -> None:
    tiles = {(9, 421, 210): b"\x1f\x8b\x08\x00 gzip"}
    path = write_mbtiles(tmp_path / "vector.mbtiles", tiles, county_metadata(format=""))
    expect_error(path, MBTilesErrorKind.UNSUPPORTED)


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "zero.mbtiles"
    path.write_bytes(b"")
    expect_error(path, MBTilesErrorKind.CORRUPT)


def test_garbage_header(county_file: Path) -> None:
    data = bytearray(county_file.read_bytes())
    data[:16] = bytes(range(200, 216))
    county_file.write_bytes(bytes(data))
    expect_error(county_file, MBTilesErrorKind.CORRUPT)


@pytest.mark.parametrize("keep", [50, 1000, 0.5])
def test_truncated_file(county_file: Path, keep: float) -> None:
    data = county_file.read_bytes()
    size = int(len(data) * keep) if isinstance(keep, float) else int(keep)
    county_file.write_bytes(data[:size])
    expect_error(county_file, MBTilesErrorKind.CORRUPT)


def test_truncated_at_a_page_boundary(county_file: Path) -> None:
    data = county_file.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    county_file.write_bytes(data[: page_size * 2])
    expect_error(county_file, MBTilesErrorKind.CORRUPT)


@pytest.mark.parametrize("first_damaged_page", [1, "half"])
def test_damaged_pages_fail_cleanly(tmp_path: Path, first_damaged_page: int | str) -> None:
    """Garbage inside the file: refused at open, or the reads that meet it fail as corrupt."""
    tiles = {key: payload(key) + bytes(range(256)) * 12 for key in county_tile_keys()}
    path = write_mbtiles(tmp_path / "damaged.mbtiles", tiles)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    first = pages // 2 if first_damaged_page == "half" else int(first_damaged_page)
    for page in range(first, pages):
        data[page * page_size : page * page_size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))

    outcomes: list[str] = []
    try:
        mbtiles = MBTiles(path)
    except MBTilesError as error:
        outcomes.append(error.kind)
    else:
        with mbtiles:
            for key, expected in tiles.items():
                try:
                    found = mbtiles.tile(*key)
                except MBTilesError as error:
                    outcomes.append(error.kind)
                else:
                    outcomes.append("ok" if found in (expected, None) else "wrong")
    assert "wrong" not in outcomes
    assert MBTilesErrorKind.CORRUPT in outcomes
