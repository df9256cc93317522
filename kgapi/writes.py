"""The write API's rules: validate like the seed, then change the graph in one transaction.

Every mutation here is all-or-nothing (one managed transaction), idempotent on natural keys
(slugs, claim ids derived from the claim's content, document checksums) and on an optional
client idempotency key, guarded by revisions (a stale `expectedRevision` is a CONFLICT, never a
lost update), and leaves a change event — who, when, what, before and after — in the same
transaction, so the audit trail and the change feed can never disagree with the graph.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j.exceptions import ConstraintError
from pydantic import ValidationError

from kgapi import model
from kgapi.auth import Principal, Role, ScopeDenied
from kgapi.config import Settings
from kgapi.db import Database, Tx
from kgapi.mentions import Candidate, Mention, find_mentions, name_forms
from kgapi.queries import writes as q
from kgapi.queries.entities import STORED_SORT_KEYS
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
    "EvidenceInput",
    "IngestReport",
    "Relinked",
    "UserError",
    "WriteRejected",
    "WriteResult",
    "add_claim",
    "add_document",
    "relink_documents",
    "restore_claim",
    "retract_claim",
    "upsert_entity",
]

CLAIM_ID_HASH_LENGTH = 10
ENTRY = "input"


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
    """The text and publication date of each document the spans cite."""
    return await q.document_texts(db, sorted({s.document for s in spans}))


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
    than it saves (upsertEntity MERGEs mentions even when the entity itself is unchanged), and
    the price is one round of cache misses.
    """
    request_hash = _request_hash(operation, payload)
    scoped = f"{principal.actor}:{key}" if key else None

    async def transaction(tx: Tx) -> WriteResult:
        if scoped is not None:
            seen = await q.idempotency_lookup(tx, scoped)
            if seen is not None:
                if seen["request_hash"] != request_hash:
                    raise WriteRejected(
                        [
                            UserError(
                                "idempotencyKey",
                                "this key was already used for a different request",
                            )
                        ]
                    )
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


def _check_revision(before: dict[str, Any] | None, expected: int | None, what: str) -> None:
    if expected is None:
        return
    current = int(before.get("revision") or 0) if before else 0
    if current != expected:
        raise WriteRejected(
            [
                UserError(
                    "expectedRevision",
                    f"{what} is at revision {current}, not {expected}",
                    "CONFLICT",
                )
            ]
        )


def _check_curation(principal: Principal, before: dict[str, Any] | None, claim_id: str) -> None:
    """A claim the seed wrote is a curated fact: only a curator (or an admin) may change or
    retract it, so that an editor's key cannot undo what the project itself vouches for."""
    if before is not None and before.get(SEEDED) and not principal.role.at_least(Role.CURATOR):
        raise ScopeDenied(
            f"claim {claim_id!r} is a seeded (curated) fact: changing or retracting it needs "
            f"the curator role; {principal.actor} has {principal.role.value}"
        )


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
    slug = str(data.get("slug", ""))
    principal.check_slug(slug, "slug")
    span_errors: list[UserError] = []
    texts = await _texts(db, mentions)
    resolved = [_resolve(m, texts, f"mentions[{i}]", span_errors) for i, m in enumerate(mentions)]
    spans = [r for r in resolved if r]

    async def work(tx: Tx) -> WriteResult:
        before = await q.lock_entity(tx, slug)
        _check_revision(before, expected_revision, f"entity {slug!r}")
        errors = list(span_errors)
        fields = {**_stored_fields(before), **data}
        if before is None:
            for name in ("kind", "names", "description"):
                if name not in data:
                    errors.append(UserError(name, "is required for a new entity"))
            if not mentions:
                errors.append(
                    UserError("mentions", "a new entity needs a span of a document naming it")
                )
        elif "kind" in data and data["kind"] != before.get("kind"):
            if not change_kind:
                errors.append(
                    UserError(
                        "kind",
                        f"{slug!r} is a {before.get('kind')}: send changeKind: true to make it "
                        f"a {data['kind']}",
                    )
                )
            else:
                errors += await _claims_misfit(tx, slug, str(data["kind"]))
        entity: EntityIn | None = None
        try:
            entity = EntityPatchIn.model_validate({**fields, "mentions": spans})
        except ValidationError as exc:
            errors += [
                e
                for e in _errors(pydantic_problems("input", ENTRY, exc))
                if e.field.split(".")[0] in data or before is not None or e.field == "slug"
            ]
        if entity is not None:
            errors += _errors(check_entity(entity, dict(texts), "input", ENTRY))
        if errors or entity is None:
            raise WriteRejected(_unique_errors(errors))
        rows: dict[str, list[dict[str, Any]]] = {"entities": [], "mentions": []}
        entity_rows(entity, rows)
        row = rows["entities"][0]
        changed = before is None or before.get("content_hash") != row["hash"]
        await q.write_rows(tx, rows)  # unchanged props are skipped; mentions are MERGEd
        if changed:
            after = {**row["props"], "revision": int((before or {}).get("revision") or 0) + 1}
            await q.record_change(
                tx,
                _event(
                    principal,
                    model.WriteOperation.UPSERT_ENTITY,
                    model.TargetType.ENTITY,
                    entity.slug,
                    before,
                    after,
                    [entity.kind.value],
                    [],
                ),
            )
        return WriteResult(entity.slug, changed)

    payload = {
        "entity": data,
        "mentions": spans,
        "changeKind": change_kind,
        "expectedRevision": expected_revision,
    }
    return await _idempotent(
        db, principal, idempotency_key, model.WriteOperation.UPSERT_ENTITY.value, payload, work
    )


def _stored_fields(before: dict[str, Any] | None) -> dict[str, Any]:
    """An existing entity's own fields, as upsertEntity takes them (a patch starts from these)."""
    if before is None:
        return {}
    return {
        "kind": before.get("kind"),
        "names": {"bn": before.get("name_bn"), "en": before.get("name_en")},
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


async def _claims_misfit(tx: Tx, slug: str, kind: str) -> list[UserError]:
    """The claims an entity takes part in that its new kind would break (kgapi.model's
    subjects and objects of each predicate), one error each."""
    try:
        new_kind = model.EntityKind(kind)
    except ValueError:
        return []  # pydantic names an unknown kind
    errors = []
    for claim in await q.entity_claim_roles(tx, slug):
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


async def add_claim(
    db: Database,
    principal: Principal,
    data: dict[str, Any],
    evidence: list[EvidenceInput],
    expected_revision: int | None = None,
    idempotency_key: str | None = None,
) -> WriteResult:
    """Validate the whole request, reporting every problem at once, then write it.

    Each check runs on what it needs even when another field is wrong (pydantic's types, the
    model's kinds and qualifiers, each span against its document), so that a partner fixes a
    request in one round trip; evidence problems keep the index the client sent.
    """
    principal.check_slug(str(data.get("subject", "")), "subject")
    errors: list[UserError] = []
    if data.get("status") == model.Status.RETRACTED.value:
        errors.append(UserError("status", "use retractClaim to retract a claim"))
    stored = await _stored(db, evidence)
    texts = {slug: StoredText.of(text) for slug, (text, _) in stored.items()}
    spans: list[dict[str, Any]] = []
    for i, given in enumerate(evidence):
        span = _resolve(given, texts, f"evidence[{i}]", errors)
        if span is not None and _span_ok(span, texts, f"evidence[{i}]", errors):
            spans.append(span)
    if not evidence:
        errors.append(UserError("evidence", "give at least one span of a document that states it"))
    kinds = await _entity_kinds(db, data)
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
        raise WriteRejected(sorted(errors, key=_input_order))
    row = claim_row(claim, {slug: published for slug, (_, published) in stored.items()})
    claim_kinds = sorted({kinds[claim.subject].value, kinds[claim.object].value})

    async def work(tx: Tx) -> WriteResult:
        before = await q.lock_claim(tx, claim.id)
        _check_revision(before, expected_revision, f"claim {claim.id!r}")
        changed = before is None or before.get("content_hash") != row["hash"]
        if changed:
            _check_curation(principal, before, claim.id)
            await q.write_rows(tx, {"claims": [row]})
            after = {**row["props"], "revision": int((before or {}).get("revision") or 0) + 1}
            await q.record_change(
                tx,
                _event(
                    principal,
                    model.WriteOperation.ADD_CLAIM,
                    model.TargetType.CLAIM,
                    claim.id,
                    before,
                    after,
                    claim_kinds,
                    [claim.predicate.value],
                ),
            )
        return WriteResult(claim.id, changed)

    payload = {"claim": claim.model_dump(mode="json"), "expectedRevision": expected_revision}
    return await _idempotent(
        db, principal, idempotency_key, model.WriteOperation.ADD_CLAIM.value, payload, work
    )


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


async def _entity_kinds(db: Database, data: dict[str, Any]) -> dict[str, model.EntityKind]:
    """Kinds of the entities a claim names: its ends and any qualifier that may be a slug."""
    qualifiers = data.get("qualifiers")
    values = list(qualifiers.values()) if isinstance(qualifiers, dict) else []
    slugs = [v for v in (data.get("subject"), data.get("object"), *values) if isinstance(v, str)]
    found = await q.entity_kinds(db, sorted(set(slugs)))
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
    forms = name_forms((e.slug, e.name_bn, e.name_en, e.aliases) for e in await q.name_rows(db))
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
        forms = name_forms((e.slug, e.name_bn, e.name_en, e.aliases) for e in await q.name_rows(db))
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
