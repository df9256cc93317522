"""The root Query and the schema with its limits.

Limits (depth, aliases, tokens, page size, query size, cost) come from settings; parsing and
validation results are cached per schema (kgapi.graphql.document_cache), which is safe because
they depend only on the query text; the cost (kgapi.graphql.cost) is checked before execution.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from kgapi import model
from kgapi.config import Settings
from kgapi.graphql.arguments import (
    KIND_LISTS,
    MINISTERS,
    EntityListArgs,
    check_range,
    check_search_text,
    document_list_args,
    entity_list_args,
    search_args,
)
from kgapi.graphql.candidate_types import (
    Candidate,
    CandidateConnection,
    CandidateEdge,
    ClaimCandidate,
    EntityCandidate,
    candidate_from_props,
)
from kgapi.graphql.changes import (
    ChangeConnection,
    ChangeEdge,
    ChangeEvent,
    change_from_row,
    follow_changes,
    start_feed,
)
from kgapi.graphql.compiler import CompiledReads, KgapiSchema
from kgapi.graphql.context import Info
from kgapi.graphql.cost import CostLimiter
from kgapi.graphql.document_cache import BoundedCache, DocumentCache
from kgapi.graphql.entity_types import (
    _USE_CLAIMS,
    ENTITY_TYPES,
    Entity,
    Person,
    Relation,
    RelationConnection,
    entity_from_row,
)
from kgapi.graphql.enums import CandidateState, CandidateType, EntityKind, Predicate
from kgapi.graphql.errors import ErrorCodes
from kgapi.graphql.ids import from_global_id
from kgapi.graphql.inputs import (
    KIND_WHERE,
    ClaimOrder,
    ClaimWhere,
    DocumentOrder,
    DocumentWhere,
    EntityWhere,
    OrderArgument,
    claim_list_order,
    to_claim_filter,
)
from kgapi.graphql.limits import RequestGuards, list_size_rule
from kgapi.graphql.mutations import Mutation
from kgapi.graphql.pagination import (
    PageInfo,
    PageRequest,
    check_first,
    decode_cursor,
    directed,
    encode_cursor,
    page_info,
    page_of,
    page_request,
)
from kgapi.graphql.permissions import CanEdit, CanRead, CanReadAuditTrail
from kgapi.graphql.scalars import SCALAR_MAP
from kgapi.graphql.types import (
    Document,
    DocumentConnection,
    DocumentEdge,
    KindCount,
    Node,
    PredicateCount,
)
from kgapi.queries.candidates import candidate_page, candidates_by_id
from kgapi.queries.documents import document_page
from kgapi.queries.entities import EntityFilter, entity_aggregate, entity_page, graph_stats
from kgapi.queries.relations import (
    MAX_NEIGHBORHOOD_HOPS,
    MAX_PATH_HOPS,
    claim_list,
    claims_by_id,
    neighborhood,
    shortest_path,
)
from kgapi.queries.search import search_entities, search_page
from kgapi.queries.writes import change_page

__all__ = ["Query", "build_schema"]


EntityT = TypeVar("EntityT")


@strawberry.type(description="An entity in a connection, with its cursor.")
class Edge(Generic[EntityT]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: EntityT = strawberry.field(description="The entity.")


@strawberry.type(description="Counts over every entity a list matches, not only its page.")
class EntityAggregate:
    count: int = strawberry.field(description="Entities matching, across all pages.")
    by_kind: list[KindCount] = strawberry.field(description="Entities per kind, by kind label.")


@strawberry.type(description="A page of entities (Relay connection) with keyset cursors.")
class Connection(Generic[EntityT]):
    """Named by its node type (`EntityConnection`, `AgreementConnection`, ...): a list of one
    kind is typed by its kind, so a client reads the kind's fields without a fragment."""

    edges: list[Edge[EntityT]] = strawberry.field(description="The entities of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Entities matching, across all pages.")
    listed: strawberry.Private[EntityListArgs | None] = None

    @strawberry.field(
        description="Counts over every entity the list matches (per kind: the facets of a "
        "search page), apart from the page."
    )
    async def aggregate(self, info: Info) -> EntityAggregate:
        assert self.listed is not None  # every entity list sets it
        counts = await entity_aggregate(
            info.context.db, kind=self.listed.kind, where=self.listed.where
        )
        return EntityAggregate(
            count=sum(int(c["count"]) for c in counts),
            by_kind=[
                KindCount(kind=model.EntityKind(c["key"]), count=int(c["count"])) for c in counts
            ],
        )


EntityConnection = Connection[Entity]
PersonWhere = KIND_WHERE[model.EntityKind.PERSON]
EntityEdge = Edge[Entity]


@strawberry.type(description="A search result.")
class SearchHit:
    score: float = strawberry.field(description="Relevance; higher is better.")
    entity: Entity = strawberry.field(description="The entity found.")


@strawberry.type(description="An entity a search found, with its relevance and cursor.")
class EntitySearchEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this hit.")
    score: float = strawberry.field(
        description="Relevance within this search (higher is better; compare it only with the "
        "scores of the same search)."
    )
    node: Entity = strawberry.field(description="The entity found.")


@strawberry.type(
    description="Entities a search finds, best first, ties by slug (Relay connection)."
)
class EntitySearchConnection:
    edges: list[EntitySearchEdge] = strawberry.field(description="The hits of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Entities the search finds, in all.")


@strawberry.type(description="The shortest chain of facts linking two entities.")
class Path:
    nodes: list[Entity] = strawberry.field(description="Entities along the path, in order.")
    claims: list[Relation] = strawberry.field(
        description="The claims behind each hop, in path order, with evidence."
    )
    length: int = strawberry.field(description="Number of hops.")

    @strawberry.field(description="The claims behind each hop.", deprecation_reason=_USE_CLAIMS)
    def relations(self) -> list[Relation]:
        return self.claims


@strawberry.type(description="Entities around one entity and every fact among them.")
class Subgraph:
    nodes: list[Entity] = strawberry.field(description="The entities (the centre first).")
    claims: list[Relation] = strawberry.field(description="Facts among them, with evidence.")

    @strawberry.field(description="Facts among them.", deprecation_reason=_USE_CLAIMS)
    def relations(self) -> list[Relation]:
        return self.claims


@strawberry.type(description="Counts for the whole graph (from Neo4j's count store).")
class Stats:
    entities: int = strawberry.field(description="Entities.")
    claims: int = strawberry.field(description="Claims (facts), including retracted ones.")
    documents: int = strawberry.field(description="Documents, listed sources included.")
    sentences: int = strawberry.field(description="Sentences of stored document texts.")
    kinds: list[KindCount] = strawberry.field(description="Entities per kind, by kind.")
    predicates: list[PredicateCount] = strawberry.field(
        description="Traversal relations per predicate, by predicate."
    )


FirstArgument = Annotated[
    int | None,
    strawberry.argument(
        description="Page size forward, 0 to the limit (10 when neither `first` nor `last` is "
        "given)."
    ),
]
AfterArgument = Annotated[
    str | None, strawberry.argument(description="Cursor of the edge to continue after.")
]
LastArgument = Annotated[
    int | None,
    strawberry.argument(
        description="Page size backward: the last rows before `before` (or of the whole list), "
        "in the list's order. Not with `first`/`after`."
    ),
]
BeforeArgument = Annotated[
    str | None,
    strawberry.argument(description="Cursor of the edge to continue before (backward)."),
]
WhereArgument = Annotated[EntityWhere | None, strawberry.argument(description="Filter.")]


def _page(
    info: Info, first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return page_request(first, after, last, before, info.context.settings.max_page_size)


async def _entities(
    info: Info,
    *,
    kind: model.EntityKind | None,
    where: EntityWhere | None,
    order_by: Any,
    page: PageRequest,
    extra: EntityFilter | None = None,
) -> Connection[Any]:
    args = entity_list_args(kind=kind, where=where, order_by=order_by, page=page, extra=extra)
    found = await entity_page(
        info.context.db,
        kind=args.kind,
        where=args.where,
        sort=args.sort,
        descending=args.descending,
        first=args.first,
        after=args.after_key,
    )
    rows = list(zip(found.rows, found.sort_values, strict=True))
    rows, has_next, has_previous = directed(rows, found.has_next, page)
    edges = [
        EntityEdge(
            cursor=encode_cursor(args.cursor_kind, [value, row.slug]), node=entity_from_row(row)
        )
        for row, value in rows
    ]
    return EntityConnection(
        edges=edges,
        page_info=page_info([e.cursor for e in edges], has_next, has_previous),
        total_count=found.total,
        listed=args,
    )


# Descriptions of the root lists of one kind (kgapi.graphql.arguments.KIND_LISTS).
_KIND_LIST_DESCRIPTIONS: dict[model.EntityKind, str] = {
    model.EntityKind.AGREEMENT: "Agreements, signed or not (see `status`).",
    model.EntityKind.CORRIDOR: "Trade corridors.",
}


def _kind_list(name: str) -> Any:
    """The root list of one kind, typed by it (`agreements: AgreementConnection!`), filtered
    by the kind's own `where` (kgapi.graphql.inputs.KIND_WHERE)."""
    kind = KIND_LISTS[name]
    node_type = ENTITY_TYPES[kind]

    async def resolver(
        info: Info,
        where: Any = None,
        order_by: OrderArgument = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Any:
        page = _page(info, first, after, last, before)
        return await _entities(info, kind=kind, where=where, order_by=order_by, page=page)

    resolver.__annotations__ = {
        "info": Info,
        "where": Annotated[KIND_WHERE[kind] | None, strawberry.argument(description="Filter.")],
        "order_by": OrderArgument,
        "first": FirstArgument,
        "after": AfterArgument,
        "last": LastArgument,
        "before": BeforeArgument,
        "return": Connection[node_type],  # type: ignore[valid-type]
    }
    description = _KIND_LIST_DESCRIPTIONS.get(
        kind,
        f"Every {kind.value} entity (a {node_type.__strawberry_definition__.description}).",  # type: ignore[attr-defined]
    )
    return strawberry.field(
        resolver=resolver, name=name, description=description, permission_classes=[CanRead]
    )


def _with_kind_lists(cls: type) -> type:
    """Add the root list of every kind to the Query class, before strawberry reads it."""
    for name in KIND_LISTS:
        cls.__annotations__[name] = Connection[ENTITY_TYPES[KIND_LISTS[name]]]  # type: ignore[valid-type]
        setattr(cls, name, _kind_list(name))
    return cls


@strawberry.type(description="Read the knowledge graph and the documents behind it.")
@_with_kind_lists
class Query:
    @strawberry.field(
        permission_classes=[CanRead],
        description="Any object by its global id (Relay); null if unknown.",
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        decoded = from_global_id(str(id))
        if decoded is None:
            return None
        type_name, key = decoded
        if type_name == "Document":
            doc = await info.context.loaders.documents.load(key)
            return Document.from_row(doc) if doc is not None else None
        if type_name == "Entity":
            row = await info.context.loaders.entities.load(key)
            return entity_from_row(row) if row is not None else None
        if type_name == "Claim":
            rows = await claims_by_id(info.context.db, [key])
            return Relation.from_row(rows[0]) if rows else None
        return None

    @strawberry.field(
        permission_classes=[CanRead], description="One entity by slug; null if there is none."
    )
    async def entity(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The entity's slug.")],
    ) -> Entity | None:
        row = await info.context.loaders.entities.load(slug)
        return entity_from_row(row) if row is not None else None

    @strawberry.field(
        permission_classes=[CanRead],
        description="Entities of any kind: filter, sort (also by relation count).",
    )
    async def entities(
        self,
        info: Info,
        kind: Annotated[
            EntityKind | None, strawberry.argument(description="Only this kind.")
        ] = None,
        where: WhereArgument = None,
        order_by: OrderArgument = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> EntityConnection:
        return await _entities(
            info,
            kind=model.EntityKind(kind) if kind else None,
            where=where,
            order_by=order_by,
            page=_page(info, first, after, last, before),
        )

    @strawberry.field(
        permission_classes=[CanRead], description="People who hold an office that heads a ministry."
    )
    async def ministers(
        self,
        info: Info,
        where: Annotated[PersonWhere | None, strawberry.argument(description="Filter.")] = None,  # type: ignore[valid-type]
        order_by: OrderArgument = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> Connection[Person]:
        return await _entities(
            info,
            kind=model.EntityKind.PERSON,
            where=where,
            order_by=order_by,
            page=_page(info, first, after, last, before),
            extra=MINISTERS,
        )

    @strawberry.field(
        permission_classes=[CanRead], description="One document by slug; null if there is none."
    )
    async def document(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The document's slug.")],
    ) -> Document | None:
        row = await info.context.loaders.documents.load(slug)
        return Document.from_row(row) if row is not None else None

    @strawberry.field(
        permission_classes=[CanRead],
        description="Documents, filtered and sorted (by slug unless `orderBy` says otherwise), "
        "as a Relay connection.",
    )
    async def documents(
        self,
        info: Info,
        where: Annotated[DocumentWhere | None, strawberry.argument(description="Filter.")] = None,
        order_by: Annotated[
            DocumentOrder | None, strawberry.argument(description="Sort order (default: slug).")
        ] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> DocumentConnection:
        page = _page(info, first, after, last, before)
        args = document_list_args(where=where, order_by=order_by, page=page)
        found = await document_page(
            info.context.db, page.size, args.after_key, args.descending, args.where, args.sort
        )
        rows, has_next, has_previous = directed(
            list(zip(found.rows, found.sort_values, strict=True)), found.has_next, page
        )
        edges = [
            DocumentEdge(
                cursor=encode_cursor(args.cursor_kind, [value, row.slug]),
                node=Document.from_row(row),
            )
            for row, value in rows
        ]
        return DocumentConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next, has_previous),
            total_count=found.total,
        )

    @strawberry.field(
        permission_classes=[CanRead],
        description="Search names, aliases and descriptions in Bengali or English, ranked, as "
        "a connection. The text is plain text: Lucene syntax in it is searched for, not obeyed.",
    )
    async def entity_search(
        self,
        info: Info,
        text: Annotated[str, strawberry.argument(description="What to look for.")],
        kinds: Annotated[
            list[EntityKind] | None, strawberry.argument(description="Only these kinds.")
        ] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> EntitySearchConnection:
        args = search_args(text, kinds, _page(info, first, after, last, before))
        page = args.page
        hits, total = await search_page(
            info.context.db, text, args.kinds, page.size + 1, args.after, page.backward
        )
        ranked, has_next, has_previous = page_of(hits, page)
        edges = [
            EntitySearchEdge(
                cursor=encode_cursor(args.cursor_kind, [hit.score, hit.entity.slug]),
                score=hit.score,
                node=entity_from_row(hit.entity),
            )
            for hit in ranked
        ]
        return EntitySearchConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next, has_previous),
            total_count=total,
        )

    @strawberry.field(
        permission_classes=[CanRead],
        description="Search names, aliases and descriptions, ranked: the first hits as a list.",
        deprecation_reason="Use `entitySearch`: a connection with `totalCount` and cursors.",
    )
    async def search(
        self,
        info: Info,
        text: Annotated[str, strawberry.argument(description="What to look for.")],
        kinds: Annotated[
            list[EntityKind] | None, strawberry.argument(description="Only these kinds.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="Most hits returned.")] = 10,
    ) -> list[SearchHit]:
        check_first(first, info.context.settings.max_page_size)
        check_search_text(text)
        hits = await search_entities(
            info.context.db, text, [model.EntityKind(k) for k in kinds] if kinds else None, first
        )
        return [SearchHit(score=h.score, entity=entity_from_row(h.entity)) for h in hits]

    @strawberry.field(
        permission_classes=[CanRead],
        description="The shortest chain of facts between two entities, or null.",
    )
    async def shortest_path(
        self,
        info: Info,
        from_: Annotated[str, strawberry.argument(name="from", description="Start slug.")],
        to: Annotated[str, strawberry.argument(description="End slug.")],
        max_hops: Annotated[int, strawberry.argument(description="Longest path considered.")] = 6,
    ) -> Path | None:
        check_range(max_hops, 1, MAX_PATH_HOPS, "maxHops")
        found = await shortest_path(info.context.db, from_, to, max_hops)
        if found is None:
            return None
        nodes, relations = found
        return Path(
            nodes=[entity_from_row(n) for n in nodes],
            claims=[Relation.from_row(r) for r in relations],
            length=len(nodes) - 1,
        )

    @strawberry.field(
        permission_classes=[CanRead],
        description="An entity's neighbourhood: entities within `hops` and facts.",
    )
    async def neighborhood(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The centre entity.")],
        hops: Annotated[int, strawberry.argument(description="How far to go.")] = 1,
        types: Annotated[
            list[Predicate] | None, strawberry.argument(description="Only these predicates.")
        ] = None,
    ) -> Subgraph | None:
        check_range(hops, 1, MAX_NEIGHBORHOOD_HOPS, "hops")
        predicates = [model.Predicate(t) for t in types] if types is not None else None
        found = await neighborhood(info.context.db, slug, hops, predicates)
        if found is None:
            return None
        nodes, relations = found
        return Subgraph(
            nodes=[entity_from_row(n) for n in nodes],
            claims=[Relation.from_row(r) for r in relations],
        )

    @strawberry.field(
        permission_classes=[CanRead],
        description="Claims of the whole graph, filtered, by claim id (Relay connection; "
        "`aggregate` counts every match by status and predicate): what is planned, what is "
        "agreed, what is done, and which document says so.",
    )
    async def claims(
        self,
        info: Info,
        where: Annotated[ClaimWhere | None, strawberry.argument(description="Filter.")] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
        order_by: Annotated[
            ClaimOrder | None,
            strawberry.argument(description="Sort order (default: claim id ascending)."),
        ] = None,
    ) -> RelationConnection:
        page = _page(info, first, after, last, before)
        order = claim_list_order(order_by)
        key = decode_cursor(order.kind, page.cursor, page.argument, shape=order.shape)
        found, pairs = await claim_list(
            info.context.db,
            to_claim_filter(where) if where is not None else None,
            page.backward != order.descending,
            key,
            page.size,
            order.sort,
        )
        return RelationConnection.of(found, page, pairs=pairs, order=order)

    @strawberry.field(
        permission_classes=[CanRead],
        description="One claim by id (retracted ones too), with its history.",
    )
    async def claim(
        self,
        info: Info,
        id: Annotated[str, strawberry.argument(description="Claim id.")],
    ) -> Relation | None:
        rows = await claims_by_id(info.context.db, [id])
        return Relation.from_row(rows[0]) if rows else None

    @strawberry.field(
        permission_classes=[CanReadAuditTrail],
        description="The audit trail: every write in commit order (needs a token by default).",
    )
    async def changes(
        self,
        info: Info,
        since: Annotated[
            datetime | None, strawberry.argument(description="Only changes at or after this.")
        ] = None,
        actor: Annotated[str | None, strawberry.argument(description="Only this writer.")] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> ChangeConnection:
        page = _page(info, first, after, last, before)
        key = decode_cursor("Change", page.cursor, page.argument, shape=(int,))
        rows, total = await change_page(
            info.context.db,
            since.isoformat() if since else None,
            actor,
            int(key[0]) if key else None,
            page.size,
            page.backward,
        )
        events, has_next, has_previous = page_of([change_from_row(r) for r in rows], page)
        edges = [ChangeEdge(cursor=encode_cursor("Change", [e.seq]), node=e) for e in events]
        return ChangeConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next, has_previous),
            total_count=total,
        )

    @strawberry.field(
        permission_classes=[CanEdit],
        description="Candidates a machine reading proposed, for review (needs the editor "
        "role): never facts, absent from every fact query until accepted. By document, then "
        "id; filter by document, state and type.",
    )
    async def candidates(
        self,
        info: Info,
        document: Annotated[
            str | None, strawberry.argument(description="Only those read from this document.")
        ] = None,
        state: Annotated[
            CandidateState | None,
            strawberry.argument(description="Only those in this state (e.g. PENDING)."),
        ] = None,
        type: Annotated[
            CandidateType | None, strawberry.argument(description="Only claims, or entities.")
        ] = None,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> CandidateConnection:
        page = _page(info, first, after, last, before)
        key = decode_cursor("Candidate", page.cursor, page.argument, shape=(str, str))
        found = await candidate_page(
            info.context.db,
            document=document,
            state=state.value if state is not None else None,
            type=type.value if type is not None else None,
            after=key,
            limit=page.size,
            descending=page.backward,
        )
        rows, has_next, has_previous = page_of(found.rows, page)
        edges = [
            CandidateEdge(
                cursor=encode_cursor("Candidate", [str(r["document"]), str(r["id"])]),
                node=candidate_from_props(r),
            )
            for r in rows
        ]
        return CandidateConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next, has_previous),
            total_count=found.total,
        )

    @strawberry.field(permission_classes=[CanEdit], description="One candidate by id.")
    async def candidate(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The candidate's id.")],
    ) -> Candidate | None:
        found = await candidates_by_id(info.context.db, [str(id)])
        props = found.get(str(id))
        return candidate_from_props(props) if props is not None else None

    @strawberry.field(
        permission_classes=[CanRead], description="Counts per kind and predicate, and totals."
    )
    async def stats(self, info: Info) -> Stats:
        data = await graph_stats(info.context.db)
        return Stats(
            entities=int(data["entities"]),
            claims=int(data["claims"]),
            documents=int(data["documents"]),
            sentences=int(data["sentences"]),
            kinds=[
                KindCount(kind=model.EntityKind(c["key"]), count=int(c["count"]))
                for c in data["kinds"]
            ],
            predicates=[
                PredicateCount(predicate=model.Predicate(c["key"]), count=int(c["count"]))
                for c in data["predicates"]
            ],
        )


@strawberry.type(description="Live updates, over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        permission_classes=[CanRead],
        description="Change events after commit, in seq order (read from the database, so "
        "every API worker's writes arrive). Resumable: with `afterSeq`, the changes missed "
        "while away come first, from the audit trail, then live ones.",
    )
    async def graph_changed(
        self,
        info: Info,
        kinds: Annotated[
            list[EntityKind] | None,
            strawberry.argument(description="Only changes touching these kinds."),
        ] = None,
        predicates: Annotated[
            list[Predicate] | None, strawberry.argument(description="Only these predicates.")
        ] = None,
        after_seq: Annotated[
            int | None,
            strawberry.argument(
                description="Resume after this seq: the `seq` of the last event you received "
                "(with the same filters). Every committed change with a larger seq is "
                "delivered, the backlog first, then live ones, none missed or repeated. `0` "
                "replays the whole audit trail; omitted, the feed starts at the moment of "
                "subscribing. A seq beyond the latest change is BAD_USER_INPUT."
            ),
        ] = None,
    ) -> AsyncGenerator[ChangeEvent, None]:
        """Checks run here, before the stream exists, so a refusal is the operation's `error`
        message (with its code) rather than an event."""
        start = await start_feed(info, after_seq)
        feeds = info.context.feeds
        slot = feeds.take() if feeds is not None else None
        wanted = [model.EntityKind(k).value for k in kinds] if kinds else None
        wanted_predicates = [model.Predicate(p).value for p in predicates] if predicates else None
        return follow_changes(info, start, wanted, wanted_predicates, slot)


def build_schema(settings: Settings) -> strawberry.Schema:
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        list_size_rule(settings.max_list_argument),
    ]
    documents: BoundedCache[bytes, object] = BoundedCache(
        max_entries=settings.document_cache_max_entries,
        max_bytes=settings.document_cache_max_bytes,
    )
    schema = KgapiSchema(
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Document, *ENTITY_TYPES.values(), ClaimCandidate, EntityCandidate],
        extensions=[
            lambda: ErrorCodes(field_suggestions=settings.field_suggestions),
            *([] if settings.introspection else [DisableIntrospection]),
            # The limit rules are built once: ValidationCache keys on the rule classes, and
            # limiters constructed per request would make a new class (a cache miss) every time.
            lambda: AddValidationRules(limit_rules),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            # One cache per schema, shared by its requests, bounded in entries and bytes.
            lambda: DocumentCache(documents, settings.max_query_bytes),
            RequestGuards,  # after DocumentCache, whose validation verdict it may replace
            lambda: CostLimiter(settings),
        ],
    )
    if settings.compiled_reads:
        schema.reads = CompiledReads(schema, settings, limit_rules)
    return schema
