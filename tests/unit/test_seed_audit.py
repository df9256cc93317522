"""The seed audit: every status read off its evidence, every sentence accounted for (no DB)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kgapi.ingest.audit import (
    AuditFile,
    AuditReport,
    SentenceNote,
    StatusException,
    audit,
    load_audit,
    main,
    render,
)
from kgapi.model import Predicate, Status
from kgapi.seed import load_bundle
from kgapi.validation import ClaimIn, GraphBundle

DOC = "pk-kz-economic-ties-2025"


@pytest.fixture(scope="module")
def bundle() -> GraphBundle:
    return load_bundle()


@pytest.fixture(scope="module")
def notes() -> AuditFile:
    return load_audit()


@pytest.fixture(scope="module")
def report(bundle: GraphBundle, notes: AuditFile) -> AuditReport:
    return audit(bundle, notes)


def _claim(bundle: GraphBundle, claim_id: str) -> ClaimIn:
    return next(c for c in bundle.claims if c.id == claim_id)


def _with_claims(bundle: GraphBundle, claims: list[ClaimIn]) -> GraphBundle:
    return replace(bundle, claims=claims)


def test_the_seed_passes_its_audit(report: AuditReport) -> None:
    assert report.problems == (), render(report)


def test_every_claim_status_comes_from_its_evidence_or_a_reviewed_reason(
    report: AuditReport,
) -> None:
    for verdict in report.claims:
        assert verdict.justified or verdict.exception, verdict.claim.id
        if verdict.justified:
            assert verdict.cued  # the governing cue is one of the sentence's cues


def test_every_sentence_supports_a_claim_or_is_listed_with_its_reason(
    report: AuditReport,
) -> None:
    for sentence in report.sentences:
        assert bool(sentence.claims) != (sentence.note is not None), sentence.sentence.index
    listed = {s.sentence.index: s.note.kind for s in report.sentences if s.note is not None}
    assert listed[1] == "metadata"  # the byline
    assert {listed[i] for i in range(23, 29)} == {"metadata"}  # the six sources
    assert listed[29] == listed[30] == "furniture"  # the feedback prompt


def test_an_export_base_built_to_supply_is_not_a_stated_export(bundle: GraphBundle) -> None:
    exports = [c for c in bundle.claims if c.predicate is Predicate.EXPORTS]
    assert len(exports) == 3
    assert {c.status for c in exports} == {Status.PLANNED}


def test_emphasis_on_developing_a_corridor_is_not_developing_it(bundle: GraphBundle) -> None:
    from_thirteen = [c for c in bundle.claims if any(e.sentence == 13 for e in c.evidence)]
    assert not [c for c in from_thirteen if c.predicate is Predicate.DEVELOPS]
    emphasis = [c for c in from_thirteen if c.predicate is Predicate.EMPHASIZES]
    assert {c.object for c in emphasis} == {
        "kazakhstan-turkmenistan-afghanistan-pakistan-corridor",
        "kazakhstan-uzbekistan-afghanistan-pakistan-corridor",
    }
    assert all(c.qualifiers["aim"] == "develop" for c in emphasis)


def test_hedges_are_possible(bundle: GraphBundle) -> None:
    hedged = {c.id for c in bundle.claims if c.status is Status.POSSIBLE}
    assert hedged == {
        "grain-may-meet-demand-of-pakistan-recent-floods",  # সহায়ক হতে পারে
        "sugarcane-may-meet-demand-of-pakistan-recent-floods",
        "sunflower-oil-may-meet-demand-of-pakistan-recent-floods",
        "trade-connectivity-investment-agreements-expected-at-tokayev-visit-to-pakistan",
    }


def test_the_closing_forecast_supports_a_claim(report: AuditReport) -> None:
    closing = next(s for s in report.sentences if s.sentence.index == 21)
    assert set(closing.claims) == {
        "tokayev-visit-to-pakistan-strengthens-pakistan",
        "tokayev-visit-to-pakistan-strengthens-kazakhstan",
    }


def test_the_audit_catches_a_plan_filed_as_a_fact(bundle: GraphBundle, notes: AuditFile) -> None:
    slipped = [
        c.model_copy(update={"status": Status.STATED}) if c.id == "kazakhstan-exports-grain" else c
        for c in bundle.claims
    ]
    problems = audit(_with_claims(bundle, slipped), notes).problems
    assert len(problems) == 1
    assert (
        "'kazakhstan-exports-grain' is 'stated'" in problems[0] and "reads planned" in problems[0]
    )


def test_the_audit_catches_emphasis_filed_as_the_act(bundle: GraphBundle, notes: AuditFile) -> None:
    corridor = "kazakhstan-uzbekistan-afghanistan-pakistan-corridor"
    emphasis = _claim(bundle, f"pakistan-emphasizes-{corridor}")
    develops = emphasis.model_copy(
        update={"id": "pakistan-develops-it", "predicate": Predicate.DEVELOPS}
    )
    problems = audit(_with_claims(bundle, [*bundle.claims, develops]), notes).problems
    assert problems == (
        "claim 'pakistan-develops-it' is 'stated' but its evidence (sentence 13) reads no cue, "
        "and audit.yaml gives no reason",
    )


def test_the_audit_catches_a_sentence_without_claim_or_reason(
    bundle: GraphBundle, notes: AuditFile
) -> None:
    trimmed = AuditFile(
        status_exceptions=notes.status_exceptions,
        sentences_without_claims=[n for n in notes.sentences_without_claims if n.kind != "gap"],
    )
    problems = audit(bundle, trimmed).problems
    assert len(problems) == 1 and "sentence 6 supports no claim" in problems[0]


def test_stale_notes_fail(bundle: GraphBundle, notes: AuditFile) -> None:
    stale = AuditFile(
        status_exceptions=[
            *notes.status_exceptions,
            StatusException(
                claims=["pakistan-party-to-joint-action-plan-2025-2026", "no-such-claim"],
                reason="a reason long enough to be read",
            ),
        ],
        sentences_without_claims=[
            *notes.sentences_without_claims,
            SentenceNote(
                document=DOC, sentences=[4, 99], kind="furniture", reason="a reason long enough"
            ),
        ],
    )
    problems = "\n".join(audit(bundle, stale).problems)
    assert "exception for 'pakistan-party-to-joint-action-plan-2025-2026' is stale" in problems
    assert "unknown claim 'no-such-claim'" in problems
    assert "sentence 4 is listed as carrying no claim" in problems
    assert "has no sentence 99" in problems


def test_the_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "possible           4" in out
    assert "cue coverage: 79/97 claims" in out
    assert "20/31 sentences support a claim; 11 do not (1 of them a gap in the model)" in out
    assert out.rstrip().endswith("problems: 0")
