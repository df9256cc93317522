"""The write API's rules: validate like the seed, then change the graph in one transaction.

Every mutation here is all-or-nothing (one managed transaction), idempotent on natural keys
(slugs, claim ids derived from the claim's content, document checksums) and on an optional
client idempotency key, guarded by revisions (a stale `expectedRevision` is a CONFLICT, never a
lost update), and leaves a change event — who, when, what, before and after — in the same
transaction, so the audit trail and the change feed can never disagree with the graph.

The bulk writes (upsert_entities, add_claims: upsertEntities, addClaims and `kgapi import`)
keep these promises per item: an item is written whole or not at all, in a transaction of a
batch of items whose statements each carry the whole batch, so the round trips grow with the
batches, not the items. upsert_entity and add_claim are bulk writes of one item.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j.exceptions import ConstraintError
from pydantic import ValidationError

from kgapi import model
from kgapi.auth import Principal, Role, ScopeDenied
from kgapi.config import Settings
from kgapi.db import Database, Tx
from kgapi.mentions import Candidate, Mention, entity_name_forms, find_mentions
from kgapi.queries import writes as q
from kgapi.queries.entities import STORED_SORT_KEYS, entity_names
from kgapi.queries.graph_writes import SEEDED
from kgapi.queries.revision import bump_revision
from kgapi.seed import claim_row, document_rows, entity_rows
from kgapi.text import sentence_containing, split_sentences
from kgapi.validation import (
    ClaimIn,
    DocumentIn,
    EntityIn,
    EntityPatchIn,
    EvidenceIn,
    LoadedDocument,
    Problem,
    StoredText,
    check_claim_fields,
    check_entity,
    check_evidence,
    pydantic_problems,
)

__all__ = [
    "ClaimItem",
    "EntityItem",
    "EvidenceInput",
    "IngestReport",
    "ItemOutcome",
    "Relinked",
    "Tally",
    "UserError",
    "WriteRejected",
    "WriteResult",
    "add_claim",
    "add_claims",
    "add_document",
    "relink_documents",
    "restore_claim",
    "retract_claim",
    "upsert_entities",
    "upsert_entity",
]

CLAIM_ID_HASH_LENGTH = 10
ENTRY = "input"
FORBIDDEN = "FORBIDDEN"  # the code of an item refused by the key's scope or the curation rule
WHOLE_ITEM = "(entry)"  # the field of a problem with an item as a whole (as the validator says)
IDEMPOTENCY = "idempotencyKey"


@dataclass(frozen=True, slots=True)
class EvidenceInput:
    """A span given by offsets, or by a quote that kgapi locates in the document."""

    document: str
    quote: str
    start: int | None = None
    end: int | None = None
    translation: str | None = None


@dataclass(frozen=True, slots=True)
class UserError:
    field: str
    message: str
    code: str = "BAD_USER_INPUT"


class WriteRejected(Exception):
    """Nothing was written; `errors` say why, each naming the input field."""

    def __init__(self, errors: list[UserError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


@dataclass(frozen=True, slots=True)
class IngestReport:
    mentions: list[Mention] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WriteResult:
    target: str  # slug or claim id
    changed: bool
    replayed: bool = False  # answered from an idempotency record
    report: IngestReport | None = None


def _errors(problems: Sequence[Problem]) -> list[UserError]:
    return [UserError(p.field, p.message) for p in problems]


def _request_hash(operation: str, payload: Any) -> str:
    raw = json.dumps([operation, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


async def _texts(db: Database, spans: Sequence[EvidenceInput]) -> dict[str, StoredText]:
    return {slug: StoredText.of(text) for slug, (text, _) in (await _stored(db, spans)).items()}


async def _stored(
    db: Database, spans: Sequence[EvidenceInput]
) -> dict[str, tuple[str, str | None]]:
    """The text and publication date of each document the spans cite (one read for all)."""
    slugs = sorted({s.document for s in spans})
    return await q.document_texts(db, slugs) if slugs else {}


def _resolve(
    span: EvidenceInput, texts: dict[str, StoredText], path: str, errors: list[UserError]
) -> dict[str, Any] | None:
    """Offsets and sentence index for a span; a quote alone is located in the text."""
    doc = texts.get(span.document)
    if doc is None:
        errors.append(UserError(f"{path}.document", f"unknown document {span.document!r}"))
        return None
    start, end = span.start, span.end
    if (start is None) != (end is None):
        errors.append(UserError(f"{path}.start", "give both start and end, or neither"))
        return None
    if start is None or end is None:
        found = doc.text.count(span.quote) if span.quote else 0
        if found == 0:
            errors.append(
                UserError(f"{path}.quote", f"the quote is not in document {span.document!r}")
            )
            return None
        if found > 1:
            errors.append(
                UserError(
                    f"{path}.quote",
                    f"the quote occurs {found} times in {span.document!r}; give start and end",
                )
            )
            return None
        start = doc.text.index(span.quote)
        end = start + len(span.quote)
    sentence = sentence_containing(doc.sentences, start, end)
    return {
        "document": span.document,
        "sentence": sentence.index if sentence else 0,
        "start": start,
        "end": end,
        "quote": span.quote,
        "translation": span.translation,
    }


async def _idempotent(
    db: Database,
    principal: Principal,
    key: str | None,
    operation: str,
    payload: Any,
    work: Callable[[Tx], Awaitable[WriteResult]],
) -> WriteResult:
    """Run `work` once per (actor, idempotency key): a retry gets the first answer back.

    Unless it is a replay, the transaction ends by bumping the graph revision (its last lock,
    see kgapi.queries.revision), so that no worker's read cache serves an answer from before
    it. It bumps even when the work turns out to change nothing: proving that would cost more
    than it saves, and the price is one round of cache misses. (Entities and claims go through
    _in_batches, which knows exactly when a batch wrote graph data.)
    """
    request_hash = _request_hash(operation, payload)
    scoped = _scoped(principal, key)

    async def transaction(tx: Tx) -> WriteResult:
        if scoped is not None:
            seen = await q.idempotency_lookup(tx, scoped)
            if seen is not None:
                if seen["request_hash"] != request_hash:
                    message = "this key was already used for a different request"
                    raise WriteRejected([UserError(IDEMPOTENCY, message)])
                # The first answer again: what it wrote, and whether it changed anything.
                return WriteResult(str(seen["result"]), changed=seen["changed"], replayed=True)
        result = await work(tx)
        if scoped is not None:
            await q.idempotency_save(
                tx, scoped, principal.actor, operation, request_hash, result.target, result.changed
            )
        await bump_revision(tx)
        return result

    try:
        return await db.in_write_transaction(transaction)
    except ConstraintError:
        # The same key (or the same new slug) committed concurrently: the retry sees it.
        return await db.in_write_transaction(transaction)


def _scoped(principal: Principal, key: str | None) -> str | None:
    """Idempotency keys are the caller's own: two partners may pick the same one."""
    return f"{principal.actor}:{key}" if key else None


def _revision_errors(
    before: dict[str, Any] | None, expected: int | None, what: str
) -> list[UserError]:
    if expected is None:
        return []
    current = int(before.get("revision") or 0) if before else 0
    if current == expected:
        return []
    return [
        UserError(
            "expectedRevision", f"{what} is at revision {current}, not {expected}", "CONFLICT"
        )
    ]


def _check_revision(before: dict[str, Any] | None, expected: int | None, what: str) -> None:
    errors = _revision_errors(before, expected, what)
    if errors:
        raise WriteRejected(errors)


def _curation_denial(
    principal: Principal, before: dict[str, Any] | None, claim_id: str
) -> str | None:
    """A claim the seed wrote is a curated fact: only a curator (or an admin) may change or
    retract it, so that an editor's key cannot undo what the project itself vouches for."""
    if before is not None and before.get(SEEDED) and not principal.role.at_least(Role.CURATOR):
        return (
            f"claim {claim_id!r} is a seeded (curated) fact: changing or retracting it needs "
            f"the curator role; {principal.actor} has {principal.role.value}"
        )
    return None


def _check_curation(principal: Principal, before: dict[str, Any] | None, claim_id: str) -> None:
    denial = _curation_denial(principal, before, claim_id)
    if denial is not None:
        raise ScopeDenied(denial)


def _event(
    principal: Principal,
    operation: model.WriteOperation,
    target_type: model.TargetType,
    target_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    kinds: list[str],
    predicates: list[str],
) -> dict[str, Any]:
    def clean(props: dict[str, Any] | None) -> str | None:
        if props is None:
            return None
        kept = {
            k: v
            for k, v in props.items()
            if not k.startswith("_") and k != "content_hash" and k not in STORED_SORT_KEYS
        }
        return json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str)

    return {
        "id": uuid.uuid4().hex,
        "actor": principal.actor,
        "operation": operation.value,
        "target_type": target_type.value,
        "target_id": target_id,
        "kinds": kinds,
        "predicates": predicates,
        "before_json": clean(before),
        "after_json": clean(after),
    }


# --- Entities and claims, one or many ------------------------------------------------------
#
# upsertEntity and addClaim are bulk writes of one item: the same plan, checks, rows, events
# and idempotency records, so that an item of upsertEntities or addClaims is refused or written
# exactly as the single mutation would refuse or write it.


@dataclass(frozen=True, slots=True)
class EntityItem:
    """One upsertEntity request (upsertEntities takes a list of them)."""

    data: dict[str, Any]  # slug and the fields given (kind, names, aliases, description)
    mentions: list[EvidenceInput] = field(default_factory=list)
    expected_revision: int | None = None
    idempotency_key: str | None = None
    change_kind: bool = False


@dataclass(frozen=True, slots=True)
class ClaimItem:
    """One addClaim request (addClaims takes a list of them)."""

    data: dict[str, Any]
    evidence: list[EvidenceInput] = field(default_factory=list)
    expected_revision: int | None = None
    idempotency_key: str | None = None
    # Stored with the claim, e.g. the candidate it was accepted from and its reviewer
    # (kgapi.candidates); part of its content, not of its id.
    origin: dict[str, str] | None = None


# Runs in a batch's transaction after its items are written (outcomes by input index): a
# caller's own statements that must commit with them or not at all (kgapi.candidates marks the
# candidate it accepted). Raising WriteRejected there rolls the whole batch back.
AlsoInTransaction = Callable[[Tx, "dict[int, ItemOutcome]"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What became of one item: written (`changed`), unchanged, or failed with `errors`, in
    which case nothing of it was written."""

    index: int
    target: str | None  # slug or claim id; None when the item never got as far as having one
    changed: bool = False
    errors: list[UserError] = field(default_factory=list)
    replayed: bool = False  # answered from an idempotency record

    def result(self) -> WriteResult:
        """The answer of the single mutation: a refusal by the key's scope or the curation rule
        is ScopeDenied (FORBIDDEN for the whole request), any other problem WriteRejected."""
        denied = next((e for e in self.errors if e.code == FORBIDDEN), None)
        if denied is not None:
            raise ScopeDenied(denied.message)
        if self.errors or self.target is None:
            raise WriteRejected(self.errors)
        return WriteResult(self.target, self.changed, self.replayed)


@dataclass(frozen=True, slots=True)
class Tally:
    written: int
    unchanged: int
    failed: int

    @classmethod
    def of(cls, outcomes: Sequence[ItemOutcome]) -> Tally:
        failed = sum(1 for o in outcomes if o.errors)
        written = sum(1 for o in outcomes if o.changed and not o.errors)
        return cls(written, len(outcomes) - failed - written, failed)


@dataclass(frozen=True, slots=True)
class _Plan:
    """An item checked as far as it can be before its transaction."""

    index: int
    key: str  # what it writes: a slug or a claim id
    request_hash: str  # as the single mutation hashes it, so a key replays across both
    scoped_key: str | None


@dataclass(frozen=True, slots=True)
class _EntityPlan(_Plan):
    item: EntityItem
    spans: list[dict[str, Any]]
    span_errors: list[UserError]


@dataclass(frozen=True, slots=True)
class _ClaimPlan(_Plan):
    item: ClaimItem
    claim: ClaimIn
    row: dict[str, Any]
    kinds: list[str]


PlanT = TypeVar("PlanT", bound=_Plan)
Progress = Callable[[int, int], None]


def _failed(index: int, target: str | None, errors: list[UserError]) -> ItemOutcome:
    if not errors:  # never a failure without a reason
        errors = [UserError(WHOLE_ITEM, "the item could not be written")]
    return ItemOutcome(index, target, errors=errors)


def _set_apart_repeats(
    plans: list[PlanT], conflict: Callable[[PlanT, PlanT], UserError]
) -> tuple[list[PlanT], dict[int, int], dict[int, ItemOutcome]]:
    """Items of one request that write the same target (slug, claim id) or use the same
    idempotency key as an earlier item: an exact repeat of that item (the same request and
    key) gets its outcome, as if sent again after it; any other is refused with
    `conflict`, since which of two different versions should win is not the API's to guess.
    Returns the items to write, {repeat: its first}, and the refused."""
    firsts: dict[str, PlanT] = {}
    keys: dict[str, PlanT] = {}
    unique: list[PlanT] = []
    repeats: dict[int, int] = {}
    refused: dict[int, ItemOutcome] = {}
    for plan in plans:
        first = firsts.get(plan.key)
        if first is not None:
            if (first.request_hash, first.scoped_key) == (plan.request_hash, plan.scoped_key):
                repeats[plan.index] = first.index
            else:
                refused[plan.index] = _failed(plan.index, plan.key, [conflict(plan, first)])
            continue
        used = keys.get(plan.scoped_key) if plan.scoped_key else None
        if used is not None:
            message = f"item {used.index} of this request uses this key for a different request"
            refused[plan.index] = _failed(plan.index, plan.key, [UserError(IDEMPOTENCY, message)])
            continue
        firsts[plan.key] = plan
        if plan.scoped_key:
            keys[plan.scoped_key] = plan
        unique.append(plan)
    return unique, repeats, refused


def _repeated(first: ItemOutcome, index: int) -> ItemOutcome:
    if first.errors:
        return ItemOutcome(index, first.target, errors=first.errors)
    return ItemOutcome(index, first.target, changed=False)


async def _in_batches(
    db: Database,
    plans: list[PlanT],
    batch_size: int,
    write: Callable[[Tx, list[PlanT]], Awaitable[dict[int, ItemOutcome]]],
    settled: int,
    total: int,
    on_progress: Progress | None,
) -> dict[int, ItemOutcome]:
    """One transaction per `batch_size` items (each bumps the graph revision once, last); a
    batch commits whole, and `write` leaves an item that fails out of it, so an item is never
    half-written and one bad item never holds back another."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    outcomes: dict[int, ItemOutcome] = {}
    for start in range(0, len(plans), batch_size):
        batch = plans[start : start + batch_size]

        async def transaction(tx: Tx, batch: list[PlanT] = batch) -> dict[int, ItemOutcome]:
            return await write(tx, batch)

        try:
            outcomes.update(await db.in_write_transaction(transaction))
        except ConstraintError:
            # A key or a new slug committed concurrently by another writer: the retry sees it.
            outcomes.update(await db.in_write_transaction(transaction))
        if on_progress is not None:
            on_progress(settled + start + len(batch), total)
    if on_progress is not None and not plans:
        on_progress(total, total)
    return outcomes


async def _replays(tx: Tx, batch: list[PlanT]) -> tuple[list[PlanT], dict[int, ItemOutcome]]:
    """Items whose idempotency key has a record get its first answer (or, for a different
    request, an error); the others are to be written."""
    seen = await q.idempotency_lookups(tx, sorted({p.scoped_key for p in batch if p.scoped_key}))
    live: list[PlanT] = []
    outcomes: dict[int, ItemOutcome] = {}
    for plan in batch:
        record = seen.get(plan.scoped_key) if plan.scoped_key else None
        if record is None:
            live.append(plan)
        elif record["request_hash"] != plan.request_hash:
            message = "this key was already used for a different request"
            outcomes[plan.index] = _failed(plan.index, plan.key, [UserError(IDEMPOTENCY, message)])
        else:
            # The first answer again: what it wrote, and whether it changed anything.
            target, changed = str(record["result"]), bool(record["changed"])
            outcomes[plan.index] = ItemOutcome(plan.index, target, changed, replayed=True)
    return live, outcomes


def _saved(
    principal: Principal, plan: _Plan, operation: model.WriteOperation, changed: bool
) -> list[dict[str, Any]]:
    if plan.scoped_key is None:
        return []
    return [
        {
            "key": plan.scoped_key,
            "actor": principal.actor,
            "operation": operation.value,
            "hash": plan.request_hash,
            "result": plan.key,
            "changed": changed,
        }
    ]


async def _finish(
    tx: Tx, events: list[dict[str, Any]], saves: list[dict[str, Any]], wrote: bool
) -> None:
    """A batch's last statements: its change events, its idempotency records, and — when it
    wrote graph data — the graph revision, the transaction's last lock (kgapi.queries.revision),
    so that no worker's read cache serves an answer from before it."""
    await q.record_changes(tx, events)
    await q.idempotency_saves(tx, saves)
    if wrote:
        await bump_revision(tx)


async def upsert_entities(
    db: Database,
    principal: Principal,
    items: Sequence[EntityItem],
    *,
    batch_size: int,
    on_progress: Progress | None = None,
    also: AlsoInTransaction | None = None,
) -> list[ItemOutcome]:
    """Create entities, or patch existing ones, each as upsert_entity would: an outcome per
    item, in input order; a bad item never stops the others.

    Reads are shared: one read of every cited document, then per batch of `batch_size`
    items one transaction with one statement per step for all of them (the idempotency
    records, the locks in slug order, the claims of entities changing kind, the seed's
    statements, the change events), whatever the number of items.

    Items that name the same slug: the first is written; a later exact repeat (same fields,
    mentions, flags and idempotency key) answers as a re-send after it would (unchanged, or
    the first's errors), and a later different one is refused on `slug` — one request is not
    a sequence of patches, so send each entity once (or in requests one after another).
    """
    outcomes: dict[int, ItemOutcome] = {}
    allowed: list[tuple[int, EntityItem]] = []
    for index, item in enumerate(items):
        slug = str(item.data.get("slug", ""))
        try:
            principal.check_slug(slug, "slug")
        except ScopeDenied as exc:
            outcomes[index] = _failed(index, slug, [UserError("slug", str(exc), FORBIDDEN)])
        else:
            allowed.append((index, item))
    texts = await _texts(db, [m for _, item in allowed for m in item.mentions])
    plans = [_plan_entity(principal, index, item, texts) for index, item in allowed]
    unique, repeats, refused = _set_apart_repeats(plans, _entity_conflict)
    outcomes.update(refused)

    async def write(tx: Tx, batch: list[_EntityPlan]) -> dict[int, ItemOutcome]:
        written = await _write_entities(tx, principal, batch, texts)
        if also is not None:
            await also(tx, written)
        return written

    settled = len(items) - len(unique)
    outcomes.update(
        await _in_batches(db, unique, batch_size, write, settled, len(items), on_progress)
    )
    for index, first in repeats.items():
        outcomes[index] = _repeated(outcomes[first], index)
    return [outcomes[index] for index in range(len(items))]


def _plan_entity(
    principal: Principal, index: int, item: EntityItem, texts: dict[str, StoredText]
) -> _EntityPlan:
    span_errors: list[UserError] = []
    resolved = [
        _resolve(m, texts, f"mentions[{i}]", span_errors) for i, m in enumerate(item.mentions)
    ]
    spans = [r for r in resolved if r]
    payload = {
        "entity": item.data,
        "mentions": spans,
        "changeKind": item.change_kind,
        "expectedRevision": item.expected_revision,
    }
    return _EntityPlan(
        index,
        str(item.data.get("slug", "")),
        _request_hash(model.WriteOperation.UPSERT_ENTITY.value, payload),
        _scoped(principal, item.idempotency_key),
        item,
        spans,
        span_errors,
    )


def _entity_conflict(plan: _EntityPlan, first: _EntityPlan) -> UserError:
    return UserError(
        "slug",
        f"item {first.index} of this request also writes {plan.key!r}, differently: send each "
        "entity once per request",
    )


def _moves_kind(plan: _EntityPlan, before: dict[str, Any] | None) -> bool:
    data = plan.item.data
    return (
        before is not None
        and plan.item.change_kind
        and "kind" in data
        and data["kind"] != before.get("kind")
    )


async def _write_entities(
    tx: Tx, principal: Principal, batch: list[_EntityPlan], texts: dict[str, StoredText]
) -> dict[int, ItemOutcome]:
    live, outcomes = await _replays(tx, batch)
    befores = await q.lock_entities(tx, sorted({p.key for p in live}))
    roles = await q.entity_claim_roles(
        tx, sorted({p.key for p in live if _moves_kind(p, befores.get(p.key))})
    )
    rows: dict[str, list[dict[str, Any]]] = {"entities": [], "mentions": []}
    events: list[dict[str, Any]] = []
    saves: list[dict[str, Any]] = []
    for plan in live:
        before = befores.get(plan.key)
        entity, errors = _checked_entity(plan, before, roles.get(plan.key, []), texts)
        if entity is None:
            outcomes[plan.index] = _failed(plan.index, plan.key, errors)
            continue
        own: dict[str, list[dict[str, Any]]] = {"entities": [], "mentions": []}
        entity_rows(entity, own)
        row = own["entities"][0]
        changed = before is None or before.get("content_hash") != row["hash"]
        for name, added in own.items():
            rows[name] += added  # an unchanged entity's new mentions are MERGEd too
        if changed:
            after = {**row["props"], "revision": int((before or {}).get("revision") or 0) + 1}
            events.append(
                _event(
                    principal,
                    model.WriteOperation.UPSERT_ENTITY,
                    model.TargetType.ENTITY,
                    entity.slug,
                    before,
                    after,
                    [entity.kind.value],
                    [],
                )
            )
        saves += _saved(principal, plan, model.WriteOperation.UPSERT_ENTITY, changed)
        outcomes[plan.index] = ItemOutcome(plan.index, entity.slug, changed)
    if rows["entities"]:
        await q.write_rows(tx, rows)  # unchanged props are skipped; mentions are MERGEd
    await _finish(tx, events, saves, wrote=bool(rows["entities"]))
    return outcomes


def _checked_entity(
    plan: _EntityPlan,
    before: dict[str, Any] | None,
    roles: list[dict[str, Any]],
    texts: dict[str, StoredText],
) -> tuple[EntityIn | None, list[UserError]]:
    """The entity to write (the stored fields patched with the given ones), or every problem
    with it at once."""
    data, slug = plan.item.data, plan.key
    conflict = _revision_errors(before, plan.item.expected_revision, f"entity {slug!r}")
    if conflict:
        return None, conflict
    errors = list(plan.span_errors)
    fields = {**_stored_fields(before), **data}
    if before is None:
        for name in ("kind", "names", "description"):
            if name not in data:
                errors.append(UserError(name, "is required for a new entity"))
        if not plan.item.mentions:
            errors.append(
                UserError("mentions", "a new entity needs a span of a document naming it")
            )
    elif "kind" in data and data["kind"] != before.get("kind"):
        if not plan.item.change_kind:
            errors.append(
                UserError(
                    "kind",
                    f"{slug!r} is a {before.get('kind')}: send changeKind: true to make it "
                    f"a {data['kind']}",
                )
            )
        else:
            errors += _misfits(roles, str(data["kind"]))
    entity: EntityIn | None = None
    try:
        entity = EntityPatchIn.model_validate({**fields, "mentions": plan.spans})
    except ValidationError as exc:
        errors += [
            e
            for e in _errors(pydantic_problems("input", ENTRY, exc))
            if e.field.split(".")[0] in data or before is not None or e.field == "slug"
        ]
    if entity is not None:
        errors += _errors(check_entity(entity, texts, "input", ENTRY))
    if errors or entity is None:
        return None, _unique_errors(errors)
    return entity, []


async def upsert_entity(
    db: Database,
    principal: Principal,
    data: dict[str, Any],
    mentions: list[EvidenceInput],
    expected_revision: int | None = None,
    idempotency_key: str | None = None,
    change_kind: bool = False,
) -> WriteResult:
    """Create an entity, or change the fields `data` gives of an existing one (a patch: a field
    left out keeps its stored value, an explicit empty list of aliases clears them, mentions
    are only ever added). A new entity needs every field and one mention; an existing one
    changes kind only with `change_kind` (its label moves, and its claims must still fit the
    model). Every problem of the request is reported at once."""
    item = EntityItem(data, mentions, expected_revision, idempotency_key, change_kind)
    (outcome,) = await upsert_entities(db, principal, [item], batch_size=1)
    return outcome.result()


def _stored_fields(before: dict[str, Any] | None) -> dict[str, Any]:
    """An existing entity's own fields, as upsertEntity takes them (a patch starts from these)."""
    if before is None:
        return {}
    return {
        "kind": before.get("kind"),
        "names": entity_names(
            before.get("name_bn"), before.get("name_en"), before.get("names_other")
        ),
        "aliases": list(before.get("aliases") or []),
        "description": before.get("description"),
    }


def _unique_errors(errors: list[UserError]) -> list[UserError]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for error in errors:
        if (error.field, error.message) not in seen:
            seen.add((error.field, error.message))
            unique.append(error)
    return unique


def _misfits(roles: list[dict[str, Any]], kind: str) -> list[UserError]:
    """The claims an entity takes part in (`roles`, from q.entity_claim_roles) that its new
    kind would break (kgapi.model's subjects and objects of each predicate), one error each."""
    try:
        new_kind = model.EntityKind(kind)
    except ValueError:
        return []  # pydantic names an unknown kind
    errors = []
    for claim in roles:
        spec = model.PREDICATES[model.Predicate(claim["predicate"])]
        allowed = spec.subjects if claim["role"] == "SUBJECT" else spec.objects
        if new_kind not in allowed:
            role = "subject" if claim["role"] == "SUBJECT" else "object"
            errors.append(
                UserError(
                    "kind",
                    f"claim {claim['id']!r} has it as {role} of {claim['predicate']}, which "
                    f"takes {', '.join(k.value for k in allowed)}: retract it first",
                )
            )
    return errors


def claim_id_for(claim: dict[str, Any]) -> str:
    """A claim's natural key: the same statement from the same span is the same claim."""
    basis = [
        claim["subject"],
        claim["predicate"],
        claim["object"],
        claim["status"],
        sorted((e["document"], e["start"], e["end"]) for e in claim["evidence"]),
    ]
    digest = hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:CLAIM_ID_HASH_LENGTH]
    return (
        f"{claim['subject']}-{str(claim['predicate']).lower().replace('_', '-')}-"
        f"{claim['object']}-{digest}"[:120]
    )


async def add_claims(
    db: Database,
    principal: Principal,
    items: Sequence[ClaimItem],
    *,
    batch_size: int,
    on_progress: Progress | None = None,
    also: AlsoInTransaction | None = None,
) -> list[ItemOutcome]:
    """Assert claims, each checked and written as add_claim would: an outcome per item, in
    input order; a bad item never stops the others.

    Every check runs before any transaction, on two shared reads (every cited document's
    text, every named entity's kind); then per batch of `batch_size` items one transaction
    with one statement per step for all of them.

    A claim's id is its content (subject, predicate, object, status, evidence spans), so two
    items with the same id state the same fact: a later exact repeat answers as a re-send
    after the first would (unchanged, or the first's errors); one that differs in what the id
    leaves out (rank, qualifiers, dates, translations) is refused on that field, as the API
    will not guess which of the two should win. Claims are checked against the graph as it is
    before the request: one addClaims never depends on an entity it does not find there (write
    entities with upsertEntities first; `kgapi import` does).
    """
    outcomes: dict[int, ItemOutcome] = {}
    allowed: list[tuple[int, ClaimItem]] = []
    for index, item in enumerate(items):
        try:
            principal.check_slug(str(item.data.get("subject", "")), "subject")
        except ScopeDenied as exc:
            outcomes[index] = _failed(index, None, [UserError("subject", str(exc), FORBIDDEN)])
        else:
            allowed.append((index, item))
    stored = await _stored(db, [ev for _, item in allowed for ev in item.evidence])
    texts = {slug: StoredText.of(text) for slug, (text, _) in stored.items()}
    published = {slug: date for slug, (_, date) in stored.items()}
    kinds = await _entity_kinds(db, [item.data for _, item in allowed])
    plans: list[_ClaimPlan] = []
    for index, item in allowed:
        claim, errors = _checked_claim(item, texts, kinds)
        if claim is None:
            outcomes[index] = _failed(index, None, errors)
            continue
        payload = {
            "claim": claim.model_dump(mode="json"),
            "expectedRevision": item.expected_revision,
            "origin": item.origin,
        }
        plans.append(
            _ClaimPlan(
                index,
                claim.id,
                _request_hash(model.WriteOperation.ADD_CLAIM.value, payload),
                _scoped(principal, item.idempotency_key),
                item,
                claim,
                claim_row(claim, published, item.origin),
                sorted({kinds[claim.subject].value, kinds[claim.object].value}),
            )
        )
    unique, repeats, refused = _set_apart_repeats(plans, _claim_conflict)
    outcomes.update(refused)

    async def write(tx: Tx, batch: list[_ClaimPlan]) -> dict[int, ItemOutcome]:
        written = await _write_claims(tx, principal, batch)
        if also is not None:
            await also(tx, written)
        return written

    settled = len(items) - len(unique)
    outcomes.update(
        await _in_batches(db, unique, batch_size, write, settled, len(items), on_progress)
    )
    for index, first in repeats.items():
        outcomes[index] = _repeated(outcomes[first], index)
    return [outcomes[index] for index in range(len(items))]


def _checked_claim(
    item: ClaimItem, texts: dict[str, StoredText], kinds: dict[str, model.EntityKind]
) -> tuple[ClaimIn | None, list[UserError]]:
    """The claim, or every problem of the item at once, in the order of its fields.

    Each check runs on what it needs even when another field is wrong (pydantic's types, the
    model's kinds and qualifiers, each span against its document), so that a partner fixes a
    request in one round trip; evidence problems keep the index the client sent.
    """
    data, evidence = item.data, item.evidence
    errors: list[UserError] = []
    if data.get("status") == model.Status.RETRACTED.value:
        errors.append(UserError("status", "use retractClaim to retract a claim"))
    spans: list[dict[str, Any]] = []
    for i, given in enumerate(evidence):
        span = _resolve(given, texts, f"evidence[{i}]", errors)
        if span is not None and _span_ok(span, texts, f"evidence[{i}]", errors):
            spans.append(span)
    if not evidence:
        errors.append(UserError("evidence", "give at least one span of a document that states it"))
    errors += _errors(check_claim_fields(data, kinds, "input", ENTRY))
    claim: ClaimIn | None = None
    try:
        claim_id = claim_id_for({**data, "evidence": spans})
    except KeyError as exc:
        errors.append(UserError(str(exc.args[0]), "is required"))
    else:
        try:
            claim = ClaimIn.model_validate({**data, "id": claim_id, "evidence": spans})
        except ValidationError as exc:
            # Evidence was checked span by span above, under the client's own indices.
            errors += [
                UserError(_API_NAMES.get(e.field, e.field), e.message)
                for e in _errors(pydantic_problems("input", ENTRY, exc))
                if not e.field.startswith("evidence")
            ]
    if errors or claim is None:
        return None, sorted(errors, key=_input_order)
    return claim, []


# What a claim's id leaves out (the validator's names, then AddClaimInput's): two items with
# one id that differ here are two versions of one claim.
_BESIDES_THE_ID = (
    ("rank", "rank"),
    ("qualifiers", "qualifiers"),
    ("valid_from", "validFrom"),
    ("valid_to", "validTo"),
    ("evidence", "evidence"),
)


def _claim_conflict(plan: _ClaimPlan, first: _ClaimPlan) -> UserError:
    mine, theirs = plan.claim.model_dump(mode="json"), first.claim.model_dump(mode="json")
    differing = next(
        (api for name, api in _BESIDES_THE_ID if mine[name] != theirs[name]),
        "expectedRevision"
        if plan.item.expected_revision != first.item.expected_revision
        else IDEMPOTENCY,
    )
    return UserError(
        differing,
        f"item {first.index} of this request states the same claim ({plan.key!r}: the same "
        f"subject, predicate, object, status and evidence spans) with another {differing}: "
        "send it once",
    )


async def _write_claims(
    tx: Tx, principal: Principal, batch: list[_ClaimPlan]
) -> dict[int, ItemOutcome]:
    live, outcomes = await _replays(tx, batch)
    befores = await q.lock_claims(tx, sorted({p.key for p in live}))
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    saves: list[dict[str, Any]] = []
    for plan in live:
        before = befores.get(plan.key)
        conflict = _revision_errors(before, plan.item.expected_revision, f"claim {plan.key!r}")
        if conflict:
            outcomes[plan.index] = _failed(plan.index, plan.key, conflict)
            continue
        changed = before is None or before.get("content_hash") != plan.row["hash"]
        if changed:
            denial = _curation_denial(principal, before, plan.key)
            if denial is not None:
                error = UserError(WHOLE_ITEM, denial, FORBIDDEN)
                outcomes[plan.index] = _failed(plan.index, plan.key, [error])
                continue
            rows.append(plan.row)
            after = {
                **plan.row["props"],
                "revision": int((before or {}).get("revision") or 0) + 1,
            }
            events.append(
                _event(
                    principal,
                    model.WriteOperation.ADD_CLAIM,
                    model.TargetType.CLAIM,
                    plan.key,
                    before,
                    after,
                    plan.kinds,
                    [plan.claim.predicate.value],
                )
            )
        saves += _saved(principal, plan, model.WriteOperation.ADD_CLAIM, changed)
        outcomes[plan.index] = ItemOutcome(plan.index, plan.key, changed)
    if rows:
        await q.write_rows(tx, {"claims": rows})
    await _finish(tx, events, saves, wrote=bool(rows))
    return outcomes


async def add_claim(
    db: Database,
    principal: Principal,
    data: dict[str, Any],
    evidence: list[EvidenceInput],
    expected_revision: int | None = None,
    idempotency_key: str | None = None,
) -> WriteResult:
    """Validate the whole request, reporting every problem at once, then write it."""
    item = ClaimItem(data, evidence, expected_revision, idempotency_key)
    (outcome,) = await add_claims(db, principal, [item], batch_size=1)
    return outcome.result()


_CLAIM_FIELDS = (
    "subject",
    "predicate",
    "object",
    "status",
    "rank",
    "qualifiers",
    "evidence",
    "validFrom",
    "validTo",
)
# The validator's field names that AddClaimInput spells otherwise.
_API_NAMES = {"valid_from": "validFrom", "valid_to": "validTo"}


def _input_order(error: UserError) -> int:
    """Errors in the order of the input's fields, so a person reads them top to bottom."""
    head = error.field.split(".", 1)[0].split("[", 1)[0]
    return _CLAIM_FIELDS.index(head) if head in _CLAIM_FIELDS else len(_CLAIM_FIELDS)


def _span_ok(
    span: dict[str, Any], texts: dict[str, StoredText], path: str, errors: list[UserError]
) -> bool:
    """Check one resolved span as the seed's evidence is checked; False if it is refused."""
    try:
        parsed = EvidenceIn.model_validate(span)
    except ValidationError as exc:
        errors += [
            UserError(f"{path}.{p.field}", p.message)
            for p in pydantic_problems("input", ENTRY, exc)
        ]
        return False
    found = _errors(check_evidence(parsed, dict(texts), "input", ENTRY, path))
    errors += found
    return not found


async def _entity_kinds(
    db: Database, claims: Sequence[dict[str, Any]]
) -> dict[str, model.EntityKind]:
    """Kinds of the entities the claims name: their ends and any qualifier that may be a slug
    (one read for all of them)."""
    slugs: set[str] = set()
    for data in claims:
        qualifiers = data.get("qualifiers")
        values = list(qualifiers.values()) if isinstance(qualifiers, dict) else []
        slugs.update(
            v for v in (data.get("subject"), data.get("object"), *values) if isinstance(v, str)
        )
    if not slugs:
        return {}
    found = await q.entity_kinds(db, sorted(slugs))
    return {slug: model.EntityKind(kind) for slug, kind in found.items()}


async def retract_claim(
    db: Database,
    principal: Principal,
    claim_id: str,
    reason: str,
    expected_revision: int | None = None,
    idempotency_key: str | None = None,
) -> WriteResult:
    if not reason.strip():
        raise WriteRejected([UserError("reason", "give the reason for the retraction")])

    async def retract(tx: Tx, before: dict[str, Any]) -> dict[str, Any] | None:
        if before.get("status") == model.Status.RETRACTED.value:
            return None
        return await q.retract(tx, claim_id, reason, principal.actor)

    return await _claim_lifecycle(
        db,
        principal,
        model.WriteOperation.RETRACT_CLAIM,
        claim_id,
        {"id": claim_id, "reason": reason, "expectedRevision": expected_revision},
        expected_revision,
        idempotency_key,
        retract,
    )


async def restore_claim(
    db: Database,
    principal: Principal,
    claim_id: str,
    reason: str,
    expected_revision: int | None = None,
    idempotency_key: str | None = None,
) -> WriteResult:
    """Undo a retraction (a retraction that was itself a mistake): the claim counts again, with
    the status it asserted; both steps stay in its history."""
    if not reason.strip():
        raise WriteRejected([UserError("reason", "give the reason for restoring it")])

    async def restore(tx: Tx, before: dict[str, Any]) -> dict[str, Any] | None:
        if before.get("status") != model.Status.RETRACTED.value:
            return None
        after = await q.restore(tx, claim_id, reason, principal.actor)
        if after is None:
            raise WriteRejected(
                [UserError("id", f"claim {claim_id!r} was stored retracted: nothing to restore")]
            )
        return after

    return await _claim_lifecycle(
        db,
        principal,
        model.WriteOperation.RESTORE_CLAIM,
        claim_id,
        {"id": claim_id, "reason": reason, "expectedRevision": expected_revision},
        expected_revision,
        idempotency_key,
        restore,
    )


async def _claim_lifecycle(
    db: Database,
    principal: Principal,
    operation: model.WriteOperation,
    claim_id: str,
    payload: dict[str, Any],
    expected_revision: int | None,
    idempotency_key: str | None,
    change: Callable[[Tx, dict[str, Any]], Awaitable[dict[str, Any] | None]],
) -> WriteResult:
    """Retract or restore: the same checks (it exists, scope, curation, revision), then
    `change` under the claim's lock (None: nothing to do), then the audit event."""

    async def work(tx: Tx) -> WriteResult:
        before = await q.lock_claim(tx, claim_id)
        if before is None:
            raise WriteRejected([UserError("id", f"no claim {claim_id!r}", "NOT_FOUND")])
        principal.check_slug(str(before.get("subject_slug", "")), "the claim's subject")
        _check_curation(principal, before, claim_id)
        _check_revision(before, expected_revision, f"claim {claim_id!r}")
        after = await change(tx, before)
        if after is None:
            return WriteResult(claim_id, changed=False)
        kinds_records = await tx.run(
            "MATCH (c:Claim {id: $id})-[:SUBJECT|OBJECT]->(e) RETURN collect(e.kind) AS k",
            {"id": claim_id},
        )
        await q.record_change(
            tx,
            _event(
                principal,
                operation,
                model.TargetType.CLAIM,
                claim_id,
                before,
                after,
                sorted(set(kinds_records[0]["k"])),
                [str(before.get("predicate"))],
            ),
        )
        return WriteResult(claim_id, changed=True)

    return await _idempotent(db, principal, idempotency_key, operation.value, payload, work)


async def _relink(tx: Tx, principal: Principal, slug: str, mentions: Sequence[Mention]) -> int:
    """Link the mentions of stored document `slug` that are not linked yet; when there are
    any, record it in the audit trail. Returns how many were new."""
    rows = [
        {
            "entity": m.slug,
            "sentence_key": f"{slug}#{m.sentence}",
            "start": m.start,
            "end": m.end,
            "quote": m.text,
        }
        for m in mentions
    ]
    created = await q.link_new_mentions(tx, rows)
    if created:
        after = {"mentions": len(rows), "linked": created}
        await q.record_change(
            tx,
            _event(
                principal,
                model.WriteOperation.RELINK_DOCUMENT,
                model.TargetType.DOCUMENT,
                slug,
                None,
                after,
                [],
                [],
            ),
        )
    return created


@dataclass(frozen=True, slots=True)
class Relinked:
    document: str
    mentions: int  # found with today's names
    linked: int  # of them, not linked before


async def relink_documents(
    db: Database,
    principal: Principal,
    slug: str | None = None,
    on_document: Callable[[int, int], None] | None = None,
) -> list[Relinked]:
    """Link mentions in stored documents again with the names the graph has now (the
    vocabulary grows): idempotent, one transaction per document, each change in the audit
    trail. Ingestion's own linker finds them, so a relinked document reads as if ingested
    today."""
    forms = entity_name_forms(await q.name_rows(db))
    documents = await q.stored_texts(db, slug)
    results: list[Relinked] = []
    for done, (document, text) in enumerate(documents, start=1):
        found, _ = find_mentions(text, forms)

        async def work(tx: Tx, document: str = document, found: list[Mention] = found) -> int:
            created = await _relink(tx, principal, document, found)
            if created:
                await bump_revision(tx)
            return created

        results.append(Relinked(document, len(found), await db.in_write_transaction(work)))
        if on_document is not None:
            on_document(done, len(documents))
    return results


def _document_problems(text: str, settings: Settings) -> list[UserError]:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return [UserError("text", "the text is not valid UTF-8 (it holds lone surrogates)")]
    if size > settings.max_document_bytes:
        return [
            UserError(
                "text", f"the text has {size} bytes; the limit is {settings.max_document_bytes}"
            )
        ]
    if not text.strip():
        return [UserError("text", "the text is empty")]
    return []


async def add_document(
    db: Database,
    principal: Principal,
    settings: Settings,
    data: dict[str, Any],
    link_mentions: bool,
    idempotency_key: str | None = None,
    on_sentence: Callable[[int, int], None] | None = None,
) -> WriteResult:
    """Store a verbatim document with its sentences; with `link_mentions`, link known names.

    Ingestion never creates claims: names it cannot link come back as candidates.
    """
    text = str(data.get("text", ""))
    errors = _document_problems(text, settings)
    if errors:
        raise WriteRejected(errors)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    slug = data.get("slug") or f"doc-{sha[:12]}"
    principal.check_slug(str(slug), "slug" if data.get("slug") else "the default slug")
    try:
        meta = DocumentIn.model_validate(
            {
                "slug": slug,
                "file": f"api:{slug}",
                "sha256": sha,
                "language": data.get("language"),
                "title": data.get("title"),
                "title_en": data.get("title_en"),
                "url": data.get("url"),
                "published": data.get("published"),
            }
        )
    except ValidationError as exc:
        raise WriteRejected(_errors(pydantic_problems("input", ENTRY, exc))) from None
    doc = LoadedDocument(meta, text, split_sentences(text))
    rows: dict[str, list[dict[str, Any]]] = {
        n: [] for n in ("documents", "sentences", "sources", "editors")
    }
    document_rows(doc, rows)
    report = IngestReport()
    if link_mentions:
        forms = entity_name_forms(await q.name_rows(db))
        found, candidates = find_mentions(text, forms, on_sentence)
        report = IngestReport(found, candidates)
        rows["mentions"] = [
            {
                "entity": m.slug,
                "sentence_key": f"{slug}#{m.sentence}",
                "start": m.start,
                "end": m.end,
                "quote": m.text,
            }
            for m in found
        ]

    async def work(tx: Tx) -> WriteResult:
        existing = await q.document_conflicts(tx, slug, sha)
        for row in existing:
            if row["sha256"] == sha:  # the same text again: only its mentions may be new
                stored = str(row["slug"])
                if not link_mentions:
                    return WriteResult(stored, changed=False, report=report)
                created = await _relink(tx, principal, stored, report.mentions)
                return WriteResult(stored, changed=created > 0, report=report)
        if existing:
            raise WriteRejected(
                [
                    UserError(
                        "slug",
                        f"document {slug!r} already holds a different text; documents are verbatim",
                    )
                ]
            )
        await q.write_rows(tx, rows)
        operation = (
            model.WriteOperation.INGEST_DOCUMENT
            if link_mentions
            else model.WriteOperation.ADD_DOCUMENT
        )
        after = {
            **rows["documents"][0]["props"],
            "text": f"({len(text)} characters)",
            "mentions": len(report.mentions),
        }
        await q.record_change(
            tx, _event(principal, operation, model.TargetType.DOCUMENT, slug, None, after, [], [])
        )
        return WriteResult(slug, changed=True, report=report)

    payload = {"document": meta.model_dump(mode="json"), "link": link_mentions}
    return await _idempotent(
        db,
        principal,
        idempotency_key,
        "ingestDocument" if link_mentions else "addDocument",
        payload,
        work,
    )
