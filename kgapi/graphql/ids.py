"""Relay global ids: an opaque, stable id per node (`node(id:)` resolves it)."""

from __future__ import annotations

import base64
import binascii

__all__ = ["from_global_id", "to_global_id"]


def to_global_id(type_name: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, str] | None:
    """(type name, key), or None when the id is not one this API issued."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    type_name, sep, key = raw.partition(":")
    if not sep or not type_name or not key:
        return None
    return type_name, key
