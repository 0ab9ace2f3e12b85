"""The incident list on a big log: opening it, filtering and searching, appending.

    .venv/bin/python benchmarks/incident_log.py [--db URL] [--incidents 100000] [--entries 1000000]

Without ``--db`` a new SQLite file in a temporary folder; with ``--db`` an
*empty* database (it is migrated here). The fill writes incidents and log
entries with plain bulk INSERTs in large batches, one transaction per batch
(set-up only: it bypasses the unit of work, so no change_log rows; the search
triggers and indexes of migration 0003 do run). Then, through the service the
list model uses (``IncidentSearch``, no Qt):

- ``list_open_ms``: ``count`` + first page (200 rows) of the default query
  (newest first, no filter), median of 5;
- ``search_p95_ms``: 95th percentile over 100 mixed queries (status, category,
  severity, township, time range and drill filters, text terms of 1-2 and of 3+
  characters, some of them only in log entries, and rare two-character village
  names, which the bigram index of migration 0005 serves) of the first page, which is
  what the list shows when a query changes (the service remembers terms it
  looked up until the next write, as it does for the list); the same queries
  with every term looked up afresh, and the ``count`` of the queries (the
  list's status line, loaded beside the page), are reported on their own lines;
- ``append_p50_ms``: ``IncidentWorkflow.append`` of a note (one unit of work
  with its change_log row), median of 100.

The last line is ``RESULT list_open_ms=<n> search_p95_ms=<n> append_p50_ms=<n>``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlalchemy.engine import make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import Incident, IncidentLogEntry, Township
from app.domain.clock import system_clock
from app.domain.enums import LogEntryKind
from app.services.incident_search import IncidentQuery, IncidentSearch
from app.services.incident_workflow import IncidentWorkflow

TOWNS = ["龙城镇", "黄口镇", "杨楼镇", "闫集镇", "新庄镇", "刘套镇", "马井镇", "青龙镇", "圣泉镇"]
PLACES = [
    "化工厂",
    "加油站",
    "粮库",
    "养殖场",
    "居民小区",
    "国道",
    "中学",
    "农贸市场",
    "水库",
    "煤矿",
]
# Two-character village names, each in about 1 in 40 addresses: the rare short
# terms a duty officer types most.
VILLAGES = [
    "官桥", "郭庄", "丁里", "石林", "陈庄", "魏庙", "大屯", "孙圩", "朱楼", "李庄",
    "薛湖", "葛集", "永堌", "白土", "庄里", "酒店", "赵庄", "王寨", "祖楼", "岱湖",
    "张庄", "刘楼", "何庄", "高庄", "黄桥", "周寨", "吴集", "杨庄", "马楼", "徐圩",
    "胡庄", "曹村", "程庄", "任楼", "宋集", "谢圩", "韩庄", "冯楼", "邓庄", "蒋集",
]  # fmt: skip
EVENTS = ["火灾", "爆炸", "泄漏", "内涝", "塌陷", "交通事故", "山体滑坡", "冰雹", "踩踏", "停电"]
LOG_PHRASES = [
    "救援队已到达现场",
    "群众已转移至安置点",
    "消防车三辆出动",
    "领导批示：全力救治伤员",
    "现场警戒已设置",
    "水位持续上涨",
    "道路已封闭绕行",
    "医疗组已就位",
    "物资已调拨",
    "续报已报送市应急局",
    "火势已得到控制",
    "无人员伤亡",
]
STATUSES = ["received", "verified", "reported", "responding", "handling", "closed"]
CATEGORIES = ["natural", "accident", "public_health", "social_safety"]
SEVERITIES = ["I", "II", "III", "IV"]
TERMS = [
    "火灾", "泄漏", "塌陷", "火", "涝",  # short: LIKE
    "化工厂", "安置点", "交通事故", "医疗组已就位", "市应急局", "龙城镇粮库",  # 3+: trigram
    "不存在的词", "救援队", "停电",
    "官桥", "丁里 火灾", "管涌", "涌",  # rare short: the bigram index
]  # fmt: skip
ACTOR = "bench"
SITE = "bench"
T_END = datetime(2026, 12, 1, tzinfo=UTC)


def fill(db: Database, incidents: int, entries: int, rng: random.Random) -> list[uuid.UUID]:
    towns = [
        {"id": uuid.uuid4(), "code": f"b{n}", "name": name, "kind": "town"}
        for n, name in enumerate(TOWNS)
    ]
    span = timedelta(days=3 * 365).total_seconds()
    engine = db.engine.execution_options(xcc_write=True)
    with engine.begin() as conn:
        conn.execute(insert(Township), towns)
    ids: list[uuid.UUID] = []
    batch = 10000
    for start in range(0, incidents, batch):
        rows: list[dict[str, Any]] = []
        for _ in range(min(batch, incidents - start)):
            town = rng.randrange(len(towns))
            place, event = rng.choice(PLACES), rng.choice(EVENTS)
            rid = uuid.uuid4()
            ids.append(rid)
            rows.append(
                {
                    "id": rid,
                    "title": f"{TOWNS[town]}{place}{event}",
                    "category": rng.choice(CATEGORIES),
                    "incident_type": "other",
                    "severity": rng.choice(SEVERITIES),
                    "status": rng.choice(STATUSES),
                    "is_drill": rng.random() < 0.1,
                    "received_at": T_END - timedelta(seconds=rng.random() * span),
                    "source": "phone",
                    "township_id": towns[town]["id"],
                    "address": f"{TOWNS[town]}{rng.choice(VILLAGES)}村{rng.randrange(1, 300)}号",
                    "description": f"{place}发生{event}，报警人称{rng.choice(LOG_PHRASES)}",
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(Incident), rows)
    now = T_END
    for start in range(0, entries, 20000):
        logs = [
            {
                "id": uuid.uuid4(),
                "incident_id": ids[rng.randrange(len(ids))],
                "kind": "note",
                "body": (
                    f"{rng.choice(LOG_PHRASES)}，{rng.choice(LOG_PHRASES)}"
                    f"{'，堤坝发现管涌' if rng.random() < 0.002 else ''}"
                    f"（{rng.randrange(10000)}）"
                ),
                "at": now,
                "actor": ACTOR,
            }
            for _ in range(min(20000, entries - start))
        ]
        with engine.begin() as conn:
            conn.execute(insert(IncidentLogEntry), logs)
    if db.is_sqlite:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return ids


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def random_query(rng: random.Random, towns: list[uuid.UUID]) -> IncidentQuery:
    kw: dict[str, Any] = {}
    if rng.random() < 0.3:
        kw["statuses"] = frozenset(rng.sample(STATUSES, rng.randint(1, 3)))
    if rng.random() < 0.2:
        kw["categories"] = frozenset(rng.sample(CATEGORIES, 1))
    if rng.random() < 0.2:
        kw["severities"] = frozenset(rng.sample(SEVERITIES, 2))
    if rng.random() < 0.3:
        kw["township_ids"] = frozenset(rng.sample(towns, 1))
    if rng.random() < 0.2:
        start = T_END - timedelta(days=rng.randrange(30, 900))
        kw["received_from"] = start
        kw["received_to"] = start + timedelta(days=30)
    if rng.random() < 0.2:
        kw["drill"] = rng.random() < 0.5
    if rng.random() < 0.7:
        kw["text"] = " ".join(rng.sample(TERMS, 1 if rng.random() < 0.8 else 2))
    return IncidentQuery(**kw)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="xcc-bench-")
    url = args.db or f"sqlite+pysqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    db = Database(make_url(url))
    try:
        upgrade(db)
        rng = random.Random(20261201)
        t = time.perf_counter()
        ids = fill(db, args.incidents, args.entries, rng)
        print(f"fill: {args.incidents} incidents, {args.entries} log entries "
              f"in {time.perf_counter() - t:.1f} s ({db.backend})")  # fmt: skip
        search = IncidentSearch(db)
        with db.read_session() as s:
            towns = [t.id for t in s.query(Township).all()]
        opens = [
            timed(lambda: (search.count(IncidentQuery()), search.page(IncidentQuery())))
            for _ in range(5)
        ]
        list_open = statistics.median(opens)
        print(f"list open (count + first page): {[round(x, 1) for x in opens]}")
        pages: list[float] = []
        counts: list[float] = []
        slow: list[tuple[float, IncidentQuery]] = []
        queries = [random_query(rng, towns) for _ in range(100)]
        for query in queries:
            ms = timed(lambda q=query: search.page(q))  # type: ignore[misc]
            pages.append(ms)
            counts.append(timed(lambda q=query: search.count(q)))  # type: ignore[misc]
            slow.append((ms, query))
        # The same queries again, each with its terms looked up afresh (as after a
        # write, or the first time a term is typed): no memory of earlier queries.
        afresh = []
        for query in queries:
            search.forget()
            afresh.append(timed(lambda q=query: search.page(q)))  # type: ignore[misc]
        slow.sort(key=lambda x: -x[0])
        for ms, query in slow[:3]:
            print(f"  slowest page {ms:.0f} ms: text={query.text!r} filters={_filters(query)}")
        print(
            f"search first page: p50={statistics.median(pages):.1f} "
            f"p95={percentile(pages, 0.95):.1f} ms"
        )
        print(
            f"  terms afresh:    p50={statistics.median(afresh):.1f} "
            f"p95={percentile(afresh, 0.95):.1f} ms"
        )
        print(
            f"search count:      p50={statistics.median(counts):.1f} "
            f"p95={percentile(counts, 0.95):.1f} ms"
        )
        workflow = IncidentWorkflow(db)
        appends = []
        for k in range(100):
            target = ids[rng.randrange(len(ids))]
            appends.append(timed(lambda t=target, k=k: workflow.append(  # type: ignore[misc]
                t, LogEntryKind.NOTE, f"基准测试记录{k}", actor=ACTOR, site=SITE,
                at=system_clock())))  # fmt: skip
        append_p50 = statistics.median(appends)
        print(
            f"RESULT list_open_ms={list_open:.0f} search_p95_ms={percentile(pages, 0.95):.0f} "
            f"append_p50_ms={append_p50:.0f}"
        )
    finally:
        db.dispose()
        tmp.cleanup()
    return 0


def _filters(q: IncidentQuery) -> str:
    parts = [
        f"{name}" for name in ("statuses", "categories", "severities", "township_ids")
        if getattr(q, name)
    ]  # fmt: skip
    if q.received_from:
        parts.append("time")
    if q.drill is not None:
        parts.append("drill")
    return ",".join(parts) or "-"


if __name__ == "__main__":
    raise SystemExit(main())
