"""Export of the registers and of stock to XLSX and GeoJSON.

* XLSX through :mod:`app.services.spreadsheet`: one sheet, the Chinese column
  names of :mod:`app.domain.registers` (``FieldSpec.zh``) as the header (frozen),
  choices in words (:func:`~app.domain.registers.format_field`), numbers as
  numbers, dates as dates, columns as wide as their text, saved whole or not at
  all. The file imports again as it is: every row "unchanged".
* GeoJSON (RFC 7946): a FeatureCollection of Points in WGS-84 longitude,
  latitude; ``properties`` have stable ASCII keys (the field names and ``id``)
  with the values in Chinese; a record without a position has ``"geometry":
  null``. UTF-8, written whole or not at all. GDAL (``ogrinfo``) reads it.

Stock: one row per depot × batch line with the quantity on hand (the sum of
its movements) and its expiry date; in GeoJSON at the depot's position.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import DepotMinimum, StockItem, StockMovement, SupplyDepot, Township
from app.domain.clock import CHINA_TZ
from app.domain.registers import REGISTERS, FieldKind, RegisterSpec, format_field
from app.services.register_import import KINDS, MODELS, STOCK_ZH
from app.services.spreadsheet import (
    fit_columns,
    replacing,
    save_workbook,
    write_header,
    write_row,
)

FORMATS = (".xlsx", ".geojson", ".json")
_DATE_FORMAT = "yyyy-mm-dd"
STOCK_FIELDS = (
    "depot",
    "depot_code",
    "item_code",
    "item_name",
    "unit",
    "quantity",
    "batch",
    "expiry_date",
    "min_quantity",
)


class ExportFormatError(ValueError):
    """The file name's extension is not one this export writes (Chinese message)."""


def export_format(path: Path) -> str:
    """ ".xlsx" or ".geojson" (also for ".json") from ``path``'s extension.
    Raises :class:`ExportFormatError` with a Chinese message for any other."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportFormatError(
            f"不支持的文件类型「{path.suffix or path.name}」："
            "请用 .xlsx、.geojson 或 .json 结尾的文件名。"
        )
    return ".xlsx" if suffix == ".xlsx" else ".geojson"


# -- reading ------------------------------------------------------------------------------


def _register_rows(
    s: Session, spec: RegisterSpec, include_retired: bool
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    model = MODELS[spec.kind]
    table = model.__table__
    names = {tid: name for tid, name in s.execute(select(Township.id, Township.name))}
    columns = [table.c[("township_id" if f.name == "township" else f.name)] for f in spec.fields]
    query = select(table.c.id, table.c.retired_at, *columns).order_by(
        table.c.code.is_(None), table.c.code, table.c.name, table.c.id
    )
    if not include_retired:
        query = query.where(table.c.retired_at.is_(None))
    out = []
    for row in s.execute(query):
        m = dict(row._mapping)
        m["township"] = names.get(m.pop("township_id", None))
        out.append((m["id"], m))
    return out


def _stock_rows(s: Session) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    on_hand = (
        select(StockMovement.item_id, func.sum(StockMovement.delta).label("qty"))
        .group_by(StockMovement.item_id)
        .subquery()
    )
    query = (
        select(
            StockItem.id,
            StockItem.depot_id,
            StockItem.catalog_item_id,
            SupplyDepot.name.label("depot"),
            SupplyDepot.code.label("depot_code"),
            SupplyDepot.lon,
            SupplyDepot.lat,
            StockItem.category_code.label("item_code"),
            StockItem.name.label("item_name"),
            StockItem.unit,
            on_hand.c.qty.label("quantity"),
            StockItem.batch,
            StockItem.expiry_date,
        )
        .join(SupplyDepot, SupplyDepot.id == StockItem.depot_id)
        .outerjoin(on_hand, on_hand.c.item_id == StockItem.id)
        .where(SupplyDepot.retired_at.is_(None))
        .order_by(SupplyDepot.name, StockItem.category_code, StockItem.batch, StockItem.id)
    )
    minimums = {
        (d, c): float(q)
        for d, c, q in s.execute(
            select(DepotMinimum.depot_id, DepotMinimum.catalog_item_id, DepotMinimum.min_quantity)
        )
    }
    out = []
    for row in s.execute(query):
        m = dict(row._mapping)
        m["quantity"] = _number(float(m["quantity"] or 0))
        minimum = minimums.get((m.pop("depot_id"), m.pop("catalog_item_id")))
        m["min_quantity"] = _number(minimum) if minimum is not None else None
        out.append((m["id"], m))
    return out


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# -- values --------------------------------------------------------------------------------


def _cell(spec: RegisterSpec, name: str, value: Any) -> Any:
    """A register value as the XLSX holds it: numbers and dates as themselves."""
    f = spec.field(name)
    if value is None:
        return None
    if f.kind in (FieldKind.INT, FieldKind.NUMBER, FieldKind.LON, FieldKind.LAT):
        return _number(value)
    if f.kind is FieldKind.DATE:
        return value
    return format_field(f, value)


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# -- writing -------------------------------------------------------------------------------


def _write_xlsx(path: Path, title: str, headers: Sequence[str], rows: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    write_header(ws, 1, headers)
    for r, values in enumerate(rows, start=2):
        for cell in write_row(ws, r, values):
            if isinstance(cell.value, date):
                cell.number_format = _DATE_FORMAT
    ws.freeze_panes = "A2"
    fit_columns(ws)
    save_workbook(wb, path)


def _write_geojson(path: Path, name: str, features: list[dict[str, Any]]) -> None:
    document = {"type": "FeatureCollection", "name": name, "features": features}
    with replacing(path) as temp:
        temp.write_text(
            json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )


def _feature(entity_id: uuid.UUID, lon: Any, lat: Any, props: dict[str, Any]) -> dict[str, Any]:
    geometry = (
        {"type": "Point", "coordinates": [lon, lat]}
        if lon is not None and lat is not None
        else None
    )
    return {
        "type": "Feature",
        "id": str(entity_id),
        "geometry": geometry,
        "properties": {"id": str(entity_id), **{k: _json_value(v) for k, v in props.items()}},
    }


def export_register(
    db: Database, kind: str, path: Path | str, *, include_retired: bool = False
) -> int:
    """Write register ``kind`` (shelters, depots, teams, hazards, stock) to ``path``
    and return the number of rows (features) written.

    The format follows the extension: ``.xlsx``, or ``.geojson``/``.json``
    (RFC 7946; see the module). Retired records are left out unless
    ``include_retired`` (then a column 停用时间 says which). Raises
    :class:`ExportFormatError` for another extension, ValueError for an
    unknown ``kind``, OSError when the file cannot be written (an old file
    at ``path`` is then kept as it was).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown register {kind!r}")
    path = Path(path)
    fmt = export_format(path)
    if kind == "stock":
        with db.read_session() as s:
            stock = _stock_rows(s)
        if fmt == ".xlsx":
            body = [[m[k] for k in _stock_keys()] for _i, m in stock]
            _write_xlsx(path, "库存", [STOCK_ZH[k] for k in STOCK_FIELDS], body)
        else:
            features = [
                _feature(
                    i,
                    m["lon"],
                    m["lat"],
                    {k: m[v] for k, v in zip(STOCK_FIELDS, _stock_keys(), strict=True)},
                )
                for i, m in stock
            ]
            _write_geojson(path, "stock", features)
        return len(stock)
    spec = REGISTERS[kind]
    with db.read_session() as s:
        records = _register_rows(s, spec, include_retired)
    names = [f.name for f in spec.fields]
    if fmt == ".xlsx":
        headers = [f.zh for f in spec.fields] + (["停用时间"] if include_retired else [])
        body = []
        for _i, m in records:
            row = [_cell(spec, n, m.get(n)) for n in names]
            if include_retired:
                retired = m.get("retired_at")
                row.append(
                    retired.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if retired else None
                )
            body.append(row)
        _write_xlsx(path, spec.zh, headers, body)
    else:
        features = []
        for i, m in records:
            props: dict[str, Any] = {}
            for n in names:
                f = spec.field(n)
                value = m.get(n)
                if value is not None and f.kind in (FieldKind.CHOICE, FieldKind.MULTI):
                    value = format_field(f, value)
                props[n] = value
            if include_retired:
                props["retired_at"] = m["retired_at"].isoformat() if m.get("retired_at") else None
            features.append(_feature(i, m.get("lon"), m.get("lat"), props))
        _write_geojson(path, spec.kind, features)
    return len(records)


def _stock_keys() -> tuple[str, ...]:
    """The row keys of :func:`_stock_rows` in :data:`STOCK_FIELDS` order."""
    return (
        "depot",
        "depot_code",
        "item_code",
        "item_name",
        "unit",
        "quantity",
        "batch",
        "expiry_date",
        "min_quantity",
    )
