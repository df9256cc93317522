"""The schema's closed vocabularies (issue 12 item 2): enums in one casing, every value
described, read from the model; language tags and dates checked by their scalars."""

from __future__ import annotations

import re

import pytest
from graphql import GraphQLEnumType, GraphQLError, GraphQLScalarType

from kgapi import model
from kgapi.config import Settings
from kgapi.graphql.scalars import SCALAR_MAP, LanguageTag, parse_language_tag
from kgapi.graphql.schema import build_schema

SCHEMA = build_schema(Settings())._schema
ENUMS = {
    name: t
    for name, t in SCHEMA.type_map.items()
    if isinstance(t, GraphQLEnumType) and not name.startswith("__")
}


def test_every_enum_and_every_value_is_described_in_one_casing() -> None:
    assert {"ClaimStatus", "ClaimRank", "Predicate", "EntityKind", "ChangeOperation"} <= set(ENUMS)
    for name, enum in ENUMS.items():
        assert enum.description, name
        for value_name, value in enum.values.items():
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*", value_name), (name, value_name)
            assert value.description, f"{name}.{value_name} has no description"


@pytest.mark.parametrize(
    ("graphql_name", "vocabulary"),
    [
        ("ClaimStatus", model.Status),
        ("ClaimRank", model.Rank),
        ("Predicate", model.Predicate),
        ("EntityKind", model.EntityKind),
        ("ChangeOperation", model.WriteOperation),
        ("ChangeTarget", model.TargetType),
    ],
)
def test_each_enum_is_the_models_vocabulary(graphql_name: str, vocabulary: type) -> None:
    assert list(ENUMS[graphql_name].values) == [member.name for member in vocabulary]


def test_no_field_or_argument_named_for_a_vocabulary_is_a_plain_string() -> None:
    """Where a schema field or argument carries status, rank, predicate, kind or operation, its
    type is the enum (the deprecated `key` of the counts excepted)."""
    vocabulary = re.compile(r"^(status|rank|predicate|predicates|kind|kinds|operation|type|types)$")
    strings = []
    for type_name, graphql_type in SCHEMA.type_map.items():
        fields = getattr(graphql_type, "fields", None)
        if type_name.startswith("__") or not fields:
            continue
        for field_name, field in fields.items():
            named = [(field_name, field.type)]
            named += [(arg, a.type) for arg, a in getattr(field, "args", {}).items()]
            for name, of in named:
                while hasattr(of, "of_type"):
                    of = of.of_type
                if vocabulary.match(name) and getattr(of, "name", None) == "String":
                    strings.append(f"{type_name}.{field_name}({name})")
    assert strings == []


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("bn", "bn"), ("EN-us", "en-US"), ("zh-hant-tw", "zh-Hant-TW"), ("ur-PK", "ur-PK")],
)
def test_language_tags_are_answered_in_canonical_form(given: str, canonical: str) -> None:
    assert parse_language_tag(given) == canonical


@pytest.mark.parametrize("given", ["", "xx-nope", "en-", "a" * 200, "e n", 5, None])
def test_what_is_not_a_language_tag_is_a_graphql_error(given: object) -> None:
    with pytest.raises(GraphQLError, match="LanguageTag"):
        parse_language_tag(given)


def test_the_scalars_say_what_they_follow() -> None:
    for name in ("LanguageTag", "Date", "DateTime"):
        scalar = SCHEMA.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        assert scalar.specified_by_url and scalar.specified_by_url.startswith("https://"), name
    assert LanguageTag in SCALAR_MAP
