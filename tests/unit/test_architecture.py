"""The layering and the translations are checked, not hoped for."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_chinese_translation_is_finished() -> None:
    tree = ET.parse(ROOT / "resources" / "i18n" / "xcc_zh_CN.ts")

    def translated(msg: ET.Element) -> bool:
        tr = msg.find("translation")
        if tr is None or tr.get("type") == "unfinished":
            return False
        return bool("".join(tr.itertext()).strip())

    unfinished = [
        msg.findtext("source") for msg in tree.getroot().iter("message") if not translated(msg)
    ]
    assert unfinished == []


def test_source_strings_are_all_in_the_translation_file(tmp_path: Path) -> None:
    """A tr() string added to the code without `make ts` would show in English."""
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "app").rglob("*.py"))
    subprocess.run(
        [str(lupdate), "-silent", "-locations", "none", *sources, "-ts", str(fresh)],
        check=True,
        timeout=120,
    )

    def keys(path: Path) -> set[tuple[str, str]]:
        root = ET.parse(path).getroot()
        return {
            (ctx.findtext("name") or "", msg.findtext("source") or "")
            for ctx in root.iter("context")
            for msg in ctx.iter("message")
        }

    missing = keys(fresh) - keys(ROOT / "resources" / "i18n" / "xcc_zh_CN.ts")
    assert missing == set(), "run 'make ts' and translate the new strings"


# Writes the program makes for itself (set-up) or that sign-in itself needs.
_UNGUARDED_WRITES = {
    "access.py": {"*"},
    "demo.py": {"ensure_reference_data", "load_demo"},
}


def test_every_service_write_asks_for_the_right_first() -> None:
    """A public service function that opens a unit of work (itself or through a
    private helper of its module) calls ``require`` first: a role's rights are
    enforced where the write is made, not only in the menus."""
    import ast

    missing: list[str] = []
    for path in sorted(
        [*(ROOT / "app" / "services").glob("*.py"), *(ROOT / "app" / "sync").glob("*.py")]
    ):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        source = {f.name: ast.unparse(f) for f in functions}
        writers = {name for name, text in source.items() if "UnitOfWork(" in text}
        grown = True
        while grown:
            grown = False
            for name, text in source.items():
                if name not in writers and any(
                    f"self.{w}(" in text or f" {w}(" in text or f"({w}(" in text
                    for w in writers
                    if w.startswith("_")
                ):
                    writers.add(name)
                    grown = True
        allowed = _UNGUARDED_WRITES.get(path.name, set())
        for name in sorted(writers):
            if name.startswith("_") or "*" in allowed or name in allowed:
                continue
            if "require(" not in source[name]:
                missing.append(f"{path.name}:{name}")
    assert missing == []
