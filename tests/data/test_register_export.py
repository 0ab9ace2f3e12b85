"""Register and stock export: XLSX that imports again unchanged, GeoJSON that GDAL reads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.models import SupplyDepot, Township
from app.data.uow import UnitOfWork
from app.services.register_io import (
    ExportFormatError,
    RowAction,
    export_register,
    import_register,
    preview_register,
)
from tests.conftest import ACTOR, SITE

ROOT = Path(__file__).resolve().parents[2]


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def db(migrated_db: Database, tmp_path: Path) -> Database:
    """Two townships, three hazards (one without a position), a depot with stock."""
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(Township(code="341322101", name="龙城镇", kind="town"))
        uow.session.add(
            SupplyDepot(name="县级储备库", level="county", code="CK-1", lon=116.97, lat=34.175)
        )
        uow.commit()
    hazards = write_xlsx(
        tmp_path / "hazards.xlsx",
        [
            ["编号", "名称", "类型", "风险等级", "乡镇", "经度", "纬度", "整改期限", "联系电话"],
            [
                "FX-1",
                "化工厂=甲",
                "危险化学品企业",
                "重大风险",
                "龙城镇",
                116.95,
                34.18,
                "2026-12-31",
                "0557-1",
            ],
            ["FX-2", "易涝点乙", "易涝点", "黄", "龙城镇", "116°57′30″", "34°11′", None, None],
            ["FX-3", "无坐标丙", "燃气", "蓝", None, None, None, None, None],
        ],
    )
    assert import_register(migrated_db, "hazards", hazards, actor=ACTOR, site=SITE).written
    stock = write_xlsx(
        tmp_path / "stock.xlsx",
        [
            ["储备库", "物资编码", "物资名称", "单位", "数量", "批次", "有效期至", "最低库存"],
            ["县级储备库", "1010101", "帐篷", "顶", 600, "A", None, 500],
            ["县级储备库", "1020301", "饮用水", "箱", 1200.5, "W", date(2027, 6, 30), None],
        ],
    )
    result = import_register(migrated_db, "stock", stock, actor=ACTOR, site=SITE)
    assert result.written, [str(e) for e in result.errors]
    return migrated_db


def test_xlsx_round_trip_is_unchanged(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "风险源.xlsx"
    assert export_register(db, "hazards", out) == 3
    ws = load_workbook(out).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[:5] == ["编号", "名称", "类型", "风险等级", "乡镇"]
    assert ws.freeze_panes == "A2"
    first = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert first["名称"] == "化工厂=甲" and ws.cell(2, 2).data_type == "s"  # text, not a formula
    assert first["风险等级"] == "重大风险（红）" and first["经度"] == 116.95
    assert first["整改期限"].date() == date(2026, 12, 31)
    preview = preview_register(db, "hazards", out)
    assert preview.errors == ()
    assert {r.action for r in preview.rows} == {RowAction.UNCHANGED}

    stock = tmp_path / "库存.xlsx"
    assert export_register(db, "stock", stock) == 2
    again = preview_register(db, "stock", stock)
    assert again.errors == (), [str(e) for e in again.errors]
    assert {r.action for r in again.rows} == {RowAction.UNCHANGED}


def test_geojson_is_rfc7946_and_gdal_reads_it(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "hazards.geojson"
    assert export_register(db, "hazards", out) == 3
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    by_code = {f["properties"]["code"]: f for f in doc["features"]}
    assert by_code["FX-1"]["geometry"] == {"type": "Point", "coordinates": [116.95, 34.18]}
    assert by_code["FX-2"]["geometry"]["coordinates"] == [pytest.approx(116.9583333), 34.1833333]
    assert by_code["FX-3"]["geometry"] is None
    assert by_code["FX-1"]["properties"]["risk_level"] == "重大风险（红）"
    assert all(k.isascii() for f in doc["features"] for k in f["properties"])

    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("ogrinfo (Debian package gdal-bin) is not installed; .ci/run installs it")
    for path, features in ((out, 3), (tmp_path / "stock.json", 2)):
        if path.suffix == ".json":
            assert export_register(db, "stock", path) == 2
        info = subprocess.run(
            [ogrinfo, "-ro", "-so", "-al", str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=True,
        ).stdout
        assert f"Feature Count: {features}" in info, info
        assert "Geometry: Point" in info, info
    fields = {line.split(":")[0].strip() for line in info.splitlines() if ": " in line}
    assert {"id", "depot", "item_code", "quantity", "expiry_date"} <= fields, info


def test_unknown_extension_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ExportFormatError, match="不支持的文件类型"):
        export_register(db, "shelters", tmp_path / "x.csv")


def test_cli_export(sqlite_db: Database, sqlite_url: URL, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "main.py",
                "export",
                *args,
                "--db",
                sqlite_url.render_as_string(False),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    done = run("shelters", str(tmp_path / "s.geojson"))
    assert done.returncode == 0, done.stderr
    assert "已导出 0 行" in done.stdout
    assert json.loads((tmp_path / "s.geojson").read_text("utf-8"))["features"] == []
    refused = run("teams", str(tmp_path / "t.pdf"))
    assert refused.returncode == 2 and "不支持的文件类型" in refused.stderr
