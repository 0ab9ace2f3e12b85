"""Adding, editing, retiring and restoring rows of the county's registers (台账).

One service for the four registers described in :mod:`app.domain.registers`
(``shelters``, ``depots``, ``teams``, ``hazards``): the form, the import and
the panels all write through it, so every change is a unit of work with its
change-log row and reaches the map, the lists and every other seat.

- Nothing is ever deleted: a retired row (``retired_at`` set) leaves the map
  and the lists but stays in the history, and incidents, movements and the
  change log keep pointing at it. A shelter with people inside and a team on
  a job are not retired.
- An edit starts from the version the user read; a stale copy is refused with
  :class:`~app.services.resources.StaleCopy` (the record as it is now and who
  changed it, when, from which seat).
- Refusals are :class:`~app.domain.rules.RuleViolation` (the first one; the
  form checks every field first with :meth:`RegisterService.problems`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import (
    HazardSite,
    RescueTeam,
    Shelter,
    ShelterOccupancyMovement,
    SupplyDepot,
    Township,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.clock import china_date
from app.domain.enums import TeamStatus
from app.domain.registers import REGISTERS, RegisterSpec, record_problems
from app.domain.rules import RuleViolation
from app.domain.text import fold_key
from app.services.access import require
from app.services.dto import LastChange
from app.services.resources import ResourceService, StaleCopy, last_change

MODELS: Final[dict[str, type[Any]]] = {
    "shelters": Shelter,
    "depots": SupplyDepot,
    "teams": RescueTeam,
    "hazards": HazardSite,
}
# Values besides the spec's fields that a write may carry.
EXTRA_FIELDS: Final = frozenset({"coord_source"})
REASON_MAX = 256  # RegisterMixin.retired_reason is VARCHAR(256)
# A team in one of these states is at home and may be retired.
_TEAM_AT_HOME: Final = frozenset({TeamStatus.STANDBY.value, TeamStatus.RESTING.value})
# Columns NOT NULL in the model that a register may leave empty.
_ZERO_WHEN_EMPTY: Final[dict[str, tuple[str, ...]]] = {
    "shelters": ("capacity",),
    "teams": ("members", "volunteers"),
}


def spec_of(kind: str) -> RegisterSpec:
    """The register called ``kind``; ValueError for an unknown kind."""
    try:
        return REGISTERS[kind]
    except KeyError:
        raise ValueError(f"unknown register {kind!r}") from None


def _occupancy(session: Session, shelter_id: uuid.UUID) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0)).where(
            ShelterOccupancyMovement.shelter_id == shelter_id
        )
    )
    return int(total or 0)


def _township_ids(session: Session) -> dict[str, uuid.UUID]:
    """Folded township name -> id."""
    rows = session.execute(select(Township.id, Township.name))
    return {fold_key(name): tid for tid, name in rows}


def _refuse(problems: Mapping[str, RuleViolation]) -> None:
    for problem in problems.values():
        raise problem  # the first; the form has checked every field before


class RegisterService:
    """Writes to the registers; every public write asks for the right first."""

    def __init__(self, db: Database, resources: ResourceService | None = None) -> None:
        self._db = db
        self._resources = resources or ResourceService(db)

    # -- reading ------------------------------------------------------------------
    def record(self, kind: str, record_id: uuid.UUID) -> Any | None:
        """The row as the lists show it (its DTO), retired or not; None when there is none."""
        res = self._resources
        ids = [record_id]
        if kind == "shelters":
            rows: list[Any] = list(res.shelters(ids, include_retired=True))
        elif kind == "depots":
            rows = list(res.depots(china_date(self._db.clock()), ids, include_retired=True))
        elif kind == "teams":
            rows = list(res.teams(ids, include_retired=True))
        elif kind == "hazards":
            rows = list(res.hazards(ids, include_retired=True))
        else:
            raise ValueError(f"unknown register {kind!r}")
        return rows[0] if rows else None

    def last_change(self, kind: str, record_id: uuid.UUID) -> LastChange | None:
        """Who last changed the row, when (UTC) and from which seat."""
        return last_change(self._db, spec_of(kind).entity, record_id)

    def problems(
        self, kind: str, values: Mapping[str, Any], record_id: uuid.UUID | None = None
    ) -> dict[str, RuleViolation]:
        """Every rule ``values`` (parsed, by field name) break, by field.

        Codes: ``field.required`` (detail: the field's Chinese name), those of
        :func:`~app.domain.registers.record_problems`, ``field.unknown_township``
        (detail: the name as given; matched to 乡镇 names full-width/case
        folded), ``field.duplicate_code`` (detail: the name of the row in service
        that has the number already; ``record_id`` is the row being edited).
        """
        spec = spec_of(kind)
        with self._db.read_session() as s:
            return self._problems(s, spec, values, record_id)

    def _problems(
        self,
        session: Session,
        spec: RegisterSpec,
        values: Mapping[str, Any],
        record_id: uuid.UUID | None,
    ) -> dict[str, RuleViolation]:
        problems: dict[str, RuleViolation] = {}
        for f in spec.fields:
            if f.required and values.get(f.name) in (None, ""):
                problems[f.name] = RuleViolation("field.required", f.zh)
        for name, problem in record_problems(spec, values).items():
            problems.setdefault(name, problem)
        township = values.get("township")
        if township and fold_key(str(township)) not in _township_ids(session):
            problems.setdefault("township", RuleViolation("field.unknown_township", township))
        code = values.get("code")
        if code:
            owner = self._code_owner(session, spec, str(code), record_id)
            if owner is not None:
                problems.setdefault("code", RuleViolation("field.duplicate_code", owner))
        return problems

    @staticmethod
    def _code_owner(
        session: Session, spec: RegisterSpec, code: str, record_id: uuid.UUID | None
    ) -> str | None:
        """The name of another row in service with this number (case and width folded)."""
        model = MODELS[spec.kind]
        stmt = select(model.id, model.name, model.code).where(
            model.retired_at.is_(None), model.code.is_not(None)
        )
        wanted = fold_key(code)
        for rid, name, other in session.execute(stmt):
            if rid != record_id and fold_key(other) == wanted:
                return str(name)
        return None

    # -- writing ------------------------------------------------------------------
    def create(self, kind: str, values: Mapping[str, Any], *, actor: str, site: str) -> uuid.UUID:
        """Add a row to register ``kind`` from ``values`` (every field of its spec,
        parsed); returns its id. A new team stands by; a new shelter is closed.

        Raises RuleViolation (see :meth:`problems`), NotPermitted (needs 带班领导
        or above: Action.EDIT_RESOURCES).
        """
        require(self._db, Action.EDIT_RESOURCES)
        spec = spec_of(kind)
        self._check_keys(spec, values)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            session = uow.session
            _refuse(self._problems(session, spec, values, None))
            row = MODELS[kind]()
            if kind == "teams":
                row.status = TeamStatus.STANDBY.value
                row.status_since = self._db.clock()
            if kind == "shelters":
                row.is_open = False
            self._assign(session, spec, row, values)
            session.add(row)
            session.flush()
            new_id: uuid.UUID = row.id
            uow.commit()
        return new_id

    def update(
        self,
        kind: str,
        record_id: uuid.UUID,
        version: int,
        values: Mapping[str, Any],
        *,
        actor: str,
        site: str,
        fields: Collection[str] | None = None,
    ) -> None:
        """Set the fields of the row to ``values``, from the copy at ``version``.

        ``fields``: only these (names of the spec's fields, or ``coord_source``)
        are taken from ``values`` and set on top of the row as it is now; the
        others keep what the row holds (what another seat saved meanwhile).
        None: every field. The whole record is checked either way.

        A shelter's capacity may not go below the people inside
        (``shelter.capacity_below_occupancy``, detail: how many) unless it is
        unchanged; the shelter row is locked while that is checked, as
        :class:`~app.services.movements.MovementService` does.
        Raises StaleCopy (someone changed it since), RuleViolation, NotPermitted.
        """
        require(self._db, Action.EDIT_RESOURCES)
        spec = spec_of(kind)
        self._check_keys(spec, values)
        if fields is not None:
            self._check_keys(spec, dict.fromkeys(fields))
            values = {k: v for k, v in values.items() if k in set(fields)}
        model = MODELS[kind]
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                session = uow.session
                session.execute(
                    select(model).where(model.id == record_id).with_for_update()
                ).scalar_one_or_none()
                row = uow.get_current(model, record_id, version)
                if fields is not None:
                    values = {**self._values_of(session, spec, row), **values}
                _refuse(self._problems(session, spec, values, record_id))
                if kind == "shelters":
                    capacity = values.get("capacity") or 0
                    if capacity != row.capacity:
                        inside = _occupancy(session, record_id)
                        if capacity < inside:
                            raise RuleViolation("shelter.capacity_below_occupancy", str(inside))
                self._assign(session, spec, row, values)
                uow.commit()
        except ConflictError as exc:
            raise self._stale(kind, record_id) from exc

    def retire(
        self,
        kind: str,
        record_id: uuid.UUID,
        version: int,
        reason: str,
        *,
        actor: str,
        site: str,
    ) -> None:
        """Take the row out of service (停用), with a reason; it is never deleted.

        Refused: ``register.reason_required``, ``register.already_retired``,
        ``register.shelter_occupied`` (detail: people inside),
        ``register.team_busy`` (detail: the team's status code: not standing by
        or resting). Raises StaleCopy, NotPermitted.
        """
        require(self._db, Action.EDIT_RESOURCES)
        why = (reason or "").strip()
        if not why:
            raise RuleViolation("register.reason_required", "")
        if len(why) > REASON_MAX:
            raise RuleViolation("field.too_long", str(REASON_MAX))
        model = MODELS[spec_of(kind).kind]
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                session = uow.session
                session.execute(
                    select(model).where(model.id == record_id).with_for_update()
                ).scalar_one_or_none()
                row = uow.get_current(model, record_id, version)
                if row.retired_at is not None:
                    raise RuleViolation("register.already_retired", "")
                if kind == "shelters":
                    inside = _occupancy(session, record_id)
                    if inside > 0:
                        raise RuleViolation("register.shelter_occupied", str(inside))
                if kind == "teams" and row.status not in _TEAM_AT_HOME:
                    raise RuleViolation("register.team_busy", row.status)
                row.retired_at = self._db.clock()
                row.retired_reason = why
                uow.commit()
        except ConflictError as exc:
            raise self._stale(kind, record_id) from exc

    def restore(
        self, kind: str, record_id: uuid.UUID, version: int, *, actor: str, site: str
    ) -> None:
        """Bring a retired row back into service (its number must still be free:
        ``field.duplicate_code``). Raises StaleCopy, RuleViolation
        (``register.not_retired``), NotPermitted."""
        require(self._db, Action.EDIT_RESOURCES)
        spec = spec_of(kind)
        model = MODELS[kind]
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                session = uow.session
                row = uow.get_current(model, record_id, version)
                if row.retired_at is None:
                    raise RuleViolation("register.not_retired", "")
                if row.code:
                    owner = self._code_owner(session, spec, row.code, record_id)
                    if owner is not None:
                        raise RuleViolation("field.duplicate_code", owner)
                row.retired_at = None
                row.retired_reason = None
                uow.commit()
        except ConflictError as exc:
            raise self._stale(kind, record_id) from exc

    def set_open(
        self, shelter_id: uuid.UUID, version: int, is_open: bool, *, actor: str, site: str
    ) -> None:
        """Open (启用) or close a shelter; ``opened_at``/``closed_at`` = now (UTC,
        the database's clock). Duty officers do this (Action.RECORD_MOVEMENT).

        Refused: ``register.retired`` (a retired shelter is not opened).
        Raises StaleCopy, NotPermitted.
        """
        require(self._db, Action.RECORD_MOVEMENT)
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                session = uow.session
                session.execute(
                    select(Shelter).where(Shelter.id == shelter_id).with_for_update()
                ).scalar_one_or_none()
                row = uow.get_current(Shelter, shelter_id, version)
                if is_open and row.retired_at is not None:
                    raise RuleViolation("register.retired", "")
                if row.is_open != is_open:
                    row.is_open = is_open
                    if is_open:
                        row.opened_at = self._db.clock()
                    else:
                        row.closed_at = self._db.clock()
                uow.commit()
        except ConflictError as exc:
            raise self._stale("shelters", shelter_id) from exc

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def _check_keys(spec: RegisterSpec, values: Mapping[str, Any]) -> None:
        known = {f.name for f in spec.fields} | EXTRA_FIELDS
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"{spec.kind}: unknown fields {sorted(unknown)}")

    @staticmethod
    def _values_of(session: Session, spec: RegisterSpec, row: Any) -> dict[str, Any]:
        """The spec's fields of ``row`` as it is, by field name (the township by name)."""
        out: dict[str, Any] = {}
        for f in spec.fields:
            if f.name == "township":
                township = session.get(Township, row.township_id) if row.township_id else None
                out[f.name] = township.name if township is not None else None
            else:
                out[f.name] = getattr(row, f.name)
        return out

    def _assign(
        self, session: Session, spec: RegisterSpec, row: Any, values: Mapping[str, Any]
    ) -> None:
        townships = _township_ids(session)
        zero = _ZERO_WHEN_EMPTY.get(spec.kind, ())
        for f in spec.fields:
            value = values.get(f.name)
            if isinstance(value, str):
                value = value.strip() or None
            if f.name == "township":
                row.township_id = townships.get(fold_key(value)) if value else None
                continue
            if value is None and f.name in zero:
                value = 0
            setattr(row, f.name, value)
        if "coord_source" in values:
            row.coord_source = values["coord_source"]

    def _stale(self, kind: str, record_id: uuid.UUID) -> StaleCopy:
        return StaleCopy(
            self.record(kind, record_id),
            self.last_change(kind, record_id),
            entity=spec_of(kind).entity,
        )
