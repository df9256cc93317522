"""Predictable errors: every GraphQL error carries `extensions.code`; unexpected ones are masked.

A client can switch on the code (BAD_USER_INPUT, NOT_FOUND, DATABASE_UNAVAILABLE, ...). Anything
kgapi did not raise on purpose is replaced by "Unexpected error." with INTERNAL_SERVER_ERROR, and
logged in full with the request id so an operator can find it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql.error import GraphQLError, GraphQLSyntaxError
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired, TransientError
from strawberry.extensions import MaskErrors

from kgapi.db import DatabaseUnavailable
from kgapi.observability import GRAPHQL_ERRORS

__all__ = [
    "BadUserInput",
    "DatabaseUnavailableError",
    "ErrorCodes",
    "KgapiError",
    "NotFound",
    "QueryTimeout",
    "database_error",
    "report_errors",
]

logger = logging.getLogger("kgapi.errors")


class KgapiError(GraphQLError):
    """An error kgapi raises on purpose: its message is safe to show, its code is stable."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(KgapiError):
    code = "BAD_USER_INPUT"


class NotFound(KgapiError):
    code = "NOT_FOUND"


class DatabaseUnavailableError(KgapiError):
    code = "DATABASE_UNAVAILABLE"


class QueryTimeout(KgapiError):
    code = "TIMEOUT"


UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
TIMEOUT_MESSAGE = "The query took longer than the server allows; narrow it and try again."
_SUGGESTION = re.compile(r" Did you mean .*\?$")


def _is_timeout(error: BaseException | None) -> bool:
    return isinstance(error, ClientError) and "TransactionTimedOut" in str(error.code)


# Neo4j down, restarting or not serving yet; TransientError is what is left once the driver's
# own retries are spent (e.g. "database not currently available" during a restart).
_UNAVAILABLE = (DatabaseUnavailable, ServiceUnavailable, SessionExpired, TransientError)


def database_error(error: BaseException) -> KgapiError | None:
    """The error a client gets when Neo4j is unavailable or cut a query off (logged and counted
    as ErrorCodes does); None for anything else."""
    if _is_timeout(error):
        logger.warning("query timed out: %s", error)
        GRAPHQL_ERRORS.labels(QueryTimeout.code).inc()
        return QueryTimeout(TIMEOUT_MESSAGE)
    if isinstance(error, _UNAVAILABLE):
        logger.warning("database unavailable: %s", error)
        GRAPHQL_ERRORS.labels(DatabaseUnavailableError.code).inc()
        return DatabaseUnavailableError(UNAVAILABLE_MESSAGE)
    return None


def _is_intended(error: GraphQLError) -> bool:
    return isinstance(error, KgapiError) or isinstance(error.original_error, KgapiError)


def _should_mask(error: GraphQLError) -> bool:
    # Errors without an original error come from parsing and validation: they describe the
    # request, never the server, so they are shown as they are.
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        # A GraphQLError as the cause is graphql-core's own verdict on the request (for
        # example a variable of the wrong type): it describes the input, not the server.
        return False
    return not (_is_intended(error) or isinstance(original, _UNAVAILABLE) or _is_timeout(original))


def report_errors(errors: list[GraphQLError]) -> None:
    """Log a result's errors (strawberry's Schema.process_errors logs each at ERROR with a
    traceback). A refusal is the client's doing: one warning line with its code, no traceback.
    An unexpected error is left to ErrorCodes, which logs it in full with the request id."""
    for error in errors:
        if _should_mask(error):
            continue
        code = (error.extensions or {}).get("code") or (
            "GRAPHQL_PARSE_FAILED"
            if isinstance(error, GraphQLSyntaxError)
            else "GRAPHQL_VALIDATION_FAILED"
        )
        logger.warning("request refused: %s", error.message, extra={"code": code})


class ErrorCodes(MaskErrors):
    """MaskErrors that also gives every error an `extensions.code` and logs what it hides."""

    def __init__(self, field_suggestions: bool = True) -> None:
        super().__init__(should_mask_error=_should_mask, error_message="Unexpected error.")
        self.field_suggestions = field_suggestions

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = None
        context = getattr(self.execution_context, "context", None)
        if context is not None:
            request_id = getattr(context, "request_id", None)
        logger.error(
            "unexpected error in GraphQL execution",
            exc_info=error.original_error,
            extra={"request_id": request_id, "path": error.path},
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            self._assign_code(error)
            if not self.field_suggestions:
                # Suggestions reveal field names to clients that cannot introspect.
                error.message = _SUGGESTION.sub("", error.message)
            GRAPHQL_ERRORS.labels(str((error.extensions or {}).get("code"))).inc()
        return processed

    def _assign_code(self, error: GraphQLError) -> None:
        """Every error leaves with a code a client can switch on."""
        if error.extensions and "code" in error.extensions:
            return
        original = error.original_error
        if _is_timeout(original):
            logger.warning("query timed out: %s", original)
            error.message = TIMEOUT_MESSAGE
            error.extensions = {"code": "TIMEOUT"}
        elif isinstance(original, _UNAVAILABLE):
            logger.warning("database unavailable: %s", original)
            error.message = UNAVAILABLE_MESSAGE
            error.extensions = {"code": DatabaseUnavailableError.code}
        elif isinstance(original, KgapiError) and original.extensions:
            error.extensions = dict(original.extensions)
        elif isinstance(original, GraphQLError):
            error.extensions = {**(original.extensions or {}), "code": "BAD_USER_INPUT"}
        elif isinstance(error, GraphQLSyntaxError):
            error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"}
        else:
            error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
