"""Change packets: what one site sends another, in memory and as a file.

A packet holds every change the sender's peer has not acknowledged (so a lost
or repeated packet does no harm), the current values of the records they
touch, and an acknowledgment of what the sender holds of the peer's changes.
Over the network the same object goes from one database to the other.

The file (``.xccsync``) is a ZIP archive, written to a temporary name and
renamed, with three members:

- ``manifest.json``: :class:`PacketHeader` fields and, for each other member,
  its size in bytes and SHA-256 (the checksum manifest);
- ``entries.jsonl``: one change-log entry per line, in the sender's seq order;
- ``rows.jsonl``: one record per line, ``{"t": entity type, "id": UUID,
  "row": {column: value} | null}`` (null: the record is gone).

A file that is truncated, altered or not a packet raises
:class:`~app.sync.types.PacketDamaged`; nothing is applied from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.sync.types import PacketDamaged

FORMAT = "xcc-sync/1"
SUFFIX = ".xccsync"
_MEMBERS = ("entries.jsonl", "rows.jsonl")

Progress = Callable[[int, int], None]  # done, total


@dataclass(frozen=True)
class PacketHeader:
    format: str
    schema: str  # the sender's database revision (alembic)
    sender: str  # site code
    sender_name: str
    sender_kind: str
    recipient: str  # site code
    recipient_name: str
    since: int  # the packet holds the sender's changes with seq > since
    last_seq: int  # … up to this one (== since when there are none)
    ack: int  # the sender holds the recipient's changes up to this seq
    created_at: str  # the sender's clock, ISO 8601 UTC
    hlc: int  # the sender's largest hybrid-logical-clock stamp


@dataclass
class Packet:
    header: PacketHeader
    entries: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    # From a file: the manifest as signed and its signature (see :func:`verify`).
    signed: bytes | None = None
    signature: str | None = None


def _canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(signed: bytes, key: str) -> str:
    """HMAC-SHA256 of the manifest under the pair's key (hex)."""
    return hmac.new(bytes.fromhex(key), signed, hashlib.sha256).hexdigest()


def verify(packet: Packet, key: str | None) -> bool:
    """Whether a packet read from a file was signed with ``key``: made by the
    site that holds the pair's key, and not changed since (the manifest holds
    every member's SHA-256, so its signature covers them all)."""
    if key is None or packet.signed is None or packet.signature is None:
        return False
    return hmac.compare_digest(sign(packet.signed, key), packet.signature)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _lines(items: list[dict[str, Any]]) -> bytes:
    return "".join(_ENCODE(item) + "\n" for item in items).encode()


def _parse_lines(blob: bytes) -> list[dict[str, Any]]:
    """JSON lines as one array (a newline never occurs inside a JSON value)."""
    lines = blob.splitlines()
    parsed = json.loads(b"[" + b",".join(line for line in lines if line.strip()) + b"]")
    if not isinstance(parsed, list) or not all(isinstance(x, dict) for x in parsed):
        raise ValueError("not JSON objects")
    return parsed


def write_file(packet: Packet, path: Path, key: str | None = None) -> int:
    """Write ``packet`` to ``path`` (through a temporary file in the same folder,
    renamed at the end: an interrupted write leaves no half packet under the
    name), its manifest signed with ``key`` (the pair's key, hex) when given.
    Returns the file's size in bytes. Raises OSError."""
    blobs = {"entries.jsonl": _lines(packet.entries), "rows.jsonl": _lines(packet.rows)}
    manifest = {
        **asdict(packet.header),
        "files": {
            name: {"bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
            for name, blob in blobs.items()
        },
    }
    if key is not None:
        manifest["signature"] = sign(_canonical(manifest), key)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name, blob in blobs.items():
                z.writestr(name, blob)
            z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.stat().st_size


def _damaged(detail: str) -> PacketDamaged:
    return PacketDamaged(
        f"数据包不完整或已损坏（{detail}），未导入任何内容。请重新拷贝或重新生成数据包。"
    )


def read_header(path: Path) -> PacketHeader:
    """The header of the packet at ``path`` without reading the rest.
    Raises PacketDamaged, OSError."""
    return _header(_manifest(path))


def _manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError, zlib.error) as exc:
        raise _damaged("不是有效的同步数据包") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged("格式不符")
    return manifest


def _header(manifest: dict[str, Any]) -> PacketHeader:
    try:
        return PacketHeader(**{k: manifest[k] for k in PacketHeader.__dataclass_fields__})
    except (KeyError, TypeError) as exc:
        raise _damaged("清单缺项") from exc


def read_file(path: Path) -> Packet:
    """The packet at ``path``, every member checked against the manifest.
    Raises PacketDamaged (truncated, altered, not a packet), OSError."""
    manifest = _manifest(path)
    header = _header(manifest)
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise _damaged("清单缺项")
    parts: dict[str, list[dict[str, Any]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            for name in _MEMBERS:
                blob = z.read(name)
                expected = files.get(name) or {}
                if len(blob) != expected.get("bytes") or hashlib.sha256(
                    blob
                ).hexdigest() != expected.get("sha256"):
                    raise _damaged(f"{name} 校验不符")
                parts[name] = _parse_lines(blob)
    except PacketDamaged:
        raise
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError, zlib.error) as exc:
        raise _damaged("内容无法读取") from exc
    signature = manifest.pop("signature", None)
    return Packet(
        header,
        parts["entries.jsonl"],
        parts["rows.jsonl"],
        signed=_canonical(manifest),
        signature=signature if isinstance(signature, str) else None,
    )
