"""The audit trail as a reviewer reads it: a record's history, a filtered
list of everything, an XLSX export, and the check of the hash chain.

Every entry comes from ``change_log`` (written only by the unit of work, never
updated or deleted: the database refuses it). ``detail`` holds, for a row
change, each field's value before and after (``{"fields": {name: [before,
after]}}`` is read as well as the flat ``{name: [before, after]}`` the unit of
work writes); for sign-ins and refusals, what happened.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from app.data.engine import Database
from app.data.models import (
    ChangeLog,
    Credential,
    DutyShift,
    HandoverAck,
    HandoverItem,
    Incident,
    IncidentLogEntry,
    IncidentStatistics,
    RoleGrant,
    Shelter,
    ShelterOccupancyMovement,
    Staff,
    StockItem,
    SupplyDepot,
    SyncSite,
    Township,
    Village,
)
from app.domain.audit import GENESIS, BrokenLink, StoredEntry, first_broken_stored, utc_text
from app.domain.clock import CHINA_TZ
from app.domain.enums import IncidentStatus
from app.domain.labels import DEFAULT_LANGUAGE, Family, codes, label

# The columns of the XLSX export.
EXPORT_HEADERS = ("序号", "时间", "人员", "角色", "席位", "操作", "记录类型", "记录编号", "内容")


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime  # aware, UTC
    actor: str
    actor_id: uuid.UUID | None
    role: str  # comma-separated roles held when signing
    site: str
    workstation: str
    op: str
    entity_type: str
    entity_id: uuid.UUID
    changes: tuple[FieldChange, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)  # events: what happened
    # Records named by id in the fields (a person, a township, a shift), by
    # their id as the fields hold it: what the history shows instead of the id.
    names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # A change made at another site (a field vehicle, the center): that site's
    # name (its code when unknown here), and when it arrived here (UTC); ``at``
    # stays the time on the device that made it.
    made_at: str | None = None
    received_at: datetime | None = None

    @property
    def seat(self) -> str:
        here = f"{self.site} / {self.workstation}" if self.workstation else self.site
        return f"{self.made_at} · {here}" if self.made_at else here

    def lines(
        self, language: str = DEFAULT_LANGUAGE, *, omit: frozenset[str] = frozenset()
    ) -> list[str]:
        """One line per field, in words: ``标题：旧 → 新`` for a change (a new
        record's fields without the arrow: nothing was there before, and a
        deleted record's as they were), ``原因：密码错误`` for an event's facts.
        Fields named in ``omit`` are left out (the record a history is of)."""
        kind, zh = self.entity_type, language != "en"
        colon = "：" if zh else ": "
        out: list[str] = []
        for c in _in_field_order(self.changes, kind):
            if c.name in omit:
                continue
            name = field_label(kind, c.name, language)
            before = value_text(kind, c.name, c.before, language, self.names)
            after = value_text(kind, c.name, c.after, language, self.names)
            if self.op == "insert":
                out.append(f"{name}{colon}{after}")
            elif self.op == "delete":
                out.append(f"{name}{colon}{before}")
            else:
                out.append(f"{name}{colon}{before} → {after}")
        for key in _fact_order(self.facts, kind):
            name = field_label(kind, key, language)
            out.append(f"{name}{colon}{value_text(kind, key, self.facts[key], language)}")
        return out

    def summary(self, language: str = DEFAULT_LANGUAGE) -> str:
        """One line, Chinese by default: the fields changed, or what the event was."""
        return ("；" if language != "en" else "; ").join(self.lines(language))


# Longer values (a township's boundary, a long description) are cut in the
# history; the record itself keeps them whole.
SHOWN_CHARS = 300

# Columns whose stored codes have words of their own: (kind of record, column).
_VALUE_FAMILIES: dict[tuple[str, str], Family] = {
    ("sync_conflict", "kind"): Family.SYNC_CONFLICT,
    ("sync_conflict", "resolution"): Family.SYNC_RESOLUTION,
    ("sync_conflict", "entity_type"): Family.ENTITY,
    ("incident", "status"): Family.INCIDENT_STATUS,
    ("incident", "severity"): Family.SEVERITY,
    ("incident", "category"): Family.INCIDENT_CATEGORY,
    ("incident", "incident_type"): Family.INCIDENT_TYPE,
    ("incident", "source"): Family.INCIDENT_SOURCE,
    ("incident_log_entry", "kind"): Family.LOG_KIND,
    ("shelter", "shelter_type"): Family.SHELTER_TYPE,
    ("supply_depot", "level"): Family.DEPOT_LEVEL,
    ("rescue_team", "team_type"): Family.TEAM_TYPE,
    ("rescue_team", "status"): Family.TEAM_STATUS,
    ("hazard_site", "hazard_type"): Family.HAZARD_TYPE,
    ("hazard_site", "risk_level"): Family.RISK_LEVEL,
    ("hazard_site", "rectification_state"): Family.RECTIFICATION,
    ("hazard_site", "supervision"): Family.SUPERVISION,
    ("shelter", "duration_kind"): Family.SHELTER_DURATION,
    ("shelter", "level"): Family.SHELTER_LEVEL,
    ("stock_movement", "kind"): Family.STOCK_MOVEMENT,
    ("supply_catalog_item", "key_need"): Family.KEY_NEED,
    ("staff", "role"): Family.STAFF_ROLE,
    ("duty_assignment", "role"): Family.STAFF_ROLE,
    ("role_grant", "role"): Family.ACCESS_ROLE,
    ("access", "action"): Family.ACTION,
}

# Where a position came from (``coord_source`` of the located records).
_COORD_SOURCES: dict[str, tuple[str, str]] = {
    "map": ("picked on the map", "地图选点"),
    "import": ("imported", "导入"),
    "gcj02-converted": ("imported, converted from GCJ-02", "导入（由GCJ-02换算）"),
    "demo": ("demo data", "演示数据"),
    "gps": ("GPS", "GPS"),
}

# Columns that name another record by id: (model, columns read, words of a row).
_Reference = tuple[Any, tuple[Any, ...], Callable[[Any], str]]


def _shift_name(row: Any) -> str:
    return f"{row.label} {row.starts_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


_PERSON: _Reference = (Staff, (Staff.name,), lambda r: str(r.name))
_SHIFT: _Reference = (DutyShift, (DutyShift.label, DutyShift.starts_at), _shift_name)
_REFERENCES: dict[str, _Reference] = {
    "staff_id": _PERSON,
    "from_staff_id": _PERSON,
    "to_staff_id": _PERSON,
    "granted_by_id": _PERSON,
    "revoked_by_id": _PERSON,
    "township_id": (Township, (Township.name,), lambda r: str(r.name)),
    "village_id": (Village, (Village.name,), lambda r: str(r.name)),
    "incident_id": (Incident, (Incident.title,), lambda r: str(r.title)),
    "shelter_id": (Shelter, (Shelter.name,), lambda r: str(r.name)),
    "depot_id": (SupplyDepot, (SupplyDepot.name,), lambda r: str(r.name)),
    "item_id": (StockItem, (StockItem.name,), lambda r: str(r.name)),
    "handover_item_closure.item_id": (HandoverItem, (HandoverItem.text,), lambda r: str(r.text)),
    "shift_id": _SHIFT,
    "outgoing_shift_id": _SHIFT,
    "incoming_shift_id": _SHIFT,
}


def _reference(entity_type: str, column: str) -> _Reference | None:
    return _REFERENCES.get(f"{entity_type}.{column}", _REFERENCES.get(column))


def _with_names(s: Any, entries: list[AuditEntry]) -> list[AuditEntry]:
    """``entries`` with the names of the records their fields name by id."""
    wanted: dict[int, tuple[_Reference, set[uuid.UUID]]] = {}
    for e in entries:
        for c in e.changes:
            ref = _reference(e.entity_type, c.name)
            if ref is None:
                continue
            for value in (c.before, c.after):
                try:
                    found = uuid.UUID(value) if isinstance(value, str) else None
                except ValueError:
                    found = None
                if found is not None:
                    wanted.setdefault(id(ref), (ref, set()))[1].add(found)
    sites = {e.made_at for e in entries if e.made_at}
    if sites:
        known = dict(
            s.execute(select(SyncSite.code, SyncSite.name).where(SyncSite.code.in_(sites))).all()
        )
        entries = [
            replace(e, made_at=known.get(e.made_at, e.made_at)) if e.made_at else e for e in entries
        ]
    names: dict[str, str] = {}
    for (model, columns, words), ids in wanted.values():
        listed = sorted(ids)
        for k in range(0, len(listed), 500):
            rows = s.execute(
                select(model.id, *columns).where(model.id.in_(listed[k : k + 500]))
            ).all()
            names.update({str(r.id): words(r) for r in rows})
    if not names:
        return entries
    return [replace(e, names=names) if e.changes else e for e in entries]


# The facts of sign-in events (app.services.access), in words.
_FACT_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "reason": {
        "wrong": ("wrong password or PIN", "密码错误"),
        "locked": ("locked", "已锁定"),
        "inactive": ("no longer active", "已停用"),
        "no_role": ("no role", "无角色"),
        "unknown": ("no account", "无账号"),
        "no_pin": ("no PIN", "未设置 PIN"),
    },
    "with": {"password": ("password", "密码"), "pin": ("PIN", "PIN")},
}
_TIME_COLUMNS = frozenset({"at", "locked_until"})


def field_label(entity_type: str, name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A column (or an event's fact) as people read it: ``title`` -> 标题."""
    for code in (f"{entity_type}.{name}", name):
        text = label(Family.FIELD, code, language)
        if text != code:
            return text
    return label(Family.FIGURE, name, language)  # 灾情统计's figures, else the column


def value_text(
    entity_type: str,
    name: str,
    value: Any,
    language: str = DEFAULT_LANGUAGE,
    names: dict[str, str] | None = None,
) -> str:
    """A stored value as people read it: codes in words, times in China time,
    a record named by id by its name (``names``: id -> name)."""
    zh = language != "en"
    if value is None or value == "":
        return "（空）" if zh else "(empty)"
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if not isinstance(value, str):
        return str(value)
    text: str = value
    if names and text in names and _reference(entity_type, name) is not None:
        return names[text]
    family = _VALUE_FAMILIES.get((entity_type, name))
    if family is Family.STAFF_ROLE and text.startswith("custom:"):
        return text.removeprefix("custom:")
    if family is not None:
        return label(family, text, language)
    if name == "coord_source" and text in _COORD_SOURCES:
        return _COORD_SOURCES[text][1 if zh else 0]
    words = _FACT_WORDS.get(name) if entity_type == "access" else None
    if words is not None and text in words:
        return words[text][0 if not zh else 1]
    if entity_type == "access" and name == "roles":
        return role_labels(text, language) or ("无角色" if zh else "no role")
    if entity_type == "incident_log_entry" and name == "body":
        text = _log_body(text, language)
    if name.endswith("_at") or name in _TIME_COLUMNS:
        return _china_time(text)
    if len(text) > SHOWN_CHARS:
        more = f"…（共 {len(text)} 字）" if zh else f"… ({len(text)} characters)"
        return text[:SHOWN_CHARS] + more
    return text


_STATUS_CODES = frozenset(s.value for s in IncidentStatus)


def _log_body(body: str, language: str) -> str:
    """A status or report entry's body (stored as JSON, or the bare status code
    of an incident's first entry, e.g. ``received``) in words."""
    if body in _STATUS_CODES:
        return label(Family.INCIDENT_STATUS, body, language)
    if not body.startswith("{"):
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    parts: list[str] = []
    if "status" in data:
        parts.append(label(Family.INCIDENT_STATUS, str(data["status"]), language))
        if data.get("response_level"):
            parts.append(label(Family.RESPONSE_LEVEL, str(data["response_level"]), language))
        parts.extend(str(data[k]) for k in ("plan", "note") if data.get(k))
    elif "report" in data:
        parts.append(label(Family.REPORT_KIND, str(data["report"]), language))
        if data.get("text"):
            parts.append(str(data["text"]).rstrip("。，,；; "))
        if data.get("next_steps"):
            zh = language != "en"
            parts.append(("下一步工作：" if zh else "next steps: ") + str(data["next_steps"]))
    else:
        return body
    return ("，" if language != "en" else ", ").join(parts)


def _china_time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


_RANK = {code: i for i, code in enumerate(codes(Family.FIELD))}


def _rank(entity_type: str, name: str) -> int:
    return _RANK.get(f"{entity_type}.{name}", _RANK.get(name, len(_RANK)))


def _in_field_order(changes: Sequence[FieldChange], entity_type: str) -> list[FieldChange]:
    return sorted(changes, key=lambda c: (_rank(entity_type, c.name), c.name))


def _fact_order(facts: dict[str, Any], entity_type: str) -> list[str]:
    return sorted(facts, key=lambda k: (_rank(entity_type, k), k))


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of the audit window; None/empty means any."""

    actor_id: uuid.UUID | None = None
    actor: str | None = None  # a name, for entries of people no longer listed
    since: datetime | None = None  # aware
    until: datetime | None = None  # aware, exclusive
    entity_types: frozenset[str] = frozenset()
    ops: frozenset[str] = frozenset()
    entity_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    checked: int
    broken: BrokenLink | None
    last_hash: str

    @property
    def ok(self) -> bool:
        return self.broken is None


def _entry(row: Any) -> AuditEntry:
    changes: list[FieldChange] = []
    facts: dict[str, Any] = {}
    if row.detail:
        try:
            data = json.loads(row.detail)
        except ValueError:
            data = {"内容": row.detail}
        if isinstance(data, dict):
            fields = data.get("fields", data) if row.op in ("insert", "update", "delete") else {}
            if fields and all(isinstance(v, list) and len(v) == 2 for v in fields.values()):
                changes = [FieldChange(k, v[0], v[1]) for k, v in sorted(fields.items())]
            else:
                facts = data
    return AuditEntry(
        row.seq,
        row.at,
        row.actor,
        row.actor_id,
        row.role or "",
        row.origin_site,
        row.workstation or "",
        row.op,
        row.entity_type,
        row.entity_id,
        tuple(changes),
        facts,
        made_at=getattr(row, "replica", None),
        received_at=getattr(row, "received_at", None),
    )


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def history(
        self, entity_type: str, entity_id: uuid.UUID, *, related: bool = True
    ) -> list[AuditEntry]:
        """Every entry of one record, oldest first (its 历史 tab).

        With ``related`` the entries of the rows that belong to it come too: an
        incident's log entries and statistics, a shelter's check-ins, a depot's
        items, a handover's items and takeover, and for a person their account,
        role grants, sign-ins and refused writes."""
        c = ChangeLog.__table__.c
        wanted = [(c.entity_type == entity_type) & (c.entity_id == entity_id)]
        with self._db.read_session() as s:
            for model, column in _RELATED.get(entity_type, ()) if related else ():
                kind: str = model.__change_entity__
                ids = list(s.scalars(select(model.id).where(getattr(model, column) == entity_id)))
                for k in range(0, len(ids), 500):
                    wanted.append((c.entity_type == kind) & c.entity_id.in_(ids[k : k + 500]))
            if related and entity_type == "staff":
                wanted.append((c.entity_type == "access") & (c.entity_id == entity_id))
            rows = s.execute(select(ChangeLog.__table__).where(or_(*wanted)).order_by(c.seq))
            return _with_names(s, [_entry(r) for r in rows])

    def entries(
        self, query: AuditQuery, *, newest_first: bool = True, limit: int | None = 5000
    ) -> list[AuditEntry]:
        """Entries matching ``query`` (at most ``limit``)."""
        c = ChangeLog.__table__.c
        stmt = select(ChangeLog.__table__)
        if query.actor_id is not None:
            stmt = stmt.where(c.actor_id == query.actor_id)
        if query.actor:
            stmt = stmt.where(c.actor == query.actor)
        if query.since is not None:
            stmt = stmt.where(c.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(c.at < query.until)
        if query.entity_types:
            stmt = stmt.where(c.entity_type.in_(sorted(query.entity_types)))
        if query.ops:
            stmt = stmt.where(c.op.in_(sorted(query.ops)))
        if query.entity_id is not None:
            stmt = stmt.where(c.entity_id == query.entity_id)
        stmt = stmt.order_by(c.seq.desc() if newest_first else c.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._db.read_session() as s:
            return _with_names(s, [_entry(r) for r in s.execute(stmt)])

    def people(self) -> list[tuple[uuid.UUID | None, str]]:
        """Everyone who signed an entry (id, name), by name: the person filter."""
        c = ChangeLog.__table__.c
        with self._db.read_session() as s:
            rows = s.execute(select(c.actor_id, c.actor).distinct()).all()
        return sorted({(r.actor_id, r.actor) for r in rows}, key=lambda p: (p[1], str(p[0])))

    # -- the chain ------------------------------------------------------------------
    def verify(self, *, batch: int = 20000) -> VerifyResult:
        """Walk the whole change log in sequence order and check every link.

        Reads in keyset batches of ``batch`` rows (memory stays flat on a
        million rows). Returns the number checked, the first broken link (None
        when the chain holds) and the last good hash.
        """
        checked = 0
        previous = GENESIS
        for chunk in self._chunks(batch):
            broken, n, previous = first_broken_stored(chunk, previous)
            checked += n
            if broken is not None:
                return VerifyResult(checked, broken, previous)
        return VerifyResult(checked, None, previous)

    def _chunks(self, batch: int) -> Iterator[list[StoredEntry]]:
        """The entries in ``seq`` order, ``batch`` at a time, each read in a
        short transaction of its own, as stored (the driver's plain values: no
        per-row objects, ids and times given by the database in their canonical
        text form)."""
        sqlite = self._db.is_sqlite
        sql = _CHAIN_SQLITE if sqlite else _CHAIN_POSTGRES
        after = 0
        while True:
            with self._db.engine.connect() as conn:
                cursor = conn.connection.cursor()
                try:
                    cursor.execute(sql, (after, batch))
                    rows: list[Any] = list(cursor.fetchall())
                finally:
                    cursor.close()
                    conn.connection.rollback()
            if not rows:
                return
            if sqlite:
                rows = [
                    (
                        *r[:7],
                        _sqlite_time(r[7]),
                        *r[8:14],
                        None if r[14] is None else _sqlite_time(r[14]),
                        r[15],
                    )
                    for r in rows
                ]
            yield rows
            after = rows[-1][0]


# The chain's fields in the order first_broken_stored takes them, ``seq`` after
# the first parameter, at most the second: ids as 32 hex digits, the time as
# the canonical UTC text (SQLite: as stored, made canonical by _sqlite_time).
_CHAIN_COLUMNS = (
    "seq, entity_type, {id}, op, actor, {actor_id}, COALESCE(role, ''), {at}, "
    "origin_site, COALESCE(workstation, ''), detail, replica, origin_seq, hlc, "
    "{received_at}, hash"
)
_CHAIN_SQLITE = (
    "SELECT "
    + _CHAIN_COLUMNS.format(id="entity_id", actor_id="actor_id", at="at", received_at="received_at")
    + " FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?"
)
_PG_UTC_TEXT = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
_CHAIN_POSTGRES = (
    "SELECT "
    + _CHAIN_COLUMNS.format(
        id="replace(entity_id::text, '-', '')",
        actor_id="replace(actor_id::text, '-', '')",
        at=_PG_UTC_TEXT.format("at"),
        received_at=_PG_UTC_TEXT.format("received_at"),
    )
    + " FROM change_log WHERE seq > %s ORDER BY seq LIMIT %s"
)


def _sqlite_time(stored: Any) -> str:
    """A time as SQLite holds it (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``) in the
    canonical form; any other form is read as the column type reads it."""
    if isinstance(stored, str) and len(stored) == 26 and stored[10] == " ":
        return f"{stored[:10]}T{stored[11:]}+00:00"
    try:
        value = datetime.fromisoformat(str(stored))
    except ValueError:
        return str(stored)  # not a time at all: the link it is in cannot hold
    return utc_text(value if value.tzinfo else value.replace(tzinfo=UTC))


# Rows that belong to a record: (model, the column naming the record).
_RELATED: dict[str, tuple[tuple[Any, str], ...]] = {
    "incident": ((IncidentLogEntry, "incident_id"), (IncidentStatistics, "incident_id")),
    "staff": ((Credential, "staff_id"), (RoleGrant, "staff_id")),
    "shelter": ((ShelterOccupancyMovement, "shelter_id"),),
    "supply_depot": ((StockItem, "depot_id"),),
    "handover": ((HandoverItem, "handover_id"), (HandoverAck, "handover_id")),
}


def history_link(entity_type: str, row_kind: str) -> str | None:
    """The column by which a row of ``row_kind`` belongs to a record of
    ``entity_type`` (``incident_id`` of a log entry): its history need not say it."""
    for model, column in _RELATED.get(entity_type, ()):
        if model.__change_entity__ == row_kind:
            return column
    return None


def history_kinds(entity_type: str) -> frozenset[str]:
    """The kinds of record whose changes a record's history (with its related
    rows) may show: a 历史 tab reads it again when one of them changes."""
    kinds = {entity_type, *(model.__change_entity__ for model, _ in _RELATED.get(entity_type, ()))}
    if entity_type == "staff":
        kinds.add("access")
    return frozenset(kinds)


def entity_label(entity_type: str, language: str = DEFAULT_LANGUAGE) -> str:
    return label(Family.ENTITY, entity_type, language)


def op_label(op: str, language: str = DEFAULT_LANGUAGE) -> str:
    return label(Family.AUDIT_OP, op, language)


def role_labels(roles: str, language: str = DEFAULT_LANGUAGE) -> str:
    sep = "、" if language != "en" else ", "
    return sep.join(label(Family.ACCESS_ROLE, r, language) for r in roles.split(",") if r)


def export_xlsx(entries: Sequence[AuditEntry], path: Path | str, *, title: str) -> None:
    """Write ``entries`` to an XLSX workbook (one row each, China time).

    Raises OSError when the file cannot be written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from app.services.spreadsheet import fit_columns, save_workbook, write_cell, write_header

    wb = Workbook()
    ws = wb.active
    ws.title = "审计日志"
    write_cell(ws, 1, 1, title).font = Font(bold=True, size=14)
    write_header(ws, 2, EXPORT_HEADERS)
    for row, e in enumerate(entries, start=3):
        values = (
            e.seq,
            e.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            role_labels(e.role),
            e.seat,
            op_label(e.op),
            entity_label(e.entity_type),
            str(e.entity_id),
            e.summary(),
        )
        for col, value in enumerate(values, start=1):
            write_cell(ws, row, col, value)
    ws.freeze_panes = "A3"
    fit_columns(ws)
    save_workbook(wb, path)
