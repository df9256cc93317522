"""Turning an Authorization header into a Principal, with keys looked up in Neo4j."""

from __future__ import annotations

from kgapi.auth import (
    ANONYMOUS,
    AuthenticationFailed,
    KeyScope,
    Principal,
    Role,
    parse_api_key,
    secret_matches,
    verify_jwt,
)
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.queries.keys import find_key

__all__ = ["authenticate"]

BEARER = "bearer "


async def authenticate(header: str | None, settings: Settings, db: Database) -> Principal:
    """The caller; ANONYMOUS without a header; AuthenticationFailed for a bad credential."""
    if header is None or not header.strip():
        return ANONYMOUS
    if not header.lower().startswith(BEARER):
        raise AuthenticationFailed("the Authorization header must be `Bearer <token>`")
    token = header[len(BEARER) :].strip()
    parsed = parse_api_key(token)
    if parsed is None:
        return verify_jwt(token, settings)
    key_id, secret = parsed
    row = await find_key(db, key_id)
    # The secret is hashed and compared whether or not the id exists (against a dummy hash).
    if not secret_matches(secret, row.hash if row is not None else None) or row is None:
        raise AuthenticationFailed("unknown API key")
    if row.revoked_at is not None:
        raise AuthenticationFailed("this API key has been revoked")
    return Principal(f"key:{row.id}", Role(row.role), KeyScope.of(row.mutations, row.namespaces))
