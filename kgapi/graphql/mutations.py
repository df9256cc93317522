"""Mutations for integration partners, in the usual payload style: the object and userErrors.

Authentication and roles are strawberry permissions on each field; the rules live in
kgapi.writes, which shares its validator with `kgapi seed`. upsertEntities and addClaims take
lists of the single mutations' inputs and answer per item; `kgapi import` turns its lines into
the same inputs (entity_item, claim_item), so a line and an item are checked alike.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry

from kgapi import model
from kgapi.auth import ScopeDenied
from kgapi.candidates import (
    AcceptEdits,
    accept_candidate,
    propose_candidates,
    reject_candidate,
)
from kgapi.entity_lifecycle import delete_entity, merge_entities
from kgapi.graphql.candidate_types import Candidate, candidate_from_props
from kgapi.graphql.context import Info
from kgapi.graphql.entity_types import Entity, Relation, entity_from_row
from kgapi.graphql.enums import ClaimRank, ClaimStatus, EntityKind, Predicate
from kgapi.graphql.permissions import CanCurate, CanEdit, Forbidden, WithinKeyScope
from kgapi.graphql.scalars import LanguageTag
from kgapi.graphql.types import Document
from kgapi.queries.relations import claims_by_id
from kgapi.writes import (
    WHOLE_ITEM,
    ClaimItem,
    EntityItem,
    EvidenceInput,
    ItemOutcome,
    Tally,
    WriteRejected,
    WriteResult,
    add_claim,
    add_claims,
    add_document,
    restore_claim,
    retract_claim,
    upsert_entities,
    upsert_entity,
)
from kgapi.writes import UserError as WriteError

__all__ = ["AddClaimInput", "Mutation", "UpsertEntityInput", "claim_item", "entity_item"]

T = TypeVar("T")
InputArg = Annotated[T, strawberry.argument(description="What to write.")]


@strawberry.type(description="A problem with the input; nothing was written.")
class UserError:
    field: str = strawberry.field(description="Path of the input field, e.g. `evidence[0].quote`.")
    message: str = strawberry.field(description="What is wrong, for a person.")
    code: str = strawberry.field(
        description="BAD_USER_INPUT, CONFLICT or NOT_FOUND; for an item of a bulk write also "
        "FORBIDDEN (outside the key's namespace, or a curated fact that needs the curator role)."
    )


@strawberry.input(description="A span of a stored document: offsets, or a quote to locate.")
class EvidenceSpanInput:
    document: str = strawberry.field(description="Slug of the document.")
    quote: str = strawberry.field(description="The verbatim text of the span.")
    start: int | None = strawberry.field(default=None, description="Start offset (code points).")
    end: int | None = strawberry.field(default=None, description="End offset (exclusive).")
    translation: str | None = strawberry.field(
        default=None, description="Your English rendering (required for claim evidence)."
    )


@strawberry.input(description="A name in one language.")
class NameInput:
    lang: LanguageTag = strawberry.field(
        description="Its language: a BCP 47 tag, e.g. `bn`, `en`, `ru`, `ur`, `kk-Cyrl`."
    )
    value: str = strawberry.field(description="The name, as texts in that language spell it.")


@strawberry.input(
    description="An entity to create, or the fields to change of an existing one (by slug): a "
    "field left out (or null) keeps its stored value; `aliases: []` clears the aliases. A new "
    "entity needs `kind`, `names`, `description` and one mention."
)
class UpsertEntityInput:
    slug: str = strawberry.field(description="Stable key (lowercase, digits, hyphens).")
    kind: EntityKind | None = strawberry.field(
        default=None,
        description="Its kind. Changing an existing entity's kind also needs `changeKind`.",
    )
    names: list[NameInput] | None = strawberry.field(
        default=None,
        description="Its names, one per language, an English one among them (replaces the "
        "stored names).",
    )
    aliases: list[str] | None = strawberry.field(
        default=None, description="Other spellings (replaces the stored list; [] clears it)."
    )
    description: str | None = strawberry.field(default=None, description="One line on what it is.")
    mentions: list[EvidenceSpanInput] | None = strawberry.field(
        default=None,
        description="Where a stored document names it: added to the mentions it has (a new "
        "entity needs at least one).",
    )
    change_kind: bool = strawberry.field(
        default=False,
        description="Allow `kind` to change an existing entity's kind (refused, naming them, "
        "if its claims would no longer fit the model).",
    )
    expected_revision: int | None = strawberry.field(
        default=None, description="Refuse (CONFLICT) unless the entity is at this revision."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the first answer."
    )


@strawberry.input(description="A fact with its evidence.")
class AddClaimInput:
    subject: str = strawberry.field(description="Slug of the subject entity.")
    predicate: Predicate = strawberry.field(description="A predicate of the model.")
    object: str = strawberry.field(description="Slug of the object entity.")
    status: ClaimStatus = strawberry.field(
        description="The modality the text gives (RETRACTED is retractClaim's to set)."
    )
    rank: ClaimRank = strawberry.field(default=model.Rank.NORMAL, description="Its rank.")
    qualifiers: strawberry.scalars.JSON | None = strawberry.field(
        default=None,
        description="Flat object of the qualifiers the predicate declares (e.g. `position`, an "
        "integer, for ROUTE_INCLUDES); an undeclared name or a wrong type is a userError.",
    )
    evidence: list[EvidenceSpanInput] = strawberry.field(description="Spans that state it.")
    valid_from: date | None = strawberry.field(
        default=None,
        description="The date the text gives for it (e.g. the signing date), only if it gives "
        "one. Without it the claim holds from its earliest evidence document's publication "
        "date, or from an unknown time (see `Claim.effectiveDate`).",
    )
    valid_to: date | None = strawberry.field(
        default=None,
        description="The first day it no longer held, if the text says so; later than `validFrom`.",
    )
    expected_revision: int | None = strawberry.field(default=None, description="See upsertEntity.")
    idempotency_key: str | None = strawberry.field(default=None, description="See upsertEntity.")


@strawberry.input(description="Retract a claim: it stays, marked retracted, with its history.")
class RetractClaimInput:
    id: str = strawberry.field(description="The claim id (`Claim.claimId`).")
    reason: str = strawberry.field(description="Why it is retracted.")
    expected_revision: int | None = strawberry.field(default=None, description="See upsertEntity.")
    idempotency_key: str | None = strawberry.field(default=None, description="See upsertEntity.")


@strawberry.input(description="Restore a retracted claim: it counts again, with its status.")
class RestoreClaimInput:
    id: str = strawberry.field(description="The claim id (`Claim.claimId`).")
    reason: str = strawberry.field(description="Why the retraction is undone.")
    expected_revision: int | None = strawberry.field(default=None, description="See upsertEntity.")
    idempotency_key: str | None = strawberry.field(default=None, description="See upsertEntity.")


@strawberry.input(description="A new document, stored verbatim.")
class DocumentInput:
    text: str = strawberry.field(description="The verbatim text (UTF-8, size-limited).")
    language: LanguageTag = strawberry.field(
        description="The language of the text: `bn` or `en` today."
    )
    title: str = strawberry.field(description="Title in the document's language.")
    title_en: str | None = strawberry.field(default=None, description="English title.")
    slug: str | None = strawberry.field(default=None, description="Key; default from checksum.")
    url: str | None = strawberry.field(
        default=None, description="Where it was published: an absolute http(s) URL."
    )
    published: date | None = strawberry.field(
        default=None, description="Publication date, if known (never guessed)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description="See upsertEntity.")


@strawberry.type(description="Result of upsertEntity.")
class UpsertEntityPayload:
    entity: Entity | None = strawberry.field(description="The entity as it now is.")
    changed: bool = strawberry.field(description="False when nothing needed to change.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was written.")


@strawberry.type(description="Result of addClaim or retractClaim.")
class ClaimPayload:
    claim: Relation | None = strawberry.field(description="The claim as it now is.")
    changed: bool = strawberry.field(description="False when nothing needed to change.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was written.")


@strawberry.input(description="Two entities that are one: `merge` is folded into `keep`.")
class MergeEntitiesInput:
    keep: str = strawberry.field(description="Slug of the entity that stays.")
    merge: str = strawberry.field(
        description="Slug of the entity that goes: its claims, mentions and history move to "
        "`keep`, its names become aliases of `keep`, and its slug resolves to `keep` from now on "
        "(`entity(slug:)`). Both must be of one kind."
    )
    reason: str = strawberry.field(description="Why they are one.")
    idempotency_key: str | None = strawberry.field(default=None, description="See upsertEntity.")


@strawberry.input(description="Delete an entity that no claim names.")
class DeleteEntityInput:
    slug: str = strawberry.field(description="Its slug.")
    reason: str = strawberry.field(description="Why it should not exist.")
    idempotency_key: str | None = strawberry.field(default=None, description="See upsertEntity.")


@strawberry.type(description="Result of mergeEntities.")
class MergeEntitiesPayload:
    entity: Entity | None = strawberry.field(description="The kept entity as it now is.")
    claims_moved: list[str] = strawberry.field(
        description="Ids of the claims that named the merged entity and now name the kept one "
        "(one between the two is retracted: it would relate the kept entity to itself)."
    )
    changed: bool = strawberry.field(description="False only for a replayed request.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was written.")


@strawberry.type(description="Result of deleteEntity.")
class DeleteEntityPayload:
    slug: str | None = strawberry.field(description="The slug of the deleted entity.")
    changed: bool = strawberry.field(description="False only for a replayed request.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was deleted.")


@strawberry.type(description="A name in a new document that matches no known entity.")
class MentionCandidate:
    text: str = strawberry.field(description="The name as written.")
    sentence_index: int = strawberry.field(description="Its sentence.")
    start: int = strawberry.field(description="Start offset.")
    end: int = strawberry.field(description="End offset.")


@strawberry.type(description="Result of addDocument or ingestDocument.")
class DocumentPayload:
    document: Document | None = strawberry.field(description="The stored document.")
    changed: bool = strawberry.field(description="False when the same text was stored before.")
    mentions_linked: int = strawberry.field(description="Mentions of known entities linked.")
    candidates: list[MentionCandidate] = strawberry.field(
        description="Names that could not be linked (no claim is ever invented from them)."
    )
    candidates_queued: int = strawberry.field(
        description="Candidates the reading of the document newly queued for review "
        "(ingestDocument; list them with `candidates(document:)`). None of them is a fact."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was written.")


@strawberry.input(description="Have a stored document read for candidates.")
class ProposeCandidatesInput:
    document: str = strawberry.field(description="Slug of the stored document.")


@strawberry.type(description="Result of proposeCandidates.")
class ProposeCandidatesPayload:
    proposed: int = strawberry.field(
        description="Candidates the reading gave (claims a claim of the graph already states "
        "from the same sentence are left out)."
    )
    queued: int = strawberry.field(description="Of those, the ones not queued before.")
    extractor: str | None = strawberry.field(description="The extractor that read it.")
    extractor_version: str | None = strawberry.field(description="Its version.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was queued.")


@strawberry.input(
    description="What to change while accepting a candidate; a field left out keeps the "
    "candidate's reading."
)
class CandidateEditsInput:
    predicate: Predicate | None = strawberry.field(default=None, description="Claims: predicate.")
    subject: str | None = strawberry.field(default=None, description="Claims: subject slug.")
    object: str | None = strawberry.field(default=None, description="Claims: object slug.")
    status: ClaimStatus | None = strawberry.field(default=None, description="Claims: status.")
    rank: ClaimRank | None = strawberry.field(default=None, description="Claims: rank.")
    qualifiers: strawberry.scalars.JSON | None = strawberry.field(
        default=None, description="Claims: qualifiers, as addClaim takes them."
    )
    translation: str | None = strawberry.field(
        default=None,
        description="Claims: your English rendering of the evidence quote (required, as for "
        "every claim's evidence).",
    )
    start: int | None = strawberry.field(
        default=None, description="Claims: move the evidence span's start (code points)."
    )
    end: int | None = strawberry.field(
        default=None, description="Claims: move the evidence span's end (exclusive)."
    )
    slug: str | None = strawberry.field(default=None, description="Entities: the slug to use.")
    kind: EntityKind | None = strawberry.field(default=None, description="Entities: the kind.")
    names: list[NameInput] | None = strawberry.field(
        default=None,
        description="Entities: names per language (default: the quote, in the document's "
        "language).",
    )
    aliases: list[str] | None = strawberry.field(default=None, description="Entities: aliases.")
    description: str | None = strawberry.field(
        default=None, description="Entities: a description (required for a new entity)."
    )


@strawberry.input(description="Accept a candidate: it becomes a claim or an entity.")
class AcceptCandidateInput:
    id: strawberry.ID = strawberry.field(description="The candidate's id.")
    edits: CandidateEditsInput | None = strawberry.field(
        default=None, description="What to change first."
    )
    reason: str | None = strawberry.field(default=None, description="A note for the audit trail.")


@strawberry.input(description="Reject a candidate.")
class RejectCandidateInput:
    id: strawberry.ID = strawberry.field(description="The candidate's id.")
    reason: str = strawberry.field(description="Why (kept with the candidate).")


@strawberry.type(description="Result of acceptCandidate or rejectCandidate.")
class CandidatePayload:
    candidate: Candidate | None = strawberry.field(description="The candidate as it now is.")
    claim: Relation | None = strawberry.field(description="The claim it became (claims).")
    entity: Entity | None = strawberry.field(description="The entity it became (entities).")
    changed: bool = strawberry.field(
        description="False when the graph already held that claim or entity exactly."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was written.")


@strawberry.type(description="What became of one item of upsertEntities.")
class UpsertEntityResult:
    index: int = strawberry.field(description="The item's position in `inputs`, from 0.")
    changed: bool = strawberry.field(description="False when nothing needed to change.")
    entity: Entity | None = strawberry.field(
        description="The entity as it now is (as upsertEntity gives it); null if it failed."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why this item was not written (fields as in upsertEntity's input)."
    )


@strawberry.type(description="What became of one item of addClaims.")
class AddClaimResult:
    index: int = strawberry.field(description="The item's position in `inputs`, from 0.")
    changed: bool = strawberry.field(description="False when nothing needed to change.")
    claim: Relation | None = strawberry.field(
        description="The claim as it now is (as addClaim gives it); null if it failed."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why this item was not written (fields as in addClaim's input)."
    )


_WRITTEN = "Items that changed the graph."
_UNCHANGED = "Items already so (every item, when a request without idempotency keys is re-sent)."
_FAILED = "Items not written, each with its userErrors (every item, if the request was refused)."
_ALL_ERRORS = (
    "Every problem of the request, each with its path from `inputs` (e.g. "
    "`inputs[3].mentions[0].quote`); empty when no item failed."
)


@strawberry.type(description="Result of upsertEntities: one result per item, in input order.")
class UpsertEntitiesPayload:
    results: list[UpsertEntityResult] = strawberry.field(description="One per item, in order.")
    written: int = strawberry.field(description=_WRITTEN)
    unchanged: int = strawberry.field(description=_UNCHANGED)
    failed: int = strawberry.field(description=_FAILED)
    user_errors: list[UserError] = strawberry.field(description=_ALL_ERRORS)


@strawberry.type(description="Result of addClaims: one result per item, in input order.")
class AddClaimsPayload:
    results: list[AddClaimResult] = strawberry.field(description="One per item, in order.")
    written: int = strawberry.field(description=_WRITTEN)
    unchanged: int = strawberry.field(description=_UNCHANGED)
    failed: int = strawberry.field(description=_FAILED)
    user_errors: list[UserError] = strawberry.field(description=_ALL_ERRORS)


def _user_errors(exc: WriteRejected) -> list[UserError]:
    return _as_user_errors(exc.errors)


def _as_user_errors(errors: list[WriteError], within: str | None = None) -> list[UserError]:
    """The API's userErrors; `within` puts each field under an item's path (`inputs[3]`)."""

    def path(name: str) -> str:
        if within is None:
            return name
        if name == WHOLE_ITEM:
            return within
        return f"{within}{name}" if name.startswith("[") else f"{within}.{name}"

    return [UserError(field=path(e.field), message=e.message, code=e.code) for e in errors]


def entity_item(input: UpsertEntityInput) -> EntityItem:
    """What kgapi.writes takes for one UpsertEntityInput (a field left out is not in `data`:
    upsertEntity is a patch)."""
    given: dict[str, Any] = {
        "kind": input.kind.value if input.kind is not None else None,
        "names": [[n.lang, n.value] for n in input.names] if input.names is not None else None,
        "aliases": list(input.aliases) if input.aliases is not None else None,
        "description": input.description,
    }
    data = {"slug": input.slug, **{k: v for k, v in given.items() if v is not None}}
    return EntityItem(
        data,
        _spans(input.mentions or []),
        input.expected_revision,
        input.idempotency_key,
        input.change_kind,
    )


def claim_item(input: AddClaimInput) -> ClaimItem:
    """What kgapi.writes takes for one AddClaimInput."""
    data: dict[str, Any] = {
        "subject": input.subject,
        "predicate": input.predicate.value,
        "object": input.object,
        "status": input.status.value,
        "rank": input.rank.value,
        "qualifiers": input.qualifiers or {},
        "valid_from": input.valid_from.isoformat() if input.valid_from else None,
        "valid_to": input.valid_to.isoformat() if input.valid_to else None,
    }
    return ClaimItem(data, _spans(input.evidence), input.expected_revision, input.idempotency_key)


def _too_many(info: Info, count: int) -> list[UserError]:
    """The request's one error when it carries more items than KGAPI_MAX_BULK_ITEMS."""
    maximum = info.context.settings.max_bulk_items
    if count <= maximum:
        return []
    message = (
        f"{count} items; a request takes at most {maximum} (KGAPI_MAX_BULK_ITEMS): send them "
        "in several requests. Nothing was written."
    )
    return [UserError(field="inputs", message=message, code="BAD_USER_INPUT")]


def _all_errors(outcomes: list[ItemOutcome]) -> list[UserError]:
    return [
        error for o in outcomes for error in _as_user_errors(o.errors, within=f"inputs[{o.index}]")
    ]


def _spans(items: list[EvidenceSpanInput]) -> list[EvidenceInput]:
    return [
        EvidenceInput(
            document=i.document, quote=i.quote, start=i.start, end=i.end, translation=i.translation
        )
        for i in items
    ]


async def _claim_write(info: Info, write: Awaitable[WriteResult]) -> ClaimPayload:
    """Run a claim write; a rejection becomes userErrors, success the claim as it now is."""
    try:
        result = await write
    except WriteRejected as exc:
        return ClaimPayload(claim=None, changed=False, user_errors=_user_errors(exc))
    except ScopeDenied as exc:
        raise Forbidden(str(exc)) from None
    rows = await claims_by_id(info.context.db, [result.target])
    claim = Relation.from_row(rows[0]) if rows else None
    return ClaimPayload(claim=claim, changed=result.changed, user_errors=[])


@strawberry.type(
    description="Change the graph (the editor role or above; a seeded fact needs the curator role)."
)
class Mutation:
    @strawberry.mutation(
        description="Create or update an entity.", permission_classes=[CanEdit, WithinKeyScope]
    )
    async def upsert_entity(
        self,
        info: Info,
        input: InputArg[UpsertEntityInput],
    ) -> UpsertEntityPayload:
        item = entity_item(input)
        try:
            result = await upsert_entity(
                info.context.db,
                info.context.principal,
                item.data,
                item.mentions,
                item.expected_revision,
                item.idempotency_key,
                item.change_kind,
            )
        except WriteRejected as exc:
            return UpsertEntityPayload(entity=None, changed=False, user_errors=_user_errors(exc))
        except ScopeDenied as exc:
            raise Forbidden(str(exc)) from None
        row = await info.context.loaders.entities.load(result.target)
        return UpsertEntityPayload(
            entity=entity_from_row(row) if row else None, changed=result.changed, user_errors=[]
        )

    @strawberry.mutation(
        description="Assert a fact with its evidence.", permission_classes=[CanEdit, WithinKeyScope]
    )
    async def add_claim(
        self,
        info: Info,
        input: InputArg[AddClaimInput],
    ) -> ClaimPayload:
        item = claim_item(input)
        return await _claim_write(
            info,
            add_claim(
                info.context.db,
                info.context.principal,
                item.data,
                item.evidence,
                item.expected_revision,
                item.idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="Create or update many entities, each as upsertEntity would (the same "
        "checks, a patch of an existing one, an audit event per changed item): a result per "
        "item, in input order; a bad item never stops the others. Written in transactions of "
        "KGAPI_BULK_BATCH_SIZE items; at most KGAPI_MAX_BULK_ITEMS items per request. Items "
        "naming one slug: an exact repeat answers as a re-send would, a different one fails.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def upsert_entities(
        self,
        info: Info,
        inputs: Annotated[
            list[UpsertEntityInput],
            strawberry.argument(description="The entities, each as upsertEntity takes it."),
        ],
    ) -> UpsertEntitiesPayload:
        refused = _too_many(info, len(inputs))
        if refused:
            return UpsertEntitiesPayload(
                results=[], written=0, unchanged=0, failed=len(inputs), user_errors=refused
            )
        outcomes = await upsert_entities(
            info.context.db,
            info.context.principal,
            [entity_item(i) for i in inputs],
            batch_size=info.context.settings.bulk_batch_size,
        )
        written = [o.target for o in outcomes if o.target is not None and not o.errors]
        rows = await info.context.loaders.entities.load_many(written)
        entities = {row.slug: entity_from_row(row) for row in rows if row is not None}
        tally = Tally.of(outcomes)
        return UpsertEntitiesPayload(
            results=[
                UpsertEntityResult(
                    index=o.index,
                    changed=o.changed,
                    entity=None if o.errors or o.target is None else entities.get(o.target),
                    user_errors=_as_user_errors(o.errors),
                )
                for o in outcomes
            ],
            written=tally.written,
            unchanged=tally.unchanged,
            failed=tally.failed,
            user_errors=_all_errors(outcomes),
        )

    @strawberry.mutation(
        description="Assert many facts, each as addClaim would (the same checks, an audit "
        "event per changed item): a result per item, in input order; a bad item never stops "
        "the others. Written in transactions of KGAPI_BULK_BATCH_SIZE items; at most "
        "KGAPI_MAX_BULK_ITEMS items per request. Items stating one claim (the same id): an "
        "exact repeat answers as a re-send would, one that differs fails.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def add_claims(
        self,
        info: Info,
        inputs: Annotated[
            list[AddClaimInput],
            strawberry.argument(description="The claims, each as addClaim takes it."),
        ],
    ) -> AddClaimsPayload:
        refused = _too_many(info, len(inputs))
        if refused:
            return AddClaimsPayload(
                results=[], written=0, unchanged=0, failed=len(inputs), user_errors=refused
            )
        outcomes = await add_claims(
            info.context.db,
            info.context.principal,
            [claim_item(i) for i in inputs],
            batch_size=info.context.settings.bulk_batch_size,
        )
        ids = sorted({o.target for o in outcomes if o.target is not None and not o.errors})
        rows = await claims_by_id(info.context.db, ids) if ids else []
        claims = {row.claim_id: Relation.from_row(row) for row in rows}
        tally = Tally.of(outcomes)
        return AddClaimsPayload(
            results=[
                AddClaimResult(
                    index=o.index,
                    changed=o.changed,
                    claim=None if o.errors or o.target is None else claims.get(o.target),
                    user_errors=_as_user_errors(o.errors),
                )
                for o in outcomes
            ],
            written=tally.written,
            unchanged=tally.unchanged,
            failed=tally.failed,
            user_errors=_all_errors(outcomes),
        )

    @strawberry.mutation(
        description="Retract a claim, keeping it and its history.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def retract_claim(
        self,
        info: Info,
        input: InputArg[RetractClaimInput],
    ) -> ClaimPayload:
        return await _claim_write(
            info,
            retract_claim(
                info.context.db,
                info.context.principal,
                input.id,
                input.reason,
                input.expected_revision,
                input.idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="Merge two entities that are one (the audit trail records it on both).",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def merge_entities(
        self,
        info: Info,
        input: InputArg[MergeEntitiesInput],
    ) -> MergeEntitiesPayload:
        try:
            result, moved = await merge_entities(
                info.context.db,
                info.context.principal,
                input.keep,
                input.merge,
                input.reason,
                input.idempotency_key,
            )
        except WriteRejected as exc:
            return MergeEntitiesPayload(
                entity=None, claims_moved=[], changed=False, user_errors=_user_errors(exc)
            )
        except ScopeDenied as exc:
            raise Forbidden(str(exc)) from None
        row = await info.context.loaders.entities.load(result.target)
        return MergeEntitiesPayload(
            entity=entity_from_row(row) if row else None,
            claims_moved=moved,
            changed=result.changed,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Delete an entity no claim names (retracted ones included) and no "
        "document lists as its editor; refused, naming them, otherwise.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def delete_entity(
        self,
        info: Info,
        input: InputArg[DeleteEntityInput],
    ) -> DeleteEntityPayload:
        try:
            result = await delete_entity(
                info.context.db,
                info.context.principal,
                input.slug,
                input.reason,
                input.idempotency_key,
            )
        except WriteRejected as exc:
            return DeleteEntityPayload(slug=None, changed=False, user_errors=_user_errors(exc))
        except ScopeDenied as exc:
            raise Forbidden(str(exc)) from None
        return DeleteEntityPayload(slug=result.target, changed=result.changed, user_errors=[])

    @strawberry.mutation(
        description="Undo a retraction: the claim counts again with the status it asserted "
        "(for `currentStatus` too); the retraction and the restoration stay in its history.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def restore_claim(
        self,
        info: Info,
        input: InputArg[RestoreClaimInput],
    ) -> ClaimPayload:
        return await _claim_write(
            info,
            restore_claim(
                info.context.db,
                info.context.principal,
                input.id,
                input.reason,
                input.expected_revision,
                input.idempotency_key,
            ),
        )

    @strawberry.mutation(
        description="Read a stored document for candidates (again, e.g. after accepting "
        "candidate entities): what its language's extractor proposes is queued for review.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def propose_candidates(
        self, info: Info, input: InputArg[ProposeCandidatesInput]
    ) -> ProposeCandidatesPayload:
        try:
            done = await propose_candidates(info.context.db, info.context.principal, input.document)
        except WriteRejected as exc:
            return ProposeCandidatesPayload(
                proposed=0,
                queued=0,
                extractor=None,
                extractor_version=None,
                user_errors=_user_errors(exc),
            )
        return ProposeCandidatesPayload(
            proposed=done.proposed,
            queued=done.new,
            extractor=done.extractor,
            extractor_version=done.version,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Accept a candidate (needs the curator role): it becomes a claim or an "
        "entity, checked as addClaim / upsertEntity check theirs, with the candidate as its "
        "origin and you in the audit trail.",
        permission_classes=[CanCurate, WithinKeyScope],
    )
    async def accept_candidate(
        self, info: Info, input: InputArg[AcceptCandidateInput]
    ) -> CandidatePayload:
        edits = _edits(input.edits, input.reason)
        try:
            accepted = await accept_candidate(
                info.context.db, info.context.principal, str(input.id), edits
            )
        except WriteRejected as exc:
            return CandidatePayload(
                candidate=None,
                claim=None,
                entity=None,
                changed=False,
                user_errors=_user_errors(exc),
            )
        except ScopeDenied as exc:
            raise Forbidden(str(exc)) from None
        claim: Relation | None = None
        entity: Entity | None = None
        if accepted.type is model.CandidateType.CLAIM:
            rows = await claims_by_id(info.context.db, [accepted.target])
            claim = Relation.from_row(rows[0]) if rows else None
        else:
            row = await info.context.loaders.entities.load(accepted.target)
            entity = entity_from_row(row) if row else None
        return CandidatePayload(
            candidate=candidate_from_props(accepted.candidate),
            claim=claim,
            entity=entity,
            changed=accepted.changed,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Reject a candidate (needs the curator role), with the reason.",
        permission_classes=[CanCurate, WithinKeyScope],
    )
    async def reject_candidate(
        self, info: Info, input: InputArg[RejectCandidateInput]
    ) -> CandidatePayload:
        try:
            props = await reject_candidate(
                info.context.db, info.context.principal, str(input.id), input.reason
            )
        except WriteRejected as exc:
            return CandidatePayload(
                candidate=None,
                claim=None,
                entity=None,
                changed=False,
                user_errors=_user_errors(exc),
            )
        return CandidatePayload(
            candidate=candidate_from_props(props),
            claim=None,
            entity=None,
            changed=True,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Store a document verbatim, with its sentences.",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def add_document(
        self,
        info: Info,
        input: InputArg[DocumentInput],
    ) -> DocumentPayload:
        return await _document(info, input, link=False)

    @strawberry.mutation(
        description="Store a document, link mentions of known entities and queue the "
        "candidates its reading proposes for review (never claims).",
        permission_classes=[CanEdit, WithinKeyScope],
    )
    async def ingest_document(
        self,
        info: Info,
        input: InputArg[DocumentInput],
    ) -> DocumentPayload:
        return await _document(info, input, link=True)


async def _document(info: Info, input: DocumentInput, link: bool) -> DocumentPayload:
    data = {
        "text": input.text,
        "language": input.language,
        "title": input.title,
        "title_en": input.title_en,
        "slug": input.slug,
        "url": input.url,
        "published": input.published.isoformat() if input.published else None,
    }
    try:
        result = await add_document(
            info.context.db,
            info.context.principal,
            info.context.settings,
            data,
            link,
            input.idempotency_key,
        )
    except WriteRejected as exc:
        return DocumentPayload(
            document=None,
            changed=False,
            mentions_linked=0,
            candidates=[],
            candidates_queued=0,
            user_errors=_user_errors(exc),
        )
    except ScopeDenied as exc:
        raise Forbidden(str(exc)) from None
    queued = 0
    if link:
        proposed = await propose_candidates(info.context.db, info.context.principal, result.target)
        queued = proposed.new
    row = await info.context.loaders.documents.load(result.target)
    report = result.report
    return DocumentPayload(
        candidates_queued=queued,
        document=Document.from_row(row) if row else None,
        changed=result.changed,
        mentions_linked=len(report.mentions) if report else 0,
        candidates=[
            MentionCandidate(text=c.text, sentence_index=c.sentence, start=c.start, end=c.end)
            for c in (report.candidates if report else [])
        ],
        user_errors=[],
    )


def _edits(given: CandidateEditsInput | None, reason: str | None) -> AcceptEdits:
    if given is None:
        return AcceptEdits(reason=reason)
    return AcceptEdits(
        predicate=given.predicate.value if given.predicate else None,
        subject=given.subject,
        object=given.object,
        status=given.status.value if given.status else None,
        rank=given.rank.value if given.rank else None,
        qualifiers=given.qualifiers,
        translation=given.translation,
        start=given.start,
        end=given.end,
        slug=given.slug,
        kind=given.kind.value if given.kind else None,
        names=[{"lang": n.lang, "value": n.value} for n in given.names] if given.names else None,
        aliases=given.aliases,
        description=given.description,
        reason=reason,
    )
