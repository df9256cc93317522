"""Who is calling: API keys and JWTs become a Principal with a role.

API keys look like `kgapi_<id>_<secret>`; only SHA-256 of the secret is stored (the secret is
32 random bytes, so a fast hash is enough) and the key is shown once, when created. JWTs are
verified with PyJWT: HS256 with KGAPI_JWT_SECRET or RS256 with KGAPI_JWT_PUBLIC_KEY, `exp`
required, issuer and audience checked when configured, `alg: none` never accepted. Nothing is
held in process memory: keys live in Neo4j, so any worker can authenticate any request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import jwt

from kgapi.config import Settings

__all__ = [
    "ANONYMOUS",
    "KEY_PREFIX",
    "AuthenticationFailed",
    "Principal",
    "Role",
    "hash_secret",
    "new_api_key",
    "parse_api_key",
    "secret_matches",
    "verify_jwt",
]

KEY_PREFIX = "kgapi"
ID_BYTES = 6
SECRET_BYTES = 32
# Compared against when a key id is unknown, so that an unknown id and a known id with a wrong
# secret do the same work (no timing tells a caller which key ids exist).
DUMMY_HASH = hashlib.sha256(b"kgapi: no key has this secret").hexdigest()


class Role(StrEnum):
    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return [Role.READER, Role.EDITOR, Role.ADMIN].index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: `actor` is what the audit trail records (key:<id> or jwt:<sub>)."""

    actor: str
    role: Role

    @property
    def anonymous(self) -> bool:
        return self.actor == ANONYMOUS_ACTOR


ANONYMOUS_ACTOR = "anonymous"
ANONYMOUS = Principal(ANONYMOUS_ACTOR, Role.READER)


class AuthenticationFailed(Exception):
    """The token is missing where required, malformed, expired, wrongly signed or revoked."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """(key id, the full token to show once, the hash to store)."""
    key_id = secrets.token_hex(ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}", hash_secret(secret)


def parse_api_key(token: str) -> tuple[str, str] | None:
    """(key id, secret) if the token has the shape of an API key, else None."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or len(key_id) != ID_BYTES * 2 or not secret:
        return None
    return key_id, secret


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    """Constant time, and the same work when there is no stored hash (unknown key id)."""
    matches = hmac.compare_digest(hash_secret(secret), stored_hash or DUMMY_HASH)
    return matches and stored_hash is not None


def _check_lifetime(claims: dict[str, object], maximum: int) -> None:
    """A token that lives longer than KGAPI_JWT_MAX_LIFETIME is refused: a stolen long-lived
    token cannot be revoked. Measured from `iat` when the token has one, else from now."""
    exp = claims["exp"]
    iat = claims.get("iat")
    start = iat if isinstance(iat, int | float) else time.time()
    if not isinstance(exp, int | float) or exp - start > maximum:
        raise AuthenticationFailed(
            f"the JWT lives longer than this API accepts ({maximum} s, KGAPI_JWT_MAX_LIFETIME)"
        )


def verify_jwt(token: str, settings: Settings) -> Principal:
    """A verified JWT's principal; AuthenticationFailed with the reason otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthenticationFailed("the token is neither an API key nor a JWT") from None
    algorithm = header.get("alg")
    if algorithm == "HS256" and settings.jwt_secret:
        key = settings.jwt_secret
    elif algorithm == "RS256" and settings.jwt_public_key:
        key = settings.jwt_public_key
    else:
        raise AuthenticationFailed(f"JWT algorithm {algorithm!r} is not accepted here")
    options = {"require": ["exp", "sub"]}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            options=options,  # type: ignore[arg-type]
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the JWT has expired") from None
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed(f"the JWT is not valid: {exc}") from None
    _check_lifetime(claims, settings.jwt_max_lifetime)
    try:
        role = Role(str(claims.get(settings.jwt_role_claim, Role.READER.value)))
    except ValueError:
        raise AuthenticationFailed(
            f"the JWT's {settings.jwt_role_claim!r} claim is not one of reader, editor, admin"
        ) from None
    return Principal(f"jwt:{claims['sub']}", role)
