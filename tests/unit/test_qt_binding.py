"""Guards against a Qt binding that corrupts reference counts.

PySide6 6.12.0 on CPython 3.11 releases one reference to None or True too many
on every void Qt call and every signal emit; the program aborts with
``Fatal Python error: none_dealloc`` after some thousands of calls, i.e. within
hours of a 24-hour watch. The pinned binding must keep the counts steady.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QObject, Signal
class Probe(QObject):
    fired = Signal()
o = Probe()
none, true = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(2000):
    o.setObjectName("x")
    o.fired.emit()
print(sys.getrefcount(None) - none, sys.getrefcount(True) - true)
"""


def test_void_calls_and_emits_keep_reference_counts() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-500:]
    none_delta, true_delta = (int(v) for v in result.stdout.split())
    # A few references may come and go with the objects made; thousands may not.
    assert abs(none_delta) < 50 and abs(true_delta) < 50
