"""The audit trail's hash chain: each change-log entry seals the one before it.

An entry's hash is SHA-256 over the previous entry's hash and the entry's own
fields in a fixed canonical form. Altering, deleting or reordering an entry
outside the program changes a hash that the next entry sealed, so
:func:`first_broken` (and ``main.py audit verify``) finds the first entry
where the chain no longer holds. This is tamper *evidence*: whoever can
rewrite the whole table can rewrite the chain too, which is why the database
also refuses UPDATE and DELETE on it; the hash of the last entry, noted down
(e.g. in the daily duty report), pins everything before it.

The canonical form is JSON of the stored values (strings as
:func:`~app.domain.text.clean_text` stores them, the time in UTC with
microseconds, ids as 32 hex digits), so both database backends give the same
hashes for the same entries. Entries written since field sync (migration 0010)
also seal where they came from and in which order: the origin site's replica
code and sequence number, the hybrid logical clock and when the entry arrived;
an entry that has none of them (written before, or by an older program) is
sealed without them, as it was.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.text import clean_text

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class SealedFields:
    """The fields of a change-log entry that its hash covers (everything but
    ``seq`` and the hash itself)."""

    entity_type: str
    entity_id: uuid.UUID
    op: str
    actor: str
    actor_id: uuid.UUID | None
    role: str
    at: datetime  # aware
    origin_site: str
    workstation: str
    detail: str | None
    replica: str | None = None  # the site a received entry was made at
    origin_seq: int | None = None  # its sequence number there
    hlc: int | None = None  # hybrid logical clock (app/domain/hlc.py)
    received_at: datetime | None = None  # aware; when a received entry arrived here


def _text(value: str | None) -> str | None:
    # Text with nothing but printable characters is as clean_text leaves it
    # (everything clean_text changes is a control, separator, surrogate or
    # noncharacter): the check is much cheaper than the cleaning.
    if value is None or value.isprintable():
        return value
    return clean_text(value)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def utc_text(at: datetime) -> str:
    """An aware time as the canonical form holds it: UTC, ISO 8601, microseconds."""
    if at.tzinfo is None:
        raise ValueError("naive time in a change-log entry")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_stored(
    entity_type: str,
    entity_id: str,
    op: str,
    actor: str,
    actor_id: str | None,
    role: str,
    at: str,
    origin_site: str,
    workstation: str,
    detail: str | None,
    replica: str | None = None,
    origin_seq: int | None = None,
    hlc: int | None = None,
    received_at: str | None = None,
) -> bytes:
    """The canonical bytes from an entry's fields in their stored forms: ids as
    32 lower-case hex digits, ``at`` and ``received_at`` as :func:`utc_text`
    gives them. The four sync fields are appended when any of them is set."""
    values: list[str | int | None] = [
        _text(entity_type),
        entity_id,
        _text(op),
        _text(actor),
        actor_id,
        _text(role),
        at,
        _text(origin_site),
        _text(workstation),
        _text(detail),
    ]
    if replica is not None or origin_seq is not None or hlc is not None or received_at is not None:
        values += [_text(replica), origin_seq, hlc, received_at]
    return _ENCODE(values).encode("utf-8")


def canonical(fields: SealedFields) -> bytes:
    """The bytes an entry's hash is computed over (UTF-8 JSON array)."""
    return canonical_stored(
        fields.entity_type,
        fields.entity_id.hex,
        fields.op,
        fields.actor,
        fields.actor_id.hex if fields.actor_id is not None else None,
        fields.role,
        utc_text(fields.at),
        fields.origin_site,
        fields.workstation,
        fields.detail,
        fields.replica,
        fields.origin_seq,
        fields.hlc,
        utc_text(fields.received_at) if fields.received_at is not None else None,
    )


def seal_canonical(previous: str, canonical_bytes: bytes) -> str:
    """The hash of an entry whose canonical bytes are ``canonical_bytes``,
    following one whose hash is ``previous``."""
    return hashlib.sha256(previous.encode("ascii") + b"\n" + canonical_bytes).hexdigest()


def seal(previous: str, fields: SealedFields) -> str:
    """The hash of an entry following one whose hash is ``previous`` (64 hex
    digits; :data:`GENESIS` for the first entry)."""
    return seal_canonical(previous, canonical(fields))


@dataclass(frozen=True, slots=True)
class BrokenLink:
    seq: int  # the first entry whose stored hash does not follow
    expected: str  # "" when the entry's fields are not even of the stored types
    found: str | None


def first_broken(
    entries: Iterable[tuple[int, SealedFields, str | None]], previous: str = GENESIS
) -> tuple[BrokenLink | None, int, str]:
    """Walk ``(seq, fields, stored_hash)`` in ``seq`` order from ``previous``.

    Returns ``(first broken link or None, entries checked, last good hash)``.
    """
    checked = 0
    for seq, fields, stored in entries:
        expected = seal(previous, fields)
        checked += 1
        if stored != expected:
            return BrokenLink(seq, expected, stored), checked, previous
        previous = expected
    return None, checked, previous


# An entry as :func:`first_broken_stored` reads it: ``(seq, entity_type,
# entity_id, op, actor, actor_id, role, at, origin_site, workstation, detail,
# replica, origin_seq, hlc, received_at, stored hash)``, the fields in the forms
# :func:`canonical_stored` takes.
StoredEntry = tuple[
    int,
    str,
    str,
    str,
    str,
    str | None,
    str,
    str,
    str,
    str,
    str | None,
    str | None,
    int | None,
    int | None,
    str | None,
    str | None,
]


def first_broken_stored(
    entries: Iterable[StoredEntry], previous: str = GENESIS
) -> tuple[BrokenLink | None, int, str]:
    """:func:`first_broken` for entries read as stored (no per-entry objects:
    a million entries are checked in seconds)."""
    checked = 0
    sha256 = hashlib.sha256
    for entry in entries:
        seq, et, eid, op, actor, aid, role, at, site, ws, detail = entry[:11]
        replica, origin_seq, hlc, received_at, stored = entry[11:]
        checked += 1
        try:
            body = canonical_stored(
                et,
                eid,
                op,
                actor,
                aid,
                role,
                at,
                site,
                ws,
                detail,
                replica,
                origin_seq,
                hlc,
                received_at,
            )
        except (TypeError, AttributeError, ValueError):
            # Not even of the types the program stores (e.g. bytes written into
            # a text column of SQLite): altered, with no hash it could have had.
            return BrokenLink(seq, "", stored), checked, previous
        expected = sha256(previous.encode("ascii") + b"\n" + body).hexdigest()
        if stored != expected:
            return BrokenLink(seq, expected, stored), checked, previous
        previous = expected
    return None, checked, previous
