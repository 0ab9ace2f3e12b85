"""Taking the county out to a field vehicle and merging back, by file and by network."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    ChangeLog,
    Credential,
    OfficeSetting,
    RoleGrant,
    Shelter,
    ShelterOccupancyMovement,
    Staff,
    SyncConflict,
)
from app.domain.access import Role
from app.live.feed import ChangeListener
from app.services.access import AccessService, SecretRejected
from app.services.audit import AuditQuery, AuditService, entity_label, op_label
from app.sync.collect import collect
from app.sync.merge import apply_packet
from app.sync.packet import Packet, read_file, write_file
from app.sync.service import SyncService
from app.sync.types import (
    BadAddress,
    CenterUnavailable,
    ConflictKind,
    PacketDamaged,
    Resolution,
    SchemaMismatch,
    SyncRefused,
)
from tests.sync.conftest import dump, seed, write


def exchange(a: Database, b: Database, tmp_path: Path) -> None:
    """a -> b by file, then b's answer -> a."""
    out = tmp_path / f"a-{uuid.uuid4().hex[:6]}.xccsync"
    SyncService(a).write_packet(out)
    SyncService(b).apply_packet_file(out)
    back = tmp_path / f"b-{uuid.uuid4().hex[:6]}.xccsync"
    code = SyncService(a).site().code
    SyncService(b).write_packet(back, code)
    SyncService(a).apply_packet_file(back)


def test_round_trip_by_file_keeps_both_sides_work(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    ids = seed(center)
    vehicle = take_out()
    assert SyncService(vehicle).site().name == "前方指挥车1号"

    def vehicle_work(s: Any) -> None:
        s.get(Shelter, ids["s1"]).capacity = 500
        s.add(ShelterOccupancyMovement(shelter_id=ids["s1"], delta=12, actor="李四"))

    def center_work(s: Any) -> None:
        s.get(Shelter, ids["s1"]).phone = "0557-5011234"
        s.add(ShelterOccupancyMovement(shelter_id=ids["s1"], delta=5, actor="张三"))

    write(vehicle, vehicle_work)
    write(center, center_work)
    exchange(vehicle, center, tmp_path)
    assert dump(center) == dump(vehicle)
    with center.read_session() as s:
        shelter = s.get(Shelter, ids["s1"])
        assert (shelter.capacity, shelter.phone) == (500, "0557-5011234")
        total = s.scalar(select(func.sum(ShelterOccupancyMovement.delta)))
        assert total == 17
        received = s.scalars(select(ChangeLog).where(ChangeLog.replica.is_not(None))).all()
        assert {e.entity_type for e in received} == {"shelter", "shelter_occupancy_movement"}
        assert all(e.received_at is not None and e.origin_seq for e in received)
        assert s.scalar(select(func.count()).select_from(SyncConflict)) == 0
    # Everything has gone; the center waits for the vehicle's confirmation of
    # what it sent, which the vehicle's next packet carries.
    assert SyncService(vehicle).status().waiting == 0
    assert (SyncService(center).status().unsent, SyncService(center).status().waiting) == (0, 2)
    confirm = tmp_path / "confirm.xccsync"
    SyncService(vehicle).write_packet(confirm)
    SyncService(center).apply_packet_file(confirm)
    assert SyncService(center).status().waiting == 0


def test_same_packet_twice_changes_nothing(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    ids = seed(center)
    vehicle = take_out()
    write(
        vehicle, lambda s: s.add(ShelterOccupancyMovement(shelter_id=ids["s2"], delta=3, actor="a"))
    )
    packet = tmp_path / "p.xccsync"
    SyncService(vehicle).write_packet(packet)
    first = SyncService(center).apply_packet_file(packet)
    before = dump(center)
    second = SyncService(center).apply_packet_file(packet)
    assert (first.new_changes, second.new_changes, second.known_changes) == (1, 0, 1)
    assert second.already_applied
    assert dump(center) == before


def test_concurrent_edit_kept_as_conflict_same_winner_everywhere(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    ids = seed(center)
    vehicle = take_out(skew=timedelta(hours=-12))  # the laptop's clock half a day behind
    write(center, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "中心改的"))
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "前方改的"))
    exchange(vehicle, center, tmp_path)
    assert dump(center) == dump(vehicle)
    with center.read_session() as s:
        conflict = s.scalars(select(SyncConflict)).one()
        assert conflict.kind == ConflictKind.FIELD.value and conflict.field == "manager"
        values = {conflict.kept_value, conflict.lost_value}
        assert values == {'"中心改的"', '"前方改的"'}
        assert s.get(Shelter, ids["s2"]).manager == conflict.kept_value.strip('"')


def test_change_after_seeing_the_other_wins_despite_a_slow_clock(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """Not concurrent: the vehicle changed the field after it had the center's
    value, so its value stands although its clock is 12 hours behind."""
    ids = seed(center)
    vehicle = take_out(skew=timedelta(hours=-12))
    write(center, lambda s: setattr(s.get(Shelter, ids["s1"]), "capacity", 400))
    exchange(vehicle, center, tmp_path)
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "capacity", 350))
    exchange(vehicle, center, tmp_path)
    with center.read_session() as s:
        assert s.get(Shelter, ids["s1"]).capacity == 350
        assert s.scalar(select(func.count()).select_from(SyncConflict)) == 0
    assert dump(center) == dump(vehicle)


def test_damaged_packet_refused_and_nothing_applied(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    ids = seed(center)
    vehicle = take_out()
    for i in range(50):
        write(
            vehicle,
            lambda s, i=i: s.add(
                ShelterOccupancyMovement(shelter_id=ids["s1"], delta=1, actor=f"p{i}")
            ),
        )
    packet = tmp_path / "p.xccsync"
    SyncService(vehicle).write_packet(packet)
    before = dump(center)
    data = packet.read_bytes()
    cut = tmp_path / "cut.xccsync"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(PacketDamaged, match="不完整或已损坏"):
        SyncService(center).apply_packet_file(cut)
    assert dump(center) == before


def test_packet_for_another_site_refused(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    seed(center)
    one, two = take_out("一号车"), take_out("二号车")
    packet = tmp_path / "p.xccsync"
    SyncService(one).write_packet(packet)
    with pytest.raises(SyncRefused, match="是发给"):
        SyncService(two).apply_packet_file(packet)


def test_audit_chain_holds_after_merges(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """Received changes are sealed into each site's own hash chain."""
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "甲"))
    write(center, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "乙"))
    exchange(vehicle, center, tmp_path)
    for db in (center, vehicle):
        result = AuditService(db).verify()
        assert result.broken is None, result
        with db.read_session() as s:
            sites = set(s.scalars(select(ChangeLog.replica)))
        assert len(sites - {None}) == 1  # the other site's changes, named as such


def test_the_audit_log_says_take_outs_and_merges_in_words(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """设置 → 审计日志 lists a take-out and an applied packet in Chinese, not as
    ``sync`` with ``received_from: …``."""
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "甲"))
    exchange(vehicle, center, tmp_path)
    entries = AuditService(center).entries(AuditQuery(ops=frozenset({"sync"})))
    assert len(entries) >= 2  # the take-out and the vehicle's packet
    for entry in entries:
        assert (op_label(entry.op), entity_label(entry.entity_type)) == ("同步", "同步")
        line = entry.summary()
        assert re.search(r"[a-z]_|[a-z]：", line) is None, line  # no column names left
    said = " ".join(e.summary() for e in entries)
    assert "前方指挥车：前方指挥车1号" in said and "来自：field-" in said and "新变更：" in said

    # Both sides change one field: the conflict listed is said in words too.
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "车上"))
    write(center, lambda s: setattr(s.get(Shelter, ids["s2"]), "manager", "中心"))
    exchange(vehicle, center, tmp_path)
    listed = AuditService(center).entries(AuditQuery(entity_types=frozenset({"sync_conflict"})))
    assert listed, "the concurrent edit was not listed"
    line = listed[0].summary()
    assert entity_label(listed[0].entity_type) == "同步冲突"
    assert "冲突类型：两边都修改了同一项" in line and "记录类型：避难场所" in line, line
    assert re.search(r"[a-z]_|[a-z]：", line) is None, line


def test_the_audit_chain_seals_where_a_received_change_came_from(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """Rewriting a received entry's origin (site, its sequence there, clock or
    arrival time) outside the program breaks the chain at that entry."""
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "甲"))
    exchange(vehicle, center, tmp_path)
    with center.read_session() as s:
        received = s.scalars(
            select(ChangeLog).where(ChangeLog.replica.is_not(None)).order_by(ChangeLog.seq)
        ).first()
    assert received is not None and received.received_at is not None
    assert received.origin_seq is not None and received.hlc is not None
    forged = {
        "replica": "'field-00000000'",
        "origin_seq": str(received.origin_seq + 1000),
        "hlc": str(received.hlc - 1),
        "received_at": "'2020-01-01 00:00:00.000000'"
        if center.is_sqlite
        else "'2020-01-01T00:00:00Z'",
    }
    for column, value in forged.items():
        with center.engine.begin() as conn:
            if center.is_sqlite:
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS change_log_no_update")
            else:
                conn.exec_driver_sql(
                    "ALTER TABLE change_log DISABLE TRIGGER change_log_append_only"
                )
            old = conn.execute(
                text(f"SELECT {column} FROM change_log WHERE seq = :seq"), {"seq": received.seq}
            ).scalar_one()
            conn.execute(
                text(f"UPDATE change_log SET {column} = {value} WHERE seq = :seq"),
                {"seq": received.seq},
            )
        result = AuditService(center).verify()
        assert result.broken is not None and result.broken.seq == received.seq, column
        with center.engine.begin() as conn:
            conn.execute(
                text(f"UPDATE change_log SET {column} = :old WHERE seq = :seq"),
                {"old": old, "seq": received.seq},
            )
        assert AuditService(center).verify().ok, f"{column} put back"


def test_conflict_decisions_on_both_sides_end_the_same(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    ids = seed(center)
    vehicle = take_out()
    write(center, lambda s: setattr(s.get(Shelter, ids["s2"]), "phone", "111"))
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s2"]), "phone", "222"))
    exchange(vehicle, center, tmp_path)
    (c_view,) = SyncService(center).conflicts()
    (v_view,) = SyncService(vehicle).conflicts()
    assert c_view.id == v_view.id
    # Both sides decide at once, differently: one decision stands everywhere.
    SyncService(center).resolve(c_view.id, Resolution.TOOK_LOST, expected_version=c_view.version)
    SyncService(vehicle).resolve(v_view.id, Resolution.KEPT, expected_version=v_view.version)
    exchange(vehicle, center, tmp_path)
    exchange(vehicle, center, tmp_path)
    assert dump(center) == dump(vehicle)


def test_history_names_the_vehicle_and_both_times(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """A change made on the laptop shows, at the center, the vehicle's name, the
    laptop's time and the time it arrived (the laptop's clock is 3 hours fast)."""
    ids = seed(center)
    vehicle = take_out("二号车", skew=timedelta(hours=3))
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "capacity", 320))
    exchange(vehicle, center, tmp_path)
    entry = next(e for e in AuditService(center).history("shelter", ids["s1"]) if e.received_at)
    assert entry.made_at == "二号车" and entry.seat.startswith("二号车 · ")
    assert entry.at - entry.received_at > timedelta(hours=2, minutes=59)


def test_network_sync_push_pull_confirm(
    center: Database, take_out: Callable[..., Database]
) -> None:
    """The vehicle reaches the center's database: one 网络同步 leaves nothing
    waiting on either side, and the clock difference is measured."""
    ids = seed(center)
    vehicle = take_out(skew=timedelta(hours=2))
    write(
        vehicle, lambda s: s.add(ShelterOccupancyMovement(shelter_id=ids["s1"], delta=9, actor="a"))
    )
    write(center, lambda s: setattr(s.get(Shelter, ids["s2"]), "capacity", 280))
    url = center.url.render_as_string(hide_password=False)
    result = SyncService(vehicle).sync_network(url)
    assert (result.pushed.new_changes, result.pulled.new_changes) == (1, 1)
    assert dump(center) == dump(vehicle)
    assert SyncService(vehicle).status().waiting == 0
    assert SyncService(center).status().waiting == 0
    if not center.is_sqlite:  # the server's clock against the laptop's (2 h fast)
        with center.engine.connect() as conn:
            server = conn.execute(text("SELECT clock_timestamp()")).scalar()
        expected = (server - vehicle.clock()).total_seconds()
        assert result.skew_s == pytest.approx(expected, abs=60)
        assert SyncService(center).status().peers[0].skew_s == pytest.approx(-expected, abs=60)
    again = SyncService(vehicle).sync_network(url)
    assert (again.pushed.new_changes, again.pulled.new_changes) == (0, 0)


def test_network_sync_unreachable_center_says_so_and_next_try_completes(
    center: Database, take_out: Callable[..., Database]
) -> None:
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "前方"))
    with pytest.raises(CenterUnavailable, match=r"连不上服务器.*两边都没有写入任何内容"):
        SyncService(vehicle).sync_network(
            "postgresql+psycopg://postgres@127.0.0.1:1/xcc?connect_timeout=2"
        )
    assert SyncService(vehicle).status().unsent == 1
    SyncService(vehicle).sync_network(center.url.render_as_string(hide_password=False))
    with center.read_session() as s:
        assert s.get(Shelter, ids["s1"]).manager == "前方"


def test_same_setting_made_on_both_sides_ends_as_one_row_everywhere(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """Both sides create the record with the same unique key: every site keeps
    the same one (the smaller id) and lists the other with its values."""
    seed(center)
    vehicle = take_out()
    write(center, lambda s: s.add(OfficeSetting(key="drill_note", value='"中心"', updated_by="a")))
    write(vehicle, lambda s: s.add(OfficeSetting(key="drill_note", value='"前方"', updated_by="b")))
    exchange(vehicle, center, tmp_path)
    exchange(vehicle, center, tmp_path)
    assert dump(center) == dump(vehicle)
    with center.read_session() as s:
        assert (
            len(s.scalars(select(OfficeSetting).where(OfficeSetting.key == "drill_note")).all())
            == 1
        )
        conflict = s.scalars(select(SyncConflict)).one()
        assert conflict.kind == ConflictKind.DUPLICATE.value
        kept, lost = json.loads(conflict.kept_value), json.loads(conflict.lost_value)
        assert {kept["value"], lost["value"]} == {'"中心"', '"前方"'}


def test_packet_from_another_schema_version_refused_whole(
    center: Database, take_out: Callable[..., Database]
) -> None:
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "甲"))
    packet = collect(vehicle, "center", now=vehicle.clock())
    before = dump(center)
    for other in ("0009", "0011"):
        old = Packet(replace(packet.header, schema=other), packet.entries, packet.rows)
        with pytest.raises(SchemaMismatch, match=f"数据库版本 {other} 的程序"):
            apply_packet(center, old, actor="t", site="t", now=center.clock())
        assert dump(center) == before
    assert apply_packet(center, packet, actor="t", site="t", now=center.clock()).new_changes == 1


def test_nothing_is_sent_back_to_where_it_came_from(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    ids = seed(center)
    vehicle = take_out()
    write(
        vehicle, lambda s: s.add(ShelterOccupancyMovement(shelter_id=ids["s1"], delta=2, actor="a"))
    )
    write(
        center, lambda s: s.add(ShelterOccupancyMovement(shelter_id=ids["s2"], delta=3, actor="b"))
    )
    SyncService(center).apply_packet_file(_written(vehicle, tmp_path / "v.xccsync"))
    code = SyncService(vehicle).site().code
    answer = collect(center, code, now=center.clock())
    assert {e["replica"] for e in answer.entries} == {"center"}
    assert all(e["entity_type"] != "sync" for e in answer.entries)


def _written(db: Database, path: Path) -> Path:
    SyncService(db).write_packet(path)
    return path


def test_forged_packet_refused(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """Someone edits a packet on the USB stick (here: grants a role) and fixes its
    checksums: the signature no longer matches, nothing is applied."""
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "甲"))
    real = _written(vehicle, tmp_path / "real.xccsync")
    packet = read_file(real)
    entry = dict(packet.entries[-1], detail='{"manager": ["甲", "伪造"]}', origin_seq=10**6)
    forged = Packet(packet.header, [*packet.entries, entry], packet.rows)
    write_file(forged, tmp_path / "forged.xccsync")  # checksums right, no key
    before = dump(center)
    with pytest.raises(PacketDamaged, match="签名不符"):
        SyncService(center).apply_packet_file(tmp_path / "forged.xccsync")
    other_key = "00" * 32
    write_file(forged, tmp_path / "forged2.xccsync", other_key)
    with pytest.raises(PacketDamaged, match="签名不符"):
        SyncService(center).apply_packet_file(tmp_path / "forged2.xccsync")
    assert dump(center) == before
    assert SyncService(center).apply_packet_file(real).new_changes >= 1


def test_take_out_never_replaces_a_file_nor_reuses_a_name(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    seed(center)
    take_out("一号车")
    existing = tmp_path / "field-0.xccfield"  # the vehicle's working database
    size = existing.stat().st_size
    with pytest.raises(SyncRefused, match="文件已存在"):
        SyncService(center).export_field_package(existing, "二号车")
    assert existing.stat().st_size == size
    with pytest.raises(SyncRefused, match="已有名为“一号车”"):
        SyncService(center).export_field_package(tmp_path / "new.xccfield", " 一号车 ")
    with pytest.raises(SyncRefused, match="文件夹不存在"):
        SyncService(center).export_field_package(tmp_path / "no" / "x.xccfield", "三号车")


def test_packet_to_a_vehicle_named_by_its_name(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    seed(center)
    one, _two = take_out("一号车"), take_out("二号车")
    written = SyncService(center).write_packet(tmp_path / "p.xccsync", "一号车")
    assert written.recipient == SyncService(one).site().code
    with pytest.raises(SyncRefused, match="没有名称或代码为“三号车”"):
        SyncService(center).write_packet(tmp_path / "q.xccsync", "三号车")


def test_network_sync_refuses_a_database_that_is_not_its_center(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    seed(center)
    vehicle = take_out()
    other_url = make_url(f"sqlite+pysqlite:///{tmp_path / 'other-center.sqlite3'}")
    other = Database(other_url)  # another center: a database of its own
    upgrade(other)
    before = dump(other)
    with pytest.raises(SyncRefused, match="不是带出本车"):
        SyncService(vehicle).sync_network(other_url.render_as_string(hide_password=False))
    assert dump(other) == before
    other.dispose()


def test_network_sync_notes_when_it_sent(
    center: Database, take_out: Callable[..., Database]
) -> None:
    ids = seed(center)
    vehicle = take_out()
    write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "乙"))
    SyncService(vehicle).sync_network(center.url.render_as_string(hide_password=False))
    (to_center,) = SyncService(vehicle).status().peers
    (to_vehicle,) = SyncService(center).status().peers
    assert to_center.last_sent_at is not None and to_center.unsent == 0
    assert to_vehicle.last_sent_at is not None and to_vehicle.unsent == 0


def test_a_packet_never_replaces_another_file(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """A slip of the finger (the database's own name as the packet's) loses nothing;
    an earlier packet of the same site may be replaced (the new one holds it all)."""
    seed(center)
    vehicle = take_out()
    own_file = Path(str(vehicle.url.database))
    size = own_file.stat().st_size
    with pytest.raises(SyncRefused, match="不会被覆盖"):
        SyncService(vehicle).write_packet(own_file)
    assert own_file.stat().st_size == size
    notes = tmp_path / "notes.xccsync"
    notes.write_text("值班笔记", encoding="utf-8")
    with pytest.raises(SyncRefused, match="不会被覆盖"):
        SyncService(vehicle).write_packet(notes)
    assert notes.read_text(encoding="utf-8") == "值班笔记"
    again = tmp_path / "again.xccsync"
    SyncService(vehicle).write_packet(again)
    SyncService(vehicle).write_packet(again)
    with pytest.raises(SyncRefused, match="不会被覆盖"):  # the center's packet is not ours
        SyncService(center).write_packet(again, SyncService(vehicle).site().code)


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("127.0.0.1:5432", "格式不对"),
        ("pgsql://127.0.0.1/xcc", "格式不对"),
        ("sqlite+pysqlite:////nowhere/center.sqlite3", "文件不存在"),
    ],
)
def test_a_center_address_that_is_not_one_is_said_and_creates_nothing(
    center: Database,
    take_out: Callable[..., Database],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
    said: str,
) -> None:
    seed(center)
    vehicle = take_out()
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.iterdir())
    with pytest.raises(BadAddress, match=said):
        SyncService(vehicle).sync_network(address)
    assert set(tmp_path.iterdir()) == before


def test_the_center_s_seats_see_a_vehicle_s_changes_live(
    center: Database, take_out: Callable[..., Database]
) -> None:
    """A seat at the center watching the change feed gets the vehicle's changes
    as soon as the network sync commits them (NOTIFY on PostgreSQL, the file's
    data version on SQLite), without a restart or F5."""
    ids = seed(center)
    vehicle = take_out()
    with center.read_session() as s:
        start = int(s.scalar(select(func.max(ChangeLog.seq))) or 0)
    seen: list[tuple[str, object]] = []
    arrived = threading.Event()

    def on_changes(records: list[Any]) -> None:
        seen.extend((r.entity_type, r.entity_id) for r in records)
        if ("shelter", ids["s1"]) in seen:
            arrived.set()

    seat = Database(center.url)
    listener = ChangeListener(seat, start, on_changes)
    listener.start()
    try:
        write(vehicle, lambda s: setattr(s.get(Shelter, ids["s1"]), "manager", "前方更新"))
        SyncService(vehicle).sync_network(center.url.render_as_string(hide_password=False))
        assert arrived.wait(10), seen
    finally:
        listener.stop()
        seat.dispose()


def test_failed_sign_ins_on_both_sides_are_not_a_conflict(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """A mistyped password at the vehicle and another at the center change the
    same counter: merged (the later write stands), not put before the officer."""
    seed(center)
    staff_id = uuid.uuid4()

    def person(s: Any) -> None:
        s.add(Staff(id=staff_id, name="王五", role="officer"))
        s.flush()
        s.add(Credential(staff_id=staff_id, password_hash="x", failed_attempts=0))

    write(center, person)
    vehicle = take_out()

    def fail(s: Any) -> None:
        cred = s.scalars(select(Credential).where(Credential.staff_id == staff_id)).one()
        cred.failed_attempts = (cred.failed_attempts or 0) + 1

    write(vehicle, fail)
    write(center, fail)
    write(center, fail)
    exchange(vehicle, center, tmp_path)
    assert dump(center) == dump(vehicle)
    assert SyncService(center).conflicts() == []


def test_roles_are_managed_at_the_center_only(
    center: Database, take_out: Callable[..., Database], tmp_path: Path
) -> None:
    """The vehicle's program refuses to grant a role; a grant that reaches the
    center from a vehicle anyway (its database edited by hand) is not taken
    but listed."""
    seed(center)
    staff_id = uuid.uuid4()
    write(center, lambda s: s.add(Staff(id=staff_id, name="赵六", role="officer")))
    vehicle = take_out()
    with pytest.raises(SecretRejected, match="前方指挥车上不能授予"):
        AccessService(vehicle).grant(staff_id, Role.ADMIN, "现场需要")
    write(
        vehicle,
        lambda s: s.add(
            RoleGrant(
                staff_id=staff_id,
                role="admin",
                reason="手工写入",
                granted_by="某人",
                granted_at=vehicle.clock(),
            )
        ),
    )
    SyncService(center).apply_packet_file(_written(vehicle, tmp_path / "v.xccsync"))
    with center.read_session() as s:
        assert s.scalars(select(RoleGrant).where(RoleGrant.staff_id == staff_id)).all() == []
        (listed,) = s.scalars(select(SyncConflict)).all()
        assert (listed.kind, listed.entity_type) == (ConflictKind.REFUSED.value, "role_grant")
