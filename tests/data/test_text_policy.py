"""The text policy in the database: every write stores clean text, the same on
SQLite and PostgreSQL, and SQL ``xcc_fold``/``xcc_clean`` equal the Python rules."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import Handover, HandoverItem, Incident, IncidentLogEntry, Staff
from app.data.uow import UnitOfWork
from app.domain.text import INVISIBLE, clean_text, fold_text

ACTOR = "tester"
SITE = "test-site"
T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)

# What duty officers paste, and what must be stored (the same on both backends).
PASTED = [
    ("塌方\x00后方路段", "塌方后方路段"),  # NUL (PostgreSQL refused it, SQLite cut search at it)
    ("第一行\x0b第二行", "第一行\n第二行"),  # Word's Shift+Enter
    ("a\x01b", "ab"),
    ("a\x1fb", "ab"),
    ("a\x7fb", "ab"),
    ("a\x85b", "a\nb"),
    ("a\u2028b", "a\nb"),
    ("a\r\nb", "a\nb"),
    ("Ｇ３１０国道　（续报）\t完", "Ｇ３１０国道　（续报）\t完"),  # text as typed
]


def _key(db: Database, value: uuid.UUID) -> Any:
    return value.hex if db.is_sqlite else value


def _stored(db: Database, sql: str, **params: Any) -> list[Any]:
    """Values exactly as the database holds them (plain SQL: no type processing)."""
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


def _incident(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "title": "事件",
        "category": "accident",
        "incident_type": "fire",
        "severity": "IV",
        "status": "received",
        "is_drill": False,
        "received_at": T0,
        "source": "phone",
    }
    row.update(over)
    return row


def test_every_kind_of_text_is_stored_clean(migrated_db: Database) -> None:
    """Titles, descriptions, log entries, handover notes and staff names, written by
    the ORM, the unit of work's bulk insert and update and a Core statement."""
    db = migrated_db
    raws = [raw for raw, _stored_as in PASTED]
    expected = [stored for _raw, stored in PASTED]
    ids = [uuid.uuid4() for _ in PASTED]
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        for n, (incident_id, raw) in enumerate(zip(ids, raws, strict=True)):
            uow.session.add(Incident(**_incident(id=incident_id, title=raw, description=raw)))
            uow.session.add(Staff(name=f"{n:02d}{raw}", role="duty"))
        uow.session.flush()
        uow.bulk_insert(
            IncidentLogEntry,
            [
                {"incident_id": i, "kind": "note", "body": raw, "at": T0, "actor": raw}
                for i, raw in zip(ids, raws, strict=True)
            ],
        )
        handover = Handover(handed_over_by="值班员\x00甲", handed_over_at=T0, summary=raws[1])
        uow.session.add(handover)
        uow.session.flush()
        for raw in raws:
            uow.session.add(HandoverItem(handover_id=handover.id, text=raw, created_by=ACTOR))
        uow.commit()
    assert sorted(_stored(db, "SELECT title FROM incident")) == sorted(expected)
    assert sorted(_stored(db, "SELECT description FROM incident")) == sorted(expected)
    assert sorted(_stored(db, "SELECT body FROM incident_log_entry")) == sorted(expected)
    assert sorted(_stored(db, "SELECT actor FROM incident_log_entry")) == sorted(expected)
    assert sorted(_stored(db, "SELECT text FROM handover_item")) == sorted(expected)
    assert _stored(db, "SELECT handed_over_by FROM handover") == ["值班员甲"]
    assert _stored(db, "SELECT summary FROM handover") == ["第一行\n第二行"]
    names = sorted(_stored(db, "SELECT name FROM staff"))
    assert names == [f"{n:02d}{stored}" for n, stored in enumerate(expected)]

    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.bulk_update(Incident, Incident.id == ids[0], {"description": "续报\x0b现场\x00已清理"})
        uow.commit()
    assert _stored(db, "SELECT description FROM incident WHERE id = :id", id=_key(db, ids[0])) == [
        "续报\n现场已清理"
    ]
    # A Core statement outside the unit of work (as the benchmarks fill a database).
    with db.engine.execution_options(xcc_write=True).begin() as conn:
        conn.execute(insert(Incident), [_incident(title="核报\x00：道路\x0b恢复通行")])
    assert "核报：道路\n恢复通行" in _stored(db, "SELECT title FROM incident")


def test_a_nul_in_a_search_comparison_is_dropped_too(migrated_db: Database) -> None:
    """A literal compared with a text column is cleaned like the column's values,
    so a pasted name with a NUL finds the person (and PostgreSQL raises nothing)."""
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(Staff(name="王芳", role="duty"))
        uow.commit()
    with migrated_db.read_session() as s:
        found = s.scalars(select(Staff.name).where(Staff.name == "王\x00芳")).all()
    assert found == ["王芳"]


FOLD_CASES = [
    "Ｇ３１０国道塌方",
    "G310国道追尾",
    "ｇ３１０",
    "Ｗａｒｅｈｏｕｓｅ\u3000Ｆｉｒｅ",
    "（续报）：伤亡，１人",
    "①号闸门㎡",
    "G\u200b310\ufeff\u00ad",
    "第一行\x0b第二行\r\n第三行\x85\u2028\u2029",
    "a\x01b\x1fc\x7fd\x9fe\ufffe",
    "ΑΣ Α",  # final sigma
    "İ",  # lower-cases to two characters
    "Å\u212bﬁẞ",
    "官桥村、丁里村。",
    "",
]


def test_sql_fold_and_clean_equal_the_python_rules(migrated_db: Database) -> None:
    with migrated_db.engine.connect() as conn:
        for case in FOLD_CASES:
            row = conn.execute(text("SELECT xcc_fold(:t), xcc_clean(:t)"), {"t": case}).one()
            assert tuple(row) == (fold_text(case), clean_text(case)), case
        assert conn.execute(text("SELECT xcc_fold(NULL), xcc_clean(NULL)")).one() == (None, None)
        if migrated_db.is_sqlite:  # only SQLite can hold a NUL
            row = conn.execute(text("SELECT xcc_fold(:t), xcc_clean(:t)"), {"t": "Ａ\x00b"}).one()
            assert tuple(row) == ("ab", "Ａb")


@pytest.fixture
def pg_db(pg_url: URL) -> Iterator[Database]:
    db = Database(pg_url)
    upgrade(db)
    yield db
    db.dispose()


# Text PostgreSQL can hold (no NUL, no lone surrogates) and that is assigned in
# Python's Unicode tables (14.0 for Python 3.11): a code point unassigned there
# may be a letter in the server's newer tables (PostgreSQL's own for NFKC, ICU's
# for case), which would be a difference of Unicode versions, not of the rule.
_PG_CHARS = st.characters(min_codepoint=1, exclude_categories=("Cs", "Cn"))
_PG_TEXT = st.text(
    st.one_of(
        _PG_CHARS,
        st.sampled_from(
            "\x01\x0b\x0c\r\n\x1f\x7f\x85\x9f\u2028\u2029\ufffe\uffff"
            + INVISIBLE
            + "Ｇ３ａＺ\u3000（，①ﬁİΣςẞ\u0301\u0307"
        ),
    ),
    max_size=30,
)


@pytest.mark.postgres
def test_postgresql_fold_equals_python_on_generated_text(pg_db: Database) -> None:
    with pg_db.engine.connect() as conn:

        @settings(database=None, max_examples=300, deadline=None)
        @given(_PG_TEXT)
        def same(case: str) -> None:
            row = conn.execute(text("SELECT xcc_fold(:t), xcc_clean(:t)"), {"t": case}).one()
            assert tuple(row) == (fold_text(case), clean_text(case))

        same()


@pytest.mark.postgres
def test_postgresql_fold_equals_python_on_every_character_of_the_bmp(pg_db: Database) -> None:
    with pg_db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT g, xcc_fold(chr(g)) FROM generate_series(1, 65535) AS g "
                "WHERE g NOT BETWEEN 55296 AND 57343"
            )
        ).all()
    differ = [
        f"U+{g:04X}"
        for g, folded in rows
        if unicodedata.category(chr(g)) != "Cn" and folded != fold_text(chr(g))
    ]
    assert differ == []
