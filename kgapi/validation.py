"""The one rule set for everything that enters the graph: seed files now, the write API later.

Validation is complete before anything is written: it returns every problem it finds, each
naming the file, the entry and the field, so that a curator fixes a seed file in one pass and the
database is never left half-written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kgapi import model
from kgapi.text import Span, split_sentences

__all__ = [
    "ClaimIn",
    "DocumentIn",
    "DocumentText",
    "EntityIn",
    "EvidenceIn",
    "GraphBundle",
    "LoadedDocument",
    "MentionIn",
    "Problem",
    "SeedInvalid",
    "SourceIn",
    "StoredText",
    "check_bundle",
    "check_claim",
    "check_entity",
    "check_evidence",
    "http_url",
    "pydantic_problems",
]

QualifierValue = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class MentionIn(_Strict):
    """Where a document names something: a verbatim span."""

    document: str
    sentence: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(gt=0)
    quote: str = Field(min_length=1)
    translation: str | None = None


class EvidenceIn(MentionIn):
    """A span that states a fact; a claim's evidence needs our English rendering too."""

    translation: str = Field(min_length=1)


class LocalizedNames(_Strict):
    bn: str = Field(min_length=1)
    en: str = Field(min_length=1)


class EntityIn(_Strict):
    slug: str
    kind: model.EntityKind
    names: LocalizedNames
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(min_length=1)
    mentions: list[MentionIn] = Field(min_length=1)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not model.is_valid_slug(value):
            raise ValueError(f"{value!r} is not a slug (lowercase a-z, 0-9 and single hyphens)")
        return value


class ClaimIn(_Strict):
    id: str
    subject: str
    predicate: model.Predicate
    object: str
    status: model.Status
    rank: Literal["preferred", "normal", "deprecated"] = "normal"
    qualifiers: dict[str, QualifierValue] = Field(default_factory=dict)
    evidence: list[EvidenceIn] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not model.is_valid_slug(value):
            raise ValueError(f"{value!r} is not a valid claim id (slug form)")
        return value


MAX_URL_LENGTH = 2048
URL_SCHEMES = ("http", "https")


def http_url(value: str | None) -> str | None:
    """An absolute http(s) URL with a host, or None. Exports and the explorer turn `url` into
    links: `javascript:`, `data:` or `file:` there would be an attack on whoever clicks."""
    if value is None:
        return None
    parts = urlsplit(value)
    if (
        parts.scheme.lower() not in URL_SCHEMES
        or not parts.hostname
        or len(value) > MAX_URL_LENGTH
        or any(ch.isspace() or not ch.isprintable() for ch in value)
    ):
        raise ValueError(
            f"url must be an absolute http:// or https:// URL of at most {MAX_URL_LENGTH} "
            "characters, without spaces"
        )
    return value


class SourceIn(_Strict):
    """A document the article lists as a source: listed by it, not quoted in it."""

    slug: str
    title: str = Field(min_length=1)
    language: model.Language
    url: str | None = None
    evidence: MentionIn

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return http_url(value)


class DocumentIn(_Strict):
    slug: str
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    language: model.Language
    title: str = Field(min_length=1)
    title_en: str | None = None
    url: str | None = None
    published: str | None = None
    retrieved: str | None = None
    editor: str | None = None
    editor_evidence: MentionIn | None = None
    sources: list[SourceIn] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return http_url(value)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not model.is_valid_slug(value):
            raise ValueError(f"{value!r} is not a slug (lowercase a-z, 0-9 and single hyphens)")
        return value


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, located: file, entry, field."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field}: {self.message}"


class SeedInvalid(ValueError):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = f"{len(problems)} problem(s) in the seed data; nothing was written"
        super().__init__(head + "\n" + "\n".join(f"  {p}" for p in problems))


class DocumentText(Protocol):
    """What evidence is checked against: the verbatim text and its sentences."""

    @property
    def text(self) -> str: ...

    @property
    def sentences(self) -> list[Span]: ...


@dataclass(frozen=True, slots=True)
class StoredText:
    """A document's text as stored in the graph (for checks made by the write API)."""

    text: str
    sentences: list[Span]

    @classmethod
    def of(cls, text: str) -> StoredText:
        return cls(text, split_sentences(text))


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    meta: DocumentIn
    text: str
    sentences: list[Span]


@dataclass(frozen=True, slots=True)
class GraphBundle:
    """A validated, self-consistent set of documents, entities and claims, ready to write."""

    documents: list[LoadedDocument]
    entities: list[EntityIn]
    claims: list[ClaimIn]


def pydantic_problems(file: str, entry: str, error: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into located problems."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(entry)"
        problems.append(Problem(file, entry, location, item["msg"]))
    return problems


def check_evidence(
    span: MentionIn,
    documents: Mapping[str, DocumentText],
    file: str,
    entry: str,
    field: str,
) -> list[Problem]:
    """A span must point into a known document, match its text exactly, and sit in its sentence."""
    doc = documents.get(span.document)
    if doc is None:
        return [Problem(file, entry, f"{field}.document", f"unknown document {span.document!r}")]
    text = doc.text
    if not span.start < span.end <= len(text):
        return [
            Problem(
                file,
                entry,
                field,
                f"offsets [{span.start}, {span.end}) are outside the text (0..{len(text)})",
            )
        ]
    actual = text[span.start : span.end]
    if actual != span.quote:
        return [
            Problem(
                file,
                entry,
                f"{field}.quote",
                f"{span.quote!r} does not equal the text at [{span.start}, {span.end}): {actual!r}",
            )
        ]
    if span.sentence >= len(doc.sentences):
        return [
            Problem(
                file,
                entry,
                f"{field}.sentence",
                f"sentence {span.sentence} does not exist ({len(doc.sentences)} sentences)",
            )
        ]
    sentence = doc.sentences[span.sentence]
    if not (sentence.start <= span.start and span.end <= sentence.end):
        return [
            Problem(
                file,
                entry,
                f"{field}.sentence",
                f"[{span.start}, {span.end}) is not inside sentence {span.sentence} "
                f"[{sentence.start}, {sentence.end})",
            )
        ]
    return []


def load_document(
    meta: DocumentIn, root: Path, file: str, entry: str
) -> tuple[LoadedDocument | None, list[Problem]]:
    """Read a document's verbatim text and check it is the file the offsets were counted in."""
    path = root / meta.file
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(file, entry, "file", f"cannot read {path}: {exc.strerror}")]
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta.sha256:
        return None, [
            Problem(
                file,
                entry,
                "sha256",
                f"{meta.file} has sha256 {digest}, not the recorded {meta.sha256}",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(file, entry, "file", f"{meta.file} is not UTF-8: {exc}")]
    return LoadedDocument(meta, text, split_sentences(text)), []


def _duplicates(values: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for value in values:
        (dupes if value in seen else seen).add(value)
    return dupes


def check_bundle(
    documents: list[tuple[str, str, LoadedDocument]],
    entities: list[tuple[str, str, EntityIn]],
    claims: list[tuple[str, str, ClaimIn]],
    known_entity_slugs: Iterable[str] = (),
) -> list[Problem]:
    """Cross-entry rules: unique keys, no dangling slugs, every span verbatim.

    Each input is (file, entry label, item). `known_entity_slugs` lets a write check against
    entities already in the graph.
    """
    problems: list[Problem] = []
    doc_slugs = [d.meta.slug for _, _, d in documents]
    doc_slugs += [s.slug for _, _, d in documents for s in d.meta.sources]
    for slug in sorted(_duplicates(doc_slugs)):
        problems.append(Problem("documents", slug, "slug", "duplicate document slug"))
    by_slug = {d.meta.slug: d for _, _, d in documents}

    for slug in sorted(_duplicates(e.slug for _, _, e in entities)):
        problems.append(Problem("entities", slug, "slug", "duplicate entity slug"))
    for cid in sorted(_duplicates(c.id for _, _, c in claims)):
        problems.append(Problem("claims", cid, "id", "duplicate claim id"))

    entity_slugs = {e.slug for _, _, e in entities} | set(known_entity_slugs)
    kinds = {e.slug: e.kind for _, _, e in entities}

    for file, entry, doc in documents:
        meta = doc.meta
        if meta.editor is not None:
            if meta.editor not in entity_slugs:
                problems.append(Problem(file, entry, "editor", f"unknown entity {meta.editor!r}"))
            elif kinds.get(meta.editor, model.EntityKind.PERSON) != model.EntityKind.PERSON:
                problems.append(Problem(file, entry, "editor", "the editor must be a Person"))
            if meta.editor_evidence is None:
                problems.append(Problem(file, entry, "editor_evidence", "missing evidence"))
        if meta.editor_evidence is not None:
            problems += check_evidence(
                meta.editor_evidence, by_slug, file, entry, "editor_evidence"
            )
        for i, source in enumerate(meta.sources):
            problems += check_evidence(
                source.evidence, by_slug, file, entry, f"sources[{i}].evidence"
            )

    texts: dict[str, DocumentText] = dict(by_slug)
    for file, entry, entity in entities:
        problems += check_entity(entity, texts, file, entry)
    for file, entry, claim in claims:
        problems += check_claim(claim, texts, entity_slugs, file, entry)
    return problems


def check_entity(
    entity: EntityIn, documents: Mapping[str, DocumentText], file: str, entry: str
) -> list[Problem]:
    """An entity's every mention must be verbatim in its document."""
    problems: list[Problem] = []
    for i, mention in enumerate(entity.mentions):
        problems += check_evidence(mention, documents, file, entry, f"mentions[{i}]")
    return problems


def check_claim(
    claim: ClaimIn,
    documents: Mapping[str, DocumentText],
    entity_slugs: set[str],
    file: str,
    entry: str,
) -> list[Problem]:
    """Both ends must exist, differ, and every piece of evidence must be verbatim."""
    problems: list[Problem] = []
    for role in ("subject", "object"):
        slug = getattr(claim, role)
        if slug not in entity_slugs:
            problems.append(Problem(file, entry, role, f"unknown entity {slug!r}"))
    if claim.subject == claim.object:
        problems.append(Problem(file, entry, "object", "a claim cannot relate an entity to itself"))
    for i, evidence in enumerate(claim.evidence):
        problems += check_evidence(evidence, documents, file, entry, f"evidence[{i}]")
    return problems


def parse_items(
    file: str, key: str, data: Any, model_type: type[BaseModel], label: str
) -> tuple[list[tuple[str, str, Any]], list[Problem]]:
    """Parse a YAML list under `key` into models, collecting located problems."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        return [], [Problem(file, "(file)", key, f"expected a top-level list named {key!r}")]
    items: list[tuple[str, str, Any]] = []
    problems: list[Problem] = []
    for i, raw in enumerate(data[key]):
        name = raw.get(label) if isinstance(raw, dict) else None
        entry = f"{key}[{i}]" + (f" ({label}={name})" if name else "")
        try:
            items.append((file, entry, model_type.model_validate(raw)))
        except ValidationError as exc:
            problems += pydantic_problems(file, entry, exc)
    return items, problems
