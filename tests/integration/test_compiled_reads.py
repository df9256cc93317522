"""The one-statement read path answers exactly as the resolvers do, in one round trip.

Every query below runs twice over HTTP against the seed graph: once with KGAPI_COMPILED_READS
on (the default) and once with it off (field-by-field resolvers, the reference). The response
bodies must be identical byte for byte: same data, same key order, same errors. The queries
cover each field the compiled path knows, the README cookbook, and the requests it must decline
(typed fields, directives, histories, bad arguments), whose errors then come from the resolvers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from starlette.testclient import TestClient

from kgapi.app import create_app
from kgapi.auth import new_api_key
from kgapi.config import Settings
from kgapi.db import Database
from kgapi.graphql.arguments import KIND_LISTS
from kgapi.graphql.ids import to_global_id
from kgapi.graphql.pagination import encode_cursor
from kgapi.graphql.sdl import SDL_FILE
from kgapi.model import EntityKind
from kgapi.observability import COMPILED_READS, NEO4J_QUERIES
from kgapi.queries.keys import create_key
from tests.graphql_scalars import CUSTOM_SCALARS
from tests.integration.graphql_helpers import claim_input, entity_input
from tests.integration.test_cookbook import QUERIES as COOKBOOK

COMPILED_ROOTS = [
    "entity",
    "entities",
    "node",
    "document",
    "documents",
    "claim",
    "stats",
    "agreements",
    "corridors",
    "events",
    "people",
    "countries",
    "ministers",
    "search",
    "entitySearch",
    "claims",
    "shortestPath",
    "neighborhood",
]

ENTITY = """
  __typename id slug kind aliases description revision
  name bn: name(lang: "bn") names { __typename lang value }
"""
EVIDENCE = """evidence { __typename sentenceIndex start end quote translation
  document { __typename id slug title titleEn language url published retrieved sha256 listedOnly }
}"""

# (name, query, variables, answered in one statement?)
CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    (
        "entity-everything",
        f"""{{ entity(slug: "pakistan") {{ {ENTITY}
        relations(first: 5) {{ __typename totalCount
          pageInfo {{ __typename hasNextPage hasPreviousPage startCursor endCursor }}
          edges {{ __typename cursor node {{ __typename claimId type status rank
            qualifiers {{ __typename key value json }}
            source {{ slug }} target {{ slug kind name }} {EVIDENCE} }} }} }} }} }}""",
        {},
        True,
    ),
    ("entity-unknown", '{ entity(slug: "no-such-entity") { slug } }', {}, True),
    (
        "relations-out-in-typed",
        """{ entity(slug: "kazakhstan") {
        out: relations(direction: OUT, first: 3) { totalCount edges { node { claimId type } } }
        in: relations(direction: IN, first: 3) { totalCount edges { node { claimId } } }
        typed: relations(type: PARTY_TO, first: 10) { totalCount edges { node { claimId } } }
        only: relations { totalCount } } }""",
        {},
        True,
    ),
    (
        "relations-second-page",
        """query($after: String) { entity(slug: "pakistan") {
        relations(first: 4, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { claimId } } } } }""",
        {"after": None},
        True,
    ),
    (
        "two-levels",
        """query($slug: String!) { entity(slug: $slug) { slug
        relations(direction: OUT, first: 3) { edges { node { claimId type status
          evidence { quote translation start end document { slug text } }
          target { slug kind name relations(direction: OUT, first: 10) { edges { node {
            claimId type status evidence { quote document { slug } } target { slug name }
          } } } } } } } } }""",
        {"slug": "pakistan"},
        True,
    ),
    (
        "fragments-on-entity",
        """query { entity(slug: "karachi") { ...Basic ... on Node { id }
        ... on Entity { kind } } }
        fragment Basic on Entity { slug name }""",
        {},
        True,
    ),
    (
        "entities-filters",
        """{ entities(where: { OR: [{ kindIn: [COUNTRY, CITY] },
          { name: { contains: "association" } }], NOT: { slug: { startsWith: "ka" } } },
        orderBy: { field: NAME, direction: DESC }, first: 7) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { slug name kind } } } }""",
        {},
        True,
    ),
    (
        "entities-some-none",
        """{
        with: entities(where: { some: { type: PARTY_TO, direction: OUT } })
        { totalCount edges { node { slug } } }
        without: entities(where: { none: { direction: IN } }, first: 5) { totalCount } }""",
        {},
        True,
    ),
    (
        "entities-relation-count",
        """{ entities(orderBy: { field: RELATION_COUNT, direction: DESC },
        first: 10) { edges { cursor node { slug } } } }""",
        {},
        True,
    ),
    (
        "kind-lists",
        """{ countries(first: 2) { totalCount edges { node { slug } } }
        agreements { totalCount } events(orderBy: { field: NAME }) { edges { node { name } } }
        corridors { totalCount } commodities { totalCount } associations { totalCount }
        ministers { totalCount edges { node { slug } } } }""",
        {},
        True,
    ),
    (
        "counts-only",
        """query($kinds: [EntityKind!]) {
        c: entities(kind: COUNTRY, first: 0) { totalCount }
        p: entities(kind: PERSON, first: 0) { totalCount }
        f: entities(where: { kindIn: $kinds }, first: 0) { totalCount } }""",
        {"kinds": ["CITY", "REGION"]},
        True,
    ),
    (
        "search-bengali",
        """{ search(text: "কাজাখস্তানের", first: 5) { __typename score
        entity { slug name(lang: "bn") } } }""",
        {},
        True,
    ),
    (
        "search-english-kinds",
        """{ search(text: "leather", kinds: [ASSOCIATION], first: 3) {
        score entity { slug } } }""",
        {},
        True,
    ),
    ("search-nothing-searchable", '{ search(text: "!!! ???") { score } }', {}, True),
    (
        "path",
        """{ shortestPath(from: "kazakhstan-leather-association",
        to: "pakistan-tanners-association") { __typename length nodes { slug kind }
        relations { claimId type status source { slug } target { slug } } } }""",
        {},
        True,
    ),
    ("path-none", '{ shortestPath(from: "pakistan", to: "no-such-entity") { length } }', {}, True),
    (
        "neighborhood",
        """{ neighborhood(slug: "joint-action-plan-2025-2026", hops: 2) {
        __typename nodes { slug } relations { claimId type status source { slug }
        target { slug } evidence { quote } } } }""",
        {},
        True,
    ),
    (
        "neighborhood-types",
        """{ neighborhood(slug: "pakistan", hops: 1, types: [PARTY_TO]) {
        nodes { slug } relations { claimId } } }""",
        {},
        True,
    ),
    (
        "neighborhood-no-types",
        """{ neighborhood(slug: "pakistan", hops: 2, types: []) { nodes { slug }
        relations { claimId } } }""",
        {},
        True,
    ),
    ("typename-root", '{ __typename entity(slug: "pakistan") { slug } }', {}, True),
    # Kind fields (kgapi.model.KIND_FIELDS) under fragments on one kind (issue 12).
    (
        "typed-fields",
        """{ agreements { edges { node { slug ... on Agreement { status
        parties { slug } } } } } }""",
        {},
        True,
    ),
    (
        "kind-fields-of-every-kind",
        """fragment Routed on Corridor { route { __typename slug name } }
        { entities(first: 25, where: { kindIn: [AGREEMENT, ASSOCIATION, CORRIDOR, EVENT,
          MINISTRY, OFFICE, PERSON, CITY] }) { edges { node { __typename slug ...Routed
          ... on Agreement { status parties { id slug } }
          ... on Event { place { slug kind } participants { __typename slug
            ... on Person { name } } }
          ... on Person { offices { slug } }
          ... on Office { holders { slug } heads { slug } }
          ... on Ministry { country { slug names { lang value } } }
          ... on Association { country { slug } } } } } }""",
        {},
        True,
    ),
    (
        "kind-fields-beside-relations",
        """{ corridors(first: 5) { totalCount edges { node { slug
          ... on Corridor { route { slug relations(first: 2) { totalCount } } }
          relations(type: ROUTE_INCLUDES, first: 3) { edges { node { claimId
            qualifiers { key json } target { slug ... on Country { slug } } } } } } } } }""",
        {},
        True,
    ),
    (
        "one-key-two-kinds",
        """{ entities(first: 40) { edges { node { slug
          ... on Ministry { country { slug } } ... on Association { country { name } }
          ... on Agreement { x: status } ... on Event { x: __typename } } } } }""",
        {},
        True,
    ),
    (
        "kind-fields-through-the-graph",
        """{ neighborhood(slug: "pakistan", hops: 1) { nodes { slug ... on Agreement { status } }
          relations { claimId source { ... on Office { heads { slug } } } } }
          o: entities(kind: OFFICE) { edges { node { ... on Office { heads { slug
            country { slug } } } } } }
          search(text: "agreement") { entity { slug ... on Agreement { parties { slug } } } }
          entity(slug: "pakistan") { ... on Country { slug } } }""",
        {},
        True,
    ),
    (
        "typed-kind-list",
        """{ agreements { __typename totalCount edges { __typename cursor node { __typename id
          slug status parties { __typename slug name } } } }
          corridors { edges { node { route { slug } } } }
          ministers { edges { node { slug offices { slug } } } } }""",
        {},
        True,
    ),
    (
        "every-kind-list",
        " ".join(
            f"{name}(first: 2) {{ totalCount edges {{ node {{ __typename slug }} }} }}"
            for name in KIND_LISTS
        ).join("{}"),
        {},
        True,
    ),
    (
        "kind-where",
        """{ signed: agreements(where: { status: { eq: SIGNED } }) { totalCount
            edges { node { slug status } } }
          withPakistan: agreements(where: { parties: { includes: "pakistan" } }) { totalCount }
          }""",
        {},
        True,
    ),
    (
        "kind-where-status-in",
        """{ open: agreements(where: { status: { in: [PLANNED, EXPECTED] } }) { totalCount
          edges { node { slug status } } } }""",
        {},
        True,
    ),
    (
        "kind-where-ends",
        """{ routes: corridors(where: { route: { includesAll: ["pakistan", "kazakhstan"] } }) {
            edges { node { slug route { slug } } } }
          held: events(where: { place: { empty: false }, NOT: { participants: { empty: true } } })
            { edges { node { slug place { slug } } } }
          ministries(where: { OR: [{ country: { includes: "pakistan" } },
            { country: { includesAny: ["kazakhstan"] } }] }) { edges { node { slug } } } }""",
        {},
        True,
    ),
    (
        "claims-in-the-write-api-words",
        """query($claim: ID!) { entity(slug: "pakistan") { __typename
          claims(predicate: PARTY_TO, first: 3) { __typename totalCount
            edges { __typename cursor node { __typename id claimId predicate status revision
              subject { slug } object { slug ... on Agreement { status } } } } }
          all: claimCount out: claimCount(direction: OUT) party: claimCount(predicate: PARTY_TO)
          planned: claimCount(status: PLANNED, direction: IN)
          facts: claims(first: 0) { aggregate { __typename count byStatus { key count status }
            byPredicate { __typename key predicate count } } }
          parties: claims(predicate: PARTY_TO, direction: IN, first: 2) { totalCount
            aggregate { count byStatus { key count } } edges { node { claimId } } }
          old: relations(type: PARTY_TO, first: 1) { edges { node { type source { slug } } } } }
          claim: node(id: $claim) { __typename id ... on Claim { claimId predicate
            subject { slug } } }
          shortestPath(from: "kazakhstan", to: "pakistan") { claims { id predicate } }
          neighborhood(slug: "karachi") { claims { id } } }""",
        {"claim": to_global_id("Claim", "jam-kamal-khan-holds-office-pakistan-commerce-minister")},
        True,
    ),
    # Declined: the resolvers answer (and produce any error).
    (
        "kind-where-bad-status",
        "{ agreements(where: { status: { eq: sined } }) { totalCount } }",
        {},
        False,
    ),
    (
        "history",
        """{ entity(slug: "pakistan") { relations(first: 1) { edges { node {
        history { operation } } } } } }""",
        {},
        False,
    ),
    (
        "directives",
        """query($no: Boolean!, $yes: Boolean!) { entity(slug: "pakistan") { slug
        name @skip(if: $no) kind @include(if: $no) description @include(if: $yes)
        ... on Country @skip(if: $yes) { aliases } ... @include(if: $yes) { revision }
        relations(first: 2) @skip(if: $no) { totalCount }
        both: relations(first: 1) @skip(if: false) @include(if: $yes) { totalCount } }
        stats @include(if: $no) { entities } }""",
        {"no": True, "yes": True},
        True,
    ),
    (
        "directives-other-way",
        """query($no: Boolean!) { entity(slug: "pakistan") { slug
        name @skip(if: $no) kind @include(if: $no) } }""",
        {"no": False},
        True,
    ),
    (
        "stats",
        """{ stats { __typename entities claims documents sentences
          kinds { __typename key kind count } predicates { __typename predicate key count } } }""",
        {},
        True,
    ),
    (
        "documents",
        """{ documents(first: 3) { __typename totalCount pageInfo { hasNextPage endCursor
          hasPreviousPage startCursor } edges { __typename cursor node { __typename id slug
          title titleEn language url published retrieved sha256 listedOnly } } }
          all: documents(first: 10) { edges { node { slug text } } }
          count: documents(first: 0) { totalCount }
          one: document(slug: "pk-kz-economic-ties-2025") { slug title language text }
          none: document(slug: "no-such-document") { slug } }""",
        {},
        True,
    ),
    (
        "documents-second-page",
        """query($after: String) { documents(first: 2, after: $after) {
          pageInfo { hasNextPage hasPreviousPage } edges { cursor node { slug } } } }""",
        {"after": encode_cursor("Document:SLUG:ASC", ["customs-today-newspaper"] * 2)},
        True,
    ),
    (
        "documents-filtered-and-sorted",
        """{ d: documents(where: { mentions: "transit-trade-agreement", languageIn: ["BN"],
            title: { contains: "a" } }, orderBy: { field: TITLE, direction: DESC }, last: 3) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor }
            edges { cursor node { slug title language published } } }
          l: documents(where: { listedOnly: true }, orderBy: { field: PUBLISHED }) {
            totalCount edges { node { slug } } } }""",
        {},
        True,
    ),
    (
        "node",
        """{ e: node(id: "RW50aXR5OnRyYW5zaXQtdHJhZGUtYWdyZWVtZW50") { __typename id
            ... on Entity { slug kind } ... on Agreement { status parties { slug } }
            ... on Document { title } }
          d: node(id: "RG9jdW1lbnQ6cGsta3otZWNvbm9taWMtdGllcy0yMDI1") { id
            ... on Document { slug title } ... on Entity { slug } }
          unknown: node(id: "RW50aXR5Om5vLXN1Y2gtZW50aXR5") { id }
          garbage: node(id: "not-an-id") { id }
          other: node(id: "Q2xhaW06eA") { id } }""",
        {},
        True,
    ),
    (
        "claim",
        """query($id: String!) { claim(id: $id) { __typename claimId type status rank revision
          qualifiers { key json } source { slug } target { slug ... on Country { name } }
          evidence { quote document { slug } } }
          missing: claim(id: "no-such-claim") { claimId } }""",
        {"id": "jam-kamal-khan-holds-office-pakistan-commerce-minister"},
        True,
    ),
    ("first-too-big", "{ entities(first: 100000) { totalCount } }", {}, False),
    ("bad-cursor", '{ entities(after: "not-a-cursor") { totalCount } }', {}, False),
    ("lang-without-names", '{ entity(slug: "pakistan") { name(lang: "fr") } }', {}, True),
    ("bad-lang", '{ entity(slug: "pakistan") { name(lang: "xx-nope") } }', {}, False),
    (
        "bad-type",
        '{ entity(slug: "pakistan") { relations(type: NOPE) { totalCount } } }',
        {},
        False,
    ),
    (
        "bad-claim-count-status",
        '{ entity(slug: "pakistan") { claimCount(status: sined) } }',
        {},
        False,
    ),
    ("bad-variable", "query($n: Int!) { entities(first: $n) { totalCount } }", {"n": "x"}, False),
    ("invalid", "{ entity(slug: 1) { nope } }", {}, False),
    ("path-to-itself", '{ shortestPath(from: "pakistan", to: "pakistan") { length } }', {}, False),
    (
        "entity-search-both-ways",
        """{ a: entitySearch(text: "pakistan", first: 3) { __typename totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { __typename cursor score node { __typename slug ... on Country { id } } } }
          b: entitySearch(text: "kazakh", kinds: [COUNTRY, PERSON], last: 2) { totalCount
            edges { score node { slug kind } } pageInfo { hasPreviousPage } }
          c: search(text: "pakistan", first: 2) { score entity { slug } }
          d: entitySearch(text: "!!") { totalCount edges { cursor } } }""",
        {},
        True,
    ),
    (
        "two-paths-and-two-neighbourhoods",
        """{ p: shortestPath(from: "pakistan", to: "kazakhstan") { length nodes { slug } }
          q: shortestPath(from: "karachi", to: "islamabad", maxHops: 4) { length
            claims { claimId } }
          m: neighborhood(slug: "karachi") { nodes { slug } }
          n: neighborhood(slug: "islamabad", hops: 2, types: [HELD_IN, PARTICIPATED_IN]) {
            nodes { slug } claims { claimId predicate } } }""",
        {},
        True,
    ),
    (
        "two-searches",
        """{ a: search(text: "pakistan") { score entity { slug } }
          b: search(text: "kazakh", first: 3) { score entity { slug } } }""",
        {},
        True,
    ),
]


@pytest.fixture(scope="module")
def clients(neo4j_settings: Settings, seeded: Database) -> Iterator[tuple[TestClient, TestClient]]:
    compiled = neo4j_settings.model_copy(update={"compiled_reads": True})
    resolvers = neo4j_settings.model_copy(update={"compiled_reads": False})
    with TestClient(create_app(compiled)) as fast, TestClient(create_app(resolvers)) as slow:
        yield fast, slow


def _answered(client: TestClient, query: str, variables: dict[str, Any]) -> tuple[str, int, float]:
    """(response body, Cypher statements sent, operations answered in one statement)."""
    trips = NEO4J_QUERIES._value.get()
    one = COMPILED_READS.labels("one_statement")._value.get()
    response = client.post("/graphql", json={"query": query, "variables": variables})
    body = re.sub(r'"requestId":\s*"[0-9a-f]+"', '"requestId":"-"', response.text)
    return (
        body,
        int(NEO4J_QUERIES._value.get() - trips),
        COMPILED_READS.labels("one_statement")._value.get() - one,
    )


@pytest.mark.parametrize(
    ("query", "variables", "one_statement"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_same_answer_both_ways(
    clients: tuple[TestClient, TestClient],
    query: str,
    variables: dict[str, Any],
    one_statement: bool,
) -> None:
    fast, slow = clients
    expected, _, _ = _answered(slow, query, variables)
    body, trips, compiled = _answered(fast, query, variables)
    assert body == expected
    assert compiled == (1 if one_statement else 0)
    if one_statement:
        assert '"errors"' not in body
    if one_statement:
        assert trips <= 1  # zero when nothing needs reading (e.g. nothing searchable)


def test_a_second_page_continues_the_first(clients: tuple[TestClient, TestClient]) -> None:
    """Cursors issued by one path are accepted by the other, in both directions."""
    fast, slow = clients
    query = """query($after: String) { entities(orderBy: { field: NAME }, first: 5,
      after: $after) { pageInfo { endCursor } edges { cursor node { slug } } } }"""
    seen: list[str] = []
    after: str | None = None
    for page in range(4):
        client = fast if page % 2 == 0 else slow
        body = client.post("/graphql", json={"query": query, "variables": {"after": after}})
        connection = body.json()["data"]["entities"]
        seen += [edge["node"]["slug"] for edge in connection["edges"]]
        after = connection["pageInfo"]["endCursor"]
    everything = slow.post(
        "/graphql",
        json={
            "query": "{ entities(orderBy: { field: NAME }, first: 20) { edges { node { slug } } } }"
        },
    ).json()["data"]["entities"]["edges"]
    assert seen == [edge["node"]["slug"] for edge in everything]


@pytest.mark.parametrize("query", COOKBOOK, ids=[f"recipe-{i + 1}" for i in range(len(COOKBOOK))])
def test_every_cookbook_recipe_answers_alike(
    clients: tuple[TestClient, TestClient], query: str
) -> None:
    fast, slow = clients
    assert _answered(fast, query, {})[0] == _answered(slow, query, {})[0]


def test_a_reader_without_permission_is_refused_as_before(
    neo4j_settings: Settings, seeded: Database
) -> None:
    """Permissions are checked before the one statement is planned: the resolvers refuse."""
    closed = neo4j_settings.model_copy(update={"allow_anonymous_reads": False})
    with TestClient(create_app(closed)) as client:
        before = COMPILED_READS.labels("one_statement")._value.get()
        body = client.post("/graphql", json={"query": '{ entity(slug: "pakistan") { slug } }'})
        assert body.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert COMPILED_READS.labels("one_statement")._value.get() == before


@hyp_settings(
    max_examples=int(os.environ.get("KGAPI_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_generated_queries_answer_alike(
    clients: tuple[TestClient, TestClient], data: st.DataObject
) -> None:
    """Queries generated from the SDL over the root fields the compiled path knows (with
    arbitrary arguments, aliases and selections): both paths give the same body."""
    fast, slow = clients
    query = data.draw(
        from_schema(
            SDL_FILE.read_text("utf-8"), fields=COMPILED_ROOTS, custom_scalars=CUSTOM_SCALARS
        )
    )
    assert _answered(fast, query, {})[0] == _answered(slow, query, {})[0], query


async def test_kind_totals_from_the_count_store_match_the_kind_property(
    clients: tuple[TestClient, TestClient], seeded: Database
) -> None:
    """Unfiltered totals of a kind come from the kind's label (Neo4j's count store), in both
    paths; here they are checked against a count on the `kind` property itself."""
    fast, _ = clients
    aliases = " ".join(
        f"{kind.name.lower()}: entities(kind: {kind.name}, first: 0) {{ totalCount }}"
        for kind in EntityKind
    )
    data = fast.post("/graphql", json={"query": "{ " + aliases + " }"}).json()["data"]
    records = await seeded.read("MATCH (e:Entity) RETURN e.kind AS kind, count(e) AS n")
    by_property = {record["kind"]: record["n"] for record in records}
    for kind in EntityKind:
        assert data[kind.name.lower()]["totalCount"] == by_property.get(kind.value, 0), kind


AUDIT_QUERIES = [
    """{ changes(first: 3) { __typename totalCount pageInfo { hasNextPage endCursor }
      edges { __typename cursor node { __typename id seq at actor operation targetType
        targetId kinds predicates before after } } }
      none: changes(actor: "key:nobody", since: "2020-01-01T00:00:00Z") { totalCount } }""",
    """query($slug: String!) { entity(slug: $slug) { claims(first: 3) { edges { node {
      claimId history { seq operation actor at } } } } } }""",
]


@pytest.mark.parametrize("query", AUDIT_QUERIES, ids=["changes", "history"])
async def test_the_audit_trail_answers_alike_in_one_statement(
    neo4j_settings: Settings, seeded: Database, query: str
) -> None:
    """Where the audit trail is open (KGAPI_AUDIT_TRAIL_PUBLIC), `changes` and `history` are
    read in the one statement too; closed, the permission refuses as before (case `history`)."""
    settings = neo4j_settings.model_copy(update={"audit_trail_public": True})
    compiled = settings.model_copy(update={"compiled_reads": True})
    resolvers = settings.model_copy(update={"compiled_reads": False})
    # One write of this test's own, so that the trail holds an event to compare.
    key_id, token, hashed = new_api_key()
    await create_key(seeded, key_id, "test-audit", "editor", hashed)
    with TestClient(create_app(compiled)) as fast, TestClient(create_app(resolvers)) as slow:
        slug = f"compiled-audit-{key_id}"
        for mutation, variables in (
            (
                "mutation($e: UpsertEntityInput!) { upsertEntity(input: $e) "
                "{ userErrors { message } } }",
                {"e": entity_input(slug)},
            ),
            (
                "mutation($c: AddClaimInput!) { addClaim(input: $c) { userErrors { message } } }",
                {"c": claim_input(slug)},
            ),
        ):
            written = fast.post(
                "/graphql",
                json={"query": mutation, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            ).json()
            assert next(iter(written["data"].values()))["userErrors"] == [], written
        variables = {"slug": slug} if "$slug" in query else {}
        expected, _, _ = _answered(slow, query, variables)
        body, trips, one = _answered(fast, query, variables)
    assert body == expected
    assert one == 1 and trips == 1
    assert '"errors"' not in body
    assert '"seq":' in body  # the seed's own writes are on the trail: events were compared
