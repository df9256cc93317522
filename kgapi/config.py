"""Settings from the environment (and an optional .env), with Neo4j's usual variable names.

Neo4j's own tools and drivers read NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE,
so kgapi does too; everything that is kgapi's own is prefixed KGAPI_. Settings are immutable and
read once per process: the API holds no other state, so any number of workers can share them.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["ALLOWED_URI_SCHEMES", "RATE_LIMIT_STORAGE_SCHEMES", "Settings", "get_settings"]

# `limits` storages that support its moving window (memcached does not)
RATE_LIMIT_STORAGE_SCHEMES = (
    "memory",
    "redis",
    "rediss",
    "redis+unix",
    "redis+cluster",
    "redis+sentinel",
    "valkey",
    "valkeys",
)
ALLOWED_URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
DEFAULT_PASSWORD = "kgapi-dev-password"  # noqa: S105 - a local development default, documented
MIN_PASSWORD_LENGTH = 8  # Neo4j refuses shorter passwords by default


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kgapi"


class Settings(BaseSettings):
    """Every knob of kgapi; the names in the environment are the aliases."""

    model_config = SettingsConfigDict(
        env_prefix="KGAPI_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    neo4j_uri: Annotated[
        str | None,
        Field(
            default=None,
            validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri"),
            description="bolt:// or neo4j:// URI; unset means the project's local Neo4j.",
        ),
    ]
    neo4j_username: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USERNAME", "neo4j_username")
    )
    neo4j_password: str = Field(
        default=DEFAULT_PASSWORD,
        validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password"),
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database")
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"
    workers: int = Field(default=1, ge=1, le=64)

    connect_timeout: float = Field(default=5.0, gt=0, description="seconds to reach Neo4j")
    query_timeout: float = Field(default=10.0, gt=0, description="server-side limit per query")
    max_connection_pool_size: int = Field(default=50, ge=1)

    max_page_size: int = Field(default=100, ge=1, description="largest `first` accepted")
    max_depth: int = Field(default=12, ge=1, description="deepest selection accepted")
    max_aliases: int = Field(default=30, ge=1, description="most aliases per operation")
    max_tokens: int = Field(default=2000, ge=1, description="most tokens per operation")
    graphiql: bool = Field(default=True, description="serve GraphiQL at /graphql in browsers")
    compiled_reads: bool = Field(
        default=True, description="answer read queries with one Cypher statement when possible"
    )

    # Authentication: API keys (kgapi keys create) or JWTs (HS256 with a secret, RS256 with a
    # public key); roles reader < editor < curator < admin.
    allow_anonymous_reads: bool = Field(default=True, description="reads without a token")
    jwt_secret: str | None = Field(default=None, description="HS256 key")
    jwt_public_key: str | None = Field(default=None, description="RS256 public key (PEM)")
    jwt_issuer: str | None = Field(default=None, description="required `iss`, if set")
    jwt_audience: str | None = Field(default=None, description="required `aud`, if set")
    jwt_role_claim: str = Field(default="role", description="claim holding the role")
    jwt_max_lifetime: int = Field(
        default=86_400,
        ge=60,
        description="longest a JWT may live, in seconds: exp - iat (or exp - now without iat)",
    )
    audit_trail_public: bool = Field(
        default=False,
        description="let anonymous callers read `changes` and `history` (they name key ids)",
    )
    max_document_bytes: int = Field(default=1_000_000, ge=1, description="largest ingest")
    # upsertEntities and addClaims: a request's items, and how many share a transaction (a
    # batch takes a constant number of statements, and holds its locks until it commits).
    max_bulk_items: int = Field(
        default=1000, ge=1, description="most items in one upsertEntities or addClaims"
    )
    bulk_batch_size: int = Field(
        default=250, ge=1, le=5000, description="items written per transaction by bulk writes"
    )
    feed_poll_interval: float = Field(default=0.5, gt=0, description="change feed poll (s)")

    # The change feed over WebSocket (graphql-transport-ws at /graphql).
    max_subscriptions: int = Field(
        default=200, ge=1, description="change feeds open at once, per process"
    )
    ws_init_timeout: float = Field(
        default=10.0, gt=0, description="seconds a socket may wait before connection_init"
    )
    ws_ping_interval: float = Field(
        default=20.0, ge=0, description="seconds between WebSocket pings (kgapi serve); 0: off"
    )
    ws_ping_timeout: float = Field(
        default=20.0, gt=0, description="seconds to wait for a pong before closing"
    )

    # HTTP hardening and operations.
    max_body_bytes: int = Field(default=2_000_000, ge=1024, description="largest request body")
    max_discard_bytes: int = Field(
        default=32_000_000,
        ge=0,
        description="a body over the limit is read and discarded up to this many bytes, so "
        "the client reads the 413 rather than a connection reset",
    )
    max_list_argument: int = Field(
        default=100, ge=1, description="most items in any list argument or list variable"
    )
    request_read_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds a client has to send a request's headers and body (`kgapi serve`)",
    )
    introspection: bool = Field(default=True, description="allow __schema/__type queries")
    field_suggestions: bool = Field(default=True, description='"Did you mean ...?" hints')
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed by CORS (comma-separated or JSON)"
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"], description="Host headers (comma-separated or JSON)"
    )
    log_format: str = Field(default="json", pattern="^(json|text)$", description="json or text")

    # The read cache (kgapi.read_cache): per process, keyed on the graph revision in Neo4j, so
    # its size is the only thing to tune; off by default because every answer then costs one
    # more (tiny) Neo4j read, which only pays off when clients repeat themselves.
    read_cache: bool = Field(default=False, description="cache answers to GraphQL queries")
    read_cache_max_entries: int = Field(default=1000, ge=1, description="answers kept")
    read_cache_max_bytes: int = Field(
        default=32_000_000, ge=1024, description="bytes of answers kept, in total"
    )
    read_cache_max_entry_bytes: int = Field(
        default=1_000_000, ge=1, description="larger answers are not kept"
    )

    # Work and memory per request (issue 15, kgapi.graphql.cost): a budget of cost units per
    # role (about one unit per row Neo4j reads; `python -m bench.cost_calibration` relates
    # units to Neo4j's time), the largest query text, the largest response (estimated before
    # anything is read), and the parse/validation/plan caches' bounds.
    cost_budget_anonymous: float = Field(default=2000.0, gt=0, description="cost per request")
    cost_budget_reader: float = Field(default=4000.0, gt=0, description="cost per request")
    cost_budget_editor: float = Field(default=8000.0, gt=0, description="cost per request")
    cost_budget_curator: float = Field(default=8000.0, gt=0, description="cost per request")
    cost_budget_admin: float = Field(default=20000.0, gt=0, description="cost per request")
    max_query_bytes: int = Field(default=100_000, ge=100, description="largest query text")
    max_response_bytes: int = Field(
        default=16_000_000, ge=1024, description="largest response, estimated before reading"
    )
    document_cache_max_entries: int = Field(default=512, ge=1, description="documents kept")
    document_cache_max_bytes: int = Field(
        default=32_000_000, ge=1024, description="bytes of parsed documents and plans kept"
    )
    # Rate limits per caller (kgapi.ratelimit): an API key or JWT subject has its own bucket at
    # its role's rate, an anonymous caller (or a bad credential) one per client address. Each
    # rate is `limits` notation, several joined by `;` ("600/minute;30/second": the short window
    # is the burst); an empty rate means no limit for that role. Off by default: buckets live
    # in each process unless the storage is shared (see the README, "Rate limits").
    rate_limit: bool = Field(default=False, description="limit requests per caller")
    rate_limit_anonymous: str = Field(default="120/minute;20/second", description="per address")
    rate_limit_reader: str = Field(default="600/minute;50/second", description="per key/subject")
    rate_limit_editor: str = Field(default="600/minute;50/second", description="per key/subject")
    rate_limit_curator: str = Field(default="600/minute;50/second", description="per key/subject")
    rate_limit_admin: str = Field(default="1200/minute;100/second", description="per key/subject")
    rate_limit_storage: str = Field(
        default="memory://", description="memory:// (per process) or redis://host:port/db"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="proxy addresses/networks whose X-Forwarded-For gives the client address "
        "(comma-separated or JSON)",
    )

    neo4j_bolt_port: int = Field(default=7687, ge=1, le=65535)
    neo4j_home: Path = Path(".neo4j")
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "256m"
    neo4j_start_timeout: float = Field(default=180.0, gt=0)
    cache_dir: Path = Field(default_factory=_default_cache_dir)

    @field_validator("neo4j_uri")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = urlsplit(value).scheme
        if scheme not in ALLOWED_URI_SCHEMES:
            allowed = ", ".join(f"{s}://" for s in ALLOWED_URI_SCHEMES)
            raise ValueError(f"NEO4J_URI {value!r} has scheme {scheme!r}; use one of {allowed}")
        return value

    @field_validator("cors_origins", "allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _comma_or_json_list(cls, value: object) -> object:
        """`http://localhost:5173,http://127.0.0.1:5173` as well as a JSON list: the plain form
        is what people type, and a JSON list is what the earlier releases documented."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise ValueError(f"not a JSON list of strings: {text!r}") from None
            if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
                raise ValueError(f"not a JSON list of strings: {text!r}")
            return parsed
        return [part.strip() for part in text.split(",") if part.strip()]

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            if origin != "*" and (
                parts.scheme not in ("http", "https") or not parts.netloc or parts.path
            ):
                raise ValueError(
                    f"CORS origin {origin!r} is not an origin: give scheme://host[:port] with no "
                    "path or trailing slash, e.g. http://localhost:5173"
                )
        return value

    @field_validator(
        "rate_limit_anonymous",
        "rate_limit_reader",
        "rate_limit_editor",
        "rate_limit_curator",
        "rate_limit_admin",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        if value.strip():
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a rate: use e.g. 120/minute, or 600/minute;30/second"
                ) from None
        return value.strip()

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in RATE_LIMIT_STORAGE_SCHEMES:
            allowed = ", ".join(f"{s}://" for s in RATE_LIMIT_STORAGE_SCHEMES)
            raise ValueError(f"storage {value!r} has scheme {scheme!r}; use one of {allowed}")
        return value

    @property
    def local_uri(self) -> str:
        """Where the project's own Neo4j listens."""
        return f"bolt://127.0.0.1:{self.neo4j_bolt_port}"

    @property
    def effective_uri(self) -> str:
        """NEO4J_URI when set, else the project's local Neo4j."""
        return self.neo4j_uri or self.local_uri

    @property
    def uses_local_neo4j(self) -> bool:
        return self.neo4j_uri is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
