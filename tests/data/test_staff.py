"""People and AB posts on both backends: rules, post uniqueness, stale copies, change_log."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import ChangeLog, Staff, Township, Village
from app.data.uow import UnitOfWork
from app.services.staff import (
    StaffDraft,
    StaffRejected,
    StaffService,
    StaleStaff,
    custom_role,
    custom_role_name,
)

ACTOR, SITE = "tester", "seat-1"


@pytest.fixture
def places(migrated_db: Database) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("t1", "t2", "v1", "v2", "v3")}
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.session.add_all(
            [
                Township(id=ids["t1"], code="T1", name="龙城镇", kind="town"),
                Township(id=ids["t2"], code="T2", name="黄口镇", kind="town"),
            ]
        )
        uow.session.flush()
        uow.session.add_all(
            [
                Village(id=ids["v1"], township_id=ids["t1"], name="城东社区", kind="community"),
                Village(id=ids["v2"], township_id=ids["t1"], name="凤山村", kind="village"),
                Village(id=ids["v3"], township_id=ids["t2"], name="李庄村", kind="village"),
            ]
        )
        uow.commit()
    return ids


def _officer(village: uuid.UUID, post: str, name: str = "朱小红") -> StaffDraft:
    return StaffDraft(
        name=name,
        role="info_officer",
        unit="龙城镇人民政府",
        phone="139-0000 0055",
        village_id=village,
        post=post,
    )


def _log(db: Database, staff_id: uuid.UUID) -> list[tuple[str, str]]:
    with db.read_session() as s:
        rows = s.execute(
            select(ChangeLog.op, ChangeLog.actor)
            .where(ChangeLog.entity_type == "staff", ChangeLog.entity_id == staff_id)
            .order_by(ChangeLog.seq)
        ).all()
    return [(op, actor) for op, actor in rows]


def test_create_update_deactivate_write_change_log(
    migrated_db: Database, places: dict[str, uuid.UUID]
) -> None:
    service = StaffService(migrated_db)
    row = service.create(
        StaffDraft(name=" 王建华 ", role="leader", unit="县应急管理局", phone="13900000037"),
        actor="甲",
        site=SITE,
    )
    assert (row.name, row.role, row.unit, row.active, row.version) == (
        "王建华",
        "leader",
        "县应急管理局",
        True,
        1,
    )
    assert [r.id for r in service.list()] == [row.id]

    updated = service.update(
        row.id,
        row.version,
        StaffDraft(name="王建华", role="officer", phone="0557-1234567", township_id=places["t1"]),
        actor="乙",
        site=SITE,
    )
    assert (updated.role, updated.phone, updated.unit, updated.township) == (
        "officer",
        "0557-1234567",
        None,
        "龙城镇",
    )
    assert updated.version == 2

    gone = service.deactivate(row.id, updated.version, actor="丙", site=SITE)
    assert not gone.active
    assert service.list() == []
    assert [r.id for r in service.list(include_inactive=True)] == [row.id]
    with migrated_db.read_session() as s:
        assert s.get(Staff, row.id) is not None  # never deleted
    assert _log(migrated_db, row.id) == [("insert", "甲"), ("update", "乙"), ("update", "丙")]


def test_custom_roles_are_stored_with_a_prefix(
    migrated_db: Database, places: dict[str, uuid.UUID]
) -> None:
    service = StaffService(migrated_db)
    row = service.create(
        StaffDraft(name="韩冰", role=custom_role("联络员")), actor=ACTOR, site=SITE
    )
    assert row.role == "custom:联络员" and custom_role_name(row.role) == "联络员"
    assert custom_role_name("leader") is None
    with pytest.raises(StaffRejected) as too_long:
        service.create(
            StaffDraft(name="韩冰", role=custom_role("一二三四五六七八九十")),
            actor=ACTOR,
            site=SITE,
        )
    assert too_long.value.codes() == ["staff.role_too_long"]


@pytest.mark.parametrize(
    ("draft", "codes"),
    [
        (StaffDraft(name="  ", role="leader"), ["staff.name_required"]),
        (StaffDraft(name="名" * 65, role="leader"), ["staff.name_too_long"]),
        (StaffDraft(name="张丽", role="officer", phone="139abc0000"), ["phone.invalid"]),
        (StaffDraft(name="张丽", role="officer", phone="1" * 33), ["phone.too_long"]),
        (StaffDraft(name="张丽", role="boss"), ["staff.role_invalid"]),
        (StaffDraft(name="张丽", role="custom:"), ["staff.role_invalid"]),
        (StaffDraft(name="张丽", role=""), ["staff.role_invalid"]),
        (
            StaffDraft(name="", role="info_officer", phone="+86 电话"),
            [
                "staff.name_required",
                "phone.invalid",
                "staff.village_required",
                "staff.post_required",
            ],
        ),
        (StaffDraft(name="张丽", role="officer", unit="单" * 129), ["staff.unit_too_long"]),
    ],
)
def test_validation_codes(
    migrated_db: Database, places: dict[str, uuid.UUID], draft: StaffDraft, codes: list[str]
) -> None:
    with pytest.raises(StaffRejected) as caught:
        StaffService(migrated_db).create(draft, actor=ACTOR, site=SITE)
    assert caught.value.codes() == codes
    assert StaffService(migrated_db).list(include_inactive=True) == []


def test_info_officer_needs_a_post_in_a_village_of_the_township(
    migrated_db: Database, places: dict[str, uuid.UUID]
) -> None:
    service = StaffService(migrated_db)
    with pytest.raises(StaffRejected) as caught:
        service.create(_officer(places["v1"], "C"), actor=ACTOR, site=SITE)
    assert caught.value.codes() == ["staff.post_required"]
    wrong = replace(_officer(places["v3"], "A"), township_id=places["t1"])
    with pytest.raises(StaffRejected) as caught:
        service.create(wrong, actor=ACTOR, site=SITE)
    assert caught.value.codes() == ["staff.township_mismatch"]
    row = service.create(_officer(places["v1"], "A"), actor=ACTOR, site=SITE)
    assert (row.township, row.village, row.post) == ("龙城镇", "城东社区", "A")
    # A leader keeps a township but never a village or a post.
    leader = service.create(
        StaffDraft(
            name="李志强",
            role="leader",
            township_id=places["t2"],
            village_id=places["v3"],
            post="A",
        ),
        actor=ACTOR,
        site=SITE,
    )
    assert (leader.township, leader.village, leader.post) == ("黄口镇", None, None)


def test_one_active_holder_per_village_and_post(
    migrated_db: Database, places: dict[str, uuid.UUID]
) -> None:
    service = StaffService(migrated_db)
    a = service.create(_officer(places["v1"], "A"), actor=ACTOR, site=SITE)
    with pytest.raises(StaffRejected) as caught:
        service.create(_officer(places["v1"], "A", "秦大海"), actor=ACTOR, site=SITE)
    assert caught.value.codes() == ["staff.post_taken"]
    assert caught.value.errors[0].detail == "朱小红"
    b = service.create(_officer(places["v1"], "B", "秦大海"), actor=ACTOR, site=SITE)
    # Moving B onto A is refused; saving A unchanged is not a clash with itself.
    with pytest.raises(StaffRejected):
        service.update(
            b.id, b.version, _officer(places["v1"], "A", "秦大海"), actor=ACTOR, site=SITE
        )
    service.update(a.id, a.version, _officer(places["v1"], "A"), actor=ACTOR, site=SITE)
    # Once A has left, the post is free again; reactivating A then clashes.
    a = service.get(a.id)  # type: ignore[assignment]
    assert a is not None
    service.deactivate(a.id, a.version, actor=ACTOR, site=SITE)
    b = service.update(
        b.id, b.version, _officer(places["v1"], "A", "秦大海"), actor=ACTOR, site=SITE
    )
    assert b.post == "A"
    a = service.get(a.id)  # type: ignore[assignment]
    assert a is not None
    with pytest.raises(StaffRejected) as caught:
        service.update(a.id, a.version, _officer(places["v1"], "A"), actor=ACTOR, site=SITE)
    assert caught.value.errors[0].detail == "秦大海"


def test_stale_update_carries_the_current_row_and_who_changed_it(
    migrated_db: Database, places: dict[str, uuid.UUID]
) -> None:
    service = StaffService(migrated_db)
    row = service.create(
        StaffDraft(name="张丽", role="officer", phone="13900000042"), actor=ACTOR, site=SITE
    )
    service.update(
        row.id,
        row.version,
        StaffDraft(name="张丽", role="officer", phone="13900000099"),
        actor="seat-2 李四",
        site="seat-2",
    )
    with pytest.raises(StaleStaff) as caught:
        service.update(
            row.id, row.version, StaffDraft(name="张丽丽", role="officer"), actor=ACTOR, site=SITE
        )
    assert caught.value.current is not None and caught.value.current.phone == "13900000099"
    assert caught.value.last_change is not None
    assert caught.value.last_change.actor == "seat-2 李四"
    with pytest.raises(StaleStaff):
        service.deactivate(row.id, row.version, actor=ACTOR, site=SITE)
    assert service.get(row.id) == caught.value.current  # nothing overwritten


def test_posts_and_set_post(migrated_db: Database, places: dict[str, uuid.UUID]) -> None:
    service = StaffService(migrated_db)
    a = service.create(_officer(places["v1"], "A"), actor=ACTOR, site=SITE)
    b = service.create(_officer(places["v1"], "B", "秦大海"), actor=ACTOR, site=SITE)
    c = service.create(_officer(places["v2"], "A", "尤春梅"), actor=ACTOR, site=SITE)
    far = service.create(_officer(places["v3"], "A", "何秀英"), actor=ACTOR, site=SITE)
    posts = {p.village: p for p in service.posts()}
    assert list(posts) == ["凤山村", "城东社区", "李庄村"]
    full = posts["城东社区"]
    assert full.a is not None and full.a.name == "朱小红" and full.b is not None
    assert not full.missing
    assert posts["凤山村"].missing and posts["凤山村"].b is None

    # 尤春梅 moves to 城东社区 A: 朱小红 stays in the village without a post.
    row = service.set_post(places["v1"], "A", c.id, actor="甲", site=SITE)
    assert row.a is not None and row.a.name == "尤春梅"
    moved = service.get(c.id)
    assert moved is not None and (moved.village, moved.post) == ("城东社区", "A")
    left = service.get(a.id)
    assert left is not None and (left.village, left.post) == ("城东社区", None)
    assert {p.village: p for p in service.posts()}["凤山村"].a is None
    assert _log(migrated_db, a.id)[-1] == ("update", "甲")

    empty = service.set_post(places["v1"], "B", None, actor=ACTOR, site=SITE)
    assert empty.b is None and empty.missing
    assert service.get(b.id).post is None  # type: ignore[union-attr]

    from app.domain.rules import RuleViolation

    with pytest.raises(RuleViolation) as caught:
        service.set_post(places["v1"], "B", far.id, actor=ACTOR, site=SITE)
    assert caught.value.code == "staff.wrong_township"
    leader = service.create(StaffDraft(name="王建华", role="leader"), actor=ACTOR, site=SITE)
    with pytest.raises(RuleViolation) as caught:
        service.set_post(places["v1"], "B", leader.id, actor=ACTOR, site=SITE)
    assert caught.value.code == "staff.not_info_officer"
    with pytest.raises(RuleViolation) as caught:
        service.set_post(places["v1"], "C", None, actor=ACTOR, site=SITE)
    assert caught.value.code == "staff.post_invalid"


def test_places_list_townships_then_their_villages(
    migrated_db: Database, places: dict[str, uuid.UUID]
) -> None:
    refs = StaffService(migrated_db).places()
    assert [(p.township, p.village) for p in refs] == [
        ("龙城镇", None),
        ("龙城镇", "凤山村"),
        ("龙城镇", "城东社区"),
        ("黄口镇", None),
        ("黄口镇", "李庄村"),
    ]
