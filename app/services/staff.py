"""People and posts: the staff list and the villages' AB岗 (A/B information-officer posts).

Rules kept here (the form shows each refusal next to its field):

* A name is required, at most 64 characters; the unit at most 128.
* A phone follows :func:`app.domain.rules.phone_problem` (digits, spaces, dashes,
  a leading "+", parentheses and an extension; at most 32 characters).
* The role is a :class:`~app.domain.enums.StaffRole` code, or a role the office
  defines itself. Such a custom role is stored as ``"custom:" + name`` in the
  16-character ``role`` column, so its name has at most
  :data:`CUSTOM_ROLE_MAX` (9) characters and no colon. Custom roles need no
  table of their own: the roles "in use" are those of the stored people.
* A disaster information officer (``info_officer``) needs a village and a post
  A or B; the township is taken from the village. Other roles may name a
  township; village and post are cleared for them.
* At most one active person holds a village's A post and one its B post
  (``staff.post_taken``, naming the holder). On PostgreSQL the check runs under
  a transaction advisory lock so two seats cannot fill the same post at once;
  SQLite writes are serialised by ``BEGIN IMMEDIATE``.
* People are never deleted (old rosters name them): :meth:`StaffService.deactivate`
  marks them inactive; an inactive person holds no post.
* :meth:`StaffService.set_post` fills or empties a post directly. Whoever held
  the post before stays an information officer of the village without a post
  (the AB岗 table then shows who is unassigned); saving such a person in the
  form asks for a post again.

Every change goes through a :class:`~app.data.uow.UnitOfWork` (one change_log
row per changed person). An update or deactivation based on a stale copy raises
:class:`StaleStaff` with the current row and who changed it last.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import ChangeLog, Staff, Township, Village
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.enums import StaffRole
from app.domain.rules import RuleViolation, phone_violation
from app.services.access import require
from app.services.dto import LastChange

CUSTOM_PREFIX = "custom:"
ROLE_MAX = 16
CUSTOM_ROLE_MAX = ROLE_MAX - len(CUSTOM_PREFIX)
NAME_MAX = 64
UNIT_MAX = 128
POSTS = ("A", "B")

_POST_LOCK_KEY = 0x58434350  # "XCCP": serialises changes to AB posts (PostgreSQL)


def custom_role(name: str) -> str:
    """The stored code of a role the office defines (``"custom:" + name``)."""
    return CUSTOM_PREFIX + name.strip()


def custom_role_name(code: str) -> str | None:
    """The name of a custom role, or None for a standard role code."""
    return code[len(CUSTOM_PREFIX) :] if code.startswith(CUSTOM_PREFIX) else None


def is_valid_role(code: str) -> bool:
    name = custom_role_name(code)
    if name is None:
        return code in {r.value for r in StaffRole}
    return bool(name) and name == name.strip() and ":" not in name and len(code) <= ROLE_MAX


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: uuid.UUID
    name: str
    unit: str | None
    phone: str | None
    role: str
    township: str | None
    village: str | None
    post: str | None
    active: bool
    version: int
    township_id: uuid.UUID | None = None
    village_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class StaffDraft:
    """What the form holds; ``role`` is a StaffRole code or ``custom_role(name)``."""

    name: str
    role: str
    unit: str = ""
    phone: str = ""
    township_id: uuid.UUID | None = None
    village_id: uuid.UUID | None = None
    post: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Holder:
    staff_id: uuid.UUID
    name: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class PostRow:
    village_id: uuid.UUID
    township_id: uuid.UUID
    township: str
    village: str
    a: Holder | None
    b: Holder | None

    @property
    def missing(self) -> bool:
        return self.a is None or self.b is None


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """A village (or, with ``village_id`` None, a township) to choose in the form."""

    township_id: uuid.UUID
    township: str
    village_id: uuid.UUID | None
    village: str | None


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # name / unit / phone / role / village / post
    code: str
    detail: str = ""


class StaffRejected(RuleViolation):
    """The draft breaks one or more rules; ``errors`` says which field each concerns."""

    def __init__(self, errors: list[FieldError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.detail)
        self.errors = tuple(errors)

    def codes(self) -> list[str]:
        return [e.code for e in self.errors]


class StaleStaff(ConflictError):
    """Someone changed the person after the user's copy was read."""

    def __init__(self, current: StaffRow | None, last_change: LastChange | None) -> None:
        super().__init__("staff", str(current.id) if current else "", "changed by someone else")
        self.current = current
        self.last_change = last_change


def validate(draft: StaffDraft) -> list[FieldError]:
    """The rules that need no database."""
    errors: list[FieldError] = []
    name = draft.name.strip()
    if not name:
        errors.append(FieldError("name", "staff.name_required"))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", "staff.name_too_long", str(NAME_MAX)))
    if len(draft.unit.strip()) > UNIT_MAX:
        errors.append(FieldError("unit", "staff.unit_too_long", str(UNIT_MAX)))
    phone = phone_violation(draft.phone)
    if phone is not None:
        errors.append(FieldError("phone", phone.code, phone.detail))
    role = draft.role.strip()
    custom = custom_role_name(role)
    if custom is not None and len(role) > ROLE_MAX:
        errors.append(FieldError("role", "staff.role_too_long", str(CUSTOM_ROLE_MAX)))
    elif not is_valid_role(role):
        errors.append(FieldError("role", "staff.role_invalid", role))
    if role == StaffRole.INFO_OFFICER.value:
        if draft.village_id is None:
            errors.append(FieldError("village", "staff.village_required"))
        if draft.post not in POSTS:
            errors.append(FieldError("post", "staff.post_required"))
    return errors


class StaffService:
    """The staff list and the AB posts. Reads are one read session each."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- reads ----------------------------------------------------------------------
    def list(self, include_inactive: bool = False) -> builtins.list[StaffRow]:
        with self._db.read_session() as s:
            return self._rows(s, None, include_inactive)

    def get(self, staff_id: uuid.UUID) -> StaffRow | None:
        with self._db.read_session() as s:
            rows = self._rows(s, staff_id, True)
        return rows[0] if rows else None

    def places(self) -> builtins.list[PlaceRef]:
        """Every township (village None) followed by its villages, by township code."""
        with self._db.read_session() as s:
            townships = s.execute(select(Township.id, Township.name).order_by(Township.code)).all()
            villages = s.execute(
                select(Village.id, Village.name, Village.township_id).order_by(Village.name)
            ).all()
        by_township: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
        for vid, vname, tid in villages:
            by_township.setdefault(tid, []).append((vid, vname))
        out: builtins.list[PlaceRef] = []
        for tid, tname in townships:
            out.append(PlaceRef(tid, tname, None, None))
            out.extend(PlaceRef(tid, tname, vid, vname) for vid, vname in by_township.get(tid, []))
        return out

    def posts(self) -> builtins.list[PostRow]:
        """One row per village (by township code, then village name) with its A/B holders."""
        with self._db.read_session() as s:
            villages = s.execute(
                select(Village.id, Village.name, Township.id, Township.name)
                .join(Township, Township.id == Village.township_id)
                .order_by(Township.code, Village.name)
            ).all()
            holders: dict[tuple[uuid.UUID, str], Holder] = {}
            stmt = (
                select(Staff.village_id, Staff.post, Staff.id, Staff.name, Staff.phone)
                .where(Staff.active.is_(True), Staff.village_id.is_not(None))
                .where(Staff.post.in_(POSTS))
                .order_by(Staff.name)
            )
            for vid, post, sid, name, phone in s.execute(stmt):
                if vid is not None and post is not None:
                    holders.setdefault((vid, post), Holder(sid, name, phone))
        return [
            PostRow(vid, tid, tname, vname, holders.get((vid, "A")), holders.get((vid, "B")))
            for vid, vname, tid, tname in villages
        ]

    def last_change(self, staff_id: uuid.UUID) -> LastChange | None:
        with self._db.read_session() as s:
            row = s.execute(
                select(ChangeLog.actor, ChangeLog.at, ChangeLog.origin_site)
                .where(ChangeLog.entity_type == "staff", ChangeLog.entity_id == staff_id)
                .order_by(ChangeLog.seq.desc())
                .limit(1)
            ).first()
        return LastChange(row.actor, row.at, row.origin_site) if row else None

    # -- writes ---------------------------------------------------------------------
    def create(self, draft: StaffDraft, *, actor: str, site: str) -> StaffRow:
        require(self._db, Action.EDIT_STAFF)
        errors = validate(draft)
        if errors:
            raise StaffRejected(errors)
        staff_id = uuid.uuid4()
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            self._lock_posts(uow.session)
            person = Staff(id=staff_id, is_demo=False)
            self._apply(uow.session, person, draft)
            uow.session.add(person)
            uow.commit()
        return self._row(staff_id)

    def create_in(
        self, uow: UnitOfWork, people: Sequence[tuple[uuid.UUID, StaffDraft]]
    ) -> builtins.list[uuid.UUID]:
        """Add ``people`` (each with the id it is to have) inside the caller's unit
        of work, under the same rules as :meth:`create`, so that an import adds the
        people a file names and what names them in one transaction. Returns the
        ids. Raises :class:`StaffRejected` for the first draft that breaks a rule;
        the caller's unit of work, left uncommitted, then writes nothing. The
        caller asks ``require(db, Action.EDIT_STAFF)`` before opening its unit of
        work (a refusal is recorded in a transaction of its own)."""
        for _staff_id, draft in people:
            errors = validate(draft)
            if errors:
                raise StaffRejected(errors)
        if not people:
            return []
        self._lock_posts(uow.session)
        for staff_id, draft in people:
            person = Staff(id=staff_id, is_demo=False)
            self._apply(uow.session, person, draft)
            uow.session.add(person)
        uow.session.flush()
        return [staff_id for staff_id, _draft in people]

    def update(
        self,
        staff_id: uuid.UUID,
        expected_version: int,
        draft: StaffDraft,
        *,
        actor: str,
        site: str,
    ) -> StaffRow:
        require(self._db, Action.EDIT_STAFF)
        errors = validate(draft)
        if errors:
            raise StaffRejected(errors)
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                self._lock_posts(uow.session)
                person = uow.get_current(Staff, staff_id, expected_version)
                self._apply(uow.session, person, draft)
                uow.commit()
        except ConflictError as exc:
            raise self._stale(staff_id) from exc
        return self._row(staff_id)

    def deactivate(
        self, staff_id: uuid.UUID, expected_version: int, *, actor: str, site: str
    ) -> StaffRow:
        """The person left: kept for old rosters, no longer listed or on a post."""
        require(self._db, Action.EDIT_STAFF)
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                person = uow.get_current(Staff, staff_id, expected_version)
                person.active = False
                uow.commit()
        except ConflictError as exc:
            raise self._stale(staff_id) from exc
        return self._row(staff_id)

    def set_post(
        self,
        village_id: uuid.UUID,
        post: str,
        staff_id: uuid.UUID | None,
        *,
        actor: str,
        site: str,
    ) -> PostRow:
        """Put an active information officer of the village's township on the post
        (or empty it with None). The previous holder keeps the village without a post;
        the new holder leaves any post held before."""
        require(self._db, Action.EDIT_STAFF)
        if post not in POSTS:
            raise RuleViolation("staff.post_invalid", post)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            self._lock_posts(s)
            village = s.get(Village, village_id)
            if village is None:
                raise RuleViolation("staff.village_unknown", str(village_id))
            person: Staff | None = None
            if staff_id is not None:
                person = s.get(Staff, staff_id)
                if person is None:
                    raise RuleViolation("staff.not_found", str(staff_id))
                if not person.active:
                    raise RuleViolation("staff.inactive", person.name)
                if person.role != StaffRole.INFO_OFFICER.value:
                    raise RuleViolation("staff.not_info_officer", person.name)
                if person.township_id not in (None, village.township_id):
                    raise RuleViolation("staff.wrong_township", person.name)
            current = s.scalars(
                select(Staff).where(
                    Staff.active.is_(True), Staff.village_id == village_id, Staff.post == post
                )
            ).all()
            for holder in current:
                if person is None or holder.id != person.id:
                    holder.post = None
            if person is not None:
                person.township_id = village.township_id
                person.village_id = village_id
                person.post = post
            uow.commit()
        return next(p for p in self.posts() if p.village_id == village_id)

    # -- helpers --------------------------------------------------------------------
    @staticmethod
    def _lock_posts(session: Session) -> None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _POST_LOCK_KEY})

    @staticmethod
    def _apply(session: Session, person: Staff, draft: StaffDraft) -> None:
        """Check the rules that need the database, then copy the draft onto ``person``."""
        role = draft.role.strip()
        township_id = draft.township_id
        village_id: uuid.UUID | None = None
        post: str | None = None
        errors: builtins.list[FieldError] = []
        if role == StaffRole.INFO_OFFICER.value:
            assert draft.village_id is not None and draft.post is not None  # validated
            village = session.get(Village, draft.village_id)
            if village is None:
                errors.append(FieldError("village", "staff.village_unknown"))
            else:
                if township_id is not None and township_id != village.township_id:
                    errors.append(FieldError("village", "staff.township_mismatch"))
                township_id, village_id, post = village.township_id, village.id, draft.post
        if township_id is not None and session.get(Township, township_id) is None:
            errors.append(FieldError("township", "staff.township_unknown"))
        if draft.active and village_id is not None and post is not None:
            stmt = select(Staff.name).where(
                Staff.active.is_(True), Staff.village_id == village_id, Staff.post == post
            )
            if person.id is not None:
                stmt = stmt.where(Staff.id != person.id)
            holder = session.scalars(stmt.limit(1)).first()
            if holder is not None:
                errors.append(FieldError("post", "staff.post_taken", holder))
        if errors:
            raise StaffRejected(errors)
        person.name = draft.name.strip()
        person.unit = draft.unit.strip() or None
        person.phone = draft.phone.strip() or None
        person.role = role
        person.township_id = township_id
        person.village_id = village_id
        person.post = post
        person.active = draft.active

    def _row(self, staff_id: uuid.UUID) -> StaffRow:
        row = self.get(staff_id)
        assert row is not None
        return row

    def _stale(self, staff_id: uuid.UUID) -> StaleStaff:
        return StaleStaff(self.get(staff_id), self.last_change(staff_id))

    @staticmethod
    def _rows(
        s: Session, staff_id: uuid.UUID | None, include_inactive: bool
    ) -> builtins.list[StaffRow]:
        stmt = (
            select(Staff, Township.name, Village.name)
            .outerjoin(Township, Township.id == Staff.township_id)
            .outerjoin(Village, Village.id == Staff.village_id)
            .order_by(Staff.name, Staff.id)
        )
        if staff_id is not None:
            stmt = stmt.where(Staff.id == staff_id)
        if not include_inactive:
            stmt = stmt.where(Staff.active.is_(True))
        return [
            StaffRow(
                id=st.id,
                name=st.name,
                unit=st.unit,
                phone=st.phone,
                role=st.role,
                township=tname,
                village=vname,
                post=st.post,
                active=st.active,
                version=st.version,
                township_id=st.township_id,
                village_id=st.village_id,
            )
            for st, tname, vname in s.execute(stmt)
        ]
