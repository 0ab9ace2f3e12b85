"""Who runs a headless command: ``--user NAME`` and a password.

A command that writes (``import roster``, ``demo remove``) is signed by a
person from 人员, never by the operating-system account running it. The
password comes from the environment variable ``XCC_PASSWORD`` (a scheduled
task) or, on a terminal, from a prompt that does not echo it; it is never an
argument (arguments are visible to every user of the machine). The person
must hold a role that allows the command's writes; the services refuse
otherwise, and the refusal is recorded.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable

from app import config
from app.data.engine import Database
from app.domain.identity import Identity, set_operator
from app.services.access import AccessService, SignInRefused

PASSWORD_ENV = "XCC_PASSWORD"
USER_ENV = "XCC_USER"
EXIT_DENIED = 77  # sysexits EX_NOPERM: not signed in, or not allowed

USER_HELP = f"签名人员姓名（人员与AB岗中的账号；也可用环境变量 {USER_ENV}）"


def sign_in(
    db: Database, user: str | None, *, ask: Callable[[str], str] | None = None
) -> Identity | None:
    """Sign ``user`` in at this machine and make them the operator of what
    follows; None (with the reason in Chinese on stderr) when that fails.

    ``ask`` prompts for the password when ``XCC_PASSWORD`` is not set (default:
    :func:`getpass.getpass` on a terminal, nothing otherwise).
    """
    name = (user or os.environ.get(USER_ENV, "")).strip()
    if not name:
        print(f"请用 --user 指明签名人员（或设置环境变量 {USER_ENV}）。", file=sys.stderr)
        return None
    access = AccessService(db)
    staff_id = access.find_person(name)
    if staff_id is None:
        print(f"没有名为「{name}」的账号（或有重名），未执行任何操作。", file=sys.stderr)
        return None
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if ask is None and sys.stdin.isatty():
            ask = getpass.getpass
        if ask is None:
            print(
                f"需要「{name}」的密码：请在终端中运行，或设置环境变量 {PASSWORD_ENV}。",
                file=sys.stderr,
            )
            return None
        password = ask(f"「{name}」的密码：")
    try:
        identity = access.sign_in(
            staff_id, password, site=config.site_name(), workstation=config.workstation_name()
        )
    except SignInRefused as exc:
        print(f"「{name}」登录失败：{exc.message()}", file=sys.stderr)
        return None
    if access.must_change_password(staff_id):
        print(
            f"「{name}」的密码是初始密码：请先在程序中登录并修改初始密码，再用于命令行。",
            file=sys.stderr,
        )
        return None
    set_operator(identity)
    return identity
