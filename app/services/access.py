"""Sign-in, roles and the refusal of writes a role may not make.

* People sign in with a password, or at a shared console with a PIN; both are
  kept only as argon2id hashes (RFC 9106, through ``argon2-cffi``). Five wrong
  secrets in a row lock the person's sign-in for five minutes: GB/T 22239-2019
  (等级保护 2.0) §8.1.4.1 asks for login-failure handling that limits attempts.
* Roles (:class:`~app.domain.access.Role`) are granted per person, for every
  seat, by someone who may manage accounts, with a reason; a revocation keeps
  the grant and says who revoked it, when and why.
* :func:`require` is asked by every service before a write: the operator of
  the running context (:func:`~app.domain.identity.current_operator`) must
  hold a role that allows the action, else the refusal is recorded in the
  change log and :class:`NotPermitted` raised. With no operator the program
  itself is writing (first-start set-up, demo data, migrations).
* Sign-ins, failed sign-ins, sign-outs, seat locks and refusals are change-log
  entries of entity ``access`` (the person's id), chained like every other.

Nothing here ever logs, returns or stores a secret in plain text; the one
exception is the first administrator's one-time password, which
:meth:`AccessService.ensure_administrator` returns once to be shown to the
person installing the program, and which must be changed at first sign-in.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import Credential, DutyAssignment, DutyShift, RoleGrant, Staff, SyncSite
from app.data.uow import UnitOfWork
from app.domain.access import Action, Role, format_roles, may
from app.domain.enums import ChangeOp, StaffRole
from app.domain.identity import Identity, current_operator
from app.domain.labels import Family, label
from app.domain.text import fold_key

ACCESS_ENTITY = "access"
MAX_FAILURES = 5  # consecutive wrong secrets before the sign-in locks
LOCKOUT = timedelta(minutes=5)
PASSWORD_MIN = 8
PIN_DIGITS = range(4, 9)  # 4 to 8 digits
ADMIN_NAME = "系统管理员"
# Hashing cost: argon2-cffi's defaults (RFC 9106 "second recommended option"
# lowered to 64 MiB): about a tenth of a second per sign-in on a desktop.
_HASHER = PasswordHasher()


class SignInRefused(Exception):
    """Sign-in refused. ``reason``: ``unknown`` (no such person or no account),
    ``inactive``, ``wrong`` (wrong password or PIN), ``locked`` (too many
    failures; ``until`` says when it opens), ``no_pin``, ``no_role``."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "没有此人员的账号",
        "inactive": "此人员已停用",
        "wrong": "密码或 PIN 不正确",
        "locked": "连续输错次数过多，账号已暂时锁定",
        "no_pin": "此人员尚未设置 PIN，请用密码登录",
        "no_role": "此人员没有任何角色，请系统管理员授予角色",
    }

    def __init__(self, reason: str, until: datetime | None = None, left: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.until = until
        self.left = left  # attempts left before the lock, after a wrong secret

    def message(self) -> str:
        """The refusal in Chinese, for the sign-in form."""
        text = self.MESSAGES.get(self.reason, self.reason)
        if self.reason == "locked" and self.until is not None:
            text += f"（{_china_hm(self.until)} 后可再试）"
        elif self.reason == "wrong" and self.left is not None and self.left > 0:
            text += f"，还可尝试 {self.left} 次"
        return text


class NotPermitted(Exception):
    """The operator's roles do not allow the write (recorded as ``refused``)."""

    def __init__(self, action: Action, operator: Identity) -> None:
        self.action = action
        self.operator = operator
        super().__init__(self.message())

    def message(self) -> str:
        roles = "、".join(label(Family.ACCESS_ROLE, r) for r in sorted(self.operator.roles))
        return (
            f"{self.operator.user}（{roles or '无角色'}）无权{label(Family.ACTION, self.action)}。"
            "如需此权限，请联系系统管理员。"
        )


class SecretRejected(ValueError):
    """A new password or PIN breaks the rules; ``message`` says which, in Chinese."""


@dataclass(frozen=True, slots=True)
class SignInChoice:
    """A person who can sign in, as the sign-in list shows them."""

    staff_id: uuid.UUID
    name: str
    roles: frozenset[Role]
    on_duty: str | None  # "leader" / "officer" when on the shift covering now
    has_pin: bool
    is_demo: bool


@dataclass(frozen=True, slots=True)
class GrantRow:
    id: uuid.UUID
    staff_id: uuid.UUID
    person: str
    role: Role
    reason: str
    granted_by: str
    granted_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None
    revoke_reason: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class FirstAdministrator:
    staff_id: uuid.UUID
    name: str
    password: str  # one-time: shown once, must be changed at first sign-in


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be used (Chinese), or None. Rule (GB/T
    22239-2019 §8.1.4.1 a, complexity): at least 8 characters, of at least two
    kinds among letters, digits and other characters."""
    if len(password) < PASSWORD_MIN:
        return f"密码至少 {PASSWORD_MIN} 位"
    kinds = sum(
        (
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2:
        return "密码须包含字母、数字、符号中的至少两种"
    return None


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` may not be used (Chinese), or None: 4 to 8 digits, not all
    the same digit and not a run like 1234."""
    if not pin.isascii() or not pin.isdigit() or len(pin) not in PIN_DIGITS:
        return "PIN 须为 4 至 8 位数字"
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return "PIN 过于简单（相同或连续的数字）"
    return None


def require(db: Database, action: Action) -> Identity | None:
    """Refuse a write the operator of the running context may not make.

    A person's roles are the ones they signed in with that they still hold: a
    role revoked (or the person made inactive) since takes effect at once.
    Returns the operator (None: the program itself). Raises
    :class:`NotPermitted` after recording the refusal in the change log.
    """
    operator = current_operator()
    if operator is None:
        return operator
    held = operator.roles
    if operator.staff_id is not None and may(held, action):
        # The roles signed in with, less any revoked since (or all of them, for
        # a person who has left): a revocation holds from the next write on.
        held = held & _held_now(db, operator.staff_id)
    if may(held, action):
        return operator
    AccessService(db).record_event(
        operator, ChangeOp.REFUSED, {"action": action.value, "roles": format_roles(held)}
    )
    raise NotPermitted(action, replace(operator, roles=held))


def _held_now(db: Database, staff_id: uuid.UUID) -> frozenset[Role]:
    """The roles ``staff_id`` holds now (none when they are no longer active)."""
    with db.read_session() as s:
        if not s.scalar(select(Staff.active).where(Staff.id == staff_id)):
            return frozenset()
        return AccessService._roles(s, [staff_id]).get(staff_id, frozenset())


def _china_hm(at: datetime) -> str:
    from app.domain.clock import CHINA_TZ

    return at.astimezone(CHINA_TZ).strftime("%H:%M")


class AccessService:
    """Accounts, roles and sign-in, on either backend (a field laptop signs in
    against the people and hashes it carries)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- reads ----------------------------------------------------------------------
    def choices(self, now: datetime) -> list[SignInChoice]:
        """People with an account, those on the shift covering ``now`` first
        (leaders, then officers), then the others by name."""
        with self._db.read_session() as s:
            rows = s.execute(
                select(Staff.id, Staff.name, Staff.is_demo, Credential.pin_hash)
                .join(Credential, Credential.staff_id == Staff.id)
                .where(Staff.active.is_(True))
            ).all()
            roles = self._roles(s, [r.id for r in rows])
            duty: dict[uuid.UUID, str] = {}
            for staff_id, role in s.execute(
                select(DutyAssignment.staff_id, DutyAssignment.role)
                .join(DutyShift, DutyShift.id == DutyAssignment.shift_id)
                .where(DutyShift.starts_at <= now, DutyShift.ends_at > now)
            ):
                if duty.get(staff_id) != StaffRole.LEADER.value:
                    duty[staff_id] = role
        order = {StaffRole.LEADER.value: 0, StaffRole.OFFICER.value: 1}
        out = [
            SignInChoice(
                r.id,
                r.name,
                roles.get(r.id, frozenset()),
                duty.get(r.id),
                bool(r.pin_hash),
                r.is_demo,
            )
            for r in rows
        ]
        out.sort(key=lambda c: (order.get(c.on_duty or "", 2), c.name))
        return out

    def roles_of(self, staff_id: uuid.UUID) -> frozenset[Role]:
        with self._db.read_session() as s:
            return self._roles(s, [staff_id]).get(staff_id, frozenset())

    def grants(self, staff_id: uuid.UUID | None = None) -> list[GrantRow]:
        """Grants (active and revoked), newest first; of one person or of all."""
        with self._db.read_session() as s:
            stmt = select(RoleGrant, Staff.name).join(Staff, Staff.id == RoleGrant.staff_id)
            if staff_id is not None:
                stmt = stmt.where(RoleGrant.staff_id == staff_id)
            rows = s.execute(stmt.order_by(RoleGrant.granted_at.desc())).all()
            return [
                GrantRow(
                    g.id,
                    g.staff_id,
                    name,
                    Role(g.role),
                    g.reason,
                    g.granted_by,
                    g.granted_at,
                    g.revoked_by,
                    g.revoked_at,
                    g.revoke_reason,
                )
                for g, name in rows
                if g.role in Role._value2member_map_
            ]

    def has_account(self, staff_id: uuid.UUID) -> bool:
        with self._db.read_session() as s:
            return (
                s.scalar(select(Credential.id).where(Credential.staff_id == staff_id)) is not None
            )

    def find_person(self, name: str) -> uuid.UUID | None:
        """The active person with an account whose name is ``name`` (width and
        spaces ignored); None if there is none or more than one."""
        wanted = fold_key(name)
        with self._db.read_session() as s:
            rows = s.execute(
                select(Staff.id, Staff.name)
                .join(Credential, Credential.staff_id == Staff.id)
                .where(Staff.active.is_(True))
            ).all()
        found = [r.id for r in rows if fold_key(r.name) == wanted]
        return found[0] if len(found) == 1 else None

    @staticmethod
    def _roles(s: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, frozenset[Role]]:
        out: dict[uuid.UUID, set[Role]] = {}
        if not ids:
            return {}
        for k in range(0, len(ids), 500):
            for staff_id, role in s.execute(
                select(RoleGrant.staff_id, RoleGrant.role).where(
                    RoleGrant.staff_id.in_(ids[k : k + 500]), RoleGrant.revoked_at.is_(None)
                )
            ):
                if role in Role._value2member_map_:
                    out.setdefault(staff_id, set()).add(Role(role))
        return {k: frozenset(v) for k, v in out.items()}

    # -- sign-in --------------------------------------------------------------------
    def sign_in(
        self,
        staff_id: uuid.UUID,
        secret: str,
        *,
        site: str,
        workstation: str,
        pin: bool | None = None,
    ) -> Identity:
        """Check the person's password (or PIN) and return their identity at this
        seat. Records ``sign_in`` or ``denied``. Raises :class:`SignInRefused`.

        ``pin``: True a PIN, False a password, None either (digits are taken as
        the PIN when the person has one, anything else as the password)."""
        now = self._db.clock()
        with self._db.read_session() as s:
            person = s.get(Staff, staff_id)
            cred = s.scalar(select(Credential).where(Credential.staff_id == staff_id))
            roles = self._roles(s, [staff_id]).get(staff_id, frozenset())
        seat = Identity(person.name if person else "?", site, workstation, staff_id, roles)
        if person is None or cred is None:
            raise SignInRefused("unknown")
        if not person.active:
            self.record_event(seat, ChangeOp.DENIED, {"reason": "inactive"})
            raise SignInRefused("inactive")
        if cred.locked_until is not None and cred.locked_until > now:
            self.record_event(seat, ChangeOp.DENIED, {"reason": "locked"})
            raise SignInRefused("locked", until=cred.locked_until)
        if pin is None:
            pin = bool(cred.pin_hash) and secret.isascii() and secret.isdigit()
        stored = cred.pin_hash if pin else cred.password_hash
        if not stored:
            raise SignInRefused("no_pin")
        if not _verify(stored, secret):
            failures = self._note_failure(staff_id, seat, now)
            if failures >= MAX_FAILURES:
                raise SignInRefused("locked", until=now + LOCKOUT)
            raise SignInRefused("wrong", left=MAX_FAILURES - failures)
        if not roles:
            self.record_event(seat, ChangeOp.DENIED, {"reason": "no_role"})
            raise SignInRefused("no_role")
        self._note_success(staff_id, seat, pin=pin, rehash=None if pin else secret)
        return seat

    def must_change_password(self, staff_id: uuid.UUID) -> bool:
        with self._db.read_session() as s:
            cred = s.scalar(select(Credential).where(Credential.staff_id == staff_id))
            return bool(cred and cred.must_change)

    def unlock(self, identity: Identity, secret: str) -> Identity:
        """The person who locked the seat comes back: their PIN (digits, if they
        have one) or password, checked and recorded like a sign-in (``unlock``).
        Returns their identity with the roles they hold now. Raises
        :class:`SignInRefused`."""
        if identity.staff_id is None:
            raise SignInRefused("unknown")
        back = self.sign_in(
            identity.staff_id, secret, site=identity.site, workstation=identity.workstation
        )
        return back

    def sign_out(self, identity: Identity) -> None:
        self.record_event(identity, ChangeOp.SIGN_OUT, {})

    def record_event(self, identity: Identity, op: ChangeOp, detail: dict[str, Any]) -> None:
        """Append an ``access`` entry (sign-in, lock, refusal …) signed by ``identity``."""
        entity = identity.staff_id or uuid.uuid5(uuid.NAMESPACE_OID, identity.user)
        with UnitOfWork(self._db, actor=identity.user, site=identity.site) as uow:
            uow.record_event(ACCESS_ENTITY, entity, op, detail, by=identity)
            uow.commit()

    def _note_failure(self, staff_id: uuid.UUID, seat: Identity, now: datetime) -> int:
        with UnitOfWork(self._db, actor=seat.user, site=seat.site) as uow:
            # Locked against another seat counting the same person's failures.
            cred = uow.session.scalar(
                select(Credential).where(Credential.staff_id == staff_id).with_for_update()
            )
            assert cred is not None
            if cred.locked_until is not None and cred.locked_until <= now:
                # A lock that has run out: the count starts again.
                cred.failed_attempts = 0
                cred.locked_until = None
            cred.failed_attempts = (cred.failed_attempts or 0) + 1
            if cred.failed_attempts >= MAX_FAILURES:
                cred.locked_until = now + LOCKOUT
            failures = cred.failed_attempts
            uow.record_event(
                ACCESS_ENTITY,
                staff_id,
                ChangeOp.DENIED,
                {"reason": "wrong", "failures": failures},
                by=seat,
            )
            uow.commit()
        return failures

    def _note_success(
        self, staff_id: uuid.UUID, seat: Identity, *, pin: bool, rehash: str | None
    ) -> None:
        with UnitOfWork(self._db, actor=seat.user, site=seat.site) as uow:
            cred = uow.session.scalar(select(Credential).where(Credential.staff_id == staff_id))
            assert cred is not None
            if cred.failed_attempts or cred.locked_until is not None:
                cred.failed_attempts = 0
                cred.locked_until = None
            if rehash is not None and _HASHER.check_needs_rehash(cred.password_hash):
                cred.password_hash = _HASHER.hash(rehash)
            uow.record_event(
                ACCESS_ENTITY,
                staff_id,
                ChangeOp.SIGN_IN,
                {"with": "pin" if pin else "password"},
                by=seat,
            )
            uow.commit()

    # -- accounts -------------------------------------------------------------------
    def set_password(
        self, staff_id: uuid.UUID, password: str, *, must_change: bool = False
    ) -> None:
        """Set a person's password: one's own, or anyone's with the right to
        manage accounts. Raises :class:`SecretRejected`, :class:`NotPermitted`."""
        self._own_or_manager(staff_id)
        problem = password_problem(password)
        if problem:
            raise SecretRejected(problem)
        self._store(staff_id, password_hash=_HASHER.hash(password), must_change=must_change)

    def set_pin(self, staff_id: uuid.UUID, pin: str | None) -> None:
        """Set (or with None, remove) a person's PIN for switching at a shared console."""
        self._own_or_manager(staff_id)
        if pin is not None:
            problem = pin_problem(pin)
            if problem:
                raise SecretRejected(problem)
        self._store(staff_id, pin_hash=_HASHER.hash(pin) if pin is not None else None)

    def change_own_password(self, identity: Identity, old: str, new: str) -> None:
        """The signed-in person changes their password (also the forced first change)."""
        if identity.staff_id is None:
            raise SignInRefused("unknown")
        with self._db.read_session() as s:
            cred = s.scalar(select(Credential).where(Credential.staff_id == identity.staff_id))
        if cred is None or not _verify(cred.password_hash, old):
            raise SecretRejected("原密码不正确")
        if old == new:
            raise SecretRejected("新密码不能与原密码相同")
        problem = password_problem(new)
        if problem:
            raise SecretRejected(problem)
        self._store(identity.staff_id, password_hash=_HASHER.hash(new), must_change=False)

    def _own_or_manager(self, staff_id: uuid.UUID) -> None:
        operator = current_operator()
        if operator is not None and operator.staff_id == staff_id:
            return
        require(self._db, Action.MANAGE_ACCOUNTS)

    def _store(self, staff_id: uuid.UUID, **values: Any) -> None:
        operator = current_operator()
        actor = operator.user if operator else "系统"
        site = operator.site if operator else "center"
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            if s.get(Staff, staff_id) is None:
                raise SignInRefused("unknown")
            cred = s.scalar(select(Credential).where(Credential.staff_id == staff_id))
            if cred is None:
                if "password_hash" not in values:
                    raise SecretRejected("请先设置密码")
                cred = Credential(staff_id=staff_id, failed_attempts=0)
                s.add(cred)
            for key, value in values.items():
                setattr(cred, key, value)
            if "password_hash" in values:
                cred.failed_attempts = 0
                cred.locked_until = None
            uow.commit()

    # -- roles ----------------------------------------------------------------------
    def grant(self, staff_id: uuid.UUID, role: Role, reason: str) -> None:
        """Grant ``role`` to a person, with the reason (required). Granting a
        role already held does nothing. Raises :class:`NotPermitted`,
        :class:`SecretRejected` (no reason)."""
        operator = require(self._db, Action.MANAGE_ACCOUNTS)
        self._refuse_at_field_vehicle()
        if not reason.strip():
            raise SecretRejected("请填写授予角色的理由")
        actor = operator.user if operator else "系统"
        with UnitOfWork(self._db, actor=actor, site=operator.site if operator else "center") as uow:
            s = uow.session
            held = s.scalar(
                select(RoleGrant.id).where(
                    RoleGrant.staff_id == staff_id,
                    RoleGrant.role == role.value,
                    RoleGrant.revoked_at.is_(None),
                )
            )
            if held is not None:
                return
            s.add(
                RoleGrant(
                    staff_id=staff_id,
                    role=role.value,
                    reason=reason.strip(),
                    granted_by=actor,
                    granted_by_id=operator.staff_id if operator else None,
                    granted_at=self._db.clock(),
                )
            )
            uow.commit()

    def _refuse_at_field_vehicle(self) -> None:
        """Roles are granted and revoked at the command center only: a field
        vehicle's database (app.sync) would otherwise hand its own grants to
        the center. Raises SecretRejected at a field vehicle."""
        with self._db.read_session() as s:
            kind = s.scalar(select(SyncSite.kind).where(SyncSite.is_self.is_(True)))
        if kind == "field":
            raise SecretRejected(
                "前方指挥车上不能授予或撤销角色：角色只在指挥中心管理，同步后各站点一致"
            )

    def revoke(self, staff_id: uuid.UUID, role: Role, reason: str) -> None:
        """Revoke a held role (the grant is kept, marked revoked with who, when, why).
        An administrator cannot revoke their own administrator role (someone must
        keep it)."""
        operator = require(self._db, Action.MANAGE_ACCOUNTS)
        self._refuse_at_field_vehicle()
        if not reason.strip():
            raise SecretRejected("请填写撤销角色的理由")
        if operator is not None and operator.staff_id == staff_id and role is Role.ADMIN:
            raise SecretRejected("不能撤销自己的系统管理员角色")
        actor = operator.user if operator else "系统"
        with UnitOfWork(self._db, actor=actor, site=operator.site if operator else "center") as uow:
            for grant in uow.session.scalars(
                select(RoleGrant).where(
                    RoleGrant.staff_id == staff_id,
                    RoleGrant.role == role.value,
                    RoleGrant.revoked_at.is_(None),
                )
            ):
                grant.revoked_at = self._db.clock()
                grant.revoked_by = actor
                grant.revoked_by_id = operator.staff_id if operator else None
                grant.revoke_reason = reason.strip()
            uow.commit()

    # -- first start ----------------------------------------------------------------
    def ensure_administrator(self) -> FirstAdministrator | None:
        """If nobody active holds the administrator role with an account, create
        the person 系统管理员 with a one-time password (returned once; to be
        changed at first sign-in). None when an administrator exists."""
        with self._db.read_session() as s:
            exists = s.scalar(
                select(RoleGrant.id)
                .join(Staff, Staff.id == RoleGrant.staff_id)
                .join(Credential, Credential.staff_id == Staff.id)
                .where(
                    RoleGrant.role == Role.ADMIN.value,
                    RoleGrant.revoked_at.is_(None),
                    Staff.active.is_(True),
                )
                .limit(1)
            )
        if exists is not None:
            return None
        password = one_time_password()
        staff_id = uuid.uuid4()
        with UnitOfWork(self._db, actor="系统", site="center") as uow:
            s = uow.session
            s.add(Staff(id=staff_id, name=ADMIN_NAME, role=StaffRole.OTHER.value, is_demo=False))
            s.flush()
            s.add(
                Credential(
                    staff_id=staff_id,
                    password_hash=_HASHER.hash(password),
                    must_change=True,
                    failed_attempts=0,
                )
            )
            s.add(
                RoleGrant(
                    staff_id=staff_id,
                    role=Role.ADMIN.value,
                    reason="首次启动时创建",
                    granted_by="系统",
                    granted_at=self._db.clock(),
                )
            )
            uow.commit()
        return FirstAdministrator(staff_id, ADMIN_NAME, password)


def one_time_password() -> str:
    """12 characters from letters and digits without look-alikes (0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(12))
        if password_problem(pw) is None:
            return pw


def hash_secret(secret: str) -> str:
    """An argon2id hash of ``secret`` (for set-up code such as the demo loader)."""
    return _HASHER.hash(secret)


def _verify(stored: str, secret: str) -> bool:
    try:
        return bool(_HASHER.verify(stored, secret))
    except (VerificationError, InvalidHashError):
        return False
