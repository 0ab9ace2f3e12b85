"""Words of synchronisation: site kinds, conflict kinds, results and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from app.domain.labels import Family, label


class SiteKind(StrEnum):
    CENTER = "center"  # 指挥中心
    FIELD = "field"  # 前方指挥车


SITE_KIND_LABELS = {SiteKind.CENTER: "指挥中心", SiteKind.FIELD: "前方指挥车"}


class ConflictKind(StrEnum):
    FIELD = "field"  # the same field changed on both sides
    DELETED = "deleted"  # deleted on one side, changed on the other
    RETIRED = "retired"  # retired (停用) on one side, edited on the other
    DUPLICATE = "duplicate"  # a record the other side also made (same number / key)
    REFUSED = "refused"  # a change this database could not take (a rule it breaks)
    NEGATIVE_STOCK = "negative"  # merged movements drive a stock line below zero
    OVER_CAPACITY = "capacity"  # merged movements put a shelter below 0 or over capacity


CONFLICT_KIND_LABELS = {k: label(Family.SYNC_CONFLICT, k.value) for k in ConflictKind}


class Resolution(StrEnum):
    KEPT = "kept"  # the value every site holds stays
    TOOK_LOST = "took_lost"  # the other value was taken instead
    NOTED = "noted"  # seen and dealt with outside (stock counted again …)


RESOLUTION_LABELS = {r: label(Family.SYNC_RESOLUTION, r.value) for r in Resolution}


class ExitCode(IntEnum):
    """Exit codes of ``main.py sync`` and ``main.py field``."""

    OK = 0  # applied / written / nothing waiting
    ALREADY = 3  # the packet held nothing new: applied before
    WAITING = 4  # sync status: changes waiting to go or conflicts to decide
    REFUSED = 65  # EX_DATAERR: damaged, wrong version, wrong site, gap
    TRY_AGAIN = 75  # EX_TEMPFAIL: the center cannot be reached now; nothing lost
    DENIED = 77  # EX_NOPERM: the operator may not synchronise


class SyncRefused(Exception):
    """A packet or push refused as a whole; nothing was applied. ``str()`` is the
    Chinese message for the user."""


class PacketDamaged(SyncRefused):
    """The file is not a whole packet: truncated, altered or not a packet."""


class SchemaMismatch(SyncRefused):
    """The two sides run different database versions."""


class BadAddress(SyncRefused):
    """The center's database address is not one (a typing mistake)."""


class CenterUnavailable(SyncRefused):
    """The center's database cannot be reached or used now; try again later.
    What a finished step sent or received is kept."""


@dataclass(frozen=True)
class ApplyResult:
    """What applying a packet did."""

    sender: str  # site code
    sender_name: str
    new_changes: int  # change-log entries stored here for the first time
    record_changes: int  # … of which changes of records (not sign-ins and the like)
    known_changes: int  # entries this database already held (a repeated packet)
    inserted: int
    updated: int
    deleted: int
    conflicts: int  # conflicts found by this apply
    last_seq: int  # the sender's last seq now held here

    @property
    def already_applied(self) -> bool:
        return self.new_changes == 0
