"""Who is working, and where: one value carried by every write.

The person signed in at a seat is the *operator*. Every write is made on
behalf of the operator of the context it runs in (:func:`acting_as`), so a
write started before an operator switch is still signed by the person who
started it: the UI's task runner copies the context when a task is submitted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from app.domain.access import Action, Role, main_role, may


@dataclass(frozen=True, slots=True)
class Identity:
    """The person at the seat and the seat itself.

    ``user`` is the person's name as records show it (never an operating-system
    account); ``staff_id`` the person in the staff register (None only for the
    program itself: migrations, demo set-up); ``roles`` what they may do;
    ``site`` the origin site of every change (the command center or a field
    vehicle); ``workstation`` the computer within the site.
    """

    user: str
    site: str
    workstation: str = ""
    staff_id: uuid.UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.user.strip():
            raise ValueError("an identity needs a user")
        if not self.site.strip():
            raise ValueError("an identity needs a site")

    def may(self, action: Action) -> bool:
        return may(self.roles, action)

    @property
    def role(self) -> Role | None:
        """The strongest role held: the one a signed record names."""
        return main_role(self.roles)

    @property
    def is_program(self) -> bool:
        """The program itself (set-up, migrations), not a person."""
        return self.staff_id is None

    def as_person(self, user: str, staff_id: uuid.UUID | None, roles: frozenset[Role]) -> Identity:
        """The same seat with another person at it."""
        return replace(self, user=user, staff_id=staff_id, roles=roles)


PROGRAM_USER = "系统"


def program_identity(site: str, workstation: str = "") -> Identity:
    """The program acting for itself (first-start set-up, demo data, migrations):
    every right, no person."""
    return Identity(PROGRAM_USER, site, workstation, None, frozenset({Role.ADMIN}))


_OPERATOR: ContextVar[Identity | None] = ContextVar("xcc_operator", default=None)


def current_operator() -> Identity | None:
    """The operator of the running context, or None when nobody is signed in."""
    return _OPERATOR.get()


def set_operator(identity: Identity | None) -> None:
    """Make ``identity`` the operator of the running context (sign-in, switch)."""
    _OPERATOR.set(identity)


@contextmanager
def acting_as(identity: Identity | None) -> Iterator[Identity | None]:
    """Run a block with ``identity`` as operator, restoring the previous one after."""
    token = _OPERATOR.set(identity)
    try:
        yield identity
    finally:
        _OPERATOR.reset(token)
