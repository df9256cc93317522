"""What a machine reading of a document proposes: candidate claims and candidate entities.

A proposal is never a fact. The extractor (kgapi.ingest.extract) returns these plain values;
kgapi.candidates stores them apart from the claims (as :Candidate nodes that no fact query,
path, export or current status reads) until a curator accepts or rejects each one. Keeping the
extractor's output a frozen value with no database in sight lets it be measured against the
curated seed without a server (kgapi.ingest.evaluate) and swapped per language.

Offsets are Unicode code points into the verbatim document text, as everywhere in the graph:
`quote == text[start:end]` and `trigger == text[trigger_start:trigger_end]`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from kgapi.mentions import Candidate, Mention
from kgapi.model import EntityKind, Predicate, Status
from kgapi.text import Span

__all__ = [
    "Extractor",
    "ProposedClaim",
    "ProposedEntity",
    "Reading",
    "proposal_id",
]


@dataclass(frozen=True, slots=True)
class ProposedClaim:
    """subject -predicate-> object, as one sentence of the document reads.

    `status` comes from the sentence's modality cues (kgapi.ingest.modality), never from the
    predicate; `trigger` is the word or phrase that justifies the predicate; `confidence` is in
    [0, 1] and only orders a reviewer's queue.
    """

    sentence: int
    predicate: Predicate
    subject: str  # entity slug
    object: str  # entity slug
    status: Status
    start: int
    end: int
    quote: str
    trigger: str
    trigger_start: int
    trigger_end: int
    confidence: float
    cue: str = ""  # the modality cue the status was read from ("" when none applied)


@dataclass(frozen=True, slots=True)
class ProposedEntity:
    """A name the linker could not explain, with the kind the extractor guesses for it."""

    sentence: int
    text: str
    start: int
    end: int
    kind: EntityKind
    slug: str  # a proposed slug; the curator may change it on acceptance
    confidence: float
    reason: str = ""  # why this kind, e.g. "ends in 'Association'"


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything one extractor proposes for one document."""

    extractor: str
    version: str
    claims: tuple[ProposedClaim, ...]
    entities: tuple[ProposedEntity, ...]


class Extractor(Protocol):
    """A pluggable reader. `read` must be a pure function of its arguments."""

    name: str
    version: str

    def read(
        self,
        text: str,
        language: str,
        sentences: Sequence[Span],
        mentions: Sequence[Mention],
        kinds: Mapping[str, EntityKind],
        unlinked: Sequence[Candidate],
    ) -> Reading: ...


def proposal_id(document: str, extractor: str, parts: Sequence[object]) -> str:
    """A proposal's natural key: the same reading of the same span is the same candidate, so
    reading a document again never queues a proposal twice."""
    raw = json.dumps([document, extractor, *parts], ensure_ascii=False, default=str)
    return "cand-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]
