"""The incident list: filters, text search over incidents and their logs, paging.

Text search: the text is split into terms at white space (and at control
characters such as NUL, which no stored text holds; they are dropped, never
matched), and each term is folded as the text policy compares text
(``app.domain.text.fold_text``: ``Ｇ３１０`` is ``g310``, any case); an incident
matches when every term occurs in the folded text of its title, description or
address, or of one of its log entries. Every character of a term is matched
literally (``%``, ``_``, quotes, backslashes), always as a bound parameter.

Indexes (migrations 0003, 0005 and 0007), all over folded text (SQL
``xcc_fold``): on SQLite, terms of 3 or more characters are looked up in the
FTS5 trigram tables and shorter ones in the FTS5 bigram tables (a short term
holding punctuation has none there and is matched by a scan of the folded
copies those tables keep). On PostgreSQL, ``LIKE … ESCAPE`` is served by pg_trgm
GIN indexes and shorter terms by ``xcc_grams`` GIN indexes (every character and
every pair of adjacent characters) on the folded text stored beside each row
(the generated column ``xcc_folded``): an incident's own text is one value
(title, description and address), so one index scan covers all three.

Plan: each term is first looked up with a cap of COMMON_AT rows, for its
incidents' own text and for log entries separately. A *rare* term gives the
exact set of incidents that hold it; the sets of the rare terms are
intersected, and the list only looks at those incidents. A *common* term
would be slow to collect in full: the list is walked newest first instead, a
chunk at a time, each chunk checked for the common terms (own text in SQL,
log entries in one query per chunk, and not at all where its entries were
few enough to collect), until the page is full, so the cost follows the page
and not the matches. When the chunks show that the terms rarely meet, SQL
collects their matches instead (``_walk``).

Paging: the default order (newest received first, id breaking ties) is paged
by keyset, so incidents that arrive while the user scrolls never shift a page
(no row twice, none skipped). Other orders are paged by offset.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import ChangeLog, Incident, IncidentLogEntry, Township
from app.domain.text import fold_text
from app.services.dto import IncidentDTO
from app.services.incidents import _incident_dto

PAGE_SIZE = 200
MIN_TRIGRAM = 3  # shorter terms cannot use a trigram index
# A term found in more incidents' own text, or in more log entries, than this
# is "common": it is checked chunk by chunk on the walk instead of collected.
COMMON_AT = 5000
SCAN_CHUNK = 2000
WALK_AHEAD = 2  # chunks the walk may still expect to need before it hands over to SQL
WALK_BUDGET_MS = 50  # time the rest of a walk may be expected to take before it hands over
MAX_TERMS = 8
REMEMBERED = 16  # terms an IncidentSearch keeps between queries (see IncidentSearch)

_SEPARATORS = re.compile(r"[\s\x00-\x1f\x7f]+")

# SQLite's folded copies of the searched text (migrations 0003 and 0007), read by
# incident id and scanned for the terms that their FTS5 indexes cannot take.
_INCIDENT_DOC = table("xcc_incident_doc", column("incident_id", Uuid()), column("doc", Text()))
_LOG_DOC = table("xcc_log_doc", column("incident_id", Uuid()), column("body", Text()))


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


@dataclass(frozen=True)
class _Term:
    """A common term: each of its two sources, collected when it is small (the set
    of incident ids) or None when it is too big to collect (checked per row)."""

    text: str
    own: frozenset[uuid.UUID] | None  # title, description or address
    log: frozenset[uuid.UUID] | None  # a log entry


@dataclass(frozen=True)
class _TextPlan:
    """How the terms are matched: the incidents holding every rare term (None when
    no term is rare), and the common terms, which are checked row by row."""

    ids: frozenset[uuid.UUID] | None = None
    common: tuple[_Term, ...] = ()

    @property
    def nothing(self) -> bool:
        return self.ids is not None and not self.ids


def search_terms(raw: str) -> tuple[str, ...]:
    """The terms of a search text as the search compares them: split at white space
    and control characters, each folded (``fold_text``: NFKC, lower case, no
    invisible characters; white space that folding makes, e.g. from U+3000,
    splits too), in order, without repeats (at most MAX_TERMS)."""
    seen: dict[str, None] = {}
    for piece in _SEPARATORS.split(raw):
        for term in fold_text(piece).split():
            seen.setdefault(term, None)
    return tuple(seen)[:MAX_TERMS]


def like_pattern(term: str) -> str:
    r"""``%term%`` with ``\``, ``%`` and ``_`` escaped (used with ESCAPE '\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(term: str) -> str:
    """An FTS5 string: the term in double quotes, quotes doubled (no query syntax)."""
    return '"' + term.replace('"', '""') + '"'


def bigram_query(term: str) -> str | None:
    """The FTS5 query of a 1-2 character term on the bigram tables, or None when
    the tokenizer would cut the term (punctuation, symbols), which has no index."""
    if not 1 <= len(term) < MIN_TRIGRAM or not all(ch.isalnum() for ch in term):
        return None
    return fts_phrase(term) + ("*" if len(term) == 1 else "")


class IncidentSearch:
    """The list's queries. One instance serves a window: it remembers the last
    REMEMBERED terms it looked up (rare or common, and the rare ones' incidents)
    until anything is written (``change_log`` moves on), so that paging, a
    filter change or a refresh does not look the same terms up again."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._looked_up: OrderedDict[str, _Term] = OrderedDict()
        self._looked_up_at: int | None = None  # the last change_log seq they saw

    def forget(self) -> None:
        """Look every term up afresh next time."""
        with self._lock:
            self._looked_up.clear()
            self._looked_up_at = None

    def count(self, query: IncidentQuery) -> int:
        with self._db.read_session() as s:
            plan = self._plan(s, query.terms)
            if plan.nothing:
                return 0
            stmt = select(func.count()).select_from(Incident.__table__)
            return int(s.scalar(stmt.where(*self._where(query, plan))) or 0)

    def page(
        self, query: IncidentQuery, after: PageCursor | None = None, limit: int = PAGE_SIZE
    ) -> tuple[list[IncidentDTO], PageCursor | None]:
        """One page of the list and the cursor of the next (None at the end)."""
        if limit <= 0:
            raise ValueError("limit must be positive")
        with self._db.read_session() as s:
            plan = self._plan(s, query.terms)
            if plan.nothing:
                return [], None
            if query.keyset:
                rows, more = self._walk(s, query, plan, after, limit)
            else:
                rows, more = self._by_offset(s, query, plan, after, limit)
            counts = _log_counts(s, [row.id for row in rows])
        dtos = [_incident_dto(row, row.township_name, counts.get(row.id, 0)) for row in rows]
        if not more or not dtos:
            return dtos, None
        if query.keyset:
            return dtos, PageCursor(received_at=dtos[-1].received_at, id=dtos[-1].id)
        return dtos, PageCursor(offset=(after.offset if after is not None else 0) + len(dtos))

    # -- the two ways through the list ----------------------------------------

    def _walk(
        self,
        s: Session,
        query: IncidentQuery,
        plan: _TextPlan,
        after: PageCursor | None,
        limit: int,
    ) -> tuple[list[Any], bool]:
        """Newest (or oldest) first from the cursor until ``limit`` + 1 rows matched or
        the list ends.

        Common terms are checked a chunk at a time, each chunk sized by how often
        the chunks so far matched. When those say that filling the page would
        take more than WALK_AHEAD further full chunks (the terms rarely meet) and
        that many incidents are left, SQL takes over part of the work: first the
        terms whose log entries were collected (their incident text is bounded
        by the number of incidents), then, if they still rarely meet, all of them.
        """
        c = Incident.__table__.c
        base = self._where(query, plan, with_common=False)
        order = (c.received_at.desc(), c.id) if query.descending else (c.received_at.asc(), c.id)
        if after is not None and after.received_at is not None and after.id is not None:
            base.append(self._after(query, after.received_at, after.id))
        if not plan.common:
            rows = s.execute(_listed().where(*base).order_by(*order).limit(limit + 1)).all()
            return list(rows[:limit]), len(rows) > limit
        # Terms whose log entries were collected cost nothing per row: check them
        # first, so that log entries are read for fewer rows.
        checked = sorted(enumerate(plan.common), key=lambda nt: nt[1].log is None)
        if plan.ids is not None:
            return self._walk_candidates(s, query, base, [t for _n, t in checked], limit)
        keys: list[Any] = []
        position: Any = None
        walked = matched = 0
        spent = 0.0  # seconds the walk has taken so far
        size = self._first_chunk(limit)
        while len(keys) <= limit:
            where = base if position is None else [*base, self._after(query, *position)]
            need = limit + 1 - len(keys)
            collected = [nt for nt in checked if nt[1].log is not None]
            sparse = need * walked > WALK_AHEAD * matched * SCAN_CHUNK
            # Narrow filters make each matching row cost many rows read: at the
            # rate seen so far the rest would take too long, and the terms whose
            # log entries were collected are bounded by the number of incidents.
            slow = bool(collected) and spent * 1000 * need > WALK_BUDGET_MS * max(matched, 1)
            handed = collected if 0 < len(collected) < len(checked) or not sparse else checked
            # Handing over terms with log entries too many to collect costs all
            # their matches: worth it only when many incidents are left to walk.
            if (
                walked
                and (sparse or slow)
                and (handed == collected or self._at_least(s, where, WALK_AHEAD * SCAN_CHUNK))
            ):
                holds = [self._holds(term, n) for n, term in handed]
                base = [*base, *holds]
                checked = [nt for nt in checked if nt not in handed]
                if not checked:
                    stmt = select(c.id).where(*where, *holds).order_by(*order).limit(need)
                    keys.extend(s.execute(stmt).all())
                    break
                walked = matched = 0
                spent = 0.0
                size = self._first_chunk(limit)
                continue
            started = time.perf_counter()
            chunk = s.execute(
                self._chunk([term for _n, term in checked], where, query.descending, size)
            ).all()
            held = self._holding(s, chunk, [term for _n, term in checked])
            spent += time.perf_counter() - started
            keys.extend(held)
            walked += len(chunk)
            matched += len(held)
            if len(chunk) < size:
                break
            position = (chunk[-1].received_at, chunk[-1].id)
            # Enough rows for what is still needed at the rate seen so far, and half again.
            still = limit + 1 - len(keys)
            size = SCAN_CHUNK if not matched else still * walked * 3 // (2 * matched) + 1
            size = max(100, min(SCAN_CHUNK, size))
        return self._listed_rows(s, keys, limit)

    def _walk_candidates(
        self,
        s: Session,
        query: IncidentQuery,
        where: Sequence[ColumnElement[bool]],
        terms: Sequence[_Term],
        limit: int,
    ) -> tuple[list[Any], bool]:
        """The walk when rare terms have already narrowed the list to at most
        COMMON_AT incidents: read them all at once, order them here, and check the
        common terms a chunk at a time."""
        # Terms whose log entries were collected are a plain condition on the row.
        where = [*where, *(self._holds_row(term) for term in terms if term.log is not None)]
        terms = [term for term in terms if term.log is None]
        found = s.execute(self._keys(terms).where(*where))
        rows = sorted(found.all(), key=lambda row: row.id)  # then stable: ties stay by id
        rows.sort(key=lambda row: row.received_at, reverse=query.descending)
        keys: list[Any] = []
        size = self._first_chunk(limit)
        for start in range(0, len(rows), size):
            keys.extend(self._holding(s, rows[start : start + size], terms))
            if len(keys) > limit:
                break
        return self._listed_rows(s, keys, limit)

    def _listed_rows(self, s: Session, keys: Sequence[Any], limit: int) -> tuple[list[Any], bool]:
        """The list's rows for the first ``limit`` keys, in their order; and whether
        there are more."""
        ids = [key.id for key in keys[:limit]]
        listed = s.execute(_listed().where(self._among(Incident.__table__.c.id, ids))).all()
        by_id = {row.id: row for row in listed}
        return [by_id[i] for i in ids if i in by_id], len(keys) > limit

    def _holds_row(self, term: _Term) -> ColumnElement[bool]:
        """The row holds a term whose log entries were collected."""
        c = Incident.__table__.c
        own = self._own_match(term.text) if term.own is None else self._among(c.id, term.own)
        return or_(own, self._among(c.id, term.log)) if term.log else own

    @staticmethod
    def _first_chunk(limit: int) -> int:
        """A first chunk big enough to tell how often the terms meet, small enough
        that narrow filters (many rows read per row walked) or log entries to
        read (per row) cost little before that is known."""
        return min(SCAN_CHUNK, 2 * (limit + 1))

    @staticmethod
    def _at_least(s: Session, where: Sequence[ColumnElement[bool]], n: int) -> bool:
        """More than ``n`` incidents are left on the walk (else walking them is cheap)."""
        left = select(Incident.__table__.c.id).where(*where).limit(n + 1).subquery()
        return (s.scalar(select(func.count()).select_from(left)) or 0) > n

    def _by_offset(
        self,
        s: Session,
        query: IncidentQuery,
        plan: _TextPlan,
        after: PageCursor | None,
        limit: int,
    ) -> tuple[list[Any], bool]:
        """Sorted by another column: every match is needed to sort, so all in SQL."""
        table = Incident.__table__
        key: Any = {
            SortColumn.TITLE: table.c.title,
            SortColumn.CATEGORY: table.c.category,
            SortColumn.SEVERITY: table.c.severity,
            SortColumn.STATUS: table.c.status,
            SortColumn.TOWNSHIP: Township.name,
        }[query.sort]
        ordered = key.desc() if query.descending else key.asc()
        stmt = (
            _listed()
            .where(*self._where(query, plan))
            .order_by(ordered.nulls_last(), table.c.received_at.desc(), table.c.id)
            .limit(limit + 1)
        )
        if after is not None and after.offset:
            stmt = stmt.offset(after.offset)
        rows = s.execute(stmt).all()
        return list(rows[:limit]), len(rows) > limit

    def _keys(self, terms: Sequence[_Term], rows: Any = None) -> Select[Any]:
        """What the walk reads of each incident: id, time, and for each term whose
        own-text matches were not collected, whether its own text holds it
        (``own_<k>``, k its place in ``terms``), worked out in SQL. ``rows`` (SQLite
        only): the columns (id, received_at) of the incidents to read, by default
        the incident table's."""
        c = Incident.__table__.c if rows is None else rows
        own = [
            self._own_match(term.text, c.id).label(f"own_{k}")
            for k, term in enumerate(terms)
            if term.own is None
        ]
        return select(c.id, c.received_at, *own)

    def _chunk(
        self,
        terms: Sequence[_Term],
        where: Sequence[ColumnElement[bool]],
        descending: bool,
        size: int,
    ) -> Select[Any]:
        """The walk's next ``size`` incidents (``where``, in list order), read with
        ``_keys(terms)``. SQLite works a select's columns out for every row it
        sorts, before the limit, so there the rows are picked first and only
        theirs checked (a filter such as a township leaves thousands to sort)."""
        c = Incident.__table__.c

        def order(rows: Any) -> tuple[Any, Any]:
            at = rows.received_at.desc() if descending else rows.received_at.asc()
            return at, rows.id

        if not self._db.is_sqlite:
            return self._keys(terms).where(*where).order_by(*order(c)).limit(size)
        picked = select(c.id, c.received_at).where(*where).order_by(*order(c)).limit(size)
        rows = picked.subquery("picked").c
        return self._keys(terms, rows).order_by(*order(rows))

    def _holding(self, s: Session, chunk: Sequence[Any], terms: Sequence[_Term]) -> list[Any]:
        """The rows of ``chunk`` (read with ``_keys(terms)``) that hold every term,
        in their own text or in a log entry. Log entries are read once, for all
        the terms with too many entries to collect, and only for the rows still
        in the running that their own text does not already settle."""
        alive = {row.id for row in chunk}
        own_hits: list[set[uuid.UUID]] = []
        for k, term in enumerate(terms):
            if term.own is not None:
                hit = alive & term.own
            else:
                hit = {row.id for row in chunk if row.id in alive and getattr(row, f"own_{k}")}
            own_hits.append(hit)
            if term.log is not None:
                alive &= hit | term.log
        unread = [
            (hit, term) for hit, term in zip(own_hits, terms, strict=True) if term.log is None
        ]
        if not unread or not alive:
            return [row for row in chunk if row.id in alive]
        ask = set().union(*(alive - hit for hit, _term in unread))
        in_log: dict[uuid.UUID, Any] = {}
        if ask:
            # The folded bodies, read by incident: SQLite's copy, PostgreSQL's
            # generated column.
            incident_id, body = (
                (_LOG_DOC.c.incident_id, _LOG_DOC.c.body)
                if self._db.is_sqlite
                else (IncidentLogEntry.__table__.c.incident_id, _log_text())
            )
            flags = [
                func.max(case((self._like(body, term.text), 1), else_=0)).label(f"t{k}")
                for k, (_hit, term) in enumerate(unread)
            ]
            rows = s.execute(
                select(incident_id, *flags)
                .where(self._among(incident_id, ask))
                .group_by(incident_id)
            )
            in_log = {row.incident_id: row for row in rows}
        for k, (hit, _term) in enumerate(unread):
            alive = {i for i in alive if i in hit or (i in in_log and in_log[i][k + 1])}
        return [row for row in chunk if row.id in alive]

    # -- text terms ------------------------------------------------------------

    def _plan(self, s: Session, terms: Sequence[str]) -> _TextPlan:
        ids: frozenset[uuid.UUID] | None = None
        common: list[_Term] = []
        for term in self._look_up(s, terms):
            own, log = term.own, term.log
            if own is None or log is None:
                common.append(term)
                continue
            ids = own | log if ids is None else ids & (own | log)
            if not ids:
                break  # no incident can hold every term
        return _TextPlan(ids, tuple(common))

    def _look_up(self, s: Session, terms: Sequence[str]) -> Iterator[_Term]:
        """Each term with its collected sources, in order and as asked for; from
        memory when it was looked up since the last write (change_log)."""
        if not terms:
            return
        seen = int(s.scalar(select(func.max(ChangeLog.seq))) or 0)
        with self._lock:
            if self._looked_up_at is None or seen > self._looked_up_at:
                self._looked_up.clear()
                self._looked_up_at = seen
        for n, text_ in enumerate(terms):
            with self._lock:  # (a reader that began before the last write uses none)
                term = self._looked_up.get(text_) if self._looked_up_at == seen else None
            if term is None:
                own, log = self._collect(s, self._own_ids(text_, n), self._log_ids(text_, n))
                term = _Term(text_, own, log)
            with self._lock:
                if self._looked_up_at == seen:
                    self._looked_up[text_] = term
                    self._looked_up.move_to_end(text_)
                    while len(self._looked_up) > REMEMBERED:
                        self._looked_up.popitem(last=False)
            yield term

    @staticmethod
    def _collect(s: Session, *sources: Any) -> list[frozenset[uuid.UUID] | None]:
        """For each source, the incident ids it gives, or None past COMMON_AT rows.
        Counted first, all in one query (building thousands of ids only to drop
        them costs more), then the small ones are read in one query."""
        capped = [select(src.subquery().c.incident_id).limit(COMMON_AT + 1) for src in sources]
        counts = s.execute(
            select(
                *(select(func.count()).select_from(q.subquery()).scalar_subquery() for q in capped)
            )
        ).one()
        found = {k: set[uuid.UUID]() for k, n in enumerate(counts) if n <= COMMON_AT}
        tagged = [
            select(literal(k).label("k"), q.subquery().c.incident_id)
            for k, q in enumerate(capped)
            if k in found
        ]
        if tagged:
            for k, incident_id in s.execute(union_all(*tagged) if len(tagged) > 1 else tagged[0]):
                found[k].add(incident_id)
        return [frozenset(found[k]) if k in found else None for k in range(len(sources))]

    def _own_ids(self, term: str, n: int) -> Any:
        """Ids of the incidents whose title, description or address holds ``term``."""
        c = Incident.__table__.c
        if self._db.is_sqlite:
            if len(term) >= MIN_TRIGRAM:
                return _fts_ids(
                    "xcc_incident_fts f JOIN xcc_incident_doc d ON d.rowid = f.rowid",
                    "d.incident_id", "xcc_incident_fts", f"own_{n}", fts_phrase(term),
                )  # fmt: skip
            query = bigram_query(term)
            if query is not None:
                return _fts_ids(
                    "xcc_incident_grams g JOIN xcc_incident_doc d ON d.rowid = g.rowid",
                    "d.incident_id", "xcc_incident_grams", f"own_{n}", query,
                )  # fmt: skip
            # A short term the bigram table cannot take: a scan of the folded text.
            doc = _INCIDENT_DOC.c
            return select(doc.incident_id).where(self._like(doc.doc, term))
        return select(c.id.label("incident_id")).where(self._indexed(_incident_text(), term))

    def _log_ids(self, term: str, n: int) -> Any:
        """Incident ids of the log entries that hold ``term`` (one per entry)."""
        log = IncidentLogEntry.__table__.c
        if self._db.is_sqlite:
            if len(term) >= MIN_TRIGRAM:
                return _fts_ids(
                    "xcc_log_fts", "incident_id", "xcc_log_fts", f"log_{n}", fts_phrase(term)
                )
            query = bigram_query(term)
            if query is not None:
                return _fts_ids(
                    "xcc_log_grams g JOIN xcc_log_doc d ON d.rowid = g.rowid",
                    "d.incident_id", "xcc_log_grams", f"log_{n}", query,
                )  # fmt: skip
            # A short term the bigram table cannot take: a scan of the folded bodies.
            return select(_LOG_DOC.c.incident_id).where(self._like(_LOG_DOC.c.body, term))
        return select(log.incident_id).where(self._indexed(_log_text(), term))

    def _own_match(self, term: str, incident_id: Any = None) -> ColumnElement[bool]:
        """The incident's folded title, description or address holds ``term`` (row
        by row). SQLite reads the folded copy by ``incident_id``, the column that
        gives the row's id (default ``incident.id``); PostgreSQL folds the row of
        ``incident`` itself."""
        if self._db.is_sqlite:
            doc = _INCIDENT_DOC.c
            key = Incident.__table__.c.id if incident_id is None else incident_id
            return (
                select(doc.incident_id)
                .where(doc.incident_id == key, self._like(doc.doc, term))
                .exists()
            )
        return self._like(_incident_text(), term)

    def _indexed(self, col: Any, term: str) -> ColumnElement[bool]:
        """``col`` holds ``term``, written so that the column's index can serve it."""
        if self._db.is_sqlite or len(term) >= MIN_TRIGRAM or len(term.lower()) != len(term):
            return self._like(col, term)
        # PostgreSQL, short term: xcc_grams (migration 0005) holds every character
        # and every pair of adjacent characters of lower(col), so containment is
        # exactly LIKE '%term%' of the folded (already lower-case) text and term.
        # No LIKE beside it: the planner would add the trigram index, which reads
        # all of itself for a pattern that has no trigram.
        return func.xcc_grams(col).op("@>")(array([func.lower(literal(term, Text))]))

    def _among(self, col: Any, ids: Iterable[uuid.UUID]) -> ColumnElement[bool]:
        """``col`` is one of ``ids``: one array parameter on PostgreSQL (thousands of
        separate parameters cost more to bind than the query takes to run)."""
        values = sorted(ids)
        if self._db.is_sqlite:
            return col.in_(values)  # type: ignore[no-any-return]
        return col == any_(literal(values, ARRAY(Uuid())))  # type: ignore[no-any-return]

    @staticmethod
    def _like(col: Any, term: str) -> ColumnElement[bool]:
        """``col`` (folded text) holds ``term`` (folded): both sides are already in
        one case, so a plain LIKE, which both backends' indexes serve."""
        return col.like(like_pattern(term), escape="\\")  # type: ignore[no-any-return]

    # -- building the query ------------------------------------------------------

    @staticmethod
    def _after(query: IncidentQuery, at: datetime, incident_id: uuid.UUID) -> ColumnElement[bool]:
        c = Incident.__table__.c
        beyond = c.received_at < at if query.descending else c.received_at > at
        return or_(beyond, and_(c.received_at == at, c.id > incident_id))

    def _where(
        self,
        query: IncidentQuery,
        plan: _TextPlan,
        with_common: bool = True,
        filters: bool = True,
    ) -> list[ColumnElement[bool]]:
        c = Incident.__table__.c
        where: list[ColumnElement[bool]] = []
        if filters:
            where += self._filters(query)
        if plan.ids is not None:
            where.append(self._among(c.id, plan.ids))
        for n, term in enumerate(plan.common if with_common else ()):
            where.append(self._holds(term, n))
        return where

    def _holds(self, term: _Term, n: int) -> ColumnElement[bool]:
        """The incident holds a common term: its collected sources as id lists, the
        others as subqueries of all their matches, materialized first (PostgreSQL
        would otherwise walk the list and compute xcc_grams row by row, having
        guessed that a few rows will fill the page)."""
        c = Incident.__table__.c
        either: list[ColumnElement[bool]] = []
        for part, known, source in (
            ("own", term.own, self._own_ids),
            ("log", term.log, self._log_ids),
        ):
            if known is None:
                matches = source(term.text, n).cte(f"{part}_{n}").prefix_with("MATERIALIZED")
                either.append(c.id.in_(select(matches.c.incident_id)))
            elif known:
                either.append(self._among(c.id, known))
        return or_(false(), *either)

    @staticmethod
    def _filters(query: IncidentQuery) -> list[ColumnElement[bool]]:
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
        return where


def _incident_text() -> Any:
    """PostgreSQL: an incident's own text (title, description, address), folded:
    the generated column of migration 0007 that its search indexes cover (the
    models do not map it)."""
    return literal_column(f"{Incident.__tablename__}.xcc_folded", Text)


def _log_text() -> Any:
    """PostgreSQL: a log entry's body, folded (migration 0007's generated column,
    which its search indexes cover)."""
    return literal_column(f"{IncidentLogEntry.__tablename__}.xcc_folded", Text)


def _listed() -> Select[Any]:
    """The incident columns the list shows, with the township's name."""
    table = Incident.__table__
    return select(table, Township.name.label("township_name")).outerjoin(
        Township, Township.id == table.c.township_id
    )


def _fts_ids(source: str, id_column: str, table: str, name: str, query: str) -> Any:
    """Incident ids from an FTS5 table of migrations 0003/0005 (``query`` bound)."""
    return (
        text(f"SELECT {id_column} AS incident_id FROM {source} WHERE {table} MATCH :{name}")
        .bindparams(bindparam(name, query))
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
