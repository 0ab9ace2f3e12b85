"""交接班: the outgoing shift hands over to the incoming one.

A handover carries a summary and the open items it raises (处置中事项, 待办, 待回复).
An item stays open, and is carried over from shift to shift, until someone
closes it; the incoming shift acknowledges (接班确认) a handover once.

All four tables are append-only (database triggers refuse UPDATE and DELETE):
closing an item adds a ``handover_item_closure`` row, acknowledging adds a
``handover_ack`` row, and a unique constraint on each makes a second closure
or acknowledgement impossible even when two seats try at the same moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import classify
from app.data.models import (
    DutyShift,
    Handover,
    HandoverAck,
    HandoverItem,
    HandoverItemClosure,
    Incident,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.clock import CHINA_TZ
from app.domain.enums import IncidentStatus
from app.domain.rules import RuleViolation, shift_covers
from app.services.access import require
from app.services.dto import ShiftDTO
from app.services.roster import RosterService

MAX_ITEM_TEXT = 2000
MAX_NOTE = 256
MAX_ACTOR = 64

NewItem = tuple[str, uuid.UUID | None]


@dataclass(frozen=True, slots=True)
class HandoverItemDTO:
    id: uuid.UUID
    handover_id: uuid.UUID
    text: str
    incident_id: uuid.UUID | None
    incident_title: str | None
    created_by: str
    # When the handover that raised the item was made.
    handed_over_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    close_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class HandoverAckDTO:
    acknowledged_by: str
    acknowledged_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class HandoverDTO:
    id: uuid.UUID
    outgoing_shift_id: uuid.UUID | None
    outgoing_label: str | None
    incoming_shift_id: uuid.UUID | None
    incoming_label: str | None
    handed_over_by: str
    handed_over_at: datetime
    summary: str | None
    items: tuple[HandoverItemDTO, ...]
    ack: HandoverAckDTO | None

    @property
    def acknowledged(self) -> bool:
        return self.ack is not None


@dataclass(frozen=True, slots=True)
class OpenIncidentDTO:
    """An incident not yet closed, to link an item to."""

    id: uuid.UUID
    title: str
    status: str
    is_drill: bool
    received_at: datetime


@dataclass(frozen=True, slots=True)
class HandoverContext:
    """What the handover form needs, read in one go."""

    shifts: tuple[ShiftDTO, ...]
    # The shift on duty now and the one after it (ids from ``shifts``).
    outgoing_id: uuid.UUID | None
    incoming_id: uuid.UUID | None
    open_items: tuple[HandoverItemDTO, ...]
    open_incidents: tuple[OpenIncidentDTO, ...]


def local_day_bounds(day: date, starts: time = time(0)) -> tuple[datetime, datetime]:
    """[start, end) of a day in China time: the calendar day, or with ``starts``
    (the handover time) the duty day, e.g. 08:30 to 08:30 the next morning."""
    start = datetime.combine(day, starts, tzinfo=CHINA_TZ)
    return start, start + timedelta(days=1)


class HandoverService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writing ----------------------------------------------------------------
    def record(
        self,
        outgoing_shift_id: uuid.UUID | None,
        incoming_shift_id: uuid.UUID | None,
        summary: str,
        new_items: Sequence[NewItem],
        *,
        actor: str,
        site: str,
        at: datetime,
        close_items: Sequence[tuple[uuid.UUID, str]] = (),
        handover_id: uuid.UUID | None = None,
    ) -> HandoverDTO:
        """Record a handover and the items it raises, in one transaction.

        ``close_items`` (item id, note) are closed in the same transaction, so a
        refused closure leaves nothing written. ``handover_id`` (chosen when the
        form opens) makes saving again safe: if an earlier save of the same
        handover committed, that handover is returned and nothing is written.

        Raises RuleViolation (nothing written): ``handover.same_shift``,
        ``handover.shift_unknown``, ``handover.empty`` (no summary, no item, nothing
        closed), ``handover.item_text_required``, ``handover.item_text_too_long``,
        ``handover.incident_unknown``, ``handover.item_unknown``,
        ``handover.item_closed``.
        """
        require(self._db, Action.HANDOVER)
        _check_aware(at)
        summary = summary.strip()
        items = [(text.strip(), incident) for text, incident in new_items]
        if outgoing_shift_id is not None and outgoing_shift_id == incoming_shift_id:
            raise RuleViolation("handover.same_shift")
        if any(not text for text, _ in items):
            raise RuleViolation("handover.item_text_required")
        if any(len(text) > MAX_ITEM_TEXT for text, _ in items):
            raise RuleViolation("handover.item_text_too_long")
        if not summary and not items and not close_items:
            raise RuleViolation("handover.empty")
        new_id = handover_id or uuid.uuid4()
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                s = uow.session
                if handover_id is not None and s.get(Handover, handover_id) is not None:
                    return self._load([handover_id], s)[0]  # an earlier save committed
                for shift_id in (outgoing_shift_id, incoming_shift_id):
                    if shift_id is not None and s.get(DutyShift, shift_id) is None:
                        raise RuleViolation("handover.shift_unknown", str(shift_id))
                for _, incident_id in items:
                    if incident_id is not None and s.get(Incident, incident_id) is None:
                        raise RuleViolation("handover.incident_unknown", str(incident_id))
                s.add(
                    Handover(
                        id=new_id,
                        outgoing_shift_id=outgoing_shift_id,
                        incoming_shift_id=incoming_shift_id,
                        handed_over_by=actor[:MAX_ACTOR],
                        handed_over_at=at,
                        summary=summary or None,
                    )
                )
                s.flush()
                s.add_all(
                    HandoverItem(
                        handover_id=new_id,
                        text=text,
                        incident_id=incident_id,
                        created_by=actor[:MAX_ACTOR],
                    )
                    for text, incident_id in items
                )
                for item_id, note in close_items:
                    self._add_closure(s, item_id, actor=actor, at=at, note=note)
                uow.commit()
        except sa_exc.IntegrityError as exc:
            self._explain_integrity(exc, [i for i, _ in close_items], None)
            raise
        except sa_exc.SQLAlchemyError as exc:
            _reraise_classified(exc)
            raise
        return self.get(new_id)

    def close_item(
        self, item_id: uuid.UUID, *, actor: str, site: str, at: datetime, note: str = ""
    ) -> None:
        """Close a carried-over item. Raises RuleViolation ``handover.item_unknown``
        or ``handover.item_closed`` (someone closed it already)."""
        require(self._db, Action.HANDOVER)
        _check_aware(at)
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                self._add_closure(uow.session, item_id, actor=actor, at=at, note=note)
                uow.commit()
        except sa_exc.IntegrityError as exc:
            self._explain_integrity(exc, [item_id], None)
            raise
        except sa_exc.SQLAlchemyError as exc:
            _reraise_classified(exc)
            raise

    def acknowledge(
        self, handover_id: uuid.UUID, *, actor: str, site: str, at: datetime, note: str = ""
    ) -> None:
        """接班确认. Raises RuleViolation ``handover.unknown`` or
        ``handover.acknowledged`` (acknowledged already, by anyone)."""
        require(self._db, Action.HANDOVER)
        _check_aware(at)
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise RuleViolation("handover.note_too_long")
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                s = uow.session
                if s.get(Handover, handover_id) is None:
                    raise RuleViolation("handover.unknown", str(handover_id))
                if s.scalar(select(HandoverAck.id).where(HandoverAck.handover_id == handover_id)):
                    raise RuleViolation("handover.acknowledged")
                s.add(
                    HandoverAck(
                        handover_id=handover_id,
                        acknowledged_by=actor[:MAX_ACTOR],
                        acknowledged_at=at,
                        note=note or None,
                    )
                )
                uow.commit()
        except sa_exc.IntegrityError as exc:
            self._explain_integrity(exc, [], handover_id)
            raise
        except sa_exc.SQLAlchemyError as exc:
            _reraise_classified(exc)
            raise

    def _add_closure(
        self, s: Session, item_id: uuid.UUID, *, actor: str, at: datetime, note: str
    ) -> None:
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise RuleViolation("handover.note_too_long")
        if s.get(HandoverItem, item_id) is None:
            raise RuleViolation("handover.item_unknown", str(item_id))
        closed = s.scalar(
            select(HandoverItemClosure.id).where(HandoverItemClosure.item_id == item_id)
        )
        if closed is not None:
            raise RuleViolation("handover.item_closed", str(item_id))
        s.add(
            HandoverItemClosure(
                item_id=item_id, closed_by=actor[:MAX_ACTOR], closed_at=at, note=note or None
            )
        )

    def _explain_integrity(
        self,
        exc: sa_exc.IntegrityError,
        item_ids: Iterable[uuid.UUID],
        handover_id: uuid.UUID | None,
    ) -> None:
        """A unique constraint hit because another seat closed or acknowledged
        between our check and our insert: say so as the rule it is."""
        ids = list(item_ids)
        with self._db.read_session() as s:
            if ids and s.scalar(
                select(HandoverItemClosure.item_id).where(HandoverItemClosure.item_id.in_(ids))
            ):
                raise RuleViolation("handover.item_closed") from exc
            if handover_id is not None and s.scalar(
                select(HandoverAck.id).where(HandoverAck.handover_id == handover_id)
            ):
                raise RuleViolation("handover.acknowledged") from exc

    # -- reading ----------------------------------------------------------------
    def get(self, handover_id: uuid.UUID) -> HandoverDTO:
        with self._db.read_session() as s:
            found = self._load([handover_id], s)
        if not found:
            raise RuleViolation("handover.unknown", str(handover_id))
        return found[0]

    def open_items(self, now: datetime) -> list[HandoverItemDTO]:
        """Items raised at or before ``now`` and not closed, oldest first."""
        with self._db.read_session() as s:
            return _open_items(s, now)

    def latest(self, limit: int = 20) -> list[HandoverDTO]:
        """The newest handovers first."""
        with self._db.read_session() as s:
            ids = s.scalars(
                select(Handover.id)
                .order_by(Handover.handed_over_at.desc(), Handover.created_at.desc())
                .limit(limit)
            ).all()
            return self._load(list(ids), s)

    def pending_ack(self) -> HandoverDTO | None:
        """The latest handover, if it is not yet acknowledged (for 接班确认)."""
        latest = self.latest(1)
        return latest[0] if latest and not latest[0].acknowledged else None

    def for_day(self, day: date, starts: time = time(0)) -> list[HandoverDTO]:
        """Handovers made on a day (China time; see :func:`local_day_bounds`), in time order."""
        start, end = local_day_bounds(day, starts)
        with self._db.read_session() as s:
            ids = s.scalars(
                select(Handover.id)
                .where(Handover.handed_over_at >= start, Handover.handed_over_at < end)
                .order_by(Handover.handed_over_at, Handover.created_at)
            ).all()
            return self._load(list(ids), s)

    def context(self, now: datetime) -> HandoverContext:
        """Shifts around ``now`` (with the shift on duty handing over to the next
        one), the items carried over and the incidents still open."""
        shifts = RosterService(self._db).shifts_between(
            now - timedelta(days=2), now + timedelta(days=2)
        )
        outgoing, incoming = _handover_pair(shifts, now)
        with self._db.read_session() as s:
            items = _open_items(s, now)
            incidents = s.execute(
                select(
                    Incident.id,
                    Incident.title,
                    Incident.status,
                    Incident.is_drill,
                    Incident.received_at,
                )
                .where(Incident.status != IncidentStatus.CLOSED.value)
                .order_by(Incident.received_at.desc())
                .limit(500)
            ).all()
        return HandoverContext(
            tuple(shifts),
            outgoing,
            incoming,
            tuple(items),
            tuple(
                OpenIncidentDTO(r.id, r.title, r.status, r.is_drill, r.received_at)
                for r in incidents
            ),
        )

    def _load(self, ids: list[uuid.UUID], s: Session) -> list[HandoverDTO]:
        """Handovers by id, in the order given, with items, closures and ack."""
        if not ids:
            return []
        handovers = {h.id: h for h in s.scalars(select(Handover).where(Handover.id.in_(ids)))}
        shift_ids = {
            sid
            for h in handovers.values()
            for sid in (h.outgoing_shift_id, h.incoming_shift_id)
            if sid is not None
        }
        labels: dict[uuid.UUID, str] = {}
        if shift_ids:
            stmt = select(DutyShift.id, DutyShift.label).where(DutyShift.id.in_(shift_ids))
            labels = {sid: label for sid, label in s.execute(stmt)}
        items: dict[uuid.UUID, list[HandoverItemDTO]] = {i: [] for i in ids}
        rows = s.execute(
            _item_query().where(HandoverItem.handover_id.in_(ids)).order_by(HandoverItem.created_at)
        ).all()
        for row in rows:
            items[row.handover_id].append(_item_dto(row))
        acks = {
            a.handover_id: HandoverAckDTO(a.acknowledged_by, a.acknowledged_at, a.note)
            for a in s.scalars(select(HandoverAck).where(HandoverAck.handover_id.in_(ids)))
        }
        out = []
        for i in ids:
            h = handovers.get(i)
            if h is None:
                continue
            out.append(
                HandoverDTO(
                    id=h.id,
                    outgoing_shift_id=h.outgoing_shift_id,
                    outgoing_label=labels.get(h.outgoing_shift_id) if h.outgoing_shift_id else None,
                    incoming_shift_id=h.incoming_shift_id,
                    incoming_label=labels.get(h.incoming_shift_id) if h.incoming_shift_id else None,
                    handed_over_by=h.handed_over_by,
                    handed_over_at=h.handed_over_at,
                    summary=h.summary,
                    items=tuple(items[i]),
                    ack=acks.get(i),
                )
            )
        return out


def _item_query() -> Any:
    return (
        select(
            HandoverItem.id,
            HandoverItem.handover_id,
            HandoverItem.text,
            HandoverItem.incident_id,
            Incident.title.label("incident_title"),
            HandoverItem.created_by,
            Handover.handed_over_at,
            HandoverItemClosure.closed_by,
            HandoverItemClosure.closed_at,
            HandoverItemClosure.note.label("close_note"),
        )
        .join(Handover, Handover.id == HandoverItem.handover_id)
        .outerjoin(Incident, Incident.id == HandoverItem.incident_id)
        .outerjoin(HandoverItemClosure, HandoverItemClosure.item_id == HandoverItem.id)
    )


def _item_dto(row: Any) -> HandoverItemDTO:
    return HandoverItemDTO(
        id=row.id,
        handover_id=row.handover_id,
        text=row.text,
        incident_id=row.incident_id,
        incident_title=row.incident_title,
        created_by=row.created_by,
        handed_over_at=row.handed_over_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        close_note=row.close_note,
    )


def _open_items(s: Session, now: datetime) -> list[HandoverItemDTO]:
    rows = s.execute(
        _item_query()
        .where(HandoverItemClosure.id.is_(None), Handover.handed_over_at <= now)
        .order_by(Handover.handed_over_at, HandoverItem.created_at, HandoverItem.id)
    ).all()
    return [_item_dto(r) for r in rows]


def _length(shift: ShiftDTO) -> timedelta:
    return shift.ends_at - shift.starts_at


def _handover_pair(
    shifts: Sequence[ShiftDTO], now: datetime
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The shift on duty at ``now`` (handing over) and the one after it (taking over).

    An extra shift inside the watch (加班) is not the watch: of the shifts
    covering ``now`` the longest is, and of two equally long ones (overlapping
    at a handover) the one ending first. With none on duty the last one to
    have ended hands over; before any shift at all, nobody does and the first
    one takes over.
    """
    covering = [sh for sh in shifts if shift_covers(sh.starts_at, sh.ends_at, now)]
    if covering:
        outgoing = max(covering, key=lambda sh: (_length(sh), -sh.ends_at.timestamp()))
    else:
        ended = [sh for sh in shifts if sh.ends_at <= now]
        if not ended:
            later = sorted((sh for sh in shifts if sh.starts_at > now), key=lambda sh: sh.starts_at)
            return None, later[0].id if later else None
        outgoing = max(ended, key=lambda sh: (sh.ends_at, _length(sh)))
    return outgoing.id, next_shift(shifts, outgoing.id)


def next_shift(shifts: Sequence[ShiftDTO], shift_id: uuid.UUID) -> uuid.UUID | None:
    """The shift that takes over from ``shift_id``: of those starting after it, the
    one starting nearest to its end (the longer one if two start together)."""
    current = next((sh for sh in shifts if sh.id == shift_id), None)
    if current is None:
        return None
    later = [sh for sh in shifts if sh.starts_at > current.starts_at]
    if not later:
        return None
    best = min(
        later,
        key=lambda sh: (abs(sh.starts_at - current.ends_at), -_length(sh), sh.starts_at),
    )
    return best.id


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("naive datetime")


def _reraise_classified(exc: sa_exc.SQLAlchemyError) -> None:
    problem = classify(exc)
    if problem is not None:
        raise problem from exc
