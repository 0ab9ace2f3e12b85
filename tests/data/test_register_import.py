"""Register and stock import from workbooks as offices make them, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    ChangeLog,
    DepotMinimum,
    Shelter,
    StockItem,
    StockMovement,
    SupplyCatalogItem,
    SupplyDepot,
    Township,
)
from app.data.uow import UnitOfWork
from app.domain.access import Role
from app.domain.identity import Identity, acting_as
from app.services.access import AccessService, NotPermitted
from app.services.demo import DEMO_PASSWORD
from app.services.register_io import (
    RowAction,
    import_register,
    preview_register,
)
from tests.conftest import ACTOR, SITE

ROOT = Path(__file__).resolve().parents[2]
Row = Sequence[object]


def write_xlsx(path: Path, rows: Sequence[Row], merges: Sequence[str] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


@pytest.fixture
def db(migrated_db: Database) -> Database:
    """A migrated database with two townships (as the county's reference data)."""
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.session.add_all(
            [
                Township(code="341322101", name="龙城镇", kind="town", lon=116.945, lat=34.185),
                Township(code="341322102", name="黄口镇", kind="town", lon=116.66, lat=34.39),
            ]
        )
        uow.commit()
    return migrated_db


def count(db: Database, model: type[object]) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def shelters(db: Database) -> dict[str, Shelter]:
    with db.read_session() as s:
        return {sh.name: sh for sh in s.scalars(select(Shelter))}


def imp(db: Database, kind: str, path: Path, **kw: object) -> object:
    return import_register(db, kind, path, actor=ACTOR, site=SITE, **kw)  # type: ignore[arg-type]


# A register as an office keeps it: a title, a header over two rows (名称 merged
# down, 坐标 over 经度/纬度), variant header names, a blank line, 1,200, DMS.
OFFICE_ROWS: list[Row] = [
    ["萧县应急避难场所登记表（2026年）", None, None, None, None, None, None, None],
    ["编号", "避难场所名称", "类型", "所在乡镇（街道）", "坐标", None, "可容纳人数", "联系电话"],
    [None, None, None, None, "东经", "北纬", None, None],
    ["BN-001", "县体育场", "室外", "龙城镇", 116.9512, 34.1833, "1,200", "0557-5012345"],
    [None, None, None, None, None, None, None, None],
    ["BN-002", "黄口中学", "室内", "黄口", "东经116度39分36秒", "北纬34度23分24秒", 800, None],
    ["BN-003", "城东广场", "室外", "龙城镇", 34.19, 116.96, "2,500", None],  # swapped
    ["BN-004", "外县广场", "室外", "龙城镇", 117.9, 34.5, 300, None],  # outside the county
]
OFFICE_MERGES = ["A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3", "H2:H3"]


def test_office_workbook_imports_with_flags_kept(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "避难场所.xlsx", OFFICE_ROWS, OFFICE_MERGES)
    preview = preview_register(db, "shelters", path)
    assert preview.errors == (), [str(e) for e in preview.errors]
    assert [r.row for r in preview.rows] == [4, 6, 7, 8]
    assert preview.counts()[RowAction.NEW] == 4
    warnings: dict[int, str] = {}
    for w in preview.warnings:
        warnings[w.row] = warnings.get(w.row, "") + w.message
    assert "经纬度填反，已交换" in warnings[7] and "不在萧县范围内" not in warnings[7]
    assert "不在萧县范围内" in warnings[8] and 6 not in warnings and 4 not in warnings
    assert count(db, Shelter) == 0  # a preview writes nothing

    result = imp(db, "shelters", path)
    assert result.written and result.inserted == 4  # type: ignore[attr-defined]
    got = shelters(db)
    assert got["县体育场"].capacity == 1200 and got["城东广场"].capacity == 2500
    assert got["县体育场"].shelter_type == "outdoor" and got["黄口中学"].shelter_type == "indoor"
    assert got["黄口中学"].lon == pytest.approx(116.66) and got["黄口中学"].lat == pytest.approx(
        34.39
    )
    # Swapped: exchanged (nothing impossible stored); outside the county: flagged only.
    assert (got["城东广场"].lon, got["城东广场"].lat) == (116.96, 34.19)
    assert (got["外县广场"].lon, got["外县广场"].lat) == (117.9, 34.5)
    assert got["县体育场"].coord_source == "import"
    with db.read_session() as s:
        towns = {n: i for n, i in s.execute(select(Township.name, Township.id))}
    assert got["黄口中学"].township_id == towns["黄口镇"]  # "黄口" finds 黄口镇


def test_one_bad_row_writes_nothing_and_names_row_and_column(db: Database, tmp_path: Path) -> None:
    rows = [
        ["名称", "类型", "乡镇", "容纳人数", "经度", "纬度"],
        ["一号", "室内", "龙城镇", 100, 116.95, 34.18],
        ["二号", "室内", "龙城镇", -5, 116.95, 34.18],
        ["三号", "帐篷", "龙城镇", 10, 116.95, 34.18],
        ["四号", "室外", "不存在镇", 10, "abc", 34.18],
        ["一号", "室外", "龙城镇", 10, None, None],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = count(db, ChangeLog)
    result = imp(db, "shelters", path)
    assert not result.written  # type: ignore[attr-defined]
    messages = [str(e) for e in result.errors]  # type: ignore[attr-defined]
    assert "第 3 行 D 列：容纳人数：不能为负数：-5" in messages
    assert any(m.startswith("第 4 行 B 列：场所类型：无法识别的选项：帐篷") for m in messages)
    assert "第 5 行 C 列：未知乡镇：不存在镇" in messages
    assert any(m.startswith("第 5 行 E 列：经度：坐标无法识别") for m in messages)
    assert any(m.startswith("第 6 行 A 列：名称：与第 2 行重复") for m in messages)
    assert count(db, Shelter) == 0 and count(db, ChangeLog) == before


def test_reimport_updates_by_code_and_by_name(db: Database, tmp_path: Path) -> None:
    header = ["编号", "名称", "类型", "乡镇", "容纳人数"]
    first = write_xlsx(
        tmp_path / "a.xlsx",
        [header, ["S1", "一号", "室内", "龙城镇", 100], ["S2", "二号", "室外", "黄口镇", 50]],
    )
    assert imp(db, "shelters", first).written  # type: ignore[attr-defined]
    ids = {n: sh.id for n, sh in shelters(db).items()}
    # By code: the name changes, the record stays.
    renamed = write_xlsx(
        tmp_path / "b.xlsx",
        [header, ["S1", "一号馆", "室内", "龙城镇", 150], ["S2", "二号", "室外", "黄口镇", 50]],
    )
    preview = preview_register(db, "shelters", renamed)
    assert [r.action for r in preview.rows] == [RowAction.UPDATE, RowAction.UNCHANGED]
    assert set(preview.rows[0].changed) == {"name", "capacity"}
    assert imp(db, "shelters", renamed).written  # type: ignore[attr-defined]
    got = shelters(db)
    assert count(db, Shelter) == 2 and got["一号馆"].id == ids["一号"]
    assert got["一号馆"].capacity == 150 and got["一号馆"].version == 2
    # By name and township (no 编号 column): matched, not duplicated.
    by_name = write_xlsx(tmp_path / "c.xlsx", [header[1:], ["二号", "室外", "黄口镇", 80]])
    result = imp(db, "shelters", by_name, match="name_township")
    assert result.written and result.updated == 1 and result.inserted == 0  # type: ignore[attr-defined]
    assert count(db, Shelter) == 2 and shelters(db)["二号"].capacity == 80
    with db.read_session() as s:
        history = s.scalars(
            select(ChangeLog.detail)
            .where(ChangeLog.entity_id == ids["二号"])
            .order_by(ChangeLog.seq)
        ).all()
    assert '"capacity": [50, 80]' in (history[-1] or "")


def test_a_retired_record_is_not_revived(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx", [["编号", "名称", "类型", "容纳人数"], ["S9", "旧馆", "室内", 10]]
    )
    assert imp(db, "shelters", path).written  # type: ignore[attr-defined]
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        sh = uow.session.scalars(select(Shelter)).one()
        sh.retired_at, sh.retired_reason = db.clock(), "已拆除"
        uow.commit()
    again = write_xlsx(
        tmp_path / "b.xlsx", [["编号", "名称", "类型", "容纳人数"], ["S9", "旧馆", "室内", 99]]
    )
    preview = preview_register(db, "shelters", again)
    assert preview.rows[0].action is RowAction.SKIPPED
    assert "已停用（已拆除）" in preview.rows[0].issues[0].message
    imp(db, "shelters", again)
    assert shelters(db)["旧馆"].capacity == 10 and shelters(db)["旧馆"].retired_at is not None


def test_gcj02_column_is_converted(db: Database, tmp_path: Path) -> None:
    rows = [["名称", "类型", "容纳人数", "lng", "lat"], ["高德点", "室外", 10, 116.9560, 34.1850]]
    path = write_xlsx(tmp_path / "gcj.xlsx", rows)
    assert imp(db, "shelters", path, gcj02=True).written  # type: ignore[attr-defined]
    sh = shelters(db)["高德点"]
    assert sh.coord_source == "gcj02-converted"
    metres = math.hypot(
        (116.9560 - sh.lon) * 111_320 * math.cos(math.radians(34.185)),  # type: ignore[operator]
        (34.1850 - sh.lat) * 110_574,  # type: ignore[operator]
    )
    assert 200 < metres < 800, metres


def test_writing_needs_a_leader(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["名称", "类型", "容纳人数"], ["一号", "室内", 1]])
    officer = Identity("值班员", SITE, "ws", uuid.uuid4(), frozenset({Role.OFFICER}))
    with acting_as(officer), pytest.raises(NotPermitted):
        imp(db, "shelters", path)
    assert count(db, Shelter) == 0


# -- stock ------------------------------------------------------------------------------------

STOCK_HEADER = ["储备库", "物资编码", "物资名称", "单位", "数量", "批次", "有效期至", "最低库存"]


@pytest.fixture
def depot(db: Database) -> Database:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(SupplyDepot(name="县级储备库", level="county", code="CK-1"))
        uow.session.add(SupplyCatalogItem(code="1010101", name="帐篷", unit="顶"))
        uow.commit()
    return db


def on_hand(db: Database) -> dict[tuple[str, str | None], float]:
    with db.read_session() as s:
        rows = s.execute(
            select(StockItem.name, StockItem.batch, func.coalesce(func.sum(StockMovement.delta), 0))
            .outerjoin(StockMovement, StockMovement.item_id == StockItem.id)
            .group_by(StockItem.id, StockItem.name, StockItem.batch)
        ).all()
    return {(n, b): float(q) for n, b, q in rows}


def test_stock_take_sets_quantities_and_reimport_changes_nothing(
    depot: Database, tmp_path: Path
) -> None:
    rows = [
        STOCK_HEADER,
        ["县级储备库", "1 01 01 01", "帐篷", "顶", "1,200", "2026A", None, 500],
        ["县级储备库", "1010101", "帐篷", "顶", 300, "2026B", None, 500],
        ["县级储备库", "1020301", "饮用水", "箱", 800, "W1", "2027-06-30", None],
    ]
    path = write_xlsx(tmp_path / "盘点.xlsx", rows)
    result = imp(depot, "stock", path)
    assert result.written, [str(e) for e in result.errors]  # type: ignore[attr-defined]
    assert on_hand(depot) == {
        ("帐篷", "2026A"): 1200,
        ("帐篷", "2026B"): 300,
        ("饮用水", "W1"): 800,
    }
    with depot.read_session() as s:
        assert (
            s.scalar(select(SupplyCatalogItem.unit).where(SupplyCatalogItem.code == "1020301"))
            == "箱"
        )
        assert s.scalars(select(DepotMinimum.min_quantity)).all() == [500]
        kinds = set(s.scalars(select(StockMovement.kind)))
    assert kinds == {"receipt"}
    before = (count(depot, ChangeLog), count(depot, StockMovement))
    again = imp(depot, "stock", path)
    assert again.written and {r.action for r in again.preview.rows} == {RowAction.UNCHANGED}  # type: ignore[attr-defined]
    assert (count(depot, ChangeLog), count(depot, StockMovement)) == before
    # A later stock-take: the difference, as an adjustment.
    rows[1][4] = 1150
    counted = write_xlsx(tmp_path / "盘点2.xlsx", rows)
    assert imp(depot, "stock", counted).written  # type: ignore[attr-defined]
    assert on_hand(depot)[("帐篷", "2026A")] == 1150
    with depot.read_session() as s:
        adj = s.execute(
            select(StockMovement.kind, StockMovement.delta).where(
                StockMovement.kind == "adjustment"
            )
        ).all()
    assert [(k, float(d)) for k, d in adj] == [("adjustment", -50.0)]


def test_bad_stock_rows_are_refused_whole(depot: Database, tmp_path: Path) -> None:
    rows = [
        STOCK_HEADER,
        ["县级储备库", "1010101", "帐篷", "顶", 10, "", None, None],  # fine
        ["县级储备库", "9999999", None, None, 10, "", None, None],  # unknown, no name
        ["县级储备库", "10101", "帐篷", "顶", 10, "", None, None],  # not 7 digits
        ["县级储备库", "1010101", "帐篷", "箱", 10, "X", None, None],  # unit mismatch
        ["县级储备库", "1010101", "帐篷", "顶", -3, "Y", None, None],  # negative
        ["县级储备库", "1010101", "帐篷", "顶", "很多", "Z", None, None],  # not a number
        ["县级储备库", "2010101", "铁锹", "坨", 5, "", None, None],  # unknown unit
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    result = imp(depot, "stock", path)
    assert not result.written  # type: ignore[attr-defined]
    text = "\n".join(str(e) for e in result.errors)  # type: ignore[attr-defined]
    assert "第 3 行 B 列：物资编码不在目录中：9999999" in text
    assert "第 4 行 B 列：物资编码应为 7 位数字" in text
    assert "第 5 行 D 列：单位“箱”与物资目录中 1010101 帐篷 的单位“顶”不符" in text
    assert "第 6 行 E 列：数量：不能为负数：-3" in text
    assert "第 7 行 E 列：数量：不是数字：很多" in text
    assert "第 8 行 D 列：无法识别的计量单位：坨" in text
    assert 2 not in {e.row for e in result.errors}  # type: ignore[attr-defined]
    assert count(depot, StockItem) == 0 and count(depot, SupplyCatalogItem) == 1


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def demo_db(demo_sqlite_url: URL) -> Iterator[Database]:
    db = Database(demo_sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


def run_cli(*args: str, db: URL, user: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", XCC_PASSWORD=DEMO_PASSWORD)
    signer = ["--user", user] if user else []
    return subprocess.run(
        [sys.executable, "main.py", "import", *args, *signer, "--db", db.render_as_string(False)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_cli_dry_run_and_rejected_row(
    demo_sqlite_url: URL, demo_db: Database, tmp_path: Path
) -> None:
    good = write_xlsx(
        tmp_path / "good.xlsx",
        [["名称", "队伍类型", "乡镇", "队员人数"], ["新建救援队", "专业救援队", "龙城镇", "1,020"]],
    )
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        [["名称", "队伍类型", "乡镇", "队员人数"], ["新建救援队", "专业救援队", "龙城镇", -1]],
    )
    teams = "SELECT count(*) FROM rescue_team"
    with demo_db.engine.connect() as conn:
        before = conn.exec_driver_sql(teams).scalar()

    dry = run_cli("teams", str(good), "--dry-run", db=demo_sqlite_url)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "新增 1 行" in dry.stdout and "未写入" in dry.stdout

    user = next(
        c for c in AccessService(demo_db).choices(demo_db.clock()) if Role.LEADER in c.roles
    ).name
    rejected = run_cli("teams", str(bad), db=demo_sqlite_url, user=user)
    assert rejected.returncode == 1, rejected.stdout + rejected.stderr
    assert "第 2 行 D 列：队员人数：不能为负数：-1" in rejected.stdout
    with demo_db.engine.connect() as conn:
        assert conn.exec_driver_sql(teams).scalar() == before

    written = run_cli("teams", str(good), db=demo_sqlite_url, user=user)
    assert written.returncode == 0, written.stdout + written.stderr
    assert "已导入：新增 1 行" in written.stdout
    with demo_db.engine.connect() as conn:
        assert conn.exec_driver_sql(teams).scalar() == before + 1
        members = conn.exec_driver_sql(
            "SELECT members FROM rescue_team WHERE name = '新建救援队'"
        ).scalar()
    assert members == 1020
