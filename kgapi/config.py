"""Settings from the environment (and an optional .env), with Neo4j's usual variable names.

Neo4j's own tools and drivers read NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE,
so kgapi does too; everything that is kgapi's own is prefixed KGAPI_. Settings are immutable and
read once per process: the API holds no other state, so any number of workers can share them.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ALLOWED_URI_SCHEMES", "Settings", "get_settings"]

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
    # public key); roles reader < editor < admin.
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
    feed_poll_interval: float = Field(default=0.5, gt=0, description="change feed poll (s)")

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
    cors_origins: list[str] = Field(default_factory=list, description="origins allowed by CORS")
    allowed_hosts: list[str] = Field(default_factory=lambda: ["*"], description="Host headers")
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
