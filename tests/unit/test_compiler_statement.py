"""The one-statement read path never puts client text into Cypher.

Planning needs no database: these tests plan queries with hostile aliases and argument values
and inspect the statement and its parameters (the statements themselves run against Neo4j in
tests/integration/test_compiled_reads.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from kgapi.config import Settings
from kgapi.graphql.compiler import CompiledReads
from kgapi.graphql.cost import SCAN
from kgapi.graphql.schema import build_schema

HOSTILE = "x}) DETACH DELETE n //"


@pytest.fixture(scope="module")
def reads() -> CompiledReads:
    schema: Any = build_schema(Settings())
    assert isinstance(schema.reads, CompiledReads)
    return schema.reads


def test_aliases_and_values_stay_out_of_the_statement(reads: CompiledReads) -> None:
    query = """query($slug: String!, $text: String!) {
      matchDetachDelete: entity(slug: $slug) { returnAll: slug
        callDbms: relations(type: PARTY_TO, first: 3) { edges { node { claimId } } } }
      s: search(text: $text) { score }
      e: entities(where: { name: { contains: $text } }) { totalCount }
    }"""
    plan = reads.cached_plan(query, None, {"slug": HOSTILE, "text": HOSTILE})
    assert plan is not None and plan.statement is not None
    for text in ("matchDetachDelete", "returnAll", "callDbms", "DETACH", HOSTILE):
        assert text not in plan.statement
    assert HOSTILE in plan.params.values()  # the value travels as a parameter
    assert "PARTY_TO" in plan.params.values()  # a predicate argument is a parameter too


def test_plans_are_reused_for_the_same_request(reads: CompiledReads) -> None:
    query = "query($s: String!) { entity(slug: $s) { slug } }"
    first = reads.cached_plan(query, None, {"s": "pakistan"})
    assert first is not None
    assert reads.cached_plan(query, None, {"s": "pakistan"}) is first
    other = reads.cached_plan(query, None, {"s": "kazakhstan"})
    assert other is not None and other is not first
    assert other.statement == first.statement  # one statement text: Neo4j plans it once


def test_two_paths_have_their_own_parameters(reads: CompiledReads) -> None:
    """Each path (and neighbourhood) names its ends in parameters of its own, so two of them
    are one statement (they were declined while they shared `$from` and `$to`)."""
    plan = reads.cached_plan(
        '{ a: shortestPath(from: "a", to: "b") { length } '
        'b: shortestPath(from: "c", to: "d") { length } '
        'm: neighborhood(slug: "e") { nodes { slug } } '
        'n: neighborhood(slug: "f") { nodes { slug } } }',
        None,
        None,
    )
    assert plan is not None and plan.statement is not None
    assert {"a", "b", "c", "d", "e", "f"} <= set(plan.params.values())


def test_what_it_cannot_express_is_declined(reads: CompiledReads) -> None:
    declined = [
        'mutation { retractClaim(input: {id: "x"}) { changed } }',
        "{ __schema { queryType { name } } }",
        '{ entity(slug: "a") { relations(first: 100000) { totalCount } } }',
    ]
    for query in declined:
        assert reads.cached_plan(query, None, None) is None, query


def test_the_audit_trail_is_planned_but_marked(reads: CompiledReads) -> None:
    """`changes` and `history` are read in the one statement; the plan says it reads the audit
    trail, so each request's caller is checked (plans are shared by every caller)."""
    plan = reads.cached_plan("{ changes(first: 1) { totalCount } }", None, None)
    assert plan is not None and plan.audit
    plain = reads.cached_plan('{ entity(slug: "a") { slug } }', None, None)
    assert plain is not None and not plain.audit


def test_an_entity_list_aggregate_is_priced_once_per_list(reads: CompiledReads) -> None:
    """One more pass over the list's matches, whatever the page size (it was first priced per
    row of the page, which put `entities(first: 100) { aggregate }` over the anonymous budget)."""

    def units(query: str) -> float:
        plan = reads.cached_plan(query, None, None)
        assert plan is not None, query
        return plan.cost.units

    for first in (1, 100):
        plain = units(f"{{ entities(first: {first}) {{ totalCount }} }}")
        counted = units(f"{{ entities(first: {first}) {{ totalCount aggregate {{ count }} }} }}")
        assert counted - plain == SCAN  # one pass
