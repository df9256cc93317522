"""API keys, stored as hashes in the graph so that every API worker sees the same keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgapi.db import Database

__all__ = ["KeyRow", "create_key", "find_key", "list_keys", "revoke_key"]


@dataclass(frozen=True, slots=True)
class KeyRow:
    id: str
    name: str
    role: str
    hash: str
    created_at: str
    revoked_at: str | None
    mutations: list[str] | None = None  # the key's scope: None = every mutation of its role
    namespaces: list[str] | None = None  # slug prefixes it may write; None or [] = any

    @classmethod
    def from_map(cls, row: dict[str, Any]) -> KeyRow:
        return cls(
            id=row["id"],
            name=row["name"],
            role=row["role"],
            hash=row["hash"],
            created_at=str(row["created_at"]),
            revoked_at=str(row["revoked_at"]) if row.get("revoked_at") else None,
            mutations=list(row["mutations"]) if row.get("mutations") is not None else None,
            namespaces=list(row["namespaces"]) if row.get("namespaces") else None,
        )


_KEY_MAP = (
    "{id: k.id, name: k.name, role: k.role, hash: k.hash, created_at: k.created_at, "
    "revoked_at: k.revoked_at, mutations: k.mutations, namespaces: k.namespaces}"
)


async def create_key(
    db: Database,
    key_id: str,
    name: str,
    role: str,
    hashed: str,
    *,
    mutations: list[str] | None = None,
    namespaces: list[str] | None = None,
) -> None:
    """Store a key; `mutations` and `namespaces` restrict what it may write (None: nothing
    beyond its role). A null property is an absent one, so older keys read as unrestricted."""
    await db.write(
        "CREATE (k:ApiKey {id: $id, name: $name, role: $role, hash: $hash, "
        "created_at: datetime(), mutations: $mutations, namespaces: $namespaces})",
        {
            "id": key_id,
            "name": name,
            "role": role,
            "hash": hashed,
            "mutations": mutations,
            "namespaces": namespaces or None,
        },
    )


async def find_key(db: Database, key_id: str) -> KeyRow | None:
    records = await db.read(
        "MATCH (k:ApiKey {id: $id}) RETURN k " + _KEY_MAP + " AS row", {"id": key_id}
    )
    return KeyRow.from_map(records[0]["row"]) if records else None


async def list_keys(db: Database) -> list[KeyRow]:
    records = await db.read(
        "MATCH (k:ApiKey) RETURN k " + _KEY_MAP + " AS row ORDER BY k.created_at, k.id"
    )
    return [KeyRow.from_map(r["row"]) for r in records]


async def revoke_key(db: Database, key_id: str) -> bool:
    """Mark a key revoked (kept for the audit trail); False if there is no such key."""
    records = await db.write(
        "MATCH (k:ApiKey {id: $id}) SET k.revoked_at = coalesce(k.revoked_at, datetime()) "
        "RETURN k.id AS id",
        {"id": key_id},
    )
    return bool(records)
