"""The incident list: filters, text search over incidents and their logs, paging.

Text search: the text is split into terms at white space (and at control
characters such as NUL, which no stored text can hold on PostgreSQL; they are
dropped, never matched); an incident matches when every term occurs in its
title, description or address, or in one of its log entries. Every character of
a term is matched literally (``%``, ``_``, quotes, backslashes), always as a
bound parameter. SQLite looks terms of 3 or more characters up in the FTS5
trigram tables of migration 0003 and scans with ``LIKE … ESCAPE`` for shorter
ones; PostgreSQL uses ``ILIKE … ESCAPE``, which the pg_trgm GIN indexes serve.

Paging: the default order (newest received first, id breaking ties) is paged
by keyset, so incidents that arrive while the user scrolls never shift a page
(no row twice, none skipped). Other orders are paged by offset.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    bindparam,
    column,
    func,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.sql.selectable import TextualSelect

from app.data.engine import Database
from app.data.models import Incident, IncidentLogEntry, Township
from app.services.dto import IncidentDTO
from app.services.incidents import _incident_dto

PAGE_SIZE = 200
MIN_TRIGRAM = 3  # shorter terms cannot use a trigram index
# A term found in this many log entries or more is "common": collecting all its
# matches before the first page is what makes a search slow, so such searches
# walk the list newest-first in chunks and stop once the page is full.
COMMON_AT = 2000
SCAN_CHUNK = 1000
MAX_TERMS = 8

_SEPARATORS = re.compile(r"[\s\x00-\x1f\x7f]+")


class SortColumn(StrEnum):
    RECEIVED = "received_at"
    TITLE = "title"
    CATEGORY = "category"
    SEVERITY = "severity"
    STATUS = "status"
    TOWNSHIP = "township"


@dataclass(frozen=True)
class IncidentQuery:
    """What the list shows. An empty collection means "any"."""

    statuses: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    township_ids: frozenset[uuid.UUID] = frozenset()
    received_from: datetime | None = None  # inclusive
    received_to: datetime | None = None  # exclusive
    drill: bool | None = None  # True: drills only, False: real incidents only
    text: str = ""
    sort: SortColumn = SortColumn.RECEIVED
    descending: bool = True

    @property
    def terms(self) -> tuple[str, ...]:
        return search_terms(self.text)

    @property
    def keyset(self) -> bool:
        return self.sort is SortColumn.RECEIVED


@dataclass(frozen=True)
class PageCursor:
    """Where the next page starts: after (received_at, id), or at ``offset``."""

    received_at: datetime | None = None
    id: uuid.UUID | None = None
    offset: int = 0


def search_terms(raw: str) -> tuple[str, ...]:
    """The terms of a search text, in order, without repeats (at most MAX_TERMS)."""
    seen: dict[str, None] = {}
    for term in _SEPARATORS.split(raw):
        if term:
            seen.setdefault(term, None)
    return tuple(seen)[:MAX_TERMS]


def like_pattern(term: str) -> str:
    r"""``%term%`` with ``\``, ``%`` and ``_`` escaped (used with ESCAPE '\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(term: str) -> str:
    """An FTS5 string: the term in double quotes, quotes doubled (no query syntax)."""
    return '"' + term.replace('"', '""') + '"'


class IncidentSearch:
    def __init__(self, db: Database) -> None:
        self._db = db

    def count(self, query: IncidentQuery) -> int:
        stmt = select(func.count()).select_from(Incident.__table__).where(*self._where(query))
        with self._db.read_session() as s:
            return int(s.scalar(stmt) or 0)

    def page(
        self, query: IncidentQuery, after: PageCursor | None = None, limit: int = PAGE_SIZE
    ) -> tuple[list[IncidentDTO], PageCursor | None]:
        """One page of the list and the cursor of the next (None at the end)."""
        if limit <= 0:
            raise ValueError("limit must be positive")
        if query.terms and query.keyset and self._all_common(query.terms):
            return self._page_scanning(query, after, limit)
        table = Incident.__table__
        where = self._where(query)
        stmt: Select[Any] = select(table, Township.name.label("township_name")).outerjoin(
            Township, Township.id == table.c.township_id
        )
        if query.keyset:
            if after is not None and after.received_at is not None and after.id is not None:
                where.append(self._after(query, after.received_at, after.id))
            first = table.c.received_at.desc() if query.descending else table.c.received_at.asc()
            stmt = stmt.order_by(first, table.c.id)
        else:
            key: Any = {
                SortColumn.TITLE: table.c.title,
                SortColumn.CATEGORY: table.c.category,
                SortColumn.SEVERITY: table.c.severity,
                SortColumn.STATUS: table.c.status,
                SortColumn.TOWNSHIP: Township.name,
            }[query.sort]
            ordered = key.desc() if query.descending else key.asc()
            stmt = stmt.order_by(ordered.nulls_last(), table.c.received_at.desc(), table.c.id)
            if after is not None and after.offset:
                stmt = stmt.offset(after.offset)
        stmt = stmt.where(*where).limit(limit + 1)
        with self._db.read_session() as s:
            rows = s.execute(stmt).all()
            more = len(rows) > limit
            rows = rows[:limit]
            counts = _log_counts(s, [row.id for row in rows])
        dtos = [_incident_dto(row, row.township_name, counts.get(row.id, 0)) for row in rows]
        if not more or not dtos:
            return dtos, None
        last = dtos[-1]
        if query.keyset:
            return dtos, PageCursor(received_at=last.received_at, id=last.id)
        offset = (after.offset if after is not None else 0) + len(dtos)
        return dtos, PageCursor(offset=offset)

    # -- common terms: newest first, a chunk at a time -------------------------

    def _all_common(self, terms: Sequence[str]) -> bool:
        """True when every term is common (a rare one narrows the set cheaply instead)."""
        with self._db.read_session() as s:
            for n, term in enumerate(terms):
                sample = self._sample(term, n).subquery()
                if (s.scalar(select(func.count()).select_from(sample)) or 0) < COMMON_AT:
                    return False
        return True

    def _sample(self, term: str, n: int) -> Any:
        """Up to COMMON_AT log entries holding ``term`` (stops early, never all)."""
        if self._db.is_sqlite and len(term) >= MIN_TRIGRAM:
            name = f"sample_{n}"
            return (
                text(
                    "SELECT 1 AS hit FROM xcc_log_fts "
                    f"WHERE xcc_log_fts MATCH :{name} LIMIT {COMMON_AT}"
                )
                .bindparams(bindparam(name, fts_phrase(term)))
                .columns(column("hit"))
            )
        log = IncidentLogEntry.__table__.c
        pattern = like_pattern(term)
        matches = (
            log.body.like(pattern, escape="\\")
            if self._db.is_sqlite
            else log.body.ilike(pattern, escape="\\")
        )
        return select(log.incident_id).where(matches).limit(COMMON_AT)

    def _page_scanning(
        self, query: IncidentQuery, after: PageCursor | None, limit: int
    ) -> tuple[list[IncidentDTO], PageCursor | None]:
        table = Incident.__table__
        log = IncidentLogEntry.__table__.c
        base = self._where(query, with_terms=False)
        order = (
            (table.c.received_at.desc(), table.c.id)
            if query.descending
            else (table.c.received_at.asc(), table.c.id)
        )
        position = (after.received_at, after.id) if after is not None else None
        found: list[Any] = []
        folded = [term.casefold() for term in query.terms]
        with self._db.read_session() as s:
            while len(found) <= limit:
                where = list(base)
                if position is not None and position[0] is not None and position[1] is not None:
                    where.append(self._after(query, position[0], position[1]))
                chunk = s.execute(
                    select(table, Township.name.label("township_name"))
                    .outerjoin(Township, Township.id == table.c.township_id)
                    .where(*where)
                    .order_by(*order)
                    .limit(SCAN_CHUNK)
                ).all()
                if not chunk:
                    break
                ids = [row.id for row in chunk]
                matched = set(ids)
                for term, low in zip(query.terms, folded, strict=True):
                    pattern = like_pattern(term)
                    body = (
                        log.body.like(pattern, escape="\\")
                        if self._db.is_sqlite
                        else log.body.ilike(pattern, escape="\\")
                    )
                    in_log = set(
                        s.scalars(
                            select(log.incident_id).where(log.incident_id.in_(ids), body).distinct()
                        )
                    )
                    own = {
                        row.id
                        for row in chunk
                        if any(
                            low in (v or "").casefold()
                            for v in (row.title, row.description, row.address)
                        )
                    }
                    matched &= in_log | own
                found.extend(row for row in chunk if row.id in matched)
                position = (chunk[-1].received_at, chunk[-1].id)
                if len(chunk) < SCAN_CHUNK:
                    break
            rows = found[:limit]
            counts = _log_counts(s, [row.id for row in rows])
        dtos = [_incident_dto(row, row.township_name, counts.get(row.id, 0)) for row in rows]
        if len(found) <= limit or not dtos:
            return dtos, None
        return dtos, PageCursor(received_at=dtos[-1].received_at, id=dtos[-1].id)

    # -- building the query -------------------------------------------------

    @staticmethod
    def _after(query: IncidentQuery, at: datetime, incident_id: uuid.UUID) -> ColumnElement[bool]:
        c = Incident.__table__.c
        beyond = c.received_at < at if query.descending else c.received_at > at
        return or_(beyond, and_(c.received_at == at, c.id > incident_id))

    def _where(self, query: IncidentQuery, with_terms: bool = True) -> list[ColumnElement[bool]]:
        c = Incident.__table__.c
        where: list[ColumnElement[bool]] = []
        if query.statuses:
            where.append(c.status.in_(sorted(query.statuses)))
        if query.categories:
            where.append(c.category.in_(sorted(query.categories)))
        if query.severities:
            where.append(c.severity.in_(sorted(query.severities)))
        if query.township_ids:
            where.append(c.township_id.in_(sorted(query.township_ids)))
        if query.received_from is not None:
            where.append(c.received_at >= query.received_from)
        if query.received_to is not None:
            where.append(c.received_at < query.received_to)
        if query.drill is not None:
            where.append(c.is_drill.is_(query.drill))
        for n, term in enumerate(query.terms if with_terms else ()):
            where.append(c.id.in_(self._matching_ids(term, n)))
        return where

    def _matching_ids(self, term: str, n: int) -> Any:
        """Ids of the incidents whose own text or one of whose log entries holds ``term``."""
        c = Incident.__table__.c
        log = IncidentLogEntry.__table__.c
        if self._db.is_sqlite and len(term) >= MIN_TRIGRAM:
            return _fts_ids(f"phrase_{n}", fts_phrase(term))
        pattern = like_pattern(term)
        if self._db.is_sqlite:
            # LIKE folds ASCII case only; the trigram tables fold all case, but
            # short terms here are mostly Chinese, which has none.
            own: Any = or_(
                c.title.like(pattern, escape="\\"),
                c.description.like(pattern, escape="\\"),
                c.address.like(pattern, escape="\\"),
            )
            in_log: Any = log.body.like(pattern, escape="\\")
        else:
            own = or_(
                c.title.ilike(pattern, escape="\\"),
                c.description.ilike(pattern, escape="\\"),
                c.address.ilike(pattern, escape="\\"),
            )
            in_log = log.body.ilike(pattern, escape="\\")
        return union(
            select(c.id).where(own),
            select(log.incident_id).where(in_log),
        )


def _fts_ids(name: str, phrase: str) -> TextualSelect:
    """Incident ids from the SQLite FTS5 trigram tables (migration 0003)."""
    return (
        text(
            "SELECT d.incident_id FROM xcc_incident_fts f "
            f"JOIN xcc_incident_doc d ON d.rowid = f.rowid WHERE xcc_incident_fts MATCH :{name} "
            f"UNION SELECT incident_id FROM xcc_log_fts WHERE xcc_log_fts MATCH :{name}"
        )
        .bindparams(bindparam(name, phrase))
        .columns(column("incident_id", Uuid()))
    )


def _log_counts(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(IncidentLogEntry.incident_id, func.count())
        .where(IncidentLogEntry.incident_id.in_(list(ids)))
        .group_by(IncidentLogEntry.incident_id)
    ).all()
    return {incident_id: n for incident_id, n in rows}
