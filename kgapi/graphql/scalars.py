"""The schema's own scalars: BCP 47 language tags, and dates and times with their specs.

Each says what it accepts with `@specifiedBy`, so that a client's codegen can map it to a type
(`scalars: { Date: string }`) knowing its format.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NewType

from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

from kgapi.languages import MAX_LANGUAGE_TAG_LENGTH, canonical_tag

__all__ = ["MAX_LANGUAGE_TAG_LENGTH", "SCALAR_MAP", "LanguageTag", "parse_language_tag"]


def parse_language_tag(value: object) -> str:
    """A well-formed, registered BCP 47 tag in its canonical form (`EN-us` → `en-US`).

    Raises GraphQLError, which graphql-core reports naming the argument or variable, in
    literals as in variables (a ValueError from a literal would be an internal error)."""
    if not isinstance(value, str):
        raise GraphQLError(f"LanguageTag: a language tag is a string, not {type(value).__name__}")
    try:
        return canonical_tag(value)
    except ValueError as exc:
        raise GraphQLError(f"LanguageTag: {exc}") from None


LanguageTag = NewType("LanguageTag", str)


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise GraphQLError(f"a Date is a string (YYYY-MM-DD), not {type(value).__name__}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise GraphQLError(f"{value[:40]!r} is not a date of the form YYYY-MM-DD") from None


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"a DateTime is a string (RFC 3339), not {type(value).__name__}")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise GraphQLError(
            f"{value[:40]!r} is not a date and time such as 2026-02-15T09:30:00Z"
        ) from None


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# The schema's scalar map (StrawberryConfig.scalar_map): LanguageTag, and strawberry's own Date
# and DateTime with the format they follow said in the schema.
SCALAR_MAP: dict[object, ScalarDefinition] = {
    LanguageTag: ScalarDefinition(
        name="LanguageTag",
        description="A BCP 47 language tag (RFC 5646), e.g. `bn`, `en`, `ur-PK`; kgapi answers "
        "tags in their canonical form and refuses ill-formed or unregistered ones.",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc5646",
        serialize=str,
        parse_value=parse_language_tag,
        parse_literal=None,
        origin=LanguageTag,
    ),
    dt.date: ScalarDefinition(
        name="Date",
        description="A calendar date, `YYYY-MM-DD` (RFC 3339 `full-date`).",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        serialize=_iso,
        parse_value=_parse_date,
        parse_literal=None,
        origin=dt.date,
    ),
    dt.datetime: ScalarDefinition(
        name="DateTime",
        description="A date and time with its offset, e.g. `2026-02-15T09:30:00+00:00` (RFC 3339 "
        "`date-time`); a time given without an offset is read as UTC.",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        serialize=_iso,
        parse_value=_parse_datetime,
        parse_literal=None,
        origin=dt.datetime,
    ),
}
