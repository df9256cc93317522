"""Merging two entities that turn out to be one, and deleting an entity that should not exist.

Documents name one thing in several ways, and curators sometimes create it twice; a partner
sometimes creates an entity by mistake. `merge_entities` folds one into the other in one
transaction — its claims, mentions and history move to the kept entity, its names become the
kept entity's aliases, and its slug keeps resolving (to the kept entity) so that links and
client caches do not break. `delete_entity` removes an entity only when nothing states a fact
about it: a claim, retracted or not, is evidence kept, and deleting its subject would orphan it.
Both are in the audit trail.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kgapi import model
from kgapi.auth import Principal, Role, ScopeDenied
from kgapi.db import Database, Tx
from kgapi.queries import writes as q
from kgapi.queries.entities import entity_names
from kgapi.queries.entity_lifecycle import delete_entity as delete_entity_node
from kgapi.queries.entity_lifecycle import entity_references, merge_entity
from kgapi.seed import entity_rows
from kgapi.validation import EntityPatchIn, pydantic_problems
from kgapi.writes import (
    ENTRY,
    UserError,
    WriteRejected,
    WriteResult,
    _errors,
    _event,
    _idempotent,
    _stored_fields,
)

__all__ = ["delete_entity", "merge_entities"]


def _folded_aliases(kept: dict[str, Any], merged: dict[str, Any]) -> list[str]:
    """The kept entity's aliases, then every name and alias of the merged one it lacks."""
    own = entity_names(kept.get("name_bn"), kept.get("name_en"), kept.get("names_other"))
    aliases = list(kept.get("aliases") or [])
    names = entity_names(merged.get("name_bn"), merged.get("name_en"), merged.get("names_other"))
    for name in [*names.values(), *(merged.get("aliases") or [])]:
        if name not in aliases and name not in own.values():
            aliases.append(name)
    return aliases


async def merge_entities(
    db: Database,
    principal: Principal,
    keep: str,
    merge: str,
    reason: str,
    idempotency_key: str | None = None,
) -> tuple[WriteResult, list[str]]:
    """Fold entity `merge` into `keep`; returns the result and the ids of the claims moved."""
    errors: list[UserError] = []
    if not reason.strip():
        errors.append(UserError("reason", "give the reason for the merge"))
    if keep == merge:
        errors.append(UserError("merge", "an entity cannot be merged into itself"))
    if errors:
        raise WriteRejected(errors)
    principal.check_slug(keep, "keep")
    principal.check_slug(merge, "merge")
    moved: list[str] = []

    async def work(tx: Tx) -> WriteResult:
        found = await q.lock_entities(tx, sorted({keep, merge}))
        problems = [
            UserError(field, f"no entity {slug!r}", "NOT_FOUND")
            for field, slug in (("keep", keep), ("merge", merge))
            if slug not in found
        ]
        if problems:
            raise WriteRejected(problems)
        kept, merged = found[keep], found[merge]
        if kept.get("kind") != merged.get("kind"):
            raise WriteRejected(
                [
                    UserError(
                        "merge",
                        f"{merge!r} is a {merged.get('kind')} and {keep!r} a {kept.get('kind')}: "
                        "change one's kind first (upsertEntity with changeKind)",
                    )
                ]
            )
        references = await entity_references(tx, merge)
        if references["seeded"] and not principal.role.at_least(Role.CURATOR):
            raise ScopeDenied(
                f"{merge!r} is named by seeded (curated) claims "
                f"({', '.join(references['seeded'][:3])}): merging it needs the curator role; "
                f"{principal.actor} has {principal.role.value}"
            )
        try:
            entity = EntityPatchIn.model_validate(
                {
                    "slug": keep,
                    **_stored_fields(kept),
                    "aliases": _folded_aliases(kept, merged),
                    "mentions": [],
                }
            )
        except ValidationError as exc:  # pragma: no cover - stored entities are valid
            raise WriteRejected(_errors(pydantic_problems("input", ENTRY, exc))) from None
        rows: dict[str, list[dict[str, Any]]] = {"entities": [], "mentions": []}
        entity_rows(entity, rows)
        await q.write_rows(tx, {"entities": rows["entities"]})
        moved[:] = list(references["claims"])
        await merge_entity(tx, keep, merge, moved, principal.actor, reason)
        kinds = [str(kept.get("kind"))]
        after = {**rows["entities"][0]["props"], "merged": merge, "claims_moved": moved}
        events = ((keep, kept, after), (merge, merged, {"merged_into": keep}))
        for target, before, changed in events:
            await q.record_change(
                tx,
                _event(
                    principal,
                    model.WriteOperation.MERGE_ENTITIES,
                    model.TargetType.ENTITY,
                    target,
                    before,
                    {**changed, "reason": reason},
                    kinds,
                    [],
                ),
            )
        return WriteResult(keep, changed=True)

    payload = {"keep": keep, "merge": merge, "reason": reason}
    result = await _idempotent(
        db, principal, idempotency_key, model.WriteOperation.MERGE_ENTITIES.value, payload, work
    )
    return result, moved


async def delete_entity(
    db: Database,
    principal: Principal,
    slug: str,
    reason: str,
    idempotency_key: str | None = None,
) -> WriteResult:
    """Delete an entity that no claim names (retracted claims included) and no document lists
    as its editor; its mentions go with it."""
    if not reason.strip():
        raise WriteRejected([UserError("reason", "give the reason for the deletion")])
    principal.check_slug(slug, "slug")

    async def work(tx: Tx) -> WriteResult:
        before = await q.lock_entity(tx, slug)
        if before is None:
            raise WriteRejected([UserError("slug", f"no entity {slug!r}", "NOT_FOUND")])
        references = await entity_references(tx, slug)
        problems = []
        if references["claims"]:
            shown = ", ".join(references["claims"][:5])
            problems.append(
                UserError(
                    "slug",
                    f"{len(references['claims'])} claims name {slug!r} ({shown}): claims are "
                    "kept, even retracted; merge it into another entity instead (mergeEntities)",
                    "CONFLICT",
                )
            )
        if references["edited"]:
            problems.append(
                UserError(
                    "slug",
                    f"{slug!r} is the editor of {', '.join(references['edited'])}",
                    "CONFLICT",
                )
            )
        if problems:
            raise WriteRejected(problems)
        await delete_entity_node(tx, slug)
        await q.record_change(
            tx,
            _event(
                principal,
                model.WriteOperation.DELETE_ENTITY,
                model.TargetType.ENTITY,
                slug,
                before,
                {"deleted": True, "reason": reason},
                [str(before.get("kind"))],
                [],
            ),
        )
        return WriteResult(slug, changed=True)

    payload = {"slug": slug, "reason": reason}
    return await _idempotent(
        db, principal, idempotency_key, model.WriteOperation.DELETE_ENTITY.value, payload, work
    )
