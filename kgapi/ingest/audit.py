"""The seed audit: every claim's status justified by a cue, every sentence accounted for.

A curator's reading drifts ("built an export base to supply" filed as a stated export), and a
spot check finds one slip at a time; so the seed is checked against the modality lexicon as a
whole. Two rules, each with reviewed exceptions recorded in seed/graph/audit.yaml:

- A claim's status is justified when the cue governing one of its quotes gives that status:
  `status_of(sentence, quote span, predicate)` (kgapi.ingest.modality), where the sentence is
  the one containing the quote as kgapi.text cuts it. That is stricter than "the sentence has a
  cue of that status somewhere" (also reported): "কাজাখস্তান পাকিস্তান সরবরাহ করার জন্য ...
  রপ্তানি ভিত্তি তৈরি করেছে" has a stated cue (তৈরি করেছে, has built), but the export to
  Pakistan is the purpose (করার জন্য), a plan. A claim that fails is a problem unless
  audit.yaml gives the reason its status is right anyway.
- Every sentence of a document supports at least one claim, or audit.yaml says why it carries
  none (page furniture, document metadata, or a fact the model cannot express yet).

An exception that is no longer needed is a problem too, so the file cannot rot.

    python -m kgapi.ingest.audit            # the report; exit status 1 when there are problems
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from kgapi.ingest.modality import Cue, cues, status_of
from kgapi.model import Status
from kgapi.seed import DEFAULT_SEED_DIR, load_bundle
from kgapi.text import Span, sentence_containing
from kgapi.validation import ClaimIn, GraphBundle, LoadedDocument

__all__ = [
    "AUDIT_FILE",
    "AuditFile",
    "AuditReport",
    "ClaimVerdict",
    "SentenceVerdict",
    "audit",
    "load_audit",
    "main",
    "render",
]

AUDIT_FILE = Path("graph") / "audit.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusException(_Strict):
    """Claims whose status is right although no cue of it is in their evidence, and why."""

    claims: list[str] = Field(min_length=1)
    reason: str = Field(min_length=20)


class SentenceNote(_Strict):
    """Sentences that support no claim, and why. `gap` marks a fact the model cannot hold yet."""

    document: str
    sentences: list[int] = Field(min_length=1)
    kind: Literal["furniture", "metadata", "gap"]
    reason: str = Field(min_length=20)


class AuditFile(_Strict):
    status_exceptions: list[StatusException] = Field(default_factory=list)
    sentences_without_claims: list[SentenceNote] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    claim: ClaimIn
    in_sentence: tuple[Cue, ...]  # cues of its status, for its predicate, in its sentences
    readings: tuple[Status | None, ...]  # what status_of() reads at each of its quotes
    exception: str | None  # the reviewed reason, when audit.yaml has one

    @property
    def cued(self) -> bool:
        """The weak rule: some evidence sentence has a cue of the claim's status."""
        return bool(self.in_sentence)

    @property
    def justified(self) -> bool:
        """The rule the audit enforces: the cue governing one of its quotes gives its status."""
        return self.claim.status in self.readings


@dataclass(frozen=True, slots=True)
class SentenceVerdict:
    document: str
    sentence: Span
    claims: tuple[str, ...]
    note: SentenceNote | None


@dataclass(frozen=True, slots=True)
class AuditReport:
    claims: tuple[ClaimVerdict, ...]
    sentences: tuple[SentenceVerdict, ...]
    problems: tuple[str, ...]

    def status_counts(self) -> Counter[str]:
        return Counter(v.claim.status.value for v in self.claims)


def load_audit(seed_dir: Path = DEFAULT_SEED_DIR) -> AuditFile:
    path = seed_dir / AUDIT_FILE
    if not path.exists():
        return AuditFile()
    return AuditFile.model_validate(yaml.safe_load(path.read_text("utf-8")) or {})


def _evidence_sentences(claim: ClaimIn, docs: dict[str, LoadedDocument]) -> list[tuple[str, Span]]:
    found = []
    for evidence in claim.evidence:
        doc = docs[evidence.document]
        span = sentence_containing(doc.sentences, evidence.start, evidence.end)
        if span is not None:
            found.append((evidence.document, span))
    return found


def _verdict(
    claim: ClaimIn, docs: dict[str, LoadedDocument], exceptions: dict[str, str]
) -> ClaimVerdict:
    in_sentence: list[Cue] = []
    readings: list[Status | None] = []
    for evidence in claim.evidence:
        doc = docs[evidence.document]
        language = doc.meta.language
        sentence = sentence_containing(doc.sentences, evidence.start, evidence.end)
        if sentence is None:  # the validator refuses such evidence; nothing to read
            continue
        found = cues(sentence.text, language, claim.predicate)
        in_sentence += [c for c in found if c.status is claim.status]
        local = (evidence.start - sentence.start, evidence.end - sentence.start)
        readings.append(status_of(sentence.text, language, local, claim.predicate))
    return ClaimVerdict(claim, tuple(in_sentence), tuple(readings), exceptions.get(claim.id))


def audit(bundle: GraphBundle, notes: AuditFile) -> AuditReport:
    """Check every claim and sentence of the bundle against the lexicon and the reviewed notes."""
    problems: list[str] = []
    docs = {d.meta.slug: d for d in bundle.documents}
    known_claims = {c.id for c in bundle.claims}

    exceptions: dict[str, str] = {}
    for group in notes.status_exceptions:
        for cid in group.claims:
            if cid not in known_claims:
                problems.append(f"audit.yaml: status exception for unknown claim {cid!r}")
            elif cid in exceptions:
                problems.append(f"audit.yaml: claim {cid!r} is excepted twice")
            exceptions[cid] = group.reason

    verdicts = tuple(_verdict(c, docs, exceptions) for c in bundle.claims)
    for v in verdicts:
        if not v.justified and v.exception is None:
            where = ", ".join(str(e.sentence) for e in v.claim.evidence)
            read = ", ".join(r.value if r else "no cue" for r in v.readings)
            problems.append(
                f"claim {v.claim.id!r} is {v.claim.status.value!r} but its evidence (sentence "
                f"{where}) reads {read}, and audit.yaml gives no reason"
            )
        if v.justified and v.exception is not None:
            problems.append(
                f"audit.yaml: the exception for {v.claim.id!r} is stale: its evidence reads "
                f"{v.claim.status.value!r}"
            )

    supporting: dict[tuple[str, int], list[str]] = {}
    for claim in bundle.claims:
        for slug, span in _evidence_sentences(claim, docs):
            supporting.setdefault((slug, span.index), []).append(claim.id)

    noted: dict[tuple[str, int], SentenceNote] = {}
    for note in notes.sentences_without_claims:
        doc = docs.get(note.document)
        if doc is None:
            problems.append(f"audit.yaml: unknown document {note.document!r}")
            continue
        for index in note.sentences:
            if not 0 <= index < len(doc.sentences):
                problems.append(f"audit.yaml: {note.document} has no sentence {index}")
            elif (note.document, index) in noted:
                problems.append(f"audit.yaml: {note.document} sentence {index} is listed twice")
            noted[(note.document, index)] = note

    sentences = []
    for doc in bundle.documents:
        for span in doc.sentences:
            key = (doc.meta.slug, span.index)
            ids = tuple(dict.fromkeys(supporting.get(key, [])))
            listed = noted.get(key)
            if not ids and listed is None:
                problems.append(
                    f"{doc.meta.slug} sentence {span.index} supports no claim and audit.yaml "
                    f"does not say why: {span.text!r}"
                )
            if ids and listed is not None:
                problems.append(
                    f"audit.yaml: {doc.meta.slug} sentence {span.index} is listed as carrying "
                    f"no claim, but supports {', '.join(ids)}"
                )
            sentences.append(SentenceVerdict(doc.meta.slug, span, ids, listed))
    return AuditReport(verdicts, tuple(sentences), tuple(problems))


def render(report: AuditReport) -> str:
    """The audit as text: per-status counts and cue coverage, then every sentence's account."""
    lines = [
        "Seed audit",
        "",
        "status        claims  governing cue  cue in sentence  reviewed exception",
    ]
    by_status: dict[str, list[ClaimVerdict]] = {}
    for v in report.claims:
        by_status.setdefault(v.claim.status.value, []).append(v)
    for status in Status:
        group = by_status.get(status.value, [])
        if not group:
            continue
        lines.append(_row(status.value, group))
    lines.append(_row("all", list(report.claims)))
    total = len(report.claims)
    governed = sum(v.justified for v in report.claims)
    cued = sum(v.cued for v in report.claims)
    lines += [
        "",
        f"cue coverage: {governed}/{total} claims ({_pct(governed, total)}) have their status "
        f"from the cue governing a quote; {cued}/{total} ({_pct(cued, total)}) have a cue of it "
        "somewhere in an evidence sentence",
        "",
        "sentences that support no claim (seed/graph/audit.yaml says why):",
    ]
    for s in report.sentences:
        if not s.claims:
            kind = s.note.kind if s.note is not None else "UNEXPLAINED"
            lines.append(f"  {s.document} #{s.sentence.index} [{kind}] {_excerpt(s.sentence.text)}")
    covered = sum(bool(s.claims) for s in report.sentences)
    gaps = sum(s.note is not None and s.note.kind == "gap" for s in report.sentences)
    lines.append(
        f"  {covered}/{len(report.sentences)} sentences support a claim; "
        f"{len(report.sentences) - covered} do not ({gaps} of them a gap in the model)"
    )
    lines += ["", "reviewed exceptions (status right although the governing cue reads otherwise):"]
    grouped: dict[str, list[str]] = {}
    for v in report.claims:
        if not v.justified and v.exception is not None:
            grouped.setdefault(v.exception, []).append(v.claim.id)
    for reason, ids in grouped.items():
        lines.append(f"  {len(ids)} claim(s): {_excerpt(reason, 110)}")
        lines += [f"    {cid}" for cid in ids]
    lines += ["", f"problems: {len(report.problems)}"]
    lines += [f"  {p}" for p in report.problems]
    return "\n".join(lines)


def _excerpt(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / max(whole, 1):.1f}%"


def _row(label: str, group: list[ClaimVerdict]) -> str:
    governed = sum(v.justified for v in group)
    cued = sum(v.cued for v in group)
    excepted = sum(not v.justified and v.exception is not None for v in group)
    return f"{label:<13} {len(group):>6}  {governed:>13}  {cued:>15}  {excepted:>18}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    seed_dir = Path(args[0]) if args else DEFAULT_SEED_DIR
    report = audit(load_bundle(seed_dir), load_audit(seed_dir))
    print(render(report))
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
