"""Who is working, and where: one value carried by every write."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identity:
    """The person at the seat and the seat itself.

    ``user`` signs change_log rows and records (``actor``); ``site`` is the
    origin site of every change (the command center or a field vehicle);
    ``workstation`` names the computer within the site.
    """

    user: str
    site: str
    workstation: str = ""

    def __post_init__(self) -> None:
        if not self.user.strip():
            raise ValueError("an identity needs a user")
        if not self.site.strip():
            raise ValueError("an identity needs a site")
