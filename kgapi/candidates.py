"""Candidates: what a machine reading of a document proposes, and a curator's review of it.

The flow is the architecture's: a stored document is read (kgapi.ingest.extract, per
language) into proposals; they are queued as :Candidate nodes, apart from the facts; a curator
accepts one, which writes the claim or entity through the same validator and write path as
addClaim / upsertEntity, in the same transaction as the candidate's new state — or rejects it
with a reason. Until then nothing of it is a fact: no fact query reads :Candidate.

Why a proposal is skipped rather than queued: a claim that a non-retracted claim of the graph
already states from the same sentence (same predicate, subject and object) would only make a
reviewer read it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kgapi import model
from kgapi.auth import Principal
from kgapi.db import Database, Tx
from kgapi.ingest.extract import extractor_for
from kgapi.ingest.proposals import Extractor, ProposedClaim, ProposedEntity, proposal_id
from kgapi.mentions import entity_name_forms, find_mentions
from kgapi.queries import candidates as cq
from kgapi.queries import writes as wq
from kgapi.queries.documents import documents_by_slug
from kgapi.queries.revision import bump_revision
from kgapi.text import split_sentences
from kgapi.writes import (
    WHOLE_ITEM,
    ClaimItem,
    EntityItem,
    EvidenceInput,
    ItemOutcome,
    UserError,
    WriteRejected,
    _event,
    add_claims,
    upsert_entities,
)

__all__ = [
    "AcceptEdits",
    "Accepted",
    "Proposed",
    "accept_candidate",
    "propose_candidates",
    "reject_candidate",
]

NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"


@dataclass(frozen=True, slots=True)
class Proposed:
    """What one reading queued: `new` of `proposed` were not queued before."""

    document: str
    extractor: str
    version: str
    proposed: int
    new: int
    skipped_known: int


def _claim_row(document: str, extractor: Extractor, p: ProposedClaim) -> dict[str, Any]:
    key = ["claim", p.predicate.value, p.subject, p.object, p.start, p.end]
    return {
        "id": proposal_id(document, extractor.name, key),
        "props": {
            "type": model.CandidateType.CLAIM.value,
            "document": document,
            "sentence": p.sentence,
            "predicate": p.predicate.value,
            "subject": p.subject,
            "object": p.object,
            "status": p.status.value,
            "cue": p.cue,
            "start": p.start,
            "end": p.end,
            "quote": p.quote,
            "trigger": p.trigger,
            "trigger_start": p.trigger_start,
            "trigger_end": p.trigger_end,
            "confidence": p.confidence,
            "extractor": extractor.name,
            "extractor_version": extractor.version,
        },
    }


def _entity_row(document: str, extractor: Extractor, p: ProposedEntity) -> dict[str, Any]:
    return {
        "id": proposal_id(document, extractor.name, ["entity", p.start, p.end]),
        "props": {
            "type": model.CandidateType.ENTITY.value,
            "document": document,
            "sentence": p.sentence,
            "kind": p.kind.value,
            "slug": p.slug,
            "start": p.start,
            "end": p.end,
            "quote": p.text,
            "kind_reason": p.reason,
            "confidence": p.confidence,
            "extractor": extractor.name,
            "extractor_version": extractor.version,
        },
    }


async def propose_candidates(
    db: Database, principal: Principal, document: str, extractor: Extractor | None = None
) -> Proposed:
    """Read a stored document with its language's extractor and queue what it proposes.

    The reading links mentions against the entities as they are now, so reading a document
    again after accepting candidate entities proposes the claims that name them.
    """
    found = await documents_by_slug(db, [document])
    row = found.get(document)
    texts = await wq.document_texts(db, [document])
    if row is None or document not in texts:
        raise WriteRejected(
            [UserError("document", f"no stored document text has the slug {document!r}", NOT_FOUND)]
        )
    text, _ = texts[document]
    language = row.language
    entities = await wq.name_rows(db)
    forms = entity_name_forms(entities)
    reader = extractor or extractor_for(language, forms)
    kinds = {e.slug: model.EntityKind(e.kind) for e in entities}
    mentions, unlinked = find_mentions(text, forms)
    reading = reader.read(text, language, split_sentences(text), mentions, kinds, unlinked)
    known = await cq.stated_in_document(db, document)
    claims = [
        c
        for c in reading.claims
        if (c.predicate.value, c.subject, c.object, c.sentence) not in known
    ]
    rows = [_claim_row(document, reader, c) for c in claims]
    rows += [_entity_row(document, reader, e) for e in reading.entities]

    async def work(tx: Tx) -> int:
        new = await cq.store_candidates(tx, rows, principal.actor)
        if new == 0:  # nothing queued: no event, as for any write that changes nothing
            return 0
        after = {
            "extractor": reader.name,
            "version": reader.version,
            "proposed": len(rows),
            "new": new,
        }
        await wq.record_change(
            tx,
            _event(
                principal,
                model.WriteOperation.PROPOSE_CANDIDATES,
                model.TargetType.DOCUMENT,
                document,
                None,
                after,
                [],
                sorted({c.predicate.value for c in claims}),
            ),
        )
        await bump_revision(tx)
        return new

    new = await db.in_write_transaction(work)
    return Proposed(
        document,
        reader.name,
        reader.version,
        len(rows),
        new,
        len(reading.claims) - len(claims),
    )


@dataclass(frozen=True, slots=True)
class AcceptEdits:
    """What a curator changes while accepting; None keeps the candidate's reading.

    A claim needs an English rendering of its quote (`translation`), as every claim's evidence
    does; an entity needs a `description`. `start`/`end` move the evidence span within the
    same document.
    """

    predicate: str | None = None
    subject: str | None = None
    object: str | None = None
    status: str | None = None
    rank: str | None = None
    qualifiers: Any = None  # checked by the validator, as addClaim's are
    translation: str | None = None
    start: int | None = None
    end: int | None = None
    slug: str | None = None
    kind: str | None = None
    names: list[dict[str, str]] | None = None
    aliases: list[str] | None = None
    description: str | None = None
    reason: str | None = None  # why accepted, for the audit trail


@dataclass(frozen=True, slots=True)
class Accepted:
    candidate: dict[str, Any]  # its properties after review
    type: model.CandidateType
    target: str  # the claim id or entity slug it became
    changed: bool  # False when the graph held that claim or entity exactly already


def _pending(props: dict[str, Any] | None, candidate_id: str) -> dict[str, Any]:
    if props is None:
        raise WriteRejected(
            [UserError("id", f"no candidate has the id {candidate_id!r}", NOT_FOUND)]
        )
    state = props.get("state")
    if state != model.CandidateState.PENDING.value:
        by = f" by {props['reviewed_by']}" if props.get("reviewed_by") else ""
        raise WriteRejected(
            [UserError("id", f"candidate {candidate_id!r} was already {state}{by}", CONFLICT)]
        )
    return props


def _claim_item(
    props: dict[str, Any], edits: AcceptEdits, actor: str, text: str | None
) -> ClaimItem:
    data: dict[str, Any] = {
        "subject": edits.subject or props["subject"],
        "predicate": edits.predicate or props["predicate"],
        "object": edits.object or props["object"],
        "status": edits.status or props["status"],
        "qualifiers": edits.qualifiers or {},
    }
    if edits.rank is not None:
        data["rank"] = edits.rank
    start = props["start"] if edits.start is None else edits.start
    end = props["end"] if edits.end is None else edits.end
    quote = str(props["quote"])
    if (start, end) != (props["start"], props["end"]) and text is not None:
        # a moved span quotes what it covers; kgapi.writes checks the offsets themselves
        quote = text[max(start, 0) : max(end, 0)]
    evidence = EvidenceInput(
        document=str(props["document"]),
        quote=quote,
        start=int(start),
        end=int(end),
        translation=edits.translation,
    )
    origin = {"origin_candidate": str(props["id"]), "reviewed_by": actor}
    return ClaimItem(data, [evidence], origin=origin)


def _entity_item(props: dict[str, Any], edits: AcceptEdits, language: str) -> EntityItem:
    names = edits.names or [{"lang": language, "value": str(props["quote"])}]
    data: dict[str, Any] = {
        "slug": edits.slug or props["slug"],
        "kind": edits.kind or props["kind"],
        "names": names,
        "aliases": edits.aliases or [],
        "description": edits.description or "",
    }
    mention = EvidenceInput(
        document=str(props["document"]),
        quote=str(props["quote"]),
        start=int(props["start"]),
        end=int(props["end"]),
    )
    return EntityItem(data, [mention])


def _as_edit_errors(errors: Sequence[UserError]) -> list[UserError]:
    """The write's errors under the names of the edits that would fix them (the evidence span
    is the candidate's own: `edits.start`, `edits.translation`, ...)."""
    out: list[UserError] = []
    for error in errors:
        name = error.field
        for prefix in ("evidence[0].", "mentions[0]."):
            name = name.removeprefix(prefix)
        out.append(
            UserError("edits" if name == WHOLE_ITEM else f"edits.{name}", error.message, error.code)
        )
    return out


async def accept_candidate(
    db: Database, principal: Principal, candidate_id: str, edits: AcceptEdits
) -> Accepted:
    """Make the candidate a fact (a claim, or an entity), checked as addClaim / upsertEntity
    check theirs; the candidate is marked accepted in the same transaction, so a claim never
    exists without its candidate saying so, nor the other way round."""
    found = await cq.candidates_by_id(db, [candidate_id])
    props = _pending(found.get(candidate_id), candidate_id)
    kind = model.CandidateType(props["type"])
    marked: dict[str, Any] = {}

    async def mark(tx: Tx, outcomes: dict[int, ItemOutcome]) -> None:
        outcome = outcomes.get(0)
        if outcome is None or outcome.errors:
            return
        _pending(await cq.lock_candidate(tx, candidate_id), candidate_id)
        target = str(outcome.target)
        after = await cq.mark_accepted(tx, candidate_id, principal.actor, target)
        marked.update(after)
        event_after = {"state": after["state"], "result": target, "reason": edits.reason}
        await wq.record_change(
            tx,
            _event(
                principal,
                model.WriteOperation.ACCEPT_CANDIDATE,
                model.TargetType.CANDIDATE,
                candidate_id,
                {"state": props["state"]},
                event_after,
                [],
                [str(props["predicate"])] if kind is model.CandidateType.CLAIM else [],
            ),
        )

    if kind is model.CandidateType.CLAIM:
        texts = await wq.document_texts(db, [str(props["document"])])
        text = texts.get(str(props["document"]), (None, None))[0]
        item = _claim_item(props, edits, principal.actor, text)
        (outcome,) = await add_claims(db, principal, [item], batch_size=1, also=mark)
    else:
        documents = await documents_by_slug(db, [str(props["document"])])
        language = documents[str(props["document"])].language
        entity = _entity_item(props, edits, language)
        (outcome,) = await upsert_entities(db, principal, [entity], batch_size=1, also=mark)
    if outcome.errors:
        raise WriteRejected(_as_edit_errors(outcome.errors))
    return Accepted(marked, kind, str(outcome.target), outcome.changed)


async def reject_candidate(
    db: Database, principal: Principal, candidate_id: str, reason: str
) -> dict[str, Any]:
    """Refuse a candidate, with the reason a later reader (or extractor author) learns from."""
    if not reason.strip():
        raise WriteRejected([UserError("reason", "say why the candidate is rejected")])

    async def work(tx: Tx) -> dict[str, Any]:
        before = _pending(await cq.lock_candidate(tx, candidate_id), candidate_id)
        after = await cq.mark_rejected(tx, candidate_id, principal.actor, reason)
        await wq.record_change(
            tx,
            _event(
                principal,
                model.WriteOperation.REJECT_CANDIDATE,
                model.TargetType.CANDIDATE,
                candidate_id,
                {"state": before["state"]},
                {"state": after["state"], "reason": reason},
                [],
                [str(before["predicate"])] if before.get("predicate") else [],
            ),
        )
        await bump_revision(tx)
        return after

    return await db.in_write_transaction(work)
