"""What a resolver may use: the database handle, settings and the request id. Nothing else.

A new context per request and no module-level state, so any number of workers behind a load
balancer answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from kgapi.auth import ANONYMOUS, Principal
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.loaders import Loaders

if TYPE_CHECKING:
    from kgapi.graphql.changes import FeedSlots

__all__ = ["Context", "Info"]


@dataclass
class Context:
    db: Database
    settings: Settings
    request_id: str
    principal: Principal = ANONYMOUS
    auth_error: str | None = None  # set when a token was sent but is not acceptable
    database_unavailable: bool = False  # an API key could not be checked
    feeds: FeedSlots | None = None  # the app's cap on open change feeds
    _loaders: Loaders | None = field(default=None, init=False, repr=False)

    @property
    def loaders(self) -> Loaders:
        """Built on first use: a query answered in one statement never needs them."""
        if self._loaders is None:
            self._loaders = Loaders(self.db)
        return self._loaders


Info = StrawberryInfo[Context, None]
