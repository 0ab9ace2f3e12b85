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
hashes for the same entries.
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


def _text(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def canonical(fields: SealedFields) -> bytes:
    """The bytes an entry's hash is computed over (UTF-8 JSON array)."""
    if fields.at.tzinfo is None:
        raise ValueError("naive time in a change-log entry")
    values = [
        _text(fields.entity_type),
        fields.entity_id.hex,
        _text(fields.op),
        _text(fields.actor),
        fields.actor_id.hex if fields.actor_id is not None else None,
        _text(fields.role),
        fields.at.astimezone(UTC).isoformat(timespec="microseconds"),
        _text(fields.origin_site),
        _text(fields.workstation),
        _text(fields.detail),
    ]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(previous: str, fields: SealedFields) -> str:
    """The hash of an entry following one whose hash is ``previous`` (64 hex
    digits; :data:`GENESIS` for the first entry)."""
    digest = hashlib.sha256(previous.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(fields))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    seq: int  # the first entry whose stored hash does not follow
    expected: str
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
