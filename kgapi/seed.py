"""`kgapi seed`: read the curated seed files, validate all of them, then write in one transaction.

Validation happens entirely before the first write (see kgapi.validation), and the write is one
transaction, so a bad seed leaves the database as it was and a good one lands whole. Writing is
idempotent: run it twice and the second run's counters are all zero.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kgapi import model
from kgapi.current_status import claim_time
from kgapi.db import Database
from kgapi.languages import BENGALI, ENGLISH
from kgapi.queries.graph_writes import SEED_STEPS, seed_steps
from kgapi.queries.revision import bump_revision_if_changed
from kgapi.queries.schema import apply_schema
from kgapi.validation import (
    ClaimIn,
    DocumentIn,
    EntityIn,
    GraphBundle,
    LoadedDocument,
    MentionIn,
    Problem,
    SeedInvalid,
    check_bundle,
    load_document,
    parse_items,
)

__all__ = ["DEFAULT_SEED_DIR", "SeedReport", "bundle_rows", "load_bundle", "seed_database"]

DEFAULT_SEED_DIR = Path(__file__).resolve().parents[1] / "seed"
GRAPH_FILES = ("documents.yaml", "entities.yaml", "claims.yaml")


@dataclass(frozen=True, slots=True)
class SeedReport:
    documents: int
    sentences: int
    entities: int
    claims: int
    counters: dict[str, int]

    @property
    def changed(self) -> bool:
        return any(self.counters.values())


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        problems.append(Problem(str(path), "(file)", "(file)", f"cannot read: {exc.strerror}"))
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), "(file)", "(file)", f"not valid YAML: {exc}"))
    return None


def load_bundle(seed_dir: Path = DEFAULT_SEED_DIR) -> GraphBundle:
    """Parse and validate every seed file; raise SeedInvalid listing all problems."""
    graph_dir = seed_dir / "graph"
    problems: list[Problem] = []
    loaded: dict[str, Any] = {}
    for name in GRAPH_FILES:
        path = graph_dir / name
        if name != "documents.yaml" and not path.exists():
            loaded[name] = {name.removesuffix(".yaml"): []}  # entities/claims are optional
            continue
        loaded[name] = _read_yaml(path, problems)

    rel = {name: f"seed/graph/{name}" for name in GRAPH_FILES}
    doc_items, found = parse_items(
        rel["documents.yaml"], "documents", loaded["documents.yaml"], DocumentIn, "slug"
    )
    problems += found
    entity_items, found = parse_items(
        rel["entities.yaml"], "entities", loaded["entities.yaml"], EntityIn, "slug"
    )
    problems += found
    unparsed_claims: list[tuple[str, str, Any]] = []
    claim_items, found = parse_items(
        rel["claims.yaml"], "claims", loaded["claims.yaml"], ClaimIn, "id", unparsed_claims
    )
    problems += found

    documents: list[tuple[str, str, LoadedDocument]] = []
    for file, entry, meta in doc_items:
        doc, found = load_document(meta, seed_dir, file, entry)
        problems += found
        if doc is not None:
            documents.append((file, entry, doc))

    problems += check_bundle(documents, entity_items, claim_items, None, unparsed_claims)
    if problems:
        raise SeedInvalid(problems)
    return GraphBundle(
        documents=[d for _, _, d in documents],
        entities=[e for _, _, e in entity_items],
        claims=[c for _, _, c in claim_items],
    )


def _hash(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _sentence_key(document: str, index: int) -> str:
    return f"{document}#{index}"


def _span_props(span: MentionIn) -> dict[str, Any]:
    props: dict[str, Any] = {
        "document": span.document,
        "sentence_index": span.sentence,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
    }
    if span.translation is not None:
        props["translation_en"] = span.translation
    return props


Row = dict[str, Any]


def document_rows(doc: LoadedDocument, rows: dict[str, list[Row]]) -> None:
    meta = doc.meta
    props: Row = {
        "title": meta.title,
        "title_en": meta.title_en,
        "language": meta.language,
        "text": doc.text,
        "sha256": meta.sha256,
        "url": meta.url,
        "published": meta.published,
        "retrieved": meta.retrieved,
        "listed_only": False,
        "sentence_count": len(doc.sentences),
    }
    rows["documents"].append({"slug": meta.slug, "props": props, "hash": _hash(props)})
    for span in doc.sentences:
        sentence: Row = {
            "document": meta.slug,
            "index": span.index,
            "start": span.start,
            "end": span.end,
            "text": span.text,
        }
        rows["sentences"].append(
            {
                "key": _sentence_key(meta.slug, span.index),
                "document": meta.slug,
                "props": sentence,
                "hash": _hash(sentence),
            }
        )
    for source in meta.sources:
        listed: Row = {
            "title": source.title,
            "language": source.language,
            "url": source.url,
            "listed_only": True,
        }
        evidence = _span_props(source.evidence)
        rows["sources"].append(
            {
                "slug": source.slug,
                "listed_by": meta.slug,
                "props": listed,
                "evidence": evidence,
                "hash": _hash([listed, evidence]),
            }
        )
    if meta.editor is not None and meta.editor_evidence is not None:
        rows["editors"].append(
            {
                "document": meta.slug,
                "editor": meta.editor,
                "evidence": _span_props(meta.editor_evidence),
            }
        )


def entity_rows(entity: EntityIn, rows: dict[str, list[Row]]) -> None:
    props: Row = {
        "kind": entity.kind.value,
        "name_en": entity.names[ENGLISH],
        "name_bn": entity.names.get(BENGALI),
        "aliases": list(entity.aliases),
        "description": entity.description,
        **other_name_props(entity.names),
    }
    rows["entities"].append(
        {"slug": entity.slug, "kind": entity.kind.value, "props": props, "hash": _hash(props)}
    )
    for mention in entity.mentions:
        rows["mentions"].append(
            {
                "entity": entity.slug,
                "sentence_key": _sentence_key(mention.document, mention.sentence),
                "start": mention.start,
                "end": mention.end,
                "quote": mention.quote,
            }
        )


def other_name_props(names: Mapping[str, str]) -> Row:
    """Names in languages other than Bengali and English: `names_other` (JSON, tag to name,
    what the API reads) and `names_other_text` (their values, what full-text search indexes).
    Absent when there are none, so that an entity named in bn and en stores what it did."""
    others = {tag: name for tag, name in names.items() if tag not in (BENGALI, ENGLISH)}
    if not others:
        return {}
    return {
        "names_other": json.dumps(others, ensure_ascii=False, sort_keys=True),
        "names_other_text": "\n".join(others[tag] for tag in sorted(others)),
    }


def claim_row(
    claim: ClaimIn, published: Mapping[str, str | None], origin: Mapping[str, str] | None = None
) -> Row:
    """One claim as the parameters of the claim upsert (shared with the write API).

    `published` gives each evidence document's date: the claim's effective date is stored with
    it (kgapi.current_status.claim_time), so a change of a document's date in the seed changes
    the claim's hash and rewrites it."""
    props: Row = {
        "predicate": claim.predicate.value,
        "status": claim.status.value,
        "rank": claim.rank.value,
        "subject_slug": claim.subject,
        "object_slug": claim.object,
        "qualifiers_json": json.dumps(claim.qualifiers, ensure_ascii=False, sort_keys=True),
        "valid_from": claim.valid_from,
        "valid_to": claim.valid_to,
        **claim_time(
            claim.valid_from, ((ev.document, published.get(ev.document)) for ev in claim.evidence)
        ),
        **(origin or {}),
    }
    evidence: list[Row] = [
        {"sentence_key": _sentence_key(ev.document, ev.sentence), "props": _span_props(ev)}
        for ev in claim.evidence
    ]
    return {
        "id": claim.id,
        "subject": claim.subject,
        "object": claim.object,
        "predicate": claim.predicate.value,
        "traversable": claim.status != model.Status.RETRACTED,
        "props": props,
        "evidence": evidence,
        "hash": _hash([props, evidence]),
    }


def bundle_rows(bundle: GraphBundle) -> dict[str, list[Row]]:
    """Flatten a validated bundle into the parameter rows of the seed statements."""
    rows: dict[str, list[Row]] = {name: [] for name, _ in SEED_STEPS}
    for doc in bundle.documents:
        document_rows(doc, rows)
    for entity in bundle.entities:
        entity_rows(entity, rows)
    published = {doc.meta.slug: doc.meta.published for doc in bundle.documents}
    rows["claims"] = [claim_row(claim, published) for claim in bundle.claims]
    rows["seeded"] = [{"id": claim.id} for claim in bundle.claims]
    return rows


async def seed_database(
    db: Database,
    seed_dir: Path = DEFAULT_SEED_DIR,
    on_step: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Validate everything, apply the schema, then write the bundle in one transaction.

    The transaction ends by bumping the graph revision when it changed anything, so that no
    API worker's read cache keeps an answer from before the seed.
    """
    bundle = load_bundle(seed_dir)
    rows = bundle_rows(bundle)
    await apply_schema(db)
    counters = await db.write_in_one_transaction(
        seed_steps(rows), on_step, finish=bump_revision_if_changed
    )
    return SeedReport(
        documents=len(bundle.documents) + len(rows["sources"]),
        sentences=len(rows["sentences"]),
        entities=len(bundle.entities),
        claims=len(bundle.claims),
        counters={k: v for k, v in counters.items() if k != "system_updates"},
    )
