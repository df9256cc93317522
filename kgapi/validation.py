"""The one rule set for everything that enters the graph: the seed loader and the write API.

Validation is complete before anything is written: it returns every problem it finds, each
naming the file, the entry and the field, so that a curator fixes a seed file in one pass and the
database is never left half-written. A field is named by one path format everywhere —
`evidence[0].quote`, `qualifiers.position`, and with its entry `claims[3].object` — whether
pydantic or a rule below found the problem.

The model's rules (a predicate's subject and object kinds, its qualifiers and their types) are
not written here: they are read from kgapi.model's tables, so a new predicate is checked the
moment it is declared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from kgapi import model
from kgapi.languages import ENGLISH, canonical_tag
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
    "check_claim_fields",
    "check_entity",
    "check_evidence",
    "entry_label",
    "field_path",
    "http_url",
    "pydantic_problems",
]


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


def _is_name_pair(item: Any) -> bool:
    if isinstance(item, dict):
        return set(item) == {"lang", "value"}
    return isinstance(item, list | tuple) and len(item) == 2


def localized_names(value: Any) -> dict[str, str]:
    """An entity's names, one per language (BCP 47 tags, canonical form): the spelling the text
    gives in each, and always an English one, which lists sort by and the UI falls back to."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list) and all(_is_name_pair(p) for p in value):
        pairs = [(p["lang"], p["value"]) if isinstance(p, dict) else (p[0], p[1]) for p in value]
    else:
        raise ValueError(
            "names are a list of {lang, value} (or, in the seed, an object of language tag "
            "to name, e.g. {bn: ..., en: ...})"
        )
    names: dict[str, str] = {}
    for tag, name in pairs:
        canonical = canonical_tag(str(tag))
        if canonical in names:
            raise ValueError(f"two names in {canonical!r}: give one per language")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"the {canonical!r} name is empty")
        names[canonical] = name
    if ENGLISH not in names:
        raise ValueError("give an English name (`en`) too: lists sort by it")
    return names


class EntityIn(_Strict):
    slug: str
    kind: model.EntityKind
    names: dict[str, str]
    aliases: list[str] = Field(default_factory=list)
    description: str = Field(min_length=1)
    mentions: list[MentionIn] = Field(min_length=1)

    @field_validator("names", mode="before")
    @classmethod
    def _names(cls, value: Any) -> dict[str, str]:
        return localized_names(value)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not model.is_valid_slug(value):
            raise ValueError(f"{value!r} is not a slug (lowercase a-z, 0-9 and single hyphens)")
        return value


class EntityPatchIn(EntityIn):
    """An entity as the write API changes it: an existing entity keeps the mentions it has, so
    a change need not add one (upsert_entity requires one for a new entity)."""

    mentions: list[MentionIn] = Field(default_factory=list)


class ClaimIn(_Strict):
    id: str
    subject: str
    predicate: model.Predicate
    object: str
    status: model.Status
    rank: model.Rank = model.Rank.NORMAL
    # Names and value types come from the predicate's entry in kgapi.model.PREDICATES and are
    # checked by check_claim_fields, which names the key and the type expected; pydantic's
    # union errors would say neither.
    qualifiers: dict[str, Any] = Field(default_factory=dict)
    evidence: list[EvidenceIn] = Field(min_length=1)
    # The time the text says the claim held, only where it says so (a signing date): unknown
    # stays None and the claim holds from its document's date (kgapi.current_status).
    valid_from: str | None = None
    valid_to: str | None = None  # the first day it no longer held

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not model.is_valid_slug(value):
            raise ValueError(f"{value!r} is not a valid claim id (slug form)")
        return value

    @field_validator("valid_from")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        return iso_date(value)

    @field_validator("valid_to")
    @classmethod
    def _end(cls, value: str | None, info: ValidationInfo) -> str | None:
        end, start = iso_date(value), info.data.get("valid_from")
        if end is not None and start is not None and end <= start:
            raise ValueError(f"must be later than valid_from ({start}): it is {end}")
        return end


MAX_URL_LENGTH = 2048
URL_SCHEMES = ("http", "https")


def iso_date(value: str | None) -> str | None:
    """A date as `YYYY-MM-DD` (the API's Date scalar): unknown stays None, never guessed."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a date of the form YYYY-MM-DD") from None


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
    language: str
    url: str | None = None
    evidence: MentionIn

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return canonical_tag(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return http_url(value)


class DocumentIn(_Strict):
    slug: str
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    language: str
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

    @field_validator("published", "retrieved")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        return iso_date(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return canonical_tag(value)

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

    @property
    def path(self) -> str:
        """The field with its entry, e.g. `claims[3].object` (`entry` may carry a label)."""
        head = self.entry.split(" ", 1)[0]
        return f"{head}.{self.field}" if head and head[0].isalpha() else self.field


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


def field_path(location: Iterable[str | int]) -> str:
    """`("evidence", 0, "quote")` as `evidence[0].quote`: list items by index, keys by dots."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def pydantic_problems(file: str, entry: str, error: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into located problems."""
    problems = []
    for item in error.errors():
        location = field_path(item["loc"]) or "(entry)"
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
    known_entities: Mapping[str, model.EntityKind] | None = None,
    unparsed_claims: Iterable[tuple[str, str, Any]] = (),
) -> list[Problem]:
    """Cross-entry rules: unique keys, no dangling slugs, the model's kinds, every span verbatim.

    Each input is (file, entry label, item). `known_entities` (slug to kind) lets a write check
    against entities already in the graph. `unparsed_claims` are the raw entries pydantic
    refused: the model's rules still run on what they hold, so that one pass reports all.
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

    kinds = {**(known_entities or {}), **{e.slug: e.kind for _, _, e in entities}}
    entity_slugs = set(kinds)

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
        problems += check_claim(claim, texts, kinds, file, entry)
    for file, entry, raw in unparsed_claims:
        if isinstance(raw, Mapping):
            problems += check_claim_fields(raw, kinds, file, entry)
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
    kinds: Mapping[str, model.EntityKind],
    file: str,
    entry: str,
) -> list[Problem]:
    """The model's rules on a parsed claim, and every piece of evidence verbatim."""
    fields = {
        "subject": claim.subject,
        "predicate": claim.predicate.value,
        "object": claim.object,
        "qualifiers": claim.qualifiers,
    }
    problems = check_claim_fields(fields, kinds, file, entry)
    for i, evidence in enumerate(claim.evidence):
        problems += check_evidence(evidence, documents, file, entry, f"evidence[{i}]")
    return problems


def check_claim_fields(
    fields: Mapping[str, Any],
    kinds: Mapping[str, model.EntityKind],
    file: str,
    entry: str,
) -> list[Problem]:
    """Both ends must exist, differ and be of kinds the predicate allows; qualifiers as declared.

    Works on raw fields (a YAML entry, a request) so that it can run even where pydantic
    refused some other field: a value of the wrong JSON type here is left to pydantic, which
    reports it. `kinds` maps every known entity slug to its kind.
    """
    problems: list[Problem] = []
    try:
        spec: model.PredicateSpec | None = model.PREDICATES[model.Predicate(fields["predicate"])]
    except (KeyError, ValueError, TypeError):
        spec = None  # pydantic names an unknown or missing predicate
    for role in ("subject", "object"):
        slug = fields.get(role)
        if not isinstance(slug, str):
            continue
        kind = kinds.get(slug)
        if kind is None:
            problems.append(Problem(file, entry, role, f"unknown entity {slug!r}"))
        elif spec is not None:
            allowed = spec.subjects if role == "subject" else spec.objects
            if kind not in allowed:
                problems.append(
                    Problem(file, entry, role, _kind_message(slug, kind, role, spec, allowed))
                )
    if fields.get("subject") is not None and fields.get("subject") == fields.get("object"):
        problems.append(Problem(file, entry, "object", "a claim cannot relate an entity to itself"))
    qualifiers = fields.get("qualifiers")
    if spec is not None and isinstance(qualifiers, Mapping):
        problems += _qualifier_problems(spec, qualifiers, kinds, file, entry)
    return problems


def _kinds_text(kinds: Iterable[model.EntityKind]) -> str:
    return ", ".join(k.value for k in kinds)


def _a(kind: model.EntityKind) -> str:
    """`a City`, `an Office`: messages are read by people."""
    return ("an " if kind.value[0] in "AEIOU" else "a ") + kind.value


def _kind_message(
    slug: str,
    kind: model.EntityKind,
    role: str,
    spec: model.PredicateSpec,
    allowed: tuple[model.EntityKind, ...],
) -> str:
    return (
        f"{slug!r} is {_a(kind)}, which cannot be the {role} of {spec.predicate.value}; "
        f"allowed {role} kinds: {_kinds_text(allowed)}"
    )


def _qualifier_problems(
    spec: model.PredicateSpec,
    qualifiers: Mapping[Any, Any],
    kinds: Mapping[str, model.EntityKind],
    file: str,
    entry: str,
) -> list[Problem]:
    problems: list[Problem] = []
    declared = ", ".join(q.name for q in spec.qualifiers) or "none"
    for name, value in qualifiers.items():
        field = f"qualifiers.{name}"
        qualifier = spec.qualifier(str(name))
        if qualifier is None:
            problems.append(
                Problem(
                    file,
                    entry,
                    field,
                    f"{spec.predicate.value} has no qualifier {name!r}; its qualifiers: {declared}",
                )
            )
            continue
        message = _qualifier_value_problem(qualifier, value, kinds)
        if message is not None:
            problems.append(Problem(file, entry, field, message))
    for qualifier in spec.qualifiers:
        if qualifier.required and qualifier.name not in qualifiers:
            problems.append(
                Problem(
                    file,
                    entry,
                    f"qualifiers.{qualifier.name}",
                    f"{spec.predicate.value} needs the qualifier {qualifier.name!r} "
                    f"({qualifier.type.value}): {qualifier.description}",
                )
            )
    return problems


def _qualifier_value_problem(
    qualifier: model.QualifierSpec, value: Any, kinds: Mapping[str, model.EntityKind]
) -> str | None:
    """What is wrong with one qualifier's value, or None."""
    kind_of = model.QualifierType
    expected = qualifier.type
    ok = {
        kind_of.TEXT: isinstance(value, str) and bool(value.strip()),
        kind_of.INTEGER: isinstance(value, int) and not isinstance(value, bool),
        kind_of.NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
        kind_of.BOOLEAN: isinstance(value, bool),
        kind_of.ENTITY: isinstance(value, str),
    }[expected]
    if not ok:
        what = {
            kind_of.TEXT: "a non-empty string",
            kind_of.INTEGER: "an integer",
            kind_of.NUMBER: "a number",
            kind_of.BOOLEAN: "true or false",
            kind_of.ENTITY: "an entity slug",
        }[expected]
        return f"must be {what} ({qualifier.description}), not {value!r}"
    if qualifier.minimum is not None and value < qualifier.minimum:
        return f"must be at least {qualifier.minimum}, not {value!r}"
    if expected is kind_of.ENTITY:
        kind = kinds.get(value)
        if kind is None:
            return f"unknown entity {value!r}"
        if qualifier.kinds and kind not in qualifier.kinds:
            return (
                f"{value!r} is {_a(kind)}; {qualifier.name!r} names one of: "
                f"{_kinds_text(qualifier.kinds)}"
            )
    return None


def entry_label(key: str, index: int, raw: Any, label: str) -> str:
    """`claims[3] (id=x)`: the entry's path, and its key for a person to find it by."""
    name = raw.get(label) if isinstance(raw, dict) else None
    return f"{key}[{index}]" + (f" ({label}={name})" if name else "")


def parse_items(
    file: str,
    key: str,
    data: Any,
    model_type: type[BaseModel],
    label: str,
    rejected: list[tuple[str, str, Any]] | None = None,
) -> tuple[list[tuple[str, str, Any]], list[Problem]]:
    """Parse a YAML list under `key` into models, collecting located problems.

    Entries pydantic refuses are appended, raw, to `rejected` when given, for rules that can
    still say more about them.
    """
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        return [], [Problem(file, "(file)", key, f"expected a top-level list named {key!r}")]
    items: list[tuple[str, str, Any]] = []
    problems: list[Problem] = []
    for i, raw in enumerate(data[key]):
        entry = entry_label(key, i, raw, label)
        try:
            items.append((file, entry, model_type.model_validate(raw)))
        except ValidationError as exc:
            problems += pydantic_problems(file, entry, exc)
            if rejected is not None:
                rejected.append((file, entry, raw))
    return items, problems
