"""Every database problem has a message for people, translated; a bug says it is one."""

from __future__ import annotations

import re

import pytest

from app.data.errors import DatabaseProblem, ProblemKind
from app.ui.messages import problem_text, unexpected_text

CJK = re.compile(r"[\u4e00-\u9fff]")
WHERE = "/srv/xcc/xcc.sqlite3"


@pytest.mark.parametrize("kind", list(ProblemKind))
def test_every_kind_has_a_translated_message(kind: ProblemKind) -> None:
    text = problem_text(DatabaseProblem(kind, "driver text"), WHERE)
    assert WHERE in text and "%1" not in text
    assert CJK.search(text), f"{kind} has no Chinese translation: {text}"
    assert "driver text" not in text  # the driver's words are for the log


def test_constraint_and_login_messages_differ() -> None:
    constraint = problem_text(DatabaseProblem(ProblemKind.CONSTRAINT), WHERE)
    assert constraint != problem_text(DatabaseProblem(ProblemKind.AUTH), WHERE)
    assert "未保存" in constraint


def test_a_bug_says_so_and_where_the_log_is() -> None:
    exc = RuntimeError("boom %2")
    with_log = unexpected_text(exc, log_path="/var/log/xcc/xcc.log")
    assert "程序缺陷" in with_log and "未保存" in with_log
    assert "/var/log/xcc/xcc.log" in with_log
    assert "RuntimeError: boom %2" in with_log  # the error's own "%2" is left alone
    without = unexpected_text(exc)
    assert "程序缺陷" in without and "RuntimeError: boom %2" in without
    assert "%1" not in without and "%2" not in without.replace("boom %2", "")
