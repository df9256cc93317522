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
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import jwt

from kgapi.config import Settings

__all__ = [
    "ANONYMOUS",
    "KEY_PREFIX",
    "MUTATIONS",
    "AuthenticationFailed",
    "KeyScope",
    "Principal",
    "Role",
    "ScopeDenied",
    "hash_secret",
    "new_api_key",
    "parse_api_key",
    "parse_scopes",
    "secret_matches",
    "verify_jwt",
]

KEY_PREFIX = "kgapi"
ID_BYTES = 6
SECRET_BYTES = 32
# Compared against when a key id is unknown, so that an unknown id and a known id with a wrong
# secret do the same work (no timing tells a caller which key ids exist).
DUMMY_HASH = hashlib.sha256(b"kgapi: no key has this secret").hexdigest()


# The mutations a key scope may name (GraphQL field names; a unit test keeps this equal to the
# schema's Mutation type).
MUTATIONS = (
    "upsertEntity",
    "upsertEntities",
    "addClaim",
    "addClaims",
    "retractClaim",
    "restoreClaim",
    "mergeEntities",
    "deleteEntity",
    "addDocument",
    "ingestDocument",
    "proposeCandidates",
    "acceptCandidate",
    "rejectCandidate",
)


class Role(StrEnum):
    """Ordered: each role may do what the ones before it may. A curator is an editor who may
    also change or retract the facts the seed wrote (the curated ones)."""

    READER = "reader"
    EDITOR = "editor"
    CURATOR = "curator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What an API key may write, beyond what its role allows: only these mutations (None:
    every one its role allows) and only slugs starting with one of these prefixes (empty: any).
    """

    mutations: frozenset[str] | None = None
    namespaces: tuple[str, ...] = ()

    @classmethod
    def of(cls, mutations: list[str] | None, namespaces: list[str] | None) -> KeyScope:
        """From the stored lists (a key's `mutations` and `namespaces` properties)."""
        return cls(frozenset(mutations) if mutations is not None else None, tuple(namespaces or ()))

    @property
    def unrestricted(self) -> bool:
        return self.mutations is None and not self.namespaces

    def describe(self) -> str:
        """The scope as `kgapi keys create --scope` spells it."""
        parts = [f"mutation:{m}" for m in sorted(self.mutations or ())]
        parts += [f"namespace:{n}" for n in self.namespaces]
        return " ".join(parts) or "unrestricted"


UNRESTRICTED = KeyScope()
_NAMESPACE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-?$")  # a slug's beginning, e.g. `acme-`


def parse_scopes(values: list[str]) -> KeyScope:
    """`--scope mutation:NAME` and `--scope namespace:PREFIX` options as a KeyScope; ValueError
    naming the bad one. No options: unrestricted."""
    mutations: set[str] = set()
    namespaces: list[str] = []
    for value in values:
        kind, _, arg = value.partition(":")
        if kind == "mutation" and arg in MUTATIONS:
            mutations.add(arg)
        elif kind == "mutation":
            raise ValueError(f"unknown mutation {arg!r} in --scope; one of {', '.join(MUTATIONS)}")
        elif kind == "namespace" and _NAMESPACE.fullmatch(arg):
            namespaces.append(arg)
        elif kind == "namespace":
            raise ValueError(
                f"namespace {arg!r} is not the beginning of a slug (lowercase letters, digits, "
                "hyphens; e.g. acme-)"
            )
        else:
            raise ValueError(
                f"--scope {value!r}: use mutation:NAME (one of {', '.join(MUTATIONS)}) "
                "or namespace:PREFIX"
            )
    return KeyScope(frozenset(mutations) if mutations else None, tuple(namespaces))


class ScopeDenied(Exception):
    """The caller is authenticated and has the role, but its key scope (or the curation rule
    for seeded facts) does not allow this write; the message names the scope or the rule."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: `actor` is what the audit trail records (key:<id> or jwt:<sub>)."""

    actor: str
    role: Role
    scope: KeyScope = UNRESTRICTED

    @property
    def anonymous(self) -> bool:
        return self.actor == ANONYMOUS_ACTOR

    def check_mutation(self, name: str) -> None:
        """ScopeDenied unless the key's scope lists the mutation `name`."""
        allowed = self.scope.mutations
        if allowed is not None and name not in allowed:
            raise ScopeDenied(
                f"{self.actor} is scoped to {self.scope.describe()}; "
                f"it may not call {name} (scope mutation:{name} is missing)"
            )

    def check_slug(self, slug: str, what: str) -> None:
        """ScopeDenied unless `slug` is in one of the key's namespaces (`what` names the field)."""
        spaces = self.scope.namespaces
        if spaces and not any(slug.startswith(prefix) for prefix in spaces):
            names = ", ".join(f"namespace:{n}" for n in spaces)
            raise ScopeDenied(
                f"{self.actor} may write only slugs in {names}; {what} {slug!r} is outside it"
            )


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
            f"the JWT's {settings.jwt_role_claim!r} claim is not one of "
            + ", ".join(r.value for r in Role)
        ) from None
    return Principal(f"jwt:{claims['sub']}", role)
