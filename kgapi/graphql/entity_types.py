"""Entities, relations and evidence as GraphQL types.

Every entity kind is its own type implementing the `Entity` interface, with the typed fields its
users ask for (Agreement.status and parties, Corridor.route in order, Event.place and
participants, Person.offices). What each such field means — which predicate, which end, distinct
or ordered by which qualifier, its description — is declared in kgapi.model.KIND_FIELDS; here
each is one typed line, `name: Type = kind_field(KIND, "name")`, answered from claims through
batched loaders.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from kgapi import model
from kgapi.current_status import ClaimTime, StatusChoice, choose, history, today
from kgapi.graphql.changes import ChangeEvent, change_from_row
from kgapi.graphql.context import Info
from kgapi.graphql.enums import (
    ClaimDateSource,
    ClaimRank,
    ClaimStatus,
    EntityKind,
    Predicate,
    StatusRule,
    describe_values,
)
from kgapi.graphql.errors import BadUserInput
from kgapi.graphql.ids import to_global_id
from kgapi.graphql.pagination import (
    AfterArgument,
    BeforeArgument,
    FirstArgument,
    PageInfo,
    PageRequest,
    decode_cursor,
    directed,
    encode_cursor,
    page_info,
    page_request,
)
from kgapi.graphql.permissions import CanReadAuditTrail
from kgapi.graphql.scalars import LanguageTag
from kgapi.graphql.types import Document, Node, PredicateCount, StatusCount
from kgapi.queries.entities import EntityRow
from kgapi.queries.relations import (
    ClaimFilter,
    ClaimSort,
    EvidenceRow,
    RelationPage,
    RelationRequest,
    RelationRow,
    aggregate_counts,
    claim_aggregate,
    claim_count,
    claim_list,
)
from kgapi.queries.sentences import SentenceRow

if TYPE_CHECKING:
    from kgapi.graphql.inputs import ClaimWhere
    from kgapi.graphql.sentence_types import MentionConnection, Sentence

ENGLISH = LanguageTag("en")

_USE_PREDICATE = "Use `predicate` (the write API's word)."
_USE_SUBJECT = "Use `subject` (the write API's word)."
_USE_OBJECT = "Use `object` (the write API's word)."
_USE_CLAIMS = "Use `claims` (the write API's word)."


@strawberry.enum(description="Which way a relation points from the entity asked about.")
class Direction(Enum):
    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"


describe_values(
    Direction,
    {
        Direction.OUT: "The entity is the claim's subject.",
        Direction.IN: "The entity is the claim's object.",
        Direction.BOTH: "Either end.",
    },
)


@strawberry.type(description="A name in one language.")
class LocalizedName:
    lang: LanguageTag = strawberry.field(description="The name's language, e.g. `bn`.")
    value: str = strawberry.field(description="The name; Bengali as the text spells it.")


@strawberry.type(description="A qualifier the text gives a fact (period, count, amount, ...).")
class Qualifier:
    key: str = strawberry.field(description="Qualifier name, e.g. `period_start`, `amount`.")
    value: str = strawberry.field(description="Its value, rendered as text.")
    json: strawberry.scalars.JSON = strawberry.field(description="Its value with its JSON type.")


@strawberry.type(description="The span of a document that states a fact.")
class Evidence:
    sentence_index: int = strawberry.field(description="Index of the sentence in the document.")
    start: int = strawberry.field(description="Start offset (code points, inclusive).")
    end: int = strawberry.field(description="End offset (code points, exclusive).")
    quote: str = strawberry.field(description="Exactly `document.text[start:end]`.")
    translation: str = strawberry.field(
        description="kgapi's own English rendering of the quote (a translation, not the "
        "source); the validator requires one of every claim's evidence."
    )
    document_slug: strawberry.Private[str]

    @strawberry.field(description="The document the quote comes from.")
    async def document(self, info: Info) -> Document:
        return await cited_document(info, self.document_slug)

    @strawberry.field(description="The whole sentence the quote is in.")
    async def sentence(
        self, info: Info
    ) -> Annotated[Sentence, strawberry.lazy("kgapi.graphql.sentence_types")]:
        from kgapi.graphql.sentence_types import Sentence

        return Sentence.from_row(await self._sentence(info))

    @strawberry.field(description="Where the quote starts inside `sentence.text`.")
    async def start_in_sentence(self, info: Info) -> int:
        return self.start - (await self._sentence(info)).start

    @strawberry.field(description="Where the quote ends inside `sentence.text` (exclusive).")
    async def end_in_sentence(self, info: Info) -> int:
        return self.end - (await self._sentence(info)).start

    async def _sentence(self, info: Info) -> SentenceRow:
        row = await info.context.loaders.sentences.load(
            f"{self.document_slug}#{self.sentence_index}"
        )
        if row is None:  # pragma: no cover - evidence always points at a stored sentence
            raise BadUserInput(
                f"sentence {self.sentence_index} of {self.document_slug!r} is missing"
            )
        return row

    @classmethod
    def from_row(cls, row: EvidenceRow) -> Evidence:
        return cls(
            sentence_index=row.sentence_index,
            start=row.start,
            end=row.end,
            quote=row.quote,
            translation=row.translation,
            document_slug=row.document,
        )


async def cited_document(info: Info, slug: str) -> Document:
    """A document evidence cites (it is always stored: the validator checks every span)."""
    row = await info.context.loaders.documents.load(slug)
    if row is None:  # pragma: no cover - evidence always points at a stored document
        raise BadUserInput(f"document {slug!r} is missing")
    return Document.from_row(row)


@strawberry.type(
    name="Claim",
    description="A fact: what one or more spans of the documents say of a subject and an "
    "object, with the status the text gives it and its evidence (a Node: one claim is one "
    "object in a client's cache, however it was reached).",
)
class Relation(Node):
    claim_id: str = strawberry.field(
        description="The claim's own id, as the write API takes it (e.g. `retractClaim`)."
    )
    predicate: Predicate = strawberry.field(description="What the claim says, e.g. `PARTY_TO`.")
    status: ClaimStatus = strawberry.field(
        description="The modality the text gives it (RETRACTED once a curator withdrew it)."
    )
    rank: ClaimRank = strawberry.field(description="How it ranks against other claims.")
    qualifiers: list[Qualifier] = strawberry.field(description="What the text qualifies it with.")
    subject: Entity = strawberry.field(description="The entity the claim is about.")
    object_: Entity = strawberry.field(name="object", description="The other entity.")
    evidence: list[Evidence] = strawberry.field(description="Every span that states it.")
    revision: int = strawberry.field(
        description="Bumped by every change of the claim: send it as `expectedRevision` to "
        "write only over what you read (optimistic locking)."
    )
    valid_from: date | None = strawberry.field(
        description="The date the text gives for it (e.g. a signing date), if it gives one."
    )
    valid_to: date | None = strawberry.field(
        description="The first day it no longer held, if the text says so."
    )
    effective_date: date | None = strawberry.field(
        description="When it holds from: `validFrom`, else the earliest publication date of "
        "its evidence documents; null when neither is known (it then holds from an unknown "
        "time, which `currentStatus` counts as before every known date). Never guessed."
    )
    date_source: ClaimDateSource = strawberry.field(description="Where `effectiveDate` comes from.")

    @strawberry.field(description="The predicate.", deprecation_reason=_USE_PREDICATE)
    def type(self) -> Predicate:
        return self.predicate

    @strawberry.field(description="The subject.", deprecation_reason=_USE_SUBJECT)
    def source(self) -> Entity:
        return self.subject

    @strawberry.field(description="The object.", deprecation_reason=_USE_OBJECT)
    def target(self) -> Entity:
        return self.object_

    @strawberry.field(
        description="Who asserted, changed or retracted this claim, and when (needs a token "
        "by default).",
        permission_classes=[CanReadAuditTrail],
    )
    async def history(self, info: Info) -> list[ChangeEvent]:
        rows = await info.context.loaders.history.load(self.claim_id)
        return [change_from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: RelationRow) -> Relation:
        return cls(
            id=strawberry.ID(to_global_id("Claim", row.claim_id)),
            claim_id=row.claim_id,
            predicate=model.Predicate(row.type),
            status=model.Status(row.status),
            rank=model.Rank(row.rank),
            qualifiers=[_qualifier(k, v) for k, v in sorted(row.qualifiers.items())],
            subject=entity_from_row(row.source),
            object_=entity_from_row(row.target),
            evidence=[Evidence.from_row(ev) for ev in row.evidence],
            revision=row.revision,
            valid_from=_date(row.valid_from),
            valid_to=_date(row.valid_to),
            effective_date=_date(row.effective),
            date_source=model.DateSource(row.date_source or model.DateSource.UNKNOWN.value),
        )


Claim = Relation


@dataclasses.dataclass(frozen=True, slots=True)
class ClaimListOrder:
    """A claims list's order and its cursors, as both read engines write them: by claim id
    ascending the cursor is `Relation` [id] (as every claim connection's); any other order
    names itself (`Claim:<FIELD>:<DIR>`), so a cursor is never read in another order."""

    sort: ClaimSort = ClaimSort.ID
    descending: bool = False

    @property
    def kind(self) -> str:
        if self.sort is ClaimSort.ID and not self.descending:
            return "Relation"
        return f"Claim:{self.sort.value}:{'DESC' if self.descending else 'ASC'}"

    @property
    def shape(self) -> tuple[type, ...]:
        return (str,) if self.sort is ClaimSort.ID else (str, str)

    def cursor(self, claim: dict[str, Any]) -> str:
        """Of a claim's map (`id`, and `effective` for a date order)."""
        if self.sort is ClaimSort.ID:
            return encode_cursor(self.kind, [claim["id"]])
        return encode_cursor(self.kind, [claim.get("effective") or "", claim["id"]])


def anchored(where: ClaimFilter, slug: str, predicate: str | None, direction: str) -> ClaimFilter:
    """An entity's `claims(predicate:, direction:, where:)` as one filter of the claims list:
    the entity and direction as its anchor, the predicate intersected with `predicateIn`."""
    predicates = where.predicates
    if predicate is not None:
        predicates = (
            [predicate] if predicates is None else [p for p in predicates if p == predicate]
        )
    return dataclasses.replace(where, predicates=predicates, anchor=(slug, direction))


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def qualifier_text(value: Any) -> str:
    """A qualifier's value as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _qualifier(key: str, value: Any) -> Qualifier:
    return Qualifier(key=key, value=qualifier_text(value), json=value)


@strawberry.type(name="ClaimEdge", description="A claim in a connection, with its cursor.")
class RelationEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: Relation = strawberry.field(description="The claim.")


@strawberry.type(description="Counts over every claim a connection matches, not only its page.")
class ClaimAggregate:
    count: int = strawberry.field(description="Claims matching, across all pages.")
    by_status: list[StatusCount] = strawberry.field(
        description="Claims per status, in the order of ClaimStatus."
    )
    by_predicate: list[PredicateCount] = strawberry.field(
        description="Claims per predicate, by predicate."
    )


@strawberry.type(
    name="ClaimConnection", description="A page of claims (Relay connection), ordered by claim id."
)
class RelationConnection:
    edges: list[RelationEdge] = strawberry.field(description="The claims of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Claims matching, across all pages.")
    request: strawberry.Private[RelationRequest | None]  # an entity's claims
    pairs: strawberry.Private[list[list[str]] | None] = None  # the root list's [status, predicate]

    @classmethod
    def of(
        cls,
        found: RelationPage,
        page: PageRequest,
        *,
        request: RelationRequest | None = None,
        pairs: list[list[str]] | None = None,
        order: ClaimListOrder | None = None,
    ) -> RelationConnection:
        """The connection of a page of claims read in `page`'s direction."""
        rows, has_next, has_previous = directed(found.rows, found.has_next, page)
        cursor = (order or ClaimListOrder()).cursor
        edges = [
            RelationEdge(cursor=cursor(row.time_map()), node=Relation.from_row(row)) for row in rows
        ]
        return cls(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], has_next, has_previous),
            total_count=found.total,
            request=request,
            pairs=pairs,
        )

    @strawberry.field(
        description="Counts over every claim the connection matches (by status, by "
        "predicate), apart from the page: a client can ask for them without a page."
    )
    async def aggregate(self, info: Info) -> ClaimAggregate:
        if self.request is None:
            counts = aggregate_counts(self.pairs or [])
        else:
            counts = await claim_aggregate(
                info.context.db, self.request.slug, self.request.type, self.request.direction
            )
        return ClaimAggregate(
            count=counts["count"],
            by_status=[
                StatusCount(status=model.Status(c["key"]), count=c["count"])
                for c in counts["byStatus"]
            ],
            by_predicate=[
                PredicateCount(predicate=model.Predicate(c["key"]), count=c["count"])
                for c in counts["byPredicate"]
            ],
        )


# Arguments the claim fields share (claims, claimCount and the deprecated relations).
PredicateArgument = Annotated[
    Predicate | None, strawberry.argument(description="Only this predicate.")
]
DirectionArgument = Annotated[
    Direction, strawberry.argument(description="OUT: as subject; IN: as object.")
]
PageSizeArgument = Annotated[
    int | None,
    strawberry.argument(description="Page size forward (10 when neither `first` nor `last`)."),
]
CursorArgument = Annotated[str | None, strawberry.argument(description="Continue after this.")]
LastArgument = Annotated[
    int | None,
    strawberry.argument(description="Page size backward: the last claims before `before`."),
]
LastMentionsArgument = Annotated[
    int | None,
    strawberry.argument(description="Page size backward: the last mentions before `before`."),
]


@strawberry.interface(description="Anything the documents talk about: a country, a person, ...")
class Entity(Node):
    slug: str = strawberry.field(description="Stable key, e.g. `jam-kamal-khan`.")
    kind: EntityKind = strawberry.field(description="What kind of entity this is.")
    aliases: list[str] = strawberry.field(
        description="Other spellings and romanisations, in any language."
    )
    description: str = strawberry.field(
        description="One line on what this is (the validator requires one of every entity)."
    )
    revision: int = strawberry.field(description="Bumped by every change (optimistic locking).")
    row: strawberry.Private[EntityRow]

    @strawberry.field(
        description="The name in one language (its canonical BCP 47 tag; null if the entity "
        "has no name in it). Every entity has an English one."
    )
    def name(
        self,
        lang: Annotated[
            LanguageTag,
            strawberry.argument(description="The language, e.g. `en`, `bn`, `ru`, `ur`."),
        ] = ENGLISH,
    ) -> str | None:
        return self.row.names().get(lang)

    @strawberry.field(
        description="The name in every language it has: Bengali, English, then the others by tag."
    )
    def names(self) -> list[LocalizedName]:
        return [
            LocalizedName(lang=LanguageTag(lang), value=value)
            for lang, value in self.row.names().items()
        ]

    @strawberry.field(
        description="Claims about this entity (as subject or object), each with "
        "its evidence, by claim id."
    )
    async def claims(
        self,
        info: Info,
        predicate: PredicateArgument = None,
        direction: DirectionArgument = Direction.BOTH,
        first: PageSizeArgument = None,
        after: CursorArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
        where: Annotated[
            Annotated[ClaimWhere, strawberry.lazy("kgapi.graphql.inputs")] | None,
            strawberry.argument(
                description="The filters of the graph's `claims` list, on this entity's claims."
            ),
        ] = None,
    ) -> RelationConnection:
        value = predicate.value if predicate is not None else None
        page = page_request(first, after, last, before, info.context.settings.max_page_size)
        if where is None:
            return await self._claims(info, value, direction, page)
        from kgapi.graphql.inputs import to_claim_filter

        wanted = anchored(to_claim_filter(where), self.slug, value, direction.value)
        key = decode_cursor("Relation", page.cursor, page.argument, shape=(str,))
        found, pairs = await claim_list(info.context.db, wanted, page.backward, key, page.size)
        return RelationConnection.of(found, page, pairs=pairs)

    @strawberry.field(
        description="Where the documents name it, by document then place in the text: the "
        "documents that discuss it, and how each spells it."
    )
    async def mentions(
        self,
        info: Info,
        first: FirstArgument = None,
        after: AfterArgument = None,
        last: LastMentionsArgument = None,
        before: BeforeArgument = None,
    ) -> Annotated[MentionConnection, strawberry.lazy("kgapi.graphql.sentence_types")]:
        from kgapi.graphql.sentence_types import entity_mentions

        page = page_request(first, after, last, before, info.context.settings.max_page_size)
        return await entity_mentions(info, self.slug, page)

    @strawberry.field(
        description="How many claims about this entity there are (never retracted ones): "
        "counted apart from any page, so a count never shares a field with paging."
    )
    async def claim_count(
        self,
        info: Info,
        predicate: PredicateArgument = None,
        direction: DirectionArgument = Direction.BOTH,
        status: Annotated[
            ClaimStatus | None, strawberry.argument(description="Only claims with this status.")
        ] = None,
    ) -> int:
        return await claim_count(
            info.context.db,
            self.slug,
            predicate.value if predicate is not None else None,
            direction.value,
            status.value if status is not None else None,
        )

    @strawberry.field(
        description="Facts about this entity, each with its evidence.",
        deprecation_reason=_USE_CLAIMS,
    )
    async def relations(
        self,
        info: Info,
        type: Annotated[
            Predicate | None, strawberry.argument(description="Only this predicate.")
        ] = None,
        direction: DirectionArgument = Direction.BOTH,
        first: PageSizeArgument = None,
        after: CursorArgument = None,
        last: LastArgument = None,
        before: BeforeArgument = None,
    ) -> RelationConnection:
        predicate = type.value if type is not None else None
        page = page_request(first, after, last, before, info.context.settings.max_page_size)
        return await self._claims(info, predicate, direction, page)

    async def _claims(
        self, info: Info, predicate: str | None, direction: Direction, page: PageRequest
    ) -> RelationConnection:
        key = decode_cursor("Relation", page.cursor, page.argument, shape=(str,))
        request = RelationRequest(
            self.slug,
            predicate,
            direction.value,
            page.size,
            str(key[0]) if key else None,
            page.backward,
        )
        found = await info.context.loaders.relations.load(request)
        return RelationConnection.of(found, page, request=request)

    async def _related(
        self, info: Info, path: model.ClaimPath
    ) -> list[tuple[RelationRow, EntityRow]]:
        key = (self.slug, path.predicate.value, path.direction.value)
        return await info.context.loaders.related.load(key)

    async def _status_claims(self, info: Info, spec: model.KindField) -> dict[str, RelationRow]:
        """The non-retracted claims a status field is drawn from, by claim id."""
        return {
            rel.claim_id: rel for path in spec.claims for rel, _ in await self._related(info, path)
        }

    async def _kind_field(self, info: Info, spec: model.KindField) -> Any:
        """Answer a declared kind field from this entity's non-retracted claims."""
        if spec.shape is model.FieldShape.STATUS:
            claims = await self._status_claims(info, spec)
            times = [ClaimTime.of(rel.time_map()) for rel in claims.values()]
            choice = choose(times, today())
            return choice.status if choice is not None else None
        related = await self._related(info, spec.path)
        if spec.order_by is not None:
            order = spec.order_by
            related = sorted(related, key=lambda pair: int(pair[0].qualifiers.get(order, 0)))
        wanted = _end_type(spec.path)
        ends: list[Entity] = []
        seen: set[str] = set()
        for _, row in related:
            if spec.distinct and row.slug in seen:
                continue
            seen.add(row.slug)
            if isinstance(end := entity_from_row(row), wanted):
                ends.append(end)
        if spec.shape is model.FieldShape.ONE:
            return ends[0] if ends else None
        return ends


def _end_type(path: model.ClaimPath) -> type[Entity]:
    """The GraphQL type of a path's other end: its one kind's type, or the interface."""
    kinds = path.other_kinds()
    return ENTITY_TYPES[kinds[0]] if len(kinds) == 1 else Entity


def kind_field(kind: model.EntityKind, name: str) -> Any:
    """The strawberry field of the declared kind field `kind.name` (kgapi.model.KIND_FIELDS).

    The class attribute's annotation gives the GraphQL type; the table gives the rest.
    """
    spec = model.kind_field(kind, name)

    async def resolve(self: Entity, info: Info) -> Any:
        return await self._kind_field(info, spec)

    return strawberry.field(resolver=resolve, description=spec.description)


@strawberry.type(description="A country.")
class Country(Entity):
    pass


@strawberry.type(description="A city.")
class City(Entity):
    pass


@strawberry.type(description="A world region, e.g. Central Asia.")
class Region(Entity):
    pass


@strawberry.type(description="A person.")
class Person(Entity):
    offices: list[Office] = kind_field(model.EntityKind.PERSON, "offices")


@strawberry.type(description="An office, e.g. Pakistan's Minister of Commerce.")
class Office(Entity):
    holders: list[Person] = kind_field(model.EntityKind.OFFICE, "holders")
    heads: Ministry | None = kind_field(model.EntityKind.OFFICE, "heads")


@strawberry.type(description="A government ministry.")
class Ministry(Entity):
    country: Country | None = kind_field(model.EntityKind.MINISTRY, "country")


@strawberry.type(description="A trade or industry association.")
class Association(Entity):
    country: Country | None = kind_field(model.EntityKind.ASSOCIATION, "country")


@strawberry.type(
    description="The status of a fact on a date, with where it comes from: the claim chosen by "
    "the rule (among the claims that hold on `asOf`, never a retracted one: the highest rank, "
    "then the latest effective date, then the most realised status a source gives), that "
    "claim's document and date, the step of the rule that decided, and every claim that "
    "disagrees, each with its evidence. A claim whose date is unknown holds from an unknown "
    "time: it counts for every `asOf`, and a dated claim of the same rank is later than it. "
    "kgapi never promotes a plan to a fact: only a claim a source makes can change the status."
)
class CurrentStatus:
    status: ClaimStatus = strawberry.field(description="The status the chosen claim gives.")
    as_of: date = strawberry.field(description="The date asked about (today, UTC, if none).")
    rule: StatusRule = strawberry.field(description="The step of the rule that chose it.")
    claim: Relation = strawberry.field(description="The claim the status comes from.")
    effective_date: date | None = strawberry.field(
        description="The chosen claim's effective date (null: unknown)."
    )
    date_source: ClaimDateSource = strawberry.field(description="Where that date comes from.")
    conflicting: list[Relation] = strawberry.field(
        description="The claims that hold on `asOf` with another status, the strongest first "
        "by the same rule; kept beside the answer, never merged away."
    )
    document_slug: strawberry.Private[str]

    @strawberry.field(
        description="The chosen claim's document: the one its date comes from, else the "
        "first it cites."
    )
    async def document(self, info: Info) -> Document:
        return await cited_document(info, self.document_slug)

    @classmethod
    def of(cls, choice: StatusChoice, claims: dict[str, RelationRow]) -> CurrentStatus:
        row = claims[choice.chosen.claim_id]
        return cls(
            status=choice.status,
            as_of=choice.as_of,
            rule=choice.rule,
            claim=Relation.from_row(row),
            effective_date=_date(row.effective),
            date_source=model.DateSource(row.date_source or model.DateSource.UNKNOWN.value),
            conflicting=[Relation.from_row(claims[c.claim_id]) for c in choice.conflicting],
            document_slug=row.dated_by or row.evidence[0].document,
        )


@strawberry.type(
    description="A stretch of time during which the current status came from one claim by "
    "one step of the rule."
)
class StatusPeriod:
    from_: date | None = strawberry.field(
        name="from",
        description="When it began; null: from an unknown time (undated claims only).",
    )
    until: date | None = strawberry.field(
        description="When the next period began (exclusive); null: it still holds."
    )
    status: ClaimStatus = strawberry.field(description="The status in this period.")
    rule: StatusRule = strawberry.field(description="The step of the rule that chose it.")
    claim: Relation = strawberry.field(description="The claim it came from.")


@strawberry.type(description="An agreement, plan or treaty, signed or not.")
class Agreement(Entity):
    status: ClaimStatus | None = kind_field(model.EntityKind.AGREEMENT, "status")
    parties: list[Country] = kind_field(model.EntityKind.AGREEMENT, "parties")

    @strawberry.field(
        description=model.kind_field(model.EntityKind.AGREEMENT, "currentStatus").description
    )
    async def current_status(
        self,
        info: Info,
        as_of: Annotated[
            date | None,
            strawberry.argument(description="The date to ask about; today (UTC) if omitted."),
        ] = None,
    ) -> CurrentStatus | None:
        spec = model.kind_field(model.EntityKind.AGREEMENT, "currentStatus")
        claims = await self._status_claims(info, spec)
        times = [ClaimTime.of(rel.time_map()) for rel in claims.values()]
        choice = choose(times, as_of or today())
        return CurrentStatus.of(choice, claims) if choice is not None else None

    @strawberry.field(
        description=model.kind_field(model.EntityKind.AGREEMENT, "statusHistory").description
    )
    async def status_history(self, info: Info) -> list[StatusPeriod]:
        spec = model.kind_field(model.EntityKind.AGREEMENT, "statusHistory")
        claims = await self._status_claims(info, spec)
        times = [ClaimTime.of(rel.time_map()) for rel in claims.values()]
        return [
            StatusPeriod(
                from_=period.start,
                until=period.end,
                status=period.choice.status,
                rule=period.choice.rule,
                claim=Relation.from_row(claims[period.choice.chosen.claim_id]),
            )
            for period in history(times)
        ]


@strawberry.type(description="A trade corridor: an ordered route of countries.")
class Corridor(Entity):
    route: list[Country] = kind_field(model.EntityKind.CORRIDOR, "route")


@strawberry.type(description="A traded good, e.g. grain.")
class Commodity(Entity):
    pass


@strawberry.type(description="An economic sector, e.g. agriculture.")
class Sector(Entity):
    pass


@strawberry.type(description="Something a party can offer, e.g. technology transfer.")
class Capability(Entity):
    pass


@strawberry.type(description="A meeting, forum, visit or other event.")
class Event(Entity):
    place: City | None = kind_field(model.EntityKind.EVENT, "place")
    participants: list[Entity] = kind_field(model.EntityKind.EVENT, "participants")


@strawberry.type(description="A joint initiative, e.g. trade missions.")
class Initiative(Entity):
    pass


@strawberry.type(description="A goal, e.g. bilateral trade of USD 1 billion.")
class Goal(Entity):
    pass


ENTITY_TYPES: dict[model.EntityKind, type[Entity]] = {
    model.EntityKind.COUNTRY: Country,
    model.EntityKind.CITY: City,
    model.EntityKind.REGION: Region,
    model.EntityKind.PERSON: Person,
    model.EntityKind.OFFICE: Office,
    model.EntityKind.MINISTRY: Ministry,
    model.EntityKind.ASSOCIATION: Association,
    model.EntityKind.AGREEMENT: Agreement,
    model.EntityKind.CORRIDOR: Corridor,
    model.EntityKind.COMMODITY: Commodity,
    model.EntityKind.SECTOR: Sector,
    model.EntityKind.CAPABILITY: Capability,
    model.EntityKind.EVENT: Event,
    model.EntityKind.INITIATIVE: Initiative,
    model.EntityKind.GOAL: Goal,
}


def entity_from_row(row: EntityRow) -> Entity:
    cls = ENTITY_TYPES[model.EntityKind(row.kind)]
    return cls(
        id=strawberry.ID(to_global_id("Entity", row.slug)),
        slug=row.slug,
        kind=model.EntityKind(row.kind),
        aliases=row.aliases,
        description=row.description or "",
        revision=row.revision,
        row=row,
    )
