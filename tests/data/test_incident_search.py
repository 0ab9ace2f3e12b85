"""The incident list query: filters, text search (literal), keyset paging; both backends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from app.data.engine import Database
from app.data.models import Incident, IncidentLogEntry, Township
from app.data.uow import UnitOfWork
from app.services.dto import IncidentDTO
from app.services.incident_search import (
    IncidentQuery,
    IncidentSearch,
    PageCursor,
    SortColumn,
    search_terms,
)

ACTOR = "tester"
SITE = "test-site"
T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def _incident(n: int, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "title": f"事件{n:04d}",
        "category": "accident",
        "incident_type": "fire",
        "severity": "IV",
        "status": "received",
        "is_drill": False,
        "received_at": T0 + timedelta(minutes=n),
        "source": "phone",
        "description": None,
        "address": None,
    }
    row.update(over)
    return row


def _log(incident_id: uuid.UUID, body: str, n: int = 0) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "kind": "note",
        "body": body,
        "at": T0 + timedelta(minutes=n),
        "actor": ACTOR,
    }


def _insert(db: Database, incidents: list[dict[str, Any]], logs: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.bulk_insert(Incident, incidents)
        if logs:
            uow.bulk_insert(IncidentLogEntry, list(logs))
        uow.commit()


def _ids(rows: list[IncidentDTO]) -> list[uuid.UUID]:
    return [r.id for r in rows]


def _all(search: IncidentSearch, query: IncidentQuery, limit: int = 7) -> list[IncidentDTO]:
    out: list[IncidentDTO] = []
    cursor: PageCursor | None = None
    while True:
        rows, cursor = search.page(query, cursor, limit)
        out += rows
        if cursor is None:
            return out


def _titles(search: IncidentSearch, text: str) -> set[str]:
    return {r.title for r in _all(search, IncidentQuery(text=text), limit=50)}


def test_filters(migrated_db: Database) -> None:
    town_a, town_b = uuid.uuid4(), uuid.uuid4()
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.bulk_insert(
            Township,
            [
                {"id": town_a, "code": "t-a", "name": "龙城镇", "kind": "town"},
                {"id": town_b, "code": "t-b", "name": "黄口镇", "kind": "town"},
            ],
        )
        uow.commit()
    rows = [
        _incident(0, status="closed", township_id=town_a),
        _incident(1, category="natural", severity="I", township_id=town_b),
        _incident(2, is_drill=True, township_id=town_a),
        _incident(3, status="handling", severity="II"),
        _incident(4),
    ]
    _insert(migrated_db, rows)
    search = IncidentSearch(migrated_db)
    ids = [r["id"] for r in rows]

    def found(**kw: Any) -> list[uuid.UUID]:
        return _ids(_all(search, IncidentQuery(**kw)))

    assert found() == ids[::-1]  # newest first
    assert search.count(IncidentQuery()) == 5
    assert found(statuses=frozenset({"closed", "handling"})) == [ids[3], ids[0]]
    assert found(categories=frozenset({"natural"})) == [ids[1]]
    assert found(severities=frozenset({"I", "II"})) == [ids[3], ids[1]]
    assert found(township_ids=frozenset({town_a})) == [ids[2], ids[0]]
    assert found(drill=True) == [ids[2]]
    assert found(drill=False) == [ids[4], ids[3], ids[1], ids[0]]
    window = {"received_from": T0 + timedelta(minutes=1), "received_to": T0 + timedelta(minutes=3)}
    assert found(**window) == [ids[2], ids[1]]  # from inclusive, to exclusive
    assert search.count(IncidentQuery(drill=False, township_ids=frozenset({town_a}))) == 1
    first = _all(search, IncidentQuery(township_ids=frozenset({town_b})))[0]
    assert first.township == "黄口镇"
    # Other orders (paged by offset).
    by_severity = found(sort=SortColumn.SEVERITY, descending=False)
    assert by_severity[:2] == [ids[1], ids[3]]
    assert len(by_severity) == 5
    by_township = found(sort=SortColumn.TOWNSHIP, descending=True)
    # Code point order (龙 after 黄); incidents without a township last.
    assert by_township == [ids[2], ids[0], ids[1], ids[4], ids[3]]
    assert found(received_from=T0 + timedelta(days=1)) == []


def test_keyset_paging_no_duplicates_or_gaps_while_new_incidents_arrive(
    migrated_db: Database,
) -> None:
    # Ties in received_at too: ids break them.
    rows = [_incident(n // 3) for n in range(60)]
    _insert(migrated_db, rows)
    search = IncidentSearch(migrated_db)
    seen: list[uuid.UUID] = []
    page, cursor = search.page(IncidentQuery(), None, 10)
    seen += _ids(page)
    arrived = 0
    while cursor is not None:
        # New reports (newer and as old as the page boundary) come in between pages.
        _insert(migrated_db, [_incident(1000 + arrived), _incident(0, title=f"迟到{arrived}")])
        arrived += 1
        page, cursor = search.page(IncidentQuery(), cursor, 10)
        seen += _ids(page)
    assert len(seen) == len(set(seen))
    assert set(_ids_of(rows)) <= set(seen)
    assert arrived >= 5  # late reports as old as the last page may join it
    assert page[-1].log_count == 0


def _ids_of(rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    return [r["id"] for r in rows]


def test_text_search_titles_descriptions_addresses_and_log_entries(migrated_db: Database) -> None:
    a = _incident(1, title="龙城镇化工厂火灾")
    b = _incident(2, title="道路塌陷", description="县城东关大街路面塌陷")
    c = _incident(3, title="车辆事故", address="黄口镇310国道")
    d = _incident(4, title="内涝")
    e = _incident(5, title="Warehouse Fire at Depot")
    _insert(
        migrated_db,
        [a, b, c, d, e],
        [_log(d["id"], "救援队已转移群众至安置点"), _log(d["id"], "水位下降", 1)],
    )
    search = IncidentSearch(migrated_db)
    assert _titles(search, "化工厂") == {"龙城镇化工厂火灾"}
    assert _titles(search, "东关大街") == {"道路塌陷"}
    assert _titles(search, "310国道") == {"车辆事故"}
    assert _titles(search, "安置点") == {"内涝"}  # only in a log entry
    assert _titles(search, "转移 下降") == {"内涝"}  # every term, in different entries
    assert _titles(search, "安置点 火灾") == set()
    assert _titles(search, "warehouse fire") == {"Warehouse Fire at Depot"}  # any case
    assert search.count(IncidentQuery(text="安置点")) == 1
    # An incident with several matching entries is listed once.
    _insert(migrated_db, [], [_log(d["id"], "第二个安置点已开放", 2)])
    assert search.count(IncidentQuery(text="安置点")) == 1
    assert [r.log_count for r in _all(search, IncidentQuery(text="安置点"))] == [3]
    # Text together with a filter.
    assert _titles(search, "") == {r["title"] for r in (a, b, c, d, e)}
    assert search.count(IncidentQuery(text="安置点", drill=True)) == 0


def test_short_chinese_terms(migrated_db: Database) -> None:
    _insert(
        migrated_db,
        [_incident(1, title="化工厂火灾"), _incident(2, title="内涝"), _incident(3, title="塌陷")],
        [],
    )
    rows = _all(IncidentSearch(migrated_db), IncidentQuery())
    by_title = {r.title: r.id for r in rows}
    _insert(migrated_db, [], [_log(by_title["塌陷"], "有人被困")])
    search = IncidentSearch(migrated_db)
    assert _titles(search, "火") == {"化工厂火灾"}
    assert _titles(search, "火灾") == {"化工厂火灾"}
    assert _titles(search, "涝") == {"内涝"}
    assert _titles(search, "被困") == {"塌陷"}  # a short term in a log entry
    assert _titles(search, "困 塌陷") == {"塌陷"}  # short and long terms together
    assert _titles(search, "雪") == set()


LITERAL_TITLES = [
    "完成100%转移",
    "完成1000转移",
    "a_b 标记",
    "axb 标记",
    "他说'撤离'",
    '他说"撤离"',
    "路径C:\\temp\\x",
    "路径C:tempx",
]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("100%", {"完成100%转移"}),
        ("%", {"完成100%转移"}),
        ("0%转", {"完成100%转移"}),
        ("a_b", {"a_b 标记"}),
        ("_", {"a_b 标记"}),
        ("'撤离'", {"他说'撤离'"}),
        ("'", {"他说'撤离'"}),
        ('"撤离"', {'他说"撤离"'}),
        ('"', {'他说"撤离"'}),
        ("C:\\temp", {"路径C:\\temp\\x"}),
        ("\\", {"路径C:\\temp\\x"}),
        ("\\\\", set()),
        ("' OR 1=1 --", set()),
        ('" OR "', set()),
        ("NEAR(撤离", set()),
        ("*", set()),
    ],
)
def test_special_characters_are_matched_literally(
    migrated_db: Database, term: str, expected: set[str]
) -> None:
    _insert(migrated_db, [_incident(n, title=t) for n, t in enumerate(LITERAL_TITLES)])
    _insert(migrated_db, [], [])
    search = IncidentSearch(migrated_db)
    assert _titles(search, term) == expected
    # And in a log entry body too.
    target = _incident(99, title="日志中的符号")
    _insert(migrated_db, [target], [_log(target["id"], f"记录{term}结束")])
    assert "日志中的符号" in _titles(search, term)


def test_nul_and_control_characters_separate_terms(migrated_db: Database) -> None:
    _insert(migrated_db, [_incident(1, title="化工厂火灾"), _incident(2, title="化工厂")])
    search = IncidentSearch(migrated_db)
    assert search_terms("化工厂\x00火灾") == ("化工厂", "火灾")
    assert search_terms("\x00\t \n") == ()
    assert _titles(search, "化工厂\x00火灾") == {"化工厂火灾"}
    assert _titles(search, "\x00") == {"化工厂火灾", "化工厂"}  # nothing left: no text filter


def test_index_follows_incident_updates(migrated_db: Database) -> None:
    row = _incident(1, title="初报：仓库冒烟")
    _insert(migrated_db, [row])
    search = IncidentSearch(migrated_db)
    assert _titles(search, "冒烟") == {"初报：仓库冒烟"}
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        incident = uow.session.get(Incident, row["id"])
        assert incident is not None
        incident.title, incident.address = "核实：仓库起火", "萧县经济开发区"
        uow.commit()
    assert _titles(search, "冒烟") == set()
    assert _titles(search, "仓库起火") == {"核实：仓库起火"}
    assert _titles(search, "经济开发区") == {"核实：仓库起火"}
    # A status change (not searched text) keeps it findable.
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        incident = uow.session.get(Incident, row["id"])
        assert incident is not None
        incident.status = "verified"
        uow.commit()
    assert _titles(search, "仓库起火") == {"核实：仓库起火"}


def test_limit_must_be_positive(migrated_db: Database) -> None:
    with pytest.raises(ValueError, match="limit"):
        IncidentSearch(migrated_db).page(IncidentQuery(), None, 0)


@pytest.mark.parametrize(
    "terms", ["火", "现场", "救援队已到达", "救援 现场", "抢险%", "Fire", "火 群众"]
)
def test_every_plan_returns_the_same_pages(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch, terms: str
) -> None:
    """Rare terms (collected), common terms walked chunk by chunk, and a walk that
    hands over to SQL part way (the terms rarely meet, or the walk is slow): each
    finds exactly the same rows, in order."""
    import app.services.incident_search as module

    incidents = [
        _incident(
            n,
            title=f"事件{n:04d}" + (" FIRE 火情" if n % 7 == 0 else ""),
            is_drill=n % 11 == 0,
        )
        for n in range(60)
    ]
    bodies = ["救援队已到达现场", "抢险%完成", "群众已转移", "现场火势控制"]
    logs = [
        _log(inc["id"], bodies[(i + k) % len(bodies)], i)
        for i, inc in enumerate(incidents)
        for k in range(i % 3)
    ]
    _insert(migrated_db, incidents, logs)
    search = IncidentSearch(migrated_db)
    plans = {
        "collected": {"COMMON_AT": 10**9},
        "walked": {"COMMON_AT": 0, "SCAN_CHUNK": 5, "WALK_AHEAD": 10**9},
        "handed over": {"COMMON_AT": 0, "SCAN_CHUNK": 5, "WALK_AHEAD": 0},
        "mixed": {"COMMON_AT": 6, "SCAN_CHUNK": 5, "WALK_AHEAD": 1},
        "out of time": {"COMMON_AT": 0, "SCAN_CHUNK": 5, "WALK_AHEAD": 10**9, "WALK_BUDGET_MS": 0},
    }
    for query in (
        IncidentQuery(text=terms),
        IncidentQuery(text=terms, drill=False),
        IncidentQuery(text=terms, descending=False),
    ):
        found: dict[str, list[uuid.UUID]] = {}
        for name, settings in plans.items():
            with monkeypatch.context() as m:
                for key, value in settings.items():
                    m.setattr(module, key, value)
                search.forget()  # look the terms up again under these settings
                found[name] = _ids(_all(search, query, limit=4))
                assert search.count(query) == len(found[name])
        assert found["walked"] == found["collected"] == found["handed over"], query
        assert found["mixed"] == found["out of time"] == found["collected"], query
        assert found["collected"], query
        assert len(set(found["collected"])) == len(found["collected"])


def test_short_terms_use_the_bigram_index_exactly(migrated_db: Database) -> None:
    """One- and two-character terms: only where the characters are adjacent, in
    any case, in own text and in log entries; punctuation still matched."""
    rows = [
        _incident(1, title="官桥村内涝", address="萧县官桥"),
        _incident(2, title="桥下积水", description="官 桥"),  # not adjacent
        _incident(3, title="Ab段塌陷"),
        _incident(4, title="报告：a。b"),
        _incident(5, title="末字涝"),
    ]
    _insert(migrated_db, rows, [_log(rows[3]["id"], "发现管涌，AB路段")])
    search = IncidentSearch(migrated_db)
    assert _titles(search, "官桥") == {"官桥村内涝"}
    assert _titles(search, "桥") == {"官桥村内涝", "桥下积水"}
    assert _titles(search, "涝") == {"官桥村内涝", "末字涝"}  # also as the last character
    assert _titles(search, "管涌") == {"报告：a。b"}  # only in a log entry
    assert _titles(search, "ab") == {"Ab段塌陷", "报告：a。b"}  # case folded, log "AB路段"
    assert _titles(search, "a。") == {"报告：a。b"}  # punctuation: matched by a scan
    assert _titles(search, "。") == {"报告：a。b"}
    assert _titles(search, "桥村 涝") == {"官桥村内涝"}
    assert _titles(search, "桥 塌") == set()
    # Updates and deletes keep the bigram index right.
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        first, last = (
            uow.session.get(Incident, rows[0]["id"]),
            uow.session.get(Incident, rows[4]["id"]),
        )
        assert first is not None and last is not None
        first.title, first.address = "郭庄内涝", None
        uow.session.delete(last)
        uow.commit()
    assert _titles(search, "官桥") == set()
    assert _titles(search, "郭庄") == {"郭庄内涝"}
    assert _titles(search, "涝") == {"郭庄内涝"}


def test_terms_are_remembered_until_anything_is_written(migrated_db: Database) -> None:
    a = _incident(1, title="积水点位一")
    _insert(migrated_db, [a])
    search = IncidentSearch(migrated_db)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(migrated_db.engine, "before_cursor_execute", record)
    try:
        assert _titles(search, "积水") == {"积水点位一"}
        looked_up = len(statements)
        statements.clear()
        assert _titles(search, "积水") == {"积水点位一"}
        assert len(statements) < looked_up  # the second time the term comes from memory
        # A write through the unit of work (here: a log entry elsewhere) and it is
        # looked up again.
        b = _incident(2, title="其他")
        _insert(migrated_db, [b], [_log(b["id"], "发现积水")])
        assert _titles(search, "积水") == {"积水点位一", "其他"}
    finally:
        event.remove(migrated_db.engine, "before_cursor_execute", record)


def test_short_term_index_is_built_for_existing_rows_on_upgrade(migrated_db: Database) -> None:

    from app.data import migrate

    migrate.downgrade(migrated_db, "0004")
    row = _incident(1, title="黄口镇塌陷", address="丁里村")
    _insert(migrated_db, [row], [_log(row["id"], "发现管涌")])
    # The downgrade put 0003's search structures back, and they still follow writes.
    with migrated_db.engine.connect() as conn:
        if migrated_db.is_sqlite:
            hits = "SELECT count(*) FROM xcc_incident_fts WHERE xcc_incident_fts MATCH '\"黄口镇\"'"
            assert conn.execute(text(hits)).scalar() == 1
        else:
            names = "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'xcc_incident_%'"
            assert set(conn.execute(text(names)).scalars()) == {
                "xcc_incident_received_id",
                "xcc_incident_title_trgm",
                "xcc_incident_description_trgm",
                "xcc_incident_address_trgm",
                "xcc_incident_log_entry_body_trgm",
            }
    migrate.upgrade(migrated_db)
    search = IncidentSearch(migrated_db)
    assert _titles(search, "丁里") == {"黄口镇塌陷"}
    assert _titles(search, "管涌") == {"黄口镇塌陷"}
    assert _titles(search, "涌") == {"黄口镇塌陷"}
    _insert(migrated_db, [], [_log(row["id"], "险情已排除", 1)])
    assert _titles(search, "排除") == {"黄口镇塌陷"}


# -- full-width and half-width forms, case, pasted control characters -------------

FOLDING_PLANS: dict[str, dict[str, int]] = {
    "collected": {"COMMON_AT": 10**9},
    "walked": {"COMMON_AT": 0, "SCAN_CHUNK": 5, "WALK_AHEAD": 10**9},
    "handed over": {"COMMON_AT": 0, "SCAN_CHUNK": 5, "WALK_AHEAD": 0},
}


def _found_by_every_path(
    search: IncidentSearch, monkeypatch: pytest.MonkeyPatch, text_: str
) -> set[str]:
    """The titles a search text finds, the same whichever way the plan goes:
    terms collected from the indexes, checked row by row on the walk, handed
    over to SQL part way, or sorted by another column (all matches in SQL)."""
    import app.services.incident_search as module

    found: dict[str, set[str]] = {}
    for name, settings in FOLDING_PLANS.items():
        with monkeypatch.context() as m:
            for key, value in settings.items():
                m.setattr(module, key, value)
            search.forget()
            found[name] = {r.title for r in _all(search, IncidentQuery(text=text_), limit=2)}
            by_title = IncidentQuery(text=text_, sort=SortColumn.TITLE, descending=False)
            found[f"{name}, by title"] = {r.title for r in _all(search, by_title, limit=2)}
    first = found["collected"]
    assert all(titles == first for titles in found.values()), (text_, found)
    return first


G310 = {"Ｇ３１０国道塌方", "G310国道追尾", "g310辅路积水", "日志里有"}
FOLDED_SEARCHES: list[tuple[str, set[str]]] = [
    ("G310", G310),
    ("Ｇ３１０", G310),
    ("g310", G310),
    ("ｇ３", G310),  # 2 characters: the bigram indexes
    ("Ｇ", G310),  # 1 character
    ("310国道", {"Ｇ３１０国道塌方", "G310国道追尾"}),
    ("１号", {"１号闸门渗水"}),  # full-width digit
    ("1号闸门", {"１号闸门渗水"}),
    ("ab", {"ＡＢ段塌陷", "ａｂ段积水"}),  # full-width letters of both cases
    ("ＡＢ段", {"ＡＢ段塌陷", "ａｂ段积水"}),
    ("(续报)", {"（续报）道路中断"}),  # full-width punctuation
    ("（续报）", {"（续报）道路中断"}),
    ("（", {"（续报）道路中断"}),  # short and punctuation: the scans of folded text
    ("：", {"日志里有"}),  # only in a log entry, as "："
    ("龙城镇　化工厂", {"龙城镇\u3000化工厂火灾"}),  # U+3000 separates terms
    ("镇化工", set()),  # ... and is a space in the stored text
]


def test_full_width_half_width_and_case_find_each_other(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        _incident(1, title="Ｇ３１０国道塌方"),
        _incident(2, title="G310国道追尾"),
        _incident(3, title="g310辅路积水"),
        _incident(4, title="１号闸门渗水"),
        _incident(5, title="ＡＢ段塌陷"),
        _incident(6, title="ａｂ段积水"),
        _incident(7, title="（续报）道路中断"),
        _incident(8, title="龙城镇\u3000化工厂火灾"),
        _incident(9, title="日志里有"),
        _incident(10, title="无关事件"),
    ]
    _insert(migrated_db, rows, [_log(rows[8]["id"], "续报：Ｇ３１０封闭")])
    search = IncidentSearch(migrated_db)
    for typed, expected in FOLDED_SEARCHES:
        assert _found_by_every_path(search, monkeypatch, typed) == expected, typed


def test_text_after_a_pasted_nul_is_found(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _incident(1, title="化工厂\x00爆炸", description="第一行\x0b第二行")
    other = _incident(2, title="其他")
    _insert(migrated_db, [row, other], [_log(row["id"], "现场\x00有人被困\u2028已救出")])
    search = IncidentSearch(migrated_db)
    for typed in ("爆炸", "炸", "化工厂爆炸", "有人被困", "困", "已救出", "第二行"):
        assert _found_by_every_path(search, monkeypatch, typed) == {"化工厂爆炸"}, typed
    (listed,) = _all(search, IncidentQuery(text="爆炸"))
    assert listed.title == "化工厂爆炸"


@pytest.mark.postgres
def test_postgresql_lookups_use_the_folded_indexes(pg_url: Any) -> None:
    """Each lookup of a 1-, 2- and 3+-character term reads the GIN index over the
    folded text (incident text and log bodies), not every row."""
    from app.data.migrate import upgrade

    db = Database(pg_url)
    try:
        upgrade(db)
        row = _incident(1, title="Ｇ３１０国道塌方")
        _insert(db, [row], [_log(row["id"], "G310封闭")])
        statements: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            statements.append((statement, parameters))

        expected = {
            "ｇ": {"xcc_incident_text_grams", "xcc_incident_log_entry_body_grams"},
            "Ｇ３": {"xcc_incident_text_grams", "xcc_incident_log_entry_body_grams"},
            "Ｇ３１０": {"xcc_incident_text_trgm", "xcc_incident_log_entry_body_trgm"},
        }
        for typed, indexes in expected.items():
            statements.clear()
            search = IncidentSearch(db)
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert search.count(IncidentQuery(text=typed)) == 1
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            lookups = [(sql, p) for sql, p in statements if "xcc_" in sql]
            assert lookups, typed
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: ask the index
                plans = "\n".join(
                    line
                    for sql, params in lookups
                    for line in conn.exec_driver_sql(f"EXPLAIN {sql}", params).scalars()
                )
            assert all(f"Index Scan on {name}" in plans for name in indexes), (typed, plans)
    finally:
        db.dispose()
