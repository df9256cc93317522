"""GraphQL types for candidates: a machine reading's proposals, waiting for a curator.

`Candidate` is an interface over the two things a reading proposes (a claim between mentioned
entities, an entity for an unlinked name), so a review screen lists both and a client's types
narrow on `__typename`. None of it is a fact: a candidate reaches the facts only through
acceptCandidate, and the claim or entity it became is linked from it (`claim`, `entity`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from kgapi import model
from kgapi.graphql.context import Info
from kgapi.graphql.entity_types import Entity, Relation, entity_from_row
from kgapi.graphql.enums import CandidateState, CandidateType, ClaimStatus, EntityKind, Predicate
from kgapi.graphql.pagination import PageInfo
from kgapi.graphql.types import Document
from kgapi.queries.relations import claims_by_id

__all__ = [
    "Candidate",
    "CandidateConnection",
    "CandidateEdge",
    "ClaimCandidate",
    "EntityCandidate",
    "candidate_from_props",
]


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    native = getattr(value, "to_native", None)
    return native() if native is not None else datetime.fromisoformat(str(value))


@strawberry.interface(
    description="A machine reading's proposal from one sentence of a document: never a fact "
    "until a curator accepts it (acceptCandidate), and absent from every fact query."
)
class Candidate:
    id: strawberry.ID = strawberry.field(description="The candidate's id (stable across readings).")
    type: CandidateType = strawberry.field(description="What it proposes.")
    state: CandidateState = strawberry.field(description="Where it is in review.")
    document_slug: str = strawberry.field(description="Slug of the document it was read from.")
    sentence_index: int = strawberry.field(description="The sentence it was read from, from 0.")
    quote: str = strawberry.field(description="Its evidence: exactly `document.text[start:end]`.")
    start: int = strawberry.field(description="Start offset of `quote` (code points).")
    end: int = strawberry.field(description="End offset of `quote` (exclusive).")
    confidence: float = strawberry.field(
        description="The extractor's confidence, 0 to 1; it orders a review queue, no more."
    )
    extractor: str = strawberry.field(description="The extractor that proposed it.")
    extractor_version: str = strawberry.field(description="That extractor's version.")
    proposed_at: datetime = strawberry.field(description="When it was queued.")
    proposed_by: str = strawberry.field(description="Who had the document read (the actor).")
    reviewed_by: str | None = strawberry.field(
        description="The curator who accepted or rejected it."
    )
    reviewed_at: datetime | None = strawberry.field(description="When it was reviewed.")
    reason: str | None = strawberry.field(description="Why it was rejected.")
    result_id: strawberry.Private[str | None]

    @strawberry.field(description="The document it was read from.")
    async def document(self, info: Info) -> Document | None:
        row = await info.context.loaders.documents.load(self.document_slug)
        return Document.from_row(row) if row is not None else None


@strawberry.type(description="A proposed claim: subject -predicate-> object, as a sentence reads.")
class ClaimCandidate(Candidate):
    predicate: Predicate = strawberry.field(description="The predicate proposed.")
    status: ClaimStatus = strawberry.field(
        description="The status the sentence's modality gives it (signed, planned, ...)."
    )
    trigger: str = strawberry.field(description="The words that justify the predicate.")
    trigger_start: int = strawberry.field(description="Start offset of `trigger` (code points).")
    trigger_end: int = strawberry.field(description="End offset of `trigger` (exclusive).")
    cue: str | None = strawberry.field(
        description="The modality cue the status was read from; null when none applied "
        "(the status is then STATED)."
    )
    subject_slug: str = strawberry.field(description="Slug of the proposed subject.")
    object_slug: str = strawberry.field(description="Slug of the proposed object.")

    @strawberry.field(description="The proposed subject (null if it was deleted since).")
    async def subject(self, info: Info) -> Entity | None:
        row = await info.context.loaders.entities.load(self.subject_slug)
        return entity_from_row(row) if row is not None else None

    @strawberry.field(description="The proposed object (null if it was deleted since).")
    async def object(self, info: Info) -> Entity | None:
        row = await info.context.loaders.entities.load(self.object_slug)
        return entity_from_row(row) if row is not None else None

    @strawberry.field(description="The claim it became, once accepted.")
    async def claim(self, info: Info) -> Relation | None:
        if self.result_id is None:
            return None
        rows = await claims_by_id(info.context.db, [self.result_id])
        return Relation.from_row(rows[0]) if rows else None


@strawberry.type(description="A proposed entity for a name the linker could not explain.")
class EntityCandidate(Candidate):
    kind: EntityKind = strawberry.field(description="The kind the extractor guesses.")
    slug: str = strawberry.field(description="A proposed slug (a curator may choose another).")
    kind_reason: str | None = strawberry.field(description="Why that kind, in a few words.")

    @strawberry.field(description="The entity it became, once accepted.")
    async def entity(self, info: Info) -> Entity | None:
        if self.result_id is None:
            return None
        row = await info.context.loaders.entities.load(self.result_id)
        return entity_from_row(row) if row is not None else None


def candidate_from_props(props: dict[str, Any]) -> Candidate:
    common: dict[str, Any] = {
        "id": strawberry.ID(str(props["id"])),
        "type": model.CandidateType(props["type"]),
        "state": model.CandidateState(props["state"]),
        "document_slug": str(props["document"]),
        "sentence_index": int(props["sentence"]),
        "quote": str(props["quote"]),
        "start": int(props["start"]),
        "end": int(props["end"]),
        "confidence": float(props["confidence"]),
        "extractor": str(props["extractor"]),
        "extractor_version": str(props["extractor_version"]),
        "proposed_at": _when(props["proposed_at"]),
        "proposed_by": str(props["proposed_by"]),
        "reviewed_by": props.get("reviewed_by"),
        "reviewed_at": _when(props.get("reviewed_at")),
        "reason": props.get("reason") if props.get("state") == "rejected" else None,
        "result_id": props.get("result"),
    }
    if common["type"] is model.CandidateType.CLAIM:
        return ClaimCandidate(
            **common,
            predicate=model.Predicate(props["predicate"]),
            status=model.Status(props["status"]),
            trigger=str(props["trigger"]),
            trigger_start=int(props["trigger_start"]),
            trigger_end=int(props["trigger_end"]),
            cue=props.get("cue") or None,
            subject_slug=str(props["subject"]),
            object_slug=str(props["object"]),
        )
    return EntityCandidate(
        **common,
        kind=model.EntityKind(props["kind"]),
        slug=str(props["slug"]),
        kind_reason=props.get("kind_reason") or None,
    )


@strawberry.type(description="A candidate in a connection, with its cursor.")
class CandidateEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this edge.")
    node: Candidate = strawberry.field(description="The candidate.")


@strawberry.type(description="A page of candidates (Relay connection), by document then id.")
class CandidateConnection:
    edges: list[CandidateEdge] = strawberry.field(description="The candidates of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(description="Candidates matching, across all pages.")
