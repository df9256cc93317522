"""kgapi.model's tables are consistent with each other, with the seed and with the GraphQL types.

The tables are the one place the vocabulary's rules live (the validator and the kind fields read
them), so a mistake in them is a mistake everywhere; these tests catch it where it is made.
"""

from __future__ import annotations

import pytest
import yaml

from kgapi import model
from kgapi.graphql.entity_types import ENTITY_TYPES, Entity
from kgapi.queries.schema import schema_statements
from kgapi.seed import DEFAULT_SEED_DIR
from kgapi.validation import Problem, check_claim_fields, field_path

GRAPH = DEFAULT_SEED_DIR / "graph"
SEED_ENTITIES = yaml.safe_load((GRAPH / "entities.yaml").read_text("utf-8"))["entities"]
SEED_CLAIMS = yaml.safe_load((GRAPH / "claims.yaml").read_text("utf-8"))["claims"]
SEED_KINDS = {e["slug"]: model.EntityKind(e["kind"]) for e in SEED_ENTITIES}


def test_every_predicate_has_one_entry_with_a_domain_and_a_range() -> None:
    assert list(model.PREDICATES) == list(model.Predicate)
    for predicate, spec in model.PREDICATES.items():
        assert spec.predicate is predicate
        assert spec.subjects and spec.objects, predicate
        assert len(set(spec.subjects)) == len(spec.subjects), predicate
        assert len(set(spec.objects)) == len(spec.objects), predicate
        assert spec.description.strip(), predicate


def test_qualifiers_are_declared_once_with_a_type_that_fits_their_options() -> None:
    numeric = {model.QualifierType.INTEGER, model.QualifierType.NUMBER}
    for predicate, spec in model.PREDICATES.items():
        names = [q.name for q in spec.qualifiers]
        assert len(names) == len(set(names)), predicate
        for qualifier in spec.qualifiers:
            assert qualifier.description.strip(), (predicate, qualifier.name)
            assert qualifier.minimum is None or qualifier.type in numeric, qualifier
            assert not qualifier.kinds or qualifier.type is model.QualifierType.ENTITY, qualifier


@pytest.mark.parametrize("claim", SEED_CLAIMS, ids=[c["id"] for c in SEED_CLAIMS])
def test_every_seed_claim_fits_its_predicates_domain_range_and_qualifiers(claim: dict) -> None:  # type: ignore[type-arg]
    spec = model.PREDICATES[model.Predicate(claim["predicate"])]
    assert SEED_KINDS[claim["subject"]] in spec.subjects
    assert SEED_KINDS[claim["object"]] in spec.objects
    for name, value in (claim.get("qualifiers") or {}).items():
        qualifier = spec.qualifier(name)
        assert qualifier is not None, f"{claim['predicate']} does not declare {name!r}"
        if qualifier.type is model.QualifierType.ENTITY:
            assert SEED_KINDS[value] in qualifier.kinds
    # And the validator, reading the same table, agrees.
    assert check_claim_fields(claim, SEED_KINDS, "claims.yaml", claim["id"]) == []


# Declared, but no seed claim uses them; each with the reason it stays in the vocabulary.
UNUSED_BY_THE_SEED = {
    # The seed audit read the article's corridor claims as emphasis (EMPHASIZES, aim: develop);
    # the predicate stays for partners whose documents do report a country developing a route.
    model.Predicate.DEVELOPS,
}


def test_the_seed_uses_every_predicate_but_the_listed_ones() -> None:
    """A predicate no document states is a guess at the vocabulary: each such is listed."""
    used = {model.Predicate(c["predicate"]) for c in SEED_CLAIMS}
    assert used == set(model.Predicate) - UNUSED_BY_THE_SEED


def test_every_kind_field_follows_a_predicate_whose_domain_or_range_holds_the_kind() -> None:
    fields = [f for by_name in model.KIND_FIELDS.values() for f in by_name.values()]
    assert fields
    for field in fields:
        assert model.KIND_FIELDS[field.kind][field.name] is field
        if field.of_status:
            assert field.claims and field.order_by is None
        else:
            assert len(field.claims) == 1, field.name
        for path in field.claims:
            spec = model.PREDICATES[path.predicate]
            own = spec.subjects if path.direction is model.Direction.OUT else spec.objects
            assert field.kind in own, (field.kind, field.name, path)
        if field.order_by is not None:
            qualifier = model.PREDICATES[field.path.predicate].qualifier(field.order_by)
            assert qualifier is not None and qualifier.type is model.QualifierType.INTEGER
            assert qualifier.required, "every claim of an ordered field must say its place"


def test_the_graphql_kind_types_expose_exactly_the_declared_kind_fields() -> None:
    shared = {f.python_name for f in Entity.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    for kind, cls in ENTITY_TYPES.items():
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        own = {
            f.graphql_name or _camel(f.python_name): f
            for f in definition.fields
            if f.python_name not in shared
        }
        assert set(own) == set(model.KIND_FIELDS[kind]), kind
        for name, field in own.items():
            assert field.description == model.KIND_FIELDS[kind][name].description


def test_a_claim_outside_the_table_is_refused_naming_kind_predicate_and_allowed_kinds() -> None:
    kinds = {"islamabad": model.EntityKind.CITY, "pakistan": model.EntityKind.COUNTRY}
    raw = {"subject": "islamabad", "predicate": "HOLDS_OFFICE", "object": "pakistan"}
    problems = check_claim_fields(raw, kinds, "f", "claims[3]")
    assert [p.path for p in problems] == ["claims[3].subject", "claims[3].object"]
    assert "City" in problems[0].message and "HOLDS_OFFICE" in problems[0].message
    assert "allowed subject kinds: Person" in problems[0].message
    assert "allowed object kinds: Office" in problems[1].message


@pytest.mark.parametrize(
    ("predicate", "qualifiers", "field", "words"),
    [
        ("ROUTE_INCLUDES", {}, "qualifiers.position", "needs the qualifier"),
        ("ROUTE_INCLUDES", {"position": 0}, "qualifiers.position", "at least 1"),
        ("ROUTE_INCLUDES", {"position": True}, "qualifiers.position", "an integer"),
        ("ROUTE_INCLUDES", {"position": 2.0}, "qualifiers.position", "an integer"),
        ("ROUTE_INCLUDES", {"position": 1, "via": "x"}, "qualifiers.via", "its qualifiers"),
        ("EXPORTS", {"destination": "atlantis"}, "qualifiers.destination", "unknown entity"),
        (
            "EXPORTS",
            {"destination": "islamabad"},
            "qualifiers.destination",
            "names one of: Country",
        ),
        ("EXPORTS", {"category": ["a"]}, "qualifiers.category", "a non-empty string"),
    ],
)
def test_qualifiers_are_checked_by_name_and_type(
    predicate: str,
    qualifiers: dict,
    field: str,
    words: str,  # type: ignore[type-arg]
) -> None:
    ends = {
        "ROUTE_INCLUDES": ("kazakhstan-uzbekistan-afghanistan-pakistan-corridor", "pakistan"),
        "EXPORTS": ("kazakhstan", "grain"),
    }[predicate]
    raw = {"subject": ends[0], "predicate": predicate, "object": ends[1], "qualifiers": qualifiers}
    kinds = {**SEED_KINDS, "islamabad": model.EntityKind.CITY}
    problems = check_claim_fields(raw, kinds, "f", "input")
    assert [p.field for p in problems] == [field], problems
    assert words in problems[0].message


def test_one_path_format() -> None:
    assert field_path(("evidence", 0, "quote")) == "evidence[0].quote"
    assert field_path(("qualifiers", "position")) == "qualifiers.position"
    assert Problem("f", "claims[3] (id=x)", "object", "m").path == "claims[3].object"


def test_every_kind_label_has_the_indexes_its_sorted_lists_read() -> None:
    """A kind's own list sorted by NAME or RELATION_COUNT reads its kind label's index
    (kgapi.queries.entities); a kind added without them would sort the whole kind again."""
    statements = schema_statements()
    for kind in model.EntityKind:
        for prop in ("sort_name", "claim_count"):
            expected = (
                f"CREATE INDEX {kind.name.lower()}_{prop} IF NOT EXISTS "
                f"FOR (e:{kind.value}) ON (e.{prop}, e.slug)"
            )
            assert expected in statements, expected


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
